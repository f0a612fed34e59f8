// Full-text search over entity names and aliases (cjk analyzer: Chinese matched by character bigrams).
// @param q fulltext -- words to search for, Chinese or English; searched literally
// @param types list[string] = [] -- keep only these entity types, e.g. MODEL,TOOL; empty keeps all
// @param limit int = 20 (1..1000) -- most rows returned
CALL db.index.fulltext.queryNodes('entity_names', $q) YIELD node, score
WHERE size($types) = 0 OR node.type IN $types
RETURN node.id AS id, node.name AS name, node.type AS type, node.aliases AS aliases, score
ORDER BY score DESC, name, id
LIMIT $limit
