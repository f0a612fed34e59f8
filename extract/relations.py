"""Relations between mentions of one document, each with its evidence sentence.

Typed relations come from cue words between (or around) two mentions of the
same sentence — Chinese prose states relations with a small set of verbs and
frames (…是一種…、由…開發、在…上訓練、整合、相較於…). Everything else that
shares a sentence gets a weighted RELATED_TO, down-weighted in list items and
table rows where co-occurrence says little.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass

from extract.records import Chunk, EntityType, Mention, RelationCandidate, RelationType

R = RelationType

_SENT_END = re.compile(r"[。！？；!?]+[」』）)]*|\n+|(?<=[a-z0-9)])\.(?=\s+[A-Z])")
_LIST_ITEM = re.compile(r"^\s*(?:[-*•・]|\d+[.)、]|[（(]?\d+[)）])\s+")
_TABLE_ROW = re.compile(r"\|.*\||\t.*\t")


@dataclass(frozen=True, slots=True)
class Sentence:
    start: int
    end: int
    kind: str  # "prose" | "item" | "row" | "short"


def split_sentences(body: str) -> list[Sentence]:
    """Sentences of ``body`` with their offsets; list items and table rows are marked."""
    out: list[Sentence] = []
    line_start = 0
    for line in body.split("\n"):
        kind = "prose"
        if _TABLE_ROW.search(line):
            kind = "row"
        elif _LIST_ITEM.match(line):
            kind = "item"
        elif len(line.strip()) < 30 and not re.search(r"[。！？，,.!?]", line):
            kind = "short"
        pos = 0
        for m in _SENT_END.finditer(line):
            if m.end() > pos and line[pos : m.end()].strip():
                out.append(_trimmed(line, line_start, pos, m.end(), kind))
            pos = m.end()
        if line[pos:].strip():
            out.append(_trimmed(line, line_start, pos, len(line), kind))
        line_start += len(line) + 1
    return out


def _trimmed(line: str, base: int, s: int, e: int, kind: str) -> Sentence:
    while s < e and line[s].isspace():
        s += 1
    while e > s and line[e - 1].isspace():
        e -= 1
    return Sentence(base + s, base + e, kind)


def chunk_for(chunks: Sequence[Chunk], start: int, end: int) -> str:
    """Id of the first chunk containing [start, end), else of the chunk containing ``start``.

    Chunks are in body order and may overlap by a sentence, so a bisect on their
    starts finds the candidates in O(log n) (documents can have thousands of chunks).
    """
    if not chunks:
        return ""
    starts = _starts(chunks)
    i = bisect.bisect_right(starts, start) - 1
    lo = i
    while lo > 0 and chunks[lo - 1].end > start:  # earlier chunks overlapping ``start``
        lo -= 1
    for c in chunks[max(lo, 0) : i + 1]:
        if c.start <= start and end <= c.end:
            return c.id
    for c in chunks[max(lo, 0) : i + 1]:
        if c.start <= start < c.end:
            return c.id
    return chunks[max(i, 0)].id


_STARTS_CACHE: dict[int, tuple[Sequence[Chunk], list[int]]] = {}


def _starts(chunks: Sequence[Chunk]) -> list[int]:
    cached = _STARTS_CACHE.get(id(chunks))
    if cached is not None and cached[0] is chunks:
        return cached[1]
    starts = [c.start for c in chunks]
    _STARTS_CACHE.clear()
    _STARTS_CACHE[id(chunks)] = (chunks, starts)
    return starts


# --- cue rules ------------------------------------------------------------------------------------

# (relation, regex on the text just before the target, regex on the text just after it)
# The source is the previous mention of the clause, or the sentence subject.
_CUES: list[tuple[RelationType, re.Pattern[str], re.Pattern[str] | None]] = [
    (
        R.DEVELOPED_BY,
        re.compile(r"由\s*$"),
        re.compile(
            r"^[\s\w（）()]{0,12}?(?:所|團隊|研究團隊)?(?:開發|推出|釋出|發布|發表|打造|研發|提出|維護|訓練|建立)"
        ),
    ),
    (
        R.TRAINED_ON,
        re.compile(r"(?:在|用|使用|以|於|透過|靠)[^，。]{0,12}$"),
        re.compile(r"^\s*(?:上|顯示卡|GPU)?\s*(?:上)?[^，。]{0,4}(?:訓練|預訓練|微調|練)"),
    ),
    (R.RUNS_ON, re.compile(r"(?:跑在|執行在|運行在|部署在|部署到|部署於|跑於|架在|裝在|放在)\s*$"), None),
    (
        R.RUNS_ON,
        re.compile(r"在\s*$"),
        re.compile(r"^\s*(?:上)?\s*(?:就能|可以|也能|能)?\s*(?:跑|執行|運行|部署|推論|服務)"),
    ),
    (
        R.VARIANT_OF,
        re.compile(r"(?:是|為)\s*$"),
        re.compile(
            r"^\s*的\s*(?:延伸|變體|改良版|衍生|衍生版|微調版|指令版|指令微調版|量化版|精簡版|小型版|擴充版|後繼|升級版|最新版|版本)"
        ),
    ),
    (
        R.PART_OF,
        re.compile(r"(?:是|為)\s*$"),
        re.compile(r"^\s*(?:的|中的|裡的)\s*(?:一部分|一部份|元件|組件|模組|子專案|子項目|核心|功能|成員)"),
    ),
    (
        R.IS_A,
        re.compile(
            r"(?:是|為|屬於|算是)\s*(?:一種|一個|一款|一套|一類|一項|種|個|款|套)?(?:[^，。；]{0,10}的)?\s*$"
        ),
        re.compile(r"^\s*[\u4e00-\u9fff]{0,4}\s*(?:[，。；、：,.!?！？]|$)"),
    ),
    (
        R.VARIANT_OF,
        re.compile(r"(?:以|基於|基于)\s*$"),
        re.compile(
            r"^\s*(?:為基礎|為底|作為基礎|為基底)?\s*(?:模型)?\s*[，,]?\s*(?:繼續|持續|再|進行)?\s*(?:預訓練|微調|訓練|擴充|改良|修改)"
        ),
    ),
    (R.USES, re.compile(r"(?:以|基於|基于)\s*$"), re.compile(r"^\s*(?:為基礎|為底|作為基礎|為基底|為核心)")),
    (
        R.COMPARED_WITH,
        re.compile(r"(?:跟|和|與|同|拿)\s*$"),
        re.compile(r"^\s*(?:相比|比較|相較|對比|比起來|差不多|不相上下|的差距|相當|一樣)"),
    ),
    (
        R.COMPARED_WITH,
        re.compile(
            r"(?:比較|對比|相較於|相較|相比於|勝過|優於|不如|超越|追上|贏過|輸給|vs\.?|VS\.?|v\.s\.|比)\s*$"
        ),
        None,
    ),
    (R.ALTERNATIVE_TO, re.compile(r"(?:換成|替換成|換為|改用|改成|取代|代替|替代|替換|轉向)\s*$"), None),
    (R.ALTERNATIVE_TO, re.compile(r"(?:取代|替代|代替)\s*$"), None),
    (
        R.INTEGRATES,
        re.compile(
            r"(?:整合了?|串接了?|串起|支援了?|相容於?|對接|接上|接入|集成|支持|內建支援|原生支援|提供了?[^，。]{0,4}整合|可以接)\s*$"
        ),
        None,
    ),
    (R.PART_OF, re.compile(r"(?:內建的?|內含|包含|包括|底下的|旗下的?|裡的)\s*$"), None),
    (
        R.USES,
        re.compile(
            r"(?:使用了?|採用了?|利用|用了|搭配|透過|藉由|基於|呼叫|依賴|借助|選用|選擇|載入|加上|用)\s*$"
        ),
        None,
    ),
]

# Relations where the target was named before the source ("相較於 A，B…", "A 內建 B" is B PART_OF A).
_REVERSED = {(R.PART_OF, "內建")}
_ENUM_GAP = re.compile(r"^\s*(?:、|，|,|和|與|及|以及|或|或是|跟|還有|/)\s*$")
_PRONOUN = re.compile(r"[它其]")
_TRAIN_TARGETS = {EntityType.HARDWARE, EntityType.CONCEPT, EntityType.ORG, EntityType.TOOL}


def _source_for(mentions: Sequence[Mention], j: int, body: str, sent: Sentence) -> int | None:
    """Index of the mention a cue before mention ``j`` attaches to."""
    if j == 0:
        return None
    target = mentions[j]
    prev = j - 1
    gap = body[mentions[prev].end : target.start]
    if not re.search(r"[，,。；：]", gap) and not _PRONOUN.search(gap):
        return prev
    # Clause boundary or pronoun: fall back to the sentence subject (first mention near the start).
    first = mentions[0]
    if first.start - sent.start <= 6 and first.key != target.key:
        return 0
    return prev


def typed_relations(
    body: str, sent: Sentence, mentions: Sequence[Mention]
) -> list[tuple[int, int, RelationType, float]]:
    """(source index, target index, type, confidence) for cue-marked pairs in one sentence."""
    out: list[tuple[int, int, RelationType, float]] = []
    last: tuple[int, RelationType] | None = None
    for j in range(len(mentions)):
        b = mentions[j]
        left_edge = mentions[j - 1].end if j > 0 else sent.start
        before = body[max(sent.start, left_edge - 0) : b.start]
        after = body[b.end : min(sent.end, b.end + 24)]
        found: tuple[RelationType, bool] | None = None
        for rtype, before_re, after_re in _CUES:
            if not before_re.search(before):
                continue
            if after_re is not None and not after_re.search(after):
                continue
            if rtype is R.TRAINED_ON and b.type not in _TRAIN_TARGETS:
                continue
            if rtype is R.RUNS_ON and b.type not in {EntityType.HARDWARE, EntityType.TOOL}:
                continue
            found = (rtype, bool(re.search(r"內建\s*$", before)))
            break
        if found is None:
            # "A、B 和 C": C takes the relation the list started with.
            if last is not None and j > 0 and _ENUM_GAP.match(before):
                first_src, first_type = last
                if first_src != j and mentions[first_src].key != b.key:
                    out.append((first_src, j, first_type, 0.6))
                continue
            last = None
            continue
        rtype, reverse = found
        if rtype is R.COMPARED_WITH and re.search(r"(?:相較於?|相比於?|比起)\s*$", before):
            after_comma = _first_after_comma(body, sent, mentions, j)
            if after_comma is not None:
                out.append((after_comma, j, R.COMPARED_WITH, 0.7))
                last = None
                continue
        src = _source_for(mentions, j, body, sent)
        if src is None:
            # "在 RTX 4090 上用 QLoRA 微調 Breeze-7B": the subject comes after the place.
            if rtype in (R.RUNS_ON, R.TRAINED_ON):
                k = next(
                    (i for i in range(j + 1, len(mentions)) if mentions[i].type is EntityType.MODEL), None
                )
                if k is not None:
                    out.append((k, j, rtype, 0.6))
            last = None
            continue
        if mentions[src].key == b.key:
            continue
        if reverse:
            out.append((j, src, rtype, 0.65))
        else:
            out.append((src, j, rtype, 0.7))
        last = (src, rtype)
    return out


def _first_after_comma(body: str, sent: Sentence, mentions: Sequence[Mention], j: int) -> int | None:
    """The first mention after the next comma following mention ``j`` ("相較於 A，B 更…")."""
    comma = re.search(r"[，,]", body[mentions[j].end : sent.end])
    if comma is None:
        return None
    pos = mentions[j].end + comma.end()
    for i in range(j + 1, len(mentions)):
        if mentions[i].start >= pos:
            return i
    return None


def sentence_relations(
    doc_id: str,
    body: str,
    sentences: Sequence[Sentence],
    mentions: Sequence[Mention],
    chunks: Sequence[Chunk],
) -> list[RelationCandidate]:
    """Typed and co-occurrence relation candidates for one document."""
    ms = sorted(mentions, key=lambda m: (m.start, -m.end))
    out: list[RelationCandidate] = []
    i = 0
    for sent in sentences:
        while i < len(ms) and ms[i].start < sent.start:
            i += 1
        k = i
        inside: list[Mention] = []
        while k < len(ms) and ms[k].start < sent.end:
            if ms[k].end <= sent.end and ms[k].extractor != "variant":
                inside.append(ms[k])
            k += 1
        if len(inside) < 2:
            continue
        text = body[sent.start : sent.end]
        chunk_id = chunk_for(chunks, sent.start, sent.end)
        typed_pairs: set[frozenset[str]] = set()
        if sent.kind in ("prose", "item"):
            for s, t, rtype, conf in typed_relations(body, sent, inside):
                a, b = inside[s], inside[t]
                if a.key == b.key:
                    continue
                typed_pairs.add(frozenset((a.key, b.key)))
                out.append(RelationCandidate(doc_id, chunk_id, a.key, b.key, rtype, text, "pattern", conf))
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
    keys: list[str] = []
    for m in inside:
        if m.key not in keys:
            keys.append(m.key)
    if len(keys) < 2:
        return []
    weight = _KIND_WEIGHT.get(sent.kind, 1.0)
    if len(keys) > 6:
        weight *= 0.5
    out = []
    for x in range(len(keys)):
        for y in range(x + 1, min(len(keys), x + 6)):
            pair = frozenset((keys[x], keys[y]))
            if pair in typed_pairs:
                continue
            out.append(
                RelationCandidate(
                    doc_id, chunk_id, keys[x], keys[y], R.RELATED_TO, text, "cooccurrence", 0.5, weight
                )
            )
    return out
