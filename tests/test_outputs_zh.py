"""What a county office sees (issue 19): outputs in Chinese, correct and readable, on the sample county."""
from __future__ import annotations

import re

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

import graphkit as gk
from graphkit.views import report
from graphkit.analyses.toolkit import natural_key
from graphkit.analyses.analysis import run_all
from graphkit.cli import cli

DISTRICTS = [f"第{n}片区" for n in ("一", "二", "三", "四", "五", "六", "七", "八", "九", "十")]


@pytest.fixture(scope="module")
def results(sample_graph):
    return run_all(sample_graph)


@pytest.fixture(scope="module")
def html(sample_graph, results, tmp_path_factory) -> str:
    p = report.write_report(sample_graph, tmp_path_factory.mktemp("r") / "report.html", results=results)
    return p.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def workbook(sample_graph, results, tmp_path_factory):
    x = report.write_xlsx(sample_graph, results, tmp_path_factory.mktemp("x") / "report.xlsx")
    return openpyxl.load_workbook(x), report.sheet_names(list(results))


def _text(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", html)


# ---- sample data ------------------------------------------------------------------------------------

def test_no_doubled_jiguan_in_the_sample(sample_graph, sample_dir):
    names = sample_graph.tables["Organization"]["name"].dropna()
    assert not names.str.contains("机关机关").any()
    assert "示例县纪委监委机关党支部" in set(names)
    assert "机关机关" not in (sample_dir / "EXPECTED.md").read_text(encoding="utf-8")


# ---- natural order -----------------------------------------------------------------------------------

def test_natural_key_reads_chinese_and_arabic_ordinals():
    names = ["第十二片区", "第二片区", "第十片区", "第一片区", "第十一片区", "第三片区"]
    assert sorted(names, key=natural_key) == ["第一片区", "第二片区", "第三片区", "第十片区", "第十一片区", "第十二片区"]
    assert sorted(["3组", "12组", "一组", "二十组"], key=natural_key) == ["一组", "3组", "12组", "二十组"]


@pytest.mark.parametrize("key", ["cadence_summary", "cadence_months", "activity_counts"])
def test_districts_in_natural_order(results, key):
    order = list(dict.fromkeys(results[key]["district"]))
    assert order == DISTRICTS


def test_month_table_keeps_every_district(html):
    """The report's 片区逐月活动 is a district × month grid: all ten districts, in order, within the row cap."""
    sec = html.split('id="a-cadence_months"')[1].split("</article>")[0]
    table = sec.split("<table")[1]
    rows = re.findall(r"<tr><td>(第.{1,3}片区)</td>", table)
    assert rows == DISTRICTS
    assert "1月" in table and "缺失月数" in table


def test_workbook_districts_in_natural_order(workbook):
    wb, names = workbook
    ws = wb[names["cadence_summary"]]
    header = [c.value for c in ws[1]]
    col = header.index("片区")
    assert [r[col] for r in ws.iter_rows(min_row=2, values_only=True)] == DISTRICTS


# ---- numbers and words -----------------------------------------------------------------------------

def test_years_are_not_thousands(html):
    assert "2,024" not in html and "2,023" not in html
    assert re.search(r'<td class="num">2024</td>', html)


def test_no_raw_codes_or_stray_english(html, workbook):
    text = _text(html)
    for bad in ("as_of", "orgs_covered", "Pairing.added", "家 units", "全部 all", "no_pairing", "village_coverage"):
        assert bad not in text, bad
    wb, names = workbook
    for key in ("headlines", "change_summary", "coverage_overall", "two_coverages", "coverage_by_sector"):
        rows = list(wb[names[key]].iter_rows(values_only=True))
        # codes may stay only in the id/code columns at the end, labelled as such
        code_cols = [j for j, h in enumerate(rows[0]) if str(h).endswith(("编号", "代码"))]
        assert all(j >= len(rows[0]) - len(code_cols) for j in code_cols), (key, rows[0])
        cells = {str(v) for row in rows for j, v in enumerate(row) if v is not None and j not in code_cols}
        assert not {"as_of", "orgs_covered", "Pairing.added", "全部 all", "all", "agency", "village"} & cells, key
        assert not any(re.fullmatch(r"[A-Za-z]+\.(added|ended)|[a-z_]+_[a-z_]+", c) for c in cells), key


def test_caveat_said_once(html):
    assert _text(html).count("仅为计数比较") == 1


def test_monthly_total_explained(html):
    assert "互督、交叉巡回督导另行核对，不计入逐月活动" in html
    assert "活动总数含互督和交叉巡回督导" in html


def test_cluster_section_named_for_what_it_covers(html):
    assert "<h2>联建集群与产业链联盟 " in html and "产业链集群" not in html


# ---- the one-page summary ------------------------------------------------------------------------------

def test_summary_for_leaders(html):
    summary = html.split('<section class="summary"')[1].split("</section>")[0]
    assert "摘要" in summary and "<svg" in summary
    gaps = re.findall(r"<li><b>(.+?)</b>", summary)
    assert len(gaps) == 3
    assert any("83 个后进党组织没有一类党组织帮扶" == g for g in gaps)
    assert summary.count("如：") == 3  # each with names
    assert "32.0%" in summary and "182/568" in summary
    assert html.index('class="summary"') < html.index('id="sec-overview"')


def test_long_tables_cut_with_the_sheet_named(html, results):
    n = len(results["isolated"])
    assert n > 20
    sec = html.split('id="a-isolated"')[1].split("</article>")[0]
    assert sec.count("<tr>") == 21  # header + 20 rows
    assert f"共 {n} 行，此处显示前 20 行" in sec and "“孤立党组织”工作表" in sec


# ---- the workbook ----------------------------------------------------------------------------------------

def test_headline_numbers_are_numbers(workbook):
    wb, names = workbook
    ws = wb[names["headlines"]]
    header = [c.value for c in ws[1]]
    assert header[:4] == ["指标", "数量", "总数", "比例"]
    rows = {r[0]: r for r in ws.iter_rows(min_row=2, values_only=True)}
    covered = rows["参与联建的党组织"]
    assert (covered[1], covered[2]) == (182, 568) and isinstance(covered[1], int)
    assert covered[3] == pytest.approx(182 / 568)
    assert rows["无一类帮扶的后进党组织"][1] == 83
    cell = next(c for c in ws[2 + list(rows).index("参与联建的党组织")] if c.column == 4)
    assert cell.data_type == "n" and "%" in cell.number_format


def test_change_summary_counts_are_numbers(workbook):
    wb, names = workbook
    rows = list(wb[names["change_summary"]].iter_rows(values_only=True))
    assert rows[0] == ("项目", "数量", "日期")
    added = next(r for r in rows if r[0] == "结对共建新增 added")
    assert isinstance(added[1], int)


def test_names_first_ids_last_and_widths_fitted(workbook):
    wb, names = workbook
    ws = wb[names["unpaired_weak"]]
    header = [c.value for c in ws[1]]
    assert header[0] == "党组织名称" and header[-1] == "党组织编号"
    width = {c: ws.column_dimensions[c].width for c in ("A", openpyxl.utils.get_column_letter(len(header)))}
    longest = max(len(str(r[0])) for r in ws.iter_rows(min_row=2, values_only=True))
    assert width["A"] >= 2 * longest  # CJK characters count double
    ids = openpyxl.utils.get_column_letter(len(header))
    assert width[ids] < 30  # 'org-…' ids are 20 ASCII characters, not 45 wide
    ws = wb[names["coverage_by_town"]]
    assert [c.value for c in ws[1]][0] == "分组名称"


# ---- other outputs ---------------------------------------------------------------------------------------

def test_problems_xlsx_in_chinese(tmp_path):
    from graphkit.core.problems import Problems, write_problems

    p = Problems()
    p.add(file="名册.xlsx", sheet="名册", row=3, column="成立日期", value="2024-13-01", rule="bad_date", zh="z", en="e")
    p.add(file="名册.xlsx", row=4, rule="hidden_sheet", severity="warning", zh="z", en="e")
    x = write_problems(p.frame(), tmp_path / "problems.xlsx")
    df = pd.read_excel(x, dtype=str, engine="calamine")
    assert list(df.columns)[:3] == ["严重程度", "文件", "工作表"] and list(df.columns)[-1] == "规则代码"
    assert set(df["严重程度"]) == {"错误", "警告"} and "日期无法识别" in set(df["问题类型"])
    c = write_problems(p.frame(), tmp_path / "problems.csv")  # the CSV stays machine-readable
    assert pd.read_csv(c, encoding="utf-8-sig")["severity"].tolist() == ["error", "warning"]


def test_query_zh_shows_labels(sample_out):
    r = CliRunner().invoke(cli, ["query", str(sample_out), "--name", "unpaired_weak", "--zh"])
    assert r.exit_code == 0, r.output
    out = r.stdout
    assert "领域" in out and "农村" in out and "三类" in out and "无结对" in out and "（未填）" in out
    assert "village" not in out and "no_pairing" not in out and "None" not in out


def test_info_spells_a_missing_town_as_the_report(sample_out):
    r = CliRunner().invoke(cli, ["info", str(sample_out)])
    assert r.exit_code == 0 and "（未填）" in r.stdout and "（空）" not in r.stdout


def test_bad_date_names_the_wrong_part(sample_dir, tmp_path):
    import shutil

    folder = tmp_path / "ledgers"
    shutil.copytree(sample_dir, folder)
    p = folder / "结对共建台账.xlsx"
    wb = openpyxl.load_workbook(p)
    ws = wb.active
    col = [c.value for c in ws[1]].index("开始日期") + 1
    ws.cell(3, col).value = "2023-13-01"
    wb.save(p)
    problems = gk.validate_ledgers(folder)
    bad = problems[problems["rule"] == "bad_date"]
    assert len(bad) == 1
    assert "月份 13 不存在" in bad["message_zh"].iloc[0] and "month 13 does not exist" in bad["message_en"].iloc[0]


def test_district_typo_offers_only_districts(sample_out, tmp_path):
    r = CliRunner().invoke(cli, ["view", str(sample_out), "--kind", "district", "--name", "第十三片区",
                                 "-o", str(tmp_path / "v.html")])
    assert r.exit_code == 1
    choices = r.stderr.split("可选 choices:")[1]
    assert "第一片区、第二片区、第三片区" in choices
    assert "联村" not in choices and "联盟" not in choices and "产业链" not in choices


def test_demo_lists_every_output_with_labels(tmp_path):
    import subprocess
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    out = tmp_path / "out"
    for rel in ["graph/manifest.json", "graph/tables/Organization.parquet", "graph/tables/Pairing.parquet",
                "graph/.cache/x.db", "neo4j-import/nodes/Rating.csv", "neo4j-import/nodes/Place.csv",
                "neo4j-import/relationships/PAIRED_WITH__Organization__Organization.csv", "report.html",
                "views/deep/er/district-1.html", "graph.gexf"]:
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_text("x", encoding="utf-8")
    text = subprocess.run(["bash", str(root / "scripts" / "list_outputs.sh"), str(out)], check=True,
                          capture_output=True, text=True).stdout
    lines = text.splitlines()
    assert any("graph/tables/" in ln and "图谱数据表" in ln and "2 个 files" in ln for ln in lines)
    assert any("neo4j-import/nodes/" in ln and "Neo4j 节点文件" in ln and "2 个 files" in ln for ln in lines)
    assert any("views/deep/er/district-1.html" in ln and "网络视图" in ln for ln in lines)  # any depth
    assert any("graph.gexf" in ln and "Gephi" in ln for ln in lines)
    assert ".cache" not in text and "Rating.csv" not in text
    assert "scripts/list_outputs.sh" in (root / "scripts" / "demo.sh").read_text(encoding="utf-8")


def test_export_import_progress_lines_say_what_was_written(sample_out, tmp_path):
    r = CliRunner().invoke(cli, ["neo4j", "export-import", str(sample_out), "-o", str(tmp_path / "imp")])
    assert r.exit_code == 0, r.output
    lines = [ln for ln in r.stderr.splitlines() if "Rating" in ln]
    assert any(ln.strip().startswith("已写节点 nodes Rating: 1,136 行 rows") for ln in lines), lines
    assert not any(re.fullmatch(r"\S+\.csv: \d+", ln.strip()) for ln in r.stderr.splitlines())


# ---- Gephi ---------------------------------------------------------------------------------------------

def test_gexf_opens_readable_in_gephi(sample_graph, tmp_path):
    import xml.etree.ElementTree as ET

    from graphkit.exports.gephi import FULL_NAME, SHORT_LABEL, write_gexf

    p = write_gexf(sample_graph, tmp_path / "g.gexf", node_types=["Organization", "Collaboration"],
                   link_types=["MEMBER_OF", "PAIRED_WITH"])
    ns = {"g": "http://www.gexf.net/1.2draft", "viz": "http://www.gexf.net/1.2draft/viz"}
    root = ET.parse(p).getroot()
    graph_el = root.find("g:graph", ns)
    assert graph_el.get("mode") == "dynamic" and graph_el.get("timeformat") == "date"
    nodes = graph_el.findall("g:nodes/g:node", ns)
    assert len(nodes) == sample_graph.count("Organization") + sample_graph.count("Collaboration")
    full_id = next(a.get("id") for a in graph_el.findall("g:attributes/g:attribute", ns) if a.get("title") == FULL_NAME)
    xs, colours = set(), set()
    for n in nodes:
        assert n.find("viz:size", ns) is not None
        pos, col = n.find("viz:position", ns), n.find("viz:color", ns)
        xs.add((pos.get("x"), pos.get("y")))
        colours.add((col.get("r"), col.get("g"), col.get("b")))
        full = next(v.get("value") for v in n.findall("g:attvalues/g:attvalue", ns) if v.get("for") == full_id)
        assert len(n.get("label")) <= SHORT_LABEL and (full == n.get("label") or n.get("label").endswith("…")
                                                          or full.endswith(n.get("label")))
    assert len(xs) == len(nodes)  # every node has its own place
    assert len(colours) >= 5      # sectors and types told apart
    labels = {n.get("label") for n in nodes}
    assert "第八片区" in labels and "示例县农业农村局党委" not in labels  # county prefix dropped
    # pairings and memberships carry their interval: the timeline plays
    edges = graph_el.findall("g:edges/g:edge", ns)
    starts = [e.get("start") for e in edges if e.get("start")]
    assert len(starts) >= sample_graph.count("Pairing") and all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", s) for s in starts)
    ended = [e for e in edges if e.get("end")]
    assert ended and all(e.get("end") >= e.get("start", "") for e in ended)
    # the same file every time (layout seeded)
    again = write_gexf(sample_graph, tmp_path / "h.gexf", node_types=["Organization", "Collaboration"],
                       link_types=["MEMBER_OF", "PAIRED_WITH"])
    strip = lambda t: re.sub(r'lastmodifieddate="[^"]+"', "", t)  # noqa: E731
    assert strip(p.read_text(encoding="utf-8")) == strip(again.read_text(encoding="utf-8"))


# ---- Neo4j Browser -------------------------------------------------------------------------------------

def test_import_folder_and_script_come_with_browser_files(sample_out, tmp_path):
    from graphkit.exports.neo4j import export_cypher, export_import
    from graphkit.exports.queries import load_pack
    from graphkit.core.schema import load_schema

    d = export_import(sample_out, tmp_path / "import")
    b = d / "browser"
    style = (b / "graphkit.grass").read_text(encoding="utf-8")
    model = load_schema()
    for ns in __import__("graphkit.exports._graph_shape", fromlist=["graph_shape"]).graph_shape(model).nodes:
        assert f"node.{ns.label} {{" in style
    assert re.search(r'node\.Organization \{[^}]*color: #[0-9A-F]{6};[^}]*caption: "\{name\}";', style)
    assert 'relationship.PAIRED_WITH {' in style and 'caption: "结对共建";' in style
    assert style.count("{") == style.count("}")
    pack = load_pack()
    favs = sorted(p.name for p in (b / "favorites").iterdir())
    assert favs == sorted(f"{n}.cypher" for n in pack)
    fav = (b / "favorites" / "unpaired_weak.cypher").read_text(encoding="utf-8")
    assert fav.startswith(f"// {pack['unpaired_weak'].title}\n")
    assert all(ln.startswith((":param", "//")) for ln in fav.split("MATCH", 1)[0].splitlines() if ln.strip())
    guide = (b / "guide.html").read_text(encoding="utf-8")
    assert guide.count('<slide class="row-fluid">') == len(pack) + 1 and "示例县" in guide
    assert "http" not in guide.split("<carousel", 1)[1].replace("http://HOST", "")  # nothing fetched
    s = export_cypher(sample_out, tmp_path / "load.cypher")
    assert (s.parent / "load-browser" / "graphkit.grass").read_text(encoding="utf-8") == style
