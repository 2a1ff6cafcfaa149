"""The long-lived resources every `minsheng` process runs on: the database, the state store and the
services (knowledge base, dialog engine, tickets). `serve` adds the channels and the HTTP surfaces on
top (``bot.app``); `minsheng chat` uses these alone, so it imports none of the channels (issue 13)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

from aiohttp import web

from bot.i18n import make_i18n
from bot.keys import CHECKINS, DB_ENGINE, ENGINE, SERVICES, SESSIONS, SETTINGS, STAFF, STATE, STATS, TURNS, WORKFLOW
from bot.services import AppServices
from bot.services.checkins import CheckIns, interval_reader
from bot.services.conversations import Turns
from bot.services.stats import Stats
from bot.services.tickets import TicketService
from bot.services.workflow import Workflow, kb_deadlines
from bot.settings import Settings
from bot.staff_access import StaffDirectory
from bot.state import make_store
from bot.storage.db import make_engine, make_sessionmaker, upgrade_async
from handlers.setup import build_engine
from knowledge_base import KnowledgeBase
from knowledge_base.jurisdictions import jurisdictions
from knowledge_base.screening import Screener


async def database_ctx(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    await upgrade_async(settings.database_url)
    engine = make_engine(settings.database_url)
    app[DB_ENGINE] = engine
    app[SESSIONS] = make_sessionmaker(engine)
    yield
    await engine.dispose()


async def state_ctx(app: web.Application) -> AsyncIterator[None]:
    store = make_store(app[SETTINGS].redis_url)
    await store.ping()
    app[STATE] = store
    yield
    await store.close()


def build_services(settings: Settings, sessions: object, warm: bool = True) -> AppServices:
    """``warm``: load the e5 vectors and model in the background from now (else on first use, or when
    the caller calls ``kb.semantic.warm()`` itself)."""
    places = jurisdictions()
    kb = KnowledgeBase.load()
    if warm:
        # What the first questions would build (the e5 vectors and model, the English layer's table)
        # is built in the background: the first question should not wait, and start-up does not either.
        kb.warm()
    tickets = TicketService(sessions, places, deadlines=kb_deadlines(kb.parameters))  # type: ignore[arg-type]
    services = AppServices(kb=kb, places=places, tickets=tickets, screening=Screener(kb.parameters))
    # Filing reads the services' clock, so a test that moves the clock moves deadlines too.
    tickets.clock = services.now
    return services


async def services_ctx(app: web.Application, warm: bool = True) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    services = build_services(settings, app[SESSIONS], warm)
    app[SERVICES] = services
    i18n = make_i18n()
    services.checkins = CheckIns(app[SESSIONS], services.places, interval_reader(services.kb.parameters), i18n,
                                 settings.sms_max_chars, services.now)
    app[CHECKINS] = services.checkins
    app[STATS] = Stats(app[SESSIONS], services.places)
    app[TURNS] = Turns(app[SESSIONS], services)
    app[ENGINE] = build_engine(services, app[TURNS].open, i18n, settings.conversation_ttl_seconds,
                               settings.default_locale)
    workflow = Workflow(app[SESSIONS], services.places, services.tickets, app[ENGINE].i18n,
                        settings.sms_max_chars, services.now)
    workflow.followup_delay = timedelta(hours=settings.followup_hours)
    services.tickets.announce = workflow.announce
    workflow.public_url = settings.public_url
    app[WORKFLOW] = workflow
    app[STAFF] = StaffDirectory(app[SESSIONS], app[STATE])
    yield
