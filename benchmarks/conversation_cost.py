"""How many messages a resident spends on SMS to get what they came for.

Scripted residents talk to the real dialog engine in process (a throw-away SQLite database, the
SMS reply budget of the default settings) as they would over SMS. Each resident answers what the
service asks, the way people write (a reply is matched by what the question asks, not by its
position, so a question skipped or merged costs nothing and a question re-asked costs one more
message); a reply paged with 更多 is read to the end. For each conversation it prints the messages
in, the messages out and the SMS segments out (70 characters for one segment, 67 per part when
concatenated).

    python benchmarks/conversation_cost.py [--show]

It imports only the engine's public entry points, so it runs unchanged on an older checkout:
``cd /tmp && PYTHONPATH=/path/to/checkout python /path/to/conversation_cost.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import os
import platform
import re
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from uuid import uuid4

from aiohttp import web

from bot.domain.messages import Incoming, ucs2_len
from bot.keys import ENGINE, SETTINGS
from bot.runtime import database_ctx, services_ctx, state_ctx
from bot.settings import load_settings
from handlers.engine import render_plain

# A resident: what they open with, then (pattern in the service's last message → what they answer).
# When the service says it did not understand, the resident answers the plain way (the second text).
Answers = list[tuple[str, str] | tuple[str, str, str]]

# A typical household: an old couple and a grandchild's parent away, 正安县 流渡镇, farming.
HOUSEHOLD: Answers = [
    (r"下面的情况|符合的", "没有"),
    (r"哪个县|哪个乡镇|地区", "正安县流渡镇 农村", "正安县流渡镇"),
    (r"农村还是城镇", "农村"),
    (r"几口人", "3口人 一年1万5", "3"),
    (r"总收入", "一年1万5左右", "15000"),
    (r"养老金、抚恤金", "两千", "2000"),
    (r"路费", "没得", "0"),
    (r"看病、上学、租房", "八百", "800"),
    (r"建档立卡", "不是"),
    (r"干活", "我68了 老伴70 都干不动", "3"),
    (r"子女|供养你们", "有"),
    (r"残疾证", "没有"),
    (r"重病|慢性病", "没有"),
    (r"上学", "没有"),
    (r"遇到过|还有别的", "都没有"),
    (r"房子安全", "安全"),
    (r"搬迁", "不是"),
]
# The same household answering each question with the plain form the question suggests.
HOUSEHOLD_PLAIN: Answers = [(row[0], row[-1]) for row in HOUSEHOLD]
FIRST_CONTACT: Answers = [
    (r"哪个县|哪个乡镇|地区|哪里", "正安县流渡镇"),
    (r"请选择", "1"),
]
FILING: Answers = [
    (r"哪个乡镇|哪个镇", "流渡镇"),
    (r"哪一类|类别|选择", "1"),
    (r"说说|情况|内容", "老伴住院，医药费交不起，家里没有收入"),
    (r"确认|提交吗", "1"),
]


def segments(text: str) -> int:
    n = ucs2_len(text)
    return 1 if n <= 70 else math.ceil(n / 67)


class Resident:
    def __init__(self, engine: object, phone: str, budget: int, show: bool) -> None:
        self.engine, self.phone, self.budget, self.show = engine, phone, budget, show
        self.sent = self.received = self.segments = 0

    async def say(self, text: str) -> str:
        self.sent += 1
        replies = await self.engine.handle(Incoming(  # type: ignore[attr-defined]
            channel="sms", address=self.phone, text=text, ref=f"sms:{uuid4().hex}", max_chars=self.budget))
        out = [render_plain(r) for r in replies]
        for said in out:
            self.received += 1
            self.segments += segments(said)
        if self.show:
            print(f"    > {text}")
            for said in out:
                print("    < " + said.replace("\n", "\n      "))
        said = "\n".join(out)
        if "回复 更多" in said:
            said += "\n" + await self.say("更多")
        return said

    async def converse(self, opening: str, answers: Answers, done: Callable[[str], bool], limit: int = 30) -> bool:
        said = await self.say(opening)
        while not done(said) and self.sent < limit:
            row = next((row for row in answers if re.search(row[0], said)), None)
            if row is None:
                return False
            answer = row[-1] if re.search("没看懂|没有找到", said) else row[1]
            said = await self.say(answer)
        return done(said)


def answered(text: str) -> bool:
    return (bool(re.search(r"\d+元", text)) and "来源" in text) or "《" in text


async def run(show: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        os.environ.pop("MINSHENG_REDIS_URL", None)
        settings = load_settings(database_url=f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}")
        app = web.Application()
        app[SETTINGS] = settings
        contexts = [database_ctx(app), state_ctx(app), services_ctx(app)]
        for ctx in contexts:
            await ctx.__anext__()
        try:
            engine = app[ENGINE]
            budget = settings.sms_max_chars
            screened: Callable[[str], bool] = lambda s: "自查结果" in s  # noqa: E731
            # (name, what the resident said before (not counted), opening, answers, when it is done)
            scripts: list[tuple[str, list[str], str, Answers, Callable[[str], bool]]] = [
                ("first contact -> answer", [], "我是正安县流渡镇的 低保一个月多少钱", FIRST_CONTACT, answered),
                ("自查, as people write", [], "自查", HOUSEHOLD, screened),
                ("自查, one plain answer each", [], "自查", HOUSEHOLD_PLAIN, screened),
                ("自查 after a first question", ["我是正安县流渡镇的 低保一个月多少钱"], "自查", HOUSEHOLD, screened),
                ("filing a 求助", [], "求助", FILING, lambda s: bool(re.search(r"\d{10}", s))),
            ]
            print(f"{'conversation':<30} {'in':>4} {'out':>4} {'segments':>9}  reached")
            for n, (name, before, opening, answers, done) in enumerate(scripts):
                resident = Resident(engine, f"+8613900{n:06d}", budget, show)
                if show:
                    print(f"  {name}")
                for text in before:
                    await resident.say(text)
                resident.sent = resident.received = resident.segments = 0
                ok = await resident.converse(opening, answers, done)
                print(f"{name:<30} {resident.sent:>4} {resident.received:>4} {resident.segments:>9}  "
                      f"{'yes' if ok else 'NO (stuck)'}")
        finally:
            for ctx in reversed(contexts):
                with contextlib.suppress(StopAsyncIteration):
                    await ctx.__anext__()
    print(f"\n{platform.node()} · {platform.processor() or platform.machine()} · {os.cpu_count()} cores · "
          f"Python {sys.version.split()[0]} · SMS budget {budget} chars")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--show", action="store_true", help="print every message in and out")
    asyncio.run(run(parser.parse_args().show))


if __name__ == "__main__":
    main()
