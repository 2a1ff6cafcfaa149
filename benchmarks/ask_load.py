"""/api/v1/ask under load, beside a bare aiohttp JSON handler, with wrk (issue 13's ask line).

Starts `minsheng serve` (SQLite in a temporary folder; the semantic stage on, as shipped) and a
bare aiohttp app answering every POST with a small JSON body, each in its own process, then runs
wrk against each with the same concurrency and duration. The ask requests cycle through every
distinct question of the question sets (tests/kb/data, about 2,000), so nothing is answered from a
cache. Prints requests per second, p50/p99 latency, errors, and the ratio to the bare handler.

    python benchmarks/ask_load.py [--connections 50] [--duration 8] [--threads 2]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

BARE = """
from aiohttp import web
async def handle(request):
    await request.json()
    return web.json_response({"answered": True, "answer": "ok", "sources": []})
app = web.Application()
app.router.add_post("/api/v1/ask", handle)
app.router.add_get("/healthz", lambda r: web.json_response({"status": "ok"}))
web.run_app(app, host="127.0.0.1", port=int(__import__("sys").argv[1]), print=None, access_log=None)
"""

LUA = """
local bodies = {}
for line in io.lines("%s") do bodies[#bodies + 1] = line end
local i = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
request = function()
  i = i + 1
  return wrk.format(nil, nil, nil, bodies[(i %% #bodies) + 1])
end
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_healthy(url: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"{url} did not become healthy")


def questions() -> list[str]:
    seen: dict[tuple[str, str], None] = {}
    for path in sorted((ROOT / "tests" / "kb" / "data").glob("*.jsonl")):
        for line in path.read_text("utf-8").splitlines():
            if line.strip():
                case = json.loads(line)
                seen[(str(case["text"]), str(case["region"]))] = None
    return [json.dumps({"text": t, "region": r}, ensure_ascii=False) for t, r in seen]


def wrk(url: str, script: Path, args: argparse.Namespace) -> dict[str, float]:
    out = subprocess.run(
        ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{args.duration}s", "--latency", "-s", str(script),
         url + "/api/v1/ask"],
        capture_output=True, text=True, check=True,
    ).stdout

    def ms(label: str) -> float:
        match = re.search(rf"{label}\s+([\d.]+)(us|ms|s)", out)
        if not match:
            return float("nan")
        value, unit = float(match[1]), match[2]
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])  # type: ignore[index]
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": rps, "p50": ms("50%"), "p99": ms("99%"), "errors": errors + (int(non2xx[1]) if non2xx else 0)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--duration", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp())
    bodies = tmp / "bodies.txt"
    lines = questions()
    bodies.write_text("\n".join(lines) + "\n", "utf-8")
    script = tmp / "ask.lua"
    script.write_text(LUA % bodies, "utf-8")
    env = {**os.environ, "MINSHENG_DATABASE_URL": f"sqlite+aiosqlite:///{tmp}/m.db", "MINSHENG_TELEGRAM_MODE": "off"}
    ask_port, bare_port = free_port(), free_port()
    serve = subprocess.Popen([sys.executable, "-m", "bot.cli", "serve", "--port", str(ask_port)], env=env, cwd=ROOT,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    bare = subprocess.Popen([sys.executable, "-c", BARE, str(bare_port)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        ask_url, bare_url = f"http://127.0.0.1:{ask_port}", f"http://127.0.0.1:{bare_port}"
        wait_healthy(ask_url)
        wait_healthy(bare_url)
        time.sleep(2)  # the e5 model loads in the background after start
        print(f"{len(lines)} distinct questions, wrk -t{args.threads} -c{args.connections} -d{args.duration}s")
        results = {"bare aiohttp JSON": wrk(bare_url, script, args), "/api/v1/ask": wrk(ask_url, script, args)}
        base = results["bare aiohttp JSON"]["rps"]
        for name, r in results.items():
            print(f"{name:20} {r['rps']:9.0f}/s  {r['rps'] / base:5.3f}×  p50 {r['p50']:7.2f} ms"
                  f"  p99 {r['p99']:7.2f} ms  errors {int(r['errors'])}")
    finally:
        for process in (serve, bare):
            process.terminate()
            process.wait(timeout=30)


if __name__ == "__main__":
    main()
