"""The console in headless Chromium (Debian's package) driven by Playwright, at a phone's width."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from tests.fakes import FakeGateway
from tests.tickets.support import PASSWORD, file_by_sms, settle, standard_staff, texts

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PHONE = "+8613812340090"

pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM),
                                reason=f"no Chromium at {CHROMIUM} (apt install chromium)")


@pytest.fixture
async def page() -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        context = await browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
        yield await context.new_page()
        await context.close()
        await browser.close()


async def test_a_caseworker_signs_in_and_works_a_ticket_from_pending_to_resolved(
        client: TestClient, gateway: FakeGateway, page: Any) -> None:
    await standard_staff(client.app)
    number = await file_by_sms(client, gateway, PHONE, "求助 隆务镇 母亲瘫痪在床，家里没有收入")
    before = len(gateway.to(PHONE))

    await page.goto(str(client.make_url("/console/")))
    await page.get_by_label("工作人员账号").fill("longwu")
    await page.get_by_label("密码").fill(PASSWORD)
    await page.get_by_role("button", name="登录").click()
    await page.get_by_role("link", name=number).click()
    assert "138****0090" in await page.locator("#contact").inner_text()

    await page.get_by_role("button", name="改为已受理").click()
    assert await page.locator("#status").inner_text() == "已受理"
    await page.get_by_role("button", name="改为办理中").click()
    await page.get_by_label("回复内容（居民会在提交渠道收到）").fill("低保申请材料已收到，下周一入户核查。")
    await page.get_by_role("button", name="发送回复").click()
    assert "回复已发送给居民" in await page.get_by_role("status").inner_text()
    await page.get_by_label("说明（会告诉居民；不予受理、不予纳入时必填）").fill("已纳入低保，下月起发放。")
    await page.get_by_role("button", name="改为已办结").click()
    assert await page.locator("#status").inner_text() == "已办结"
    history = await page.locator("ol.history").inner_text()
    assert history.count("longwu") == 4
    # Readable on a phone: nothing wider than the screen.
    assert await page.evaluate("document.documentElement.scrollWidth") <= 390

    await settle(client.app)
    await asyncio.sleep(0.3)
    told = texts(gateway.to(PHONE)[before:])
    assert len(told) == 4, told
    assert "已受理" in told[0] and "办理中" in told[1]
    assert "下周一入户核查" in told[2] and number in told[2]
    assert "已办结" in told[3] and "已纳入低保" in told[3]

    await page.get_by_role("button", name="退出登录").click()
    assert await page.get_by_role("button", name="登录").is_visible()
