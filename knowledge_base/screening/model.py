"""What screening reads (a household as the resident describes it) and what it answers (one result per program)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from knowledge_base.parameters import Source

Verdict = Literal["likely", "possible", "unlikely"]
Residence = Literal["rural", "urban"]
PovertyStatus = Literal["none", "lifted", "registered"]
Labor = Literal["full", "partial", "none"]
School = Literal["preschool", "primary", "junior", "senior", "vocational", "college", "postgraduate"]

# The contract's program ids, in the contract's order, with the names residents know them by.
PROGRAMS: tuple[tuple[str, str], ...] = (
    ("dibao", "最低生活保障"),
    ("tekun", "特困人员救助供养"),
    ("low_income", "低收入家庭认定与救助"),
    ("temporary_assistance", "临时救助"),
    ("monitoring", "防止返贫动态监测"),
    ("disability_living_allowance", "困难残疾人生活补贴"),
    ("disability_care_subsidy", "重度残疾人护理补贴"),
    ("education_aid", "教育资助"),
    ("housing_renovation", "农村危房改造"),
    ("medical_assistance", "医疗救助与医保资助"),
)
PROGRAM_IDS: tuple[str, ...] = tuple(p for p, _ in PROGRAMS)
PROGRAM_NAMES: dict[str, str] = dict(PROGRAMS)
SCHOOLS: tuple[str, ...] = ("preschool", "primary", "junior", "senior", "vocational", "college", "postgraduate")
DISCLAIMER = "自查结果仅供参考，不是审批决定；能否享受以乡镇（街道）审核审批为准。"


@dataclass(frozen=True)
class Member:
    """One person in the household; an unknown age is an adult's."""

    age: int | None = None
    labor: Labor = "full"
    disability_grade: int | None = None
    serious_illness: bool = False
    orphan: bool = False
    school: School | None = None
    boarding: bool = False

    @property
    def severely_disabled(self) -> bool:
        return self.disability_grade in (1, 2)


@dataclass(frozen=True)
class Household:
    """A household as the contract's request describes it: money is yuan per year for the whole household."""

    size: int
    annual_income: float
    residence: Residence = "rural"
    exempt_income: float = 0
    employment_costs: float = 0
    rigid_expenses: float = 0
    poverty_status: PovertyStatus = "none"
    income_drop: bool = False
    expense_surge: bool = False
    emergency: bool = False
    unsafe_housing: bool = False
    relocated: bool = False
    supporters: bool = True
    members: tuple[Member, ...] = ()

    def people(self) -> tuple[Member, ...]:
        """Everyone in the household: the members described, then adults with full labour for the rest."""
        described = self.members[: self.size]
        return described + (Member(),) * (self.size - len(described))

    @classmethod
    def from_request(cls, data: dict[str, Any]) -> Household:
        """From the contract's request shape (``household``, ``members``, ``residence``, ``supporters``)."""
        h = dict(data.get("household") or {})
        members = tuple(Member(**{k: v for k, v in m.items() if k in Member.__dataclass_fields__})
                        for m in data.get("members") or ())
        known = {k: v for k, v in h.items() if k in cls.__dataclass_fields__ and v is not None}
        return cls(residence=data.get("residence") or "rural", supporters=bool(data.get("supporters", True)),
                   members=members, **known)


@dataclass
class Result:
    """One program's verdict with its reasons, published amount, sources and next step."""

    program: str
    verdict: Verdict
    reasons: list[str]
    sources: list[Source]
    next_step: str
    amount: str | None = None

    @property
    def name(self) -> str:
        return PROGRAM_NAMES[self.program]

    def to_json(self) -> dict[str, Any]:
        return {"program": self.program, "name": self.name, "verdict": self.verdict, "amount": self.amount,
                "reasons": list(self.reasons),
                "sources": [{"document": s.document, "section": s.section} for s in self.sources],
                "next_step": self.next_step}


@dataclass
class Screening:
    """Every program's result for one household, place and date, in the contract's order."""

    region_code: str
    region_name: str
    results: list[Result] = field(default_factory=list)
    disclaimer: str = DISCLAIMER

    def by_program(self) -> dict[str, Result]:
        return {r.program: r for r in self.results}

    def verdicts(self) -> dict[str, str]:
        return {r.program: r.verdict for r in self.results}
