// Entities within k relationship hops of one entity, nearest first, optionally only some types.
// Hops follow entity-to-entity relations in either direction; chunks and communities are not crossed.
// @param entity entity -- entity id, name or alias (matched like ingest matches names)
// @param k int = 1 (1..4) inline -- number of hops; written into the pattern bound because Cypher cannot take a parameter there
// @param types list[string] = [] -- keep only these entity types, e.g. MODEL,TOOL; empty keeps all
// @param limit int = 50 (1..1000) -- most rows returned
MATCH (e:Entity)
WHERE e.id = $entity OR $entity_key IN e.match_keys
WITH e ORDER BY e.mention_count DESC, e.id LIMIT 1
MATCH p = ANY SHORTEST (e)((:Entity)--(:Entity)){1,{{k}}}(n:Entity)
WHERE n <> e AND (size($types) = 0 OR n.type IN $types)
RETURN n.id AS id, n.name AS name, n.type AS type, length(p) AS hops, n.degree AS degree
ORDER BY hops, degree DESC, name, id
LIMIT $limit
