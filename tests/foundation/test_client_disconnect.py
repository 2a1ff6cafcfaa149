"""A client that hangs up mid-request is an everyday event (a phone losing signal, a gateway timing out):
`minsheng serve` logs it at info, never as an error with a traceback, and carries on."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import time
from pathlib import Path

import aiohttp

from tests.conftest import SMS_SECRET
from tests.foundation.test_processes import MINSHENG, free_port, service_env

PATHS = ("/api/v1/ask", "/api/v1/screen", "/sms/inbound")


async def hang_up_halfway(port: int, path: str) -> None:
    """Sends the headers and a tenth of a JSON body, then closes the connection."""
    body = json.dumps({"text": "低保标准是多少", "region": "正安县"}, ensure_ascii=False).encode()
    _reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                 f"Content-Length: {len(body)}\r\n\r\n".encode() + body[:5])
    await writer.drain()
    await asyncio.sleep(0.2)  # the handler is waiting for the rest of the body when the line goes dead
    writer.close()
    await writer.wait_closed()


async def test_a_client_hanging_up_mid_body_is_logged_at_info_not_as_an_error(database_url: str,
                                                                             tmp_path: Path) -> None:
    port = free_port()
    log_path = tmp_path / "serve.log"
    with log_path.open("w") as log:
        # Popen returns at once; the server is then only awaited over HTTP.
        server = subprocess.Popen([MINSHENG, "serve", "--port", str(port)], cwd=tmp_path,  # noqa: ASYNC220
                                  env=service_env(database_url, MINSHENG_SMS_SECRET=SMS_SECRET),
                                  stdout=log, stderr=subprocess.STDOUT)
    try:
        async with aiohttp.ClientSession() as http:
            deadline = time.monotonic() + 120  # a loaded machine starts slowly
            while True:
                try:
                    async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
                        if response.status == 200:
                            break
                except aiohttp.ClientError:
                    pass
                assert time.monotonic() < deadline and server.poll() is None, "minsheng serve did not start"
                await asyncio.sleep(0.2)
            for path in PATHS:
                await hang_up_halfway(port, path)
            async with http.post(f"http://127.0.0.1:{port}/api/v1/ask",
                                 json={"text": "低保标准是多少", "region": "正安县"}) as response:
                assert response.status == 200 and "3876" in (await response.json())["answer"]
    finally:
        server.send_signal(signal.SIGTERM)
        await asyncio.to_thread(server.wait, 30)
    lines = [json.loads(line) for line in log_path.read_text().splitlines() if line.startswith("{")]
    disconnects = [line for line in lines if line["event"] == "http.client_disconnected"]
    assert sorted(line["path"] for line in disconnects) == sorted(PATHS)
    assert {line["level"] for line in disconnects} == {"info"}
    assert [line["event"] for line in lines if line["level"] in ("warning", "error", "critical")] == []
