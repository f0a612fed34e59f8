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

import re
from collections import Counter, defaultdict

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
_BOUNDARY = ""  # the neighbour of a candidate at the edge of its run (punctuation, Latin, space)


def find_recurrent_terms(text: str) -> list[PatternHit]:
    """Every occurrence of each Han string that passes the tests above, as a CONCEPT hit."""
    runs = [(m.start(), m.group()) for m in _RUN.finditer(text)]
    if not runs:
        return []
    # Only strings that start with a repeated bigram can repeat: count those first (cheap).
    bigrams = Counter(s[i : i + 2] for _, s in runs for i in range(len(s) - 1))
    seen: dict[str, list[tuple[int, int]]] = defaultdict(list)  # gram → (run, offset) occurrences
    for r, (_, s) in enumerate(runs):
        n = len(s)
        for i in range(n - MIN_LEN + 1):
            if bigrams[s[i : i + 2]] < MIN_COUNT:
                continue
            for length in range(MIN_LEN, min(MAX_LEN, n - i) + 1):
                seen[s[i : i + length]].append((r, i))
    hits: list[PatternHit] = []
    for gram, places in seen.items():
        if len(places) < MIN_COUNT or not _word_shaped(gram):
            continue
        left: Counter[str] = Counter()
        right: Counter[str] = Counter()
        for r, i in places:
            s = runs[r][1]
            left[s[i - 1] if i > 0 else _BOUNDARY] += 1
            j = i + len(gram)
            right[s[j] if j < len(s) else _BOUNDARY] += 1
        if _dominated(left, len(places)) or _dominated(right, len(places)):
            continue
        for r, i in places:
            start = runs[r][0] + i
            hits.append(PatternHit(start, start + len(gram), EntityType.CONCEPT, "zh-new", CONFIDENCE))
    return hits


def _word_shaped(gram: str) -> bool:
    """Whether ``gram`` can be a term at all, by its characters alone."""
    if gram[0] in _EDGE or gram[-1] in _EDGE or gram[-1] in _TAIL or gram[0] in _HEAD:
        return False
    if any(ch in _INSIDE for ch in gram):
        return False
    if term_start(gram, 0, len(gram)) != 0:  # 使用標記器, 加載本地文件: a verb opens it
        return False
    return zipf_zh(gram) < COMMON_ZH  # 解決方案, 工程師: everyday words


def _dominated(neighbours: Counter[str], total: int) -> bool:
    ch, n = neighbours.most_common(1)[0]
    return ch != _BOUNDARY and n >= DOMINANT * total
