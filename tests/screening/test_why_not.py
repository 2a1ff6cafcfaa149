"""Why not (issue 15): an "unlikely" names the criterion and the figures that decided it, and what to
do if the resident's facts differ (入户核查 at the township, or a request carrying the answers)."""

from __future__ import annotations

from datetime import date

import pytest

from knowledge_base.screening import Screener
from knowledge_base.screening.model import Household, Member

ON = date(2022, 1, 1)
PLACES = ["6229", "350302", "632301", "632301100", "520324", "640221203"]
WELL_OFF = Household(size=2, annual_income=200_000, supporters=True,
                     members=(Member(age=40, labor="full"), Member(age=38, labor="full")))


@pytest.mark.parametrize("code", PLACES)
def test_every_unlikely_says_why_and_what_to_do(code: str) -> None:
    results = Screener().screen(WELL_OFF, code, ON).results
    unlikely = [r for r in results if r.verdict == "unlikely"]
    assert unlikely, code
    for result in unlikely:
        assert result.reasons and result.reasons[0], (code, result.program)
        assert "入户核查" in result.next_step and "提交求助" in result.next_step, (code, result.program)


def test_the_income_rule_names_the_household_figure_and_the_places_standard() -> None:
    # 城厢区: 7920 元/人/年 for town and country (莆城政办〔2020〕21号 二（一）).
    [dibao] = [r for r in Screener().screen(WELL_OFF, "350302", ON).results if r.program == "dibao"]
    assert dibao.verdict == "unlikely"
    assert "100000" in dibao.reasons[0] and "7920" in dibao.reasons[0] and "不低于" in dibao.reasons[0]
    assert any(s.section == "二（一）" for s in dibao.sources)
