"""Canned replies for a ticket, filled from the knowledge base for the ticket's place and category.

Each reply states one published figure as the ticket's place has it in force today, with the
document and section it comes from, so that a caseworker answers a common question in one click and
the resident hears the same figure the policy says. The caseworker edits the text before sending.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.tickets import MONITORING
from bot.storage.models import Ticket
from knowledge_base.parameters import Parameters

# Figures worth telling a resident, per ticket category, most useful first; the first ones the
# ticket's place publishes are offered.
PATHS: dict[str, tuple[str, ...]] = {
    "living": ("dibao.standard.rural", "dibao.standard.urban", "tekun.standard", "low_income.income_multiple",
               "dibao.gradual_exit_min", "temporary_assistance.individual.amount"),
    "medical": ("medical_assistance.inpatient.rate", "medical_assistance.inpatient.cap",
                "medical_assistance.outpatient_serious_illness.rate",
                "medical_assistance.outpatient_serious_illness.cap", "medical_assistance.insurance_subsidy.full",
                "temporary_assistance.expense.per_capita"),
    "housing": ("housing_renovation.dibao_household", "housing_renovation.tekun_household",
                "housing_renovation.general_household"),
    "education": ("education_aid.boarding_living_allowance.primary", "education_aid.boarding_living_allowance.junior",
                  "education_aid.vocational.national_grant", "education_aid.student_loan.undergraduate_max"),
    "employment": ("entrepreneurship.loan_max", "dibao.employment_cost_deduction_cap"),
    "emergency": ("temporary_assistance.emergency_aid_hours", "temporary_assistance.emergency.per_capita",
                  "temporary_assistance.emergency.multiple", "temporary_assistance.response_hours"),
    "other": ("temporary_assistance.response_hours", "dibao.standard.rural"),
    MONITORING: ("low_income.income_multiple", "dibao.standard.rural", "temporary_assistance.expense.per_capita"),
}
TAIL = ("social_assistance.hotline",)
MOST = 4


@dataclass(frozen=True)
class Canned:
    """One ready reply: the figure it states, where it is published, and the text offered."""

    title: str
    figure: str
    source: str
    text: str


def canned_replies(parameters: Parameters, ticket: Ticket) -> list[Canned]:
    """Replies for this ticket's place (township, else county) and category; none when nothing is published."""
    code = ticket.township_code or ticket.county_code
    paths = PATHS.get(MONITORING if ticket.kind == MONITORING else ticket.category, PATHS["other"])
    out: list[Canned] = []
    for path in (*paths, *TAIL):
        if len(out) >= MOST:
            break
        try:
            fact = parameters.get(path, code)
        except KeyError:
            continue
        if fact is None:
            continue
        figure, source = fact.text(), str(fact.reference)
        text = (f"您好，关于您的求助（编号 {ticket.number}）：按{source}，{fact.description}为{figure}。"
                "我们会尽快联系您核实情况。")
        out.append(Canned(fact.description, figure, source, text))
    return out
