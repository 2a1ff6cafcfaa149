"""Shutting down while work is under way leaves nothing running behind the closed event loop."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from bot.storage.db import make_engine


def test_a_task_cancelled_while_its_sqlite_connection_opens_leaves_no_thread_calling_the_closed_loop(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The service's shutdown cancels background jobs; one may be opening a connection just then.
    # aiosqlite's worker thread used to finish the opening after the loop had closed, and fail.
    failures: list[BaseException | None] = []
    monkeypatch.setattr(threading, "excepthook", lambda args: failures.append(args.exc_value))
    real_connect = sqlite3.connect

    def slow_connect(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        time.sleep(0.3)  # a busy machine: the worker thread opens the file late
        return real_connect(*args, **kwargs)

    monkeypatch.setattr(sqlite3, "connect", slow_connect)

    async def shut_down_while_connecting() -> None:
        engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'minsheng.db'}")

        async def job() -> None:
            async with engine.connect() as connection:
                await connection.execute(text("SELECT 1"))

        task = asyncio.create_task(job())
        await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await engine.dispose()

    asyncio.run(shut_down_while_connecting())
    for thread in threading.enumerate():
        if "_connection_worker_thread" in thread.name:
            thread.join(5)
    assert failures == []
