"""Domain services the dialogs and the HTTP API call, assembled once per process."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from bot.services.tickets import TicketService
from bot.storage.models import utcnow
from knowledge_base import KnowledgeBase
from knowledge_base.dates import china_today
from knowledge_base.jurisdictions import Jurisdictions


@dataclass
class AppServices:
    kb: KnowledgeBase
    places: Jurisdictions
    tickets: TicketService
    screening: Any = None
    # bot.services.checkins.CheckIns: enrolment from the dialogs (定期问候) and the staff side.
    checkins: Any = None
    clock: Any = field(default=utcnow)

    def now(self) -> datetime:
        return self.clock()

    def today(self) -> date:
        """The policy date: today in China, whatever the server's time zone (dated figures change at
        midnight China time)."""
        return china_today(self.now())
