"""Running Cypher from users read-only: four independent layers, any one of which refuses.

1. A static check on the text (comments and strings removed, Unicode folded
   with NFKC): one statement, a read clause first, no updating or admin
   keyword, no invisible characters, no write/admin procedure names.
2. ``EXPLAIN`` of the query: the plan must contain no write, schema, admin or
   CSV-loading operator, must stay in the configured database, and every
   procedure it calls must be declared ``READ`` by the server.
3. The query runs in a ``READ`` access-mode transaction, which the server
   itself refuses to write in.
4. That transaction is always rolled back, never committed.

Also a server-side transaction timeout and a row limit. Parameters are passed
as parameters; nothing is interpolated into the text.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import time
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

import neo4j
from neo4j import exceptions as nx
from neo4j import graph as ng

from graph.neo4j.client import Neo4jUnavailable, connect, error_line
from graph.settings import Settings

log = logging.getLogger(__name__)


class ReadOnlyViolation(ValueError):
    """The query could write, change the schema, administer the server, or cannot be checked."""


class CypherError(RuntimeError):
    """The server rejected or aborted the query (syntax error, timeout, ...): one line."""


@dataclass
class QueryResult:
    columns: list[str]
    rows: list[list[Any]]  # plain JSON-able values; graph values become dicts (see _plain)
    nodes: list[dict[str, Any]] = field(default_factory=list)  # every node in the result, once
    relationships: list[dict[str, Any]] = field(default_factory=list)
    truncated: bool = False  # more rows existed than the limit
    elapsed_s: float = 0.0

    def records(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]

    def to_json(self) -> dict[str, Any]:
        return {
            "columns": self.columns,
            "rows": self.rows,
            "nodes": self.nodes,
            "relationships": self.relationships,
            "truncated": self.truncated,
            "elapsed_s": round(self.elapsed_s, 4),
        }


# -- layer 1: static check --------------------------------------------------------------------------

_READ_STARTS = {"MATCH", "OPTIONAL", "WITH", "UNWIND", "RETURN", "CALL", "SHOW"}
_SHOW_OK = {
    "INDEX",
    "INDEXES",
    "CONSTRAINT",
    "CONSTRAINTS",
    "PROCEDURE",
    "PROCEDURES",
    "FUNCTION",
    "FUNCTIONS",
    "ALL",
    "RANGE",
    "FULLTEXT",
    "TEXT",
    "POINT",
    "VECTOR",
    "LOOKUP",
    "BUILTIN",
}
_FORBIDDEN_WORDS = {
    "CREATE",
    "MERGE",
    "DELETE",
    "DETACH",
    "SET",
    "REMOVE",
    "FOREACH",
    "LOAD",
    "DROP",
    "ALTER",
    "GRANT",
    "DENY",
    "REVOKE",
    "USE",
    "TERMINATE",
    "RENAME",
    "START",
    "STOP",
    "ENABLE",
    "DEALLOCATE",
    "REALLOCATE",
    "TRANSACTIONS",
    "EXPLAIN",
    "PROFILE",
    "CYPHER",
}
#: Procedures refused whatever mode they declare: admin, or side effects outside the graph.
_DENIED_PROCEDURES = re.compile(
    r"^(dbms\.|db\.create|db\.clearQueryCaches|db\.checkpoint|db\.resample|db\.prepareForReplanning"
    r"|apoc\.(cypher|periodic|export|import|load|trigger|systemdb|refactor|create|merge|lock|do"
    r"|nodes\.delete|schema\.assert|util\.sleep|log)\b|gds\..*\.(write|mutate)\b)",
    re.IGNORECASE,
)
_ALLOWED_CONTROL = {"\t", "\n", "\r"}


@dataclass(frozen=True)
class _Token:
    kind: str  # word | punct | string | ident | number | param
    text: str
    prev: str  # the previous significant token's text, "" at the start


def _tokens(cypher: str) -> list[_Token]:
    """Split Cypher into tokens, dropping comments; strings and `identifiers` become single tokens."""
    out: list[_Token] = []
    i, n = 0, len(cypher)
    prev = ""

    def add(kind: str, text: str) -> None:
        nonlocal prev
        out.append(_Token(kind, text, prev))
        prev = text

    while i < n:
        ch = cypher[i]
        if ch.isspace():
            i += 1
        elif cypher.startswith("//", i):
            j = cypher.find("\n", i)
            i = n if j < 0 else j + 1
        elif cypher.startswith("/*", i):
            j = cypher.find("*/", i + 2)
            if j < 0:
                raise ReadOnlyViolation("refused: unterminated /* comment")
            i = j + 2
        elif ch in "'\"`":
            j = i + 1
            while j < n:
                if cypher[j] == "\\" and ch != "`":
                    j += 2
                    continue
                if cypher[j] == ch:
                    if ch == "`" and cypher.startswith("``", j):  # doubled backtick escapes itself
                        j += 2
                        continue
                    break
                j += 1
            if j >= n:
                raise ReadOnlyViolation("refused: unterminated string or `identifier`")
            add("ident" if ch == "`" else "string", cypher[i : j + 1])
            i = j + 1
        elif ch == "$":
            j = i + 1
            while j < n and (cypher[j].isalnum() or cypher[j] == "_"):
                j += 1
            add("param", cypher[i:j])
            i = j
        elif ch.isalpha() or ch == "_":
            j = i + 1
            while j < n and (cypher[j].isalnum() or cypher[j] == "_"):
                j += 1
            add("word", unicodedata.normalize("NFKC", cypher[i:j]).upper())
            i = j
        elif ch.isdigit():
            j = i + 1
            while j < n and (cypher[j].isalnum() or cypher[j] in "._"):
                j += 1
            add("number", cypher[i:j])
            i = j
        else:
            add("punct", unicodedata.normalize("NFKC", ch))
            i += 1
    return out


def check_static(cypher: str) -> None:
    """Refuse text that is not a single read-only query; see the module docstring."""
    if not cypher or not cypher.strip():
        raise ReadOnlyViolation("refused: empty query")
    for ch in cypher:
        cat = unicodedata.category(ch)
        if (cat.startswith("C") and ch not in _ALLOWED_CONTROL) or cat in {"Zl", "Zp"}:
            raise ReadOnlyViolation(f"refused: invisible or control character U+{ord(ch):04X} in the query")
    tokens = _tokens(cypher)
    if not tokens:
        raise ReadOnlyViolation("refused: the query is only comments")
    for k, tok in enumerate(tokens):
        if tok.kind == "punct" and tok.text == ";" and any(t.text != ";" for t in tokens[k + 1 :]):
            raise ReadOnlyViolation("refused: only one statement per query")
    words = [t for t in tokens if t.kind == "word"]
    first = tokens[0]
    if first.kind != "word" or first.text not in _READ_STARTS:
        raise ReadOnlyViolation(
            "refused: a read query starts with MATCH, OPTIONAL MATCH, WITH, UNWIND, RETURN or CALL,"
            f" not {first.text!r}"
        )
    if first.text == "SHOW" and (len(words) < 2 or words[1].text not in _SHOW_OK):
        raise ReadOnlyViolation(
            "refused: only SHOW INDEXES / CONSTRAINTS / PROCEDURES / FUNCTIONS are allowed"
        )
    for tok in words:
        if tok.prev in {".", ":", "$"}:  # property key, label or map value position, not a clause
            continue
        if tok.text in _FORBIDDEN_WORDS:
            raise ReadOnlyViolation(f"refused: {tok.text} is not allowed in a read-only query")
    for k, tok in enumerate(tokens):
        if tok.kind == "word" and tok.text == "CALL" and tok.prev != ".":
            name = _dotted_name(tokens, k + 1)
            if name and _DENIED_PROCEDURES.match(name):
                raise ReadOnlyViolation(f"refused: procedure {name} is not allowed")


def _dotted_name(tokens: list[_Token], k: int) -> str:
    parts: list[str] = []
    while k < len(tokens):
        tok = tokens[k]
        if tok.kind in {"word", "ident"}:
            parts.append(tok.text.strip("`").lower())
        elif not (tok.kind == "punct" and tok.text == "." and parts):
            break
        k += 1
    return ".".join(parts)


# -- layer 2: the plan ----------------------------------------------------------------------------

_WRITE_OPERATORS = re.compile(
    r"^(Create|Merge|LockingMerge|Delete|DetachDelete|Set|Remove|Foreach|LoadCSV|Transaction"
    r"|Drop|Alter|Grant|Deny|Revoke|Rename|Start|Stop|Enable|Terminate|Deallocate|Reallocate"
    r"|Administration|SystemProcedureCall|DoNothing|Ensure|Assert|Wait|Copy"
    r"|Show(Users|Roles|Privileges|Databases|Aliases|Servers|Settings|Transactions|Current|Supported))"
)


def plan_operators(plan: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """(operator, database, details) for every operator of an EXPLAIN plan, depth first."""
    op, _, db = str(plan.get("operatorType", "")).partition("@")
    args = plan.get("args") or plan.get("arguments") or {}
    out = [(op, db, str(args.get("Details", "")))]
    for child in plan.get("children") or []:
        out.extend(plan_operators(child))
    return out


def check_plan(plan: Mapping[str, Any], database: str, procedure_mode: Callable[[str], str | None]) -> None:
    """Refuse a plan that writes, leaves ``database``, or calls a procedure not declared READ."""
    for op, db, details in plan_operators(plan):
        if db and db.lower() != database.lower():
            raise ReadOnlyViolation(f"refused: the query runs against database {db!r}")
        if _WRITE_OPERATORS.match(op):
            raise ReadOnlyViolation(f"refused: the plan contains the updating operator {op}")
        if op == "ProcedureCall":
            name = details.split("(", 1)[0].strip().strip("`")
            if not name or _DENIED_PROCEDURES.match(name):
                raise ReadOnlyViolation(f"refused: procedure {name or '?'} is not allowed")
            mode = procedure_mode(name)
            if mode != "READ":
                raise ReadOnlyViolation(f"refused: procedure {name} has mode {mode or 'unknown'}, not READ")


# -- values -------------------------------------------------------------------------------------------


def _props(entity: ng.Entity) -> dict[str, Any]:
    return {k: _plain(v, None) for k, v in dict(entity).items()}


def _node(n: ng.Node) -> dict[str, Any]:
    return {"id": n.element_id, "labels": sorted(n.labels), "properties": _props(n)}


def _rel(r: ng.Relationship) -> dict[str, Any]:
    return {
        "id": r.element_id,
        "type": r.type,
        "start": r.start_node.element_id if r.start_node is not None else None,
        "end": r.end_node.element_id if r.end_node is not None else None,
        "properties": _props(r),
    }


class _Collector:
    def __init__(self) -> None:
        self.nodes: dict[str, dict[str, Any]] = {}
        self.rels: dict[str, dict[str, Any]] = {}

    def node(self, n: ng.Node) -> dict[str, Any]:
        d = _node(n)
        self.nodes.setdefault(d["id"], d)
        return {"_node": d["id"], **d}

    def rel(self, r: ng.Relationship) -> dict[str, Any]:
        for end in (r.start_node, r.end_node):
            if end is not None and end.element_id not in self.nodes:
                self.node(end)
        d = _rel(r)
        self.rels.setdefault(d["id"], d)
        return {"_relationship": d["id"], **d}


def _plain(value: Any, graph: _Collector | None) -> Any:
    """A value the json module can write; nodes and relationships are also collected for drawing."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, ng.Node):
        return graph.node(value) if graph else _node(value)
    if isinstance(value, ng.Relationship):
        return graph.rel(value) if graph else _rel(value)
    if isinstance(value, ng.Path):
        return {
            "_path": True,
            "nodes": [_plain(n, graph) for n in value.nodes],
            "relationships": [_plain(r, graph) for r in value.relationships],
        }
    if isinstance(value, list | tuple):
        return [_plain(v, graph) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v, graph) for k, v in value.items()}
    if isinstance(value, bytes | bytearray):
        return value.hex()
    if isinstance(value, dt.date | dt.time | dt.datetime) or hasattr(value, "iso_format"):
        return value.iso_format() if hasattr(value, "iso_format") else value.isoformat()
    if hasattr(value, "srid"):  # spatial point
        return {"srid": value.srid, "coordinates": list(value)}
    return str(value)


# -- running ------------------------------------------------------------------------------------------


def _check_params(params: Mapping[str, Any] | None) -> dict[str, Any]:
    if params is None:
        return {}
    if not isinstance(params, Mapping) or not all(isinstance(k, str) and k for k in params):
        raise ReadOnlyViolation("refused: parameters must be a mapping with string names")
    return dict(params)


def run_readonly(
    settings: Settings,
    cypher: str,
    params: Mapping[str, Any] | None = None,
    *,
    limit: int | None = None,
    timeout_s: float | None = None,
) -> QueryResult:
    """Run one read-only query; raises ReadOnlyViolation, CypherError or Neo4jUnavailable.

    At most ``limit`` rows (default ``settings.cypher_row_limit``) come back;
    ``truncated`` says whether there were more. The transaction is rolled back.
    """
    check_static(cypher)
    args = _check_params(params)
    limit = int(settings.cypher_row_limit if limit is None else limit)
    if limit < 1:
        raise ReadOnlyViolation("refused: the row limit must be at least 1")
    timeout = float(settings.neo4j_timeout_s if timeout_s is None else timeout_s)
    if timeout <= 0:
        raise ReadOnlyViolation("refused: the timeout must be positive")
    db = settings.neo4j_database
    t0 = time.perf_counter()
    with connect(settings) as driver:
        try:
            with driver.session(database=db, default_access_mode=neo4j.READ_ACCESS) as session:
                tx = session.begin_transaction(timeout=timeout)
                try:
                    return _run_in(tx, cypher, args, db, limit, t0)
                finally:
                    if not tx.closed():
                        tx.rollback()
        except (ReadOnlyViolation, Neo4jUnavailable):
            raise
        except (nx.ServiceUnavailable, nx.SessionExpired):
            raise
        except nx.Neo4jError as exc:
            code = exc.code or ""
            if "AccessMode" in code or "Forbidden" in code or "Security" in code:
                raise ReadOnlyViolation(f"refused by the server: {error_line(exc)}") from None
            if "TransactionTimedOut" in code or "Terminated" in code:
                raise CypherError(f"query stopped after the {timeout:g} s timeout") from None
            raise CypherError(_unshift(error_line(exc))) from None
        except nx.DriverError as exc:
            raise CypherError(f"{type(exc).__name__}: {error_line(exc)}") from None


_POSITION = re.compile(r"\(line 1, column (\d+) \(offset: (\d+)\)\)")
_EXPLAIN = "EXPLAIN "


def _unshift(message: str) -> str:
    """Server positions count the ``EXPLAIN`` prefix; report them in the user's own text."""

    def fix(m: re.Match[str]) -> str:
        col, off = int(m.group(1)), int(m.group(2))
        if off >= len(_EXPLAIN):
            col, off = col - len(_EXPLAIN), off - len(_EXPLAIN)
        return f"(line 1, column {col} (offset: {off}))"

    return _POSITION.sub(fix, message)


def _run_in(
    tx: neo4j.Transaction, cypher: str, args: dict[str, Any], db: str, limit: int, t0: float
) -> QueryResult:
    plan = tx.run(_EXPLAIN + cypher, args).consume().plan
    if not plan:
        raise ReadOnlyViolation("refused: the server returned no plan to check")
    modes: dict[str, str] = {}

    def procedure_mode(name: str) -> str | None:
        if not modes:
            for rec in tx.run("SHOW PROCEDURES YIELD name, mode RETURN name, mode"):
                modes[str(rec["name"]).lower()] = str(rec["mode"])
        return modes.get(name.lower())

    check_plan(plan, db, procedure_mode)
    result = tx.run(cypher, args)
    columns = list(result.keys())
    collector = _Collector()
    rows: list[list[Any]] = []
    truncated = False
    for record in islice(result, limit + 1):
        if len(rows) == limit:
            truncated = True
            break
        rows.append([_plain(v, collector) for v in record.values()])
    return QueryResult(
        columns=columns,
        rows=rows,
        nodes=list(collector.nodes.values()),
        relationships=list(collector.rels.values()),
        truncated=truncated,
        elapsed_s=time.perf_counter() - t0,
    )
