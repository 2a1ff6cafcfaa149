"""kill -9 and SIGTERM in the middle of a burst, on real `minsheng serve` processes.

Thirty residents walk the guided request (求助 → 隆务镇 → 1 → their situation → 1 确认提交) on
two processes sharing PostgreSQL while one of them is killed (kill -9, then started again) or
restarted (SIGTERM, which drains). On SQLite, the embedded default, there is one process: it is
killed and started again while the senders wait, and every conversation goes on where it was.

Each test ends with nothing lost and no ticket doubled: every acknowledged message processed once,
answered once (one reply row per message; on the wire at least once, since a process killed
between the far side's 200 and its own "sent" mark sends that message again), each resident
holding exactly one ticket number.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.channels.support import WECHAT_APP_ID, WECHAT_SECRET, WECHAT_TOKEN
from tests.conftest import TEST_DATABASE_URL
from tests.durability.drive import (
    STEPS,
    Sender,
    Service,
    Tally,
    outcome,
    private_lines,
    run_residents,
    service_env,
    sms_resident,
    telegram_resident,
    wechat_resident,
    wire_duplicates_sms,
    wire_duplicates_telegram,
    wire_duplicates_wechat,
)
from tests.fakes import FakeBotApi, FakeGateway, FakeWeChatApi

pytestmark = pytest.mark.slow

RESIDENTS = 30


@pytest.fixture
async def wxapi() -> AsyncIterator[FakeWeChatApi]:
    fake = FakeWeChatApi(WECHAT_APP_ID, WECHAT_SECRET)
    await fake.start()
    yield fake
    await fake.close()


@pytest.fixture
async def services(database_url: str, redis_url: str | None, gateway: FakeGateway, botapi: FakeBotApi,
                   wxapi: FakeWeChatApi, tmp_path: Path) -> AsyncIterator[list[Service]]:
    env = service_env(database_url, redis_url, gateway, botapi, MINSHENG_WECHAT_TOKEN=WECHAT_TOKEN,
                      MINSHENG_WECHAT_APP_ID=WECHAT_APP_ID, MINSHENG_WECHAT_APP_SECRET=WECHAT_SECRET,
                      MINSHENG_WECHAT_API_BASE=wxapi.url)
    names = ["first", "second"] if TEST_DATABASE_URL else ["only"]
    started = [Service(env, tmp_path, name) for name in names]
    try:
        await asyncio.gather(*(s.start() for s in started))
        yield started
    finally:
        for service in started:
            if service.alive:
                code, _took = await service.terminate()
                assert code == 0, f"{service.name} exited with {code} on SIGTERM"


async def interrupt(service: Service, how: str, after: float, report: dict[str, Any]) -> None:
    """Kills or restarts ``service`` mid-burst, then starts it again as a supervisor would."""
    await asyncio.sleep(after)
    if how == "kill":
        service.kill()
        await asyncio.sleep(1.0)
    else:
        code, took = await service.terminate()
        report.update(exit_code=code, drain_seconds=round(took, 2))
    await service.start()


@pytest.mark.parametrize("channel", ["telegram", "sms", "wechat"])
@pytest.mark.parametrize("how", ["kill", "term"])
async def test_a_burst_survives_a_process_killed_or_restarted(
        services: list[Service], gateway: FakeGateway, botapi: FakeBotApi, wxapi: FakeWeChatApi, database_url: str,
        channel: str, how: str) -> None:
    if how == "term" and not TEST_DATABASE_URL:
        pytest.skip("SIGTERM is tested on PostgreSQL, with a second process to take over; SQLite runs kill -9")
    tally, report = Tally(), {}
    chats = [810_000 + n for n in range(RESIDENTS)]
    phones = [f"+86137{n:08d}" for n in range(RESIDENTS)]
    openids = [f"oDURABLE{n:020d}" for n in range(RESIDENTS)]
    async with aiohttp.ClientSession() as http:
        sender = Sender(http, [s.url for s in services], tally)

        async def resident(n: int) -> None:
            if channel == "telegram":
                await telegram_resident(sender, botapi, chats[n], tally, step_timeout=45)
            elif channel == "wechat":
                await wechat_resident(sender, wxapi, openids[n], tally, step_timeout=45)
            else:
                await sms_resident(sender, gateway, phones[n], tally, step_timeout=45)

        started = time.monotonic()
        burst = asyncio.create_task(run_residents(resident, RESIDENTS, spread=3.0))
        await interrupt(services[0], how, after=2.0, report=report)
        await burst
        report["burst_seconds"] = round(time.monotonic() - started, 1)
    contacts = {"telegram": [str(c) for c in chats], "wechat": openids}.get(channel, phones)
    counted = await outcome(database_url, channel, contacts)
    if channel == "telegram":
        wire = wire_duplicates_telegram(botapi, chats)
    elif channel == "wechat":
        wire = wire_duplicates_wechat(wxapi, openids)
    else:
        wire = wire_duplicates_sms(gateway)
    print(f"\n{channel} {how}: {tally.acknowledged} acknowledged of {RESIDENTS * len(STEPS)} sent, "
          f"answers {dict(tally.answers)}, {counted}, duplicates on the wire {wire}, {report}")

    assert not tally.stuck, f"lost: {tally.stuck}"
    assert len(tally.finished) == RESIDENTS
    assert counted.stored == RESIDENTS * len(STEPS) == tally.acknowledged
    assert counted.processed == counted.stored and counted.unanswered == 0 and counted.answered_twice == 0
    assert counted.unsent == 0
    assert counted.tickets == RESIDENTS and counted.doubled_tickets == 0 and counted.contacts_without_ticket == 0
    assert len(set(tally.numbers.values())) == RESIDENTS
    if how == "term":
        # A drained process finished or gave back everything: nothing reaches the wire twice.
        assert report["exit_code"] == 0 and report["drain_seconds"] < 15
        assert wire == 0
    secrets = [p[-8:] for p in phones] + [o[-12:] for o in openids] + ["两位老人", "隆务镇"]
    for service in services:
        assert not private_lines(service.log_lines(), secrets), service.name
