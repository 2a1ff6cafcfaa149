"""Staff API for closing the loop: 督查 stats, check-in enrolment, and filing on a resident's behalf.

- ``GET /api/v1/stats?county=NAME&month=YYYY-MM`` (spec/interfaces.md v1.1): a supervisor of that
  county or an admin. A supervisor of another county gets 404 (not theirs, so not there); a role
  that reads no 督查 figures (caseworker, cadre) gets 403.
- ``GET /api/v1/checkins[?due=1][&removed=1]``, ``POST /api/v1/checkins``, ``DELETE /api/v1/checkins/{id}``:
  households enrolled for check-ins in the caller's area, every round and answer.
- ``POST /api/v1/filings`` (cadre): a help request or 监测 application for a resident, in the
  cadre's township, with the resident's phone if there is one and a note of their consent.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Literal

from aiohttp import web
from pydantic import BaseModel, Field

from bot.domain.i18n import gettext as _
from bot.domain.tickets import (
    ADMIN,
    CATEGORIES,
    CHINA,
    ENROLLING_ROLES,
    FILING_ROLES,
    HELP,
    STATS_ROLES,
    SUPERVISOR,
    format_time,
)
from bot.errors import ApiError, parse, read_json
from bot.keys import CHECKINS, SERVICES, SESSIONS, STATS, WORKFLOW
from bot.logs import mask_phone
from bot.services.checkins import ANSWERS, CONSENTS, CheckIns, unanswered_in_a_row
from bot.services.outbox import enqueue
from bot.services.stats import StatsError
from bot.services.tickets import Filing
from bot.services.workflow import WorkflowError, ticket_json
from bot.staff_access import Actor
from bot.staff_api import OPENAPI, require_staff
from bot.storage.models import CheckIn

routes = web.RouteTableDef()

MAINLAND_MOBILE = re.compile(r"^(?:\+?86)?(1\d{10})$")


def county_for_stats(request: web.Request, actor: Actor, name: str) -> tuple[str, str]:
    """(code, name) of the county asked for, if this person may read its figures."""
    if actor.role not in STATS_ROLES:
        raise ApiError(403, "role", f"a {actor.role} does not read 督查 figures", "county")
    places = request.app[SERVICES].places
    name = name.strip()
    if not name:
        if actor.role == SUPERVISOR and actor.county_code:
            return actor.county_code, places.get(actor.county_code).name
        raise ApiError(400, "missing", "county is required", "county")
    found = places.find(name[:40], levels=("county",))
    if len(found) != 1:
        raise ApiError(404, "not_found", f"no served county '{name[:40]}'", "county")
    county = found[0]
    if actor.role != ADMIN and county.code != actor.county_code:
        raise ApiError(404, "not_found", f"no served county '{name[:40]}'", "county")
    return county.code, county.name


def month_of(request: web.Request) -> str:
    month = request.query.get("month", "").strip()
    return month or request.app[WORKFLOW].clock().astimezone(CHINA).strftime("%Y-%m")


async def stats_table(request: web.Request, actor: Actor) -> dict[str, Any]:
    code, name = county_for_stats(request, actor, request.query.get("county", ""))
    month = month_of(request)
    try:
        rows = await request.app[STATS].county_month(code, month, request.app[WORKFLOW].clock())
    except StatsError as exc:
        raise ApiError(400, "invalid", str(exc), "month") from None
    return {"county": name, "month": month, "townships": rows}


@routes.get("/api/v1/stats")
async def get_stats(request: web.Request) -> web.Response:
    actor = await require_staff(request)
    return web.json_response(await stats_table(request, actor))


# -- check-ins ------------------------------------------------------------------------------------------

def checkin_json(checkin: CheckIn, service: CheckIns, places: Any, now: datetime) -> dict[str, Any]:
    def name(code: str | None) -> str | None:
        return places.get(code).name if code and code in places else code

    rounds = list(checkin.rounds)
    streak = unanswered_in_a_row(checkin, now)
    return {
        "id": checkin.id, "channel": checkin.channel, "contact": mask_phone(checkin.address),
        "county": name(checkin.county_code), "township": name(checkin.township_code),
        "consent": checkin.consent, "consent_label": CONSENTS.get(checkin.consent, checkin.consent),
        "enrolled_by": checkin.enrolled_by, "enrolled_at": checkin.enrolled_at.isoformat(),
        "active": checkin.active, "removed_at": checkin.removed_at.isoformat() if checkin.removed_at else None,
        "interval_months": service.interval(checkin, now),
        "next_due_at": checkin.next_due_at.isoformat(), "due": checkin.active and checkin.next_due_at <= now,
        "unanswered_in_a_row": streak, "alert": streak >= 2,
        "rounds": [{"sent_at": r.sent_at.isoformat(), "answer": r.answer,
                    "answer_label": ANSWERS.get(r.answer) if r.answer else None,
                    "answered_at": r.answered_at.isoformat() if r.answered_at else None,
                    "ticket_id": r.ticket_id} for r in rounds],
    }


def require_enroller(actor: Actor) -> None:
    if actor.role not in ENROLLING_ROLES:
        raise ApiError(403, "role", f"a {actor.role} does not enrol households", None)


@routes.get("/api/v1/checkins")
async def list_checkins(request: web.Request) -> web.Response:
    actor = await require_staff(request)
    require_enroller(actor)
    service = request.app[CHECKINS]
    due = request.query.get("due") in ("1", "true")
    rows = await service.listing(actor, due_only=due, include_removed=request.query.get("removed") in ("1", "true"))
    now = request.app[WORKFLOW].clock()
    places = request.app[SERVICES].places
    return web.json_response({"checkins": [checkin_json(r, service, places, now) for r in rows],
                              "total": len(rows)})


class EnrolBody(BaseModel):
    ticket: str | None = Field(default=None, max_length=24)
    phone: str | None = Field(default=None, max_length=20)
    township: str | None = Field(default=None, max_length=40)
    consent_note: str | None = Field(default=None, max_length=500)


async def enrol_request(request: web.Request, actor: Actor, body: EnrolBody) -> CheckIn:
    """Enrols from a ticket (its channel, contact and place) or from a phone and township."""
    workflow = request.app[WORKFLOW]
    service = request.app[CHECKINS]
    now = workflow.clock()
    if body.ticket:
        try:
            ticket = await workflow.find(actor, body.ticket.strip())
        except WorkflowError as exc:
            raise ApiError(exc.status, exc.code, exc.message, "ticket") from None
        if not ticket.contact:
            raise ApiError(422, "no_contact", "the ticket has no contact to write to", "ticket")
        channel, address = ticket.channel, ticket.contact
        county_code, township_code, locale = ticket.county_code, ticket.township_code, ticket.locale
    else:
        match = MAINLAND_MOBILE.match((body.phone or "").replace(" ", "").replace("-", ""))
        if not match:
            raise ApiError(422, "invalid", "phone must be a mainland mobile number (11 digits)", "phone")
        channel, address, locale = "sms", "+86" + match.group(1), "zh_Hans"
        township_code = actor.township_code
        if body.township or not township_code:
            if not body.township:
                raise ApiError(422, "missing", "township is required", "township")
            try:
                township_code = workflow.resolve_place(body.township, actor.county_code
                                                       if actor.role != ADMIN else None)
            except WorkflowError:
                raise ApiError(422, "unknown_place", f"'{body.township[:40]}' is not a served township",
                               "township") from None
        county = workflow.places.county_of(township_code or "")
        if county is None or not actor.covers_place(township_code or "", county.code):
            raise ApiError(404, "not_found", "no such township in your area", "township")
        county_code = county.code
        if not workflow.places.get(township_code or "").is_township:
            township_code = None
    if not (body.consent_note or "").strip():
        raise ApiError(422, "missing", "consent_note is required: how the household agreed", "consent_note")
    async with request.app[SESSIONS]() as session, session.begin():
        checkin = await service.enrol(session, channel, address, county_code, township_code, "staff", actor.name,
                                      locale, now)
        checkin_id = checkin.id
    found = await service.get(actor, checkin_id)
    assert found is not None
    return found


@routes.post("/api/v1/checkins")
async def post_checkin(request: web.Request) -> web.Response:
    actor = await require_staff(request)
    require_enroller(actor)
    body = parse(EnrolBody, await read_json(request))
    checkin = await enrol_request(request, actor, body)
    now = request.app[WORKFLOW].clock()
    return web.json_response(checkin_json(checkin, request.app[CHECKINS], request.app[SERVICES].places, now),
                             status=201)


@routes.delete("/api/v1/checkins/{id}")
async def delete_checkin(request: web.Request) -> web.Response:
    actor = await require_staff(request)
    require_enroller(actor)
    raw = request.match_info["id"]
    service = request.app[CHECKINS]
    checkin = await service.get(actor, int(raw)) if raw.isdigit() and len(raw) < 10 else None
    if checkin is None:
        raise ApiError(404, "not_found", f"no check-in {raw[:12]}", None)
    async with request.app[SESSIONS]() as session, session.begin():
        row = await session.get(CheckIn, checkin.id)
        assert row is not None
        await service.remove(session, row, actor.name, request.app[WORKFLOW].clock())
    return web.json_response({"id": checkin.id, "active": False})


# -- filing on a resident's behalf -------------------------------------------------------------------

class FilingBody(BaseModel):
    kind: Literal["help", "monitoring"]
    text: str = Field(min_length=2, max_length=1000)
    consent_note: str = Field(min_length=2, max_length=500)
    phone: str | None = Field(default=None, max_length=20)
    urgent: bool = False
    category: str = Field(default="other", max_length=32)


@routes.post("/api/v1/filings")
async def post_filing(request: web.Request) -> web.Response:
    actor = await require_staff(request)
    if actor.role not in FILING_ROLES:
        raise ApiError(403, "role", "filing on a resident's behalf is for village cadres (role cadre)", None)
    body = parse(FilingBody, await read_json(request))
    if body.category not in dict(CATEGORIES[body.kind]):
        raise ApiError(422, "invalid", "category is not one of the kind's categories", "category")
    if body.urgent and body.kind != HELP:
        raise ApiError(422, "invalid", "only a help request is urgent", "urgent")
    phone = None
    if body.phone and body.phone.strip():
        match = MAINLAND_MOBILE.match(body.phone.replace(" ", "").replace("-", ""))
        if not match:
            raise ApiError(422, "invalid", "phone must be a mainland mobile number (11 digits)", "phone")
        phone = "+86" + match.group(1)
    places = request.app[SERVICES].places
    township = actor.township_code
    county = places.county_of(township or "")
    if not township or county is None:
        raise ApiError(409, "no_area", "this cadre account has no township", None)
    workflow = request.app[WORKFLOW]
    tickets = request.app[SERVICES].tickets
    now = workflow.clock()
    async with request.app[SESSIONS]() as session, session.begin():
        bound = tickets.bound(session)
        ticket = await bound.file(Filing(
            kind=body.kind, county_code=county.code, township_code=township, text=body.text.strip(),
            channel="sms" if phone else "web", contact=phone or "", urgent=body.urgent,
            category="emergency" if body.urgent else body.category, filed_by_staff_id=actor.id,
            filed_by=actor.name, consent_note=body.consent_note.strip()), now)
        if phone:
            with workflow.i18n.context(), workflow.i18n.use_locale("zh_Hans"):
                what = _("求助") if body.kind == HELP else _("防返贫监测申请")
                text = _("【民生助手】{place}的村干部{name}受您委托，代您提交了{what}，编号 {number}。"
                         "工作人员将在 {due} 前联系您。查进度回复：进度 {number}").format(
                    place=places.get(township).name, name=actor.name, what=what, number=ticket.number,
                    due=format_time(ticket.due_at, "zh_Hans"))
            await enqueue(session, "sms", phone, text, ref=f"filed-for-{ticket.id}", ticket_id=ticket.id)
        number = ticket.number
    workflow.on_queued()
    saved = await workflow.find(actor, number)
    return web.json_response(ticket_json(saved, places, now, events=saved.events,
                                         overdue=workflow.is_overdue(saved, now)), status=201)





# -- the OpenAPI document's paths for these endpoints ----------------------------------------------------

_ERR = {"$ref": "#/components/responses/Error"}
_STATS_ROW = {"type": "object", "properties": {
    "township": {"type": "string", "nullable": True, "description": "null: the county's triage queue"},
    **{name: {"type": "integer"} for name in ("filed", "answered_in_time", "overdue", "escalated", "followup_answered",
                                              "followup_resolved", "reopened", "low_scores", "checkins_sent",
                                              "checkins_answered")},
    **{name: {"type": "number", "nullable": True} for name in ("answered_in_time_percent",
                                                               "median_first_answer_minutes",
                                                               "followup_resolved_percent", "satisfaction")}}}
OPENAPI["paths"].update({
    "/api/v1/stats": {"get": {
        "summary": "督查 figures per township for a month (supervisor of the county, or admin)",
        "security": [{"bearer": []}],
        "parameters": [{"name": "county", "in": "query", "schema": {"type": "string"}},
                       {"name": "month", "in": "query", "schema": {"type": "string", "pattern": "^\\d{4}-\\d{2}$"},
                        "description": "YYYY-MM in China time; this month by default"}],
        "responses": {"200": {"description": "the county's townships", "content": {"application/json": {"schema": {
            "type": "object", "properties": {"county": {"type": "string"}, "month": {"type": "string"},
                                             "townships": {"type": "array", "items": _STATS_ROW}}}}}},
                      "400": _ERR, "401": _ERR, "403": _ERR, "404": _ERR}}},
    "/api/v1/checkins": {
        "get": {"summary": "Households enrolled for check-ins in the caller's area, with every answer",
                "security": [{"bearer": []}],
                "parameters": [{"name": "due", "in": "query", "schema": {"type": "boolean"}},
                               {"name": "removed", "in": "query", "schema": {"type": "boolean"}}],
                "responses": {"200": {"description": "the households"}, "401": _ERR, "403": _ERR}},
        "post": {"summary": "Enrol a household (from a ticket, or a phone and township) with a consent note",
                 "security": [{"bearer": []}],
                 "requestBody": {"required": True, "content": {"application/json": {"schema": {
                     "type": "object", "required": ["consent_note"], "properties": {
                         "ticket": {"type": "string"}, "phone": {"type": "string"}, "township": {"type": "string"},
                         "consent_note": {"type": "string", "maxLength": 500}}}}}},
                 "responses": {"201": {"description": "enrolled"}, "401": _ERR, "403": _ERR, "404": _ERR,
                               "422": _ERR}}},
    "/api/v1/checkins/{id}": {"delete": {
        "summary": "Take a household off check-ins", "security": [{"bearer": []}],
        "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}],
        "responses": {"200": {"description": "removed"}, "401": _ERR, "403": _ERR, "404": _ERR}}},
    "/api/v1/filings": {"post": {
        "summary": "A village cadre files for a resident of their township (role cadre)",
        "security": [{"bearer": []}],
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "required": ["kind", "text", "consent_note"], "properties": {
                "kind": {"type": "string", "enum": ["help", "monitoring"]},
                "text": {"type": "string", "minLength": 2, "maxLength": 1000},
                "consent_note": {"type": "string", "minLength": 2, "maxLength": 500},
                "phone": {"type": "string", "description": "the resident's mainland mobile; told by SMS"},
                "urgent": {"type": "boolean"}, "category": {"type": "string"}}}}}},
        "responses": {"201": {"description": "the TICKET filed"}, "401": _ERR, "403": _ERR, "422": _ERR}}},
})
