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
        """Escalates what is overdue now; returns how many tickets this process escalated."""
        now = self.clock()
        async with self.sessions() as session:
            ids = list(await session.scalars(
                select(Ticket.id).where(Ticket.first_answered_at.is_(None), Ticket.escalated_at.is_(None),
                                        Ticket.due_at <= now, Ticket.status.in_(sorted(OPEN)))
                .order_by(Ticket.due_at).limit(limit)))
        escalated = 0
        for ticket_id in ids:
            escalated += await self._escalate(ticket_id, now)
        if escalated:
            self.workflow.on_queued()
        return escalated

    async def _escalate(self, ticket_id: int, now: datetime) -> int:
        async with self.sessions() as session, session.begin():
            claimed = await session.execute(
                update(Ticket).where(Ticket.id == ticket_id, Ticket.escalated_at.is_(None),
                                     Ticket.first_answered_at.is_(None))
                .values(escalated_at=now))
            if claimed.rowcount != 1:  # type: ignore[attr-defined]
                return 0  # another process escalated it, or it was answered meanwhile
            ticket = await session.get(Ticket, ticket_id)
            assert ticket is not None
            late = now - ticket.due_at
            session.add(TicketEvent(ticket_id=ticket.id, at=now, type="escalated", by="system",
                                    text=f"超过首次答复期限 {int(late.total_seconds() // 60)} 分钟未答复，已上报县级",
                                    data={"county": ticket.county_code}))
            for chat_id in await groups_for(session, [ticket.county_code]):
                await enqueue(session, "telegram", str(chat_id), self.workflow.staff_card(ticket, "超时上报"),
                              ref=f"esc-{ticket.id}-{chat_id}"[:64])
        log.warning("ticket.escalated", extra={"number": ticket.number, "county": ticket.county_code,
                                               "township": ticket.township_code,
                                               "late_minutes": int(late.total_seconds() // 60)})
        return 1
