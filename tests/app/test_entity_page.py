"""AppTest tests of the entity page: evidence by document, chunks in place, chips, deep links, and
each curation action with its undo (on a small workspace ingested from real files)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from extract.records import EntityType
from tests.app.mini import entity_id
from tests.app.test_pages import assert_clean, texts
from ui.entity_page import EvidenceRow, highlight, paginate

DOCS = {
    "local.md": "# 本機推論\n\nOllama 可以在本機執行 Llama 3 模型。我們在 RTX 4090 上用 Ollama 跑推論。"
    "LangChain 可以整合 Ollama 作為後端。大型語言模型（LLM）需要大量記憶體。\n",
    "vectors.md": "# 向量資料庫\n\nChroma 與 Milvus 都是向量資料庫。LangChain 可以整合 Chroma。"
    "Milvus 支援 GPU 加速。LLM 的檢索常用 Milvus。\n",
}


def _page(workspace: str, lang: str) -> None:
    from graph.settings import load_settings
    from ui import PageContext
    from ui.entity_page import render

    render(PageContext(settings=load_settings(env={}, overrides={"workspace": workspace}), lang=lang))


def entity_test(workspace: Path, entity: str | None = None, lang: str = "zh") -> AppTest:
    at = AppTest.from_function(_page, args=(str(workspace), lang), default_timeout=60)
    if entity:
        at.query_params["entity"] = entity
    return at.run()


def labels(at: AppTest) -> str:
    """Labels of expanders and pills and their options: text the plain ``texts`` does not see."""
    parts = [str(e.label) for e in at.expander]
    for p in at.button_group:
        parts.append(str(p.label))
        parts.extend(str(o.content) for o in p.proto.options)
    return "\n".join(parts)


# -- display ---------------------------------------------------------------------------------------


def test_deep_link_opens_the_entity_with_everything(mini_workspace: Path) -> None:
    at = entity_test(mini_workspace, entity_id("Llama 3"))
    assert_clean(at)
    assert at.selectbox[0].value == entity_id("Llama 3")
    body, chrome = texts(at), labels(at)
    for expected in ("Llama3", "lexicon", "Llama 模型家族", "測試文章 1 (post-1.md)", "證據句（依文件分組）"):
        assert expected in body, expected
    # neighbours are chips grouped by relation type, named in zh-TW, with direction
    assert "開發者（1）" in chrome and "→ Meta" in chrome and "← Ollama" in chrome
    # each evidence row is an expander; opening it shows its chunk with the sentence marked
    assert "開發者 → Meta：Llama 3 是 Meta 釋出的開源模型。" in chrome
    marked = [m.value for m in at.markdown if "<mark>" in str(m.value)]
    assert any("<mark>Llama 3 是 Meta 釋出的開源模型。</mark>" in m for m in marked)
    assert any("Ollama 可以在本機執行" in m for m in marked)  # the rest of the chunk around it
    # evidence is grouped by document: both documents head their own group
    assert "測試文章 1 (post-1.md)** · 3 句" in body and "測試文章 2 (post-2.md)** · 1 句" in body
    assert at.query_params["entity"] == [entity_id("Llama 3")] or at.query_params["entity"] == entity_id(
        "Llama 3"
    )


def test_neighbour_chip_opens_that_entity(mini_workspace: Path) -> None:
    at = entity_test(mini_workspace, entity_id("Llama 3"))
    chips = next(p for p in at.button_group if str(p.label).startswith("開發者"))
    chips.set_value(entity_id("Meta")).run()
    assert_clean(at)
    assert at.selectbox[0].value == entity_id("Meta")
    assert entity_id("Meta") in str(at.query_params["entity"])


def test_english_labels_for_relations(mini_workspace: Path) -> None:
    at = entity_test(mini_workspace, entity_id("Llama 3"), lang="en")
    assert_clean(at)
    chrome = labels(at)
    assert "developed by" in chrome.lower() and "開發者" not in chrome


def test_pagination_keeps_documents_together() -> None:
    rows = {
        d: [EvidenceRow("USES", "x", "→", f"{d}-{i}", d, "c") for i in range(n)]
        for d, n in (("a", 12), ("b", 9), ("c", 4))
    }
    groups = list(rows.items())
    first, pages = paginate(groups, 1, per_page=10)
    assert pages == 3 and [(d, len(r)) for d, r in first] == [("a", 10)]
    second, _ = paginate(groups, 2, per_page=10)
    assert [(d, len(r)) for d, r in second] == [("a", 2), ("b", 8)]
    last, _ = paginate(groups, 99, per_page=10)  # past the end: the last page
    assert [(d, len(r)) for d, r in last] == [("b", 1), ("c", 4)]


def test_highlight_escapes_document_text() -> None:
    text = "前言 <script>alert(1)</script> [點我](http://evil.example)。\n重點句在這裡。\n結尾"
    md, found = highlight(text, "重點句在這裡。")
    assert found and "<mark>重點句在這裡。</mark>" in md
    assert not re.search(r"(?<!\\)<(?!/?mark>)", md)  # the only unescaped tags are our marks
    assert "\\[點我\\](http\u2060://" in md  # the link stays text: brackets escaped, autolink broken
    md, found = highlight("一行\n接著 一行", "一行接著一行")  # found across white space
    assert found and md.count("<mark>") == 1
    md, found = highlight("別的內容", "不在這裡")
    assert not found and "<mark>" not in md


def test_retype_offers_every_entity_type(mini_workspace: Path) -> None:
    at = entity_test(mini_workspace, entity_id("Ollama"))
    offered = at.selectbox(key="cur_type").options
    assert len(offered) == len(EntityType) - 1  # every type but the current one (TOOL)
    assert "資料集" in offered and "工具" not in offered


# -- curation through the page ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ingested(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from graph.build.ingest import ingest_paths
    from graph.settings import load_settings

    root = tmp_path_factory.mktemp("curation-ui")
    corpus = root / "corpus"
    corpus.mkdir()
    for name, text in DOCS.items():
        (corpus / name).write_text(text, encoding="utf-8")
    ws = root / "ws"
    ingest_paths([corpus], load_settings(env={}, overrides={"workspace": ws}), progress=lambda *_: None)
    return ws


@pytest.fixture
def ws(ingested: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "ws"
    shutil.copytree(ingested, copy)
    return copy


def names(ws: Path) -> dict[str, Any]:
    from graph.store import open_store

    with open_store(ws) as store:
        return {e.name: e for e in store.entities()}


def graph_state(ws: Path) -> tuple[frozenset[Any], frozenset[Any]]:
    from graph.store import open_store

    with open_store(ws) as store:
        ents = frozenset((e.id, e.name, str(e.type), e.aliases, e.mention_count) for e in store.entities())
        rels = frozenset((r.source, r.target, str(r.type), r.weight) for r in store.relations())
    return ents, rels


def undo_last(at: AppTest) -> None:
    undo = [b for b in at.button if str(b.key or "").startswith("cur_undo_")]
    assert undo, "the history lists the step with an undo button"
    undo[0].click().run()


def test_not_an_entity_asks_first_then_undo_restores(ws: Path) -> None:
    before = graph_state(ws)
    chroma = names(ws)["Chroma"].id
    at = entity_test(ws, chroma)
    at.button(key="cur_ignore_btn").click().run()
    assert "Chroma" in names(ws)  # nothing happens before the confirmation
    assert any("確定「Chroma」不是實體" in w.value for w in at.warning)
    at.button(key="cur_cancel").click().run()
    assert not at.warning and "Chroma" in names(ws)
    at.button(key="cur_ignore_btn").click().run()
    at.button(key="cur_confirm").click().run()
    assert_clean(at)
    assert "Chroma" not in names(ws)
    assert any("已套用：不是實體：Chroma" in s.value for s in at.success)
    assert "不是實體：Chroma" in texts(at)  # the history line
    undo_last(at)
    assert_clean(at)
    assert graph_state(ws) == before
    assert any("已復原" in s.value for s in at.success)
    assert at.selectbox[0].value == chroma  # back on the restored entity


def test_retype_through_the_page_and_undo(ws: Path) -> None:
    before = graph_state(ws)
    at = entity_test(ws, names(ws)["Milvus"].id)
    at.selectbox(key="cur_type").set_value("DATASET")
    at.button(key="cur_type_btn").click().run()
    assert_clean(at)
    assert names(ws)["Milvus"].type is EntityType.DATASET
    assert "資料集 · DATASET" in texts(at)  # the page shows the new type at once
    undo_last(at)
    assert graph_state(ws) == before


def test_merge_through_the_page_and_undo(ws: Path) -> None:
    before = graph_state(ws)
    at = entity_test(ws, names(ws)["Chroma"].id)
    at.text_input(key="cur_merge_q").set_value("milvus").run()
    at.selectbox(key="cur_merge_target").set_value(names(ws)["Milvus"].id)
    at.button(key="cur_merge_btn").click().run()
    assert any("合併到「Milvus」" in w.value for w in at.warning)
    at.button(key="cur_confirm").click().run()
    assert_clean(at)
    got = names(ws)
    assert "Chroma" not in got and "Chroma" in got["Milvus"].aliases
    assert at.selectbox[0].value == got["Milvus"].id  # the page follows the entity into its merge
    undo_last(at)
    assert graph_state(ws) == before


def test_split_and_rename_through_the_page_and_undo(ws: Path) -> None:
    before = graph_state(ws)
    at = entity_test(ws, names(ws)["大型語言模型"].id)
    at.selectbox(key="cur_alias").set_value("LLM")
    at.button(key="cur_split_btn").click().run()
    assert_clean(at)
    assert "LLM" in names(ws) and "LLM" not in names(ws)["大型語言模型"].aliases
    ent = names(ws)["Ollama"].id
    at.query_params["entity"] = ent
    at.run()
    at.text_input(key=f"cur_name_{ent}").set_value("Ollama 本機")
    at.button(key="cur_name_btn").click().run()
    assert_clean(at)
    assert "Ollama 本機" in names(ws) and "Ollama" not in names(ws)
    undo_last(at)  # the newest step first: the rename
    assert "Ollama" in names(ws)
    undo_last(at)
    assert graph_state(ws) == before
    assert texts(at).count("（已復原）") == 2


def _documents(workspace: str) -> None:
    from graph.settings import load_settings
    from ui import PageContext
    from ui.documents_page import render

    render(PageContext(settings=load_settings(env={}, overrides={"workspace": workspace})))


def test_document_deep_link_opens_that_document(mini_workspace: Path) -> None:
    at = AppTest.from_function(_documents, args=(str(mini_workspace),), default_timeout=30)
    at.query_params["document"] = "d2"
    at.run()
    assert_clean(at)
    assert at.selectbox(key="doc_pick").value == "d2"
    assert any("測試文章 2" in h.value for h in at.subheader)


def test_curation_controls_in_english(mini_workspace: Path) -> None:
    at = entity_test(mini_workspace, entity_id("Ollama"), lang="en")
    assert_clean(at)
    assert any(str(e.label) == "Curate (fix this entity)" for e in at.expander)
    assert [str(t.label) for t in at.tabs] == [
        "Not an entity",
        "Change type",
        "Merge into…",
        "Split an alias off",
        "Rename",
    ]
    assert "Dataset" in at.selectbox(key="cur_type").options
    assert "#### Curation history" in texts(at) and "整理" not in texts(at)
