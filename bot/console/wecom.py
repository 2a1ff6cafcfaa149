"""The console page where an admin sets a queue's 企业微信 group robots (``/console/wecom``).

A robot's webhook key lets anyone who has it post to the group, so the page shows only its last
characters once saved, and only admins see the page at all (others get the console's 404).
"""

from __future__ import annotations

import logging
import re
from urllib.parse import parse_qs, urlsplit

from aiohttp import web
from sqlalchemy import delete, select

from bot.console import group_places, not_found, read_form, render, signed_in
from bot.domain.tickets import ADMIN, N_
from bot.keys import SESSIONS
from bot.staff_access import Actor
from bot.storage.db import insert_for
from bot.storage.models import WeComRobot, utcnow

log = logging.getLogger(__name__)

_KEY = re.compile(r"^[A-Za-z0-9-]{8,64}$")


def read_key(text: str) -> str | None:
    """The robot's key from the webhook address WeCom shows (…/webhook/send?key=…) or the key alone."""
    text = text.strip()
    if text.startswith(("http://", "https://")):
        text = (parse_qs(urlsplit(text).query).get("key") or [""])[0]
    return text if _KEY.match(text) else None


async def _page(request: web.Request, actor: Actor, csrf: str, status: int = 200, error: str = "",
                notice: str = "") -> web.Response:
    places = dict(group_places(request, actor))
    async with request.app[SESSIONS]() as session:
        robots = list(await session.scalars(select(WeComRobot).order_by(WeComRobot.place_code, WeComRobot.id)))
    rows = [{"id": r.id, "place": places.get(r.place_code, r.place_code), "tail": r.key[-4:], "by": r.added_by,
             "at": r.added_at} for r in robots]
    return render(request, "console_wecom.html", status=status, actor=actor, csrf=csrf, places=list(places.items()),
                  robots=rows, error=error, notice=notice)


@signed_in
async def wecom_view(request: web.Request, actor: Actor, csrf: str) -> web.StreamResponse:
    if actor.role != ADMIN:
        return not_found(request, actor, csrf)
    return await _page(request, actor, csrf)


@signed_in
async def wecom_add(request: web.Request, actor: Actor, csrf: str) -> web.StreamResponse:
    if actor.role != ADMIN:
        return not_found(request, actor, csrf)
    form = await read_form(request)
    place = form.get("place", "")
    if place not in dict(group_places(request, actor)):
        return await _page(request, actor, csrf, 422, error=N_("请选择乡镇或县。"))
    key = read_key(form.get("webhook", ""))
    if key is None:
        return await _page(request, actor, csrf, 422,
                           error=N_("请粘贴群机器人的 Webhook 地址（https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…）。"))
    async with request.app[SESSIONS]() as session, session.begin():
        await session.execute(insert_for(session)(WeComRobot)
                              .values(place_code=place, key=key, added_by=actor.name, added_at=utcnow())
                              .on_conflict_do_nothing(index_elements=["place_code", "key"]))
    log.info("console.wecom_added", extra={"staff": actor.id, "place": place})
    return await _page(request, actor, csrf, notice=N_("已保存。新求助、转办和超时上报会发到这个群。"))


@signed_in
async def wecom_remove(request: web.Request, actor: Actor, csrf: str) -> web.StreamResponse:
    if actor.role != ADMIN:
        return not_found(request, actor, csrf)
    robot_id = request.match_info["robot"]
    async with request.app[SESSIONS]() as session, session.begin():
        removed = await session.execute(delete(WeComRobot).where(WeComRobot.id == int(robot_id)))
    if not removed.rowcount:  # type: ignore[attr-defined]
        return not_found(request, actor, csrf)
    log.info("console.wecom_removed", extra={"staff": actor.id, "robot": robot_id})
    return await _page(request, actor, csrf, notice=N_("已删除。"))


def setup_wecom_console(app: web.Application) -> None:
    app.router.add_get("/console/wecom", wecom_view)
    app.router.add_post("/console/wecom", wecom_add)
    app.router.add_post(r"/console/wecom/{robot:\d{1,9}}/remove", wecom_remove)
