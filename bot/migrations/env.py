"""Alembic environment: async engines, the same migrations on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import warnings
from collections.abc import Callable
from typing import Any

from alembic import context
from sqlalchemy import pool, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from bot.storage.models import FTS_TABLE, Base

# Several `minsheng serve` processes may start together on one PostgreSQL: one migrates, the rest wait.
_MIGRATION_LOCK = 7_244_551


_NOT_ON_SQLITE = ("ix_tickets_text_trgm", "ix_tickets_text_grams", "ix_tickets_contact_last4", "ix_tickets_order")


def _include_object(connection: Connection) -> Callable[..., bool]:
    """What Alembic compares: not SQLite's FTS5 table for search (a virtual table and its shadow tables,
    made by migration 0008, not by the models), nor the PostgreSQL-only trigram and character-pair indexes on SQLite."""
    sqlite = connection.dialect.name == "sqlite"

    def include(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
        if type_ == "table" and name and name.startswith(FTS_TABLE):
            return False
        # SQLAlchemy cannot reflect SQLite's expression indexes: tests/tickets/test_search.py checks that
        # the search reads ix_tickets_contact_last4 instead.
        return not (sqlite and type_ == "index" and name in _NOT_ON_SQLITE)

    return include


def _run(connection: Connection) -> None:
    # The same indexes, as SQLAlchemy and Alembic say they cannot compare them on SQLite (see _include_object;
    # ix_tickets_text_grams, PostgreSQL's only, is in the models alone there).
    warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based index ix_tickets_contact")
    warnings.filterwarnings("ignore", ".*expression-based index 'ix_tickets_(contact_last4|text_grams)'; "
                            "dialect 'sqlite'")
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True,
                      compare_type=True, include_object=_include_object(connection))
    with context.begin_transaction():
        context.run_migrations()


async def _run_async() -> None:
    url = context.config.get_main_option("sqlalchemy.url")
    assert url is not None
    engine = create_async_engine(url, poolclass=pool.NullPool)
    async with engine.connect() as connection:
        postgres = connection.dialect.name == "postgresql"
        if postgres:
            await connection.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _MIGRATION_LOCK})
            await connection.commit()
        try:
            await connection.run_sync(_run)
            await connection.commit()
        finally:
            if postgres:
                await connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _MIGRATION_LOCK})
                await connection.commit()
    await engine.dispose()


if context.is_offline_mode():
    context.configure(url=context.config.get_main_option("sqlalchemy.url"), target_metadata=Base.metadata,
                      literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    asyncio.run(_run_async())
