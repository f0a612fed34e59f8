"""Hadoop URL inputs for the Spark engine: listed on the driver, read and redacted on the executors.

A URL (``hdfs://``, ``s3a://``, ``gs://``, ``file://``…) is listed through the Hadoop
``FileSystem`` of the running Spark (the JVM gateway: ``listFiles(path, recursive)``), which gives
each file's length and modification time. That is all the driver needs for the unchanged check a
local ingest makes with ``stat`` (no inode: a URL has none), so an incremental run reads nothing
that did not change, and ``--rehash`` reads everything, as locally.

The files that may have changed are read by Spark itself (the ``binaryFile`` source, so whatever
connector the user's Spark has for the scheme) and, in the same task on the executor that read
them, loaded, redacted and parsed by the very functions a local ingest uses
(:func:`extract.load.load_bytes`, :func:`extract.pipeline.parse_loaded`). Nothing is shuffled
between the read and the redaction: the scan's partitions are mapped as they are, so only redacted
documents leave an executor.

A document read from a URL is identified by the URL as Hadoop spells it (its id, its path, its
folder for boilerplate), so it is stable from run to run. ``file://`` URLs are the exception that
keeps one file one document: they are read through Hadoop too, but named by their local path, as
a local ingest of the same folder names them.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from extract.errors import ZhkgError
from extract.load import (
    FORMATS,
    NO_SUCH,
    Found,
    _too_large,
    discover,
    load_bytes,
    printable_path,
)
from extract.pipeline import document_id
from graph.build.ingest import Outcome, load_and_parse, stat_unchanged
from graph.store import FileStat

log = logging.getLogger(__name__)

URL_SCHEMES = ("file:", "hdfs:", "s3a:", "s3:", "s3n:", "gs:", "abfs:", "abfss:", "wasb:", "wasbs:", "dbfs:")

# Scheme → the connector a Spark installation needs to read it (what the error names).
CONNECTORS = {
    "s3a": "hadoop-aws (org.apache.hadoop:hadoop-aws:{hadoop} and its AWS SDK bundle)",
    "s3": "hadoop-aws (org.apache.hadoop:hadoop-aws:{hadoop}; outside EMR use s3a:// URLs)",
    "s3n": "hadoop-aws (s3n is gone from Hadoop 3: use s3a:// URLs)",
    "gs": "the Cloud Storage connector (com.google.cloud.bigdataoss:gcs-connector)",
    "abfs": "hadoop-azure (org.apache.hadoop:hadoop-azure:{hadoop})",
    "abfss": "hadoop-azure (org.apache.hadoop:hadoop-azure:{hadoop})",
    "wasb": "hadoop-azure (org.apache.hadoop:hadoop-azure:{hadoop})",
    "wasbs": "hadoop-azure (org.apache.hadoop:hadoop-azure:{hadoop})",
    "hdfs": "the HDFS client (hadoop-client-api / hadoop-hdfs-client {hadoop})",
    "dbfs": "the Databricks file system (dbfs:/ is read on Databricks clusters only)",
}
GLOB_CHARS = "\\*?[]{}"  # Hadoop glob syntax: escaped so that a file name is taken literally


class UnsupportedInput(ZhkgError):
    """An input URL this Spark installation cannot read."""


def is_url(path: str | Path) -> bool:
    """A Hadoop-style URL (read by Spark) rather than a local path."""
    return isinstance(path, str) and path.lower().startswith(URL_SCHEMES)


@dataclass(frozen=True, slots=True)
class UrlFound(Found):
    """A file found under a URL: ``url`` is Hadoop's name for it (what the executors read),
    ``size``/``mtime_ns`` what the listing said (the unchanged check)."""

    url: str = ""
    size: int = 0
    mtime_ns: int = 0


def _scheme(url: str) -> str:
    return url.partition(":")[0].lower()


def _named(url: str, local: str) -> tuple[str, Path]:
    """(shown path, identity) of a listed file: a ``file:`` URL as the local path a local ingest
    shows and identifies it by (``local``, Hadoop's decoded path); any other URL as itself."""
    if _scheme(url) == "file":
        return printable_path(local), Path(os.path.realpath(local))
    return printable_path(url), Path(url)


def _kind(name: str) -> str | None:
    return FORMATS.get(os.path.splitext(name)[1].lower())


def _java_error(exc: BaseException) -> str:
    """The Java exception's class and first line out of a Py4J error (else the Python one)."""
    java = getattr(exc, "java_exception", None)
    if java is not None:
        try:
            return f"{java.getClass().getName()}: {java.getMessage()}"
        except Exception:  # the gateway itself is gone
            pass
    return f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"


def missing_connector(url: str, error: str, hadoop: str) -> str | None:
    """The plain one-line reason when ``error`` says this Spark has no file system for ``url``."""
    markers = ("UnsupportedFileSystemException", "No FileSystem for scheme", "ClassNotFoundException")
    if not any(m in error for m in markers):
        return None
    scheme = _scheme(url)
    connector = CONNECTORS.get(scheme, f"a Hadoop FileSystem for {scheme}://").format(
        hadoop=hadoop or "x.y.z"
    )
    return (
        f"{printable_path(url)}: this Spark cannot read {scheme}:// URLs: {connector} is missing"
        " (add it with spark-submit --packages or spark.jars.packages; see docs/scaling.md)"
    )


class HadoopLister:
    """Lists URLs with the Hadoop FileSystem of a running SparkSession (on the driver)."""

    def __init__(self, spark: Any) -> None:
        self.spark = spark
        self.jvm = spark.sparkContext._jvm
        self.conf = spark.sparkContext._jsc.hadoopConfiguration()

    def hadoop_version(self) -> str:
        try:
            return str(self.jvm.org.apache.hadoop.util.VersionInfo.getVersion())
        except Exception:
            return ""

    def _fs(self, url: str) -> tuple[Any, Any]:
        path = self.jvm.org.apache.hadoop.fs.Path(url)
        try:
            return path, path.getFileSystem(self.conf)
        except Exception as exc:  # Py4JJavaError: no connector for the scheme, bad authority...
            error = _java_error(exc)
            reason = missing_connector(url, error, self.hadoop_version())
            raise UnsupportedInput(reason or f"{printable_path(url)}: cannot be listed ({error})") from None

    def list(self, url: str, problems: list[tuple[str, str]]) -> list[UrlFound]:
        """The ingestible files under ``url`` (a file or a folder, walked recursively; hidden
        files and folders skipped, as locally), sorted as a local walk sorts them."""
        path, fs = self._fs(url)
        shown = printable_path(url)
        try:
            status = fs.getFileStatus(path)
        except Exception as exc:
            error = _java_error(exc)
            problems.append((shown, NO_SUCH if "FileNotFoundException" in error else f"unreadable ({error})"))
            return []
        if not status.isDirectory():
            name = str(status.getPath().getName())
            suffix = os.path.splitext(name)[1]
            if suffix and _kind(name) is None:
                problems.append((shown, f"unsupported file type {printable_path(suffix)!r}"))
                return []
            jpath = status.getPath()
            return [self._found(status, jpath, str(jpath.toUri().getPath()))]
        root = str(status.getPath().toUri().getPath()).rstrip("/")
        out: list[UrlFound] = []
        try:
            files = fs.listFiles(status.getPath(), True)
            while files.hasNext():  # a few gateway calls per file: ~1 ms each
                st = files.next()
                jpath = st.getPath()
                where = str(jpath.toUri().getPath())
                parts = where[len(root) :].strip("/").split("/")
                if any(p.startswith(".") for p in parts) or _kind(parts[-1]) is None:
                    continue
                out.append(self._found(st, jpath, where))
        except Exception as exc:
            problems.append((shown, f"folder not read ({_java_error(exc)})"))
        return sorted(out, key=lambda f: Path(f.given).parts)

    def _found(self, st: Any, jpath: Any, local: str) -> UrlFound:
        url = str(jpath.toString())
        given, real = _named(url, local)
        return UrlFound(given, real, url, int(st.getLen()), int(st.getModificationTime()) * 1_000_000)


def discover_inputs(
    spark: Any, paths: Sequence[str | Path], *, allowed_root: Path | None = None
) -> tuple[list[Found], list[tuple[str, str]]]:
    """:func:`extract.load.discover` for local paths, the Hadoop listing for URLs, in the order
    given (a file found twice is one document)."""
    found: list[Found] = []
    problems: list[tuple[str, str]] = []
    seen: set[Path] = set()
    lister: HadoopLister | None = None
    local: list[str | Path] = []

    def flush_local() -> None:
        if local:
            got, bad = discover(local, allowed_root=allowed_root)
            keep(got)
            problems.extend(bad)
            local.clear()

    def keep(files: Iterable[Found]) -> None:
        for f in files:
            if f.real not in seen:
                seen.add(f.real)
                found.append(f)

    for p in paths:
        if not is_url(p):
            local.append(p)
            continue
        flush_local()
        if allowed_root is not None:
            problems.append((printable_path(str(p)), "a URL lies outside the allowed folder"))
            continue
        lister = lister or HadoopLister(spark)
        keep(lister.list(str(p), problems))
    flush_local()
    return found, problems


# -- reading on the executors ---------------------------------------------------------------------


def url_stat(found: UrlFound, now_ns: int) -> FileStat:
    """What the listing said, as the store remembers a stat (a URL has no inode)."""
    return FileStat(found.size, found.mtime_ns, 0, now_ns)


def precheck(found: UrlFound, state: dict[str, Any]) -> Outcome | None:
    """The driver's part of reading ``found``: unchanged by its listing, or too large to read, or
    None when its bytes must be read."""
    known = state["known"].get(document_id(found.real))
    st = url_stat(found, state["now_ns"])
    if known is not None and not state["rehash"] and stat_unchanged(st, known.stat):
        return "unchanged", None, None
    if found.size > state["max_bytes"]:  # not read at all, with the reason a local read gives
        return "skipped", str(_too_large(found.size, state["max_bytes"])), None
    return None


def read_bytes(found: UrlFound, data: bytes, state: dict[str, Any]) -> Outcome:
    """What :func:`graph.build.ingest._read` does after reading a file, on bytes Spark read:
    compare with the stored hash, redact and parse; never raises."""
    st = url_stat(found, state["now_ns"])
    known = state["known"].get(document_id(found.real))
    load = partial(load_bytes, found, data, state["max_bytes"])
    return load_and_parse(found, load, known, st, state["file_budget_s"])


def _read_rows(shared: Any, by_url: Any, rows: Iterable[Any]) -> Iterator[tuple[str, Outcome]]:
    """One scan partition on an executor: each file's bytes → its outcome, keyed by URL."""
    state = shared.value[0]
    wanted = by_url.value
    for row in rows:
        found = wanted.get(row.path)
        if found is None:
            continue  # not one of ours (cannot happen unless a name does not round-trip)
        yield row.path, read_bytes(found, bytes(row.content), state)


def _escape(url: str) -> str:
    return "".join("\\" + c if c in GLOB_CHARS else c for c in url)


def read_urls(spark: Any, shared: Any, items: list[UrlFound]) -> list[Outcome]:
    """Outcomes of ``items`` in their order: the unchanged decided here, the rest read by Spark
    (``binaryFile``) and redacted and parsed where they were read."""
    state = shared.value[0]
    out: list[Outcome | None] = [precheck(f, state) for f in items]
    todo = {f.url: f for f, o in zip(items, out, strict=True) if o is None}
    got: dict[str, Outcome] = {}
    empty = {u: f for u, f in todo.items() if f.size == 0}  # no bytes to read: said here, as locally
    got |= {u: read_bytes(f, b"", state) for u, f in empty.items()}
    rest = [u for u in todo if u not in empty]
    if rest:
        sc = spark.sparkContext
        by_url = sc.broadcast({u: todo[u] for u in rest})
        try:
            frame = (
                spark.read.format("binaryFile")
                .option("ignoreMissingFiles", "true")
                .load([_escape(u) for u in rest])
            )
            got |= dict(frame.rdd.mapPartitions(partial(_read_rows, shared, by_url)).collect())
        finally:
            by_url.destroy()
    result: list[Outcome] = []
    for f, o in zip(items, out, strict=True):
        result.append(o if o is not None else got.get(f.url, ("failed", NO_SUCH, None)))
    return result


def removal_paths(spark: Any, paths: Sequence[str | Path], stored: Iterable[str]) -> list[str | Path]:
    """What :func:`graph.build.ingest.remove_paths` should remove for ``paths``: local paths as
    given, a ``file:`` URL as its local path, any other URL as the stored documents it names (the
    URL qualified by Hadoop, so ``hdfs://nn/x`` finds ``hdfs://nn:8020/x/a.md``)."""
    out: list[str | Path] = []
    urls: list[str] = []
    for p in paths:
        if not is_url(p):
            out.append(p)
        elif _scheme(str(p)) == "file":
            out.append(unquote(urlparse(str(p)).path))
        else:
            urls.append(str(p))
    if urls:
        lister = HadoopLister(spark)
        prefixes = [
            str(lister._fs(u)[1].makeQualified(lister.jvm.org.apache.hadoop.fs.Path(u))) for u in urls
        ]
        for path in stored:
            if any(path == q or path.startswith(q.rstrip("/") + "/") for q in prefixes):
                out.append(path)
    return out
