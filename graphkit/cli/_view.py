"""``graphkit view``: write an interactive, offline HTML network view (see :mod:`graphkit.views.view`).

Light on purpose: click only; the view machinery is imported inside the command.
"""
from __future__ import annotations

import click

__all__ = ["register"]

# Kept in step with graphkit.views.view.KINDS / COLOR_BY / SIZE_BY (checked by tests/test_view.py)
_KINDS = ("county", "district", "chain", "pairing", "org", "cluster")
_COLOR_BY = ("sector", "mechanism", "category", "town", "cluster")
_SIZE_BY = ("degree", "members")


def register(cli: click.Group) -> None:
    """Add the ``view`` command to the ``graphkit`` group."""
    from ._common import user_errors

    @cli.command("view")
    @click.argument("out", type=click.Path(file_okay=False))
    @click.option("--kind", type=click.Choice(_KINDS), default="county", show_default=True,
                  help="视图类型 view kind: 全县 county / 片区 district / 产业链 chain / 结对 pairing / "
                       "党组织邻域 org / 集群 cluster")
    @click.option("--name", default=None,
                  help="片区、产业链或党组织的名称；镇(街道)名 (county, pairing)；集群编号 (cluster) / "
                       "what to show: a district, chain or org name, a town (county, pairing) or a cluster number")
    @click.option("-o", "--output", "output", required=True, type=click.Path(dir_okay=False),
                  help="输出的 .html 文件 / the .html file to write")
    @click.option("--as-of", "as_of", default=None, help="统计日期，如 2024-06-30（默认：最新记录日期）/ date of the links")
    @click.option("--seed", type=int, default=0, show_default=True, help="随机种子 seed (layouts, clusters)")
    @click.option("--max-nodes", "max_nodes", type=click.IntRange(min=1), default=3000, show_default=True,
                  help="超过此节点数则按镇(集群)汇总并写下钻页面 / aggregate above this many nodes")
    @click.option("--color-by", "color_by", type=click.Choice(_COLOR_BY), default=None,
                  help="节点颜色 node colour (默认 default: sector; cluster 视图按集群)")
    @click.option("--size-by", "size_by", type=click.Choice(_SIZE_BY), default="degree", show_default=True,
                  help="节点大小 node size: 连接数 degree / 党员数 members")
    @click.option("--max-per-strong", "max_per_strong", type=click.IntRange(min=1), default=2, show_default=True,
                  help="结对视图：帮扶方最多结对数 / pairing view: pairs a strong org may carry")
    @click.option("--radius", type=click.IntRange(min=1, max=5), default=1, show_default=True,
                  help="党组织邻域的步数 / org view: link steps")
    @click.option("--no-drilldown", "no_drilldown", is_flag=True,
                  help="汇总视图不写下钻页面 / do not write drill-down pages of an aggregated view")
    @click.option("--force", is_flag=True,
                  help="即使同名 .html 不是 graphkit 写的也覆盖（下钻目录从不强制覆盖）/ replace the .html file even if "
                       "graphkit did not write it (the drill-down folder is never forced)")
    @click.option("--province", is_flag=True,
                  help="省级总览：每县一个节点，每县一个下钻页面（省级图谱）/ the province overview: one node and one "
                       "drill-down page per county (a province graph)")
    @user_errors
    def view_cmd(out: str, kind: str, name: str | None, output: str, as_of: str | None, seed: int, max_nodes: int,
                 color_by: str | None, size_by: str, max_per_strong: int, radius: int, no_drilldown: bool,
                 force: bool, province: bool) -> None:
        """生成离线交互式网络视图（单个 HTML 文件）/ write an interactive offline network view of OUT."""
        from pathlib import Path

        from ..store.io import check_replace, read_graph
        from ..views.view import view

        # refuse before the work: the page, and the drill-down folder beside it
        check_replace(output, kind="view", force=force)
        if not no_drilldown:
            check_replace(Path(output).parent / f"{Path(output).stem}_parts", kind="view-parts")
        graph = read_graph(out)
        if province:
            from ..views.view import province_view
            v = province_view(graph, as_of=as_of, seed=seed, max_nodes=max_nodes, color_by=color_by, size_by=size_by)
        else:
            v = view(graph, kind=kind, name=name, as_of=as_of, seed=seed, max_nodes=max_nodes, color_by=color_by,
                     size_by=size_by, max_per_strong=max_per_strong, radius=radius)
        path = v.write(output, drilldown=not no_drilldown, force=force)
        counts = v.counts
        msg = f"已写出 wrote {path}: 节点 {counts['nodes']} nodes, 连线 {counts['edges']} links"
        if v.aggregated:
            msg += (f"（已按{'县' if province else '集群' if kind == 'cluster' else '镇(街道)'}汇总 aggregated; "
                    + (f"下钻页面 {len(v.pages)} 个 drill-down pages in {path.parent / v.parts_dir}）"
                       if not no_drilldown else "未写下钻页面 no drill-down pages）"))
        click.echo(msg)
