"""The same question gets the same answer in every process: nothing in answering may depend on the order of
a set, which Python's string hashing changes from one interpreter to the next (PYTHONHASHSEED)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.kb.regions import ZHENGAN

ROOT = Path(__file__).resolve().parents[2]
# Two articles score alike on this story (the relocation aid and the relocation jobs); summed over a set in
# hash order, the last bit of their scores differed between hash seeds 1 and 4 and so did the answer.
TIED = "我们是易地搬迁户，刚搬到安置点，屋头啥都没有"
PROGRAM = """
import json, sys
from knowledge_base import KnowledgeBase
kb = KnowledgeBase.load()
answer = kb.ask(sys.argv[1], sys.argv[2])
print(json.dumps([answer.article_id, answer.text], ensure_ascii=False))
"""


def answer_in_process(seed: str, text: str, region: str) -> list[str]:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    done = subprocess.run([sys.executable, "-c", PROGRAM, text, region], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120, check=True)
    answer: list[str] = json.loads(done.stdout)
    return answer


def test_a_tie_is_broken_the_same_way_under_every_hash_seed() -> None:
    answers = [answer_in_process(seed, TIED, ZHENGAN) for seed in ("1", "4")]
    assert answers[0] == answers[1]
    # The articles' own order breaks the tie: the one-off aid of relocated households comes first.
    assert answers[0][0] == "temporary_assistance.relocation" and "1500" in answers[0][1]
