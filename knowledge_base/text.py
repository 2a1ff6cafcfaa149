"""One way to read what residents type: width, case, traditional → simplified, spaces, punctuation.

Every layer reads text through this module (the dialog engine, the API, the staff CLI, the
retriever, the place reader), so a message is read the same way wherever it arrives.

- ``clean``: what is kept and shown to staff. Full-width letters and digits and the ideographic
  space become ASCII, traditional characters simplified, runs of spaces one space. Chinese
  punctuation (，。？) stays as the resident wrote it.
- ``fold``: for matching. ``clean`` plus compatibility forms folded (NFKC: ①, ㎡, half-width
  katakana, Chinese punctuation to ASCII), lower case, and pinyin tone marks dropped (dī → di).
- ``compact``: ``fold`` without spaces, punctuation or underscores: the form words are matched in
  (``"正安县 流渡镇？"`` → ``"正安县流渡镇"``, ``"DiBao"`` → ``"dibao"``).
- ``aligned``: ``fold`` with, for each of its characters, where it came from in the original
  text, so that a match in the folded text has a span in what the resident wrote.
- ``to_traditional``: simplified → traditional, for replies in ``zh_Hant``.

Control characters are removed earlier, at the HTTP boundary (``bot.errors.clean_text``). One
OpenCC converter per direction serves the whole process (building one costs milliseconds and
memory; they are loaded on first use), and recent conversions are remembered.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache

from opencc import OpenCC

# What a Chinese input method types in full width (digits, Latin letters) and the ideographic space.
_WIDTH = {code: code - 0xFEE0 for code in [*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B), *range(0xFF41, 0xFF5B)]}
_WIDTH[0x3000] = 0x20
_SPACES = re.compile(r"\s+")
# Pinyin typed with its tones (dī bǎo, jiàntuìqī) reads as the toneless pinyin the lexicon and the
# place table know; ü as v (lǜ → lv), as a pinyin keyboard types it. One character for one, so
# that positions in the folded text still point into what the resident wrote.
_TONES = str.maketrans({
    **dict.fromkeys("āáǎà", "a"), **dict.fromkeys("ēéěè", "e"), **dict.fromkeys("īíǐì", "i"),
    **dict.fromkeys("ōóǒò", "o"), **dict.fromkeys("ūúǔù", "u"), **dict.fromkeys("üǖǘǚǜ", "v"),
    **dict.fromkeys("ńňǹ", "n"), "ḿ": "m",
})
_NOT_WORD = re.compile(r"[\W_]+")


def toneless(text: str) -> str:
    """Pinyin typed with its tones (tuōpín, falü) as toneless pinyin, one character for one."""
    return text.translate(_TONES)


@cache
def _t2s() -> OpenCC:
    return OpenCC("t2s")


@cache
def _s2t() -> OpenCC:
    return OpenCC("s2t")


# One message is read by several layers (the engine, the place reader, the retriever, clause by
# clause), and OpenCC's pure-Python conversion is the slowest step of reading it: remember recent ones.
@lru_cache(maxsize=4096)
def simplified(text: str) -> str:
    """Traditional characters to simplified (臺灣 → 台湾); simplified text is unchanged."""
    # Most messages hold no word and no character any conversion changes: they are returned as they
    # are without OpenCC's walk over its phrase and character dictionaries.
    characters, phrases = _changing()
    if characters.isdisjoint(text) and not any(
            phrase in text for first in phrases.keys() & set(text) for phrase in phrases[first]):
        return text
    return _t2s().convert(text)


@cache
def _changing() -> tuple[frozenset[str], dict[str, tuple[str, ...]]]:
    """What OpenCC's t2s dictionaries change: the characters their one-character entries change, and
    by first character the words of several characters they write otherwise. A text holding none of
    these is unchanged (the phrases that change nothing, and the characters that only change inside
    a phrase, such as 有 or 么, do not send it through the conversion: a third of questions did)."""
    converter = _t2s()
    converter.convert("")  # loads the dictionaries
    characters: set[str] = set()
    phrases: dict[str, list[str]] = {}
    for chain in converter._dict_chain_data:  # the package keeps its dictionaries there
        for entry in chain:
            table = entry[2] if isinstance(entry, tuple) else entry
            for key, value in table.items():
                if key == value:
                    continue
                if len(key) == 1:
                    characters.add(key)
                else:
                    phrases.setdefault(key[0], []).append(key)
    return frozenset(characters), {first: tuple(words) for first, words in phrases.items()}


def to_traditional(text: str) -> str:
    return _s2t().convert(text)


def clean(text: str) -> str:
    """Full-width letters and digits to ASCII, traditional to simplified, spaces folded, ends trimmed."""
    text = simplified(unicodedata.normalize("NFC", text).translate(_WIDTH))
    return _SPACES.sub(" ", text).strip()


def _folded(text: str) -> str:
    """Compatibility forms folded (NFKC), lower case, tone marks dropped, simplified characters."""
    return simplified(unicodedata.normalize("NFKC", text).lower().translate(_TONES))


def fold(text: str) -> str:
    """``clean`` for matching: compatibility forms folded (NFKC) and lower case."""
    return _SPACES.sub(" ", _folded(text)).strip()


# Dialect words for common ones, so that the lexicon need not list every phrase in each dialect:
# Guizhou and the northwest (莫得, 屋头, 啷个, 咋么, 哪搭, 啥子), Puxian Min in 城厢区 (阮 I/we, 厝 house,
# 囝 child, 伊 he/she, 翁 husband after 阮), Cantonese 冇.
_DIALECT = {
    "莫得": "没得", "莫有": "没有", "莫本钱": "没本钱", "莫钱": "没钱", "莫人": "没人", "莫收入": "没收入",
    "冇": "没", "厝里": "家里", "厝内": "家里", "阮翁": "我老公", "阮兜": "我家", "阮": "我", "囝仔": "孩子",
    "囝": "孩子", "伊": "他", "屋头": "家里", "啷个": "怎么", "咋么": "怎么", "哪搭": "哪里", "啥子": "什么",
    "阿么": "怎么",
}
_DIALECT_WORD = re.compile("|".join(sorted(_DIALECT, key=len, reverse=True)))


def compact(text: str) -> str:
    """``fold`` without spaces, punctuation or underscores, dialect words as their common ones: the form
    words and names are matched in."""
    folded = _folded(text)
    if _DIALECT_WORD.search(folded):
        folded = _DIALECT_WORD.sub(lambda m: _DIALECT[m[0]], folded)
    return _NOT_WORD.sub("", folded)


def digits(text: str) -> str:
    """The digits of a text in order (ticket numbers written with spaces or in full width)."""
    return "".join(ch for ch in clean(text) if ch.isdigit())


class _FoldedChars(dict[int, str]):
    """Code point → the character folded alone (NFKC, lower case, no tone mark), computed when first
    met: a ``str.translate`` table."""

    def __missing__(self, code: int) -> str:
        piece = unicodedata.normalize("NFKC", chr(code)).lower().translate(_TONES)
        if len(piece) != 1:
            _UNEVEN.add(chr(code))
        self[code] = piece
        return piece


_FOLDED_CHARS = _FoldedChars()
# The characters met so far that fold into more or fewer than one (㎡ → m2).
_UNEVEN: set[str] = set()


def aligned(text: str) -> tuple[str, list[int]]:
    """``fold``-ed text without collapsing spaces, and for each of its characters its index in ``text``.

    Characters are folded one by one (NFKC may turn one into several, ㎡ → m2); the conversion to
    simplified characters runs on the whole text, since OpenCC reads phrases, and only falls back to
    one character at a time in the rare case where a phrase changes length.
    """
    # Each character folded alone, through a table of the characters seen so far; when none becomes
    # more or fewer characters (almost every message), each stays where it was written.
    folded = text.translate(_FOLDED_CHARS)
    if _UNEVEN.isdisjoint(text):
        where = list(range(len(text)))
    else:
        where = [index for index, char in enumerate(text) for _ in range(len(_FOLDED_CHARS[ord(char)]))]
    converted = simplified(folded)
    if len(converted) != len(folded):
        converted = "".join(simplified(c) if len(simplified(c)) == 1 else c for c in folded)
    return converted, where
