"""Issue 9, round 3: English questions through the lexicon's English layer, how a program works (its
procedure, not its amounts) and everyday situations, in two or more places each."""

from __future__ import annotations

import pytest

from knowledge_base import KnowledgeBase
from knowledge_base.english import english_phrases, read_english

ZHENGAN, CHENGXIANG, TONGREN, TONGFU = "520324", "350302", "632301", "640221203"
LINXIA_COUNTY = "622921"


def test_english_layer_reads_phrases_as_lexicon_words() -> None:
    assert read_english("How much is dibao here?") == "低保 多少 ?"
    assert read_english("how do I apply for temporary assistance") == "临时救助 怎么申请"
    assert read_english("My house collapsed") == "房子塌了"
    # Chinese passes untouched; pinyin the layer does not list is kept for the sound matcher.
    assert read_english("低保一个月多少") == "低保一个月多少"
    assert read_english("linshi jiuzhu zenme shenqing") == "linshi jiuzhu zenme shenqing"
    # Whole words only: "fire" is no part of "fired" (which means a lost job).
    assert read_english("I was fired") == "失业了"


def test_english_layer_maps_to_words_the_lexicon_knows(kb: KnowledgeBase) -> None:
    """Every Chinese word of the layer is read by the matcher as some concept (or is a place name)."""
    from knowledge_base.text import compact

    matcher = kb.index.matcher
    places = {"北京", "广州", "深圳", "兰州", "西宁", "贵阳", "遵义", "银川", "福州", "莆田", "临夏州", "同仁市",
              "正安县", "通伏乡", "城厢区", "平罗县"}
    # Words the seeds use that name no topic of their own: read by their characters on purpose ("poor
    # families" is any family in need, not the 建档立卡 households).
    plain = {"困难家庭", "一次性", "扣减"}
    # Pinyin words that say where someone is (wo zai …): read by the answering's rules for a place's role.
    roles = {"我在", "他在", "老家", "我们这里"}
    unread = sorted({w for w in english_phrases().values()
                     if w not in places | plain | roles and not matcher.find(compact(w))})
    assert unread == []


@pytest.mark.parametrize(
    ("text", "region", "wanted"),
    [
        ("how much is the minimum living allowance here", CHENGXIANG, "7920"),
        ("how much is dibao per year", ZHENGAN, "3876"),
        ("how much do extremely poor people get per month", ZHENGAN, "741"),
        ("how much temporary assistance does a family get in an emergency", TONGFU, "1200"),
        ("my house collapsed, what help can I get", TONGFU, "急难"),
        ("how long does it take to get an answer when I ask for urgent help", TONGREN, "12小时"),
        ("I earn more now, will my dibao stop immediately", TONGREN, "渐退"),
        ("I found a job, will my dibao be cut off right away", ZHENGAN, "渐退"),
        ("can someone else apply for monitoring on my behalf", TONGREN, "委托"),
        ("what number can I call for help", TONGREN, "12345"),
        ("my child got into university but we can't pay the tuition", ZHENGAN, "8000"),
        ("how much is the preschool fee subsidy", TONGFU, "1000"),
    ],
)
def test_english_questions_are_answered_for_the_place(kb: KnowledgeBase, text: str, region: str, wanted: str) -> None:
    answer = kb.ask(text, region, locale="en")
    assert answer.answered and answer.sources, answer.text
    assert answer.text.startswith("The policy as published (in Chinese):")
    assert wanted in answer.text


@pytest.mark.parametrize(
    ("text", "region"),
    [
        ("how do I renew my passport", ZHENGAN),
        ("what's the weather tomorrow", TONGREN),
        ("how do I claim unemployment insurance", TONGFU),
        ("can dibao families get a bank card", CHENGXIANG),
    ],
)
def test_english_questions_outside_the_seeds_are_declined(kb: KnowledgeBase, text: str, region: str) -> None:
    answer = kb.ask(text, region, locale="en")
    assert not answer.answered and not answer.clarify, answer.text


def test_english_question_about_an_unserved_place_gets_no_figure(kb: KnowledgeBase) -> None:
    answer = kb.ask("how much is dibao in Beijing", ZHENGAN, locale="en")
    assert not answer.answered
    assert "3876" not in answer.text


# How a program works: the procedure the seed prints, not the program's amounts.
@pytest.mark.parametrize(
    ("text", "region", "article", "wanted", "not_wanted"),
    [
        ("评低保是不是要民主评议", ZHENGAN, "dibao.application", "公示", "3876"),
        ("吃低保的名单要不要张榜公示", ZHENGAN, "dibao.application", "公示", "3876"),
        ("已经吃低保的家庭复核时怎么查收入", TONGFU, "dibao.application", "比对", "600"),
        ("低保停了以后还能缓一阵吗", CHENGXIANG, "dibao.gradual_exit", "渐退", "7920"),
        ("低保停了以后还能缓一阵吗", TONGREN, "dibao.gradual_exit", "1年", "暂未公布"),
        ("申请救助要跑好几个部门吗", ZHENGAN, "temporary_assistance.how_to_apply", "一门受理", "暂未公布"),
    ],
)
def test_how_it_works_gets_the_procedure(
    kb: KnowledgeBase, text: str, region: str, article: str, wanted: str, not_wanted: str
) -> None:
    answer = kb.ask(text, region)
    assert answer.answered and answer.article_id == article and answer.sources, answer.text
    assert wanted in answer.text and not_wanted not in answer.text


# Everyday situations, no program named, reach the program the seeds attach them to.
@pytest.mark.parametrize(
    ("text", "region", "wanted"),
    [
        ("孩子爹妈都不在了，跟着奶奶过", CHENGXIANG, "困境儿童"),
        ("孩子爹妈都不在了，跟着奶奶过", LINXIA_COUNTY, "孤儿"),
        ("一家人都没工作，在家闲着", TONGFU, "公益性岗位"),
        ("在工地上干活摔伤了，家里没了收入", TONGFU, "急难"),
        ("在工地上干活摔伤了", ZHENGAN, "急难"),
        ("今年病了一场，收入一下子没了", LINXIA_COUNTY, "监测"),
        ("今年病了一场，收入一下子没了", TONGREN, "监测"),
        ("打工受伤了", ZHENGAN, "急难"),
        ("打工受伤了", TONGREN, "急难"),
        ("孩子没人照顾", CHENGXIANG, "困境儿童"),
        ("家里有个傻儿子", ZHENGAN, "残疾人"),
    ],
)
def test_everyday_situations_reach_the_program(kb: KnowledgeBase, text: str, region: str, wanted: str) -> None:
    answer = kb.ask(text, region)
    assert answer.answered and answer.sources, answer.text
    assert wanted in answer.text


def test_a_work_injury_named_as_such_is_still_declined(kb: KnowledgeBase) -> None:
    """工伤 (social insurance) stays outside Minsheng even though injuries are read as emergencies."""
    answer = kb.ask("工伤认定去哪里办", ZHENGAN)
    assert not answer.answered


# A hardship whose own topic the place has not published: the place's 临时救助, said as related rules.
@pytest.mark.parametrize(
    ("text", "region", "missing"),
    [
        ("儿子出车祸住院了，家里钱都花光了", CHENGXIANG, "住院医疗救助"),
        # The money gone (拉了饥荒) is read beside the hospital stay (round 14): the temporary aid asked first, and
        # what 临夏州 says of it given.
        ("媳妇住院花了好几万，家里一下子拉了饥荒", "622924", "临时救助标准"),
        ("收入突然没了", ZHENGAN, "防返贫监测对象认定"),
    ],
)
def test_a_hardship_falls_back_to_the_places_temporary_assistance(
    kb: KnowledgeBase, text: str, region: str, missing: str
) -> None:
    answer = kb.ask(text, region)
    assert answer.answered and answer.sources, answer.text
    assert f"暂未公布{missing}" in answer.text and "临时救助" in answer.text
    assert answer.article_id is not None and answer.article_id.startswith("temporary_assistance.")


def test_an_insurance_claim_is_no_hardship_question(kb: KnowledgeBase) -> None:
    answer = kb.ask("车祸保险怎么理赔", CHENGXIANG)
    assert not answer.answered
