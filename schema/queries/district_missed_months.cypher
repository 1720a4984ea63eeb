// name: district_missed_months
// title: 片区缺活动的月份（月月有活动）/ Months in which a district held no joint activity
// description: 石泉“月月有活动”：每个片区在检查年度内、截止日前已结束的每个月是否有联建活动（互督与交叉督导不计）。
//   活动属于片区：活动的所属联建组织是该片区；未填所属组织时，记给主办单位所在的唯一片区。
//   For each district and each month of the year that has ended by the as-of date (and in which the
//   district existed): no activity other than inspections was held by it. An activity belongs to the
//   district it names; one naming no group counts for its host's only district.
// param: as_of date = reference  截止日期 / as-of date: periods ending after it are not due yet
// param: year int = year_of(as_of)  检查年度 / the calendar year checked (defaults to the year of as_of)
// param: first date = first_day(year)  年初（派生）/ first day of the year (derived)
// param: last date = last_day(year,as_of)  检查截止（派生）/ last day checked: 31 Dec or as_of (derived)
// param: periods list = periods(year,as_of,month)  当年各月（派生）/ the months of the year with first and last day and whether due (derived)
// matches: graphkit.cadence.district_cadence(graph, as_of=as_of, year=year)["missed_months"]
MATCH (d:Collaboration)
WHERE d.kind = 'district' AND (d.start IS NULL OR d.start <= $last) AND (d.`end` IS NULL OR d.`end` >= $first)
UNWIND $periods AS per
WITH d, per
WHERE per.due AND (d.start IS NULL OR d.start <= per.last) AND (d.`end` IS NULL OR d.`end` >= per.first)
  AND NOT EXISTS { MATCH (a:Activity)-[:HELD_BY]->(d)
                   WHERE a.date >= per.first AND a.date <= per.last AND a.type <> 'mutual_inspection' AND a.type <> 'cross_inspection' }
  AND NOT EXISTS { MATCH (a:Activity)-[:HOSTED_BY]->(h:Organization)-[m:MEMBER_OF]->(d)
                   WHERE a.date >= per.first AND a.date <= per.last AND a.type <> 'mutual_inspection' AND a.type <> 'cross_inspection'
                     AND NOT EXISTS { MATCH (a)-[:HELD_BY]->(:Collaboration) }
                     AND (m.start IS NULL OR m.start <= $last) AND (m.`end` IS NULL OR m.`end` >= $first)
                     AND COUNT { MATCH (h)-[m2:MEMBER_OF]->(d2:Collaboration)
                                 WHERE d2.kind = 'district' AND (d2.start IS NULL OR d2.start <= $last)
                                   AND (d2.`end` IS NULL OR d2.`end` >= $first)
                                   AND (m2.start IS NULL OR m2.start <= $last) AND (m2.`end` IS NULL OR m2.`end` >= $first) } = 1 }
OPTIONAL MATCH (d)-[:GUIDED_BY]->(g:Person)
RETURN d.id AS district_id, d.name AS district, g.name AS guide, $year AS year, per.label AS period,
       per.first AS period_start, per.last AS period_end
ORDER BY district, district_id, period_start
