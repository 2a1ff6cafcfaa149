"""The staff API (Bearer token) of spec/interfaces.md, and the OpenAPI document of the public API."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from pydantic import BaseModel, Field

from bot.domain.tickets import HELP, MONITORING, STATUS_BY_LABEL, STATUS_LABELS, parse_status
from bot.errors import ApiError, parse, read_json
from bot.keys import STAFF, WORKFLOW
from bot.services.workflow import Queue, TicketNotFound, WorkflowError, ticket_json
from bot.staff_access import Actor
from bot.storage.models import TicketEvent

routes = web.RouteTableDef()


async def require_staff(request: web.Request) -> Actor:
    """The staff member behind ``Authorization: Bearer TOKEN``; 401 without a valid token."""
    header = request.headers.get("Authorization", "")
    scheme, _sep, token = header.partition(" ")
    actor = await request.app[STAFF].by_token(token.strip()) if scheme.lower() == "bearer" else None
    if actor is None:
        raise web.HTTPUnauthorized(headers={"WWW-Authenticate": 'Bearer realm="minsheng"'},
                                   reason="missing or unknown Bearer token")
    return actor


def api_error(exc: WorkflowError) -> ApiError:
    return ApiError(exc.status, exc.code, exc.message, exc.field)


MAX_PER_PAGE = 200


def _int(query: Any, name: str, default: int, low: int, high: int) -> int:
    try:
        value = int(query.get(name, str(default)))
    except ValueError:
        raise ApiError(400, "invalid", f"{name} must be a number", name) from None
    if not low <= value <= high:
        raise ApiError(400, "invalid", f"{name} must be between {low} and {high}", name)
    return value


def _flag(query: Any, name: str) -> bool | None:
    if name not in query:
        return None
    if query[name] not in ("true", "false", "1", "0"):
        raise ApiError(400, "invalid", f"{name} must be true or false", name)
    return query[name] in ("true", "1")


def read_queue(request: web.Request, actor: Actor) -> Queue:
    query = request.query
    status = query.get("status", "open")
    if status not in ("open", "all") and parse_status(status) is None:
        raise ApiError(400, "invalid", "status must be open, all or a status value", "status")
    kind = query.get("kind") or None
    if kind not in (None, HELP, MONITORING):
        raise ApiError(400, "invalid", "kind must be help or monitoring", "kind")
    q = query.get("q", "").strip()
    if len(q) > 100:
        raise ApiError(400, "invalid", "q must be at most 100 characters", "q")
    township = None
    if query.get("township", "").strip():
        try:
            township = request.app[WORKFLOW].scoped_township(actor, query["township"])
        except WorkflowError as exc:
            raise ApiError(400, "invalid", exc.message, "township") from None
    assignee = query.get("assignee", "").strip() or None
    if assignee == "me":
        assignee = actor.name
    if "per_page" in query or "page" in query or "limit" not in query:
        per_page = _int(query, "per_page", 50, 1, MAX_PER_PAGE)
    else:  # v1's limit: one page of up to 5,000
        per_page = _int(query, "limit", 500, 1, 5000)
    page = _int(query, "page", 1, 1, 1_000_000)
    overdue = _flag(query, "overdue")
    resolved = status if status in ("open", "all") else parse_status(status) or status
    return Queue(status=resolved, kind=kind, urgent=_flag(query, "urgent"), overdue=overdue or None, limit=per_page,
                 q=q, township=township, assignee=assignee, page=page)


@routes.get("/api/v1/tickets")
async def list_tickets(request: web.Request) -> web.Response:
    actor = await require_staff(request)
    queue = read_queue(request, actor)
    workflow = request.app[WORKFLOW]
    now = workflow.clock()
    found = await workflow.page(actor, queue)
    return web.json_response({
        "tickets": [ticket_json(t, workflow.places, now, overdue=workflow.is_overdue(t, now)) for t in found.tickets],
        "total": found.total, "page": queue.page, "per_page": queue.limit, "counts": found.counts})


async def _one(request: web.Request, actor: Actor) -> dict[str, Any]:
    workflow = request.app[WORKFLOW]
    try:
        ticket = await workflow.find(actor, request.match_info["number"])
    except TicketNotFound as exc:
        raise api_error(exc) from None
    now = workflow.clock()
    return ticket_json(ticket, workflow.places, now, events=ticket.events, overdue=workflow.is_overdue(ticket, now))


@routes.get("/api/v1/tickets/{number}")
async def get_ticket(request: web.Request) -> web.Response:
    actor = await require_staff(request)
    return web.json_response(await _one(request, actor))


class TextBody(BaseModel):
    """A reply to the resident or a staff-only note: the same shape, the same bounds."""

    text: str = Field(min_length=1, max_length=1000)


def _event_created(number: str, event: TicketEvent) -> web.Response:
    return web.json_response({"number": number, "event": {"at": event.at.isoformat(), "type": event.type,
                                                          "by": event.by, "text": event.text}}, status=201)


@routes.post("/api/v1/tickets/{number}/replies")
async def post_reply(request: web.Request) -> web.Response:
    actor = await require_staff(request)
    workflow = request.app[WORKFLOW]
    number = request.match_info["number"]
    try:
        await workflow.find(actor, number)  # out of scope is 404 before any body is looked at
        body = parse(TextBody, await read_json(request))
        event = await workflow.reply(actor, number, body.text)
    except WorkflowError as exc:
        raise api_error(exc) from None
    return _event_created(number, event)


class TransitionBody(BaseModel):
    to: str = Field(min_length=1, max_length=40)
    note: str = Field(default="", max_length=1000)
    township: str | None = Field(default=None, max_length=40)


@routes.post("/api/v1/tickets/{number}/transition")
async def post_transition(request: web.Request) -> web.Response:
    actor = await require_staff(request)
    workflow = request.app[WORKFLOW]
    number = request.match_info["number"]
    try:
        await workflow.find(actor, number)
        body = parse(TransitionBody, await read_json(request))
        ticket = await workflow.transition(actor, number, body.to, body.note, body.township)
    except WorkflowError as exc:
        raise api_error(exc) from None
    if not actor.sees(ticket):
        # Transferred out of the caller's area: done, and from now on not theirs to see.
        return web.json_response({"number": number, "status": ticket.status})
    return web.json_response(await _one(request, actor))


@routes.post("/api/v1/tickets/{number}/notes")
async def post_note(request: web.Request) -> web.Response:
    actor = await require_staff(request)
    workflow = request.app[WORKFLOW]
    number = request.match_info["number"]
    try:
        await workflow.find(actor, number)
        body = parse(TextBody, await read_json(request))
        event = await workflow.note(actor, number, body.text)
    except WorkflowError as exc:
        raise api_error(exc) from None
    return _event_created(number, event)


class AssignBody(BaseModel):
    staff: str | None = Field(max_length=64)


@routes.post("/api/v1/tickets/{number}/assign")
async def post_assign(request: web.Request) -> web.Response:
    actor = await require_staff(request)
    workflow = request.app[WORKFLOW]
    number = request.match_info["number"]
    try:
        await workflow.find(actor, number)
        body = parse(AssignBody, await read_json(request))
        await workflow.assign(actor, number, body.staff)
    except WorkflowError as exc:
        raise api_error(exc) from None
    return web.json_response(await _one(request, actor))


@routes.get("/api/v1/openapi.json")
async def openapi(_request: web.Request) -> web.Response:
    return web.json_response(OPENAPI)


# -- the OpenAPI 3 document ---------------------------------------------------------------------------

def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


_ERRORS = {str(code): {"$ref": "#/components/responses/Error"} for code in (400, 413, 422)}
_STAFF_ERRORS = {"401": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}}
_NUMBER = {"name": "number", "in": "path", "required": True, "schema": {"type": "string", "pattern": "^[0-9]+$"},
           "description": "the ticket number residents read out (digits)"}
_STATUSES = list(STATUS_LABELS)
_LABELS = list(STATUS_BY_LABEL)
_SOURCE = {"type": "object", "required": ["document", "section"],
           "properties": {"document": {"type": "string"}, "section": {"type": "string"}}}

OPENAPI: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "Minsheng (民生) API", "version": "1",
             "description": "Public questions, self-screening and regions; the staff API for township queues. "
                            "Errors are {\"error\": {\"code\", \"message\", \"field\"}} with a 4xx status."},
    "paths": {
        "/healthz": {"get": {"summary": "Health of the database and the shared state store",
                             "responses": {"200": _json({"type": "object"}, "healthy"),
                                           "503": _json({"type": "object"}, "a dependency is down")}}},
        "/api/v1/regions": {"get": {
            "summary": "Supported county-level regions with their townships",
            "responses": {"200": _json({"type": "object", "properties": {"regions": {
                "type": "array", "items": _ref("Region")}}}, "the regions")}}},
        "/api/v1/ask": {"post": {
            "summary": "Answer a question with the region's own rules",
            "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("AskRequest")}}},
            "responses": {"200": _json(_ref("Answer"), "an answer, or answered=false"), **_ERRORS}}},
        "/api/v1/screen": {"post": {
            "summary": "Eligibility self-screening (advice, never a decision)",
            "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("ScreenRequest")}}},
            "responses": {"200": _json(_ref("ScreenResponse"), "one result per program"), **_ERRORS}}},
        "/api/v1/tickets": {"get": {
            "summary": "The caller's queue, soonest deadline first",
            "security": [{"bearer": []}],
            "parameters": [
                {"name": "status", "in": "query", "schema": {"type": "string", "default": "open"},
                 "description": "open, all, or one status value"},
                {"name": "kind", "in": "query", "schema": {"type": "string", "enum": ["help", "monitoring"]}},
                {"name": "urgent", "in": "query", "schema": {"type": "boolean"}},
                {"name": "overdue", "in": "query", "schema": {"type": "boolean"},
                 "description": "past the first-answer deadline unanswered, or urgent and past the aid deadline"},
                {"name": "q", "in": "query", "schema": {"type": "string", "maxLength": 100},
                 "description": "the ticket number, the last digits (4 or more) of the contact, or text"},
                {"name": "township", "in": "query", "schema": {"type": "string"},
                 "description": "a township name or code in the caller's area (supervisors, admins)"},
                {"name": "assignee", "in": "query", "schema": {"type": "string"},
                 "description": "a staff name, me, or none (unassigned)"},
                {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "default": 1}},
                {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1,
                                                                "maximum": MAX_PER_PAGE, "default": 50}}],
            "responses": {"200": _json({"type": "object", "properties": {
                "tickets": {"type": "array", "items": _ref("Ticket")}, "total": {"type": "integer"},
                "page": {"type": "integer"}, "per_page": {"type": "integer"},
                "counts": {"type": "object", "additionalProperties": {"type": "integer"}}}},
                "one page of the caller's tickets, urgent first, then soonest deadline"),
                "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"}}}},
        "/api/v1/tickets/{number}": {"get": {
            "summary": "One ticket with its history (404 outside the caller's scope)",
            "security": [{"bearer": []}], "parameters": [_NUMBER],
            "responses": {"200": _json(_ref("Ticket"), "the ticket with events"), **_STAFF_ERRORS}}},
        "/api/v1/tickets/{number}/replies": {"post": {
            "summary": "Answer the resident on the channel they used (sent even after TD)",
            "security": [{"bearer": []}], "parameters": [_NUMBER],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["text"],
                "properties": {"text": {"type": "string", "minLength": 1, "maxLength": 1000}}}}}},
            "responses": {"201": _json({"type": "object"}, "recorded and queued for delivery"),
                          **_STAFF_ERRORS, **_ERRORS}}},
        "/api/v1/tickets/{number}/transition": {"post": {
            "summary": "Move the ticket along its workflow; the resident is told unless they sent TD",
            "security": [{"bearer": []}], "parameters": [_NUMBER],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["to"],
                "properties": {
                    "to": {"type": "string", "description": "a status value or its Chinese label (已受理)",
                           "enum": [*_STATUSES, *_LABELS]},
                    "note": {"type": "string", "maxLength": 1000,
                             "description": "shown to the resident; required for rejected and excluded"},
                    "township": {"type": "string", "description": "transfer target (to=transferred): a township "
                                 "or county name or code"}}}}}},
            "responses": {"200": _json(_ref("Ticket"), "the ticket after the change"), **_STAFF_ERRORS,
                          "403": {"$ref": "#/components/responses/Error"},
                          "409": {"$ref": "#/components/responses/Error"}, **_ERRORS}}},
        "/api/v1/tickets/{number}/notes": {"post": {
            "summary": "A note only staff see (event type note); the resident never receives it",
            "security": [{"bearer": []}], "parameters": [_NUMBER],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["text"],
                "properties": {"text": {"type": "string", "minLength": 1, "maxLength": 1000}}}}}},
            "responses": {"201": _json({"type": "object"}, "recorded"), **_STAFF_ERRORS, **_ERRORS}}},
        "/api/v1/tickets/{number}/assign": {"post": {
            "summary": "Assign the ticket to a staff member of its township (null unassigns)",
            "security": [{"bearer": []}], "parameters": [_NUMBER],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["staff"],
                "properties": {"staff": {"type": "string", "nullable": True}}}}}},
            "responses": {"200": _json(_ref("Ticket"), "the ticket after the change"), **_STAFF_ERRORS,
                          "409": {"$ref": "#/components/responses/Error"}, **_ERRORS}}},
    },
    "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                       "description": "the token `minsheng staff add` printed"}},
        "responses": {"Error": _json({"type": "object", "properties": {"error": {
            "type": "object", "required": ["code", "message"],
            "properties": {"code": {"type": "string"}, "message": {"type": "string"},
                           "field": {"type": "string"}}}}}, "an error naming the field at fault")},
        "schemas": {
            "Region": {"type": "object", "properties": {
                "code": {"type": "string"}, "name": {"type": "string"},
                "aliases": {"type": "array", "items": {"type": "string"}},
                "townships": {"type": "array", "items": {"type": "object", "properties": {
                    "code": {"type": "string"}, "name": {"type": "string"},
                    "aliases": {"type": "array", "items": {"type": "string"}}}}}}},
            "AskRequest": {"type": "object", "required": ["text", "region"], "properties": {
                "text": {"type": "string", "minLength": 1, "maxLength": 500},
                "region": {"type": "string", "description": "a county-level or township name"},
                "locale": {"type": "string", "enum": ["zh_Hans", "en"], "default": "zh_Hans"}}},
            "Answer": {"type": "object", "required": ["answered", "answer", "sources", "suggestions"], "properties": {
                "answered": {"type": "boolean"}, "answer": {"type": "string"},
                "article_id": {"type": "string", "nullable": True},
                "sources": {"type": "array", "items": _SOURCE},
                "suggestions": {"type": "array", "items": {"type": "string"}}}},
            "ScreenRequest": {"type": "object", "required": ["region", "household"], "properties": {
                "region": {"type": "string"},
                "residence": {"type": "string", "enum": ["rural", "urban"]},
                "household": {"type": "object", "required": ["size", "annual_income"], "properties": {
                    "size": {"type": "integer", "minimum": 1}, "annual_income": {"type": "number"},
                    "exempt_income": {"type": "number"}, "employment_costs": {"type": "number"},
                    "rigid_expenses": {"type": "number"},
                    "poverty_status": {"type": "string", "enum": ["none", "lifted", "registered"]},
                    "income_drop": {"type": "boolean"}, "expense_surge": {"type": "boolean"},
                    "emergency": {"type": "boolean"}, "unsafe_housing": {"type": "boolean"},
                    "relocated": {"type": "boolean"}}},
                "members": {"type": "array", "items": {"type": "object", "properties": {
                    "age": {"type": "integer"}, "labor": {"type": "string", "enum": ["full", "partial", "none"]},
                    "disability_grade": {"type": "integer", "minimum": 1, "maximum": 4, "nullable": True},
                    "serious_illness": {"type": "boolean"}, "orphan": {"type": "boolean"},
                    "school": {"type": "string", "nullable": True, "enum": [
                        "preschool", "primary", "junior", "senior", "vocational", "college", "postgraduate"]},
                    "boarding": {"type": "boolean"}}}},
                "supporters": {"type": "boolean"}}},
            "ScreenResponse": {"type": "object", "required": ["region", "results", "disclaimer"], "properties": {
                "region": {"type": "object"}, "disclaimer": {"type": "string"},
                "results": {"type": "array", "items": {"type": "object", "properties": {
                    "program": {"type": "string"}, "name": {"type": "string"},
                    "verdict": {"type": "string", "enum": ["likely", "possible", "unlikely"]},
                    "amount": {"type": "string", "nullable": True},
                    "reasons": {"type": "array", "items": {"type": "string"}},
                    "sources": {"type": "array", "items": _SOURCE}, "next_step": {"type": "string"}}}}}},
            "Ticket": {"type": "object", "required": [
                "number", "kind", "category", "county", "township", "status", "urgent", "created_at", "due_at",
                "aid_due_at", "channel", "contact", "text"], "properties": {
                "number": {"type": "string"}, "kind": {"type": "string", "enum": ["help", "monitoring"]},
                "category": {"type": "string"}, "county": {"type": "string"},
                "township": {"type": "string", "nullable": True,
                             "description": "null while the ticket waits in the county's triage queue"},
                "status": {"type": "string", "enum": _STATUSES}, "status_label": {"type": "string"},
                "urgent": {"type": "boolean"},
                "created_at": {"type": "string", "format": "date-time"},
                "due_at": {"type": "string", "format": "date-time",
                           "description": "first answer due (12 h after filing unless the place sets another)"},
                "aid_due_at": {"type": "string", "format": "date-time", "nullable": True,
                               "description": "urgent (急难) requests: aid due (24 h unless the place sets another)"},
                "channel": {"type": "string", "enum": ["sms", "telegram", "wechat", "web", "cli"]},
                "contact": {"type": "string", "description": "masked, e.g. 138****5678"},
                "text": {"type": "string"}, "overdue": {"type": "boolean"}, "escalated": {"type": "boolean"},
                "assignee": {"type": "string", "nullable": True},
                "screening": {"type": "object", "nullable": True,
                              "description": "the self-screening answers the ticket was filed with"},
                "events": {"type": "array", "items": {"type": "object", "properties": {
                    "at": {"type": "string", "format": "date-time"}, "type": {"type": "string"},
                    "by": {"type": "string"}, "text": {"type": "string"}}}}}},
        },
    },
}
