"""Console pages for closing the loop: the county's 督查 page and the check-in list.

- ``/console/stats?county=&month=``: the table of ``GET /api/v1/stats`` with two charts drawn on
  the server as inline SVG (no script, no CDN: the console's CSP loads nothing from elsewhere),
  and the same table as CSV or XLSX (``/console/stats.csv``, ``/console/stats.xlsx``).
- ``/console/checkins``: households enrolled for check-ins in the caller's area, who is due, every
  answer, two missed in a row flagged; a form to enrol a household and a button to remove one.
"""

from __future__ import annotations

import csv
import io
import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from aiohttp import web
from openpyxl import Workbook

from bot.console import HEADERS, not_found, read_form, render, safe_cell, signed_in
from bot.domain.tickets import ADMIN, ENROLLING_ROLES, STATS_ROLES
from bot.errors import ApiError
from bot.keys import CHECKINS, SERVICES, SESSIONS, WORKFLOW
from bot.loop_api import EnrolBody, checkin_json, enrol_request, stats_table
from bot.staff_access import Actor
from bot.storage.models import CheckIn

log = logging.getLogger(__name__)

# The table's columns as supervisors read them (Chinese), with the JSON field each shows.
STATS_COLUMNS = [
    ("township", "乡镇"), ("filed", "受理件数"), ("answered_in_time", "按时首次答复"),
    ("answered_in_time_percent", "按时答复率(%)"), ("median_first_answer_minutes", "首次答复中位用时(分钟)"),
    ("overdue", "超时"), ("escalated", "上报县级"), ("followup_answered", "回访答复"),
    ("followup_resolved", "回访已解决"), ("followup_resolved_percent", "回访解决率(%)"), ("reopened", "回访后重办"),
    ("satisfaction", "平均满意度(1-5)"), ("low_scores", "低分(1-2分)"), ("checkins_sent", "定期问候发出"),
    ("checkins_answered", "定期问候答复"),
]


def cell(value: Any) -> str:
    if value is None:
        return "—"
    return str(value)


@dataclass
class Bar:
    label: str
    value: float | None
    y: int
    width: float
    shown: str


def bar_chart(title: str, rows: list[dict[str, Any]], field: str, most: float, unit: str,
              chart_id: str) -> dict[str, Any]:
    """A horizontal bar chart as data for the template: one bar per township, scaled to ``most``."""
    bars = []
    for index, row in enumerate(rows):
        value = row.get(field)
        width = 0.0 if value is None or most <= 0 else max(0.0, min(1.0, float(value) / most)) * 260
        shown = "无数据" if value is None else f"{value:g}{unit}"
        bars.append(Bar(row["township"] or "县级待分派", value, 28 + index * 26, round(width, 1), shown))
    return {"id": chart_id, "title": title, "bars": bars, "height": 40 + 26 * len(bars)}


def charts(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        bar_chart("按时首次答复率（%）", rows, "answered_in_time_percent", 100.0, "%", "chart-in-time"),
        bar_chart("回访平均满意度（1-5分）", rows, "satisfaction", 5.0, "分", "chart-satisfaction"),
    ]


async def read_stats(request: web.Request, actor: Actor) -> dict[str, Any] | None:
    try:
        return await stats_table(request, actor)
    except ApiError as exc:
        if exc.status in (403, 404):
            return None
        raise


@signed_in
async def stats_page(request: web.Request, actor: Actor, csrf: str) -> web.StreamResponse:
    if actor.role not in STATS_ROLES:
        return not_found(request, actor, csrf)
    if not request.query.get("county") and actor.role == ADMIN:
        first = request.app[SERVICES].places.counties()[0]
        raise web.HTTPSeeOther(f"/console/stats?county={quote(first.name)}")
    try:
        table = await read_stats(request, actor)
    except ApiError as exc:
        return render(request, "console_error.html", status=400, actor=actor, csrf=csrf, message=exc.message)
    if table is None:
        return not_found(request, actor, csrf)
    places = request.app[SERVICES].places
    counties = ([c.name for c in places.counties()] if actor.role == "admin"
                else [places.get(actor.county_code).name] if actor.county_code else [])
    low = [row for row in table["townships"] if row["low_scores"]]
    return render(request, "console_stats.html", actor=actor, csrf=csrf, table=table, columns=STATS_COLUMNS, cell=cell,
                  charts=charts(table["townships"]), counties=counties, low=low)


def stats_rows(table: dict[str, Any]) -> list[list[Any]]:
    return [[safe_cell(cell(row.get(key))) if key == "township" else row.get(key) for key, _label in STATS_COLUMNS]
            for row in table["townships"]]


def export_name(table: dict[str, Any], extension: str) -> str:
    # The county's name is Chinese: RFC 5987 for it, an ASCII fallback for old clients.
    name = f"督查-{table['county']}-{table['month']}.{extension}"
    return f"attachment; filename=\"minsheng-stats-{table['month']}.{extension}\"; filename*=UTF-8''{quote(name)}"


@signed_in
async def stats_csv(request: web.Request, actor: Actor, csrf: str) -> web.StreamResponse:
    table = await read_stats(request, actor) if actor.role in STATS_ROLES else None
    if table is None:
        return not_found(request, actor, csrf)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([label for _key, label in STATS_COLUMNS])
    writer.writerows([["" if v is None else v for v in values] for values in stats_rows(table)])
    log.info("console.stats_export", extra={"staff": actor.id, "format": "csv"})
    return web.Response(body=("\ufeff" + buffer.getvalue()).encode("utf-8"), content_type="text/csv",
                        charset="utf-8", headers={**HEADERS, "Content-Disposition": export_name(table, "csv")})


@signed_in
async def stats_xlsx(request: web.Request, actor: Actor, csrf: str) -> web.StreamResponse:
    table = await read_stats(request, actor) if actor.role in STATS_ROLES else None
    if table is None:
        return not_found(request, actor, csrf)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = table["month"]
    sheet.append([label for _key, label in STATS_COLUMNS])
    for values in stats_rows(table):
        sheet.append(values)
    buffer = io.BytesIO()
    book.save(buffer)
    log.info("console.stats_export", extra={"staff": actor.id, "format": "xlsx"})
    return web.Response(body=buffer.getvalue(),
                        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        headers={**HEADERS, "Content-Disposition": export_name(table, "xlsx")})


# -- check-ins -------------------------------------------------------------------------------------------

async def checkins_render(request: web.Request, actor: Actor, csrf: str, status: int = 200, error: str = "",
                          notice: str = "") -> web.Response:
    service = request.app[CHECKINS]
    rows = await service.listing(actor)
    now = request.app[WORKFLOW].clock()
    places = request.app[SERVICES].places
    households = [checkin_json(row, service, places, now) for row in rows]
    townships = ([] if actor.township_code else
                 [t.name for t in places.townships(actor.county_code)] if actor.county_code else [])
    return render(request, "console_checkins.html", status=status, actor=actor, csrf=csrf, households=households,
                  townships=townships, error=error, notice=notice,
                  alerts=sum(1 for h in households if h["alert"]), due=sum(1 for h in households if h["due"]))


@signed_in
async def checkins_page(request: web.Request, actor: Actor, csrf: str) -> web.StreamResponse:
    if actor.role not in ENROLLING_ROLES:
        return not_found(request, actor, csrf)
    return await checkins_render(request, actor, csrf)


@signed_in
async def checkins_enrol(request: web.Request, actor: Actor, csrf: str) -> web.StreamResponse:
    if actor.role not in ENROLLING_ROLES:
        return not_found(request, actor, csrf)
    form = await read_form(request)
    body = EnrolBody(phone=form.get("phone", "")[:20] or None, township=form.get("township", "")[:40] or None,
                     consent_note=form.get("consent_note", "")[:500] or None)
    try:
        await enrol_request(request, actor, body)
    except ApiError as exc:
        return await checkins_render(request, actor, csrf, status=422, error=exc.message)
    return await checkins_render(request, actor, csrf, notice="已登记定期问候。")


@signed_in
async def checkins_remove(request: web.Request, actor: Actor, csrf: str) -> web.StreamResponse:
    if actor.role not in ENROLLING_ROLES:
        return not_found(request, actor, csrf)
    raw = request.match_info["id"]
    service = request.app[CHECKINS]
    checkin = await service.get(actor, int(raw)) if raw.isdigit() and len(raw) < 10 else None
    if checkin is None:
        return not_found(request, actor, csrf)
    async with request.app[SESSIONS]() as session, session.begin():
        row = await session.get(CheckIn, checkin.id)
        assert row is not None
        await service.remove(session, row, actor.name, request.app[WORKFLOW].clock())
    return await checkins_render(request, actor, csrf, notice="已取消该户的定期问候。")


def setup_supervision(app: web.Application) -> None:
    router = app.router
    router.add_get("/console/stats", stats_page)
    router.add_get("/console/stats.csv", stats_csv)
    router.add_get("/console/stats.xlsx", stats_xlsx)
    router.add_get("/console/checkins", checkins_page)
    router.add_post("/console/checkins", checkins_enrol)
    router.add_post(r"/console/checkins/{id}/remove", checkins_remove)
