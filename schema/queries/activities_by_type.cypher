// name: activities_by_type
// title: 各片区各类联建活动次数 / Joint activities by type per district
// description: 检查年度内（至截止日）各片区主题党日、现场教学、业务培训、联建攻关、互督、交叉督导等活动的次数
//   （石泉：110 余次活动，现场教学 36 次、业务培训 26 次、联建攻关 21 次）。
//   Activities of each district in the year up to the as-of date, counted by type.
// param: as_of date = reference  截止日期 / as-of date: periods ending after it are not due yet
// param: year int = year_of(as_of)  检查年度 / the calendar year checked (defaults to the year of as_of)
// param: first date = first_day(year)  年初（派生）/ first day of the year (derived)
// param: last date = last_day(year,as_of)  检查截止（派生）/ last day checked: 31 Dec or as_of (derived)
// matches: graphkit.cadence.district_cadence(graph, as_of=as_of, year=year)["activity_counts"]
MATCH (a:Activity)
WHERE a.date >= $first AND a.date <= $last
OPTIONAL MATCH (a)-[:HELD_BY]->(grp:Collaboration)
WITH a, grp
OPTIONAL MATCH (a)-[:HOSTED_BY]->(h:Organization)-[m:MEMBER_OF]->(hd:Collaboration)
WHERE hd.kind = 'district'
  AND (hd.start IS NULL OR hd.start <= $last) AND (hd.`end` IS NULL OR hd.`end` >= $first)
  AND (m.start IS NULL OR m.start <= $last) AND (m.`end` IS NULL OR m.`end` >= $first)
WITH a, grp, count(DISTINCT hd) AS n_hd, min(hd.id) AS hd_id
WITH a, CASE WHEN grp IS NOT NULL THEN grp.id WHEN n_hd = 1 THEN hd_id ELSE null END AS did
MATCH (d:Collaboration)
WHERE d.id = did AND d.kind = 'district' AND (d.start IS NULL OR d.start <= $last) AND (d.`end` IS NULL OR d.`end` >= $first)
RETURN d.id AS district_id, d.name AS district, a.type AS type, count(a) AS count
ORDER BY district, district_id, type
