"""``graphkit rdf …`` and ``graphkit sparql``: RDF export/import, SHACL validation, the SPARQL pack.

Light module: click only; rdflib, pyshacl and pyoxigraph are imported inside the commands.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ._common import user_errors
from ._zh import ZhCommand, ZhGroup

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["register"]

_FORMATS = ["turtle", "nt", "jsonld", "trig", "nquads"]
_STORES = ["memory", "oxigraph"]
_FORCE_HELP = "覆盖不是 graphkit 写出的同名 -o 文件 / replace an output file graphkit did not write"


def _say(msg: str) -> None:
    click.echo(msg, err=True)


def _write_text(path: str, text: str, *, kind: str, command: str, force: bool) -> None:
    from ..store.io import atomic_file
    with atomic_file(path, "w", encoding="utf-8", kind=kind, force=force, command=command) as fh:
        fh.write(text)


def _write_table(df: pd.DataFrame, path: str, *, kind: str, command: str, force: bool) -> None:
    """A result or problem table as .xlsx (signed in its document properties) or .csv (registered)."""
    from ..store.io import atomic_file, output_signature
    from ..core.problems import excel_safe_frame

    df = excel_safe_frame(df)  # for spreadsheets: no text runs as a formula
    if path.endswith(".xlsx"):
        import io as _io
        buf = _io.BytesIO()
        options = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
        import pandas as pd
        with pd.ExcelWriter(buf, engine="xlsxwriter", engine_kwargs={"options": options}) as xw:
            xw.book.set_properties({"comments": output_signature(kind, command)})
            df.to_excel(xw, index=False)
        with atomic_file(path, "wb", kind=kind, force=force, command=command) as fh:
            fh.write(buf.getvalue())
    else:
        with atomic_file(path, "w", encoding="utf-8-sig", kind=kind, force=force, command=command) as fh:
            df.to_csv(fh, index=False)


@click.group(name="rdf", cls=ZhGroup)
def rdf_group() -> None:
    """RDF：导出、导入、SHACL 校验、本体 / RDF export, import, SHACL validation and the ontology."""


@rdf_group.command(name="export")
@click.argument("out", type=click.Path(file_okay=False))
@click.option("-f", "--format", "fmt", type=click.Choice(_FORMATS), default=None,
              help="格式（默认由扩展名判断）/ format (default: from the file suffix)")
@click.option("-o", "--output", "output", required=True, type=click.Path(dir_okay=False), help="输出文件 output file")
@click.option("--base", default=None, help="记录 IRI 的基础地址 / base IRI of record IRIs (default: schema base_iri)")
@click.option("--store", type=click.Choice(_STORES), default="memory", show_default=True,
              help="仅 JSON-LD 使用：memory = rdflib，oxigraph = 较大数据；Turtle/TriG/N-Triples/N-Quads 总是由表流式写出 / "
                   "used for JSON-LD only; the other formats are always streamed from the tables")
@click.option("--force", is_flag=True,
              help="即使同名文件不是 graphkit 导出的也覆盖 / replace the output file even if graphkit did not write it")
@user_errors
def export_cmd(out: str, fmt: str | None, output: str, base: str | None, store: str, force: bool) -> None:
    """把图谱导出为 RDF / export the graph in OUT (a `graphkit build` folder) as RDF.

    TriG（和 N-Quads）把每个台账文件的记录放在各自的命名图中。Turtle、TriG、N-Triples、N-Quads
    分块流式写出，内存不随图谱规模增长。
    TriG (and N-Quads) put each ledger file's records in a named graph of its own. Turtle, TriG,
    N-Triples and N-Quads are streamed chunk by chunk: memory does not grow with the graph.
    """
    from ..store.io import check_replace, read_graph
    from ..exports.rdf import _format_from_suffix, export_rdf

    check_replace(output, kind="rdf", force=force)  # before the work
    graph = read_graph(out)
    fmt = fmt or _format_from_suffix(Path(output))
    path = export_rdf(graph, output, fmt=fmt, base=base, store=store, force=force)
    click.echo(f"已导出 exported {path} ({fmt}, {path.stat().st_size:,} bytes)")


@rdf_group.command(name="import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("-o", "--out", required=True, type=click.Path(file_okay=False), help="输出目录 output folder")
@click.option("-f", "--format", "fmt", type=click.Choice(_FORMATS), default=None, help="格式（默认由扩展名判断）/ format")
@click.option("--store", type=click.Choice(_STORES), default="memory", show_default=True, help="解析器 parser")
@user_errors
def import_cmd(file: str, out: str, fmt: str | None, store: str) -> None:
    """把 graphkit 导出的 RDF 读回为图谱目录 / read RDF written by graphkit back into an output folder."""
    from ..store.io import check_replace, write_graph
    from ..core.problems import problems_to_text
    from ..exports.rdf import read_rdf

    check_replace(out, kind="graph")
    graph = read_rdf(file, fmt=fmt, store=store)
    if len(graph.problems):
        _say(problems_to_text(graph.problems))
    path = write_graph(graph, out, command="rdf import")
    counts = ", ".join(f"{t.label['zh']} {len(graph.tables[t.name])}" for t in graph.model if len(graph.tables[t.name]))
    click.echo(f"已导入 imported {path}: {counts}")


@rdf_group.command(name="validate")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("-f", "--format", "fmt", type=click.Choice(_FORMATS), default=None, help="格式（默认由扩展名判断）/ format")
@click.option("--shapes", "shapes_path", type=click.Path(exists=True, dir_okay=False), default=None,
              help="其他 SHACL 形状文件（默认 graphkit 的）/ other SHACL shapes (Turtle)")
@click.option("--engine", type=click.Choice(["fast", "pyshacl"]), default="fast", show_default=True,
              help="pyshacl = 全部约束交给 pySHACL（较慢）/ let pySHACL evaluate every constraint (slower)")
@click.option("--problems", "problems_path", type=click.Path(dir_okay=False), help="把问题清单写入 .csv 或 .xlsx / write the problem table (.csv or .xlsx)")
@click.option("--force", is_flag=True, help=_FORCE_HELP)
@user_errors
def validate_cmd(file: str, fmt: str | None, shapes_path: str | None, engine: str, problems_path: str | None,
                 force: bool) -> None:
    """用 SHACL 形状校验 RDF 文件 / validate an RDF file against graphkit's SHACL shapes (pySHACL).

    每个违规指回来源台账的文件、工作表和行 / each violation points back to its ledger row.
    """
    from ..core.problems import problems_to_text
    from ..exports.rdf import validate_rdf

    if problems_path:
        from ..store.io import check_replace

        check_replace(problems_path, kind="problems", force=force)  # before the work
    shapes = None
    if shapes_path:
        from rdflib import Graph as RGraph
        shapes = RGraph().parse(shapes_path, format="turtle")
    problems = validate_rdf(file, fmt=fmt, shapes=shapes, engine=engine)
    errors = int((problems["severity"] == "error").sum())
    if len(problems):
        _say(problems_to_text(problems, limit=200))
    if problems_path:
        _write_table(problems, problems_path, kind="problems", command="rdf validate", force=force)
        _say(f"问题清单 problem table → {problems_path}")
    if errors:
        click.echo(f"不符合 SHACL 约束 does not conform: {errors} 个错误 errors, {len(problems) - errors} 个其他 other")
        sys.exit(1)
    click.echo("符合 SHACL 约束 conforms" + (f"（{len(problems)} 个警告 warnings）" if len(problems) else ""))


def _schema_turtle_command(name: str, *, turtle: str, example: str, doc: str) -> None:
    """Add ``graphkit rdf NAME -o FILE``: write the Turtle that ``graphkit.exports.rdf.<turtle>()``
    derives from the schema declaration (``example``: the usual file, for the help text)."""

    @rdf_group.command(name=name, help=doc)
    @click.option("-o", "--output", "output", required=True, type=click.Path(dir_okay=False),
                  help=f"输出文件，如 {example} / output file")
    @click.option("--force", is_flag=True, help=_FORCE_HELP)
    @user_errors
    def command(output: str, force: bool) -> None:
        from ..exports import rdf
        _write_text(output, getattr(rdf, turtle)(), kind="rdf-schema", command=f"rdf {name}", force=force)
        click.echo(f"已生成 wrote {output}")


_schema_turtle_command("ontology", turtle="ontology_turtle", example="schema/ontology.ttl",
                       doc="由模式声明重新生成本体（Turtle）/ regenerate the ontology (Turtle) from the schema declaration.")
_schema_turtle_command("shapes", turtle="shapes_turtle", example="schema/shapes.ttl",
                       doc="由模式声明重新生成 SHACL 形状（Turtle）/ regenerate the SHACL shapes (Turtle) from the declaration.")


@click.command(name="sparql", cls=ZhCommand)
@click.argument("source", required=False, type=click.Path())
@click.option("--name", "name", default=None, help="查询名称 query name (see --list)")
@click.option("-p", "--param", "params", multiple=True, metavar="KEY=VALUE", help="查询参数 a parameter, e.g. -p as_of=2024-06-30")
@click.option("--list", "list_", is_flag=True, help="列出全部查询 / list the queries")
@click.option("--show", is_flag=True, help="只显示查询文本 / print the query text")
@click.option("--store", type=click.Choice(_STORES), default="memory", show_default=True,
              help="memory = rdflib；oxigraph = 大数据量 / oxigraph for large graphs")
@click.option("-o", "--output", "output", type=click.Path(dir_okay=False), default=None, help="写入 .csv 或 .xlsx / write the result to a .csv or .xlsx file")
@click.option("--force", is_flag=True, help=_FORCE_HELP)
@user_errors
def sparql_cmd(source: str | None, name: str | None, params: tuple[str, ...], list_: bool, show: bool, store: str,
               output: str | None, force: bool) -> None:
    """运行 SPARQL 查询 / run a SPARQL query of the pack on SOURCE (an output folder or an RDF file)."""
    from ..core.errors import GraphkitError
    from ..exports.sparql import get_query, list_queries, run_query

    if list_:
        for r in list_queries().itertuples(index=False):
            click.echo(f"{r.name:<26} {r.title}")
            if r.params:
                click.echo(f"{'':<26}   参数 params: {r.params}")
        return
    if not name:
        raise GraphkitError("请用 --name 指定查询，或 --list 列出全部 / give --name NAME (or --list)")
    q = get_query(name)
    if show:
        click.echo(q.text)
        return
    if not source:
        raise GraphkitError("请给出图谱目录或 RDF 文件 / give SOURCE: an output folder or an RDF file")
    given = {}
    for item in params:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise GraphkitError(f"参数应写成 KEY=VALUE / a parameter must be KEY=VALUE, got {item!r}")
        given[key.strip()] = value
    if output:
        from ..store.io import check_replace

        check_replace(output, kind="query-result", force=force)  # before the work
    df = run_query(source, name, params=given, store=store)
    if output:
        _write_table(df, output, kind="query-result", command="sparql", force=force)
        click.echo(f"{len(df)} 行 rows → {output}")
    else:
        import pandas as pd
        with pd.option_context("display.max_rows", 200, "display.max_columns", 50, "display.width", 200):
            click.echo(df.to_string(index=False) if len(df) else "（无结果 no rows）")


def register(cli: click.Group) -> None:
    """Add ``graphkit rdf …`` and ``graphkit sparql`` to the command line."""
    cli.add_command(rdf_group)
    cli.add_command(sparql_cmd)
