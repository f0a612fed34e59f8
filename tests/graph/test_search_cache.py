"""The chunk BM25 is persisted per workspace generation and reused by later processes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from rag_corpus import write_corpus

import graph.search.index as index_mod
from graph.search.bm25 import BM25
from graph.search.index import SearchIndex, build_index, cache_path
from graph.search.tokenize import tokens
from graph.store import Store, open_store


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = open_store(tmp_path / "ws", create=True)
    write_corpus(s)
    with s.transaction():
        s.set_meta("generation", "1")
    return s


def _bump(store: Store) -> None:
    with store.transaction():
        store.set_meta("generation", str(int(store.meta("generation") or 0) + 1))


def _no_tokenizing(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*_a: object, **_k: object) -> list[str]:
        raise AssertionError("chunks were tokenized although the cache was valid")

    monkeypatch.setattr(index_mod, "tokens", boom)


def _same(a: SearchIndex, b: SearchIndex) -> None:
    assert a.bm25.vocab == b.bm25.vocab
    assert np.array_equal(a.bm25.idf, b.bm25.idf)
    assert a.bm25.weights.shape == b.bm25.weights.shape
    assert (a.bm25.weights != b.bm25.weights).nnz == 0
    assert a.bm25.weights.dtype == np.float32 and b.bm25.weights.dtype == np.float32
    q = tokens("Breeze-7B 和 TAIDE 有什麼關係？")
    assert np.array_equal(a.bm25.scores(q), b.bm25.scores(q))
    assert a.chunk_texts == b.chunk_texts


def test_cache_written_once_per_generation_and_reused(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    first = build_index(store)
    path = cache_path(store)
    assert path.name == "search-1.npz" and path.is_file()
    stat = path.stat()
    with monkeypatch.context() as m:
        _no_tokenizing(m)
        again = build_index(store)
    _same(first, again)
    assert path.stat().st_mtime_ns == stat.st_mtime_ns and path.stat().st_ino == stat.st_ino  # not rewritten
    assert not list(path.parent.glob("*.tmp"))


def test_new_generation_rebuilds_and_removes_the_old_file(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = build_index(store)
    old = cache_path(store)
    _bump(store)
    with monkeypatch.context() as m:
        _no_tokenizing(m)
        with pytest.raises(AssertionError, match="tokenized"):
            build_index(store)  # generation 2 has no cache yet: it must tokenize
    second = build_index(store)
    new = cache_path(store)
    assert new.name == "search-2.npz" and new.is_file()
    assert not old.exists()
    _same(first, second)


def test_corrupt_or_foreign_cache_is_ignored_and_rebuilt(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    good = build_index(store)
    path = cache_path(store)
    for junk in (b"", b"not a zip file", path.read_bytes()[: path.stat().st_size // 2]):
        path.write_bytes(junk)
        rebuilt = build_index(store)
        _same(good, rebuilt)
        with monkeypatch.context() as m:  # and the rewritten file is valid again
            _no_tokenizing(m)
            _same(good, build_index(store))
    # A cache of another chunk list (same generation) is not trusted either.
    with store.transaction():
        store.conn.execute("DELETE FROM chunks WHERE rowid = (SELECT max(rowid) FROM chunks)")
    smaller = build_index(store)
    assert smaller.bm25.n_docs == good.bm25.n_docs - 1 == len(smaller.chunk_ids)


def test_unwritable_cache_dir_still_builds(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "ws" / "cache"
    blocker.write_text("a file where the cache folder should be")
    idx = build_index(store)
    assert idx.bm25.n_docs == len(idx.chunk_ids) > 0


def _reference_weights(
    docs: list[list[str]], k1: float = 1.2, b: float = 0.75
) -> tuple[dict[str, int], sp.csc_matrix]:
    """The original list-based construction, kept to prove the streaming one is identical."""
    vocab: dict[str, int] = {}
    rows: list[int] = []
    cols: list[int] = []
    for i, toks in enumerate(docs):
        for tok in toks:
            rows.append(i)
            cols.append(vocab.setdefault(tok, len(vocab)))
    n = len(docs)
    tf = sp.coo_matrix(
        (np.ones(len(rows), dtype=np.float32), (np.asarray(rows), np.asarray(cols))), shape=(n, len(vocab))
    ).tocsr()
    tf.sum_duplicates()
    lengths = np.asarray([len(t) for t in docs], dtype=np.float32)
    avg = float(lengths.mean()) or 1.0
    df = np.bincount(tf.indices, minlength=len(vocab)).astype(np.float32)
    idf = np.log1p((n - df + 0.5) / (df + 0.5)).astype(np.float32)
    norm = k1 * (1.0 - b + b * lengths / avg)
    row_of = np.repeat(np.arange(n), np.diff(tf.indptr))
    data = tf.data * (k1 + 1.0) / (tf.data + norm[row_of]) * idf[tf.indices]
    return vocab, sp.csr_matrix((data.astype(np.float32), tf.indices, tf.indptr), shape=tf.shape).tocsc()


def test_streaming_bm25_matches_the_list_based_construction(store: Store) -> None:
    idx = build_index(store)
    docs = [tokens(t) for t in idx.chunk_texts] + [[], ["lora", "lora", "微調"]]
    vocab, ref = _reference_weights(docs)
    bm = BM25(iter(docs))  # any iterable, consumed once
    assert bm.vocab == vocab and bm.n_docs == len(docs)
    assert bm.weights.dtype == np.float32 and bm.weights.indices.dtype == np.int32
    assert np.array_equal(bm.weights.indptr, ref.indptr)
    assert np.array_equal(bm.weights.indices, ref.indices)
    assert np.array_equal(bm.weights.data, ref.data)
