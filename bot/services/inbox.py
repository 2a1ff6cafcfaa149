"""The inbox: every message that reaches Minsheng, on any channel, stored before it is acknowledged.

A channel's webhook (or poller) checks what arrived, calls ``Inbox.store`` and only then answers
its sender: a gateway or Telegram that got 200 can forget the message, because it is in the
database (unique per channel and delivery id, so a redelivery — after a timeout, a Redis restart
or a day — finds its row and changes nothing).

The processor takes stored messages at a bounded concurrency (a burst lengthens the queue, never
the acknowledgement), one address's messages in arrival order, each under a lease. A message is
processed in one unit of work (``bot.services.conversations``): its conversation state, its ticket,
its replies queued in the outbox and its own "processed" mark commit together. A crash, a kill or
a lost database connection anywhere before the commit leaves the message to be taken again when
its lease runs out (at once, by a process that drains for a restart).

Adding a channel's intake: register an ``Intake`` for it (``bot.channels.intake.DialogIntake`` when
the stored text is what the resident wrote), and in its webhook, after verifying and parsing,

    stored = await inbox.store(Delivery("wechat", msg_id, openid, text=text))
    # None: a redelivery of a message already stored; answer as for the first one
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import functools
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import Row, bindparam, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.domain.messages import Option, Reply
from bot.errors import Unavailable, is_unavailable
from bot.services.conversations import ConversationMoved, Turn, Turns, read_ahead
from bot.services.outbox import Claimed, OutboxWorker, enqueue_claimed
from bot.storage.db import insert_for
from bot.storage.leases import release, take_due_rows
from bot.storage.models import InboxMessage, table_of, utcnow

log = logging.getLogger(__name__)

RECEIVED, PROCESSED, FAILED = "received", "processed", "failed"
# A message whose state another unit moved meanwhile is rerun at once, this many times.
RERUNS = 3
PRUNE_EVERY = 600.0
# The window of an intake's ``rate_per_minute``.
RATE_WINDOW = timedelta(minutes=1)
# While webhooks arrive together (a group commit of more than one row within this many seconds),
# at most BURST_CONCURRENCY messages are processed at once: the event loop is the acknowledgements'
# first, and a burst lengthens the queue in the database, not the time a sender waits for its 200.
# One is begun at most every BURST_PACE seconds: replies keep flowing (10 a second a process)
# however long the burst lasts, and the acknowledgements get most of the loop.
# A claim groups the oldest this many waiting messages by address, not every waiting one: with
# 20,000 waiting, grouping them all cost PostgreSQL about 10 ms a claim, several claims a second
# a process (bot.storage.leases.take_due).
CLAIM_WINDOW = 1000
BURST_SECONDS = 0.5
BURST_CONCURRENCY = 1
BURST_PACE = 0.1

# What a claim takes: the channels with an intake (a bound parameter, so the claim is built once).
_OF_CHANNELS = InboxMessage.channel.in_(bindparam("channels", expanding=True))

# A message's "processed" mark, built once (every message's unit runs it, on PostgreSQL within the
# statement of its first reply: ``enqueue_claimed``'s ``along``); a Core statement on the table:
# through the ORM's bulk UPDATE it cost about twice the CPU.
_INBOX = table_of(InboxMessage)
_MARK_PROCESSED = (update(_INBOX)
                   .where(_INBOX.c.id == bindparam("inbox_id"), _INBOX.c.status == RECEIVED)
                   .values(status=PROCESSED, processed_at=bindparam("now"), locked_until=None, last_error=None)
                   .returning(_INBOX.c.id))
# When the addresses of a claim were answered in the last RATE_WINDOW (``Inbox._held_back``).
_ANSWERED = (select(_INBOX.c.channel, _INBOX.c.address, _INBOX.c.processed_at)
             .where(_INBOX.c.channel.in_(bindparam("channels", expanding=True)),
                    _INBOX.c.address.in_(bindparam("addresses", expanding=True)),
                    _INBOX.c.processed_at > bindparam("since")))


@dataclass(frozen=True)
class Delivery:
    """One message as a channel received it: ``delivery_id`` is the channel's id for this delivery."""

    channel: str
    delivery_id: str
    address: str
    text: str = ""
    payload: dict[str, Any] | None = None


class Intake(Protocol):
    """A channel's processing side: how a stored message is answered, how a reply is shown."""

    channel: str
    # More messages than this from one address in a minute wait (are answered later); None: no limit.
    rate_per_minute: int | None

    async def process(self, message: InboxMessage, turn: Turn) -> None:
        """Runs the message through the dialogs within ``turn``; replies go to ``turn.say``."""
        ...

    def render(self, reply: Reply) -> tuple[str, list[Option]]:
        """A reply as the outbox sends it on this channel: text, and buttons if the channel has them."""
        ...


class Inbox:
    """Stores what channels receive and processes it; one per service process."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], turns: Turns, outbox: OutboxWorker, *,
                 concurrency: int = 8, batch: int = 50, poll_seconds: float = 1.0, lease_seconds: float = 20.0,
                 max_attempts: int = 5, retention_days: int = 30) -> None:
        self.sessions = sessions
        self.turns = turns
        self.outbox = outbox
        self.concurrency = concurrency
        self.batch = batch
        self.poll_seconds = poll_seconds
        self.lease = timedelta(seconds=lease_seconds)
        self.max_attempts = max_attempts
        self.retention = timedelta(days=retention_days)
        self.intakes: dict[str, Intake] = {}
        self.draining = False
        self._wake = asyncio.Event()
        self._running: dict[int, asyncio.Task[None]] = {}
        # Claimed (leased to this process) and not started yet, oldest first, with when they were claimed
        # and what the claim read of their senders (``read_ahead``).
        self._ready: collections.deque[tuple[float, InboxMessage, Row[Any] | None]] = collections.deque()
        self._loop: asyncio.Task[None] | None = None
        self._pruned_at = time.monotonic()
        self._writer = GroupWriter(sessions)
        self._burst_until = 0.0
        self._taken_at = 0.0

    @property
    def in_progress(self) -> int:
        return len(self._running)

    def register(self, intake: Intake) -> None:
        self.intakes[intake.channel] = intake

    # -- intake -----------------------------------------------------------------------------------

    async def store(self, delivery: Delivery) -> int | None:
        """Stores a delivery once; None when this channel's ``delivery_id`` was stored before.

        Deliveries that arrive together are written in one transaction (group commit): each caller
        waits for the commit that holds its row, so a burst costs one durable write per group
        rather than one per message, and nobody is answered before their row is on disk.

        Raises ``Unavailable`` while the process drains, and the database's own error when it is
        unreachable: either way nothing was stored, and the caller must not acknowledge.
        """
        if self.draining:
            raise Unavailable("draining", "this process is restarting; retry shortly")
        stored = await self._writer.write(delivery)
        if self._writer.last_group > 1:
            self._burst_until = time.monotonic() + BURST_SECONDS
        if stored is not None:
            self._wake.set()
        return stored

    # -- processing -------------------------------------------------------------------------------

    def start(self) -> None:
        self._loop = asyncio.create_task(self.run(), name="inbox")

    async def run(self) -> None:
        """Takes due messages while there is room, until the process drains."""
        failures = 0
        while not self.draining:
            self._wake.clear()
            limit = self._concurrency_now()
            self._start_ready(limit)
            room = min(limit - len(self._running), self.batch)
            if self._ready or (self._running and room < max(1, limit // 2)):
                # Claiming costs a pass over the waiting rows: claim for several free slots at once.
                room = 0
            paced = self._in_burst() and time.monotonic() - self._taken_at < BURST_PACE
            if paced:
                room = 0
            # Outside a burst a claim also takes the next ``limit`` messages, started as slots free:
            # claims of about 12 rather than 4 (8 slots), a third of the passes over the waiting rows.
            claim = room if self._in_burst() else min(room + limit, self.batch)
            taken: list[tuple[InboxMessage, Row[Any] | None]] = []
            if room > 0:
                try:
                    taken = await self._take(claim)
                    failures = 0
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    failures += 1
                    self._log_failure("inbox.take_failed", exc)
                    # Short: an outage is over when a webhook manages to store again, which wakes us.
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._wake.wait(), min(5.0, 0.25 * 2 ** min(failures, 5)))
                    continue
            if taken:
                self._taken_at = time.monotonic()
                self._ready.extend((self._taken_at, message, resident) for message, resident in taken)
                self._start_ready(limit)
            await self._prune_now_and_then()
            if taken and len(taken) == claim:
                continue  # there may be more, and room for it
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), BURST_PACE if paced else self.poll_seconds)

    def _start_ready(self, limit: int) -> None:
        """Starts claimed messages while there are free slots. One held so long that its lease may be
        running out is left to it: it is taken again (by any process) when the lease has run out,
        rather than processed here while another process might take it too."""
        while self._ready and len(self._running) < limit and not self.draining:
            taken_at, message, resident = self._ready.popleft()
            if time.monotonic() - taken_at > self.lease.total_seconds() / 2:
                log.warning("inbox.claim_stale", extra={"id": message.id})
                continue
            task = asyncio.create_task(self._process(message.id, message, resident))
            self._running[message.id] = task
            task.add_done_callback(functools.partial(self._finished, message.id))

    def _in_burst(self) -> bool:
        return time.monotonic() < self._burst_until

    def _concurrency_now(self) -> int:
        """Full concurrency, except while a burst is being acknowledged (see BURST_CONCURRENCY)."""
        return min(BURST_CONCURRENCY, self.concurrency) if self._in_burst() else self.concurrency

    def _finished(self, inbox_id: int, _task: asyncio.Task[None]) -> None:
        self._running.pop(inbox_id, None)
        # A slot is free, and the next message of that address may now be taken.
        self._wake.set()

    async def _take(self, limit: int) -> list[tuple[InboxMessage, Row[Any] | None]]:
        """Leases due messages and reads them (one statement), in one transaction; those of an address answered its
        intake's ``rate_per_minute`` times in the last minute are given back, due when it allows. With each
        message kept, what its unit reads first of its sender (``read_ahead``: one statement a claim
        rather than one a message).

        The rows read here are what each message's unit runs on (its final "processed" mark is
        conditional on the row still waiting, so one processed elsewhere meanwhile is rolled back),
        and the rate is judged here for the whole claim: until the message is processed nothing of
        its address can be processed (it is the oldest waiting), so what the unit would find a moment
        later is the same. Before, each unit read its row and its address's rate itself.
        """
        now = utcnow()
        async with self.sessions() as session, session.begin():
            messages = await take_due_rows(session, InboxMessage, RECEIVED, now, self.lease, limit, _OF_CHANNELS,
                                           window=CLAIM_WINDOW, params={"channels": list(self.intakes)})
            if not messages:
                return []
            held = await self._hold_back(session, messages, now)
            kept = [m for m in messages if m.id not in held]
            residents = await read_ahead(session, kept) if kept else {}
        return [(m, residents.get(m.id)) for m in kept]

    async def _hold_back(self, session: AsyncSession, messages: list[InboxMessage], now: datetime) -> set[int]:
        """Gives back those of ``messages`` whose address must wait for its intake's rate, due when it
        allows; returns their ids."""
        held = await self._held_back(session, messages, now)
        for message in messages:
            if message.id in held:
                await session.execute(update(InboxMessage).where(InboxMessage.id == message.id)
                                      .values(next_attempt_at=held[message.id], locked_until=None))
                log.warning("inbox.rate_limited", extra={
                    "id": message.id, "channel": message.channel,
                    "wait_s": round((held[message.id] - now).total_seconds(), 1)})
        return set(held)

    async def _held_back(self, session: AsyncSession, messages: list[InboxMessage],
                         now: datetime) -> dict[int, datetime]:
        """Of ``messages``, those to answer later because of their intake's rate, and until when."""
        limited = [m for m in messages if self.intakes[m.channel].rate_per_minute]
        if not limited:
            return {}
        answered: dict[tuple[str, str], list[datetime]] = {}
        rows = await session.execute(_ANSWERED, {"channels": sorted({m.channel for m in limited}),
                                                 "addresses": sorted({m.address for m in limited}),
                                                 "since": now - RATE_WINDOW})
        for channel, address, processed_at in rows:
            assert processed_at is not None  # the query's own condition
            answered.setdefault((channel, address), []).append(processed_at)
        held: dict[int, datetime] = {}
        for message in limited:
            per_minute = self.intakes[message.channel].rate_per_minute or 0
            times = sorted(answered.get((message.channel, message.address), []), reverse=True)
            if len(times) >= per_minute:
                held[message.id] = times[per_minute - 1] + RATE_WINDOW
        return held

    async def process(self, inbox_id: int) -> None:
        """Processes one stored message now, if it is still waiting (tests and tools)."""
        await self._process(inbox_id)

    async def _process(self, inbox_id: int, claimed: InboxMessage | None = None,
                       resident: Row[Any] | None = None) -> None:
        """``claimed``: the row as the claim read it, and ``resident`` what it read of the sender, for the
        first run; a rerun reads both again."""
        try:
            for _ in range(RERUNS):
                try:
                    queued = await self._unit(inbox_id, claimed, resident)
                except ConversationMoved:
                    log.info("inbox.rerun", extra={"id": inbox_id})
                    claimed = resident = None
                    continue
                self.outbox.deliver_written(queued)
                return
            raise ConversationMoved("still moving after reruns")
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            await self._attempt_failed(inbox_id, exc)

    async def _unit(self, inbox_id: int, claimed: InboxMessage | None = None,
                    resident: Row[Any] | None = None) -> list[Claimed]:
        """The message's unit of work; returns the outbox rows it queued (leased to this process).

        ``claimed``: the row as read by the claim, which judged the rate already; ``resident``: what the
        claim read of its sender."""
        async with self.turns.open() as turn:
            session = turn.session
            message = claimed if claimed is not None else await session.get(InboxMessage, inbox_id)
            if message is None or message.status != RECEIVED:
                return []
            intake = self.intakes[message.channel]
            now = utcnow()
            # A rerun (or a message processed outside a claim) judges its address's rate itself.
            if claimed is None and await self._hold_back(session, [message], now):
                return []
            turn.defer = True
            if resident is not None:
                turn.read_ahead(message.channel, message.address, resident)
            await intake.process(message, turn)
            ticket_id = turn.filed[-1].id if turn.filed else None
            replies = [(text, f"{message.channel}-{message.id}-{index}", options)
                       for index, (text, options) in enumerate(map(intake.render, turn.said))]
            # The "processed" mark, and the conversation and profile the message moved (deferred), ride
            # with the replies: on PostgreSQL in the first one's statement. Each returns its row, or
            # none when another unit got there first: then this one rolls back (the rerun finds it
            # processed, or runs on the state as it is now).
            along = [(_MARK_PROCESSED, {"inbox_id": inbox_id, "now": utcnow()}), *turn.take_pending()]
            written = await enqueue_claimed(session, message.channel, message.address, replies,
                                            lease=self.outbox.lease, ticket_id=ticket_id, along=along)
            if written.along[0] != 1:
                raise ConversationMoved("processed elsewhere")
            if any(n != 1 for n in written.along[1:]):
                raise ConversationMoved("moved by another unit")
            queued = written.claimed
        log.info("inbox.processed", extra={"id": inbox_id, "channel": message.channel, "replies": len(queued),
                                           "ticket": ticket_id})
        return queued

    async def _attempt_failed(self, inbox_id: int, exc: Exception) -> None:
        """Schedules the message again; a message that fails ``max_attempts`` times is set aside."""
        outage = is_unavailable(exc)
        self._log_failure("inbox.process_failed", exc, id=inbox_id)
        try:
            async with self.sessions() as session, session.begin():
                message = await session.get(InboxMessage, inbox_id)
                if message is None or message.status != RECEIVED:
                    return
                if outage:
                    # Nobody's fault, and it passes: tried again soon, not counted.
                    values: dict[str, Any] = {"next_attempt_at": utcnow() + timedelta(seconds=2)}
                else:
                    attempts = message.attempts + 1
                    values = {"attempts": attempts, "last_error": type(exc).__name__,
                              "next_attempt_at": utcnow() + timedelta(seconds=2 ** attempts)}
                    if attempts >= self.max_attempts:
                        values["status"] = FAILED
                        log.error("inbox.gave_up", extra={"id": inbox_id, "channel": message.channel,
                                                          "attempts": attempts})
                await session.execute(update(InboxMessage).where(InboxMessage.id == inbox_id)
                                      .values(locked_until=None, **values))
        except Exception as again:
            # The database is gone too: the lease runs out and the message is taken again.
            self._log_failure("inbox.reschedule_failed", again, id=inbox_id)

    @staticmethod
    def _log_failure(event: str, exc: BaseException, **fields: Any) -> None:
        if is_unavailable(exc):
            log.warning(event, extra={**fields, "error": type(exc).__name__, "outage": True})
        else:
            log.error(event, exc_info=exc, extra=fields)

    async def _prune_now_and_then(self) -> None:
        """Forgets processed messages past the retention period, and long-expired conversations."""
        if time.monotonic() - self._pruned_at < PRUNE_EVERY:
            return
        self._pruned_at = time.monotonic()
        now = utcnow()
        try:
            async with self.sessions() as session, session.begin():
                result = await session.execute(delete(InboxMessage).where(
                    InboxMessage.status != RECEIVED, InboxMessage.received_at < now - self.retention))
            conversations = await self.turns.prune(now)
        except Exception as exc:
            self._log_failure("inbox.prune_failed", exc)
            return
        log.info("inbox.pruned", extra={"messages": int(result.rowcount or 0),  # type: ignore[attr-defined]
                                        "conversations": conversations})

    # -- stopping ---------------------------------------------------------------------------------

    async def drain(self, timeout: float) -> None:
        """Takes no more work; lets messages under way finish within ``timeout``, gives back the rest."""
        self.draining = True
        self._wake.set()
        if self._loop is not None:
            await asyncio.gather(self._loop, return_exceptions=True)
        ready = [message.id for _at, message, _resident in self._ready]
        self._ready.clear()
        # Claimed and never started: given back at once, for another process to take now.
        await self._give_back(ready)
        running = dict(self._running)
        if not running:
            return
        _done, late = await asyncio.wait(running.values(), timeout=timeout)
        for task in late:
            task.cancel()
        await asyncio.gather(*late, return_exceptions=True)
        unfinished = [i for i, task in running.items() if task in late]
        await self._give_back(unfinished)
        log.info("inbox.drained", extra={"finished": len(running) - len(unfinished),
                                         "released": len(unfinished) + len(ready)})

    async def _give_back(self, ids: list[int]) -> None:
        """Messages this process holds but will not process, released for another process to take."""
        if not ids:
            return
        try:
            async with self.sessions() as session, session.begin():
                await release(session, InboxMessage, ids, RECEIVED)
        except Exception as exc:
            self._log_failure("inbox.release_failed", exc)


class GroupWriter:
    """Inbox inserts that arrive together committed together: one INSERT … ON CONFLICT DO NOTHING of
    many rows, one commit, then every waiting caller hears its row's id (None: stored before).

    One group is written at a time; whatever arrives meanwhile forms the next group. Alone, a
    delivery is written at once (no waiting for company). A group that fails for a reason other
    than an outage is written again row by row, so one bad row fails only its own sender.
    """

    def __init__(self, sessions: async_sessionmaker[AsyncSession], max_group: int = 500) -> None:
        self.sessions = sessions
        self.max_group = max_group
        self._waiting: list[tuple[Delivery, asyncio.Future[int | None]]] = []
        self._task: asyncio.Task[None] | None = None
        # How many rows the last group held: more than one means webhooks are arriving together.
        self.last_group = 0

    async def write(self, delivery: Delivery) -> int | None:
        future: asyncio.Future[int | None] = asyncio.get_running_loop().create_future()
        # Read even when its sender hung up meanwhile, so a failed group leaves no unread error behind.
        future.add_done_callback(_consumed)
        self._waiting.append((delivery, future))
        if self._task is None:
            self._task = asyncio.create_task(self._flush(), name="inbox-writer")
        # Shielded: a sender that hangs up does not cancel the group its row is in.
        return await asyncio.shield(future)

    async def _flush(self) -> None:
        try:
            while self._waiting:
                group, self._waiting = self._waiting[: self.max_group], self._waiting[self.max_group :]
                self.last_group = len(group)
                try:
                    ids = await self._insert([d for d, _ in group])
                except Exception as exc:
                    if len(group) > 1 and not is_unavailable(exc):
                        await self._one_by_one(group)
                    else:
                        _fail(group, exc)
                    continue
                seen: set[tuple[str, str]] = set()
                for delivery, future in group:
                    key = (delivery.channel, delivery.delivery_id)
                    # The same delivery twice in one group: the first caller stored it.
                    stored = ids.get(key) if key not in seen else None
                    seen.add(key)
                    if not future.done():
                        future.set_result(stored)
        finally:
            self._task = None

    async def _one_by_one(self, group: list[tuple[Delivery, asyncio.Future[int | None]]]) -> None:
        for delivery, future in group:
            try:
                stored = (await self._insert([delivery])).get((delivery.channel, delivery.delivery_id))
            except Exception as exc:
                _fail([(delivery, future)], exc)
            else:
                if not future.done():
                    future.set_result(stored)

    async def _insert(self, deliveries: list[Delivery]) -> dict[tuple[str, str], int]:
        """Inserts the rows not stored before; their ids by (channel, delivery_id)."""
        now = utcnow()
        rows: dict[tuple[str, str], dict[str, Any]] = {}
        for d in deliveries:
            rows.setdefault((d.channel, d.delivery_id), {
                "channel": d.channel, "delivery_id": d.delivery_id, "address": d.address, "text": d.text,
                "payload": d.payload, "status": RECEIVED, "attempts": 0, "received_at": now,
                "next_attempt_at": now})
        async with self.sessions() as session, session.begin():
            # One statement whatever the group's size (its compiled form is cached), executed for
            # many rows: SQLAlchemy sends them as multi-row INSERTs ("insertmanyvalues").
            statement = (insert_for(session)(InboxMessage.__table__)
                         .on_conflict_do_nothing(index_elements=["channel", "delivery_id"])
                         .returning(InboxMessage.id, InboxMessage.channel, InboxMessage.delivery_id))
            connection = await session.connection()
            result = await connection.execute(statement, list(rows.values()))
            return {(channel, delivery_id): inbox_id for inbox_id, channel, delivery_id in result}


def _fail(group: list[tuple[Delivery, asyncio.Future[int | None]]], exc: Exception) -> None:
    for _delivery, future in group:
        if not future.done():
            future.set_exception(exc)


def _consumed(future: asyncio.Future[int | None]) -> None:
    if not future.cancelled():
        future.exception()
