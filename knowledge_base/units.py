"""How a parameter's value reads to a resident, by the unit code in its ``metadata.unit``."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

Value = int | float | str | bool | date

# Unit code → the words before and after the number; a count's suffix is its counter (人, 户, 种 …).
UNIT_PATTERNS: dict[str, tuple[str, str]] = {
    "yuan": ("", "元"),
    "yuan_per_person_year": ("每人每年", "元"),
    "yuan_per_person_month": ("每人每月", "元"),
    "yuan_per_student_year": ("每生每年", "元"),
    "yuan_per_household": ("每户", "元"),
    "yuan_per_person": ("每人", "元"),
    "yuan_per_capita": ("人均", "元"),
    "percent": ("", "%"),
    "times": ("", "倍"),
    "hours": ("", "小时"),
    "days": ("", "天"),
    "months": ("", "个月"),
    "years": ("", "年"),
    "age": ("", "周岁"),
    "age_sui": ("", "岁"),  # as a notice prints it (70岁以上)
    "count": ("", ""),
    "phone": ("", ""),
    "date": ("", ""),
}

# Formats a template may ask for with ``{path|format}``.
FORMATS = ("plain", "chinese", "words", "previous", "month", "month_of_year", "month_end", "year", "since")

# One to ten as a notice words them.
_NUMERALS = "一二三四五六七八九十"

MONEY_UNITS = frozenset(u for u in UNIT_PATTERNS if u.startswith("yuan"))


def plain_number(value: int | float) -> str:
    """3876 → "3876", 1.30 → "1.3": no trailing zeros, no thousands separators."""
    return format(Decimal(str(value)).normalize(), "f")


def wan_number(value: int | float, count: bool = False) -> str | None:
    """Large round amounts the way notices print them (39000 → "3.9万", 3亿; a count of 8800 places
    → "0.88万"); None for other amounts."""
    if value >= 100_000_000 and value % 1_000_000 == 0:
        return plain_number(value / 100_000_000) + "亿"
    if (value >= 10_000 or (count and value >= 1_000)) and value % 100 == 0:
        return plain_number(value / 10_000) + "万"
    return None


def format_date(value: date, style: str | None = None) -> str:
    if style == "year":
        return f"{value.year}年"
    if style == "month":
        return f"{value.year}年{value.month}月"
    if style == "month_of_year":  # the end of a period within one year: 2020年3月至6月
        return f"{value.month}月"
    if style == "month_end":
        return f"{value.year}年{value.month}月底"
    return f"{value.year}年{value.month}月{value.day}日"


def format_value(value: Value, unit: str, counter: str | None = None, style: str | None = None) -> str:
    """The value with its unit in plain Chinese ("每人每年3876元", "1.3倍", "2018年5月31日")."""
    if isinstance(value, date):
        return format_date(value, style)
    if isinstance(value, bool | str):
        return str(value)
    if style == "plain":
        return plain_number(value)
    before, after = UNIT_PATTERNS[unit]
    after = counter or "" if unit == "count" else after
    if style == "chinese" and isinstance(value, int) and 0 < value <= 10:
        # A small number the notice prints in words ("母婴安全"五项制度, 至少一人, 两次).
        return before + ("两" if value == 2 and after else _NUMERALS[value - 1]) + after
    if style == "words" and value % 10_000 == 0 and 0 < value <= 100_000:
        # A whole number of 万 the notice prints in words (累计不超过三万元): said both ways.
        words = _NUMERALS[int(value) // 10_000 - 1] + "万"
        return f"{before}{plain_number(value)}{after}（{wan_number(value)}{after}，{words}{after}）"
    wan = wan_number(value, count=unit == "count") if unit in MONEY_UNITS or unit == "count" else None
    if wan and wan.endswith("亿"):
        return f"{before}{wan}{after}"
    # Both spellings, so that a resident who reads "3.9万" and one who reads "39000" both find it.
    return f"{before}{plain_number(value)}{after}" + (f"（{wan}{after}）" if wan else "")
