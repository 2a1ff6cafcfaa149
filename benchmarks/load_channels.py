"""Load on the two inbound channels of a real `minsheng serve` process.

Starts the service in its own process (SQLite in a temporary folder unless --database-url is
given), a fake SMS gateway and a fake Telegram Bot API in this process, then sends signed SMS to
/sms/inbound and updates to /telegram/webhook with a fixed concurrency. Prints, per channel,
the acknowledgement latency (until the HTTP 200), the end-to-end latency (until the reply
reaches the gateway or the Bot API) and the throughput.

    python benchmarks/load_channels.py --requests 400 --concurrency 16
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import hmac
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

SECRET = "bench-secret"
TG_SECRET = "bench-tg-secret"
TOKEN = "123456:BENCHabcdefghijklmnopqrstuvwxyz0123"
QUESTIONS = ["菜单", "低保标准是多少", "特困供养金标准", "临时救助多久答复", "怎么申请低保"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


class Sink:
    """Receives what the service sends out and records when each reply arrived."""

    def __init__(self) -> None:
        self.arrived: dict[str, list[float]] = {}
        self.changed = asyncio.Event()

    def note(self, key: str) -> None:
        self.arrived.setdefault(key, []).append(time.perf_counter())
        self.changed.set()

    async def gateway(self, request: web.Request) -> web.Response:
        body = json.loads(await request.read())
        self.note("sms:" + body["to"][-11:])
        return web.json_response({"ok": True})

    async def botapi(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        fields: dict[str, Any] = {}
        if request.content_type == "application/json":
            fields = await request.json()
        elif request.can_read_body:
            fields = dict(await request.post())
        result: Any = True
        if method == "getMe":
            result = {"id": 1, "is_bot": True, "first_name": "b", "username": "b"}
        elif method == "sendMessage":
            self.note(f"tg:{fields.get('chat_id')}")
            chat = {"id": int(fields["chat_id"]), "type": "private"}
            result = {"message_id": 1, "date": int(time.time()), "chat": chat, "text": fields.get("text", "")}
        return web.json_response({"ok": True, "result": result})


async def run(args: argparse.Namespace) -> None:
    sink = Sink()
    app = web.Application()
    app.router.add_post("/send", sink.gateway)
    app.router.add_route("*", "/bot{token}/{method}", sink.botapi)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    fake_port = free_port()
    await web.TCPSite(runner, "127.0.0.1", fake_port).start()

    workdir = tempfile.mkdtemp(prefix="minsheng-bench-")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MINSHENG_")}
    env.update({
        "MINSHENG_DATABASE_URL": args.database_url or f"sqlite+aiosqlite:///{workdir}/bench.db",
        "MINSHENG_SMS_SECRET": SECRET, "MINSHENG_SMS_GATEWAY_URL": f"http://127.0.0.1:{fake_port}/send",
        "MINSHENG_TELEGRAM_TOKEN": TOKEN, "MINSHENG_TELEGRAM_MODE": "webhook",
        "MINSHENG_TELEGRAM_API_SERVER": f"http://127.0.0.1:{fake_port}",
        "MINSHENG_TELEGRAM_WEBHOOK_SECRET": TG_SECRET, "MINSHENG_PUBLIC_URL": "https://bench.invalid",
    })
    if args.redis_url:
        env["MINSHENG_REDIS_URL"] = args.redis_url
    log = open(Path(workdir) / "serve.log", "w")  # noqa: SIM115, ASYNC230 - set-up, closed at the end
    proc = subprocess.Popen([str(Path(sys.executable).parent / "minsheng"), "serve", "--port", str(port)],  # noqa: ASYNC220
                            env=env, stdout=log, stderr=subprocess.STDOUT, cwd=workdir)
    base = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as http:
            for _ in range(200):
                try:
                    async with http.get(base + "/healthz") as r:
                        if r.status == 200:
                            break
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.1)
            print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
            storage = "PostgreSQL" if args.database_url else "SQLite"
            print(f"storage: {storage} + {'Redis' if args.redis_url else 'in-process state'}")
            print(f"requests per channel: {args.requests}, concurrency: {args.concurrency}")
            await bench_sms(http, base, sink, args)
            await bench_telegram(http, base, sink, args)
    finally:
        proc.terminate()
        proc.wait(15)
        log.close()
        await runner.cleanup()


async def drive(label: str, jobs: list[tuple[str, Any]], concurrency: int, sink: Sink,
                send: Any) -> None:
    acks: list[float] = []
    started: dict[str, list[float]] = {}
    queue: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
    for job in jobs:
        queue.put_nowait(job)
    statuses: dict[int, int] = {}

    async def worker() -> None:
        while not queue.empty():
            key, payload = queue.get_nowait()
            t0 = time.perf_counter()
            started.setdefault(key, []).append(t0)
            status = await send(payload)
            acks.append(time.perf_counter() - t0)
            statuses[status] = statuses.get(status, 0) + 1

    t_start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed_ack = time.perf_counter() - t_start
    deadline = time.perf_counter() + 120

    def delivered() -> int:
        return sum(len(sink.arrived.get(k, [])) for k in started)

    while time.perf_counter() < deadline and delivered() < len(jobs):
        sink.changed.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(sink.changed.wait(), 1.0)
    elapsed_all = time.perf_counter() - t_start
    e2e = []
    for key, starts in started.items():
        for t0, t1 in zip(sorted(starts), sorted(sink.arrived.get(key, [])), strict=False):
            e2e.append(t1 - t0)
    count = delivered()
    print(f"\n[{label}] statuses {statuses}; replies delivered {count}/{len(jobs)}")
    print(f"  acknowledged: p50 {pct(acks, 0.5):.1f} ms, p99 {pct(acks, 0.99):.1f} ms, "
          f"{len(jobs) / elapsed_ack:.0f} req/s")
    if e2e:
        print(f"  reply delivered: p50 {pct(e2e, 0.5):.1f} ms, p99 {pct(e2e, 0.99):.1f} ms, "
              f"mean {statistics.mean(e2e) * 1000:.1f} ms; all replies in {elapsed_all:.1f} s "
              f"({count / elapsed_all:.0f} replies/s)")


async def bench_sms(http: aiohttp.ClientSession, base: str, sink: Sink, args: argparse.Namespace) -> None:
    phones = [f"+86138{i:08d}" for i in range(args.requests)]
    for phone in phones:  # every phone first sets its region, unmeasured
        await send_sms(http, base, phone, "同仁市", f"warm-{phone}")
    await asyncio.sleep(2)
    sink.arrived.clear()
    jobs = [("sms:" + p[-11:], (p, QUESTIONS[i % len(QUESTIONS)], f"m-{i}")) for i, p in enumerate(phones)]

    async def send(payload: tuple[str, str, str]) -> int:
        return await send_sms(http, base, *payload)

    await drive("SMS /sms/inbound", jobs, args.concurrency, sink, send)


async def send_sms(http: aiohttp.ClientSession, base: str, phone: str, text: str, message_id: str) -> int:
    raw = json.dumps({"message_id": message_id, "from": phone, "to": "1069", "text": text},
                     ensure_ascii=False).encode()
    sig = hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest()
    async with http.post(base + "/sms/inbound", data=raw, headers={"X-Minsheng-Signature": sig}) as r:
        await r.read()
        return r.status


async def bench_telegram(http: aiohttp.ClientSession, base: str, sink: Sink, args: argparse.Namespace) -> None:
    jobs = []
    for i in range(args.requests):
        chat = 100_000 + i
        update = {"update_id": 900_000 + i, "message": {
            "message_id": i + 1, "date": int(time.time()), "chat": {"id": chat, "type": "private"},
            "from": {"id": chat, "is_bot": False, "first_name": "r"}, "text": QUESTIONS[i % len(QUESTIONS)]}}
        jobs.append((f"tg:{chat}", update))

    async def send(update: dict[str, Any]) -> int:
        async with http.post(base + "/telegram/webhook", json=update,
                             headers={"X-Telegram-Bot-Api-Secret-Token": TG_SECRET}) as r:
            await r.read()
            return r.status

    await drive("Telegram /telegram/webhook", jobs, args.concurrency, sink, send)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--database-url")
    parser.add_argument("--redis-url")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
