"""Against a real Neo4j: schema, sync of the sample corpus, idempotence, every named query.

Expected rows are computed from the workspace store, never written down.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict, deque
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from extract.records import EntityType
from graph.build.centrality import compute_centrality
from graph.neo4j.client import connect
from graph.neo4j.queries import run_named
from graph.neo4j.schema import existing_schema
from graph.neo4j.sync import SyncReport, graph_counts, sync_workspace, type_label
from graph.settings import Settings
from graph.store import Store, open_store

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def corpus(corpus_workspace: Path) -> Iterator[Store]:
    with open_store(corpus_workspace, readonly=True) as store:
        yield store


@pytest.fixture(scope="module")
def first_sync(corpus: Store, neo4j_settings: Settings) -> SyncReport:
    # Other modules may have synced the corpus already; a sync only writes what differs, so start empty.
    with connect(neo4j_settings) as driver:
        driver.execute_query("MATCH (n) DETACH DELETE n", database_=neo4j_settings.neo4j_database)
    return sync_workspace(corpus, neo4j_settings, progress=False)


def expected_counts(store: Store) -> dict[str, int]:
    s = store.stats()
    out = {
        "Document": s["documents"],
        "Chunk": s["chunks"],
        "Entity": s["entities"],
        "Community": s["communities"],
        "HAS_CHUNK": s["chunks"],
    }
    for t in EntityType:  # one label per type, DATASET → :Dataset included
        out[type_label(t)] = s["entities_by_type"].get(t.value, 0)
    out.update(s["relations_by_type"])
    q = store.conn.execute
    out["MENTIONS"] = q(
        "SELECT COUNT(*) FROM (SELECT DISTINCT m.chunk_id, ek.entity_id FROM mentions m"
        " JOIN entity_keys ek ON ek.key = m.key JOIN entities e ON e.id = ek.entity_id)"
    ).fetchone()[0]
    out["IN_COMMUNITY"] = q("SELECT COUNT(*) FROM community_members").fetchone()[0]
    out["PARENT"] = q("SELECT COUNT(*) FROM communities WHERE parent != ''").fetchone()[0]
    return {k: v for k, v in out.items() if v}


def neo_counts(settings: Settings) -> dict[str, int]:
    with connect(settings) as driver:
        return {k: v for k, v in graph_counts(driver, settings).items() if v}


def adjacency(store: Store) -> dict[str, list[str]]:
    """Entity → neighbours, one entry per relation (parallel relations repeat the neighbour)."""
    adj: dict[str, list[str]] = defaultdict(list)
    for r in store.relations(with_evidence=False):
        if r.source != r.target:
            adj[r.source].append(r.target)
            adj[r.target].append(r.source)
    return adj


def bfs(adj: dict[str, list[str]], start: str) -> dict[str, int]:
    dist = {start: 0}
    todo = deque([start])
    while todo:
        u = todo.popleft()
        for v in adj.get(u, []):
            if v not in dist:
                dist[v] = dist[u] + 1
                todo.append(v)
    return dist


def hub(store: Store) -> Any:
    """The entity with the most relations: a good subject for neighbourhood queries."""
    adj = adjacency(store)
    return max(store.entities(), key=lambda e: (len(adj.get(e.id, [])), e.id))


# -- schema and sync -------------------------------------------------------------------------------


def test_schema_is_created_idempotently(first_sync: SyncReport, neo4j_settings: Settings) -> None:
    from graph.neo4j.schema import ensure_schema

    with connect(neo4j_settings) as driver:
        before = existing_schema(driver, neo4j_settings)
        ensure_schema(driver, neo4j_settings)
        assert existing_schema(driver, neo4j_settings) == before
        for name in ("document_id", "chunk_id", "entity_id", "community_id"):
            assert name in before["constraints"]
        assert {"entity_names", "chunk_text"} <= set(before["indexes"])
        analyzers = {
            r["name"]: r["options"]["indexConfig"]["fulltext.analyzer"]
            for r in driver.execute_query(
                "SHOW FULLTEXT INDEXES YIELD name, options", database_=neo4j_settings.neo4j_database
            ).records
        }
        assert analyzers["entity_names"] == analyzers["chunk_text"] == "cjk"
        with_vectors = neo4j_settings.replace(embedding_model="some-model")
        try:
            ensure_schema(driver, with_vectors)
            assert "chunk_embedding" in existing_schema(driver, with_vectors)["indexes"]
        finally:
            driver.execute_query(
                "DROP INDEX chunk_embedding IF EXISTS", database_=neo4j_settings.neo4j_database
            )


def test_sync_writes_the_workspace_graph(
    first_sync: SyncReport, corpus: Store, neo4j_settings: Settings
) -> None:
    expected = expected_counts(corpus)
    assert expected["Entity"] > 0 and expected["MENTIONS"] > 0, "the sample corpus should produce a graph"
    assert expected.get("Dataset", 0) > 0, "TMMLU+ and OntoNotes are DATASET entities: a :Dataset label each"
    assert neo_counts(neo4j_settings) == expected
    for label in ("Document", "Chunk", "Entity", "Community"):
        assert first_sync.written[label] == expected[label]
    assert first_sync.elapsed_s > 0 and first_sync.rows_per_s > 0
    # relation properties survive the trip
    rel = next(r for r in corpus.relations() if r.evidence)
    with connect(neo4j_settings) as driver:
        rec = driver.execute_query(
            f"MATCH (:Entity {{id: $s}})-[r:{rel.type.value} {{id: $id}}]->(:Entity {{id: $t}}) RETURN r",
            s=rel.source,
            t=rel.target,
            id=rel.id,
            database_=neo4j_settings.neo4j_database,
        ).records
    assert len(rec) == 1
    props = dict(rec[0]["r"])
    assert props["weight"] == pytest.approx(rel.weight) and props["confidence"] == pytest.approx(
        rel.confidence
    )
    assert props["evidence_texts"] == [e.text for e in rel.evidence]
    assert props["evidence_chunk_ids"] == [e.chunk_id for e in rel.evidence]
    assert props["extractors"] == list(rel.extractors)


def test_resync_changes_no_counts(first_sync: SyncReport, corpus: Store, neo4j_settings: Settings) -> None:
    before = neo_counts(neo4j_settings)
    again = sync_workspace(corpus, neo4j_settings, progress=False)
    assert neo_counts(neo4j_settings) == before == expected_counts(corpus)
    assert again.created == {} and again.removed == {}
    assert again.written == {}, "nothing changed, so nothing is rewritten"


# -- named queries ---------------------------------------------------------------------------------


def test_top_entities_by_degree(first_sync: SyncReport, corpus: Store, neo4j_settings: Settings) -> None:
    adj = adjacency(corpus)
    ents = corpus.entities()
    expected = sorted(ents, key=lambda e: (-len(adj.get(e.id, [])), e.name, e.id))[:10]
    rows = run_named(neo4j_settings, "top_entities_by_degree", {"limit": 10}).records()
    assert [r["id"] for r in rows] == [e.id for e in expected]
    assert [r["degree"] for r in rows] == [len(adj.get(e.id, [])) for e in expected]
    models = run_named(neo4j_settings, "top_entities_by_degree", {"types": "MODEL", "limit": 1000}).records()
    assert {r["id"] for r in models} == {e.id for e in ents if e.type.value == "MODEL"}


def test_top_entities_by_pagerank(first_sync: SyncReport, corpus: Store, neo4j_settings: Settings) -> None:
    ents = corpus.entities()
    cent = compute_centrality(
        [e.id for e in ents], ((r.source, r.target, r.weight) for r in corpus.relations(with_evidence=False))
    )
    names = {e.id: e.name for e in ents}
    expected = sorted(cent, key=lambda i: (-cent[i][1], names[i], i))[:10]
    rows = run_named(neo4j_settings, "top_entities_by_pagerank", {"limit": 10}).records()
    assert [r["id"] for r in rows] == expected
    scores = [r["pagerank"] for r in rows]
    assert scores == sorted(scores, reverse=True) and scores[0] > 1 / len(ents)
    everything = run_named(neo4j_settings, "top_entities_by_pagerank", {"limit": 1000}).records()
    assert sum(r["pagerank"] for r in everything) == pytest.approx(1.0, abs=1e-6)


@pytest.mark.parametrize("k", [1, 2])
def test_entity_neighbourhood(
    first_sync: SyncReport, corpus: Store, neo4j_settings: Settings, k: int
) -> None:
    adj = adjacency(corpus)
    center = hub(corpus)
    dist = bfs(adj, center.id)
    expected = {eid: d for eid, d in dist.items() if 1 <= d <= k}
    rows = run_named(
        neo4j_settings, "entity_neighbourhood", {"entity": center.name, "k": k, "limit": 1000}
    ).records()
    assert {r["id"]: r["hops"] for r in rows} == expected
    assert [r["hops"] for r in rows] == sorted(r["hops"] for r in rows)
    types = {e.id: e.type.value for e in corpus.entities()}
    tools = run_named(
        neo4j_settings, "entity_neighbourhood", {"entity": center.id, "k": k, "types": "TOOL", "limit": 1000}
    ).records()
    assert {r["id"] for r in tools} == {i for i in expected if types[i] == "TOOL"}


def test_entity_is_found_by_alias(first_sync: SyncReport, corpus: Store, neo4j_settings: Settings) -> None:
    adj = adjacency(corpus)
    ent = next(e for e in sorted(corpus.entities(), key=lambda e: -len(adj.get(e.id, []))) if e.aliases)
    alias = ent.aliases[0]
    by_alias = run_named(neo4j_settings, "entity_neighbourhood", {"entity": alias, "limit": 1000}).records()
    by_id = run_named(neo4j_settings, "entity_neighbourhood", {"entity": ent.id, "limit": 1000}).records()
    assert by_alias == by_id and by_id


def test_shortest_paths(first_sync: SyncReport, corpus: Store, neo4j_settings: Settings) -> None:
    adj = adjacency(corpus)
    ents = {e.id: e for e in corpus.entities()}
    source = hub(corpus)
    dist = bfs(adj, source.id)
    target_id = max((i for i, d in dist.items() if d >= 2), key=lambda i: (dist[i] == 2, i))
    # number of shortest paths, counting parallel relations as different paths
    order = sorted(dist, key=dist.get)  # type: ignore[arg-type]
    count: dict[str, int] = Counter({source.id: 1})
    for v in order:
        if v != source.id:
            count[v] = sum(count[u] for u in adj[v] if dist.get(u) == dist[v] - 1)
    rows = run_named(
        neo4j_settings, "shortest_paths", {"source": source.name, "target": ents[target_id].id, "limit": 100}
    ).records()
    assert len(rows) == min(count[target_id], 100)
    edges = Counter((min(a, b), max(a, b)) for a, ns in adj.items() for b in ns)
    for r in rows:
        assert r["hops"] == dist[target_id] and r["ids"][0] == source.id and r["ids"][-1] == target_id
        assert all(edges[(min(a, b), max(a, b))] for a, b in zip(r["ids"], r["ids"][1:], strict=False))
        assert r["names"] == [ents[i].name for i in r["ids"]]


def test_community_entities(first_sync: SyncReport, corpus: Store, neo4j_settings: Settings) -> None:
    comms = corpus.communities()
    assert comms, "the sample corpus should have communities"
    for c in (comms[0], comms[-1]):
        rows = run_named(neo4j_settings, "community_entities", {"community": c.id, "limit": 1000}).records()
        assert sorted(r["id"] for r in rows) == sorted(c.entity_ids)
        assert all(r["community"] == c.title and r["level"] == c.level for r in rows)


def test_entity_evidence(first_sync: SyncReport, corpus: Store, neo4j_settings: Settings) -> None:
    ent = hub(corpus)
    q = corpus.conn.execute
    mentions = dict(
        q(
            "SELECT m.doc_id, COUNT(*) FROM mentions m JOIN entity_keys ek ON ek.key = m.key"
            " WHERE ek.entity_id = ? GROUP BY m.doc_id",
            (ent.id,),
        ).fetchall()
    )
    evidence: dict[str, set[str]] = defaultdict(set)
    for doc_id, text in q(
        "SELECT ev.doc_id, ev.text FROM evidence ev JOIN relations r ON r.id = ev.relation_id"
        " WHERE (r.source = ? OR r.target = ?) AND r.source != r.target",
        (ent.id, ent.id),
    ):
        evidence[doc_id].add(text)
    rows = run_named(neo4j_settings, "entity_evidence", {"entity": ent.name, "limit": 1000}).records()
    assert {r["doc_id"]: r["mentions"] for r in rows} == mentions
    assert {r["doc_id"]: set(r["evidence"]) for r in rows} == {d: evidence.get(d, set()) for d in mentions}
    paths = {d.id: d.path for d in corpus.documents()}
    assert all(r["path"] == paths[r["doc_id"]] for r in rows)
    assert any(r["evidence"] for r in rows)


def test_co_mentioned_entities(first_sync: SyncReport, corpus: Store, neo4j_settings: Settings) -> None:
    ent = hub(corpus)
    expected = dict(
        corpus.conn.execute(
            "SELECT o.entity_id, COUNT(DISTINCT m2.chunk_id) FROM mentions m1"
            " JOIN entity_keys k1 ON k1.key = m1.key AND k1.entity_id = ?"
            " JOIN mentions m2 ON m2.chunk_id = m1.chunk_id JOIN entity_keys o ON o.key = m2.key"
            " WHERE o.entity_id != ? GROUP BY o.entity_id",
            (ent.id, ent.id),
        ).fetchall()
    )
    rows = run_named(neo4j_settings, "co_mentioned_entities", {"entity": ent.id, "limit": 1000}).records()
    assert {r["id"]: r["chunks"] for r in rows} == expected
    floor = sorted(expected.values())[len(expected) // 2]
    some = run_named(
        neo4j_settings, "co_mentioned_entities", {"entity": ent.id, "min_chunks": floor, "limit": 1000}
    ).records()
    assert {r["id"] for r in some} == {i for i, n in expected.items() if n >= floor}


def test_entity_search_cjk_and_alias(first_sync: SyncReport, corpus: Store, neo4j_settings: Settings) -> None:
    han = re.compile(r"[\u4e00-\u9fff]{2,}")
    ents = corpus.entities()
    chinese = next(e for e in ents if han.fullmatch(e.name))
    rows = run_named(neo4j_settings, "entity_search", {"q": chinese.name, "limit": 5}).records()
    assert rows[0]["id"] == chinese.id
    # a two-character slice of a longer Chinese name still finds it (cjk bigrams)
    longer = next(e for e in ents if han.fullmatch(e.name) and len(e.name) >= 4)
    rows = run_named(neo4j_settings, "entity_search", {"q": longer.name[1:3], "limit": 50}).records()
    assert longer.id in {r["id"] for r in rows}
    aliased = next(e for e in ents if e.aliases and e.aliases[0].lower() != e.name.lower())
    rows = run_named(neo4j_settings, "entity_search", {"q": aliased.aliases[0], "limit": 10}).records()
    assert aliased.id in {r["id"] for r in rows}
    typed = run_named(
        neo4j_settings, "entity_search", {"q": chinese.name, "types": "PERSON", "limit": 50}
    ).records()
    assert all(r["type"] == "PERSON" for r in typed)
    # Lucene syntax in user input is searched literally instead of failing
    run_named(neo4j_settings, "entity_search", {"q": 'C++ (GPT-4) "x', "limit": 5})


def test_chunk_search(first_sync: SyncReport, corpus: Store, neo4j_settings: Settings) -> None:
    chunk = max(corpus.chunks(), key=lambda c: len(c.text))
    word = re.search(r"[\u4e00-\u9fff]{4,}", chunk.text)
    assert word
    rows = run_named(neo4j_settings, "chunk_search", {"q": word.group(0), "limit": 200}).records()
    assert chunk.id in {r["chunk_id"] for r in rows}
