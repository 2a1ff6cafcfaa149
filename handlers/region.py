"""Setting the resident's region by name; a name shared by several places is asked back."""

from __future__ import annotations

import re

from aiogram.utils.i18n import gettext as _

from bot.domain.messages import Option, Reply
from handlers.context import Context
from handlers.engine import DialogEngine
from knowledge_base.jurisdictions import Jurisdiction
from knowledge_base.text import compact

_PREFIX = re.compile(r"^(设置地区|设置|地区|我在|我住在|我住|我是|我家在|在)")
_PLACE_LIKE = re.compile(r"(县|市|区|镇|乡|州|街道)$")


def place_label(ctx: Context, place: Jurisdiction) -> str:
    """隆务镇（同仁市）: a township with its county, so that 城关镇 is not ambiguous."""
    county = ctx.services.places.county_of(place.code)
    if place.is_township and county:
        return f"{place.name}（{county.name}）"
    return place.name


async def prompt_region(ctx: Context, _arg: str = "") -> list[Reply]:
    ctx.conv.finish()
    ctx.conv.start("region", "name")
    return ctx.reply(_("请回复您所在的县（市、区）或乡镇名称，例如：正安县、隆务镇、通伏乡"))


async def region_name_step(ctx: Context, text: str) -> list[Reply]:
    if text.startswith("\x01"):
        return await prompt_region(ctx)
    found = await set_region_by_name(ctx, text)
    if found is not None:
        return found
    return ctx.reply(_("没有找到“{name}”。目前支持：{places}。请再发一次地区名，或回复 0 看菜单。").format(
        name=text[:12], places=supported_list(ctx)))


def supported_list(ctx: Context) -> str:
    return "、".join(dict.fromkeys(p.name for p in ctx.services.places.counties()))


async def set_region_by_name(ctx: Context, text: str) -> list[Reply] | None:
    """Sets the region when the text is a served place's name; None when it names none."""
    name = _PREFIX.sub("", compact(text))
    if not name:
        return None
    places = [p for p in ctx.services.places.resolve(name) if ctx.services.places.is_served(p.code)]
    if len(places) == 1:
        return await confirm_region(ctx, places[0].code)
    if len(places) > 1:
        ctx.conv.start("region", "pick")
        return ctx.reply(_("有几个地方叫“{name}”，请选择：").format(name=name),
                         [Option(f"setregion:{p.code}", place_label(ctx, p)) for p in places])
    return None


async def confirm_region(ctx: Context, code: str) -> list[Reply]:
    places = ctx.services.places
    if code not in places or not places.is_served(code):
        return await prompt_region(ctx)
    ctx.profile.region_code = code
    pending = ctx.conv.data.get("pending_question")
    ctx.conv.finish()
    text = _("已设置地区：{place}。").format(place=place_label(ctx, places.get(code)))
    summary = ctx.services.kb.region_summary(code)
    if pending:
        from handlers.ask import answer_question

        answer = await answer_question(ctx, pending)
        answer[0].text = text + "\n" + answer[0].text
        return answer
    return ctx.reply(text + (("\n" + summary) if summary else "") + "\n" + _("直接发问题即可，回复 0 看菜单。"))


async def pick_step(ctx: Context, text: str) -> list[Reply]:
    if text.startswith("\x00setregion:"):
        return await confirm_region(ctx, text.split(":", 1)[1])
    if text.startswith("\x01"):
        return await prompt_region(ctx)
    return await region_name_step(ctx, text)


async def unknown_place_fallback(ctx: Context, text: str) -> list[Reply] | None:
    """A served place's name sets the region; a short place-like name we do not serve is said so."""
    found = await set_region_by_name(ctx, text)
    if found is not None:
        return found
    name = compact(text)
    if len(name) <= 8 and _PLACE_LIKE.search(name) and not ctx.services.places.find_in_text(name):
        return ctx.reply(_("暂未覆盖“{name}”。目前支持：{places}。").format(name=name, places=supported_list(ctx)))
    return None


def register(engine: DialogEngine) -> None:
    engine.choice("region")(prompt_region)
    engine.choice("setregion")(confirm_region)
    engine.step("region", "name")(region_name_step)
    engine.step("region", "pick")(pick_step)
    engine.command("region", "/region", "设置地区", "地区", "改地区")(prompt_region)
    engine.fallback(unknown_place_fallback)
