"""``zhkg cypher``: read-only Cypher against Neo4j, ad hoc or from ``queries/``.

    zhkg cypher "MATCH (e:Entity) RETURN e.name LIMIT 5"
    zhkg cypher --query entity_neighbourhood --param entity=Ollama --param k=2
    zhkg cypher --list

Every query goes through :func:`graph.neo4j.guard.run_readonly`: writes are
refused, and parameters travel as parameters.
"""

from __future__ import annotations

import argparse
import json
import unicodedata
from typing import Any

from graph import api
from graph.cli.main import CommandError
from graph.cli.sync import add_neo4j_arguments
from graph.settings import Settings

HELP = "run read-only Cypher on Neo4j: ad hoc, or a named query from queries/ (--list)"

_CELL_WIDTH = 60


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("cypher", nargs="?", help="ad-hoc Cypher text (read-only)")
    p.add_argument("--query", "-q", metavar="NAME", help="run the named query queries/NAME.cypher")
    p.add_argument(
        "--param",
        "-p",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="query parameter; repeatable. Ad-hoc values are JSON when they parse, else strings",
    )
    p.add_argument("--list", action="store_true", help="list the named queries and their parameters")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.add_argument(
        "--limit",
        type=int,
        dest="set_cypher_row_limit",
        metavar="N",
        help="most rows returned (env ZHKG_CYPHER_ROW_LIMIT, default 1000)",
    )
    p.add_argument(
        "--timeout",
        type=float,
        dest="set_neo4j_timeout_s",
        metavar="SECONDS",
        help="transaction timeout (env ZHKG_NEO4J_TIMEOUT_S)",
    )
    add_neo4j_arguments(p)


def parse_params(items: list[str], *, json_values: bool) -> dict[str, Any]:
    """``["k=2", "name=Llama 3"]`` → dict; with ``json_values`` each value is JSON when it parses."""
    out: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key.isidentifier():
            raise CommandError(f"--param {item!r}: expected KEY=VALUE with KEY a plain name")
        if key in out:
            raise CommandError(f"--param {key} given twice")
        if json_values:
            try:
                out[key] = json.loads(value)
            except json.JSONDecodeError:
                out[key] = value
        else:
            out[key] = value
    return out


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in {"W", "F"} else 1 for ch in text)


def _clip(text: str, width: int) -> str:
    if display_width(text) <= width:
        return text
    out, used = [], 0
    for ch in text:
        w = display_width(ch)
        if used + w > width - 1:
            break
        out.append(ch)
        used += w
    return "".join(out) + "…"


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict) and "_node" in value:
        props = value.get("properties", {})
        name = (
            props.get("name") or props.get("title") or props.get("path") or props.get("id") or value["_node"]
        )
        return f"({':'.join(value.get('labels', []))} {name})"
    if isinstance(value, dict) and "_relationship" in value:
        return f"[:{value.get('type')}]"
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, str):
        return value.replace("\n", " ")
    return json.dumps(value, ensure_ascii=False)


def format_table(columns: list[str], rows: list[list[Any]]) -> str:
    """Aligned text table; CJK characters count double so columns line up in a terminal."""
    cells = [[_clip(_cell(v), _CELL_WIDTH) for v in row] for row in rows]
    widths = [display_width(c) for c in columns]
    for row in cells:
        widths = [max(w, display_width(c)) for w, c in zip(widths, row, strict=True)]

    def line(values: list[str]) -> str:
        return "  ".join(
            v + " " * (w - display_width(v)) for v, w in zip(values, widths, strict=True)
        ).rstrip()

    out = [line(columns), line(["-" * w for w in widths])]
    out.extend(line(row) for row in cells)
    return "\n".join(out)


def _list(settings: Settings, as_json: bool) -> int:
    queries = api.named_queries()
    if as_json:
        print(json.dumps([q.to_json() for q in queries.values()], ensure_ascii=False, indent=2))
        return 0
    for q in queries.values():
        print(f"{q.name}\n  {q.description}")
        for p in q.params:
            default = "required" if p.required else f"default {json.dumps(p.default, ensure_ascii=False)}"
            rng = f", {p.minimum}..{p.maximum}" if p.minimum is not None else ""
            print(f"  --param {p.name}=<{p.type}>  ({default}{rng})  {p.description}")
    return 0


def run(args: argparse.Namespace, settings: Settings) -> int:
    if args.list:
        return _list(settings, args.json)
    if bool(args.cypher) == bool(args.query):
        raise CommandError("give either Cypher text or --query NAME (see `zhkg cypher --list`)")
    if settings.cypher_row_limit < 1:
        raise CommandError("--limit must be at least 1")
    if args.query:  # every refusal and failure is a ZhkgError: one line on stderr
        result = api.run_query(settings, args.query, parse_params(args.param, json_values=False))
    else:
        result = api.cypher(settings, args.cypher, parse_params(args.param, json_values=True))
    if args.json:
        print(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
        return 0
    print(format_table(result.columns, result.rows))
    more = f" (truncated at {len(result.rows)}; raise --limit)" if result.truncated else ""
    print(f"{len(result.rows)} row{'s' if len(result.rows) != 1 else ''}{more}, {result.elapsed_s:.2f}s")
    return 0
