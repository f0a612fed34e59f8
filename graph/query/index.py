"""Everything retrieval needs, loaded once per process and reused until the workspace changes.

Building the BM25 matrix, the chunk×entity incidence and the entity adjacency
from SQLite is the expensive part of a query; answering from these arrays is
cheap. The in-process cache is keyed by the store's ``generation`` meta (bumped
by every ingest that changed something) plus ``communities_version`` and the
tables' top rowids, so a new ingest or a report refresh is picked up on the
next question. The arrays themselves are kept on disk per generation and
memory-mapped (see "the on-disk index" below), and chunk texts stay in SQLite
until cited: at 100k documents (~1.1M chunks) the index would otherwise be
gigabytes of private memory and minutes to load in every process.
"""

from __future__ import annotations

import contextlib
import logging
import re
import threading
import time
from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from extract.records import RelationType
from graph.query import packed
from graph.query.bm25 import BM25, SortedVocab, count_terms
from graph.query.linking import Linker
from graph.query.tokenize import fold, tokens
from graph.records import Community
from graph.store import Store, readers
from graph.store.readers import ChunkTextReader

log = logging.getLogger(__name__)


@dataclass
class RelationRow:
    id: str
    source: int  # entity index
    target: int
    type: str
    weight: float
    evidence: tuple[int, ...]  # chunk indices of its evidence, best first (chunks not indexed dropped)


class StrArray:
    """Strings kept as one fixed-width bytes array (memory-mappable), decoded when read.

    A million chunk ids as Python strings cost ~75 bytes each plus ~100 for a
    reverse dict; as ``S17`` they cost 17 bytes and nothing to load.
    """

    def __init__(self, raw: np.ndarray) -> None:
        self.raw = raw

    def __len__(self) -> int:
        return len(self.raw)

    def __getitem__(self, i: int) -> str:
        return bytes(self.raw[i]).decode("utf-8")

    def __iter__(self) -> Iterator[str]:
        return (bytes(b).decode("utf-8") for b in self.raw)


class Ragged:
    """Lists of ints as offsets + values (a CSR without data): row ``i`` is ``values[ptr[i]:ptr[i+1]]``."""

    def __init__(self, ptr: np.ndarray, values: np.ndarray) -> None:
        self.ptr = ptr
        self.values = values

    def __len__(self) -> int:
        return len(self.ptr) - 1

    def __getitem__(self, i: int) -> list[int]:
        return self.row(i).tolist()

    def row(self, i: int) -> np.ndarray:
        return self.values[int(self.ptr[i]) : int(self.ptr[i + 1])]


class Relations:
    """The graph's relations as arrays; :class:`RelationRow` objects are made only for those a query reads.

    Evidence is kept as chunk indices only (its sentences are in the database):
    a 100k-document graph has ~10^5 relations with up to five evidence rows each.
    """

    def __init__(
        self,
        ids: StrArray,
        source: np.ndarray,
        target: np.ndarray,
        types: list[str],
        type_code: np.ndarray,
        weight: np.ndarray,
        evidence: Ragged,
    ) -> None:
        self.ids = ids
        self.source = source
        self.target = target
        self.types = types
        self.type_code = type_code
        self.weight = weight
        self.evidence = evidence

    def __len__(self) -> int:
        return len(self.source)

    def __getitem__(self, i: int) -> RelationRow:
        return RelationRow(
            self.ids[i],
            int(self.source[i]),
            int(self.target[i]),
            self.types[int(self.type_code[i])],
            float(self.weight[i]),
            tuple(self.evidence[i]),
        )


class ChunkTexts:
    """Chunk texts, read from the workspace database by chunk id when asked for.

    Holding every text would cost ~1.5 KB per chunk (about 1.6 GB at 100k
    documents) while an answer cites five. The index has its own read-only
    connection because it outlives the :class:`Store` it was built from (it is
    cached per workspace path, across stores).
    """

    BATCH = ChunkTextReader.BATCH

    def __init__(self, db: Path, ids: StrArray) -> None:
        self._reader = ChunkTextReader(db)
        self._ids = ids

    def __len__(self) -> int:
        return len(self._ids)

    def __getitem__(self, i: int) -> str:
        return self.many([i])[0]

    def __iter__(self) -> Iterator[str]:
        for lo in range(0, len(self), self.BATCH):
            yield from self.many(range(lo, min(lo + self.BATCH, len(self))))

    def many(self, indices: Iterable[int]) -> list[str]:
        """Texts of the chunks at ``indices``, in that order."""
        ids = [self._ids[i] for i in indices]
        text = self._reader.texts(ids)
        missing = [c for c in ids if c not in text]
        if missing:  # an ingest removed them since the index was built; the next question rebuilds it
            log.warning("%d cited chunks are no longer in the workspace (e.g. %s)", len(missing), missing[0])
        return [text.get(c, "") for c in ids]


@dataclass
class SearchIndex:
    signature: tuple[Any, ...]
    # documents
    doc_ids: list[str]
    doc_paths: list[str]
    doc_titles: list[str]
    # chunks
    chunk_ids: StrArray
    chunk_texts: ChunkTexts
    chunk_doc: np.ndarray  # chunk index → doc index
    bm25: BM25
    title_bm25: BM25  # over document titles: lets a question name a series of documents
    # entities
    entity_ids: list[str]
    entity_names: list[str]
    entity_types: list[str]
    entity_keys: list[list[str]]  # match keys of each entity (for sentence matching)
    chunk_entity: sp.csr_matrix  # chunks × entities, mention counts (a row: the entities of a chunk)
    entity_counts: sp.csc_matrix  # the same, column-major (a column: the chunks of an entity)
    presence: sp.csc_matrix  # chunks × entities, 1 where mentioned (column slices per query)
    adjacency: sp.csr_matrix  # entities × entities, summed relation weight (symmetric)
    relations: Relations
    relations_of: Ragged  # entity index → relation indices
    linker: Linker
    # communities
    communities: list[Community]
    communities_of: dict[str, list[int]]  # entity id → community indices
    report_bm25: dict[int, tuple[list[int], BM25]] = field(default_factory=dict)
    _membership: sp.csc_matrix | None = None
    _strength: np.ndarray | None = None
    build_s: float = 0.0
    how: str = ""  # "cached" (mapped from its file), "patched" (from an earlier file) or "built"

    def __post_init__(self) -> None:
        self.entity_index = {e: i for i, e in enumerate(self.entity_ids)}

    def levels(self) -> list[int]:
        return sorted({int(c.level) for c in self.communities})

    def membership(self) -> sp.csc_matrix:
        """Entities × communities, 1 where the entity is a member (built on first use)."""
        if self._membership is None:
            rows: list[int] = []
            cols: list[int] = []
            for ci, c in enumerate(self.communities):
                for e in c.entity_ids:
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
            idx = [i for i, c in enumerate(self.communities) if int(c.level) == level]
            texts = [report_text(self.communities[i]) for i in idx]
            self.report_bm25[level] = (idx, BM25([tokens(t) for t in texts]))
        return self.report_bm25[level]


def report_text(c: Community) -> str:
    rep = c.report or {}
    ents = " ".join(str(e.get("name", "")) for e in rep.get("entities", []))
    sents = " ".join(str(s.get("text", "")) for s in rep.get("sentences", []))
    return f"{c.title} {c.summary} {ents} {sents}"


def signature(store: Store) -> tuple[Any, ...]:
    tops = readers.table_tops(store)
    return (str(store.path), store.meta("generation"), store.meta("communities_version"), *tops)


# A change touching more than this share of the chunks rebuilds the index instead of patching it
# (Settings.index_delta_share); callers without settings (a question) use this default.
DELTA_SHARE = 0.25

_CACHE: dict[str, SearchIndex] = {}
_LOCK = threading.Lock()


def get_index(store: Store, *, delta_share: float = DELTA_SHARE, full: bool = False) -> SearchIndex:
    """The cached index for ``store``, patched or rebuilt when the workspace changed (``full``: rebuilt)."""
    sig = signature(store)
    key = str(store.path)
    with _LOCK:
        cached = _CACHE.get(key)
        if cached is not None and cached.signature == sig and not full:
            return cached
        idx = build_index(store, sig, delta_share=delta_share, full=full)
        _CACHE[key] = idx
        return idx


def clear_cache() -> None:
    with _LOCK:
        _CACHE.clear()


# -- the on-disk index, per workspace generation -------------------------------------------------
#
# Tokenizing every chunk (NFKC + OpenCC + bigrams), grouping ~16 mentions per chunk into the
# chunk×entity incidence and resolving relation evidence to chunks is a cold build of minutes at
# 100k documents; all of it depends only on what an ingest writes, and every ingest that changes
# something bumps ``generation``. So the arrays are written to ``<workspace>/cache/search-<gen>.bin``
# (:mod:`graph.query.packed`: tmp file + os.replace, so readers never see half a file) and the
# next process memory-maps them: a cached load reads no chunk and tokenizes nothing, and a query
# pages in only the posting columns and incidence columns it uses. The file also records the tables'
# top rowids, so a workspace changed without a new generation is not served from it; a file that
# is unreadable, of another format or of other tables is ignored (with a warning when damaged) and
# rebuilt. Files of older generations are removed when a new one is written. Communities are not
# in it: a report refresh changes them without an ingest, and they are small.

CACHE_FORMAT = 3
_K1 = 1.2
_B = 0.75


def cache_dir(store: Store) -> Path:
    return Path(store.path).parent / "cache"


def cache_path(store: Store) -> Path:
    gen = re.sub(r"[^A-Za-z0-9_.-]", "_", store.meta("generation") or "0")
    return cache_dir(store) / f"search-{gen}.bin"


def _cache_key(sig: tuple[Any, ...]) -> dict[str, Any]:
    """What a cache file must have been built from: the generation and the tables' top rowids."""
    return {"format": CACHE_FORMAT, "generation": sig[1], "tops": list(sig[3:]), "k1": _K1, "b": _B}


def _compact(*arrays: np.ndarray) -> np.dtype[Any]:
    """int32 when every value fits (scipy then maps the arrays without converting them), else int64."""
    top = max((int(a.max()) for a in arrays if a.size), default=0)
    return np.dtype(np.int32 if top < 2**31 else np.int64)


@dataclass
class _Rows:
    """Counts per row as CSR parts (``cols``/``n`` per ``ptr`` row) over a growing ``vocab``.

    The chunks' term counts, the titles' term counts and the chunks' mention counts per match
    key all take this shape; an incremental update keeps the rows it still has, appends those it
    read afresh and puts them in the order a full build would have.
    """

    vocab: dict[str, int]
    cols: np.ndarray
    n: np.ndarray
    ptr: np.ndarray
    lengths: np.ndarray  # tokens per row (BM25 length normalisation); unused for mention counts

    @classmethod
    def empty(cls) -> _Rows:
        return cls(
            {}, np.zeros(0, np.int32), np.zeros(0, np.float32), np.zeros(1, np.int64), np.zeros(0, np.float32)
        )

    def __len__(self) -> int:
        return len(self.ptr) - 1

    def bm25(self) -> BM25:
        return BM25.from_counts(self.vocab, self.cols, self.n, self.ptr, self.lengths, k1=_K1, b=_B)

    def csr(self) -> sp.csr_matrix:
        return sp.csr_matrix((self.n, self.cols, self.ptr), shape=(len(self), max(len(self.vocab), 1)))

    def arrays(self, prefix: str) -> dict[str, np.ndarray]:
        vocab = SortedVocab.from_dict(self.vocab)
        return {
            f"{prefix}_cols": self.cols.astype(np.int32, copy=False),
            f"{prefix}_n": self.n.astype(np.float32, copy=False),
            f"{prefix}_ptr": self.ptr.astype(np.int64, copy=False),
            f"{prefix}_len": self.lengths.astype(np.float32, copy=False),
            **{f"{prefix}_vocab_{k}": v for k, v in vocab.arrays.items()},
        }

    @classmethod
    def from_arrays(cls, prefix: str, arrays: dict[str, np.ndarray]) -> _Rows:
        """The rows of an earlier cache file, with its vocabulary as a dict again (to extend it)."""
        blob = arrays[f"{prefix}_vocab_blob"].tobytes()
        off = arrays[f"{prefix}_vocab_offsets"].tolist()
        ids = arrays[f"{prefix}_vocab_ids"].tolist()
        words = [blob[off[i] : off[i + 1]].decode("utf-8") for i in range(len(ids))]
        order = sorted(range(len(ids)), key=ids.__getitem__)
        return cls(
            {words[i]: ids[i] for i in order},
            arrays[f"{prefix}_cols"],
            arrays[f"{prefix}_n"],
            arrays[f"{prefix}_ptr"],
            arrays[f"{prefix}_len"],
        )

    def patched(self, src: np.ndarray, fresh: Iterable[Sequence[str]]) -> _Rows:
        """Rows reordered: row ``i`` is old row ``src[i]``, or where ``src[i] < 0`` the next of ``fresh``."""
        vocab = dict(self.vocab)
        new_cols, new_n, new_ptr, new_len = count_terms(fresh, vocab)
        return self._gather(vocab, src, new_cols, new_n, new_ptr, new_len)

    def patched_counts(self, src: np.ndarray, fresh: Sequence[Sequence[tuple[str, int]]]) -> _Rows:
        """Like :meth:`patched`, for rows given as (key, count) pairs instead of token lists."""
        vocab = dict(self.vocab)
        cols, counts, ptr = array("i"), array("f"), array("q", [0])
        for row in fresh:
            cols.extend(vocab.setdefault(k, len(vocab)) for k, _ in row)
            counts.extend(n for _, n in row)
            ptr.append(len(cols))
        return self._gather(
            vocab,
            src,
            np.frombuffer(cols, dtype=np.int32),
            np.frombuffer(counts, dtype=np.float32),
            np.frombuffer(ptr, dtype=np.int64),
            np.zeros(len(ptr) - 1, dtype=np.float32),
        )

    def _gather(
        self,
        vocab: dict[str, int],
        src: np.ndarray,
        new_cols: np.ndarray,
        new_n: np.ndarray,
        new_ptr: np.ndarray,
        new_len: np.ndarray,
    ) -> _Rows:
        fresh_rows = src < 0
        if int(fresh_rows.sum()) != len(new_ptr) - 1:
            raise ValueError("fresh rows do not match the rows to fill")
        if fresh_rows.all():  # nothing kept (a full build): the fresh rows are the result
            return _Rows(vocab, new_cols, new_n, new_ptr, new_len)
        n_old = len(self)
        # One table of segments: the old rows, then the fresh ones; each output row names its segment.
        seg = np.where(fresh_rows, n_old + np.cumsum(fresh_rows) - 1, src).astype(np.int64)
        starts = np.concatenate([np.asarray(self.ptr[:-1]), new_ptr[:-1] + len(self.cols)])[seg]
        sizes = np.concatenate([np.diff(self.ptr), np.diff(new_ptr)])[seg]
        ptr = np.zeros(len(seg) + 1, dtype=np.int64)
        np.cumsum(sizes, out=ptr[1:])
        at = np.repeat(starts - ptr[:-1], sizes) + np.arange(int(ptr[-1]), dtype=np.int64)
        cols = np.concatenate([np.asarray(self.cols), new_cols])[at]
        n = np.concatenate([np.asarray(self.n), new_n])[at]
        lengths = np.concatenate([np.asarray(self.lengths), new_len])[seg]
        return _Rows(vocab, cols, n, ptr, lengths)


@dataclass
class _Previous:
    """An earlier generation's cache file, the base of an incremental update."""

    path: Path
    arrays: dict[str, np.ndarray]
    lists: dict[str, Any]


def _chunk_tokens(text: str, title: str, section: str) -> list[str]:
    # Title and section words help a chunk that never repeats its topic's name.
    return tokens(fold(text), folded=True) + tokens(f"{title} {section}")


def _match(old: np.ndarray, new: np.ndarray) -> np.ndarray:
    """For each of ``new``, its position in ``old`` (values unique there), or -1."""
    if not len(old) or not len(new):
        return np.full(len(new), -1, dtype=np.int64)
    order = np.argsort(old, kind="stable")
    pos = np.searchsorted(old, new, sorter=order).clip(0, len(old) - 1)
    cand = order[pos]
    return np.where(old[cand] == new, cand, -1).astype(np.int64)


def _build_parts(
    store: Store, prev: _Previous | None = None, delta_share: float = 1.0
) -> tuple[dict[str, np.ndarray], dict[str, Any]] | None:
    """Every array and list of the index, from the database (``prev``: patched from an earlier file).

    With ``prev``, only the chunks whose row is new (an added or re-extracted document, or one
    whose title changed) are read and tokenized; the rest are taken from the earlier file's
    counts, and the BM25 weights, the chunk×entity incidence and the relations are derived again
    from the counts exactly as a full build derives them, so both answer alike. Returns None when
    the change touches more than ``delta_share`` of the earlier chunks (a full build is then
    cheaper and compacts the vocabulary).
    """
    docs = readers.document_titles(store)
    doc_pos = {r[0]: i for i, r in enumerate(docs)}
    titles = {r[0]: r[2] for r in docs}

    if prev is None:
        chunk_ids: list[str] = []
        rowids = array("q")
        chunk_doc = array("i")

        def all_tokens() -> Iterator[list[str]]:
            # Streamed: the texts are tokenized one at a time and never held together.
            for row in readers.chunk_sources(store):
                d = doc_pos.get(row.doc_id)
                if d is None:
                    continue
                chunk_ids.append(row.id)
                rowids.append(row.rowid)
                chunk_doc.append(d)
                yield _chunk_tokens(row.text, titles.get(row.doc_id, ""), row.section)

        vocab: dict[str, int] = {}
        terms = _Rows(vocab, *count_terms(all_tokens(), vocab))
        n = len(chunk_ids)
        src = np.full(n, -1, dtype=np.int64)
        key_rows = _Rows.empty()
        fresh_ids = chunk_ids
        changed_docs: list[str] | None = None
        title_rows = _Rows.empty().patched(np.full(len(docs), -1, np.int64), (tokens(r[2]) for r in docs))
    else:
        old, old_lists = prev.arrays, prev.lists
        keys = [(r, c, d) for r, c, d in readers.chunk_keys(store) if d in doc_pos]
        chunk_ids = [c for _, c, _ in keys]
        n = len(keys)
        rowids = array("q", (r for r, _, _ in keys))
        chunk_doc = array("i", (doc_pos[d] for _, _, d in keys))
        old_title = {r[0]: r[2] for r in old_lists["docs"]}
        same_title = np.fromiter((old_title.get(r[0]) == r[2] for r in docs), dtype=bool, count=len(docs))
        src = _match(np.asarray(old["chunk_rowid"]), np.frombuffer(rowids, dtype=np.int64))
        ids_now = np.array([c.encode("utf-8") for c in chunk_ids] or [b""], dtype=np.bytes_)[:n]
        keep = src >= 0
        keep[keep] &= old["chunk_ids"][src[keep]] == ids_now[keep]
        if n:
            keep &= same_title[np.frombuffer(chunk_doc, dtype=np.int32)]
        src[~keep] = -1
        n_old = len(old["chunk_doc"])
        kept = int(keep.sum())
        changed = (n - kept) + (n_old - kept)
        if changed > delta_share * max(n_old, 1):
            log.info(
                "search index: %d of %d chunks changed (over %.0f%%); rebuilding",
                changed,
                n_old,
                100 * delta_share,
            )
            return None
        fresh_ids = [chunk_ids[i] for i in np.flatnonzero(~keep)]
        changed_docs = sorted({keys[i][2] for i in np.flatnonzero(~keep)})
        fresh_at = {c: i for i, c in enumerate(fresh_ids)}
        fresh_tokens: list[list[str] | None] = [None] * len(fresh_ids)
        for row in readers.chunk_sources(store, changed_docs):
            i = fresh_at.get(row.id)
            if i is not None:
                fresh_tokens[i] = _chunk_tokens(row.text, titles.get(row.doc_id, ""), row.section)
        if any(t is None for t in fresh_tokens):
            raise ValueError("a changed chunk vanished while the index was being patched")
        terms = _Rows.from_arrays("tf", old).patched(src, (t or [] for t in fresh_tokens))
        key_rows = _Rows.from_arrays("mk", old)
        old_doc_title = {r[2]: i for i, r in reversed(list(enumerate(old_lists["docs"])))}
        title_src = np.fromiter((old_doc_title.get(r[2], -1) for r in docs), dtype=np.int64, count=len(docs))
        title_rows = _Rows.from_arrays("tt", old).patched(
            title_src, (tokens(r[2]) for r, s in zip(docs, title_src, strict=True) if s < 0)
        )
        log.info(
            "search index patched from %s: %d chunks kept, %d read again, %d dropped",
            prev.path.name,
            kept,
            n - kept,
            n_old - kept,
        )

    # Mention counts per (chunk, match key), for the fresh chunks only when patching.
    wanted = set(fresh_ids) if changed_docs is not None else None
    per_chunk: dict[str, list[tuple[str, int]]] = {}
    for cid, key, cnt in readers.mention_key_counts(store, changed_docs):
        if wanted is None or cid in wanted:
            per_chunk.setdefault(cid, []).append((key, int(cnt)))
    key_rows = key_rows.patched_counts(src, [sorted(per_chunk.get(c, ())) for c in fresh_ids])
    del per_chunk

    ents = readers.entity_heads(store)
    e_pos = {r[0]: i for i, r in enumerate(ents)}
    keys_of = [(k, e_pos[e]) for k, e in readers.entity_keys(store) if e in e_pos]
    # Mentions per (chunk, entity) = mention counts per key × the current key → entity assignment.
    kc, ke = array("i"), array("i")
    for k, e in keys_of:
        j = key_rows.vocab.get(k)
        if j is not None:
            kc.append(j)
            ke.append(e)
    assign = sp.csr_matrix(
        (
            np.ones(len(kc), dtype=np.float32),
            (np.frombuffer(kc, dtype=np.int32), np.frombuffer(ke, dtype=np.int32)),
        ),
        shape=(max(len(key_rows.vocab), 1), len(ents)),
    )
    chunk_entity = sp.csr_matrix(key_rows.csr() @ assign, dtype=np.float32)
    chunk_entity.eliminate_zeros()
    chunk_entity.sort_indices()
    by_entity = chunk_entity.tocsc()
    by_entity.sort_indices()

    c_pos = {c: i for i, c in enumerate(chunk_ids)}
    ev: dict[str, list[int]] = {}
    for rid, cid in readers.evidence_chunks(store):
        pos = c_pos.get(cid)
        if pos is not None:
            ev.setdefault(rid, []).append(pos)
    del c_pos
    rel_ids: list[str] = []
    src_e, tgt, code, weight, ev_ptr, ev_chunk = (
        array("i"),
        array("i"),
        array("i"),
        array("d"),
        array("q", [0]),
        array("i"),
    )
    types: dict[str, int] = {}
    for rid, s, t, typ, w in readers.edges(store):
        a, b = e_pos.get(s), e_pos.get(t)
        if a is None or b is None:
            continue
        rel_ids.append(rid)
        src_e.append(a)
        tgt.append(b)
        code.append(types.setdefault(str(RelationType(typ)), len(types)))
        weight.append(float(w))
        ev_chunk.extend(ev.get(rid, ()))
        ev_ptr.append(len(ev_chunk))

    ce_dt = _compact(chunk_entity.indptr, chunk_entity.indices, by_entity.indptr, by_entity.indices)
    arrays = {
        "chunk_ids": np.array([c.encode("utf-8") for c in chunk_ids] or [b""], dtype=np.bytes_)[:n],
        "chunk_rowid": np.frombuffer(rowids, dtype=np.int64),
        "chunk_doc": np.frombuffer(chunk_doc, dtype=np.int32),
        **_bm25_arrays("bm25", terms.bm25()),
        **terms.arrays("tf"),
        # Tokenizing 100k titles takes seconds: too slow for the first question that needs them.
        **_bm25_arrays("title", title_rows.bm25()),
        **title_rows.arrays("tt"),
        **key_rows.arrays("mk"),
        "ce_data": chunk_entity.data.astype(np.float32, copy=False),
        "ce_indices": chunk_entity.indices.astype(ce_dt),
        "ce_indptr": chunk_entity.indptr.astype(ce_dt),
        "ec_data": by_entity.data.astype(np.float32, copy=False),
        "ec_ones": np.ones(by_entity.nnz, dtype=np.float32),
        "ec_indices": by_entity.indices.astype(ce_dt),
        "ec_indptr": by_entity.indptr.astype(ce_dt),
        "rel_ids": np.array([r.encode("utf-8") for r in rel_ids] or [b""], dtype=np.bytes_)[: len(rel_ids)],
        "rel_source": np.frombuffer(src_e, dtype=np.int32),
        "rel_target": np.frombuffer(tgt, dtype=np.int32),
        "rel_type": np.frombuffer(code, dtype=np.int32),
        "rel_weight": np.frombuffer(weight, dtype=np.float64),
        "ev_ptr": np.frombuffer(ev_ptr, dtype=np.int64),
        "ev_chunk": np.frombuffer(ev_chunk, dtype=np.int32),
    }
    lists = {
        "docs": [list(r) for r in docs],
        "entities": [list(r) for r in ents],
        "keys": keys_of,
        "relation_types": list(types),
    }
    return arrays, lists


def _bm25_arrays(prefix: str, bm25: BM25) -> dict[str, np.ndarray]:
    w = bm25.weights
    vocab = SortedVocab.from_dict(bm25.vocab)
    return {
        f"{prefix}_data": w.data.astype(np.float32, copy=False),
        f"{prefix}_indices": w.indices.astype(np.int32, copy=False),
        f"{prefix}_indptr": w.indptr.astype(_compact(w.indptr)),
        f"{prefix}_idf": bm25.idf.astype(np.float32, copy=False),
        **{f"{prefix}_vocab_{k}": v for k, v in vocab.arrays.items()},
    }


def _bm25_from(prefix: str, arrays: dict[str, np.ndarray], rows: int) -> BM25:
    vocab = SortedVocab(
        arrays[f"{prefix}_vocab_blob"], arrays[f"{prefix}_vocab_offsets"], arrays[f"{prefix}_vocab_ids"]
    )
    idf = arrays[f"{prefix}_idf"]
    shape = (rows, len(idf))
    weights = _csr(
        sp.csc_matrix,
        arrays[f"{prefix}_data"],
        arrays[f"{prefix}_indices"],
        arrays[f"{prefix}_indptr"],
        shape,
    )
    return BM25.from_arrays(vocab, idf, weights)


def _check(arrays: dict[str, np.ndarray], lists: dict[str, Any]) -> None:
    """Raise ValueError unless the parts fit together (cheap checks only: no scan of the big arrays)."""
    n = len(arrays["chunk_doc"])
    n_ent = len(lists["entities"])
    n_rel = len(arrays["rel_source"])
    sizes = {
        "chunk_ids": n,
        "chunk_rowid": n,
        "tf_ptr": n + 1,
        "tf_len": n,
        "mk_ptr": n + 1,
        "tt_ptr": len(lists["docs"]) + 1,
        "tt_len": len(lists["docs"]),
        "ce_indptr": n + 1,
        "ce_indices": len(arrays["ce_data"]),
        "ec_indptr": n_ent + 1,
        "ec_indices": len(arrays["ec_data"]),
        "ec_ones": len(arrays["ec_data"]),
        "rel_ids": n_rel,
        "rel_target": n_rel,
        "rel_type": n_rel,
        "rel_weight": n_rel,
        "ev_ptr": n_rel + 1,
    }
    for prefix in ("bm25", "title"):
        n_vocab = len(arrays[f"{prefix}_idf"])
        sizes[f"{prefix}_indptr"] = n_vocab + 1
        sizes[f"{prefix}_indices"] = len(arrays[f"{prefix}_data"])
        sizes[f"{prefix}_vocab_ids"] = len(arrays[f"{prefix}_vocab_offsets"]) - 1
    for prefix in ("tf", "tt", "mk"):
        sizes[f"{prefix}_n"] = len(arrays[f"{prefix}_cols"])
        sizes[f"{prefix}_vocab_ids"] = len(arrays[f"{prefix}_vocab_offsets"]) - 1
    for name, want in sizes.items():
        if len(arrays[name]) != want:
            raise ValueError(f"{name} has {len(arrays[name])} entries, expected {want}")
    for ptr, values in (
        ("bm25_indptr", "bm25_data"),
        ("title_indptr", "title_data"),
        ("ce_indptr", "ce_data"),
        ("ec_indptr", "ec_data"),
        ("ev_ptr", "ev_chunk"),
        ("tf_ptr", "tf_cols"),
        ("tt_ptr", "tt_cols"),
        ("mk_ptr", "mk_cols"),
    ):
        if int(arrays[ptr][0]) != 0 or int(arrays[ptr][-1]) != len(arrays[values]):
            raise ValueError(f"{ptr} does not span {values}")
    small = (
        ("chunk_doc", len(lists["docs"])),
        ("rel_source", n_ent),
        ("rel_target", n_ent),
        ("ev_chunk", n),
        ("rel_type", len(lists["relation_types"])),
    )
    for name, bound in small:
        a = arrays[name]
        if a.size and (int(a.min()) < 0 or int(a.max()) >= bound):
            raise ValueError(f"{name} points outside its table")


def _load_parts(path: Path, key: dict[str, Any]) -> tuple[dict[str, np.ndarray], dict[str, Any]] | None:
    if not path.is_file():
        return None
    try:
        meta, arrays = packed.read(path)
        if meta.get("key") != key:
            log.info("search cache %s is for another state of the workspace; rebuilding", path)
            return None
        lists = meta["lists"]
        _check(arrays, lists)
        return arrays, lists
    except Exception as exc:  # any unreadable cache is just rebuilt
        log.warning("ignoring unreadable search cache %s: %s", path, exc)
        return None


def _save_parts(
    path: Path, key: dict[str, Any], arrays: dict[str, np.ndarray], lists: dict[str, Any]
) -> bool:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        packed.write(path, arrays, {"key": key, "lists": lists})
    except OSError as exc:  # read-only workspace, full disk: the index still works, just uncached
        log.info("could not write search cache %s: %s", path, exc)
        return False
    # Files of older generations (or the former .npz format) are dead; a newer one, written by a
    # process that saw a later ingest, is left alone.
    mine = _generation_of(path)
    for old in path.parent.glob("search-*"):
        gen = _generation_of(old)
        if (
            old != path
            and not old.name.endswith(".tmp")
            and (mine is None or gen is None or gen < mine or old.suffix != path.suffix)
        ):
            with contextlib.suppress(OSError):
                old.unlink()
    return True


def _generation_of(path: Path) -> int | None:
    g = path.name.removeprefix("search-").split(".")[0]
    return int(g) if g.isdigit() else None


def _csr(
    kind: type[sp.csr_matrix] | type[sp.csc_matrix],
    data: np.ndarray,
    indices: np.ndarray,
    indptr: np.ndarray,
    shape: tuple[int, int],
) -> Any:
    """A scipy matrix over the given (possibly memory-mapped) arrays, without copying or scanning them."""
    m = kind((data, indices, indptr), shape=shape, copy=False)
    m.has_sorted_indices = True  # written canonical by scipy; saves an O(nnz) check on first use
    m.has_canonical_format = True
    return m


def _assemble(
    store: Store, sig: tuple[Any, ...], arrays: dict[str, np.ndarray], lists: dict[str, Any]
) -> SearchIndex:
    docs, ents = lists["docs"], lists["entities"]
    n = len(arrays["chunk_doc"])
    n_ent = len(ents)
    chunk_entity = _csr(
        sp.csr_matrix, arrays["ce_data"], arrays["ce_indices"], arrays["ce_indptr"], (n, n_ent)
    )
    entity_counts = _csr(
        sp.csc_matrix, arrays["ec_data"], arrays["ec_indices"], arrays["ec_indptr"], (n, n_ent)
    )
    presence = _csr(sp.csc_matrix, arrays["ec_ones"], arrays["ec_indices"], arrays["ec_indptr"], (n, n_ent))

    src, tgt, w = arrays["rel_source"], arrays["rel_target"], arrays["rel_weight"]
    if len(src):
        w32 = w.astype(np.float32)
        adjacency = sp.csr_matrix(
            (np.concatenate([w32, w32]), (np.concatenate([src, tgt]), np.concatenate([tgt, src]))),
            shape=(n_ent, n_ent),
        )
    else:
        adjacency = sp.csr_matrix((n_ent, n_ent), dtype=np.float32)
    # Relation i is listed under its source, then its target, in relation order (a stable sort).
    ends = np.stack([src, tgt], axis=1).ravel()
    order = np.argsort(ends, kind="stable")
    relations_of = Ragged(
        np.concatenate([[0], np.cumsum(np.bincount(ends, minlength=n_ent))]).astype(np.int64),
        (order // 2).astype(np.int32),
    )
    relations = Relations(
        StrArray(arrays["rel_ids"]),
        src,
        tgt,
        list(lists["relation_types"]),
        arrays["rel_type"],
        w,
        Ragged(arrays["ev_ptr"], arrays["ev_chunk"]),
    )

    entity_ids = [str(r[0]) for r in ents]
    entity_keys: list[list[str]] = [[] for _ in ents]
    for k, e in lists["keys"]:
        entity_keys[e].append(k)
    communities = store.communities()
    communities_of: dict[str, list[int]] = {}
    for i, c in enumerate(communities):
        for e in c.entity_ids:
            communities_of.setdefault(e, []).append(i)
    chunk_ids = StrArray(arrays["chunk_ids"])
    return SearchIndex(
        signature=sig,
        doc_ids=[r[0] for r in docs],
        doc_paths=[r[1] for r in docs],
        doc_titles=[r[2] for r in docs],
        chunk_ids=chunk_ids,
        chunk_texts=ChunkTexts(Path(store.path), chunk_ids),
        chunk_doc=arrays["chunk_doc"],
        bm25=_bm25_from("bm25", arrays, n),
        title_bm25=_bm25_from("title", arrays, len(docs)),
        entity_ids=entity_ids,
        entity_names=[r[1] for r in ents],
        entity_types=[r[2] for r in ents],
        entity_keys=entity_keys,
        chunk_entity=chunk_entity,
        entity_counts=entity_counts,
        presence=presence,
        adjacency=adjacency,
        relations=relations,
        relations_of=relations_of,
        linker=Linker({k: entity_ids[e] for k, e in lists["keys"]}),
        communities=communities,
        communities_of=communities_of,
    )


def _previous(store: Store, key: dict[str, Any]) -> _Previous | None:
    """The newest readable cache file of an earlier state of this workspace, to patch; None if none."""
    found = []
    for path in cache_dir(store).glob("search-*.bin"):
        gen = _generation_of(path)
        if gen is not None:
            found.append((gen, path))
    for _, path in sorted(found, reverse=True):
        try:
            meta, arrays = packed.read(path)
            old = meta.get("key") or {}
            if (old.get("format"), old.get("k1"), old.get("b")) != (key["format"], key["k1"], key["b"]):
                continue
            lists = meta["lists"]
            _check(arrays, lists)
        except Exception as exc:  # a damaged or foreign file is no base; the full build replaces it
            log.info("not patching from %s: %s", path, exc)
            continue
        return _Previous(path, arrays, lists)
    return None


def build_index(
    store: Store,
    sig: tuple[Any, ...] | None = None,
    *,
    delta_share: float = DELTA_SHARE,
    full: bool = False,
) -> SearchIndex:
    """The index of ``store``: memory-mapped from the cache file, or built from the database and cached.

    Without a cache file for this state, the newest earlier one is patched with what changed
    since (see :func:`_build_parts`) unless the change exceeds ``delta_share`` of its chunks;
    ``full`` builds from the database whatever is cached (``zhkg ingest --reindex``).
    """
    t0 = time.perf_counter()
    sig = sig if sig is not None else signature(store)
    key = _cache_key(sig)
    path = cache_path(store)
    parts = None if full else _load_parts(path, key)
    how = "cached"
    if parts is None:
        prev = None if full else _previous(store, key)
        patched = _build_parts(store, prev, delta_share) if prev is not None else None
        del prev
        how = "patched" if patched is not None else "built"
        built = patched or _build_parts(store)
        assert built is not None  # a full build always succeeds
        parts = built
        # Served from the file just written when possible: the built arrays are then freed and this
        # process runs on shared, paged memory like any later one.
        if _save_parts(path, key, *parts):
            parts = _load_parts(path, key) or parts
    idx = _assemble(store, sig, *parts)
    idx.build_s = time.perf_counter() - t0
    idx.how = how
    log.debug(
        "search index %s in %.3fs (%d chunks, %d entities)",
        how,
        idx.build_s,
        len(idx.chunk_ids),
        len(idx.entity_ids),
    )
    return idx


__all__ = [
    "ChunkTexts",
    "Ragged",
    "RelationRow",
    "Relations",
    "SearchIndex",
    "StrArray",
    "build_index",
    "cache_path",
    "clear_cache",
    "get_index",
    "report_text",
    "signature",
]
