"""The staff web console at /console/: server-rendered pages (Jinja2), no build step, readable on a phone.

Sessions live in the shared state store behind an HttpOnly, SameSite=Strict cookie; every POST form
carries the session's CSRF token (the sign-in form a double-submit cookie). Sign-in attempts are
rate-limited per address and per account name. A ticket outside the caller's scope is the same
404 page as a ticket that does not exist.
"""

from __future__ import annotations

import csv
import io
import logging
import secrets
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import jinja2
from aiohttp import web
from openpyxl import Workbook

from bot.domain.tickets import (
    ADMIN,
    CHANNEL_LABELS,
    CHINA,
    CLOSED,
    DEADLINE_LABELS,
    HELP,
    KIND_LABELS,
    MONITORING,
    STATUS_LABELS,
    SUPERVISOR,
    category_text,
    event_text,
    format_time,
    parse_status,
    status_text,
)
from bot.errors import clean_text
from bot.keys import SETTINGS, STAFF, STATE, WORKFLOW
from bot.services.workflow import Queue, TicketNotFound, Workflow, WorkflowError, mask_contact
from bot.staff_access import Actor, same_secret
from bot.storage.models import Ticket, TicketEvent

log = logging.getLogger(__name__)

SESSION_COOKIE = "minsheng_console"
LOGIN_COOKIE = "minsheng_login"
LOGIN_WINDOW = 300.0
LOGIN_LIMIT_PER_ADDRESS = 20
LOGIN_LIMIT_PER_NAME = 8
NOTICES = {"replied": "回复已发送给居民。", "moved": "状态已更新，居民会收到通知（退订者除外）。",
           "transferred": "已转办。", "signed_out": "已退出。"}
HEADERS = {"Cache-Control": "no-store", "X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff",
           "Referrer-Policy": "same-origin",
           "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
                                      "frame-ancestors 'none'; base-uri 'none'"}

_templates = jinja2.Environment(loader=jinja2.PackageLoader("bot", "templates"), autoescape=True,
                                undefined=jinja2.StrictUndefined)
_templates.globals.update(status_labels=STATUS_LABELS, channel_labels=CHANNEL_LABELS)
_templates.filters["when"] = lambda moment: format_time(moment, "zh_Hans") if moment else ""

View = Callable[[web.Request], Awaitable[web.StreamResponse]]


def render(template: str, status: int = 200, **context: Any) -> web.Response:
    html = _templates.get_template(template).render(**context)
    return web.Response(text=html, content_type="text/html", charset="utf-8", status=status, headers=HEADERS)


def not_found(actor: Actor | None, csrf: str = "") -> web.Response:
    return render("console_404.html", status=404, actor=actor, csrf=csrf)


async def read_form(request: web.Request) -> dict[str, str]:
    """The posted form's text fields, cleaned as every text from outside is (``clean_text``): a NUL or
    another control character pasted into a reply or a note never reaches the database or a resident."""
    return {key: clean_text(value) for key, value in (await request.post()).items() if isinstance(value, str)}


async def current(request: web.Request) -> tuple[Actor, str] | None:
    return await request.app[STAFF].session(request.cookies.get(SESSION_COOKIE, ""))


def signed_in(view: Callable[[web.Request, Actor, str], Awaitable[web.StreamResponse]]) -> View:
    """The view runs for a signed-in staff member; a POST also needs the session's CSRF token."""
    async def wrapper(request: web.Request) -> web.StreamResponse:
        found = await current(request)
        if found is None:
            if request.method == "GET":
                raise web.HTTPSeeOther("/console/")
            return render("console_login.html", status=401, error="请先登录。", csrf=_login_token(), actor=None)
        actor, csrf = found
        if request.method == "POST":
            form = await read_form(request)
            if not same_secret(form.get("csrf", ""), csrf):
                log.warning("console.csrf_refused", extra={"staff": actor.id, "path": request.path})
                return render("console_error.html", status=403, actor=actor, csrf=csrf,
                              message="表单已过期，请返回刷新页面后再提交。")
        return await view(request, actor, csrf)
    return wrapper


def _login_token() -> str:
    return secrets.token_urlsafe(24)


def _login_page(error: str = "", status: int = 200, name: str = "") -> web.Response:
    token = _login_token()
    response = render("console_login.html", status=status, error=error, csrf=token, name=name, actor=None)
    response.set_cookie(LOGIN_COOKIE, token, httponly=True, samesite="Strict", path="/console/", max_age=3600)
    return response


# -- sign-in ------------------------------------------------------------------------------------------

async def index(request: web.Request) -> web.StreamResponse:
    found = await current(request)
    if found is None:
        return _login_page()
    return await queue_page(request, *found)


async def login(request: web.Request) -> web.StreamResponse:
    form = await read_form(request)
    # The password as typed: it is only verified, never stored or shown.
    name, password = form.get("name", "").strip(), str((await request.post()).get("password", ""))
    state = request.app[STATE]
    if not same_secret(form.get("csrf", ""), request.cookies.get(LOGIN_COOKIE, "") or "\x00"):
        return _login_page("表单已过期，请重新登录。", 403, name)
    by_address = await state.hit(f"console-login:addr:{request.remote}", LOGIN_WINDOW)
    by_name = await state.hit(f"console-login:name:{name[:64]}", LOGIN_WINDOW)
    if by_address > LOGIN_LIMIT_PER_ADDRESS or by_name > LOGIN_LIMIT_PER_NAME:
        log.warning("console.login_rate_limited", extra={"remote": request.remote})
        return _login_page("登录尝试过多，请 5 分钟后再试。", 429, name)
    actor = await request.app[STAFF].check_password(name, password) if name and password else None
    if actor is None:
        log.info("console.login_failed", extra={"remote": request.remote})
        return _login_page("账号或密码不对。", 401, name)
    session_id, _csrf = await request.app[STAFF].open_session(actor)
    log.info("console.login", extra={"staff": actor.id})
    response = web.HTTPSeeOther("/console/")
    response.set_cookie(SESSION_COOKIE, session_id, httponly=True, samesite="Strict", path="/console/",
                        secure=request.app[SETTINGS].console_secure_cookies, max_age=12 * 3600)
    response.del_cookie(LOGIN_COOKIE, path="/console/")
    raise response


@signed_in
async def logout(request: web.Request, actor: Actor, _csrf: str) -> web.StreamResponse:
    await request.app[STAFF].close_session(request.cookies.get(SESSION_COOKIE, ""))
    log.info("console.logout", extra={"staff": actor.id})
    response = web.HTTPSeeOther("/console/")
    response.del_cookie(SESSION_COOKIE, path="/console/")
    raise response


# -- the queue ------------------------------------------------------------------------------------------

def read_filters(request: web.Request) -> tuple[Queue, dict[str, str]]:
    """Filters from the query string; an unknown value is ignored rather than refused (it is a link)."""
    query = request.query
    status = query.get("status", "open")
    if status not in ("open", "all"):
        status = parse_status(status) or "open"
    kind = query.get("kind") if query.get("kind") in (HELP, MONITORING) else None
    urgent = True if query.get("urgent") == "1" else None
    overdue = True if query.get("overdue") == "1" else None
    chosen = {"status": status, "kind": kind or "", "urgent": "1" if urgent else "", "overdue": "1" if overdue else ""}
    return Queue(status=status, kind=kind, urgent=urgent, overdue=overdue, limit=1000), chosen


async def queue_page(request: web.Request, actor: Actor, csrf: str) -> web.StreamResponse:
    workflow = request.app[WORKFLOW]
    queue, chosen = read_filters(request)
    tickets = await workflow.queue(actor, queue)
    now = workflow.clock()
    escalated = await workflow.count_escalated(actor) if actor.role in (SUPERVISOR, ADMIN) else 0
    rows = [row(t, workflow.place_name(t), workflow.is_overdue(t, now), workflow.county_name(t.county_code))
            for t in tickets]
    export = urlencode({k: v for k, v in chosen.items() if v})
    return render("console_queue.html", actor=actor, csrf=csrf, rows=rows, chosen=chosen, export=export,
                  escalated=escalated, notice=NOTICES.get(request.query.get("done", ""), ""),
                  scope=scope_label(request, actor),
                  status_labels=status_labels(workflow.county_name(actor.county_code)))


def scope_label(request: web.Request, actor: Actor) -> str:
    places = request.app[WORKFLOW].places
    if actor.role == ADMIN:
        return "全部地区"
    code = actor.township_code if actor.role != SUPERVISOR else actor.county_code
    return places.get(code).name if code and code in places else "（未设置辖区）"


def status_labels(county: str) -> dict[str, str]:
    """Every status as this county-level place calls it (同仁市: 市级审定)."""
    return {status: status_text(status, county) for status in STATUS_LABELS}


def row(ticket: Ticket, place: str, overdue: bool, county: str) -> dict[str, Any]:
    return {"number": ticket.number, "kind": KIND_LABELS.get(ticket.kind, ticket.kind),
            "category": category_text(ticket.kind, ticket.category),
            "place": place, "status": status_text(ticket.status, county), "urgent": ticket.urgent,
            "created_at": ticket.created_at, "due_at": ticket.due_at, "aid_due_at": ticket.aid_due_at,
            "overdue": overdue, "escalated": ticket.escalated_at is not None and ticket.first_answered_at is None,
            "channel": CHANNEL_LABELS.get(ticket.channel, ticket.channel),
            "contact": mask_contact(ticket.channel, ticket.contact), "text": ticket.text}


EXPORT_COLUMNS = ["编号", "类型", "类别", "地点", "状态", "急难", "提交时间", DEADLINE_LABELS["first_answer"],
                  DEADLINE_LABELS["urgent_aid"], "已超时", "渠道", "联系人", "内容"]


def export_rows(request: web.Request, tickets: list[Ticket]) -> list[list[str]]:
    workflow = request.app[WORKFLOW]
    now = workflow.clock()
    out = []
    for ticket in tickets:
        r = row(ticket, workflow.place_name(ticket), workflow.is_overdue(ticket, now),
                workflow.county_name(ticket.county_code))
        out.append([r["number"], r["kind"], r["category"], r["place"], r["status"], "是" if r["urgent"] else "",
                    format_time(r["created_at"], "zh_Hans"), format_time(r["due_at"], "zh_Hans"),
                    format_time(r["aid_due_at"], "zh_Hans") if r["aid_due_at"] else "",
                    "是" if r["overdue"] else "", r["channel"], r["contact"], safe_cell(r["text"])])
    return out


def safe_cell(text: str) -> str:
    """A cell a spreadsheet shows as text, never runs as a formula (CSV injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@signed_in
async def export_csv(request: web.Request, actor: Actor, _csrf: str) -> web.StreamResponse:
    queue, _chosen = read_filters(request)
    tickets = await request.app[WORKFLOW].queue(actor, Queue(**{**queue.__dict__, "limit": 20000}))
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(EXPORT_COLUMNS)
    writer.writerows(export_rows(request, tickets))
    log.info("console.export", extra={"staff": actor.id, "format": "csv", "rows": len(tickets)})
    # A BOM so that Excel opens the Chinese text as UTF-8.
    return web.Response(body=("\ufeff" + buffer.getvalue()).encode("utf-8"), content_type="text/csv",
                        charset="utf-8", headers={**HEADERS, "Content-Disposition": export_name("csv")})


@signed_in
async def export_xlsx(request: web.Request, actor: Actor, _csrf: str) -> web.StreamResponse:
    queue, _chosen = read_filters(request)
    tickets = await request.app[WORKFLOW].queue(actor, Queue(**{**queue.__dict__, "limit": 20000}))
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "队列"
    sheet.append(EXPORT_COLUMNS)
    for values in export_rows(request, tickets):
        sheet.append(values)
    buffer = io.BytesIO()
    book.save(buffer)
    log.info("console.export", extra={"staff": actor.id, "format": "xlsx", "rows": len(tickets)})
    return web.Response(body=buffer.getvalue(),
                        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        headers={**HEADERS, "Content-Disposition": export_name("xlsx")})


def export_name(extension: str) -> str:
    return f'attachment; filename="minsheng-queue-{datetime.now(CHINA):%Y%m%d-%H%M}.{extension}"'


# -- one ticket ---------------------------------------------------------------------------------------

async def ticket_page(request: web.Request, actor: Actor, csrf: str, status: int = 200, error: str = "",
                      revealed: str | None = None) -> web.StreamResponse:
    workflow = request.app[WORKFLOW]
    try:
        ticket = await workflow.find(actor, request.match_info["number"])
    except TicketNotFound:
        return not_found(actor, csrf)
    now = workflow.clock()
    county = workflow.county_name(ticket.county_code)
    labels = status_labels(county)
    return render("console_ticket.html", status=status, actor=actor, csrf=csrf, error=error,
                  notice=NOTICES.get(request.query.get("done", ""), "") if not error else "",
                  t=row(ticket, workflow.place_name(ticket), workflow.is_overdue(ticket, now), county),
                  events=[(e, history_label(workflow, e)) for e in ticket.events], status_labels=labels,
                  revealed=revealed, closed=ticket.status in CLOSED,
                  moves=[(s, labels[s]) for s in workflow.allowed_moves(actor, ticket)],
                  targets=workflow.transfer_targets(actor, ticket) if workflow.can_transfer(actor, ticket) else [],
                  attachments=ticket.attachments or [])


def history_label(workflow: Workflow, event: TicketEvent) -> str:
    """An event's badge in the ticket's history; a transfer says where it went."""
    code = (event.data or {}).get("to_place") if event.type == "transferred" else None
    if not code or code not in workflow.places:
        return event_text(event.type)
    place, county = workflow.places.get(code), workflow.places.county_of(code)
    return event_text(event.type, place.name if county is None or county.code == code else county.name + place.name)


@signed_in
async def ticket_view(request: web.Request, actor: Actor, csrf: str) -> web.StreamResponse:
    return await ticket_page(request, actor, csrf)


async def _act(request: web.Request, actor: Actor, csrf: str,
               action: Callable[[dict[str, str]], Awaitable[Any]], done: str) -> web.StreamResponse:
    number = request.match_info["number"]
    form = await read_form(request)
    try:
        await action(form)
    except TicketNotFound:
        return not_found(actor, csrf)
    except WorkflowError as exc:
        return await ticket_page(request, actor, csrf, status=exc.status if exc.status < 500 else 422,
                                 error=exc.message)
    try:
        await request.app[WORKFLOW].find(actor, number)
    except TicketNotFound:
        raise web.HTTPSeeOther(f"/console/?done={done}") from None  # transferred out of the caller's area
    raise web.HTTPSeeOther(f"/console/tickets/{number}?done={done}")


@signed_in
async def reply_view(request: web.Request, actor: Actor, csrf: str) -> web.StreamResponse:
    workflow, number = request.app[WORKFLOW], request.match_info["number"]
    return await _act(request, actor, csrf, lambda form: workflow.reply(actor, number, form.get("text", "")),
                      "replied")


@signed_in
async def transition_view(request: web.Request, actor: Actor, csrf: str) -> web.StreamResponse:
    workflow, number = request.app[WORKFLOW], request.match_info["number"]
    return await _act(request, actor, csrf,
                      lambda form: workflow.transition(actor, number, form.get("to", ""), form.get("note", "")),
                      "moved")


@signed_in
async def transfer_view(request: web.Request, actor: Actor, csrf: str) -> web.StreamResponse:
    workflow, number = request.app[WORKFLOW], request.match_info["number"]
    return await _act(request, actor, csrf,
                      lambda form: workflow.transition(actor, number, "transferred", form.get("note", ""),
                                                       form.get("township", "")),
                      "transferred")


@signed_in
async def reveal_view(request: web.Request, actor: Actor, csrf: str) -> web.StreamResponse:
    workflow = request.app[WORKFLOW]
    try:
        contact = await workflow.reveal(actor, request.match_info["number"])
    except TicketNotFound:
        return not_found(actor, csrf)
    return await ticket_page(request, actor, csrf, revealed=contact)


# -- Telegram linking ---------------------------------------------------------------------------------

def group_places(request: web.Request, actor: Actor) -> list[tuple[str, str]]:
    """Places whose staff group this person may link: an admin any, a supervisor their county's."""
    places = request.app[WORKFLOW].places
    if actor.role == ADMIN:
        counties = places.counties()
    elif actor.role == SUPERVISOR and actor.county_code in places:
        counties = [places.get(actor.county_code)]  # type: ignore[arg-type]
    else:
        return []
    out: list[tuple[str, str]] = []
    for county in counties:
        out.append((county.code, f"{county.name}（县级：分派与超时上报）"))
        out.extend((t.code, f"{county.name}{t.name}") for t in places.townships(county.code))
    return out


@signed_in
async def telegram_view(request: web.Request, actor: Actor, csrf: str) -> web.StreamResponse:
    return render("console_telegram.html", actor=actor, csrf=csrf, places=group_places(request, actor),
                  code=None, purpose=None, place=None, error="")


@signed_in
async def telegram_code(request: web.Request, actor: Actor, csrf: str) -> web.StreamResponse:
    form = await read_form(request)
    purpose = form.get("purpose", "")
    places = dict(group_places(request, actor))
    place = form.get("place", "") if purpose == "group" else None
    if purpose not in ("group", "user") or (purpose == "group" and place not in places):
        return render("console_telegram.html", status=422, actor=actor, csrf=csrf, places=list(places.items()),
                      code=None, purpose=None, place=None, error="请选择要关联的乡镇或县。")
    code = await request.app[STAFF].make_link_code(actor, purpose, place)
    log.info("console.link_code", extra={"staff": actor.id, "purpose": purpose, "place": place})
    return render("console_telegram.html", actor=actor, csrf=csrf, places=list(places.items()), code=code,
                  purpose=purpose, place=places.get(place or ""), error="")


async def to_console(_request: web.Request) -> web.StreamResponse:
    raise web.HTTPPermanentRedirect("/console/")


def setup_console(app: web.Application) -> None:
    router = app.router
    router.add_get("/console", to_console)
    router.add_get("/console/", index)
    router.add_post("/console/login", login)
    router.add_post("/console/logout", logout)
    router.add_get("/console/export.csv", export_csv)
    router.add_get("/console/export.xlsx", export_xlsx)
    router.add_get("/console/telegram", telegram_view)
    router.add_post("/console/telegram", telegram_code)
    router.add_get(r"/console/tickets/{number}", ticket_view)
    router.add_post(r"/console/tickets/{number}/reply", reply_view)
    router.add_post(r"/console/tickets/{number}/transition", transition_view)
    router.add_post(r"/console/tickets/{number}/transfer", transfer_view)
    router.add_post(r"/console/tickets/{number}/reveal", reveal_view)
