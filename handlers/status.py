"""进度 <编号>: a ticket's status and the latest staff reply, for the resident who filed it."""

from __future__ import annotations

from aiogram.utils.i18n import gettext as _

from bot.domain.messages import Option, Reply
from handlers.context import Context
from handlers.engine import REASK, DialogEngine
from handlers.requests import N_, format_time
from handlers.text import digits

STATUS_LABELS = {
    "pending": N_("待受理"),
    "accepted": N_("已受理"),
    "in_progress": N_("办理中"),
    "resolved": N_("已办结"),
    "rejected": N_("不予受理"),
    "transferred": N_("已转办"),
    "applied": N_("已申请"),
    "village_review": N_("村级评议"),
    "township_review": N_("乡镇初审"),
    "county_review": N_("县级审定"),
    "included": N_("纳入监测"),
    "excluded": N_("不予纳入"),
}


def status_label(status: str) -> str:
    return _(STATUS_LABELS.get(status, status))


async def show_status(ctx: Context, arg: str) -> list[Reply]:
    number = digits(arg)
    if not number:
        return await list_mine(ctx)
    ticket = await ctx.services.tickets.get(number)
    # Only the phone or chat that filed a request sees its replies: the number alone is not proof.
    if ticket is None or (ticket.channel, ticket.contact) != (ctx.msg.channel, ctx.msg.address):
        return ctx.reply(_("没有找到编号 {number} 的办理记录（只能查询用本号码提交的）。").format(number=number))
    text = _("编号 {number}：{status}").format(number=ticket.number, status=status_label(ticket.status))
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
    options = [Option(f"st:{t.number}", f"{t.number} {status_label(t.status)}") for t in mine[:4]]
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
    engine.command("status", "进度", "查询进度", "查进度", "/status", "jindu", prefix=True)(show_status)
    engine.choice("status")(list_mine)
    engine.choice("st")(show_status)
    engine.step("status", "number")(number_step)
