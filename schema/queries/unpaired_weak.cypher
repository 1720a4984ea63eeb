// name: unpaired_weak
// title: 无一类帮扶的后进党组织 / Weak organizations without a strong partner
// description: 统计日为三类或软弱涣散、且没有任何有效结对的帮扶方是一类（强）党组织的党组织。
//   Organizations that are weak on the date (三类 or 软弱涣散, rating in force that year) and have
//   no active pairing whose strong side is strong (一类 and not 软弱涣散). `reason` is
//   `no_pairing` (no active pairing at all) or `partner_not_strong`.
// param: as_of date = reference  统计日期 / date the pairings must be active on
// param: year int = year_of(as_of)  分类定级年度 / rating year (defaults to the year of as_of)
// matches: graphkit.pairing.pairing_gaps(graph, as_of=as_of)["unpaired_weak"]
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
WITH o, category, weak_lax, count(p) AS n_partners,
     sum(CASE WHEN coalesce(s_category, '') = '1' AND NOT s_weak_lax THEN 1 ELSE 0 END) AS n_strong
WHERE n_strong = 0
OPTIONAL MATCH (o)-[:LOCATED_IN]->(t:Place)
RETURN o.id AS org_id, o.name AS name, t.name AS town_name, o.sector AS sector, o.level AS level, category,
       weak_lax, n_partners, CASE WHEN n_partners = 0 THEN 'no_pairing' ELSE 'partner_not_strong' END AS reason
ORDER BY org_id
