"""The workspace: one SQLite file holding every record zhkg produces.

SQLite gives us what loose files cannot: an ingest runs as one transaction, so a
process killed at any moment leaves the previous state (the journal rolls the
half-written one back on next open), and readers such as the app keep seeing a
consistent graph while a writer works (WAL mode).

Per-document tables (documents, blocks, chunks, mentions, rel_candidates,
redactions) are written by ingest; derived tables (entities, entity_keys,
relations, evidence, communities) are rebuilt from them, so removing a document
can never leave an orphan behind.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Container, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any, NamedTuple

from extract.duplicates import Signature
from extract.errors import ZhkgError
from extract.records import (
    Block,
    Chunk,
    Document,
    Entity,
    EntityType,
    Evidence,
    Mention,
    Relation,
    RelationCandidate,
    RelationType,
    SurfaceStat,
)
from extract.timing import timed
from graph.records import Community, StoredDocument
from graph.settings import workspace_db
from graph.store import derived

SCHEMA_VERSION = 3

# What changed in each generation, for consumers that mirror the workspace (the Neo4j sync):
# the documents whose rows (document, chunks, mentions) were written or deleted, or whose
# mentions now resolve to other entities, under the generation being produced (the current one
# plus one); and a random token per generation, so a mirror of a copied workspace is not taken
# for a mirror of this one. Generations before the log existed (a v2 workspace) have no token.
_CHANGE_LOG = (
    "CREATE TABLE IF NOT EXISTS change_log (generation INTEGER NOT NULL, doc_id TEXT NOT NULL,"
    " PRIMARY KEY (generation, doc_id)) WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS generations (generation INTEGER PRIMARY KEY, token TEXT NOT NULL)",
)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    id TEXT PRIMARY KEY, path TEXT NOT NULL UNIQUE, grp TEXT NOT NULL, title TEXT NOT NULL,
    date TEXT NOT NULL, author TEXT NOT NULL, tags TEXT NOT NULL, metadata TEXT NOT NULL,
    encoding TEXT NOT NULL, size_bytes INTEGER NOT NULL, raw_hash TEXT NOT NULL,
    body TEXT NOT NULL, boilerplate_sig TEXT NOT NULL DEFAULT '', ingested_at REAL NOT NULL,
    meta_title TEXT NOT NULL DEFAULT '', fallback_title TEXT NOT NULL DEFAULT '',
    aliases TEXT NOT NULL DEFAULT '[]', links TEXT NOT NULL DEFAULT '[]', pages TEXT NOT NULL DEFAULT '[]',
    link_labels TEXT NOT NULL DEFAULT '[]',
    file_size INTEGER NOT NULL DEFAULT -1, file_mtime_ns INTEGER NOT NULL DEFAULT 0,
    file_ino INTEGER NOT NULL DEFAULT 0, stat_at_ns INTEGER NOT NULL DEFAULT 0,
    duplicate_of TEXT NOT NULL DEFAULT '', similarity REAL NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS documents_grp ON documents(grp);
CREATE TABLE IF NOT EXISTS blocks (
    doc_id TEXT NOT NULL, idx INTEGER NOT NULL, kind TEXT NOT NULL, hash TEXT NOT NULL,
    text TEXT NOT NULL, heading TEXT NOT NULL, page INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (doc_id, idx)
);
CREATE TABLE IF NOT EXISTS doc_signatures (
    doc_id TEXT PRIMARY KEY, digest TEXT NOT NULL, minhash BLOB NOT NULL, shingles INTEGER NOT NULL,
    shingle INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS doc_links (
    source TEXT NOT NULL, target TEXT NOT NULL, PRIMARY KEY (source, target)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS doc_links_target ON doc_links(target);
CREATE TABLE IF NOT EXISTS redactions (doc_id TEXT NOT NULL, line INTEGER NOT NULL, kind TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS redactions_doc ON redactions(doc_id);
CREATE TABLE IF NOT EXISTS chunks (
    id TEXT PRIMARY KEY, doc_id TEXT NOT NULL, idx INTEGER NOT NULL, text TEXT NOT NULL,
    start INTEGER NOT NULL, "end" INTEGER NOT NULL, section TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS mentions (
    doc_id TEXT NOT NULL, chunk_id TEXT NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL,
    surface TEXT NOT NULL, key TEXT NOT NULL, type TEXT NOT NULL, extractor TEXT NOT NULL,
    confidence REAL NOT NULL, canonical TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS rel_candidates (
    doc_id TEXT NOT NULL, chunk_id TEXT NOT NULL, source_key TEXT NOT NULL, target_key TEXT NOT NULL,
    type TEXT NOT NULL, sentence TEXT NOT NULL, extractor TEXT NOT NULL, confidence REAL NOT NULL,
    weight REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS entities (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, type TEXT NOT NULL, aliases TEXT NOT NULL,
    extractors TEXT NOT NULL, confidence REAL NOT NULL, mention_count INTEGER NOT NULL,
    doc_count INTEGER NOT NULL, variant_of TEXT NOT NULL, merges TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS entity_keys (key TEXT PRIMARY KEY, entity_id TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS entity_docs (
    entity_id TEXT NOT NULL, doc_id TEXT NOT NULL, mentions INTEGER NOT NULL, PRIMARY KEY (entity_id, doc_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS entity_keys_entity ON entity_keys(entity_id);
CREATE TABLE IF NOT EXISTS relations (
    id TEXT PRIMARY KEY, source TEXT NOT NULL, target TEXT NOT NULL, type TEXT NOT NULL,
    weight REAL NOT NULL, confidence REAL NOT NULL, extractors TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS relations_source ON relations(source);
CREATE INDEX IF NOT EXISTS relations_target ON relations(target);
CREATE INDEX IF NOT EXISTS relations_pair ON relations(source, target, type);
CREATE TABLE IF NOT EXISTS evidence (
    relation_id TEXT NOT NULL, doc_id TEXT NOT NULL, chunk_id TEXT NOT NULL, text TEXT NOT NULL,
    extractor TEXT NOT NULL, confidence REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS evidence_relation ON evidence(relation_id);
CREATE TABLE IF NOT EXISTS communities (
    id TEXT PRIMARY KEY, level INTEGER NOT NULL, parent TEXT NOT NULL, title TEXT NOT NULL,
    summary TEXT NOT NULL, report TEXT NOT NULL, rank REAL NOT NULL, content_hash TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS community_members (
    community_id TEXT NOT NULL, entity_id TEXT NOT NULL, PRIMARY KEY (community_id, entity_id)
);
CREATE INDEX IF NOT EXISTS community_members_entity ON community_members(entity_id);
CREATE TABLE IF NOT EXISTS cache (key TEXT PRIMARY KEY, value TEXT NOT NULL);
{change_log}
-- Indexes of earlier builds that no query used: every mention insert paid for them.
DROP INDEX IF EXISTS mentions_key;
DROP INDEX IF EXISTS mentions_chunk;
DROP INDEX IF EXISTS blocks_hash;
"""
_SCHEMA = _SCHEMA.replace("{change_log}", "".join(f"{q};\n" for q in _CHANGE_LOG))

# What finds a document's rows in the big per-document tables (to replace or delete them). A load
# into empty tables drops them and builds each once at the end (see Store.bulk_load).
_PER_DOCUMENT_INDEXES = {
    "chunks_doc": "chunks(doc_id, idx)",
    "mentions_doc": "mentions(doc_id)",
    "rel_candidates_doc": "rel_candidates(doc_id)",
    **derived.CANDIDATE_INDEXES,
}
_SCHEMA += "".join(f"CREATE INDEX IF NOT EXISTS {n} ON {t};\n" for n, t in _PER_DOCUMENT_INDEXES.items())
# Per-document mention aggregates and deleted candidates' key pairs (graph.store.derived): created
# on any writable open; valid only once a finish wrote them (meta ``derived_generation``).
_SCHEMA += derived.SCHEMA

# The centrality the explorer ranks and sizes nodes by, stored by the ingest's finish step
# (graph.build.centrality.refresh) so the app need not read every relation to draw the top N.
# Valid only for the generation in meta ``centrality_generation``: a workspace written before the
# table existed (or by a path that skipped the step) has it empty or stale, and readers then
# compute it on read. Created on any writable open, so no schema version bump is needed.
_SCHEMA += (
    "CREATE TABLE IF NOT EXISTS entity_centrality (entity_id TEXT PRIMARY KEY, degree INTEGER NOT NULL,"
    " pagerank REAL NOT NULL, score REAL NOT NULL) WITHOUT ROWID;\n"
)

# Columns added since a version, for workspaces written by an older zhkg (each ALTER keeps every row;
# the new columns take their defaults until the next ingest of the document fills them).
_UPGRADES: dict[int, tuple[str, ...]] = {
    2: _CHANGE_LOG,
    1: (
        "ALTER TABLE documents ADD COLUMN meta_title TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE documents ADD COLUMN fallback_title TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE documents ADD COLUMN aliases TEXT NOT NULL DEFAULT '[]'",
        "ALTER TABLE documents ADD COLUMN links TEXT NOT NULL DEFAULT '[]'",
        "ALTER TABLE documents ADD COLUMN link_labels TEXT NOT NULL DEFAULT '[]'",
        "ALTER TABLE documents ADD COLUMN file_size INTEGER NOT NULL DEFAULT -1",
        "ALTER TABLE documents ADD COLUMN file_mtime_ns INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE documents ADD COLUMN file_ino INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE documents ADD COLUMN stat_at_ns INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE documents ADD COLUMN pages TEXT NOT NULL DEFAULT '[]'",
        "ALTER TABLE documents ADD COLUMN duplicate_of TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE documents ADD COLUMN similarity REAL NOT NULL DEFAULT 0",
        "ALTER TABLE blocks ADD COLUMN page INTEGER NOT NULL DEFAULT 0",
    ),
}

EVIDENCE_PER_RELATION = derived.EVIDENCE_PER_RELATION


class FileStat(NamedTuple):
    """What ``stat`` said of a document's file when it was read, and when (ns since the epoch)."""

    size: int = -1
    mtime_ns: int = 0
    ino: int = 0
    at_ns: int = 0


class KnownFile(NamedTuple):
    raw_hash: str
    stat: FileStat


class BodyRow(NamedTuple):
    doc_id: str
    body: str
    sig: str  # what the body was assembled with (boilerplate and title): unchanged means up to date
    title: str
    pages: tuple[tuple[int, int], ...] = ()


class GroupMember(NamedTuple):
    doc_id: str
    sig: str
    meta_title: str
    fallback_title: str


class ExtractionRows(NamedTuple):
    """One document's extraction as plain tuples in column order.

    Built where the extraction ran (a worker process): tuples of str/int/float pickle
    back to the parent and go into ``executemany`` far cheaper than the records do,
    and the parent's writes are the serial part of an ingest.
    """

    chunks: list[tuple[Any, ...]]
    mentions: list[tuple[Any, ...]]
    candidates: list[tuple[Any, ...]]


@timed("store.extraction_rows")
def extraction_rows(
    chunks: Iterable[Chunk], mentions: Iterable[Mention], candidates: Iterable[RelationCandidate]
) -> ExtractionRows:
    return ExtractionRows(
        [(c.id, c.doc_id, c.index, c.text, c.start, c.end, c.section) for c in chunks],
        [
            (
                m.doc_id,
                m.chunk_id,
                m.start,
                m.end,
                m.surface,
                m.key,
                str(m.type),
                m.extractor,
                m.confidence,
                m.canonical,
            )
            for m in mentions
        ],
        [
            (
                r.doc_id,
                r.chunk_id,
                r.source_key,
                r.target_key,
                str(r.type),
                r.sentence,
                r.extractor,
                r.confidence,
                r.weight,
            )
            for r in candidates
        ],
    )


class StoreError(ZhkgError, RuntimeError):
    """The workspace cannot be opened or has an unknown layout."""


def _j(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class Store:
    """A connection to one workspace database.

    Use :meth:`transaction` around every write; reads need nothing special.
    """

    def __init__(self, path: Path, *, create: bool = True, readonly: bool = False) -> None:
        self.path = path
        if not path.exists() and not create:
            raise StoreError(
                f"no workspace at {path.parent} (run `zhkg ingest PATH --workspace {path.parent}` first)"
            )
        if create:
            path.parent.mkdir(parents=True, exist_ok=True)
        uri = f"file:{path}?mode=ro" if readonly else f"file:{path}"
        try:
            self.conn = sqlite3.connect(
                uri, uri=True, isolation_level=None, timeout=30.0, check_same_thread=False
            )
        except sqlite3.OperationalError as exc:
            raise StoreError(f"cannot open workspace database {path}: {exc}") from None
        self.conn.row_factory = sqlite3.Row
        self.conn.execute("PRAGMA foreign_keys=OFF")
        if not readonly:
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=NORMAL")
            # A big ingest writes one transaction through several indexes: the default 2 MB page
            # cache makes SQLite evict and re-read index pages constantly.
            self.conn.execute("PRAGMA cache_size=-262144")  # 256 MB
            # Temporary tables and sorts (relation derivation works on every relation candidate) go to
            # a temp file behind a 64 MB cache: in memory they would grow with the corpus (~4 GB at 100k).
            self.conn.execute("PRAGMA temp_store=FILE")
            self.conn.execute("PRAGMA temp.cache_size=-65536")
            self._migrate()
        else:
            self._check_version()

    # -- lifecycle -------------------------------------------------------------------------------

    def _migrate(self) -> None:
        try:
            version = self._version()
            if version is not None and int(version) < SCHEMA_VERSION:
                self._upgrade(int(version))
            self.conn.executescript(_SCHEMA)
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path} is not a zhkg workspace database: {exc}") from None
        if self.meta("schema_version") is None:
            self.set_meta("schema_version", str(SCHEMA_VERSION))
        else:
            self._check_version()

    def _version(self) -> str | None:
        has_meta = self.conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type='table' AND name='meta'"
        ).fetchone()
        return self.meta("schema_version") if has_meta else None

    def _upgrade(self, version: int) -> None:
        """Bring an older workspace's tables to this version in one transaction (all or nothing)."""
        with self.transaction():
            for v in range(version, SCHEMA_VERSION):
                for statement in _UPGRADES.get(v, ()):
                    self.conn.execute(statement)
            self.conn.execute(
                "INSERT OR REPLACE INTO meta(key, value) VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
            )

    def _check_version(self) -> None:
        version = self.meta("schema_version")
        if version is not None and int(version) > SCHEMA_VERSION:
            raise StoreError(
                f"workspace {self.path.parent} has schema version {version}, this zhkg reads "
                f"{SCHEMA_VERSION}; re-ingest into a new workspace"
            )
        if version is not None and int(version) < SCHEMA_VERSION:  # only a read-only open gets here
            raise StoreError(
                f"workspace {self.path.parent} was written by an older zhkg (schema {version}); "
                "run `zhkg ingest` on it once to upgrade it in place (nothing is lost)"
            )

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """All-or-nothing write: a crash before COMMIT leaves the previous state."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        else:
            self.conn.execute("COMMIT")

    # -- meta ------------------------------------------------------------------------------------

    def meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return None if row is None else str(row[0])

    @timed("store.set_meta")
    def set_meta(self, key: str, value: str) -> None:
        self.conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, value))
        if key == "generation":
            self.conn.execute(
                "INSERT OR REPLACE INTO generations(generation, token) VALUES (?, lower(hex(randomblob(8))))",
                (int(value),),
            )

    def log_changes(self, doc_ids: Iterable[str]) -> None:
        """Note documents changed in the generation being produced (see ``_CHANGE_LOG``)."""
        pending = int(self.meta("generation") or 0) + 1
        self.conn.executemany(
            "INSERT OR IGNORE INTO change_log(generation, doc_id) VALUES (?, ?)",
            [(pending, d) for d in dict.fromkeys(doc_ids)],
        )

    # -- documents -------------------------------------------------------------------------------

    @timed("store.known_files")
    def known_files(self) -> dict[str, KnownFile]:
        """doc id → raw hash and the file's stat when it was read: what ingest compares to decide a
        file is unchanged (the stat alone when it is trustworthy, else the hash)."""
        rows = self.conn.execute(
            "SELECT id, raw_hash, file_size, file_mtime_ns, file_ino, stat_at_ns FROM documents"
        )
        return {r[0]: KnownFile(r[1], FileStat(r[2], r[3], r[4], r[5])) for r in rows}

    def set_file_stats(self, rows: Iterable[tuple[str, FileStat]]) -> None:
        """Record what ``stat`` said of files found unchanged by their hash (a touched file)."""
        self.conn.executemany(
            "UPDATE documents SET file_size=?, file_mtime_ns=?, file_ino=?, stat_at_ns=? WHERE id=?",
            [(st.size, st.mtime_ns, st.ino, st.at_ns, doc_id) for doc_id, st in rows],
        )

    @timed("store.put_document")
    def put_document(
        self,
        doc: Document,
        blocks: Sequence[Block],
        block_hashes: Sequence[str],
        *,
        new: bool = False,
        meta_title: str = "",
        fallback_title: str = "",
        file_stat: FileStat | None = None,
    ) -> None:
        """Insert or replace a document and its blocks (chunks and mentions follow separately).

        ``new``: the caller knows nothing is stored for this id, so there is nothing to delete.
        ``meta_title``/``fallback_title``: the title candidates a folder's site-title rule chooses
        between when the folder changes (see :func:`extract.pipeline.choose_title`).
        """
        if not new:
            self.delete_document(doc.id, keep_row=False)
        self.log_changes([doc.id])
        self.conn.execute(
            "INSERT INTO documents(id, path, grp, title, date, author, tags, metadata, encoding,"
            " size_bytes, raw_hash, body, meta_title, fallback_title, aliases, links, link_labels,"
            " file_size, file_mtime_ns, file_ino, stat_at_ns, ingested_at)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?, julianday('now'))",
            (
                doc.id,
                doc.path,
                doc.group,
                doc.title,
                doc.date,
                doc.author,
                _j(list(doc.tags)),
                _j(doc.metadata),
                doc.encoding,
                doc.size_bytes,
                doc.raw_hash,
                doc.body,
                meta_title,
                fallback_title,
                _j(list(doc.aliases)),
                _j(list(doc.links)),
                _j([list(p) for p in doc.link_labels]),
                *(file_stat or FileStat()),
            ),
        )
        self.conn.executemany(
            "INSERT INTO blocks(doc_id, idx, kind, hash, text, heading, page) VALUES (?,?,?,?,?,?,?)",
            [
                (doc.id, i, b.kind, h, b.text, b.heading, b.page)
                for i, (b, h) in enumerate(zip(blocks, block_hashes, strict=True))
            ],
        )
        self.conn.executemany(
            "INSERT INTO redactions(doc_id, line, kind) VALUES (?,?,?)",
            [(doc.id, r.line, r.kind) for r in doc.redactions],
        )

    def forget_hash(self, doc_id: str) -> None:
        """Clear a document's stored hash, so the next ingest reads the file again (its extraction failed)."""
        self.conn.execute("UPDATE documents SET raw_hash='' WHERE id=?", (doc_id,))
        self.log_changes([doc_id])

    @contextmanager
    def bulk_load(self) -> Iterator[None]:
        """Fill the per-document tables without their indexes, then build each index once.

        One sort per index instead of a random B-tree insert per row (1.6 M mention rows at
        10k documents). Only for a load that deletes nothing (the indexes are what deletes
        use), inside a transaction: a crash rolls the dropped indexes back with the rest.
        """
        for name in _PER_DOCUMENT_INDEXES:
            self.conn.execute(f"DROP INDEX IF EXISTS {name}")
        yield
        for name, target in _PER_DOCUMENT_INDEXES.items():
            self.conn.execute(f"CREATE INDEX {name} ON {target}")

    @timed("store.set_bodies")
    def set_bodies(self, rows: Iterable[BodyRow]) -> None:
        """Each document's assembled body with what was decided with it (signature, title, pages)."""
        rows = list(rows)
        self.conn.executemany(
            "UPDATE documents SET body=?, boilerplate_sig=?, title=?, pages=? WHERE id=?",
            [(r.body, r.sig, r.title, _j([list(p) for p in r.pages]), r.doc_id) for r in rows],
        )
        self.log_changes(r.doc_id for r in rows)

    def replace_extraction(
        self,
        doc_id: str,
        chunks: Sequence[Chunk],
        mentions: Iterable[Mention],
        candidates: Iterable[RelationCandidate],
    ) -> None:
        """Swap a document's chunks, mentions and relation candidates for new ones."""
        self.replace_extractions([(doc_id, extraction_rows(chunks, mentions, candidates))])

    @timed("store.replace_extractions")
    def replace_extractions(
        self, items: Sequence[tuple[str, ExtractionRows]], fresh: Container[str] = ()
    ) -> None:
        """Swap the extraction of several documents at once, one statement per table.

        ``fresh`` names documents known to have nothing stored (new or just re-put): a big
        first ingest then pays no delete probes at all.
        """
        self.log_changes(doc_id for doc_id, _ in items)
        stale = [(doc_id,) for doc_id, _ in items if doc_id not in fresh]
        if stale:
            derived.note_deleted_candidates(self.conn, stale)
            for table in ("chunks", "mentions", "rel_candidates"):
                self.conn.executemany(f"DELETE FROM {table} WHERE doc_id=?", stale)
        self.conn.executemany(
            'INSERT INTO chunks(id, doc_id, idx, text, start, "end", section) VALUES (?,?,?,?,?,?,?)',
            [row for _, rows in items for row in rows.chunks],
        )
        self.conn.executemany(
            'INSERT INTO mentions(doc_id, chunk_id, start, "end", surface, key, type, extractor,'
            " confidence, canonical) VALUES (?,?,?,?,?,?,?,?,?,?)",
            [row for _, rows in items for row in rows.mentions],
        )
        self.conn.executemany(
            "INSERT INTO rel_candidates(doc_id, chunk_id, source_key, target_key, type, sentence,"
            " extractor, confidence, weight) VALUES (?,?,?,?,?,?,?,?,?)",
            [row for _, rows in items for row in rows.candidates],
        )

    def delete_document(self, doc_id: str, *, keep_row: bool = False) -> None:
        self.log_changes([doc_id])
        tables = ["blocks", "redactions", "chunks", "mentions", "rel_candidates"]
        if not keep_row:
            tables.append("documents")
            self.conn.execute("DELETE FROM doc_links WHERE source=? OR target=?", (doc_id, doc_id))
            self.conn.execute("DELETE FROM doc_signatures WHERE doc_id=?", (doc_id,))
        derived.note_deleted_candidates(self.conn, [(doc_id,)])
        for table in tables:
            col = "id" if table == "documents" else "doc_id"
            self.conn.execute(f"DELETE FROM {table} WHERE {col}=?", (doc_id,))

    def documents(self) -> list[StoredDocument]:
        rows = self.conn.execute(
            "SELECT id, path, grp, title, date, author, tags, metadata, encoding, size_bytes,"
            " raw_hash, aliases, links, link_labels, pages, duplicate_of, similarity"
            " FROM documents ORDER BY path"
        )
        return [_doc_row(r) for r in rows]

    def document_pages(self, doc_ids: Iterable[str]) -> dict[str, tuple[tuple[int, int], ...]]:
        """Page marks ((body offset, page) where each page starts) of those documents that have pages."""
        out: dict[str, tuple[tuple[int, int], ...]] = {}
        for doc_id in doc_ids:
            row = self.conn.execute("SELECT pages FROM documents WHERE id=?", (doc_id,)).fetchone()
            marks = tuple((int(a), int(b)) for a, b in json.loads(row[0])) if row else ()
            if marks:
                out[doc_id] = marks
        return out

    @timed("store.document")
    def document(self, doc_id: str) -> StoredDocument | None:
        row = self.conn.execute("SELECT * FROM documents WHERE id=?", (doc_id,)).fetchone()
        return None if row is None else replace(_doc_row(row), body=row["body"])

    def chunks(self, doc_id: str | None = None) -> list[Chunk]:
        sql = 'SELECT id, doc_id, idx, text, start, "end", section FROM chunks'
        rows = (
            self.conn.execute(sql + " WHERE doc_id=? ORDER BY idx", (doc_id,))
            if doc_id
            else self.conn.execute(sql + " ORDER BY doc_id, idx")
        )
        return [Chunk(r[0], r[1], r[2], r[3], r[4], r[5], r[6]) for r in rows]

    def chunk(self, chunk_id: str) -> Chunk | None:
        r = self.conn.execute(
            'SELECT id, doc_id, idx, text, start, "end", section FROM chunks WHERE id=?', (chunk_id,)
        ).fetchone()
        return None if r is None else Chunk(r[0], r[1], r[2], r[3], r[4], r[5], r[6])

    @timed("store.group_blocks")
    def group_blocks(self, group: str) -> dict[str, list[tuple[Block, str]]]:
        """doc id → its (block, hash) pairs in order, for every document of ``group``."""
        out: dict[str, list[tuple[Block, str]]] = {}
        rows = self.conn.execute(
            "SELECT b.doc_id, b.kind, b.text, b.heading, b.page, b.hash FROM documents d"
            " JOIN blocks b ON b.doc_id = d.id WHERE d.grp = ? ORDER BY b.doc_id, b.idx",
            (group,),
        )
        for doc_id, kind, text, heading, page, h in rows:
            out.setdefault(doc_id, []).append((Block(kind, text, heading, page), h))
        return out

    @timed("store.documents_in_group")
    def documents_in_group(self, group: str) -> list[GroupMember]:
        """Every document of ``group`` with its signature and title candidates."""
        rows = self.conn.execute(
            "SELECT id, boilerplate_sig, meta_title, fallback_title FROM documents WHERE grp=?", (group,)
        )
        return [GroupMember(r[0], r[1], r[2], r[3]) for r in rows]

    @timed("store.blocks")
    def blocks(self, doc_id: str) -> list[tuple[Block, str]]:
        rows = self.conn.execute(
            "SELECT kind, text, heading, page, hash FROM blocks WHERE doc_id=? ORDER BY idx", (doc_id,)
        )
        return [(Block(r[0], r[1], r[2], r[3]), r[4]) for r in rows]

    # -- duplicates -------------------------------------------------------------------------------

    def dedup_text(self, doc_id: str) -> str:
        """The text duplicate detection compares: the document's blocks, link menus left out."""
        rows = self.conn.execute(
            "SELECT text FROM blocks WHERE doc_id=? AND kind != 'menu' ORDER BY idx", (doc_id,)
        )
        return "\n".join(r[0] for r in rows)

    def canonical_signatures(self, exclude: Container[str]) -> list[tuple[str, Signature]]:
        """Signatures of documents that duplicate nothing, oldest first (the ones later copies meet)."""
        rows = self.conn.execute(
            "SELECT s.doc_id, s.digest, s.minhash, s.shingles, s.shingle FROM doc_signatures s"
            " JOIN documents d ON d.id = s.doc_id WHERE d.duplicate_of = '' ORDER BY d.rowid"
        )
        return [(r[0], Signature(r[1], bytes(r[2]), r[3], r[4])) for r in rows if r[0] not in exclude]

    def set_duplicate(self, doc_id: str, sig: Signature, duplicate_of: str, similarity: float) -> None:
        """Record a document's signature and what it duplicates (``""``: nothing, it is indexed)."""
        self.conn.execute(
            "INSERT OR REPLACE INTO doc_signatures(doc_id, digest, minhash, shingles, shingle)"
            " VALUES (?,?,?,?,?)",
            (doc_id, sig.digest, sig.minhash, sig.shingles, sig.shingle),
        )
        self.conn.execute(
            "UPDATE documents SET duplicate_of=?, similarity=? WHERE id=?", (duplicate_of, similarity, doc_id)
        )

    def duplicates_of(self, doc_ids: Iterable[str]) -> list[str]:
        """Documents recorded as duplicates of any of ``doc_ids``."""
        ids = list(doc_ids)
        out: list[str] = []
        for lo in range(0, len(ids), 500):
            part = ids[lo : lo + 500]
            marks = ",".join("?" * len(part))
            rows = self.conn.execute(f"SELECT id FROM documents WHERE duplicate_of IN ({marks})", part)
            out.extend(r[0] for r in rows)
        return out

    # -- document links ---------------------------------------------------------------------------

    def replace_doc_links(self, pairs: Iterable[tuple[str, str]]) -> None:
        """The resolved (source, target) document links, replacing the previous set."""
        self.conn.execute("DELETE FROM doc_links")
        self.conn.executemany("INSERT OR IGNORE INTO doc_links(source, target) VALUES (?, ?)", pairs)

    def doc_links(self) -> list[tuple[str, str]]:
        """(source, target) pairs of documents that both exist, sorted."""
        rows = self.conn.execute(
            "SELECT l.source, l.target FROM doc_links l JOIN documents s ON s.id = l.source"
            " JOIN documents t ON t.id = l.target ORDER BY l.source, l.target"
        )
        return [(a, b) for a, b in rows]

    # -- resolution inputs and outputs -----------------------------------------------------------

    @timed("store.surface_stats")
    def surface_stats(self) -> list[SurfaceStat]:
        rows = self.conn.execute(
            "SELECT key, surface, type, extractor, COUNT(*), COUNT(DISTINCT doc_id),"
            " MAX(confidence), MAX(canonical) FROM mentions GROUP BY key, surface, type, extractor"
        )
        return [SurfaceStat(r[0], r[1], EntityType(r[2]), r[3], r[4], r[5], r[6], r[7] or "") for r in rows]

    @timed("store.replace_graph")
    def replace_graph(
        self,
        entities: Sequence[Entity],
        key_to_entity: dict[str, str],
        delta: derived.Delta | None = None,
    ) -> derived.GraphChange | None:
        """Write resolved entities, then derive counts and relations from the per-document tables.

        With ``delta`` (from :meth:`prepare_graph_update`) only what the change reaches is
        rewritten (see :mod:`graph.store.derived`); the result is the same. Returns what the
        incremental update touched, or None when everything was rewritten.
        """
        # Documents whose unchanged mentions now resolve to another entity are changed too (their
        # chunks' MENTIONS in a mirror): among the documents of the entities a re-assigned key
        # left or joined, those whose mention count of such an entity differs afterwards.
        old_keys = dict(self.conn.execute("SELECT key, entity_id FROM entity_keys").fetchall())
        moved: set[str] = set()
        if old_keys:
            moved = {e for k, e in old_keys.items() if key_to_entity.get(k) != e}
            moved |= {e for k, e in key_to_entity.items() if old_keys.get(k) != e}
        before = self._entity_doc_counts(moved)
        change = None
        if delta is not None:
            change = derived.update_graph(self.conn, entities, key_to_entity, delta, old_keys)
        if change is None:
            self._write_graph(entities, key_to_entity)
        after = self._entity_doc_counts(moved)
        self.log_changes(
            sorted({d for e, d in before.keys() | after.keys() if before.get((e, d)) != after.get((e, d))})
        )
        return change

    def prepare_graph_update(self, *, full: bool = False) -> derived.Delta | None:
        """Update the mention aggregates for what changed since the last finish; the change to pass
        to :meth:`replace_graph`, or None when the full path is due (see :mod:`graph.store.derived`)."""
        return derived.prepare(self.conn, full=full)

    def surface_totals(self) -> list[SurfaceStat]:
        """:meth:`surface_stats` from the maintained aggregates (valid after :meth:`prepare_graph_update`)."""
        return derived.surface_stats(self.conn)

    def mark_derived(self, generation: int) -> None:
        """The aggregates are consistent with the per-document tables as of ``generation``."""
        derived.mark_valid(self.conn, generation)

    def _write_graph(self, entities: Sequence[Entity], key_to_entity: dict[str, str]) -> None:
        """The full path: every entity, key, entity–document pair, relation and evidence row anew."""
        for table in ("entities", "entity_keys", "entity_docs", "relations", "evidence"):
            self.conn.execute(f"DELETE FROM {table}")
        self.conn.executemany(
            "INSERT INTO entity_keys(key, entity_id) VALUES (?, ?)", list(key_to_entity.items())
        )
        self.conn.executemany(
            "INSERT INTO entities(id, name, type, aliases, extractors, confidence, mention_count,"
            " doc_count, variant_of, merges) VALUES (?,?,?,?,?,?,0,0,?,?)",
            [derived.entity_row(e) for e in entities],
        )
        # Which documents mention which entity, computed once here rather than on every read.
        self.conn.execute(
            "INSERT INTO entity_docs(entity_id, doc_id, mentions) SELECT ek.entity_id, m.doc_id, COUNT(*)"
            " FROM mentions m JOIN entity_keys ek ON ek.key = m.key GROUP BY ek.entity_id, m.doc_id"
        )
        self.conn.execute(
            "UPDATE entities SET mention_count = c.n, doc_count = c.d FROM ("
            " SELECT entity_id AS id, SUM(mentions) AS n, COUNT(*) AS d FROM entity_docs"
            " GROUP BY entity_id) AS c WHERE entities.id = c.id"
        )
        self._derive_relations()

    def _entity_doc_counts(self, entity_ids: Iterable[str]) -> dict[tuple[str, str], int]:
        """(entity, document) → mentions, for ``entity_ids`` (from ``entity_docs``)."""
        ids = sorted(entity_ids)
        out: dict[tuple[str, str], int] = {}
        for lo in range(0, len(ids), 500):
            part = ids[lo : lo + 500]
            marks = ",".join("?" * len(part))
            rows = self.conn.execute(
                f"SELECT entity_id, doc_id, mentions FROM entity_docs WHERE entity_id IN ({marks})", part
            )
            out.update(((e, d), int(n)) for e, d, n in rows)
        return out

    @timed("relations.derive_relations_sql")
    def _derive_relations(self) -> None:
        derived.derive_all(self.conn)

    # -- graph reads -----------------------------------------------------------------------------

    def entities(self) -> list[Entity]:
        rows = self.conn.execute("SELECT * FROM entities ORDER BY mention_count DESC, name")
        docs = self.entity_doc_ids()
        return [_entity(r, docs.get(r["id"], ())) for r in rows]

    def entity_doc_ids(self, entity_id: str | None = None) -> dict[str, tuple[str, ...]]:
        sql = "SELECT entity_id, doc_id FROM entity_docs"
        rows = (
            self.conn.execute(sql + " WHERE entity_id=? ORDER BY doc_id", (entity_id,))
            if entity_id
            else self.conn.execute(sql + " ORDER BY entity_id, doc_id")
        )
        out: dict[str, list[str]] = {}
        for eid, did in rows:
            out.setdefault(eid, []).append(did)
        return {k: tuple(v) for k, v in out.items()}

    def relations(self, *, with_evidence: bool = True) -> list[Relation]:
        ev: dict[str, list[Evidence]] = {}
        if with_evidence:
            for r in self.conn.execute(
                "SELECT relation_id, doc_id, chunk_id, text, extractor, confidence FROM evidence"
                " ORDER BY relation_id, confidence DESC, doc_id, chunk_id, text"
            ):
                ev.setdefault(r[0], []).append(Evidence(r[1], r[2], r[3], r[4], r[5]))
        rows = self.conn.execute("SELECT * FROM relations ORDER BY weight DESC, id")
        return [_relation(r, tuple(ev.get(r["id"], ()))) for r in rows]

    def evidence_of(self, relation_ids: Sequence[str]) -> dict[str, tuple[Evidence, ...]]:
        """Evidence of these relations, in the order :meth:`relations` gives it (for the reports
        written after a small change: reading every relation's evidence would dominate)."""
        order = " ORDER BY relation_id, confidence DESC, doc_id, chunk_id, text"
        cols = "SELECT relation_id, doc_id, chunk_id, text, extractor, confidence FROM evidence"
        out: dict[str, list[Evidence]] = {}
        if len(relation_ids) > 20_000:  # most of them: one ordered scan beats many lookups
            wanted = set(relation_ids)
            for r in self.conn.execute(cols + order):
                if r[0] in wanted:
                    out.setdefault(r[0], []).append(Evidence(r[1], r[2], r[3], r[4], r[5]))
        else:
            ids = sorted(relation_ids)
            for lo in range(0, len(ids), 500):
                part = ids[lo : lo + 500]
                marks = ",".join("?" * len(part))
                for r in self.conn.execute(f"{cols} WHERE relation_id IN ({marks}){order}", part):
                    out.setdefault(r[0], []).append(Evidence(r[1], r[2], r[3], r[4], r[5]))
        return {k: tuple(v) for k, v in out.items()}

    def stats(self) -> dict[str, Any]:
        one = self.conn.execute
        return {
            "documents": one("SELECT COUNT(*) FROM documents").fetchone()[0],
            "chunks": one("SELECT COUNT(*) FROM chunks").fetchone()[0],
            "mentions": one("SELECT COUNT(*) FROM mentions").fetchone()[0],
            "entities": one("SELECT COUNT(*) FROM entities").fetchone()[0],
            "entities_by_type": dict(
                one("SELECT type, COUNT(*) FROM entities GROUP BY type ORDER BY type").fetchall()
            ),
            "relations": one("SELECT COUNT(*) FROM relations").fetchone()[0],
            "relations_by_type": dict(
                one("SELECT type, COUNT(*) FROM relations GROUP BY type ORDER BY type").fetchall()
            ),
            "communities": one("SELECT COUNT(*) FROM communities").fetchone()[0],
            "communities_by_level": dict(
                one("SELECT level, COUNT(*) FROM communities GROUP BY level ORDER BY level").fetchall()
            ),
            "redactions": one("SELECT COUNT(*) FROM redactions").fetchone()[0],
        }

    # -- communities -----------------------------------------------------------------------------

    def replace_communities(self, communities: Sequence[Community]) -> None:
        self.conn.execute("DELETE FROM communities")
        self.conn.execute("DELETE FROM community_members")
        self.conn.executemany(
            "INSERT INTO communities(id, level, parent, title, summary, report, rank, content_hash)"
            " VALUES (?,?,?,?,?,?,?,?)",
            [
                (c.id, c.level, c.parent, c.title, c.summary, _j(c.report), c.rank, c.content_hash)
                for c in communities
            ],
        )
        self.conn.executemany(
            "INSERT INTO community_members(community_id, entity_id) VALUES (?, ?)",
            [(c.id, e) for c in communities for e in c.entity_ids],
        )

    def communities(self) -> list[Community]:
        members: dict[str, list[str]] = {}
        for cid, eid in self.conn.execute(
            "SELECT community_id, entity_id FROM community_members ORDER BY community_id, entity_id"
        ):
            members.setdefault(cid, []).append(eid)
        rows = self.conn.execute("SELECT * FROM communities ORDER BY level, rank DESC, id")
        return [
            Community(
                id=r["id"],
                level=r["level"],
                parent=r["parent"],
                entity_ids=tuple(members.get(r["id"], [])),
                title=r["title"],
                summary=r["summary"],
                report=json.loads(r["report"]),
                rank=r["rank"],
                content_hash=r["content_hash"],
            )
            for r in rows
        ]

    # -- curation (graph.build.curation) ---------------------------------------------------------

    def entity(self, entity_id: str) -> Entity | None:
        """One entity with its documents (the curation actions read the one they act on)."""
        row = self.conn.execute("SELECT * FROM entities WHERE id=?", (entity_id,)).fetchone()
        return None if row is None else _entity(row, self.entity_doc_ids(entity_id).get(entity_id, ()))

    def entity_for_key(self, key: str) -> str | None:
        """The entity a matching key resolves to (where a renamed or split name now lives)."""
        row = self.conn.execute("SELECT entity_id FROM entity_keys WHERE key=?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def documents_naming(self, keys: Iterable[str], surfaces: Iterable[str]) -> set[str]:
        """Indexed (non-duplicate) documents whose extraction a curation of these names can change:
        those mentioning an entity any of ``keys`` resolves to, and those whose body contains one of
        ``surfaces`` (ASCII case folded), where a name not extracted before may be found now."""
        out: set[str] = set()
        keys = list(dict.fromkeys(keys))
        for lo in range(0, len(keys), 500):
            part = keys[lo : lo + 500]
            marks = ",".join("?" * len(part))
            rows = self.conn.execute(
                "SELECT DISTINCT ed.doc_id FROM entity_keys ek"
                f" JOIN entity_docs ed ON ed.entity_id = ek.entity_id WHERE ek.key IN ({marks})",
                part,
            )
            out.update(r[0] for r in rows)
        spelled = list(dict.fromkeys(s.lower() for s in surfaces if s.strip()))
        for lo in range(0, len(spelled), 50):  # one pass over the bodies for up to 50 spellings
            part = spelled[lo : lo + 50]
            where = " OR ".join(["instr(b, ?) > 0"] * len(part))
            rows = self.conn.execute(
                "SELECT id FROM (SELECT id, lower(body) AS b FROM documents WHERE duplicate_of = ''"
                f" LIMIT -1) WHERE {where}",
                part,
            )
            out.update(r[0] for r in rows)
        if out:
            dup = {r[0] for r in self.conn.execute("SELECT id FROM documents WHERE duplicate_of != ''")}
            out -= dup
        return out

    # -- stored centrality (graph.build.centrality) ----------------------------------------------

    def replace_centrality(self, rows: Iterable[tuple[str, int, float, float]]) -> None:
        """Store (entity id, degree, PageRank, score) for every entity, valid for this generation."""
        self.conn.execute("DELETE FROM entity_centrality")
        self.conn.executemany(
            "INSERT INTO entity_centrality(entity_id, degree, pagerank, score) VALUES (?, ?, ?, ?)", rows
        )
        self.set_meta("centrality_generation", self.meta("generation") or "0")

    # -- cache -----------------------------------------------------------------------------------

    def cache_get(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM cache WHERE key=?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def cache_put(self, key: str, value: str) -> None:
        self.conn.execute("INSERT OR REPLACE INTO cache(key, value) VALUES (?, ?)", (key, value))


def _doc_row(r: sqlite3.Row) -> StoredDocument:
    return StoredDocument(
        id=r["id"],
        path=r["path"],
        group=r["grp"],
        title=r["title"],
        date=r["date"],
        author=r["author"],
        tags=tuple(json.loads(r["tags"])),
        metadata=json.loads(r["metadata"]),
        encoding=r["encoding"],
        size_bytes=r["size_bytes"],
        raw_hash=r["raw_hash"],
        aliases=tuple(json.loads(r["aliases"])),
        links=tuple(json.loads(r["links"])),
        link_labels=tuple((str(a), str(b)) for a, b in json.loads(r["link_labels"])),
        pages=tuple((int(a), int(b)) for a, b in json.loads(r["pages"])),
        duplicate_of=r["duplicate_of"],
        similarity=float(r["similarity"]),
    )


def _entity(r: sqlite3.Row, doc_ids: tuple[str, ...]) -> Entity:
    return Entity(
        id=r["id"],
        name=r["name"],
        type=EntityType(r["type"]),
        aliases=tuple(json.loads(r["aliases"])),
        extractors=tuple(json.loads(r["extractors"])),
        confidence=r["confidence"],
        mention_count=r["mention_count"],
        doc_ids=doc_ids,
        variant_of=r["variant_of"],
        merges=tuple(json.loads(r["merges"])),
    )


def _relation(r: sqlite3.Row, evidence: tuple[Evidence, ...]) -> Relation:
    return Relation(
        id=r["id"],
        source=r["source"],
        target=r["target"],
        type=RelationType(r["type"]),
        weight=r["weight"],
        confidence=r["confidence"],
        extractors=tuple(json.loads(r["extractors"])),
        evidence=evidence,
    )


def open_store(workspace: Path, *, create: bool = False, readonly: bool = False) -> Store:
    return Store(workspace_db(workspace), create=create, readonly=readonly)


__all__ = ["ExtractionRows", "Store", "StoreError", "extraction_rows", "open_store"]
