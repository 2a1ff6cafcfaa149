"""Setting the resident's region from what they write; the place reader (knowledge_base.places) reads it.

What the resident may write, and what they get:

- a place we serve, however written (正安县流渡镇, 正安流渡, 我是流渡镇的, 我在隆务镇住, Longwu):
  the region is set; a name several served places share (城关镇, 临夏) is asked back;
- a question that says where they live (我是正安县流渡镇的 低保一个月多少钱), or that starts with
  the place while no region is set: the region is remembered, they are told so, and the question
  is answered;
- a misspelt place (安厂镇, 龙务): "您是说安场镇吗？" with 是 / 不是, never taken silently;
- a prefecture, province or county we serve part of (遵义市, 莆田, 黄南州): the served places in it;
- a place we do not serve (北京, 荔城区): said plainly, with the places we do serve.
"""

from __future__ import annotations

import re

from bot.domain.messages import Option, Reply
from bot.i18n import gettext as _
from handlers.context import Context
from handlers.engine import CHOICE, REASK, DialogEngine
from knowledge_base.jurisdictions import Jurisdiction, Mention
from knowledge_base.kb import display_name
from knowledge_base.text import compact

_PLACE_LIKE = re.compile(r"(县|市|区|镇|乡|州|街道)$")
_YES = {"是", "是的", "对", "对的", "嗯", "好", "好的", "yes", "y", "ok"}
_NO = {"不是", "不对", "否", "都不是", "no", "n"}
# Places offered at once for a misspelling: an SMS reply stays within its budget.
MAX_OFFERED = 4


def place_label(ctx: Context, place: Jurisdiction) -> str:
    """隆务镇（同仁市）: a township with its county, so that 城关镇 is not ambiguous."""
    county = ctx.services.places.county_of(place.code)
    if place.is_township and county:
        return f"{place.name}（{county.name}）"
    return display_name(place)


def supported_list(ctx: Context) -> str:
    """The places Minsheng serves, as residents name them: 城厢区、正安县、临夏州、同仁市、平罗县."""
    return "、".join(display_name(p) for p in ctx.services.places.roots())


async def prompt_region(ctx: Context, _arg: str = "") -> list[Reply]:
    ctx.conv.finish()
    ctx.conv.start("region", "name")
    return ask_name(ctx)


def ask_name(ctx: Context) -> list[Reply]:
    ctx.conv.step = "name"
    # Buttons for the served counties where options are buttons; a township is still typed.
    options = [Option(f"setregion:{p.code}", p.name) for p in ctx.services.places.counties()] \
        if ctx.msg.buttons else []
    return ctx.reply(_("请回复您所在的县（市、区）或乡镇名称，例如：正安县、隆务镇、通伏乡"), options)


async def region_name_step(ctx: Context, text: str) -> list[Reply]:
    if text == REASK:
        return ask_name(ctx)
    if text.startswith(CHOICE + "setregion:"):
        return await confirm_region(ctx, text.split(":", 1)[1])
    found = await set_region_by_name(ctx, text)
    if found is not None:
        return found
    return ctx.reply(_("没有找到“{name}”。目前支持：{places}。请再发一次地区名，或回复 0 看菜单。").format(
        name=text[:12], places=supported_list(ctx)))


async def set_region_by_name(ctx: Context, text: str) -> list[Reply] | None:
    """Answers a message that is a place, or a question saying where the resident lives; None otherwise."""
    mention = ctx.services.places.named(text)
    if mention is not None:
        return await _settle(ctx, mention)
    return await _question_with_place(ctx, text)


async def _question_with_place(ctx: Context, text: str) -> list[Reply] | None:
    """A question that says where the resident lives: remembered and answered, or the place settled first."""
    lives = _where_resident_lives(ctx, text)
    if lives is None:
        return None
    if len(lives.served) == 1:
        return await _remember_and_answer(ctx, lives.served[0].code, text)
    # Misspelt, shared, partly or not served: settle the place first, then answer the question.
    ctx.conv.finish()
    ctx.conv.start("region", "name", pending_question=text)
    return await _settle(ctx, lives)


def _where_resident_lives(ctx: Context, text: str) -> Mention | None:
    """The place a question gives as the resident's own: 我是…的 / 我在…, or its first words while no
    region is set (正安县 低保多少); a place named only as context (我妹妹在同仁市) is not."""
    for mention in ctx.services.places.read(text):
        # 我在石嘴山市区打工，我爸…, or 我在华亭开了个小卖部 from 城厢区 (its 华亭镇): where they work, or
        # a township of their own place; the region stays and the question is answered.
        if ctx.profile.region_code and ctx.services.kb.says_elsewhere(text, mention, ctx.profile.region_code):
            continue
        somewhere = any(p.level != "township" for p in mention.places)
        if mention.intro and (mention.served or mention.suggestions or mention.served_inside or somewhere):
            return mention
        leading = not ctx.profile.region_code and not compact(text[: mention.start])
        if leading and (mention.served or mention.suggestions or mention.served_inside):
            return mention
    return None


async def _settle(ctx: Context, mention: Mention) -> list[Reply]:
    """The reply to a place the resident named, by what Minsheng serves of it."""
    served = mention.served
    if len(served) == 1:
        return await confirm_region(ctx, served[0].code)
    _into_region_flow(ctx)
    if served:
        return _offer(ctx, _("有几个地方叫“{name}”，请选择：").format(name=mention.text[:12]), served)
    if mention.served_inside:
        where = display_name(mention.places[0])
        inside = "、".join(place_label(ctx, p) for p in mention.served_inside)
        return _offer(ctx, _("我们在{place}只服务{served}，请选择：").format(place=where, served=inside),
                      mention.served_inside)
    lead = ""
    if mention.places:
        lead = _("暂未覆盖“{name}”。").format(name=display_name(mention.places[0]))
    if len(mention.suggestions) == 1:
        return _offer(ctx, lead + _("您是说{place}吗？").format(place=place_label(ctx, mention.suggestions[0])),
                      mention.suggestions, confirm=True)
    if mention.suggestions:
        return _offer(ctx, lead + _("您是说哪一个？"), mention.suggestions[:MAX_OFFERED], none_of_these=True)
    return ctx.reply(lead + _("目前支持：{places}。请回复您所在的县（市、区）或乡镇名称。").format(
        places=supported_list(ctx)))


def _into_region_flow(ctx: Context) -> None:
    if ctx.conv.flow != "region":
        ctx.conv.finish()
        ctx.conv.start("region", "name")


def _offer(ctx: Context, question: str, places: tuple[Jurisdiction, ...], confirm: bool = False,
           none_of_these: bool = False) -> list[Reply]:
    """Served places to pick from (buttons on Telegram, numbers on SMS); ``confirm`` asks 是 / 不是 about one."""
    ctx.conv.step = "pick"
    ctx.conv.data["offered"] = [p.code for p in places]
    if confirm:
        options = [Option(f"setregion:{places[0].code}", _("是")), Option("region:again", _("不是"))]
    else:
        options = [Option(f"setregion:{p.code}", place_label(ctx, p)) for p in places]
        if none_of_these:
            options.append(Option("region:again", _("都不是")))
    return ctx.reply(question, options)


async def confirm_region(ctx: Context, code: str) -> list[Reply]:
    places = ctx.services.places
    if code not in places or not places.is_served(code):
        return await prompt_region(ctx)
    ctx.profile.region_code = code
    pending = ctx.conv.data.get("pending_question")
    ctx.conv.finish()
    text = _("已设置地区：{place}。").format(place=place_label(ctx, places.get(code)))
    if pending:
        return await _answered(ctx, text, pending)
    summary = ctx.services.kb.region_summary(code, ctx.services.today(), locale=ctx.locale)
    return ctx.reply(text + (("\n" + summary) if summary else "") + "\n" + _("直接发问题即可，回复 0 看菜单。"))


async def _remember_and_answer(ctx: Context, code: str, question: str) -> list[Reply]:
    """A question that said where the resident lives: the region is kept and the question answered."""
    places = ctx.services.places
    changed = ctx.profile.region_code != code
    ctx.profile.region_code = code
    ctx.conv.finish()
    if not changed:
        return await _ask(ctx, question)
    note = _("已记住您的地区：{place}（回复“地区”可修改）。").format(place=place_label(ctx, places.get(code)))
    return await _answered(ctx, note, question)


async def _answered(ctx: Context, note: str, question: str) -> list[Reply]:
    answer = await _ask(ctx, question)
    answer[0].text = note + "\n" + answer[0].text
    return answer


async def _ask(ctx: Context, question: str) -> list[Reply]:
    # Imported here: the question dialog may come to need this module (a place in a question).
    from handlers.ask import answer_question

    return await answer_question(ctx, question)


async def pick_step(ctx: Context, text: str) -> list[Reply]:
    offered = ctx.conv.data.get("offered", [])
    if text.startswith(CHOICE + "setregion:"):
        return await confirm_region(ctx, text.split(":", 1)[1])
    if text == CHOICE + "region:again" or compact(text) in _NO:
        return ask_name(ctx)
    if compact(text) in _YES and len(offered) == 1:
        return await confirm_region(ctx, offered[0])
    if text == REASK:
        return ask_name(ctx)
    return await region_name_step(ctx, text)


async def unknown_place_fallback(ctx: Context, text: str) -> list[Reply] | None:
    """A place, or a question saying where the resident lives, outside any flow; None for anything else."""
    mention = ctx.services.places.named(text)
    if mention is not None and _worth_settling(mention, text):
        return await _settle(ctx, mention)
    if mention is None:
        found = await _question_with_place(ctx, text)
        if found is not None:
            return found
    name = compact(text)
    if len(name) <= 8 and _PLACE_LIKE.search(name) and not ctx.services.places.read(text):
        return ctx.reply(_("暂未覆盖“{name}”。目前支持：{places}。").format(name=name, places=supported_list(ctx)))
    return None


def _worth_settling(mention: Mention, text: str) -> bool:
    """Whether a message that is only a place is about a place: a bare township short name we do
    not serve (胜利, 太平) is more likely an ordinary word than a place, outside the region prompt."""
    return bool(mention.served or mention.served_inside or mention.suggestions
                or any(p.level != "township" for p in mention.places) or _PLACE_LIKE.search(compact(text)))


def register(engine: DialogEngine) -> None:
    engine.choice("region")(prompt_region)
    engine.choice("setregion")(confirm_region)
    engine.step("region", "name", free_text=True)(region_name_step)
    engine.step("region", "pick", free_text=True)(pick_step)
    engine.command("region", "/region", "region", "设置地区", "地区", "改地区", "diqu")(prompt_region)
    engine.fallback(unknown_place_fallback)
