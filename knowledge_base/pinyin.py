"""Sound of Chinese characters, for matching pinyin input and homophone typos (底保 → 低保).

The table ships as ``data/pinyin.txt`` (one line per toneless syllable, then its characters) so
that loading costs milliseconds; importing pypinyin's own dictionary costs a quarter second.
``python -m knowledge_base.pinyin`` rebuilds the table from pypinyin's dictionary (first reading);
pypinyin is the optional ``build`` extra (``pip install -e '.[build]'``), not a run-time dependency.
"""

from __future__ import annotations

import unicodedata
from functools import cache
from importlib import resources
from pathlib import Path

PACKAGE = "knowledge_base"
TABLE = "data/pinyin.txt"


@cache
def syllables() -> dict[str, str]:
    """Character → toneless pinyin of its most common reading."""
    table: dict[str, str] = {}
    text = resources.files(PACKAGE).joinpath(TABLE).read_text("utf-8")
    for line in text.splitlines():
        syllable, _, chars = line.partition(" ")
        for char in chars:
            table[char] = syllable
    return table


def build_table() -> str:
    """The table text from pypinyin's dictionary (a build-time step, not used at run time)."""
    try:
        from pypinyin.pinyin_dict import pinyin_dict
    except ImportError:
        raise SystemExit("rebuilding the pinyin table needs pypinyin: pip install -e '.[build]'") from None

    groups: dict[str, list[str]] = {}
    for code in range(0x4E00, 0xA000):
        reading = pinyin_dict.get(code)
        if not reading:
            continue
        # ü is typed as v on Chinese keyboards; fold it before the tone marks are stripped.
        first = unicodedata.normalize("NFD", reading.split(",")[0]).replace("u\u0308", "v")
        toneless = "".join(c for c in first if not unicodedata.combining(c))
        groups.setdefault(toneless, []).append(chr(code))
    return "".join(f"{s} {''.join(chars)}\n" for s, chars in sorted(groups.items()))


if __name__ == "__main__":
    Path(__file__).with_name("data").joinpath("pinyin.txt").write_text(build_table(), "utf-8")
