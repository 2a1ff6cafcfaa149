"""Claiming stored messages: first of each address, oldest first, with or without a claim window."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import insert

from bot.storage.db import make_engine, make_sessionmaker
from bot.storage.leases import take_due
from bot.storage.models import InboxMessage, utcnow

LEASE = timedelta(seconds=20)


async def claim(database_url: str, rows: list[tuple[str, int]], limit: int, window: int | None,
                leased: int = 0) -> list[str]:
    """Stores ``rows`` (address, seconds until due) in order, leases the first ``leased`` of them,
    then claims; returns the claimed rows as 'address#n' (n: that address's n-th message)."""
    engine = make_engine(database_url)
    sessions = make_sessionmaker(engine)
    now = utcnow()
    seen: dict[str, int] = {}
    names: dict[int, str] = {}
    try:
        async with sessions() as session, session.begin():
            for i, (address, due_in) in enumerate(rows):
                seen[address] = seen.get(address, 0) + 1
                inbox_id = (await session.execute(insert(InboxMessage).values(
                    channel="sms", delivery_id=f"d{i}", address=address, text="菜单", status="received",
                    attempts=0, received_at=now, next_attempt_at=now + timedelta(seconds=due_in),
                    locked_until=now + LEASE if i < leased else None).returning(InboxMessage.id))).scalar_one()
                names[inbox_id] = f"{address}#{seen[address]}"
        async with sessions() as session, session.begin():
            taken = await take_due(session, InboxMessage, "received", now, LEASE, limit, window=window)
        return [names[i] for i in taken]
    finally:
        await engine.dispose()


@pytest.mark.parametrize("window", [None, 3])
async def test_only_the_first_waiting_message_of_each_number_is_taken_oldest_first(database_url: str,
                                                                                   window: int | None) -> None:
    rows = [("a", 0), ("a", 0), ("b", 0), ("c", 0), ("b", 0), ("d", 0), ("e", 0)]
    assert await claim(database_url, rows, 4, window) == ["a#1", "b#1", "c#1", "d#1"]


@pytest.mark.parametrize("window", [None, 3])
async def test_rows_past_the_window_are_taken_when_the_oldest_cannot_be(database_url: str,
                                                                        window: int | None) -> None:
    """The oldest rows are leased (under way) or wait for a retry: a claim still finds the rest,
    and never a later message of a number whose earlier one is still waiting."""
    rows = [("a", 0), ("b", 0), ("c", 600), ("a", 0), ("c", 0), ("d", 0), ("e", 0)]
    assert await claim(database_url, rows, 5, window, leased=2) == ["d#1", "e#1"]
