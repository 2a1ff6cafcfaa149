"""The periodic loop both background jobs run on: a failed round is logged and the next one runs."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot.jobs import every


async def test_a_failed_round_is_logged_and_the_next_one_runs(caplog: pytest.LogCaptureFixture) -> None:
    rounds: list[int] = []
    third = asyncio.Event()

    async def run_once() -> None:
        rounds.append(len(rounds))
        if len(rounds) == 3:
            third.set()
        if len(rounds) == 1:
            raise ConnectionError("database away")

    task = asyncio.create_task(every(0.01, run_once, "test.cycle_failed"))
    with caplog.at_level(logging.ERROR, logger="bot.jobs"):
        await asyncio.wait_for(third.wait(), 5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert [r.getMessage() for r in caplog.records] == ["test.cycle_failed"]
    assert len(rounds) >= 3
