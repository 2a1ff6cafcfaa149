"""Background jobs: escalating overdue tickets to the county's supervisors.

Two deadlines are watched: the first answer (``due_at``, escalated through ``escalated_at``) and,
for an urgent request, the aid itself (``aid_due_at``: still open when it passes, escalated
through ``aid_escalated_at``).

Every service process runs the job. A ticket is escalated by an UPDATE … WHERE escalated_at IS NULL
in the same transaction as its event and its Telegram post, so whichever process gets there first
escalates it and every other one finds nothing to do: one escalation, however many processes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.domain.tickets import OPEN
from bot.services.outbox import enqueue
from bot.services.workflow import Workflow
from bot.staff_access import groups_for
from bot.storage.models import Ticket, TicketEvent

log = logging.getLogger(__name__)


async def every(interval: float, run_once: Callable[[], Awaitable[object]], failed: str) -> None:
    """Runs ``run_once`` every ``interval`` seconds until cancelled; a failed round is logged as
    ``failed`` and the next one runs as usual (a database away for a while is no reason to stop)."""
    while True:
        try:
            await run_once()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception(failed)
        await asyncio.sleep(interval)


@dataclass(frozen=True)
class Deadline:
    """One kind of deadline: which tickets have missed it, and how an escalation of it is told."""

    name: str
    due: Any
    marked: Any
    pending: Callable[[], ColumnElement[bool]]
    event: str
    text: str
    headline: str


FIRST_ANSWER = Deadline(
    "first_answer", Ticket.due_at, Ticket.escalated_at, lambda: Ticket.first_answered_at.is_(None),
    "escalated", "超过首次答复期限 {late} 分钟未答复，已上报县级", "超时上报")
URGENT_AID = Deadline(
    "urgent_aid", Ticket.aid_due_at, Ticket.aid_escalated_at, lambda: Ticket.urgent.is_(True),
    "aid_escalated", "急难救助期限已过 {late} 分钟仍未办结，已上报县级", "急难超时上报")


class Escalator:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], workflow: Workflow,
                 clock: Callable[[], datetime], interval: float = 60.0) -> None:
        self.sessions = sessions
        self.workflow = workflow
        self.clock = clock
        self.interval = interval

    async def run(self) -> None:
        await every(self.interval, self.run_once, "escalation.cycle_failed")

    async def run_once(self, limit: int = 200) -> int:
        """Escalates everything overdue now, in batches; returns how many escalations this process made."""
        now = self.clock()
        escalated = 0
        for deadline in (FIRST_ANSWER, URGENT_AID):
            while True:
                async with self.sessions() as session:
                    ids = list(await session.scalars(
                        select(Ticket.id).where(deadline.pending(), deadline.marked.is_(None), deadline.due <= now,
                                                Ticket.status.in_(sorted(OPEN)))
                        .order_by(deadline.due).limit(limit)))
                if ids:
                    escalated += await self._escalate(deadline, ids, now)
                    self.workflow.on_queued()
                if len(ids) < limit:
                    break
        return escalated

    async def _escalate(self, deadline: Deadline, ids: list[int], now: datetime) -> int:
        async with self.sessions() as session, session.begin():
            # Each row is claimed atomically: RETURNING gives exactly the tickets this process won.
            claimed = list(await session.scalars(
                update(Ticket).where(Ticket.id.in_(ids), deadline.marked.is_(None), deadline.pending(),
                                     Ticket.status.in_(sorted(OPEN)))
                .values({deadline.marked.key: now}).returning(Ticket.id)))
            if not claimed:
                return 0  # other processes escalated them, or they were answered meanwhile
            tickets = list(await session.scalars(select(Ticket).where(Ticket.id.in_(claimed))))
            groups: dict[str, list[int]] = {}
            done: list[dict[str, object]] = []
            for ticket in tickets:
                due: datetime = getattr(ticket, deadline.due.key)
                late = int((now - due).total_seconds() // 60)
                session.add(TicketEvent(ticket_id=ticket.id, at=now, type=deadline.event, by="system",
                                        text=deadline.text.format(late=late), data={"county": ticket.county_code}))
                if ticket.county_code not in groups:
                    groups[ticket.county_code] = await groups_for(session, [ticket.county_code])
                await self.workflow.post_to_robots(session, ticket, [ticket.county_code], deadline.headline,
                                                   f"esc-{deadline.name}-{ticket.id}")
                for chat_id in groups[ticket.county_code]:
                    card = self.workflow.staff_card(ticket, deadline.headline)
                    await enqueue(session, "telegram", str(chat_id), card,
                                  ref=f"esc-{deadline.name}-{ticket.id}-{chat_id}"[:64])
                done.append({"number": ticket.number, "county": ticket.county_code, "deadline": deadline.name,
                             "township": ticket.township_code, "late_minutes": late})
        for entry in done:
            log.warning("ticket.escalated", extra=entry)
        return len(claimed)
