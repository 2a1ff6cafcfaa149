"""进度 <编号>: a ticket's status and the latest staff reply, for the resident who filed it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.domain.messages import Option, Reply
from bot.domain.tickets import format_time, status_label
from bot.i18n import gettext as _
from handlers.context import Context
from handlers.engine import REASK, DialogEngine
from knowledge_base.text import digits

if TYPE_CHECKING:
    from bot.storage.models import Ticket


def ticket_status(ctx: Context, ticket: Ticket) -> str:
    """The ticket's status as its county-level place calls it (同仁市: 市级审定)."""
    places = ctx.services.places
    return status_label(ticket.status, places.get(ticket.county_code).name if ticket.county_code in places else "")


async def show_status(ctx: Context, arg: str) -> list[Reply]:
    number = digits(arg)
    if not number:
        return await list_mine(ctx)
    ticket = await ctx.services.tickets.get(number)
    # Only the phone or chat that filed a request sees its replies: the number alone is not proof.
    if ticket is None or (ticket.channel, ticket.contact) != (ctx.msg.channel, ctx.msg.address):
        return ctx.reply(_("没有找到编号 {number} 的办理记录（只能查询用本号码提交的）。").format(number=number))
    text = _("编号 {number}：{status}").format(number=ticket.number, status=ticket_status(ctx, ticket))
    replies = [e for e in ticket.events if e.type == "reply"]
    if replies:
        text += "\n" + _("最新回复：{text}").format(text=replies[-1].text)
    elif ticket.status in ("pending", "applied"):
        text += "\n" + _("乡镇将在 {due} 前答复。").format(due=format_time(ticket.due_at, ctx.locale))
    return ctx.reply(text)


async def list_mine(ctx: Context, _arg: str = "") -> list[Reply]:
    mine = await ctx.services.tickets.for_contact(ctx.msg.channel, ctx.msg.address)
    if not mine:
        ctx.conv.start("status", "number")
        return ctx.reply(_("请回复编号查询进度，例如：进度 2611230001"))
    options = [Option(f"st:{t.number}", f"{t.number} {ticket_status(ctx, t)}") for t in mine[:4]]
    return ctx.reply(_("您提交的办理（选一个看详情）："), options)


async def number_step(ctx: Context, text: str) -> list[Reply]:
    if text == REASK:
        return ctx.reply(_("请回复编号查询进度，例如：进度 2611230001"))
    ctx.conv.finish()
    return await show_status(ctx, text)


async def bare_number(ctx: Context, text: str) -> list[Reply] | None:
    """A ticket number sent alone (as people read it off an earlier SMS) is a progress query."""
    number = text.replace(" ", "").replace("-", "")
    return await show_status(ctx, number) if number.isdigit() and len(number) >= 8 else None


def register(engine: DialogEngine) -> None:
    engine.fallback(bare_number)
    engine.command("status", "进度", "查询进度", "查进度", "/status", "jindu", "status", prefix=True,
                   glued=lambda rest: bool(rest.strip()) and rest.replace(" ", "").isdigit())(show_status)
    engine.choice("status")(list_mine)
    engine.choice("st")(show_status)
    engine.step("status", "number")(number_step)
