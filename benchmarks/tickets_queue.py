"""Staff queue latency with many tickets: the API list, one ticket, and an escalation sweep.

Fills a fresh database (SQLite in a temporary folder, or with --postgres URL a throw-away database
created on that server and dropped afterwards) with N tickets spread over the townships of two counties,
then times through the real app (aiohttp test server, real HTTP):

- GET /api/v1/tickets?status=open for a caseworker (one township) and a supervisor (a county),
- GET /api/v1/tickets/{number} with its events,
- one escalation sweep over the overdue tickets (up to 200 a sweep, as the job does).

    python benchmarks/tickets_queue.py --tickets 10000
    python benchmarks/tickets_queue.py --postgres postgresql+asyncpg://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import platform
import secrets
import statistics
import tempfile
import time
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


async def fill(client: TestClient, count: int) -> dict[str, str]:
    places = jurisdictions()
    townships = [t.code for c in COUNTIES for t in places.townships(c)]
    now = utcnow()
    rows = []
    for i in range(count):
        township = townships[i % len(townships)]
        created = now - timedelta(minutes=i % 2000)
        rows.append({"number": f"{created:%y%m%d}{i + 1:05d}", "kind": "help" if i % 5 else "monitoring",
                     "category": "other", "county_code": township[:6], "township_code": township,
                     "status": "pending" if i % 3 else "accepted", "urgent": i % 7 == 0, "channel": "sms",
                     "contact": f"+86138{i:08d}", "locale": "zh_Hans", "text": f"求助内容 {i}", "attachments": [],
                     "created_at": created, "due_at": created + timedelta(hours=12),
                     "aid_due_at": None, "escalated_at": None})
    tokens = {"caseworker": secrets.token_urlsafe(16), "supervisor": secrets.token_urlsafe(16)}
    async with client.app[SESSIONS]() as session, session.begin():
        for start in range(0, len(rows), 1000):
            await session.execute(insert(Ticket), rows[start:start + 1000])
        ids = list(await session.scalars(text("SELECT id FROM tickets ORDER BY id")))
        events = [{"ticket_id": i, "at": now, "type": "filed", "by": "resident", "text": ""} for i in ids]
        for start in range(0, len(events), 1000):
            await session.execute(insert(TicketEvent), events[start:start + 1000])
        session.add(Staff(name="bench-cw", role="caseworker", township_code=townships[0], county_code=COUNTIES[0],
                          token_hash=hash_token(tokens["caseworker"])))
        session.add(Staff(name="bench-sup", role="supervisor", county_code=COUNTIES[0],
                          token_hash=hash_token(tokens["supervisor"])))
    return tokens


async def timed(client: TestClient, path: str, token: str, runs: int) -> tuple[list[float], int]:
    took, size = [], 0
    for _ in range(runs):
        start = time.perf_counter()
        response = await client.get(path, headers={"Authorization": f"Bearer {token}"})
        body = await response.read()
        took.append((time.perf_counter() - start) * 1000)
        assert response.status == 200, body[:200]
        size = len(body)
    return took, size


def line(label: str, took: list[float], extra: str = "") -> None:
    took = sorted(took)
    p95 = took[max(0, int(len(took) * 0.95) - 1)]
    print(f"{label:<44} median {statistics.median(took):7.1f} ms   p95 {p95:7.1f} ms   {extra}")


async def admin(url: str) -> asyncpg.Connection:
    parsed = make_url(url)
    return await asyncpg.connect(host=parsed.host or "127.0.0.1", port=parsed.port or 5432,
                                 user=parsed.username or "postgres", password=parsed.password,
                                 database=parsed.database or "postgres")


async def main(args: argparse.Namespace) -> None:
    if not args.postgres:
        await run(f"sqlite+aiosqlite:///{Path(tempfile.mkdtemp(prefix='bench-tickets-')) / 'minsheng.db'}", args)
        return
    name = f"minsheng_bench_{secrets.token_hex(4)}"
    conn = await admin(args.postgres)
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()
    try:
        await run(make_url(args.postgres).set(database=name).render_as_string(hide_password=False), args)
    finally:
        conn = await admin(args.postgres)
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.close()


async def run(url: str, args: argparse.Namespace) -> None:
    settings = load_settings(database_url=url, escalation_interval_seconds=3600.0)
    client = TestClient(TestServer(create_app(settings), host="127.0.0.1"))
    await client.start_server()
    try:
        start = time.perf_counter()
        tokens = await fill(client, args.tickets)
        print(f"{url.split(':', 1)[0]}, {args.tickets} tickets (filled in {time.perf_counter() - start:.1f} s), "
              f"Python {platform.python_version()}, {platform.machine()}")
        took, size = await timed(client, "/api/v1/tickets?status=open", tokens["caseworker"], args.runs)
        line("caseworker queue (one township, open)", took, f"{size // 1024} KiB")
        took, size = await timed(client, "/api/v1/tickets?status=open", tokens["supervisor"], args.runs)
        line("supervisor queue (county, open, 500 max)", took, f"{size // 1024} KiB")
        took, size = await timed(client, "/api/v1/tickets?status=all&limit=5000", tokens["supervisor"],
                                 max(3, args.runs // 5))
        line("supervisor queue (county, all, 5000 max)", took, f"{size // 1024} KiB")
        took, _size = await timed(client, "/api/v1/tickets/" + (await first_number(client)), tokens["caseworker"],
                                  args.runs)
        line("one ticket with events", took)
        later = utcnow() + timedelta(hours=13)
        client.app[SERVICES].clock = lambda: later
        start = time.perf_counter()
        escalated = await client.app[ESCALATOR].run_once()
        line("escalation sweep", [(time.perf_counter() - start) * 1000], f"{escalated} escalated")
    finally:
        await client.close()


async def first_number(client: TestClient) -> str:
    async with client.app[SESSIONS]() as session:
        return str(await session.scalar(text("SELECT number FROM tickets WHERE township_code = '632301100' "
                                             "ORDER BY id LIMIT 1")))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--postgres", help="postgresql+asyncpg://… of a server to make a throw-away database on")
    logging.disable(logging.WARNING)  # one warning per escalated ticket would drown the figures
    asyncio.run(main(parser.parse_args()))
