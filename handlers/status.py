"""进度 <编号>: a ticket's status and the latest staff reply, for the resident who filed it."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import TYPE_CHECKING

from bot.domain.messages import Option, Reply
from bot.domain.tickets import CLOSED, KIND_LABELS, format_time, status_label
from bot.i18n import gettext as _
from handlers.context import Context
from handlers.engine import CHOICE, REASK, DialogEngine
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


PER_PAGE = 4


async def list_mine(ctx: Context, arg: str = "") -> list[Reply]:
    """The resident's tickets, newest first, four at a time with 更多办理 for the rest."""
    start = int(arg) if arg.isdigit() else 0
    mine = await ctx.services.tickets.for_contact(ctx.msg.channel, ctx.msg.address, limit=start + PER_PAGE + 1)
    if not mine:
        ctx.conv.start("status", "number")
        return ctx.reply(_("请回复编号查询进度，例如：进度 2611230001"))
    page = mine[start:start + PER_PAGE]
    options = [Option(f"st:{t.number}", f"{t.number} {ticket_status(ctx, t)}") for t in page]
    if len(mine) > start + PER_PAGE:
        options.append(Option(f"stp:{start + PER_PAGE}", _("更早的办理")))
    head = _("您提交的办理（选一个看详情）：") if start == 0 else _("更早的办理：")
    return ctx.reply(head, options)


async def number_step(ctx: Context, text: str) -> list[Reply]:
    if text == REASK:
        return ctx.reply(_("请回复编号查询进度，例如：进度 2611230001"))
    ctx.conv.finish()
    if not digits(text):
        # Not a number at all: the resident moved on; what they wrote is a question.
        from handlers.ask import answer_question

        return await answer_question(ctx, text)
    return await show_status(ctx, text)


async def bare_number(ctx: Context, text: str) -> list[Reply] | None:
    """A ticket number sent alone (as people read it off an earlier SMS) is a progress query."""
    number = text.replace(" ", "").replace("-", "")
    return await show_status(ctx, number) if number.isdigit() and len(number) >= 8 else None


# -- two-way tickets: what the resident writes back after a staff reply ------------------------------

# A message within this long after a staff reply to an open ticket answers that reply.
REPLY_WINDOW = timedelta(days=3)


def ticket_line(ctx: Context, ticket: Ticket) -> str:
    return f"{ticket.number} {_(KIND_LABELS.get(ticket.kind, ''))} {ticket_status(ctx, ticket)}"


async def add_reply(ctx: Context, ticket: Ticket, text: str) -> list[Reply]:
    await ctx.services.tickets.add_resident_reply(ticket, text.strip(), ctx.services.now())
    ctx.conv.finish()
    return ctx.reply(_("已把您的补充加到编号 {number}，工作人员会看到。回复 0 看菜单。").format(number=ticket.number))


async def route_reply(ctx: Context, tickets: list[Ticket], text: str) -> list[Reply]:
    """One open ticket: the text goes onto it; several: the resident says which."""
    if len(tickets) == 1:
        return await add_reply(ctx, tickets[0], text)
    ctx.conv.start("reply", "which", text=text.strip())
    return ctx.reply(_("您有几件在办，这条补充给哪一件？"),
                     [Option(f"rr:{t.number}", ticket_line(ctx, t)) for t in tickets[:5]])


async def which_step(ctx: Context, text: str) -> list[Reply]:
    options = ctx.conv.options
    if text.startswith(CHOICE + "rr:"):
        number = text.split(":", 1)[1]
    else:
        typed = digits(text)
        number = next((o.split(":", 1)[1] for o in options if typed and o.endswith(typed)), "")
    ticket = await ctx.services.tickets.get(number) if number else None
    if ticket is None or (ticket.channel, ticket.contact) != (ctx.msg.channel, ctx.msg.address) \
            or ticket.status in CLOSED:
        mine = await ctx.services.tickets.open_for_contact(ctx.msg.channel, ctx.msg.address)
        return ctx.reply(_("请选择要补充的那一件，或回复 取消。"),
                         [Option(f"rr:{t.number}", ticket_line(ctx, t)) for t in mine[:5]])
    return await add_reply(ctx, ticket, ctx.conv.data.get("text", ""))


async def content_step(ctx: Context, text: str) -> list[Reply]:
    if text == REASK or not text.strip() or text.startswith(CHOICE):
        return ctx.reply(_("请说要补充的内容。"))
    ticket = await ctx.services.tickets.get(ctx.conv.data.get("number", ""))
    if ticket is None:
        ctx.conv.finish()
        return ctx.reply(_("没有找到这件办理。回复 0 看菜单。"))
    return await add_reply(ctx, ticket, text)


async def supplement(ctx: Context, args: str) -> list[Reply]:
    """补充 [编号] 内容: adds to one of the resident's open tickets, asking which when there are several."""
    mine = await ctx.services.tickets.open_for_contact(ctx.msg.channel, ctx.msg.address)
    if not mine:
        return ctx.reply(_("您没有在办的求助或申请。要求助请回复 求助。"))
    named = re.match(r"^(\d[\d ]{7,})\s*(.*)$", args.strip(), re.DOTALL)
    if named:
        number, text = named.group(1).replace(" ", ""), named.group(2)
        ticket = next((t for t in mine if t.number == number), None)
        if ticket is None:
            return ctx.reply(_("没有找到编号 {number} 的在办记录（只能补充用本号码提交的）。").format(number=number))
        if not text.strip():
            ctx.conv.start("reply", "content", number=number)
            return ctx.reply(_("请说要补充的内容。"))
        return await add_reply(ctx, ticket, text)
    if not args.strip():
        if len(mine) == 1:
            ctx.conv.start("reply", "content", number=mine[0].number)
            return ctx.reply(_("请说要补充的内容。"))
        return ctx.reply(_("请回复：补充 编号 内容，例如：补充 {number} 已经住院了").format(number=mine[0].number))
    return await route_reply(ctx, mine, args)


async def answer_to_staff(ctx: Context, text: str) -> list[Reply] | None:
    """Free text soon after a staff reply to an open ticket answers that reply, not a policy question."""
    if ctx.conv.flow or not text.strip() or ctx.msg.attachments:
        return None
    since = ctx.services.now() - REPLY_WINDOW
    tickets = await ctx.services.tickets.open_for_contact(ctx.msg.channel, ctx.msg.address, replied_since=since)
    if not tickets:
        return None
    return await route_reply(ctx, tickets, text)


def register(engine: DialogEngine) -> None:
    engine.fallback(bare_number)
    engine.fallback(answer_to_staff)
    engine.command("supplement", "补充", "补充材料", "补充情况", "/reply", prefix=True)(supplement)
    engine.step("reply", "which")(which_step)
    engine.step("reply", "content", free_text=True)(content_step)
    engine.command("status", "进度", "查询进度", "查进度", "/status", "jindu", "status", prefix=True,
                   glued=lambda rest: bool(rest.strip()) and rest.replace(" ", "").isdigit())(show_status)
    engine.choice("status")(list_mine)
    engine.choice("st")(show_status)
    engine.choice("stp")(list_mine)
    engine.step("status", "number")(number_step)
