"""The WeChat 服务号 end to end: server check, XML in (plain and safe mode), 客服消息 out, against a fake WeChat API."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import func, select, update
from wechatpy.crypto import WeChatCrypto

from bot.app import create_app
from bot.keys import SESSIONS, WECHAT
from bot.settings import Settings
from bot.storage.models import InboxMessage, OutboundMessage, Resident, Ticket, utcnow
from tests.channels.support import (
    AES_KEY,
    WECHAT_APP_ID,
    WECHAT_SECRET,
    WECHAT_TOKEN,
    next_create_time,
    next_msg_id,
    post_wechat,
    text_xml,
    wechat_query,
    wechat_xml,
)
from tests.conftest import TEST_REDIS_URL
from tests.fakes import FakeWeChatApi
from tests.tickets.support import PASSWORD, add_staff, bearer, settle
from tests.tickets.test_console import sign_in

OPENID = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"


@pytest.fixture(autouse=True)
def _typing_faster_than_a_resident(monkeypatch: pytest.MonkeyPatch) -> None:
    """A test answers the questionnaire within seconds; the per-address rate limit is for loops."""
    monkeypatch.setattr("bot.channels.wechat.WeChatIntake.rate_per_minute", None)


@pytest.fixture
async def wxapi() -> AsyncIterator[FakeWeChatApi]:
    fake = FakeWeChatApi(WECHAT_APP_ID, WECHAT_SECRET)
    await fake.start()
    yield fake
    await fake.close()


@pytest.fixture
def wechat_settings(make_settings: Callable[..., Settings], wxapi: FakeWeChatApi) -> Callable[..., Settings]:
    def make(**overrides: Any) -> Settings:
        return make_settings(wechat_token=WECHAT_TOKEN, wechat_app_id=WECHAT_APP_ID, wechat_app_secret=WECHAT_SECRET,
                             wechat_api_base=wxapi.url, public_url="https://minsheng.example", telegram_mode="off",
                             **overrides)
    return make


@pytest.fixture
async def wx(aiohttp_client: Any, wechat_settings: Callable[..., Settings]) -> TestClient:
    return await aiohttp_client(create_app(wechat_settings()))


async def say(client: TestClient, wxapi: FakeWeChatApi, openid: str, xml: str, replies: int = 1) -> str:
    """Posts one message; returns the 客服消息 it brought, read to the end when paged."""
    before = len(wxapi.to(openid))
    response = await post_wechat(client, xml, openid=openid)
    assert response.status == 200 and await response.text() == "success"
    got = await wxapi.wait_for(openid, before + replies)
    assert len(got) >= before + replies, f"no reply to {xml[:200]}"
    said = "\n".join(got[before:])
    while "回复 更多" in said.splitlines()[-1]:
        more = await say(client, wxapi, openid, text_xml(openid, "更多"))
        said = said.rsplit("\n", 1)[0] + "\n" + more
    return said


async def text(client: TestClient, wxapi: FakeWeChatApi, words: str, openid: str = OPENID) -> str:
    return await say(client, wxapi, openid, text_xml(openid, words))


async def click(client: TestClient, wxapi: FakeWeChatApi, key: str, openid: str = OPENID) -> str:
    return await say(client, wxapi, openid, wechat_xml("wechat_click.xml", FromUserName=openid, EventKey=key,
                                                        CreateTime=next_create_time()))


async def test_server_check_echoes_echostr_and_refuses_a_wrong_signature(wx: TestClient) -> None:
    response = await wx.get("/wechat?" + wechat_query(echostr="5927217893401"))
    assert response.status == 200 and await response.text() == "5927217893401"
    response = await wx.get("/wechat?" + wechat_query("not-our-token", echostr="5927217893401"))
    assert response.status == 401
    response = await post_wechat(wx, text_xml(OPENID, "菜单"), token="not-our-token")
    assert response.status == 401
    async with wx.app[SESSIONS]() as session:
        assert await session.scalar(select(func.count()).select_from(InboxMessage)) == 0


async def test_resident_walks_region_question_screening_request_reply_and_resolution(
        wx: TestClient, wxapi: FakeWeChatApi) -> None:
    said = await say(wx, wxapi, OPENID, wechat_xml("wechat_subscribe.xml", FromUserName=OPENID), replies=2)
    assert "欢迎关注" in said and "县（市、区）或乡镇" in said
    said = await text(wx, wxapi, "正安县")
    assert "已设置地区：正安县" in said
    said = await text(wx, wxapi, "低保标准是多少")
    assert "来源" in said and re.search(r"\d{3,}", said)

    said = await click(wx, wxapi, "SCREEN")
    assert "农村还是城镇" in said
    # The rare conditions come as one list answered in one message (3 上学, 4 遭灾), then their follow-ups.
    for answer, asks_next in (("1", "几口人"), ("3", "总收入"), ("6千", "看病、上学、租房"), ("没有", "干活"),
                              ("1", "下面的情况"), ("3 4", "小学"), ("3", "还有别人在上学"), ("1", "住校"),
                              ("1", "遇到过"), ("4", "还有别的")):
        said = await text(wx, wxapi, answer)
        assert asks_next in said, (answer, said)
    summary = await text(wx, wxapi, "1")  # 没有了
    assert "仅供参考" in summary and "临时救助" in summary

    said = await text(wx, wxapi, "1")  # 提交求助（带上这些回答）
    assert "哪个乡镇" in said
    said = await text(wx, wxapi, "凤仪街道")
    assert "遇到了什么困难" in said
    await text(wx, wxapi, "6")
    await text(wx, wxapi, "孩子爸爸出了车祸，住院要钱")
    said = await text(wx, wxapi, "1")
    found = re.search(r"编号 (\d+)", said)
    assert found, said
    number = found.group(1)
    async with wx.app[SESSIONS]() as session:
        ticket = (await session.scalars(select(Ticket).where(Ticket.number == number))).one()
    assert ticket.channel == "wechat" and ticket.contact == OPENID and ticket.screening

    said = await click(wx, wxapi, "STATUS")
    assert number in said

    token = await add_staff(wx.app, "fengyi", township="520324001")
    before = len(wxapi.to(OPENID))
    response = await wx.post(f"/api/v1/tickets/{number}/replies", json={"text": "已收到，明天上午上门核实。"},
                             headers=bearer(token))
    assert response.status == 201
    for to in ("accepted", "resolved"):
        response = await wx.post(f"/api/v1/tickets/{number}/transition", json={"to": to, "note": ""},
                                 headers=bearer(token))
        assert response.status == 200
    told = (await wxapi.wait_for(OPENID, before + 3))[before:]
    assert "明天上午上门核实" in told[0] and "已受理" in told[1] and "已办结" in told[2]
    await settle(wx.app)

    # Every message stored once and answered once: as many 客服消息 as replies queued, none twice.
    async with wx.app[SESSIONS]() as session:
        queued = await session.scalar(select(func.count()).select_from(OutboundMessage)
                                      .where(OutboundMessage.channel == "wechat"))
        statuses = set(await session.scalars(select(InboxMessage.status).where(InboxMessage.channel == "wechat")))
    assert queued == len(wxapi.to(OPENID)) and statuses == {"processed"}
    assert wxapi.fetched == 1


async def test_three_deliveries_of_one_msgid_are_stored_and_answered_once(wx: TestClient,
                                                                         wxapi: FakeWeChatApi) -> None:
    xml = text_xml(OPENID, "同仁市", msg_id=8_100_000_000_000_777)
    responses = await asyncio.gather(*(post_wechat(wx, xml, openid=OPENID) for _ in range(3)))
    assert [r.status for r in responses] == [200, 200, 200]
    assert [await r.text() for r in responses] == ["success"] * 3
    await wxapi.wait_for(OPENID, 1)
    subscribe = wechat_xml("wechat_subscribe.xml", FromUserName=OPENID, CreateTime=1700000000)
    for _ in range(3):
        assert (await post_wechat(wx, subscribe, openid=OPENID)).status == 200
    await wxapi.wait_for(OPENID, 3)
    await settle(wx.app)
    await asyncio.sleep(0.5)
    assert len(wxapi.to(OPENID)) == 3  # the region's answer, then the welcome and the region prompt
    async with wx.app[SESSIONS]() as session:
        assert await session.scalar(select(func.count()).select_from(InboxMessage)) == 2


async def test_safe_mode_messages_are_decrypted_and_a_forged_one_is_refused(
        aiohttp_client: Any, wechat_settings: Callable[..., Settings], wxapi: FakeWeChatApi) -> None:
    client = await aiohttp_client(create_app(wechat_settings(wechat_aes_key=AES_KEY)))
    crypto = WeChatCrypto(WECHAT_TOKEN, AES_KEY, WECHAT_APP_ID)
    plain_sig = wechat_query()
    params = dict(p.split("=", 1) for p in plain_sig.split("&"))
    encrypted = crypto.encrypt_message(text_xml(OPENID, "同仁市"), params["nonce"], params["timestamp"])
    msg_signature = re.search(r"<MsgSignature><!\[CDATA\[(.*?)\]\]>", encrypted)
    assert msg_signature
    url = f"/wechat?{plain_sig}&openid={OPENID}&encrypt_type=aes&msg_signature={msg_signature.group(1)}"
    response = await client.post(url, data=encrypted.encode())
    assert response.status == 200 and await response.text() == "success"
    assert "已设置地区：同仁市" in (await wxapi.wait_for(OPENID, 1))[0]
    forged = url.replace(msg_signature.group(1), "0" * 40)
    response = await client.post(forged, data=encrypted.encode())
    assert response.status == 401


async def test_after_48_hours_a_reply_is_not_sent_and_the_ticket_says_so(wx: TestClient,
                                                                          wxapi: FakeWeChatApi) -> None:
    said = await text(wx, wxapi, "求助 隆务镇 屋顶漏雨，墙体开裂")
    found = re.search(r"编号 (\d+)", said)
    assert found, said
    number = found.group(1)
    async with wx.app[SESSIONS]() as session, session.begin():
        await session.execute(update(InboxMessage).where(InboxMessage.address == OPENID)
                              .values(received_at=utcnow() - timedelta(hours=49)))
    token = await add_staff(wx.app, "longwu", township="632301100", password=PASSWORD)
    sent_before = len(wxapi.sent)
    response = await wx.post(f"/api/v1/tickets/{number}/replies", json={"text": "请到镇民政办登记"},
                             headers=bearer(token))
    assert response.status == 201
    await settle(wx.app)
    assert len(wxapi.sent) == sent_before
    body = await (await wx.get(f"/api/v1/tickets/{number}", headers=bearer(token))).json()
    failed = [e for e in body["events"] if e["type"] == "delivery_failed"]
    assert len(failed) == 1 and "48小时" in failed[0]["text"] and "短信" in failed[0]["text"]
    # The console shows it on the ticket page, with the channel and the openid masked.
    await sign_in(wx, "longwu")
    page = await (await wx.get(f"/console/tickets/{number}")).text()
    assert "48小时" in page and "微信" in page and OPENID not in page and OPENID[-5:] in page


async def test_after_unsubscribe_nothing_more_is_sent(wx: TestClient, wxapi: FakeWeChatApi) -> None:
    said = await text(wx, wxapi, "求助 隆务镇 家里没有收入")
    number = re.search(r"编号 (\d+)", said)
    assert number
    response = await post_wechat(wx, wechat_xml("wechat_unsubscribe.xml", FromUserName=OPENID), openid=OPENID)
    assert response.status == 200
    token = await add_staff(wx.app, "longwu", township="632301100")
    for _ in range(50):
        async with wx.app[SESSIONS]() as session:
            opted_out = await session.scalar(select(Resident.opted_out).where(Resident.address == OPENID))
        if opted_out:
            break
        await asyncio.sleep(0.1)
    assert opted_out
    sent_before = len(wxapi.sent)
    await wx.post(f"/api/v1/tickets/{number.group(1)}/replies", json={"text": "已收到"}, headers=bearer(token))
    await wx.post(f"/api/v1/tickets/{number.group(1)}/transition", json={"to": "accepted"}, headers=bearer(token))
    await settle(wx.app)
    assert len(wxapi.sent) == sent_before
    body = await (await wx.get(f"/api/v1/tickets/{number.group(1)}", headers=bearer(token))).json()
    assert any(e["type"] == "delivery_failed" and "取消关注" in e["text"] for e in body["events"])


async def test_voice_is_read_as_text_and_a_location_label_sets_the_region(wx: TestClient,
                                                                           wxapi: FakeWeChatApi) -> None:
    voice = wechat_xml("wechat_voice.xml", FromUserName=OPENID, Recognition="同仁市", MsgId=next_msg_id())
    assert "已设置地区：同仁市" in await say(wx, wxapi, OPENID, voice)
    other = "oLOCATION0000000000000000001"
    location = wechat_xml("wechat_location.xml", FromUserName=other, Label="贵州省遵义市正安县凤仪街道",
                          MsgId=next_msg_id())
    assert "已设置地区：凤仪街道" in await say(wx, wxapi, other, location)
    # A position report without a place name is taken and not answered.
    event = wechat_xml("wechat_location_event.xml", FromUserName=other)
    assert (await post_wechat(wx, event, openid=other)).status == 200
    await asyncio.sleep(0.5)
    assert len(wxapi.to(other)) == 1


async def test_menu_keys_open_their_dialogs(wx: TestClient, wxapi: FakeWeChatApi) -> None:
    assert "请直接发您的问题" in await click(wx, wxapi, "ASK")
    assert "哪个乡镇" in await click(wx, wxapi, "REQUEST")
    assert "哪个县" in await click(wx, wxapi, "SCREEN", openid="oSCREEN00000000000000000001")


async def test_malformed_and_hostile_xml_is_refused_and_nothing_stored(wx: TestClient) -> None:
    for body in ("not xml", "<xml></xml>", "<xml><MsgType>text</MsgType></xml>",
                 '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">]><xml><Content>&lol;</Content></xml>'):
        response = await post_wechat(wx, body, openid=OPENID)
        assert response.status == 400, body
    async with wx.app[SESSIONS]() as session:
        assert await session.scalar(select(func.count()).select_from(InboxMessage)) == 0


async def test_a_stale_access_token_is_refreshed_once_and_the_message_sent(wx: TestClient,
                                                                           wxapi: FakeWeChatApi) -> None:
    await text(wx, wxapi, "同仁市")
    assert wxapi.fetched == 1
    wxapi.expire_token()
    await text(wx, wxapi, "菜单")
    assert wxapi.fetched == 2 and wxapi.stale == 1


@pytest.mark.skipif(not TEST_REDIS_URL, reason="two processes share the token through Redis")
async def test_access_token_is_fetched_once_for_100_messages_across_two_processes(
        aiohttp_client: Any, wechat_settings: Callable[..., Settings], wxapi: FakeWeChatApi) -> None:
    first = await aiohttp_client(create_app(wechat_settings()))
    second = await aiohttp_client(create_app(wechat_settings()))
    openids = [f"oTOKEN{n:022d}" for n in range(100)]
    # Each process's channel sends 50 messages at once, as two processes do under load.
    for openid in openids:
        await post_wechat(first, text_xml(openid, "菜单"), openid=openid)
    await asyncio.gather(*(app.app[WECHAT].tokens.get() for app in (first, second) for _ in range(20)))  # type: ignore[union-attr]
    await wxapi.wait_for(openids[-1], 1, timeout=30)
    for openid in openids:
        await wxapi.wait_for(openid, 1, timeout=30)
    await asyncio.gather(*(second.app[WECHAT].send(o, "通知", [], f"x-{o}") for o in openids))  # type: ignore[union-attr]
    assert len(wxapi.sent) == 200
    assert wxapi.fetched == 1


async def test_menu_command_creates_the_menu_with_the_four_keys(wechat_settings: Callable[..., Settings],
                                                               wxapi: FakeWeChatApi, monkeypatch: pytest.MonkeyPatch,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    settings = wechat_settings()
    for name, value in (("MINSHENG_WECHAT_TOKEN", WECHAT_TOKEN), ("MINSHENG_WECHAT_APP_ID", WECHAT_APP_ID),
                        ("MINSHENG_WECHAT_APP_SECRET", WECHAT_SECRET), ("MINSHENG_WECHAT_API_BASE", wxapi.url),
                        ("MINSHENG_DATABASE_URL", settings.database_url)):
        monkeypatch.setenv(name, value)
    from bot.cli import main

    code = await asyncio.to_thread(main, ["wechat", "menu", "--create"])
    assert code == 0 and "errcode 0" in capsys.readouterr().out
    keys = {b.get("key") for top in wxapi.menus[0]["button"] for b in [top, *top.get("sub_button", [])]}
    assert {"ASK", "SCREEN", "REQUEST", "STATUS"} <= keys


async def test_logs_carry_neither_the_openid_nor_the_text(wx: TestClient, wxapi: FakeWeChatApi,
                                                          caplog: pytest.LogCaptureFixture) -> None:
    import logging

    caplog.set_level(logging.INFO)
    secret_text = "我的身份证号是620000199001011234"
    await text(wx, wxapi, secret_text)
    await say(wx, wxapi, OPENID, wechat_xml("wechat_subscribe.xml", FromUserName=OPENID), replies=2)
    await settle(wx.app)
    # aiohttp's access log (query strings) is off in `minsheng serve` (bot/logs.py); the test server's is not.
    logged = "\n".join(r.getMessage() + str(r.__dict__) for r in caplog.records if r.name != "aiohttp.access")
    assert OPENID not in logged and "620000199001011234" not in logged and secret_text not in logged
