"""The durable outbox: every message to a resident is written here, then delivered with retries.

A row is claimed with a lease (``locked_until``) before it is sent, so several service processes
share the work without sending a message twice, and a process that dies mid-send leaves the row
to be retried when the lease runs out (so a message may, rarely, reach the wire twice: at least
once, never never). One address's messages go out in the order they were written.

A sender raises ``DeliveryRefused`` when the far side refuses a message for good (a number the
gateway rejects, a Telegram user who blocked the bot): the message is marked failed at once.
Anything else is retried with capped exponential backoff until ``give_up_after`` has passed since
it was written, then marked failed too. A failed message is kept, and when it was about a ticket
``on_failed`` records it there (the workflow adds a ``delivery_failed`` event) so staff know the
resident did not get it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Integer, bindparam, func, literal_column, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.domain.messages import Option
from bot.errors import is_unavailable
from bot.storage.db import insert_built, insert_for
from bot.storage.leases import first_of_address, release, take_due
from bot.storage.models import OutboundMessage, table_of, utcnow

log = logging.getLogger(__name__)

# channel -> coroutine delivering (address, text, options, ref); raises on failure.
Sender = Callable[[str, str, list[dict[str, str]], str], Awaitable[None]]

PENDING, SENT, FAILED = "pending", "sent", "failed"


# A queued message and whether it is the first still waiting for its address. Built once: building
# its aliased anti-join for every reply was 7 % of a process draining an SMS backlog (py-spy).
_ROW_AND_FIRST = (select(OutboundMessage, first_of_address(OutboundMessage, PENDING))
                  .where(OutboundMessage.id == bindparam("id")))


def _older_pending() -> Any:
    """How many messages still waiting for the address of the row being inserted are older than it
    (in RETURNING, ``outbox`` is the new row; written out, as SQLAlchemy does not correlate there)."""
    return literal_column(f"(SELECT count(*) FROM outbox AS older WHERE older.channel = outbox.channel "
                          f"AND older.address = outbox.address AND older.status = '{PENDING}' "
                          f"AND older.id < outbox.id)", Integer)


# Built once per dialect (``insert_built``): constructing an INSERT with its values for every reply
# was a good part of the ORM's cost per message (cache keys of the values, py-spy).
def _claimed_insert(insert: Any) -> Any:
    table = OutboundMessage.__table__
    return insert(table).on_conflict_do_nothing(index_elements=["ref"]).returning(table.c.id, _older_pending())


@dataclass(frozen=True)
class Claimed:
    """A message enqueued leased to this process, as written, and how many older ones still wait
    for its address (its own unit's earlier replies among them) when it was written."""

    message: OutboundMessage
    waiting_before: int


# Rows sent, marked so together: the attempt counted on the row itself, which only the holder of
# its lease changes.
# A Core statement on the table (the ORM's bulk UPDATE cost about twice the CPU).
_OUTBOX = table_of(OutboundMessage)
_MARK_SENT = (update(_OUTBOX).where(_OUTBOX.c.id.in_(bindparam("ids", expanding=True)))
              .values(status=SENT, sent_at=bindparam("now"), attempts=_OUTBOX.c.attempts + 1,
                      locked_until=None, last_error=None))


class SentMarks:
    """Messages sent at about the same moment marked sent in one transaction (one UPDATE … WHERE id IN).

    Each caller waits for the commit that holds its row, as when each committed its own: a kill
    before it leaves the row to be sent again when its lease runs out (at least once, as before).
    Alone, a mark is written at once; whatever arrives while one is written forms the next group.
    Before, each sent message cost a connection checkout, BEGIN, UPDATE and COMMIT of its own; the
    UPDATE is now sent without BEGIN and COMMIT (autocommit), one round trip a group.
    """

    def __init__(self, sessions: async_sessionmaker[AsyncSession], max_group: int = 200) -> None:
        self.sessions = sessions
        self.max_group = max_group
        self._waiting: list[tuple[int, asyncio.Future[None]]] = []
        self._task: asyncio.Task[None] | None = None

    async def mark(self, message_id: int) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        # Read even when its caller is gone, so a failed group leaves no unread error behind.
        future.add_done_callback(lambda f: f.cancelled() or f.exception())
        self._waiting.append((message_id, future))
        if self._task is None:
            self._task = asyncio.create_task(self._flush(), name="outbox-sent")
        await asyncio.shield(future)

    async def _flush(self) -> None:
        try:
            while self._waiting:
                group, self._waiting = self._waiting[: self.max_group], self._waiting[self.max_group :]
                try:
                    # One statement, committed by itself (autocommit): no BEGIN and COMMIT round trips
                    # around it, one round trip a group instead of three, as durable (the statement
                    # returns once committed). Each round trip cost the process about 50-110 µs of CPU.
                    async with self.sessions() as session:
                        connection = await session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
                        await connection.execute(_MARK_SENT, {"ids": [i for i, _ in group], "now": utcnow()})
                except Exception as exc:
                    for _id, future in group:
                        if not future.done():
                            future.set_exception(exc)
                    continue
                for _id, future in group:
                    if not future.done():
                        future.set_result(None)
        finally:
            self._task = None


class DeliveryRefused(Exception):
    """The far side refused the message for good; retrying cannot help.

    ``reason`` is one of ``REASONS`` (what staff are told), ``detail`` the far side's own words
    (an HTTP status, Telegram's description), never the message or the address.
    """

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason, self.detail = reason, detail


class DeliveryDelayed(Exception):
    """The far side cannot take the message now; ``retry_after`` seconds when it said how long."""

    def __init__(self, detail: str, retry_after: float | None = None) -> None:
        super().__init__(detail)
        self.detail, self.retry_after = detail, retry_after


REASONS = frozenset({"blocked", "chat_not_found", "refused", "gave_up", "window_closed", "unsubscribed",
                     "not_delivered"})


@dataclass(frozen=True)
class Failure:
    """Why a message was given up: a reason of ``REASONS``, the far side's words, how often it was tried."""

    reason: str
    detail: str
    attempts: int
    at: datetime


# Called in the transaction that marks a message failed (the workflow records it on the ticket).
FailureHook = Callable[[AsyncSession, OutboundMessage, Failure], Awaitable[None]]


async def enqueue(session: AsyncSession, channel: str, address: str, text: str, ref: str,
                  options: Sequence[Option] = (), claim: bool = False, lease: timedelta = timedelta(seconds=30),
                  ticket_id: int | None = None) -> int | None:
    """Adds a message in the caller's transaction; a ref already queued is left as it is.

    With ``claim`` the row is written already leased to this process, which then sends it with
    ``OutboxWorker.deliver_claimed`` after the commit, saving a poll and a claiming write; if the
    process dies first, the lease runs out and any process retries it. ``ticket_id`` ties the
    message to a ticket, where a failed delivery is shown. Returns the new row's id, or None when
    the ref was queued before.
    """
    now = utcnow()
    values: dict[str, Any] = {
        "ref": ref, "channel": channel, "address": address, "text": text,
        "options": [{"key": o.key, "label": o.label} for o in options],
        "status": PENDING, "attempts": 0, "next_attempt_at": now, "created_at": now,
        "locked_until": now + lease if claim else None, "ticket_id": ticket_id,
    }
    result = await session.execute(insert_for(session)(OutboundMessage).values(**values)
                                   .on_conflict_do_nothing(index_elements=["ref"]).returning(OutboundMessage.id))
    return result.scalar_one_or_none()


@dataclass(frozen=True)
class Written:
    """What ``enqueue_claimed`` wrote: the replies queued, and how many rows each ``along`` statement returned."""

    claimed: list[Claimed]
    along: tuple[int, ...] = ()


# The first reply's INSERT with statements of the caller's run alongside (PostgreSQL: one statement,
# their data-modifying CTEs), by those statements; built once each.
_WITH_ALONG: dict[tuple[Any, ...], Any] = {}


def _insert_with(along: tuple[Any, ...]) -> Any:
    """``WITH a0 AS (…), …, reply AS (INSERT … RETURNING id, older) SELECT count(a0), …, reply.id, reply.older``:
    one row whatever was inserted (a ref queued before inserts none)."""
    if along not in _WITH_ALONG:
        table = _OUTBOX
        done = [statement.cte(f"a{index}") for index, statement in enumerate(along)]
        values = {c.name: bindparam(f"reply_{c.name}", type_=c.type) for c in table.c if c.name != "id"}
        reply = (pg_insert(table).values(values).on_conflict_do_nothing(index_elements=["ref"])
                 .returning(table.c.id, _older_pending().label("older")).cte("reply"))
        _WITH_ALONG[along] = select(*(select(func.count()).select_from(cte).scalar_subquery() for cte in done),
                                    select(reply.c.id).scalar_subquery(), select(reply.c.older).scalar_subquery())
    return _WITH_ALONG[along]


async def enqueue_claimed(session: AsyncSession, channel: str, address: str, replies: Sequence[tuple[str, str,
                          Sequence[Option]]], lease: timedelta, ticket_id: int | None = None,
                          along: Sequence[tuple[Any, dict[str, Any]]] = ()) -> Written:
    """``enqueue`` with ``claim`` for the replies to one message, each (text, ref, options): the rows as
    written, for ``OutboxWorker.deliver_written`` to send after the commit without reading them back.

    One statement a reply, which also counts the older messages still waiting for the address, so the
    sender knows without another round trip whether it may send at once (see ``deliver_written``).
    A ref queued before is left as it is and not returned.

    ``along``: statements of the caller's (UPDATE or INSERT … RETURNING, built once; bound parameters
    named apart) with their parameters, run in the same transaction; ``Written.along`` is how many rows
    each returned. On PostgreSQL they go in the first reply's statement, a round trip and a statement
    less each (the inbox's "processed" mark, the conversation and profile the message moved).
    """
    claimed: list[Claimed] = []
    changed: tuple[int, ...] = ()
    if along and not (replies and session.get_bind().dialect.name == "postgresql"):
        changed = tuple([len((await session.execute(statement, params)).all()) for statement, params in along])
        along = ()
    for text, ref, options in replies:
        now = utcnow()
        values: dict[str, Any] = {
            "ref": ref, "channel": channel, "address": address, "text": text,
            "options": [{"key": o.key, "label": o.label} for o in options],
            "status": PENDING, "attempts": 0, "next_attempt_at": now, "created_at": now,
            "locked_until": now + lease, "ticket_id": ticket_id, "sent_at": None, "last_error": None,
        }
        row: Any
        if along:
            params = {f"reply_{k}": v for k, v in values.items()}
            for _statement, own in along:
                params.update(own)
            row = tuple((await session.execute(_insert_with(tuple(s for s, _ in along)), params)).one())
            changed, row = tuple(int(n) for n in row[:len(along)]), row[len(along):]
            along = ()
            if row[0] is None:
                row = None
        else:
            row = (await session.execute(insert_built(session, _claimed_insert), values)).first()
        if row is not None:
            claimed.append(Claimed(OutboundMessage(id=row[0], **values), int(row[1])))
    return Written(claimed, changed)


def describe(exc: BaseException) -> tuple[str, float | None]:
    """A transient failure in a few words for the row and the log (never the message), and a wait if given."""
    if isinstance(exc, DeliveryDelayed):
        return exc.detail[:200], exc.retry_after
    return type(exc).__name__, None


class OutboxWorker:
    """Delivers pending messages; woken at once after a local enqueue, polling for the rest."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], senders: dict[str, Sender],
                 poll_seconds: float = 1.0, max_backoff: float = 60.0, lease_seconds: float = 30.0,
                 give_up_after: float = 24 * 3600.0, batch: int = 50) -> None:
        self.sessions = sessions
        self.senders = senders
        self.poll_seconds = poll_seconds
        self.max_backoff = max_backoff
        self.lease = timedelta(seconds=lease_seconds)
        self.give_up_after = timedelta(seconds=give_up_after)
        self.batch = batch
        self.on_failed: FailureHook | None = None
        self._wake = asyncio.Event()
        # The terminal delivers only its own resident's messages, leaving the rest to the service.
        self.only_address: str | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._loop: asyncio.Task[None] | None = None
        # Rows this process holds a lease on and has not finished: given back when it drains.
        self._held: set[int] = set()
        self._sent = SentMarks(sessions)
        self.stopping = False

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        self._loop = asyncio.create_task(self.run(), name="outbox")

    def deliver_claimed(self, ids: Sequence[int]) -> None:
        """Sends, in order, rows this process enqueued with ``claim=True``, without waiting for a poll."""
        if not ids:
            return
        self._held.update(ids)
        task = asyncio.create_task(self._deliver_claimed(list(ids)))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def deliver_written(self, claimed: Sequence[Claimed]) -> None:
        """``deliver_claimed`` for rows written by ``enqueue_claimed`` in a transaction now committed:
        sent as written, without reading them back, when nothing older waited for their address
        (their own unit's earlier replies aside, which are sent first); else left to the poller,
        which sends an address's messages in order."""
        if not claimed:
            return
        self._held.update(c.message.id for c in claimed)
        task = asyncio.create_task(self._deliver_written(list(claimed)))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _deliver_claimed(self, ids: list[int]) -> None:
        for index, message_id in enumerate(ids):
            try:
                # The row, and whether it is the first still waiting for its address: one round trip.
                async with self.sessions() as session:
                    row = (await session.execute(_ROW_AND_FIRST, {"id": message_id})).first()
                message, first = (row[0], bool(row[1])) if row is not None else (None, False)
                if message is None or message.status != PENDING:
                    self._held.discard(message_id)
                    continue
                if not first:
                    # An earlier message to this address is still waiting (a retry): the poller
                    # sends them in order.
                    await self._give_back(ids[index:])
                    self.wake()
                    return
                await self._send(message)
            except Exception as exc:
                # Unsent rows keep their lease until it runs out; then any process sends them.
                log.warning("outbox.deliver_failed", extra={"id": message_id, "error": type(exc).__name__})
                self._held.difference_update(ids[index:])
                return

    async def _deliver_written(self, claimed: list[Claimed]) -> None:
        ids = [c.message.id for c in claimed]
        for index, written in enumerate(claimed):
            try:
                if written.waiting_before > index:
                    # An earlier message to this address was still waiting (a retry, a staff
                    # reply, the previous message's reply being sent): the poller sends in order.
                    await self._give_back(ids[index:])
                    self.wake()
                    return
                await self._send(written.message)
            except Exception as exc:
                # Unsent rows keep their lease until it runs out; then any process sends them.
                log.warning("outbox.deliver_failed", extra={"id": written.message.id, "error": type(exc).__name__})
                self._held.difference_update(ids[index:])
                return

    async def run(self) -> None:
        failures = 0
        while not self.stopping:
            # Cleared before looking, so a wake-up that arrives while we send is not lost.
            self._wake.clear()
            try:
                busy = await self.deliver_due()
                failures = 0
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                failures += 1
                if is_unavailable(exc):
                    log.warning("outbox.unavailable", extra={"error": type(exc).__name__})
                else:
                    log.exception("outbox.cycle_failed")
                busy = False
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), min(5.0, 0.25 * 2 ** min(failures, 5)))
            if not busy and not self.stopping:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.poll_seconds)

    async def deliver_due(self) -> bool:
        """Sends what is due now, the first waiting message of each address; True if any was sent."""
        now = utcnow()
        where: list[ColumnElement[bool]] = [OutboundMessage.channel.in_(list(self.senders))]
        if self.only_address is not None:
            where.append(OutboundMessage.address == self.only_address)
        async with self.sessions() as session, session.begin():
            ids = await take_due(session, OutboundMessage, PENDING, now, self.lease, self.batch, *where)
        if not ids:
            return False
        self._held.update(ids)
        async with self.sessions() as session:
            messages = list(await session.scalars(select(OutboundMessage).where(OutboundMessage.id.in_(ids))
                                                  .order_by(OutboundMessage.id)))
        await asyncio.gather(*(self._send(m) for m in messages))
        return True

    async def drain(self, timeout: float) -> None:
        """Stops taking work, lets sends under way finish (within ``timeout``), gives back the rest."""
        self.stopping = True
        self.wake()
        pending = [*self._tasks, *([self._loop] if self._loop else [])]
        if pending:
            _done, late = await asyncio.wait(pending, timeout=timeout)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
        if self._held:
            with contextlib.suppress(Exception):
                await self._give_back(list(self._held))
            log.info("outbox.released", extra={"count": len(self._held)})
            self._held.clear()

    async def close(self) -> None:
        await self.drain(0)

    async def _give_back(self, ids: Sequence[int]) -> None:
        async with self.sessions() as session, session.begin():
            await release(session, OutboundMessage, ids, PENDING)
        self._held.difference_update(ids)

    async def _send(self, message: OutboundMessage) -> None:
        """Sends a message this process holds the lease on; marks it sent, failed, or due again later."""
        sender = self.senders[message.channel]
        try:
            await sender(message.address, message.text, list(message.options or []), message.ref)
        except DeliveryRefused as exc:
            await self._fail(message, Failure(exc.reason, exc.detail[:200], message.attempts + 1, utcnow()))
            return
        except Exception as exc:  # the gateway may be down for a while: retried
            detail, retry_after = describe(exc)
            now = utcnow()
            if now - message.created_at >= self.give_up_after:
                await self._fail(message, Failure("gave_up", detail, message.attempts + 1, now))
            else:
                await self._retry(message, detail, retry_after)
            return
        finally:
            self._held.discard(message.id)
        await self._sent.mark(message.id)
        log.info("outbox.sent", extra={"ref": message.ref, "channel": message.channel,
                                       "attempts": message.attempts + 1})

    async def _retry(self, message: OutboundMessage, detail: str, retry_after: float | None) -> None:
        attempts = message.attempts + 1
        delay = min(self.max_backoff, 2 ** min(attempts - 1, 10)) * (0.8 + 0.4 * random.random())
        if retry_after:
            delay = max(delay, retry_after)
        next_at: datetime = utcnow() + timedelta(seconds=delay)
        async with self.sessions() as session, session.begin():
            await session.execute(update(OutboundMessage).where(OutboundMessage.id == message.id)
                                  .values(attempts=attempts, next_attempt_at=next_at, locked_until=None,
                                          last_error=detail[:300]))
        log.warning("outbox.retry", extra={"ref": message.ref, "channel": message.channel,
                                           "attempts": attempts, "retry_in_s": round(delay, 1), "reason": detail})

    async def _fail(self, message: OutboundMessage, failure: Failure) -> None:
        async with self.sessions() as session, session.begin():
            await session.execute(update(OutboundMessage).where(OutboundMessage.id == message.id)
                                  .values(status=FAILED, attempts=failure.attempts, locked_until=None,
                                          last_error=f"{failure.reason}: {failure.detail}"[:300]))
            if self.on_failed is not None:
                await self.on_failed(session, message, failure)
        log.warning("outbox.failed", extra={"ref": message.ref, "channel": message.channel,
                                            "attempts": failure.attempts, "reason": failure.reason,
                                            "detail": failure.detail, "ticket": message.ticket_id})
