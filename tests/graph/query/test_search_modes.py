"""Local, global and hybrid retrieval and the router on the hand-built workspace."""

from __future__ import annotations

from graph.query.global_ import (
    asked_type,
    asks_documents,
    choose_level,
    global_search,
    is_overview,
    theme_communities,
)
from graph.query.hybrid import bm25_baseline, hybrid_search
from graph.query.index import get_index
from graph.query.local import local_search
from graph.query.router import route
from graph.store import Store


def paths(index, r):  # type: ignore[no-untyped-def]
    return [index.doc_paths[int(index.chunk_doc[c])] for c, _ in r.chunks]


def test_index_is_cached_until_the_workspace_changes(rag_store: Store) -> None:
    a = get_index(rag_store)
    assert get_index(rag_store) is a
    with rag_store.transaction():
        rag_store.set_meta("generation", str(int(rag_store.meta("generation") or 0) + 1))
    assert get_index(rag_store) is not a


def test_local_links_entities_and_ranks_their_relation_evidence_first(rag_store: Store) -> None:
    index = get_index(rag_store)
    r = local_search(index, "Breeze-7B 和 TAIDE 有什麼關係？", k=3)
    names = [index.entity_names[e] for e in r.linked]
    assert names == ["Breeze-7B", "TAIDE"]
    top = index.chunk_texts[r.chunks[0][0]]
    assert "Breeze-7B" in top and "TAIDE" in top
    rel_types = {index.relations[i].type for i in r.relations}
    assert "COMPARED_WITH" in rel_types
    assert any("相互比較" in ln.text for ln in r.lines)
    assert r.communities  # the seeds' community report is part of the evidence


def test_local_expands_to_neighbours(rag_store: Store) -> None:
    index = get_index(rag_store)
    r = local_search(index, "QLoRA 是什麼？", k=5)
    names = {index.entity_names[e] for e in r.entities}
    assert {"QLoRA", "LoRA", "RTX 4090"} <= names


def test_global_lists_documents_and_reports(rag_store: Store) -> None:
    index = get_index(rag_store)
    r = global_search(index, "哪些文件提到 Breeze-7B？", k=5)
    doc_lines = [ln.text for ln in r.lines if ln.text.startswith("《")]
    assert any("lora.md" in t for t in doc_lines) and any("breeze.md" in t for t in doc_lines)
    assert r.communities
    generic = global_search(index, "這些文章整體在談什麼？", k=3)
    assert len(generic.communities) == 3  # ranked reports even with nothing specific to match
    assert len(set(paths(index, generic))) >= 2
    assert choose_level(index, 99) in index.levels()


def test_global_question_kinds() -> None:
    assert asks_documents("哪些文章提到 LoRA？") and asks_documents("Which documents mention vLLM?")
    assert is_overview("這些文章整體在談什麼？") and is_overview("What are the main themes of this corpus?")
    assert asked_type("語料中最常被討論的本地推論工具有哪些？") == "TOOL"
    assert asked_type("這些文章裡常用來跑模型的硬體有哪些？") == "HARDWARE"  # head noun, not 模型
    assert asked_type("評估繁體中文模型常用的資料集有哪些？") == "DATASET"  # 資料集 is not 資料 (documents)
    assert asked_type("有哪些中文評測基準？") == "DATASET"
    assert asked_type("What are the most cited benchmarks?") == "DATASET"
    assert asked_type("List the data sets") == "DATASET"
    assert asked_type("哪些資料提到 TMMLU+？") is None  # asks for documents
    assert asked_type("哪些文章介紹了模型？") is None  # asks for documents
    assert asked_type("vLLM 使用什麼技術？") is None


def test_global_overview_cites_one_representative_chunk_per_theme(rag_store: Store) -> None:
    index = get_index(rag_store)
    r = global_search(index, "這些文章整體在談什麼？", k=3)
    themes = theme_communities(index, 3)
    assert r.communities and set(r.communities) <= set(themes)
    reports = [ln for ln in r.lines if ln.kind == "report"]
    central = [ln for ln in r.lines if ln.kind == "central"]
    assert len(reports) == len(r.communities) and len(central) == 1
    assert central[0].chunk in {ln.chunk for ln in reports}  # no citation slot of its own
    for ln, ci in zip(reports, r.communities, strict=True):
        members = set(index.communities[ci].entity_ids)
        mentioned = {index.entity_ids[e] for e in index.chunk_entity[ln.chunk].indices}
        assert members & mentioned  # the cited chunk really is about the theme
    assert {c for c, _ in r.chunks} <= set(range(len(index.chunk_ids)))


def test_global_lists_entities_of_the_asked_type(rag_store: Store) -> None:
    index = get_index(rag_store)
    r = global_search(index, "這些文章最常提到哪些工具？", k=5)
    listed = [ln for ln in r.lines if ln.kind == "entity"]
    assert listed
    for ln in listed:
        name = ln.text.split("（")[0]
        e = index.entity_names.index(name)
        assert index.entity_types[e] == "TOOL"
        assert e in index.chunk_entity[ln.chunk].indices  # cited where it is mentioned


def test_global_orders_documents_by_coverage_then_relevance(rag_store: Store) -> None:
    index = get_index(rag_store)
    r = global_search(index, "哪些文件同時提到 Breeze-7B 和 TAIDE？", k=5)
    docs = [ln for ln in r.lines if ln.kind == "doc"]
    assert docs and docs[0].score >= docs[-1].score
    first = index.chunk_texts[docs[0].chunk]
    assert "Breeze-7B" in first and "TAIDE" in first


def test_hybrid_finds_alias_only_chunks_and_beats_nothing(rag_store: Store) -> None:
    index = get_index(rag_store)
    r = hybrid_search(index, "推論引擎的吞吐量", k=3)
    assert paths(index, r)[0] == "vllm.md"
    # The question uses the Simplified spelling; the chunk is Traditional.
    r2 = hybrid_search(index, "向量数据库有哪些", k=3)
    assert {"rag.md", "vectordb-zh-hans.md"} <= set(paths(index, r2))
    base = bm25_baseline(index, "推論引擎", k=3)
    assert base.mode == "bm25" and paths(index, base)[0] == "vllm.md"


def test_router(rag_store: Store) -> None:
    index = get_index(rag_store)
    assert route(index, "这些文章整体在谈什么？")[0] == "global"
    assert route(index, "Which documents mention vLLM?")[0] == "global"
    assert route(index, "哪些文件提到 LoRA？")[0] == "global"
    assert route(index, "vLLM 使用什麼技術？")[0] == "local"
    assert route(index, "推論引擎的吞吐量如何？")[0] == "hybrid"
