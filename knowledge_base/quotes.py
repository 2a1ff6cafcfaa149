"""The seed's own sentence for a detail the chosen answer leaves out.

An article answers a topic in a sentence or two (同仁市's 走访排查: every quarter, whom); the paragraph
of the seed it comes from often says more (依托驻村干部、党员、村两委…). When a question asks for such a
detail — words of the question that the answer lacks and one sentence of that paragraph has — the
sentence is quoted after the answer, as printed. It is looked for only near where the answer comes
from (the lines of the answering place's own seed that the answer's text shares most with), so the
quote is from the same place and the same provision, never another place's figure.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import cache
from importlib import resources

from knowledge_base.documents import documents
from knowledge_base.parameters import PACKAGE
from knowledge_base.text import compact

# A sentence ends at 。；！？ (a seed's lines also break mid-sentence: lines are joined first).
_SENTENCE_END = re.compile(r"(?<=[。；！？])")
_MARKUP = re.compile(r"[#*]+")
# A heading's number (四、 （一） 2. ), and the longest a heading line runs.
_HEADING = re.compile(r"^(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[）)]|\d+\s*[.．、])")
HEADING_MAX = 30
_HAN = re.compile(r"[\u4e00-\u9fff]")
_DIGIT = re.compile(r"\d")
# Lines of the seed on each side of the best-matching one that count as its paragraph.
NEIGHBOURHOOD = 1
# The least weight of question words a sentence must add to the answer to be quoted, and the most of
# the sentence the answer may already say.
MIN_GAIN = 9.0
MAX_SAID = 0.6
# The least number of bigrams a quote must add to both (实施农村贫困人口大病专项救治工作 only names the topic).
MIN_NEW = 8
FAR_GAIN = 14.0
# Bigrams in a row (six characters) that make a phrase of the question.
PHRASE = 5
# The longest sentence quoted (characters): a quote is a detail, not the paragraph.
MAX_QUOTE = 160
# Answers whose source line is remembered (each is an article rendered for one place).
MAX_REMEMBERED = 4096


# What is left of a heading or a duty line before a sentence (…责任部门：各镇<乡、街道>）4. ), not quoted.
_LEAD = re.compile(r"^(?:.*?[（(](?:牵头|责任)(?:单位|部门)[^）)]*[）)]|[^（(]*[）)])?"
                   r"\s*(?:(?:\d+|[一二三四五六七八九十]+)\s*[.．、]|[（(][一二三四五六七八九十\d]+[）)])?\s*")
MIN_QUOTE = 12


def _sentence(piece: str, line: int) -> _Sentence:
    text = _LEAD.sub("", piece.strip(), count=1).strip()
    return _Sentence(text, line, frozenset(_bigrams(compact(text))))


def _bigrams(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1) if _HAN.match(text[i]) and _HAN.match(text[i + 1])}


@dataclass(frozen=True)
class _Sentence:
    text: str
    line: int
    grams: frozenset[str]

    @property
    def figure(self) -> bool:
        return bool(_DIGIT.search(self.text))


class Seed:
    """One seed document's sentences, with the lines they stand on."""

    def __init__(self, text: str) -> None:
        lines = [_MARKUP.sub("", line).strip() for line in text.splitlines()]
        lines = [line for line in lines if line]
        sentences: list[_Sentence] = []
        carry, carry_line = "", 0
        for number, line in enumerate(lines):
            pieces = [p for p in _SENTENCE_END.split(line) if p.strip()]
            if carry and _HEADING.match(line):
                # What the last line left open was a heading (四、工作要求), not half a sentence.
                carry = ""
            for k, piece in enumerate(pieces):
                if carry:
                    piece, start = carry + piece, carry_line
                    carry = ""
                else:
                    start = number
                if _HEADING.match(piece) and not _SENTENCE_END.search(piece) and len(piece) <= HEADING_MAX:
                    continue
                if k == len(pieces) - 1 and not piece.endswith(("。", "；", "！", "？")):
                    # A line broken mid-sentence: the sentence goes on in the next line.
                    carry, carry_line = piece, start
                    continue
                sentences.append(_sentence(piece, start))
        if carry:
            sentences.append(_sentence(carry, carry_line))
        self.sentences = [s for s in sentences if len(_HAN.findall(s.text)) >= MIN_QUOTE]
        counts = Counter(g for s in sentences for g in s.grams)
        self._idf = {g: math.log(1 + len(sentences) / n) for g, n in counts.items()}
        # Each bigram's lines: an answer's source is found by its bigrams.
        postings: dict[str, list[int]] = {}
        for s in sentences:
            for g in s.grams:
                postings.setdefault(g, []).append(s.line)
        self._postings = postings
        self._sources: dict[str, tuple[frozenset[str], int | None]] = {}
        self._quotable = [s for s in self.sentences if len(s.text) <= MAX_QUOTE and s.grams]
        self._with_gram: dict[str, list[int]] = {}
        for i, s in enumerate(self._quotable):
            for g in s.grams:
                self._with_gram.setdefault(g, []).append(i)

    def _source_of(self, answer: str) -> tuple[frozenset[str], int | None]:
        """The answer's bigrams and the line of the seed that shares most with them (remembered: an
        answer is an article rendered for a place, and there are few of them)."""
        found = self._sources.get(answer)
        if found is None:
            said = frozenset(_bigrams(compact(answer)))
            by_line: dict[int, float] = {}
            for g in said:
                weight = self._idf.get(g)
                if weight:
                    for line in self._postings[g]:
                        by_line[line] = by_line.get(line, 0.0) + weight
            found = (said, max(by_line, key=by_line.__getitem__) if by_line else None)
            if len(self._sources) < MAX_REMEMBERED:
                self._sources[answer] = found
        return found

    def quote(self, question: str, answer: str) -> str | None:
        """The sentence near the answer's source that says most of what the question asks and the
        answer does not, or None."""
        said, anchor = self._source_of(answer)
        if anchor is None:
            return None
        asked = compact(question)
        wanted = _bigrams(asked) - said
        best: tuple[float, _Sentence] | None = None
        # Only sentences that share a bigram the answer lacks can add what is asked.
        for i in sorted({i for g in wanted for i in self._with_gram.get(g, ())}):
            s = self._quotable[i]
            far = abs(s.line - anchor) > NEIGHBOURHOOD
            shared = s.grams & wanted
            gain = math.fsum(self._idf[g] for g in shared)
            # A long phrase of the question that the sentence repeats (监测预警体系) names what is asked.
            phrase = (gain < (FAR_GAIN if far else MIN_GAIN)) and _longest_run(s.grams, asked, wanted) >= PHRASE
            if far and ((gain < FAR_GAIN and not phrase) or s.figure):
                continue
            if len(s.grams & said) > MAX_SAID * len(s.grams):
                continue
            # Two question bigrams in a row (a word of three characters or more), not scattered characters.
            if ((gain >= MIN_GAIN or phrase) and (best is None or gain > best[0])
                    and _longest_run(shared, asked, wanted) >= 2 and len(s.grams - said - wanted) >= MIN_NEW):
                best = (gain, s)
        return best[1].text if best else None


def _longest_run(grams: frozenset[str], asked: str, wanted: frozenset[str] | set[str]) -> int:
    """The most bigrams in a row of the question that the sentence has, counting only runs with one the
    answer lacks."""
    best = run = 0
    new = False
    for i in range(len(asked) - 1):
        gram = asked[i : i + 2]
        if gram in grams:
            run += 1
            new = new or gram in wanted
            if new:
                best = max(best, run)
        else:
            run, new = 0, False
    return best


@cache
def seeds() -> dict[str, Seed]:
    """The seed behind each cited document, by the name sources give it."""
    folder = resources.files(PACKAGE).joinpath("data", "seeds")
    return {d.name: Seed(folder.joinpath(d.seed).read_text("utf-8")) for d in documents().values()}
