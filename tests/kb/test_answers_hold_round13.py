"""Issue 9, round 13: what residents asked in the thirteenth round's tuning set (tune_h76), read the way they
meant it."""

from __future__ import annotations

import pytest

from knowledge_base import KnowledgeBase
from tests.kb.regions import CHENGXIANG, ZHENGAN


@pytest.mark.parametrize(
    ("text", "region", "wanted"),
    [
        # 没什么收入 / 没啥收入 tell that there is little; the question is the clause that asks (能不能吃上低保，
        # 标准多少), and it asks for the standard too.
        ("我们家两个老人，都没有劳力了，也没什么收入。村里说我们在扶贫系统里算'两无'人员。我们能不能吃上低保，标准多少？",
         ZHENGAN, "3535"),
        ("家里就我和老伴两个人，也没啥收入了，能不能吃上低保，标准多少", CHENGXIANG, "7920"),
    ],
)
def test_round13_answered_with(kb: KnowledgeBase, text: str, region: str, wanted: str) -> None:
    """Answered, and with what the seed says of what was asked."""
    answer = kb.ask(text, region)
    assert answer.answered and wanted in answer.text, answer.text
