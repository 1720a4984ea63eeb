// name: two_coverages
// title: 两新组织“两个覆盖”（按镇）/ Organization and work coverage of private firms and social organizations, by town
// description: 各镇各类两新组织数、已建党组织数（组织覆盖）与党的工作覆盖数（已建党组织，或有联系党组织、
//   党建指导员）。泰宁：组织覆盖 89.3%、81.2%，工作覆盖 100%。
//   Per town and unit kind: units, units with their own party organization, and units reached by
//   party work (own organization, a linked organization or an instructor).
// matches: graphkit.coverage.two_coverages(graph, by="town")
MATCH (u:Unit)
OPTIONAL MATCH (u)-[:LOCATED_IN]->(t:Place)
WITH u, t, (coalesce(u.has_party_org, false) OR EXISTS { MATCH (u)-[:HAS_PARTY_ORG]->(:Organization) }) AS org_cov
WITH u, t, org_cov, (org_cov OR EXISTS { MATCH (u)-[:REACHED_BY]->(:Organization) }
                     OR coalesce(trim(u.instructor), '') <> '') AS work_cov
RETURN coalesce(t.id, '') AS `group`, coalesce(t.name, '（未填）') AS group_name, u.kind AS unit_kind,
       count(u) AS units, sum(CASE WHEN org_cov THEN 1 ELSE 0 END) AS org_covered,
       sum(CASE WHEN work_cov THEN 1 ELSE 0 END) AS work_covered
ORDER BY `group` = '', group_name, `group`, unit_kind
