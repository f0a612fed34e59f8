// Full-text search over chunk text (cjk analyzer), with the document each chunk comes from.
// @param q fulltext -- words to search for, Chinese or English; searched literally
// @param limit int = 20 (1..1000) -- most rows returned
CALL db.index.fulltext.queryNodes('chunk_text', $q) YIELD node, score
MATCH (d:Document)-[:HAS_CHUNK]->(node)
RETURN node.id AS chunk_id, d.path AS path, node.section AS section, left(node.text, 200) AS text, score
ORDER BY score DESC, path, chunk_id
LIMIT $limit
