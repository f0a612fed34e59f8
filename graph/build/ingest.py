"""Ingest and removal: files → extract stages → workspace, as one transaction.

The order is fixed: load → redact → parse blocks → store blocks → decide
boilerplate per folder → assemble body → chunk → extract mentions/relations →
resolve entities over the whole workspace → communities. Everything after
loading happens inside one SQLite transaction under the workspace lock, so a
run killed at any point leaves the previous state, and a second writer waits
or fails instead of interleaving.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from tqdm import tqdm

from extract import clean
from extract.duplicates import DuplicateFinder
from extract.extractor import Extractor, ExtractorConfig
from extract.load import NO_SUCH, Found, SkipFile, discover, load_file
from extract.pipeline import (
    ParsedDocument,
    Sections,
    assemble_document,
    boilerplate_of,
    choose_title,
    document_id,
    extract_documents,
    parse_loaded,
)
from extract.records import Document, LoadedFile
from extract.redact import redact_name
from extract.resolve import resolve
from extract.timing import stage, timed_steps
from graph.build.links import note_aliases, resolve_links
from graph.records import StoredDocument
from graph.settings import Settings, curation_file
from graph.store import BodyRow, ExtractionRows, FileStat, KnownFile, Store, extraction_rows, open_store
from graph.store.lock import WorkspaceLock

log = logging.getLogger(__name__)

Progress = Callable[[int, int, str], None]
# ``imap(fn, items, chunksize=1)``: ``fn`` over ``items`` in input order, wherever it runs.
Imap = Callable[..., Iterator[Any]]
# How the per-document steps (reading, extraction) are run: ``pool(workers, state)`` gives an
# ``Imap`` under which ``fn`` sees ``state`` as ``_STATE``. The default is :func:`_pool` (forked
# processes on this machine); ``graph.build.spark`` runs the same functions on Spark executors.
Pool = Callable[[int, dict[str, Any]], contextlib.AbstractContextManager[Imap]]
T = TypeVar("T")
R = TypeVar("R")
EXTRACT_BATCH = 32
EXTRACT_WINDOW = 1024  # documents whose bodies are in memory at once (two windows at most)


@dataclass
class IngestReport:
    ingested: int = 0
    unchanged: int = 0
    removed: int = 0
    reprocessed: int = 0  # unchanged files whose boilerplate changed because of others
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    failed: list[tuple[str, str]] = field(default_factory=list)
    redactions: list[tuple[str, int, str]] = field(default_factory=list)  # (path, line, kind)
    # (path, path of the document it repeats, similarity)
    duplicates: list[tuple[str, str, float]] = field(default_factory=list)
    ckip_status: str = "off"
    neo4j: str = ""  # outcome of the automatic sync, when Neo4j is configured (graph.api)
    seconds: float = 0.0
    index_s: float | None = None  # seconds to prepare the search index afterwards (graph.api)
    index_on_disk: bool = False  # the index cache file was written

    def to_json(self) -> dict[str, object]:
        return {
            "ingested": self.ingested,
            "unchanged": self.unchanged,
            "removed": self.removed,
            "reprocessed": self.reprocessed,
            "skipped": [{"path": p, "reason": r} for p, r in self.skipped],
            "failed": [{"path": p, "reason": r} for p, r in self.failed],
            "redactions": [{"path": p, "line": n, "kind": k} for p, n, k in self.redactions],
            "duplicates": [{"path": p, "duplicate_of": o, "similarity": x} for p, o, x in self.duplicates],
            "ckip": self.ckip_status,
            "neo4j": self.neo4j,
            "seconds": round(self.seconds, 3),
            **({"search_index_s": round(self.index_s, 3)} if self.index_s is not None else {}),
        }


def extractor_config(settings: Settings) -> ExtractorConfig:
    # The workspace's curation layer (graph.build.curation) comes last: it wins over every lexicon.
    curated = curation_file(settings.workspace)
    return ExtractorConfig(
        lexicon_files=(*settings.lexicon_files, *((curated,) if curated.is_file() else ())),
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
    allowed_root: Path | None = None,
    rehash: bool = False,
    pool: Pool | None = None,
    discover_with: Callable[..., tuple[list[Found], list[tuple[str, str]]]] = discover,
) -> IngestReport:
    """Bring the workspace up to date with ``paths``.

    An unchanged file costs one ``stat``: when its size, modification time and inode are those
    stored when it was last read, it is not read again (as git's index does). A file modified less
    than :data:`RACY_NS` before that reading may have changed again within the clock's resolution,
    so it is hashed; ``rehash`` hashes every file. ``allowed_root``: files (and symlink targets)
    outside it are skipped (the app's ingest roots). ``pool``: where the per-document steps run
    (default: forked processes here; see :data:`Pool`). ``discover_with``: what lists the files
    (the Spark engine also lists Hadoop URLs).
    """
    t0 = time.perf_counter()
    report = IngestReport()
    with stage("load.discover"):
        found, problems = discover_with(paths, allowed_root=allowed_root)
    for path, reason in problems:
        where = redact_name(path)[0]
        (report.failed if reason == NO_SUCH else report.skipped).append((where, reason))
    with WorkspaceLock(settings.workspace, wait_s), open_store(settings.workspace, create=True) as store:
        known = store.known_files()
        state = {
            "known": known,
            "max_bytes": int(settings.max_file_mb * 1024 * 1024),
            "file_budget_s": settings.file_time_budget_s,
            "rehash": rehash,
            "now_ns": time.time_ns(),
        }
        touched: list[tuple[str, FileStat]] = []  # unchanged by hash, new stat to remember
        todo: list[str] = []  # ids only: a parsed document is stored on arrival, not kept in memory
        groups: set[str] = set()
        bar = _bar(len(found), "reading", progress)
        results = timed_steps(
            "load.pool",
            _in_pool(
                _read, found, _workers(settings, len(found), model=False), state, chunksize=8, pool=pool
            ),
        )
        with contextlib.ExitStack() as transaction:  # opened at the first changed file, if any
            for i, (f, (outcome, value, st)) in enumerate(zip(found, results, strict=True)):
                if outcome == "unchanged":
                    report.unchanged += 1
                    if st is not None:
                        touched.append((document_id(f.real), st))
                elif isinstance(value, ParsedDocument):
                    if not todo:
                        transaction.enter_context(store.transaction())
                    # Stored as it arrives, while the workers read on. It also clears the document's
                    # old extraction, so nothing needs deleting when the new one is written.
                    store.put_document(
                        value.doc,
                        value.blocks,
                        value.hashes,
                        new=value.doc.id not in known,
                        meta_title=value.meta_title,
                        fallback_title=value.fallback_title,
                        file_stat=st,
                    )
                    report.redactions.extend((value.doc.path, r.line, r.kind) for r in value.doc.redactions)
                    todo.append(value.doc.id)
                    groups.add(value.doc.group)
                else:
                    where = redact_name(f.given)[0]
                    (report.skipped if outcome == "skipped" else report.failed).append((where, str(value)))
                bar.update()
                _notify(progress, i + 1, len(found), "reading")
            bar.close()
            if todo:
                extractor = extractor or Extractor(extractor_config(settings))
                report.ckip_status = extractor.ckip_status
                changed = set(todo)
                # Into an empty workspace nothing is deleted: load first, index after.
                with store.bulk_load() if not known else contextlib.nullcontext():
                    failed = _rebuild(store, settings, extractor, changed, groups, report, progress, pool)
                report.ingested = len(todo) - len(failed)
                _finish(store, settings, extractor, progress)
        if touched:
            with store.transaction():
                store.set_file_stats(touched)
        report.seconds = time.perf_counter() - t0
    return report


def remove_paths(
    paths: Iterable[str | Path],
    settings: Settings,
    progress: Progress | None = None,
    *,
    wait_s: float = 0.0,
    pool: Pool | None = None,
) -> IngestReport:
    """Remove documents (files, or everything under folders) and whatever only they supported."""
    report = IngestReport()
    t0 = time.perf_counter()
    with WorkspaceLock(settings.workspace, wait_s), open_store(settings.workspace, create=False) as store:
        targets = [(str(p), Path(p).resolve()) for p in paths]
        ids = {document_id(t) for _, t in targets}  # a file whose stored path was redacted
        doomed: list[tuple[str, str]] = []
        for doc in store.documents():
            real = Path(doc.group) / Path(doc.path).name
            if doc.id in ids or any(
                doc.path == given or real == t or t in real.parents for given, t in targets
            ):
                doomed.append((doc.id, doc.group))
        if not doomed:
            return report
        extractor = Extractor(extractor_config(settings))
        gone = {doc_id for doc_id, _ in doomed}
        with store.transaction():
            # Copies of a removed document lose what they repeated: they are checked again and
            # extracted (the first becomes canonical) instead of vanishing with it.
            orphans = {d for d in store.duplicates_of(gone) if d not in gone}
            for doc_id, _ in doomed:
                store.delete_document(doc_id)
            groups = {g for _, g in doomed}
            if orphans:
                groups |= {d.group for d in store.documents() if d.id in orphans}
                for doc_id in orphans:
                    store.replace_extractions([(doc_id, ExtractionRows([], [], []))])
            _rebuild(store, settings, extractor, orphans, groups, report, progress, pool)
            _finish(store, settings, extractor, progress)
        report.removed = len(doomed)
    report.seconds = time.perf_counter() - t0
    return report


def _rebuild(
    store: Store,
    settings: Settings,
    extractor: Extractor,
    changed: set[str],
    groups: set[str],
    report: IngestReport,
    progress: Progress | None,
    pool: Pool | None = None,
) -> set[str]:
    """Re-derive body, chunks and extraction for changed documents and for any document
    whose boilerplate set moved because its folder gained or lost documents.

    A changed document that repeats a canonical one (exact or near, see
    :mod:`extract.duplicates`) keeps its body but gets no chunks or mentions: it is indexed once,
    through the copy it repeats. Markdown sources are checked before HTML renderings, so the
    source is the copy kept.

    ``changed`` documents were just put, which cleared their old extraction. Returns the
    ids of documents that failed (a reprocessed document keeps its previous extraction;
    every failed one has its hash cleared, so the next ingest retries it).
    """
    plan: list[tuple[str, str, str, frozenset[str]]] = []  # doc id, signature, title, folder boilerplate
    min_docs, min_share = settings.boilerplate_min_docs, settings.boilerplate_min_share
    for group in sorted(groups):
        members = store.documents_in_group(group)
        blocks = store.group_blocks(group)
        with stage("clean.boilerplate"):
            boiler = frozenset(
                boilerplate_of(
                    list(blocks.values()), min_docs, min_share, settings.boilerplate_near_threshold
                )
            )
        doc_hashes = {doc_id: [h for _, h in pairs] for doc_id, pairs in blocks.items()}
        site = clean.site_titles((m.meta_title for m in members), len(members), min_docs, min_share)
        for m in members:
            mine = sorted(boiler.intersection(doc_hashes.get(m.doc_id, [])))
            title = choose_title(m.meta_title, m.fallback_title, site)
            sig = hashlib.sha1(json.dumps([mine, title], ensure_ascii=False).encode()).hexdigest()[:16]
            if m.doc_id in changed or sig != m.sig:
                plan.append((m.doc_id, sig, title, boiler))
    report.reprocessed = sum(1 for doc_id, *_ in plan if doc_id not in changed)
    meta = {d.id: d for d in store.documents()}
    plan.sort(key=lambda p: (_format_rank(meta[p[0]].path), meta[p[0]].path))
    finder = None
    if any(doc_id in changed for doc_id, *_ in plan):
        with stage("duplicates.known"):
            known = store.canonical_signatures(exclude=changed)
        finder = DuplicateFinder(known, store.dedup_text, settings.duplicate_threshold)

    def duplicate(doc_id: str) -> bool:
        """Decide (for a changed document) or recall whether ``doc_id`` repeats another document."""
        if finder is None or doc_id not in changed:
            return bool(meta[doc_id].duplicate_of)
        with stage("duplicates.check"):
            dup, sig = finder.check(doc_id, store.dedup_text(doc_id))
        store.set_duplicate(doc_id, sig, dup.canonical if dup else "", dup.similarity if dup else 0.0)
        if dup is not None:
            other = meta.get(dup.canonical)
            report.duplicates.append(
                (meta[doc_id].path, other.path if other else dup.canonical, dup.similarity)
            )
        return dup is not None

    def windows() -> Iterator[list[_Work]]:
        # Bodies are assembled a window at a time, in this thread (the only one using the store),
        # so memory holds a window or two of documents, not the corpus.
        for i in range(0, len(plan), EXTRACT_WINDOW):
            window = []
            for doc_id, sig, title, boiler in plan[i : i + EXTRACT_WINDOW]:
                stored = store.blocks(doc_id)
                doc, sections = assemble_document(
                    _document(meta[doc_id], title), [b for b, _ in stored], [h for _, h in stored], boiler
                )
                if duplicate(doc_id):  # kept and shown, not extracted: its copy speaks for it
                    store.set_bodies([BodyRow(doc.id, doc.body, sig, doc.title, doc.pages)])
                    store.replace_extractions([(doc.id, ExtractionRows([], [], []))], fresh=changed)
                else:
                    window.append(_Work(doc, sig, sections))
            if window:
                yield window

    failed: set[str] = set()
    bar = _bar(len(plan), "extracting", progress)
    done = 0
    for batch, results in timed_steps(
        "extract.workers", _extract_all(windows(), extractor, settings, len(plan), pool)
    ):
        written: list[tuple[str, ExtractionRows]] = []
        for w, result in zip(batch, results, strict=True):
            if isinstance(result, Exception):
                failed.add(w.doc.id)
                report.failed.append((w.doc.path, f"extraction failed: {result}"))
                store.forget_hash(w.doc.id)
            else:
                written.append((w.doc.id, result))
        ok = {doc_id for doc_id, _ in written}
        store.set_bodies(
            BodyRow(w.doc.id, w.doc.body, w.sig, w.doc.title, w.doc.pages) for w in batch if w.doc.id in ok
        )
        store.replace_extractions(written, fresh=changed)
        done += len(batch)
        bar.update(len(batch))
        _notify(progress, done, len(plan), "extracting")
    bar.close()
    return failed


@dataclass(frozen=True, slots=True)
class _Work:
    doc: Document  # with its body
    sig: str  # boilerplate signature the body was assembled with
    sections: Sections


def _format_rank(path: str) -> int:
    """Which copy of a repeated page is kept: the source (Markdown, text) before a rendering."""
    suffix = Path(path).suffix.lower()
    return 0 if suffix in {".md", ".markdown", ".mdx", ".txt"} else 1 if suffix in {".html", ".htm"} else 2


def _document(row: StoredDocument, title: str) -> Document:
    """The stored document as extraction sees it (its body is assembled next)."""
    return Document(
        id=row.id,
        path=row.path,
        group=row.group,
        title=title,
        body="",
        raw_hash=row.raw_hash,
        encoding=row.encoding,
        size_bytes=row.size_bytes,
        aliases=row.aliases,
        links=row.links,
        link_labels=row.link_labels,
    )


# Set in the parent just before a pool forks, so workers inherit it (the loaded lexicon, the known
# hashes) for free instead of receiving it pickled.
_STATE: dict[str, Any] = {}


@contextlib.contextmanager
def _pool(workers: int, state: dict[str, Any]) -> Iterator[Callable[..., Iterator[Any]]]:
    """An ``imap(fn, items, chunksize=1)`` over ``workers`` forked processes (plain ``map`` for one),
    with ``state`` visible to ``fn`` as ``_STATE`` in whichever process runs it."""
    global _STATE
    _STATE = state
    try:
        if workers <= 1:
            yield lambda fn, items, chunksize=1: map(fn, items)
        else:
            with multiprocessing.get_context("fork").Pool(workers) as pool:
                yield pool.imap
    finally:
        _STATE = {}


def _in_pool(
    fn: Callable[[T], R],
    items: Iterable[T],
    workers: int,
    state: dict[str, Any],
    chunksize: int = 1,
    pool: Pool | None = None,
) -> Iterator[R]:
    """``map(fn, items)`` in input order, in ``workers`` forked processes (or inline for one),
    or in whatever ``pool`` provides."""
    with (pool or _pool)(workers, state) as imap:
        yield from imap(fn, items, chunksize=chunksize)


def map_in_state(fn: Callable[[T], R], items: Iterable[T], state: dict[str, Any]) -> list[R]:
    """``fn`` over ``items`` with ``state`` as ``_STATE``: how another engine's worker process
    runs the very functions the fork pool runs (:func:`_read`, :func:`_work`)."""
    global _STATE
    previous, _STATE = _STATE, state
    try:
        return [fn(x) for x in items]
    finally:
        _STATE = previous


def _workers(settings: Settings, n_docs: int, *, model: bool) -> int:
    """Processes to use: all cores for the rule path; one when a neural model is loaded (each worker
    would hold its own copy) or when the job is too small to pay for starting them."""
    if (model and settings.ckip) or n_docs < 4 * EXTRACT_BATCH or sys.platform != "linux":
        return 1
    return settings.workers or os.cpu_count() or 1


RACY_NS = 2_000_000_000  # a file modified this close to when it was read is hashed next time


def _stat(found: Found, now_ns: int) -> FileStat | None:
    try:
        st = os.stat(found.real)
    except OSError:
        return None  # load_file says why
    return FileStat(st.st_size, st.st_mtime_ns, st.st_ino, now_ns)


def stat_unchanged(st: FileStat, was: FileStat) -> bool:
    """Same size, time and inode as when last read, and not modified too close to that reading."""
    same = (st.size, st.mtime_ns, st.ino) == (was.size, was.mtime_ns, was.ino)
    return same and st.mtime_ns < was.at_ns - RACY_NS


Outcome = tuple[str, ParsedDocument | str | None, FileStat | None]


def _read(found: Found) -> Outcome:
    """Skip what ``stat`` shows unchanged, else load, compare with the stored hash and parse only
    what changed; never raises. Returns (outcome, parsed document or reason, the file's stat)."""
    try:
        st = _stat(found, _STATE["now_ns"])
        known = _STATE["known"].get(document_id(found.real))
        if st is not None and known is not None and not _STATE["rehash"] and stat_unchanged(st, known.stat):
            return "unchanged", None, None
    except Exception as exc:  # one bad file never stops the run
        return "failed", f"{type(exc).__name__}: {exc}", None
    return load_and_parse(
        found, lambda: load_file(found, _STATE["max_bytes"]), known, st, _STATE["file_budget_s"]
    )


def load_and_parse(
    found: Found,
    load: Callable[[], LoadedFile],
    known: KnownFile | None,
    st: FileStat | None,
    budget_s: float,
) -> Outcome:
    """Load (``load``) within the time budget, compare with the stored hash and parse what changed;
    never raises: one bad file never stops the run (the Spark executors read through this too)."""
    try:
        with time_budget(budget_s):
            loaded = load()
            if known is not None and known.raw_hash == loaded.raw_hash:
                return "unchanged", None, st
            return "parsed", parse_loaded(loaded, found), st
    except SkipFile as exc:
        return "skipped", str(exc), None
    except TookTooLong as exc:
        return "failed", str(exc), None
    except Exception as exc:
        log.debug("failed to read %s", found.given, exc_info=True)
        return "failed", f"{type(exc).__name__}: {exc}", None


class TookTooLong(Exception):
    """Reading and parsing one file ran past its time budget."""


@contextlib.contextmanager
def time_budget(seconds: float) -> Iterator[None]:
    """Raise :class:`TookTooLong` in this thread when the block runs past ``seconds`` (0: no limit).

    A file that sends a parser into a very long loop (a pathological PDF, markup no cap foresaw)
    then fails alone with one line, and the run goes on. A timer signal interrupts the Python code
    wherever it is, so it works only in a process's main thread (the CLI, the worker processes);
    elsewhere (the app's script thread) files run without a budget.
    """
    if seconds <= 0 or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expired(signum: int, frame: object) -> None:
        raise TookTooLong(f"took too long (over {seconds:g} s to read and parse; ZHKG_FILE_TIME_BUDGET_S)")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _work(payload: list[tuple[Document, Sections]]) -> list[ExtractionRows | RuntimeError]:
    """Chunk and extract one batch of documents, ready to insert; errors travel back as plain
    RuntimeErrors (an arbitrary exception may not pickle)."""
    out = extract_documents(payload, _STATE["extractor"], _STATE["chunk_size"], _STATE["overlap"])
    return [
        RuntimeError(f"{type(r).__name__}: {r}")
        if isinstance(r, Exception)
        else extraction_rows(chunks, r.mentions, r.relations)
        for _, chunks, r in out
    ]


def _extract_all(
    windows: Iterable[list[_Work]],
    extractor: Extractor,
    settings: Settings,
    n_docs: int,
    pool: Pool | None = None,
) -> Iterator[tuple[list[_Work], list[ExtractionRows | RuntimeError]]]:
    """(batch, its results) in input order; the parent keeps the only store connection.

    The next window is submitted before the current one's results are consumed, so the
    workers never wait for the parent to assemble bodies.
    """
    state = {
        "extractor": extractor,
        "chunk_size": settings.chunk_size,
        "overlap": settings.chunk_overlap_sentences,
    }
    with (pool or _pool)(_workers(settings, n_docs, model=True), state) as imap:
        pending: deque[tuple[list[list[_Work]], Iterator[Any]]] = deque()
        for window in windows:
            batches = [window[i : i + EXTRACT_BATCH] for i in range(0, len(window), EXTRACT_BATCH)]
            payloads = [[(w.doc, w.sections) for w in b] for b in batches]
            pending.append((batches, imap(_work, payloads)))
            if len(pending) > 1:
                yield from zip(*pending.popleft(), strict=True)
        while pending:
            yield from zip(*pending.popleft(), strict=True)


def _finish(
    store: Store,
    settings: Settings,
    extractor: Extractor,
    progress: Progress | None,
    *,
    full: bool = False,
) -> None:
    """Workspace-wide steps: resolve entities, derive relations, communities, bookkeeping.

    Resolution runs over the whole vocabulary (it is small); the tables derived from it are
    updated in proportion to the change unless ``full`` (see :mod:`graph.store.derived`).
    """
    from graph.build import centrality, communities

    _notify(progress, 0, 1, "resolving")
    docs = store.documents()
    with stage("links.resolve"):
        store.replace_doc_links(resolve_links(docs))
    # Aggregates first: only the changed documents' mentions are aggregated again, and the graph
    # below is rewritten as a diff unless the change is big or the bookkeeping is in doubt.
    delta = store.prepare_graph_update(full=full)
    with stage("resolve.resolve"):
        resolution = resolve(store.surface_totals(), extractor.lexicon)
        entities, keys = note_aliases(resolution.entities, resolution.key_to_entity, docs)
    change = store.replace_graph(entities, keys, delta)
    _notify(progress, 0, 1, "communities")
    communities.refresh(store, settings, touched=None if change is None else change.entities)
    generation = int(store.meta("generation") or 0) + 1
    store.set_meta("generation", str(generation))
    store.mark_derived(generation)
    centrality.refresh(store)  # stored for the explorer's first render (after the bump: valid for it)
    store.set_meta("config", json.dumps(settings.public_dict(), ensure_ascii=False))
    _notify(progress, 1, 1, "done")
