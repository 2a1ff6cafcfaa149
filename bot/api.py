"""The public JSON API: health, regions and questions (screening and staff routes live beside it)."""

from __future__ import annotations

import functools
import json
from typing import Literal

from aiohttp import web
from pydantic import BaseModel, Field
from sqlalchemy import text

from bot.errors import RETRY_AFTER_OUTAGE, ApiError, parse, read_json
from bot.keys import INBOX, SERVICES, SESSIONS, STATE
from knowledge_base.jurisdictions import Jurisdiction, Jurisdictions

routes = web.RouteTableDef()
# An answer is Chinese text: written as UTF-8 it is a third the size of \uXXXX escapes, and the
# encoder does not escape every character (a tenth of the ask path's time under load, measured).
_utf8_json = functools.partial(json.dumps, ensure_ascii=False, separators=(",", ":"))


def resolve_region(places: Jurisdictions, name: str, field: str = "region") -> Jurisdiction:
    """A served place from its name however written (平罗县城关镇, 正安流渡, Tongren); else a 4xx naming it."""
    found = places.find(name)
    if len(found) == 1:
        return found[0]
    supported = "、".join(p.name for p in places.roots())
    if not found:
        mention = places.named(name)
        if mention and mention.served_inside:
            inside = "、".join(p.name for p in mention.served_inside)
            raise ApiError(422, "unknown_region",
                           f"'{name.strip()}' is served only in part: write one of {inside}", field)
        raise ApiError(422, "unknown_region", f"unknown region '{name.strip()}'; supported: {supported}", field)
    options = "、".join(f"{county.name}{p.name}" if (county := places.county_of(p.code)) and p.is_township
                       else p.name for p in found)
    raise ApiError(422, "ambiguous_region", f"'{name.strip()}' names several places; write one of: {options}", field)


@routes.get("/healthz")
async def healthz(request: web.Request) -> web.Response:
    checks: dict[str, str] = {}
    try:
        async with request.app[SESSIONS]() as session:
            await session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = type(exc).__name__
    try:
        await request.app[STATE].ping()
        checks["state"] = "ok"
    except Exception as exc:
        checks["state"] = type(exc).__name__
    if INBOX in request.app and request.app[INBOX].draining:
        # A load balancer stops sending here while the process finishes its work and exits.
        return web.json_response({"status": "draining", "checks": checks}, status=503,
                                 headers={"Retry-After": "2"})
    healthy = all(v == "ok" for v in checks.values())
    return web.json_response({"status": "ok" if healthy else "unavailable", "checks": checks},
                             status=200 if healthy else 503,
                             headers={} if healthy else {"Retry-After": str(RETRY_AFTER_OUTAGE)})


@routes.get("/api/v1/regions")
async def regions(request: web.Request) -> web.Response:
    places = request.app[SERVICES].places
    out = []
    for county in places.counties():
        chain = places.chain(county.code)
        out.append({
            "code": county.code, "name": county.name, "aliases": list(county.aliases),
            "parents": [{"code": p.code, "name": p.name} for p in chain[1:]],
            "townships": [{"code": t.code, "name": t.name, "aliases": list(t.aliases)}
                          for t in places.townships(county.code)],
        })
    return web.json_response({"regions": out})


class AskRequest(BaseModel):
    text: str = Field(min_length=1, max_length=500)
    region: str = Field(min_length=1, max_length=40)
    locale: Literal["zh_Hans", "en"] = "zh_Hans"


@routes.post("/api/v1/ask")
async def ask(request: web.Request) -> web.Response:
    body = parse(AskRequest, await read_json(request))
    services = request.app[SERVICES]
    place = resolve_region(services.places, body.region)
    answer = await services.kb.ask_async(body.text, place.code, locale=body.locale, on=services.today())
    return web.json_response({
        "answered": answer.answered,
        "answer": answer.text,
        "article_id": answer.article_id,
        "sources": [{"document": s.document, "section": s.section} for s in answer.sources],
        "suggestions": list(answer.suggestions),
        "clarify": [{"article_id": c.article_id, "question": c.question} for c in answer.clarify],
        "region": {"code": place.code, "name": place.name},
    }, dumps=_utf8_json)
