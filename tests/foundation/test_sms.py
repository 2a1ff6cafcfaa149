"""SMS end to end through the signed gateway protocol, the durable inbox and outbox."""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import func, select

from bot.app import create_app
from bot.keys import SESSIONS
from bot.settings import Settings
from bot.storage.models import InboxMessage, OutboundMessage, Ticket
from tests.fakes import FakeGateway
from tests.helpers import send_sms, signed

PHONE = "+8613812340001"


async def converse(client: TestClient, gateway: FakeGateway, phone: str, text: str) -> str:
    """Sends one SMS and returns the reply it got."""
    before = len(gateway.to(phone))
    response = await send_sms(client, phone, text)
    assert response.status == 200
    assert (await response.json()) == {"accepted": True}
    got = await gateway.wait_for(phone, before + 1)
    assert len(got) == before + 1, f"no reply to {text!r}"
    return str(got[-1]["text"])


async def test_resident_walks_through_region_question_request_and_status(client: TestClient,
                                                                         gateway: FakeGateway) -> None:
    menu = await converse(client, gateway, PHONE, "菜单")
    assert "1 问政策" in menu and "求助" in menu

    said = await converse(client, gateway, PHONE, "城厢区")
    assert "已设置地区：城厢区" in said

    said = await converse(client, gateway, PHONE, "低保标准是多少")
    assert "7920" in said and "来源" in said

    # Guided help request: township, category, content, confirmation.
    said = await converse(client, gateway, PHONE, "求助")
    assert "哪个乡镇" in said
    said = await converse(client, gateway, PHONE, "常太")
    assert "1 生活困难" in said
    said = await converse(client, gateway, PHONE, "2")
    assert "说说家里的情况" in said
    said = await converse(client, gateway, PHONE, "老伴住院，医药费交不起")
    assert "常太镇（城厢区）" in said and "看病就医" in said
    said = await converse(client, gateway, PHONE, "1")
    guided = re.search(r"编号 (\d+)", said)
    assert guided, said

    # One line.
    said = await converse(client, gateway, PHONE, "求助 华亭镇 屋顶漏雨，墙体开裂")
    one_line = re.search(r"编号 (\d+)（华亭镇）", said)
    assert one_line, said

    said = await converse(client, gateway, PHONE, f"进度 {guided.group(1)}")
    assert guided.group(1) in said and "待受理" in said

    async with client.app[SESSIONS]() as session:
        tickets = {t.number: t for t in await session.scalars(select(Ticket))}
    assert tickets[guided.group(1)].township_code == "350302100"  # 常太镇
    assert tickets[guided.group(1)].category == "medical"
    # Staff read the request as the resident wrote it, Chinese punctuation included.
    assert tickets[guided.group(1)].text == "老伴住院，医药费交不起"
    assert tickets[one_line.group(1)].text == "屋顶漏雨，墙体开裂"
    assert tickets[one_line.group(1)].township_code == "350302101"  # 华亭镇
    assert all(t.channel == "sms" and t.contact == PHONE for t in tickets.values())


async def test_every_reply_fits_three_segments_and_long_text_is_paged(client: TestClient,
                                                                      gateway: FakeGateway) -> None:
    await converse(client, gateway, PHONE, "正安县")
    said = await converse(client, gateway, PHONE, "低保对象要满足什么条件，怎么申请，要带什么材料")
    pages = [said]
    while "回复 更多" in pages[-1] and len(pages) < 10:
        pages.append(await converse(client, gateway, PHONE, "更多"))
    assert all(len(m["text"]) <= 3 * 67 for m in gateway.sent)
    assert "回复 更多" not in pages[-1]


async def test_same_message_id_three_times_is_stored_and_answered_once(client: TestClient,
                                                                       gateway: FakeGateway) -> None:
    for _ in range(3):
        response = await send_sms(client, "+8613812340002", "求助 隆务镇 家里没有收入", message_id="dup-1")
        assert response.status == 200
    await gateway.wait_for("+8613812340002", 1)
    await asyncio.sleep(0.5)
    assert len(gateway.to("+8613812340002")) == 1
    async with client.app[SESSIONS]() as session:
        assert await session.scalar(select(func.count()).select_from(InboxMessage)) == 1
        assert await session.scalar(select(func.count()).select_from(Ticket)) == 1


async def test_gateway_outage_loses_nothing_and_delivers_once(client: TestClient, gateway: FakeGateway) -> None:
    gateway.down = True
    phone = "+8613812340003"
    for text in ("菜单", "同仁市", "临时救助多久答复"):
        await send_sms(client, phone, text)
        await asyncio.sleep(0.2)
    await asyncio.sleep(1.0)
    assert gateway.refused >= 1 and not gateway.to(phone)
    gateway.down = False
    got = await gateway.wait_for(phone, 3, timeout=15)
    await asyncio.sleep(1.0)
    refs = [m["ref"] for m in gateway.to(phone)]
    assert len(got) == 3 and len(refs) == len(set(refs))
    assert gateway.bad_signatures == 0


async def test_restart_resumes_pending_replies_and_unprocessed_messages(
        aiohttp_client: Any, sms_settings: Settings, gateway: FakeGateway) -> None:
    gateway.down = True
    first = await aiohttp_client(create_app(sms_settings))
    await send_sms(first, "+8613812340004", "菜单")
    await asyncio.sleep(0.5)
    async with first.app[SESSIONS]() as session:
        pending = await session.scalar(select(func.count()).select_from(OutboundMessage)
                                       .where(OutboundMessage.status == "pending"))
        # A message stored but never processed, as if the process died right after the 200.
        session.add(InboxMessage(channel="sms", delivery_id="crashed-1", address="+8613812340005", text="菜单",
                                 status="received"))
        await session.commit()
    assert pending == 1
    await first.close()

    gateway.down = False
    second = await aiohttp_client(create_app(sms_settings))
    assert len(await gateway.wait_for("+8613812340004", 1, timeout=15)) == 1
    assert len(await gateway.wait_for("+8613812340005", 1, timeout=30)) == 1
    await second.close()


async def test_bad_requests_are_refused_and_logged_without_the_text(client: TestClient,
                                                                    caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    secret_text = "我的身份证号是620000199001011234"
    raw, headers = signed({"message_id": "f-1", "from": PHONE, "to": "1069", "text": secret_text})
    forged = dict(headers, **{"X-Minsheng-Signature": "0" * 64})
    assert (await client.post("/sms/inbound", data=raw, headers=forged)).status == 401
    unsigned = {"Content-Type": "application/json"}
    assert (await client.post("/sms/inbound", data=raw, headers=unsigned)).status == 401
    bad_raw, bad_headers = signed(b"not json")
    assert (await client.post("/sms/inbound", data=bad_raw, headers=bad_headers)).status == 400
    no_from, no_from_headers = signed({"message_id": "f-2", "text": secret_text})
    response = await client.post("/sms/inbound", data=no_from, headers=no_from_headers)
    assert response.status == 400 and (await response.json())["error"]["field"] == "from"
    wrong_type, wrong_headers = signed({"message_id": 7, "from": PHONE, "text": secret_text})
    assert (await client.post("/sms/inbound", data=wrong_type, headers=wrong_headers)).status == 400
    big, big_headers = signed({"message_id": "f-3", "from": PHONE, "text": "字" * 1_000_000})
    assert (await client.post("/sms/inbound", data=big, headers=big_headers)).status == 413
    logged = "\n".join(r.getMessage() + str(r.__dict__) for r in caplog.records)
    assert secret_text not in logged and "620000199001011234" not in logged and "13812340001" not in logged
    async with client.app[SESSIONS]() as session:
        assert await session.scalar(select(func.count()).select_from(InboxMessage)) == 0


async def test_without_a_secret_sms_is_unavailable(aiohttp_client: Any, make_settings: Any) -> None:
    client = await aiohttp_client(create_app(make_settings()))
    raw, headers = signed({"message_id": "x", "from": PHONE, "text": "菜单"})
    response = await client.post("/sms/inbound", data=raw, headers=headers)
    assert response.status == 503
    assert (await response.json())["error"]["code"] == "sms_disabled"
