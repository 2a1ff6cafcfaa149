"""PostgreSQL or Redis unavailable for a while: 503 with Retry-After (never 500), nothing lost or doubled.

The outage is a private server of the test's own (tests/durability/private.py), stopped and
started again while residents walk the guided request over SMS and Telegram.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from bot.app import create_app
from bot.settings import Settings
from tests.conftest import TEST_DATABASE_URL
from tests.durability.drive import (
    STEPS,
    Sender,
    Tally,
    outcome,
    run_residents,
    sms_resident,
    telegram_resident,
)
from tests.durability.private import PrivatePostgres, PrivateRedis
from tests.fakes import FakeBotApi, FakeGateway
from tests.helpers import send_sms
from tests.tickets.support import LONGWU, add_staff, bearer

RESIDENTS = 10  # on each channel


@pytest.fixture
async def private_postgres() -> AsyncIterator[PrivatePostgres]:
    if not TEST_DATABASE_URL:
        pytest.skip("runs in the PostgreSQL pass (MINSHENG_TEST_DATABASE_URL): the outage is a PostgreSQL one")
    try:
        server = PrivatePostgres()
    except LookupError as exc:
        pytest.skip(str(exc))
    await server.create()
    try:
        yield server
    finally:
        await server.remove()


@pytest.fixture
async def private_redis() -> AsyncIterator[PrivateRedis]:
    try:
        server = PrivateRedis()
    except LookupError as exc:
        pytest.skip(str(exc))
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


async def answer(http: aiohttp.ClientSession, method: str, url: str, **kwargs: Any) -> tuple[int, str | None]:
    async with http.request(method, url, **kwargs) as response:
        await response.read()
        return response.status, response.headers.get("Retry-After")


@pytest.mark.slow
async def test_a_database_outage_is_503_and_loses_nothing(
        private_postgres: PrivatePostgres, telegram_settings: Settings, gateway: FakeGateway,
        botapi: FakeBotApi) -> None:
    settings = telegram_settings.model_copy(update={"database_url": private_postgres.url,
                                                    "inbox_lease_seconds": 4.0, "outbox_lease_seconds": 4.0,
                                                    "inbox_poll_seconds": 0.3})
    app = create_app(settings)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    base = str(server.make_url("")).rstrip("/")
    token = await add_staff(app, "longwu", township=LONGWU)
    tally = Tally()
    chats = [820_000 + n for n in range(RESIDENTS)]
    phones = [f"+86136{n:08d}" for n in range(RESIDENTS)]
    during: dict[str, tuple[int, str | None]] = {}
    try:
        async with aiohttp.ClientSession() as http:
            sender = Sender(http, [base], tally)

            async def resident(n: int) -> None:
                if n % 2:
                    await telegram_resident(sender, botapi, chats[n // 2], tally, step_timeout=60)
                else:
                    await sms_resident(sender, gateway, phones[n // 2], tally, step_timeout=60)

            burst = asyncio.create_task(run_residents(resident, 2 * RESIDENTS, spread=2.0))
            await asyncio.sleep(1.5)
            await private_postgres.stop()
            await asyncio.sleep(1.0)
            during["staff api"] = await answer(http, "GET", base + "/api/v1/tickets", headers=bearer(token))
            during["healthz"] = await answer(http, "GET", base + "/healthz")
            await asyncio.sleep(6.0)
            await private_postgres.start()
            back = time.monotonic()
            await burst
            finished = time.monotonic()
    finally:
        await server.close()
    sms, telegram = (await outcome(private_postgres.url, "sms", phones),
                     await outcome(private_postgres.url, "telegram", [str(c) for c in chats]))
    first = min((t for t in tally.acknowledged_at if t >= back), default=float("nan"))
    print(f"\npostgres outage: answers {dict(tally.answers)}, during {during}, sms {sms}, telegram {telegram}; "
          f"first acknowledgement {first - back:.2f} s after PostgreSQL was back, "
          f"all done {finished - back:.1f} s after")

    assert all(status == 503 and retry for status, retry in during.values()), during
    assert tally.answers["503"] > 0 and tally.answers["500"] == 0
    assert not tally.stuck and len(tally.finished) == 2 * RESIDENTS
    for counted in (sms, telegram):
        assert counted.stored == counted.processed == RESIDENTS * len(STEPS)
        assert counted.unanswered == counted.answered_twice == counted.unsent == 0
        assert counted.tickets == RESIDENTS and counted.doubled_tickets == counted.contacts_without_ticket == 0
    assert tally.acknowledged == 2 * RESIDENTS * len(STEPS)


async def test_a_redis_outage_stops_only_what_needs_redis(
        private_redis: PrivateRedis, aiohttp_client: Any, sms_settings: Settings, gateway: FakeGateway) -> None:
    """Residents' messages never need Redis; the console's sessions do, and say 503 while it is gone."""
    client = await aiohttp_client(create_app(sms_settings.model_copy(update={"redis_url": private_redis.url})))
    token = await add_staff(client.app, "longwu", township=LONGWU)
    await private_redis.stop()

    response = await client.get("/console/", cookies={"minsheng_console": "a-session-id"})
    assert response.status == 503 and response.headers.get("Retry-After")
    assert (await response.json())["error"]["code"] == "unavailable"
    response = await client.get("/healthz")
    assert response.status == 503 and (await response.json())["checks"]["state"] != "ok"
    assert (await send_sms(client, "+8613600099999", "求助 隆务镇 家里老人生病")).status == 200
    assert len(await gateway.wait_for("+8613600099999", 1)) == 1
    assert (await client.get("/api/v1/tickets", headers=bearer(token))).status == 200

    await private_redis.start()
    response = await client.get("/console/", cookies={"minsheng_console": "a-session-id"})
    assert response.status == 200  # the sign-in page: Redis answers again, the session is unknown


def test_an_outage_is_told_apart_from_a_defect() -> None:
    """An outage is a 503 and is retried without counting; a defect is a 500 and counts."""
    import asyncpg
    from redis.exceptions import ConnectionError as RedisConnectionError
    from sqlalchemy.exc import DBAPIError, OperationalError

    from bot.errors import is_unavailable

    wrapped = DBAPIError("SELECT 1", {}, ConnectionResetError(), connection_invalidated=True)
    for outage in (ConnectionRefusedError(), TimeoutError(), OSError("Multiple exceptions: [Errno 111]"),
                   OperationalError("SELECT 1", {}, Exception("database is locked")), wrapped,
                   asyncpg.CannotConnectNowError("the database system is starting up"), RedisConnectionError()):
        assert is_unavailable(outage), outage
    try:
        try:
            raise ConnectionRefusedError()
        except ConnectionRefusedError as cause:
            raise RuntimeError("storing failed") from cause
    except RuntimeError as chained:
        assert is_unavailable(chained)
    for defect in (ValueError(), KeyError("x"), FileNotFoundError("locales"), PermissionError()):
        assert not is_unavailable(defect), defect
