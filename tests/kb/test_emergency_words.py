"""A fire, a crash or a collapsed house is an emergency a resident asks 临时救助 about, not out of scope."""

from __future__ import annotations

import pytest

from knowledge_base import KnowledgeBase

TONGFU, ZHENGAN, TONGREN = "640221203", "520324", "632301"


@pytest.mark.parametrize("question", ["家里着火了能救助多少钱", "家里失火了怎么办", "房子塌了能申请临时救助吗"])
@pytest.mark.parametrize("region", [TONGFU, ZHENGAN, TONGREN])
def test_emergencies_in_residents_words_reach_temporary_assistance(kb: KnowledgeBase, question: str,
                                                                   region: str) -> None:
    answer = kb.ask(question, region)
    assert answer.article_id and answer.article_id.startswith("temporary_assistance"), answer.text
    # An amount the place did not publish is said missing (not `answered`), before its 临时救助 rules.
    assert answer.answered or ("暂未公布临时救助" in answer.text and answer.sources), answer.text


def test_a_fire_in_tongfu_gets_its_emergency_amount(kb: KnowledgeBase) -> None:
    assert "1200" in kb.ask("家里着火了能救助多少钱", TONGFU).text
