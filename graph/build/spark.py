"""The Spark engine: an ingest whose per-document work runs on Spark executors.

``zhkg ingest --engine spark`` is :func:`graph.build.ingest.ingest_paths` with one thing
swapped: the pool that runs the per-document steps. Locally those steps are ``_read`` (stat,
load, redact, parse one file) and ``_work`` (chunk and extract one batch of documents), mapped
over forked processes; here the very same functions are mapped over Spark partitions. Nothing
of extraction is written twice, so whatever ``extract`` does, both engines do it, and a
workspace ingested either way is the same (the parity test checks the exports are identical).

What stays on the driver is what needs the whole corpus and the store: which files changed,
folder boilerplate, titles, duplicates, then resolution, relation aggregation and communities
(:func:`graph.build.ingest._finish`). Only redacted text leaves an executor: a file is read and
its secrets replaced inside ``_read``, on the executor, before its result is sent anywhere.

Inputs that are Hadoop URLs (``hdfs://``, ``s3a://``, ``file://``…) are listed through the
Hadoop FileSystem of the running Spark and read by Spark itself (``binaryFile``), then redacted
and parsed on the executor that read them: see :mod:`graph.build.spark_read`. With ``--to neo4j``
the executors also write the graph: see :mod:`graph.neo4j.executor_write`.

PySpark is an optional extra (``pip install 'zhkg[spark]'``) and needs Java 17; it is imported
only here, only when the engine is asked for, so the embedded default needs neither.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import sys
import threading
import warnings
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from extract.errors import ZhkgError
from extract.extractor import Extractor, ExtractorConfig
from graph.build.ingest import Imap, IngestReport, Progress, _read, extractor_config, map_in_state
from graph.build.spark_read import UnsupportedInput, UrlFound, discover_inputs, is_url, read_urls

log = logging.getLogger(__name__)

__all__ = ["SparkOptions", "SparkUnavailable", "UnsupportedInput", "ingest_spark", "is_url", "remove_spark"]

INSTALL = "pip install 'zhkg[spark]'"
WAVE_PER_PARTITION = 64  # items (files, batches) per partition in one job: bounds the driver's memory


class SparkUnavailable(ZhkgError):
    """The Spark engine was asked for but PySpark, Java or the cluster cannot be used."""


def require_pyspark() -> Any:
    """The ``pyspark`` module, or :class:`SparkUnavailable` naming the install line."""
    try:
        import pyspark
    except ImportError:
        raise SparkUnavailable(
            f"--engine spark needs PySpark, which is not installed: {INSTALL} (and Java 17)"
        ) from None
    return pyspark


def require_java() -> str:
    """The ``java`` that Spark will start, or :class:`SparkUnavailable` (Spark needs a JVM)."""
    home = os.environ.get("JAVA_HOME", "")
    if home:
        java = Path(home) / "bin" / "java"
        if java.is_file() and os.access(java, os.X_OK):
            return str(java)
        raise SparkUnavailable(f"--engine spark needs Java 17: JAVA_HOME={home} has no bin/java")
    found = shutil.which("java")
    if found is None:
        raise SparkUnavailable(
            f"--engine spark needs Java 17, and no java is on PATH (set JAVA_HOME); PySpark: {INSTALL}"
        )
    return found


@dataclass(frozen=True, slots=True)
class SparkOptions:
    """How to reach Spark: ``master`` (None: what spark-submit configured, else ``local[*]``) and
    ``partitions`` (None: twice the cluster's default parallelism)."""

    master: str | None = None
    partitions: int | None = None


@contextlib.contextmanager
def spark_session(options: SparkOptions) -> Iterator[Any]:
    """The active SparkSession (a notebook's, a test's, spark-submit's), or one started here and
    stopped afterwards. Executors run this interpreter in local mode, so they import this zhkg."""
    require_pyspark()
    with warnings.catch_warnings():  # PySpark's note about pandas 3, which zhkg does not use with it
        warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas")
        from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        if options.master and active.sparkContext.master != options.master:
            log.warning("--master %s ignored: using the running session (%s)", options.master, active)
        yield active
        return
    require_java()
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    # The ingest shows its own progress bar; Spark's would be drawn over it.
    builder = SparkSession.builder.appName("zhkg-ingest").config("spark.ui.showConsoleProgress", "false")
    if options.master:  # else spark-submit's --master, or PySpark's own default, local[*]
        builder = builder.master(options.master)
        if options.master.startswith("local"):
            builder = builder.config("spark.ui.enabled", "false")
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas")
            session = builder.getOrCreate()
    except Exception as exc:  # the JVM did not start, or the master cannot be reached
        where = options.master or "the configured master"
        raise SparkUnavailable(f"could not start Spark ({where}): {type(exc).__name__}: {exc}") from None
    session.sparkContext.setLogLevel("WARN")
    try:
        yield session
    finally:
        session.stop()


# -- executors ----------------------------------------------------------------------------------

_EXTRACTORS: dict[str, Extractor] = {}  # per Python worker process: the lexicon (and CKIP) load once
_EXTRACTOR_LOCK = threading.Lock()


def _worker_extractor(config: ExtractorConfig) -> Extractor:
    """This worker's Extractor for ``config``, built once: built by its own ``__init__`` (which
    also configures the module-level name lists), never unpickled, and with CKIP on a GPU
    executor when the config asks for it."""
    key = repr(config)
    with _EXTRACTOR_LOCK:
        if key not in _EXTRACTORS:
            _EXTRACTORS[key] = Extractor(config)
        return _EXTRACTORS[key]


def _task(fn: Callable[[Any], Any], shared: Any, items: Iterable[Any]) -> Iterator[Any]:
    """One partition on an executor: ``fn`` over its items with the ingest's state, exactly as a
    forked local worker runs it."""
    state, config = shared.value
    if config is not None:
        state = {**state, "extractor": _worker_extractor(config)}
    yield from map_in_state(fn, list(items), state)


class SparkPool:
    """A :data:`graph.build.ingest.Pool` whose workers are Spark executors.

    Each ``imap`` call becomes Spark jobs over the items (in waves, so the driver holds at most two
    waves of results), submitted at once from a background thread: the ingest submits its next
    extraction window before it writes the current one, as it does with the fork pool. The
    ingest's state is broadcast once per pool; the Extractor in it is not shipped but rebuilt from
    its config on each executor.
    """

    def __init__(self, spark: Any, config: ExtractorConfig, partitions: int | None = None) -> None:
        self.spark = spark
        self.sc = spark.sparkContext
        self.config = config
        self.partitions = max(1, partitions or 2 * self.sc.defaultParallelism)

    @contextlib.contextmanager
    def __call__(self, workers: int, state: dict[str, Any]) -> Iterator[Imap]:
        shipped = {k: v for k, v in state.items() if k != "extractor"}
        shared = self.sc.broadcast((shipped, self.config if "extractor" in state else None))
        threads = ThreadPoolExecutor(max_workers=2, thread_name_prefix="zhkg-spark")
        try:
            yield partial(self._imap, shared, threads)
        except BaseException:  # the ingest failed or was interrupted: stop what was submitted ahead
            self.sc.cancelAllJobs()
            raise
        finally:
            threads.shutdown(wait=True, cancel_futures=True)
            shared.destroy()

    def _imap(
        self,
        shared: Any,
        threads: ThreadPoolExecutor,
        fn: Callable[[Any], Any],
        items: Iterable[Any],
        chunksize: int = 1,
    ) -> Iterator[Any]:
        items = list(items)
        wave = self.partitions * WAVE_PER_PARTITION
        waves = [items[i : i + wave] for i in range(0, len(items), wave)]
        pending: deque[Future[list[Any]]] = deque()
        if items:
            pending.append(threads.submit(self._run, fn, waves[0], shared))  # now, not when first read
        return self._results(fn, waves[1:], shared, threads, pending)

    def _results(
        self,
        fn: Callable[[Any], Any],
        later: Sequence[list[Any]],
        shared: Any,
        threads: ThreadPoolExecutor,
        pending: deque[Future[list[Any]]],
    ) -> Iterator[Any]:
        queue = deque(later)
        while pending:
            if queue:
                pending.append(threads.submit(self._run, fn, queue.popleft(), shared))
            yield from pending.popleft().result()

    def _run(self, fn: Callable[[Any], Any], items: list[Any], shared: Any) -> list[Any]:
        if fn is _read and any(isinstance(x, UrlFound) for x in items):
            return self._read_mixed(items, shared)
        rdd = self.sc.parallelize(items, min(len(items), self.partitions))
        return rdd.mapPartitions(partial(_task, fn, shared)).collect()

    def _read_mixed(self, items: list[Any], shared: Any) -> list[Any]:
        """Reading a wave that holds URL files: those through Hadoop (:func:`read_urls`), local
        files as usual; results in the wave's order."""
        urls = [x for x in items if isinstance(x, UrlFound)]
        local = [x for x in items if not isinstance(x, UrlFound)]
        from_urls = iter(read_urls(self.spark, shared, urls))
        from_local = iter(self._run(_read, local, shared) if local else [])
        return [next(from_urls) if isinstance(x, UrlFound) else next(from_local) for x in items]


def ingest_spark(
    paths: Sequence[str | Path],
    settings: Any,
    options: SparkOptions,
    progress: Progress | None = None,
    *,
    wait_s: float = 0.0,
    allowed_root: Path | None = None,
    rehash: bool = False,
    to: str = "workspace",
) -> IngestReport:
    """:func:`graph.build.ingest.ingest_paths` with the per-document steps on Spark; with
    ``to="neo4j"`` the graph is then written to Neo4j from the executors (the workspace keeps
    the document and chunk catalogue), and ``report.neo4j`` says how it went."""
    from graph.build.ingest import ingest_paths

    with spark_session(options) as spark:
        pool = SparkPool(spark, extractor_config(settings), options.partitions)
        driver_extractor = _driver_extractor(settings)
        report = ingest_paths(
            paths,
            settings,
            progress,
            wait_s=wait_s,
            allowed_root=allowed_root,
            rehash=rehash,
            pool=pool,
            extractor=driver_extractor,
            discover_with=partial(discover_inputs, spark),
        )
        if to == "neo4j":
            from graph.neo4j.executor_write import sync_from_executors

            synced, jobs = sync_from_executors(spark, settings, options.partitions)
            report.neo4j = f"synced to Neo4j ({synced}; committed by the executors in {jobs} Spark jobs)"
        return report


def remove_spark(
    paths: Sequence[str | Path],
    settings: Any,
    options: SparkOptions,
    progress: Progress | None = None,
    *,
    wait_s: float = 0.0,
) -> IngestReport:
    """:func:`graph.build.ingest.remove_paths` with re-extraction of orphaned copies on Spark."""
    from graph.build.ingest import remove_paths
    from graph.build.spark_read import removal_paths
    from graph.store import open_store

    with spark_session(options) as spark:
        stored: list[str] = []
        if any(is_url(p) for p in paths) and settings.workspace.exists():
            with open_store(settings.workspace, readonly=True) as store:
                stored = [d.path for d in store.documents()]
        targets = removal_paths(spark, paths, stored)
        pool = SparkPool(spark, extractor_config(settings), options.partitions)
        return remove_paths(targets, settings, progress, wait_s=wait_s, pool=pool)


def _driver_extractor(settings: Any) -> Extractor | None:
    """The driver needs the lexicon for resolution, not CKIP: with CKIP on, the models load on the
    (GPU) executors only. None: the ingest builds its own as usual."""
    if not settings.ckip:
        return None
    extractor = Extractor(extractor_config(settings.replace(ckip=False)))
    extractor.ckip_status = "on the Spark executors"
    return extractor
