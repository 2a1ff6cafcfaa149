"""Inbox inserts arriving together are committed together, and each sender still hears only about its own row."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp.test_utils import TestClient
from sqlalchemy import event, func, select

from bot.keys import DB_ENGINE, INBOX, SESSIONS
from bot.services.inbox import Delivery
from bot.storage.models import InboxMessage
from tests.fakes import FakeGateway
from tests.helpers import send_sms


async def test_a_burst_is_stored_in_fewer_writes_than_messages_and_every_one_is_answered(
        client: TestClient, gateway: FakeGateway) -> None:
    inserts: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO INBOX"):
            inserts.append(statement)

    sync_engine = client.app[DB_ENGINE].sync_engine
    event.listen(sync_engine, "before_cursor_execute", note)
    try:
        phones = [f"+86137000{n:05d}" for n in range(60)]
        # 60 residents at once, and one gateway delivering the same message three times in the burst.
        sent = [send_sms(client, p, "菜单") for p in phones]
        sent += [send_sms(client, "+8613700099999", "菜单", message_id="burst-dup") for _ in range(3)]
        responses = await asyncio.gather(*sent)
    finally:
        event.remove(sync_engine, "before_cursor_execute", note)
    bodies = [await r.json() for r in responses]
    assert [r.status for r in responses] == [200] * 63
    assert sum(1 for b in bodies[60:] if b == {"accepted": True}) == 1  # the other two: duplicates
    assert all(b == {"accepted": True, "duplicate": True} for b in bodies[60:] if b != {"accepted": True})
    assert len(inserts) < 30, f"{len(inserts)} INSERTs for 61 messages: not grouped"
    async with client.app[SESSIONS]() as session:
        assert await session.scalar(select(func.count()).select_from(InboxMessage)) == 61
    for phone in [*phones, "+8613700099999"]:
        assert len(await gateway.wait_for(phone, 1, timeout=30)) == 1, phone


async def test_a_row_that_cannot_be_written_fails_only_its_own_sender(client: TestClient) -> None:
    inbox = client.app[INBOX]
    good = [Delivery("sms", f"g-{n}", f"+8613600000{n:03d}", text="菜单") for n in range(10)]
    bad = Delivery("sms", "bad-1", "+8613600000999", text="菜单", payload={"not json": object()})
    results = await asyncio.gather(*(inbox.store(d) for d in [*good[:5], bad, *good[5:]]), return_exceptions=True)
    assert isinstance(results[5], Exception)
    ids = [r for i, r in enumerate(results) if i != 5]
    assert all(isinstance(i, int) for i in ids) and len(set(ids)) == 10
    async with client.app[SESSIONS]() as session:
        stored = set(await session.scalars(select(InboxMessage.delivery_id)))
    assert stored == {d.delivery_id for d in good}
