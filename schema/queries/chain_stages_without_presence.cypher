// name: chain_stages_without_presence
// title: 没有党组织覆盖的产业链环节 / Chain stages with no party presence
// description: 没有任何党组织在有效联建中负责的产业链环节——“把党组织建在产业链上”的缺口。
//   Stages of an industry chain that no organization covers through an active membership.
// param: as_of date = reference  统计日期 / date memberships and groups must be active on
// matches: graphkit.coverage.chain_stage_coverage(graph, as_of=as_of) rows with no_presence
MATCH (s:ChainStage)-[:STAGE_OF]->(ch:IndustryChain)
WHERE NOT EXISTS { MATCH (:Organization)-[m:MEMBER_OF]->(c:Collaboration)
                   WHERE m.stage = s.id
                     AND (m.start IS NULL OR m.start <= $as_of) AND (m.`end` IS NULL OR m.`end` >= $as_of)
                     AND (c.start IS NULL OR c.start <= $as_of) AND (c.`end` IS NULL OR c.`end` >= $as_of) }
RETURN ch.id AS chain_id, ch.name AS chain, s.id AS stage_id, s.name AS stage, s.`order` AS `order`
ORDER BY chain, chain_id, `order`, stage_id
