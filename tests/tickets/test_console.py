"""The web console over HTTP: sign-in, sessions and CSRF, the queue, working a ticket, scope, export."""

from __future__ import annotations

import asyncio
import csv
import io
import re
from datetime import timedelta

from aiohttp.test_utils import TestClient
from openpyxl import load_workbook

from bot.keys import SERVICES
from bot.storage.models import utcnow
from tests.fakes import FakeGateway
from tests.tickets.support import PASSWORD, file_by_sms, settle, standard_staff, texts, ticket_row

PHONE = "+8613812340080"


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, html[:300]
    return found.group(1)


async def sign_in(client: TestClient, name: str, password: str = PASSWORD) -> str:
    """Signs in; returns the queue page."""
    page = await (await client.get("/console/")).text()
    response = await client.post("/console/login", data={"name": name, "password": password, "csrf": csrf_of(page)})
    html = await response.text()
    assert response.status == 200 and "退出登录" in html, html
    return html


async def test_signed_out_the_console_is_a_sign_in_form_with_visible_labels(client: TestClient) -> None:
    response = await client.get("/console/")
    html = await response.text()
    assert response.status == 200 and response.headers["Cache-Control"] == "no-store"
    assert '<label for="name">工作人员账号</label>' in html and '<label for="password">密码</label>' in html
    assert ">登录</button>" in html
    assert (await client.get("/console/tickets/2611230001", allow_redirects=False)).status == 303


async def test_a_session_cookie_is_httponly_strict_and_gone_after_sign_out(client: TestClient) -> None:
    await standard_staff(client.app)
    page = await (await client.get("/console/")).text()
    response = await client.post("/console/login", data={"name": "longwu", "password": PASSWORD,
                                                         "csrf": csrf_of(page)}, allow_redirects=False)
    assert response.status == 303
    cookie = response.cookies["minsheng_console"]
    assert cookie["httponly"] and cookie["samesite"] == "Strict" and cookie["path"] == "/console/"
    queue = await (await client.get("/console/")).text()
    response = await client.post("/console/logout", data={"csrf": csrf_of(queue)})
    assert "工作人员登录" in await response.text()
    assert "工作人员登录" in await (await client.get("/console/")).text()


async def test_wrong_passwords_and_a_missing_csrf_token_are_refused(client: TestClient) -> None:
    await standard_staff(client.app)
    page = await (await client.get("/console/")).text()
    response = await client.post("/console/login", data={"name": "longwu", "password": PASSWORD})
    assert response.status == 403
    for _ in range(8):
        page = await (await client.get("/console/")).text()
        response = await client.post("/console/login", data={"name": "longwu", "password": "wrong password",
                                                             "csrf": csrf_of(page)})
        assert response.status == 401 and "账号或密码不对" in await response.text()
    page = await (await client.get("/console/")).text()
    response = await client.post("/console/login", data={"name": "longwu", "password": PASSWORD,
                                                         "csrf": csrf_of(page)})
    assert response.status == 429 and "密码错误次数过多" in await response.text()


async def test_the_queue_is_sorted_by_deadline_with_overdue_highlighted(client: TestClient,
                                                                       gateway: FakeGateway) -> None:
    await standard_staff(client.app)
    fresh = await file_by_sms(client, gateway, PHONE, "求助 隆务镇 新的求助")
    earlier = utcnow() - timedelta(hours=13)
    client.app[SERVICES].clock = lambda: earlier
    late = await file_by_sms(client, gateway, "+8613812340081", "求助 隆务镇 昨天的求助")
    urgent = await file_by_sms(client, gateway, "+8613812340082", "急 隆务镇 房子塌了")
    client.app[SERVICES].clock = utcnow
    html = await sign_in(client, "longwu")
    order = re.findall(r'<a href="/console/tickets/(\d+)">', html)
    assert order.index(late) < order.index(fresh) and {late, urgent, fresh} <= set(order)
    item = html.split(f'/console/tickets/{late}"')[0].rsplit("<li", 1)[1]
    assert 'class="overdue"' in item
    filtered = await (await client.get("/console/?urgent=1")).text()
    assert re.findall(r'<a href="/console/tickets/(\d+)">', filtered) == [urgent]


async def test_working_a_ticket_in_the_console_reaches_the_resident_once(client: TestClient,
                                                                        gateway: FakeGateway) -> None:
    await standard_staff(client.app)
    number = await file_by_sms(client, gateway, PHONE, "求助 隆务镇 孩子生病住院")
    await sign_in(client, "longwu")
    page = await (await client.get(f"/console/tickets/{number}")).text()
    assert "138****0080" in page and "13812340080" not in page
    before = len(gateway.to(PHONE))
    # Without the CSRF token nothing happens.
    response = await client.post(f"/console/tickets/{number}/reply", data={"text": "伪造"})
    assert response.status == 403
    response = await client.post(f"/console/tickets/{number}/reply", data={"text": "医疗救助材料已收到。",
                                                                          "csrf": csrf_of(page)})
    assert "回复已发送给居民" in await response.text()
    response = await client.post(f"/console/tickets/{number}/transition", data={"to": "accepted",
                                                                               "csrf": csrf_of(page)})
    assert "已受理" in await response.text()
    response = await client.post(f"/console/tickets/{number}/transition", data={"to": "rejected", "note": "",
                                                                               "csrf": csrf_of(page)})
    assert response.status == 422 and "请在“说明”里写上理由" in await response.text()
    await settle(client.app)
    await asyncio.sleep(0.3)
    told = texts(gateway.to(PHONE)[before:])
    assert len(told) == 2 and "医疗救助材料已收到" in told[0] and "已受理" in told[1]

    response = await client.post(f"/console/tickets/{number}/reveal", data={"csrf": csrf_of(page)})
    assert "13812340080" in await response.text()
    ticket = await ticket_row(client.app, number)
    assert [(e.type, e.by) for e in ticket.events][-1] == ("contact_revealed", "longwu")
    assert "查看完整联系方式" in await (await client.get(f"/console/tickets/{number}")).text()


async def test_another_township_caseworker_gets_404_on_every_console_page(client: TestClient,
                                                                         gateway: FakeGateway) -> None:
    await standard_staff(client.app)
    number = await file_by_sms(client, gateway, PHONE, "求助 隆务镇 需要帮助")
    queue = await sign_in(client, "baoan")
    assert number not in queue
    csrf = csrf_of(queue)
    assert (await client.get(f"/console/tickets/{number}")).status == 404
    for action, form in (("reply", {"text": "x"}), ("transition", {"to": "accepted"}),
                         ("transfer", {"township": "保安镇"}), ("reveal", {})):
        response = await client.post(f"/console/tickets/{number}/{action}", data={**form, "csrf": csrf})
        assert response.status == 404, action
        assert "13812340080" not in await response.text()
    for export in ("/console/export.csv?status=all", "/console/export.xlsx?status=all"):
        assert number.encode() not in await (await client.get(export)).read()
    ticket = await ticket_row(client.app, number)
    assert (ticket.status, [e.type for e in ticket.events]) == ("pending", ["filed"])


async def test_a_supervisor_sees_every_township_of_their_county_and_no_other(client: TestClient,
                                                                            gateway: FakeGateway) -> None:
    await standard_staff(client.app)
    longwu = await file_by_sms(client, gateway, PHONE, "求助 隆务镇 一")
    baoan = await file_by_sms(client, gateway, "+8613812340083", "求助 保安镇 二")
    changtai = await file_by_sms(client, gateway, "+8613812340084", "求助 常太镇 三")
    html = await sign_in(client, "tongren")
    assert longwu in html and baoan in html and changtai not in html
    assert (await client.get(f"/console/tickets/{changtai}")).status == 404
    assert (await client.get(f"/console/tickets/{baoan}")).status == 200


async def test_the_queue_exports_to_csv_and_xlsx_with_contacts_masked(client: TestClient,
                                                                     gateway: FakeGateway) -> None:
    await standard_staff(client.app)
    number = await file_by_sms(client, gateway, PHONE, "求助 隆务镇 =1+1 家里困难")
    await sign_in(client, "longwu")
    response = await client.get("/console/export.csv")
    assert response.headers["Content-Disposition"].startswith("attachment")
    rows = list(csv.reader(io.StringIO((await response.read()).decode("utf-8-sig"))))
    assert rows[0][:3] == ["编号", "类型", "类别"]
    [row] = [r for r in rows[1:] if r[0] == number]
    assert "138****0080" in row and row[-1] == "'=1+1 家里困难"  # never run as a formula
    response = await client.get("/console/export.xlsx")
    sheet = load_workbook(io.BytesIO(await response.read())).active
    assert sheet is not None
    values = [[c.value for c in r] for r in sheet.iter_rows()]
    assert values[0][0] == "编号" and values[1][0] == number and "138****0080" in values[1]
