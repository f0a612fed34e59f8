"""Everything retrieval needs, loaded once per process and reused until the workspace changes.

Building the BM25 matrix, the chunk×entity incidence and the entity adjacency
from SQLite is the expensive part of a query; answering from these arrays is
cheap. The cache is keyed by the store's ``generation`` meta (bumped by every
ingest that changed something) plus ``communities_version`` and the tables' top
rowids, so a new ingest or a report refresh is picked up on the next question.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

from extract.records import Evidence
from graph.search.bm25 import BM25
from graph.search.linking import Linker
from graph.search.tokenize import fold, tokens
from graph.store import Store

log = logging.getLogger(__name__)


@dataclass
class RelationRow:
    id: str
    source: int  # entity index
    target: int
    type: str
    weight: float
    evidence: tuple[Evidence, ...]


@dataclass
class SearchIndex:
    signature: tuple[Any, ...]
    # documents
    doc_ids: list[str]
    doc_paths: list[str]
    doc_titles: list[str]
    # chunks
    chunk_ids: list[str]
    chunk_texts: list[str]
    chunk_doc: np.ndarray  # chunk index → doc index
    chunk_folded: list[str]
    bm25: BM25
    # entities
    entity_ids: list[str]
    entity_names: list[str]
    entity_types: list[str]
    entity_keys: list[list[str]]  # match keys of each entity (for sentence matching)
    entity_mentions: np.ndarray
    chunk_entity: sp.csr_matrix  # chunks × entities, mention counts
    entity_chunk: sp.csr_matrix  # transpose, for "chunks of entity e"
    presence: sp.csc_matrix  # chunks × entities, 1 where mentioned (column slices per query)
    adjacency: sp.csr_matrix  # entities × entities, summed relation weight (symmetric)
    relations: list[RelationRow]
    relations_of: list[list[int]]  # entity index → relation indices
    linker: Linker
    # communities
    communities: list[dict[str, Any]]
    communities_of: dict[str, list[int]]  # entity id → community indices
    report_bm25: dict[int, tuple[list[int], BM25]] = field(default_factory=dict)
    _title_bm25: BM25 | None = None
    _membership: sp.csc_matrix | None = None
    _strength: np.ndarray | None = None
    build_s: float = 0.0

    def __post_init__(self) -> None:
        self.doc_index = {d: i for i, d in enumerate(self.doc_ids)}
        self.chunk_index = {c: i for i, c in enumerate(self.chunk_ids)}
        self.entity_index = {e: i for i, e in enumerate(self.entity_ids)}

    def levels(self) -> list[int]:
        return sorted({int(c["level"]) for c in self.communities})

    def title_bm25(self) -> BM25:
        """BM25 over document titles (built on first use): lets a question name a series of documents."""
        if self._title_bm25 is None:
            self._title_bm25 = BM25([tokens(t) for t in self.doc_titles])
        return self._title_bm25

    def membership(self) -> sp.csc_matrix:
        """Entities × communities, 1 where the entity is a member (built on first use)."""
        if self._membership is None:
            rows: list[int] = []
            cols: list[int] = []
            for ci, c in enumerate(self.communities):
                for e in c["entity_ids"]:
                    ei = self.entity_index.get(e)
                    if ei is not None:
                        rows.append(ei)
                        cols.append(ci)
            self._membership = sp.csc_matrix(
                (
                    np.ones(len(rows), dtype=np.float32),
                    (np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64)),
                ),
                shape=(len(self.entity_ids), len(self.communities)),
            )
        return self._membership

    def strength(self) -> np.ndarray:
        """Weighted degree of every entity in the whole graph (built on first use)."""
        if self._strength is None:
            self._strength = np.asarray(self.adjacency.sum(axis=1)).ravel().astype(np.float32)
        return self._strength

    def reports_bm25(self, level: int) -> tuple[list[int], BM25]:
        """BM25 over the report texts of one level (built on first use)."""
        if level not in self.report_bm25:
            idx = [i for i, c in enumerate(self.communities) if int(c["level"]) == level]
            texts = [report_text(self.communities[i]) for i in idx]
            self.report_bm25[level] = (idx, BM25([tokens(t) for t in texts]))
        return self.report_bm25[level]


def report_text(c: dict[str, Any]) -> str:
    rep = c.get("report") or {}
    ents = " ".join(str(e.get("name", "")) for e in rep.get("entities", []))
    sents = " ".join(str(s.get("text", "")) for s in rep.get("sentences", []))
    return f"{c.get('title', '')} {c.get('summary', '')} {ents} {sents}"


def signature(store: Store) -> tuple[Any, ...]:
    one = store.conn.execute
    tops = tuple(
        one(f"SELECT max(rowid) FROM {t}").fetchone()[0]
        for t in ("documents", "chunks", "entities", "relations", "mentions")
    )
    return (str(store.path), store.meta("generation"), store.meta("communities_version"), *tops)


_CACHE: dict[str, SearchIndex] = {}
_LOCK = threading.Lock()


def get_index(store: Store) -> SearchIndex:
    """The cached index for ``store``, rebuilt when the workspace changed."""
    sig = signature(store)
    key = str(store.path)
    with _LOCK:
        cached = _CACHE.get(key)
        if cached is not None and cached.signature == sig:
            return cached
        idx = build_index(store, sig)
        _CACHE[key] = idx
        return idx


def clear_cache() -> None:
    with _LOCK:
        _CACHE.clear()


def build_index(store: Store, sig: tuple[Any, ...] | None = None) -> SearchIndex:
    t0 = time.perf_counter()
    conn = store.conn
    docs = conn.execute("SELECT id, path, title FROM documents ORDER BY path").fetchall()
    doc_ids = [r[0] for r in docs]
    doc_pos = {d: i for i, d in enumerate(doc_ids)}
    rows = conn.execute("SELECT id, doc_id, text, section FROM chunks ORDER BY doc_id, idx").fetchall()
    rows = [r for r in rows if r[1] in doc_pos]
    chunk_ids = [r[0] for r in rows]
    chunk_texts = [r[2] for r in rows]
    titles = {r[0]: r[2] for r in docs}
    folded = [fold(t) for t in chunk_texts]
    # Title and section words help a chunk that never repeats its topic's name.
    bm25 = BM25(
        [
            tokens(f, folded=True) + tokens(f"{titles.get(r[1], '')} {r[3]}")
            for f, r in zip(folded, rows, strict=True)
        ]
    )
    chunk_doc = np.asarray([doc_pos[r[1]] for r in rows], dtype=np.int64)

    ents = conn.execute("SELECT id, name, type, mention_count FROM entities ORDER BY id").fetchall()
    entity_ids = [r[0] for r in ents]
    e_pos = {e: i for i, e in enumerate(entity_ids)}
    key_rows = conn.execute("SELECT key, entity_id FROM entity_keys").fetchall()
    key_to_entity = {k: e for k, e in key_rows if e in e_pos}
    entity_keys: list[list[str]] = [[] for _ in entity_ids]
    for k, e in key_to_entity.items():
        entity_keys[e_pos[e]].append(k)
    c_pos = {c: i for i, c in enumerate(chunk_ids)}
    inc = conn.execute(
        "SELECT m.chunk_id, ek.entity_id, COUNT(*) FROM mentions m JOIN entity_keys ek ON ek.key = m.key"
        " GROUP BY m.chunk_id, ek.entity_id"
    ).fetchall()
    inc = [(c_pos[c], e_pos[e], n) for c, e, n in inc if c in c_pos and e in e_pos]
    shape = (len(chunk_ids), len(entity_ids))
    if inc:
        ci, ei, nn = zip(*inc, strict=True)
        chunk_entity = sp.csr_matrix(
            (np.asarray(nn, dtype=np.float32), (np.asarray(ci), np.asarray(ei))), shape=shape
        )
    else:
        chunk_entity = sp.csr_matrix(shape, dtype=np.float32)

    relations: list[RelationRow] = []
    relations_of: list[list[int]] = [[] for _ in entity_ids]
    for rel in store.relations():
        s, t = e_pos.get(rel.source), e_pos.get(rel.target)
        if s is None or t is None:
            continue
        relations_of[s].append(len(relations))
        relations_of[t].append(len(relations))
        relations.append(RelationRow(rel.id, s, t, str(rel.type), float(rel.weight), rel.evidence))
    n = len(entity_ids)
    if relations:
        src = np.asarray([r.source for r in relations])
        tgt = np.asarray([r.target for r in relations])
        w = np.asarray([r.weight for r in relations], dtype=np.float32)
        adjacency = sp.csr_matrix(
            (np.concatenate([w, w]), (np.concatenate([src, tgt]), np.concatenate([tgt, src]))), shape=(n, n)
        )
    else:
        adjacency = sp.csr_matrix((n, n), dtype=np.float32)

    communities = store.communities()
    communities_of: dict[str, list[int]] = {}
    for i, c in enumerate(communities):
        for e in c["entity_ids"]:
            communities_of.setdefault(e, []).append(i)

    idx = SearchIndex(
        signature=sig if sig is not None else signature(store),
        doc_ids=doc_ids,
        doc_paths=[r[1] for r in docs],
        doc_titles=[r[2] for r in docs],
        chunk_ids=chunk_ids,
        chunk_texts=chunk_texts,
        chunk_doc=chunk_doc,
        chunk_folded=folded,
        bm25=bm25,
        entity_ids=entity_ids,
        entity_names=[r[1] for r in ents],
        entity_types=[r[2] for r in ents],
        entity_keys=entity_keys,
        entity_mentions=np.asarray([r[3] for r in ents], dtype=np.float32),
        chunk_entity=chunk_entity,
        entity_chunk=chunk_entity.T.tocsr(),
        presence=(chunk_entity > 0).astype(np.float32).tocsc(),
        adjacency=adjacency,
        relations=relations,
        relations_of=relations_of,
        linker=Linker(key_to_entity),
        communities=communities,
        communities_of=communities_of,
    )
    idx.build_s = time.perf_counter() - t0
    log.debug("search index built in %.3fs (%d chunks, %d entities)", idx.build_s, len(chunk_ids), n)
    return idx


__all__ = [
    "RelationRow",
    "SearchIndex",
    "build_index",
    "clear_cache",
    "get_index",
    "report_text",
    "signature",
]
