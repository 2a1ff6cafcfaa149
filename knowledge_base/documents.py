"""The policy documents the knowledge base cites (``documents.yaml``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources

import yaml

from knowledge_base.parameters import PACKAGE


@dataclass(frozen=True)
class Document:
    """A seed document: the name references use, its issuing place and its own section labels."""

    name: str
    title: str
    jurisdiction_code: str
    issued: date
    sections: tuple[str, ...]
    under: str | None = None
    # Sections no article reaches, each with the reason (a heading, an internal duty residents never
    # ask about); ``minsheng kb check`` requires every other section to be cited by some answer.
    unreached: tuple[tuple[str, str], ...] = ()
    # The seed's file in ``data/seeds`` (quoted by ``knowledge_base.quotes``).
    seed: str = ""


@cache
def documents() -> dict[str, Document]:
    """The cited documents by name, read once from the package."""
    raw = yaml.safe_load(resources.files(PACKAGE).joinpath("documents.yaml").read_text("utf-8"))
    return {
        d["name"]: Document(
            d["name"], d["title"], str(d["jurisdiction"]), d["date"], tuple(d["sections"]), d.get("under"),
            tuple((str(k), str(v)) for k, v in (d.get("unreached") or {}).items()), str(d["seed"]),
        )
        for d in raw
    }
