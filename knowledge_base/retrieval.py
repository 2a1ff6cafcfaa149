"""Finding the article a resident's question is about.

Lexical, Chinese-aware and fast: the question is normalised (width, case, traditional → simplified),
then read for concepts — words from the lexicon and the articles' keywords, matched exactly, by
sound (pinyin input, homophone typos such as 底保) or with one wrong character in a word of three or
more — and for character bigrams. Articles are scored by the concepts they share with the question,
weighted by rarity, with bigrams as a tie-breaker; a question sharing no topical concept with any
article is not answered.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from re import _constants as sre_constants  # type: ignore[attr-defined]
from re import _parser as sre_parser  # type: ignore[attr-defined]
from typing import Any

from knowledge_base.articles import PLACEHOLDER, Article, Concept
from knowledge_base.memo import Memo
from knowledge_base.pinyin import syllables
from knowledge_base.text import compact

_HAN = re.compile(r"[\u4e00-\u9fff]")
# What an article keyword that is no lexicon word stands for: a topic of its own.
_PLAIN = Concept("", ())

# A generic word (多少, 怎么申请) says what kind of answer is wanted, not what about: it counts less,
# and only for an article whose title or keywords are about that (低保申请, not 单人保).
GENERIC_WEIGHT = 0.35
BIGRAM_WEIGHT = 0.15
# A topical word of the question that an article does not mention counts against that article.
MISSING_PENALTY = 0.5
# Words of this many characters or more are long enough for a typo in them to be a typo, not
# another word (特因供养, 价格临事补贴; but 贫困户 is not 特困户).
LONG_WORD = 4
# An article whose title the question covers is what the question is about (低保标准 for "底保标准多少").
TITLE_BONUS = 1.0

# Words that are no kind of answer asked for: rough quantities (好几万), everyone (城乡居民), 政策.
NOT_ASKING = frozenset({"rough_quantity", "residents", "policy", "authorities"})


def bigrams(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1) if _HAN.match(text[i]) and _HAN.match(text[i + 1])}


@dataclass(frozen=True)
class Reading:
    """What a question says: its concepts (topical and generic) and its bigrams."""

    concepts: frozenset[str]
    topical: frozenset[str]
    bigrams: frozenset[str]
    # Topics Minsheng does not cover (买房, 银行卡) that the question names.
    blocked: frozenset[str]


# A period followed by a figure told (一年学费一万多, 每月两千多, 一年医药费好几万): it tells, it does not ask.
_PERIOD_TOLD = re.compile(r"(?:一年|每年|一个月|每月|每个月)"
                          r"(?=[^多几啥什]{0,6}(?:[0-9一二两三四五六七八九十百千万]+(?:多|块|元|出头)|[|]))")


class Matcher:
    """Finds concepts in text: exact words, then words by sound, then words with one wrong character."""

    def __init__(
        self, concepts: Iterable[Concept], keywords: Iterable[str], by_sound: bool = True, one_wrong: bool = True
    ) -> None:
        self.by_sound, self.one_wrong = by_sound, one_wrong
        # Concepts that name a program (低保, 特困, 临时救助); the index that reads articles sets them.
        self.program_names: frozenset[str] = frozenset()
        self.concepts = {c.id: c for c in concepts}
        self.forms: dict[str, str] = {}
        for concept in self.concepts.values():
            for form in concept.forms:
                self.forms[compact(form)] = concept.id
        # A keyword is a concept of its own only when it holds no lexicon word: "临时救助标准" must
        # still mean 临时救助, not shadow it. (Looked up by the words' lengths, not by trying every
        # word against every keyword: that was a fifth of a start-up.)
        words = {form for form in self.forms if len(form) >= 2}
        word_lengths = sorted({len(form) for form in words})
        for keyword in map(compact, keywords):
            if not any(keyword[i : i + n] in words for n in word_lengths for i in range(len(keyword) - n + 1)):
                self.forms.setdefault(keyword, keyword)
        # The lengths of the words that begin with each character, longest first.
        lengths_from: dict[str, set[int]] = {}
        for form in self.forms:
            lengths_from.setdefault(form[0], set()).add(len(form))
        self._lengths_from = {char: tuple(sorted(lengths, reverse=True)) for char, lengths in lengths_from.items()}
        self._sound: dict[str, str] = {}
        self._sound_chars: dict[str, int] = {}
        # The word each sound stands for, as written in the lexicon.
        self._sound_form: dict[str, str] = {}
        self._one_off: dict[str, str] = {}
        self._two_char: dict[str, list[str]] = {}
        for form, cid in self.forms.items():
            # A situation is an everyday phrase, read only as written: 男人得了 is no typo of 男人没了.
            # So is a declined topic: a word that sounds like one is more often an everyday word of
            # the question (手艺 / 兽医) than the topic misspelt (no question set changed, measured).
            concept = self.concepts.get(cid, _PLAIN)
            if self.is_situation(cid) or concept.literal or concept.block:
                continue
            sound = self.sound(form)
            if len(form) >= 2 and sound and len(sound) >= 4 and sound not in self._sound:
                self._sound[sound] = cid
                self._sound_chars[sound] = len(form)
                self._sound_form[sound] = form
            if len(form) == 2 and sound and self._sound.get(sound) == cid:
                self._two_char.setdefault(sound, []).append(form)
            # One wrong character in four (特因供养) is a typo; in three (贫困户 / 特困户) a different word.
            if len(form) >= LONG_WORD:
                for i in range(len(form)):
                    self._one_off.setdefault(form[:i] + "?" + form[i + 1 :], cid)
        self._longest_sound = max(map(len, self._sound), default=0)
        # Lengths (four characters or more) of topical words that have a sound, shortest first.
        self._long_sound_lengths = sorted({n for snd, n in self._sound_chars.items()
                                           if n >= LONG_WORD and self.is_topical(self._sound[snd])})
        # Every beginning of a sound, and of a long topical word's: a stretch of a question's sound
        # that begins no word's is not lengthened further (the sound passes probed every length at
        # every place, half of reading a new question).
        self._sound_starts = _beginnings(self._sound)
        self._long_sound_starts = _beginnings(snd for snd, n in self._sound_chars.items()
                                              if n >= LONG_WORD and self.is_topical(self._sound[snd]))
        # The second and the third and fourth characters of the one-wrong-character forms, per
        # length: a window with neither is no such form, whichever character is wrong.
        self._one_off_heads: dict[int, set[str]] = {}
        self._one_off_middles: dict[int, set[str]] = {}
        for form in self._one_off:
            if "?" not in form[:2]:
                self._one_off_heads.setdefault(len(form), set()).add(form[:2])
            if "?" not in form[2:4]:
                self._one_off_middles.setdefault(len(form), set()).add(form[2:4])
        self._generic_forms = [f for f, cid in self.forms.items() if self.concepts.get(cid, _PLAIN).generic]
        self._rough_forms = [f for f, cid in self.forms.items() if cid == "rough_quantity"]
        # A pattern is read where some of its words are not read yet; one that takes other concepts in,
        # or names a declined topic (养老金每月几号发), is read over words already read.
        # Each with the characters a match can begin with (None: any): a pattern none of whose first
        # characters the text holds is not run (most texts hold none; running all fifty was a third of
        # reading a new question).
        self._patterns = [(c.id, compiled, frozenset(c.absorbs), bool(c.absorbs) or c.block or c.overlaps,
                           first_characters(compiled))
                          for c in self.concepts.values() if c.patterns
                          for compiled in [re.compile("|".join(f"(?:{p})" for p in c.patterns))]]
        # A question is read several times on its way to an answer (for its place, its clauses, the
        # semantic stage, the answer), and the same questions come again and again.
        self._readings: Memo[str, Reading] = Memo()
        # The concepts of a normalised question (``found``): a question and its clauses are looked
        # for again by the answer (a hardship told, a topic named), a third of the first reading's finds.
        self._found: Memo[str, tuple[frozenset[str], frozenset[str]]] = Memo()

    @staticmethod
    def sound(text: str) -> str | None:
        """Toneless pinyin of a run of Chinese characters, None if one has no known reading."""
        table = syllables()
        parts = [table.get(c) for c in text]
        return "".join(p for p in parts if p) if all(parts) else None

    def is_situation(self, cid: str) -> bool:
        concept = self.concepts.get(cid)
        return concept is not None and concept.situation is not None

    def is_topical(self, cid: str) -> bool:
        concept = self.concepts.get(cid)
        return concept is None or not (concept.generic or concept.block)

    def find(self, text: str, written: bool = False, fixed: set[str] | None = None) -> set[str]:
        """Concept ids in already-normalised text; ``written``: text written with care (an article), in
        which no homophone of a long word is looked for before the exact words. ``fixed`` receives the
        words read through a homophone or pinyin (残急人生活补帖: 残疾人生活补贴), as the lexicon writes
        them (not those one character off: 收入刚过 is no 收入超过)."""
        fixed = set() if fixed is None else fixed
        found: set[str] = set()
        covered = [False] * len(text)
        topical = [False] * len(text)
        blocked_at: dict[str, list[tuple[int, int]]] = {}
        at: dict[str, list[tuple[int, int]]] = {}
        # A topical word of four characters or more written with a homophone (物价补帖) is read with
        # the exact words, by its length: a shorter exact word inside it (物价) must not hide it.
        alike = self._long_sound_alikes(text) if self.by_sound and not written else {}
        # Longest words first; among words of one length the leftmost wins, so 最多给多少 reads
        # 最多 + 多少, not 多给 (增发).
        # Each place is looked up only for the lengths of the words that begin with its character;
        # the words found are then taken in that order (longest first, leftmost first).
        candidates: list[tuple[int, int, str]] = []
        for start, char in enumerate(text):
            room = len(text) - start
            for length in self._lengths_from.get(char, ()):
                cid = self.forms.get(text[start : start + length]) if length <= room else None
                if cid is not None:
                    candidates.append((-length, start, cid))
        candidates += [(-length, start, cid) for (start, length), cid in alike.items()]
        candidates.sort()
        for negative, start, cid in candidates:
            length = -negative
            end = start + length
            if not any(covered[start:end]):
                found.add(cid)
                at.setdefault(cid, []).append((start, end))
                if (start, length) in alike and alike[(start, length)] == cid:
                    fixed.add(self._sound_form[self.sound(text[start:end]) or ""])
                covered[start:end] = [True] * length
                # A generic word of four characters or more is read as itself, not as a typo of
                # a topic (城乡居民 is everyone, not a misspelt 城镇居民).
                if self.is_topical(cid) or (length >= LONG_WORD and not self.concepts.get(cid, _PLAIN).block):
                    topical[start:end] = [True] * length
                if self.concepts.get(cid, _PLAIN).block:
                    blocked_at.setdefault(cid, []).append((start, end))
        chars = frozenset(text)
        # Matches that take in other concepts, applied once every pattern has been read, so that the
        # order of the lexicon does not decide which of two overlapping patterns was read first.
        taking: list[tuple[int, int, frozenset[str]]] = []
        for cid, pattern, absorbs, over_read, firsts in self._patterns:
            if firsts is not None and firsts.isdisjoint(chars):
                continue
            for match in pattern.finditer(text):
                start, end = match.span()
                if all(covered[start:end]) and not over_read:
                    continue
                found.add(cid)
                at.setdefault(cid, []).append((start, end))
                covered[start:end] = topical[start:end] = [True] * (end - start)
                if self.concepts[cid].block:
                    blocked_at.setdefault(cid, []).append((start, end))
                if absorbs:
                    taking.append((start, end, absorbs))
        for start, end, absorbs in taking:
            for taken in absorbs & found:
                if all(start <= s and e <= end for s, e in at[taken]):
                    found.discard(taken)
        if self.by_sound:
            for segment in _uncovered(text, covered):
                found |= self._by_sound(segment, typed=not written, fixed=fixed)
        # Generic words hide only short words from the fuzzy matches: in 价格临事补贴 the generic 补贴
        # must not hide the typo of 价格临时补贴, but 最多给 must not be re-read as 多给 (增发).
        for segment in _uncovered(text, topical):
            if self.by_sound:
                found |= self._by_sound(segment, min_chars=LONG_WORD, fixed=fixed)
            if self.one_wrong:
                found |= self._with_one_wrong(segment)
        # A blocked word that is only part of a misspelt topical word is the typo's accident:
        # 孤儿基本生话费 is 基本生活费 written wrong, not a question about 话费.
        if self.one_wrong:
            for cid, spans in blocked_at.items():
                if all(self._inside_typo(text, start, end) for start, end in spans):
                    found.discard(cid)
        return found

    def found(self, text: str) -> frozenset[str]:
        """:meth:`find` in a question's already-normalised text, remembered."""
        return self._found.get(text, lambda: self._find_fixed(text))[0]

    def fixed(self, text: str) -> frozenset[str]:
        """The words :meth:`found` read through a homophone or pinyin, as the lexicon writes them."""
        return self._found.get(text, lambda: self._find_fixed(text))[1]

    def _find_fixed(self, text: str) -> tuple[frozenset[str], frozenset[str]]:
        fixed: set[str] = set()
        found = self.find(text, fixed=fixed)
        return frozenset(found), frozenset(fixed)

    def _long_sound_alikes(self, text: str) -> dict[tuple[int, int], str]:
        """(start, length) → concept of each stretch of four or more characters that sounds like a
        topical word of that length without being written as one."""
        table = syllables()
        pieces = [table.get(c) for c in text]
        out: dict[tuple[int, int], str] = {}
        lengths = set(self._long_sound_lengths)
        longest = max(lengths, default=0)
        beginnings = self._long_sound_starts
        for start in range(len(text)):
            sound = ""
            for length, piece in enumerate(pieces[start : start + longest], 1):
                if piece is None:
                    break
                sound += piece
                if sound not in beginnings:
                    break
                if length in lengths:
                    cid = self._sound.get(sound)
                    if (cid is not None and self._sound_chars[sound] == length and self.is_topical(cid)
                            and text[start : start + length] not in self.forms):
                        out[(start, length)] = cid
        return out

    def _inside_typo(self, text: str, start: int, end: int) -> bool:
        """Whether ``text[start:end]`` lies inside a topical word of four or more characters written
        with one wrong character."""
        for length in range(max(LONG_WORD, end - start + 1), 7):
            for begin in range(max(0, end - length), min(start, len(text) - length) + 1):
                window = text[begin : begin + length]
                for i in range(length):
                    cid = self._one_off.get(window[:i] + "?" + window[i + 1 :])
                    if cid and self.is_topical(cid):
                        return True
        return False

    def _by_sound(self, segment: str, min_chars: int = 2, typed: bool = False,
                  fixed: set[str] | None = None) -> set[str]:
        # Boundaries: between syllables of characters, and anywhere inside typed Latin letters.
        table = syllables()
        sound, starts, ends = "", set(), set()
        # Where each Chinese character's syllable starts in ``sound``: a match's characters as written.
        han_at: dict[int, int] = {}
        for i, char in enumerate(segment):
            piece = table.get(char) or (char if char.isascii() and char.isalpha() else "")
            if not piece:
                sound += "|"
                continue
            if char.isascii():
                starts.update({len(sound), len(sound) + 1})
                ends.update({len(sound), len(sound) + 1})
            else:
                han_at[len(sound)] = i
                starts.add(len(sound))
                ends.add(len(sound) + len(piece))
            sound += piece
        # Every stretch between a boundary where a syllable starts and one where a syllable ends is
        # looked up (a dict probe each), longest matches first, leftmost first among equals.
        # Only the ends are visited, found by bisection, not every position up to the longest word's
        # sound (32 letters): the articles' texts are read so at every start.
        matches: list[tuple[int, int, int, str]] = []
        beginnings = self._sound_starts
        ordered = sorted(ends)
        for start in starts:
            first = bisect_left(ordered, start + 2)
            last = bisect_right(ordered, min(len(sound), start + self._longest_sound), first)
            for end in ordered[first:last]:
                form_sound = sound[start:end]
                if form_sound not in beginnings:
                    break
                if (form_sound in self._sound and self._sound_chars[form_sound] >= min_chars
                        and (not typed or self._typed_alike(segment, han_at, start, form_sound))):
                    matches.append((start - end, start, end, form_sound))
        matches.sort()
        found: set[str] = set()
        taken: list[tuple[int, int]] = []
        for _length, start, end, form_sound in matches:
            if not any(s < end and start < e for s, e in taken):
                found.add(self._sound[form_sound])
                taken.append((start, end))
                # A short homophone in Chinese characters is as often another word (坚定 / 鉴定): only a
                # long one, or pinyin, is read as the word written right.
                if fixed is not None and self._sound_chars[form_sound] >= (LONG_WORD if start in han_at else 3):
                    fixed.add(self._sound_form[form_sound])
        return found

    def _typed_alike(self, segment: str, han_at: dict[int, int], start: int, form_sound: str) -> bool:
        """A two-character word heard in two written characters keeps one of them (底保 for 低保, 拖养
        for 托养): two other characters that sound alike are two other words (子扶 in 啥子扶持 is no
        自付, 府有 in 政府有 no 妇幼)."""
        if self._sound_chars[form_sound] != 2 or start not in han_at:
            return True
        first = han_at[start]
        written = segment[first:first + 2]
        return any(written[0] == form[0] or written[1:] == form[1:] for form in self._two_char[form_sound])

    def _with_one_wrong(self, segment: str) -> set[str]:
        found: set[str] = set()
        for length in range(min(len(segment), 6), 3, -1):
            heads = self._one_off_heads.get(length, set())
            middles = self._one_off_middles.get(length, set())
            for start in range(len(segment) - length + 1):
                window = segment[start : start + length]
                if window[:2] not in heads and window[2:4] not in middles:
                    continue
                for i in range(length):
                    cid = self._one_off.get(window[:i] + "?" + window[i + 1 :])
                    if cid:
                        found.add(cid)
        return found

    def asks(self, text: str, ignoring: frozenset[str] = frozenset()) -> bool:
        """Whether the text has a word that asks something (多少, 多久), even inside a longer word (多久答复);
        words of the concepts ``ignoring`` do not count."""
        normal = compact(text)
        # A rough quantity (好几年, 十几岁) tells; the 几年 inside it asks nothing.
        for form in self._rough_forms:
            normal = normal.replace(form, "|")
        # 一年学费一万多 tells what something costs; 一年 asks only beside a figure asked for (一年多少).
        if _PERIOD_TOLD.search(normal):
            normal = _PERIOD_TOLD.sub("|", normal)
        return any(form in normal for form in self._generic_forms if self.forms[form] not in ignoring)

    def read(self, text: str) -> Reading:
        """The question's concepts and bigrams (remembered: a Reading is frozen)."""
        return self._readings.get(text, lambda: self._read(text))

    def _read(self, text: str) -> Reading:
        normal = compact(text)
        found: Iterable[str] = self.found(normal)
        taken_in = {a for c in found if (concept := self.concepts.get(c)) is not None and not concept.patterns
                    for a in concept.absorbs}
        found = [c for c in found if c not in taken_in]
        # A situation yields to any topic the question names (老伴干不了活 低保一个月给多少 asks about
        # 低保's amount); otherwise it stands for the topic it points to (厂子倒闭了没活干: jobs).
        named = {c for c in found if self.is_topical(c) and not self.is_situation(c)}
        if named:
            # …白血病，看病有专门救治吗: a situation that tells more of the broad topic named stands beside it.
            found = {self.concepts[c].situation or c if self.is_situation(c) else c for c in found
                     if not self.is_situation(c) or named <= set(self.concepts[c].refines)}
        else:
            found = {self.concepts[c].situation or c if self.is_situation(c) else c for c in found}
        topical = frozenset(c for c in found if self.is_topical(c))
        blocked = frozenset(c for c in found if c in self.concepts and self.concepts[c].block)
        # A word read through a typo or in pinyin counts its characters as written right (残急人 → 残疾人).
        grams = bigrams(normal).union(*(bigrams(form) for form in self.fixed(normal)))
        return Reading(frozenset(found), topical, frozenset(grams), blocked)


def first_characters(pattern: re.Pattern[str]) -> frozenset[str] | None:
    """The characters a non-empty match of the pattern can begin with; None when that is any character
    or the pattern can match nothing at all (an empty match), or it uses what this does not follow."""
    if pattern.flags & re.IGNORECASE:
        return None
    try:
        firsts, empty = _firsts(sre_parser.parse(pattern.pattern))
    except (TypeError, ValueError, re.error):
        return None
    return None if firsts is None or empty else frozenset(firsts)


def _firsts(items: Iterable[tuple[object, object]]) -> tuple[set[str] | None, bool]:
    """(first characters, whether it can match empty) of a parsed sequence; None: any character."""
    found: set[str] = set()
    for op, av in items:
        firsts, empty = _item_firsts(op, av)
        if firsts is None:
            return None, False
        found |= firsts
        if not empty:
            return found, False
    return found, True


def _item_firsts(op: object, av: Any) -> tuple[set[str] | None, bool]:
    c = sre_constants
    if op is c.LITERAL:
        return {chr(av)}, False
    if op is c.IN:
        chars: set[str] = set()
        for kind, value in av:
            if kind is c.LITERAL:
                chars.add(chr(value))
            elif kind is c.RANGE and value[1] - value[0] < 256:
                chars.update(map(chr, range(value[0], value[1] + 1)))
            else:  # a negated set, a category (\d), a wide range
                return None, False
        return chars, False
    if op is c.BRANCH:
        found: set[str] = set()
        empty = False
        for branch in av[1]:
            firsts, branch_empty = _firsts(branch)
            if firsts is None:
                return None, False
            found |= firsts
            empty = empty or branch_empty
        return found, empty
    if op is c.SUBPATTERN:
        _group, add_flags, _del_flags, items = av
        return (None, False) if add_flags & re.IGNORECASE else _firsts(items)
    if op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
        low, _high, items = av
        firsts, empty = _firsts(items)
        return firsts, empty or low == 0
    if op is c.ATOMIC_GROUP:
        return _firsts(av)
    if op in (c.AT, c.ASSERT, c.ASSERT_NOT):
        # Zero-width: the match begins with what follows (ignoring a lookahead only widens the set).
        return set(), True
    return None, False  # any character (.), a character not given, a back-reference …


def _beginnings(sounds: Iterable[str]) -> frozenset[str]:
    """Every sound's beginnings, the whole sound included."""
    return frozenset(sound[:n] for sound in sounds for n in range(1, len(sound) + 1))


def _uncovered(text: str, covered: list[bool]) -> list[str]:
    segments, current = [], ""
    for char, done in zip(text, covered, strict=True):
        if done:
            if current:
                segments.append(current)
            current = ""
        else:
            current += char
    if current:
        segments.append(current)
    return segments


@dataclass(frozen=True)
class Hit:
    article: Article
    score: float
    shared_topical: frozenset[str]


class Index:
    """Scores articles against a question's reading."""

    def __init__(self, articles: Iterable[Article], matcher: Matcher) -> None:
        self.matcher = matcher
        self.articles = list(articles)
        self._concepts: list[frozenset[str]] = []
        self._focus: list[frozenset[str]] = []
        self._title: list[frozenset[str]] = []
        self._bigrams: list[frozenset[str]] = []
        # The same texts come again and again (a title is read three times, a keyword twice, an answer
        # given alike for many places): each is read once (1,314 reads where there were 2,498).
        read: dict[str, frozenset[str]] = {}

        def written(text: str) -> frozenset[str]:
            if text not in read:
                read[text] = frozenset(matcher.find(compact(text), written=True))
            return read[text]

        for article in self.articles:
            texts = [article.title, *article.questions, *article.keywords]
            self._concepts.append(frozenset(c for t in texts for c in written(t)))
            focus = [article.title, *article.keywords]
            self._focus.append(frozenset(c for t in focus for c in written(t)))
            self._title.append(frozenset(c for c in written(article.title) if matcher.is_topical(c)))
            self._bigrams.append(frozenset(b for t in texts for b in bigrams(compact(t))))
        self._focus_by_id = {a.id: f for a, f in zip(self.articles, self._focus, strict=True)}
        # A program's own names are the topics several of its articles' titles share (低保 in 低保标准,
        # 低保渐退期 …), not one article's subject (不计入家庭收入).
        in_titles: dict[str, dict[str, int]] = {}
        for article, title in zip(self.articles, self._title, strict=True):
            named = in_titles.setdefault(article.program, {})
            for concept in title:
                named[concept] = named.get(concept, 0) + 1
        self._program_names = {p: frozenset(c for c, n in named.items() if n > 1) for p, named in in_titles.items()}
        matcher.program_names = frozenset(c for names in self._program_names.values() for c in names)
        # Everything an article speaks of, its answers included: 同仁市's answer on 基础养老金 speaks of
        # 养老保险, so a question about that is not declined as being about pensions in general.
        self._mentions: list[frozenset[str]] = [
            concepts | {c for v in article.variants for c in written(PLACEHOLDER.sub("", v.text))}
            for article, concepts in zip(self.articles, self._concepts, strict=True)
        ]
        self._mentions_by_id = {a.id: m for a, m in zip(self.articles, self._mentions, strict=True)}
        # The articles each topical concept appears in: a question is scored against those only,
        # not against every article (an article sharing no topical concept is no match).
        self._with_topic: dict[str, list[int]] = {}
        for i, concepts in enumerate(self._concepts):
            for concept in concepts:
                if matcher.is_topical(concept):
                    self._with_topic.setdefault(concept, []).append(i)
        self._searches: Memo[Reading, tuple[Hit, ...]] = Memo()
        n = len(self.articles)
        self._idf: dict[str, float] = {}
        # What no article holds (the log was taken at each of the ~25 lookups a question's score makes).
        self._unseen_idf = math.log(1 + n)
        for sets in (self._concepts, self._bigrams):
            counts: dict[str, int] = {}
            for s in sets:
                for item in s:
                    counts[item] = counts.get(item, 0) + 1
            for item, df in counts.items():
                self._idf[item] = math.log(1 + n / df)

    def asks_for_other_than(self, reading: Reading, article: Article, best: Article) -> bool:
        """Whether the question asks for a kind of answer (多少, 多久…) that ``best`` gives and ``article`` does not."""
        return bool(self.kinds_given_only_by(reading, best, article))

    def kinds_given_only_by(self, reading: Reading, article: Article, other: Article) -> set[str]:
        """The kinds of answer the question asks for (多少, 多久…) that ``article`` gives and ``other`` does not."""
        return self._kinds_asked(reading) & self._focus_by_id[article.id] - self._focus_by_id[other.id]

    def gives(self, article: Article, kind: str) -> bool:
        """Whether the article gives this kind of answer (an amount, a time, where to apply…)."""
        return kind in self._focus_by_id[article.id]

    def asks_what_it_does_not_give(self, reading: Reading, article: Article) -> bool:
        """Whether the question asks for kinds of answer (多少, 多久…) and the article gives none of them;
        a question that asks no kind (儿子出车祸住院了，家里钱都花光了) is answered by the article's rules."""
        wanted = self._kinds_asked(reading) - NOT_ASKING
        return bool(wanted) and not wanted & self._focus_by_id[article.id]

    def _kinds_asked(self, reading: Reading) -> set[str]:
        """The generic words of the question: the kinds of answer it asks for (多少, 多久, 怎么申请 …)."""
        return {c for c in reading.concepts if not self.matcher.is_topical(c)}

    def names_program(self, reading: Reading, program: str) -> bool:
        """Whether the question names the program itself (低保, 特困), not only something near it."""
        return bool(reading.topical & self._program_names.get(program, frozenset()))

    def speaks_of(self, article: Article, concept_ids: Iterable[str]) -> bool:
        """Whether the article (its questions, keywords or answers) mentions all of these concepts."""
        return set(concept_ids) <= self._mentions_by_id[article.id]

    def mentions(self, article: Article) -> frozenset[str]:
        """The concepts the article (its questions, keywords or answers) mentions."""
        return frozenset(self._mentions_by_id[article.id])

    def idf(self, item: str) -> float:
        return self._idf.get(item, self._unseen_idf)

    def search(self, reading: Reading) -> list[Hit]:
        """Articles sharing a topical concept with the question, best first."""
        return list(self._searches.get(reading, lambda: self._search(reading)))

    def _search(self, reading: Reading) -> tuple[Hit, ...]:
        # In the articles' order, as when every article was scored: equal scores keep that order.
        candidates = sorted({i for c in reading.concepts for i in self._with_topic.get(c, ())})
        hits = []
        idf = self.idf
        for i in candidates:
            article, concepts, focus = self.articles[i], self._concepts[i], self._focus[i]
            title, grams, mentions = self._title[i], self._bigrams[i], self._mentions[i]
            if article.requires and article.requires not in reading.concepts:
                continue
            shared = reading.concepts & concepts
            shared_topical = frozenset(c for c in shared if self.matcher.is_topical(c))
            if not shared_topical:
                continue
            # fsum: a sum over a set must not depend on the set's order, which the interpreter's string hashing
            # changes from one process to the next; a plain sum could break a tie differently after a restart, or
            # between two processes of one service, and give the same question another answer.
            score = math.fsum(idf(c) for c in shared_topical)
            score += GENERIC_WEIGHT * math.fsum(idf(c) for c in (shared - shared_topical) & focus)
            score += BIGRAM_WEIGHT * math.fsum(idf(b) for b in reading.bigrams & grams)
            score -= MISSING_PENALTY * math.fsum(idf(c) for c in reading.topical - mentions)
            if title:
                score += TITLE_BONUS * len(title & reading.topical) / len(title)
            hits.append(Hit(article, score, shared_topical))
        hits.sort(key=lambda h: h.score, reverse=True)
        return tuple(hits)
