"""Check-ins (主动发现) through SMS and the staff API, with the clock moved and two processes sending.

同仁市 asks for 走访摸排 按季度 (seed 002 二（五）1): 隆务镇's households are asked every 3 months.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from bot.domain.messages import Incoming
from bot.keys import CHECKINS, ENGINE, SESSIONS
from bot.settings import Settings
from bot.storage.models import CheckIn, CheckInRound, Ticket
from tests.fakes import FakeBotApi, FakeGateway
from tests.helpers import buttons, tg_say, tg_update
from tests.loop.support import Clock, two_apps
from tests.tickets.support import LONGWU, bearer, converse, file_by_sms, settle, standard_staff

ENROLLED = "+8613812340100"
SELF = "+8613812340101"


async def send_round(*clients: Any) -> int:
    counts = await asyncio.gather(*(c.app[CHECKINS].send_due() for c in clients for _ in range(2)))
    return sum(counts)


async def test_a_check_in_answered_3_opens_one_urgent_request_across_two_processes(
        aiohttp_client: Any, sms_settings: Settings, gateway: FakeGateway) -> None:
    clock = Clock()
    first, second = await two_apps(aiohttp_client, sms_settings, clock)
    staff = await standard_staff(first.app)
    # Staff enrol a 监测 household visited at home; a resident agrees by text.
    body = {"phone": "138 1234 0100", "consent_note": "入户走访时口头同意"}
    response = await first.post("/api/v1/checkins", json=body, headers=bearer(staff["longwu"]))
    assert response.status == 201, await response.text()
    enrolled = await response.json()
    assert enrolled["township"] == "隆务镇" and enrolled["interval_months"] == 3
    assert enrolled["contact"] == "138****0100" and enrolled["consent"] == "staff"
    await converse(first, gateway, SELF, "隆务镇")
    said = await converse(first, gateway, SELF, "定期问候")
    assert "每 3 个月" in said

    clock.move(days=80)
    assert await send_round(first, second) == 0
    clock.move(days=15)  # past three months
    assert await send_round(first, second) == 2
    assert await send_round(first, second) == 0
    await settle(first.app)
    for phone in (ENROLLED, SELF):
        asked = [m for m in gateway.to(phone) if "定期问候" in m["text"] and "收入或开支" in m["text"]]
        assert len(asked) == 1, gateway.to(phone)
        assert "1 没有" in asked[0]["text"] and "3 有大病/灾/事故" in asked[0]["text"]

    said = await converse(second, gateway, ENROLLED, "3")
    assert "急难求助" in said and "隆务镇" in said
    said_other = await converse(first, gateway, SELF, "1")
    assert "谢谢" in said_other
    async with first.app[SESSIONS]() as session:
        tickets = list(await session.scalars(select(Ticket)))
    assert len(tickets) == 1
    [ticket] = tickets
    assert ticket.urgent and ticket.kind == "help" and ticket.township_code == LONGWU
    assert ticket.contact == ENROLLED and "定期问候答复：3 有大病/灾/事故" in ticket.text
    # The same answer again changes nothing: the question was answered.
    again = await converse(first, gateway, ENROLLED, "3")
    assert "急难求助" not in again
    async with first.app[SESSIONS]() as session:
        assert len(list(await session.scalars(select(Ticket)))) == 1

    listing = await (await first.get("/api/v1/checkins", headers=bearer(staff["longwu"]))).json()
    by_contact = {row["contact"]: row for row in listing["checkins"]}
    assert by_contact["138****0100"]["rounds"][0]["answer"] == 3
    assert by_contact["138****0100"]["rounds"][0]["ticket_id"] == ticket.id
    assert by_contact["138****0101"]["rounds"][0]["answer"] == 1
    # Another township's caseworker sees none of them; the county's supervisor sees both.
    assert (await (await first.get("/api/v1/checkins", headers=bearer(staff["baoan"]))).json())["total"] == 0
    assert (await (await first.get("/api/v1/checkins", headers=bearer(staff["tongren"]))).json())["total"] == 2


async def test_td_stops_check_ins_and_two_unanswered_show_on_the_staff_side(
        aiohttp_client: Any, sms_settings: Settings, gateway: FakeGateway) -> None:
    clock = Clock()
    first, second = await two_apps(aiohttp_client, sms_settings, clock)
    staff = await standard_staff(first.app)
    await converse(first, gateway, SELF, "隆务镇")
    await converse(first, gateway, SELF, "定期问候")
    response = await first.post("/api/v1/checkins", json={"phone": ENROLLED, "consent_note": "本人同意"},
                                headers=bearer(staff["longwu"]))
    assert response.status == 201
    await converse(first, gateway, SELF, "TD")

    clock.move(days=93)
    assert await send_round(first, second) == 1  # only the household that did not send TD
    clock.move(days=93)
    assert await send_round(first, second) == 1
    clock.move(days=8)
    listing = await (await first.get("/api/v1/checkins", headers=bearer(staff["longwu"]))).json()
    rows = {row["contact"]: row for row in listing["checkins"]}
    assert rows["138****0100"]["unanswered_in_a_row"] == 2 and rows["138****0100"]["alert"] is True
    assert rows["138****0101"]["rounds"] == [] and rows["138****0101"]["alert"] is False

    await converse(first, gateway, SELF, "恢复通知")
    clock.move(days=93)
    assert await send_round(first, second) == 2
    await settle(first.app)
    assert sum("收入或开支" in m["text"] for m in gateway.to(SELF)) == 1

    # Staff take the household off: no more rounds, and it leaves the list.
    checkin_id = rows["138****0100"]["id"]
    assert (await first.delete(f"/api/v1/checkins/{checkin_id}", headers=bearer(staff["baoan"]))).status == 404
    assert (await first.delete(f"/api/v1/checkins/{checkin_id}", headers=bearer(staff["longwu"]))).status == 200
    clock.move(days=93)
    assert await send_round(first, second) == 1
    async with first.app[SESSIONS]() as session:
        removed = await session.get(CheckIn, checkin_id)
        assert removed is not None and not removed.active and removed.removed_by == "longwu"
        assert len(list(await session.scalars(select(CheckInRound).where(CheckInRound.checkin_id == checkin_id)))) == 3


async def test_enrolment_refuses_what_it_cannot_use(aiohttp_client: Any, sms_settings: Settings) -> None:
    clock = Clock()
    first, _second = await two_apps(aiohttp_client, sms_settings, clock)
    staff = await standard_staff(first.app)
    for body, field in (({"phone": "12345", "consent_note": "同意"}, "phone"),
                        ({"phone": "13812340100"}, "consent_note"),
                        ({"phone": "13812340100", "consent_note": "同意", "township": "长泰"}, "township")):
        response = await first.post("/api/v1/checkins", json=body, headers=bearer(staff["longwu"]))
        assert response.status in (404, 422), (body, response.status)
        assert (await response.json())["error"]["field"] == field
    async with first.app[SESSIONS]() as session:
        assert not list(await session.scalars(select(CheckIn)))


async def test_on_telegram_the_check_in_has_buttons_and_a_button_files(
        aiohttp_client: Any, telegram_settings: Settings, botapi: FakeBotApi) -> None:
    clock = Clock()
    client, _second = await two_apps(aiohttp_client, telegram_settings, clock)
    chat = 7_100_001
    await tg_say(client, botapi, tg_update(chat, "保安镇"), chat)
    said = await tg_say(client, botapi, tg_update(chat, "定期问候"), chat)
    assert "每 3 个月" in said["text"]
    clock.move(days=93)
    assert await client.app[CHECKINS].send_due() == 1
    sent = await botapi.wait_sent(chat, 3)
    asked = sent[-1]
    assert "收入或开支" in asked["text"] and "1 没有" not in asked["text"]
    assert buttons(asked) == {"没有": "ci:1", "收入少了": "ci:2", "有大病/灾/事故": "ci:3"}
    reply = await tg_say(client, botapi, tg_update(chat, callback="ci:2"), chat)
    assert "防返贫监测申请" in reply["text"] and "保安镇" in reply["text"]
    async with client.app[SESSIONS]() as session:
        [ticket] = list(await session.scalars(select(Ticket)))
    assert ticket.kind == "monitoring" and ticket.channel == "telegram" and ticket.contact == str(chat)


async def test_staff_enrol_a_household_from_its_ticket(aiohttp_client: Any, sms_settings: Settings,
                                                       gateway: FakeGateway) -> None:
    clock = Clock()
    client, _second = await two_apps(aiohttp_client, sms_settings, clock)
    staff = await standard_staff(client.app)
    number = await file_by_sms(client, gateway, "+8613812340110", "监测 保安镇 今年收入少了一半")
    body = {"ticket": number, "consent_note": "电话回访时本人同意"}
    assert (await client.post("/api/v1/checkins", json=body, headers=bearer(staff["longwu"]))).status == 404
    response = await client.post("/api/v1/checkins", json=body, headers=bearer(staff["baoan"]))
    assert response.status == 201
    enrolled = await response.json()
    assert enrolled["township"] == "保安镇" and enrolled["contact"] == "138****0110"
    assert enrolled["enrolled_by"] == "baoan"


async def test_a_resident_in_the_middle_of_a_dialog_is_asked_after_it(
        aiohttp_client: Any, sms_settings: Settings, gateway: FakeGateway) -> None:
    clock = Clock()
    client, _second = await two_apps(aiohttp_client, sms_settings, clock)
    await converse(client, gateway, SELF, "隆务镇")
    await converse(client, gateway, SELF, "定期问候")
    clock.move(days=93)
    said = await converse(client, gateway, SELF, "求助")  # a guided request under way
    assert "乡镇" in said
    assert await client.app[CHECKINS].send_due() == 0
    async with client.app[SESSIONS]() as session:
        [checkin] = list(await session.scalars(select(CheckIn)))
    assert checkin.next_due_at == clock.now + timedelta(hours=1)
    await converse(client, gateway, SELF, "取消")
    clock.move(hours=1)
    assert await client.app[CHECKINS].send_due() == 1
    await settle(client.app)
    assert "收入或开支" in gateway.to(SELF)[-1]["text"]


async def test_a_wechat_resident_is_told_to_enrol_by_phone(client: Any) -> None:
    """A 服务号 may write only within 48 hours of the resident's last message: no scheduled check-ins there."""
    engine = client.app[ENGINE]
    for text in ("隆务镇", "定期问候"):
        replies = await engine.handle(Incoming(channel="wechat", address="oWx-resident-1", text=text,
                                               ref=f"wechat:{text}"))
    assert "手机号" in replies[0].text
    async with client.app[SESSIONS]() as session:
        assert not list(await session.scalars(select(CheckIn)))
