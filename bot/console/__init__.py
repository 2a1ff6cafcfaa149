"""The staff web console at /console/: server-rendered pages (Jinja2), no build step, readable on a phone.

Sessions live in the shared state store behind an HttpOnly, SameSite=Strict cookie; every POST form
carries the session's CSRF token (the sign-in form a double-submit cookie). Failed sign-ins are
rate-limited per address and per account name. A ticket outside the caller's scope is the same 404
page as a ticket that does not exist.

Every word on the pages goes through the gettext catalog (Chinese message ids; English for a
browser that asks for it, or after 'English' in the header). A small script (console.js, served
from here, the only script the pages load) refreshes the queue's new-ticket count into the title
and counts SMS segments under a reply as it is typed; without it every page still works.
"""

from __future__ import annotations

import csv
import io
import logging
import secrets
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from importlib.resources import files
from typing import Any
from urllib.parse import urlencode

import jinja2
from aiohttp import web
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from bot.domain.messages import ucs2_len
from bot.domain.screening import record_rows
from bot.domain.tickets import (
    ADMIN,
    CASEWORKER,
    CHANNEL_LABELS,
    CHINA,
    CLOSED,
    DEADLINE_LABELS,
    HELP,
    KIND_LABELS,
    MONITORING,
    N_,
    STATUS_LABELS,
    SUPERVISOR,
    category_text,
    event_text,
    format_time,
    parse_status,
    status_text,
    time_left,
)
from bot.errors import clean_text
from bot.keys import SERVICES, SETTINGS, STAFF, STATE, WORKFLOW
from bot.services.canned import canned_replies
from bot.services.workflow import (
    STALE,
    UNASSIGNED,
    Queue,
    TicketNotFound,
    Workflow,
    WorkflowError,
    is_escalated,
    mask_contact,
)
from bot.staff_access import Actor, same_secret
from bot.storage.models import Ticket, TicketEvent

log = logging.getLogger(__name__)

SESSION_COOKIE = "minsheng_console"
LOGIN_COOKIE = "minsheng_login"
LANG_COOKIE = "minsheng_lang"
LOGIN_WINDOW = 300.0
# Failed sign-ins only: an office behind one address signs in as often as it likes with the right password.
LOGIN_FAILURES_PER_ADDRESS = 20
LOGIN_FAILURES_PER_NAME = 8
PER_PAGE = 50
EXPORT_LIMIT = 50_000
REVEAL_SHOWN_FOR = timedelta(minutes=15)
POLL_SECONDS = 30
NOTICES = {"replied": N_("回复已发送给居民。"), "moved": N_("状态已更新，居民会收到通知（退订者除外）。"),
           "transferred": N_("已转办。"), "signed_out": N_("已退出。"),
           "noted": N_("备注已保存，只有工作人员能看到，不会发给居民。"), "assigned": N_("指派已更新。")}
HEADERS = {"Cache-Control": "no-store", "X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff",
           "Referrer-Policy": "same-origin",
           "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; script-src 'self'; "
                                      "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
                                      "base-uri 'none'"}
SCRIPT = (files("bot") / "templates" / "console.js").read_text(encoding="utf-8")

_templates = jinja2.Environment(loader=jinja2.PackageLoader("bot", "templates"), autoescape=True,
                                undefined=jinja2.StrictUndefined, extensions=["jinja2.ext.i18n"])

View = Callable[[web.Request], Awaitable[web.StreamResponse]]


# -- the staff's language ---------------------------------------------------------------------------

def ui_locale(request: web.Request) -> str:
    """English when the staff member chose it (the header's link) or their browser asks for it first."""
    chosen = request.cookies.get(LANG_COOKIE, "")
    if chosen in ("en", "zh_Hans"):
        return chosen
    first = request.headers.get("Accept-Language", "").split(",")[0].strip().lower()
    return "en" if first.startswith("en") else "zh_Hans"


def translator(request: web.Request) -> Callable[[str], str]:
    locale = ui_locale(request)
    i18n = request.app[WORKFLOW].i18n

    def gettext(message: str) -> str:
        return i18n.gettext(message, locale=locale) if message else ""
    return gettext


def render(request: web.Request, template: str, status: int = 200, **context: Any) -> web.Response:
    _ = translator(request)
    locale = ui_locale(request)
    now = request.app[WORKFLOW].clock()
    context.setdefault("notice", "")
    html = _templates.get_template(template).render(
        _=_, gettext=_, ngettext=lambda s, p, n: _(s if n == 1 else p), lang="en" if locale == "en" else "zh-Hans",
        locale=locale, when=lambda moment: format_time(moment, locale, now) if moment else "",
        next_path=request.path_qs, telegram_on=telegram_on(request), **context)
    return web.Response(text=html, content_type="text/html", charset="utf-8", status=status, headers=HEADERS)


def not_found(request: web.Request, actor: Actor | None, csrf: str = "") -> web.Response:
    return render(request, "console_404.html", status=404, actor=actor, csrf=csrf)


def telegram_on(request: web.Request) -> bool:
    settings = request.app[SETTINGS]
    return bool(settings.telegram_token) and settings.telegram_mode != "off"


async def read_form(request: web.Request) -> dict[str, str]:
    """The posted form's text fields, cleaned as every text from outside is (``clean_text``): a NUL or
    another control character pasted into a reply or a note never reaches the database or a resident."""
    return {key: clean_text(value) for key, value in (await request.post()).items() if isinstance(value, str)}


async def current(request: web.Request) -> tuple[Actor, str] | None:
    return await request.app[STAFF].session(request.cookies.get(SESSION_COOKIE, ""))


def safe_next(path: str) -> str:
    """A console path to land on after signing in; anything else (another site, //host) is the queue."""
    if path.startswith("/console/") and not path.startswith("//") and "\\" not in path and "\n" not in path:
        return path
    return "/console/"


def signed_in(view: Callable[[web.Request, Actor, str], Awaitable[web.StreamResponse]]) -> View:
    """The view runs for a signed-in staff member; a POST also needs the session's CSRF token."""
    async def wrapper(request: web.Request) -> web.StreamResponse:
        found = await current(request)
        if found is None:
            if request.method == "GET":
                # The sign-in page brings them back here afterwards (a link from Telegram, a bookmark).
                raise web.HTTPSeeOther("/console/?" + urlencode({"next": request.path_qs}))
            return _login_page(request, N_("请先登录。"), 401)
        actor, csrf = found
        if request.method == "POST":
            form = await read_form(request)
            if not same_secret(form.get("csrf", ""), csrf):
                log.warning("console.csrf_refused", extra={"staff": actor.id, "path": request.path})
                return render(request, "console_error.html", status=403, actor=actor, csrf=csrf,
                              message=N_("表单已过期，请返回刷新页面后再提交。"))
        return await view(request, actor, csrf)
    return wrapper


def _login_page(request: web.Request, error: str = "", status: int = 200, name: str = "",
                next_to: str = "") -> web.Response:
    token = secrets.token_urlsafe(24)
    response = render(request, "console_login.html", status=status, error=error, csrf=token, name=name,
                      actor=None, next_to=safe_next(next_to or request.query.get("next", "")))
    response.set_cookie(LOGIN_COOKIE, token, httponly=True, samesite="Strict", path="/console/", max_age=3600,
                        secure=request.app[SETTINGS].console_secure_cookies)
    return response


# -- sign-in ------------------------------------------------------------------------------------------

async def index(request: web.Request) -> web.StreamResponse:
    found = await current(request)
    if found is None:
        return _login_page(request)
    if request.query.get("next"):
        raise web.HTTPSeeOther(safe_next(request.query["next"]))
    return await queue_page(request, *found)


async def login(request: web.Request) -> web.StreamResponse:
    form = await read_form(request)
    # The password as typed: it is only verified, never stored or shown.
    name, password = form.get("name", "").strip(), str((await request.post()).get("password", ""))
    next_to = safe_next(form.get("next", ""))
    state = request.app[STATE]
    if not same_secret(form.get("csrf", ""), request.cookies.get(LOGIN_COOKIE, "") or "\x00"):
        return _login_page(request, N_("表单已过期，请重新登录。"), 403, name, next_to)
    by_address, by_name = f"console-login:addr:{request.remote}", f"console-login:name:{name[:64]}"
    failures = (int(await state.get_json(by_address) or 0), int(await state.get_json(by_name) or 0))
    if failures[0] >= LOGIN_FAILURES_PER_ADDRESS or failures[1] >= LOGIN_FAILURES_PER_NAME:
        log.warning("console.login_rate_limited", extra={"remote": request.remote})
        return _login_page(request, N_("密码错误次数过多，请 5 分钟后再试。"), 429, name, next_to)
    actor = await request.app[STAFF].check_password(name, password) if name and password else None
    if actor is None:
        await state.hit(by_address, LOGIN_WINDOW)
        await state.hit(by_name, LOGIN_WINDOW)
        log.info("console.login_failed", extra={"remote": request.remote})
        return _login_page(request, N_("账号或密码不对。"), 401, name, next_to)
    session_id, _csrf = await request.app[STAFF].open_session(actor)
    log.info("console.login", extra={"staff": actor.id})
    response = web.HTTPSeeOther(next_to)
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


async def language(request: web.Request) -> web.StreamResponse:
    """The header's 中文 / English link: remembered in a cookie for a year (no account change)."""
    chosen = request.query.get("to", "")
    response = web.HTTPSeeOther(safe_next(request.query.get("next", "")))
    if chosen in ("en", "zh_Hans"):
        response.set_cookie(LANG_COOKIE, chosen, httponly=True, samesite="Lax", path="/console/",
                            max_age=365 * 86400, secure=request.app[SETTINGS].console_secure_cookies)
    raise response


async def script(_request: web.Request) -> web.StreamResponse:
    return web.Response(text=SCRIPT, content_type="text/javascript", charset="utf-8",
                        headers={**HEADERS, "Cache-Control": "max-age=300"})


# -- the queue ------------------------------------------------------------------------------------------

def township_choices(workflow: Workflow, actor: Actor) -> list[tuple[str, str]]:
    """(code, 县 + 乡镇) of the townships a supervisor or admin may narrow the queue to."""
    if actor.role == ADMIN:
        counties = workflow.places.counties()
    elif actor.role == SUPERVISOR and actor.county_code in workflow.places:
        counties = [workflow.places.get(actor.county_code)]  # type: ignore[arg-type]
    else:
        return []
    return [(t.code, f"{c.name}{t.name}") for c in counties for t in workflow.places.townships(c.code)]


def read_filters(request: web.Request, actor: Actor, per_page: int = PER_PAGE) -> tuple[Queue, dict[str, str]]:
    """Filters from the query string; an unknown value is ignored rather than refused (it is a link)."""
    query = request.query
    workflow = request.app[WORKFLOW]
    status = query.get("status", "open")
    if status not in ("open", "all"):
        status = parse_status(status) or "open"
    kind = query.get("kind") if query.get("kind") in (HELP, MONITORING) else None
    urgent = True if query.get("urgent") == "1" else None
    overdue = True if query.get("overdue") == "1" else None
    q = query.get("q", "").strip()[:100]
    township = query.get("township", "")
    if township not in dict(township_choices(workflow, actor)):
        township = ""
    assignee = query.get("assignee", "").strip()[:64]
    chosen_assignee = assignee
    if assignee == "me":
        assignee = actor.name
    try:
        page = max(1, min(int(query.get("page", "1")), 1_000_000))
    except ValueError:
        page = 1
    chosen = {"q": q, "status": status, "kind": kind or "", "township": township, "assignee": chosen_assignee,
              "urgent": "1" if urgent else "", "overdue": "1" if overdue else ""}
    return Queue(status=status, kind=kind, urgent=urgent, overdue=overdue, limit=per_page, q=q,
                 township=township or None, assignee=assignee or None, page=page), chosen


def link(chosen: dict[str, str], **changes: Any) -> str:
    values = {**chosen, **{k: str(v) for k, v in changes.items()}}
    return "/console/?" + urlencode({k: v for k, v in values.items() if v})


async def queue_page(request: web.Request, actor: Actor, csrf: str) -> web.StreamResponse:
    workflow = request.app[WORKFLOW]
    _ = translator(request)
    queue, chosen = read_filters(request, actor)
    found = await workflow.page(actor, queue)
    now = workflow.clock()
    escalated = await workflow.count_escalated(actor) if actor.role in (SUPERVISOR, ADMIN) else 0
    rows = [row(request, t, now) for t in found.tickets]
    pages = max(1, -(-found.total // queue.limit))
    export = urlencode({k: v for k, v in chosen.items() if v})
    county = workflow.county_name(actor.county_code)
    colleagues = await workflow.colleagues(actor)
    notice = _(NOTICES.get(request.query.get("done", ""), ""))
    skipped = [n for n in request.query.get("skipped", "").split(",") if n.isdigit()][:20]
    if request.query.get("done") == "bulk":
        notice = _("已处理 {n} 件。").format(n=int(request.query.get("ok", "0") or 0) if
                                              request.query.get("ok", "0").isdigit() else 0)
    return render(request, "console_queue.html", actor=actor, csrf=csrf, rows=rows, chosen=chosen, export=export,
                  escalated=escalated, notice=notice, skipped=skipped,
                  scope=scope_label(request, actor), total=found.total, counts=found.counts,
                  page=queue.page, pages=pages, link=lambda **c: link(chosen, **c),
                  status_labels=status_labels(county), townships=township_choices(workflow, actor),
                  colleagues=colleagues, since=now.isoformat(), poll_seconds=POLL_SECONDS,
                  targets=bulk_targets(workflow, actor))


def bulk_targets(workflow: Workflow, actor: Actor) -> list[tuple[str, str]]:
    """Where selected tickets may be transferred: the caller's county (an admin's: every county)."""
    counties = workflow.places.counties() if actor.role == ADMIN else \
        [workflow.places.get(actor.county_code)] if actor.county_code in workflow.places else []  # type: ignore[arg-type]
    out: list[tuple[str, str]] = []
    for county in counties:
        out.append((county.code, f"{county.name}（县级分派）"))
        out.extend((t.code, f"{county.name}{t.name}") for t in workflow.places.townships(county.code))
    return out


@signed_in
async def new_count(request: web.Request, actor: Actor, _csrf: str) -> web.StreamResponse:
    """How many tickets came into the caller's queue since the page was shown (the title's count)."""
    try:
        since = datetime.fromisoformat(request.query.get("since", ""))
    except ValueError:
        return web.json_response({"new": 0}, status=400, headers=HEADERS)
    if since.tzinfo is None:
        return web.json_response({"new": 0}, status=400, headers=HEADERS)
    return web.json_response({"new": await request.app[WORKFLOW].count_new(actor, since)}, headers=HEADERS)


def scope_label(request: web.Request, actor: Actor) -> str:
    workflow = request.app[WORKFLOW]
    places = workflow.places
    if actor.role == ADMIN:
        return N_("全部地区")
    if actor.role == SUPERVISOR:
        return workflow.county_name(actor.county_code) or N_("（未设置辖区）")
    code = actor.township_code
    if not code or code not in places:
        return N_("（未设置辖区）")
    return workflow.county_name(actor.county_code) + places.get(code).name


def status_labels(county: str) -> dict[str, str]:
    """Every status as this county-level place calls it (同仁市: 市级审定)."""
    return {status: status_text(status, county) for status in STATUS_LABELS}


def place_label(workflow: Workflow, ticket: Ticket) -> str:
    """县 + 乡镇 (平罗县城关镇, 广河县城关镇): townships of the same name are told apart everywhere."""
    county = workflow.county_name(ticket.county_code)
    if ticket.township_code and ticket.township_code in workflow.places:
        return county + workflow.places.get(ticket.township_code).name
    return county or ticket.county_code


def place_name(workflow: Workflow, code: str) -> str:
    """A region code as the county and township a caseworker knows it by (正安县流渡镇); the code if unknown."""
    if code not in workflow.places:
        return code
    place, county = workflow.places.get(code), workflow.places.county_of(code)
    return place.name if county is None or county.code == code else county.name + place.name


def row(request: web.Request, ticket: Ticket, now: datetime) -> dict[str, Any]:
    workflow = request.app[WORKFLOW]
    county = workflow.county_name(ticket.county_code)
    closed = ticket.status in CLOSED
    answer_left = time_left(ticket.due_at, now) if not closed and ticket.first_answered_at is None else None
    aid_left = time_left(ticket.aid_due_at, now) if not closed and ticket.aid_due_at else None
    return {"number": ticket.number, "kind": KIND_LABELS.get(ticket.kind, ticket.kind), "kind_value": ticket.kind,
            "category": category_text(ticket.kind, ticket.category),
            "place": place_label(workflow, ticket), "county": county,
            "township": workflow.places.get(ticket.township_code).name
            if ticket.township_code and ticket.township_code in workflow.places else "",
            "status": status_text(ticket.status, county), "status_value": ticket.status, "urgent": ticket.urgent,
            "created_at": ticket.created_at, "due_at": ticket.due_at, "aid_due_at": ticket.aid_due_at,
            "answer_left": answer_left, "aid_left": aid_left,
            "overdue": workflow.is_overdue(ticket, now), "escalated": is_escalated(ticket),
            "assignee": ticket.assignee or "",
            "channel": CHANNEL_LABELS.get(ticket.channel, ticket.channel),
            "contact": mask_contact(ticket.channel, ticket.contact), "text": ticket.text}


EXPORT_COLUMNS = [N_("编号"), N_("类型"), N_("类别"), N_("县（市、区）"), N_("乡镇"), N_("状态"), N_("急难"),
                  N_("提交时间"), DEADLINE_LABELS["first_answer"], DEADLINE_LABELS["urgent_aid"], N_("已超时"),
                  N_("已上报"), N_("经办人"), N_("渠道"), N_("联系人"), N_("内容")]
EXPORT_WIDTHS = [14, 10, 14, 12, 12, 10, 6, 18, 18, 18, 8, 8, 12, 10, 16, 60]
DATE_COLUMNS = (7, 8, 9)


def export_rows(request: web.Request, tickets: list[Ticket]) -> list[list[Any]]:
    """One row per ticket; the dates as China-time datetimes (the CSV writes them with the year)."""
    _ = translator(request)
    now = request.app[WORKFLOW].clock()
    yes = _("是")
    out: list[list[Any]] = []
    for ticket in tickets:
        r = row(request, ticket, now)

        def local(moment: datetime | None) -> datetime | None:
            return moment.astimezone(CHINA).replace(tzinfo=None, microsecond=0) if moment else None
        out.append([r["number"], _(r["kind"]), _(r["category"]), r["county"], r["township"], _(r["status"]),
                    yes if r["urgent"] else "", local(r["created_at"]), local(r["due_at"]), local(r["aid_due_at"]),
                    yes if r["overdue"] else "", yes if r["escalated"] else "", r["assignee"], _(r["channel"]),
                    r["contact"], r["text"]])
    return out


def safe_cell(text: str) -> str:
    """A CSV cell a spreadsheet shows as text, never runs as a formula (CSV injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


async def export_tickets(request: web.Request, actor: Actor) -> list[Ticket]:
    queue, _chosen = read_filters(request, actor, per_page=EXPORT_LIMIT)
    return (await request.app[WORKFLOW].page(actor, Queue(**{**queue.__dict__, "page": 1}))).tickets


@signed_in
async def export_csv(request: web.Request, actor: Actor, _csrf: str) -> web.StreamResponse:
    tickets = await export_tickets(request, actor)
    _ = translator(request)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([_(c) for c in EXPORT_COLUMNS])
    for values in export_rows(request, tickets):
        writer.writerow([v.strftime("%Y-%m-%d %H:%M") if isinstance(v, datetime) else
                         safe_cell(v) if isinstance(v, str) else "" if v is None else v for v in values])
    log.info("console.export", extra={"staff": actor.id, "format": "csv", "rows": len(tickets)})
    # A BOM so that Excel opens the Chinese text as UTF-8.
    return web.Response(body=("\ufeff" + buffer.getvalue()).encode("utf-8"), content_type="text/csv",
                        charset="utf-8", headers={**HEADERS, "Content-Disposition": export_name("csv")})


@signed_in
async def export_xlsx(request: web.Request, actor: Actor, _csrf: str) -> web.StreamResponse:
    tickets = await export_tickets(request, actor)
    _ = translator(request)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = _("队列")
    sheet.append([_(c) for c in EXPORT_COLUMNS])
    for number, values in enumerate(export_rows(request, tickets), start=2):
        for column, value in enumerate(values, start=1):
            cell = sheet.cell(row=number, column=column, value=value)
            if isinstance(value, str):
                # Text stays text (a resident's "=1+1" is not a formula), with no visible guard quote.
                cell.data_type = "s"
            elif isinstance(value, datetime):
                cell.number_format = "yyyy-mm-dd hh:mm"
    for column, width in enumerate(EXPORT_WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    log.info("console.export", extra={"staff": actor.id, "format": "xlsx", "rows": len(tickets)})
    return web.Response(body=buffer.getvalue(),
                        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        headers={**HEADERS, "Content-Disposition": export_name("xlsx")})


def export_name(extension: str) -> str:
    return f'attachment; filename="minsheng-queue-{datetime.now(CHINA):%Y%m%d-%H%M}.{extension}"'


# -- bulk actions -------------------------------------------------------------------------------------

@signed_in
async def bulk_view(request: web.Request, actor: Actor, csrf: str) -> web.StreamResponse:
    """Accept, assign or transfer the selected tickets; each is done on its own, the others still are."""
    workflow = request.app[WORKFLOW]
    post = await request.post()
    numbers = [clean_text(str(n)) for n in post.getall("n", [])][:200]
    form = await read_form(request)
    action = form.get("action", "")
    back = safe_next(form.get("back", "")) if form.get("back", "").startswith("/console/?") else "/console/"
    if not numbers or action not in ("accept", "assign", "transfer"):
        return render(request, "console_error.html", status=422, actor=actor, csrf=csrf,
                      message=N_("请先勾选要处理的办理，再选择要做的事。"))
    if action == "transfer" and not form.get("township"):
        return render(request, "console_error.html", status=422, actor=actor, csrf=csrf,
                      message=N_("请选择要转办到的乡镇或县。"))
    done, skipped = 0, []
    for number in numbers:
        try:
            if action == "accept":
                await workflow.transition(actor, number, "accepted")
            elif action == "assign":
                await workflow.assign(actor, number, form.get("staff") or None)
            else:
                await workflow.transition(actor, number, "transferred", form.get("note", ""), form.get("township"))
            done += 1
        except WorkflowError:
            skipped.append(number)
    log.info("console.bulk", extra={"staff": actor.id, "action": action, "done": done, "skipped": len(skipped)})
    separator = "&" if "?" in back else "?"
    raise web.HTTPSeeOther(back + separator + urlencode({"done": "bulk", "ok": done, "skipped": ",".join(skipped)}))


# -- one ticket ---------------------------------------------------------------------------------------

async def ticket_page(request: web.Request, actor: Actor, csrf: str, status: int = 200, error: str = "") -> \
        web.StreamResponse:
    workflow = request.app[WORKFLOW]
    try:
        ticket = await workflow.find(actor, request.match_info["number"])
    except TicketNotFound:
        return not_found(request, actor, csrf)
    now = workflow.clock()
    county = workflow.county_name(ticket.county_code)
    labels = status_labels(county)
    revealed = ticket.contact if request.query.get("contact") == "shown" and any(
        e.type == "contact_revealed" and e.by == actor.name and now - e.at <= REVEAL_SHOWN_FOR
        for e in ticket.events) else None
    canned = [] if ticket.status in CLOSED else canned_replies(request.app[SERVICES].kb.parameters, ticket)
    next_step = ""
    if ticket.kind == MONITORING and ticket.status == "township_review":
        next_step = status_text("county_review", county)
    return render(request, "console_ticket.html", status=status, actor=actor, csrf=csrf, error=error,
                  notice=NOTICES.get(request.query.get("done", ""), "") if not error else "",
                  t=row(request, ticket, now), ticket=ticket,
                  events=[(e, history_label(workflow, e)) for e in ticket.events], status_labels=labels,
                  revealed=revealed, closed=ticket.status in CLOSED, canned=canned, next_step=next_step,
                  county_staff=actor.role != CASEWORKER,
                  moves=[(s, labels[s]) for s in workflow.allowed_moves(actor, ticket)],
                  targets=workflow.transfer_targets(actor, ticket) if workflow.can_transfer(actor, ticket) else [],
                  assignable=await workflow.assignable(ticket),
                  screening=record_rows(ticket.screening, translator(request), lambda code: place_name(workflow, code)),
                  filed_for=ticket.filed_by_staff_id is not None, consent_note=ticket.consent_note,
                  followup=followup_text(ticket),
                  attachments=ticket.attachments or [], sms=ticket.channel == "sms", segments=segments,
                  seen=seen_mark(ticket))


def segments(text: str) -> int:
    """UCS-2 SMS segments a text takes: one up to 70 characters, else 67 each."""
    length = ucs2_len(text)
    return 1 if length <= 70 else -(-length // 67)


FOLLOWUP_LABELS = {"sent": N_("已发出，等待居民答复"), "skipped": N_("未回访（居民退订或无法联系）"),
                   "resolved": N_("居民说问题解决了"), "unresolved": N_("居民说问题没有解决，已重新办理")}


def followup_text(ticket: Ticket) -> tuple[str, int | None] | None:
    """The 回访's state as a label, and the resident's score (1–5) if they gave one; None before it."""
    if ticket.followup_state is None:
        return None
    return FOLLOWUP_LABELS.get(ticket.followup_state, ticket.followup_state), ticket.followup_score


def history_label(workflow: Workflow, event: TicketEvent) -> str:
    """An event's badge in the ticket's history; a transfer says where it went."""
    code = (event.data or {}).get("to_place") if event.type == "transferred" else None
    if not code or code not in workflow.places:
        return event_text(event.type)
    return event_text(event.type, place_name(workflow, code))


@signed_in
async def ticket_view(request: web.Request, actor: Actor, csrf: str) -> web.StreamResponse:
    return await ticket_page(request, actor, csrf)


async def _act(request: web.Request, actor: Actor, csrf: str,
               action: Callable[[dict[str, str]], Awaitable[Any]], done: str) -> web.StreamResponse:
    number = request.match_info["number"]
    form = await read_form(request)
    workflow = request.app[WORKFLOW]
    try:
        ticket = await workflow.find(actor, number)
        # The page the form came from showed the ticket in this state: if it has moved on since (a
        # colleague, another tab), nothing is done and the ticket is shown as it is now.
        if "seen" in form and form["seen"] != seen_mark(ticket):
            raise WorkflowError("conflict", "the ticket changed meanwhile; reload it", None, 409, zh=STALE)
        await action(form)
    except TicketNotFound:
        return not_found(request, actor, csrf)
    except WorkflowError as exc:
        return await ticket_page(request, actor, csrf, status=exc.status if exc.status < 500 else 422,
                                 error=exc.zh)
    try:
        await workflow.find(actor, number)
    except TicketNotFound:
        raise web.HTTPSeeOther(f"/console/?done={done}") from None  # transferred out of the caller's area
    raise web.HTTPSeeOther(f"/console/tickets/{number}?done={done}")


def seen_mark(ticket: Ticket) -> str:
    """What a form remembers of the ticket it was shown with: its status, place and assignee."""
    return f"{ticket.status}|{ticket.township_code or ticket.county_code}|{ticket.assignee or ''}"


@signed_in
async def reply_view(request: web.Request, actor: Actor, csrf: str) -> web.StreamResponse:
    workflow, number = request.app[WORKFLOW], request.match_info["number"]
    return await _act(request, actor, csrf, lambda form: workflow.reply(actor, number, form.get("text", "")),
                      "replied")


@signed_in
async def note_view(request: web.Request, actor: Actor, csrf: str) -> web.StreamResponse:
    workflow, number = request.app[WORKFLOW], request.match_info["number"]
    return await _act(request, actor, csrf, lambda form: workflow.note(actor, number, form.get("text", "")),
                      "noted")


@signed_in
async def assign_view(request: web.Request, actor: Actor, csrf: str) -> web.StreamResponse:
    workflow, number = request.app[WORKFLOW], request.match_info["number"]

    def assign(form: dict[str, str]) -> Awaitable[Any]:
        staff = actor.name if form.get("me") else form.get("staff", "")
        return workflow.assign(actor, number, None if staff == UNASSIGNED else staff or None)
    return await _act(request, actor, csrf, assign, "assigned")


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
    """Logs the reveal and redirects: the page then shows the number, and a reload logs nothing more."""
    workflow = request.app[WORKFLOW]
    number = request.match_info["number"]
    try:
        await workflow.reveal(actor, number)
    except TicketNotFound:
        return not_found(request, actor, csrf)
    raise web.HTTPSeeOther(f"/console/tickets/{number}?contact=shown")


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
    _ = translator(request)
    out: list[tuple[str, str]] = []
    for county in counties:
        out.append((county.code, _("{county}（县级：分派与超时上报）").format(county=county.name)))
        out.extend((t.code, f"{county.name}{t.name}") for t in places.townships(county.code))
    return out


@signed_in
async def telegram_view(request: web.Request, actor: Actor, csrf: str) -> web.StreamResponse:
    return render(request, "console_telegram.html", actor=actor, csrf=csrf, places=group_places(request, actor),
                  code=None, purpose=None, place=None, error="")


@signed_in
async def telegram_code(request: web.Request, actor: Actor, csrf: str) -> web.StreamResponse:
    form = await read_form(request)
    purpose = form.get("purpose", "")
    places = dict(group_places(request, actor))
    place = form.get("place", "") if purpose == "group" else None
    if purpose not in ("group", "user") or (purpose == "group" and place not in places):
        return render(request, "console_telegram.html", status=422, actor=actor, csrf=csrf,
                      places=list(places.items()), code=None, purpose=None, place=None,
                      error=N_("请选择要关联的乡镇或县。"))
    code = await request.app[STAFF].make_link_code(actor, purpose, place)
    log.info("console.link_code", extra={"staff": actor.id, "purpose": purpose, "place": place})
    return render(request, "console_telegram.html", actor=actor, csrf=csrf, places=list(places.items()), code=code,
                  purpose=purpose, place=places.get(place or ""), error="")


async def to_console(_request: web.Request) -> web.StreamResponse:
    raise web.HTTPPermanentRedirect("/console/")


def setup_console(app: web.Application) -> None:
    router = app.router
    router.add_get("/console", to_console)
    router.add_get("/console/", index)
    router.add_post("/console/login", login)
    router.add_post("/console/logout", logout)
    router.add_get("/console/lang", language)
    router.add_get("/console/console.js", script)
    router.add_get("/console/new.json", new_count)
    router.add_post("/console/bulk", bulk_view)
    router.add_get("/console/export.csv", export_csv)
    router.add_get("/console/export.xlsx", export_xlsx)
    router.add_get("/console/telegram", telegram_view)
    router.add_post("/console/telegram", telegram_code)
    router.add_get(r"/console/tickets/{number}", ticket_view)
    router.add_post(r"/console/tickets/{number}/reply", reply_view)
    router.add_post(r"/console/tickets/{number}/note", note_view)
    router.add_post(r"/console/tickets/{number}/assign", assign_view)
    router.add_post(r"/console/tickets/{number}/transition", transition_view)
    router.add_post(r"/console/tickets/{number}/transfer", transfer_view)
    router.add_post(r"/console/tickets/{number}/reveal", reveal_view)
