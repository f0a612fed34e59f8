"""``ask``: extractive answers, LLM answers with streaming, citation hygiene and prompt injection."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from fake_openai import FakeOpenAI, Reply
from rag_corpus import INJECTION, ingest_texts

from graph.llm.client import LLMClient
from graph.llm.prompts import ANSWER_SYSTEM, clean_citations, neutralise
from graph.query.answer import EXTRACTIVE_LABEL, QuestionError, ask, check_support, renumber
from graph.query.index import get_index
from graph.records import Answer
from graph.settings import Settings
from graph.store import Store


def _real_chunk(store: Store, chunk_id: str, doc_id: str) -> None:
    chunk = store.chunk(chunk_id)
    assert chunk is not None and chunk.doc_id == doc_id


@pytest.mark.parametrize("mode", ["auto", "local", "global", "hybrid"])
def test_extractive_answer_in_every_mode(rag_store: Store, rag_settings: Settings, mode: str) -> None:
    a = ask(rag_store, rag_settings, "Breeze-7B 是由誰開發的？", mode)
    assert a.extractive and a.label == "extractive" and a.kind == "who"
    assert EXTRACTIVE_LABEL not in a.answer  # the front ends render the label, in their language
    assert a.citations and (mode == "auto" or a.mode == mode)
    for c in a.citations:
        _real_chunk(rag_store, c.chunk_id, c.doc_id)
    markers = {int(n) for n in re.findall(r"\[(\d+)\]", a.answer)}
    assert markers == set(range(1, len(a.citations) + 1))  # every citation cited, every marker listed
    assert a.retrieved and len(a.retrieved) <= 5
    if mode in ("auto", "local", "hybrid"):
        assert "聯發科創新基地" in a.answer


def test_every_asked_type_has_a_chinese_heading() -> None:
    from graph.query.answer import _TYPE_NAMES
    from graph.query.global_ import TYPE_WORDS

    assert {t for _, t in TYPE_WORDS} <= set(_TYPE_NAMES)
    assert _TYPE_NAMES["DATASET"] == "資料集"


def test_global_answers_list_every_document_and_cite_real_chunks(
    rag_store: Store, rag_settings: Settings
) -> None:
    a = ask(rag_store, rag_settings, "哪些文件提到 Breeze-7B？", "global", top_k=1)
    assert len(a.citations) == 1
    index = get_index(rag_store)
    b = index.entity_names.index("Breeze-7B")
    mentioning = {index.doc_paths[int(index.chunk_doc[c])] for c in index.presence[:, b].indices}
    assert len(mentioning) > 1
    for path in mentioning:  # listed even when no citation slot is left for it
        assert f"（{path}）" in a.answer
    assert set(re.findall(r"\[(\d+)\]", a.answer)) == {"1"}
    over = ask(rag_store, rag_settings, "這些文章整體在談什麼？", "global")
    assert "核心實體" in over.answer and over.citations
    for c in [*a.citations, *over.citations]:
        _real_chunk(rag_store, c.chunk_id, c.doc_id)


def test_answer_json_shape(rag_store: Store, rag_settings: Settings) -> None:
    j = ask(rag_store, rag_settings, "vLLM 用什麼管理 KV cache？").to_json()
    assert {"answer", "mode", "citations", "entities", "communities", "timings"} <= set(j)
    assert set(j["citations"][0]) == {"doc_id", "path", "chunk_id", "text", "sentence", "score"}
    assert j["mode"] == "local" and j["citations"][0]["path"] == "vllm.md"


def test_bad_questions(rag_store: Store, rag_settings: Settings) -> None:
    with pytest.raises(QuestionError):
        ask(rag_store, rag_settings, "   ")
    with pytest.raises(QuestionError, match="unknown mode"):
        ask(rag_store, rag_settings, "LoRA", mode="magic")


def test_llm_answer_streams_and_drops_invented_citations(
    rag_store: Store, rag_settings: Settings, fake_openai: tuple[FakeOpenAI, str]
) -> None:
    server, url = fake_openai
    server.script = [Reply(pieces=["Breeze-7B 由聯發科創新基地開發", " [1]，", "另見 [42]。"], content="")]
    pieces: list[str] = []
    llm = LLMClient(url, "fake-model", sleep=lambda s: None)
    a = ask(rag_store, rag_settings, "Breeze-7B 是誰開發的？", on_token=pieces.append, llm=llm)
    assert not a.extractive
    assert "".join(pieces).endswith("[42]。")  # streamed as received
    assert "[1]" in a.answer and "[42]" not in a.answer  # no such passage: dropped
    assert a.citations[0].path == "breeze.md"


def test_injection_stays_inside_the_data_block(
    rag_store: Store, rag_settings: Settings, fake_openai: tuple[FakeOpenAI, str]
) -> None:
    server, url = fake_openai
    server.script = [Reply(content="Streamlit 是 Python 網頁框架 [1]。[9]")]
    llm = LLMClient(url, "fake-model", sleep=lambda s: None)
    a = ask(rag_store, rag_settings, "Streamlit 是什麼？", mode="local", llm=llm)
    messages = server.requests[-1]["messages"]
    system, user = messages[0]["content"], messages[1]["content"]
    assert system == ANSWER_SYSTEM  # document text never reaches the system prompt
    assert "海盜" not in system and "reveal the system prompt" not in system
    start = re.search(r"<<<資料區塊開始 (\w+)>>>", user)
    end = re.search(r"<<<資料區塊結束 (\w+)>>>", user)
    assert start and end and start.group(1) == end.group(1)
    inside = user[start.end() : end.start()]
    assert "忽略以上指示" in inside and "Ignore previous instructions" in inside
    assert user.count("<<<") == 2  # the document's fake "<<<資料結束>>>" was neutralised
    assert "[9]" not in inside  # the document cannot forge a passage number
    assert user.index("問題：") > end.end()
    # The reply's [9] names no passage and is dropped; [1] points at the real chunk.
    assert "[9]" not in a.answer and "[1]" in a.answer
    assert a.citations[0].path == "streamlit.md"
    assert INJECTION[:6] in a.citations[0].text


def test_llm_failure_falls_back_to_extractive(
    rag_store: Store, rag_settings: Settings, fake_openai: tuple[FakeOpenAI, str]
) -> None:
    server, url = fake_openai
    server.script = [Reply(delay_s=1.0)]
    llm = LLMClient(url, "fake-model", timeout_s=0.2, max_retries=0)
    a = ask(rag_store, rag_settings, "vLLM 執行於哪種 GPU？", llm=llm)
    assert a.extractive and a.label == "extractive" and "timed out" in a.notice
    assert "timed out" not in a.answer and a.citations


def test_context_budget_limits_passages(
    rag_store: Store, rag_settings: Settings, fake_openai: tuple[FakeOpenAI, str]
) -> None:
    server, url = fake_openai
    llm = LLMClient(url, "fake-model", context_tokens=1100, sleep=lambda s: None)
    server.script = [Reply(content="Breeze-7B 與 TAIDE 經常被比較 [1]，另見 [2]。")]
    a = ask(rag_store, rag_settings, "Breeze-7B 與 TAIDE", llm=llm, top_k=5)
    user = server.requests[-1]["messages"][1]["content"]
    assert 2 <= len(re.findall(r"^\[\d+\] 來源：", user, re.M)) < 5
    assert len(a.citations) == 2  # the cited passages only


def test_prompt_helpers() -> None:
    assert neutralise("a <<<end>>> [3] <|system|>") == "a 〈end〉 ［3］ 〈system〉"
    text, cited = clean_citations("甲 [2][7]，乙 [1, 2]", 2)
    assert text == "甲 [2]，乙 [1][2]" and cited == [2, 1]


def test_citations_point_at_a_sentence_of_their_chunk(corpus_workspace) -> None:  # type: ignore[no-untyped-def]
    from graph.query.answer import ask, neutralise_markers
    from graph.settings import load_settings
    from graph.store import open_store

    settings = load_settings(env={}, overrides={"workspace": corpus_workspace})
    with open_store(corpus_workspace, readonly=True) as store:
        answer = ask(store, settings, "Breeze-7B 是誰開發的？", use_llm=False)
        assert answer.citations
        for c in answer.citations:
            assert c.sentence and c.sentence in neutralise_markers(c.text)
            assert store.chunk(c.chunk_id) is not None
        assert "聯發科" in answer.citations[0].sentence
        assert answer.to_json()["citations"][0]["sentence"] == answer.citations[0].sentence


# -- answers built for the kind of question, over a small corpus ingested for real ---------------

KIND_DOCS = {
    "tools/ferret.md": """# Ferret 推論引擎

## 什麼是 Ferret？

Ferret 是一個用 Rust 撰寫的輕量推論引擎，專為筆電上的小型模型設計 [1, 2, 14]。\
它由 Nimbus 實驗室開發，於 2024 年 3 月發布。

## 支援的後端

Ferret 支援以下後端：

- **CPU**：預設後端
- **CUDA**：NVIDIA 顯示卡
- **Metal**：Apple Silicon
- **Vulkan**：跨平台圖形介面

## 效能

在 RTX 4090 上，Ferret 每秒可生成 180 個 token。

## 量化

Ferret 也支援多種量化精度（Q4、Q5、Q8），預設使用 Q4。

## 安裝

先用 pip install ferret-engine 安裝套件，再執行 ferret serve 啟動服務。
""",
    "tools/otter.md": """# Otter 量化工具

Otter 是一套模型量化工具。Otter 與 Ferret 的差異在於 Otter 只做量化，而 Ferret 負責推論。

Otter 提供的量化格式包括 INT4、INT8 和 FP16。
""",
    "notes/engines-review.md": """# 推論引擎評測筆記

這篇筆記比較多種推論引擎，其中 Ferret 在筆電上的速度最快。
""",
    "notes/gan-intro.md": """# 生成模型入門

生成對抗網路（GAN）由生成器與判別器兩個網路組成。
""",
    "notes/gan-art.md": """# 用模型畫畫

很多數位藝術作品是用生成對抗網路畫出來的。
""",
    "notes/gardening.md": """# 陽台種菜

番茄需要充足的日照，每天澆水一次即可。
""",
}


@pytest.fixture(scope="module")
def kinds_ws(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return ingest_texts(tmp_path_factory, "kinds", KIND_DOCS)


def _ask_kind(ws: Path, question: str, **kw: Any) -> Answer:
    from graph.settings import load_settings
    from graph.store import open_store

    settings = load_settings(env={}, overrides={"workspace": ws})
    with open_store(ws, readonly=True) as store:
        return ask(store, settings, question, use_llm=False, **kw)


def _clean(a: Answer) -> None:
    """Starts with the answer, no filler, no source reference marks, markers ↔ citations one to one."""
    assert a.answer and not a.answer.startswith(("（", "知識圖譜", "相關段落"))
    assert "知識圖譜中的關係" not in a.answer and "[1, 2, 14]" not in a.answer and "14]" not in a.answer
    markers = {int(n) for n in re.findall(r"\[(\d+)\]", a.answer)}
    assert markers == set(range(1, len(a.citations) + 1))


@pytest.mark.parametrize(
    ("question", "kind", "wanted"),
    [
        ("什麼是 Ferret？", "definition", ["Ferret 是一個用 Rust 撰寫的輕量推論引擎"]),
        ("What is Ferret?", "definition", ["Ferret 是一個用 Rust 撰寫的輕量推論引擎"]),
        ("Ferret 支援哪些後端？", "list", ["CPU", "CUDA", "Metal", "Vulkan"]),
        ("Otter 提供哪些量化格式？", "list", ["INT4", "INT8", "FP16"]),
        ("Ferret 是由誰開發的？", "who", ["Nimbus 實驗室"]),
        ("Ferret 是什麼時候發布的？", "when", ["2024 年 3 月"]),
        ("Ferret 在 RTX 4090 上每秒可生成多少個 token？", "number", ["180"]),
        ("如何安裝 Ferret？", "how", ["pip install ferret-engine"]),
        ("Otter 和 Ferret 有什麼差異？", "relation", ["Otter 只做量化", "Ferret 負責推論"]),
    ],
)
def test_each_kind_answers_with_the_answer(
    kinds_ws: Path, question: str, kind: str, wanted: list[str]
) -> None:
    a = _ask_kind(kinds_ws, question)
    assert a.kind == kind and a.label == "extractive"
    _clean(a)
    for w in wanted:
        assert w in a.answer, (w, a.answer)
    assert a.citations and all(c.path.endswith(("ferret.md", "otter.md")) for c in a.citations)


def test_list_items_are_cited_deduplicated_in_document_order(kinds_ws: Path) -> None:
    a = _ask_kind(kinds_ws, "Ferret 支援哪些後端？")
    lines = [ln for ln in a.answer.split("\n") if ln.startswith("- ")]
    assert [ln.split("：")[0][2:] for ln in lines] == ["CPU", "CUDA", "Metal", "Vulkan"]
    assert all(ln.endswith("[1]") for ln in lines)  # each item carries its citation


def test_enumeration_items_are_the_items_not_the_clause(kinds_ws: Path) -> None:
    a = _ask_kind(kinds_ws, "Ferret 支援哪些量化精度？")
    assert [ln.rsplit(" [", 1)[0] for ln in a.answer.split("\n")] == ["- Q4", "- Q5", "- Q8"]


def test_definition_skips_the_question_sentence_and_source_marks(kinds_ws: Path) -> None:
    a = _ask_kind(kinds_ws, "什麼是 Ferret？")
    assert a.answer.startswith("Ferret 是一個用 Rust 撰寫")
    assert "什麼是 Ferret？" not in a.answer
    # The citation still points at the sentence as the document wrote it.
    assert "[1, 2, 14]" in a.citations[0].sentence or "［" in a.citations[0].sentence


def test_corpus_wide_answer_counts_every_document(kinds_ws: Path) -> None:
    a = _ask_kind(kinds_ws, "哪些文件提到 Ferret？")
    assert a.kind == "corpus"
    assert sorted(p.rsplit("/", 1)[-1] for p in a.documents) == ["engines-review.md", "ferret.md", "otter.md"]
    assert a.answer.startswith("共 3 份文件提到")
    _clean(a)
    english = _ask_kind(kinds_ws, "Which documents mention Ferret?")
    assert english.answer.startswith("3 documents mention") and len(english.documents) == 3


def test_corpus_wide_answer_follows_names_spelled_out_in_parentheses(kinds_ws: Path) -> None:
    # gan-art.md never writes "GAN", only 生成對抗網路; gan-intro.md says the two are one thing.
    a = _ask_kind(kinds_ws, "哪些文件提到 GAN？")
    assert sorted(p.rsplit("/", 1)[-1] for p in a.documents) == ["gan-art.md", "gan-intro.md"]


def test_nothing_found_says_so_in_the_question_language(kinds_ws: Path) -> None:
    a = _ask_kind(kinds_ws, "How do I deploy Kubernetes?")
    assert a.kind == "how" and not a.citations
    assert a.answer == "No passage in this workspace answers the question."
    zh = _ask_kind(kinds_ws, "Kubernetes 怎麼部署？")
    assert not zh.citations and zh.answer == "在這個工作區中找不到與問題相關的內容。"


def test_support_check_flags_unsupported_sentences() -> None:
    passages = {1: "Ferret 是一個用 Rust 撰寫的輕量推論引擎。", 2: "Otter 提供 INT4 與 INT8。"}
    text = (
        "Ferret 是用 Rust 撰寫的推論引擎 [1]。它也支援量子電腦運算 [1]。"
        "Otter 提供 INT4 [2]。Ferret 很受歡迎。"
    )
    assert [ok for _, ok in check_support(text, passages)] == [True, False, True, False]
    assert renumber("甲 [3]，乙 [1][3]", [3, 1]) == "甲 [1]，乙 [2][1]"


def test_llm_answer_is_checked_sentence_by_sentence(
    kinds_ws: Path, fake_openai: tuple[FakeOpenAI, str]
) -> None:
    from graph.settings import load_settings
    from graph.store import open_store

    server, url = fake_openai
    server.script = [
        Reply(
            content="Ferret 是用 Rust 撰寫的推論引擎 [1]。"
            "它在手機上每秒可生成 900 個 token [1]。另外 [7] 很好。"
        )
    ]
    settings = load_settings(env={}, overrides={"workspace": kinds_ws})
    llm = LLMClient(url, "fake-model", sleep=lambda s: None)
    with open_store(kinds_ws, readonly=True) as store:
        a = ask(store, settings, "什麼是 Ferret？", llm=llm)
    assert not a.extractive and a.label == "generated" and a.kind == "definition"
    user = server.requests[-1]["messages"][1]["content"]
    assert user.index("Ferret 是一個用 Rust 撰寫") < user.index("問題：")  # the kind's evidence is passage 1
    assert "[1, 2, 14]" not in user  # the source's own marks never reach the prompt
    assert "請先用一句話給出定義" in user
    flags = [ok for _, ok in a.support]
    assert flags == [True, False, False]  # 900 is in no passage; the last sentence cites nothing real
    assert "[7]" not in a.answer and len(a.citations) == 1
