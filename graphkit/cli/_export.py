"""``graphkit gephi`` (GEXF or GraphML for Gephi and other network tools) and ``graphkit export`` (any format
of :mod:`graphkit.exports.exporters`).

Light on purpose: click only; :mod:`graphkit.exports.gephi` is imported inside the command.
"""
from __future__ import annotations

import click

__all__ = ["register"]

def register(cli: click.Group) -> None:
    """Add the ``gephi`` and ``export`` commands to the ``graphkit`` group."""
    from ._common import user_errors

    @cli.command("gephi")
    @click.argument("out", type=click.Path(file_okay=False))
    @click.option("-o", "--output", "output", required=True, type=click.Path(dir_okay=False),
                  help="输出文件，.gexf 或 .graphml / the .gexf or .graphml file to write")
    @click.option("--node-type", "node_types", multiple=True,
                  help="只含这些节点类型（可重复），如 Organization / only these node types (repeatable)")
    @click.option("--link-type", "link_types", multiple=True,
                  help="只含这些关系类型（可重复），如 MEMBER_OF / only these relationship types (repeatable)")
    @click.option("--as-of", "as_of", default=None, help="只含此日有效的联建关系 / only links active on this date")
    @click.option("--lang", type=click.Choice(["zh", "en"]), default=None,
                  help="标签语言（默认 GRAPHKIT_LANG 或 zh）/ language of labels")
    @click.option("--force", is_flag=True,
                  help="即使同名文件不是 graphkit 导出的也覆盖 / replace the output file even if graphkit did not write it")
    @user_errors
    def gephi_cmd(out: str, output: str, node_types: tuple[str, ...], link_types: tuple[str, ...],
                  as_of: str | None, lang: str | None, force: bool) -> None:
        """导出 GEXF/GraphML 供 Gephi 使用 / write OUT as GEXF or GraphML for Gephi, Cytoscape, yEd."""
        from pathlib import Path

        from ..core.errors import GraphkitError
        from ..exports.gephi import for_gephi, gephi_graph, write_networkx
        from ..store.io import check_replace, read_graph

        if Path(output).suffix.lower() not in (".gexf", ".graphml"):
            raise GraphkitError(f"输出文件须以 .gexf 或 .graphml 结尾 / the output must be a .gexf or .graphml file: {output}")
        check_replace(output, kind="gephi", force=force)  # before the work
        graph = read_graph(out)
        G = gephi_graph(graph, node_types=node_types or None, link_types=link_types or None, as_of=as_of, lang=lang)
        if Path(output).suffix.lower() == ".gexf":  # colours, sizes, positions, short labels, timeline
            G = for_gephi(G, graph)
        path = write_networkx(G, output, force=force)
        click.echo(f"已写出 wrote {path}: 节点 {G.number_of_nodes()} nodes, 边 {G.number_of_edges()} edges")

    @cli.command("export")
    @click.argument("out", required=False, type=click.Path(file_okay=False))
    @click.option("-o", "--output", "output", type=click.Path(),
                  help="输出文件或目录，格式由扩展名判断 / the file or folder to write; the format follows its suffix")
    @click.option("--format", "fmt", default=None,
                  help="导出格式（见 --list），默认由扩展名判断 / export format (see --list); default: by the suffix")
    @click.option("--list", "show", is_flag=True, help="列出全部导出格式 / list every export format")
    @user_errors
    def export_cmd(out: str | None, output: str | None, fmt: str | None, show: bool) -> None:
        """按格式导出图谱（GEXF、GraphML、RDF、Neo4j 导入文件……）/ write OUT in any export format."""
        from pathlib import Path

        from ..core.errors import GraphkitError
        from ..exports.exporters import exporters, get_exporter
        from ..store.io import read_graph

        if show:
            for name, ex in sorted(exporters().items()):
                click.echo(f"{name:<14} {ex.describe()}")
            return
        if not out or not output:
            raise GraphkitError("需要输出目录 OUT 和 -o 输出路径 / give the graph folder OUT and -o PATH (or --list)")
        ex = get_exporter(output, format=fmt)  # before reading the graph: a bad suffix fails at once
        path = ex.write(read_graph(out), Path(output))
        click.echo(f"已写出 wrote {path}（{ex.label['zh']} / {ex.label['en']}）")
