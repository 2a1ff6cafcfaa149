"""Round 6 coverage (issue 9): seed facts that no answer held before, asked in everyday words.

One question per new article (knowledge_base/articles/coverage.yaml) and per sentence added to an
existing answer: the place whose seed states the fact gets its key figure or phrase and the section;
a place whose seed does not state it never gets that figure or phrase."""

from __future__ import annotations

import pytest

from knowledge_base import KnowledgeBase

ZHENGAN, CHENGXIANG, TONGREN, LINXIA, TONGFU, PINGLUO = "520324", "350302", "632301", "6229", "640221203", "640221"


# (question, place that states it, words its answer holds, section cited, another place, words it must not get)
CASES = [
    (
        "过年肉不够吃，州里会投放冻肉吗",
        LINXIA,
        ["冻肉", "肉类储备调节制度", "10天"],
        "三（二）5",
        CHENGXIANG,
        ["调节制度", "10天"],
    ),
    (
        "网上有人乱传谣言，说政府不管困难户了，区里会回应吗",
        CHENGXIANG,
        ["第一时间", "主动回应"],
        "三（三）",
        LINXIA,
        ["第一时间"],
    ),
    (
        "政策宣传都有哪些方式，电视广播上有吗",
        TONGREN,
        ["电视上有图像", "广播上有声音"],
        "三（四）",
        ZHENGAN,
        ["电视上有图像"],
    ),
    ("木兰溪的水什么时候能治好", CHENGXIANG, ["木兰溪", "黑臭水体"], "二（八）", TONGREN, ["黑臭水体", "生态环境局"]),
    ("爱国卫生运动还搞吗", CHENGXIANG, ["爱国卫生运动", "健康福建"], "二（五）", ZHENGAN, ["健康福建"]),
    (
        "解忧暖心传党恩活动是干啥的",
        TONGREN,
        ["解忧暖心传党恩", "驻村干部"],
        "二（五）1",
        ZHENGAN,
        ["驻村干部", "低保专项治理"],
    ),
    ("想学种庄稼的技术，有免费培训吗", ZHENGAN, ["免费", "种植技术"], "三（三）5", LINXIA, ["种植技术"]),
    ("乡里一年搞几回教育引导活动", TONGFU, ["不少于5次", "等靠要"], "二（四）13", ZHENGAN, ["5次"]),
    ("我们村帮扶的事谁是第一责任人", TONGFU, ["村书记", "第一责任人"], "三（二）", LINXIA, ["村书记"]),
    ("帮扶解困领导小组副组长都是谁", TONGFU, ["王瑞", "书记助理张晓敏"], "三（一）", PINGLUO, ["王瑞", "张晓敏"]),
    (
        "我在医院抗疫，家里老人孩子有人照顾吗",
        TONGFU,
        ["一老一小", "疫情防控一线"],
        "二（二）4",
        CHENGXIANG,
        ["特殊关爱帮扶"],
    ),
    # sentences added to existing answers
    ("控辍保学的学长制是啥", LINXIA, ["学长制", "八包八到位"], "三（四）11", CHENGXIANG, ["学长制"]),
    ("四重医疗保障是什么", ZHENGAN, ["四重医疗保障", "90%"], "三（二）2", TONGFU, ["四重医疗保障"]),
    ("残疾人托养是怎么回事", TONGREN, ["富裕一户"], "二（二）", ZHENGAN, ["富裕一户"]),
    ("退役军人回乡创业有扶持吗", TONGFU, ["退役军人", "三位一体"], "二（三）9", ZHENGAN, ["三位一体"]),
    ("初中住校一年补多少钱", ZHENGAN, ["1250元"], "三（一）2", TONGFU, ["1250"]),
]


@pytest.mark.parametrize(("question", "place", "need", "section", "other", "forbid"), CASES)
def test_seed_fact_for_its_place_only(
    kb: KnowledgeBase, question: str, place: str, need: list[str], section: str, other: str, forbid: list[str]
) -> None:
    answer = kb.ask(question, place)
    assert answer.answered, answer.text
    for word in need:
        assert word in answer.text, answer.text
    assert section in {s.section for s in answer.sources}, answer.sources
    elsewhere = kb.ask(question, other)
    for word in forbid:
        assert word not in elsewhere.text, elsewhere.text
