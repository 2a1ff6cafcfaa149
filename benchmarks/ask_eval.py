"""Answer quality and speed of ``KnowledgeBase.ask`` on the public dev set and the KB's own eval set.

    python benchmarks/ask_eval.py [--method full|no-sound|no-fuzzy|exact] [--show-failures]

Prints, per set: top-1 accuracy (every need group satisfied, nothing forbidden, ≥1 source), the
share of out-of-scope questions declined, how many answers state another place's figure, and the
per-query latency (p50/p99) in process.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import time
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from knowledge_base import Answer, KnowledgeBase
from knowledge_base.articles import concepts, read_articles
from knowledge_base.jurisdictions import jurisdictions
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


@dataclass
class Result:
    total: int = 0
    right: int = 0
    in_scope: int = 0
    out_of_scope: int = 0
    declined: int = 0
    foreign: int = 0
    latencies: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return self.right / self.total if self.total else 1.0

    @property
    def declined_share(self) -> float:
        return self.declined / self.out_of_scope if self.out_of_scope else 1.0

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def fold(text: str) -> str:
    """Full-width digits to ASCII and thousands separators removed, as the dev set's README says."""
    text = unicodedata.normalize("NFKC", text)
    return re.sub(r"(?<=\d),(?=\d{3})", "", text)


def load_set(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def region_code(name: str) -> str:
    places = jurisdictions().resolve(name)
    if not places:
        raise SystemExit(f"unknown region {name!r}")
    return places[-1].code


def foreign_figures(kb: KnowledgeBase, answer: Answer) -> list[str]:
    """Figures in the answer that only places outside the answering place's chain published."""
    if not answer.answered or answer.jurisdiction_code is None:
        return []
    chain = {p.code for p in kb.places.chain(answer.jurisdiction_code)}
    own: set[str] = set()
    other: set[str] = set()
    for parameter in kb.parameters:
        for entry in parameter.values:
            if isinstance(entry.value, date) and parameter.jurisdiction_code in chain:
                own.add(str(entry.value.year))
            for value in (entry.value, entry.previous):
                if isinstance(value, int | float) and not isinstance(value, bool) and value >= 100:
                    (own if parameter.jurisdiction_code in chain else other).add(format(value, "g"))
    text = fold(answer.text)
    numbers = set(re.findall(r"\d+(?:\.\d+)?", text))
    return sorted(n for n in numbers & (other - own))


def judge(case: dict[str, object], answer: Answer, kb: KnowledgeBase) -> tuple[bool, bool]:
    """(right, states a foreign figure)."""
    text = fold(answer.text)
    forbid = [str(f) for f in case.get("forbid", [])]  # type: ignore[attr-defined]
    foreign = any(f in text for f in forbid) or bool(foreign_figures(kb, answer))
    if case.get("out_of_scope"):
        return (not answer.answered) and not foreign, foreign
    groups: Iterable[str] = case.get("need", [])  # type: ignore[assignment]
    satisfied = all(any(alt.strip() in text for alt in str(group).split("|")) for group in groups)
    return satisfied and not foreign and bool(answer.sources) and answer.answered, foreign


def evaluate(kb: KnowledgeBase, cases: list[dict[str, object]]) -> Result:
    result = Result()
    for case in cases:
        code = region_code(str(case["region"]))
        start = time.perf_counter()
        answer = kb.ask(str(case["text"]), code)
        result.latencies.append(time.perf_counter() - start)
        right, foreign = judge(case, answer, kb)
        result.total += 1
        result.right += right
        result.foreign += foreign
        if case.get("out_of_scope") and not case.get("forbid"):
            result.out_of_scope += 1
            result.declined += not answer.answered
        if not right:
            result.failures.append(f"{case['id']} [{case['region']}] {case['text']} → {answer.answered} {answer.text}")
    return result


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
