"""Upgrading moves sms_inbound's rows into the inbox: a message stored before the upgrade is still answered."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot.app import create_app
from bot.storage.db import alembic_config, make_engine
from tests.conftest import SMS_SECRET, TEST_DATABASE_URL, _admin
from tests.fakes import FakeGateway
from tests.helpers import send_sms


@pytest.fixture
def empty_database(tmp_path: Path) -> Iterator[str]:
    if not TEST_DATABASE_URL:
        yield f"sqlite+aiosqlite:///{tmp_path / 'upgrade.db'}"
        return
    name = f"minsheng_upgrade_{uuid.uuid4().hex[:8]}"

    async def run(statement: str) -> None:
        conn = await _admin(TEST_DATABASE_URL)  # type: ignore[arg-type]
        await conn.execute(statement)
        await conn.close()

    asyncio.run(run(f'CREATE DATABASE "{name}"'))
    yield make_url(TEST_DATABASE_URL).set(database=name).render_as_string(hide_password=False)
    asyncio.run(run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def execute(url: str, statement: str) -> list[Any]:
    engine = make_engine(url)
    try:
        async with engine.begin() as conn:
            result = await conn.execute(text(statement))
            return list(result.all()) if result.returns_rows else []
    finally:
        await engine.dispose()


async def test_messages_stored_before_the_upgrade_are_kept_and_a_waiting_one_is_answered(
        empty_database: str, aiohttp_client: Any, make_settings: Any, gateway: FakeGateway) -> None:
    await asyncio.to_thread(command.upgrade, alembic_config(empty_database), "0003")
    at = "'2026-11-20 08:00:00+00'"
    await execute(empty_database, f"""
        INSERT INTO sms_inbound (id, message_id, sender, recipient, text, status, received_at, processed_at) VALUES
        (7, 'gw-old-1', '+8613500000001', '1069', '菜单', 'processed', {at}, {at}),
        (8, 'gw-old-2', '+8613500000002', '1069', '菜单', 'received', {at}, NULL)""")
    await asyncio.to_thread(command.upgrade, alembic_config(empty_database), "head")

    rows = await execute(empty_database, "SELECT id, channel, delivery_id, address, status FROM inbox ORDER BY id")
    assert [tuple(r) for r in rows] == [(7, "sms", "gw-old-1", "+8613500000001", "processed"),
                                        (8, "sms", "gw-old-2", "+8613500000002", "received")]
    settings = make_settings(database_url=empty_database, sms_secret=SMS_SECRET, sms_gateway_url=gateway.url)
    client = await aiohttp_client(create_app(settings))
    # The one left waiting is answered; the one answered before is not answered again.
    assert len(await gateway.wait_for("+8613500000002", 1, timeout=15)) == 1
    await asyncio.sleep(0.5)
    assert not gateway.to("+8613500000001")
    # New messages get new ids (PostgreSQL's sequence was moved past the copied ones).
    assert (await send_sms(client, "+8613500000003", "菜单")).status == 200
    assert len(await gateway.wait_for("+8613500000003", 1, timeout=15)) == 1
    ids = [r[0] for r in await execute(empty_database, "SELECT id FROM inbox ORDER BY id")]
    assert ids[:2] == [7, 8] and ids[2] > 8
    await client.close()


async def test_the_short_search_index_goes_down_and_up_again(empty_database: str) -> None:
    """0010 and 0011 down and up (PostgreSQL: the text's characters and pairs, the function and its GIN index;
    SQLite: nothing to do) leaves the schema at head with the index there to read."""
    config = alembic_config(empty_database)
    await asyncio.to_thread(command.upgrade, config, "head")
    await asyncio.to_thread(command.downgrade, config, "0009")
    postgres = empty_database.startswith("postgresql")
    index = "SELECT count(*) FROM pg_indexes WHERE indexname = 'ix_tickets_text_grams'"
    order = "SELECT count(*) FROM pg_indexes WHERE indexname = 'ix_tickets_order'"
    if postgres:
        assert await execute(empty_database, index) == [(0,)]
        assert await execute(empty_database, order) == [(0,)]
    await asyncio.to_thread(command.upgrade, config, "head")
    assert await execute(empty_database, "SELECT version_num FROM alembic_version") == [("0012",)]
    if postgres:
        assert await execute(empty_database, index) == [(1,)]
        # 0011: all areas' queue order (an admin's page off an index).
        assert await execute(empty_database, order) == [(1,)]
        grams = await execute(empty_database, "SELECT ticket_text_grams('火灾 A')")
        assert sorted(grams[0][0]) == sorted(["火", "火灾", "灾", "灾 ", " ", " A", "A", "A"])


async def test_the_inbox_waiting_index_goes_down_and_up_again(empty_database: str) -> None:
    """0012: the inbox's waiting rows in a partial index of their own (a claim walks no processed row),
    in place of the index of every row by status and id; down and up again, on SQLite and PostgreSQL."""
    config = alembic_config(empty_database)
    await asyncio.to_thread(command.upgrade, config, "head")
    postgres = empty_database.startswith("postgresql")
    indexes = ("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'inbox'" if postgres else
               "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'inbox'")

    async def inbox_indexes() -> dict[str, str]:
        return {name: definition or "" for name, definition in await execute(empty_database, indexes)}

    at_head = await inbox_indexes()
    assert "ix_inbox_pending" not in at_head
    assert "WHERE" in at_head["ix_inbox_waiting"] and "'received'" in at_head["ix_inbox_waiting"]
    await asyncio.to_thread(command.downgrade, config, "0011")
    before = await inbox_indexes()
    assert "ix_inbox_pending" in before and "ix_inbox_waiting" not in before
    await asyncio.to_thread(command.upgrade, config, "head")
    assert await inbox_indexes() == at_head
