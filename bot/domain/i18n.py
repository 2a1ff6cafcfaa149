"""Translations as every layer reads them: the ``I18n`` object and ``gettext`` (the ``_`` of every module).

It has the interface of aiogram's ``aiogram.utils.i18n`` (``context()``, ``use_locale()``,
``gettext``, ``I18n.get_current()``), which aiogram's Telegram i18n middleware drives, but lives
here: importing ``aiogram.utils.i18n`` imports all of aiogram and builds its 600 pydantic models
(2.6 s measured with ``python -X importtime``), and a process that does not run Telegram
(``minsheng chat``, ``kb check``, the staff commands) should not pay for it. ``bot.i18n`` makes
the one object the service uses, from the packaged catalogs.
"""

from __future__ import annotations

import gettext as _gettext
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Literal, overload

_current: ContextVar[I18n] = ContextVar("minsheng_i18n")


class I18n:
    """Compiled catalogs (``<path>/<locale>/LC_MESSAGES/<domain>.mo``) and the locale in use."""

    def __init__(self, *, path: str | Path, default_locale: str = "zh_Hans", domain: str = "messages") -> None:
        self.path = Path(path).resolve()
        self.default_locale = default_locale
        self.domain = domain
        self.ctx_locale: ContextVar[str] = ContextVar("minsheng_locale", default=default_locale)
        self.locales = self._find_locales()

    def _find_locales(self) -> dict[str, _gettext.GNUTranslations]:
        translations: dict[str, _gettext.GNUTranslations] = {}
        for folder in self.path.iterdir():
            mo = folder / "LC_MESSAGES" / f"{self.domain}.mo"
            if mo.exists():
                with mo.open("rb") as fh:
                    translations[folder.name] = _gettext.GNUTranslations(fh)
            elif mo.with_suffix(".po").exists():
                raise RuntimeError(f"locale {folder.name!r} has a catalog that is not compiled (pybabel compile)")
        return translations

    @property
    def available_locales(self) -> tuple[str, ...]:
        return tuple(self.locales)

    @property
    def current_locale(self) -> str:
        return self.ctx_locale.get()

    @contextmanager
    def use_locale(self, locale: str) -> Iterator[None]:
        token = self.ctx_locale.set(locale)
        try:
            yield
        finally:
            self.ctx_locale.reset(token)

    @contextmanager
    def context(self) -> Iterator[I18n]:
        """Makes this object the one ``gettext`` (the ``_`` of every module) translates with."""
        token = _current.set(self)
        try:
            yield self
        finally:
            _current.reset(token)

    @overload
    @classmethod
    def get_current(cls, no_error: Literal[False]) -> I18n: ...

    @overload
    @classmethod
    def get_current(cls, no_error: bool = True) -> I18n | None: ...

    @classmethod
    def get_current(cls, no_error: bool = True) -> I18n | None:
        current = _current.get(None)
        if current is None and not no_error:
            raise LookupError("I18n context is not set")
        return current

    def gettext(self, singular: str, plural: str | None = None, n: int = 1, locale: str | None = None) -> str:
        translator = self.locales.get(locale or self.current_locale)
        if translator is None:
            return singular if n == 1 or plural is None else plural
        if plural is None:
            return translator.gettext(singular)
        return translator.ngettext(singular, plural, n)


def gettext(*args: Any, **kwargs: Any) -> str:
    """The message in the locale in use, by the ``I18n`` whose ``context()`` is open."""
    return I18n.get_current(no_error=False).gettext(*args, **kwargs)

