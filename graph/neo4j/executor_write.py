"""``--engine spark --to neo4j``: the sync's batches committed from the Spark executors.

What to write is still decided on the driver, by :func:`graph.neo4j.sync.sync_workspace`: it
reads the workspace and Neo4j's (id, hash) pages, merges them and cuts the rows that differ into
``UNWIND`` batches, and it keeps its change log and resume state. Only the commits move: this
writer gathers the batches of a pass into waves and hands each wave to Spark, where every
partition opens its own Neo4j driver and commits its batches in managed transactions
(``execute_write``, which retries deadlocks and other transient errors). In a wave the batches
that depend on others (a chunk's ``HAS_CHUNK`` and ``MENTIONS`` need the chunk node) run as a
second job after the first, so nodes are written before the relationships between them.

A pass is marked done in the sync state only after :meth:`SparkWriter.drain` returned, that is
after every partition of every wave committed; a failed partition fails the sync with one line
(:class:`~graph.neo4j.client.Neo4jUnavailable`), and the next sync resumes that pass. A retried
Spark task may commit a batch twice: every query merges by id except the creation of a new
chunk's mentions, which a retried attempt replaces by the update query (it merges them).

The executors need the server's address and credentials: they travel inside the task (the
settings object, whose ``repr`` hides the password); nothing here logs them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from types import SimpleNamespace
from typing import Any, cast

import neo4j
from tqdm import tqdm

from graph.neo4j.client import Neo4jUnavailable
from graph.neo4j.sync import _CREATE_MENTIONS, _UPDATE_MENTIONS, _Writer, run_batch
from graph.settings import Settings

log = logging.getLogger(__name__)

COUNTERS = (
    "nodes_created",
    "nodes_deleted",
    "relationships_created",
    "relationships_deleted",
    "properties_set",
    "labels_added",
    "labels_removed",
)
Tally = Callable[[neo4j.SummaryCounters, list[neo4j.Record], list[Any]], None]


@dataclass(frozen=True, slots=True)
class _Pending:
    queries: tuple[str, ...]
    rows: list[Any]
    tally: Tally
    units: int
    dependent: bool


def _attempt() -> int:
    """Which attempt of its Spark task this is (0: the first)."""
    from pyspark import TaskContext

    ctx = TaskContext.get()
    return ctx.attemptNumber() if ctx is not None else 0


def write_partition(
    settings: Settings, items: Iterable[tuple[int, tuple[str, ...], list[Any]]]
) -> list[tuple[int, str, Any, Any]]:
    """On an executor: commit this partition's batches, each in its own managed transaction.

    Returns ``(index, "ok", counters, records)`` per committed batch, and at the first failure
    ``(index, "error", one line, None)`` (and stops): the driver tallies what committed and fails
    the pass with that line, instead of Spark re-running the batches that did commit.
    """
    from graph.neo4j.client import open_driver

    out: list[tuple[int, str, Any, Any]] = []
    batches = list(items)
    if not batches:
        return out
    retry = _attempt() > 0
    try:
        driver = open_driver(settings, verify=False)
    except Neo4jUnavailable as exc:
        return [(batches[0][0], "error", str(exc), None)]
    try:
        with driver.session(database=settings.neo4j_database) as session:
            for index, queries, rows in batches:
                qs = [_UPDATE_MENTIONS if retry and q == _CREATE_MENTIONS else q for q in queries]
                try:
                    counters, records = session.execute_write(run_batch, qs, rows)
                except Exception as exc:
                    text = str(getattr(exc, "message", None) or exc).strip()
                    line = text.splitlines()[0] if text else ""
                    out.append((index, "error", f"{type(exc).__name__}: {line}", None))
                    break
                stats = {k: int(getattr(counters, k, 0)) for k in COUNTERS}
                out.append((index, "ok", stats, [dict(r.data()) for r in records]))
    finally:
        driver.close()
    return out


class SparkWriter(_Writer):
    """A sync writer whose batches are committed by Spark executors, a wave at a time.

    The waves run on the writer's one background thread, in order, while the driver plans the
    next rows; :meth:`run` (the sync's own small writes: its state, foreign relationships) and
    :meth:`drain` first send and wait for what was gathered.
    """

    def __init__(
        self,
        session: neo4j.Session,
        spark: Any,
        settings: Settings,
        partitions: int | None = None,
        wave: int | None = None,
    ) -> None:
        super().__init__(session, depth=1)
        self.sc = spark.sparkContext
        self.settings = settings
        self.partitions = max(1, partitions or self.sc.defaultParallelism)
        self.wave_size = max(1, wave or 2 * self.partitions)
        self.gathered: list[_Pending] = []
        self.bar: tqdm[Any] | None = None
        self.jobs = 0

    def write_batch(
        self,
        queries: Sequence[str],
        rows: list[Any],
        tally: Tally,
        units: int,
        bar: tqdm[Any],
        dependent: bool,
    ) -> None:
        self.bar = bar
        self.gathered.append(_Pending(tuple(queries), rows, tally, units, dependent))
        if len(self.gathered) >= self.wave_size:
            self.send()

    def send(self) -> None:
        """Hand what was gathered to the background thread as one wave."""
        wave, self.gathered = self.gathered, []
        if wave:
            super().submit(lambda _session: self._run_wave(wave))

    def submit(self, fn: Callable[[neo4j.Session], Any]) -> Any:
        self.send()  # whatever runs next on the session comes after the batches before it
        return super().submit(fn)

    def drain(self) -> None:
        self.send()
        super().drain()

    def close(self) -> None:
        self.gathered = []
        super().close()

    def _run_wave(self, wave: list[_Pending]) -> None:
        for dependent in (False, True):  # nodes (and removals) first, then what hangs on them
            part = [p for p in wave if p.dependent == dependent]
            if part:
                self._job(part)

    def _job(self, part: list[_Pending]) -> None:
        payload = [(i, p.queries, p.rows) for i, p in enumerate(part)]
        rdd = self.sc.parallelize(payload, min(len(payload), self.partitions))
        self.jobs += 1
        try:
            results = rdd.mapPartitions(partial(write_partition, self.settings)).collect()
        except Exception as exc:  # the task itself died (a lost executor, a worker crash)
            text = str(exc).strip().splitlines()
            raise Neo4jUnavailable(
                f"Neo4j at {self.settings.neo4j_uri}: a Spark write job failed"
                f" ({text[0] if text else type(exc).__name__}); the workspace is intact, run"
                " `zhkg sync neo4j` to finish"
            ) from None
        errors: list[str] = []
        for index, status, counters, records in results:
            if status != "ok":
                errors.append(str(counters))
                continue
            p = part[index]
            p.tally(cast(neo4j.SummaryCounters, SimpleNamespace(**counters)), records, p.rows)
            if self.bar is not None:
                self.bar.update(p.units)
        if errors:
            raise Neo4jUnavailable(
                f"Neo4j at {self.settings.neo4j_uri}: a Spark executor could not write ({errors[0]});"
                " the workspace is intact, run `zhkg sync neo4j` to finish"
            )


def sync_from_executors(
    spark: Any, settings: Settings, partitions: int | None = None, *, progress: bool = False
) -> tuple[Any, int]:
    """Mirror the workspace into Neo4j with the batches committed on Spark; (report, jobs run)."""
    from graph.neo4j.sync import sync_workspace
    from graph.store import open_store

    writers: list[SparkWriter] = []

    def make(session: neo4j.Session) -> SparkWriter:
        writers.append(SparkWriter(session, spark, settings, partitions))
        return writers[-1]

    with open_store(settings.workspace, readonly=True) as store:
        report = sync_workspace(store, settings, progress=progress, make_writer=make)
    return report, sum(w.jobs for w in writers)
