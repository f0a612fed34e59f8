"""圖譜 / Graph page: the filtered, searchable entity network.

:func:`select_subgraph` is the page's logic (pure, tested without Streamlit):
it applies the filters, keeps the top-N nodes by centrality and reports what
it hid, so the browser only ever draws a graph it can handle.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import streamlit as st

from extract.records import EntityType, Relation, RelationType
from ui import PageContext
from ui.data import WorkspaceData, search
from ui.entity_page import SELECTED, render_detail
from ui.viz import PHYSICS_MAX_NODES, VizEdge, VizNode, legend_html, node_size, show

DEFAULT_MAX_NODES = 60
EDGE_LABELS_MAX = 60  # above this many edges, relation types show on hover only


@dataclass(frozen=True)
class GraphFilters:
    types: tuple[str, ...] = ()  # empty means every type
    community: str = ""
    document: str = ""
    min_degree: int = 0
    relation_types: tuple[str, ...] = ()  # empty means every relation type
    max_nodes: int = DEFAULT_MAX_NODES


@dataclass(frozen=True)
class GraphView:
    nodes: list[str]
    edges: list[Relation]
    hidden_nodes: int = 0
    hidden_edges: int = 0
    focus: str = ""
    neighbours: frozenset[str] = field(default_factory=frozenset)


def select_subgraph(data: WorkspaceData, f: GraphFilters, focus: str = "") -> GraphView:
    """Apply the filters, then keep the ``max_nodes`` most central nodes (the focus always stays)."""
    ids = set(data.entities)
    if f.types:
        ids = {e for e in ids if str(data.entities[e].type) in f.types}
    if f.community:
        chosen = data.community_by_id.get(f.community)
        members = set(chosen.entity_ids if chosen else ())
        ids &= members
    if f.document:
        ids = {e for e in ids if f.document in data.entities[e].doc_ids}
    rels = [
        r
        for r in data.relations
        if r.source in ids and r.target in ids and (not f.relation_types or str(r.type) in f.relation_types)
    ]
    if f.min_degree > 0:
        degree: dict[str, set[str]] = {e: set() for e in ids}
        for r in rels:
            degree[r.source].add(r.target)
            degree[r.target].add(r.source)
        ids = {e for e in ids if len(degree[e]) >= f.min_degree}
        rels = [r for r in rels if r.source in ids and r.target in ids]
    if focus and focus in data.entities:
        ids.add(focus)
    ranked = sorted(ids, key=lambda e: (e != focus, -data.centrality.get(e, 0.0), data.entities[e].name))
    kept = ranked[: max(1, f.max_nodes)] if ranked else []
    kept_set = set(kept)
    edges = [r for r in rels if r.source in kept_set and r.target in kept_set]
    neighbours: set[str] = set()
    if focus in kept_set:
        for r in data.relations_of.get(focus, []):
            neighbours.update((r.source, r.target))
    return GraphView(
        nodes=kept,
        edges=edges,
        hidden_nodes=len(ranked) - len(kept),
        hidden_edges=len(rels) - len(edges),
        focus=focus if focus in kept_set else "",
        neighbours=frozenset(neighbours & kept_set),
    )


def to_viz(data: WorkspaceData, view: GraphView) -> tuple[list[VizNode], list[VizEdge]]:
    """Turn a view into drawing primitives; with a focus, everything not next to it is dimmed."""
    focused = bool(view.focus)
    nodes = [
        VizNode(
            id=e,
            label=data.entities[e].name,
            group=str(data.entities[e].type),
            size=node_size(data.centrality.get(e, 0.0)) * (1.4 if e == view.focus else 1.0),
            title=f"{data.entities[e].name} · {data.entities[e].type} · {data.degree.get(e, 0)}",
            highlight=(not focused) or e in view.neighbours or e == view.focus,
        )
        for e in view.nodes
    ]
    show_labels = len(view.edges) <= EDGE_LABELS_MAX
    edges = [
        VizEdge(
            source=r.source,
            target=r.target,
            label=str(r.type) if show_labels else "",
            width=1.0 + min(r.weight, 8.0) / 2,
            title=str(r.type),
            highlight=focused and view.focus in (r.source, r.target),
        )
        for r in view.edges
    ]
    return nodes, edges


def _filters(ctx: PageContext, data: WorkspaceData) -> GraphFilters:
    t = ctx.t
    with st.expander(t("filters"), expanded=False):
        c1, c2, c3 = st.columns(3)
        types = c1.multiselect(
            t("filter_types"), [str(x) for x in EntityType], format_func=ctx.type_name, key="g_types"
        )
        rtypes = c1.multiselect(t("filter_relations"), [str(x) for x in RelationType], key="g_rtypes")
        coms = sorted(data.communities, key=lambda c: (-int(c.level), -float(c.rank)))
        community = c2.selectbox(
            t("filter_community"),
            ["", *[c.id for c in coms]],
            format_func=lambda c: t("all") if not c else _community_label(data, c),
            key="g_community",
        )
        document = c2.selectbox(
            t("filter_document"),
            ["", *sorted(data.documents, key=lambda d: data.documents[d].path)],
            format_func=lambda d: t("all") if not d else data.doc_label(d),
            key="g_document",
        )
        min_degree = c3.number_input(t("filter_min_degree"), 0, 100, 0, key="g_min_degree")
        max_nodes = c3.number_input(t("filter_max_nodes"), 10, 2000, DEFAULT_MAX_NODES, step=10, key="g_max")
    return GraphFilters(
        types=tuple(types),
        community=community or "",
        document=document or "",
        min_degree=int(min_degree),
        relation_types=tuple(rtypes),
        max_nodes=int(max_nodes),
    )


def _community_label(data: WorkspaceData, cid: str) -> str:
    com = data.community_by_id.get(cid)
    if com is None:
        return cid
    return f"L{com.level} · {com.title or cid} ({len(com.entity_ids)})"


def _search(ctx: PageContext, data: WorkspaceData) -> str:
    """The search box; returns the chosen entity id or ''."""
    query = st.text_input(ctx.t("search"), key="g_search")
    if not query.strip():
        return ""
    hits = search(data, query)
    if not hits:
        st.warning(ctx.t("search_none", q=query))
        return ""
    chosen = st.selectbox(
        ctx.t("search_pick"),
        hits,
        format_func=lambda e: f"{data.entities[e].name} · {data.entities[e].type}",
        key="g_hit",
    )
    return chosen or ""


def render(ctx: PageContext) -> None:
    st.header(ctx.t("page_graph"))
    data = ctx.data()
    if data is None:
        return
    st.caption(
        ctx.t(
            "stats_line",
            **{k: data.stats.get(k, 0) for k in ("documents", "entities", "relations", "communities")},
        )
    )
    focus = _search(ctx, data)
    if focus:
        st.session_state[SELECTED] = focus
    view = select_subgraph(data, _filters(ctx, data), focus)
    if not view.nodes:
        st.warning(ctx.t("graph_empty"))
        return
    all_types = [str(x) for x in EntityType]
    st.markdown(legend_html(all_types, {x: ctx.type_name(x) for x in all_types}), unsafe_allow_html=True)
    if view.hidden_nodes:
        st.info(
            ctx.t(
                "graph_hidden",
                shown=len(view.nodes),
                hidden=view.hidden_nodes,
                hidden_edges=view.hidden_edges,
            )
        )
    else:
        st.caption(ctx.t("graph_summary", nodes=len(view.nodes), edges=len(view.edges)))
    if len(view.nodes) > PHYSICS_MAX_NODES:
        st.caption(ctx.t("physics_off", n=PHYSICS_MAX_NODES))
    nodes, edges = to_viz(data, view)
    show(nodes, edges, height=620)
    if focus:
        st.divider()
        render_detail(ctx, data, focus)
