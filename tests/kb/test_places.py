"""The place reader: every place a resident's text names, read the same way wherever it arrives."""

from __future__ import annotations

import gc
import json
import time
from pathlib import Path

import pytest

from knowledge_base.places import PACKAGE, TABLE, Mention, PlaceReader, build_index, reader

ROOT = Path(__file__).resolve().parents[2]


def national_table() -> Path | None:
    """shared/data/divisions/pcas-code.json beside the repository (or a worktree's parent's parent)."""
    for parent in ROOT.parents:
        candidate = parent / "shared" / "data" / "divisions" / "pcas-code.json"
        if candidate.exists():
            return candidate
    return None


@pytest.fixture(scope="module")
def places() -> PlaceReader:
    return reader()


def one(places: PlaceReader, text: str) -> Mention:
    mentions = places.read(text)
    assert len(mentions) == 1, (text, mentions)
    return mentions[0]


def names(places_: tuple[object, ...]) -> list[str]:
    return [p.name for p in places_]  # type: ignore[attr-defined]


@pytest.mark.skipif(national_table() is None, reason="shared/data/divisions is not beside this checkout")
def test_the_packaged_index_is_the_national_table() -> None:
    source = national_table()
    assert source is not None
    raw = json.loads(source.read_text("utf-8"))
    packaged = (ROOT / PACKAGE / TABLE).read_text("utf-8")
    assert build_index(raw) == packaged, "run: python -m knowledge_base.places PATH/pcas-code.json"
    table = PlaceReader(packaged)
    codes = list(table.codes())
    assert len(codes) == 44_703 and table.get("520324105").name == "流渡镇"
    assert [p.name for p in table.chain("632301100")] == ["隆务镇", "同仁市", "黄南藏族自治州", "青海省"]


@pytest.mark.parametrize(("text", "code"), [
    ("流渡镇", "520324105"), ("流渡", "520324105"), ("正安县", "520324"), ("正安", "520324"),
    ("同仁市", "632301"), ("同仁", "632301"), ("同仁县", "632301"), ("临夏州", "6229"),
    ("临夏回族自治州", "6229"), ("东乡县", "622926"), ("积石山", "622927"), ("城厢区", "350302"),
    ("桴焉镇", "520324116"), ("隆務鎮", "632301100"), ("ＬＯＮＧＷＵ", "632301100"),
])
def test_full_short_old_and_other_forms_name_one_place(places: PlaceReader, text: str, code: str) -> None:
    mention = places.named(text)
    assert mention is not None and [p.code for p in mention.places] == [code]


@pytest.mark.parametrize(("text", "code"), [
    ("正安县流渡镇", "520324105"), ("正安县 流渡镇", "520324105"), ("正安流渡", "520324105"),
    ("正安县的流渡镇", "520324105"), ("贵州正安", "520324"), ("黄南州同仁", "632301"),
    ("宁夏平罗通伏", "640221203"), ("平罗县城关镇", "640221100"), ("临夏县韩集镇", "622921100"),
])
def test_a_county_and_the_places_above_or_below_it_read_as_one_place(places: PlaceReader, text: str,
                                                                     code: str) -> None:
    mention = one(places, text)
    assert [p.code for p in mention.places] == [code] and (mention.start, mention.end) == (0, len(text))


def test_a_place_inside_a_question_has_its_span_and_says_it_is_where_the_writer_lives(places: PlaceReader) -> None:
    text = "我是正安县流渡镇的 低保一个月多少钱"
    mention = one(places, text)
    assert text[mention.start : mention.end] == "正安县流渡镇" and mention.intro
    assert names(mention.served) == ["流渡镇"] and places.named(text) is None
    assert one(places, "我在隆务镇住").intro and one(places, "我家在中观").intro
    assert not one(places, "我妹妹在同仁市 她那低保多少").intro


def test_spans_are_in_the_text_as_written(places: PlaceReader) -> None:
    text = "請問 隆務鎮（同仁）的臨時救助"
    mention = one(places, text)
    assert text[mention.start : mention.end] == "隆務鎮（同仁" and names(mention.places) == ["隆务镇"]
    text = "ｗｏ在Ｌｏｎｇｗｕ"
    mention = one(places, text)
    assert text[mention.start : mention.end] == "Ｌｏｎｇｗｕ"


@pytest.mark.parametrize(("text", "wanted"), [
    ("Tongren", ["铜仁市", "同仁市"]), ("Zhengan county", ["正安县"]), ("tongrenshi", ["铜仁市", "同仁市"]),
    ("Longwu", ["隆务镇"]), ("Linxia", ["临夏回族自治州", "临夏市", "临夏县"]), ("Chengxiang district", ["城厢区"]),
    ("Putian", ["莆田市"]), ("I live in Zheng'an", ["正安县"]),
])
def test_pinyin_and_english_names(places: PlaceReader, text: str, wanted: list[str]) -> None:
    mention = places.named(text)
    assert mention is not None and names(mention.places) == wanted


def test_pinyin_inside_a_pinyin_question_is_a_word_not_a_place(places: PlaceReader) -> None:
    assert places.read("weifang gaizao butie duoshao") == []  # 危房改造, not 潍坊
    assert places.read("manxingbing shiji yiyuan zifu") == []  # 医院, not 沂源
    # A pinyin level word is the name's own ending: 流程是 is no 柳城县, 同仁市 keeps its shi.
    assert places.read("jiance duixiang shenqing liucheng shi shenme") == []
    assert places.read("bianyuan yi zhipin renkou quan zhou you duoshao") == []  # 全州 (the whole prefecture)
    assert names(one(places, "tongren shi dibao duoshao").places) == ["铜仁市", "同仁市"]
    assert names(one(places, "liucheng xian dibao duoshao").places) == ["柳城县"]
    assert names(one(places, "what is dibao in Tongren").served) == ["同仁市"]


def test_a_short_name_across_a_word_of_the_domain_is_no_place(places: PlaceReader) -> None:
    assert places.read("民政和医保、教育部门的数据打通了吗") == []  # 民政|和, not 政和
    assert places.read("低保定了以后就一直不变了吗") == []  # 低保|定, not 保定
    assert names(one(places, "我在政和县打工").places) == ["政和县"]


def test_shared_names_are_reported_not_guessed(places: PlaceReader) -> None:
    chengguan = one(places, "城关镇")
    assert len(chengguan.places) == 88
    assert {p.code for p in chengguan.served} == {"622924100", "622925100", "640221100"}
    linxia = one(places, "临夏")
    assert names(linxia.places) == ["临夏回族自治州", "临夏市", "临夏县"]
    # 城厢 is a district and many towns: the district is the full name 城厢区, and 莆田's is the only one.
    assert names(one(places, "城厢区").places) == ["城厢区"]
    assert [p.code for p in one(places, "城厢").places] == ["350302"]


@pytest.mark.parametrize(("text", "suggested"), [
    ("安厂镇", "安场镇"), ("龙务镇", "隆务镇"), ("我是龙务的", "隆务镇"), ("正安县安厂镇", "安场镇"),
    ("铜仁", "同仁市"), ("通扶乡", "通伏乡"),
])
def test_misspellings_of_served_places_are_offered_never_taken(places: PlaceReader, text: str,
                                                               suggested: str) -> None:
    mention = one(places, text)
    assert names(mention.suggestions) == [suggested] and not mention.served


@pytest.mark.parametrize(("text", "name"), [
    ("北京", "北京市"), ("贵阳", "贵阳市"), ("荔城区", "荔城区"), ("桐梓县", "桐梓县"), ("尖扎县", "尖扎县"),
    ("兰州", "兰州市"), ("银川", "银川市"), ("福州", "福州市"),
])
def test_places_we_do_not_serve_are_recognised_as_such(places: PlaceReader, text: str, name: str) -> None:
    mention = one(places, text)
    assert names(mention.places)[0] == name and not mention.served and not mention.served_inside


@pytest.mark.parametrize(("text", "inside"), [
    ("遵义市", ["正安县"]), ("莆田", ["城厢区"]), ("黄南州", ["同仁市"]), ("石嘴山", ["平罗县"]),
    ("贵州", ["正安县"]), ("甘肃省", ["临夏回族自治州"]),
])
def test_a_place_we_serve_part_of_names_the_served_places_inside(places: PlaceReader, text: str,
                                                                 inside: list[str]) -> None:
    mention = one(places, text)
    assert not mention.served and names(mention.served_inside) == inside


@pytest.mark.parametrize("text", [
    "中观那边修路了", "新州的人多", "和溪水很清", "小雅是我女儿", "城关那个菜市场", "东区的房子", "河西走廊",
    "民主评议怎么搞", "先锋队员能吃低保吗", "红星村的低保", "低保有哪些惠民政策", "低保对象医保定额补助多少",
    "农牧民能按城镇居民申请吗", "比如说我家", "合作社分红算收入吗", "和平年代", "太平保险", "我想开个小店能申请补助吗",
])
def test_ordinary_words_are_not_read_as_places(places: PlaceReader, text: str) -> None:
    assert places.read(text) == []


def test_a_message_that_is_only_a_township_short_name_counts(places: PlaceReader) -> None:
    for text, name in (("中观", "中观镇"), ("我是小雅的", "小雅镇"), ("新州", "新州镇")):
        mention = places.named(text)
        assert mention is not None and name in names(mention.served), text


def test_a_command_argument_starts_with_a_place_however_short(places: PlaceReader) -> None:
    mention = places.leading("城关 家里房子漏雨")
    assert mention is not None and len(mention.served) == 3 and mention.text == "城关"
    assert places.leading("家里房子漏雨") is None


def test_reading_is_fast_and_loading_is_cheap() -> None:
    questions = [json.loads(line)["text"] for path in sorted((ROOT / "tests" / "kb" / "data").glob("ask_*.jsonl"))
                 for line in path.read_text("utf-8").splitlines() if line.strip()]
    # What the test process allocated before (other modules' parametrized cases) is collected first: a full
    # collection falling inside the load would be charged to it.
    gc.collect()
    start = time.process_time()
    table = PlaceReader((ROOT / PACKAGE / TABLE).read_text("utf-8"))
    loading = time.process_time() - start
    start = time.process_time()
    for question in questions:
        table.read(question)
    per_question = (time.process_time() - start) / len(questions)
    # CPU time, so that other processes on the machine do not fail it: about 45 ms and 0.1 ms here.
    assert loading < 0.3 and per_question < 0.002, (loading, per_question)
