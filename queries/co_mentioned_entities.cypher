// Entities mentioned in the same chunks as an entity, by how many chunks they share.
// @param entity entity -- entity id, name or alias
// @param min_chunks int = 1 (1..100000) -- keep entities sharing at least this many chunks
// @param limit int = 50 (1..1000) -- most rows returned
MATCH (e:Entity)
WHERE e.id = $entity OR $entity_key IN e.match_keys
WITH e ORDER BY e.mention_count DESC, e.id LIMIT 1
MATCH (e)<-[:MENTIONS]-(c:Chunk)-[:MENTIONS]->(o:Entity)
WHERE o <> e
WITH o, count(DISTINCT c) AS chunks
WHERE chunks >= $min_chunks
RETURN o.id AS id, o.name AS name, o.type AS type, chunks
ORDER BY chunks DESC, name, id
LIMIT $limit
