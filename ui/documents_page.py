"""文件 / Documents page: find a document by title, file name, tag or alias, and follow its links.

Notes kept in Obsidian or Notion point at each other (``[[wikilinks]]``, relative Markdown
links); ingest resolves those to ``LINKS_TO`` edges between documents. This page shows them both
ways (links to, linked from), with the document's tags, aliases, duplicates and the entities it
mentions. The pure functions are tested without a browser.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import streamlit as st

from extract.normalize import match_key
from graph.records import StoredDocument
from ui import PageContext
from ui.data import WorkspaceData
from ui.text import plain, plain_rows

PICK = "doc_pick"  # the document picker's session key
SHOWN = 200  # rows in the document table


def _open(doc_id: str) -> None:
    """Follow a link: clear the filters (the target may not match them) and pick the target."""
    st.session_state["doc_query"] = ""
    st.session_state["doc_tags"] = []
    st.session_state[PICK] = doc_id


def all_tags(data: WorkspaceData) -> list[str]:
    """Every document tag, most used first."""
    counts: dict[str, int] = {}
    for d in data.documents.values():
        for tag in d.tags:
            counts[tag] = counts.get(tag, 0) + 1
    return sorted(counts, key=lambda t: (-counts[t], t))


def filter_documents(
    data: WorkspaceData, query: str = "", tags: tuple[str, ...] = ()
) -> list[StoredDocument]:
    """Documents whose title, file name, tags or aliases contain ``query`` (script- and case-blind),
    carrying every tag in ``tags``; by title."""
    key = match_key(query) if query.strip() else ""
    out = []
    for d in data.documents.values():
        if tags and not set(tags) <= set(d.tags):
            continue
        if key:
            fields = (d.title, Path(d.path).name, *d.tags, *d.aliases)
            if not any(key in match_key(f) for f in fields):
                continue
        out.append(d)
    return sorted(out, key=lambda d: (d.title.casefold(), d.path))


def links_of(data: WorkspaceData, doc_id: str) -> tuple[list[str], list[str]]:
    """(documents this one links to, documents linking to it), by title."""
    outgoing, incoming = data.doc_link_index
    out = [t for t in outgoing.get(doc_id, ()) if t in data.documents]
    inc = [s for s in incoming.get(doc_id, ()) if s in data.documents]

    def by_title(ids: list[str]) -> list[str]:
        return sorted(set(ids), key=lambda i: data.documents[i].title.casefold())

    return by_title(out), by_title(inc)


def entities_in(data: WorkspaceData, doc_id: str, limit: int = 30) -> list[str]:
    """Entity ids mentioned in the document, most central first (read for this document only)."""
    ids = data.document_entities(doc_id)
    return sorted(ids, key=lambda e: (-data.centrality.get(e, 0.0), data.entity_name(e)))[:limit]


def entity_links(data: WorkspaceData, entity_ids: list[str]) -> str:
    """The entities as Markdown links to their entity page (``entity?entity=<id>``, the deep link the
    entity page reads), names made plain so a name cannot form other Markdown."""
    return "、".join(f"[{plain(data.entity_name(e))}](entity?entity={quote(e, safe='')})" for e in entity_ids)


def _detail(ctx: PageContext, data: WorkspaceData, doc: StoredDocument) -> None:
    t = ctx.t
    st.subheader(plain(doc.title or Path(doc.path).name))
    st.caption(plain(doc.path))
    if doc.tags:
        st.markdown(f"**{t('tags')}**: " + "、".join(plain(tag) for tag in doc.tags))
    if doc.aliases:
        st.markdown(f"**{t('doc_aliases')}**: " + "、".join(plain(a) for a in doc.aliases))
    if doc.duplicate_of and doc.duplicate_of in data.documents:
        st.info(t("duplicate_of", other=data.doc_label(doc.duplicate_of), sim=f"{doc.similarity:.2f}"))
    out, inc = links_of(data, doc.id)
    left, right = st.columns(2)
    for col, ids, label in ((left, out, "links_to"), (right, inc, "linked_from")):
        with col:
            st.markdown(f"**{t(label)}** ({len(ids)})")
            if not ids:
                st.caption(t("none"))
            for other in ids:
                st.button(
                    plain(data.doc_label(other)),
                    key=f"doc_link_{label}_{other}",
                    on_click=_open,
                    args=(other,),
                )
    mentioned = entities_in(data, doc.id)
    st.markdown(f"**{t('doc_entities')}** ({len(mentioned)})")
    st.markdown(entity_links(data, mentioned) if mentioned else t("none"))


def render(ctx: PageContext) -> None:
    t = ctx.t
    st.header(t("page_documents"))
    data = ctx.data()
    if data is None:
        return
    linked = st.query_params.get("document")  # a deep link (?document=<id>), taken once
    if linked in data.documents and st.session_state.get("doc_linked") != linked:
        st.session_state["doc_linked"] = linked
        _open(linked)
    c1, c2 = st.columns([2, 1])
    query = c1.text_input(t("doc_search"), key="doc_query")
    tags = tuple(c2.multiselect(t("tags"), all_tags(data), key="doc_tags"))
    docs = filter_documents(data, query, tags)
    st.caption(t("doc_count", n=len(docs), total=len(data.documents)))
    st.table(
        plain_rows(
            [
                {
                    t("title"): d.title,
                    t("file"): Path(d.path).name,
                    t("tags"): "、".join(d.tags),
                    t("links_to"): len(links_of(data, d.id)[0]),
                }
                for d in docs[:SHOWN]
            ]
        ),
        hide_index=True,
    )
    if not docs:
        return
    ids = [d.id for d in docs]
    if st.session_state.get(PICK) not in ids:
        st.session_state[PICK] = ids[0]
    chosen = st.selectbox(t("document"), ids, format_func=data.doc_label, key=PICK)
    _detail(ctx, data, data.documents[chosen])
