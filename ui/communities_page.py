"""社群 / Communities page: the community hierarchy, reports, members and a mini-graph."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import streamlit as st

from graph.records import Community
from ui import PageContext
from ui.data import WorkspaceData
from ui.text import plain
from ui.viz import VizEdge, VizNode, node_size, show

MINI_GRAPH_MAX = 40
MEMBERS_LISTED = 80


def hierarchy(communities: list[Community]) -> list[tuple[int, Community]]:
    """(depth, community) in tree order: top-level communities first, children under parents."""
    ids = {c.id for c in communities}
    children: dict[str, list[Community]] = {}
    roots = []
    for c in communities:
        if c.parent and c.parent in ids:
            children.setdefault(c.parent, []).append(c)
        else:
            roots.append(c)
    order: list[tuple[int, Community]] = []

    def walk(node: Community, depth: int) -> None:
        order.append((depth, node))
        for child in sorted(children.get(node.id, []), key=lambda c: -float(c.rank)):
            walk(child, depth + 1)

    for root in sorted(roots, key=lambda c: (-int(c.level), -float(c.rank))):
        walk(root, 0)
    return order


def members_sorted(data: WorkspaceData, community: Community) -> list[str]:
    return sorted(
        (e for e in community.entity_ids if e in data.entities),
        key=lambda e: -data.centrality.get(e, 0.0),
    )


def mini_graph(data: WorkspaceData, community: Community) -> tuple[list[VizNode], list[VizEdge]]:
    """The community's most central members and the relations among them."""
    members = members_sorted(data, community)[:MINI_GRAPH_MAX]
    keep = set(members)
    nodes = [
        VizNode(e, data.entities[e].name, str(data.entities[e].type), node_size(data.centrality.get(e, 0.0)))
        for e in members
    ]
    edges = [
        VizEdge(r.source, r.target, title=str(r.type), width=1.0 + min(r.weight, 6.0) / 2)
        for r in data.relations
        if r.source in keep and r.target in keep
    ]
    return nodes, edges


def _report(report: Mapping[str, Any]) -> None:
    """Render a community report of unknown shape as headings, text and bullet lists."""
    for key, value in report.items():
        if key in {"title", "summary"} or value in ("", [], {}, None):
            continue
        st.markdown(f"**{key}**")
        if isinstance(value, list):
            lines = []
            for item in value:
                if isinstance(item, dict):
                    lines.append("- " + " — ".join(plain(v) for v in item.values() if v not in ("", None)))
                else:
                    lines.append(f"- {plain(item)}")
            st.markdown("\n".join(lines))
        elif isinstance(value, dict):
            st.json(value, expanded=False)
        else:
            st.markdown(plain(value))


def render(ctx: PageContext) -> None:
    t = ctx.t
    st.header(t("page_communities"))
    data = ctx.data()
    if data is None:
        return
    if not data.communities:
        st.info(t("no_communities"))
        return
    tree = hierarchy(data.communities)
    with st.expander(t("page_communities") + f" ({len(tree)})", expanded=False):
        st.markdown(
            "\n".join(
                f"{'  ' * depth}- L{c.level} **{plain(c.title or c.id)}** ({len(c.entity_ids)})"
                for depth, c in tree
            )
        )
    chosen = st.selectbox(
        t("pick_community"),
        [c.id for _, c in tree],
        format_func=lambda cid: next(
            f"{'　' * d}L{c.level} · {c.title or c.id} ({len(c.entity_ids)})" for d, c in tree if c.id == cid
        ),
        key="c_pick",
    )
    com = data.community_by_id.get(chosen or "")
    if com is None:
        return
    st.subheader(plain(com.title or com.id))
    st.caption(f"{t('level')} {com.level} · rank {float(com.rank):.2f}")
    if com.parent and com.parent in data.community_by_id:
        st.markdown(f"**{t('parent')}**: {plain(data.community_by_id[com.parent].title or com.parent)}")
    subs = [c for c in data.communities if c.parent == com.id]
    if subs:
        st.markdown(f"**{t('children')}**: " + "、".join(plain(c.title or c.id) for c in subs))
    if com.summary:
        st.markdown(f"**{t('summary')}**")
        st.markdown(plain(com.summary))
    if com.report:
        with st.expander(t("report")):
            _report(com.report)
    left, right = st.columns([1, 2])
    with left:
        st.markdown(f"**{t('members')}** ({len(com.entity_ids)})")
        members = members_sorted(data, com)
        st.markdown(
            "\n".join(
                f"- {plain(data.entities[e].name)} · {data.entities[e].type}"
                for e in members[:MEMBERS_LISTED]
            )
        )
        if len(members) > MEMBERS_LISTED:
            st.caption(t("more_members", n=len(members) - MEMBERS_LISTED))
    with right:
        nodes, edges = mini_graph(data, com)
        if nodes:
            show(nodes, edges, height=420)
