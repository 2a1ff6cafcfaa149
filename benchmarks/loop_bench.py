"""Closing the loop at a county's scale: the 督查 figures for a month, a check-in round, retention.

Fills a fresh database (SQLite in a temporary folder, or with --postgres URL a throw-away database)
with N tickets filed in one month in 同仁市's townships (answered, late, escalated, resolved with a
回访 score) and H households enrolled for check-ins, then times through the real app:

- GET /api/v1/stats for the county and month (supervisor),
- one check-in cycle sending every due round (the job's send_due, up to 200 a call, repeated),
- one retention sweep purging every ticket closed more than 180 days before.

    python benchmarks/loop_bench.py --tickets 5000 --households 2000
    python benchmarks/loop_bench.py --postgres postgresql+asyncpg://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import platform
import secrets
import time
from datetime import UTC, datetime, timedelta

from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import insert

from benchmarks.tickets_queue import on_fresh_database, timed
from bot.app import create_app
from bot.keys import CHECKINS, LOOP_JOBS, SERVICES, SESSIONS
from bot.settings import load_settings
from bot.staff_access import hash_token
from bot.storage.models import CheckIn, Staff, Ticket
from knowledge_base.jurisdictions import jurisdictions

COUNTY = "632301"
MONTH_START = datetime(2026, 3, 1, 4, 0, tzinfo=UTC)


async def fill(client: TestClient, tickets: int, households: int) -> str:
    townships = [t.code for t in jurisdictions().townships(COUNTY)]
    rows = []
    for i in range(tickets):
        created = MONTH_START + timedelta(minutes=(i * 7) % (27 * 24 * 60))
        answered = created + timedelta(minutes=30 + (i * 37) % (20 * 60)) if i % 4 else None
        resolved = i % 3 == 0 and answered is not None
        rows.append({"number": f"2603{i + 1:06d}", "kind": "help", "category": "other", "county_code": COUNTY,
                     "township_code": townships[i % len(townships)], "status": "resolved" if resolved else "accepted",
                     "urgent": False, "channel": "sms", "contact": f"+86138{i:08d}", "locale": "zh_Hans",
                     "text": f"求助内容 {i}", "attachments": [], "created_at": created,
                     "due_at": created + timedelta(hours=12), "first_answered_at": answered,
                     "escalated_at": created + timedelta(hours=12) if answered is None else None,
                     "closed_at": answered if resolved else None,
                     "followup_state": ("resolved" if i % 2 else "unresolved") if resolved else None,
                     "followup_score": (i % 5) + 1 if resolved and i % 2 else None})
    checkins = [{"channel": "sms", "address": f"+86139{i:08d}", "county_code": COUNTY,
                 "township_code": townships[i % len(townships)], "locale": "zh_Hans", "consent": "staff",
                 "enrolled_by": "bench", "enrolled_at": MONTH_START, "active": True,
                 "next_due_at": MONTH_START + timedelta(days=90)} for i in range(households)]
    token = secrets.token_urlsafe(16)
    async with client.app[SESSIONS]() as session, session.begin():
        for start in range(0, len(rows), 1000):
            await session.execute(insert(Ticket), rows[start:start + 1000])
        for start in range(0, len(checkins), 1000):
            await session.execute(insert(CheckIn), checkins[start:start + 1000])
        session.add(Staff(name="bench-sup", role="supervisor", county_code=COUNTY, token_hash=hash_token(token)))
    return token


async def run(url: str, args: argparse.Namespace) -> None:
    settings = load_settings(database_url=url, escalation_interval_seconds=3600.0, loop_interval_seconds=3600.0)
    client = TestClient(TestServer(create_app(settings), host="127.0.0.1"))
    await client.start_server()
    try:
        token = await fill(client, args.tickets, args.households)
        print(f"{url.split(':', 1)[0]}, {args.tickets} tickets in 2026-03, {args.households} households, "
              f"Python {platform.python_version()}, {platform.machine()}")
        took, size = await timed(client, "/api/v1/stats?county=同仁市&month=2026-03", token, args.runs)
        took = sorted(took)
        print(f"GET /api/v1/stats (county, month)      median {took[len(took) // 2]:7.1f} ms   "
              f"max {took[-1]:7.1f} ms   {size} bytes")
        later = MONTH_START + timedelta(days=91)
        client.app[SERVICES].clock = lambda: later
        start, sent = time.perf_counter(), 0
        while batch := await client.app[CHECKINS].send_due():
            sent += batch
        print(f"check-in round: {sent} sent in {time.perf_counter() - start:.2f} s")
        much_later = MONTH_START + timedelta(days=400)
        client.app[SERVICES].clock = lambda: much_later
        start = time.perf_counter()
        purged = await client.app[LOOP_JOBS].retention.run_once()
        print(f"retention sweep: {purged['tickets']} tickets purged in {time.perf_counter() - start:.2f} s")
    finally:
        await client.close()


async def main(args: argparse.Namespace) -> None:
    await on_fresh_database(args.postgres, "bench-loop-", lambda url: run(url, args))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=5000)
    parser.add_argument("--households", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--postgres")
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(main(parser.parse_args()))
