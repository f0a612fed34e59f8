"""The guard's bounds without a server: escapes, the procedure allow-list, sizes, limits, the conf."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest
from conftest import SCRIPT  # type: ignore[import-not-found]

import graph.neo4j.guard as guard
from graph.neo4j.client import Neo4jUnavailable
from graph.neo4j.guard import (
    ALLOWED_PROCEDURES,
    WALL_GRACE_S,
    ReadOnlyViolation,
    check_plan,
    check_static,
    decode_escapes,
    estimate_size,
    make_limits,
    run_readonly,
)
from graph.settings import load_settings

# -- Unicode escapes ----------------------------------------------------------------------------------

# Each of these passes the check when escapes are not decoded (see the test below), and the
# server decodes \u escapes before it parses, so each would reach the server as a write.
ESCAPED_ATTACKS = [
    r"MATCH (n) WITH n \u0043REATE (m)",
    r"MATCH (n) \u0053ET n.x = 1",
    r"MATCH (n) \u0073et n.x = 1",
    r"MATCH (n) WITH n \uu0044ELETE n",  # Java accepts any number of u's
    r"MATCH (n) WITH n \U00000044ELETE n",  # not decoded by today's server; refused all the same
    r"MATCH (n) RETURN n \u003B \u0043REATE (m)",  # an escaped statement separator
    r"MATCH (n) WHERE n.name = '\u0027 DETACH DELETE n //' RETURN n",  # the escape closes the string
    r"MATCH (n) RETURN n \u002F\u002A a comment? \u002A\u002F \u004D\u0045\u0052\u0047\u0045 (m)",
    r"MATCH (n) WITH n \u0043ALL db.stats.clear('QUERIES') YIELD section RETURN section",
    r"MATCH (n) RETURN n\u200b",  # an escaped invisible character
]


@pytest.mark.parametrize("cypher", ESCAPED_ATTACKS)
def test_static_check_decodes_unicode_escapes(cypher: str) -> None:
    with pytest.raises(ReadOnlyViolation, match="after decoding") as info:
        check_static(cypher)
    assert "\n" not in str(info.value)


def test_escaped_attacks_slip_past_a_check_that_does_not_decode(monkeypatch: pytest.MonkeyPatch) -> None:
    """Guards the list above: each attack needs the decoding to be caught."""
    monkeypatch.setattr(guard, "decode_escapes", lambda text: [])
    for cypher in ESCAPED_ATTACKS:
        check_static(cypher)


@pytest.mark.parametrize(
    "cypher",
    [
        r"RETURN '\u4e2d\u6587' AS x",
        r"RETURN 'a\\u0043' AS x",  # an escaped backslash: the server keeps \u0043 as text
        r"RETURN '\ud83d\ude00' AS smile",  # an escaped UTF-16 pair is one character, not two surrogates
        r"MATCH (n:Entity) WHERE n.name = '\u0053ET' RETURN n",  # a keyword inside a string is data
    ],
)
def test_escapes_that_stay_data_are_allowed(cypher: str) -> None:
    check_static(cypher)


def test_decode_escapes_reads_like_the_server() -> None:
    assert decode_escapes(r"\u0043REATE") == ["CREATE"]
    assert decode_escapes(r"\uuu0043") == ["C"]
    assert decode_escapes("no escapes") == []
    # the server decodes only \u; \U is decoded in a second, stricter reading
    assert decode_escapes(r"RETURN \U00000043") == ["RETURN C"]
    # an even number of backslashes is not an escape for the server, but is in the strict reading
    assert decode_escapes(r"'a\\u0043'") == [r"'a\C'"]
    assert decode_escapes(r"'\ud83d\ude00'") == ["'😀'"]


# -- the procedure allow-list ---------------------------------------------------------------------------

REFUSED_PROCEDURES = [
    "CALL db.stats.collect('QUERIES')",
    "CALL db.stats.clear('QUERIES')",
    "CALL db.stats.retrieve('GRAPH COUNTS')",
    "CALL db.stats.stop('QUERIES')",
    "CALL db.clearQueryCaches()",
    "CALL db.info()",
    "CALL db.ping()",
    "CALL db.awaitIndexes(1)",
    "CALL dbms.listConfig()",
    "CALL dbms.components()",
    "CALL dbms.killQuery('query-1')",
    "CALL apoc.help('x')",
    "CALL `db.stats.collect`('QUERIES')",
    "CALL `db`.`stats`.`collect`('QUERIES')",
    "CALL db . stats . collect('QUERIES')",
    "CALL /* look away */ db.stats.clear('QUERIES')",
    "CALL db.STATS.COLLECT('QUERIES')",
    "MATCH (n) CALL { CALL db.stats.clear('QUERIES') YIELD section RETURN section } RETURN n",
    "MATCH (n) WITH n CALL db.stats.collect('QUERIES') YIELD section RETURN section",
]


@pytest.mark.parametrize("cypher", REFUSED_PROCEDURES)
def test_procedures_off_the_allow_list_are_refused(cypher: str) -> None:
    with pytest.raises(ReadOnlyViolation, match="procedure"):
        check_static(cypher)


@pytest.mark.parametrize("name", sorted(ALLOWED_PROCEDURES))
def test_allowed_procedures_pass(name: str) -> None:
    check_static(f"CALL {name}()")
    check_static(f"CALL {name.upper()}")  # standalone call without parentheses, any case


@pytest.mark.parametrize(
    "cypher",
    [
        "CALL { MATCH (n) RETURN n } RETURN n",
        "MATCH (n) CALL (n) { MATCH (n)--(m) RETURN count(m) AS c } RETURN n, c",
        "RETURN db.nameFromElementId('4:x:1') AS name",  # a function, not a procedure
        "MATCH (n) RETURN elementId(n), toUpper(n.name)",
    ],
)
def test_subqueries_and_functions_are_not_procedures(cypher: str) -> None:
    check_static(cypher)


def test_a_custom_allow_list_replaces_the_default() -> None:
    check_static("CALL db.info()", allowed_procedures={"db.info"})
    with pytest.raises(ReadOnlyViolation, match=r"db\.labels"):
        check_static("CALL db.labels()", allowed_procedures={"db.info"})


def _plan(op: str, details: str = "") -> dict[str, object]:
    return {"operatorType": f"{op}@neo4j", "args": {"Details": details}, "children": []}


@pytest.mark.parametrize(
    "details",
    ["db.stats.collect(section :: STRING)", "db.clearQueryCaches()", "db.info() :: (id :: STRING)"],
)
def test_plan_check_refuses_read_procedures_off_the_allow_list(details: str) -> None:
    """The server declares these READ (or DBMS); the allow-list refuses them all the same."""
    with pytest.raises(ReadOnlyViolation, match="allow-list"):
        check_plan(_plan("ProcedureCall", details), "neo4j", lambda name: "READ")


def test_plan_check_still_needs_read_mode_for_allowed_procedures() -> None:
    plan = _plan("ProcedureCall", "db.labels() :: (label :: STRING)")
    check_plan(plan, "neo4j", lambda name: "READ")
    with pytest.raises(ReadOnlyViolation, match="mode WRITE"):
        check_plan(plan, "neo4j", lambda name: "WRITE")


# -- sizes and limits -----------------------------------------------------------------------------------


def test_estimate_size_counts_numbers_strings_and_nesting() -> None:
    assert estimate_size(7) == 8 and estimate_size(1.5) == 8 and estimate_size(None) == 1
    assert estimate_size("abc") == 3
    assert estimate_size("大型語言模型") == 18  # UTF-8 bytes, not characters
    assert estimate_size(list(range(100_000))) == 2 + 8 * 100_000
    assert estimate_size({"name": "x"}) == 2 + 4 + 1
    deep: list[object] = []
    for _ in range(100_000):  # far deeper than the recursion limit
        deep = [deep]
    assert estimate_size(deep) == 2 * 100_001


def test_limits_default_from_settings_and_refuse_nonsense(tmp_path: Path) -> None:
    s = load_settings(
        env={}, overrides={"workspace": tmp_path, "neo4j_timeout_s": 7.0, "cypher_row_limit": 50}
    )
    lim = make_limits(s)
    assert (lim.rows, lim.timeout_s, lim.wall_s) == (50, 7.0, 7.0 + WALL_GRACE_S)
    assert lim.max_bytes == 16 * 2**20 and lim.worker_memory_bytes == 512 * 2**20
    assert make_limits(s, timeout_s=1, wall_s=1.5, max_bytes=10).wall_s == 1.5
    for bad in ({"limit": 0}, {"timeout_s": 0}, {"wall_s": -1}, {"max_bytes": 0}, {"worker_memory_bytes": 0}):
        with pytest.raises(ReadOnlyViolation):
            make_limits(s, **bad)  # type: ignore[arg-type]


def test_server_down_is_reported_promptly_through_the_worker(tmp_path: Path, unused_port: int) -> None:
    s = load_settings(
        env={},
        overrides={
            "workspace": tmp_path,
            "neo4j_uri": f"bolt://127.0.0.1:{unused_port}",
            "neo4j_password": "whatever-pass",
            "neo4j_timeout_s": 2.0,
        },
    )
    t0 = time.monotonic()
    with pytest.raises(Neo4jUnavailable, match="unreachable") as info:
        run_readonly(s, "RETURN 1")
    assert time.monotonic() - t0 < 2.0 + WALL_GRACE_S + 3
    assert "\n" not in str(info.value) and "whatever-pass" not in str(info.value)


def test_not_configured_is_reported_without_a_worker(tmp_path: Path) -> None:
    s = load_settings(env={}, overrides={"workspace": tmp_path})
    with pytest.raises(Neo4jUnavailable, match="not configured"):
        run_readonly(s, "RETURN 1")


# -- the server configuration that scripts/neo4j.sh writes ---------------------------------------------


def _conf(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if not k.startswith("ZHKG_NEO4J_")}
    full.update(env)
    cmd = [str(SCRIPT), "config", "-w", str(tmp_path / "ws")]
    return subprocess.run(cmd, env=full, capture_output=True, text=True, timeout=60)


def _settings(conf: str) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in conf.splitlines() if "=" in line and not line.startswith("#"))
    return dict(pairs)


@pytest.mark.parametrize(
    ("env", "per_tx", "total"),
    [
        ({}, "256m", "1024m"),  # default heap 2g
        ({"ZHKG_NEO4J_HEAP": "1g"}, "256m", "512m"),
        ({"ZHKG_NEO4J_HEAP": "512m"}, "256m", "256m"),
        ({"ZHKG_NEO4J_HEAP": "256m"}, "128m", "128m"),  # one query never gets more than all of them
        ({"ZHKG_NEO4J_HEAP": "4g", "ZHKG_NEO4J_TX_MEMORY": "1g"}, "1024m", "2048m"),
    ],
)
def test_conf_sets_the_memory_guards(tmp_path: Path, env: dict[str, str], per_tx: str, total: str) -> None:
    out = _conf(tmp_path, **env)
    assert out.returncode == 0, out.stderr
    conf = _settings(out.stdout)
    assert conf["db.memory.transaction.max"] == per_tx
    assert conf["dbms.memory.transaction.total.max"] == total


@pytest.mark.parametrize("value", ["lots", "10m", "256"])
def test_conf_refuses_a_bad_transaction_memory(tmp_path: Path, value: str) -> None:
    out = _conf(tmp_path, ZHKG_NEO4J_TX_MEMORY=value)
    assert out.returncode != 0 and "ZHKG_NEO4J_TX_MEMORY" in out.stderr
