// Members of one community, most central first, with the community's title and level.
// @param community string -- community id (see `zhkg stats` or the app's community view)
// @param limit int = 100 (1..1000) -- most rows returned
MATCH (c:Community {id: $community})<-[:IN_COMMUNITY]-(e:Entity)
RETURN c.title AS community, c.level AS level, e.id AS id, e.name AS name, e.type AS type,
       e.pagerank AS pagerank
ORDER BY pagerank DESC, name, id
LIMIT $limit
