"""The one centrality of the graph: degree and weighted PageRank per entity.

The Neo4j projection stores it, the app sizes and ranks nodes by it and community reports
rank their members by it, so all three agree on which entity matters most.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from graph.store import readers

if TYPE_CHECKING:
    from graph.store import Store


def compute_centrality(
    entity_ids: Sequence[str], edges: Iterable[tuple[str, str, float]]
) -> dict[str, tuple[int, float]]:
    """Entity id → (degree, PageRank) over the entity-relation graph, undirected and weighted.

    ``edges`` are (source, target, weight); those touching unknown entities and self-loops
    are ignored. Degree counts relations touching the entity. PageRank uses relation
    weights and the usual damping 0.85; it sums to 1 over all entities. Edges are packed
    into flat arrays (16 bytes each, not a Python tuple per edge) so millions of relations
    fit in a few tens of MB.
    """
    index = {eid: i for i, eid in enumerate(entity_ids)}
    if not index:
        return {}
    pairs, weights = _pack(index, edges)
    degree = np.bincount(pairs.ravel(), minlength=len(index))
    pagerank = _pagerank(len(index), pairs, weights)
    return {eid: (int(degree[i]), float(pagerank[i])) for eid, i in index.items()}


def _pack(index: dict[str, int], edges: Iterable[tuple[str, str, float]]) -> tuple[np.ndarray, np.ndarray]:
    """(pairs of entity positions, weights) of the edges between known entities, self-loops left out."""
    ends = array("q")
    weights = array("d")
    for source, target, weight in edges:
        i, j = index.get(source), index.get(target)
        if i is not None and j is not None and i != j:
            ends.extend((i, j))
            weights.append(max(float(weight), 1e-9))
    return np.frombuffer(ends, dtype=np.int64).reshape(-1, 2), np.frombuffer(weights, dtype=np.float64)


def _pagerank(n: int, pairs: np.ndarray, weights: np.ndarray, damping: float = 0.85) -> np.ndarray:
    """Weighted undirected PageRank by power iteration.

    Deterministic: the same graph gives the same floats, bit for bit. igraph's solver varies in
    the last digits from run to run, which flipped the content hash of an unchanged entity now
    and then, so an unchanged sync rewrote it. Dangling entities spread their rank uniformly.
    """
    a = sp.csr_matrix(
        (np.concatenate([weights, weights]), (np.concatenate([pairs[:, 0], pairs[:, 1]]),
         np.concatenate([pairs[:, 1], pairs[:, 0]]))),
        shape=(n, n),
    )  # fmt: skip
    strength = np.asarray(a.sum(axis=1)).ravel()
    dangling = strength == 0
    inv = np.divide(1.0, strength, out=np.zeros(n), where=~dangling)
    step = sp.csr_matrix(a.multiply(inv[:, None]).T)  # column i: where rank at i flows
    rank = np.full(n, 1.0 / n)
    for _ in range(1000):
        new = damping * (step @ rank + rank[dangling].sum() / n) + (1.0 - damping) / n
        done = np.abs(new - rank).sum() < 1e-13
        rank = new
        if done:
            break
    return rank / rank.sum()


def explorer_scores(
    entity_ids: Sequence[str], mentions: Sequence[int], pagerank: Sequence[float]
) -> list[float]:
    """The score the explorer ranks and sizes nodes by: PageRank scaled to [0, 1], with mention
    counts breaking ties between entities PageRank cannot tell apart (isolated ones)."""
    if not entity_ids:
        return []
    logs = np.log1p(np.asarray(mentions, dtype=np.float64))
    top_m = float(logs.max()) or 1.0
    combined = np.asarray(pagerank, dtype=np.float64) + 1e-6 * logs / top_m
    top = float(combined.max()) or 1.0
    return [float(c) for c in combined / top]


def neighbour_counts(n: int, pairs: np.ndarray) -> np.ndarray:
    """Distinct neighbours per entity (parallel relations of several types count once)."""
    if not len(pairs):
        return np.zeros(n, dtype=np.int64)
    lo = np.minimum(pairs[:, 0], pairs[:, 1])
    hi = np.maximum(pairs[:, 0], pairs[:, 1])
    distinct = np.unique(lo * n + hi)
    return np.bincount(np.concatenate([distinct // n, distinct % n]), minlength=n)


def graph_centrality(
    entity_ids: Sequence[str], mentions: Sequence[int], edges: Iterable[tuple[str, str, float]]
) -> list[tuple[str, int, float, float]]:
    """(entity id, distinct neighbours, PageRank, explorer score) for every entity."""
    if not entity_ids:
        return []
    index = {eid: i for i, eid in enumerate(entity_ids)}
    pairs, weights = _pack(index, edges)  # once: the edges are read from the store as they stream
    degree = neighbour_counts(len(index), pairs)
    pagerank = [float(r) for r in _pagerank(len(index), pairs, weights)]
    scores = explorer_scores(entity_ids, mentions, pagerank)
    return [(eid, int(degree[i]), pagerank[i], scores[i]) for i, eid in enumerate(entity_ids)]


def workspace_centrality(store: Store) -> list[tuple[str, int, float, float]]:
    """:func:`graph_centrality` of every entity of ``store`` (by id) over every relation."""
    rows = store.conn.execute("SELECT id, mention_count FROM entities ORDER BY id").fetchall()
    edges = ((e.source, e.target, e.weight) for e in readers.edges(store))
    return graph_centrality([r[0] for r in rows], [int(r[1]) for r in rows], edges)


def refresh(store: Store) -> int:
    """Compute and store every entity's centrality for the current generation (the ingest's finish
    step calls this last, and so does every curation action through it); returns the entity count.

    Stored so the explorer's first render reads the top N entities by one indexed query instead of
    loading every relation of the workspace to rank them."""
    rows = workspace_centrality(store)
    store.replace_centrality(rows)
    return len(rows)
