"""Real `minsheng` processes: the terminal channel on standard input, and two servers sharing state."""

from __future__ import annotations

import asyncio
import os
import re
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from tests.conftest import SMS_SECRET, TEST_DATABASE_URL, TEST_REDIS_URL
from tests.fakes import FakeGateway
from tests.helpers import signed

MINSHENG = str(Path(sys.executable).parent / "minsheng")


def service_env(database_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MINSHENG_")}
    env["MINSHENG_DATABASE_URL"] = database_url
    env.update(extra)
    return env


def test_chat_on_standard_input_answers_files_and_reports_progress(database_url: str, tmp_path: Path) -> None:
    script = "\n".join(["低保标准是多少", "求助 龙桥街道 孩子的学费交不上", "进度"]) + "\n"
    result = subprocess.run([MINSHENG, "chat", "--region", "城厢区", "--phone", "13800001111"], input=script,
                            capture_output=True, text=True, timeout=120, cwd=tmp_path,
                            env=service_env(database_url))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "已设置地区：城厢区" in out
    assert "7920" in out
    number = re.search(r"编号 (\d+)（龙桥街道）", out)
    assert number, out
    assert f"{number.group(1)} 待受理" in out


def test_chat_refuses_a_wrong_setting_with_a_clear_message(tmp_path: Path) -> None:
    result = subprocess.run([MINSHENG, "chat"], input="", capture_output=True, text=True, timeout=60, cwd=tmp_path,
                            env=service_env("mysql://nope", MINSHENG_SMS_MAX_SEGMENTS="many"))
    assert result.returncode == 2
    assert "MINSHENG_DATABASE_URL" in result.stderr and "MINSHENG_SMS_MAX_SEGMENTS" in result.stderr


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
async def two_servers(database_url: str, redis_url: str | None,
                      gateway: FakeGateway) -> AsyncIterator[list[str]]:
    if not (TEST_DATABASE_URL and TEST_REDIS_URL and redis_url):
        pytest.skip("needs MINSHENG_TEST_DATABASE_URL and MINSHENG_TEST_REDIS_URL: one process owns in-memory state")
    env = service_env(database_url, MINSHENG_REDIS_URL=redis_url, MINSHENG_SMS_SECRET=SMS_SECRET,
                      MINSHENG_SMS_GATEWAY_URL=gateway.url)
    ports = [free_port(), free_port()]
    # Popen returns at once; the servers are then only awaited over HTTP.
    procs = [subprocess.Popen([MINSHENG, "serve", "--port", str(p)], env=env,  # noqa: ASYNC220
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for p in ports]
    urls = [f"http://127.0.0.1:{p}" for p in ports]
    try:
        async with aiohttp.ClientSession() as http:
            for url in urls:
                for _ in range(150):
                    try:
                        async with http.get(url + "/healthz") as response:
                            if response.status == 200:
                                break
                    except aiohttp.ClientError:
                        pass
                    await asyncio.sleep(0.2)
                else:
                    pytest.fail(f"{url} did not come up")
        yield urls
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(15)


async def test_a_conversation_continues_across_two_processes(two_servers: list[str], gateway: FakeGateway) -> None:
    phone = "+8613812349999"
    steps = ["求助", "隆务镇", "1", "家里两位老人都没有收入", "1"]
    async with aiohttp.ClientSession() as http:
        for index, text in enumerate(steps):
            raw, headers = signed({"message_id": f"multi-{index}", "from": phone, "to": "1069", "text": text})
            async with http.post(two_servers[index % 2] + "/sms/inbound", data=raw, headers=headers) as response:
                assert response.status == 200
            got = await gateway.wait_for(phone, index + 1, timeout=20)
            assert len(got) == index + 1, f"no reply to step {index}: {text}"
    last = gateway.to(phone)[-1]["text"]
    assert re.search(r"编号 \d+（隆务镇）", last), last


def test_workers_are_refused_on_sqlite_or_without_redis(tmp_path: Path) -> None:
    sqlite = subprocess.run([MINSHENG, "serve", "--workers", "2", "--port", str(free_port())], capture_output=True,
                            text=True, timeout=120, cwd=tmp_path,
                            env=service_env(f"sqlite+aiosqlite:///{tmp_path}/m.db"))
    assert sqlite.returncode == 2 and "PostgreSQL" in sqlite.stderr, sqlite.stderr
    no_redis = subprocess.run([MINSHENG, "serve", "--workers", "2", "--port", str(free_port())],
                              capture_output=True, text=True, timeout=120, cwd=tmp_path,
                              env=service_env("postgresql+asyncpg://postgres@127.0.0.1:1/none"))
    assert no_redis.returncode == 2 and "MINSHENG_REDIS_URL" in no_redis.stderr, no_redis.stderr
    assert not (tmp_path / "m.db").exists()  # refused before anything was opened


async def test_workers_share_one_port_and_stop_together(database_url: str, redis_url: str | None,
                                                        gateway: FakeGateway, tmp_path: Path) -> None:
    if not (TEST_DATABASE_URL and TEST_REDIS_URL and redis_url):
        pytest.skip("needs MINSHENG_TEST_DATABASE_URL and MINSHENG_TEST_REDIS_URL: --workers refuses SQLite")
    port = free_port()
    env = service_env(database_url, MINSHENG_REDIS_URL=redis_url, MINSHENG_SMS_SECRET=SMS_SECRET,
                      MINSHENG_SMS_GATEWAY_URL=gateway.url)
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([MINSHENG, "serve", "--workers", "2", "--port", str(port)], env=env,  # noqa: ASYNC220
                                stdout=out, stderr=subprocess.STDOUT)
        try:
            deadline = asyncio.get_running_loop().time() + 120
            while log.read_text().count('"serve.listening"') < 2:
                assert proc.poll() is None, log.read_text()
                assert asyncio.get_running_loop().time() < deadline, "two workers did not start"
                await asyncio.sleep(0.3)
            async with aiohttp.ClientSession() as http:
                for index in range(6):
                    phone = f"+86138123480{index:02d}"
                    raw, headers = signed({"message_id": f"workers-{index}", "from": phone, "to": "1069",
                                           "text": "低保标准是多少"})
                    async with http.post(f"http://127.0.0.1:{port}/sms/inbound", data=raw,
                                         headers=headers) as response:
                        assert response.status == 200
            for index in range(6):
                assert len(await gateway.wait_for(f"+86138123480{index:02d}", 1, timeout=30)) == 1
        finally:
            proc.terminate()
            assert proc.wait(60) == 0
    assert log.read_text().count('"serve.stopped"') == 2  # each worker drained and stopped


def test_what_chat_and_the_staff_commands_load_leaves_out_aiogram() -> None:
    """aiogram costs seconds of start-up (its pydantic models): only a process running Telegram imports it."""
    probe = "import sys, bot.cli, bot.channels.terminal, bot.app; bot.cli.build_parser(); print(sorted(" \
            "m for m in sys.modules if m.split('.')[0] in ('aiogram', 'alembic', 'openpyxl')))"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]", result.stdout
