"""Typed application keys, in one place."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import ClientSession, web
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.settings import Settings
from bot.state import StateStore

if TYPE_CHECKING:
    pass

SETTINGS = web.AppKey("settings", Settings)
DB_ENGINE = web.AppKey("db_engine", AsyncEngine)
SESSIONS = web.AppKey("sessions", async_sessionmaker[AsyncSession])
STATE = web.AppKey("state", StateStore)
HTTP = web.AppKey("http", ClientSession)
SERVICES = web.AppKey["AppServices"]("services")
ENGINE = web.AppKey["DialogEngine"]("engine")
OUTBOX = web.AppKey["OutboxWorker"]("outbox")
SMS = web.AppKey["SmsChannel"]("sms")
TELEGRAM = web.AppKey["TelegramChannel | None"]("telegram")
EXTRA: web.AppKey[dict[str, Any]] = web.AppKey("extra", dict)
