"""One rule per program. Every figure comes from the place's parameters for the date; every published
rule without a figure comes from its provisions; each cites what it used.

A rule collects findings: ``met`` (a published criterion holds), ``unknown`` (it cannot be checked:
the place has not published it, or only the office can tell) and ``unmet`` (a published criterion
clearly fails). Any unmet → ``unlikely``; else any unknown → ``possible``; else ``likely``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from knowledge_base.jurisdictions import Jurisdiction, Jurisdictions
from knowledge_base.parameters import Fact, Parameters, Source
from knowledge_base.screening.model import Household, Member, Result, Verdict
from knowledge_base.screening.provisions import Provision, Provisions
from knowledge_base.units import plain_number

Cited = Fact | Provision | None

# 重度残疾 is a disability certificate of grade 1 or 2: 正安县 prints it ("重度残疾人（一、二级残）",
# 三（三）4) and 通伏乡 ("一二级以上重残人员", 二（二）7); the national grading is the same everywhere.
SEVERE_GRADES = (1, 2)
GRADE_WORDS = {1: "一", 2: "二", 3: "三", 4: "四"}
SCHOOL_WORDS = {"preschool": "上幼儿园", "primary": "上小学", "junior": "上初中", "senior": "上高中",
                "vocational": "上中职", "college": "上大学", "postgraduate": "读研究生"}
DEFAULT_OFFICE = "乡镇（街道）民政办"


def display_name(place: Jurisdiction) -> str:
    """The shortest name residents use for a place (临夏回族自治州 → 临夏州)."""
    shorter = [a for a in place.aliases if len(a) < len(place.name)]
    return min(shorter, key=len) if shorter else place.name


def money(value: float) -> str:
    return plain_number(round(value, 1))


def amount_text(fact: Fact) -> str:
    """A published amount as the result's ``amount`` reads it ("每人741元/月")."""
    value = money(float(fact.value))  # type: ignore[arg-type]
    return {
        "yuan_per_person_month": f"每人{value}元/月",
        "yuan_per_person_year": f"每人{value}元/年",
        "yuan_per_student_year": f"每生{value}元/年",
        "yuan_per_household": f"每户{value}元",
        "yuan_per_person": f"每人{value}元",
        "yuan_per_capita": f"人均不低于{value}元",
    }.get(fact.unit, fact.text())


def yearly(fact: Fact) -> float:
    """A per-person standard as yuan per year, whether it was published monthly or yearly."""
    value = float(fact.value)  # type: ignore[arg-type]
    return value * 12 if fact.unit == "yuan_per_person_month" else value


@dataclass
class Context:
    """What every rule reads: the household, the place and date, the data, and earlier programs' results."""

    household: Household
    region_code: str
    on: date
    parameters: Parameters
    provisions: Provisions
    places: Jurisdictions
    results: dict[str, Result] = field(default_factory=dict)

    def fact(self, path: str) -> Fact | None:
        return self.parameters.get(path, self.region_code, self.on)

    def provision(self, kind: str) -> Provision | None:
        return self.provisions.get(kind, self.region_code, self.on)

    @property
    def region(self) -> str:
        """The resident's place as a sentence names it (平罗县黄渠桥镇, 正安县)."""
        place = self.places.get(self.region_code)
        county = self.places.county_of(place.code)
        if place.is_township and county:
            return display_name(county) + place.name
        return display_name(place)

    def publisher(self, cited: Fact | Provision) -> str:
        return display_name(self.places.get(cited.jurisdiction_code))

    @property
    def people(self) -> tuple[Member, ...]:
        return self.household.people()

    def verdict(self, program: str) -> Verdict:
        return self.results[program].verdict

    def office(self, kind: str = "") -> tuple[str, Provision | None]:
        """Where to apply: the place's own office for this kind of program, else its general one."""
        found = (self.provision(f"apply_at_{kind}") if kind else None) or self.provision("apply_at")
        return (found.says if found else DEFAULT_OFFICE), found

    # -- shared readings of the household ---------------------------------------------------------

    def residence_word(self) -> str:
        return "农村" if self.household.residence == "rural" else "城市"

    def dibao_standard(self) -> Fact | None:
        return self.fact(f"dibao.standard.{self.household.residence}")

    def hardship(self) -> str:
        """Whether the family is 家庭经济困难: "yes", "no", or "unknown" when nothing published settles it."""
        h = self.household
        supported = [self.verdict(p) for p in ("dibao", "tekun", "low_income")]
        if h.poverty_status != "none" or "likely" in supported:
            return "yes"
        if all(v == "unlikely" for v in supported):
            return "no"
        return "unknown"


@dataclass
class Income:
    """Household income as the place counts it, and what it counted out."""

    counted: float
    per_capita: float
    notes: list[tuple[str, Cited]]
    considered: float = 0.0  # what the office may still take off (正安县 considers 刚性支出)


def counted_income(c: Context) -> Income:
    """Annual income minus what this place's published rules take off; nothing taken off where it published nothing."""
    h = c.household
    income = h.annual_income
    notes: list[tuple[str, Cited]] = []
    exemption = c.provision("income_exemption")
    if exemption and h.exempt_income > 0:
        exempt = min(h.exempt_income, income)
        income -= exempt
        notes.append((f"按{c.publisher(exemption)}规定（{exemption.says}），{money(exempt)}元不计入收入", exemption))
    employment = c.provision("employment_cost_deduction")
    if employment and h.employment_costs > 0:
        cap = c.fact("dibao.employment_cost_deduction_cap")
        deducted = min(h.employment_costs, h.annual_income * float(cap.value) / 100) if cap else h.employment_costs  # type: ignore[arg-type]
        income -= deducted
        limit = f"，最多扣总收入的{cap.text()}" if cap else ""
        notes.append((f"就业必要成本扣减{money(deducted)}元{limit}", cap or employment))
        if cap:
            notes.append(("", employment))
    rigid = c.provision("rigid_expense_deduction")
    considered = 0.0
    if rigid and h.rigid_expenses > 0:
        lookback = c.fact("dibao.rigid_expense_lookback")
        period = f"申请前{lookback.text()}" if lookback else "近一年"
        income -= h.rigid_expenses
        notes.append((f"{period}自付的看病、上学、租房等刚性支出{money(h.rigid_expenses)}元已扣除", lookback or rigid))
        if lookback:
            notes.append(("", rigid))
    elif c.provision("rigid_expense_considered") and h.rigid_expenses > 0:
        considered = h.rigid_expenses
    counted = max(income, 0.0)
    return Income(counted, counted / h.size, notes, considered)


class Finding:
    """The criteria one rule checked, what they rest on, and the result they add up to."""

    def __init__(self, program: str, c: Context) -> None:
        self.program, self.c = program, c
        self._met: list[str] = []
        self._unknown: list[str] = []
        self._unmet: list[str] = []
        self._notes: list[str] = []
        self._sources: list[Source] = []
        self.amounts: list[str] = []

    def cite(self, *cited: Cited) -> None:
        for item in cited:
            if item is None:
                continue
            source = item.reference if isinstance(item, Fact) else item.source
            if source not in self._sources:
                self._sources.append(source)

    def _add(self, bucket: list[str], text: str, cited: tuple[Cited, ...]) -> None:
        if text and text not in bucket:
            bucket.append(text)
        self.cite(*cited)

    def met(self, text: str, *cited: Cited) -> None:
        self._add(self._met, text, cited)

    def unknown(self, text: str, *cited: Cited) -> None:
        self._add(self._unknown, text, cited)

    def unmet(self, text: str, *cited: Cited) -> None:
        self._add(self._unmet, text, cited)

    def note(self, text: str, *cited: Cited) -> None:
        """Context that does not decide the verdict (how income was counted, a related service)."""
        self._add(self._notes, text, cited)

    def amount(self, text: str) -> None:
        if text not in self.amounts:
            self.amounts.append(text)

    @property
    def verdict(self) -> Verdict:
        if self._unmet:
            return "unlikely"
        return "possible" if self._unknown else "likely"

    def result(self, next_step: str) -> Result:
        verdict = self.verdict
        reasons = self._unmet + self._unknown + self._met + self._notes
        if verdict == "unlikely" and RECOURSE_MARK not in next_step:
            # "Why not" (issue 15): the first reason is the criterion that failed, with the place's
            # figure and the household's own where a figure decided it; then what to do if the facts
            # the resident gave are not the whole story.
            next_step = f"{next_step}；{recourse(self.c)}" if next_step else recourse(self.c)
        amount = "；".join(self.amounts) if self.amounts and verdict != "unlikely" else None
        return Result(self.program, verdict, reasons, list(self._sources), next_step, amount)


RECOURSE_MARK = "入户核查"


def recourse(c: Context) -> str:
    """What a resident does who thinks an "unlikely" is wrong: the township checks at home (入户核查,
    the step every place's procedure has: 同仁市 seed 002 二（五）1–2, 临夏州 seed 000 三（三）8), or a
    request carries the answers to the staff who decide."""
    where, _cited = c.office("")
    return f"如实际情况与所填不同，可请{where}{RECOURSE_MARK}，或提交求助并附上本次自查回答"


def _apply(c: Context, f: Finding, kind: str, what: str, bring: str) -> str:
    where, cited = c.office(kind)
    f.cite(cited)
    if f.verdict == "unlikely":
        return f"暂不符合；如实际情况与所填不同，可请{where}{RECOURSE_MARK}，或提交求助并附上本次自查回答"
    return f"到{where}{what}，带{bring}"


def _not_published(c: Context, what: str) -> str:
    return f"{c.region}暂未公布{what}，需到乡镇咨询"


# -- 低保 ------------------------------------------------------------------------------------------

def dibao(c: Context) -> Result:
    f = Finding("dibao", c)
    h = c.household
    standard = c.dibao_standard()
    f.cite(c.provision("dibao_program"))
    income = counted_income(c)
    if standard is None:
        increase = c.fact("dibao.standard_increase")
        said = f"（{c.publisher(increase)}只公布了提标{increase.text()}）" if increase else ""
        f.unknown(f"{c.region}暂未公布{c.residence_word()}低保标准金额{said}，无法按收入判断", increase)
    else:
        derived = "（文件未直接印出，按文件推算）" if standard.derivation else ""
        line = f"{c.publisher(standard)}{c.residence_word()}低保标准{standard.text()}{derived}"
        if income.per_capita < yearly(standard):
            f.met(f"家庭人均年收入约{money(income.per_capita)}元，低于{line}", standard)
            f.amount(amount_text(standard))
        else:
            after = (income.counted - income.considered) / h.size
            considered = c.provision("rigid_expense_considered")
            single = c.provision("single_person_dibao")
            if considered and income.considered and after < yearly(standard):
                f.unknown(f"人均收入约{money(income.per_capita)}元，不低于{line}；但{c.publisher(considered)}"
                          f"核查收入时会考虑看病、上学等刚性支出，扣除后可能低于标准，需乡镇核定", standard, considered)
            elif single and _single_person_case(c, single):
                f.unknown(f"人均收入约{money(income.per_capita)}元，不低于{line}；但家中重病或重度残疾成员"
                          f"可按{c.publisher(single)}“{single.says}”单独申请，需乡镇核定", standard, single)
            else:
                f.unmet(f"家庭人均年收入约{money(income.per_capita)}元，不低于{line}", standard)
    for text, cited in income.notes:
        f.note(text, cited)
    _dibao_published_paths(c, f)
    return f.result(_apply(c, f, "", "申请", "户口簿、身份证和收支凭证"))


def _single_person_case(c: Context, single: Provision) -> bool:
    """Someone the place's 单人保 covers: a severely disabled or seriously ill member (and, where the place
    says so, one who cannot work)."""
    people = c.people
    covered = (("severe_disability" in single.groups and any(p.severely_disabled for p in people))
               or ("serious_illness" in single.groups and any(p.serious_illness for p in people)))
    return covered and c.household.size > 1


def _dibao_published_paths(c: Context, f: Finding) -> None:
    """Published routes into 低保 that depend on who is in the household rather than on income."""
    h, people = c.household, c.people
    lifted = c.provision("lifted_unable_to_work")
    if lifted and h.poverty_status != "none" and any(p.labor != "full" for p in people):
        f.note(f"{c.publisher(lifted)}：{lifted.says}", lifted)
    single = c.provision("single_person_dibao")
    if single and _single_person_case(c, single) and f.verdict == "possible" and c.dibao_standard() is None:
        f.note(f"家中重病或重度残疾成员可按{c.publisher(single)}“{single.says}”申请", single)
    increase = c.fact("dibao.special_groups_increase")
    special = any(p.severely_disabled or p.serious_illness or (p.age is not None and p.school) for p in people)
    if increase and special and f.verdict != "unlikely":
        f.note(f"家中重度残疾人、重病患者、未成年人等可增发{increase.text()}低保金", increase)


# -- 特困供养 --------------------------------------------------------------------------------------

def tekun(c: Context) -> Result:
    f = Finding("tekun", c)
    h, people = c.household, c.people
    program = c.provision("tekun_program")
    if h.supporters:
        f.unmet("有法定赡养、抚养义务人且有能力供养")
    else:
        f.met("没有有能力履行义务的赡养、抚养人")
    if any(p.labor == "full" for p in people):
        f.unmet("家中有能正常劳动的成员")
    elif any(p.labor == "partial" for p in people):
        f.unknown("家中有人还能干些轻活，是否算丧失劳动能力要经评估")
    else:
        f.met("家中成员都没有劳动能力")
    standard = c.fact("tekun.standard")
    income = counted_income(c)
    if standard is not None:
        monthly = income.per_capita / 12
        if monthly < float(standard.value):  # type: ignore[arg-type]
            f.met(f"人均月收入约{money(monthly)}元，低于{c.publisher(standard)}特困供养标准{standard.text()}", standard)
        else:
            f.unmet(f"人均月收入约{money(monthly)}元，不低于{c.publisher(standard)}特困供养标准{standard.text()}",
                    standard)
        f.amount(amount_text(standard))
    else:
        multiple = c.fact("tekun.standard_multiple")
        if multiple is not None:
            f.unknown(f"{c.publisher(multiple)}特困供养标准为城乡低保标准的{multiple.text()}，但未公布金额，"
                      f"是否“无生活来源”需乡镇核查", multiple)
        else:
            f.unknown(_not_published(c, "特困供养标准"))
    if program:
        f.note(f"{c.publisher(program)}：{program.says}", program)
    orphans = c.provision("orphan_support")
    if orphans and any(p.orphan for p in people):
        f.note(f"孤儿可按{c.publisher(orphans)}规定{orphans.says}", orphans)
    return f.result(_apply(c, f, "", "申请（需认定和自理能力评估）", "户口簿、身份证"))


# -- 低收入家庭 ------------------------------------------------------------------------------------

def low_income(c: Context) -> Result:
    f = Finding("low_income", c)
    multiple = c.fact("low_income.income_multiple")
    standard = c.dibao_standard()
    if multiple is None:
        f.unknown(_not_published(c, "低收入家庭认定标准"))
    elif standard is None:
        f.unknown(f"{c.publisher(multiple)}按低保标准的{multiple.text()}认定低收入家庭，但{c.region}"
                  f"暂未公布{c.residence_word()}低保标准金额，需乡镇核查", multiple)
    else:
        income = counted_income(c)
        line = yearly(standard) * float(multiple.value)  # type: ignore[arg-type]
        words = (f"{c.publisher(multiple)}低收入标准（低保标准{standard.text()}的{multiple.text()}，"
                 f"即每人每年{money(line)}元）")
        if income.per_capita < line:
            f.met(f"家庭人均年收入约{money(income.per_capita)}元，低于{words}", multiple, standard)
            if income.per_capita < yearly(standard):
                f.note("收入已低于低保标准，可直接申请低保")
        else:
            f.unmet(f"家庭人均年收入约{money(income.per_capita)}元，不低于{words}", multiple, standard)
        for text, cited in income.notes:
            f.note(text, cited)
    if f.verdict != "unlikely":
        f.note("认定后可申请医疗、教育、住房等专项救助")
    referral = c.provision("special_assistance_referral")
    if referral and f.verdict != "unlikely":
        f.note(f"{c.publisher(referral)}：{referral.says}", referral)
    return f.result(_apply(c, f, "", "申请认定", "户口簿、身份证和收入证明"))


# -- 临时救助 --------------------------------------------------------------------------------------

TRIGGER_WORDS = {"emergency": "突发事故、灾害或重病等急难", "expense_surge": "看病、上学等支出骤增",
                 "income_drop": "收入骤减"}


def temporary_assistance(c: Context) -> Result:
    f = Finding("temporary_assistance", c)
    h = c.household
    active = [t for t in ("emergency", "expense_surge", "income_drop") if getattr(h, t)]
    relocation = c.fact("temporary_assistance.relocation_once") if h.relocated else None
    program = c.provision("temporary_assistance")
    medical = c.provision("temporary_assistance_medical")
    f.cite(program)
    if not active and relocation is None:
        f.unmet("最近没有遇到突发急难、支出骤增或收入骤减等临时困难")
    covered = [t for t in active if program and t in program.groups]
    if medical and "expense_surge" in active and "expense_surge" not in covered and h.poverty_status != "none":
        covered.append("expense_surge")
        f.met(f"{c.publisher(medical)}：{medical.says}", medical)
    if covered and program:
        f.met(f"遇到{'、'.join(TRIGGER_WORDS[t] for t in covered)}；{c.publisher(program)}：{program.says}", program)
        _temporary_amounts(c, f, covered)
    elif active and relocation is None:
        told = "、".join(TRIGGER_WORDS[t] for t in active)
        if program:
            f.unknown(f"遇到{told}；{c.publisher(program)}临时救助面向：{program.says}，是否符合需乡镇核定", program)
        else:
            f.unknown(f"遇到{told}；" + _not_published(c, "临时救助的条件和标准"))
    if relocation is not None:
        if h.poverty_status == "none":
            f.unknown(f"{c.publisher(relocation)}易地扶贫搬迁一次性临时救助面向搬迁贫困移民，需核实贫困户身份",
                      relocation)
        else:
            f.met(f"易地扶贫搬迁贫困移民可领一次性临时救助{relocation.text()}", relocation)
        f.amount(amount_text(relocation) + "（搬迁一次性）")
    answer = c.fact("temporary_assistance.response_hours")
    if answer and f.verdict != "unlikely":
        f.note(f"{c.publisher(answer)}乡镇{answer.text()}内答复临时救助申请", answer)
    urgent = c.fact("temporary_assistance.emergency_aid_hours")
    if urgent and "emergency" in active:
        f.note(f"急难情形{urgent.text()}内救助", urgent)
    return f.result(_apply(c, f, "", "申请", "身份证和事故、看病等证明"))


def _temporary_amounts(c: Context, f: Finding, covered: list[str]) -> None:
    """通伏乡's tiers: a person alone gets the individual amount, a family the 急难型 or 支出型 one."""
    individual = c.fact("temporary_assistance.individual.amount")
    if c.household.size == 1 and individual is not None:
        f.met(f"个人救助标准{individual.text()}", individual)
        f.amount(amount_text(individual))
        return
    for kind, word in (("emergency", "急难型"), ("expense_surge", "支出型")):
        fact = c.fact(f"temporary_assistance.{'expense' if kind == 'expense_surge' else kind}.per_capita")
        if kind in covered and fact is not None:
            f.met(f"{word}困难家庭{fact.text()}以上", fact)
            f.amount(f"{word}{amount_text(fact)}")


# -- 防止返贫监测 ----------------------------------------------------------------------------------

def monitoring(c: Context) -> Result:
    f = Finding("monitoring", c)
    h = c.household
    shocks = [t for t in ("income_drop", "expense_surge", "emergency") if getattr(h, t)]
    risks: list[str] = list(shocks)
    if h.poverty_status == "registered":
        risks.append("registered")
    elif h.poverty_status == "lifted":
        risks.append("lifted_at_risk" if shocks else "lifted")
    if c.verdict("low_income") == "likely":
        risks.append("edge")
    program = c.provision("monitoring")
    f.cite(program)
    if not risks:
        f.unmet("家里不是脱贫户或建档立卡户，也没有收入骤减、支出骤增、突发急难等返贫致贫风险")
    elif program is None:
        f.unknown(_not_published(c, "防止返贫监测的具体条件"))
    else:
        covered = [r for r in risks if r in program.groups]
        if covered:
            f.met(f"{c.publisher(program)}：{program.says}", program)
        elif "lifted" in risks:
            f.unknown("已脱贫户是否存在返贫风险，需村级评议和乡镇核查", program)
        else:
            f.unknown(f"{c.publisher(program)}监测对象为：{program.says}；您家是否属于需村里评议认定", program)
    applied = c.provision("apply_at_monitoring")
    where = applied.says if applied else "村委会（社区）"
    f.cite(applied)
    if f.verdict == "unlikely":
        step = f"暂不符合；出现返贫致贫风险时可向{where}申请；{recourse(c)}"
    else:
        step = f"向{where}申请，经村评议、乡镇初审、县级审定"
    return f.result(step)


# -- 残疾人两项补贴 --------------------------------------------------------------------------------

def disability_living_allowance(c: Context) -> Result:
    f = Finding("disability_living_allowance", c)
    disabled = [p for p in c.people if p.disability_grade]
    program = c.provision("disability_subsidies")
    f.cite(program)
    if not disabled:
        f.unmet("家中没有持证残疾人")
    elif program is None:
        f.unknown(_not_published(c, "困难残疾人生活补贴的条件和标准"))
    else:
        dibao_verdict = c.verdict("dibao")
        if dibao_verdict == "likely":
            f.met("家中有持证残疾人，家庭符合低保条件，属于困难残疾人")
        elif dibao_verdict == "possible" or ("dibao" not in program.groups and c.verdict("low_income") != "unlikely"):
            f.unknown("家中有持证残疾人；需先认定为低保等困难家庭，才能领困难残疾人生活补贴")
        else:
            f.unmet("家庭收入高于低保标准，一般不属于困难残疾人")
        f.note(f"{c.publisher(program)}：{program.says}", program)
        low, high = c.fact("disability_living_allowance.rate_min"), c.fact("disability_living_allowance.rate_max")
        standard = c.dibao_standard()
        if low and high and standard:
            lo, hi = (yearly(standard) * float(x.value) / 100 for x in (low, high))  # type: ignore[arg-type]
            f.note(f"按低保标准的{low.text()}–{high.text()}增发", low, high, standard)
            f.amount(f"每人{money(lo)}–{money(hi)}元/年")
    return f.result(_apply(c, f, "disability", "申请", "残疾人证、户口簿"))


def disability_care_subsidy(c: Context) -> Result:
    f = Finding("disability_care_subsidy", c)
    people = c.people
    disabled = [p for p in people if p.disability_grade]
    severe = sorted({p.disability_grade for p in people if p.disability_grade in SEVERE_GRADES})
    program = c.provision("disability_subsidies")
    f.cite(program)
    if not disabled:
        f.unmet("家中没有持证残疾人")
    elif not severe:
        grades = "、".join(GRADE_WORDS.get(p.disability_grade or 0, "") for p in disabled)
        f.unmet(f"护理补贴面向一、二级重度残疾人，家中残疾人是{grades}级")
    elif program is None:
        care = c.provision("disability_care")
        f.unknown(_not_published(c, "重度残疾人护理补贴的标准"))
        if care:
            f.note(f"{c.publisher(care)}：{care.says}", care)
    else:
        words = "、".join(GRADE_WORDS[g] for g in severe)
        f.met(f"家中有{words}级重度残疾人；{c.publisher(program)}：{program.says}", program)
        for grade in severe:
            fact = c.fact(f"disability_care_subsidy.amount.grade{grade}")
            if fact is not None:
                f.cite(fact)
                f.amount(f"{GRADE_WORDS[grade]}级{amount_text(fact)}")
    return f.result(_apply(c, f, "disability", "申请", "残疾人证、户口簿"))


# -- 教育资助 --------------------------------------------------------------------------------------

def education_aid(c: Context) -> Result:
    """Each student is looked at on their own; the household's verdict is the best any student gets."""
    students = [p for p in c.people if p.school]
    if not students:
        f = Finding("education_aid", c)
        f.unmet("家中没有在读学生")
        return f.result(_apply(c, f, "education", "", ""))
    hardship = c.hardship()
    findings = [_student(c, p, hardship) for p in students]
    order: dict[Verdict, int] = {"likely": 0, "possible": 1, "unlikely": 2}
    findings.sort(key=lambda x: order[x.verdict])
    best = findings[0]
    for other in findings[1:]:
        best._notes += other._met + other._unknown + other._unmet + other._notes
        best.amounts += [a for a in other.amounts if other.verdict != "unlikely"]
        best._sources += [s for s in other._sources if s not in best._sources]
    return best.result(_apply(c, best, "education", "申请", "学籍证明和困难证明"))


def _hardship_check(c: Context, f: Finding, hardship: str, who: str) -> bool:
    """Records whether the family counts as 家庭经济困难 for this aid; True when it does."""
    if hardship == "yes":
        f.met(f"{who}：家庭属于经济困难（低保、特困、低收入或建档立卡）")
        return True
    if hardship == "unknown":
        f.unknown(f"{who}：需先认定为家庭经济困难")
    else:
        f.unmet(f"{who}：家庭收入较高，不属于家庭经济困难")
    return False


def _student(c: Context, p: Member, hardship: str) -> Finding:
    f = Finding("education_aid", c)
    h = c.household
    who = f"孩子{SCHOOL_WORDS[p.school or 'primary']}"
    level = p.school
    if level == "preschool":
        subsidy, min_age = c.fact("education_aid.preschool.care_fee_subsidy"), c.fact("education_aid.preschool.min_age")
        program = c.provision("education_preschool")
        if subsidy is not None:
            f.cite(subsidy)
            if min_age is not None:
                if p.age is None:
                    f.unknown(f"{who}：学前资助面向当年8月31日前年满{min_age.text()}的幼儿", min_age)
                elif p.age < float(min_age.value):  # type: ignore[arg-type]
                    f.unmet(f"{who}：孩子{p.age}岁，学前资助面向年满{min_age.text()}的幼儿", min_age)
                else:
                    f.met(f"{who}：孩子已满{min_age.text()}", min_age)
            if _hardship_check(c, f, hardship, who):
                f.amount(f"保教费{amount_text(subsidy)}")
        elif program is not None:
            if _hardship_check(c, f, hardship, who):
                f.unknown(f"{who}：{c.publisher(program)}{program.says}，需核实是否在这些村", program)
            f.cite(program)
        else:
            _generic_education(c, f, hardship, who)
        return f
    if level in ("primary", "junior"):
        program = c.provision("education_compulsory")
        boarding = c.fact(f"education_aid.boarding_living_allowance.{level}")
        if program is None and boarding is None:
            _generic_education(c, f, hardship, who)
            return f
        if program and h.residence == "rural":
            f.met(f"{who}：{c.publisher(program)}{program.says}", program)
        if boarding is not None and p.boarding:
            if _hardship_check(c, f, hardship, who + "住校"):
                f.amount(f"寄宿生活费{amount_text(boarding)}")
            f.cite(boarding)
        elif not (program and h.residence == "rural"):
            f.unmet(f"{who}：{c.publisher(program or boarding)}公布的义务教育资助面向农村学生和家庭经济困难寄宿生",  # type: ignore[arg-type]
                    program, boarding)
        return f
    if level == "senior":
        two_aids = [c.fact(f"education_aid.senior_high.two_aids_three_waivers.{s}") for s in ("other", "zhengan_no1")]
        waiver = [c.fact(f"education_aid.senior_high.tuition_waiver.{s}") for s in ("other", "zhengan_no1")]
        program = c.provision("education_senior")
        if two_aids[0] and two_aids[1] and waiver[0] and waiver[1]:
            f.cite(program, *two_aids, *waiver)
            span = f"每生{money(float(two_aids[0].value))}–{money(float(two_aids[1].value))}元/年（按学校）"  # type: ignore[arg-type]
            waive = f"每生{money(float(waiver[0].value))}–{money(float(waiver[1].value))}元/年（按学校）"  # type: ignore[arg-type]
            if h.poverty_status != "none":
                f.met(f"{who}：建档立卡学生享受“两助三免”")
                f.amount(f"两助三免{span}")
            elif c.verdict("tekun") == "likely" or (h.residence == "rural" and c.verdict("dibao") == "likely"):
                f.met(f"{who}：农村低保、特困家庭学生免学费")
                f.amount(f"免学费{waive}")
            elif p.disability_grade and hardship != "no":
                f.unknown(f"{who}：家庭经济困难的残疾学生免学费，需认定")
            elif hardship == "no":
                f.unmet(f"{who}：高中资助面向建档立卡、农村低保、特困和经济困难残疾学生")
            else:
                f.unknown(f"{who}：高中资助面向建档立卡、农村低保、特困和经济困难残疾学生，需认定")
        elif program is not None:
            _hardship_check(c, f, hardship, who)
            f.note(f"{c.publisher(program)}：{program.says}", program)
        else:
            _generic_education(c, f, hardship, who)
        return f
    if level == "vocational":
        grant = c.fact("education_aid.vocational.national_grant")
        tuition = c.fact("education_aid.vocational.tuition_waiver")
        if grant is not None and tuition is not None:
            program = c.provision("education_vocational")
            f.cite(program, grant, tuition)
            if h.residence == "rural":
                f.met(f"{who}：中职一、二年级农村学生享受国家助学金并免学费")
                f.amount(f"助学金{amount_text(grant)}，免学费{amount_text(tuition)}")
                special, lodging = (c.fact("education_aid.vocational.poverty_grant"),
                                    c.fact("education_aid.vocational.accommodation_waiver"))
                if h.poverty_status != "none" and special and lodging:
                    f.met(f"{who}：建档立卡学生另有专项助学金，免住宿费", special, lodging)
                    f.amount(f"专项助学金{amount_text(special)}，免住宿费{amount_text(lodging)}")
            else:
                share = c.fact("education_aid.vocational.town_nonagri_share")
                f.cite(share)
                if _hardship_check(c, f, hardship, who):
                    f.unknown(f"{who}：县镇学生按比例确定经济困难学生发助学金，由学校认定")
        else:
            _generic_education(c, f, hardship, who)
        return f
    loan = c.fact(f"education_aid.student_loan.{'postgraduate' if level == 'postgraduate' else 'undergraduate'}_max")
    program = c.provision("education_college")
    if loan is not None:
        f.cite(program, loan)
        if _hardship_check(c, f, hardship, who):
            f.met(f"{who}：可办生源地信用助学贷款（用于学费住宿费）")
            f.amount(f"助学贷款{loan.text()}以内")
    elif program is not None:
        _hardship_check(c, f, hardship, who)
        f.note(f"{c.publisher(program)}：{program.says}", program)
    else:
        _generic_education(c, f, hardship, who)
    return f


def _generic_education(c: Context, f: Finding, hardship: str, who: str) -> None:
    """A place that published no aid for this school stage: only the office can say."""
    if hardship == "no":
        f.unmet(f"{who}：家庭收入较高，不属于家庭经济困难")
        return
    general = c.provision("education_aid") or c.provision("special_assistance_referral")
    if general is not None:
        f.unknown(f"{who}：{c.publisher(general)}{general.says}，但未公布这一学段的资助标准", general)
    else:
        f.unknown(f"{who}：" + _not_published(c, "这一学段的资助"))


# -- 农村危房改造 ----------------------------------------------------------------------------------

def housing_renovation(c: Context) -> Result:
    f = Finding("housing_renovation", c)
    h = c.household
    program = c.provision("housing_renovation")
    f.cite(program)
    if not h.unsafe_housing:
        f.unmet("住房没有说存在安全隐患")
    elif h.residence == "urban":
        f.unmet("农村危房改造只面向农村住房")
        security = c.provision("housing_security")
        if security:
            f.note(f"城镇住房困难：{c.publisher(security)}{security.says}", security)
    elif program is None:
        f.unknown(_not_published(c, "农村危房改造的条件和补助"))
    else:
        groups = _housing_groups(c)
        covered = [g for g in groups if g in program.groups]
        if covered:
            f.met(f"住房不安全；{c.publisher(program)}：{program.says}", program)
            tiers = (("tekun", "tekun_household"), ("dibao", "dibao_household"), ("poor_disabled", "dibao_household"),
                     ("registered", "general_household"), ("lifted", "general_household"))
            for group, path in tiers:
                fact = c.fact(f"housing_renovation.{path}")
                if group in covered and fact is not None:
                    f.cite(fact)
                    f.amount(amount_text(fact))
                    break
        elif any(c.verdict(p) == "possible" for p in ("dibao", "tekun")):
            f.unknown(f"住房不安全；{c.publisher(program)}危房改造面向：{program.says}，需先认定低保、特困等身份",
                      program)
        else:
            f.unmet(f"{c.publisher(program)}危房改造补助面向特困、低保、贫困残疾人家庭和贫困户", program)
        if h.emergency:
            f.note("因灾导致的危房可纳入灾后重建")
    return f.result(_apply(c, f, "housing", "申请危房鉴定", "户口簿和房屋照片"))


def _housing_groups(c: Context) -> list[str]:
    h = c.household
    groups = []
    if c.verdict("tekun") == "likely":
        groups.append("tekun")
    if c.verdict("dibao") == "likely":
        groups.append("dibao")
    if any(p.disability_grade for p in c.people) and c.hardship() == "yes":
        groups.append("poor_disabled")
    if h.poverty_status != "none":
        groups.append(h.poverty_status)
    return groups


# -- 医疗救助 --------------------------------------------------------------------------------------

def medical_assistance(c: Context) -> Result:
    f = Finding("medical_assistance", c)
    h, people = c.household, c.people
    ill = any(p.serious_illness for p in people)
    groups = _medical_groups(c)
    needs = ill or h.rigid_expenses > 0 or h.expense_surge or any(p.disability_grade for p in people) or bool(groups)
    program = c.provision("medical_assistance")
    f.cite(program)
    covered = [g for g in groups if program and g in program.groups]
    if covered and program:
        f.met(f"{c.publisher(program)}：{program.says}", program)
        _medical_amounts(c, f, covered)
    elif program is not None and needs:
        f.unknown(f"{c.publisher(program)}医疗救助面向：{program.says}；您家是否符合需乡镇核定", program)
    elif program is None and needs:
        referral = c.provision("special_assistance_referral")
        if referral:
            f.unknown(f"{c.publisher(referral)}：{referral.says}；医疗救助标准未公布，需乡镇核定", referral)
        else:
            f.unknown(_not_published(c, "医疗救助的条件和标准"))
    else:
        f.unmet("家里没有重病、残疾或大额医疗支出，也不是低保、特困、建档立卡等救助对象")
    if ill:
        chronic, serious = c.provision("medical_chronic"), c.provision("medical_serious_disease")
        cap = c.fact("medical_assistance.chronic_disease.self_pay_cap.county")
        if chronic and cap:
            f.note(f"{c.publisher(chronic)}：{chronic.says}（县级以下医院{cap.text()}）", chronic, cap)
        if serious and h.poverty_status != "none" and h.residence == "rural":
            f.note(f"{c.publisher(serious)}：{serious.says}", serious)
    return f.result(_apply(c, f, "medical", "申请", "病历和医疗费票据"))


def _medical_groups(c: Context) -> list[str]:
    h, people = c.household, c.people
    groups = []
    if c.verdict("tekun") == "likely":
        groups.append("tekun")
    if c.verdict("dibao") == "likely":
        groups.append("dibao")
    if h.poverty_status != "none":
        groups.append(h.poverty_status)
    if any(p.severely_disabled for p in people):
        groups.append("severe_disability")
    if any(p.disability_grade == 3 for p in people):
        groups.append("moderate_disability")
    return groups


def _medical_amounts(c: Context, f: Finding, covered: list[str]) -> None:
    """The published insurance subsidy tier, then the share of hospital and outpatient costs covered."""
    if {"tekun", "severe_disability"} & set(covered):
        full = c.fact("medical_assistance.insurance_subsidy.full")
        if full:
            f.met(f"参加医保个人不缴费，定额补助{full.text()}", full)
            f.amount(f"医保定额补助{amount_text(full)}")
    elif {"dibao", "registered", "lifted"} & set(covered):
        part, paid = c.fact("medical_assistance.insurance_subsidy.partial"), \
            c.fact("medical_assistance.insurance_subsidy.partial_contribution")
        if part and paid:
            f.met(f"参加医保个人缴{paid.text()}，补助{part.text()}", part, paid)
            f.amount(f"医保定额补助{amount_text(part)}")
    elif "moderate_disability" in covered:
        part, paid = c.fact("medical_assistance.insurance_subsidy.moderate_disability"), \
            c.fact("medical_assistance.insurance_subsidy.moderate_disability_contribution")
        if part and paid:
            f.met(f"三级残疾人参加医保个人缴{paid.text()}，补助{part.text()}", part, paid)
            f.amount(f"医保定额补助{amount_text(part)}")
    if "dibao" in covered:
        rate, cap = c.fact("medical_assistance.inpatient.rate"), c.fact("medical_assistance.inpatient.cap")
        if rate and cap:
            f.met(f"住院自付部分补助{rate.text()}，每年最多{money(float(cap.value))}元", rate, cap)  # type: ignore[arg-type]
            f.amount(f"住院自付补助{rate.text()}（每年最多{money(float(cap.value))}元）")  # type: ignore[arg-type]
        rate, cap = (c.fact("medical_assistance.outpatient_serious_illness.rate"),
                     c.fact("medical_assistance.outpatient_serious_illness.cap"))
        if rate and cap:
            f.note(f"门诊大病自付部分补助{rate.text()}，每年最多{money(float(cap.value))}元", rate, cap)  # type: ignore[arg-type]
    if {"registered", "lifted"} & set(covered):
        rate = c.fact("medical_assistance.inpatient_reimbursement_rate")
        if rate:
            f.met(f"建档立卡贫困人口住院费用实际补偿{rate.text()}", rate)
            f.amount(f"住院实际补偿{rate.text()}")


RULES: tuple[tuple[str, Callable[[Context], Result]], ...] = (
    ("dibao", dibao),
    ("tekun", tekun),
    ("low_income", low_income),
    ("temporary_assistance", temporary_assistance),
    ("monitoring", monitoring),
    ("disability_living_allowance", disability_living_allowance),
    ("disability_care_subsidy", disability_care_subsidy),
    ("education_aid", education_aid),
    ("housing_renovation", housing_renovation),
    ("medical_assistance", medical_assistance),
)
