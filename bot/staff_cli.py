"""`minsheng staff add|passwd|disable|token|enable`: staff accounts, their API tokens and console passwords."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import secrets
import sys
from collections.abc import AsyncIterator, Callable

from argon2 import PasswordHasher
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.settings import load_settings
from bot.staff_access import hash_token
from bot.storage.db import make_engine, make_sessionmaker, upgrade_async
from bot.storage.models import Staff, utcnow
from knowledge_base.jurisdictions import jurisdictions


class StaffCommandError(Exception):
    pass


def _scope(role: str, township: str | None, county: str | None) -> tuple[str | None, str | None]:
    places = jurisdictions()
    if role == "admin":
        return None, None
    if role in ("caseworker", "cadre"):
        if not township:
            raise StaffCommandError(f"a {role} needs --township NAME")
        found = places.find(township, levels=("township",))
        if county:
            within = places.find(county, levels=("county",))
            found = [p for p in found if within and p.code.startswith(within[0].code)]
        if len(found) != 1:
            what = "several townships" if found else "no served township"
            raise StaffCommandError(f"'{township}' names {what}; add --county NAME to choose")
        county_place = places.county_of(found[0].code)
        return found[0].code, county_place.code if county_place else None
    name = county or township
    if not name:
        raise StaffCommandError("a supervisor needs --county NAME")
    counties = places.find(name, levels=("county",))
    if len(counties) != 1:
        raise StaffCommandError(f"'{name}' is not a served county")
    return None, counties[0].code


@contextlib.asynccontextmanager
async def _database() -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """The configured database, migrated, for one command."""
    settings = load_settings()
    await upgrade_async(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        yield make_sessionmaker(engine)
    finally:
        await engine.dispose()


async def add_staff(name: str, role: str, township: str | None, county: str | None) -> str:
    township_code, county_code = _scope(role, township, county)
    token = secrets.token_urlsafe(32)
    async with _database() as sessions, sessions() as session, session.begin():
        if await session.scalar(select(Staff).where(Staff.name == name)):
            raise StaffCommandError(f"a staff account named '{name}' exists already")
        session.add(Staff(name=name, role=role, township_code=township_code, county_code=county_code,
                          token_hash=hash_token(token)))
    return token


async def change_account(name: str, change: Callable[[Staff], None]) -> None:
    """Applies ``change`` to the named account in one transaction; every process sees it on its next request."""
    async with _database() as sessions, sessions() as session, session.begin():
        staff = await session.scalar(select(Staff).where(Staff.name == name))
        if staff is None:
            raise StaffCommandError(f"no staff account named '{name}'")
        change(staff)


def set_password(password: str) -> Callable[[Staff], None]:
    """A new console password; the console sessions opened with the old one end."""
    password_hash = PasswordHasher().hash(password)

    def change(staff: Staff) -> None:
        staff.password_hash = password_hash
        staff.session_generation = (staff.session_generation or 0) + 1
    return change


def disable(staff: Staff) -> None:
    """The account's token, console sessions and Telegram account stop working at once."""
    if staff.disabled_at is None:
        staff.disabled_at = utcnow()
    staff.session_generation = (staff.session_generation or 0) + 1


def new_token(token: str, enable: bool = False) -> Callable[[Staff], None]:
    """Replaces the API token: only the new one works from now on. ``enable`` also lifts a disable;
    without it a disabled account is refused (its new token would not work)."""
    def change(staff: Staff) -> None:
        if staff.disabled_at is not None and not enable:
            raise StaffCommandError(f"'{staff.name}' is disabled; `minsheng staff enable {staff.name}` "
                                    "enables it with a new token")
        staff.token_hash = hash_token(token)
        staff.disabled_at = None
    return change


def _fail(command: str, message: str) -> int:
    sys.stderr.write(f"minsheng staff {command}: {message}\n")
    return 2


def cmd_add(args: argparse.Namespace) -> int:
    try:
        token = asyncio.run(add_staff(args.name, args.role, args.township, args.county))
    except StaffCommandError as exc:
        return _fail("add", str(exc))
    print(f"staff account '{args.name}' ({args.role}) created; API token (shown once):")
    print(token)
    return 0


def cmd_passwd(args: argparse.Namespace) -> int:
    password = sys.stdin.readline().rstrip("\r\n")
    if len(password) < 8:
        return _fail("passwd", "the password needs at least 8 characters")
    try:
        asyncio.run(change_account(args.name, set_password(password)))
    except StaffCommandError as exc:
        return _fail("passwd", str(exc))
    print(f"password set for '{args.name}'; its console sessions have ended")
    return 0


def cmd_disable(args: argparse.Namespace) -> int:
    try:
        asyncio.run(change_account(args.name, disable))
    except StaffCommandError as exc:
        return _fail("disable", str(exc))
    print(f"staff account '{args.name}' disabled: its API token and console sessions no longer work")
    return 0


def cmd_token(args: argparse.Namespace, enable: bool = False) -> int:
    command = "enable" if enable else "token"
    token = secrets.token_urlsafe(32)
    try:
        asyncio.run(change_account(args.name, new_token(token, enable)))
    except StaffCommandError as exc:
        return _fail(command, str(exc))
    if enable:
        print(f"staff account '{args.name}' enabled; new API token (shown once; the one before the disable "
              "stays dead):")
    else:
        print(f"new API token for '{args.name}' (shown once; the old one no longer works):")
    print(token)
    return 0


def cmd_enable(args: argparse.Namespace) -> int:
    return cmd_token(args, enable=True)

