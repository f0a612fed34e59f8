"""圖譜 / Graph page: the filtered, searchable, clickable entity network.

The page's logic is pure and tested without Streamlit: :func:`select_subgraph` applies the filters,
keeps the top-N nodes by centrality and adds the neighbours of expanded nodes (depth 1–2, capped);
:func:`aggregate` turns a view too large to draw into one node per community; :func:`to_payload`
turns either into vis-network data; :mod:`ui.export` writes the view as GraphML or JSON. The
drawing is a bidirectional component (:mod:`ui.graph_component`): a click selects a node and the
details panel beside the graph shows it, a double click (or the panel's 展開 button) expands it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import streamlit as st

from extract.records import EntityType, Relation, RelationType
from graph.records import Community
from ui import PageContext, links
from ui.data import WorkspaceData, evidence_for, search
from ui.entity_page import SELECTED
from ui.graph_component import GraphPayload, network
from ui.text import plain
from ui.viz import OTHER_COLOR, TYPE_COLORS, legend_html

DEFAULT_MAX_NODES = 60
DRAW_MAX = 300  # the most nodes the page will draw one by one
AGGREGATE_OVER = 150  # in "auto", a view of more nodes than this is drawn by community
EXPAND_CAP = 25  # neighbours an expansion adds per node and depth step
EDGE_LABELS_MAX = 60  # above this many edges, relation types show on hover only
PANEL_RELATIONS = 6
EXPANDED = "g_expanded"  # session: entity id → depth
PENDING_COMMUNITY = "g_pending_community"
COMMUNITY_PREFIX = "community:"
COMMUNITY_COLORS = ("#4477AA", "#EE6677", "#228833", "#CCBB44", "#66CCEE", "#AA3377", "#332288", "#999933")


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
    expanded_added: int = 0  # nodes present only because a node was expanded


@dataclass(frozen=True)
class CommunityNode:
    id: str  # community id, or "" for the entities outside every community of that level
    title: str
    members: int  # members within the filtered set
    top: tuple[str, ...]  # most central member ids (for the tooltip)


@dataclass(frozen=True)
class AggregateView:
    level: int
    nodes: list[CommunityNode]
    edges: list[tuple[str, str, int]]  # (community, community, relations between them)
    total: int  # entities the filter left


SMALL_SET = 3000  # a filtered set up to this size reads its relations by id, a larger one scans


def _candidates(data: WorkspaceData, f: GraphFilters) -> set[str]:
    """The entities the type, community and document filters leave (no relation is read)."""
    ids = set(data.entities)
    if f.types:
        ids = {e for e in ids if str(data.entities[e].type) in f.types}
    if f.community:
        chosen = data.community_by_id.get(f.community)
        ids &= set(chosen.entity_ids if chosen else ())
    if f.document:
        ids &= set(data.document_entities(f.document))
    return ids


def _pairs(data: WorkspaceData, ids: set[str], f: GraphFilters) -> Iterator[tuple[str, str]]:
    """(source, target) of the relations inside ``ids`` that pass the relation-type filter: read by
    id for a small set, by one scan of two columns for a large one (never with evidence)."""
    if len(ids) <= SMALL_SET:
        rows: Iterable[tuple[str, str, str]] = (
            (r.source, r.target, str(r.type)) for r in data.relations_among(ids)
        )
    else:
        rows = data.light_edges()
    for source, target, rtype in rows:
        if source in ids and target in ids and (not f.relation_types or rtype in f.relation_types):
            yield source, target


def _filtered(data: WorkspaceData, f: GraphFilters) -> tuple[set[str], int]:
    """The entities every filter leaves, and how many relations lie among them.

    The default view (no filter) counts nothing: every entity stays and the stats line has the
    relation count, so a first render reads no relation beyond those it draws."""
    ids = _candidates(data, f)
    if not f.relation_types and f.min_degree <= 0 and len(ids) == len(data.entities):
        return ids, int(data.stats.get("relations", 0))
    if f.min_degree <= 0:
        return ids, sum(1 for _ in _pairs(data, ids, f))
    pairs = list(_pairs(data, ids, f))
    neighbours: dict[str, set[str]] = {e: set() for e in ids}
    for a, b in pairs:
        neighbours[a].add(b)
        neighbours[b].add(a)
    ids = {e for e in ids if len(neighbours[e]) >= f.min_degree}
    return ids, sum(1 for a, b in pairs if a in ids and b in ids)


def expansion(data: WorkspaceData, expanded: dict[str, int], cap: int = EXPAND_CAP) -> set[str]:
    """The nodes expanded nodes bring in: up to ``cap`` most central neighbours per node and step,
    ``depth`` steps out (1 or 2)."""
    out: set[str] = set()
    for eid, depth in expanded.items():
        if eid not in data.entities:
            continue
        frontier = {eid}
        for _ in range(max(1, min(2, depth))):
            nxt: set[str] = set()
            for node in frontier:
                others = {r.target if r.source == node else r.source for r in data.relations_of.get(node, [])}
                others -= {eid} | out
                best = sorted(others, key=lambda e: (-data.centrality.get(e, 0.0), data.entities[e].name))
                nxt.update(best[:cap])
            out |= nxt
            frontier = nxt
        out.add(eid)
    return out


def select_subgraph(
    data: WorkspaceData, f: GraphFilters, focus: str = "", expanded: dict[str, int] | None = None
) -> GraphView:
    """Apply the filters, keep the ``max_nodes`` most central nodes (the focus always stays), then
    add what expanded nodes bring in (beyond the filters and the top-N: the user asked for them).

    Only the relations among the kept nodes are read, without evidence."""
    ids, inside = _filtered(data, f)
    if focus and focus in data.entities:
        ids.add(focus)
    ranked = sorted(ids, key=lambda e: (e != focus, -data.centrality.get(e, 0.0), data.entities[e].name))
    kept = ranked[: max(1, f.max_nodes)] if ranked else []
    kept_set = set(kept)
    added = [e for e in sorted(expansion(data, expanded or {})) if e not in kept_set]
    added = added[: max(0, DRAW_MAX - len(kept))]
    kept_set.update(added)
    kept.extend(added)
    added_set = set(added)
    edges: list[Relation] = []
    base = 0  # drawn relations that the filters keep (the rest of ``inside`` is hidden)
    for r in data.relations_among(kept_set):
        in_filter = (
            r.source in ids and r.target in ids and (not f.relation_types or str(r.type) in f.relation_types)
        )
        base += in_filter
        # relations to expanded neighbours count too (they may lie outside the filter)
        if in_filter or r.source in added_set or r.target in added_set:
            edges.append(r)
    neighbours: set[str] = set()
    if focus in kept_set:
        for r in data.relations_of.get(focus, []):
            neighbours.update((r.source, r.target))
    return GraphView(
        nodes=kept,
        edges=edges,
        hidden_nodes=max(0, len(ranked) - (len(kept) - len(added))),
        hidden_edges=max(0, inside - base),
        focus=focus if focus in kept_set else "",
        neighbours=frozenset(neighbours & kept_set),
        expanded_added=len(added),
    )


def aggregate(data: WorkspaceData, f: GraphFilters, target: int = 40) -> AggregateView:
    """One node per community for a filter that leaves too many nodes to draw.

    The level is the coarsest one that splits the filtered entities into at least a few groups
    (clicking a group filters to it, where the next level down takes over)."""
    ids, _ = _filtered(data, f)
    levels = sorted({int(c.level) for c in data.communities}, reverse=True)
    chosen_level, groups = 0, {}
    for level in levels or [0]:
        groups = {
            c.id: [e for e in c.entity_ids if e in ids]
            for c in data.communities
            if int(c.level) == level and c.id != f.community
        }
        groups = {k: v for k, v in groups.items() if v}
        chosen_level = level
        if len(groups) >= 4 or level == levels[-1]:
            break
    ranked = sorted(groups, key=lambda c: -len(groups[c]))[:target]
    by_id = data.community_by_id
    member_of: dict[str, str] = {}
    for cid in ranked:
        for e in groups[cid]:
            member_of.setdefault(e, cid)
    rest = [e for e in ids if e not in member_of]
    nodes = [
        CommunityNode(
            id=cid,
            title=by_id[cid].title or cid,
            members=len(groups[cid]),
            top=tuple(sorted(groups[cid], key=lambda e: -data.centrality.get(e, 0.0))[:5]),
        )
        for cid in ranked
    ]
    if rest:
        nodes.append(
            CommunityNode(
                id="",
                title="",
                members=len(rest),
                top=tuple(sorted(rest, key=lambda e: -data.centrality.get(e, 0.0))[:5]),
            )
        )
        for e in rest:
            member_of[e] = ""
    links: dict[tuple[str, str], int] = {}
    for src, dst in _pairs(data, ids, f):
        a, b = member_of.get(src), member_of.get(dst)
        if a is None or b is None or a == b:
            continue
        key = (a, b) if a < b else (b, a)
        links[key] = links.get(key, 0) + 1
    return AggregateView(
        level=chosen_level,
        nodes=nodes,
        edges=[(a, b, n) for (a, b), n in sorted(links.items())],
        total=len(ids),
    )


def _tooltip(ctx: PageContext, data: WorkspaceData, eid: str) -> str:
    ent = data.entities[eid]
    return "\n".join(
        (
            ent.name,
            f"{ctx.t('type')}：{ctx.type_name(ent.type)}",
            f"{ctx.t('degree')}：{data.degree.get(eid, 0)}",
            f"{ctx.t('mentions')}：{ent.mention_count}",
            ctx.t("graph_click_hint"),
        )
    )


def to_payload(
    ctx: PageContext, data: WorkspaceData, view: GraphView, *, layout: str = "force"
) -> GraphPayload:
    """vis-network data for a view: colour by type, value by centrality (labels scale with it),
    dimmed when a focus is set and the node is not next to it; in the hierarchical layout each
    node's level is its community's place among the view's communities."""
    focused = bool(view.focus)
    levels: dict[str, int] = {}
    if layout == "hierarchical":
        finest = _finest_community(data, view.nodes)
        order = sorted(set(finest.values()), key=lambda c: (c == "", c))
        levels = {e: order.index(c) for e, c in finest.items()}
    nodes = []
    for e in view.nodes:
        ent = data.entities[e]
        lit = (not focused) or e in view.neighbours or e == view.focus
        color = TYPE_COLORS.get(str(ent.type), OTHER_COLOR) if lit else "#DDDDDD"
        node = {
            "id": e,
            "label": ent.name,
            "title": _tooltip(ctx, data, e),
            "value": round(1 + 99 * data.centrality.get(e, 0.0) * (1.4 if e == view.focus else 1.0), 3),
            "color": {"background": color, "border": "#1f2430" if e == view.focus else color},
            "font": {"color": "#1f2430" if lit else "#9aa0a8"},
            "group": str(ent.type),
        }
        if levels:
            node["level"] = levels.get(e, 0)
        nodes.append(node)
    show_labels = len(view.edges) <= EDGE_LABELS_MAX
    edges = []
    for r in view.edges:
        name = ctx.relation_name(r.type)
        lit = focused and view.focus in (r.source, r.target)
        edges.append(
            {
                "id": r.id,
                "from": r.source,
                "to": r.target,
                "label": name if show_labels and r.type != "RELATED_TO" else "",
                "title": f"{data.entity_name(r.source)} —{name}→ {data.entity_name(r.target)}\n"
                f"{ctx.t('weight')}：{r.weight:g}",
                "width": round(1.0 + min(r.weight, 8.0) / 2, 2),
                "arrows": {"to": {"enabled": r.type != "RELATED_TO"}},
                "color": {"color": "#E8590C" if lit else "#aab2bf"},
                "dashes": r.type == "RELATED_TO",
            }
        )
    return GraphPayload(nodes=nodes, edges=edges, layout=layout, focus=view.focus, labels=_labels(ctx))


def aggregate_payload(ctx: PageContext, agg: AggregateView) -> GraphPayload:
    top = max((n.members for n in agg.nodes), default=1)
    nodes = []
    for i, n in enumerate(agg.nodes):
        title = n.title or ctx.t("graph_other_group")
        short = title if len(title) <= 16 else title[:15] + "…"
        nodes.append(
            {
                "id": COMMUNITY_PREFIX + n.id,
                "label": f"{short}（{n.members}）",
                "font": {"size": 22},
                "scaling": {"label": {"enabled": False}},
                "title": f"{title}\n{ctx.t('members')}：{n.members}\n{ctx.t('graph_community_hint')}",
                "value": round(1 + 99 * (n.members / top), 3),
                "color": COMMUNITY_COLORS[i % len(COMMUNITY_COLORS)] if n.id else OTHER_COLOR,
                "shape": "dot",
            }
        )
    strongest: set[tuple[str, str]] = set()  # each group's 3 strongest links: a readable skeleton
    for node in agg.nodes:
        mine = sorted((e for e in agg.edges if node.id in e[:2]), key=lambda e: -e[2])[:3]
        strongest.update((a, b) for a, b, _ in mine)
    edges = [
        {
            "id": f"{a}|{b}",
            "from": COMMUNITY_PREFIX + a,
            "to": COMMUNITY_PREFIX + b,
            "title": ctx.t("graph_links_between", n=k),
            "width": round(1.0 + min(k, 40) / 5, 2),
            "arrows": {"to": {"enabled": False}},
        }
        for a, b, k in agg.edges
        if (a, b) in strongest
    ]
    return GraphPayload(nodes=nodes, edges=edges, labels=_labels(ctx), name="main", spread=2.2)


def _finest_community(data: WorkspaceData, ids: list[str]) -> dict[str, str]:
    by_id = data.community_by_id
    out = {}
    for e in ids:
        coms = [by_id[c] for c in data.communities_of.get(e, []) if c in by_id]
        out[e] = min(coms, key=lambda c: (int(c.level), len(c.entity_ids))).id if coms else ""
    return out


def _labels(ctx: PageContext) -> dict[str, str]:
    return {
        "zoom_in": ctx.t("zoom_in"),
        "zoom_out": ctx.t("zoom_out"),
        "fit": ctx.t("fit"),
        "fullscreen": ctx.t("fullscreen"),
        "png": ctx.t("export_png"),
        "hint": ctx.t("graph_hint"),
    }


def _filters(ctx: PageContext, data: WorkspaceData) -> GraphFilters:
    t = ctx.t
    with st.expander(t("filters"), expanded=False):
        c1, c2, c3 = st.columns(3)
        types = c1.multiselect(
            t("filter_types"),
            [str(x) for x in EntityType],
            format_func=ctx.type_name,
            placeholder=t("choose"),
            key="g_types",
        )
        rtypes = c1.multiselect(
            t("filter_relations"),
            [str(x) for x in RelationType],
            format_func=ctx.relation_name,
            placeholder=t("choose"),
            key="g_rtypes",
        )
        # communities of a readable size (a large workspace has a thousand singletons), plus the chosen one
        by_id = data.community_by_id
        picked = st.session_state.get("g_community", "")
        coms = sorted(
            (c for c in data.communities if len(c.entity_ids) >= 3 or c.id == picked),
            key=lambda c: (int(c.level), -float(c.rank)),
        )
        community = c2.selectbox(
            t("filter_community"),
            ["", *[c.id for c in coms]],
            format_func=lambda c: t("all") if not c else _community_label(ctx, by_id, c),
            key="g_community",
        )
        document = c2.selectbox(
            t("filter_document"),
            ["", *data.doc_titles],
            format_func=lambda d: t("all") if not d else data.doc_label(d),
            key="g_document",
        )
        min_degree = c3.number_input(t("filter_min_degree"), 0, 100, 0, key="g_min_degree")
        max_nodes = c3.number_input(
            t("filter_max_nodes"), 10, DRAW_MAX, DEFAULT_MAX_NODES, step=10, key="g_max"
        )
    return GraphFilters(
        types=tuple(types),
        community=community or "",
        document=document or "",
        min_degree=int(min_degree),
        relation_types=tuple(rtypes),
        max_nodes=int(max_nodes),
    )


def _community_label(ctx: PageContext, by_id: dict[str, Community], cid: str) -> str:
    com = by_id.get(cid)
    if com is None:
        return cid
    return ctx.t("community_option", level=com.level, title=com.title or cid, n=len(com.entity_ids))


def _search(ctx: PageContext, data: WorkspaceData, box: object) -> str:
    """The search box; returns the chosen entity id or ''."""
    query = box.text_input(ctx.t("search"), key="g_search")  # type: ignore[attr-defined]
    if not query.strip():
        return ""
    hits = search(data, query)
    if not hits:
        st.warning(ctx.t("search_none", q=query))
        return ""
    chosen = st.selectbox(
        ctx.t("search_pick"),
        hits,
        format_func=lambda e: f"{data.entities[e].name} · {ctx.type_name(data.entities[e].type)}",
        key="g_hit",
    )
    return chosen or ""


def _lang_key(ctx: PageContext, key: str) -> str:
    """A radio's key per language: Streamlit keeps a radio's choice as its shown label, which the
    language toggle changes, so each language keeps its own (the zh-TW key stays the plain one)."""
    return key if ctx.lang == "zh" else f"{key}_{ctx.lang}"


def _expanded() -> dict[str, int]:
    value: dict[str, int] = st.session_state.setdefault(EXPANDED, {})
    return value


def _panel(ctx: PageContext, data: WorkspaceData, eid: str, depth: int) -> None:
    """The details panel beside the graph: type, aliases, top relations with a sentence each."""
    t = ctx.t
    ent = data.entities.get(eid)
    if ent is None:
        st.caption(t("panel_empty"))
        return
    st.markdown(f"#### {plain(ent.name)}")
    st.markdown(
        f"**{t('type')}**：{ctx.type_name(ent.type)}  \n"
        f"**{t('mentions')}**：{ent.mention_count} · **{t('degree')}**：{data.degree.get(eid, 0)}  \n"
        f"**{t('aliases')}**：{plain('、'.join(ent.aliases)) if ent.aliases else t('none')}"
    )
    expanded = _expanded()
    if st.button(t("expand"), key="g_expand_btn"):
        expanded[eid] = depth
        st.rerun()
    links.page_link("entity", t("open_entity"), {"entity": eid})
    if eid in expanded and st.button(t("collapse"), key="g_collapse_btn"):
        expanded.pop(eid, None)
        st.rerun()
    seen: set[str] = set()
    lines = []
    for rel, ev in evidence_for(data, eid, limit=PANEL_RELATIONS * 3):
        if rel.id in seen:
            continue
        seen.add(rel.id)
        other = rel.target if rel.source == eid else rel.source
        arrow = "→" if rel.source == eid else "←"
        lines.append(
            f"- {ctx.relation_name(rel.type)} {arrow} **{plain(data.entity_name(other))}**  \n"
            f"  <small>「{plain(ev.text[:120])}」— {plain(data.doc_label(ev.doc_id))}</small>"
        )
        if len(lines) >= PANEL_RELATIONS:
            break
    st.markdown(f"**{t('top_relations')}**")
    st.markdown("\n".join(lines) if lines else t("no_evidence"), unsafe_allow_html=True)
    rows = evidence_rows(ctx, data, eid)
    if rows:
        from ui.export import rows_csv

        st.download_button(
            t("export_evidence_csv", n=len(rows)),
            rows_csv(rows),
            file_name=f"zhkg-evidence-{eid}.csv",
            mime="text/csv",
            key="g_dl_evidence",
            on_click="ignore",  # a download needs no rerun of the page (costly on a big workspace)
        )


def evidence_rows(ctx: PageContext, data: WorkspaceData, eid: str) -> list[dict[str, object]]:
    """Every evidence sentence of the entity's relations as table rows (the panel's CSV download),
    headed and typed in the UI language."""
    t = ctx.t
    rows: list[dict[str, object]] = []
    for rel, ev in evidence_for(data, eid):
        other = rel.target if rel.source == eid else rel.source
        rows.append(
            {
                t("filter_relations"): ctx.relation_name(rel.type),
                t("page_entity"): data.entity_name(other),
                t("evidence"): ev.text,
                t("document"): data.doc_label(ev.doc_id),
            }
        )
    return rows


def render(ctx: PageContext) -> None:
    t = ctx.t
    # the graph should fit the first screen: less of Streamlit's top padding on this page
    st.markdown(
        '<style>[data-testid="stMainBlockContainer"]{padding:2.2rem 1.5rem 2rem 1.5rem}</style>',
        unsafe_allow_html=True,
    )
    st.header(t("page_graph"))
    data = ctx.data()
    if data is None:
        return
    pending = st.session_state.pop(PENDING_COMMUNITY, "")
    if pending:
        st.session_state["g_community"] = pending
    st.caption(
        t(
            "stats_line",
            **{k: data.stats.get(k, 0) for k in ("documents", "entities", "relations", "communities")},
        )
    )
    top = st.columns([3, 2, 1])
    focus = _search(ctx, data, top[0])
    layout = top[1].radio(
        t("layout"),
        ["force", "hierarchical"],
        format_func=lambda x: t(f"layout_{x}"),
        horizontal=True,
        key=_lang_key(ctx, "g_layout"),
    )
    depth = int(top[2].radio(t("expand_depth"), [1, 2], horizontal=True, key="g_depth") or 1)
    filters = _filters(ctx, data)
    if focus and st.session_state.get("g_last_focus") != focus:  # a new search hit selects it once;
        st.session_state[SELECTED] = focus  # a later click elsewhere is not undone by the search box
    st.session_state["g_last_focus"] = focus
    mode = st.session_state.get(_lang_key(ctx, "g_mode"), "auto")
    view = select_subgraph(data, filters, focus, _expanded())
    if not view.nodes:
        st.warning(t("graph_empty"))
        return
    total = view.hidden_nodes + len(view.nodes) - view.expanded_added
    aggregated = mode == "communities" or (
        mode == "auto" and filters.max_nodes > AGGREGATE_OVER and total > AGGREGATE_OVER and not focus
    )
    graph_col, panel_col = st.columns([3.2, 1])
    with graph_col:
        if aggregated and data.communities:
            agg = aggregate(data, filters)
            payload = aggregate_payload(ctx, agg)
            st.caption(t("graph_aggregated", groups=len(agg.nodes), total=agg.total))
        else:
            payload = to_payload(ctx, data, view, layout=str(layout or "force"))
        event = network(payload, key="g_network")
        st.markdown(
            legend_html([str(x) for x in EntityType], {str(x): ctx.type_name(x) for x in EntityType}),
            unsafe_allow_html=True,
        )
        if view.hidden_nodes and not aggregated:
            st.info(
                t(
                    "graph_hidden",
                    shown=len(view.nodes),
                    hidden=view.hidden_nodes,
                    hidden_edges=view.hidden_edges,
                )
            )
        elif not aggregated:
            st.caption(t("graph_summary", nodes=len(view.nodes), edges=len(view.edges)))
        st.radio(
            t("graph_mode"),
            ["auto", "entities", "communities"],
            format_func=lambda x: t(f"graph_mode_{x}"),
            horizontal=True,
            key=_lang_key(ctx, "g_mode"),
        )
        _exports(ctx, data, view)
    if event.select.startswith(COMMUNITY_PREFIX):
        cid = event.select[len(COMMUNITY_PREFIX) :]
        if cid:  # widgets already drawn this run: apply on the next one
            st.session_state[PENDING_COMMUNITY] = cid
            st.rerun()
    elif event.select:
        st.session_state[SELECTED] = event.select
    if event.expand and not event.expand.startswith(COMMUNITY_PREFIX):
        _expanded()[event.expand] = depth
        st.session_state[SELECTED] = event.expand
        st.rerun()
    with panel_col:
        chosen = st.session_state.get(SELECTED, "") or focus
        if chosen in data.entities:
            _panel(ctx, data, chosen, depth)
        else:
            st.caption(t("panel_empty"))
        if _expanded() and st.button(t("reset_expanded"), key="g_reset"):
            st.session_state[EXPANDED] = {}
            st.rerun()


def _exports(ctx: PageContext, data: WorkspaceData, view: GraphView) -> None:
    """GraphML and JSON of the view, written when the button is clicked (deferred: each reads the
    view's evidence sentences, which a render that nobody downloads should not pay for)."""
    from ui.export import view_graphml, view_json

    nodes, edges = list(view.nodes), list(view.edges)
    c1, c2 = st.columns(2)
    c1.download_button(
        ctx.t("export_graphml"),
        lambda: view_graphml(data, nodes, edges),
        file_name="zhkg-view.graphml",
        mime="application/graphml+xml",
        key="g_dl_graphml",
        on_click="ignore",  # a download needs no rerun of the page (costly on a big workspace)
    )
    c2.download_button(
        ctx.t("export_json"),
        lambda: view_json(data, nodes, edges),
        file_name="zhkg-view.json",
        mime="application/json",
        key="g_dl_json",
        on_click="ignore",  # a download needs no rerun of the page (costly on a big workspace)
    )
