"""What staff do to a ticket: reply, move it through its workflow, transfer it, reveal the contact.

Every action is one transaction that appends an event (who, what, when) and queues what the
resident is told in the outbox, so a reply is delivered once even if the process dies right after.
The workflows and the roles that may make each move are in ``bot.domain.tickets``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import raiseload

from bot.domain.messages import Option, split_pages
from bot.domain.tickets import (
    ADMIN,
    CHANNEL_LABELS,
    CLOSED,
    DEADLINE_LABELS,
    DELIVERY_FAILURE_LABELS,
    KIND_LABELS,
    NEEDS_REASON,
    OPEN,
    STATUS_LABELS,
    TRANSITION_ROLES,
    category_text,
    format_time,
    next_statuses,
    parse_status,
    status_label,
    status_text,
)
from bot.i18n import I18n
from bot.i18n import gettext as _
from bot.logs import mask_phone
from bot.services.outbox import Failure, enqueue
from bot.services.tickets import FIRST_ANSWER_HOURS, TicketService
from bot.staff_access import Actor, groups_for, robots_for
from bot.storage.models import OutboundMessage, Resident, Ticket, TicketEvent
from knowledge_base.jurisdictions import Jurisdictions

log = logging.getLogger(__name__)

# Channels whose residents can be written to through the outbox.
REACHABLE = frozenset({"sms", "telegram", "wechat", "cli"})
MAX_REPLY_CHARS = 1000


class WorkflowError(Exception):
    """A staff action that cannot be done as asked; ``field`` names the input at fault."""

    def __init__(self, code: str, message: str, field: str | None = None, status: int = 422) -> None:
        super().__init__(message)
        self.code, self.message, self.field, self.status = code, message, field, status


class TicketNotFound(WorkflowError):
    """No such ticket, or not in the caller's scope: the two are never told apart."""

    def __init__(self, number: str) -> None:
        super().__init__("not_found", f"no ticket {number}", None, 404)


@dataclass(frozen=True)
class Queue:
    """A queue view: ``status`` is "open", "all" or one status value."""

    status: str = "open"
    kind: str | None = None
    urgent: bool | None = None
    overdue: bool | None = None
    limit: int = 500


def kb_deadlines(parameters: Any) -> Callable[[str, str, date], float | None]:
    """Deadline hours as each place publishes them in the knowledge base (temporary_assistance.*), on a date."""
    paths = {"first_answer_hours": "temporary_assistance.response_hours",
             "urgent_aid_hours": "temporary_assistance.emergency_aid_hours"}

    def hours(code: str, what: str, on: date) -> float | None:
        try:
            fact = parameters.get(paths[what], code, on)
        except KeyError:
            return None
        value = getattr(fact, "value", None) if fact else None
        return float(value) if isinstance(value, int | float) else None

    return hours


def mask_contact(channel: str, contact: str) -> str:
    """Phone numbers as 138****5678, Telegram chat ids as *****6789, WeChat openids as ****WeS6o:
    enough to recognise, not to reach."""
    if channel == "wechat":
        return "****" + contact[-5:]
    return mask_phone(contact)


class Workflow:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], places: Jurisdictions, tickets: TicketService,
                 i18n: I18n, sms_max_chars: int, clock: Callable[[], datetime]) -> None:
        self.sessions = sessions
        self.places = places
        self.tickets = tickets
        self.i18n = i18n
        self.sms_max_chars = sms_max_chars
        self.clock = clock
        # Called after a commit that queued messages (the outbox worker's wake-up).
        self.on_queued: Callable[[], None] = lambda: None
        # MINSHENG_PUBLIC_URL: where a WeCom card's link to the ticket page points.
        self.public_url: str | None = None

    # -- reading --------------------------------------------------------------------------------

    def _queue_query(self, actor: Actor, queue: Queue) -> Select[Ticket]:
        query = select(Ticket).where(actor.ticket_filter()).options(raiseload(Ticket.events))
        if queue.status == "open":
            query = query.where(Ticket.status.in_(sorted(OPEN)))
        elif queue.status != "all":
            query = query.where(Ticket.status == queue.status)
        if queue.kind:
            query = query.where(Ticket.kind == queue.kind)
        if queue.urgent is not None:
            query = query.where(Ticket.urgent.is_(queue.urgent))
        if queue.overdue:
            query = query.where(Ticket.first_answered_at.is_(None), Ticket.due_at <= self.clock(),
                                Ticket.status.in_(sorted(OPEN)))
        return query.order_by(Ticket.due_at, Ticket.id).limit(queue.limit)

    async def queue(self, actor: Actor, queue: Queue) -> list[Ticket]:
        """The caller's tickets, soonest deadline first."""
        async with self.sessions() as session:
            return list(await session.scalars(self._queue_query(actor, queue)))

    async def count_escalated(self, actor: Actor) -> int:
        async with self.sessions() as session:
            return int(await session.scalar(
                select(func.count()).select_from(Ticket).where(
                    actor.ticket_filter(), Ticket.escalated_at.is_not(None), Ticket.first_answered_at.is_(None),
                    Ticket.status.in_(sorted(OPEN)))) or 0)

    async def find(self, actor: Actor, number: str) -> Ticket:
        """The ticket with its events, if the caller may see it; TicketNotFound otherwise."""
        if not number.isdigit() or len(number) > 24:
            raise TicketNotFound(number[:24])
        async with self.sessions() as session:
            ticket = await session.scalar(select(Ticket).where(Ticket.number == number))
        if ticket is None or not actor.sees(ticket):
            raise TicketNotFound(number)
        return ticket

    def is_overdue(self, ticket: Ticket, now: datetime | None = None) -> bool:
        now = now or self.clock()
        if ticket.status in CLOSED:
            return False
        late_answer = ticket.first_answered_at is None and ticket.due_at <= now
        late_aid = ticket.aid_due_at is not None and ticket.aid_due_at <= now
        return late_answer or late_aid

    def allowed_moves(self, actor: Actor, ticket: Ticket) -> list[str]:
        """The statuses this person may move the ticket to now (transfer excluded: it needs a target)."""
        moves = next_statuses(ticket.kind, ticket.status)
        return [s for s in STATUS_LABELS if s in moves and actor.role in TRANSITION_ROLES[s] and s != "transferred"]

    def can_transfer(self, actor: Actor, ticket: Ticket) -> bool:
        return "transferred" in next_statuses(ticket.kind, ticket.status)

    def transfer_targets(self, actor: Actor, ticket: Ticket) -> list[tuple[str, str]]:
        """(code, label) of the places this person may transfer the ticket to."""
        counties = self.places.counties() if actor.role == ADMIN else \
            [self.places.get(ticket.county_code)] if ticket.county_code in self.places else []
        out: list[tuple[str, str]] = []
        for county in counties:
            if actor.role != ADMIN and county.code != (actor.county_code or ticket.county_code):
                continue
            out.append((county.code, f"{county.name}（县级分派）"))
            out.extend((t.code, f"{county.name}{t.name}") for t in self.places.townships(county.code)
                       if t.code != ticket.township_code)
        return out

    # -- acting ---------------------------------------------------------------------------------

    async def reply(self, actor: Actor, number: str, text: str) -> TicketEvent:
        """A staff answer: recorded, and sent to the resident even if they opted out of notifications."""
        text = text.strip()
        if not text:
            raise WorkflowError("empty", "text must not be empty", "text")
        if len(text) > MAX_REPLY_CHARS:
            raise WorkflowError("too_long", f"text is longer than {MAX_REPLY_CHARS} characters", "text")
        ticket = await self.find(actor, number)
        now = self.clock()
        async with self.sessions() as session, session.begin():
            event = TicketEvent(ticket_id=ticket.id, at=now, type="reply", by=actor.name, text=text)
            session.add(event)
            await session.flush()
            await session.execute(update(Ticket).where(Ticket.id == ticket.id, Ticket.first_answered_at.is_(None))
                                  .values(first_answered_at=now))
            message = self._in_locale(ticket.locale, lambda: _("【{place}】工作人员回复（编号 {number}）：{text}")
                                      .format(place=self.place_name(ticket), number=ticket.number, text=text))
            queued = await self._tell_resident(session, ticket, message, f"t{ticket.id}-e{event.id}", always=True)
        log.info("ticket.replied", extra={"number": ticket.number, "staff": actor.id, "queued": queued})
        self.on_queued()
        return event

    async def transition(self, actor: Actor, number: str, to: str, note: str = "",
                         target: str | None = None) -> Ticket:
        """Moves the ticket to ``to`` (a status value or its Chinese label); a transfer needs ``target``."""
        status = parse_status(to or "")
        if status is None:
            raise WorkflowError("unknown_status", f"unknown status '{to[:40]}'; one of: "
                                + ", ".join(STATUS_LABELS), "to")
        note = (note or "").strip()
        if len(note) > MAX_REPLY_CHARS:
            raise WorkflowError("too_long", f"note is longer than {MAX_REPLY_CHARS} characters", "note")
        ticket = await self.find(actor, number)
        moves = next_statuses(ticket.kind, ticket.status)
        if status not in moves:
            raise WorkflowError("not_allowed", f"a {ticket.kind} ticket in status {ticket.status} cannot move to "
                                f"{status}", "to", 409)
        if actor.role not in TRANSITION_ROLES[status]:
            raise WorkflowError("role", f"a {actor.role} cannot move a ticket to {status}", "to", 403)
        if status in NEEDS_REASON and not note:
            raise WorkflowError("reason_required", f"moving to {status} needs a reason in note", "note")
        now = self.clock()
        values: dict[str, Any] = {"status": status}
        data: dict[str, Any] = {"from": ticket.status, "to": status}
        if status == "transferred":
            values.update(self._transfer_values(actor, ticket, target, now))
            data.update({"from_place": ticket.township_code or ticket.county_code,
                         "to_place": values["township_code"] or values["county_code"]})
        if status in CLOSED:
            values["closed_at"] = now
        async with self.sessions() as session, session.begin():
            moved = await session.execute(update(Ticket).where(Ticket.id == ticket.id, Ticket.status == ticket.status)
                                          .values(**values))
            if moved.rowcount != 1:  # type: ignore[attr-defined]
                raise WorkflowError("conflict", "the ticket changed meanwhile; reload it", "to", 409)
            if status != "transferred":
                # A decision the resident is told of answers the request, as a reply does.
                await session.execute(update(Ticket).where(Ticket.id == ticket.id,
                                                           Ticket.first_answered_at.is_(None))
                                      .values(first_answered_at=now))
            event = TicketEvent(ticket_id=ticket.id, at=now, type="transferred" if status == "transferred"
                                else "status", by=actor.name, text=note, data=data)
            session.add(event)
            await session.flush()
            fresh = await session.get(Ticket, ticket.id, populate_existing=True)
            assert fresh is not None
            message = self._status_message(fresh, status, note)
            queued = await self._tell_resident(session, fresh, message, f"t{ticket.id}-e{event.id}", always=False)
            if status == "transferred":
                await self.announce(session, fresh, headline="转办")
        log.info("ticket.transition", extra={"number": ticket.number, "staff": actor.id, "from": ticket.status,
                                             "to": status, "queued": queued})
        self.on_queued()
        return await self.find_any(ticket.number)

    def _transfer_values(self, actor: Actor, ticket: Ticket, target: str | None, now: datetime) -> dict[str, Any]:
        if not target or not target.strip():
            raise WorkflowError("missing", "a transfer needs the township to transfer to", "township")
        code = self.resolve_place(target, ticket.county_code if actor.role != ADMIN else None)
        place = self.places.get(code)
        county = self.places.county_of(code)
        if county is None:
            raise WorkflowError("unknown_place", f"'{target[:40]}' is not a served township or county", "township")
        township_code = code if place.is_township else None
        if actor.role != ADMIN and county.code != ticket.county_code:
            raise WorkflowError("out_of_area", "only an admin transfers to another county", "township")
        if (township_code, county.code) == (ticket.township_code, ticket.county_code):
            raise WorkflowError("same_place", "the ticket is in that queue already", "township")
        values: dict[str, Any] = {"township_code": township_code, "county_code": county.code}
        if ticket.first_answered_at is None:
            # The receiving township gets its own full answer period; the aid deadline stays the resident's.
            hours = self.tickets.hours(code, "first_answer_hours", FIRST_ANSWER_HOURS, now)
            values.update(due_at=now + timedelta(hours=hours), escalated_at=None)
        return values

    def resolve_place(self, name: str, within: str | None) -> str:
        """A township or county code from a code or name, preferring places inside ``within``."""
        found = self.places.find(name, within=within, levels=("township", "county"))
        townships = [p for p in found if p.is_township]
        found = townships or found
        if len(found) != 1:
            what = "several places" if found else "no served township or county"
            raise WorkflowError("unknown_place", f"'{name.strip()[:40]}' names {what}", "township")
        return found[0].code

    async def reveal(self, actor: Actor, number: str) -> str:
        """The resident's full contact, for a call; the reveal itself goes into the history."""
        ticket = await self.find(actor, number)
        async with self.sessions() as session, session.begin():
            session.add(TicketEvent(ticket_id=ticket.id, at=self.clock(), type="contact_revealed", by=actor.name,
                                    text=""))
        log.info("ticket.contact_revealed", extra={"number": ticket.number, "staff": actor.id})
        return ticket.contact

    async def find_any(self, number: str) -> Ticket:
        async with self.sessions() as session:
            ticket = await session.scalar(select(Ticket).where(Ticket.number == number))
        if ticket is None:
            raise TicketNotFound(number)
        return ticket

    # -- telling people -------------------------------------------------------------------------

    def _in_locale(self, locale: str, render: Callable[[], str]) -> str:
        with self.i18n.context(), self.i18n.use_locale(locale or "zh_Hans"):
            return render()

    def _status_message(self, ticket: Ticket, status: str, note: str) -> str:
        def render() -> str:
            if status == "transferred":
                text = _("您的求助（编号 {number}）已转交{place}办理。").format(
                    number=ticket.number, place=self.place_name(ticket))
            else:
                text = _("您的办理（编号 {number}）进展：{status}。").format(
                    number=ticket.number, status=status_label(status, self.county_name(ticket.county_code)))
            if note:
                text += _("说明：{note}").format(note=note)
            return text
        return self._in_locale(ticket.locale, render)

    async def _tell_resident(self, session: AsyncSession, ticket: Ticket, text: str, ref: str,
                             always: bool) -> int:
        """Queues ``text`` to the resident on their channel; status news is skipped after TD. Returns parts."""
        if ticket.channel not in REACHABLE:
            return 0
        if not always:
            opted_out = await session.scalar(select(Resident.opted_out).where(
                Resident.channel == ticket.channel, Resident.address == ticket.contact))
            if opted_out:
                return 0
        parts = split_pages(text, self.sms_max_chars) if ticket.channel == "sms" else [text]
        for index, part in enumerate(parts):
            await enqueue(session, ticket.channel, ticket.contact, part, ref=f"{ref}-{index}", ticket_id=ticket.id)
        return len(parts)

    async def record_delivery_failure(self, session: AsyncSession, message: OutboundMessage,
                                      failure: Failure) -> None:
        """A ``delivery_failed`` event on the message's ticket: when, on which channel, why, and what.

        Called by the outbox in the transaction that marks the message failed. Staff read it in
        the ticket's history and know to reach the resident another way.
        """
        if message.ticket_id is None:
            return

        def render() -> str:
            why = _(DELIVERY_FAILURE_LABELS.get(failure.reason, DELIVERY_FAILURE_LABELS["refused"]))
            if failure.detail:
                why += f"（{failure.detail}）"
            excerpt = message.text if len(message.text) <= 40 else message.text[:40] + "…"
            return _("发给居民的{channel}消息未送达：{why}。已尝试 {attempts} 次，首次 {first}。"
                     "未送达的内容：“{excerpt}”。请通过其他方式联系居民。").format(
                channel=_(CHANNEL_LABELS.get(message.channel, message.channel)), why=why,
                attempts=failure.attempts, first=format_time(message.created_at, "zh_Hans"), excerpt=excerpt)

        session.add(TicketEvent(ticket_id=message.ticket_id, at=failure.at, type="delivery_failed", by="system",
                                text=self._in_locale("zh_Hans", render),
                                data={"channel": message.channel, "ref": message.ref, "reason": failure.reason,
                                      "detail": failure.detail, "attempts": failure.attempts}))
        log.warning("ticket.delivery_failed", extra={"ticket": message.ticket_id, "channel": message.channel,
                                                     "reason": failure.reason})

    def place_name(self, ticket: Ticket) -> str:
        code = ticket.township_code or ticket.county_code
        return self.places.get(code).name if code in self.places else code

    def county_name(self, code: str | None) -> str:
        """A county-level place's name, which some labels follow (同仁市: 市级审定); "" if unknown."""
        return self.places.get(code).name if code and code in self.places else ""

    def staff_card(self, ticket: Ticket, headline: str) -> str:
        """A ticket as staff read it in a Telegram group (Chinese; contact masked)."""
        kind = KIND_LABELS.get(ticket.kind, ticket.kind)
        urgent = " · 急难" if ticket.urgent else ""
        category = category_text(ticket.kind, ticket.category)
        lines = [f"【{headline}】{kind} 编号 {ticket.number} · {self.place_name(ticket)}{urgent}",
                 f"类别：{category}", f"内容：{ticket.text[:300]}",
                 f"联系人：{mask_contact(ticket.channel, ticket.contact)}（{CHANNEL_LABELS.get(ticket.channel, '')}）",
                 f"{DEADLINE_LABELS['first_answer']}：{format_time(ticket.due_at, 'zh_Hans')}"]
        if ticket.aid_due_at:
            lines.append(f"{DEADLINE_LABELS['urgent_aid']}：{format_time(ticket.aid_due_at, 'zh_Hans')}")
        return "\n".join(lines)

    def wecom_card(self, ticket: Ticket, headline: str) -> str:
        """A ticket as a WeCom group reads it: markdown, contact masked, a link to its console page."""
        kind = KIND_LABELS.get(ticket.kind, ticket.kind)
        urgent = ' <font color="warning">急难</font>' if ticket.urgent else ""
        lines = [f"**【{headline}】{kind} {ticket.number}**{urgent}",
                 f"> 地点：{self.place_name(ticket)}",
                 f"> 类别：{category_text(ticket.kind, ticket.category)}",
                 f"> 联系人：{mask_contact(ticket.channel, ticket.contact)}"
                 f"（{CHANNEL_LABELS.get(ticket.channel, '')}）",
                 f"> {DEADLINE_LABELS['first_answer']}：{format_time(ticket.due_at, 'zh_Hans')}"]
        if ticket.aid_due_at:
            lines.append(f"> {DEADLINE_LABELS['urgent_aid']}：{format_time(ticket.aid_due_at, 'zh_Hans')}")
        if self.public_url:
            lines.append(f"[打开工单]({self.public_url}/console/tickets/{ticket.number})")
        return "\n".join(lines)

    async def post_to_robots(self, session: AsyncSession, ticket: Ticket, place_codes: list[str], headline: str,
                             ref: str) -> None:
        """Queues the ticket's card to the WeCom robots of these places, once per robot and ``ref``."""
        for robot_id in await robots_for(session, place_codes):
            await enqueue(session, "wecom", str(robot_id), self.wecom_card(ticket, headline),
                          ref=f"wc-{ref}-{robot_id}"[:64])

    async def announce(self, session: AsyncSession, ticket: Ticket, headline: str = "新") -> None:
        """Posts a new (or transferred) ticket to the linked Telegram groups and WeCom robots of its queue."""
        place = ticket.township_code or ticket.county_code
        await self.post_to_robots(session, ticket, [place], headline,
                                  f"{ticket.id}-{headline}-{ticket.township_code or 'c'}")
        for chat_id in await groups_for(session, [place]):
            options = [{"key": f"tk:accept:{ticket.number}", "label": "受理"},
                       {"key": f"tk:answer:{ticket.number}", "label": "回复居民"}]
            await enqueue(session, "telegram", str(chat_id), self.staff_card(ticket, headline),
                          ref=f"grp-{ticket.id}-{headline}-{ticket.township_code or 'c'}-{chat_id}"[:64],
                          options=[Option(o["key"], o["label"]) for o in options])


def ticket_json(ticket: Ticket, places: Jurisdictions, now: datetime, events: Sequence[TicketEvent] | None = None,
                overdue: bool = False) -> dict[str, Any]:
    """The TICKET shape of the staff API (spec/interfaces.md), contact masked, times ISO-8601."""
    def name(code: str | None) -> str | None:
        return places.get(code).name if code and code in places else code

    body: dict[str, Any] = {
        "number": ticket.number, "kind": ticket.kind, "category": ticket.category,
        "county": name(ticket.county_code), "township": name(ticket.township_code),
        "status": ticket.status, "status_label": status_text(ticket.status, name(ticket.county_code) or ""),
        "urgent": ticket.urgent, "created_at": ticket.created_at.isoformat(), "due_at": ticket.due_at.isoformat(),
        "aid_due_at": ticket.aid_due_at.isoformat() if ticket.aid_due_at else None,
        "channel": ticket.channel, "contact": mask_contact(ticket.channel, ticket.contact), "text": ticket.text,
        "overdue": overdue, "escalated": ticket.escalated_at is not None,
        "first_answered_at": ticket.first_answered_at.isoformat() if ticket.first_answered_at else None,
        "attachments": [{"kind": a.get("kind"), "ref": a.get("ref")} for a in ticket.attachments or []],
    }
    if events is not None:
        body["events"] = [{"at": e.at.isoformat(), "type": e.type, "by": e.by, "text": e.text} for e in events]
    return body
