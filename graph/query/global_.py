"""Global search: map-reduce over community reports, for corpus-wide questions.

Four kinds of corpus-wide question, each answered from what sees the whole corpus:

* **which documents** (「哪些文件提到 LoRA？」): every document mentioning the
  named entities, those mentioning more of them and matching the question
  better first, each cited by its most relevant chunk;
* **which entities of a kind** (「最常被討論的本地推論工具有哪些？」): entities of the
  asked type (tool, model, hardware, organisation, person, data set) ranked by how much
  the chunks mentioning them match the question, each cited by its best chunk;
* **overview** (「這些文章整體在談什麼？」): the most central entities of the whole
  graph plus the main themes, found by walking down the community hierarchy
  from the roots (splitting the largest community into its children) until
  there are enough themes; each theme is cited by its representative chunk, in
  the document holding most mentions of its members;
* anything else: **map** scores every report of the finest level against the
  question (BM25 over the report text, membership of the named entities, report
  rank) and **reduce** keeps the best ones, each cited by the member chunk that
  best matches the question.

Every cited chunk is an index into the loaded chunk table, so citations are real.
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np

from graph.query.base import Line, Retrieval, normalise, select_chunks
from graph.query.index import SearchIndex
from graph.query.local import link_entities
from graph.query.tokenize import fold, tokens

MAX_LEVEL_SIZE = 12
MAX_DOC_LINES = 40
CENTRAL_ENTITIES = 8

ASKS_DOCS = re.compile(
    r"哪些(文件|檔案|文章|筆記|資料(?!集)|來源|篇|活動)|哪幾(篇|份|期)|哪(一)?(篇|份)|在哪些"
    r"|\bwhich (documents|articles|posts|files|notes|sources)\b|\bin which\b|\bwhere is\b.*\bmentioned\b"
)
OVERVIEW = re.compile(
    r"整體|總體|總結|總覽|概述|概覽|主題|主要(在)?(談|講|說|介紹)|在(談|講|說)什麼|重點|"
    r"\boverall\b|\boverview\b|\bsummar|\bmain (themes|topics|points)\b|\bwhat topics\b|\bthemes?\b|\babout\b"
)
_LIST = re.compile(r"哪些|有哪|哪幾|列出|列舉|\bwhich\b|\bwhat\b|\blist\b")
# Type words, matched on the folded question; the one nearest the end is the head noun.
TYPE_WORDS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"工具|框架|套件|函式庫|引擎|軟體|平台|\btools?\b|\bframeworks?\b|\blibrar(y|ies)\b"),
        "TOOL",
    ),
    (re.compile(r"模型|\bmodels?\b|\bllms?\b"), "MODEL"),
    (re.compile(r"硬體|顯示卡|顯卡|晶片|設備|裝置|\bhardware\b|\bgpus?\b|\bdevices?\b"), "HARDWARE"),
    (
        re.compile(
            r"組織|公司|單位|機構|團隊|廠商|\borgani[sz]ations?\b|\bcompan(y|ies)\b|\binstitutions?\b"
        ),
        "ORG",
    ),
    (re.compile(r"講者|作者|人物|哪些人|\bpeople\b|\bspeakers?\b|\bauthors?\b|\bpersons?\b"), "PERSON"),
    (
        re.compile(r"資料集|數據集|評測集|測試集|基準|\bbenchmarks?\b|\bdata ?sets?\b"),
        "DATASET",
    ),
)


def _q(question: str) -> str:
    return fold(unicodedata.normalize("NFKC", question))


def asks_documents(question: str) -> bool:
    return bool(ASKS_DOCS.search(_q(question)))


def is_overview(question: str) -> bool:
    return bool(OVERVIEW.search(_q(question)))


def asked_type(question: str) -> str | None:
    """The entity type a list question asks for (「…工具有哪些」→ TOOL), or None."""
    q = _q(question)
    if not _LIST.search(q) or asks_documents(question):
        return None
    best: tuple[int, str] | None = None
    for pat, typ in TYPE_WORDS:
        for m in pat.finditer(q):
            if best is None or m.end() > best[0]:
                best = (m.end(), typ)
    return best[1] if best else None


def choose_level(index: SearchIndex, level: int | None = None) -> int | None:
    """``level`` if it exists, else the finest level with at most ``MAX_LEVEL_SIZE`` communities."""
    levels = index.levels()
    if not levels:
        return None
    if level is not None and level in levels:
        return level
    counts = {lv: sum(1 for c in index.communities if int(c.level) == lv) for lv in levels}
    for lv in levels:
        if counts[lv] <= MAX_LEVEL_SIZE:
            return lv
    return levels[-1]


def _title(index: SearchIndex, d: int) -> str:
    return f"《{index.doc_titles[d] or index.doc_paths[d]}》（{index.doc_paths[d]}）"


def _doc_lines(index: SearchIndex, seeds: list[int], rel: np.ndarray, limit: int) -> list[Line]:
    """Documents mentioning the named entities, each cited by its best chunk.

    Documents mentioning more of the entities come first, then those whose
    best chunk matches the question better; within a document the chunk is the
    one mentioning most of the entities and matching the question best.
    """
    if not seeds:
        return []
    sub = index.presence[:, seeds].tocoo()
    if sub.nnz == 0:
        return []
    hits = np.bincount(sub.row, minlength=len(index.chunk_ids)).astype(np.float32)
    chunk_ids = np.flatnonzero(hits > 0)
    # Distinct named entities per document (an entity in two chunks counts once).
    pair = index.chunk_doc[sub.row].astype(np.int64) * len(seeds) + sub.col
    coverage = np.bincount(np.unique(pair) // len(seeds), minlength=len(index.doc_ids))
    score = hits[chunk_ids] / len(seeds) + rel[chunk_ids]
    # Each document's best chunk (the first one on ties), without a Python loop over the chunks:
    # a common entity is mentioned in a large share of them.
    in_doc = index.chunk_doc[chunk_ids]
    order = np.lexsort((chunk_ids, -score, in_doc))
    first = order[np.r_[True, in_doc[order][1:] != in_doc[order][:-1]]]
    best = {
        int(d): (s, int(c))
        for d, s, c in zip(
            in_doc[first].tolist(), score[first].tolist(), chunk_ids[first].tolist(), strict=True
        )
    }
    docs = sorted(best, key=lambda d: (-int(coverage[d]), -best[d][0], index.doc_paths[d]))[:limit]
    # Above any other line (at most 2.95): for "which documents…" the documents are the answer.
    return [
        Line(_title(index, d), best[d][1], 3.0 + float(coverage[d]) + 0.5 * best[d][0], "doc") for d in docs
    ]


_GROUP = re.compile(r"[「『“\"]|這幾|這些|各(期|篇)|每(期|篇)|系列|\bseries\b|\bissues\b|\bposts\b")


def _scope_lines(index: SearchIndex, question: str, rel: np.ndarray, limit: int) -> list[Line]:
    """Documents whose titles the question names as a group ("這幾期週報"), each cited by its best chunk.

    Only when several titles match about equally well: one strongly matching
    title is a local question, not a scope.
    """
    if not _GROUP.search(_q(question)):
        return []
    title = index.title_bm25.scores(tokens(question))
    if title.size == 0 or float(title.max()) <= 0:
        return []
    docs = [int(d) for d in np.flatnonzero(title >= 0.8 * float(title.max()))]
    if len(docs) < 2 or len(docs) > max(limit, 3) * 2:
        return []
    lines = []
    for d in sorted(docs, key=lambda d: (-float(title[d]), index.doc_paths[d]))[:limit]:
        in_doc = np.flatnonzero(index.chunk_doc == d)
        if in_doc.size == 0:
            continue
        best = int(in_doc[np.argmax(rel[in_doc])])
        lines.append(Line(_title(index, d), best, 3.0, "doc"))
    return lines


def _best_chunk(index: SearchIndex, cols: list[int], rel: np.ndarray, used: set[int]) -> int | None:
    """The chunk to cite for entities ``cols``: relevant to the question, mentioning many of them.

    The document is the one holding most mentions of ``cols`` (weighted by the
    chunks' relevance), preferring one not cited yet; the chunk is that document's best.
    """
    if not cols:
        return None
    sub = index.entity_counts[:, cols]
    mentions = np.asarray(sub.sum(axis=1)).ravel()
    cand = np.flatnonzero(mentions > 0)
    if cand.size == 0:
        return None
    m = mentions[cand] / float(mentions[cand].max())
    score = m * (0.2 + rel[cand])
    docs = index.chunk_doc[cand]
    per_doc = np.bincount(docs, weights=score)
    order = np.flatnonzero(per_doc > 0)
    order = order[np.lexsort((order, -per_doc[order]))]
    fresh = next((int(d) for d in order.tolist() if d not in used), None)
    doc = fresh if fresh is not None and per_doc[fresh] >= 0.3 * per_doc[order[0]] else int(order[0])
    in_doc = docs == doc
    return int(cand[in_doc][np.argmax(score[in_doc])])


def _members(index: SearchIndex, ci: int) -> list[int]:
    mem = index.membership()
    return [int(e) for e in mem.indices[mem.indptr[ci] : mem.indptr[ci + 1]]]


def theme_communities(index: SearchIndex, want: int) -> list[int]:
    """Main themes: from the roots, split the largest community into its children until ``want`` themes.

    Communities of one or two entities are not themes unless nothing else is left.
    """
    if not index.communities:
        return []
    by_id = {str(c.id): i for i, c in enumerate(index.communities)}
    children: dict[int, list[int]] = {}
    roots: list[int] = []
    for i, c in enumerate(index.communities):
        p = by_id.get(c.parent)
        if p is None:
            roots.append(i)
        else:
            children.setdefault(p, []).append(i)
    size = [len(c.entity_ids) for c in index.communities]
    frontier = list(roots)
    while True:
        themes = [i for i in frontier if size[i] >= 3]
        if len(themes) >= want:
            break
        splittable = [i for i in frontier if len(children.get(i, [])) > 1]
        if not splittable:
            break
        big = max(splittable, key=lambda i: (size[i], -i))
        frontier.remove(big)
        frontier.extend(children[big])
    themes = [i for i in frontier if size[i] >= 3] or frontier
    return sorted(themes, key=lambda i: (-float(index.communities[i].rank), i))


def _map_reports(index: SearchIndex, question: str, seeds: list[int], level: int) -> list[tuple[int, float]]:
    """Map: every report of ``level`` scored against the question, best first."""
    idx, bm = index.reports_bm25(level)
    if not idx:
        return []
    rel = normalise(bm.scores(tokens(question)))
    if seeds:
        member = np.asarray(index.membership()[seeds][:, idx].sum(axis=0)).ravel()
    else:
        member = np.zeros(len(idx), dtype=np.float32)
    ranks = normalise(np.asarray([float(index.communities[i].rank) for i in idx], dtype=np.float32))
    score = 1.5 * rel + 1.0 * normalise(member) + 0.4 * ranks
    order = np.lexsort((np.asarray(idx), -score))
    return [(idx[j], float(score[j])) for j in order]


def _type_lines(index: SearchIndex, typ: str, rel: np.ndarray, limit: int, used: set[int]) -> list[Line]:
    cand = [i for i, t in enumerate(index.entity_types) if t == typ]
    if not cand:
        return []
    pres = index.presence[:, cand]
    n_chunks = np.asarray(pres.sum(axis=0)).ravel()
    relevance = np.asarray(pres.T @ rel).ravel()
    score = normalise(relevance) + 0.5 * normalise(np.log1p(n_chunks).astype(np.float32))
    order = [j for j in np.lexsort((np.asarray(cand), -score)) if n_chunks[j] > 0][:limit]
    lines = []
    for rank, j in enumerate(order):
        e = cand[int(j)]
        chunk = _best_chunk(index, [e], rel, used)
        if chunk is None:
            continue
        used.add(int(index.chunk_doc[chunk]))
        n_docs = np.unique(index.chunk_doc[pres[:, int(j)].indices]).size
        lines.append(
            Line(f"{index.entity_names[e]}（出現在 {n_docs} 份文件）", chunk, 2.95 - 0.01 * rank, "entity")
        )
    return lines


def central_entities(index: SearchIndex, n: int = CENTRAL_ENTITIES) -> list[int]:
    """The ``n`` entities with the highest weighted degree in the whole graph."""
    strength = index.strength()
    if strength.size == 0:
        return []
    top = np.lexsort((np.arange(strength.size), -strength))[:n]
    return [int(e) for e in top if strength[e] > 0]


def global_search(index: SearchIndex, question: str, k: int = 5, level: int | None = None) -> Retrieval:
    seeds = link_entities(index, question)
    rel = normalise(index.bm25.scores(tokens(question)))
    used: set[int] = set()
    doc_lines = _doc_lines(index, seeds, rel, MAX_DOC_LINES) or _scope_lines(
        index, question, rel, MAX_DOC_LINES
    )
    for ln in doc_lines[:k]:
        used.add(int(index.chunk_doc[ln.chunk]))
    lines: list[Line] = list(doc_lines)
    ents = list(seeds)
    typ = asked_type(question) if not doc_lines else None
    if typ is not None:
        tl = _type_lines(index, typ, rel, max(k, 6), used)
        lines.extend(tl)
    overview = not seeds and not doc_lines and typ is None and is_overview(question)
    if overview:
        # Cited by a theme's chunk (chosen below), so every citation slot goes to a theme.
        top = central_entities(index)
        ents.extend(e for e in top if e not in ents)
        ranked = [(ci, 2.9 - 0.01 * r) for r, ci in enumerate(theme_communities(index, k))]
        comm_rel = np.zeros_like(rel)
    else:
        levels = index.levels()
        lv = level if level is not None and level in levels else (levels[0] if levels else None)
        ranked = _map_reports(index, question, seeds, lv) if lv is not None else []
        comm_rel = rel
    comm_ids: list[int] = []
    for ci, score in ranked:
        if len(comm_ids) >= k:
            break
        members = _members(index, ci)
        chunk = _best_chunk(index, members, comm_rel, used)
        if chunk is None:
            continue
        used.add(int(index.chunk_doc[chunk]))
        c = index.communities[ci]
        comm_ids.append(ci)
        lines.append(Line(f"{c.title}：{c.summary}", chunk, min(float(score), 2.9), "report"))
    if overview and ents and comm_ids:
        theme_chunks = [ln.chunk for ln in lines if ln.kind == "report"]
        cover = np.asarray((index.chunk_entity[theme_chunks][:, ents] > 0).sum(axis=1)).ravel()
        names = "、".join(index.entity_names[e] for e in ents)
        lines.append(
            Line(
                f"整體而言，這些文件最常圍繞的核心實體是：{names}",
                theme_chunks[int(np.argmax(cover))],
                0.0,
                "central",
            )
        )
    chunks: list[tuple[int, float]] = []
    seen: set[int] = set()
    for ln in sorted(lines, key=lambda ln: -ln.score):
        if ln.chunk not in seen:
            seen.add(ln.chunk)
            chunks.append((ln.chunk, ln.score))
    if not chunks:
        chunks = select_chunks(index, rel, k)
    for ci in comm_ids:
        for e in (index.communities[ci].report or {}).get("entities", [])[:3]:
            ei = index.entity_index.get(e["id"])
            if ei is not None and ei not in ents:
                ents.append(ei)
    note = "" if index.communities else "no communities in this workspace"
    return Retrieval(
        "global", chunks, linked=seeds, entities=ents, communities=comm_ids, lines=lines, note=note
    )


__all__ = [
    "asked_type",
    "asks_documents",
    "central_entities",
    "choose_level",
    "global_search",
    "is_overview",
    "theme_communities",
]
