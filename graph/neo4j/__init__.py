"""Neo4j backend: a mirror of the workspace graph in a Neo4j 5 server.

The SQLite workspace stays the source of truth; this package only reads it.
``client`` opens drivers, ``schema`` creates constraints and indexes, ``sync``
mirrors the workspace, ``guard`` runs user Cypher read-only.
"""

from graph.neo4j.client import Neo4jUnavailable

__all__ = ["Neo4jUnavailable"]
