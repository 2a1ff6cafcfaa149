"""Staff queue latency with a real caseload: search, filters, paging and counts, one ticket, escalation.

Fills a fresh database (SQLite in a temporary folder, or with --postgres URL a throw-away database
created on that server and dropped afterwards) with N tickets (100,000 by default) spread over the
townships of two counties, most of them closed as an archive is, then times through the real app
(aiohttp test server, real HTTP), each line with its median, p95 and p99:

- the first page (50) of a search by the last four digits of a phone, and by a word of the text (火灾,
  two characters: no trigram, the scope is read; 老人卧床, four; 第43210号, in one ticket), for a
  caseworker (one township), a supervisor (a county) and an admin (everything);
- a filtered page (overdue; urgent; assigned to me; one township for a supervisor);
- the counts per status with the true total (per_page=1: the rest of a list response is the page);
- GET /api/v1/tickets/{number} with its events, and one escalation sweep.

Every list response carries the total and the counts per status, so each list line includes them.

    python benchmarks/tickets_queue.py
    python benchmarks/tickets_queue.py --postgres postgresql+asyncpg://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import platform
import secrets
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path

import asyncpg
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import insert, text
from sqlalchemy.engine import make_url

from bot.app import create_app
from bot.keys import ESCALATOR, SERVICES, SESSIONS
from bot.settings import load_settings
from bot.staff_access import hash_token
from bot.storage.models import Staff, Ticket, TicketEvent, utcnow
from knowledge_base.jurisdictions import jurisdictions

COUNTIES = ("632301", "350302")


WORDS = ("生活困难", "看病", "房屋漏雨", "孩子上学", "失业", "火灾", "老人卧床", "收入减少", "残疾", "低保")
CLOSED_STATUSES = ("resolved", "resolved", "rejected")


async def fill(client: TestClient, count: int) -> dict[str, str]:
    places = jurisdictions()
    townships = [t.code for c in COUNTIES for t in places.townships(c)]
    now = utcnow()
    rows = []
    for i in range(count):
        township = townships[i % len(townships)]
        created = now - timedelta(minutes=(i * 7) % (400 * 24 * 60))
        open_ = i % 10 < 3  # three in ten still open, the rest an archive
        kind = "help" if i % 5 else "monitoring"
        status = ("pending" if i % 3 else "accepted") if kind == "help" else "applied"
        answered = created + timedelta(hours=2) if i % 4 else None
        rows.append({"number": f"{created:%y%m%d}{i + 1:06d}", "kind": kind,
                     "category": "other", "county_code": township[:6], "township_code": township,
                     "status": status if open_ else CLOSED_STATUSES[i % 3], "urgent": i % 7 == 0, "channel": "sms",
                     "contact": f"+86138{(i * 7919) % 10**8:08d}", "locale": "zh_Hans",
                     "text": f"{WORDS[i % len(WORDS)]} 第{i}号 {WORDS[(i // 10) % len(WORDS)]}", "attachments": [],
                     "created_at": created, "due_at": created + timedelta(hours=12), "first_answered_at": answered,
                     "aid_due_at": created + timedelta(hours=24) if i % 7 == 0 else None, "escalated_at": None,
                     "assignee": "bench-cw" if township == townships[0] and i % 11 == 0 else None})
    tokens = {"caseworker": secrets.token_urlsafe(16), "supervisor": secrets.token_urlsafe(16),
              "admin": secrets.token_urlsafe(16)}
    async with client.app[SESSIONS]() as session, session.begin():
        for start in range(0, len(rows), 2000):
            await session.execute(insert(Ticket), rows[start:start + 2000])
        ids = list(await session.scalars(text("SELECT id FROM tickets ORDER BY id")))
        events = [{"ticket_id": i, "at": now, "type": "filed", "by": "resident", "text": ""} for i in ids]
        for start in range(0, len(events), 2000):
            await session.execute(insert(TicketEvent), events[start:start + 2000])
        session.add(Staff(name="bench-cw", role="caseworker", township_code=townships[0], county_code=COUNTIES[0],
                          token_hash=hash_token(tokens["caseworker"])))
        session.add(Staff(name="bench-sup", role="supervisor", county_code=COUNTIES[0],
                          token_hash=hash_token(tokens["supervisor"])))
        session.add(Staff(name="bench-admin", role="admin", token_hash=hash_token(tokens["admin"])))
    async with client.app[SESSIONS]() as session:
        engine = session.bind
        if engine.dialect.name == "postgresql":
            # As a table that has been there a while: autovacuum has vacuumed it (visibility map, hint
            # bits: the first reads after a bulk load otherwise write every page) and analysed it.
            async with engine.connect() as connection:
                autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
                await autocommit.execute(text("VACUUM ANALYZE"))
        else:
            # Planner statistics, as a database that has been running has them.
            await session.execute(text("ANALYZE"))
            await session.commit()
    return tokens


async def timed(client: TestClient, path: str, token: str, runs: int) -> tuple[list[float], int]:
    took, size = [], 0
    cpu.clear()
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        response = await client.get(path, headers={"Authorization": f"Bearer {token}"})
        body = await response.read()
        took.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
        assert response.status == 200, body[:200]
        size = len(body)
    return took, size


# CPU time of this process (the server, its SQLite threads and the client) per request: what the work
# costs whatever else the machine is doing. PostgreSQL's own work is in another process, not in it.
cpu: list[float] = []


def line(label: str, took: list[float], extra: str = "") -> None:
    took = sorted(took)
    p95 = took[max(0, int(len(took) * 0.95) - 1)]
    p99 = took[max(0, int(len(took) * 0.99) - 1)]
    used = sorted(cpu) or [0.0]
    cpu99 = used[max(0, int(len(used) * 0.99) - 1)]
    print(f"{label:<48} median {statistics.median(took):6.1f} ms  p95 {p95:6.1f}  p99 {p99:6.1f}  "
          f"cpu median {statistics.median(used):5.1f} p99 {cpu99:5.1f} ms  {extra}")
    cpu.clear()


async def admin(url: str) -> asyncpg.Connection:
    parsed = make_url(url)
    return await asyncpg.connect(host=parsed.host or "127.0.0.1", port=parsed.port or 5432,
                                 user=parsed.username or "postgres", password=parsed.password,
                                 database=parsed.database or "postgres")


async def on_fresh_database(postgres: str | None, prefix: str,
                            work: Callable[[str], Awaitable[None]]) -> None:
    """Runs ``work`` on a new SQLite file, or on a new database beside ``postgres`` dropped afterwards."""
    if not postgres:
        await work(f"sqlite+aiosqlite:///{Path(tempfile.mkdtemp(prefix=prefix)) / 'minsheng.db'}")
        return
    name = f"minsheng_bench_{secrets.token_hex(4)}"
    conn = await admin(postgres)
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()
    try:
        await work(make_url(postgres).set(database=name).render_as_string(hide_password=False))
    finally:
        conn = await admin(postgres)
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.close()


async def main(args: argparse.Namespace) -> None:
    await on_fresh_database(args.postgres, "bench-tickets-", lambda url: run(url, args))


async def run(url: str, args: argparse.Namespace) -> None:
    settings = load_settings(database_url=url, escalation_interval_seconds=3600.0)
    client = TestClient(TestServer(create_app(settings), host="127.0.0.1"))
    await client.start_server()
    try:
        start = time.perf_counter()
        tokens = await fill(client, args.tickets)
        print(f"{url.split(':', 1)[0]}, {args.tickets} tickets (filled in {time.perf_counter() - start:.1f} s), "
              f"Python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} cores, "
              f"load average {os.getloadavg()[0]:.1f}")
        cases = [
            ("caseworker", "search: last 4 phone digits", "status=all&q=1234"),
            ("caseworker", "search: text", "status=all&q=%E7%81%AB%E7%81%BE"),
            ("caseworker", "search: text, 4 characters", "status=all&q=%E8%80%81%E4%BA%BA%E5%8D%A7%E5%BA%8A"),
            ("caseworker", "search: rare text", "status=all&q=%E7%AC%AC43210%E5%8F%B7"),
            ("caseworker", "first page, open", "status=open"),
            ("caseworker", "filtered: overdue", "status=open&overdue=1"),
            ("caseworker", "filtered: assigned to me, all", "status=all&assignee=me"),
            ("caseworker", "page 20 of all", "status=all&page=20"),
            ("caseworker", "counts and total (per_page=1)", "status=all&per_page=1"),
            ("supervisor", "search: last 4 phone digits", "status=all&q=1234"),
            ("supervisor", "search: text", "status=all&q=%E7%81%AB%E7%81%BE"),
            ("supervisor", "search: text, 4 characters", "status=all&q=%E8%80%81%E4%BA%BA%E5%8D%A7%E5%BA%8A"),
            ("supervisor", "search: rare text", "status=all&q=%E7%AC%AC43210%E5%8F%B7"),
            ("supervisor", "filtered: overdue", "status=open&overdue=1"),
            ("supervisor", "filtered: urgent", "status=open&urgent=1"),
            ("supervisor", "filtered: one township, overdue", "status=open&overdue=1&township=632301101"),
            ("supervisor", "counts and total (per_page=1)", "status=all&per_page=1"),
            ("admin", "search: last 4 phone digits", "status=all&q=1234"),
            ("admin", "search: text", "status=all&q=%E7%81%AB%E7%81%BE"),
            ("admin", "search: text, 4 characters", "status=all&q=%E8%80%81%E4%BA%BA%E5%8D%A7%E5%BA%8A"),
            ("admin", "search: rare text", "status=all&q=%E7%AC%AC43210%E5%8F%B7"),
            ("admin", "filtered: overdue", "status=open&overdue=1"),
            ("admin", "counts and total (per_page=1)", "status=all&per_page=1"),
        ]
        for who, label, query in cases:
            took, size = await timed(client, "/api/v1/tickets?" + query, tokens[who], args.runs)
            line(f"{who}: {label}", took, f"{size // 1024} KiB")
        took, _size = await timed(client, "/api/v1/tickets/" + (await first_number(client)), tokens["caseworker"],
                                  args.runs)
        line("one ticket with events", took)
        later = utcnow() + timedelta(hours=13)
        client.app[SERVICES].clock = lambda: later
        start = time.perf_counter()
        escalated = await client.app[ESCALATOR].run_once()
        line("escalation sweep", [(time.perf_counter() - start) * 1000], f"{escalated} escalated")
        print(f"load average at the end {os.getloadavg()[0]:.1f}")
    finally:
        await client.close()


async def first_number(client: TestClient) -> str:
    async with client.app[SESSIONS]() as session:
        return str(await session.scalar(text("SELECT number FROM tickets WHERE township_code = '632301100' "
                                             "ORDER BY id LIMIT 1")))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--postgres", help="postgresql+asyncpg://… of a server to make a throw-away database on")
    logging.disable(logging.WARNING)  # one warning per escalated ticket would drown the figures
    asyncio.run(main(parser.parse_args()))
