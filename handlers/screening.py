"""自查: a short questionnaire, one plain question at a time, then which programs may fit and why.

Only questions that can change a verdict in the resident's place are asked (no school details
without a pupil, no income deductions where the place published none). Answers live in the
conversation state only, which expires; they reach a ticket only if the resident files one from
the summary, and then they ride on it so that staff need not ask again.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, timedelta
from typing import Any

from bot.domain.messages import Option, Reply
from bot.domain.screening import PROGRAM_NAMES, SCHOOL_LABELS
from bot.domain.tickets import HELP, MONITORING
from bot.i18n import gettext as _
from handlers import requests
from handlers.context import Context
from handlers.engine import CHOICE, REASK, DialogEngine
from handlers.region import place_label
from knowledge_base.screening import Household, Screening
from knowledge_base.text import compact, fold

FLOW = "screen"


def N_(message: str) -> str:
    """Marks a string for extraction; it is translated where it is shown."""
    return message


SHORT_NAMES = PROGRAM_NAMES
SCHOOLS = list(SCHOOL_LABELS.items())
SHOCKS = [("income_drop", N_("收入大幅减少")), ("expense_surge", N_("看病、上学等花费大增")),
          ("emergency", N_("突发事故、灾害或急病"))]
# What residents write for "none": 没得 and 冇 are 没有 in south-western and Cantonese speech.
NONE_WORDS = {"没有", "无", "没", "没得", "没的", "冇", "木有", "没有收入", "没收入", "都没有", "不知道", "none", "no",
              "0"}
_AMOUNT_NOISE = re.compile(r"[,，\s]|元|块|钱|左右|上下|大约|大概|约|差不多|估计|全家|一共|总共|收入|一年|每年|年|来|多"
                           r"|有")
_CN_NUMBER = "零〇一二两三四五六七八九十百千万"


def _number(text: str) -> float | None:
    """A number written in digits, Chinese numerals or both (1.2万, 一千五, 1万5, 两万) via cn2an."""
    if not text or not re.fullmatch(rf"[\d.{_CN_NUMBER}wk]+", text):
        return None
    text = text.replace("w", "万").replace("k", "千")
    # Imported on first use: building its tables is ~90 ms of every start, and most chats never give an amount.
    import cn2an

    try:
        value = float(cn2an.cn2an(text, "smart"))
    except ValueError:
        return None
    return value if 0 <= value <= 1e9 else None


def parse_amount(text: str) -> float | None:
    """Yuan from what a resident types: 12000, 1.2万, 8千, 一千五, 五千来块, 12,000元, 没得; None if it is no amount."""
    t = fold(text)
    if t.rstrip("。.!！") in NONE_WORDS:
        return 0.0
    return _number(_AMOUNT_NOISE.sub("", t))


def parse_count(text: str) -> int | None:
    """A count or an age: 3, 三, 十二, 3口人, 4岁."""
    t = re.sub(r"[\s。.]|口人|个人|人口|口|人|个|周岁|岁|了|家里|我家|一共|共", "", fold(text))
    value = _number(t)
    return int(value) if value is not None and value == int(value) else None


# Several answers in one message: "3口人 一年1万5", "我68了 老伴70 都干不动".
_SIZE = re.compile(rf"([\d{_CN_NUMBER}]+)\s*(?:口人|口|个人)")
_INCOME = re.compile(rf"(?:一年|每年|年收入|收入|挣)\s*(?:大概|大约|约|有|能有)?\s*([\d.{_CN_NUMBER}wk]+)\s*(?:元|块)?")
_RESIDENCE = re.compile(r"农村|村里|乡下|城镇|城里|县城|城市|(?<=[^\s])村$")
_NO_LABOR = re.compile(r"都干不动|都干不了|都不能干|干不动了|都做不动|没有劳动能力|都没法干活")
_LIGHT_LABOR = re.compile(r"只能干轻活|能干点轻活|干点轻活|做点轻活")


def harvest(text: str) -> dict[str, Any]:
    """The answers a free-text message gives besides the one asked for: household size, income, labour."""
    t = fold(text)
    found: dict[str, Any] = {}
    if (size := _SIZE.search(t)) and (n := parse_count(size.group(1))) and 1 <= n <= 50:
        found["size"] = n
    if (income := _INCOME.search(t)) and (value := parse_amount(income.group(1))) is not None:
        found["income"] = value
    if residence := _RESIDENCE.search(t):
        found["residence"] = "rural" if residence.group(0) in ("农村", "村里", "乡下", "村") else "urban"
    if _NO_LABOR.search(t):
        found["labor"] = "none"
    elif _LIGHT_LABOR.search(t):
        found["labor"] = "partial"
    return found


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
    options = [Option(f"rg:{p.code}", p.name) for p in ctx.services.places.counties()] if ctx.msg.buttons else []
    return ctx.reply(_("自查能享受哪些救助。先说您在哪个县（市、区）或乡镇，住农村还是城镇？如 流渡镇 农村。"
                       "随时回复 返回 改上一题，取消 退出"), options)


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


# Yes/no facts that rarely apply, asked together: one message answers them all ("没有", or "1 3").
CONDITIONS = [("disability", N_("有人有残疾证")), ("illness", N_("有人得了重病或长期慢性病")),
              ("school", N_("有人在上学")), ("shocks", N_("近一年收入大减、花费大增或遭灾")),
              ("housing", N_("住房不安全（墙裂、漏雨）")), ("poverty", N_("是建档立卡户或已脱贫户")),
              ("relocated", N_("是易地扶贫搬迁户"))]


def conditions_offered(ctx: Context, a: dict[str, Any]) -> list[tuple[str, str]]:
    """The conditions that can change a verdict for this household, less those already chosen."""
    taken = set(a.get("conditions", []))
    offered = [(k, label) for k, label in CONDITIONS if k not in taken]
    if a.get("residence") != "rural":
        offered = [(k, label) for k, label in offered if k != "housing"]
    if "relocated" not in details(ctx, a):
        offered = [(k, label) for k, label in offered if k != "relocated"]
    return offered


def q_conditions(ctx: Context) -> list[Reply]:
    a = answers(ctx)
    offered = conditions_offered(ctx, a)
    if a.get("conditions"):
        return ask(ctx, _("还有别的吗？"), [*offered, ("none", N_("没有了"))])
    return ask(ctx, _("下面的情况家里有吗？有几项回复几个数字（如 1 3），都没有回复 没有"),
               [*offered, ("none", N_("都没有"))])


def q_disability(ctx: Context) -> list[Reply]:
    # The grade is the option's number, so that typing 2 means 二级.
    return ask(ctx, _("家里有人有残疾证吗？是几级？"),
               [("1", N_("一级")), ("2", N_("二级")), ("3", N_("三级")), ("4", N_("四级")), ("0", N_("没有"))])


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


def _has(a: dict[str, Any], condition: str) -> bool:
    return condition in a.get("conditions", [])


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
    ("labor", q_labor, lambda ctx, a: True),
    ("supporters", q_supporters, lambda ctx, a: a["labor"] != "full"),
    ("conditions", q_conditions, lambda ctx, a: True),
    ("poverty", q_poverty, lambda ctx, a: _has(a, "poverty")),
    ("disability", q_disability, lambda ctx, a: _has(a, "disability")),
    ("school", q_school, lambda ctx, a: _has(a, "school")),
    ("boarding", q_boarding, lambda ctx, a: _has_student(a, "primary", "junior") and "boarding" in details(ctx, a)),
    ("child_age", q_child_age, lambda ctx, a: _has_student(a, "preschool") and "child_age" in details(ctx, a)),
    ("orphan", q_orphan, lambda ctx, a: bool(a.get("students")) and not a.get("supporters", True)
     and "orphan" in details(ctx, a)),
    ("shocks", q_shocks, lambda ctx, a: _has(a, "shocks")),
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
    # A question answered in an earlier message ("3口人 一年1万5" answers the income too) is not asked again.
    following = next((name for name, _q, applies in STEPS[start:] if name not in a and applies(ctx, a)), "summary")
    ctx.conv.goto(following)
    ctx.conv.data["a"] = a
    return summary(ctx) if following == "summary" else QUESTIONS[following](ctx)


AMOUNT_STEPS = ("income", "exempt", "employment", "rigid")


def _amount(text: str) -> float | None:
    if text == CHOICE + "sq:0":
        return 0.0
    return None if text.startswith(CHOICE) else parse_amount(text)


async def answer_step(ctx: Context, text: str) -> list[Reply]:
    """Every question's step: read the answer (and any other answer the message gives), go on; or ask again."""
    step = ctx.conv.step or ""
    question = QUESTIONS[step]
    if text == REASK:
        return question(ctx)
    a = answers(ctx)
    extra = {} if text.startswith(CHOICE) else harvest(text)
    value = extra.pop(step, None)
    if value is None:
        value = _read(ctx, step, text, a)
    if value is None:
        again = question(ctx)[0]
        hint = _("没看懂这个回答。") if compact(text) != "0" else _("要看菜单请回复 菜单；要退出自查请回复 取消。")
        return ctx.reply(hint + "\n" + again.text, again.options)
    later = {k: v for k, v in extra.items() if k not in a}
    if step in ("school", "shocks", "conditions"):
        key = {"school": "students", "shocks": "shocks", "conditions": "conditions"}[step]
        chosen = [c for c in (value if isinstance(value, list) else [value]) if c != "none"]
        new = {**a, **later, key: [*a.get(key, []), *chosen]}
        # One pupil at a time; a pressed button is one of maybe several: ask for more. A typed list is all.
        more = bool(chosen) and (step == "school" or (step == "shocks" and len(new["shocks"]) < len(SHOCKS))
                                 or (step == "conditions" and ctx.msg.choice is not None
                                     and bool(conditions_offered(ctx, new))))
        if more:
            ctx.conv.goto(step)
            ctx.conv.data["a"] = new
            return QUESTIONS[step](ctx)
        return advance(ctx, step, new)
    return advance(ctx, step, {**a, **later, step: value})


def _read(ctx: Context, step: str, text: str, a: dict[str, Any]) -> Any:
    if step == "conditions":
        return _read_conditions(ctx, text, a)
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
        "supporters": YES_NO,
        "disability": [("1", N_("一级")), ("2", N_("二级")), ("3", N_("三级")), ("4", N_("四级")), ("0", N_("没有"))],
        "school": [("none", N_("没有")), ("none", N_("没有了")), *SCHOOLS],
        "boarding": [("yes", N_("住校")), ("no", N_("不住校"))],
        "orphan": [("yes", N_("是")), ("no", N_("不是"))],
        "shocks": [("none", N_("都没有")), ("none", N_("没有了")), *SHOCKS],
    }
    key = picked(text, choices[step])
    if key is None and (compact(text) == "0" or fold(text) in NONE_WORDS):
        # "0" or 没得 at a question with a "none" answer means that answer.
        key = next((k for k, label in choices[step] if label in (N_("没有"), N_("都没有"), N_("不是"))), None)
    if key is None:
        return None
    if step == "supporters":
        return key == "yes"
    if step in ("boarding", "orphan"):
        return key == "yes"
    if step == "disability":
        return int(key)
    return key


def _read_conditions(ctx: Context, text: str, a: dict[str, Any]) -> list[str] | None:
    """The conditions chosen: a button, one or several numbers ("1 3", "13"), labels, or none."""
    offered = conditions_offered(ctx, a)
    keys = [k for k, _label in offered] + ["none"]
    if text.startswith(CHOICE):
        key = text[1:].split(":", 1)[-1]
        return [key] if key in keys else None
    if fold(text).rstrip("。.!！") in NONE_WORDS | {"没有了", "都没", "没啥", "不是", "都不是"}:
        return ["none"]
    numbers = re.findall(r"\d", text) if re.fullmatch(r"[\d\s,，、和]+", text.strip()) else []
    if numbers:
        if any(not 1 <= int(n) <= len(keys) for n in numbers):
            return None
        return list(dict.fromkeys(keys[int(n) - 1] for n in numbers))
    label_key = picked(text, [*offered, ("none", N_("都没有")), ("none", N_("没有了"))])
    return [label_key] if label_key else None


# -- from answers to the API's request, and the summary ------------------------------------------------

def request_of(region_code: str, a: dict[str, Any]) -> dict[str, Any]:
    """The answers in the shape of ``POST /api/v1/screen`` (region as its code)."""
    size = int(a["size"])
    shocks = set(a.get("shocks", []))
    household = {
        "size": size, "annual_income": a["income"], "exempt_income": a.get("exempt", 0),
        "employment_costs": a.get("employment", 0), "rigid_expenses": a.get("rigid", 0),
        "poverty_status": a.get("poverty", "none"), "income_drop": "income_drop" in shocks,
        "expense_surge": "expense_surge" in shocks, "emergency": "emergency" in shocks,
        "unsafe_housing": _has(a, "housing") or a.get("housing") == "unsafe",
        "relocated": _has(a, "relocated") or bool(a.get("relocated")),
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
    if a.get("illness") or _has(a, "illness"):
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


# Words of a reason that rests on a question only asked when it can matter (whether relatives must support
# the family is asked only when nobody can work): such a reason is not the one shown when it was not asked.
_REASON_NEEDS = {"supporters": ("赡养", "抚养")}


def shown_reason(result: Any, a: dict[str, Any]) -> str:
    """The first reason that rests on what the resident was asked."""
    for reason in result.reasons:
        if not any(step not in a and any(w in reason for w in words) for step, words in _REASON_NEEDS.items()):
            return str(reason)
    return str(result.reasons[0])


def program_line(result: Any, a: dict[str, Any]) -> str:
    amount = f"（{result.amount}）" if result.amount else ""
    return f"{_(SHORT_NAMES[result.program])}{amount}：{shown_reason(result, a)}。{result.next_step}"


def summary(ctx: Context) -> list[Reply]:
    screening = screen_answers(ctx)
    ctx.conv.data["verdicts"] = screening.verdicts()
    likely = [r for r in screening.results if r.verdict == "likely"]
    possible = [r for r in screening.results if r.verdict == "possible"]
    lines = [_("自查结果（{place}）仅供参考，不是审批决定：").format(place=screening.region_name)]
    if likely:
        lines.append(_("【较可能符合】"))
        lines += [program_line(r, answers(ctx)) for r in likely]
    if possible:
        lines.append(_("【可能符合，需核实】"))
        lines += [program_line(r, answers(ctx)) for r in possible]
    if not likely and not possible:
        lines.append(_("按您说的情况，暂未发现符合的项目。情况有变可再自查，或提交求助请工作人员看看。"))
    # Consent to check-ins at 自查 (issue 15): the resident opts in with one word.
    lines.append(_("回复“定期问候”，我们会定期问一问家里的情况。"))
    options = summary_options(screening)
    ctx.conv.data["summary_options"] = [o.key for o in options]
    return ctx.reply("\n".join(lines), options)


def others(ctx: Context) -> list[Reply]:
    screening = screen_answers(ctx)
    lines = [_("暂不符合的项目：")]
    lines += [f"{_(SHORT_NAMES[r.program])}：{shown_reason(r, answers(ctx))}" for r in screening.results
              if r.verdict == "unlikely"]
    # Why not, and what to do if the facts differ (issue 15): each line names the criterion and figure.
    lines.append(_("如实际情况与所填不同，可请乡镇入户核查，或选下面的“提交求助”，工作人员会看到这些回答。"))
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

# What a request filed this long ago said about the household is still what the resident said "earlier".
RECENT_REQUEST = timedelta(minutes=30)


async def said_in_a_request(ctx: Context) -> dict[str, Any]:
    """Answers the resident already gave in a request filed a moment ago ("我家3口人，老伴住院…")."""
    recent = await ctx.services.tickets.for_contact(ctx.msg.channel, ctx.msg.address, limit=1)
    if not recent:
        return {}
    created = recent[0].created_at if recent[0].created_at.tzinfo else recent[0].created_at.replace(tzinfo=UTC)
    return harvest(recent[0].text) if created >= ctx.services.now() - RECENT_REQUEST else {}


async def start(ctx: Context, _arg: str = "") -> list[Reply]:
    ctx.conv.finish()
    ctx.conv.pages = []
    known = await said_in_a_request(ctx)
    region = ctx.profile.region_code
    if region and ctx.services.places.is_served(region):
        ctx.conv.start(FLOW, "region", region=region)
        replies = advance(ctx, None, known)
    else:
        ctx.conv.start(FLOW, "region", a=known)
        replies = q_region(ctx)
    if known.get("size"):
        replies[0].text = _("（按您求助时说的，家里{n}口人）").format(n=known["size"]) + replies[0].text
    return replies


async def region_step(ctx: Context, text: str) -> list[Reply]:
    """The place to screen for; kept in this conversation only (the resident's profile is not changed)."""
    if text == REASK:
        ctx.conv.data.pop("region", None)
        return q_region(ctx)
    places = ctx.services.places
    said = {} if text.startswith(CHOICE) else harvest(text)
    name = _RESIDENCE.sub(" ", fold(text)).strip() if "residence" in said else text
    found = [places.get(text.split(":", 1)[1])] if text.startswith(CHOICE + "rg:") else places.find(name)
    if len(found) > 1:
        return ctx.reply(_("有几个地方叫“{name}”，请选择：").format(name=text.strip()[:12]),
                         [Option(f"rg:{p.code}", place_label(ctx, p)) for p in found])
    if not found:
        supported = "、".join(dict.fromkeys(p.name for p in places.counties()))
        return ctx.reply(_("没有找到“{name}”。目前支持：{places}。请再发一次地区名，或回复 取消。").format(
            name=text.strip()[:12], places=supported))
    ctx.conv.data["region"] = found[0].code
    return advance(ctx, None, {**answers(ctx), **said})


def register(engine: DialogEngine) -> None:
    engine.command("screen", "自查", "/screen", "zicha", "自我检查", "我能享受什么")(start)
    engine.choice("screen")(start)
    engine.step(FLOW, "region", free_text=True)(region_step)
    for name in QUESTIONS:
        # Every question reads a lone "0" itself (zero, or the "none" answer) rather than leaving for the menu.
        engine.step(FLOW, name, amount=True)(answer_step)
    engine.step(FLOW, "summary")(summary_step)
