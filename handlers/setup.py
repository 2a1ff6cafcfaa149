"""Assembles the dialog engine: the order of registration is the order commands are tried."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

from bot.i18n import I18n
from handlers import ask, loop, menu, region, requests, screening, status
from handlers.context import Services
from handlers.engine import DialogEngine, Turn


def build_engine(services: Services, turns: Callable[[], AbstractAsyncContextManager[Turn]], i18n: I18n,
                 conversation_ttl: float, default_locale: str = "zh_Hans") -> DialogEngine:
    engine = DialogEngine(services, turns, i18n, conversation_ttl, default_locale)
    menu.register(engine)
    loop.register(engine)
    requests.register(engine, services.places)
    screening.register(engine)
    status.register(engine)
    region.register(engine)
    # Free text that is nothing else is a question: registered last.
    ask.register(engine)
    return engine
