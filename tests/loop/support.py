"""What the loop tests share: two service processes on one database, a movable clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from aiohttp.test_utils import TestClient

from bot.app import create_app
from bot.keys import SERVICES
from bot.settings import Settings
from bot.storage.models import utcnow


class Clock:
    """One clock for every app in a test; ``move`` advances it (no sleeps)."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or utcnow()

    def __call__(self) -> datetime:
        return self.now

    def move(self, **delta: float) -> None:
        self.now += timedelta(**delta)


async def two_apps(aiohttp_client: Callable[..., Any], settings: Settings,
                   clock: Clock) -> tuple[TestClient, TestClient]:
    """Two apps on one database, as two `minsheng serve` are; background jobs run only when told."""
    quiet = settings.model_copy(update={"escalation_interval_seconds": 3600.0, "loop_interval_seconds": 3600.0})
    first: TestClient = await aiohttp_client(create_app(quiet))
    second: TestClient = await aiohttp_client(create_app(quiet))
    for client in (first, second):
        client.app[SERVICES].clock = clock
    return first, second


async def stats_of(client: TestClient, token: str, county: str, month: str) -> dict[str, Any]:
    response = await client.get(f"/api/v1/stats?county={county}&month={month}",
                                headers={"Authorization": f"Bearer {token}"})
    assert response.status == 200, await response.text()
    body: dict[str, Any] = await response.json()
    return body
