"""Resident-facing words the knowledge base itself writes (declines, clarifications, the English frame),
from the same gettext catalogs as the dialogs (``locales/``), so that every channel and the API say
them alike in the resident's language. Policy text itself stays as the documents print it."""

from __future__ import annotations

import gettext
from collections.abc import Callable
from functools import cache
from pathlib import Path

LOCALES = Path(__file__).resolve().parent.parent / "locales"


@cache
def translator(locale: str) -> Callable[[str], str]:
    """``gettext`` for a locale (zh_Hans and zh_Hant read the Chinese source strings)."""
    if locale.startswith("zh"):
        return lambda message: message
    return gettext.translation("messages", LOCALES, [locale], fallback=True).gettext
