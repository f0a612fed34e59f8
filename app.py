"""zhkg Streamlit explorer: settings, the password gate, navigation. Pages live in ``ui/``.

Run with ``zhkg app [--workspace W]`` or
``streamlit run app.py --server.address 127.0.0.1 -- --workspace W``; the
workspace may also come from ``ZHKG_WORKSPACE``. Settings are built here, at
run time, never at import.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence

import streamlit as st
from PIL import Image

log = logging.getLogger("zhkg.app")

PAGES = ("graph", "entity", "documents", "communities", "ask", "cypher", "ingest")
ICONS = {
    "graph": ":material/hub:",
    "entity": ":material/label:",
    "documents": ":material/description:",
    "communities": ":material/groups:",
    "ask": ":material/forum:",
    "cypher": ":material/terminal:",
    "ingest": ":material/upload_file:",
}


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    """Arguments after ``--`` on the streamlit command line; unknown ones are ignored."""
    parser = argparse.ArgumentParser(prog="app.py", add_help=False, allow_abbrev=False)
    parser.add_argument("--workspace", "-w", default=None)
    args, _ = parser.parse_known_args(list(argv))
    return args


def _page(name: str, ctx: object) -> Callable[[], None]:
    """A page function for st.navigation that renders ``ui.<name>_page`` and turns stray errors
    into one readable line."""

    def run() -> None:
        import importlib

        try:
            importlib.import_module(f"ui.{name}_page").render(ctx)
        except Exception as exc:  # control-flow exceptions (rerun, stop) are BaseException
            log.exception("page %s failed", name)
            st.error(ctx.t("page_error", err=f"{type(exc).__name__}: {exc}"))  # type: ignore[attr-defined]

    run.__name__ = f"page_{name}"
    return run


def _favicon() -> Image.Image:
    """A small graph drawn here: a ``:material/…:`` page icon makes the browser fetch the icon from
    Google's font server, and the explorer loads nothing from other hosts."""
    from PIL import ImageDraw

    img = Image.new("RGBA", (64, 64), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    nodes = [(32, 14), (12, 48), (52, 48), (32, 36)]
    for a, b in ((0, 3), (1, 3), (2, 3), (0, 1), (0, 2)):
        draw.line([nodes[a], nodes[b]], fill=(90, 110, 140, 255), width=4)
    for x, y in nodes:
        draw.ellipse([x - 8, y - 8, x + 8, y + 8], fill=(46, 134, 193, 255))
    return img


def main() -> None:
    from graph.settings import SettingsError, load_settings
    from ui import PageContext
    from ui.auth import gate
    from ui.i18n import tr

    st.set_page_config(page_title="zhkg", page_icon=_favicon(), layout="wide")
    lang = "en" if st.session_state.get("lang_en") else "zh"
    args = parse_args(sys.argv[1:])
    try:
        settings = load_settings(overrides={"workspace": args.workspace})
    except SettingsError as exc:
        st.error(tr("settings_error", lang, err=exc))
        st.stop()
    ctx = PageContext(settings=settings, lang=lang)
    if not gate(ctx):
        st.stop()
    st.sidebar.toggle(tr("lang_toggle", lang), key="lang_en")
    st.sidebar.caption(f"{ctx.t('workspace')}: `{settings.workspace}`")
    pages = [
        st.Page(
            _page(name, ctx),
            title=ctx.t(f"page_{name}"),
            icon=ICONS[name],
            url_path="home" if name == "graph" else name,
            default=name == "graph",
        )
        for name in PAGES
    ]
    from ui import links

    links.register(dict(zip(PAGES, pages, strict=True)))
    # The default page is served at "/", so "/graph" would be "Page not found": a hidden twin
    # answers there (a bookmark or a typed address opens the graph, with no popup).
    twin = st.Page(_page("graph", ctx), title=ctx.t("page_graph"), url_path="graph", visibility="hidden")
    st.navigation([*pages, twin]).run()


main()
