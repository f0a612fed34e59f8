"""Ingest and removal: files → extract stages → workspace, as one transaction.

The order is fixed: load → redact → parse blocks → store blocks → decide
boilerplate per folder → assemble body → chunk → extract mentions/relations →
resolve entities over the whole workspace → communities. Everything after
loading happens inside one SQLite transaction under the workspace lock, so a
run killed at any point leaves the previous state, and a second writer waits
or fails instead of interleaving.
"""

from __future__ import annotations

import hashlib
import json
import logging
import multiprocessing
import os
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from tqdm import tqdm

from extract import clean
from extract.extractor import Extractor, ExtractorConfig
from extract.load import Found, SkipFile, discover, load_file
from extract.pipeline import (
    Extracted,
    ParsedDocument,
    Sections,
    document_id,
    extract_documents,
    parse_loaded,
)
from extract.records import Document
from extract.resolve import resolve
from graph.lock import WorkspaceLock
from graph.settings import Settings
from graph.store import Store, open_store

log = logging.getLogger(__name__)

Progress = Callable[[int, int, str], None]
T = TypeVar("T")
R = TypeVar("R")
EXTRACT_BATCH = 32


@dataclass
class IngestReport:
    ingested: int = 0
    unchanged: int = 0
    removed: int = 0
    reprocessed: int = 0  # unchanged files whose boilerplate changed because of others
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    failed: list[tuple[str, str]] = field(default_factory=list)
    redactions: list[tuple[str, int, str]] = field(default_factory=list)  # (path, line, kind)
    ckip_status: str = "off"
    neo4j: str = ""  # outcome of the automatic sync, when Neo4j is configured
    seconds: float = 0.0

    def to_json(self) -> dict[str, object]:
        return {
            "ingested": self.ingested,
            "unchanged": self.unchanged,
            "removed": self.removed,
            "reprocessed": self.reprocessed,
            "skipped": [{"path": p, "reason": r} for p, r in self.skipped],
            "failed": [{"path": p, "reason": r} for p, r in self.failed],
            "redactions": [{"path": p, "line": n, "kind": k} for p, n, k in self.redactions],
            "ckip": self.ckip_status,
            "neo4j": self.neo4j,
            "seconds": round(self.seconds, 3),
        }


def extractor_config(settings: Settings) -> ExtractorConfig:
    return ExtractorConfig(
        lexicon_files=settings.lexicon_files,
        use_ckip=settings.ckip,
        ckip_ws_model=settings.ckip_ws_model,
        ckip_pos_model=settings.ckip_pos_model,
        ckip_ner_model=settings.ckip_ner_model,
        device=settings.device,
        batch_size=settings.batch_size,
    )


def _notify(progress: Progress | None, done: int, total: int, stage: str) -> None:
    if progress is not None:
        progress(done, total, stage)


def _bar(total: int, desc: str, progress: Progress | None) -> tqdm:
    # The CLI shows tqdm on stderr; callers with their own progress (the app) get callbacks only.
    return tqdm(total=total, desc=desc, unit="doc", disable=progress is not None or total < 2, leave=False)


def ingest_paths(
    paths: Sequence[str | Path],
    settings: Settings,
    progress: Progress | None = None,
    *,
    wait_s: float = 0.0,
    extractor: Extractor | None = None,
) -> IngestReport:
    """Bring the workspace up to date with ``paths``; unchanged files cost one hash each."""
    t0 = time.perf_counter()
    report = IngestReport()
    found, problems = discover(paths)
    for path, reason in problems:
        (report.failed if reason == "no such file or folder" else report.skipped).append((path, reason))
    with WorkspaceLock(settings.workspace, wait_s), open_store(settings.workspace, create=True) as store:
        state = {"known": store.document_hashes(), "max_bytes": int(settings.max_file_mb * 1024 * 1024)}
        todo: list[ParsedDocument] = []
        bar = _bar(len(found), "reading", progress)
        results = _in_pool(_read, found, _workers(settings, len(found), model=False), state, chunksize=8)
        for i, (f, (outcome, value)) in enumerate(zip(found, results, strict=True)):
            if outcome == "unchanged":
                report.unchanged += 1
            elif isinstance(value, ParsedDocument):
                todo.append(value)
            else:
                (report.skipped if outcome == "skipped" else report.failed).append((f.given, str(value)))
            bar.update()
            _notify(progress, i + 1, len(found), "reading")
        bar.close()
        for p in todo:
            report.redactions.extend((p.doc.path, r.line, r.kind) for r in p.doc.redactions)
        if todo:
            extractor = extractor or Extractor(extractor_config(settings))
            report.ckip_status = extractor.ckip_status
            with store.transaction():
                for p in todo:
                    store.put_document(p.doc, p.blocks, p.hashes)
                changed = {p.doc.id for p in todo}
                groups = {p.doc.group for p in todo}
                failed = _rebuild(store, settings, extractor, changed, groups, report, progress)
                report.ingested = len(todo) - len(failed)
                _finish(store, settings, extractor, progress)
        report.seconds = time.perf_counter() - t0
    if todo:
        report.neo4j = _sync_neo4j(settings)
    return report


def remove_paths(
    paths: Iterable[str | Path], settings: Settings, progress: Progress | None = None, *, wait_s: float = 0.0
) -> IngestReport:
    """Remove documents (files, or everything under folders) and whatever only they supported."""
    report = IngestReport()
    t0 = time.perf_counter()
    with WorkspaceLock(settings.workspace, wait_s), open_store(settings.workspace, create=False) as store:
        targets = [(str(p), Path(p).resolve()) for p in paths]
        doomed: list[tuple[str, str]] = []
        for doc in store.documents():
            real = Path(doc["group"]) / Path(doc["path"]).name
            if any(doc["path"] == given or real == t or t in real.parents for given, t in targets):
                doomed.append((doc["id"], doc["group"]))
        if not doomed:
            return report
        extractor = Extractor(extractor_config(settings))
        with store.transaction():
            for doc_id, _ in doomed:
                store.delete_document(doc_id)
            groups = {g for _, g in doomed}
            _rebuild(store, settings, extractor, set(), groups, report, progress)
            _finish(store, settings, extractor, progress)
        report.removed = len(doomed)
    report.seconds = time.perf_counter() - t0
    report.neo4j = _sync_neo4j(settings)
    return report


def _rebuild(
    store: Store,
    settings: Settings,
    extractor: Extractor,
    changed: set[str],
    groups: set[str],
    report: IngestReport,
    progress: Progress | None,
) -> set[str]:
    """Re-derive body, chunks and extraction for changed documents and for any document
    whose boilerplate set moved because its folder gained or lost documents.

    Returns the ids of documents that failed (their previous extraction is kept and
    their hash cleared, so the next ingest retries them).
    """
    work: list[tuple[str, str, str, Sections]] = []  # doc id, body, signature, sections
    for group in sorted(groups):
        members = store.documents_in_group(group)
        doc_hashes = store.group_block_hashes(group)
        counts = Counter(h for hashes in doc_hashes.values() for h in set(hashes))
        boiler = clean.boilerplate_hashes(
            counts, len(members), settings.boilerplate_min_docs, settings.boilerplate_min_share
        )
        for doc_id, old_sig in members:
            hashes = doc_hashes.get(doc_id, [])
            mine = sorted(boiler.intersection(hashes))
            sig = hashlib.sha1(json.dumps(mine).encode()).hexdigest()[:16]
            if doc_id in changed or sig != old_sig:
                blocks = [b for b, _ in store.blocks(doc_id)]
                body, sections = clean.assemble(blocks, hashes, boiler)
                work.append((doc_id, body, sig, sections))
    report.reprocessed = sum(1 for w in work if w[0] not in changed)
    failed: set[str] = set()
    bar = _bar(len(work), "extracting", progress)
    done = 0
    batches = [work[i : i + EXTRACT_BATCH] for i in range(0, len(work), EXTRACT_BATCH)]
    # Pool.imap consumes its input from a feeder thread: build payloads from memory only, never
    # from the store connection the main thread is writing through.
    meta = {d["id"]: d for d in store.documents()}
    payloads = (
        [(_document(meta[doc_id], body), sections) for doc_id, body, _, sections in b] for b in batches
    )
    for batch, results in zip(batches, _extract_all(payloads, extractor, settings, len(work)), strict=True):
        for (doc_id, body, sig, _), (doc, chunks, result) in zip(batch, results, strict=True):
            if isinstance(result, Exception):
                failed.add(doc_id)
                report.failed.append((doc.path, f"extraction failed: {type(result).__name__}: {result}"))
                store.conn.execute("UPDATE documents SET raw_hash='' WHERE id=?", (doc_id,))
                continue
            store.set_body(doc_id, body, sig)
            store.replace_extraction(doc_id, chunks, result.mentions, result.relations)
        done += len(batch)
        bar.update(len(batch))
        _notify(progress, done, len(work), "extracting")
    bar.close()
    return failed


def _document(row: dict[str, Any], body: str) -> Document:
    return Document(
        id=row["id"],
        path=row["path"],
        group=row["group"],
        title=row["title"],
        body=body,
        raw_hash=row["raw_hash"],
        encoding=row["encoding"],
        size_bytes=row["size_bytes"],
    )


# Set in the parent just before a pool forks, so workers inherit it (the loaded lexicon, the known
# hashes) for free instead of receiving it pickled.
_STATE: dict[str, Any] = {}


def _in_pool(
    fn: Callable[[T], R], items: Iterable[T], workers: int, state: dict[str, Any], chunksize: int = 1
) -> Iterator[R]:
    """``map(fn, items)`` in input order, in ``workers`` forked processes (or inline for one)."""
    global _STATE
    _STATE = state
    try:
        if workers <= 1:
            yield from map(fn, items)
            return
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            yield from pool.imap(fn, items, chunksize=chunksize)
    finally:
        _STATE = {}


def _workers(settings: Settings, n_docs: int, *, model: bool) -> int:
    """Processes to use: all cores for the rule path; one when a neural model is loaded (each worker
    would hold its own copy) or when the job is too small to pay for starting them."""
    if (model and settings.ckip) or n_docs < 4 * EXTRACT_BATCH or sys.platform != "linux":
        return 1
    return settings.workers or os.cpu_count() or 1


def _read(found: Found) -> tuple[str, ParsedDocument | str | None]:
    """Load, compare with the stored hash, and parse only what changed; never raises."""
    try:
        loaded = load_file(found, _STATE["max_bytes"])
        if _STATE["known"].get(document_id(found.real)) == loaded.raw_hash:
            return "unchanged", None
        return "parsed", parse_loaded(loaded, found)
    except SkipFile as exc:
        return "skipped", str(exc)
    except Exception as exc:  # one bad file never stops the run
        log.debug("failed to read %s", found.given, exc_info=True)
        return "failed", f"{type(exc).__name__}: {exc}"


def _work(payload: list[tuple[Document, Sections]]) -> list[Extracted]:
    """Chunk and extract one batch of documents; errors travel back as plain RuntimeErrors."""
    out = extract_documents(payload, _STATE["extractor"], _STATE["chunk_size"], _STATE["overlap"])
    return [
        (doc, chunks, RuntimeError(f"{type(r).__name__}: {r}") if isinstance(r, Exception) else r)
        for doc, chunks, r in out
    ]


def _extract_all(
    payloads: Iterable[list[tuple[Document, Sections]]], extractor: Extractor, settings: Settings, n_docs: int
) -> Iterator[list[Extracted]]:
    """Extraction results in input order, batch by batch; the parent keeps the only store connection."""
    state = {
        "extractor": extractor,
        "chunk_size": settings.chunk_size,
        "overlap": settings.chunk_overlap_sentences,
    }
    return _in_pool(_work, payloads, _workers(settings, n_docs, model=True), state)


def _finish(store: Store, settings: Settings, extractor: Extractor, progress: Progress | None) -> None:
    """Workspace-wide steps: resolve entities, derive relations, communities, bookkeeping."""
    from graph import communities

    _notify(progress, 0, 1, "resolving")
    resolution = resolve(store.surface_stats(), extractor.lexicon)
    store.replace_graph(resolution.entities, resolution.key_to_entity)
    _notify(progress, 0, 1, "communities")
    communities.refresh(store, settings)
    store.set_meta("generation", str(int(store.meta("generation") or 0) + 1))
    store.set_meta("config", json.dumps(settings.public_dict(), ensure_ascii=False))
    _notify(progress, 1, 1, "done")


def _sync_neo4j(settings: Settings) -> str:
    """Mirror the workspace into Neo4j when configured; never fails the ingest."""
    if not settings.neo4j_configured:
        return ""
    from graph.neo4j.client import Neo4jUnavailable
    from graph.neo4j.sync import sync_workspace

    try:
        with open_store(settings.workspace, readonly=True) as store:
            result = sync_workspace(store, settings, progress=False)
        return f"synced to Neo4j ({result})"
    except Neo4jUnavailable as exc:
        return f"Neo4j sync skipped: {exc} (the workspace is up to date; run `zhkg sync neo4j` later)"
