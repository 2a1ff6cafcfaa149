"""Retention after closure and 删除我的信息: what goes, what stays, and that 督查 counts survive."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import select

from bot.domain.tickets import CHINA
from bot.keys import LOOP_JOBS, SESSIONS
from bot.settings import Settings
from bot.storage.models import CheckIn, CheckInRound, OutboundMessage, Resident, TicketEvent
from tests.fakes import FakeGateway
from tests.loop.support import Clock, stats_of, two_apps
from tests.tickets.support import bearer, converse, file_by_sms, settle, standard_staff, ticket_row


async def close(client: Any, token: str, number: str) -> None:
    for to in ("accepted", "resolved"):
        response = await client.post(f"/api/v1/tickets/{number}/transition", json={"to": to, "note": "已救助"},
                                     headers=bearer(token))
        assert response.status == 200


async def test_retention_purges_closed_tickets_once_and_the_counts_survive(
        aiohttp_client: Any, sms_settings: Settings, gateway: FakeGateway) -> None:
    clock = Clock()
    month = clock.now.astimezone(CHINA).strftime("%Y-%m")
    first, second = await two_apps(aiohttp_client, sms_settings, clock)
    staff = await standard_staff(first.app)
    # A household asked once, then taken off check-ins at once.
    body = {"phone": "13812340510", "consent_note": "本人同意"}
    enrolled = await (await first.post("/api/v1/checkins", json=body, headers=bearer(staff["longwu"]))).json()
    async with first.app[SESSIONS]() as session, session.begin():
        session.add(CheckInRound(checkin_id=enrolled["id"], sent_at=clock.now))
    assert (await first.delete(f"/api/v1/checkins/{enrolled['id']}", headers=bearer(staff["longwu"]))).status == 200
    old = await file_by_sms(first, gateway, "+8613812340500", "求助 隆务镇 家里断粮了，老伴住院")
    still_open = await file_by_sms(first, gateway, "+8613812340501", "求助 隆务镇 房子漏雨")
    assert (await first.post(f"/api/v1/tickets/{old}/replies", json={"text": "马上送米面油。"},
                             headers=bearer(staff["longwu"]))).status == 201
    await close(first, staff["longwu"], old)
    clock.move(days=100)
    recent = await file_by_sms(first, gateway, "+8613812340502", "求助 隆务镇 孩子学费")
    await close(first, staff["longwu"], recent)
    await settle(first.app)
    before = await stats_of(first, staff["tongren"], "同仁市", month)

    clock.move(days=81)  # the first closed 181 days ago, the other 81
    runs = await asyncio.gather(first.app[LOOP_JOBS].retention.run_once(), second.app[LOOP_JOBS].retention.run_once())
    assert sum(run["tickets"] for run in runs) == 1
    assert sum(run["tickets"] for run in [await first.app[LOOP_JOBS].retention.run_once()]) == 0

    purged = await ticket_row(first.app, old)
    assert purged.contact == "" and purged.text == "" and purged.purged_at is not None
    assert purged.status == "resolved" and purged.first_answered_at is not None
    async with first.app[SESSIONS]() as session:
        events = list(await session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == purged.id)))
        sent = list(await session.scalars(select(OutboundMessage).where(OutboundMessage.ticket_id == purged.id)))
    assert [e.type for e in events][:2] == ["filed", "reply"] and all(e.text == "" for e in events)
    assert sent and all(m.text == "" for m in sent)
    for number, phone in ((still_open, "13812340501"), (recent, "13812340502")):
        kept = await ticket_row(first.app, number)
        assert kept.contact.endswith(phone) and kept.text and kept.purged_at is None
    shown = await (await first.get(f"/api/v1/tickets/{old}", headers=bearer(staff["longwu"]))).json()
    assert shown["contact"] == "****" and shown["text"] == "" and shown["events"][-1]["type"] == "purged"
    after = await stats_of(first, staff["tongren"], "同仁市", month)
    assert after == before
    assert sum(row["checkins_sent"] for row in after["townships"]) == 1
    async with first.app[SESSIONS]() as session:
        gone = await session.get(CheckIn, enrolled["id"])
    assert gone is not None and gone.address == f"purged:{enrolled['id']}"
    assert sum(run["checkins"] for run in runs) == 1


async def test_delete_my_data_names_open_tickets_then_removes_and_sends_a_receipt(
        aiohttp_client: Any, sms_settings: Settings, gateway: FakeGateway) -> None:
    clock = Clock()
    client, _second = await two_apps(aiohttp_client, sms_settings, clock)
    staff = await standard_staff(client.app)
    phone = "+8613812340600"
    await converse(client, gateway, phone, "隆务镇")
    await converse(client, gateway, phone, "定期问候")
    closed = await file_by_sms(client, gateway, phone, "求助 隆务镇 家里断粮了")
    await close(client, staff["longwu"], closed)
    await settle(client.app)  # the status notices reach the phone before the next exchange
    still_open = await file_by_sms(client, gateway, phone, "监测 隆务镇 今年收入少了一半")
    neighbour = await file_by_sms(client, gateway, "+8613812340601", "求助 隆务镇 房子漏雨")

    said = await converse(client, gateway, phone, "删除我的信息")
    assert still_open in said and closed not in said and "确认删除" in said
    said = await converse(client, gateway, phone, "2")
    assert "没有删除" in said
    async with client.app[SESSIONS]() as session:
        assert await session.scalar(select(Resident).where(Resident.address == phone)) is not None

    await converse(client, gateway, phone, "删除我的信息")
    receipt = await converse(client, gateway, phone, "1")
    assert "回执" in receipt and "已办结事项 1 件" in receipt and "定期问候登记 1 项" in receipt
    async with client.app[SESSIONS]() as session:
        assert await session.scalar(select(Resident).where(Resident.address == phone)) is None
        assert await session.scalar(select(CheckIn).where(CheckIn.address == phone)) is None
        [anonymous] = list(await session.scalars(select(CheckIn)))
        assert anonymous.address == f"purged:{anonymous.id}" and not anonymous.active
    gone = await ticket_row(client.app, closed)
    assert gone.contact == "" and gone.text == "" and gone.purged_at is not None
    kept = await ticket_row(client.app, still_open)
    assert kept.contact == phone and "收入少了一半" in kept.text
    assert (await ticket_row(client.app, neighbour)).contact == "+8613812340601"
    # The next message starts afresh: no region remembered.
    said = await converse(client, gateway, phone, "菜单")
    assert "未设置" in said

    # A resident who sent TD keeps that choice through the erasure, and nothing else.
    stopped = "+8613812340603"
    await converse(client, gateway, stopped, "隆务镇")
    await converse(client, gateway, stopped, "TD")
    await converse(client, gateway, stopped, "删除我的信息")
    await converse(client, gateway, stopped, "1")
    async with client.app[SESSIONS]() as session:
        kept_choice = await session.scalar(select(Resident).where(Resident.address == stopped))
    assert kept_choice is not None and kept_choice.opted_out and kept_choice.region_code is None

    english = "+8613812340602"
    await converse(client, gateway, english, "English")
    await converse(client, gateway, english, "2")
    said = await converse(client, gateway, english, "my data")
    assert "Confirm deletion" in said and "Do not delete" in said
