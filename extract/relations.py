"""Relations between mentions of one document, each with its evidence sentence.

Typed relations come from cue words between (or around) two mentions of the
same sentence — Chinese prose states relations with a small set of verbs and
frames (…是一種…、由…開發、在…上訓練、整合、相較於…). Everything else that
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

from extract.records import Chunk, EntityType, Mention, RelationCandidate, RelationType

R = RelationType

# The lookbehind follows the full stop it checks: the regex engine then scans for candidates.
_SENT_END = re.compile(r"[。！？；!?]+[」』）)]*|\n+|\.(?<=[a-z0-9)]\.)(?=\s+[A-Z])")
_LIST_ITEM = re.compile(r"^\s*(?:[-*•・]|\d+[.)、]|[（(]?\d+[)）])\s+")
_TABLE_ROW = re.compile(r"\|.*\||\t.*\t")
_PUNCT = re.compile(r"[。！？，,.!?]")


class Sentence(NamedTuple):
    """A sentence's span and kind (a tuple: documents have hundreds, and tuples are cheap to make)."""

    start: int
    end: int
    kind: str  # "prose" | "item" | "row" | "short"


def split_sentences(body: str) -> list[Sentence]:
    """Sentences of ``body`` with their offsets; list items and table rows are marked."""
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
        pos = 0
        for end in [*(m.end() for m in _SENT_END.finditer(line)), len(line)]:
            seg = line[pos:end]
            head = seg.lstrip()  # str.strip trims what str.isspace calls space
            if head:
                s = line_start + pos + len(seg) - len(head)
                out.append(Sentence(s, s + len(head.rstrip()), kind))
            pos = end
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
# the nearest mention before the cue in the same clause (clauses end at ，；：), else — when
# that clause has no mention — the topic of the sentence (its first mention), else the topic
# of the paragraph (the previous sentence's). Rules only run on sentences that hold one of their
# trigger words (one Aho-Corasick pass per document finds them).

MARK = "\ue000"
_F = "[^，。；：,;:！？!?「」\ue000\n]"  # filler: no clause end, no other mention
_G = "[^，。；：,;:！？!?「」\n]"  # filler that may hold other mentions (「為基礎繼續預訓練的」)
_ENUM = r"(?:\s*(?:、|和|與|以及|及|或)\s*@)*"
_OWNER = r"(?:\s*的\s*@)?"  # 「Meta 的 Llama 3」
_ENUM_NEXT = re.compile(r"\s*(?:、|和|與|以及|及|或是|或|跟|/|,)\s*" + MARK)
_ENUM_PREV = re.compile(MARK + r"\s*(?:、|和|與|以及|及|或是|或|跟|/|,)\s*$")
_OF_NEXT = re.compile(r"\s*的\s*" + MARK)
_CLAUSE_END = re.compile(r"[，,；;：:]")
_PRONOUN = re.compile(r"[它其牠]|該模型|這個模型|這套|此模型")

M, T, C, G_, P, H = (  # model, tool, concept, organisation, person, hardware
    EntityType.MODEL,
    EntityType.TOOL,
    EntityType.CONCEPT,
    EntityType.ORG,
    EntityType.PERSON,
    EntityType.HARDWARE,
)
_THINGS = frozenset({M, T, C, H})
_SOFTWARE = frozenset({M, T})

Mapper = Callable[[EntityType, EntityType], "tuple[RelationType, bool] | None"]


def _fixed(
    rtype: RelationType, sources: frozenset[EntityType], targets: frozenset[EntityType], reverse: bool = False
) -> Mapper:
    def mapper(src: EntityType, tgt: EntityType) -> tuple[RelationType, bool] | None:
        return (rtype, reverse) if src in sources and tgt in targets else None

    return mapper


def _same_kind(rtype: RelationType) -> Mapper:
    """Alternatives and comparisons are between things of one kind (two models, two tools, …)."""

    def mapper(src: EntityType, tgt: EntityType) -> tuple[RelationType, bool] | None:
        if src in _THINGS and (src is tgt or {src, tgt} <= _SOFTWARE):
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


def _supports(src: EntityType, tgt: EntityType) -> tuple[RelationType, bool] | None:
    """「X 支援 Y」: hardware → runs on; a model → the model runs on X; a method or a backend → uses."""
    if src not in _SOFTWARE:
        return None
    if tgt is H:
        return R.RUNS_ON, False
    if tgt is M and src is T:
        return R.RUNS_ON, True
    if tgt in (C, T):
        return R.USES, False
    return None


def _includes(src: EntityType, tgt: EntityType) -> tuple[RelationType, bool] | None:
    """「X 包括/包含 Y」: a tool listing methods or formats uses them."""
    if src is T and tgt is C:
        return R.USES, False
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


def _rule(name: str, source: str, keys: str, mapper: Mapper, after: bool = False) -> _Rule:
    rx = re.compile(
        source.replace("ENUM", _ENUM)
        .replace("OWNER", _OWNER)
        .replace("@", MARK)
        .replace("F", _F)
        .replace("G", _G)
    )
    return _Rule(name, rx, tuple(keys.split()), mapper, after, "a" in rx.groupindex, name.startswith("train"))


_DEV_VERBS = "開發|推出|釋出|發布|發表|打造|研發|提出|維護|建立|推動|支持|主導|開源|設計|製作|贊助|出品"
_PAREN = r"(?:\s*(?:（[^）\n]{0,40}）|\([^)\n]{0,40}\)))?"
_RUN_VERBS = "跑|執行|運行|部署|推論|服務|測試|調校|運作|示範執行|跑得動|serve"

# In priority order: a target claimed by an earlier rule is not taken again by a later one.
_RULES: list[_Rule] = [
    # explicit source and target
    _rule(
        "dev-by-of",
        r"(?P<a>@)" + _PAREN + r"\s*(?:所|團隊)?(?:" + _DEV_VERBS + r")的\s*(?P<b>@)",
        _DEV_VERBS.replace("|", " "),
        _fixed(R.DEVELOPED_BY, frozenset({G_, P}), _SOFTWARE, True),
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
    # target only: the source is the subject
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
        "train-with",
        r"(?:使用|用)了?F{0,8}?(?P<b>@)F{0,3}?(?:來)?(?:訓練|預訓練)",
        "使用 用",
        _fixed(R.TRAINED_ON, frozenset({M}), frozenset({H, C, G_})),
        after=True,
    ),
    _rule(
        "train-on",
        r"在\s*F{0,4}?(?P<b>@)ENUM\s*(?:上|裡|中)?F{0,6}?(?:用\s*@\s*)?F{0,4}?(?:訓練|預訓練|微調|練)",
        "在",
        _fixed(R.TRAINED_ON, frozenset({M}), frozenset({H, C})),
        after=True,
    ),
    _rule(
        "run-in",
        r"(?:跑在|執行在|運行在|部署在|部署到|部署於|跑於|架在|裝在|放在|運作在|運作於)F{0,8}?(?P<b>@)",
        "跑在 執行在 運行在 部署在 部署到 部署於 跑於 架在 裝在 放在 運作在 運作於",
        _fixed(R.RUNS_ON, _SOFTWARE, frozenset({T, H})),
        after=True,
    ),
    _rule(
        "run-on",
        r"在\s*F{0,4}?(?P<b>@)ENUM\s*(?:上|裡|中|內)?F{0,6}?(?:" + _RUN_VERBS + ")",
        "在",
        _fixed(R.RUNS_ON, _SOFTWARE, frozenset({T, H})),
        after=True,
    ),
    _rule(
        "variant",
        r"(?<![還就不只都像才則或要可但那這便因])(?:是|為)\s*(?P<b>@)F{0,10}?的?\s*F{0,6}?(?:延伸|變體|改良版|衍生|衍生版|微調版|指令版|指令微調版|量化版|精簡版|小型版|擴充版|後繼|升級版|最新版|版本|分支)",
        "是 為",
        _fixed(R.VARIANT_OF, _SOFTWARE | {C}, _SOFTWARE | {C}),
    ),
    _rule(
        "family",
        r"(?<![還就不只都像才則或要可但那這便因])(?:是|為)\s*(?P<b>@)\s*(?:家族|系列)",
        "家族 系列",
        _fixed(R.VARIANT_OF, _SOFTWARE, _SOFTWARE),
    ),
    _rule(
        "part-is",
        r"(?<![還就不只都像才則或要可但那這便因])(?:是|為)\s*(?P<b>@)F{0,8}?的?\s*(?:一部分|一部份|元件|組件|模組|子專案|子項目|成員|一員)",
        "是 為",
        _fixed(R.PART_OF, _THINGS | {G_}, _THINGS | {G_}),
    ),
    _rule(
        "part-under-is",
        r"(?<![還就不只都像才則或要可但那這便因])(?:是|為|屬於)\s*(?P<b>@)F{0,4}?(?:旗下|底下|內部)",
        "旗下 底下 內部",
        _fixed(R.PART_OF, frozenset({G_, T, M}), frozenset({G_})),
    ),
    _rule(
        "alt-is",
        r"(?<![還就不只都像才則或要可但那這便因])(?:是|為)\s*(?P<b>@)F{0,4}?的?(?:替代方案|替代品|替代選擇|替代|競品|對手|競爭者)",
        "替代 競品 對手 競爭者",
        _same_kind(R.ALTERNATIVE_TO),
    ),
    _rule(
        "alt",
        r"(?:換成|替換成|換為|改用|改成|取代|代替|替代|替換|轉向|轉用|改採)了?\s*(?P<b>@)",
        "換成 替換成 換為 改用 改成 取代 代替 替代 替換 轉向 轉用 改採",
        _same_kind(R.ALTERNATIVE_TO),
    ),
    _rule(
        "compare-with",
        r"(?:跟|和|與|同|拿)\s*(?P<b>@)F{0,4}?(?:相比|比較|相較|對比|比起來|差不多|不相上下|的差距|相當|一樣)",
        "相比 比較 相較 對比 比起來 差不多 不相上下 差距 相當 一樣",
        _same_kind(R.COMPARED_WITH),
    ),
    _rule(
        "compare-than",
        r"(?<![相對])比\s*(?P<b>@)F{0,12}?(?:好|差|快|慢|穩|準|強|弱|高|低|大|小|便宜|貴|省|多|少|優|佳)",
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
        r"(?:整合了?|串接了?|串起|對接|接入|集成|連接|連結|可以接|原生支援|內建支援)\s*(?P<b>@)",
        "整合 串接 串起 對接 接入 集成 連接 連結 可以接 原生支援 內建支援",
        _fixed(R.INTEGRATES, _SOFTWARE, _SOFTWARE | {C}),
    ),
    _rule("support", r"支援了?\s*(?P<b>@)", "支援", _supports),
    _rule("include", r"(?:包括|包含)了?\s*(?P<b>@)", "包括 包含", _includes),
    _rule(
        "use",
        r"(?:使用了?|採用了?|利用|用了|透過|藉由|呼叫|依賴|借助|選用|底層用)\s*(?P<b>@)",
        "使用 採用 利用 用了 透過 藉由 呼叫 依賴 借助 選用 底層用",
        _fixed(R.USES, _THINGS, _THINGS),
    ),
    _rule(
        "as",
        r"(?:當|當作|當成|作為)\s*(?P<b>@)(?=\s*(?:[，。；、：,.!?！？]|$|使用|用))",
        "當 作為",
        _fixed(R.IS_A, _SOFTWARE | {H}, frozenset({C})),
    ),
    _rule(
        "is-a",
        r"(?<![還就不只都像才則或要可但那這便因])(?:是|為|屬於|算是)\s*(?:一種|一個|一款|一套|一類|一項|種|個|款|套)?(?:F{0,10}?的)?F{0,4}?(?P<b>@)(?=(?:方法|技術|手法|機制|架構|格式)?\s*(?:[，。；、：,.!?！？]|$|之一))",
        "是 為 屬於 算是",
        _fixed(R.IS_A, _THINGS, frozenset({C})),
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


class _Template:
    """One sentence with each mention replaced by MARK, and where its clauses end."""

    __slots__ = ("clause_ends", "slot_of", "slots", "text")

    def __init__(self, body: str, sent: Sentence, inside: Sequence[Mention]) -> None:
        parts: list[str] = []  # the text between mentions
        slots: list[int] = []
        pos = shift = sent.start  # template position = body position - shift
        for m in inside:
            parts.append(body[pos : m.start])
            slots.append(m.start - shift)
            shift += m.end - m.start - 1
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


_NOT_SUBJECT = re.compile(r"(?:在|於|相較於|相較|相比於|比起|對於|關於|除了)\s*$")


def _can_lead(tpl: _Template, k: int, start: int) -> bool:
    """Whether mention ``k`` can be a subject: not inside 「在 X 上」「相較於 X」 and the like."""
    prev = tpl.slots[k - 1] + 1 if k > 0 and tpl.slots[k - 1] >= start else start
    return _NOT_SUBJECT.search(tpl.text, prev, tpl.slots[k]) is None


def _clause_subject(tpl: _Template, inside: Sequence[Mention], cue: int) -> tuple[list[Mention] | None, bool]:
    """(the nearest possible subject before ``cue`` in its clause and the mentions listed with it,
    whether a pronoun stands in for the subject)."""
    cstart = tpl.clause_start(cue)
    i = bisect.bisect_left(tpl.slots, cue) - 1
    while i >= 0 and tpl.slots[i] >= cstart and not _can_lead(tpl, i, cstart):
        i -= 1
    if i < 0 or tpl.slots[i] < cstart:
        return None, bool(_PRONOUN.search(tpl.text, cstart, cue))
    if _PRONOUN.search(tpl.text, tpl.slots[i] + 1, cue):  # 「Meta 表示它使用了…」
        return None, True
    k = i
    if (  # 「CKIP Transformers 的命名實體辨識採用…」: the owner is the subject
        inside[k].type is C
        and k > 0
        and tpl.text[tpl.slots[k - 1] + 1 : tpl.slots[k]].strip() == "的"
        and inside[k - 1].type in _SOFTWARE
    ):
        k -= 1
    out = [inside[k]]
    while k > 0 and tpl.slots[k - 1] >= cstart:  # 「Ollama 和 LM Studio 都…」
        m = _ENUM_PREV.search(tpl.text, tpl.slots[k - 1], tpl.slots[k] + 1)
        if m is None or m.start() != tpl.slots[k - 1]:
            break
        k -= 1
        out.append(inside[k])
    return out, False


def _earlier_subject(tpl: _Template, inside: Sequence[Mention], cue: int, pronoun: bool) -> Mention | None:
    """The subject of the nearest earlier clause that has one (its first mention that can lead);
    for a pronoun, the sentence's first such mention."""
    cstart = tpl.clause_start(cue)
    best: Mention | None = None
    best_clause = -1
    for k, slot in enumerate(tpl.slots):
        if slot >= cstart:
            break
        start = tpl.clause_start(slot)
        if not _can_lead(tpl, k, start):
            continue
        if pronoun:
            return inside[k]
        if start > best_clause:  # first subject of a later clause
            best, best_clause = inside[k], start
    return best


_PEOPLE = re.compile(r"我|你|妳|您|他們|她們|大家|建議|讀者|同事|學員|講者")


def _subjects(
    tpl: _Template,
    inside: Sequence[Mention],
    cue: int,
    topic: Mention | None,
    after: bool,
    cue_end: int,
    trained: bool = False,
) -> list[Mention] | None:
    """The subject(s) of a cue at template position ``cue`` (see the notes above the rules)."""
    found, pronoun = _clause_subject(tpl, inside, cue)
    if found:
        return found
    if after and not pronoun:  # 「在 RTX 4090 上微調 Breeze-7B」
        j = bisect.bisect_left(tpl.slots, cue_end)
        cend = tpl.clause_end(cue_end)
        while j < len(inside) and tpl.slots[j] < cend:
            if inside[j].type is M:
                return [inside[j]]
            j += 1
    if not trained and _PEOPLE.search(tpl.text, tpl.clause_start(cue), cue):
        return None  # 「她們使用 bge-m3」「建議使用 vLLM」: people use things, not the topic
    earlier = _earlier_subject(tpl, inside, cue, pronoun)
    if earlier is not None:
        return [earlier]
    return [topic] if topic is not None else None


def typed_relations(
    tpl: _Template, inside: Sequence[Mention], rule_ids: Iterable[int], topic: Mention | None
) -> list[tuple[Mention, Mention, RelationType, float]]:
    """(source, target, type, confidence) for the cue-marked pairs of one sentence."""
    out: list[tuple[Mention, Mention, RelationType, float]] = []
    claimed: set[int] = set()  # targets an earlier (higher-priority) rule already used
    text, slot_of = tpl.text, tpl.slot_of
    for ri in sorted(rule_ids):
        rule = _RULES[ri]
        explicit = rule.explicit
        for m in rule.rx.finditer(text):
            b_slot = slot_of.get(m.start("b"))
            if b_slot is None or b_slot in claimed:
                continue
            targets = _enumerated(tpl, inside, _object(tpl, inside, b_slot))
            for t in list(targets):  # 「支援 Apple Silicon 的 Metal 加速」: the hardware and its feature
                if inside[t].type is H and t + 1 < len(inside):
                    own = _OF_NEXT.match(tpl.text, tpl.slots[t] + 1)
                    if own is not None and own.end() - 1 == tpl.slots[t + 1] and inside[t + 1].type in (T, C):
                        targets.append(t + 1)
            if explicit:
                sources = [inside[tpl.slot_of[m.start("a")]]]
                conf = 0.75
            else:
                subj = _subjects(tpl, inside, m.start(), topic, rule.after, m.end(), rule.trained)
                if not subj:
                    continue
                sources = subj
                conf = 0.7 if subj[0] in inside else 0.6
            claimed.add(b_slot)
            for src in sources:
                for t in targets:
                    tgt = inside[t]
                    if src.key == tgt.key:
                        continue
                    typed = rule.mapper(src.type, tgt.type)
                    if typed is None:
                        continue
                    rtype, reverse = typed
                    out.append((tgt, src, rtype, conf) if reverse else (src, tgt, rtype, conf))
    return out


def _possessive(body: str, inside: Sequence[Mention]) -> list[tuple[Mention, Mention, RelationType, float]]:
    """「NVIDIA 的 TensorRT-LLM」: an organisation's product was developed by it."""
    out = []
    for x, y in itertools.pairwise(inside):
        if x.type is G_ and y.type in _SOFTWARE and body[x.end : y.start].strip() == "的":
            nxt = body[y.end : y.end + 1]
            if nxt and _HAN.match(nxt) and nxt not in _LINK_CHARS:  # 「CKIP Lab 的 GitHub 頁面」
                continue
            out.append((y, x, R.DEVELOPED_BY, 0.6))
    return out


_HAN = re.compile("[\u3400-\u9fff]")
_LINK_CHARS = frozenset("和與及或等是也都在可能會已就則還把被以")


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


_LEAD_COMPARE = re.compile(r"(?:相較於|相較|相比於|相對於|比起|對比於)\s*" + MARK)


def _lead_compare(
    tpl: _Template, inside: Sequence[Mention]
) -> list[tuple[Mention, Mention, RelationType, float]]:
    """「相較於 A，B 更…」: A is compared with the first mention of the same kind in the next clause."""
    out = []
    for m in _LEAD_COMPARE.finditer(tpl.text):
        a = tpl.slot_of[m.end() - 1]
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
    out: list[RelationCandidate] = []
    i = 0
    topic: Mention | None = None  # subject of the latest sentence of this section
    for si, sent in enumerate(sentences):
        s_start, s_end, kind = sent.start, sent.end, sent.kind
        if kind == "short":  # a heading starts a new section
            topic = None
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
        if not inside:
            continue
        text = body[s_start:s_end]
        chunk_id = sentence_chunks[si]
        typed_pairs: set[frozenset[str]] = set()
        if kind == "prose" or kind == "item":
            found: list[tuple[Mention, Mention, RelationType, float]] = []
            ids = rule_ids.get(si)
            compare = len(inside) > 1 and ("相" in text or "比" in text)
            # One template per sentence, shared by the cue rules and the lead comparison.
            tpl = _Template(body, sent, inside) if ids or compare else None
            if ids and tpl is not None:
                found += typed_relations(tpl, inside, ids, topic)
            if len(inside) > 1:
                found += _possessive(body, inside)
                found += _appositive(body, inside)
                if compare and tpl is not None:
                    found += _lead_compare(tpl, inside)
            seen: set[tuple[str, str, RelationType]] = set()
            for a, b, rtype, conf in found:
                if a.key == b.key or (a.key, b.key, rtype) in seen:
                    continue
                seen.add((a.key, b.key, rtype))
                typed_pairs.add(frozenset((a.key, b.key)))
                out.append(RelationCandidate(doc_id, chunk_id, a.key, b.key, rtype, text, "pattern", conf))
            first = inside[0]
            lead = body[sent.start : first.start]
            if _topic_ok(first) and not _CLAUSE_END.search(lead) and not _NOT_SUBJECT.search(lead):
                topic = first
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
