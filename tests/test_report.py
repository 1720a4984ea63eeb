"""The analyst report (HTML + Excel), the run_all registry and the analyze/report commands."""
from __future__ import annotations

import json
import re

import pandas as pd
import pytest
from click.testing import CliRunner

import graphkit as gk
from graphkit.views import report
from graphkit.analyses.toolkit import column_labels
from graphkit.testing import example_graph
from graphkit.analyses.analysis import ANALYSES, SECTIONS, run_all
from graphkit.analyses.registry import builtin_registry
from graphkit.cli import cli

AS_OF = "2024-06-30"
EVIL = "<script>alert('x')</script>村党支部"


@pytest.fixture(scope="module")
def evil_graph():
    """The example county with one org renamed to an HTML payload (it is a weak, unpaired org)."""
    g = example_graph()
    tables = dict(g.tables)
    o = tables["Organization"].copy()
    o.loc[o["id"] == "a3", "name"] = EVIL
    tables["Organization"] = o
    return gk.Graph(tables, model=g.model, settings=g.settings)


@pytest.fixture(scope="module")
def results(evil_graph):
    return run_all(evil_graph, as_of=AS_OF)


def test_run_all_has_every_analysis_and_zh_labels(results):
    assert list(results) == list(ANALYSES)
    assert {s.section for s in ANALYSES.values()} == set(SECTIONS)
    registry = builtin_registry()
    labels = {**column_labels(), **registry.column_labels()}
    for key, df in results.items():
        missing = [c for c in df.columns if c not in labels]
        assert not missing, (key, missing)
        zh = registry.to_zh(df, key=key)
        assert not any(re.fullmatch(r"[a-z_]+", c) for c in zh.columns), key


def test_run_all_is_deterministic(evil_graph, results):
    again = run_all(evil_graph, as_of=AS_OF)
    for key, df in results.items():
        pd.testing.assert_frame_equal(df, again[key], obj=key)


def test_html_is_escaped_self_contained_and_complete(evil_graph, results, tmp_path):
    p = report.write_report(evil_graph, tmp_path / "r.html", as_of=AS_OF, results=results)
    html = p.read_text(encoding="utf-8")
    assert "<script" not in html.lower()
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;村党支部" in html
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)  # nothing fetched from anywhere
    assert "<link" not in html and "@import" not in html and "@media print" in html
    for zh, en in SECTIONS.values():
        assert f"{zh} <small>{en}</small>" in html
    for spec in ANALYSES.values():
        if spec.report not in ("headlines", "none"):  # "none": shown only in the province report
            assert spec.title_zh in html, spec.key
    assert any(spec.report == "none" for spec in ANALYSES.values())
    assert html.count("<svg") >= 5  # inline charts
    assert "演示县党组织联建分析报告" in html and "截止日期 as of 2024-06-30" in html


def test_html_is_deterministic(evil_graph, results):
    a = report.render_html(evil_graph, results, as_of=AS_OF)
    b = report.render_html(evil_graph, run_all(evil_graph, as_of=AS_OF), as_of=AS_OF)
    assert a == b


def test_xlsx_one_sheet_per_analysis(evil_graph, results, tmp_path):
    import openpyxl

    x = report.write_xlsx(evil_graph, results, tmp_path / "r.xlsx", as_of=AS_OF)
    wb = openpyxl.load_workbook(x, read_only=True)
    names = wb.sheetnames
    assert names[0] == "说明" and len(names) == len(results) + 1
    assert len(set(names)) == len(names) and all(len(n) <= 31 for n in names)
    ws = wb[report.sheet_names(list(results))["unpaired_weak"]]
    rows = list(ws.iter_rows(values_only=True))
    header = rows[0]
    assert "党组织名称" in header and "原因" in header
    assert EVIL in [r[header.index("党组织名称")] for r in rows[1:]]  # the raw name, as data
    assert "无结对" in [r[header.index("原因")] for r in rows[1:]]


def test_sheet_names_are_short_and_unique():
    names = report.sheet_names(["coverage_by_town", "coverage_by_town_2", "x" * 40])
    assert all(len(n) <= 31 for n in names.values())
    assert len(set(names.values())) == 3


def test_write_is_atomic(evil_graph, results, tmp_path, monkeypatch):
    target = tmp_path / "r.html"
    target.write_text("old", encoding="utf-8")

    def boom(*a, **k):
        raise RuntimeError("render failed")

    monkeypatch.setattr(report, "render_html", boom)
    with pytest.raises(RuntimeError):
        report.write_report(evil_graph, target, as_of=AS_OF, results=results)
    assert target.read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.html"]  # no half-written file left


# ---- the commands --------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def out_dir(tmp_path_factory):
    return gk.write_graph(example_graph(), tmp_path_factory.mktemp("g") / "out")


def test_cli_analyze_writes_csvs_and_headlines(out_dir, tmp_path):
    dest = tmp_path / "an"
    r = CliRunner().invoke(cli, ["analyze", str(out_dir), "--as-of", AS_OF, "-o", str(dest)])
    assert r.exit_code == 0, r.output
    assert "后进党组织有一类帮扶: 1/4" in r.stdout
    assert "覆盖 coverage" in r.stderr  # progress on stderr
    meta = json.loads((dest / "analysis.json").read_text(encoding="utf-8"))
    assert meta["as_of"] == AS_OF and set(meta["tables"]) == set(ANALYSES)
    u = pd.read_csv(dest / "unpaired_weak.csv", encoding="utf-8-sig")
    assert sorted(u["org_id"]) == ["a3", "v3", "v4"]
    # again with Chinese headers, replacing the folder
    r = CliRunner().invoke(cli, ["analyze", str(out_dir), "--as-of", AS_OF, "-o", str(dest), "--zh", "-q"])
    assert r.exit_code == 0 and r.stderr == ""
    assert "党组织名称" in pd.read_csv(dest / "unpaired_weak.csv", encoding="utf-8-sig").columns


def test_cli_analyze_defaults_come_from_settings(out_dir, tmp_path):
    from graphkit.core.settings import override
    dest = tmp_path / "an"
    with override(seed=7, max_per_strong=5, pairing_capacity=4):
        r = CliRunner().invoke(cli, ["analyze", str(out_dir), "--as-of", AS_OF, "-o", str(dest), "-q"])
    assert r.exit_code == 0, r.output
    meta = json.loads((dest / "analysis.json").read_text(encoding="utf-8"))
    assert (meta["seed"], meta["max_per_strong"], meta["capacity"]) == (7, 5, 4)
    r = CliRunner().invoke(cli, ["analyze", str(out_dir), "--as-of", AS_OF, "-o", str(dest), "-q", "--seed", "3"])
    assert json.loads((dest / "analysis.json").read_text(encoding="utf-8"))["seed"] == 3


def test_cli_refuses_bad_input(out_dir, tmp_path):
    r = CliRunner().invoke(cli, ["analyze", str(out_dir), "--as-of", "yesterday-ish", "-o", str(tmp_path / "a")])
    assert r.exit_code == 1 and "无法识别的日期" in r.stderr and "Traceback" not in r.output
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me", encoding="utf-8")
    r = CliRunner().invoke(cli, ["analyze", str(out_dir), "-o", str(tmp_path / "mine")])
    assert r.exit_code == 1 and "拒绝覆盖" in r.stderr
    assert (tmp_path / "mine" / "notes.txt").read_text(encoding="utf-8") == "keep me"
    r = CliRunner().invoke(cli, ["report", str(tmp_path / "nowhere"), "-o", str(tmp_path / "r.html")])
    assert r.exit_code == 1 and "graphkit" in r.stderr


def test_cli_report(out_dir, tmp_path):
    html, xlsx = tmp_path / "r.html", tmp_path / "r.xlsx"
    r = CliRunner().invoke(cli, ["report", str(out_dir), "-o", str(html), "--xlsx", str(xlsx), "--as-of", AS_OF])
    assert r.exit_code == 0, r.output
    assert html.exists() and xlsx.exists()
    assert "生成报告" in r.stderr


# ---- the sample county: every section with the deliberate gaps ----------------------------------

@pytest.fixture(scope="module")
def sample_report(sample_graph: gk.Graph, tmp_path_factory) -> str:
    p = report.write_report(sample_graph, tmp_path_factory.mktemp("rep") / "report.html", max_rows=500)
    return p.read_text(encoding="utf-8")


@pytest.mark.parametrize("fact", [
    "12 个联村党组织覆盖 51/102 个行政村",                     # 跨村联建
    "示例县移民搬迁工作办公室机关党支部",                      # partner not 一类
    "示例县住房和城乡建设局机关党支部",                        # ended without successor
    "安澜街道云春村党支部",                                    # 软弱涣散, unpaired
    "烘茧",                                                    # empty chain stage
    "第三片区 2024年05月",                                     # month without activity (heat-map tooltip)
    "2024年第2季度",                                           # 第七片区 missed 互督
    "2024年下半年",                                            # 第九片区 missed 交叉巡回督导
    "示例县水务集团有限公司党支部",                            # never hosted
    "金桥镇石门村党总支",                                      # rotated
    "进位 34，退位 0",                                         # ratings
])
def test_sample_report_shows_the_gaps(sample_report, fact):
    assert fact in sample_report


def test_sample_report_sections(sample_report):
    for zh, _ in SECTIONS.values():
        assert f'<h2>{zh} ' in sample_report
    m = re.search(r"缺交叉督导的片区半年</div><div class=\"v\">(\d+)", sample_report)
    assert m and m.group(1) == "1"
