"""Question → entity linking: aliases, scripts, word boundaries, fuzzy names."""

from __future__ import annotations

from extract.normalize import match_key
from graph.query.linking import Linker

KEYS = {
    match_key(k): v
    for k, v in {
        "LoRA": "lora",
        "QLoRA": "qlora",
        "低秩適應": "lora",
        "向量資料庫": "vdb",
        "bge-large-zh": "bge",
        "LangChain": "lc",
        "A": "single-letter",
    }.items()
}


def ids(question: str) -> list[str]:
    return [lk.entity_id for lk in Linker(KEYS).link(question)]


def test_exact_alias_and_cross_script() -> None:
    assert ids("什麼是低秩適應？") == ["lora"]
    assert ids("哪些工具是向量数据库") == ["vdb"]  # Simplified question, Traditional key
    assert ids("BGE Large ZH 是什麼") == ["bge"]  # case and separators


def test_latin_keys_need_word_boundaries_and_longest_match_wins() -> None:
    assert ids("QLoRA 比較省記憶體嗎") == ["qlora"]
    assert ids("what is lora used for") == ["lora"]
    assert ids("QLoRA 和 LoRA 有何不同") == ["qlora", "lora"]
    assert "single-letter" not in ids("A 是什麼")


def test_fuzzy_latin_names() -> None:
    assert ids("how does langchian work") == ["lc"]
    assert ids("完全無關的問題") == []
