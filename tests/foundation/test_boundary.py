"""What arrives from outside: deeply nested JSON is a 400, control characters never reach storage."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select

from bot.errors import ApiError, clean_text, loads_json
from bot.keys import SESSIONS
from bot.storage.models import InboxMessage
from tests.fakes import FakeGateway
from tests.helpers import signed

DEEP = b"[" * 100_000 + b"]" * 100_000


def test_clean_text_drops_controls_and_replaces_lone_surrogates() -> None:
    assert clean_text("a\x00b\x1bc\x7fd\x85e") == "abcde"
    assert clean_text("一\r\n二\r三\t四") == "一\n二\n三\t四"
    assert clean_text("x\ud800y") == "x\ufffdy"


def test_json_strings_and_keys_are_cleaned_and_depth_is_bounded() -> None:
    assert loads_json(b'{"t\\u0000":"a\\u0000b","l":["\\ud83d"]}') == {"t": "ab", "l": ["\ufffd"]}
    for raw in (DEEP, b'{"a":' * 40 + b"1" + b"}" * 40):
        with pytest.raises(ApiError) as refused:
            loads_json(raw)
        assert refused.value.status == 400 and refused.value.code == "too_deep"


@pytest.mark.parametrize("path", ["/sms/inbound", "/telegram/webhook", "/api/v1/ask", "/api/v1/screen"])
async def test_deeply_nested_json_is_a_400_everywhere(tg_client: TestClient, path: str) -> None:
    raw, headers = signed(DEEP)
    headers["X-Telegram-Bot-Api-Secret-Token"] = "test-webhook-secret"
    response = await tg_client.post(path, data=raw, headers=headers)
    assert response.status == 400
    assert "error" in await response.json()


async def test_a_nul_in_an_sms_is_stored_without_it_and_answered(client: TestClient, gateway: FakeGateway) -> None:
    raw, headers = signed({"message_id": "nul-1", "from": "+8613812340077", "to": "1069", "text": "菜\u0000单"})
    response = await client.post("/sms/inbound", data=raw, headers=headers)
    assert response.status == 200
    assert await gateway.wait_for("+8613812340077", 1)
    async with client.app[SESSIONS]() as session:
        stored = await session.scalar(select(InboxMessage.text).where(InboxMessage.channel == "sms",
                                                           InboxMessage.delivery_id == "nul-1"))
    assert stored == "菜单"
