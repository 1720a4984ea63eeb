// name: overloaded_strong
// title: 帮扶任务过重的强党组织 / Strong organizations carrying too many pairings
// description: 作为帮扶方的有效结对数超过上限的党组织（柞水：9 个强村帮 11 个弱村，部分一带二）。
//   Organizations on the strong side of more active pairings than `max_per_strong`.
// param: as_of date = reference  统计日期 / date the pairings must be active on
// param: max_per_strong int = 2  每个帮扶方的结对上限 / most pairings one strong org should carry
// matches: graphkit.pairing.pairing_gaps(graph, as_of=as_of, max_per_strong=max_per_strong)["overloaded_strong"]
MATCH (s:Organization)-[p:PAIRED_WITH]->(w:Organization)
WHERE (p.start IS NULL OR p.start <= $as_of) AND (p.`end` IS NULL OR p.`end` >= $as_of)
WITH s, count(p) AS pairs
WHERE pairs > $max_per_strong
RETURN s.id AS org_id, s.name AS name, pairs, $max_per_strong AS capacity
ORDER BY pairs DESC, org_id
