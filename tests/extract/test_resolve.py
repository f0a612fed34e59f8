from __future__ import annotations

from collections import Counter

import pytest

from extract.extractor import Extractor, ExtractorConfig
from extract.lexicon import Lexicon
from extract.normalize import match_key
from extract.records import Chunk, Document, Entity, EntityType, SurfaceStat, stable_id
from extract.resolve import merge_rule, resolve


@pytest.fixture(scope="module")
def ex() -> Extractor:
    return Extractor(ExtractorConfig())


def stats_for(ex: Extractor, bodies: list[str]) -> list[SurfaceStat]:
    counts: Counter[tuple] = Counter()
    for i, body in enumerate(bodies):
        doc = Document(f"d{i}", f"{i}.md", "g", "t", body, "h", "utf-8", 1)
        (res,) = ex.extract_many([(doc, [Chunk(f"c{i}", doc.id, 0, body, 0, len(body))])])
        for m in res.mentions:
            counts[(m.key, m.surface, m.type, m.extractor, m.canonical)] += 1
    return [SurfaceStat(k, s, t, e, n, 1, 0.9, c) for (k, s, t, e, c), n in counts.items()]


def by_name(entities: list[Entity]) -> dict[str, Entity]:
    return {e.name: e for e in entities}


def stat(
    surface: str, etype: EntityType = EntityType.TOOL, extractor: str = "pattern", n: int = 1
) -> SurfaceStat:
    return SurfaceStat(match_key(surface), surface, etype, extractor, n, 1, 0.6)


def test_case_width_spacing_and_hyphen_variants_merge() -> None:
    res = resolve(
        [
            stat("FooGraph", n=3),
            stat("foograph"),
            stat("ＦｏｏＧｒａｐｈ"),
            stat("Foo-Graph"),
            stat("foo graph"),
        ],
        Lexicon([]),
    )
    assert len(res.entities) == 1
    e = res.entities[0]
    assert e.name == "FooGraph"  # most written, original casing
    assert set(res.key_to_entity) == {"foograph"}
    assert any("case variant" in m for m in e.merges)
    assert any("full-width" in m for m in e.merges)
    assert any("spacing/hyphen" in m for m in e.merges)
    assert e.id == stable_id("e", "foograph")


def test_simplified_document_merges_into_traditional_entities(ex: Extractor) -> None:
    trad = "大型語言模型搭配向量資料庫就是檢索增強生成的核心，LangChain 也支援。"
    simp = "大语言模型搭配向量数据库，检索增强生成（RAG）很常见，langchain 也支持。"
    res = resolve(stats_for(ex, [trad, simp]), ex.lexicon)
    ents = by_name(res.entities)
    assert {"大型語言模型", "向量資料庫", "檢索增強生成", "LangChain"} <= set(ents)
    assert "大语言模型" in ents["大型語言模型"].aliases
    assert any("zh-Hans" in m or "Simplified" in m for m in ents["向量資料庫"].merges)
    assert len([e for e in res.entities if e.type is EntityType.CONCEPT]) == 3


def test_abbreviation_and_expansion_merge(ex: Extractor) -> None:
    res = resolve(
        stats_for(ex, ["RAG 就是 Retrieval-Augmented Generation，中文叫檢索增強生成；LLM 是大型語言模型。"]),
        ex.lexicon,
    )
    ents = by_name(res.entities)
    assert set(ents["檢索增強生成"].aliases) >= {"RAG", "Retrieval-Augmented Generation"}
    assert any("abbreviation" in m for m in ents["大型語言模型"].merges)


def test_taiwan_mainland_pairs_merge(ex: Extractor) -> None:
    res = resolve(stats_for(ex, ["用結巴分詞", "用结巴分词"]), ex.lexicon)
    assert [e.name for e in res.entities] == ["jieba"]


def test_variant_links_to_family_without_merging(ex: Extractor) -> None:
    res = resolve(
        stats_for(
            ex, ["Llama 3.1 很強，llama3.1:70b-instruct-fp16 很大。", "執行 qwen2.5:7b-instruct-q4_K_M"]
        ),
        ex.lexicon,
    )
    ents = by_name(res.entities)
    fam = ents["Llama 3.1"]
    var = ents["llama3.1:70b-instruct-fp16"]
    assert var.id != fam.id and var.variant_of == fam.id
    assert var.type is EntityType.MODEL
    assert ents["qwen2.5:7b-instruct-q4_K_M"].variant_of == ents["Qwen2.5"].id


def test_every_key_is_mapped_and_ids_are_stable(ex: Extractor) -> None:
    stats = stats_for(ex, ["Dify 整合了 Ollama 與 vLLM。", "講者：林怡君介紹 GPT-4o"])
    a, b = resolve(stats, ex.lexicon), resolve(list(reversed(stats)), ex.lexicon)
    assert set(a.key_to_entity) == {s.key for s in stats}
    assert a.key_to_entity == b.key_to_entity
    assert set(a.key_to_entity.values()) == {e.id for e in a.entities}


def test_type_vote_for_unknown_names() -> None:
    res = resolve(
        [stat("Zorblax", EntityType.TOOL, n=1), stat("Zorblax", EntityType.MODEL, "ckip", n=5)], Lexicon([])
    )
    assert res.entities[0].type is EntityType.MODEL


def test_merge_rule_explanations() -> None:
    assert merge_rule("langgraph", "LangGraph") == "case variant"
    assert merge_rule("bge large zh v1.5", "bge-large-zh-v1.5") == "spacing/hyphen variant"
    assert merge_rule("BAAI/bge-m3", "bge-m3") == "Hugging Face id"
    assert merge_rule("大语言模型", "大語言模型") == "Simplified → Traditional"
