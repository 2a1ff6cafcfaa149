"""The policy date: the day it is in China, for which every dated figure and rule is read.

A figure that changes on 2026-01-01 changes at midnight in China, eight hours before midnight UTC,
so the date is never taken from the server's clock zone or from UTC.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

# bot.domain.tickets names the same zone for the times it shows: that layer imports nothing outside itself.
CHINA = ZoneInfo("Asia/Shanghai")


def china_today(now: datetime | None = None) -> date:
    """The date in China at ``now`` (an aware moment; the present by default)."""
    moment = now or datetime.now(UTC)
    if moment.tzinfo is None:
        raise ValueError("china_today needs an aware datetime")
    return moment.astimezone(CHINA).date()
