"""A burst, side by side in one run (issue 13): how fast Minsheng acknowledges, drains and answers.

In one run, against the same database server and with the same wrk settings:

* the durable ceiling: a bare aiohttp handler in its own process that checks the same HMAC (SMS) or
  secret token (Telegram) and INSERTs the message into the same kind of database (its own fresh
  one, same schema) before answering, one commit per request;
* bare aiohttp JSON (the same process, a handler that reads the body and answers JSON);
* real `minsheng serve` processes, 1, 2 and 4 (`--workers N`, one port, SO_REUSEPORT), each on a
  fresh database: signed `/sms/inbound` and `/telegram/webhook` driven by wrk at 50 connections
  for --duration seconds, every request a distinct message (a pool of pre-signed bodies with unique
  message_ids and update_ids, one phone or chat each, that the Lua script walks through), then the
  wait until every stored message is processed and its reply sent; then a burst of --burst SMS
  (distinct numbers) sent as fast as 50 connections go, with the time until the last reply reached
  the fake gateway and the reply latency p50/p99 (from sending to the gateway receiving the
  reply); then `/api/v1/ask` on the first --ask-distinct distinct questions of the question sets
  (230, as the issue measured; 0 for all ~2,200), walked in turn, beside bare JSON.

Prints req/s, p99, errors and the ratio to the ceiling (ask: to bare JSON), with the machine's load
average before each measurement (the figures are only as quiet as the machine).

    python benchmarks/burst.py --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/test \\
        --redis-url redis://127.0.0.1:6379/8 --workers 1,2,4 --duration 8
    python benchmarks/burst.py                      # SQLite, one process
    python benchmarks/burst.py --only ask ...       # only bare JSON and /api/v1/ask

The database URL names an existing PostgreSQL database used only to create and drop the run's
own databases; the Redis database given is FLUSHED before each configuration.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import os
import platform
import re
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SECRET = "burst-secret"
TG_SECRET = "burst-tg-secret"
TOKEN = "123456:BURSTabcdefghijklmnopqrstuvwxyz0123"
# What residents write first in a burst: a question, often with the place in it.
TEXTS = ["低保标准是多少", "正安县 低保多少钱", "菜单", "临时救助怎么申请", "特困供养金标准", "同仁市 低保怎么申请"]

LUA = r"""
-- Walks through a pool of pre-built requests, each thread its own share, so no request repeats.
local counter, threads = 1, {}
function setup(thread)
  thread:set("id", counter)
  thread:set("nthreads", NTHREADS)
  counter = counter + 1
  table.insert(threads, thread)
end
function init(args)
  lines, i, wrapped = {}, 0, 0
  local n = 0
  for line in io.lines(POOL) do
    if n % nthreads == id - 1 then
      local sep = string.find(line, " ", 1, true)
      lines[#lines + 1] = {string.sub(line, 1, sep - 1), string.sub(line, sep + 1)}
    end
    n = n + 1
  end
end
function request()
  i = i + 1
  if i > #lines then i, wrapped = 1, 1 end
  local l = lines[i]
  return wrk.format("POST", PATH, {["Content-Type"] = "application/json", [HEADER] = l[1]}, l[2])
end
function done(summary, latency, requests)
  for _, t in ipairs(threads) do
    if t:get("wrapped") == 1 then io.write("POOL EXHAUSTED: requests repeated\n") end
  end
end
"""

CEILING_SQL = ("INSERT INTO inbox (channel, delivery_id, address, text, payload, status, attempts, received_at, "
               "next_attempt_at) VALUES ({values}, 'received', 0, {now}, {now}) "
               "ON CONFLICT (channel, delivery_id) DO NOTHING")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def loadavg() -> str:
    return Path("/proc/loadavg").read_text().split(" ", 3)[:3].__str__().replace("'", "")


def cpu_seconds(root: int) -> float:
    """CPU time (user + system) of a process and its descendants, from /proc: a figure the machine's
    other load disturbs far less than requests per second."""
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry.name)] = int(fields[1])
        times[int(entry.name)] = (int(fields[11]) + int(fields[12])) / tick
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        total += times.get(pid, 0.0)
        todo += [child for child, parent in parents.items() if parent == pid]
    return total


def cpu_table() -> dict[int, tuple[int, str, float]]:
    """Every process: (parent, command name, CPU seconds so far)."""
    table: dict[int, tuple[int, str, float]] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            raw = (entry / "stat").read_text()
        except OSError:
            continue
        name, fields = raw[raw.index("(") + 1 : raw.rindex(")")], raw.rsplit(")", 1)[1].split()
        used = int(fields[11]) + int(fields[12])
        if name.startswith("postgres"):
            # Its backends come and go (a connection closed is a backend gone): what they used is
            # counted in the postmaster's children's time once it has reaped them.
            used += int(fields[13]) + int(fields[14])
        table[int(entry.name)] = (int(fields[1]), name, used / tick)
    return table


def cpu_split(server: int) -> dict[str, float]:
    """CPU seconds so far of each `serve` process (the workers of `--workers N`, or the one process),
    of this script (the fake gateway and Bot API, the load of the burst) and of PostgreSQL (every
    backend on the machine, ended ones included: other users of the server count too)."""
    table = cpu_table()
    workers = [pid for pid, (parent, _n, _c) in table.items() if parent == server] or [server]
    out = {f"serve[{i}]": table.get(pid, (0, "", 0.0))[2] for i, pid in enumerate(sorted(workers))}
    out["this script"] = table.get(os.getpid(), (0, "", 0.0))[2]
    out["PostgreSQL"] = sum(c for _p, name, c in table.values() if name.startswith("postgres"))
    # Every core's busy time (/proc/stat; of 200% on 2 cores): what other work on the machine took shows
    # as the difference from the processes above (including processes this script cannot see).
    fields = [int(f) for f in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    out["machine"] = (sum(fields[:8]) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")
    return out


def cpu_use(before: dict[str, float], after: dict[str, float], seconds: float) -> str:
    """CPU use over a window, as a share of one core per process group."""
    return ", ".join(f"{k} {100 * (after[k] - before.get(k, 0.0)) / max(seconds, 1e-9):.0f}%" for k in after)


def sign(raw: bytes) -> str:
    return hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest()


def sms_body(n: int, prefix: str) -> bytes:
    return json.dumps({"message_id": f"{prefix}-{n}", "from": f"+86139{n:08d}", "to": "1069",
                       "text": TEXTS[n % len(TEXTS)]}, ensure_ascii=False, separators=(",", ":")).encode()


def tg_body(n: int) -> bytes:
    chat = 500_000_000 + n
    return json.dumps({"update_id": 700_000_000 + n, "message": {
        "message_id": n + 1, "date": int(time.time()), "chat": {"id": chat, "type": "private"},
        "from": {"id": chat, "is_bot": False, "first_name": "r", "language_code": "zh-hans"},
        "text": TEXTS[n % len(TEXTS)]}}, ensure_ascii=False, separators=(",", ":")).encode()


# -- the ceiling: a bare aiohttp process that checks and INSERTs, nothing else -----------------------------


def ceiling_main(port: int, database_url: str) -> None:
    from aiohttp import web

    postgres = database_url.startswith("postgresql")
    state: dict[str, Any] = {}

    async def start(_app: web.Application) -> AsyncIterator[None]:
        if postgres:
            import asyncpg

            state["pool"] = await asyncpg.create_pool(database_url.replace("+asyncpg", ""), min_size=10, max_size=20)
            state["sql"] = CEILING_SQL.format(values="$1, $2, $3, $4, $5", now="now()")
        else:
            import aiosqlite

            db = await aiosqlite.connect(database_url.split(":///", 1)[1])
            await db.execute("PRAGMA journal_mode=WAL")
            state["db"] = db
            state["sql"] = CEILING_SQL.format(values="?, ?, ?, ?, ?", now="CURRENT_TIMESTAMP")
        yield
        if postgres:
            await state["pool"].close()
        else:
            await state["db"].close()

    async def insert(*values: Any) -> None:
        if postgres:
            async with state["pool"].acquire() as connection:
                await connection.execute(state["sql"], *values)
        else:
            await state["db"].execute(state["sql"], values)
            await state["db"].commit()

    async def sms(request: web.Request) -> web.Response:
        raw = await request.read()
        if not hmac.compare_digest(request.headers.get("X-Minsheng-Signature", ""), sign(raw)):
            return web.json_response({"error": "bad_signature"}, status=401)
        data = json.loads(raw)
        await insert("sms", data["message_id"], data["from"], data["text"], json.dumps({"to": data["to"]}))
        return web.json_response({"accepted": True})

    async def telegram(request: web.Request) -> web.Response:
        if not hmac.compare_digest(request.headers.get("X-Telegram-Bot-Api-Secret-Token", ""), TG_SECRET):
            return web.json_response({"error": "bad_secret_token"}, status=401)
        raw = await request.read()
        data = json.loads(raw)
        await insert("telegram", str(data["update_id"]), str(data["message"]["chat"]["id"]), "", raw.decode())
        return web.json_response({})

    async def bare(request: web.Request) -> web.Response:
        await request.json()
        return web.json_response({"answered": True, "answer": "ok", "sources": []})

    app = web.Application()
    app.cleanup_ctx.append(start)
    app.router.add_post("/sms/inbound", sms)
    app.router.add_post("/telegram/webhook", telegram)
    app.router.add_post("/api/v1/ask", bare)
    app.router.add_get("/healthz", lambda _r: web.json_response({"status": "ok"}))
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


# -- databases ---------------------------------------------------------------------------------------------


class Databases:
    """Fresh databases for each service under test: PostgreSQL ones made beside the given one, or SQLite files."""

    def __init__(self, admin_url: str | None, workdir: Path) -> None:
        self.admin_url = admin_url
        self.workdir = workdir
        self.made: list[str] = []

    async def new(self, name: str) -> str:
        if not self.admin_url:
            url = f"sqlite+aiosqlite:///{self.workdir / name}.db"
        else:
            import asyncpg

            db = f"burst_{os.getpid()}_{name}"
            admin = await asyncpg.connect(self.admin_url.replace("+asyncpg", ""))
            try:
                await admin.execute(f'DROP DATABASE IF EXISTS "{db}"')
                await admin.execute(f'CREATE DATABASE "{db}"')
            finally:
                await admin.close()
            self.made.append(db)
            url = self.admin_url.rsplit("/", 1)[0] + "/" + db
        env = {**clean_env(), "MINSHENG_DATABASE_URL": url}
        await asyncio.to_thread(subprocess.run, [sys.executable, "-m", "bot.cli", "db", "upgrade"], env=env,
                                cwd=self.workdir, check=True, capture_output=True)
        return url

    async def drop(self, url: str) -> None:
        """Drops one of the databases made (a phase is over): they are not left to fill the disk."""
        db = url.rsplit("/", 1)[1]
        if not self.admin_url or db not in self.made:
            return
        import asyncpg

        admin = await asyncpg.connect(self.admin_url.replace("+asyncpg", ""))
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        finally:
            await admin.close()
        self.made.remove(db)

    async def drop_all(self) -> None:
        if not self.admin_url or not self.made:
            return
        import asyncpg

        admin = await asyncpg.connect(self.admin_url.replace("+asyncpg", ""))
        try:
            for db in self.made:
                await admin.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        finally:
            await admin.close()


def clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("MINSHENG_")}


# -- the far side: a fake SMS gateway and Bot API that note when each reply arrives ------------------------


class Sink:
    def __init__(self) -> None:
        self.arrived: dict[str, float] = {}
        self.count = 0

    async def gateway(self, request: Any) -> Any:
        from aiohttp import web

        body = json.loads(await request.read())
        self.arrived.setdefault(body["to"], time.perf_counter())
        self.count += 1
        return web.json_response({"ok": True})

    async def botapi(self, request: Any) -> Any:
        from aiohttp import web

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
            self.count += 1
            chat = {"id": int(fields["chat_id"]), "type": "private"}
            result = {"message_id": 1, "date": int(time.time()), "chat": chat, "text": fields.get("text", "")}
        return web.json_response({"ok": True, "result": result})


@asynccontextmanager
async def sink_server() -> AsyncIterator[tuple[Sink, int]]:
    from aiohttp import web

    sink = Sink()
    app = web.Application(client_max_size=2**20)
    app.router.add_post("/send", sink.gateway)
    app.router.add_route("*", "/bot{token}/{method}", sink.botapi)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield sink, port
    finally:
        await runner.cleanup()


# -- processes ---------------------------------------------------------------------------------------------


async def wait_healthy(url: str, process: subprocess.Popen[bytes], timeout: float = 180.0) -> None:
    import aiohttp

    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as http:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise SystemExit(f"{url}: the process exited ({process.returncode}) before answering")
            try:
                async with http.get(url + "/healthz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.2)
    raise SystemExit(f"{url} did not become healthy")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# -- wrk ---------------------------------------------------------------------------------------------------


def write_pool(path: Path, lines: list[tuple[str, bytes]]) -> None:
    with path.open("wb") as fh:
        for head, body in lines:
            fh.write(head.encode() + b" " + body + b"\n")


def lua(workdir: Path, name: str, pool: Path, path: str, header: str, threads: int) -> Path:
    script = workdir / f"{name}.lua"
    script.write_text(f'POOL = "{pool}"\nPATH = "{path}"\nHEADER = "{header}"\nNTHREADS = {threads}\n' + LUA)
    return script


async def wrk(url: str, script: Path, args: argparse.Namespace, server: int) -> dict[str, Any]:
    """Runs wrk without blocking this loop: the fake gateway and Bot API answer the replies meanwhile."""
    load = loadavg()
    cpu = cpu_seconds(server)
    process = await asyncio.create_subprocess_exec(
        "wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{args.duration}s", "--latency", "--timeout", "10s",
        "-s", str(script), url, stdout=asyncio.subprocess.PIPE)
    out = (await process.communicate())[0].decode()
    if process.returncode:
        raise SystemExit(f"wrk failed ({process.returncode}) on {url}")

    def ms(label: str) -> float:
        match = re.search(rf"{label}\s+([\d.]+)(us|ms|s)\b", out)
        if not match:
            return float("nan")
        value, unit = float(match[1]), match[2]
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    cpu = cpu_seconds(server) - cpu
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])  # type: ignore[index]
    total = int(re.search(r"(\d+) requests in", out)[1])  # type: ignore[index]
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": rps, "p50": ms("50%"), "p99": ms("99%"), "requests": total, "load": load,
            "cpu_us": cpu / max(total, 1) * 1e6,
            "errors": errors + (int(non2xx[1]) if non2xx else 0), "repeated": "POOL EXHAUSTED" in out}


# -- the run -----------------------------------------------------------------------------------------------


async def count_waiting(url: str) -> tuple[int, int, int]:
    """Stored messages, those not yet processed, and replies not yet sent."""
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(url)
    try:
        async with engine.connect() as c:
            stored = int((await c.execute(text("SELECT count(*) FROM inbox"))).scalar_one())
            waiting = int((await c.execute(text("SELECT count(*) FROM inbox WHERE status = 'received'"))).scalar_one())
            unsent = int((await c.execute(text("SELECT count(*) FROM outbox WHERE status = 'pending'"))).scalar_one())
        return stored, waiting, unsent
    finally:
        await engine.dispose()


async def drained(url: str, timeout: float, server: int) -> dict[str, Any]:
    """Waits until every stored message is processed and every reply sent (or ``timeout``): seconds
    taken, the counts, messages processed a second meanwhile and the CPU use of each process."""
    started = time.perf_counter()
    cpu = cpu_split(server)
    load = loadavg()
    first = await count_waiting(url)
    while True:
        stored, waiting, unsent = await count_waiting(url)
        elapsed = time.perf_counter() - started
        if (waiting == 0 and unsent == 0) or elapsed > timeout:
            return {"s": elapsed, "stored": stored, "waiting": waiting, "unsent": unsent, "load": load,
                    "rate": (first[1] - waiting) / max(elapsed, 1e-9), "backlog": first[1],
                    "cpu": cpu_use(cpu, cpu_split(server), elapsed)}
        await asyncio.sleep(0.5)


async def burst(base: str, sink: Sink, size: int, connections: int, server: int) -> dict[str, Any]:
    """``size`` SMS from distinct numbers as fast as ``connections`` go, into a service with nothing
    waiting; until the last reply arrives. The processing rate is the one after the last
    acknowledgement (while acknowledging, processing gives way), with each process's CPU use then."""
    import aiohttp

    prefix = f"burst{time.monotonic_ns()}"
    bodies = [(sms_body(n + 50_000_000, prefix), n) for n in range(size)]
    sent: dict[str, float] = {}
    statuses: dict[int, int] = {}
    queue = list(reversed(bodies))
    sink.arrived.clear()
    load = loadavg()
    t0 = time.perf_counter()

    async def worker(http: aiohttp.ClientSession) -> None:
        while queue:
            raw, n = queue.pop()
            sent["+86139" + f"{n + 50_000_000:08d}"] = time.perf_counter()
            async with http.post(base + "/sms/inbound", data=raw, headers={"X-Minsheng-Signature": sign(raw)}) as r:
                await r.read()
                statuses[r.status] = statuses.get(r.status, 0) + 1

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=connections)) as http:
        await asyncio.gather(*(worker(http) for _ in range(connections)))
    acked = time.perf_counter() - t0
    replied_at_ack = sum(1 for p in sent if p in sink.arrived)
    cpu = cpu_split(server)
    deadline = time.perf_counter() + max(300.0, size / 10)
    while time.perf_counter() < deadline and sum(1 for p in sent if p in sink.arrived) < size:  # noqa: ASYNC110
        await asyncio.sleep(0.2)
    drain_cpu = cpu_use(cpu, cpu_split(server), time.perf_counter() - t0 - acked)
    replied = [sink.arrived[p] - t for p, t in sent.items() if p in sink.arrived]
    last = max((sink.arrived[p] for p in sent if p in sink.arrived), default=t0)
    replied.sort()

    def pct(q: float) -> float:
        return replied[min(len(replied) - 1, int(q * len(replied)))] * 1000 if replied else float("nan")

    after_ack = max(last - t0 - acked, 1e-9)
    return {"size": size, "acked_s": acked, "drain_s": last - t0, "replied": len(replied), "statuses": statuses,
            "p50": pct(0.5), "p99": pct(0.99), "load": load, "replied_at_ack": replied_at_ack,
            "rate_after_ack": (len(replied) - replied_at_ack) / after_ack, "cpu": drain_cpu}


@asynccontextmanager
async def service(n: int, databases: Databases, args: argparse.Namespace, sink_port: int, workdir: Path,
                  phase: str) -> AsyncIterator[tuple[str, str, int]]:
    """`minsheng serve --workers n` on a fresh database (and the Redis database flushed), ready:
    its base URL, database URL and process id; stopped afterwards."""
    url = await databases.new(f"serve{n}_{phase}")
    if args.redis_url:
        import redis.asyncio as redis

        client = redis.from_url(args.redis_url)
        await client.flushdb()
        await client.aclose()
    env = {**clean_env(), "MINSHENG_DATABASE_URL": url, "MINSHENG_SMS_SECRET": SECRET,
           "MINSHENG_SMS_GATEWAY_URL": f"http://127.0.0.1:{sink_port}/send",
           "MINSHENG_TELEGRAM_TOKEN": TOKEN, "MINSHENG_TELEGRAM_MODE": "webhook",
           "MINSHENG_TELEGRAM_API_SERVER": f"http://127.0.0.1:{sink_port}",
           "MINSHENG_TELEGRAM_WEBHOOK_SECRET": TG_SECRET, "MINSHENG_PUBLIC_URL": "https://burst.invalid"}
    if args.redis_url:
        env["MINSHENG_REDIS_URL"] = args.redis_url
    port = free_port()
    with (workdir / f"serve{n}_{phase}.log").open("wb") as log:
        serve = subprocess.Popen([sys.executable, "-m", "bot.cli", "serve", "--port", str(port),  # noqa: ASYNC220
                                  "--workers", str(n)], env=env, cwd=workdir, stdout=log, stderr=subprocess.STDOUT)
        try:
            base = f"http://127.0.0.1:{port}"
            await wait_healthy(base, serve)
            await asyncio.sleep(3 + n)  # every worker up (they share the port), e5 loaded
            yield base, url, serve.pid
        finally:
            stop(serve)
        await databases.drop(url)


def ask_pool(workdir: Path, distinct: int) -> tuple[Path, int]:
    """The first ``distinct`` distinct questions of tests/kb/data (0: all of them), as request bodies."""
    seen: dict[tuple[str, str], None] = {}
    for path in sorted((ROOT / "tests" / "kb" / "data").glob("*.jsonl")):
        for line in path.read_text("utf-8").splitlines():
            if line.strip():
                case = json.loads(line)
                seen[(str(case["text"]), str(case["region"]))] = None
    chosen = list(seen)[:distinct] if distinct else list(seen)
    pool = workdir / "ask.pool"
    write_pool(pool, [("x", json.dumps({"text": t, "region": r}, ensure_ascii=False,
                                       separators=(",", ":")).encode()) for t, r in chosen])
    return pool, len(chosen)


def report(rows: list[tuple[str, str, dict[str, Any], float | None]]) -> None:
    print(f"\n{'what':26} {'path':20} {'req/s':>8} {'ratio':>7} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} "
          f"{'CPU µs/req':>10}  load")
    for what, path, r, base in rows:
        ratio = f"{r['rps'] / base:.3f}×" if base else "—"
        flag = "  REPEATED IDS" if r.get("repeated") and path != "/api/v1/ask" else ""
        print(f"{what:26} {path:20} {r['rps']:8.0f} {ratio:>7} {r['p50']:8.1f} {r['p99']:8.1f} {r['errors']:7d}"
              f" {r['cpu_us']:10.0f}  {r['load']}{flag}")


async def run(args: argparse.Namespace) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="minsheng-burst-"))
    databases = Databases(args.database_url, workdir)
    workers = [int(n) for n in args.workers.split(",")]
    if not args.database_url and workers != [1]:
        raise SystemExit("--workers above 1 needs --database-url (PostgreSQL) and --redis-url")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
          f"storage: {'PostgreSQL' if args.database_url else 'SQLite'} + "
          f"{'Redis' if args.redis_url else 'in-process state'}; wrk -t{args.threads} -c{args.connections} "
          f"-d{args.duration}s; load average at start {loadavg()}")
    ask_only = args.only == "ask"
    pool_size = 0 if ask_only else args.pool
    sms_pool, tg_pool = workdir / "sms.pool", workdir / "tg.pool"
    write_pool(sms_pool, [(sign(b), b) for b in (sms_body(n, "w") for n in range(pool_size))])
    write_pool(tg_pool, [(TG_SECRET, tg_body(n)) for n in range(pool_size)])
    sms_lua = lua(workdir, "sms", sms_pool, "/sms/inbound", "X-Minsheng-Signature", args.threads)
    tg_lua = lua(workdir, "tg", tg_pool, "/telegram/webhook", "X-Telegram-Bot-Api-Secret-Token", args.threads)
    questions, n_questions = ask_pool(workdir, args.ask_distinct)
    ask_lua = lua(workdir, "ask", questions, "/api/v1/ask", "X-Bench", args.threads)
    rows: list[tuple[str, str, dict[str, Any], float | None]] = []
    bursts: list[tuple[str, dict[str, Any], dict[str, Any], dict[str, Any]]] = []
    try:
        ceiling_url = await databases.new("ceiling")
        port = free_port()
        ceiling = subprocess.Popen([sys.executable, __file__, "--role", "ceiling", "--port", str(port),  # noqa: ASYNC220
                                    "--database-url", ceiling_url], cwd=workdir)
        try:
            base = f"http://127.0.0.1:{port}"
            await wait_healthy(base, ceiling)
            if not ask_only:
                c_sms = await wrk(base + "/sms/inbound", sms_lua, args, ceiling.pid)
                c_tg = await wrk(base + "/telegram/webhook", tg_lua, args, ceiling.pid)
            c_bare = await wrk(base + "/api/v1/ask", ask_lua, args, ceiling.pid)
        finally:
            stop(ceiling)
        if not ask_only:
            rows += [("ceiling (HMAC + INSERT)", "/sms/inbound", c_sms, None),
                     ("ceiling (token + INSERT)", "/telegram/webhook", c_tg, None)]
        rows.append(("bare aiohttp JSON", "/api/v1/ask", c_bare, None))
        async with sink_server() as (sink, sink_port):
            for n in workers:
                label = f"minsheng serve ×{n}"
                # Each phase on a service of its own (fresh database, Redis flushed, new processes): the
                # burst and the ask run find nothing waiting from the phase before, whatever was left.
                if ask_only:
                    async with service(n, databases, args, sink_port, workdir, "ask") as (base, url, pid):
                        r_ask = await wrk(base + "/api/v1/ask", ask_lua, args, pid)
                        rows.append((label, "/api/v1/ask", r_ask, c_bare["rps"]))
                    continue
                async with service(n, databases, args, sink_port, workdir, "wrk") as (base, url, pid):
                    r_sms = await wrk(base + "/sms/inbound", sms_lua, args, pid)
                    rows.append((label, "/sms/inbound", r_sms, c_sms["rps"]))
                    after_sms = await drained(url, args.drain_timeout, pid)
                    r_tg = await wrk(base + "/telegram/webhook", tg_lua, args, pid)
                    rows.append((label, "/telegram/webhook", r_tg, c_tg["rps"]))
                    after_tg = await drained(url, args.drain_timeout, pid)
                async with service(n, databases, args, sink_port, workdir, "burst") as (base, url, pid):
                    b = await burst(base, sink, args.burst, args.connections, pid)
                async with service(n, databases, args, sink_port, workdir, "ask") as (base, url, pid):
                    r_ask = await wrk(base + "/api/v1/ask", ask_lua, args, pid)
                    rows.append((label, "/api/v1/ask", r_ask, c_bare["rps"]))
                bursts.append((label, b, after_sms, after_tg))
        report(rows)
        asked = [r["requests"] for what, path, r, _ in rows if path == "/api/v1/ask" and what.startswith("minsheng")]
        print(f"\n/api/v1/ask: {n_questions} distinct questions (tests/kb/data) walked in turn, so each was asked "
              f"{', '.join(f'{a / n_questions:.1f}' for a in asked)} times on average; ratio to bare aiohttp JSON")
        if ask_only:
            return
        print("\nafter each wrk run: until every stored message was processed and replied (or --drain-timeout): "
              "seconds, the backlog's messages processed a second, stored / still waiting / replies unsent, "
              "CPU use meanwhile (share of one core)")
        for label, _b, sms_done, tg_done in bursts:
            for what, d in (("SMS", sms_done), ("Telegram", tg_done)):
                print(f"{label} after {what}: {d['s']:.1f} s, {d['backlog']} waiting at the start, {d['rate']:.0f}/s "
                      f"processed; {d['stored']} stored, {d['waiting']} waiting, {d['unsent']} unsent; "
                      f"CPU {d['cpu']}; load {d['load']}")
        print(f"\nburst of SMS from distinct numbers into a service with nothing waiting, {args.connections} "
              "connections (reply latency: from sending to the gateway receiving the reply; processing rate: "
              "replies a second after the last acknowledgement, CPU use then)")
        for label, b, _s, _t in bursts:
            print(f"{label}: {b['size']} acknowledged in {b['acked_s']:.1f} s {b['statuses']} "
                  f"({b['replied_at_ack']} replied by then); drained (last reply) after {b['drain_s']:.1f} s, "
                  f"{b['replied']}/{b['size']} replied; reply p50 {b['p50']:.0f} ms, p99 {b['p99']:.0f} ms; "
                  f"processing {b['rate_after_ack']:.0f}/s after the acknowledgements, CPU {b['cpu']}; "
                  f"load {b['load']}")
    finally:
        await databases.drop_all()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--role", default="bench", choices=["bench", "ceiling"], help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--database-url", help="PostgreSQL (postgresql+asyncpg://…/test); unset: SQLite files")
    parser.add_argument("--redis-url", help="a Redis database to use (it is flushed)")
    parser.add_argument("--workers", default="1", help="comma-separated process counts, e.g. 1,2,4")
    parser.add_argument("--duration", type=int, default=8)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--burst", type=int, default=10_000)
    parser.add_argument("--pool", type=int, default=120_000, help="distinct pre-signed requests per channel")
    parser.add_argument("--drain-timeout", type=float, default=600.0)
    parser.add_argument("--ask-distinct", type=int, default=230,
                        help="distinct questions /api/v1/ask walks (230 as the issue measured; 0: every line of "
                             "tests/kb/data, about 2,200, whose first answers are then ~6%% of an 8 s run)")
    parser.add_argument("--only", choices=["ask"], help="run only this part: ask = bare JSON and /api/v1/ask")
    args = parser.parse_args()
    if args.role == "ceiling":
        ceiling_main(args.port, args.database_url)
        return
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
