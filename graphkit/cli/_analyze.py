"""``graphkit analyze`` and ``graphkit report``: run the analyses, write CSVs or the analyst report.

Light on purpose: click only; pandas and the analyses are imported inside the commands.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

__all__ = ["register"]

_MARKER = "analysis.json"


def _say(msg: str) -> None:
    click.echo(msg, err=True)


def _options(f: Any) -> Any:
    """Options shared by ``analyze`` and ``report``."""
    opts = [
        click.option("--as-of", "as_of", default=None,
                     help="统计日期，如 2024-06-30（默认：最新记录所在月的月末）/ the as-of date (default: month end of the latest record)"),
        click.option("--seed", type=int, default=None,
                     help="随机种子（默认 0，可用 GRAPHKIT_SEED 设置）/ seed of clusters and tie-breaking (default 0 or GRAPHKIT_SEED)"),
        click.option("--max-per-strong", "max_per_strong", type=click.IntRange(min=0), default=None,
                     help="帮扶方最多结对数（默认 2，可用 GRAPHKIT_MAX_PER_STRONG 设置）/ pairs a strong org may carry"),
        click.option("--capacity", type=click.IntRange(min=0), default=None,
                     help="结对建议中帮扶方容量（默认同上，或 GRAPHKIT_PAIRING_CAPACITY）/ capacity in the suggestions"),
        click.option("--rotation-years", "rotation_years", type=click.IntRange(min=0), default=None,
                     help="结对轮换年限（默认 1）/ years before a pair is due for rotation (default 1)"),
        click.option("--compare-to", "compare_to", default=None,
                     help="变化分析的较早日期（默认：一年前）/ earlier date for change over time (default: a year before)"),
        click.option("--previous", type=click.Path(file_okay=False, exists=True), default=None,
                     help="与较早一期的图谱输出目录比较 / compare with an earlier graph output folder"),
        click.option("-q", "--quiet", is_flag=True, help="不显示进度 no progress"),
    ]
    for opt in reversed(opts):
        f = opt(f)
    return f


def _run(out: str, as_of: str | None, options: dict[str, Any], compare_to: str | None, previous: str | None,
         quiet: bool) -> tuple[Any, dict[str, Any], Any]:
    """Read OUT (and PREVIOUS) and run every analysis with the resolved ``options``."""
    from ..analyses.toolkit import as_of_date
    from ..analyses.analysis import analysis_columns, run_all
    from ..store.io import read_graph

    # only what the analyses read: no src_* columns, no participation rows (see analysis_columns)
    columns = analysis_columns()
    graph = read_graph(out, provenance=False, columns=columns)
    prev = read_graph(previous, provenance=False, columns=columns) if previous else None
    ts = as_of_date(graph, as_of)
    results = run_all(graph, as_of=ts, **options, compare_to=compare_to, previous=prev,
                      progress=None if quiet else _say)
    return graph, results, ts


def _print_headlines(results: dict[str, Any]) -> None:
    for r in results["headlines"].itertuples(index=False):
        note = f"（{r.note}）" if r.note else ""
        click.echo(f"{r.label}: {r.value}{note}")


def register(cli: click.Group) -> None:
    """Add the ``analyze`` and ``report`` commands to the ``graphkit`` group."""
    from ._common import user_errors

    @cli.command("analyze")
    @click.argument("out", type=click.Path(file_okay=False))
    @click.option("-o", "--output", "dest", type=click.Path(file_okay=False), default=None,
                  help="CSV 输出目录（默认 OUT/analysis）/ folder for one CSV per analysis (default OUT/analysis)")
    @click.option("--zh", "zh", is_flag=True, help="CSV 用中文列名和标签 / Chinese column names and labels")
    @_options
    @user_errors
    def analyze_cmd(out: str, dest: str | None, zh: bool, as_of: str | None, seed: int | None, max_per_strong: int | None,
                    capacity: int | None, rotation_years: int | None, compare_to: str | None, previous: str | None,
                    quiet: bool) -> None:
        """运行全部分析，每项写一个 CSV 并显示主要指标 / run every analysis on OUT, write one CSV each, print headlines."""
        from ..analyses.analysis import resolve_options
        from ..store.io import atomic_dir, check_replace
        from ..core.problems import excel_safe_frame

        target = Path(dest) if dest else Path(out) / "analysis"
        check_replace(target, kind="analysis")  # before the work; atomic_dir checks again before writing
        options = resolve_options(seed=seed, max_per_strong=max_per_strong, capacity=capacity,
                                  rotation_years=rotation_years)
        from ..analyses.registry import current_registry

        registry = current_registry()
        graph, results, ts = _run(out, as_of, options, compare_to, previous, quiet)
        with atomic_dir(target, kind="analysis", command="analyze") as tmp:
            for key, df in results.items():
                table = registry.to_zh(df, graph.model, key=key) if zh else df
                # opened in Excel (hence the BOM): text that would run as a formula gets a leading '
                excel_safe_frame(table).to_csv(tmp / f"{key}.csv", index=False, encoding="utf-8-sig",
                                               date_format="%Y-%m-%d")
            meta = {"as_of": ts.date().isoformat(), **options,
                    "county": graph.settings.get("county") or "",
                    "tables": {k: {"file": f"{k}.csv", "rows": len(v), "title_zh": registry[k].title_zh,
                                   "title_en": registry[k].title_en} for k, v in results.items()}}
            (tmp / _MARKER).write_text(json.dumps(meta, ensure_ascii=False, indent=2, sort_keys=True) + "\n",
                                       encoding="utf-8")
        _print_headlines(results)
        click.echo(f"已写出 wrote {len(results)} 个 CSV → {target}")

    @cli.command("report")
    @click.argument("out", type=click.Path(file_okay=False))
    @click.option("-o", "--output", "html", required=True, type=click.Path(dir_okay=False),
                  help="报告 HTML 文件 / the .html report to write")
    @click.option("--xlsx", type=click.Path(dir_okay=False), default=None,
                  help="同时写出 Excel 工作簿（每项分析一个工作表）/ also write an .xlsx workbook")
    @click.option("--max-rows", "max_rows", type=click.IntRange(min=1), default=20, show_default=True,
                  help="HTML 中每个表最多显示的行数 / rows shown per table in the HTML")
    @click.option("--force", is_flag=True,
                  help="即使同名 HTML/Excel 文件不是 graphkit 写的也覆盖 / replace the .html and .xlsx files even if "
                       "graphkit did not write them")
    @_options
    @user_errors
    def report_cmd(out: str, html: str, xlsx: str | None, max_rows: int, force: bool, as_of: str | None,
                   seed: int | None, max_per_strong: int | None, capacity: int | None, rotation_years: int | None,
                   compare_to: str | None, previous: str | None, quiet: bool) -> None:
        """生成中文分析报告（单个离线 HTML，可打印；可选 Excel）/ write the analyst report of OUT."""
        from ..analyses.analysis import resolve_options
        from ..store.io import check_replace
        from ..views.report import write_report

        check_replace(html, kind="report", force=force)  # before the work
        if xlsx:
            check_replace(xlsx, kind="report-xlsx", force=force)

        options = resolve_options(seed=seed, max_per_strong=max_per_strong, capacity=capacity,
                                  rotation_years=rotation_years)
        graph, results, ts = _run(out, as_of, options, compare_to, previous, quiet)
        path = write_report(graph, html, as_of=ts, seed=options["seed"], xlsx=xlsx, results=results, max_rows=max_rows,
                            progress=None if quiet else _say, force=force)
        click.echo(f"已写出报告 wrote {path}" + (f" 和 and {xlsx}" if xlsx else ""))
