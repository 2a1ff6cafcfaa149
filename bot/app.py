"""The aiohttp application: every long-lived resource is a cleanup context, nothing is global.

The database, state and services contexts live in ``bot.runtime`` (what `minsheng chat` runs on
without the channels); the channels and the HTTP surfaces are added here."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import TYPE_CHECKING

from aiohttp import ClientSession, ClientTimeout, web

from bot.channels import WEBHOOK_PATH
from bot.channels.aliyun_sms import AliyunSmsChannel
from bot.channels.sms import SmsChannel
from bot.channels.wechat import WeChatChannel
from bot.channels.wecom import WeComRobots
from bot.errors import error_middleware
from bot.jobs import Escalator
from bot.keys import (
    ALIYUN_SMS,
    CHECKINS,
    ENGINE,
    ESCALATOR,
    HTTP,
    INBOX,
    LOOP_JOBS,
    OUTBOX,
    SERVICES,
    SESSIONS,
    SETTINGS,
    SMS,
    STAFF,
    STATE,
    TELEGRAM,
    TURNS,
    WECHAT,
    WECOM,
    WORKFLOW,
)
from bot.loop_jobs import LoopJobs
from bot.runtime import database_ctx, services_ctx, state_ctx
from bot.services.followups import FollowUps
from bot.services.inbox import Inbox
from bot.services.outbox import OutboxWorker
from bot.services.privacy import Retention
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.channels.telegram import TelegramChannel

log = logging.getLogger(__name__)


async def http_client_ctx(app: web.Application) -> AsyncIterator[None]:
    async with ClientSession(timeout=ClientTimeout(total=15)) as session:
        app[HTTP] = session
        yield


async def channels_ctx(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    outbox = OutboxWorker(app[SESSIONS], {}, settings.outbox_poll_seconds, settings.outbox_max_backoff_seconds,
                          settings.outbox_lease_seconds, settings.outbox_give_up_seconds)
    outbox.on_failed = app[WORKFLOW].record_delivery_failure
    app[OUTBOX] = outbox
    inbox = Inbox(app[SESSIONS], app[TURNS], outbox, concurrency=settings.inbox_concurrency,
                  batch=settings.inbox_batch, poll_seconds=settings.inbox_poll_seconds,
                  lease_seconds=settings.inbox_lease_seconds, max_attempts=settings.inbox_max_attempts,
                  retention_days=settings.inbox_retention_days)
    app[INBOX] = inbox
    sms = SmsChannel(settings, app[ENGINE], inbox, app[HTTP])
    app[SMS] = sms
    outbox.senders["sms"] = sms.send
    aliyun = AliyunSmsChannel(settings, inbox, app[HTTP], app[SESSIONS])
    aliyun.on_failed = app[WORKFLOW].record_delivery_failure
    app[ALIYUN_SMS] = aliyun
    if settings.sms_provider == "aliyun":
        outbox.senders["sms"] = aliyun.send
    wechat: WeChatChannel | None = None
    if settings.wechat_enabled:
        wechat = WeChatChannel(settings, app[ENGINE], inbox, app[HTTP], app[SESSIONS], app[STATE])
        outbox.senders["wechat"] = wechat.send
    app[WECHAT] = wechat
    wecom = WeComRobots(settings, app[HTTP], app[SESSIONS])
    app[WECOM] = wecom
    outbox.senders["wecom"] = wecom.send
    app[WORKFLOW].on_queued = outbox.wake
    telegram: TelegramChannel | None = None
    if settings.telegram_enabled:
        # aiogram is imported only where Telegram runs: it costs seconds of start-up.
        from bot.channels.telegram import TelegramChannel
        from bot.channels.telegram_staff import staff_router

        telegram = TelegramChannel(settings, app[ENGINE], inbox, app[HTTP], app[ENGINE].i18n,
                                   routers=[staff_router()], workflow=app[WORKFLOW], staff=app[STAFF])
        outbox.senders["telegram"] = telegram.send
    app[TELEGRAM] = telegram
    escalator = Escalator(app[SESSIONS], app[WORKFLOW], app[SERVICES].now, settings.escalation_interval_seconds)
    app[ESCALATOR] = escalator
    followups = FollowUps(app[SESSIONS], app[ENGINE].i18n, app[SERVICES].now)
    followups.on_queued = app[CHECKINS].on_queued = outbox.wake
    loop_jobs = LoopJobs(app[CHECKINS], followups,
                         Retention(app[SESSIONS], timedelta(days=settings.retention_days), app[SERVICES].now),
                         settings.loop_interval_seconds)
    app[LOOP_JOBS] = loop_jobs
    outbox.start()
    inbox.start()
    escalation = asyncio.create_task(escalator.run(), name="escalation")
    closing_loop = asyncio.create_task(loop_jobs.run(), name="loop-jobs")
    if telegram:
        await telegram.start()
    yield
    await drain(app)
    escalation.cancel()
    closing_loop.cancel()
    await asyncio.gather(escalation, closing_loop, return_exceptions=True)
    if telegram:
        await telegram.close()


async def drain(app: web.Application) -> None:
    """Stops taking work, finishes what is under way (or gives it back), so a restart loses nothing.

    From the first moment, the channels' webhooks answer 503 with Retry-After (the sender tries
    again, reaching another process or this one restarted) and /healthz says "draining". Messages
    being processed may finish within ``drain_seconds``, and their replies be sent; whatever is
    still held then is released at once for any other process, rather than after its lease.
    """
    settings, inbox = app[SETTINGS], app[INBOX]
    first = not inbox.draining
    if first:
        log.info("serve.draining", extra={"processing": inbox.in_progress})
    inbox.draining = True
    telegram = app[TELEGRAM]
    if telegram:
        await telegram.stop_polling()
    await inbox.drain(settings.drain_seconds)
    await app[OUTBOX].drain(settings.drain_seconds)
    if first:
        log.info("serve.drained")


async def telegram_webhook(request: web.Request) -> web.Response:
    telegram = request.app[TELEGRAM]
    if telegram is None or request.app[SETTINGS].telegram_mode != "webhook":
        raise web.HTTPNotFound()
    return await telegram.webhook(request)


async def sms_inbound(request: web.Request) -> web.Response:
    return await request.app[SMS].inbound(request)


async def wechat_check(request: web.Request) -> web.Response:
    wechat = request.app[WECHAT]
    if wechat is None:
        raise web.HTTPNotFound()
    return await wechat.check(request)


async def wechat_receive(request: web.Request) -> web.Response:
    wechat = request.app[WECHAT]
    if wechat is None:
        raise web.HTTPNotFound()
    return await wechat.receive(request)


async def aliyun_inbound(request: web.Request) -> web.Response:
    return await request.app[ALIYUN_SMS].inbound(request)


async def aliyun_report(request: web.Request) -> web.Response:
    return await request.app[ALIYUN_SMS].report(request)


def create_app(settings: Settings) -> web.Application:
    app = web.Application(client_max_size=settings.max_body_bytes, middlewares=[error_middleware])
    app[SETTINGS] = settings
    app.cleanup_ctx.extend([database_ctx, state_ctx, http_client_ctx, services_ctx, channels_ctx])
    # The HTTP surfaces are imported here, not with the module: `minsheng chat` uses the contexts
    # above without a server, and the console alone (jinja2, openpyxl) costs a fifth of its start.
    from bot import api, loop_api, screen_api, staff_api
    from bot.console import setup_console
    from bot.console.supervision import setup_supervision
    from bot.console.wecom import setup_wecom_console

    app.add_routes(api.routes)
    app.add_routes(screen_api.routes)
    app.add_routes(staff_api.routes)
    app.add_routes(loop_api.routes)
    setup_console(app)
    setup_wecom_console(app)
    setup_supervision(app)
    app.router.add_post("/sms/inbound", sms_inbound)
    app.router.add_post(WEBHOOK_PATH, telegram_webhook)
    app.router.add_get(settings.wechat_path, wechat_check)
    app.router.add_post(settings.wechat_path, wechat_receive)
    app.router.add_post("/sms/aliyun/inbound", aliyun_inbound)
    app.router.add_post("/sms/aliyun/report", aliyun_report)
    return app


@contextlib.asynccontextmanager
async def running(settings: Settings) -> AsyncIterator[web.Application]:
    """The app's resources without an HTTP server: for `minsheng chat` and scripts."""
    app = create_app(settings)
    runner = web.AppRunner(app)
    await runner.setup()
    try:
        yield app
    finally:
        await runner.cleanup()
