"""The Spark engine's refusals and URL naming, checked without starting a JVM: a missing PySpark
or Java, a URL whose connector is missing, and options that cannot work all fail with one line
saying what to do."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from graph import api
from graph.build.spark import SparkUnavailable, is_url, require_java
from graph.build.spark_read import _escape, _named, missing_connector
from graph.cli.main import main
from graph.settings import load_settings

CORPUS = Path(__file__).resolve().parents[3] / "examples" / "corpus"


def test_missing_pyspark_names_the_install_line(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "pyspark", None)  # `import pyspark` now raises ImportError
    settings = load_settings(env={}, overrides={"workspace": tmp_path / "ws"})
    with pytest.raises(SparkUnavailable, match=r"pip install 'zhkg\[spark\]'"):
        api.ingest([CORPUS], settings, engine="spark", index=False)
    assert not (tmp_path / "ws").exists()  # refused before anything was written


def test_cli_prints_the_missing_pyspark_error_as_one_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "pyspark", None)
    code = main(["-w", str(tmp_path / "ws"), "ingest", "--engine", "spark", str(CORPUS)])
    err = capsys.readouterr().err.strip()
    assert code == 1
    assert err.count("\n") == 0 and "pip install 'zhkg[spark]'" in err and "Traceback" not in err


def test_missing_java_is_refused_with_the_reason(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty folder: no java on it
    with pytest.raises(SparkUnavailable, match=r"needs Java 17.*pip install 'zhkg\[spark\]'"):
        require_java()
    monkeypatch.setenv("JAVA_HOME", str(tmp_path))
    with pytest.raises(SparkUnavailable, match="has no bin/java"):
        require_java()


def test_urls(tmp_path: Path) -> None:
    assert is_url("hdfs://nn/corpus") and is_url("file:///srv/notes") and is_url("s3a://b/k")
    assert not is_url(tmp_path) and not is_url("notes/file.md")
    # A file: URL is named as a local ingest names the file; any other URL by itself.
    assert _named("file:/srv/a b #1.md", "/srv/a b #1.md") == (
        "/srv/a b #1.md",
        Path(os.path.realpath("/srv/a b #1.md")),
    )
    assert _named("hdfs://nn:8020/c/a.md", "/c/a.md")[0] == "hdfs://nn:8020/c/a.md"
    assert _escape("file:/c/筆記 [1]{x}*.md") == "file:/c/筆記 \\[1\\]\\{x\\}\\*.md"
    settings = load_settings(env={}, overrides={"workspace": tmp_path / "ws"})
    with pytest.raises(api.BadIngestTarget, match="--engine spark"):
        api.ingest(["s3a://bucket/notes"], settings, index=False)
    assert not (tmp_path / "ws").exists()


def test_a_missing_connector_is_named_in_one_line() -> None:
    java = (
        "java.lang.RuntimeException: java.lang.ClassNotFoundException:"
        " Class org.apache.hadoop.fs.s3a.S3AFileSystem not found"
    )
    line = missing_connector("s3a://bucket/notes", java, "3.4.1")
    assert line is not None and "\n" not in line
    assert line.startswith("s3a://bucket/notes: this Spark cannot read s3a:// URLs")
    assert "org.apache.hadoop:hadoop-aws:3.4.1" in line
    scheme = 'org.apache.hadoop.fs.UnsupportedFileSystemException: No FileSystem for scheme "gs"'
    assert "gcs-connector" in (missing_connector("gs://b/x", scheme, "") or "")
    assert missing_connector("hdfs://nn/x", "java.net.ConnectException: Connection refused", "3.4.1") is None


def test_to_neo4j_needs_a_configured_server(tmp_path: Path) -> None:
    settings = load_settings(env={}, overrides={"workspace": tmp_path / "ws", "neo4j_uri": ""})
    with pytest.raises(api.BadIngestTarget, match="ZHKG_NEO4J_URI"):
        api.ingest([CORPUS], settings, to="neo4j", index=False)
    with pytest.raises(api.BadIngestTarget, match="unknown engine"):
        api.ingest([CORPUS], settings, engine="ray", index=False)
    assert not (tmp_path / "ws").exists()
