"""Screens one household for every program, for a place and a date."""

from __future__ import annotations

from datetime import date

from knowledge_base.dates import china_today
from knowledge_base.jurisdictions import Jurisdictions, jurisdictions
from knowledge_base.parameters import Parameters
from knowledge_base.screening.model import Household, Screening
from knowledge_base.screening.provisions import Provisions, load_provisions
from knowledge_base.screening.rules import RULES, Context


class Screener:
    """The rules over the packaged parameters and provisions; cheap to call, safe to share."""

    def __init__(self, parameters: Parameters | None = None, provisions: Provisions | None = None,
                 places: Jurisdictions | None = None) -> None:
        self.parameters = parameters or Parameters.load()
        self.provisions = provisions or load_provisions()
        self.places = places or jurisdictions()

    def details_that_matter(self, region_code: str, residence: str, on: date | None = None) -> frozenset[str]:
        """Optional questions whose answer can change a verdict in this place: income deductions only where the
        place publishes both the deduction and a standard to compare with; school and move details only where it
        published an amount for them."""
        day = on or china_today()

        def fact(path: str) -> object:
            return self.parameters.get(path, region_code, day)

        def provision(kind: str) -> object:
            return self.provisions.get(kind, region_code, day)

        out: set[str] = set()
        if fact(f"dibao.standard.{residence}") is not None:
            if provision("income_exemption"):
                out.add("exempt_income")
            if provision("employment_cost_deduction"):
                out.add("employment_costs")
            if provision("rigid_expense_deduction") or provision("rigid_expense_considered"):
                out.add("rigid_expenses")
        if any(fact(f"education_aid.boarding_living_allowance.{level}") for level in ("primary", "junior")):
            out.add("boarding")
        if fact("education_aid.preschool.min_age") is not None:
            out.add("child_age")
        if fact("temporary_assistance.relocation_once") is not None:
            out.add("relocated")
        if provision("orphan_support"):
            out.add("orphan")
        return frozenset(out)

    def screen(self, household: Household, region_code: str, on: date | None = None) -> Screening:
        """One result per program, in the contract's order; ``on`` defaults to today."""
        context = Context(household, region_code, on or china_today(), self.parameters, self.provisions, self.places)
        for program, rule in RULES:
            context.results[program] = rule(context)
        return Screening(region_code, context.region, list(context.results.values()))
