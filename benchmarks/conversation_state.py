"""What keeping the conversation in the database costs, per message, against keeping it in Redis.

A message's unit of work reads the resident's conversation and writes it back in the transaction
that also marks the message processed (bot/services/conversations.py). This measures, for a
conversation as large as a guided request makes it:

- the database round trips the conversation adds to that transaction (SELECT, then UPDATE of
  the row with its version check), against the same transaction without them, on SQLite and on
  PostgreSQL if --database-url is given;
- the Redis GET and SET it replaced, if --redis-url is given;
- a whole message for scale: a guided-request step through the dialog engine in its unit of work.

    python benchmarks/conversation_state.py --messages 500 \\
        [--database-url postgresql+asyncpg://postgres@127.0.0.1:5432/SCRATCH] [--redis-url redis://…/N]

The PostgreSQL database is migrated and written to (inbox rows of channel "bench", conversations);
use a scratch one.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from redis.asyncio import Redis
from sqlalchemy import insert, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.messages import Incoming
from bot.i18n import make_i18n
from bot.runtime import build_services
from bot.services.conversations import Turns
from bot.settings import load_settings
from bot.storage.db import make_engine, make_sessionmaker, upgrade_async
from bot.storage.models import InboxMessage, utcnow
from handlers.setup import build_engine

# The conversation of a resident at the confirmation step of a guided request.
CONVERSATION: dict[str, Any] = {
    "flow": "request", "step": "confirm",
    "data": {"kind": "help", "urgent": False, "text": "家里两位老人都没有收入，老伴住院，医药费交不起",
             "township": "632301100", "category": "living"},
    "options": ["ok", "redo"], "pages": [],
    "back": [{"step": "township", "data": {"kind": "help", "urgent": False, "text": ""}},
             {"step": "category", "data": {"kind": "help", "urgent": False, "text": "", "township": "632301100"}},
             {"step": "content", "data": {"kind": "help", "urgent": False, "text": "", "township": "632301100",
                                          "category": "living"}}],
}


def summary(label: str, seconds: list[float]) -> None:
    ordered = sorted(seconds)
    p50, p99 = ordered[len(ordered) // 2] * 1000, ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))] * 1000
    print(f"  {label:<46} p50 {p50:6.2f} ms   p99 {p99:6.2f} ms   mean {statistics.mean(seconds) * 1000:6.2f} ms")


async def mark_processed(session: AsyncSession, inbox_id: int) -> None:
    await session.execute(update(InboxMessage).where(InboxMessage.id == inbox_id)
                          .values(status="processed", processed_at=utcnow()))


async def database(url: str, messages: int) -> None:
    await upgrade_async(url)
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    settings = load_settings(database_url=url)
    services = build_services(settings, sessions)
    turns = Turns(sessions, services)
    engine_ = build_engine(services, turns.open, make_i18n(), 1800)
    name = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    print(f"\n{name}")

    # Every message's unit writes anyway (its processed mark), so it pays a commit either way.
    stamp = int(time.time() * 1000)
    ids = []
    async with sessions() as session, session.begin():
        for n in range(2 * messages):
            ids.append(await session.scalar(insert(InboxMessage).values(
                channel="bench", delivery_id=f"{stamp}-{n}", address="-", text="", status="received",
                attempts=0, received_at=utcnow(), next_attempt_at=utcnow()).returning(InboxMessage.id)))
    bare, with_state = [], []
    for n in range(messages):
        address = f"+86139{n % 50:08d}"
        t0 = time.perf_counter()
        async with turns.open() as turn:
            await mark_processed(turn.session, ids[2 * n])
        bare.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        async with turns.open() as turn:
            await turn.conversation("bench", address)
            await turn.save_conversation("bench", address, CONVERSATION, 1800)
            await mark_processed(turn.session, ids[2 * n + 1])
        with_state.append(time.perf_counter() - t0)
    summary("a unit marking its message processed", bare)
    summary("the same unit reading and writing the state", with_state)
    added = statistics.median(with_state) - statistics.median(bare)
    print(f"  the conversation adds {added * 1000:.2f} ms a message (median)")

    steps = ["求助", "隆务镇", "1", "家里两位老人都没有收入", "2"]  # "2" (重新填写) files nothing
    whole = []
    for n in range(messages):
        t0 = time.perf_counter()
        await engine_.handle(Incoming(channel="bench", address=f"+86138{n // len(steps):08d}",
                                      text=steps[n % len(steps)], ref=f"bench:{n}", max_chars=201))
        whole.append(time.perf_counter() - t0)
    summary("a guided-request step, whole (for scale)", whole)
    await engine.dispose()


async def redis(url: str, messages: int) -> None:
    client = Redis.from_url(url, decode_responses=True)
    raw = json.dumps(CONVERSATION, ensure_ascii=False)
    print("\nRedis (what the conversation cost before)")
    timings = []
    for n in range(messages):
        key = f"minsheng-bench:conv:sms:+86139{n % 50:08d}"
        t0 = time.perf_counter()
        await client.get(key)
        await client.set(key, raw, px=1_800_000)
        timings.append(time.perf_counter() - t0)
    summary("GET + SET of the state", timings)
    await client.delete(*[f"minsheng-bench:conv:sms:+86139{n:08d}" for n in range(50)])
    await client.aclose()


async def main(args: argparse.Namespace) -> None:
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"load average {os.getloadavg()[0]:.1f}; {args.messages} messages each")
    with tempfile.TemporaryDirectory() as folder:
        await database(f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}", args.messages)
    if args.database_url:
        await database(args.database_url, args.messages)
    if args.redis_url:
        await redis(args.redis_url, args.messages)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=500)
    parser.add_argument("--database-url")
    parser.add_argument("--redis-url")
    asyncio.run(main(parser.parse_args()))
