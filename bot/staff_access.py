"""Who a staff member is (API token, console session, Telegram account) and which tickets they may see.

Scope is the only authorisation rule for reading: a caseworker sees their township's queue, a
supervisor every township of their county plus the county's own triage queue, an admin everything.
Whatever lies outside scope does not exist for that person: callers answer 404, never 403.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import ColumnElement, false, select, true, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.domain.tickets import ADMIN, CADRE, SUPERVISOR
from bot.state import StateStore
from bot.storage.models import LinkCode, Staff, StaffGroup, Ticket, WeComRobot, utcnow

# Accounts that may act: a disabled one is refused everywhere, as if it did not exist.
ENABLED = Staff.disabled_at.is_(None)

SESSION_TTL = 12 * 3600
LINK_CODE_TTL = timedelta(minutes=15)

@functools.cache
def _dummy_hash() -> str:
    """A hash argon2 never matches, verified when the name is unknown so that timing does not tell names
    apart. Made on first use, not at import: argon2 is slow on purpose (0.45 s here), and every
    `minsheng` command imports this module."""
    return PasswordHasher().hash(secrets.token_urlsafe(16))


@dataclass(frozen=True)
class Actor:
    """A signed-in staff member, as the workflow sees them."""

    id: int
    name: str
    role: str
    township_code: str | None
    county_code: str | None
    # The account's session generation when it was read: a console session opened now carries it.
    generation: int = field(default=0, compare=False)

    @classmethod
    def of(cls, staff: Staff) -> Actor:
        return cls(staff.id, staff.name, staff.role, staff.township_code, staff.county_code,
                   staff.session_generation or 0)

    def sees(self, ticket: Ticket) -> bool:
        if self.role == ADMIN:
            return True
        if self.role == SUPERVISOR:
            return ticket.county_code == self.county_code
        if self.role == CADRE:
            return ticket.filed_by_staff_id == self.id
        return self.township_code is not None and ticket.township_code == self.township_code

    def ticket_filter(self) -> ColumnElement[bool]:
        """The same rule as ``sees``, as a WHERE clause for queue queries."""
        if self.role == ADMIN:
            return true()
        if self.role == SUPERVISOR:
            return Ticket.county_code == self.county_code if self.county_code else false()
        if self.role == CADRE:
            return Ticket.filed_by_staff_id == self.id
        return Ticket.township_code == self.township_code if self.township_code else false()

    def covers_place(self, code: str, county_of: str | None) -> bool:
        """Whether a township or county code lies in this person's area (for transfers and group links)."""
        if self.role == ADMIN:
            return True
        if self.role == SUPERVISOR:
            return county_of == self.county_code
        return code == self.township_code


def hash_token(token: str) -> str:
    """Tokens are long random strings, so a fast hash is enough; only the hash is stored."""
    return hashlib.sha256(token.encode()).hexdigest()


class StaffDirectory:
    """Looks staff up by token, password, session or Telegram account."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], state: StateStore) -> None:
        self.sessions = sessions
        self.state = state
        self.hasher = PasswordHasher()
        # Ready before the first sign-in with an unknown name, without holding up start-up.
        threading.Thread(target=_dummy_hash, daemon=True, name="argon2-dummy").start()

    async def by_token(self, token: str) -> Actor | None:
        if not token or len(token) > 256:
            return None
        async with self.sessions() as session:
            staff = await session.scalar(select(Staff).where(Staff.token_hash == hash_token(token), ENABLED))
        return Actor.of(staff) if staff else None

    async def by_telegram(self, user_id: int) -> Actor | None:
        async with self.sessions() as session:
            staff = await session.scalar(select(Staff).where(Staff.telegram_user_id == user_id, ENABLED))
        return Actor.of(staff) if staff else None

    async def check_password(self, name: str, password: str) -> Actor | None:
        async with self.sessions() as session:
            staff = await session.scalar(select(Staff).where(Staff.name == name[:64]))
        stored = staff.password_hash if staff and staff.password_hash else _dummy_hash()
        try:
            self.hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return None
        if staff is None or not staff.password_hash or staff.disabled_at is not None:
            return None
        return Actor.of(staff)

    # -- console sessions (in the shared state store, so every process knows them) ----------------

    async def open_session(self, actor: Actor) -> tuple[str, str]:
        """A new session id and its CSRF token."""
        session_id, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
        await self.state.set_json(self._session_key(session_id),
                                  {"staff": actor.id, "csrf": csrf, "generation": actor.generation}, SESSION_TTL)
        return session_id, csrf

    async def session(self, session_id: str) -> tuple[Actor, str] | None:
        """The session's staff member and CSRF token, read against the account on every request.

        A session of a disabled account, or one opened before the password changed (the account's
        generation moved on), is over; it is deleted so that the store forgets it too.
        """
        if not session_id or len(session_id) > 100:
            return None
        key = self._session_key(session_id)
        data = await self.state.get_json(key)
        if not isinstance(data, dict):
            return None
        async with self.sessions() as session:
            staff = await session.get(Staff, int(data["staff"]))
        if staff is None or staff.disabled_at is not None or staff.session_generation != data.get("generation", 0):
            await self.state.delete(key)
            return None
        return Actor.of(staff), str(data["csrf"])

    async def close_session(self, session_id: str) -> None:
        await self.state.delete(self._session_key(session_id))

    @staticmethod
    def _session_key(session_id: str) -> str:
        # Keyed by a hash so that the store (and a Redis dump) never holds a usable session id.
        return "console-session:" + hashlib.sha256(session_id.encode()).hexdigest()

    # -- Telegram linking -------------------------------------------------------------------------

    async def make_link_code(self, actor: Actor, purpose: str, place_code: str | None = None,
                             now: datetime | None = None) -> str:
        """A one-time code: ``purpose`` "user" links the actor's Telegram account, "group" a group to a place."""
        now = now or utcnow()
        code = "-".join(secrets.token_hex(3).upper() for _ in range(3))
        async with self.sessions() as session, session.begin():
            session.add(LinkCode(code_hash=self._code_hash(code), purpose=purpose, staff_id=actor.id,
                                 place_code=place_code, created_at=now, expires_at=now + LINK_CODE_TTL))
        return code

    async def redeem_link_code(self, code: str, purpose: str, chat_id: int, user_id: int,
                               now: datetime | None = None) -> tuple[Actor, str | None] | None:
        """Uses a code once: links the group or the user; (who made it, place) or None if invalid or used."""
        now = now or utcnow()
        async with self.sessions() as session, session.begin():
            row = await session.scalar(select(LinkCode).where(LinkCode.code_hash == self._code_hash(code),
                                                              LinkCode.purpose == purpose))
            if row is None:
                return None
            used = await session.execute(update(LinkCode).where(
                LinkCode.id == row.id, LinkCode.used_at.is_(None), LinkCode.expires_at > now).values(used_at=now))
            if used.rowcount != 1:  # type: ignore[attr-defined]
                return None
            staff = await session.get(Staff, row.staff_id)
            if staff is None or staff.disabled_at is not None:
                return None
            if row.purpose == "user":
                # One Telegram account speaks for one staff member.
                await session.execute(update(Staff).where(Staff.telegram_user_id == user_id, Staff.id != staff.id)
                                      .values(telegram_user_id=None))
                staff.telegram_user_id = user_id
            else:
                group = await session.scalar(select(StaffGroup).where(StaffGroup.chat_id == chat_id))
                if group is None:
                    group = StaffGroup(chat_id=chat_id, place_code=row.place_code or "", linked_by=staff.name,
                                       linked_at=now)
                    session.add(group)
                else:
                    group.place_code, group.linked_by, group.linked_at = row.place_code or "", staff.name, now
            return Actor.of(staff), row.place_code

    @staticmethod
    def _code_hash(code: str) -> str:
        return hashlib.sha256(code.strip().upper().encode()).hexdigest()


async def groups_for(session: AsyncSession, place_codes: list[str]) -> list[int]:
    """Chat ids of the Telegram groups linked to any of these places."""
    rows = await session.scalars(select(StaffGroup.chat_id).where(StaffGroup.place_code.in_(place_codes)))
    return list(rows)


async def robots_for(session: AsyncSession, place_codes: list[str]) -> list[int]:
    """Ids of the WeCom group robots set for any of these places."""
    rows = await session.scalars(select(WeComRobot.id).where(WeComRobot.place_code.in_(place_codes))
                                 .order_by(WeComRobot.id))
    return list(rows)


async def group_place(session: AsyncSession, chat_id: int) -> str | None:
    return await session.scalar(select(StaffGroup.place_code).where(StaffGroup.chat_id == chat_id))


def same_secret(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())

