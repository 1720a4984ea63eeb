// name: never_hosted
// title: 从未轮值主办的片区成员 / District members that never hosted
// description: 石泉“轮值单位每月轮流主办”：检查年度内（至截止日）从未主办过本片区活动的成员单位。
//   Members of a district (membership in force during the year) that hosted none of the district's
//   activities in the year up to the as-of date.
// param: as_of date = reference  截止日期 / as-of date: periods ending after it are not due yet
// param: year int = year_of(as_of)  检查年度 / the calendar year checked (defaults to the year of as_of)
// param: first date = first_day(year)  年初（派生）/ first day of the year (derived)
// param: last date = last_day(year,as_of)  检查截止（派生）/ last day checked: 31 Dec or as_of (derived)
// matches: graphkit.cadence.district_cadence(graph, as_of=as_of, year=year)["never_hosted"]
MATCH (o:Organization)-[m:MEMBER_OF]->(d:Collaboration)
WHERE d.kind = 'district' AND (d.start IS NULL OR d.start <= $last) AND (d.`end` IS NULL OR d.`end` >= $first)
  AND (m.start IS NULL OR m.start <= $last) AND (m.`end` IS NULL OR m.`end` >= $first)
OPTIONAL MATCH (o)-[m2:MEMBER_OF]->(d2:Collaboration)
WHERE d2.kind = 'district' AND (d2.start IS NULL OR d2.start <= $last) AND (d2.`end` IS NULL OR d2.`end` >= $first)
  AND (m2.start IS NULL OR m2.start <= $last) AND (m2.`end` IS NULL OR m2.`end` >= $first)
WITH o, m, d, count(DISTINCT d2) AS n_districts
WHERE NOT EXISTS { MATCH (o)<-[:HOSTED_BY]-(a:Activity)-[:HELD_BY]->(d) WHERE a.date >= $first AND a.date <= $last }
  AND NOT (n_districts = 1 AND EXISTS { MATCH (o)<-[:HOSTED_BY]-(a:Activity)
                                         WHERE a.date >= $first AND a.date <= $last
                                           AND NOT EXISTS { MATCH (a)-[:HELD_BY]->(:Collaboration) } })
RETURN d.id AS district_id, d.name AS district, o.id AS org_id, o.name AS name, m.role AS role,
       m.host_month AS host_month
ORDER BY district, district_id, name, org_id
