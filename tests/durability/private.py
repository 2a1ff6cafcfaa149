"""A PostgreSQL and a Redis of the test's own, on other ports, that a test may stop and start.

The shared servers on 5432 and 6379 are never touched: an outage is simulated on a private one.
PostgreSQL refuses to run as root, so under root (CI) its commands run as the ``postgres`` user.
"""

from __future__ import annotations

import asyncio
import contextlib
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import asyncpg
from redis.asyncio import Redis

from tests.durability.drive import free_port


def postgres_bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else None


class PrivatePostgres:
    """initdb in a temporary folder, pg_ctl start / stop -m immediate (a crash, as far as clients can tell)."""

    def __init__(self) -> None:
        initdb, pg_ctl = postgres_bin("initdb"), postgres_bin("pg_ctl")
        if not initdb or not pg_ctl:
            raise LookupError("initdb and pg_ctl are not installed")
        self.initdb, self.pg_ctl = initdb, pg_ctl
        self.user: str | None = None
        if os.geteuid() == 0:
            try:
                pwd.getpwnam("postgres")
            except KeyError:
                raise LookupError("running as root and there is no postgres user to run PostgreSQL as") from None
            self.user = "postgres"
        self.root = Path(tempfile.mkdtemp(prefix="minsheng-pg-"))
        if self.user:
            shutil.chown(self.root, self.user)
        self.data = self.root / "data"
        self.port = free_port()
        self.url = f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/minsheng"

    def _run(self, *args: str) -> None:
        command = ["runuser", "-u", self.user, "--", *args] if self.user else list(args)
        result = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            raise RuntimeError(f"{args[0]} failed: {result.stderr[-2000:]}")

    async def create(self) -> None:
        await asyncio.to_thread(self._run, self.initdb, "-D", str(self.data), "-U", "postgres", "--auth=trust",
                                "-E", "UTF8", "--no-sync")
        await self.start()
        conn = await asyncpg.connect(host="127.0.0.1", port=self.port, user="postgres", database="postgres")
        await conn.execute("CREATE DATABASE minsheng")
        await conn.close()

    async def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        await asyncio.to_thread(self._run, self.pg_ctl, "-D", str(self.data), "-o", options,
                                "-l", str(self.root / "log"), "-w", "start")

    async def stop(self) -> None:
        await asyncio.to_thread(self._run, self.pg_ctl, "-D", str(self.data), "-m", "immediate", "-w", "stop")

    async def remove(self) -> None:
        with contextlib.suppress(RuntimeError):  # already stopped
            await self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


class PrivateRedis:
    """A redis-server without persistence on a free port."""

    def __init__(self) -> None:
        binary = shutil.which("redis-server")
        if not binary:
            raise LookupError("redis-server is not installed")
        self.binary = binary
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen[bytes] | None = None

    async def start(self) -> None:
        # Popen returns at once; the server is then only awaited over its port.
        self.proc = subprocess.Popen(  # noqa: ASYNC220
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = Redis.from_url(self.url)
        deadline = time.monotonic() + 20
        try:
            while True:
                try:
                    await client.ping()
                    return
                except Exception:
                    if time.monotonic() > deadline:
                        raise
                    await asyncio.sleep(0.1)
        finally:
            await client.aclose()

    async def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            await asyncio.to_thread(self.proc.wait, 20)
