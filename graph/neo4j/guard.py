"""Running Cypher from users read-only and bounded: any one of the layers below refuses.

Read-only:

1. A static check on the text (looked at as written and with ``\\uXXXX`` /
   ``\\UXXXXXXXX`` escapes decoded, since the server decodes ``\\u`` escapes
   before it parses; comments and strings removed, Unicode folded with NFKC):
   one statement, a read clause first, no updating or admin keyword, no
   invisible characters, and ``CALL`` only of procedures on an allow-list.
2. ``EXPLAIN`` of the query: the plan must contain no write, schema, admin or
   CSV-loading operator, must stay in the configured database, and every
   procedure it calls must be on the allow-list and declared ``READ`` by the server.
3. The query runs in a ``READ`` access-mode transaction, which the server
   itself refuses to write in.
4. That transaction is never committed.

Bounded: the query runs in a worker process (see :func:`run_readonly`), so
that the caller can always stop it: a server transaction timeout, a wall-clock
limit after which the worker is killed and the server transaction terminated,
a row limit, a limit on the estimated size of the result in bytes, and a limit
on the worker's memory (a single huge value is materialised by the driver
before any code sees it). The server's own per-transaction memory limit
(``db.memory.transaction.max``, set by ``scripts/neo4j.sh``) is reported as one
line. Parameters are passed as parameters; nothing is interpolated into the text.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import multiprocessing
import multiprocessing.connection
import re
import sys
import threading
import time
import unicodedata
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import neo4j
import psutil
from neo4j import exceptions as nx
from neo4j import graph as ng

from extract.errors import ZhkgError
from graph.neo4j.client import Neo4jUnavailable, connect, error_line
from graph.settings import Settings

log = logging.getLogger(__name__)


class ReadOnlyViolation(ZhkgError, ValueError):
    """The query could write, change the schema, administer the server, or cannot be checked."""


class CypherError(ZhkgError, RuntimeError):
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
#: The only procedures a user query may CALL: read-only introspection and the full-text indexes
#: the named queries use. Everything else (``db.stats.*``, ``db.clearQueryCaches``, ``dbms.*``,
#: plugins) is refused before the query is sent, whatever mode the server declares for it.
#: Functions are not procedures and stay allowed.
ALLOWED_PROCEDURES: frozenset[str] = frozenset(
    {
        "db.labels",
        "db.relationshipTypes",
        "db.propertyKeys",
        "db.schema.visualization",
        "db.schema.nodeTypeProperties",
        "db.schema.relTypeProperties",
        "db.index.fulltext.queryNodes",
        "db.index.fulltext.queryRelationships",
    }
)


def _procedure_allowed(name: str, allowed: Iterable[str]) -> bool:
    """Compared case-insensitively: the server resolves names exactly, so this only ever refuses more."""
    return name.lower() in {a.lower() for a in allowed}


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


_JAVA_ESCAPE = re.compile(r"(?<!\\)((?:\\\\)*)\\u+([0-9A-Fa-f]{4})")
_ANY_ESCAPE = re.compile(r"\\(?:u+([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8}))")


def _join_surrogates(text: str) -> str:
    """Escaped UTF-16 pairs (``\\ud83d\\ude00``) become the character they encode."""
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def decode_escapes(cypher: str) -> list[str]:
    """The readings of ``cypher`` the server might parse, besides the text as written.

    Neo4j decodes ``\\uXXXX`` (any number of ``u``) before it parses, as Java
    does: everywhere, strings included, unless the backslash is itself escaped,
    so ``\\u0043REATE`` is ``CREATE``. It leaves ``\\UXXXXXXXX`` alone today; a
    second reading decodes that and every ``\\u`` too, so a future parser that
    decodes more cannot open a gap. Readings equal to the text are left out.
    """

    def java(m: re.Match[str]) -> str:
        return m.group(1) + chr(int(m.group(2), 16))

    def every(m: re.Match[str]) -> str:
        code = int(m.group(1) or m.group(2), 16)
        return chr(code) if code <= 0x10FFFF else m.group(0)

    readings = [
        _join_surrogates(_JAVA_ESCAPE.sub(java, cypher)),
        _join_surrogates(_ANY_ESCAPE.sub(every, cypher)),
    ]
    out: list[str] = []
    for text in readings:
        if text != cypher and text not in out:
            out.append(text)
    return out


def check_static(cypher: str, allowed_procedures: Iterable[str] = ALLOWED_PROCEDURES) -> None:
    """Refuse text that is not a single read-only query; see the module docstring.

    The text is checked as written and once more for each reading with Unicode
    escapes decoded (:func:`decode_escapes`): any reading that fails refuses.
    """
    if not cypher or not cypher.strip():
        raise ReadOnlyViolation("refused: empty query")
    allowed = frozenset(allowed_procedures)
    _check_reading(cypher, allowed)
    for reading in decode_escapes(cypher):
        try:
            _check_reading(reading, allowed)
        except ReadOnlyViolation as exc:
            raise ReadOnlyViolation(f"{exc} (after decoding \\u escapes)") from None


def _check_reading(cypher: str, allowed_procedures: frozenset[str]) -> None:
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
            nxt = tokens[k + 1] if k + 1 < len(tokens) else None
            if nxt is not None and nxt.kind == "punct" and nxt.text in {"{", "("}:
                continue  # CALL { ... } or CALL (x) { ... }: a subquery, checked as part of the text
            name = _dotted_name(tokens, k + 1)
            if not name or not _procedure_allowed(name, allowed_procedures):
                allowed = _allowed_text(allowed_procedures)
                raise ReadOnlyViolation(
                    f"refused: procedure {name or '?'} is not on the allow-list ({allowed})"
                )


def _allowed_text(allowed: Iterable[str]) -> str:
    return ", ".join(sorted(allowed)) or "none"


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


def check_plan(
    plan: Mapping[str, Any],
    database: str,
    procedure_mode: Callable[[str], str | None],
    allowed_procedures: Iterable[str] = ALLOWED_PROCEDURES,
) -> None:
    """Refuse a plan that writes, leaves ``database``, or calls a procedure not allowed and READ."""
    allowed = frozenset(allowed_procedures)
    for op, db, details in plan_operators(plan):
        if db and db.lower() != database.lower():
            raise ReadOnlyViolation(f"refused: the query runs against database {db!r}")
        if _WRITE_OPERATORS.match(op):
            raise ReadOnlyViolation(f"refused: the plan contains the updating operator {op}")
        if op == "ProcedureCall":
            name = details.split("(", 1)[0].strip().strip("`")
            if not name or not _procedure_allowed(name, allowed):
                raise ReadOnlyViolation(f"refused: procedure {name or '?'} is not on the allow-list")
            mode = procedure_mode(name)
            if mode != "READ":
                raise ReadOnlyViolation(f"refused: procedure {name} has mode {mode or 'unknown'}, not READ")


def plan_procedures(plan: Mapping[str, Any]) -> list[str]:
    """Names of the procedures an EXPLAIN plan calls."""
    return [
        details.split("(", 1)[0].strip().strip("`")
        for op, _, details in plan_operators(plan)
        if op == "ProcedureCall"
    ]


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


# -- limits -----------------------------------------------------------------------------------------

# The result-size and worker-memory limits are settings (cypher_max_mb, cypher_worker_memory_mb):
# the worker may grow by the latter because the driver decodes one huge value whole.
#: The wall-clock limit is the server timeout plus this, so that the server's own timeout,
#: which leaves the connection usable, usually comes first.
WALL_GRACE_S = 2.0
#: Rows the server sends per batch: small, so that it never runs far ahead of what is kept.
FETCH_SIZE = 100
#: How long a new query waits for an earlier stopped one that the server is still finishing.
QUIET_WAIT_S = 3.0
_POLL_S = 0.02
_TX_TAG = "zhkg-cypher"


@dataclass(frozen=True)
class Limits:
    """What one user query may take; each is enforced on its own (see :func:`run_readonly`)."""

    rows: int
    timeout_s: float  # server-side transaction timeout
    wall_s: float  # client-side wall-clock limit on the whole call
    max_bytes: int  # estimated size of the rows returned
    worker_memory_bytes: int  # growth of the worker process's resident memory


def make_limits(
    settings: Settings,
    *,
    limit: int | None = None,
    timeout_s: float | None = None,
    wall_s: float | None = None,
    max_bytes: int | None = None,
    worker_memory_bytes: int | None = None,
) -> Limits:
    """Limits from explicit values, else settings and defaults; nonsense is refused, not clamped."""
    rows = int(settings.cypher_row_limit if limit is None else limit)
    if rows < 1:
        raise ReadOnlyViolation("refused: the row limit must be at least 1")
    timeout = float(settings.neo4j_timeout_s if timeout_s is None else timeout_s)
    if timeout <= 0:
        raise ReadOnlyViolation("refused: the timeout must be positive")
    wall = float(timeout + WALL_GRACE_S if wall_s is None else wall_s)
    if wall <= 0:
        raise ReadOnlyViolation("refused: the wall-clock limit must be positive")
    size = int(settings.cypher_max_mb * 2**20 if max_bytes is None else max_bytes)
    memory = int(
        settings.cypher_worker_memory_mb * 2**20 if worker_memory_bytes is None else worker_memory_bytes
    )
    if size < 1 or memory < 1:
        raise ReadOnlyViolation("refused: size limits must be positive")
    return Limits(rows, timeout, wall, size, memory)


def estimate_size(value: Any) -> int:
    """Bytes a plain value stands for, roughly as sent: 8 per number, UTF-8 length per string.

    Python holds several times this in objects; the worker's memory limit covers the rest.
    Iterative, so that deeply nested lists cannot exhaust the stack.
    """
    total = 0
    stack = [value]
    while stack:
        v = stack.pop()
        if v is None or isinstance(v, bool):
            total += 1
        elif isinstance(v, int | float):
            total += 8
        elif isinstance(v, str):
            total += len(v) if v.isascii() else len(v.encode("utf-8", "surrogatepass"))
        elif isinstance(v, list | tuple):
            total += 2
            stack.extend(v)
        elif isinstance(v, dict):
            total += 2
            for k, x in v.items():
                total += len(str(k))
                stack.append(x)
        else:
            total += len(str(v))
    return total


def _mib(n: float) -> str:
    return f"{n / 2**20:g} MiB"


def _too_large(limits: Limits, rows: int) -> CypherError:
    return CypherError(
        f"the result was too large: more than {_mib(limits.max_bytes)} after {rows} rows; stopped"
        " (add LIMIT or return fewer or smaller values)"
    )


def _took_too_long(limits: Limits) -> CypherError:
    return CypherError(f"query took longer than {limits.timeout_s:g} s; stopped")


_MEMORY_LIMIT = re.compile(r"limit ([\d.]+ ?[KMGT]?i?B)")


def server_error(exc: nx.Neo4jError, limits: Limits) -> ReadOnlyViolation | CypherError:
    """One line for a server error, naming the limit that stopped the query where one did."""
    code = exc.code or ""
    line = error_line(exc)
    if "AccessMode" in code or "Forbidden" in code or "Security" in code:
        return ReadOnlyViolation(f"refused by the server: {line}")
    if "TransactionTimedOut" in code or "Terminated" in code:
        return _took_too_long(limits)
    if "MemoryPoolOutOfMemoryError" in code or "MemoryLimitExceeded" in code:
        m = _MEMORY_LIMIT.search(line)
        limit = f" of {m.group(1)}" if m else ""
        if "total.max" in line:
            return CypherError(
                f"the server's memory for running queries{limit} is used up"
                " (dbms.memory.transaction.total.max); stopped, try again later"
            )
        return CypherError(
            f"query needs more than the server's per-query memory limit{limit}"
            " (db.memory.transaction.max); stopped"
        )
    return CypherError(_unshift(line))


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
    wall_s: float | None = None,
    max_bytes: int | None = None,
    worker_memory_bytes: int | None = None,
    allowed_procedures: Iterable[str] | None = None,
) -> QueryResult:
    """Run one read-only query; raises ReadOnlyViolation, CypherError or Neo4jUnavailable.

    At most ``limit`` rows (default ``settings.cypher_row_limit``) come back;
    ``truncated`` says whether there were more. The server aborts the
    transaction after ``timeout_s`` (default ``settings.neo4j_timeout_s``); the
    whole call ends after ``wall_s`` (default timeout + :data:`WALL_GRACE_S`)
    whatever the server does, because some expressions (``reduce`` over a long
    list) never look at the server's timeout. Rows are streamed and the query is
    stopped once their estimated size passes ``max_bytes``. The driver runs in
    a worker process that is killed, and its server transaction terminated,
    when the wall clock runs out or the process grows by more than
    ``worker_memory_bytes``: the caller never hangs and never holds more than
    the result. Only ``allowed_procedures`` (default :data:`ALLOWED_PROCEDURES`)
    may be called. The transaction is never committed.
    """
    allowed = ALLOWED_PROCEDURES if allowed_procedures is None else frozenset(allowed_procedures)
    check_static(cypher, allowed)
    args = _check_params(params)
    limits = make_limits(
        settings,
        limit=limit,
        timeout_s=timeout_s,
        wall_s=wall_s,
        max_bytes=max_bytes,
        worker_memory_bytes=worker_memory_bytes,
    )
    if not settings.neo4j_configured:
        with connect(settings):  # raises the one-line "not configured" error
            pass
    job = _Job(settings, cypher, args, limits, uuid.uuid4().hex)
    t0 = time.perf_counter()
    result = _run_in_worker(job, allowed)
    result.elapsed_s = time.perf_counter() - t0
    return result


@dataclass(frozen=True)
class _Job:
    """Everything the worker process needs; sent to it pickled."""

    settings: Settings
    cypher: str
    params: dict[str, Any]
    limits: Limits
    run_id: str  # transaction metadata, so the parent can find and terminate the transaction


class _Stopped(Exception):
    """The parent stopped the worker: ``why`` is "time" or "memory"."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why


def _context() -> Any:
    """How to start the worker: a plain fork where that is safe, else a forkserver.

    ``fork`` is fast and needs nothing from ``__main__``, but copies the locks
    other threads hold, so it is used only while the caller has one thread
    (the CLI, scripts). A threaded caller (the Streamlit app) gets forks of a
    clean single-threaded server process that has this module loaded; like
    every non-fork start method it imports the caller's main module again, so
    that module must keep its work under ``if __name__ == "__main__":``, as
    console entry points do.
    """
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    if "forkserver" in methods:
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload([__name__])
        return ctx
    return multiprocessing.get_context("spawn")


@contextlib.contextmanager
def _main_not_rerun() -> Iterator[None]:
    """Start a non-fork worker without running the caller's ``__main__`` again in it.

    The worker needs only this module (its target lives here), but a forkserver or spawn child
    re-executes the parent's main script first. Under Streamlit or a test runner that script is
    the app page or a generated file, which must not run twice; hiding its file name while the
    child is prepared skips that step.
    """
    main = sys.modules.get("__main__")
    if main is None:
        yield
        return
    file, spec = getattr(main, "__file__", None), getattr(main, "__spec__", None)
    try:
        if file is not None:
            del main.__file__
        main.__spec__ = None
        yield
    finally:
        main.__spec__ = spec
        if file is not None:
            main.__file__ = file


def _run_in_worker(job: _Job, allowed: frozenset[str]) -> QueryResult:
    """The parent's side: hand over the query, check its plan, watch the clock and the memory."""
    ctx = _context()
    parent_end, child_end = ctx.Pipe(duplex=True)
    proc = ctx.Process(target=_worker_main, args=(child_end, job), name="zhkg-cypher", daemon=True)
    deadline = time.monotonic() + job.limits.wall_s
    with _main_not_rerun():
        proc.start()
    child_end.close()
    started = answered = False
    try:
        watch = _Watch(proc, job.limits, deadline)
        message = watch.receive(parent_end)
        if message[0] == "plan":
            _, plan, modes = message
            check_plan(plan, job.settings.neo4j_database, lambda name: modes.get(name.lower()), allowed)
            parent_end.send("run")
            started = True
            message = watch.receive(parent_end)
        answered = True
        if message[0] == "result":
            result: QueryResult = message[1]
            return result
        if message[0] == "error":
            raise message[1]
        raise CypherError(f"unexpected answer from the query worker: {message[0]!r}")
    except _Stopped as stop:
        answered = False
        if stop.why == "time":
            raise _took_too_long(job.limits) from None
        raise CypherError(
            f"the result was too large: the query took more than {_mib(job.limits.worker_memory_bytes)}"
            " of client memory; stopped (add LIMIT or return fewer or smaller values)"
        ) from None
    finally:
        parent_end.close()
        _finish(proc, job, started=started, answered=answered)


class _Watch:
    def __init__(self, proc: Any, limits: Limits, deadline: float) -> None:
        self.proc = proc
        self.limits = limits
        self.deadline = deadline
        self.ps: psutil.Process | None = None
        self.base_rss = 0

    def _rss_grown(self) -> int:
        try:
            if self.ps is None:
                self.ps = psutil.Process(self.proc.pid)
                self.base_rss = self.ps.memory_info().rss
                return 0
            return int(self.ps.memory_info().rss) - self.base_rss
        except psutil.Error:  # it has just exited; the pipe says how
            return 0

    def receive(self, conn: multiprocessing.connection.Connection) -> tuple[Any, ...]:
        """The worker's next message, or _Stopped when the clock or the memory runs out."""
        while True:
            remaining = self.deadline - time.monotonic()
            if remaining <= 0:
                raise _Stopped("time")
            if conn.poll(min(_POLL_S, remaining)):
                try:
                    message: tuple[Any, ...] = conn.recv()
                except EOFError:
                    break
                return message
            if self._rss_grown() > self.limits.worker_memory_bytes:
                raise _Stopped("memory")
            if not self.proc.is_alive() and not conn.poll(0):
                break
        self.proc.join(1.0)
        raise CypherError(f"the query worker ended without an answer (exit code {self.proc.exitcode})")


def _finish(proc: Any, job: _Job, *, started: bool, answered: bool) -> None:
    """Let a worker that answered exit; kill one that did not, and end its server transaction."""
    proc.join(0.5 if answered else 0)
    if proc.is_alive():
        proc.kill()
        proc.join(5.0)
        if started and not answered:
            _terminate(job)


def _terminate(job: _Job) -> None:
    """Terminate the killed worker's transaction from a second connection.

    Closing a connection does not stop a running query on the server; a
    terminated one stops at its next check, and shows as "Terminated" in
    ``SHOW TRANSACTIONS`` until then.
    """
    try:
        with connect(job.settings) as driver, driver.session(database=job.settings.neo4j_database) as s:
            ids = [
                r["id"]
                for r in s.run(
                    "SHOW TRANSACTIONS YIELD transactionId AS id, metaData "
                    "WHERE metaData.zhkg_run = $run RETURN id",
                    run=job.run_id,
                )
            ]
            if ids:
                s.run("TERMINATE TRANSACTIONS $ids", ids=ids).consume()
                log.info("terminated server transaction(s) %s of a stopped query", ", ".join(ids))
    except (Neo4jUnavailable, nx.Neo4jError, nx.DriverError) as exc:
        log.warning("could not terminate the stopped query's transaction: %s", error_line(exc))


# -- the worker process -------------------------------------------------------------------------------


def _worker_main(conn: multiprocessing.connection.Connection, job: _Job) -> None:
    """Entry point of the worker: every outcome goes back through the pipe as a message."""
    try:
        _worker(conn, job)
    except (EOFError, BrokenPipeError):
        pass  # the parent gave up on us
    except BaseException as exc:  # everything goes back as one line
        if not isinstance(exc, ReadOnlyViolation | CypherError | Neo4jUnavailable):
            exc = CypherError(f"{type(exc).__name__}: {error_line(exc)}")
        with contextlib.suppress(OSError, ValueError):
            conn.send(("error", exc))
    finally:
        conn.close()


def _worker(conn: multiprocessing.connection.Connection, job: _Job) -> None:
    settings, limits = job.settings, job.limits
    db = settings.neo4j_database
    deadline = time.monotonic() + limits.wall_s
    with connect(settings) as driver:
        try:
            with driver.session(
                database=db,
                default_access_mode=neo4j.READ_ACCESS,
                fetch_size=min(limits.rows + 1, FETCH_SIZE),
            ) as session:
                _wait_until_quiet(session, deadline)
                tx = session.begin_transaction(
                    timeout=limits.timeout_s, metadata={"zhkg": _TX_TAG, "zhkg_run": job.run_id}
                )
                plan = tx.run(_EXPLAIN + job.cypher, job.params).consume().plan
                if not plan:
                    raise ReadOnlyViolation("refused: the server returned no plan to check")
                modes: dict[str, str] = {}
                wanted = {name.lower() for name in plan_procedures(plan)}
                if wanted:
                    for rec in tx.run("SHOW PROCEDURES YIELD name, mode RETURN name, mode"):
                        if str(rec["name"]).lower() in wanted:
                            modes[str(rec["name"]).lower()] = str(rec["mode"])
                conn.send(("plan", dict(plan), modes))
                if conn.recv() != "run":
                    return
                result = _collect(tx.run(job.cypher, job.params), limits)
                conn.send(("result", result))
        except (ReadOnlyViolation, Neo4jUnavailable, CypherError):
            raise
        except (nx.ServiceUnavailable, nx.SessionExpired):
            raise
        except nx.Neo4jError as exc:
            raise server_error(exc, limits) from None
        except nx.DriverError as exc:
            raise CypherError(f"{type(exc).__name__}: {error_line(exc)}") from None


def _wait_until_quiet(session: neo4j.Session, deadline: float) -> None:
    """Refuse to start while an earlier stopped query of ours still runs on the server.

    A terminated query stops only at its next check for termination, which a
    long expression may not reach for minutes; without this, repeating such a
    query would stack them up on the server's few cores.
    """
    end = min(deadline, time.monotonic() + QUIET_WAIT_S)
    while True:
        try:
            rec = session.run(
                "SHOW TRANSACTIONS YIELD status, metaData "
                "WHERE metaData.zhkg = $tag AND status STARTS WITH 'Terminated' RETURN count(*) AS n",
                tag=_TX_TAG,
            ).single()
        except nx.ClientError as exc:  # no privilege to list transactions: nothing to wait for
            log.debug("cannot list transactions: %s", error_line(exc))
            return
        if rec is None or not rec["n"]:
            return
        if time.monotonic() >= end:
            raise CypherError(
                "the server is still finishing a query that was stopped earlier; try again in a minute"
            )
        time.sleep(0.2)


def _collect(result: neo4j.Result, limits: Limits) -> QueryResult:
    """Stream the rows, stopping at the row limit (truncated) or the size limit (an error)."""
    columns = list(result.keys())
    collector = _Collector()
    rows: list[list[Any]] = []
    size = 0
    truncated = False
    for record in result:
        if len(rows) == limits.rows:
            truncated = True
            break
        row = [_plain(v, collector) for v in record.values()]
        size += estimate_size(row)
        if size > limits.max_bytes:
            raise _too_large(limits, len(rows))
        rows.append(row)
    return QueryResult(
        columns=columns,
        rows=rows,
        nodes=list(collector.nodes.values()),
        relationships=list(collector.rels.values()),
        truncated=truncated,
    )


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
