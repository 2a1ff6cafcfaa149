"""The menu and the commands that work anywhere: 菜单/0, 取消, 返回, TD/退订, language."""

from __future__ import annotations

from bot.domain.messages import Option, Reply
from bot.i18n import I18n
from bot.i18n import gettext as _
from handlers.context import Context
from handlers.engine import REASK, DialogEngine, Step


def region_label(ctx: Context) -> str:
    code = ctx.profile.region_code
    return ctx.services.places.get(code).name if code and code in ctx.services.places else _("未设置")


def menu_options() -> list[Option]:
    return [
        Option("ask", _("问政策（直接发问题即可）")),
        Option("screen", _("自查能享受哪些救助")),
        Option("help", _("求助")),
        Option("monitor", _("申请防返贫监测")),
        Option("status", _("查办理进度")),
        Option("region", _("设置地区")),
        Option("lang", _("English / 中文")),
    ]


async def show_menu(ctx: Context, _arg: str = "") -> list[Reply]:
    ctx.conv.finish()
    ctx.conv.pages = []
    if ctx.msg.buttons:
        text = _("民生助手 您的地区：{region}\n点下面的按钮，或直接发问题。").format(region=region_label(ctx))
    else:
        text = _("民生助手 您的地区：{region}\n回复数字选择，或直接发问题。TD退订通知").format(region=region_label(ctx))
    return ctx.reply(text, menu_options())


async def ask_prompt(ctx: Context, _arg: str = "") -> list[Reply]:
    ctx.conv.finish()
    return ctx.reply(_("请直接发您的问题，例如：低保标准是多少？特困供养怎么申请？"))


async def cancel(ctx: Context, _text: str = "") -> list[Reply]:
    had_flow = ctx.conv.flow is not None
    ctx.conv.finish()
    ctx.conv.pages = []
    text = _("已取消，填写的内容没有保存。") if had_flow else _("当前没有进行中的办理。")
    return ctx.reply(text + "\n" + _("回复 0 看菜单。"))


async def unsubscribe(ctx: Context, _text: str = "") -> list[Reply]:
    ctx.profile.opted_out = True
    return ctx.reply(_("已退订通知。您提交的求助有工作人员回复时，仍会告诉您。回复“恢复通知”可重新开通。"))


async def resubscribe(ctx: Context, _text: str = "") -> list[Reply]:
    ctx.profile.opted_out = False
    return ctx.reply(_("已恢复通知，办理进度有变化时会告诉您。"))


async def choose_language(ctx: Context, _arg: str = "") -> list[Reply]:
    return ctx.reply(_("请选择语言 / Choose a language"),
                     [Option("setlang:zh_Hans", "中文"), Option("setlang:en", "English")])


def language_setter(engine: DialogEngine) -> Step:
    async def set_language(ctx: Context, arg: str) -> list[Reply]:
        """Switches the language; in the middle of a step, that step's question is asked again in it."""
        ctx.profile.locale = ctx.locale = "en" if arg.startswith("en") else "zh_Hans"
        step = engine.flows[ctx.conv.flow].steps.get(ctx.conv.step) if ctx.conv.flow and ctx.conv.step else None
        with I18n.get_current(no_error=False).use_locale(ctx.locale):
            return await step(ctx, REASK) if step else await show_menu(ctx)
    return set_language


# A greeting alone: people open with it and wait to be told what the service does.
GREETINGS = ("在吗", "在不在", "你好", "您好", "你好啊", "您好啊", "喂", "有人吗", "有人在吗", "哈喽", "嗨", "hi",
             "hello", "nihao", "早上好", "下午好", "晚上好", "你好在吗", "您好在吗", "在吗你好")


def greeter(engine: DialogEngine) -> Step:
    async def greet(ctx: Context, _text: str = "") -> list[Reply]:
        """A greeting gets one back with the menu; in the middle of a step, the question is asked again."""
        step = engine.flows[ctx.conv.flow].steps.get(ctx.conv.step) if ctx.conv.flow and ctx.conv.step else None
        replies = await step(ctx, REASK) if step else await show_menu(ctx)
        replies[0].text = (_("您好，我在。") if step else _("您好！")) + replies[0].text
        return replies
    return greet


async def stale_choice(ctx: Context, text: str) -> list[Reply] | None:
    """A lone number when no options are on offer (they expired, or were never shown): the menu."""
    if text.strip().isdigit() and len(text.strip()) <= 2:
        return await show_menu(ctx)
    return None


def register(engine: DialogEngine) -> None:
    engine.fallback(stale_choice)
    engine.choice("menu")(show_menu)
    engine.choice("ask")(ask_prompt)
    engine.choice("lang")(choose_language)
    engine.choice("setlang")(language_setter(engine))
    engine.choice("cancel")(cancel)
    engine.command("menu", "菜单", "0", "menu", "caidan", "主菜单", "/start", "/menu", "开始", "帮助",
                   "help")(show_menu)
    engine.command("cancel", "取消", "cancel", "/cancel", "退出", "quxiao")(cancel)
    engine.command("unsubscribe", "td", "退订", "unsubscribe", "stop")(unsubscribe)
    engine.command("resubscribe", "恢复通知", "恢复", "订阅通知", "开通通知", "resume")(resubscribe)
    engine.command("greeting", *GREETINGS)(greeter(engine))
    engine.command("language", "english", "中文", "语言", "language", "/language", "yuyan")(choose_language)
