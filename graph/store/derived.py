"""Keeping the derived graph tables up to date in proportion to what changed.

An ingest used to redo every workspace-wide step over every row: surface statistics by a
GROUP BY over every mention, then every entity, key, entity–document pair, relation and
evidence row deleted and derived again. After a small edit almost all of that work
reproduces what was already there. This module keeps two aggregates next to the
per-document tables and uses them to touch only what a change can reach:

* ``doc_surfaces``: per document, one row per (key, surface, type, extractor) with the
  mention count, the highest confidence and the canonical name — the mentions table
  pre-aggregated. Only the changed documents' rows are rewritten;
* ``surface_totals``: the same summed over documents (what resolution reads), recomputed
  only for the groups a changed document had or has;
* ``pending_pairs``: (source key, target key) of relation candidates deleted since the last
  finish (written when a document's candidates are deleted), so the relations those
  candidates supported are derived again.

The entity graph is then updated as a diff (:func:`update_graph`): entity rows whose content
changed, keys whose entity changed, the entity–document counts of changed documents and of
entities a key left or joined, and the relations of every entity pair that a changed
document's candidates (old or new) or a re-assigned key can reach — each such pair's relations
and evidence are derived again from all its candidates, by the same SQL as the full
derivation, so the result equals a full recompute row for row.

Anything that makes the bookkeeping doubtful falls back to the full path: aggregates not
written by the previous finish (meta ``derived_generation`` differs from ``generation``: an
older workspace, or tables written outside an ingest), a change touching more than
``MAX_CHANGED_SHARE`` of the documents, or more than ``MAX_MOVED_SHARE`` of the keys moving.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from extract.records import Entity, EntityType, SurfaceStat, stable_id
from extract.timing import timed
from graph.records import SYMMETRIC

log = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS doc_surfaces (
    key TEXT NOT NULL, surface TEXT NOT NULL, type TEXT NOT NULL, extractor TEXT NOT NULL,
    doc_id TEXT NOT NULL, n INTEGER NOT NULL, confidence REAL NOT NULL, canonical TEXT NOT NULL,
    PRIMARY KEY (key, surface, type, extractor, doc_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS doc_surfaces_doc ON doc_surfaces(doc_id);
CREATE TABLE IF NOT EXISTS surface_totals (
    key TEXT NOT NULL, surface TEXT NOT NULL, type TEXT NOT NULL, extractor TEXT NOT NULL,
    n INTEGER NOT NULL, docs INTEGER NOT NULL, confidence REAL NOT NULL, canonical TEXT NOT NULL,
    PRIMARY KEY (key, surface, type, extractor)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS pending_pairs (
    source_key TEXT NOT NULL, target_key TEXT NOT NULL, PRIMARY KEY (source_key, target_key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS entity_docs_doc ON entity_docs(doc_id);
"""

# Indexes on the relation candidates that let one entity pair's candidates be read without a scan.
CANDIDATE_INDEXES = {
    "rel_candidates_pair": "rel_candidates(source_key, target_key)",
    "rel_candidates_target": "rel_candidates(target_key)",
}

VALID_META = "derived_generation"  # the generation whose finish wrote the aggregates
MAX_CHANGED_SHARE = 0.2  # more changed documents than this share: the full path is cheaper
MAX_MOVED_SHARE = 0.2  # more keys re-assigned than this share: the full path is cheaper
EVIDENCE_PER_RELATION = 5


@dataclass(frozen=True)
class Delta:
    """What changed since the last finish: documents, and the candidate key pairs they had or have."""

    docs: frozenset[str]
    key_pairs: frozenset[tuple[str, str]]


def note_deleted_candidates(conn: sqlite3.Connection, doc_ids: Sequence[tuple[str]]) -> None:
    """Remember the key pairs of candidates about to be deleted (their relations need deriving again)."""
    conn.executemany(
        "INSERT OR IGNORE INTO pending_pairs(source_key, target_key)"
        " SELECT DISTINCT source_key, target_key FROM rel_candidates WHERE doc_id=?",
        doc_ids,
    )


def _temp_ids(conn: sqlite3.Connection, name: str, ids: Iterable[str]) -> None:
    conn.execute(f"DROP TABLE IF EXISTS temp.{name}")
    conn.execute(f"CREATE TEMP TABLE {name} (id TEXT PRIMARY KEY) WITHOUT ROWID")
    conn.executemany(f"INSERT OR IGNORE INTO temp.{name}(id) VALUES (?)", ((i,) for i in ids))


def _changed_documents(conn: sqlite3.Connection, generation: int) -> set[str]:
    rows = conn.execute("SELECT doc_id FROM change_log WHERE generation=?", (generation + 1,))
    return {r[0] for r in rows}


def _meta(conn: sqlite3.Connection, key: str) -> str | None:
    row = conn.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
    return None if row is None else str(row[0])


@timed("store.aggregates")
def prepare(conn: sqlite3.Connection, *, full: bool = False) -> Delta | None:
    """Bring the aggregates up to date; the change to apply incrementally, or None for the full path.

    Call inside the ingest's transaction, after the per-document tables were written.
    """
    generation = int(_meta(conn, "generation") or 0)
    valid = _meta(conn, VALID_META) == str(generation)
    docs = _changed_documents(conn, generation) if valid else set()
    n_docs = conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
    if full or not valid or len(docs) > MAX_CHANGED_SHARE * max(n_docs, 1):
        why = "asked" if full else "big change" if valid else "first ingest" if generation == 0 else "stale"
        log.info("derived tables: full rebuild (%s)", why)
        rebuild(conn)
        return None
    _temp_ids(conn, "dd", docs)
    conn.execute("DROP TABLE IF EXISTS temp.dg")
    conn.execute(
        "CREATE TEMP TABLE dg (key TEXT, surface TEXT, type TEXT, extractor TEXT,"
        " PRIMARY KEY (key, surface, type, extractor)) WITHOUT ROWID"
    )
    dirty = (
        "INSERT OR IGNORE INTO temp.dg SELECT ds.key, ds.surface, ds.type, ds.extractor"
        " FROM temp.dd d CROSS JOIN doc_surfaces ds ON ds.doc_id = d.id"
    )
    conn.execute(dirty)
    conn.execute("DELETE FROM doc_surfaces WHERE doc_id IN (SELECT id FROM temp.dd)")
    conn.execute(
        "INSERT INTO doc_surfaces(key, surface, type, extractor, doc_id, n, confidence, canonical)"
        " SELECT m.key, m.surface, m.type, m.extractor, m.doc_id, COUNT(*), MAX(m.confidence),"
        " MAX(m.canonical) FROM temp.dd d CROSS JOIN mentions m ON m.doc_id = d.id"
        " GROUP BY m.doc_id, m.key, m.surface, m.type, m.extractor"
    )
    conn.execute(dirty)
    conn.execute(
        "DELETE FROM surface_totals WHERE (key, surface, type, extractor) IN (SELECT * FROM temp.dg)"
    )
    conn.execute(
        "INSERT INTO surface_totals(key, surface, type, extractor, n, docs, confidence, canonical)"
        " SELECT g.key, g.surface, g.type, g.extractor, SUM(ds.n), COUNT(*), MAX(ds.confidence),"
        " MAX(ds.canonical) FROM temp.dg g CROSS JOIN doc_surfaces ds ON ds.key = g.key"
        " AND ds.surface = g.surface AND ds.type = g.type AND ds.extractor = g.extractor"
        " GROUP BY g.key, g.surface, g.type, g.extractor"
    )
    pairs = set(conn.execute("SELECT source_key, target_key FROM pending_pairs").fetchall())
    pairs |= set(
        conn.execute(
            "SELECT DISTINCT r.source_key, r.target_key FROM temp.dd d"
            " CROSS JOIN rel_candidates r ON r.doc_id = d.id"
        ).fetchall()
    )
    conn.execute("DELETE FROM pending_pairs")
    conn.execute("DROP TABLE temp.dg")
    return Delta(frozenset(docs), frozenset((str(a), str(b)) for a, b in pairs))


def rebuild(conn: sqlite3.Connection) -> None:
    """Both aggregates from every mention (the full path; also what makes them valid again)."""
    conn.execute("DELETE FROM doc_surfaces")
    conn.execute("DROP INDEX IF EXISTS doc_surfaces_doc")  # one sort at the end, not a random insert per row
    conn.execute(
        "INSERT INTO doc_surfaces(key, surface, type, extractor, doc_id, n, confidence, canonical)"
        " SELECT key, surface, type, extractor, doc_id, COUNT(*), MAX(confidence), MAX(canonical)"
        " FROM mentions GROUP BY key, surface, type, extractor, doc_id"
    )
    conn.execute("CREATE INDEX doc_surfaces_doc ON doc_surfaces(doc_id)")
    conn.execute("DELETE FROM surface_totals")
    conn.execute(
        "INSERT INTO surface_totals(key, surface, type, extractor, n, docs, confidence, canonical)"
        " SELECT key, surface, type, extractor, SUM(n), COUNT(*), MAX(confidence), MAX(canonical)"
        " FROM doc_surfaces GROUP BY key, surface, type, extractor"
    )
    conn.execute("DELETE FROM pending_pairs")


@timed("store.surface_stats")
def surface_stats(conn: sqlite3.Connection) -> list[SurfaceStat]:
    """Resolution's input from ``surface_totals``, in the order a GROUP BY over the mentions gives."""
    rows = conn.execute(
        "SELECT key, surface, type, extractor, n, docs, confidence, canonical FROM surface_totals"
        " ORDER BY key, surface, type, extractor"
    )
    return [SurfaceStat(r[0], r[1], EntityType(r[2]), r[3], r[4], r[5], r[6], r[7] or "") for r in rows]


def mark_valid(conn: sqlite3.Connection, generation: int) -> None:
    conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (VALID_META, str(generation)))


# -- relations -----------------------------------------------------------------------------------

_SYM = ",".join(f"'{t}'" for t in sorted(SYMMETRIC))
_FLIP = f"r.type IN ({_SYM}) AND s.entity_id > t.entity_id"
# Candidate rows with their entities, symmetric types in id order: what relations are derived from.
RC_COLUMNS = (
    f" CASE WHEN {_FLIP} THEN t.entity_id ELSE s.entity_id END AS src,"
    f" CASE WHEN {_FLIP} THEN s.entity_id ELSE t.entity_id END AS tgt,"
    " r.type, r.doc_id, r.chunk_id, r.sentence, r.extractor, r.confidence, r.weight"
)


def _j(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def derive_from_rc(conn: sqlite3.Connection) -> None:
    """Relations and their evidence from the candidates in ``temp.rc`` (every candidate of each
    entity pair it holds), inserted; ``temp.rc`` is dropped afterwards.

    Both the full derivation (all candidates) and the incremental one (the candidates of the
    affected pairs) run this, so both give the same rows for a pair.
    """
    # A co-occurrence edge adds nothing where a typed relation already links the pair. The typed
    # pairs go into an indexed table (both directions) so this is one probe per row, not a scan.
    conn.execute("DROP TABLE IF EXISTS temp.typed")
    conn.execute(
        "CREATE TEMP TABLE typed AS SELECT src AS a, tgt AS b FROM temp.rc WHERE type != 'RELATED_TO'"
        " UNION SELECT tgt, src FROM temp.rc WHERE type != 'RELATED_TO'"
    )
    conn.execute("CREATE UNIQUE INDEX temp.typed_ab ON typed(a, b)")
    conn.execute(
        "DELETE FROM temp.rc WHERE type='RELATED_TO'"
        " AND EXISTS (SELECT 1 FROM temp.typed x WHERE x.a = rc.src AND x.b = rc.tgt)"
    )
    conn.execute("DROP TABLE temp.typed")
    rows = conn.execute(
        "SELECT src, tgt, type, SUM(weight), MAX(confidence), GROUP_CONCAT(DISTINCT extractor)"
        " FROM temp.rc GROUP BY src, tgt, type"
    ).fetchall()
    conn.executemany(
        "INSERT INTO relations(id, source, target, type, weight, confidence, extractors)"
        " VALUES (?,?,?,?,?,?,?)",
        [
            (stable_id("r", s, t, ty), s, t, ty, round(w, 4), c, _j(sorted(set(ex.split(",")))))
            for s, t, ty, w, c, ex in rows
        ],
    )
    # One row per distinct sentence (its strongest sighting), then the strongest few per relation;
    # every tie is broken down to the sentence, so the choice never depends on row order.
    conn.execute(
        "INSERT INTO evidence(relation_id, doc_id, chunk_id, text, extractor, confidence)"
        " SELECT rel.id, e.doc_id, e.chunk_id, e.sentence, e.extractor, e.confidence FROM ("
        "  SELECT *, ROW_NUMBER() OVER (PARTITION BY src, tgt, type"
        "   ORDER BY confidence DESC, doc_id, chunk_id, sentence) AS n FROM ("
        "   SELECT *, ROW_NUMBER() OVER (PARTITION BY src, tgt, type, sentence"
        "    ORDER BY confidence DESC, doc_id, chunk_id, extractor) AS dup FROM temp.rc)"
        "  WHERE dup = 1) e"
        " JOIN relations rel ON rel.source=e.src AND rel.target=e.tgt AND rel.type=e.type"
        f" WHERE e.n <= {EVIDENCE_PER_RELATION}"
    )
    conn.execute("DROP TABLE temp.rc")


def derive_all(conn: sqlite3.Connection) -> None:
    """Every relation from every candidate (the full path)."""
    conn.execute("DROP TABLE IF EXISTS temp.rc")
    conn.execute(
        f"CREATE TEMP TABLE rc AS SELECT {RC_COLUMNS}"
        " FROM rel_candidates r JOIN entity_keys s ON s.key = r.source_key"
        " JOIN entity_keys t ON t.key = r.target_key WHERE s.entity_id != t.entity_id"
    )
    derive_from_rc(conn)


@timed("relations.derive_relations_sql")
def _derive_pairs(conn: sqlite3.Connection, pairs: set[tuple[str, str]]) -> None:
    """Delete and derive again the relations of these unordered entity pairs (``a < b``)."""
    conn.execute("DROP TABLE IF EXISTS temp.pp")
    conn.execute("CREATE TEMP TABLE pp (a TEXT, b TEXT, PRIMARY KEY (a, b)) WITHOUT ROWID")
    conn.executemany(
        "INSERT OR IGNORE INTO temp.pp(a, b) VALUES (?, ?)", [x for a, b in pairs for x in ((a, b), (b, a))]
    )
    conn.execute("DROP TABLE IF EXISTS temp.gone")
    conn.execute(
        "CREATE TEMP TABLE gone AS SELECT r.id AS id FROM temp.pp p"
        " CROSS JOIN relations r ON r.source = p.a AND r.target = p.b"
    )
    conn.execute("DELETE FROM evidence WHERE relation_id IN (SELECT id FROM temp.gone)")
    conn.execute("DELETE FROM relations WHERE id IN (SELECT id FROM temp.gone)")
    conn.execute("DROP TABLE temp.gone")
    conn.execute("DROP TABLE IF EXISTS temp.rc")
    conn.execute(
        f"CREATE TEMP TABLE rc AS SELECT {RC_COLUMNS} FROM temp.pp p"
        " CROSS JOIN entity_keys s ON s.entity_id = p.a CROSS JOIN entity_keys t ON t.entity_id = p.b"
        " CROSS JOIN rel_candidates r ON r.source_key = s.key AND r.target_key = t.key"
    )
    conn.execute("DROP TABLE temp.pp")
    derive_from_rc(conn)


# -- the graph as a diff -------------------------------------------------------------------------


def entity_row(e: Entity) -> tuple[object, ...]:
    """The ``entities`` columns but the counts, as both the full write and the diff insert them."""
    return (
        e.id,
        e.name,
        str(e.type),
        _j(list(e.aliases)),
        _j(list(e.extractors)),
        e.confidence,
        e.variant_of,
        _j(list(e.merges)),
    )


def _neighbour_pairs(conn: sqlite3.Connection, keys: Iterable[str]) -> set[tuple[str, str]]:
    """Candidate key pairs with one of ``keys`` at either end."""
    out: set[tuple[str, str]] = set()
    for k in keys:
        out.update(
            conn.execute(
                "SELECT DISTINCT source_key, target_key FROM rel_candidates WHERE source_key=?", (k,)
            ).fetchall()
        )
        out.update(
            conn.execute(
                "SELECT DISTINCT source_key, target_key FROM rel_candidates WHERE target_key=?", (k,)
            ).fetchall()
        )
    return out


@dataclass(frozen=True)
class GraphChange:
    """What an incremental update touched: entities whose row, counts, documents or relations
    may differ (communities rebuild only reports reaching them), and the documents whose
    mentions now resolve differently (for the change log)."""

    entities: frozenset[str]
    moved_keys: int
    pairs: int


@timed("store.update_graph")
def update_graph(
    conn: sqlite3.Connection,
    entities: Sequence[Entity],
    key_to_entity: dict[str, str],
    delta: Delta,
    old_keys: dict[str, str],
) -> GraphChange | None:
    """Apply the new resolution as a diff (see the module); None when the full path should run."""
    moved = {k for k, e in old_keys.items() if key_to_entity.get(k) != e}
    moved |= {k for k, e in key_to_entity.items() if old_keys.get(k) != e}
    if len(moved) > MAX_MOVED_SHARE * max(len(key_to_entity), len(old_keys), 1):
        return None
    moved_entities = {old_keys[k] for k in moved if k in old_keys} | {
        key_to_entity[k] for k in moved if k in key_to_entity
    }

    # Entities: rows whose content changed are replaced (their counts are recomputed below).
    old_rows = {
        r[0]: tuple(r)
        for r in conn.execute(
            "SELECT id, name, type, aliases, extractors, confidence, variant_of, merges FROM entities"
        )
    }
    new_rows = {e.id: entity_row(e) for e in entities}
    removed = set(old_rows) - set(new_rows)
    changed = {i for i, row in new_rows.items() if old_rows.get(i) != row}
    conn.executemany("DELETE FROM entities WHERE id=?", [(i,) for i in removed])
    conn.executemany(
        "INSERT OR REPLACE INTO entities(id, name, type, aliases, extractors, confidence, mention_count,"
        " doc_count, variant_of, merges) VALUES (?,?,?,?,?,?,0,0,?,?)",
        [new_rows[i] for i in sorted(changed)],
    )
    conn.executemany("DELETE FROM entity_keys WHERE key=?", [(k,) for k in moved if k in old_keys])
    conn.executemany(
        "INSERT INTO entity_keys(key, entity_id) VALUES (?, ?)",
        [(k, key_to_entity[k]) for k in sorted(moved) if k in key_to_entity],
    )

    # Entity–document counts: of the changed documents, and of every entity a key left or joined.
    _temp_ids(conn, "dd", delta.docs)
    _temp_ids(conn, "em", moved_entities | removed)
    of_docs = "SELECT DISTINCT ed.entity_id FROM temp.dd d CROSS JOIN entity_docs ed ON ed.doc_id = d.id"
    touched = {r[0] for r in conn.execute(of_docs)}
    conn.execute("DELETE FROM entity_docs WHERE doc_id IN (SELECT id FROM temp.dd)")
    conn.execute("DELETE FROM entity_docs WHERE entity_id IN (SELECT id FROM temp.em)")
    conn.execute(
        "INSERT OR REPLACE INTO entity_docs(entity_id, doc_id, mentions)"
        " SELECT ek.entity_id, ds.doc_id, SUM(ds.n) FROM temp.dd d"
        " CROSS JOIN doc_surfaces ds ON ds.doc_id = d.id CROSS JOIN entity_keys ek ON ek.key = ds.key"
        " GROUP BY ek.entity_id, ds.doc_id"
    )
    conn.execute(
        "INSERT OR REPLACE INTO entity_docs(entity_id, doc_id, mentions)"
        " SELECT ek.entity_id, ds.doc_id, SUM(ds.n) FROM temp.em m"
        " CROSS JOIN entity_keys ek ON ek.entity_id = m.id CROSS JOIN doc_surfaces ds ON ds.key = ek.key"
        " GROUP BY ek.entity_id, ds.doc_id"
    )
    touched |= {r[0] for r in conn.execute(of_docs)}

    # Relations: every entity pair a changed document's candidates (before or after) or a moved
    # key's candidates reach, under the old and the new resolution.
    key_pairs = set(delta.key_pairs) | _neighbour_pairs(conn, moved)
    pairs: set[tuple[str, str]] = set()
    for s, t in key_pairs:
        for mapping in (old_keys, key_to_entity):
            a, b = mapping.get(s), mapping.get(t)
            if a is not None and b is not None and a != b:
                pairs.add((a, b) if a < b else (b, a))
    if removed:  # whatever still points at a removed entity goes too (nothing should)
        _temp_ids(conn, "rm", removed)
        pairs.update(
            (a, b) if a < b else (b, a)
            for a, b in conn.execute(
                "SELECT source, target FROM relations WHERE source IN (SELECT id FROM temp.rm)"
                " OR target IN (SELECT id FROM temp.rm)"
            )
        )
        conn.execute("DROP TABLE temp.rm")
    _derive_pairs(conn, pairs)

    touched |= moved_entities | changed | {e for p in pairs for e in p}
    touched -= removed
    _temp_ids(conn, "tt", touched)
    conn.execute("UPDATE entities SET mention_count = 0, doc_count = 0 WHERE id IN (SELECT id FROM temp.tt)")
    conn.execute(
        "UPDATE entities SET mention_count = c.n, doc_count = c.d FROM ("
        " SELECT ed.entity_id AS id, SUM(ed.mentions) AS n, COUNT(*) AS d FROM temp.tt t"
        " CROSS JOIN entity_docs ed ON ed.entity_id = t.id GROUP BY ed.entity_id) AS c"
        " WHERE entities.id = c.id"
    )
    for name in ("dd", "em", "tt"):
        conn.execute(f"DROP TABLE temp.{name}")
    log.info(
        "graph updated: %d documents, %d keys moved, %d entity pairs derived again, %d entities touched",
        len(delta.docs),
        len(moved),
        len(pairs),
        len(touched),
    )
    return GraphChange(frozenset(touched), len(moved), len(pairs))


__all__ = [
    "CANDIDATE_INDEXES",
    "SCHEMA",
    "Delta",
    "GraphChange",
    "derive_all",
    "mark_valid",
    "note_deleted_candidates",
    "prepare",
    "rebuild",
    "surface_stats",
    "update_graph",
]
