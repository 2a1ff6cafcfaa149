"""Policy figures as dated, sourced parameters scoped to a jurisdiction (OpenFisca country-template style).

A file ``parameters/<division code>/<program>.yaml`` holds that place's facts for one program; a fact
is any node with ``values``, and its lookup path is the program plus the keys leading to it
(``parameters/520324/dibao.yaml`` → ``standard`` → ``rural`` is ``dibao.standard.rural`` for 正安县).
A place inherits every fact from the places above it and may override it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

import yaml

from knowledge_base.dates import china_today
from knowledge_base.jurisdictions import Jurisdictions, jurisdictions
from knowledge_base.units import UNIT_PATTERNS, Value, format_date, format_value

PACKAGE = "knowledge_base"

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class KnowledgeBaseError(ValueError):
    """The knowledge base data is malformed; the message lists every problem found."""


@dataclass(frozen=True)
class Source:
    """A place in a policy document: its name (as residents see it) and the document's own section label."""

    document: str
    section: str

    def __str__(self) -> str:
        return f"{self.document} {self.section}"


@dataclass(frozen=True)
class ValueEntry:
    """One dated value of a parameter; ``value is None`` means the measure ended on that date."""

    since: date
    value: Value | None
    reference: Source
    derivation: str | None = None
    previous: Value | None = None


@dataclass(frozen=True)
class Parameter:
    """One fact as one place published it, with its whole dated history."""

    path: str
    jurisdiction_code: str
    description: str
    unit: str
    document: str
    values: tuple[ValueEntry, ...]
    counter: str | None = None

    def at(self, on: date) -> ValueEntry | None:
        """The entry in force on ``on``, or None before the first one."""
        current = None
        for entry in self.values:
            if entry.since <= on:
                current = entry
        return current


@dataclass(frozen=True)
class Fact:
    """A parameter's value for one place and date, with where it came from."""

    path: str
    value: Value
    unit: str
    reference: Source
    jurisdiction_code: str
    since: date
    description: str
    derivation: str | None = None
    previous: Value | None = None
    counter: str | None = None

    def text(self, style: str | None = None) -> str:
        """The value as a resident reads it ("每人每年3876元"); ``previous`` gives the value it replaced."""
        if style == "previous":
            if self.previous is None:
                raise ValueError(f"{self.path} has no previous value")
            return format_value(self.previous, self.unit, self.counter)
        if style == "since":
            return format_date(self.since, "month")
        return format_value(self.value, self.unit, self.counter, style)


class Parameters:
    """Every parameter of every place, looked up along a place's chain of jurisdictions."""

    def __init__(self, parameters: Iterable[Parameter], places: Jurisdictions) -> None:
        self.places = places
        self._by_key: dict[tuple[str, str], Parameter] = {}
        self._codes_by_path: dict[str, list[str]] = {}
        for parameter in parameters:
            self._by_key[(parameter.path, parameter.jurisdiction_code)] = parameter
            self._codes_by_path.setdefault(parameter.path, []).append(parameter.jurisdiction_code)

    @classmethod
    def load(cls) -> Parameters:
        """The parameters shipped in the package, read once per process."""
        return _packaged_parameters()

    def __iter__(self) -> Iterator[Parameter]:
        return iter(self._by_key.values())

    def paths(self) -> set[str]:
        return set(self._codes_by_path)

    def published_by(self, path: str) -> list[str]:
        """Codes of the places that published ``path`` (KeyError for a path nobody publishes)."""
        return list(self._codes_by_path[path])

    def get(self, path: str, region_code: str, on: date | None = None) -> Fact | None:
        """The fact for ``region_code`` on ``on`` (today by default), from the nearest place that published it.

        None when no place in the chain has it in force; KeyError when no place at all publishes
        ``path`` (a misspelt path) or ``region_code`` is unknown.
        """
        if path not in self._codes_by_path:
            raise KeyError(path)
        on = on or china_today()
        for place in self.places.chain(region_code):
            parameter = self._by_key.get((path, place.code))
            if parameter is None:
                continue
            entry = parameter.at(on)
            if entry is None:
                continue
            if entry.value is None:
                return None
            return Fact(
                path=path,
                value=entry.value,
                unit=parameter.unit,
                reference=entry.reference,
                jurisdiction_code=place.code,
                since=entry.since,
                description=parameter.description,
                derivation=entry.derivation,
                previous=entry.previous,
                counter=parameter.counter,
            )
        return None


def read_parameters(root: Traversable | None = None) -> tuple[list[Parameter], list[str]]:
    """Parses every parameter file under ``root`` (the packaged ``parameters/``); returns them and the errors."""
    root = root or resources.files(PACKAGE).joinpath("parameters")
    parameters: list[Parameter] = []
    errors: list[str] = []
    for folder in sorted(root.iterdir(), key=lambda t: t.name):
        if not folder.is_dir():
            continue
        for file in sorted(folder.iterdir(), key=lambda t: t.name):
            if not file.name.endswith(".yaml"):
                continue
            where = f"parameters/{folder.name}/{file.name}"
            try:
                tree = yaml.load(file.read_text("utf-8"), Loader=_Loader)
            except yaml.YAMLError as exc:
                errors.append(f"{where}: not valid YAML: {exc}")
                continue
            program = file.name.removesuffix(".yaml")
            _walk(tree, program, folder.name, where, parameters, errors)
    return parameters, errors


def _walk(node: Any, path: str, code: str, where: str, out: list[Parameter], errors: list[str]) -> None:
    if not isinstance(node, dict):
        errors.append(f"{where}: {path}: expected a mapping")
        return
    if "values" in node:
        parameter = _parameter(node, path, code, f"{where}: {path}", errors)
        if parameter:
            out.append(parameter)
        return
    for key, child in node.items():
        if key == "description":
            continue
        if not isinstance(key, str) or not key.isidentifier() or not key.islower():
            errors.append(f"{where}: {path}.{key}: keys are lower-case identifiers")
            continue
        _walk(child, f"{path}.{key}", code, where, out, errors)


def _source(raw: Any, where: str, errors: list[str], need_section: bool) -> Source | None:
    if not isinstance(raw, dict) or not isinstance(raw.get("document"), str):
        errors.append(f"{where}: reference needs a document")
        return None
    section = raw.get("section")
    if need_section and not isinstance(section, str):
        errors.append(f"{where}: reference needs a section")
        return None
    return Source(raw["document"], section or "")


def _parameter(node: dict[str, Any], path: str, code: str, where: str, errors: list[str]) -> Parameter | None:
    before = len(errors)
    unknown = set(node) - {"description", "metadata", "values"}
    if unknown:
        errors.append(f"{where}: unknown keys {sorted(unknown)}")
    description = node.get("description")
    if not isinstance(description, str) or not description:
        errors.append(f"{where}: description missing")
    metadata = node.get("metadata")
    if not isinstance(metadata, dict):
        errors.append(f"{where}: metadata missing")
        return None
    unit = metadata.get("unit")
    if unit not in UNIT_PATTERNS:
        errors.append(f"{where}: unknown unit {unit!r}")
    counter = metadata.get("counter")
    if unit == "count" and not isinstance(counter, str):
        errors.append(f"{where}: a count needs metadata.counter (人, 户 …)")
    document = _source(metadata.get("reference"), f"{where}: metadata", errors, need_section=False)
    raw_values = node.get("values")
    if not isinstance(raw_values, dict) or not raw_values:
        errors.append(f"{where}: values missing")
        return None
    entries: list[ValueEntry] = []
    for since, raw in sorted(raw_values.items(), key=lambda kv: str(kv[0])):
        entry_where = f"{where}: {since}"
        if not isinstance(since, date):
            errors.append(f"{entry_where}: value dates are YYYY-MM-DD")
            continue
        if not isinstance(raw, dict) or "value" not in raw:
            errors.append(f"{entry_where}: expected {{value: …, reference: …}}")
            continue
        extra = set(raw) - {"value", "reference", "derivation", "previous"}
        if extra:
            errors.append(f"{entry_where}: unknown keys {sorted(extra)}")
        value = raw["value"]
        if value is not None and not _fits(value, unit):
            errors.append(f"{entry_where}: value {value!r} does not fit unit {unit}")
        reference = _source(raw.get("reference"), entry_where, errors, need_section=True)
        derivation = raw.get("derivation")
        if derivation is not None and not isinstance(derivation, str):
            errors.append(f"{entry_where}: derivation is a sentence")
        if reference:
            entries.append(ValueEntry(since, value, reference, derivation, raw.get("previous")))
    if len(errors) > before or document is None or not isinstance(unit, str):
        return None
    return Parameter(path, code, str(description), unit, document.document, tuple(entries), counter)


def _fits(value: Any, unit: Any) -> bool:
    if unit == "date":
        return isinstance(value, date)
    if unit == "phone":
        return isinstance(value, str)
    return isinstance(value, int | float) and not isinstance(value, bool)


@cache
def _packaged_parameters() -> Parameters:
    parameters, errors = read_parameters()
    if errors:
        raise KnowledgeBaseError("\n".join(errors))
    return Parameters(parameters, jurisdictions())


__all__ = ["Fact", "KnowledgeBaseError", "Parameter", "Parameters", "Source", "ValueEntry"]
