"""Local search: entities named in the question, their neighbourhood, and the chunks that tie them together.

Chunks are ranked by reciprocal-rank fusion of the question's BM25 and the
chunks naming most of the linked entities (:func:`graph.query.base.passage_rankings`).
The graph supplies what chunk ranking cannot: the entities' neighbours, their
typed relations with evidence (between two named entities first) and community
reports, which the answer writer reads for relation, list and who questions.

Graph signals used to be added to the chunk score (neighbours named, relation
evidence per relation). On real course text that ranked hub chunks first: a course
index names every neighbour and is evidence of many relations, so it outranked the
section answering the question, and retrieval lost to plain BM25 on who, number
and list questions. Measured on the tuned questions, fusing the two passage
rankings did better than any weighting of those signals, so they now only shape
the evidence, not the chunk order.
"""

from __future__ import annotations

import numpy as np

from graph.build.reports import relation_phrase, zh_tw
from graph.query.base import Line, Retrieval, passage_rankings, rrf, select_chunks
from graph.query.index import SearchIndex
from graph.query.tokenize import tokens

MAX_NEIGHBOURS = 20
POOL = 100  # chunks taken from each ranking before fusion


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
    bm = index.bm25.scores(tokens(question))
    if not seeds or n == 0:
        chunks = select_chunks(index, bm, k)
        return Retrieval("local", chunks, note="no entity named in the question: ranked by BM25 only")
    nbrs = neighbours(index, seeds)
    chunks = select_chunks(index, rrf(passage_rankings(index, bm, seeds, POOL), n), k)

    seed_set = set(seeds)
    # The seeds' relations, those between two seeds and heavier ones first; on arrays, as a hub
    # entity of a large corpus has thousands of relations.
    rels = index.relations
    cand = np.unique(np.concatenate([index.relations_of.row(s) for s in seeds]))
    between = np.isin(rels.source[cand], seeds) & np.isin(rels.target[cand], seeds)
    rel_score = np.where(between, 2.0, 1.0) * (1.0 + np.log1p(rels.weight[cand]))
    rel_ids = [int(ri) for ri in cand[np.lexsort((cand, -rel_score))][:12]]

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
