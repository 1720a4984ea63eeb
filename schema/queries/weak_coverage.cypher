// name: weak_coverage
// title: 后进党组织的结对覆盖（按镇）/ Weak organizations covered by pairings, by town
// description: 各镇后进党组织（三类或软弱涣散）数，其中有有效结对的数量、帮扶方为一类的数量。
//   Per town: weak organizations on the date, how many are the weak side of an active pairing,
//   and how many of those have a strong (一类) partner.
// param: as_of date = reference  统计日期 / date the pairings must be active on
// param: year int = year_of(as_of)  分类定级年度 / rating year (defaults to the year of as_of)
// matches: graphkit.coverage.weak_coverage(graph, as_of=as_of, by="town")
MATCH (o:Organization)
OPTIONAL MATCH (r:Rating)-[:RATING_OF]->(o) WHERE r.year <= $year
WITH o, max(r.year) AS ry
OPTIONAL MATCH (r2:Rating)-[:RATING_OF]->(o) WHERE r2.year = ry
WITH o, r2, (o.category IS NOT NULL AND (o.category_year IS NULL OR o.category_year <= $year)) AS roster_ok
WITH o, r2, roster_ok, (r2 IS NOT NULL AND (NOT roster_ok OR r2.year >= coalesce(o.category_year, -1))) AS use_rating
WITH o, CASE WHEN use_rating THEN r2.category WHEN roster_ok THEN o.category ELSE null END AS category,
     coalesce(CASE WHEN use_rating THEN r2.weak_lax ELSE null END, o.weak_lax, false) AS weak_lax
WITH o, category, weak_lax
WHERE coalesce(category, '') = '3' OR weak_lax
OPTIONAL MATCH (s:Organization)-[p:PAIRED_WITH]->(o)
WHERE (p.start IS NULL OR p.start <= $as_of) AND (p.`end` IS NULL OR p.`end` >= $as_of)
OPTIONAL MATCH (rs:Rating)-[:RATING_OF]->(s) WHERE rs.year <= $year
WITH o, category, weak_lax, p, s, max(rs.year) AS s_ry
OPTIONAL MATCH (rs2:Rating)-[:RATING_OF]->(s) WHERE rs2.year = s_ry
WITH o, category, weak_lax, p, s, rs2, (s.category IS NOT NULL AND (s.category_year IS NULL OR s.category_year <= $year)) AS s_roster_ok
WITH o, category, weak_lax, p, s, rs2, s_roster_ok, (rs2 IS NOT NULL AND (NOT s_roster_ok OR rs2.year >= coalesce(s.category_year, -1))) AS s_use_rating
WITH o, category, weak_lax, p, s, CASE WHEN s_use_rating THEN rs2.category WHEN s_roster_ok THEN s.category ELSE null END AS s_category,
     coalesce(CASE WHEN s_use_rating THEN rs2.weak_lax ELSE null END, s.weak_lax, false) AS s_weak_lax
WITH o, category, weak_lax, count(p) AS n_pairs,
     sum(CASE WHEN coalesce(s_category, '') = '1' AND NOT s_weak_lax THEN 1 ELSE 0 END) AS n_strong
OPTIONAL MATCH (o)-[:LOCATED_IN]->(t:Place)
RETURN coalesce(t.id, '') AS `group`, coalesce(t.name, '（未填）') AS group_name, count(o) AS weak_orgs,
       sum(CASE WHEN coalesce(category, '') = '3' THEN 1 ELSE 0 END) AS third_class,
       sum(CASE WHEN weak_lax THEN 1 ELSE 0 END) AS weak_lax,
       sum(CASE WHEN n_pairs > 0 THEN 1 ELSE 0 END) AS paired,
       sum(CASE WHEN n_strong > 0 THEN 1 ELSE 0 END) AS paired_strong
ORDER BY `group` = '', group_name, `group`
