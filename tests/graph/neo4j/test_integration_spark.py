"""Against a real Neo4j: ``zhkg ingest --engine spark --to neo4j`` leaves Neo4j holding what a
local ingest followed by ``zhkg sync neo4j`` leaves there."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from spark_local import jobs_run, local_spark
from test_integration_sync_queries import neo_counts  # type: ignore[import-not-found]

from graph import api
from graph.neo4j.client import connect
from graph.settings import Settings

pytestmark = pytest.mark.integration

CORPUS = Path(__file__).resolve().parents[3] / "examples" / "corpus"


def _wipe(settings: Settings) -> None:
    with connect(settings) as driver:
        driver.execute_query("MATCH (n) DETACH DELETE n", database_=settings.neo4j_database)


def test_spark_to_neo4j_counts_equal_local_ingest_then_sync(neo4j_settings: Settings, tmp_path: Path) -> None:
    spark = local_spark()
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    local = neo4j_settings.replace(workspace=tmp_path / "ws-local")
    report = api.ingest([corpus], local.replace(neo4j_uri=""), progress=lambda *_: None, index=False)
    assert report.ingested > 30 and not report.failed
    _wipe(neo4j_settings)
    api.sync_neo4j(local, progress=False)
    want = neo_counts(local)
    assert want["Document"] == report.ingested and want["MENTIONS"] > 0

    _wipe(neo4j_settings)
    assert neo_counts(local) == {}
    distributed = neo4j_settings.replace(workspace=tmp_path / "ws-spark")
    jobs = jobs_run(spark)
    done = api.ingest(
        [corpus], distributed, progress=lambda *_: None, index=False, engine="spark", to="neo4j"
    )
    assert jobs_run(spark) > jobs
    assert done.neo4j.startswith("synced to Neo4j") and done.ingested == report.ingested
    assert neo_counts(distributed) == want
