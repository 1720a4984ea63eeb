// name: district_missed_half_years
// title: 片区缺交叉督导的半年（半年有督导）/ Half-years without a cross inspection
// description: 石泉“半年有督导”：每个片区在截止日前已结束的每个半年是否接受了交叉巡回督导（督导记在被督导的片区，
//   即活动的所属联建组织，不记在督导方）。
//   For each district and each half-year that has ended by the as-of date: no cross inspection of
//   the district (a cross inspection counts for the district it inspected — its group — not for the
//   inspectors' own).
// param: as_of date = reference  截止日期 / as-of date: periods ending after it are not due yet
// param: year int = year_of(as_of)  检查年度 / the calendar year checked (defaults to the year of as_of)
// param: first date = first_day(year)  年初（派生）/ first day of the year (derived)
// param: last date = last_day(year,as_of)  检查截止（派生）/ last day checked: 31 Dec or as_of (derived)
// param: periods list = periods(year,as_of,half)  上下半年（派生）/ the two half-years (derived)
// matches: graphkit.cadence.district_cadence(graph, as_of=as_of, year=year)["missed_half_years"]
MATCH (d:Collaboration)
WHERE d.kind = 'district' AND (d.start IS NULL OR d.start <= $last) AND (d.`end` IS NULL OR d.`end` >= $first)
UNWIND $periods AS per
WITH d, per
WHERE per.due AND (d.start IS NULL OR d.start <= per.last) AND (d.`end` IS NULL OR d.`end` >= per.first)
  AND NOT EXISTS { MATCH (a:Activity)-[:HELD_BY]->(d)
                   WHERE a.date >= per.first AND a.date <= per.last AND a.type = 'cross_inspection' }
  AND NOT EXISTS { MATCH (a:Activity)-[:HOSTED_BY]->(h:Organization)-[m:MEMBER_OF]->(d)
                   WHERE a.date >= per.first AND a.date <= per.last AND a.type = 'cross_inspection'
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
