"""The places Minsheng serves: the five seed jurisdictions, their ancestors and their townships.

Built from the statistical division codes in ``shared/data/divisions`` (a copy ships in
``knowledge_base/data/divisions.json`` so an installed package needs nothing beside it). A
jurisdiction inherits every policy fact from the one above it and may override it, so each
place knows its chain up to the province.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Literal

Level = Literal["province", "prefecture", "county", "township"]

# The county-level (and, for 临夏州, prefecture-level) subtrees the seed documents cover.
SERVED_ROOTS: tuple[str, ...] = ("6229", "350302", "632301", "520324", "640221")

# Names people use that the division table does not carry: old names, short names and the
# spellings of other public editions (see shared/data/divisions/README.md).
EXTRA_ALIASES: dict[str, tuple[str, ...]] = {
    "6229": ("临夏州", "临夏回族自治州"),
    "632301": ("同仁县",),
    "6323": ("黄南州",),
    "622926": ("东乡县", "东乡族自治县"),
    "622927": ("积石山县", "积石山"),
    "622921210": ("井沟东乡族乡",),
    "622921217": ("安家坡东乡族乡",),
    "622925200": ("梁家寺东乡族乡",),
    "622926214": ("凤山乡",),
    "350302": ("莆田城厢区", "莆田市城厢区"),
    # 正安县: 乐俭 and 桴㯊 were 乡 before becoming 镇, and 㯊 is rarely typed (桴焉); the two ethnic
    # townships are written with a plain 乡.
    "520324114": ("乐俭乡",),
    "520324116": ("桴焉镇", "桴焉乡", "桴㯊乡", "桴焉"),
    "520324202": ("谢坝乡",),
    "520324203": ("市坪乡",),
}

_SUFFIXES = (
    "保安族东乡族撒拉族自治县",
    "回族自治州",
    "藏族自治州",
    "东乡族乡",
    "仡佬族苗族乡",
    "苗族仡佬族乡",
    "族自治县",
    "自治州",
    "街道",
    "镇",
    "乡",
    "县",
    "市",
    "区",
    "州",
)


def normalize_name(text: str) -> str:
    """Folds width and spacing so that "同 仁 市" and "同仁市" match."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).strip()


def short_name(name: str) -> str:
    """The name without its administrative suffix (隆务镇 → 隆务), kept whole if that leaves < 2 chars."""
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


@dataclass(frozen=True)
class Jurisdiction:
    """One administrative division with its statistical code."""

    code: str
    name: str
    level: Level
    parent_code: str | None
    aliases: tuple[str, ...] = field(default=())

    @property
    def is_township(self) -> bool:
        return self.level == "township"


class Jurisdictions:
    """Lookup of served places by code and by the names residents write."""

    def __init__(self, places: Iterable[Jurisdiction], served_roots: Iterable[str]) -> None:
        self._by_code: dict[str, Jurisdiction] = {p.code: p for p in places}
        self._children: dict[str, list[str]] = {}
        for place in self._by_code.values():
            if place.parent_code:
                self._children.setdefault(place.parent_code, []).append(place.code)
        self.served_roots = tuple(served_roots)
        self._served: set[str] = set()
        for root in self.served_roots:
            self._served.update(p.code for p in self.subtree(root))
        self._by_name: dict[str, list[str]] = {}
        for code in self._served:
            place = self._by_code[code]
            for name in {place.name, *place.aliases, short_name(place.name)}:
                self._by_name.setdefault(normalize_name(name), []).append(code)
        # Ancestors of served places (莆田市, 遵义市…) are resolvable too, but only by full name.
        for code in self._served:
            for anc in self.chain(code)[1:]:
                if anc.code not in self._served:
                    for name in {anc.name, *anc.aliases}:
                        codes = self._by_name.setdefault(normalize_name(name), [])
                        if anc.code not in codes:
                            codes.append(anc.code)

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    def get(self, code: str) -> Jurisdiction:
        return self._by_code[code]

    def is_served(self, code: str) -> bool:
        return code in self._served

    def children(self, code: str) -> list[Jurisdiction]:
        return [self._by_code[c] for c in sorted(self._children.get(code, []))]

    def subtree(self, code: str) -> Iterator[Jurisdiction]:
        yield self._by_code[code]
        for child in self.children(code):
            yield from self.subtree(child.code)

    def chain(self, code: str) -> list[Jurisdiction]:
        """The place itself, then each place above it up to the province."""
        out: list[Jurisdiction] = []
        current: str | None = code
        while current:
            place = self._by_code[current]
            out.append(place)
            current = place.parent_code
        return out

    def county_of(self, code: str) -> Jurisdiction | None:
        """The county-level place a township (or county) belongs to; None above county level."""
        for place in self.chain(code):
            if place.level == "county":
                return place
        return None

    def resolve(self, text: str) -> list[Jurisdiction]:
        """Every served place (or ancestor of one) a name could mean, most specific last."""
        codes = self._by_name.get(normalize_name(text), [])
        return sorted((self._by_code[c] for c in codes), key=lambda p: (len(p.code), p.code))

    def resolve_township(self, text: str, within: str | None = None) -> list[Jurisdiction]:
        """Townships a name could mean, limited to the subtree of ``within`` when given."""
        found = [p for p in self.resolve(text) if p.is_township]
        if within:
            inside = {p.code for p in self.subtree(within)}
            found = [p for p in found if p.code in inside]
        return found

    def find_in_text(self, text: str) -> list[Jurisdiction]:
        """Served places named anywhere in a sentence, longest names first, without overlaps."""
        text = normalize_name(text)
        names = sorted((n for n in self._by_name if len(n) >= 2), key=len, reverse=True)
        found: dict[str, Jurisdiction] = {}
        taken: list[tuple[int, int]] = []
        for name in names:
            start = text.find(name)
            while start >= 0:
                end = start + len(name)
                if not any(s < end and start < e for s, e in taken):
                    taken.append((start, end))
                    for place in self.resolve(name):
                        found.setdefault(place.code, place)
                start = text.find(name, end)
        return list(found.values())

    def counties(self) -> list[Jurisdiction]:
        """Every served county-level region, in code order."""
        return sorted((self._by_code[c] for c in self._served if self._by_code[c].level == "county"),
                      key=lambda p: p.code)

    def townships(self, county_code: str) -> list[Jurisdiction]:
        return [p for p in self.subtree(county_code) if p.is_township]


def _level(code: str) -> Level:
    return {2: "province", 4: "prefecture", 6: "county"}.get(len(code), "township")  # type: ignore[return-value]


def _walk(nodes: list[dict[str, object]], parent: str | None) -> Iterator[Jurisdiction]:
    for node in nodes:
        code, name = str(node["code"]), str(node["name"])
        yield Jurisdiction(code, name, _level(code), parent, EXTRA_ALIASES.get(code, ()))
        children = node.get("children")
        if isinstance(children, list):
            yield from _walk(children, code)


def _keep(nodes: list[dict[str, object]]) -> list[dict[str, object]]:
    """The branches of the national table that lead to a served place, whole below it."""
    kept = []
    for node in nodes:
        code = str(node["code"])
        if any(root.startswith(code) for root in SERVED_ROOTS) or any(code.startswith(r) for r in SERVED_ROOTS):
            children = node.get("children")
            kept.append({**node, "children": _keep(children) if isinstance(children, list) else []})
    return kept


def load_table(raw: list[dict[str, object]]) -> Jurisdictions:
    """Builds the lookup from the nested ``{"code", "name", "children"}`` division table."""
    return Jurisdictions(_walk(_keep(raw), None), SERVED_ROOTS)


@cache
def jurisdictions() -> Jurisdictions:
    """The served places, loaded once from the copy of the division table in the package."""
    raw = json.loads(resources.files("knowledge_base").joinpath("data/divisions.json").read_text("utf-8"))
    return load_table(raw)
