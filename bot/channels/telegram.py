"""Telegram through aiogram 3: the same dialogs as SMS, with buttons instead of numbers.

Every update, whether it came to the webhook or from long polling, is first stored in the inbox
(unique by ``update_id``); the webhook answers 200 only then, and polling asks Telegram for the
next updates (which confirms the earlier ones) only after storing them. The inbox's processor then
feeds each stored update to the Dispatcher inside the message's unit of work: residents' replies
are queued in the outbox in that same transaction and delivered from there, retried until
Telegram takes them.

Residents' updates reach one catch-all router that hands a neutral message to the dialog
engine; staff routers (group linking, accept/answer buttons) are included before it.
The webhook view checks the secret token itself so that a refused update is logged without
its text.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
from typing import Any, ClassVar

from aiogram import Bot, Dispatcher, F, Router
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import PRODUCTION, TelegramAPIServer
from aiogram.exceptions import (
    ClientDecodeError,
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramMigrateToChat,
    TelegramNotFound,
    TelegramRetryAfter,
)
from aiogram.methods import Response, TelegramMethod
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from aiogram.types.update import UpdateTypeLookupError
from aiogram.utils.i18n import SimpleI18nMiddleware
from aiohttp import ClientSession, ClientTimeout, web
from pydantic import ValidationError

from bot.channels import WEBHOOK_PATH
from bot.domain.messages import Attachment, Incoming, Option, Reply
from bot.errors import ApiError, is_unavailable, loads_json
from bot.i18n import I18n
from bot.services.conversations import Turn
from bot.services.inbox import Delivery, Inbox
from bot.services.outbox import DeliveryDelayed, DeliveryRefused
from bot.settings import Settings
from bot.storage.models import InboxMessage
from handlers.engine import DialogEngine

log = logging.getLogger(__name__)

POLL_TIMEOUT = 25

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
    """Every private message and button press of a resident goes to the dialog engine.

    The replies are said into the message's unit of work (``turn``), which queues them in the
    outbox with the rest of the message's writes.
    """
    router = Router(name=__name__)

    @router.callback_query(F.message.chat.type == "private")
    async def on_button(query: CallbackQuery, engine: DialogEngine, turn: Turn) -> None:
        # Stops the button's spinner; a courtesy, so an unreachable Bot API does not hold the answer back.
        with contextlib.suppress(TelegramAPIError, ClientDecodeError, TimeoutError):
            await query.answer(request_timeout=5)
        if query.message is None or not query.data:
            return
        chat_id = query.message.chat.id
        turn.say(await engine.handle(Incoming(
            channel="telegram", address=str(chat_id), text="", choice=query.data, ref=f"telegram-cb:{query.id}",
            locale_hint=query.from_user.language_code if query.from_user else None, buttons=True), turn))

    @router.message(F.chat.type == "private")
    async def on_message(message: Message, engine: DialogEngine, turn: Turn) -> None:
        attachments: tuple[Attachment, ...] = ()
        if message.photo:
            attachments = (Attachment("photo", message.photo[-1].file_id, message.caption or ""),)
        text = command_text(message.text or message.caption or "")
        turn.say(await engine.handle(Incoming(
            channel="telegram", address=str(message.chat.id), text=text,
            ref=f"telegram:{message.chat.id}:{message.message_id}", attachments=attachments,
            locale_hint=message.from_user.language_code if message.from_user else None, buttons=True), turn))

    return router


def chat_of(update: dict[str, Any]) -> str:
    """The chat an update belongs to (its messages are processed in order), whatever its type."""
    for key, event in update.items():
        if key == "update_id" or not isinstance(event, dict):
            continue
        chat = event.get("chat") or (event.get("message") or {}).get("chat")
        if isinstance(chat, dict) and isinstance(chat.get("id"), int):
            return str(chat["id"])
        user = event.get("from") or event.get("user")
        if isinstance(user, dict) and isinstance(user.get("id"), int):
            return str(user["id"])
    return "-"


class _Session(AiohttpSession):
    """aiogram's session, with the response models it parses into kept alive.

    aiogram reads every Bot API response as ``Response[T]``, a pydantic generic model built on first
    use and cached by pydantic only as long as something holds it (a weak cache): nothing does, so
    each reply sent built the model again, about a millisecond of CPU (10 % of a process
    draining a Telegram backlog, profiled with py-spy). Holding each one makes it built once.
    """

    # One per process (a class attribute), whichever session a Bot uses.
    _models: ClassVar[dict[Any, Any]] = {}

    def check_response(self, bot: Bot, method: TelegramMethod[Any], status_code: int,
                       content: str) -> Response[Any]:
        returning = method.__returning__
        if returning not in self._models:
            self._models[returning] = Response[returning]  # type: ignore[valid-type]
        return super().check_response(bot, method, status_code, content)


class TelegramChannel:
    def __init__(self, settings: Settings, engine: DialogEngine, inbox: Inbox, http: ClientSession, i18n: I18n,
                 routers: list[Router], **workflow_data: Any) -> None:
        assert settings.telegram_token
        self.settings = settings
        self.inbox = inbox
        self.http = http
        self.server = TelegramAPIServer.from_base(settings.telegram_api_server) \
            if settings.telegram_api_server else PRODUCTION
        self.bot = Bot(settings.telegram_token, session=_Session(api=self.server),
                       default=DefaultBotProperties())
        self.dispatcher = Dispatcher(engine=engine, **workflow_data)
        self.dispatcher.include_routers(*routers, resident_router())
        # Staff handlers translate with the sender's Telegram language; residents' dialogs set
        # their own remembered locale inside the engine.
        # aiogram's middleware drives our I18n through the interface they share (bot.i18n).
        SimpleI18nMiddleware(i18n).setup(self.dispatcher)  # type: ignore[arg-type]
        self._polling: asyncio.Task[None] | None = None
        self.channel = "telegram"
        self.rate_per_minute: int | None = None
        inbox.register(self)

    async def start(self) -> None:
        mode = self.settings.telegram_mode
        if mode == "webhook":
            await self.bot.set_webhook(f"{self.settings.public_url}{WEBHOOK_PATH}",
                                       secret_token=self.settings.telegram_webhook_secret,
                                       drop_pending_updates=False)
            log.info("telegram.webhook_set")
        elif mode == "polling":
            await self.bot.delete_webhook(drop_pending_updates=False)
            self._polling = asyncio.create_task(self._poll(), name="telegram-polling")
            log.info("telegram.polling_started")

    async def stop_polling(self) -> None:
        """Stops asking for updates; those fetched but not stored are not confirmed, so Telegram keeps them."""
        if self._polling:
            self._polling.cancel()
            await asyncio.gather(self._polling, return_exceptions=True)
            self._polling = None

    async def close(self) -> None:
        await self.stop_polling()
        await self.bot.session.close()

    # -- intake -----------------------------------------------------------------------------------

    async def webhook(self, request: web.Request) -> web.Response:
        secret = self.settings.telegram_webhook_secret or ""
        given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
        if not secret or not hmac.compare_digest(given.encode(), secret.encode()):
            log.warning("telegram.webhook_bad_secret", extra={"remote": request.remote})
            raise ApiError(401, "bad_secret_token", "unknown X-Telegram-Bot-Api-Secret-Token")
        raw = await request.read()
        try:
            data = self._update(loads_json(raw))
        except (ApiError, ValidationError):
            log.warning("telegram.webhook_malformed", extra={"bytes": len(raw)})
            raise ApiError(400, "malformed_update", "body is not a Telegram Update") from None
        await self._store(data)
        return web.json_response({})

    @staticmethod
    def _update(data: Any) -> dict[str, Any]:
        """The update as received, once it is known to be one (an unknown type is still an update)."""
        if not isinstance(data, dict):
            raise ApiError(400, "malformed_update", "body is not a Telegram Update")
        Update.model_validate(data)
        return data

    async def _store(self, update: dict[str, Any]) -> None:
        update_id = int(update["update_id"])
        stored = await self.inbox.store(Delivery("telegram", str(update_id), chat_of(update), payload=update))
        if stored is None:
            log.info("telegram.update_duplicate", extra={"update_id": update_id})
        else:
            log.info("telegram.update_stored", extra={"update_id": update_id, "id": stored})

    async def _poll(self) -> None:
        """Long polling: the offset moves past updates only once they are stored."""
        url = self.server.api_url(token=self.bot.token, method="getUpdates")
        allowed = self.dispatcher.resolve_used_update_types()
        offset: int | None = None
        failures = 0
        while True:
            try:
                body: dict[str, Any] = {"timeout": POLL_TIMEOUT, "allowed_updates": allowed}
                if offset is not None:
                    body["offset"] = offset
                async with self.http.post(url, json=body, timeout=ClientTimeout(total=POLL_TIMEOUT + 10)) as response:
                    answer = loads_json(await response.read())
                if not isinstance(answer, dict) or not answer.get("ok"):
                    raise DeliveryDelayed(f"getUpdates answered {response.status}")
                updates = [u for u in answer.get("result") or [] if isinstance(u, dict)]
                for update in updates:
                    try:
                        update = self._update(update)
                    except (ApiError, ValidationError):
                        log.warning("telegram.update_malformed", extra={"update_id": update.get("update_id")})
                        continue
                    await self._store(update)
                if updates:
                    offset = max(int(u["update_id"]) for u in updates) + 1
                failures = 0
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                failures += 1
                log.warning("telegram.polling_failed", extra={"error": type(exc).__name__,
                                                              "outage": is_unavailable(exc)})
                await asyncio.sleep(min(30.0, 0.5 * 2 ** min(failures, 6)))

    # -- processing (the inbox calls these) -------------------------------------------------------

    async def process(self, message: InboxMessage, turn: Turn) -> None:
        update = Update.model_validate(message.payload or {}, context={"bot": self.bot})
        try:
            update.event_type  # noqa: B018 - raises for a type this aiogram does not know
        except UpdateTypeLookupError:
            # Logged by name only: the update carries a resident's words and number.
            fields = sorted(k for k in (message.payload or {}) if k != "update_id")
            log.warning("telegram.update_unknown_type", extra={"update_id": update.update_id, "fields": fields})
            return
        await self.dispatcher.feed_update(self.bot, update, turn=turn)

    def render(self, reply: Reply) -> tuple[str, list[Option]]:
        return reply.text or "…", list(reply.options)

    async def send(self, address: str, text: str, options: list[dict[str, Any]], ref: str) -> None:
        """Outbox sender. A blocked bot or a chat that is gone is a refusal for good; the rest is retried."""
        buttons = [Option(o["key"], o["label"]) for o in options]
        try:
            await self.bot.send_message(int(address), text, reply_markup=keyboard(buttons), request_timeout=15)
        except TelegramRetryAfter as exc:
            raise DeliveryDelayed("Telegram 429", retry_after=float(exc.retry_after)) from None
        except TelegramForbiddenError as exc:
            raise DeliveryRefused("blocked", exc.message[:200]) from None
        except (TelegramBadRequest, TelegramNotFound, TelegramMigrateToChat) as exc:
            lost = "chat not found" in exc.message.lower() or isinstance(exc, TelegramNotFound)
            raise DeliveryRefused("chat_not_found" if lost else "refused", exc.message[:200]) from None
