"""Background jobs: escalating tickets whose first answer is overdue to the county's supervisors.

Every service process runs the job. A ticket is escalated by an UPDATE … WHERE escalated_at IS NULL
in the same transaction as its event and its Telegram post, so whichever process gets there first
escalates it and every other one finds nothing to do: one escalation, however many processes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.services.outbox import enqueue
from bot.services.workflow import OPEN, Workflow
from bot.staff_access import groups_for
from bot.storage.models import Ticket, TicketEvent

log = logging.getLogger(__name__)


class Escalator:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], workflow: Workflow,
                 clock: Callable[[], datetime], interval: float = 60.0) -> None:
        self.sessions = sessions
        self.workflow = workflow
        self.clock = clock
        self.interval = interval

    async def run(self) -> None:
        while True:
            try:
                await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("escalation.cycle_failed")
            await asyncio.sleep(self.interval)

    async def run_once(self, limit: int = 200) -> int:
        """Escalates everything overdue now, in batches; returns how many tickets this process escalated."""
        now = self.clock()
        escalated = 0
        while True:
            async with self.sessions() as session:
                ids = list(await session.scalars(
                    select(Ticket.id).where(Ticket.first_answered_at.is_(None), Ticket.escalated_at.is_(None),
                                            Ticket.due_at <= now, Ticket.status.in_(sorted(OPEN)))
                    .order_by(Ticket.due_at).limit(limit)))
            if ids:
                escalated += await self._escalate(ids, now)
                self.workflow.on_queued()
            if len(ids) < limit:
                return escalated

    async def _escalate(self, ids: list[int], now: datetime) -> int:
        async with self.sessions() as session, session.begin():
            # Each row is claimed atomically: RETURNING gives exactly the tickets this process won.
            claimed = list(await session.scalars(
                update(Ticket).where(Ticket.id.in_(ids), Ticket.escalated_at.is_(None),
                                     Ticket.first_answered_at.is_(None))
                .values(escalated_at=now).returning(Ticket.id)))
            if not claimed:
                return 0  # other processes escalated them, or they were answered meanwhile
            tickets = list(await session.scalars(select(Ticket).where(Ticket.id.in_(claimed))))
            groups: dict[str, list[int]] = {}
            done: list[dict[str, object]] = []
            for ticket in tickets:
                late = int((now - ticket.due_at).total_seconds() // 60)
                session.add(TicketEvent(ticket_id=ticket.id, at=now, type="escalated", by="system",
                                        text=f"超过首次答复期限 {late} 分钟未答复，已上报县级",
                                        data={"county": ticket.county_code}))
                if ticket.county_code not in groups:
                    groups[ticket.county_code] = await groups_for(session, [ticket.county_code])
                for chat_id in groups[ticket.county_code]:
                    await enqueue(session, "telegram", str(chat_id), self.workflow.staff_card(ticket, "超时上报"),
                                  ref=f"esc-{ticket.id}-{chat_id}"[:64])
                done.append({"number": ticket.number, "county": ticket.county_code,
                             "township": ticket.township_code, "late_minutes": late})
        for entry in done:
            log.warning("ticket.escalated", extra=entry)
        return len(claimed)
