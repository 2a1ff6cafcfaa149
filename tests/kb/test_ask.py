"""Answering residents: right figures for their place, never another place's, declines, speed."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from knowledge_base import KnowledgeBase
from knowledge_base.evaluation import evaluate, load_set

DATA = Path(__file__).parent / "data"
# shared/ sits beside the repository (a worktree is one level deeper than a clone).
DEV_SET = next((p / "shared" / "eval" / "ask_dev.jsonl" for p in Path(__file__).resolve().parents
                if (p / "shared" / "eval" / "ask_dev.jsonl").exists()), Path("ask_dev.jsonl"))

ZHENGAN, CHENGXIANG, TONGREN, LINXIA, TONGFU, PINGLUO = "520324", "350302", "632301", "6229", "640221203", "640221"
HUANGQUQIAO = "640221101"  # a 平罗县 township that published nothing of its own
SEED_PLACES = (ZHENGAN, CHENGXIANG, TONGREN, LINXIA, TONGFU, PINGLUO, HUANGQUQIAO, "622921", "520324101")


def steady_p99_ms(kb: KnowledgeBase, cases: list[dict[str, object]]) -> float:
    """p99 per-query CPU time of the lexical stage, each query timed three times and its fastest run kept.

    The budget is for the work a question costs: the thread's CPU time, not the wall clock, so that
    a test machine busy with other processes (CI beside a build, two cores shared) does not fail it
    on scheduler noise; the best of three removes what is left (a cache warming, a page fault). The
    semantic stage, which a few long questions consult, has its own budget (test_semantic.py).
    """
    kb = KnowledgeBase(list(kb.articles.values()), kb.parameters, kb.index)
    from knowledge_base.jurisdictions import jurisdictions

    places = jurisdictions()
    timings = []
    for case in cases:
        region = places.find(str(case["region"]))[0].code
        runs = []
        for _ in range(3):
            start = time.thread_time()
            kb.ask(str(case["text"]), region)
            runs.append(time.thread_time() - start)
        timings.append(min(runs) * 1000)
    timings.sort()
    return timings[min(len(timings) - 1, int(0.99 * len(timings)))]


def _sets() -> list[Path]:
    return [DATA / "ask_eval.jsonl", *([DEV_SET] if DEV_SET.exists() else [])]


@pytest.mark.parametrize("path", _sets(), ids=lambda p: p.name)
def test_eval_sets_meet_the_quality_targets(kb: KnowledgeBase, path: Path) -> None:
    result = evaluate(kb, load_set(path))
    assert result.accuracy >= 0.97, "\n".join(result.failures)
    assert result.declined_share >= 0.95, "\n".join(result.failures)
    assert result.foreign == 0, "\n".join(result.failures)
    assert steady_p99_ms(kb, load_set(path)) < 5.0


# Held-out sets, each written blind from the seeds before the code was read, and the bar each split
# must clear: (file, split, accuracy, declined share or None where none was set).
# - ask_heldout: measured tune 99.5 %, blind 94.7 % when set; margin about two questions per split.
# - ask_heldout2: measured tune 99.6 % (240/241), blind 97.5 % (116/119); margin two or three questions.
# - ask_coverage (every fact of the five seeds in the dev set's style): measured tune 99.6 % (267/268),
#   blind 94.7 % (124/131); margin two or three questions.
HELD_OUT_TARGETS = [
    ("ask_heldout.jsonl", "tune", 0.97, None),
    ("ask_heldout.jsonl", "blind", 0.92, None),
    ("ask_heldout2.jsonl", "tune", 0.98, 0.9),
    ("ask_heldout2.jsonl", "blind", 0.95, 0.9),
    ("ask_coverage.jsonl", "tune", 0.985, 0.9),
    ("ask_coverage.jsonl", "blind", 0.92, 0.9),
    # ask_tune_c (issue 9's kinds: places, situations, how a program works, long stories): measured
    # at the end of that round tune 93.1 % (258/277), blind 83.3 % (115/138), out of scope declined
    # 100 / 100 %; margin about three questions per split.
    ("ask_tune_c.jsonl", "tune", 0.91, 0.95),
    ("ask_tune_c.jsonl", "blind", 0.81, 0.95),
    # ask_tune_g (issue 9 round 3: how it works, situations, English; splits drawn at random before
    # any measurement): measured at the end of that round tune 98.6 % (70/71), blind 73.1 % (19/26);
    # margin about two questions per split.
    ("ask_tune_g.jsonl", "tune", 0.95, 0.95),
    ("ask_tune_g.jsonl", "blind", 0.65, None),
]


@pytest.mark.parametrize(("name", "split", "accuracy", "declined"), HELD_OUT_TARGETS,
                         ids=[f"{n.removesuffix('.jsonl')}-{s}" for n, s, _a, _d in HELD_OUT_TARGETS])
def test_held_out_sets_meet_their_targets(kb: KnowledgeBase, name: str, split: str, accuracy: float,
                                          declined: float | None) -> None:
    cases = [c for c in load_set(DATA / name) if c["split"] == split]
    result = evaluate(kb, cases)
    # Plain numbers only: a failure message must not print the blind split's failed questions.
    measured, declined_share, foreign, p99 = (result.accuracy, result.declined_share, result.foreign,
                                              steady_p99_ms(kb, cases))
    assert measured >= accuracy
    if declined is not None:
        assert declined_share >= declined
    assert foreign == 0
    assert result.unserved_answered == 0
    # ask_tune_c holds long stories of 40–70 characters: issue 9's in-process budget of 15 ms.
    assert p99 < (15.0 if name == "ask_tune_c.jsonl" else 5.0)



def test_second_held_out_set_mixes_places_styles_and_a_blind_third() -> None:
    cases = load_set(DATA / "ask_heldout2.jsonl")
    assert len(cases) >= 240
    for kind in {str(c["kind"]) for c in cases}:
        of_kind = [c for c in cases if c["kind"] == kind]
        assert abs(sum(c["split"] == "blind" for c in of_kind) - len(of_kind) / 3) <= 1, kind
    assert {str(c["kind"]) for c in cases} == {"plain", "colloquial", "typo", "traditional", "pinyin", "oos"}
    assert sum(bool(c.get("out_of_scope")) for c in cases) >= 0.14 * len(cases)
    assert {"正安县", "城厢区", "同仁市", "临夏州", "通伏乡", "平罗县", "黄渠桥镇", "隆务镇", "临夏县"} <= {
        c["region"] for c in cases
    }


def test_coverage_set_covers_every_seed_with_a_blind_third_per_kind(kb: KnowledgeBase) -> None:
    cases = load_set(DATA / "ask_coverage.jsonl")
    assert 250 <= len(cases) <= 400
    assert {str(c["kind"]) for c in cases} == {"plain", "township", "colloquial", "oos"}
    for kind in ("plain", "township", "colloquial", "oos"):
        of_kind = [c for c in cases if c["kind"] == kind]
        assert abs(sum(c["split"] == "blind" for c in of_kind) - len(of_kind) / 3) <= 1, kind
    assert len({c["seed"] for c in cases if not c.get("out_of_scope")}) == 5
    assert sum(bool(c.get("out_of_scope")) for c in cases) >= 0.1 * len(cases)
    # Every place asked from is one residents can set (old township names included).
    assert all(kb.places.find(str(c["region"])) for c in cases)


@pytest.mark.parametrize(
    ("text", "region", "wanted"),
    [
        ("特困供养金从几月起按新标准发", ZHENGAN, "2018年6月起"),
        ("急危重症救治中心有哪几个", LINXIA, "胸痛"),
        ("母婴安全有几项制度", CHENGXIANG, "五项"),
        ("救助管理网络有几级", TONGREN, "三级"),
        ("零就业家庭至少几人就业", TONGFU, "至少一人"),
        ("教育支出扣减到什么学历", TONGFU, "本科"),
    ],
)
def test_facts_the_coverage_round_added_are_answered(kb: KnowledgeBase, text: str, region: str, wanted: str) -> None:
    answer = kb.ask(text, region)
    assert answer.answered and answer.sources and wanted in answer.text


@pytest.mark.parametrize("text", ["胸痛怎么办", "班主任是谁", "怎么开网店做电商"])
def test_words_inside_new_keywords_do_not_pull_in_everyday_questions(kb: KnowledgeBase, text: str) -> None:
    assert not kb.ask(text, LINXIA if "胸" in text or "电商" in text else CHENGXIANG).answered


def test_held_out_set_mixes_places_styles_and_a_blind_third() -> None:
    cases = load_set(DATA / "ask_heldout.jsonl")
    assert len(cases) >= 240
    blind = sum(c["split"] == "blind" for c in cases)
    assert 0.28 <= blind / len(cases) <= 0.38
    kinds = {str(c["kind"]).removeprefix("oos-") for c in cases}
    assert {"plain", "colloquial", "typo", "traditional", "pinyin", "oos"} <= kinds
    assert sum(bool(c.get("out_of_scope")) for c in cases) >= 0.12 * len(cases)
    seeds = {"正安县", "城厢区", "同仁市", "临夏州", "通伏乡", "平罗县"}
    townships = {"黄渠桥镇", "韩集镇", "隆务镇", "瑞溪镇", "龙桥街道"}
    assert seeds | townships <= {c["region"] for c in cases}


def test_own_eval_set_covers_every_seed_place_and_enough_declines() -> None:
    cases = load_set(DATA / "ask_eval.jsonl")
    assert len(cases) >= 150
    assert sum(1 for c in cases if c.get("out_of_scope") and not c.get("forbid")) >= 25
    regions = {c["region"] for c in cases}
    assert {"正安县", "城厢区", "同仁市", "临夏州", "通伏乡", "平罗县"} <= regions


def test_loading_takes_well_under_a_second() -> None:
    from knowledge_base.kb import _packaged

    _packaged.cache_clear()
    # CPU time of the process (loading reads files and maps the vectors; a busy machine stretches the
    # wall clock, not the work).
    start = time.process_time()
    KnowledgeBase.load()
    assert time.process_time() - start < 1.0


def test_a_township_gets_its_countys_figure_with_the_source(kb: KnowledgeBase) -> None:
    answer = kb.ask("低保标准多少", "520324101")
    assert answer.answered and "3876" in answer.text
    assert answer.jurisdiction_code == ZHENGAN
    assert any(s.document == "正府办通〔2018〕150号" and s.section == "一（四）" for s in answer.sources)
    assert "来源" not in answer.text


def test_a_place_that_published_nothing_is_told_so_without_other_places_figures(kb: KnowledgeBase) -> None:
    answer = kb.ask("急难型临时救助标准", HUANGQUQIAO)
    assert not answer.answered
    assert "暂未公布" in answer.text and "求助 黄渠桥镇" in answer.text
    assert "1200" not in answer.text


def test_a_place_with_related_rules_says_what_is_missing_then_gives_them(kb: KnowledgeBase) -> None:
    answer = kb.ask("低保标准是多少", TONGREN)
    # The amount asked is not answered (`answered` is false, so channels offer 求助), but the rules the
    # place did publish are given with their sources.
    assert not answer.answered and answer.article_id == "dibao.standard"
    assert answer.text.startswith("同仁市暂未公布低保标准") and "已公布的相关规定" in answer.text
    assert answer.sources and all("同仁市" in s.document for s in answer.sources)
    for foreign in ("3876", "7920", "570", "600元"):
        assert foreign not in answer.text


def test_a_question_naming_another_served_place_is_answered_for_it_and_labelled(kb: KnowledgeBase) -> None:
    answer = kb.ask("城厢区低保标准多少", ZHENGAN)
    assert answer.answered and answer.text.startswith("【城厢区】") and "7920" in answer.text
    assert answer.jurisdiction_code == CHENGXIANG


def test_an_amount_a_place_did_not_publish_is_said_missing_before_its_same_topic_rules(kb: KnowledgeBase) -> None:
    answer = kb.ask("临时救助一次最多给多少", TONGREN)
    assert not answer.answered and answer.sources and answer.text.startswith("同仁市暂未公布临时救助标准")
    assert "12小时" in answer.text and "24小时" in answer.text and "增发" not in answer.text


def test_a_run_on_message_gets_an_answer_per_question(kb: KnowledgeBase) -> None:
    answer = kb.ask("低保一年多少 特困一个月多少", ZHENGAN)
    assert answer.answered and "3876" in answer.text and "741" in answer.text
    assert {s.section for s in answer.sources} >= {"一（四）", "三（三）6"}


def test_a_clause_without_its_own_topic_does_not_split_a_question(kb: KnowledgeBase) -> None:
    answer = kb.ask("慢病去市里医院看 自己最多掏多少", ZHENGAN)
    assert answer.article_id == "medical_assistance.chronic" and "\n" not in answer.text


@pytest.mark.parametrize(
    ("text", "region", "figure"), [("价格临事补贴提高多少", CHENGXIANG, "1倍"), ("临事救助标准", TONGFU, "1200")]
)
def test_a_typo_in_a_long_word_is_read_through_a_generic_word_inside_it(
    kb: KnowledgeBase, text: str, region: str, figure: str
) -> None:
    answer = kb.ask(text, region)
    assert answer.answered and figure in answer.text


def test_near_equal_matches_go_to_the_one_giving_the_kind_of_answer_asked(kb: KnowledgeBase) -> None:
    answer = kb.ask("五保老人一个月领几个钱", ZHENGAN)
    assert answer.article_id == "tekun.standard" and "741" in answer.text


@pytest.mark.parametrize(
    "text",
    [
        "今天是几号",
        "社保卡挂失",
        "贷款买房",
        "推荐一部电影",
        "高考分数线",
        "天气",
        "医保在手机上怎么缴费",
        "养老金怎么领取",
        "小区停车位怎么买",
        "户口本丢了咋办",
    ],
)
def test_out_of_scope_questions_are_declined_with_a_help_path(kb: KnowledgeBase, text: str) -> None:
    answer = kb.ask(text, TONGFU)
    assert not answer.answered and answer.article_id is None and not answer.sources
    assert "求助 通伏乡" in answer.text


@pytest.mark.parametrize(
    ("text", "figure"),
    [("特困標準是多少", "741"), ("dibao biaozhun", "3876"), ("底保标准", "3876"), ("特因供养", "741"), ("五保", "741")],
)
def test_traditional_pinyin_typos_and_colloquial_names_are_understood(
    kb: KnowledgeBase, text: str, figure: str
) -> None:
    answer = kb.ask(text, ZHENGAN)
    assert answer.answered and figure in answer.text


@pytest.mark.parametrize("region", SEED_PLACES)
def test_every_suggestion_is_answered_by_its_own_article_in_that_place(kb: KnowledgeBase, region: str) -> None:
    for article in kb.articles.values():
        answer = kb.article(article.id, region)
        assert len(answer.suggestions) == len(answer.suggestion_ids) <= 4
        for question, article_id in zip(answer.suggestions, answer.suggestion_ids, strict=True):
            followed = kb.ask(question, region)
            assert followed.article_id == article_id, (region, question)
            # A figure the place did not print is said missing beside its rules (not `answered`).
            assert followed.answered or ("未公布" in followed.text and followed.sources), (region, question)


def test_suggestions_come_with_an_answer(kb: KnowledgeBase) -> None:
    answer = kb.ask("特困供养金一个月多少", ZHENGAN)
    assert 2 <= len(answer.suggestions) <= 4


def test_an_article_opened_by_id_renders_for_the_place(kb: KnowledgeBase) -> None:
    answer = kb.article("temporary_assistance.amounts", TONGFU)
    assert answer.answered and "1200" in answer.text and answer.article_id == "temporary_assistance.amounts"
    assert not kb.article("temporary_assistance.amounts", PINGLUO).answered


def test_traditional_locale_gets_traditional_text(kb: KnowledgeBase) -> None:
    answer = kb.ask("特困供养标准", ZHENGAN, locale="zh_Hant")
    assert "741" in answer.text and "標準" in answer.text


def test_region_summary_lists_what_the_place_published(kb: KnowledgeBase) -> None:
    assert "最低生活保障" in kb.region_summary(ZHENGAN)
    assert "学前" not in kb.region_summary(ZHENGAN) or "教育资助" in kb.region_summary(ZHENGAN)
    assert "教育资助" in kb.region_summary(HUANGQUQIAO)
    for code in SEED_PLACES:
        assert len(kb.region_summary(code)) <= 70


@pytest.mark.parametrize(
    ("text", "region"),
    [("低保户能贷款买房吗", TONGREN), ("特困户能贷款买车吗", TONGFU), ("低保户能办信用卡吗", CHENGXIANG)],
)
def test_an_out_of_scope_action_next_to_a_program_word_is_declined(kb: KnowledgeBase, text: str, region: str) -> None:
    answer = kb.ask(text, region)
    assert not answer.answered and not answer.sources


def test_a_blocked_word_the_answer_itself_speaks_of_is_answered(kb: KnowledgeBase) -> None:
    answer = kb.ask("养老保险的基础养老金算不算低保收入", TONGREN)
    assert answer.answered and "不计入" in answer.text


def test_a_missing_rule_is_said_missing_not_padded_with_an_unrelated_one(kb: KnowledgeBase) -> None:
    answer = kb.ask("抚恤金算不算收入", ZHENGAN)
    assert not answer.answered and answer.article_id == "dibao.exempt_income"
    assert "暂未公布" in answer.text and "3876" not in answer.text


def test_the_kind_of_answer_asked_settles_between_two_sides_of_one_program(kb: KnowledgeBase) -> None:
    answer = kb.ask("突然出事了 临时救助一般给多少", TONGFU)
    assert answer.article_id == "temporary_assistance.amounts" and "1200" in answer.text


def test_a_run_on_clause_asks_through_a_compound_word(kb: KnowledgeBase) -> None:
    answer = kb.ask("临时救助多久答复 渐退期多长", TONGREN)
    assert "12小时" in answer.text and "1年" in answer.text


def test_a_topic_the_answer_speaks_of_does_not_count_against_it(kb: KnowledgeBase) -> None:
    answer = kb.ask("低收入人群标准是低保的几倍", LINXIA)
    assert answer.article_id == "low_income.definition" and "1.5倍" in answer.text


# The fresh set (ask_fresh.jsonl, 150 lines, all blind) was written from the seeds and the dev set
# before any knowledge_base/ or tests/kb/data file was read. Truly blind score: 96.0 % (144/150;
# plain 65/68, colloquial 35/37, township 21/22, out of scope 23/23). The threshold is that score
# minus a margin of about three questions, to guard against regressions only.
FRESH_TARGET = 0.94


def test_fresh_set_meets_its_target(kb: KnowledgeBase) -> None:
    cases = load_set(DATA / "ask_fresh.jsonl")
    result = evaluate(kb, cases)
    # Plain numbers only: a failure message must not print the blind questions.
    accuracy, declined, foreign = result.accuracy, result.declined_share, result.foreign
    assert len(cases) == 150
    assert accuracy >= FRESH_TARGET
    assert declined >= 0.9
    assert foreign == 0


def test_a_started_service_builds_the_seed_sentences_before_the_first_question() -> None:
    # What the answers quote from (the seeds' sentences) is built while the service warms up, not on the first
    # question, where it stopped the event loop for ~90 ms (issue 13).
    from knowledge_base.quotes import seeds

    seeds.cache_clear()
    KnowledgeBase._build_lazies()
    assert seeds.cache_info().currsize == 1
