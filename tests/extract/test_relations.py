from __future__ import annotations

import pytest

from extract.extractor import Extractor, ExtractorConfig
from extract.records import Chunk, Document, RelationType
from extract.relations import split_sentences

R = RelationType


@pytest.fixture(scope="module")
def ex() -> Extractor:
    return Extractor(ExtractorConfig())


def typed(ex: Extractor, body: str) -> set[tuple[str, str, RelationType]]:
    doc = Document("d1", "x.md", "g", "t", body, "h", "utf-8", 1)
    (res,) = ex.extract_many([(doc, [Chunk("c", "d1", 0, body, 0, len(body))])])
    name = {m.key: (m.canonical or m.surface) for m in res.mentions}
    return {
        (name[r.source_key], name[r.target_key], r.type) for r in res.relations if r.type is not R.RELATED_TO
    }


@pytest.mark.parametrize(
    "body, expected",
    [
        ("LoRA 是一種參數高效微調方法。", ("LoRA", "參數高效微調", R.IS_A)),
        ("LangGraph 是 LangChain 的一部分。", ("LangGraph", "LangChain", R.PART_OF)),
        ("QLoRA 是 LoRA 的延伸。", ("QLoRA", "LoRA", R.VARIANT_OF)),
        ("Breeze-7B 以 Mistral 7B 為基礎繼續預訓練。", ("Breeze-7B", "Mistral 7B", R.VARIANT_OF)),
        ("QLoRA 使用 bitsandbytes 做量化。", ("QLoRA", "bitsandbytes", R.USES)),
        ("Open WebUI 部署在 Docker 上。", ("Open WebUI", "Docker", R.RUNS_ON)),
        ("Dify 整合了 Ollama。", ("Dify", "Ollama", R.INTEGRATES)),
        ("相較於 GPT-4o，Breeze-7B 更便宜。", ("Breeze-7B", "GPT-4o", R.COMPARED_WITH)),
        ("Breeze-7B 由聯發科創新基地開發。", ("Breeze-7B", "聯發科創新基地", R.DEVELOPED_BY)),
        ("Breeze-7B 在 RTX 4090 上訓練了三個 epoch。", ("Breeze-7B", "RTX 4090", R.TRAINED_ON)),
        ("建議把 Ollama 換成 vLLM。", ("Ollama", "vLLM", R.ALTERNATIVE_TO)),
    ],
)
def test_typed_relation_patterns(ex: Extractor, body: str, expected: tuple[str, str, RelationType]) -> None:
    assert expected in typed(ex, body)


def test_enumeration_shares_the_relation(ex: Extractor) -> None:
    rels = typed(ex, "Dify 整合了 Ollama、vLLM 和 Qdrant。")
    assert {("Dify", t, R.INTEGRATES) for t in ("Ollama", "vLLM", "Qdrant")} <= rels


def test_cooccurrence_is_down_weighted_in_tables_and_lists(ex: Extractor) -> None:
    body = "Ollama 與 vLLM 都很好用。\n- Ollama 與 vLLM\n| Ollama | vLLM |"
    doc = Document("d1", "x.md", "g", "t", body, "h", "utf-8", 1)
    (res,) = ex.extract_many([(doc, [Chunk("c", "d1", 0, body, 0, len(body))])])
    weights = sorted(r.weight for r in res.relations if r.type is R.RELATED_TO)
    assert weights == [0.3, 0.5, 1.0]


def test_split_sentences_marks_kinds() -> None:
    body = "第一句。第二句！\n- 清單項目\n| a | b |"
    sents = split_sentences(body)
    assert [body[s.start : s.end] for s in sents] == ["第一句。", "第二句！", "- 清單項目", "| a | b |"]
    assert [s.kind for s in sents][2:] == ["item", "row"]
