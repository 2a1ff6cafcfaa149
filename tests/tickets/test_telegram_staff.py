"""Telegram staff groups: linked with one-time codes, new tickets posted with buttons, answers in the thread."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from aiohttp.test_utils import TestClient
from sqlalchemy import func, select

from bot.keys import SESSIONS, STAFF
from bot.storage.models import InboxMessage, Staff, StaffGroup
from tests.fakes import FakeBotApi, FakeGateway
from tests.helpers import send_tg, tg_update
from tests.tickets.support import (
    LONGWU,
    bearer,
    bot_message,
    file_by_sms,
    group_button,
    group_message,
    private_message,
    settle,
    standard_staff,
    texts,
    ticket_row,
)

GROUP = -100_777
CASEWORKER_TG = 4242
STRANGER_TG = 5151
RESIDENT_CHAT = 7001


async def deliver(client: TestClient, update: dict[str, Any]) -> None:
    """Sends an update and waits until it is handled: the webhook answers once it is stored, before that."""
    response = await send_tg(client, update)
    assert response.status == 200
    deadline = asyncio.get_running_loop().time() + 30  # a loaded CI machine takes seconds, not 0.2 s
    while asyncio.get_running_loop().time() < deadline:
        async with client.app[SESSIONS]() as session:
            waiting = await session.scalar(select(func.count()).select_from(InboxMessage)
                                           .where(InboxMessage.status == "received"))
        if not waiting:
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the update was not handled in time")


async def link_group_and_caseworker(client: TestClient, botapi: FakeBotApi, staff: dict[str, str]) -> None:
    directory = client.app[STAFF]
    supervisor = await directory.by_token(staff["tongren"])
    caseworker = await directory.by_token(staff["longwu"])
    assert supervisor and caseworker
    group_code = await directory.make_link_code(supervisor, "group", LONGWU)
    await deliver(client, group_message(GROUP, CASEWORKER_TG, f"/link@minsheng_bot {group_code}"))
    assert "已关联" in botapi.sent(GROUP)[-1]["text"] and "隆务镇" in botapi.sent(GROUP)[-1]["text"]
    user_code = await directory.make_link_code(caseworker, "user")
    await deliver(client, private_message(CASEWORKER_TG, f"/link {user_code}"))
    assert "longwu" in botapi.sent(CASEWORKER_TG)[-1]["text"]


async def test_a_code_links_once_and_a_wrong_code_links_nothing(tg_client: TestClient, botapi: FakeBotApi) -> None:
    staff = await standard_staff(tg_client.app)
    await link_group_and_caseworker(tg_client, botapi, staff)
    supervisor = await tg_client.app[STAFF].by_token(staff["tongren"])
    assert supervisor is not None
    code = await tg_client.app[STAFF].make_link_code(supervisor, "group", LONGWU)
    await deliver(tg_client, group_message(-100_888, STRANGER_TG, f"/link {code}"))
    await deliver(tg_client, group_message(-100_999, STRANGER_TG, f"/link {code}"))
    assert "无效" in botapi.sent(-100_999)[-1]["text"]
    await deliver(tg_client, private_message(STRANGER_TG, "/link AAAAAA-BBBBBB-CCCCCC"))
    assert "无效" in botapi.sent(STRANGER_TG)[-1]["text"]
    async with tg_client.app[SESSIONS]() as session:
        groups = {g.chat_id for g in await session.scalars(select(StaffGroup))}
        linked = list(await session.scalars(select(Staff.name).where(Staff.telegram_user_id.is_not(None))))
    assert groups == {GROUP, -100_888} and linked == ["longwu"]


async def test_a_new_ticket_is_accepted_and_answered_from_the_staff_group(
        tg_client: TestClient, botapi: FakeBotApi, gateway: FakeGateway) -> None:
    staff = await standard_staff(tg_client.app)
    await link_group_and_caseworker(tg_client, botapi, staff)
    phone = "+8613812340070"
    number = await file_by_sms(tg_client, gateway, phone, "求助 隆务镇 老人摔伤了，没钱看病")
    await settle(tg_client.app)
    [post] = [m for m in botapi.sent(GROUP) if number in m["text"]]
    assert "老人摔伤了" in post["text"] and "138****0070" in post["text"] and "13812340070" not in post["text"]
    buttons = {b["text"]: b["callback_data"] for row in post["reply_markup"]["inline_keyboard"] for b in row}
    assert set(buttons) == {"受理", "回复居民"}
    posted = bot_message(GROUP, 900, post["text"])

    # Someone whose Telegram account is not a staff member's changes nothing.
    await deliver(tg_client, group_button(GROUP, STRANGER_TG, buttons["受理"], posted))
    assert (await ticket_row(tg_client.app, number)).status == "pending"
    alerts = [f for m, f in botapi.calls if m == "answerCallbackQuery" and f.get("show_alert")]
    assert alerts and "/link" in alerts[-1]["text"]

    before = len(gateway.to(phone))
    await deliver(tg_client, group_button(GROUP, CASEWORKER_TG, buttons["受理"], posted))
    assert (await ticket_row(tg_client.app, number)).status == "accepted"
    assert any("longwu 受理" in t for t in texts(botapi.sent(GROUP)))

    await deliver(tg_client, group_button(GROUP, CASEWORKER_TG, buttons["回复居民"], posted))
    prompt = botapi.sent(GROUP)[-1]
    assert number in prompt["text"] and prompt["reply_markup"]["force_reply"] is True
    await deliver(tg_client, group_message(GROUP, CASEWORKER_TG, "下午三点民政专干上门核实情况。",
                                           reply_to=bot_message(GROUP, 901, prompt["text"])))
    assert "已发送给居民" in botapi.sent(GROUP)[-1]["text"]
    # A stranger replying in the thread reaches nobody.
    await deliver(tg_client, group_message(GROUP, STRANGER_TG, "我也想说两句", reply_to=posted))
    await settle(tg_client.app)
    await asyncio.sleep(0.3)
    told = texts(gateway.to(phone)[before:])
    assert len([t for t in told if "下午三点" in t]) == 1 and not any("两句" in t for t in told)
    assert any("已受理" in t for t in told)
    detail = await (await tg_client.get(f"/api/v1/tickets/{number}", headers=bearer(staff["longwu"]))).json()
    assert [(e["type"], e["by"]) for e in detail["events"]] == [("filed", "resident"), ("status", "longwu"),
                                                                  ("reply", "longwu")]


async def test_a_group_member_of_another_township_cannot_touch_the_ticket(
        tg_client: TestClient, botapi: FakeBotApi, gateway: FakeGateway) -> None:
    staff = await standard_staff(tg_client.app)
    await link_group_and_caseworker(tg_client, botapi, staff)
    outsider = await tg_client.app[STAFF].by_token(staff["changtai"])
    assert outsider is not None
    await deliver(tg_client, private_message(STRANGER_TG,
                                             f"/link {await tg_client.app[STAFF].make_link_code(outsider, 'user')}"))
    number = await file_by_sms(tg_client, gateway, "+8613812340071", "求助 隆务镇 需要帮助")
    await settle(tg_client.app)
    [post] = [m for m in botapi.sent(GROUP) if number in m["text"]]
    posted = bot_message(GROUP, 1, post["text"])
    await deliver(tg_client, group_button(GROUP, STRANGER_TG, f"tk:accept:{number}", posted))
    await deliver(tg_client, group_message(GROUP, STRANGER_TG, "越权回复", reply_to=posted))
    assert (await ticket_row(tg_client.app, number)).status == "pending"
    assert "不在您的辖区" in botapi.sent(GROUP)[-1]["text"]


async def test_a_telegram_resident_gets_the_console_answer_once_in_their_chat(
        tg_client: TestClient, botapi: FakeBotApi) -> None:
    staff = await standard_staff(tg_client.app)
    await send_tg(tg_client, tg_update(RESIDENT_CHAT, "求助 隆务镇 家里失火，房子烧了一半"))
    sent = await botapi.wait_sent(RESIDENT_CHAT, 1)
    number = re.search(r"编号 (\d+)", sent[-1]["text"])
    assert number
    ticket = await ticket_row(tg_client.app, number.group(1))
    assert (ticket.channel, ticket.contact) == ("telegram", str(RESIDENT_CHAT))
    listed = await (await tg_client.get("/api/v1/tickets", headers=bearer(staff["longwu"]))).json()
    assert [t["contact"] for t in listed["tickets"] if t["number"] == ticket.number] == ["****"]
    assert (await tg_client.post(f"/api/v1/tickets/{ticket.number}/replies", json={"text": "村干部已在路上。"},
                                 headers=bearer(staff["longwu"]))).status == 201
    await settle(tg_client.app)
    await asyncio.sleep(0.3)
    assert len([t for t in texts(botapi.sent(RESIDENT_CHAT)) if "村干部已在路上" in t]) == 1
