"""Hybrid chunk search: BM25 fused (reciprocal rank) with entity-mention ranking and, if set, dense vectors.

BM25 alone misses a chunk that names the entity only by an alias or in another
script; the entity ranking (chunks mentioning the linked entities) covers that,
and RRF combines rankings without having to calibrate their scores.
"""

from __future__ import annotations

from graph.query.base import Retrieval, passage_rankings, rrf, select_chunks
from graph.query.bm25 import top_k
from graph.query.index import SearchIndex
from graph.query.local import link_entities
from graph.query.tokenize import tokens

POOL = 100


def hybrid_search(
    index: SearchIndex, question: str, k: int = 5, *, embedding_model: str = "", device: str = "cpu"
) -> Retrieval:
    n = len(index.chunk_ids)
    bm = index.bm25.scores(tokens(question))
    seeds = link_entities(index, question)
    rankings = passage_rankings(index, bm, seeds, POOL)
    if embedding_model and n:
        from graph.query.dense import dense_scores

        rankings.append(list(top_k(dense_scores(index, question, embedding_model, device) + 1.0, POOL)))
    fused = rrf(rankings, n)
    chunks = select_chunks(index, fused, k)
    ents = list(seeds)
    for c, _ in chunks:
        for e in index.chunk_entity[c].indices[:5]:
            if int(e) not in ents:
                ents.append(int(e))
    return Retrieval("hybrid", chunks, linked=seeds, entities=ents[:15])


def bm25_baseline(index: SearchIndex, question: str, k: int = 5) -> Retrieval:
    """Plain BM25 chunk retrieval (no per-document cap, no graph): the evaluation baseline."""
    bm = index.bm25.scores(tokens(question))
    return Retrieval("bm25", [(int(c), float(bm[c])) for c in top_k(bm, k)])


__all__ = ["bm25_baseline", "hybrid_search"]
