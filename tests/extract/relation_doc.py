"""One document through the extractor, for the relation tests: its typed relations by name."""

from __future__ import annotations

from extract.chunk import make_chunks
from extract.extractor import Extractor
from extract.records import Chunk, Document, RelationCandidate, RelationType

Triple = tuple[str, str, RelationType]


def relations(ex: Extractor, text: str) -> tuple[list[RelationCandidate], dict[str, str], str]:
    """Typed relations, key → name, and body of a document written with ``# `` heading lines
    (turned into sections, as cleaning does)."""
    lines, sections, pos = [], [], 0
    for line in text.split("\n"):
        if line.startswith("# "):
            line = line[2:]
            sections.append((pos, line))
        lines.append(line)
        pos += len(line) + 1
    body = "\n".join(lines)
    doc = Document("d1", "x.md", "g", "t", body, "h", "utf-8", 1)
    chunks = make_chunks("d1", body, sections) if sections else [Chunk("c", "d1", 0, body, 0, len(body))]
    (res,) = ex.extract_many([(doc, chunks)])
    names = {m.key: (m.canonical or m.surface) for m in res.mentions}
    return [r for r in res.relations if r.type is not RelationType.RELATED_TO], names, body


def typed(ex: Extractor, text: str) -> set[Triple]:
    """(source, target, type) of every typed relation in ``text``."""
    rels, names, _ = relations(ex, text)
    return {(names[r.source_key], names[r.target_key], r.type) for r in rels}
