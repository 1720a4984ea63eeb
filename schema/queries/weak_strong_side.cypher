// name: weak_strong_side
// title: 帮扶方不是一类的结对 / Pairings whose strong side is not first class
// description: 有效结对中帮扶方（强）在统计日不是一类（或为软弱涣散）。`reason`：`weak`（帮扶方本身后进）、
//   `unrated`（未定级）、`class2`（二类）。
//   Active pairings whose "strong" side is not strong on the date; `reason` is `weak` (the
//   strong side is itself weak), `unrated` or `class2`.
// param: as_of date = reference  统计日期 / date the pairings must be active on
// param: year int = year_of(as_of)  分类定级年度 / rating year (defaults to the year of as_of)
// matches: graphkit.pairing.pairing_gaps(graph, as_of=as_of)["weak_strong_side"]
MATCH (o:Organization)-[p:PAIRED_WITH]->(w:Organization)
WHERE (p.start IS NULL OR p.start <= $as_of) AND (p.`end` IS NULL OR p.`end` >= $as_of)
OPTIONAL MATCH (r:Rating)-[:RATING_OF]->(o) WHERE r.year <= $year
WITH o, p, w, max(r.year) AS ry
OPTIONAL MATCH (r2:Rating)-[:RATING_OF]->(o) WHERE r2.year = ry
WITH o, p, w, r2, (o.category IS NOT NULL AND (o.category_year IS NULL OR o.category_year <= $year)) AS roster_ok
WITH o, p, w, r2, roster_ok, (r2 IS NOT NULL AND (NOT roster_ok OR r2.year >= coalesce(o.category_year, -1))) AS use_rating
WITH o, p, w, CASE WHEN use_rating THEN r2.category WHEN roster_ok THEN o.category ELSE null END AS category,
     coalesce(CASE WHEN use_rating THEN r2.weak_lax ELSE null END, o.weak_lax, false) AS weak_lax
WHERE NOT (coalesce(category, '') = '1' AND NOT weak_lax)
RETURN p.id AS pair_id, o.id AS strong_id, o.name AS strong_name, category AS strong_category,
       w.id AS weak_id, w.name AS weak_name, p.form AS form_code, p.start AS start,
       CASE WHEN coalesce(category, '') = '3' OR weak_lax THEN 'weak'
            WHEN category IS NULL THEN 'unrated' ELSE 'class2' END AS reason
ORDER BY pair_id
