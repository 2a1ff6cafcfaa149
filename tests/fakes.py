"""Real HTTP servers on loopback standing in for what is outside the machine.

``FakeGateway`` speaks the generic SMS gateway protocol (and checks our signatures);
``FakeBotApi`` answers the Telegram Bot API methods aiogram calls, and records them.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import itertools
import json
import time
from collections.abc import Callable
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer


async def wait_until(changed: asyncio.Condition, done: Callable[[], bool], timeout: float) -> None:
    """Waits until ``done()`` holds, re-checking each time the fake records something."""
    deadline = time.monotonic() + timeout
    async with changed:
        while not done() and time.monotonic() < deadline:
            try:
                await asyncio.wait_for(changed.wait(), deadline - time.monotonic())
            except TimeoutError:
                break


class LoopbackServer:
    """An aiohttp app on 127.0.0.1 that a test starts, addresses and closes."""

    def __init__(self, app: web.Application) -> None:
        self.server = TestServer(app, host="127.0.0.1")

    async def start(self) -> None:
        await self.server.start_server()

    async def close(self) -> None:
        await self.server.close()


class FakeGateway(LoopbackServer):
    """An SMS gateway: accepts signed outbound messages, answers 503 to everything while ``down``,
    and a 4xx of choice for the numbers in ``rejects`` (last 11 digits → status)."""

    def __init__(self, secret: str) -> None:
        self.secret = secret
        self.sent: list[dict[str, Any]] = []
        self.refused = 0
        self.bad_signatures = 0
        self.down = False
        self.rejects: dict[str, int] = {}
        self._changed = asyncio.Condition()
        app = web.Application()
        app.router.add_post("/send", self._send)
        super().__init__(app)

    @property
    def url(self) -> str:
        return str(self.server.make_url("/send"))

    async def _send(self, request: web.Request) -> web.Response:
        raw = await request.read()
        if self.down:
            self.refused += 1
            return web.Response(status=503)
        expected = hmac.new(self.secret.encode(), raw, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(request.headers.get("X-Minsheng-Signature", ""), expected):
            self.bad_signatures += 1
            return web.Response(status=401)
        reject = self.rejects.get("".join(ch for ch in json.loads(raw)["to"] if ch.isdigit())[-11:])
        if reject:
            self.refused += 1
            return web.json_response({"error": "invalid number"}, status=reject)
        async with self._changed:
            self.sent.append(json.loads(raw))
            self._changed.notify_all()
        return web.json_response({"ok": True})

    def to(self, phone: str) -> list[dict[str, Any]]:
        tail = "".join(ch for ch in phone if ch.isdigit())[-11:]
        return [m for m in self.sent if "".join(ch for ch in m["to"] if ch.isdigit())[-11:] == tail]

    async def wait_for(self, phone: str, count: int, timeout: float = 10.0) -> list[dict[str, Any]]:
        """The messages sent to ``phone`` once there are at least ``count`` (or what came in time)."""
        await wait_until(self._changed, lambda: len(self.to(phone)) >= count, timeout)
        return self.to(phone)

    def delivered(self, phone: str) -> list[dict[str, Any]]:
        """What reaches the phone from a gateway that drops a ``ref`` it has already sent."""
        first: dict[str, dict[str, Any]] = {}
        for message in self.to(phone):
            first.setdefault(message["ref"], message)
        return list(first.values())

    async def until(self, done: Callable[[], bool], timeout: float) -> None:
        await wait_until(self._changed, done, timeout)


class FakeBotApi(LoopbackServer):
    """The Telegram Bot API at /bot<token>/<method>: records calls, serves queued updates.

    While ``down`` every method answers 502 (as Telegram's front does when it is unwell); a chat
    in ``refuse`` gets Telegram's error for it (403 "bot was blocked by the user", 400 "chat not
    found"). Refused calls are counted in ``refused``, not recorded as calls.
    """

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.updates: list[dict[str, Any]] = []
        self.down = False
        self.refuse: dict[int, tuple[int, str]] = {}
        self.refused = 0
        self._ids = itertools.count(1000)
        self._changed = asyncio.Condition()
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        super().__init__(app)

    @property
    def url(self) -> str:
        return str(self.server.make_url("")).rstrip("/")

    async def _fields(self, request: web.Request) -> dict[str, Any]:
        if not request.can_read_body:
            return {}
        if request.content_type.startswith("multipart/"):
            fields: dict[str, Any] = {}
            async for part in await request.multipart():
                fields[part.name or ""] = (await part.read(decode=True)).decode("utf-8", "replace")  # type: ignore[union-attr]
            return fields
        if request.content_type == "application/json":
            return dict(await request.json())
        return dict(await request.post())

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        fields = await self._fields(request)
        for key in ("reply_markup", "chat_id", "reply_to_message_id"):
            if isinstance(fields.get(key), str) and fields[key][:1] in "{[-0123456789":
                with contextlib.suppress(ValueError):
                    fields[key] = json.loads(fields[key])
        if self.down:
            self.refused += 1
            return web.Response(status=502, text="Bad Gateway")
        refusal = self.refuse.get(int(fields.get("chat_id") or 0))
        if refusal and method.startswith("send"):
            self.refused += 1
            return web.json_response({"ok": False, "error_code": refusal[0], "description": refusal[1]},
                                     status=refusal[0])
        result: Any = True
        if method == "getMe":
            result = {"id": 42, "is_bot": True, "first_name": "Minsheng", "username": "minsheng_bot"}
        elif method in ("sendMessage", "sendPhoto", "editMessageText"):
            chat_id = fields.get("chat_id", 0)
            result = {"message_id": next(self._ids), "date": int(time.time()),
                      "chat": {"id": int(chat_id), "type": "private" if int(chat_id) > 0 else "supergroup"},
                      "text": fields.get("text", "")}
        elif method == "getUpdates":
            offset = int(fields.get("offset", 0) or 0)
            result = [u for u in self.updates if u["update_id"] >= offset]
            if not result:
                await asyncio.sleep(0.05)
        elif method == "getWebhookInfo":
            result = {"url": "", "has_custom_certificate": False, "pending_update_count": 0}
        async with self._changed:
            self.calls.append((method, fields))
            self._changed.notify_all()
        return web.json_response({"ok": True, "result": result})

    def sent(self, chat_id: int | None = None) -> list[dict[str, Any]]:
        return [f for m, f in self.calls if m == "sendMessage" and (chat_id is None or int(f["chat_id"]) == chat_id)]

    async def wait_sent(self, chat_id: int, count: int, timeout: float = 10.0) -> list[dict[str, Any]]:
        await wait_until(self._changed, lambda: len(self.sent(chat_id)) >= count, timeout)
        return self.sent(chat_id)

    async def until(self, done: Callable[[], bool], timeout: float) -> None:
        await wait_until(self._changed, done, timeout)
