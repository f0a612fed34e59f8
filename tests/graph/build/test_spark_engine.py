"""``zhkg ingest --engine spark`` ends with the workspace a local ingest writes.

The same corpus (the sample corpus plus a malformed file and a file holding a secret) is
ingested by the local engine and by Spark (``local[2]``, a real JVM) into two workspaces, and
their exports must be identical: documents, entities with aliases and types, relations with
evidence, communities. Then one file is edited and one removed, both workspaces are brought up
to date, and the exports must again be identical (and different from before).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from spark_local import (
    CORPUS,
    EDITED,
    REMOVED,
    SECRET,
    export_of,
    jobs_run,
    local_spark,
    outcome,
    settings_for,
)

from graph import api
from graph.build.ingest import IngestReport
from graph.build.spark import SparkOptions, remove_spark
from graph.settings import Settings

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def spark() -> Any:
    return local_spark()


def _both(corpus: Path, local: Settings, distributed: Settings) -> tuple[IngestReport, IngestReport]:
    a = api.ingest([corpus], local, progress=lambda *_: None, index=False)
    b = api.ingest([corpus], distributed, progress=lambda *_: None, index=False, engine="spark", partitions=3)
    return a, b


def test_spark_ingest_equals_local_ingest_then_after_an_edit_and_a_removal(
    spark: Any, tmp_path: Path
) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    (corpus / "broken.md").write_bytes(b"# title\n\x00\x01\x02 not text at all \x00" * 20)
    (corpus / "blog" / "key-note.md").write_text(
        f"# 部署筆記\n\n我們用 Ollama 跑 Llama 3，API 金鑰是 {SECRET} 請勿外流。\n", encoding="utf-8"
    )
    local, distributed = settings_for(tmp_path / "ws-local"), settings_for(tmp_path / "ws-spark")

    jobs_before = jobs_run(spark)
    a, b = _both(corpus, local, distributed)
    assert jobs_run(spark) > jobs_before  # the per-document work really went through Spark
    assert outcome(a) == outcome(b)
    assert a.ingested > 30 and not a.failed
    assert any(p.endswith("broken.md") and "binary" in reason for p, reason in b.skipped)
    assert any(p.endswith("key-note.md") and kind == "openai_key" for p, _, kind in b.redactions)

    first = export_of(local)
    assert export_of(distributed) == first
    assert first["entities"] and first["relations"] and first["communities"]
    assert any(e["aliases"] for e in first["entities"]) and any(r["evidence"] for r in first["relations"])
    for ws in (tmp_path / "ws-local", tmp_path / "ws-spark"):
        held = b"".join(p.read_bytes() for p in ws.rglob("*") if p.is_file())
        assert SECRET.encode() not in held  # redacted on the executors, never stored

    # Incremental: nothing changed, nothing is read again by either engine.
    a, b = _both(corpus, local, distributed)
    assert outcome(a) == outcome(b) and b.ingested == 0 and b.unchanged == a.unchanged > 30

    # One file edited, one removed: both workspaces end the same again, and not as before.
    with (corpus / EDITED).open("a", encoding="utf-8") as fh:
        fh.write("\n\n## 補充\n\n後來我們改用 vLLM 在 RTX 4090 上部署 Qwen2.5，並用 LangChain 串接。\n")
    (corpus / REMOVED).unlink()
    gone_a = api.remove([corpus / REMOVED], local, index=False)
    gone_b = remove_spark([corpus / REMOVED], distributed, SparkOptions())
    assert gone_a.removed == gone_b.removed == 1
    a, b = _both(corpus, local, distributed)
    assert outcome(a) == outcome(b) and b.ingested == 1
    second = export_of(local)
    assert export_of(distributed) == second
    assert second != first
    assert not any(d["path"].endswith(REMOVED) for d in second["documents"])
    assert len(second["documents"]) == len(first["documents"]) - 1


def test_ckip_runs_on_the_executors_and_gives_the_local_result(spark: Any, tmp_path: Path) -> None:
    """CKIP (tiny random models of the real shape, on CPU) loads in the executors' Python workers,
    not on the driver, and the workspace still equals a local CKIP ingest's."""
    from bench.ckip_models import build_all

    models = build_all(tmp_path / "ckip")
    corpus = tmp_path / "blog"
    shutil.copytree(CORPUS / "blog", corpus)
    ckip = {
        "ckip": True,
        "ckip_ws_model": str(models["ws"]),
        "ckip_pos_model": str(models["pos"]),
        "ckip_ner_model": str(models["ner"]),
        "device": "cpu",
    }
    local = settings_for(tmp_path / "ws-local").replace(**ckip)
    distributed = settings_for(tmp_path / "ws-spark").replace(**ckip)
    a, b = _both(corpus, local, distributed)
    assert a.ckip_status.startswith("loaded") and b.ckip_status == "on the Spark executors"
    assert outcome(a) == outcome(b) and b.ingested == 6
    data = export_of(local)
    assert any("ckip" in e["extractors"] for e in data["entities"])
    assert export_of(distributed) == data
