"""CLI commands for Neo4j and Cypher: ``graphkit neo4j push|export-import|export-cypher`` and ``graphkit query``.

Light on purpose: click only at import time; the drivers and engines load inside the commands.
"""
from __future__ import annotations

import re
import sys
from typing import Any

import click

__all__ = ["register"]


def _say(msg: str) -> None:
    click.echo(msg, err=True)


def _default_batch_size() -> int:
    """``graphkit.config.neo4j_batch_size``: ``GRAPHKIT_NEO4J_BATCH_SIZE`` or 20,000, read when the command runs."""
    from ..core.settings import config

    return config.neo4j_batch_size


def _password(password: str | None) -> str:
    """The password from --password / NEO4J_PASSWORD, else a hidden prompt on a terminal."""
    if password:
        return password
    if sys.stdin is not None and sys.stdin.isatty():
        return click.prompt("Neo4j 密码 password", hide_input=True)
    from ..core.errors import GraphkitError

    raise GraphkitError("需要 Neo4j 密码：用 --password 或环境变量 NEO4J_PASSWORD（非交互式运行无法提示输入）/ "
                        "a Neo4j password is needed: pass --password or set NEO4J_PASSWORD "
                        "(no prompt without a terminal)")


def display_zh(df: Any) -> Any:
    """A query result for people: code-list codes → Chinese labels (sector=village → 农村, category=3 →
    三类), graphkit's own codes (reason=no_pairing → 无结对), 是/否, a missing value → （未填）, and
    Chinese column names where the analyses have them.

    >>> import pandas as pd
    >>> display_zh(pd.DataFrame({"sector": ["village"], "category": ["3"], "town_name": [None]})).to_dict("records")
    [{'领域': '农村', '分类定级': '三类', '所属镇(街道)': '（未填）'}]
    """
    from ..analyses.toolkit import NO_VALUE, to_zh

    zh = to_zh(df)
    for col in zh.columns:
        if zh[col].dtype == object:
            zh[col] = zh[col].where(zh[col].notna(), NO_VALUE)
    return zh


_FILE_LINE = re.compile(r"^(nodes|relationships)/(.+)\.csv: (\d+)$")


def _label_file_line(message: str) -> str:
    """``nodes/Rating.csv: 1136`` → a line saying what was written (other messages unchanged).

    >>> _label_file_line("nodes/Rating.csv: 1136")
    '  已写节点 nodes Rating: 1,136 行 rows (nodes/Rating.csv)'
    >>> _label_file_line("relationships/PAIRED_WITH__Organization__Organization.csv: 30")
    '  已写关系 relationships PAIRED_WITH (Organization → Organization): 30 行 rows (relationships/PAIRED_WITH__Organization__Organization.csv)'
    """
    m = _FILE_LINE.match(message)
    if not m:
        return message
    kind, stem, rows = m.group(1), m.group(2), int(m.group(3))
    path = f"{kind}/{stem}.csv"
    if kind == "nodes":
        return f"  已写节点 nodes {stem}: {rows:,} 行 rows ({path})"
    parts = stem.split("__")
    what = f"{parts[0]} ({parts[1]} → {parts[2]})" if len(parts) == 3 else stem
    return f"  已写关系 relationships {what}: {rows:,} 行 rows ({path})"


def _emit(df: Any, fmt: str, out: str | None, *, force: bool = False) -> None:
    """Print or write a result table as an aligned table, CSV or JSON.

    A file is written only over a missing file or graphkit's own earlier result
    (``graphkit.store.io.check_replace``; ``force`` replaces any file).
    """
    if fmt == "csv":
        from ..core.problems import excel_safe_frame

        text = excel_safe_frame(df).to_csv(index=False)  # for spreadsheets: no text runs as a formula
    elif fmt == "json":
        text = df.to_json(orient="records", force_ascii=False, date_format="iso", indent=1) + "\n"
    else:
        text = (df.to_string(index=False) if len(df) else "(无结果 no rows)") + "\n"
    if out:
        from ..store.io import atomic_file

        with atomic_file(out, "w", encoding="utf-8-sig" if fmt == "csv" else "utf-8", kind="query-result", force=force,
                         command="query") as fh:
            fh.write(text)
        _say(f"{len(df)} 行 rows → {out}")
    else:
        click.echo(text, nl=False)


def register(cli: click.Group) -> None:
    """Add the ``neo4j`` group and the ``query`` command to the graphkit CLI."""
    # imported here, not at module level: under `python -m graphkit.cli` the module-level import
    # would re-enter a half-initialized graphkit.cli
    from ._common import user_errors

    @cli.group("neo4j")
    def neo4j_group() -> None:
        """Neo4j：推送到服务器、批量导入文件、cypher-shell 脚本 / push to a server, bulk-import files, a script."""

    @neo4j_group.command("push")
    @click.argument("out", type=click.Path(file_okay=False))
    @click.option("--uri", envvar="NEO4J_URI", required=True, help="neo4j://, bolt://, neo4j+s://, bolt+s:// (或 NEO4J_URI)")
    @click.option("--user", envvar="NEO4J_USER", default="neo4j", show_default=True, help="用户名 user (或 NEO4J_USER)")
    @click.option("--password", envvar="NEO4J_PASSWORD", default=None,
                  help="密码 password。命令行参数会出现在进程列表（ps）中：请改用环境变量 NEO4J_PASSWORD，或不给出、在终端中提示"
                       "输入 / a password on the command line shows in the process list (ps): set NEO4J_PASSWORD "
                       "instead, or leave it out to be prompted on a terminal")
    @click.option("--database", envvar="NEO4J_DATABASE", default=None, help="数据库名 database (默认 server default)")
    @click.option("--batch-size", type=click.IntRange(min=1), default=_default_batch_size,
                  show_default="GRAPHKIT_NEO4J_BATCH_SIZE, else 20000",
                  help="每个事务的行数 rows per transaction (默认取 graphkit 设置 / default from graphkit.config)")
    @click.option("--prune", is_flag=True, help="删除图谱中已不存在的记录（仅当数据库只存此图谱时）/ "
                                                 "delete records no longer in the graph (database holds only this graph)")
    @click.option("--county", default=None, help="省级或全国图谱：只推送这个县（全国图谱写 省名/县名，县名唯一时可只写县名；"
                                                 "与 --prune 同用时只删除该县已不存在的记录）/ a province or country graph: "
                                                 "push one county (in a country PROVINCE/COUNTY, or the county's name where "
                                                 "it is unique; with --prune, delete only its stale records)")
    @user_errors
    def push_cmd(out: str, uri: str, user: str, password: str | None, database: str | None, batch_size: int,
                 prune: bool, county: str | None) -> None:
        """推送图谱到 Neo4j 5（幂等）/ load OUT into a Neo4j 5 server, idempotently."""
        from ..exports.neo4j import push

        report = push(out, uri=uri, user=user, password=_password(password), database=database,
                      batch_size=batch_size, prune=prune, progress=_say, county=county)
        click.echo(report.to_string(index=False))

    @neo4j_group.command("export-import")
    @click.argument("out", type=click.Path(file_okay=False))
    @click.option("-o", "--output", "dest", required=True, type=click.Path(file_okay=False),
                  help="导入文件目录 folder for the import files")
    @click.option("--database", default="neo4j", show_default=True, help="import.sh 的默认数据库 default database")
    @user_errors
    def export_import_cmd(out: str, dest: str, database: str) -> None:
        """写出 neo4j-admin 批量导入文件 / write files for `neo4j-admin database import full`."""
        from ..exports.neo4j import export_import

        path = export_import(out, dest, database=database, progress=lambda m: _say(_label_file_line(m)))
        click.echo(f"已写出 wrote {path}; 导入命令见 the command is in {path / 'import.sh'} 和 and IMPORT.md")

    @neo4j_group.command("export-cypher")
    @click.argument("out", type=click.Path(file_okay=False))
    @click.option("-o", "--output", "dest", required=True, type=click.Path(dir_okay=False),
                  help=".cypher 脚本 the script file")
    @click.option("--batch-size", type=click.IntRange(min=1), default=5_000, show_default=True,
                  help="每条语句的行数 rows per statement")
    @click.option("--force", is_flag=True, help="覆盖不是 graphkit 写出的同名脚本（目录从不覆盖）/ replace a script graphkit "
                                                "did not write (never a folder)")
    @user_errors
    def export_cypher_cmd(out: str, dest: str, batch_size: int, force: bool) -> None:
        """写出 cypher-shell 导入脚本 / write a script for `cypher-shell -f`."""
        from ..exports.neo4j import export_cypher

        path = export_cypher(out, dest, batch_size=batch_size, force=force)
        click.echo(f"已写出 wrote {path}; 运行 run: cypher-shell -u neo4j -d neo4j -f {path}")

    @cli.command("query")
    @click.argument("out", required=False, type=click.Path(file_okay=False))
    @click.argument("cypher", required=False)
    @click.option("--name", "name", default=None, help="查询包中的查询名 a query of the pack (see --list)")
    @click.option("-p", "--param", "params", multiple=True, metavar="K=V", help="参数 parameter, repeatable")
    @click.option("--list", "list_", is_flag=True, help="列出查询包 list the query pack")
    @click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True,
                  help="输出格式：对齐表格、CSV 或 JSON / output format")
    @click.option("-o", "--output", "dest", type=click.Path(dir_okay=False), default=None, help="写入文件 write to a file")
    @click.option("--force", is_flag=True, help="覆盖不是 graphkit 写出的同名 -o 文件 / replace an -o file graphkit did not write")
    @click.option("--show", is_flag=True, help="显示 Neo4j 查询文本与 :param 行 / print the Neo4j text of --name "
                                               "with :param lines (computed on OUT if given)")
    @click.option("--zh", "zh", is_flag=True, help="中文显示：代码换成中文（village → 农村，3 → 三类），列名中文 / "
                                                   "Chinese labels for codes and columns")
    @user_errors
    def query_cmd(out: str | None, cypher: str | None, name: str | None, params: tuple[str, ...], list_: bool,
                  fmt: str, dest: str | None, force: bool, show: bool, zh: bool) -> None:
        """用嵌入式引擎运行 Cypher（无需服务器）/ run Cypher on OUT with the embedded engine (no server).

        \b
        graphkit query --list
        graphkit query OUT --name unpaired_weak -p as_of=2024-06-30
        graphkit query OUT "MATCH (o:Organization) WHERE o.category = $c RETURN o.name" -p c=3
        graphkit query OUT "MATCH (a:Activity) WHERE a.date >= $d RETURN count(a)" -p d:date=2024-01-01
        """
        from ..core.errors import GraphkitError
        from ..exports.queries import get_query, list_queries, parse_params

        if dest and not (name and show):
            from ..store.io import check_replace

            check_replace(dest, kind="query-result", force=force)  # before the work, not after it
        if list_:
            df = list_queries()
            if fmt == "table":
                for r in df.to_dict("records"):
                    click.echo(f"{r['name']}\n    {r['title']}\n    参数 params: {r['params'] or '-'}\n"
                               f"    对应 matches: {r['matches']}  [{r['variants']}]")
                return
            _emit(df, fmt, dest, force=force)
            return
        if name and show:
            click.echo(_show(get_query(name), out, params))
            return
        if not out:
            raise GraphkitError("需要图谱目录 OUT / give the graph folder OUT (from `graphkit build … -o OUT`)")
        if name and cypher:
            raise GraphkitError("--name 与查询文本只能二选一 / give either --name or a query text, not both")
        if name:
            from ..exports.queries import run_query

            query = get_query(name)
            df = run_query(out, name, parse_params(query, params), progress=_say)
        elif cypher:
            from ..exports.cypher import run_cypher

            df = run_cypher(out, cypher, _untyped_params(params), progress=_say)
        else:
            raise GraphkitError("需要查询文本或 --name / give a Cypher query text or --name NAME (see --list)")
        _emit(display_zh(df) if zh else df, fmt, dest, force=force)


def _show(query: Any, out: str | None, items: tuple[str, ...]) -> str:
    """The Neo4j text of a pack query, preceded by ``:param`` lines for Neo4j Browser / cypher-shell.

    With OUT the defaults (reference date, derived values) are computed on that graph.
    """
    from ..exports.neo4j import cypher_literal
    from ..exports.queries import parse_params, resolve_params

    given = parse_params(query, items)
    lines = [f"// {query.name}: {query.title}"]
    if out:
        from ..exports.cypher import open_embedded

        with open_embedded(out) as eg:
            values = resolve_params(query, given, eg.query)
        lines += [f":param {k} => {cypher_literal(v)}" for k, v in values.items()]
    else:
        for p in query.params.values():
            if p.name in given:
                lines.append(f":param {p.name} => {cypher_literal(given[p.name])}")
            elif p.default.startswith("'") or p.default.lstrip("-").isdigit() or p.default in ("true", "false"):
                lines.append(f":param {p.name} => {cypher_literal(p.parse(p.default))}")
            else:
                lines.append(f"// :param {p.name} => …  ({p.type}, default {p.default}; give OUT to compute it)")
    return "\n".join(lines) + "\n" + query.text_for("neo4j") + ";"


def _untyped_params(items: tuple[str, ...]) -> dict[str, Any]:
    """``k=v`` (text) or ``k:TYPE=v`` (TYPE: string, int, float, bool, date) for an ad-hoc query."""
    import re

    from ..exports.queries import PARAM_TYPES, Param, QueryError

    out: dict[str, Any] = {}
    for item in items:
        m = re.match(r"^\s*([A-Za-z_][A-Za-z0-9_]*)(?::([a-z]+))?=(.*)$", item, re.S)
        if not m:
            raise QueryError(f"参数应写成 k=v 或 k:类型=v / a parameter must be k=v or k:TYPE=v, got {item!r}")
        name, typ, value = m.group(1), m.group(2) or "string", m.group(3)
        if typ not in PARAM_TYPES:
            raise QueryError(f"参数类型 {typ!r} 无效，可用 {', '.join(PARAM_TYPES)} / unknown parameter type")
        out[name] = Param(name, typ, "", "").parse(value)
    return out
