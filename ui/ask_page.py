"""問答 / Ask page: GraphRAG questions with numbered citations and the evidence subgraph.

The answering itself is :func:`graph.query.answer.ask`, imported lazily so that a
missing or broken answer module shows a message instead of breaking the app.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import streamlit as st

from extract.errors import ZhkgError
from ui import PageContext
from ui.data import WorkspaceData
from ui.text import plain, plain_answer
from ui.viz import VizEdge, VizNode, node_size, show

log = logging.getLogger(__name__)

MODES = ("auto", "local", "global", "hybrid")
HISTORY = "ask_history"
CONTEXT_MAX = 20  # neighbours drawn (dimmed) around the evidence


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
    """The answer's entities and relations, highlighted, among their strongest neighbours (dimmed)."""
    rel_by_id = {r.id: r for r in data.relations}
    used_rels = [rel_by_id[r] for r in answer.relations if r in rel_by_id]
    used = {e for e in answer.entities if e in data.entities}
    for r in used_rels:
        used.update((r.source, r.target))
    context: dict[str, float] = {}
    for e in used:
        for r in data.relations_of.get(e, []):
            other = r.target if r.source == e else r.source
            if other not in used:
                context[other] = data.centrality.get(other, 0.0)
    extra = sorted(context, key=lambda e: -context[e])[:CONTEXT_MAX]
    keep = used | set(extra)
    nodes = [
        VizNode(
            e,
            data.entities[e].name,
            str(data.entities[e].type),
            node_size(data.centrality.get(e, 0.0)),
            highlight=e in used,
        )
        for e in sorted(keep, key=lambda e: (e not in used, -data.centrality.get(e, 0.0)))
    ]
    used_ids = {r.id for r in used_rels}
    edges = [
        VizEdge(
            r.source,
            r.target,
            label=str(r.type) if r.id in used_ids else "",
            title=str(r.type),
            highlight=r.id in used_ids,
        )
        for r in data.relations
        if r.source in keep
        and r.target in keep
        and (r.id in used_ids or r.source in used or r.target in used)
    ]
    return nodes, edges


def _citations(ctx: PageContext, data: WorkspaceData | None, answer: Any) -> None:
    if not answer.citations:
        st.caption(ctx.t("no_citations"))
        return
    st.markdown(f"**{ctx.t('citations')}**")
    for i, c in enumerate(answer.citations, 1):
        label = data.doc_label(c.doc_id) if data else c.path
        if c.page:
            label += f" · p. {c.page}"
        with st.expander(f"[{i}] {plain(label)}"):
            sentence = getattr(c, "sentence", "")
            if sentence:
                st.markdown(f"> **{plain(sentence)}**")
                st.caption(f"{ctx.t('context')}：{plain(c.text)}")
            else:
                st.markdown(f"> {plain(c.text)}")
            st.caption(f"{ctx.t('document')}: {plain(c.where)} · {ctx.t('chunk')}: {c.chunk_id}")


def _show_answer(ctx: PageContext, data: WorkspaceData | None, item: dict[str, Any]) -> None:
    if item.get("error"):
        st.error(item["error"])
        return
    answer = item["answer"]
    st.markdown(plain_answer(answer.answer))
    kind = ctx.t("answer_extractive") if answer.extractive else ctx.t("answer_generated")
    st.caption(f"{kind} · " + ctx.t("used_mode", mode=answer.mode, secs=item.get("secs", 0.0)))
    _citations(ctx, data, answer)


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
    mode = top[0].radio(t("mode"), MODES, horizontal=True, key="ask_mode") or "auto"
    if top[1].button(t("clear_chat")):
        st.session_state[HISTORY] = []
    history: list[dict[str, Any]] = st.session_state.setdefault(HISTORY, [])
    question = st.chat_input(t("ask_placeholder"), key="ask_input")
    chat, graph_col = st.columns([3, 2])
    with chat:
        for item in history:
            with st.chat_message("user"):
                st.markdown(plain(item["question"]))
            with st.chat_message("assistant"):
                _show_answer(ctx, data, item)
        if question and question.strip():
            with st.chat_message("user"):
                st.markdown(plain(question))
            with st.chat_message("assistant"):
                item = _ask_now(ctx, question.strip(), str(mode))
                history.append(item)
                _show_answer(ctx, data, item)
    with graph_col:
        last = next((h for h in reversed(history) if "answer" in h), None)
        if last is not None:
            st.markdown(f"**{t('evidence_graph')}**")
            nodes, edges = evidence_graph(data, last["answer"])
            if nodes:
                show(nodes, edges, height=480)
            else:
                st.caption(t("evidence_graph_empty"))
