"""``graphkit gephi``: write the graph as GEXF or GraphML for Gephi and other network tools.

Light on purpose: click only; :mod:`graphkit.export` is imported inside the command.
"""
from __future__ import annotations

import click

__all__ = ["register"]

def register(cli: click.Group) -> None:
    """Add the ``gephi`` command to the ``graphkit`` group."""
    from ._cli_common import user_errors

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

        from .errors import GraphkitError
        from .export import for_gephi, gephi_graph, write_networkx
        from .io import check_replace, read_graph

        if Path(output).suffix.lower() not in (".gexf", ".graphml"):
            raise GraphkitError(f"输出文件须以 .gexf 或 .graphml 结尾 / the output must be a .gexf or .graphml file: {output}")
        check_replace(output, kind="gephi", force=force)  # before the work
        graph = read_graph(out)
        G = gephi_graph(graph, node_types=node_types or None, link_types=link_types or None, as_of=as_of, lang=lang)
        if Path(output).suffix.lower() == ".gexf":  # colours, sizes, positions, short labels, timeline
            G = for_gephi(G, graph)
        path = write_networkx(G, output, force=force)
        click.echo(f"已写出 wrote {path}: 节点 {G.number_of_nodes()} nodes, 边 {G.number_of_edges()} edges")
