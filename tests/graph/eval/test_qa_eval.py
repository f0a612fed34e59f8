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
