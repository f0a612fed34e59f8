"""Community reports: extractive writer content, and the LLM writer's content-hash cache."""

from __future__ import annotations

from fake_openai import FakeOpenAI, Reply
from rag_corpus import write_corpus

from extract.records import Entity, EntityType, Evidence, Relation, RelationType
from graph.build.communities import refresh
from graph.build.reports import REPORT_CACHE_PREFIX, TYPE_LABELS, content_hash, extractive_report, zh_tw
from graph.llm.client import LLMClient
from graph.settings import load_settings
from graph.store import Store, open_store


def _community() -> tuple[list[Entity], list[Relation]]:
    hub = Entity("e1", "向量数据库", EntityType.CONCEPT, mention_count=3, doc_ids=("d1", "d2"))
    a = Entity("e2", "Milvus", EntityType.TOOL, mention_count=9, doc_ids=("d1",))
    b = Entity("e3", "Qdrant", EntityType.TOOL, mention_count=1, doc_ids=("d2",))
    ev1 = Evidence("d1", "k1", "Milvus 是开源的向量数据库。")
    ev2 = Evidence("d2", "k2", "Qdrant 也是一種向量資料庫。")
    rels = [
        Relation("r1", "e2", "e1", RelationType.IS_A, 3.0, 0.9, evidence=(ev1,)),
        Relation("r2", "e3", "e1", RelationType.IS_A, 2.0, 0.9, evidence=(ev2,)),
    ]
    return [a, b, hub], rels


def test_extractive_report_is_traditional_and_ranked() -> None:
    members, rels = _community()
    rep = extractive_report(0, members, rels, {"d1": ("a.md", "向量資料庫比較"), "d2": ("b.md", "")})
    # The hub has the highest weighted degree although Milvus has more mentions.
    assert [e["name"] for e in rep["entities"]][:2] == ["向量数据库", "Milvus"]
    assert rep["title"].startswith("向量資料庫")  # Simplified name shown in Traditional
    assert "向量資料庫" in rep["summary"] and "数据" not in rep["summary"]
    assert "此社群包含 3 個實體" in rep["summary"]
    assert [s["chunk_id"] for s in rep["sentences"]] == ["k1", "k2"]  # strongest relation first
    assert rep["relations"][0]["text"] == "Milvus 是一種 向量数据库"
    assert {d["doc_id"] for d in rep["documents"]} == {"d1", "d2"}
    assert rep["writer"] == "extractive"


def test_every_entity_type_has_a_chinese_name_in_reports() -> None:
    assert set(TYPE_LABELS) == {t.value for t in EntityType}
    bench = [
        Entity("b1", "TMMLU+", EntityType.DATASET, mention_count=4, doc_ids=("d1",)),
        Entity("b2", "MMLU", EntityType.DATASET, mention_count=2, doc_ids=("d1",)),
        Entity("m1", "Breeze-7B", EntityType.MODEL, mention_count=1, doc_ids=("d1",)),
    ]
    ev = Evidence("d1", "k1", "Breeze-7B 在 TMMLU+ 與 MMLU 上都有評測。")
    rels = [
        Relation("r1", "b1", "b2", RelationType.RELATED_TO, 1.0, 0.5, evidence=(ev,)),
        Relation("r2", "m1", "b1", RelationType.RELATED_TO, 1.0, 0.5, evidence=(ev,)),
    ]
    rep = extractive_report(0, bench, rels, {"d1": ("a.md", "評測")})
    assert "以資料集、模型為主" in rep["summary"] and "DATASET" not in rep["summary"]


def test_zh_tw_leaves_traditional_variants_alone() -> None:
    assert zh_tw("台灣的模型") == "台灣的模型"
    assert zh_tw("大语言模型") == "大語言模型"


def test_content_hash_changes_with_evidence_only_when_content_changes() -> None:
    members, rels = _community()
    ids = [e.id for e in members]
    h = content_hash(ids, rels)
    assert h == content_hash(list(reversed(ids)), list(reversed(rels)))
    changed = [
        rels[0],
        Relation("r2", "e3", "e1", RelationType.IS_A, 2.0, 0.9, evidence=(Evidence("d2", "k2", "新句子"),)),
    ]
    assert content_hash(ids, changed) != h


def test_llm_writer_is_cached_by_content_hash(tmp_path, fake_openai: tuple[FakeOpenAI, str]) -> None:  # type: ignore[no-untyped-def]
    server, url = fake_openai
    server.script = [Reply(content="標題：向量檢索工具\n摘要：這組工具用於向量檢索。")]
    store: Store = open_store(tmp_path / "ws", create=True)
    settings = load_settings(env={}, overrides={"workspace": tmp_path / "ws"})
    write_corpus(store)  # extractive reports only: no request yet
    assert server.requests == []
    llm = LLMClient(url, "fake-model", sleep=lambda s: None)
    with store.transaction():
        first = refresh(store, settings, llm)
    n = len(server.requests)
    assert n == len({c.content_hash for c in first}) > 0  # identical communities share one report
    assert all(c.report["writer"] == "llm" and c.title == "向量檢索工具" for c in first)
    assert store.cache_get(REPORT_CACHE_PREFIX + first[0].content_hash) is not None
    # The prompt carries the community's evidence and demands Traditional Chinese.
    assert "繁體中文" in server.requests[0]["messages"][0]["content"]
    with store.transaction():
        again = refresh(store, settings, llm)
    assert len(server.requests) == n  # unchanged communities are not rewritten
    with store.transaction():
        no_llm = refresh(store, settings)  # an ingest without LLM keeps the cached LLM text
    assert [c.title for c in no_llm] == [c.title for c in again]
    store.close()


def test_llm_writer_failure_keeps_extractive(tmp_path, fake_openai: tuple[FakeOpenAI, str]) -> None:  # type: ignore[no-untyped-def]
    server, url = fake_openai
    server.script = [Reply(status=400, error="bad")]
    store = open_store(tmp_path / "ws", create=True)
    write_corpus(store)
    llm = LLMClient(url, "fake-model", sleep=lambda s: None)
    with store.transaction():
        out = refresh(store, load_settings(env={}), llm)
    assert out and all(c.report["writer"] == "extractive" for c in out)
    store.close()
