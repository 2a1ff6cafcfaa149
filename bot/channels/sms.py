"""SMS over the generic HTTP gateway protocol: signed inbound webhook, durable outbox outbound.

An inbound message is stored (unique by ``message_id``) before the gateway hears 200, then
processed in the background; its replies are written to the outbox in the same transaction
that marks it processed, so a crash at any point either redoes the work or has finished it,
and a redelivered ``message_id`` is answered 200 without being processed again.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
from datetime import timedelta
from typing import Any

from aiohttp import ClientSession, ClientTimeout, web
from pydantic import BaseModel, Field, field_validator
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.domain.messages import Incoming
from bot.errors import ApiError, loads_json, parse
from bot.services.outbox import OutboxWorker, enqueue
from bot.settings import Settings
from bot.state import StateStore
from bot.storage.leases import lease_free, take_lease
from bot.storage.models import SmsInbound, utcnow
from handlers.engine import DialogEngine, render_plain

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=60)
# More messages than this from one number in a minute get no reply: it is a loop with an
# auto-responder or abuse, and every reply costs money.
RATE_LIMIT_PER_MINUTE = 20


def segments(text: str) -> int:
    """UCS-2 segments a message takes: one of 70 code units, or parts of 67 when concatenated."""
    units = len(text.encode("utf-16-le")) // 2
    return 1 if units <= 70 else -(-units // 67)


def fit(text: str, max_segments: int) -> str:
    """The longest prefix of ``text`` that fits ``max_segments``; the engine pages, this only guards."""
    while segments(text) > max_segments:
        text = text[:-1]
    return text


def sign(secret: str, raw: bytes) -> str:
    return hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()


def canonical_phone(raw: str) -> str:
    """+8613812345678 for a mainland mobile however the gateway writes it; other numbers as +digits."""
    digits = "".join(ch for ch in raw if ch.isdigit())
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    if len(digits) == 11 and digits.startswith("1"):
        return "+86" + digits
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
    def __init__(self, settings: Settings, sessions: async_sessionmaker[AsyncSession], engine: DialogEngine,
                 outbox: OutboxWorker, http: ClientSession, state: StateStore) -> None:
        self.settings = settings
        self.state = state
        self.sessions = sessions
        self.engine = engine
        self.outbox = outbox
        self.http = http
        self._tasks: set[asyncio.Task[None]] = set()

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
        stored_id = await self._store(message)
        if stored_id is None:
            log.info("sms.inbound_duplicate", extra={"message_id": message.message_id})
            return web.json_response({"accepted": True, "duplicate": True})
        log.info("sms.inbound_stored", extra={"message_id": message.message_id, "id": stored_id})
        self._spawn(stored_id)
        return web.json_response({"accepted": True})

    async def _store(self, message: InboundSms) -> int | None:
        """Inserts the message once; None when this ``message_id`` was already stored."""
        async with self.sessions() as session, session.begin():
            insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
            result = await session.execute(
                insert(SmsInbound).values(message_id=message.message_id, sender=canonical_phone(message.sender),
                                          recipient=message.to, text=message.text, status="received",
                                          received_at=utcnow(), locked_until=utcnow() + LEASE)
                .on_conflict_do_nothing(index_elements=["message_id"]).returning(SmsInbound.id))
            return result.scalar_one_or_none()

    def _spawn(self, inbound_id: int) -> None:
        task = asyncio.create_task(self.process(inbound_id, claimed=True))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- processing -------------------------------------------------------------------------------

    async def process(self, inbound_id: int, claimed: bool = False) -> None:
        """Runs one stored message through the dialog engine and queues its replies."""
        if not claimed and not await self._claim(inbound_id):
            return
        async with self.sessions() as session:
            row = await session.get(SmsInbound, inbound_id)
        if row is None or row.status != "received":
            return
        try:
            if await self.state.hit(f"sms-rate:{row.sender}", 60) > RATE_LIMIT_PER_MINUTE:
                log.warning("sms.rate_limited", extra={"id": inbound_id})
                replies = []
            else:
                replies = await self.engine.handle(Incoming(
                    channel="sms", address=row.sender, text=row.text, ref=f"sms:{row.message_id}",
                    max_chars=self.settings.sms_max_chars))
        except Exception:
            log.exception("sms.process_failed", extra={"id": inbound_id})
            return  # the lease runs out and the sweeper tries again
        queued: list[int] = []
        async with self.sessions() as session, session.begin():
            for index, reply in enumerate(replies):
                text = fit(render_plain(reply), self.settings.sms_max_segments)
                message_id = await enqueue(session, "sms", row.sender, text, ref=f"sms-{row.id}-{index}", claim=True)
                if message_id is not None:
                    queued.append(message_id)
            await session.execute(update(SmsInbound).where(SmsInbound.id == inbound_id)
                                  .values(status="processed", processed_at=utcnow(), locked_until=None))
        self.outbox.deliver_claimed(queued)

    async def _claim(self, inbound_id: int) -> bool:
        now = utcnow()
        async with self.sessions() as session, session.begin():
            return await take_lease(session, SmsInbound, inbound_id, "received", now, LEASE)

    async def sweep(self) -> int:
        """Processes messages left unprocessed by a crash or restart (their lease has run out)."""
        now = utcnow()
        async with self.sessions() as session:
            ids = list(await session.scalars(
                select(SmsInbound.id).where(SmsInbound.status == "received",
                                            lease_free(SmsInbound, now))
                .order_by(SmsInbound.id).limit(100)))
        for inbound_id in ids:
            await self.process(inbound_id)
        return len(ids)

    async def run_sweeper(self, interval: float = 15.0) -> None:
        while True:
            try:
                await self.sweep()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("sms.sweep_failed")
            await asyncio.sleep(interval)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    # -- outbound ---------------------------------------------------------------------------------

    async def send(self, address: str, text: str, options: list[dict[str, Any]], ref: str) -> None:
        """Posts one message to the gateway, signed; raises so the outbox retries on any failure."""
        url = self.settings.sms_gateway_url
        if not url:
            log.info("sms.outbound_not_sent", extra={"ref": ref, "reason": "MINSHENG_SMS_GATEWAY_URL unset",
                                                     "chars": len(text)})
            return
        body = json.dumps({"to": address, "text": text, "ref": ref}, ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json; charset=utf-8",
                   "X-Minsheng-Signature": sign(self.settings.sms_secret or "", body)}
        async with self.http.post(url, data=body, headers=headers, timeout=ClientTimeout(total=10)) as response:
            if response.status // 100 != 2:
                raise RuntimeError(f"gateway answered {response.status}")
