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


class FakeWeChatApi(LoopbackServer):
    """The WeChat API server (api.weixin.qq.com) as the 服务号 uses it: ``/cgi-bin/token`` hands out
    tokens (counted in ``fetched``; a new one replaces the old, as WeChat's does), 客服消息 at
    ``/cgi-bin/message/custom/send`` are recorded per openid. A stale token gets errcode 40001;
    ``answers`` maps an openid to an errcode to answer for it (45015 outside the 48 hours, …)."""

    def __init__(self, app_id: str, secret: str) -> None:
        self.app_id, self.secret = app_id, secret
        self.fetched = 0
        self.token = ""
        self.sent: list[dict[str, Any]] = []
        self.menus: list[dict[str, Any]] = []
        self.answers: dict[str, int] = {}
        self.stale = 0
        self._changed = asyncio.Condition()
        app = web.Application()
        app.router.add_get("/cgi-bin/token", self._token)
        app.router.add_post("/cgi-bin/message/custom/send", self._custom_send)
        app.router.add_post("/cgi-bin/menu/create", self._menu)
        super().__init__(app)

    @property
    def url(self) -> str:
        return str(self.server.make_url("")).rstrip("/")

    async def _token(self, request: web.Request) -> web.Response:
        query = request.query
        if query.get("grant_type") != "client_credential" or query.get("appid") != self.app_id \
                or query.get("secret") != self.secret:
            return web.json_response({"errcode": 40125, "errmsg": "invalid appsecret"})
        self.fetched += 1
        self.token = f"TOKEN-{self.fetched}-{time.monotonic_ns()}"
        return web.json_response({"access_token": self.token, "expires_in": 7200})

    def expire_token(self) -> None:
        """As if WeChat had replaced the token (another fetch, or it ran out early)."""
        self.token = "expired-" + self.token

    async def _custom_send(self, request: web.Request) -> web.Response:
        if request.query.get("access_token") != self.token:
            self.stale += 1
            return web.json_response({"errcode": 40001, "errmsg": "invalid credential, access_token is invalid"})
        body = await request.json()
        if body.get("msgtype") != "text" or not isinstance(body.get("text"), dict) or not body.get("touser"):
            return web.json_response({"errcode": 40008, "errmsg": "invalid message type"})
        answer = self.answers.get(body["touser"])
        if answer:
            return web.json_response({"errcode": answer, "errmsg": "refused by the fake"})
        async with self._changed:
            self.sent.append(body)
            self._changed.notify_all()
        return web.json_response({"errcode": 0, "errmsg": "ok"})

    async def _menu(self, request: web.Request) -> web.Response:
        if request.query.get("access_token") != self.token:
            return web.json_response({"errcode": 40001, "errmsg": "invalid credential"})
        self.menus.append(await request.json())
        return web.json_response({"errcode": 0, "errmsg": "ok"})

    def to(self, openid: str) -> list[str]:
        return [m["text"]["content"] for m in self.sent if m["touser"] == openid]

    async def wait_for(self, openid: str, count: int, timeout: float = 10.0) -> list[str]:
        await wait_until(self._changed, lambda: len(self.to(openid)) >= count, timeout)
        return self.to(openid)

    async def until(self, done: Callable[[], bool], timeout: float) -> None:
        await wait_until(self._changed, done, timeout)


def aliyun_rpc_signature(secret: str, params: dict[str, str]) -> str:
    """The platform's RPC signature v1, written here from its documentation, independently of bot/."""
    import base64
    from urllib.parse import quote

    def enc(value: str) -> str:
        return quote(value, safe="").replace("+", "%20").replace("*", "%2A").replace("%7E", "~")

    query = "&".join(f"{enc(k)}={enc(v)}" for k, v in sorted(params.items()) if k != "Signature")
    string_to_sign = "POST&%2F&" + enc(query)
    return base64.b64encode(hmac.new((secret + "&").encode(), string_to_sign.encode(), hashlib.sha1).digest()).decode()


class FakeAliyunSms(LoopbackServer):
    """Aliyun 短信服务's SendSms at ``/``: checks the signature and the signature name and template,
    records what it would send (``sent``: phone, text from TemplateParam, OutId, BizId); numbers in
    ``rejects`` get isv.MOBILE_NUMBER_ILLEGAL, and while ``throttled`` everything gets
    isv.BUSINESS_LIMIT_CONTROL."""

    def __init__(self, key_id: str, secret: str, sign_name: str, template: str) -> None:
        self.key_id, self.secret, self.sign_name, self.template = key_id, secret, sign_name, template
        self.sent: list[dict[str, Any]] = []
        self.bad_signatures = 0
        self.rejects: set[str] = set()
        self.throttled = False
        self._biz = itertools.count(900_000)
        self._changed = asyncio.Condition()
        app = web.Application()
        app.router.add_post("/", self._send)
        super().__init__(app)

    @property
    def url(self) -> str:
        return str(self.server.make_url("")).rstrip("/")

    async def _send(self, request: web.Request) -> web.Response:
        params = {k: v for k, v in (await request.post()).items() if isinstance(v, str)}
        request_id = f"REQ{next(self._biz)}"
        if params.get("AccessKeyId") != self.key_id or \
                not hmac.compare_digest(params.get("Signature", ""), aliyun_rpc_signature(self.secret, params)):
            self.bad_signatures += 1
            return web.json_response({"Code": "SignatureDoesNotMatch", "Message": "bad signature",
                                      "RequestId": request_id}, status=400)
        if params.get("Action") != "SendSms" or params.get("SignName") != self.sign_name \
                or params.get("TemplateCode") != self.template:
            return web.json_response({"Code": "isv.SMS_TEMPLATE_ILLEGAL", "Message": "bad template",
                                      "RequestId": request_id})
        if self.throttled:
            return web.json_response({"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "触发分钟级流控Permits:1",
                                      "RequestId": request_id})
        phone = params.get("PhoneNumbers", "")
        if phone in self.rejects:
            return web.json_response({"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": "非法手机号",
                                      "RequestId": request_id})
        biz_id = f"{next(self._biz)}^0"
        async with self._changed:
            self.sent.append({"phone": phone, "text": json.loads(params["TemplateParam"])["content"],
                              "out_id": params.get("OutId"), "biz_id": biz_id})
            self._changed.notify_all()
        return web.json_response({"Code": "OK", "Message": "OK", "BizId": biz_id, "RequestId": request_id})

    def to(self, phone: str) -> list[dict[str, Any]]:
        tail = "".join(ch for ch in phone if ch.isdigit())[-11:]
        return [m for m in self.sent if m["phone"][-11:] == tail]

    async def wait_for(self, phone: str, count: int, timeout: float = 10.0) -> list[dict[str, Any]]:
        await wait_until(self._changed, lambda: len(self.to(phone)) >= count, timeout)
        return self.to(phone)


class FakeWeComRobot(LoopbackServer):
    """企业微信 group robots at ``/cgi-bin/webhook/send?key=…``: records each markdown post with its
    time; more than ``per_minute`` posts to one key within 60 s get errcode 45009, as the platform
    answers; an unknown key gets 93000."""

    def __init__(self, keys: set[str], per_minute: int = 20) -> None:
        self.keys = keys
        self.per_minute = per_minute
        self.posts: list[tuple[float, str, str]] = []
        self.limited = 0
        self._changed = asyncio.Condition()
        app = web.Application()
        app.router.add_post("/cgi-bin/webhook/send", self._send)
        super().__init__(app)

    @property
    def url(self) -> str:
        return str(self.server.make_url("")).rstrip("/")

    async def _send(self, request: web.Request) -> web.Response:
        key = request.query.get("key", "")
        if key not in self.keys:
            return web.json_response({"errcode": 93000, "errmsg": "invalid webhook url"})
        body = await request.json()
        markdown = body.get("markdown") if body.get("msgtype") == "markdown" else None
        content = markdown.get("content") if isinstance(markdown, dict) else None
        if not isinstance(content, str) or not content or len(content.encode()) > 4096:
            return web.json_response({"errcode": 40058, "errmsg": "markdown.content exceed max length or empty"})
        now = time.monotonic()
        if sum(1 for at, k, _ in self.posts if k == key and now - at < 60) >= self.per_minute:
            self.limited += 1
            return web.json_response({"errcode": 45009, "errmsg": "api freq out of limit"})
        async with self._changed:
            self.posts.append((now, key, content))
            self._changed.notify_all()
        return web.json_response({"errcode": 0, "errmsg": "ok"})

    def contents(self, key: str) -> list[str]:
        return [c for _, k, c in self.posts if k == key]

    async def until(self, done: Callable[[], bool], timeout: float) -> None:
        await wait_until(self._changed, done, timeout)
