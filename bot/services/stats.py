"""督查 figures per township and month: how each township answered the residents who wrote to it.

Every plan asks for 督查 of how townships perform: 正安县 (seed 003 四（三）: 每月至少开展两次综合性督查),
同仁市 (seed 002 三（三） 强化监督检查), 临夏州 (seed 000 四: 督查落实机制，按月召开会商会议) and 通伏乡
(seed 004 三（五）: 每季度督查，通报工作进展). The month is a calendar month in China time; a ticket counts
in the month it was filed, in the township it is in now (a ticket still in the county's triage
queue is the row with ``township: null``). A check-in counts in the month it was sent.

Figures (``GET /api/v1/stats``; names fixed by spec/interfaces.md v1.1, the rest are extra fields):

- filed: requests and 监测 applications filed.
- answered_in_time: of those, answered (a staff reply or a decision) by ``due_at``;
  ``answered_in_time_percent`` is its share of ``filed``.
- median_first_answer_minutes: the median time to the first answer of those answered; null if none.
- overdue: answered after ``due_at``, or still unanswered with ``due_at`` passed (as of now).
- escalated: escalated to the county for either deadline.
- followup_resolved: 回访 answered "解决了"; ``followup_answered`` all 回访 answered (either way),
  ``followup_resolved_percent`` the share, ``reopened`` those "没有解决" that reopened the ticket.
- satisfaction: the mean 1–5 score given; null if none. ``low_scores``: scores of 1 or 2.
- checkins_sent, checkins_answered: check-in rounds sent that month and answered.
"""

from __future__ import annotations

import statistics
from calendar import monthrange
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.domain.tickets import CHINA
from bot.services.followups import LOW_SCORE
from bot.storage.models import CheckIn, CheckInRound, Ticket
from knowledge_base.jurisdictions import Jurisdictions

COLUMNS = ("township", "filed", "answered_in_time", "answered_in_time_percent", "median_first_answer_minutes",
           "overdue", "escalated", "followup_answered", "followup_resolved", "followup_resolved_percent",
           "reopened", "satisfaction", "low_scores", "checkins_sent", "checkins_answered")


class StatsError(ValueError):
    pass


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """[start, end) of a YYYY-MM month in China time."""
    try:
        year, mon = (int(part) for part in month.split("-"))
        if len(month) != 7 or not 2000 <= year <= 2100 or not 1 <= mon <= 12:
            raise ValueError
    except ValueError:
        raise StatsError("month must be YYYY-MM") from None
    start = datetime(year, mon, 1, tzinfo=CHINA)
    days = monthrange(year, mon)[1]
    end = datetime(year + (mon == 12), mon % 12 + 1, 1, tzinfo=CHINA)
    assert (end - start).days == days
    return start, end


def percent(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


class Stats:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], places: Jurisdictions) -> None:
        self.sessions = sessions
        self.places = places

    async def county_month(self, county_code: str, month: str, now: datetime) -> list[dict[str, Any]]:
        start, end = month_bounds(month)
        townships = self.places.townships(county_code)
        async with self.sessions() as session:
            tickets = list((await session.execute(
                select(Ticket.township_code, Ticket.created_at, Ticket.due_at, Ticket.first_answered_at,
                       Ticket.escalated_at, Ticket.aid_escalated_at, Ticket.followup_state, Ticket.followup_score,
                       Ticket.reopened_at)
                .where(Ticket.county_code == county_code, Ticket.created_at >= start, Ticket.created_at < end)))
                .all())
            rounds = list((await session.execute(
                select(CheckIn.township_code, CheckInRound.answer)
                .join(CheckIn, CheckIn.id == CheckInRound.checkin_id)
                .where(CheckIn.county_code == county_code, CheckInRound.sent_at >= start,
                       CheckInRound.sent_at < end))).all())
        codes: list[str | None] = [t.code for t in townships]
        if any(row.township_code is None for row in tickets) or any(r.township_code is None for r in rounds):
            codes.append(None)
        out = []
        for code in codes:
            mine = [row for row in tickets if row.township_code == code]
            answered = [row for row in mine if row.first_answered_at is not None]
            in_time = [row for row in answered if row.first_answered_at <= row.due_at]
            minutes = [(row.first_answered_at - row.created_at).total_seconds() / 60 for row in answered]
            overdue = [row for row in mine if (row.first_answered_at is not None and row.first_answered_at > row.due_at)
                       or (row.first_answered_at is None and row.due_at <= now)]
            followed = [row for row in mine if row.followup_state in ("resolved", "unresolved")]
            resolved = [row for row in followed if row.followup_state == "resolved"]
            scores = [row.followup_score for row in mine if row.followup_score is not None]
            my_rounds = [r for r in rounds if r.township_code == code]
            out.append({
                "township": self.places.get(code).name if code else None,
                "filed": len(mine),
                "answered_in_time": len(in_time),
                "answered_in_time_percent": percent(len(in_time), len(mine)),
                "median_first_answer_minutes": round(statistics.median(minutes), 1) if minutes else None,
                "overdue": len(overdue),
                "escalated": sum(1 for row in mine if row.escalated_at or row.aid_escalated_at),
                "followup_answered": len(followed),
                "followup_resolved": len(resolved),
                "followup_resolved_percent": percent(len(resolved), len(followed)),
                "reopened": sum(1 for row in mine if row.reopened_at is not None),
                "satisfaction": round(statistics.fmean(scores), 2) if scores else None,
                "low_scores": sum(1 for s in scores if s <= LOW_SCORE),
                "checkins_sent": len(my_rounds),
                "checkins_answered": sum(1 for r in my_rounds if r.answer is not None),
            })
        return out
