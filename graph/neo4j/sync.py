"""Mirror a workspace into Neo4j: batched, idempotent, removals included.

The workspace is the source of truth and is only read. A sync computes the
wanted graph from the store, deletes what Neo4j has that the workspace no longer
has (by id), then ``UNWIND $rows AS row MERGE ...`` in batches. Running it twice
therefore changes no counts, and a sync after Neo4j was down catches up fully.

Graph model::

    (:Document)-[:HAS_CHUNK]->(:Chunk)-[:MENTIONS {count}]->(:Entity:<Type>)
    (:Entity)-[:<RELATION_TYPE> {id, weight, confidence, extractors, evidence_*}]->(:Entity)
    (:Entity)-[:IN_COMMUNITY]->(:Community)-[:PARENT]->(:Community)

Entity ``degree`` and ``pagerank`` are computed here with igraph so centrality
queries work on Community servers without the GDS plugin.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import igraph
import neo4j
from tqdm import tqdm

from extract.records import Entity, EntityType, Relation, RelationType
from graph.neo4j.client import connect, with_retries
from graph.neo4j.schema import ensure_schema
from graph.settings import Settings
from graph.store import Store

log = logging.getLogger(__name__)

Row = dict[str, Any]
Pair = tuple[str, str]


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
STRUCTURAL = ("HAS_CHUNK", "MENTIONS", "IN_COMMUNITY", "PARENT")


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


# -- the wanted graph, computed from the store (pure apart from reading it) -------------------------


@dataclass
class WantedGraph:
    documents: list[Row]
    chunks: list[Row]
    entities: list[Row]
    relations: list[Row]
    communities: list[Row]
    has_chunk: list[Pair]
    mentions: list[Row]
    in_community: list[Pair]
    parent: list[Pair]


def compute_centrality(
    entity_ids: Sequence[str], relations: Iterable[Relation]
) -> dict[str, tuple[int, float]]:
    """Entity id → (degree, PageRank) over the entity-relation graph, undirected and weighted.

    Degree counts relations touching the entity. PageRank uses relation weights
    and the usual damping 0.85; it sums to 1 over all entities.
    """
    index = {eid: i for i, eid in enumerate(entity_ids)}
    edges: list[tuple[int, int]] = []
    weights: list[float] = []
    for r in relations:
        if r.source in index and r.target in index and r.source != r.target:
            edges.append((index[r.source], index[r.target]))
            weights.append(max(float(r.weight), 1e-9))
    g = igraph.Graph(n=len(index), edges=edges, directed=False)
    if not index:
        return {}
    degree = g.degree()
    pagerank = g.pagerank(weights=weights if edges else None, damping=0.85, directed=False)
    return {eid: (int(degree[i]), float(pagerank[i])) for eid, i in index.items()}


def _entity_row(e: Entity, keys: Sequence[str], centrality: tuple[int, float]) -> Row:
    aliases = [a for a in e.aliases if a]
    return {
        "id": e.id,
        "label": type_label(e.type),
        "props": {
            "name": e.name,
            "type": e.type.value,
            "aliases": aliases,
            # One string for the full-text index; the separator keeps aliases from merging into one token.
            "alias_text": " | ".join(aliases),
            "match_keys": sorted(set(keys)),
            "extractors": list(e.extractors),
            "confidence": float(e.confidence),
            "mention_count": int(e.mention_count),
            "doc_count": len(e.doc_ids),
            "variant_of": e.variant_of,
            "degree": centrality[0],
            "pagerank": centrality[1],
        },
    }


def _relation_row(r: Relation) -> Row:
    return {
        "id": r.id,
        "source": r.source,
        "target": r.target,
        "type": rel_type(r.type),
        "props": {
            "weight": float(r.weight),
            "confidence": float(r.confidence),
            "extractors": list(r.extractors),
            "evidence_chunk_ids": [ev.chunk_id for ev in r.evidence],
            "evidence_doc_ids": [ev.doc_id for ev in r.evidence],
            "evidence_texts": [ev.text for ev in r.evidence],
        },
    }


def wanted_graph(store: Store) -> WantedGraph:
    """Everything Neo4j should hold for this workspace (read-only use of ``store``)."""
    from extract.normalize import match_key

    documents = [
        {
            "id": d["id"],
            "props": {
                "path": d["path"],
                "title": d["title"],
                "group": d["group"],
                "date": d["date"],
                "author": d["author"],
                "tags": [str(t) for t in d["tags"]],
                "metadata_json": json.dumps(d["metadata"], ensure_ascii=False, sort_keys=True),
                "encoding": d["encoding"],
                "size_bytes": int(d["size_bytes"]),
                "raw_hash": d["raw_hash"],
            },
        }
        for d in store.documents()
    ]
    doc_ids = {d["id"] for d in documents}
    chunk_objs = [c for c in store.chunks() if c.doc_id in doc_ids]
    chunks = [
        {
            "id": c.id,
            "props": {
                "doc_id": c.doc_id,
                "index": c.index,
                "text": c.text,
                "start": c.start,
                "end": c.end,
                "section": c.section,
            },
        }
        for c in chunk_objs
    ]
    chunk_ids = {c.id for c in chunk_objs}
    entity_objs = store.entities()
    entity_ids = [e.id for e in entity_objs]
    keys: dict[str, list[str]] = {}
    for key, eid in store.conn.execute("SELECT key, entity_id FROM entity_keys"):
        keys.setdefault(eid, []).append(key)
    relation_objs = [r for r in store.relations(with_evidence=True) if r.source != r.target]
    known = set(entity_ids)
    relation_objs = [r for r in relation_objs if r.source in known and r.target in known]
    centrality = compute_centrality(entity_ids, relation_objs)
    entities = [
        _entity_row(
            e, [*keys.get(e.id, []), match_key(e.name), *(match_key(a) for a in e.aliases)], centrality[e.id]
        )
        for e in entity_objs
    ]
    mentions = [
        {"chunk": cid, "entity": eid, "count": int(n)}
        for cid, eid, n in store.conn.execute(
            "SELECT m.chunk_id, ek.entity_id, COUNT(*) FROM mentions m"
            " JOIN entity_keys ek ON ek.key = m.key GROUP BY m.chunk_id, ek.entity_id"
            " ORDER BY m.chunk_id, ek.entity_id"
        )
        if cid in chunk_ids and eid in known
    ]
    comm = store.communities()
    comm_ids = {c["id"] for c in comm}
    communities = [
        {
            "id": c["id"],
            "props": {
                "level": int(c["level"]),
                "parent": c["parent"],
                "title": c["title"],
                "summary": c["summary"],
                "rank": float(c["rank"]),
                "size": len(c["entity_ids"]),
            },
        }
        for c in comm
    ]
    return WantedGraph(
        documents=documents,
        chunks=chunks,
        entities=entities,
        relations=[_relation_row(r) for r in relation_objs],
        communities=communities,
        has_chunk=[(c.doc_id, c.id) for c in chunk_objs],
        mentions=mentions,
        in_community=sorted({(eid, c["id"]) for c in comm for eid in c["entity_ids"] if eid in known}),
        parent=sorted((c["id"], c["parent"]) for c in comm if c["parent"] and c["parent"] in comm_ids),
    )


# -- Cypher (labels and types come only from the enums above, never from data) ------------------------

_MERGE_NODE = "UNWIND $rows AS row MERGE (n:{label} {{id: row.id}}) SET n += row.props"
_MERGE_ENTITY = (
    "UNWIND $rows AS row MERGE (n:Entity {{id: row.id}}) SET n += row.props {remove} SET n:{label}"
)
_MERGE_RELATION = (
    "UNWIND $rows AS row MATCH (s:Entity {{id: row.source}}) MATCH (t:Entity {{id: row.target}})"
    " MERGE (s)-[r:{type} {{id: row.id}}]->(t) SET r += row.props"
)
_MERGE_PAIR = {
    "HAS_CHUNK": "UNWIND $rows AS row MATCH (a:Document {id: row[0]}) MATCH (b:Chunk {id: row[1]})"
    " MERGE (a)-[:HAS_CHUNK]->(b)",
    "IN_COMMUNITY": "UNWIND $rows AS row MATCH (a:Entity {id: row[0]}) MATCH (b:Community {id: row[1]})"
    " MERGE (a)-[:IN_COMMUNITY]->(b)",
    "PARENT": "UNWIND $rows AS row MATCH (a:Community {id: row[0]}) MATCH (b:Community {id: row[1]})"
    " MERGE (a)-[:PARENT]->(b)",
}
_MERGE_MENTIONS = (
    "UNWIND $rows AS row MATCH (c:Chunk {id: row.chunk}) MATCH (e:Entity {id: row.entity})"
    " MERGE (c)-[m:MENTIONS]->(e) SET m.count = row.count"
)
_PAIR_ENDS = {
    "HAS_CHUNK": ("Document", "Chunk"),
    "MENTIONS": ("Chunk", "Entity"),
    "IN_COMMUNITY": ("Entity", "Community"),
    "PARENT": ("Community", "Community"),
}


def _existing_pairs(driver: neo4j.Driver, db: str, rel: str) -> set[Pair]:
    a, b = _PAIR_ENDS[rel]
    records = driver.execute_query(
        f"MATCH (a:{a})-[:{rel}]->(b:{b}) RETURN a.id AS a, b.id AS b", database_=db
    ).records
    return {(r["a"], r["b"]) for r in records}


def _delete_pairs_query(rel: str) -> str:
    a, b = _PAIR_ENDS[rel]
    return f"UNWIND $rows AS row MATCH (:{a} {{id: row[0]}})-[r:{rel}]->(:{b} {{id: row[1]}}) DELETE r"


def _batches(rows: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for i in range(0, len(rows), size):
        yield rows[i : i + size]


class _Writer:
    """Runs batched write queries in managed transactions and tallies the counters in ``report``."""

    def __init__(self, driver: neo4j.Driver, settings: Settings, bar: tqdm[Any], report: SyncReport) -> None:
        self.driver = driver
        self.db = settings.neo4j_database
        self.batch = max(1, int(settings.neo4j_batch_size))
        self.bar = bar
        self.report = report

    def _run(self, query: str, rows: Sequence[Any]) -> Iterable[tuple[Any, int]]:
        for part in _batches(rows, self.batch):
            payload = list(part)

            def work(tx: neo4j.ManagedTransaction, p: list[Any] = payload) -> Any:
                return tx.run(query, rows=p).consume().counters

            with self.driver.session(database=self.db) as session:
                counters = with_retries(lambda: session.execute_write(work))
            yield counters, len(payload)
            self.bar.update(len(payload))

    def remove(self, query: str, rows: Sequence[Any], key: str, *, nodes: bool) -> None:
        for c, _ in self._run(query, rows):
            _add(self.report.removed, key, c.nodes_deleted if nodes else c.relationships_deleted)

    def upsert(self, query: str, rows: Sequence[Any], key: str, *, nodes: bool) -> None:
        for c, n in self._run(query, rows):
            _add(self.report.written, key, n)
            _add(self.report.created, key, c.nodes_created if nodes else c.relationships_created)


def _add(d: dict[str, int], key: str, n: int) -> None:
    if n:
        d[key] = d.get(key, 0) + n


def sync_workspace(store: Store, settings: Settings, progress: bool = True) -> SyncReport:
    """Make Neo4j mirror ``store``; raises :class:`Neo4jUnavailable` when the server cannot be used.

    The store is only read, so a failure part-way leaves the workspace intact
    and the next sync completes the mirror.
    """
    t0 = time.perf_counter()
    wanted = wanted_graph(store)
    report = SyncReport(uri=settings.neo4j_uri)
    db = settings.neo4j_database
    with connect(settings) as driver:
        ensure_schema(driver, settings)
        # What to delete: compare ids in Neo4j with the workspace.
        node_sets = {
            "Document": wanted.documents,
            "Community": wanted.communities,
            "Entity": wanted.entities,
            "Chunk": wanted.chunks,
        }
        stale_nodes: dict[str, list[str]] = {}
        for label, rows in node_sets.items():
            have = {
                r["id"]
                for r in driver.execute_query(f"MATCH (n:{label}) RETURN n.id AS id", database_=db).records
            }
            stale_nodes[label] = sorted(have - {r["id"] for r in rows})
        wanted_rel_ids: dict[str, set[str]] = {t: set() for t in (rel_type(x) for x in RelationType)}
        for r in wanted.relations:
            wanted_rel_ids[r["type"]].add(r["id"])
        have_rels = driver.execute_query(
            "MATCH (:Entity)-[r]->(:Entity) RETURN type(r) AS type, r.id AS id", database_=db
        ).records
        stale_rels: dict[str, list[str | None]] = {}
        for rec in have_rels:
            if rec["id"] not in wanted_rel_ids.get(rec["type"], set()):
                stale_rels.setdefault(rec["type"], []).append(rec["id"])
        pair_wanted: dict[str, set[Pair]] = {
            "HAS_CHUNK": set(wanted.has_chunk),
            "MENTIONS": {(m["chunk"], m["entity"]) for m in wanted.mentions},
            "IN_COMMUNITY": set(wanted.in_community),
            "PARENT": set(wanted.parent),
        }
        stale_pairs = {
            rel: sorted(_existing_pairs(driver, db, rel) - want) for rel, want in pair_wanted.items()
        }
        total = (
            sum(len(v) for v in stale_nodes.values())
            + sum(len(v) for v in stale_rels.values())
            + sum(len(v) for v in stale_pairs.values())
            + sum(len(v) for v in node_sets.values())
            + len(wanted.relations)
            + sum(len(v) for v in pair_wanted.values())
        )
        with tqdm(total=total, unit="row", desc="neo4j sync", disable=not progress, file=sys.stderr) as bar:
            w = _Writer(driver, settings, bar, report)
            # 1. removals (relationships first, then nodes with whatever still hangs on them)
            for rel, pairs in stale_pairs.items():
                w.remove(_delete_pairs_query(rel), [list(p) for p in pairs], rel, nodes=False)
            for t, ids in stale_rels.items():
                if t in wanted_rel_ids and all(i is not None for i in ids):
                    q = f"UNWIND $rows AS id MATCH (:Entity)-[r:{rel_type(t)} {{id: id}}]->(:Entity) DELETE r"
                    w.remove(q, ids, t, nodes=False)
                else:  # a type zhkg no longer produces, or relationships without an id: not ours to keep
                    log.warning(
                        "removing %d %s relationships between entities that zhkg did not write", len(ids), t
                    )
                    q = f"MATCH (:Entity)-[r:`{t.replace('`', '')}`]->(:Entity) DELETE r"
                    w.remove(q, [None], t, nodes=False)
            for label, node_ids in stale_nodes.items():
                q = f"UNWIND $rows AS id MATCH (n:{label} {{id: id}}) DETACH DELETE n"
                w.remove(q, node_ids, label, nodes=True)
            # 2. upserts: nodes, then the relationships between them
            for label in ("Document", "Chunk", "Community"):
                w.upsert(_MERGE_NODE.format(label=label), node_sets[label], label, nodes=True)
            by_type: dict[str, list[Row]] = {}
            for e in wanted.entities:
                by_type.setdefault(e["label"], []).append(e)
            for label, rows in by_type.items():
                # A type change must not leave the old type label behind.
                remove = "REMOVE n:" + ":".join(x for x in TYPE_LABELS if x != label)
                w.upsert(_MERGE_ENTITY.format(label=label, remove=remove), rows, "Entity", nodes=True)
            rels_by_type: dict[str, list[Row]] = {}
            for r in wanted.relations:
                rels_by_type.setdefault(r["type"], []).append(r)
            for t, rows in sorted(rels_by_type.items()):
                w.upsert(_MERGE_RELATION.format(type=t), rows, t, nodes=False)
            for rel in ("HAS_CHUNK", "IN_COMMUNITY", "PARENT"):
                w.upsert(_MERGE_PAIR[rel], [list(p) for p in sorted(pair_wanted[rel])], rel, nodes=False)
            w.upsert(_MERGE_MENTIONS, wanted.mentions, "MENTIONS", nodes=False)
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
