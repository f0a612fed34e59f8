from __future__ import annotations

import itertools

import pytest

from extract.extractor import Extractor, ExtractorConfig
from extract.records import Chunk, DocExtraction, Document, EntityType, RelationType


@pytest.fixture(scope="module")
def ex() -> Extractor:
    return Extractor(ExtractorConfig())


def run(ex: Extractor, body: str, chunk_size: int = 10_000) -> DocExtraction:
    doc = Document("d1", "x.md", "g", "t", body, "h", "utf-8", len(body.encode()))
    chunks = [
        Chunk(f"c{i}", "d1", i, body[s : s + chunk_size], s, min(len(body), s + chunk_size))
        for i, s in enumerate(range(0, len(body), chunk_size))
    ]
    (res,) = ex.extract_many([(doc, chunks)])
    return res


def test_mentions_are_body_slices_with_extractor_and_confidence(ex: Extractor) -> None:
    body = "Dify 整合了 Ollama，嵌入模型用 BAAI/bge-m3。講者：林怡君"
    res = run(ex, body)
    assert res.mentions
    for m in res.mentions:
        assert body[m.start : m.end] == m.surface
        assert m.extractor in {"lexicon", "pattern", "variant", "ckip"}
        assert 0 < m.confidence <= 1
    by_surface = {m.surface: m for m in res.mentions}
    assert by_surface["Dify"].canonical == "Dify" and by_surface["Dify"].type is EntityType.TOOL
    assert by_surface["林怡君"].type is EntityType.PERSON


def test_first_containing_chunk_is_used_for_overlapping_chunks(ex: Extractor) -> None:
    body = "第一句提到 Ollama。第二句提到 vLLM。"
    doc = Document("d1", "x.md", "g", "t", body, "h", "utf-8", 1)
    chunks = [Chunk("a", "d1", 0, body[:20], 0, 20), Chunk("b", "d1", 1, body[11:], 11, len(body))]
    (res,) = ex.extract_many([(doc, chunks)])
    chunk_of = {m.surface: m.chunk_id for m in res.mentions}
    assert chunk_of["Ollama"] == "a"
    assert chunk_of["vLLM"] == "b"  # straddles the end of chunk a


def test_variant_gets_family_key_but_no_unstated_variant_of(ex: Extractor) -> None:
    body = "我在 Mac 上執行 llama3.1:70b-instruct-fp16，速度還可以。"
    res = run(ex, body)
    fam = [m for m in res.mentions if m.extractor == "variant"]
    assert fam and fam[0].canonical == "Llama 3.1"  # family not written: placeholder mention
    # The family link lives in the placeholder (→ Entity.variant_of); no sentence states it.
    assert not [r for r in res.relations if r.type is RelationType.VARIANT_OF]


def test_variant_of_where_the_sentence_names_the_family(ex: Extractor) -> None:
    res = run(ex, "Llama 3.1 家族裡我最常用 llama3.1:70b-instruct-fp16。")
    var = [r for r in res.relations if r.type is RelationType.VARIANT_OF]
    keys = {m.key for m in res.mentions if m.extractor != "variant"}
    assert var and var[0].source_key == "llama3.1:70binstructfp16" and var[0].target_key in keys


def test_relation_keys_are_mention_keys_of_the_document(ex: Extractor) -> None:
    body = "Breeze-7B 由聯發科創新基地開發。QLoRA 使用 bitsandbytes 做量化，相較於 LoRA 更省記憶體。"
    res = run(ex, body)
    keys = {m.key for m in res.mentions}
    assert res.relations
    for r in res.relations:
        assert r.source_key in keys and r.target_key in keys
        assert r.sentence in body
    assert any(r.type is RelationType.DEVELOPED_BY for r in res.relations)


def test_junk_and_code_are_not_mentions(ex: Extractor) -> None:
    body = "這個系統的方法很好，2024 年\nmodel = AutoModelForCausalLM.from_pretrained(name)\n見 https://github.com/langgenius/dify"
    surfaces = {m.surface for m in run(ex, body).mentions}
    assert not surfaces & {"系統", "方法", "2024", "AutoModelForCausalLM", "dify", "langgenius"}


def test_simplified_text_gets_traditional_canonicals(ex: Extractor) -> None:
    res = run(ex, "大语言模型可以搭配向量数据库做检索增强生成。")
    assert {m.canonical for m in res.mentions} == {"大型語言模型", "向量資料庫", "檢索增強生成"}


def test_empty_document(ex: Extractor) -> None:
    assert run(ex, "   ") == DocExtraction()


def test_repeated_documents_give_identical_results(ex: Extractor) -> None:
    """The per-extractor caches (pattern names, families, junk) must not change results."""
    body = "Dify 整合了 Ollama，嵌入模型用 BAAI/bge-m3。llama3.1:8b-instruct-q4_K_M 是 Llama 3.1 的量化版本。"
    first = run(ex, body)
    assert run(ex, body) == first


def test_mentions_do_not_overlap_and_keys_are_match_keys(ex: Extractor) -> None:
    from extract.normalize import match_key

    body = "大型語言模型與語言模型、GPT-4o 和 Llama 3.1 405B 都在 RTX 4090 上跑過。"
    ms = [m for m in run(ex, body).mentions if m.extractor != "variant"]
    for a, b in itertools.pairwise(ms):
        assert a.end <= b.start
    assert all(m.key == match_key(m.surface) for m in ms if m.extractor == "lexicon")


def test_a_labelled_wikilink_mentions_the_note_it_points_to(ex: Extractor) -> None:
    from dataclasses import replace

    from extract import clean

    parsed = clean.parse(
        "# 筆記\n\n模型都放在[[Ollama#安裝|本機推論工具]]裡，再接 [[不存在的筆記|別的東西]]。\n", "markdown"
    )
    assert ("本機推論工具", "Ollama") in parsed.link_labels
    body = "\n".join(b.text for b in parsed.blocks)
    assert "[[" not in body and "本機推論工具" in body and "Ollama" not in body
    doc = replace(
        Document("d1", "x.md", "g", "t", body, "h", "utf-8", len(body.encode())),
        link_labels=parsed.link_labels,
    )
    (res,) = ex.extract_many([(doc, [Chunk("c0", "d1", 0, body, 0, len(body))])])
    links = [m for m in res.mentions if m.extractor == "link"]
    assert [(m.surface, m.canonical, m.type) for m in links] == [("本機推論工具", "Ollama", EntityType.TOOL)]
    assert body[links[0].start : links[0].end] == links[0].surface
    # without the link the same words name nothing
    plain = run(ex, body)
    assert not any(m.canonical == "Ollama" for m in plain.mentions)
