"""社群 / Communities page: a clickable community tree, each report rendered as text.

Leiden's levels run from 0 (the finest, readable groups) up to the coarse roots. The tree lists the
roots with their sub-communities beneath; a community with exactly its parent's members is folded
into the parent (shown once), and the page opens on the most important level-0 community rather
than on a root that holds most of the graph. ``?community=<id>`` opens one directly. The report is
written out as prose and lists (title, summary, key entities as links, key relations with their
sentences, documents); no key of the stored report dict reaches the screen.
"""

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
MEMBERS_LISTED = 60
REPORT_ENTITIES = 12
REPORT_RELATIONS = 8
REPORT_DOCUMENTS = 10
PICK = "c_pick"
TREE_MIN_MEMBERS = 3  # smaller groups (at 10k documents, a thousand singletons) stay out of the tree
TREE_CHILDREN_MAX = 25  # most important sub-communities listed per parent


def folded(communities: list[Community]) -> list[Community]:
    """The communities without those identical to their parent (same members); a folded one's
    children hang from the parent it repeated."""
    by_id = {c.id: c for c in communities}
    same: dict[str, str] = {}
    for c in communities:
        parent = by_id.get(c.parent)
        if parent is not None and set(parent.entity_ids) == set(c.entity_ids):
            same[c.id] = c.parent

    def keeper(cid: str) -> str:
        seen = set()
        while cid in same and cid not in seen:
            seen.add(cid)
            cid = same[cid]
        return cid

    out = []
    for c in communities:
        if c.id in same:
            continue
        kept = keeper(c.parent) if c.parent else ""
        out.append(c if kept == c.parent else _with_parent(c, kept))
    return out


def _with_parent(c: Community, parent: str) -> Community:
    from dataclasses import replace

    return replace(c, parent=parent)


def hierarchy(communities: list[Community]) -> list[tuple[int, Community]]:
    """(depth, community) in tree order: roots first (most important first), children under parents."""
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


def tree_view(tree: list[tuple[int, Community]], chosen: str = "") -> tuple[list[tuple[int, Community]], int]:
    """The tree as listed: readable communities only (at least :data:`TREE_MIN_MEMBERS` members,
    the :data:`TREE_CHILDREN_MAX` most important under each parent) plus the chosen one; and how
    many were left out (they stay reachable by link)."""
    shown: list[tuple[int, Community]] = []
    per_parent: dict[str, int] = {}
    skip_below: int | None = None
    for depth, c in tree:
        if skip_below is not None:
            if depth > skip_below:
                continue
            skip_below = None
        keep = (
            depth == 0
            or c.id == chosen
            or (len(c.entity_ids) >= TREE_MIN_MEMBERS and per_parent.get(c.parent, 0) < TREE_CHILDREN_MAX)
        )
        if not keep:
            skip_below = depth
            continue
        per_parent[c.parent] = per_parent.get(c.parent, 0) + 1
        shown.append((depth, c))
    return shown, len(tree) - len(shown)


def default_community(communities: list[Community]) -> str:
    """The community the page opens on: the most important one at level 0 (readable size)."""
    if not communities:
        return ""
    low = min(int(c.level) for c in communities)
    level = [c for c in communities if int(c.level) == low]
    readable = [c for c in level if len(c.entity_ids) >= TREE_MIN_MEMBERS] or level
    best = max(readable, key=lambda c: (float(c.rank), -len(c.entity_ids)))
    return best.id


def members_sorted(data: WorkspaceData, community: Community) -> list[str]:
    return sorted(
        (e for e in community.entity_ids if e in data.entities),
        key=lambda e: -data.centrality.get(e, 0.0),
    )


def mini_graph(
    data: WorkspaceData, community: Community, lang: str = "zh"
) -> tuple[list[VizNode], list[VizEdge]]:
    """The community's most central members and the relations among them."""
    from ui.i18n import relation_name, type_name

    members = members_sorted(data, community)[:MINI_GRAPH_MAX]
    keep = set(members)
    nodes = [
        VizNode(
            e,
            data.entities[e].name,
            str(data.entities[e].type),
            node_size(data.centrality.get(e, 0.0)),
            title=f"{data.entities[e].name} · {type_name(data.entities[e].type, lang)}",
        )
        for e in members
    ]
    edges = [
        VizEdge(r.source, r.target, title=relation_name(r.type, lang), width=1.0 + min(r.weight, 6.0) / 2)
        for r in data.relations_among(keep)
        if r.source != r.target
    ]
    return nodes, edges


def report_markdown(ctx: PageContext, data: WorkspaceData, report: Mapping[str, Any]) -> list[str]:
    """The stored report as Markdown blocks: key entities, key relations with a sentence each,
    documents. Unknown keys are left out rather than dumped."""
    t = ctx.t
    blocks: list[str] = []
    ents = [e for e in report.get("entities") or [] if isinstance(e, Mapping)]
    if ents:
        items = []
        for e in ents[:REPORT_ENTITIES]:
            name = plain(e.get("name") or data.entity_name(str(e.get("id", ""))))
            kind = ctx.type_name(e.get("type", "")) if e.get("type") else ""
            eid = str(e.get("id", ""))
            label = f"[{name}](entity?entity={eid})" if eid in data.entities else name
            items.append(f"{label}（{kind}）" if kind else label)
        blocks.append(f"**{t('key_entities')}**：" + "、".join(items))
    rels = [r for r in report.get("relations") or [] if isinstance(r, Mapping)]
    if rels:
        lines = [f"**{t('key_relations')}**"]
        for r in rels[:REPORT_RELATIONS]:
            src, dst = plain(r.get("source", "")), plain(r.get("target", ""))
            head = f"- **{src}** {ctx.relation_name(r.get('type', ''))} **{dst}**"
            evidence = [ev for ev in r.get("evidence") or [] if isinstance(ev, Mapping) and ev.get("text")]
            if evidence:
                ev = evidence[0]
                head += f"  \n  「{plain(ev['text'])}」— {plain(data.doc_label(str(ev.get('doc_id', ''))))}"
            lines.append(head)
        blocks.append("\n".join(lines))
    docs = [d for d in report.get("documents") or [] if isinstance(d, Mapping)]
    if docs:
        lines = [f"**{t('its_documents_short')}**"]
        for d in docs[:REPORT_DOCUMENTS]:
            did = str(d.get("doc_id", ""))
            title = plain(d.get("title") or data.doc_label(did))
            n = d.get("entities")
            lines.append(f"- {title}" + (f"（{t('entities_in_doc', n=n)}）" if n else ""))
        if len(docs) > REPORT_DOCUMENTS:
            lines.append(f"- {t('more_items', n=len(docs) - REPORT_DOCUMENTS)}")
        blocks.append("\n".join(lines))
    return blocks


def _pick(data: WorkspaceData, tree: list[tuple[int, Community]]) -> str:
    ids = {c.id for _, c in tree}
    linked = st.query_params.get("community")
    if linked and linked in ids and st.session_state.get("_c_linked") != linked:
        st.session_state[PICK] = linked
        st.session_state["_c_linked"] = linked
    chosen = st.session_state.get(PICK)
    if chosen not in ids:
        chosen = default_community([c for _, c in tree])
        st.session_state[PICK] = chosen
    return str(chosen)


def _choose(cid: str) -> None:
    st.session_state[PICK] = cid
    st.session_state["_c_linked"] = cid
    st.query_params["community"] = cid


def _tree(ctx: PageContext, tree: list[tuple[int, Community]], chosen: str) -> None:
    """Roots as expanders, their descendants as indented buttons; the open branch is expanded."""
    by_id = {c.id: c for _, c in tree}
    open_ids = set()
    cur = by_id.get(chosen)
    while cur is not None:
        open_ids.add(cur.id)
        cur = by_id.get(cur.parent)
    groups: list[list[tuple[int, Community]]] = []
    for depth, c in tree:
        if depth == 0:
            groups.append([])
        groups[-1].append((depth, c))
    for group in groups:
        root = group[0][1]
        title = ctx.t(
            "community_option", level=root.level, title=root.title or root.id, n=len(root.entity_ids)
        )
        with st.expander(title, expanded=root.id in open_ids):
            for depth, c in group:
                label = ("　" * depth) + f"{c.title or c.id}（{len(c.entity_ids)}）"
                st.button(
                    label,
                    key=f"c_tree_{c.id}",
                    on_click=_choose,
                    args=(c.id,),
                    type="primary" if c.id == chosen else "tertiary",
                )


def render(ctx: PageContext) -> None:
    t = ctx.t
    st.header(t("page_communities"))
    data = ctx.data()
    if data is None:
        return
    if not data.communities:
        st.info(t("no_communities"))
        return
    coms = folded(data.communities)
    tree = hierarchy(coms)
    by_id = {c.id: c for c in coms}
    chosen = _pick(data, tree)
    left, right = st.columns([1, 2.4])
    with left:
        listed, left_out = tree_view(tree, chosen)
        st.markdown(f"**{t('community_tree')}**（{len(tree)}）")
        _tree(ctx, listed, chosen)
        if left_out:
            st.caption(t("tree_left_out", n=left_out, min=TREE_MIN_MEMBERS))
    com = by_id.get(chosen)
    if com is None:
        return
    with right:
        st.subheader(plain(com.title or com.id))
        st.caption(
            t("community_facts", level=com.level, n=len(com.entity_ids), rank=f"{float(com.rank):.2f}")
        )
        parent = by_id.get(com.parent)
        if parent is not None:
            st.button(
                f"↑ {t('parent')}：{parent.title or parent.id}",
                key="c_parent_btn",
                on_click=_choose,
                args=(parent.id,),
            )
        subs = sorted((c for c in coms if c.parent == com.id), key=lambda c: -float(c.rank))
        readable = [c for c in subs if len(c.entity_ids) >= TREE_MIN_MEMBERS]
        subs = (readable or subs)[:TREE_CHILDREN_MAX]
        if subs:
            st.markdown(f"**{t('children')}**")
            cols = st.columns(min(3, len(subs)))
            for i, c in enumerate(subs):
                cols[i % len(cols)].button(
                    f"{c.title or c.id}（{len(c.entity_ids)}）",
                    key=f"c_sub_{c.id}",
                    on_click=_choose,
                    args=(c.id,),
                )
        if com.summary:
            st.markdown(f"**{t('summary')}**")
            st.markdown(plain(com.summary))
        for block in report_markdown(ctx, data, com.report or data.report_of.get(com.id, {})):
            st.markdown(block)
        nodes, edges = mini_graph(data, com, ctx.lang)
        if nodes:
            st.markdown(f"**{t('community_graph')}**")
            show(nodes, edges, height=460)
        members = members_sorted(data, com)
        with st.expander(f"{t('members')}（{len(com.entity_ids)}）"):
            st.markdown(
                "、".join(
                    f"[{plain(data.entities[e].name)}](entity?entity={e})" for e in members[:MEMBERS_LISTED]
                )
            )
            if len(members) > MEMBERS_LISTED:
                st.caption(t("more_members", n=len(members) - MEMBERS_LISTED))
