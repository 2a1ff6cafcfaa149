"""What processing one stored SMS costs (issue 13): CPU ms of the service and of PostgreSQL, and SQL
statements, per message, while one `minsheng serve` works off a backlog of stored messages.

A fresh database (made beside the one given, dropped afterwards; or a SQLite file), one
`minsheng serve` process started idle with a fake SMS gateway (this script) and, when given, Redis;
then ``--messages`` SMS from distinct numbers (the texts of benchmarks/burst.py) are stored in the
inbox in one transaction, and the run ends when every one is processed and its reply has reached the
gateway. The service runs under a wrapper that counts the SQL statements its engines execute (a
SQLAlchemy ``before_cursor_execute`` listener; an executemany is one); the counts at the start and at
the end are read through SIGUSR1. The webhook is not used: what is measured is the inbox → dialog
engine → outbox path alone.

    python benchmarks/sms_drain.py --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/perf_sms \\
        --redis-url redis://127.0.0.1:6379/9 --messages 2000
    python benchmarks/sms_drain.py --messages 1000          # SQLite, in-process state
    python benchmarks/sms_drain.py ... --py-spy out.svg     # with a py-spy flame graph of the drain
    python benchmarks/sms_drain.py ... --workers 2          # `serve --workers 2` (statements not counted)

The Redis database given is FLUSHED first.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from burst import (
    SECRET,
    TEXTS,
    Databases,
    clean_env,
    cpu_split,
    cpu_use,
    free_port,
    loadavg,
    sink_server,
    stop,
    wait_healthy,
)


def serve_with_counter(counts_file: str, argv: list[str]) -> int:
    """`minsheng serve` with every SQL statement counted, by its first words; SIGUSR1 writes the counts."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    counts: collections.Counter[str] = collections.Counter()
    words = re.compile(r"^\s*(\w+)(?:.*?\b(?:FROM|INTO|UPDATE)\s+(\w+))?", re.S | re.I)

    @event.listens_for(Engine, "before_cursor_execute")
    def _count(_conn: Any, _cursor: Any, statement: str, _params: Any, _context: Any, _many: bool) -> None:
        match = words.match(statement)
        key = f"{match[1].upper()} {match[2] or ''}".strip() if match else statement[:20]
        if key.startswith("UPDATE"):
            key = "UPDATE " + statement.split()[1]
        counts[key] += 1

    def dump(_signum: int, _frame: object) -> None:
        Path(counts_file).write_text(json.dumps(counts))

    signal.signal(signal.SIGUSR1, dump)
    from bot.cli import main

    return main(argv)


async def counts_of(process: subprocess.Popen[bytes], path: Path) -> collections.Counter[str]:
    await asyncio.to_thread(path.unlink, missing_ok=True)
    process.send_signal(signal.SIGUSR1)
    for _ in range(100):
        await asyncio.sleep(0.05)
        try:
            return collections.Counter(json.loads(await asyncio.to_thread(path.read_text)))
        except (OSError, ValueError):
            continue
    raise SystemExit("the service did not write its statement counts")


async def store_backlog(url: str, n: int, prefix: str) -> None:
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(url)
    now = "now()" if url.startswith("postgresql") else "CURRENT_TIMESTAMP"
    rows = [{"d": f"{prefix}-{i}", "a": f"+86139{i:08d}", "t": TEXTS[i % len(TEXTS)], "p": json.dumps({"to": "1069"})}
            for i in range(n)]
    try:
        async with engine.begin() as c:
            await c.execute(text("INSERT INTO inbox (channel, delivery_id, address, text, payload, status, attempts, "
                                 f"received_at, next_attempt_at) VALUES ('sms', :d, :a, :t, :p, 'received', 0, "
                                 f"{now}, {now})"), rows)
    finally:
        await engine.dispose()


async def left(url: str) -> tuple[int, int]:
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(url)
    try:
        async with engine.connect() as c:
            waiting = int((await c.execute(text("SELECT count(*) FROM inbox WHERE status = 'received'"))).scalar_one())
            unsent = int((await c.execute(text("SELECT count(*) FROM outbox WHERE status = 'pending'"))).scalar_one())
        return waiting, unsent
    finally:
        await engine.dispose()


async def run(args: argparse.Namespace) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="minsheng-drain-"))
    databases = Databases(args.database_url, workdir)
    url = await databases.new("drain")
    try:
        if args.redis_url:
            import redis.asyncio as redis

            client = redis.from_url(args.redis_url)
            await client.flushdb()
            await client.aclose()
        async with sink_server() as (sink, sink_port):
            env = {**clean_env(), "MINSHENG_DATABASE_URL": url, "MINSHENG_SMS_SECRET": SECRET,
                   "MINSHENG_SMS_GATEWAY_URL": f"http://127.0.0.1:{sink_port}/send"}
            if args.redis_url:
                env["MINSHENG_REDIS_URL"] = args.redis_url
            port = free_port()
            counts_file = workdir / "counts.json"
            with (workdir / "serve.log").open("wb") as log:
                serve = subprocess.Popen([sys.executable, __file__, "--role", "serve", "--counts", str(counts_file),  # noqa: ASYNC220
                                          "--", "serve", "--port", str(port), "--workers", str(args.workers)],
                                         env=env, cwd=workdir, stdout=log, stderr=subprocess.STDOUT)
                spy: subprocess.Popen[bytes] | None = None
                try:
                    await wait_healthy(f"http://127.0.0.1:{port}", serve)
                    await asyncio.sleep(3)
                    before = await counts_of(serve, counts_file)
                    cpu = cpu_split(serve.pid)
                    load = loadavg()
                    if args.py_spy and args.workers == 1:
                        spy = subprocess.Popen(["py-spy", "record", "-p", str(serve.pid), "-o", args.py_spy,  # noqa: ASYNC220
                                                "-r", "200", "--nonblocking", *(["-f", "speedscope"]
                                                if args.py_spy.endswith(".json") else [])])
                    t0 = time.perf_counter()
                    await store_backlog(url, args.messages, f"d{time.monotonic_ns()}")
                    while True:
                        waiting, unsent = await left(url)
                        if (waiting == 0 and unsent == 0 and sink.count >= args.messages) \
                                or time.perf_counter() - t0 > args.timeout:
                            break
                        await asyncio.sleep(0.2)
                    elapsed = time.perf_counter() - t0
                    after_cpu = cpu_split(serve.pid)
                    after = await counts_of(serve, counts_file)
                finally:
                    if spy is not None:
                        spy.send_signal(signal.SIGINT)
                        await asyncio.to_thread(spy.wait)
                    stop(serve)
        n = args.messages
        service = sum(after_cpu[k] - cpu[k] for k in after_cpu if k.startswith("serve"))
        statements = after - before
        total = sum(statements.values())
        print(f"storage: {'PostgreSQL' if args.database_url else 'SQLite'} + "
              f"{'Redis' if args.redis_url else 'in-process state'}; {n} messages; load {load}")
        print(f"drained in {elapsed:.1f} s ({n / elapsed:.0f} msg/s); {waiting} unprocessed, {unsent} unsent, "
              f"{sink.count} replies at the gateway")
        # Where the machine's cores went during the drain (100% = one core busy the whole time).
        print(f"CPU during the drain: {cpu_use(cpu, after_cpu, elapsed)}")
        print(f"service CPU {1000 * service / n:.2f} ms/msg", end="")
        if args.database_url:
            print(f"; PostgreSQL CPU {1000 * (after_cpu['PostgreSQL'] - cpu['PostgreSQL']) / n:.2f} ms/msg "
                  "(every backend on the machine)", end="")
        if args.workers > 1:
            # The workers are processes of their own (python -m bot.cli), without the counter.
            print(f"; {args.workers} workers: SQL statements not counted")
            return
        print(f"; SQL statements {total / n:.2f}/msg")
        for key, count in statements.most_common():
            if count:
                print(f"  {count / n:6.2f}  {key}")
    finally:
        await databases.drop_all()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="an existing PostgreSQL database (postgresql+asyncpg://…); "
                        "the run's own is made beside it. Default: SQLite")
    parser.add_argument("--redis-url")
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument("--workers", type=int, default=1, help="`serve --workers N` (needs PostgreSQL and Redis)")
    parser.add_argument("--py-spy", metavar="OUT", help="record the drain with py-spy (.svg, or .json: speedscope)")
    parser.add_argument("--role", default="run", choices=["run", "serve"])
    parser.add_argument("--counts")
    parser.add_argument("rest", nargs="*")
    args = parser.parse_args()
    if args.role == "serve":
        raise SystemExit(serve_with_counter(args.counts, args.rest))
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
