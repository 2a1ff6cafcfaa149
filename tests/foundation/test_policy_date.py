"""The policy date is the date in China: at 01:00 on 1 January in China (still 31 December in UTC) a figure
that changes on 1 January is already the new one, in answers, in screening and over SMS."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from aiohttp.test_utils import TestClient

from bot.keys import SERVICES
from knowledge_base import KnowledgeBase, Parameters, Source
from knowledge_base.dates import china_today
from knowledge_base.parameters import ValueEntry
from knowledge_base.screening import Screener
from tests.fakes import FakeGateway
from tests.tickets.support import converse

ZHENGAN = "520324"
NEW_YEAR_IN_CHINA = datetime(2025, 12, 31, 17, 0, tzinfo=UTC)  # 2026-01-01 01:00 in China
EVE_IN_CHINA = datetime(2025, 12, 31, 15, 0, tzinfo=UTC)  # 2025-12-31 23:00 in China
OLD, NEW = 3876, 4500


def raised_on_new_year() -> tuple[KnowledgeBase, Parameters]:
    """The packaged knowledge base, with 正安县's rural 低保 standard raised to 4500 from 2026-01-01."""
    packaged = KnowledgeBase.load()
    raised = ValueEntry(date(2026, 1, 1), NEW, Source("测试文件", "一"), previous=OLD)
    parameters = Parameters([replace(p, values=(*p.values, raised))
                             if (p.path, p.jurisdiction_code) == ("dibao.standard.rural", ZHENGAN) else p
                             for p in packaged.parameters], packaged.places)
    return KnowledgeBase(list(packaged.articles.values()), parameters, packaged.index, packaged.semantic), parameters


@pytest.fixture
def at(client: TestClient) -> Callable[[datetime], None]:
    """Sets the service's clock and gives it the knowledge base with the new-year figure."""
    kb, parameters = raised_on_new_year()
    services = client.app[SERVICES]
    services.kb, services.screening = kb, Screener(parameters)

    def set_clock(moment: datetime) -> None:
        services.clock = lambda: moment
    return set_clock


def test_today_in_china_is_ahead_of_utc_between_midnight_and_eight() -> None:
    assert china_today(NEW_YEAR_IN_CHINA) == date(2026, 1, 1)
    assert china_today(EVE_IN_CHINA) == date(2025, 12, 31)
    assert china_today(datetime(2026, 1, 1, 16, 0, tzinfo=UTC)) == date(2026, 1, 2)


async def ask(client: TestClient) -> str:
    response = await client.post("/api/v1/ask", json={"text": "农村低保标准是多少", "region": "正安县"})
    assert response.status == 200
    return str((await response.json())["answer"])


async def dibao_amount(client: TestClient) -> str:
    response = await client.post("/api/v1/screen", json={"region": "正安县", "residence": "rural",
                                                         "household": {"size": 1, "annual_income": 4000}})
    assert response.status == 200
    [dibao] = [r for r in (await response.json())["results"] if r["program"] == "dibao"]
    return f"{dibao['verdict']} {dibao['amount']}"


async def test_at_one_in_the_morning_on_new_year_the_answer_and_screening_use_the_new_figure(
        client: TestClient, gateway: FakeGateway, at: Callable[[datetime], None]) -> None:
    at(EVE_IN_CHINA)
    answer = await ask(client)
    assert str(OLD) in answer and str(NEW) not in answer
    assert (await dibao_amount(client)).startswith("unlikely")  # 4000 a year is above 3876

    at(NEW_YEAR_IN_CHINA)
    assert str(NEW) in await ask(client)
    after = await dibao_amount(client)
    assert after.startswith("likely") and str(NEW) in after  # and below 4500
    phone = "+8613812340095"
    await converse(client, gateway, phone, "正安县")
    assert str(NEW) in await converse(client, gateway, phone, "农村低保标准是多少")
