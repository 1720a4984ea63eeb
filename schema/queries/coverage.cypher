// name: coverage
// title: 联建覆盖（按镇/领域/分类/层级）/ Joint-building coverage by town, sector, category or level
// description: 每组党组织中参与至少一种联建机制的数量，以及各机制（片区、联村党组织、产业链党组织、服务队、结对共建）的参与数。
//   Per group: party organizations taking part in at least one mechanism on the date, and per
//   mechanism. A membership counts when it and its collaboration are active on the date; a
//   pairing counts for both sides. `group` is the town id (by=town) or the code ('' when empty);
//   `group_name` the town's name (codes are returned as they are; '（未填）' when empty).
// param: as_of date = reference  统计日期 / date the links must be active on
// param: year int = year_of(as_of)  分类定级年度 / rating year (defaults to the year of as_of)
// param: by string(town|sector|category|level) = 'town'  分组 / group by: town, sector, category or level
// matches: graphkit.coverage.coverage(graph, as_of=as_of, by=by)
MATCH (o:Organization)
OPTIONAL MATCH (r:Rating)-[:RATING_OF]->(o) WHERE r.year <= $year
WITH o, max(r.year) AS ry
OPTIONAL MATCH (r2:Rating)-[:RATING_OF]->(o) WHERE r2.year = ry
WITH o, r2, (o.category IS NOT NULL AND (o.category_year IS NULL OR o.category_year <= $year)) AS roster_ok
WITH o, r2, roster_ok, (r2 IS NOT NULL AND (NOT roster_ok OR r2.year >= coalesce(o.category_year, -1))) AS use_rating
WITH o, CASE WHEN use_rating THEN r2.category WHEN roster_ok THEN o.category ELSE null END AS category
OPTIONAL MATCH (o)-[:LOCATED_IN]->(t:Place)
OPTIONAL MATCH (o)-[m:MEMBER_OF]->(c:Collaboration)
WHERE (m.start IS NULL OR m.start <= $as_of) AND (m.`end` IS NULL OR m.`end` >= $as_of)
  AND (c.start IS NULL OR c.start <= $as_of) AND (c.`end` IS NULL OR c.`end` >= $as_of)
WITH o, t, category, collect(DISTINCT c.kind) AS kinds
WITH o, t, category, kinds,
     EXISTS { MATCH (o)-[p:PAIRED_WITH]-(:Organization)
              WHERE (p.start IS NULL OR p.start <= $as_of) AND (p.`end` IS NULL OR p.`end` >= $as_of) } AS paired
WITH o, kinds, paired,
     CASE $by WHEN 'town' THEN t.id WHEN 'sector' THEN o.sector WHEN 'category' THEN category
              WHEN 'level' THEN o.level ELSE null END AS key,
     CASE $by WHEN 'town' THEN t.name WHEN 'sector' THEN o.sector WHEN 'category' THEN category
              WHEN 'level' THEN o.level ELSE null END AS label
RETURN coalesce(key, '') AS `group`, coalesce(label, '（未填）') AS group_name, count(o) AS orgs,
       sum(CASE WHEN size(kinds) > 0 OR paired THEN 1 ELSE 0 END) AS covered,
       sum(CASE WHEN 'district' IN kinds THEN 1 ELSE 0 END) AS n_district,
       sum(CASE WHEN 'joint_village' IN kinds THEN 1 ELSE 0 END) AS n_joint_village,
       sum(CASE WHEN 'chain_alliance' IN kinds THEN 1 ELSE 0 END) AS n_chain_alliance,
       sum(CASE WHEN 'service_team' IN kinds THEN 1 ELSE 0 END) AS n_service_team,
       sum(CASE WHEN paired THEN 1 ELSE 0 END) AS n_pairing
ORDER BY `group` = '', group_name, `group`
