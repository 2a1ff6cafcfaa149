"""Who qualifies and how income is counted, as each place published it in words (``provisions.yaml``).

Figures stay in parameters; a provision only says that a place published a rule (刚性支出扣除,
单人保 …), what it says and where. A place inherits the provisions of the places above it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources

import yaml

from knowledge_base.documents import documents
from knowledge_base.jurisdictions import Jurisdictions
from knowledge_base.parameters import Source

# Every provision the rules know how to read; a key outside this set is a typo.
KINDS = frozenset({
    "dibao_program", "dibao_edge_households", "income_exemption", "rigid_expense_deduction",
    "rigid_expense_considered", "employment_cost_deduction", "single_person_dibao", "lifted_unable_to_work",
    "tekun_program", "orphan_support", "temporary_assistance", "temporary_assistance_medical", "monitoring",
    "disability_subsidies", "disability_care", "education_aid", "education_preschool", "education_compulsory",
    "education_senior", "education_vocational", "education_college", "housing_renovation", "housing_security",
    "medical_assistance", "medical_chronic", "medical_serious_disease", "special_assistance_referral",
    "apply_at", "apply_at_monitoring", "apply_at_disability", "apply_at_education", "apply_at_medical",
    "apply_at_housing",
})

# Who a provision may cover, in the engine's words (see rules.py, where each is tested).
GROUPS = frozenset({
    "registered", "lifted", "lifted_at_risk", "edge", "income_drop", "expense_surge", "emergency", "dibao",
    "tekun", "poor_disabled", "severe_disability", "moderate_disability", "serious_illness",
})


@dataclass(frozen=True)
class Provision:
    """One published rule of one place: what it says, who it covers, and the section that says it."""

    kind: str
    jurisdiction_code: str
    says: str
    source: Source
    since: date
    groups: frozenset[str] = frozenset()


class Provisions:
    """Provisions by place, looked up along a place's chain like parameters."""

    def __init__(self, items: list[Provision], places: Jurisdictions) -> None:
        self.places = places
        self._by_key = {(p.kind, p.jurisdiction_code): p for p in items}

    def __iter__(self) -> Iterator[Provision]:
        return iter(self._by_key.values())

    def get(self, kind: str, region_code: str, on: date) -> Provision | None:
        """The nearest place's provision of that kind in force on ``on``; None if no place in the chain has one."""
        if kind not in KINDS:
            raise KeyError(kind)
        for place in self.places.chain(region_code):
            found = self._by_key.get((kind, place.code))
            if found is not None and found.since <= on:
                return found
        return None


def read_provisions(text: str, places: Jurisdictions) -> tuple[list[Provision], list[str]]:
    """Parses ``provisions.yaml``; returns the provisions and every problem found (unknown kind, section …)."""
    docs = documents()
    raw = yaml.safe_load(text) or {}
    out: list[Provision] = []
    errors: list[str] = []
    for code, block in raw.items():
        code = str(code)
        if code not in places:
            errors.append(f"provisions/{code}: unknown division code")
            continue
        name = block.get("document")
        document = docs.get(name)
        if document is None:
            errors.append(f"provisions/{code}: unknown document {name!r}")
            continue
        for kind, entry in (block.get("provisions") or {}).items():
            where = f"provisions/{code}: {kind}"
            if kind not in KINDS:
                errors.append(f"{where}: unknown kind")
                continue
            section, says = entry.get("section"), entry.get("says")
            if document.jurisdiction_code not in {p.code for p in places.chain(code)}:
                errors.append(f"{where}: {name} does not speak for {code}")
                continue
            if section not in document.sections:
                errors.append(f"{where}: {name} has no section {section!r}")
                continue
            if not isinstance(says, str) or not says:
                errors.append(f"{where}: says what the document says")
                continue
            groups = frozenset(entry.get("groups") or ())
            if groups - GROUPS:
                errors.append(f"{where}: unknown groups {sorted(groups - GROUPS)}")
                continue
            out.append(Provision(kind, code, says, Source(name, section), document.issued, groups))
    return out, errors


@cache
def load_provisions() -> Provisions:
    """The packaged provisions, read once per process; a malformed file fails loudly."""
    from knowledge_base.jurisdictions import jurisdictions

    text = resources.files("knowledge_base").joinpath("screening/provisions.yaml").read_text("utf-8")
    places = jurisdictions()
    items, errors = read_provisions(text, places)
    if errors:
        raise ValueError("\n".join(errors))
    return Provisions(items, places)
