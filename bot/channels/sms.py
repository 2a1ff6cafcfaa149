"""SMS over the generic HTTP gateway protocol: signed inbound webhook, durable outbox outbound.

An inbound message is stored in the inbox (unique by ``message_id``) before the gateway hears 200,
then processed from there (``bot.services.inbox``); its replies go out through the outbox. A
redelivered ``message_id`` is answered 200 without being processed again.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from typing import Any

import phonenumbers
from aiohttp import ClientSession, ClientTimeout, web
from pydantic import BaseModel, Field, field_validator

from bot.channels.intake import DialogIntake
from bot.domain.messages import Option, Reply
from bot.errors import ApiError, loads_json, parse
from bot.services.inbox import Delivery, Inbox
from bot.services.outbox import DeliveryDelayed, DeliveryRefused
from bot.settings import Settings
from handlers.engine import DialogEngine, render_plain

log = logging.getLogger(__name__)

# More messages than this from one number in a minute are answered later, at this pace: it is
# a loop with an auto-responder or abuse, and every reply costs money.
RATE_LIMIT_PER_MINUTE = 20
# Gateway answers that mean "not now" rather than "never": retried like a 5xx.
_TRANSIENT_4XX = frozenset({408, 425, 429})


def segments(text: str) -> int:
    """UCS-2 segments a message takes: one of 70 code units, or parts of 67 when concatenated."""
    units = len(text.encode("utf-16-le")) // 2
    return 1 if units <= 70 else -(-units // 67)


def fit(text: str, max_segments: int, reserved: int = 0) -> str:
    """The longest prefix of ``text`` that fits ``max_segments`` with ``reserved`` characters the
    platform adds (its 【signature】); the engine pages, this only guards."""
    while segments("\u3000" * reserved + text) > max_segments:
        text = text[:-1]
    return text


def sign(secret: str, raw: bytes) -> str:
    return hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()


def canonical_phone(raw: str) -> str:
    """One E.164 form for a number however the gateway writes it (phonenumbers, China as the home region).

    +8613812345678, 13812345678, 0086 138 1234 5678, +0086…, 86-138… are one resident; a landline
    with its area code (0851-8765 4321) becomes +8685187654321. What is not a possible number (a
    short code such as 10086) is kept as +digits.
    """
    cleaned = "".join(ch for ch in raw if ch.isdigit() or ch == "+")
    digits = cleaned.replace("+", "")
    candidates = [cleaned[1:] if cleaned.startswith("+00") else cleaned]
    if not cleaned.startswith(("+", "0")) and digits.startswith("86") and len(digits) > 11:
        candidates.insert(0, "+" + digits)  # the country code without its plus
    for candidate in candidates:
        try:
            number = phonenumbers.parse(candidate, "CN")
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_possible_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return "+" + digits


class InboundSms(BaseModel):
    message_id: str = Field(min_length=1, max_length=128)
    sender: str = Field(alias="from", min_length=3, max_length=32)
    to: str = Field(default="", max_length=32)
    text: str = Field(max_length=2000)

    @field_validator("sender")
    @classmethod
    def _phone(cls, value: str) -> str:
        if sum(ch.isdigit() for ch in value) < 3 or any(not (ch.isdigit() or ch in "+- ") for ch in value):
            raise ValueError("must be a phone number")
        return value


class SmsChannel:
    def __init__(self, settings: Settings, engine: DialogEngine, inbox: Inbox, http: ClientSession) -> None:
        self.settings = settings
        self.inbox = inbox
        self.http = http
        inbox.register(DialogIntake("sms", engine, self.render, max_chars=settings.sms_max_chars,
                                    rate_per_minute=RATE_LIMIT_PER_MINUTE))

    def render(self, reply: Reply) -> tuple[str, list[Option]]:
        return fit(render_plain(reply), self.settings.sms_max_segments, self.settings.sms_signature_chars), []

    # -- inbound ----------------------------------------------------------------------------------

    async def inbound(self, request: web.Request) -> web.Response:
        secret = self.settings.sms_secret
        if not secret:
            raise ApiError(503, "sms_disabled", "SMS is not configured (MINSHENG_SMS_SECRET unset)")
        raw = await request.read()
        given = request.headers.get("X-Minsheng-Signature", "").strip().lower()
        if not given or not hmac.compare_digest(given, sign(secret, raw)):
            log.warning("sms.inbound_bad_signature", extra={"bytes": len(raw), "signed": bool(given)})
            raise ApiError(401, "bad_signature", "missing or wrong X-Minsheng-Signature")
        try:
            data = loads_json(raw)
        except ApiError:
            log.warning("sms.inbound_malformed", extra={"bytes": len(raw)})
            raise
        message = parse(InboundSms, data, invalid_status=400)
        stored_id = await self.inbox.store(Delivery("sms", message.message_id, canonical_phone(message.sender),
                                                    text=message.text, payload={"to": message.to}))
        if stored_id is None:
            log.info("sms.inbound_duplicate", extra={"message_id": message.message_id})
            return web.json_response({"accepted": True, "duplicate": True})
        log.info("sms.inbound_stored", extra={"message_id": message.message_id, "id": stored_id})
        return web.json_response({"accepted": True})

    # -- outbound ---------------------------------------------------------------------------------

    async def send(self, address: str, text: str, options: list[dict[str, Any]], ref: str) -> None:
        """Posts one message to the gateway, signed. A 4xx is a refusal for good; anything else is retried."""
        url = self.settings.sms_gateway_url
        if not url:
            log.info("sms.outbound_not_sent", extra={"ref": ref, "reason": "MINSHENG_SMS_GATEWAY_URL unset",
                                                     "chars": len(text)})
            return
        body = json.dumps({"to": address, "text": text, "ref": ref}, ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json; charset=utf-8",
                   "X-Minsheng-Signature": sign(self.settings.sms_secret or "", body)}
        async with self.http.post(url, data=body, headers=headers, timeout=ClientTimeout(total=10)) as response:
            status = response.status
        if status // 100 == 2:
            return
        if 400 <= status < 500 and status not in _TRANSIENT_4XX:
            raise DeliveryRefused("refused", f"HTTP {status}")
        raise DeliveryDelayed(f"HTTP {status}")
