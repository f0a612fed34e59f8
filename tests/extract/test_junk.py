from __future__ import annotations

import pytest

from extract.junk import is_junk, junk_reason


@pytest.mark.parametrize(
    "word, reason",
    [
        ("系統", "generic word"),
        ("方法", "generic word"),
        ("问题", "generic word"),  # Simplified spelling of a generic word
        ("href", "markup"),
        ("td", "markup"),
        ("2024", "number"),
        ("24 GB", "number"),
        ("3.5", "number"),
        ("模", "single character"),
        ("A", "single character"),
        ("——", "punctuation"),
        ("docs.dify.ai/index.html", "url"),
    ],
)
def test_junk(word: str, reason: str) -> None:
    assert junk_reason(word) == reason
    assert is_junk(word)


@pytest.mark.parametrize("word", ["Ollama", "知識蒸餾", "GPT-4o", "RTX 4090", "林怡君", "llama.cpp"])
def test_real_names_pass(word: str) -> None:
    assert junk_reason(word) == ""
