"""Programs and articles: what residents ask about, and per jurisdiction the answer's template and sources.

An article is one question topic (``dibao.standard``: 低保标准) with the ways residents ask it and,
for each place that published something on it, a variant: a template whose figures are parameter
placeholders (``{dibao.standard.rural}``), so that a figure lives in one place only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import yaml

from knowledge_base.parameters import PACKAGE, Source

# {dibao.standard.rural} or {dibao.standard.urban|previous}; {region} and {publisher} name places.
PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_.]*)(?:\|([a-z_]+))?\}")
PLACE_NAMES = frozenset({"region", "publisher"})

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Program:
    """A program the seeds name; ``family`` groups programs that answer each other's questions in part."""

    id: str
    name: str
    family: str


@dataclass(frozen=True)
class Variant:
    """What one or more places published on an article's topic."""

    jurisdictions: tuple[str, ...]
    text: str
    sources: tuple[Source, ...] = ()
    literals: tuple[str, ...] = ()

    def placeholders(self) -> list[tuple[str, str | None]]:
        """Parameter paths (with their format) the template uses, in order, without place names."""
        return [(m[1], m[2]) for m in PLACEHOLDER.finditer(self.text) if m[1] not in PLACE_NAMES]


@dataclass(frozen=True)
class Article:
    """A question topic with its canonical questions, keywords and per-place variants."""

    id: str
    program: str
    title: str
    questions: tuple[str, ...]
    keywords: tuple[str, ...]
    variants: tuple[Variant, ...] = field(default=())
    # A concept the question must carry for this article to be found at all: 低保归哪个部门管 finds
    # 低保负责部门, but 低保啥时候涨 must not, however much of the program's wording it shares.
    requires: str | None = None
    # How the offices organise the work (领导小组, 工作原则, targets): answered when asked, never
    # offered to a resident as a suggestion or a clarification choice.
    internal: bool = False


@dataclass(frozen=True)
class Concept:
    """A thing residents talk about, with the words they use for it."""

    id: str
    forms: tuple[str, ...]
    generic: bool = False
    block: bool = False
    # An everyday situation (干不了活, 男人跑了, 厂子倒闭了) says why the resident asks: it stands for
    # the topic named here (its own id when the lexicon says ``situation: true``) only when the question
    # names no other topic (老伴干不了活 低保一个月给多少 is about 低保标准, not about who qualifies).
    situation: str | None = None
    # Everyday phrases (怎么发现, 不管事, 手上就有) are read only as written, never by sound or with one
    # wrong character (微信怎么发语音 is no 怎么发现); situations are always read so.
    literal: bool = False
    # How a situation is told, as regular expressions over the question as written (one word for
    # "no" before one for income, labour or money, with a few characters between): the lexicon's
    # forms list the fixed phrases, a pattern the many ways of putting the same words together
    # (没收入 / 没得啥收入 / 一点收入都没有; 病了没钱看 / 看病钱不够).
    patterns: tuple[str, ...] = ()
    # Concepts a pattern's match takes in when their words lie inside it: 医保报完还自己花了两万
    # speaks of what insurance left to pay, not of joining the insurance (参加医保). A situation told
    # only in fixed phrases (no patterns) takes them in wherever they are: 收入一下没了 beside 在外打工
    # tells where the income came from, not a question about migrant work.
    absorbs: tuple[str, ...] = ()
    # A pattern read over words already read, as a declined topic's is: 交不起 inside 学费交不起 still
    # tells a hardship beside the school fees.
    overlaps: bool = False
    # Broad topics a situation tells more of (白血病 beside 看病): named with one of these alone, the
    # situation still stands for its own topic instead of yielding to them.
    refines: tuple[str, ...] = ()
    # A topic only some places publish (单亲母亲: 通伏乡's 贫困关爱单亲母亲): where the place has not, the
    # rules it gives instead are those on this topic (the 兜底 for a household without its breadwinner).
    fallback: str | None = None


def _text(name: str) -> str:
    return resources.files(PACKAGE).joinpath(name).read_text("utf-8")


@cache
def programs() -> dict[str, Program]:
    """The programs by id, read once from ``programs.yaml``."""
    raw = yaml.load(_text("programs.yaml"), Loader=_Loader)
    return {p["id"]: Program(p["id"], p["name"], p["family"]) for p in raw}


@cache
def concepts() -> tuple[Concept, ...]:
    """The lexicon (``lexicon.yaml``)."""
    raw = yaml.load(_text("lexicon.yaml"), Loader=_Loader)["concepts"]
    return tuple(
        Concept(
            cid, tuple(c["forms"]), bool(c.get("generic")), bool(c.get("block")), _situation(cid, c.get("situation")),
            bool(c.get("literal")), tuple(c.get("patterns", ())), tuple(c.get("absorbs", ())), bool(c.get("overlaps")),
            tuple(c.get("refines", ())), c.get("fallback"),
        )
        for cid, c in raw.items()
    )


def _situation(cid: str, value: Any) -> str | None:
    if value is True:
        return cid
    return str(value) if value else None


def _sources(raw: Any, where: str, errors: list[str]) -> tuple[Source, ...]:
    out = []
    for item in raw or ():
        if not isinstance(item, dict) or not item.get("document") or not item.get("section"):
            errors.append(f"{where}: a source needs a document and a section")
            continue
        out.append(Source(str(item["document"]), str(item["section"])))
    return tuple(out)


def _variant(raw: Any, where: str, errors: list[str]) -> Variant | None:
    if not isinstance(raw, dict):
        errors.append(f"{where}: a variant is a mapping")
        return None
    unknown = set(raw) - {"jurisdictions", "text", "sources", "literals"}
    if unknown:
        errors.append(f"{where}: unknown keys {sorted(unknown)}")
    codes = raw.get("jurisdictions")
    text = raw.get("text")
    if not isinstance(codes, list) or not codes or not all(isinstance(c, str) for c in codes):
        errors.append(f"{where}: jurisdictions must be a list of division codes (quoted)")
        return None
    if not isinstance(text, str) or not text.strip():
        errors.append(f"{where}: text missing")
        return None
    # Folded YAML keeps a space where a line broke; Chinese text has none. A space a resident must
    # type (发送：监测 乡镇名 情况) is written as an ideographic space, which this keeps.
    text = re.sub(r"[ \t\r\n]+", "", text)
    return Variant(tuple(codes), text, _sources(raw.get("sources"), where, errors), tuple(raw.get("literals") or ()))


def read_articles() -> tuple[list[Article], list[str]]:
    """Every article in ``articles/*.yaml`` and the schema errors found."""
    articles: list[Article] = []
    errors: list[str] = []
    folder = resources.files(PACKAGE).joinpath("articles")
    for file in sorted(folder.iterdir(), key=lambda t: t.name):
        if not file.name.endswith(".yaml"):
            continue
        where = f"articles/{file.name}"
        raw = yaml.load(file.read_text("utf-8"), Loader=_Loader)
        if not isinstance(raw, list):
            errors.append(f"{where}: expected a list of articles")
            continue
        for item in raw:
            article = _article(item, where, errors)
            if article:
                articles.append(article)
    return articles, errors


def _article(raw: Any, where: str, errors: list[str]) -> Article | None:
    if not isinstance(raw, dict) or not isinstance(raw.get("id"), str):
        errors.append(f"{where}: an article needs an id")
        return None
    aid = raw["id"]
    where = f"{where}: {aid}"
    unknown = set(raw) - {"id", "title", "questions", "keywords", "variants", "requires", "internal"}
    if unknown:
        errors.append(f"{where}: unknown keys {sorted(unknown)}")
    questions, keywords = raw.get("questions"), raw.get("keywords")
    if not isinstance(questions, list) or not questions:
        errors.append(f"{where}: needs canonical questions")
        return None
    if not isinstance(keywords, list):
        errors.append(f"{where}: needs keywords")
        return None
    if not isinstance(raw.get("title"), str):
        errors.append(f"{where}: needs a title")
        return None
    variants = [_variant(v, f"{where}: variant {i + 1}", errors) for i, v in enumerate(raw.get("variants") or ())]
    if not variants:
        errors.append(f"{where}: no variants")
    program = aid.split(".")[0]
    return Article(
        aid,
        program,
        raw["title"],
        tuple(str(q) for q in questions),
        tuple(str(k) for k in keywords),
        tuple(v for v in variants if v),
        str(raw["requires"]) if raw.get("requires") else None,
        bool(raw.get("internal", False)),
    )
