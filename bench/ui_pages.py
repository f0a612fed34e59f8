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


def time_pages(workspace: Path, pages: Sequence[str]) -> dict[str, float]:
    from streamlit import config
    from streamlit.testing.v1 import AppTest

    config.set_option("server.address", "127.0.0.1")
    out: dict[str, float] = {}
    for page in pages:
        for phase in ("cold", "warm"):
            if phase == "cold":
                import streamlit as st

                st.cache_resource.clear()
                st.cache_data.clear()
            at = AppTest.from_function(_render, args=(page, str(workspace)), default_timeout=900)
            start = time.perf_counter()
            at.run()
            took = time.perf_counter() - start
            if at.exception:
                log.warning("%s raised: %s", page, at.exception[0].value)
            out[f"{page}_{phase}_s"] = round(took, 3)
            log.info("%s %s: %.2f s", page, phase, took)
    return out


def time_graph_steps(workspace: Path) -> dict[str, float]:
    from graph.settings import load_settings
    from ui import PageContext
    from ui.data import read_workspace
    from ui.export import view_graphml
    from ui.graph_page import GraphFilters, aggregate, select_subgraph, to_payload

    out: dict[str, float] = {}
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
    out["entities"] = len(data.entities)
    out["relations"] = len(data.relations)
    out["documents"] = len(data.documents)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workspace", type=Path)
    parser.add_argument("--pages", default=",".join(PAGES))
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    sys.path.insert(0, str(ROOT))
    results = {"workspace": str(args.workspace)}
    results.update(time_graph_steps(args.workspace))  # type: ignore[arg-type]
    results.update(time_pages(args.workspace, [p for p in args.pages.split(",") if p]))  # type: ignore[arg-type]
    text = json.dumps(results, indent=2, ensure_ascii=False)
    print(text)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
