"""Extractive answers built for the kind of question (:mod:`graph.query.question`).

No model writes these: each line is quoted from a chunk (or is a count or a
document title) and carries the chunk that backs it, so the answer says the
answer and every line can be checked. What each kind looks for:

* **definition** — the sentence defining the target: 「X 是…」, 「X（…）是一種…」,
  "X is …", a sentence that is evidence of an ``IS_A`` relation of X, or the first
  sentence under a heading named for X; never a question sentence;
* **list** — items: the lines under a lead-in (「…包括：」) or heading that names the
  target or the asked head noun, or an enumeration (、，和、and) in a sentence about
  them; each item cited, deduplicated, in document order;
* **who** — ``DEVELOPED_BY`` evidence, else a sentence naming the target with
  「由／開發／推出」 and an organisation or person;
* **number / when** — the sentence holding a number (with the asked unit) or a
  date next to the target;
* **relation** — evidence sentences of the typed relations between the targets,
  else sentences naming both, else one defining sentence for each side;
* **how** — the lines about the target with installation or usage wording;
* **corpus** — every document whose text names the entity or one of its aliases
  (searched, not estimated), counted, each with a one-line description;
* anything else — the sentences best matching the question.

Source reference marks (``[1, 2, 14]``, ``［9］``, ``[^3]``) are removed from
quoted text so that only our citation numbers remain.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from extract.chunk import split_sentences
from extract.normalize import HAN as _HAN
from extract.normalize import match_key
from graph.query.base import Retrieval
from graph.query.index import SearchIndex
from graph.query.question import QuestionAnalysis
from graph.query.tokenize import tokens

MAX_ITEMS = 20
MAX_DOCS = 40
MAX_EVIDENCE = 12  # relation-evidence chunks read besides the retrieved ones
EXTRA_DOCS = 3
EXTRA_CHUNKS = 8
CITED_DOCS = 10  # corpus-wide answers cite the best chunk of this many documents; the rest are listed

_REF_MARKS = re.compile(
    r"\s?\[\^?\w{0,3}\d{1,3}(?:\s*[,，、\-–]\s*\d{1,3})*\]|\s?［\d{1,3}(?:\s*[,，、\-–]\s*\d{1,3})*］"
)
_QUESTION_END = re.compile(r"[？?]\s*$")
_DEFINES = re.compile(
    r"^(?:\([^)]{0,80}\))?[,，:：]?(?:是|為|指的是|指|係|乃|即|就是|is|are|refersto|means|standsfor)"
)
_A_KIND = re.compile(r"一(種|個|款|套|項|類|組)|^(is|are)(an?|the)")
_MADE = r"開發|推出|打造|提出|釋出|發布|發佈|維護|研發|建立|創建|推動|設計"
# On the match key (no spaces): 「由 X 開發」, 「開發團隊」, "developed by".
_WHO = re.compile(
    rf"由.{{1,30}}?({_MADE})|({_MADE})(者|商|團隊|公司|單位)|(developed|created|built|released|maintained|made)by"
)
_CONTRAST_Q = re.compile(r"差異|差別|區別|不同|比較|相比|對比|vs|versus|differ|compar")
_COMPARE = re.compile(
    r"相似|類似|不同|差異|區別|差別|相比|比較|而非|不像|優於|勝過|similar|unlike|whereas|than"
)
_NUMBER = re.compile(r"\d")
_DATE = re.compile(
    r"(19|20)\d\d\s*年|\d{1,2}\s*月|(19|20)\d\d|\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)"
)
_HOW = re.compile(
    r"安裝|步驟|執行|運行|使用|設定|設置|配置|指令|命令|啟動|下載|建立|首先|然後|install|run|pip|docker|npm"
    r"|dotnet|setup|configure|step"
)
_LEAD_END = re.compile(r"[：:]\s*$")
_ENUM_SEP = re.compile(r"\s*(?:、|，|,|；|;|｜|以及|及|和|與|或|\band\b|\bor\b)\s*")
_ENUM_START = re.compile(r"(?:包括|包含|例如|比如|像是|如|有|涵蓋|支援|支持|兼容|：|:|（|\()\s*")
_SENT_END = re.compile(r"[。！？!?]\s*$")
_BOILERPLATE = re.compile(r"\s*(免責聲明|免责声明|disclaimer)\s*[:：]", re.I)
_TOC = re.compile(r"^(目錄|目录|內容|大綱|table of contents|contents)\s*$", re.I)
_SECTION_NUMBER = re.compile(r"^\s*(?:\d{1,2}[.)、]|[-*•·]|[①-⑳])\s*")


@dataclass
class Draft:
    """An extractive answer before numbering: lines with the chunk backing each (None: no marker)."""

    lines: list[tuple[str, int | None]] = field(default_factory=list)
    documents: list[str] = field(default_factory=list)  # corpus-wide: every document listed
    quoted: dict[int, str] = field(default_factory=dict)  # chunk → the raw sentence first quoted from it

    def add(self, text: str, chunk: int | None, raw: str = "") -> None:
        self.lines.append((text, chunk))
        if chunk is not None and chunk not in self.quoted:
            self.quoted[chunk] = raw or text

    @property
    def chunks(self) -> list[int]:
        return list(dict.fromkeys(c for _, c in self.lines if c is not None))


def clean_quote(text: str) -> str:
    """A sentence as quoted in an answer: the source's own reference marks removed, spacing collapsed."""
    t = _REF_MARKS.sub("", text)
    return " ".join(t.split()).strip()


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


# (match keys, ids of the documents already found) → ids of further documents naming a key in text
# that is not in any chunk (graph.query.outside: MDX component props in the source files).
OutsideSearch = Callable[[list[str], set[str]], list[str]]


@dataclass
class _Ctx:
    index: SearchIndex
    r: Retrieval
    qa: QuestionAnalysis
    cands: list[int]
    keys: list[str]  # match keys of the targets (linked entities' names and aliases, target strings)
    key_sets: list[list[str]]  # per target: its keys
    idf: dict[str, float]
    _texts: dict[int, str] = field(default_factory=dict)
    cite_docs: int = CITED_DOCS
    _about: dict[int, bool] = field(default_factory=dict)
    outside: OutsideSearch | None = None

    def text(self, c: int) -> str:
        if c not in self._texts:
            self._texts[c] = self.index.chunk_texts[c]
        return self._texts[c]

    def prefetch(self, chunks: Iterable[int]) -> None:
        want = [c for c in dict.fromkeys(chunks) if c not in self._texts]
        if want:
            for c, t in zip(want, self.index.chunk_texts.many(want), strict=True):
                self._texts[c] = t

    def overlap(self, sentence: str) -> float:
        """Share of the question's (IDF-weighted) words that ``sentence`` holds."""
        if not self.idf:
            return 0.0
        st = set(tokens(sentence))
        return sum(w for t, w in self.idf.items() if t in st) / (sum(self.idf.values()) or 1.0)

    def about(self, c: int) -> bool:
        """Whether chunk ``c``'s document title or section heading names a target."""
        if c not in self._about:
            d = int(self.index.chunk_doc[c])
            where = match_key(self.index.doc_titles[d] or "") + " " + match_key(_heading(self.text(c)))
            self._about[c] = any(k in where for k in self.keys)
        return self._about[c]

    def mentions(self, key_form: str) -> int:
        """How many targets ``key_form`` (a match key) names."""
        return sum(1 for ks in self.key_sets if any(k in key_form for k in ks))


def sentences(text: str) -> list[str]:
    return [text[a:b] for a, b in split_sentences(text)]


def _heading(text: str) -> str:
    """The chunk's first line when it reads as a section heading (short, no sentence ending)."""
    first = text.split("\n", 1)[0].strip()
    if "\n" in text and 0 < len(first) <= 40 and not _SENT_END.search(first):
        return first
    return ""


def build_context(index: SearchIndex, r: Retrieval, qa: QuestionAnalysis) -> _Ctx:
    key_sets: list[list[str]] = []
    seen: set[str] = set()
    for e in r.linked:
        ks = [k for k in index.entity_keys[e] if len(k) >= 2]
        if ks:
            key_sets.append(ks)
            seen.update(ks)
    for t in qa.targets:
        k = match_key(t)
        if len(k) >= 2 and not any(k in s or s in k for s in seen):
            key_sets.append([k])
            seen.add(k)
    keys = list(dict.fromkeys(k for ks in key_sets for k in ks))
    q_tokens = set(tokens(qa.question))
    idf = {t: float(index.bm25.idf[j]) for t in q_tokens if (j := index.bm25.vocab.get(t)) is not None}
    ctx = _Ctx(index, r, qa, _candidates(index, r, qa), keys, key_sets, idf)
    ctx.prefetch(ctx.cands)
    return ctx


def _candidates(index: SearchIndex, r: Retrieval, qa: QuestionAnalysis) -> list[int]:
    """The retrieved chunks, then the question's best BM25 chunks inside the first documents retrieved.

    Retrieval caps chunks per document so that several documents show up; the answer
    often sits in a third section of the best document, which the cap left out.
    """
    cands = [c for c, _ in r.chunks]
    docs = list(dict.fromkeys(int(index.chunk_doc[c]) for c in cands))[:EXTRA_DOCS]
    if not docs or not len(index.chunk_ids):
        return cands
    bm = index.bm25.scores(tokens(qa.question))
    in_docs = np.flatnonzero(np.isin(index.chunk_doc, docs) & (bm > 0))
    if in_docs.size:
        best = in_docs[np.lexsort((in_docs, -bm[in_docs]))][:EXTRA_CHUNKS]
        cands.extend(int(c) for c in best if int(c) not in cands)
    return cands


def junk(sentence: str) -> bool:
    """Navigation and layout lines (tables of contents, breadcrumb rows) are never an answer."""
    if _BOILERPLATE.match(sentence):
        return True
    return sentence.count("｜") + sentence.count("|") + sentence.count("•") >= 3


# -- per kind -------------------------------------------------------------------------------------


def _definition(ctx: _Ctx, draft: Draft) -> bool:
    isa = _evidence_chunks(ctx, ("IS_A",))
    scored: list[tuple[float, int, int, str]] = []
    for rank, c in enumerate(ctx.cands):
        text = ctx.text(c)
        heading = _heading(text)
        named_heading = bool(heading) and any(k in match_key(heading) for k in ctx.keys)
        first = True
        for i, s in enumerate(sentences(text)):
            if (heading and s.strip() == heading) or junk(s):
                continue
            k = match_key(s)
            score = 0.0
            hit = [(k.find(key), key) for key in ctx.keys if key in k]
            if hit:
                pos, key = min(hit)
                score += 1.0
                if pos <= 12 and _DEFINES.search(k[pos + len(key) :]):
                    score += 3.0
                if _A_KIND.search(k[pos + len(key) :]):
                    score += 0.5
            elif not (named_heading and first):
                first = False
                continue
            if named_heading and first:
                score += 1.5
            if c in isa:
                score += 1.0
            if _QUESTION_END.search(s):
                score -= 3.0
            score += 0.5 * ctx.overlap(s) + 0.5 / (1 + rank)
            scored.append((score, rank, i, s))
            first = False
    if not scored:
        return False
    scored.sort(key=lambda t: (-t[0], t[1], t[2]))
    best = scored[0]
    if best[0] < 1.5:
        return False
    chunk = ctx.cands[best[1]]
    draft.add(clean_quote(best[3]), chunk, best[3])
    # The next sentence of the same passage often completes the definition («它與 … 配合使用»).
    follow = [t for t in scored[1:] if t[1] == best[1] and t[2] == best[2] + 1 and t[0] >= 1.0]
    if follow and not _QUESTION_END.search(follow[0][3]):
        draft.add(clean_quote(follow[0][3]), chunk)
    return True


def _item_name(line: str) -> str:
    """The item a list line names: the part before 「：」 when there is one, else the whole line."""
    t = _SECTION_NUMBER.sub("", line).strip()
    m = re.match(r"^(.{1,40}?)\s*[：:]\s*\S", t)
    return (m.group(1) if m else t).strip()


def _is_item(line: str) -> bool:
    t = line.strip()
    if not t or len(t) > 120:
        return False
    if re.match(r"^.{1,40}?\s*[：:]\s*\S", t):
        return True
    return len(t) <= 60 and not (_SENT_END.search(t) and len(t) > 30)


def _list_blocks(ctx: _Ctx, c: int) -> list[tuple[str, list[str], int]]:
    """(lead-in, item lines, chunk) blocks in chunk ``c``: a heading or a line ending in 「：」 and the
    item lines after it. A lead-in ending the chunk takes its items from the next chunk of the document."""
    text = ctx.text(c)
    lines = [ln.strip() for ln in text.split("\n") if ln.strip()]
    out: list[tuple[str, list[str], int]] = []
    heading = _heading(text)
    i = 0
    while i < len(lines):
        ln = lines[i]
        lead = _LEAD_END.search(ln) is not None or (i == 0 and bool(heading))
        if not lead:
            i += 1
            continue
        items: list[str] = []
        j = i + 1
        while j < len(lines) and _is_item(lines[j]) and not _LEAD_END.search(lines[j]):
            items.extend(_split_row(lines[j]))
            j += 1
        if _TOC.match(ln):
            i = max(j, i + 1)
            continue
        if len(items) >= 2:
            out.append((ln, items, c))
        elif j == len(lines) and _LEAD_END.search(ln):
            nxt = c + 1
            if nxt < len(ctx.index.chunk_ids) and int(ctx.index.chunk_doc[nxt]) == int(
                ctx.index.chunk_doc[c]
            ):
                ntext = ctx.text(nxt)
                nlines = [x.strip() for x in ntext.split("\n") if x.strip()]
                start = 1 if _heading(ntext) else 0
                more = []
                for x in nlines[start:]:
                    if not _is_item(x) or _LEAD_END.search(x):
                        break
                    more.extend(_split_row(x))
                if len(more) >= 2:
                    out.append((ln, more, nxt))
        i = max(j, i + 1)
    return out


def _split_row(line: str) -> list[str]:
    """Short list items the chunker joined into one row (「ALBERT ｜ BERT ｜ RoBERTa」)."""
    parts = [p.strip() for p in re.split(r"\s*[｜|]\s*", line)]
    return [p for p in parts if p] if len(parts) > 1 and all(len(p) <= 40 for p in parts) else [line]


def _balanced(item: str) -> str:
    """An item without a bracket its enumeration cut off: 「Vulkan）」 → 「Vulkan」."""
    t = item
    for op, cl in (("（", "）"), ("(", ")")):
        if t.endswith(cl) and t.count(op) < t.count(cl):
            t = t[:-1].rstrip()
        if t.count(op) > t.count(cl):  # 「多種後端（CUDA」 → 「CUDA」
            t = t.rsplit(op, 1)[1]
    return t.strip()


def _enumeration(sentence: str) -> list[str]:
    """Items of an enumeration in ``sentence`` (「包括 A、B 和 C」, "(CUDA, Metal, Vulkan)"), or []."""
    best: list[str] = []
    bracketed: list[str] = []
    for m in _ENUM_START.finditer(sentence):
        tail = sentence[m.end() :]
        paren = m.group().strip() in ("（", "(")
        stop = r"[）)。！？!?]|等" if paren else r"[。！？!?]|等(?!待)"
        tail = re.split(stop, tail, maxsplit=1)[0]
        parts = [_balanced(p.strip(" 「」『』\"'")) for p in _ENUM_SEP.split(tail)]
        parts = [p for p in parts if p]
        # Clauses joined by 「，」 are not items: without 「、」 or 「｜」 every item must be short.
        limit = 40 if re.search(r"[、｜]", tail) else 12
        if len(parts) < 2 or any(len(p) > limit for p in parts):
            continue
        if paren and len(parts) > len(bracketed):
            bracketed = parts
        elif len(parts) > len(best):
            best = parts
    # A bracketed run is the most explicit list: 「支援多種後端（A、B、C），預設 A」 lists A, B, C.
    return bracketed or best


def _head_overlap(ctx: _Ctx, text: str) -> float:
    head = ctx.qa.head
    if not head:
        return 0.0
    ht = {t for t in tokens(head) if len(t) >= 2 or t.isascii()}
    if not ht:
        return 0.0
    st = set(tokens(text))
    vocab, idf = ctx.index.bm25.vocab, ctx.index.bm25.idf
    w = {t: float(idf[j]) if (j := vocab.get(t)) is not None else 1.0 for t in ht}
    return sum(v for t, v in w.items() if t in st) / (sum(w.values()) or 1.0)


def _list(ctx: _Ctx, draft: Draft) -> bool:
    ctx.prefetch(c + 1 for c in ctx.cands if c + 1 < len(ctx.index.chunk_ids))
    options: list[tuple[float, int, list[tuple[str, int, str]]]] = []
    for rank, c in enumerate(ctx.cands):
        text = ctx.text(c)
        chunk_names = ctx.mentions(match_key(text))
        about = 1.0 if ctx.about(c) else 0.0
        for lead_line, items, chunk in _list_blocks(ctx, c):
            lead = (sentences(lead_line) or [lead_line])[-1]  # the clause introducing the list
            lk = match_key(lead)
            score = 1.5 * ctx.mentions(lk) + 2.0 * _head_overlap(ctx, lead) + 0.5 * min(chunk_names, 1)
            score += ctx.overlap(lead) + 0.6 / (1 + rank) + about - _self_items(ctx, items)
            options.append((score, rank, [(ln, chunk, ln) for ln in items]))
        for s in sentences(text):
            parts = _enumeration(s)
            if not parts or junk(s):
                continue
            sk = match_key(s)
            score = 1.5 * ctx.mentions(sk) + 2.0 * _head_overlap(ctx, s) + ctx.overlap(s) + 0.6 / (1 + rank)
            score += about - _self_items(ctx, parts)
            score -= 0.5  # a lead-in with lines under it is the stronger signal
            options.append((score, rank, [(p, c, s) for p in parts]))
    if not options:
        return False
    options.sort(key=lambda t: (-t[0], t[1]))
    score, _, best = options[0]
    if score < 1.0:
        return False
    seen: set[str] = set()
    for text, chunk, raw in best[:MAX_ITEMS]:
        q = clean_quote(text)
        key = match_key(_item_name(q))
        if not q or key in seen:
            continue
        seen.add(key)
        draft.add(f"- {q}", chunk, raw)
    return bool(draft.lines)


def _self_items(ctx: _Ctx, items: list[str]) -> float:
    """Items that are the target itself (「與 X（A、B）一起」) mean the list is not *of* the target."""

    def is_target(item: str) -> bool:
        k = match_key(_item_name(item))
        for key in sorted(ctx.keys, key=len, reverse=True):
            k = k.replace(key, "")
        return len(re.sub(r"[\W_]", "", k)) <= 1

    return 2.0 * sum(1 for it in items if is_target(it))


def _seed_relations(ctx: _Ctx) -> np.ndarray:
    """Indices of the relations touching a linked entity (on arrays: a hub has thousands)."""
    rows = [ctx.index.relations_of.row(e) for e in ctx.r.linked]
    return np.unique(np.concatenate(rows)).astype(np.int64) if rows else np.zeros(0, dtype=np.int64)


def _evidence_of(ctx: _Ctx, chosen: np.ndarray) -> list[int]:
    ev = ctx.index.relations.evidence
    return [int(c) for ri in chosen.tolist() for c in ev.row(ri)]


def _evidence_chunks(ctx: _Ctx, types: tuple[str, ...]) -> set[int]:
    rels = ctx.index.relations
    cand = _seed_relations(ctx)
    codes = [i for i, t in enumerate(rels.types) if t in types]
    if cand.size == 0 or not codes:
        return set()
    return set(_evidence_of(ctx, cand[np.isin(rels.type_code[cand], codes)]))


def _best(
    ctx: _Ctx,
    draft: Draft,
    score_of: Callable[[str, str, int, int], float],
    *,
    chunks: list[int] | None = None,
    keep: int = 1,
    floor: float = 1.5,
    in_order: bool = False,
) -> bool:
    """Quote the ``keep`` best-scoring sentences (``score_of(sentence, key form, rank, chunk)``) above
    ``floor``."""
    pool = ctx.cands if chunks is None else chunks
    ctx.prefetch(pool)
    scored: list[tuple[float, int, int, str, int]] = []
    for rank, c in enumerate(pool):
        text = ctx.text(c)
        heading = _heading(text)
        for i, s in enumerate(sentences(text)):
            if len(s) < 4 or junk(s) or (heading and s.strip() == heading):
                continue
            sc = score_of(s, match_key(s), rank, c)
            if ctx.about(c):
                sc += 0.5
            if _QUESTION_END.search(s):
                sc -= 3.0
            scored.append((sc, rank, i, s, c))
    scored.sort(key=lambda t: (-t[0], t[1], t[2]))
    seen: set[str] = set()
    chosen: list[tuple[int, int, str, int]] = []
    for sc, rank, i, s, c in scored:
        if sc < floor or len(chosen) >= keep:
            break
        q = clean_quote(s)
        if q in seen:
            continue
        seen.add(q)
        chosen.append((rank, i, s, c))
    if in_order:  # steps and both sides of a relation read best in the passage's own order
        chosen.sort(key=lambda t: (t[0], t[1]))
    for _, _, s, c in chosen:
        draft.add(clean_quote(s), c, s)
    return bool(chosen)


def _who(ctx: _Ctx, draft: Draft) -> bool:
    dev = _evidence_chunks(ctx, ("DEVELOPED_BY",))
    # Evidence first, but a bounded amount: a hub entity has hundreds of DEVELOPED_BY evidence chunks.
    pool = list(dict.fromkeys([*sorted(dev)[:MAX_EVIDENCE], *ctx.cands])) if dev else None
    # Organisations and people named in the chunks read (not the whole graph: at 10k documents
    # that is tens of thousands of names to try against every sentence).
    types = ctx.index.entity_types
    read = pool or ctx.cands
    named_here: list[int] = np.unique(ctx.index.chunk_entity[read].indices).tolist() if read else []
    people = {
        k
        for e in named_here
        if types[e] in ("ORG", "PERSON")
        for k in ctx.index.entity_keys[e]
        if len(k) >= 2 and k not in ctx.keys
    }

    def score(s: str, k: str, rank: int, c: int) -> float:
        named = ctx.mentions(k)
        if not named:
            return 0.0
        sc = 1.0 + (1.5 if _WHO.search(k) else 0.0) + 0.5 * ctx.overlap(s) + 0.4 / (1 + rank)
        if any(p in k for p in people):
            sc += 1.0
        return sc

    return _best(ctx, draft, score, chunks=pool, floor=2.0)


def _number(ctx: _Ctx, draft: Draft, *, date: bool) -> bool:
    unit = match_key(ctx.qa.unit) if ctx.qa.unit else ""

    def score(s: str, k: str, rank: int, c: int) -> float:
        named = ctx.mentions(k)
        pat = _DATE if date else _NUMBER
        if not pat.search(s if date else k):
            return 0.0
        sc = 1.5 * min(named, 2) + 1.0 + 1.5 * ctx.overlap(s) + 0.4 / (1 + rank)
        if unit and unit in k:
            sc += 1.0
        return sc

    return _best(ctx, draft, score, floor=2.5)


def _relation(ctx: _Ctx, draft: Draft) -> bool:
    rels = ctx.index.relations
    cand = _seed_relations(ctx)
    seeds = np.asarray(ctx.r.linked, dtype=np.int64)
    inside = np.isin(rels.source[cand], seeds) & np.isin(rels.target[cand], seeds)
    inside &= rels.source[cand] != rels.target[cand]
    between = _evidence_of(ctx, cand[inside]) if cand.size else []
    pool = list(dict.fromkeys([*between[:MAX_EVIDENCE], *ctx.cands]))
    both = len(ctx.key_sets) >= 2
    asks_contrast = bool(_CONTRAST_Q.search(match_key(ctx.qa.question)))

    def score(s: str, k: str, rank: int, c: int) -> float:
        named = ctx.mentions(k)
        if named == 1 and ctx.about(c):  # 「它與 BPE 非常相似」 in the section about the other side
            named = 2
        if both and named < 2:
            return 0.0
        contrast = 0.8 if asks_contrast and _COMPARE.search(k) else 0.0
        return 1.0 * named + 1.0 * ctx.overlap(s) + 0.4 / (1 + rank) + contrast

    if both and _best(ctx, draft, score, chunks=pool, keep=2, floor=2.2):
        return True
    # No sentence names both: one defining sentence for each side.
    ok = False
    for ks in ctx.key_sets[:2]:
        sub = _Ctx(ctx.index, ctx.r, ctx.qa, ctx.cands, ks, [ks], ctx.idf, ctx._texts)
        ok = _definition(sub, draft) or ok
    return ok


def _how(ctx: _Ctx, draft: Draft) -> bool:
    def score(s: str, k: str, rank: int, c: int) -> float:
        named = ctx.mentions(k)
        return (
            0.8 * min(named, 1) + (1.0 if _HOW.search(k) else 0.0) + 1.5 * ctx.overlap(s) + 0.4 / (1 + rank)
        )

    return _best(ctx, draft, score, keep=3, floor=1.6, in_order=True)


def documents_naming(index: SearchIndex, keys: Iterable[str], entities: Iterable[int]) -> dict[int, int]:
    """Document index → a chunk naming any of ``keys`` (match keys) or ``entities``: every one, searched.

    Candidate chunks are those holding every token of a key (a column slice of the BM25
    matrix, so no table scan), confirmed by finding the key in the chunk's folded text.
    """
    found: dict[int, int] = {}
    for e in entities:
        for c in index.presence[:, e].indices:
            found.setdefault(int(index.chunk_doc[int(c)]), int(c))
    weights = index.bm25.weights
    for key in keys:
        toks = [t for t in dict.fromkeys(tokens(key, folded=True)) if len(t) >= 2 or t.isascii()]
        cols = [j for t in toks if (j := index.bm25.vocab.get(t)) is not None]
        if not toks or len(cols) < len(toks):
            continue
        rows: np.ndarray | None = None
        for j in cols:
            col = weights.indices[weights.indptr[j] : weights.indptr[j + 1]]
            rows = col if rows is None else np.intersect1d(rows, col, assume_unique=True)
        if rows is None or rows.size == 0:
            continue
        todo = [int(c) for c in rows if int(index.chunk_doc[int(c)]) not in found]
        texts = index.chunk_texts.many(todo) if todo else []
        for c, text in zip(todo, texts, strict=True):
            d = int(index.chunk_doc[c])
            if d not in found and key in match_key(text):
                found[d] = c
    return found


def parenthetical_aliases(texts: Iterable[str], keys: Sequence[str]) -> list[str]:
    """Names the documents give the target in parentheses: 「生成對抗網路（GAN）」, 「GAN（生成對抗網路）」.

    A document that spells out an abbreviation names the same thing, even where the graph
    never linked the two names; the found names are searched like the target's own keys.
    """
    out: list[str] = []
    for text in texts:
        k = match_key(text)
        for key in keys:
            if not key.isascii():
                continue
            esc = re.escape(key)
            for m in re.finditer(rf"([{_HAN}]{{2,8}})\({esc}\)", k):
                out.append(m.group(1))
            for m in re.finditer(rf"(?<![a-z0-9]){esc}\(([{_HAN}]{{2,12}})\)", k):
                out.append(m.group(1))
    return [a for a in dict.fromkeys(out) if a not in keys]


def _corpus(ctx: _Ctx, draft: Draft) -> bool:
    if not ctx.key_sets:
        return False
    index = ctx.index
    found = documents_naming(index, ctx.keys, ctx.r.linked)
    if not found:
        return False
    ctx.prefetch(found.values())
    aliases = parenthetical_aliases((ctx.text(c) for c in found.values()), ctx.keys)
    for d, c in documents_naming(index, aliases, ()).items():
        found.setdefault(d, c)
    untexted: set[int] = set()  # named only outside the chunk text: listed and counted, not cited
    if ctx.outside is not None:
        pos = {doc_id: d for d, doc_id in enumerate(index.doc_ids)}
        keys = list(dict.fromkeys([*ctx.keys, *(match_key(a) for a in aliases)]))
        for doc_id in ctx.outside(keys, {index.doc_ids[d] for d in found}):
            at = pos.get(doc_id)
            if at is not None and at not in found:
                untexted.add(at)
    docs = sorted([*found, *untexted], key=lambda d: index.doc_paths[d])
    names = "、".join(dict.fromkeys(_surface(ctx, i) for i in range(len(ctx.key_sets))))
    if ctx.qa.english:
        draft.add(f"{len(docs)} documents mention {names}:", None)
    else:
        draft.add(f"共 {len(docs)} 份文件提到 {names}：", None)
    ctx.prefetch(found[d] for d in docs[:MAX_DOCS] if d in found)
    for n, d in enumerate(docs):
        path = index.doc_paths[d]
        draft.documents.append(path)
        if n >= MAX_DOCS:
            continue
        if d in untexted:
            title = index.doc_titles[d] or path
            note = "named only in a component's attributes" if ctx.qa.english else "只在元件屬性中提到"
            draft.add(f"- 《{title}》（{path}）：（{note}）", None)
            continue
        c = found[d]
        title = index.doc_titles[d] or path
        line = next((s for s in sentences(ctx.text(c)) if ctx.mentions(match_key(s))), "")
        desc = clean_quote(line)
        if len(desc) > 80:
            desc = desc[:79] + "…"
        text = f"- 《{title}》（{path}）" + (f"：{desc}" if desc and desc != title else "")
        draft.add(text, c if n < ctx.cite_docs else None, line)
    if len(docs) > MAX_DOCS:
        draft.add(f"- …（另 {len(docs) - MAX_DOCS} 份）", None)
    return True


def _surface(ctx: _Ctx, i: int) -> str:
    """How to name target ``i`` in a heading: the linked entity's name, else the question's wording."""
    if i < len(ctx.r.linked):
        return ctx.index.entity_names[ctx.r.linked[i]]
    rest = [t for t in ctx.qa.targets if match_key(t) in ctx.key_sets[i]]
    return rest[0] if rest else ctx.key_sets[i][0]


def _generic(ctx: _Ctx, draft: Draft) -> bool:
    def score(s: str, k: str, rank: int, c: int) -> float:
        return ctx.overlap(s) + 0.5 * ctx.mentions(k) + 0.2 / (1 + rank)

    return _best(ctx, draft, score, keep=3, floor=0.2)


BUILDERS: dict[str, Callable[[_Ctx, Draft], bool]] = {
    "definition": _definition,
    "list": _list,
    "who": _who,
    "number": lambda ctx, d: _number(ctx, d, date=False),
    "when": lambda ctx, d: _number(ctx, d, date=True),
    "relation": _relation,
    "how": _how,
    "corpus": _corpus,
}


def draft_answer(
    index: SearchIndex,
    r: Retrieval,
    qa: QuestionAnalysis,
    *,
    cite_docs: int = CITED_DOCS,
    outside: OutsideSearch | None = None,
) -> Draft:
    """The kind's extractive answer; the best-matching sentences when the kind finds nothing.

    ``cite_docs``: a corpus-wide answer cites this many documents' chunks and lists the rest.
    ``outside``: for corpus-wide answers, finds documents naming the target in text no chunk holds.
    """
    draft = Draft()
    if not r.chunks and qa.kind != "corpus":
        return draft
    ctx = build_context(index, r, qa)
    ctx.cite_docs = cite_docs
    ctx.outside = outside
    builder = BUILDERS.get(qa.kind)
    if builder is not None and builder(ctx, draft):
        return draft
    draft = Draft()
    _generic(ctx, draft)
    return draft


__all__ = [
    "BUILDERS",
    "Draft",
    "OutsideSearch",
    "clean_quote",
    "documents_naming",
    "draft_answer",
    "sentences",
]
