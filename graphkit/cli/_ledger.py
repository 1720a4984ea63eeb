"""CLI commands that help people write and fix ledgers: ``graphkit template``, ``graphkit mapping suggest``.

(``graphkit validate --annotate`` is an option of ``validate`` in ``cli.py``; its work is in
``graphkit.ingest.annotate``.) Click only; heavy imports happen inside the commands.
"""
from __future__ import annotations

import click


def register(cli: click.Group) -> None:
    """Add the ledger-writing commands to ``cli``."""
    from ._common import say as _say
    from ._common import user_errors

    @cli.command()
    @click.option("-o", "--out", required=True, type=click.Path(file_okay=False),
                  help="新建的模板目录（须不存在或为空）/ new folder for the templates (must not exist or be empty)")
    @click.option("--mapping", "mappings", multiple=True, type=click.Path(exists=True),
                  help="额外的映射文件/目录（本县的格式也生成模板）/ extra mapping file or folder")
    @click.option("--layout", "layouts", multiple=True,
                  help="只生成这些格式（id，可重复）/ only these layouts (id, repeatable)")
    @click.option("--county", default=None, help="县名（写入 graphkit.yaml）/ county name (written to graphkit.yaml)")
    @user_errors
    def template(out: str, mappings: tuple[str, ...], layouts: tuple[str, ...], county: str | None) -> None:
        """生成空白台账模板（.xlsx，含下拉列表与填表说明）/ write blank .xlsx ledger templates for every layout."""
        from ..ingest.template import write_templates

        path = write_templates(out, mappings=mappings, layouts=layouts, county=county)
        names = sorted(p.name for p in path.glob("*.xlsx"))
        click.echo(f"已生成 {len(names)} 个台账模板 wrote {len(names)} ledger templates → {path}: {'、'.join(names)}")
        _say("填好后运行 / when filled in, run: graphkit build " + str(path) + " -o OUT")

    @cli.group()
    def mapping() -> None:
        """映射文件工具 / tools for ledger mappings."""

    @mapping.command()
    @click.argument("file", type=click.Path(exists=True, dir_okay=False))
    @click.option("--sheet", default=None, help="工作表名（默认：第一个有内容的工作表）/ sheet name (default: the first with content)")
    @click.option("-o", "--out", default=None, type=click.Path(dir_okay=False),
                  help="写入映射 YAML 文件（默认输出到屏幕）/ write the mapping YAML here (default: standard output)")
    @click.option("--mapping", "mappings", multiple=True, type=click.Path(exists=True),
                  help="额外的映射文件/目录（也作为候选格式）/ extra mapping file or folder (also candidates)")
    @click.option("--id", "new_id", default=None, help="新映射的 id（默认沿用最接近的内置格式，放入 mappings/ 即替换它）"
                                                      "/ id of the new mapping (default: the layout's, so it replaces it)")
    @click.option("--encoding", default=None, help="CSV 文件的编码（默认自动识别）/ encoding of a CSV file")
    @click.option("--force", is_flag=True, help="覆盖已有的 -o 文件 / overwrite an existing -o file")
    @user_errors
    def suggest(file: str, sheet: str | None, out: str | None, mappings: tuple[str, ...], new_id: str | None,
                encoding: str | None, force: bool) -> None:
        """按表头推荐映射文件草稿 / propose a mapping YAML from a sheet's headers."""
        from pathlib import Path

        from ..core.errors import OutputError
        from ..ingest.suggest import suggest_mapping

        if out and Path(out).exists() and not force:
            raise OutputError(f"{out}: 文件已存在，未覆盖（可能是已修改过的映射；用 --force 覆盖）/ the file exists and was "
                              f"not overwritten (it may be an edited mapping; use --force)")

        result = suggest_mapping(file, sheet=sheet, mappings=mappings, new_id=new_id, encoding=encoding)
        _say(result.summary())
        if out:
            from ..store.io import atomic_file

            with atomic_file(out) as fh:
                fh.write(result.yaml)
            _say(f"映射草稿 mapping draft → {out}")
        else:
            click.echo(result.yaml, nl=False)
