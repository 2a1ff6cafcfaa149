"""Normalising what residents type: width, traditional characters, stray punctuation."""

from __future__ import annotations

import re
import unicodedata
from functools import cache

from opencc import OpenCC


@cache
def _t2s() -> OpenCC:
    return OpenCC("t2s")


# Full-width digits and Latin letters (what a Chinese input method types) and the ideographic
# space become ASCII; Chinese punctuation (，。？) stays as the resident wrote it, since it is
# shown to staff in their request.
_WIDTH = {code: code - 0xFEE0 for code in [*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B), *range(0xFF41, 0xFF5B)]}
_WIDTH[0x3000] = 0x20


def normalize(text: str) -> str:
    """Full-width letters and digits to ASCII, traditional to simplified, spaces folded, ends trimmed."""
    text = unicodedata.normalize("NFC", text).translate(_WIDTH)
    text = _t2s().convert(text)
    return re.sub(r"\s+", " ", text).strip()


def compact(text: str) -> str:
    """``normalize`` without spaces or punctuation: for matching commands and names."""
    return re.sub(r"[\s\W_]+", "", normalize(text))


def digits(text: str) -> str:
    return "".join(ch for ch in normalize(text) if ch.isdigit())
