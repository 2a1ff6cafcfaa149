"""Answering residents' questions from the knowledge base, for their own place."""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING

from knowledge_base import semantic as sem
from knowledge_base.articles import PLACEHOLDER, Article, Program, Variant, concepts, programs, read_articles
from knowledge_base.dates import china_today
from knowledge_base.documents import documents
from knowledge_base.english import read_english
from knowledge_base.i18n import translator
from knowledge_base.jurisdictions import Jurisdiction, Jurisdictions, Mention
from knowledge_base.memo import Memo
from knowledge_base.parameters import Fact, KnowledgeBaseError, Parameters, Source
from knowledge_base.quotes import seeds
from knowledge_base.retrieval import Hit, Index, Matcher, Reading
from knowledge_base.text import compact, to_traditional

if TYPE_CHECKING:
    import numpy as np

# An article the resident's place published wins over a slightly better match it did not publish.
LOCAL_PREFERENCE = 0.85
# A question that names no program (a situation, an everyday matter) is answered by the place's own
# match this close to the best one the place has not published.
SITUATION_LOCAL_PREFERENCE = 0.75
MAX_SUGGESTIONS = 3
# Matches this close to the best are near-ties, settled by the kind of answer asked (多少, 多久…).
KIND_WINDOW = 0.95
SAME_PROGRAM_KIND_WINDOW = 0.6
# The program every seed answers a sudden hardship with (因病、因灾、因突发原因造成基本生活困难), and
# the lexicon concepts that tell one (situations included): when the place has not published the
# hardship's own topic, it publishes this program's rules as "related".
SAFETY_NET = "temporary_assistance"
JOBS = "employment"
HARDSHIP = frozenset({"emergency", "expense_type", "money_gone", "cannot_pay", "injured", "no_food", "disaster",
                      "income_drop", "hard_times"})
# The generic concept of "how much" (多少, 一年, 标准 …).
AMOUNT = "amount"
# A figure asked and the article chosen prints none: a local match this close that prints one answers.
FIGURE_WINDOW = 0.6
# Matches this near the first are a tie a hardship told settles (see _hardship_first).
HARDSHIP_TIE = 0.95
# … and between two articles on the same topics, one of them the safety net's.
HARDSHIP_SAME_TOPIC = 0.65
# Kinds of answer so vague (救助, 政策) that a match giving only them does not outrank one giving another
# kind the question asks for.
VAGUE_KINDS = frozenset({"policy"})
# A run-on message is answered as at most this many questions (an SMS reply pages after 3 × 67 characters).
MAX_QUESTIONS = 2
# A message this long that names no topic the lexicon knows is a situation told in the resident's
# own words (家里男人没了 娃娃还小): the semantic stage is asked which articles it is close to. A
# shorter one (今天几号, 天气) is declined without it.
SEMANTIC_MIN_CHARS = 12
_WORD_CHARS = re.compile(r"[^\W_]")
# (A point between digits is a decimal point: 3.9万 is one figure.)
_CLAUSE_BREAK = re.compile(
    r"(?:[\s，,。？?！!；;、]|(?<!\d)\.|\.(?!\d))+|还有|另外|以及|顺便问一下|顺便问|再问一下|再问")
# What the resident heard of (听说有…): the topic a question after it is about.
_HEARD_OF = re.compile(r"(?:我|俺|我们)?(?:听说|听人说|听别人说|听村里人?说|听村干部说|据说|又听说)")
# A household named by its program (特困户能补多少), or the disabled by their grade just before the asking
# (一级重残多少): the group an amount of another program is set per (…危房改造…特困户能补多少 asks the renovation
# grant for 特困户, not the 特困 standard; …重残护理补贴一个月八十，我们一级重残多少 asks the care subsidy).
_HOUSEHOLD_NAMED = re.compile(r"(?:特困|低保|五保|贫困|残疾人?)(?:户|家庭)"
                              r"|(?:[一二]级|重度)?(?:重残|残疾)(?:的|人)?(?=多少|给多少|能给|能拿|能领|每月|一个月|呢|咋)")
# A long story (this many clauses or more) is read for what it asks: the clauses that ask something
# weigh more, and a topic Minsheng does not cover that only the story around them names (他爸妈离婚了 …
# 助学贷款一年最多能贷多少) does not decline it.
STORY_CLAUSES = 3
STORY_MIN_CHARS = 30
_CJK = re.compile(r"[\u4e00-\u9fff]")
STORY_FOCUS_WEIGHT = 2.0
# An illness the question refers back to (这种病, 这个病, 这病): named earlier in the story.
_THIS_ILLNESS = re.compile(r"[这那](?:种|个|样的)?病")
# Aid asked for by name (有救助没, 能不能救助一下), not a job.
_ASKS_AID = re.compile(r"救助|救济|补助|补贴|给钱|发钱")
# How much a year or a month (一年能保多少钱, 每月能领几个钱): the program's own amount.
_PERIOD_AMOUNT = re.compile(r"(?:一年|一个月|每月|每年|每个月|一月)(?:能|可以)?(?:保|领|拿|给|发|补)(?:多少|几个|好多)")
# 好多 asks how much (能拿好多), except after a verb of spending told (花了好多, 欠了好多, 还剩好多).
_HOW_MUCH = r"(?<![了花欠借剩])好多"
_ASKING = re.compile(
    r"[吗呢？?]|(?<![什那这])么|能不能|可不可以|可以不|行不行|有没有|会不会|是不是|咋|怎么|怎样|"
    # 那么多钱 / 这么多年 tell, 咋么 asks; 没什么收入 / 没啥活 / 没多少钱 tell that there is little, they ask nothing.
    r"(?<!没)(?<!没有)(?:啥|什么|多少)|哪|"
    + _HOW_MUCH + r"|能否|是否|多久|多长"
    # 好几年 / 十几岁 tell a rough quantity; 几年 / 几岁 ask one.
    r"|(?<![好十])几[次天年倍块岁]|几个钱|不$|(.)[不没]\1"
)


@dataclass(frozen=True)
class Choice:
    """One reading of an unclear question, offered back to the resident ("您是想问：1. …")."""

    article_id: str
    question: str


@dataclass
class Answer:
    """What Minsheng replies to a question; channels add "来源：…" from ``sources`` themselves."""

    answered: bool
    text: str
    article_id: str | None = None
    sources: list[Source] = field(default_factory=list)
    suggestions: list[str] = field(default_factory=list)
    jurisdiction_code: str | None = None
    # Article ids of ``suggestions``, in the same order, for channels that offer them as buttons.
    suggestion_ids: list[str] = field(default_factory=list)
    # When the question could mean two or three articles and none is clearly meant: the choices
    # (``answered`` is False and ``text`` asks which one).
    clarify: list[Choice] = field(default_factory=list)


@dataclass(frozen=True)
class _Where:
    """The place a question is answered for."""

    code: str
    labelled: bool = False  # another served place the question is about: 【城厢区】…
    context: bool = False  # another place named only to compare with the resident's own
    unserved: Mention | None = None
    # The message without what it says of other places (context, background): what to read.
    question: str | None = None


# After another place is named, the question turns back to the resident's own place …
# (阮 is 我们 in 莆田 speech, 额们 in 宁夏's.)
_OWN_AFTER = re.compile(r"我们|咱们|俺们|额们|咱|俺|阮|我这|额这|我家|额家|老家|本地|这边|这里|这儿")
# … or stays with the place named.
_OWN_BEFORE = re.compile(r"(?:我们|咱们|俺们|额们|咱|俺|阮|我)(?:这|这里|这边|那个)?$")
_HERE_AFTER = re.compile(r"这边|这里|这儿|本地|当地|我们这")
# (我家那边, 老家那里: the resident's own home, said from where they are now.)
_THERE_AFTER = re.compile(r"(?<!我家)(?<!俺家)(?<!咱家)(?<!老家)(?<!家里)(?<!我们)(?<!俺们)(?<!咱们)(?<!额们)(?<!阮)"
                          r"(?:那边|那里|那儿|那块)|他们那|她们那|当地|在那(?![个些么样时])")
# The family a resident speaks of (我儿子, 我弟, 俺老伴).
_KIN = (r"儿子|女儿|闺女|姑娘|孩子|娃|老大|老二|老三|老幺|孙子|孙女|老伴|老公|老婆|男人|媳妇|哥|姐|弟|妹|表哥|表姐|"
        r"表弟|表妹|外甥|侄子|侄女|爸|妈|父亲|母亲|叔叔|叔|舅舅|舅|姑姑|姨")
# Someone is there (我儿子在上海打工): where they are, not what is asked about.
_SOMEONE_IN = re.compile(
    r"(?:" + _KIN + r"|儿|女|家里人|亲戚|朋友|同事|他|她|我|俺|咱|自己|以前|前些年|之前|早年)"
    r"(?:[^\s，,。？?！!]{0,3}|[^\s，,。？?！!]{0,4}毕业(?:后|以后)?)(?:在|去了?|到了?)$"
)
# Taken somewhere for treatment (孩子突发重病要送西宁): where the patient goes, not the place asked about.
_SENT_FOR_CARE = re.compile(r"(?:要送|送去|送往|送到|拉到|拉去|转院到|转院去|"
                            r"(?:看病|看大病|治病|住院|做手术)[^\s，,。？?！!]{0,3}(?:跑|去|到))$")
# A relative who is somewhere (我弟在贵阳，…): not the asker (我在上海，低保多少 may ask about 上海).
_RELATIVE_IN = re.compile(r"(?:" + _KIN + r")(?:也|都|一直|常年|现在|如今)?(?:在|人在)$")
_CLAUSE_END = re.compile(r"[，,。；;]")
# Going somewhere to be treated or to work (要去西宁做手术, 跑到新疆摘棉花), whoever goes.
_GOING_TO = re.compile(r"(?:要去|去了|跑到|跑去|送到|转到|到了|要往|往|只能去|得去|就去|跟人去|跟着人去|[，,。\s]去)$")
# The one asking is away (我在上海，我爸…): where they are, while the question is about family at home.
_ASKER_AWAY = re.compile(r"^\s*(?:我|俺|我现在|我人|俺现在)(?:在|人在)$")
_FAMILY_NEXT = re.compile(r"^[，,\s]+(?:我的?|俺)?(?:爸爸|妈妈|爸|妈|老爸|老妈|父亲|母亲|爹|娘|爷爷|奶奶|"
                          r"姥姥|姥爷|外婆|外公|家里|家人|老人|老家|老伴|公公|婆婆|岳父|岳母)")
_AT_START = re.compile(r"(?:[^。？?！!]*[，,。])?\s*在")
# Came back or moved from a place (从浙江回来, 从牧区搬到城里).
_CAME_BACK = re.compile(r"(?:那边|那里|打工)?(?:回来|回到|回家|回老家|回村|过来|搬回|搬到|搬来|来到|到了)")
# Studying somewhere (在银川上本科): one of the things done there, and the one that stays in the question.
_STUDY_WORDS = (r"上学|读书|念书|上大学|上大专|上本科|读本科|读大学|读大专|读研究生|读研|上研究生|上高中|读高中|"
                r"上中专|读中专|上职校|读职校|上技校|读技校|上初中|读初中|求学")
_STUDYING = re.compile(_STUDY_WORDS)
_DOING_THERE = re.compile(
    r"^[的\s]*(?:(?:省里|市里|城里|市区|城区|县城|区|那边|那里)的?)?(?:打工|上班|工作|干活|务工|找到活|找了活|找到工作|找到了工作|"
    r"找了工作|找了个工作|找了份|挣钱|"
    + _STUDY_WORDS + r"|住院|看病|做生意|当兵|生活|住|工地|厂里|厂子|工厂|"
    r"矿上|饭馆|饭店|餐馆|干了|打零工|做工|摘棉花|拾棉花|捡棉花|当保姆|开车|跑车|做手术|治病|动手术|医院|转院|转|治疗|检查|做了|干过|做过|待了|呆了|跑|"
    # 在厦门电子厂打工: a workplace there, named by what it makes or sells.
    r"[^\s，,。？?！!]{1,4}?(?:厂|公司|工地|矿|饭馆|餐馆|饭店|酒店|超市|医院))"
)


# After a prefecture's name: its urban districts (遵义市区的低保), not the counties under it.
_CITY_PROPER = re.compile(r"市区|城区|主城区|市里头|市中心")
# A question that asks for a figure (多少钱, 好多, 几倍, 封顶), and a digit in an answer.
_ASKS_FIGURE = re.compile(r"多少|" + _HOW_MUCH + r"|几多|几个钱|几块|几倍|多钱|金额|额度|封顶|上限|比例")
_DIGIT = re.compile(r"\d")
_WATER = frozenset("溪河江湖")
# Living somewhere, not working there (我在隆务镇住): where the resident lives.
_RESIDING = re.compile(r"^[的\s]*(?:住|生活|安家|落户|定居|户口)")
# What follows a place's name to say its level (华亭县 is no 华亭镇).
_LEVELS = frozenset("省市州盟县区旗")
# Groups of people an amount may be set per (农村特困户、低保户、一般贫困户 …), as residents name them.
_GROUPS = ("低保", "特困", "一般贫困户", "低收入", "重度残疾", "中度残疾", "孤儿", "优抚", "建档立卡")
# How residents name a group and how the seeds write it (一级残疾 is among 一二级重残人员).
_GROUP_SAID = {"重度残疾": "重度残疾|重残|[一二12]级(?:残疾|重残|肢体|智力|视力|听力|精神)",
               "中度残疾": "中度残疾|[三四34]级(?:残疾|肢体|智力|视力|听力|精神)"}
_GROUP_PRINTED = {"重度残疾": "重度残疾|重残"}
_NOT_GROUP = re.compile(r"(?:不是|不算|并非|没吃|不吃|没有|非)(?:也|又)?$")
_FIGURE = re.compile(r"\d+(?:\.\d+)?\s*(?:万元|万|元|块钱|块|倍|%|个小时|小时|天)?")


def _role(text: str, start: int, end: int, own_at: Sequence[int] = ()) -> tuple[str, int]:
    """How a place named at ``text[start:end]`` figures in the question — "subject", "context" or
    "background" — and, for context, where the question turns back to the resident (after 我们, or
    at ``own_at``: where the resident's own place is named with the question)."""
    after = text[end:]
    last_own = max([m.start() for m in _OWN_AFTER.finditer(after)] + [at - end for at in own_at if at >= end],
                   default=-1)
    last_there = max((m.start() for m in _THERE_AFTER.finditer(after)), default=-1)
    if last_own > last_there:
        return "context", end + last_own
    if text[:start].endswith("从") and _CAME_BACK.match(after):
        # 今年我从浙江回来: where the resident came back from, not what is asked.
        return "background", start - 1
    if _ASKER_AWAY.match(text[:start]) and _FAMILY_NEXT.match(after):
        # 我在上海，爸爸刚找到工作，低保会不会马上取消: asked from afar about family at home.
        return "background", 0
    sent = _SENT_FOR_CARE.search(text[:start].rstrip())
    if sent:
        return "background", sent.start()
    # 在西宁工地上摔伤了: a message that begins with where the resident is says where they are.
    # (他在 西宁 打工: the English layer's words stand apart.)
    someone = (_SOMEONE_IN.search(text[:start].rstrip()) or _GOING_TO.search(text[:start])
               or _AT_START.fullmatch(text[:start]))
    doing = someone and _DOING_THERE.search(after)
    # 他想报名去厦门那边的厂子: the 那边 is where he goes to work, not a question about over there.
    if someone and doing and not _THERE_AFTER.search(after, doing.end()):
        return "background", someone.start()
    # 我弟在贵阳，也顾不上。…: a relative who is somewhere, the clause ending with the place and the story
    # going on, says where they are (nothing is asked of it unless the question points back there:
    # 她们那里…). Asked right after (我姐在北京，低保多少) it may be the place asked about: still the subject.
    relative = _RELATIVE_IN.search(text[:start].rstrip())
    if (relative and _CLAUSE_END.match(after) and len(_CLAUSE_END.findall(after)) >= 3
            and not _THERE_AFTER.search(after)):
        return "background", relative.start()
    return "subject", start


@dataclass(frozen=True)
class _Rendered:
    text: str
    sources: list[Source]
    publisher: str


def display_name(place: Jurisdiction) -> str:
    """The name residents use: 临夏州 rather than 临夏回族自治州."""
    if len(place.name) > 6 and place.aliases:
        return min(place.aliases, key=len)
    return place.name


def _whom_joined(clauses: list[str]) -> list[str]:
    """A clause ending in 的 that asks nothing says whom the next one asks about (需要住房救助的，民政能
    转给别的部门吗): one question with it."""
    out: list[str] = []
    for clause in clauses:
        if out and out[-1].endswith("的") and not _ASKING.search(out[-1]):
            out[-1] += "，" + clause
        else:
            out.append(clause)
    return out


def _told_clauses(text: str) -> set[str]:
    """The clauses of sentences the resident ended with a full stop, with more after them: told, not
    asked (我们家收入不高，也不够低保条件。他能单独吃低保吗？)."""
    return {clause for sentence in _TOLD.findall(text) for clause in _CLAUSE_BREAK.split(sentence) if clause}


_TOLD = re.compile(r"([^。.！!？?]+)[。.](?=\s*\S)")


class KnowledgeBase:
    """Articles, parameters and the retriever over them; immutable, shared by every conversation."""

    def __init__(
        self, articles: list[Article], parameters: Parameters, index: Index, semantic: sem.Semantic | None = None
    ) -> None:
        self.articles = {a.id: a for a in articles}
        self.parameters = parameters
        self.places: Jurisdictions = parameters.places
        self.programs: dict[str, Program] = programs()
        self.index = index
        # The semantic stage (None: lexicon only, as when its vectors are not built).
        self.semantic = semantic
        self._passage_keys: dict[str, dict[str, str]] = {}
        # _variants_for by (article, place, day): asked ~100 times a question, always the same answer.
        self._variants_memo: dict[tuple[int, str, date], tuple[Article, list[tuple[Variant, str]]]] = {}
        self._townships_memo: dict[str, frozenset[str]] = {}
        # An article rendered for a place on a day (text, sources, publisher), and what it suggests next.
        self._rendered: Memo[tuple[str, str, date], tuple[str, tuple[Source, ...], str]] = Memo()
        self._suggested: Memo[tuple[str, str, date], tuple[Article, ...]] = Memo()
        # The articles a place has published on a day, in the articles' order: what a suggestion or a
        # first local article is picked from (each asked every article's variants: 130 ms of a first
        # pass over 2,220 questions).
        self._published: Memo[tuple[str, date], tuple[Article, ...]] = Memo()
        self._hardship: Memo[str, bool] = Memo()
        # The questions of a message: read by semantic_queries, then again by ask.
        self._questions: Memo[str, tuple[str, ...]] = Memo()
        # Whole answers of ask_async: a burst asks the same questions again and again, and the
        # reading, scoring and rendering of a repeat cost more than its request's own handling.
        self._answers: Memo[tuple[str, str, str, date], Answer] = Memo()
        # Set when warm() has built everything it builds.
        self.warmed = threading.Event()

    @classmethod
    def load(cls) -> KnowledgeBase:
        """The packaged knowledge base, built once per process."""
        return _packaged()

    def warm(self) -> None:
        """Builds in the background what the first questions would otherwise build while the
        questions behind them wait (a service's start): the English layer's table and the
        documents' list, a fifth of a second on the event loop (measured), what every served place
        has published today (a tenth of the first pass over 2,220 questions), and the semantic
        stage. ``warmed`` is set when all of it is done."""
        semantic = self.semantic.warm() if self.semantic is not None else None

        def build() -> None:
            try:
                self._build_lazies()
                self._publications(china_today())
                if semantic is not None:
                    semantic()
            finally:
                self.warmed.set()

        threading.Thread(target=build, daemon=True, name="kb-warm").start()

    @staticmethod
    def _build_lazies() -> None:
        read_english("how much is dibao")
        documents()
        # The seeds' sentences the answers quote from: ~90 ms with the loop stopped on the first question
        # a started service answers, if not built here (measured, issue 13).
        seeds()

    def _publications(self, on: date) -> None:
        for root in self.places.served_roots:
            for place in self.places.subtree(root):
                self._published_in(place.code, on)

    # -- public API ---------------------------------------------------------------------------

    def ask(
        self,
        text: str,
        region_code: str,
        locale: str = "zh_Hans",
        on: date | None = None,
        vectors: Mapping[str, np.ndarray] | None = None,
    ) -> Answer:
        """Answers a free-text question for the resident's place (``region_code``).

        ``vectors`` are query embeddings computed beforehand (:meth:`ask_async`); a question the
        semantic stage must read and that has none is embedded here, blocking."""
        on = on or china_today()
        # An English question is read as the Chinese words its phrases mean (the lexicon's English layer).
        text = read_english(text)
        where = self._place_for(text, region_code, on)
        if where.unserved is not None:
            return self._unserved(where.unserved, region_code, locale)
        # A message that relates what another place has (我姐在城厢区说她们那里低保是7920，我们这里呢？)
        # is one question about the resident's own place, not two.
        if where.question is not None:
            # …到临夏市打工，在那上学咋办: a question part that names no topic leans on what came before it.
            question = where.question if self.index.matcher.read(where.question).topical else text
            return self._localized(self._answer(question, where, on, locale, vectors), locale)
        parts = self._questions_in(text)
        if len(parts) > 1:
            answers = [self._answer(part, where, on, locale, vectors) for part in parts]
            # A part that finds no topic and asks nothing in so many words (…花在坐车吃饭上 read alone) is no
            # question of its own when another part is answered: its "not covered" reply would contradict the
            # answer beside it. One that asks (今天天气咋样) is still declined beside the other.
            answers = [a for a, part in zip(answers, parts, strict=True)
                       if a.answered or a.article_id is not None or a.clarify or _ASKING.search(part)] or answers
            if len(answers) == 1:
                return self._localized(answers[0], locale)
            articles = {a.article_id for a in answers}
            if len(articles) == len(answers):
                return self._localized(_joined(answers), locale)
            if len(articles) == 1 and all(a.answered for a in answers):
                # 够不够低保？标准是多少？ asks one thing twice: its fullest clause answers, not the story.
                return self._localized(answers[-1], locale)
        return self._localized(self._answer(text, where, on, locale, vectors), locale)

    async def ask_async(
        self, text: str, region_code: str, locale: str = "zh_Hans", on: date | None = None
    ) -> Answer:
        """:meth:`ask` for a server: the embeddings a question needs are computed on the encoder's
        worker thread, batched with other questions arriving at the same time."""
        on = on or china_today()
        key = (text, region_code, locale, on)
        remembered = self._answers.lookup(key)
        if remembered is not None:
            return remembered
        needed = self.semantic_queries(text)
        vectors: dict[str, np.ndarray] = {}
        if needed and self.semantic is not None:
            rows = await self.semantic.encoder.encode_async(needed)
            vectors = dict(zip(needed, rows, strict=True))
        answer = self.ask(text, region_code, locale, on, vectors)
        self._answers.put(key, answer)
        return answer

    def semantic_queries(self, text: str) -> list[str]:
        """The texts (the question or its clauses) whose answer consults the semantic stage."""
        if self.semantic is None:
            return []
        text = read_english(text)
        parts = self._questions_in(text)
        candidates = parts if len(parts) > 1 else [text]
        out = []
        for part in candidates:
            if self._consults_semantic(part):
                out.append(part)
        return out

    def _consults_semantic(self, text: str, reading: Reading | None = None, hits: list[Hit] | None = None) -> bool:
        reading = reading or self.index.matcher.read(text)
        if hits is None:
            hits = self.index.search(reading)
        return (self.semantic is not None and not hits and not reading.blocked
                and len(_WORD_CHARS.findall(text)) >= SEMANTIC_MIN_CHARS)

    def _questions_in(self, text: str) -> list[str]:
        """The questions of a run-on message (低保一年多少 特困一个月多少): clauses that each name a
        topic and ask something about it; one clause, or none, means one question (remembered)."""
        return list(self._questions.get(text, lambda: tuple(self._find_questions(text))))

    def _find_questions(self, text: str) -> list[str]:
        matcher = self.index.matcher
        # A topic read only across a clause and the question after it (去年看病自己掏的钱，申请低保能扣掉吗: the
        # medical costs deducted) binds the two into one question.
        clauses: list[str] = []
        for clause in _whom_joined([c for c in _CLAUSE_BREAK.split(text) if c]):
            if (clauses and _ASKING.search(clause) and not _ASKING.search(clauses[-1])
                    and matcher.read(clauses[-1] + "，" + clause).topical
                    - matcher.read(clauses[-1]).topical - matcher.read(clause).topical):
                clauses[-1] += "，" + clause
            else:
                clauses.append(clause)
        if len(clauses) < 2:
            return [text]
        # Where the resident asks in so many words (…能吃低保吗), a clause that does not (我们家也不够低保
        # 条件) tells the story; a yes-or-no question (他自己单独能吃低保吗) asks as much as 多少 does.
        explicit = [bool(_ASKING.search(clause)) for clause in clauses]
        told = _told_clauses(text) if any(explicit) else set()
        asking = []
        # Beside a clause that asks in so many words, 救助 or 政策 alone asks nothing (遇到急事找乡里要救助，
        # 啥时候能给个准话 asks how soon the township answers), unless the clause says what the resident
        # heard of (听说现在有服务类救助，是派人上门吗: the question is about it).
        for i, clause in enumerate(clauses):
            vague = VAGUE_KINDS if any(explicit) and not _HEARD_OF.match(clause) else frozenset()
            if (matcher.read(clause).topical and (explicit[i] or matcher.asks(clause, ignoring=vague))
                    and (explicit[i] or clause not in told)):
                asking.append(clause)
            elif (i and _ASKING.search(clause) and not matcher.read(clause).topical
                  and self._names_topic(clauses[i - 1]) and not matcher.asks(clauses[i - 1])):
                # 听说有防止返贫的监测，我家能纳入吗: the topic told, then the question about it.
                asking.append(clauses[i - 1] + "，" + clause)
        return asking[:MAX_QUESTIONS] if len(asking) > 1 else [text]

    def _story_focus(self, text: str, reading: Reading) -> tuple[Reading, frozenset[str]]:
        """For a long story: the reading with only the blocked topics its asking clauses name, and the
        topics those clauses and the clause before each name."""
        clauses = [c for c in _CLAUSE_BREAK.split(text) if c]
        if len(clauses) < STORY_CLAUSES or len(_CJK.findall(text)) < STORY_MIN_CHARS:
            return reading, frozenset()
        matcher = self.index.matcher
        asking = [i for i, c in enumerate(clauses) if _ASKING.search(c)] or [len(clauses) - 1]
        readings = [matcher.read(c) for c in clauses]
        blocked = frozenset(b for i in asking for b in readings[i].blocked)
        # A question often spans its clause and the one before (听说有租房补贴，外地户口能不能申请);
        # a clause before that only tells a situation (扣了医保还剩不少) is the story, not the question.
        # An asking clause that names its program (低保现在一个人一年多少钱) needs no clause before it.
        focus = frozenset(t for i in asking for j in (i - 1, i)
                          if j >= 0 and (j == i or (self._names_topic(clauses[j])
                                                    and not self._names_a_program(readings[i])))
                          for t in readings[j].topical)
        if not focus and _THIS_ILLNESS.search(clauses[asking[0]]):
            # …查出先天性心脏病。…我们家是贫困户，拿不出那么多钱。这种病有没有专门的救治: 这种病 is the illness
            # the story named (as a topic or as a situation, 查出白血病), however far back, not the topic nearest
            # the question.
            focus = next((readings[j].topical for j in range(asking[0] - 1, -1, -1)
                          if "病" in clauses[j] and readings[j].topical), frozenset())
        if not focus:
            # …听说搬迁户的临时救助每人有一次，我家五口人，能拿好多: the topic is a little further back;
            # a clause that only tells a situation (自己一分钱也拿不出来) names none.
            for j in range(asking[0] - 2, max(-1, asking[0] - 4), -1):
                if self._names_topic(clauses[j]):
                    focus = readings[j].topical
                    # …她总说不想念了，要跟人去打工: the clause right before it names the same matter.
                    if j and self._names_topic(clauses[j - 1]):
                        focus |= readings[j - 1].topical
                    break
        # A topic the whole message reads as part of a longer phrase (…学费一年五千多，这笔钱算家庭收入的时候
        # 能不能扣掉: the school fees deducted, not which incomes are exempt) is no focus of its own.
        focus &= matcher.found(compact(text))
        # What the asking clauses say is read as they say it (a situation there is not outweighed by a
        # topic the story names elsewhere).
        concepts = (reading.concepts - (reading.blocked - blocked)) | focus
        topical = reading.topical | focus
        if focus and any(self._names_a_program(readings[i]) and AMOUNT in readings[i].concepts
                         and not _HOUSEHOLD_NAMED.search(clauses[i]) for i in asking):
            # An asking clause that asks its program's figure (…儿子在读高中。低保现在一个人一年多少钱？): topics
            # only the sentences the resident ended with a full stop name are the story, not the question.
            told = _told_clauses(text)
            elsewhere = frozenset(t for c, r in zip(clauses, readings, strict=True) if c not in told
                                  for t in r.topical)
            story_only = frozenset(t for c, r in zip(clauses, readings, strict=True) if c in told
                                   for t in r.topical) - elsewhere - focus
            concepts -= story_only
            topical -= story_only
        return replace(reading, blocked=blocked, concepts=concepts, topical=topical), focus

    def _names_a_program(self, reading: Reading) -> bool:
        return any(self.index.names_program(reading, program) for program in self.programs)

    def _names_topic(self, clause: str) -> bool:
        """Whether a clause names a topic other than by a situation."""
        matcher = self.index.matcher
        return any(matcher.is_topical(c) and not matcher.is_situation(c) for c in matcher.found(compact(clause)))

    def _blocked_where_asked(self, text: str, reading: Reading) -> Reading:
        """A topic Minsheng does not cover, named only in a clause that tells rather than asks
        (我儿子在城厢区上班落户了，那边低保标准一年多少), does not decline what the asking clause asks."""
        clauses = [c for c in _CLAUSE_BREAK.split(text) if c]
        if len(clauses) < 2:
            return reading
        matcher = self.index.matcher
        asking = [matcher.read(c) for c in clauses if _ASKING.search(c)]
        if not asking or not any(r.topical for r in asking):
            return reading
        blocked = frozenset(b for r in asking for b in r.blocked)
        return replace(reading, blocked=blocked, concepts=reading.concepts - (reading.blocked - blocked))

    def _focused(self, hits: list[Hit], focus: frozenset[str]) -> list[Hit]:
        boosted = [
            Hit(h.article,
                h.score + STORY_FOCUS_WEIGHT * math.fsum(self.index.idf(c) for c in h.shared_topical & focus),
                h.shared_topical)
            for h in hits
        ]
        return sorted(boosted, key=lambda h: h.score, reverse=True)

    def _with_figure(self, hits: list[Hit], local: Hit, place_code: str, on: date, question: str) -> Answer | None:
        """A figure asked and the local article chosen prints none: a local match close behind it
        (within ``FIGURE_WINDOW``) that prints one, rendered, else None."""
        candidates = [h for h in hits if h.score >= local.score * FIGURE_WINDOW]
        if _PERIOD_AMOUNT.search(question):
            # …一个人带娃，没收入，一年能保多少钱: the amount asked is the program's own (the 低保 standard), further
            # behind than the window, but no "not published" while the place prints it.
            candidates += [h for h in hits if h.score < local.score * FIGURE_WINDOW
                           and h.article.program == local.article.program and self.index.gives(h.article, AMOUNT)]
        for hit in candidates:
            if hit is local or not self._variants_for(hit.article, place_code, on):
                continue
            answer = self._render_article(hit.article, place_code, on)
            if _DIGIT.search(answer.text):
                return answer
        return None

    def _with_amount(self, hits: list[Hit], local: Hit, answer: Answer, place_code: str, on: date) -> Answer:
        """A hardship told and nothing asked (家里突然着火烧光了): where 临时救助 is applied for, and
        beside it what the place pays, when another of its articles on the program prints that."""
        if local.article.program != SAFETY_NET or self.index.gives(local.article, AMOUNT):
            return answer
        pays = next((h.article for h in hits if h is not local and h.article.program == SAFETY_NET
                     and self.index.gives(h.article, AMOUNT) and self._variants_for(h.article, place_code, on)), None)
        if pays is None:
            return answer
        amounts = self._render_article(pays, place_code, on)
        if amounts.answered and _DIGIT.search(amounts.text) and amounts.text not in answer.text:
            return _joined([answer, amounts])
        return answer

    def _with_quote(self, text: str, answer: Answer) -> str:
        """The answer, and after it the seed's sentence for a detail asked that it leaves out (an answer
        without a source has no seed to quote)."""
        seed = seeds().get(answer.sources[0].document) if answer.sources else None
        quote = seed.quote(text, answer.text) if seed else None
        if not quote or quote in answer.text:
            return answer.text
        return f"{answer.text}\n原文：{quote}"

    def _hardship_first(self, text: str, hits: list[Hit]) -> list[Hit]:
        """Between matches as near as a tie, a hardship told (搬到安置点，生活困难) asks for the 临时救助
        one (the relocation's 临时救助, not its jobs)."""
        if len(hits) < 2 or hits[0].article.program == SAFETY_NET:
            return hits
        hardship = self._tells_hardship(text)
        if not hardship and not _ASKS_AID.search(text):
            return hits
        # A hardship told, or aid asked for by name (有救助没), is no question about jobs: the same topic seen from
        # the safety net's side (搬到安置点，日子紧巴巴: the relocation's 临时救助, not its jobs) stands a wider gap,
        # where no program is named.
        wide = (hits[0].article.program == JOBS and not self._names_a_program(self.index.matcher.read(text)))
        if not hardship and not wide:
            return hits
        near = next((h for h in hits[1:] if h.article.program == SAFETY_NET
                     and h.score >= hits[0].score * (HARDSHIP_SAME_TOPIC
                                                     if wide and h.shared_topical == hits[0].shared_topical
                                                     else HARDSHIP_TIE)), None)
        return hits if near is None else [near, *(h for h in hits if h is not near)]

    def _by_kind_asked(self, reading: Reading, hits: list[Hit]) -> list[Hit]:
        """Among near-equal matches, the one that gives the kind of answer asked (多少 → an amount) first:
        五保老人一个月领几个钱 is about 特困供养标准 more than about 敬老院."""
        best = hits[0]
        for hit in hits[1:]:
            # Two articles of one program are one topic seen from two sides (临时救助: how to apply,
            # how much); the kind of answer asked settles a wider gap between them, so that a
            # canonical question's wording (家里突然出事了能申请救助吗) does not outweigh 给多少.
            window = SAME_PROGRAM_KIND_WINDOW if hit.article.program == best.article.program else KIND_WINDOW
            if hit.score < best.score * window:
                continue
            # 救助 or 政策 alone is no reason when the first gives another kind asked (低保救助多少户: 户数).
            other = self.index.kinds_given_only_by(reading, hit.article, best.article)
            if (other <= VAGUE_KINDS and hit.shared_topical != best.shared_topical
                    and hit.score < best.score * KIND_WINDOW):
                # …白血病…贫困户。这种大病有没有专门的救治政策: 政策 alone puts one program's article on
                # another topic (贫困户's insurance) first only from a near tie.
                continue
            if other and not (other <= VAGUE_KINDS and self.index.kinds_given_only_by(reading, best.article,
                                                                                        hit.article)):
                return [hit, *(h for h in hits if h is not hit)]
        return hits

    def _answer(
        self, text: str, where: _Where, on: date, locale: str, vectors: Mapping[str, np.ndarray] | None
    ) -> Answer:
        place_code = where.code
        reading = self.index.matcher.read(text)
        reading, focus = self._story_focus(text, reading)
        if reading.blocked and not focus:
            reading = self._blocked_where_asked(text, reading)
        hits = self.index.search(reading)
        if hits and focus:
            hits = self._focused(hits, focus)
        if hits:
            hits = self._by_kind_asked(reading, hits)
            hits = self._hardship_first(text, hits)
        elif self._consults_semantic(text, reading, hits):
            # No topic the lexicon knows: e5 may still be close to an article (a situation told in
            # words no lexicon lists). Ask which one was meant rather than decline or guess.
            choices = self._semantic_choices(text, place_code, on, vectors)
            if len(choices) == 1:
                return self._render_article(choices[0], place_code, on)
            if choices:
                return self._clarify(choices, locale)
        # A topic Minsheng does not cover declines the question even next to a program word
        # (低保户能贷款买房吗 asks about a mortgage), unless the answer found speaks of it too.
        if not hits or not self.index.speaks_of(hits[0].article, reading.blocked):
            return self._not_covered(place_code, locale)
        best = hits[0]
        local = next((h for h in hits if self._variants_for(h.article, place_code, on)), None)
        # A local article on the same topic that answers something else (how long, where to apply)
        # when the question asks how much must not stand in for the answer: say what is missing first.
        if (
            local
            and local.score >= best.score * (LOCAL_PREFERENCE if self._names_a_program(reading)
                                             else SITUATION_LOCAL_PREFERENCE)
            and not self.index.asks_for_other_than(reading, local.article, best.article)
        ):
            answer = self._render_article(local.article, place_code, on)
            asks_figure = bool(_ASKS_FIGURE.search(text))
            if asks_figure and not _DIGIT.search(answer.text):
                # …轻度失能。她那个失能补贴一年多少: the place's services rules print no figure, its 失能老人
                # subsidy, close behind, does.
                answer = self._with_figure(hits, local, place_code, on, text) or answer
            if asks_figure:
                answer.text = _the_group_asked(text, answer.text)
            if answer.answered:
                answer.text = self._with_quote(text, answer)
                if not _ASKING.search(text):
                    answer = self._with_amount(hits, local, answer, place_code, on)
            if asks_figure and not _DIGIT.search(answer.text):
                # 城厢区残疾人两项补贴一个月多少钱: the place's rules on it print no figure. They are
                # given, but the figure asked is not (`answered` false, so channels offer 求助).
                answer.answered = False
                if "未公布" not in answer.text:
                    _ = translator(locale)
                    answer.text = _("{place}未公布具体数额。已公布的相关规定：{text}").format(
                        place=self._long_name(self.places.get(place_code)), text=answer.text)
        else:
            answer = self._not_published(best, hits, place_code, on, reading, locale, self._tells_hardship(text),
                                         self._only_situation(text), self._situations_told(text), text)
        if where.labelled and answer.answered:
            answer.text = f"【{display_name(self.places.get(place_code))}】{answer.text}"
        return answer

    def article(self, article_id: str, region_code: str, locale: str = "zh_Hans", on: date | None = None) -> Answer:
        """One article for a place, as when a resident picks a suggestion (KeyError for an unknown id)."""
        article = self.articles[article_id]
        on = on or china_today()
        if self._variants_for(article, region_code, on):
            return self._localized(self._render_article(article, region_code, on), locale)
        return self._localized(
            self._not_published(Hit(article, 0.0, frozenset()), [], region_code, on, locale=locale), locale)

    def region_summary(self, region_code: str, on: date | None = None, locale: str = "zh_Hans") -> str:
        """One short line of what the place (with the places above it) has published, in ``locale``
        (program names stay as the documents print them)."""
        on = on or china_today()
        _ = translator(locale)
        place = self.places.get(region_code)
        found = {article.program for article in self.articles.values()
                 if self._variants_for(article, region_code, on)}
        # In the order programs.yaml lists them (what residents ask about most first); how the
        # offices organise the work is no reason for a resident to write in.
        published = [program.name for program_id, program in self.programs.items()
                     if program_id in found and program.family != "admin"]
        if not published:
            return _("{place}暂未收录本地公布的救助标准，可发送：求助 乡镇名 您的问题。").format(
                place=self._long_name(place))
        shown = "、".join(published[:4])
        more = _("等{count}类政策").format(count=len(published)) if len(published) > 4 else ""
        return _("已设为{place}，可查询：{programs}{more}。").format(place=self._long_name(place), programs=shown,
                                                              more=more)

    # -- rendering ----------------------------------------------------------------------------

    def _variants_for(self, article: Article, region_code: str, on: date) -> list[tuple[Variant, str]]:
        """Variants that apply to the place, most specific first, whose figures are all in force.

        Remembered per article, place and day: answering one question asks this of every article the
        lexicon considers, about a hundred times (half the CPU of /api/v1/ask, profiled with cProfile)."""
        key = (id(article), region_code, on)
        memo = self._variants_memo.get(key)
        if memo is not None and memo[0] is article:
            return memo[1]
        if len(self._variants_memo) >= 100_000:
            self._variants_memo.clear()
        found = self._find_variants(article, region_code, on)
        self._variants_memo[key] = (article, found)
        return found

    def _find_variants(self, article: Article, region_code: str, on: date) -> list[tuple[Variant, str]]:
        chain = [p.code for p in self.places.chain(region_code)]
        out = []
        for code in chain:
            for variant in article.variants:
                if code in variant.jurisdictions and self._resolvable(variant, region_code, on):
                    out.append((variant, code))
        return out

    def _resolvable(self, variant: Variant, region_code: str, on: date) -> bool:
        return all(self.parameters.get(path, region_code, on) is not None for path, _ in variant.placeholders())

    def render(self, variant: Variant, publisher_code: str, region_code: str, on: date) -> _Rendered:
        """A variant's text with its figures for the place, and its sources (figures' references first)."""
        sources: list[Source] = []

        def fill(match: re.Match[str]) -> str:
            name, style = match[1], match[2]
            if name == "region":
                return display_name(self.places.get(region_code))
            if name == "publisher":
                return display_name(self.places.get(publisher_code))
            fact: Fact | None = self.parameters.get(name, region_code, on)
            if fact is None:
                raise KnowledgeBaseError(f"{name} is not published for {region_code}")
            if fact.reference not in sources:
                sources.append(fact.reference)
            return fact.text(style)

        text = PLACEHOLDER.sub(fill, variant.text)
        for source in variant.sources:
            if source not in sources:
                sources.append(source)
        return _Rendered(text, sources, publisher_code)

    def _render_article(self, article: Article, region_code: str, on: date) -> Answer:
        text, sources, publisher = self._rendered_once(article, region_code, on)
        answer = Answer(answered=True, text=text, article_id=article.id, sources=list(sources),
                        jurisdiction_code=publisher)
        self._suggest(answer, article, region_code, on)
        return answer

    def _rendered_once(self, article: Article, region_code: str, on: date) -> tuple[str, tuple[Source, ...], str]:
        """The article rendered for the place on the day (text, sources, publisher), remembered."""
        return self._rendered.get((article.id, region_code, on), lambda: self._render_anew(article, region_code, on))

    def _rendered_text(self, article: Article, region_code: str, on: date) -> str:
        return self._rendered_once(article, region_code, on)[0]

    def _render_anew(self, article: Article, region_code: str, on: date) -> tuple[str, tuple[Source, ...], str]:
        rendered = [self.render(v, code, region_code, on) for v, code in self._variants_for(article, region_code, on)]
        sources = [s for r in rendered for s in r.sources]
        return "\n".join(r.text for r in rendered), tuple(dict.fromkeys(sources)), rendered[0].publisher

    def _only_situation(self, text: str) -> bool:
        """Whether the question names its topic only by a situation (男人走了娃还小 家里莫得收入), not
        by a program: the program the situation stands for is then what it asks about."""
        matcher = self.index.matcher
        found = matcher.found(compact(text))
        return any(matcher.is_situation(c) for c in found) and not any(
            matcher.is_topical(c) and not matcher.is_situation(c) for c in found)

    def _situations_told(self, text: str) -> frozenset[str]:
        """The topics the situations a question tells stand for (家里无收入 → 低保), read even where a
        topic it names outweighs them, and those its topics fall back to (单亲妈妈 → 兜底)."""
        matcher = self.index.matcher
        found = matcher.found(compact(text))
        return frozenset(target for c in found if matcher.is_situation(c)
                         and isinstance(target := matcher.concepts[c].situation, str)) | frozenset(
            fallback for c in found if c in matcher.concepts and (fallback := matcher.concepts[c].fallback))

    def _tells_hardship(self, text: str) -> bool:
        """Whether the question tells a sudden hardship (出了车祸, 钱都花光了, 摔伤了, 遭了灾), even
        next to a topic it names (…住院了，家里钱都花光了)."""
        return self._hardship.get(text, lambda: bool(self.index.matcher.found(compact(text)) & HARDSHIP))

    def _not_published(
        self, best: Hit, hits: list[Hit], region_code: str, on: date, reading: Reading | None = None,
        locale: str = "zh_Hans", hardship: bool = False, situation: bool = False, told: frozenset[str] = frozenset(),
        question: str = "",
    ) -> Answer:
        """The place has not published what was asked: say so, then what it did publish nearby, if anything."""
        place = self.places.get(region_code)
        asked = best.article
        family = self.programs[asked.program].family
        # What the place published nearby: the same program first (同仁市's 临时救助 time limits for a
        # 临时救助 amount), then the same family, among the matches (articles sharing a topic with
        # the question). Beyond the matches only the same program, and only when the question names
        # it: 养老金几号发 from 正安县 matched 不计入家庭收入 alone; 低保标准 is no answer to it.
        local_hits = [h.article for h in hits if self._variants_for(h.article, region_code, on)]
        related = next((a for a in local_hits if a.program == asked.program), None) or next(
            (a for a in local_hits if self.programs[a.program].family == family), None
        )
        if related is None and (reading is None or situation or self.index.names_program(reading, asked.program)):
            # Not an article that answers one kind of question only (低保负责部门 is no 低保 rule).
            related = self._first_local(region_code, on, lambda a: a.program == asked.program and not a.requires)
        if related is None and hardship and reading is not None:
            # A hardship whose own topic the place has not published (住院医疗救助 from 城厢区) is what
            # every seed answers with 临时救助 (因病、因灾、因突发原因造成基本生活困难): the place's
            # 临时救助 article that best fits the question.
            related = self._best_local_with(reading, frozenset({SAFETY_NET}), region_code, on,
                                            lambda a: a.program == SAFETY_NET)
        if related is None and told and reading is not None:
            # A situation told beside the topic (瘫在床，家里无收入 from 城厢区, which has published no
            # 失能老人 subsidy): the place's rules on what the situation stands for (无收入: 低保).
            related = self._best_local_with(reading, told, region_code, on, lambda a: a.id != asked.id and any(
                self.index.speaks_of(a, [t]) for t in told))
        if related is None and reading is not None and len(reading.topical) > 1:
            # 房子墙裂了…额算分散供养特困…能补多少 from 通伏乡, which published no 特困 standard: its 危房改造
            # amounts name 分散供养特困人员. A local match that speaks of every topic the question names.
            related = next((h.article for h in hits if self._variants_for(h.article, region_code, on)
                            and self.index.speaks_of(h.article, reading.topical)), None)
        if related is None and question:
            # 老人得了慢性病 天天吃药 会不会被盯着帮 from 临夏州, which published no 慢性病 rule: the
            # clause that asks names what is asked about (被盯着: the monitoring), the others tell why.
            related = self._asked_in_clause(question, asked, region_code, on)
        _ = translator(locale)
        lead = _("{place}暂未公布{topic}").format(place=self._long_name(place), topic=asked.title)
        if related is None:
            answer = Answer(
                answered=False,
                text=_("{lead}，请咨询乡镇（街道）民政办，或发送：求助 {township} 您的问题，工作人员会回复您。").format(
                    lead=lead, township=self._township_hint(place)),
                article_id=asked.id,
            )
            self._suggest(answer, asked, region_code, on)
            return answer
        answer = self._render_article(related, region_code, on)
        if question:
            answer.text = self._with_quote(question, answer)
        answer.text = _("{lead}。已公布的相关规定：{text}").format(lead=lead, text=answer.text)
        if reading is None or self.index.asks_what_it_does_not_give(reading, related):
            # What was asked (the amount) is still not answered (the API's `answered`): the channels
            # offer a help request beside the related rules, which keep their sources.
            answer.answered = False
            answer.article_id = asked.id
        return answer

    def _asked_in_clause(self, text: str, asked: Article, region_code: str, on: date) -> Article | None:
        """The place's best article on the topics only the asking clauses of a message name, when
        other clauses tell the story (None for a message of one clause)."""
        clauses = [c for c in _CLAUSE_BREAK.split(text) if c]
        if len(clauses) < 2:
            return None
        matcher = self.index.matcher
        readings = [matcher.read(c) for c in clauses if _ASKING.search(c)]
        topics = frozenset(t for r in readings for t in r.topical) - self.index.mentions(asked)
        if not topics:
            return None
        return next((h.article for h in self.index.search(replace(readings[-1], topical=topics))
                     if self._variants_for(h.article, region_code, on)), None)

    def _best_local_with(self, reading: Reading, topics: frozenset[str], region_code: str, on: date,
                         wanted: Callable[[Article], bool]) -> Article | None:
        """The best match for the question read with ``topics`` added that the place published and that
        is ``wanted``, else None."""
        named = replace(reading, concepts=reading.concepts | topics, topical=reading.topical | topics)
        return next((h.article for h in self.index.search(named)
                     if wanted(h.article) and self._variants_for(h.article, region_code, on)), None)

    def _first_local(self, region_code: str, on: date, wanted: Callable[[Article], bool]) -> Article | None:
        return next((a for a in self._published_in(region_code, on) if wanted(a)), None)

    def _published_in(self, region_code: str, on: date) -> tuple[Article, ...]:
        """The articles with variants for the place on the day, in the articles' order (remembered)."""
        return self._published.get((region_code, on), lambda: tuple(
            a for a in self.articles.values() if self._variants_for(a, region_code, on)))

    def _suggest(self, answer: Answer, article: Article, region_code: str, on: date) -> None:
        suggested = self._suggested.get((article.id, region_code, on),
                                        lambda: tuple(self._suggestions(article, region_code, on)))
        for other in suggested:
            answer.suggestions.append(other.questions[0])
            answer.suggestion_ids.append(other.id)

    def _suggestions(self, article: Article, region_code: str, on: date) -> list[Article]:
        family = self.programs[article.program].family

        def rank(other: Article) -> tuple[int, bool]:
            # Articles that answer one kind of question only (负责部门) after the program's rules.
            if other.program == article.program:
                return 0, other.requires is not None
            return (1 if self.programs[other.program].family == family else 2), other.requires is not None

        candidates = sorted(
            (a for a in self._published_in(region_code, on) if a.id != article.id and not a.internal),
            key=rank,
        )
        return candidates[:MAX_SUGGESTIONS]

    def _not_covered(self, region_code: str, locale: str) -> Answer:
        place = self.places.get(region_code)
        _ = translator(locale)
        return Answer(
            answered=False,
            text=_(
                "这个问题不在民生助手能解答的范围内（可问低保、特困供养、临时救助、残疾人补贴、教育医疗住房救助等政策）。"
                "如需帮助，可发送：求助 {township} 您的问题，乡镇工作人员会回复您。"
            ).format(township=self._township_hint(place)),
        )

    def _clarify(self, choices: list[Article], locale: str) -> Answer:
        """"您是想问：1. … 2. …": the question could mean any of these; channels number them or
        show them as buttons, and the choice is answered at once."""
        _ = translator(locale)
        listed = "\n".join(f"{i}. {a.questions[0]}" for i, a in enumerate(choices, 1))
        return Answer(
            answered=False,
            text=_("您是想问：") + "\n" + listed,
            clarify=[Choice(a.id, a.questions[0]) for a in choices],
        )

    # -- the semantic stage -------------------------------------------------------------------

    def _vector(self, text: str, vectors: Mapping[str, np.ndarray] | None) -> np.ndarray | None:
        if self.semantic is None:
            return None
        if vectors is not None and text in vectors:
            return vectors[text]
        return self.semantic.encoder.encode([text])[0]

    def _semantic_choices(
        self, text: str, region_code: str, on: date, vectors: Mapping[str, np.ndarray] | None
    ) -> list[Article]:
        vector = self._vector(text, vectors)
        if vector is None or self.semantic is None:
            return []
        # Only what the place published: a choice must lead to an answer, not to "暂未公布".
        offered = [a.id for a in self._published_in(region_code, on) if not a.internal]
        ranked = self.semantic.ranked(vector, self.passage_keys(region_code, on), offered)
        return [self.articles[a] for a, sim in ranked[: sem.MAX_CHOICES] if sim >= sem.NEAR]

    def passage_keys(self, region_code: str, on: date | None = None) -> dict[str, str]:
        """Article id → the key of the passage e5 reads for it in this place (which variants apply)."""
        keys = self._passage_keys.get(region_code)
        if keys is None:
            on = on or china_today()
            keys = {a.id: sem.passage_key(a, [code for _v, code in self._variants_for(a, region_code, on)])
                    for a in self.articles.values()}
            self._passage_keys[region_code] = keys
        return keys

    def semantic_texts(self, on: date | None = None) -> tuple[list[sem.Passage], list[tuple[str, str]]]:
        """What e5 reads ahead of time: one passage per article and set of publishing places (title,
        canonical questions, the answer as rendered there), and every canonical question."""
        on = on or china_today()
        passages: dict[str, sem.Passage] = {}
        for root in self.places.served_roots:
            for place in self.places.subtree(root):
                for article in self.articles.values():
                    variants = self._variants_for(article, place.code, on)
                    key = sem.passage_key(article, [code for _v, code in variants])
                    if key in passages:
                        continue
                    body = "".join(self.render(v, code, place.code, on).text for v, code in variants)
                    passages[key] = sem.Passage(key, f"{article.title}。{'；'.join(article.questions)}。{body}")
        questions = [(a.id, q) for a in self.articles.values() for q in (a.title, *a.questions)]
        return sorted(passages.values(), key=lambda p: p.key), questions

    # -- places -------------------------------------------------------------------------------

    def _place_for(self, text: str, region_code: str, on: date) -> _Where:
        """Which place the question is about, from the places it names and how it names them.

        A place the resident's own place lies in (or under) changes nothing. Another place is the
        subject unless the question turns back to the resident after it (…我们这边呢: context) or
        only says where someone is (我儿子在上海打工: background). A served subject is answered
        for, labelled; an unserved one gets "我们只有 … 的政策" and never the resident's figure."""
        own = {p.code for p in self.places.chain(region_code)}
        turn: int | None = None
        subjects: list[Mention] = []
        # Spans that say where someone else is or what another place has: not read for the topic.
        aside: list[tuple[int, int]] = []
        mentions = self._mentions(text)
        own_turns = self._own_turns(text, mentions, own, region_code)
        for mention in mentions:
            # A misspelt name (安厂镇) means no place for sure: the dialogs offer the one it may be.
            if not mention.places:
                continue
            if self._own_township(text, mention, region_code):
                continue
            role, at = _role(text, mention.start, mention.end, own_turns)
            if any(p.code in own for p in mention.places):
                # 遵义市区 from 正安县: the city proper, not the county of the resident inside the city.
                tail = text[mention.end:]
                if mention.text.endswith("市") and tail.startswith("区"):
                    tail = "市" + tail
                if not (_CITY_PROPER.match(tail)
                        and all(p.level in ("province", "prefecture") and p.code != region_code
                                for p in mention.places)) and not self._asked_above(text, mention, mentions,
                                                                                   region_code, role):
                    continue
                if role == "subject":
                    subjects.append(mention)
                    continue
            elif self._part_of_question(text, mention, role, region_code, on):
                continue
            if role == "context":
                turn = max(turn or 0, at)
                aside.append((mention.start, mention.end))
            elif role == "background":
                doing = _DOING_THERE.match(text[mention.end:])
                # Studying there stays in the question (在银川上本科，…学费咋办: a college student's fees); only
                # the place is set aside. Working or being treated there is the story (measured: kept, they
                # turned questions about home into ones about migrant work or medical costs).
                kept_doing = doing is not None and bool(_STUDYING.search(doing.group()))
                aside.append((at, mention.end + (doing.end() if doing and not kept_doing else 0)))
            else:
                subjects.append(mention)
        served = [m.served[-1] for m in subjects if m.served]
        if served:
            # 宁夏平罗县通伏乡: the most specific place of the chain named.
            return _Where(max(served, key=lambda p: len(p.code)).code, labelled=True)
        if subjects:
            return _Where(region_code, unserved=subjects[0])
        if not aside:
            return _Where(region_code)
        if (turn is not None and self.index.matcher.read(text[turn:]).topical
                and not self._asks_the_told_for(text, turn)):
            # The question is what follows the turn back to the resident (…我们这边临时救助主要解决啥困难).
            return _Where(region_code, context=True, question=text[turn:])
        # "X has N; and ours?": the topic is the one X was said to have, the question how much ours is.
        kept = "".join(ch for i, ch in enumerate(text) if not any(a <= i < b for a, b in aside))
        if turn is not None:
            kept = _THERE_AFTER.sub("", _FIGURE.sub("", kept)) + ("多少" if _FIGURE.search(text[:turn]) else "")
        return _Where(region_code, context=turn is not None, question=kept)

    def _asks_the_told_for(self, text: str, turn: int) -> bool:
        """Whether the question after the turn asks what the other place was said to give, for a group
        of households it names by their program (…危房改造特困户给3万，俺们通伏特困户给多少: the renovation
        grant for 特困户, not the 特困 standard)."""
        after = text[turn:]
        if not _HOUSEHOLD_NAMED.search(after):
            return False
        matcher = self.index.matcher
        # The group is all the question after the turn names (…我们正安对贫困户创业有啥扶持 asks its own topic).
        return (not matcher.read(_HOUSEHOLD_NAMED.sub("", after)).topical
                and bool(matcher.read(_HOUSEHOLD_NAMED.sub("", text[:turn])).topical))

    def _own_township(self, text: str, mention: Mention, region_code: str) -> bool:
        """Whether a place named is a township of the resident's own place written like a county elsewhere:
        华亭 from 城厢区 is its own 华亭镇, not 甘肃's 华亭市. A city or province elsewhere (银川 from 临夏州) and a
        name written with its level (华亭县) are still the place elsewhere."""
        root, townships = self._township_names(region_code)
        return (mention.text in townships and not mention.served
                and text[mention.end:mention.end + 1] not in _LEVELS
                and all(p.level not in ("province", "prefecture") and not p.code.startswith(root)
                        for p in mention.places))

    def _township_names(self, region_code: str) -> tuple[str, frozenset[str]]:
        """The served place the resident lives in, and the names, short ones too, of the places inside it."""
        root = next((r for r in self.places.reader.served_roots if region_code.startswith(r)), region_code)
        names = self._townships_memo.get(root)
        if names is None:
            names = frozenset(name for place in self.places.subtree(root) if place.code != root
                              for name in self.places.reader.names_of(place.code, short=True))
            self._townships_memo[root] = names
        return root, names

    def says_elsewhere(self, text: str, mention: Mention, region_code: str) -> bool:
        """Whether a place a resident with a region names is not where they live: somewhere they or family
        work or stay (我在石嘴山市区打工), or a township of their own place written like a county elsewhere
        (华亭 from 城厢区). The dialogs then leave the region as it is and answer the question."""
        if self._own_township(text, mention, region_code):
            return True
        role, _at = _role(text, mention.start, mention.end)
        return role == "background" and not _RESIDING.match(text[mention.end:])

    def _asked_above(self, text: str, mention: Mention, mentions: list[Mention], region_code: str,
                     role: str) -> bool:
        """Whether a program is asked of the province the resident lives in (福建省低保标准 from 城厢区):
        it is asked of the province, whose rules we do not have, not of the resident's place, unless the
        resident's place is named too or the province is said to be their own (我们宁夏, 宁夏这边)."""
        if role != "subject" or not mention.places or not self._asked_of(text, mention):
            return False
        # A city is often named as home (遵义市的低保 from 正安县 asks about home); a province is not.
        if any(p.level != "province" for p in mention.places):
            return False
        if any(p.code == region_code or self.places.is_served(p.code) for p in mention.places):
            return False
        if _OWN_BEFORE.search(text[:mention.start]) or _HERE_AFTER.match(text[mention.end:]):
            return False
        return not any(m is not mention and any(p.code.startswith(mention.places[0].code) and
                                                len(p.code) > len(mention.places[0].code) for p in m.places)
                       for m in mentions)

    def _own_turns(self, text: str, mentions: list[Mention], own: set[str], own_code: str) -> list[int]:
        """Where the resident's own place is named with a question after it (临夏那边…，正安特困供养金
        一个月多少): the question turns back to them there, as after 我们."""
        # …，通伏呢 / 临夏提多少: the question after the resident's place may only ask, its topic the one
        # the other place was said to have.
        # 临夏 from 东乡族自治县 may be the prefecture, 临夏市 or 临夏县: all under the resident's served
        # place, whose document answers for each of them alike.
        root = min((code for code in own if self.places.is_served(code)), key=len, default=own_code)
        named = [(m.start, m.end) for m in mentions
                 if m.places and all(p.code in own or p.code.startswith((own_code, root)) for p in m.places)
                 and not _CITY_PROPER.match(text[m.end:])]
        # A township's own short name (通伏) is no place for the reader out of context; after another
        # place, with a question after it, it is the resident turning back to their own.
        taken = [(m.start, m.end) for m in mentions]
        for name in dict.fromkeys(self.places.reader.names_of(own_code, short=True)):
            for found in re.finditer(re.escape(name), text):
                at, end = found.span()
                if not any(a < end and at < b for a, b in taken) and any(m.end <= at for m in mentions):
                    named.append((at, end))
        topical = [at for at, _end in named if self.index.matcher.read(text[at:]).topical]
        return topical or [at for at, end in named if _ASKING.search(text[end:])]

    def _part_of_question(self, text: str, mention: Mention, role: str, region_code: str, on: date) -> bool:
        """Whether a place is part of what is asked rather than where: one the knowledge base itself
        speaks of as a topic (去上海打工: 正安县's labour cooperation with Shanghai) or that the
        resident's rules name (厦门 临夏馆), unless a program is asked of it (上海的低保多少钱); and
        where the resident goes to work (我想去上海打工，县里有组织吗) when nothing else is asked
        (我儿子在上海打工 低保标准多少 asks about 低保 at home)."""
        matcher = self.index.matcher
        if role == "subject":
            return not self._asked_of(text, mention) and (
                self._place_as_topic(text, mention) or self._local_partner(text, mention, region_code, on))
        if role == "background" and matcher.read(mention.text).topical:
            rest = matcher.read(text[:mention.start] + text[mention.end:]).topical
            return not rest - matcher.read(mention.text + "打工").topical
        return False

    def _place_as_topic(self, text: str, mention: Mention) -> bool:
        """Whether a place is a topic of the knowledge base (上海: 正安县's labour cooperation) and what else
        the question names is spoken of there (去上海打工有补贴吗: 打工), not only another matter asked of
        the place (上海残疾人护理补贴多少)."""
        matcher = self.index.matcher
        place = matcher.read(mention.text).topical
        if not place:
            return False
        rest = matcher.read(text[:mention.start] + text[mention.end:]).topical - place
        where = self.index.search(matcher.read(mention.text))
        return not rest or any(self.index.speaks_of(h.article, [topic]) for h in where for topic in rest)

    def _local_partner(self, text: str, mention: Mention, region_code: str, on: date) -> bool:
        """Whether the place is one the resident's own rules name for what is asked (我们临夏的土特产在
        厦门那边有地方卖吗: 临夏州's 消费扶贫 runs a 临夏馆 in 厦门): then it is part of the question."""
        rest = text[:mention.start] + text[mention.end:]
        return any(mention.text in self._rendered_text(hit.article, region_code, on)
                   for hit in self.index.search(self.index.matcher.read(rest))[:3]
                   if self._variants_for(hit.article, region_code, on))

    def _asked_of(self, text: str, mention: Mention) -> bool:
        """Whether the text asks a program of the place (上海的低保多少钱, 上海低保): a program named in
        the clause right after the place's name."""
        clause = _CLAUSE_BREAK.split(text[mention.end:], maxsplit=1)[0]
        reading = self.index.matcher.read(clause)
        return any(self.index.names_program(reading, program) for program in self.programs)

    def _mentions(self, text: str) -> list[Mention]:
        """Places the text names, served or not, in the order written (the places reader); a name
        that is part of a river's or lake's (木兰溪 in 城厢区's seed is no 木兰县) is none."""
        return sorted((m for m in self.places.read(text) if text[m.end:m.end + 1] not in _WATER),
                      key=lambda m: m.start)

    def _unserved(self, mention: Mention, region_code: str, locale: str) -> Answer:
        """A question about a place Minsheng does not serve: which places it does serve, and where to ask."""
        _ = translator(locale)
        # Written in pinyin (dawukou qu): named in Chinese when it means one place, as written otherwise.
        name = mention.places[0].name if mention.text.isascii() and len(mention.places) == 1 else mention.text
        if mention.served_inside:
            # 遵义市: Minsheng serves part of it (正安县).
            inside = "、".join(display_name(p) for p in mention.served_inside)
            text = _(
                "在{place}，我们只有{inside}的政策。{place}其他地方的政策请咨询当地民政部门，或拨打12345政务服务热线。"
            ).format(place=name, inside=inside)
        else:
            served = "、".join(dict.fromkeys(display_name(self.places.get(d.jurisdiction_code))
                                             for d in documents().values()))
            text = _("我们只有{served}的政策，没有{place}的。{place}的政策请咨询当地民政部门，或拨打12345政务服务热线。"
                     ).format(served=served, place=name)
        return Answer(answered=False, text=text)

    def _long_name(self, place: Jurisdiction) -> str:
        county = self.places.county_of(place.code)
        if place.is_township and county is not None:
            return f"{display_name(county)}{place.name}"
        return display_name(place)

    @staticmethod
    def _township_hint(place: Jurisdiction) -> str:
        return place.name if place.is_township else "乡镇名"

    @staticmethod
    def _localized(answer: Answer, locale: str) -> Answer:
        if locale == "zh_Hant":
            answer.text = to_traditional(answer.text)
            answer.suggestions = [to_traditional(s) for s in answer.suggestions]
        elif not locale.startswith("zh") and answer.article_id is not None and not answer.clarify:
            # Policy text is quoted as the documents print it; the resident is told so in their language.
            _ = translator(locale)
            answer.text = _("以下是政策原文（中文）：") + "\n" + answer.text
        return answer


def _the_group_asked(question: str, text: str) -> str:
    """An amount per group of people (危房改造: 特困户 39000、低保户 30000、一般贫困户 15000), asked for
    one group (低保户一户补多少): the lead and that group's lines, not every group's figure."""
    lead, colon, body = text.partition("：")
    if not colon or "\n" in text:
        lead, body = "", text
    clauses = body.rstrip("。").split("；")
    if len(clauses) < 2 or not all(_DIGIT.search(c) for c in clauses):
        return text
    # 一般的贫困户 names 一般贫困户; 既不是低保也不是特困 names neither of them.
    said = question.replace("的", "")
    named = [g for g in _GROUPS if any(not _NOT_GROUP.search(said, 0, m.start())
                                        for m in re.finditer(_GROUP_SAID.get(g, g), said))]
    if not named:
        return text
    # A line that names no group is for everyone, the group asked included (中职: every rural
    # student's 国家助学金, then what 建档立卡 students get besides).
    def names(clause: str, group: str) -> bool:
        return re.search(_GROUP_PRINTED.get(group, group), clause) is not None

    kept = [c for c in clauses if any(names(c, g) for g in named) or not any(names(c, g) for g in _GROUPS)]
    if not any(any(names(c, g) for g in named) for c in kept) or len(kept) == len(clauses):
        return text
    return f"{lead}{colon}{'；'.join(kept)}（其他对象标准不同）。"


def _joined(answers: list[Answer]) -> Answer:
    """One reply to a run-on message: each question's answer on its own line, sources of all."""
    first = next((a for a in answers if a.answered), answers[0])
    return Answer(
        answered=any(a.answered for a in answers),
        text="\n".join(a.text for a in answers),
        article_id=first.article_id,
        sources=list(dict.fromkeys(s for a in answers for s in a.sources)),
        suggestions=first.suggestions,
        jurisdiction_code=first.jurisdiction_code,
        suggestion_ids=first.suggestion_ids,
    )


@cache
def _packaged() -> KnowledgeBase:
    articles, errors = read_articles()
    if errors:
        raise KnowledgeBaseError("\n".join(errors))
    matcher = Matcher(concepts(), [k for a in articles for k in a.keywords])
    vectors = resources.files("knowledge_base").joinpath(sem.DATA_FILE)
    semantic = sem.Semantic() if vectors.is_file() else None
    return KnowledgeBase(articles, Parameters.load(), Index(articles, matcher), semantic)
