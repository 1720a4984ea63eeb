// name: groups_without_anchor
// title: 缺少一类“锚点”的片区与服务队 / Districts and service teams without a first-class anchor
// description: 有效的片区、服务队中：没有一类成员（no_class1）、没有牵头单位（no_lead）、牵头单位不是一类
//   （lead_not_class1）。紫阳的“一类+”与石泉片区“一类党组织牵头”的要求。
//   Active districts and service teams with no strong member, no lead unit, or no strong lead
//   unit (`problem` lists them, joined with ';').
// param: as_of date = reference  统计日期 / date memberships and groups must be active on
// param: year int = year_of(as_of)  分类定级年度 / rating year (defaults to the year of as_of)
// matches: graphkit.pairing.pairing_gaps(graph, as_of=as_of)["groups_without_anchor"]
MATCH (c:Collaboration)
WHERE c.kind IN ['district', 'service_team']
  AND (c.start IS NULL OR c.start <= $as_of) AND (c.`end` IS NULL OR c.`end` >= $as_of)
OPTIONAL MATCH (x:Organization)-[m:MEMBER_OF]->(c)
WHERE (m.start IS NULL OR m.start <= $as_of) AND (m.`end` IS NULL OR m.`end` >= $as_of)
OPTIONAL MATCH (r:Rating)-[:RATING_OF]->(x) WHERE r.year <= $year
WITH c, m, x, max(r.year) AS ry
OPTIONAL MATCH (r2:Rating)-[:RATING_OF]->(x) WHERE r2.year = ry
WITH c, m, x, r2, (x.category IS NOT NULL AND (x.category_year IS NULL OR x.category_year <= $year)) AS roster_ok
WITH c, m, x, r2, roster_ok, (r2 IS NOT NULL AND (NOT roster_ok OR r2.year >= coalesce(x.category_year, -1))) AS use_rating
WITH c, m, x, CASE WHEN use_rating THEN r2.category WHEN roster_ok THEN x.category ELSE null END AS category,
     coalesce(CASE WHEN use_rating THEN r2.weak_lax ELSE null END, x.weak_lax, false) AS weak_lax
WITH c, x, m, (coalesce(category, '') = '1' AND NOT weak_lax) AS strong
WITH c, count(DISTINCT x) AS members,
     count(DISTINCT CASE WHEN strong THEN x.id ELSE null END) AS class1,
     sum(CASE WHEN m.role = 'lead' THEN 1 ELSE 0 END) AS n_leads,
     sum(CASE WHEN m.role = 'lead' AND strong THEN 1 ELSE 0 END) AS strong_leads
WITH c, members, class1,
     (CASE WHEN class1 = 0 THEN 'no_class1;' ELSE '' END) + (CASE WHEN n_leads = 0 THEN 'no_lead;' ELSE '' END)
     + (CASE WHEN n_leads > 0 AND strong_leads = 0 THEN 'lead_not_class1;' ELSE '' END) AS problems
WHERE problems <> ''
RETURN c.id AS collab_id, c.name AS collab_name, c.kind AS kind, members, class1,
       left(problems, size(problems) - 1) AS problem
ORDER BY kind, collab_name, collab_id
