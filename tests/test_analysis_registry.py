"""One declaration per analysis: a new analysis added in a test shows up everywhere, and only there."""
from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import graphkit as gk
from graphkit.analyses.analysis import analysis_columns, run_all
from graphkit.cli import cli
from graphkit.analyses.registry import (
    Registry,
    RegistryError,
    builtin_registry,
    current_registry,
    use_registry,
)

ROOT = Path(__file__).resolve().parent.parent
AS_OF = "2024-12-31"


def _build_docs() -> object:
    spec = importlib.util.spec_from_file_location("build_docs_for_registry_test", ROOT / "scripts" / "build_docs.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


def activity_titles(graph: gk.Graph, *, as_of: object = None) -> pd.DataFrame:
    """Activities per district whose title names a theme day.

    Examples
    --------
    >>> from graphkit.testing import example_graph
    >>> int(activity_titles(example_graph())["theme_days"].sum())
    9

    Returns
    -------
    DataFrame
        ``group, theme_days, has_theme_day``: the group's id, how many titles say 主题党日, whether any does.
    """
    acts = graph.tables["Activity"]
    hit = acts["title"].fillna("").str.contains("主题党日")
    out = (hit.groupby(acts["group"]).sum().rename("theme_days").reset_index())
    out["theme_days"] = out["theme_days"].astype(int)
    out["has_theme_day"] = out["theme_days"] > 0
    return out


def _registry() -> Registry:
    """The built-ins plus one analysis, added by one declaration."""
    reg = builtin_registry().copy()
    reg.analysis("theme_day_titles", section="cadence", title_zh="主题党日活动标题统计", title_en="Theme-day titles",
                 description="活动标题中写明“主题党日”的次数。",
                 columns={"theme_days": ("主题党日次数", "Theme days"), "has_theme_day": ("有主题党日", "Has a theme day")},
                 reads={"Activity": ("title",)}, progress="主题党日 theme days")(activity_titles)
    return reg


def test_run_all_reads_and_runs_the_new_analysis(sample_graph: gk.Graph) -> None:
    reg = _registry()
    assert "title" not in analysis_columns()["Activity"]  # no built-in reads it
    assert "title" in analysis_columns(registry=reg)["Activity"]
    said: list[str] = []
    res = run_all(sample_graph, as_of=AS_OF, registry=reg, progress=said.append)
    assert list(res) == [*builtin_registry(), "theme_day_titles"]
    expected = activity_titles(sample_graph, as_of=AS_OF)
    pd.testing.assert_frame_equal(res["theme_day_titles"], expected)
    assert "主题党日 theme days" in said
    # the built-in tables are the same with the extra analysis
    base = run_all(sample_graph, as_of=AS_OF)
    for key in base:
        pd.testing.assert_frame_equal(res[key], base[key], obj=key)


def test_the_new_analysis_is_gk_name_only_inside_its_block() -> None:
    reg = _registry()
    assert not hasattr(gk, "activity_titles")
    with use_registry(reg):
        assert gk.activity_titles is activity_titles
        assert "activity_titles" in dir(gk)
        assert "theme_day_titles" in gk.analyze(gk.testing.example_graph())
    assert not hasattr(gk, "activity_titles")
    assert "activity_titles" not in dir(gk)
    assert current_registry() is builtin_registry() and "theme_day_titles" not in builtin_registry()


def test_graphkit_analyze_writes_the_new_table(sample_out: Path, tmp_path: Path) -> None:
    with use_registry(_registry()):
        r = CliRunner().invoke(cli, ["analyze", str(sample_out), "--as-of", AS_OF, "-o", str(tmp_path / "a"),
                                     "--zh"])
    assert r.exit_code == 0, r.output
    assert "主题党日 theme days" in r.output  # its progress line (stderr is mixed in)
    meta = json.loads((tmp_path / "a" / "analysis.json").read_text(encoding="utf-8"))
    assert meta["tables"]["theme_day_titles"]["title_zh"] == "主题党日活动标题统计"
    table = pd.read_csv(tmp_path / "a" / "theme_day_titles.csv", encoding="utf-8-sig")
    assert list(table.columns) == ["分组", "主题党日次数", "有主题党日"]
    assert set(table["有主题党日"]) <= {"是", "否"} and table["主题党日次数"].sum() > 0
    # without the block the command knows nothing of it
    r = CliRunner().invoke(cli, ["analyze", str(sample_out), "--as-of", AS_OF, "-o", str(tmp_path / "b"), "-q"])
    assert r.exit_code == 0, r.output
    assert not (tmp_path / "b" / "theme_day_titles.csv").exists()


def test_the_report_shows_the_new_table(sample_graph: gk.Graph, tmp_path: Path) -> None:
    import openpyxl

    with use_registry(_registry()):
        html = gk.write_report(sample_graph, tmp_path / "r.html", as_of=AS_OF, xlsx=tmp_path / "r.xlsx")
    text = html.read_text(encoding="utf-8")
    assert "主题党日活动标题统计" in text and "Theme-day titles" in text and "主题党日次数" in text
    # in its section: after the cadence section's title, before the change section's
    assert text.index("活动节奏") < text.index("主题党日活动标题统计") < text.index("变化 <small>")
    assert "主题党日活动标题统计" in openpyxl.load_workbook(tmp_path / "r.xlsx").sheetnames


def test_the_docs_describe_the_new_analysis() -> None:
    bd = _build_docs()
    before = bd.analyses_reference()  # type: ignore[attr-defined]
    assert "gk.activity_titles(" not in before
    with use_registry(_registry()):
        assert "activity_titles" in bd.analysis_names()  # type: ignore[attr-defined]
        block = bd.analyses_reference()  # type: ignore[attr-defined]
    assert "#### `gk.activity_titles(graph" in block
    assert "Activities per district whose title names a theme day." in block
    assert "| `theme_days` | 主题党日次数 |" in block


def test_registry_declarations_are_checked() -> None:
    builtin = builtin_registry()
    with pytest.raises(RegistryError, match="read-only"):
        builtin.analysis("x", section="overview", title_zh="x", title_en="x", description="x")(activity_titles)
    reg = _registry()
    with pytest.raises(RegistryError, match="already registered"):
        reg.analysis("theme_day_titles", section="cadence", title_zh="x", title_en="x", description="x")(len)
    with pytest.raises(RegistryError, match="unknown section"):
        reg.analysis("other", section="nowhere", title_zh="x", title_en="x", description="x")(activity_titles)
    with pytest.raises(RegistryError, match="another function"):
        reg.analysis("other", section="overview", title_zh="x", title_en="x", description="x",
                     name="village_coverage")(activity_titles)
    with pytest.raises(RegistryError, match="Registry"), use_registry({}):  # type: ignore[arg-type]
        pass
    assert isinstance(gk.GraphkitError, type) and issubclass(RegistryError, gk.GraphkitError)


def test_every_builtin_function_is_public_and_documented() -> None:
    """The registry's public names are gk names with the docstring and signature rules of the API."""
    for name in builtin_registry().public_functions():
        assert name in gk.__all__, name
        assert callable(getattr(gk, name)), name


PLUGIN = '''
import pandas as pd


def n_districts(graph, *, as_of=None):
    """Districts in the graph."""
    c = graph.tables["Collaboration"]
    return pd.DataFrame({"districts": [int((c["kind"] == "district").sum())]})


def register(registry):
    registry.analysis("district_count", section="overview", title_zh="片区数", title_en="Districts",
                      description="片区的数量。", columns={"districts": ("片区数", "Districts")})(n_districts)
'''


def test_graphkit_analyze_in_its_own_process_finds_an_installed_plugin(sample_out: Path, tmp_path: Path,
                                                                        sample_graph: gk.Graph) -> None:
    """An analysis declared in another installed package (entry point ``graphkit.analyses``)."""
    import os
    import subprocess

    site = tmp_path / "site"
    (site / "gk_plugin_demo-0.1.dist-info").mkdir(parents=True)
    (site / "gk_plugin_demo-0.1.dist-info" / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: gk-plugin-demo\nVersion: 0.1\n", encoding="utf-8")
    (site / "gk_plugin_demo-0.1.dist-info" / "entry_points.txt").write_text(
        "[graphkit.analyses]\ndistrict_count = gk_plugin_demo:register\n", encoding="utf-8")
    (site / "gk_plugin_demo.py").write_text(PLUGIN, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(site)])}
    dest = tmp_path / "a"
    res = subprocess.run([sys.executable, "-m", "graphkit.cli", "analyze", str(sample_out), "--as-of", AS_OF,
                          "-o", str(dest), "-q", "--zh"], capture_output=True, text=True, env=env, cwd=tmp_path,
                         timeout=600, check=False)
    assert res.returncode == 0, res.stderr
    table = pd.read_csv(dest / "district_count.csv", encoding="utf-8-sig")
    assert table.to_dict("records") == [{"片区数": int((sample_graph.tables["Collaboration"]["kind"]
                                                       == "district").sum())}]
    meta = json.loads((dest / "analysis.json").read_text(encoding="utf-8"))
    assert meta["tables"]["district_count"]["title_en"] == "Districts"
    # and gk.n_districts in that process
    res = subprocess.run([sys.executable, "-c", "import graphkit as gk; print(gk.n_districts.__module__)"],
                         capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120, check=False)
    assert res.returncode == 0 and res.stdout.strip() == "gk_plugin_demo", res.stderr
    # a broken plugin is named in a bilingual error, not a bare ImportError
    (site / "gk_plugin_demo.py").write_text("raise ImportError('boom')\n", encoding="utf-8")
    res = subprocess.run([sys.executable, "-m", "graphkit.cli", "analyze", str(sample_out), "-q", "-o",
                          str(tmp_path / "b")], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=600,
                         check=False)
    assert res.returncode == 1 and "Traceback" not in res.stderr, res.stderr
    assert "分析插件 district_count" in res.stderr and "cannot be loaded: boom" in res.stderr
    assert not (tmp_path / "b").exists()
