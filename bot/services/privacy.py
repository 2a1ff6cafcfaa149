"""Personal information (个人信息保护法): retention after closure, and a resident's 删除我的信息.

What is personal on a closed ticket: the contact (phone number or chat id), the request's text,
attachments, 自查 answers, the cadre's consent note, and the texts of its history (replies,
the resident's words, notes) and of the messages sent about it. Purging blanks these and keeps
the row, its kind, category, place, status and times, its events' types and times, and its 回访
and check-in figures: what 督查 counts (``bot.services.stats``) survives.

Retention (``MINSHENG_RETENTION_DAYS``, 180 by default: see README) is a job every process runs;
each ticket is claimed with UPDATE … WHERE purged_at IS NULL, so it is purged once, and the log
says how many rows were purged, never what they held.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import String, cast, delete, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.domain.tickets import CLOSED
from bot.storage.models import (
    CheckIn,
    ConversationState,
    InboxMessage,
    OutboundMessage,
    Resident,
    Ticket,
    TicketEvent,
)

log = logging.getLogger(__name__)

# A check-in enrolment without its household: the address becomes "purged:<id>" (unique, as the
# column must be) and the rounds stay for the months' counts.
ANONYMOUS_CHECKIN = {"address": literal("purged:", String) + cast(CheckIn.id, String), "active": False,
                     "enrolled_by": "", "removed_by": ""}

PURGED_CONTACT = ""
# Event data that carries no personal detail and that 督查 and the history's shape rely on.
KEEP_DATA = frozenset({"status", "transferred", "escalated", "aid_escalated", "reopened", "followup_answer",
                       "assigned", "filed"})


async def purge_tickets(session: AsyncSession, ids: Sequence[int], now: datetime) -> list[int]:
    """Blanks the personal fields of these tickets (those not purged yet); returns the ids it purged."""
    if not ids:
        return []
    claimed = list(await session.scalars(
        update(Ticket).where(Ticket.id.in_(list(ids)), Ticket.purged_at.is_(None))
        .values(purged_at=now, contact=PURGED_CONTACT, text="", attachments=[], screening=None, consent_note=None)
        .returning(Ticket.id)))
    if not claimed:
        return []
    await session.execute(update(TicketEvent).where(TicketEvent.ticket_id.in_(claimed)).values(text=""))
    await session.execute(update(TicketEvent).where(TicketEvent.ticket_id.in_(claimed),
                                                    TicketEvent.type.not_in(sorted(KEEP_DATA))).values(data=None))
    await session.execute(update(OutboundMessage).where(OutboundMessage.ticket_id.in_(claimed),
                                                        OutboundMessage.status != "pending").values(text=""))
    for ticket_id in claimed:
        session.add(TicketEvent(ticket_id=ticket_id, at=now, type="purged", by="system", text=""))
    return claimed


class Retention:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], after: timedelta,
                 clock: Callable[[], datetime]) -> None:
        self.sessions = sessions
        self.after = after
        self.clock = clock

    async def run_once(self, limit: int = 500) -> dict[str, int]:
        """Purges what is due now; returns counts (this process's share)."""
        now = self.clock()
        cutoff = now - self.after
        counts = {"tickets": 0, "checkins": 0}
        while True:
            async with self.sessions() as session, session.begin():
                ids = list(await session.scalars(
                    select(Ticket.id).where(Ticket.purged_at.is_(None), Ticket.closed_at.is_not(None),
                                            Ticket.closed_at <= cutoff, Ticket.status.in_(sorted(CLOSED)))
                    .order_by(Ticket.id).limit(limit)))
                purged = await purge_tickets(session, ids, now)
            counts["tickets"] += len(purged)
            if len(ids) < limit:
                break
        async with self.sessions() as session, session.begin():
            # A household taken off check-ins long ago loses its address; its rounds (no text in
            # them) stay, so the months' check-in counts do too.
            removed = await session.execute(
                update(CheckIn).where(CheckIn.active.is_(False), CheckIn.removed_at <= cutoff,
                                      CheckIn.address.not_like("purged:%"))
                .values(**ANONYMOUS_CHECKIN))
            counts["checkins"] = int(removed.rowcount or 0)  # type: ignore[attr-defined]
        if any(counts.values()):
            log.info("retention.purged", extra={**counts, "after_days": self.after.days})
        return counts


async def open_tickets_of(session: AsyncSession, channel: str, address: str) -> list[Ticket]:
    return list(await session.scalars(
        select(Ticket).where(Ticket.channel == channel, Ticket.contact == address,
                             Ticket.status.not_in(sorted(CLOSED))).order_by(Ticket.id)))


async def erase_resident(session: AsyncSession, channel: str, address: str, now: datetime,
                         keep_inbox_id: str | None = None) -> dict[str, int]:
    """删除我的信息: profile, check-in enrolment, conversation texts and the closed tickets' personal
    fields go; open tickets stay until they are closed (retention purges them then).

    Runs inside the message's own unit of work. Returns counts for the receipt and the log.
    """
    closed = list(await session.scalars(
        select(Ticket.id).where(Ticket.channel == channel, Ticket.contact == address,
                                Ticket.status.in_(sorted(CLOSED)))))
    purged = await purge_tickets(session, closed, now)
    # A resident who sent TD keeps that one choice (and the address it needs), so that erasing
    # their data does not start notifications they stopped; everything else of the profile goes.
    opted_out = await session.scalar(select(Resident.opted_out).where(Resident.channel == channel,
                                                                      Resident.address == address))
    if opted_out:
        profile = await session.execute(update(Resident).where(Resident.channel == channel,
                                                               Resident.address == address)
                                        .values(region_code=None, locale=None, updated_at=now))
    else:
        profile = await session.execute(delete(Resident).where(Resident.channel == channel,
                                                               Resident.address == address))
    checkin = await session.execute(update(CheckIn).where(CheckIn.channel == channel, CheckIn.address == address)
                                    .values(removed_at=now, **ANONYMOUS_CHECKIN))
    # What was said before this message: texts blanked (the rows are the inbox's record that they were handled).
    await session.execute(update(InboxMessage).where(
        InboxMessage.channel == channel, InboxMessage.address == address, InboxMessage.status != "received",
        *([InboxMessage.delivery_id != keep_inbox_id] if keep_inbox_id else [])).values(text="", payload=None))
    await session.execute(update(OutboundMessage).where(
        OutboundMessage.channel == channel, OutboundMessage.address == address,
        OutboundMessage.status != "pending").values(text=""))
    # The conversation keeps no personal data from here on; it is emptied by the dialog itself.
    await session.execute(update(ConversationState).where(ConversationState.channel == channel,
                                                          ConversationState.address == address)
                          .values(data={}))
    counts = {"tickets": len(purged), "profile": int(profile.rowcount or 0),  # type: ignore[attr-defined]
              "checkins": int(checkin.rowcount or 0)}  # type: ignore[attr-defined]
    log.info("privacy.erased", extra=counts)
    return counts
