"""Typed relations on the shapes real documents take: negation, hedges, the clause's subject,
direction by types, lists under lead-ins and headings, English phrasings inside Chinese text.

Every sentence here is written for these tests.
"""

from __future__ import annotations

import pytest
from relation_doc import Triple, relations, typed

from extract.extractor import Extractor, ExtractorConfig
from extract.records import EntityType, Mention, RelationType
from extract.relations import _RULES, _orient

R = RelationType


@pytest.fixture(scope="module")
def ex() -> Extractor:
    return Extractor(ExtractorConfig())


def confidence(ex: Extractor, text: str, triple: Triple) -> float:
    rels, names, _ = relations(ex, text)
    found = [r.confidence for r in rels if (names[r.source_key], names[r.target_key], r.type) == triple]
    assert found, f"{triple} not found in {text!r}"
    return max(found)


# --- negation, questions, hedges ------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Ollama 不能運行在 Jetson 之上。",
        "vLLM 無法在 CPU 上執行。",
        "Chroma 不支援 GPU。",
        "Open WebUI 不需要 Docker。",
        "Dify 並非基於 LangChain。",
        "LlamaIndex 沒有整合 Milvus。",
        "Qdrant 不是 FAISS 的替代方案。",
    ],
)
def test_a_negated_cue_states_nothing(ex: Extractor, text: str) -> None:
    assert not typed(ex, text)


def test_negation_only_stops_its_own_clause(ex: Extractor) -> None:
    rels = typed(ex, "Ollama 不能運行在 Jetson 之上，但可以跑在 RTX 4090 上。")
    assert ("Ollama", "RTX 4090", R.RUNS_ON) in rels
    assert not any(t == "Jetson" for _, t, _ in rels)


def test_words_that_only_look_negative_do_not_negate(ex: Extractor) -> None:
    assert ("vLLM", "CUDA", R.INTEGRATES) in typed(ex, "vLLM 不僅支援 CUDA，也很快。")
    assert ("Chroma", "FAISS", R.COMPARED_WITH) in typed(ex, "Chroma 不如 FAISS 快。")


@pytest.mark.parametrize(
    "text",
    ["Ollama 是否支援 Windows？", "llama.cpp 可以跑在 Jetson 上嗎？", "Dify 能否整合 Qdrant？"],
)
def test_yes_no_questions_state_nothing(ex: Extractor, text: str) -> None:
    assert not typed(ex, text)


def test_hedges_and_conditions_lower_the_confidence(ex: Extractor) -> None:
    plain = confidence(ex, "vLLM 支援 ROCm。", ("vLLM", "ROCm", R.INTEGRATES))
    assert confidence(ex, "vLLM 可能支援 ROCm。", ("vLLM", "ROCm", R.INTEGRATES)) < plain
    assert confidence(ex, "若 Ollama 整合了 Qdrant，速度會更快。", ("Ollama", "Qdrant", R.INTEGRATES)) < plain


# --- the clause's subject -------------------------------------------------------------------------


def test_the_subject_is_the_clause_subject_not_the_nearest_name(ex: Extractor) -> None:
    rels = typed(ex, "Open WebUI 透過 Ollama 在 RTX 4090 上執行模型。")
    assert {("Open WebUI", "Ollama", R.USES), ("Open WebUI", "RTX 4090", R.RUNS_ON)} <= rels
    assert ("Ollama", "RTX 4090", R.RUNS_ON) not in rels


def test_an_owned_name_is_the_subject_not_its_owner(ex: Extractor) -> None:
    rels = typed(ex, "Meta 的 Llama 3 使用 H100 訓練。")
    assert ("Llama 3", "H100", R.TRAINED_ON) in rels
    assert not any(s == "Meta" and t is R.TRAINED_ON for s, _, t in rels)


def test_people_acting_are_the_subject(ex: Extractor) -> None:
    assert not typed(ex, "我們將看看 Qdrant 能做什麼，並使用 LangChain 串接。")
    assert not typed(ex, "此外，我們會示範如何設定 Dify 以與 Qdrant 互動。")


def test_an_unnamed_subject_is_not_replaced_by_the_topic(ex: Extractor) -> None:
    rels = typed(ex, "Ollama 很容易安裝。最簡單的方式是透過 Docker 啟動。")
    assert ("Ollama", "Docker", R.USES) not in rels


def test_a_relative_clause_is_about_its_head_noun(ex: Extractor) -> None:
    rels = typed(ex, "vLLM 很快。評測時找出所有在 RTX 4090 上跑過的模型。")
    assert ("vLLM", "RTX 4090", R.RUNS_ON) not in rels


def test_a_replacement_replaces_the_earlier_thing_of_its_kind(ex: Extractor) -> None:
    rels = typed(ex, "團隊原本用 Chroma 做原型，後來改用 Milvus。")
    assert ("Chroma", "Milvus", R.ALTERNATIVE_TO) in rels or ("Milvus", "Chroma", R.ALTERNATIVE_TO) in rels


# --- direction by types ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "llama.cpp 使用 GGUF 格式儲存模型。",
        "GGUF 是 llama.cpp 使用的檔案格式。",
        "llama.cpp 使用的 GGUF 格式很普及。",
    ],
)
def test_the_user_uses_the_format(ex: Extractor, text: str) -> None:
    rels = typed(ex, text)
    assert ("llama.cpp", "GGUF", R.USES) in rels
    assert ("GGUF", "llama.cpp", R.USES) not in rels


@pytest.mark.parametrize(
    "text", ["Phi-4 由 Microsoft 開發。", "Microsoft 開發了 Phi-4。", "Phi-4 是 Microsoft 推出的模型。"]
)
def test_developed_by_ends_at_the_organisation(ex: Extractor, text: str) -> None:
    rels = typed(ex, text)
    assert ("Phi-4", "Microsoft", R.DEVELOPED_BY) in rels
    assert ("Microsoft", "Phi-4", R.DEVELOPED_BY) not in rels


def _m(surface: str, etype: EntityType) -> Mention:
    return Mention("d", "c", 0, len(surface), surface, surface.lower(), etype, "test", 1.0)


def test_types_swap_or_drop_a_pair_the_wrong_way_round() -> None:
    org, model = _m("Acme", EntityType.ORG), _m("Foo-7B", EntityType.MODEL)
    gpu, tool = _m("X100", EntityType.HARDWARE), _m("Barserve", EntityType.TOOL)
    data, person = _m("BazQA", EntityType.DATASET), _m("王小明", EntityType.PERSON)
    assert _orient(org, model, R.DEVELOPED_BY) == (model, org, R.DEVELOPED_BY)
    assert _orient(gpu, tool, R.RUNS_ON) == (tool, gpu, R.RUNS_ON)
    assert _orient(data, model, R.TRAINED_ON) == (model, data, R.TRAINED_ON)
    assert _orient(org, _m("Other", EntityType.ORG), R.DEVELOPED_BY) is None
    assert _orient(tool, person, R.USES) is None  # nothing uses a person
    assert _orient(model, _m("Bar-3B", EntityType.MODEL), R.VARIANT_OF) is not None
    assert _orient(model, tool, R.ALTERNATIVE_TO) is None  # only one of a kind replaces another
    assert _orient(tool, gpu, R.USES) == (tool, gpu, R.RUNS_ON)  # software using hardware runs on it


# --- lists: lead-ins, headings, items, tables -----------------------------------------------------


def test_a_lead_in_relates_its_subject_to_each_item(ex: Extractor) -> None:
    text = "Dify 支援以下向量資料庫：\nQdrant\nMilvus：分散式資料庫\nWeaviate"
    rels, names, _ = relations(ex, text)
    got = {(names[r.source_key], names[r.target_key], r.type): r for r in rels}
    for item in ("Qdrant", "Milvus", "Weaviate"):
        r = got[("Dify", item, R.INTEGRATES)]
        assert r.sentence.startswith("Dify 支援以下向量資料庫：") and item in r.sentence
        assert r.confidence < 0.7  # lower than a relation stated in prose


def test_a_noun_lead_in_takes_the_section_subject(ex: Extractor) -> None:
    text = "# Ollama 入門\nOllama 是本機推論工具。\n所需工具：\nDocker\nllama.cpp"
    rels = typed(ex, text)
    assert {("Ollama", "Docker", R.USES), ("Ollama", "llama.cpp", R.USES)} <= rels


def test_a_heading_naming_a_list_relates_its_items(ex: Extractor) -> None:
    text = "# Ollama 使用指南\nOllama 是本機推論工具。\n# 支援的模型\nLlama 3\nMistral 7B"
    rels = typed(ex, text)
    assert {("Llama 3", "Ollama", R.RUNS_ON), ("Mistral 7B", "Ollama", R.RUNS_ON)} <= rels


def test_items_under_a_heading_take_its_name_as_subject(ex: Extractor) -> None:
    text = "# vLLM\n支援 CUDA 與 ROCm\n部署在 Kubernetes 上\n可搭配 LangChain 使用"
    rels = typed(ex, text)
    assert {
        ("vLLM", "CUDA", R.INTEGRATES),
        ("vLLM", "ROCm", R.INTEGRATES),
        ("vLLM", "Kubernetes", R.RUNS_ON),
        ("vLLM", "LangChain", R.INTEGRATES),
    } <= rels


def test_a_heading_that_names_a_partner_keeps_the_section_subject(ex: Extractor) -> None:
    rels = typed(ex, "# Ollama 教學\nOllama 是本機推論工具。\n# 與 LangChain 整合\n安裝套件後即可呼叫。")
    assert ("Ollama", "LangChain", R.INTEGRATES) in rels


def test_a_list_ends_at_code(ex: Extractor) -> None:
    text = "Dify 需要以下工具：\nDocker\ndocker compose up -d --build qdrant"
    rels = typed(ex, text)
    assert ("Dify", "Docker", R.USES) in rels
    assert not any(t == "Qdrant" for _, t, _ in rels)


def test_sibling_items_do_not_share_a_subject(ex: Extractor) -> None:
    text = "# 疑難排解\nWindows：重新安裝驅動程式\n使用 Docker 隔離環境"
    assert ("Windows", "Docker", R.USES) not in typed(ex, text)


def test_bracketed_lists_and_platforms(ex: Extractor) -> None:
    rels = typed(ex, "# llama.cpp\n跨平台（Windows、macOS、Linux）\n支援多種 GPU 後端（CUDA、Metal、Vulkan）")
    assert {("llama.cpp", os, R.RUNS_ON) for os in ("Windows", "macOS", "Linux")} <= rels
    assert {("llama.cpp", "CUDA", R.INTEGRATES), ("llama.cpp", "Metal", R.INTEGRATES)} <= rels


def test_a_table_row_names_a_thing_and_its_kind(ex: Extractor) -> None:
    text = "| 變數 | 值 | 說明 |\n| EMBED | bge-m3 | 嵌入模型 |\n| CHAT | Qwen2.5 7B | 大型語言模型 |"
    rels = typed(ex, text)
    assert ("bge-m3", "嵌入模型", R.IS_A) in rels


# --- cue coverage ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Ollama 支持 Windows 和 Linux 平台。", ("Ollama", "Linux", R.RUNS_ON)),  # Mainland 支持
        ("Dify 基於 LangChain。", ("Dify", "LangChain", R.USES)),
        ("Open WebUI 建立在 Ollama 之上。", ("Open WebUI", "Ollama", R.USES)),
        ("vLLM 可搭配 LangChain 使用。", ("vLLM", "LangChain", R.INTEGRATES)),
        ("MEAI 可以整合到 .NET。", ("Microsoft.Extensions.AI", ".NET", R.INTEGRATES)),
        ("Open WebUI 部署到 Kubernetes 之後更穩定。", ("Open WebUI", "Kubernetes", R.RUNS_ON)),
        ("Ollama 運行於 macOS。", ("Ollama", "macOS", R.RUNS_ON)),
        ("Breeze-7B 由聯發科創新基地開源。", ("Breeze-7B", "聯發科創新基地", R.DEVELOPED_BY)),
        ("QLoRA 是 LoRA 的一種。", ("QLoRA", "LoRA", R.IS_A)),
        ("Milvus 屬於向量資料庫。", ("Milvus", "向量資料庫", R.IS_A)),
        ("OpenVINO 由 OpenVINO Runtime 與 NNCF 組成。", ("NNCF", "OpenVINO", R.PART_OF)),
        ("LangChain 包含 LangGraph 與 LangSmith。", ("LangSmith", "LangChain", R.PART_OF)),
        ("與 Ollama 相比，vLLM 的吞吐量更高。", ("vLLM", "Ollama", R.COMPARED_WITH)),
        ("vLLM 比 Ollama 更快。", ("vLLM", "Ollama", R.COMPARED_WITH)),
        ("vLLM 可以取代 Ollama。", ("vLLM", "Ollama", R.ALTERNATIVE_TO)),
        ("Breeze-7B 在 ImageNet 上微調。", ("Breeze-7B", "ImageNet", R.TRAINED_ON)),
        ("Breeze-7B 以 FineWeb 資料集訓練。", ("Breeze-7B", "FineWeb", R.TRAINED_ON)),
        ("小型語言模型如 Phi-4 和 Gemma 適合邊緣裝置。", ("Phi-4", "小型語言模型", R.IS_A)),
        ("王小明是 Hugging Face 的研究工程師。", ("王小明", "Hugging Face", R.PART_OF)),
        ("llama.cpp 是一個用 C++ 撰寫的推理框架。", ("llama.cpp", "C++", R.USES)),
        ("Qdrant 使用大規模的 HNSW 索引。", ("Qdrant", "HNSW", R.USES)),
    ],
)
def test_common_phrasings(ex: Extractor, text: str, expected: Triple) -> None:
    assert expected in typed(ex, text)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Open WebUI is built on Ollama.", ("Open WebUI", "Ollama", R.USES)),
        ("這版 Open WebUI powered by Ollama，啟動很快。", ("Open WebUI", "Ollama", R.USES)),
        ("Qwen2.5 runs on Jetson Orin.", ("Qwen2.5", "Jetson Orin", R.RUNS_ON)),
        ("Dify supports Qdrant.", ("Dify", "Qdrant", R.INTEGRATES)),
        ("Llama 3, developed by Meta, runs on H100.", ("Llama 3", "Meta", R.DEVELOPED_BY)),
        ("Llama 3, developed by Meta, runs on H100.", ("Llama 3", "H100", R.RUNS_ON)),
    ],
)
def test_english_phrasings(ex: Extractor, text: str, expected: Triple) -> None:
    assert expected in typed(ex, text)


# --- evidence and the trigger pre-check -----------------------------------------------------------


def test_every_relation_keeps_its_evidence(ex: Extractor) -> None:
    text = "# vLLM\nvLLM 支援 CUDA。\n所需工具：\nDocker\nvLLM 不能運行在 Jetson 上。"
    rels, _, body = relations(ex, text)
    assert rels
    for r in rels:
        assert r.sentence
        assert r.sentence in body or all(part in body for part in r.sentence.split(" ", 1))


def test_every_rule_has_trigger_words() -> None:
    assert all(r.keys for r in _RULES)
    english = [r for r in _RULES if r.name.startswith("en-")]
    assert english and all(any(k[:1].isupper() for k in r.keys) for r in english)  # case forms
