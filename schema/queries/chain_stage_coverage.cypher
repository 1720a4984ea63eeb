// name: chain_stage_coverage
// title: 产业链各环节的党组织覆盖 / Party presence along each industry chain
// description: 每条产业链的每个环节（如蚕桑：种、养、收、烘、产）有多少党组织在有效联建中负责该环节。
//   For every stage of every chain, the organizations that are active members of an active
//   group with that stage (`Membership.stage`, kept on MEMBER_OF as `stage`).
// param: as_of date = reference  统计日期 / date memberships and groups must be active on
// matches: graphkit.coverage.chain_stage_coverage(graph, as_of=as_of)
MATCH (s:ChainStage)-[:STAGE_OF]->(ch:IndustryChain)
OPTIONAL MATCH (o:Organization)-[m:MEMBER_OF]->(c:Collaboration)
WHERE m.stage = s.id
  AND (m.start IS NULL OR m.start <= $as_of) AND (m.`end` IS NULL OR m.`end` >= $as_of)
  AND (c.start IS NULL OR c.start <= $as_of) AND (c.`end` IS NULL OR c.`end` >= $as_of)
WITH ch, s, count(DISTINCT o) AS members
RETURN ch.id AS chain_id, ch.name AS chain, s.id AS stage_id, s.name AS stage, s.`order` AS `order`, members,
       members = 0 AS no_presence
ORDER BY chain, chain_id, `order`, stage_id
