"""Telegram through aiogram 3: the same dialogs as SMS, with buttons instead of numbers.

Residents' updates reach one catch-all router that hands a neutral message to the dialog
engine; staff routers (group linking, accept/answer buttons) are included before it.
The webhook view checks the secret token itself so that a refused update is logged without
its text, and de-duplicates updates by ``update_id`` (Telegram redelivers on timeouts).
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from typing import Any

from aiogram import Bot, Dispatcher, F, Router
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from aiogram.utils.i18n import I18n, SimpleI18nMiddleware
from aiohttp import web
from pydantic import ValidationError

from bot.domain.messages import Attachment, Incoming, Option, Reply
from bot.errors import ApiError, loads_json
from bot.settings import Settings
from bot.state import StateStore
from handlers.engine import DialogEngine

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/telegram/webhook"

# Bot commands and the text command each one stands for on every channel.
COMMANDS = {
    "/start": "菜单",
    "/menu": "菜单",
    "/region": "/region",
    "/screen": "自查",
    "/request": "求助",
    "/status": "进度",
    "/language": "/language",
    "/cancel": "取消",
}


def keyboard(options: list[Option]) -> InlineKeyboardMarkup | None:
    if not options:
        return None
    return InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text=o.label[:60], callback_data=o.key[:64])]
                                                 for o in options])


def command_text(text: str) -> str:
    """/status 2611230001 → 进度 2611230001; other text unchanged."""
    if not text.startswith("/"):
        return text
    head, _sep, rest = text.partition(" ")
    mapped = COMMANDS.get(head.split("@", 1)[0].lower())
    return f"{mapped} {rest}".strip() if mapped else text


def resident_router() -> Router:
    """Every private message and button press of a resident goes to the dialog engine."""
    router = Router(name=__name__)

    @router.callback_query(F.message.chat.type == "private")
    async def on_button(query: CallbackQuery, engine: DialogEngine) -> None:
        await query.answer()
        if query.message is None or not query.data:
            return
        chat_id = query.message.chat.id
        replies = await engine.handle(Incoming(
            channel="telegram", address=str(chat_id), text="", choice=query.data, ref=f"telegram-cb:{query.id}",
            locale_hint=query.from_user.language_code if query.from_user else None))
        await send_replies(query.bot, chat_id, replies)  # type: ignore[arg-type]

    @router.message(F.chat.type == "private")
    async def on_message(message: Message, engine: DialogEngine) -> None:
        attachments: tuple[Attachment, ...] = ()
        if message.photo:
            attachments = (Attachment("photo", message.photo[-1].file_id, message.caption or ""),)
        text = command_text(message.text or message.caption or "")
        replies = await engine.handle(Incoming(
            channel="telegram", address=str(message.chat.id), text=text,
            ref=f"telegram:{message.chat.id}:{message.message_id}", attachments=attachments,
            locale_hint=message.from_user.language_code if message.from_user else None))
        await send_replies(message.bot, message.chat.id, replies)  # type: ignore[arg-type]

    return router


async def send_replies(bot: Bot, chat_id: int | str, replies: list[Reply]) -> None:
    for reply in replies:
        await bot.send_message(chat_id, reply.text or "…", reply_markup=keyboard(reply.options))


class TelegramChannel:
    def __init__(self, settings: Settings, engine: DialogEngine, state: StateStore, i18n: I18n,
                 routers: list[Router], **workflow_data: Any) -> None:
        assert settings.telegram_token
        self.settings = settings
        self.state = state
        session = AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_server)) \
            if settings.telegram_api_server else AiohttpSession()
        self.bot = Bot(settings.telegram_token, session=session, default=DefaultBotProperties())
        self.dispatcher = Dispatcher(engine=engine, state_store=state, **workflow_data)
        self.dispatcher.include_routers(*routers, resident_router())
        # Staff handlers translate with the sender's Telegram language; residents' dialogs set
        # their own remembered locale inside the engine.
        SimpleI18nMiddleware(i18n).setup(self.dispatcher)
        self._tasks: set[asyncio.Task[Any]] = set()
        self._polling: asyncio.Task[None] | None = None

    async def start(self) -> None:
        mode = self.settings.telegram_mode
        if mode == "webhook":
            await self.bot.set_webhook(f"{self.settings.public_url}{WEBHOOK_PATH}",
                                       secret_token=self.settings.telegram_webhook_secret,
                                       drop_pending_updates=False)
            log.info("telegram.webhook_set")
        elif mode == "polling":
            await self.bot.delete_webhook(drop_pending_updates=False)
            self._polling = asyncio.create_task(
                self.dispatcher.start_polling(self.bot, handle_signals=False, close_bot_session=False))
            log.info("telegram.polling_started")

    async def close(self) -> None:
        if self._polling:
            await self.dispatcher.stop_polling()
            self._polling.cancel()
            await asyncio.gather(self._polling, return_exceptions=True)
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.bot.session.close()

    async def webhook(self, request: web.Request) -> web.Response:
        secret = self.settings.telegram_webhook_secret or ""
        given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
        if not secret or not hmac.compare_digest(given.encode(), secret.encode()):
            log.warning("telegram.webhook_bad_secret", extra={"remote": request.remote})
            raise ApiError(401, "bad_secret_token", "unknown X-Telegram-Bot-Api-Secret-Token")
        raw = await request.read()
        try:
            update = Update.model_validate(loads_json(raw), context={"bot": self.bot})
        except (ApiError, ValidationError):
            log.warning("telegram.webhook_malformed", extra={"bytes": len(raw)})
            raise ApiError(400, "malformed_update", "body is not a Telegram Update") from None
        if not await self.state.claim(f"tg-update:{update.update_id}", ttl=24 * 3600):
            log.info("telegram.update_duplicate", extra={"update_id": update.update_id})
            return web.json_response({})
        task = asyncio.create_task(self._feed(update))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return web.json_response({})

    async def _feed(self, update: Update) -> None:
        try:
            await self.dispatcher.feed_update(self.bot, update)
        except Exception:
            log.exception("telegram.update_failed", extra={"update_id": update.update_id})

    async def send(self, address: str, text: str, options: list[dict[str, Any]], ref: str) -> None:
        """Outbox sender: staff replies and status changes to a resident's chat."""
        buttons = [Option(o["key"], o["label"]) for o in options]
        await self.bot.send_message(int(address), text, reply_markup=keyboard(buttons))
