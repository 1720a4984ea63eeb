"""The ``graphkit`` command line.

Exit codes: 0 success, 1 a user error (bad input, missing folder) with a one-paragraph message,
2 a usage error (click's own). Tracebacks are only for bugs.
"""
from __future__ import annotations

import functools
import sys
from pathlib import Path
from typing import Any, Callable

import click

from .errors import GraphkitError, ValidationFailed

__all__ = ["main", "cli"]


def _say(msg: str) -> None:
    click.echo(msg, err=True)


def user_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn graphkit's domain errors into a message and exit code 1 (no traceback)."""
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ValidationFailed as exc:
            from .problems import problems_to_text
            _say(str(exc))
            _say(problems_to_text(exc.problems))
            sys.exit(1)
        except GraphkitError as exc:
            _say(f"错误 error: {exc}")
            sys.exit(1)
        except KeyboardInterrupt:
            _say("已中断 / interrupted; 输出未改变 / outputs unchanged")
            sys.exit(130)
    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.version_option(package_name="graphkit")
def cli() -> None:
    """graphkit：党组织联建台账 → 知识图谱 / county party-building ledgers → a knowledge graph."""


def _problems_out(problems: Any, path: str | None) -> None:
    if not path:
        return
    from .problems import write_problems
    write_problems(problems, path)
    _say(f"问题清单 problem table → {path}")


@cli.command()
@click.argument("data_dir", type=click.Path(file_okay=False))
@click.option("--mapping", "mappings", multiple=True, type=click.Path(exists=True), help="额外的映射文件/目录 extra mapping file or folder")
@click.option("--problems", "problems_path", type=click.Path(dir_okay=False), help="把问题清单写入 .csv 或 .xlsx / write the problem table")
@click.option("--county", default=None, help="县名（覆盖 graphkit.yaml）/ county name")
@user_errors
def validate(data_dir: str, mappings: tuple[str, ...], problems_path: str | None, county: str | None) -> None:
    """校验台账，列出全部问题 / check the ledgers in DATA_DIR and list every problem."""
    from .load import validate_ledgers
    from .problems import problems_to_text
    problems = validate_ledgers(data_dir, mappings=mappings, county=county, progress=_say)
    errors = int((problems["severity"] == "error").sum())
    warnings = int((problems["severity"] == "warning").sum())
    if len(problems):
        _say(problems_to_text(problems, limit=200))
    _problems_out(problems, problems_path)
    click.echo(f"校验完成 validated: {errors} 个错误 errors, {warnings} 个警告 warnings")
    sys.exit(1 if errors else 0)


@cli.command()
@click.argument("data_dir", type=click.Path(file_okay=False))
@click.option("-o", "--out", required=True, type=click.Path(file_okay=False), help="输出目录 output folder")
@click.option("--lenient", is_flag=True, help="只导入有效行，问题清单写在输出旁 / load what is valid, write problems.csv beside")
@click.option("--mapping", "mappings", multiple=True, type=click.Path(exists=True), help="额外的映射 extra mapping file or folder")
@click.option("--problems", "problems_path", type=click.Path(dir_okay=False), help="失败时把问题清单写入此文件 / on failure write the problem table here")
@click.option("--county", default=None, help="县名（覆盖 graphkit.yaml）/ county name")
@click.option("-q", "--quiet", is_flag=True, help="不显示进度 no progress")
@user_errors
def build(data_dir: str, out: str, lenient: bool, mappings: tuple[str, ...], problems_path: str | None,
          county: str | None, quiet: bool) -> None:
    """由台账构建图谱并写入输出目录 / build the graph from DATA_DIR into OUT (atomically).

    \b
    OUT 须不存在、为空，或是 graphkit 之前构建的图谱目录；其他目录一律不覆盖。
    OUT must be missing, empty, or a graph folder graphkit built before; nothing else is replaced.
    """
    from .io import check_replace, write_graph
    from .load import build_graph
    check_replace(out, kind="graph")  # refuse before the work, not after it
    try:
        graph = build_graph(data_dir, lenient=lenient, mappings=mappings, county=county, progress=None if quiet else _say)
    except ValidationFailed as exc:
        _problems_out(exc.problems, problems_path)
        raise
    path = write_graph(graph, out)
    n_err = int((graph.problems["severity"] == "error").sum()) if len(graph.problems) else 0
    counts = ", ".join(f"{t.label['zh']} {len(graph.tables[t.name])}" for t in graph.model if len(graph.tables[t.name]))
    click.echo(f"已构建 built {path}: {counts}")
    if n_err:
        click.echo(f"宽松模式跳过了 {n_err} 个问题，见 {path / 'problems.csv'} / lenient mode skipped {n_err} problem(s)")
    if len(graph.problems):
        for r in graph.problems[graph.problems["rule"] == "graphkit_output"].itertuples(index=False):
            click.echo(f"注意 note: {r.file} — {r.message_zh} / {r.message_en}")


@cli.command()
@click.argument("out", type=click.Path(file_okay=False))
@user_errors
def info(out: str) -> None:
    """显示图谱的统计 / print counts by type, town, sector, category and link type."""
    from .io import read_graph, read_manifest
    graph = read_graph(out)
    manifest = read_manifest(out)
    click.echo(f"图谱 graph: {out}  县 county: {graph.settings.get('county') or '-'}  "
               f"模式 schema v{manifest['schema_version']}  构建 built {manifest['created']}")
    tables = graph.info()
    titles = {"types": "记录类型 record types", "links": "关系 relationships", "mechanisms": "联建机制 mechanisms"}
    for key, df in tables.items():
        click.echo(f"\n== {titles.get(key, key)} ==")
        click.echo(df.to_string(index=False))


@cli.command()
@click.option("--scale", type=click.Choice(["county", "province", "national"]), default="county", show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--orgs", "n_orgs", type=int, default=None, help="覆盖组织数 override the number of orgs")
@click.option("--format", "fmt", type=click.Choice(["auto", "xlsx", "csv"]), default="auto", show_default=True)
@click.option("-o", "--out", required=True, type=click.Path(file_okay=False))
@user_errors
def synth(scale: str, seed: int, n_orgs: int | None, fmt: str, out: str) -> None:
    """生成合成台账（测试与基准）/ write synthetic ledgers shaped like a county, province or the country."""
    from .synth import generate_ledgers
    counts = generate_ledgers(out, scale=scale, seed=seed, n_orgs=n_orgs, fmt=fmt)
    click.echo(f"已生成 wrote {out}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))


# ---- commands from topic modules --------------------------------------------------------------
# Each topic has a light `_cli_<topic>.py` (click only; heavy imports inside the commands) with a
# `register(cli)` function. One line per topic below.
from ._cli_neo4j import register as _register_neo4j; _register_neo4j(cli)  # noqa: E402,E702
from ._cli_view import register as _register_view; _register_view(cli)  # noqa: E402,E702
from ._cli_rdf import register as _register_rdf; _register_rdf(cli)  # noqa: E402,E702
from ._cli_analyze import register as _register_analyze; _register_analyze(cli)  # noqa: E402,E702
from ._cli_export import register as _register_export; _register_export(cli)  # noqa: E402,E702


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="graphkit")


if __name__ == "__main__":  # pragma: no cover
    main()
