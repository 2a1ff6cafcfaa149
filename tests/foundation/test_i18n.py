"""Catalogs: every resident-facing string in the code is translated, and the compiled .mo is current."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {"_": None, "__": None, "N_": None}


def code_messages() -> set[str]:
    found: set[str] = set()
    for folder in ("bot", "handlers", "knowledge_base"):
        for _file, _line, message, _comments, _context in extract_from_dir(
                ROOT / folder, method_map=[("**.py", "python")], keywords=KEYWORDS):
            found.add(message if isinstance(message, str) else message[0])
    # The console's templates: every word staff read there is in the catalog too.
    for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / "bot" / "templates", method_map=[("**.html", "jinja2")], keywords=KEYWORDS,
            options_map={"**.html": {"extensions": "jinja2.ext.i18n"}}):
        found.add(message if isinstance(message, str) else message[0])
    return found


def catalog(locale: str):  # type: ignore[no-untyped-def]
    with open(ROOT / "locales" / locale / "LC_MESSAGES" / "messages.po", "rb") as f:
        return read_po(f, locale=locale)


def test_every_string_in_the_code_has_an_english_translation() -> None:
    english = {m.id: m.string for m in catalog("en") if m.id}
    untranslated = sorted(m for m in code_messages() if not english.get(m))
    assert not untranslated, f"run pybabel extract/update and translate: {untranslated[:5]}"


def test_compiled_catalogs_match_their_sources() -> None:
    for locale in ("en", "zh_Hans"):
        source = {m.id: m.string for m in catalog(locale) if m.id and m.string and not m.fuzzy}
        with open(ROOT / "locales" / locale / "LC_MESSAGES" / "messages.mo", "rb") as f:
            compiled = {m.id: m.string for m in read_mo(f) if m.id}
        assert compiled == source, f"{locale}: run pybabel compile -d locales -D messages"
