"""自查: a short questionnaire, one plain question at a time, then which programs may fit and why.

Only questions that can change a verdict in the resident's place are asked (no school details
without a pupil, no income deductions where the place published none). Answers live in the
conversation state only, which expires; they reach a ticket only if the resident files one from
the summary, and then they ride on it so that staff need not ask again.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from bot.domain.messages import Option, Reply
from bot.domain.tickets import HELP, MONITORING
from bot.i18n import gettext as _
from handlers import requests
from handlers.context import Context
from handlers.engine import CHOICE, REASK, DialogEngine
from handlers.region import place_label
from knowledge_base.screening import Household, Screening
from knowledge_base.text import fold

FLOW = "screen"


def N_(message: str) -> str:
    """Marks a string for extraction; it is translated where it is shown."""
    return message


SHORT_NAMES = {
    "dibao": N_("低保"), "tekun": N_("特困供养"), "low_income": N_("低收入家庭认定"),
    "temporary_assistance": N_("临时救助"), "monitoring": N_("防返贫监测"),
    "disability_living_allowance": N_("残疾人生活补贴"), "disability_care_subsidy": N_("重度残疾人护理补贴"),
    "education_aid": N_("教育资助"), "housing_renovation": N_("危房改造"), "medical_assistance": N_("医疗救助"),
}
SCHOOLS = [("preschool", N_("幼儿园")), ("primary", N_("小学")), ("junior", N_("初中")), ("senior", N_("高中")),
           ("vocational", N_("中职")), ("college", N_("大学")), ("postgraduate", N_("研究生"))]
SHOCKS = [("income_drop", N_("收入大幅减少")), ("expense_surge", N_("看病、上学等花费大增")),
          ("emergency", N_("突发事故、灾害或急病"))]
_DIGITS = {"零": 0, "一": 1, "两": 2, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}


# -- reading answers --------------------------------------------------------------------------------

def parse_amount(text: str) -> float | None:
    """Yuan from what a resident types: 12000, 1.2万, 8千, 12,000元, 没有; None if it is not an amount."""
    t = fold(text)
    if t in {"没有", "无", "没", "不知道", "none"}:
        return 0.0
    t = re.sub(r"[,，\s]|元|块|钱|左右|大约|大概|约|差不多|一年|每年|年", "", t)
    match = re.fullmatch(r"(\d+(?:\.\d+)?)(万|w|千|k)?", t)
    if not match:
        return None
    value = float(match.group(1)) * {"万": 10_000, "w": 10_000, "千": 1_000, "k": 1_000}.get(match.group(2) or "", 1)
    return value if value <= 1e9 else None


def parse_count(text: str) -> int | None:
    t = fold(text).rstrip("人口个岁周").strip()
    if t.isdigit():
        return int(t)
    return _DIGITS.get(t)


def picked(text: str, options: list[tuple[str, str]]) -> str | None:
    """The key of the option a button or a typed label chose."""
    if text.startswith(CHOICE):
        key = text[1:].split(":", 1)[-1]
        return key if key in {k for k, _label in options} else None
    typed = text.strip()
    for key, label in options:
        if typed and (typed == _(label) or (len(typed) >= 2 and typed in _(label))):
            return key
    return None


# -- the questions ------------------------------------------------------------------------------------

def answers(ctx: Context) -> dict[str, Any]:
    return ctx.conv.data.setdefault("a", {})


def details(ctx: Context, a: dict[str, Any]) -> frozenset[str]:
    return ctx.services.screening.details_that_matter(ctx.conv.data["region"], a.get("residence", "rural"),
                                                      ctx.services.today())


def ask(ctx: Context, question: str, options: list[tuple[str, str]]) -> list[Reply]:
    return ctx.reply(question, [Option(f"sq:{key}", _(label)) for key, label in options])


YES_NO = [("yes", N_("有")), ("no", N_("没有"))]


def q_region(ctx: Context) -> list[Reply]:
    return ctx.reply(_("自查能享受哪些救助。先说您在哪个县（市、区）或乡镇？如 正安县、通伏乡。"
                       "随时回复 返回 改上一题，取消 退出"))


def q_residence(ctx: Context) -> list[Reply]:
    place = place_label(ctx, ctx.services.places.get(ctx.conv.data["region"]))
    return ask(ctx, _("自查（{place}）：回复 返回 改上一题，取消 退出。\n您家住在农村还是城镇？").format(place=place),
               [("rural", N_("农村")), ("urban", N_("城镇"))])


def q_size(ctx: Context) -> list[Reply]:
    sizes = [(str(n), _("{n}人").format(n=n)) for n in range(1, 7)]
    return ask(ctx, _("家里一起生活的有几口人？回复数字，如 3"), sizes)


def q_income(ctx: Context) -> list[Reply]:
    return ask(ctx, _("全家一年总收入大约多少元？打工、种地、养殖、养老金等都算。回复数字，如 12000"),
               [("0", N_("没有收入"))])


def q_exempt(ctx: Context) -> list[Reply]:
    return ask(ctx, _("其中养老金、抚恤金、残疾人补贴等一年大约多少元？"), [("0", N_("没有"))])


def q_employment(ctx: Context) -> list[Reply]:
    return ask(ctx, _("外出打工的路费、工具等必要花费一年大约多少元？"), [("0", N_("没有"))])


def q_rigid(ctx: Context) -> list[Reply]:
    return ask(ctx, _("近一年自己掏钱的看病、上学、租房花费大约多少元？"), [("0", N_("没有"))])


def q_poverty(ctx: Context) -> list[Reply]:
    return ask(ctx, _("家里是建档立卡贫困户吗？"),
               [("none", N_("不是")), ("lifted", N_("已脱贫户")), ("registered", N_("未脱贫的建档立卡户"))])


def q_labor(ctx: Context) -> list[Reply]:
    return ask(ctx, _("家里有人能正常干活挣钱吗？"),
               [("full", N_("有")), ("partial", N_("只能干轻活")), ("none", N_("都不能干活（年老、重病、残疾）"))])


def q_supporters(ctx: Context) -> list[Reply]:
    return ask(ctx, _("有没有子女或其他亲属，有义务也有能力供养你们？"), YES_NO)


def q_disability(ctx: Context) -> list[Reply]:
    # The grade is the option's number, so that typing 2 means 二级.
    return ask(ctx, _("家里有人有残疾证吗？是几级？"),
               [("1", N_("一级")), ("2", N_("二级")), ("3", N_("三级")), ("4", N_("四级")), ("0", N_("没有"))])


def q_illness(ctx: Context) -> list[Reply]:
    return ask(ctx, _("家里有人得了重病，或要长期治疗的慢性病吗？"), YES_NO)


def q_school(ctx: Context) -> list[Reply]:
    if answers(ctx).get("students"):
        return ask(ctx, _("还有别人在上学吗？"), [("none", N_("没有了")), *SCHOOLS])
    return ask(ctx, _("家里有人在上学吗？在上什么学？（几个人上学就一个个选）"), [("none", N_("没有")), *SCHOOLS])


def q_boarding(ctx: Context) -> list[Reply]:
    return ask(ctx, _("上小学或初中的孩子住校吗？"), [("yes", N_("住校")), ("no", N_("不住校"))])


def q_child_age(ctx: Context) -> list[Reply]:
    return ctx.reply(_("上幼儿园的孩子今年几周岁？回复数字，如 4"))


def q_orphan(ctx: Context) -> list[Reply]:
    return ask(ctx, _("上学的孩子是孤儿，或父母都无力抚养吗？"), [("yes", N_("是")), ("no", N_("不是"))])


def q_shocks(ctx: Context) -> list[Reply]:
    taken = answers(ctx).get("shocks", [])
    rest = [(k, label) for k, label in SHOCKS if k not in taken]
    if taken:
        return ask(ctx, _("还有别的吗？"), [("none", N_("没有了")), *rest])
    return ask(ctx, _("最近一年家里遇到过下面的情况吗？（有几项就一项项选）"), [("none", N_("都没有")), *rest])


def q_housing(ctx: Context) -> list[Reply]:
    return ask(ctx, _("住的房子安全吗？"), [("safe", N_("安全")), ("unsafe", N_("有危险（墙裂、漏雨、可能倒塌）"))])


def q_relocated(ctx: Context) -> list[Reply]:
    return ask(ctx, _("是易地扶贫搬迁户吗？"), [("yes", N_("是")), ("no", N_("不是"))])


def _has_student(a: dict[str, Any], *levels: str) -> bool:
    return any(s in levels for s in a.get("students", []))


# Each step: its question, whether it is asked for these answers, and how an answer is read.
# ``read`` returns None when it could not read the answer (the question is asked again).
Applies = Callable[[Context, dict[str, Any]], bool]
STEPS: list[tuple[str, Callable[[Context], list[Reply]], Applies]] = [
    ("residence", q_residence, lambda ctx, a: True),
    ("size", q_size, lambda ctx, a: True),
    ("income", q_income, lambda ctx, a: True),
    ("exempt", q_exempt, lambda ctx, a: a["income"] > 0 and "exempt_income" in details(ctx, a)),
    ("employment", q_employment, lambda ctx, a: a["income"] > 0 and "employment_costs" in details(ctx, a)),
    ("rigid", q_rigid, lambda ctx, a: "rigid_expenses" in details(ctx, a)),
    ("poverty", q_poverty, lambda ctx, a: True),
    ("labor", q_labor, lambda ctx, a: True),
    ("supporters", q_supporters, lambda ctx, a: a["labor"] != "full"),
    ("disability", q_disability, lambda ctx, a: True),
    ("illness", q_illness, lambda ctx, a: True),
    ("school", q_school, lambda ctx, a: True),
    ("boarding", q_boarding, lambda ctx, a: _has_student(a, "primary", "junior") and "boarding" in details(ctx, a)),
    ("child_age", q_child_age, lambda ctx, a: _has_student(a, "preschool") and "child_age" in details(ctx, a)),
    ("orphan", q_orphan, lambda ctx, a: bool(a.get("students")) and not a.get("supporters", True)
     and "orphan" in details(ctx, a)),
    ("shocks", q_shocks, lambda ctx, a: True),
    ("housing", q_housing, lambda ctx, a: a["residence"] == "rural"),
    ("relocated", q_relocated, lambda ctx, a: "relocated" in details(ctx, a)),
]
QUESTIONS = {name: question for name, question, _applies in STEPS}


def advance(ctx: Context, after: str | None, new: dict[str, Any] | None = None) -> list[Reply]:
    """Moves to the next question this household needs after ``after`` (the first one if None); else the summary.

    ``new`` (the answers including the one just given) replaces the old answers only after ``goto`` has
    remembered them, so that 返回 brings back the answers as they were before this question.
    """
    a = new if new is not None else answers(ctx)
    names = [name for name, _q, _applies in STEPS]
    start = names.index(after) + 1 if after in names else 0
    following = next((name for name, _q, applies in STEPS[start:] if applies(ctx, a)), "summary")
    ctx.conv.goto(following)
    ctx.conv.data["a"] = a
    return summary(ctx) if following == "summary" else QUESTIONS[following](ctx)


AMOUNT_STEPS = ("income", "exempt", "employment", "rigid")


def _amount(text: str) -> float | None:
    if text == CHOICE + "sq:0":
        return 0.0
    return None if text.startswith(CHOICE) else parse_amount(text)


async def answer_step(ctx: Context, text: str) -> list[Reply]:
    """Every question's step: read the answer, remember it, go on; or ask again."""
    step = ctx.conv.step or ""
    question = QUESTIONS[step]
    if text == REASK:
        return question(ctx)
    a = answers(ctx)
    value = _read(step, text, a)
    if value is None:
        again = question(ctx)[0]
        return ctx.reply(_("没看懂这个回答。") + "\n" + again.text, again.options)
    if step in ("school", "shocks"):
        key = "students" if step == "school" else "shocks"
        if value != "none":
            new = {**a, key: [*a.get(key, []), value]}
            if step == "school" or len(new["shocks"]) < len(SHOCKS):
                ctx.conv.goto(step)
                ctx.conv.data["a"] = new
                return QUESTIONS[step](ctx)
            return advance(ctx, step, new)
        return advance(ctx, step, {**a, key: a.get(key, [])})
    return advance(ctx, step, {**a, step: value})


def _read(step: str, text: str, a: dict[str, Any]) -> Any:
    if step == "residence":
        said = {"城市": "urban", "县城": "urban", "城里": "urban", "村里": "rural", "乡下": "rural"}.get(text.strip())
        return picked(text, [("rural", N_("农村")), ("urban", N_("城镇"))]) or said
    if step == "size":
        size = int(text.rsplit(":", 1)[-1]) if text.startswith(CHOICE) else parse_count(text)
        return size if size is not None and 1 <= size <= 50 else None
    if step in AMOUNT_STEPS:
        value = _amount(text)
        if value is not None and step == "exempt" and value > a["income"]:
            return None
        return value
    if step == "child_age":
        age = parse_count(text)
        return age if age is not None and age <= 10 else None
    choices: dict[str, list[tuple[str, str]]] = {
        "poverty": [("none", N_("不是")), ("lifted", N_("已脱贫户")), ("registered", N_("未脱贫的建档立卡户"))],
        "labor": [("full", N_("有")), ("partial", N_("只能干轻活")), ("none", N_("都不能干活（年老、重病、残疾）"))],
        "supporters": YES_NO, "illness": YES_NO,
        "disability": [("1", N_("一级")), ("2", N_("二级")), ("3", N_("三级")), ("4", N_("四级")), ("0", N_("没有"))],
        "school": [("none", N_("没有")), ("none", N_("没有了")), *SCHOOLS],
        "boarding": [("yes", N_("住校")), ("no", N_("不住校"))],
        "orphan": [("yes", N_("是")), ("no", N_("不是"))], "relocated": [("yes", N_("是")), ("no", N_("不是"))],
        "shocks": [("none", N_("都没有")), ("none", N_("没有了")), *SHOCKS],
        "housing": [("safe", N_("安全")), ("unsafe", N_("有危险（墙裂、漏雨、可能倒塌）"))],
    }
    key = picked(text, choices[step])
    if key is None:
        return None
    if step in ("supporters", "illness"):
        return key == "yes"
    if step in ("boarding", "orphan", "relocated"):
        return key == "yes"
    if step == "disability":
        return int(key)
    return key


# -- from answers to the API's request, and the summary ------------------------------------------------

def request_of(region_code: str, a: dict[str, Any]) -> dict[str, Any]:
    """The answers in the shape of ``POST /api/v1/screen`` (region as its code)."""
    size = int(a["size"])
    shocks = set(a.get("shocks", []))
    household = {
        "size": size, "annual_income": a["income"], "exempt_income": a.get("exempt", 0),
        "employment_costs": a.get("employment", 0), "rigid_expenses": a.get("rigid", 0),
        "poverty_status": a["poverty"], "income_drop": "income_drop" in shocks,
        "expense_surge": "expense_surge" in shocks, "emergency": "emergency" in shocks,
        "unsafe_housing": a.get("housing") == "unsafe", "relocated": bool(a.get("relocated")),
    }
    members: list[dict[str, Any]] = []
    labor = a["labor"]
    for level in a.get("students", [])[:size]:
        member: dict[str, Any] = {"labor": "none" if labor != "full" or level in ("preschool", "primary") else "full",
                                  "school": level, "orphan": bool(a.get("orphan"))}
        if level in ("primary", "junior"):
            member["boarding"] = bool(a.get("boarding"))
        if level == "preschool" and a.get("child_age") is not None:
            member["age"] = a["child_age"]
        members.append(member)
    while len(members) < size:
        members.append({"labor": labor})
    # The person with the certificate or the illness: an adult where there is one.
    adult = next((m for m in members if not m.get("school")), members[0])
    if a.get("disability"):
        adult["disability_grade"] = a["disability"]
    if a.get("illness"):
        adult["serious_illness"] = True
    if labor == "full":
        adult["labor"] = "full"
    return {"region": region_code, "residence": a["residence"], "household": household, "members": members,
            "supporters": a.get("supporters", True)}


def screen_answers(ctx: Context) -> Screening:
    request = request_of(ctx.conv.data["region"], answers(ctx))
    household = Household.from_request(request)
    return ctx.services.screening.screen(household, request["region"], ctx.services.today())


def summary_options(screening: Screening) -> list[Option]:
    options = [Option("sq:file_help", _("提交求助（带上这些回答）"))]
    if screening.by_program()["monitoring"].verdict != "unlikely":
        options.append(Option("sq:file_monitor", _("申请防返贫监测（带上这些回答）")))
    if any(r.verdict == "unlikely" for r in screening.results):
        options.append(Option("sq:others", _("看暂不符合的项目")))
    options.append(Option("sq:redo", _("重新自查")))
    return options


def program_line(result: Any) -> str:
    amount = f"（{result.amount}）" if result.amount else ""
    return f"{_(SHORT_NAMES[result.program])}{amount}：{result.reasons[0]}。{result.next_step}"


def summary(ctx: Context) -> list[Reply]:
    screening = screen_answers(ctx)
    ctx.conv.data["verdicts"] = screening.verdicts()
    likely = [r for r in screening.results if r.verdict == "likely"]
    possible = [r for r in screening.results if r.verdict == "possible"]
    lines = [_("自查结果（{place}）仅供参考，不是审批决定：").format(place=screening.region_name)]
    if likely:
        lines.append(_("【较可能符合】"))
        lines += [program_line(r) for r in likely]
    if possible:
        lines.append(_("【可能符合，需核实】"))
        lines += [program_line(r) for r in possible]
    if not likely and not possible:
        lines.append(_("按您说的情况，暂未发现符合的项目。情况有变可再自查，或提交求助请工作人员看看。"))
    options = summary_options(screening)
    ctx.conv.data["summary_options"] = [o.key for o in options]
    return ctx.reply("\n".join(lines), options)


def others(ctx: Context) -> list[Reply]:
    screening = screen_answers(ctx)
    lines = [_("暂不符合的项目：")]
    lines += [f"{_(SHORT_NAMES[r.program])}：{r.reasons[0]}" for r in screening.results if r.verdict == "unlikely"]
    options = [o for o in summary_options(screening) if o.key != "sq:others"]
    ctx.conv.data["summary_options"] = [o.key for o in options]
    return ctx.reply("\n".join(lines), options)


def screening_record(ctx: Context) -> dict[str, Any]:
    """What a ticket carries: the answers as a screening request and the verdicts they gave."""
    return {"request": request_of(ctx.conv.data["region"], answers(ctx)), "verdicts": ctx.conv.data.get("verdicts", {}),
            "date": ctx.services.today().isoformat()}


async def file_from_summary(ctx: Context, kind: str) -> list[Reply]:
    """Hands over to the request flow (handlers/requests.py) with the answers attached."""
    record = screening_record(ctx)
    region = record["request"]["region"]
    place = ctx.services.places.get(region)
    ctx.conv.finish()
    if place.is_township:
        ctx.conv.start("request", "category", kind=kind, urgent=False, text="", township=region, screening=record)
        return requests.ask_category(ctx)
    ctx.conv.start("request", "township", kind=kind, urgent=False, text="", screening=record)
    if place.level == "county":
        ctx.conv.data["county"] = region
    return requests.ask_township(ctx)


async def summary_step(ctx: Context, text: str) -> list[Reply]:
    if text == REASK:
        return summary(ctx)
    keys = ctx.conv.data.get("summary_options", [])
    key = text[1:] if text.startswith(CHOICE) else None
    if key is None and text.strip().isdigit() and 0 < int(text.strip()) <= len(keys):
        key = keys[int(text.strip()) - 1]
    if key == "sq:file_help":
        return await file_from_summary(ctx, HELP)
    if key == "sq:file_monitor":
        return await file_from_summary(ctx, MONITORING)
    if key == "sq:others":
        return others(ctx)
    if key == "sq:redo":
        return await start(ctx, "")
    return summary(ctx)


# -- entry --------------------------------------------------------------------------------------------

async def start(ctx: Context, _arg: str = "") -> list[Reply]:
    ctx.conv.finish()
    ctx.conv.pages = []
    region = ctx.profile.region_code
    if region and ctx.services.places.is_served(region):
        ctx.conv.start(FLOW, "region", region=region)
        return advance(ctx, None)
    ctx.conv.start(FLOW, "region")
    return q_region(ctx)


async def region_step(ctx: Context, text: str) -> list[Reply]:
    """The place to screen for; kept in this conversation only (the resident's profile is not changed)."""
    if text == REASK:
        ctx.conv.data.pop("region", None)
        return q_region(ctx)
    places = ctx.services.places
    found = [places.get(text.split(":", 1)[1])] if text.startswith(CHOICE + "rg:") else places.find(text)
    if len(found) > 1:
        return ctx.reply(_("有几个地方叫“{name}”，请选择：").format(name=text.strip()[:12]),
                         [Option(f"rg:{p.code}", place_label(ctx, p)) for p in found])
    if not found:
        supported = "、".join(dict.fromkeys(p.name for p in places.counties()))
        return ctx.reply(_("没有找到“{name}”。目前支持：{places}。请再发一次地区名，或回复 取消。").format(
            name=text.strip()[:12], places=supported))
    ctx.conv.data["region"] = found[0].code
    return advance(ctx, None)


def register(engine: DialogEngine) -> None:
    engine.command("screen", "自查", "/screen", "zicha", "自我检查", "我能享受什么")(start)
    engine.choice("screen")(start)
    engine.step(FLOW, "region")(region_step)
    for name in QUESTIONS:
        engine.step(FLOW, name, amount=name in AMOUNT_STEPS)(answer_step)
    engine.step(FLOW, "summary")(summary_step)
