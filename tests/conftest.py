"""Fixtures: a database per test (SQLite copy or a truncated PostgreSQL), Redis when configured,
the fake SMS gateway and the fake Telegram Bot API, and the service itself.

By default the suite runs on SQLite and the in-process state store. With
MINSHENG_TEST_DATABASE_URL (postgresql+asyncpg://…) and MINSHENG_TEST_REDIS_URL (redis://…)
set, it runs on a throw-away PostgreSQL database and on Redis (the Redis database is flushed).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from aiohttp.test_utils import TestClient
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot.app import create_app
from bot.settings import Settings, load_settings
from bot.storage.db import make_engine, upgrade
from bot.storage.models import Base
from tests.fakes import FakeBotApi, FakeGateway

SMS_SECRET = "test-sms-secret"
TELEGRAM_TOKEN = "123456:TESTabcdefghijklmnopqrstuvwxyz0123"
WEBHOOK_SECRET = "test-webhook-secret"

TEST_DATABASE_URL = os.environ.get("MINSHENG_TEST_DATABASE_URL") or None
TEST_REDIS_URL = os.environ.get("MINSHENG_TEST_REDIS_URL") or None


@pytest.fixture(autouse=True)
def _no_operator_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests configure the service explicitly; a developer's MINSHENG_* variables must not leak in."""
    for name in list(os.environ):
        if name.startswith("MINSHENG_") and not name.startswith("MINSHENG_TEST_"):
            monkeypatch.delenv(name)


async def _admin(url: str) -> asyncpg.Connection:
    parsed = make_url(url)
    return await asyncpg.connect(host=parsed.host or "127.0.0.1", port=parsed.port or 5432,
                                 user=parsed.username or "postgres", password=parsed.password,
                                 database=parsed.database or "postgres")


@pytest.fixture(scope="session")
def database_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated database made once: a SQLite file to copy, or a PostgreSQL database to truncate."""
    if TEST_DATABASE_URL:
        name = f"minsheng_test_{uuid.uuid4().hex[:10]}"

        async def create() -> None:
            conn = await _admin(TEST_DATABASE_URL)
            await conn.execute(f'CREATE DATABASE "{name}"')
            await conn.close()

        async def drop() -> None:
            conn = await _admin(TEST_DATABASE_URL)
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await conn.close()

        asyncio.run(create())
        url = make_url(TEST_DATABASE_URL).set(database=name).render_as_string(hide_password=False)
        upgrade(url)
        yield url
        asyncio.run(drop())
    else:
        path = tmp_path_factory.mktemp("template") / "template.db"
        url = f"sqlite+aiosqlite:///{path}"
        upgrade(url)
        yield url


@pytest.fixture
async def database_url(database_template: str, tmp_path: Path) -> str:
    if database_template.startswith("sqlite"):
        source = Path(make_url(database_template).database or "")
        target = tmp_path / "minsheng.db"
        shutil.copyfile(source, target)
        return f"sqlite+aiosqlite:///{target}"
    engine = make_engine(database_template)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    async with engine.begin() as conn:
        await conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    await engine.dispose()
    return database_template


@pytest.fixture
async def redis_url() -> AsyncIterator[str | None]:
    if TEST_REDIS_URL:
        client = Redis.from_url(TEST_REDIS_URL)
        await client.flushdb()
        await client.aclose()
    yield TEST_REDIS_URL


@pytest.fixture
def make_settings(database_url: str, redis_url: str | None) -> Callable[..., Settings]:
    def make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {"database_url": database_url, "redis_url": redis_url,
                                  "outbox_poll_seconds": 0.2, "outbox_max_backoff_seconds": 1.0}
        values.update(overrides)
        return load_settings(**values)
    return make


@pytest.fixture
async def gateway() -> AsyncIterator[FakeGateway]:
    fake = FakeGateway(SMS_SECRET)
    await fake.start()
    yield fake
    await fake.close()


@pytest.fixture
async def botapi() -> AsyncIterator[FakeBotApi]:
    fake = FakeBotApi()
    await fake.start()
    yield fake
    await fake.close()


@pytest.fixture
def sms_settings(make_settings: Callable[..., Settings], gateway: FakeGateway) -> Settings:
    return make_settings(sms_secret=SMS_SECRET, sms_gateway_url=gateway.url)


@pytest.fixture
async def client(aiohttp_client: Any, sms_settings: Settings) -> TestClient:
    """The whole service with SMS configured against the fake gateway."""
    return await aiohttp_client(create_app(sms_settings))


@pytest.fixture
def telegram_settings(make_settings: Callable[..., Settings], botapi: FakeBotApi, gateway: FakeGateway) -> Settings:
    return make_settings(telegram_token=TELEGRAM_TOKEN, telegram_mode="webhook", telegram_api_server=botapi.url,
                         telegram_webhook_secret=WEBHOOK_SECRET, public_url="https://minsheng.example",
                         sms_secret=SMS_SECRET, sms_gateway_url=gateway.url)


@pytest.fixture
async def tg_client(aiohttp_client: Any, telegram_settings: Settings) -> TestClient:
    """The service with Telegram in webhook mode against the fake Bot API (and SMS as above)."""
    return await aiohttp_client(create_app(telegram_settings))
