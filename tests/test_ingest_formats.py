"""Ledgers as counties really keep them load correctly: CSV in any of the usual encodings
(detected, not assumed), messy .xlsx workbooks, another county's column layout through a mapping
file alone, and names written in the many ways people write them.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import graphkit as gk
from graphkit.core.paths import loaders_dir
from graphkit.ingest._read import read_file
from graphkit.cli import cli

from corpus.cases import (DIST, DIST_HEAD, PAIR_HEAD, PAIRS, ROSTER, ROSTER_HEAD, Folder, Sheet, base, org_row,
                          roster_with)

MAR1 = pd.Timestamp("2024-03-01")


def _roster_text(rows: list[list[str]] = ROSTER, sep: str = ",") -> str:
    return "\n".join(sep.join(r) for r in [ROSTER_HEAD, *rows]) + "\n"


def _comparable(g: gk.Graph) -> dict[str, pd.DataFrame]:
    return {t: df.drop(columns=["src_hash", "src_file"]) for t, df in g.tables.items()}


# ---- CSV encodings and delimiters -----------------------------------------------------------------------

ENCODINGS = {
    "utf-8": lambda t: t.encode("utf-8"),
    "utf-8-bom": lambda t: b"\xef\xbb\xbf" + t.encode("utf-8"),
    "gb18030": lambda t: t.encode("gb18030"),
    "gbk": lambda t: t.encode("gbk"),
    "utf-16 (Excel Unicode text)": lambda t: t.replace(",", "\t").encode("utf-16"),
}


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> gk.Graph:
    d = tmp_path_factory.mktemp("ref") / "ledgers"
    base(d, pairs=PAIRS)
    return gk.build_graph(d)


@pytest.mark.parametrize("encoding", list(ENCODINGS))
def test_csv_encodings_are_detected(encoding: str, tmp_path: Path, reference: gk.Graph) -> None:
    f = base(tmp_path, pairs=PAIRS)
    f.bytes("党组织名册.csv", ENCODINGS[encoding](_roster_text()))
    g = gk.build_graph(tmp_path)
    assert g.problems.empty
    for t, df in _comparable(reference).items():
        pd.testing.assert_frame_equal(_comparable(g)[t], df, obj=t)


def test_detected_encoding_is_reported_per_file(tmp_path: Path) -> None:
    p = tmp_path / "党组织名册.csv"
    p.write_bytes(_roster_text().encode("gb18030"))
    sheet, = read_file(p, display=p.name)
    assert sheet.cells.iat[3, 0] == "青泥洞村党支部" and sheet.rownum[3] == 4


@pytest.mark.parametrize("sep", [";", "\t", "|"])
def test_other_delimiters(sep: str, tmp_path: Path) -> None:
    f = base(tmp_path)
    f.text("党组织名册.csv", _roster_text(sep=sep))
    assert gk.build_graph(tmp_path).count("Organization") == len(ROSTER)


def test_declared_encoding_is_used(tmp_path: Path) -> None:
    f = base(tmp_path, config="county: 测试县\nfiles:\n  党组织名册.csv: {encoding: gbk}\n")
    f.bytes("党组织名册.csv", _roster_text().encode("gbk"))
    assert gk.build_graph(tmp_path).count("Organization") == len(ROSTER)


# ---- messy workbooks --------------------------------------------------------------------------------------

def _messy_roster_rows() -> tuple[list[list], dict[str, int]]:
    """A roster sheet as counties make them: data from B2, title rows, a two-row header with a
    merged group cell, blank rows between the data. Returns rows and the Excel row of each org."""
    rows: list[list] = [
        [],                                                     # 1 blank
        [None, "测试县基层党组织名册（2024年度）"],                    # 2 title, merged B2:L2
        [None, "填报单位：测试县委组织部", None, None, None, None, None, None, None, "填报日期：2024年3月"],  # 3
        [],                                                     # 4 blank
        [None, "党组织名称", "基本信息", None, None, "所属镇(街道)", "所在村(社区)", "上级党组织", "党员数", "分类定级",
         "定级年度", "是否软弱涣散"],                                   # 5 group header
        [None, None, "组织形式", "领域", "层级"],                    # 6 sub-headers
    ]
    where = {}
    for i, r in enumerate(ROSTER):
        if i in (3, 7):
            rows.append([])  # blank rows inside the data
        cells = list(r)
        cells[7] = int(cells[7]) if i % 2 else float(cells[7])  # numbers as int or float cells
        cells[9] = int(cells[9])
        rows.append([None, *cells])
        where[r[0]] = len(rows)
    return rows, where


@pytest.fixture(scope="module")
def messy_workbooks(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    d = tmp_path_factory.mktemp("messy") / "ledgers"
    f = Folder(d)
    f.text("graphkit.yaml", "county: 测试县\n")
    rows, where = _messy_roster_rows()
    merges = [(1, 1, 1, 11), (4, 1, 5, 1), (4, 2, 4, 4)] + [(4, c, 5, c) for c in range(5, 12)]
    f.xlsx("党组织名册.xlsx", [Sheet("填表说明", [["填表说明"], ["党组织名称请写全称"]]),
                              Sheet("党组织名册", rows, merges=merges)])
    # pairings whose start dates come in every form counties use
    starts = [dt.date(2024, 3, 1), 45352, "2024年3月", "2024/3/1", "2024.03", "2024-03-01", "20240301"]
    strong = ["中池镇党委", "中池镇机关党支部", "青泥洞村党支部", "金桥村党总支", "城关镇党委", "县科协机关党支部",
              "县司法局机关党支部"]
    pair_rows = [PAIR_HEAD] + [[s, "红岩村党支部", "强村带弱村", start, ""] for s, start in zip(strong, starts)]
    f.xlsx("结对共建台账.xlsx", [Sheet("2024年", [["测试县结对共建台账"], [], *pair_rows], merges=[(0, 0, 0, 4)])])
    # a district workbook: one sheet per district, 片区名称 merged over its rows, months as 一月/2月/3
    dist = [DIST_HEAD, [DIST[0][0], DIST[0][1], "牵头单位", "一月", "张三", dt.date(2024, 1, 1), None],
            [None, DIST[1][1], "轮值", "2月", None, "2024年1月", None], [None, DIST[2][1], "成员", 3, None, 45292, None]]
    f.xlsx("片区联建台账.xlsx", [Sheet("第一片区", dist, merges=[(1, 0, 3, 0), (1, 4, 3, 4)])])
    return d, where


def test_messy_workbook_loads_with_excel_row_numbers(messy_workbooks: tuple[Path, dict[str, int]]) -> None:
    d, where = messy_workbooks
    g = gk.build_graph(d)
    assert set(g.problems["rule"]) == {"unrecognized_sheet"}  # the 填表说明 sheet
    orgs = g.orgs.set_index("name")
    assert len(orgs) == len(ROSTER)
    for name, row in where.items():
        assert orgs.at[name, "src_row"] == row and orgs.at[name, "src_sheet"] == "党组织名册"
    assert orgs.at["青泥洞村党支部", "members"] == 28 and orgs.at["红岩村党支部", "category"] == "3"
    assert orgs.at["红岩村党支部", "weak_lax"] == True  # noqa: E712  (a pandas boolean)
    assert orgs.at["中池镇机关党支部", "form"] == "branch" and orgs.at["县科协机关党支部", "level"] == "county"


def test_every_date_form_parses(messy_workbooks: tuple[Path, dict[str, int]]) -> None:
    g = gk.build_graph(messy_workbooks[0])
    pr = g.tables["Pairing"]
    assert len(pr) == 7
    assert (pr["start"] == MAR1).all(), pr["start"].tolist()
    assert sorted(pr["src_row"]) == list(range(4, 11))  # title row, blank row, header on row 3


def test_merged_district_and_month_spellings(messy_workbooks: tuple[Path, dict[str, int]]) -> None:
    g = gk.build_graph(messy_workbooks[0])
    mem = g.tables["Membership"].sort_values("src_row")
    assert mem["host_month"].tolist() == [1, 2, 3]
    assert mem["role"].tolist() == ["lead", "host", "member"]
    assert (mem["start"] == pd.Timestamp("2024-01-01")).all()
    assert g.tables["Collaboration"]["name"].tolist() == ["第一片区"]
    assert g.names("Person").tolist() == ["张三"]


def test_problem_rows_point_at_excel_rows_in_offset_sheets(tmp_path: Path) -> None:
    """A sheet whose data starts at B5 reports the row Excel shows, not a count from its first cell."""
    f = Folder(tmp_path)
    rows: list[list] = [[], [], [], [], [None, *ROSTER_HEAD]] + [[None, *r] for r in ROSTER]
    rows[7][ROSTER_HEAD.index("分类定级") + 1] = "四类"  # Excel row 8
    f.xlsx("党组织名册.xlsx", [Sheet("名册", rows)])
    with pytest.raises(gk.ValidationFailed) as info:
        gk.build_graph(tmp_path)
    p = info.value.problems
    assert p[["sheet", "row", "column", "value", "rule"]].values.tolist() == [["名册", 8, "分类定级", "四类", "unknown_code"]]


def test_csv_and_xlsx_of_the_same_ledger_agree(tmp_path: Path, reference: gk.Graph) -> None:
    f = base(tmp_path / "x")
    (tmp_path / "x" / "党组织名册.csv").unlink()
    f.xlsx("党组织名册.xlsx", [Sheet("Sheet1", [ROSTER_HEAD, *ROSTER])])
    Folder(tmp_path / "x").xlsx("结对共建台账.xlsx", [Sheet("Sheet1", [PAIR_HEAD, *PAIRS])])
    g = gk.build_graph(tmp_path / "x")
    for t, df in _comparable(reference).items():
        pd.testing.assert_frame_equal(_comparable(g)[t].drop(columns=["src_sheet"]), df.drop(columns=["src_sheet"]), obj=t)


# ---- another county's layout through a mapping file alone ------------------------------------------------------

OTHER_ROSTER_HEAD = ["序号", "组织全称", "所在乡镇", "组织性质", "行业", "上级组织", "在册党员", "星级评定"]
OTHER_PAIR_HEAD = ["序号", "帮带方", "被帮带方", "帮带方式", "起始年月"]


def _other_layout(d: Path) -> Folder:
    f = Folder(d)
    f.text("graphkit.yaml", "county: 测试县\n")
    rows = [[i + 1, r[0], r[4], r[1], r[2], r[6], r[7], r[8]] for i, r in enumerate(ROSTER)]
    f.csv("基层组织台账.csv", OTHER_ROSTER_HEAD, rows)
    f.csv("帮带台账.csv", OTHER_PAIR_HEAD, [[1, "青泥洞村党支部", "红岩村党支部", "强村带弱村", "2024年3月"]])
    return f


def _county_mappings(folder: Path) -> None:
    """The county copies two built-in mappings and changes only header aliases and file patterns."""
    folder.mkdir(parents=True, exist_ok=True)
    roster = (loaders_dir() / "roster.yaml").read_text(encoding="utf-8")
    for old, new in [('files: ["*党组织*"', 'files: ["*基层组织*", "*党组织*"'), ("党组织全称]", "党组织全称, 组织全称]"),
                     ("所在镇]", "所在镇, 所在乡镇]"), ("党组织形式]", "党组织形式, 组织性质]"), ("单位类别]", "单位类别, 行业]"),
                     ("上级组织]", "上级组织, 上级组织名称]"), ("党员数量]", "党员数量, 在册党员]")]:
        assert old in roster, old
        roster = roster.replace(old, new, 1)
    (folder / "roster.yaml").write_text(roster, encoding="utf-8")
    pairing = (loaders_dir() / "pairing.yaml").read_text(encoding="utf-8")
    for old, new in [('files: ["*结对*"', 'files: ["*帮带*", "*结对*"'), ("帮扶形式]", "帮扶形式, 帮带方式]"),
                     ("开始时间]", "开始时间, 起始年月]")]:
        assert old in pairing, old
        pairing = pairing.replace(old, new, 1)
    (folder / "pairing.yaml").write_text(pairing, encoding="utf-8")


def _check_other(g: gk.Graph) -> None:
    assert g.count("Organization") == len(ROSTER)
    orgs = g.orgs.set_index("name")
    assert orgs.at["红岩村党支部", "category"] == "3" and orgs.at["青泥洞村党支部", "members"] == 28
    assert g.names()[orgs.at["青泥洞村党支部", "parent"]] == "中池镇党委"
    pr = g.tables["Pairing"]
    assert len(pr) == 1 and pr["start"].iat[0] == MAR1 and pr["form"].iat[0] == "strong_weak_village"


def test_other_layout_fails_without_a_mapping(tmp_path: Path) -> None:
    _other_layout(tmp_path)
    with pytest.raises(gk.GraphkitError) as info:
        gk.build_graph(tmp_path)
    assert "mappings" in str(info.value)


def test_other_layout_loads_with_mappings_folder_in_data_dir(tmp_path: Path) -> None:
    _other_layout(tmp_path)
    _county_mappings(tmp_path / "mappings")
    _check_other(gk.build_graph(tmp_path))


def test_other_layout_loads_with_mapping_option(tmp_path: Path) -> None:
    _other_layout(tmp_path / "ledgers")
    _county_mappings(tmp_path / "layouts")
    out = tmp_path / "out"
    r = CliRunner().invoke(cli, ["build", str(tmp_path / "ledgers"), "-o", str(out), "-q",
                                 "--mapping", str(tmp_path / "layouts" / "roster.yaml"),
                                 "--mapping", str(tmp_path / "layouts" / "pairing.yaml")])
    assert r.exit_code == 0, r.output + r.stderr
    _check_other(gk.read_graph(out))


def test_other_layout_loads_with_mappings_setting(tmp_path: Path) -> None:
    f = _other_layout(tmp_path / "ledgers")
    _county_mappings(tmp_path / "ledgers" / "layouts")
    f.text("graphkit.yaml", "county: 测试县\nmappings: [layouts]\n")
    _check_other(gk.build_graph(tmp_path / "ledgers"))


# ---- name normalization and resolution ------------------------------------------------------------------------

EXTRA = [org_row("城关镇第1小学党支部", 领域="学校"), org_row("县科协(机关)党支部", 层级="县"),
         org_row("测试县水利局机关党支部", 层级="县", 领域="机关")]


@pytest.mark.parametrize("roster_name, written", [
    ("城关镇第1小学党支部", "城关镇第１小学党支部"),            # full-width digit
    ("青泥洞村党支部", "青泥洞村　党支部"),                    # ideographic space
    ("青泥洞村党支部", " 青泥洞村 党支部 "),                   # ordinary spaces
    ("红岩村党支部", "红岩村\u200b党支部\ufeff"),               # zero-width characters
    ("县科协(机关)党支部", "县科协（机关）党支部"),              # full-width brackets
    ("县科协(机关)党支部", "县科协【机关】党支部"),              # 【】
    ("中池镇党委", "中共中池镇委员会"),                         # 中共…委员会
    ("中池镇党委", "中国共产党中池镇委员会"),
    ("青泥洞村党支部", "青泥洞村党支部委员会"),                   # suffix variants
    ("青泥洞村党支部", "中共青泥洞村支部委员会"),
    ("金桥村党总支", "金桥村党总支部委员会"),
    ("金桥村党总支", "金桥村党总支部"),
    ("县农业农村局机关党支部", "测试县农业农村局机关党支部"),      # county prefix, both ways
    ("测试县水利局机关党支部", "县水利局机关党支部"),
    ("测试县水利局机关党支部", "水利局机关党支部"),
    ("红岩村党支部", "红岩村"),                                  # the bare unit name, when unique
])
def test_names_written_differently_resolve(roster_name: str, written: str, tmp_path: Path) -> None:
    base(tmp_path, roster=roster_with(extra=EXTRA),
         pairs=[["青泥洞村党支部" if roster_name != "青泥洞村党支部" else "中池镇党委", written, "其他", "2024-01-01", ""]])
    g = gk.build_graph(tmp_path)
    weak = g.tables["Pairing"]["weak"].iat[0]
    assert g.names()[weak] == roster_name


@pytest.mark.parametrize("written, rule, candidates", [
    ("青石村", "ambiguous_ref", ["青石村党支部", "青石村党总支"]),
    ("青石村党委", "ambiguous_ref", ["青石村党支部", "青石村党总支"]),
    ("红岩材党支部", "unresolved_ref", ["红岩村党支部"]),       # a typo: the close match is suggested
    ("白云山庄党支部", "unresolved_ref", []),                   # nothing close
])
def test_unresolvable_names_are_reported_with_candidates(written: str, rule: str, candidates: list[str],
                                                         tmp_path: Path) -> None:
    base(tmp_path, roster=roster_with(extra=[org_row("青石村党支部"), org_row("青石村党总支", 组织形式="党总支")]),
         pairs=[["青泥洞村党支部", written, "其他", "2024-01-01", ""]])
    with pytest.raises(gk.ValidationFailed) as info:
        gk.build_graph(tmp_path)
    p = info.value.problems
    assert p["rule"].tolist() == [rule] and p["row"].tolist() == [2] and p["column"].tolist() == ["受援党组织"]
    message = p["message_zh"].iat[0] + p["message_en"].iat[0]
    for c in candidates:
        assert c in message
    if not candidates:
        assert "是否是" not in message


def test_stored_names_are_cleaned_but_not_rewritten(tmp_path: Path) -> None:
    """Width and invisible characters are folded for display; prefixes and suffixes are kept as written."""
    base(tmp_path, roster=roster_with({(2, "党组织名称"): "中共中池镇委员会", (5, "党组织名称"): "红岩村\u200b党支部　"}))
    names = set(gk.build_graph(tmp_path).orgs["name"])
    assert {"中共中池镇委员会", "红岩村党支部"} <= names
