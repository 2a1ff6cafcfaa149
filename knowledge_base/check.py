"""Validates the knowledge base (``minsheng kb check``): schema, references, coverage, placeholders."""

from __future__ import annotations

import re
import sys
from datetime import date
from importlib import resources
from typing import Any

import yaml

from knowledge_base.articles import PLACEHOLDER, Article, Concept, concepts, programs, read_articles
from knowledge_base.dates import china_today
from knowledge_base.documents import Document, documents
from knowledge_base.english import check_table
from knowledge_base.jurisdictions import Jurisdictions, jurisdictions
from knowledge_base.parameters import Parameter, Parameters, Source, read_parameters
from knowledge_base.retrieval import Index, Matcher
from knowledge_base.units import FORMATS

_DIGITS = re.compile(r"\d")


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


def article_errors(articles: list[Article], parameters: Parameters, docs: dict[str, Document], on: date) -> list[str]:
    """Programs, places and sources resolve; every placeholder has a value for every place it serves."""
    places = parameters.places
    known_programs = programs()
    errors: list[str] = []
    seen: set[str] = set()
    for article in articles:
        if article.id in seen:
            errors.append(f"articles: {article.id}: duplicate id")
        seen.add(article.id)
        if article.program not in known_programs:
            errors.append(f"articles: {article.id}: unknown program {article.program!r} (programs.yaml)")
        for n, variant in enumerate(article.variants, 1):
            where = f"articles: {article.id}: variant {n}"
            for source in variant.sources:
                errors += _reference_errors(where, source, docs)
            for code in variant.jurisdictions:
                if code not in places:
                    errors.append(f"{where}: unknown division code {code}")
                    continue
                for source in variant.sources:
                    document = docs.get(source.document)
                    if document and code not in {j.code for j in places.chain(document.jurisdiction_code)}:
                        errors.append(f"{where}: {document.name} does not speak for {code}")
            placeholders = variant.placeholders()
            if not variant.sources and not placeholders:
                errors.append(f"{where}: no source (cite a section or use a parameter)")
            outside = PLACEHOLDER.sub("", variant.text)
            for literal in variant.literals:
                outside = outside.replace(literal, "")
            if _DIGITS.search(outside):
                errors.append(f"{where}: a figure is typed into the text; use a parameter (or list it in literals)")
            for path, style in placeholders:
                if path not in parameters.paths():
                    errors.append(f"{where}: unknown parameter {path}")
                    continue
                if style and style not in FORMATS:
                    errors.append(f"{where}: unknown format {style!r} for {path}")
                errors += _unresolved(where, path, variant.jurisdictions, parameters, on)
    return errors


def _unresolved(where: str, path: str, codes: tuple[str, ...], parameters: Parameters, on: date) -> list[str]:
    places = parameters.places
    for code in codes:
        if code not in places:
            continue
        for place in places.subtree(code):
            if parameters.get(path, place.code, on) is None:
                return [f"{where}: {path} has no value for {place.code} {place.name}"]
    return []


def coverage_errors(articles: list[Article], parameters: Parameters) -> list[str]:
    """Every parameter is read by some article that applies to its place (else nobody can ask for it)."""
    places = parameters.places
    used: set[tuple[str, str]] = set()
    for article in articles:
        for variant in article.variants:
            for path, _ in variant.placeholders():
                for code in variant.jurisdictions:
                    if code in places:
                        used.update((path, p.code) for p in places.chain(code))
    return [
        f"parameters/{p.jurisdiction_code}: {p.path}: no article uses it"
        for p in parameters
        if (p.path, p.jurisdiction_code) not in used
    ]


def section_errors(articles: list[Article], parameters: Parameters, docs: dict[str, Document]) -> list[str]:
    """Every numbered section of each seed is cited by some answer (a variant's sources or the
    references of the figures it uses), or listed under ``unreached`` with the reason; so that
    "暂未公布" is said only of what the documents do not print."""
    cited: set[Source] = set()
    paths: set[str] = set()
    for article in articles:
        for variant in article.variants:
            cited.update(variant.sources)
            paths.update(path for path, _ in variant.placeholders())
    for parameter in parameters:
        if parameter.path in paths:
            cited.update(entry.reference for entry in parameter.values)
    errors = []
    for document in docs.values():
        unreached = dict(document.unreached)
        for section in unreached:
            if section not in document.sections:
                errors.append(f"documents.yaml: {document.name}: unreached {section!r} is no section of it")
            elif Source(document.name, section) in cited:
                errors.append(f"documents.yaml: {document.name}: {section} is listed unreached but an answer cites it")
        errors += [
            f"documents.yaml: {document.name}: no answer cites {section}; add an article or list it under unreached"
            for section in document.sections
            if section not in unreached and Source(document.name, section) not in cited
        ]
    return errors


def lexicon_errors(lexicon: tuple[Concept, ...]) -> list[str]:
    """A word means one concept only."""
    errors: list[str] = []
    owner: dict[str, str] = {}
    for concept in lexicon:
        for form in concept.forms:
            if form in owner and owner[form] != concept.id:
                errors.append(f"lexicon: {form!r} is in both {owner[form]} and {concept.id}")
            owner[form] = concept.id
    return errors


def english_errors() -> list[str]:
    """An English phrase means one Chinese word only (the layer refuses to load otherwise)."""
    try:
        check_table()
    except ValueError as exc:
        return [str(exc)]
    return []


class _UniqueKeys(yaml.SafeLoader):
    """A YAML loader that refuses a key given twice in one mapping (the usual loader keeps the last)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _value in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"{key!r} is given twice", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def duplicate_key_errors() -> list[str]:
    """No key is given twice in the lexicon or an article file: YAML would keep the last silently
    (a concept's second ``patterns:`` would hide its first)."""
    root = resources.files("knowledge_base")
    files = [root / "lexicon.yaml", root / "programs.yaml", root / "documents.yaml",
             *sorted((f for f in (root / "articles").iterdir() if f.name.endswith(".yaml")), key=lambda f: f.name)]
    errors = []
    for file in files:
        try:
            yaml.load(file.read_text("utf-8"), Loader=_UniqueKeys)
        except yaml.YAMLError as exc:
            errors.append(f"{file.name}: {exc}".replace("\n", " "))
    return errors


def routing_errors(articles: list[Article]) -> list[str]:
    """Each canonical question finds its own article: suggestions rely on it."""
    matcher = Matcher(concepts(), [k for a in articles for k in a.keywords])
    index = Index(articles, matcher)
    errors = []
    for article in articles:
        for question in article.questions:
            hits = index.search(matcher.read(question))
            found = hits[0].article.id if hits else "nothing"
            if found != article.id:
                errors.append(
                    f"articles: {article.id}: question {question!r} finds {found}; add a keyword or reword it"
                )
    return errors


def run(on: date | None = None) -> list[str]:
    """Every problem in the packaged knowledge base; empty when it is valid."""
    parameters, errors = read_parameters()
    errors += duplicate_key_errors()
    places, docs = jurisdictions(), documents()
    for document in docs.values():
        if document.jurisdiction_code not in places:
            errors.append(f"documents.yaml: {document.name}: unknown division code {document.jurisdiction_code}")
    errors += parameter_errors(parameters, places, docs)
    articles, article_schema = read_articles()
    errors += article_schema
    if errors:
        return errors
    table = Parameters(parameters, places)
    errors += article_errors(articles, table, docs, on or china_today())
    errors += coverage_errors(articles, table)
    errors += section_errors(articles, table, docs)
    errors += lexicon_errors(concepts())
    errors += english_errors()
    known = {c.id for c in concepts()}
    errors += [
        f"articles: {a.id}: requires unknown lexicon concept {a.requires!r}"
        for a in articles
        if a.requires and a.requires not in known
    ]
    errors += routing_errors(articles)
    errors += semantic_errors(on)
    return errors


def semantic_errors(on: date | None = None) -> list[str]:
    """The packaged e5 vectors were computed from the articles as they are (``minsheng kb vectors``)."""
    from knowledge_base import semantic
    from knowledge_base.kb import KnowledgeBase

    kb = KnowledgeBase.load()
    if kb.semantic is None:
        return [f"knowledge_base/{semantic.DATA_FILE} is missing: run minsheng kb vectors"]
    passages, questions = kb.semantic_texts(on)
    if kb.semantic.fingerprint() != semantic.fingerprint(passages, questions):
        return [f"knowledge_base/{semantic.DATA_FILE} is stale (articles or figures changed): run minsheng kb vectors"]
    return []


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
