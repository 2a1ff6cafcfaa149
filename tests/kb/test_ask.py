"""Answering residents: right figures for their place, never another place's, declines, speed."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from knowledge_base import KnowledgeBase
from knowledge_base.evaluation import evaluate, load_set

DATA = Path(__file__).parent / "data"
DEV_SET = Path(__file__).resolve().parents[3] / "shared" / "eval" / "ask_dev.jsonl"

ZHENGAN, CHENGXIANG, TONGREN, LINXIA, TONGFU, PINGLUO = "520324", "350302", "632301", "6229", "640221203", "640221"
HUANGQUQIAO = "640221101"  # a 平罗县 township that published nothing of its own
SEED_PLACES = (ZHENGAN, CHENGXIANG, TONGREN, LINXIA, TONGFU, PINGLUO, HUANGQUQIAO, "622921", "520324101")


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return KnowledgeBase.load()


def _sets() -> list[Path]:
    return [DATA / "ask_eval.jsonl", *([DEV_SET] if DEV_SET.exists() else [])]


@pytest.mark.parametrize("path", _sets(), ids=lambda p: p.name)
def test_eval_sets_meet_the_quality_targets(kb: KnowledgeBase, path: Path) -> None:
    result = evaluate(kb, load_set(path))
    assert result.accuracy >= 0.97, "\n".join(result.failures)
    assert result.declined_share >= 0.95, "\n".join(result.failures)
    assert result.foreign == 0, "\n".join(result.failures)
    assert result.percentile(0.99) < 5.0


def test_own_eval_set_covers_every_seed_place_and_enough_declines() -> None:
    cases = load_set(DATA / "ask_eval.jsonl")
    assert len(cases) >= 150
    assert sum(1 for c in cases if c.get("out_of_scope") and not c.get("forbid")) >= 25
    regions = {c["region"] for c in cases}
    assert {"正安县", "城厢区", "同仁市", "临夏州", "通伏乡", "平罗县"} <= regions


def test_loading_takes_well_under_a_second() -> None:
    from knowledge_base.kb import _packaged

    _packaged.cache_clear()
    start = time.perf_counter()
    KnowledgeBase.load()
    assert time.perf_counter() - start < 1.0


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
    assert answer.answered and answer.text.startswith("同仁市暂未公布低保标准")
    assert answer.sources and all("同仁市" in s.document for s in answer.sources)
    for foreign in ("3876", "7920", "570", "600元"):
        assert foreign not in answer.text


def test_a_question_naming_another_served_place_is_answered_for_it_and_labelled(kb: KnowledgeBase) -> None:
    answer = kb.ask("城厢区低保标准多少", ZHENGAN)
    assert answer.answered and answer.text.startswith("【城厢区】") and "7920" in answer.text
    assert answer.jurisdiction_code == CHENGXIANG


@pytest.mark.parametrize("text", ["今天是几号", "社保卡挂失", "贷款买房", "推荐一部电影", "高考分数线", "天气"])
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
            assert followed.answered and followed.article_id == article_id, (region, question)


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
