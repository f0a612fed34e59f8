"""Typed relations from clause structure, lists and sections (issue 11, relations).

Every sentence here is written for these tests.
"""

from __future__ import annotations

import pytest
from relation_doc import Triple, typed

from extract.extractor import Extractor, ExtractorConfig
from extract.records import RelationType

R = RelationType


@pytest.fixture(scope="module")
def ex() -> Extractor:
    return Extractor(ExtractorConfig())


@pytest.mark.parametrize(
    "text, expected",
    [
        # 「都使用它，包括 A、B」: the examples use the pronoun's referent, not the other way round
        (
            "PagedAttention 是一種記憶體管理技術。許多推論引擎都使用它，包括 vLLM 和 SGLang。",
            {("vLLM", "PagedAttention", R.USES), ("SGLang", "PagedAttention", R.USES)},
        ),
        # a slash pair whose first half is not a name
        ("ggml 是一個用 C/C++ 撰寫的張量函式庫。", {("GGML", "C++", R.USES)}),
        # 「允許你在 X 中運行」: the tool that lets people run is the subject
        ("- **Ollama**：允許你在本地電腦或 Docker 中運行模型，而且免費。", {("Ollama", "Docker", R.RUNS_ON)}),
        # a pronoun subject of 「可以是」 is the topic
        (
            "向量資料庫是一種資料庫。它們可以是 Milvus、Qdrant 或 Chroma。",
            {("Milvus", "向量資料庫", R.IS_A), ("Chroma", "向量資料庫", R.IS_A)},
        ),
        # the bracket names the whole item (「神經網路壓縮框架（NNCF）」), and the item ends after it
        (
            "OpenVINO 是 Intel 的工具套件。它由三個部分組成：用於推理的 OpenVINO Runtime、"
            "用於壓縮的神經網路壓縮框架（NNCF），以及 OpenVINO Model Server。",
            {
                ("NNCF", "OpenVINO", R.PART_OF),
                ("OpenVINO Runtime", "OpenVINO", R.PART_OF),
                ("OpenVINO Model Server", "OpenVINO", R.PART_OF),
            },
        ),
        # a list after 包括 whose first items are not names
        (
            "提示工程的常見技巧包括角色設定、清晰指示、少樣本提示和思維鏈，以及提示微調。",
            {("Few-shot", "提示工程", R.PART_OF), ("Chain-of-Thought", "提示工程", R.PART_OF)},
        ),
        # a pictograph before a name does not hide it from the rule
        (
            "Sylvain Gugger 是 Hugging Face 的工程師，也是🤗 Accelerate 的開發者。",
            {("Accelerate", "Sylvain Gugger", R.DEVELOPED_BY)},
        ),
        # a heading 「Maker Product …」 is about the product; labelled items under it
        (
            "# Microsoft Phi-4 模型基礎\n# 硬體需求\n- **CPU**：基本效能。\n- **NPU**：最佳效能。",
            {("Phi-4", "CPU", R.RUNS_ON), ("Phi-4", "NPU", R.RUNS_ON)},
        ),
        ("# Phi-4 模型\n# 最佳化\n- **量化**：先進的 4 位元與 8 位元技術。", {("Phi-4", "量化", R.USES)}),
        ("Phi-4 採用基於 Transformer 的架構。", {("Phi-4", "Transformer", R.USES)}),
        # a choice between two of a kind
        ("使用 MinGW 或 Visual Studio 編譯程式。", {("MinGW", "Visual Studio", R.ALTERNATIVE_TO)}),
        # people run a tool on a platform: the tool is the source
        ("你可以在 Docker 上執行 Open WebUI。", {("Open WebUI", "Docker", R.RUNS_ON)}),
        # examples after a clause take that clause's verb
        (
            "MEAI 讓開發者可以與不同的 AI 服務互動，例如 Ollama 和 Azure OpenAI。",
            {
                ("Microsoft.Extensions.AI", "Ollama", R.INTEGRATES),
                ("Microsoft.Extensions.AI", "Azure OpenAI", R.INTEGRATES),
            },
        ),
    ],
)
def test_structure_gives_typed_relations(ex: Extractor, text: str, expected: set[Triple]) -> None:
    got = typed(ex, text)
    assert expected <= got, f"missing {expected - got} in {got}"


@pytest.mark.parametrize(
    "text, absent",
    [
        # an item listed after an object is an object too, never a subject
        (
            "# OpenVINO\n- **跨平台部署**：支持 Linux、Windows 和 macOS，並提供 Python 和 C API",
            ("Windows", "Python", R.INTEGRATES),
        ),
        # 「、提示微調」: 微調 only ends a longer, unnamed term
        (
            "提示工程的常見技巧包括角色設定、清晰指示、少樣本提示和思維鏈，以及提示微調。",
            ("微調", "提示工程", R.PART_OF),
        ),
        # places are not alternatives
        ("在 Windows 或 Linux 上執行 Ollama。", ("Windows", "Linux", R.ALTERNATIVE_TO)),
        ("選擇託管在 GitHub 或 GitLab 上的另一個資料集。", ("GitHub", "GitLab", R.ALTERNATIVE_TO)),
        # what people use is not the subject's
        ("我們會使用不同的服務，例如 Ollama 和 vLLM。", ("Ollama", "vLLM", R.USES)),
        # the object of 加入 is not the clause's subject
        (
            "在加入 Google 之前，她是 Microsoft Research 的研究員。",
            ("Google", "Microsoft Research", R.PART_OF),
        ),
        # an instruction in a list item has no subject
        ("# Phi-4 模型\n# 最佳化\n- 謹慎使用動態形狀以節省記憶體", ("Phi-4", "動態形狀", R.USES)),
    ],
)
def test_structure_does_not_invent(ex: Extractor, text: str, absent: Triple) -> None:
    assert absent not in typed(ex, text)


def test_the_positive_pair_of_the_enumeration_case(ex: Extractor) -> None:
    got = typed(ex, "# OpenVINO\n- **跨平台部署**：支持 Linux、Windows 和 macOS，並提供 Python 和 C API")
    assert ("OpenVINO", "Python", R.INTEGRATES) in got
    assert ("OpenVINO", "Linux", R.RUNS_ON) in got


def test_no_label_relation_under_an_organisation(ex: Extractor) -> None:
    got = typed(ex, "# Microsoft 公司\n# 技術\n- **量化**：先進的 4 位元與 8 位元技術。")
    assert not any(t is R.USES for _, _, t in got)
