"""Relations between mentions of one document, each with its evidence sentence.

Typed relations come from cue words between (or around) two mentions of the
same sentence — Chinese prose states relations with a small set of verbs and
frames (…是一種…、由…開發、在…上訓練、整合、相較於…, and English ones inside
Chinese text: built on, runs on, developed by …) — and from the structure of
the document: a lead-in ending in a colon or a heading that names a list
relates its subject to each following item, and a section's heading names the
subject of items that do not name one. Negated cues state nothing, hedged ones
less; the mention types decide each relation's direction. Everything else that
shares a sentence gets a weighted RELATED_TO, down-weighted in list items and
table rows where co-occurrence says little.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

import ahocorasick
import numpy as np

from extract.chunk import split_sentences as sentence_spans
from extract.normalize import HAN, HAN_RE
from extract.records import Chunk, EntityType, Mention, RelationCandidate, RelationType
from extract.timing import timed

R = RelationType

_LIST_ITEM = re.compile(r"^\s*(?:[-*•・]|\d+[.)、]|[（(]?\d+[)）])\s+")
_TABLE_ROW = re.compile(r"\|.*\||\t.*\t")
_PUNCT = re.compile(r"[。！？，,.!?]")


class Sentence(NamedTuple):
    """A sentence's span and kind (a tuple: documents have hundreds, and tuples are cheap to make)."""

    start: int
    end: int
    kind: str  # "prose" | "item" | "row" | "short"


@timed("relations.split_sentences")
def split_sentences(body: str) -> list[Sentence]:
    """Sentences of ``body`` with their offsets; list items and table rows are marked.

    The sentences are :func:`extract.chunk.split_sentences`'s (one splitter for chunks and
    evidence; no sentence crosses a newline); the kind is decided per line.
    """
    out: list[Sentence] = []
    line_start = 0
    for line in body.split("\n"):
        if not line.strip():  # no sentence, and no kind to decide
            line_start += len(line) + 1
            continue
        kind = "prose"
        if ("|" in line or "\t" in line) and _TABLE_ROW.search(line):
            kind = "row"
        elif _LIST_ITEM.match(line):
            kind = "item"
        elif len(line.strip()) < 30 and not _PUNCT.search(line):
            kind = "short"
        out.extend(Sentence(s, e, kind) for s, e in sentence_spans(line, line_start))
        line_start += len(line) + 1
    return out


class ChunkIndex:
    """Finds the chunk of a span, over one document's chunks (in body order, overlapping by a sentence).

    A document asks this for every mention and every sentence with mentions, so the
    chunk bounds are kept as plain lists, built once per document, and each look-up
    is a bisect plus a scan of the few chunks around it.
    """

    __slots__ = ("ends", "ids", "ordered", "starts")

    def __init__(self, chunks: Sequence[Chunk]) -> None:
        self.starts = [c.start for c in chunks]
        self.ends = [c.end for c in chunks]
        self.ids = [c.id for c in chunks]
        # As make_chunks makes them: starts and ends both non-decreasing (see chunk_ids).
        self.ordered = all(a <= b for a, b in itertools.pairwise(self.starts)) and all(
            a <= b for a, b in itertools.pairwise(self.ends)
        )

    def chunk_ids(self, starts: Sequence[int], ends: Sequence[int]) -> list[str]:
        """:meth:`chunk_for` of many spans at once.

        With starts and ends of the chunks both in order, every step of
        :meth:`chunk_for` is a binary search, so all spans are placed with a few
        array operations: the chunks before ``start`` that still overlap it begin
        at the first chunk ending after ``start``; the first of those containing
        the whole span is the first ending at or after ``end``.
        """
        if not self.ordered or not self.ids:
            return [self.chunk_for(s, e) for s, e in zip(starts, ends, strict=True)]
        cs, ce = np.array(self.starts), np.array(self.ends)
        a, b = np.asarray(starts, dtype=np.int64), np.asarray(ends, dtype=np.int64)
        last = np.searchsorted(cs, a, "right") - 1  # the last chunk starting at or before ``a``
        overlapping = np.searchsorted(ce, a, "right")  # the first chunk ending after ``a``
        lo = np.maximum(np.minimum(overlapping, last), 0)
        whole = np.maximum(np.searchsorted(ce, b, "left"), lo)  # first containing [a, b)
        part = np.maximum(overlapping, lo)  # first containing ``a``
        pick = np.where(whole <= last, whole, np.where(part <= last, part, np.maximum(last, 0)))
        ids = self.ids
        return [ids[k] for k in pick.tolist()]

    def chunk_for(self, start: int, end: int) -> str:
        """Id of the first chunk containing [start, end), else of the chunk containing ``start``."""
        ids = self.ids
        if not ids:
            return ""
        starts, ends = self.starts, self.ends
        i = bisect.bisect_right(starts, start) - 1
        lo = i
        while lo > 0 and ends[lo - 1] > start:  # earlier chunks overlapping ``start``
            lo -= 1
        lo = max(lo, 0)
        for j in range(lo, i + 1):
            if starts[j] <= start and end <= ends[j]:
                return ids[j]
        for j in range(lo, i + 1):
            if starts[j] <= start < ends[j]:
                return ids[j]
        return ids[max(i, 0)]


# --- cue rules ------------------------------------------------------------------------------------
#
# Cue rules run on a *template* of each sentence in which every mention is one placeholder
# character (MARK, written ``@`` in the rule sources below), so a rule reads like the prose it
# matches: ``由@…開發``, ``以@為基礎``, ``把@換成@``. A rule either names both ends (groups ``a``,
# the source, and ``b``, the target) or only the target; then the source is the subject:
# the first mention of the cue's clause that can be a subject (clauses end at ，；：; not the
# object of a preposition or co-verb such as 在/透過/把/與, and the head of 「X 的 Y」), else —
# when that clause has none — the subject of an earlier clause of the sentence, else the topic of
# the paragraph (the previous sentence's), else the topic of the section (its heading's name).
# Rules only run on sentences that hold one of their trigger words (one Aho-Corasick pass per
# document finds them).
#
# Every relation then passes three checks that hold for all rules:
# - negation: a negator just before the cue or inside it (不能、無法、不支援、不需要、並非、沒有、
#   not …) stops it; yes/no questions (是否、能否、…嗎？) state nothing and give nothing; hedges and
#   conditions (可能、若、如果、或許 …) keep it with a lower confidence;
# - direction by types (:func:`_orient`): DEVELOPED_BY ends at an organisation or person, RUNS_ON at
#   hardware or a platform tool, TRAINED_ON at data or hardware, IS_A at a concept, …; a pair the
#   wrong way round is swapped, a pair that fits neither way is dropped;
# - list structure: a lead-in ending in a colon (「支援的模型：」「X 包含以下元件：」) or a heading
#   that names a list (「硬體需求」) relates its subject to the head name of each following list
#   item or table row, with the lead-in and the item as evidence and a lower confidence.

MARK = "\ue000"
_F = "[^，。；：,;:！？!?「」\ue000\n]"  # filler: no clause end, no other mention
_G = "[^，。；：,;:！？!?「」\n]"  # filler that may hold other mentions (「為基礎繼續預訓練的」)
_ENUM = r"(?:\s*(?:、|和|與|以及|及|或|&|/)\s*@)*"
_OWNER = r"(?:\s*的\s*@)?"  # 「Meta 的 Llama 3」
_SEP = r"(?:、|和|與|以及|及|或是|或|跟|/|,|&|，以及|(?i:and|or)(?![A-Za-z]))"
_ENUM_NEXT = re.compile(r"\s*" + _SEP + r"\s*" + MARK)
_OF_NEXT = re.compile(r"\s*的\s*" + MARK)
_OF_HEAD = re.compile(r"\s*(?:上|中|內|裡|裡面)?\s*的\s*")  # 「X 的 Y」「X 上的 Y」: Y is the head
_CLAUSE_END = re.compile(r"[，,；;：:✅✔☑❌•▪►➤🔹🔸]")
_PRONOUN = re.compile(r"[它其牠]|該模型|該工具|該框架|該函式庫|該庫|這個模型|這套|此模型|此工具")

M, T, C, G_, P, H, D = (  # model, tool, concept, organisation, person, hardware, data set
    EntityType.MODEL,
    EntityType.TOOL,
    EntityType.CONCEPT,
    EntityType.ORG,
    EntityType.PERSON,
    EntityType.HARDWARE,
    EntityType.DATASET,
)
_THINGS = frozenset({M, T, C, H, D})
_SOFTWARE = frozenset({M, T})
_AGENTS = frozenset({G_, P})

Mapper = Callable[[EntityType, EntityType], "tuple[RelationType, bool] | None"]


def _fixed(
    rtype: RelationType, sources: frozenset[EntityType], targets: frozenset[EntityType], reverse: bool = False
) -> Mapper:
    def mapper(src: EntityType, tgt: EntityType) -> tuple[RelationType, bool] | None:
        return (rtype, reverse) if src in sources and tgt in targets else None

    return mapper


def _same_kind(rtype: RelationType) -> Mapper:
    """Alternatives and comparisons are between things of one kind (two models, two tools, …); a
    model and a tool may be compared, but only one of a kind replaces another."""

    def mapper(src: EntityType, tgt: EntityType) -> tuple[RelationType, bool] | None:
        if src in _THINGS and (src is tgt or (rtype is R.COMPARED_WITH and {src, tgt} <= _SOFTWARE)):
            return rtype, False
        return None

    return mapper


def _based_on(src: EntityType, tgt: EntityType) -> tuple[RelationType, bool] | None:
    """「以 X 為基礎」「基於 X」: a model on a model is a variant; anything else uses X."""
    if src is M and tgt is M:
        return R.VARIANT_OF, False
    if src in _THINGS and tgt in _THINGS:
        return R.USES, False
    return None


def _never(src: EntityType, tgt: EntityType) -> tuple[RelationType, bool] | None:
    """No relation of its own: a rule with this mapper only passes on the verb of the clause
    before it (``inherit``)."""
    return None


def _supports(src: EntityType, tgt: EntityType) -> tuple[RelationType, bool] | None:
    """「X 支援 Y」: hardware → runs on; a model → the model runs on X; a backend or library →
    integrates; a method → uses."""
    if src not in _SOFTWARE:
        return None
    if tgt is H:
        return R.RUNS_ON, False
    if tgt is M and src is T:
        return R.RUNS_ON, True
    if tgt is T:
        return R.INTEGRATES, False
    if tgt in (C, D):
        return R.USES, False
    return None


def _supports_list(src: EntityType, tgt: EntityType) -> tuple[RelationType, bool] | None:
    """A list of what X supports (「支援的格式：」) names options X works with: integrates."""
    if src in _SOFTWARE and tgt in (C, D):
        return R.INTEGRATES, False
    return _supports(src, tgt)


def _includes(src: EntityType, tgt: EntityType) -> tuple[RelationType, bool] | None:
    """「X 包括/包含 Y」: a tool or model listing methods or formats uses them; a thing listing
    things of its own kind is made of them (Y PART_OF X); a tool shipping a model hosts it;
    an organisation listing products made them."""
    if src in _SOFTWARE and tgt in (C, D):
        return R.USES, False
    if src is tgt or (src in _SOFTWARE and tgt is T):
        return R.PART_OF, True
    if src is T and tgt is M:
        return R.RUNS_ON, True
    if src in _AGENTS and tgt in _SOFTWARE | {H}:
        return R.DEVELOPED_BY, True
    return None


def _compose(src: EntityType, tgt: EntityType) -> tuple[RelationType, bool] | None:
    """「X 由 A、B 組成」: the parts are PART_OF X."""
    if src in _THINGS | {G_} and tgt in _THINGS | _AGENTS:
        return R.PART_OF, True
    return None


def _category(src: EntityType, tgt: EntityType) -> tuple[RelationType, bool] | None:
    """「小型語言模型如 A、B」「A、B 等中介軟體」: source is the category, target an instance."""
    if src is C and tgt in _THINGS:
        return R.IS_A, True
    return None


def _maker(src: EntityType, tgt: EntityType) -> tuple[RelationType, bool] | None:
    """「X 是 Y 的開發者/維護者」: Y was developed by X (the role says X is a person or a team,
    whatever type X was given)."""
    if tgt in _THINGS:
        return R.DEVELOPED_BY, True
    return None


def _belongs(src: EntityType, tgt: EntityType) -> tuple[RelationType, bool] | None:
    """「X 屬於 Y」: a kind (Y a concept), else a member (people and units of an organisation)."""
    if tgt is C and src in _THINGS:
        return R.IS_A, False
    if tgt is G_ and src in _AGENTS:
        return R.PART_OF, False
    if src is tgt and src in (T, H, M):
        return R.PART_OF, False
    return None


def _used_by(src: EntityType, tgt: EntityType) -> tuple[RelationType, bool] | None:
    """「X 用於 Y」「專為使用 Y 設計」: Y uses X."""
    if src in _THINGS and tgt in _THINGS:
        return R.USES, True
    return None


def _needs(src: EntityType, tgt: EntityType) -> tuple[RelationType, bool] | None:
    """What X needs: hardware it runs on, anything else it uses."""
    if src in _SOFTWARE and tgt is H:
        return R.RUNS_ON, False
    if src in _THINGS and tgt in _THINGS:
        return R.USES, False
    return None


def _hosts(src: EntityType, tgt: EntityType) -> tuple[RelationType, bool] | None:
    """The models a tool offers or has downloaded run on it."""
    if src is T and tgt is M:
        return R.RUNS_ON, True
    return None


def _named(src: EntityType, tgt: EntityType) -> tuple[RelationType, bool] | None:
    """A heading or list item 「X 支援」「X 整合」 under a subject: the subject works with X."""
    if src not in _SOFTWARE:
        return None
    if tgt is H:
        return R.RUNS_ON, False
    if tgt is M and src is T:
        return R.RUNS_ON, True
    if tgt in (T, C, D):
        return R.INTEGRATES, False
    return None


@dataclass(frozen=True, slots=True)
class _Rule:
    name: str
    rx: re.Pattern[str]
    keys: tuple[str, ...]  # trigger words: the rule runs only on sentences holding one
    mapper: Mapper
    after: bool = False  # no subject before the cue: look for a model after it (「在 X 上跑 M」)
    explicit: bool = False  # names its source (group ``a``) as well as its target
    trained: bool = False  # a training rule: people may be its subject (see :func:`_subjects`)
    action: bool = False  # something people do (use, run, swap): 「我們…，並使用 X」 is theirs
    lists: bool = False  # targets may be a list after a colon or in brackets (「包括：A、B」「後端（A、B）」)
    platform: bool = False  # a tool target in a sentence about platforms is a platform (RUNS_ON)
    replaces: bool = False  # 「改用 Y」: the source is the thing of Y's kind named before (what Y replaces)
    local: bool = False  # the source must be named in the sentence (no topic stands in for it)
    clause: bool = False  # the source must be named in the cue's own clause
    trusted: bool = False  # the cue itself says what the ends are (「X 是 Y 的工程師」): no type check
    it: bool = False  # the object is a pronoun (「都使用它，包括 A、B」): its referent is the source
    inherit: bool = False  # starting a clause, it lists examples of the previous clause's object:
    # that clause's verb says the relation (「X 支援多種格式，包括 A、B」: X supports A)
    kinds: bool = False  # the target may be a kind written before its head noun (「是一種微調方法」)


def _rule(
    name: str,
    source: str,
    keys: str,
    mapper: Mapper,
    after: bool = False,
    action: bool = False,
    lists: bool = False,
    platform: bool = False,
    replaces: bool = False,
    local: bool = False,
    kinds: bool = False,
    clause: bool = False,
    trusted: bool = False,
    it: bool = False,
    inherit: bool = False,
) -> _Rule:
    rx = re.compile(
        source.replace("ENUM", _ENUM)
        .replace("OWNER", _OWNER)
        .replace("@", MARK)
        .replace("F", _F)
        .replace("G", _G)
    )
    words = tuple(dict.fromkeys(w for k in keys.split() for w in _key_forms(k.replace("_", " "))))
    return _Rule(
        name,
        rx,
        words,
        mapper,
        after=after,
        explicit="a" in rx.groupindex,
        trained=name.startswith("train"),
        action=action,
        lists=lists,
        platform=platform,
        replaces=replaces,
        local=local,
        clause=clause,
        trusted=trusted,
        it=it,
        inherit=inherit,
        kinds=kinds,
    )


def _key_forms(key: str) -> tuple[str, ...]:
    """A trigger word as the case-sensitive automaton must see it: English words also capitalised."""
    if key.isascii() and key[:1].isalpha():
        return (key, key[:1].upper() + key[1:])
    return (key,)


_DEV_VERBS = (
    "開發|推出|釋出|發布|發佈|發表|打造|研發|提出|維護|建立|推動|支持|主導|開源|設計|製作|贊助|出品|"
    "創建|創立|訓練"
)
_PAREN = r"(?:\s*(?:（[^）\n]{0,40}）|\([^)\n]{0,40}\)))?"
# What may stand between a verb and its object: a quantity or a quality (「使用大規模的 X」「採用專門的 X」),
# not the first half of a longer name (「使用邊緣人工智慧」 is not 「使用人工智慧」).
_MODIFIERS = (
    r"(?:多種|各種|大規模|大量|許多|不同|先進|專門|相同|多個|一些|特定|高效|開源|最新)的?\s*"
    r"|(?:(?![這那此該])[^，。；：,;:！？!?「」\ue000\n]){1,6}?的\s*"
)
_DEV_ACTIVE = "開發|推出|釋出|發布|發佈|發表|打造|研發|開源|創建|訓練出"  # 「Microsoft 開發了 X」
_RUN_VERBS = "跑|執行|運行|部署|推論|服務|測試|調校|運作|示範執行|跑得動|託管|serve"
_NO_LEAD = r"(?<![還就不只都像才則或要可但那這便因])"  # 「還是」「就是」「不只是」 are not a copula
_ROLE_MAKER = "開發者|開發人員|維護者|作者|創建者|創作者|發明者|設計者|發起人|提出者"
_ROLE_PERSON = (
    "工程師|科學家|研究員|研究者|成員|員工|主管|負責人|倡導者|佈道師|經理|總監|執行長|首席執行官|技術長|主席|"
    "教授|學生|實習生|顧問|合夥人|合作夥伴|合作伙伴|創始人|創辦人"
)
_ROLE_PRODUCT = "工具套件|套件|工具|框架|產品|平台|服務|函式庫|引擎|晶片|處理器|模型|開源"
_ROLE_UNIT = "子公司|部門|單位|小組|實驗室|研究院|研究所|團隊"
_E = "(?<![A-Za-z])"  # an English cue starts a word

# In priority order: a target claimed by an earlier rule is not taken again by a later one.
_RULES: list[_Rule] = [
    # explicit source and target
    _rule(
        "dev-by-of",
        r"(?P<a>@)" + _PAREN + r"\s*(?:所|團隊)?(?:" + _DEV_VERBS + r")的\s*(?P<b>@)",
        _DEV_VERBS.replace("|", " "),
        _fixed(R.DEVELOPED_BY, frozenset({G_, P}), _THINGS, True),
    ),
    _rule(
        "use-run",
        r"用\s*(?P<b>@)\s*F{0,6}?(?:" + _RUN_VERBS + r"|架了|架設|架起|架)\s*F{0,3}?(?P<a>@)",
        "用",
        _fixed(R.RUNS_ON, _SOFTWARE, frozenset({T, H})),
    ),
    _rule(
        "put-on",
        r"把\s*(?P<a>@)\s*(?:部署|安裝|架|跑|放)(?:在|到|於)F{0,10}?(?P<b>@)",
        "把",
        _fixed(R.RUNS_ON, _SOFTWARE, frozenset({T, H})),
    ),
    _rule(
        "swap",
        r"把\s*(?P<a>@)\s*F{0,4}?(?:換成|替換成|換為|改成|改為)\s*(?P<b>@)",
        "把",
        _same_kind(R.ALTERNATIVE_TO),
    ),
    _rule(
        "put-to-use",
        r"(?:將|把)\s*(?P<a>@)\s*F{0,4}?(?:用於|用在|應用於|應用在|套用於|運用於|運用在)\s*F{0,4}?(?P<b>@)",
        "將 把",
        _used_by,
    ),
    _rule(
        "compare-two",
        r"(?:比較了?|比較一下|評比了?|對比了?)\s*(?P<a>@)\s*(?:和|與|跟|及|以及|、)\s*(?P<b>@)",
        "比較 評比 對比",
        _same_kind(R.COMPARED_WITH),
    ),
    _rule(
        "versus",
        r"(?P<a>@)\s*(?:vs\.?|VS\.?|v\.s\.|對上|對決)\s*(?P<b>@)",
        "vs VS 對上 對決",
        _same_kind(R.COMPARED_WITH),
    ),
    _rule(
        "based-rel",
        r"(?:以|基於|基于)\s*(?P<b>@)OWNERF{0,4}?(?:為|作為|做為)?(?:基礎|基底|底座)G{0,12}?的\s*(?P<a>@)",
        "以 基於 基于",
        _based_on,
    ),
    _rule(
        "part-under",
        r"(?P<b>@)\s*(?:旗下|底下)的?\s*(?P<a>@)",
        "旗下 底下",
        _fixed(R.PART_OF, frozenset({G_, T, M}), frozenset({G_, T})),
    ),
    _rule(
        "such-as",
        r"(?P<a>@)\s*(?:（[^）\n]{0,30}）|\([^)\n]{0,30}\))?\s*[，,]?\s*"
        r"(?:如|例如|像是|比如|諸如|譬如|(?i:such as|e\.g\.|including))\s*[：:]?\s*(?P<b>@)",
        "如 像是 諸如 譬如 such_as e.g. including",
        _category,
    ),
    _rule(
        "etc-kind",
        r"(?P<b>@)ENUM\s*等\s*(?:多種|各種|常見的?|主流的?|不同的?|其他)?\s*F{0,4}?(?P<a>@)"
        r"(?=\s*(?:元件|組件|功能|類別|選項)|(?![" + HAN + "]))",
        "等",
        _category,
    ),
    _rule(
        "dev-active",
        r"(?P<a>@)" + _PAREN + r"\s*(?:於\d{4}年)?\s*(?:" + _DEV_ACTIVE + r")了?\s*(?P<b>@)",
        _DEV_ACTIVE.replace("|", " "),
        _fixed(R.DEVELOPED_BY, _AGENTS, _THINGS, True),
    ),
    _rule(
        "use-rel",
        r"(?P<a>@)\s*(?:所|常|主要)?(?:使用|採用|支援|支持)的\s*(?:F{0,6}?的)?\s*(?P<b>@)",
        "使用 採用 支援 支持",
        _fixed(R.USES, _SOFTWARE, _THINGS),
    ),
    _rule(
        "dev-label",
        r"(?P<a>@)F{0,4}?\s*[：:]\s*(?P<b>@)\s*(?:推出|開發|發布|打造)?的",
        "：",
        _fixed(R.DEVELOPED_BY, _THINGS, frozenset({G_})),
    ),
    # target only: the source is the subject
    _rule(
        "compose",
        r"由\s*F{0,10}?(?P<b>@)G{0,24}?(?:組成|構成|所組成|所構成|組合而成)",
        "組成 構成 組合而成",
        _compose,
        lists=True,
    ),
    _rule(
        "compose-list",
        r"由\s*F{0,12}?(?:組成|構成|組合而成)\s*[：:]\s*G{0,16}?(?P<b>@)",
        "組成 構成 組合而成",
        _compose,
        lists=True,
    ),
    _rule(
        "dev-by",
        r"由\s*(?:@\s*)?(?P<b>@)" + _PAREN + r"F{0,12}?(?:所|團隊|研究團隊)?(?:共同)?(?:" + _DEV_VERBS + ")",
        "由",
        _fixed(R.DEVELOPED_BY, _THINGS, frozenset({G_, P})),
    ),
    _rule(
        "dev-by-is",
        r"是\s*(?P<b>@)\s*(?:所)?(?:" + _DEV_VERBS + ")的",
        "是",
        _fixed(R.DEVELOPED_BY, _THINGS, frozenset({G_, P})),
    ),
    _rule(
        "use-is",
        _NO_LEAD + r"(?:是|為)\s*(?P<b>@)\s*(?:所|常|主要)?(?:使用|採用|支援|支持)的",
        "是 為",
        _used_by,
    ),
    _rule(
        "role-maker",
        _NO_LEAD
        + r"(?:是|為|擔任)\s*(?P<b>@)\s*(?:團隊|專案|項目|計畫)?\s*的\s*G{0,6}?(?:"
        + _ROLE_MAKER
        + ")",
        _ROLE_MAKER.replace("|", " "),
        _maker,
        trusted=True,
    ),
    _rule(
        "train-with",
        r"(?:使用|用|以|透過|利用)了?F{0,8}?(?P<b>@)F{0,4}?(?:來|進行)?(?:訓練|預訓練|微調|再訓練)",
        "使用 用 以 透過 利用",
        _fixed(R.TRAINED_ON, frozenset({M}), frozenset({H, C, D})),
        after=True,
    ),
    _rule(
        "train-on",
        r"在\s*F{0,4}?(?P<b>@)ENUM\s*(?:上|裡|中)?F{0,6}?(?:用\s*@\s*)?F{0,4}?(?:訓練|預訓練|微調|練)",
        "在",
        _fixed(R.TRAINED_ON, frozenset({M}), frozenset({H, C, D})),
        after=True,
    ),
    _rule(
        "run-in",
        r"(?:跑在|執行在|運行在|運行於|執行於|部署在|部署到|部署於|部署至|跑於|架在|裝在|放在|運作在|運作於|託管在|託管於"
        r"|運行的是|執行的是|跑的是)F{0,8}?(?P<b>@)",
        "跑在 執行在 運行在 運行於 執行於 部署在 部署到 部署於 部署至 跑於 架在 裝在 放在 運作在 運作於 "
        "託管在 託管於 的是",
        _fixed(R.RUNS_ON, _SOFTWARE, frozenset({T, H})),
        after=True,
        lists=True,
    ),
    _rule(
        "run-on",
        r"在\s*F{0,6}?(?P<b>@)ENUM"
        + _PAREN
        + r"\s*(?:或F{0,6}?)?(?:上|裡|中|內)?F{0,6}?(?:"
        + _RUN_VERBS
        + ")",
        "在",
        _fixed(R.RUNS_ON, _SOFTWARE, frozenset({T, H})),
        after=True,
    ),
    _rule(
        "cross-platform",
        r"(?:跨平台|多平台|跨平臺)F{0,8}?[（(]\s*(?P<b>@)",
        "跨平台 多平台 跨平臺",
        _fixed(R.RUNS_ON, _SOFTWARE, frozenset({T, H})),
    ),
    _rule(
        "variant",
        _NO_LEAD
        + r"(?:是|為)\s*(?P<b>@)F{0,10}?的?\s*F{0,6}?(?:延伸|變體|改良版|衍生|衍生版|微調版|指令版|指令微調版"
        r"|量化版|精簡版|小型版|擴充版|後繼|升級版|最新版|版本|分支|壓縮版|優化版)",
        "是 為",
        _fixed(R.VARIANT_OF, _SOFTWARE | {C}, _SOFTWARE | {C}),
    ),
    _rule(
        "family",
        _NO_LEAD + r"(?:是|為)\s*(?P<b>@)\s*(?:家族|系列)",
        "家族 系列",
        _fixed(R.VARIANT_OF, _SOFTWARE, _SOFTWARE),
    ),
    _rule(
        "part-is",
        _NO_LEAD + r"(?:是|為)\s*(?P<b>@)F{0,8}?的?\s*"
        r"(?:一部分|一部份|元件|組件|模組|子專案|子項目|成員|一員|核心組件)",
        "是 為",
        _fixed(R.PART_OF, _THINGS | {G_}, _THINGS | {G_}),
    ),
    _rule(
        "part-under-is",
        _NO_LEAD + r"(?:是|為|屬於)\s*(?P<b>@)F{0,4}?(?:旗下|底下|內部)",
        "旗下 底下 內部",
        _fixed(R.PART_OF, frozenset({G_, T, M}), frozenset({G_})),
    ),
    _rule(
        "kind-of",
        _NO_LEAD + r"(?:是|為|屬於|算是)\s*(?P<b>@)\s*的?\s*(?:一種|一類|一個分支|子類|子集|分支)",
        "是 為 屬於 算是",
        _fixed(R.IS_A, _THINGS, frozenset({C})),
        kinds=True,
    ),
    _rule(
        "can-be",
        r"(?:可以是|可能是|可以為|可為|可以包括)\s*(?P<b>@)ENUM",
        "可以是 可能是 可以為 可為 可以包括",
        _fixed(R.IS_A, frozenset({C}), _THINGS, True),
        local=True,
    ),
    _rule(
        "role-person",
        _NO_LEAD
        + r"(?:是|為|擔任)\s*(?P<b>@)\s*(?:團隊|公司|實驗室)?\s*的\s*G{0,12}?(?:"
        + _ROLE_PERSON
        + ")",
        "是 為 擔任",
        _fixed(R.PART_OF, _THINGS | _AGENTS, frozenset({G_, T})),
        trusted=True,
    ),
    _rule(
        "role-product",
        _NO_LEAD + r"(?:是|為)\s*(?P<b>@)\s*(?:團隊|公司|實驗室)?\s*的\s*F{0,12}?(?:" + _ROLE_PRODUCT + ")",
        "是 為",
        _fixed(R.DEVELOPED_BY, _THINGS, _AGENTS),
    ),
    _rule(
        "role-unit",
        _NO_LEAD + r"(?:是|為)\s*(?P<b>@)\s*的\s*F{0,12}?(?:" + _ROLE_UNIT + ")",
        "是 為",
        _fixed(R.PART_OF, frozenset({G_}), frozenset({G_})),
    ),
    _rule(
        "alt-is",
        _NO_LEAD + r"(?:是|為)\s*(?P<b>@)F{0,4}?的?(?:替代方案|替代品|替代選擇|替代|競品|對手|競爭者)",
        "替代 競品 對手 競爭者",
        _same_kind(R.ALTERNATIVE_TO),
    ),
    _rule(
        "alt",
        r"(?<!轉)(?:換成|替換成|換為|改用|改成|取代|代替|替代|替換|轉向|轉用|改採)了?\s*(?P<b>@)",
        "換成 替換成 換為 改用 改成 取代 代替 替代 替換 轉向 轉用 改採",
        _same_kind(R.ALTERNATIVE_TO),
        replaces=True,
    ),
    _rule(
        "integrate-with",
        r"(?:與|和|跟|同)\s*(?P<b>@)F{0,8}?(?:整合|集成|串接|對接|互通|相容|兼容|協同運作|無縫接軌|互動|交互|通訊)",
        "整合 集成 串接 對接 互通 相容 兼容 協同運作 無縫接軌 互動 交互 通訊",
        _fixed(R.INTEGRATES, _SOFTWARE, _SOFTWARE | {C, G_}),
    ),
    _rule(
        "compare-with",
        r"(?:跟|和|與|同|拿)\s*(?P<b>@)F{0,4}?(?:相比|比較|相較|對比|比起來|差不多|不相上下|的差距|相當|一樣)",
        "相比 比較 相較 對比 比起來 差不多 不相上下 差距 相當 一樣",
        _same_kind(R.COMPARED_WITH),
        local=True,
    ),
    _rule(
        "compare-bare",
        r"(?<![與和跟同拿])(?:相比於?|相較於?|比起|對比於?)\s*F{0,6}?(?P<b>@)(?!\s*[，,])",
        "相比 相較 比起 對比",
        _same_kind(R.COMPARED_WITH),
    ),
    _rule(
        "compare-than",
        r"(?<![相對])比\s*(?P<b>@)F{0,12}?(?:更|還要|好|差|快|慢|穩|準|強|弱|高|低|大|小|便宜|貴|省|多|少|優|佳)",
        "比",
        _same_kind(R.COMPARED_WITH),
    ),
    _rule(
        "compare-over",
        r"(?:優於|勝過|不如|超越|追上|贏過|輸給|媲美)\s*(?P<b>@)",
        "優於 勝過 不如 超越 追上 贏過 輸給 媲美",
        _same_kind(R.COMPARED_WITH),
    ),
    _rule(
        "based",
        r"(?:以|基於|基于)\s*(?P<b>@)OWNERF{0,4}?(?:等G{0,8}?)?(?:為|作為|做為)(?:基礎|基底|底座|底層|核心|骨幹)(?!的)",
        "以 基於 基于",
        _based_on,
    ),
    _rule(
        "based-bare",
        r"(?:基於|基于|建基於)\s*(?P<b>@)OWNER(?:\s*(?:之上|上))?(?=\s*(?:[，。；、,.!?！？]|$))",
        "基於 基于 建基於",
        _based_on,
    ),
    _rule(
        "based-train",
        r"(?:基於|基于)\s*(?P<b>@)OWNER\s*(?:@|F{0,4}?(?:繼續|持續|再|進行)?(?:預訓練|微調|訓練|擴充|改良|實作|開發|打造|建構|建置))",
        "基於 基于",
        _based_on,
    ),
    _rule(
        "built-on",
        r"(?:建構|建立|構建|架構|打造|建置)(?:在|於)\s*(?P<b>@)F{0,4}?(?:之上|上|基礎上)",
        "建構 建立 構建 架構 打造 建置",
        _fixed(R.USES, _THINGS, _THINGS),
    ),
    _rule(
        "carry",
        r"(?:搭載|配備|配有|裝有)了?\s*F{0,4}?(?P<b>@)",
        "搭載 配備 配有 裝有",
        _fixed(R.PART_OF, frozenset({H}), frozenset({H}), True),
    ),
    _rule(
        "integrate",
        r"(?:整合了?|串接了?|串起|對接|接入|集成|連接|連結|可以接|原生支援|內建支援)(?:到|至|進|入|於)?\s*(?P<b>@)",
        "整合 串接 串起 對接 接入 集成 連接 連結 可以接 原生支援 內建支援",
        _fixed(R.INTEGRATES, _SOFTWARE, _SOFTWARE | {C, G_}),
        lists=True,
    ),
    _rule(
        "pair-use",
        r"(?:搭配|配合)\s*(?P<b>@)ENUM\s*(?:一起)?(?:使用|運作)",
        "搭配 配合",
        _fixed(R.INTEGRATES, _SOFTWARE, _SOFTWARE),
    ),
    _rule(
        "support",
        r"(?:支援|支持)了?\s*(?:[：:]\s*)?(?:多種|各種|不同的?|主流的?|常見的?|所有的?|幾種|大部分的?|許多)?\s*(?P<b>@)",
        "支援 支持",
        _supports,
        lists=True,
        platform=True,
    ),
    _rule(
        "support-list",
        r"(?:支援|支持)了?F{0,10}?[（(]\s*(?P<b>@)",
        "支援 支持",
        _supports_list,
        lists=True,
        platform=True,
    ),
    _rule(
        "named",
        r"^F{0,8}?(?P<b>@)ENUM\s*(?:整合|集成|支援|支持|相容性|兼容性|(?i:support|integration))"
        + _PAREN
        + r"\s*(?:[：:].*)?$",
        "整合 集成 支援 支持 相容性 兼容性 support integration",
        _named,
        kinds=True,
    ),
    _rule(
        "include",
        r"(?:包括|包含|涵蓋|含有)了?\s*(?:[：:]\s*)?(?:[^，。；：,;:！？!?「」\ue000\n、（(]{1,10}、\s*){0,4}(?P<b>@)",
        "包括 包含 涵蓋 含有",
        _includes,
        lists=True,
        inherit=True,
    ),
    _rule(
        "examples",  # 「X 與多種服務互動，例如 A、B」: the examples are what the clause before acted on
        r"(?:^|(?<=[，,；;]))\s*(?:例如|比如|像是|諸如|譬如)\s*[：:]?\s*"
        r"(?:[^，。；：,;:！？!?「」\ue000\n、]{1,8}?(?:、|和|與|及)\s*)?(?P<b>@)",
        "例如 比如 像是 諸如 譬如",
        _never,
        lists=True,
        inherit=True,
    ),
    _rule(
        "belongs",
        r"屬於\s*(?P<b>@)(?!\s*的?\s*(?:旗下|底下|內部|一種|一類))",
        "屬於",
        _belongs,
    ),
    _rule(
        "used-for",
        r"(?<!適)(?:用於|用在|用來|應用於|專用於)\s*F{0,4}?(?P<b>@)ENUM(?=\s*(?:[，。；、：,.!?！？)）]|$|等|之中|中))",
        "用於 用在 用來 應用於 專用於",
        _used_by,
        local=True,
    ),
    _rule(
        "for-use",
        r"(?:專為|專門為|為了?|供|適合|可)\s*(?:使用|搭配)\s*(?P<b>@)",
        "專為 專門為 為 供 適合 可",
        _used_by,
        local=True,
    ),
    _rule(
        "offers-api",
        r"提供\s*(?P<b>@)ENUM(?:\s*(?:、|和|與|及)\s*[A-Za-z+#]{1,3})?\s*的?\s*(?:API|介面|接口|綁定|SDK|(?i:bindings?))",
        "提供",
        _fixed(R.INTEGRATES, _SOFTWARE, _SOFTWARE | {C}),
    ),
    _rule(
        "via-provide",
        r"(?:通過|透過|藉由)\s*(?P<a>@)\s*(?:來)?(?:提供|實現)F{0,6}?(?P<b>@)ENUM",
        "通過 透過 藉由",
        _fixed(R.USES, frozenset({T}), frozenset({C})),
    ),
    _rule(
        "use-for-task",
        r"(?:使用|利用|用)\s*(?P<a>@)\s*(?:模型|工具|服務)?\s*(?:來)?(?:進行|做|執行|完成)\s*F{0,2}?(?P<b>@)",
        "使用 利用 用",
        _fixed(R.USES, _SOFTWARE, frozenset({C}), True),
    ),
    _rule(
        "written-in",
        r"(?:用|以|使用|採用)\s*(?:[A-Za-z]{1,3}\s*/\s*)?(?P<b>@)ENUM\s*(?:語言)?\s*(?:撰寫|寫成|編寫|寫的|實作|實現|開發而成|打造)",
        "撰寫 寫成 編寫 寫的 實作 實現 開發而成 打造",
        _fixed(R.USES, _SOFTWARE, frozenset({T, C})),
    ),
    _rule(
        "use-it",
        r"(?:使用|採用|支援|支持|用到)了?(?:它|其|此|這種方法|這個方法|這項技術)\s*[，,]?\s*(?:包括|例如|如|像是|比如)\s*(?P<b>@)",
        "使用 採用 支援 支持 用到",
        _used_by,
        it=True,
    ),
    _rule(
        "use",
        r"(?:(?<!即)使用了?|採用了?|利用|用了|透過|通過|藉由|經由|呼叫|依賴|借助|選用|底層用|運用|仰賴|用到)\s*(?:[：:]\s*)?"
        r"(?:"
        + _MODIFIERS
        + r")?(?:(?:基於|基于)\s*(?=@\s*的))?(?P<b>@)",  # 「採用基於 X 的架構」: X is used
        "使用 採用 利用 用了 透過 通過 藉由 經由 呼叫 依賴 借助 選用 底層用 運用 仰賴 用到",
        _fixed(R.USES, _THINGS | {G_}, _THINGS),
        action=True,
        lists=True,
    ),
    # English phrasings (also inside Chinese text)
    _rule(
        "en-based",
        _E + r"(?i:built\s+on(?:\s+top\s+of)?|built\s+upon|based\s+on|powered\s+by)\s+(?:the\s+)?(?P<b>@)",
        "built_on built_upon based_on powered_by",
        _based_on,
    ),
    _rule(
        "en-run",
        _E + r"(?i:runs?\s+on|running\s+on|deployed\s+(?:on|to)|hosted\s+on|runs?\s+in)"
        r"\s+(?:the\s+|a\s+)?(?P<b>@)",
        "run_on runs_on running_on deployed_on deployed_to hosted_on run_in runs_in",
        _fixed(R.RUNS_ON, _SOFTWARE, frozenset({T, H})),
        after=True,
    ),
    _rule(
        "en-dev",
        _E + r"(?i:developed|created|made|released|built|maintained|published|open-sourced)\s+by\s+(?P<b>@)",
        "developed_by created_by made_by released_by built_by maintained_by published_by open-sourced_by",
        _fixed(R.DEVELOPED_BY, _THINGS, frozenset({G_, P})),
    ),
    _rule(
        "en-integrate",
        _E + r"(?i:integrates?|integrated|integration)\s+(?:with|into)\s+(?:the\s+)?(?P<b>@)",
        "integrate integrates integrated integration",
        _fixed(R.INTEGRATES, _SOFTWARE, _SOFTWARE | {C, G_}),
    ),
    _rule(
        "en-train",
        _E + r"(?i:(?:pre-?|fine-?)?trained\s+on)\s+(?:the\s+)?(?P<b>@)",
        "trained_on pre-trained_on pretrained_on fine-tuned fine-trained_on",
        _fixed(R.TRAINED_ON, frozenset({M}), frozenset({H, C, D})),
        after=True,
    ),
    _rule(
        "en-alt",
        _E + r"(?i:alternative\s+to|instead\s+of|replaces?|replacing)\s+(?:the\s+)?(?P<b>@)",
        "alternative_to instead_of replace replaces replacing",
        _same_kind(R.ALTERNATIVE_TO),
    ),
    _rule(
        "en-compare",
        _E + r"(?i:compared\s+(?:to|with)|versus|in\s+comparison\s+to)\s+(?P<b>@)",
        "compared versus comparison",
        _same_kind(R.COMPARED_WITH),
    ),
    _rule(
        "en-part",
        _E + r"(?i:part\s+of)\s+(?:the\s+)?(?P<b>@)",
        "part_of",
        _fixed(R.PART_OF, _THINGS | _AGENTS, _THINGS | {G_}),
    ),
    _rule(
        "en-support",
        _E + r"(?i:supports|supported\s+on|support\s+for|compatible\s+with)\s+(?P<b>@)",
        "supports supported support compatible",
        _supports,
        lists=True,
        platform=True,
    ),
    _rule(
        "en-use",
        _E + r"(?i:uses|using|leverages?|relies\s+on|depends\s+on|utili[sz]es)\s+(?:the\s+)?(?P<b>@)",
        "uses using leverage leverages relies depends utilizes utilises",
        _fixed(R.USES, _THINGS | {G_}, _THINGS),
        action=True,
    ),
    _rule(
        "as",
        r"(?:當|當作|當成|作為)\s*(?P<b>@)(?=\s*(?:[，。；、：,.!?！？]|$|使用|用))",
        "當 作為",
        _fixed(R.IS_A, _SOFTWARE | {H}, frozenset({C})),
        kinds=True,
    ),
    _rule(
        "is-a",
        _NO_LEAD
        + r"(?:是|屬於|算是)\s*(?:一種|一個|一款|一套|一類|一項|種|個|款|套)?(?:G{0,16}?的)?F{0,4}?(?P<b>@)"
        r"(?=(?:方法|技術|手法|機制|架構|格式)?\s*(?:[，。；、：,.!?！？]|$|之一))",
        "是 屬於 算是",
        _fixed(R.IS_A, _THINGS, frozenset({C})),
        local=True,
        kinds=True,
    ),
    _rule(
        "is-a-wei",  # 「為」 is a copula only right after its subject; elsewhere it means "for"
        _NO_LEAD
        + r"(?<=[\ue000\s])為\s*(?:一種|一個|一款|一套|一類|一項|種|個|款|套)?(?:F{0,10}?的)?F{0,4}?(?P<b>@)"
        r"(?=(?:方法|技術|手法|機制|架構|格式)?\s*(?:[，。；、：,.!?！？]|$|之一))",
        "為",
        _fixed(R.IS_A, _THINGS, frozenset({C})),
        clause=True,
        kinds=True,
    ),
]

_RULE_KEYS = sorted({k for r in _RULES for k in r.keys})


@lru_cache(maxsize=1)
def _trigger_automaton() -> tuple[ahocorasick.Automaton, dict[str, list[int]]]:
    rules_of: dict[str, list[int]] = {}
    for i, r in enumerate(_RULES):
        for k in r.keys:
            rules_of.setdefault(k, []).append(i)
    auto = ahocorasick.Automaton()
    for k in rules_of:
        auto.add_word(k, k)
    auto.make_automaton()
    return auto, rules_of


def _topic_ok(m: Mention) -> bool:
    return m.type is not P


_DECORATION = re.compile("(?![🔹🔸])[\U0001f300-\U0001faff]\ufe0f?\\s*$")  # not a clause mark


class _Template:
    """One sentence with each mention replaced by MARK, and where its clauses end."""

    __slots__ = ("clause_ends", "slot_of", "slots", "text")

    def __init__(self, body: str, sent: Sentence, inside: Sequence[Mention]) -> None:
        parts: list[str] = []  # the text between mentions
        slots: list[int] = []
        pos = sent.start
        size = 0  # template length so far
        for m in inside:
            # A pictograph decorating a name (「也是🤗 Transformers 的」) is not text a rule reads.
            part = _DECORATION.sub("", body[pos : m.start])
            parts.append(part)
            size += len(part)
            slots.append(size)
            size += 1
            pos = m.end
        parts.append(body[pos : sent.end])
        self.text = text = MARK.join(parts)
        self.slots = slots
        self.slot_of = dict(zip(slots, range(len(slots)), strict=True))
        self.clause_ends = [m.start() for m in _CLAUSE_END.finditer(text)]

    def clause_start(self, tpos: int) -> int:
        i = bisect.bisect_left(self.clause_ends, tpos) - 1
        return self.clause_ends[i] + 1 if i >= 0 else 0

    def clause_end(self, tpos: int) -> int:
        i = bisect.bisect_left(self.clause_ends, tpos)
        return self.clause_ends[i] if i < len(self.clause_ends) else len(self.text)


def _object(tpl: _Template, inside: Sequence[Mention], k: int) -> int:
    """An organisation owning the next mention (「NVIDIA 的 CUDA」) hands the object role to it."""
    if inside[k].type is G_ and k + 1 < len(inside):
        m = _OF_NEXT.match(tpl.text, tpl.slots[k] + 1)
        if m is not None and m.end() - 1 == tpl.slots[k + 1]:
            return k + 1
    return k


def _enumerated(tpl: _Template, inside: Sequence[Mention], k: int) -> list[int]:
    """``k`` and the mentions listed after it (「AWQ、GPTQ 與 FP8」)."""
    out = [k]
    while k + 1 < len(inside):
        m = _ENUM_NEXT.match(tpl.text, tpl.slots[k] + 1)
        if m is None or m.end() - 1 != tpl.slots[k + 1]:
            break
        k = _object(tpl, inside, k + 1)
        out.append(k)
    return out


_LIST_SEP = re.compile(r"[、，,；;/]|以及|及|和|與|或|&")
_PAREN_OPEN = re.compile("[^，。；：,;:！？!?\ue000\n]{0,8}?[（(]\\s*" + MARK)


def _list_heads(tpl: _Template, start: int, end: int) -> list[int]:
    """Mentions heading the items of a list written in ``[start, end)`` of the template
    (「用於推理的 A、用於壓縮的 B（NNCF），以及 C」 → A, B, C): the last mention of each item
    outside brackets, or the first in brackets when the item has no other or that one only
    modifies an unnamed noun (「神經網路壓縮框架（NNCF）」 → NNCF)."""
    text, slots = tpl.text, tpl.slots
    heads: list[int] = []
    last = inner = -1
    pos = start
    depth = 0

    def head() -> int:
        if last >= 0 and (
            inner < 0 or not (_glued(text, slots[last]) or _names_phrase(text, slots[last], slots[inner]))
        ):
            return last
        return inner

    for j in range(bisect.bisect_left(slots, start), len(slots)):
        s = slots[j]
        if s >= end:
            break
        between = text[pos:s]
        if depth > 0:  # 「（NNCF），以及 C」: the item ends after its brackets close
            close = max(between.rfind("）"), between.rfind(")"))
            outside = between[close + 1 :] if close >= 0 else ""
            sep = _LIST_SEP.search(outside) if outside else None
        else:
            sep = _LIST_SEP.search(between)
        if sep is not None and (last >= 0 or inner >= 0):
            heads.append(head())
            last = inner = -1
        depth += between.count("（") + between.count("(") - between.count("）") - between.count(")")
        if depth <= 0:
            depth = 0
            if sep is not None and last < 0 and _GLUED_LEFT.fullmatch(_LIST_SEP.split(between)[-1]):
                pos = s + 1  # 「、提示微調」: 微調 ends an item the text did not name
                continue
            last = j
        elif inner < 0:
            inner = j
        pos = s + 1
    if last >= 0 or inner >= 0:
        heads.append(head())
    return heads


# An item whose name is glued to Han text before it (「以及提示微調」) is a longer, unnamed term.
_GLUED_LEFT = re.compile(
    f"\\s*(?!(?:其他|其它|各種|多種|不同|常見|主流|開源|主要|許多|一些|所有|專門|最新|用於|以及|及|和|與|或|還有|甚至|例如|如))[{HAN}]{{1,4}}"
)


def _names_phrase(text: str, last: int, inner: int) -> bool:
    """Whether the brackets holding ``inner`` name the whole phrase that mention ``last`` only
    starts (「神經網路壓縮框架（NNCF）」: NNCF is the framework, not 神經網路)."""
    bracket = max(text.rfind("（", last, inner), text.rfind("(", last, inner))
    return bracket > last and _HAN.search(text, last + 1, bracket) is not None


def _bracketed(tpl: _Template, k: int) -> list[int]:
    """Mentions in brackets right after mention ``k`` (「GPU 後端（CUDA、Metal）」)."""
    m = _PAREN_OPEN.match(tpl.text, tpl.slots[k] + 1)
    if m is None:
        return []
    close = min(
        (i for i in (tpl.text.find("）", m.end()), tpl.text.find(")", m.end())) if i >= 0),
        default=len(tpl.text),
    )
    return _list_heads(tpl, m.end() - 1, close)


_NOT_SUBJECT = re.compile(
    r"(?:在|於|相較於|相較|相比於|相比|比起|對於|關於|除了|透過|通過|藉由|經由|使用|利用|採用|用|把|將|對|從|向|讓|"
    r"與|和|跟|同|比|被|由|以|如|例如|像是|比如|支援|支持|整合|集成|包括|包含|搭配|結合|替|當|供|給|加入|"
    r"(?<![A-Za-z])(?i:with|by|on|using|via|for|from|to|of|in))\s*(?:了\s*)?$"
)


def _can_lead(tpl: _Template, k: int, start: int, inside: Sequence[Mention] = ()) -> bool:
    """Whether mention ``k`` can be a subject: not inside 「在 X 上」「相較於 X」「透過 X」 and the like,
    nor a concept that only modifies a noun the text did not name (「模型壓縮框架：通過…」)."""
    prev = tpl.slots[k - 1] + 1 if k > 0 and tpl.slots[k - 1] >= start else start
    if inside and _modifier(tpl.text, tpl.slots[k], inside[k]):
        return False
    if prev > start and _SEP_ONLY.fullmatch(tpl.text, prev, tpl.slots[k]):
        return _can_lead(tpl, k - 1, start, inside)  # 「支持 A、B」: B is listed with A, an object too
    return _NOT_SUBJECT.search(tpl.text, prev, tpl.slots[k]) is None


_SEP_ONLY = re.compile(r"\s*" + _SEP + r"\s*")


def _head(tpl: _Template, inside: Sequence[Mention], k: int, stop: int) -> int:
    """The head of a noun phrase starting at mention ``k``: 「Meta 的 Llama 3」 → Llama 3, but the
    owner of a method stays the subject (「CKIP Transformers 的命名實體辨識採用…」)."""
    slots = tpl.slots
    while k + 1 < len(inside) and slots[k + 1] < stop:
        if _OF_HEAD.fullmatch(tpl.text, slots[k] + 1, slots[k + 1]) is None:
            break
        if inside[k + 1].type is C and inside[k].type in _SOFTWARE:
            break
        k += 1
    return k


_OWNED_NOUN = re.compile(f"的[^\ue000是為屬算]*[{HAN}][^\ue000]*(?:是|為|屬於|算是)")


def _clause_subject(
    tpl: _Template, inside: Sequence[Mention], cue: int, people_ok: bool = False
) -> tuple[list[Mention] | None, bool]:
    """(the subject of the clause of ``cue`` and the mentions listed with it, whether a pronoun
    stands in for the subject): the first mention before the cue that can lead the clause. Where
    people come first (「我們會示範如何設置 X 以與 Y 互動」) they are the subject, and no name is —
    unless the cue describes the name the people act on (``people_ok``: 「我選擇 X 當向量資料庫」)."""
    cstart = tpl.clause_start(cue)
    slots = tpl.slots
    lo = bisect.bisect_left(slots, cstart)
    hi = bisect.bisect_left(slots, cue)
    k = next((j for j in range(lo, hi) if _can_lead(tpl, j, cstart, inside)), -1)
    if k < 0:
        return None, bool(_PRONOUN.search(tpl.text, cstart, cue))
    if not people_ok and _PEOPLE_ACT.search(tpl.text, cstart, slots[k]):
        return None, False
    k = _head(tpl, inside, k, cue)
    if _PRONOUN.search(tpl.text, slots[k] + 1, cue):  # 「Meta 表示它使用了…」
        return None, True
    if people_ok and _OWNED_NOUN.search(tpl.text, slots[k] + 1, cue):
        return None, False  # 「X 最大的挑戰是 Y」: the unnamed 挑戰 is Y, not X
    return [inside[j] for j in _enumerated(tpl, inside, k) if slots[j] < cue], False


_PEOPLE = re.compile(
    r"我|你|妳|您|他們|她們|大家|建議|讀者|同事|學員|講者|考慮|請|嘗試|試著|選擇|參考|查看|按照|客戶|用戶|使用者|"
    r"開發者|開發人員|人們|每個人|任何人|初學者|如何|怎麼|(?<![A-Za-z])(?:you|we|You|We)(?![A-Za-z])"
)
# People who act on the name after them (「我們會示範如何設置 X」), not people owning it (「我家那台 X」).
_PEOPLE_ACT = re.compile(
    "(?:"
    + _PEOPLE.pattern
    + r").*?(?:會|將|要|想|需要|可以|能|示範|設置|設定|建立|創建|配置|使用|用|選擇|選用|安裝|下載|"
    r"執行|運行|看看|探索|學習|介紹|說明|展示|嘗試|試)"
)
_CAUSATIVE = re.compile(r"(?:讓|允許|幫助|協助|使|幫|方便)\s*$")


def _people(text: str, start: int, end: int) -> bool:
    """Whether people act in ``text[start:end]``; not people a thing lets act (「允許你在 X 上運行」
    「讓開發者使用 Y」): the thing that lets them is still the subject."""
    return any(
        _CAUSATIVE.search(text, max(start, m.start() - 3), m.start()) is None
        for m in _PEOPLE.finditer(text, start, end)
    )


_OBJECT_GAP = re.compile(r"\s*(?:了|起|著)?\s*(?:一個|這個|整個|你的|您的)?\s*")
_BLOCKED: list[Mention] = []  # an earlier clause whose subject is people: no subject to hand on


def _earlier_subject(
    tpl: _Template, inside: Sequence[Mention], cue: int, pronoun: bool, action: bool
) -> list[Mention] | None:
    """The subject of the nearest earlier clause that has one (its first mention that can lead);
    for a pronoun, the sentence's first such mention. For an action (use, run, swap), an earlier
    clause that people lead (「我們將看看 X，並使用 Y」) hands on no subject (:data:`_BLOCKED`).
    A name after a copula (「…，是最早的 X 模型之一，同樣以…」) is a predicate, used only when no
    earlier clause has a subject of its own (「第一個是 X，由 Y 發布」)."""
    cstart = tpl.clause_start(cue)
    best: list[Mention] | None = None
    best_clause = -1
    predicate: list[Mention] | None = None
    people_clause = -1
    for k, slot in enumerate(tpl.slots):
        if slot >= cstart:
            break
        start = tpl.clause_start(slot)
        if start <= best_clause or not _can_lead(tpl, k, start, inside):
            continue
        if pronoun:
            return [inside[k]]
        if action and _PEOPLE.search(tpl.text, start, slot):
            people_clause = start
            continue
        h = _head(tpl, inside, k, tpl.clause_end(slot))
        found = [inside[j] for j in _enumerated(tpl, inside, h) if tpl.slots[j] < cstart]
        if _COPULA_BEFORE.search(tpl.text, start, slot):
            predicate = found
            continue
        best, best_clause = found, start
    if people_clause > best_clause:
        return _BLOCKED
    return best or predicate


_COPULA_BEFORE = re.compile(r"(?:是|為)[^\ue000]{0,12}$")


_RELATIVE = re.compile(r"\s*(?:之上|上|中|裡|內)?\s*[過了著]?\s*的\s*(?!話|時候|時)")


class _Context(NamedTuple):
    topic: Mention | None  # subject of the latest sentence of this section
    section: Mention | None  # the name the section's heading (or a heading above) is about
    item: bool = False  # the sentence is a line of its own, short: a list item, whose subject is implied


_ITEM_LINE = 80


def _subjects(
    tpl: _Template,
    inside: Sequence[Mention],
    cue: int,
    ctx: _Context,
    cue_end: int,
    after: bool = False,
    trained: bool = False,
    action: bool = False,
    relative: int = -1,
    local: bool = False,
    clause: bool = False,
    people_ok: bool = False,
) -> tuple[list[Mention] | None, float]:
    """The subject(s) of a cue at template position ``cue`` and the confidence that gives
    (see the notes above the rules). ``relative``: where the cue's phrase ends, to see whether it
    modifies a noun (「在 X 上跑過的模型」「串接 X 的程式」): then that noun, not the topic, is its
    subject."""
    found, pronoun = _clause_subject(tpl, inside, cue, people_ok)
    if found:
        return found, 0.7
    text = tpl.text
    if clause or text.count("「", 0, cue) > text.count("」", 0, cue):
        return None, 0.0  # a quotation (「哪些模型以 X 為基礎」) asserts nothing about the text around it
    if after and not pronoun:  # 「在 RTX 4090 上微調 Breeze-7B」
        j = bisect.bisect_left(tpl.slots, cue_end)
        cend = tpl.clause_end(cue_end)
        while j < len(inside) and tpl.slots[j] < cend:
            if inside[j].type is M:
                return [inside[j]], 0.7
            # 「你可以在 X 上執行 devcontainer」: the tool run is the verb's object, right after it
            if not trained and inside[j].type is T and _OBJECT_GAP.fullmatch(tpl.text, cue_end, tpl.slots[j]):
                return [inside[j]], 0.7
            j += 1
    cstart = tpl.clause_start(cue)
    if not trained and _people(tpl.text, cstart, cue):
        return None, 0.0  # 「她們使用 bge-m3」「建議使用 vLLM」: people use things, not the topic
    if relative >= 0 and (rel := _RELATIVE.match(tpl.text, relative)) is not None:
        k = tpl.slot_of.get(rel.end())
        return ([inside[k]], 0.7) if k is not None and inside[k].type in _SOFTWARE else (None, 0.0)
    earlier = _earlier_subject(tpl, inside, cue, pronoun, action)
    if earlier is _BLOCKED:
        return None, 0.0
    if earlier:
        if action and not tpl.text[cstart:cue].strip() and _label_only(tpl, cstart):
            return None, 0.0  # 「講者名：使用 X 讓訓練更簡單」: a title that tells the reader what to do
        return earlier, 0.7
    if (local and not pronoun) or not (pronoun or _bare(tpl.text, cstart, cue, ctx.item, action)):
        return None, 0.0
    if not trained and _people(tpl.text, 0, len(tpl.text)):  # 「當使用 X 開發時，您將…」: the reader does it
        return None, 0.0
    if ctx.topic is not None:
        return [ctx.topic], 0.6
    if ctx.section is not None:
        return [ctx.section], 0.5
    return None, 0.0


def _label_only(tpl: _Template, cstart: int) -> bool:
    """Whether the clause before ``cstart`` is only a name and its colon (「Name：」)."""
    if cstart < 1 or tpl.text[cstart - 1] not in "：:":
        return False
    return not tpl.text[tpl.clause_start(cstart - 1) : cstart - 1].replace(MARK, "").strip(" *-")


_UNNAMED = re.compile(r"是|這|那|此|[A-Za-z]{2}")
_ADVERBS = re.compile(
    r"(?:\s|也|還|並且|並|且|則|就|都|已經|已|亦|同樣地?|同時|另外|此外|目前|現在|預設|默認|底層|主要|完全|可以|可|能夠|能|"
    r"會|將|原生|內建|直接|自動|通常|一般|再|更|均|皆|仍|而|只|僅|甚至|又|尤其|特別|大多|多半|進一步|額外|最初|"
    r"後來|然後|接著|之後|首先|其次|最後|高效地?|快速地?|輕鬆地?|全面地?|有效地?|良好地?|本身|同樣)*"
)


def _bare(text: str, start: int, cue: int, item: bool, action: bool) -> bool:
    """Whether the clause before a cue names no subject at all, so that a topic may stand in: only
    adverbs (「並支援 X」「底層使用 X」), or a list item (「在無需專用硬體時高效運行於 CPU」); not an
    unnamed subject (「最簡單的方式是透過 X」「詞彙表由…組成」「Mu 模型採用…」) and not an instruction
    (「使用 MinGW 編譯」)."""
    lead = _ITEM_MARK.sub("", text[start:cue].strip(), count=1).strip()
    if _UNNAMED.search(lead):
        return False
    if action and not lead:
        return False
    if _ADVERBS.fullmatch(lead) is not None:
        return True
    return item and not action  # 「- 謹慎使用 X」「- 對於大型資料使用 Y」: an instruction to the reader


# Negators that stop a cue right after them (「不能運行在」「無法支援」「並非基於」「不需要依賴」); the
# lookaheads keep words that only look negative (不僅、不同、不斷、不如、非常、未來、…).
_NEG = re.compile(
    r"不(?!僅|只|但|斷|同|少|過|錯|管|論|久|外|一|定|妨|如|足|然|止|亞|光|太|得不|可或缺|限|錯)"
    r"|沒|無法|無須|無需|毋須|未(?!來|知)|(?<!除)非(?!常|凡|洲)|勿|別(?=用|再|使用|把|將)"
    r"|(?<![A-Za-z])(?i:not|never|cannot|can't|doesn't|don't|isn't|won't|without)(?![A-Za-z])"
)
_YES_NO = re.compile(r"是否|能否|可否|是不是|有沒有|能不能|會不會|嗎|(?<![A-Za-z])(?i:whether)(?![A-Za-z])")
_WH = re.compile(
    r"如何|怎麼|怎樣|為什麼|為何|什麼|哪|(?<![A-Za-z])(?i:how|what|why|which|when|where)(?![A-Za-z])"
)
_HEDGE = re.compile(
    r"可能|或許|也許|大概|似乎|據說|應該|若|如果|假如|假設|倘若|要是|如需|如要|除非|未必|不一定|"
    r"(?<![A-Za-z])(?i:if|might|may|maybe|perhaps|could)(?![A-Za-z])"
)
_NEG_REACH = 8  # characters before a cue that a negator governs


def _asks(text: str) -> bool:
    """A yes/no question (「是否支援 X？」「X 可以跑在 Y 上嗎？」) asserts nothing."""
    if _YES_NO.search(text):
        return True
    return text.rstrip("」』）) ").endswith(("？", "?")) and _WH.search(text) is None


def _platform(text: str) -> bool:
    return bool(_PLATFORM.search(text))


_PLATFORM = re.compile(r"平台|平臺|作業系統|操作系統|(?<![A-Za-z])(?i:platforms?|OS)(?![A-Za-z])")


def typed_relations(
    tpl: _Template,
    inside: Sequence[Mention],
    rule_ids: Iterable[int],
    ctx: _Context,
    trusted: set[tuple[str, str, RelationType]] | None = None,
) -> list[tuple[Mention, Mention, RelationType, float]]:
    """(source, target, type, confidence) for the cue-marked pairs of one sentence; those whose
    cue says what their ends are (no type check needed) are added to ``trusted``."""
    out: list[tuple[Mention, Mention, RelationType, float]] = []
    claimed: set[int] = set()  # targets an earlier (higher-priority) rule already used
    text, slot_of, slots = tpl.text, tpl.slot_of, tpl.slots
    for ri in sorted(rule_ids):
        rule = _RULES[ri]
        for m in rule.rx.finditer(text):
            b_slot = slot_of.get(m.start("b"))
            if b_slot is None or b_slot in claimed:
                continue
            targets, features = _targets(tpl, inside, b_slot, rule, m.start(), m.start("b"), m.end())
            if rule.explicit:
                a_slot = slot_of[m.start("a")]
                sources = [inside[a_slot]]
                conf = 0.75
                reach = slots[a_slot] + 1
            else:
                subj: list[Mention] | None = []
                conf = 0.0
                if rule.replaces:
                    subj, conf = _replaced(tpl, inside, m.start(), targets), 0.7
                if rule.it:
                    subj, conf = ([ctx.topic], 0.6) if ctx.topic is not None else ([], 0.0)
                    if not subj:
                        continue
                if not subj:
                    phrase_end = max(m.end(), slots[targets[-1]] + 1)
                    subj, conf = _subjects(
                        tpl,
                        inside,
                        m.start(),
                        ctx,
                        m.end(),
                        rule.after,
                        rule.trained,
                        rule.action,
                        phrase_end,
                        rule.local,
                        rule.clause,
                        rule.kinds or rule.trained,
                    )
                if not subj:
                    continue
                sources = subj
                reach = max(tpl.clause_start(m.start()), m.start() - _NEG_REACH)
                if subj[-1] in inside:
                    last = slots[inside.index(subj[-1])]
                    if last < m.start():
                        reach = max(reach, last + 1)
            if _NEG.search(text, min(reach, m.start()), m.end()):
                claimed.add(b_slot)  # 「X 不能運行在 Y 上」: nothing else may claim Y either
                continue
            cstart = tpl.clause_start(m.start())
            if _HEDGE.search(text, cstart, tpl.clause_end(m.end())):
                conf *= 0.6
            platform = rule.platform and _platform(text)
            mapper = rule.mapper
            if rule.inherit and cstart > 0 and not text[cstart : m.start()].strip():
                said = _clause_verb(text, tpl.clause_start(cstart - 1), cstart - 1)
                if said is False:
                    continue  # 「X 被許多機構使用，包括 A、B」: the examples are of someone else
                if _VERB_IT.search(text, tpl.clause_start(cstart - 1), cstart - 1):
                    continue  # 「許多模型都使用它，包括 A、B」: A uses it (the rule ``use-it``)
                if said is not None and said is not True:
                    if rule.mapper is _never and _people(text, tpl.clause_start(cstart - 1), cstart - 1):
                        continue  # 「我們使用不同的服務，例如 A」: what people use, not the subject
                    mapper = said
            made = False
            for src in sources:
                for t in targets:
                    tgt = inside[t]
                    if src.key == tgt.key or (not rule.kinds and _modifier(text, tpl.slots[t], tgt)):
                        continue
                    if tgt.surface[:1] in _NOT_A_NAME_START:  # 「使用者…」 read as 使用 + a name
                        continue
                    typed = (R.USES, False) if t in features else mapper(src.type, tgt.type)
                    if typed is None:
                        continue
                    rtype, reverse = typed
                    if platform and rtype is R.INTEGRATES and tgt.type is T:
                        rtype = R.RUNS_ON  # 「跨平台：支援 Linux、Windows」
                    out.append((tgt, src, rtype, conf) if reverse else (src, tgt, rtype, conf))
                    if rule.trusted and trusted is not None:
                        trusted.add((out[-1][0].key, out[-1][1].key, rtype))
                    made = True
            if made:
                claimed.add(b_slot)
    return out


_NOT_A_NAME_START = frozenset("者的了著過之其")
_VERB_IT = re.compile(r"(?:使用|採用|支援|支持|用到|用)了?\s*(?:它們|它|其|此)\s*$")


def _glued(text: str, slot: int) -> bool:
    """Whether the mention at ``slot`` runs on into a head noun (「量化格式」「Rerank 模型」「NLP 管道」)."""
    return _HEAD_NOUN.match(text, slot + 1) is not None


_HEAD_NOUN = re.compile(
    r"\s*(?:格式|模型|框架|系統|工具|技術|方法|功能|服務|平台|引擎|函式庫|程式庫|庫|套件|架構|演算法|機制|管道|管線|"
    r"應用|資料庫|檔案|版本|介面|能力|任務|元件|組件|模組|流程|方案|策略|選項|層|領域|研究|專案|項目|社群|結果|"
    r"類別|級別|等級|精度|指標|資料|數據|語料|範例)"
)


def _modifier(text: str, slot: int, m: Mention) -> bool:
    """A concept written as the first part of a longer noun (「量化格式」「Rerank 模型」) modifies it:
    the object is the noun the text did not name."""
    return m.type is C and _glued(text, slot)


def _clause_verb(text: str, start: int, end: int) -> Mapper | bool | None:
    """The relation a clause's verb states (as for a lead-in, but prose: 「支援」 a method uses it),
    None when it has none, False for a passive (its subject is not the one acting)."""
    if "被" in text[start:end]:
        return False
    best: tuple[int, Mapper] | None = None
    for rx, mapper, _ in _LEAD_CUES:
        for m in rx.finditer(text, start, end):
            if best is None or m.start() > best[0]:
                best = (m.start(), mapper)
    if best is None:
        return None
    return _supports if best[1] is _supports_list else best[1]


def _replaced(tpl: _Template, inside: Sequence[Mention], cue: int, targets: Sequence[int]) -> list[Mention]:
    """What a replacement (「後來改用 Y」) replaces: the last thing of Y's kind named before the cue."""
    kind = inside[targets[0]].type
    for j in range(bisect.bisect_left(tpl.slots, cue) - 1, -1, -1):
        x = inside[j].type
        if x is kind or {x, kind} <= _SOFTWARE:
            return [inside[j]]
    return []


def _targets(
    tpl: _Template, inside: Sequence[Mention], b_slot: int, rule: _Rule, start: int, b_pos: int, end: int
) -> tuple[list[int], set[int]]:
    """The mentions a cue's target slot stands for, and which of them are features of a hardware
    target (「支援 Apple Silicon 的 Metal 加速」: Metal is used, Apple Silicon run on)."""
    text = tpl.text
    if rule.lists:
        colon = max(text.rfind("：", start, b_pos), text.rfind(":", start, b_pos))
        if colon >= 0:  # 「包括：A、B 和 C」
            heads = _list_heads(tpl, colon + 1, len(text))
            if heads:
                return heads, set()
    # An organisation owning the object (「使用 NVIDIA 的 CUDA」) hands it the object role, unless the
    # cue is about the organisation itself (「是 Hugging Face 的機器學習工程師」).
    obj = b_slot if rule.trusted else _object(tpl, inside, b_slot)
    targets = _enumerated(tpl, inside, obj)
    features: set[int] = set()
    for t in list(targets):
        if inside[t].type is H and t + 1 < len(inside):
            own = _OF_NEXT.match(text, tpl.slots[t] + 1)
            if own is not None and own.end() - 1 == tpl.slots[t + 1] and inside[t + 1].type in (T, C):
                targets.append(t + 1)
                features.add(t + 1)
    if rule.lists:
        for t in _bracketed(tpl, targets[-1]):  # 「多種 GPU 後端（CUDA、Metal）」
            if t not in targets:
                targets.append(t)
        after = tpl.slots[targets[-1]] + 1
        if _LIST_GOES_ON.match(text, after):  # 「A、清晰指示、B 和 C，以及 D」: items the text did not name
            for t in _list_heads(tpl, after, _list_end(tpl, after)):
                if t not in targets:
                    targets.append(t)
    return targets, features


_LIST_GOES_ON = re.compile(r"[^，。；：,;:！？!?\ue000\n]{0,12}?(?:、|，以及|，及|，和)")
_LIST_MORE = re.compile(r"[，,]\s*(?:以及|及|和|與|還有|甚至|或)")


def _list_end(tpl: _Template, pos: int) -> int:
    """Where a list that runs through ``pos`` ends: its clause, and the clauses that carry it on
    (「…，以及 D」)."""
    end = tpl.clause_end(pos)
    while end < len(tpl.text) and _LIST_MORE.match(tpl.text, end):
        end = tpl.clause_end(end + 1)
    return end


def _possessive(body: str, inside: Sequence[Mention]) -> list[tuple[Mention, Mention, RelationType, float]]:
    """「NVIDIA 的 TensorRT-LLM」: an organisation's product was developed by it, its unit is part
    of it (「Google 的倫理 AI 小組」); 「X 的 tokenize() 方法」: a method is part of its tool."""
    out = []
    for x, y in itertools.pairwise(inside):
        if body[x.end : y.start].strip() != "的":
            continue
        nxt = body[y.end : y.end + 4].lstrip()
        if x.type is G_ and y.type in _SOFTWARE | {H}:
            if (
                nxt[:1]
                and _HAN.match(nxt[:1])
                and nxt[:1] not in _LINK_CHARS
                and not _HAN.match(y.surface[-1:])
            ):
                continue  # 「CKIP Lab 的 GitHub 頁面」 (a Chinese name runs on into its sentence)
            out.append((y, x, R.DEVELOPED_BY, 0.6))
        elif (x.type is G_ and y.type is G_) or (
            x.type in _SOFTWARE and y.type in (T, C) and nxt.startswith(_MEMBER_HEADS)
        ):
            out.append((y, x, R.PART_OF, 0.6))
    return out


_HAN = HAN_RE
_LINK_CHARS = frozenset("和與及或等是也都在可能會已就則還把被以")
_MEMBER_HEADS = ("方法", "函數", "函式", "類別", "模組", "元件", "組件", "子模組")


def _appositive(body: str, inside: Sequence[Mention]) -> list[tuple[Mention, Mention, RelationType, float]]:
    """「Chroma 向量資料庫」: a name followed by its kind."""
    out = []
    for x, y in itertools.pairwise(inside):
        if (
            x.type in _SOFTWARE
            and y.type is C
            and y.surface.endswith(_KIND_HEADS)
            and x.end < y.start
            and not body[x.end : y.start].strip()
        ):
            out.append((x, y, R.IS_A, 0.6))
    return out


_KIND_HEADS = ("資料庫", "框架", "函式庫", "引擎", "平台", "套件")


_COMPARE_WORDS = re.compile("相|比|如同|就像")
_LEAD_COMPARE = re.compile(
    r"(?:相較於|相較|相比於|相對於|比起|對比於|如同|就像)\s*(" + MARK + r")"
    r"|(?:與|和|跟|同)\s*(" + MARK + r")\s*(?:相比|相較|比較起來|比起來)\s*(?=[，,])"
)


def _lead_compare(
    tpl: _Template, inside: Sequence[Mention]
) -> list[tuple[Mention, Mention, RelationType, float]]:
    """「相較於 A，B 更…」「與 A 相比，B…」: A is compared with the first mention of the same kind in
    the next clause."""
    out = []
    for m in _LEAD_COMPARE.finditer(tpl.text):
        a = tpl.slot_of[m.start(1) if m.start(1) >= 0 else m.start(2)]
        end = tpl.clause_end(m.end())
        if end >= len(tpl.text):
            continue
        stop = tpl.clause_end(end + 1)
        for j in range(a + 1, len(inside)):
            if tpl.slots[j] <= end:
                continue
            if tpl.slots[j] >= stop:
                break
            if inside[j].type is inside[a].type or {inside[j].type, inside[a].type} <= _SOFTWARE:
                out.append((inside[j], inside[a], R.COMPARED_WITH, 0.7))
                break
    return out


_EITHER = re.compile(r"\s*(?:或是|或者|或)\s*")
_CHOOSE = re.compile(
    r"(?:使用|採用|選擇|選用|改用|連接到|連線到|連到|搭配|安裝|下載|切換到|切換至|(?<![A-Za-z])(?i:use|using|with))"
    r"[^，。；：,;:！？!?\ue000在於到上]{0,2}$"
)


def _either(tpl: _Template, inside: Sequence[Mention]) -> list[tuple[Mention, Mention, RelationType, float]]:
    """「使用 A 或 B」: two things of one kind offered as a choice are alternatives; not places
    (「在 Windows 或 Linux 上」), which only say where something works."""
    out = []
    text, slots = tpl.text, tpl.slots
    for k in range(len(inside) - 1):
        a, b = inside[k], inside[k + 1]
        if a.type is not b.type or a.type not in _SOFTWARE or a.key == b.key:
            continue
        if not _EITHER.fullmatch(text, slots[k] + 1, slots[k + 1]):
            continue
        if not _CHOOSE.search(text, tpl.clause_start(slots[k]), slots[k]):
            continue
        if _PLACE_AFTER.match(text, slots[k + 1] + 1):
            continue
        out.append((a, b, R.ALTERNATIVE_TO, 0.5))
    return out


_PLACE_AFTER = re.compile(r"\s*(?:上|中|裡|內|平台|環境|(?i:on|in)\b)")


def _whole_cells(body: str, sent: Sentence, inside: Sequence[Mention]) -> list[Mention]:
    """The mentions of a table row that fill a cell on their own."""
    whole: list[Mention] = []
    for m in inside:
        left = body.rfind("|", sent.start, m.start)
        right = body.find("|", m.end, sent.end)
        lo = sent.start if left < 0 else left + 1
        hi = sent.end if right < 0 else right
        if not body[lo : m.start].strip(" `*\t") and not body[m.end : hi].strip(" `*\t"):
            whole.append(m)
    return whole


def _table_head(body: str, start: int, end: int) -> bool:
    """Whether the row at ``[start, end)`` heads a table: no row above it, rows below."""
    if start > 0:
        above = body.rfind("\n", 0, start - 1) + 1
        if _TABLE_ROW.search(body, above, start - 1):
            return False
    below = body.find("\n", end + 1)
    return _TABLE_ROW.search(body, end + 1, len(body) if below < 0 else below) is not None


def _header_compare(
    body: str, sent: Sentence, inside: Sequence[Mention]
) -> list[tuple[Mention, Mention, RelationType, float]]:
    """A table's header row whose columns are things of one kind (「| 能力 | A | B |」) compares them."""
    cols = _whole_cells(body, sent, inside)
    return [
        (x, y, R.COMPARED_WITH, 0.5)
        for x, y in itertools.pairwise(cols)
        if x.type in _THINGS and (x.type is y.type or {x.type, y.type} <= _SOFTWARE)
    ]


_ITEM_TAIL = re.compile(
    r"(?:(替代方案|替代品|替代選擇|(?i:alternatives?))|(比較|對比|(?i:comparison)))\s*[。.]?\s*$"
)


def _item_tail(
    body: str, sent: Sentence, inside: Sequence[Mention], section: Mention
) -> list[tuple[Mention, Mention, RelationType, float]]:
    """A list item that calls its name an alternative to, or a comparison with, what the section is
    about (「- ONNX Runtime：… 跨平台推理引擎替代方案」)."""
    m = _ITEM_TAIL.search(body, sent.start, sent.end)
    if m is None:
        return []
    heads = _item_heads(body, sent, inside)
    if not heads or heads[0].key == section.key:
        return []
    x = heads[0]
    rtype = R.ALTERNATIVE_TO if m.group(1) else R.COMPARED_WITH
    return [(x, section, rtype, 0.5)]


_LABEL = re.compile(r"[\s\-*•・]*(?:\d+[.)、]\s*)?([^：:\n]{1,24}?)\s*[：:](?!//)")


def _label_item(
    body: str,
    sent: Sentence,
    inside: Sequence[Mention],
    section: Mention,
    found: Sequence[tuple[Mention, Mention, RelationType, float]],
) -> list[tuple[Mention, Mention, RelationType, float]]:
    """A list item labelled by one name (「- 標準 CPU：…」「- 量化：…」) in a section about a model or
    a tool names something it has: hardware it runs on, a method it uses. Only when nothing in the
    item states a relation of that name already."""
    if section.type not in _SOFTWARE:
        return []
    m = _LABEL.match(body, sent.start, sent.end)
    if m is None:
        return []
    in_label = [x for x in inside if m.start(1) <= x.start and x.end <= m.end(1)]
    if len(in_label) != 1:
        return []
    x = in_label[0]
    rest = body[m.start(1) : x.start] + body[x.end : m.end(1)]
    if len(_HAN.findall(rest)) > 2 or _LATIN_WORD.search(rest) or x.key == section.key:
        return []
    if any(x.key in (a.key, b.key) for a, b, _, _ in found):
        return []
    if x.type is H:
        return [(section, x, R.RUNS_ON, 0.4)]
    if x.type is C:
        return [(section, x, R.USES, 0.4)]
    return []


_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


def _row_kinds(
    body: str, sent: Sentence, inside: Sequence[Mention]
) -> list[tuple[Mention, Mention, RelationType, float]]:
    """A table row whose cells are a name and, later, just a concept (「| phi-4-mini | 小型語言模型 |」)."""
    whole = _whole_cells(body, sent, inside)
    out = []
    for i, x in enumerate(whole):
        if x.type in _SOFTWARE | {H, D}:
            kind = next((y for y in whole[i + 1 :] if y.type is C), None)
            if kind is not None:
                out.append((x, kind, R.IS_A, 0.5))
    return out


# --- types decide the direction -------------------------------------------------------------------

_ENDS: dict[RelationType, tuple[frozenset[EntityType], frozenset[EntityType]]] = {
    R.DEVELOPED_BY: (_THINGS, _AGENTS),
    R.RUNS_ON: (_SOFTWARE, frozenset({H, T})),
    R.TRAINED_ON: (frozenset({M, C}), frozenset({D, H, C})),
    R.USES: (frozenset({M, T, C, D, G_}), _THINGS),
    R.INTEGRATES: (_THINGS, _THINGS | {G_}),
    R.PART_OF: (_THINGS | _AGENTS, _THINGS | {G_}),
    R.IS_A: (_THINGS, frozenset({C, M, T, H})),
}
# Where the types tell which end is which, a pair that only fits the other way round is swapped.
_SWAPPABLE = frozenset({R.DEVELOPED_BY, R.RUNS_ON, R.TRAINED_ON, R.IS_A, R.PART_OF})


def _fits(a: Mention, b: Mention, rtype: RelationType) -> bool:
    if rtype is R.ALTERNATIVE_TO:
        return a.type in _THINGS and a.type is b.type
    if rtype in (R.VARIANT_OF, R.COMPARED_WITH):
        return a.type in _THINGS and (a.type is b.type or {a.type, b.type} <= _SOFTWARE)
    ends = _ENDS.get(rtype)
    if ends is None:
        return True
    if a.type not in ends[0] or b.type not in ends[1]:
        return False
    if rtype is R.IS_A:  # a kind is a concept, or a generic name of the thing's own type (「嵌入模型」)
        return b.type is C or (b.type is a.type and not _LATIN_OR_DIGIT.search(b.surface))
    if rtype is R.TRAINED_ON and b.type is C:
        return bool(_DATA_WORDS.search(b.surface))
    return not (rtype is R.PART_OF and a.type is G_ and b.type is not G_)


_LATIN_OR_DIGIT = re.compile(r"[A-Za-z0-9]")
_DATA_WORDS = re.compile(r"資料|數據|語料|(?i:data|corpus)")


def _orient(a: Mention, b: Mention, rtype: RelationType) -> tuple[Mention, Mention, RelationType] | None:
    """(source, target, type) of a relation as its types allow: kept, swapped or (None) dropped.
    Software that uses hardware (「使用 GPU 加速」) runs on it."""
    if rtype is R.USES and b.type is H and a.type in _SOFTWARE:
        rtype = R.RUNS_ON
    if _fits(a, b, rtype):
        return a, b, rtype
    if rtype in _SWAPPABLE and _fits(b, a, rtype):
        return b, a, rtype
    return None


# --- lists: a lead-in and its items ---------------------------------------------------------------

_LEAD_CUES: list[tuple[re.Pattern[str], Mapper, bool]] = [  # (cue, mapper, an action people do)
    (re.compile(r"支援|支持|相容|兼容|(?i:supports?|compatible)"), _supports_list, False),
    (
        re.compile(r"運行|執行|部署|跑|運作|(?i:runs?|deploy)"),
        _fixed(R.RUNS_ON, _SOFTWARE, frozenset({H, T})),
        True,
    ),
    (
        re.compile(r"整合|集成|串接|對接|互動|交互|互通|(?i:integrat)"),
        _fixed(R.INTEGRATES, _SOFTWARE, _SOFTWARE | {C, G_}),
        False,
    ),
    (re.compile(r"需要|所需|需求|依賴|相依|(?i:requires?|requirements|dependencies)"), _needs, True),
    (re.compile(r"使用(?!者)|採用|利用|用到|運用|(?i:uses?)"), _fixed(R.USES, _THINGS | {G_}, _THINGS), True),
    (re.compile(r"包含|包括|組成|組件|元件|模組|涵蓋|(?i:includes?|components)"), _includes, False),
    (re.compile(r"下載|可用|提供|內建|(?i:available)"), _hosts, False),
    (re.compile(r"比較|相比|對比|(?i:compar)"), _same_kind(R.COMPARED_WITH), False),
    (re.compile(r"替代|取代|(?i:alternatives?)"), _same_kind(R.ALTERNATIVE_TO), False),
]
_LEAD_CUE = re.compile("|".join(f"({rx.pattern})" for rx, _, _ in _LEAD_CUES))  # group i + 1: cue i
_LEAD_END = ("：", ":")
_LEAD_HEADING = re.compile(
    r"(?:支援|支持|相容)的?(?:模型|硬體|平台|格式|框架)|(?:硬體|系統|平台)(?:需求|支援)|所需|依賴|相依|"
    r"(?i:supported|requirements|dependencies)"
)
_ITEM_MARK = re.compile(r"^[\s\-*•・>#]*(?:\d+[.)、]\s*)?[^\w" + HAN + r"（(\ue000]*")
_LABEL_END = re.compile(r"[：:](?!//)|\s[-–—]\s|｜|\|")
_CODE_LINE = re.compile(
    r"[=;{}$<>]|^\s*(?:#|//|pip|python|cd|git|npm|npx|dotnet|curl|wget|sudo|brew|apt|export|set|from|import|"
    r"docker|conda|mkdir|az|ollama|foundry)(?:\s|$)"
)
_MAX_ITEMS = 25


class _Lead(NamedTuple):
    subjects: tuple[Mention, ...]
    mapper: Mapper
    text: str  # the lead-in, for evidence
    conf: float


def _lead_in(
    body: str, sent: Sentence, tpl: _Template, inside: Sequence[Mention], ctx: _Context, heading: bool
) -> _Lead | None:
    """A sentence that introduces a list: its cue decides the relation, its subject the source."""
    text = tpl.text
    if not heading and not text.rstrip().endswith(_LEAD_END):
        return None
    if heading and not _LEAD_HEADING.search(text):
        return None
    m = None
    for m in _LEAD_CUE.finditer(text):  # noqa: B007 — keeps the last match: the cue nearest the colon
        pass
    if m is None or m.lastindex is None:
        return None
    _, mapper, action = _LEAD_CUES[m.lastindex - 1]
    if _NEG.search(text, max(0, m.start() - _NEG_REACH), m.end()):
        return None
    if heading:
        subj, conf = ([ctx.section], 0.5) if ctx.section is not None else (None, 0.0)
    elif action and _PEOPLE.search(text):
        return None  # 「我們會使用：」: what people use, not what the subject does
    else:  # a lead-in is a noun phrase (「所需工具：」), never an instruction: no ``action`` here
        subj, conf = _subjects(tpl, inside, m.start(), ctx, m.end())
    if not subj:
        return None
    return _Lead(tuple(subj), mapper, body[sent.start : sent.end], min(conf, 0.6) - 0.05)


def _item_heads(body: str, sent: Sentence, inside: Sequence[Mention]) -> list[Mention]:
    """The names a list item or table row is about: those in its label (the text before
    「：」 or the first cell), or the whole item when it is short; not those in brackets."""
    line = body[sent.start : sent.end]
    mark = _ITEM_MARK.match(line)
    begin = mark.end() if mark else 0
    if sent.kind == "row":
        bar = line.find("|", begin)
        end = bar if bar >= 0 else len(line)
    else:
        lab = _LABEL_END.search(line, begin)
        if lab is not None and lab.start() - begin <= 40:
            end = lab.start()
        elif len(line) - begin <= 40:
            end = len(line)
        else:
            end = begin + 1  # only a name that starts the item
    out: list[Mention] = []
    depth = 0
    pos = sent.start + begin
    for m in inside:
        if m.start < sent.start + begin:
            continue
        if m.start >= sent.start + end:
            break
        between = body[pos : m.start]
        depth += between.count("（") + between.count("(") - between.count("）") - between.count(")")
        if depth <= 0:
            out.append(m)
        pos = m.end
    return out


def _ends_list(text: str, kind: str) -> bool:
    """Whether a line after a lead-in is no longer one of its items (code, or a long paragraph)."""
    if not _HAN.search(text) and _CODE_LINE.search(text):
        return True
    return kind != "row" and len(text) > 90 and _LABEL_END.search(text, 0, 42) is None


def _short_next(body: str, end: int) -> bool:
    """Whether the line after the one ending at ``end`` is a short line too (a list goes on)."""
    nxt = body.find("\n", end + 1)
    return 0 < (len(body) if nxt < 0 else nxt) - (end + 1) <= _ITEM_LINE


_VERB_CONCEPTS = frozenset({"訓練", "微調", "預訓練", "推論", "推理", "部署", "量化", "蒸餾", "評估"})
_VERB_BEFORE = re.compile(r"(?:上|中|裡|內|來|進行|再|先|並|後|要|可以|能|會|以)\s*$")
_VERB_AFTER = re.compile(r"\s*(?:過|了|著|完|好)")


def _named_only(body: str, inside: list[Mention]) -> list[Mention]:
    """``inside`` without methods written as verbs (「在 X 上微調」「再進行量化」): the cue rules read
    those as the words they are."""
    if not any(m.surface in _VERB_CONCEPTS for m in inside):
        return inside
    return [
        m
        for m in inside
        if m.surface not in _VERB_CONCEPTS
        or not (_VERB_BEFORE.search(body, max(0, m.start - 4), m.start) or _VERB_AFTER.match(body, m.end))
    ]


def _heading_starts(body: str, chunks: Sequence[Chunk]) -> set[int]:
    """Body offsets of section headings: each section starts a chunk with its heading line."""
    return {c.start for c in chunks if c.section and body.startswith(c.section, c.start)}


def _rule_ids_by_sentence(body: str, sentences: Sequence[Sentence]) -> dict[int, set[int]]:
    """Sentence index → ids of the rules whose trigger words it holds (one automaton pass)."""
    auto, rules_of = _trigger_automaton()
    starts = [s.start for s in sentences]
    ends = [s.end for s in sentences]
    bisect_right = bisect.bisect_right
    out: dict[int, set[int]] = {}
    for end, word in auto.iter(body):
        i = bisect_right(starts, end) - 1
        if i >= 0 and end < ends[i]:
            ids = out.get(i)
            if ids is None:
                out[i] = set(rules_of[word])
            else:
                ids.update(rules_of[word])
    return out


def _section_topic(tpl: _Template, inside: Sequence[Mention], ids: set[int] | None) -> Mention | None:
    """The name a heading is about: its first mention that can lead, unless the heading only names
    something its section's subject works with (「Python 整合」「與 LangChain 整合」)."""
    if not inside:
        return None
    if ids and any(_RULES[i].name == "named" and _RULES[i].rx.search(tpl.text) for i in ids):
        return None
    k = next((j for j in range(len(inside)) if _can_lead(tpl, j, 0)), -1)
    if k < 0:
        return None
    if (  # 「Microsoft Mu 模型基礎」: the maker names the product the heading is about
        inside[k].type is G_
        and k + 1 < len(inside)
        and inside[k + 1].type in _THINGS
        and not tpl.text[tpl.slots[k] + 1 : tpl.slots[k + 1]].strip()
    ):
        k += 1
    return inside[_head(tpl, inside, k, len(tpl.text))]


@timed("relations.sentence_relations")
def sentence_relations(
    doc_id: str,
    body: str,
    sentences: Sequence[Sentence],
    mentions: Sequence[Mention],
    chunks: Sequence[Chunk],
) -> list[RelationCandidate]:
    """Typed and co-occurrence relation candidates for one document."""
    ms = sorted((m for m in mentions if m.extractor != "variant"), key=lambda m: (m.start, -m.end))
    n_ms = len(ms)
    rule_ids = _rule_ids_by_sentence(body, sentences)
    sentence_chunks = ChunkIndex(chunks).chunk_ids([s.start for s in sentences], [s.end for s in sentences])
    headings = _heading_starts(body, chunks)
    out: list[RelationCandidate] = []
    i = 0
    topic: Mention | None = None  # subject of the latest sentence of this section
    document: Mention | None = None  # what the document is about: the name its first heading leads with
    section: Mention | None = None  # what this section is about: its heading's name, else the document's
    lead: _Lead | None = None  # the lead-in whose items are being read
    items_left = 0
    item_line = False  # the current line is short and whole: a list item, a label
    in_list = False  # … and one of several such lines in a row, or read after a lead-in
    for si, sent in enumerate(sentences):
        s_start, s_end, kind = sent.start, sent.end, sent.kind
        line_start = s_start == 0 or body[s_start - 1] == "\n"
        ends_line = s_end >= len(body) or body[s_end] == "\n"
        heading = s_start in headings
        if heading:
            topic = None
            lead = None
            section = document
        if line_start:
            was_item = item_line
            if was_item:
                topic = None  # sibling list items do not share a subject
            item_line = ends_line and s_end - s_start <= _ITEM_LINE and not heading
            in_list = item_line and (
                was_item or lead is not None or kind == "item" or _short_next(body, s_end)
            )
        while i < n_ms and ms[i].start < s_start:
            i += 1
        k = i
        inside: list[Mention] = []
        last_end = s_start
        while k < n_ms and (m := ms[k]).start < s_end:
            if m.end <= s_end and m.start >= last_end:
                inside.append(m)
                last_end = m.end
            k += 1
        text = body[s_start:s_end]
        if lead is not None and line_start and not heading:
            items_left -= 1
            if items_left < 0 or _ends_list(text, kind):
                lead = None
        colon_line = ends_line and not heading and text.endswith(_LEAD_END)
        # Only a heading or a colon line with a lead-in cue can start a list this module reads.
        maybe_lead = (heading and (inside or _LEAD_HEADING.search(text) is not None)) or (
            colon_line and _LEAD_CUE.search(text) is not None
        )
        if not inside and not maybe_lead:
            if colon_line and lead is not None and len(_HAN.findall(text)) > 6:
                lead = None  # a new lead-in that says nothing this module reads (「安裝步驟：」)
            continue
        ids = rule_ids.get(si)
        ctx = _Context(topic, section, in_list and not colon_line)
        tin = _named_only(body, inside)  # the mentions a template holds: not methods used as verbs
        tpl = (
            _Template(body, sent, tin)
            if inside and (ids or maybe_lead or heading or (len(inside) > 1 and _COMPARE_WORDS.search(text)))
            else None
        )
        if tpl is None and maybe_lead:
            tpl = _Template(body, sent, tin)
        chunk_id = sentence_chunks[si]
        typed_pairs: set[frozenset[str]] = set()
        found: list[tuple[Mention, Mention, RelationType, float]] = []
        trusted: set[tuple[str, str, RelationType]] = set()
        han = _HAN.search(text) is not None
        code = not han and _CODE_LINE.search(text) is not None
        if kind != "row" and inside and not code:
            if ids and tpl is not None:
                found += typed_relations(tpl, tin, ids, ctx, trusted)
            if len(inside) > 1:
                found += _possessive(body, inside)
                found += _appositive(body, inside)
                if tpl is not None and _COMPARE_WORDS.search(text):
                    found += _lead_compare(tpl, tin)
                if tpl is not None and "或" in text:
                    found += _either(tpl, tin)
            if found and _asks(text):
                found = []  # a yes/no question states nothing
        elif kind == "row" and len(inside) > 1:
            found += _row_kinds(body, sent, inside)
            if line_start and _table_head(body, s_start, s_end):
                found += _header_compare(body, sent, inside)
        if item_line and section is not None and inside and not heading:
            found += _item_tail(body, sent, inside, section)
            if kind == "item" and lead is None:
                found += _label_item(body, sent, inside, section, found)
        evidence = {}
        if lead is not None and line_start and not heading and not colon_line and inside:
            own = {frozenset((a.key, b.key)) for a, b, _, _ in found}
            for head in _item_heads(body, sent, inside):
                for src in lead.subjects:
                    pair = frozenset((src.key, head.key))
                    if src.key == head.key or pair in own:
                        continue
                    typed = lead.mapper(src.type, head.type)
                    if typed is not None:
                        a, b = (head, src) if typed[1] else (src, head)
                        found.append((a, b, typed[0], lead.conf))
                        evidence[(a.key, b.key, typed[0])] = f"{lead.text} {text}"
        seen: set[tuple[str, str, RelationType]] = set()
        for a, b, rtype, conf in found:
            ends = (a, b, rtype) if (a.key, b.key, rtype) in trusted else _orient(a, b, rtype)
            if ends is None:
                continue
            a, b, rtype = ends
            if a.key == b.key or (a.key, b.key, rtype) in seen:
                continue
            seen.add((a.key, b.key, rtype))
            typed_pairs.add(frozenset((a.key, b.key)))
            sentence = evidence.get((a.key, b.key, rtype), text)
            out.append(
                RelationCandidate(doc_id, chunk_id, a.key, b.key, rtype, sentence, "pattern", round(conf, 3))
            )
        if tpl is not None and heading:
            new = _section_topic(tpl, tin, ids)
            if new is not None:
                section = new
                document = document or new
        elif inside and kind != "row" and not code:
            first = inside[0]
            lead_text = body[s_start : first.start]
            if (
                _topic_ok(first)
                and not _CLAUSE_END.search(lead_text)
                and not _NOT_SUBJECT.search(lead_text)
                and "（" not in lead_text
                and "(" not in lead_text
                and len(_HAN.findall(lead_text)) <= 6
            ):
                topic = first
        new_lead = None
        if maybe_lead and tpl is not None and (han or heading) and not _asks(text):
            new_lead = _lead_in(body, sent, tpl, tin, _Context(topic, section), heading)
        if new_lead is not None:
            lead, items_left = new_lead, _MAX_ITEMS
        elif colon_line and len(_HAN.findall(text)) > 6:
            lead = None  # a new lead-in that says nothing this module reads (「安裝步驟：」)
        if len(inside) > 1:
            out.extend(_cooccurrence(doc_id, chunk_id, text, sent, inside, typed_pairs))
    return out


_KIND_WEIGHT = {"prose": 1.0, "item": 0.5, "row": 0.3, "short": 0.3}


def _cooccurrence(
    doc_id: str,
    chunk_id: str,
    text: str,
    sent: Sentence,
    inside: Sequence[Mention],
    typed_pairs: set[frozenset[str]],
) -> list[RelationCandidate]:
    keys = list(dict.fromkeys(m.key for m in inside))  # first occurrences, in order
    n = len(keys)
    if n < 2:
        return []
    weight = _KIND_WEIGHT.get(sent.kind, 1.0)
    if n > 6:
        weight *= 0.5
    related = R.RELATED_TO
    return [
        RelationCandidate(doc_id, chunk_id, kx, ky, related, text, "cooccurrence", 0.5, weight)
        for x, kx in enumerate(keys)
        for ky in keys[x + 1 : x + 6]
        if not typed_pairs or frozenset((kx, ky)) not in typed_pairs
    ]
