"""Validates the knowledge base (``minsheng kb check``): schema, references, coverage, placeholders."""

from __future__ import annotations

import sys

from knowledge_base.documents import Document, documents
from knowledge_base.jurisdictions import Jurisdictions, jurisdictions
from knowledge_base.parameters import Parameter, Source, read_parameters


def _reference_errors(where: str, source: Source, docs: dict[str, Document]) -> list[str]:
    document = docs.get(source.document)
    if document is None:
        return [f"{where}: unknown document {source.document!r}"]
    if source.section and source.section not in document.sections:
        return [f"{where}: {source.document} has no section {source.section!r}"]
    return []


def parameter_errors(parameters: list[Parameter], places: Jurisdictions, docs: dict[str, Document]) -> list[str]:
    """References resolve, places exist, and each value is no older than the document it cites."""
    errors: list[str] = []
    for p in parameters:
        where = f"parameters/{p.jurisdiction_code}: {p.path}"
        if p.jurisdiction_code not in places:
            errors.append(f"{where}: unknown division code {p.jurisdiction_code}")
            continue
        errors += _reference_errors(f"{where}: metadata", Source(p.document, ""), docs)
        for entry in p.values:
            errors += _reference_errors(f"{where}: {entry.since}", entry.reference, docs)
            document = docs.get(entry.reference.document)
            if document is None:
                continue
            if entry.reference.document != p.document:
                errors.append(f"{where}: {entry.since} cites {entry.reference.document}, metadata {p.document}")
            if entry.since < document.issued:
                errors.append(f"{where}: {entry.since} is before {document.name} was issued ({document.issued})")
            # A document speaks for its own place and, where it says so, for the places above it.
            if p.jurisdiction_code not in {j.code for j in places.chain(document.jurisdiction_code)}:
                errors.append(f"{where}: {document.name} does not speak for {p.jurisdiction_code}")
    return errors


def run() -> list[str]:
    """Every problem in the packaged knowledge base; empty when it is valid."""
    parameters, errors = read_parameters()
    places, docs = jurisdictions(), documents()
    for document in docs.values():
        if document.jurisdiction_code not in places:
            errors.append(f"documents.yaml: {document.name}: unknown division code {document.jurisdiction_code}")
    errors += parameter_errors(parameters, places, docs)
    return errors


def main() -> int:
    """CLI entry: prints each error and returns non-zero if there is any."""
    errors = run()
    for error in errors:
        print(error, file=sys.stderr)
    if errors:
        print(f"knowledge base: {len(errors)} error(s)", file=sys.stderr)
        return 1
    print("knowledge base: ok")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
