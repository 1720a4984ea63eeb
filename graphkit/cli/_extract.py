"""``graphkit extract``: candidate organizations, links and numeric claims from report texts.

Light on purpose: click only; the extraction machinery is imported inside the command.
"""
from __future__ import annotations

import time

import click

__all__ = ["register"]


def register(cli: click.Group) -> None:
    """Add the ``extract`` command to the ``graphkit`` group."""
    from ._common import user_errors

    @cli.command("extract")
    @click.argument("files", nargs=-1, type=click.Path())
    @click.option("--graph", "graph_out", default=None, type=click.Path(file_okay=False),
                  help="已构建的图谱目录：名称对照名册、核对数字 / a built graph folder: resolve names, check claims")
    @click.option("-o", "--output", "output", required=True, type=click.Path(),
                  help="审核工作簿 .xlsx（--apply 时为台账目录）/ the review .xlsx (with --apply: the ledger folder)")
    @click.option("--html", "html", default=None, type=click.Path(dir_okay=False),
                  help="另写离线审核页面 .html / also write the offline review page")
    @click.option("--apply", "apply_path", default=None, type=click.Path(dir_okay=False),
                  help="把审核工作簿中已采纳的行写成台账 / turn the accepted rows of a review workbook into ledgers")
    @click.option("--county", default="", help="县名（写入台账目录的 graphkit.yaml）/ county name for the ledger folder")
    @click.option("--force", is_flag=True, help="覆盖不是 graphkit 写出（或已被修改）的审核文件；台账目录从不覆盖 / replace a "
                                                "review file graphkit did not write or that was edited (never a folder)")
    @user_errors
    def extract_cmd(files: tuple[str, ...], graph_out: str | None, output: str, html: str | None,
                    apply_path: str | None, county: str, force: bool) -> None:
        """从报告文本抽取候选组织、联建和数字，供人工审核 / extract candidates from report texts for review.

        FILES: .txt/.md/.docx 报告或其文件夹 report files or folders.
        """
        from ..core.errors import GraphkitError
        from ..store.io import check_replace

        if apply_path:
            if files:
                raise click.UsageError("--apply 不能与 FILES 同用 / --apply takes no FILES")
            from ..extract.apply import apply_review

            check_replace(output, kind="extract-ledgers")  # before the work: never a folder of the user's
            counts = apply_review(apply_path, output, county=county)
            total = sum(counts.values())
            detail = ", ".join(f"{k} {v}" for k, v in counts.items()) or "无 none"
            click.echo(f"已写出台账 wrote ledgers {output}: {total} 行 rows ({detail})")
            click.echo(f"下一步 next: graphkit build {output} -o OUT")
            return
        if not files:
            raise click.UsageError("请给出报告文件或文件夹 / give report files or folders")
        if not str(output).lower().endswith(".xlsx"):
            raise GraphkitError(f"输出须为 .xlsx 文件 the output must be an .xlsx file: {output}")
        check_replace(output, kind="extract-review", force=force)  # before the work
        if html:
            check_replace(html, kind="extract-review", force=force)
        from ..extract import extract_files
        from ..extract.review import write_html, write_workbook

        graph = None
        if graph_out:
            from ..store.io import read_graph
            graph = read_graph(graph_out)
        t0 = time.perf_counter()
        result = extract_files(list(files), graph=graph)
        secs = time.perf_counter() - t0
        write_workbook(result, output, force=force)
        msg = (f"已写出 wrote {output}: 组织 {len(result.orgs)} orgs, 联建 {len(result.links)} links, "
               f"数字 {len(result.numbers)} numbers; {result.chars} 字 chars in {secs:.2f} s")
        if result.claims is not None:
            vc = result.claims["verdict"].value_counts()
            msg += "; 核对 claims: " + ", ".join(f"{k} {v}" for k, v in vc.items())
        click.echo(msg)
        if html:
            write_html(result, html, force=force)
            click.echo(f"审核页面 review page → {html}")
