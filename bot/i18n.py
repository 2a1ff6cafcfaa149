"""Translations: one gettext ``I18n`` object for every channel (SMS, Telegram, the terminal, the console).

The object and ``gettext`` are in ``bot.domain.i18n`` (aiogram's interface without importing
aiogram); this makes the service's one object from the packaged catalogs.
"""

from __future__ import annotations

from bot.domain.i18n import I18n, gettext
from locales import CATALOGS

__all__ = ["SUPPORTED", "I18n", "gettext", "make_i18n"]

SUPPORTED = ("zh_Hans", "en")


def make_i18n(default_locale: str = "zh_Hans") -> I18n:
    return I18n(path=CATALOGS, default_locale=default_locale, domain="messages")
