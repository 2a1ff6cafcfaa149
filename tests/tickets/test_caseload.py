"""A real caseload over HTTP: search, filters, paging and counts, one overdue rule, notes, assignment,
bulk actions, stale forms, the words staff read, sign-in and exports."""

from __future__ import annotations

import asyncio
import io
import itertools
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from aiohttp.test_utils import TestClient
from openpyxl import load_workbook
from sqlalchemy import insert, update

from bot.app import create_app
from bot.keys import SESSIONS
from bot.settings import Settings
from bot.storage.models import Ticket, utcnow
from tests.fakes import FakeGateway
from tests.tickets.support import (
    BAOAN,
    LONGWU,
    PASSWORD,
    add_staff,
    bearer,
    file_by_sms,
    settle,
    standard_staff,
    texts,
    ticket_row,
)
from tests.tickets.test_console import csrf_of, sign_in

PHONE = "+8613812345678"


_batches = itertools.count(10)


async def many(client: TestClient, count: int, township: str = LONGWU, **values: Any) -> list[str]:
    now = utcnow()
    batch = next(_batches)
    rows = [{"number": f"24{batch}{i:06d}", "kind": "help", "category": "living", "county_code": township[:6],
             "township_code": township, "status": "pending", "urgent": False, "channel": "sms",
             "contact": f"+86137{i:08d}", "locale": "zh_Hans", "text": f"第{i}件", "attachments": [],
             "created_at": now - timedelta(minutes=i), "due_at": now + timedelta(hours=6, minutes=i), **values}
            for i in range(count)]
    async with client.app[SESSIONS]() as session, session.begin():
        await session.execute(insert(Ticket), rows)
    return [r["number"] for r in rows]


async def set_ticket(client: TestClient, number: str, **values: Any) -> None:
    async with client.app[SESSIONS]() as session, session.begin():
        await session.execute(update(Ticket).where(Ticket.number == number).values(**values))


async def listing(client: TestClient, token: str, query: str) -> dict[str, Any]:
    response = await client.get(f"/api/v1/tickets?{query}", headers=bearer(token))
    assert response.status == 200, await response.text()
    body: dict[str, Any] = await response.json()
    return body


async def test_paging_has_a_true_total_past_a_thousand_and_counts_per_status(client: TestClient) -> None:
    staff = await standard_staff(client.app)
    await many(client, 1_205)
    await many(client, 3, status="resolved")
    first = await listing(client, staff["longwu"], "status=open&per_page=100")
    assert (first["total"], first["page"], first["per_page"], len(first["tickets"])) == (1_205, 1, 100, 100)
    assert first["counts"]["pending"] == 1_205 and first["counts"]["resolved"] == 3
    last = await listing(client, staff["longwu"], "status=open&per_page=100&page=13")
    assert len(last["tickets"]) == 5
    seen = {t["number"] for p in range(1, 14)
            for t in (await listing(client, staff["longwu"], f"status=open&per_page=100&page={p}"))["tickets"]}
    assert len(seen) == 1_205  # no ticket lost or shown twice across the pages
    for bad in ("per_page=0", "per_page=201", "page=0", "page=x"):
        response = await client.get(f"/api/v1/tickets?{bad}", headers=bearer(staff["longwu"]))
        assert response.status == 400, bad
    html = await sign_in(client, "longwu")
    assert "共 1205 件，第 1/25 页" in html and "待受理（1205）" in html


async def test_search_by_number_phone_digits_and_text(client: TestClient, gateway: FakeGateway) -> None:
    staff = await standard_staff(client.app)
    await many(client, 50)
    number = await file_by_sms(client, gateway, PHONE, "求助 隆务镇 屋顶漏雨 100%需要帮助")
    for q in ("5678", number, "屋顶漏雨", "100%"):
        found = await listing(client, staff["longwu"], f"status=all&q={q.replace('%', '%25')}")
        assert [t["number"] for t in found["tickets"]] == [number], q
    assert (await listing(client, staff["longwu"], "status=all&q=%25"))["total"] == 1  # % is a character
    assert (await listing(client, staff["baoan"], "status=all&q=5678"))["total"] == 0  # scope holds


async def test_one_overdue_rule_for_the_urgent_request_past_its_aid_deadline(client: TestClient,
                                                                            gateway: FakeGateway) -> None:
    staff = await standard_staff(client.app)
    number = await file_by_sms(client, gateway, PHONE, "急 隆务镇 房子塌了")
    await many(client, 5)
    late = utcnow() - timedelta(hours=30)
    # Answered in time, but the aid is 6 hours late and the escalation job has told the county.
    await set_ticket(client, number, created_at=late, due_at=late + timedelta(hours=12),
                     aid_due_at=late + timedelta(hours=24), first_answered_at=late + timedelta(hours=1),
                     aid_escalated_at=late + timedelta(hours=24, minutes=5), status="accepted")
    found = await listing(client, staff["longwu"], "overdue=1")
    assert [t["number"] for t in found["tickets"]] == [number]
    assert found["tickets"][0]["overdue"] is True and found["tickets"][0]["escalated"] is True
    await sign_in(client, "tongren")
    queue = await (await client.get("/console/")).text()
    assert "1 件超时未办，已上报县级" in queue
    item = queue.split(f'/console/tickets/{number}"')[1].split("</li>")[0]
    assert "已超时" in item and "已上报" in item and "救助期限" in item and "已超时 6 小时" in item
    filtered = await (await client.get("/console/?overdue=1")).text()
    assert re.findall(r'<a href="/console/tickets/(\d+)">', filtered) == [number]


async def test_urgent_first_time_left_county_beside_township_and_the_year(client: TestClient,
                                                                        gateway: FakeGateway) -> None:
    await standard_staff(client.app)
    ordinary = await many(client, 3)
    urgent = await file_by_sms(client, gateway, PHONE, "急 隆务镇 突发重病")
    old = await many(client, 1, township=BAOAN, created_at=datetime(2024, 3, 5, 2, 0, tzinfo=utcnow().tzinfo),
                     due_at=utcnow() + timedelta(hours=3, minutes=10))
    html = await sign_in(client, "tongren")
    order = re.findall(r'<a href="/console/tickets/(\d+)">', html)
    assert order[0] == urgent and set(ordinary) <= set(order)
    item = html.split(f'/console/tickets/{old[0]}"')[1].split("</li>")[0]
    assert "同仁市保安镇" in item and "2024年3月5日" in item and "还剩 3 小时" in item
    ticket = await (await client.get(f"/console/tickets/{urgent}")).text()
    assert '<dd id="place">同仁市隆务镇</dd>' in ticket


async def test_notes_are_staff_only_and_assignment_stays_in_the_township(client: TestClient,
                                                                        gateway: FakeGateway) -> None:
    staff = await standard_staff(client.app)
    await add_staff(client.app, "longwu2", township=LONGWU)
    number = await file_by_sms(client, gateway, PHONE, "求助 隆务镇 孩子上学困难")
    await settle(client.app)
    before = len(gateway.to(PHONE))
    response = await client.post(f"/api/v1/tickets/{number}/notes", json={"text": "内部：家长在外务工"},
                                 headers=bearer(staff["longwu"]))
    assert response.status == 201
    for body in ({"text": ""}, {"text": "x" * 1001}, {}):
        assert (await client.post(f"/api/v1/tickets/{number}/notes", json=body,
                                  headers=bearer(staff["longwu"]))).status in (400, 422)
    assert (await client.post(f"/api/v1/tickets/{number}/notes", json={"text": "x"},
                              headers=bearer(staff["baoan"]))).status == 404
    # Assignment: a colleague of the township, never someone of another township.
    response = await client.post(f"/api/v1/tickets/{number}/assign", json={"staff": "longwu2"},
                                 headers=bearer(staff["longwu"]))
    assert response.status == 200 and (await response.json())["assignee"] == "longwu2"
    for name in ("baoan", "nobody", "tongren"):
        response = await client.post(f"/api/v1/tickets/{number}/assign", json={"staff": name},
                                     headers=bearer(staff["longwu"]))
        assert response.status == 422 and (await response.json())["error"]["field"] == "staff", name
    mine = await listing(client, staff["longwu"], "status=all&assignee=longwu2")
    assert [t["number"] for t in mine["tickets"]] == [number]
    response = await client.post(f"/api/v1/tickets/{number}/assign", json={"staff": None},
                                 headers=bearer(staff["longwu"]))
    assert (await response.json())["assignee"] is None
    events = (await (await client.get(f"/api/v1/tickets/{number}", headers=bearer(staff["longwu"]))).json())["events"]
    assert [e["type"] for e in events] == ["filed", "note", "assigned", "assigned"]
    await settle(client.app)
    await asyncio.sleep(0.3)
    assert not any("内部" in t for t in texts(gateway.to(PHONE)[before:]))
    assert len(gateway.to(PHONE)) == before  # neither a note nor an assignment is sent to the resident
    await sign_in(client, "longwu")
    page = await (await client.get(f"/console/tickets/{number}")).text()
    assert "内部备注" in page and "仅工作人员可见" in page and "备注只有工作人员能看到，不会发给居民" in page


async def test_a_stale_form_from_another_tab_changes_nothing_and_says_so(client: TestClient,
                                                                        gateway: FakeGateway) -> None:
    await standard_staff(client.app)
    number = await file_by_sms(client, gateway, PHONE, "求助 隆务镇 生活困难")
    await sign_in(client, "longwu")
    old_tab = await (await client.get(f"/console/tickets/{number}")).text()
    seen = re.search(r'name="seen" value="([^"]+)"', old_tab)
    assert seen
    response = await client.post(f"/console/tickets/{number}/transition",
                                 data={"to": "accepted", "csrf": csrf_of(old_tab), "seen": seen.group(1)})
    assert response.status == 200  # the first tab: accepted
    response = await client.post(f"/console/tickets/{number}/transition",
                                 data={"to": "rejected", "note": "重复", "csrf": csrf_of(old_tab),
                                       "seen": seen.group(1)})
    html = await response.text()
    assert response.status == 409 and "刚被别人（或您在另一个页面）改过了" in html
    assert '<span class="badge" id="status">已受理</span>' in html
    assert (await ticket_row(client.app, number)).status == "accepted"


async def test_every_error_a_caseworker_meets_is_chinese_and_says_what_to_do(client: TestClient,
                                                                            gateway: FakeGateway) -> None:
    await standard_staff(client.app)
    number = await file_by_sms(client, gateway, PHONE, "求助 隆务镇 生活困难")
    page = await sign_in(client, "longwu")
    csrf = csrf_of(page)
    cases = [("transition", {"to": "rejected", "note": ""}, "请在“说明”里写上理由"),
             ("reply", {"text": "   "}, "回复内容是空的"),
             ("transfer", {"township": LONGWU}, "已经在该乡镇（县）的队列里"),
             ("transition", {"to": "resolved"}, "请按页面上现有的按钮办理"),
             ("assign", {"staff": "baoan"}, "只能指派给本乡镇")]
    for action, form, words in cases:
        response = await client.post(f"/console/tickets/{number}/{action}", data={**form, "csrf": csrf})
        html = await response.text()
        assert 400 <= response.status < 500 and words in html, (action, html[-600:])
        error = re.search(r'<p class="error" role="alert">([^<]+)</p>', html)
        assert error and not re.search(r"[A-Za-z]{4,}", error.group(1)), error
    assert (await ticket_row(client.app, number)).status == "pending"


async def test_bulk_accept_assign_and_transfer(client: TestClient) -> None:
    await standard_staff(client.app)
    numbers = await many(client, 4)
    page = await sign_in(client, "longwu")
    csrf = csrf_of(page)
    form = [("csrf", csrf), ("action", "accept"), ("n", numbers[0]), ("n", numbers[1]), ("back", "/console/?q=x")]
    response = await client.post("/console/bulk", data=form)
    assert "已处理 2 件" in await response.text()
    response = await client.post("/console/bulk", data=[("csrf", csrf), ("action", "accept"), ("n", numbers[0]),
                                                        ("n", numbers[2])])
    html = await response.text()
    assert "已处理 1 件" in html and f"/console/tickets/{numbers[0]}" in html.split("没有处理")[1]
    response = await client.post("/console/bulk", data=[("csrf", csrf), ("action", "assign"), ("staff", "longwu"),
                                                        ("n", numbers[0]), ("n", numbers[3])])
    assert "已处理 2 件" in await response.text()
    response = await client.post("/console/bulk", data=[("csrf", csrf), ("action", "transfer"),
                                                        ("township", BAOAN), ("n", numbers[3])])
    assert "已处理 1 件" in await response.text()
    assert [(await ticket_row(client.app, n)).status for n in numbers] == \
        ["accepted", "accepted", "accepted", "transferred"]
    assert (await ticket_row(client.app, numbers[3])).township_code == BAOAN
    assert (await ticket_row(client.app, numbers[0])).assignee == "longwu"
    response = await client.post("/console/bulk", data=[("csrf", csrf), ("action", "accept")])
    assert response.status == 422 and "请先勾选" in await response.text()


async def test_a_monitoring_application_is_transferred_keeping_its_step(client: TestClient,
                                                                       gateway: FakeGateway) -> None:
    staff = await standard_staff(client.app)
    number = await file_by_sms(client, gateway, PHONE, "监测 隆务镇 收入骤减")
    response = await client.post(f"/api/v1/tickets/{number}/transition", json={"to": "village_review"},
                                 headers=bearer(staff["longwu"]))
    assert response.status == 200
    response = await client.post(f"/api/v1/tickets/{number}/transition",
                                 json={"to": "transferred", "township": "保安镇"}, headers=bearer(staff["longwu"]))
    assert response.status == 200
    ticket = await ticket_row(client.app, number)
    assert (ticket.township_code, ticket.status) == (BAOAN, "village_review")
    response = await client.post(f"/api/v1/tickets/{number}/transition", json={"to": "township_review"},
                                 headers=bearer(staff["baoan"]))
    assert response.status == 200
    await sign_in(client, "baoan")
    page = await (await client.get(f"/console/tickets/{number}")).text()
    assert "转办至同仁市保安镇" in page
    assert "下一步“市级审定”由县级" in page


async def test_reveal_is_a_post_that_redirects_and_a_reload_logs_nothing_more(client: TestClient,
                                                                            gateway: FakeGateway) -> None:
    await standard_staff(client.app)
    number = await file_by_sms(client, gateway, PHONE, "求助 隆务镇 生活困难")
    page = await sign_in(client, "longwu")
    response = await client.post(f"/console/tickets/{number}/reveal", data={"csrf": csrf_of(page)},
                                 allow_redirects=False)
    assert response.status == 303 and response.headers["Location"].endswith("?contact=shown")
    for _ in range(2):
        html = await (await client.get(response.headers["Location"])).text()
        assert "13812345678" in html
    assert [e.type for e in (await ticket_row(client.app, number)).events].count("contact_revealed") == 1
    assert "13812345678" not in await (await client.get(f"/console/tickets/{number}")).text()


async def test_sign_in_limits_failures_only_and_lands_on_the_deep_link(client: TestClient,
                                                                      gateway: FakeGateway) -> None:
    await standard_staff(client.app)
    number = await file_by_sms(client, gateway, PHONE, "求助 隆务镇 生活困难")
    # An office behind one address: thirty correct sign-ins in a row are never limited.
    for _ in range(30):
        client.session.cookie_jar.clear()
        await sign_in(client, "longwu")
    assert (await client.get(f"/console/tickets/{number}", allow_redirects=False)).status == 200
    client.session.cookie_jar.clear()
    response = await client.get(f"/console/tickets/{number}")
    login_page = await response.text()
    assert "工作人员登录" in login_page and f'value="/console/tickets/{number}"' in login_page
    response = await client.post("/console/login", data={"name": "longwu", "password": PASSWORD,
                                                          "csrf": csrf_of(login_page),
                                                          "next": f"/console/tickets/{number}"},
                                 allow_redirects=False)
    assert response.headers["Location"] == f"/console/tickets/{number}"
    client.session.cookie_jar.clear()
    page = await (await client.get("/console/?next=//evil.example/")).text()
    response = await client.post("/console/login", data={"name": "longwu", "password": PASSWORD,
                                                          "csrf": csrf_of(page), "next": "//evil.example/"},
                                 allow_redirects=False)
    assert response.headers["Location"] == "/console/"


async def test_the_staff_ui_in_english(client: TestClient, gateway: FakeGateway) -> None:
    await standard_staff(client.app)
    number = await file_by_sms(client, gateway, PHONE, "求助 隆务镇 生活困难")
    english = {"Accept-Language": "en-GB,en;q=0.9"}
    login_page = await (await client.get("/console/", headers=english)).text()
    assert "Staff sign-in" in login_page and '<html lang="en">' in login_page
    await sign_in(client, "longwu")
    queue = await (await client.get("/console/", headers=english)).text()
    assert "Urgent only" in queue and "Overdue only" in queue and "只看超时" not in queue
    ticket = await (await client.get(f"/console/tickets/{number}", headers=english)).text()
    assert "Send reply" in ticket and "Waiting to be accepted" in ticket
    response = await client.get(f"/console/lang?to=en&next=/console/tickets/{number}")
    assert "Send reply" in await response.text()


async def test_secure_cookies_telegram_off_and_the_urgent_badge_contrast(
        client: TestClient, aiohttp_client: Any, make_settings: Callable[..., Settings]) -> None:
    page = await (await client.get("/console/")).text()
    assert ".badge.urgent { background: #a84300; color: #fff; }" in page  # 6.06:1 with white text (AA: 4.5)
    await standard_staff(client.app)
    await sign_in(client, "longwu")
    assert "本系统没有开启 Telegram" in await (await client.get("/console/telegram")).text()
    secure = await aiohttp_client(create_app(make_settings(console_secure_cookies=True)))
    response = await secure.get("/console/")
    assert "Secure" in response.headers["Set-Cookie"] and "minsheng_login=" in response.headers["Set-Cookie"]


async def test_exports_have_dates_with_the_year_frozen_header_widths_and_no_visible_guard(
        client: TestClient, gateway: FakeGateway) -> None:
    await standard_staff(client.app)
    number = await file_by_sms(client, gateway, PHONE, "求助 隆务镇 =1+1 家里困难")
    await set_ticket(client, number, assignee="longwu")
    await sign_in(client, "tongren")
    response = await client.get("/console/export.xlsx")
    book = load_workbook(io.BytesIO(await response.read()))
    sheet = book.active
    assert sheet is not None and sheet.freeze_panes == "A2"
    header = [c.value for c in sheet[1]]
    assert header[:6] == ["编号", "类型", "类别", "县（市、区）", "乡镇", "状态"]
    row = [c for c in sheet[2]]
    values = [c.value for c in row]
    assert values[3:5] == ["同仁市", "隆务镇"] and "longwu" in values
    filed = values[header.index("提交时间")]
    assert isinstance(filed, datetime) and filed.year == utcnow().year
    assert values[-1] == "=1+1 家里困难" and row[-1].data_type == "s"  # text, no quote shown
    assert sheet.column_dimensions["P"].width >= 40
    csv_text = (await (await client.get("/console/export.csv")).read()).decode("utf-8-sig")
    assert re.search(rf"{number},[^\n]*,{utcnow().year}-\d\d-\d\d \d\d:\d\d,", csv_text)
    assert "'=1+1 家里困难" in csv_text
