"""The three commands that help people write and fix ledgers: templates, annotated copies, mapping suggestions."""
from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import openpyxl
from click.testing import CliRunner

import graphkit as gk
from graphkit.cli import cli
from graphkit.core.mapping import load_mappings
from graphkit.core.schema import load_schema

# ---------------------------------------------------------------------------------------------
# graphkit template

# What a clerk would type into each template (header → value, one dict per row). Every column of
# today's templates is filled; a required column added later makes the test fail until it is.
FILL: dict[str, list[dict[str, object]]] = {
    "党组织名册": [
        {"党组织名称": "示例县示例局党支部", "组织形式": "党支部", "领域": "机关", "层级": "县"},
        {"党组织名称": "示例镇党委", "组织形式": "党委", "领域": "机关", "层级": "镇", "所属镇(街道)": "示例镇"},
        {"党组织名称": "示例镇甲村党支部", "组织形式": "党支部", "领域": "农村", "层级": "村", "所属镇(街道)": "示例镇",
         "所在村(社区)": "甲村", "上级党组织": "示例镇党委", "党员数": 20, "分类定级": "一类", "定级年度": 2024,
         "是否软弱涣散": "否", "第一书记": "张某"},
        {"党组织名称": "示例镇乙村党支部", "组织形式": "党支部", "领域": "农村", "层级": "村", "所属镇(街道)": "示例镇",
         "所在村(社区)": "乙村", "上级党组织": "示例镇党委", "党员数": 9, "分类定级": "三类", "定级年度": 2024,
         "是否软弱涣散": "是", "所在单位": ""},
    ],
    "结对共建台账": [{"帮扶党组织": "示例镇甲村党支部", "受援党组织": "示例镇乙村党支部", "结对形式": "强村带弱村",
                "开始日期": dt.date(2024, 3, 1), "结束日期": ""}],
    "片区联建台账": [{"片区名称": "示例第一片区", "单位名称": "示例县示例局党支部", "角色": "牵头单位", "轮值月份": "3月",
                "联片指导领导": "李某", "加入日期": dt.date(2024, 1, 1), "退出日期": ""}],
    "跨村联建台账": [{"联村党组织名称": "示例镇联村党委", "所属镇(街道)": "示例镇", "成员村党组织": "示例镇甲村党支部",
                "角色": "成员单位", "加入日期": dt.date(2024, 1, 1), "退出日期": ""}],
    "产业链环节表": [{"产业链": "茶产业链", "环节序号": 1, "环节名称": "种植"}],
    "链上联建台账": [{"联盟名称": "茶产业链党委", "产业链": "茶产业链", "党组织名称": "示例镇甲村党支部", "角色": "成员单位",
                "环节名称": "种植", "加入日期": dt.date(2024, 1, 1), "退出日期": ""}],
    "联建活动台账": [{"活动编号": "HD-1", "活动日期": dt.date(2024, 5, 20), "活动名称": "片区主题党日", "活动类型": "主题党日",
                "主办单位": "示例县示例局党支部", "参与单位": "示例镇甲村党支部、示例镇乙村党支部", "所属片区": "示例第一片区"}],
    "行政区划表": [{"镇(街道)": "示例镇", "村(社区)": "甲村", "类型": "行政村"}],
    "分类定级台账": [{"党组织名称": "示例镇乙村党支部", "年度": 2024, "分类定级": "三类", "是否软弱涣散": "是"}],
    "两新组织名册": [{"单位名称": "示例茶业有限公司", "类型": "非公企业", "所属镇(街道)": "示例镇", "是否建立党组织": "否",
                "党组织名称": "", "联系党组织": "示例镇党委", "党建指导员": "王某", "从业人员数": 60}],
}


def _lists(ws) -> dict[str, list[str]]:  # noqa: ANN001
    """Header → the values of the drop-down list on its column (inline lists only)."""
    headers = {c.column_letter: c.value for c in ws[1]}
    out = {}
    for dv in ws.data_validations.dataValidation:
        if dv.type != "list":
            continue
        letter = str(dv.sqref).split(":")[0].rstrip("0123456789")
        out[headers[letter]] = dv.formula1.strip('"').split(",")
    return out


def _fill(folder: Path) -> None:
    for path in sorted(folder.glob("*.xlsx")):
        wb = openpyxl.load_workbook(path)
        ws = wb[path.stem]
        headers = [c.value for c in ws[1]]
        rows = FILL[path.stem]
        # every required column (red header, "必填" in its note) is filled; today every column is
        required = [c.value for c in ws[1] if "必填" in c.comment.text]
        assert required and [h for h in required if not all(r.get(h) not in (None, "") for r in rows)] == [], path.name
        lists = _lists(ws)
        for i, row in enumerate(rows, start=2):
            for j, h in enumerate(headers, start=1):
                value = row.get(h, "")
                if h in lists and value != "":
                    assert value in lists[h], (path.name, h, value, lists[h])
                if value != "":
                    ws.cell(i, j, value)
        wb.save(path)


def test_filled_templates_build_with_zero_problems(tmp_path: Path) -> None:
    out = tmp_path / "templates"
    r = CliRunner().invoke(cli, ["template", "-o", str(out), "--county", "示例县"])
    assert r.exit_code == 0, r.output
    layouts = load_mappings()
    assert len(list(out.glob("*.xlsx"))) == len(layouts)
    _fill(out)
    built = tmp_path / "graph"
    r = CliRunner().invoke(cli, ["build", str(out), "-o", str(built), "-q"])
    assert r.exit_code == 0, r.output
    g = gk.build_graph(out)
    assert g.problems[g.problems["severity"].isin(["error", "warning"])].empty, g.problems.to_string()
    counts = {t: len(g.tables[t]) for t in g.tables}
    assert counts["Organization"] == 4 and counts["Pairing"] == 1 and counts["Rating"] == 1 and counts["Unit"] == 1
    assert counts["Membership"] == 3 and counts["Collaboration"] == 3 and counts["Participation"] == 2
    assert counts["ChainStage"] == 1 and counts["Activity"] == 1 and counts["Post"] == 1 and counts["Person"] == 2
    assert counts["Place"] == 4  # 示例县, 示例镇, 甲村 (roster and places ledger: one record), 乙村
    assert g.settings["county"] == "示例县"
    orgs = g["Organization"].set_index("name")
    assert orgs.loc["示例镇乙村党支部", "category"] == "3" and bool(orgs.loc["示例镇乙村党支部", "weak_lax"])
    assert g["Membership"]["host_month"].dropna().tolist() == [3]
    assert g["Pairing"]["start"].iloc[0] == dt.datetime(2024, 3, 1)


def test_template_dropdowns_formats_and_guide(tmp_path: Path) -> None:
    from graphkit.ingest._layout_info import column_info
    from graphkit.ingest.template import EXAMPLE_HEADER, GUIDE_SHEET, template_name, write_templates

    out = write_templates(tmp_path / "t")
    model = load_schema()
    wb = openpyxl.load_workbook(out / "党组织名册.xlsx")
    ws = wb["党组织名册"]
    lists = _lists(ws)
    # the labels people write, in code-list order, never the raw codes
    assert lists["组织形式"] == [model.codelists["form"].zh(c) for c in model.codelists["form"].codes]
    assert lists["分类定级"] == ["一类", "二类", "三类"] and lists["是否软弱涣散"] == ["是", "否"]
    assert "1" not in lists["分类定级"]
    pairing = openpyxl.load_workbook(out / "结对共建台账.xlsx")
    pws = pairing["结对共建台账"]
    assert _lists(pws)["结对形式"] == [model.codelists["pairing_form"].zh(c) for c in model.codelists["pairing_form"].codes]
    # date columns: a date check and a date format on the column
    dates = sorted(str(dv.sqref) for dv in pws.data_validations.dataValidation if dv.type == "date")
    assert dates == ["D2:D5001", "E2:E5001"]
    assert pws.column_dimensions["D"].number_format == "yyyy-mm-dd"
    # required headers are explained in a comment on the header cell, in Chinese and English
    assert "必填" in pws["A1"].comment.text and "required" in pws["A1"].comment.text
    # the guide: one row per column with meaning, required, allowed values, a fictional example
    guide = pairing[GUIDE_SHEET]
    rows = [[c.value for c in row] for row in guide.iter_rows(min_row=4)]
    assert rows[0][5] == EXAMPLE_HEADER
    table = {r[1]: r for r in rows[1:] if r[1]}
    assert table["「结对形式」"][3] == "必填 required" and "强村带弱村" in table["「结对形式」"][4]
    assert table["「结束日期」"][3] == "选填 optional"
    assert table["「结对形式」"][5].startswith("示例：")
    # every example is a value graphkit reads for its column
    by_name = {template_name(m): m for m in load_mappings().values()}
    for path in out.glob("*.xlsx"):
        g = openpyxl.load_workbook(path)[GUIDE_SHEET]
        info = column_info(by_name[path.stem], model)
        by_header = {i.header: i for i in info.values()}
        for row in g.iter_rows(min_row=5, values_only=True):
            if not row[1]:
                continue
            col = by_header[row[1].strip("「」")]
            ex = row[5]
            if ex is None:  # an optional column left blank in the example (an end date)
                assert not col.required, (path.name, row[1])
            elif col.kind == "code":
                assert model.codelists[col.codelist].lookup(ex.removeprefix("示例：")) is not None, (path.name, ex)
            elif col.kind == "date":
                assert isinstance(ex, dt.datetime), (path.name, ex)
            elif col.kind == "integer":
                assert isinstance(ex, int), (path.name, ex)


def test_template_refuses_a_folder_with_files(tmp_path: Path) -> None:
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "已填.xlsx").write_bytes(b"keep")
    r = CliRunner().invoke(cli, ["template", "-o", str(tmp_path / "t")])
    assert r.exit_code == 1 and "不为空" in r.output and "not empty" in r.output
    assert (tmp_path / "t" / "已填.xlsx").read_bytes() == b"keep"


# ---------------------------------------------------------------------------------------------
# graphkit validate --annotate

def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _bad_county(folder: Path) -> Path:
    """The mini county with: an unknown category in an .xlsx roster under a merged title row (cell I4),
    a two-row pairing header with an unknown weak-side name (cell B4), a pairing CSV missing a required
    column, and a file named .xlsx that is text."""
    from tests._ledgers import ROSTER, ROSTER_HEADER, mini_county, write_csv

    d = mini_county(folder)
    (d / "党组织名册.csv").unlink()
    (d / "结对共建台账.csv").unlink()
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "名册"
    ws.append(["示例县党组织名册（2024年）"])
    ws.merge_cells("A1:K1")
    ws.append(ROSTER_HEADER)
    rows = [list(r) for r in ROSTER]
    rows[1][8] = "四类"
    for r in rows:
        ws.append(r)
    ws["B7"].comment = openpyxl.comments.Comment("原有批注", "clerk")
    wb.save(d / "党组织名册.xlsx")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "结对"
    ws.append(["结对单位", None, "结对形式", "开始日期"])
    ws.append(["强", "弱", None, None])
    ws.merge_cells("A1:B1")
    ws.merge_cells("C1:C2")
    ws.merge_cells("D1:D2")
    ws.append(["东岭镇青石村党支部", "东岭镇白水村党支部", "强村带弱村", "2024-03-01"])
    ws.append(["东岭镇青石村党支部", "东岭镇黑水村党支部", "强村带弱村", "2024-04-01"])
    wb.save(d / "结对共建台账.xlsx")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "片区"
    ws.append(["片区名称", "单位名称", "角色", "轮值月份"])
    ws.append(["第二片区", "农业农村局党委", "牵头单位", "13月"])
    ws.append(["第二片区", "示例县教体局党支部", "成员单位", None])
    ws.merge_cells("A2:A3")
    ws.merge_cells("D2:D3")  # one bad month merged over two rows: two problems, one marked cell
    wb.save(d / "片区补充.xlsx")
    write_csv(d / "共建补充.csv", ["帮扶党组织", "受援党组织", "开始日期"], [["东岭镇党委", "东岭镇白水村党支部", "2024-05-01"]])
    (d / "联建活动台账.xlsx").write_text("活动日期,活动类型\n2024-01-01,主题党日\n", encoding="utf-8")
    return d


def test_annotate_marks_the_exact_cells_and_never_touches_the_originals(tmp_path: Path) -> None:
    from graphkit.ingest.annotate import FILLS, LIST_FILE, LIST_SHEET

    d = _bad_county(tmp_path / "d")
    before = {p.name: _sha(p) for p in d.iterdir()}
    out = tmp_path / "copies"
    r = CliRunner().invoke(cli, ["validate", str(d), "--annotate", str(out)])
    assert r.exit_code == 1, r.output  # the ledgers have errors: validate still says so
    assert {p.name: _sha(p) for p in d.iterdir()} == before  # originals unchanged, nothing added
    assert "标注副本" in r.output and "annotated copies" in r.output
    # the roster: the unknown category is cell I4 (title row 1, headers row 2)
    wb = openpyxl.load_workbook(out / "党组织名册.xlsx")
    assert wb.sheetnames[0] == LIST_SHEET and wb.active.title == LIST_SHEET
    ws = wb["名册"]
    cell = ws["I4"]
    assert cell.value == "四类" and cell.fill.fgColor.rgb.endswith(FILLS["error"])
    assert "取值不在代码表中" in cell.comment.text and "value not in code list" in cell.comment.text
    assert "一类" in cell.comment.text
    marked = [c.coordinate for row in ws.iter_rows() for c in row if c.comment is not None]
    assert sorted(marked) == ["B7", "I4"] and ws["B7"].comment.text == "原有批注"  # the clerk's own note is kept
    assert ws["H4"].fill.fill_type is None
    lst = wb[LIST_SHEET]
    rows = [[c.value for c in row] for row in lst.iter_rows(min_row=3)]
    assert len(rows) == 1 and rows[0][4] == "I4" and rows[0][6] == "「分类定级」" and rows[0][7] == "四类"
    assert lst["E3"].hyperlink.location == "'名册'!I4"
    # the two-row header: the unknown name under 结对单位 / 弱 is cell B4
    pw = openpyxl.load_workbook(out / "结对共建台账.xlsx")["结对"]
    assert "引用的名称找不到" in pw["B4"].comment.text and pw["B4"].fill.fgColor.rgb.endswith(FILLS["error"])
    assert [c.coordinate for row in pw.iter_rows() for c in row if c.comment is not None] == ["B4"]
    # a CSV with a missing column: an .xlsx copy, the problem only in its list (no cell to mark)
    cw = openpyxl.load_workbook(out / "共建补充.xlsx")
    assert [c.value for c in cw["共建补充"][2]] == ["东岭镇党委", "东岭镇白水村党支部", "2024-05-01"]
    assert not [c for row in cw["共建补充"].iter_rows() for c in row if c.comment is not None]
    crow = [c.value for c in cw[LIST_SHEET][3]]
    assert "缺少必需列" in crow[9] and crow[6] == "「结对形式」"
    # the folder-wide list: every problem, linked to the copy's cell; the unreadable file is listed too
    book = openpyxl.load_workbook(out / LIST_FILE)[LIST_SHEET]
    listed = {(row[2].value, row[4].value): row[4].hyperlink for row in book.iter_rows(min_row=3)}
    assert listed[("党组织名册.xlsx", "I4")].target == "党组织名册.xlsx"
    assert listed[("党组织名册.xlsx", "I4")].location == "'名册'!I4"
    assert ("联建活动台账.xlsx", None) in listed and listed[("联建活动台账.xlsx", None)] is None
    assert not (out / "联建活动台账.xlsx").exists()
    # a merged cell: the problems of each row it covers are marked on its top-left cell
    mw = openpyxl.load_workbook(out / "片区补充.xlsx")
    dw = mw["片区"]
    assert [c.coordinate for row in dw.iter_rows() for c in row if c.comment is not None] == ["D2"]
    assert dw["D2"].comment.text.count("数值超出范围") == 2
    assert [r[4] for r in mw[LIST_SHEET].iter_rows(min_row=3, values_only=True)] == ["D2", "D3"]
    # a file without problems is copied byte for byte
    assert _sha(out / "片区联建台账.csv") == before["片区联建台账.csv"]
    problems = gk.validate_ledgers(d)
    assert len(list(book.iter_rows(min_row=3))) == len(problems)


def test_annotate_refuses_folders_that_would_touch_the_ledgers(tmp_path: Path) -> None:
    d = _bad_county(tmp_path / "d")
    before = {p.name: _sha(p) for p in d.iterdir()}
    for bad in (d, d / "copies", tmp_path):
        r = CliRunner().invoke(cli, ["validate", str(d), "--annotate", str(bad)])
        assert r.exit_code == 1 and "标注副本目录" in r.output, (bad, r.output)
    other = tmp_path / "other"
    other.mkdir()
    (other / "keep.txt").write_text("keep", encoding="utf-8")
    r = CliRunner().invoke(cli, ["validate", str(d), "--annotate", str(other)])
    assert r.exit_code == 1 and "不会覆盖" in r.output and (other / "keep.txt").read_text(encoding="utf-8") == "keep"
    assert {p.name: _sha(p) for p in d.iterdir()} == before and not (d / "copies").exists()
    # an earlier set of copies is replaced
    out = tmp_path / "copies"
    for _ in range(2):
        r = CliRunner().invoke(cli, ["validate", str(d), "--annotate", str(out)])
        assert r.exit_code == 1 and (out / "问题清单.xlsx").exists(), r.output


# ---------------------------------------------------------------------------------------------
# graphkit mapping suggest

RENAMED = [["2024年度结对帮扶台账（示例县）", "", "", "", "", "", ""],
           ["序号", "帮扶单位名称", "被帮扶村党组织", "帮扶方式", "结对起始日期", "帮扶责任人", "联系电话"],
           ["1", "东岭镇青石村党支部", "东岭镇白水村党支部", "强村带弱村", "2024-03-01", "赵某", "0000-1234567"]]


def _renamed_county(folder: Path) -> Path:
    """The mini county whose pairing ledger is a GBK CSV with a title line, renamed headers and a file name no layout knows."""
    import csv

    from tests._ledgers import mini_county

    d = mini_county(folder)
    (d / "结对共建台账.csv").unlink()
    with (d / "帮扶情况2024.csv").open("w", encoding="gb18030", newline="") as fh:
        csv.writer(fh).writerows(RENAMED)
    return d


def test_suggestion_for_renamed_headers_loads_and_builds(tmp_path: Path) -> None:
    d = _renamed_county(tmp_path / "d")
    # without a mapping the renamed pairing ledger is not read
    assert gk.build_graph(d, lenient=True).count("Pairing") == 0
    draft = tmp_path / "pairing.yaml"
    r = CliRunner().invoke(cli, ["mapping", "suggest", str(d / "帮扶情况2024.csv"), "-o", str(draft)])
    assert r.exit_code == 0, r.output
    assert "pairing" in r.output and "必需列 required 4/4" in r.output
    text = draft.read_text(encoding="utf-8")
    assert text.startswith("# graphkit 映射草稿")
    m = gk.load_mapping(draft)
    assert m.id == "pairing" and "帮扶单位名称" in m.columns["strong"].aliases
    assert "被帮扶村党组织" in m.columns["weak"].aliases and "帮扶方式" in m.columns["form"].aliases
    assert "结对起始日期" in m.columns["start"].aliases
    assert set(gk.load_mappings()["pairing"].columns["strong"].aliases) <= set(m.columns["strong"].aliases)
    # the headers it could not place, with the nearest candidates
    unplaced = text.split("# 未能对应的表头", 1)[1].split("\n\n", 1)[0]
    assert "A「序号」" in unplaced and "G「联系电话」" in unplaced
    assert "F「帮扶责任人」: strong「帮扶单位」0.44" in unplaced
    (d / "mappings").mkdir()
    draft.replace(d / "mappings" / "pairing.yaml")
    g = gk.build_graph(d)
    assert g.problems[g.problems["severity"].isin(["error", "warning"])].empty, g.problems.to_string()
    pair = g["Pairing"]
    names = g.names("Organization")
    assert len(pair) == 1 and names[pair["strong"].iat[0]] == "东岭镇青石村党支部"
    assert names[pair["weak"].iat[0]] == "东岭镇白水村党支部"
    assert pair["form"].iat[0] == "strong_weak_village" and str(pair["start"].iat[0].date()) == "2024-03-01"
    assert pair["src_row"].iat[0] == 3  # title line 1, headers line 2


def test_suggestion_for_a_two_row_header(tmp_path: Path) -> None:
    from graphkit.ingest.suggest import suggest_mapping
    from tests._ledgers import mini_county

    d = mini_county(tmp_path / "d")
    (d / "结对共建台账.csv").unlink()
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "帮扶"
    ws.append(["2024年度村级党组织结对帮扶情况表"])
    ws.append(["序号", "结对双方", None, "帮扶方式", "结对时间", None, "备注"])
    ws.append([None, "帮扶方", "受援方", None, "起", "止", None])
    for rng in ("A1:G1", "B2:C2", "E2:F2", "A2:A3", "D2:D3", "G2:G3"):
        ws.merge_cells(rng)
    ws.append([1, "东岭镇青石村党支部", "东岭镇白水村党支部", "强村带弱村", "2024-03-01", "2025-02-28", None])
    wb.create_sheet("说明").append(["本表由镇党委填报"])
    wb.save(d / "帮扶情况.xlsx")
    s = suggest_mapping(d / "帮扶情况.xlsx")
    assert s.sheet == "帮扶" and s.others == ["说明"] and s.header_rows == [2, 3] and s.reads_back
    placed = {h.letter: (h.header, h.column) for h in s.headers}
    assert placed == {"A": ("序号", None), "B": ("结对双方(帮扶方)", "strong"), "C": ("结对双方(受援方)", "weak"),
                      "D": ("帮扶方式", "form"), "E": ("结对时间(起)", "start"), "F": ("结对时间(止)", "end"),
                      "G": ("备注", None)}
    (d / "mappings").mkdir()
    (d / "mappings" / "pairing.yaml").write_text(s.yaml, encoding="utf-8")
    (d / "graphkit.yaml").write_text("county: 示例县\nfiles:\n  帮扶情况.xlsx: {sheet: 帮扶}\n", encoding="utf-8")
    g = gk.build_graph(d)
    assert g.problems[g.problems["severity"].isin(["error", "warning"])].empty, g.problems.to_string()
    assert g.count("Pairing") == 1 and str(g["Pairing"]["end"].iat[0].date()) == "2025-02-28"


def test_suggest_picks_the_layout_the_loader_uses_for_every_sample_sheet() -> None:
    from graphkit.ingest.suggest import suggest_mapping

    d = gk.sample_path("sample_county")
    g = gk.build_graph(d)
    seen = 0
    for f, layouts in zip(g.sources["file"], g.sources["layouts"]):
        for part in layouts.split(";"):
            sheet, layout = part.split(":")
            s = suggest_mapping(d / f, sheet=None if sheet == "-" else sheet)
            assert (f, s.layout.id) == (f, layout) and s.missing == [] and s.reads_back
            assert all(h.column for h in s.headers), (f, [h.header for h in s.headers if not h.column])
            seen += 1
    assert seen >= 10


def test_suggest_names_a_missing_sheet_and_prints_yaml_without_out(tmp_path: Path) -> None:
    d = _renamed_county(tmp_path / "d")
    r = CliRunner().invoke(cli, ["mapping", "suggest", str(d / "党组织名册.csv"), "--sheet", "名册"])
    assert r.exit_code == 1 and "没有工作表「名册」" in r.output and "no sheet" in r.output
    r = CliRunner().invoke(cli, ["mapping", "suggest", str(d / "帮扶情况2024.csv"), "--id", "pairing_county"])
    assert r.exit_code == 0 and "id: pairing_county" in r.output
    # an existing file (perhaps an edited mapping) is not overwritten without --force
    mine = tmp_path / "mine.yaml"
    mine.write_text("# edited by hand\n", encoding="utf-8")
    r = CliRunner().invoke(cli, ["mapping", "suggest", str(d / "帮扶情况2024.csv"), "-o", str(mine)])
    assert r.exit_code == 1 and "--force" in r.output and mine.read_text(encoding="utf-8") == "# edited by hand\n"
    r = CliRunner().invoke(cli, ["mapping", "suggest", str(d / "帮扶情况2024.csv"), "-o", str(mine), "--force"])
    assert r.exit_code == 0 and gk.load_mapping(mine).id == "pairing"


def test_annotated_copy_keeps_formula_like_text_as_text(tmp_path: Path) -> None:
    import zipfile

    from graphkit.ingest.annotate import annotate_ledgers
    from tests._ledgers import mini_county

    link = '=HYPERLINK("http://example.invalid","修正")'
    d = mini_county(tmp_path / "d", pairing=[["东岭镇青石村党支部", link, "强村带弱村", "2024-03-01", ""]])
    res = annotate_ledgers(d, tmp_path / "out", problems=gk.validate_ledgers(d))
    assert res.annotated == {"结对共建台账.csv": "结对共建台账.xlsx"} and res.cells == 1
    for name in ("结对共建台账.xlsx", "问题清单.xlsx"):
        with zipfile.ZipFile(tmp_path / "out" / name) as z:
            sheets = [z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
        assert sheets and not any("<f>" in x for x in sheets), name  # no formula anywhere
    ws = openpyxl.load_workbook(tmp_path / "out" / "结对共建台账.xlsx")["结对共建台账"]
    assert ws["B2"].value == link and ws["B2"].data_type == "s" and "引用的名称找不到" in ws["B2"].comment.text


def test_a_long_code_list_is_listed_in_the_guide_sheet(tmp_path: Path) -> None:
    """Excel keeps at most 255 characters of a list typed into a rule: a longer list is a range of 填表说明."""
    import copy
    import dataclasses

    from graphkit.ingest.template import GUIDE_SHEET, write_templates

    model = copy.copy(load_schema())
    cl = model.codelists["activity_type"]
    codes = tuple(f"c{i}" for i in range(60))
    labels = {c: {"zh": f"示例活动类型{i:02d}", "en": f"type {i}"} for i, c in enumerate(codes)}
    model.codelists = {**model.codelists, "activity_type": dataclasses.replace(cl, codes=codes, labels=labels)}
    out = write_templates(tmp_path / "t", layouts=["activities"], model=model)
    wb = openpyxl.load_workbook(out / "联建活动台账.xlsx")
    ws = wb["联建活动台账"]
    headers = {c.column_letter: c.value for c in ws[1]}
    (dv,) = [d for d in ws.data_validations.dataValidation if d.type == "list"
             and headers[str(d.sqref).split(":")[0].rstrip("0123456789")] == "活动类型"]
    sheet, rng = dv.formula1.split("!")
    assert sheet == f"'{GUIDE_SHEET}'"
    values = [c.value for row in wb[GUIDE_SHEET][rng.replace("$", "")] for c in row]
    assert values == [labels[c]["zh"] for c in codes]


def test_values_below_a_header_decide_between_equally_similar_columns(tmp_path: Path) -> None:
    from graphkit.ingest.suggest import suggest_mapping
    from tests._ledgers import write_csv

    path = write_csv(tmp_path / "党组织名册.csv", ["党组织名称", "评定时间", "评定情况"],
                     [["甲村党支部", "2024", "一类"], ["乙村党支部", "2024", "三类"], ["丙村党支部", "2023", "二类"]])
    s = suggest_mapping(path)
    assert s.layout.id == "roster"
    assert {h.header: h.column for h in s.headers} == {"党组织名称": "name", "评定时间": "category_year",
                                                       "评定情况": "category"}


def test_templates_for_a_county_layout_and_a_chosen_few(tmp_path: Path) -> None:
    from graphkit.core.paths import loaders_dir

    own = tmp_path / "mappings"
    own.mkdir()
    text = (loaders_dir() / "pairing.yaml").read_text(encoding="utf-8")
    text = text.replace("id: pairing", "id: county_pairing").replace("zh: 结对共建台账", "zh: 本县结对帮扶台账")
    text = text.replace("[帮扶党组织,", "[帮扶单位名称, 帮扶党组织,")
    (own / "county_pairing.yaml").write_text(text, encoding="utf-8")
    out = tmp_path / "t"
    r = CliRunner().invoke(cli, ["template", "-o", str(out), "--mapping", str(own), "--layout", "county_pairing",
                                 "--layout", "roster"])
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in out.glob("*.xlsx")) == sorted(["本县结对帮扶台账.xlsx", "党组织名册.xlsx"])
    ws = openpyxl.load_workbook(out / "本县结对帮扶台账.xlsx")["本县结对帮扶台账"]
    assert ws["A1"].value == "帮扶单位名称"
    cfg = (out / "graphkit.yaml").read_text(encoding="utf-8")
    assert "本县结对帮扶台账.xlsx:" in cfg and "mapping: county_pairing" in cfg
    r = CliRunner().invoke(cli, ["template", "-o", str(tmp_path / "t2"), "--layout", "nosuch"])
    assert r.exit_code == 1 and "未知的台账格式" in r.output and not (tmp_path / "t2").exists()


def test_annotate_the_whole_bad_input_corpus(tmp_path: Path) -> None:
    """Every case of the bad-input corpus: originals unchanged, every problem listed, cell values where they are cells."""
    from corpus.cases import CASES

    from graphkit.core.text import clean_text
    from graphkit.ingest.annotate import LIST_FILE, annotate_ledgers
    from graphkit.core.errors import GraphkitError

    cell_rules = {"unknown_code", "bad_date", "bad_integer", "bad_boolean", "too_long", "out_of_range"}
    checked = cases = 0
    for n, case in enumerate(c for c in CASES if not c.slow and c.outcome != "refuse"):
        d = tmp_path / f"c{n}" / "ledgers"
        case.make(d)
        before = {p: _sha(p) for p in d.rglob("*") if p.is_file()}
        try:
            problems = gk.validate_ledgers(d)
        except GraphkitError:  # nothing at all could be read: validate says so, there is nothing to annotate
            continue
        res = annotate_ledgers(d, tmp_path / f"c{n}" / "out", problems=problems)
        assert {p: _sha(p) for p in d.rglob("*") if p.is_file()} == before, case.id
        book = openpyxl.load_workbook(res.out / LIST_FILE).active
        assert book.max_row - 2 == len(problems), case.id
        for dest in res.annotated.values():
            wb = openpyxl.load_workbook(res.out / dest)
            for row in wb.worksheets[0].iter_rows(min_row=3):
                link = row[4].hyperlink
                rule = next((r for r, (zh, _) in gk.core.problems.RULES.items() if row[8].value.startswith(zh + " /")), None)
                if link is None or rule not in cell_rules:
                    continue
                sheet, ref = link.location.rsplit("!", 1)
                cell = wb[sheet[1:-1].replace("''", "'")][ref]
                assert cell.comment is not None and row[9].value in cell.comment.text, (case.id, ref)
                if isinstance(cell.value, str):
                    shown = str(row[7].value)  # the problem table shortens long values: "…" at the end
                    text = clean_text(cell.value) or ""
                    # long values are clipped in the problem table: "…" at the end, or "…(共 N 字 / N chars)"
                    head, cut, _ = shown.partition("…")
                    assert (text == clean_text(shown) if not cut else text.startswith(head)), \
                        (case.id, ref, cell.value, shown)
                    checked += 1
        cases += 1
    assert cases >= 50 and checked >= 10
