// name: ended_without_successor
// title: 结束后未接续的结对 / Pairings that ended without a successor
// description: 统计日前已结束、而受援方之后没有新的结对接续的结对；`still_weak` 表示受援方在统计日仍为后进。
//   Pairings that ended before the date with no later pairing of the same weak side (one that
//   started by the date and runs past the old one's end); `still_weak` tells whether the weak
//   side is still weak on the date.
// param: as_of date = reference  统计日期 / the date
// param: year int = year_of(as_of)  分类定级年度 / rating year (defaults to the year of as_of)
// matches: graphkit.pairing.pairing_gaps(graph, as_of=as_of)["ended_without_successor"]
MATCH (s:Organization)-[p:PAIRED_WITH]->(o:Organization)
WHERE p.`end` IS NOT NULL AND p.`end` < $as_of
  AND NOT EXISTS { MATCH (:Organization)-[q:PAIRED_WITH]->(o)
                   WHERE q.id <> p.id AND (q.start IS NULL OR q.start <= $as_of)
                     AND (q.`end` IS NULL OR q.`end` > p.`end`) }
OPTIONAL MATCH (r:Rating)-[:RATING_OF]->(o) WHERE r.year <= $year
WITH s, p, o, max(r.year) AS ry
OPTIONAL MATCH (r2:Rating)-[:RATING_OF]->(o) WHERE r2.year = ry
WITH s, p, o, r2, (o.category IS NOT NULL AND (o.category_year IS NULL OR o.category_year <= $year)) AS roster_ok
WITH s, p, o, r2, roster_ok, (r2 IS NOT NULL AND (NOT roster_ok OR r2.year >= coalesce(o.category_year, -1))) AS use_rating
WITH s, p, o, CASE WHEN use_rating THEN r2.category WHEN roster_ok THEN o.category ELSE null END AS category,
     coalesce(CASE WHEN use_rating THEN r2.weak_lax ELSE null END, o.weak_lax, false) AS weak_lax
RETURN p.id AS pair_id, s.id AS strong_id, s.name AS strong_name, o.id AS weak_id, o.name AS weak_name,
       p.form AS form_code, p.start AS start, p.`end` AS `end`, category AS weak_category,
       (coalesce(category, '') = '3' OR weak_lax) AS still_weak
ORDER BY `end`, pair_id
