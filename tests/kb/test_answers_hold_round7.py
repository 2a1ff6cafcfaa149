"""Issue 9, round 7: the seed's own sentence for a detail an answer leaves out, dialect pronouns that turn a
message back to the resident's place, ordinary words that look like place names, and a local rule that
speaks of everything asked where the place published no article of its own on it."""

from __future__ import annotations

import pytest

from knowledge_base import KnowledgeBase
from knowledge_base.quotes import seeds
from knowledge_base.text import compact

ZHENGAN, CHENGXIANG, TONGREN, TONGFU, LINXIA = "520324", "350302", "632301", "640221203", "6229"
KANGLE, DONGXIANG = "622922", "622926"
CHANGTAI = "350302102"  # 常太镇, 城厢区


@pytest.mark.parametrize(
    ("text", "region", "wanted", "not_wanted"),
    [
        # A detail the article leaves out, quoted from its own paragraph of the place's seed.
        ("慢性病的医保目录外药品费用要谁审批才能给医疗扶助", ZHENGAN, "县合医办", "7920"),
        ("特困供养标准是咋跟低保标准挂钩的", KANGLE, "1.3倍", "741"),
        ("低收入人口要教育医疗住房帮扶，民政管不管", TONGREN, "转介", "7920"),
        # A long phrase of the question (监测预警体系) that a sentence of the place's seed repeats.
        ("监测预警体系是几级", LINXIA, "五位一体", "3876"),
        # The place published no article of its own; its related rule, with the seed's sentence asked.
        ("社会救助预警监测是怎么分类分级的", CHENGXIANG, "分级监测", "3876"),
        # 阮 (莆田) and 额们 (宁夏) turn the message back to the resident after a relative's place.
        ("阮大兄在贵州正安 伊讲低保一年三千多 阮城厢几钱", CHENGXIANG, "7920", "3876"),
        ("兄弟在正安 二级残疾护理补贴一月四十 额们三级中度残疾医保补多少", TONGFU, "236", "40元"),
        # 全州县级医院 is the prefecture's county hospitals, not 全州县 in Guangxi.
        ("全州县级医院的五大中心是哪五个", LINXIA, "心电", "我们只有"),
        # One thing asked twice after a story: the story's 高中 is not the question.
        ("我老公去年中风偏瘫了，我在鞋厂打工一个月三千多。儿子在读高中。我们家一年人均算下来七千出头。"
         "够不够低保？标准是多少？", CHENGXIANG, "7920", "暂未公布"),
        # 去厦门那边的厂子 is where the son goes to work, not a question about 厦门.
        ("我儿子高中毕业没考上。听说县上组织人去外地打工，他想报名去厦门那边的厂子。要是跟着组织出去、干稳定了，"
         "政府给啥补贴没有？", DONGXIANG, "交通补助", "我们只有"),
        # Everyday words and English found in round 7's tuning.
        ("娃今年没去上学了，在家放羊，村里管不管", DONGXIANG, "控辍保学", "我们只有"),
        ("疫情厂里停工 几个月没工资", CHENGXIANG, "临时救助", "7920"),
        ("打12345能要救助不", TONGREN, "12345", "7920"),
        ("屋漏了 低保户修房给多少", TONGFU, "3万", "953"),
        ("村里人来家里问情况 多长来一回", TONGREN, "季度", "7920"),
        ("阮阿嬷病重 伊一个人能吃低保冇", CHENGXIANG, "单人保", "3876"),
        ("How much per child per year does Tongfu subsidize preschool fees for poor families?", TONGFU, "1000",
         "270"),
        ("What does Chengxiang do for families that got out of poverty but may fall back?", CHENGXIANG, "定期监测",
         "7920"),
        ("Is there one-time money for poor people to start business in Zhengan?", ZHENGAN, "一次性", "新农合"),
        # 同仁市's rules for a family hit by a disaster include its 临时救助 for sudden events.
        ("家里牛羊遭了雪灾全死了，日子过不下去了", TONGREN, "临时救助", "7920"),
        ("我妈住院自费了好几万，报完还是还不上", TONGREN, "临时救助", "7920"),
        # 家里是建档立卡户 says who asks; the school asked about is the question, not the 建档立卡 insurance rule.
        ("儿子初中毕业不想读高中了。打算去县里中职学汽修。家里是建档立卡户。中职能有哪些资助？", ZHENGAN, "2000",
         "新农合"),
        ("我家是农村低保户，儿子在正安二中读书，但不是建档立卡。学费能免吗？免多少？", ZHENGAN, "1600", "新农合"),
        # Fear of falling back into poverty, in everyday words, is the monitoring rule.
        ("刚脱贫又欠了债 怕又穷回去", TONGREN, "村委会", "7920"),
        ("刚脱贫没两年，又欠了一屁股看病的债，会不会又变回贫困户？", CHANGTAI, "定期监测", "3876"),
        ("搬迁户有啥子补助", ZHENGAN, "1500", "7920"),
        ("已脱贫但不稳定的户怎么管", CHANGTAI, "定期监测", "7920"),
        # 户口没迁 tells where the household is registered; it asks nothing about moving it.
        ("从牧区搬到城里住好几年了，户口没迁，生活困难", TONGREN, "居住地", "我们只有"),
        # 一般的贫困户, 既不是低保也不是特困: the one group asked, not the groups denied.
        ("我家既不是低保也不是特困，就是一般的贫困户。房子是八十年代盖的，房梁都歪了。听说危房改造分三类补，"
         "我们这种能补多少？", TONGFU, "15000", "39000"),
        # 从浙江回来 is where the resident came back from.
        ("我屋头原来是建档立卡户，今年我从浙江回来，不想再出去了，想在家门口找个事做。县里有没有培训？", ZHENGAN,
         "培训", "我们只有"),
        # Work that stopped is a hardship, not the organised-labour program; 在西宁工地上 is where the resident was.
        ("在西宁工地上摔伤了，家里没钱吃饭了", TONGREN, "救急难", "我们只有"),
        # 住院报了90%还是困难 is what insurance left, not what aid left (慈善).
        ("住院报了90%还是困难，谁来管", ZHENGAN, "民政局", "慈善"),
        # The question points back past its own clause: 不想念了 comes right before 要跟人去打工.
        ("我外孙女今年十四岁，在永靖上初中。她爸妈都在外地，她跟着我过。最近她总说不想念了，要跟人去打工。"
         "我一个老婆子劝不住，学校和政府能不能帮着管一管？", "622923", "控辍保学", "交通补助"),
        # 我家在山里 is the countryside, not 山里乡.
        ("我家在山里，老人有高血压糖尿病，拿药报销都要坐车进城。村里一直说要搞医保村村通，这到底是个啥？",
         CHANGTAI, "医保村村通", "我们只有"),
    ],
)
def test_answered_with_the_place_s_rule(kb: KnowledgeBase, text: str, region: str, wanted: str,
                                        not_wanted: str) -> None:
    answer = kb.ask(text, region)
    assert answer.answered and answer.sources, answer.text
    assert wanted in answer.text and not_wanted not in answer.text


def test_a_place_without_the_asked_rule_gives_its_rule_that_names_the_group(kb: KnowledgeBase) -> None:
    # 通伏乡 published no 特困 standard; its 危房改造 amounts name 分散供养特困人员 (since round 9 a house with
    # no money to repair it, 没钱修, asks for them directly rather than through "暂未公布特困供养标准").
    answer = kb.ask("额们家去年冬天房子墙裂了大缝 住着害怕。村里说额算分散供养特困。额一个人没钱修。能补多少", TONGFU)
    assert "分散供养特困人员" in answer.text and "30000" in answer.text
    assert "741" not in answer.text


def test_a_quote_is_a_sentence_of_the_answering_place_s_own_seed(kb: KnowledgeBase) -> None:
    answer = kb.ask("慢性病的医保目录外药品费用要谁审批才能给医疗扶助", ZHENGAN)
    quote = answer.text.split("原文：", 1)[1]
    seed = seeds()[answer.sources[0].document]
    assert any(quote == s.text for s in seed.sentences)


def test_no_quote_when_the_answer_already_says_what_is_asked(kb: KnowledgeBase) -> None:
    assert "原文" not in kb.ask("正安县农村低保标准是多少", ZHENGAN).text
    assert "原文" not in kb.ask("临时救助怎么申请", TONGFU).text


def test_a_heading_left_before_a_sentence_is_not_quoted() -> None:
    texts = [s.text for seed in seeds().values() for s in seed.sentences]
    leftovers = ("责任部门", "牵头部门", "（牵头", "（责任单位", "四、工作要求", "（一）")
    assert not any(t.startswith(leftovers) for t in texts)
    assert any(t.startswith("实施农村贫困人口大病专项救治工作") for t in texts)


def test_one_close_article_is_answered_not_offered_as_a_one_item_choice(kb: KnowledgeBase) -> None:
    # No topic the lexicon knows; e5 finds one article near enough: its answer, not "您是想问：1. …".
    answer = kb.ask("家里老人失智了，自己没法去申请", TONGREN)
    assert answer.answered and not answer.clarify and "村委会" in answer.text, answer.text


@pytest.mark.parametrize(("text", "partner"), [("上海残疾人护理补贴多少", True), ("去上海打工有什么补贴", False)])
def test_a_partner_city_asked_for_another_matter_is_a_place_we_do_not_serve(kb: KnowledgeBase, text: str,
                                                                             partner: bool) -> None:
    # 上海 is in 正安县's rules as where its labour cooperation sends workers; its own 护理补贴 is not ours.
    answer = kb.ask(text, ZHENGAN)
    assert ("没有上海" in answer.text) is partner, answer.text
    assert ("50元" in answer.text) is False


def test_a_common_phrase_one_character_off_a_situation_is_not_that_situation(kb: KnowledgeBase) -> None:
    # 有没有补助 is no typo of 没有救助 (a family left without aid): situations' words are read as written.
    found = kb.index.matcher.found(compact("低保户住院报完还有没有补助"))
    assert "unassisted" not in found


@pytest.mark.parametrize("text", ["我妈失智了，自己没法去申请救助", "老人老糊涂了，自己申请不了"])
def test_someone_who_cannot_apply_themselves_is_the_on_behalf_rule(kb: KnowledgeBase, text: str) -> None:
    answer = kb.ask(text, TONGREN)
    assert answer.answered and "村委会" in answer.text, answer.text


def test_work_that_stopped_is_a_hardship_not_the_labour_program(kb: KnowledgeBase) -> None:
    # 临夏州 publishes its 临时救助's purpose, not how to apply: that is what is given, not the 劳务输出 subsidy.
    answer = kb.ask("今年疫情娃他爸没出去打上工，家里一下没了收入，快揭不开锅了，能找谁帮一把", LINXIA)
    assert "临时救助" in answer.text and "交通补助" not in answer.text, answer.text
