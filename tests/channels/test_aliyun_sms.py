"""SMS through the Aliyun platform end to end: pushed SmsUp in, SendSms out, SmsReport receipts, against fakes."""

from __future__ import annotations

import asyncio
import itertools
import json
import re
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import func, select

from bot.app import create_app
from bot.channels.aliyun_sms import rpc_signature
from bot.domain.messages import ucs2_len
from bot.keys import SESSIONS
from bot.settings import Settings, SettingsError
from bot.storage.models import InboxMessage, OutboundMessage, SmsReceipt, utcnow
from tests.channels.support import (
    ALIYUN_KEY_ID,
    ALIYUN_SECRET,
    PUSH_TOKEN,
    SIGN_NAME,
    TEMPLATE,
    sample,
    smsup,
)
from tests.fakes import FakeAliyunSms, aliyun_rpc_signature
from tests.tickets.support import add_staff, bearer, settle

PHONE = "13812348001"
_sequence = itertools.count(50_001)


@pytest.fixture(autouse=True)
def _typing_faster_than_a_resident(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("bot.channels.sms.RATE_LIMIT_PER_MINUTE", 1000)


@pytest.fixture
async def platform() -> AsyncIterator[FakeAliyunSms]:
    fake = FakeAliyunSms(ALIYUN_KEY_ID, ALIYUN_SECRET, SIGN_NAME, TEMPLATE)
    await fake.start()
    yield fake
    await fake.close()


@pytest.fixture
def aliyun_settings(make_settings: Callable[..., Settings], platform: FakeAliyunSms) -> Settings:
    return make_settings(sms_provider="aliyun", aliyun_access_key_id=ALIYUN_KEY_ID,
                         aliyun_access_key_secret=ALIYUN_SECRET, aliyun_sms_sign_name=SIGN_NAME,
                         aliyun_sms_template_code=TEMPLATE, aliyun_sms_endpoint=platform.url,
                         aliyun_sms_push_token=PUSH_TOKEN, telegram_mode="off")


@pytest.fixture
async def sms(aiohttp_client: Any, aliyun_settings: Settings) -> TestClient:
    return await aiohttp_client(create_app(aliyun_settings))


async def push(client: TestClient, path: str, items: list[dict[str, Any]], token: str = PUSH_TOKEN) -> Any:
    return await client.post(f"/sms/aliyun/{path}?token={token}", data=json.dumps(items, ensure_ascii=False),
                             headers={"Content-Type": "application/json"})


async def text(client: TestClient, platform: FakeAliyunSms, words: str, phone: str = PHONE) -> str:
    """One 上行 SMS pushed; the reply SendSms carried, read to the end when paged."""
    before = len(platform.to(phone))
    response = await push(client, "inbound", smsup(phone, words, next(_sequence)))
    assert response.status == 200 and await response.json() == {"code": 0, "msg": "接收成功"}
    got = await platform.wait_for(phone, before + 1)
    assert len(got) == before + 1, f"no reply to {words!r}"
    said = str(got[-1]["text"])
    if "回复 更多" in said:
        said = said + "\n" + await text(client, platform, "更多", phone)
    return said


async def test_resident_walks_region_question_screening_request_reply_and_resolution(
        sms: TestClient, platform: FakeAliyunSms) -> None:
    assert "已设置地区：正安县" in await text(sms, platform, "正安县")
    said = await text(sms, platform, "低保标准是多少")
    assert "来源" in said
    said = await text(sms, platform, "自查")
    assert "农村还是城镇" in said
    # The rare conditions come as one list answered in one message (3 上学, 4 遭灾), then their follow-ups.
    for answer, asks_next in (("1", "几口人"), ("3", "总收入"), ("6千", "看病、上学、租房"), ("没有", "干活"),
                              ("1", "下面的情况"), ("3 4", "小学"), ("3", "还有别人在上学"), ("1", "住校"),
                              ("1", "遇到过"), ("4", "还有别的")):
        said = await text(sms, platform, answer)
        assert asks_next in said, (answer, said)
    assert "仅供参考" in await text(sms, platform, "1")  # 没有了
    assert "哪个乡镇" in await text(sms, platform, "1")
    assert "遇到了什么困难" in await text(sms, platform, "凤仪街道")
    await text(sms, platform, "6")
    await text(sms, platform, "孩子爸爸出了车祸，住院要钱")
    found = re.search(r"编号 (\d+)", await text(sms, platform, "1"))
    assert found
    number = found.group(1)

    token = await add_staff(sms.app, "fengyi", township="520324001")
    before = len(platform.to(PHONE))
    response = await sms.post(f"/api/v1/tickets/{number}/replies", json={"text": "已收到，明天上午上门核实。"},
                              headers=bearer(token))
    assert response.status == 201
    for to in ("accepted", "resolved"):
        response = await sms.post(f"/api/v1/tickets/{number}/transition", json={"to": to}, headers=bearer(token))
        assert response.status == 200
    told = [m["text"] for m in (await platform.wait_for(PHONE, before + 3))[before:]]
    assert "明天上午上门核实" in told[0] and "已受理" in told[1] and "已办结" in told[2]
    await settle(sms.app)

    # The 【signature】 the platform adds counts: every message with it fits three 67-character segments.
    assert all(ucs2_len(f"【{SIGN_NAME}】" + m["text"]) <= 3 * 67 for m in platform.sent)
    async with sms.app[SESSIONS]() as session:
        queued = await session.scalar(select(func.count()).select_from(OutboundMessage))
        statuses = set(await session.scalars(select(InboxMessage.status)))
    assert queued == len(platform.sent) and statuses == {"processed"}
    assert len({m["out_id"] for m in platform.sent}) == len(platform.sent)


async def test_a_redelivered_push_is_answered_once(sms: TestClient, platform: FakeAliyunSms) -> None:
    items = smsup(PHONE, "同仁市", 777)
    responses = await asyncio.gather(*(push(sms, "inbound", items) for _ in range(3)))
    assert all(r.status == 200 for r in responses)
    await platform.wait_for(PHONE, 1)
    await settle(sms.app)
    await asyncio.sleep(0.5)
    assert len(platform.to(PHONE)) == 1
    async with sms.app[SESSIONS]() as session:
        assert await session.scalar(select(func.count()).select_from(InboxMessage)) == 1


async def test_receipts_mark_delivery_and_a_failure_shows_on_the_ticket_once(sms: TestClient,
                                                                             platform: FakeAliyunSms) -> None:
    found = re.search(r"编号 (\d+)", await text(sms, platform, "求助 隆务镇 屋顶漏雨，墙体开裂"))
    assert found
    number = found.group(1)
    token = await add_staff(sms.app, "longwu", township="632301100")
    await sms.post(f"/api/v1/tickets/{number}/replies", json={"text": "请到镇民政办登记"}, headers=bearer(token))
    sent = await platform.wait_for(PHONE, 2)
    await settle(sms.app)
    filed, replied = sent
    template = json.loads(sample("aliyun_smsreport.json"))[0]
    delivered = dict(template, phone_number=PHONE, biz_id=filed["biz_id"], out_id=filed["out_id"])
    failed = dict(template, phone_number=PHONE, biz_id=replied["biz_id"], out_id=replied["out_id"], success=False,
                  err_code="MK:0001", err_msg="用户关机")
    for _ in range(2):  # the platform pushes again when it did not hear us in time
        response = await push(sms, "report", [delivered, failed])
        assert response.status == 200 and await response.json() == {"code": 0, "msg": "接收成功"}
    async with sms.app[SESSIONS]() as session:
        receipts = {r.ref: r.delivered for r in await session.scalars(select(SmsReceipt))}
        status = await session.scalar(select(OutboundMessage.status).where(OutboundMessage.ref == replied["out_id"]))
    assert receipts == {filed["out_id"]: True, replied["out_id"]: False} and status == "failed"
    body = await (await sms.get(f"/api/v1/tickets/{number}", headers=bearer(token))).json()
    failures = [e for e in body["events"] if e["type"] == "delivery_failed"]
    assert len(failures) == 1 and "回执" in failures[0]["text"] and "MK:0001" in failures[0]["text"]
    assert "13812348001" not in json.dumps(body, ensure_ascii=False)


async def test_pushes_without_the_token_or_malformed_are_refused_and_store_nothing(
        sms: TestClient, aiohttp_client: Any, make_settings: Callable[..., Settings]) -> None:
    items = smsup(PHONE, "菜单", 1)
    assert (await push(sms, "inbound", items, token="wrong")).status == 401
    assert (await sms.post("/sms/aliyun/inbound", json=items)).status == 401
    for body in ("not json", "{}", "[]", json.dumps([{"content": "x"}]), json.dumps([{"phone_number": "1", "x": 1}])):
        response = await sms.post(f"/sms/aliyun/inbound?token={PUSH_TOKEN}", data=body)
        assert response.status == 400, body
    assert (await push(sms, "report", [{"biz_id": "1"}])).status == 400
    async with sms.app[SESSIONS]() as session:
        assert await session.scalar(select(func.count()).select_from(InboxMessage)) == 0
    generic = await aiohttp_client(create_app(make_settings()))
    assert (await push(generic, "inbound", items)).status == 503


async def test_a_refused_number_fails_at_once_and_throttling_is_retried(sms: TestClient,
                                                                       platform: FakeAliyunSms) -> None:
    platform.throttled = True
    response = await push(sms, "inbound", smsup("13812348002", "菜单", next(_sequence)))
    assert response.status == 200
    await asyncio.sleep(1.0)
    assert not platform.to("13812348002")
    platform.throttled = False
    async with sms.app[SESSIONS]() as session:
        row = await session.scalar(select(OutboundMessage))
    assert row is not None and row.status == "pending" and "BUSINESS_LIMIT_CONTROL" in (row.last_error or "")
    # The platform's flow control counts per minute: the retry waits that long, not a backoff step.
    assert (row.next_attempt_at - utcnow()).total_seconds() > 45

    platform.rejects.add("13812348003")
    await push(sms, "inbound", smsup("13812348003", "菜单", next(_sequence)))
    for _ in range(100):
        async with sms.app[SESSIONS]() as session:
            status = await session.scalar(select(OutboundMessage.status)
                                          .where(OutboundMessage.address == "+8613812348003"))
        if status == "failed":
            break
        await asyncio.sleep(0.1)
    assert status == "failed" and not platform.to("13812348003")


def test_signature_matches_the_documented_example() -> None:
    """The worked example of the platform's signature documentation (短信服务 → HTTP协议及签名: key
    "testId", secret "testSecret", a GET), and the fake's own reading of the algorithm for a POST."""
    params = {"AccessKeyId": "testId", "Action": "SendSms", "Format": "XML", "OutId": "123",
              "PhoneNumbers": "15300000001", "RegionId": "cn-hangzhou", "SignName": "阿里云短信测试专用",
              "SignatureMethod": "HMAC-SHA1", "SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466",
              "SignatureVersion": "1.0", "TemplateCode": "SMS_71390007", "TemplateParam": '{"customer":"test"}',
              "Timestamp": "2017-07-12T02:42:19Z", "Version": "2017-05-25"}
    assert rpc_signature("testSecret", "GET", params) == "zJDF+Lrzhj/ThnlvIToysFRq6t4="
    assert rpc_signature("testSecret", "POST", params) == aliyun_rpc_signature("testSecret", params)


def test_provider_aliyun_needs_its_settings(make_settings: Callable[..., Settings]) -> None:
    with pytest.raises(SettingsError, match="MINSHENG_ALIYUN_SMS_SIGN_NAME"):
        make_settings(sms_provider="aliyun", aliyun_access_key_id="a", aliyun_access_key_secret="b",
                      aliyun_sms_template_code="SMS_1")
    with pytest.raises(SettingsError, match="MINSHENG_SMS_PROVIDER"):
        make_settings(sms_provider="tencent")
