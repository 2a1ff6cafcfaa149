"""The WeChat Official Account (服务号): XML in at ``/wechat``, replies out through 客服消息.

WeChat waits 5 s for an answer and redelivers a message three times within 15 s. So a message is
verified, stored in the inbox (unique by ``MsgId``; an event, which has none, by sender, time and
event) and answered "success" at once; the dialog engine answers it from the inbox like any other
channel, and its replies go out through the customer-service API (``message/custom/send``) via the
outbox. WeChat allows those only within 48 hours of the resident's last message: later, a reply
is refused here before it is tried, and a reply about a ticket shows on the ticket as not
delivered (``window_closed``), so staff reach the resident another way.

wechatpy does the signature check, the safe-mode crypto and the XML parsing, none of which do I/O;
every HTTP call (the access token, 客服消息) goes through our aiohttp session to
``MINSHENG_WECHAT_API_BASE``.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import timedelta
from typing import Any

from aiohttp import ClientSession, ClientTimeout, web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from wechatpy import parse_message
from wechatpy.crypto import WeChatCrypto
from wechatpy.events import ClickEvent, LocationEvent, SubscribeEvent, SubscribeScanEvent, UnsubscribeEvent
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException
from wechatpy.messages import BaseMessage, LocationMessage, TextMessage, VoiceMessage
from wechatpy.utils import check_signature

from bot.domain.messages import Incoming, Option, Reply
from bot.errors import ApiError
from bot.i18n import gettext as _
from bot.services.conversations import Turn
from bot.services.inbox import Delivery, Inbox
from bot.services.outbox import DeliveryDelayed, DeliveryRefused
from bot.services.residents import Profile
from bot.settings import Settings
from bot.state import StateStore
from bot.storage.models import InboxMessage, utcnow
from handlers.engine import DialogEngine, render_plain

log = logging.getLogger(__name__)

CHANNEL = "wechat"
# 客服消息 may be sent this long after the resident's last message, no longer.
SERVICE_WINDOW = timedelta(hours=48)
# A reply is cut into messages of this many characters (WeChat takes more; a phone screen does not).
MAX_CHARS = 600
# Menu CLICK keys → the dialog engine's choices.
MENU_KEYS = {"ASK": "ask", "SCREEN": "screen", "REQUEST": "help", "STATUS": "status"}
# An access token whose use WeChat answers with one of these has expired or been replaced.
_STALE_TOKEN = frozenset({40001, 40014, 42001})
# "Busy, try later" and the API's own rate limits.
_LATER = frozenset({-1, 45009, 45011})
_REFUSALS = {45015: "window_closed", 43004: "unsubscribed", 40003: "chat_not_found"}
TOKEN_MARGIN = 300.0


def menu_json() -> dict[str, Any]:
    """The 服务号's custom menu (``menu/create``): one CLICK button per key of ``MENU_KEYS``."""
    return {"button": [
        {"type": "click", "name": "问政策", "key": "ASK"},
        {"type": "click", "name": "自查", "key": "SCREEN"},
        {"name": "求助", "sub_button": [
            {"type": "click", "name": "我要求助", "key": "REQUEST"},
            {"type": "click", "name": "查进度", "key": "STATUS"},
        ]},
    ]}


class WeChatApiError(Exception):
    def __init__(self, errcode: int, errmsg: str) -> None:
        super().__init__(f"errcode {errcode}: {errmsg}")
        self.errcode, self.errmsg = errcode, errmsg


class AccessTokens:
    """The 服务号's access token: fetched once, kept in the state store (Redis: shared by every
    process) until shortly before it expires; one process fetches while the others wait on a lock,
    since each fetch invalidates the token the others hold."""

    def __init__(self, settings: Settings, http: ClientSession, store: StateStore) -> None:
        self.settings = settings
        self.http = http
        self.store = store
        self.key = f"wechat:token:{settings.wechat_app_id}"
        self.fetched = 0

    async def get(self) -> str:
        cached = await self._cached()
        if cached:
            return cached
        async with self.store.lock(self.key + ":fetch", timeout=20.0):
            cached = await self._cached()
            if cached:
                return cached
            return await self._fetch()

    async def refresh(self, stale: str) -> str:
        """A new token after WeChat refused ``stale``, unless another process already replaced it."""
        async with self.store.lock(self.key + ":fetch", timeout=20.0):
            cached = await self._cached()
            if cached and cached != stale:
                return cached
            return await self._fetch()

    async def _cached(self) -> str | None:
        value = await self.store.get_json(self.key)
        if isinstance(value, dict) and value.get("expires", 0) > time.time():
            return str(value["token"])
        return None

    async def _fetch(self) -> str:
        if not (self.settings.wechat_app_id and self.settings.wechat_app_secret):
            raise DeliveryRefused("refused", "MINSHENG_WECHAT_APP_ID / _APP_SECRET unset")
        params = {"grant_type": "client_credential", "appid": self.settings.wechat_app_id,
                  "secret": self.settings.wechat_app_secret}
        async with self.http.get(f"{self.settings.wechat_api_base}/cgi-bin/token", params=params,
                                 timeout=ClientTimeout(total=10)) as response:
            if response.status != 200:
                raise DeliveryDelayed(f"token: HTTP {response.status}")
            data = await response.json(content_type=None)
        if not isinstance(data, dict) or "access_token" not in data:
            code = int(data.get("errcode", 0)) if isinstance(data, dict) else 0
            raise DeliveryDelayed(f"token: errcode {code}")
        self.fetched += 1
        lifetime = max(60.0, float(data.get("expires_in", 7200)) - TOKEN_MARGIN)
        token = str(data["access_token"])
        await self.store.set_json(self.key, {"token": token, "expires": time.time() + lifetime}, ttl=lifetime)
        log.info("wechat.token_fetched", extra={"expires_in_s": int(lifetime)})
        return token


class WeChatIntake:
    """How a stored WeChat message is answered: text and voice as typed, menu keys and events as choices."""

    channel = CHANNEL
    rate_per_minute: int | None = 20

    def __init__(self, engine: DialogEngine) -> None:
        self.engine = engine

    async def process(self, message: InboxMessage, turn: Turn) -> None:
        payload = message.payload or {}
        kind = payload.get("kind", "text")
        ref = f"{CHANNEL}:{message.delivery_id}"

        def incoming(text: str = "", choice: str | None = None) -> Incoming:
            return Incoming(channel=CHANNEL, address=message.address, text=text, ref=ref, choice=choice,
                            max_chars=MAX_CHARS)

        if kind == "unsubscribe":
            # Nothing is sent after this; status news and check-ins stop as after TD.
            profile = await turn.profile(CHANNEL, message.address)
            if not profile.opted_out:
                await turn.save_profile(CHANNEL, message.address, Profile(profile.region_code, profile.locale, True))
            return
        if kind == "subscribe":
            profile = await turn.profile(CHANNEL, message.address)
            if profile.opted_out:
                await turn.save_profile(CHANNEL, message.address, Profile(profile.region_code, profile.locale, False))
            with self.engine.i18n.context(), self.engine.i18n.use_locale(self.engine.default_locale):
                welcome = Reply(_("欢迎关注民生助手！这里可以问低保、特困、临时救助等政策，自查能享受哪些救助，"
                                  "也可以向乡镇求助。"))
            turn.say([welcome, *await self.engine.handle(incoming(choice="region"), turn)])
            return
        if kind == "click":
            choice = MENU_KEYS.get(str(payload.get("key", "")), "menu")
            turn.say(await self.engine.handle(incoming(choice=choice), turn))
            return
        if kind == "location":
            code = self._place_of(str(payload.get("label", "")))
            if code is None:
                turn.say(await self.engine.handle(incoming(choice="region"), turn))
            else:
                turn.say(await self.engine.handle(incoming(choice=f"setregion:{code}"), turn))
            return
        turn.say(await self.engine.handle(incoming(message.text), turn))

    def _place_of(self, label: str) -> str | None:
        """The one served place an address label names, most precise last (…县…镇…路): None if not one."""
        places = self.engine.services.places
        found: str | None = None
        for mention in places.read(label):
            if len(mention.served) == 1:
                found = mention.served[0].code
        return found

    def render(self, reply: Reply) -> tuple[str, list[Option]]:
        return render_plain(reply), []


class WeChatChannel:
    def __init__(self, settings: Settings, engine: DialogEngine, inbox: Inbox, http: ClientSession,
                 sessions: async_sessionmaker[AsyncSession], store: StateStore) -> None:
        self.settings = settings
        self.inbox = inbox
        self.http = http
        self.sessions = sessions
        self.tokens = AccessTokens(settings, http, store)
        self.crypto = (WeChatCrypto(settings.wechat_token, settings.wechat_aes_key, settings.wechat_app_id)
                       if settings.wechat_aes_key else None)
        inbox.register(WeChatIntake(engine))

    # -- inbound ----------------------------------------------------------------------------------

    def _verify(self, request: web.Request) -> None:
        query = request.query
        try:
            check_signature(self.settings.wechat_token, query.get("signature", ""), query.get("timestamp", ""),
                            query.get("nonce", ""))
        except InvalidSignatureException:
            log.warning("wechat.bad_signature")
            raise ApiError(401, "bad_signature", "missing or wrong WeChat signature") from None

    async def check(self, request: web.Request) -> web.Response:
        """WeChat's server check when the URL is saved: the echostr back, if the signature is ours."""
        self._verify(request)
        return web.Response(text=request.query.get("echostr", ""))

    async def receive(self, request: web.Request) -> web.Response:
        self._verify(request)
        raw = await request.read()
        if b"<!DOCTYPE" in raw.upper() or b"<!ENTITY" in raw.upper():
            raise ApiError(400, "malformed", "XML with a DTD is not accepted")
        xml = raw.decode("utf-8", "replace")
        if request.query.get("encrypt_type") == "aes":
            if self.crypto is None:
                raise ApiError(400, "not_configured", "safe mode message but MINSHENG_WECHAT_AES_KEY is unset")
            try:
                xml = self.crypto.decrypt_message(xml, request.query.get("msg_signature", ""),
                                                  request.query.get("timestamp", ""), request.query.get("nonce", ""))
            except (InvalidSignatureException, InvalidAppIdException):
                log.warning("wechat.bad_msg_signature")
                raise ApiError(401, "bad_signature", "wrong msg_signature or AppID in safe mode") from None
            except Exception:
                log.warning("wechat.undecryptable", extra={"bytes": len(raw)})
                raise ApiError(400, "malformed", "the encrypted message cannot be read") from None
        try:
            message = parse_message(xml)
            delivery = self._delivery(message)
        except ApiError:
            raise
        except Exception:
            log.warning("wechat.malformed", extra={"bytes": len(raw)})
            raise ApiError(400, "malformed", "not a WeChat XML message") from None
        if delivery is None:
            # Something we do not act on (an image, a view click, a template-send report): taken.
            log.info("wechat.ignored", extra={"type": getattr(message, "type", "?")})
            return web.Response(text="success")
        stored = await self.inbox.store(delivery)
        # The openid is in an event's delivery id: logged by the stored row's id and kind only.
        log.info("wechat.stored" if stored is not None else "wechat.duplicate",
                 extra={"id": stored, "kind": (delivery.payload or {}).get("kind")})
        # Replies go out through 客服消息; "success" tells WeChat not to retry nor to warn the resident.
        return web.Response(text="success")

    @staticmethod
    def _delivery(message: BaseMessage) -> Delivery | None:
        openid = str(message.source or "")
        if not openid or len(openid) > 64:
            raise ApiError(400, "malformed", "FromUserName missing or too long")
        created = int(message.create_time.timestamp())
        event_id = f"ev:{openid}:{created}"
        if isinstance(message, TextMessage):
            return Delivery(CHANNEL, str(message.id), openid, text=str(message.content or "")[:2000],
                            payload={"kind": "text"})
        if isinstance(message, VoiceMessage):
            if not message.recognition:
                return Delivery(CHANNEL, str(message.id), openid, text="", payload={"kind": "voice"})
            return Delivery(CHANNEL, str(message.id), openid, text=str(message.recognition)[:2000],
                            payload={"kind": "text", "voice": True})
        if isinstance(message, LocationMessage):
            return Delivery(CHANNEL, str(message.id), openid, payload={"kind": "location",
                                                                       "label": str(message.label or "")[:200]})
        if isinstance(message, SubscribeEvent | SubscribeScanEvent):
            return Delivery(CHANNEL, f"{event_id}:subscribe", openid, payload={"kind": "subscribe"})
        if isinstance(message, UnsubscribeEvent):
            return Delivery(CHANNEL, f"{event_id}:unsubscribe", openid, payload={"kind": "unsubscribe"})
        if isinstance(message, ClickEvent):
            return Delivery(CHANNEL, f"{event_id}:click", openid, payload={"kind": "click",
                                                                           "key": str(message.key or "")[:64]})
        if isinstance(message, LocationEvent):
            # Reported by WeChat on every visit when the resident allowed it: coordinates only, and
            # Minsheng keeps no point-in-county table; the resident names the place when asked.
            return None
        return None

    # -- outbound ---------------------------------------------------------------------------------

    async def send(self, address: str, text: str, options: list[dict[str, Any]], ref: str) -> None:
        """One 客服消息; refused here, without a call, outside the 48-hour window or after unsubscribe."""
        async with self.sessions() as session:
            last = await session.scalar(
                select(InboxMessage).where(InboxMessage.channel == CHANNEL, InboxMessage.address == address)
                .order_by(InboxMessage.id.desc()).limit(1))
        if last is not None and (last.payload or {}).get("kind") == "unsubscribe":
            raise DeliveryRefused("unsubscribed", "unsubscribe event")
        if last is None or utcnow() - last.received_at > SERVICE_WINDOW:
            raise DeliveryRefused("window_closed", "48 h since the resident's last message")
        body = {"touser": address, "msgtype": "text", "text": {"content": text}}
        token = await self.tokens.get()
        try:
            await self._post("/cgi-bin/message/custom/send", token, body)
        except WeChatApiError as exc:
            if exc.errcode not in _STALE_TOKEN:
                raise self._classify(exc) from None
            token = await self.tokens.refresh(token)
            try:
                await self._post("/cgi-bin/message/custom/send", token, body)
            except WeChatApiError as again:
                raise self._classify(again) from None

    async def _post(self, path: str, token: str, body: dict[str, Any]) -> dict[str, Any]:
        async with self.http.post(f"{self.settings.wechat_api_base}{path}", params={"access_token": token},
                                  json=body, timeout=ClientTimeout(total=10)) as response:
            if response.status != 200:
                raise DeliveryDelayed(f"HTTP {response.status}")
            data = await response.json(content_type=None)
        code = int(data.get("errcode", 0)) if isinstance(data, dict) else -1
        if code != 0:
            raise WeChatApiError(code, str(data.get("errmsg", ""))[:100] if isinstance(data, dict) else "")
        return data if isinstance(data, dict) else {}

    @staticmethod
    def _classify(exc: WeChatApiError) -> Exception:
        if exc.errcode in _REFUSALS:
            return DeliveryRefused(_REFUSALS[exc.errcode], f"errcode {exc.errcode}")
        if exc.errcode in _LATER or exc.errcode in _STALE_TOKEN:
            return DeliveryDelayed(f"errcode {exc.errcode}", retry_after=5.0 if exc.errcode == -1 else 60.0)
        return DeliveryRefused("refused", f"errcode {exc.errcode}")


async def create_menu(settings: Settings, store: StateStore) -> dict[str, Any]:
    """Creates the custom menu (``menu_json``) through the API (``minsheng wechat menu --create``)."""
    async with ClientSession() as http:
        tokens = AccessTokens(settings, http, store)
        token = await tokens.get()
        for attempt in range(2):
            async with http.post(f"{settings.wechat_api_base}/cgi-bin/menu/create", params={"access_token": token},
                                 data=json.dumps(menu_json(), ensure_ascii=False).encode(),
                                 headers={"Content-Type": "application/json; charset=utf-8"},
                                 timeout=ClientTimeout(total=10)) as response:
                data = await response.json(content_type=None)
            if attempt == 0 and isinstance(data, dict) and data.get("errcode") in _STALE_TOKEN:
                token = await tokens.refresh(token)
                continue
            break
        return data if isinstance(data, dict) else {"errcode": -1, "errmsg": "not JSON"}
