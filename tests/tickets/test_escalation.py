"""Overdue tickets are escalated to the county once, however many service processes run the job.

Two apps share one database (one SQLite file, or PostgreSQL and Redis when MINSHENG_TEST_DATABASE_URL
and MINSHENG_TEST_REDIS_URL are set), each with its own escalation job, as two `minsheng serve` do.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

from aiohttp.test_utils import TestClient
from sqlalchemy import select

from bot.app import create_app
from bot.keys import ESCALATOR, SERVICES, SESSIONS, STAFF
from bot.settings import Settings
from bot.storage.models import TicketEvent, utcnow
from tests.fakes import FakeBotApi, FakeGateway
from tests.tickets.support import TONGREN, bearer, file_by_sms, settle, standard_staff, ticket_row

GROUP = -100_555


def move_clock(*clients: TestClient, hours: float) -> None:
    later: datetime = utcnow() + timedelta(hours=hours)
    for client in clients:
        client.app[SERVICES].clock = lambda: later


async def escalations(client: TestClient) -> list[TicketEvent]:
    async with client.app[SESSIONS]() as session:
        return list(await session.scalars(select(TicketEvent).where(TicketEvent.type == "escalated")))


async def test_past_twelve_hours_two_processes_escalate_an_unanswered_ticket_once(
        aiohttp_client: Any, telegram_settings: Settings, botapi: FakeBotApi, gateway: FakeGateway) -> None:
    # Jobs run only when the test says so: a long interval keeps the background loops out of the way.
    settings = telegram_settings.model_copy(update={"escalation_interval_seconds": 3600.0})
    first: TestClient = await aiohttp_client(create_app(settings))
    second: TestClient = await aiohttp_client(create_app(settings))
    staff = await standard_staff(first.app)
    # The county's staff group, linked by its supervisor.
    supervisor = await first.app[STAFF].by_token(staff["tongren"])
    assert supervisor is not None
    code = await first.app[STAFF].make_link_code(supervisor, "group", TONGREN)
    assert await first.app[STAFF].redeem_link_code(code, "group", GROUP, 9001) is not None

    late = await file_by_sms(first, gateway, "+8613812340050", "求助 隆务镇 老人生病没人照顾")
    answered = await file_by_sms(first, gateway, "+8613812340051", "求助 保安镇 家里断粮了")
    assert (await first.post(f"/api/v1/tickets/{answered}/replies", json={"text": "马上送米面油。"},
                             headers=bearer(staff["baoan"]))).status == 201

    move_clock(first, second, hours=11.9)
    assert await first.app[ESCALATOR].run_once() + await second.app[ESCALATOR].run_once() == 0

    move_clock(first, second, hours=12.5)
    counts = await asyncio.gather(first.app[ESCALATOR].run_once(), second.app[ESCALATOR].run_once(),
                                  first.app[ESCALATOR].run_once(), second.app[ESCALATOR].run_once())
    assert sum(counts) == 1
    [event] = await escalations(first)
    assert event.ticket_id == (await ticket_row(first.app, late)).id and event.by == "system"

    # Hours later, both jobs run again: still one.
    move_clock(first, second, hours=30)
    assert await first.app[ESCALATOR].run_once() + await second.app[ESCALATOR].run_once() == 0
    assert len(await escalations(second)) == 1

    await settle(first.app)
    posts = [m for m in botapi.sent(GROUP) if "超时上报" in m["text"]]
    assert len(posts) == 1 and late in posts[0]["text"] and "13812340050" not in posts[0]["text"]

    seen = await (await first.get(f"/api/v1/tickets/{late}", headers=bearer(staff["tongren"]))).json()
    assert seen["overdue"] is True and seen["escalated"] is True
    assert [e["type"] for e in seen["events"]] == ["filed", "escalated"]


async def test_an_urgent_request_carries_a_24_hour_aid_deadline(
        client: TestClient, gateway: FakeGateway) -> None:
    staff = await standard_staff(client.app)
    number = await file_by_sms(client, gateway, "+8613812340060", "急 保安镇 房子塌了一半")
    ticket = await (await client.get(f"/api/v1/tickets/{number}", headers=bearer(staff["baoan"]))).json()
    made = datetime.fromisoformat(ticket["created_at"])
    assert ticket["urgent"] is True
    assert datetime.fromisoformat(ticket["aid_due_at"]) - made == timedelta(hours=24)
    assert datetime.fromisoformat(ticket["due_at"]) - made == timedelta(hours=12)


async def test_an_urgent_request_still_open_past_its_aid_deadline_is_escalated_once(
        aiohttp_client: Any, telegram_settings: Settings, botapi: FakeBotApi, gateway: FakeGateway) -> None:
    settings = telegram_settings.model_copy(update={"escalation_interval_seconds": 3600.0})
    first: TestClient = await aiohttp_client(create_app(settings))
    second: TestClient = await aiohttp_client(create_app(settings))
    staff = await standard_staff(first.app)
    open_one = await file_by_sms(first, gateway, "+8613812340070", "急 隆务镇 房子塌了一半，没地方住")
    done_one = await file_by_sms(first, gateway, "+8613812340071", "急 保安镇 家里失火")
    # Both got a first answer in time, so only the aid deadline is in play.
    for number, who in ((open_one, "longwu"), (done_one, "baoan")):
        response = await first.post(f"/api/v1/tickets/{number}/replies", json={"text": "已收到，马上核实。"},
                                    headers=bearer(staff[who]))
        assert response.status == 201
    response = await first.post(f"/api/v1/tickets/{done_one}/transition", json={"to": "accepted"},
                                headers=bearer(staff["baoan"]))
    assert response.status == 200
    for to in ("in_progress", "resolved"):
        response = await first.post(f"/api/v1/tickets/{done_one}/transition", json={"to": to, "note": "已救助"},
                                    headers=bearer(staff["baoan"]))
        assert response.status == 200

    move_clock(first, second, hours=23.5)
    assert await first.app[ESCALATOR].run_once() + await second.app[ESCALATOR].run_once() == 0
    move_clock(first, second, hours=24.5)
    counts = await asyncio.gather(first.app[ESCALATOR].run_once(), second.app[ESCALATOR].run_once())
    assert sum(counts) == 1
    async with first.app[SESSIONS]() as session:
        events = list(await session.scalars(select(TicketEvent).where(TicketEvent.type == "aid_escalated")))
    assert len(events) == 1 and events[0].ticket_id == (await ticket_row(first.app, open_one)).id
    assert not await escalations(first)  # the first answer was in time: no first-answer escalation
    move_clock(first, second, hours=48)
    assert await first.app[ESCALATOR].run_once() + await second.app[ESCALATOR].run_once() == 0
