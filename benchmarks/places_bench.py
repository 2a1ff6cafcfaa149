"""Cost of reading places: loading the national table, its memory, and reading a message.

    python benchmarks/places_bench.py [--repeat 5]

Prints the load time of ``knowledge_base.places`` (wall and CPU, best of ``--repeat``, from the
packaged ``data/places.tsv``), the memory the loaded reader holds (tracemalloc), the served model
built on it, and the time to read each question of the knowledge base's eval sets (p50/p99/mean,
CPU). CPU time is reported beside wall time because this machine is shared: on a quiet machine
the two agree.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import time
import tracemalloc
from importlib import resources
from pathlib import Path

from knowledge_base.jurisdictions import Jurisdictions
from knowledge_base.places import PACKAGE, TABLE, PlaceReader

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    walls, cpus = [], []
    for _ in range(args.repeat):
        gc.collect()
        wall, cpu = time.perf_counter(), time.process_time()
        places = PlaceReader(resources.files(PACKAGE).joinpath(TABLE).read_text("utf-8"))
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    print(f"load places.tsv: {1000 * min(walls):.0f} ms wall, {1000 * min(cpus):.0f} ms CPU (best of {args.repeat})")
    del places
    gc.collect()
    tracemalloc.start()
    places = PlaceReader(resources.files(PACKAGE).joinpath(TABLE).read_text("utf-8"))
    held, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"memory: {held / 1e6:.1f} MB held, {peak / 1e6:.1f} MB peak while loading")
    cpu = time.process_time()
    Jurisdictions(places)
    print(f"served model on it: {1000 * (time.process_time() - cpu):.0f} ms CPU")

    questions = [json.loads(line)["text"] for path in sorted((ROOT / "tests" / "kb" / "data").glob("ask_*.jsonl"))
                 for line in path.read_text("utf-8").splitlines() if line.strip()]
    for question in questions[:50]:
        places.read(question)
    timings = []
    for question in questions:
        start = time.process_time()
        places.read(question)
        timings.append(time.process_time() - start)
    timings.sort()
    print(f"read {len(questions)} questions: p50 {1e6 * timings[len(timings) // 2]:.0f} µs, "
          f"p99 {1e6 * timings[int(0.99 * len(timings))]:.0f} µs, mean {1e6 * statistics.mean(timings):.0f} µs (CPU)")


if __name__ == "__main__":
    main()
