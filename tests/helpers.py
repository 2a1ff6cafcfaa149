"""Small helpers the tests share: signed SMS, Telegram updates."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from typing import Any

from aiohttp.test_utils import TestClient

from tests.conftest import SMS_SECRET, WEBHOOK_SECRET
from tests.fakes import FakeBotApi

_ids = itertools.count(1)


def signed(body: dict[str, Any] | bytes, secret: str = SMS_SECRET) -> tuple[bytes, dict[str, str]]:
    raw = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
    signature = hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
    return raw, {"X-Minsheng-Signature": signature, "Content-Type": "application/json"}


async def send_sms(client: TestClient, phone: str, text: str, message_id: str | None = None) -> Any:
    raw, headers = signed({"message_id": message_id or f"t-{next(_ids)}-{time.monotonic_ns()}", "from": phone,
                           "to": "106900001234", "text": text})
    response = await client.post("/sms/inbound", data=raw, headers=headers)
    return response


def tg_update(chat_id: int, text: str | None = None, callback: str | None = None,
              photo: str | None = None, caption: str | None = None) -> dict[str, Any]:
    uid = next(_ids) + 10_000
    user = {"id": chat_id, "is_bot": False, "first_name": "居民", "language_code": "zh-hans"}
    chat = {"id": chat_id, "type": "private"}
    if callback is not None:
        return {"update_id": uid, "callback_query": {
            "id": str(uid), "from": user, "chat_instance": "ci", "data": callback,
            "message": {"message_id": uid, "date": int(time.time()), "chat": chat, "text": "…"}}}
    message: dict[str, Any] = {"message_id": uid, "date": int(time.time()), "chat": chat, "from": user}
    if photo:
        message["photo"] = [{"file_id": photo, "file_unique_id": photo + "u", "width": 90, "height": 90}]
        if caption:
            message["caption"] = caption
    else:
        message["text"] = text or ""
        if text and text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    return {"update_id": uid, "message": message}


async def send_tg(client: TestClient, update: dict[str, Any], secret: str = WEBHOOK_SECRET) -> Any:
    return await client.post("/telegram/webhook", json=update,
                             headers={"X-Telegram-Bot-Api-Secret-Token": secret})


async def tg_say(client: TestClient, botapi: FakeBotApi, update: dict[str, Any], chat: int) -> dict[str, Any]:
    """Sends one update to the webhook and returns the message the bot sent back."""
    before = len(botapi.sent(chat))
    response = await send_tg(client, update)
    assert response.status == 200
    sent = await botapi.wait_sent(chat, before + 1)
    assert len(sent) == before + 1, f"no reply to {update}"
    return sent[-1]


def buttons(message: dict[str, Any]) -> dict[str, str]:
    """A sent message's inline keyboard as label → callback data."""
    markup = message.get("reply_markup") or {}
    return {b["text"]: b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row}
