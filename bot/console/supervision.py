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
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from aiohttp import web
from openpyxl import Workbook

from bot.console import HEADERS, not_found, read_form, render, safe_cell, signed_in, translator
from bot.domain.tickets import ADMIN, ENROLLING_ROLES, N_, STATS_ROLES
from bot.errors import ApiError
from bot.keys import CHECKINS, SERVICES, SESSIONS, WORKFLOW
from bot.loop_api import EnrolBody, checkin_json, enrol_request, stats_table
from bot.staff_access import Actor
from bot.storage.models import CheckIn

log = logging.getLogger(__name__)

# The table's columns as supervisors read them, with the JSON field each shows. The page translates a
# label where it shows it (the staff member's language); the CSV and XLSX exports keep these Chinese
# headers whatever the language, because they are the county's official 督查 records.
STATS_COLUMNS = [
    ("township", N_("乡镇")), ("filed", N_("受理件数")), ("answered_in_time", N_("按时首次答复")),
    ("answered_in_time_percent", N_("按时答复率(%)")), ("median_first_answer_minutes", N_("首次答复中位用时(分钟)")),
    ("overdue", N_("超时")), ("escalated", N_("上报县级")), ("followup_answered", N_("回访答复")),
    ("followup_resolved", N_("回访已解决")), ("followup_resolved_percent", N_("回访解决率(%)")),
    ("reopened", N_("回访后重办")), ("satisfaction", N_("平均满意度(1-5)")), ("low_scores", N_("低分(1-2分)")),
    ("checkins_sent", N_("定期问候发出")), ("checkins_answered", N_("定期问候答复")),
]
# The row of tickets not yet given to a township; also the bar's data-township, which stays this word.
UNASSIGNED = N_("县级待分派")
# What the check-in form shows when the API refuses an enrolment, by the field it names.
ENROL_ERRORS = {
    "phone": N_("请填写大陆手机号码（11位）。"),
    "township": N_("请选择您辖区内的乡镇。"),
    "consent_note": N_("请填写同意情况：何时、如何征得本人同意。"),
}


def cell(value: Any) -> str:
    if value is None:
        return "—"
    return str(value)


@dataclass
class Bar:
    township: str  # the township's name, or UNASSIGNED (untranslated: it is the bar's data-township)
    label: str  # as the staff member reads it
    value: float | None
    y: int
    width: float
    shown: str


def bar_chart(title: str, rows: list[dict[str, Any]], field: str, most: float, unit: str,
              chart_id: str, _: Callable[[str], str]) -> dict[str, Any]:
    """A horizontal bar chart as data for the template: one bar per township, scaled to ``most``.

    ``unit`` is a format string with ``{value}``; ``title`` and ``unit`` are translated with ``_``.
    """
    bars = []
    for index, row in enumerate(rows):
        value = row.get(field)
        width = 0.0 if value is None or most <= 0 else max(0.0, min(1.0, float(value) / most)) * 260
        shown = _("无数据") if value is None else _(unit).format(value=f"{value:g}")
        township = row["township"] or UNASSIGNED
        bars.append(Bar(township, row["township"] or _(UNASSIGNED), value, 28 + index * 26, round(width, 1), shown))
    return {"id": chart_id, "title": _(title), "bars": bars, "height": 40 + 26 * len(bars)}


def charts(rows: list[dict[str, Any]], _: Callable[[str], str]) -> list[dict[str, Any]]:
    return [
        bar_chart(N_("按时首次答复率（%）"), rows, "answered_in_time_percent", 100.0, N_("{value}%"),
                  "chart-in-time", _),
        bar_chart(N_("回访平均满意度（1-5分）"), rows, "satisfaction", 5.0, N_("{value}分"), "chart-satisfaction", _),
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
        # The API's own message is for programs (English); the page says what to fix in the staff's words.
        message = N_("月份请按 YYYY-MM 填写，例如 2026-10。") if exc.field == "month" else N_("请选择县（市、区）。")
        return render(request, "console_error.html", status=400, actor=actor, csrf=csrf, message=message)
    if table is None:
        return not_found(request, actor, csrf)
    places = request.app[SERVICES].places
    counties = ([c.name for c in places.counties()] if actor.role == "admin"
                else [places.get(actor.county_code).name] if actor.county_code else [])
    _ = translator(request)
    # A list of places and counts, not a sentence: joined with the language's separator.
    low = _("；").join(_("{township} {n} 件").format(township=row["township"] or _(UNASSIGNED), n=row["low_scores"])
                      for row in table["townships"] if row["low_scores"])
    return render(request, "console_stats.html", actor=actor, csrf=csrf, table=table, columns=STATS_COLUMNS, cell=cell,
                  charts=charts(table["townships"], _), counties=counties, low=low,
                  unassigned=UNASSIGNED)


def stats_rows(table: dict[str, Any]) -> list[list[Any]]:
    return [[safe_cell(cell(row.get(key))) if key == "township" else row.get(key) for key, _label in STATS_COLUMNS]
            for row in table["townships"]]


# The exports keep STATS_COLUMNS' Chinese labels (no translation), whatever language the page is in:
# they are the county's official records.
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
    _ = translator(request)
    answers = {h["id"]: _("；").join(_("{date} {answer}").format(
                   date=r["sent_at"][:10], answer=_(r["answer_label"]) if r["answer_label"] else _("未答复"))
               for r in h["rounds"]) for h in households}
    townships = ([] if actor.township_code else
                 [t.name for t in places.townships(actor.county_code)] if actor.county_code else [])
    return render(request, "console_checkins.html", status=status, actor=actor, csrf=csrf, households=households,
                  townships=townships, error=error, notice=notice, answers=answers,
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
        error = ENROL_ERRORS.get(exc.field or "", N_("没有登记成功，请检查填写的内容。"))
        return await checkins_render(request, actor, csrf, status=422, error=error)
    return await checkins_render(request, actor, csrf, notice=N_("已登记定期问候。"))


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
    return await checkins_render(request, actor, csrf, notice=N_("已取消该户的定期问候。"))


def setup_supervision(app: web.Application) -> None:
    router = app.router
    router.add_get("/console/stats", stats_page)
    router.add_get("/console/stats.csv", stats_csv)
    router.add_get("/console/stats.xlsx", stats_xlsx)
    router.add_get("/console/checkins", checkins_page)
    router.add_post("/console/checkins", checkins_enrol)
    router.add_post(r"/console/checkins/{id}/remove", checkins_remove)
