"""Property-based tests (hypothesis): random valid ledgers always build, with the records they
describe; a random corruption of one always fails with a problem row that points at the corrupted
file, row and column; and arbitrary bytes or text in a ledger never crash with a traceback.
"""
from __future__ import annotations

import datetime as dt
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import graphkit as gk
from graphkit.core.schema import load_schema

from corpus.cases import Folder, Sheet

MODEL = load_schema()
SETTINGS = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])

ROSTER_HEAD = ["党组织名称", "组织形式", "领域", "层级", "所属镇(街道)", "上级党组织", "党员数", "分类定级", "定级年度",
               "是否软弱涣散"]
PAIR_HEAD = ["帮扶党组织", "受援党组织", "结对形式", "开始日期", "结束日期"]
DIST_HEAD = ["片区名称", "单位名称", "角色", "轮值月份", "加入日期"]
ROSTER_F, PAIR_F, DIST_F = "党组织名册", "结对共建台账", "片区联建台账"

# unit names from two disjoint syllable pools: roster names never come close to "unknown" names
_A = list("青石金银玉白红黄绿东西南北上新古长高双明光兴丰和顺福康宁庆永富")
_B = list("山河溪泉坪岭阳林桥湾坝沟川田塘峰园源岩坡")
_UNKNOWN = ["紫霞观党支部", "蓬莱阁党总支", "瑶池宫党委"]
_SUFFIX = {"党支部": "branch", "党总支": "general_branch", "党委": "committee"}


def _spellings(codelist: str) -> list[tuple[str, str]]:
    """(spelling, code) for every label and alias of a code list: ledgers use all of them."""
    return sorted(MODEL.codelists[codelist]._index.items())


CATEGORY, SECTOR, LEVEL, PFORM, ROLE = (_spellings(c) for c in ("category", "sector", "level", "pairing_form", "role"))
YES_NO = [("是", True), ("否", False), ("√", True), ("×", False), ("1", True), ("0", False)]


def _date_text(d: dt.date, style: int) -> Any:
    return [d.isoformat(), f"{d.year}/{d.month}/{d.day}", f"{d.year}年{d.month}月{d.day}日", f"{d.year}.{d.month:02d}.{d.day:02d}",
            d.strftime("%Y%m%d")][style]


@dataclass
class Ledgers:
    """A random valid county: what is written, and what the graph must contain."""

    roster: list[list[Any]]
    pairs: list[list[Any]]
    dist: list[list[Any]]
    fmt: str                      # csv-utf-8 | csv-utf-8-sig | csv-gb18030 | xlsx
    expect_parent: dict[str, str | None] = field(default_factory=dict)
    pair_head: list[str] = field(default_factory=lambda: list(PAIR_HEAD))

    def write(self, d: Path) -> None:
        f = Folder(d)
        f.text("graphkit.yaml", "county: 测试县\n")
        for stem, head, rows in [(ROSTER_F, ROSTER_HEAD, self.roster), (PAIR_F, self.pair_head, self.pairs),
                                 (DIST_F, DIST_HEAD, self.dist)]:
            if not rows and stem != ROSTER_F:
                continue
            if self.fmt == "xlsx":
                f.xlsx(f"{stem}.xlsx", [Sheet("Sheet1", [head, *rows])])
            else:
                enc = self.fmt.split("-", 1)[1]
                f.csv(f"{stem}.csv", head, rows, encoding="utf-8" if enc == "utf-8-sig" else enc, bom=enc == "utf-8-sig")

    def file(self, stem: str) -> str:
        return f"{stem}.{'xlsx' if self.fmt == 'xlsx' else 'csv'}"

    @property
    def sheet(self) -> str:
        return "Sheet1" if self.fmt == "xlsx" else ""


@st.composite
def ledgers(draw: st.DrawFn) -> Ledgers:
    n = draw(st.integers(min_value=2, max_value=9))
    units = draw(st.lists(st.tuples(st.sampled_from(_A), st.sampled_from(_B)), min_size=n, max_size=n, unique=True))
    towns = ["中池镇", "城关镇", "大田乡"]
    roster, names = [], []
    parent_of: dict[str, str | None] = {}
    for i, (a, b) in enumerate(units):
        suffix = draw(st.sampled_from(list(_SUFFIX)))
        name = f"{a}{b}村{suffix}"
        parent = names[draw(st.integers(0, i - 1))] if i and draw(st.booleans()) else None
        written_parent = parent
        if parent and draw(st.booleans()):  # written with spaces or a zero-width space: still the same org
            written_parent = parent[:2] + draw(st.sampled_from([" ", "\u3000", "\u200b"])) + parent[2:]
        members = draw(st.one_of(st.none(), st.integers(0, 500)))
        roster.append([
            name, draw(st.sampled_from([suffix, ""])), draw(st.sampled_from(SECTOR))[0], draw(st.sampled_from(LEVEL))[0],
            draw(st.sampled_from(towns)), written_parent or "", "" if members is None else str(members),
            draw(st.sampled_from(CATEGORY))[0], str(draw(st.integers(2018, 2025))), draw(st.sampled_from(YES_NO))[0],
        ])
        names.append(name)
        parent_of[name] = parent
    pairs, seen = [], set()
    for _ in range(draw(st.integers(0, 5))):
        i, j = draw(st.integers(0, n - 1)), draw(st.integers(0, n - 1))
        start = draw(st.dates(dt.date(2019, 1, 1), dt.date(2025, 12, 31)))
        if i == j or (names[i], names[j], start) in seen:
            continue
        seen.add((names[i], names[j], start))
        end = draw(st.one_of(st.none(), st.integers(0, 1500).map(lambda k, s=start: s + dt.timedelta(days=k))))
        pairs.append([names[i], names[j], draw(st.sampled_from(PFORM))[0], _date_text(start, draw(st.integers(0, 4))),
                      "" if end is None else _date_text(end, draw(st.integers(0, 4)))])
    members = draw(st.lists(st.integers(0, n - 1), unique=True, max_size=n))
    dist = [["第一片区", names[k], draw(st.sampled_from(ROLE))[0], str(m + 1), "2024-01-01"] for m, k in enumerate(members)]
    fmt = draw(st.sampled_from(["csv-utf-8", "csv-utf-8-sig", "csv-gb18030", "xlsx"]))
    return Ledgers(roster, pairs, dist, fmt, parent_of)


def _build(led: Ledgers, **kw: Any) -> gk.Graph:
    with tempfile.TemporaryDirectory() as tmp:
        led.write(Path(tmp))
        return gk.build_graph(tmp, **kw)


# ---- valid ledgers always build --------------------------------------------------------------------------

@SETTINGS
@given(ledgers())
def test_valid_ledgers_always_build(led: Ledgers) -> None:
    g = _build(led)
    assert (g.problems["severity"] != "error").all()
    names = g.names()
    assert sorted(names) == sorted(r[0] for r in led.roster)
    orgs = g.orgs.set_index("name")
    for name, parent in led.expect_parent.items():
        got = orgs.at[name, "parent"]
        assert (names[got] if got is not None else None) == parent, name
    assert g.count("Pairing") == len(led.pairs)
    written = {(p[0], p[1]) for p in led.pairs}
    assert {(names[a], names[b]) for a, b in zip(g.tables["Pairing"]["strong"], g.tables["Pairing"]["weak"])} == written
    assert g.count("Membership") == len(led.dist)
    for r, rec in zip(led.roster, orgs.loc[[r[0] for r in led.roster]].itertuples()):
        assert rec.category == MODEL.codelists["category"].lookup(r[7])
        assert (pd.isna(rec.members) and r[6] == "") or rec.members == int(r[6])


# ---- a corruption always fails where it was made ------------------------------------------------------------

@dataclass(frozen=True)
class Corruption:
    kind: str
    rule: str
    stem: str
    row: int             # Excel row (1 = header)
    column: str


def _corrupt(led: Ledgers, kind: str, data: st.DataObject) -> Corruption:
    """Apply one corruption of ``kind`` in place and say where it is."""
    n = len(led.roster)
    i = data.draw(st.integers(0, n - 1), label="org")
    if kind == "bad_category":
        led.roster[i][7] = data.draw(st.sampled_from(["四类", "优秀", "A+", "第三类别"]))
        return Corruption(kind, "unknown_code", ROSTER_F, i + 2, "分类定级")
    if kind == "bad_integer":
        led.roster[i][6] = data.draw(st.sampled_from(["很多", "二十", "12.5", "n/a"]))
        return Corruption(kind, "bad_integer", ROSTER_F, i + 2, "党员数")
    if kind == "negative":
        led.roster[i][6] = str(data.draw(st.integers(-1000, -1)))
        return Corruption(kind, "out_of_range", ROSTER_F, i + 2, "党员数")
    if kind == "bad_boolean":
        led.roster[i][9] = data.draw(st.sampled_from(["也许", "不详", "待定"]))
        return Corruption(kind, "bad_boolean", ROSTER_F, i + 2, "是否软弱涣散")
    if kind == "too_long":
        name = led.roster[i][0]
        led.roster[i][0] = "长" * 201 + "党支部"
        for r in led.roster:  # references to the broken name would fail as well: drop them
            r[5] = ""
        led.pairs[:] = [p for p in led.pairs if name not in (p[0], p[1])]
        led.dist[:] = [m for m in led.dist if m[1] != name]
        return Corruption(kind, "too_long", ROSTER_F, i + 2, "党组织名称")
    if kind == "self_parent":
        led.roster[i][5] = led.roster[i][0]
        return Corruption(kind, "cycle", ROSTER_F, i + 2, "上级党组织")
    if kind == "formula_error":
        led.roster[i][3] = data.draw(st.sampled_from(["#N/A", "#REF!", "#VALUE!"]))
        return Corruption(kind, "formula_error", ROSTER_F, i + 2, "层级")
    if kind == "duplicate_org":
        row = list(led.roster[i])
        row[0] = row[0][:1] + "　" + row[0][1:]  # the same org again, spelt with a full-width space
        led.roster.append(row)
        return Corruption(kind, "duplicate_id", ROSTER_F, n + 2, "党组织名称")
    # pairing corruptions need a pairing row
    if not led.pairs:
        led.pairs.append([led.roster[0][0], led.roster[1][0], "强村带弱村", "2024-03-01", ""])
    k = data.draw(st.integers(0, len(led.pairs) - 1), label="pairing")
    if kind == "unknown_org":
        led.pairs[k][1] = data.draw(st.sampled_from(_UNKNOWN))
        return Corruption(kind, "unresolved_ref", PAIR_F, k + 2, "受援党组织")
    if kind == "self_pair":
        led.pairs[k][1] = led.pairs[k][0]
        return Corruption(kind, "self_reference", PAIR_F, k + 2, "受援党组织")
    if kind == "bad_date":
        led.pairs[k][3] = data.draw(st.sampled_from(["2024-02-30", "2024年13月", "明年", "2024-13-01", "1800-01-01"]))
        return Corruption(kind, "bad_date", PAIR_F, k + 2, "开始日期")
    if kind == "end_before_start":  # 2018 is outside the generated dates: no accidental duplicate
        led.pairs[k][3], led.pairs[k][4] = "2018-06-01", data.draw(st.sampled_from(["2018-05-31", "2017/1/1", "2018年1月"]))
        return Corruption(kind, "interval_order", PAIR_F, k + 2, "结束日期")
    if kind == "blank_required":
        c = data.draw(st.sampled_from([2, 3]))
        led.pairs[k][c] = data.draw(st.sampled_from(["", "  ", "\u200b", "\u3000"]))
        return Corruption(kind, "required", PAIR_F, k + 2, PAIR_HEAD[c])
    if kind == "unknown_form":
        led.pairs[k][2] = data.draw(st.sampled_from(["手拉手", "一对一帮扶"]))
        return Corruption(kind, "unknown_code", PAIR_F, k + 2, "结对形式")
    if kind == "duplicate_pairing":
        led.pairs.append(list(led.pairs[k]))
        return Corruption(kind, "duplicate_id", PAIR_F, len(led.pairs) + 1, "帮扶党组织")
    if kind == "missing_column":
        led.pair_head = [h for h in PAIR_HEAD if h != "开始日期"]
        led.pairs[:] = [[c for c, h in zip(p, PAIR_HEAD) if h != "开始日期"] for p in led.pairs]
        return Corruption(kind, "missing_column", PAIR_F, 1, "开始日期")
    raise AssertionError(kind)


KINDS = ["bad_category", "bad_integer", "negative", "bad_boolean", "too_long", "self_parent", "formula_error",
         "duplicate_org", "unknown_org", "self_pair", "bad_date", "end_before_start", "blank_required", "unknown_form",
         "duplicate_pairing", "missing_column"]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ledgers(), st.sampled_from(KINDS), st.data())
def test_a_corruption_fails_where_it_was_made(led: Ledgers, kind: str, data: st.DataObject) -> None:
    where = _corrupt(led, kind, data)
    result = _try_build(led)
    assert isinstance(result, gk.ValidationFailed), f"{kind}: the corrupted ledgers built"
    p = result.problems
    errors = p[p["severity"] == "error"]
    assert set(errors["rule"]) == {where.rule}, (kind, errors.to_string())
    hit = errors[(errors["file"] == led.file(where.stem)) & (errors["sheet"] == led.sheet)
                 & (errors["row"] == where.row) & (errors["column"] == where.column)]
    assert len(hit), (kind, where, errors.to_string())


def _try_build(led: Ledgers) -> gk.Graph | gk.ValidationFailed:
    try:
        return _build(led)
    except gk.ValidationFailed as exc:
        return exc


# ---- arbitrary content never crashes --------------------------------------------------------------------------

@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(["党组织名册.csv", "结对共建台账.csv", "党组织名册.xlsx", "片区联建台账.xls", "名册.txt"]),
       st.one_of(st.binary(max_size=3000),
                 st.text(max_size=600).map(lambda t: t.encode("utf-8")),
                 st.text(alphabet=st.sampled_from(list(",;\t\n\"'=#青泥洞村党支部一类2024-03-01 \u200b\u3000")), max_size=600)
                 .map(lambda t: ("党组织名称,分类定级,党员数\n" + t).encode("gb18030", errors="replace")),
                 st.binary(max_size=2000).map(lambda b: b"PK\x03\x04" + b)))
def test_arbitrary_content_never_crashes(name: str, content: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        Folder(Path(tmp)).bytes(name, content)
        for lenient in (False, True):
            try:
                g = gk.build_graph(tmp, lenient=lenient)
            except gk.GraphkitError as exc:  # ValidationFailed or a refusal: a message, not a traceback
                assert str(exc)
                if isinstance(exc, gk.ValidationFailed):
                    assert not exc.problems.empty
            else:
                assert isinstance(g, gk.Graph)
