"""Against a real Neo4j: the read-only guard refuses every write and leaves the data as it was.

Each attack runs twice: through the full guard, and with the static text check
switched off, so the plan check and the READ transaction are tested on their own.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_guard_static import REFUSED  # type: ignore[import-not-found]

import graph.neo4j.guard as guard
from graph.neo4j.client import connect
from graph.neo4j.guard import CypherError, ReadOnlyViolation, run_readonly
from graph.neo4j.sync import sync_workspace
from graph.settings import Settings
from graph.store import open_store

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def synced(corpus_workspace: Path, neo4j_settings: Settings) -> Settings:
    with open_store(corpus_workspace, readonly=True) as store:
        sync_workspace(store, neo4j_settings, progress=False)
    return neo4j_settings


def fingerprint(settings: Settings) -> tuple[int, int, int, int, list[str], list[str]]:
    """Counts, property totals, labels and schema: any write shows up here."""
    db = settings.neo4j_database
    with connect(settings) as d:
        n = d.execute_query("MATCH (n) RETURN count(n) AS c, sum(size(keys(n))) AS k", database_=db).records[
            0
        ]
        r = d.execute_query(
            "MATCH ()-[r]->() RETURN count(r) AS c, sum(size(keys(r))) AS k", database_=db
        ).records[0]
        labels = d.execute_query(
            "CALL db.labels() YIELD label RETURN label ORDER BY label", database_=db
        ).records
        idx = d.execute_query("SHOW INDEXES YIELD name RETURN name ORDER BY name", database_=db).records
        users = d.execute_query("SHOW USERS YIELD user RETURN user ORDER BY user", database_="system").records
    return (
        n["c"],
        n["k"],
        r["c"],
        r["k"],
        [x["label"] for x in labels],
        [x["name"] for x in idx] + [u["user"] for u in users],
    )


# Queries the server accepts in EXPLAIN, so the plan layer (not a syntax error) must stop them.
PLAN_ONLY = [
    "CREATE (n:Entity {id: 'x'})",
    "MERGE (n:Entity {id: 'x'}) RETURN n",
    "MATCH (n:Entity) WITH n LIMIT 1 DELETE n",
    "MATCH (n:Entity) DETACH DELETE n",
    "MATCH (n:Entity) SET n.name = 'x'",
    "MATCH (n:Entity) REMOVE n.name",
    "MATCH (n:Entity) SET n:Hacked",
    "MATCH (n:Entity) FOREACH (x IN [1] | SET n.y = 1)",
    "LOAD CSV FROM 'file:///etc/passwd' AS line RETURN line",
    "CALL db.createLabel('Hacked')",
    "CALL db.createProperty('hacked')",
    "CALL dbms.components()",
    "MATCH (n:Entity) CALL (n) { SET n.x = 1 } IN TRANSACTIONS",
    "CREATE USER bob SET PASSWORD 'abcdefgh1'",
    "SHOW USERS",
    "CREATE INDEX hacked FOR (n:Entity) ON (n.foo)",
    "DROP INDEX entity_name",
    "ＣＲＥＡＴＥ (n)",
]


@pytest.mark.parametrize("cypher", [q for q in REFUSED if q.strip()])
def test_guard_refuses_and_data_is_unchanged(synced: Settings, cypher: str) -> None:
    before = fingerprint(synced)
    with pytest.raises((ReadOnlyViolation, CypherError)) as info:
        run_readonly(synced, cypher)
    assert "\n" not in str(info.value)
    assert fingerprint(synced) == before


@pytest.mark.parametrize("cypher", PLAN_ONLY)
def test_server_side_layers_refuse_without_the_static_check(
    synced: Settings, cypher: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(guard, "check_static", lambda *args: None)
    before = fingerprint(synced)
    with pytest.raises((ReadOnlyViolation, CypherError)):
        run_readonly(synced, cypher)
    assert fingerprint(synced) == before


def test_read_transaction_alone_refuses_writes(synced: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """Even if both checks were wrong, the READ access mode makes the server refuse."""
    monkeypatch.setattr(guard, "check_static", lambda *args: None)
    monkeypatch.setattr(guard, "check_plan", lambda *args: None)
    before = fingerprint(synced)
    with pytest.raises(ReadOnlyViolation, match="refused by the server"):
        run_readonly(synced, "MATCH (n:Entity) SET n.hacked = true")
    assert fingerprint(synced) == before


def test_reads_return_plain_values_and_graph_elements(synced: Settings) -> None:
    res = run_readonly(synced, "MATCH (a:Entity)-[r]->(b:Entity) RETURN a, r, b, a.name AS name LIMIT 3")
    assert res.columns == ["a", "r", "b", "name"] and len(res.rows) == 3
    assert res.nodes and res.relationships
    node_ids = {n["id"] for n in res.nodes}
    assert all(r["start"] in node_ids and r["end"] in node_ids for r in res.relationships)
    json.dumps(res.to_json(), ensure_ascii=False)  # everything is JSON-able
    path = run_readonly(synced, "MATCH p = (:Document)-[:HAS_CHUNK]->(:Chunk) RETURN p LIMIT 1")
    assert path.rows[0][0]["_path"] and len(path.nodes) == 2


def test_parameters_and_row_limit(synced: Settings) -> None:
    res = run_readonly(synced, "UNWIND range(1, $n) AS x RETURN x", {"n": 50}, limit=10)
    assert [r[0] for r in res.rows] == list(range(1, 11)) and res.truncated
    res = run_readonly(synced, "UNWIND range(1, $n) AS x RETURN x", {"n": 5}, limit=10)
    assert len(res.rows) == 5 and not res.truncated
    injected = "x' RETURN 1 //"
    res = run_readonly(synced, "MATCH (e:Entity) WHERE e.name = $name RETURN count(e)", {"name": injected})
    assert res.rows == [[0]]


def test_timeout_stops_a_long_query(synced: Settings) -> None:
    with pytest.raises(CypherError, match=r"^query took longer than 1 s; stopped$"):
        run_readonly(
            synced, "UNWIND range(1, 1000000000) AS x WITH x WHERE x % 7 = 3 RETURN count(x)", timeout_s=1.0
        )


def test_syntax_error_is_one_line_with_the_users_position(synced: Settings) -> None:
    with pytest.raises(CypherError) as info:
        run_readonly(synced, "MATCH (n RETURN n")
    assert "\n" not in str(info.value) and "offset: 9" in str(info.value)
