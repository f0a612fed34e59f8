"""Named Cypher queries: one ``queries/<name>.cypher`` file each, described by its header.

Header format (``//`` comment lines before the first Cypher line)::

    // One-line description; further plain comment lines continue it.
    // @param NAME TYPE [= DEFAULT] [(MIN..MAX)] [inline] -- what it means

TYPE is ``string``, ``int``, ``float``, ``bool``, ``list[string]``, ``entity``
or ``fulltext``. A parameter without ``= DEFAULT`` is required; DEFAULT is JSON.
``entity`` takes an entity id, name or alias and also binds ``$NAME_key``, its
:func:`extract.normalize.match_key`, which the query compares with the
``match_keys`` property that sync writes. ``fulltext`` is escaped for Lucene so
that ``C++`` or ``GPT-4`` are searched literally.

Values are always sent as Cypher parameters. The one exception is ``inline``:
variable-length bounds such as ``{1,3}`` cannot be parameters in Cypher, so an
``int`` parameter declared ``inline`` with a range is validated as an integer in
that range and written into the text where ``{{NAME}}`` stands. Nothing else is
ever substituted.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from extract.errors import ZhkgError
from graph.neo4j.guard import QueryResult, run_readonly
from graph.settings import Settings

TYPES = ("string", "int", "float", "bool", "list[string]", "entity", "fulltext")

_PARAM = re.compile(
    r"^@param\s+(?P<name>[A-Za-z_]\w*)\s+(?P<type>[a-z]+(?:\[[a-z]+\])?)"
    r"(?:\s*=\s*(?P<default>.+?))?"
    r"(?:\s+\((?P<lo>-?\d+)\.\.(?P<hi>-?\d+)\))?"
    r"(?P<inline>\s+inline)?"
    r"\s+--\s+(?P<desc>.+)$"
)
_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_]\w*)\s*\}\}")
_LUCENE_SPECIAL = re.compile(r'([+\-&|!(){}\[\]^"~*?:\\/])')


class QueryFileError(ZhkgError, ValueError):
    """A ``.cypher`` file's header cannot be parsed."""


class QueryParamError(ZhkgError, ValueError):
    """A parameter is unknown, missing, of the wrong type or out of range."""


@dataclass(frozen=True)
class QueryParam:
    name: str
    type: str
    description: str
    default: Any = None
    required: bool = True
    minimum: int | None = None
    maximum: int | None = None
    inline: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type,
            "default": self.default,
            "required": self.required,
            "range": None if self.minimum is None else [self.minimum, self.maximum],
            "inline": self.inline,
            "description": self.description,
        }


@dataclass(frozen=True)
class NamedQuery:
    name: str
    description: str
    params: tuple[QueryParam, ...]
    text: str
    path: Path

    def param(self, name: str) -> QueryParam | None:
        return next((p for p in self.params if p.name == name), None)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "params": [p.to_json() for p in self.params],
        }


def default_dir() -> Path:
    """The ``queries`` package's folder: the repository's ``queries/`` or its installed copy in a wheel."""
    import importlib.resources

    return Path(str(importlib.resources.files("queries")))


def parse_query(name: str, source: str, path: Path | None = None) -> NamedQuery:
    """Parse one query file's text; raises :class:`QueryFileError` naming the file and line."""
    where = str(path or name)
    lines = source.splitlines()
    desc: list[str] = []
    params: list[QueryParam] = []
    body_start = len(lines)
    for i, line in enumerate(lines):
        stripped = line.strip()
        if not stripped:
            continue
        if not stripped.startswith("//"):
            body_start = i
            break
        comment = stripped[2:].strip()
        if comment.startswith("@param"):
            params.append(_parse_param(comment, f"{where}:{i + 1}"))
        elif comment.startswith("@"):
            raise QueryFileError(f"{where}:{i + 1}: unknown header tag {comment.split()[0]}")
        elif comment:
            desc.append(comment)
    text = "\n".join(lines[body_start:]).strip()
    if not text:
        raise QueryFileError(f"{where}: no Cypher after the header")
    if not desc:
        raise QueryFileError(f"{where}: the header needs a description line")
    names = [p.name for p in params]
    if len(set(names)) != len(names):
        raise QueryFileError(f"{where}: a parameter is declared twice")
    inline = {p.name for p in params if p.inline}
    for used in _PLACEHOLDER.findall(text):
        if used not in inline:
            raise QueryFileError(f"{where}: {{{{{used}}}}} is not a declared inline parameter")
    used_names = set(_PLACEHOLDER.findall(text))
    for p in params:
        if p.inline and p.name not in used_names:
            raise QueryFileError(f"{where}: inline parameter {p.name} is never used as {{{{{p.name}}}}}")
    return NamedQuery(
        name=name, description=" ".join(desc), params=tuple(params), text=text, path=path or Path(name)
    )


def _parse_param(comment: str, where: str) -> QueryParam:
    m = _PARAM.match(comment)
    if not m:
        raise QueryFileError(
            f"{where}: expected '@param NAME TYPE [= DEFAULT] [(MIN..MAX)] [inline] -- text'"
        )
    ptype = m["type"]
    if ptype not in TYPES:
        raise QueryFileError(f"{where}: unknown type {ptype!r} (one of {', '.join(TYPES)})")
    default: Any = None
    required = m["default"] is None
    if not required:
        try:
            default = json.loads(m["default"])
        except json.JSONDecodeError:
            raise QueryFileError(f"{where}: default {m['default']!r} is not JSON") from None
    lo = None if m["lo"] is None else int(m["lo"])
    hi = None if m["hi"] is None else int(m["hi"])
    if lo is not None and (ptype != "int" or hi is None or lo > hi):
        raise QueryFileError(f"{where}: a range needs an int parameter and MIN <= MAX")
    inline = bool(m["inline"])
    if inline and (ptype != "int" or lo is None):
        raise QueryFileError(f"{where}: only an int parameter with a range can be inline")
    param = QueryParam(m["name"], ptype, m["desc"].strip(), default, required, lo, hi, inline)
    if not required:
        try:
            _coerce(param, default)
        except QueryParamError as exc:
            raise QueryFileError(f"{where}: default does not fit: {exc}") from None
    return param


def named_queries(dir: Path | None = None) -> dict[str, NamedQuery]:
    """All queries in ``dir`` (default :func:`default_dir`), by name (the file stem), sorted."""
    folder = dir or default_dir()
    if not folder.is_dir():
        raise QueryFileError(f"no query folder at {folder}")
    out: dict[str, NamedQuery] = {}
    for path in sorted(folder.glob("*.cypher")):
        if not re.fullmatch(r"[a-z][a-z0-9_]*", path.stem):
            raise QueryFileError(f"{path}: query file names are lower_snake_case")
        out[path.stem] = parse_query(path.stem, path.read_text(encoding="utf-8"), path)
    return out


def lucene_escape(text: str) -> str:
    """Search ``text`` literally: escape Lucene's operators and lower-case AND/OR/NOT."""
    escaped = _LUCENE_SPECIAL.sub(r"\\\1", text.strip())
    return " ".join(w.lower() if w in {"AND", "OR", "NOT"} else w for w in escaped.split())


def _coerce(p: QueryParam, value: Any) -> Any:
    """Value for ``p`` from JSON-ish input; strings from the command line are parsed by type."""
    t = p.type
    try:
        if t in {"string", "entity", "fulltext"}:
            if not isinstance(value, str):
                raise TypeError
            if t != "string" and not value.strip():
                raise QueryParamError(f"{p.name} must not be empty")
            return value
        if t == "int":
            if isinstance(value, bool):
                raise TypeError
            if isinstance(value, str):
                value = int(value.strip())
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            if not isinstance(value, int):
                raise TypeError
            if p.minimum is not None and p.maximum is not None and not p.minimum <= value <= p.maximum:
                raise QueryParamError(f"{p.name} must be between {p.minimum} and {p.maximum}, not {value}")
            return value
        if t == "float":
            if isinstance(value, bool):
                raise TypeError
            return float(value.strip() if isinstance(value, str) else value)
        if t == "bool":
            if isinstance(value, bool):
                return value
            if isinstance(value, str) and value.strip().lower() in {"true", "1", "yes", "false", "0", "no"}:
                return value.strip().lower() in {"true", "1", "yes"}
            raise TypeError
        if t == "list[string]":
            if isinstance(value, str):
                text = value.strip()
                value = (
                    json.loads(text)
                    if text.startswith("[")
                    else [v.strip() for v in text.split(",") if v.strip()]
                )
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise TypeError
            return value
    except (TypeError, ValueError) as exc:
        if isinstance(exc, QueryParamError):
            raise
        raise QueryParamError(f"{p.name} must be a {t}, not {value!r}") from None
    raise QueryParamError(f"{p.name}: unknown type {t}")  # pragma: no cover (checked at parse time)


def bind(query: NamedQuery, values: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """The Cypher text (inline bounds filled in) and parameters for ``values``.

    Unknown or missing parameters and bad values raise :class:`QueryParamError`.
    """
    from extract.normalize import match_key

    unknown = sorted(set(values) - {p.name for p in query.params})
    if unknown:
        known = ", ".join(p.name for p in query.params) or "none"
        raise QueryParamError(f"query {query.name} has no parameter {unknown[0]!r} (parameters: {known})")
    params: dict[str, Any] = {}
    inline: dict[str, str] = {}
    for p in query.params:
        if p.name in values and values[p.name] is not None:
            value = _coerce(p, values[p.name])
        elif p.required:
            raise QueryParamError(f"query {query.name} needs --param {p.name}=... ({p.description})")
        else:
            value = _coerce(p, p.default)
        if p.inline:
            inline[p.name] = str(int(value))  # an int checked against its range: safe to write in
            continue
        if p.type == "entity":
            params[f"{p.name}_key"] = match_key(value)
        elif p.type == "fulltext":
            value = lucene_escape(value)
        params[p.name] = value
    text = _PLACEHOLDER.sub(lambda m: inline[m.group(1)], query.text)
    return text, params


def run_named(
    settings: Settings,
    name: str,
    params: Mapping[str, Any] | None = None,
    *,
    queries_dir: Path | None = None,
    limit: int | None = None,
) -> QueryResult:
    """Run the named query read-only (through :func:`graph.neo4j.guard.run_readonly`)."""
    queries = named_queries(queries_dir)
    query = queries.get(name)
    if query is None:
        raise QueryParamError(f"no named query {name!r} (known: {', '.join(queries) or 'none'})")
    text, bound = bind(query, params or {})
    return run_readonly(settings, text, bound, limit=limit)
