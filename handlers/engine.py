"""The dialog engine: one entry point every channel calls with a neutral message."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import Any, Protocol

from bot.domain.messages import Incoming, Option, Reply, split_pages, ucs2_len
from bot.i18n import I18n
from bot.i18n import gettext as _
from bot.services.residents import Profile
from handlers.context import Context, Conversation, Services
from knowledge_base.text import clean, compact

Step = Callable[[Context, str], Awaitable[list[Reply]]]


class Turn(Protocol):
    """One message's unit of work, given by the channel that processes it.

    Everything the message changes (its conversation, the resident's profile, a ticket it files
    through ``services``) is written in one transaction with its replies, so a crash either
    redoes the message or has finished it, never half.
    """

    @property
    def services(self) -> Services: ...
    async def conversation(self, channel: str, address: str) -> dict[str, Any] | None: ...
    async def resident(self, channel: str, address: str) -> tuple[Profile, dict[str, Any] | None]:
        """``profile`` and ``conversation`` together (one round trip where the storage can)."""
        ...
    async def save_conversation(self, channel: str, address: str, data: dict[str, Any], ttl: float) -> None: ...
    async def profile(self, channel: str, address: str) -> Profile: ...
    async def save_profile(self, channel: str, address: str, profile: Profile) -> None: ...


MORE_WORDS = {"更多", "more", "gengduo", "下一页", "下页", "继续"}
BACK_WORDS = {"返回", "back", "上一步", "fanhui", "/back"}
# What a flow step receives besides typed text: a picked option, or a request to ask again.
CHOICE = "\x00"
REASK = "\x01"
MORE_PROMPT_LEN = 12
# Options that mean the same wherever they are shown (the language, the menu): never a flow step's answer,
# so that choosing English at the region prompt switches the language instead of being read as a place.
GLOBAL_CHOICES = frozenset({"menu", "lang", "setlang", "back", "cancel"})


@dataclass
class Command:
    """A text command that works from anywhere in a conversation."""

    name: str
    words: set[str]
    run: Step
    # With a prefix command (求助 隆务镇 …) the rest of the text is the argument.
    prefix: bool = False
    # Whether a prefix command also takes an argument written without a space (求助隆务镇…).
    glued: Callable[[str], bool] | None = None


@dataclass
class Flow:
    """A multi-step dialog: ``steps`` maps the conversation's step name to its handler."""

    name: str
    steps: dict[str, Step] = field(default_factory=dict)
    # Steps that ask for an amount: there a lone "0" means zero, not the menu.
    amount_steps: set[str] = field(default_factory=set)
    # Steps that take free text (a request's description): a question there is part of the answer.
    free_text_steps: set[str] = field(default_factory=set)


# A message that is plainly a question rather than an answer to the step's question.
_QUESTION = re.compile(r"[?？]$|多少|怎么|如何|什么|哪些|能不能|可不可以|是否|吗$|how |what |can i|\?")


def looks_like_question(text: str) -> bool:
    return len(compact(text)) >= 4 and bool(_QUESTION.search(text.strip().lower()))


class DialogEngine:
    """Routes a message to a command, the running flow, or the fallbacks, and pages long replies."""

    def __init__(self, services: Services, turns: Callable[[], AbstractAsyncContextManager[Turn]], i18n: I18n,
                 conversation_ttl: float, default_locale: str = "zh_Hans") -> None:
        self.services = services
        # Opens a unit of work for a message handled on its own (the terminal, tests).
        self.turns = turns
        self.i18n = i18n
        self.ttl = conversation_ttl
        self.default_locale = default_locale
        self.commands: list[Command] = []
        self.flows: dict[str, Flow] = {}
        self.choices: dict[str, Step] = {}
        self.fallbacks: list[Callable[[Context, str], Awaitable[list[Reply] | None]]] = []
        # Answers a question asked in the middle of a step, for a place; None when it cannot (handlers/ask.py).
        self.aside: Callable[[Context, str, str], Awaitable[list[Reply] | None]] | None = None

    # -- registration (handlers/__init__ modules call these through handlers.setup) -----------

    def command(self, name: str, *words: str, prefix: bool = False,
                glued: Callable[[str], bool] | None = None) -> Callable[[Step], Step]:
        def register(step: Step) -> Step:
            self.commands.append(Command(name, {w.lower() for w in words}, step, prefix, glued))
            return step
        return register

    def choice(self, key: str) -> Callable[[Step], Step]:
        """A handler for an option key offered from anywhere (menu entries, suggestions)."""
        def register(step: Step) -> Step:
            self.choices[key] = step
            return step
        return register

    def flow(self, name: str) -> Flow:
        return self.flows.setdefault(name, Flow(name))

    def step(self, flow: str, step: str, amount: bool = False, free_text: bool = False) -> Callable[[Step], Step]:
        def register(handler: Step) -> Step:
            self.flow(flow).steps[step] = handler
            if amount:
                self.flow(flow).amount_steps.add(step)
            if free_text:
                self.flow(flow).free_text_steps.add(step)
            return handler
        return register

    def fallback(self, handler: Callable[[Context, str], Awaitable[list[Reply] | None]]) -> None:
        self.fallbacks.append(handler)

    # -- handling -------------------------------------------------------------------------------

    def locale_for(self, profile: Profile, msg: Incoming) -> str:
        if profile.locale:
            return profile.locale
        if msg.locale_hint and msg.locale_hint.lower().startswith("en"):
            return "en"
        return self.default_locale

    async def handle(self, msg: Incoming, turn: Turn | None = None) -> list[Reply]:
        """Answers one message within ``turn`` (or a unit of its own, committed before returning)."""
        if turn is None:
            async with self.turns() as own:
                return await self.handle(msg, own)
        profile, state = await turn.resident(msg.channel, msg.address)
        before = Profile(**vars(profile))
        conv = Conversation.from_json(state)
        locale = self.locale_for(profile, msg)
        with self.i18n.context(), self.i18n.use_locale(locale):
            ctx = Context(msg, conv, profile, turn.services, locale)
            replies = await self._route(ctx)
        with self.i18n.context(), self.i18n.use_locale(ctx.locale):
            if msg.buttons and conv.flow and replies:
                # Where options are buttons, leaving a step is a button too.
                nav = [Option("back", _("返回"))] if conv.back else []
                replies[-1] = Reply(replies[-1].text, [*replies[-1].options, *nav, Option("cancel", _("取消"))])
        # A handler may have switched the language (English / 中文): page in the new one.
        with self.i18n.context(), self.i18n.use_locale(ctx.locale):
            if msg.max_chars:
                replies = self._paginate(ctx, replies, msg.max_chars)
        await turn.save_conversation(msg.channel, msg.address, conv.to_json(), self.ttl)
        if vars(profile) != vars(before):
            await turn.save_profile(msg.channel, msg.address, profile)
        return replies

    async def _route(self, ctx: Context) -> list[Reply]:
        msg, conv = ctx.msg, ctx.conv
        if msg.choice is not None:
            return await self._choose(ctx, msg.choice)
        text = clean(msg.text)
        word = compact(text).lower()
        if not word and not msg.attachments:
            return await self.choices["menu"](ctx, "")
        if word == "0" and conv.flow and conv.step in self.flows[conv.flow].amount_steps:
            return await self.flows[conv.flow].steps[conv.step](ctx, text)
        if word in MORE_WORDS:
            return self._more(ctx)
        if word in BACK_WORDS:
            return await self._back(ctx)
        for command in self.commands:
            if command.prefix:
                match = re.match(r"^(" + "|".join(map(re.escape, command.words)) + r")(?:\s+(.*))?$", text,
                                 re.IGNORECASE | re.DOTALL)
                if match:
                    return await command.run(ctx, (match.group(2) or "").strip())
                if command.glued:
                    word_used = next((w for w in command.words if text.lower().startswith(w)), None)
                    if word_used and command.glued(text[len(word_used):]):
                        return await command.run(ctx, text[len(word_used):].strip())
            elif word in command.words:
                return await command.run(ctx, text)
        if word.isdigit() and conv.options:
            index = int(word) - 1
            if 0 <= index < len(conv.options):
                return await self._choose(ctx, conv.options[index])
        if conv.flow and conv.step:
            handler = self.flows[conv.flow].steps.get(conv.step)
            if handler:
                if conv.step not in self.flows[conv.flow].free_text_steps and looks_like_question(text):
                    answered = await self._aside(ctx, text, handler)
                    if answered is not None:
                        return answered
                return await handler(ctx, text)
        for fallback in self.fallbacks:
            answer = await fallback(ctx, text)
            if answer is not None:
                return answer
        return await self.choices["menu"](ctx, "")

    async def _aside(self, ctx: Context, text: str, handler: Step) -> list[Reply] | None:
        """A question asked inside a step: answered for the place in play, then the step's question again."""
        conv = ctx.conv
        region = (ctx.profile.region_code or conv.data.get("region") or conv.data.get("township")
                  or conv.data.get("county"))
        if self.aside is None or not region:
            return None
        kept = Conversation.from_json(conv.to_json())
        answer = await self.aside(ctx, text, region)
        if answer is None:
            return None
        conv.flow, conv.step, conv.data, conv.back = kept.flow, kept.step, kept.data, kept.back
        again = await handler(ctx, REASK)
        if again:
            again[0].text = _("（接着刚才的问题）") + again[0].text
        return [*answer, *again]

    async def _choose(self, ctx: Context, key: str) -> list[Reply]:
        """An option was picked: a step of the running flow gets it first, else a global choice."""
        conv = ctx.conv
        name, _sep, arg = key.partition(":")
        if key == "back":
            return await self._back(ctx)
        if conv.flow and conv.step and name not in GLOBAL_CHOICES:
            handler = self.flows[conv.flow].steps.get(conv.step)
            if handler and key in conv.options:
                return await handler(ctx, CHOICE + key)
        step = self.choices.get(name)
        if step is None:
            return await self.choices["menu"](ctx, "")
        return await step(ctx, arg)

    async def _back(self, ctx: Context) -> list[Reply]:
        """返回: the previous step of the running flow asks its question again."""
        conv = ctx.conv
        if conv.flow and conv.go_back() and conv.step:
            handler = self.flows[conv.flow].steps.get(conv.step)
            if handler:
                return await handler(ctx, REASK)
        return await self.choices["menu"](ctx, "")

    # -- long replies ---------------------------------------------------------------------------

    def _more(self, ctx: Context) -> list[Reply]:
        if not ctx.conv.pages:
            return ctx.reply(_("没有更多内容了。回复 0 看菜单。"))
        page = ctx.conv.pages.pop(0)
        raw = ctx.conv.data.get("_page_options") if not ctx.conv.pages else None
        options = [Option(o["key"], o["label"]) for o in raw] if raw else []
        suffix = "\n" + _("（回复 更多 看下页）") if ctx.conv.pages else ""
        if options:
            ctx.conv.options = [o.key for o in options]
        return [Reply(page + suffix, options)]

    def _paginate(self, ctx: Context, replies: list[Reply], budget: int) -> list[Reply]:
        """Splits a reply that does not fit the channel's budget into pages read with 更多."""
        out: list[Reply] = []
        for reply in replies:
            if ucs2_len(render_plain(reply)) <= budget:
                out.append(reply)
                continue
            suffix = "\n" + _("（回复 更多 看下页）")
            options_text = render_options(reply.options)
            keys = [o.key for o in reply.options]
            room = budget - ucs2_len(options_text) - ucs2_len(suffix)
            if ctx.conv.flow and options_text and room >= MORE_PROMPT_LEN * 2 and ucs2_len(reply.text) <= budget // 2:
                # A question: its choices on the first page, never behind 更多; the rest of its text after.
                first = split_pages(reply.text, room)[0]
                rest = reply.text.strip()[len(first):].strip()
                ctx.conv.pages = split_pages(rest, budget - ucs2_len(suffix)) if rest else []
                ctx.conv.data["_page_options"] = []
                out.append(Reply(first + (suffix if rest else ""), reply.options))
                ctx.conv.options = keys
                continue
            if ucs2_len(options_text) > budget // 2:
                # Choices too long to travel with a page: paged as text; their numbers work from any page.
                pages = split_pages(reply.text + options_text, budget - ucs2_len(suffix))
                ctx.conv.pages = pages[1:]
                ctx.conv.data["_page_options"] = []
                ctx.conv.options = keys
                out.append(Reply(pages[0] + suffix))
                continue
            pages = split_pages(reply.text, budget - len(suffix))
            # The options travel with the last page; make room for them there.
            if options_text and ucs2_len(pages[-1]) + ucs2_len(options_text) > budget:
                pages += [""]
            ctx.conv.pages = pages[1:]
            ctx.conv.data["_page_options"] = [{"key": o.key, "label": o.label} for o in reply.options]
            ctx.conv.options = []
            out.append(Reply(pages[0] + suffix))
        return out


def render_options(options: list[Option]) -> str:
    return "".join(f"\n{i} {o.label}" for i, o in enumerate(options, 1))


def render_plain(reply: Reply) -> str:
    """A reply as plain text with numbered options: what SMS and the terminal show."""
    text = (reply.text + render_options(reply.options)).strip()
    # The engine's own markers never reach a resident (a NUL in an SMS ends it on many phones).
    return text.replace(CHOICE, "").replace(REASK, "")
