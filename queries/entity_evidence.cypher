// Documents that mention an entity, with the evidence sentences of its relations found in each document.
// @param entity entity -- entity id, name or alias
// @param limit int = 50 (1..1000) -- most documents returned
MATCH (e:Entity)
WHERE e.id = $entity OR $entity_key IN e.match_keys
WITH e ORDER BY e.mention_count DESC, e.id LIMIT 1
MATCH (d:Document)-[:HAS_CHUNK]->(:Chunk)-[m:MENTIONS]->(e)
WITH e, d, sum(m.count) AS mentions
CALL (e, d) {
  MATCH (e)-[r]-(:Entity)
  UNWIND range(0, size(r.evidence_doc_ids) - 1) AS i
  WITH r, i WHERE r.evidence_doc_ids[i] = d.id
  RETURN collect(DISTINCT r.evidence_texts[i]) AS evidence
}
RETURN d.id AS doc_id, d.path AS path, d.title AS title, mentions, evidence
ORDER BY mentions DESC, path
LIMIT $limit
