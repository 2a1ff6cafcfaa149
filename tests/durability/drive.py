"""What the fault tests share: real `minsheng serve` processes, residents walking the guided request,
senders that re-deliver as a gateway or Telegram does, and the tally of lost and doubled.

A resident sends one step, waits for its answer, then sends the next, as a person does; the last
step (确认提交) must be answered with the ticket number. A sender delivers each message like the
real far side: anything but a 200 (a refused connection, a 503 while draining or while the
database is down, a process killed mid-request) is delivered again, to whichever process answers.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import zlib
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import func, select

from bot.storage.db import make_engine, make_sessionmaker
from bot.storage.models import InboxMessage, OutboundMessage, Ticket
from tests.channels.support import text_xml, wechat_query
from tests.conftest import SMS_SECRET, TELEGRAM_TOKEN, WEBHOOK_SECRET
from tests.fakes import FakeBotApi, FakeGateway, FakeWeChatApi
from tests.helpers import signed

MINSHENG = str(Path(sys.executable).parent / "minsheng")

STEPS = ["求助", "隆务镇", "1", "家里两位老人都没有收入", "1"]
# What each step's answer says: the guided request's questions, then the ticket number.
ANSWERS = ["哪个乡镇", "遇到了什么困难", "说说家里的情况", "请确认", "编号"]
TICKET = re.compile(r"编号 (\d+)（隆务镇）")

# Short leases and backoffs, so that what a killed process held is taken over within seconds.
FAST = {"MINSHENG_INBOX_LEASE_SECONDS": "4", "MINSHENG_OUTBOX_LEASE_SECONDS": "4",
        "MINSHENG_INBOX_POLL_SECONDS": "0.3", "MINSHENG_OUTBOX_POLL_SECONDS": "0.3",
        "MINSHENG_OUTBOX_MAX_BACKOFF_SECONDS": "1", "MINSHENG_DRAIN_SECONDS": "10"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def service_env(database_url: str, redis_url: str | None, gateway: FakeGateway, botapi: FakeBotApi,
                **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MINSHENG_")}
    env.update(FAST)
    env.update({"MINSHENG_DATABASE_URL": database_url, "MINSHENG_SMS_SECRET": SMS_SECRET,
                "MINSHENG_SMS_GATEWAY_URL": gateway.url, "MINSHENG_TELEGRAM_TOKEN": TELEGRAM_TOKEN,
                "MINSHENG_TELEGRAM_MODE": "webhook", "MINSHENG_TELEGRAM_API_SERVER": botapi.url,
                "MINSHENG_TELEGRAM_WEBHOOK_SECRET": WEBHOOK_SECRET,
                "MINSHENG_PUBLIC_URL": "https://minsheng.example"})
    if redis_url:
        env["MINSHENG_REDIS_URL"] = redis_url
    env.update(extra)
    return env


class Service:
    """One `minsheng serve` process on a fixed port; started again on the same port after a kill."""

    def __init__(self, env: dict[str, str], workdir: Path, name: str) -> None:
        self.env, self.workdir, self.name = env, workdir, name
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None
        self.logs: list[Path] = []

    async def start(self, timeout: float = 120.0) -> None:
        log = self.workdir / f"{self.name}-{len(self.logs)}.log"
        self.logs.append(log)
        with log.open("wb") as stderr:
            # Popen returns at once; the process is then only awaited over HTTP.
            self.proc = subprocess.Popen(  # noqa: ASYNC220
                [MINSHENG, "serve", "--port", str(self.port)], env=self.env, stdout=subprocess.DEVNULL,
                stderr=stderr, cwd=self.workdir)
        deadline = time.monotonic() + timeout
        async with aiohttp.ClientSession() as http:
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    raise AssertionError(f"{self.name} exited at start: {log.read_text()[-2000:]}")
                try:
                    async with http.get(self.url + "/healthz") as response:
                        if response.status == 200:
                            return
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.2)
        raise AssertionError(f"{self.name} did not come up: {log.read_text()[-2000:]}")

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> None:
        """kill -9: no drain, no cleanup, leases left to run out."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    async def terminate(self, timeout: float = 40.0) -> tuple[int, float]:
        """SIGTERM, as a rolling restart sends it: the exit code and how long the drain took."""
        assert self.proc is not None
        started = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        code = await asyncio.to_thread(self.proc.wait, timeout)
        return code, time.monotonic() - started

    def log_lines(self) -> list[str]:
        return [line for log in self.logs for line in log.read_text(encoding="utf-8").splitlines()]


@dataclass
class Tally:
    """What the far side saw: HTTP answers to deliveries, and how each resident fared."""

    answers: Counter[str] = field(default_factory=Counter)
    acknowledged: int = 0
    acknowledged_at: list[float] = field(default_factory=list)
    finished: list[str] = field(default_factory=list)
    stuck: list[str] = field(default_factory=list)
    numbers: dict[str, str] = field(default_factory=dict)


class Sender:
    """Delivers a message to whichever process answers 200, retrying anything else, as the far side does."""

    def __init__(self, http: aiohttp.ClientSession, urls: Sequence[str], tally: Tally) -> None:
        self.http, self.urls, self.tally = http, urls, tally
        self._next = 0

    async def deliver(self, path: str, raw: bytes, headers: dict[str, str], give_up: float = 120.0) -> None:
        deadline = time.monotonic() + give_up
        while time.monotonic() < deadline:
            url = self.urls[self._next % len(self.urls)]
            self._next += 1
            try:
                async with self.http.post(url + path, data=raw, headers=headers,
                                          timeout=aiohttp.ClientTimeout(total=10)) as response:
                    self.tally.answers[str(response.status)] += 1
                    if response.status == 200:
                        self.tally.acknowledged += 1
                        self.tally.acknowledged_at.append(time.monotonic())
                        return
                    # A 503 must say when to come back; anything else would be a defect.
                    assert response.status == 503, f"{path} answered {response.status}"
                    assert response.headers.get("Retry-After"), "503 without Retry-After"
            except (aiohttp.ClientError, TimeoutError):
                self.tally.answers["no answer"] += 1
            await asyncio.sleep(0.1)
        raise AssertionError(f"{path} never accepted a message")


async def sms_resident(sender: Sender, gateway: FakeGateway, phone: str, tally: Tally, step_timeout: float) -> None:
    for index, text in enumerate(STEPS):
        # The gateway's own id: it is logged, so it must not be made of the number.
        message_id = f"gw-{zlib.crc32(phone.encode()):08x}-{index}"
        raw, headers = signed({"message_id": message_id, "from": phone, "to": "1069", "text": text})
        await sender.deliver("/sms/inbound", raw, headers)
        await gateway.until(lambda i=index: len(gateway.delivered(phone)) > i, step_timeout)
        got = gateway.delivered(phone)
        if len(got) <= index:
            tally.stuck.append(f"{phone} step {index}")
            return
        assert ANSWERS[index] in got[index]["text"], (phone, index, got[index]["text"])
    found = TICKET.search(gateway.delivered(phone)[-1]["text"])
    assert found, gateway.delivered(phone)[-1]["text"]
    tally.numbers[phone] = found.group(1)
    tally.finished.append(phone)


def telegram_update(update_id: int, chat: int, text: str) -> dict[str, Any]:
    user = {"id": chat, "is_bot": False, "first_name": "居民", "language_code": "zh-hans"}
    return {"update_id": update_id, "message": {"message_id": update_id, "date": int(time.time()),
                                                "chat": {"id": chat, "type": "private"}, "from": user, "text": text}}


async def telegram_resident(sender: Sender, botapi: FakeBotApi, chat: int, tally: Tally,
                            step_timeout: float) -> None:
    headers = {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET, "Content-Type": "application/json"}
    seen = 0
    for index, text in enumerate(STEPS):
        raw = json.dumps(telegram_update(chat * 10 + index, chat, text), ensure_ascii=False).encode()
        await sender.deliver("/telegram/webhook", raw, headers)

        def answered(i: int = index, after: int = seen) -> bool:
            return any(ANSWERS[i] in m["text"] for m in botapi.sent(chat)[after:])

        await botapi.until(answered, step_timeout)
        sent = botapi.sent(chat)
        match = next((n for n in range(seen, len(sent)) if ANSWERS[index] in sent[n]["text"]), None)
        if match is None:
            tally.stuck.append(f"{chat} step {index}")
            return
        seen = match + 1
    found = TICKET.search(botapi.sent(chat)[seen - 1]["text"])
    assert found, botapi.sent(chat)[seen - 1]["text"]
    tally.numbers[str(chat)] = found.group(1)
    tally.finished.append(str(chat))


async def wechat_resident(sender: Sender, wxapi: FakeWeChatApi, openid: str, tally: Tally,
                          step_timeout: float) -> None:
    """Walks the steps on the 服务号: each a signed XML message with its own MsgId, answered by 客服消息."""
    seen = 0
    for index, text in enumerate(STEPS):
        msg_id = zlib.crc32(openid.encode()) * 10 + index
        raw = text_xml(openid, text, msg_id=msg_id).encode()
        # Signed once, as WeChat does: a redelivery carries the same query.
        await sender.deliver("/wechat?" + wechat_query(openid=openid), raw, {"Content-Type": "text/xml"})

        def answered(i: int = index, after: int = seen) -> bool:
            return any(ANSWERS[i] in m for m in wxapi.to(openid)[after:])

        await wxapi.until(answered, step_timeout)
        sent = wxapi.to(openid)
        match = next((n for n in range(seen, len(sent)) if ANSWERS[index] in sent[n]), None)
        if match is None:
            tally.stuck.append(f"{openid[-6:]} step {index}")
            return
        seen = match + 1
    found = TICKET.search(wxapi.to(openid)[seen - 1])
    assert found, wxapi.to(openid)[seen - 1]
    tally.numbers[openid] = found.group(1)
    tally.finished.append(openid)


@dataclass
class Outcome:
    """Counted in the database after the run: what was acknowledged and what became of it."""

    stored: int
    processed: int
    unanswered: int
    answered_twice: int
    unsent: int
    tickets: int
    doubled_tickets: int
    contacts_without_ticket: int


async def outcome(database_url: str, channel: str, contacts: Sequence[str], settle: float = 30.0) -> Outcome:
    """Counted once the outbox has settled: a reply a killed process had sent but not marked is sent
    again (and marked) when its lease runs out, after the resident already read it."""
    engine = make_engine(database_url)
    try:
        deadline = time.monotonic() + settle
        while time.monotonic() < deadline:
            async with make_sessionmaker(engine)() as session:
                pending = await session.scalar(select(func.count()).select_from(OutboundMessage)
                                               .where(OutboundMessage.status == "pending"))
            if not pending:
                break
            await asyncio.sleep(0.2)
        async with make_sessionmaker(engine)() as session:
            inbox = list(await session.scalars(select(InboxMessage).where(InboxMessage.channel == channel)))
            replies = Counter(
                ref.rsplit("-", 2)[1] for ref in await session.scalars(
                    select(OutboundMessage.ref).where(OutboundMessage.channel == channel,
                                                      OutboundMessage.ref.like(f"{channel}-%"))))
            unsent = int(await session.scalar(select(func.count()).select_from(OutboundMessage)
                                              .where(OutboundMessage.status != "sent")) or 0)
            per_contact = Counter(await session.scalars(select(Ticket.contact).where(Ticket.channel == channel)))
    finally:
        await engine.dispose()
    return Outcome(
        stored=len(inbox), processed=sum(m.status == "processed" for m in inbox),
        unanswered=sum(replies[str(m.id)] == 0 for m in inbox),
        answered_twice=sum(replies[str(m.id)] > 1 for m in inbox), unsent=unsent,
        tickets=sum(per_contact.values()), doubled_tickets=sum(n - 1 for n in per_contact.values() if n > 1),
        contacts_without_ticket=sum(per_contact[c] == 0 for c in contacts))


def wire_duplicates_sms(gateway: FakeGateway) -> int:
    """Messages the gateway received twice (same ref): possible when a process dies mid-send."""
    refs = Counter(m["ref"] for m in gateway.sent)
    return sum(n - 1 for n in refs.values())


def wire_duplicates_telegram(botapi: FakeBotApi, chats: Sequence[int]) -> int:
    return sum(max(0, len(botapi.sent(chat)) - len(STEPS)) for chat in chats)


def wire_duplicates_wechat(wxapi: FakeWeChatApi, openids: Sequence[str]) -> int:
    return sum(max(0, len(wxapi.to(openid)) - len(STEPS)) for openid in openids)


def private_lines(lines: list[str], secrets: Sequence[str]) -> list[str]:
    """Lines that are not one JSON object, or that carry something of a resident's."""
    bad = []
    for line in lines:
        try:
            json.loads(line)
        except ValueError:
            bad.append(line[:200])
            continue
        if any(secret in line for secret in secrets):
            bad.append(line[:200])
    return bad


async def run_residents(make: Callable[[int], Any], count: int, spread: float) -> None:
    """Starts ``count`` residents over ``spread`` seconds and waits for all of them."""
    async def later(n: int) -> None:
        await asyncio.sleep(spread * n / count)
        await make(n)

    await asyncio.gather(*(later(n) for n in range(count)))
