"""A township's real caseload in headless Chromium: 1,500 tickets, worked the way a caseworker does.

Search by the last four digits of a phone, the overdue filter that finds the urgent request past its
aid deadline, assignment, a staff-only note the resident never receives, a canned reply from the
knowledge base that the resident receives once, a 监测 application transferred to the right
township, and the new-ticket count in the title. axe-core (a pinned copy in tests/tickets/axe/) is
injected into every page visited: no serious or critical violation.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import insert

from bot.keys import SESSIONS
from bot.storage.models import Ticket, utcnow
from tests.fakes import FakeGateway
from tests.tickets.support import BAOAN, LONGWU, PASSWORD, file_by_sms, settle, standard_staff, texts, ticket_row

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
AXE = (Path(__file__).parent / "axe" / "axe.min.js").read_text(encoding="utf-8")
PHONE = "+8613900004321"
CASELOAD = 1500

pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM),
                                reason=f"no Chromium at {CHROMIUM} (apt install chromium)")


@pytest.fixture
async def page() -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        # bypass_csp only so that the test can inject axe-core; the pages themselves load no inline script.
        context = await browser.new_context(viewport={"width": 1024, "height": 900}, locale="zh-CN",
                                            bypass_csp=True)
        yield await context.new_page()
        await context.close()
        await browser.close()


async def axe_clean(page: Any) -> None:
    """axe-core's run on the page as it is: no serious or critical violation."""
    await page.add_script_tag(content=AXE)
    violations = await page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 3)}))")
    bad = [v for v in violations if v["impact"] in ("serious", "critical")]
    assert not bad, f"{page.url}: {bad}"


async def seed(client: TestClient, gateway: FakeGateway) -> dict[str, str]:
    """1,500 tickets in 隆务镇 (some last year, some overdue), the urgent one past its aid deadline, a 监测
    application filed in the wrong township, and one request filed over SMS by the resident we search for."""
    now = utcnow()
    rows = []
    for i in range(CASELOAD):
        created = now - timedelta(days=400 if i % 10 == 0 else 0, hours=(i % 6) + 1, minutes=i % 50)
        rows.append({"number": f"25{i:08d}", "kind": "help", "category": "living", "county_code": LONGWU[:6],
                     "township_code": LONGWU, "status": "pending" if i % 3 else "accepted", "urgent": False,
                     "channel": "sms", "contact": f"+86137{i:08d}", "locale": "zh_Hans",
                     "text": f"求助内容 第{i}件 生活困难", "attachments": [], "created_at": created,
                     # Answered tickets are not overdue; one in nine of the others is past its deadline.
                     "due_at": created + timedelta(hours=12) if i % 9 else now - timedelta(hours=2),
                     "first_answered_at": created + timedelta(hours=1) if i % 3 == 0 else None})
    aid_late = now - timedelta(hours=30)
    rows.append({"number": "2699999901", "kind": "help", "category": "emergency", "county_code": LONGWU[:6],
                 "township_code": LONGWU, "status": "accepted", "urgent": True, "channel": "sms",
                 "contact": "+8613700099901", "locale": "zh_Hans", "text": "房屋倒塌 急需安置", "attachments": [],
                 "created_at": aid_late, "due_at": aid_late + timedelta(hours=12),
                 "aid_due_at": aid_late + timedelta(hours=24), "first_answered_at": aid_late + timedelta(hours=1)})
    rows.append({"number": "2699999902", "kind": "monitoring", "category": "income_drop",
                 "county_code": LONGWU[:6], "township_code": LONGWU, "status": "applied", "urgent": False,
                 "channel": "sms", "contact": "+8613700099902", "locale": "zh_Hans",
                 "text": "两人务工收入骤减（户口在保安镇）", "attachments": [], "created_at": now - timedelta(hours=1),
                 "due_at": now + timedelta(hours=11)})
    async with client.app[SESSIONS]() as session, session.begin():
        await session.execute(insert(Ticket), rows)
    number = await file_by_sms(client, gateway, PHONE, "求助 隆务镇 屋顶漏雨 老人一个人住")
    return {"searched": number, "aid_late": "2699999901", "monitoring": "2699999902"}


async def test_a_caseworker_works_a_township_of_1500_tickets(client: TestClient, gateway: FakeGateway,
                                                             page: Any) -> None:
    await standard_staff(client.app)
    numbers = await seed(client, gateway)
    base = str(client.make_url("/console/"))
    await settle(client.app)
    received_before = len(gateway.to(PHONE))

    # A deep link signed out: the sign-in page, then the ticket asked for.
    await page.goto(base + f"tickets/{numbers['monitoring']}")
    await axe_clean(page)
    await page.get_by_label("工作人员账号").fill("longwu")
    await page.get_by_label("密码").fill(PASSWORD)
    await page.get_by_role("button", name="登录").click()
    assert page.url.endswith(f"/console/tickets/{numbers['monitoring']}")

    # The queue: a true total past the old 1,000 cut-off, urgent first.
    await page.goto(base)
    total = await page.locator("#total").inner_text()
    assert f"共 {CASELOAD + 3} 件" in total, total
    first = page.locator("ul.queue li").first
    assert "急难" in await first.inner_text()
    assert "已超时" in await first.inner_text()
    await axe_clean(page)

    # Search by the last four digits of the phone.
    await page.get_by_label("搜索（编号、电话后四位或内容）").fill("4321")
    await page.get_by_role("button", name="筛选").click()
    assert "共 1 件" in await page.locator("#total").inner_text()
    await page.get_by_role("link", name=numbers["searched"]).click()
    await axe_clean(page)

    # Assign it to myself.
    await page.get_by_role("button", name="指派给我").click()
    assert "指派已更新" in await page.get_by_role("status").first.inner_text()
    assert await page.locator("#assignee").inner_text() == "longwu"

    # A note for staff only.
    await page.get_by_label("备注内容（仅工作人员可见，不发给居民）").fill("内部：已电话联系村委，下午入户")
    await page.get_by_role("button", name="保存备注").click()
    assert "只有工作人员能看到" in await page.get_by_role("status").first.inner_text()
    assert "内部：已电话联系村委" in await page.locator("ol.history").inner_text()

    # A canned reply from the knowledge base, edited, with the segment count following the edit.
    await page.locator("details summary").first.click()
    canned = page.get_by_label("常用回复 1（可修改，居民会收到）")
    offered = await canned.input_value()
    summary = await page.locator("details summary").first.inner_text()
    assert "依据 同仁市" in summary and "同仁市" in offered  # the figure, and the document it is from
    await canned.fill(offered + "请准备户口本和收入证明。")
    count = await page.locator("#canned-1-count").inner_text()
    assert "条短信" in count and count.startswith(str(len(offered + "请准备户口本和收入证明。")))
    await page.get_by_role("button", name="发送常用回复 1").click()
    assert "回复已发送给居民" in await page.get_by_role("status").first.inner_text()
    await axe_clean(page)

    await settle(client.app)
    await asyncio.sleep(0.3)
    told = texts(gateway.to(PHONE)[received_before:])
    assert sum("请准备户口本和收入证明" in t for t in told) == 1, told
    assert not any("内部" in t or "入户" in t for t in told), told

    # Only overdue: the urgent request past its aid deadline is there (answered in time, late on aid).
    await page.goto(base)
    await page.get_by_label("只看超时").check()
    await page.get_by_role("button", name="筛选").click()
    overdue_first = page.locator("ul.queue li").first
    assert numbers["aid_late"] in await overdue_first.inner_text()
    await axe_clean(page)

    # Mine: the ticket assigned above.
    await page.goto(base + "?assignee=me&status=all")
    assert "共 1 件" in await page.locator("#total").inner_text()
    assert numbers["searched"] in await page.locator("ul.queue").inner_text()

    # A 监测 application filed in the wrong township goes to 保安镇, keeping its place in the chain.
    await page.goto(base + f"tickets/{numbers['monitoring']}")
    await page.get_by_label("转办到").select_option(BAOAN)
    await page.get_by_label("转办说明（会告诉居民）").fill("户口在保安镇，转保安镇评议")
    await page.get_by_role("button", name="转办").click()
    assert "已转办" in await page.get_by_role("status").first.inner_text()
    moved = await ticket_row(client.app, numbers["monitoring"])
    assert (moved.township_code, moved.status) == (BAOAN, "applied")

    # A new ticket while the queue is open: the title counts it.
    await page.goto(base)
    title = await page.title()
    await file_by_sms(client, gateway, "+8613900007777", "求助 隆务镇 新来的求助")
    assert await page.evaluate("window.minshengPoll()") == 1
    assert await page.title() == "(1) " + title
    assert await page.locator("#new-tickets").is_visible()


async def test_every_event_type_has_a_chinese_label() -> None:
    from bot.domain.tickets import EVENT_LABELS

    for kind in ("filed", "reply", "resident_reply", "note", "assigned", "status", "transferred", "reopened",
                 "escalated", "aid_escalated", "followup", "delivery_failed", "contact_revealed"):
        assert EVENT_LABELS[kind] and not EVENT_LABELS[kind].isascii()

