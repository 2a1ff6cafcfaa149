"""Free text is a question: answered from the knowledge base for the resident's place, with sources."""

from __future__ import annotations

from bot.domain.messages import Option, Reply
from bot.i18n import gettext as _
from handlers.context import Context
from handlers.engine import DialogEngine
from handlers.requests import is_emergency
from knowledge_base import Answer, Source


def sources_line(sources: list[Source]) -> str:
    cited = "；".join(dict.fromkeys(f"{s.document} {s.section}".strip() for s in sources))
    return _("来源：{sources}").format(sources=cited) if cited else ""


async def answer_question(ctx: Context, text: str) -> list[Reply]:
    region = ctx.profile.region_code
    if not region:
        ctx.conv.start("region", "name", pending_question=text)
        return ctx.reply(_("请先告诉我您在哪个县（市、区）或乡镇，我按当地政策回答。例如：正安县、隆务镇"))
    answer = await ctx.services.kb.ask_async(text, region, locale=ctx.locale, on=ctx.services.today())
    if _no_topic(answer) and ctx.conv.topic and len(text) <= FOLLOW_UP_CHARS:
        # 低保标准多少 … 一个月呢: the follow-up asks about the topic of the question before it.
        follow = await ctx.services.kb.ask_async(f"{ctx.conv.topic}，{text}", region, locale=ctx.locale,
                                                 on=ctx.services.today())
        if not _no_topic(follow):
            answer = follow
    elif answer.article_id is not None:
        ctx.conv.topic = text
    replies = render(ctx, answer)
    if is_emergency(text):
        # "My house collapsed, I need urgent help": the answer, and filing it as 急难 one choice away.
        ctx.conv.data["asked"] = text
        options = [Option("urgent_asked", _("提交急难求助（24小时内救助）")),
                   *[o for o in replies[-1].options if o.key != "help"]][:4]
        replies[-1] = ctx.reply(replies[-1].text, options)[0]
    return replies


# A follow-up is short: a longer message that names no topic is a question of its own.
FOLLOW_UP_CHARS = 12


def _no_topic(answer: Answer) -> bool:
    return not answer.answered and answer.article_id is None and not answer.clarify


def render(ctx: Context, answer: Answer) -> list[Reply]:
    """The answer with its sources; related questions become numbered options or buttons.

    A question that could mean two or three things gets "您是想问：" with them as options: the
    choice is answered at once (a numbered or pressed option routes to its article), 取消 clears
    the options, and anything typed instead is a new question."""
    if answer.clarify:
        head = answer.text.split("\n", 1)[0]
        options = [Option(f"a:{c.article_id}", c.question) for c in answer.clarify]
        return ctx.reply(head, [*options, Option("help", _("都不是：请工作人员回复"))])
    body = answer.text
    line = sources_line(answer.sources)
    if line:
        body += "\n" + line
    if not answer.answered:
        return ctx.reply(body, [Option("help", _("求助：请工作人员回复")), Option("menu", _("菜单"))])
    options = [Option(f"a:{article_id}", question)
               for article_id, question in zip(answer.suggestion_ids, answer.suggestions, strict=False)][:3]
    return ctx.reply(body, options)


async def suggestion(ctx: Context, article_id: str) -> list[Reply]:
    """A related question was picked: its article, for the resident's place."""
    region = ctx.profile.region_code
    if not region:
        return ctx.reply(_("请直接发您的问题。"))
    try:
        answer = ctx.services.kb.article(article_id, region, locale=ctx.locale, on=ctx.services.today())
    except KeyError:
        return ctx.reply(_("请直接发您的问题。"))
    return render(ctx, answer)


async def ask_fallback(ctx: Context, text: str) -> list[Reply]:
    return await answer_question(ctx, text)


async def aside(ctx: Context, text: str, region: str) -> list[Reply] | None:
    """A question asked in the middle of a step: its answer with sources and no options (the step's question
    follows), or None when the knowledge base has no answer for it (then it is read as the step's answer)."""
    answer = await ctx.services.kb.ask_async(text, region, locale=ctx.locale, on=ctx.services.today())
    # A recognised topic the place did not publish (article_id set, "暂未公布…") is an aside too.
    if answer.clarify or (not answer.answered and answer.article_id is None):
        return None
    line = sources_line(answer.sources)
    return [Reply(answer.text + ("\n" + line if line else ""))]


def register(engine: DialogEngine) -> None:
    engine.aside = aside
    engine.choice("a")(suggestion)
    engine.fallback(ask_fallback)
