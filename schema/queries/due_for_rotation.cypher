// name: due_for_rotation
// title: 到期应轮换的结对 / Pairings due for the yearly rotation
// description: 有效结对中开始日期已满轮换年限（紫阳“结对关系每年轮换”）。
//   Active pairings that started at least `rotation_years` before the date.
// param: as_of date = reference  统计日期 / date the pairings must be active on
// param: rotation_years int = 1  轮换年限 / years after which a pairing is due for rotation
// param: started_by date = years_before(as_of,rotation_years)  开始不晚于此日即到期 / pairings started on or before this date are due (derived)
// matches: graphkit.pairing.pairing_gaps(graph, as_of=as_of, rotation_years=rotation_years)["due_for_rotation"]
MATCH (s:Organization)-[p:PAIRED_WITH]->(w:Organization)
WHERE p.start IS NOT NULL AND p.start <= $started_by
  AND p.start <= $as_of AND (p.`end` IS NULL OR p.`end` >= $as_of)
RETURN p.id AS pair_id, s.id AS strong_id, s.name AS strong_name, w.id AS weak_id, w.name AS weak_name,
       p.form AS form_code, p.start AS start, $rotation_years AS rotation_years
ORDER BY start, pair_id
