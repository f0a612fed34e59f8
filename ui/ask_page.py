"""問答 / Ask page: GraphRAG questions with numbered citations and the evidence subgraph.

The answering itself is :func:`graph.query.answer.ask`, imported lazily so that a
missing or broken answer module shows a message instead of breaking the app.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from typing import Any

import streamlit as st

from extract.errors import ZhkgError
from ui import PageContext
from ui.data import WorkspaceData
from ui.text import plain, plain_answer
from ui.viz import OTHER_COLOR, TYPE_COLORS, VizEdge, VizNode, node_size

log = logging.getLogger(__name__)

MODES = ("auto", "local", "global", "hybrid")
HISTORY = "ask_history"


class AskFailed(ZhkgError, RuntimeError):
    """A question could not be answered; the message is shown as is."""


def ask_question(
    settings: Any, question: str, mode: str, on_token: Callable[[str], None] | None = None
) -> Any:
    """Answer one question against the workspace; every failure becomes :class:`AskFailed`."""
    try:
        from graph import api
    except ImportError as exc:
        raise AskFailed(f"graph.api: {exc}") from None
    try:
        return api.ask(settings, question, mode, on_token=on_token)
    except Exception as exc:  # LLMError, StoreError, bugs: all shown as one line
        log.warning("ask failed", exc_info=True)
        raise AskFailed(f"{type(exc).__name__}: {exc}") from None


def evidence_graph(data: WorkspaceData, answer: Any) -> tuple[list[VizNode], list[VizEdge]]:
    """The entities and relations the answer used, and nothing else: the answer's relations with
    their two ends, its entities, and the relations among those entities (so a lone entity still
    shows how it ties to the rest of the answer)."""
    rel_by_id = {r.id: r for e in answer.entities for r in data.relations_of.get(e, [])}
    used_rels = [rel_by_id[r] for r in answer.relations if r in rel_by_id]
    if len(used_rels) < len(answer.relations):  # a relation between entities the answer did not list
        wanted = set(answer.relations) - {r.id for r in used_rels}
        used_rels += data.relations_by_ids(wanted)
    used = {e for e in answer.entities if e in data.entities}
    for r in used_rels:
        used.update((r.source, r.target))
    used_ids = {r.id for r in used_rels}
    among = {r.id: r for r in data.relations_among(used) if r.id in used_ids or not answer.relations}
    for r in used_rels:
        among[r.id] = r
    nodes = [
        VizNode(
            e,
            data.entities[e].name,
            str(data.entities[e].type),
            node_size(data.centrality.get(e, 0.0)),
        )
        for e in sorted(used, key=lambda e: -data.centrality.get(e, 0.0))
    ]
    edges = [
        VizEdge(r.source, r.target, label=str(r.type), title=str(r.type), highlight=r.id in used_ids)
        for r in among.values()
    ]
    return nodes, edges


def evidence_payload(ctx: PageContext, data: WorkspaceData, answer: Any, index: int) -> Any:
    """The evidence subgraph as the interactive component's data, labels in the UI language."""
    from ui.graph_component import GraphPayload
    from ui.graph_page import _labels

    nodes, edges = evidence_graph(data, answer)
    vis_nodes = [
        {
            "id": n.id,
            "label": n.label,
            "title": f"{n.label}\n{ctx.t('type')}：{ctx.type_name(n.group)}",
            "value": round(1 + 99 * data.centrality.get(n.id, 0.0), 3),
            "color": TYPE_COLORS.get(n.group, OTHER_COLOR),
        }
        for n in nodes
    ]
    vis_edges = [
        {
            "id": f"{e.source}|{e.target}|{e.label}",
            "from": e.source,
            "to": e.target,
            "label": ctx.relation_name(e.label) if e.label != "RELATED_TO" else "",
            "title": ctx.relation_name(e.label),
            "color": {"color": "#E8590C" if e.highlight else "#aab2bf"},
            "width": 2.5 if e.highlight else 1.2,
        }
        for e in edges
    ]
    labels = {**_labels(ctx), "hint": ""}
    return GraphPayload(
        nodes=vis_nodes,
        edges=vis_edges,
        height=460,
        labels=labels,
        name=f"ask-{index}",
        png_name="zhkg-answer.png",
    )


_MARKER = re.compile(r"\[(\d{1,3})\]")


def linked_markers(text: str, index: int, count: int) -> str:
    """The answer (already escaped) with each citation marker ``[n]`` a link to its source below."""

    def link(m: re.Match[str]) -> str:
        n = int(m.group(1))
        if not 1 <= n <= count:
            return m.group(0)
        return f'<a href="#cite-{index}-{n}" class="zhkg-cite-link">[{n}]</a>'

    return _MARKER.sub(link, text)


def _answer_label(ctx: PageContext, answer: Any) -> str:
    kind = getattr(answer, "label", "") or ("extractive" if answer.extractive else "generated")
    return ctx.t("answer_extractive") if kind == "extractive" else ctx.t("answer_generated")


def _citations(ctx: PageContext, data: WorkspaceData | None, answer: Any, index: int) -> None:
    if not answer.citations:
        st.caption(ctx.t("no_citations"))
        return
    st.markdown(f"**{ctx.t('citations')}**")
    for i, c in enumerate(answer.citations, 1):
        label = data.doc_label(c.doc_id) if data else c.path
        if c.page:
            label += " · " + ctx.t("page_no", n=c.page)
        sentence = getattr(c, "sentence", "") or c.text
        st.markdown(
            f'<div id="cite-{index}-{i}" class="zhkg-cite"></div>\n\n**[{i}]** {plain(label)}\n\n'
            f"> {plain(sentence)}",
            unsafe_allow_html=True,
        )
        with st.expander(ctx.t("context_of", n=i)):
            st.markdown(plain(c.text))
            st.caption(f"{ctx.t('document')}：{plain(c.where)}")


def citation_rows(ctx: PageContext, data: WorkspaceData | None, answer: Any) -> list[dict[str, Any]]:
    """The citations as table rows (for the CSV download), headed in the UI language."""
    return [
        {
            "#": i,
            ctx.t("document"): data.doc_label(c.doc_id) if data else c.path,
            ctx.t("path"): c.where,
            ctx.t("evidence"): getattr(c, "sentence", "") or c.text,
            ctx.t("context"): c.text,
        }
        for i, c in enumerate(answer.citations, 1)
    ]


def _show_answer(
    ctx: PageContext, data: WorkspaceData | None, item: dict[str, Any], index: int, last: bool
) -> None:
    from ui.export import answer_markdown, rows_csv
    from ui.graph_component import network

    if item.get("error"):
        st.error(item["error"])
        return
    answer = item["answer"]
    st.markdown(
        linked_markers(plain_answer(answer.answer), index, len(answer.citations)), unsafe_allow_html=True
    )
    st.caption(
        f"{_answer_label(ctx, answer)} · "
        + ctx.t("used_mode", mode=ctx.t(f"mode_{answer.mode}"), secs=item.get("secs", 0.0))
    )
    notice = getattr(answer, "notice", "")
    if notice:
        st.warning(ctx.t("llm_notice", err=notice))
    _citations(ctx, data, answer, index)
    c1, c2 = st.columns(2)
    c1.download_button(
        ctx.t("export_answer"),
        answer_markdown(
            item["question"],
            answer,
            {"citations": ctx.t("citations")},
            data.doc_label if data else None,
        ),
        file_name=f"zhkg-answer-{index}.md",
        mime="text/markdown",
        key=f"ask_dl_md_{index}",
        on_click="ignore",  # a download needs no rerun of the page (costly on a big workspace)
    )
    if answer.citations:
        c2.download_button(
            ctx.t("export_csv"),
            rows_csv(citation_rows(ctx, data, answer)),
            file_name=f"zhkg-citations-{index}.csv",
            mime="text/csv",
            key=f"ask_dl_csv_{index}",
            on_click="ignore",  # a download needs no rerun of the page (costly on a big workspace)
        )
    if data is None:
        return
    with st.expander(ctx.t("evidence_graph"), expanded=last):
        payload = evidence_payload(ctx, data, answer, index)
        if payload.nodes:
            network(payload, key=f"ask_graph_{index}")
        else:
            st.caption(ctx.t("evidence_graph_empty"))


def _ask_now(ctx: PageContext, question: str, mode: str) -> dict[str, Any]:
    """Run one question, streaming tokens into the chat bubble when an LLM writes the answer."""
    box = st.empty()
    streamed: list[str] = []

    def on_token(tok: str) -> None:
        streamed.append(tok)
        box.markdown(plain_answer("".join(streamed)) + "▌")

    start = time.perf_counter()
    try:
        with st.spinner(ctx.t("thinking")):
            answer = ask_question(
                ctx.settings, question, mode, on_token if ctx.settings.llm_configured else None
            )
    except AskFailed as exc:
        box.empty()
        return {"question": question, "error": ctx.t("ask_failed", err=exc)}
    box.empty()
    return {"question": question, "answer": answer, "secs": time.perf_counter() - start}


def render(ctx: PageContext) -> None:
    t = ctx.t
    st.header(t("page_ask"))
    data = ctx.data()
    if data is None:
        return
    if not ctx.settings.llm_configured:
        st.info(t("extractive_notice"))
    top = st.columns([3, 1])
    mode = (
        top[0].radio(
            t("mode"),
            MODES,
            format_func=lambda m: t(f"mode_{m}"),
            horizontal=True,
            key="ask_mode" if ctx.lang == "zh" else "ask_mode_en",
        )
        or "auto"
    )
    if top[1].button(t("clear_chat")):
        st.session_state[HISTORY] = []
    history: list[dict[str, Any]] = st.session_state.setdefault(HISTORY, [])
    question = st.chat_input(t("ask_placeholder"), key="ask_input")
    for i, item in enumerate(history):
        with st.chat_message("user"):
            st.markdown(plain(item["question"]))
        with st.chat_message("assistant"):
            _show_answer(ctx, data, item, i, last=i == len(history) - 1 and not question)
    if question and question.strip():
        with st.chat_message("user"):
            st.markdown(plain(question))
        with st.chat_message("assistant"):
            item = _ask_now(ctx, question.strip(), str(mode))
            history.append(item)
            _show_answer(ctx, data, item, len(history) - 1, last=True)
