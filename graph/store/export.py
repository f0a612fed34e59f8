"""The workspace as JSON, GraphML or CSV: the stable interchange other tools read.

Everything exported comes from the store, which only ever holds redacted text.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from graph.store import Store, readers


def export_dict(store: Store) -> dict[str, Any]:
    chunk_counts = readers.chunk_counts(store)
    links_to: dict[str, list[str]] = {}
    for source, target in store.doc_links():
        links_to.setdefault(source, []).append(target)
    documents = [
        {
            "id": d.id,
            "path": d.path,
            "title": d.title,
            "date": d.date,
            "author": d.author,
            "tags": list(d.tags),
            "encoding": d.encoding,
            "size_bytes": d.size_bytes,
            "chunks": chunk_counts.get(d.id, 0),
            "aliases": list(d.aliases),
            "links_to": links_to.get(d.id, []),
            "duplicate_of": d.duplicate_of or None,
        }
        for d in store.documents()
    ]
    entities = [
        {
            "id": e.id,
            "name": e.name,
            "type": str(e.type),
            "aliases": list(e.aliases),
            "doc_ids": list(e.doc_ids),
            "mention_count": e.mention_count,
            "extractors": list(e.extractors),
            "confidence": round(e.confidence, 4),
            "variant_of": e.variant_of or None,
            "merges": list(e.merges),
        }
        for e in store.entities()
    ]
    relations = [
        {
            "id": r.id,
            "source": r.source,
            "target": r.target,
            "type": str(r.type),
            "weight": r.weight,
            "confidence": round(r.confidence, 4),
            "extractors": list(r.extractors),
            "evidence": [
                {"doc_id": ev.doc_id, "chunk_id": ev.chunk_id, "text": ev.text, "extractor": ev.extractor}
                for ev in r.evidence
            ],
        }
        for r in store.relations()
    ]
    communities = [
        {
            "id": c.id,
            "level": c.level,
            "parent": c.parent or None,
            "title": c.title,
            "summary": c.summary,
            "entity_ids": list(c.entity_ids),
        }
        for c in store.communities()
    ]
    return {"documents": documents, "entities": entities, "relations": relations, "communities": communities}


def to_json(store: Store) -> str:
    return json.dumps(export_dict(store), ensure_ascii=False, indent=2)


def to_graphml(store: Store) -> str:
    data = export_dict(store)
    out = io.StringIO()
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.write('<graphml xmlns="http://graphml.graphdrawing.org/xmlns">\n')
    keys = [
        ("name", "node", "string"),
        ("type", "node", "string"),
        ("aliases", "node", "string"),
        ("mention_count", "node", "int"),
        ("doc_count", "node", "int"),
        ("rel_type", "edge", "string"),
        ("weight", "edge", "double"),
        ("evidence", "edge", "string"),
    ]
    for name, domain, kind in keys:
        out.write(f'  <key id="{name}" for="{domain}" attr.name="{name}" attr.type="{kind}"/>\n')
    out.write('  <graph id="zhkg" edgedefault="directed">\n')
    for e in data["entities"]:
        out.write(f"    <node id={quoteattr(e['id'])}>\n")
        values = {
            "name": e["name"],
            "type": e["type"],
            "aliases": " | ".join(e["aliases"]),
            "mention_count": e["mention_count"],
            "doc_count": len(e["doc_ids"]),
        }
        for k, v in values.items():
            out.write(f'      <data key="{k}">{escape(str(v))}</data>\n')
        out.write("    </node>\n")
    for r in data["relations"]:
        out.write(
            f"    <edge id={quoteattr(r['id'])} source={quoteattr(r['source'])} "
            f"target={quoteattr(r['target'])}>\n"
        )
        evidence = " ‖ ".join(ev["text"] for ev in r["evidence"])
        for k, v in (("rel_type", r["type"]), ("weight", r["weight"]), ("evidence", evidence)):
            out.write(f'      <data key="{k}">{escape(str(v))}</data>\n')
        out.write("    </edge>\n")
    out.write("  </graph>\n</graphml>\n")
    return out.getvalue()


def csv_tables(store: Store) -> dict[str, str]:
    """File name → CSV text (documents, document links, entities, relations, evidence, communities)."""
    data = export_dict(store)

    def table(header: list[str], rows: list[list[Any]]) -> str:
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(header)
        w.writerows(rows)
        return buf.getvalue()

    return {
        "documents.csv": table(
            ["id", "path", "title", "date", "author", "tags", "encoding", "size_bytes", "chunks"],
            [
                [
                    d["id"],
                    d["path"],
                    d["title"],
                    d["date"],
                    d["author"],
                    "|".join(d["tags"]),
                    d["encoding"],
                    d["size_bytes"],
                    d["chunks"],
                ]
                for d in data["documents"]
            ],
        ),
        "document_links.csv": table(
            ["source", "target"], [[d["id"], t] for d in data["documents"] for t in d["links_to"]]
        ),
        "entities.csv": table(
            ["id", "name", "type", "aliases", "mention_count", "doc_count", "variant_of"],
            [
                [
                    e["id"],
                    e["name"],
                    e["type"],
                    "|".join(e["aliases"]),
                    e["mention_count"],
                    len(e["doc_ids"]),
                    e["variant_of"] or "",
                ]
                for e in data["entities"]
            ],
        ),
        "relations.csv": table(
            ["id", "source", "target", "type", "weight", "confidence"],
            [
                [r["id"], r["source"], r["target"], r["type"], r["weight"], r["confidence"]]
                for r in data["relations"]
            ],
        ),
        "evidence.csv": table(
            ["relation_id", "doc_id", "chunk_id", "text"],
            [
                [r["id"], ev["doc_id"], ev["chunk_id"], ev["text"]]
                for r in data["relations"]
                for ev in r["evidence"]
            ],
        ),
        "communities.csv": table(
            ["id", "level", "parent", "title", "summary", "entity_ids"],
            [
                [c["id"], c["level"], c["parent"] or "", c["title"], c["summary"], "|".join(c["entity_ids"])]
                for c in data["communities"]
            ],
        ),
    }


def write_atomic(path: Path, text: str) -> None:
    """Write via a temporary file and rename, so a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
