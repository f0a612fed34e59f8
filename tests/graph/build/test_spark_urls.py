"""Hadoop URL inputs: listed through Hadoop on the driver, read, redacted and parsed on the executors.

A ``file://`` URL goes through the very path an ``hdfs://`` or ``s3a://`` URL takes (the Hadoop
FileSystem listing, the ``binaryFile`` read, :func:`extract.load.load_bytes` on the executor):
only the file system differs. ``hdfs://`` and ``s3a://`` themselves cannot be tested here (no
cluster, no object store); a scheme whose connector this Spark lacks is checked to fail with one
line naming it.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path
from typing import Any

import pytest
from spark_local import CORPUS, EDITED, REMOVED, SECRET, export_of, local_spark, outcome, settings_for

import graph.build.spark as engine
import graph.build.spark_read as spark_read
from graph import api
from graph.build.spark import SparkOptions, UnsupportedInput, remove_spark
from graph.cli.main import main

pytestmark = pytest.mark.integration

ODD_NAME = "筆記 [草稿] #1.md"  # a space, brackets (Hadoop glob syntax) and Chinese in one name


@pytest.fixture(scope="module")
def spark() -> Any:
    return local_spark()


class Spy:
    """Counts what went through the Hadoop path: files listed, and files whose bytes Spark read."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.listed = 0
        self.read = 0
        real_read, real_check = spark_read.read_urls, spark_read.precheck

        def read_urls(spark: Any, shared: Any, items: list[Any]) -> Any:
            self.listed += len(items)
            return real_read(spark, shared, items)

        def precheck(found: Any, state: dict[str, Any]) -> Any:
            out = real_check(found, state)
            self.read += out is None
            return out

        monkeypatch.setattr(engine, "read_urls", read_urls)
        monkeypatch.setattr(spark_read, "precheck", precheck)

    def reset(self) -> None:
        self.listed = self.read = 0


def _corpus(tmp_path: Path) -> Path:
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    (corpus / "broken.md").write_bytes(b"# title\n\x00\x01\x02 not text at all \x00" * 20)
    (corpus / "blog" / "key-note.md").write_text(
        f"# 部署筆記\n\n我們用 Ollama 跑 Llama 3，API 金鑰是 {SECRET} 請勿外流。\n", encoding="utf-8"
    )
    (corpus / "blog" / ODD_NAME).write_text(
        "# 草稿\n\n用 vLLM 部署 Qwen2.5 的筆記，之後再整理。\n", encoding="utf-8"
    )
    (corpus / "empty.md").write_bytes(b"")
    hour_ago = time.time() - 3600  # not modified "just now": the stat alone decides next time
    for p in corpus.rglob("*"):
        os.utime(p, (hour_ago, hour_ago))
    return corpus


def test_file_url_through_hadoop_equals_a_local_ingest_then_after_an_edit_and_a_removal(
    spark: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = _corpus(tmp_path)
    url = corpus.as_uri()  # file:///…/corpus
    local, distributed = settings_for(tmp_path / "ws-local"), settings_for(tmp_path / "ws-url")
    spy = Spy(monkeypatch)

    a = api.ingest([corpus], local, progress=lambda *_: None, index=False)
    b = api.ingest([url], distributed, progress=lambda *_: None, index=False, engine="spark", partitions=3)
    n_files = a.ingested + a.unchanged + len(a.skipped) + len(a.failed)
    assert spy.listed == spy.read == n_files  # every file listed and read through Hadoop
    assert outcome(a) == outcome(b) and a.ingested > 30 and not b.failed
    assert any(p.endswith("broken.md") and "binary" in reason for p, reason in b.skipped)
    assert any(p.endswith("empty.md") and reason == "empty file" for p, reason in b.skipped)
    assert any(p.endswith("key-note.md") and kind == "openai_key" for p, _, kind in b.redactions)
    first = export_of(local)
    assert export_of(distributed) == first
    assert any(d["path"].endswith(ODD_NAME) for d in first["documents"])
    held = b"".join(p.read_bytes() for p in (tmp_path / "ws-url").rglob("*") if p.is_file())
    assert SECRET.encode() not in held  # redacted on the executor that read it

    # Nothing changed: every file is listed, none is read again but the two skipped ones (a
    # skipped file is not stored, so it is looked at every time, as locally).
    spy.reset()
    skipped = len(a.skipped)
    b = api.ingest([url], distributed, progress=lambda *_: None, index=False, engine="spark")
    assert spy.listed == n_files and spy.read == skipped == 2
    assert b.ingested == 0 and b.unchanged == a.ingested

    # One file edited, one removed (by its file:// URL): only the edited file is read.
    with (corpus / EDITED).open("a", encoding="utf-8") as fh:
        fh.write("\n\n## 補充\n\n後來我們改用 vLLM 在 RTX 4090 上部署 Qwen2.5，並用 LangChain 串接。\n")
    (corpus / REMOVED).unlink()
    assert api.remove([corpus / REMOVED], local, index=False).removed == 1
    assert remove_spark([(corpus / REMOVED).as_uri()], distributed, SparkOptions()).removed == 1
    spy.reset()
    a = api.ingest([corpus], local, progress=lambda *_: None, index=False)
    b = api.ingest([url], distributed, progress=lambda *_: None, index=False, engine="spark")
    assert spy.read == 1 + skipped and b.ingested == 1
    assert outcome(a) == outcome(b)
    second = export_of(local)
    assert export_of(distributed) == second and second != first


def test_a_missing_url_fails_and_a_missing_connector_is_one_line(
    spark: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = settings_for(tmp_path / "ws")
    gone = (tmp_path / "nowhere").as_uri()
    report = api.ingest([gone], settings, progress=lambda *_: None, index=False, engine="spark")
    assert report.failed == [(gone, "no such file or folder")] and report.ingested == 0

    with pytest.raises(UnsupportedInput, match=r"s3a://bucket/notes: .*hadoop-aws") as err:
        api.ingest(["s3a://bucket/notes"], settings, index=False, engine="spark")
    assert "\n" not in str(err.value)

    code = main(["-w", str(tmp_path / "ws2"), "ingest", "--no-index", "--engine", "spark", "gs://b/x"])
    out = capsys.readouterr().err.strip()
    assert code == 1 and out.count("\n") == 0 and "gcs-connector" in out and "Traceback" not in out
