"""Passage ranking of local search on a corpus with a hub page, and corpus-wide counts that include
names found only in MDX component props (graph.query.outside)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rag_corpus import ingest_texts

from graph.query.answer import Answer, ask
from graph.query.bm25 import top_k
from graph.query.hybrid import hybrid_search
from graph.query.index import get_index
from graph.query.local import local_search
from graph.query.outside import clear_cache
from graph.query.tokenize import tokens
from graph.settings import load_settings
from graph.store import open_store

# A course index names Docker beside every tool it works with (a hub: it names all of Docker's
# neighbours and is evidence of many of its relations); the Docker page answers in its second section.
DOCS = {
    "course/readme.md": """# 課程總覽

本課程你將學到：

- Docker 與 Ollama 一起使用，Docker 整合 vLLM
- Docker 與 Kubernetes 比較，Docker 搭配 LangChain 使用
- Docker 和 PyTorch 一起部署，Docker 整合 Python
""",
    "tools/docker.md": """# Docker 工具

## 安裝 Docker

用 pip install docker 安裝 Docker 的 Python 套件，Docker 需要 Python 3.11。

## 用於模型的 Docker

Docker 是一個在隔離容器中運行應用程式的平台，適合在一致的環境中運行模型。
""",
    "tools/ollama.md": """# Ollama

Ollama 是一個在本機運行模型的工具，可以與 Docker 一起使用。
""",
    # A quiz page: Marmot is named only in the quiz component's props, which the cleaner drops.
    "quiz/check.mdx": """# 章末小測驗

先複習一下本章的重點：排程器負責分配工作。

<Question
  choices={[
    { text: "Marmot 用於容器化", explain: "不對，Marmot 是量化工具。", correct: false },
    { text: "Ollama 在本機運行模型", explain: "正確！", correct: true }
  ]}
/>
""",
    "tools/marmot.md": """# Marmot 量化工具

Marmot 是一套模型量化工具，支援 INT4 與 INT8。
""",
}


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Path:
    ws = ingest_texts(tmp_path_factory, "outside", DOCS)
    clear_cache()
    return ws


def _ask(ws: Path, question: str) -> Answer:
    settings = load_settings(env={}, overrides={"workspace": ws})
    with open_store(ws, readonly=True) as store:
        return ask(store, settings, question, use_llm=False)


def test_local_ranks_the_answering_section_above_the_hub_page(ws: Path) -> None:
    with open_store(ws, readonly=True) as store:
        index = get_index(store)
        q = "Docker 是在什麼中運行應用程式的平台？"
        r = local_search(index, q, k=5)
        assert [index.entity_names[e] for e in r.linked] == ["Docker"]  # the graph part is still there
        assert len(r.entities) > 2  # with its neighbours
        first = index.chunk_texts[r.chunks[0][0]]
        assert "隔離容器" in first, first
        assert "課程總覽" not in first
        # BM25's best chunk is among local's first two, and local and hybrid agree on the first.
        best_bm25 = int(top_k(index.bm25.scores(tokens(q)), 1)[0])
        assert best_bm25 in [c for c, _ in r.chunks[:2]]
        assert hybrid_search(index, q, k=5).chunks[0][0] == r.chunks[0][0]


def test_local_still_puts_chunks_naming_both_entities_first_for_relation_questions(ws: Path) -> None:
    with open_store(ws, readonly=True) as store:
        index = get_index(store)
        r = local_search(index, "Ollama 和 Docker 有什麼關係？", k=3)
        assert len(r.linked) == 2
        top = index.chunk_texts[r.chunks[0][0]]
        assert "Ollama" in top and "Docker" in top


def test_quiz_props_stay_out_of_the_chunks(ws: Path) -> None:
    with open_store(ws, readonly=True) as store:
        index = get_index(store)
        quiz = [
            t
            for i, t in enumerate(index.chunk_texts)
            if index.doc_paths[int(index.chunk_doc[i])].endswith("check.mdx")
        ]
        assert quiz and any("排程器負責分配工作" in t for t in quiz)
        assert not any("Marmot" in t for t in quiz)


def test_corpus_count_includes_documents_naming_the_entity_only_in_component_props(ws: Path) -> None:
    a = _ask(ws, "哪些文件提到 Marmot？")
    assert a.kind == "corpus"
    assert sorted(p.rsplit("/", 1)[-1] for p in a.documents) == ["check.mdx", "marmot.md"]
    assert a.answer.startswith("共 2 份文件提到")
    quiz = next(ln for ln in a.answer.split("\n") if "check.mdx" in ln)
    assert "只在元件屬性中提到" in quiz and not re.search(r"\[\d+\]", quiz)  # listed, not cited
    # Every marker names a listed citation and every citation is cited; no citation is the quiz.
    markers = {int(n) for n in re.findall(r"\[(\d+)\]", a.answer)}
    assert markers == set(range(1, len(a.citations) + 1))
    assert all(not c.path.endswith("check.mdx") for c in a.citations)
    english = _ask(ws, "Which documents mention Marmot?")
    assert english.answer.startswith("2 documents mention") and "component's attributes" in english.answer


def test_a_source_file_changed_since_ingest_is_not_searched(ws: Path, tmp_path: Path) -> None:
    with open_store(ws, readonly=True) as store:
        path = next(d.path for d in store.documents() if d.path.endswith("check.mdx"))
    original = Path(path).read_text(encoding="utf-8")
    try:
        Path(path).write_text(original.replace("Marmot 用於", "Marmot 真的用於"), encoding="utf-8")
        clear_cache()
        a = _ask(ws, "哪些文件提到 Marmot？")
        assert [p.rsplit("/", 1)[-1] for p in a.documents] == ["marmot.md"]
    finally:
        Path(path).write_text(original, encoding="utf-8")
        clear_cache()
