"""Nothing is lost silently: the read report, and every path where a row or a column could vanish
without a word (issue 16, section 1). Each test fails if the message disappears, and checks that
nothing is loaded that should not be."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import graphkit as gk
from corpus.cases import PAIR_F, PAIR_HEAD, PAIRS, ROSTER, ROSTER_F, ROSTER_HEAD, Sheet, base
from graphkit.cli import cli


def _rules(g: gk.Graph, severity: str | None = None) -> list[str]:
    p = g.problems
    return sorted(p["rule"] if severity is None else p.loc[p["severity"] == severity, "rule"])


def _entry(g: gk.Graph, file: str, sheet: str = "") -> dict:
    return next(e for e in g.read_report if e["file"] == file and e["sheet"] == sheet)


# ---- the report itself ---------------------------------------------------------------------------

def test_report_says_how_each_sheet_was_read(tmp_path: Path) -> None:
    f = base(tmp_path / "d", pairs=PAIRS)
    rows = [["序号", *ROSTER_HEAD, "联系人", "备注"]] + [[i + 1, *r, "某某", ""] for i, r in enumerate(ROSTER)]
    (tmp_path / "d" / ROSTER_F).unlink()
    f.xlsx("党组织名册.xlsx", [Sheet("名册", [["测试县党组织名册"], *rows])])
    g = gk.build_graph(tmp_path / "d")
    e = _entry(g, "党组织名册.xlsx", "名册")
    assert e["status"] == "loaded" and e["layout"] == "roster" and e["header_rows"] == [2]
    assert "file name and headers" in e["matched_by"] and e["rows_read"] == 10 and e["rows_skipped"] == 0
    cols = {c["header"]: (c["sheet_column"], c["column"], c["properties"]) for c in e["columns"]}
    assert cols["党组织名称"][:2] == ("B", "name") and "org.name" in cols["党组织名称"][2]
    assert cols["上级党组织"][1] == "parent" and "org.parent" in cols["上级党组织"][2]
    assert [c["header"] for c in e["unused_columns"]] == ["序号", "联系人", "备注"]
    assert e["records"]["Organization"] == 10
    pe = _entry(g, PAIR_F)
    assert pe["layout"] == "pairing" and pe["records"] == {"Pairing": 2}


def test_report_is_written_beside_the_manifest_deterministically(tmp_path: Path) -> None:
    base(tmp_path / "d", pairs=PAIRS)
    outs = []
    for i in range(2):
        r = CliRunner().invoke(cli, ["build", str(tmp_path / "d"), "-o", str(tmp_path / f"o{i}"), "-q"])
        assert r.exit_code == 0, r.output
        assert "读取情况 how each sheet was read" in r.stderr and "结对共建台账.csv → 结对共建台账 pairing" in r.stderr
        outs.append(tmp_path / f"o{i}")
    for name in ("read_report.json", "read_report.csv"):
        assert (outs[0] / name).read_bytes() == (outs[1] / name).read_bytes()
    data = json.loads((outs[0] / "read_report.json").read_text(encoding="utf-8"))
    assert {e["file"] for e in data} == {ROSTER_F, PAIR_F}
    table = pd.read_csv(outs[0] / "read_report.csv", encoding="utf-8-sig")
    assert table.set_index("file").loc[PAIR_F, "records"] == "Pairing 2"
    rt = gk.read_graph(outs[0])  # the graph folder still reads
    assert len(rt["Pairing"]) == 2


def test_problems_workbook_has_the_read_report(tmp_path: Path) -> None:
    base(tmp_path / "d", pairs=PAIRS)
    table = tmp_path / "p.xlsx"
    r = CliRunner().invoke(cli, ["validate", str(tmp_path / "d"), "--problems", str(table)])
    assert r.exit_code == 0, r.output
    assert "读取情况" in r.stderr
    sheet = pd.read_excel(table, sheet_name="读取情况", engine="calamine")
    assert set(sheet["file"]) == {ROSTER_F, PAIR_F} and set(sheet["layout"]) == {"roster", "pairing"}


# ---- totals, subtotals, footers ------------------------------------------------------------------

FOOTERS = ["合计", "小计", "总计", "中池镇小计", "填表人：张三", "审核人：李四", "制表：王五", "填报单位：测试县委组织部",
           "联系电话：0000-1234567", "备注：本表不含已撤销组织"]


def test_totals_and_footers_are_skipped_and_each_reported(tmp_path: Path) -> None:
    f = base(tmp_path / "d")
    rows = [list(r) for r in ROSTER]
    rows.insert(5, ["中池镇小计", "", "", "", "", "", "", "148", "", "", ""])
    rows += [[t, "", "", "", "", "", "", "", "", "", ""] for t in FOOTERS if t != "中池镇小计"]
    f.csv(ROSTER_F, ROSTER_HEAD, rows)
    g = gk.build_graph(tmp_path / "d")
    assert len(g.orgs) == 10 and not g.orgs["name"].str.contains("计|：").any()
    e = _entry(g, ROSTER_F)
    assert sorted(s["text"] for s in e["skipped"]) == sorted(FOOTERS)
    assert e["rows_skipped"] == len(FOOTERS) and {s["row"] for s in e["skipped"]} >= {7}
    assert all(s["reason"] in ("合计/小计行 total row", "表尾 footer") for s in e["skipped"])
    assert not len(g.problems)


def test_a_row_that_is_one_merged_cell_is_skipped_and_reported(tmp_path: Path) -> None:
    f = base(tmp_path / "d", pairs=None)
    (tmp_path / "d" / ROSTER_F).unlink()
    n = len(ROSTER_HEAD)
    note = ["说明：以上为2024年底数据", *[""] * (n - 1)]
    f.xlsx("党组织名册.xlsx", [Sheet("名册", [ROSTER_HEAD, *ROSTER[:3], note, *ROSTER[3:]], merges=[(4, 0, 4, n - 1)])])
    g = gk.build_graph(tmp_path / "d")
    assert len(g.orgs) == 10 and "说明：以上为2024年底数据" not in set(g.orgs["name"])
    e = _entry(g, "党组织名册.xlsx", "名册")
    assert e["skipped"] == [{"row": 5, "reason": "整行合并单元格 one merged cell", "text": "说明：以上为2024年底数据"}]


def test_skip_totals_false_keeps_such_rows(tmp_path: Path) -> None:
    f = base(tmp_path / "d")
    f.csv(ROSTER_F, ROSTER_HEAD, [*ROSTER, ["合计村党支部", "党支部", "农村", "村", "中池镇", "", "中池镇党委", "1", "", "", ""]])
    text = (gk.load_mappings()["roster"].path.read_text(encoding="utf-8")).replace("id: roster", "id: roster\nskip_totals: false")
    f.text("mappings/roster.yaml", text)
    g = gk.build_graph(tmp_path / "d")
    assert "合计村党支部" in set(g.orgs["name"]) and _entry(g, ROSTER_F)["rows_skipped"] == 0


# ---- columns a mapping names ---------------------------------------------------------------------

MAPPING = """
id: mine
match: {files: ["本县名册*"]}
columns:
  name: {aliases: [组织名称], required: true}
  seats: {aliases: [党员数]}
  town: {aliases: [所属乡镇]%s}
entities:
  org:
    type: Organization
    keys: [{column: name, normalize: org}]
    properties:
      name: {column: name, normalize: text}
      members: {column: seats}
  town:
    type: Place
    keys: [{column: town, normalize: place}]
    when: {column: town}
    properties:
      name: {column: town, normalize: text}
      kind: {const: town}
"""


def _mine(tmp_path: Path, optional: str) -> Path:
    f = base(tmp_path / "d")
    f.text("mappings/mine.yaml", MAPPING % optional)
    f.csv("本县名册.csv", ["组织名称", "党员数"], [["石门村党支部", "9"]])
    return tmp_path / "d"


def test_a_mapped_column_absent_from_the_sheet_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(gk.ValidationFailed) as info:
        gk.build_graph(_mine(tmp_path, ""))
    p = info.value.problems
    row = p[p["file"] == "本县名册.csv"].iloc[0]
    assert row["rule"] == "missing_column" and row["column"] == "所属乡镇"
    assert "when" in row["message_zh"] and "optional: true" in row["message_en"]
    g = gk.build_graph(tmp_path / "d", lenient=True)
    assert "石门村党支部" not in set(g.orgs["name"])  # the sheet is not half-read


def test_an_optional_absent_column_is_fine_and_its_condition_is_noted(tmp_path: Path) -> None:
    g = gk.build_graph(_mine(tmp_path, ", optional: true"))
    assert not len(g.problems) and "石门村党支部" in set(g.orgs["name"])
    notes = _entry(g, "本县名册.csv")["notes"]
    assert any("所属乡镇" in n and "town" in n for n in notes)


def test_a_filter_on_an_absent_column_is_an_error(tmp_path: Path) -> None:
    d = _mine(tmp_path, ", optional: true")
    text = (d / "mappings" / "mine.yaml").read_text(encoding="utf-8").replace(
        "columns:", "filters:\n  - {column: town, skip: blank}\ncolumns:", 1)
    (d / "mappings" / "mine.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(gk.ValidationFailed) as info:
        gk.build_graph(d)
    row = info.value.problems.iloc[0]
    assert row["rule"] == "missing_column" and "筛选" in row["message_zh"] and "filters" in row["message_en"]


def test_a_partly_matching_sheet_is_not_handed_to_another_layout(tmp_path: Path) -> None:
    f = base(tmp_path / "d")
    # named as a pairing ledger, with the pairing's two org columns, but laid out as a joint-village sheet
    f.csv(PAIR_F, ["帮扶党组织", "受援党组织", "联村党组织名称", "成员村党组织", "角色"],
          [["青泥洞村党支部", "红岩村党支部", "中池联村党委", "青泥洞村党支部", "牵头"]])
    with pytest.raises(gk.ValidationFailed) as info:
        gk.build_graph(tmp_path / "d")
    p = info.value.problems
    assert set(p["rule"]) == {"missing_column"} and set(p["column"]) == {"结对形式", "开始日期"}
    assert p["message_zh"].str.contains("跨村联建台账").all() and p["message_en"].str.contains("mapping: joint_village").all()
    g = gk.build_graph(tmp_path / "d", lenient=True)
    assert len(g["Membership"]) == 0 and len(g["Pairing"]) == 0 and len(g["Collaboration"]) == 0
    assert _entry(g, PAIR_F)["status"] == "partial"


# ---- files ---------------------------------------------------------------------------------------

def test_a_ledger_no_layout_claims_is_an_error_unless_ignored(tmp_path: Path) -> None:
    f = base(tmp_path / "d")
    f.xlsx("统计表.xlsx", [Sheet("Sheet1", [["项目", "数量"], ["党员", 3]])])
    with pytest.raises(gk.ValidationFailed) as info:
        gk.build_graph(tmp_path / "d")
    p = info.value.problems
    assert p.loc[p["severity"] == "error", "rule"].tolist() == ["unclaimed_file"] and "统计表.xlsx" in set(p["file"])
    assert "ignore" in p.loc[p["rule"] == "unclaimed_file", "message_en"].iloc[0]
    f.text("graphkit.yaml", "county: 测试县\nignore: [统计表.xlsx]\n")
    g = gk.build_graph(tmp_path / "d")
    assert not len(g.problems) and "统计表.xlsx" not in {e["file"] for e in g.read_report}


def test_non_ledger_files_are_passed_over_with_a_note(tmp_path: Path) -> None:
    f = base(tmp_path / "d")
    f.bytes("工作说明.docx", b"PK\x03\x04 not read")
    f.bytes("通知.pdf", b"%PDF-1.4 not read")
    f.bytes("~$党组织名册.xlsx", b"\x00lock")
    g = gk.build_graph(tmp_path / "d")
    assert not len(g.problems) and len(g.orgs) == 10
    notes = {e["file"]: (e["status"], e["notes"][0]) for e in g.read_report if e["status"] == "not_ledger"}
    assert set(notes) == {"工作说明.docx", "通知.pdf", "~$党组织名册.xlsx"}
    assert "lock" in notes["~$党组织名册.xlsx"][1] and ".pdf" in notes["通知.pdf"][1]
    r = CliRunner().invoke(cli, ["validate", str(tmp_path / "d")])
    assert "通知.pdf: 非台账文件，未读取 / not a ledger file, not read" in r.stderr


# ---- warnings: shown by build, and --strict -----------------------------------------------------

def test_build_shows_warnings_and_strict_fails_on_them(tmp_path: Path) -> None:
    base(tmp_path / "d", pairs=[])  # a header-only pairing ledger: a warning
    r = CliRunner().invoke(cli, ["build", str(tmp_path / "d"), "-o", str(tmp_path / "o"), "-q"])
    assert r.exit_code == 0
    assert "1 个警告 warning(s)" in r.stderr and "只有表头，没有数据行" in r.stderr and PAIR_F in r.stderr
    for cmd in (["build", str(tmp_path / "d"), "-o", str(tmp_path / "o2"), "-q", "--strict"],
                ["validate", str(tmp_path / "d"), "--strict"]):
        r = CliRunner().invoke(cli, cmd)
        assert r.exit_code == 1 and "--strict" in r.stderr, r.stderr
    assert not (tmp_path / "o2").exists()
    with pytest.raises(gk.ValidationFailed) as info:
        gk.build_graph(tmp_path / "d", strict=True)
    assert info.value.problems["rule"].tolist() == ["no_data_rows"]


def test_many_warnings_say_where_the_rest_are(tmp_path: Path) -> None:
    f = base(tmp_path / "d")
    for i in range(12):
        f.csv(f"结对共建台账{i:02d}.csv", PAIR_HEAD, [])
    r = CliRunner().invoke(cli, ["build", str(tmp_path / "d"), "-o", str(tmp_path / "o"), "-q"])
    assert r.exit_code == 0 and "12 个警告" in r.stderr
    assert f"其余警告见 the rest are in {tmp_path / 'o' / 'problems.csv'}" in r.stderr
    assert len(pd.read_csv(tmp_path / "o" / "problems.csv")) == 12
