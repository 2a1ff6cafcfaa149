"""The county's 督查 page (SVG charts, CSV and XLSX of the same table) and the check-in page, over HTTP
and in headless Chromium."""

from __future__ import annotations

import csv
import io
import os
import re
from typing import Any

import pytest
from openpyxl import load_workbook

from bot.console.supervision import charts
from bot.keys import SERVICES, WORKFLOW
from bot.settings import Settings
from tests.fakes import FakeGateway
from tests.loop.support import Clock, two_apps
from tests.loop.test_checkins import send_round
from tests.loop.test_stats import OCTOBER, seed_october
from tests.tickets.support import PASSWORD, converse, settle, standard_staff
from tests.tickets.test_browser import ARGS, CHROMIUM
from tests.tickets.test_console import csrf_of, sign_in

QUERY = "county=同仁市&month=2026-10"
ENGLISH = {"Accept-Language": "en-GB,en;q=0.9,zh;q=0.5"}
HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]")  # Han and CJK punctuation


def chinese_left(app: Any, page: str, *entered: str) -> list[str]:
    """What Chinese is left in the page's <main> once place names and what staff typed are taken out."""
    main = page.split("<main>", 1)[1].split("</main>", 1)[0]
    places = app[SERVICES].places
    names = [c.name for c in places.counties()]
    names += [t.name for c in places.counties() for t in places.townships(c.code)]
    for name in sorted([*names, *entered], key=len, reverse=True):
        main = main.replace(name, "")
    return [line.strip() for line in main.splitlines() if HAN.search(line)]


async def seeded(aiohttp_client: Any, settings: Settings, gateway: FakeGateway) -> Any:
    clock = Clock(OCTOBER)
    client, _other = await two_apps(aiohttp_client, settings, clock)
    staff = await standard_staff(client.app)
    await seed_october(client, gateway, clock, staff)
    return client


async def test_the_stats_page_charts_and_exports_the_same_figures(
        aiohttp_client: Any, sms_settings: Settings, gateway: FakeGateway) -> None:
    client = await seeded(aiohttp_client, sms_settings, gateway)
    await sign_in(client, "tongren")
    page = await (await client.get(f"/console/stats?{QUERY}")).text()
    assert "督查：同仁市 2026-10" in page
    bar = re.search(r'data-township="隆务镇" data-value="([^"]*)"', page)
    assert bar and bar.group(1) == "50.0"
    assert re.search(r'data-township="保安镇" data-value="0.0"', page)
    svg = page.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert "<script" not in svg and "http" not in svg.replace("http://www.w3.org", "")  # drawn here, nothing fetched

    exported = (await (await client.get(f"/console/stats.csv?{QUERY}")).read()).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(exported)))
    assert rows[0][:4] == ["乡镇", "受理件数", "按时首次答复", "按时答复率(%)"]
    longwu = next(r for r in rows if r[0] == "隆务镇")
    assert longwu[1:7] == ["2", "1", "50.0", "480.0", "1", "1"]

    response = await client.get(f"/console/stats.xlsx?{QUERY}")
    assert response.status == 200
    sheet = load_workbook(io.BytesIO(await response.read())).active
    assert sheet is not None
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0][0] == "乡镇"
    assert next(r for r in values if r[0] == "隆务镇")[1:7] == [2, 1, 50.0, 480.0, 1, 1]


async def test_a_caseworker_has_no_stats_page_and_another_county_is_not_there(
        aiohttp_client: Any, sms_settings: Settings, gateway: FakeGateway) -> None:
    client = await seeded(aiohttp_client, sms_settings, gateway)
    await sign_in(client, "longwu")
    assert (await client.get(f"/console/stats?{QUERY}")).status == 404
    assert (await client.get(f"/console/stats.csv?{QUERY}")).status == 404
    client.session.cookie_jar.clear()
    await sign_in(client, "chengxiang")
    assert (await client.get(f"/console/stats?{QUERY}")).status == 404
    assert (await client.get("/console/stats?county=城厢区&month=2026-13")).status == 400


async def test_staff_enrol_and_remove_a_household_in_the_console(
        aiohttp_client: Any, sms_settings: Settings) -> None:
    client, _other = await two_apps(aiohttp_client, sms_settings, Clock())
    await standard_staff(client.app)
    page = await sign_in(client, "longwu")
    page = await (await client.get("/console/checkins")).text()
    response = await client.post("/console/checkins", data={"csrf": csrf_of(page), "phone": "13812340700",
                                                            "consent_note": "11月30日入户，本人同意"})
    page = await response.text()
    assert response.status == 200 and "已登记定期问候" in page and "138****0700" in page
    assert "13812340700" not in page
    response = await client.post("/console/checkins", data={"csrf": csrf_of(page), "phone": "12"})
    assert response.status == 422 and "phone" in await response.text()
    checkin_id = re.search(r"/console/checkins/(\d+)/remove", page)
    assert checkin_id
    page = await (await client.post(f"/console/checkins/{checkin_id.group(1)}/remove",
                                    data={"csrf": csrf_of(page)})).text()
    assert "已取消该户的定期问候" in page and "138****0700" not in page


async def test_an_english_speaking_supervisor_reads_the_stats_page_in_english(
        aiohttp_client: Any, sms_settings: Settings, gateway: FakeGateway) -> None:
    client = await seeded(aiohttp_client, sms_settings, gateway)
    await sign_in(client, "tongren")
    page = await (await client.get(f"/console/stats?{QUERY}", headers=ENGLISH)).text()
    assert chinese_left(client.app, page) == []
    assert "Supervision: 同仁市 2026-10" in page and "First answers in time (%)" in page
    assert ">Filed</th>" in page and "Median time to first answer (minutes)" in page
    assert 'role="img" aria-labelledby="chart-in-time-title"' in page and "<title>隆务镇: 50%</title>" in page
    assert re.search(r'data-township="隆务镇" data-value="50.0"', page)  # the data the browser test reads stays
    assert "受理件数" not in page and "督查：" not in page
    # The exports are the county's records: Chinese headers whatever the page's language.
    exported = (await (await client.get(f"/console/stats.csv?{QUERY}", headers=ENGLISH)).read()).decode("utf-8-sig")
    assert next(csv.reader(io.StringIO(exported)))[:2] == ["乡镇", "受理件数"]
    response = await client.get("/console/stats?county=同仁市&month=2026-13", headers=ENGLISH)
    assert response.status == 400 and "Enter the month as YYYY-MM" in await response.text()
    # The row of tickets the county has not yet given out, and the satisfaction chart, in English.
    i18n = client.app[WORKFLOW].i18n
    drawn = charts([{"township": None, "answered_in_time_percent": None, "satisfaction": 4.5}],
                   lambda message: i18n.gettext(message, locale="en"))
    bars = [(chart["title"], chart["bars"][0].township, chart["bars"][0].label, chart["bars"][0].shown)
            for chart in drawn]
    assert bars == [("First answers in time (%)", "县级待分派", "To be assigned by the county", "No data"),
                    ("Average follow-up satisfaction (1-5)", "县级待分派", "To be assigned by the county", "4.5")]


async def test_an_english_speaking_caseworker_enrols_a_household_in_english(
        aiohttp_client: Any, sms_settings: Settings, gateway: FakeGateway) -> None:
    clock = Clock()
    client, _other = await two_apps(aiohttp_client, sms_settings, clock)
    await standard_staff(client.app)
    await sign_in(client, "longwu")
    page = await (await client.get("/console/checkins", headers=ENGLISH)).text()
    assert chinese_left(client.app, page) == [] and "Enrol for check-ins" in page
    response = await client.post("/console/checkins", headers=ENGLISH, data={
        "csrf": csrf_of(page), "phone": "13812340700", "consent_note": "11月30日入户，本人同意"})
    page = await response.text()
    assert response.status == 200 and "The household is enrolled for check-ins." in page
    assert chinese_left(client.app, page) == [], page
    assert "Stop check-ins for 138****0700" in page and "Enrolled by staff (consent asked at home) (longwu)" in page
    response = await client.post("/console/checkins", headers=ENGLISH, data={"csrf": csrf_of(page), "phone": "12"})
    page = await response.text()
    assert response.status == 422 and "Enter a mainland mobile number (11 digits)." in page
    assert chinese_left(client.app, page) == []

    # One round answered by text, the next not: the answers and the due badge, in English.
    clock.move(days=93)
    assert await send_round(client) == 1
    await settle(client.app)
    await converse(client, gateway, "+8613812340700", "1")
    clock.move(days=93)
    assert await send_round(client) == 1
    page = await (await client.get("/console/checkins", headers=ENGLISH)).text()
    assert chinese_left(client.app, page) == [], page
    answers = re.search(r"Answers: (\d{4}-\d\d-\d\d) No; (\d{4}-\d\d-\d\d) No answer", page)
    assert answers and answers.group(1) < answers.group(2), page
    assert "Next check-in: " in page and "every 3 month(s)" in page
    # The Chinese page says the same in its own words, as before.
    page = await (await client.get("/console/checkins")).text()
    assert re.search(r"答复：\d{4}-\d\d-\d\d 没有；\d{4}-\d\d-\d\d 未答复", page)
    assert "每 3 个月 · 工作人员登记（入户征得同意）（longwu）" in page and "下次问候：" in page


@pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"no Chromium at {CHROMIUM}")
async def test_a_supervisor_reads_the_chart_in_a_browser(
        aiohttp_client: Any, sms_settings: Settings, gateway: FakeGateway) -> None:
    from playwright.async_api import async_playwright

    client = await seeded(aiohttp_client, sms_settings, gateway)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        context = await browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
        page = await context.new_page()
        await page.goto(str(client.make_url("/console/")))
        await page.get_by_label("工作人员账号").fill("tongren")
        await page.get_by_label("密码").fill(PASSWORD)
        await page.get_by_role("button", name="登录").click()
        await page.get_by_role("link", name="督查").click()
        await page.get_by_label("月份（YYYY-MM）").fill("2026-10")
        await page.get_by_role("button", name="查看").click()
        chart = page.get_by_role("img", name="按时首次答复率（%）")
        assert await chart.is_visible()
        label = await chart.locator("g.bar[data-township='隆务镇'] text").last.text_content()
        assert label == "50%"
        assert await chart.locator("g.bar[data-township='保安镇'] text").last.text_content() == "0%"
        width = await chart.locator("g.bar[data-township='隆务镇'] rect").get_attribute("width")
        assert width == "130.0"
        await context.close()
        await browser.close()
