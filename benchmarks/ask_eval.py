"""Answer quality and speed of ``KnowledgeBase.ask`` on the public dev set and the KB's own eval set.

    python benchmarks/ask_eval.py [--method full|no-sound|no-fuzzy|exact] [--show-failures]

Prints, per set: top-1 accuracy (every need group satisfied, nothing forbidden, ≥1 source), the
share of out-of-scope questions declined, how many answers state another place's figure, and the
per-query latency (p50/p99) in process.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from knowledge_base import KnowledgeBase
from knowledge_base.articles import concepts, read_articles
from knowledge_base.evaluation import evaluate, load_set
from knowledge_base.parameters import Parameters
from knowledge_base.retrieval import Index, Matcher

ROOT = Path(__file__).resolve().parents[1]
SETS = {
    "dev": ROOT.parent / "shared" / "eval" / "ask_dev.jsonl",
    "kb": ROOT / "tests" / "kb" / "data" / "ask_eval.jsonl",
}
METHODS = {
    "full": {"by_sound": True, "one_wrong": True},
    "no-sound": {"by_sound": False, "one_wrong": True},
    "no-fuzzy": {"by_sound": True, "one_wrong": False},
    "exact": {"by_sound": False, "one_wrong": False},
}


def build(method: str) -> KnowledgeBase:
    if method == "full":
        return KnowledgeBase.load()
    articles, _ = read_articles()
    matcher = Matcher(concepts(), [k for a in articles for k in a.keywords], **METHODS[method])
    return KnowledgeBase(articles, Parameters.load(), Index(articles, matcher))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--method", choices=sorted(METHODS), default="full")
    parser.add_argument("--show-failures", action="store_true")
    args = parser.parse_args()
    start = time.perf_counter()
    kb = build(args.method)
    print(f"method {args.method}: load {1000 * (time.perf_counter() - start):.0f} ms")
    for name, path in SETS.items():
        result = evaluate(kb, load_set(path))
        print(
            f"{name:4} n={result.total:3}  right {result.accuracy:6.1%}  declined {result.declined_share:6.1%}"
            f"  foreign {result.foreign}  p50 {result.percentile(0.5):.2f} ms  p99 {result.percentile(0.99):.2f} ms"
            f"  mean {1000 * statistics.fmean(result.latencies):.2f} ms"
        )
        if args.show_failures:
            for failure in result.failures:
                print("   ", failure)


if __name__ == "__main__":
    main()
