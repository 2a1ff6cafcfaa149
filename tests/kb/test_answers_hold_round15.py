"""Issue 9, round 15: what residents asked in the fifteenth round's tuning sets (tune_h96 … tune_h99) and in
the fourteenth round's blind and sealed sets once they were read, read the way they meant it."""

from __future__ import annotations

import pytest

from knowledge_base import KnowledgeBase
from tests.kb.regions import TONGREN

LONGWU = "632301100"


@pytest.mark.parametrize(
    ("text", "region", "wanted"),
    [
        # Hours said as 钟头 (二十四个钟头能救助上不) ask how soon, as 小时 does.
        ("出了急事，二十四个钟头能救助上不", TONGREN, "24小时"),
        ("急事要等几个钟头才给救", LONGWU, "24小时"),
    ],
)
def test_round15_answered_with(kb: KnowledgeBase, text: str, region: str, wanted: str) -> None:
    """Answered, and with what the seed says of what was asked."""
    answer = kb.ask(text, region)
    assert answer.answered and wanted in answer.text, answer.text
