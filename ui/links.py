"""Links between the explorer's pages, with deep-link query parameters (``?entity=<id>``).

Why a registry: the app's pages are callables handed to ``st.navigation``, and ``st.page_link`` /
``st.switch_page`` can only reach such a page through its ``st.Page`` object. ``app.py`` registers
the objects it built on every run; pages link to each other by name. A page rendered on its own (a
test) has no navigation, and the link helpers then draw nothing instead of failing.
"""

from __future__ import annotations

import logging
from typing import Any

import streamlit as st

log = logging.getLogger(__name__)

_PAGES: dict[str, Any] = {}


def register(pages: dict[str, Any]) -> None:
    """Remember this run's ``st.Page`` objects by page name (graph, entity, …)."""
    _PAGES.clear()
    _PAGES.update(pages)


def page(name: str) -> Any | None:
    return _PAGES.get(name)


def page_link(name: str, label: str, params: dict[str, str] | None = None, *, container: Any = None) -> bool:
    """A link to page ``name`` with query parameters; False when there is no such page here."""
    target = _PAGES.get(name)
    if target is None:
        return False
    try:
        (container or st).page_link(target, label=label, query_params=params or None)
    except Exception:  # rendered outside st.navigation (AppTest of one page)
        log.debug("no page link to %s here", name, exc_info=True)
        return False
    return True


def switch(name: str, params: dict[str, str] | None = None) -> None:
    """Go to page ``name`` now, with ``params`` as its query parameters."""
    target = _PAGES.get(name)
    if target is None:
        return
    st.switch_page(target, query_params=params or None)
