"""Tokenizer and BM25 for Chinese/English text."""

from __future__ import annotations

import numpy as np

from graph.query.bm25 import BM25, top_k
from graph.query.tokenize import tokens


def test_tokens_bigrams_latin_words_and_script_folding() -> None:
    t = tokens("用 LoRA 微调模型")
    assert "lora" in t and "微調" in t and "模型" in t  # Simplified question meets Traditional text
    assert "的" not in tokens("模型的參數")  # stop unigram dropped, bigrams kept
    assert "bge" in tokens("bge-large-zh") and "qwen2.5" in tokens("Qwen2.5")


def test_bm25_ranks_matching_document_first_and_zero_for_no_match() -> None:
    docs = ["向量資料庫 Milvus 與 Qdrant", "LoRA 微調大型語言模型", "今天天氣很好"]
    bm = BM25([tokens(d) for d in docs])
    s = bm.scores("哪個向量資料庫")
    assert int(np.argmax(s)) == 0 and s[2] == 0
    assert list(top_k(bm.scores("LoRA"), 5)) == [1]
    assert bm.scores("完全無關詞彙XYZ").sum() == 0


def test_bm25_handles_empty_corpus() -> None:
    bm = BM25([])
    assert bm.scores("任何").shape == (0,)
