"""Building the graph from extracted documents: ingest orchestration, communities, reports, centrality."""
