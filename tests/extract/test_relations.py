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
        # possessive: an organisation's product
        ("推論引擎可以選 NVIDIA 的 TensorRT-LLM。", ("TensorRT-LLM", "NVIDIA", R.DEVELOPED_BY)),
        # 搭載: the part is PART_OF the machine
        ("Mac Studio 搭載 Apple M2 Ultra 晶片。", ("M2 Ultra", "Mac Studio", R.PART_OF)),
        ("Mac Studio，搭載 M2 Ultra 與 192 GB 記憶體。", ("M2 Ultra", "Mac Studio", R.PART_OF)),
        # 建構在…之上
        ("Ollama 建構在 llama.cpp 之上。", ("Ollama", "llama.cpp", R.USES)),
        # 以 X 為基礎: models → VARIANT_OF, a tool → USES, relative clause → source after
        ("TAIDE 以 Meta 的 Llama 3 為基礎。", ("TAIDE", "Llama 3", R.VARIANT_OF)),
        ("CKIP Transformers 以 BERT 為基礎。", ("CKIP Transformers", "BERT", R.USES)),
        ("或者直接使用以 Llama 3 為基礎繼續預訓練的 TAIDE。", ("TAIDE", "Llama 3", R.VARIANT_OF)),
        ("TAIDE 基於 Llama 3 繼續預訓練。", ("TAIDE", "Llama 3", R.VARIANT_OF)),
        # the model after the verb: 「用 X 跑 M」「在 X 上執行 M」
        ("我們用 Ollama 在本機跑 Llama 3.1 8B。", ("Llama 3.1 8B", "Ollama", R.RUNS_ON)),
        ("在一台 MacBook Pro 上示範執行 Mistral 7B。", ("Mistral 7B", "MacBook Pro", R.RUNS_ON)),
        ("用 Docker 架了 Open WebUI。", ("Open WebUI", "Docker", R.RUNS_ON)),
        # 支援 by target type: hardware → RUNS_ON, a model on a server → RUNS_ON, a method → USES
        ("llama.cpp 支援 Apple Silicon。", ("llama.cpp", "Apple Silicon", R.RUNS_ON)),
        ("vLLM 支援 Llama 3.1 405B 的推論。", ("Llama 3.1 405B", "vLLM", R.RUNS_ON)),
        ("vLLM 支援 PagedAttention。", ("vLLM", "PagedAttention", R.USES)),
        # a clause without a subject takes the previous clause's
        ("Neo4j 是圖資料庫，使用 Cypher 查詢。", ("Neo4j", "Cypher", R.USES)),
        ("Chroma 是 FAISS 的替代方案之一。", ("Chroma", "FAISS", R.ALTERNATIVE_TO)),
        ("我選擇 Chroma 當向量資料庫。", ("Chroma", "向量資料庫", R.IS_A)),
        ("他比較了 LangChain 和 LlamaIndex。", ("LangChain", "LlamaIndex", R.COMPARED_WITH)),
        ("LangGraph 是 LangChain 生態系的一部分。", ("LangGraph", "LangChain", R.PART_OF)),
        ("TAIDE 由國科會推動。", ("TAIDE", "國科會", R.DEVELOPED_BY)),
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


def test_pronoun_refers_to_the_previous_sentence_topic(ex: Extractor) -> None:
    rels = typed(ex, "Llama 3.1 405B 的參數量最大。Meta 表示它使用了一萬六千張 H100 訓練。")
    assert ("Llama 3.1 405B", "H100", R.TRAINED_ON) in rels
    assert not any(s == "Meta" and t == R.TRAINED_ON for s, _, t in rels)


def test_subject_is_the_nearest_mention_of_the_clause(ex: Extractor) -> None:
    rels = typed(ex, "Dify 很好用，Open WebUI 透過 Ollama 的 API 呼叫模型。")
    assert ("Open WebUI", "Ollama", R.USES) in rels
    assert ("Dify", "Ollama", R.USES) not in rels


def test_locative_and_people_are_not_subjects(ex: Extractor) -> None:
    rels = typed(ex, "學員試過 Qwen2.5 14B，在工具呼叫的正確率上比 Llama 3.1 8B 穩定。")
    assert {r[2] for r in rels if r[1] == "Llama 3.1 8B"} == {R.COMPARED_WITH}
    assert ("工具呼叫", "Llama 3.1 8B", R.COMPARED_WITH) not in rels
    assert not typed(ex, "Ollama 很方便。建議使用 vLLM 提供服務。")


def test_relative_clause_on_a_plain_noun_gives_nothing(ex: Extractor) -> None:
    rels = typed(ex, "值得關注的是 Qwen2.5 的競爭，以及以 Llama 3.1 為基礎的各種衍生模型。")
    assert not any(t == "Llama 3.1" for _, t, _ in rels)


def test_enumerated_targets_after_a_clause_break(ex: Extractor) -> None:
    rels = typed(ex, "vLLM 也支援多種量化格式，包括 AWQ、GPTQ 與 FP8。")
    assert {("vLLM", "AWQ", R.USES), ("vLLM", "GPTQ", R.USES)} <= rels


def test_rules_only_run_where_their_trigger_words_are() -> None:
    from extract.relations import _RULES, _rule_ids_by_sentence

    body = "Dify 整合了 Ollama。兩者都很好。"
    sents = split_sentences(body)
    ids = _rule_ids_by_sentence(body, sents)
    assert 1 not in ids
    assert any(_RULES[i].name == "integrate" for i in ids[0])
