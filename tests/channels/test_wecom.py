"""企业微信 group robots: set by an admin in the console; new tickets and escalations posted once, within the rate."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import func, select

from bot.app import create_app
from bot.console.wecom import read_key
from bot.keys import ESCALATOR, SERVICES, SESSIONS
from bot.settings import Settings
from bot.storage.models import OutboundMessage, WeComRobot, utcnow
from tests.channels.support import sample
from tests.conftest import SMS_SECRET
from tests.fakes import FakeGateway, FakeWeComRobot
from tests.loop.test_console_loop import ENGLISH, chinese_left
from tests.tickets.support import LONGWU, TONGREN, file_by_sms, settle, standard_staff
from tests.tickets.test_console import csrf_of, sign_in

TOWNSHIP_KEY = "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"
COUNTY_KEY = "0b7c1d2e-3f40-4a5b-8c6d-7e8f9a0b1c2d"


@pytest.fixture(autouse=True)
def _many_residents_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("bot.channels.sms.RATE_LIMIT_PER_MINUTE", 1000)


@pytest.fixture
async def robots() -> AsyncIterator[FakeWeComRobot]:
    fake = FakeWeComRobot({TOWNSHIP_KEY, COUNTY_KEY})
    await fake.start()
    yield fake
    await fake.close()


@pytest.fixture
async def app_client(aiohttp_client: Any, make_settings: Callable[..., Settings], gateway: FakeGateway,
                     robots: FakeWeComRobot) -> TestClient:
    settings = make_settings(sms_secret=SMS_SECRET, sms_gateway_url=gateway.url, wecom_api_base=robots.url,
                             public_url="https://minsheng.example", escalation_interval_seconds=3600.0)
    return await aiohttp_client(create_app(settings))


async def add_robot(client: TestClient, place: str, webhook: str) -> str:
    page = await (await client.get("/console/wecom")).text()
    response = await client.post("/console/wecom", data={"place": place, "webhook": webhook,
                                                          "csrf": csrf_of(page)})
    return await response.text()


def test_the_documented_markdown_sample_is_what_we_post() -> None:
    body = json.loads(sample("wecom_markdown.json"))
    assert set(body) == {"msgtype", "markdown"} and body["msgtype"] == "markdown"
    assert set(body["markdown"]) == {"content"}
    assert read_key(f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={TOWNSHIP_KEY}") == TOWNSHIP_KEY
    assert read_key(TOWNSHIP_KEY) == TOWNSHIP_KEY
    assert read_key("https://qyapi.weixin.qq.com/cgi-bin/webhook/send") is None
    assert read_key("<script>") is None


async def test_only_an_admin_sets_robots_and_the_key_is_not_shown_again(app_client: TestClient) -> None:
    await standard_staff(app_client.app)
    await sign_in(app_client, "longwu")
    assert (await app_client.get("/console/wecom")).status == 404
    await app_client.post("/console/logout", data={"csrf": csrf_of(await (await app_client.get("/console/")).text())})
    await sign_in(app_client, "admin")
    html = await add_robot(app_client, LONGWU, "not a webhook")
    assert "请粘贴群机器人的 Webhook 地址" in html
    html = await add_robot(app_client, LONGWU, f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={TOWNSHIP_KEY}")
    assert "已保存" in html and "隆务镇" in html and TOWNSHIP_KEY not in html and TOWNSHIP_KEY[-4:] in html
    await add_robot(app_client, LONGWU, TOWNSHIP_KEY)  # the same robot twice is kept once
    async with app_client.app[SESSIONS]() as session:
        assert await session.scalar(select(func.count()).select_from(WeComRobot)) == 1
        robot_id = await session.scalar(select(WeComRobot.id))
    page = await (await app_client.get("/console/wecom")).text()
    response = await app_client.post(f"/console/wecom/{robot_id}/remove", data={"csrf": csrf_of(page)})
    assert response.status == 200 and "还没有设置企业微信群" in await response.text()


async def test_an_english_speaking_admin_sets_a_robot_in_english(app_client: TestClient) -> None:
    await standard_staff(app_client.app)
    await sign_in(app_client, "admin")
    page = await (await app_client.get("/console/wecom", headers=ENGLISH)).text()
    assert chinese_left(app_client.app, page) == [] and "No WeCom group has been set up yet." in page
    assert "(county: assigning and overdue escalations)" in page
    response = await app_client.post("/console/wecom", headers=ENGLISH,
                                     data={"place": LONGWU, "webhook": "not a webhook", "csrf": csrf_of(page)})
    page = await response.text()
    assert response.status == 422 and "Paste the group robot&#39;s webhook address" in page
    response = await app_client.post("/console/wecom", headers=ENGLISH,
                                     data={"place": TONGREN, "webhook": TOWNSHIP_KEY, "csrf": csrf_of(page)})
    page = await response.text()
    assert response.status == 200 and "Saved. New help requests, transfers and overdue escalations" in page
    assert chinese_left(app_client.app, page) == [], page
    assert f"robot …{TOWNSHIP_KEY[-4:]} · set by admin on " in page and "设置于" not in page


async def test_thirty_tickets_in_a_minute_reach_the_township_group_once_each_within_the_rate(
        app_client: TestClient, gateway: FakeGateway, robots: FakeWeComRobot) -> None:
    await standard_staff(app_client.app)
    await sign_in(app_client, "admin")
    await add_robot(app_client, LONGWU, TOWNSHIP_KEY)
    phones = [f"+86138123460{n:02d}" for n in range(30)]
    numbers = await asyncio.gather(*(file_by_sms(app_client, gateway, phone, f"求助 隆务镇 第{n}户屋顶漏雨")
                                     for n, phone in enumerate(phones)))
    assert len(set(numbers)) == 30

    def posted() -> list[str]:
        return [n for content in robots.contents(TOWNSHIP_KEY) for n in re.findall(r"求助 (\d+)\*\*", content)]

    await robots.until(lambda: len(posted()) >= 30, timeout=90)
    await settle(app_client.app, timeout=30)
    assert sorted(posted()) == sorted(numbers)  # each once
    times = [at for at, key, _ in robots.posts if key == TOWNSHIP_KEY]
    assert all(sum(1 for t in times if 0 <= t - start < 60) <= 20 for start in times)
    assert robots.limited == 0
    everything = "\n".join(robots.contents(TOWNSHIP_KEY))
    assert all(phone[3:] not in everything for phone in phones)  # never the full number
    assert "138****6000" in everything and f"https://minsheng.example/console/tickets/{numbers[0]}" in everything
    async with app_client.app[SESSIONS]() as session:
        statuses = set(await session.scalars(select(OutboundMessage.status).where(OutboundMessage.channel == "wecom")))
    assert statuses == {"sent"}


async def test_an_escalation_reaches_the_county_group(app_client: TestClient, gateway: FakeGateway,
                                                      robots: FakeWeComRobot) -> None:
    await standard_staff(app_client.app)
    await sign_in(app_client, "admin")
    await add_robot(app_client, TONGREN, COUNTY_KEY)
    number = await file_by_sms(app_client, gateway, "+8613812346100", "求助 隆务镇 老人生病没人照顾")
    later = utcnow() + timedelta(hours=13)
    app_client.app[SERVICES].clock = lambda: later
    assert await app_client.app[ESCALATOR].run_once() == 1
    await robots.until(lambda: bool(robots.contents(COUNTY_KEY)), timeout=10)
    await settle(app_client.app)
    posts = robots.contents(COUNTY_KEY)
    assert len(posts) == 1 and "超时上报" in posts[0] and number in posts[0]
    assert not robots.contents(TOWNSHIP_KEY)
