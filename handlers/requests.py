"""Help requests (求助, 急) and 防止返贫监测 applications (监测): guided steps or one line."""

from __future__ import annotations

import re
from datetime import UTC, timedelta
from typing import Any

from bot.domain.messages import Option, Reply
from bot.domain.tickets import CATEGORIES, HELP, MONITORING, category_label, format_time, status_label
from bot.i18n import gettext as _
from bot.services.tickets import Filing
from handlers.context import Context
from handlers.engine import CHOICE, REASK, DialogEngine
from handlers.region import place_label
from knowledge_base.jurisdictions import Jurisdiction, Jurisdictions
from knowledge_base.text import compact, fold


def county_code_of(ctx: Context) -> str | None:
    code = ctx.profile.region_code
    if not code:
        return None
    county = ctx.services.places.county_of(code)
    return county.code if county else None


def resolve_townships(ctx: Context, name: str) -> list[Jurisdiction]:
    """Served townships a name could mean, narrowed to the resident's county when that settles it."""
    return ctx.services.places.find(name, within=county_code_of(ctx), levels=("township",))


def served_counties(ctx: Context, name: str) -> list[Jurisdiction]:
    return ctx.services.places.find(name, levels=("county",))


# -- one line: 求助 隆务镇 内容 -------------------------------------------------------------------

async def one_line(ctx: Context, kind: str, urgent: bool, args: str) -> list[Reply]:
    places = ctx.services.places
    # The place the request starts with, however written (隆务镇, 正安县 流渡镇, 求助隆务镇家里…);
    # without one, the whole text is the request.
    mention = places.leading(args)
    townships: list[Jurisdiction] = []
    counties: list[Jurisdiction] = []
    name, content = "", args
    if mention and mention.served:
        name, content = mention.text, args[mention.end :].strip()
        townships = [p for p in mention.served if p.is_township]
        county = county_code_of(ctx)
        if len(townships) > 1 and county:
            townships = [p for p in townships if p.code.startswith(county)] or townships
        counties = [p for p in mention.served if p.level == "county"]
    ctx.conv.start("request", "category", kind=kind, urgent=urgent, text=content.strip())
    if len(townships) > 1:
        ctx.conv.step = "township"
        ctx.conv.data["text"] = content.strip()
        return ctx.reply(_("有几个乡镇叫“{name}”，请选择：").format(name=name),
                         [Option(f"tw:{p.code}", place_label(ctx, p)) for p in townships])
    if townships:
        ctx.conv.data["township"] = townships[0].code
    elif counties:
        ctx.conv.data["county"] = counties[0].code
    elif not (county_code_of(ctx)):
        ctx.conv.step = "township"
        return ask_township(ctx)
    else:
        # No township named: the resident's own township if they set one, else the county triages it.
        region = ctx.profile.region_code
        if region and places.get(region).is_township:
            ctx.conv.data["township"] = region
    if not ctx.conv.data["text"]:
        return ask_category(ctx)
    ctx.conv.data["category"] = "emergency" if urgent and kind == HELP else "other"
    return await file_request(ctx)


# -- guided steps ----------------------------------------------------------------------------------

async def start_help(ctx: Context, _arg: str = "") -> list[Reply]:
    ctx.conv.finish()
    ctx.conv.start("request", "township", kind=HELP, urgent=False, text="")
    return ask_township(ctx)


async def start_monitoring(ctx: Context, _arg: str = "") -> list[Reply]:
    ctx.conv.finish()
    ctx.conv.start("request", "township", kind=MONITORING, urgent=False, text="")
    return ask_township(ctx)


def ask_township(ctx: Context) -> list[Reply]:
    region = ctx.profile.region_code
    places = ctx.services.places
    options: list[Option] = []
    if region and places.get(region).is_township:
        options.append(Option(f"tw:{region}", places.get(region).name))
    if county_code_of(ctx):
        options.append(Option("tw:county", _("不清楚，交县里分派")))
    return ctx.reply(_("您在哪个乡镇？请回复乡镇名称（如 隆务镇）。取消请回复 取消"), options)


async def township_step(ctx: Context, text: str) -> list[Reply]:
    if text == REASK:
        return ask_township(ctx)
    data = ctx.conv.data
    guessed = data.pop("guessed", [])
    if not text.startswith(CHOICE) and compact(text) in YES_WORDS and len(guessed) == 1:
        text = CHOICE + "tw:" + guessed[0]
    if text.startswith(CHOICE + "tw:"):
        code = text.split(":", 1)[1]
        if code == "again":
            return ask_township(ctx)
        if code == "county":
            county = county_code_of(ctx)
            if county:
                data["county"] = county
                data.pop("township", None)
        elif code in ctx.services.places:
            data["township"] = code
        else:
            return ask_township(ctx)
    else:
        townships = resolve_townships(ctx, text)
        if len(townships) > 1:
            return ctx.reply(_("有几个乡镇叫“{name}”，请选择：").format(name=text),
                             [Option(f"tw:{p.code}", place_label(ctx, p)) for p in townships])
        if townships:
            data["township"] = townships[0].code
        else:
            counties = served_counties(ctx, text)
            mention = None if counties else ctx.services.places.named(text)
            guesses = [p for p in mention.suggestions if p.is_township] if mention else []
            if guesses:
                # A misspelt township (安厂镇): offered, never taken silently; 是 takes a single guess.
                data["guessed"] = [p.code for p in guesses[:3]]
                question = (_("您是说{place}吗？").format(place=place_label(ctx, guesses[0])) if len(guesses) == 1
                            else _("您是说哪一个？"))
                return ctx.reply(question, [*[Option(f"tw:{p.code}", place_label(ctx, p)) for p in guesses[:3]],
                                            Option("tw:again", _("都不是，重新输入"))])
            if not counties:
                not_found = _("没有找到“{name}”这个乡镇。请再发一次乡镇名称，或回复 取消。").format(name=text[:12])
                return ctx.reply(not_found,
                                 [Option("tw:county", _("不清楚，交县里分派"))] if county_code_of(ctx) else [])
            data["county"] = counties[0].code
    if data.get("text") and data.get("category"):
        return await file_request(ctx)
    if data.get("text"):
        data["category"] = "emergency" if data.get("urgent") and data["kind"] == HELP else "other"
        return await file_request(ctx)
    ctx.conv.goto("category")
    return ask_category(ctx)


def ask_category(ctx: Context) -> list[Reply]:
    kind = ctx.conv.data["kind"]
    question = _("遇到了什么困难？请选择：") if kind == HELP else _("家里出现了什么情况？请选择：")
    return ctx.reply(question, [Option(f"cat:{key}", _(label)) for key, label in CATEGORIES[kind]])


async def category_step(ctx: Context, text: str) -> list[Reply]:
    kind = ctx.conv.data["kind"]
    keys = [key for key, _label in CATEGORIES[kind]]
    if text.startswith(CHOICE + "cat:"):
        key = text.split(":", 1)[1]
    else:
        key = next((k for k, label in CATEGORIES[kind] if text and text in _(label)), "")
    if key not in keys:
        return ask_category(ctx)
    ctx.conv.data["category"] = key
    if key == "emergency":
        ctx.conv.data["urgent"] = True
    ctx.conv.goto("content")
    return ask_content(ctx)


def ask_content(ctx: Context) -> list[Reply]:
    return ctx.reply(_("请用一两句话说说家里的情况（谁、遇到什么困难、需要什么帮助）。返回上一步请回复 返回"))


async def content_step(ctx: Context, text: str) -> list[Reply]:
    if text == REASK or text.startswith(CHOICE):
        return ask_content(ctx)
    attachments = [{"kind": a.kind, "ref": a.ref} for a in ctx.msg.attachments]
    if attachments:
        ctx.conv.data.setdefault("attachments", []).extend(attachments)
    if len(text.strip()) < 2 and not attachments:
        return ask_content(ctx)
    if text.strip():
        ctx.conv.data["text"] = (ctx.conv.data.get("text", "") + " " + text.strip()).strip()
    if not ctx.conv.data.get("text"):
        return ctx.reply(_("照片已收到。请再用文字说说情况。"))
    ctx.conv.goto("confirm")
    return ask_confirm(ctx)


def ask_confirm(ctx: Context) -> list[Reply]:
    data = ctx.conv.data
    places = ctx.services.places
    where = data.get("township") or data.get("county")
    summary = _("请确认：\n地点：{place}\n类别：{category}\n内容：{text}").format(
        place=place_label(ctx, places.get(where)) if where else _("待县里分派"),
        category=category_label(data["kind"], data.get("category", "other")),
        text=data.get("text", "")[:60])
    return ctx.reply(summary, [Option("ok", _("确认提交")), Option("redo", _("重新填写"))])


async def confirm_step(ctx: Context, text: str) -> list[Reply]:
    if text == CHOICE + "ok" or text in ("确认", "提交", "确认提交", "是", "好", "ok", "OK"):
        return await file_request(ctx)
    if text == CHOICE + "redo":
        ctx.conv.data["text"] = ""
        ctx.conv.step = "content"
        return ask_content(ctx)
    return ask_confirm(ctx)


# What a resident writes when life or shelter is at stake: such a request is urgent (急难, aid within 24
# hours) whether it came as 急 or as 求助.
EMERGENCY = re.compile(r"着火|失火|火灾|烧了|房子塌|房屋倒塌|房子倒|塌了|垮了|抢救|急救|病危|车祸|出车祸|重伤|"
                       r"没饭吃|断顿|揭不开锅|饿肚子|洪水|泥石流|冲走"
                       r"|collapsed|on fire|\bfire\b|accident|emergency|no food",
                       re.IGNORECASE)
YES_WORDS = {"是", "是的", "对", "对的", "嗯", "好", "好的", "yes", "y", "ok"}
# The same request sent again within this long (a resident unsure the first went through) files once.
REPEAT_WINDOW = timedelta(minutes=10)


def is_emergency(text: str) -> bool:
    return bool(EMERGENCY.search(fold(text)))


async def repeated(ctx: Context, kind: str, text: str) -> Any:
    """The ticket this resident filed with the same words a few minutes ago, if any."""
    if not text.strip():
        return None
    since = ctx.services.now() - REPEAT_WINDOW
    for ticket in await ctx.services.tickets.for_contact(ctx.msg.channel, ctx.msg.address):
        created = ticket.created_at if ticket.created_at.tzinfo else ticket.created_at.replace(tzinfo=UTC)
        if ticket.kind == kind and created >= since and compact(ticket.text) == compact(text):
            return ticket
    return None


async def file_request(ctx: Context) -> list[Reply]:
    data = ctx.conv.data
    places = ctx.services.places
    township = data.get("township")
    county_code = data.get("county")
    if township:
        county = places.county_of(township)
        county_code = county.code if county else county_code
    if not county_code:
        ctx.conv.step = "township"
        return ask_township(ctx)
    kind = data["kind"]
    same = await repeated(ctx, kind, data.get("text", ""))
    if same is not None:
        ctx.conv.finish()
        return ctx.reply(_("这条求助刚才已经提交过了，编号 {number}，不用再发。查进度请回复：进度 {number}").format(
            number=same.number))
    flagged = kind == HELP and not data.get("urgent") and is_emergency(data.get("text", ""))
    if flagged:
        data["urgent"] = True
        if data.get("category") in (None, "other", "living"):
            data["category"] = "emergency"
    ticket = await ctx.services.tickets.file(Filing(
        kind=kind, county_code=county_code, township_code=township, text=data.get("text", ""),
        channel=ctx.msg.channel, contact=ctx.msg.address, source_ref=ctx.msg.ref,
        urgent=bool(data.get("urgent")), category=data.get("category", "other"), locale=ctx.locale,
        attachments=tuple(data.get("attachments", [])), screening=data.get("screening")))
    ctx.conv.finish()
    if not ctx.profile.region_code and places.is_served(ticket.township_code or ticket.county_code):
        # The place a request named is where the resident lives: never asked again for their questions.
        ctx.profile.region_code = ticket.township_code or ticket.county_code
    where = places.get(ticket.township_code or ticket.county_code).name
    due = format_time(ticket.due_at, ctx.locale)
    if kind == MONITORING:
        decision = status_label("county_review", places.get(ticket.county_code).name)
        text = _("已提交防返贫监测申请，编号 {number}（{place}）。将经村级评议、乡镇初审、{decision}，"
                 "每一步都会通知您。乡镇将在 {due} 前答复。").format(
            number=ticket.number, place=where, decision=decision, due=due)
    else:
        text = _("已提交求助，编号 {number}（{place}）。工作人员将在 {due} 前答复。").format(
            number=ticket.number, place=where, due=due)
        if ticket.aid_due_at:
            aid_due = format_time(ticket.aid_due_at, ctx.locale)
            if flagged:
                text += "\n" + _("您说的情况属于急难，已按急难加急办理。")
            text += "\n" + _("急难情况 {aid_due} 前给予救助。").format(aid_due=aid_due)
    if ctx.msg.buttons:
        return ctx.reply(text, [Option(f"st:{ticket.number}", _("查进度")), Option("menu", _("菜单"))])
    text += "\n" + _("查进度请回复：进度 {number}").format(number=ticket.number)
    if kind == MONITORING:
        # Consent to check-ins at filing (issue 15): a 监测 household opts in with one word.
        text += "\n" + _("回复“定期问候”，我们会定期问一问家里的情况。")
    return ctx.reply(text)


def register(engine: DialogEngine, places: Jurisdictions) -> None:
    def names_place(rest: str) -> bool:
        """求助隆务镇… written without a space still files, but 监测对象怎么确定 stays a question."""
        mention = places.leading(rest)
        return bool(mention and mention.served)

    async def help_command(ctx: Context, args: str) -> list[Reply]:
        return await one_line(ctx, HELP, False, args) if args else await start_help(ctx)

    async def urgent_command(ctx: Context, args: str) -> list[Reply]:
        if not args:
            ctx.conv.finish()
            ctx.conv.start("request", "township", kind=HELP, urgent=True, text="", category="emergency")
            return ask_township(ctx)
        return await one_line(ctx, HELP, True, args)

    async def monitoring_command(ctx: Context, args: str) -> list[Reply]:
        return await one_line(ctx, MONITORING, False, args) if args else await start_monitoring(ctx)

    async def urgent_from_question(ctx: Context, _arg: str = "") -> list[Reply]:
        """The 急难 option under an answer to a question that described an emergency: filed with its words."""
        text = str(ctx.conv.data.get("asked", ""))
        ctx.conv.finish()
        return await one_line(ctx, HELP, True, text)

    engine.choice("urgent_asked")(urgent_from_question)
    engine.command("help", "求助", "/request", "qiuzhu", prefix=True, glued=names_place)(help_command)
    engine.command("urgent", "急", "急难", prefix=True, glued=names_place)(urgent_command)
    engine.command("monitoring", "监测", "/monitor", "jiance", prefix=True, glued=names_place)(monitoring_command)
    engine.choice("help")(start_help)
    engine.choice("monitor")(start_monitoring)
    engine.step("request", "township")(township_step)
    engine.step("request", "category")(category_step)
    engine.step("request", "content", free_text=True)(content_step)
    engine.step("request", "confirm")(confirm_step)
