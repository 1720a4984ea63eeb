// name: brokers
// title: 跨片区、跨产业链的“桥梁”党组织 / Brokers between districts, chains and mechanisms
// description: 同时是多个有效联建组织成员的党组织。`bridges`：`chains`（跨两条以上产业链）、`districts`（跨两个以上片区）、
//   `mechanisms`（跨两种以上联建类型），否则 `groups`。
//   Organizations that are active members of `min_groups` or more active collaborations, and what
//   they bridge: two chains, two districts, two kinds of group, or just groups.
// param: as_of date = reference  统计日期 / date memberships and groups must be active on
// param: min_groups int = 2  至少参与的联建组织数 / least number of groups
// matches: graphkit.clusters.brokers(graph, as_of=as_of, min_groups=min_groups)
MATCH (o:Organization)-[m:MEMBER_OF]->(c:Collaboration)
WHERE (m.start IS NULL OR m.start <= $as_of) AND (m.`end` IS NULL OR m.`end` >= $as_of)
  AND (c.start IS NULL OR c.start <= $as_of) AND (c.`end` IS NULL OR c.`end` >= $as_of)
OPTIONAL MATCH (c)-[:ON_CHAIN]->(ch:IndustryChain)
WITH o, count(DISTINCT c) AS n_groups, count(DISTINCT c.kind) AS n_kinds, count(DISTINCT ch) AS n_chains,
     count(DISTINCT CASE WHEN c.kind = 'district' THEN c.id ELSE null END) AS n_districts
WHERE n_groups >= $min_groups
RETURN o.id AS org_id, o.name AS name, n_groups, n_kinds, n_chains, n_districts,
       CASE WHEN n_chains >= 2 THEN 'chains' WHEN n_districts >= 2 THEN 'districts'
            WHEN n_kinds >= 2 THEN 'mechanisms' ELSE 'groups' END AS bridges
ORDER BY n_groups DESC, n_kinds DESC, org_id
