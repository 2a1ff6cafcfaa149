"""English questions read through the lexicon's English layer.

An English question ("how much is dibao here", "my house collapsed", "how do I apply for temporary
assistance") is rewritten, phrase by phrase, into the Chinese words the lexicon already knows
(``english:`` in ``lexicon.yaml``: 低保 ← dibao, minimum living allowance …; 多少 ← how much …), so
that programs, situations and the kind of answer asked are read by the same stages as a Chinese
question: places, run-on split, concepts, the kind of answer asked. Words the layer does not know
are kept (pinyin such as "linshi jiuzhu" is still matched by sound); once a phrase has been read,
the English function words around it (the, is, my …) are dropped so that they are not heard as
pinyin. Answers stay in Chinese with the English frame of ``KnowledgeBase._localized``.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

import yaml

from knowledge_base.articles import concepts
from knowledge_base.pinyin import syllables
from knowledge_base.text import toneless

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_LATIN_WORD = re.compile(r"[a-z][a-z']*")
_ANY_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z']*")
_CLAUSE = re.compile(r"(\s*[.?!;,，。？！；]\s*)")
_HAN = re.compile(r"[\u4e00-\u9fff]")
_HYPHEN = re.compile(r"(?<=[A-Za-z])-(?=[A-Za-z])")
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'"})
_QUOTES = re.compile(r"(?<![a-z])'|'(?![a-z])|[\"“”()]")
# Someone is somewhere (I work in Zhejiang, my cousin just found a job in Xining): where they are, said
# as the Chinese reader knows it (我在Zhejiang打工), so that the place is background, not the question's.
_AWAY = re.compile(
    r"(?i:\b(?:(i|we)|he|she|they|(?:my|his|her|our) [a-z]+)(?:'m|'re|'s| am| is| are)?"
    r"(?: now| currently| just| still)? "
    r"(?:(work|works|working|found a job|got a job|has a job|have a job|earns? (?:a salary|money|a living)"
    r"|earning (?:a salary|money|a living)|makes? money|making money|live|lives|living|stay|stays|staying)"
    r"|(study|studies|studying|go to school|goes to school)) in )([A-Z][a-z]+)"
)
# Pinyin typed with tone numbers (lin2 shi2 jiu4 zhu4): a syllable's letters and a digit 1–5 right after them.
_TONE_NUMBER = re.compile(r"(?<![A-Za-z0-9])([A-Za-zü]{1,6})([1-5])(?![0-9A-Za-z])")
_THERE = re.compile(r"(?i)\b(?:there|over there|that place|that city|in that)\b")


def _away(match: re.Match[str], chinese: dict[str, str]) -> str:
    # …live in Shanghai. How much is the minimum living allowance there? asks about that place.
    if _THERE.search(match.string, match.end()):
        return match.group(0)
    place = match.group(4)
    if place.lower() not in chinese and not _is_pinyin(place.lower()):
        # (I work in Malaysia: a place abroad the reader does not know, and nothing the question asks.)
        return " "
    who = "我" if match.group(1) else "他"
    doing = "上学" if match.group(3) else "生活" if match.group(2).lower().startswith(("liv", "stay")) else "打工"
    return f" {who}在{place}{doing} "


@cache
def _asking_words() -> frozenset[str]:
    """The lexicon's words for the kind of answer asked (多少, 怎么申请, 多久)."""
    return frozenset(form for concept in concepts() if concept.generic for form in concept.forms)


def _asking_last(read: str) -> str:
    """An English question asks first (how much is dibao); Chinese says what about first (低保多少):
    within each clause the words for the kind of answer go last, so that 多少低保 is not read as
    多少低保户 (how many households)."""
    asking = _asking_words()
    out = []
    for part in _CLAUSE.split(read):
        words = part.split()
        if _CLAUSE.fullmatch(part) or not words:
            out.append(part)
            continue
        out.append(" ".join([w for w in words if w not in asking] + [w for w in words if w in asking]))
    return " ".join(out)


def check_table() -> None:
    """Reads the layer's phrases once: ValueError where one phrase is given two Chinese words."""
    _table()


@cache
def _table() -> tuple[re.Pattern[str], dict[str, str], frozenset[str]]:
    raw = yaml.load((resources.files("knowledge_base") / "lexicon.yaml").read_text("utf-8"), Loader=_Loader)
    chinese: dict[str, str] = {}
    for word, phrases in raw.get("english", {}).items():
        for phrase in phrases:
            # A hyphen joins words as a space does (chronic-disease, low income).
            key = " ".join(str(phrase).lower().translate(_APOSTROPHES).replace("-", " ").split())
            if key in chinese and chinese[key] != word:
                raise ValueError(f"lexicon english: {key!r} is both {chinese[key]} and {word}")
            chinese[key] = word
    alternatives = sorted(chinese, key=len, reverse=True)
    body = "|".join(r"\s+".join(map(re.escape, p.split())) for p in alternatives)
    # Words that carry no topic and no kind of answer; dropped only from a question the layer has read.
    function_words = frozenset(str(w).lower() for w in raw.get("english_function_words", []))
    # A phrase in the plural (kindergartens, reserves) reads as the phrase.
    return re.compile(rf"(?<![a-z'])(?:{body})(?:s|es)?(?![a-z])", re.IGNORECASE), chinese, function_words


@cache
def _syllables() -> frozenset[str]:
    return frozenset(syllables().values())


def _is_pinyin(word: str) -> bool:
    """Whether ``word`` splits wholly into pinyin syllables (zenme, shenqing; not people, village)."""
    inventory = _syllables()
    reachable = [True] + [False] * len(word)
    for end in range(1, len(word) + 1):
        reachable[end] = any(reachable[start] and word[start:end] in inventory for start in range(max(0, end - 6), end))
    return reachable[-1]


def _phrase(matched: str, chinese: dict[str, str]) -> str:
    """The listed phrase a match is (the match itself, or it without a plural ending)."""
    key = " ".join(matched.split())
    if key in chinese:
        return key
    return key[:-2] if key.endswith("es") and key[:-2] in chinese else key[:-1]


def english_phrases() -> dict[str, str]:
    """The English layer: each phrase and the Chinese word it is read as."""
    return dict(_table()[1])


def read_english(text: str) -> str:
    """``text`` with its English phrases replaced by the lexicon's Chinese words (unchanged if it has
    none). Chinese text passes through untouched, and so does pinyin the layer does not list."""
    if not _LATIN_WORD.search(text.lower()):
        return text
    text = _tone_numbers_dropped(text)
    pattern, chinese, function_words = _table()
    # Pinyin typed with its tones (tuōpín rénkǒu, falü) is read as toneless words: a tone mark must not
    # split a word into pieces that are then dropped as not pinyin.
    original, text = text, toneless(text)
    # Quotation marks ('low-income family') are not apostrophes: they do not join words. The words
    # left keep their case: a capital says a name (Xiamen), which the place reader relies on.
    plain = _HYPHEN.sub(" ", _QUOTES.sub(" ", text.translate(_APOSTROPHES)))
    away = _AWAY.sub(lambda m: _away(m, chinese), plain)
    read = pattern.sub(lambda m: f" {chinese[_phrase(m.group(0).lower(), chinese)]} ", away)
    if read == plain:
        return original
    # A question the layer has read: the English words left around the phrases (the, people, village)
    # are not pinyin and must not be heard as such; a word spelt wholly in pinyin syllables is kept.
    if not _HAN.search(text):
        read = _ANY_LATIN_WORD.sub(
            lambda m: "" if m.group(0).lower() in function_words or not _is_pinyin(m.group(0).lower())
            else m.group(0), read
        )
        read = _asking_last(read)
    return " ".join(read.split())


def _tone_numbers_dropped(text: str) -> str:
    """Pinyin typed with tone numbers (lin2 shi2 jiu4 zhu4) as toneless pinyin. Only in a text where two
    or more words are a syllable followed by its tone; elsewhere a letter and a digit (a4, B2) stay."""
    known = _syllables()

    def is_syllable(match: re.Match[str]) -> bool:
        return match.group(1).lower().replace("ü", "v") in known

    if sum(1 for m in _TONE_NUMBER.finditer(text) if is_syllable(m)) < 2:
        return text
    return _TONE_NUMBER.sub(lambda m: m.group(1) if is_syllable(m) else m.group(0), text)
