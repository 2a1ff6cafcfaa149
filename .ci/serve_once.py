"""Starts an installed `minsheng serve` once, in an empty directory with the default settings, waits for
/healthz to answer 200, checks that the console's sign-in page renders (templates from the package),
then stops it with SIGTERM and expects a clean exit.

`python .ci/serve_once.py /path/to/venv/bin/minsheng`
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

START_SECONDS = 120


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def fetch(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return str(response.read().decode())
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return ""


def main(minsheng: str) -> int:
    port = free_port()
    workdir = tempfile.mkdtemp(prefix="minsheng-wheel-")
    env = {k: v for k, v in os.environ.items() if not k.startswith("MINSHENG_")}
    started = time.monotonic()
    with open(os.path.join(workdir, "serve.log"), "w+") as log:
        proc = subprocess.Popen([minsheng, "serve", "--host", "127.0.0.1", "--port", str(port)], cwd=workdir,
                                env=env, stdout=log, stderr=subprocess.STDOUT)
        status, body = 0, ""
        while time.monotonic() - started < START_SECONDS and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                    status, body = response.status, response.read().decode()
                    break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.3)
        took = time.monotonic() - started
        console = fetch(f"http://127.0.0.1:{port}/console/") if status == 200 else ""
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        log.seek(0)
        output = log.read()
    if status != 200 or "工作人员登录" not in console or proc.returncode != 0:
        print(f"serve_once: /healthz {status or 'never answered'}, console page {len(console)} characters, "
              f"exit {proc.returncode}\n{output[-3000:]}", file=sys.stderr)
        return 1
    print(f"serve_once: the installed wheel answered /healthz 200 after {took:.1f} s ({body.strip()[:120]}), "
          "the console renders, stopped cleanly")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1]))
