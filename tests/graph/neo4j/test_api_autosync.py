"""`zhkg ingest`/`remove` mirror the workspace into Neo4j when it is configured, and never fail
because Neo4j is down: the workspace is the source of truth."""

from pathlib import Path

import pytest

from graph.api import ingest as ingest_paths
from graph.api import remove as remove_paths
from graph.neo4j.client import connect
from graph.settings import Settings, load_settings
from graph.store import open_store


def _documents_in_neo4j(settings: Settings) -> set[str]:
    with connect(settings) as driver:
        records, _, _ = driver.execute_query(
            "MATCH (d:Document) RETURN d.id AS id", database_=settings.neo4j_database
        )
    return {r["id"] for r in records}


def test_ingest_with_neo4j_down_succeeds_and_says_so(
    tmp_path: Path, corpus_dir: Path, unused_port: int
) -> None:
    settings = load_settings(
        env={},
        overrides={
            "workspace": tmp_path / "ws",
            "neo4j_uri": f"bolt://127.0.0.1:{unused_port}",
            "neo4j_password": "not-used-here",
            "neo4j_timeout_s": 3.0,
        },
    )
    report = ingest_paths([corpus_dir / "blog"], settings)
    assert report.ingested == 6 and not report.failed
    assert report.neo4j.startswith("Neo4j sync skipped") and "zhkg sync neo4j" in report.neo4j
    assert "\n" not in report.neo4j and "not-used-here" not in report.neo4j
    with open_store(settings.workspace, readonly=True) as store:
        assert store.stats()["documents"] == 6


@pytest.mark.integration
def test_ingest_and_remove_sync_automatically(
    tmp_path: Path, corpus_dir: Path, neo4j_settings: Settings
) -> None:
    settings = neo4j_settings.replace(workspace=tmp_path / "ws")
    report = ingest_paths([corpus_dir / "blog"], settings)
    assert report.neo4j.startswith("synced to Neo4j"), report.neo4j
    with open_store(settings.workspace, readonly=True) as store:
        docs = {d.id: d.path for d in store.documents()}
    assert _documents_in_neo4j(settings) == set(docs)
    victim_id, victim_path = sorted(docs.items())[0]
    removed = remove_paths([victim_path], settings)
    assert removed.removed == 1 and removed.neo4j.startswith("synced to Neo4j")
    assert _documents_in_neo4j(settings) == set(docs) - {victim_id}


@pytest.mark.integration
def test_note_links_reach_neo4j_as_links_to(tmp_path: Path, neo4j_settings: Settings) -> None:
    notes = Path(__file__).resolve().parents[3] / "examples" / "obsidian"
    settings = neo4j_settings.replace(workspace=tmp_path / "ws")
    report = ingest_paths([notes], settings)
    assert report.ingested == 7 and report.neo4j.startswith("synced to Neo4j"), report.neo4j
    with open_store(settings.workspace, readonly=True) as store:
        wanted = set(store.doc_links())
    assert len(wanted) >= 5
    with connect(settings) as driver:
        records, _, _ = driver.execute_query(
            "MATCH (a:Document)-[:LINKS_TO]->(b:Document) RETURN a.id AS a, b.id AS b",
            database_=settings.neo4j_database,
        )
    assert {(r["a"], r["b"]) for r in records} == wanted
