"""How soon `minsheng chat` answers its first question after it is started (issue 13: within 1.5 s).

    python benchmarks/chat_start.py [--runs 10] [--region 正安县] [--question 低保多少钱] [--expect 3876]

Each run starts `minsheng chat --region R` in a fresh working folder's database (made once, before the
timed runs), writes the question and times until the reply line holding the expected figure appears, then
closes its input and waits for it to exit. Printed side by side with a baseline run the same way in the
same process: a bare Python interpreter that echoes its input (the floor of starting any Python program).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time


def first_line_with(command: list[str], question: str, expect: str, cwd: str) -> tuple[float, float]:
    """(seconds until a line containing ``expect`` appeared, seconds until the process exited)."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                               text=True, cwd=cwd)
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
    print(f"{label:<28} first answer mean {statistics.mean(first):.2f} s (min {min(first):.2f}, max {max(first):.2f})"
          f"   exit mean {statistics.mean(ended):.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--region", default="正安县")
    parser.add_argument("--question", default="低保多少钱")
    parser.add_argument("--expect", default="3876")
    args = parser.parse_args()
    minsheng = shutil.which("minsheng")
    if minsheng is None:
        raise SystemExit("minsheng is not installed (pip install -e .)")
    folder = tempfile.mkdtemp(prefix="chat-start-")
    chat = [minsheng, "chat", "--region", args.region]
    echo = [sys.executable, "-c", "import sys; print(sys.stdin.readline(), flush=True)"]
    # The first start creates the database and applies the migrations: not what a resident waits for.
    first_line_with(chat, args.question, args.expect, folder)
    baseline = [first_line_with(echo, args.question, args.question, folder) for _ in range(args.runs)]
    measured = [first_line_with(chat, args.question, args.expect, folder) for _ in range(args.runs)]
    report("python, echo (baseline)", baseline)
    report(f"minsheng chat ({args.region})", measured)
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
