"""What every screening answer must hold, for every place: its own sources and figures, never another's."""

from __future__ import annotations

import re
from datetime import date
from importlib import resources

import pytest

from knowledge_base.documents import documents
from knowledge_base.jurisdictions import jurisdictions
from knowledge_base.parameters import Parameters
from knowledge_base.screening import PROGRAM_IDS, Household, Member, Screener
from knowledge_base.screening.provisions import read_provisions
from knowledge_base.units import MONEY_UNITS, plain_number

ON = date(2022, 1, 1)
PLACES = ["6229", "622921", "622921101", "350302", "632301", "632301100", "520324", "640221203", "640221101",
          "640221100"]
HOUSEHOLDS = [
    Household(size=1, annual_income=0, members=(Member(age=80, labor="none"),), supporters=False),
    Household(size=3, annual_income=5001, poverty_status="registered", emergency=True, expense_surge=True,
              unsafe_housing=True, relocated=True, rigid_expenses=333, exempt_income=111, employment_costs=222,
              members=(Member(disability_grade=1, serious_illness=True, labor="none"),
                       Member(age=5, school="preschool"), Member(age=15, school="senior", boarding=True))),
    Household(size=4, annual_income=23457, residence="urban", poverty_status="lifted", income_drop=True,
              members=(Member(disability_grade=3), Member(school="vocational"), Member(school="college"),
                       Member(school="junior", boarding=True))),
    Household(size=2, annual_income=987654),
]


def test_provisions_are_well_formed_and_hold_no_figures() -> None:
    text = resources.files("knowledge_base").joinpath("screening/provisions.yaml").read_text("utf-8")
    items, errors = read_provisions(text, jurisdictions())
    assert errors == []
    assert items
    for item in items:
        assert not re.search(r"\d", item.says), f"{item.jurisdiction_code} {item.kind}: a figure belongs in parameters"


@pytest.mark.parametrize("code", PLACES)
def test_every_source_is_one_the_place_published(code: str) -> None:
    """A cited section comes from a parameter or provision of this place or a place above it."""
    places, docs, screener = jurisdictions(), documents(), Screener()
    chain = {p.code for p in places.chain(code)}
    own = {v.reference for p in Parameters.load() if p.jurisdiction_code in chain for v in p.values}
    own |= {p.source for p in screener.provisions if p.jurisdiction_code in chain}
    for household in HOUSEHOLDS:
        screening = screener.screen(household, code, ON)
        assert [r.program for r in screening.results] == list(PROGRAM_IDS)
        for result in screening.results:
            assert result.reasons and result.next_step
            for source in result.sources:
                assert source in own, f"{result.program} cites {source}"
                assert source.section in docs[source.document].sections


def _money_figures(parameters: Parameters, codes: set[str]) -> set[str]:
    return {plain_number(v.value) for p in parameters if p.jurisdiction_code in codes and p.unit in MONEY_UNITS
            for v in p.values if isinstance(v.value, int | float)}


@pytest.mark.parametrize("code", PLACES)
def test_no_figure_of_another_place(code: str) -> None:
    """An amount published only elsewhere never shows up in this place's reasons or amounts."""
    places, parameters, screener = jurisdictions(), Parameters.load(), Screener()
    chain = {p.code for p in places.chain(code)}
    others = {p.jurisdiction_code for p in parameters} - chain
    foreign = _money_figures(parameters, others) - _money_figures(parameters, chain)
    for household in HOUSEHOLDS:
        for result in screener.screen(household, code, ON).results:
            said = " ".join([*result.reasons, result.amount or "", result.next_step])
            numbers = set(re.findall(r"(\d+(?:\.\d+)?)元", said))
            assert not numbers & foreign, f"{code} {result.program}: {numbers & foreign} in {said}"


def test_a_verdict_is_likely_only_when_every_finding_holds() -> None:
    """A place that published no figure never gets a confident 低保 verdict from income alone."""
    screener = Screener()
    for code in ("632301", "6229", "640221101"):
        assert screener.screen(Household(size=1, annual_income=0), code, ON).by_program()["dibao"].verdict == "possible"
