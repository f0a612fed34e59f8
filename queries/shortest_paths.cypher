// All shortest paths between two entities over entity-to-entity relations (any direction).
// @param source entity -- first entity: id, name or alias
// @param target entity -- second entity: id, name or alias
// @param max_hops int = 6 (1..10) inline -- longest path searched; written into the pattern bound because Cypher cannot take a parameter there
// @param limit int = 10 (1..100) -- most paths returned
MATCH (a:Entity)
WHERE a.id = $source OR $source_key IN a.match_keys
WITH a ORDER BY a.mention_count DESC, a.id LIMIT 1
MATCH (b:Entity)
WHERE (b.id = $target OR $target_key IN b.match_keys) AND b <> a
WITH a, b ORDER BY b.mention_count DESC, b.id LIMIT 1
MATCH p = ALL SHORTEST (a)((:Entity)--(:Entity)){1,{{max_hops}}}(b)
RETURN length(p) AS hops,
       [n IN nodes(p) | n.name] AS names,
       [r IN relationships(p) | type(r)] AS relation_types,
       [n IN nodes(p) | n.id] AS ids
ORDER BY ids
LIMIT $limit
