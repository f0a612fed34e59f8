"""Connection errors, retries, centrality and the wanted graph, without a server."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from neo4j import exceptions as nx

from extract.records import EntityType
from graph.build.centrality import compute_centrality
from graph.cli.main import main
from graph.neo4j.client import Neo4jUnavailable, open_driver, with_retries
from graph.neo4j.schema import schema_statements
from graph.neo4j.sync import TYPE_LABELS, _merge, sync_workspace, type_label, wanted_graph
from graph.settings import load_settings
from graph.store import open_store


def _digest(ws: Path) -> tuple[str, int]:
    """The database file's hash and the WAL's size: readers may create an empty WAL, writers fill it."""
    wal = ws / "zhkg.sqlite-wal"
    return hashlib.sha256(
        (ws / "zhkg.sqlite").read_bytes()
    ).hexdigest(), wal.stat().st_size if wal.exists() else 0


def test_unreachable_server_is_one_clear_line_and_workspace_is_untouched(
    tiny_workspace: Path, unused_port: int
) -> None:
    secret = "s3cret-never-shown"
    settings = load_settings(
        env={},
        overrides={
            "workspace": tiny_workspace,
            "neo4j_uri": f"bolt://127.0.0.1:{unused_port}",
            "neo4j_password": secret,
            "neo4j_timeout_s": 2.0,
        },
    )
    before = _digest(tiny_workspace)
    t0 = time.monotonic()
    with open_store(tiny_workspace, readonly=True) as store, pytest.raises(Neo4jUnavailable) as info:
        sync_workspace(store, settings, progress=False)
    assert time.monotonic() - t0 < 30
    msg = str(info.value)
    assert "\n" not in msg and "unreachable" in msg and settings.neo4j_uri in msg and secret not in msg
    assert _digest(tiny_workspace) == before


def test_sync_command_when_down_exits_1_with_one_line(
    tiny_workspace: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    unused_port: int,
) -> None:
    monkeypatch.setenv("ZHKG_NEO4J_PASSWORD", "pw-not-printed")
    monkeypatch.setenv("ZHKG_NEO4J_TIMEOUT_S", "2")
    before = _digest(tiny_workspace)
    rc = main(["sync", "neo4j", "-w", str(tiny_workspace), "--neo4j-uri", f"bolt://127.0.0.1:{unused_port}"])
    err = capsys.readouterr().err.strip()
    assert rc == 1 and len(err.splitlines()) == 1 and "workspace is unchanged" in err
    assert "pw-not-printed" not in err
    assert _digest(tiny_workspace) == before


def test_not_configured_is_reported() -> None:
    with pytest.raises(Neo4jUnavailable, match="ZHKG_NEO4J_URI"):
        open_driver(load_settings(env={}))


def test_bad_uri_is_reported() -> None:
    with pytest.raises(Neo4jUnavailable, match="bad connection settings"):
        open_driver(load_settings(env={}, overrides={"neo4j_uri": "http://nowhere:1"}))


def test_with_retries_backs_off_on_transient_errors_only() -> None:
    calls: list[int] = []
    sleeps: list[float] = []

    def flaky() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise nx.ServiceUnavailable("gone")
        return "ok"

    assert with_retries(flaky, sleep=sleeps.append, base_delay_s=0.1) == "ok"
    assert len(calls) == 3 and len(sleeps) == 2 and sleeps[1] > sleeps[0]

    def broken() -> None:
        calls.append(1)
        raise ValueError("not transient")

    calls.clear()
    with pytest.raises(ValueError):
        with_retries(broken, sleep=sleeps.append)
    assert len(calls) == 1

    def always() -> None:
        raise nx.SessionExpired("x")

    with pytest.raises(nx.SessionExpired):
        with_retries(always, attempts=3, sleep=lambda s: None)


def test_centrality_degree_and_pagerank() -> None:
    edges = [
        ("a", "b", 1.0),
        ("a", "c", 1.0),
        ("a", "d", 3.0),
        ("zz", "a", 1.0),  # unknown endpoint: ignored
        ("b", "b", 1.0),  # self-loop: ignored
    ]
    c = compute_centrality(["a", "b", "c", "d", "e"], edges)
    assert {k: v[0] for k, v in c.items()} == {"a": 3, "b": 1, "c": 1, "d": 1, "e": 0}
    assert sum(v[1] for v in c.values()) == pytest.approx(1.0)
    assert c["a"][1] > c["d"][1] > c["b"][1] > c["e"][1]  # the heavier edge lifts d above b
    assert compute_centrality([], []) == {}
    assert compute_centrality(["a"], []) == {"a": (0, pytest.approx(1.0))}


def test_pagerank_matches_igraph_and_is_bit_for_bit_repeatable() -> None:
    import random

    import igraph

    rng = random.Random(3)
    ids = [f"e{i:03d}" for i in range(300)]  # the last 20 stay isolated (dangling)
    edges = [(rng.choice(ids[:280]), rng.choice(ids[:280]), rng.uniform(0.1, 5.0)) for _ in range(2000)]
    ours = compute_centrality(ids, edges)
    assert ours == compute_centrality(ids, edges)  # same floats, so content hashes never flip
    kept = [(ids.index(a), ids.index(b), w) for a, b, w in edges if a != b]
    g = igraph.Graph(n=len(ids), edges=[(a, b) for a, b, _ in kept], directed=False)
    reference = g.pagerank(weights=[w for _, _, w in kept], damping=0.85, directed=False)
    for i, eid in enumerate(ids):
        assert ours[eid][1] == pytest.approx(reference[i], rel=1e-7)
        assert ours[eid][0] == g.degree(i)


def test_merge_pairs_sorted_streams_and_rejects_disorder() -> None:
    wanted = [{"id": "a"}, {"id": "c"}, {"id": "d"}]
    have = [{"id": "b"}, {"id": "c"}, {"id": "e"}]
    got = [(w and w["id"], h and h["id"]) for w, h in _merge(wanted, have, "x")]
    assert got == [("a", None), (None, "b"), ("c", "c"), ("d", None), (None, "e")]
    with pytest.raises(RuntimeError, match="out of order"):
        list(_merge([{"id": "b"}, {"id": "a"}], [], "x"))


def test_wanted_graph_mirrors_the_store(tiny_workspace: Path) -> None:
    with open_store(tiny_workspace, readonly=True) as store:
        w = wanted_graph(store)
        g = SimpleNamespace(
            documents=list(w.documents()),
            chunks=list(w.chunks()),
            entities=list(w.entities()),
            relations=list(w.relations()),
            communities=list(w.communities()),
            parent=w.parent(),
        )
        stats = store.stats()
        mention_pairs = store.conn.execute(
            "SELECT COUNT(DISTINCT m.chunk_id || '|' || ek.entity_id) FROM mentions m"
            " JOIN entity_keys ek ON ek.key = m.key"
        ).fetchone()[0]
    assert len(g.documents) == stats["documents"] and len(g.chunks) == stats["chunks"]
    assert len(g.entities) == stats["entities"] and len(g.relations) == stats["relations"]
    assert len(g.communities) == stats["communities"] == 3
    assert sum(len(c["m"]) for c in g.chunks) == mention_pairs
    for rows in (g.documents, g.chunks, g.entities, g.relations, g.communities):
        ids = [r["id"] for r in rows]
        assert ids == sorted(ids) and all(r["h"] for r in rows)  # id order: what the sync merges on
    assert sorted(g.parent) == [("c_org", "c_top"), ("c_run", "c_top")]
    llama = next(e for e in g.entities if e["id"] == "e_llama")
    assert llama["label"] == "Model" and "羊駝三" in llama["props"]["alias_text"]
    labels = {e["id"]: e["label"] for e in g.entities}
    assert labels["e_tmmlu"] == "Dataset" and labels["e_gpu"] == "Hardware"
    assert next(e for e in g.entities if e["id"] == "e_tmmlu")["props"]["type"] == "DATASET"
    assert "llama3" in llama["props"]["match_keys"] or any("llama" in k for k in llama["props"]["match_keys"])
    assert llama["props"]["degree"] == sum(1 for r in g.relations if "e_llama" in (r["source"], r["target"]))
    for r in g.relations:
        assert len(r["props"]["evidence_texts"]) == len(r["props"]["evidence_chunk_ids"]) >= 1


def test_type_labels_are_plain_words() -> None:
    assert [type_label(t) for t in EntityType] == [
        "Model",
        "Tool",
        "Concept",
        "Org",
        "Person",
        "Hardware",
        "Dataset",
    ]
    assert type_label("DATASET") == "Dataset"
    assert "Dataset" in TYPE_LABELS  # so an entity re-typed to or from DATASET loses its old label
    with pytest.raises(ValueError):
        type_label("BENCHMARK")


def test_vector_index_only_with_embeddings() -> None:
    plain = schema_statements(load_settings(env={}))
    with_emb = schema_statements(load_settings(env={}, overrides={"embedding_model": "bge-m3"}))
    assert not any("VECTOR" in s for s in plain)
    assert any("VECTOR INDEX" in s for s in with_emb)
    assert all("IF NOT EXISTS" in s for s in with_emb)
    assert sum("FULLTEXT" in s and "'cjk'" in s for s in plain) == 2
