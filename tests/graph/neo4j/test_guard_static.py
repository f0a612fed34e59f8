"""The guard's static layer and plan layer, without a server."""

from __future__ import annotations

import pytest

from graph.neo4j.guard import ReadOnlyViolation, _unshift, check_plan, check_static, plan_operators

REFUSED = [
    "CREATE (n:Entity {id: 'x'})",
    "MERGE (n:Entity {id: 'x'}) RETURN n",
    "MATCH (n) DELETE n",
    "MATCH (n) DETACH DELETE n",
    "MATCH (n) SET n.name = 'x'",
    "MATCH (n) REMOVE n.name",
    "MATCH (n) SET n:Hacked",
    "MATCH (n) FOREACH (x IN [1] | SET n.y = 1)",
    "LOAD CSV FROM 'file:///etc/passwd' AS line RETURN line",
    "CALL db.createLabel('X')",
    "CALL dbms.components()",
    "CALL dbms.security.createUser('bob', 'secret123', false)",
    "CALL apoc.cypher.runWrite('CREATE (n)', {})",
    "CALL apoc.periodic.iterate('MATCH (n) RETURN n', 'DELETE n', {})",
    "MATCH (n) CALL (n) { SET n.x = 1 } IN TRANSACTIONS",
    "MATCH (n) CALL { WITH n DETACH DELETE n } IN TRANSACTIONS OF 10 ROWS",
    "MATCH (n) RETURN n; MATCH (m) DETACH DELETE m",
    "RETURN 1; CREATE (n)",
    "MATCH (n) RETURN n /* harmless? */ ; CREATE (n)",
    "/* MATCH (n) RETURN n */ CREATE (n)",
    "// MATCH (n) RETURN n\nCREATE (n)",
    "MATCH (n) RETURN n //\n; CREATE (x)",
    "MATCH (n) RETURN n /* unterminated",
    "MATCH (n) WHERE n.name = 'unterminated RETURN n",
    "ＣＲＥＡＴＥ (n)",  # full-width letters fold to CREATE
    "MATCH (n) ＳＥＴ n.x = 1",
    "MATCH (n) RETURN n\u200b; CREATE (m)",  # zero-width space
    "CRE\u200bATE (n)",
    "MATCH (n)\u2028CREATE (m)",  # line separator
    "MATCH (n) RETURN n\u202e",  # bidi override
    "USE system SHOW USERS",
    "SHOW USERS",
    "SHOW DATABASES",
    "CREATE USER bob SET PASSWORD 'abcdefgh1'",
    "DROP INDEX entity_name",
    "CREATE INDEX x FOR (n:Entity) ON (n.foo)",
    "ALTER USER neo4j SET PASSWORD 'x12345678'",
    "GRANT ROLE admin TO bob",
    "EXPLAIN CREATE (n)",
    "PROFILE MATCH (n) RETURN n",
    "CYPHER runtime=slotted CREATE (n)",
    "",
    "   ",
    "// only a comment",
    "MATCH (n) WITH n CALL db.createProperty('p') RETURN n",
    "TERMINATE TRANSACTIONS 'neo4j-transaction-1'",
]

ALLOWED = [
    "MATCH (n:Entity) RETURN n.name LIMIT 5",
    "MATCH (n) WHERE n.name = 'CREATE (x); DELETE n' RETURN n",  # keywords inside strings are data
    'MATCH (n) WHERE n.note = "SET it" RETURN n // a comment saying DELETE',
    "/* DETACH DELETE */ MATCH (n) RETURN count(n)",
    "MATCH (n) RETURN n.set, n.delete, n.create",  # property keys that look like keywords
    "MATCH (n) RETURN n {.name, .type}",
    "OPTIONAL MATCH (n:Entity {name: $name}) RETURN n",
    "WITH 1 AS x RETURN x;",
    "UNWIND [1, 2] AS x RETURN x",
    "RETURN '大型語言模型' AS 名稱",
    "CALL db.index.fulltext.queryNodes('entity_names', $q) YIELD node RETURN node",
    "CALL db.labels() YIELD label RETURN label",
    "MATCH p = ANY SHORTEST (a)((:Entity)--(:Entity)){1,3}(b) RETURN p",
    "MATCH (e) WHERE e.name STARTS WITH 'Llama' RETURN e",
    "MATCH (`weird``name`) RETURN `weird``name`",
    "SHOW INDEXES",
    "SHOW FULLTEXT INDEXES YIELD name RETURN name",
]


@pytest.mark.parametrize("cypher", REFUSED)
def test_static_check_refuses(cypher: str) -> None:
    with pytest.raises(ReadOnlyViolation) as info:
        check_static(cypher)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("cypher", ALLOWED)
def test_static_check_allows_reads(cypher: str) -> None:
    check_static(cypher)


def _plan(
    op: str, details: str = "", children: list[dict[str, object]] | None = None, db: str = "neo4j"
) -> dict[str, object]:
    return {"operatorType": f"{op}@{db}", "args": {"Details": details}, "children": children or []}


def _modes(name: str) -> str | None:
    return {"db.labels": "READ", "db.createLabel": "WRITE", "custom.thing": "DBMS"}.get(name)


@pytest.mark.parametrize(
    "op",
    [
        "Create",
        "Merge",
        "Delete",
        "DetachDelete",
        "SetProperty",
        "SetLabels",
        "RemoveLabels",
        "Foreach",
        "LoadCSV",
        "TransactionForeach",
        "TransactionApply",
        "CreateIndex",
        "DropConstraint",
        "AdministrationCommand",
        "ShowUsers",
        "LockingMerge",
        "SetNodePropertiesFromMap",
    ],
)
def test_plan_with_write_operator_is_refused(op: str) -> None:
    plan = _plan("ProduceResults", children=[_plan("EmptyResult", children=[_plan(op)])])
    with pytest.raises(ReadOnlyViolation, match=op):
        check_plan(plan, "neo4j", _modes)


def test_plan_of_reads_passes_and_is_walked_fully() -> None:
    plan = _plan(
        "ProduceResults",
        children=[
            _plan(
                "Expand(All)",
                children=[
                    _plan("NodeByLabelScan"),
                    _plan("ProcedureCall", "db.labels() :: (label :: STRING)"),
                ],
            )
        ],
    )
    check_plan(plan, "neo4j", _modes)
    assert [op for op, _, _ in plan_operators(plan)] == [
        "ProduceResults",
        "Expand(All)",
        "NodeByLabelScan",
        "ProcedureCall",
    ]


@pytest.mark.parametrize(
    "details",
    [
        "db.createLabel(label :: STRING)",
        "custom.thing() :: (x :: INTEGER)",
        "unknown.proc() :: (x :: INTEGER)",
        "dbms.components() :: (name :: STRING)",
    ],
)
def test_plan_with_non_read_procedure_is_refused(details: str) -> None:
    with pytest.raises(ReadOnlyViolation, match="procedure"):
        check_plan(_plan("ProduceResults", children=[_plan("ProcedureCall", details)]), "neo4j", _modes)


def test_plan_in_another_database_is_refused() -> None:
    with pytest.raises(ReadOnlyViolation, match="system"):
        check_plan(_plan("AllNodesScan", db="system"), "neo4j", _modes)


def test_error_positions_are_reported_in_the_users_text() -> None:
    msg = "Invalid input 'RETURN': expected ')' (line 1, column 18 (offset: 17))"
    assert _unshift(msg).endswith("(line 1, column 10 (offset: 9))")
