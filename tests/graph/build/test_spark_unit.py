"""The Spark engine's refusals, checked without starting a JVM: a missing PySpark or Java, URLs
the engine cannot read, and options that cannot work all fail with one line saying what to do."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from graph import api
from graph.build.spark import SparkUnavailable, UnsupportedInput, local_path, require_java
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
    assert local_path("file:///srv/notes") == "/srv/notes"
    assert local_path("file://localhost/srv/a%20b") == "/srv/a b"
    assert local_path(tmp_path) == tmp_path
    with pytest.raises(UnsupportedInput, match="local path"):
        local_path("file://otherhost/srv/notes")
    with pytest.raises(UnsupportedInput, match="hdfs://nn/corpus"):
        local_path("hdfs://nn/corpus")
    settings = load_settings(env={}, overrides={"workspace": tmp_path / "ws"})
    with pytest.raises(api.BadIngestTarget, match="--engine spark"):
        api.ingest(["s3a://bucket/notes"], settings, index=False)
    with pytest.raises(UnsupportedInput):  # refused before Spark starts
        api.ingest(["s3a://bucket/notes"], settings, index=False, engine="spark")


def test_to_neo4j_needs_a_configured_server(tmp_path: Path) -> None:
    settings = load_settings(env={}, overrides={"workspace": tmp_path / "ws", "neo4j_uri": ""})
    with pytest.raises(api.BadIngestTarget, match="ZHKG_NEO4J_URI"):
        api.ingest([CORPUS], settings, to="neo4j", index=False)
    with pytest.raises(api.BadIngestTarget, match="unknown engine"):
        api.ingest([CORPUS], settings, engine="ray", index=False)
    assert not (tmp_path / "ws").exists()
