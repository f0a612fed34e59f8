"""Server-side time of each explorer page on a workspace: a figure, not a test.

Why server side: the browser tests record what a user waits for on the 31-document sample, but a
10k or 100k workspace cannot be served to a test browser on every run; this script renders each
page through Streamlit's AppTest (the same code path as a browser session, without the network),
first cold (an empty cache: the first visitor after an ingest) and then warm (a later visit), and
prints the seconds. The graph page's pure steps (the view, its vis payload, the community
aggregation, the GraphML export) are timed on their own too, so a slow page says where it spends.

Usage: ``python bench/ui_pages.py WORKSPACE [--pages graph,ask,...] [--json OUT]``
(build a workspace with ``bench/synth.py`` and ``zhkg ingest``).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from collections.abc import Sequence
from pathlib import Path

log = logging.getLogger("bench.ui_pages")

ROOT = Path(__file__).resolve().parent.parent
PAGES = ("graph", "entity", "documents", "communities", "ask", "ingest")


def _render(page: str, workspace: str) -> None:
    """AppTest script: one page with settings for ``workspace`` only."""
    import importlib

    from graph.settings import load_settings
    from ui import PageContext

    settings = load_settings(env={}, overrides={"workspace": workspace})
    importlib.import_module(f"ui.{page}_page").render(PageContext(settings=settings))


def _nothing() -> None:
    """AppTest script of the warm-up run."""


def time_pages(workspace: Path, pages: Sequence[str]) -> dict[str, float]:
    from streamlit import config
    from streamlit.testing.v1 import AppTest

    config.set_option("server.address", "127.0.0.1")
    # A server scans the installed packages for components once, at start; AppTest does it on the
    # first run of every AppTest object (~2 s here, more than most pages take). One warm-up run
    # imports Streamlit and scans, and its component manager is handed to every timed run, so the
    # figures are the page's own work, not the harness's.
    warm = AppTest.from_function(_nothing, default_timeout=900)
    warm.run()
    components = warm._bidi_component_manager
    out: dict[str, float] = {}
    # The pages' modules (and what they import: pandas, PIL, the vis component) load once per
    # server process, not once per ingest: timed on their own, so "cold" is the first view after
    # an ingest (empty caches) in a running server.
    import importlib

    start = time.perf_counter()
    for page in pages:
        importlib.import_module(f"ui.{page}_page")
    out["page_imports_s"] = round(time.perf_counter() - start, 3)
    for page in pages:
        for phase in ("cold", "warm"):
            if phase == "cold":
                import streamlit as st

                st.cache_resource.clear()
                st.cache_data.clear()
            at = AppTest.from_function(_render, args=(page, str(workspace)), default_timeout=900)
            at._bidi_component_manager = components
            start = time.perf_counter()
            at.run()
            took = time.perf_counter() - start
            if at.exception:
                log.warning("%s raised: %s", page, at.exception[0].value)
            out[f"{page}_{phase}_s"] = round(took, 3)
            log.info("%s %s: %.2f s", page, phase, took)
    return out


def time_graph_steps(workspace: Path) -> dict[str, float | int | bool]:
    from graph.settings import load_settings
    from ui import PageContext
    from ui.data import read_workspace
    from ui.export import view_graphml
    from ui.graph_page import GraphFilters, aggregate, select_subgraph, to_payload

    out: dict[str, float | int | bool] = {}
    start = time.perf_counter()
    data = read_workspace(workspace)
    out["read_workspace_s"] = round(time.perf_counter() - start, 3)
    ctx = PageContext(settings=load_settings(env={}, overrides={"workspace": workspace}))
    for name, step in (
        ("view_s", lambda: select_subgraph(data, GraphFilters())),
        ("payload_s", lambda: to_payload(ctx, data, select_subgraph(data, GraphFilters()))),
        ("aggregate_s", lambda: aggregate(data, GraphFilters(max_nodes=300))),
        (
            "graphml_s",
            lambda: view_graphml(data, (v := select_subgraph(data, GraphFilters())).nodes, v.edges),
        ),
    ):
        start = time.perf_counter()
        step()
        out[name] = round(time.perf_counter() - start, 3)
    out["centrality_stored"] = bool(getattr(data, "centrality_stored", False))  # False before it was stored
    out["entities"] = len(data.entities)
    out["relations"] = int(data.stats.get("relations", 0))
    out["documents"] = int(data.stats.get("documents", 0))
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workspace", type=Path)
    parser.add_argument("--pages", default=",".join(PAGES))
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    sys.path.insert(0, str(ROOT))
    results: dict[str, object] = {"workspace": str(args.workspace)}
    results.update(time_graph_steps(args.workspace))
    results.update(time_pages(args.workspace, [p for p in args.pages.split(",") if p]))
    text = json.dumps(results, indent=2, ensure_ascii=False)
    print(text)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
