"""Mirror a workspace into Neo4j: batched, idempotent, removals included.

The workspace is the source of truth and is only read. A sync computes the
wanted graph from the store, reads what Neo4j holds (ids and content hashes ``h``,
one query per label or relationship type), deletes what the workspace no longer
has (by id), then writes only the rows that are missing or whose hash differs with
``UNWIND $rows AS row MERGE ...`` in batches. A chunk's MENTIONS are written with the
chunk: ``CREATE`` when the chunk is new (chunk ids are content hashes), otherwise
updated as a unit when the chunk's mention hash ``mh`` differs. Running it twice
therefore changes no counts and the second run writes nothing, and a sync after
Neo4j was down catches up fully.

Graph model::

    (:Document)-[:HAS_CHUNK]->(:Chunk)-[:MENTIONS {count}]->(:Entity:<Type>)
    (:Entity)-[:<RELATION_TYPE> {id, weight, confidence, extractors, evidence_*}]->(:Entity)
    (:Entity)-[:IN_COMMUNITY]->(:Community)-[:PARENT]->(:Community)

Entity ``degree`` and ``pagerank`` are computed here with igraph so centrality
queries work on Community servers without the GDS plugin.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import sys
import time
from collections.abc import Callable, Iterable, Sequence
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

# Every node and entity relationship carries ``h``, a hash of what zhkg wrote into it, so a sync
# reads (id, h) once per label/type and writes only rows that are missing or differ. A chunk also
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
    "MENTIONS": ("Chunk", "Entity"),
    "IN_COMMUNITY": ("Entity", "Community"),
    "PARENT": ("Community", "Community"),
}


def row_hash(*parts: Any) -> str:
    """Stable short hash of JSON-able values (what a node or relationship should hold)."""
    blob = json.dumps(parts, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.blake2b(blob.encode("utf-8"), digest_size=12).hexdigest()


def _existing_pairs(driver: neo4j.Driver, db: str, rel: str) -> set[Pair]:
    a, b = _PAIR_ENDS[rel]
    records = driver.execute_query(
        f"MATCH (a:{a})-[:{rel}]->(b:{b}) RETURN a.id AS a, b.id AS b", database_=db
    ).records
    return {(r["a"], r["b"]) for r in records}


def _delete_pairs_query(rel: str) -> str:
    a, b = _PAIR_ENDS[rel]
    return f"UNWIND $rows AS row MATCH (:{a} {{id: row[0]}})-[r:{rel}]->(:{b} {{id: row[1]}}) DELETE r"


def _batches(
    rows: Sequence[Any], size: int, weight: Callable[[Any], int] | None = None
) -> Iterable[list[Any]]:
    """Consecutive slices of ``rows`` holding about ``size`` units (rows, or ``weight(row)`` each)."""
    if weight is None:
        for i in range(0, len(rows), size):
            yield list(rows[i : i + size])
        return
    part: list[Any] = []
    units = 0
    for row in rows:
        part.append(row)
        units += max(1, weight(row))
        if units >= size:
            yield part
            part, units = [], 0
    if part:
        yield part


class _Writer:
    """Runs batched write queries in managed transactions and tallies the counters in ``report``."""

    def __init__(self, driver: neo4j.Driver, settings: Settings, bar: tqdm[Any], report: SyncReport) -> None:
        self.driver = driver
        self.db = settings.neo4j_database
        self.batch = max(1, int(settings.neo4j_batch_size))
        self.bar = bar
        self.report = report

    def _run(
        self,
        query: str,
        rows: Sequence[Any],
        weight: Callable[[Any], int] | None = None,
        scale: int = 1,
    ) -> Iterable[tuple[Any, list[Any]]]:
        if not rows:
            return
        with self.driver.session(database=self.db) as session:  # one session, many transactions
            for payload in _batches(rows, self.batch * scale, weight):

                def work(tx: neo4j.ManagedTransaction, p: list[Any] = payload) -> Any:
                    return tx.run(query, rows=p).consume().counters

                counters = with_retries(lambda: session.execute_write(work))
                yield counters, payload
                self.bar.update(sum(max(1, weight(r)) for r in payload) if weight else len(payload))

    def remove(self, query: str, rows: Sequence[Any], key: str, *, nodes: bool) -> None:
        for c, _ in self._run(query, rows):
            _add(self.report.removed, key, c.nodes_deleted if nodes else c.relationships_deleted)

    def upsert(self, query: str, rows: Sequence[Any], key: str, *, nodes: bool) -> None:
        for c, p in self._run(query, rows):
            _add(self.report.written, key, len(p))
            _add(self.report.created, key, c.nodes_created if nodes else c.relationships_created)

    def mentions(self, query: str, rows: Sequence[Row]) -> None:
        """Per-chunk MENTIONS rows ``{id, mh, m: [[entity, count], ...]}``, batched by mention count."""
        # MENTIONS rows are tiny (two ids and a count): four times the usual batch per transaction.
        for c, p in self._run(query, rows, weight=lambda r: len(r["m"]), scale=4):
            _add(self.report.written, "MENTIONS", sum(len(r["m"]) for r in p))
            _add(self.report.created, "MENTIONS", c.relationships_created)
            _add(self.report.removed, "MENTIONS", c.relationships_deleted)


def _add(d: dict[str, int], key: str, n: int) -> None:
    if n:
        d[key] = d.get(key, 0) + n


def _chunk_mentions(wanted: WantedGraph) -> list[Row]:
    """Wanted MENTIONS grouped per chunk (every chunk, also those that mention nothing), hashed."""
    per: dict[str, list[list[Any]]] = {c["id"]: [] for c in wanted.chunks}
    for m in wanted.mentions:
        per[m["chunk"]].append([m["entity"], m["count"]])
    out = []
    for cid, ms in per.items():
        ms.sort()
        out.append({"id": cid, "mh": row_hash(ms), "m": ms})
    return out


def sync_workspace(store: Store, settings: Settings, progress: bool = True) -> SyncReport:
    """Make Neo4j mirror ``store``; raises :class:`Neo4jUnavailable` when the server cannot be used.

    Only rows that are missing in Neo4j or whose content hash differs are written, so a
    sync with nothing changed only reads. The store is only read, so a failure part-way
    leaves the workspace intact and the next sync completes the mirror.
    """
    t0 = time.perf_counter()
    wanted = wanted_graph(store)
    for row in wanted.documents + wanted.chunks + wanted.communities:
        row["h"] = row_hash(row["props"])
    for row in wanted.entities:
        # PageRank differs run to run in the last digits (float summation order): hash it rounded.
        props = {**row["props"], "pagerank": f"{row['props']['pagerank']:.9g}"}
        row["h"] = row_hash(row["label"], props)
    for row in wanted.relations:
        row["h"] = row_hash(row["source"], row["target"], row["props"])
    chunk_mentions = _chunk_mentions(wanted)
    report = SyncReport(uri=settings.neo4j_uri)
    db = settings.neo4j_database
    with connect(settings) as driver:
        ensure_schema(driver, settings)
        # What Neo4j holds: (id, hash) per label, compared with the workspace.
        node_sets = {
            "Document": wanted.documents,
            "Community": wanted.communities,
            "Entity": wanted.entities,
            "Chunk": wanted.chunks,
        }
        stale_nodes: dict[str, list[str]] = {}
        changed_nodes: dict[str, list[Row]] = {}
        have_mh: dict[str, str | None] = {}
        for label, rows in node_sets.items():
            extra = ", n.mh AS mh" if label == "Chunk" else ""
            records = driver.execute_query(
                f"MATCH (n:{label}) RETURN n.id AS id, n.h AS h{extra}", database_=db
            ).records
            have = {r["id"]: r["h"] for r in records}
            if label == "Chunk":
                have_mh = {r["id"]: r["mh"] for r in records}
            wanted_ids = {r["id"] for r in rows}
            stale_nodes[label] = sorted(i for i in have if i not in wanted_ids)
            changed_nodes[label] = [r for r in rows if have.get(r["id"]) != r["h"]]
        wanted_rels: dict[str, dict[str, str]] = {t: {} for t in (rel_type(x) for x in RelationType)}
        for r in wanted.relations:
            wanted_rels[r["type"]][r["id"]] = r["h"]
        have_rels = driver.execute_query(
            "MATCH (:Entity)-[r]->(:Entity) RETURN type(r) AS type, r.id AS id, r.h AS h", database_=db
        ).records
        stale_rels: dict[str, list[str | None]] = {}
        have_rel_h: dict[tuple[str, str], str | None] = {}
        for rec in have_rels:
            if rec["id"] not in wanted_rels.get(rec["type"], {}):
                stale_rels.setdefault(rec["type"], []).append(rec["id"])
            else:
                have_rel_h[(rec["type"], rec["id"])] = rec["h"]
        changed_rels = [r for r in wanted.relations if have_rel_h.get((r["type"], r["id"])) != r["h"]]
        pair_wanted: dict[str, set[Pair]] = {
            "HAS_CHUNK": set(wanted.has_chunk),
            "IN_COMMUNITY": set(wanted.in_community),
            "PARENT": set(wanted.parent),
        }
        pair_have = {rel: _existing_pairs(driver, db, rel) for rel in pair_wanted}
        stale_pairs = {rel: sorted(pair_have[rel] - want) for rel, want in pair_wanted.items()}
        missing_pairs = {rel: sorted(want - pair_have[rel]) for rel, want in pair_wanted.items()}
        # MENTIONS: chunks new to Neo4j get CREATE; known chunks whose mention hash differs are updated.
        new_chunk_mentions = [c for c in chunk_mentions if c["id"] not in have_mh]
        changed_chunk_mentions = [
            c for c in chunk_mentions if c["id"] in have_mh and have_mh[c["id"]] != c["mh"]
        ]
        total = (
            sum(len(v) for v in stale_nodes.values())
            + sum(len(v) for v in stale_rels.values())
            + sum(len(v) for v in stale_pairs.values())
            + sum(len(v) for v in changed_nodes.values())
            + len(changed_rels)
            + sum(len(v) for v in missing_pairs.values())
            + sum(max(1, len(c["m"])) for c in new_chunk_mentions + changed_chunk_mentions)
        )
        with tqdm(total=total, unit="row", desc="neo4j sync", disable=not progress, file=sys.stderr) as bar:
            w = _Writer(driver, settings, bar, report)
            # 1. removals (relationships first, then nodes with whatever still hangs on them)
            for rel, pairs in stale_pairs.items():
                w.remove(_delete_pairs_query(rel), [list(p) for p in pairs], rel, nodes=False)
            for t, ids in stale_rels.items():
                if t in wanted_rels and all(i is not None for i in ids):
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
            # 2. upserts of what is missing or changed: nodes, then the relationships between them
            for label in ("Document", "Chunk", "Community"):
                w.upsert(_MERGE_NODE.format(label=label), changed_nodes[label], label, nodes=True)
            by_type: dict[str, list[Row]] = {}
            for e in changed_nodes["Entity"]:
                by_type.setdefault(e["label"], []).append(e)
            for label, rows in sorted(by_type.items()):
                # A type change must not leave the old type label behind.
                remove = "REMOVE n:" + ":".join(x for x in TYPE_LABELS if x != label)
                w.upsert(_MERGE_ENTITY.format(label=label, remove=remove), rows, "Entity", nodes=True)
            rels_by_type: dict[str, list[Row]] = {}
            for r in changed_rels:
                rels_by_type.setdefault(r["type"], []).append(r)
            for t, rows in sorted(rels_by_type.items()):
                w.upsert(_MERGE_RELATION.format(type=t), rows, t, nodes=False)
            for rel in ("HAS_CHUNK", "IN_COMMUNITY", "PARENT"):
                w.upsert(_MERGE_PAIR[rel], [list(p) for p in missing_pairs[rel]], rel, nodes=False)
            w.mentions(_CREATE_MENTIONS, new_chunk_mentions)
            w.mentions(_UPDATE_MENTIONS, changed_chunk_mentions)
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
