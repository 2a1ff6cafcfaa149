"""Translations: one Babel/gettext I18n object for every channel (aiogram's, shared with SMS and CLI)."""

from __future__ import annotations

from aiogram.utils.i18n import I18n

from locales import CATALOGS

SUPPORTED = ("zh_Hans", "en")


def make_i18n(default_locale: str = "zh_Hans") -> I18n:
    return I18n(path=CATALOGS, default_locale=default_locale, domain="messages")
