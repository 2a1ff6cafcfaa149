"""Answer quality and speed of ``KnowledgeBase.ask`` on the public dev set and the KB's own eval sets.

    python benchmarks/ask_eval.py [--method full|lexical|e5|no-sound|no-fuzzy|exact] [--show-failures]
    python benchmarks/ask_eval.py --file tests/kb/data/ask_heldout.jsonl --split tune --show-failures

Prints, per set, through the same ``KnowledgeBase.ask`` the API uses: right over all lines (every
need group satisfied, nothing forbidden, ≥1 source; an out-of-scope line declined); among in-scope
lines right, confidently wrong (answered, but not the figure or fact asked), clarified (counted as
not right) and declined; the share of out-of-scope questions declined; questions about a place we
do not serve (kind ``unserved_place``) that were answered; answers stating another place's figure;
and the per-query latency (p50/p99) in process. ``--split`` keeps the lines of a held-out set marked
``"split": "tune"`` or ``"blind"``; ``--by-kind`` adds accuracy per ``kind`` (plain, typo, pinyin…).
Failures of the blind split are not printed unless ``--reveal-blind`` is given: tuning on them
would make its score meaningless.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

from knowledge_base import Answer, KnowledgeBase
from knowledge_base.articles import concepts
from knowledge_base.evaluation import Result, evaluate, load_set
from knowledge_base.parameters import Parameters
from knowledge_base.retrieval import Index, Matcher
from knowledge_base.semantic import NEAR

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "kb" / "data"
# shared/ sits beside the repository (a worktree is one level deeper than a clone).
SHARED = next((p / "shared" for p in ROOT.parents if (p / "shared" / "eval").is_dir()), ROOT.parent / "shared")
SETS = {
    "dev": SHARED / "eval" / "ask_dev.jsonl",
    "own": DATA / "ask_eval.jsonl",
    "heldout": DATA / "ask_heldout.jsonl",
    "heldout2": DATA / "ask_heldout2.jsonl",
    "coverage": DATA / "ask_coverage.jsonl",
    "fresh": DATA / "ask_fresh.jsonl",
    "tune_c": DATA / "ask_tune_c.jsonl",
    "tune_d": DATA / "ask_tune_d.jsonl",
    "tune_g": DATA / "ask_tune_g.jsonl",
}
METHODS = {
    "full": {"by_sound": True, "one_wrong": True},
    "lexical": {"by_sound": True, "one_wrong": True},
    "e5": {"by_sound": True, "one_wrong": True},
    "no-sound": {"by_sound": False, "one_wrong": True},
    "no-fuzzy": {"by_sound": True, "one_wrong": False},
    "exact": {"by_sound": False, "one_wrong": False},
}


class E5Only(KnowledgeBase):
    """e5 alone: the article closest to the question, for the place; declined below ``semantic.NEAR``."""

    def ask(self, text: str, region_code: str, locale: str = "zh_Hans", on: date | None = None,
            vectors: Mapping[str, Any] | None = None) -> Answer:
        assert self.semantic is not None
        vector = self.semantic.encoder.encode([text])[0]
        ranked = self.semantic.ranked(vector, self.passage_keys(region_code, on))
        if not ranked or ranked[0][1] < NEAR:
            return Answer(answered=False, text="")
        return self.article(ranked[0][0], region_code, locale, on)


def build(method: str) -> KnowledgeBase:
    """full: as shipped (lexicon, places, the semantic stage where it is consulted); lexical: without
    the semantic stage; e5: e5 alone; the others switch parts of the lexical matcher off."""
    loaded = KnowledgeBase.load()
    if method == "full":
        return loaded
    articles = list(loaded.articles.values())
    if method in ("lexical", "e5"):
        cls = E5Only if method == "e5" else KnowledgeBase
        return cls(articles, loaded.parameters, loaded.index, loaded.semantic if method == "e5" else None)
    matcher = Matcher(concepts(), [k for a in articles for k in a.keywords], **METHODS[method])
    return KnowledgeBase(articles, Parameters.load(), Index(articles, matcher))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--method", choices=sorted(METHODS), default="full")
    parser.add_argument("--file", type=Path, action="append", help="a question set (repeatable); default: all sets")
    parser.add_argument("--split", choices=["tune", "blind", "all"], default="all")
    parser.add_argument("--by-kind", action="store_true")
    parser.add_argument("--show-failures", action="store_true")
    parser.add_argument("--reveal-blind", action="store_true", help="print blind failures too (only at the very end)")
    args = parser.parse_args()
    start = time.perf_counter()
    kb = build(args.method)
    print(f"method {args.method}: load {1000 * (time.perf_counter() - start):.0f} ms", end="")
    if kb.semantic is not None:
        # The service loads the e5 model at start (Semantic.warm); per-question times are a running one's.
        start = time.perf_counter()
        kb.semantic.fingerprint()  # reads the article vectors
        kb.semantic.encoder.encode(["预热"])
        print(f", e5 model {1000 * (time.perf_counter() - start):.0f} ms", end="")
    print()
    sets = {path.stem: path for path in args.file} if args.file else SETS
    for name, path in sets.items():
        if not path.exists():
            continue
        cases = load_set(path)
        splits = ["tune", "blind"] if args.split == "all" and any("split" in c for c in cases) else [args.split]
        for split in splits:
            chosen = [c for c in cases if split == "all" or c.get("split", "tune") == split]
            if not chosen:  # a set that is all blind (or all tune) has no lines for the other split
                continue
            label = name if split == "all" else f"{name}/{split}"
            result = evaluate(kb, chosen)
            _report(label, result)
            if args.by_kind and any("kind" in c for c in chosen):
                for kind in sorted({str(c.get("kind", "-")) for c in chosen}):
                    _report(f"  {kind}", evaluate(kb, [c for c in chosen if str(c.get("kind", "-")) == kind]))
            if args.show_failures and (split != "blind" or args.reveal_blind):
                for failure in result.failures:
                    print("   ", failure)


def _report(label: str, result: Result) -> None:
    oos = f"oos n={result.out_of_scope:3} declined {result.declined_share:6.1%}" if result.out_of_scope else " " * 25
    unserved = f"unserved answered {result.unserved_answered}/{result.unserved}" if result.unserved else ""
    print(
        f"{label:16} n={result.total:3} right {result.accuracy:6.1%} | in n={result.in_scope:3}"
        f" right {result.share(result.in_scope_right):6.1%} wrong {result.share(result.wrong):5.1%}"
        f" clarified {result.share(result.clarified):5.1%} declined {result.share(result.declined_in_scope):5.1%}"
        f" | {oos} | foreign {result.foreign} | p50 {result.percentile(0.5):.2f} p99 {result.percentile(0.99):.2f} ms"
        f"  mean {1000 * statistics.fmean(result.latencies):.2f} ms {unserved}"
    )


if __name__ == "__main__":
    main()
