"""The search index is cached per workspace generation, memory-mapped later, rebuilt when stale or damaged."""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from rag_corpus import write_corpus

import graph.query.index as index_mod
from graph.query import packed
from graph.query.bm25 import BM25, SortedVocab
from graph.query.global_ import global_search
from graph.query.hybrid import hybrid_search
from graph.query.index import SearchIndex, build_index, cache_path
from graph.query.local import local_search
from graph.query.tokenize import tokens
from graph.store import Store, open_store

QUESTIONS = (
    "Breeze-7B 和 TAIDE 有什麼關係？",
    "QLoRA 是什麼？",
    "哪些文件提到 Breeze-7B？",
    "這些文章整體在談什麼？",
    "vLLM 用什麼管理 KV cache？",
)


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
    assert list(a.chunk_texts) == list(b.chunk_texts)
    assert [a.chunk_ids[i] for i in range(len(a.chunk_ids))] == [
        b.chunk_ids[i] for i in range(len(b.chunk_ids))
    ]
    assert (a.chunk_entity != b.chunk_entity).nnz == 0 and (a.presence != b.presence).nnz == 0
    assert [a.relations[i] for i in range(len(a.relations))] == [
        b.relations[i] for i in range(len(b.relations))
    ]


def _mapped(a: object) -> bool:
    while a is not None:
        if isinstance(a, np.memmap):
            return True
        a = getattr(a, "base", None)
    return False


def test_cache_written_once_per_generation_and_reused(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    first = build_index(store)
    path = cache_path(store)
    assert path.name == "search-1.bin" and path.is_file()
    stat = path.stat()
    with monkeypatch.context() as m:
        _no_tokenizing(m)
        again = build_index(store)
    _same(first, again)
    assert path.stat().st_mtime_ns == stat.st_mtime_ns and path.stat().st_ino == stat.st_ino  # not rewritten
    assert not list(path.parent.glob("*.tmp"))


def test_new_generation_patches_the_old_file_and_removes_it(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = build_index(store)
    old = cache_path(store)
    _bump(store)
    with monkeypatch.context() as m:
        _no_tokenizing(m)  # generation 2 changed no chunk: patched from generation 1, nothing tokenized
        second = build_index(store)
    assert second.how == "patched"
    new = cache_path(store)
    assert new.name == "search-2.bin" and new.is_file()
    assert not old.exists()
    _same(first, second)
    _bump(store)
    with monkeypatch.context() as m:
        _no_tokenizing(m)
        with pytest.raises(AssertionError, match="tokenized"):
            build_index(store, full=True)  # --reindex: built from the database whatever is cached
    third = build_index(store, full=True)
    assert third.how == "built"
    _same(first, third)


def test_corrupt_cache_is_ignored_rebuilt_and_logged(
    store: Store, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    good = build_index(store)
    path = cache_path(store)
    whole = path.read_bytes()
    header_end = whole.index(b'"data_bytes"')
    for junk in (
        b"",
        b"not a search index",
        whole[: len(whole) // 2],  # truncated
        whole + b"\0" * 64,  # too long
        whole[:header_end] + b"#" + whole[header_end + 1 :],  # header no longer JSON
    ):
        # A new file (as a copy or a crash would leave it), not the mapped one rewritten in place:
        # truncating a file under a live memory map faults its readers, which is why the index
        # only ever replaces it.
        tmp = path.with_name("junk")
        tmp.write_bytes(junk)
        os.replace(tmp, path)
        with caplog.at_level(logging.WARNING, logger="graph.query.index"):
            caplog.clear()
            rebuilt = build_index(store)
        assert any("unreadable search cache" in r.getMessage() for r in caplog.records), junk[:20]
        _same(good, rebuilt)
        with monkeypatch.context() as m:  # and the rewritten file is valid again
            _no_tokenizing(m)
            _same(good, build_index(store))


def test_stale_cache_is_not_served(store: Store) -> None:
    good = build_index(store)
    old = cache_path(store)
    # A file of generation 1 under generation 2's name (copied, or written by a racing process):
    # not served as it is, only used as the base of a patch checked against the tables.
    _bump(store)
    shutil.copy(old, cache_path(store))
    stale = build_index(store)
    assert stale.how == "patched"
    _same(good, stale)
    assert build_index(store).how == "cached"
    # The tables changed without a new generation: not served from the file either.
    with store.transaction():
        store.conn.execute("DELETE FROM chunks WHERE rowid = (SELECT max(rowid) FROM chunks)")
    smaller = build_index(store)
    assert smaller.how == "patched"
    assert smaller.bm25.n_docs == good.bm25.n_docs - 1 == len(smaller.chunk_ids)


def test_former_npz_cache_is_removed(store: Store) -> None:
    legacy = cache_path(store).with_suffix(".npz")
    legacy.parent.mkdir(parents=True)
    legacy.write_bytes(b"PK old format")
    build_index(store)
    assert cache_path(store).is_file() and not legacy.exists()


def test_cached_load_answers_like_a_fresh_build(store: Store, tmp_path: Path) -> None:
    fresh = build_index(store)  # built from the database (then served from the file it wrote)
    cached = build_index(store)  # memory-mapped from the file
    for m in (cached.bm25.weights, cached.chunk_entity, cached.entity_counts, cached.presence):
        assert _mapped(m.data) and _mapped(m.indices) and _mapped(m.indptr)  # not copied into memory
    assert _mapped(cached.chunk_doc) and _mapped(cached.chunk_ids.raw)
    blocker = tmp_path / "ws" / "cache"
    shutil.rmtree(blocker)
    blocker.write_text("no cache folder: this build stays in memory")
    in_memory = build_index(store)
    for idx in (cached, in_memory):
        _same(fresh, idx)
        for q in QUESTIONS:
            for search in (local_search, global_search, hybrid_search):
                a, b = search(fresh, q, k=5), search(idx, q, k=5)
                assert a.chunks == b.chunks and a.entities == b.entities and a.relations == b.relations, (
                    q,
                    search,
                )
                assert [(ln.text, ln.chunk, ln.score) for ln in a.lines] == [
                    (ln.text, ln.chunk, ln.score) for ln in b.lines
                ]


def test_empty_workspace_is_cached_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    empty = open_store(tmp_path / "empty", create=True)
    first = build_index(empty)
    assert cache_path(empty).is_file()
    with caplog.at_level(logging.INFO, logger="graph.query.index"):
        again = build_index(empty)
    assert not caplog.records  # served from the file, not rejected and rebuilt
    assert len(again.chunk_ids) == len(first.chunk_ids) == 0 and again.bm25.scores("LoRA").size == 0
    assert local_search(again, "LoRA 是什麼？").chunks == []


def test_pack_round_trip(tmp_path: Path) -> None:
    arrays = {
        "f": np.arange(5, dtype=np.float32),
        "ids": np.array([b"c1", b"c22"], dtype=np.bytes_),
        "empty": np.zeros(0, dtype=np.int64),
        "m": np.arange(6, dtype=np.int16).reshape(2, 3),
    }
    path = tmp_path / "x.bin"
    packed.write(path, arrays, {"k": [1, "二"]})
    meta, back = packed.read(path)
    assert meta == {"k": [1, "二"]} and set(back) == set(arrays)
    for name, a in arrays.items():
        assert back[name].dtype == a.dtype and np.array_equal(back[name], a)
    assert not list(tmp_path.glob("*.tmp"))
    with pytest.raises(TypeError):
        packed.write(path, {"o": np.array([object()])}, {})
    assert packed.read(path)[0] == meta  # a failed write leaves the old file


def test_sorted_vocab_is_the_dict() -> None:
    d = {"lora": 3, "微調": 0, "a": 2, "": 4, "模型": 1, "é": 5}
    v = SortedVocab.from_dict(d)
    assert v == d and len(v) == len(d) and dict(v.items()) == d
    assert v.get("lor") is None and v.get("loraa") is None and "微" not in v and v["模型"] == 1
    assert SortedVocab.from_dict({}).get("x") is None


def test_unwritable_cache_dir_still_builds(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "ws" / "cache"
    blocker.write_text("a file where the cache folder should be")
    idx = build_index(store)
    assert idx.bm25.n_docs == len(idx.chunk_ids) > 0
    assert "Breeze-7B" in idx.chunk_texts[int(idx.bm25.scores("Breeze-7B").argmax())]


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
