"""What a ticket's 自查 record says, in words a caseworker reads: the answers and the verdicts.

A ticket filed from the screening dialog carries ``{"request": <POST /api/v1/screen body>,
"verdicts": {program: likely|possible|unlikely}, "date"}`` (handlers/screening.py). The console shows
it as labelled lines, never as the JSON keys; the staff API returns the record as it is.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from bot.domain.tickets import N_

PROGRAM_NAMES = {
    "dibao": N_("低保"), "tekun": N_("特困供养"), "low_income": N_("低收入家庭认定"),
    "temporary_assistance": N_("临时救助"), "monitoring": N_("防返贫监测"),
    "disability_living_allowance": N_("残疾人生活补贴"), "disability_care_subsidy": N_("重度残疾人护理补贴"),
    "education_aid": N_("教育资助"), "housing_renovation": N_("危房改造"), "medical_assistance": N_("医疗救助"),
}
VERDICT_LABELS = {"likely": N_("较可能符合"), "possible": N_("可能符合"), "unlikely": N_("暂不符合")}
RESIDENCE_LABELS = {"rural": N_("农村"), "urban": N_("城镇")}
POVERTY_LABELS = {"none": N_("不是"), "lifted": N_("脱贫户"), "registered": N_("建档立卡贫困户")}
LABOR_LABELS = {"full": N_("有劳动能力"), "partial": N_("部分劳动能力"), "none": N_("无劳动能力")}
SCHOOL_LABELS = {"preschool": N_("幼儿园"), "primary": N_("小学"), "junior": N_("初中"), "senior": N_("高中"),
                 "vocational": N_("中职"), "college": N_("大学"), "postgraduate": N_("研究生")}
# Household amounts (元/年) in the order a caseworker checks them.
AMOUNTS = (("annual_income", N_("家庭年收入")), ("exempt_income", N_("不计入收入的部分")),
           ("employment_costs", N_("就业成本")), ("rigid_expenses", N_("刚性支出")))
EVENTS = (("income_drop", N_("收入骤减")), ("expense_surge", N_("支出骤增")), ("emergency", N_("突发急难")),
          ("unsafe_housing", N_("住房不安全")), ("relocated", N_("易地搬迁户")))


def record_rows(record: Any, _: Callable[[str], str], place_name: Callable[[str], str]) -> list[tuple[str, str]]:
    """(label, answer) lines of a screening record; [] when the ticket has none. ``_`` translates,
    ``place_name`` names a region code."""
    if not isinstance(record, Mapping) or not record:
        return []
    request = record.get("request")
    verdicts = record.get("verdicts")
    if not isinstance(request, Mapping):
        # Not the dialog's record (an API client's free-form object): shown as given, key by key.
        return [(str(k), _plain(v, _)) for k, v in record.items()]
    rows: list[tuple[str, str]] = []
    if request.get("region"):
        residence = _(RESIDENCE_LABELS.get(str(request.get("residence")), "")) if request.get("residence") else ""
        rows.append((_("地区"), " ".join(p for p in (place_name(str(request["region"])), residence) if p)))
    household = request.get("household")
    household = household if isinstance(household, Mapping) else {}
    if "size" in household:
        rows.append((_("家庭人口"), _("{n} 人").format(n=household["size"])))
    for key, label in AMOUNTS:
        if household.get(key):
            rows.append((_(label), _("{amount} 元/年").format(amount=_number(household[key]))))
    status = household.get("poverty_status")
    if status and status != "none":
        rows.append((_("脱贫或建档立卡"), _(POVERTY_LABELS.get(str(status), str(status)))))
    events = [_(label) for key, label in EVENTS if household.get(key)]
    if events:
        rows.append((_("家里的情况"), "、".join(events)))
    members = request.get("members")
    if isinstance(members, list) and members:
        rows.append((_("家庭成员"), "；".join(_member(m, _) for m in members if isinstance(m, Mapping))))
    if request.get("supporters") is False:
        rows.append((_("有赡养、抚养人"), _("没有")))
    if isinstance(verdicts, Mapping):
        for program, verdict in verdicts.items():
            name = PROGRAM_NAMES.get(str(program), str(program))
            rows.append((_(name), _(VERDICT_LABELS.get(str(verdict), str(verdict)))))
    return rows


def _member(member: Mapping[str, Any], _: Callable[[str], str]) -> str:
    parts = [_(LABOR_LABELS.get(str(member.get("labor", "full")), str(member.get("labor"))))]
    if member.get("school"):
        parts.append(_(SCHOOL_LABELS.get(str(member["school"]), str(member["school"]))))
    if member.get("disability_grade"):
        parts.append(_("残疾 {grade} 级").format(grade=member["disability_grade"]))
    if member.get("serious_illness"):
        parts.append(_("重病"))
    if member.get("orphan"):
        parts.append(_("孤儿或事实无人抚养"))
    return "，".join(parts)


def _number(value: Any) -> str:
    """6000.0 → 6000, 2500.5 → 2500.5 (the dialog stores amounts as floats)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _plain(value: Any, _: Callable[[str], str]) -> str:
    if value is True:
        return _("是")
    if value is False:
        return _("否")
    return str(value)
