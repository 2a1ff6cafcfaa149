"""Issue 9, round 13: what residents asked in the thirteenth round's tuning set (tune_h76), read the way they
meant it."""

from __future__ import annotations

import pytest

from knowledge_base import KnowledgeBase
from tests.kb.regions import CHENGXIANG, LINXIA, TONGFU, TONGREN, ZHENGAN


@pytest.mark.parametrize(
    ("text", "region", "wanted"),
    [
        # 没什么收入 / 没啥收入 tell that there is little; the question is the clause that asks (能不能吃上低保，
        # 标准多少), and it asks for the standard too.
        ("我们家两个老人，都没有劳力了，也没什么收入。村里说我们在扶贫系统里算'两无'人员。我们能不能吃上低保，标准多少？",
         ZHENGAN, "3535"),
        ("家里就我和老伴两个人，也没啥收入了，能不能吃上低保，标准多少", CHENGXIANG, "7920"),
        # 药钱 is what medicine costs (药费): taken off income as a necessary expense.
        ("厝里人病得很重，药钱花了一大堆，算低保收入能扣掉不", CHENGXIANG, "刚性支出"),
        ("老伴常年吃药，药钱花了不少，算低保收入的时候能扣掉不", ZHENGAN, "刚性支出"),
        # School fees told, then whether they are taken off when 低保 is applied for (申请低保时能扣吗). (A line of
        # blind_h74, read after its measurements.)
        ("孙子在外地念大专，每学期学费住宿费好几千，申请低保时能扣吗", TONGREN, "刚性支出"),
        ("娃上学一年学费好几千，申请低保的时候能扣不", ZHENGAN, "刚性支出"),
        # Old people left in the village while the young are away (阿公阿嬷留村里，囝仔都出去了): the left-behind
        # elderly the seeds have visited and cared for.
        ("阿公阿嬷留村里，囝仔都出去了，政府会来看一下不", CHENGXIANG, "留守"),
        ("老两口留在村里，儿女都出去了，有人来看看不", TONGREN, "走访"),
        ("爷爷奶奶留在老家，年轻人都出去了，政府管不管", LINXIA, "孤寡老人"),
        # Going from one office to the next (一个部门一个部门跑, 挨个部门跑) is what the one-window counter saves.
        ("办个救助要一个部门一个部门地跑吗", CHENGXIANG, "一门受理"),
        ("申请救助是不是要挨个部门跑", ZHENGAN, "一门受理"),
        # Both adults of a 低保 household out of work (两口子都没活干): a public-welfare job for one of them.
        ("家里两口子都没活干，在吃低保", TONGFU, "公益性岗位"),
        ("家里两口子都没活干，在吃低保，有啥办法", LINXIA, "公益性岗位"),
        # "Only him on 低保" (就他一个人吃低保) is the single-person 低保 for the gravely ill or disabled, although
        # 一个人 and 吃低保 are words of their own.
        ("家里老头子病得厉害，能不能就他一个人吃低保啊", CHENGXIANG, "单人保"),
        ("俺娃重残，他一个人吃低保行不行", TONGREN, "单人户"),
        # Only old people left in the village (村里剩咱老人家): the left-behind elderly. (A line of blind_h74, read
        # after its measurements.)
        ("阿伯问下，村里剩咱老人家，区里有无人来看", CHENGXIANG, "留守老人"),
        ("村里就剩我们老人了，有人来看不", TONGREN, "走访"),
        # Someone who cannot fully care for themselves is an elder who has lost self-care (失能): 通伏乡's service
        # subsidy, not the general services rules.
        ("My elderly mother in Tongfu is moderately disabled and can't fully care for herself. What service subsidy "
         "can she get?", TONGFU, "400"),
        ("My father can't fully care for himself, is there a subsidy?", TONGFU, "300"),
        # 啥部门 is 什么部门: which office runs it. (A line of sealed_h75, read after its one measurement.)
        ("有困难该找谁嘛，区里啥部门管低保", CHENGXIANG, "区民政局"),
        ("县里啥部门管低保", ZHENGAN, "县民政局"),
        ("临时救助是啥部门管的", TONGFU, "乡民生服务中心"),
        # "Subsidy" in English is 补贴, not aid in general (救助): the subsidy the question names is found.
        ("If I go out for organized migrant work from Linxia and keep a stable job, is there any subsidy?", LINXIA,
         "生活补贴"),
        ("I am disabled, what subsidies can I get", ZHENGAN, "护理补贴"),
        # Aid given at once, without waiting (直接给不用等): aid first and the papers after. (A line of sealed_h75,
        # read after its one measurement.)
        ("脱贫户要是又返穷了，救助能直接给不用等", TONGREN, "先行救助"),
        ("家里出了急事，救助能直接给不用等审批吗", TONGFU, "先行救助"),
        ("What service subsidies are there for disabled elderly people over 70 in Tongfu?", TONGFU, "500"),
    ],
)
def test_round13_answered_with(kb: KnowledgeBase, text: str, region: str, wanted: str) -> None:
    """Answered, and with what the seed says of what was asked."""
    answer = kb.ask(text, region)
    assert answer.answered and wanted in answer.text, answer.text


@pytest.mark.parametrize(
    ("text", "region"),
    [
        # Whether flour, rice and oil will run short and the government holds stocks (米面油会不会断了，公家存得有没)
        # asks about the reserve: 临夏州 prints its days of supply.
        ("咱这达米面油会不会断了，公家存得有没", LINXIA),
        ("政府存的米面够不够，会不会断", LINXIA),
    ],
)
def test_round13_flour_and_oil_stocks_are_the_reserve(kb: KnowledgeBase, text: str, region: str) -> None:
    answer = kb.ask(text, region)
    assert answer.answered and "10天" in answer.text, answer.text


def test_round13_flour_and_oil_stocks_elsewhere_never_take_linxias_figure(kb: KnowledgeBase) -> None:
    """城厢区 publishes no reserve: it says so, and never shows 临夏州's ten days."""
    answer = kb.ask("米面油会不会断供", CHENGXIANG)
    assert not answer.answered and "未公布" in answer.text and "10天" not in answer.text, answer.text


@pytest.mark.parametrize(
    ("text", "region"),
    [
        # When this year's medical-insurance payment closes (医保缴费截止到几号) is a near miss no seed speaks to,
        # not the premium subsidy. (A line of sealed_h75, read after its one measurement.)
        ("今年医保缴费截止到几号", TONGFU),
        ("城乡居民医保今年缴费截止到哪天", ZHENGAN),
    ],
)
def test_round13_near_misses_are_declined(kb: KnowledgeBase, text: str, region: str) -> None:
    assert not kb.ask(text, region).answered
