from __future__ import annotations

import json
from pathlib import Path

import pytest

from extract.records import Document, Entity, EntityType, Mention, RelationCandidate, RelationType
from graph.eval.extraction import GoldError, format_report, match_doc_path, run_eval
from graph.store import Store, open_store


def _mention(doc: str, key: str, surface: str, extractor: str = "lexicon") -> Mention:
    return Mention(doc, "c", 0, len(surface), surface, key, EntityType.TOOL, extractor, 0.9)


@pytest.fixture()
def workspace(tmp_path: Path) -> Store:
    """A hand-built workspace: one document, four predicted nodes, one relation candidate."""
    store = open_store(tmp_path / "ws", create=True)
    doc = Document("d1", "/abs/examples/corpus/a.md", "g", "t", "body", "h", "utf-8", 4)
    ents = [
        Entity("e1", "Ollama", EntityType.TOOL, aliases=("ollama",)),
        Entity("e2", "vLLM", EntityType.MODEL),  # right thing, wrong type
        Entity("e3", "Foo", EntityType.TOOL),  # a false positive
        Entity("e4", "LangChain", EntityType.TOOL),  # gold LangChain split into two nodes
        Entity("e5", "Lang Chain Core", EntityType.TOOL, aliases=("LangChain",)),
        Entity("e6", "Hidden", EntityType.TOOL),  # only a family placeholder: not "in" the document
    ]
    keys = {
        "ollama": "e1",
        "vllm": "e2",
        "foo": "e3",
        "langchain": "e4",
        "langchaincore": "e5",
        "hidden": "e6",
    }
    with store.transaction():
        store.put_document(doc, [], [])
        store.replace_extraction(
            "d1",
            [],
            [_mention("d1", k, k) for k in ("ollama", "vllm", "foo", "langchain", "langchaincore")]
            + [_mention("d1", "hidden", "hidden", "variant")],
            [
                RelationCandidate("d1", "c", "ollama", "vllm", RelationType.USES, "s", "pattern", 0.7),
                RelationCandidate("d1", "c", "foo", "vllm", RelationType.USES, "s", "pattern", 0.7),
            ],
        )
        store.replace_graph(ents, keys)
    return store


def _gold(tmp_path: Path) -> Path:
    gold = tmp_path / "gold"
    gold.mkdir()
    (gold / "entities.yaml").write_text(
        "documents:\n"
        "  - path: a.md\n    split: tune\n    entities:\n"
        "      - {name: Ollama, type: TOOL}\n"
        "      - {name: vLLM, type: TOOL}\n"
        "      - {name: LangChain, type: TOOL}\n"
        "      - {name: Milvus, type: TOOL}\n"
        "  - path: b.md\n    split: heldout\n    entities: [{name: X, type: TOOL}]\n",
        encoding="utf-8",
    )
    (gold / "relations.yaml").write_text(
        "relations:\n"
        "  - {doc: a.md, source: Ollama, target: vLLM, type: USES, evidence: s}\n"
        "  - {doc: a.md, source: Ollama, target: Milvus, type: USES, evidence: s}\n",
        encoding="utf-8",
    )
    return gold


def test_metrics_on_tiny_gold(workspace: Store, tmp_path: Path) -> None:
    r = run_eval(workspace, _gold(tmp_path), "tune")
    assert r.documents == 1
    # predicted in doc: Ollama, vLLM, Foo, LangChain, Lang Chain Core (Hidden is a placeholder)
    assert r.entities.n_pred == 5 and r.entities.tp_pred == 4
    assert r.entities.n_gold == 4 and r.entities.tp_gold == 3
    assert r.entities.precision == pytest.approx(0.8)
    assert r.entities.recall == pytest.approx(0.75)
    assert r.type_total == 3 and r.type_correct == 2
    assert [s["gold"] for s in r.splits] == ["LangChain"]
    assert r.merges == []
    assert [m["name"] for m in r.missed] == ["Milvus"]
    assert [f["name"] for f in r.false_positives] == ["Foo"]
    assert r.relations.n_gold == 2 and r.relations.tp_gold == 1
    assert r.relations.n_pred == 2 and r.relations.tp_pred == 1
    text = format_report(r, details=True)
    assert "split  a.md: LangChain" in text and "Foo" in text
    json.dumps(r.to_json())


def test_heldout_split_reports_missing_documents(workspace: Store, tmp_path: Path) -> None:
    r = run_eval(workspace, _gold(tmp_path), "heldout")
    assert r.documents == 0 and r.missing_documents == ["b.md"]


def test_merged_gold_entities_are_reported(workspace: Store, tmp_path: Path) -> None:
    gold = _gold(tmp_path)
    (gold / "entities.yaml").write_text(
        "documents:\n  - path: a.md\n    split: tune\n    entities:\n"
        "      - {name: Ollama, type: TOOL}\n      - {name: Ollama Server, type: TOOL, aliases: [ollama]}\n",
        encoding="utf-8",
    )
    r = run_eval(workspace, gold, "all")
    assert [m["node"] for m in r.merges] == ["Ollama"]


def test_bad_gold_is_a_clear_error(workspace: Store, tmp_path: Path) -> None:
    gold = tmp_path / "g"
    gold.mkdir()
    (gold / "entities.yaml").write_text(
        "documents:\n  - path: a.md\n    entities: [{name: X, type: GADGET}]\n"
    )
    with pytest.raises(GoldError, match="unknown entity type"):
        run_eval(workspace, gold, "all")
    with pytest.raises(GoldError, match="does not exist"):
        run_eval(workspace, tmp_path / "nowhere", "all")


def test_match_doc_path_by_suffix() -> None:
    paths = ["examples/corpus/blog/a.md", "/abs/other/a.md.bak", "x/community/w.html"]
    assert match_doc_path("blog/a.md", paths) == "examples/corpus/blog/a.md"
    assert match_doc_path("community/w.html", paths) == "x/community/w.html"
    assert match_doc_path("a.md", ["la.md"]) is None


def test_borderline_gold_counts_for_precision_not_recall(workspace: Store, tmp_path: Path) -> None:
    gold = _gold(tmp_path)
    (gold / "entities.yaml").write_text(
        "documents:\n  - path: a.md\n    split: tune\n    entities:\n"
        "      - {name: Ollama, type: TOOL}\n"
        "      - {name: Foo, type: TOOL, core: false}\n"  # found: a true positive, not a recall item
        "      - {name: Bar, type: TOOL, core: false}\n",  # not found: no recall penalty
        encoding="utf-8",
    )
    r = run_eval(workspace, gold, "all")
    assert r.entities.n_gold == 1 and r.entities.tp_gold == 1
    assert r.borderline_missed == 1
    assert "Foo" not in [f["name"] for f in r.false_positives]


def test_real_corpus_eval_ingests_and_scores_each_split(tmp_path: Path) -> None:
    from graph.build.ingest import ingest_paths
    from graph.eval.extraction import format_scores, real_gold_dirs, score_corpus
    from graph.settings import Settings

    corpus = tmp_path / "corpora" / "mini"
    corpus.mkdir(parents=True)
    (corpus / "a.md").write_text(
        "# 筆記\n\n講者：林怡君。Ollama 使用 llama.cpp 作為推論引擎。\n", encoding="utf-8"
    )
    (corpus / "b.md").write_text("# 另一篇\n\nDify 整合了 Ollama。\n", encoding="utf-8")
    gold = tmp_path / "gold" / "mini"
    gold.mkdir(parents=True)
    (gold / "entities.yaml").write_text(
        "documents:\n"
        "  - path: a.md\n    split: tune\n    entities:\n"
        "      - {name: Ollama, type: TOOL}\n      - {name: llama.cpp, type: TOOL}\n"
        "      - {name: 林怡君, type: PERSON}\n      - {name: Milvus, type: TOOL}\n"
        "  - path: b.md\n    split: heldout\n    entities:\n"
        "      - {name: Dify, type: TOOL}\n      - {name: Ollama, type: TOOL}\n",
        encoding="utf-8",
    )
    (gold / "relations.yaml").write_text(
        "relations:\n  - {doc: a.md, split: tune, source: Ollama, target: llama.cpp, type: USES}\n",
        encoding="utf-8",
    )
    [(name, gold_dir, corpus_dir)] = real_gold_dirs(tmp_path / "gold", tmp_path / "corpora")
    settings = Settings(workspace=tmp_path / "ws")
    ingest_paths([corpus_dir], settings)
    with open_store(settings.workspace, readonly=True) as store:
        tune, heldout = score_corpus(store, name, gold_dir, ("tune", "heldout"))
    assert tune.row()["core_recall"] == pytest.approx(0.75)  # Milvus is not in the text
    assert tune.row()["person_recall"] == pytest.approx(1.0)
    assert tune.row()["relations_recall"] == pytest.approx(1.0)
    assert heldout.row()["core_recall"] == pytest.approx(1.0) and heldout.row()["person_recall"] is None
    table = format_scores([tune, heldout])
    assert "mini" in table and "heldout" in table
    with pytest.raises(GoldError, match="does not exist"):
        real_gold_dirs(tmp_path / "gold", tmp_path / "elsewhere")
