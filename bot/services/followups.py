"""回访 after 已办结: a set time after a help request is resolved, the resident is asked whether the
problem was solved ("1 解决了 2 没有解决"), and if so how satisfied they are (1–5); "2" reopens the
ticket with their words and counts against the township in the 督查 figures.

Where it comes from: the 督查 sections ask townships to be checked on results, not on paperwork
(正安县 seed 003 四（三） 强化督查问效; 同仁市 seed 002 三（三） 强化监督检查; 通伏乡 seed 004 三（五）
强化督查考核), and 同仁市's 回头看 (二（六）1) asks that help given is looked at again. The delay is
``MINSHENG_FOLLOWUP_HOURS`` (72 by default); nobody who sent TD is asked.

Sent once across processes: a process claims the ticket's 回访 with an UPDATE … WHERE
followup_state IS NULL in the transaction that queues the question.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.domain.i18n import I18n
from bot.domain.i18n import gettext as _
from bot.domain.messages import Option
from bot.domain.tickets import HELP, N_
from bot.services.dialog_state import conversation_busy, open_question
from bot.services.outbox import enqueue
from bot.staff_access import groups_for
from bot.storage.models import Resident, Ticket, TicketEvent

log = logging.getLogger(__name__)

FLOW = "followup"
ANSWER_WINDOW = timedelta(days=7)
CHANNELS = frozenset({"sms", "telegram", "cli"})
QUESTION = N_("【民生助手·回访】您的求助（编号 {number}）已办结。问题解决了吗？")
ANSWERS = {1: N_("解决了"), 2: N_("没有解决")}
LOW_SCORE = 2  # a score this low or lower is flagged for the supervisor


class FollowUps:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], i18n: I18n, clock: Callable[[], datetime]) -> None:
        self.sessions = sessions
        self.i18n = i18n
        self.clock = clock
        self.on_queued: Callable[[], None] = lambda: None

    async def send_due(self, limit: int = 200) -> int:
        now = self.clock()
        async with self.sessions() as session:
            ids = list(await session.scalars(
                select(Ticket.id).where(Ticket.followup_due_at <= now, Ticket.followup_state.is_(None),
                                        Ticket.status == "resolved", Ticket.kind == HELP, Ticket.purged_at.is_(None))
                .order_by(Ticket.followup_due_at).limit(limit)))
        sent = 0
        for ticket_id in ids:
            sent += await self._send_one(ticket_id, now)
        if sent:
            self.on_queued()
        return sent

    async def _send_one(self, ticket_id: int, now: datetime) -> int:
        async with self.sessions() as session, session.begin():
            ticket = await session.get(Ticket, ticket_id)
            if ticket is None:
                return 0
            if await conversation_busy(session, ticket.channel, ticket.contact, now):
                return 0  # asked on a later cycle, when the resident's dialog is over
            opted_out = await session.scalar(select(Resident.opted_out).where(
                Resident.channel == ticket.channel, Resident.address == ticket.contact))
            skip = bool(opted_out) or ticket.channel not in CHANNELS
            claimed = await session.execute(
                update(Ticket).where(Ticket.id == ticket_id, Ticket.followup_state.is_(None))
                .values(followup_state="skipped" if skip else "sent", followup_sent_at=None if skip else now))
            if claimed.rowcount != 1 or skip:  # type: ignore[attr-defined]
                return 0
            with self.i18n.context(), self.i18n.use_locale(ticket.locale or "zh_Hans"):
                options = [Option(f"fu:{n}", _(label)) for n, label in ANSWERS.items()]
                text = _(QUESTION).format(number=ticket.number)
                if ticket.channel != "telegram":
                    text += "".join(f"\n{i} {o.label}" for i, o in enumerate(options, 1))
            await open_question(session, ticket.channel, ticket.contact, FLOW, "solved", {"ticket": ticket.id},
                                [o.key for o in options], now, ANSWER_WINDOW)
            await enqueue(session, ticket.channel, ticket.contact, text, ref=f"fu-{ticket.id}",
                          options=options if ticket.channel == "telegram" else (), ticket_id=ticket.id)
            session.add(TicketEvent(ticket_id=ticket.id, at=now, type="followup", by="system",
                                    text="已发送回访：问题解决了吗？"))
        log.info("followup.sent", extra={"ticket": ticket_id})
        return 1


async def record_solved(session: AsyncSession, ticket: Ticket, now: datetime) -> None:
    ticket.followup_state, ticket.followup_answered_at = "resolved", now
    session.add(TicketEvent(ticket_id=ticket.id, at=now, type="followup_answer", by="resident",
                            text="回访：问题解决了", data={"resolved": True}))


async def record_score(session: AsyncSession, ticket: Ticket, score: int, now: datetime) -> None:
    ticket.followup_score = score
    session.add(TicketEvent(ticket_id=ticket.id, at=now, type="followup_answer", by="resident",
                            text=f"回访满意度：{score}分（满分5分）", data={"score": score}))


async def reopen(session: AsyncSession, ticket: Ticket, words: str, now: datetime) -> bool:
    """"没有解决": the ticket goes back to 办理中 in its township with the resident's words."""
    moved = await session.execute(
        update(Ticket).where(Ticket.id == ticket.id, Ticket.status == "resolved")
        .values(status="in_progress", closed_at=None, reopened_at=now, followup_state="unresolved",
                followup_answered_at=now))
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        return False
    text = "回访：居民说问题没有解决" + (f"：{words}" if words else "")
    session.add(TicketEvent(ticket_id=ticket.id, at=now, type="reopened", by="resident", text=text,
                            data={"from": "resolved", "to": "in_progress", "followup": True}))
    # The township's linked Telegram group hears of it, as of a new request.
    for chat_id in await groups_for(session, [ticket.township_code or ticket.county_code]):
        await enqueue(session, "telegram", str(chat_id), f"【回访未解决】编号 {ticket.number}：{text}，已重新办理。",
                      ref=f"reopen-{ticket.id}-{chat_id}"[:64])
    log.info("followup.reopened", extra={"ticket": ticket.id, "township": ticket.township_code})
    return True
