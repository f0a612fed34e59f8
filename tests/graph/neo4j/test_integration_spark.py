"""Against a real Neo4j: ``zhkg ingest --engine spark --to neo4j`` leaves Neo4j holding what a
local ingest followed by ``zhkg sync neo4j`` leaves there, with the batches committed by the Spark
executors, and again after an edit and a removal (an incremental sync from the executors)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from spark_local import jobs_run, local_spark
from test_integration_sync_queries import neo_counts  # type: ignore[import-not-found]

from graph import api
from graph.build.spark import SparkOptions, remove_spark
from graph.neo4j.client import Neo4jUnavailable, connect
from graph.settings import Settings, load_settings
from graph.store import open_store

pytestmark = pytest.mark.integration

CORPUS = Path(__file__).resolve().parents[3] / "examples" / "corpus"
EDITED = "blog/blog-ollama-local-llm-intro.md"
REMOVED = "vllm-serving-a100.md"


def _wipe(settings: Settings) -> None:
    with connect(settings) as driver:
        driver.execute_query("MATCH (n) DETACH DELETE n", database_=settings.neo4j_database)


def _local_then_sync(corpus: Path, local: Settings) -> dict[str, int]:
    """Neo4j's counts after a local ingest of ``corpus`` and a full ``zhkg sync neo4j``."""
    api.ingest([corpus], local.replace(neo4j_uri=""), progress=lambda *_: None, index=False)
    _wipe(local)
    api.sync_neo4j(local, progress=False, full=True)
    counts: dict[str, int] = neo_counts(local)
    return counts


def test_spark_to_neo4j_counts_equal_local_ingest_then_sync(neo4j_settings: Settings, tmp_path: Path) -> None:
    spark = local_spark()
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    local = neo4j_settings.replace(workspace=tmp_path / "ws-local")
    want = _local_then_sync(corpus, local)
    assert want["Document"] > 30 and want["MENTIONS"] > 0 and want["HAS_CHUNK"] > 0

    _wipe(neo4j_settings)
    assert neo_counts(local) == {}
    distributed = neo4j_settings.replace(workspace=tmp_path / "ws-spark")
    jobs = jobs_run(spark)
    done = api.ingest(
        [corpus], distributed, progress=lambda *_: None, index=False, engine="spark", to="neo4j"
    )
    assert jobs_run(spark) > jobs
    assert done.neo4j.startswith("synced to Neo4j") and "committed by the executors" in done.neo4j
    assert done.ingested == want["Document"]
    assert neo_counts(distributed) == want

    # One file edited, one removed: the next --to neo4j syncs the change from the executors.
    with (corpus / EDITED).open("a", encoding="utf-8") as fh:
        fh.write("\n\n## 補充\n\n後來我們改用 vLLM 在 RTX 4090 上部署 Qwen2.5，並用 LangChain 串接。\n")
    (corpus / REMOVED).unlink()
    assert remove_spark([corpus / REMOVED], distributed.replace(neo4j_uri=""), SparkOptions()).removed == 1
    again = api.ingest(
        [corpus], distributed, progress=lambda *_: None, index=False, engine="spark", to="neo4j"
    )
    assert again.ingested == 1 and "committed by the executors" in again.neo4j
    got = neo_counts(distributed)
    assert got["Document"] == want["Document"] - 1

    assert api.remove([corpus / REMOVED], local.replace(neo4j_uri=""), index=False).removed == 1
    assert _local_then_sync(corpus, local) == got


def test_spark_to_neo4j_with_the_server_down_is_one_line_and_keeps_the_workspace(
    tmp_path: Path, unused_port: int
) -> None:
    local_spark()
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS / "blog", corpus)
    overrides = {
        "workspace": tmp_path / "ws",
        "neo4j_uri": f"bolt://127.0.0.1:{unused_port}",
        "neo4j_password": "pw-" + "x" * 12,
        "neo4j_timeout_s": 2.0,
    }
    down = load_settings(env={}, overrides=overrides)
    with pytest.raises(Neo4jUnavailable) as err:
        api.ingest([corpus], down, progress=lambda *_: None, index=False, engine="spark", to="neo4j")
    assert "\n" not in str(err.value) and "unreachable" in str(err.value)
    assert down.neo4j_password not in str(err.value)
    with open_store(down.workspace, readonly=True) as store:  # the ingest itself committed
        assert len(store.documents()) == 6
