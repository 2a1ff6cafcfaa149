"""Screens one household for every program, for a place and a date."""

from __future__ import annotations

from datetime import date

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

    def screen(self, household: Household, region_code: str, on: date | None = None) -> Screening:
        """One result per program, in the contract's order; ``on`` defaults to today."""
        context = Context(household, region_code, on or date.today(), self.parameters, self.provisions, self.places)
        for program, rule in RULES:
            context.results[program] = rule(context)
        return Screening(region_code, context.region, list(context.results.values()))
