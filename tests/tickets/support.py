"""What the ticket tests share: staff accounts, filing over SMS, waiting for the outbox, Telegram group updates."""

from __future__ import annotations

import asyncio
import itertools
import re
import secrets
import time
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient
from argon2 import PasswordHasher
from sqlalchemy import func, select

from bot.keys import SESSIONS
from bot.staff_access import hash_token
from bot.storage.models import OutboundMessage, Staff, Ticket
from tests.conftest import TELEGRAM_TOKEN
from tests.fakes import FakeGateway
from tests.helpers import send_sms

TONGREN, LONGWU, BAOAN = "632301", "632301100", "632301101"
CHENGXIANG, CHANGTAI = "350302", "350302100"
BOT_ID = int(TELEGRAM_TOKEN.split(":")[0])
PASSWORD = "correct horse battery"

_ids = itertools.count(50_000)


async def add_staff(app: web.Application, name: str, role: str = "caseworker", township: str | None = None,
                    county: str | None = None, password: str | None = PASSWORD) -> str:
    """A staff account as `minsheng staff add` makes it; returns its API token."""
    token = secrets.token_urlsafe(24)
    if township and not county:
        county = township[:6]
    async with app[SESSIONS]() as session, session.begin():
        session.add(Staff(name=name, role=role, township_code=township, county_code=county,
                          token_hash=hash_token(token),
                          password_hash=PasswordHasher().hash(password) if password else None))
    return token


async def standard_staff(app: web.Application) -> dict[str, str]:
    return {
        "longwu": await add_staff(app, "longwu", township=LONGWU),
        "baoan": await add_staff(app, "baoan", township=BAOAN),
        "changtai": await add_staff(app, "changtai", township=CHANGTAI),
        "tongren": await add_staff(app, "tongren", "supervisor", county=TONGREN),
        "chengxiang": await add_staff(app, "chengxiang", "supervisor", county=CHENGXIANG),
        "admin": await add_staff(app, "admin", "admin"),
    }


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def converse(client: TestClient, gateway: FakeGateway, phone: str, text: str) -> str:
    """One SMS in, the text of the reply that comes back."""
    before = len(gateway.to(phone))
    response = await send_sms(client, phone, text)
    assert response.status == 200
    got = await gateway.wait_for(phone, before + 1)
    assert len(got) > before, f"no SMS reply to {text!r}"
    return " ".join(m["text"] for m in got[before:])


async def file_by_sms(client: TestClient, gateway: FakeGateway, phone: str, text: str) -> str:
    said = await converse(client, gateway, phone, text)
    found = re.search(r"(?:编号|number) (\d+)", said)
    assert found, said
    return found.group(1)


async def settle(app: web.Application, timeout: float = 10.0) -> None:
    """Waits until the outbox has nothing left to deliver."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        async with app[SESSIONS]() as session:
            pending = await session.scalar(select(func.count()).select_from(OutboundMessage)
                                           .where(OutboundMessage.status == "pending"))
        if not pending:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the outbox did not empty in time")


async def ticket_row(app: web.Application, number: str) -> Ticket:
    async with app[SESSIONS]() as session:
        ticket = await session.scalar(select(Ticket).where(Ticket.number == number))
    assert ticket is not None
    return ticket


def texts(messages: list[dict[str, Any]]) -> list[str]:
    return [str(m.get("text", "")) for m in messages]


def group_message(chat_id: int, user_id: int, text: str, reply_to: dict[str, Any] | None = None) -> dict[str, Any]:
    uid = next(_ids)
    message: dict[str, Any] = {
        "message_id": uid, "date": int(time.time()),
        "chat": {"id": chat_id, "type": "supergroup", "title": "隆务镇民政"},
        "from": {"id": user_id, "is_bot": False, "first_name": "专干", "language_code": "zh-hans"}, "text": text}
    if text.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    if reply_to is not None:
        message["reply_to_message"] = reply_to
    return {"update_id": uid, "message": message}


def bot_message(chat_id: int, message_id: int, text: str) -> dict[str, Any]:
    """A message the bot posted in a group, as Telegram echoes it in reply_to_message and callbacks."""
    return {"message_id": message_id, "date": int(time.time()), "chat": {"id": chat_id, "type": "supergroup"},
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "Minsheng", "username": "minsheng_bot"},
            "text": text}


def group_button(chat_id: int, user_id: int, data: str, message: dict[str, Any]) -> dict[str, Any]:
    uid = next(_ids)
    return {"update_id": uid, "callback_query": {
        "id": str(uid), "from": {"id": user_id, "is_bot": False, "first_name": "专干"}, "chat_instance": "g",
        "data": data, "message": message}}


def private_message(user_id: int, text: str) -> dict[str, Any]:
    uid = next(_ids)
    message: dict[str, Any] = {
        "message_id": uid, "date": int(time.time()), "chat": {"id": user_id, "type": "private"},
        "from": {"id": user_id, "is_bot": False, "first_name": "专干"}, "text": text}
    if text.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    return {"update_id": uid, "message": message}
