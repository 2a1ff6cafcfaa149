"""How soon `minsheng chat` answers its first question after it is started (issue 13: within 1.5 s).

    python benchmarks/chat_start.py [--runs 10] [--region 正安县] [--question 低保多少钱] [--expect 3876]
                                    [--against /path/to/another/minsheng]

Each run starts `minsheng chat --region R` in a fresh working folder's database (made once, before the
timed runs), writes the question and times until the reply line holding the expected figure appears, then
closes its input and waits for it to exit. Printed side by side with a baseline run the same way in the
same process: a bare Python interpreter that echoes its input (the floor of starting any Python program).

Two figures for `minsheng`, run alternately so that the machine's noise falls on both alike:

- as installed, with the environment as it is. Where PYTHONDONTWRITEBYTECODE=1 is set (as on the
  development machine) an editable install compiles every module of its own from source at every start;
- with bytecode cached: PYTHONDONTWRITEBYTECODE unset and PYTHONPYCACHEPREFIX a folder of this run
  (written by the first, untimed start), as a wheel install has its .pyc files.

``--against`` times another `minsheng` (a checkout of the code before a change, say) in the same
alternation, both ways as well.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time


def first_line_with(command: list[str], question: str, expect: str, cwd: str,
                    env: dict[str, str] | None = None) -> tuple[float, float]:
    """(seconds until a line containing ``expect`` appeared, seconds until the process exited)."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                               text=True, cwd=cwd, env=env)
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write(question + "\n")
    process.stdin.flush()
    answered = float("nan")
    for line in process.stdout:
        if expect in line:
            answered = time.perf_counter() - start
            break
    process.stdin.close()
    process.stdout.read()
    process.wait()
    return answered, time.perf_counter() - start


def report(label: str, runs: list[tuple[float, float]]) -> None:
    first = [r[0] for r in runs]
    ended = [r[1] for r in runs]
    print(f"{label:<58} first answer median {statistics.median(first):.2f} s (min {min(first):.2f}, "
          f"max {max(first):.2f})   exit median {statistics.median(ended):.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--region", default="正安县")
    parser.add_argument("--question", default="低保多少钱")
    parser.add_argument("--expect", default="3876")
    parser.add_argument("--against", help="another minsheng command, timed alternately with this one")
    args = parser.parse_args()
    minsheng = shutil.which("minsheng")
    if minsheng is None:
        raise SystemExit("minsheng is not installed (pip install -e .)")
    folder = tempfile.mkdtemp(prefix="chat-start-")
    cached_env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    cached_env["PYTHONPYCACHEPREFIX"] = os.path.join(folder, "pycache")
    commands = {"minsheng chat": minsheng}
    if args.against:
        commands["--against"] = args.against
    echo = [sys.executable, "-c", "import sys; print(sys.stdin.readline(), flush=True)"]
    # The first start creates the database and applies the migrations, and (cached) writes the bytecode:
    # not what a resident waits for.
    for command in commands.values():
        first_line_with([command, "chat", "--region", args.region], args.question, args.expect, folder, cached_env)
    baseline = [first_line_with(echo, args.question, args.question, folder) for _ in range(args.runs)]
    times: dict[str, list[tuple[float, float]]] = {}
    bytecode = os.environ.get("PYTHONDONTWRITEBYTECODE")
    ways = {f"as installed (PYTHONDONTWRITEBYTECODE={bytecode or 'unset'})": None, "bytecode cached": cached_env}
    for _ in range(args.runs):
        for name, command in commands.items():
            for way, env in ways.items():
                run = first_line_with([command, "chat", "--region", args.region], args.question, args.expect,
                                      folder, env)
                times.setdefault(f"{name}, {way}", []).append(run)
    report("python, echo (baseline)", baseline)
    for label, runs in times.items():
        report(label, runs)
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
