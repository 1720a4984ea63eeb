// name: members_of_group
// title: 指定联建组织的成员 / Members of a named group (district, committee, alliance, team)
// description: 按名称查某个片区、联村党组织、产业链党组织或服务队的有效成员，含角色、轮值月份、负责环节和起止日期
//   （如 “第八片区”）。`name` 为空时列出全部联建组织的成员。
//   Active members of the named collaboration with role, hosting month, chain stage and interval;
//   an empty `name` lists every group.
// param: name string = ''  联建组织名称 / the group's exact name ('' = all)
// param: as_of date = reference  统计日期 / date memberships and groups must be active on
// matches: independent pandas computation on Membership ⋈ Collaboration ⋈ Organization (no dedicated analysis function)
MATCH (o:Organization)-[m:MEMBER_OF]->(c:Collaboration)
WHERE ($name = '' OR c.name = $name)
  AND (m.start IS NULL OR m.start <= $as_of) AND (m.`end` IS NULL OR m.`end` >= $as_of)
  AND (c.start IS NULL OR c.start <= $as_of) AND (c.`end` IS NULL OR c.`end` >= $as_of)
RETURN c.id AS collab_id, c.name AS collab_name, o.id AS org_id, o.name AS name, m.role AS role,
       m.host_month AS host_month, m.stage_name AS stage, m.start AS start, m.`end` AS `end`
ORDER BY collab_name, collab_id, CASE m.role WHEN 'lead' THEN 0 WHEN 'host' THEN 1 ELSE 2 END, host_month, name, org_id
