"""The places Minsheng serves: the five seed jurisdictions, their ancestors and their townships.

A jurisdiction inherits every policy fact from the one above it and may override it, so each
place knows its chain up to the province. The places come from the national division table
(``knowledge_base.places``); text is read into places only by its reader, which ``read``,
``named`` and ``find`` here hand on to, limited to what Minsheng serves where that is what the
caller needs.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache

from knowledge_base.memo import Memo
from knowledge_base.places import SERVED_ROOTS, Jurisdiction, Level, Mention, PlaceReader, reader

__all__ = ["SERVED_ROOTS", "Jurisdiction", "Jurisdictions", "Level", "Mention", "jurisdictions"]


class Jurisdictions:
    """The served places (and the places above them), by code, with the reader over the whole table."""

    def __init__(self, places: PlaceReader) -> None:
        self.reader = places
        self.served_roots = places.served_roots
        self._served = [c for c in places.codes() if places.is_served(c)]
        known = {p.code for code in self._served for p in places.chain(code)}
        self._children: dict[str, list[str]] = {}
        for code in sorted(known):
            parent = places.get(code).parent_code
            if parent:
                self._children.setdefault(parent, []).append(code)
        self._known = frozenset(known)
        # What a name means (the API resolves the same few regions for every request).
        self._found: Memo[tuple[str, str | None, tuple[Level, ...] | None], tuple[Jurisdiction, ...]] = Memo()

    def __contains__(self, code: object) -> bool:
        return code in self._known

    def get(self, code: str) -> Jurisdiction:
        """A served place or a place above one (KeyError for any other code)."""
        if code not in self._known:
            raise KeyError(code)
        return self.reader.get(code)

    def is_served(self, code: str) -> bool:
        return self.reader.is_served(code)

    def children(self, code: str) -> list[Jurisdiction]:
        return [self.reader.get(c) for c in self._children.get(code, [])]

    def subtree(self, code: str) -> Iterator[Jurisdiction]:
        yield self.get(code)
        for child in self.children(code):
            yield from self.subtree(child.code)

    def chain(self, code: str) -> list[Jurisdiction]:
        """The place itself, then each place above it up to the province."""
        return self.reader.chain(code)

    def county_of(self, code: str) -> Jurisdiction | None:
        """The county-level place a township (or county) belongs to; None above county level."""
        return next((p for p in self.chain(code) if p.level == "county"), None)

    def counties(self) -> list[Jurisdiction]:
        """Every served county-level region, in code order."""
        return [self.reader.get(c) for c in sorted(self._served) if len(c) == 6]

    def townships(self, county_code: str) -> list[Jurisdiction]:
        return [p for p in self.subtree(county_code) if p.is_township]

    def roots(self) -> list[Jurisdiction]:
        """The places the seed documents cover, as residents name them: 临夏州, 城厢区, 同仁市 …"""
        return [self.reader.get(c) for c in self.served_roots]

    # -- from text (the reader) ------------------------------------------------------------------

    def read(self, text: str) -> list[Mention]:
        """Every place a text names, served or not (see ``knowledge_base.places``)."""
        return self.reader.read(text)

    def named(self, text: str) -> Mention | None:
        """The place a message names when it says nothing else, served or not; None otherwise."""
        return self.reader.named(text)

    def leading(self, text: str) -> Mention | None:
        """The place a command's argument starts with (求助 城关镇 家里…), served or not; None if none."""
        return self.reader.leading(text)

    def find(self, text: str, within: str | None = None, levels: tuple[Level, ...] | None = None) -> list[Jurisdiction]:
        """The served places a name (and nothing else) could mean, most general first.

        ``within`` prefers the places inside that one when some are (城关镇 within 平罗县);
        ``levels`` keeps only places of those levels. A code is accepted as its place.
        """
        return list(self._found.get((text, within, levels), lambda: tuple(self._find(text, within, levels))))

    def _find(self, text: str, within: str | None, levels: tuple[Level, ...] | None) -> list[Jurisdiction]:
        text = text.strip()
        if text in self._known and self.is_served(text):
            found = [self.reader.get(text)]
        else:
            mention = self.named(text)
            found = list(mention.served) if mention else []
        if levels:
            found = [p for p in found if p.level in levels]
        if within:
            inside = [p for p in found if p.code.startswith(within)]
            found = inside or found
        return found


@cache
def jurisdictions() -> Jurisdictions:
    """The served places, over the division table loaded once from the package."""
    return Jurisdictions(reader())
