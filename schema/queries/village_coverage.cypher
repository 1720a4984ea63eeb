// name: village_coverage
// title: 跨村联建覆盖的行政村 / Villages covered by joint village committees
// description: 按镇统计行政村数与被联村党组织覆盖的村数（泰宁：12 个联村党组织覆盖 51 个村）。村所在的党组织
//   是有效联村党组织的有效成员即为覆盖。
//   Administrative villages per town and those covered: the party org sitting in the village is an
//   active member of an active joint village committee.
// param: as_of date = reference  统计日期 / date memberships and committees must be active on
// matches: graphkit.coverage.village_coverage(graph, as_of=as_of, by="town") (columns group, group_name, villages, villages_covered of towns with villages)
MATCH (v:Place)
WHERE v.kind = 'village'
OPTIONAL MATCH (v)-[:PART_OF]->(t:Place)
WITH v, t, EXISTS { MATCH (o:Organization)-[:SITS_IN]->(v), (o)-[m:MEMBER_OF]->(c:Collaboration)
                    WHERE c.kind = 'joint_village'
                      AND (m.start IS NULL OR m.start <= $as_of) AND (m.`end` IS NULL OR m.`end` >= $as_of)
                      AND (c.start IS NULL OR c.start <= $as_of) AND (c.`end` IS NULL OR c.`end` >= $as_of) } AS covered
RETURN coalesce(t.id, '') AS `group`, coalesce(t.name, '（未填）') AS group_name, count(v) AS villages,
       sum(CASE WHEN covered THEN 1 ELSE 0 END) AS villages_covered
ORDER BY `group` = '', group_name, `group`
