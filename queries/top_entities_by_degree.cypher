// Entities with the most relations (degree computed at sync time), optionally only some types.
// @param types list[string] = [] -- keep only these entity types, e.g. MODEL,TOOL; empty keeps all
// @param limit int = 20 (1..1000) -- most rows returned
MATCH (e:Entity)
WHERE size($types) = 0 OR e.type IN $types
RETURN e.id AS id, e.name AS name, e.type AS type, e.degree AS degree, e.pagerank AS pagerank
ORDER BY degree DESC, name, id
LIMIT $limit
