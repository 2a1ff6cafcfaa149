"""Engine and session factory, and schema upgrades through Alembic."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import aiosqlite
from sqlalchemy import event, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import make_url
from sqlalchemy.exc import InvalidatePoolError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

if TYPE_CHECKING:
    from alembic.config import Config

T = TypeVar("T")

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
# `revision = "0009"`, `down_revision: str | None = "0008"` (None, a string or a tuple of strings).
_REVISION_LINE = re.compile(r"^(revision|down_revision)\s*(?::[^=\n]*)?=\s*(.+)$", re.M)
_QUOTED = re.compile(r"['\"]([^'\"]+)['\"]")


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
    # Twenty connections a process, all kept: with 10 kept and 10 more opened on demand, a process
    # working off a backlog (8 messages under way, their replies being sent, webhooks storing)
    # opened and closed connections all the time, a new PostgreSQL backend each (seen under
    # benchmarks/burst.py: backends a few seconds old). At most twenty, as before.
    engine = create_async_engine(url, pool_size=20, max_overflow=0)
    _ping_when_idle(engine)
    return engine


# A pooled connection back from longer than this is pinged before it is handed out.
PING_AFTER_IDLE_SECONDS = 1.0


def _ping_when_idle(engine: AsyncEngine) -> None:
    """``pool_pre_ping``, but only for a connection that sat in the pool: a round trip (and a
    transaction on asyncpg) on every checkout was about a tenth of the cost of processing a message
    under a backlog, when connections come back to the pool within milliseconds. A connection that
    was idle (PostgreSQL may have restarted meanwhile) is still checked and replaced if dead; one
    that dies while in use fails its statement as it always did, and SQLAlchemy then replaces every
    connection of the pool opened before (a disconnect invalidates the pool)."""
    pool = engine.sync_engine.pool
    dialect = engine.sync_engine.dialect

    @event.listens_for(pool, "checkin")
    def _idle_from(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(pool, "checkout")
    def _ping(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.pop("idle_since", None)
        if since is None or time.monotonic() - since < PING_AFTER_IDLE_SECONDS:
            return
        try:
            alive = dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as exc:
            if not dialect.is_disconnect(exc, dbapi_connection, None):
                raise
            alive = False
        if not alive:
            # As pool_pre_ping does: the server likely restarted, so every older connection goes too.
            raise InvalidatePoolError("the connection died while in the pool")


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


_BUILT: dict[tuple[Callable[[Any], Any], str], Any] = {}


def insert_built(session: AsyncSession, build: Callable[[Any], Any]) -> Any:
    """``build(insert_for(session))``, built once per dialect: a statement built once is compiled and
    keyed for SQLAlchemy's cache once, where one built per call costs that on every execution."""
    key = (build, session.get_bind().dialect.name)
    if key not in _BUILT:
        _BUILT[key] = build(insert_for(session))
    return _BUILT[key]


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str) -> None:
    """Brings the schema up to the newest migration (blocking; run it outside the event loop)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    from alembic import command

    command.upgrade(alembic_config(url), "head")


async def upgrade_async(url: str) -> None:
    """Brings the schema up to date; a database already there is only looked at (no Alembic: importing
    it and reading the migrations costs 0.4 s of every start, measured with ``python -X importtime``)."""
    if not await at_head(url):
        await asyncio.to_thread(upgrade, url)


@cache
def head_revisions() -> frozenset[str]:
    """The newest migrations' ids, read from the files (what Alembic calls the heads).

    Read with a pattern, not ``ast.parse``: CPython 3.11.7 can raise "AST constructor recursion depth
    mismatch" when the garbage collector runs finalizers while an AST is being built (seen under
    load in the suite), and the ids are plain string assignments."""
    revisions: dict[str, set[str]] = {}
    for path in (MIGRATIONS / "versions").glob("*.py"):
        values: dict[str, list[str]] = {}
        for match in _REVISION_LINE.finditer(path.read_text(encoding="utf-8")):
            values[match.group(1)] = _QUOTED.findall(match.group(2))
        if values.get("revision"):
            revisions[values["revision"][0]] = set(values.get("down_revision", []))
    below = set().union(*revisions.values()) if revisions else set()
    return frozenset(set(revisions) - below)


async def at_head(url: str) -> bool:
    """Whether the database's schema is already at the newest migration (False if it cannot tell)."""
    engine = make_engine(url)
    try:
        async with engine.connect() as connection:
            current = set((await connection.execute(text("SELECT version_num FROM alembic_version"))).scalars())
    except Exception:  # no table yet, or anything else: Alembic itself decides
        return False
    finally:
        await engine.dispose()
    return bool(current) and current == head_revisions()
