"""Reading places in what residents write, over China's national division table.

Every province, prefecture, county and township (about 45,000, ``shared/data/divisions``) is known
by its full name, the short name people say (流渡镇 → 流渡, 临夏回族自治州 → 临夏), the forms
other editions or people use (临夏州, 东乡县, 同仁县), and, for provinces, prefectures, counties and
the townships Minsheng serves, its pinyin ("Tongren", "zhengan county", "tongrenshi").

``reader().read(text)`` returns every place the text names, as ``Mention``s: the span in the text
as written, the place(s) it could mean (several when the name is shared: 城关镇 is in 88 counties;
the reader reports, it does not guess), which of them Minsheng serves, the served places inside a
place it serves only part of (遵义市 → 正安县), served places a misspelling may mean (安厂镇 →
安场镇, offered, never taken), and whether it was written as where the writer lives or is from
(我是…的, 我在…住). ``reader().named(text)`` is the mention of a message that is only a place
("正安县 流渡镇", "我是流渡的", "Longwu"), or None.

How names are read:

- A county and the places above or below it read together, with or without space, suffix, 的 or
  a bracket between them: 正安县流渡镇, 正安县 流渡镇, 正安流渡, 贵州正安, 黄南州同仁, 宁夏平罗通伏,
  隆务镇（同仁市）. The mention then means the most specific place the chain allows (平罗县城关镇).
- Full names of three characters or more count anywhere. Short names of provinces, prefectures
  and counties count anywhere too, unless they are ordinary words (和平, 公安, 比如, 合作 …: a
  build-time judgement from jieba's dictionary and ``COMMON_WORDS``) or straddle one (医保定额 is
  no 保定). A township's short name, a two-character full name (城区) and those ordinary words
  count only in a chain, after 我是 / 我在 / 住在 (followed by 的, 人, 住 or the end of a clause),
  when the message is only that name, or at the head of a command's argument (``leading``): many
  township names are ordinary words (中观, 新州, 和溪, 小雅, 民主, 先锋, 红星 …).
- Where one written form is a full name for some places and a short name for others, the full
  names win (城厢区 is the district, not 城厢镇).
- Pinyin and English: one to three Latin words whose letters are a place's pinyin, capitalised or
  followed by county, city, district, town, township, prefecture, province (or xian, shi, qu,
  zhen, xiang, zhou, sheng), which also narrows the level; lower-case pinyin inside a sentence is
  more likely a word (weifang gaizao: 危房改造) and counts only alone or after "I live in".
- Only served places are offered for a misspelling: a word ending in a level word that is no real
  place and is one character off or sounds the same (安厂镇, 龙务镇), a message that is only a name
  that sounds like one (龙务), and a real place we do not serve that sounds like one we do (铜仁).

The table ships as ``data/places.tsv`` (sections: places, written forms with their kind, pinyin,
first characters, aliases, ordinary two-character words), generated from
``shared/data/divisions/pcas-code.json`` by ``python -m knowledge_base.places PATH/pcas-code.json``
(jieba and pypinyin are used there only); a test checks that it matches the table. Codes nest (a
township's code starts with its county's), so chains come from the codes themselves. Loading it
costs about 50 ms of CPU and 23 MB, once per process (see docs/knowledge_base.md).
"""

from __future__ import annotations

import itertools
import json
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Literal

from knowledge_base.memo import Memo
from knowledge_base.pinyin import syllables
from knowledge_base.text import aligned

Level = Literal["province", "prefecture", "county", "township"]

# The county-level (and, for 临夏州, prefecture-level) subtrees the seed documents cover.
SERVED_ROOTS: tuple[str, ...] = ("6229", "350302", "632301", "520324", "640221")

# Names people use that the division table does not carry: old names and the spellings of other
# public editions (see shared/data/divisions/README.md). Forms such as 临夏州 for 临夏回族自治州 or
# 东乡县 for 东乡族自治县 are made for every autonomous place by ``forms_of``.
EXTRA_ALIASES: dict[str, tuple[str, ...]] = {
    "632301": ("同仁县",),
    "622921210": ("井沟东乡族乡",),
    "622921217": ("安家坡东乡族乡",),
    "622925200": ("梁家寺东乡族乡",),
    "622926214": ("凤山乡",),
    "350302": ("莆田城厢区", "莆田市城厢区"),
    # 正安县: 乐俭 and 桴㯊 were 乡 before becoming 镇, and 㯊 is rarely typed (桴焉).
    "520324114": ("乐俭乡",),
    "520324116": ("桴焉镇", "桴焉乡", "桴㯊乡", "桴焉"),
}

# Short names of prefectures and counties that are ordinary words as well, beyond those jieba's
# dictionary knows as such (read in a chain, after 我是/我在, or alone only).
COMMON_WORDS = frozenset({
    "来宾", "安康", "阿里", "白银", "日照", "长治", "包头", "海口", "开封", "兴安", "新华", "城中", "城东", "城西",
    "城南", "城北", "东区", "西区", "中区", "惠民", "富民", "安居", "乐业", "兴业", "和顺", "长寿", "太平", "吉利",
    "河东", "河西", "江北", "江南", "桥东", "桥西", "市中", "青山", "东城", "西城", "保康", "民乐", "城关", "新建",
    "修水",
    "小店",
    # Where someone lives said as a landscape (我家在山里, 住在海边), not a township's name.
    "山里", "山下", "河边", "海边", "城郊", "沟里", "川里", "草原", "后山", "前山", "山根",
})

# Words of this product's own questions that a short name must not straddle either (民政和医保 is no 政和),
# beyond the ordinary words the table lists (jieba's, which lacks some and files 民政 as a place's form).
DOMAIN_WORDS = frozenset({"民政", "低保", "特困", "救助", "医保", "残疾", "补贴", "临时", "监测", "兜底"})

# Entries of the division table that are groupings, not places anyone lives in.
_GROUPINGS = frozenset({"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"})

# The 56 nationalities, longest first, as they appear in autonomous names (回族自治州, 东乡族乡;
# some without 族: 新疆维吾尔自治区, 巴音郭楞蒙古自治州).
_ETHNIC = sorted([
    "汉", "蒙古", "回", "藏", "维吾尔", "苗", "彝", "壮", "布依", "朝鲜", "满", "侗", "瑶", "白", "土家", "哈尼",
    "哈萨克", "傣", "黎", "傈僳", "佤", "畲", "高山", "拉祜", "水", "东乡", "纳西", "景颇", "柯尔克孜", "土", "达斡尔",
    "仫佬", "羌", "布朗", "撒拉", "毛南", "仡佬", "锡伯", "阿昌", "普米", "塔吉克", "怒", "乌孜别克",
    "俄罗斯", "鄂温克", "德昂",
    "保安", "裕固", "京", "塔塔尔", "独龙", "鄂伦春", "赫哲", "门巴", "珞巴", "基诺",
], key=len, reverse=True)

# Suffixes by level, longest first (nationalities come before the autonomous ones: 回族自治州).
_SUFFIXES: dict[int, tuple[str, ...]] = {
    2: ("特别行政区", "自治区", "省", "市"),
    4: ("自治州", "地区", "盟", "市"),
    6: ("自治县", "自治旗", "林区", "特区", "新区", "县", "市", "区", "旗"),
    9: ("街道办事处", "民族乡", "族乡", "街道", "苏木", "镇", "乡"),
}
# What the short name takes instead of an autonomous suffix (临夏回族自治州 → 临夏州).
_PLAIN_SUFFIX = {"自治州": "州", "自治县": "县", "自治旗": "旗", "族乡": "乡"}
# The pinyin of a level word, for forms such as "tongrenshi".
_SUFFIX_PINYIN = {"省": "sheng", "市": "shi", "自治区": "", "自治州": "zhou", "地区": "diqu", "盟": "meng",
                  "自治县": "xian", "县": "xian", "区": "qu", "旗": "qi", "林区": "linqu", "特区": "tequ",
                  "新区": "xinqu", "镇": "zhen", "乡": "xiang", "族乡": "xiang", "民族乡": "xiang", "街道": "jiedao",
                  "苏木": "sumu", "自治旗": "qi"}
# English (and pinyin) level words after a Latin name, and the levels each allows.
_LATIN_LEVELS: dict[str, tuple[str, ...]] = {
    "province": ("province",), "sheng": ("province",),
    "prefecture": ("prefecture",), "zhou": ("prefecture",),
    "city": ("prefecture", "county"), "shi": ("prefecture", "county"),
    "county": ("county",), "xian": ("county",), "district": ("county",), "qu": ("county",),
    "town": ("township",), "township": ("township",), "zhen": ("township",), "xiang": ("township",),
    "subdistrict": ("township",), "street": ("township",), "jiedao": ("township",),
}
# A pinyin level word is the sound of the name's own last characters: "liucheng shi" (流程是) is no
# 柳城县, whose level an English word (Liucheng county) or "xian" would give.
_LEVEL_ENDINGS = {"sheng": "省", "zhou": "州", "shi": "市", "xian": "县", "qu": "区", "zhen": "镇", "xiang": "乡",
                  "jiedao": "街道"}

_LEVELS: dict[int, Level] = {2: "province", 4: "prefecture", 6: "county", 9: "township"}
_PARENT_LENGTH = {4: 2, 6: 4, 9: 6}

# Kinds of a written form, as bits: exact (the full name or an alias) and strong (counts anywhere).
_STRONG, _EXACT = 1, 2

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_LATIN = re.compile(r"[a-z]+")
# Between parts of one place (正安县 流渡镇, 正安县的流渡镇, 隆务镇（同仁市）).
_GAP = re.compile(r"[\s,，、·/\-(（]*(?:的)?\s*")
_LATIN_JOIN = re.compile(r"[\s'’\-]*")
# Written as where one lives or comes from: before the place …
_INTRO = re.compile(
    r"(?:(?:我|俺|咱)(?:们)?(?:家|老家)?(?:就|也|现在|目前|一直)?(?:是|在|住在|住|来自|户口在|属于)"
    r"|^(?:在|住在|来自|设置地区|设置|地区|改为|改成)"
    r"|\b(?:i live in|i'm from|i am from|i'm in|i am in|we live in|we are from|i come from))\s*$"
)
# … and after it: 的, 人, 住, 这边, or the end of the clause.
_TAIL = re.compile(r"(?:的|人|住|这边|那边|这里|那里|这块|那块|$|[\s\W_])")
# What may surround a place in a message that is only that place.
_FILLER = re.compile(
    r"(?:我们|我|俺们|俺|咱们|咱|老家|家里|家|就是|就|也|现在|目前|一直|是|在|住在|住|来自|户口在|属于|设置地区|设置|"
    r"改地区|地区|改为|改成|的|人|这边|那边|这里|那里|这块|那块|"
    r"\bi\b|\bam\b|\bi'm\b|\bim\b|\blive\b|\bliving\b|\bfrom\b|\bin\b|\bat\b|\bwe\b|\bare\b|\bcome\b|"
    r"[\s\W_])*"
)
# A misspelt place carries a suffix: 安厂镇 (only served names are offered) …
_SUFFIXED = re.compile(r"(街道|镇|乡|县|市|区|州)")
# … unless the suffix is the end of an ordinary word (按城镇居民 is no misspelt 附城镇).
_NOT_A_SUFFIX = frozenset({
    "城镇", "乡镇", "村镇", "集镇", "城乡", "家乡", "老乡", "下乡", "回乡", "城市", "超市", "都市", "城区", "社区",
    "小区", "山区", "郊区", "地区", "景区", "园区", "灾区", "牧区", "片区", "辖区", "市区", "本市", "本县", "本区",
    "本镇", "本乡", "全县", "全市", "全区", "全镇", "全乡", "该县", "该市", "该镇", "省市", "市县", "区县", "县市",
    "神州",
})

PACKAGE = "knowledge_base"
TABLE = "data/places.tsv"


@dataclass(frozen=True)
class Jurisdiction:
    """One administrative division with its statistical code (the code's length gives its level)."""

    code: str
    name: str
    level: Level
    parent_code: str | None
    aliases: tuple[str, ...] = field(default=())

    @property
    def is_township(self) -> bool:
        return self.level == "township"


@dataclass(frozen=True)
class Mention:
    """A place named in a text: where, what it could mean, and what Minsheng serves of it."""

    start: int  # span in the text as written (``text[start:end]``)
    end: int
    text: str
    # Every place the words could mean; more than one when the name is shared (城关镇, 临夏).
    places: tuple[Jurisdiction, ...]
    # Those of ``places`` Minsheng serves.
    served: tuple[Jurisdiction, ...]
    # For a place Minsheng serves part of (遵义市, 莆田, 黄南州, 贵州): the served places inside it.
    served_inside: tuple[Jurisdiction, ...]
    # Served places the words may be a misspelling of (安厂镇 → 安场镇, 铜仁 → 同仁市): to offer.
    suggestions: tuple[Jurisdiction, ...] = ()
    # Written as where the writer lives or is from: 我是…的, 我在…住, I live in ….
    intro: bool = False


@dataclass
class _Candidate:
    start: int  # in the folded text
    end: int
    entries: list[tuple[str, int]]  # (code, kind)
    latin: bool = False
    sure: bool = False  # a Latin name written as one (capitalised, or with its level)
    linked: set[str] = field(default_factory=set)  # codes consistent with a neighbour in a chain
    also: list[str] = field(default_factory=list)  # places it may mean but was not taken to (to offer)


class PlaceReader:
    """The national division table and the one way from text to places."""

    def __init__(self, table: str, served_roots: Iterable[str] = SERVED_ROOTS) -> None:
        self.served_roots = tuple(served_roots)
        sections = _sections(table)
        self._names: dict[str, str] = _pairs(sections["places"])
        # Written form → its places as "<kind><code>" joined by ";": compact, and only the few forms
        # a message holds are ever split.
        self._forms: dict[str, str] = _pairs(sections["forms"])
        self._latin = {key: codes.split(";") for key, codes in _pairs(sections["pinyin"]).items()}
        self._aliases = {code: names.split(" ") for code, names in _pairs(sections["aliases"]).items()}
        self._words = frozenset(sections["words"].split("\n")) | DOMAIN_WORDS
        # For each first character, the lengths of the forms starting with it, longest first.
        self._lengths = {char: tuple(map(int, ls.split(" "))) for char, ls in _pairs(sections["starts"]).items()}
        self._places: dict[str, Jurisdiction] = {}
        self._served = frozenset(c for c in self._names if c.startswith(self.served_roots))
        # Served places by the sound of their names, and by their length and last character, for
        # misspellings (龙务镇 → 隆务镇, 安厂镇 → 安场镇).
        self._served_sounds: dict[str, list[str]] = {}
        self._served_names: dict[tuple[int, str], list[tuple[str, str]]] = {}
        for code in sorted(self._served):
            for written in self.names_of(code, short=True):
                sound = _sound(written)
                if sound and len(written) >= 2:
                    self._served_sounds.setdefault(sound, []).append(code)
            for written in self.names_of(code):
                self._served_names.setdefault((len(written), written[-1]), []).append((code, written))
        # What texts were read as (a question is read for places several times on its way to an answer).
        self._readings: Memo[tuple[str, bool], tuple[Mention, ...]] = Memo()

    # -- the table ------------------------------------------------------------------------------

    def get(self, code: str) -> Jurisdiction:
        """The place with this code (KeyError for an unknown one)."""
        place = self._places.get(code)
        if place is None:
            parent = code[: _PARENT_LENGTH[len(code)]] if len(code) in _PARENT_LENGTH else None
            place = Jurisdiction(code, self._names[code], _LEVELS.get(len(code), "township"), parent,
                                 tuple(self._aliases.get(code, ())))
            self._places[code] = place
        return place

    def chain(self, code: str) -> list[Jurisdiction]:
        """The place itself, then each place above it up to the province."""
        out = [self.get(code)]
        while out[-1].parent_code:
            out.append(self.get(out[-1].parent_code))
        return out

    def codes(self) -> Iterator[str]:
        return iter(self._names)

    def is_served(self, code: str) -> bool:
        return code in self._served

    def served_inside(self, code: str) -> tuple[Jurisdiction, ...]:
        """The served places within a place Minsheng serves only part of (遵义市 → 正安县); () otherwise."""
        if code in self._served:
            return ()
        return tuple(self.get(r) for r in self.served_roots if r.startswith(code) and r != code)

    def names_of(self, code: str, short: bool = False) -> list[str]:
        """The forms a place is written in: full name and aliases, and with ``short`` its short names."""
        place = self.get(code)
        names = [place.name, *place.aliases]
        if short:
            names += [f for f in (short_name(n, len(code)) for n in names) if f and f not in names]
        return names

    # -- reading --------------------------------------------------------------------------------

    def read(self, text: str) -> list[Mention]:
        """Every place the text names, in the order written."""
        return self._read(text, lead=False)

    def leading(self, text: str) -> Mention | None:
        """The place a text starts with, as a command's argument does (求助 城关 …, 求助隆务镇…): a
        short name counts there too. None when the text does not start with a place."""
        mentions = self._read(text, lead=True)
        if mentions and not text[: mentions[0].start].strip():
            return mentions[0]
        return None

    def _read(self, text: str, lead: bool) -> list[Mention]:
        # Mentions are frozen; the list is the caller's own.
        return list(self._readings.get((text, lead), lambda: tuple(self._reread(text, lead))))

    def _reread(self, text: str, lead: bool) -> list[Mention]:
        folded, where = aligned(text)
        candidates = self._candidates(text, folded, where)
        alone = _alone_candidates(folded, candidates)
        _link(folded, candidates)
        kept: list[_Candidate] = []
        for cand in candidates:
            leading = lead and not folded[: cand.start].strip()
            in_context = id(cand) in alone or _introduced(folded, cand) or leading
            if cand.linked:
                entries = [e for e in cand.entries if e[0] in cand.linked]
            elif cand.latin:
                # Pinyin inside a sentence of pinyin is more likely a word (weifang: 危房, not 潍坊).
                entries = cand.entries if cand.sure or in_context else []
            else:
                straddled = self._straddles(folded, cand)
                strong = [e for e in cand.entries if e[1] & _STRONG and (e[1] & _EXACT or not straddled)]
                if strong and in_context:
                    # 银川 alone is the city; the served township 银川镇 is offered, not taken.
                    cand.also = [code for code, kind in cand.entries if not kind & _STRONG]
                # 我家在山里 says where home is as a landscape: an ordinary word is a weak name's only
                # form here, and it needs the whole message (我是山里的) to be read as a place.
                if not strong and folded[cand.start : cand.end] in COMMON_WORDS:
                    in_context = id(cand) in alone or leading
                entries = strong or (cand.entries if in_context else [])
            if any(kind & _EXACT for _code, kind in entries):
                entries = [e for e in entries if e[1] & _EXACT]
            if entries:
                cand.entries = entries
                kept.append(cand)
        # 积石山乡下 is the countryside of 积石山, not a township 石山乡: a name ending in 乡 that runs into
        # 下 gives way to a name it overlaps.
        kept = [c for c in kept if not (folded[c.end - 1 : c.end + 1] == "乡下"
                                        and any(o is not c and o.start < c.end and c.start < o.end for o in kept))]
        # 全州县级医院 is the whole prefecture's county hospitals, not 全州县 (Guangxi): a name read from 全
        # and a level (全州, 全县, 全市) that runs into another level word (县级, 县市) is none.
        kept = [c for c in kept if not (folded[c.start : c.start + 1] == "全" and folded[c.start + 1 : c.start + 2]
                                        in _LEVEL_CHARS and folded[c.end : c.end + 1] in _LEVEL_AFTER)]
        kept.sort(key=lambda c: (-(c.end - c.start), not any(k & _EXACT for _c, k in c.entries), c.start))
        chosen: list[_Candidate] = []
        for cand in kept:
            if not any(c.start < cand.end and cand.start < c.end for c in chosen):
                chosen.append(cand)
        chosen.sort(key=lambda c: c.start)
        mentions = [self._mention(text, folded, where, group) for group in _chains(folded, chosen)]
        for miss in self._misspellings(text, folded, where, mentions):
            # 正安县安厂镇: a misspelt township right after its county is one mention, offering what is inside.
            before = next((m for m in mentions if m.end <= miss.start and _GAP.fullmatch(text, m.end, miss.start)
                           and m.places), None)
            inside = tuple(s for s in miss.suggestions
                           if before and any(s.code.startswith(p.code) for p in before.places))
            if before and inside:
                mentions[mentions.index(before)] = Mention(before.start, miss.end, text[before.start : miss.end], (),
                                                           (), (), inside, before.intro)
            else:
                mentions.append(miss)
        return sorted(mentions, key=lambda m: m.start)

    def named(self, text: str) -> Mention | None:
        """The place a message names when it says nothing else ("正安县 流渡镇", "我是流渡的"), else None."""
        folded, where = aligned(text)
        mentions = self.read(text)
        if len(mentions) != 1:
            return None
        mention = mentions[0]
        start = where.index(mention.start)
        end = len(where) - where[::-1].index(mention.end - 1)
        if _FILLER.fullmatch(folded[:start]) and _FILLER.fullmatch(folded[end:]):
            return mention
        return None

    def _straddles(self, folded: str, cand: _Candidate) -> bool:
        """Whether the words around a short name read as ordinary words across its edges (医保定额)."""
        return (cand.start > 0 and folded[cand.start - 1 : cand.start + 1] in self._words) or (
            folded[cand.end - 1 : cand.end + 1] in self._words)

    def _candidates(self, text: str, folded: str, where: list[int]) -> list[_Candidate]:
        out: list[_Candidate] = []
        lengths, forms = self._lengths, self._forms  # looked up for every character of every message
        for run in _HAN.finditer(folded):
            end = run.end()
            for i in range(run.start(), end):
                for length in lengths.get(folded[i], ()):
                    if i + length <= end:
                        entries = forms.get(folded[i : i + length])
                        if entries:
                            out.append(_Candidate(i, i + length, [(e[1:], int(e[0])) for e in entries.split(";")]))
        out += self._latin_candidates(text, folded, where)
        return out

    def _latin_candidates(self, text: str, folded: str, where: list[int]) -> list[_Candidate]:
        words = list(_LATIN.finditer(folded))
        out: list[_Candidate] = []
        for i in range(len(words)):
            for n in (3, 2, 1):
                group = words[i : i + n]
                if len(group) < n or not all(
                    _LATIN_JOIN.fullmatch(folded[a.end() : b.start()]) for a, b in itertools.pairwise(group)
                ):
                    continue
                codes = self._latin.get("".join(w.group() for w in group))
                if not codes:
                    continue
                end = group[-1].end()
                # Written as a name: capitalised (Tongren), or with its level (zhengan county; dawukou qu,
                # read as one word with its level: dawukouqu).
                last = group[-1].group()
                # ...with its level as the last word, which is then the name's own ending (quan zhou, read as
                # 泉州市, is no name written with its level: 全州 in a sentence of pinyin).
                sure = text[where[group[0].start()]].isupper() or (
                    n > 1 and last in _LATIN_LEVELS
                    and any(self._names[c].endswith(_LEVEL_ENDINGS.get(last, "")) for c in codes))
                following = words[i + n] if i + n < len(words) else None
                if following and following.group() in _LATIN_LEVELS and not folded[end : following.start()].strip():
                    levels = _LATIN_LEVELS[following.group()]
                    ending = _LEVEL_ENDINGS.get(following.group(), "")
                    narrowed = [c for c in codes if _LEVELS.get(len(c)) in levels and self._names[c].endswith(ending)]
                    if narrowed:
                        codes, end, sure = narrowed, following.end(), True
                out.append(_Candidate(group[0].start(), end, [(c, _EXACT | _STRONG) for c in codes], latin=True,
                                      sure=sure))
                break
        return out

    def _mention(self, text: str, folded: str, where: list[int], group: list[_Candidate]) -> Mention:
        codes = [c for c, _kind in group[-1].entries]
        if len(group) > 1:
            deepest = max(group, key=lambda c: max(len(code) for code, _k in c.entries))
            codes = [c for c, _kind in deepest.entries if all(
                any(c.startswith(o) or o.startswith(c) for o, _k in other.entries) for other in group)]
        places = tuple(self.get(c) for c in sorted(dict.fromkeys(codes), key=lambda c: (len(c), c)))
        start, end = where[group[0].start], where[group[-1].end - 1] + 1
        inside = tuple(dict.fromkeys(p for place in places for p in self.served_inside(place.code)))
        served = tuple(p for p in places if self.is_served(p.code))
        offered = [c for c in group[-1].also if self.is_served(c)]
        if not served and not inside:
            # 铜仁 for 同仁市: a real place we do not serve that sounds like one we do.
            sound = _sound(folded[group[0].start : group[-1].end])
            offered += [p.code for p in self._sounding(sound)] if sound else []
        suggestions = tuple(self.get(c) for c in dict.fromkeys(offered) if self.get(c) not in places)
        return Mention(start, end, text[start:end], places, served, inside, suggestions,
                       intro=bool(_INTRO.search(folded[: group[0].start].rstrip())))

    def _misspellings(self, text: str, folded: str, where: list[int], found: list[Mention]) -> list[Mention]:
        """Served places that words with a place suffix (安厂镇), or a message that is only a name, may mean."""
        taken = [(m.start, m.end) for m in found]
        out: list[Mention] = []
        slots: list[tuple[int, int]] = []
        for run in _HAN.finditer(folded):
            for suffix in _SUFFIXED.finditer(folded, run.start(), run.end()):
                if folded[suffix.start() - 1 : suffix.start() + 1] in _NOT_A_SUFFIX:
                    continue
                for size in (2, 3, 4):
                    if suffix.start() - size >= run.start():
                        slots.append((suffix.start() - size, suffix.end()))
        bare = _FILLER.sub("", folded) if not found else ""
        if 2 <= len(bare) <= 8 and _HAN.fullmatch(bare):
            start = folded.find(bare)
            if start >= 0:
                slots.append((start, start + len(bare)))
        for start, end in slots:
            span = (where[start], where[end - 1] + 1)
            if any(s < span[1] and span[0] < e for s, e in taken):
                continue
            written = folded[start:end]
            offered = self._sounding(_sound(written) or "") or self._one_wrong(written)
            if offered:
                out.append(Mention(span[0], span[1], text[span[0] : span[1]], (), (), (), offered,
                                   intro=bool(_INTRO.search(folded[:start].rstrip()))))
                taken.append(span)
        return out

    def _sounding(self, sound: str) -> tuple[Jurisdiction, ...]:
        return tuple(self.get(c) for c in sorted(set(self._served_sounds.get(sound, ())), key=lambda c: (len(c), c)))

    def _one_wrong(self, written: str) -> tuple[Jurisdiction, ...]:
        """Served places whose full name differs from ``written`` by one character before the suffix."""
        if len(written) < 3:
            return ()
        found = [code for code, name in self._served_names.get((len(written), written[-1]), ())
                 if sum(a != b for a, b in zip(name, written, strict=True)) == 1]
        return tuple(self.get(c) for c in sorted(set(found), key=lambda c: (len(c), c)))


_LEVEL_CHARS = frozenset("省州市县区乡镇")
_LEVEL_AFTER = frozenset("级市区县乡镇")


def _sound(text: str) -> str | None:
    table = syllables()
    parts = [table.get(c) for c in text]
    return "".join(p for p in parts if p) if all(parts) else None


def _introduced(folded: str, cand: _Candidate) -> bool:
    """Whether the words before a place say the writer lives there or comes from there (我是, 我在…)."""
    return bool(_INTRO.search(folded[: cand.start].rstrip())) and bool(_TAIL.match(folded, cand.end))


def _alone_candidates(folded: str, candidates: list[_Candidate]) -> set[int]:
    """Candidates that are the whole message but for words such as 我是 … 的."""
    return {id(c) for c in candidates if _FILLER.fullmatch(folded[: c.start]) and _FILLER.fullmatch(folded[c.end :])}


def _related(a: str, b: str) -> bool:
    return a != b and (a.startswith(b) or b.startswith(a))


def _link(folded: str, candidates: list[_Candidate]) -> None:
    """Marks the codes of neighbouring candidates that name a place and a place inside it (正安 流渡)."""
    for a in candidates:
        for b in candidates:
            if a.end <= b.start and _GAP.fullmatch(folded, a.end, b.start):
                for code_a, _ka in a.entries:
                    for code_b, _kb in b.entries:
                        if _related(code_a, code_b):
                            a.linked.add(code_a)
                            b.linked.add(code_b)


def _chains(folded: str, chosen: list[_Candidate]) -> list[list[_Candidate]]:
    """Chosen candidates grouped into one mention where they name places one inside another."""
    groups: list[list[_Candidate]] = []
    for cand in chosen:
        if groups:
            last = groups[-1][-1]
            if _GAP.fullmatch(folded, last.end, cand.start) and any(
                _related(a, b) for a, _ka in last.entries for b, _kb in cand.entries
            ):
                groups[-1].append(cand)
                continue
        groups.append([cand])
    return groups


# -- building the table (a build-time step: pypinyin and jieba are not loaded at run time) ---------


def short_name(name: str, code_length: int) -> str | None:
    """The name without its level word (流渡镇 → 流渡, 临夏回族自治州 → 临夏), None if under two characters."""
    suffix = next((s for s in _SUFFIXES.get(code_length, ()) if name.endswith(s)), None)
    if suffix is None:
        return None
    stem = name[: -len(suffix)]
    if suffix.startswith("自治") or suffix == "族乡":
        # 临夏回族 → 临夏; 积石山保安族东乡族撒拉族 → 积石山; 东乡族 → 东乡 (the name is the nationality).
        if suffix == "族乡":
            stem += "族"
        while True:
            eth = next((e for e in _ETHNIC if stem.endswith(e + "族") or (suffix != "族乡" and stem.endswith(e))), None)
            if eth is None:
                break
            cut = len(eth) + (1 if stem.endswith(eth + "族") else 0)
            if len(stem) - cut < 2:
                stem = stem[:-1] if stem.endswith("族") else stem
                break
            stem = stem[:-cut]
    return stem if len(stem) >= 2 else None


def forms_of(code: str, name: str) -> list[tuple[str, int]]:
    """The forms besides the full name a place is written in, with their kinds (build time)."""
    forms: list[tuple[str, int]] = [(alias, _EXACT | _STRONG) for alias in EXTRA_ALIASES.get(code, ())]
    short = short_name(name, len(code))
    if short:
        suffix = next(s for s in _SUFFIXES[len(code)] if name.endswith(s))
        plain = _PLAIN_SUFFIX.get(suffix)
        if plain and short + plain != name:
            forms.append((short + plain, _EXACT | _STRONG))
        strong = len(code) in (2, 4, 6)
        forms.append((short, _STRONG if strong else 0))
    return forms


def build_index(raw: list[dict[str, object]]) -> str:
    """``data/places.tsv`` from the nested ``{"code", "name", "children"}`` table (build time)."""
    import os

    try:
        import jieba
        from pypinyin import Style, lazy_pinyin
    except ImportError:
        raise SystemExit("rebuilding the place index needs jieba and pypinyin: pip install -e '.[build]'") from None

    dictionary = _jieba_words(os.path.join(os.path.dirname(jieba.__file__), "dict.txt"))
    frequent = frozenset(w for w, (freq, tag) in dictionary.items() if freq >= 300 and tag != "ns")
    places: list[str] = []
    forms: dict[str, list[str]] = {}
    latin: dict[str, list[str]] = {}
    aliases: list[str] = []
    for code, name in _walk(raw):
        places.append(f"{code}\t{name}")
        if name in _GROUPINGS:
            continue
        written = [(name, _EXACT | _STRONG), *forms_of(code, name)]
        for form, kind in written:
            if kind & _STRONG and not _strong(form, code, kind, frequent):
                kind &= ~_STRONG
            entry = f"{kind}{code}"
            if entry[1:] not in (e[1:] for e in forms.get(form, ())):
                forms.setdefault(form, []).append(entry)
        extra = [form for form, kind in written[1:] if kind & _EXACT]
        if extra:
            aliases.append(f"{code}\t{' '.join(extra)}")
        # Pinyin for provinces, prefectures, counties and the townships Minsheng serves.
        if len(code) < 9 or code.startswith(SERVED_ROOTS):
            short = short_name(name, len(code)) or name
            suffix = next((s for s in _SUFFIXES.get(len(code), ()) if name.endswith(s)), "")
            keys = {"".join(lazy_pinyin(short, style=Style.NORMAL))}
            keys |= {k.replace("v", "u") for k in keys}
            keys |= {k + _SUFFIX_PINYIN[suffix] for k in keys if _SUFFIX_PINYIN.get(suffix)}
            for key in sorted(keys):
                if key.isascii() and key.isalpha():
                    latin.setdefault(key, []).append(code)
    starts: dict[str, set[int]] = {}
    for form in forms:
        starts.setdefault(form[0], set()).add(len(form))
    # Two-character words that a short name may straddle (医保定额 is no 保定): words ending with a
    # short name's first character or starting with its last.
    shorts = [f for f, entries in forms.items() if any(int(e[0]) == _STRONG for e in entries)]
    firsts, lasts = {f[0] for f in shorts}, {f[-1] for f in shorts}
    words = sorted(w for w, (freq, _tag) in dictionary.items()
                   if len(w) == 2 and freq >= 200 and (w[1] in firsts or w[0] in lasts) and w not in forms)
    return "\n".join([
        "# Generated by `python -m knowledge_base.places PATH/pcas-code.json` from the national division table.",
        "# [places] code, name. [forms] a written form, then <kind><code> for each place it names: kind 3 = full",
        "# name or alias, 2 = the same but an ordinary word or two characters, 1 = short name, 0 = short name read",
        "# only in context (a township's, or an ordinary word). [pinyin] pinyin → codes. [starts] a first character →",
        "# the lengths of the forms starting with it. [aliases] code → aliases. [words] ordinary two-character",
        "# words a short name must not straddle.",
        "[places]", *places,
        "[forms]", *(f"{form}\t{';'.join(entries)}" for form, entries in sorted(forms.items())),
        "[pinyin]", *(f"{key}\t{';'.join(codes)}" for key, codes in sorted(latin.items())),
        "[starts]", *(f"{char}\t{' '.join(map(str, sorted(lengths, reverse=True)))}"
                      for char, lengths in sorted(starts.items())),
        "[aliases]", *aliases,
        "[words]", *words,
    ]) + "\n"


def _sections(table: str) -> dict[str, str]:
    """The index file's sections by name, each the text of its lines."""
    out: dict[str, str] = {}
    for chunk in table.split("\n["):
        head, _sep, body = chunk.partition("\n")
        if head.endswith("]"):
            out[head.strip("[]")] = body.rstrip("\n")
    return out


def _pairs(lines: str) -> dict[str, str]:
    """``key<TAB>value`` lines as a dict; split in C in one go, since the table has 100,000 lines."""
    if not lines:
        return {}
    cells = lines.replace("\n", "\t").split("\t")
    return dict(zip(cells[0::2], cells[1::2], strict=True))


def _strong(form: str, code: str, kind: int, frequent: frozenset[str]) -> bool:
    """Whether a form counts anywhere in a sentence: not a two-character full name (城区), nor an
    ordinary word (the hand list for every level below a province, jieba's for counties and townships)."""
    if kind & _EXACT and len(form) < 3:
        return False
    if len(code) == 2:
        return True
    return form not in COMMON_WORDS and not (len(code) in (6, 9) and form in frequent)


def _jieba_words(path: str) -> dict[str, tuple[int, str]]:
    """jieba's dictionary: word → (frequency, part of speech)."""
    words: dict[str, tuple[int, str]] = {}
    with open(path, encoding="utf-8") as dictionary:
        for line in dictionary:
            word, freq, *tag = line.split()
            words[word] = (int(freq), (tag[:1] or [""])[0])
    return words


def _walk(nodes: list[dict[str, object]]) -> Iterator[tuple[str, str]]:
    for node in nodes:
        yield str(node["code"]), str(node["name"])
        children = node.get("children")
        if isinstance(children, list):
            yield from _walk(children)


@cache
def reader() -> PlaceReader:
    """The national table, loaded once per process from the copy in the package."""
    return PlaceReader(resources.files(PACKAGE).joinpath(TABLE).read_text("utf-8"))


if __name__ == "__main__":
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[2] / "shared" / "data" / \
        "divisions" / "pcas-code.json"
    table = build_index(json.loads(source.read_text("utf-8")))
    Path(__file__).with_name("data").joinpath("places.tsv").write_text(table, "utf-8")
