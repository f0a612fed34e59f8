"""After a small change the search index is patched from the previous generation, not rebuilt,
and answers exactly as a full rebuild of the same workspace would (edits, removals, additions)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import graph.query.index as index_mod
from graph import api
from graph.query.answer import ask
from graph.query.global_ import global_search
from graph.query.hybrid import hybrid_search
from graph.query.index import SearchIndex, build_index, cache_path, clear_cache
from graph.query.local import local_search
from graph.query.tokenize import tokens
from graph.settings import Settings, load_settings
from graph.store import open_store

NAMES = (
    "Ollama",
    "LangChain",
    "Chroma",
    "LoRA",
    "QLoRA",
    "RTX 4090",
    "vLLM",
    "PagedAttention",
    "A100",
    "Breeze-7B",
    "TAIDE",
    "向量資料庫",
    "Milvus",
    "Streamlit",
    "Qdrant",
    "bge-large-zh",
    "BAAI",
)
SENTENCES = (
    "我們用 {a} 搭配 {b}，在第 {n} 台機器上做檢索增強生成。",
    "{a} 的設定比 {b} 簡單，但第 {n} 次測試時記憶體不夠。",
    "比較 {a} 與 {b} 之後，我們把批次大小調成 {n}。",
    "{b} 的文件寫得清楚，{a} 的社群也很活躍，共有 {n} 則討論。",
    "在 {a} 上微調 {b} 花了 {n} 個小時。",
    "第 {n} 版的流程先呼叫 {a}，再把結果交給 {b}。",
)


def _paragraph(i: int, j: int) -> str:
    out = []
    for k in range(4):
        n = i * 31 + j * 7 + k * 3
        a, b = NAMES[n % len(NAMES)], NAMES[(n * 5 + 3) % len(NAMES)]
        out.append(SENTENCES[(i + j + k) % len(SENTENCES)].format(a=a, b=b, n=n))
    return "".join(out)


DOC = """---
title: {title}
---
# {title}

{p0}

## 實驗

{p1}{extra}

## 心得

{p2}
"""

QUESTIONS = (
    "Ollama 和 LangChain 有什麼關係？",
    "LoRA 是什麼？",
    "哪些文件提到 vLLM？",
    "這些文章整體在談什麼？",
    "Breeze-7B 用什麼微調？",
    "Milvus 跟向量資料庫的關係？",
    "新增的筆記寫了什麼？",
)


def _write(folder: Path, i: int, extra: str = "") -> Path:
    p = folder / f"note-{i:02d}.md"
    title = f"第 {i} 篇：{NAMES[i % len(NAMES)]} 筆記"
    paras = {f"p{j}": _paragraph(i, j) for j in range(3)}
    p.write_text(DOC.format(title=title, extra=extra, **paras), encoding="utf-8")
    return p


def _settings(ws: Path, share: float) -> Settings:
    return load_settings(env={}, overrides={"workspace": ws, "index_delta_share": share, "workers": 1})


def _same_index(a: SearchIndex, b: SearchIndex) -> None:
    assert a.doc_ids == b.doc_ids and a.doc_titles == b.doc_titles
    ids = [a.chunk_ids[i] for i in range(len(a.chunk_ids))]
    assert ids == [b.chunk_ids[i] for i in range(len(b.chunk_ids))]
    assert np.array_equal(a.chunk_doc, b.chunk_doc)
    assert a.entity_ids == b.entity_ids
    for m in ("chunk_entity", "entity_counts", "presence", "adjacency"):
        x, y = getattr(a, m), getattr(b, m)
        assert x.shape == y.shape and (x != y).nnz == 0, m
    assert [a.relations[i] for i in range(len(a.relations))] == [
        b.relations[i] for i in range(len(b.relations))
    ]
    # Every token of every chunk and title, and the questions: bit-identical BM25 scores.
    queries = [tokens(q) for q in QUESTIONS] + [tokens(t) for t in a.doc_titles]
    queries += [tokens(t)[:12] for t in a.chunk_texts]
    for q in queries:
        assert np.array_equal(a.bm25.scores(q), b.bm25.scores(q)), q
        assert np.array_equal(a.title_bm25.scores(q), b.title_bm25.scores(q)), q


def _same_search(a: SearchIndex, b: SearchIndex) -> None:
    for q in QUESTIONS:
        for search in (local_search, global_search, hybrid_search):
            x, y = search(a, q, k=5), search(b, q, k=5)
            assert (x.chunks, x.entities, x.relations) == (y.chunks, y.entities, y.relations), (q, search)
            assert [(ln.text, ln.chunk, ln.score) for ln in x.lines] == [
                (ln.text, ln.chunk, ln.score) for ln in y.lines
            ]


def _answers(settings: Settings) -> list[tuple[str, tuple[str, ...]]]:
    with open_store(settings.workspace, readonly=True) as store:
        out = []
        for q in QUESTIONS:
            ans = ask(store, settings, q, use_llm=False)
            out.append((ans.answer, tuple(c.chunk_id for c in ans.citations)))
        return out


def test_patched_index_answers_like_a_full_rebuild(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    paths = [_write(corpus, i) for i in range(14)]
    settings = _settings(tmp_path / "ws", share=0.9)
    api.ingest([corpus], settings)
    first = cache_path_of(settings)
    assert first.is_file()

    calls: list[str] = []
    real = index_mod._chunk_tokens

    def counting(text: str, title: str, section: str) -> list[str]:
        calls.append(text)
        return real(text, title, section)

    monkeypatch.setattr(index_mod, "_chunk_tokens", counting)
    for round_ in range(2):  # patched twice: the second patch starts from a patched file
        for i in (1 + round_, 5, 9 + round_):
            _write(corpus, i, extra=f"第 {round_} 次修訂：改用 Qdrant 與 Chroma 比較，並提到 Mistral 7B。")
        gone = [paths[12 - round_]]
        gone[0].unlink()
        api.remove(gone, settings, index=False)
        for i in (20 + 2 * round_, 21 + 2 * round_):
            _write(corpus, i, extra="這是新增的筆記，談 PagedAttention 與 vLLM。")
        api.ingest([corpus], settings, index=False)
        calls.clear()
        clear_cache()
        status = api.prepare_index(settings)
        assert status.how == "patched"
        with open_store(settings.workspace, readonly=True) as store:
            n_chunks = int(store.conn.execute("SELECT COUNT(*) FROM chunks").fetchone()[0])
            clear_cache()
            patched = build_index(store)
            assert patched.how == "cached"  # the patched file was written and is what later processes map
            # Only the chunks of the edited and added documents were tokenized, not the whole corpus.
            assert 0 < len(calls) < n_chunks / 2, (len(calls), n_chunks)
            patched_answers = _answers(settings)
            full = build_index(store, full=True)
            assert full.how == "built"
            _same_index(patched, full)
            _same_search(patched, full)
            clear_cache()
            assert _answers(settings) == patched_answers
        assert not first.exists()  # the superseded generation's file is gone


def cache_path_of(settings: Settings) -> Path:
    with open_store(settings.workspace, readonly=True) as store:
        return cache_path(store)


def test_a_big_change_or_reindex_rebuilds(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for i in range(6):
        _write(corpus, i)
    settings = _settings(tmp_path / "ws", share=0.25)
    api.ingest([corpus], settings)
    for i in range(4):  # two thirds of the documents edited: over the 25% share
        _write(corpus, i, extra="大幅改寫。")
    api.ingest([corpus], settings, index=False)
    clear_cache()
    assert api.prepare_index(settings).how == "built"
    _write(corpus, 0, extra="再改一次。")
    api.ingest([corpus], settings, index=False)
    clear_cache()
    assert api.prepare_index(settings, full=True).how == "built"  # --reindex
    _write(corpus, 1, extra="小改。")
    report = api.ingest([corpus], settings, reindex=False)
    assert report.index_s is not None
    clear_cache()
    with open_store(settings.workspace, readonly=True) as store:
        assert build_index(store).how == "cached"


def test_delta_share_setting_from_the_environment() -> None:
    assert load_settings(env={"ZHKG_INDEX_DELTA_SHARE": "0.05"}).index_delta_share == 0.05
    with pytest.raises(ValueError, match="index_delta_share"):
        load_settings(env={"ZHKG_INDEX_DELTA_SHARE": "1.5"})
