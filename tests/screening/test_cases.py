"""Eligibility cases as data (OpenFisca-style YAML): a household, a place, a date, the expected verdicts.

Each file in ``cases/`` is a list of cases::

    - name: 正安县农村低保：人均收入比标准少1元
      region: 正安县                # any name the API accepts (a county, a township, 临夏州)
      date: 2022-01-01
      input: {household: {size: 1, annual_income: 3875}}      # the API request without region
      expected: {dibao: likely}                                # program → verdict
      amount: {dibao: 3876元}                                   # program → text the amount contains (null: none)
      reasons_include: {dibao: "3876"}                          # program → text one reason contains
      reasons_exclude: {dibao: "1200"}                          # program → text no reason or amount contains
      sources_include: {dibao: 一（四）}                         # program → a cited section

The input goes through the API's own request models, so a case is also a valid request.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.api import resolve_region
from bot.screen_api import ScreenRequest, household_of
from knowledge_base.jurisdictions import jurisdictions
from knowledge_base.screening import PROGRAM_IDS, Screener

CASES = Path(__file__).parent / "cases"
KEYS = {"name", "region", "date", "input", "expected", "amount", "reasons_include", "reasons_exclude",
        "sources_include"}


def load_cases() -> list[Any]:
    params = []
    for file in sorted(CASES.glob("*.yaml")):
        for case in yaml.safe_load(file.read_text("utf-8")):
            params.append(pytest.param(case, id=f"{file.stem}: {case['name']}"))
    return params


@pytest.fixture(scope="module")
def screener() -> Screener:
    return Screener()


@pytest.mark.parametrize("case", load_cases())
def test_case(case: dict[str, Any], screener: Screener) -> None:
    assert set(case) <= KEYS, f"unknown keys {set(case) - KEYS}"
    places = jurisdictions()
    place = resolve_region(places, case["region"])
    request = ScreenRequest.model_validate({"region": case["region"], **case["input"]})
    screening = screener.screen(household_of(request), place.code, case["date"])
    assert [r.program for r in screening.results] == list(PROGRAM_IDS)
    results = screening.by_program()
    for program, verdict in case["expected"].items():
        got = results[program]
        assert got.verdict == verdict, f"{program}: {got.verdict}, expected {verdict}: {got.reasons}"
    for program, text in (case.get("amount") or {}).items():
        amount = results[program].amount
        assert (amount is None) if text is None else (amount is not None and str(text) in amount), \
            f"{program} amount {amount!r}, expected {text!r}"
    for program, text in (case.get("reasons_include") or {}).items():
        assert any(str(text) in r for r in results[program].reasons), f"{program}: {results[program].reasons}"
    for program, text in (case.get("reasons_exclude") or {}).items():
        said = [*results[program].reasons, results[program].amount or ""]
        assert not any(str(text) in r for r in said), f"{program}: {said}"
    for program, section in (case.get("sources_include") or {}).items():
        sections = [s.section for s in results[program].sources]
        assert section in sections, f"{program} cites {sections}"


def test_every_place_has_cases() -> None:
    """临夏州 (with a county and a township under it), 城厢区, 同仁市, 正安县, 通伏乡 and 平罗县's other townships."""
    regions = {p.values[0]["region"] for p in load_cases()}  # type: ignore[index]
    for needed in ("临夏州", "临夏县", "土桥镇", "城厢区", "同仁市", "正安县", "通伏乡", "黄渠桥镇", "平罗县城关镇"):
        assert needed in regions, needed
