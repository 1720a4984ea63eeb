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
WITH collect(CASE WHEN coalesce(category, '') = '1' AND NOT weak_lax THEN o.id ELSE null END) AS strong_ids,
     collect(CASE WHEN coalesce(category, '') = '3' OR weak_lax THEN o.id ELSE null END) AS weak_ids,
     collect(CASE WHEN coalesce(category, '') = '3' THEN o.id ELSE null END) AS third_ids,
     collect(CASE WHEN weak_lax THEN o.id ELSE null END) AS lax_ids
MATCH (w:Organization)
WHERE w.id IN weak_ids
OPTIONAL MATCH (w)-[:LOCATED_IN]->(t:Place)
OPTIONAL MATCH (s:Organization)-[p:PAIRED_WITH]->(w)
WHERE (p.start IS NULL OR p.start <= $as_of) AND (p.`end` IS NULL OR p.`end` >= $as_of)
WITH w, t, third_ids, lax_ids, count(p) AS n_pairs, sum(CASE WHEN s.id IN strong_ids THEN 1 ELSE 0 END) AS n_strong
RETURN coalesce(t.id, '') AS `group`, coalesce(t.name, '（未填）') AS group_name, count(w) AS weak_orgs,
       sum(CASE WHEN w.id IN third_ids THEN 1 ELSE 0 END) AS third_class,
       sum(CASE WHEN w.id IN lax_ids THEN 1 ELSE 0 END) AS weak_lax,
       sum(CASE WHEN n_pairs > 0 THEN 1 ELSE 0 END) AS paired,
       sum(CASE WHEN n_strong > 0 THEN 1 ELSE 0 END) AS paired_strong
ORDER BY `group` = '', group_name, `group`
