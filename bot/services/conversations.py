"""A message's unit of work: its conversation state, profile, ticket and replies commit together.

Before, the conversation was saved (in Redis or in process) and the ticket filed each in its own
step, and the message marked processed later: a crash in between left the state moved on while the
message was run again, so a resident's final "1" (确认提交) got the menu instead of a ticket
number. Now the state lives in the database (``conversations``) and one transaction holds every
write a message makes; a rerun sees the state as it was before the message, or finds the message
processed.

Two processes never run one resident's messages at once (the inbox hands out only the oldest
unprocessed message of an address), and should they still meet — a lease that ran out under a
very slow transaction — the conversation's ``version`` makes the later commit fail and roll back
instead of overwriting the first.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, and_, bindparam, delete, literal, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.domain.messages import Reply
from bot.services import AppServices
from bot.services.residents import Profile, load_profile, profile_write, save_profile
from bot.services.tickets import latest_reply_of, log_filed
from bot.storage.db import insert_built
from bot.storage.models import ConversationState, InboxMessage, Resident, Ticket, table_of

# The resident's profile and conversation in one statement: both LEFT JOINed to a one-row table,
# so a resident with neither still gets a row. Built once. Two statements a message before. With
# them, the latest staff reply to the resident's open tickets, which spares most messages the
# tickets lookup of handlers.status.answer_to_staff (three statements a message before).
_ONE = select(literal(1).label("one")).subquery()
# Core statements on the tables, built once: the ORM's bulk paths cost about twice the CPU per
# statement, and a statement built per call is keyed for the compiled cache on every execution.
_RESIDENTS, _CONVERSATIONS, _INBOX = table_of(Resident), table_of(ConversationState), table_of(InboxMessage)


def _resident_of(source: Any, channel: Any, address: Any) -> Any:
    """The resident read of ``Turn.resident`` for each row of ``source``, whose contact is ``channel``, ``address``."""
    return (select(_RESIDENTS.c.id.label("resident"), _RESIDENTS.c.region_code, _RESIDENTS.c.locale,
                   _RESIDENTS.c.opted_out, _CONVERSATIONS.c.data, _CONVERSATIONS.c.version,
                   _CONVERSATIONS.c.expires_at, latest_reply_of(channel, address).label("latest_reply"))
            .select_from(source)
            .outerjoin(_RESIDENTS, and_(_RESIDENTS.c.channel == channel, _RESIDENTS.c.address == address))
            .outerjoin(_CONVERSATIONS, and_(_CONVERSATIONS.c.channel == channel,
                                            _CONVERSATIONS.c.address == address)))


_RESIDENT = _resident_of(_ONE, bindparam("channel"), bindparam("address"))
# The same read for the messages of an inbox claim, one statement a claim (``read_ahead``).
_RESIDENTS_OF_MESSAGES = (_resident_of(_INBOX, _INBOX.c.channel, _INBOX.c.address)
                          .add_columns(_INBOX.c.id.label("inbox_id"))
                          .where(_INBOX.c.id.in_(bindparam("ids", expanding=True))))
_SAVE_CONVERSATION = (update(_CONVERSATIONS)
                      .where(_CONVERSATIONS.c.channel == bindparam("of_channel"),
                             _CONVERSATIONS.c.address == bindparam("of_address"),
                             _CONVERSATIONS.c.version == bindparam("read"))
                      .values(data=bindparam("new_data"), version=bindparam("new_version"),
                              expires_at=bindparam("new_expires_at")))


def _first_conversation(insert: Any) -> Any:
    return (insert(_CONVERSATIONS).on_conflict_do_nothing(index_elements=["channel", "address"])
            .returning(_CONVERSATIONS.c.id))


# A deferred save (``Turn.defer``): one row returned when written; bound parameters of their own (c_…),
# as they run beside other statements.
_CONVERSATION_CHANGED = _SAVE_CONVERSATION.returning(_CONVERSATIONS.c.id)


def _conversation_added(insert: Any) -> Any:
    return (insert(_CONVERSATIONS).values(channel=bindparam("c_channel"), address=bindparam("c_address"),
                                          data=bindparam("c_data"), version=1, expires_at=bindparam("c_expires_at"))
            .on_conflict_do_nothing(index_elements=["channel", "address"]).returning(_CONVERSATIONS.c.id))


async def read_ahead(session: AsyncSession, messages: Sequence[InboxMessage]) -> dict[int, Row[Any]]:
    """What ``Turn.resident`` reads for each message's sender, read for all of them in one statement, by
    message id: for the inbox's claim, so that a message's unit is spared a statement and a round trip
    (``Turn.read_ahead``).

    Read when the messages are claimed, a moment before each unit runs, it is what the unit would read:
    until a message is processed no other message of its sender is, the conversation's ``version`` still
    guards the unit's write against any other writer, and a staff reply the message might answer was
    committed before the resident could read it, so before the message was stored and claimed."""
    rows = await session.execute(_RESIDENTS_OF_MESSAGES, {"ids": [m.id for m in messages]})
    return {row.inbox_id: row for row in rows}


class ConversationMoved(Exception):
    """Another unit changed this conversation since it was read: roll back and run the message again."""


class Turn:
    """Everything one message reads and writes, inside one open transaction (``session``)."""

    def __init__(self, session: AsyncSession, services: AppServices) -> None:
        self.session = session
        self.tickets = services.tickets.bound(session)
        self._services = dataclasses.replace(services, tickets=self.tickets)
        self._read: dict[tuple[str, str], int | None] = {}
        # Whether the resident's profile row existed, for those ``resident`` read.
        self._residents: dict[tuple[str, str], bool] = {}
        # The replies the dialogs gave, for the caller to queue in this same transaction.
        self.said: list[Reply] = []
        # With ``defer`` (the inbox's units), the conversation and profile are not written when saved but
        # kept in ``pending``, each a statement returning one row when it wrote, for the caller to run with
        # its own writes (on PostgreSQL in one statement with the message's first reply: a round trip and
        # a statement less each). Whatever is left pending is written before the commit, and before
        # anything of the resident is read again.
        self.defer = False
        self.pending: list[tuple[Any, dict[str, Any]]] = []
        self._pending_of: set[tuple[str, str, str]] = set()
        # A resident's row read before the unit began (``read_ahead``), for its first ``resident``.
        self._ahead: dict[tuple[str, str], Row[Any]] = {}

    @property
    def services(self) -> AppServices:
        return self._services

    @property
    def filed(self) -> list[Ticket]:
        return self.tickets.filed

    def now(self) -> datetime:
        return self._services.now()

    def say(self, replies: list[Reply]) -> None:
        self.said.extend(replies)

    def take_pending(self) -> list[tuple[Any, dict[str, Any]]]:
        """The deferred writes, handed to the caller, which runs them in this transaction and checks that
        each returned its one row (else raises ``ConversationMoved``)."""
        pending, self.pending = self.pending, []
        self._pending_of.clear()
        return pending

    def read_ahead(self, channel: str, address: str, row: Row[Any]) -> None:
        """``row``, of ``read_ahead``, answers the first ``resident`` of that contact, unless the unit wrote first."""
        self._ahead[(channel, address)] = row

    async def flush(self) -> None:
        """Writes what is pending now; ``ConversationMoved`` when one of them found the rows moved."""
        for statement, params in self.take_pending():
            if len((await self.session.execute(statement, params)).all()) != 1:
                raise ConversationMoved("moved before a deferred write")

    async def conversation(self, channel: str, address: str) -> dict[str, Any] | None:
        await self.flush()
        row = (await self.session.execute(
            select(ConversationState.data, ConversationState.version, ConversationState.expires_at)
            .where(ConversationState.channel == channel, ConversationState.address == address))).first()
        self._read[(channel, address)] = row.version if row else None
        if row is None or row.expires_at <= self.now():
            return None
        return dict(row.data)

    async def resident(self, channel: str, address: str) -> tuple[Profile, dict[str, Any] | None]:
        """``profile`` and ``conversation`` read in one statement."""
        await self.flush()
        row = self._ahead.pop((channel, address), None)
        if row is None:
            row = (await self.session.execute(_RESIDENT, {"channel": channel, "address": address})).one()
        profile = (Profile() if row.resident is None else
                   Profile(region_code=row.region_code, locale=row.locale, opted_out=row.opted_out))
        self._read[(channel, address)] = row.version
        self._residents[(channel, address)] = row.resident is not None
        self.tickets.note_latest_reply(channel, address, row.latest_reply)
        if row.version is None or row.expires_at <= self.now():
            return profile, None
        return profile, dict(row.data)

    async def save_conversation(self, channel: str, address: str, data: dict[str, Any], ttl: float) -> None:
        """Writes the conversation if nobody else did since ``conversation`` read it."""
        self._ahead.clear()
        version = self._read.get((channel, address))
        expires = self.now() + timedelta(seconds=ttl)
        if self.defer:
            if ("conversation", channel, address) in self._pending_of:
                await self.flush()  # a second save of the unit builds on the first one written
            self._pending_of.add(("conversation", channel, address))
            if version is None:
                self.pending.append((insert_built(self.session, _conversation_added), {
                    "c_channel": channel, "c_address": address, "c_data": data, "c_expires_at": expires}))
            else:
                self.pending.append((_CONVERSATION_CHANGED, {
                    "of_channel": channel, "of_address": address, "read": version, "new_data": data,
                    "new_version": version + 1, "new_expires_at": expires}))
            self._read[(channel, address)] = (version or 0) + 1
            return
        if version is None:
            inserted = await self.session.execute(insert_built(self.session, _first_conversation), {
                "channel": channel, "address": address, "data": data, "version": 1, "expires_at": expires})
            if inserted.scalar_one_or_none() is None:
                raise ConversationMoved(channel)
            self._read[(channel, address)] = 1
            return
        moved = await self.session.execute(_SAVE_CONVERSATION, {
            "of_channel": channel, "of_address": address, "read": version, "new_data": data,
            "new_version": version + 1, "new_expires_at": expires})
        if moved.rowcount != 1:  # type: ignore[attr-defined]
            raise ConversationMoved(channel)
        self._read[(channel, address)] = version + 1

    async def profile(self, channel: str, address: str) -> Profile:
        await self.flush()
        return await load_profile(self.session, channel, address)

    async def save_profile(self, channel: str, address: str, profile: Profile) -> None:
        self._ahead.clear()
        stored = self._residents.get((channel, address))
        if self.defer and stored is not None:
            if ("profile", channel, address) in self._pending_of:
                await self.flush()
            self._pending_of.add(("profile", channel, address))
            self.pending.append(profile_write(self.session, channel, address, profile, self.now(), stored))
            self._residents[(channel, address)] = True
            return
        if not await save_profile(self.session, channel, address, profile, self.now(), stored):
            # The resident's first profile was written by another unit: this one ran on a stale one.
            raise ConversationMoved(channel)
        self._residents[(channel, address)] = True


class Turns:
    """Opens units of work: ``async with turns.open() as turn`` commits when the block ends."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], services: AppServices) -> None:
        self.sessions = sessions
        self.services = services

    @asynccontextmanager
    async def open(self) -> AsyncIterator[Turn]:
        try:
            async with self.sessions() as session, session.begin():
                turn = Turn(session, self.services)
                yield turn
                await turn.flush()
        except IntegrityError as exc:
            # A ticket for this delivery, or this resident's first profile or conversation, was
            # written by a unit running at the same time: this one is stale and runs again.
            raise ConversationMoved("integrity") from exc
        for ticket in turn.filed:
            log_filed(ticket)

    async def prune(self, now: datetime) -> int:
        """Forgets conversations that expired a day ago (a resident who went quiet)."""
        async with self.sessions() as session, session.begin():
            result = await session.execute(delete(ConversationState)
                                           .where(ConversationState.expires_at < now - timedelta(days=1)))
            return int(result.rowcount or 0)  # type: ignore[attr-defined]
