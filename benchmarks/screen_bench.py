"""Screening latency in process: p50/p99 of ``Screener.screen`` over a batch of varied households and places.

    python benchmarks/screen_bench.py [--households 2000] [--seed 7]

Loading (parameters and provisions, once per process) is timed apart from screening itself.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from datetime import date

from knowledge_base.screening import Household, Member, Screener

PLACES = ["6229", "622921", "622921101", "350302", "632301", "632301100", "520324", "640221203", "640221101"]
SCHOOLS = [None, None, "preschool", "primary", "junior", "senior", "vocational", "college"]


def household(rng: random.Random) -> Household:
    size = rng.randint(1, 6)
    members = tuple(Member(age=rng.randint(2, 90), labor=rng.choice(["full", "partial", "none"]),
                           disability_grade=rng.choice([None, None, None, 1, 2, 3, 4]),
                           serious_illness=rng.random() < 0.2, school=rng.choice(SCHOOLS),  # type: ignore[arg-type]
                           boarding=rng.random() < 0.3) for _ in range(rng.randint(0, size)))
    income = rng.choice([0, rng.uniform(0, 20_000), rng.uniform(20_000, 200_000)])
    return Household(size=size, annual_income=income, residence=rng.choice(["rural", "urban"]),
                     exempt_income=income * rng.choice([0, 0.1]), employment_costs=rng.choice([0, 1500]),
                     rigid_expenses=rng.choice([0, 800, 5000]),
                     poverty_status=rng.choice(["none", "none", "lifted", "registered"]),
                     income_drop=rng.random() < 0.2, expense_surge=rng.random() < 0.2, emergency=rng.random() < 0.1,
                     unsafe_housing=rng.random() < 0.15, relocated=rng.random() < 0.05,
                     supporters=rng.random() < 0.7, members=members)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    started = time.perf_counter()
    screener = Screener()
    loaded = time.perf_counter() - started
    batch = [(household(rng), rng.choice(PLACES)) for _ in range(args.households)]
    on = date(2022, 1, 1)
    timings = []
    verdicts: dict[str, int] = {}
    for h, code in batch:
        t0 = time.perf_counter()
        screening = screener.screen(h, code, on)
        timings.append((time.perf_counter() - t0) * 1000)
        for result in screening.results:
            verdicts[result.verdict] = verdicts.get(result.verdict, 0) + 1
    timings.sort()
    p50 = statistics.median(timings)
    p99 = timings[min(len(timings) - 1, int(len(timings) * 0.99))]
    print(f"households: {len(batch)} across {len(PLACES)} places; load {loaded * 1000:.0f} ms")
    print(f"screen latency: p50 {p50:.3f} ms, p99 {p99:.3f} ms, max {timings[-1]:.3f} ms")
    print("verdicts: " + ", ".join(f"{k} {v}" for k, v in sorted(verdicts.items())))


if __name__ == "__main__":
    main()
