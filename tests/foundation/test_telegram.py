"""Telegram through a real aiogram Bot talking to a fake Bot API server on loopback."""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select

from bot.app import create_app
from bot.keys import SESSIONS
from bot.settings import Settings
from bot.storage.models import Ticket
from tests.conftest import TELEGRAM_TOKEN
from tests.fakes import FakeBotApi
from tests.helpers import buttons, send_tg, tg_say, tg_update

CHAT = 7001


async def say(client: TestClient, botapi: FakeBotApi, update: dict[str, Any], chat: int = CHAT) -> dict[str, Any]:
    return await tg_say(client, botapi, update, chat)


async def test_webhook_is_registered_with_the_secret_token(tg_client: TestClient, botapi: FakeBotApi) -> None:
    hooks = [f for m, f in botapi.calls if m == "setWebhook"]
    assert hooks and hooks[-1]["url"] == "https://minsheng.example/telegram/webhook"
    assert hooks[-1]["secret_token"] == "test-webhook-secret"


async def test_resident_walks_through_telegram_with_buttons(tg_client: TestClient, botapi: FakeBotApi) -> None:
    menu = await say(tg_client, botapi, tg_update(CHAT, "/start"))
    assert "民生助手" in menu["text"]
    assert set(buttons(menu).values()) >= {"ask", "screen", "help", "status", "region"}

    said = await say(tg_client, botapi, tg_update(CHAT, "同仁市"))
    assert "已设置地区：同仁市" in said["text"]

    said = await say(tg_client, botapi, tg_update(CHAT, "临时救助多久答复？"))
    assert "12" in said["text"] and "来源" in said["text"]

    # Guided request by buttons.
    said = await say(tg_client, botapi, tg_update(CHAT, callback="help"))
    assert "哪个乡镇" in said["text"]
    said = await say(tg_client, botapi, tg_update(CHAT, "隆务镇"))
    categories = buttons(said)
    said = await say(tg_client, botapi, tg_update(CHAT, callback=categories["住房安全"]))
    said = await say(tg_client, botapi, tg_update(CHAT, photo="photo-file-1", caption="房子漏雨，墙裂了"))
    assert "请确认" in said["text"]
    said = await say(tg_client, botapi, tg_update(CHAT, callback=buttons(said)["确认提交"]))
    number = re.search(r"编号 (\d+)（隆务镇）", said["text"])
    assert number, said["text"]

    said = await say(tg_client, botapi, tg_update(CHAT, "求助 保安镇 孩子上学没有路费"))
    assert re.search(r"编号 \d+（保安镇）", said["text"])

    said = await say(tg_client, botapi, tg_update(CHAT, f"/status {number.group(1)}"))
    assert number.group(1) in said["text"] and "待受理" in said["text"]

    async with tg_client.app[SESSIONS]() as session:
        ticket = await session.scalar(select(Ticket).where(Ticket.number == number.group(1)))
    assert ticket is not None
    assert (ticket.channel, ticket.contact, ticket.category) == ("telegram", str(CHAT), "housing")
    assert ticket.attachments == [{"kind": "photo", "ref": "photo-file-1"}]


async def test_a_redelivered_update_is_handled_once(tg_client: TestClient, botapi: FakeBotApi) -> None:
    update = tg_update(CHAT, "求助 隆务镇 家里老人生病")
    for _ in range(3):
        assert (await send_tg(tg_client, update)).status == 200
    await botapi.wait_sent(CHAT, 1)
    await asyncio.sleep(0.5)
    assert len(botapi.sent(CHAT)) == 1
    async with tg_client.app[SESSIONS]() as session:
        assert len(list(await session.scalars(select(Ticket)))) == 1


async def test_wrong_secret_and_malformed_updates_are_refused_without_logging_text(
        tg_client: TestClient, botapi: FakeBotApi, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    private = "身份证620000199001011234"
    response = await send_tg(tg_client, tg_update(CHAT, private), secret="wrong")
    assert response.status == 401
    response = await tg_client.post("/telegram/webhook", json=tg_update(CHAT, private))
    assert response.status == 401
    response = await tg_client.post("/telegram/webhook", data=b"{oops",
                                    headers={"X-Telegram-Bot-Api-Secret-Token": "test-webhook-secret"})
    assert response.status == 400
    await asyncio.sleep(0.3)
    assert not botapi.sent(CHAT)
    logged = "\n".join(r.getMessage() + str(r.__dict__) for r in caplog.records)
    assert "620000199001011234" not in logged and "telegram.webhook_bad_secret" in logged


async def test_english_speakers_get_english(tg_client: TestClient, botapi: FakeBotApi) -> None:
    update = tg_update(CHAT + 1, "/start")
    update["message"]["from"]["language_code"] = "en"
    said = await say(tg_client, botapi, update, chat=CHAT + 1)
    assert "Minsheng" in said["text"] and "Help request" in " ".join(buttons(said))


async def test_long_polling_answers_updates(aiohttp_client: Any, make_settings: Any, botapi: FakeBotApi) -> None:
    settings: Settings = make_settings(telegram_token=TELEGRAM_TOKEN, telegram_mode="polling",
                                       telegram_api_server=botapi.url)
    botapi.updates.append(tg_update(CHAT + 2, "/start"))
    client = await aiohttp_client(create_app(settings))
    sent = await botapi.wait_sent(CHAT + 2, 1)
    assert sent and "民生助手" in sent[0]["text"]
    assert any(m == "deleteWebhook" for m, _ in botapi.calls)
    await client.close()
