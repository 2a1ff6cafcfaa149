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

from sqlalchemy import Column, ColumnElement, Select, and_, column, func, or_, select, table, union, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import raiseload
from sqlalchemy.sql.elements import UnaryExpression
from sqlalchemy.sql.operators import custom_op
from sqlalchemy.sql.visitors import replacement_traverse

from bot.domain.messages import Option, split_pages
from bot.domain.tickets import (
    ADMIN,
    ANY_STAFF,
    CHANNEL_LABELS,
    CLOSED,
    DEADLINE_LABELS,
    DELIVERY_FAILURE_LABELS,
    KIND_LABELS,
    MONITORING,
    N_,
    NEEDS_REASON,
    OPEN,
    STATUS_LABELS,
    SUPERVISOR,
    TRANSITION_ROLES,
    category_text,
    format_time,
    next_statuses,
    parse_status,
    status_label,
    status_text,
    transferable,
)
from bot.i18n import I18n
from bot.i18n import gettext as _
from bot.logs import mask_phone
from bot.services.outbox import Failure, enqueue
from bot.services.tickets import FIRST_ANSWER_HOURS, TicketService
from bot.staff_access import Actor, groups_for, robots_for
from bot.storage.models import (
    FTS_TABLE,
    OutboundMessage,
    Resident,
    Staff,
    Ticket,
    TicketEvent,
    contact_last4,
    text_grams,
)
from knowledge_base.jurisdictions import Jurisdictions

log = logging.getLogger(__name__)

# Channels whose residents can be written to through the outbox.
REACHABLE = frozenset({"sms", "telegram", "wechat", "cli"})
MAX_REPLY_CHARS = 1000


class WorkflowError(Exception):
    """A staff action that cannot be done as asked; ``field`` names the input at fault.

    ``message`` is the API's (English, stable); ``zh`` says the same to a caseworker in Chinese, with
    what to do about it, for the console (a gettext message id, translated where it is shown).
    """

    def __init__(self, code: str, message: str, field: str | None = None, status: int = 422,
                 zh: str = "") -> None:
        super().__init__(message)
        self.code, self.message, self.field, self.status = code, message, field, status
        self.zh = zh or message


class TicketNotFound(WorkflowError):
    """No such ticket, or not in the caller's scope: the two are never told apart."""

    def __init__(self, number: str) -> None:
        super().__init__("not_found", f"no ticket {number}", None, 404, zh=N_("没有这件办理，或不在您的辖区。"))


UNASSIGNED = "none"
STALE = N_("这件办理刚被别人（或您在另一个页面）改过了，下面是它现在的情况，请看过后再操作。")


@dataclass(frozen=True)
class Queue:
    """A queue view: ``status`` is "open", "all" or one status value; ``q`` searches the ticket number,
    the last digits of the contact and the text; ``township`` a township code within the caller's
    scope; ``assignee`` a staff name, or UNASSIGNED."""

    status: str = "open"
    kind: str | None = None
    urgent: bool | None = None
    overdue: bool | None = None
    limit: int = 500
    q: str = ""
    township: str | None = None
    assignee: str | None = None
    page: int = 1


@dataclass(frozen=True)
class Page:
    """One page of a queue, the number of tickets in the whole of it, and its tickets per status."""

    tickets: list[Ticket]
    total: int
    counts: dict[str, int]


def overdue_clause(now: datetime) -> ColumnElement[bool]:
    """The one rule for "overdue", in SQL (``Workflow.is_overdue`` is the same rule in Python): an open
    ticket past its first-answer deadline without an answer, or an urgent one past its aid deadline."""
    return and_(Ticket.status.in_(sorted(OPEN)),
                or_(and_(Ticket.first_answered_at.is_(None), Ticket.due_at <= now),
                    and_(Ticket.aid_due_at.is_not(None), Ticket.aid_due_at <= now)))


def overdue_at(status: str, first_answered_at: datetime | None, due_at: datetime, aid_due_at: datetime | None,
               now: datetime) -> bool:
    """``overdue_clause`` in Python, for one ticket's columns."""
    if status not in OPEN:
        return False
    return (first_answered_at is None and due_at <= now) or (aid_due_at is not None and aid_due_at <= now)


def unindexed(clause: ColumnElement[Any]) -> ColumnElement[Any]:
    """``clause`` with each of the tickets' columns under SQLite's unary ``+``, which keeps its value and
    keeps SQLite from reading the rows through an index on it (SQLite's documented way to disqualify
    an index): a query that must read every row of a wide scope reads the table in order instead."""
    def plus(element: Any, **kw: Any) -> Any:
        if isinstance(element, Column) and element.table is Ticket.__table__:
            return UnaryExpression(element, operator=custom_op("+"), type_=element.type)
        return None

    return replacement_traverse(clause, dict[str, Any](), plus)


def escalated_clause() -> ColumnElement[bool]:
    """An open ticket escalated to the county for either deadline and still waiting on it."""
    return and_(Ticket.status.in_(sorted(OPEN)),
                or_(and_(Ticket.escalated_at.is_not(None), Ticket.first_answered_at.is_(None)),
                    Ticket.aid_escalated_at.is_not(None)))


def is_escalated(ticket: Ticket) -> bool:
    """``escalated_clause`` in Python: the 已上报 badge and the API's ``escalated``."""
    if ticket.status in CLOSED:
        return False
    return (ticket.escalated_at is not None and ticket.first_answered_at is None) or \
        ticket.aid_escalated_at is not None


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
        # 回访: how long after 已办结 the resident is asked whether the problem was solved
        # (MINSHENG_FOLLOWUP_HOURS; bot.loop.followups).
        self.followup_delay = timedelta(days=3)

    # -- reading --------------------------------------------------------------------------------

    def _filtered(self, actor: Actor, queue: Queue, with_status: bool = True) -> list[ColumnElement[bool]]:
        where: list[ColumnElement[bool]] = [actor.ticket_filter()]
        if with_status:
            if queue.status == "open":
                where.append(Ticket.status.in_(sorted(OPEN)))
            elif queue.status != "all":
                where.append(Ticket.status == queue.status)
            if queue.overdue:
                where.append(overdue_clause(self.clock()))
        if queue.kind:
            where.append(Ticket.kind == queue.kind)
        if queue.urgent is not None:
            where.append(Ticket.urgent.is_(queue.urgent))
        if queue.township:
            where.append(Ticket.township_code == queue.township)
        if queue.assignee == UNASSIGNED:
            where.append(Ticket.assignee.is_(None))
        elif queue.assignee:
            where.append(Ticket.assignee == queue.assignee)
        q = queue.q.strip()
        if q:
            where.append(self._search(q))
        if self._reads_scope(actor, queue):
            return [unindexed(clause) for clause in where]
        return where

    def _reads_scope(self, actor: Actor, queue: Queue) -> bool:
        """Whether SQLite is to read a wide scope straight from the table: text of 1 or 2 characters has
        no index there, so every ticket of the scope is read, and for a county or everything reading the
        table in order costs a tenth of looking each ticket up through the county's or the status's
        index, which SQLite's planner would choose (100,000 tickets: 20 ms against 80-90 ms). A township,
        a cadre's own filings or one assignee are few enough for their index."""
        q = queue.q.strip()
        return (0 < len(q) < 3 and self.sessions.kw["bind"].dialect.name == "sqlite"
                and actor.role in (ADMIN, SUPERVISOR) and not queue.township and not queue.assignee)

    def _search(self, q: str) -> ColumnElement[bool]:
        """The tickets ``q`` finds: its number, the last 4+ digits of the contact, or its text anywhere
        (LIKE, ``%``/``_`` plain).

        From 3 characters on, each of these is read off an index (the number's; the contact's last four
        characters; the text's trigrams: SQLite FTS5 ``tickets_fts``, PostgreSQL pg_trgm GIN), and the
        exact conditions are checked on the union of those readings alone, so the scope is not scanned.
        Text of 1 or 2 characters (a Chinese word such as 火灾) has no trigram. On PostgreSQL it is read
        off the text's characters and pairs (``ix_tickets_text_grams``, migration 0010). On SQLite it is
        matched on the scope's rows: a township's through its index (the page off the order index, which
        stops at the page's end), a county's or everyone's straight off the table (``_reads_scope``).
        """
        exact = [Ticket.text.contains(q, autoescape=True)]
        candidates: list[Select[Any]] = []
        digits = q.lstrip("+")
        if digits.isdigit():
            exact.append(Ticket.number == digits)
            candidates.append(select(Ticket.id).where(Ticket.number == digits))
            if len(digits) >= 4:
                exact.append(Ticket.contact.endswith(digits, autoescape=True))
                candidates.append(select(Ticket.id).where(contact_last4 == digits[-4:]))
        dialect = self.sessions.kw["bind"].dialect.name
        if len(q) < 3 and dialect == "postgresql":
            # The text's characters and pairs (ix_tickets_text_grams) hold q exactly when the text contains
            # it. strpos, the LIKE's test without wildcards, goes first where rows are filtered rather than
            # found (the function costs 12 µs a row). Not the LIKE: in a prepared statement's generic plan
            # (asyncpg's, from the sixth run on) PostgreSQL reads pg_trgm's index for a pattern it cannot
            # see, which for 2 characters is every row, and works the function out again on each match
            # (火灾 for an admin: 460 ms instead of 35).
            return or_(and_(func.strpos(Ticket.text, q) > 0, text_grams.contains([q])), *exact[1:])
        if len(q) < 3 or dialect not in ("sqlite", "postgresql"):
            return or_(*exact)
        if dialect == "sqlite":
            # A trigram phrase is a substring, case folded: a superset of LIKE's matches, narrowed by `exact`.
            fts = table(FTS_TABLE, column("rowid"), column("text"))
            phrase = '"' + q.replace('"', '""') + '"'
            candidates.append(select(fts.c.rowid).where(fts.c.text.op("MATCH")(phrase)))
        else:
            candidates.append(select(Ticket.id).where(Ticket.text.contains(q, autoescape=True)))
        return and_(Ticket.id.in_(union(*candidates)), or_(*exact))

    def _queue_query(self, actor: Actor, queue: Queue) -> Select[Ticket]:
        # Urgent (急难) tickets first, then the soonest first-answer deadline.
        return (select(Ticket).where(*self._filtered(actor, queue)).options(raiseload(Ticket.events))
                .order_by(Ticket.urgent.desc(), Ticket.due_at, Ticket.id))

    async def queue(self, actor: Actor, queue: Queue) -> list[Ticket]:
        """The caller's tickets, urgent first, then soonest deadline first (up to ``queue.limit``)."""
        async with self.sessions() as session:
            return list(await session.scalars(self._queue_query(actor, queue).limit(queue.limit)))

    async def page(self, actor: Actor, queue: Queue) -> Page:
        """Page ``queue.page`` of ``queue.limit`` tickets, the true total, and the counts per status
        (under every filter but the status and overdue ones: the numbers beside the status choices).

        Without a search the counts and the total are read off the covering queue indexes and the page
        off the order index. A search (``q``) reads its matches off its own indexes (see ``_search``)
        for the counts, and the page off the order index with the search as a filter.
        """
        offset = (max(queue.page, 1) - 1) * queue.limit
        async with self.sessions() as session:
            # Read off the table, the GROUP BY too must not send SQLite through ix_tickets_due (see _reads_scope).
            grouped = unindexed(Ticket.__table__.c.status) if self._reads_scope(actor, queue) else Ticket.status
            rows = await session.execute(select(grouped, func.count()).where(
                *self._filtered(actor, queue, with_status=False)).group_by(grouped))
            counts = {status: 0 for status in STATUS_LABELS}
            counts.update({status: int(n) for status, n in rows.all()})
            if queue.overdue:
                total = int(await session.scalar(select(func.count()).select_from(Ticket)
                                                 .where(*self._filtered(actor, queue))) or 0)
            else:
                total = sum(n for status, n in counts.items() if self._status_chosen(queue, status))
            tickets = list(await session.scalars(self._queue_query(actor, queue).limit(queue.limit).offset(offset)))
        return Page(tickets, total, counts)

    @staticmethod
    def _status_chosen(queue: Queue, status: str) -> bool:
        return queue.status == "all" or (status in OPEN if queue.status == "open" else status == queue.status)

    async def count_escalated(self, actor: Actor) -> int:
        async with self.sessions() as session:
            return int(await session.scalar(
                select(func.count()).select_from(Ticket).where(actor.ticket_filter(), escalated_clause())) or 0)

    async def count_new(self, actor: Actor, since: datetime) -> int:
        """Open tickets that came into the caller's queue after ``since`` (the console's auto-refresh)."""
        async with self.sessions() as session:
            return int(await session.scalar(
                select(func.count()).select_from(Ticket).where(actor.ticket_filter(), Ticket.created_at > since,
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
        return overdue_at(ticket.status, ticket.first_answered_at, ticket.due_at, ticket.aid_due_at,
                          now or self.clock())

    def allowed_moves(self, actor: Actor, ticket: Ticket) -> list[str]:
        """The statuses this person may move the ticket to now (transfer excluded: it needs a target)."""
        moves = next_statuses(ticket.kind, ticket.status)
        return [s for s in STATUS_LABELS if s in moves and actor.role in TRANSITION_ROLES[s] and s != "transferred"]

    def can_transfer(self, actor: Actor, ticket: Ticket) -> bool:
        return transferable(ticket.kind, ticket.status)

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
            raise WorkflowError("empty", "text must not be empty", "text",
                                zh=N_("回复内容是空的，请写上要告诉居民的话再发送。"))
        if len(text) > MAX_REPLY_CHARS:
            raise WorkflowError("too_long", f"text is longer than {MAX_REPLY_CHARS} characters", "text",
                                zh=N_("内容太长（最多 1000 字），请删减后再发送。"))
        ticket = await self.find(actor, number)
        if actor.role not in ANY_STAFF:
            raise WorkflowError("role", f"a {actor.role} files and follows requests; the township answers them",
                                "text", 403)
        now = self.clock()
        async with self.sessions() as session, session.begin():
            event = TicketEvent(ticket_id=ticket.id, at=now, type="reply", by=actor.name, text=text)
            session.add(event)
            await session.flush()
            await session.execute(update(Ticket).where(Ticket.id == ticket.id, Ticket.first_answered_at.is_(None))
                                  .values(first_answered_at=now))
            # The resident answers by writing back: their next message goes onto this ticket (handlers/status.py).
            message = self._in_locale(ticket.locale, lambda: _("【{place}】工作人员回复（编号 {number}）：{text}")
                                      .format(place=self.place_name(ticket), number=ticket.number, text=text)
                                      + "\n" + _("（要补充情况，直接回复即可）"))
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
                                + ", ".join(STATUS_LABELS), "to", zh=N_("没有这个办理状态，请用页面上的按钮。"))
        note = (note or "").strip()
        if len(note) > MAX_REPLY_CHARS:
            raise WorkflowError("too_long", f"note is longer than {MAX_REPLY_CHARS} characters", "note",
                                zh=N_("说明太长（最多 1000 字），请删减后再提交。"))
        ticket = await self.find(actor, number)
        moves = next_statuses(ticket.kind, ticket.status)
        if status == "transferred" and transferable(ticket.kind, ticket.status):
            moves = moves | {"transferred"}
        if status not in moves:
            raise WorkflowError("not_allowed", f"a {ticket.kind} ticket in status {ticket.status} cannot move to "
                                f"{status}", "to", 409,
                                zh=N_("这件办理现在的状态不能直接改为这一步，请按页面上现有的按钮办理。"))
        if actor.role not in TRANSITION_ROLES[status]:
            raise WorkflowError("role", f"a {actor.role} cannot move a ticket to {status}", "to", 403,
                                zh=N_("这一步由县级工作人员办理，请等待县级审定。"))
        if status in NEEDS_REASON and not note:
            raise WorkflowError("reason_required", f"moving to {status} needs a reason in note", "note",
                                zh=N_("不予受理、不予纳入须写明理由：请在“说明”里写上理由再提交。"))
        now = self.clock()
        # A help request waits as 已转办 in its new queue; a 监测 application keeps its place in its chain.
        keeps = status == "transferred" and ticket.kind == MONITORING
        values: dict[str, Any] = {"status": ticket.status if keeps else status}
        data: dict[str, Any] = {"from": ticket.status, "to": status}
        if status == "transferred":
            values.update(self._transfer_values(actor, ticket, target, now))
            data.update({"from_place": ticket.township_code or ticket.county_code,
                         "to_place": values["township_code"] or values["county_code"]})
        if status in CLOSED:
            values["closed_at"] = now
        if status == "resolved" and ticket.followup_state is None:
            values["followup_due_at"] = now + self.followup_delay
        async with self.sessions() as session, session.begin():
            moved = await session.execute(update(Ticket).where(Ticket.id == ticket.id, Ticket.status == ticket.status)
                                          .values(**values))
            if moved.rowcount != 1:  # type: ignore[attr-defined]
                raise WorkflowError("conflict", "the ticket changed meanwhile; reload it", "to", 409,
                                    zh=STALE)
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
            raise WorkflowError("missing", "a transfer needs the township to transfer to", "township",
                                zh=N_("请选择要转办到的乡镇或县。"))
        code = self.resolve_place(target, ticket.county_code if actor.role != ADMIN else None)
        place = self.places.get(code)
        county = self.places.county_of(code)
        if county is None:
            raise WorkflowError("unknown_place", f"'{target[:40]}' is not a served township or county", "township",
                                zh=N_("找不到要转办到的地方，请从列表里选择乡镇或县。"))
        township_code = code if place.is_township else None
        if actor.role != ADMIN and county.code != ticket.county_code:
            raise WorkflowError("out_of_area", "only an admin transfers to another county", "township",
                                zh=N_("只有管理员能转办到其他县，请联系管理员。"))
        if (township_code, county.code) == (ticket.township_code, ticket.county_code):
            raise WorkflowError("same_place", "the ticket is in that queue already", "township",
                                zh=N_("这件办理已经在该乡镇（县）的队列里，请选择别的地方。"))
        values: dict[str, Any] = {"township_code": township_code, "county_code": county.code}
        if ticket.first_answered_at is None:
            # The receiving township gets its own full answer period; the aid deadline stays the resident's.
            hours = self.tickets.hours(code, "first_answer_hours", FIRST_ANSWER_HOURS, now)
            values.update(due_at=now + timedelta(hours=hours), escalated_at=None)
        return values

    def scoped_township(self, actor: Actor, name: str) -> str:
        """A township code, from a code or name, that lies in the caller's area (the queue's filter)."""
        within = None if actor.role == ADMIN else actor.county_code
        found = [p for p in self.places.find(name, within=within, levels=("township",))
                 if actor.covers_place(p.code, getattr(self.places.county_of(p.code), "code", None))]
        if len(found) != 1:
            what = "several townships; use the code" if found else "no township in your area"
            raise WorkflowError("unknown_place", f"'{name.strip()[:40]}' names {what}", "township",
                                zh=N_("找不到这个乡镇（或有重名），请从列表里选择。"))
        return found[0].code

    def resolve_place(self, name: str, within: str | None) -> str:
        """A township or county code from a code or name, preferring places inside ``within``."""
        found = self.places.find(name, within=within, levels=("township", "county"))
        townships = [p for p in found if p.is_township]
        found = townships or found
        if len(found) != 1:
            what = "several places" if found else "no served township or county"
            raise WorkflowError("unknown_place", f"'{name.strip()[:40]}' names {what}", "township",
                                zh=N_("找不到这个乡镇或县（或有重名），请从列表里选择。"))
        return found[0].code

    async def note(self, actor: Actor, number: str, text: str) -> TicketEvent:
        """A note only staff see: recorded in the history, never queued to the resident."""
        text = text.strip()
        if not text:
            raise WorkflowError("empty", "text must not be empty", "text", zh=N_("备注是空的，请写上内容再保存。"))
        if len(text) > MAX_REPLY_CHARS:
            raise WorkflowError("too_long", f"text is longer than {MAX_REPLY_CHARS} characters", "text",
                                zh=N_("内容太长（最多 1000 字），请删减后再发送。"))
        ticket = await self.find(actor, number)
        async with self.sessions() as session, session.begin():
            event = TicketEvent(ticket_id=ticket.id, at=self.clock(), type="note", by=actor.name, text=text)
            session.add(event)
        log.info("ticket.noted", extra={"number": ticket.number, "staff": actor.id})
        return event

    async def assignable(self, ticket: Ticket) -> list[str]:
        """The names of the staff a ticket may be assigned to: enabled accounts of its township (for a
        ticket in the county's triage queue, the county's supervisors)."""
        async with self.sessions() as session:
            if ticket.township_code:
                where = Staff.township_code == ticket.township_code
            else:
                where = and_(Staff.role == "supervisor", Staff.county_code == ticket.county_code)
            return list(await session.scalars(select(Staff.name).where(where, Staff.disabled_at.is_(None))
                                              .order_by(Staff.name)))

    async def colleagues(self, actor: Actor) -> list[str]:
        """Names of the enabled staff in the caller's area (the queue's assignee filter)."""
        where: ColumnElement[bool]
        if actor.role == ADMIN:
            where = Staff.id.is_not(None)
        elif actor.role == "supervisor":
            where = Staff.county_code == actor.county_code
        else:
            where = Staff.township_code == actor.township_code
        async with self.sessions() as session:
            return list(await session.scalars(select(Staff.name).where(where, Staff.disabled_at.is_(None))
                                              .order_by(Staff.name).limit(300)))

    async def assign(self, actor: Actor, number: str, staff: str | None, seen: str | None = None) -> Ticket:
        """Assigns the ticket to ``staff`` (a name; None unassigns), a colleague of the ticket's township.

        ``seen`` is the assignee the caller last saw (the console's form carries it): if someone
        else changed it meanwhile, the change is refused as stale rather than overwriting theirs.
        """
        ticket = await self.find(actor, number)
        name = (staff or "").strip() or None
        if name is not None and name not in await self.assignable(ticket):
            raise WorkflowError("unknown_staff", f"'{name[:40]}' is not an active staff member of the ticket's "
                                "township", "staff", zh=N_("只能指派给本乡镇在用的工作人员账号，请从列表里选择。"))
        if seen is not None and (seen or None) != ticket.assignee:
            raise WorkflowError("conflict", "the ticket changed meanwhile; reload it", "staff", 409, zh=STALE)
        if name == ticket.assignee:
            return ticket
        async with self.sessions() as session, session.begin():
            moved = await session.execute(update(Ticket).where(
                Ticket.id == ticket.id, Ticket.assignee.is_(None) if ticket.assignee is None
                else Ticket.assignee == ticket.assignee).values(assignee=name))
            if moved.rowcount != 1:  # type: ignore[attr-defined]
                raise WorkflowError("conflict", "the ticket changed meanwhile; reload it", "staff", 409, zh=STALE)
            session.add(TicketEvent(ticket_id=ticket.id, at=self.clock(), type="assigned", by=actor.name,
                                    text=name or "", data={"from": ticket.assignee, "to": name}))
        log.info("ticket.assigned", extra={"number": ticket.number, "staff": actor.id})
        return await self.find_any(ticket.number)

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
        "overdue": overdue, "assignee": ticket.assignee,
        "escalated": ticket.escalated_at is not None or ticket.aid_escalated_at is not None,
        "screening": ticket.screening,
        "first_answered_at": ticket.first_answered_at.isoformat() if ticket.first_answered_at else None,
        "attachments": [{"kind": a.get("kind"), "ref": a.get("ref")} for a in ticket.attachments or []],
        # Filed by a village cadre for the resident, with the note of their consent (null otherwise);
        # the 回访's answer once it came (null, resolved, unresolved; skipped after TD).
        "filed_for": ticket.filed_by_staff_id is not None, "consent_note": ticket.consent_note,
        "followup": {"state": ticket.followup_state, "score": ticket.followup_score,
                     "due_at": ticket.followup_due_at.isoformat() if ticket.followup_due_at else None},
    }
    if events is not None:
        body["events"] = [{"at": e.at.isoformat(), "type": e.type, "by": e.by, "text": e.text} for e in events]
    return body
