"""實體 / Entity page: everything the workspace knows about one entity, with its evidence.

Built to scale to a concept with hundreds of evidence sentences: sentences are grouped by the
document they come from and paginated, and each one opens its chunk in place with the sentence
highlighted. Neighbours are clickable chips grouped by relation type; documents and communities
are links. ``?entity=<id>`` opens an entity directly (the page keeps the address in step with the
selection, so the address bar is always a link to what is shown). The curation actions and their
history (:mod:`ui.curation`) sit below the facts.

:func:`render_detail` is shared with the Graph page so that a search there shows the same view.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import streamlit as st

from ui import PageContext
from ui.data import WorkspaceData, chunk_text, evidence_for, search
from ui.text import plain

SELECTED = "entity_id"  # session key shared by the Graph and Entity pages
_LINKED = "entity_linked"  # the ?entity= value last taken from the address bar
ROWS_PER_PAGE = 10
CHIPS_PER_TYPE = 30
PICKER_MAX = 500  # entities offered by the picker before a search
DOCS_LISTED = 50  # document links under an entity (a hub is named in thousands at 100k)


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
    # Typed relations first (the most connected type first), plain co-occurrence (RELATED_TO) last.
    order = sorted(out, key=lambda k: (k == "RELATED_TO", -len(out[k]), k))
    return {k: sorted(out[k], key=lambda x: -x[2]) for k in order}


@dataclass(frozen=True, slots=True)
class EvidenceRow:
    """One evidence sentence of the entity: which relation it supports and where it was read."""

    rtype: str
    other: str  # the entity at the relation's other end
    arrow: str
    sentence: str
    doc_id: str
    chunk_id: str


def evidence_groups(data: WorkspaceData, entity_id: str) -> list[tuple[str, list[EvidenceRow]]]:
    """(document id, its evidence rows) for every document with evidence, the richest document first.

    Within a document, rows keep :func:`ui.data.evidence_for`'s order (typed relations before
    co-occurrence, strongest first); a sentence supporting several relations shows once per relation.
    """
    from graph.records import SYMMETRIC

    groups: dict[str, list[EvidenceRow]] = defaultdict(list)
    for rel, ev in evidence_for(data, entity_id):
        other = rel.target if rel.source == entity_id else rel.source
        arrow = "↔" if rel.type in SYMMETRIC else "→" if rel.source == entity_id else "←"
        groups[ev.doc_id].append(EvidenceRow(str(rel.type), other, arrow, ev.text, ev.doc_id, ev.chunk_id))
    return sorted(groups.items(), key=lambda kv: (-len(kv[1]), data.doc_label(kv[0])))


def paginate(
    groups: list[tuple[str, list[EvidenceRow]]], page: int, per_page: int = ROWS_PER_PAGE
) -> tuple[list[tuple[str, list[EvidenceRow]]], int]:
    """The rows of page ``page`` (1-based), still grouped by document, and the number of pages."""
    flat = [(doc, row) for doc, rows in groups for row in rows]
    pages = max(1, -(-len(flat) // per_page))
    page = min(max(1, page), pages)
    out: list[tuple[str, list[EvidenceRow]]] = []
    for doc, row in flat[(page - 1) * per_page : page * per_page]:
        if out and out[-1][0] == doc:
            out[-1][1].append(row)
        else:
            out.append((doc, [row]))
    return out, pages


def highlight(text: str, sentence: str) -> tuple[str, bool]:
    """``text`` as safe Markdown with ``sentence`` marked (``<mark>``); whether it was found.

    Every piece of document text goes through :func:`ui.text.plain` (no link, image or formula can
    form) and its ``<``/``>`` are escaped, so the only HTML is the ``<mark>`` written here. The
    sentence is found as written, else ignoring white space (a sentence may cross a line break).
    """
    start = text.find(sentence) if sentence else -1
    end = start + len(sentence)
    if start < 0 and sentence.strip():
        pattern = r"\s*".join(re.escape(c) for c in sentence if not c.isspace())
        m = re.search(pattern, text)
        if m:
            start, end = m.start(), m.end()
    if start < 0:
        return _md(text), False
    marked = "\n\n".join(
        f"<mark>{_md(part)}</mark>" for part in text[start:end].split("\n\n") if part.strip()
    )
    return _md(text[:start]) + marked + _md(text[end:]), True


def _md(text: str) -> str:
    """Document text as Markdown that shows it as written, its line breaks kept."""
    return plain(text).replace("\n", "  \n")


def evidence_rows(data: WorkspaceData, entity_id: str, lang: str = "zh") -> list[dict[str, Any]]:
    """One row per evidence sentence (relation, other entity, sentence, document, chunk): a table form
    of :func:`evidence_groups` for exports."""
    from ui.i18n import relation_name, tr

    return [
        {
            tr("type", lang): relation_name(row.rtype, lang),
            tr("page_entity", lang): data.entity_name(row.other),
            tr("evidence", lang): row.sentence,
            tr("document", lang): data.doc_label(doc),
            tr("chunk", lang): row.chunk_id,
        }
        for doc, rows in evidence_groups(data, entity_id)
        for row in rows
    ]


def entity_options(data: WorkspaceData, limit: int = PICKER_MAX) -> list[str]:
    """The ``limit`` most central entity ids, the order the picker offers them (the search box above
    it finds any other: a picker of every entity of a large workspace costs seconds per render)."""
    import heapq

    return heapq.nsmallest(
        limit, data.entities, key=lambda e: (-data.centrality.get(e, 0.0), data.entities[e].name)
    )


def _open(entity_id: str) -> None:
    """Show ``entity_id`` on this page and keep the address bar in step (a neighbour chip's callback)."""
    st.session_state[SELECTED] = entity_id
    st.session_state[_LINKED] = entity_id
    st.query_params["entity"] = entity_id


def _chip_clicked(key: str) -> None:
    picked = st.session_state.get(key)
    if picked:
        st.session_state[key] = None
        _open(picked)


def _link(ctx: PageContext, page: str, label: str, params: dict[str, str]) -> None:
    """A link to another page of the explorer; a plain line where the page is not reachable (a test)."""
    from ui import links

    if not links.page_link(page, label, params):
        st.markdown(f"- {plain(label)}")


def render_detail(
    ctx: PageContext, data: WorkspaceData, entity_id: str, *, heading: bool = True, curate: bool = False
) -> None:
    """The full entity view: facts, neighbours, evidence by document, communities, documents; with
    ``curate``, the curation actions too."""
    ent = data.entities.get(entity_id)
    if ent is None:
        st.warning(ctx.t("no_entities"))
        return
    t = ctx.t
    if heading:
        st.subheader(ent.name)
    cols = st.columns(4)
    cols[0].markdown(f"**{t('type')}**  \n{ctx.type_name(ent.type)} · {ent.type}")
    cols[1].markdown(f"**{t('mentions')}**  \n{ent.mention_count}")
    cols[2].markdown(f"**{t('aliases')}**  \n{plain(', '.join(ent.aliases)) or t('none')}")
    cols[3].markdown(f"**{t('extractors')}**  \n{', '.join(ent.extractors) or t('none')}")
    if ent.variant_of:
        st.markdown(f"**{t('variant_of')}**: {plain(data.entity_name(ent.variant_of))}")
    if ent.merges:
        with st.expander(t("merges")):
            st.markdown("\n".join(f"- {plain(m)}" for m in ent.merges))
    if curate:
        from ui.curation import render_actions

        render_actions(ctx, data, entity_id)

    st.markdown(f"#### {t('neighbours')}")
    groups = neighbours_by_type(data, entity_id)
    if not groups:
        st.caption(t("none"))
    for rtype, items in groups.items():
        key = f"chips_{rtype}_{entity_id}"
        options = [other for other, _, _ in items[:CHIPS_PER_TYPE] if other in data.entities]
        arrows = {other: arrow for other, arrow, _ in items}
        st.pills(
            f"{ctx.relation_name(rtype)}（{len(items)}）",
            options,
            format_func=lambda o, a=arrows: f"{a[o]} {data.entity_name(o)}",  # type: ignore[misc]
            key=key,
            on_change=_chip_clicked,
            args=(key,),
        )
        if len(items) > CHIPS_PER_TYPE:
            st.caption(t("more_neighbours", n=len(items) - CHIPS_PER_TYPE))

    _render_evidence(ctx, data, entity_id)

    st.markdown(f"#### {t('its_communities')}")
    coms = data.community_by_id
    cids = data.communities_of.get(entity_id, [])
    if not cids:
        st.caption(t("none"))
    for cid in cids:
        com = coms.get(cid)
        label = f"L{com.level} · {com.title or cid}" if com else cid
        _link(ctx, "communities", label, {"community": cid})

    st.markdown(f"#### {t('its_documents')}")
    doc_ids = data.doc_ids_of.get(entity_id, ())  # read for this entity only
    if not doc_ids:
        st.caption(t("none"))
    for d in sorted(doc_ids, key=data.doc_label)[:DOCS_LISTED]:
        _link(ctx, "documents", data.doc_label(d), {"document": d})
    if len(doc_ids) > DOCS_LISTED:
        st.caption(t("more_items", n=len(doc_ids) - DOCS_LISTED))


def _render_evidence(ctx: PageContext, data: WorkspaceData, entity_id: str) -> None:
    t = ctx.t
    st.markdown(f"#### {t('evidence_by_doc')}")
    groups = evidence_groups(data, entity_id)
    if not groups:
        st.caption(t("no_evidence"))
        return
    total = sum(len(rows) for _, rows in groups)
    pages = max(1, -(-total // ROWS_PER_PAGE))
    page = 1
    if pages > 1:
        page = int(
            st.number_input(t("evidence_page"), 1, pages, 1, step=1, key=f"ev_page_{entity_id}", width=160)
        )
    shown, pages = paginate(groups, page)
    st.caption(t("evidence_pages", page=page, pages=pages, n=total, docs=len(groups)))
    for doc_id, rows in shown:
        n_doc = next(len(r) for d, r in groups if d == doc_id)
        st.markdown(f"**{plain(data.doc_label(doc_id))}** · {t('evidence_doc_rows', n=n_doc)}")
        for i, row in enumerate(rows):
            label = (
                f"{ctx.relation_name(row.rtype)} {row.arrow} {data.entity_name(row.other)}：{row.sentence}"
            )
            with st.expander(plain(label if len(label) <= 160 else label[:157] + "…")):
                _render_chunk(ctx, data, row, f"{entity_id}_{page}_{doc_id}_{i}")


def _render_chunk(ctx: PageContext, data: WorkspaceData, row: EvidenceRow, key: str) -> None:
    """The chunk a sentence was read from, the sentence highlighted, with its place in the document."""
    from graph.store import open_store

    text = chunk_text(Path(data.workspace), row.chunk_id)
    section = ""
    index = 0
    with open_store(Path(data.workspace), readonly=True) as store:
        chunk = store.chunk(row.chunk_id)
    if chunk is not None:
        index, section = chunk.index + 1, chunk.section
    st.caption(
        f"{plain(data.doc_label(row.doc_id))} · "
        + ctx.t("chunk_where", n=index, section=f" · {plain(section)}" if section else "")
    )
    body, found = highlight(text, row.sentence)
    if not found:
        st.caption(ctx.t("sentence_not_found"))
        st.markdown(f"> {plain(row.sentence)}")
    st.markdown(body, unsafe_allow_html=True)


def _from_address(data: WorkspaceData) -> None:
    """Take ``?entity=<id>`` from the address bar when it names an entity not yet taken."""
    linked = st.query_params.get("entity")
    if linked and linked in data.entities and st.session_state.get(_LINKED) != linked:
        st.session_state[SELECTED] = linked
        st.session_state[_LINKED] = linked


def render(ctx: PageContext) -> None:
    from ui.curation import render_history, show_flash

    st.header(ctx.t("page_entity"))
    show_flash()
    data = ctx.data()
    if data is None:
        return
    if not data.entities:
        st.info(ctx.t("no_entities"))
        render_history(ctx)
        return
    _from_address(data)
    query = st.text_input(ctx.t("search"), key="entity_search")
    options = search(data, query, limit=200) if query.strip() else entity_options(data)
    if not options:
        st.warning(ctx.t("search_none", q=query))
        render_history(ctx)
        return
    current = st.session_state.get(SELECTED)
    if current in data.entities and current not in options and not query.strip():
        options = [current, *options]
    index = options.index(current) if current in options else 0
    chosen = st.selectbox(
        ctx.t("pick_entity"),
        options,
        index=index,
        format_func=lambda e: f"{data.entities[e].name} · {ctx.type_name(data.entities[e].type)}",
    )
    if chosen:
        st.session_state[SELECTED] = chosen
        if st.query_params.get("entity") != chosen:
            st.query_params["entity"] = chosen
        st.session_state[_LINKED] = chosen
        render_detail(ctx, data, chosen, curate=True)
    render_history(ctx)
