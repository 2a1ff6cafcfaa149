"""Short-lived shared state: console sessions, login rate limits, locks and events.

Redis when MINSHENG_REDIS_URL is set, so several service processes share it; otherwise an
in-process store with the same behaviour for a single process. Nothing a resident sent depends on
it: messages, their de-duplication and conversations are in the database (``bot.services.inbox``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from redis.asyncio import Redis

log = logging.getLogger(__name__)

EventHandler = Callable[[dict[str, Any]], Awaitable[None]]


class StateStore(Protocol):
    async def get_json(self, key: str) -> Any | None: ...
    async def set_json(self, key: str, value: Any, ttl: float | None = None) -> None: ...
    async def delete(self, key: str) -> None: ...
    async def claim(self, key: str, ttl: float) -> bool:
        """True for the first caller within ``ttl`` seconds, False for every other (SET NX)."""
        ...
    async def hit(self, key: str, window: float) -> int:
        """Counts a hit in a fixed window and returns the count so far (rate limits)."""
        ...
    def lock(self, key: str, timeout: float = 30.0) -> contextlib.AbstractAsyncContextManager[None]: ...
    async def publish(self, channel: str, message: dict[str, Any]) -> None: ...
    async def subscribe(self, channel: str, handler: EventHandler) -> None: ...
    async def ping(self) -> None: ...
    async def close(self) -> None: ...


class MemoryStore:
    """The single-process store: same semantics as Redis, kept in dictionaries."""

    def __init__(self) -> None:
        self._data: dict[str, tuple[str, float | None]] = {}
        # A lock lives as long as someone holds or waits for it, so one per resident ever seen
        # does not pile up in a long-running process.
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()
        self._writes = 0
        self._subscribers: dict[str, list[EventHandler]] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def _live(self, key: str) -> str | None:
        item = self._data.get(key)
        if item is None:
            return None
        value, expires = item
        if expires is not None and expires <= time.monotonic():
            del self._data[key]
            return None
        return value

    async def get_json(self, key: str) -> Any | None:
        raw = self._live(key)
        return None if raw is None else json.loads(raw)

    def _store(self, key: str, value: str, expires: float | None) -> None:
        self._data[key] = (value, expires)
        self._writes += 1
        if self._writes % 1000 == 0:
            # Keys nobody reads again (a Telegram update id, a quiet resident) expire here.
            now = time.monotonic()
            for stale in [k for k, (_v, e) in self._data.items() if e is not None and e <= now]:
                del self._data[stale]

    async def set_json(self, key: str, value: Any, ttl: float | None = None) -> None:
        self._store(key, json.dumps(value, ensure_ascii=False), time.monotonic() + ttl if ttl else None)

    async def delete(self, key: str) -> None:
        self._data.pop(key, None)

    async def claim(self, key: str, ttl: float) -> bool:
        if self._live(key) is not None:
            return False
        self._store(key, "1", time.monotonic() + ttl)
        return True

    async def hit(self, key: str, window: float) -> int:
        raw = self._live(key)
        count = int(raw) + 1 if raw is not None else 1
        expires = self._data[key][1] if raw is not None else time.monotonic() + window
        self._store(key, str(count), expires)
        return count

    @contextlib.asynccontextmanager
    async def lock(self, key: str, timeout: float = 30.0) -> AsyncIterator[None]:
        lock = self._locks.get(key)
        if lock is None:
            lock = self._locks[key] = asyncio.Lock()
        async with lock:
            yield

    async def publish(self, channel: str, message: dict[str, Any]) -> None:
        for handler in self._subscribers.get(channel, []):
            task = asyncio.create_task(self._deliver(handler, channel, message))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    @staticmethod
    async def _deliver(handler: EventHandler, channel: str, message: dict[str, Any]) -> None:
        try:
            await handler(message)
        except Exception:
            log.exception("state.event_handler_failed", extra={"channel": channel})

    async def subscribe(self, channel: str, handler: EventHandler) -> None:
        self._subscribers.setdefault(channel, []).append(handler)

    async def ping(self) -> None:
        return None

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        self._subscribers.clear()


class RedisStore:
    """The shared store for several processes, on redis-py's asyncio client."""

    def __init__(self, url: str, prefix: str = "minsheng:") -> None:
        # Imported here: a process without Redis (SQLite, `minsheng chat`) does not wait for it at start.
        from redis.asyncio import Redis

        self.redis: Redis = Redis.from_url(url, decode_responses=True)
        self.prefix = prefix
        self._listeners: list[asyncio.Task[None]] = []

    async def get_json(self, key: str) -> Any | None:
        raw = await self.redis.get(self.prefix + key)
        return None if raw is None else json.loads(raw)

    async def set_json(self, key: str, value: Any, ttl: float | None = None) -> None:
        raw = json.dumps(value, ensure_ascii=False)
        await self.redis.set(self.prefix + key, raw, px=int(ttl * 1000) if ttl else None)

    async def delete(self, key: str) -> None:
        await self.redis.delete(self.prefix + key)

    async def claim(self, key: str, ttl: float) -> bool:
        return bool(await self.redis.set(self.prefix + key, "1", nx=True, px=int(ttl * 1000)))

    async def hit(self, key: str, window: float) -> int:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.incr(self.prefix + key)
            pipe.pexpire(self.prefix + key, int(window * 1000), nx=True)
            count, _ = await pipe.execute()
        return int(count)

    @contextlib.asynccontextmanager
    async def lock(self, key: str, timeout: float = 30.0) -> AsyncIterator[None]:
        async with self.redis.lock(self.prefix + "lock:" + key, timeout=timeout, blocking_timeout=timeout):
            yield

    async def publish(self, channel: str, message: dict[str, Any]) -> None:
        await self.redis.publish(self.prefix + channel, json.dumps(message, ensure_ascii=False))

    async def subscribe(self, channel: str, handler: EventHandler) -> None:
        pubsub = self.redis.pubsub()
        await pubsub.subscribe(self.prefix + channel)

        async def listen() -> None:
            async with pubsub:
                async for item in pubsub.listen():
                    if item.get("type") != "message":
                        continue
                    try:
                        await handler(json.loads(item["data"]))
                    except Exception:
                        log.exception("state.event_handler_failed", extra={"channel": channel})

        self._listeners.append(asyncio.create_task(listen()))

    async def ping(self) -> None:
        await self.redis.ping()

    async def close(self) -> None:
        for task in self._listeners:
            task.cancel()
        for task in self._listeners:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await self.redis.aclose()


def make_store(redis_url: str | None) -> StateStore:
    return RedisStore(redis_url) if redis_url else MemoryStore()
