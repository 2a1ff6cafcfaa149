"""`minsheng staff add|passwd`: staff accounts, their API tokens and console passwords."""

from __future__ import annotations

import argparse
import asyncio
import secrets
import sys

from argon2 import PasswordHasher
from sqlalchemy import select

from bot.domain.tickets import STAFF_ROLES
from bot.settings import load_settings
from bot.staff_access import hash_token
from bot.storage.db import make_engine, make_sessionmaker, upgrade_async
from bot.storage.models import Staff
from knowledge_base.jurisdictions import jurisdictions


class StaffCommandError(Exception):
    pass


def _scope(role: str, township: str | None, county: str | None) -> tuple[str | None, str | None]:
    places = jurisdictions()
    if role == "admin":
        return None, None
    if role == "caseworker":
        if not township:
            raise StaffCommandError("a caseworker needs --township NAME")
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


async def add_staff(name: str, role: str, township: str | None, county: str | None) -> str:
    township_code, county_code = _scope(role, township, county)
    settings = load_settings()
    await upgrade_async(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        sessions = make_sessionmaker(engine)
        token = secrets.token_urlsafe(32)
        async with sessions() as session, session.begin():
            if await session.scalar(select(Staff).where(Staff.name == name)):
                raise StaffCommandError(f"a staff account named '{name}' exists already")
            session.add(Staff(name=name, role=role, township_code=township_code, county_code=county_code,
                              token_hash=hash_token(token)))
        return token
    finally:
        await engine.dispose()


async def set_password(name: str, password: str) -> None:
    settings = load_settings()
    await upgrade_async(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        async with make_sessionmaker(engine)() as session, session.begin():
            staff = await session.scalar(select(Staff).where(Staff.name == name))
            if staff is None:
                raise StaffCommandError(f"no staff account named '{name}'")
            staff.password_hash = PasswordHasher().hash(password)
    finally:
        await engine.dispose()


def cmd_add(args: argparse.Namespace) -> int:
    try:
        token = asyncio.run(add_staff(args.name, args.role, args.township, args.county))
    except StaffCommandError as exc:
        sys.stderr.write(f"minsheng staff add: {exc}\n")
        return 2
    print(f"staff account '{args.name}' ({args.role}) created; API token (shown once):")
    print(token)
    return 0


def cmd_passwd(args: argparse.Namespace) -> int:
    password = sys.stdin.readline().rstrip("\r\n")
    if len(password) < 8:
        sys.stderr.write("minsheng staff passwd: the password needs at least 8 characters\n")
        return 2
    try:
        asyncio.run(set_password(args.name, password))
    except StaffCommandError as exc:
        sys.stderr.write(f"minsheng staff passwd: {exc}\n")
        return 2
    print(f"password set for '{args.name}'")
    return 0


def add_staff_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    staff = sub.add_parser("staff", help="staff accounts")
    staff_sub = staff.add_subparsers(dest="staff_command", required=True)
    add = staff_sub.add_parser("add", help="create an account and print its API token on the last line")
    add.add_argument("--name", required=True)
    add.add_argument("--township")
    add.add_argument("--county")
    add.add_argument("--role", choices=STAFF_ROLES, default="caseworker")
    add.set_defaults(run=cmd_add)
    passwd = staff_sub.add_parser("passwd", help="set a console password, read from standard input")
    passwd.add_argument("name")
    passwd.set_defaults(run=cmd_passwd)
