"""Periodic check-ins (主动发现): households that agreed are asked, at their place's interval, whether
their income or expenses changed; an answer of 2 or 3 opens a request in their township.

Where it comes from: 同仁市 asks for 走访摸排 of low-income households 按季度 (seed 002, 二（五）1) and a
困难群众主动发现机制 (二（六）); 临夏州 for 动态监测预警 of households at risk of 返贫 (seed 000, 三（三）8);
通伏乡 for a 主动发现报告机制 (seed 004, 二（二）5). The interval is the knowledge base's
``monitoring.visit_interval_months`` for the household's place (3 for 同仁市, from 按季度); a place that
published none gets ``DEFAULT_INTERVAL_MONTHS``, Minsheng's own choice, the same quarterly rhythm.

A round is sent once across processes: the sender moves ``next_due_at`` forward with a
compare-and-set on the value it read, in the transaction that queues the message and opens the
answer in the resident's conversation; a second process finds the row moved and sends nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, false, select, true, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.domain.i18n import I18n
from bot.domain.i18n import gettext as _
from bot.domain.messages import Option
from bot.domain.tickets import ADMIN, N_, SUPERVISOR
from bot.services.dialog_state import conversation_busy, open_question
from bot.services.outbox import enqueue
from bot.staff_access import Actor
from bot.storage.models import CheckIn, CheckInRound, Resident
from knowledge_base.dates import china_today
from knowledge_base.jurisdictions import Jurisdictions

log = logging.getLogger(__name__)

INTERVAL_PATH = "monitoring.visit_interval_months"
DEFAULT_INTERVAL_MONTHS = 3
# How long a check-in may be answered (and after which an unanswered one counts as missed).
ANSWER_WINDOW = timedelta(days=7)
# A resident in the middle of a dialog is not interrupted: the round waits this long and tries again.
BUSY_RETRY = timedelta(hours=1)
CHANNELS = frozenset({"sms", "telegram", "cli"})

QUESTION = N_("【民生助手·定期问候】近来家里收入或开支有大变化吗？回复数字：")
ANSWERS = {1: N_("没有"), 2: N_("收入少了"), 3: N_("有大病/灾/事故")}
# How a household agreed: by the 定期问候 command (offered after a 监测 filing and after 自查), or
# enrolled by staff who asked at home (the consent note goes in the log of the request).
CONSENTS = {"resident": N_("居民本人同意"), "staff": N_("工作人员登记（入户征得同意）")}
FLOW = "checkin"


def add_months(moment: datetime, months: int) -> datetime:
    month = moment.month - 1 + months
    year, month = moment.year + month // 12, month % 12 + 1
    for day in (moment.day, 30, 29, 28):
        try:
            return moment.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    raise ValueError(moment)


def interval_reader(parameters: Any) -> Callable[[str, date], int]:
    """Months between check-ins for a place on a date: its own figure, its county's, or the default."""
    def months(code: str, on: date) -> int:
        try:
            fact = parameters.get(INTERVAL_PATH, code, on)
        except KeyError:
            return DEFAULT_INTERVAL_MONTHS
        value = getattr(fact, "value", None) if fact else None
        return int(value) if isinstance(value, int | float) and value >= 1 else DEFAULT_INTERVAL_MONTHS
    return months


@dataclass(frozen=True)
class RoundView:
    sent_at: datetime
    answer: int | None
    answered_at: datetime | None
    ticket_id: int | None
    missed: bool


def missed(round_: CheckInRound, later: bool, now: datetime) -> bool:
    """Unanswered, and no longer answerable: its window passed or a newer round replaced it."""
    return round_.answer is None and (later or round_.sent_at + ANSWER_WINDOW <= now)


def unanswered_in_a_row(checkin: CheckIn, now: datetime) -> int:
    count = 0
    rounds = list(checkin.rounds)
    for index in range(len(rounds) - 1, -1, -1):
        if missed(rounds[index], index < len(rounds) - 1, now):
            count += 1
        elif rounds[index].answer is not None:
            break
    return count


class CheckIns:
    """Enrols and removes households, sends due rounds, records answers."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], places: Jurisdictions,
                 months: Callable[[str, date], int], i18n: I18n, sms_max_chars: int,
                 clock: Callable[[], datetime]) -> None:
        self.sessions = sessions
        self.places = places
        self.months = months
        self.i18n = i18n
        self.sms_max_chars = sms_max_chars
        self.clock = clock
        self.on_queued: Callable[[], None] = lambda: None

    def interval(self, checkin: CheckIn, now: datetime) -> int:
        return self.months(checkin.township_code or checkin.county_code, china_today(now))

    async def enrol(self, session: AsyncSession, channel: str, address: str, county_code: str,
                    township_code: str | None, consent: str, by: str, locale: str, now: datetime) -> CheckIn:
        """Enrols (or re-enrols) the household at this address; the first round is one interval away."""
        row = await session.scalar(select(CheckIn).where(CheckIn.channel == channel, CheckIn.address == address))
        months = self.months(township_code or county_code, china_today(now))
        if row is None:
            row = CheckIn(channel=channel, address=address, county_code=county_code, township_code=township_code,
                          locale=locale or "zh_Hans", consent=consent, enrolled_by=by, enrolled_at=now,
                          active=True, next_due_at=add_months(now, months), rounds=[])
            session.add(row)
        else:
            if not row.active:
                row.next_due_at = add_months(now, months)
            row.active, row.removed_at, row.removed_by = True, None, None
            row.county_code, row.township_code = county_code, township_code
            row.consent, row.enrolled_by, row.enrolled_at = consent, by, now
        await session.flush()
        log.info("checkin.enrolled", extra={"checkin": row.id, "township": township_code, "consent": consent})
        return row

    async def remove(self, session: AsyncSession, checkin: CheckIn, by: str, now: datetime) -> None:
        checkin.active, checkin.removed_at, checkin.removed_by = False, now, by
        log.info("checkin.removed", extra={"checkin": checkin.id})

    async def for_address(self, session: AsyncSession, channel: str, address: str) -> CheckIn | None:
        return await session.scalar(select(CheckIn).where(CheckIn.channel == channel, CheckIn.address == address))

    # -- staff ------------------------------------------------------------------------------------

    def scope(self, actor: Actor) -> ColumnElement[bool]:
        if actor.role == ADMIN:
            return true()
        if actor.role == SUPERVISOR:
            return CheckIn.county_code == actor.county_code if actor.county_code else false()
        return CheckIn.township_code == actor.township_code if actor.township_code else false()

    async def listing(self, actor: Actor, due_only: bool = False, include_removed: bool = False) -> list[CheckIn]:
        now = self.clock()
        async with self.sessions() as session:
            query = select(CheckIn).where(self.scope(actor))
            if not include_removed:
                query = query.where(CheckIn.active.is_(True))
            if due_only:
                query = query.where(CheckIn.next_due_at <= now + timedelta(days=7))
            return list(await session.scalars(query.order_by(CheckIn.next_due_at, CheckIn.id).limit(2000)))

    async def get(self, actor: Actor, checkin_id: int) -> CheckIn | None:
        async with self.sessions() as session:
            row = await session.scalar(select(CheckIn).where(CheckIn.id == checkin_id, self.scope(actor)))
        return row

    # -- the job ----------------------------------------------------------------------------------

    async def send_due(self, limit: int = 200) -> int:
        """Sends every round due now; returns how many this process sent."""
        now = self.clock()
        async with self.sessions() as session:
            due = list((await session.execute(
                select(CheckIn.id, CheckIn.next_due_at).where(CheckIn.active.is_(True), CheckIn.next_due_at <= now)
                .order_by(CheckIn.next_due_at).limit(limit))).all())
        sent = 0
        for checkin_id, due_at in due:
            if await self._send_one(checkin_id, due_at, now):
                sent += 1
        if sent:
            self.on_queued()
        return sent

    async def _send_one(self, checkin_id: int, due_at: datetime, now: datetime) -> bool:
        async with self.sessions() as session, session.begin():
            checkin = await session.get(CheckIn, checkin_id)
            if checkin is None:
                return False
            opted_out = await session.scalar(select(Resident.opted_out).where(
                Resident.channel == checkin.channel, Resident.address == checkin.address))
            busy = await conversation_busy(session, checkin.channel, checkin.address, now)
            # TD skips the round (恢复通知 lets the next one through); a dialog under way delays it.
            later = add_months(now, self.interval(checkin, now)) if opted_out or not busy else now + BUSY_RETRY
            claimed = await session.execute(
                update(CheckIn).where(CheckIn.id == checkin_id, CheckIn.next_due_at == due_at,
                                      CheckIn.active.is_(True)).values(next_due_at=later))
            if claimed.rowcount != 1 or opted_out or busy or checkin.channel not in CHANNELS:  # type: ignore[attr-defined]
                return False
            round_ = CheckInRound(checkin_id=checkin.id, sent_at=now)
            session.add(round_)
            await session.flush()
            with self.i18n.context(), self.i18n.use_locale(checkin.locale or "zh_Hans"):
                options = [Option(f"ci:{n}", _(label)) for n, label in ANSWERS.items()]
                text = _(QUESTION)
                if checkin.channel != "telegram":
                    text += "".join(f"\n{i} {o.label}" for i, o in enumerate(options, 1))
                    text += "\n" + _("TD退订")
            await open_question(session, checkin.channel, checkin.address, FLOW, "answer", {"round": round_.id},
                                [o.key for o in options], now, ANSWER_WINDOW)
            await enqueue(session, checkin.channel, checkin.address, text, ref=f"ci-{round_.id}",
                          options=options if checkin.channel == "telegram" else ())
        log.info("checkin.sent", extra={"checkin": checkin_id, "round": round_.id})
        return True
