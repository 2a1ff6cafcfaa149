"""The ticket's vocabulary: kinds, statuses, categories, events, the workflows and who may move them.

One home for every layer: the dialogs, the services, the console, the staff API and the Telegram
staff groups all read these from here. It imports nothing from handlers/ or bot.services.

Labels are Chinese gettext message ids, marked with ``N_`` where they are defined (no locale is
known at import) and translated where they are shown. ``status_label`` and ``category_label`` give
a label in the active locale (inside ``i18n.context()``); ``status_text``, ``category_text`` and
``event_text`` give the Chinese source itself, for the staff surfaces that are Chinese only.

Workflows (the roles that may move a ticket *into* each status are ``TRANSITION_ROLES``):

    help:        pending → accepted → in_progress → resolved         any staff in scope
                 pending | transferred | accepted → rejected (reason)  any staff in scope
                 pending | transferred | accepted | in_progress → transferred (to a township
                 or back to the county queue; supervisors triage the county queue this way)
    monitoring:  applied → village_review → township_review           caseworker, supervisor, admin
                 applied | village_review | township_review: transferred to another township,
                 keeping its status (a transfer event, not a status)
                 township_review → county_review → included           supervisor, admin
                 applied … county_review → excluded (reason)          supervisor, admin

A caseworker transfers within their county; a supervisor within theirs; an admin anywhere.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_datetime

from bot.domain.i18n import gettext as _

CHINA = ZoneInfo("Asia/Shanghai")


def N_(message: str) -> str:
    """Marks a string for extraction; it is translated where it is shown."""
    return message


# -- kinds ------------------------------------------------------------------------------------------

HELP, MONITORING = "help", "monitoring"
KIND_LABELS = {HELP: N_("求助"), MONITORING: N_("监测申请")}
INITIAL_STATUS = {HELP: "pending", MONITORING: "applied"}

# -- statuses (in the order they are offered: the console's filter and buttons, the API's enum) -----

STATUS_LABELS = {
    "pending": N_("待受理"),
    "accepted": N_("已受理"),
    "in_progress": N_("办理中"),
    "resolved": N_("已办结"),
    "rejected": N_("不予受理"),
    "transferred": N_("已转办"),
    "applied": N_("已申请"),
    "village_review": N_("村级评议"),
    "township_review": N_("乡镇初审"),
    "county_review": N_("县级审定"),
    "included": N_("纳入监测"),
    "excluded": N_("不予纳入"),
}
CLOSED = frozenset({"resolved", "rejected", "included", "excluded"})
OPEN = frozenset(STATUS_LABELS) - CLOSED
NEEDS_REASON = frozenset({"rejected", "excluded"})

# The monitoring chain ends with the county-level government's decision, and a place names that step
# after itself: 同仁市, a county-level city, writes 村级评议、乡镇初审、市级审定 (seed 002, 二(五)2); a
# county writes 县级审定, a district 区级审定. Keyed by the last character of the county-level name.
COUNTY_REVIEW_LABELS = {"市": N_("市级审定"), "区": N_("区级审定")}
STATUS_BY_LABEL = {**{label: status for status, label in STATUS_LABELS.items()},
                   **{label: "county_review" for label in COUNTY_REVIEW_LABELS.values()}}


def status_text(status: str, county: str = "") -> str:
    """A status's Chinese label as ``county`` (the ticket's county-level place, by name) calls it."""
    if status == "county_review" and county[-1:] in COUNTY_REVIEW_LABELS:
        return COUNTY_REVIEW_LABELS[county[-1:]]
    return STATUS_LABELS.get(status, status)


def status_label(status: str, county: str = "") -> str:
    """The same label in the active locale."""
    return _(status_text(status, county))


def parse_status(value: str) -> str | None:
    """A status value or any of its Chinese labels (已受理 → accepted, 市级审定 → county_review)."""
    value = value.strip()
    return value if value in STATUS_LABELS else STATUS_BY_LABEL.get(value)


# -- the workflows, and who may make each move --------------------------------------------------------

CASEWORKER, SUPERVISOR, ADMIN = "caseworker", "supervisor", "admin"
# A village cadre (驻村干部, 村两委, 社会救助协理员) files for residents who cannot file themselves
# (同仁市 seed 002 二（五）2: 失能失智等无法提出申请的，由村委会帮助其提出纳入申请; 二（六）2: 走访、发现困难
# 群众列为驻村工作队、村（社区）组织和基层工作人员的重要内容). They answer, move or assign nothing.
CADRE = "cadre"
STAFF_ROLES = (CASEWORKER, SUPERVISOR, ADMIN, CADRE)
# Who works a queue: answers residents and moves tickets (any of these, within scope).
ANY_STAFF = frozenset({CASEWORKER, SUPERVISOR, ADMIN})
COUNTY_STAFF = frozenset({SUPERVISOR, ADMIN})
# Who files a request on a resident's behalf, and sees only what they filed.
FILING_ROLES = frozenset({CADRE})
# Who reads a county's 督查 figures (GET /api/v1/stats): its supervisors, and admins.
STATS_ROLES = COUNTY_STAFF
# Who enrols households in check-ins and removes them (within their township or county).
ENROLLING_ROLES = ANY_STAFF

# kind -> status -> the statuses it may move to
TRANSITIONS: dict[str, dict[str, frozenset[str]]] = {
    HELP: {
        "pending": frozenset({"accepted", "rejected", "transferred"}),
        "transferred": frozenset({"accepted", "rejected", "transferred"}),
        "accepted": frozenset({"in_progress", "resolved", "rejected", "transferred"}),
        "in_progress": frozenset({"resolved", "transferred"}),
    },
    MONITORING: {
        "applied": frozenset({"village_review", "excluded"}),
        "village_review": frozenset({"township_review", "excluded"}),
        "township_review": frozenset({"county_review", "excluded"}),
        "county_review": frozenset({"included", "excluded"}),
    },
}
# status -> the roles that may move a ticket into it
TRANSITION_ROLES: dict[str, frozenset[str]] = {
    "accepted": ANY_STAFF,
    "in_progress": ANY_STAFF,
    "resolved": ANY_STAFF,
    "rejected": ANY_STAFF,
    "transferred": ANY_STAFF,
    "village_review": ANY_STAFF,
    "township_review": ANY_STAFF,
    "county_review": COUNTY_STAFF,
    "included": COUNTY_STAFF,
    "excluded": COUNTY_STAFF,
}


# A 监测 application filed in the wrong township moves to the right one before the county's review,
# keeping its place in the chain (its status does not change); a help request becomes 已转办.
MONITORING_TRANSFERABLE = frozenset({"applied", "village_review", "township_review"})


def transferable(kind: str, status: str) -> bool:
    if kind == MONITORING:
        return status in MONITORING_TRANSFERABLE
    return "transferred" in next_statuses(kind, status)


def next_statuses(kind: str, status: str) -> frozenset[str]:
    """Where a ticket of ``kind`` in ``status`` may move; nothing once it is closed."""
    return TRANSITIONS.get(kind, {}).get(status, frozenset())


# -- categories (in the order residents are offered them) --------------------------------------------

OTHER = N_("其他")
CATEGORIES = {
    HELP: [("living", N_("生活困难")), ("medical", N_("看病就医")), ("housing", N_("住房安全")),
           ("education", N_("孩子上学")), ("employment", N_("找工作")),
           ("emergency", N_("突发急难（火灾、重病、房屋倒塌等）")), ("other", OTHER)],
    MONITORING: [("income_drop", N_("收入大幅减少")), ("expense_surge", N_("看病、上学等支出大增")),
                 ("disaster", N_("灾害或意外事故")), ("other", OTHER)],
}


def category_text(kind: str, key: str) -> str:
    return dict(CATEGORIES.get(kind, [])).get(key, OTHER)


def category_label(kind: str, key: str) -> str:
    return _(category_text(kind, key))


# -- events in a ticket's history ----------------------------------------------------------------------

EVENT_LABELS = {
    "filed": N_("提交"),
    "reply": N_("回复居民"),
    "resident_reply": N_("居民回复"),
    "note": N_("内部备注"),
    "assigned": N_("指派"),
    "status": N_("状态变更"),
    "transferred": N_("转办"),
    "reopened": N_("重新办理"),
    "escalated": N_("超时上报"),
    "aid_escalated": N_("急难超时上报"),
    "followup": N_("回访"),
    "delivery_failed": N_("未能送达居民"),
    "filed_for": N_("代为提交"),
    "followup_answer": N_("回访答复"),
    "checkin_answer": N_("定期问候答复"),
    "purged": N_("个人信息已删除"),
    "contact_revealed": N_("查看完整联系方式"),
}
TRANSFERRED_TO = N_("转办至{place}")


def event_text(event_type: str, place: str = "") -> str:
    """An event's Chinese label; a transfer says where it went when ``place`` names it."""
    if event_type == "transferred" and place:
        return TRANSFERRED_TO.format(place=place)
    return EVENT_LABELS.get(event_type, event_type)


# -- channels and deadlines, as staff read them on a ticket --------------------------------------------

CHANNEL_LABELS = {"sms": N_("短信"), "telegram": "Telegram", "wechat": N_("微信"), "wecom": N_("企业微信"),
                  "cli": N_("终端"), "web": N_("网页")}
DEADLINE_LABELS = {"first_answer": N_("首次答复期限"), "urgent_aid": N_("急难救助期限")}
# Why a message did not reach the resident (the outbox's reasons), in a delivery_failed event.
DELIVERY_FAILURE_LABELS = {
    "blocked": N_("居民已屏蔽机器人或注销了账号"),
    "chat_not_found": N_("找不到居民的对话（账号可能已注销）"),
    "refused": N_("对方拒收"),
    "gave_up": N_("多次重试仍未送达"),
    "window_closed": N_("居民超过48小时没有给公众号发消息，微信不再允许客服消息（居民留了手机号的，请发短信或打电话）"),
    "unsubscribed": N_("居民已取消关注公众号"),
    "not_delivered": N_("短信平台回执：未送达手机"),
}


def format_time(moment: datetime, locale: str, now: datetime | None = None) -> str:
    """A ticket's time as people read it: China time, 11月23日 14:05 (Nov 23 14:05 in English); with the
    year (2025年11月23日 14:05, Nov 23, 2025 14:05) when it is not this year in China."""
    babel_locale = "en" if locale.startswith("en") else "zh_Hans_CN"
    local = moment.astimezone(CHINA)
    this_year = (now or datetime.now(CHINA)).astimezone(CHINA).year
    if babel_locale == "en":
        pattern = "MMM d HH:mm" if local.year == this_year else "MMM d, y HH:mm"
    else:
        pattern = "M月d日 HH:mm" if local.year == this_year else "y年M月d日 HH:mm"
    return format_datetime(local, pattern, locale=babel_locale)


# How long is left before a deadline, or how long it is past, as a caseworker reads it at a glance.
LEFT = {"minutes": N_("还剩 {n} 分钟"), "hours": N_("还剩 {n} 小时"), "days": N_("还剩 {n} 天")}
LATE = {"minutes": N_("已超时 {n} 分钟"), "hours": N_("已超时 {n} 小时"), "days": N_("已超时 {n} 天")}


def time_left(deadline: datetime, now: datetime) -> tuple[str, int, bool]:
    """(message id, n, past) for a deadline seen at ``now``: 还剩 3 小时, 已超时 2 小时, 还剩 2 天.

    Under an hour counts minutes, under two days hours, beyond that days (each rounded down)."""
    seconds = (deadline - now).total_seconds()
    past = seconds <= 0
    seconds = abs(seconds)
    if seconds < 3600:
        unit, n = "minutes", max(int(seconds // 60), 1)
    elif seconds < 48 * 3600:
        unit, n = "hours", int(seconds // 3600)
    else:
        unit, n = "days", int(seconds // 86400)
    return (LATE if past else LEFT)[unit], n, past
