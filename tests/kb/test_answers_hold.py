"""Answers that hold on the kinds of question nobody tuned for (issue 9's patterns), in two or more places each."""

from __future__ import annotations

import re

import pytest

from knowledge_base import KnowledgeBase

ZHENGAN, CHENGXIANG, TONGREN, LINXIA, TONGFU = "520324", "350302", "632301", "6229", "640221203"
LINXIA_COUNTY = "622921"


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return KnowledgeBase.load()


def says(text: str, figure: str) -> bool:
    """The figure as a number of its own (7920 is not in 17920)."""
    return re.search(rf"(?<![\d.]){re.escape(figure)}(?![\d])", text.replace(",", "")) is not None


# The formal name of a program, or an everyday situation, reaches the program the place published.
@pytest.mark.parametrize(
    ("text", "region", "article", "wanted"),
    [
        ("最低生活保障标准是多少", ZHENGAN, "dibao.standard", "3876"),
        ("最低生活保障标准是多少", CHENGXIANG, "dibao.standard", "7920"),
        ("我没儿没女 一个月能领多少", ZHENGAN, "tekun.standard", "741"),
        ("我没得儿没得女 又老又病 一个月能拿好多", LINXIA_COUNTY, "tekun.standard", "1.3倍"),
        ("老伴瘫痪在床 有什么补贴", TONGFU, "elderly_care.subsidy", "300"),
        ("出了车祸没钱了怎么办", TONGFU, "temporary_assistance.amounts", "1200"),
        ("出了车祸没钱了怎么办", ZHENGAN, "temporary_assistance.how_to_apply", "急难救助金"),
        ("我们是搬迁户 有临时救助吗", ZHENGAN, "temporary_assistance.relocation", "1500"),
        ("我有高血压糖尿病 在县医院看病自己一年最多出多少", ZHENGAN, "medical_assistance.chronic", "1000"),
        ("疫情补贴发多少", CHENGXIANG, "price_subsidy.increase", "1倍"),
        ("疫情补贴发多少", LINXIA, "price_subsidy.increase", "1倍"),
        ("爹妈一个坐牢一个跑了 娃有钱领没", LINXIA_COUNTY, "child_welfare.orphans", "基本生活补贴"),
    ],
)
def test_formal_names_and_everyday_situations_reach_the_program(
    kb: KnowledgeBase, text: str, region: str, article: str, wanted: str
) -> None:
    answer = kb.ask(text, region)
    assert answer.answered and answer.article_id == article and answer.sources, answer.text
    assert wanted in answer.text


# What the seeds print about how a program works is answered, not "暂未公布", and not with the amounts.
@pytest.mark.parametrize(
    ("text", "region", "article", "wanted", "not_wanted"),
    [
        ("临时救助能分几次给吗", TONGFU, "temporary_assistance.instalments", "分阶段", "1200"),
        ("临时救助的钱不够 还能多给吗", TONGFU, "temporary_assistance.raise", "一事一议", "1200"),
        ("临时救助不够能不能多给", CHENGXIANG, "temporary_assistance.raise", "一事一议", "7920"),
        ("看病的钱我先自己垫上了 事后还能申请临时救助吗", TONGREN, "temporary_assistance.prepayment", "事后",
         "暂未公布"),
        ("急事来不及办手续 能先给钱吗", TONGFU, "temporary_assistance.prepayment", "先行救助", "暂未公布"),
        ("外地来打工的 娃能在这里上学不", LINXIA_COUNTY, "education_aid.dropout", "随迁子女", "暂未公布"),
        ("老人能先去敬老院试住几天吗", ZHENGAN, "tekun.care_home", "试住", "暂未公布"),
        ("政府救助完了还是困难 咋办", TONGFU, "social_assistance.charity", "慈善", "暂未公布"),
        ("一年给贫困户推荐几回工作", ZHENGAN, "employment.job_referrals", "3次", "暂未公布"),
        ("他自己不会申请 能让别人帮忙申请吗 防返贫监测", TONGREN, "monitoring.procedure", "委托他人", "暂未公布"),
    ],
)
def test_how_a_program_works_is_answered_where_the_seed_says_it(
    kb: KnowledgeBase, text: str, region: str, article: str, wanted: str, not_wanted: str
) -> None:
    answer = kb.ask(text, region)
    assert answer.answered and answer.article_id == article and answer.sources, answer.text
    assert wanted in answer.text and not_wanted not in answer.text


@pytest.mark.parametrize(
    ("text", "region", "own", "other"),
    [
        ("我姐在城厢区说她们那里低保是7920，我们这里呢？", ZHENGAN, "3876", "7920"),
        ("城厢区低保一年7920 咱们通伏乡低保标准多少", TONGFU, "600", "7920"),
        ("听说正安县特困一个月741 我们这边特困按多少", LINXIA_COUNTY, "1.3倍", "741"),
        ("我表哥在正安县 说易地搬迁的一人给1500 咱这急难型临时救助一人给多少", TONGFU, "1200", "1500"),
    ],
)
def test_a_place_named_as_context_leaves_the_answer_at_the_residents_own(
    kb: KnowledgeBase, text: str, region: str, own: str, other: str
) -> None:
    answer = kb.ask(text, region)
    assert answer.answered and says(answer.text, own), answer.text
    assert not says(answer.text, other) and not answer.text.startswith("【"), answer.text


@pytest.mark.parametrize(
    ("text", "region", "place", "figure"),
    [
        ("城厢区低保标准多少", ZHENGAN, "【城厢区】", "7920"),
        ("宁夏平罗县通伏乡危房改造特困户补多少", LINXIA, "【通伏乡】", "39000"),
    ],
)
def test_a_served_place_the_question_is_about_is_answered_for_and_labelled(
    kb: KnowledgeBase, text: str, region: str, place: str, figure: str
) -> None:
    answer = kb.ask(text, region)
    assert answer.answered and answer.text.startswith(place) and says(answer.text, figure), answer.text


@pytest.mark.parametrize(
    ("text", "region", "figure"),
    [
        ("What is the minimum living allowance here?", ZHENGAN, "3876"),
        ("how much is dibao", CHENGXIANG, "7920"),
        ("My house collapsed, I need urgent help", TONGFU, "1200"),
    ],
)
def test_an_english_question_about_a_program_is_understood_and_framed(
    kb: KnowledgeBase, text: str, region: str, figure: str
) -> None:
    answer = kb.ask(text, region, locale="en")
    assert answer.answered and answer.sources and says(answer.text, figure), answer.text
    # The policy stays as published, in Chinese, and the resident is told so in English.
    assert answer.text.startswith("The policy as published (in Chinese):")


def test_the_out_of_scope_reply_comes_from_the_catalog_in_the_residents_language(kb: KnowledgeBase) -> None:
    english = kb.ask("推荐一部电影", TONGFU, locale="en")
    chinese = kb.ask("推荐一部电影", TONGFU)
    assert not english.answered and not chinese.answered
    assert english.text.startswith("Minsheng cannot answer this question") and "求助 通伏乡" in english.text
    assert chinese.text.startswith("这个问题不在民生助手能解答的范围内") and "求助 通伏乡" in chinese.text


@pytest.mark.parametrize("region", [ZHENGAN, CHENGXIANG, TONGREN, LINXIA, TONGFU, "622921101"])
def test_staff_internal_articles_are_never_offered_to_residents(kb: KnowledgeBase, region: str) -> None:
    internal = {a.id for a in kb.articles.values() if a.internal}
    assert {"administration.leadership", "administration.principles"} <= internal
    for article in kb.articles.values():
        offered = set(kb.article(article.id, region).suggestion_ids)
        assert not offered & internal, (article.id, offered & internal)
    # Asked directly, they are still answered (a caseworker may ask).
    assert kb.ask("领导小组组长是谁", CHENGXIANG).article_id == "administration.leadership"


@pytest.mark.parametrize(
    ("text", "region", "place", "own"),
    [
        ("北京低保多少", ZHENGAN, "北京", "3876"),
        ("荔城区的低保标准一年多少", CHENGXIANG, "荔城区", "7920"),
        ("兰州市低保标准多少", LINXIA_COUNTY, "兰州市", "1.3倍"),
        ("我亲戚在兰州七里河区 那边特困供养咋算", LINXIA_COUNTY, "兰州七里河区", "1.3倍"),
    ],
)
def test_a_place_we_do_not_serve_gets_where_to_ask_never_the_residents_figure(
    kb: KnowledgeBase, text: str, region: str, place: str, own: str
) -> None:
    answer = kb.ask(text, region)
    assert not answer.answered and not answer.sources and answer.article_id is None
    assert answer.text.startswith("我们只有") and place in answer.text
    assert "当地民政部门" in answer.text and "12345" in answer.text
    assert not says(answer.text, own)


def test_a_city_we_serve_part_of_says_which_part(kb: KnowledgeBase) -> None:
    answer = kb.ask("遵义市低保多少", CHENGXIANG)
    assert not answer.answered and "正安县" in answer.text and "7920" not in answer.text


@pytest.mark.parametrize(
    ("text", "region", "figure"),
    [("我儿子在上海打工 低保标准多少", ZHENGAN, "3876"), ("我闺女在兰州上班 急难型临时救助标准多少", TONGFU, "1200")],
)
def test_someone_being_elsewhere_changes_nothing(kb: KnowledgeBase, text: str, region: str, figure: str) -> None:
    answer = kb.ask(text, region)
    assert answer.answered and says(answer.text, figure) and not answer.text.startswith("【"), answer.text


def test_an_unserved_place_in_english_is_said_in_english(kb: KnowledgeBase) -> None:
    answer = kb.ask("北京低保多少", ZHENGAN, locale="en")
    assert not answer.answered and answer.text.startswith("Minsheng only has the policies of")
