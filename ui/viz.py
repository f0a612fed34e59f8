"""Network drawings: pyvis HTML with every script inlined, so graphs render offline.

Pages describe a drawing as plain :class:`VizNode`/:class:`VizEdge` lists; this
module alone knows pyvis. ``cdn_resources='in_line'`` embeds vis-network, and
the template's unconditional Bootstrap CDN tags are stripped so the iframe
never reaches for the network.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass

import streamlit as st

# One colour per entity type: Paul Tol's colour-blind-safe "bright" scheme, plus indigo from his "muted"
# scheme for DATASET (the darkest, so it stays apart from the rest under every kind of colour blindness).
TYPE_COLORS = {
    "MODEL": "#4477AA",
    "TOOL": "#EE6677",
    "CONCEPT": "#228833",
    "ORG": "#CCBB44",
    "PERSON": "#AA3377",
    "HARDWARE": "#66CCEE",
    "DATASET": "#332288",
}
OTHER_COLOR = "#BBBBBB"
DIM_COLOR = "#DDDDDD"
PHYSICS_MAX_NODES = 150

_EXTERNAL = re.compile(r"<(link|script)\b[^>]*(href|src)=\"https?://[^\"]*\"[^>]*>(\s*</script>)?", re.S)
_FONT = "Noto Sans CJK TC, Noto Sans TC, PingFang TC, Microsoft JhengHei, sans-serif"


@dataclass(frozen=True)
class VizNode:
    id: str
    label: str
    group: str  # entity type, picks the colour
    size: float = 12.0
    title: str = ""  # hover text (plain)
    highlight: bool = True


@dataclass(frozen=True)
class VizEdge:
    source: str
    target: str
    label: str = ""
    width: float = 1.0
    title: str = ""
    highlight: bool = True


def _plain(text: str) -> str:
    """Labels come from documents: angle brackets could close the inline <script>, so swap them
    for their full-width look-alikes before they reach the page."""
    return text.replace("<", "＜").replace(">", "＞")


def node_size(centrality: float) -> float:
    """Map a [0, 1] centrality to a readable dot radius."""
    return 10.0 + 30.0 * max(0.0, min(1.0, centrality)) ** 0.5


def network_html(
    nodes: list[VizNode],
    edges: list[VizEdge],
    *,
    height: int = 620,
    physics: bool | None = None,
    directed: bool = True,
) -> str:
    """A self-contained HTML page drawing the network (no external resources)."""
    from pyvis.network import Network

    if physics is None:
        physics = len(nodes) <= PHYSICS_MAX_NODES
    net = Network(
        height=f"{height}px",
        width="100%",
        directed=directed,
        cdn_resources="in_line",
        bgcolor="#ffffff",
    )
    for n in nodes:
        color = TYPE_COLORS.get(n.group, OTHER_COLOR) if n.highlight else DIM_COLOR
        net.add_node(
            n.id,
            label=_plain(n.label),
            color=color,
            size=n.size,
            title=_plain(n.title or n.label),
            borderWidth=3 if n.highlight else 1,
            font={
                "face": _FONT,
                "size": 22 if n.highlight else 14,
                "color": "#222222" if n.highlight else "#999999",
            },
        )
    known = {n.id for n in nodes}
    for e in edges:
        if e.source not in known or e.target not in known:
            continue
        net.add_edge(
            e.source,
            e.target,
            title=_plain(e.title or e.label),
            label=_plain(e.label),
            width=e.width,
            color="#E8590C" if e.highlight else "#B8BEC8",
            font={"size": 10, "face": _FONT, "color": "#666666", "strokeWidth": 3},
        )
    options = {
        "physics": {
            "enabled": physics,
            "solver": "forceAtlas2Based",
            "forceAtlas2Based": {
                "gravitationalConstant": -90,
                "centralGravity": 0.012,
                "springLength": 90,
                "avoidOverlap": 0.6,
            },
            "stabilization": {"enabled": True, "iterations": 120},
        },
        "interaction": {"hover": True, "navigationButtons": False, "tooltipDelay": 150},
        "edges": {
            "smooth": {"enabled": physics, "type": "continuous"},
            "arrows": {"to": {"scaleFactor": 0.5}},
        },
        "layout": {"improvedLayout": len(nodes) <= PHYSICS_MAX_NODES, "randomSeed": 7},
    }
    net.set_options(json.dumps(options))
    if not physics:
        _static_layout(net, nodes)
    page = net.generate_html(notebook=False)
    page = _EXTERNAL.sub("", page)
    # pyvis prints an empty heading twice; drop it so the canvas starts at the top.
    page = page.replace("<center>\n<h1></h1>\n</center>", "").replace(
        "<center>\n          <h1></h1>\n        </center>", ""
    )
    return page.replace("<head>", '<head><meta name="zhkg-graph" content="1">', 1)


def _static_layout(net: object, nodes: list[VizNode]) -> None:
    """Place nodes on a spiral (most central first) when physics is off, so large graphs stay legible."""
    import math

    order = sorted(nodes, key=lambda n: -n.size)
    pos = {}
    for i, n in enumerate(order):
        r = 60.0 * math.sqrt(i + 1)
        a = i * 2.399963  # golden angle
        pos[n.id] = (r * math.cos(a), r * math.sin(a))
    for node in net.nodes:  # type: ignore[attr-defined]
        x, y = pos.get(node["id"], (0.0, 0.0))
        node["x"], node["y"] = x, y


def legend_html(types: list[str], lang_labels: dict[str, str] | None = None) -> str:
    """A one-line colour legend (HTML for st.markdown with unsafe_allow_html)."""
    parts = []
    for t in types:
        color = TYPE_COLORS.get(t, OTHER_COLOR)
        name = html.escape((lang_labels or {}).get(t, t))
        parts.append(
            f'<span style="display:inline-block;margin-right:14px">'
            f'<span style="display:inline-block;width:12px;height:12px;border-radius:6px;'
            f'background:{color};margin-right:4px;vertical-align:middle"></span>{name}</span>'
        )
    return "".join(parts)


def show(
    nodes: list[VizNode], edges: list[VizEdge], *, height: int = 620, physics: bool | None = None
) -> None:
    """Render the network in the page through ``st.iframe`` (cached per drawing)."""
    page = _cached_html(tuple(nodes), tuple(edges), height, physics)
    st.iframe(page, height=height + 20, alt="graph")


@st.cache_data(show_spinner=False, max_entries=64)
def _cached_html(
    nodes: tuple[VizNode, ...], edges: tuple[VizEdge, ...], height: int, physics: bool | None
) -> str:
    return network_html(list(nodes), list(edges), height=height, physics=physics)
