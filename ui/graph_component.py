"""The interactive network: vis-network in a bidirectional Streamlit component (Custom Components v2).

Why not pyvis's page in an ``st.iframe``: that page cannot talk back, so a click could never open a
details panel or expand a node. Custom Components v2 mount inline JavaScript in the app's own page
and send events back (``setTriggerValue``), which makes the graph a widget: a click selects
(``select``), a double click expands (``expand``). The vis-network library itself is the copy pyvis
ships inside its package, read from disk and prepended to our module, so nothing is fetched from a
CDN. The network keeps its node positions across reruns: an update only adds, changes and removes
the nodes that differ, so an expanded node's neighbours appear around it instead of the whole view
jumping. Shift-click pins a node (it stays where it is dropped); zoom, fit, fullscreen and a PNG of
the canvas are buttons on the component's own toolbar. Labels follow vis's label scaling with a draw
threshold: font size grows with the node's centrality, and labels smaller than the threshold on
screen are not drawn, so zoomed out only the top nodes are labelled.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import streamlit as st

log = logging.getLogger(__name__)

NAME = "zhkg_graph"


@dataclass(frozen=True)
class GraphEvent:
    """What the user did in the graph on this run: at most one of each, '' when nothing."""

    select: str = ""
    expand: str = ""


@dataclass(frozen=True)
class GraphPayload:
    """One drawing: vis-network node and edge dicts plus the view options."""

    nodes: list[dict[str, Any]]
    edges: list[dict[str, Any]]
    height: int = 640
    layout: str = "force"  # force | hierarchical
    focus: str = ""
    labels: dict[str, str] = field(default_factory=dict)
    name: str = "main"
    png_name: str = "zhkg-graph.png"
    spread: float = 1.0  # spring length factor (aggregated views: larger nodes, longer springs)


@functools.cache
def vis_source() -> str:
    """vis-network's standalone bundle as pyvis installs it (no network access needed)."""
    import pyvis

    lib = Path(pyvis.__file__).parent / "templates" / "lib"
    candidates = sorted(lib.glob("vis-*/vis-network.min.js"))
    if not candidates:
        raise FileNotFoundError(f"vis-network.min.js not found under {lib}")
    text = candidates[-1].read_text(encoding="utf-8")
    # the bundle names a source map the browser would try to fetch
    # split on "\n" only: the bundle holds U+2028 and form feeds inside string literals
    return "\n".join(line for line in text.split("\n") if not line.startswith("//# sourceMappingURL"))


_CSS = """
.zhkg-graph { position: relative; border: 1px solid #d9dde3; border-radius: 6px; background: #fff;
  font-family: "Noto Sans CJK TC", "Noto Sans TC", "PingFang TC", "Microsoft JhengHei", sans-serif; }
.zhkg-graph:fullscreen { border-radius: 0; }
.zhkg-graph .zg-canvas { width: 100%; }
.zhkg-graph .zg-bar { position: absolute; top: 8px; right: 8px; z-index: 5; display: flex; gap: 4px; }
.zhkg-graph .zg-bar button { font: inherit; font-size: 13px; padding: 3px 9px; border: 1px solid #c4c9d1;
  background: rgba(255,255,255,0.92); border-radius: 4px; cursor: pointer; color: #222; }
.zhkg-graph .zg-bar button:hover { background: #eef3fa; }
.zhkg-graph .zg-hint { position: absolute; left: 10px; bottom: 6px; z-index: 5; font-size: 12px; color: #667;
  background: rgba(255,255,255,0.85); padding: 1px 6px; border-radius: 4px; pointer-events: none; }
.zhkg-graph .vis-tooltip { position: absolute; visibility: hidden; padding: 6px 8px; white-space: pre-line;
  font-size: 13px; color: #222; background: #fffbe6; border: 1px solid #d8c98a; border-radius: 4px;
  box-shadow: 2px 2px 6px rgba(0,0,0,0.15); pointer-events: none; z-index: 10; max-width: 360px; }
"""

_JS = r"""
const OPTIONS = (layout, n, spread) => {
  const hier = layout === "hierarchical";
  const k = spread || 1;  // aggregated views: big nodes need longer springs
  return {
    autoResize: true,
    nodes: {
      shape: "dot",
      borderWidth: 2,
      scaling: { min: 8, max: 42,
                 label: { enabled: true, min: 11, max: 30, drawThreshold: 9, maxVisible: 30 } },
      font: { face: "Noto Sans CJK TC, Noto Sans TC, PingFang TC, Microsoft JhengHei, sans-serif",
              color: "#1f2430", strokeWidth: 4, strokeColor: "#ffffff" },
    },
    edges: {
      arrows: { to: { enabled: true, scaleFactor: 0.45 } },
      color: { color: "#aab2bf", highlight: "#E8590C", hover: "#E8590C" },
      font: { size: 11, color: "#555", strokeWidth: 3, strokeColor: "#fff", align: "middle" },
      smooth: hier ? { type: "cubicBezier", forceDirection: "vertical", roundness: 0.4 }
                   : { type: "continuous" },
      selectionWidth: 2,
    },
    layout: hier
      ? { hierarchical: { enabled: true, direction: "UD", sortMethod: "directed", levelSeparation: 150,
                          nodeSpacing: 130, treeSpacing: 160, shakeTowards: "roots" } }
      : { improvedLayout: n <= 200, randomSeed: 7 },
    physics: hier
      ? { enabled: true, hierarchicalRepulsion: { nodeDistance: 140, avoidOverlap: 0.8 },
          solver: "hierarchicalRepulsion", stabilization: { iterations: 150 } }
      : { enabled: true, solver: "forceAtlas2Based",
          forceAtlas2Based: { gravitationalConstant: -110 * k, centralGravity: 0.01, springLength: 110 * k,
                              springConstant: 0.06, avoidOverlap: 0.8 },
          stabilization: { iterations: n > 300 ? 120 : 220, fit: true } },
    interaction: { hover: true, tooltipDelay: 120, navigationButtons: false, keyboard: false,
                   multiselect: false, zoomSpeed: 0.6 },
  };
};

function button(bar, text, onClick) {
  const b = document.createElement("button");
  b.type = "button";
  b.textContent = text;
  b.addEventListener("click", (ev) => { ev.preventDefault(); onClick(); });
  bar.appendChild(b);
  return b;
}

function build(root, st, data, setTriggerValue) {
  if (st.network) { st.network.destroy(); }
  const container = root.querySelector(".zg-canvas");
  st.nodes = new vis.DataSet(data.nodes);
  st.edges = new vis.DataSet(data.edges);
  st.layout = data.layout;
  const options = OPTIONS(data.layout, data.nodes.length, data.spread);
  const network = new vis.Network(container, { nodes: st.nodes, edges: st.edges }, options);
  st.network = network;
  network.on("beforeDrawing", (ctx) => {  // a white background, so the PNG is not transparent
    ctx.save(); ctx.setTransform(1, 0, 0, 1, 0, 0); ctx.fillStyle = "#ffffff";
    ctx.fillRect(0, 0, ctx.canvas.width, ctx.canvas.height); ctx.restore();
  });
  network.once("stabilizationIterationsDone", () => {
    st.stable = true;
    if (st.nodes.length > 150) { network.setOptions({ physics: { enabled: false } }); }
    if (st.pendingFocus) { focusOn(st, st.pendingFocus); st.pendingFocus = ""; }
    else { network.fit({ animation: false }); }
    root.setAttribute("data-stable", "1");
    network.once("stabilized", () => {  // physics may run on after stabilizing: fit the settled view
      if (!st.userMoved && !st.lastFocus) { network.fit({ animation: false }); }
    });
  });
  network.on("dragStart", () => { st.userMoved = true; });
  network.on("zoom", () => { st.userMoved = true; });
  let clickTimer = null;
  network.on("click", (params) => {
    if (!params.nodes.length) { return; }
    const id = params.nodes[0];
    const src = params.event && params.event.srcEvent;
    if (src && src.shiftKey) {  // shift-click: pin or unpin where it stands
      const node = st.nodes.get(id);
      const pinned = !(node && node.fixed === true);
      st.nodes.update({ id, fixed: pinned, shapeProperties: { borderDashes: pinned ? [4, 3] : false },
                        borderWidth: pinned ? 5 : 2 });
      st.pinned[id] = pinned;
      return;
    }
    clearTimeout(clickTimer);
    clickTimer = setTimeout(() => setTriggerValue("select", id), 260);
  });
  network.on("doubleClick", (params) => {
    if (!params.nodes.length) { return; }
    clearTimeout(clickTimer);
    setTriggerValue("expand", params.nodes[0]);
  });
}

function focusOn(st, id) {
  if (!st.nodes.get(id)) { return; }
  st.network.selectNodes([id]);
  st.network.focus(id, { scale: 1.1, animation: { duration: 400, easingFunction: "easeInOutQuad" } });
}

function update(st, data) {
  const known = new Set(st.nodes.getIds());
  const incoming = new Set(data.nodes.map((n) => n.id));
  const positions = st.network.getPositions();
  const removeNodes = [...known].filter((id) => !incoming.has(id));
  const anchorOf = {};
  for (const e of data.edges) {
    if (known.has(e.from) && !known.has(e.to)) { anchorOf[e.to] = e.from; }
    if (known.has(e.to) && !known.has(e.from)) { anchorOf[e.from] = e.to; }
  }
  const nodes = data.nodes.map((n) => {
    const out = Object.assign({}, n);
    if (st.pinned[n.id]) {
      out.fixed = true; out.borderWidth = 5; out.shapeProperties = { borderDashes: [4, 3] };
    }
    if (!known.has(n.id) && anchorOf[n.id] && positions[anchorOf[n.id]]) {
      const p = positions[anchorOf[n.id]];
      out.x = p.x + (Math.random() - 0.5) * 80; out.y = p.y + (Math.random() - 0.5) * 80;
    }
    return out;
  });
  st.nodes.remove(removeNodes);
  st.nodes.update(nodes);
  const edgeIds = new Set(data.edges.map((e) => e.id));
  st.edges.remove(st.edges.getIds().filter((id) => !edgeIds.has(id)));
  st.edges.update(data.edges);
  if (data.nodes.some((n) => !known.has(n.id))) {
    st.network.setOptions({ physics: { enabled: true } });
    st.network.stabilize(80);
    st.network.once("stabilized", () => {
      if (st.nodes.length > 150) { st.network.setOptions({ physics: { enabled: false } }); }
    });
  }
}

export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  if (!globalThis.vis || !globalThis.vis.Network) { __zhkgLoadVis(); }
  let root = parentElement.querySelector(".zhkg-graph");
  if (!root) {
    root = document.createElement("div");
    root.className = "zhkg-graph";
    root.setAttribute("data-testid", "zhkg-graph");
    const canvas = document.createElement("div");
    canvas.className = "zg-canvas";
    root.appendChild(canvas);
    const bar = document.createElement("div");
    bar.className = "zg-bar";
    root.appendChild(bar);
    const hint = document.createElement("div");
    hint.className = "zg-hint";
    root.appendChild(hint);
    parentElement.appendChild(root);
    root.__zhkg = { pinned: {} };
    const st = root.__zhkg;
    st.buttons = {
      zoom_in: button(bar, "＋", () => st.network.moveTo({ scale: st.network.getScale() * 1.3 })),
      zoom_out: button(bar, "－", () => st.network.moveTo({ scale: st.network.getScale() / 1.3 })),
      fit: button(bar, "", () => st.network.fit({ animation: { duration: 300 } })),
      fullscreen: button(bar, "", () => {
        if (document.fullscreenElement) { document.exitFullscreen(); } else { root.requestFullscreen(); }
      }),
      png: button(bar, "PNG", () => {
        const c = root.querySelector("canvas");
        const a = document.createElement("a");
        a.href = c.toDataURL("image/png");
        a.download = st.pngName || "graph.png";
        document.body.appendChild(a); a.click(); a.remove();
      }),
    };
    document.addEventListener("fullscreenchange", () => {
      const full = document.fullscreenElement === root;
      root.querySelector(".zg-canvas").style.height = full ? "100vh" : st.height + "px";
      if (st.network) { st.network.redraw(); st.network.fit(); }
    });
  }
  const st = root.__zhkg;
  st.height = data.height;
  st.pngName = data.png_name;
  root.querySelector(".zg-canvas").style.height = data.height + "px";
  const L = data.labels || {};
  root.querySelector(".zg-hint").textContent = L.hint || "";
  for (const [name, b] of Object.entries(st.buttons)) {  // labels follow the UI language
    const label = L[name] || name;
    if (name === "fit" || name === "fullscreen") { b.textContent = label; }
    b.title = label;
    b.setAttribute("aria-label", label);
  }
  const overlap = st.nodes ? data.nodes.some((n) => st.nodes.get(n.id)) : false;
  if (!st.network || st.layout !== data.layout || !overlap) {  // a new view: lay it out afresh
    st.stable = false;
    st.userMoved = false;
    st.pendingFocus = data.focus || "";
    build(root, st, data, setTriggerValue);
  } else {
    update(st, data);
    if (data.focus && data.focus !== st.lastFocus) { focusOn(st, data.focus); }
  }
  st.lastFocus = data.focus || "";
  globalThis.zhkgGraphs = globalThis.zhkgGraphs || {};
  globalThis.zhkgGraphs[data.name] = { network: st.network, nodes: st.nodes, edges: st.edges, root };
  root.setAttribute("data-nodes", String(st.nodes.length));
}
"""


@functools.cache
def _component() -> Any:
    """Register the component once per process (re-registering would warn on every rerun)."""
    loader = "function __zhkgLoadVis() {\n" + vis_source() + "\n}\n"
    return st.components.v2.component(NAME, js=loader + _JS, css=_CSS, isolate_styles=False)


def network(payload: GraphPayload, *, key: str) -> GraphEvent:
    """Draw the network and return what the user clicked on this run."""
    data = {
        "nodes": payload.nodes,
        "edges": payload.edges,
        "height": payload.height,
        "layout": payload.layout,
        "focus": payload.focus,
        "labels": payload.labels,
        "name": payload.name,
        "png_name": payload.png_name,
        "spread": payload.spread,
    }
    result = _component()(
        key=key,
        data=data,
        on_select_change=_noop,
        on_expand_change=_noop,
        height="content",
    )
    select = _value(result, "select")
    expand = _value(result, "expand")
    return GraphEvent(select=select, expand=expand)


def _value(result: Any, name: str) -> str:
    try:
        value = getattr(result, name, None)
    except Exception:  # a result without that field (e.g. under AppTest)
        value = None
    return str(value) if value else ""


def _noop() -> None:
    """Trigger callbacks must exist for the trigger to be delivered; the page reads the result."""
