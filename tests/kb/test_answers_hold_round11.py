"""Issue 9, round 11: what residents asked in the eleventh round's tuning sets, read the way they meant it —
a place written in pinyin asked about as it is in Chinese."""

from __future__ import annotations

import pytest

from knowledge_base import KnowledgeBase
from tests.kb.regions import TONGREN, ZHENGAN


@pytest.mark.parametrize(
    ("text", "region"),
    [
        # 上海 in pinyin is the place asked about (shanghai de dibao: 上海的低保), not 正安县's labour cooperation
        # with Shanghai, as in Chinese.
        ("shanghai de dibao biaozhun shi duoshao", ZHENGAN),
        ("shanghai dibao biaozhun duoshao", ZHENGAN),
        ("shanghai de dibao biaozhun shi duoshao", TONGREN),
    ],
)
def test_round11_unserved_place_in_pinyin_is_declined(kb: KnowledgeBase, text: str, region: str) -> None:
    answer = kb.ask(text, region)
    assert not answer.answered and "上海" in answer.text and "我们只有" in answer.text, answer.text


@pytest.mark.parametrize(
    ("text", "region", "wanted"),
    [
        # Where the resident works, in pinyin (wo zai … dagong), is background: the question is about home.
        ("wo zai shanghai dagong, laojia dibao duoshao qian", ZHENGAN, "3876"),
        ("wo zai xining dagong, laojia dibao duoshao qian", ZHENGAN, "3876"),
        # Shanghai as the labour cooperation the resident's county runs is still that.
        ("My cousin in Zhengan wants to work in shanghai thru the east west labour cooperation, job fairs how often",
         ZHENGAN, "招聘会"),
    ],
)
def test_round11_where_a_resident_works_in_pinyin_is_background(kb: KnowledgeBase, text: str, region: str,
                                                                 wanted: str) -> None:
    answer = kb.ask(text, region)
    assert answer.answered and wanted in answer.text, answer.text
