"""Engine and session factory, and schema upgrades through Alembic."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite
from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

T = TypeVar("T")

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def make_engine(url: str) -> AsyncEngine:
    """An async engine; SQLite gets WAL and a busy timeout so several tasks can write safely."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        database = parsed.database or ":memory:"
        engine = create_async_engine(url, async_creator=lambda: open_sqlite(database))

        @event.listens_for(engine.sync_engine, "connect")
        def _pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    return create_async_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)


async def open_sqlite(database: str) -> aiosqlite.Connection:
    """A new SQLite connection, opened to the end even if the task that asked for it is cancelled meanwhile.

    aiosqlite abandons a connection whose opening is cancelled without waiting for its worker thread
    (omnilib/aiosqlite#259); the thread then calls into the event loop after the loop has closed
    ("Event loop is closed"), as when the service shuts down while a background job is connecting.
    Here a cancelled caller waits for the opening, closes what was opened, and is cancelled after.
    """
    connection, cancelled = await _finished(asyncio.ensure_future(_connect(database)))
    if cancelled:
        await _finished(asyncio.ensure_future(connection.close()))
        raise asyncio.CancelledError
    return connection


async def _connect(database: str) -> aiosqlite.Connection:
    connection = aiosqlite.connect(database, timeout=30, check_same_thread=False)
    # As SQLAlchemy does for its own aiosqlite connections: a connection never closed does not hold
    # the process open at exit.
    connection._thread.daemon = True
    return await connection


async def _finished(task: asyncio.Future[T]) -> tuple[T, bool]:
    """Waits for ``task`` to end even if the caller is cancelled meanwhile: its result, and whether the
    caller was cancelled (the caller then re-raises the cancellation once it has cleaned up)."""
    cancelled = False
    while not task.done():
        try:
            await asyncio.shield(task)
        except asyncio.CancelledError:
            if task.cancelled():
                raise
            cancelled = True
    return task.result(), cancelled


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def insert_for(session: AsyncSession) -> Any:
    """The dialect's INSERT, for ON CONFLICT DO NOTHING on SQLite and PostgreSQL alike."""
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str) -> None:
    """Brings the schema up to the newest migration (blocking; run it outside the event loop)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(url), "head")


async def upgrade_async(url: str) -> None:
    await asyncio.to_thread(upgrade, url)
