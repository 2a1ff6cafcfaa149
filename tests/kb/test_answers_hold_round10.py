"""Issue 9, round 10: what residents told and asked in the tenth round's tuning sets, read the way they meant it —
where the asker or a relative works (in English too), a city's own urban districts named as a workplace, the group
a resident belongs to as the seeds write it."""

from __future__ import annotations

import pytest

from knowledge_base import KnowledgeBase
from tests.kb.regions import CHENGXIANG, DONGXIANG, KANGLE, LINXIA, TONGFU, TONGREN, ZHENGAN


@pytest.mark.parametrize(
    ("text", "region", "wanted", "not_wanted"),
    [
        # English: where the asker or a relative works is background, the question is about home.
        ("What is the rural minimum living allowance per person per year? Asking for my parents, I work in Zhejiang.",
         ZHENGAN, "3876", "我们只有"),
        ("My son works in Fuzhou. What is the dibao standard here?", CHENGXIANG, "7920", "我们只有"),
        ("My daughter is living in Shanghai now. How much is temporary assistance for a family in an emergency?",
         TONGFU, "1200", "我们只有"),
        # English: wages counted as income, and the cost of working deducted.
        ("My cousin just found a job in Xining; his family back home is on dibao. Will all his wages count?",
         TONGREN, "30%", "我们只有"),
        # The city's urban districts named as where the asker works (石嘴山市区 from 通伏乡): background.
        ("我在石嘴山市区打工，我爸是一级残疾，他的医保个人交多少", TONGFU, "不缴费", "我们只有"),
        ("我家在正安，我在遵义市区上班。家里老人特困供养一个月多少", ZHENGAN, "741", "我们只有"),
        # 一级残疾 is one of the 一二级重残人员 the seed names.
        ("我是二级残疾，医保个人要交多少钱", TONGFU, "不缴费", "64元"),
        ("我是三级残疾，医保个人要交多少钱", TONGFU, "64元", "不缴费"),
        # 服务补贴 is the care service subsidy for the elderly, not a disability allowance.
        ("低保 残疾 失能老人 服务补贴一年多少", TONGFU, "400", "不计入"),
        ("My grandpa on dibao is disabled and can't look after himself. How much is the care service subsidy?",
         TONGFU, "300", "不计入"),
        # English: dementia, someone who cannot apply themself, who applies for them.
        ("My grandmother has dementia and can't apply for help herself. Who can apply for her?", TONGREN, "村委会",
         "您是想问"),
        # English: what counts as low-income, the basic support level, housing help for those with no home.
        ("When is a family counted as low-income?", TONGREN, "2倍", "专项救助"),
        ("When is a household counted as low-income here?", TONGFU, "1.5倍", "专项救助"),
        ("My uncle has no family and cannot work. How is his basic support level set?", DONGXIANG, "1.3倍",
         "未公布具体数额"),
        ("My parents are disabled and have no home of their own. What housing help is there?", TONGFU, "公共租赁住房",
         "两项补贴"),
        # A topic read only across a clause and its question (看病掏的钱，申请低保能扣掉吗) is one question.
        ("去年给老人看病自己掏了不少钱，申请低保时能扣掉吗", TONGFU, "12个月", "先行救助"),
        ("前年娃看病自己掏的钱，吃低保的时候能扣掉不", ZHENGAN, "刚性支出", "先行救助"),
        # The township's ready money for emergencies (现成的钱先救急) is its 临时救助备用金.
        ("遭了雹子，乡上有没有现成的钱先救急", TONGREN, "备用金", "按季度"),
        ("发大水了，乡上有没有现成的钱救急", TONGFU, "备用金", "这个问题不在"),
        # The seed's words for a public-welfare job's social insurance (缴纳社会保险), asked as 社保.
        ("公益岗交不交社保", TONGFU, "社会保险", "这个问题不在"),
        # Medical costs of a serious illness, or "these costs", deducted from income (刚性支出).
        ("家里有人生大病花了好多钱，办低保算收入时能扣吗", CHENGXIANG, "刚性支出", "大病专项救治"),
        ("老伴做了手术，娃上大专，复核的时候这些花销能从收入里扣掉吗", TONGFU, "12个月", "通信方式核查"),
        # Help for the mind (心理上的帮助, 心理上扛不住) is counselling.
        ("我妈一直很消沉，有没有人能给她心理上的帮助", TONGREN, "心理疏导", "居住证"),
        ("低保户孩子心理上扛不住了", TONGREN, "心理疏导", "高中"),
        # English: income that is not counted.
        ("Which kinds of income are NOT counted for dibao?", TONGFU, "不计入", "兜底"),
        ("Which income is not counted for dibao?", TONGREN, "不计入", "兜底"),
        # 给多少户 asks how many households, not how much.
        ("俺们乡今年给多少户吃上低保了", TONGFU, "854户", "600元"),
        # 没劳动力也没收入来源 is the 两无 the seeds put under 兜底.
        ("就剩老两口，没劳动力也没收入来源，一年能保障多少", ZHENGAN, "3535", "741"),
        ("家里没有劳动能力也没有收入，能兜底吗", TONGFU, "兜底", "这个问题不在"),
        # 重大项目 with 本地贫困劳动力 is the work-relief provision.
        ("听说重大项目要优先用本地贫困劳动力，具体是哪些项目", LINXIA, "村组道路", "临时救助"),
        # 登记了失业 is the registered unemployed 临夏州's work names.
        ("厂子停了，我在城里登记了失业，这次保民生管我们不", KANGLE, "登记失业", "两项补贴"),
        ("厂子倒闭了，去登记了失业，政府还管不管", LINXIA, "登记失业", "居住证"),
        # A township of the resident's place wins over a county elsewhere written the same (华亭镇, not 华亭市)…
        ("我在华亭开了个小卖部，生意不好，低保标准多少", CHENGXIANG, "7920", "我们只有"),
        ("我家在东海，低保一年多少", CHENGXIANG, "7920", "我们只有"),
        # …but not over a city elsewhere (银川), nor over the county named with its level (华亭县, 华亭市).
        ("银川低保标准多少", LINXIA, "我们只有", "10%"),
        ("华亭县低保多少", CHENGXIANG, "我们只有", "7920"),
        ("甘肃华亭市低保多少", CHENGXIANG, "我们只有", "7920"),
        # English: a hyphen joins words as a space does; stages, paperwork later, still struggling, essential spending.
        ("For a chronic-disease patient treated at a provincial hospital, what is the yearly out-of-pocket cap?",
         ZHENGAN, "5000", "这个问题不在"),
        ("Can temporary assistance be paid in stages instead of all at once?", TONGFU, "分阶段", "1200"),
        ("Can emergency aid be given first and the paperwork completed later?", TONGFU, "先行救助", "这个问题不在"),
        ("If assistance has been given and the family is still struggling, what then?", TONGFU, "慈善",
         "这个问题不在"),
        ("Essential spending from how many months before the application is deducted from income?", TONGFU,
         "12个月", "600元"),
        # A point between digits is a decimal point, not a clause break (3.9万 is one figure).
        ("墙开裂了。我们是一般贫困户。邻居家是特困户，危房改造补了3.9万。像我们一般贫困户能补多少？", TONGFU, "15000",
         "医保"),
        # Whether the township holds the money or waits for the district's.
        ("临时救助的钱镇上有没有，还要等区里拨吗", CHENGXIANG, "预拨", "一事一议"),
        # Pinyin of the seeds' phrases: 事前和事后, 主要劳动力没了.
        ("linshi jiuzhu shiqian he shihou you sha qubie", TONGREN, "事后", "12小时"),
        ("jiating zhuyao laodongli mei le, neng na dibao ma", TONGFU, "兜底", "单人户"),
        ("家里主要劳动力没了，一家人能吃低保吗", ZHENGAN, "兜底", "这个问题不在"),
        # 算进低保收入 asks whether an income counts; English "in advance" is paying first (垫付).
        ("卖菜挣了点零钱，会被算进低保收入吗", CHENGXIANG, "豁免", "7920"),
        ("残疾人补贴会被算进低保收入吗", TONGFU, "不计入", "600元"),
        ("We cannot pay the hospital right now. Can the township pay temporary assistance in advance?", TONGREN,
         "垫付", "12小时"),
    ],
)
def test_round10_patterns(kb: KnowledgeBase, text: str, region: str, wanted: str, not_wanted: str) -> None:
    answer = kb.ask(text, region)
    assert wanted in answer.text, answer.text
    assert not_wanted not in answer.text, answer.text


@pytest.mark.parametrize(
    ("text", "region"),
    [
        # Where papers are made, how a loan is repaid, how unemployment insurance is claimed: no seed says.
        ("残疾证到哪里办，要体检吗", KANGLE),
        ("居住证去哪里办，要带什么材料", TONGREN),
        ("助学贷款毕业后怎么还款", ZHENGAN),
        ("失业保险金怎么申领，领多久", CHENGXIANG),
        ("低保户能买车吗", TONGFU),
    ],
)
def test_round10_near_misses_are_declined(kb: KnowledgeBase, text: str, region: str) -> None:
    assert not kb.ask(text, region).answered


@pytest.mark.parametrize(
    ("text", "region", "wanted"),
    [
        # …while what the seeds do say of the same papers and loans is still answered.
        ("办了残疾证能领两项补贴吗", TONGFU, "两项补贴"),
        ("大学生助学贷款一年能贷多少", ZHENGAN, "8000"),
        ("领失业保险金的人有价格补贴吗", CHENGXIANG, "领取失业保险金人员"),
        ("有居住证能在这申请救助吗", TONGREN, "居住证"),
    ],
)
def test_round10_what_the_seeds_say_of_them_is_answered(kb: KnowledgeBase, text: str, region: str, wanted: str) -> None:
    answer = kb.ask(text, region)
    assert answer.answered and wanted in answer.text, answer.text


@pytest.mark.parametrize(
    ("text", "region", "elsewhere"),
    [
        # The dialogs keep the region where the answering reads a place as not the resident's home…
        ("我在华亭开了个小卖部，低保标准多少", CHENGXIANG, True),
        ("我在石嘴山市区打工，我爸是一级残疾", TONGFU, True),
        # …and not where it reads a home, or the place elsewhere named with its level.
        ("我在华亭县住，低保多少", CHENGXIANG, False),
        ("我在隆务镇住，低保多少", TONGREN, False),
    ],
)
def test_round10_dialogs_read_places_as_answering_does(kb: KnowledgeBase, text: str, region: str,
                                                       elsewhere: bool) -> None:
    mention = kb.places.read(text)[0]
    assert kb.says_elsewhere(text, mention, region) is elsewhere
