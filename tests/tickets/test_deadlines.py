"""Deadlines come from each place's published figures (the knowledge base), 12 h / 24 h where none is published."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from bot.services.tickets import Filing, TicketService
from bot.services.workflow import kb_deadlines
from bot.storage.db import make_engine, make_sessionmaker
from knowledge_base import KnowledgeBase
from knowledge_base.jurisdictions import jurisdictions


def test_tongren_townships_use_tongren_published_hours_and_other_places_none() -> None:
    hours = kb_deadlines(KnowledgeBase.load().parameters)
    today = date(2026, 11, 24)
    assert hours("632301100", "first_answer_hours", today) == 12  # 隆务镇 inherits 同仁市's 12小时答复
    assert hours("632301", "urgent_aid_hours", today) == 24
    assert hours("520324101", "first_answer_hours", today) is None  # 正安县 publishes none: the default applies


@dataclass
class _Fact:
    value: int


class _Parameters:
    """A place that publishes a 6-hour answer deadline and an 8-hour aid deadline."""

    def get(self, path: str, code: str, on: date) -> _Fact | None:
        if not code.startswith("350302"):
            return None
        return _Fact(6 if path.endswith("response_hours") else 8)


async def test_a_place_with_its_own_figures_gets_its_own_deadlines(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        tickets = TicketService(make_sessionmaker(engine), jurisdictions(), deadlines=kb_deadlines(_Parameters()))
        own = await tickets.file(Filing(kind="help", county_code="350302", township_code="350302100", text="急",
                                        channel="sms", contact="+8613800000001", urgent=True))
        default = await tickets.file(Filing(kind="help", county_code="520324", township_code="520324101", text="急",
                                            channel="sms", contact="+8613800000002", urgent=True))
    finally:
        await engine.dispose()
    assert (own.due_at - own.created_at, own.aid_due_at - own.created_at) == (timedelta(hours=6), timedelta(hours=8))
    assert default.due_at - default.created_at == timedelta(hours=12)
    assert default.aid_due_at - default.created_at == timedelta(hours=24)  # type: ignore[operator]
