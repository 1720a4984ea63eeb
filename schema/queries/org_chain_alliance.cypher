// name: org_chain_alliance
// title: 指定党组织所在的产业链联盟 / The chain alliances of a named organization
// description: 按名称查一个党组织所在的有效产业链党组织，以及联盟内全部成员的角色、环节、层级、领域
//   （如 “县科协机关党支部” 所在的蚕桑产业链党组织）。
//   The active chain alliances the named organization belongs to, with every member's role,
//   stage, level and sector.
// param: org string = ''  党组织名称 / the organization's exact name
// param: as_of date = reference  统计日期 / date memberships and groups must be active on
// matches: independent pandas computation on Membership ⋈ Collaboration ⋈ Organization (no dedicated analysis function)
MATCH (me:Organization)-[m0:MEMBER_OF]->(c:Collaboration)
WHERE me.name = $org AND c.kind = 'chain_alliance'
  AND (m0.start IS NULL OR m0.start <= $as_of) AND (m0.`end` IS NULL OR m0.`end` >= $as_of)
  AND (c.start IS NULL OR c.start <= $as_of) AND (c.`end` IS NULL OR c.`end` >= $as_of)
MATCH (o:Organization)-[m:MEMBER_OF]->(c)
WHERE (m.start IS NULL OR m.start <= $as_of) AND (m.`end` IS NULL OR m.`end` >= $as_of)
OPTIONAL MATCH (c)-[:ON_CHAIN]->(ch:IndustryChain)
RETURN DISTINCT c.id AS collab_id, c.name AS collab_name, ch.name AS chain, o.id AS org_id, o.name AS name,
       m.role AS role, m.stage_name AS stage, o.level AS level, o.sector AS sector
ORDER BY collab_name, collab_id, name, org_id, role, stage
