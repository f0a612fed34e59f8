"""實體 / Entity page: everything the workspace knows about one entity, with its evidence.

:func:`render_detail` is shared with the Graph page so that a search there
shows the same evidence view.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

import streamlit as st

from ui import PageContext
from ui.data import WorkspaceData, chunk_text, evidence_for, search
from ui.text import plain, plain_rows

SELECTED = "entity_id"  # session key shared by the Graph and Entity pages


def neighbours_by_type(data: WorkspaceData, entity_id: str) -> dict[str, list[tuple[str, str, float]]]:
    """relation type → [(neighbour id, arrow, weight)], strongest first; the arrow shows direction
    (↔ for symmetric types such as RELATED_TO)."""
    from graph.records import SYMMETRIC

    out: dict[str, list[tuple[str, str, float]]] = defaultdict(list)
    for rel in data.relations_of.get(entity_id, []):
        if rel.type in SYMMETRIC:
            out[str(rel.type)].append(
                (rel.target if rel.source == entity_id else rel.source, "↔", rel.weight)
            )
        elif rel.source == entity_id:
            out[str(rel.type)].append((rel.target, "→", rel.weight))
        else:
            out[str(rel.type)].append((rel.source, "←", rel.weight))
    return {k: sorted(v, key=lambda x: -x[2]) for k, v in sorted(out.items())}


def evidence_rows(data: WorkspaceData, entity_id: str, lang: str = "zh") -> list[dict[str, Any]]:
    """One row per evidence sentence: relation, other entity, sentence, document, chunk."""
    from ui.i18n import tr

    rows = []
    for rel, ev in evidence_for(data, entity_id):
        other = rel.target if rel.source == entity_id else rel.source
        rows.append(
            {
                tr("type", lang): str(rel.type),
                tr("page_entity", lang): data.entity_name(other),
                tr("evidence", lang): ev.text,
                tr("document", lang): data.doc_label(ev.doc_id),
                tr("chunk", lang): ev.chunk_id,
            }
        )
    return rows


def entity_options(data: WorkspaceData) -> list[str]:
    """Entity ids ordered by centrality, the order the picker offers them."""
    return sorted(data.entities, key=lambda e: (-data.centrality.get(e, 0.0), data.entities[e].name))


def render_detail(ctx: PageContext, data: WorkspaceData, entity_id: str, *, heading: bool = True) -> None:
    """The full entity view: facts, neighbours, evidence with documents and chunks, communities."""
    ent = data.entities.get(entity_id)
    if ent is None:
        st.warning(ctx.t("no_entities"))
        return
    t = ctx.t
    if heading:
        st.subheader(f"{ent.name}")
    cols = st.columns(4)
    cols[0].markdown(f"**{t('type')}**  \n{ctx.type_name(ent.type)} · {ent.type}")
    cols[1].markdown(f"**{t('mentions')}**  \n{ent.mention_count}")
    cols[2].markdown(f"**{t('aliases')}**  \n{', '.join(ent.aliases) or t('none')}")
    cols[3].markdown(f"**{t('extractors')}**  \n{', '.join(ent.extractors) or t('none')}")
    if ent.variant_of:
        st.markdown(f"**{t('variant_of')}**: {plain(data.entity_name(ent.variant_of))}")
    if ent.merges:
        with st.expander(t("merges")):
            st.markdown("\n".join(f"- {plain(m)}" for m in ent.merges))

    st.markdown(f"#### {t('neighbours')}")
    groups = neighbours_by_type(data, entity_id)
    if not groups:
        st.caption(t("none"))
    for rtype, items in groups.items():
        names = "、".join(f"{arrow} {data.entity_name(other)}" for other, arrow, _ in items)
        st.markdown(f"- **{rtype}**: {plain(names)}")

    st.markdown(f"#### {t('evidence')}")
    rows = evidence_rows(data, entity_id, ctx.lang)
    if rows:
        st.table(plain_rows(rows), hide_index=True)
        chunk_ids = list(dict.fromkeys(r[t("chunk")] for r in rows))
        picked = st.selectbox(
            t("chunk"),
            chunk_ids,
            index=None,
            key=f"chunk_pick_{entity_id}",
            format_func=lambda c: t("show_chunk", chunk=c),
        )
        if picked:
            st.text(chunk_text(Path(data.workspace), picked))
    else:
        st.caption(t("no_evidence"))

    st.markdown(f"#### {t('its_communities')}")
    coms = data.community_by_id
    cids = data.communities_of.get(entity_id, [])
    if cids:
        for cid in cids:
            com = coms.get(cid)
            st.markdown(f"- L{com.level} · {plain(com.title or cid)}" if com else f"- {cid}")
    else:
        st.caption(t("none"))

    st.markdown(f"#### {t('its_documents')}")
    if ent.doc_ids:
        st.markdown("\n".join(f"- {plain(data.doc_label(d))}" for d in ent.doc_ids))
    else:
        st.caption(t("none"))


def render(ctx: PageContext) -> None:
    st.header(ctx.t("page_entity"))
    data = ctx.data()
    if data is None:
        return
    if not data.entities:
        st.info(ctx.t("no_entities"))
        return
    query = st.text_input(ctx.t("search"), key="entity_search")
    options = search(data, query, limit=200) if query.strip() else entity_options(data)
    if not options:
        st.warning(ctx.t("search_none", q=query))
        return
    current = st.session_state.get(SELECTED)
    index = options.index(current) if current in options else 0
    chosen = st.selectbox(
        ctx.t("pick_entity"),
        options,
        index=index,
        format_func=lambda e: f"{data.entities[e].name} · {data.entities[e].type}",
    )
    if chosen:
        st.session_state[SELECTED] = chosen
        render_detail(ctx, data, chosen)
