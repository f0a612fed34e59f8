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
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from extract import clean
from extract.extractor import Extractor, ExtractorConfig
from extract.load import SkipFile, discover, load_file
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
        known = store.document_hashes()
        max_bytes = int(settings.max_file_mb * 1024 * 1024)
        todo: list[ParsedDocument] = []
        bar = _bar(len(found), "reading", progress)
        for i, f in enumerate(found):
            try:
                loaded = load_file(f, max_bytes)
                if known.get(document_id(f.real)) == loaded.raw_hash:
                    report.unchanged += 1
                else:
                    todo.append(parse_loaded(loaded, f))
            except SkipFile as exc:
                report.skipped.append((f.given, str(exc)))
            except Exception as exc:  # one bad file never stops the run
                log.debug("failed to read %s", f.given, exc_info=True)
                report.failed.append((f.given, f"{type(exc).__name__}: {exc}"))
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
    sizes = store.group_sizes()
    work: list[tuple[str, str, str, list[tuple[int, str]]]] = []  # doc id, body, signature, sections
    for group in sorted(groups):
        members = store.documents_in_group(group)
        doc_blocks = {doc_id: store.blocks(doc_id) for doc_id, _ in members}
        counts = store.block_doc_counts(group, (h for bl in doc_blocks.values() for _, h in bl))
        boiler = clean.boilerplate_hashes(
            counts, sizes.get(group, 0), settings.boilerplate_min_docs, settings.boilerplate_min_share
        )
        for doc_id, old_sig in members:
            pairs = doc_blocks[doc_id]
            hashes = [h for _, h in pairs]
            mine = sorted(boiler.intersection(hashes))
            sig = hashlib.sha1(json.dumps(mine).encode()).hexdigest()[:16]
            if doc_id in changed or sig != old_sig:
                body, sections = clean.assemble([b for b, _ in pairs], hashes, boiler)
                work.append((doc_id, body, sig, sections))
    report.reprocessed = sum(1 for w in work if w[0] not in changed)
    failed: set[str] = set()
    bar = _bar(len(work), "extracting", progress)
    done = 0
    batches = [work[i : i + EXTRACT_BATCH] for i in range(0, len(work), EXTRACT_BATCH)]
    payloads = (
        [(_document(store, doc_id, body), sections) for doc_id, body, _, sections in b] for b in batches
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


def _document(store: Store, doc_id: str, body: str) -> Document:
    row = store.document(doc_id)
    assert row is not None
    return Document(
        id=doc_id,
        path=row["path"],
        group=row["group"],
        title=row["title"],
        body=body,
        raw_hash=row["raw_hash"],
        encoding=row["encoding"],
        size_bytes=row["size_bytes"],
    )


Payload = list[tuple[Document, Sections]]

# Set in the parent just before the pool forks, so workers inherit the loaded lexicon for free.
_WORKER_STATE: tuple[Extractor, int, int] | None = None


def _work(payload: Payload) -> list[Extracted]:
    """Chunk and extract one batch of documents (runs in a worker process, or inline)."""
    assert _WORKER_STATE is not None
    extractor, size, overlap = _WORKER_STATE
    return extract_documents(payload, extractor, size, overlap)


def _workers(settings: Settings, n_docs: int) -> int:
    """Processes for extraction: all cores for the rule path; one when a neural model is loaded
    (each worker would hold its own copy) or when the job is too small to pay for the start-up."""
    if settings.ckip or n_docs < 4 * EXTRACT_BATCH or sys.platform != "linux":
        return 1
    return settings.workers or os.cpu_count() or 1


def _extract_all(
    payloads: Iterable[Payload], extractor: Extractor, settings: Settings, n_docs: int
) -> Iterator[list[Extracted]]:
    """Results in input order, batch by batch; the parent keeps the only store connection."""
    global _WORKER_STATE
    _WORKER_STATE = (extractor, settings.chunk_size, settings.chunk_overlap_sentences)
    try:
        workers = _workers(settings, n_docs)
        if workers <= 1:
            yield from map(_work, payloads)
            return
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            yield from pool.imap(_work, payloads)
    finally:
        _WORKER_STATE = None


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
