"""The parameters: lookup along a place's chain, dated values, and coverage of every seed figure."""

from __future__ import annotations

from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml

from knowledge_base import check
from knowledge_base.parameters import Parameters, Source

DATA = Path(__file__).parent / "data"

TONGFU, PINGLUO, CHENGGUAN_PINGLUO = "640221203", "640221", "640221100"
ZHENGAN, CHENGXIANG, TONGREN, LINXIA, LINXIA_COUNTY = "520324", "350302", "632301", "6229", "622921"


@pytest.fixture(scope="module")
def params() -> Parameters:
    return Parameters.load()


def test_kb_check_finds_no_errors() -> None:
    assert check.run() == []


def test_a_county_fact_carries_its_value_unit_and_section(params: Parameters) -> None:
    fact = params.get("dibao.standard.rural", ZHENGAN)
    assert fact is not None
    assert (fact.value, fact.unit, fact.jurisdiction_code) == (3876, "yuan_per_person_year", ZHENGAN)
    assert fact.reference == Source("正府办通〔2018〕150号", "一（四）")
    assert fact.text() == "每人每年3876元"


def test_a_township_inherits_its_countys_facts(params: Parameters) -> None:
    township = params.places.children(ZHENGAN)[0].code
    fact = params.get("tekun.standard", township)
    assert fact is not None and fact.value == 741 and fact.jurisdiction_code == ZHENGAN


def test_every_linxia_county_inherits_the_prefecture_rule(params: Parameters) -> None:
    for county in params.places.children(LINXIA):
        fact = params.get("tekun.standard_multiple", county.code)
        assert fact is not None and fact.value == 1.3 and fact.jurisdiction_code == LINXIA


def test_other_pingluo_townships_get_only_the_county_wide_preschool_aid(params: Parameters) -> None:
    assert params.get("temporary_assistance.emergency.per_capita", CHENGGUAN_PINGLUO) is None
    assert params.get("dibao.standard.urban", CHENGGUAN_PINGLUO) is None
    assert params.get("dibao.standard.urban", PINGLUO) is None
    fact = params.get("education_aid.preschool.care_fee_subsidy", CHENGGUAN_PINGLUO)
    assert fact is not None and fact.value == 1000 and fact.jurisdiction_code == PINGLUO


def test_a_derived_figure_says_how_it_was_derived(params: Parameters) -> None:
    fact = params.get("dibao.standard.urban", TONGFU)
    assert fact is not None and fact.value == 600
    assert fact.derivation and "1200" in fact.derivation and "2倍" in fact.derivation


def test_a_raised_standard_keeps_the_value_it_replaced(params: Parameters) -> None:
    fact = params.get("dibao.standard.urban", CHENGXIANG)
    assert fact is not None and (fact.value, fact.previous) == (7920, 7560)
    assert fact.text("previous") == "每人每年7560元"


def test_a_value_is_not_in_force_before_its_date(params: Parameters) -> None:
    assert params.get("tekun.standard", ZHENGAN, date(2018, 5, 31)) is None
    assert params.get("tekun.standard", ZHENGAN, date(2018, 6, 1)) is not None


def test_a_place_without_the_fact_gets_none_and_a_misspelt_path_raises(params: Parameters) -> None:
    assert params.get("dibao.standard.rural", TONGREN) is None
    with pytest.raises(KeyError):
        params.get("dibao.standrad.rural", TONGREN)


def test_large_amounts_read_both_in_yuan_and_wan(params: Parameters) -> None:
    fact = params.get("housing_renovation.tekun_household", TONGFU)
    assert fact is not None and fact.text() == "每户39000元（3.9万元）"


def _matches(value: Any, figure: Any) -> bool:
    if isinstance(figure, date | str):
        return value == figure
    return isinstance(value, int | float) and not isinstance(value, bool) and abs(value - figure) < 1e-9


def _seed_figures() -> list[tuple[str, dict[str, Any]]]:
    raw = yaml.safe_load((DATA / "seed_figures.yaml").read_text("utf-8"))
    return [(document, figure) for document, entry in raw.items() for figure in entry["figures"]]


def _figure_id(value: Any) -> str:
    return str(value["text"]) if isinstance(value, dict) else str(value)


@pytest.mark.parametrize(("document", "figure"), _seed_figures(), ids=_figure_id)
def test_every_seed_figure_is_a_parameter_with_its_reference(
    params: Parameters, document: str, figure: dict[str, Any]
) -> None:
    wanted = Source(document, figure["section"])
    for parameter in params:
        for entry in parameter.values:
            values = (entry.value, entry.previous)
            if entry.reference == wanted and any(_matches(v, figure["figure"]) for v in values):
                return
    pytest.fail(f"{document} {figure['section']}: {figure['figure']} ({figure['text']}) is in no parameter")


def test_parameter_files_ship_inside_the_package() -> None:
    assert resources.files("knowledge_base").joinpath("parameters/520324/dibao.yaml").is_file()
