"""Constraints and indexes of the zhkg graph in Neo4j, created idempotently.

Every statement uses ``IF NOT EXISTS`` so schema creation can run before every
sync. Full-text indexes use Lucene's ``cjk`` analyzer (bigrams over Han
characters), which is what makes a search for 「語言模型」 find 「大型語言模型」
without a Chinese word segmenter in the server.
"""

from __future__ import annotations

import logging
from functools import partial

import neo4j

from extract.records import RelationType
from graph.neo4j.client import with_retries
from graph.settings import Settings

log = logging.getLogger(__name__)

#: Node labels zhkg owns, each with a unique ``id`` property.
NODE_LABELS = ("Document", "Chunk", "Entity", "Community")

ENTITY_FULLTEXT = "entity_names"
CHUNK_FULLTEXT = "chunk_text"
CHUNK_VECTOR = "chunk_embedding"


def schema_statements(settings: Settings) -> list[str]:
    """The Cypher statements that create the schema for ``settings`` (pure; for tests and docs)."""
    out = [
        f"CREATE CONSTRAINT {label.lower()}_id IF NOT EXISTS FOR (n:{label}) REQUIRE n.id IS UNIQUE"
        for label in NODE_LABELS
    ]
    out.append("CREATE INDEX entity_name IF NOT EXISTS FOR (n:Entity) ON (n.name)")
    out.append("CREATE INDEX entity_type IF NOT EXISTS FOR (n:Entity) ON (n.type)")
    out.append("CREATE INDEX chunk_doc IF NOT EXISTS FOR (n:Chunk) ON (n.doc_id)")
    # Relationship ids are looked up when a relation disappears from the workspace.
    out.extend(
        f"CREATE INDEX rel_{t.value.lower()}_id IF NOT EXISTS FOR ()-[r:{t.value}]-() ON (r.id)"
        for t in RelationType
    )
    out.append(
        f"CREATE FULLTEXT INDEX {ENTITY_FULLTEXT} IF NOT EXISTS FOR (n:Entity) ON EACH [n.name, n.alias_text]"
        " OPTIONS {indexConfig: {`fulltext.analyzer`: 'cjk', `fulltext.eventually_consistent`: false}}"
    )
    out.append(
        f"CREATE FULLTEXT INDEX {CHUNK_FULLTEXT} IF NOT EXISTS FOR (n:Chunk) ON EACH [n.text]"
        " OPTIONS {indexConfig: {`fulltext.analyzer`: 'cjk', `fulltext.eventually_consistent`: false}}"
    )
    if settings.embedding_model:
        # Dimensions are left to the first vectors written (allowed since Neo4j 5.23), so the
        # schema does not need to know the embedding model's size.
        out.append(
            f"CREATE VECTOR INDEX {CHUNK_VECTOR} IF NOT EXISTS FOR (n:Chunk) ON n.embedding"
            " OPTIONS {indexConfig: {`vector.similarity_function`: 'cosine'}}"
        )
    return out


def ensure_schema(driver: neo4j.Driver, settings: Settings, *, await_s: int = 120) -> list[str]:
    """Create missing constraints and indexes, wait until they are online; returns the statements run."""
    statements = schema_statements(settings)
    for stmt in statements:
        with_retries(partial(driver.execute_query, stmt, database_=settings.neo4j_database))
    driver.execute_query(f"CALL db.awaitIndexes({int(await_s)})", database_=settings.neo4j_database)
    log.debug("schema ready: %d statements", len(statements))
    return statements


def existing_schema(driver: neo4j.Driver, settings: Settings) -> dict[str, list[str]]:
    """Names of constraints and indexes in the database (for checks and tests)."""
    db = settings.neo4j_database
    constraints = [
        r["name"] for r in driver.execute_query("SHOW CONSTRAINTS YIELD name", database_=db).records
    ]
    indexes = [r["name"] for r in driver.execute_query("SHOW INDEXES YIELD name", database_=db).records]
    return {"constraints": sorted(constraints), "indexes": sorted(indexes)}
