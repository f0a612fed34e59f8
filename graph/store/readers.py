"""Named, streaming readers over the workspace for the rooms that scan it whole.

The search index (a cold build), the Neo4j projection and the evaluation read every row of
some tables in a fixed order. Each reader here is one SQL statement, read row by row and
yielded as a small named record, so those rooms neither hold a table in memory nor know its
columns: the schema stays in this package.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from extract.records import Entity, Relation
from graph.records import Community
from graph.store.workspace import Store, _entity, _relation

_TOP_TABLES = ("documents", "chunks", "entities", "relations", "mentions")


def table_tops(store: Store) -> tuple[int | None, ...]:
    """The top rowid of each big table: with the generation, what a cached index was built from."""
    one = store.conn.execute
    return tuple(one(f"SELECT max(rowid) FROM {t}").fetchone()[0] for t in _TOP_TABLES)


class DocumentTitle(NamedTuple):
    id: str
    path: str
    title: str


def document_titles(store: Store) -> list[DocumentTitle]:
    """Every document's id, path and title, by path."""
    rows = store.conn.execute("SELECT id, path, title FROM documents ORDER BY path")
    return [DocumentTitle(*r) for r in rows]


class ChunkText(NamedTuple):
    id: str
    doc_id: str
    text: str
    section: str


def chunk_texts(store: Store) -> Iterator[ChunkText]:
    """Chunks in document order (``doc_id``, then position), streamed."""
    for r in store.conn.execute("SELECT id, doc_id, text, section FROM chunks ORDER BY doc_id, idx"):
        yield ChunkText(*r)


class ChunkSource(NamedTuple):
    rowid: int
    id: str
    doc_id: str
    text: str
    section: str


def chunk_sources(store: Store, doc_ids: Sequence[str] | None = None) -> Iterator[ChunkSource]:
    """Chunks with their rowids in document order, streamed; only those of ``doc_ids`` when given.

    The rowid tells the search index whether a chunk row is the one it tokenized before: a
    re-extracted document's chunks are deleted and inserted again, under new rowids.
    """
    sql = "SELECT rowid, id, doc_id, text, section FROM chunks"
    if doc_ids is None:
        yield from (ChunkSource(*r) for r in store.conn.execute(sql + " ORDER BY doc_id, idx"))
        return
    wanted = sorted(set(doc_ids))
    for lo in range(0, len(wanted), 500):
        part = wanted[lo : lo + 500]
        marks = ",".join("?" * len(part))
        rows = store.conn.execute(f"{sql} WHERE doc_id IN ({marks}) ORDER BY doc_id, idx", part)
        yield from (ChunkSource(*r) for r in rows)


def chunk_keys(store: Store) -> Iterator[tuple[int, str, str]]:
    """(rowid, chunk id, doc id) of every chunk in document order, without the texts."""
    yield from store.conn.execute("SELECT rowid, id, doc_id FROM chunks ORDER BY doc_id, idx")


def mention_key_counts(store: Store, doc_ids: Sequence[str] | None = None) -> Iterator[tuple[str, str, int]]:
    """(chunk id, match key, mentions) of every chunk, or of the chunks of ``doc_ids``.

    Counted per match key rather than per entity: the key → entity assignment is redone by every
    ingest, the mentions of an unchanged chunk are not, so the index keeps these counts and maps
    them to entities afresh.
    """
    sql = "SELECT chunk_id, key, COUNT(*) FROM mentions"
    if doc_ids is None:
        yield from store.conn.execute(sql + " GROUP BY chunk_id, key")
        return
    wanted = sorted(set(doc_ids))
    for lo in range(0, len(wanted), 500):
        part = wanted[lo : lo + 500]
        marks = ",".join("?" * len(part))
        yield from store.conn.execute(f"{sql} WHERE doc_id IN ({marks}) GROUP BY chunk_id, key", part)


class EntityHead(NamedTuple):
    id: str
    name: str
    type: str


def entity_heads(store: Store) -> list[EntityHead]:
    """Every entity's id, name and type, by id."""
    return [EntityHead(*r) for r in store.conn.execute("SELECT id, name, type FROM entities ORDER BY id")]


def entity_ids_by_salience(store: Store) -> list[str]:
    """Entity ids in the order :meth:`Store.entities` lists them (most mentioned first)."""
    return [eid for (eid,) in store.conn.execute("SELECT id FROM entities ORDER BY mention_count DESC, name")]


def entity_keys(store: Store) -> Iterator[tuple[str, str]]:
    """(match key, entity id) for every key the resolver assigned."""
    yield from ((key, eid) for key, eid in store.conn.execute("SELECT key, entity_id FROM entity_keys"))


class ChunkEntityCount(NamedTuple):
    chunk_id: str
    entity_id: str
    n: int


def chunk_entity_counts(store: Store, *, by_chunk: bool = False) -> Iterator[ChunkEntityCount]:
    """How often each entity is mentioned in each chunk.

    ``by_chunk`` orders the stream by (chunk, entity) and keeps only existing entities, so it
    can be merged with :func:`chunks_by_id` without holding either.
    """
    sql = (
        "SELECT m.chunk_id, ek.entity_id, COUNT(*) FROM mentions m JOIN entity_keys ek ON ek.key = m.key"
        + (" JOIN entities e ON e.id = ek.entity_id" if by_chunk else "")
        + " GROUP BY m.chunk_id, ek.entity_id"
        + (" ORDER BY m.chunk_id, ek.entity_id" if by_chunk else "")
    )
    for r in store.conn.execute(sql):
        yield ChunkEntityCount(r[0], r[1], int(r[2]))


def evidence_chunks(store: Store) -> Iterator[tuple[str, str]]:
    """(relation id, chunk id) in the order of :meth:`Store.relations`: best evidence first."""
    rows = store.conn.execute(
        "SELECT relation_id, chunk_id FROM evidence ORDER BY relation_id, confidence DESC, doc_id, chunk_id"
    )
    yield from ((rid, cid) for rid, cid in rows)


class Edge(NamedTuple):
    id: str
    source: str
    target: str
    type: str
    weight: float


def edges(store: Store) -> Iterator[Edge]:
    """Relations as weighted edges, heaviest first (the order of :meth:`Store.relations`)."""
    for r in store.conn.execute(
        "SELECT id, source, target, type, weight FROM relations ORDER BY weight DESC, id"
    ):
        yield Edge(r[0], r[1], r[2], r[3], float(r[4]))


def chunk_counts(store: Store) -> dict[str, int]:
    """Chunks per document id."""
    return {d: int(n) for d, n in store.conn.execute("SELECT doc_id, COUNT(*) FROM chunks GROUP BY doc_id")}


# -- the Neo4j projection: full rows by id --------------------------------------------------------


class DocumentRow(NamedTuple):
    id: str
    path: str
    group: str
    title: str
    date: str
    author: str
    tags: list[str]
    metadata: dict[str, Any]
    encoding: str
    size_bytes: int
    raw_hash: str


_DOCUMENT_ROW = (
    "SELECT id, path, grp, title, date, author, tags, metadata, encoding, size_bytes, raw_hash FROM documents"
)


def _document_row(r: Sequence[Any]) -> DocumentRow:
    tags = [str(t) for t in json.loads(r[6])]
    return DocumentRow(r[0], r[1], r[2], r[3], r[4], r[5], tags, json.loads(r[7]), r[8], int(r[9]), r[10])


def documents_by_id(store: Store) -> Iterator[DocumentRow]:
    for r in store.conn.execute(_DOCUMENT_ROW + " ORDER BY id"):
        yield _document_row(r)


def _in_batches(ids: Iterable[str], size: int = 500) -> Iterator[tuple[list[str], str]]:
    """Sorted distinct ``ids`` in slices, each with its ``?,?,…`` placeholders."""
    wanted = sorted(set(ids))
    for lo in range(0, len(wanted), size):
        part = wanted[lo : lo + size]
        yield part, ",".join("?" * len(part))


def documents_by_ids(store: Store, ids: Iterable[str]) -> Iterator[DocumentRow]:
    """The stored ones of documents ``ids``, by id (what an incremental sync compares)."""
    for part, marks in _in_batches(ids):
        for r in store.conn.execute(f"{_DOCUMENT_ROW} WHERE id IN ({marks}) ORDER BY id", part):
            yield _document_row(r)


def chunks_of_documents(store: Store, doc_ids: Iterable[str]) -> list[ChunkRow]:
    """The chunks of documents ``doc_ids`` (those still stored), by chunk id."""
    out: list[ChunkRow] = []
    for part, marks in _in_batches(doc_ids):
        out.extend(
            ChunkRow(*r)
            for r in store.conn.execute(
                'SELECT c.id, c.doc_id, c.idx, c.text, c.start, c."end", c.section FROM chunks c'
                f" JOIN documents d ON d.id = c.doc_id WHERE c.doc_id IN ({marks})",
                part,
            )
        )
    return sorted(out)


def chunk_entity_counts_of_documents(store: Store, doc_ids: Iterable[str]) -> list[ChunkEntityCount]:
    """:func:`chunk_entity_counts` (``by_chunk``) restricted to the chunks of ``doc_ids``."""
    out: list[ChunkEntityCount] = []
    for part, marks in _in_batches(doc_ids):
        rows = store.conn.execute(
            "SELECT m.chunk_id, ek.entity_id, COUNT(*) FROM mentions m JOIN entity_keys ek ON ek.key = m.key"
            f" JOIN entities e ON e.id = ek.entity_id WHERE m.doc_id IN ({marks})"
            " GROUP BY m.chunk_id, ek.entity_id",
            part,
        )
        out.extend(ChunkEntityCount(r[0], r[1], int(r[2])) for r in rows)
    return sorted(out)


# -- the change log (see graph.store.workspace._CHANGE_LOG) ---------------------------------------


def generation_token(store: Store, generation: int) -> str | None:
    """The random token of one generation of this workspace; None before the change log existed."""
    row = store.conn.execute("SELECT token FROM generations WHERE generation = ?", (generation,)).fetchone()
    return None if row is None else str(row[0])


def document_count(store: Store) -> int:
    return int(store.conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0])


def changed_documents(store: Store, since: int) -> list[str]:
    """Documents written, deleted or re-resolved in the generations after ``since``, sorted."""
    rows = store.conn.execute("SELECT DISTINCT doc_id FROM change_log WHERE generation > ?", (since,))
    return sorted(r[0] for r in rows)


class ChunkRow(NamedTuple):
    id: str
    doc_id: str
    idx: int
    text: str
    start: int
    end: int
    section: str


def chunks_by_id(store: Store) -> Iterator[ChunkRow]:
    """Chunks of stored documents, by chunk id."""
    for r in store.conn.execute(
        'SELECT c.id, c.doc_id, c.idx, c.text, c.start, c."end", c.section FROM chunks c'
        " JOIN documents d ON d.id = c.doc_id ORDER BY c.id"
    ):
        yield ChunkRow(*r)


class EntityRow(NamedTuple):
    id: str
    name: str
    type: str
    aliases: list[str]
    extractors: list[str]
    confidence: float
    mention_count: int
    variant_of: str
    doc_count: int
    keys: list[str]


def entities_by_id(store: Store) -> Iterator[EntityRow]:
    """Entities with their document count and every match key the resolver gave them, by id."""
    for r in store.conn.execute(
        "SELECT e.id, e.name, e.type, e.aliases, e.extractors, e.confidence, e.mention_count,"
        " e.variant_of,"
        " (SELECT COUNT(*) FROM entity_docs d WHERE d.entity_id = e.id),"
        " (SELECT json_group_array(k.key) FROM entity_keys k WHERE k.entity_id = e.id)"
        " FROM entities e ORDER BY e.id"
    ):
        yield EntityRow(
            r[0],
            r[1],
            r[2],
            json.loads(r[3]),
            list(json.loads(r[4])),
            float(r[5]),
            int(r[6]),
            r[7],
            int(r[8]),
            json.loads(r[9]),
        )


class RelationEvidenceRow(NamedTuple):
    id: str
    source: str
    target: str
    type: str
    weight: float
    confidence: float
    extractors: list[str]
    doc_id: str | None  # None: a relation without stored evidence
    chunk_id: str | None
    text: str | None


def relations_with_evidence(store: Store) -> Iterator[RelationEvidenceRow]:
    """One row per (relation, evidence) between known entities, no self-loops; by relation id, best first."""
    for r in store.conn.execute(
        "SELECT r.id, r.source, r.target, r.type, r.weight, r.confidence, r.extractors,"
        " v.doc_id, v.chunk_id, v.text FROM relations r"
        " JOIN entities s ON s.id = r.source JOIN entities t ON t.id = r.target"
        " LEFT JOIN evidence v ON v.relation_id = r.id WHERE r.source != r.target"
        " ORDER BY r.id, v.confidence DESC, v.doc_id, v.chunk_id"
    ):
        yield RelationEvidenceRow(
            r[0], r[1], r[2], r[3], float(r[4]), float(r[5]), list(json.loads(r[6])), r[7], r[8], r[9]
        )


class CommunityRow(NamedTuple):
    id: str
    level: int
    parent: str
    title: str
    summary: str
    rank: float
    size: int


def communities_by_id(store: Store) -> Iterator[CommunityRow]:
    for r in store.conn.execute(
        "SELECT c.id, c.level, c.parent, c.title, c.summary, c.rank,"
        " (SELECT COUNT(*) FROM community_members m WHERE m.community_id = c.id)"
        " FROM communities c ORDER BY c.id"
    ):
        yield CommunityRow(r[0], int(r[1]), r[2], r[3], r[4], float(r[5]), int(r[6]))


def community_memberships(store: Store) -> set[tuple[str, str]]:
    """(entity, community) pairs of existing entities and communities."""
    rows = store.conn.execute(
        "SELECT m.entity_id, m.community_id FROM community_members m"
        " JOIN entities e ON e.id = m.entity_id JOIN communities c ON c.id = m.community_id"
    )
    return {(a, b) for a, b in rows}


def community_parents(store: Store) -> set[tuple[str, str]]:
    """(community, parent) pairs whose parent exists."""
    rows = store.conn.execute(
        "SELECT c.id, c.parent FROM communities c JOIN communities p ON p.id = c.parent"
    )
    return {(a, b) for a, b in rows}


# -- evaluation: what extraction predicted for one document ---------------------------------------


def document_entity_keys(store: Store, doc_id: str) -> list[tuple[str, str]]:
    """(entity id, match key) of the mentions in one document (variant links excluded)."""
    rows = store.conn.execute(
        "SELECT ek.entity_id, m.key FROM mentions m JOIN entity_keys ek ON ek.key = m.key"
        " WHERE m.doc_id = ? AND m.extractor != 'variant'",
        (doc_id,),
    )
    return [(e, k) for e, k in rows]


def document_relation_candidates(store: Store, doc_id: str) -> list[tuple[str, str, str]]:
    """(source entity, target entity, type) of the relation candidates found in one document."""
    rows = store.conn.execute(
        "SELECT s.entity_id, t.entity_id, r.type FROM rel_candidates r"
        " JOIN entity_keys s ON s.key = r.source_key JOIN entity_keys t ON t.key = r.target_key"
        " WHERE r.doc_id = ? AND s.entity_id != t.entity_id",
        (doc_id,),
    )
    return [(a, b, t) for a, b, t in rows]


# -- chunk texts on demand, for an index that outlives its store ----------------------------------


class ChunkTextReader:
    """Chunk texts by id over a read-only connection of its own.

    The search index holds chunk ids, not texts (~1.5 KB each, 1.6 GB at 100k documents),
    and is cached across :class:`Store` objects, so it cannot borrow a store's connection.
    """

    BATCH = 500

    def __init__(self, db: Path) -> None:
        self._db = db
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.Lock()

    def texts(self, ids: Sequence[str]) -> dict[str, str]:
        """Texts of the chunks that still exist, by id."""
        out: dict[str, str] = {}
        with self._lock:
            if self._conn is None:
                uri = f"{Path(self._db).resolve().as_uri()}?mode=ro"
                self._conn = sqlite3.connect(uri, uri=True, check_same_thread=False)
            for lo in range(0, len(ids), self.BATCH):
                part = list(ids[lo : lo + self.BATCH])
                marks = ",".join("?" * len(part))
                out.update(self._conn.execute(f"SELECT id, text FROM chunks WHERE id IN ({marks})", part))
        return out


# -- the explorer: what one page view needs, read on demand (ui.data) -----------------------------


def graph_counts(store: Store) -> dict[str, int]:
    """Documents, entities, relations and communities: the graph page's stats line, without the
    per-mention counts of :meth:`Store.stats` (a scan of the biggest table)."""
    one = store.conn.execute
    return {t: int(one(f"SELECT COUNT(*) FROM {t}").fetchone()[0]) for t in _COUNTED}


_COUNTED = ("documents", "entities", "relations", "communities")


def entities_without_documents(store: Store) -> list[Entity]:
    """Every entity (most mentioned first), its ``doc_ids`` left empty: documents are read per entity
    (:func:`entity_documents`), the entity→document table being the largest part of the graph."""
    rows = store.conn.execute("SELECT * FROM entities ORDER BY mention_count DESC, name")
    return [_entity(r, ()) for r in rows]


class StoredCentrality(NamedTuple):
    degree: int
    pagerank: float
    score: float


def stored_centrality(store: Store) -> dict[str, StoredCentrality] | None:
    """The centrality the ingest stored for the current generation; None where there is none (a
    workspace written before it was stored) or it belongs to an older generation."""
    has = store.conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type='table' AND name='entity_centrality'"
    ).fetchone()
    if not has or store.meta("centrality_generation") != (store.meta("generation") or "0"):
        return None
    rows = store.conn.execute("SELECT entity_id, degree, pagerank, score FROM entity_centrality")
    return {r[0]: StoredCentrality(int(r[1]), float(r[2]), float(r[3])) for r in rows}


_RELATION = "SELECT id, source, target, type, weight, confidence, extractors FROM relations"


def relations_touching(store: Store, entity_id: str) -> list[Relation]:
    """The entity's relations without evidence, heaviest first."""
    rows = store.conn.execute(
        f"{_RELATION} WHERE source = ? UNION {_RELATION} WHERE target = ? ORDER BY weight DESC, id",
        (entity_id, entity_id),
    )
    return [_relation(r, ()) for r in rows]


def relations_among(store: Store, entity_ids: Iterable[str]) -> list[Relation]:
    """Relations with both ends in ``entity_ids``, without evidence, heaviest first: the edges of a
    drawn view, found through the source index one slice of ids at a time (SQLite checks the target
    too for a set of up to 500, so a hub's other relations never become Python objects)."""
    ids = set(entity_ids)
    out: list[Relation] = []
    if len(ids) <= 500:
        wanted = sorted(ids)
        marks = ",".join("?" * len(wanted))
        rows = store.conn.execute(
            f"{_RELATION} WHERE source IN ({marks}) AND target IN ({marks})", [*wanted, *wanted]
        )
        out.extend(_relation(r, ()) for r in rows)
    else:
        for part, marks in _in_batches(ids):
            rows = store.conn.execute(f"{_RELATION} WHERE source IN ({marks})", part)
            out.extend(rel for rel in (_relation(r, ()) for r in rows) if rel.target in ids)
    return sorted(out, key=lambda r: (-r.weight, r.id))


def relations_by_ids(store: Store, relation_ids: Iterable[str]) -> list[Relation]:
    out: list[Relation] = []
    for part, marks in _in_batches(relation_ids):
        rows = store.conn.execute(f"{_RELATION} WHERE id IN ({marks})", part)
        out.extend(_relation(r, ()) for r in rows)
    return sorted(out, key=lambda r: (-r.weight, r.id))


def entity_documents(store: Store, entity_id: str) -> tuple[str, ...]:
    """Ids of the documents mentioning the entity, by id."""
    return store.entity_doc_ids(entity_id).get(entity_id, ())


def document_entities(store: Store, doc_id: str) -> list[str]:
    """Ids of the entities mentioned in one document (the table is keyed by entity: a scan, but of
    two short columns)."""
    rows = store.conn.execute("SELECT entity_id FROM entity_docs WHERE doc_id = ?", (doc_id,))
    return [r[0] for r in rows]


def light_edges(store: Store) -> Iterator[tuple[str, str, str]]:
    """(source, target, type) of every relation: what a filter on relation type or degree counts."""
    yield from store.conn.execute("SELECT source, target, type FROM relations")


def communities_without_reports(store: Store) -> list[Community]:
    """Every community with its members, ``report`` left empty (by level, rank): the reports are
    most of the table and only the communities page shows one, read by :func:`community_report`."""
    members: dict[str, list[str]] = {}
    for cid, eid in store.conn.execute(
        "SELECT community_id, entity_id FROM community_members ORDER BY community_id, entity_id"
    ):
        members.setdefault(cid, []).append(eid)
    rows = store.conn.execute(
        "SELECT id, level, parent, title, summary, rank, content_hash FROM communities"
        " ORDER BY level, rank DESC, id"
    )
    return [
        Community(
            id=r[0],
            level=int(r[1]),
            parent=r[2],
            entity_ids=tuple(members.get(r[0], [])),
            title=r[3],
            summary=r[4],
            report={},
            rank=float(r[5]),
            content_hash=r[6],
        )
        for r in rows
    ]


def community_report(store: Store, community_id: str) -> dict[str, Any]:
    """One community's stored report ({} when there is none)."""
    row = store.conn.execute("SELECT report FROM communities WHERE id = ?", (community_id,)).fetchone()
    return {} if row is None else dict(json.loads(row[0]) or {})
