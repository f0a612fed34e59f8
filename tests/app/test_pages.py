"""AppTest tests: each page's logic and rendering against the mini workspace (no browser)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from tests.app.mini import entity_id

REPO = Path(__file__).resolve().parents[2]


def _page(page: str, workspace: str, overrides: dict | None = None, lang: str = "zh") -> None:
    """AppTest script: render one page with settings built from explicit overrides only."""
    import importlib

    from graph.settings import load_settings
    from ui import PageContext

    settings = load_settings(env={}, overrides={"workspace": workspace, **(overrides or {})})
    importlib.import_module(f"ui.{page}_page").render(PageContext(settings=settings, lang=lang))


def page_test(page: str, workspace: Path, **overrides: Any) -> AppTest:
    lang = overrides.pop("lang", "zh")
    at = AppTest.from_function(_page, args=(page, str(workspace), overrides, lang), default_timeout=30)
    return at.run()


def texts(at: AppTest) -> str:
    """All visible text of the run, for assertions."""
    parts: list[str] = []
    for kind in ("markdown", "caption", "info", "warning", "error", "success", "header", "subheader", "text"):
        parts.extend(str(e.value) for e in getattr(at, kind))
    for tbl in at.table:
        parts.append(tbl.value.to_string())
    return "\n".join(parts)


def assert_clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


# -- the app shell --------------------------------------------------------------------------------


def test_app_shell_renders_graph_page(mini_workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZHKG_WORKSPACE", str(mini_workspace))
    monkeypatch.delenv("ZHKG_APP_PASSWORD", raising=False)
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=30).run()
    assert_clean(at)
    assert any("圖譜" in h.value for h in at.header)
    assert "7 個實體" in texts(at)


def test_english_toggle_switches_labels(mini_workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZHKG_WORKSPACE", str(mini_workspace))
    monkeypatch.delenv("ZHKG_APP_PASSWORD", raising=False)
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=30).run()
    at.sidebar.toggle[0].set_value(True).run()
    assert_clean(at)
    assert any(h.value == "Graph" for h in at.header)


def test_password_gate_blocks_until_correct(mini_workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZHKG_WORKSPACE", str(mini_workspace))
    monkeypatch.setenv("ZHKG_APP_PASSWORD", "s3cret-密碼")
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=30).run()
    assert not at.header  # no page rendered
    at.text_input(key="login_password").set_value("wrong")
    at.button[0].click().run()
    assert any("密碼錯誤" in e.value for e in at.error)
    assert not at.header
    at.text_input(key="login_password").set_value("s3cret-密碼")
    at.button[0].click().run()
    assert_clean(at)
    assert any("圖譜" in h.value for h in at.header)


def test_refuses_non_loopback_without_password(mini_workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from streamlit import config

    monkeypatch.setenv("ZHKG_WORKSPACE", str(mini_workspace))
    monkeypatch.delenv("ZHKG_APP_PASSWORD", raising=False)
    config.set_option("server.address", "0.0.0.0")
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=30).run()
    assert not at.header
    assert any("ZHKG_APP_PASSWORD" in e.value for e in at.error)


def test_missing_workspace_is_a_message(tmp_path: Path) -> None:
    at = page_test("graph", tmp_path / "nothing")
    assert_clean(at)
    assert any("尚無資料" in i.value for i in at.info)


def test_corrupt_workspace_is_a_message(tmp_path: Path) -> None:
    (tmp_path / "zhkg.sqlite").write_bytes(b"not a database" * 100)
    at = page_test("entity", tmp_path)
    assert_clean(at)
    assert at.error and "無法開啟工作區" in at.error[0].value


# -- graph ---------------------------------------------------------------------------------------


def test_graph_page_draws_network(mini_workspace: Path) -> None:
    at = page_test("graph", mini_workspace)
    assert_clean(at)
    assert "顯示 7 個節點、6 條關係" in texts(at)


def test_graph_search_simplified_alias_shows_evidence(mini_workspace: Path) -> None:
    at = page_test("graph", mini_workspace)
    at.text_input(key="g_search").set_value("大语言模型").run()  # Simplified → Traditional via match_key
    assert_clean(at)
    assert at.selectbox(key="g_hit").value == entity_id("大語言模型")
    assert "Llama 3 是一種大語言模型。" in texts(at)
    assert "測試文章 1" in texts(at)


def test_graph_search_no_match(mini_workspace: Path) -> None:
    at = page_test("graph", mini_workspace)
    at.text_input(key="g_search").set_value("不存在的東西").run()
    assert_clean(at)
    assert any("找不到" in w.value for w in at.warning)


def test_graph_filters_and_top_n(mini_workspace: Path) -> None:
    from graph.settings import load_settings  # noqa: F401 (import check)
    from ui.data import read_workspace
    from ui.graph_page import GraphFilters, select_subgraph

    data = read_workspace(mini_workspace)
    tools = select_subgraph(data, GraphFilters(types=("TOOL",)))
    assert {data.entities[e].name for e in tools.nodes} == {"Ollama", "LangChain"}
    top = select_subgraph(data, GraphFilters(max_nodes=2))
    assert len(top.nodes) == 2 and top.hidden_nodes == 5 and top.hidden_edges > 0
    assert data.entities[top.nodes[0]].name in {"Ollama", "Llama 3"}  # the hubs
    deg = select_subgraph(data, GraphFilters(min_degree=3))
    assert {data.entities[e].name for e in deg.nodes} == {"Ollama", "Llama 3"}
    rel = select_subgraph(data, GraphFilters(relation_types=("DEVELOPED_BY",), min_degree=1))
    assert {data.entities[e].name for e in rel.nodes} == {"Llama 3", "Meta"}
    com = select_subgraph(data, GraphFilters(community="c-llama"))
    assert len(com.nodes) == 3
    doc = select_subgraph(data, GraphFilters(document="d2"))
    assert {data.entities[e].name for e in doc.nodes} == {
        "Ollama",
        "RTX 4090",
        "LangChain",
        "Llama 3",
        "TMMLU+",
    }
    datasets = select_subgraph(data, GraphFilters(types=("DATASET",)))
    assert {data.entities[e].name for e in datasets.nodes} == {"TMMLU+"}
    focus = select_subgraph(data, GraphFilters(max_nodes=1), focus=entity_id("Meta"))
    assert focus.nodes == [entity_id("Meta")]


def test_expanding_a_node_adds_its_neighbours(mini_workspace: Path) -> None:
    from ui.data import read_workspace
    from ui.graph_page import GraphFilters, select_subgraph

    data = read_workspace(mini_workspace)
    hw = GraphFilters(types=("HARDWARE",))
    assert [data.entities[e].name for e in select_subgraph(data, hw).nodes] == ["RTX 4090"]
    one = select_subgraph(data, hw, expanded={entity_id("RTX 4090"): 1})
    assert {data.entities[e].name for e in one.nodes} == {"RTX 4090", "Ollama"}  # beyond the type filter
    assert one.expanded_added == 1 and [str(r.type) for r in one.edges] == ["RUNS_ON"]
    two = select_subgraph(data, hw, expanded={entity_id("RTX 4090"): 2})
    assert {data.entities[e].name for e in two.nodes} == {"RTX 4090", "Ollama", "Llama 3", "LangChain"}


def test_graph_aggregates_by_community(mini_workspace: Path) -> None:
    from ui.data import read_workspace
    from ui.graph_page import GraphFilters, aggregate

    data = read_workspace(mini_workspace)
    agg = aggregate(data, GraphFilters())
    # the root holds everything, so the level below is used; the rest forms one group
    assert agg.level == 0 and agg.total == 7
    assert [(n.id, n.members) for n in agg.nodes] == [("c-llama", 3), ("", 4)]
    assert agg.edges == [("", "c-llama", 2)]  # Ollama→Llama 3 and Llama 3→TMMLU+ cross the groups
    at = page_test("graph", mini_workspace)
    at.radio(key="g_mode").set_value("communities").run()
    assert_clean(at)
    assert "以社群彙總" in texts(at)


def test_graph_payload_in_the_ui_language(mini_workspace: Path) -> None:
    from graph.settings import load_settings
    from ui import PageContext
    from ui.data import read_workspace
    from ui.graph_page import GraphFilters, select_subgraph, to_payload

    data = read_workspace(mini_workspace)
    settings = load_settings(env={}, overrides={"workspace": mini_workspace})
    view = select_subgraph(data, GraphFilters())
    zh = to_payload(PageContext(settings=settings), data, view)
    en = to_payload(PageContext(settings=settings, lang="en"), data, view)
    uses = next(e for e in zh.edges if e["label"] == "使用")
    assert "Ollama —使用→ Llama 3" in uses["title"] and "權重" in uses["title"]
    assert any(e["label"] == "uses" for e in en.edges)
    assert not any(e["label"] in {"USES", "RELATED_TO"} for e in zh.edges + en.edges)
    ollama = next(n for n in zh.nodes if n["id"] == entity_id("Ollama"))
    assert "類型：工具" in ollama["title"] and "TOOL" not in ollama["title"]
    assert zh.labels["fullscreen"] == "全螢幕" and en.labels["fullscreen"] == "Fullscreen"
    hier = to_payload(PageContext(settings=settings), data, view, layout="hierarchical")
    assert {n["level"] for n in hier.nodes} == {0, 1}  # community members on one level, the rest below


def test_graph_panel_and_expand_button(mini_workspace: Path) -> None:
    at = page_test("graph", mini_workspace)
    assert any("點一下節點" in c.value for c in at.caption)  # the empty panel says what to do
    at.session_state["entity_id"] = entity_id("RTX 4090")  # what a click on the node sets
    at.run()
    assert_clean(at)
    body = texts(at)
    assert "#### RTX 4090" in body and "硬體" in body and "4090" in body  # name, type, alias
    assert "執行於" in body and "我們在 RTX 4090 上用 Ollama 跑推論。" in body  # a relation with its sentence
    assert "下載全部 1 句證據（CSV）" in {b.label for b in at.get("download_button")}
    from graph.settings import load_settings
    from ui import PageContext
    from ui.data import read_workspace
    from ui.graph_page import evidence_rows

    ctx = PageContext(settings=load_settings(env={}, overrides={"workspace": mini_workspace}))
    rows = evidence_rows(ctx, read_workspace(mini_workspace), entity_id("RTX 4090"))
    assert rows == [
        {
            "關係類型": "執行於",
            "實體": "Ollama",
            "證據句": "我們在 RTX 4090 上用 Ollama 跑推論。",
            "文件": "測試文章 2 (post-2.md)",
        }
    ]
    at.button(key="g_expand_btn").click().run()
    assert_clean(at)
    assert at.session_state["g_expanded"] == {entity_id("RTX 4090"): 1}
    at.button(key="g_reset").click().run()
    assert at.session_state["g_expanded"] == {}


def test_graph_view_exports_parse(mini_workspace: Path) -> None:
    import json
    import xml.etree.ElementTree as ET

    from ui.data import read_workspace
    from ui.export import view_graphml, view_json
    from ui.graph_page import GraphFilters, select_subgraph

    data = read_workspace(mini_workspace)
    view = select_subgraph(data, GraphFilters(types=("MODEL", "ORG")))
    ns = "{http://graphml.graphdrawing.org/xmlns}"
    root = ET.fromstring(view_graphml(data, view.nodes, view.edges))
    names = sorted(d.text or "" for d in root.iter(f"{ns}data") if d.get("key") == "n_name")
    assert names == ["Llama 3", "Meta"]
    (edge,) = root.iter(f"{ns}edge")
    values = {d.get("key"): d.text for d in edge}
    assert values["e_type"] == "DEVELOPED_BY" and values["e_evidence"] == "Llama 3 是 Meta 釋出的開源模型。"
    doc = json.loads(view_json(data, view.nodes, view.edges))
    assert {n["name"] for n in doc["nodes"]} == {"Llama 3", "Meta"}
    assert doc["edges"][0]["evidence"][0]["chunk_id"] == "cd1"
    at = page_test("graph", mini_workspace)
    assert {b.label for b in at.get("download_button")} >= {"下載此檢視（GraphML）", "下載此檢視（JSON）"}


def test_graph_filters_speak_the_ui_language(mini_workspace: Path) -> None:
    at = page_test("graph", mini_workspace)
    types = at.multiselect(key="g_types")
    assert types.placeholder == "請選擇" and "Choose" not in types.placeholder
    assert "資料集" in types.options and "DATASET" not in types.options
    rels = at.multiselect(key="g_rtypes").options
    assert {"執行於", "使用", "開發者", "相關"} <= set(rels) and "RUNS_ON" not in rels
    en = page_test("graph", mini_workspace, lang="en")
    assert en.multiselect(key="g_types").placeholder == "Choose"
    assert "runs on" in en.multiselect(key="g_rtypes").options


def test_graph_component_serves_vis_offline() -> None:
    import pyvis

    from ui.graph_component import _CSS, _JS, vis_source

    src = vis_source()
    assert "vis-network" in src[:400] and "sourceMappingURL" not in src
    bundled = next((Path(pyvis.__file__).parent / "templates" / "lib").glob("vis-*/vis-network.min.js"))
    # split on newlines only: the bundle's string literals hold vertical tabs and other line
    # separators that str.splitlines would break the script at
    original = bundled.read_text(encoding="utf-8")
    assert any(ch in original for ch in "\v\f\x1c\x85\u2028")
    kept = [line for line in original.split("\n") if not line.startswith("//# sourceMappingURL")]
    assert src == "\n".join(kept)
    for text in (src, _JS, _CSS):
        assert not re.search(r"(src|href)=[\"']?https?://", text)  # nothing fetched from elsewhere
    assert 'setTriggerValue("select"' in _JS and 'setTriggerValue("expand"' in _JS


def test_graph_page_hidden_note(mini_workspace: Path) -> None:
    at = page_test("graph", mini_workspace)
    at.number_input(key="g_max").set_value(10).run()
    assert_clean(at)
    at.multiselect(key="g_types").set_value(["TOOL", "MODEL"]).run()
    assert "顯示 3 個節點" in texts(at)


def test_dataset_type_has_colour_filter_and_labels(mini_workspace: Path) -> None:
    from extract.records import EntityType
    from ui.i18n import type_name
    from ui.viz import OTHER_COLOR, TYPE_COLORS, VizNode, legend_html, network_html

    types = [t.value for t in EntityType]
    assert set(TYPE_COLORS) == set(types)  # every type has its own colour ...
    assert len(set(TYPE_COLORS.values()) | {OTHER_COLOR}) == len(types) + 1  # ... distinct from the rest
    assert TYPE_COLORS["DATASET"] in network_html([VizNode("b", "TMMLU+", "DATASET")], [])
    assert (type_name("DATASET"), type_name("DATASET", "en")) == ("資料集", "Dataset")
    assert all(type_name(t) != t and type_name(t, "en") != t for t in types)
    assert type_name("SOMETHING_NEW") == "SOMETHING_NEW"
    legend = legend_html(types, {t: type_name(t) for t in types})
    assert "資料集" in legend and TYPE_COLORS["DATASET"] in legend

    at = page_test("graph", mini_workspace)
    assert_clean(at)
    assert "資料集" in texts(at) and TYPE_COLORS["DATASET"] in texts(at)  # the legend
    at.multiselect(key="g_types").set_value(["DATASET"]).run()
    assert_clean(at)
    assert "顯示 1 個節點" in texts(at)
    en = page_test("graph", mini_workspace, lang="en")
    assert "Dataset" in texts(en)


def test_pyvis_html_is_offline() -> None:
    from ui.viz import VizEdge, VizNode, network_html

    page = network_html(
        [VizNode("a", "模型", "MODEL"), VizNode("b", "工具", "TOOL")], [VizEdge("a", "b", "USES")]
    )
    assert "new vis.Network" in page and "\\u6a21\\u578b" in page  # label 模型, JSON-escaped
    import re

    hostile = network_html([VizNode("x", "</script><script>alert(1)</script>", "TOOL")], [])
    assert "<script>alert(1)" not in hostile
    # nothing is fetched from a CDN: no external script or stylesheet tags
    assert not re.search(r"<(script|link)[^>]+(src|href)=\"https?:", page)


# -- entity --------------------------------------------------------------------------------------


# The entity page's evidence, chips, links and curation: tests/app/test_entity_page.py.


def test_entity_page_names_the_type(mini_workspace: Path) -> None:
    at = page_test("entity", mini_workspace)
    at.selectbox[0].set_value(entity_id("TMMLU+")).run()
    assert_clean(at)
    assert "資料集 · DATASET" in texts(at)


def test_entity_page_search_by_alias(mini_workspace: Path) -> None:
    at = page_test("entity", mini_workspace)
    at.text_input(key="entity_search").set_value("ＲＴＸ４０９０").run()  # full-width folds via NFKC
    assert_clean(at)
    assert at.selectbox[0].value == entity_id("RTX 4090")


# -- communities ---------------------------------------------------------------------------------


def test_communities_page(mini_workspace: Path) -> None:
    at = page_test("communities", mini_workspace)
    assert_clean(at)
    # opens on the level-0 community (readable size), not on the root that holds everything
    assert any(s.value == "Llama 模型家族" for s in at.subheader)
    body = texts(at)
    assert "Meta 的 Llama 系列。" in body
    assert any("本地 LLM 生態" in b.label for b in at.button)  # the parent, one click away
    at.button(key="c_parent_btn").click().run()
    assert_clean(at)
    assert any(s.value == "本地 LLM 生態" for s in at.subheader)
    body = texts(at)
    assert "本地執行大語言模型的工具與硬體。" in body
    assert "findings" not in body  # report keys never reach the screen
    at.button(key="c_tree_c-llama").click().run()  # the tree is clickable
    assert any(s.value == "Llama 模型家族" for s in at.subheader)


def test_community_report_rendered_as_text(mini_workspace: Path) -> None:
    from graph.settings import load_settings
    from ui import PageContext
    from ui.communities_page import report_markdown
    from ui.data import read_workspace

    data = read_workspace(mini_workspace)
    ctx = PageContext(settings=load_settings(env={}, overrides={"workspace": mini_workspace}))
    report = {
        "level": 0,
        "writer": "extractive",
        "size": 3,
        "entities": [{"id": entity_id("Meta"), "name": "Meta", "type": "ORG", "pagerank": 0.3}],
        "relations": [
            {
                "source": "Llama 3",
                "target": "Meta",
                "type": "DEVELOPED_BY",
                "evidence": [{"doc_id": "d1", "chunk_id": "cd1", "text": "Llama 3 是 Meta 釋出的開源模型。"}],
            }
        ],
        "documents": [{"doc_id": "d1", "title": "測試文章 1", "entities": 3}],
    }
    text = "\n".join(report_markdown(ctx, data, report))
    assert f"[Meta](entity?entity={entity_id('Meta')})（組織）" in text  # a link, type in zh-TW
    assert "開發者" in text and "DEVELOPED_BY" not in text
    assert "Llama 3 是 Meta 釋出的開源模型。" in text and "測試文章 1" in text
    for key in ("writer", "size", "pagerank", "level", "{", "doc_id"):
        assert key not in text, key


def test_identical_child_community_shown_once() -> None:
    from graph.records import Community
    from ui.communities_page import default_community, folded, hierarchy

    coms = [
        Community(id="root", level=2, parent="", entity_ids=("a", "b", "c"), rank=3.0),
        Community(id="same", level=1, parent="root", entity_ids=("a", "b", "c"), rank=2.0),
        Community(id="leaf", level=0, parent="same", entity_ids=("a", "b"), rank=1.0),
        Community(id="leaf2", level=0, parent="same", entity_ids=("c",), rank=0.5),
    ]
    tree = [(d, c.id, c.parent) for d, c in hierarchy(folded(coms))]
    assert tree == [(0, "root", ""), (1, "leaf", "root"), (1, "leaf2", "root")]
    assert default_community(coms) == "leaf"


def test_hierarchy_order() -> None:
    from graph.records import Community
    from ui.communities_page import hierarchy

    coms = [
        Community(id="a", level=0, parent="top", entity_ids=(), rank=1.0),
        Community(id="top", level=1, parent="", entity_ids=(), rank=2.0),
        Community(id="b", level=0, parent="top", entity_ids=(), rank=3.0),
    ]
    assert [(d, c.id) for d, c in hierarchy(coms)] == [(0, "top"), (1, "b"), (1, "a")]


# -- ask -----------------------------------------------------------------------------------------


def _fake_answer() -> Any:
    from graph.records import Answer, Citation

    return Answer(
        answer="Ollama 在本機執行 Llama 3 [1]。",
        mode="local",
        citations=(Citation("d1", "/corpus/post-1.md", "cd1", "Ollama 可以在本機執行 Llama 3 模型。", 1.0),),
        entities=(entity_id("Ollama"), entity_id("Llama 3")),
        relations=(),
        extractive=True,
    )


def test_ask_page_round_trip(mini_workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import ui.ask_page

    calls: list[tuple[str, str]] = []

    def fake(settings: Any, question: str, mode: str, on_token: Any = None) -> Any:
        calls.append((question, mode))
        return _fake_answer()

    monkeypatch.setattr(ui.ask_page, "ask_question", fake)
    at = page_test("ask", mini_workspace)
    assert any("擷取式" in i.value for i in at.info)  # says plainly there is no LLM
    at.radio(key="ask_mode").set_value("local").run()
    at.chat_input(key="ask_input").set_value("Ollama 跑什麼模型？").run()
    assert_clean(at)
    assert calls == [("Ollama 跑什麼模型？", "local")]
    body = texts(at)
    # the marker links to its source, which carries the matching anchor
    assert 'Ollama 在本機執行 Llama 3 <a href="#cite-0-1" class="zhkg-cite-link">[1]</a>。' in body
    assert '<div id="cite-0-1"' in body
    assert "Ollama 可以在本機執行 Llama 3 模型。" in body  # the citation shows its sentence
    assert any("[1]" in e.label for e in at.expander)  # and opens its context
    assert any(e.label == "證據子圖" for e in at.expander)
    assert "局部（實體）" in body  # the mode used, in the UI language
    # a second question keeps the first answer and its subgraph
    at.chat_input(key="ask_input").set_value("再問一次").run()
    assert_clean(at)
    assert sum(e.label == "證據子圖" for e in at.expander) == 2
    assert '<a href="#cite-1-1"' in texts(at)
    names = {b.label for b in at.get("download_button")}
    assert {"下載答案（Markdown）", "下載表格（CSV）"} <= names


def test_ask_failure_is_readable(mini_workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import ui.ask_page

    def boom(*_: Any, **__: Any) -> Any:
        raise ui.ask_page.AskFailed("LLMError: connection refused")

    monkeypatch.setattr(ui.ask_page, "ask_question", boom)
    at = page_test("ask", mini_workspace)
    at.chat_input(key="ask_input").set_value("問題").run()
    assert_clean(at)
    assert any("無法回答" in e.value and "connection refused" in e.value for e in at.error)


def test_evidence_graph_highlights_used(mini_workspace: Path) -> None:
    from ui.ask_page import evidence_graph
    from ui.data import read_workspace

    data = read_workspace(mini_workspace)
    nodes, edges = evidence_graph(data, _fake_answer())
    # only what the answer used: its two entities and the relation between them
    assert {n.id for n in nodes} == {entity_id("Ollama"), entity_id("Llama 3")}
    assert [(e.source, e.target, e.label) for e in edges] == [
        (entity_id("Ollama"), entity_id("Llama 3"), "USES")
    ]
    from dataclasses import replace

    rel = next(r for r in data.relations if r.type == "DEVELOPED_BY")
    nodes, edges = evidence_graph(data, replace(_fake_answer(), entities=(), relations=(rel.id,)))
    assert {n.label for n in nodes} == {"Llama 3", "Meta"} and all(e.highlight for e in edges)


def test_answer_exports(mini_workspace: Path) -> None:
    from ui.export import answer_markdown, rows_csv

    md = answer_markdown("Ollama 跑什麼？", _fake_answer(), {"citations": "引用來源"}).decode()
    assert md.startswith("# Ollama 跑什麼？") and "## 引用來源" in md
    assert "1. /corpus/post-1.md" in md and "> Ollama 可以在本機執行 Llama 3 模型。" in md
    import csv
    import io

    raw = rows_csv([{"實體": "Ollama", "句子": "a,b"}, {"實體": "Meta", "句子": "c"}])
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows == [{"實體": "Ollama", "句子": "a,b"}, {"實體": "Meta", "句子": "c"}]


# -- cypher --------------------------------------------------------------------------------------


def test_cypher_page_without_neo4j(mini_workspace: Path) -> None:
    at = page_test("cypher", mini_workspace)
    assert_clean(at)
    assert any("尚未設定 Neo4j" in i.value for i in at.info)


def test_cypher_page_neo4j_down_is_readable(mini_workspace: Path) -> None:
    at = page_test("cypher", mini_workspace, neo4j_uri="bolt://127.0.0.1:9", neo4j_timeout_s=2.0)
    assert_clean(at)
    at.text_area(key="cy_text").set_value("MATCH (n) RETURN n LIMIT 1")
    at.button[-1].click().run()
    assert_clean(at)
    assert at.error, "expected a readable error"
    assert "Traceback" not in at.error[-1].value


def test_cypher_refusal_message(monkeypatch: pytest.MonkeyPatch) -> None:
    from ui import cypher_page

    class ReadOnlyViolation(Exception):
        pass

    failed = cypher_page._classify(ReadOnlyViolation("CREATE is a write"))
    assert failed.kind == "refused"
    assert cypher_page.form_params({"q": ("", True), "k": ("", False), "n": ("5", False)}) == {
        "q": "",
        "n": "5",
    }


def test_result_graph_shapes() -> None:
    from ui.cypher_page import result_graph, result_rows

    result = {
        "columns": ["e", "n"],
        "rows": [[{"name": "Ollama"}, 3]],
        "nodes": [
            {"id": "1", "labels": ["Entity"], "properties": {"name": "Ollama", "type": "TOOL"}},
            {"id": "2", "labels": ["Entity"], "properties": {"name": "Llama 3", "type": "MODEL"}},
        ],
        "relationships": [{"id": "r", "type": "USES", "start": "1", "end": "2"}],
    }
    nodes, edges = result_graph(result)
    assert [n.label for n in nodes] == ["Ollama", "Llama 3"] and edges[0].label == "USES"
    assert result_rows(result) == [{"e": '{"name": "Ollama"}', "n": 3}]
    node = {"_node": "1", "id": "1", "labels": ["Entity"], "properties": {"name": "Ollama"}}
    rel = {"_relationship": "r", "id": "r", "type": "USES", "properties": {}}
    assert result_rows({"columns": ["e", "r"], "rows": [[node, rel]]}) == [
        {"e": "(:Entity) Ollama", "r": "[:USES]"}
    ]


# -- ingest --------------------------------------------------------------------------------------


def test_safe_names_stay_inside(tmp_path: Path) -> None:
    from graph.settings import load_settings
    from ui.ingest_page import IngestRejected, safe_name, save_upload

    assert safe_name("../../etc/passwd") == "passwd"
    assert safe_name("..\\..\\boot.ini") == "boot.ini"
    assert safe_name("筆記 2024.md") == "筆記 2024.md"
    assert safe_name("a;rm -rf$.md") == "a_rm -rf_.md"
    for bad in ("..", "/", "...", "\x00"):
        with pytest.raises(IngestRejected):
            safe_name(bad)
    s = load_settings(env={}, overrides={"workspace": tmp_path / "ws", "upload_max_mb": 0.001})
    saved = save_upload(s, "../x.md", b"hi")
    assert saved.parent == (tmp_path / "ws" / "uploads").resolve()
    with pytest.raises(IngestRejected) as exc:
        save_upload(s, "big.md", b"x" * 5000)
    assert exc.value.key == "file_too_large"


def test_folder_must_be_allowed(tmp_path: Path) -> None:
    from graph.settings import load_settings
    from ui.ingest_page import IngestRejected, check_folder

    allowed = tmp_path / "notes"
    allowed.mkdir()
    s = load_settings(env={}, overrides={"workspace": tmp_path / "ws", "app_ingest_roots": (allowed,)})
    assert check_folder(s, str(allowed)) == allowed.resolve()
    for outside in ("/etc", str(tmp_path), str(allowed / ".." / "..")):
        with pytest.raises(IngestRejected) as exc:
            check_folder(s, outside)
        assert exc.value.key == "folder_outside"
    (allowed / "link").symlink_to("/etc")
    with pytest.raises(IngestRejected):
        check_folder(s, str(allowed / "link"))


def test_ingest_page_folder_outside_is_message(tmp_path: Path) -> None:
    from streamlit import config

    config.set_option("server.address", "0.0.0.0")  # served to others: folders stay confined
    at = page_test("ingest", tmp_path / "ws")
    assert_clean(at)
    at.text_input(key="ingest_folder").set_value("/etc")
    at.button(key="ingest_folder_btn").click().run()
    assert_clean(at)
    assert any("不在允許的範圍內" in e.value for e in at.error)


def test_ingest_page_any_folder_on_loopback(tmp_path: Path) -> None:
    """On loopback (the autouse fixture's 127.0.0.1) a folder outside <workspace>/uploads ingests."""
    notes = tmp_path / "elsewhere" / "notes"
    notes.mkdir(parents=True)
    (notes / "ollama.md").write_text("# Ollama\n\nOllama 可以在本機執行 Llama 3 模型。\n", encoding="utf-8")
    at = page_test("ingest", tmp_path / "ws")
    assert "這台電腦" in at.text_input(key="ingest_folder").label
    at.text_input(key="ingest_folder").set_value(str(notes))
    at.button(key="ingest_folder_btn").click().run()
    assert_clean(at)
    assert any("新匯入 1 份" in s.value for s in at.success), texts(at)


def test_ingest_nothing_ingested_is_a_warning(tmp_path: Path) -> None:
    notes = tmp_path / "bad"
    notes.mkdir()
    (notes / "broken.md").write_bytes(b"\x00\x01binary\x00" * 50)
    at = page_test("ingest", tmp_path / "ws")
    at.text_input(key="ingest_folder").set_value(str(notes))
    at.button(key="ingest_folder_btn").click().run()
    assert_clean(at)
    assert not at.success
    assert any("沒有匯入任何文件" in w.value for w in at.warning), texts(at)
    assert "二進位檔（含 NUL 位元組）" in texts(at)  # ingest's own reason, in the UI language


def test_skip_reasons_translated() -> None:
    from ui.ingest_page import reason_text

    assert reason_text("too large (25.0 MiB > limit 20.0 MiB)") == "檔案過大（25.0 MiB，上限 20.0 MiB）"
    assert reason_text("unsupported file type '.exe' (no reader)") == "不支援的檔案類型「.exe」"
    assert reason_text("empty file", "en") == "empty file"
    assert reason_text("something a library said") == "something a library said"


def test_ingest_page_nothing_uploaded(tmp_path: Path) -> None:
    at = page_test("ingest", tmp_path / "ws")
    at.button(key="ingest_uploads_btn").click().run()
    assert_clean(at)
    assert any("請先選擇" in w.value for w in at.warning)


def test_ingest_report_rendering(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import ui.ingest_page as ip
    from graph.build.ingest import IngestReport

    report = IngestReport(
        ingested=1,
        unchanged=2,
        removed=0,
        skipped=[("uploads/bad.md", "binary file")],
        failed=[],
        redactions=[("uploads/key.md", 3, "openai_key")],
    )
    monkeypatch.setattr(ip, "run_ingest", lambda settings, paths, progress=None, **kw: report)
    allowed = tmp_path / "notes"
    allowed.mkdir()
    at = page_test("ingest", tmp_path / "ws", app_ingest_roots=(allowed,))
    at.text_input(key="ingest_folder").set_value(str(allowed))
    at.button(key="ingest_folder_btn").click().run()
    assert_clean(at)
    body = texts(at)
    assert "新匯入 1 份、未變更 2 份、略過 1 份" in body
    assert "binary file" in body and "openai_key" in body


def test_cypher_named_query_form(mini_workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from types import SimpleNamespace

    import ui.cypher_page as cp

    query = SimpleNamespace(
        name="top",
        description="最常連結的實體",
        text="MATCH (e:Entity) RETURN e.name AS name LIMIT $k",
        params=(SimpleNamespace(name="k", type="int", default=5, required=True, description="筆數"),),
    )
    seen: list[dict[str, Any]] = []

    def fake_run(settings: Any, name: str, params: dict[str, Any]) -> Any:
        seen.append(params)
        return {"columns": ["name"], "rows": [["Ollama"]], "nodes": [], "relationships": []}

    monkeypatch.setattr(cp, "named_queries", lambda: {"top": query})
    monkeypatch.setattr(cp, "run_named", fake_run)
    at = page_test("cypher", mini_workspace, neo4j_uri="bolt://127.0.0.1:7687")
    assert at.text_input(key="cy_p_top_k").value == "5"
    at.text_input(key="cy_p_top_k").set_value("3")
    at.button[0].click().run()
    assert_clean(at)
    assert seen == [{"k": "3"}]
    assert at.dataframe and at.dataframe[0].value.iloc[0, 0] == "Ollama"


def test_cypher_console_refusal_is_shown(mini_workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import ui.cypher_page as cp

    def refuse(settings: Any, cypher: str, params: Any = None) -> Any:
        raise cp.CypherFailed("refused", "CREATE writes to the graph")

    monkeypatch.setattr(cp, "named_queries", lambda: {})
    monkeypatch.setattr(cp, "run_console", refuse)
    at = page_test("cypher", mini_workspace, neo4j_uri="bolt://127.0.0.1:7687")
    at.text_area(key="cy_text").set_value("CREATE (n) RETURN n")
    at.button[-1].click().run()
    assert_clean(at)
    assert any("拒絕執行" in e.value and "CREATE" in e.value for e in at.error)


# -- zhkg app ------------------------------------------------------------------------------------


def test_zhkg_app_refuses_public_host_without_password(
    capsys: pytest.CaptureFixture[str], monkeypatch
) -> None:
    from graph.cli.main import main

    monkeypatch.delenv("ZHKG_APP_PASSWORD", raising=False)
    assert main(["app", "--host", "0.0.0.0"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "ZHKG_APP_PASSWORD" in err[0]


def test_zhkg_app_command_line(tmp_path: Path) -> None:
    from graph.cli.app import command_line
    from graph.settings import load_settings

    s = load_settings(env={}, overrides={"workspace": tmp_path, "app_port": 9999, "upload_max_mb": 2.5})
    cmd = command_line(s)
    joined = " ".join(cmd)
    assert cmd[1:4] == ["-m", "streamlit", "run"] and cmd[4].endswith("app.py")
    for part in (
        "--server.address 127.0.0.1",
        "--server.port 9999",
        "--server.headless true",
        "--browser.gatherUsageStats false",
        "--server.maxUploadSize 3",
        f"-- --workspace {tmp_path}",
    ):
        assert part in joined, part


def test_loopback_detection() -> None:
    from ui.auth import is_loopback, password_ok

    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.2") and not is_loopback("")
    assert password_ok("密碼", "密碼") and not password_ok("密", "密碼")


def test_labels_exist_in_both_languages() -> None:
    from ui.i18n import keys, tr

    for key in keys():
        assert tr(key, "zh") and tr(key, "en"), key


def test_ask_streams_tokens_when_llm_configured(
    mini_workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dataclasses import replace

    import ui.ask_page

    got_callback: list[bool] = []

    def fake(settings: Any, question: str, mode: str, on_token: Any = None) -> Any:
        got_callback.append(on_token is not None)
        for tok in ("Ollama ", "在本機", "執行 [1]。"):
            on_token(tok)
        return replace(_fake_answer(), answer="Ollama 在本機執行 [1]。", extractive=False)

    monkeypatch.setattr(ui.ask_page, "ask_question", fake)
    at = page_test("ask", mini_workspace, llm_base_url="http://127.0.0.1:9/v1", llm_model="m")
    assert not any("擷取式" in i.value for i in at.info)
    at.chat_input(key="ask_input").set_value("問題").run()
    assert_clean(at)
    assert got_callback == [True]
    body = texts(at)
    assert 'Ollama 在本機執行 <a href="#cite-0-1" class="zhkg-cite-link">[1]</a>。' in body
    assert "由 LLM 生成" in body


def test_navigation_reads_workspace_once_per_generation(
    mini_workspace: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil

    import ui.data
    from graph.store import open_store

    ws = tmp_path / "ws"
    shutil.copytree(mini_workspace, ws)
    reads: list[str] = []
    real = ui.data.read_workspace

    def counting(workspace: Path, gen: str = "") -> Any:
        reads.append(gen)
        return real(workspace, gen)

    monkeypatch.setattr(ui.data, "read_workspace", counting)
    for page in ("graph", "entity", "communities", "ask", "graph"):
        assert_clean(page_test(page, ws))
    assert reads == ["1"]
    with open_store(ws) as store:
        store.set_meta("generation", "2")  # what an ingest does
    assert_clean(page_test("graph", ws))
    assert reads == ["1", "2"]


# -- documents ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def notes_workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Obsidian-style sample notes (examples/obsidian), ingested."""
    from graph.build.ingest import ingest_paths
    from graph.settings import load_settings

    ws = tmp_path_factory.mktemp("notes") / "ws"
    report = ingest_paths(
        [REPO / "examples" / "obsidian"], load_settings(env={}, overrides={"workspace": ws})
    )
    assert report.ingested == 7 and not report.failed
    return ws


def test_documents_filter_links_and_entities(notes_workspace: Path) -> None:
    from ui.data import read_workspace
    from ui.documents_page import all_tags, entities_in, filter_documents, links_of

    data = read_workspace(notes_workspace)
    by_title = {d.title: d for d in data.documents.values()}
    ollama = by_title["Ollama"]
    assert [d.title for d in filter_documents(data, "歐拉瑪")] == ["Ollama"]  # an alias finds its note
    assert "RAG" in all_tags(data)
    assert {d.title for d in filter_documents(data, tags=("RAG",))} == {"RAG 檢索增強生成", "向量資料庫"}
    out, inc = links_of(data, ollama.id)
    assert out and all(data.documents[o].id != ollama.id for o in out)
    assert any(ollama.id in links_of(data, o)[1] for o in out)  # a link is seen from both ends
    assert inc, "other notes link to Ollama"
    assert "Ollama" in {data.entity_name(e) for e in entities_in(data, ollama.id)}


def test_documents_page_renders_links(notes_workspace: Path) -> None:
    at = page_test("documents", notes_workspace)
    assert_clean(at)
    body = texts(at)
    assert "連到" in body and "被連結自" in body and "7 / 7 份文件" in body
    at.text_input(key="doc_query").set_value("歐拉瑪").run()
    assert_clean(at)
    assert "1 / 7 份文件" in texts(at)
    # the mentioned entities link to their entity page (the ?entity= deep link)
    from ui.data import read_workspace

    data = read_workspace(notes_workspace)
    ollama = next(e for e in data.entities.values() if e.name == "Ollama")
    assert f"[Ollama](entity?entity={ollama.id})" in texts(at)


def test_entity_links_escape_names(mini_workspace: Path) -> None:
    from ui.data import read_workspace
    from ui.documents_page import entity_links

    data = read_workspace(mini_workspace)
    md = entity_links(data, [entity_id("Ollama"), entity_id("TMMLU+")])
    assert (
        md == f"[Ollama](entity?entity={entity_id('Ollama')})、[TMMLU+](entity?entity={entity_id('TMMLU+')})"
    )


def test_password_attempts_are_throttled() -> None:
    from ui.auth import AttemptThrottle

    th = AttemptThrottle(free=3, base_s=2.0, cap_s=60.0)
    for i in range(3):
        assert th.wait_s("1.2.3.4", now=100.0 + i) == 0.0
        th.failed("1.2.3.4", now=100.0 + i)
    assert th.wait_s("1.2.3.4", now=102.5) == pytest.approx(1.5)  # 2 s after the third failure
    assert th.wait_s("5.6.7.8", now=102.5) == 0.0  # another client is not slowed
    th.failed("1.2.3.4", now=104.0)
    assert th.wait_s("1.2.3.4", now=104.0) == pytest.approx(4.0)  # doubling
    for _ in range(20):
        th.failed("1.2.3.4", now=200.0)
    assert th.wait_s("1.2.3.4", now=200.0) == pytest.approx(60.0)  # capped
    th.succeeded("1.2.3.4")
    assert th.wait_s("1.2.3.4", now=200.0) == 0.0


def test_app_ingest_stays_inside_its_root_and_keeps_no_raw_upload(tmp_path: Path) -> None:
    from graph.settings import load_settings
    from ui.ingest_page import forget_uploads, run_ingest, save_upload

    outside = tmp_path / "private"
    outside.mkdir()
    (outside / "secret.md").write_text("# 私人\n\n不該被匯入的筆記。\n", "utf-8")
    root = tmp_path / "shared"
    root.mkdir()
    (root / "ok.md").write_text("# Ollama\n\nOllama 在本機執行模型。\n", "utf-8")
    (root / "escape.md").symlink_to(outside / "secret.md")
    s = load_settings(env={}, overrides={"workspace": tmp_path / "ws", "app_ingest_roots": (root,)})
    report = run_ingest(s, [root])
    assert report.ingested == 1
    assert [(Path(p).name, r) for p, r in report.skipped] == [
        ("escape.md", "symlink leads outside the allowed folder")
    ]

    key = "sk" + "-" + "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJ"
    saved = save_upload(s, f"notes-{key}.md", f"# 上傳\n\n金鑰 {key} 在這裡。\n".encode())
    assert key not in saved.name
    run_ingest(s, [saved])
    forget_uploads([saved])
    assert not saved.exists()
    for f in (tmp_path / "ws").rglob("*"):
        if f.is_file():
            assert key.encode() not in f.read_bytes(), f
