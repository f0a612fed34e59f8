"""Against a real Neo4j: removing a document from the workspace removes it from the graph."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_integration_sync_queries import expected_counts, neo_counts  # type: ignore[import-not-found]

from graph.build.ingest import remove_paths
from graph.neo4j.client import connect
from graph.neo4j.sync import sync_workspace
from graph.settings import Settings
from graph.store import open_store

pytestmark = pytest.mark.integration


def test_removed_document_disappears_from_neo4j(
    ws_copy: Path, corpus_workspace: Path, neo4j_settings: Settings
) -> None:
    settings = neo4j_settings.replace(workspace=ws_copy)
    try:
        with open_store(ws_copy, readonly=True) as store:
            sync_workspace(store, settings, progress=False)
            docs = store.documents()
            entity_docs = store.entity_doc_ids()
            victim = max(docs, key=lambda d: sum(1 for ds in entity_docs.values() if ds == (d.id,)))
            chunk_ids = {c.id for c in store.chunks(victim.id)}
            only_there = {e for e, ds in entity_docs.items() if ds == (victim.id,)}
        assert chunk_ids and only_there, "pick a document that has entities of its own"
        with connect(settings) as d:
            its_mentions = d.execute_query(
                "MATCH (c:Chunk)-[m:MENTIONS]->() WHERE c.id IN $ids RETURN count(m) AS n",
                ids=list(chunk_ids),
                database_=settings.neo4j_database,
            ).records[0]["n"]
        report = remove_paths([victim.path], settings.replace(neo4j_uri=""))
        assert report.removed == 1
        with open_store(ws_copy, readonly=True) as store:
            sync = sync_workspace(store, settings, progress=False)
            assert neo_counts(settings) == expected_counts(store)
        # Exactly its rows: the document, its chunks, the links to them and their mentions.
        assert sync.removed["Document"] == 1 and sync.removed["Chunk"] == len(chunk_ids)
        assert sync.removed["HAS_CHUNK"] == len(chunk_ids) and sync.removed["MENTIONS"] == its_mentions
        assert sync.removed["Entity"] >= len(only_there)
        with connect(settings) as d:
            left = d.execute_query(
                "MATCH (n) WHERE n.id IN $ids RETURN count(n) AS c",
                ids=[victim.id, *chunk_ids, *only_there],
                database_=settings.neo4j_database,
            ).records[0]["c"]
        assert left == 0
        with open_store(ws_copy, readonly=True) as store:
            again = sync_workspace(store, settings, progress=False)
        assert again.removed == {} and again.created == {}
    finally:  # leave the shared database holding the corpus for other modules
        with open_store(corpus_workspace, readonly=True) as store:
            sync_workspace(store, neo4j_settings, progress=False)


def test_type_change_moves_the_type_label(
    ws_copy: Path, corpus_workspace: Path, neo4j_settings: Settings
) -> None:
    settings = neo4j_settings.replace(workspace=ws_copy)

    def retype(entity_id: str, etype: str) -> list[str]:
        """Re-type one entity in the workspace, sync, and return its labels in Neo4j."""
        with open_store(ws_copy) as store, store.transaction():
            store.conn.execute("UPDATE entities SET type = ? WHERE id = ?", (etype, entity_id))
        with open_store(ws_copy, readonly=True) as store:
            # Edited behind zhkg's back (no new generation): the full comparison catches it.
            sync_workspace(store, settings, progress=False, full=True)
            assert neo_counts(settings) == expected_counts(store)
        with connect(settings) as d:
            return sorted(
                d.execute_query(
                    "MATCH (e:Entity {id: $id}) RETURN labels(e) AS l",
                    id=entity_id,
                    database_=settings.neo4j_database,
                ).records[0]["l"]
            )

    try:
        with open_store(ws_copy) as store:
            ent = next(e for e in store.entities() if e.type.value == "MODEL")
        assert retype(ent.id, "TOOL") == ["Entity", "Tool"]
        assert retype(ent.id, "DATASET") == ["Dataset", "Entity"]  # and to the seventh type
    finally:
        with open_store(corpus_workspace, readonly=True) as store:
            sync_workspace(store, neo4j_settings, progress=False)
