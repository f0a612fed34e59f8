"""Against a real Neo4j: a full sync after changing one document writes only that document's rows."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_integration_sync_queries import expected_counts, neo_counts  # type: ignore[import-not-found]

from graph.neo4j.client import connect
from graph.neo4j.sync import sync_workspace
from graph.settings import Settings
from graph.store import open_store

pytestmark = pytest.mark.integration


def test_changing_one_document_writes_only_its_rows(
    ws_copy: Path, corpus_workspace: Path, neo4j_settings: Settings
) -> None:
    settings = neo4j_settings.replace(workspace=ws_copy)
    try:
        with open_store(ws_copy, readonly=True) as store:
            sync_workspace(store, settings, progress=False)
            unchanged = sync_workspace(store, settings, progress=False)
            assert unchanged.written == {} and unchanged.removed == {} and unchanged.created == {}
            doc = store.documents()[0]
            chunks = store.chunks(doc.id)
        assert chunks
        with open_store(ws_copy) as store, store.transaction():
            # The document's metadata, every chunk's section, and all mentions in one of its chunks.
            store.conn.execute("UPDATE documents SET title = title || ' (rev. 2)' WHERE id = ?", (doc.id,))
            store.conn.execute("UPDATE chunks SET section = 'changed' WHERE doc_id = ?", (doc.id,))
            victim = next(
                (
                    cid
                    for (cid,) in store.conn.execute(
                        "SELECT DISTINCT m.chunk_id FROM mentions m JOIN entity_keys ek ON ek.key = m.key"
                        " JOIN chunks c ON c.id = m.chunk_id WHERE c.doc_id = ? ORDER BY m.chunk_id",
                        (doc.id,),
                    )
                ),
                None,
            )
            assert victim, "the first document should mention some entity"
            lost = store.conn.execute(
                "SELECT COUNT(DISTINCT ek.entity_id) FROM mentions m JOIN entity_keys ek ON ek.key = m.key"
                " JOIN entities e ON e.id = ek.entity_id WHERE m.chunk_id = ?",
                (victim,),
            ).fetchone()[0]
            store.conn.execute("DELETE FROM mentions WHERE chunk_id = ?", (victim,))
        with open_store(ws_copy, readonly=True) as store:
            # Edited behind zhkg's back (no change log, no new generation): only the full comparison
            # sees it; the default sync goes by the change log (test_integration_changelog.py).
            assert sync_workspace(store, settings, progress=False).rows == 0
            report = sync_workspace(store, settings, progress=False, full=True)
            assert neo_counts(settings) == expected_counts(store)
        assert report.written == {"Document": 1, "Chunk": len(chunks)}
        assert report.removed == {"MENTIONS": lost} and report.created == {}
        with connect(settings) as d:
            rec = d.execute_query(
                "MATCH (d:Document {id: $id})-[:HAS_CHUNK]->(c:Chunk) RETURN d.title AS t,"
                " collect(DISTINCT c.section) AS s, count { MATCH (:Chunk {id: $v})-[:MENTIONS]->() } AS m",
                id=doc.id,
                v=victim,
                database_=settings.neo4j_database,
            ).records[0]
        assert rec["t"] == doc.title + " (rev. 2)" and rec["s"] == ["changed"] and rec["m"] == 0
        with open_store(ws_copy, readonly=True) as store:
            again = sync_workspace(store, settings, progress=False, full=True)
        assert again.written == {} and again.removed == {} and again.created == {}
    finally:  # leave the shared database holding the corpus for other modules
        with open_store(corpus_workspace, readonly=True) as store:
            sync_workspace(store, neo4j_settings, progress=False)
