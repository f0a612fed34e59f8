"""Against a real Neo4j: every bound of the guard holds, and the server stays up.

Covers the adversarial queries that once kept the server busy, hung the CLI or
took the client to gigabytes: a runaway ``reduce``, a 20-million-element list,
many rows of 100k-element lists, procedures off the allow-list, escaped keywords,
a query beyond the server's per-transaction memory, and the memory guards of an
existing workspace after its next start.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psutil
import pytest
from conftest import SCRIPT, free_port  # type: ignore[import-not-found]
from test_guard_limits import ESCAPED_ATTACKS, REFUSED_PROCEDURES  # type: ignore[import-not-found]
from test_integration_guard import fingerprint  # type: ignore[import-not-found]

import graph.neo4j.guard as guard
from graph.neo4j.client import connect
from graph.neo4j.guard import CypherError, ReadOnlyViolation, run_readonly
from graph.neo4j.sync import sync_workspace
from graph.settings import Settings
from graph.store import open_store

pytestmark = pytest.mark.integration

GIB = 2**30


@pytest.fixture
def synced(tiny_workspace: Path, neo4j_settings: Settings) -> Settings:
    """The tiny workspace in Neo4j: these tests need the schema and a few nodes, not the corpus."""
    with open_store(tiny_workspace, readonly=True) as store:
        sync_workspace(store, neo4j_settings, progress=False)
    return neo4j_settings


def our_transactions(settings: Settings) -> list[dict[str, str]]:
    """Transactions the guard started (by their metadata), seen from a second session."""
    with connect(settings) as d:
        records = d.execute_query(
            "SHOW TRANSACTIONS YIELD transactionId, status, metaData "
            "WHERE metaData.zhkg = 'zhkg-cypher' RETURN transactionId, status",
            database_=settings.neo4j_database,
        ).records
    return [{"id": r["transactionId"], "status": r["status"]} for r in records]


def wait_until_gone(settings: Settings, limit_s: float = 90.0) -> float:
    t0 = time.monotonic()
    while our_transactions(settings):
        assert time.monotonic() - t0 < limit_s, f"still running: {our_transactions(settings)}"
        time.sleep(0.5)
    return time.monotonic() - t0


def trivial_query_s(settings: Settings) -> float:
    t0 = time.monotonic()
    with connect(settings) as d:
        assert d.execute_query("RETURN 1 AS one", database_=settings.neo4j_database).records[0]["one"] == 1
    return time.monotonic() - t0


@contextmanager
def peak_rss() -> Iterator[dict[str, int]]:
    """Largest growth of this process and of this process plus the children started meanwhile (the
    query workers), sampled every 20 ms. Children that were already running (a test server of
    another test, a forkserver) are not the query's memory and are left out."""
    me = psutil.Process()
    base = me.memory_info().rss
    earlier = {c.pid for c in me.children(recursive=True)}
    peak = {"self": 0, "total": 0}
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            try:
                own = me.memory_info().rss - base
                kids = sum(c.memory_info().rss for c in me.children(recursive=True) if c.pid not in earlier)
            except psutil.Error:
                continue
            peak["self"] = max(peak["self"], own)
            peak["total"] = max(peak["total"], own + kids)
            time.sleep(0.02)

    t = threading.Thread(target=sample, daemon=True)
    t.start()
    try:
        yield peak
    finally:
        stop.set()
        t.join()


# -- 1. wall clock ----------------------------------------------------------------------------------


def test_runaway_reduce_is_stopped_on_time_and_terminated(synced: Settings) -> None:
    """``reduce`` never checks the server's timeout: the wall clock stops it, TERMINATE ends it.

    The server keeps computing the expression it is in (Neo4j checks for
    termination between rows, not inside one expression), so the next guarded
    query is refused until it is gone; other sessions are served all along.
    """
    runaway = "RETURN size(reduce(s = '', x IN range(1, 200000) | s + 'aaaaaaaaaa')) AS n"
    run_readonly(synced, "RETURN 1")  # a forkserver's first start is not part of what is measured
    t0 = time.monotonic()
    with pytest.raises(CypherError) as info:
        run_readonly(synced, runaway, timeout_s=1.0, wall_s=1.5)
    took = time.monotonic() - t0
    assert str(info.value) == "query took longer than 1 s; stopped"
    assert took < 1.5 + 3.0, took
    assert trivial_query_s(synced) < 3.0  # the server answers others at once
    seen = our_transactions(synced)
    assert seen and all(t["status"].startswith("Terminated") for t in seen), seen
    with pytest.raises(CypherError, match="still finishing a query that was stopped earlier"):
        run_readonly(synced, "RETURN 1")
    wait_until_gone(synced)
    assert run_readonly(synced, "RETURN 1 AS one").rows == [[1]]


def test_server_timeout_still_stops_queries_that_check_it(synced: Settings) -> None:
    t0 = time.monotonic()
    with pytest.raises(CypherError, match=r"^query took longer than 1 s; stopped$"):
        run_readonly(
            synced, "UNWIND range(1, 1000000000) AS x WITH x WHERE x % 7 = 3 RETURN count(x)", timeout_s=1
        )
    assert time.monotonic() - t0 < 1 + guard.WALL_GRACE_S + 2
    wait_until_gone(synced, 15)


# -- 2. result size --------------------------------------------------------------------------------


def test_many_big_rows_stop_at_the_size_limit_with_bounded_memory(synced: Settings) -> None:
    query = "UNWIND range(1, 1000) AS i RETURN i, range(1, 100000) AS xs"
    t0 = time.monotonic()
    with peak_rss() as peak, pytest.raises(CypherError) as info:
        run_readonly(synced, query, timeout_s=60)
    took = time.monotonic() - t0
    message = str(info.value)
    assert message.startswith("the result was too large: more than 16 MiB after ") and "\n" not in message
    assert peak["self"] < 200 * 2**20, peak  # the caller holds nothing of it
    assert peak["total"] < 1 * GIB, peak  # the worker neither
    assert took < 30, took
    assert trivial_query_s(synced) < 3.0
    wait_until_gone(synced, 30)


def test_a_smaller_size_limit_is_honoured(synced: Settings) -> None:
    with pytest.raises(CypherError, match=r"more than 0\.0625 MiB after 8 rows"):
        run_readonly(synced, "UNWIND range(1, 100) AS i RETURN range(1, 1000) AS xs", max_bytes=64 * 1024)
    res = run_readonly(synced, "UNWIND range(1, 7) AS i RETURN range(1, 1000) AS xs", max_bytes=64 * 1024)
    assert len(res.rows) == 7 and not res.truncated


def test_one_huge_row_is_stopped_by_the_worker_memory_limit(synced: Settings) -> None:
    """The driver decodes one 20M-element row whole: the worker is killed at its memory limit.

    The server does not count the list against ``db.memory.transaction.max``
    (it tracks operators such as collect and sort, not expression values), so
    the client side has to stop it.
    """
    t0 = time.monotonic()
    with peak_rss() as peak, pytest.raises(CypherError) as info:
        run_readonly(synced, "RETURN range(1, 20000000) AS xs", timeout_s=60)
    took = time.monotonic() - t0
    assert str(info.value).startswith("the result was too large: the query took more than 512 MiB")
    assert peak["self"] < 200 * 2**20, peak
    assert peak["total"] < 1 * GIB, peak
    assert took < 60, took
    assert trivial_query_s(synced) < 3.0
    wait_until_gone(synced, 30)


# -- 3. procedures ---------------------------------------------------------------------------------

PLAN_REFUSED_PROCEDURES = [
    "CALL db.stats.collect('QUERIES')",
    "CALL db.stats.clear('QUERIES')",
    "CALL db.stats.retrieve('GRAPH COUNTS')",
    "CALL db.clearQueryCaches()",
    "CALL db.info()",
    "CALL dbms.listConfig()",
    "CALL dbms.components()",
]


@pytest.mark.parametrize("cypher", REFUSED_PROCEDURES)
def test_procedures_off_the_allow_list_are_refused_before_sending(synced: Settings, cypher: str) -> None:
    with pytest.raises(ReadOnlyViolation, match="procedure"):
        run_readonly(synced, cypher)


@pytest.mark.parametrize("cypher", PLAN_REFUSED_PROCEDURES)
def test_plan_layer_refuses_procedures_off_the_allow_list(
    synced: Settings, cypher: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(guard, "check_static", lambda *args: None)
    with pytest.raises(ReadOnlyViolation, match="allow-list"):
        run_readonly(synced, cypher)


def test_allowed_procedures_and_functions_run(synced: Settings) -> None:
    labels = run_readonly(synced, "CALL db.labels() YIELD label RETURN label ORDER BY label")
    assert ["Entity"] in labels.rows and ["Document"] in labels.rows
    hits = run_readonly(
        synced,
        "CALL db.index.fulltext.queryNodes('entity_names', $q) YIELD node RETURN node.name LIMIT 3",
        {"q": "Llama"},
    )
    assert hits.rows
    for call in (
        "CALL db.relationshipTypes()",
        "CALL db.propertyKeys()",
        "CALL db.schema.visualization()",
        "CALL db.schema.nodeTypeProperties()",
        "CALL db.schema.relTypeProperties()",
    ):
        assert run_readonly(synced, call).columns, call
    assert run_readonly(synced, "RETURN toUpper('x') AS x, elementId(null) AS e").rows == [["X", None]]


# -- 4. escapes ------------------------------------------------------------------------------------


@pytest.mark.parametrize("cypher", ESCAPED_ATTACKS)
def test_escaped_writes_are_refused_and_data_is_unchanged(synced: Settings, cypher: str) -> None:
    before = fingerprint(synced)
    with pytest.raises(ReadOnlyViolation, match="after decoding"):
        run_readonly(synced, cypher)
    assert fingerprint(synced) == before


def test_the_server_decodes_escapes_as_the_check_assumes(synced: Settings) -> None:
    assert run_readonly(synced, r"RETURN '\u4e2d\u6587' AS x, 'a\\u0043' AS y").rows == [["中文", "a\\u0043"]]


# -- 5. server memory guards -----------------------------------------------------------------------


def test_query_beyond_the_per_transaction_memory_fails_in_one_line(synced: Settings) -> None:
    with connect(synced) as d:
        settings = {
            r["name"]: r["value"]
            for r in d.execute_query(
                "SHOW SETTINGS YIELD name, value WHERE name IN "
                "['db.memory.transaction.max', 'dbms.memory.transaction.total.max'] RETURN name, value"
            ).records
        }
    assert settings["db.memory.transaction.max"] not in {"0B", "0"}, settings
    t0 = time.monotonic()
    with pytest.raises(CypherError) as info:
        run_readonly(synced, "UNWIND range(1, 50000000) AS x RETURN size(collect(x)) AS n", timeout_s=60)
    message = str(info.value)
    assert message.startswith("query needs more than the server's per-query memory limit of ")
    assert message.endswith("(db.memory.transaction.max); stopped") and "\n" not in message
    assert time.monotonic() - t0 < 30
    assert trivial_query_s(synced) < 3.0
    assert run_readonly(synced, "MATCH (e:Entity) RETURN count(e) AS n").rows[0][0] > 0


def test_an_existing_workspace_gets_the_memory_guards_at_its_next_start(tmp_path: Path) -> None:
    """A workspace whose neo4j.conf predates the guards runs with them after ``start``."""
    port = free_port()
    password = "guards-" + os.urandom(4).hex()
    env = {
        **os.environ,
        "ZHKG_NEO4J_PASSWORD": password,
        "ZHKG_NEO4J_BOLT_PORT": str(port),
        "ZHKG_NEO4J_HEAP": "512m",
        "ZHKG_NEO4J_PAGECACHE": "64m",
        "ZHKG_NEO4J_TX_MEMORY": "64m",
    }
    ws = tmp_path / "old-ws"
    conf = ws / "neo4j" / "conf" / "neo4j.conf"
    conf.parent.mkdir(parents=True)
    conf.write_text(
        "# an older zhkg conf\nserver.memory.heap.max_size=512m\ndbms.memory.transaction.total.max=512m\n"
    )

    def sh(cmd: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(SCRIPT), cmd, "-w", str(ws)], env=env, capture_output=True, text=True, timeout=300
        )

    try:
        started = sh("start")
        assert started.returncode == 0, started.stderr
        text = conf.read_text()
        assert "db.memory.transaction.max=64m" in text and "dbms.memory.transaction.total.max=256m" in text
        uri = f"bolt://127.0.0.1:{port}"
        import neo4j

        with neo4j.GraphDatabase.driver(uri, auth=("neo4j", password)) as d:
            values = {
                r["name"]: r["value"]
                for r in d.execute_query(
                    "SHOW SETTINGS YIELD name, value WHERE name STARTS WITH 'db.memory.transaction.max' "
                    "OR name = 'dbms.memory.transaction.total.max' RETURN name, value"
                ).records
            }
        assert values["db.memory.transaction.max"] == "64.00MiB", values
        assert values["dbms.memory.transaction.total.max"] == "256.00MiB", values
        # a start while it runs with another configuration says how to apply it
        again = subprocess.run(
            [str(SCRIPT), "start", "-w", str(ws)],
            env={**env, "ZHKG_NEO4J_TX_MEMORY": "128m"},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert again.returncode == 0 and "out of date" in again.stderr
    finally:
        sh("stop")
