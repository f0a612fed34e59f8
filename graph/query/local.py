"""Local search: entities named in the question, their neighbourhood, and the chunks that tie them together.

Scoring is vectorised over all chunks at once: how many of the question's
entities a chunk mentions (the strongest signal for relation questions), the
weight of their graph neighbours it mentions, BM25 for the words around the
names, and a bonus for chunks that are evidence of a relation between them.
"""

from __future__ import annotations

import numpy as np

from graph.build.reports import relation_phrase, zh_tw
from graph.query.base import Line, Retrieval, normalise, select_chunks
from graph.query.index import SearchIndex
from graph.query.tokenize import tokens

MAX_NEIGHBOURS = 20
# Weights of the question's words (BM25, normalised) and of the share of its entities a chunk names.
# Entities are a strong signal but not the answer: with words at half weight, any chunk that
# merely names the entity (a course index, a changelog line) outranked the section answering.
LEXICAL = 1.0
COVERAGE = 0.8


def link_entities(index: SearchIndex, question: str) -> list[int]:
    return [index.entity_index[lk.entity_id] for lk in index.linker.link(question)]


def neighbours(index: SearchIndex, seeds: list[int], limit: int = MAX_NEIGHBOURS) -> dict[int, float]:
    """Entities one hop from ``seeds`` with their summed relation weight, strongest first."""
    if not seeds or index.adjacency.shape[0] == 0:
        return {}
    row = np.asarray(index.adjacency[seeds].sum(axis=0)).ravel()
    row[seeds] = 0.0
    nz = np.flatnonzero(row > 0)
    order = nz[np.lexsort((nz, -row[nz]))][:limit]
    return {int(i): float(row[i]) for i in order}


def local_search(index: SearchIndex, question: str, k: int = 5, seeds: list[int] | None = None) -> Retrieval:
    seeds = link_entities(index, question) if seeds is None else seeds
    n = len(index.chunk_ids)
    bm = normalise(index.bm25.scores(tokens(question)))
    if not seeds or n == 0:
        chunks = select_chunks(index, bm, k)
        return Retrieval("local", chunks, note="no entity named in the question: ranked by BM25 only")
    nbrs = neighbours(index, seeds)
    present = index.presence
    coverage = np.asarray(present[:, seeds].sum(axis=1)).ravel() / len(seeds)
    score = LEXICAL * bm + COVERAGE * coverage
    if nbrs:
        ids = list(nbrs)
        w = np.asarray([nbrs[i] for i in ids], dtype=np.float32)
        w = w / w.max()
        near = np.asarray(present[:, ids] @ w).ravel()
        score += 0.25 * np.minimum(near, 1.0) * (coverage > 0)

    seed_set = set(seeds)
    # The seeds' relations, those between two seeds and heavier ones first; on arrays, as a hub
    # entity of a large corpus has thousands of relations.
    rels = index.relations
    cand = np.unique(np.concatenate([index.relations_of.row(s) for s in seeds]))
    between = np.isin(rels.source[cand], seeds) & np.isin(rels.target[cand], seeds)
    rel_score = np.where(between, 2.0, 1.0) * (1.0 + np.log1p(rels.weight[cand]))
    rel_ids = [int(ri) for ri in cand[np.lexsort((cand, -rel_score))][:12]]
    for ri in rel_ids:
        rel = index.relations[ri]
        both = rel.source in seed_set and rel.target in seed_set
        for c in rel.evidence:
            score[c] += 0.6 if both else 0.15
    chunks = select_chunks(index, score, k)

    lines: list[Line] = []
    for ri in rel_ids:
        rel = index.relations[ri]
        if not (rel.source in seed_set and rel.target in seed_set) and len(seeds) > 1:
            continue
        if not rel.evidence:
            continue
        ev_chunk = rel.evidence[0]
        text = relation_phrase(
            rel.type, zh_tw(index.entity_names[rel.source]), zh_tw(index.entity_names[rel.target])
        )
        lines.append(Line(text, ev_chunk, 1.0))
        if len(lines) >= 3:
            break

    seed_comms: dict[int, int] = {}
    for s in seeds:
        for ci in index.communities_of.get(index.entity_ids[s], []):
            if int(index.communities[ci].level) == 0:
                seed_comms[ci] = seed_comms.get(ci, 0) + 1
    comms = sorted(seed_comms, key=lambda ci: (-seed_comms[ci], -float(index.communities[ci].rank), ci))
    entities = list(dict.fromkeys([*seeds, *list(nbrs)[:8]]))
    return Retrieval(
        "local",
        chunks,
        linked=seeds,
        entities=entities,
        relations=rel_ids,
        communities=comms[:3],
        lines=lines,
    )


__all__ = ["link_entities", "local_search", "neighbours"]
