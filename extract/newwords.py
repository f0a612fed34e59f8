"""Chinese terms no lexicon lists and no head noun marks, found from the document itself.

Chinese has no spaces, so a term that does not end in a known head noun (…模型, …學習) is
invisible to the cue patterns: 標記化, 檢查點, 預測性維護, 合併規則. The classic new-word
discovery finds such units by their statistics: a term is a string the writer repeats, whose
neighbours vary (a fragment of a longer word always has the same neighbour: 習率調 is always
preceded by 學), and that neither starts nor ends with a function character. This module does
that per document, so extraction stays one document at a time (incremental ingest re-reads
only what changed); a term seen in one document only is weighed again when the graph is
resolved, as every weak pattern name is.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter, defaultdict
from functools import lru_cache

from extract.commonwords import COMMON_ZH, zipf_zh
from extract.normalize import HAN
from extract.patterns import PatternHit, term_start
from extract.records import EntityType

# A candidate is seen at least this often in its document.
MIN_COUNT = 3
MIN_LEN, MAX_LEN = 3, 6
# A neighbour seen on this share of a candidate's occurrences (or more) makes it a fragment
# of the longer string (學習率調 → 習率調), not a unit.
DOMINANT = 0.6
CONFIDENCE = 0.3

_RUN = re.compile(f"[{HAN}]{{{MIN_LEN},}}")
# Never at either end of a term: particles, pronouns, copulas, prepositions, measure words.
_EDGE = frozenset(
    "的了是在和與及或把將讓從對用以為被給向於並而且也都就再先來去到要會能可這那其此每各該些個種"
    "很更最太還又只但卻如若由我你他她它們您某地得著過嗎呢吧啊之於等"
)
# Never anywhere in a term: what joins or opens clauses.
_INSIDE = frozenset("的了是們這那我你他為把被將從如何")
# Never at the end: locatives and time words after a term (語料庫中, 設備上, 應用程式時), and the
# suffixes that make a modifier or a property of one (裝置端, 生成式, 準確性).
_TAIL = frozenset("中上下時後前內外裡間端式性")
# Never at the start: determiners and "see" (本課程, 該模型, 見範例).
_HEAD = frozenset("本該此每各某見請")
_SEP = "\x00"  # joins the runs; also the neighbour of a string at the edge of its run


def find_recurrent_terms(text: str) -> list[PatternHit]:
    """Every occurrence of each Han string that passes the tests above, as a CONCEPT hit."""
    runs = [(m.start(), m.group()) for m in _RUN.finditer(text)]
    if not runs:
        return []
    # The runs joined by a separator no string may hold; where each run starts in both texts.
    joined = _SEP.join(s for _, s in runs)
    starts_joined, starts_text, at = [], [], 0
    for start, s in runs:
        starts_joined.append(at)
        starts_text.append(start)
        at += len(s) + 1
    # Level by level (a string repeats only if its prefix does): the repeated trigrams, counted
    # in C, then their occurrences extended one character at a time while they still repeat.
    tri = Counter(map("".join, zip(joined, joined[1:], joined[2:], strict=False)))
    level: dict[str, list[int]] = {}
    for gram, n in tri.items():
        if n >= MIN_COUNT and _SEP not in gram and _extensible(gram):
            level[gram] = _occurrences(joined, gram)
    hits: list[PatternHit] = []
    length = MIN_LEN
    while level:
        for gram, places in level.items():
            if len(places) >= MIN_COUNT and _accepted(joined, gram, places):
                for i in places:
                    r = bisect.bisect_right(starts_joined, i) - 1
                    start = starts_text[r] + i - starts_joined[r]
                    hits.append(PatternHit(start, start + length, EntityType.CONCEPT, "zh-new", CONFIDENCE))
        if length == MAX_LEN:
            break
        longer: dict[str, list[int]] = defaultdict(list)
        for gram, places in level.items():
            if not _extensible(gram):
                continue
            for i in places:
                nxt = joined[i + length : i + length + 1]
                if nxt and nxt != _SEP:
                    longer[joined[i : i + length + 1]].append(i)
        level = {g: p for g, p in longer.items() if len(p) >= MIN_COUNT}
        length += 1
    return hits


def _occurrences(text: str, gram: str) -> list[int]:
    out, i = [], text.find(gram)
    while i >= 0:
        out.append(i)
        i = text.find(gram, i + 1)
    return out


def _accepted(joined: str, gram: str, places: list[int]) -> bool:
    if not _word_shaped(gram):
        return False
    end = len(gram)
    limit = DOMINANT * len(places)
    if _dominated([joined[i - 1] if i > 0 else _SEP for i in places], limit):
        return False
    return not _dominated([joined[i + end : i + end + 1] or _SEP for i in places], limit)


@lru_cache(maxsize=100_000)
def _extensible(gram: str) -> bool:
    """Whether a longer string starting with ``gram`` can still be a term (its start and the
    characters it holds stay)."""
    return gram[0] not in _EDGE and gram[0] not in _HEAD and not any(ch in _INSIDE for ch in gram)


@lru_cache(maxsize=100_000)
def _word_shaped(gram: str) -> bool:
    """Whether ``gram`` can be a term at all, by its characters alone."""
    if not _extensible(gram) or gram[-1] in _EDGE or gram[-1] in _TAIL:
        return False
    if term_start(gram, 0, len(gram)) != 0:  # 使用標記器, 加載本地文件: a verb opens it
        return False
    return zipf_zh(gram) < COMMON_ZH  # 解決方案, 工程師: everyday words


def _dominated(neighbours: list[str], limit: float) -> bool:
    """Whether one character (not a run's edge) is the neighbour on ``limit`` occurrences or more."""
    if len(neighbours) <= 16:  # the usual case: a few occurrences, counted without a Counter
        return any(ch != _SEP and neighbours.count(ch) >= limit for ch in set(neighbours))
    ch, n = Counter(neighbours).most_common(1)[0]
    return ch != _SEP and n >= limit
