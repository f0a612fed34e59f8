"""Mirror a workspace into Neo4j: streamed, batched, idempotent, removals included.

The workspace is the source of truth and is only read. A sync walks each node label
(with the relationships it owns) once, on both sides in id order: the store's rows
(one SQL query, ``ORDER BY id``) and what Neo4j holds (ids and content hashes ``h``,
read in pages of ``id > $after ORDER BY id LIMIT n`` that the id indexes serve in
order). Merging the two sorted streams finds what the workspace no longer has
(deleted by id) and the rows that are missing or whose hash differs (written with
``UNWIND $rows AS row MERGE ...`` in batches). Nothing holds more than a page and a
batch per stream, so memory stays flat from 1k to 100k documents (16 M rows).

A chunk's MENTIONS are written with the chunk: ``CREATE`` when the chunk is new
(chunk ids are content hashes), otherwise updated as a unit when the chunk's mention
hash ``mh`` differs. Running it twice therefore changes no counts and the second run
writes nothing, and a sync after Neo4j was down catches up fully.

Graph model::

    (:Document)-[:HAS_CHUNK]->(:Chunk)-[:MENTIONS {count}]->(:Entity:<Type>)
    (:Entity)-[:<RELATION_TYPE> {id, weight, confidence, extractors, evidence_*}]->(:Entity)
    (:Entity)-[:IN_COMMUNITY]->(:Community)-[:PARENT]->(:Community)
    (:Document)-[:LINKS_TO]->(:Document)

Entity ``degree`` and ``pagerank`` are computed here (deterministic power iteration) so centrality
queries work on Community servers without the GDS plugin.
"""

from __future__ import annotations

import dataclasses
import hashlib
import heapq
import itertools
import json
import logging
import re
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import neo4j
from tqdm import tqdm

from extract.records import EntityType, RelationType
from graph.build.centrality import compute_centrality
from graph.neo4j.client import connect, with_retries
from graph.neo4j.schema import ensure_schema
from graph.settings import Settings
from graph.store import Store, readers

log = logging.getLogger(__name__)

Row = dict[str, Any]
Pair = tuple[str, str]
# Significant digits of PageRank that decide whether an entity node is rewritten: the value
# Neo4j holds may lag the workspace's by up to one unit in the second digit (under 10% relative)
# until the entity changes otherwise or its rank moves further; degree is compared exactly.
PAGERANK_DIGITS = 2


def type_label(t: EntityType | str) -> str:
    """``MODEL`` → ``Model``: the extra label an entity carries besides ``:Entity``."""
    label = EntityType(t).value.capitalize()
    if not re.fullmatch(r"[A-Z][a-z]+", label):  # labels are spliced into Cypher: keep them plain
        raise ValueError(f"unexpected entity type label {label!r}")
    return label


def rel_type(t: RelationType | str) -> str:
    value = RelationType(t).value
    if not re.fullmatch(r"[A-Z][A-Z_]*", value):
        raise ValueError(f"unexpected relation type {value!r}")
    return value


TYPE_LABELS = tuple(type_label(t) for t in EntityType)


@dataclass
class SyncReport:
    """What one sync did, per node label and relationship type."""

    written: dict[str, int] = field(default_factory=dict)  # rows merged (created or updated)
    created: dict[str, int] = field(default_factory=dict)  # of those, new in Neo4j
    removed: dict[str, int] = field(default_factory=dict)  # deleted because gone from the workspace
    elapsed_s: float = 0.0
    uri: str = ""

    @property
    def rows(self) -> int:
        return sum(self.written.values()) + sum(self.removed.values())

    @property
    def rows_per_s(self) -> float:
        return self.rows / self.elapsed_s if self.elapsed_s > 0 else 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "uri": self.uri,
            "written": dict(self.written),
            "created": dict(self.created),
            "removed": dict(self.removed),
            "elapsed_s": round(self.elapsed_s, 3),
            "rows_per_s": round(self.rows_per_s, 1),
        }

    def __str__(self) -> str:
        return self.summary()

    def summary(self) -> str:
        """One line for logs and the ingest report."""
        nodes = sum(self.written.get(k, 0) for k in ("Document", "Chunk", "Entity", "Community"))
        rels = sum(
            v for k, v in self.written.items() if k not in ("Document", "Chunk", "Entity", "Community")
        )
        return (
            f"neo4j sync: {nodes} nodes, {rels} relationships written, {sum(self.removed.values())} removed"
            f" in {self.elapsed_s:.1f}s ({self.rows_per_s:.0f} rows/s)"
        )


# -- the wanted graph, streamed from the store in id order (the store is only read) -----------------


def row_hash(*parts: Any) -> str:
    """Stable short hash of JSON-able values (what a node or relationship should hold)."""
    blob = json.dumps(parts, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.blake2b(blob.encode("utf-8"), digest_size=12).hexdigest()


class WantedGraph:
    """Everything Neo4j should hold for a workspace, as streams of rows sorted by ``id``.

    Each stream is one SQL query read row by row, and every row carries its content
    hash ``h``, so a sync can merge it with Neo4j's id-ordered pages while holding
    neither side: memory stays flat however large the workspace. Only entity centrality
    (two numbers per entity, computed over all relations) is held whole.
    """

    def __init__(self, store: Store) -> None:
        self.store = store

    def documents(self, only: Sequence[str] | None = None) -> Iterator[Row]:
        """Documents by id; only those of ``only`` (an incremental sync) when given."""
        rows = (
            readers.documents_by_id(self.store)
            if only is None
            else readers.documents_by_ids(self.store, only)
        )
        for d in rows:
            props = {
                "path": d.path,
                "title": d.title,
                "group": d.group,
                "date": d.date,
                "author": d.author,
                "tags": d.tags,
                "metadata_json": json.dumps(d.metadata, ensure_ascii=False, sort_keys=True),
                "encoding": d.encoding,
                "size_bytes": d.size_bytes,
                "raw_hash": d.raw_hash,
            }
            yield {"id": d.id, "props": props, "h": row_hash(props)}

    def chunks(self, only: Sequence[str] | None = None) -> Iterator[Row]:
        """Chunks of stored documents, each with its MENTIONS ``m`` ([[entity, count], ...]) and hash ``mh``.

        Both readers walk an index in chunk-id order, so the two streams are merged here
        without collecting either. ``only``: just the chunks of those documents (read whole:
        an incremental sync's few).
        """
        if only is None:
            mentions = readers.chunk_entity_counts(self.store, by_chunk=True)
            chunks: Iterable[readers.ChunkRow] = readers.chunks_by_id(self.store)
        else:
            mentions = iter(readers.chunk_entity_counts_of_documents(self.store, only))
            chunks = readers.chunks_of_documents(self.store, only)
        pending = next(mentions, None)
        for c in chunks:
            while pending is not None and pending.chunk_id < c.id:  # mentions of chunks without a document
                pending = next(mentions, None)
            m: list[list[Any]] = []
            while pending is not None and pending.chunk_id == c.id:
                m.append([pending.entity_id, pending.n])
                pending = next(mentions, None)
            props = {
                "doc_id": c.doc_id,
                "index": c.idx,
                "text": c.text,
                "start": c.start,
                "end": c.end,
                "section": c.section,
            }
            yield {"id": c.id, "props": props, "h": row_hash(props), "m": m, "mh": row_hash(m)}

    def centrality(self) -> dict[str, tuple[int, float]]:
        """Degree and PageRank per entity; entities and edges in the order the store lists them,
        so PageRank's float sums (and therefore the hashes) do not change with the reading."""
        ids = readers.entity_ids_by_salience(self.store)
        return compute_centrality(ids, ((e.source, e.target, e.weight) for e in readers.edges(self.store)))

    def entities(self) -> Iterator[Row]:
        from extract.normalize import match_key

        centrality = self.centrality()
        for e in readers.entities_by_id(self.store):
            etype = EntityType(e.type)
            aliases = [a for a in e.aliases if a]
            degree, pagerank = centrality[e.id]
            label = type_label(etype)
            keys = [*e.keys, match_key(e.name), *(match_key(a) for a in e.aliases)]
            props = {
                "name": e.name,
                "type": etype.value,
                "aliases": aliases,
                # One string for the full-text index; the separator keeps aliases from merging into one token.
                "alias_text": " | ".join(aliases),
                "match_keys": sorted(set(keys)),
                "extractors": e.extractors,
                "confidence": e.confidence,
                "mention_count": e.mention_count,
                "doc_count": e.doc_count,
                "variant_of": e.variant_of,
                "degree": degree,
                "pagerank": pagerank,
            }
            # Hashed rounded to PAGERANK_DIGITS: any edit moves every entity's PageRank a little,
            # and hashing it exactly would rewrite every entity node after every ingest.
            h = row_hash(label, {**props, "pagerank": f"{pagerank:.{PAGERANK_DIGITS}g}"})
            yield {"id": e.id, "label": label, "props": props, "h": h}

    def relations(self) -> Iterator[Row]:
        """Relations between known entities (no self-loops) with their evidence, best first."""
        rows = readers.relations_with_evidence(self.store)
        for rid, group in itertools.groupby(rows, key=lambda row: row.id):
            first, *rest = list(group)
            evidence = [first, *rest] if first.doc_id is not None else []
            props = {
                "weight": first.weight,
                "confidence": first.confidence,
                "extractors": first.extractors,
                "evidence_chunk_ids": [ev.chunk_id for ev in evidence],
                "evidence_doc_ids": [ev.doc_id for ev in evidence],
                "evidence_texts": [ev.text for ev in evidence],
            }
            yield {
                "id": rid,
                "source": first.source,
                "target": first.target,
                "type": rel_type(first.type),
                "props": props,
                "h": row_hash(first.source, first.target, props),
            }

    def communities(self) -> Iterator[Row]:
        for c in readers.communities_by_id(self.store):
            props = {
                "level": c.level,
                "parent": c.parent,
                "title": c.title,
                "summary": c.summary,
                "rank": c.rank,
                "size": c.size,
            }
            yield {"id": c.id, "props": props, "h": row_hash(props)}

    def in_community(self) -> set[Pair]:
        """(entity, community) pairs: one per entity and level, so small next to chunks and mentions."""
        return readers.community_memberships(self.store)

    def parent(self) -> set[Pair]:
        return readers.community_parents(self.store)

    def links(self) -> set[Pair]:
        """(document, document) links: one per resolved ``[[wikilink]]`` or relative Markdown link."""
        return set(self.store.doc_links())


def wanted_graph(store: Store) -> WantedGraph:
    """What Neo4j should hold for ``store``: cheap to make, every stream is read on demand."""
    return WantedGraph(store)


# -- Cypher (labels and types come only from the enums above, never from data) ------------------------

# Every node and entity relationship carries ``h``, a hash of what zhkg wrote into it, so a sync
# reads (id, h) page by page and writes only rows that are missing or differ. A chunk also
# carries ``mh``, the hash of its MENTIONS (entity id and count, sorted): its mentions are rewritten
# as a unit when that differs.
_MERGE_NODE = "UNWIND $rows AS row MERGE (n:{label} {{id: row.id}}) SET n += row.props, n.h = row.h"
_MERGE_ENTITY = (
    "UNWIND $rows AS row MERGE (n:Entity {{id: row.id}}) SET n += row.props, n.h = row.h"
    " {remove} SET n:{label}"
)
_MERGE_RELATION = (
    "UNWIND $rows AS row MATCH (s:Entity {{id: row.source}}) MATCH (t:Entity {{id: row.target}})"
    " MERGE (s)-[r:{type} {{id: row.id}}]->(t) SET r += row.props, r.h = row.h"
)
_MERGE_PAIR = {
    "HAS_CHUNK": "UNWIND $rows AS row MATCH (a:Document {id: row[0]}) MATCH (b:Chunk {id: row[1]})"
    " MERGE (a)-[:HAS_CHUNK]->(b)",
    "IN_COMMUNITY": "UNWIND $rows AS row MATCH (a:Entity {id: row[0]}) MATCH (b:Community {id: row[1]})"
    " MERGE (a)-[:IN_COMMUNITY]->(b)",
    "PARENT": "UNWIND $rows AS row MATCH (a:Community {id: row[0]}) MATCH (b:Community {id: row[1]})"
    " MERGE (a)-[:PARENT]->(b)",
    "LINKS_TO": "UNWIND $rows AS row MATCH (a:Document {id: row[0]}) MATCH (b:Document {id: row[1]})"
    " MERGE (a)-[:LINKS_TO]->(b)",
}
# A chunk that was not in Neo4j before this sync has no MENTIONS yet: plain CREATE, no MERGE check.
_CREATE_MENTIONS = (
    "UNWIND $rows AS row MATCH (c:Chunk {id: row.id}) SET c.mh = row.mh"
    " WITH c, row UNWIND row.m AS m MATCH (e:Entity {id: m[0]}) CREATE (c)-[:MENTIONS {count: m[1]}]->(e)"
)
# A chunk already in Neo4j whose mentions changed: drop the edges to entities it no longer
# mentions, merge the wanted ones.
_UPDATE_MENTIONS = (
    "UNWIND $rows AS row MATCH (c:Chunk {id: row.id}) SET c.mh = row.mh"
    " WITH c, row, [m IN row.m | m[0]] AS ids"
    " CALL (c, ids) { MATCH (c)-[old:MENTIONS]->(e) WHERE NOT e.id IN ids DELETE old }"
    " CALL (c, row) { UNWIND row.m AS m MATCH (e:Entity {id: m[0]})"
    " MERGE (c)-[r:MENTIONS]->(e) SET r.count = m[1] }"
)
_PAIR_ENDS = {
    "HAS_CHUNK": ("Document", "Chunk"),
    "IN_COMMUNITY": ("Entity", "Community"),
    "PARENT": ("Community", "Community"),
    "LINKS_TO": ("Document", "Document"),
}
# Removing a node first deletes its relationships, tallied per type, so the report counts every
# relationship that went away (a removed document's HAS_CHUNK, a removed chunk's MENTIONS, ...).
_DETACH_NODES = (
    "UNWIND $rows AS id MATCH (:{label} {{id: id}})-[r]-() WITH DISTINCT r"
    " WITH r, type(r) AS t DELETE r RETURN t, count(*) AS n"
)
_DELETE_NODES = "UNWIND $rows AS id MATCH (n:{label} {{id: id}}) DELETE n"
_DELETE_RELATIONS = "UNWIND $rows AS id MATCH (:Entity)-[r:{type} {{id: id}}]->(:Entity) DELETE r"
# Relationships between entities that zhkg did not write: a type it no longer produces, or no id.
_DELETE_FOREIGN = (
    "MATCH (:Entity)-[r]->(:Entity) WHERE r.id IS NULL OR NOT type(r) IN $types"
    " WITH r, type(r) AS t DELETE r RETURN t, count(*) AS n"
)

# What Neo4j holds, one page at a time in id order (``id > $after``): the id indexes serve the
# order, so each page is an index range seek and no query holds more than a page.
_HAVE_NODES = "MATCH (n:{label}) WHERE n.id > $after RETURN n.id AS id, n.h AS h ORDER BY n.id LIMIT $limit"
_HAVE_CHUNKS = (
    "MATCH (n:Chunk) WHERE n.id > $after WITH n ORDER BY n.id LIMIT $limit"
    " RETURN n.id AS id, n.h AS h, n.mh AS mh, [(d:Document)-[:HAS_CHUNK]->(n) | d.id] AS docs"
)
_HAVE_RELATIONS = (
    "MATCH (:Entity)-[r:{type}]->(:Entity) WHERE r.id > $after"
    " RETURN r.id AS id, r.h AS h ORDER BY r.id LIMIT $limit"
)
PAGE_SIZE = 20_000  # (id, hash) rows per read query
# The same for named documents only (an incremental sync): documents by id, chunks by their doc_id.
_HAVE_NODES_IN = "UNWIND $ids AS id MATCH (n:{label} {{id: id}}) RETURN n.id AS id, n.h AS h"
_HAVE_CHUNKS_OF = (
    "UNWIND $ids AS d MATCH (n:Chunk {doc_id: d})"
    " RETURN n.id AS id, n.h AS h, n.mh AS mh, [(x:Document)-[:HAS_CHUNK]->(n) | x.id] AS docs"
)


def _delete_pairs_query(rel: str) -> str:
    a, b = _PAIR_ENDS[rel]
    return f"UNWIND $rows AS row MATCH (:{a} {{id: row[0]}})-[r:{rel}]->(:{b} {{id: row[1]}}) DELETE r"


def _existing_pairs(driver: neo4j.Driver, db: str, rel: str) -> set[Pair]:
    a, b = _PAIR_ENDS[rel]
    records = driver.execute_query(
        f"MATCH (a:{a})-[:{rel}]->(b:{b}) RETURN a.id AS a, b.id AS b", database_=db
    ).records
    return {(r["a"], r["b"]) for r in records}


def _pages(driver: neo4j.Driver, db: str, query: str) -> Iterator[Row]:
    """All rows of a paged ``id > $after ... ORDER BY id LIMIT $limit`` query, one page in memory."""
    read = partial(
        driver.execute_query, query, limit=PAGE_SIZE, database_=db, routing_=neo4j.RoutingControl.READ
    )
    after = ""
    while True:
        records = with_retries(partial(read, after=after)).records
        yield from (r.data() for r in records)
        if len(records) < PAGE_SIZE:
            return
        after = records[-1]["id"]


def _rows_for(driver: neo4j.Driver, db: str, query: str, ids: Sequence[str]) -> Iterator[Row]:
    """Rows of ``query`` for ``ids`` (in slices of a page), sorted by id: what Neo4j holds of a delta."""
    out: list[Row] = []
    wanted = sorted(set(ids))
    for lo in range(0, len(wanted), PAGE_SIZE):
        part = wanted[lo : lo + PAGE_SIZE]
        read = partial(
            driver.execute_query, query, ids=part, database_=db, routing_=neo4j.RoutingControl.READ
        )
        out.extend(r.data() for r in with_retries(read).records)
    return iter(sorted(out, key=lambda r: str(r["id"])))


def _ascending(rows: Iterable[Row], what: str) -> Iterator[Row]:
    """``rows`` unchanged, checked to be in strictly increasing id order (the merge relies on it)."""
    last: str | None = None
    for row in rows:
        if last is not None and not last < row["id"]:
            raise RuntimeError(f"{what} ids out of order: {last!r} then {row['id']!r}")
        last = row["id"]
        yield row


def _merge(wanted: Iterable[Row], have: Iterable[Row], what: str) -> Iterator[tuple[Row | None, Row | None]]:
    """Walk two id-sorted streams together: (row, None) only wanted, (None, row) only in Neo4j, else both."""
    w_it, h_it = _ascending(wanted, f"workspace {what}"), _ascending(have, f"neo4j {what}")
    w, h = next(w_it, None), next(h_it, None)
    while w is not None or h is not None:
        if h is None or (w is not None and w["id"] < h["id"]):
            yield w, None
            w = next(w_it, None)
        elif w is None or h["id"] < w["id"]:
            yield None, h
            h = next(h_it, None)
        else:
            yield w, h
            w, h = next(w_it, None), next(h_it, None)


def _add(d: dict[str, int], key: str, n: int) -> None:
    if n:
        d[key] = d.get(key, 0) + n


class _Batch:
    """Rows for one write query, sent in one managed transaction once about ``size`` units gathered.

    ``tally(counters, records, rows)`` books the committed result into the report (after the
    commit, so a retried transaction is counted once). Batches in ``before`` are flushed first:
    a relationship batch names the node batch that creates its ends.
    """

    def __init__(
        self,
        writer: _Writer,
        bar: tqdm[Any],
        queries: Sequence[str],
        tally: Callable[[neo4j.SummaryCounters, list[neo4j.Record], list[Any]], None],
        size: int,
        weight: Callable[[Any], int] | None = None,
        before: Sequence[_Batch] = (),
    ) -> None:
        self.writer, self.bar, self.queries, self.tally = writer, bar, queries, tally
        self.size, self.weight, self.before = size, weight, before
        self.rows: list[Any] = []
        self.units = 0

    def add(self, row: Any) -> None:
        self.rows.append(row)
        self.units += max(1, self.weight(row)) if self.weight else 1
        if self.units >= self.size:
            self.flush()

    def flush(self) -> None:
        for other in self.before:
            other.flush()
        if not self.rows:
            return
        self.writer.write_batch(self.queries, self.rows, self.tally, self.units, self.bar, bool(self.before))
        self.rows, self.units = [], 0


def run_batch(
    tx: neo4j.ManagedTransaction, queries: Sequence[str], rows: list[Any]
) -> tuple[neo4j.SummaryCounters, list[neo4j.Record]]:
    """One batch's queries in one transaction; the last query's counters are the ones that change
    what is tallied."""
    records: list[neo4j.Record] = []
    for q in queries:
        result = tx.run(q, rows=rows)
        records.extend(result)
        counters = result.consume().counters
    return counters, records


class _Writer:
    """Runs write transactions on one background thread, in submission order.

    Preparing rows (reading the store, hashing, merging with Neo4j's pages) is Python work on
    this side; committing them is the server's work. Overlapping the two keeps both cores busy.
    At most ``depth`` batches wait, so memory stays bounded; :meth:`drain` is the barrier
    between passes (a pass reads Neo4j only after the previous pass's writes are committed),
    and the first error is raised in the caller's thread.
    """

    def __init__(self, session: neo4j.Session, depth: int = 2) -> None:
        self.session, self.depth = session, depth
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="neo4j-writer")
        self.pending: deque[Future[Any]] = deque()

    def write_batch(
        self,
        queries: Sequence[str],
        rows: list[Any],
        tally: Callable[[neo4j.SummaryCounters, list[neo4j.Record], list[Any]], None],
        units: int,
        bar: tqdm[Any],
        dependent: bool,
    ) -> None:
        """Commit one batch (after those submitted before it) and book it. ``dependent``: it needs
        an earlier batch of its pass committed (a relationship whose end nodes that batch writes);
        another writer (:mod:`graph.neo4j.executor_write`) uses that to order its jobs."""

        def commit(session: neo4j.Session) -> None:
            counters, records = with_retries(lambda: session.execute_write(run_batch, queries, rows))
            tally(counters, records, rows)
            bar.update(units)

        self.submit(commit)

    def submit(self, fn: Callable[[neo4j.Session], Any]) -> Future[Any]:
        future = self.pool.submit(fn, self.session)
        self.pending.append(future)
        while len(self.pending) > self.depth:
            self.pending.popleft().result()
        return future

    def run(self, fn: Callable[[neo4j.Session], Any]) -> Any:
        """Run ``fn`` after everything submitted so far and return its result."""
        future = self.submit(fn)
        self.drain()
        return future.result()

    def drain(self) -> None:
        while self.pending:
            self.pending.popleft().result()

    def close(self) -> None:
        for future in self.pending:
            future.cancel()
        self.pool.shutdown(wait=True)


class _Sync:
    """One sync: a pass per label and the relationships it owns, each merging two id-ordered streams."""

    def __init__(
        self,
        driver: neo4j.Driver,
        writer: _Writer,
        settings: Settings,
        bar: tqdm[Any],
        report: SyncReport,
    ) -> None:
        self.driver, self.writer, self.bar, self.report = driver, writer, bar, report
        self.db = settings.neo4j_database
        self.size = max(1, int(settings.neo4j_batch_size))

    def batch(
        self,
        queries: str | Sequence[str],
        tally: Callable[[neo4j.SummaryCounters, list[neo4j.Record], list[Any]], None],
        *,
        scale: int = 1,
        weight: Callable[[Any], int] | None = None,
        before: Sequence[_Batch] = (),
    ) -> _Batch:
        qs = [queries] if isinstance(queries, str) else list(queries)
        return _Batch(self.writer, self.bar, qs, tally, self.size * scale, weight, before)

    # tallies -----------------------------------------------------------------------------------

    def upserted(
        self, key: str, *, nodes: bool
    ) -> Callable[[neo4j.SummaryCounters, list[neo4j.Record], list[Any]], None]:
        def tally(c: neo4j.SummaryCounters, _r: list[neo4j.Record], rows: list[Any]) -> None:
            _add(self.report.written, key, len(rows))
            _add(self.report.created, key, c.nodes_created if nodes else c.relationships_created)

        return tally

    def removed_relationships(
        self, key: str
    ) -> Callable[[neo4j.SummaryCounters, list[neo4j.Record], list[Any]], None]:
        def tally(c: neo4j.SummaryCounters, _r: list[neo4j.Record], _rows: list[Any]) -> None:
            _add(self.report.removed, key, c.relationships_deleted)

        return tally

    def removed_nodes(
        self, label: str
    ) -> Callable[[neo4j.SummaryCounters, list[neo4j.Record], list[Any]], None]:
        def tally(c: neo4j.SummaryCounters, records: list[neo4j.Record], _rows: list[Any]) -> None:
            for rec in records:
                _add(self.report.removed, rec["t"], int(rec["n"]))
            _add(self.report.removed, label, c.nodes_deleted)

        return tally

    def mentions_written(self, c: neo4j.SummaryCounters, _r: list[neo4j.Record], rows: list[Any]) -> None:
        _add(self.report.written, "MENTIONS", sum(len(r["m"]) for r in rows))
        _add(self.report.created, "MENTIONS", c.relationships_created)
        _add(self.report.removed, "MENTIONS", c.relationships_deleted)

    # passes ------------------------------------------------------------------------------------

    def remover(self, label: str) -> _Batch:
        return self.batch(
            [_DETACH_NODES.format(label=label), _DELETE_NODES.format(label=label)], self.removed_nodes(label)
        )

    def nodes(self, label: str, wanted: Iterable[Row], only: Sequence[str] | None = None) -> None:
        """Documents and communities: plain nodes (``only``: just those ids, both sides)."""
        remove = self.remover(label)
        upsert = self.batch(_MERGE_NODE.format(label=label), self.upserted(label, nodes=True))
        have = (
            _pages(self.driver, self.db, _HAVE_NODES.format(label=label))
            if only is None
            else _rows_for(self.driver, self.db, _HAVE_NODES_IN.format(label=label), only)
        )
        for w, h in _merge(wanted, have, label):
            if w is None:
                remove.add(h["id"])  # type: ignore[index]
            elif h is None or h["h"] != w["h"]:
                upsert.add(w)
        remove.flush()
        upsert.flush()

    def entities(self, wanted: Iterable[Row]) -> None:
        """Entities, upserted per type label: a type change must not leave the old label behind."""
        remove = self.remover("Entity")
        upserts = {
            label: self.batch(
                _MERGE_ENTITY.format(
                    label=label, remove="REMOVE n:" + ":".join(x for x in TYPE_LABELS if x != label)
                ),
                self.upserted("Entity", nodes=True),
            )
            for label in TYPE_LABELS
        }
        have = _pages(self.driver, self.db, _HAVE_NODES.format(label="Entity"))
        for w, h in _merge(wanted, have, "Entity"):
            if w is None:
                remove.add(h["id"])  # type: ignore[index]
            elif h is None or h["h"] != w["h"]:
                upserts[w["label"]].add(w)
        remove.flush()
        for b in upserts.values():
            b.flush()

    def relations(self, wanted: Iterable[Row]) -> None:
        """Entity relationships: Neo4j's pages per type are merged into one id-ordered stream."""
        types = [rel_type(t) for t in RelationType]
        foreign = self.writer.run(
            lambda session: with_retries(
                lambda: session.execute_write(lambda tx: list(tx.run(_DELETE_FOREIGN, types=types)))
            )
        )
        for rec in foreign:
            log.warning(
                "removed %d %s relationships between entities that zhkg did not write", rec["n"], rec["t"]
            )
            _add(self.report.removed, rec["t"], int(rec["n"]))
        removes = {
            t: self.batch(_DELETE_RELATIONS.format(type=t), self.removed_relationships(t)) for t in types
        }
        upserts = {
            t: self.batch(_MERGE_RELATION.format(type=t), self.upserted(t, nodes=False)) for t in types
        }
        have = heapq.merge(*(self._have_relations(t) for t in types), key=lambda r: str(r["id"]))
        for w, h in _merge(wanted, have, "relation"):
            if h is not None and (w is None or h["type"] != w["type"]):
                removes[h["type"]].add(h["id"])
                h = None
            if w is not None and (h is None or h["h"] != w["h"]):
                upserts[w["type"]].add(w)
        for b in (*removes.values(), *upserts.values()):
            b.flush()

    def _have_relations(self, rel: str) -> Iterator[Row]:
        for row in _pages(self.driver, self.db, _HAVE_RELATIONS.format(type=rel)):
            row["type"] = rel
            yield row

    def pairs(self, rel: str, wanted: set[Pair]) -> None:
        """IN_COMMUNITY, PARENT and LINKS_TO: few (per entity, community, link): compared as whole sets."""
        have = _existing_pairs(self.driver, self.db, rel)
        remove = self.batch(_delete_pairs_query(rel), self.removed_relationships(rel))
        for pair in sorted(have - wanted):
            remove.add(list(pair))
        remove.flush()
        add = self.batch(_MERGE_PAIR[rel], self.upserted(rel, nodes=False))
        for pair in sorted(wanted - have):
            add.add(list(pair))
        add.flush()

    def chunks(self, wanted: Iterable[Row], only: Sequence[str] | None = None) -> None:
        """Chunks with their HAS_CHUNK and MENTIONS, read back with each chunk's page.

        A new chunk's mentions are created (chunk ids are content hashes); a known chunk's
        are rewritten as a unit when their hash ``mh`` differs. ``only``: just the chunks of
        those documents, on both sides (a chunk id hashes its document's id, so a chunk never
        moves to another document).
        """
        remove = self.remover("Chunk")
        upsert = self.batch(_MERGE_NODE.format(label="Chunk"), self.upserted("Chunk", nodes=True))
        unlink = self.batch(_delete_pairs_query("HAS_CHUNK"), self.removed_relationships("HAS_CHUNK"))
        link = self.batch(_MERGE_PAIR["HAS_CHUNK"], self.upserted("HAS_CHUNK", nodes=False), before=[upsert])
        # MENTIONS rows are tiny (two ids and a count): four times the usual batch per transaction.
        mentions = {
            query: self.batch(
                query, self.mentions_written, scale=4, weight=lambda r: len(r["m"]), before=[upsert]
            )
            for query in (_CREATE_MENTIONS, _UPDATE_MENTIONS)
        }
        have = (
            _pages(self.driver, self.db, _HAVE_CHUNKS)
            if only is None
            else _rows_for(self.driver, self.db, _HAVE_CHUNKS_OF, only)
        )
        for w, h in _merge(wanted, have, "Chunk"):
            if w is None:
                remove.add(h["id"])  # type: ignore[index]
                continue
            if h is None or h["h"] != w["h"]:
                upsert.add({"id": w["id"], "props": w["props"], "h": w["h"]})
            docs = [] if h is None else h["docs"]
            for d in docs:
                if d != w["props"]["doc_id"]:
                    unlink.add([d, w["id"]])
            if w["props"]["doc_id"] not in docs:
                link.add([w["props"]["doc_id"], w["id"]])
            if h is None or h["mh"] != w["mh"]:
                mentions[_CREATE_MENTIONS if h is None else _UPDATE_MENTIONS].add(
                    {"id": w["id"], "mh": w["mh"], "m": w["m"]}
                )
        for b in (remove, upsert, unlink, link, *mentions.values()):
            b.flush()


# -- where the mirror stands: one node in Neo4j, so a mirror emptied or replaced says so itself ----
#
# ``generation``/``token``: the workspace state the mirror last completed (the token tells a copy
# of the workspace from the original: each generation draws its own). ``target``/``since``/``done``:
# the sync under way, so one that was interrupted resumes with the passes it had not finished.
_STATE_ID = "mirror"
_READ_STATE = "MATCH (s:ZhkgSync {id: $id}) RETURN properties(s) AS p"
_WRITE_STATE = "MERGE (s:ZhkgSync {id: $id}) SET s = $props, s.id = $id"
# A change log touching more than this share of the documents is compared in full instead.
INCREMENTAL_MAX_SHARE = 0.3


@dataclass
class SyncState:
    generation: int | None = None  # the workspace generation the mirror completed
    token: str = ""
    target: int | None = None  # the generation of a sync under way
    target_token: str = ""
    since: int | None = None  # what that sync compares from (None: everything)
    done: list[str] = field(default_factory=list)  # its passes already committed

    def props(self) -> dict[str, Any]:
        return {k: v for k, v in dataclasses.asdict(self).items() if v is not None}


def read_state(driver: neo4j.Driver, settings: Settings) -> SyncState:
    """Where the mirror in Neo4j stands (an empty state for a mirror zhkg never completed)."""
    records = driver.execute_query(
        _READ_STATE, id=_STATE_ID, database_=settings.neo4j_database, routing_=neo4j.RoutingControl.READ
    ).records
    if not records:
        return SyncState()
    p = dict(records[0]["p"])
    known = {f.name for f in dataclasses.fields(SyncState)}
    return SyncState(**{k: v for k, v in p.items() if k in known})


def _write_state(writer: _Writer, state: SyncState) -> None:
    props = state.props()
    writer.run(
        lambda session: with_retries(
            lambda: session.execute_write(
                lambda tx: tx.run(_WRITE_STATE, id=_STATE_ID, props=props).consume()
            )
        )
    )


def _plan(store: Store, state: SyncState, full: bool) -> tuple[int, str, int | None, list[str]]:
    """(generation, token, since, passes already done): what this sync compares.

    ``since`` is the generation the mirror completed when the workspace's change log reaches back
    to it (same token: this workspace, not a copy), else None: everything is compared.
    """
    gen = int(store.meta("generation") or 0)
    token = readers.generation_token(store, gen) or ""
    if state.target == gen and state.target_token == token and token and not full:
        return gen, token, state.since, list(state.done)  # resume the interrupted sync
    since = None
    if (
        not full
        and state.generation is not None
        and state.generation <= gen
        and state.token
        and readers.generation_token(store, int(state.generation)) == state.token
    ):
        since = int(state.generation)
    return gen, token, since, []


def sync_workspace(
    store: Store,
    settings: Settings,
    progress: bool = True,
    *,
    full: bool = False,
    make_writer: Callable[[neo4j.Session], _Writer] | None = None,
) -> SyncReport:
    """Make Neo4j mirror ``store``; raises :class:`Neo4jUnavailable` when the server cannot be used.

    Only rows that are missing in Neo4j or whose content hash differs are written, so a
    sync with nothing changed only reads. Passes run in dependency order (a relationship's
    ends are written before it). The store is only read, so a failure part-way leaves the
    workspace intact and the next sync completes the mirror, skipping the passes it finished.

    Documents and chunks (with their mentions: the bulk of the graph) are compared only for the
    documents in the workspace's change log since the generation the mirror last completed;
    entities, relations, communities and links, re-derived by every ingest, are compared whole
    (skipped when no generation passed). ``full`` (``zhkg sync neo4j --full``), a mirror of
    another workspace or of an unknown state, or a change log over ``INCREMENTAL_MAX_SHARE`` of
    the documents compare everything, which also repairs edits made behind zhkg's back.

    ``make_writer``: what commits the batches (default: a background thread on this session; the
    Spark engine's commits them from its executors). The plan, the passes and the state are the
    same either way: a pass is marked done only once the writer has committed all of it.
    """
    t0 = time.perf_counter()
    wanted = wanted_graph(store)
    report = SyncReport(uri=settings.neo4j_uri)
    with connect(settings) as driver:
        ensure_schema(driver, settings)
        state = read_state(driver, settings)
        gen, token, since, done = _plan(store, state, full)
        only: list[str] | None = None
        if since is not None:
            only = readers.changed_documents(store, since)
            n_docs = readers.document_count(store)
            if len(only) > INCREMENTAL_MAX_SHARE * max(n_docs, 1) and not done:
                log.info("neo4j sync: %d of %d documents changed; comparing everything", len(only), n_docs)
                since, only = None, None
        log.info(
            "neo4j sync to generation %d: %s%s",
            gen,
            "everything" if only is None else f"{len(only)} changed documents since generation {since}",
            f", resuming after {', '.join(done)}" if done else "",
        )
        with (
            driver.session(database=settings.neo4j_database) as session,
            tqdm(unit="row", desc="neo4j sync", disable=not progress, file=sys.stderr) as bar,
        ):
            writer = (make_writer or _Writer)(session)
            sync = _Sync(driver, writer, settings, bar, report)
            regenerated = since is None or since < gen
            passes: list[tuple[str, Callable[[], None]]] = [
                ("documents", lambda: sync.nodes("Document", wanted.documents(only), only)),
                ("communities", lambda: sync.nodes("Community", wanted.communities())),
            ]
            if regenerated:
                passes += [
                    ("entities", lambda: sync.entities(wanted.entities())),
                    ("relations", lambda: sync.relations(wanted.relations())),
                ]
            passes += [
                ("in_community", lambda: sync.pairs("IN_COMMUNITY", wanted.in_community())),
                ("parent", lambda: sync.pairs("PARENT", wanted.parent())),
                ("links", lambda: sync.pairs("LINKS_TO", wanted.links())),
                ("chunks", lambda: sync.chunks(wanted.chunks(only), only)),
            ]
            # Until it completes, the mirror is known only as the base of this sync's delta (an
            # interrupted delta is redone from that base) or, for a full comparison, as nothing.
            base = (state.generation, state.token) if since is not None else (None, "")
            progress_state = SyncState(*base, gen, token, since, list(done))
            try:
                _write_state(writer, progress_state if token else SyncState())
                for name, run_pass in passes:
                    if name in done:
                        continue
                    run_pass()
                    writer.drain()  # the next pass reads what this one wrote
                    if token:
                        progress_state.done.append(name)
                        _write_state(writer, progress_state)
                _write_state(writer, SyncState(gen, token) if token else SyncState())
            finally:
                writer.close()
    report.elapsed_s = time.perf_counter() - t0
    log.info(report.summary())
    return report


def graph_counts(driver: neo4j.Driver, settings: Settings) -> dict[str, int]:
    """Nodes per zhkg label and relationships per type currently in Neo4j."""
    db = settings.neo4j_database
    out: dict[str, int] = {}
    for label in ("Document", "Chunk", "Entity", "Community", *TYPE_LABELS):
        rec = driver.execute_query(f"MATCH (n:{label}) RETURN count(n) AS n", database_=db).records[0]
        out[label] = int(rec["n"])
    for rec in driver.execute_query(
        "MATCH ()-[r]->() RETURN type(r) AS t, count(r) AS n", database_=db
    ).records:
        out[str(rec["t"])] = int(rec["n"])
    return out
