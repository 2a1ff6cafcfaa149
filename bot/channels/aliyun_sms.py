"""SMS through Aliyun 短信服务 (MINSHENG_SMS_PROVIDER=aliyun): SendSms out, pushed SmsUp and SmsReport in.

Residents are the same ``sms`` residents as on the generic gateway (same dialogs, conversations,
tickets); only the transport differs.

- Out: ``SendSms`` with the approved signature and the template whose one variable (``content``)
  carries the text, signed with the platform's RPC signature (HMAC-SHA1, version 1.0). The
  outbox message's ref goes as ``OutId``, so the delivery receipt finds the message again.
- In: the platform POSTs JSON arrays, unsigned, to the URLs configured in its console. They carry
  a secret of ours (``?token=`` MINSHENG_ALIYUN_SMS_PUSH_TOKEN) and are answered
  ``{"code": 0, "msg": "接收成功"}`` only once every item is stored; a redelivery (same
  ``sequence_id``, same ``biz_id`` and phone) changes nothing.
- A receipt that says delivered is kept (``sms_receipts``); one that says not delivered fails the
  outbox message and puts ``delivery_failed`` on its ticket, for staff to reach the resident
  another way.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from aiohttp import ClientSession, ClientTimeout, web
from pydantic import BaseModel, Field
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channels.sms import canonical_phone
from bot.errors import ApiError, loads_json, parse
from bot.services.inbox import Delivery, Inbox
from bot.services.outbox import DeliveryDelayed, DeliveryRefused, Failure, FailureHook
from bot.settings import Settings
from bot.storage.db import insert_for
from bot.storage.models import OutboundMessage, SmsReceipt, utcnow

log = logging.getLogger(__name__)

ACCEPTED = {"code": 0, "msg": "接收成功"}
# SendSms answers that mean "not now": flow control, an empty balance, the platform's own trouble.
_LATER = frozenset({"isv.BUSINESS_LIMIT_CONTROL", "isv.DAY_LIMIT_CONTROL", "isv.AMOUNT_NOT_ENOUGH",
                    "isv.OUT_OF_SERVICE", "Throttling.User", "isp.SYSTEM_ERROR", "isp.RAM_PERMISSION_DENY",
                    "SignatureNonceUsed", "ServiceUnavailable"})
MAX_PUSH_ITEMS = 500


def percent(value: str) -> str:
    """RFC 3986 encoding as the platform's signature wants it (space %20, * %2A, ~ kept)."""
    return quote(value, safe="~")


def rpc_signature(secret: str, method: str, params: dict[str, str]) -> str:
    """Aliyun RPC signature v1: HMAC-SHA1 over METHOD&%2F&percent(sorted query), key ``secret&``."""
    canonical = "&".join(f"{percent(k)}={percent(v)}" for k, v in sorted(params.items()))
    to_sign = f"{method}&{percent('/')}&{percent(canonical)}"
    digest = hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def national(phone: str) -> str:
    """The number as the platform takes it: 11 digits for the mainland, 00 and the country code otherwise."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    if len(digits) == 13 and digits.startswith("86"):
        return digits[2:]
    return digits if len(digits) == 11 and digits.startswith("1") else "00" + digits


class SmsUp(BaseModel):
    phone_number: str = Field(min_length=3, max_length=32)
    content: str = Field(max_length=2000)
    sequence_id: int | str
    send_time: str = Field(default="", max_length=40)
    dest_code: str = Field(default="", max_length=32)
    sign_name: str = Field(default="", max_length=64)


class SmsReport(BaseModel):
    phone_number: str = Field(min_length=3, max_length=32)
    success: bool
    biz_id: str = Field(min_length=1, max_length=64)
    out_id: str | None = Field(default=None, max_length=64)
    err_code: str | None = Field(default=None, max_length=64)
    err_msg: str | None = Field(default=None, max_length=200)
    send_time: str | None = None
    report_time: str | None = None
    sms_size: str | int | None = None


class AliyunSmsChannel:
    def __init__(self, settings: Settings, inbox: Inbox, http: ClientSession,
                 sessions: async_sessionmaker[AsyncSession]) -> None:
        self.settings = settings
        self.inbox = inbox
        self.http = http
        self.sessions = sessions
        # The workflow's hook: a failed delivery shows on the ticket (set by the app).
        self.on_failed: FailureHook | None = None

    # -- inbound ----------------------------------------------------------------------------------

    def _items(self, request: web.Request, raw: bytes) -> list[Any]:
        token = self.settings.aliyun_sms_push_token
        if self.settings.sms_provider != "aliyun" or not token:
            raise ApiError(503, "sms_platform_disabled",
                           "the SMS platform is not configured (MINSHENG_SMS_PROVIDER, MINSHENG_ALIYUN_SMS_PUSH_TOKEN)")
        if not hmac.compare_digest(request.query.get("token", ""), token):
            log.warning("aliyun.push_bad_token", extra={"path": request.path})
            raise ApiError(401, "bad_token", "missing or wrong token in the push URL")
        data = loads_json(raw)
        if not isinstance(data, list) or not data or len(data) > MAX_PUSH_ITEMS:
            raise ApiError(400, "malformed", f"expected a JSON array of 1 to {MAX_PUSH_ITEMS} items")
        return data

    async def inbound(self, request: web.Request) -> web.Response:
        """上行 (SmsUp): each message stored in the inbox, keyed by the platform's sequence_id."""
        raw = await request.read()
        items = [parse(SmsUp, item, invalid_status=400) for item in self._items(request, raw)]
        stored = 0
        for item in items:
            delivery = Delivery("sms", f"aliyun:{item.sequence_id}", canonical_phone(item.phone_number),
                                text=item.content, payload={"to": item.dest_code, "platform": "aliyun"})
            if await self.inbox.store(delivery) is not None:
                stored += 1
        log.info("aliyun.smsup_stored", extra={"items": len(items), "new": stored})
        return web.json_response(ACCEPTED)

    async def report(self, request: web.Request) -> web.Response:
        """SmsReport: a receipt per message and phone, stored once; a failure fails the message."""
        raw = await request.read()
        items = [parse(SmsReport, item, invalid_status=400) for item in self._items(request, raw)]
        failed = 0
        async with self.sessions() as session, session.begin():
            for item in items:
                new = await session.execute(
                    insert_for(session)(SmsReceipt)
                    .values(biz_id=item.biz_id, phone=national(item.phone_number), ref=item.out_id or None,
                            delivered=item.success, err_code=item.err_code, reported_at=utcnow())
                    .on_conflict_do_nothing(index_elements=["biz_id", "phone"]).returning(SmsReceipt.id))
                if new.scalar_one_or_none() is None or item.success or not item.out_id:
                    continue
                failed += await self._failed(session, item)
        log.info("aliyun.report_stored", extra={"items": len(items), "failed": failed})
        return web.json_response(ACCEPTED)

    async def _failed(self, session: AsyncSession, item: SmsReport) -> int:
        message = await session.scalar(select(OutboundMessage).where(OutboundMessage.ref == item.out_id))
        if message is None or message.channel != "sms":
            return 0
        detail = (item.err_code or "")[:60]
        await session.execute(update(OutboundMessage).where(OutboundMessage.id == message.id)
                              .values(status="failed", last_error=f"not_delivered: {detail}"[:300]))
        if self.on_failed is not None:
            await self.on_failed(session, message, Failure("not_delivered", detail, message.attempts or 1,
                                                           utcnow()))
        return 1

    # -- outbound ---------------------------------------------------------------------------------

    def signed_params(self, phone: str, text: str, ref: str, now: datetime | None = None) -> dict[str, str]:
        settings = self.settings
        params = {
            "AccessKeyId": settings.aliyun_access_key_id or "", "Action": "SendSms", "Format": "JSON",
            "RegionId": "cn-hangzhou", "SignatureMethod": "HMAC-SHA1", "SignatureNonce": uuid.uuid4().hex,
            "SignatureVersion": "1.0", "Version": "2017-05-25",
            "Timestamp": (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "PhoneNumbers": national(phone), "SignName": settings.aliyun_sms_sign_name or "",
            "TemplateCode": settings.aliyun_sms_template_code or "",
            "TemplateParam": json.dumps({"content": text}, ensure_ascii=False), "OutId": ref,
        }
        params["Signature"] = rpc_signature(settings.aliyun_access_key_secret or "", "POST", params)
        return params

    async def send(self, address: str, text: str, options: list[dict[str, Any]], ref: str) -> None:
        """One SendSms. A refused number or template is a refusal for good; flow control and outages retry."""
        async with self.http.post(self.settings.aliyun_sms_endpoint + "/", data=self.signed_params(address, text, ref),
                                  timeout=ClientTimeout(total=10)) as response:
            status = response.status
            try:
                data = await response.json(content_type=None)
            except ValueError:
                data = None
        code = str(data.get("Code", "")) if isinstance(data, dict) else ""
        if status == 200 and code == "OK":
            log.info("aliyun.sent", extra={"ref": ref, "biz_id": data.get("BizId") if isinstance(data, dict) else None})
            return
        if status >= 500 or status in (408, 429) or code in _LATER or not code:
            raise DeliveryDelayed(f"HTTP {status} {code}".strip(), retry_after=60.0 if "LIMIT" in code else None)
        raise DeliveryRefused("refused", code[:60])
