"""Free text is a question: answered from the knowledge base for the resident's place, with sources."""

from __future__ import annotations

from aiogram.utils.i18n import gettext as _

from handlers.context import Context
from handlers.engine import DialogEngine
from handlers.messages import Option, Reply


def sources_line(sources: list[object]) -> str:
    cited = "；".join(dict.fromkeys(f"{s.document} {s.section}".strip() for s in sources))  # type: ignore[attr-defined]
    return _("来源：{sources}").format(sources=cited) if cited else ""


async def answer_question(ctx: Context, text: str) -> list[Reply]:
    region = ctx.profile.region_code
    if not region:
        ctx.conv.start("region", "name", pending_question=text)
        return ctx.reply(_("请先告诉我您在哪个县（市、区）或乡镇，我按当地政策回答。例如：正安县、隆务镇"))
    answer = ctx.services.kb.ask(text, region, locale=ctx.locale, on=ctx.services.now().date())
    body = answer.text
    line = sources_line(answer.sources)
    if line:
        body += "\n" + line
    if not answer.answered:
        return ctx.reply(body, [Option("help", _("求助：请工作人员回复")), Option("menu", _("菜单"))])
    ctx.conv.data["suggestions"] = list(answer.suggestions)
    options = [Option(f"q:{i}", s) for i, s in enumerate(answer.suggestions[:3])]
    return ctx.reply(body, options)


async def suggestion(ctx: Context, arg: str) -> list[Reply]:
    asked = ctx.conv.data.get("suggestions") or []
    if arg.isdigit() and int(arg) < len(asked):
        return await answer_question(ctx, asked[int(arg)])
    return ctx.reply(_("请直接发您的问题。"))


async def ask_fallback(ctx: Context, text: str) -> list[Reply]:
    return await answer_question(ctx, text)


def register(engine: DialogEngine) -> None:
    engine.choice("q")(suggestion)
    engine.fallback(ask_fallback)
