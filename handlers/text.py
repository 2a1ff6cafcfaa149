"""Normalising what residents type: width, traditional characters, stray punctuation."""

from __future__ import annotations

import re
import unicodedata
from functools import cache

from opencc import OpenCC


@cache
def _t2s() -> OpenCC:
    return OpenCC("t2s")


def normalize(text: str) -> str:
    """Full-width to ASCII, traditional to simplified, runs of spaces folded, ends trimmed."""
    text = unicodedata.normalize("NFKC", text)
    text = _t2s().convert(text)
    return re.sub(r"\s+", " ", text).strip()


def compact(text: str) -> str:
    """``normalize`` without spaces or punctuation: for matching commands and names."""
    return re.sub(r"[\s\W_]+", "", normalize(text))


def digits(text: str) -> str:
    return "".join(ch for ch in normalize(text) if ch.isdigit())
