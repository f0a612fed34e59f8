// Most central entities by weighted PageRank over relations (computed with igraph at sync time, no GDS needed).
// @param types list[string] = [] -- keep only these entity types, e.g. MODEL,TOOL; empty keeps all
// @param limit int = 20 (1..1000) -- most rows returned
MATCH (e:Entity)
WHERE size($types) = 0 OR e.type IN $types
RETURN e.id AS id, e.name AS name, e.type AS type, e.pagerank AS pagerank, e.degree AS degree
ORDER BY pagerank DESC, name, id
LIMIT $limit
