"""Scoring answers against question sets (``ask_dev.jsonl`` format): used by the benchmark and the tests.

A line is ``{"id", "region", "text", "need": ["a|b", …], "forbid": [...]}`` or ``out_of_scope: true``
(the answer must be declined, ``answered: false``; with ``forbid`` too, it must not state those
figures either). A right answer satisfies every need group, states nothing forbidden, carries a
source, and states no figure that only places outside its own chain published. A recognised "not
published here" reply has no source to carry; it is right when the case needs exactly that (the
held-out set writes such cases as ``need: ["未公布|暂未公布|…"]`` with ``forbid``).
"""

from __future__ import annotations

import json
import re
import time
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from knowledge_base.jurisdictions import jurisdictions
from knowledge_base.kb import Answer, KnowledgeBase

# What became of one case. In scope: right, wrong (answered, but not the figure or fact asked: a
# confident miss), clarified (asked "您是想问…" back: not right, but not wrong either) or declined.
# Out of scope: right when declined, else wrong.
VERDICTS = ("right", "wrong", "clarified", "declined")
# What a "not published here" reply says before the place's related rules (zh_Hans).
RELATED = "已公布的相关规定："


@dataclass
class Result:
    total: int = 0
    right: int = 0
    in_scope: int = 0
    in_scope_right: int = 0
    wrong: int = 0
    clarified: int = 0
    declined_in_scope: int = 0
    out_of_scope: int = 0
    declined: int = 0
    # Questions about a place Minsheng does not serve (kind ``unserved_place``) answered anyway.
    unserved: int = 0
    unserved_answered: int = 0
    foreign: int = 0
    latencies: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return self.right / self.total if self.total else 1.0

    @property
    def declined_share(self) -> float:
        return self.declined / self.out_of_scope if self.out_of_scope else 1.0

    def share(self, count: int) -> float:
        """A count among the in-scope cases."""
        return count / self.in_scope if self.in_scope else 0.0

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else 0.0


def fold(text: str) -> str:
    """Full-width digits to ASCII and thousands separators removed, as the dev set's README says."""
    text = unicodedata.normalize("NFKC", text)
    return re.sub(r"(?<=\d),(?=\d{3})", "", text)


def load_set(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def region_code(name: str) -> str:
    places = jurisdictions().find(name)
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
    verdict, foreign = verdict_of(case, answer, kb)
    return verdict == "right", foreign


def verdict_of(case: dict[str, object], answer: Answer, kb: KnowledgeBase) -> tuple[str, bool]:
    """One of ``VERDICTS``, and whether the answer states another place's figure."""
    text = fold(answer.text)
    forbid = [str(f) for f in case.get("forbid", [])]  # type: ignore[attr-defined]
    foreign = any(fold(f) in text for f in forbid) or bool(foreign_figures(kb, answer))
    if case.get("out_of_scope"):
        return ("right" if not answer.answered and not foreign else "wrong"), foreign
    if answer.answered:
        groups: Iterable[str] = case.get("need", [])  # type: ignore[assignment]
        satisfied = all(any(alt.strip() in text for alt in str(group).split("|")) for group in groups)
        return ("right" if satisfied and not foreign and answer.sources else "wrong"), foreign
    if answer.clarify:
        return "clarified", foreign
    groups = case.get("need", [])  # type: ignore[assignment]
    # "The place has not published this" is a right reply when that is what the case needs
    # (need: 未公布|…): it recognises the topic (article_id) but has nothing to cite, so it is not
    # `answered` (the API's definition) and carries no source. Otherwise what the case needs must be
    # in the related rules it gives, not only in the name of the topic it says is unpublished
    # (城厢区暂未公布一老一小… for a 一老一小 the seed does speak of is no right answer).
    if not any("未公布" in str(group) for group in groups):
        text = text.partition(fold(RELATED))[2]
    satisfied = all(any(alt.strip() in text for alt in str(group).split("|")) for group in groups)
    if satisfied and not foreign and answer.article_id is not None:
        return "right", foreign
    return "declined", foreign


def evaluate(kb: KnowledgeBase, cases: list[dict[str, object]]) -> Result:
    result = Result()
    for case in cases:
        code = region_code(str(case["region"]))
        start = time.perf_counter()
        answer = kb.ask(str(case["text"]), code)
        result.latencies.append(time.perf_counter() - start)
        verdict, foreign = verdict_of(case, answer, kb)
        result.total += 1
        result.right += verdict == "right"
        result.foreign += foreign
        if case.get("out_of_scope"):
            # Lines with ``forbid`` mark a place that published nothing: declining is right there
            # too, but they are no out-of-scope question in the sense of the decline share.
            if not case.get("forbid") or case.get("kind") == "unserved_place":
                result.out_of_scope += 1
                result.declined += not answer.answered
            if case.get("kind") == "unserved_place":
                result.unserved += 1
                result.unserved_answered += answer.answered
        else:
            result.in_scope += 1
            result.in_scope_right += verdict == "right"
            result.wrong += verdict == "wrong"
            result.clarified += verdict == "clarified"
            result.declined_in_scope += verdict == "declined"
        if verdict != "right":
            shown = answer.text.replace("\n", " / ")
            choices = " | ".join(c.question for c in answer.clarify)
            result.failures.append(
                f"{verdict:9} {case['id']} [{case['region']}|{case.get('kind', '-')}] {case['text']}"
                f" → {answer.answered} {answer.article_id} {shown[:160]}{' ?? ' + choices if choices else ''}"
            )
    return result
