// name: chain_alliances
// title: 产业链党组织：环节完整度与层级、领域跨度 / Industry-chain alliances: stage completeness and span
// description: 每个有效的产业链党组织（链上联建）的成员数、产业链环节总数与有党组织的环节数、成员跨越的
//   层级数、领域数和镇数（柞水：市、县、镇、村，机关与企业六个支部）。
//   Each active chain alliance: members, stages of its chain and stages covered by its members,
//   and how many levels, sectors and towns the members span.
// param: as_of date = reference  统计日期 / date memberships and groups must be active on
// matches: graphkit.clusters.chain_alliances(graph, as_of=as_of) (columns collab_id, name, chain, members, stages_total, stages_covered, n_levels, n_sectors, n_towns)
MATCH (o:Organization)-[m:MEMBER_OF]->(c:Collaboration)
WHERE c.kind = 'chain_alliance'
  AND (m.start IS NULL OR m.start <= $as_of) AND (m.`end` IS NULL OR m.`end` >= $as_of)
  AND (c.start IS NULL OR c.start <= $as_of) AND (c.`end` IS NULL OR c.`end` >= $as_of)
OPTIONAL MATCH (o)-[:LOCATED_IN]->(t:Place)
WITH c, count(DISTINCT o) AS members, count(DISTINCT o.level) AS n_levels, count(DISTINCT o.sector) AS n_sectors,
     count(DISTINCT t) AS n_towns, collect(DISTINCT m.stage) AS stage_ids
OPTIONAL MATCH (c)-[:ON_CHAIN]->(ch:IndustryChain)
OPTIONAL MATCH (s:ChainStage)-[:STAGE_OF]->(ch)
WITH c, ch, members, n_levels, n_sectors, n_towns, count(s) AS stages_total,
     sum(CASE WHEN s.id IN stage_ids THEN 1 ELSE 0 END) AS stages_covered
RETURN c.id AS collab_id, c.name AS name, ch.name AS chain, members, stages_total, stages_covered,
       n_levels, n_sectors, n_towns
ORDER BY chain, name, collab_id
