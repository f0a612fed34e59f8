"""QA evaluation: gold loading, matching rules, and a run over the hand-built workspace."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.eval.qa import QAGoldError, doc_matches, evaluate, key_found, load_questions, summarise
from graph.settings import Settings
from graph.store import Store

GOLD = """
questions:
  - {id: a, split: tune, type: relation, lang: zh-Hant, question: "Breeze-7B 和 TAIDE 有什麼關係？",
     answer_docs: [breeze.md], answer_keys: ["比較"]}
  - {id: b, split: heldout, type: factual, lang: zh-Hans, question: "vLLM 用什么管理 KV cache？",
     answer_docs: [vllm.md], answer_keys: ["PagedAttention"]}
  - {id: c, split: tune, type: factual, lang: en, question: "Who develops bge-large-zh?",
     answer_docs: [nowhere.md], answer_keys: ["不存在的答案"]}
"""


def test_matching_rules() -> None:
    assert doc_matches("examples/corpus/blog/a.md", "blog/a.md") and not doc_matches("x/ba.md", "a.md")
    assert key_found(["Paged Attention"], "使用 pagedattention") and not key_found(["甲乙"], "丙丁")


def test_bad_gold_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(QAGoldError, match="does not exist"):
        load_questions(tmp_path)
    (tmp_path / "qa.yaml").write_text("questions:\n  - {id: x}\n", encoding="utf-8")
    with pytest.raises(QAGoldError, match="lacks field"):
        load_questions(tmp_path)


def test_evaluate_and_summarise_per_split(tmp_path: Path, rag_store: Store, rag_settings: Settings) -> None:
    (tmp_path / "qa.yaml").write_text(GOLD, encoding="utf-8")
    qs = load_questions(tmp_path)
    outcomes = evaluate(rag_store, rag_settings, qs)
    by = {(o.question.id, o.mode): o for o in outcomes}
    assert by[("a", "local")].doc_hit and by[("a", "local")].key_hit
    assert by[("b", "auto")].doc_hit and by[("b", "auto")].key_hit
    assert not by[("c", "auto")].doc_hit and not by[("c", "auto")].key_hit  # misses are counted as misses
    s = summarise(outcomes, "all")
    assert set(s) == {"tune", "heldout", "all", "latency"}
    assert s["tune"]["local"]["n"] == 2 and s["heldout"]["local"]["n"] == 1
    assert s["all"]["auto"]["doc_hit@5"] == pytest.approx(2 / 3, abs=1e-3)


def test_measures_rules() -> None:
    from graph.eval.qa import exact_docs, list_coverage

    assert list_coverage(["CUDA", "Metal", "Vulkan", "OpenCL"], "- CUDA\n- metal\n- Vulkan") == 0.75
    assert exact_docs(["c/a.md", "c/b.md"], ["a.md", "b.md"])
    assert not exact_docs(["c/a.md"], ["a.md", "b.md"]) and not exact_docs(["c/a.md", "c/x.md"], ["a.md"])


REAL_DOCS = {
    "ferret.md": "# Ferret 推論引擎\n\nFerret 是一個用 Rust 撰寫的輕量推論引擎。\n\n## 支援的後端\n\n"
    "Ferret 支援以下後端：\n\n- **CPU**：預設\n- **CUDA**：NVIDIA\n- **Vulkan**：跨平台\n",
    "review.md": "# 評測\n\n這篇筆記比較推論引擎，其中 Ferret 最快。\n",
    "garden.md": "# 陽台種菜\n\n番茄需要充足的日照。\n",
}

REAL_GOLD = """
questions:
  - {id: r1, split: tune, kind: definition, lang: zh-Hant, question: "什麼是 Ferret？",
     answer_docs: [ferret.md], answer_keys: ["輕量推論引擎"]}
  - {id: r2, split: tune, kind: list, lang: zh-Hant, question: "Ferret 支援哪些後端？",
     answer_docs: [ferret.md], answer_keys: ["CUDA"], list_items: [CPU, CUDA, Vulkan, Metal]}
  - {id: r3, split: heldout, kind: corpus, lang: en, question: "Which documents mention Ferret?",
     answer_docs: [ferret.md, review.md], answer_keys: ["Ferret"], exact_docs: true}
"""


def test_real_corpus_qa_scores_key_in_answer_list_coverage_and_exact_docs(
    tmp_path: Path, fake_openai: tuple[object, str]
) -> None:
    from fake_openai import FakeOpenAI, Reply

    from graph import api
    from graph.eval.qa import format_summary
    from graph.settings import load_settings

    corpora, gold = tmp_path / "corpora" / "mini", tmp_path / "gold" / "mini"
    corpora.mkdir(parents=True)
    gold.mkdir(parents=True)
    for name, text in REAL_DOCS.items():
        (corpora / name).write_text(text, encoding="utf-8")
    (gold / "qa.yaml").write_text(REAL_GOLD, encoding="utf-8")
    server, url = fake_openai
    assert isinstance(server, FakeOpenAI)
    server.script = [Reply(content="Ferret 是一個用 Rust 撰寫的輕量推論引擎 [1]。它很受歡迎。")]
    settings = load_settings(
        env={}, overrides={"workspace": tmp_path / "unused", "llm_base_url": url, "llm_model": "fake-model"}
    )
    out = api.evaluate_qa_real(
        settings, tmp_path / "gold", tmp_path / "corpora", "all", llm=True, sample=False, details=True
    )
    assert list(out) == ["mini"]
    s = out["mini"]
    tune, held = s["tune"], s["heldout"]
    assert set(tune) == {"bm25", "local", "global", "hybrid", "auto", "llm"}
    auto = s["all"]["auto"]
    assert auto["n"] == 3 and auto["key_in_answer"] == 1.0 and auto["doc_hit@5"] == 1.0
    assert auto["by_kind"]["list"]["list_coverage"] == 0.75  # Metal is in no document: 3 of 4
    assert held["auto"]["docs_exact"] == 1.0 and held["auto"]["exact_n"] == 1
    # The same reply to every question: for the definition its first sentence is backed by passage 1
    # and the second cites nothing (1 of 2 supported); for the list question passage 1 is the list,
    # which does not say what the first sentence says (0 of 2).
    llm = {q["id"]: q["supported"] for q in s["questions"] if q["mode"] == "llm"}
    assert llm["r1"] == 0.5 and llm["r2"] == 0.0
    assert tune["llm"]["supported"] == 0.25
    text = format_summary(s)
    assert "key∈ans" in text and "list" in text and "supported" in text
