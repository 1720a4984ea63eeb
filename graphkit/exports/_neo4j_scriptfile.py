"""The cypher-shell script of :func:`graphkit.exports.neo4j.export_cypher` (batches encoded by ``_neo4j_script``)."""
from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any
from collections.abc import Mapping

from ._graph_shape import arrow_tables, cypher_literal, graph_shape, node_table
from ._neo4j_statements import (_ROWS, _county, _node_order, _rel_order, _schema_parts, _triple_rows, node_statement,
                                rel_statement)
from ..core.errors import OutputError
from ..core.schema import Model, load_schema

#: Rows per batch of the cypher-shell script (each column of a batch one ``:param`` string, see
#: ``_neo4j_script``). Measured on a county (262,698 rows, 2 GiB heap): 1,000 rows cost the server
#: 50 CPU-s, 5,000 rows 25 CPU-s, 10,000 rows 270 CPU-s (docs/benchmarks.md, neo4j15c).
SCRIPT_BATCH_SIZE = 5_000


def export_cypher(source: Any, path: str | Path, *, batch_size: int = SCRIPT_BATCH_SIZE,
                  model: Model | None = None, force: bool = False) -> Path:
    """Write a cypher-shell script that creates the constraints and loads the graph.

    Each batch of ``batch_size`` rows is a few ``:param cK => '…'`` lines, one per column (the
    column's values encoded and joined into one escaped string literal, see
    :mod:`graphkit.exports._neo4j_script`), then the statement ``WITH split($c0, …) AS c0, … UNWIND …
    MERGE …``: the body of push's :func:`node_statement` / :func:`rel_statement` in their ``lists``
    form. The statement text is the same for every batch (the server plans it once and its query
    cache holds no values), and cypher-shell parses one string per column instead of a list of maps
    (the earlier ``:param rows => [{…}, …]`` form ran at a few hundred rows a second). Run it with
    ``cypher-shell -a URI -u USER -d DATABASE -f FILE``; it is idempotent.

    Parameters
    ----------
    source
        An output folder or a :class:`graphkit.Graph`.
    path
        The ``.cypher`` file to write (atomically), with ``<stem>-browser/`` beside it. Each is
        refused (``graphkit.store.io.check_replace``) unless missing or graphkit's own earlier output;
        ``force`` replaces a script graphkit did not write (never the folder).
    batch_size
        Rows per statement (default :data:`SCRIPT_BATCH_SIZE`).

    Examples
    --------
    >>> import tempfile
    >>> from graphkit.analyses.toolkit import example_graph
    >>> p = export_cypher(example_graph(), tempfile.mkdtemp() + "/g.cypher")
    >>> "CREATE CONSTRAINT" in p.read_text(encoding="utf-8")
    True
    """
    from ..store.io import atomic_file, check_replace, output_signature
    from ..core.model import Graph

    if batch_size < 1:
        raise OutputError(f"批大小须为正数 / batch size must be positive, got {batch_size}")
    model = source.model if isinstance(source, Graph) else (model or load_schema())
    shape = graph_shape(model)
    tables = arrow_tables(source, model)
    path = Path(path)
    check_replace(path, kind="cypher-script", force=force)  # both before the work: nothing half-written
    check_replace(path.with_name(f"{path.stem}-browser"), kind="neo4j-browser")
    with atomic_file(path, "w", encoding="utf-8", kind="cypher-script", force=force, command="neo4j export-cypher") as fh:
        fh.write("// graphkit: Neo4j 5 load script, generated from schema "
                 f"v{model.version} / 由模式声明生成的 Neo4j 导入脚本\n")
        fh.write(f"// {output_signature('cypher-script', 'neo4j export-cypher')}\n")
        fh.write("// 运行 run: cypher-shell -a neo4j://HOST:7687 -u neo4j -d neo4j -f "
                 f"{shlex.quote(path.name)}\n")
        fh.write(f"// Idempotent: MERGE on id; one statement per line, up to {batch_size} rows each. 可重复运行。\n\n")
        constraints, link_indexes, node_indexes = _schema_parts(model)
        for stmt in constraints + link_indexes:  # the MERGE statements' index hints need the link indexes
            fh.write(stmt + ";\n")
        fh.write("CALL db.awaitIndexes(300);\n\n")
        for ns in shape.nodes:
            t = node_table(ns, tables[ns.type])
            fh.write(f"// {ns.label}: {t.num_rows}\n")
            kinds = {c.name: c.kind for c in ns.columns}
            _write_script_batches(fh, node_statement(ns, lists=True), _node_order(ns), kinds, t, batch_size)
        for rs in shape.rels:
            t = _triple_rows(rs, tables)
            fh.write(f"// ({rs.source_label})-[:{rs.rel}]->({rs.target_label}) ← {rs.declared_by}: {t.num_rows}\n")
            kinds = {"start_id": "string", "end_id": "string", **{c.name: c.kind for c in rs.columns}}
            _write_script_batches(fh, rel_statement(rs, lists=True), _rel_order(rs), kinds, t, batch_size)
        fh.write("\n// 索引 indexes (built after the load: cheaper than updating them row by row)\n")
        for stmt in node_indexes:
            fh.write(stmt + ";\n")
        fh.write("CALL db.awaitIndexes(300);\n")
    from .neo4j_browser import write_beside_script  # GraSS style, guide, favourites in <stem>-browser/
    write_beside_script(path, model, county=_county(source))
    return path


def _write_script_batches(fh: Any, stmt: str, order: list[str], kinds: Mapping[str, str], table: Any,
                          batch_size: int) -> None:
    """Write ``table`` as statements of ``batch_size`` rows, one per line.

    ``stmt`` is a ``lists`` statement (``UNWIND $rows AS row …`` reading ``row[K]``, K the
    position in ``order``); each batch is its columns as ``:param cK => '…'`` lines (one escaped
    string literal each) and then the same statement reading them
    (:func:`graphkit.exports._neo4j_script.batch_statement`).
    """
    from ._neo4j_script import batch_columns, batch_statement

    head = f"UNWIND {_ROWS} AS row "
    if not stmt.startswith(head):
        raise AssertionError(f"not a lists statement: {stmt[:60]}")  # pragma: no cover - statements above
    text = batch_statement(stmt[len(head):], order, kinds) + ";\n"
    for start in range(0, table.num_rows, batch_size):
        for name, value in batch_columns(order, kinds, table.slice(start, batch_size)).items():
            fh.write(f":param {name} => {cypher_literal(value)}\n")
        fh.write(text)

