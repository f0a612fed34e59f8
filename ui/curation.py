"""整理 / Curation on the entity page: the five fix-it actions and the history with undo.

Rendering only: every action goes through :func:`graph.api.curate` / :func:`graph.api.undo_curation`
(the same workflows the command line would call), which write the workspace's curation file,
re-derive what it changes and bump the store's generation, so the next run of any page loads the
curated graph. Destructive actions (不是實體, merge) ask for a confirmation first.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

import streamlit as st

from extract.errors import ZhkgError
from extract.records import EntityType
from ui import PageContext
from ui.data import WorkspaceData, search
from ui.text import plain

if TYPE_CHECKING:
    from graph.build.curation import CurationOutcome, Step

log = logging.getLogger(__name__)

PENDING = "curation_pending"  # (action, entity id, value) waiting for its confirmation
FLASH = "curation_flash"  # (kind, message) shown once after an action reruns the page
SELECTED = "entity_id"  # the entity page's selection (ui.entity_page.SELECTED)


def step_label(ctx: PageContext, step: Step) -> str:
    """One history line in the UI language (type codes as type names)."""
    value, previous = step.value, step.previous
    if str(step.action) == "retype":
        value, previous = ctx.type_name(value), ctx.type_name(previous)
    return ctx.t(f"cur_step_{step.action}", entity=step.entity, value=value, previous=previous)


def type_options() -> list[str]:
    """Every entity type, in the enum's order: a type added to :class:`EntityType` is offered too."""
    return [t.value for t in EntityType]


def _flash(kind: str, text: str) -> None:
    st.session_state[FLASH] = (kind, text)


def show_flash() -> None:
    """The message of the last action (shown once, after the rerun it caused)."""
    got = st.session_state.pop(FLASH, None)
    if got:
        kind, text = got
        (st.success if kind == "ok" else st.error)(text)


def _do(ctx: PageContext, call: Callable[[], CurationOutcome], *, undo: bool = False) -> None:
    """Run one curation workflow; on success select where the entity lives now and rerun."""
    with st.spinner(ctx.t("cur_working")):
        try:
            out = call()
        except ZhkgError as exc:
            st.session_state.pop(PENDING, None)
            st.error(ctx.t("cur_failed", err=exc))
            return
        except Exception as exc:  # a bug must not take the page down with a traceback
            log.exception("curation failed")
            st.session_state.pop(PENDING, None)
            st.error(ctx.t("cur_failed", err=f"{type(exc).__name__}: {exc}"))
            return
    st.session_state.pop(PENDING, None)
    what = step_label(ctx, out.step)
    if undo:
        _flash("ok", ctx.t("cur_undone", what=what, docs=out.documents))
    else:
        _flash("ok", ctx.t("cur_done", what=what, docs=out.documents, secs=out.seconds))
    if out.entity_id:
        st.session_state[SELECTED] = out.entity_id
        st.query_params["entity"] = out.entity_id
    else:
        st.session_state.pop(SELECTED, None)
        st.query_params.pop("entity", None)
    st.rerun()


def _curate(ctx: PageContext, action: str, entity_id: str, value: str = "") -> None:
    from graph import api

    _do(ctx, lambda: api.curate(ctx.settings, action, entity_id, value))


def render_actions(ctx: PageContext, data: WorkspaceData, entity_id: str) -> None:
    """The curation actions for one entity, in an expander below its facts."""
    from graph.settings import curation_file

    ent = data.entities[entity_id]
    t = ctx.t
    with st.expander(t("curate"), expanded=bool(st.session_state.get(PENDING))):
        st.caption(t("curate_help", file=plain(curation_file(ctx.settings.workspace).name)))
        pending = st.session_state.get(PENDING)
        if pending and pending[1] == entity_id:
            action, _, value = pending
            if action == "ignore" and ent.aliases:
                st.warning(
                    t("cur_ignore_confirm", name=plain(ent.name), aliases=plain("、".join(ent.aliases)))
                )
            elif action == "ignore":
                st.warning(t("cur_ignore_confirm_bare", name=plain(ent.name)))
            else:
                st.warning(t("cur_merge_confirm", name=plain(ent.name), into=plain(data.entity_name(value))))
            yes, no, _ = st.columns([1, 1, 6])
            if yes.button(t("confirm"), key="cur_confirm", type="primary"):
                _curate(ctx, action, entity_id, value)
            if no.button(t("cancel"), key="cur_cancel"):
                st.session_state.pop(PENDING, None)
                st.rerun()
            return
        tabs = st.tabs([t("cur_ignore"), t("cur_retype"), t("cur_merge"), t("cur_split"), t("cur_rename")])
        with tabs[0]:
            st.caption(t("cur_ignore_help"))
            if st.button(t("cur_ignore"), key="cur_ignore_btn"):
                st.session_state[PENDING] = ("ignore", entity_id, "")
                st.rerun()
        with tabs[1]:
            types = [x for x in type_options() if x != str(ent.type)]
            new_type = st.selectbox(t("cur_new_type"), types, format_func=ctx.type_name, key="cur_type")
            if st.button(t("apply"), key="cur_type_btn") and new_type:
                _curate(ctx, "retype", entity_id, new_type)
        with tabs[2]:
            _merge_form(ctx, data, entity_id)
        with tabs[3]:
            if ent.aliases:
                alias = st.selectbox(t("cur_split_alias"), list(ent.aliases), key="cur_alias")
                if st.button(t("apply"), key="cur_split_btn") and alias:
                    _curate(ctx, "split", entity_id, alias)
            else:
                st.caption(t("cur_no_aliases"))
        with tabs[4]:
            name = st.text_input(t("cur_new_name"), value=ent.name, key=f"cur_name_{entity_id}")
            if st.button(t("apply"), key="cur_name_btn") and name.strip() and name.strip() != ent.name:
                _curate(ctx, "rename", entity_id, name.strip())


def _merge_form(ctx: PageContext, data: WorkspaceData, entity_id: str) -> None:
    t = ctx.t
    query = st.text_input(t("cur_merge_search"), key="cur_merge_q")
    options = [e for e in (search(data, query, limit=50) if query.strip() else []) if e != entity_id]
    if not query.strip():
        return
    if not options:
        st.caption(t("search_none", q=plain(query)))
        return
    target = st.selectbox(
        t("cur_merge_target"),
        options,
        format_func=lambda e: f"{data.entities[e].name} · {ctx.type_name(data.entities[e].type)}",
        key="cur_merge_target",
    )
    if st.button(t("cur_merge"), key="cur_merge_btn") and target:
        st.session_state[PENDING] = ("merge", entity_id, target)
        st.rerun()


def render_history(ctx: PageContext) -> None:
    """Every curation step of the workspace, newest first, each with its undo."""
    from graph import api
    from graph.settings import curation_file

    t = ctx.t
    st.markdown(f"#### {t('cur_history')}")
    try:
        steps = api.curation_history(ctx.settings)
    except ZhkgError as exc:
        st.error(t("cur_failed", err=exc))
        return
    if not steps:
        st.caption(t("cur_history_empty"))
        return
    st.caption(t("cur_file", path=plain(curation_file(ctx.settings.workspace))))
    for step in reversed(steps):
        line, button = st.columns([5, 1])
        label = (
            f"#{step.id} · {plain(step_label(ctx, step))} · {plain(step.at.replace('T', ' ').rstrip('Z'))}"
        )
        if step.undone:
            line.markdown(f"~~{label}~~ {t('cur_was_undone')}")
        else:
            line.markdown(label)
            if button.button(t("undo"), key=f"cur_undo_{step.id}"):
                _undo(ctx, step.id)


def _undo(ctx: PageContext, step_id: int) -> None:
    from graph import api

    _do(ctx, lambda: api.undo_curation(ctx.settings, step_id), undo=True)
