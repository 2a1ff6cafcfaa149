"""The durable outbox: every message to a resident is written here, then delivered with retries.

A row is claimed with a lease (``locked_until``) before it is sent, so several service processes
share the work without sending a message twice, and a process that dies mid-send leaves the row
to be retried when the lease runs out.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.domain.messages import Option
from bot.storage.leases import lease_free, take_lease
from bot.storage.models import OutboundMessage, utcnow

log = logging.getLogger(__name__)

# channel -> coroutine delivering (address, text, options, ref); raises on failure.
Sender = Callable[[str, str, list[dict[str, str]], str], Awaitable[None]]

LEASE = timedelta(seconds=30)


async def enqueue(session: AsyncSession, channel: str, address: str, text: str, ref: str,
                  options: Sequence[Option] = (), claim: bool = False) -> int | None:
    """Adds a message in the caller's transaction; a ref already queued is left as it is.

    With ``claim`` the row is written already leased to this process, which then sends it with
    ``OutboxWorker.deliver_claimed`` after the commit, saving a poll and a claiming write; if the
    process dies first, the lease runs out and any process retries it. Returns the new row's id,
    or None when the ref was queued before.
    """
    now = utcnow()
    values: dict[str, Any] = {
        "ref": ref, "channel": channel, "address": address, "text": text,
        "options": [{"key": o.key, "label": o.label} for o in options],
        "status": "pending", "attempts": 0, "next_attempt_at": now, "created_at": now,
        "locked_until": now + LEASE if claim else None,
    }
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    result = await session.execute(insert(OutboundMessage).values(**values)
                                   .on_conflict_do_nothing(index_elements=["ref"]).returning(OutboundMessage.id))
    return result.scalar_one_or_none()


class OutboxWorker:
    """Delivers pending messages; woken at once after a local enqueue, polling for the rest."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], senders: dict[str, Sender],
                 poll_seconds: float = 1.0, max_backoff: float = 60.0) -> None:
        self.sessions = sessions
        self.senders = senders
        self.poll_seconds = poll_seconds
        self.max_backoff = max_backoff
        self._wake = asyncio.Event()
        # The terminal delivers only its own resident's messages, leaving the rest to the service.
        self.only_address: str | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    def wake(self) -> None:
        self._wake.set()

    def deliver_claimed(self, ids: Sequence[int]) -> None:
        """Sends rows this process enqueued with ``claim=True``, without waiting for a poll."""
        for message_id in ids:
            task = asyncio.create_task(self._deliver_claimed(message_id))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _deliver_claimed(self, message_id: int) -> None:
        async with self.sessions() as session:
            message = await session.get(OutboundMessage, message_id)
        if message is not None and message.status == "pending":
            await self._send(message)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def run(self) -> None:
        while True:
            # Cleared before looking, so a wake-up that arrives while we send is not lost.
            self._wake.clear()
            try:
                busy = await self.deliver_due()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("outbox.cycle_failed")
                busy = False
            if not busy:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.poll_seconds)

    async def deliver_due(self, limit: int = 50) -> bool:
        """Sends what is due now; True when a full batch was found (there may be more)."""
        now = utcnow()
        query = (select(OutboundMessage.id)
                 .where(OutboundMessage.status == "pending", OutboundMessage.next_attempt_at <= now,
                        OutboundMessage.channel.in_(list(self.senders)),
                        lease_free(OutboundMessage, now))
                 .order_by(OutboundMessage.id).limit(limit))
        if self.only_address is not None:
            query = query.where(OutboundMessage.address == self.only_address)
        async with self.sessions() as session:
            ids = list(await session.scalars(query))
        await asyncio.gather(*(self._deliver(i) for i in ids))
        return len(ids) == limit

    async def _claim(self, message_id: int) -> OutboundMessage | None:
        now = utcnow()
        async with self.sessions() as session, session.begin():
            if not await take_lease(session, OutboundMessage, message_id, "pending", now, LEASE):
                return None
            return await session.get(OutboundMessage, message_id)

    async def _deliver(self, message_id: int) -> None:
        message = await self._claim(message_id)
        if message is not None:
            await self._send(message)

    async def _send(self, message: OutboundMessage) -> None:
        """Sends a message this process holds the lease on; marks it sent or schedules a retry."""
        sender = self.senders[message.channel]
        try:
            await sender(message.address, message.text, list(message.options or []), message.ref)
        except Exception as exc:  # any failure is retried: the gateway may be down for a while
            await self._retry(message, exc)
            return
        async with self.sessions() as session, session.begin():
            await session.execute(update(OutboundMessage).where(OutboundMessage.id == message.id)
                                  .values(status="sent", sent_at=utcnow(), attempts=message.attempts + 1,
                                          locked_until=None, last_error=None))
        log.info("outbox.sent", extra={"ref": message.ref, "channel": message.channel,
                                       "attempts": message.attempts + 1})

    async def _retry(self, message: OutboundMessage, exc: Exception) -> None:
        attempts = message.attempts + 1
        delay = min(self.max_backoff, 2 ** min(attempts - 1, 10)) * (0.8 + 0.4 * random.random())
        next_at: datetime = utcnow() + timedelta(seconds=delay)
        reason = f"{type(exc).__name__}: {exc}"[:300]
        async with self.sessions() as session, session.begin():
            await session.execute(update(OutboundMessage).where(OutboundMessage.id == message.id)
                                  .values(attempts=attempts, next_attempt_at=next_at, locked_until=None,
                                          last_error=reason))
        log.warning("outbox.retry", extra={"ref": message.ref, "channel": message.channel,
                                           "attempts": attempts, "retry_in_s": round(delay, 1),
                                           "reason": type(exc).__name__})
