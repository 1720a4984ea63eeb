"""County-style ledger layouts (fictional names), each loaded through a mapping file alone.

Every layout writes one ledger into a folder that already holds the base roster of
``corpus.cases.base`` (10 organizations of 测试县), a mapping in ``mappings/`` and, where the
county's export needs reader options, a ``files:`` entry in ``graphkit.yaml``. ``expect`` gives
the exact record counts the folder must load to (worked out by hand from the rows below);
``check`` looks at the values. ``tests/test_layout_corpus.py`` runs them all.

The workbooks are written by xlsxwriter from the literal rows here, so each run makes the same
cells.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from collections.abc import Callable

import pandas as pd

from corpus.cases import Folder, Sheet, base

__all__ = ["Layout", "LAYOUTS", "BASE_COUNTS"]

#: What the base roster alone loads to.
BASE_COUNTS = {"Organization": 10, "Place": 7}


@dataclass
class Layout:
    id: str
    what: str
    write: Callable[[Folder], None]
    mapping: str
    config: str = ""
    expect: dict[str, int] = field(default_factory=dict)
    check: Callable[[Any], None] | None = None
    #: rows the read report must list as skipped for the ledger (file, count)
    skipped: int = 0


LAYOUTS: list[Layout] = []


def layout(id: str, what: str, mapping: str, *, config: str = "", expect: dict[str, int],
           skipped: int = 0) -> Callable[[Callable[[Folder], None]], Callable[[Folder], None]]:
    def deco(fn: Callable[[Folder], None]) -> Callable[[Folder], None]:
        LAYOUTS.append(Layout(id, what, fn, mapping, config, expect, skipped=skipped))
        return fn
    return deco


def checks(fn: Callable[[Any], None]) -> Callable[[Any], None]:
    LAYOUTS[-1].check = fn
    return fn


def make(lay: Layout, root: Path) -> Path:
    """Write a layout's folder (base roster, its ledger, its mapping, its settings) and return it."""
    f = base(root, config="county: 测试县\n" + lay.config)
    f.text("mappings/layout.yaml", lay.mapping)
    lay.write(f)
    return root


def _names(g: Any, t: str, col: str = "name") -> list[str]:
    return sorted(g.tables[t][col].dropna().tolist())


def _org(g: Any, ref: str) -> list[str]:
    names = dict(zip(g.orgs["id"], g.orgs["name"]))
    return [names.get(v) for v in ref]


# ---- 1. a roster with a title row, a two-row header, a 合计 row and a 填表人 footer ----------------
@layout("title_two_row_totals", "roster: title row, two-row merged header, 合计 and 填表人 rows",
        """
id: town_roster
label: {zh: 镇党组织统计表, en: Town roster}
columns:
  name: {aliases: [基本情况党组织全称], required: true}
  form: {aliases: [基本情况组织类别]}
  members: {aliases: [党员数]}
entities:
  org:
    type: Organization
    keys: [{column: name, normalize: org}]
    properties:
      name: {column: name, normalize: text}
      form: {column: form}
      members: {column: members}
""", config="files:\n  镇党组织统计表.xlsx: {mapping: town_roster}\n",
        expect={"Organization": 12}, skipped=2)
def _(f: Folder) -> None:
    f.xlsx("镇党组织统计表.xlsx", [Sheet("统计", [
        ["测试县中池镇党组织统计表（2024年）", "", ""],
        ["基本情况", "", "党员数"],
        ["党组织全称", "组织类别", ""],
        ["石门村党支部", "党支部", 12],
        ["柳溪村党支部", "党支部", 9],
        ["合计", "", 21],
        ["填表人：李四    审核人：王五", "", ""],
    ], merges=[(0, 0, 0, 2), (1, 0, 1, 1), (1, 2, 2, 2), (6, 0, 6, 2)])])


@checks
def _(g: Any) -> None:
    assert {"石门村党支部", "柳溪村党支部"} <= set(g.orgs["name"])
    assert not any("合计" in n or "填表人" in n for n in g.orgs["name"])


# ---- 2. a 联村 sheet whose group name is written once and left blank below ------------------------
@layout("joint_village_fill_down", "联村: group name on its first row only (fill_down), two groups",
        """
id: lian_cun
label: {zh: 联村党组织台账, en: Joint village ledger}
fill_down: [group]
columns:
  group: {aliases: [联村党组织], required: true}
  org: {aliases: [成员村], required: true}
  role: {aliases: [职责], required: true}
entities:
  group:
    type: Collaboration
    keys: [{const: joint_village}, {column: group, normalize: text}]
    properties:
      name: {column: group, normalize: text}
      kind: {const: joint_village}
  membership:
    type: Membership
    keys: [{entity: group}, {column: org, lookup: Organization}]
    properties:
      member: {column: org, lookup: Organization}
      organization: {entity: group}
      role: {column: role}
""", config="files:\n  联村台账.xlsx: {mapping: lian_cun}\n", expect={"Collaboration": 2, "Membership": 5})
def _(f: Folder) -> None:
    f.xlsx("联村台账.xlsx", [Sheet("Sheet1", [
        ["联村党组织", "成员村", "职责"],
        ["中池联村党委", "青泥洞村党支部", "牵头"],
        ["", "红岩村党支部", "成员"],
        ["", "金桥村党总支", "成员"],
        ["城关联村党委", "李家台社区党支部", "牵头"],
        ["", "中池镇机关党支部", "成员"],
    ])])


@checks
def _(g: Any) -> None:
    m = g.tables["Membership"]
    groups = dict(zip(g.tables["Collaboration"]["id"], g.tables["Collaboration"]["name"]))
    by = {n: groups[o] for n, o in zip(_org(g, m["member"]), m["organization"])}
    assert by["金桥村党总支"] == "中池联村党委" and by["中池镇机关党支部"] == "城关联村党委"


# ---- 3. a 结对 sheet with mixed date styles and the county's own form words ------------------------
@layout("pairing_mixed_dates", "结对: dates as 2024年3月 / 2024.03 / Excel dates, form words mapped per county",
        """
id: jie_dui
label: {zh: 结对帮扶台账, en: Pairing ledger}
columns:
  strong: {aliases: [帮扶村], required: true}
  weak: {aliases: [被帮扶村], required: true}
  form: {aliases: [方式], required: true}
  start: {aliases: [结对时间], required: true}
entities:
  pairing:
    type: Pairing
    keys: [{column: strong, lookup: Organization}, {column: weak, lookup: Organization}, {column: start}]
    properties:
      strong: {column: strong, lookup: Organization}
      weak: {column: weak, lookup: Organization}
      form: {column: form, map: {强带弱: 强村带弱村, 部门包村: 机关联村}}
      start: {column: start}
""", config="files:\n  结对帮扶.xlsx: {mapping: jie_dui}\n", expect={"Pairing": 3})
def _(f: Folder) -> None:
    f.xlsx("结对帮扶.xlsx", [Sheet("Sheet1", [
        ["帮扶村", "被帮扶村", "方式", "结对时间"],
        ["青泥洞村党支部", "红岩村党支部", "强带弱", "2024年3月"],
        ["县农业农村局机关党支部", "李家台社区党支部", "部门包村", "2024.03"],
        ["县科协机关党支部", "金桥村党总支", "部门包村", dt.date(2023, 6, 1)],
    ])])


@checks
def _(g: Any) -> None:
    p = g.tables["Pairing"]
    assert sorted(p["form"]) == ["agency_village", "agency_village", "strong_weak_village"]
    assert sorted(str(d.date()) for d in p["start"]) == ["2023-06-01", "2024-03-01", "2024-03-01"]


# ---- 4. a 片区 sheet with every member unit in one cell; the lead also listed among the members ------
@layout("district_members_in_one_cell", "片区: members in one cell (newline, 、), lead also among members",
        """
id: pian_qu
label: {zh: 片区联建表, en: District ledger}
columns:
  district: {aliases: [片区], required: true}
  lead: {aliases: [牵头单位], required: true}
  members: {aliases: [成员单位], required: true}
entities:
  group:
    type: Collaboration
    keys: [{const: district}, {column: district, normalize: text}]
    properties:
      name: {column: district, normalize: text}
      kind: {const: district}
  lead:
    type: Membership
    keys: [{entity: group}, {column: lead, lookup: Organization}]
    properties:
      member: {column: lead, lookup: Organization}
      organization: {entity: group}
      role: {const: lead}
  member:
    type: Membership
    split: {column: members, unless_same_as: lead}
    keys: [{entity: group}, {column: members, lookup: Organization}]
    properties:
      member: {column: members, lookup: Organization}
      organization: {entity: group}
      role: {const: member}
""", config="files:\n  片区联建表.xlsx: {mapping: pian_qu}\n", expect={"Collaboration": 2, "Membership": 6})
def _(f: Folder) -> None:
    f.xlsx("片区联建表.xlsx", [Sheet("Sheet1", [
        ["片区", "牵头单位", "成员单位"],
        ["第一片区", "县农业农村局机关党支部", "县农业农村局机关党支部\n县科协机关党支部、县司法局机关党支部"],
        ["第二片区", "城关镇党委", "李家台社区党支部；中池镇机关党支部"],
    ])])


@checks
def _(g: Any) -> None:
    m = g.tables["Membership"]
    roles = dict(zip(_org(g, m["member"]), m["role"]))
    assert roles["县农业农村局机关党支部"] == "lead" and roles["县科协机关党支部"] == "member"
    assert len(m) == len(set(zip(m["member"], m["organization"])))


# ---- 5. a rotation column written 单位（3月）: org and host month captured from one cell ---------------
@layout("rotation_capture", "片区: rotation written 单位（3月）, captured into org and host month",
        """
id: lun_zhi
label: {zh: 轮值安排表, en: Rotation plan}
columns:
  district: {aliases: [片区名称], required: true}
  host: {aliases: [轮值单位（月份）], required: true}
entities:
  group:
    type: Collaboration
    keys: [{const: district}, {column: district, normalize: text}]
    properties:
      name: {column: district, normalize: text}
      kind: {const: district}
  membership:
    type: Membership
    keys: [{entity: group}, {column: host, extract: "^(?P<org>.+?)(?:[（(](?P<month>\\\\d+)月[）)])?$", group: org, lookup: Organization}]
    properties:
      member: {column: host, extract: "^(?P<org>.+?)(?:[（(](?P<month>\\\\d+)月[）)])?$", group: org, lookup: Organization}
      organization: {entity: group}
      role: {const: host}
      host_month: {column: host, extract: "[（(](\\\\d+)月[）)]", parse: month}
""", config="files:\n  轮值安排.xlsx: {mapping: lun_zhi}\n", expect={"Collaboration": 1, "Membership": 3})
def _(f: Folder) -> None:
    f.xlsx("轮值安排.xlsx", [Sheet("Sheet1", [
        ["片区名称", "轮值单位（月份）"],
        ["第三片区", "县农业农村局机关党支部（3月）"],
        ["第三片区", "县科协机关党支部(4月)"],
        ["第三片区", "县司法局机关党支部"],
    ])])


@checks
def _(g: Any) -> None:
    m = g.tables["Membership"]
    months = dict(zip(_org(g, m["member"]), m["host_month"].astype(object)))
    assert months["县农业农村局机关党支部"] == 3 and months["县科协机关党支部"] == 4
    assert pd.isna(months["县司法局机关党支部"])


# ---- 6. one column per year (unpivot), the year headers typed as numbers ----------------------------
@layout("ratings_year_columns", "分类定级: one column per year, year headers typed as numbers",
        """
id: ding_ji
label: {zh: 历年定级表, en: Ratings by year}
unpivot: {headers: "^(19|20)\\\\d{2}", name: year, value: category, extract: "(\\\\d{4})"}
columns:
  org: {aliases: [党组织], required: true}
entities:
  rating:
    type: Rating
    keys: [{column: org, lookup: Organization}, {column: year}]
    properties:
      org: {column: org, lookup: Organization}
      year: {column: year}
      category: {column: category}
""", config="files:\n  历年定级.xlsx: {mapping: ding_ji}\n", expect={"Rating": 5})
def _(f: Folder) -> None:
    f.xlsx("历年定级.xlsx", [Sheet("Sheet1", [
        ["党组织", 2022, 2023, "2024年"],
        ["青泥洞村党支部", "一类", "一类", "二类"],
        ["红岩村党支部", "", "三类", "二类"],
    ])])


@checks
def _(g: Any) -> None:
    r = g.tables["Rating"]
    assert sorted(int(y) for y in r["year"]) == [2022, 2023, 2023, 2024, 2024]


# ---- 7. one sheet per town: the town comes from the sheet's name -------------------------------------
@layout("sheet_per_town", "行政村名单: one sheet per town, the town from the sheet name",
        """
id: cun_ming_dan
label: {zh: 行政村名单, en: Villages by town}
columns:
  village: {aliases: [村名], required: true}
entities:
  town:
    type: Place
    keys: [{context: sheet, normalize: place}]
    properties:
      name: {context: sheet, normalize: text}
      kind: {const: town}
  village:
    type: Place
    keys: [{context: sheet, normalize: place}, {column: village, normalize: place}]
    properties:
      name: {column: village, normalize: text}
      kind: {const: village}
      parent: {entity: town}
""", config="files:\n  村名单.xlsx: {mapping: cun_ming_dan}\n", expect={"Place": 7 + 4})
def _(f: Folder) -> None:
    f.xlsx("村名单.xlsx", [Sheet("中池镇", [["村名"], ["青泥洞村"], ["石门村"]]),
                         Sheet("白沙乡", [["村名"], ["上湾村"], ["下湾村"]])])


@checks
def _(g: Any) -> None:
    p = g.tables["Place"]
    names = dict(zip(p["id"], p["name"]))
    parent = {n: names.get(x) for n, x in zip(p["name"], p["parent"])}
    assert parent["上湾村"] == "白沙乡" and parent["石门村"] == "中池镇"


# ---- 8. a GBK CSV export with a title line, rows to skip set in graphkit.yaml ------------------------
@layout("gbk_csv_title_line", "结对: GBK CSV with a title line (skip_rows, encoding in graphkit.yaml)",
        """
id: gbk_pairs
label: {zh: 结对导出, en: Pairing export}
columns:
  strong: {aliases: [强村], required: true}
  weak: {aliases: [弱村], required: true}
  start: {aliases: [日期], required: true}
entities:
  pairing:
    type: Pairing
    keys: [{column: strong, lookup: Organization}, {column: weak, lookup: Organization}, {column: start}]
    properties:
      strong: {column: strong, lookup: Organization}
      weak: {column: weak, lookup: Organization}
      form: {const: 强村带弱村}
      start: {column: start}
""", config="files:\n  结对导出.csv: {mapping: gbk_pairs, encoding: gbk, skip_rows: 1}\n", expect={"Pairing": 2})
def _(f: Folder) -> None:
    text = ("测试县强村带弱村结对情况（系统导出）,,\n强村,弱村,日期\n青泥洞村党支部,红岩村党支部,2024-01-01\n"
            "金桥村党总支,李家台社区党支部,2024/2/1\n")
    f.text("结对导出.csv", text, encoding="gbk")


# ---- 9. ratings in words, with the county's own meaning, and 三类（软弱涣散） -------------------------
@layout("ratings_in_words", "定级: 好/较好/一般/差 by this county's scale; 三类（软弱涣散）→ 三类 and weak_lax",
        """
id: ping_ding
label: {zh: 评定结果, en: Ratings in words}
columns:
  org: {aliases: [单位], required: true}
  year: {aliases: [年份], required: true}
  grade: {aliases: [评定结果], required: true}
entities:
  rating:
    type: Rating
    keys: [{column: org, lookup: Organization}, {column: year}]
    properties:
      org: {column: org, lookup: Organization}
      year: {column: year}
      category: {column: grade, map: {好: 一类, 较好: 一类, 一般: 二类, 差: 三类, 三类（软弱涣散）: 三类}}
      weak_lax: {column: grade, map: {三类（软弱涣散）: 是, "*": 否}}
""", config="files:\n  评定结果.xlsx: {mapping: ping_ding}\n", expect={"Rating": 4})
def _(f: Folder) -> None:
    f.xlsx("评定结果.xlsx", [Sheet("Sheet1", [
        ["单位", "年份", "评定结果"],
        ["青泥洞村党支部", 2024, "好"],
        ["金桥村党总支", 2024, "较好"],
        ["李家台社区党支部", 2024, "一般"],
        ["红岩村党支部", 2024, "三类（软弱涣散）"],
    ])])


@checks
def _(g: Any) -> None:
    r = g.tables["Rating"]
    cat = dict(zip(_org(g, r["org"]), r["category"]))
    weak = dict(zip(_org(g, r["org"]), r["weak_lax"]))
    assert cat == {"青泥洞村党支部": "1", "金桥村党总支": "1", "李家台社区党支部": "2", "红岩村党支部": "3"}
    assert bool(weak["红岩村党支部"]) and not bool(weak["青泥洞村党支部"])


# ---- 10. unit names instead of party-organization names (the county's names in the mapping) ----------
@layout("unit_names", "机关联村: unit names (县农业农村局) mapped to their party organizations",
        """
id: ji_guan_lian_cun
label: {zh: 机关联村表, en: Agencies adopting villages}
columns:
  unit: {aliases: [联系单位], required: true}
  village: {aliases: [联系村], required: true}
  start: {aliases: [开始时间], required: true}
entities:
  pairing:
    type: Pairing
    keys: [{column: unit, map: {县农业农村局: 县农业农村局机关党支部, 县科协: 县科协机关党支部}, lookup: Organization},
           {column: village, lookup: Organization}, {column: start}]
    properties:
      strong: {column: unit, map: {县农业农村局: 县农业农村局机关党支部, 县科协: 县科协机关党支部}, lookup: Organization}
      weak: {column: village, lookup: Organization}
      form: {const: 机关联村}
      start: {column: start}
""", config="files:\n  机关联村.xlsx: {mapping: ji_guan_lian_cun}\n", expect={"Pairing": 2})
def _(f: Folder) -> None:
    f.xlsx("机关联村.xlsx", [Sheet("Sheet1", [
        ["联系单位", "联系村", "开始时间"],
        ["县农业农村局", "红岩村党支部", "2024-01-01"],
        ["县科协", "金桥村党总支", "2024-01-01"],
    ])])


@checks
def _(g: Any) -> None:
    assert sorted(_org(g, g.tables["Pairing"]["strong"])) == ["县农业农村局机关党支部", "县科协机关党支部"]


# ---- 11. the year from the title row ------------------------------------------------------------
@layout("year_from_title", "定级: the year only in the title 2023年度…, taken from the title row",
        """
id: nian_du
label: {zh: 年度定级, en: Year in the title}
columns:
  org: {aliases: [党组织名称], required: true}
  category: {aliases: [定级结果], required: true}
entities:
  rating:
    type: Rating
    keys: [{column: org, lookup: Organization}, {context: title, extract: "(\\\\d{4})年"}]
    properties:
      org: {column: org, lookup: Organization}
      year: {context: title, extract: "(\\\\d{4})年"}
      category: {column: category}
""", config="files:\n  年度定级.xlsx: {mapping: nian_du}\n", expect={"Rating": 2})
def _(f: Folder) -> None:
    f.xlsx("年度定级.xlsx", [Sheet("Sheet1", [
        ["2023年度基层党组织分类定级结果", ""],
        ["党组织名称", "定级结果"],
        ["青泥洞村党支部", "一类"],
        ["红岩村党支部", "三类"],
    ], merges=[(0, 0, 0, 1)])])


@checks
def _(g: Any) -> None:
    assert set(int(y) for y in g.tables["Rating"]["year"]) == {2023}


# ---- 12. a 序号 column: rows without a number (notes, group headings) filtered out --------------------
@layout("filter_by_number", "名册: only rows whose 序号 is a number; group heading rows left out; unused 备注 reported",
        """
id: xu_hao
label: {zh: 党组织花名册, en: Numbered roster}
filters:
  - {column: seq, keep: number}
columns:
  seq: {aliases: [序号], required: true}
  name: {aliases: [组织名称], required: true}
entities:
  org:
    type: Organization
    keys: [{column: name, normalize: org}]
    properties:
      name: {column: name, normalize: text}
""", config="files:\n  花名册.xlsx: {mapping: xu_hao}\n", expect={"Organization": 12}, skipped=2)
def _(f: Folder) -> None:
    f.xlsx("花名册.xlsx", [Sheet("Sheet1", [
        ["序号", "组织名称", "备注"],
        ["一、农村", "", ""],
        [1, "石门村党支部", ""],
        [2, "柳溪村党支部", "新建"],
        ["二、机关", "各单位机关党组织见另表", ""],
    ])])


# ---- 13. 姓名（职务）: person and post role captured from one cell -------------------------------------
@layout("name_and_title", "驻村干部: 姓名（职务） captured into a person and a post role",
        """
id: zhu_cun
label: {zh: 驻村干部表, en: Village cadres}
columns:
  org: {aliases: [驻村党组织], required: true}
  cadre: {aliases: [驻村干部（职务）], required: true}
entities:
  person:
    type: Person
    keys: [{column: cadre, extract: "^([^（(]+)"}]
    properties:
      name: {column: cadre, extract: "^([^（(]+)"}
  post:
    type: Post
    keys: [{entity: person}, {column: org, lookup: Organization}]
    properties:
      person: {entity: person}
      org: {column: org, lookup: Organization}
      role: {column: cadre, extract: "[（(](.+)[）)]", map: {第一书记: 第一书记, 指导员: 党建指导员}}
""", config="files:\n  驻村干部.xlsx: {mapping: zhu_cun}\n", expect={"Person": 2, "Post": 2})
def _(f: Folder) -> None:
    f.xlsx("驻村干部.xlsx", [Sheet("Sheet1", [
        ["驻村党组织", "驻村干部（职务）"],
        ["红岩村党支部", "赵六（第一书记）"],
        ["金桥村党总支", "钱七(指导员)"],
    ])])


@checks
def _(g: Any) -> None:
    assert sorted(g.tables["Post"]["role"]) == ["first_secretary", "instructor"]
    assert _names(g, "Person") == ["赵六", "钱七"]


# ---- 14. members listed in rotation order: the part's position is the host month --------------------
@layout("rotation_order", "联村: members in one cell, listed in rotation order (the part's position → host month)",
        """
id: lun_zhi_shun_xu
label: {zh: 轮值顺序表, en: Rotation order}
columns:
  group: {aliases: [联建组织], required: true}
  members: {aliases: [成员（按轮值顺序）], required: true}
entities:
  group:
    type: Collaboration
    keys: [{const: joint_village}, {column: group, normalize: text}]
    properties:
      name: {column: group, normalize: text}
      kind: {const: joint_village}
  membership:
    type: Membership
    split: {column: members}
    keys: [{entity: group}, {column: members, lookup: Organization}]
    properties:
      member: {column: members, lookup: Organization}
      organization: {entity: group}
      role: {const: member}
      host_month: {part: true}
""", config="files:\n  轮值顺序.xlsx: {mapping: lun_zhi_shun_xu}\n", expect={"Collaboration": 1, "Membership": 3})
def _(f: Folder) -> None:
    f.xlsx("轮值顺序.xlsx", [Sheet("Sheet1", [
        ["联建组织", "成员（按轮值顺序）"],
        ["金岭党建联盟", "红岩村党支部\n金桥村党总支\n青泥洞村党支部"],
    ])])


@checks
def _(g: Any) -> None:
    m = g.tables["Membership"]
    assert dict(zip(_org(g, m["member"]), m["host_month"].astype(int))) == {
        "红岩村党支部": 1, "金桥村党总支": 2, "青泥洞村党支部": 3}


# ---- 15. a semicolon-separated export whose header is on row 3 ----------------------------------------
@layout("semicolon_header_row", "两新: semicolon-separated text, header on row 3 (delimiter, header_row)",
        """
id: liang_xin
label: {zh: 两新组织导出, en: Units export}
columns:
  name: {aliases: [企业名称], required: true}
  kind: {aliases: [类别], required: true}
entities:
  unit:
    type: Unit
    keys: [{column: name, normalize: text}]
    properties:
      name: {column: name, normalize: text}
      kind: {column: kind}
""", config="files:\n  两新导出.txt: {mapping: liang_xin, delimiter: ';', header_row: 3}\n", expect={"Unit": 3})
def _(f: Folder) -> None:
    f.text("两新导出.txt", "导出时间;2024-05-01\n说明：仅含已登记单位\n企业名称;类别\n天成丝业有限公司;非公企业\n"
           "绿野合作社;非公企业\n县青年志愿者协会;社会组织\n")


# ---- 16. a two-row header with 帮扶方 / 受援方 merged over their sub-columns -----------------------------
@layout("two_row_pairing", "结对: two-row header, 帮扶方/受援方 merged over 党组织 and 负责人; a 小计 row",
        """
id: shuang_hang
label: {zh: 结对共建明细, en: Pairing detail}
columns:
  strong: {aliases: [帮扶方党组织], required: true}
  weak: {aliases: [受援方党组织], required: true}
  start: {aliases: [开始日期], required: true}
entities:
  pairing:
    type: Pairing
    keys: [{column: strong, lookup: Organization}, {column: weak, lookup: Organization}, {column: start}]
    properties:
      strong: {column: strong, lookup: Organization}
      weak: {column: weak, lookup: Organization}
      form: {const: 一类带三类}
      start: {column: start}
""", config="files:\n  结对明细.xlsx: {mapping: shuang_hang}\n", expect={"Pairing": 2}, skipped=1)
def _(f: Folder) -> None:
    f.xlsx("结对明细.xlsx", [Sheet("Sheet1", [
        ["帮扶方", "", "受援方", "", "开始日期"],
        ["党组织", "负责人", "党组织", "负责人", ""],
        ["青泥洞村党支部", "张三", "红岩村党支部", "李四", "2024-03-01"],
        ["金桥村党总支", "王五", "李家台社区党支部", "赵六", "2024-04-01"],
        ["中池镇小计", "", "", "", ""],
    ], merges=[(0, 0, 0, 1), (0, 2, 0, 3), (0, 4, 1, 4)])])
