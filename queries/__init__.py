"""Named Cypher queries (``*.cypher``), shipped as package data so installed copies find them."""
