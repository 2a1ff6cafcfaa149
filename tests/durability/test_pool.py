"""Pooled connections: one that died while idle in the pool (a PostgreSQL restart, a backend
killed) is replaced before it is handed out, though busy connections are no longer pinged."""

from __future__ import annotations

import asyncpg
import pytest
from sqlalchemy import text

from bot.storage import db
from bot.storage.db import make_engine


async def test_a_connection_killed_while_idle_in_the_pool_is_replaced(database_url: str,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only: a SQLite connection does not die in the pool")
    engine = make_engine(database_url)
    try:
        async with engine.connect() as connection:
            first = await connection.scalar(text("SELECT pg_backend_pid()"))
        admin = await asyncpg.connect(database_url.replace("+asyncpg", ""))
        try:
            assert await admin.fetchval("SELECT pg_terminate_backend($1)", first)
        finally:
            await admin.close()
        # Every connection back from the pool counts as idle.
        monkeypatch.setattr(db, "PING_AFTER_IDLE_SECONDS", 0.0)
        async with engine.connect() as connection:
            again = await connection.scalar(text("SELECT pg_backend_pid()"))
        assert again != first
    finally:
        await engine.dispose()


async def test_a_connection_back_from_the_pool_at_once_is_not_pinged(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only: SQLite connections are not pinged")
    engine = make_engine(database_url)
    pings = 0
    dialect = engine.sync_engine.dialect
    original = dialect.do_ping

    def counting(dbapi_connection: object) -> bool:
        nonlocal pings
        pings += 1
        return bool(original(dbapi_connection))

    dialect.do_ping = counting  # type: ignore[method-assign]
    try:
        for _ in range(5):
            async with engine.connect() as connection:
                assert await connection.scalar(text("SELECT 1")) == 1
        assert pings == 0
    finally:
        await engine.dispose()
