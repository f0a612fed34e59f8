"""Cypher page: named queries with parameter forms and a read-only console against Neo4j.

Everything Neo4j-specific (the read-only guard, the named queries, the driver)
belongs to ``graph.neo4j`` and ``graph.neo4j.queries``, imported lazily; this page
only collects input, reports errors as sentences and draws results.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import streamlit as st

from extract.errors import ZhkgError
from ui import PageContext
from ui.viz import VizEdge, VizNode, show

log = logging.getLogger(__name__)

RESULT_GRAPH_MAX = 300


class CypherFailed(ZhkgError, RuntimeError):
    """A query was refused or failed; ``kind`` picks the message (refused, down, failed, missing)."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def _classify(exc: Exception) -> CypherFailed:
    """Map the Neo4j layer's exceptions onto the page's message kinds, by class name so a
    missing module cannot break the mapping."""
    names = {c.__name__ for c in type(exc).__mro__}
    if "ReadOnlyViolation" in names:
        return CypherFailed("refused", str(exc))
    if "QueryParamError" in names:
        return CypherFailed("param", str(exc))
    if "Neo4jUnavailable" in names or "ServiceUnavailable" in names or "AuthError" in names:
        return CypherFailed("down", str(exc))
    return CypherFailed("failed", f"{type(exc).__name__}: {exc}")


def run_console(settings: Any, cypher: str, params: dict[str, Any] | None = None) -> Any:
    """Run an ad-hoc query through the read-only guard."""
    try:
        from graph import api
    except ImportError as exc:
        raise CypherFailed("missing", f"graph.api: {exc}") from None
    try:
        return api.cypher(settings, cypher, params or {})
    except Exception as exc:
        log.info("cypher refused or failed: %s", exc)
        raise _classify(exc) from None


def named_queries() -> dict[str, Any]:
    try:
        from graph import api
    except ImportError as exc:
        raise CypherFailed("missing", f"graph.api: {exc}") from None
    try:
        return dict(api.named_queries())
    except Exception as exc:
        raise CypherFailed("failed", f"{type(exc).__name__}: {exc}") from None


def run_named(settings: Any, name: str, params: dict[str, Any]) -> Any:
    try:
        from graph import api
    except ImportError as exc:
        raise CypherFailed("missing", f"graph.api: {exc}") from None
    try:
        return api.run_query(settings, name, params)
    except Exception as exc:
        raise _classify(exc) from None


def _field(obj: Any, *names: str, default: Any = None) -> Any:
    for name in names:
        if isinstance(obj, dict) and name in obj:
            return obj[name]
        if hasattr(obj, name):
            return getattr(obj, name)
    return default


def form_params(raw: dict[str, tuple[str, bool]]) -> dict[str, Any]:
    """Form strings to pass on: blank optional ones are left out so their defaults apply.

    Typing and range checks belong to ``graph.neo4j.queries`` (which parses strings by
    the declared type), so the page and the CLI accept exactly the same input.
    """
    return {name: value for name, (value, required) in raw.items() if value.strip() or required}


def result_graph(result: Any) -> tuple[list[VizNode], list[VizEdge]]:
    """Nodes and relationships returned by a query, drawn with their entity type colours."""
    nodes = []
    seen = set()
    for n in list(_field(result, "nodes", default=[]) or [])[:RESULT_GRAPH_MAX]:
        nid = str(_field(n, "id", "element_id", default=""))
        if not nid or nid in seen:
            continue
        seen.add(nid)
        props = _field(n, "properties", "props", default={}) or {}
        labels = list(_field(n, "labels", default=[]) or [])
        group = str(props.get("type") or (labels[0] if labels else ""))
        label = str(props.get("name") or props.get("title") or props.get("path") or nid)
        nodes.append(VizNode(nid, label, group, 14.0, title=", ".join(labels)))
    edges = []
    for r in _field(result, "relationships", "rels", default=[]) or []:
        src = str(_field(r, "start", "source", "start_node", default=""))
        dst = str(_field(r, "end", "target", "end_node", default=""))
        rtype = str(_field(r, "type", default=""))
        if src in seen and dst in seen:
            edges.append(VizEdge(src, dst, label=rtype, title=rtype))
    return nodes, edges


def _cell(value: Any) -> Any:
    """A table cell: scalars as they are, nodes as ``(:Label) name``, relationships as ``[:TYPE]``."""
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, dict) and ("_node" in value or "_relationship" in value):
        props = value.get("properties") or {}
        if "_relationship" in value:
            return f"[:{value.get('type', '')}]"
        labels = ":".join(value.get("labels") or [])
        name = props.get("name") or props.get("title") or props.get("path") or value.get("id", "")
        return f"(:{labels}) {name}"
    try:
        return json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        return str(value)


def result_rows(result: Any) -> list[dict[str, Any]]:
    columns = list(_field(result, "columns", default=[]) or [])
    rows = []
    for row in _field(result, "rows", default=[]) or []:
        if isinstance(row, dict):
            rows.append({k: _cell(v) for k, v in row.items()})
        else:
            rows.append({c: _cell(v) for c, v in zip(columns, row, strict=False)})
    return rows


def _show_error(ctx: PageContext, exc: CypherFailed) -> None:
    key = {
        "refused": "readonly_refused",
        "down": "neo4j_down",
        "missing": "queries_unavailable",
        "param": "bad_params",
    }.get(exc.kind, "query_failed")
    st.error(ctx.t(key, err=str(exc)))


def _show_result(ctx: PageContext, result: Any) -> None:
    rows = result_rows(result)
    if not rows:
        st.info(ctx.t("no_rows"))
    else:
        st.markdown(f"**{ctx.t('results_table')}**")
        st.dataframe(rows, hide_index=True)
    if _field(result, "truncated", default=False):
        st.caption(ctx.t("rows_truncated", n=len(rows)))
    nodes, edges = result_graph(result)
    if nodes:
        st.markdown(f"**{ctx.t('results_graph')}**")
        show(nodes, edges, height=460)


def _named_section(ctx: PageContext) -> None:
    t = ctx.t
    st.subheader(t("named_queries"))
    try:
        queries = named_queries()
    except CypherFailed as exc:
        _show_error(ctx, exc)
        return
    if not queries:
        st.caption(t("none"))
        return
    name = st.selectbox(t("named_queries"), sorted(queries), key="cy_named")
    query = queries[name]
    st.caption(str(_field(query, "description", default="")))
    with st.expander("Cypher"):
        st.code(str(_field(query, "text", default="")), language="cypher")
    with st.form(f"cy_form_{name}"):
        raw: dict[str, tuple[str, bool]] = {}
        for p in _field(query, "params", default=[]) or []:
            pname = str(_field(p, "name"))
            kind = str(_field(p, "type", default="string"))
            default = _field(p, "default", default="")
            shown = ",".join(map(str, default)) if isinstance(default, list | tuple) else str(default or "")
            help_text = str(_field(p, "description", default="")) or None
            value = st.text_input(f"{pname} ({kind})", shown, key=f"cy_p_{name}_{pname}", help=help_text)
            raw[pname] = (value, bool(_field(p, "required", default=True)))
        submitted = st.form_submit_button(t("run"))
    if submitted:
        try:
            _show_result(ctx, run_named(ctx.settings, name, form_params(raw)))
        except CypherFailed as exc:
            _show_error(ctx, exc)


def _console_section(ctx: PageContext) -> None:
    t = ctx.t
    st.subheader(t("console"))
    with st.form("cy_console"):
        text = st.text_area(
            t("cypher_text"),
            "MATCH (e:Entity)-[r]->(o:Entity) RETURN e, r, o LIMIT 25",
            height=120,
            key="cy_text",
        )
        submitted = st.form_submit_button(t("run"))
    if submitted and text.strip():
        try:
            _show_result(ctx, run_console(ctx.settings, text))
        except CypherFailed as exc:
            _show_error(ctx, exc)


def render(ctx: PageContext) -> None:
    st.header(ctx.t("page_cypher"))
    if not ctx.settings.neo4j_configured:
        st.info(ctx.t("neo4j_not_configured"))
        return
    _named_section(ctx)
    st.divider()
    _console_section(ctx)
