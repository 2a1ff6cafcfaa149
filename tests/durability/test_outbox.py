"""The outbox gives up on a refusal at once, on an outage after a cap, and tells staff on the ticket."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from aiohttp.test_utils import TestClient
from sqlalchemy import select

from bot.app import create_app
from bot.keys import SESSIONS
from bot.storage.models import OutboundMessage, Ticket
from tests.conftest import SMS_SECRET
from tests.fakes import FakeBotApi, FakeGateway
from tests.helpers import send_sms, send_tg, tg_update
from tests.tickets.support import LONGWU, add_staff, bearer


async def wait_for_status(client: TestClient, status: str, timeout: float = 10.0) -> list[OutboundMessage]:
    for _ in range(int(timeout / 0.05)):
        async with client.app[SESSIONS]() as session:
            rows = list(await session.scalars(select(OutboundMessage).where(OutboundMessage.status == status)))
        if rows:
            return rows
        await asyncio.sleep(0.05)
    return []


async def only_ticket(client: TestClient) -> Ticket:
    async with client.app[SESSIONS]() as session:
        tickets = list(await session.scalars(select(Ticket)))
    assert len(tickets) == 1
    return tickets[0]


async def events_seen_by_staff(client: TestClient, number: str) -> list[dict[str, Any]]:
    token = await add_staff(client.app, f"staff{number[-4:]}", township=LONGWU)
    response = await client.get(f"/api/v1/tickets/{number}", headers=bearer(token))
    assert response.status == 200
    return list((await response.json())["events"])


async def test_a_number_the_gateway_refuses_is_failed_at_once_and_shown_on_the_ticket(
        client: TestClient, gateway: FakeGateway) -> None:
    phone = "+8613900044444"
    gateway.rejects[phone[-11:]] = 400
    assert (await send_sms(client, phone, "求助 隆务镇 家里老人生病没人照顾")).status == 200
    failed = await wait_for_status(client, "failed")
    assert len(failed) == 1 and failed[0].attempts == 1
    await asyncio.sleep(1.5)  # past the first retry it would have had
    assert gateway.refused == 1 and not gateway.to(phone)
    ticket = await only_ticket(client)
    events = await events_seen_by_staff(client, ticket.number)
    failure = [e for e in events if e["type"] == "delivery_failed"]
    assert len(failure) == 1 and failure[0]["by"] == "system"
    text = failure[0]["text"]
    assert "短信" in text and "对方拒收" in text and "HTTP 400" in text and ticket.number in text
    assert "13900044444" not in text


async def test_a_resident_who_blocked_the_bot_is_tried_once_and_staff_are_told(
        tg_client: TestClient, botapi: FakeBotApi) -> None:
    chat = 7401
    botapi.refuse[chat] = (403, "Forbidden: bot was blocked by the user")
    assert (await send_tg(tg_client, tg_update(chat, "求助 隆务镇 屋顶塌了一角"))).status == 200
    assert len(await wait_for_status(tg_client, "failed")) == 1
    await asyncio.sleep(1.5)
    assert botapi.refused == 1
    ticket = await only_ticket(tg_client)
    # A staff reply later meets the same refusal, and is recorded the same way.
    token = await add_staff(tg_client.app, "longwu", township=LONGWU)
    response = await tg_client.post(f"/api/v1/tickets/{ticket.number}/replies", json={"text": "明天上门查看。"},
                                    headers=bearer(token))
    assert response.status == 201
    for _ in range(100):
        if len(await wait_for_status(tg_client, "failed")) == 2:
            break
        await asyncio.sleep(0.05)
    events = await events_seen_by_staff(tg_client, ticket.number)
    failures = [e["text"] for e in events if e["type"] == "delivery_failed"]
    assert len(failures) == 2 and all("Telegram" in t and "屏蔽" in t for t in failures)
    assert "明天上门查看" in failures[1]


async def test_a_chat_that_no_longer_exists_is_named_as_such(tg_client: TestClient, botapi: FakeBotApi) -> None:
    chat = 7402
    botapi.refuse[chat] = (400, "Bad Request: chat not found")
    assert (await send_tg(tg_client, tg_update(chat, "求助 隆务镇 孩子学费交不上"))).status == 200
    failed = await wait_for_status(tg_client, "failed")
    assert len(failed) == 1 and failed[0].last_error and failed[0].last_error.startswith("chat_not_found")
    events = await events_seen_by_staff(tg_client, (await only_ticket(tg_client)).number)
    assert any(e["type"] == "delivery_failed" and "找不到居民的对话" in e["text"] for e in events)


async def test_an_outage_longer_than_the_cap_fails_the_message_and_it_is_kept(
        aiohttp_client: Any, make_settings: Any, gateway: FakeGateway) -> None:
    settings = make_settings(sms_secret=SMS_SECRET, sms_gateway_url=gateway.url, outbox_give_up_seconds=2.0)
    client = await aiohttp_client(create_app(settings))
    gateway.down = True
    phone = "+8613900055555"
    assert (await send_sms(client, phone, "求助 隆务镇 没有收入")).status == 200
    failed = await wait_for_status(client, "failed", timeout=15)
    assert len(failed) == 1 and failed[0].attempts >= 2 and failed[0].last_error
    assert failed[0].last_error.startswith("gave_up: HTTP 503")
    assert gateway.refused >= 2
    events = await events_seen_by_staff(client, (await only_ticket(client)).number)
    assert any(e["type"] == "delivery_failed" and "多次重试仍未送达" in e["text"] for e in events)
    gateway.down = False
    await asyncio.sleep(1.5)
    assert not gateway.to(phone)  # given up means given up: no late surprise


async def test_replies_held_by_an_outage_arrive_in_the_order_they_were_written(
        client: TestClient, gateway: FakeGateway) -> None:
    phone = "+8613900066666"
    assert (await send_sms(client, phone, "求助 隆务镇 家里没有收入")).status == 200
    said = await gateway.wait_for(phone, 1)
    number = re.search(r"编号 (\d+)", said[0]["text"])
    assert number
    token = await add_staff(client.app, "longwu", township=LONGWU)
    gateway.down = True
    for n in range(1, 4):
        response = await client.post(f"/api/v1/tickets/{number.group(1)}/replies", json={"text": f"第{n}条答复"},
                                     headers=bearer(token))
        assert response.status == 201
    await asyncio.sleep(1.0)
    gateway.down = False
    got = await gateway.wait_for(phone, 4, timeout=15)
    assert [re.search(r"第(\d)条", m["text"]).group(1) for m in got[1:]] == ["1", "2", "3"]  # type: ignore[union-attr]
