"""Typed application keys, in one place."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import ClientSession, web
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.settings import Settings
from bot.state import StateStore

if TYPE_CHECKING:
    from bot.channels.aliyun_sms import AliyunSmsChannel
    from bot.channels.sms import SmsChannel
    from bot.channels.telegram import TelegramChannel
    from bot.channels.wechat import WeChatChannel
    from bot.channels.wecom import WeComRobots
    from bot.jobs import Escalator
    from bot.loop_jobs import LoopJobs
    from bot.services import AppServices
    from bot.services.checkins import CheckIns
    from bot.services.conversations import Turns
    from bot.services.inbox import Inbox
    from bot.services.outbox import OutboxWorker
    from bot.services.stats import Stats
    from bot.services.workflow import Workflow
    from bot.staff_access import StaffDirectory
    from handlers.engine import DialogEngine

SETTINGS = web.AppKey("settings", Settings)
DB_ENGINE = web.AppKey("db_engine", AsyncEngine)
SESSIONS = web.AppKey("sessions", async_sessionmaker[AsyncSession])
STATE = web.AppKey("state", StateStore)
HTTP = web.AppKey("http", ClientSession)
SERVICES: web.AppKey[AppServices] = web.AppKey("services")
ENGINE: web.AppKey[DialogEngine] = web.AppKey("engine")
OUTBOX: web.AppKey[OutboxWorker] = web.AppKey("outbox")
SMS: web.AppKey[SmsChannel] = web.AppKey("sms")
TELEGRAM: web.AppKey[TelegramChannel | None] = web.AppKey("telegram")
WORKFLOW: web.AppKey[Workflow] = web.AppKey("workflow")
STAFF: web.AppKey[StaffDirectory] = web.AppKey("staff")
ESCALATOR: web.AppKey[Escalator] = web.AppKey("escalator")
TURNS: web.AppKey[Turns] = web.AppKey("turns")
INBOX: web.AppKey[Inbox] = web.AppKey("inbox")
WECHAT: web.AppKey[WeChatChannel | None] = web.AppKey("wechat")
ALIYUN_SMS: web.AppKey[AliyunSmsChannel] = web.AppKey("aliyun_sms")
WECOM: web.AppKey[WeComRobots] = web.AppKey("wecom")
LOOP_JOBS: web.AppKey[LoopJobs] = web.AppKey("loop_jobs")
CHECKINS: web.AppKey[CheckIns] = web.AppKey("checkins")
STATS: web.AppKey[Stats] = web.AppKey("stats")
