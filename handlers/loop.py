"""Answers to what Minsheng asks on its own, and the resident's say over their data.

- 定期问候 / 取消问候: agree to (or stop) periodic check-ins (主动发现; ``bot.services.checkins``).
- The check-in's answer: 1 没有 · 2 收入少了 (a 监测 application) · 3 有大病/灾/事故 (an urgent request),
  filed in the household's township carrying the answer.
- 回访 after 已办结: 1 解决了 → a score 1–5; 2 没有解决 → the ticket is reopened with the resident's words.
- 删除我的信息 (my data): open tickets named first, then, after confirmation, the profile,
  check-in enrolment, conversation and the closed tickets' personal fields are removed; a receipt.

The check-in and the 回访 questions are opened in the resident's conversation by the job that
sends them (``bot.services.dialog_state``), so a bare "2" days later reaches the right step.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from bot.domain.i18n import gettext as _
from bot.domain.messages import Option, Reply
from bot.domain.tickets import HELP, MONITORING, N_, format_time, status_label
from bot.services.checkins import ANSWERS as CHECKIN_ANSWERS
from bot.services.checkins import CHANNELS as CHECKIN_CHANNELS
from bot.services.checkins import FLOW as CHECKIN_FLOW
from bot.services.followups import ANSWERS as FOLLOWUP_ANSWERS
from bot.services.followups import FLOW as FOLLOWUP_FLOW
from bot.services.followups import record_score, record_solved, reopen
from bot.services.privacy import erase_resident, open_tickets_of
from bot.services.tickets import Filing
from bot.storage.models import CheckIn, CheckInRound, Ticket, TicketEvent
from handlers.context import Context
from handlers.engine import CHOICE, REASK, DialogEngine

SCORES = {1: N_("很不满意"), 2: N_("不满意"), 3: N_("一般"), 4: N_("满意"), 5: N_("很满意")}


def session_of(ctx: Context) -> Any:
    """The message's own transaction (the dialogs write through it, as filing does)."""
    return ctx.services.tickets.session


def picked(text: str, prefix: str, most: int, labels: dict[int, str] | None = None) -> tuple[int | None, str]:
    """The number chosen (a button, "2", "2 还是没钱看病", or an option's own words) and any words after it."""
    for number, label in (labels or {}).items():
        if text.strip() in (label, _(label)):
            return number, ""
    if text.startswith(CHOICE + prefix + ":"):
        value = text.split(":", 1)[1].lstrip("s")
        return (int(value) if value.isdigit() and 1 <= int(value) <= most else None), ""
    match = re.match(r"^\s*([1-9])(?:\s*[、.。,，:：]?\s*(.*))?$", text, re.DOTALL)
    if match and 1 <= int(match.group(1)) <= most:
        return int(match.group(1)), (match.group(2) or "").strip()
    return None, ""


# -- check-ins ---------------------------------------------------------------------------------------

def checkin_options() -> list[Option]:
    return [Option(f"ci:{n}", _(label)) for n, label in CHECKIN_ANSWERS.items()]


async def checkin_answer(ctx: Context, text: str) -> list[Reply]:
    answer, words = picked(text, "ci", 3, CHECKIN_ANSWERS)
    if answer is None:
        return ctx.reply(_("近来家里收入或开支有大变化吗？请回复数字："), checkin_options())
    session = session_of(ctx)
    now = ctx.services.now()
    round_ = await session.get(CheckInRound, int(ctx.conv.data.get("round", 0)))
    checkin = await session.get(CheckIn, round_.checkin_id) if round_ else None
    ctx.conv.finish()
    if round_ is None or checkin is None or round_.answer is not None:
        return ctx.reply(_("这次问候已经答复过了，谢谢。回复 0 看菜单。"))
    round_.answer, round_.answered_at = answer, now
    label = _(CHECKIN_ANSWERS[answer])
    if answer == 1:
        return ctx.reply(_("谢谢您的答复，祝家里一切平安。有困难随时回复“求助”。"))
    history = list(await session.scalars(select(CheckInRound).where(CheckInRound.checkin_id == checkin.id)
                                         .order_by(CheckInRound.id.desc()).limit(4)))
    earlier = "；".join(f"{format_time(r.sent_at, 'zh_Hans')} {r.answer or '未答复'}" for r in history[1:])
    body = f"定期问候答复：{answer} {CHECKIN_ANSWERS[answer]}（{format_time(round_.sent_at, 'zh_Hans')} 问候）"
    if words:
        body += f"。居民补充：{words[:300]}"
    if earlier:
        body += f"。此前答复：{earlier}"
    kind = MONITORING if answer == 2 else HELP
    ticket = await ctx.services.tickets.file(Filing(
        kind=kind, county_code=checkin.county_code, township_code=checkin.township_code, text=body,
        channel=ctx.msg.channel, contact=ctx.msg.address, source_ref=f"checkin:{round_.id}",
        urgent=answer == 3, category="income_drop" if answer == 2 else "emergency", locale=ctx.locale))
    round_.ticket_id = ticket.id
    where = ctx.services.places.get(ticket.township_code or ticket.county_code).name
    if kind == MONITORING:
        reply = _("您答复“{label}”，已为您提交防返贫监测申请，编号 {number}（{place}），"
                  "乡镇将在 {due} 前联系您。").format(
            label=label, number=ticket.number, place=where, due=format_time(ticket.due_at, ctx.locale))
    else:
        reply = _("您答复“{label}”，已为您提交急难求助，编号 {number}（{place}），"
                  "工作人员将在 {due} 前联系您。").format(
            label=label, number=ticket.number, place=where, due=format_time(ticket.due_at, ctx.locale))
    return ctx.reply(reply + "\n" + _("查进度请回复：进度 {number}").format(number=ticket.number))


async def enrol(ctx: Context, _text: str = "") -> list[Reply]:
    if ctx.msg.channel not in CHECKIN_CHANNELS:
        # WeChat lets a 服务号 write only within 48 hours of the resident's last message.
        return ctx.reply(_("这里无法按期给您发问候。"
                           "请用手机短信发“定期问候”，或请村里、乡镇工作人员用您的手机号登记。"))
    places = ctx.services.places
    code = ctx.profile.region_code
    if not code or code not in places:
        return ctx.reply(_("请先告诉我们您在哪个乡镇（直接发乡镇名称），再回复“定期问候”。"))
    place = places.get(code)
    county = places.county_of(code)
    if county is None:
        return ctx.reply(_("请先告诉我们您在哪个乡镇（直接发乡镇名称），再回复“定期问候”。"))
    now = ctx.services.now()
    checkin = await ctx.services.checkins.enrol(
        session_of(ctx), ctx.msg.channel, ctx.msg.address, county.code, code if place.is_township else None,
        "resident", "resident", ctx.locale, now)
    months = ctx.services.checkins.interval(checkin, now)
    return ctx.reply(_("好的，我们每 {months} 个月问候您一次家里情况，下次在 {when}。"
                       "回复“取消问候”可随时停止。").format(
        months=months, when=format_time(checkin.next_due_at, ctx.locale)))


async def leave(ctx: Context, _text: str = "") -> list[Reply]:
    session = session_of(ctx)
    checkin = await ctx.services.checkins.for_address(session, ctx.msg.channel, ctx.msg.address)
    if checkin is None or not checkin.active:
        return ctx.reply(_("您没有登记定期问候。"))
    await ctx.services.checkins.remove(session, checkin, "resident", ctx.services.now())
    return ctx.reply(_("已停止定期问候。需要时回复“定期问候”重新开通。"))


# -- 回访 ----------------------------------------------------------------------------------------------

async def followup_ticket(ctx: Context) -> Ticket | None:
    ticket_id = ctx.conv.data.get("ticket")
    return await session_of(ctx).get(Ticket, int(ticket_id)) if ticket_id else None


def score_options() -> list[Option]:
    return [Option(f"fu:s{n}", f"{n} {_(label)}") for n, label in SCORES.items()]


async def followup_solved(ctx: Context, text: str) -> list[Reply]:
    answer, words = picked(text, "fu", 2, FOLLOWUP_ANSWERS)
    if answer is None:
        return ctx.reply(_("问题解决了吗？请回复数字："),
                         [Option(f"fu:{n}", _(label)) for n, label in FOLLOWUP_ANSWERS.items()])
    ticket = await followup_ticket(ctx)
    now = ctx.services.now()
    if ticket is None or ticket.followup_state != "sent":
        ctx.conv.finish()
        return ctx.reply(_("这次回访已经答复过了，谢谢。回复 0 看菜单。"))
    session = session_of(ctx)
    if answer == 1:
        await record_solved(session, ticket, now)
        ctx.conv.goto("score")
        return ctx.reply(_("很高兴问题解决了。请给这次办理打分（5分最满意）："), score_options())
    place = ctx.services.places.get(ticket.township_code or ticket.county_code).name
    if not await reopen(session, ticket, words, now):
        # Staff moved it meanwhile (it is no longer 已办结): the words still reach them.
        ctx.conv.finish()
        if words:
            session.add(TicketEvent(ticket_id=ticket.id, at=now, type="resident_reply", by="resident",
                                    text=words[:1000]))
        return ctx.reply(_("已转告工作人员（编号 {number}），他们会再联系您。").format(number=ticket.number))
    if words:
        ctx.conv.finish()
        return ctx.reply(_("已重新交{place}办理（编号 {number}），工作人员会再联系您。").format(
            place=place, number=ticket.number))
    ctx.conv.goto("words")
    return ctx.reply(_("已重新交{place}办理（编号 {number}）。请说说还有什么没有解决，我们转告工作人员。").format(
        place=place, number=ticket.number))


async def followup_score(ctx: Context, text: str) -> list[Reply]:
    if text.startswith(CHOICE + "fu:s"):
        value = text.rsplit("s", 1)[1]
        score = int(value) if value.isdigit() else None
    else:
        score, _words = picked(text, "fu", 5)
    if score is None or not 1 <= score <= 5:
        return ctx.reply(_("请回复 1 到 5 的数字（5分最满意）："), score_options())
    ticket = await followup_ticket(ctx)
    ctx.conv.finish()
    if ticket is None or ticket.followup_score is not None:
        return ctx.reply(_("谢谢，您已经打过分了。"))
    await record_score(session_of(ctx), ticket, score, ctx.services.now())
    return ctx.reply(_("谢谢您的评价！"))


async def followup_words(ctx: Context, text: str) -> list[Reply]:
    if text == REASK or text.startswith(CHOICE) or len(text.strip()) < 2:
        return ctx.reply(_("请说说还有什么没有解决，我们转告工作人员。"))
    ticket = await followup_ticket(ctx)
    ctx.conv.finish()
    if ticket is None:
        return ctx.reply(_("回复 0 看菜单。"))
    session_of(ctx).add(TicketEvent(ticket_id=ticket.id, at=ctx.services.now(), type="resident_reply",
                                    by="resident", text=text.strip()[:1000]))
    return ctx.reply(_("已转告工作人员（编号 {number}），他们会再联系您。").format(number=ticket.number))


# -- 删除我的信息 ------------------------------------------------------------------------------------------

async def erase_start(ctx: Context, _text: str = "") -> list[Reply]:
    ctx.conv.finish()
    ctx.conv.start("erase", "confirm")
    open_ones = await open_tickets_of(session_of(ctx), ctx.msg.channel, ctx.msg.address)
    lines = []
    if open_ones:
        county = ctx.services.places
        listed = "，".join(f"{t.number}（{status_label(t.status, county.get(t.county_code).name)}）"
                           for t in open_ones[:5])
        lines.append(_("您还有未办结的办理：{tickets}。它们会继续办理，办结后再删除。").format(tickets=listed))
    lines.append(_("确认删除后，将清除您的地区和语言设置、定期问候登记、对话记录，以及已办结事项中的电话和内容。"))
    return ctx.reply("\n".join(lines), [Option("erase:yes", _("确认删除")), Option("erase:no", _("不删除"))])


async def erase_confirm(ctx: Context, text: str) -> list[Reply]:
    if text in (CHOICE + "erase:no", "2", "不删除", "取消"):
        ctx.conv.finish()
        return ctx.reply(_("好的，没有删除任何信息。回复 0 看菜单。"))
    if text not in (CHOICE + "erase:yes", "1", "确认删除", "确认"):
        return await erase_start(ctx)
    now = ctx.services.now()
    counts = await erase_resident(session_of(ctx), ctx.msg.channel, ctx.msg.address, now)
    ctx.conv.finish()
    ctx.conv.options = []
    return [Reply(_("回执：已于 {time} 删除您的个人信息（已办结事项 {tickets} 件，定期问候登记 {checkins} 项，"
                    "地区和语言设置）。之后再发消息，我们会当作新的对话。").format(
        time=format_time(now, ctx.locale), tickets=counts["tickets"], checkins=counts["checkins"]))]


def register(engine: DialogEngine) -> None:
    engine.command("checkin_join", "定期问候", "加入问候", "/checkin")(enrol)
    engine.command("checkin_leave", "取消问候", "停止问候")(leave)
    engine.command("erase", "删除我的信息", "删除信息", "删除我的资料", "my data", "mydata", "/mydata",
                   "delete my data")(erase_start)
    engine.step(CHECKIN_FLOW, "answer")(checkin_answer)
    engine.step(FOLLOWUP_FLOW, "solved")(followup_solved)
    engine.step(FOLLOWUP_FLOW, "score")(followup_score)
    engine.step(FOLLOWUP_FLOW, "words")(followup_words)
    engine.step("erase", "confirm")(erase_confirm)
