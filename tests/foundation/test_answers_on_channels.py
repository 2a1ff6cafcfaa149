"""The same question gets each place's own figure and source on every channel, never another's."""

from __future__ import annotations

import re

import pytest
from aiohttp.test_utils import TestClient

from tests.fakes import FakeBotApi, FakeGateway
from tests.helpers import send_sms, send_tg, tg_update

# (region, question, the place's figure, its document, figures of other places that must not appear)
CASES = [
    ("正安县", "低保标准是多少", "3876", "正府办通〔2018〕150号", ["7920", "600"]),
    ("城厢区", "低保标准是多少", "7920", "莆城政办〔2020〕21号", ["3876", "570"]),
    ("通伏乡", "急难型临时救助标准", "1200", "通伏乡2021年帮扶解困工作实施方案", ["1500", "7920"]),
    ("临夏县", "低收入家庭标准", "1.5倍", "临夏州关于保基本民生的工作方案", ["2倍"]),
]
UNPUBLISHED = ("黄渠桥镇", "低保标准是多少", ["600", "3876", "7920", "1200"])


def figures_ok(text: str, figure: str, document: str, foreign: list[str]) -> None:
    flat = text.replace(",", "")
    assert figure in flat, text
    assert document in text, text
    for other in foreign:
        assert not re.search(rf"(?<![\d.]){re.escape(other)}(?![\d])", flat), (other, text)


@pytest.mark.parametrize(("region", "question", "figure", "document", "foreign"), CASES)
async def test_api_answers_with_the_places_own_figure(client: TestClient, region: str, question: str,
                                                      figure: str, document: str, foreign: list[str]) -> None:
    body = await (await client.post("/api/v1/ask", json={"text": question, "region": region})).json()
    assert body["answered"] is True
    cited = " ".join(f"{s['document']} {s['section']}" for s in body["sources"])
    figures_ok(body["answer"] + " " + cited, figure, document, foreign)


@pytest.mark.parametrize(("region", "question", "figure", "document", "foreign"), CASES)
async def test_sms_answers_with_the_places_own_figure(client: TestClient, gateway: FakeGateway, region: str,
                                                      question: str, figure: str, document: str,
                                                      foreign: list[str]) -> None:
    phone = f"+86137{abs(hash(region)) % 10**8:08d}"
    for step, text in enumerate((region, question), 1):
        await send_sms(client, phone, text)
        await gateway.wait_for(phone, step)
    said = gateway.to(phone)[-1]["text"]
    pages = [said]
    while "回复 更多" in pages[-1] and len(pages) < 6:
        await send_sms(client, phone, "更多")
        pages.append((await gateway.wait_for(phone, len(gateway.to(phone)) + 1))[-1]["text"])
    figures_ok(" ".join(pages), figure, document, foreign)


@pytest.mark.parametrize(("region", "question", "figure", "document", "foreign"), CASES)
async def test_telegram_answers_with_the_places_own_figure(tg_client: TestClient, botapi: FakeBotApi, region: str,
                                                           question: str, figure: str, document: str,
                                                           foreign: list[str]) -> None:
    chat = 8000 + abs(hash(region)) % 1000
    for step, text in enumerate((region, question), 1):
        await send_tg(tg_client, tg_update(chat, text))
        await botapi.wait_sent(chat, step)
    figures_ok(botapi.sent(chat)[-1]["text"], figure, document, foreign)


async def test_a_place_that_published_nothing_says_so_and_offers_a_request(client: TestClient,
                                                                           gateway: FakeGateway) -> None:
    region, question, foreign = UNPUBLISHED
    body = await (await client.post("/api/v1/ask", json={"text": question, "region": region})).json()
    assert body["answered"] is False and "未公布" in body["answer"] and "求助" in body["answer"]
    phone = "+8613600000009"
    for step, text in enumerate((region, question), 1):
        await send_sms(client, phone, text)
        await gateway.wait_for(phone, step)
    said = gateway.to(phone)[-1]["text"]
    assert "未公布" in said and "求助" in said
    for text in (body["answer"], said):
        assert not any(figure in text for figure in foreign), text
