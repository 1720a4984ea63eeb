"""The ``graphkit`` command line.

Exit codes: 0 success, 1 a user error (bad input, missing folder) with a one-paragraph message,
2 a usage error (click's own). Tracebacks are only for bugs.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from ._common import say as _say
from ._common import user_errors
from ._zh import ZhGroup
from ..core.errors import ValidationFailed

__all__ = ["main", "cli"]


@click.group(cls=ZhGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.version_option(package_name="graphkit", message="%(prog)s 版本 version %(version)s",
                      help="显示版本并退出 / show the version and exit.")
def cli() -> None:
    """graphkit：党组织联建台账 → 知识图谱 / county party-building ledgers → a knowledge graph."""


_PROBLEMS_FORCE = ("覆盖不是 graphkit 写出的同名 --problems 文件（输出目录从不覆盖）/ replace a --problems file graphkit "
                   "did not write (never an output folder)")


def _problems_check(path: str | None, force: bool) -> None:
    """Refuse a ``--problems`` file graphkit did not write, before the ledgers are read."""
    if path:
        from ..store.io import check_replace
        check_replace(path, kind="problems", force=force)


def _problems_out(problems: Any, path: str | None, report: list[dict[str, Any]] | None = None, *,
                  command: str = "validate", force: bool = False) -> None:
    if not path:
        return
    from ..core.problems import write_problems
    write_problems(problems, path, read_report=report, command=command, force=force)
    _say(f"问题清单 problem table → {path}")


def _say_report(report: list[dict[str, Any]] | None) -> None:
    if report:
        from ..core.read_report import report_to_text
        _say(report_to_text(report))


def _say_warnings(problems: Any, where: str, *, limit: int = 10) -> None:
    """The warnings: their count, the first few, and where the rest are."""
    if not len(problems):
        return
    warn = problems[problems["severity"] == "warning"]
    if not len(warn):
        return
    from ..core.problems import problems_to_text
    _say(f"{len(warn)} 个警告 warning(s):")
    _say(problems_to_text(warn, limit=limit))
    if len(warn) > limit:
        _say(f"  其余警告见 the rest are in {where}")


@cli.command()
@click.argument("data_dir", type=click.Path(file_okay=False))
@click.option("--mapping", "mappings", multiple=True, type=click.Path(exists=True), help="额外的映射文件/目录 extra mapping file or folder")
@click.option("--problems", "problems_path", type=click.Path(dir_okay=False), help="把问题清单写入 .csv 或 .xlsx / write the problem table")
@click.option("--county", default=None, help="县名（覆盖 graphkit.yaml）/ county name")
@click.option("--strict", is_flag=True, help="警告也视为错误 / treat warnings as errors")
@click.option("--annotate", "annotate_dir", type=click.Path(file_okay=False),
              help="把标注了问题单元格的台账副本写入此新目录（原件不动）/ write copies of the ledgers with each problem cell marked")
@click.option("--force", is_flag=True, help=_PROBLEMS_FORCE)
@user_errors
def validate(data_dir: str, mappings: tuple[str, ...], problems_path: str | None, county: str | None,
             strict: bool, annotate_dir: str | None, force: bool) -> None:
    """校验台账，列出全部问题 / check the ledgers in DATA_DIR and list every problem."""
    from ..ingest.load import build_graph
    from ..core.problems import problems_to_text
    if annotate_dir:  # refuse a bad folder before the ledgers are read
        from ..ingest.annotate import check_annotate_folder
        check_annotate_folder(Path(data_dir), Path(annotate_dir))
    _problems_check(problems_path, force)
    graph = build_graph(data_dir, lenient=True, mappings=mappings, county=county, progress=_say, strict=strict)
    problems = graph.problems
    _say_report(graph.read_report)
    errors = int((problems["severity"] == "error").sum())
    warnings = int((problems["severity"] == "warning").sum())
    if len(problems):
        _say(problems_to_text(problems, limit=200))
    _problems_out(problems, problems_path, graph.read_report, force=force)
    if annotate_dir:
        from ..ingest.annotate import annotate_ledgers
        done = annotate_ledgers(data_dir, annotate_dir, problems=problems)
        _say(f"标注副本 annotated copies → {done.out}: {len(done.annotated)} 个文件已标注 files marked, {done.cells} 个单元格 "
             f"cells, {done.listed_only} 个问题只在问题清单中 listed only; {len(done.copied)} 个无问题文件原样复制 copied unchanged; "
             f"全部问题 every problem: {done.out / '问题清单.xlsx'}")
        for note in done.notes:
            _say(f"  注意 note: {note}")
    click.echo(f"校验完成 validated: {errors} 个错误 errors, {warnings} 个警告 warnings")
    sys.exit(1 if errors else 0)


@cli.command()
@click.argument("data_dir", type=click.Path(file_okay=False))
@click.option("-o", "--out", required=True, type=click.Path(file_okay=False), help="输出目录 output folder")
@click.option("--lenient", is_flag=True, help="只导入有效行，问题清单写在输出旁 / load what is valid, write problems.csv beside")
@click.option("--mapping", "mappings", multiple=True, type=click.Path(exists=True), help="额外的映射 extra mapping file or folder")
@click.option("--problems", "problems_path", type=click.Path(dir_okay=False), help="失败时把问题清单写入此文件 / on failure write the problem table here")
@click.option("--county", default=None, help="县名（覆盖 graphkit.yaml）/ county name")
@click.option("--strict", is_flag=True, help="警告也视为错误 / treat warnings as errors")
@click.option("-q", "--quiet", is_flag=True, help="不显示进度 no progress")
@click.option("--force", is_flag=True, help=_PROBLEMS_FORCE)
@click.option("--full", is_flag=True, help="省级：所有县都重新读取 / province: read every county again, even unchanged ones")
@user_errors
def build(data_dir: str, out: str, lenient: bool, mappings: tuple[str, ...], problems_path: str | None,
          county: str | None, strict: bool, quiet: bool, force: bool, full: bool) -> None:
    """由台账构建图谱并写入输出目录 / build the graph from DATA_DIR into OUT (atomically).

    \b
    DATA_DIR 可以是一个县的台账目录，也可以是每县一个文件夹的省级目录，或每省一个文件夹的全国目录
    （见 docs/province.md）；省级目录只重新读取有变化的县，全国目录只重新构建有变化的省。
    DATA_DIR is one county's ledger folder, a province folder of county folders, or a country folder
    of province folders (docs/province.md); a province rebuild re-reads only the counties that
    changed, a country rebuild builds again only the provinces that changed.
    OUT 须不存在、为空，或是 graphkit 之前构建的图谱目录；其他目录一律不覆盖。
    OUT must be missing, empty, or a graph folder graphkit built before; nothing else is replaced.
    """
    from ..store.io import check_replace, write_graph
    from ..ingest.load import build_graph
    from ..store.country import is_country
    from ..store.province import is_province
    check_replace(out, kind="graph")  # refuse before the work, not after it
    _problems_check(problems_path, force)
    many = "country" if is_country(data_dir) else "province" if is_province(data_dir) else None  # a country first: it looks like a province too
    if many is not None:
        if county is not None:
            raise click.UsageError(f"--county 只用于单县目录 / --county is for one county's folder, not a {many}")
        _build_many(data_dir, out, country=many == "country", lenient=lenient, mappings=mappings,
                    problems_path=problems_path, strict=strict, quiet=quiet, full=full, force=force)
        return
    try:
        graph = build_graph(data_dir, lenient=lenient, mappings=mappings, county=county, progress=None if quiet else _say,
                            strict=strict)
    except ValidationFailed as exc:
        _problems_out(exc.problems, problems_path, getattr(exc, "read_report", None), command="build", force=force)
        raise
    path = write_graph(graph, out)
    _say_report(graph.read_report)
    _say_warnings(graph.problems, str(path / "problems.csv"))
    n_err = int((graph.problems["severity"] == "error").sum()) if len(graph.problems) else 0
    counts = ", ".join(f"{t.label['zh']} {len(graph.tables[t.name])}" for t in graph.model if len(graph.tables[t.name]))
    click.echo(f"已构建 built {path}: {counts}")
    if n_err:
        click.echo(f"宽松模式跳过了 {n_err} 个问题，见 {path / 'problems.csv'} / lenient mode skipped {n_err} problem(s)")
    if len(graph.problems):
        for r in graph.problems[graph.problems["rule"] == "graphkit_output"].itertuples(index=False):
            click.echo(f"注意 note: {r.file} — {r.message_zh} / {r.message_en}")


def _build_many(data_dir: str, out: str, *, country: bool, lenient: bool, mappings: tuple[str, ...],
                problems_path: str | None, strict: bool, quiet: bool, full: bool, force: bool) -> None:
    """Build a province (``country=False``) or a country folder; on failure each failing county's problem table."""
    from ..store.country import CountryFailed, build_country
    from ..store.province import ProvinceFailed, build_province
    build: Any = build_country if country else build_province
    try:
        res = build(data_dir, out, lenient=lenient, mappings=mappings, strict=strict,
                    progress=None if quiet else _say, full=full)
    except (ProvinceFailed, CountryFailed) as exc:
        from ..store.io import atomic_dir
        from ..core.problems import write_problems
        _problems_out(exc.problems, problems_path, command="build", force=force)
        where = Path(f"{Path(out).resolve()}.问题清单")
        with atomic_dir(where, kind="county-problems", command="build") as tmp:  # each failing county's own table, beside the (unchanged) output
            for key, table in exc.failed.items():
                write_problems(table, tmp / f"{key.replace('/', '_')}.xlsx")
        _say(f"各县问题清单 each failing county's problem table → {where}/")
        raise
    _say_warnings(res.problems, str(res.out / "problems.csv"))
    counts = ", ".join(f"{k} {v}" for k, v in res.counts.items() if v)
    if country:
        click.echo(f"已构建全国图谱 built the country {res.out}: {len(res.rebuilt)} 个省重新构建 built, "
                   f"{len(res.reused)} 个沿用 reused; {counts}")
    elif getattr(res, "unchanged", False):
        click.echo(f"省级图谱未变 the province is unchanged {res.out}: {len(res.reused)} 个县（级）的台账均未变，"
                   f"未写入任何文件 / no folder's ledgers changed, no file written; {counts}")
    else:
        click.echo(f"已构建省级图谱 built the province {res.out}: {len(res.rebuilt)} 个县（级）重新读取 re-read, "
                   f"{len(res.reused)} 个沿用 reused, {res.cross_links} 条跨县引用 cross-county references; {counts}")
    n_err = int((res.problems["severity"] == "error").sum()) if len(res.problems) else 0
    if n_err:
        click.echo(f"宽松模式跳过了 {n_err} 个问题，见 {res.out / 'problems.csv'} / lenient mode skipped {n_err} problem(s)")


@cli.command()
@click.argument("out", type=click.Path(file_okay=False))
@user_errors
def info(out: str) -> None:
    """显示图谱的统计 / print counts by type, town, sector, category and link type."""
    from ..store.io import read_graph, read_manifest
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
@click.option("--scale", type=click.Choice(["county", "province", "national"]), default="county", show_default=True,
              help="规模：一个县、一个省或全国 / size: one county, a province or the whole country")
@click.option("--seed", type=int, default=0, show_default=True, help="随机种子，同一种子生成相同台账 / random seed (same seed, same ledgers)")
@click.option("--orgs", "n_orgs", type=int, default=None, help="覆盖组织数 override the number of orgs")
@click.option("--format", "fmt", type=click.Choice(["auto", "xlsx", "csv"]), default="auto", show_default=True,
              help="台账文件格式（auto：县、省用 xlsx，全国用 csv）/ ledger file format (auto: xlsx for a county or province, csv for the country)")
@click.option("-o", "--out", required=True, type=click.Path(file_okay=False), help="输出目录 / output folder")
@click.option("--single-folder", is_flag=True,
              help="省级、全国也写成一个文件夹（旧格式）/ write a province or the country as one folder (the earlier form) "
                   "instead of one folder per county")
@click.option("--counties", type=int, default=None, help="省级、全国：县的个数 / province, national: number of counties")
@click.option("--provinces", type=int, default=None,
              help="全国：省的个数（默认 31）/ national: number of provinces (default 31)")
@user_errors
def synth(scale: str, seed: int, n_orgs: int | None, fmt: str, out: str, single_folder: bool, counties: int | None,
          provinces: int | None) -> None:
    """生成合成台账（测试与基准）/ write synthetic ledgers shaped like a county, province or the country.

    \b
    --scale province 默认每县一个文件夹（另有市直文件夹，少量跨县结对）；--single-folder 写成一个文件夹。
    --scale national 每省一个文件夹、省内每县一个文件夹，逐省生成写出（内存只需一个省）。
    --scale province writes one folder per county (plus city-level folders, a few cross-county
    pairings); --scale national one folder per province with one folder per county in it, generated
    and written one province at a time (the memory of one province); --single-folder writes the
    earlier one-folder form.
    """
    from ..ingest.synth import generate_ledgers, generate_national, generate_province
    if provinces is not None and scale != "national":
        raise click.UsageError("--provinces 只用于 --scale national / --provinces is for --scale national only")
    if scale == "province" and not single_folder:
        counts = generate_province(out, seed=seed, n_orgs=n_orgs, counties=counties, fmt="csv" if fmt == "csv" else "xlsx")
    elif scale == "national" and not single_folder:
        def progress(done: int, total: int, name: str, c: dict[str, int]) -> None:
            click.echo(f"  已写出第 {done}/{total} 个省 {name}：{c['counties']} 个县，{c['roster']:,} 个组织 / "
                       f"wrote province {done} of {total} ({c['counties']} counties, {c['roster']:,} organizations)",
                       err=True)

        counts = generate_national(out, seed=seed, n_orgs=n_orgs, counties=counties, provinces=provinces,
                                   fmt="xlsx" if fmt == "xlsx" else "csv", progress=progress)
    else:
        counts = generate_ledgers(out, scale=scale, seed=seed, n_orgs=n_orgs, fmt=fmt)
    click.echo(f"已生成 wrote {out}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))


# ---- commands from topic modules --------------------------------------------------------------
# Each topic has a light `_cli_<topic>.py` (click only; heavy imports inside the commands) with a
# `register(cli)` function. One line per topic below.
from ._neo4j import register as _register_neo4j; _register_neo4j(cli)  # noqa: E402,E702
from ._view import register as _register_view; _register_view(cli)  # noqa: E402,E702
from ._rdf import register as _register_rdf; _register_rdf(cli)  # noqa: E402,E702
from ._analyze import register as _register_analyze; _register_analyze(cli)  # noqa: E402,E702
from ._export import register as _register_export; _register_export(cli)  # noqa: E402,E702
from ._ledger import register as _register_ledger; _register_ledger(cli)  # noqa: E402,E702
from ._extract import register as _register_extract; _register_extract(cli)  # noqa: E402,E702


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="graphkit")


if __name__ == "__main__":  # pragma: no cover
    main()
