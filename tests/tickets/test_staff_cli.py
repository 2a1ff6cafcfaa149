"""`minsheng staff add`: the township or county of an account is read like everything residents write."""

from __future__ import annotations

import pytest

from bot.staff_cli import StaffCommandError, _scope


@pytest.mark.parametrize(("township", "county", "scope"), [
    ("隆务镇", None, ("632301100", "632301")),
    ("隆务", None, ("632301100", "632301")),
    ("城关镇", "平罗县", ("640221100", "640221")),
    ("平罗县城关镇", None, ("640221100", "640221")),
    ("Longwu", None, ("632301100", "632301")),
])
def test_a_caseworkers_township_however_written(township: str, county: str | None,
                                                scope: tuple[str, str]) -> None:
    assert _scope("caseworker", township, county) == scope


@pytest.mark.parametrize(("township", "county", "said"), [
    ("城关镇", None, "several townships"),
    ("隆务镇", "平罗县", "no served township"),
    ("海淀区", None, "no served township"),
])
def test_a_township_that_is_not_one_served_place_is_refused(township: str, county: str | None, said: str) -> None:
    with pytest.raises(StaffCommandError, match=said):
        _scope("caseworker", township, county)


def test_a_supervisors_county_however_written() -> None:
    assert _scope("supervisor", None, "正安") == (None, "520324")
    assert _scope("supervisor", None, "Tongren") == (None, "632301")
    with pytest.raises(StaffCommandError):
        _scope("supervisor", None, "遵义市")
