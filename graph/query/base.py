"""What every retrieval mode returns, and small ranking helpers they share."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from graph.query.index import SearchIndex


@dataclass
class Line:
    """One line of an extractive answer and the chunk that backs it."""

    text: str
    chunk: int  # chunk index
    score: float = 0.0
    kind: str = ""  # doc | entity | central | report | relation ("" = unspecified)


@dataclass
class Retrieval:
    mode: str
    chunks: list[tuple[int, float]]  # (chunk index, score), best first
    linked: list[int] = field(default_factory=list)  # entity indices named in the question
    entities: list[int] = field(default_factory=list)  # evidence subgraph
    relations: list[int] = field(default_factory=list)
    communities: list[int] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)  # pre-written answer lines (relations, reports)
    note: str = ""  # why this mode (router) or what fell back


def normalise(scores: np.ndarray) -> np.ndarray:
    top = float(scores.max()) if scores.size else 0.0
    return scores / top if top > 0 else scores


def select_chunks(
    index: SearchIndex, scores: np.ndarray, k: int, *, per_doc: int = 2, pool: int = 200
) -> list[tuple[int, float]]:
    """Best ``k`` chunks with at most ``per_doc`` from one document (so several documents show up)."""
    from graph.query.bm25 import top_k

    cand = top_k(scores, max(pool, k))
    out: list[tuple[int, float]] = []
    per: dict[int, int] = {}
    for c in cand:
        d = int(index.chunk_doc[c])
        if per.get(d, 0) >= per_doc:
            continue
        per[d] = per.get(d, 0) + 1
        out.append((int(c), float(scores[c])))
        if len(out) >= k:
            break
    return out


def passage_rankings(
    index: SearchIndex, bm: np.ndarray, seeds: list[int], pool: int = 100
) -> list[list[int]]:
    """The two chunk rankings local and hybrid search fuse: the question's BM25 (``bm``), and the
    chunks naming most of the linked ``seeds`` (BM25 breaking ties), which finds a passage that names
    an entity only by an alias or in the other script."""
    from graph.query.bm25 import top_k

    rankings = [list(top_k(bm, pool))]
    if seeds and len(index.chunk_ids):
        cov = np.asarray(index.presence[:, seeds].sum(axis=1)).ravel()
        rankings.append(list(top_k(cov + 1e-3 * bm / (float(bm.max()) or 1.0) * (cov > 0), pool)))
    return rankings


def rrf(rankings: list[list[int]], n: int, k: float = 60.0) -> np.ndarray:
    """Reciprocal-rank fusion of several rankings of ``n`` items."""
    fused = np.zeros(n, dtype=np.float32)
    for ranking in rankings:
        for r, i in enumerate(ranking):
            fused[i] += 1.0 / (k + r + 1)
    return fused


__all__ = ["Line", "Retrieval", "normalise", "passage_rankings", "rrf", "select_chunks"]
