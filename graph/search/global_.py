"""Global search: map-reduce over the community reports of one level, for corpus-wide questions.

Map scores every report of the chosen level against the question (BM25 over
report text plus membership of the entities the question names); generic
questions ("這些文章整體在談什麼？") match nothing specific, so report rank
decides. Reduce keeps the best reports and turns each into one answer line
backed by the chunk of its strongest evidence sentence. When the question names
entities ("哪些文件提到 LoRA？") the documents mentioning them are listed too.
"""

from __future__ import annotations

import numpy as np

from graph.search.base import Line, Retrieval, normalise
from graph.search.index import SearchIndex
from graph.search.local import link_entities
from graph.search.tokenize import tokens

MAX_LEVEL_SIZE = 12


def choose_level(index: SearchIndex, level: int | None = None) -> int | None:
    """``level`` if it exists, else the finest level with at most ``MAX_LEVEL_SIZE`` communities."""
    levels = index.levels()
    if not levels:
        return None
    if level is not None and level in levels:
        return level
    counts = {lv: sum(1 for c in index.communities if int(c["level"]) == lv) for lv in levels}
    for lv in levels:
        if counts[lv] <= MAX_LEVEL_SIZE:
            return lv
    return levels[-1]


def _doc_lines(index: SearchIndex, seeds: list[int], limit: int) -> list[Line]:
    """Documents mentioning the named entities (all of them first), one line each, cited by a chunk."""
    if not seeds:
        return []
    present = index.presence[:, seeds]
    hits = np.asarray(present.sum(axis=1)).ravel()
    chunk_ids = np.flatnonzero(hits > 0)
    best: dict[int, tuple[float, int]] = {}
    for c in chunk_ids:
        d = int(index.chunk_doc[c])
        prev = best.get(d)
        if prev is None or hits[c] > prev[0]:
            best[d] = (float(hits[c]), int(c))
    docs = sorted(best, key=lambda d: (-best[d][0], index.doc_paths[d]))[:limit]
    lines = []
    for d in docs:
        title = index.doc_titles[d] or index.doc_paths[d]
        # Above any report score (at most 2.9): for "which documents…" the documents are the answer.
        lines.append(Line(f"《{title}》（{index.doc_paths[d]}）", best[d][1], 3.0 + best[d][0]))
    return lines


def _scope_lines(index: SearchIndex, question: str, limit: int) -> list[Line]:
    """Documents whose titles the question names as a group ("這幾期週報"), each cited by its best chunk.

    Only when several titles match about equally well: one strongly matching
    title is a local question, not a scope.
    """
    q = tokens(question)
    title = index.title_bm25().scores(q)
    if title.size == 0 or float(title.max()) <= 0:
        return []
    docs = [int(d) for d in np.flatnonzero(title >= 0.8 * float(title.max()))]
    if len(docs) < 2 or len(docs) > max(limit, 3) * 2:
        return []
    chunk_scores = index.bm25.scores(q)
    lines = []
    for d in sorted(docs, key=lambda d: (-float(title[d]), index.doc_paths[d]))[:limit]:
        in_doc = np.flatnonzero(index.chunk_doc == d)
        if in_doc.size == 0:
            continue
        best = int(in_doc[np.argmax(chunk_scores[in_doc])])
        lines.append(Line(f"《{index.doc_titles[d]}》（{index.doc_paths[d]}）", best, 3.0))
    return lines


def global_search(index: SearchIndex, question: str, k: int = 5, level: int | None = None) -> Retrieval:
    seeds = link_entities(index, question)
    doc_lines = _doc_lines(index, seeds, limit=max(k, 8)) or _scope_lines(index, question, limit=max(k, 8))
    lv = choose_level(index, level)
    comm_ids: list[int] = []
    report_lines: list[Line] = []
    if lv is not None:
        idx, bm = index.reports_bm25(lv)
        rel = normalise(bm.scores(tokens(question)))
        seed_ids = {index.entity_ids[s] for s in seeds}
        member = np.asarray(
            [len(seed_ids.intersection(index.communities[i]["entity_ids"])) for i in idx], dtype=np.float32
        )
        ranks = normalise(np.asarray([float(index.communities[i]["rank"]) for i in idx], dtype=np.float32))
        score = 1.5 * rel + 1.0 * normalise(member) + 0.4 * ranks
        order = sorted(range(len(idx)), key=lambda j: (-float(score[j]), idx[j]))
        for j in order[:k]:
            c = index.communities[idx[j]]
            sents = (c.get("report") or {}).get("sentences", [])
            chunk = next(
                (index.chunk_index[s["chunk_id"]] for s in sents if s["chunk_id"] in index.chunk_index), None
            )
            if chunk is None:
                continue
            comm_ids.append(idx[j])
            report_lines.append(Line(f"{c['title']}：{c['summary']}", chunk, float(score[j])))
    chunks: list[tuple[int, float]] = []
    seen: set[int] = set()
    for ln in [*doc_lines, *report_lines]:
        if ln.chunk not in seen:
            seen.add(ln.chunk)
            chunks.append((ln.chunk, ln.score))
    chunks.sort(key=lambda t: -t[1])
    if not chunks:
        from graph.search.base import select_chunks

        chunks = select_chunks(index, index.bm25.scores(tokens(question)), k)
    ents = list(seeds)
    for ci in comm_ids:
        for e in (index.communities[ci].get("report") or {}).get("entities", [])[:3]:
            ei = index.entity_index.get(e["id"])
            if ei is not None and ei not in ents:
                ents.append(ei)
    return Retrieval(
        "global",
        chunks,
        linked=seeds,
        entities=ents,
        communities=comm_ids,
        lines=[*doc_lines, *report_lines],
        note="" if lv is not None else "no communities in this workspace",
    )


__all__ = ["choose_level", "global_search"]
