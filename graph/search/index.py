"""Everything retrieval needs, loaded once per process and reused until the workspace changes.

Building the BM25 matrix, the chunk×entity incidence and the entity adjacency
from SQLite is the expensive part of a query; answering from these arrays is
cheap. The cache is keyed by the store's ``generation`` meta (bumped by every
ingest that changed something) plus ``communities_version`` and the tables' top
rowids, so a new ingest or a report refresh is picked up on the next question.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
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


# -- the chunk BM25, persisted per workspace generation ------------------------------------------
#
# Tokenizing every chunk (NFKC + OpenCC + bigrams) and building the vocabulary is most of a cold
# build, and depends only on the chunks, titles and sections, which change only with an ingest,
# which bumps ``generation``. So the built matrix is written to
# ``<workspace>/cache/search-<generation>.npz`` (tmp file + os.replace, so readers never see half a
# file) and loaded by the next process. A file that is unreadable, of another format or of another
# chunk list is ignored and rebuilt; files of older generations are removed when a new one is written.

CACHE_FORMAT = 1
_K1 = 1.2
_B = 0.75


def cache_dir(store: Store) -> Path:
    return Path(store.path).parent / "cache"


def cache_path(store: Store) -> Path:
    gen = re.sub(r"[^A-Za-z0-9_.-]", "_", store.meta("generation") or "0")
    return cache_dir(store) / f"search-{gen}.npz"


def _fingerprint(rows: Sequence[Any]) -> str:
    h = hashlib.sha1()
    for r in rows:
        h.update(f"{r[0]}\x1f{r[1]}\x1e".encode())
    return h.hexdigest()


def _chunk_bm25(store: Store, rows: Sequence[Any], titles: dict[str, str]) -> BM25:
    path = cache_path(store)
    fp = _fingerprint(rows)
    bm25 = _load_bm25(path, fp)
    if bm25 is not None:
        return bm25
    # Title and section words help a chunk that never repeats its topic's name.
    bm25 = BM25(
        (tokens(fold(r[2]), folded=True) + tokens(f"{titles.get(r[1], '')} {r[3]}") for r in rows),
        k1=_K1,
        b=_B,
    )
    _save_bm25(path, fp, bm25)
    return bm25


def _load_bm25(path: Path, fingerprint: str) -> BM25 | None:
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as z:
            meta = json.loads(bytes(z["meta"]).decode("utf-8"))
            if (
                meta.get("format") != CACHE_FORMAT
                or meta.get("fingerprint") != fingerprint
                or meta.get("k1") != _K1
                or meta.get("b") != _B
            ):
                log.info("search cache %s is for other chunks; rebuilding", path)
                return None
            words = json.loads(bytes(z["vocab"]).decode("utf-8"))
            shape = tuple(int(x) for x in z["shape"])
            weights = sp.csc_matrix((z["data"], z["indices"], z["indptr"]), shape=shape)
            idf = np.asarray(z["idf"], dtype=np.float32)
        if not isinstance(words, list) or len(words) != (shape[1] if words else 0) or len(shape) != 2:
            raise ValueError("vocabulary does not match the matrix")
        if idf.shape != (shape[1],) or weights.data.dtype != np.float32:
            raise ValueError("idf does not match the matrix")
        weights.check_format(full_check=False)
        vocab = {str(w): i for i, w in enumerate(words)}
        return BM25.from_arrays(vocab, idf, weights)
    except Exception as exc:  # any unreadable cache is just rebuilt
        log.warning("ignoring unreadable search cache %s: %s", path, exc)
        return None


def _save_bm25(path: Path, fingerprint: str, bm25: BM25) -> None:
    words = [""] * len(bm25.vocab)
    for w, i in bm25.vocab.items():
        words[i] = w
    meta = {"format": CACHE_FORMAT, "fingerprint": fingerprint, "k1": _K1, "b": _B}
    w = bm25.weights
    tmp = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "wb") as f:
            np.savez(
                f,
                meta=np.frombuffer(json.dumps(meta).encode("utf-8"), dtype=np.uint8),
                vocab=np.frombuffer(json.dumps(words, ensure_ascii=False).encode("utf-8"), dtype=np.uint8),
                shape=np.asarray(w.shape, dtype=np.int64),
                data=w.data.astype(np.float32, copy=False),
                indices=w.indices.astype(np.int32, copy=False),
                indptr=w.indptr,
                idf=bm25.idf.astype(np.float32, copy=False),
            )
        os.replace(tmp, path)
    except OSError as exc:  # read-only workspace, full disk: the index still works, just uncached
        log.info("could not write search cache %s: %s", path, exc)
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        return
    # Files of older generations are dead; a newer one (written by a process that saw a later
    # ingest) is left alone.
    mine = _generation_of(path)
    for old in path.parent.glob("search-*.npz"):
        gen = _generation_of(old)
        if old != path and (mine is None or gen is None or gen < mine):
            with contextlib.suppress(OSError):
                old.unlink()


def _generation_of(path: Path) -> int | None:
    g = path.name.removeprefix("search-").removesuffix(".npz")
    return int(g) if g.isdigit() else None


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
    bm25 = _chunk_bm25(store, rows, titles)
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
    "cache_path",
    "clear_cache",
    "get_index",
    "report_text",
    "signature",
]
