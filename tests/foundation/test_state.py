"""The state store behaves the same in process and on Redis: claims, windows, locks, expiry."""

from __future__ import annotations

import asyncio
import gc

import pytest

from bot.state import MemoryStore, make_store


@pytest.fixture
async def store(redis_url: str | None):  # type: ignore[no-untyped-def]
    made = make_store(redis_url)
    yield made
    await made.close()


async def test_a_claim_is_granted_once(store) -> None:  # type: ignore[no-untyped-def]
    assert await store.claim("once", 5)
    assert not await store.claim("once", 5)


async def test_hits_count_within_a_window(store) -> None:  # type: ignore[no-untyped-def]
    assert [await store.hit("rate", 5) for _ in range(3)] == [1, 2, 3]


async def test_values_expire(store) -> None:  # type: ignore[no-untyped-def]
    await store.set_json("conv", {"flow": "request"}, ttl=0.2)
    assert await store.get_json("conv") == {"flow": "request"}
    await asyncio.sleep(0.3)
    assert await store.get_json("conv") is None


async def test_a_lock_serialises_one_conversation(store) -> None:  # type: ignore[no-untyped-def]
    order: list[str] = []

    async def turn(name: str) -> None:
        async with store.lock("conv:sms:+8613800000000"):
            order.append(name + "-in")
            await asyncio.sleep(0.05)
            order.append(name + "-out")

    await asyncio.gather(turn("a"), turn("b"))
    assert order in (["a-in", "a-out", "b-in", "b-out"], ["b-in", "b-out", "a-in", "a-out"])


async def test_the_in_process_store_forgets_idle_locks_and_expired_keys() -> None:
    store = MemoryStore()
    for n in range(50):
        async with store.lock(f"conv:{n}"):
            pass
    gc.collect()
    assert len(store._locks) == 0
    for n in range(1000):
        await store.claim(f"tg-update:{n}", 0.001)
    await asyncio.sleep(0.01)
    for n in range(1000):
        await store.claim(f"tg-update:{1000 + n}", 60)
    assert len(store._data) == 1000
