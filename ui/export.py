"""What the explorer lets a user download: a graph view as GraphML or JSON, an answer with its
citations as Markdown, evidence tables as CSV.

Pure functions returning bytes for ``st.download_button``, so each format is tested by parsing
what it writes. GraphML is written with the standard library's ElementTree (attribute keys
declared, as yEd, Gephi and networkx expect); names stay in their original script.
"""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from typing import Any

from extract.records import Evidence, Relation
from ui.data import WorkspaceData

_NS = "http://graphml.graphdrawing.org/xmlns"
_NODE_KEYS = (
    ("name", "string"),
    ("type", "string"),
    ("aliases", "string"),
    ("mentions", "int"),
    ("centrality", "double"),
)
_EDGE_KEYS = (("type", "string"), ("weight", "double"), ("evidence", "string"))


def _evidence(data: WorkspaceData, edges: Sequence[Relation]) -> dict[str, Sequence[Evidence]]:
    """Evidence per relation: what the relation carries, else read for these edges only (the views
    read their edges without evidence)."""
    missing = [r.id for r in edges if not r.evidence]
    read: dict[str, Sequence[Evidence]] = dict(data.evidence_of(missing)) if missing else {}
    read.update({r.id: r.evidence for r in edges if r.evidence})
    return read


def view_graphml(data: WorkspaceData, nodes: Sequence[str], edges: Iterable[Relation]) -> bytes:
    """The view as GraphML: one node per entity, one directed edge per relation (first sentence)."""
    ET.register_namespace("", _NS)
    root = ET.Element(f"{{{_NS}}}graphml")
    for kind, keys in (("node", _NODE_KEYS), ("edge", _EDGE_KEYS)):
        for name, typ in keys:
            ET.SubElement(
                root,
                f"{{{_NS}}}key",
                {"id": f"{kind[0]}_{name}", "for": kind, "attr.name": name, "attr.type": typ},
            )
    graph = ET.SubElement(root, f"{{{_NS}}}graph", {"id": "zhkg", "edgedefault": "directed"})
    kept = [n for n in nodes if n in data.entities]
    for eid in kept:
        ent = data.entities[eid]
        el = ET.SubElement(graph, f"{{{_NS}}}node", {"id": eid})
        for key, value in (
            ("name", ent.name),
            ("type", str(ent.type)),
            ("aliases", "|".join(ent.aliases)),
            ("mentions", str(ent.mention_count)),
            ("centrality", f"{data.centrality.get(eid, 0.0):.6f}"),
        ):
            ET.SubElement(el, f"{{{_NS}}}data", {"key": f"n_{key}"}).text = value
    known = set(kept)
    drawn = [r for r in edges if r.source in known and r.target in known]
    evidence = _evidence(data, drawn)
    for rel in drawn:
        el = ET.SubElement(
            graph, f"{{{_NS}}}edge", {"id": rel.id, "source": rel.source, "target": rel.target}
        )
        for key, value in (
            ("type", str(rel.type)),
            ("weight", f"{rel.weight:g}"),
            ("evidence", evidence[rel.id][0].text if evidence.get(rel.id) else ""),
        ):
            ET.SubElement(el, f"{{{_NS}}}data", {"key": f"e_{key}"}).text = value
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def view_json(data: WorkspaceData, nodes: Sequence[str], edges: Iterable[Relation]) -> bytes:
    """The view as JSON: ``{"nodes": [...], "edges": [...]}`` with every evidence sentence."""
    kept = [n for n in nodes if n in data.entities]
    known = set(kept)
    drawn = [r for r in edges if r.source in known and r.target in known]
    evidence = _evidence(data, drawn)
    out = {
        "nodes": [
            {
                "id": eid,
                "name": data.entities[eid].name,
                "type": str(data.entities[eid].type),
                "aliases": list(data.entities[eid].aliases),
                "mentions": data.entities[eid].mention_count,
                "centrality": round(data.centrality.get(eid, 0.0), 6),
            }
            for eid in kept
        ],
        "edges": [
            {
                "id": r.id,
                "source": r.source,
                "target": r.target,
                "type": str(r.type),
                "weight": r.weight,
                "evidence": [
                    {"doc_id": ev.doc_id, "chunk_id": ev.chunk_id, "text": ev.text}
                    for ev in evidence.get(r.id, ())
                ],
            }
            for r in drawn
        ],
    }
    return json.dumps(out, ensure_ascii=False, indent=1).encode("utf-8")


def rows_csv(rows: Sequence[dict[str, Any]]) -> bytes:
    """Table rows as CSV (UTF-8 with a byte-order mark, so spreadsheet programs read CJK right)."""
    buf = io.StringIO()
    if rows:
        writer = csv.DictWriter(buf, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def answer_markdown(question: str, answer: Any, labels: dict[str, str], doc_label: Any = None) -> bytes:
    """An answer with its numbered citations as Markdown (the sentence quoted, then the place)."""
    lines = [f"# {question}", "", answer.answer.strip(), ""]
    if answer.citations:
        lines += [f"## {labels.get('citations', 'Citations')}", ""]
        for i, c in enumerate(answer.citations, 1):
            where = doc_label(c.doc_id) if doc_label else c.path
            quote = (getattr(c, "sentence", "") or c.text).strip().replace("\n", " ")
            lines.append(f"{i}. {where} ({c.where})")
            lines.append(f"   > {quote}")
    return ("\n".join(lines) + "\n").encode("utf-8")
