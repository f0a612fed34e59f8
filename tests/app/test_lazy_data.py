"""The explorer reads per view: stored centrality, relations among drawn nodes, evidence on demand.

The mini workspace is written through the Store API (no ingest), so it has no stored centrality:
the app computes it on read. A copy with the centrality stored must give the same ranking, a stale
one (an older generation) must be ignored, and the per-view readers must return what a whole read
of the store would.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.app.mini import entity_id


@pytest.fixture()
def stored_ws(mini_workspace: Path, tmp_path: Path) -> Path:
    from graph.build import centrality
    from graph.store import open_store

    ws = tmp_path / "ws"
    shutil.copytree(mini_workspace, ws)
    with open_store(ws) as store, store.transaction():
        assert centrality.refresh(store) == 7
    return ws


def test_stored_centrality_matches_the_computed_one(mini_workspace: Path, stored_ws: Path) -> None:
    from ui.data import read_workspace

    computed = read_workspace(mini_workspace)
    stored = read_workspace(stored_ws)
    assert not computed.centrality_stored and stored.centrality_stored
    assert stored.centrality == pytest.approx(computed.centrality)
    assert stored.degree == computed.degree
    assert max(stored.centrality.values()) == pytest.approx(1.0)
    # Llama 3 touches Ollama, Meta, 大語言模型 and TMMLU+: four distinct neighbours
    assert stored.degree[entity_id("Llama 3")] == 4 and stored.degree[entity_id("Meta")] == 1


def test_stale_stored_centrality_is_ignored(stored_ws: Path) -> None:
    from graph.store import open_store
    from ui.data import read_workspace

    with open_store(stored_ws) as store:
        store.conn.execute("UPDATE entity_centrality SET score = 0, degree = 99")
        store.set_meta("generation", str(int(store.meta("generation") or 0) + 1))  # an ingest without it
    data = read_workspace(stored_ws)
    assert not data.centrality_stored
    assert data.degree[entity_id("Llama 3")] == 4  # recomputed, not the stale 99


def test_old_workspace_without_the_table_reads(mini_workspace: Path, tmp_path: Path) -> None:
    from graph.store import open_store
    from ui.data import read_workspace

    ws = tmp_path / "old"
    shutil.copytree(mini_workspace, ws)
    with open_store(ws) as store:
        store.conn.execute("DROP TABLE entity_centrality")  # as written before the table existed
    data = read_workspace(ws)
    assert not data.centrality_stored and data.degree[entity_id("Ollama")] == 3


def test_per_view_readers_agree_with_a_whole_read(mini_workspace: Path) -> None:
    from graph.store import open_store
    from ui.data import evidence_for, read_workspace

    data = read_workspace(mini_workspace)
    with open_store(mini_workspace, readonly=True) as store:
        everything = store.relations()
        docs = store.entity_doc_ids()
    llama = entity_id("Llama 3")
    touching = {r.id for r in everything if llama in (r.source, r.target)}
    assert {r.id for r in data.relations_of.get(llama, [])} == touching
    assert all(not r.evidence for r in data.relations_of.get(llama, []))  # no evidence read for edges
    some = {entity_id("Ollama"), entity_id("Llama 3"), entity_id("Meta")}
    assert {r.id for r in data.relations_among(some)} == {
        r.id for r in everything if r.source in some and r.target in some
    }
    sentences = {ev.text for _, ev in evidence_for(data, llama)}
    assert sentences == {ev.text for r in everything if r.id in touching for ev in r.evidence}
    assert len(evidence_for(data, llama, limit=1)) == 1
    assert data.doc_ids_of.get(llama, ()) == docs[llama]
    assert set(data.document_entities("d2")) == {e for e, ds in docs.items() if "d2" in ds}
    assert data.doc_label("d1") == "測試文章 1 (post-1.md)" and data.doc_label("nope") == "nope"


def test_default_view_reads_only_the_drawn_relations(
    stored_ws: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ui.data import WorkspaceData, read_workspace
    from ui.graph_page import GraphFilters, select_subgraph

    data = read_workspace(stored_ws)

    def whole(self: WorkspaceData) -> None:
        raise AssertionError("the default view must not read every relation")

    monkeypatch.setattr(WorkspaceData, "light_edges", whole)
    view = select_subgraph(data, GraphFilters(max_nodes=3))
    assert len(view.nodes) == 3 and view.hidden_nodes == 4
    drawn = set(view.nodes)
    assert all(r.source in drawn and r.target in drawn for r in view.edges)
    assert view.hidden_edges == 6 - len(view.edges)


def test_ingest_stores_the_centrality(tmp_path: Path) -> None:
    from graph.build.ingest import ingest_paths
    from graph.settings import load_settings
    from graph.store import open_store, readers
    from ui.data import read_workspace

    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "a.md").write_text(
        "# 筆記\n\nOllama 可以在本機執行 Llama 3 模型。LangChain 可以整合 Ollama。\n", encoding="utf-8"
    )
    ws = tmp_path / "ws"
    report = ingest_paths([corpus], load_settings(env={}, overrides={"workspace": ws}))
    assert report.ingested == 1
    with open_store(ws, readonly=True) as store:
        stored = readers.stored_centrality(store)
        n = readers.graph_counts(store)["entities"]
    assert stored is not None and len(stored) == n > 0
    data = read_workspace(ws)
    assert data.centrality_stored and set(data.centrality) == set(data.entities)
