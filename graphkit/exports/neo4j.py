"""Neo4j: online push, ``neo4j-admin`` bulk-import files and a cypher-shell script.

All three are derived from the schema through :mod:`graphkit.exports._graph_shape`: labels,
relationship types and property keys come only from ``schema/model.yaml`` and are checked
against a strict identifier pattern before they reach query text; values travel only as query
parameters (push) or as escaped literals (script, :func:`cypher_literal`).

* :func:`push` — constraints and indexes first (Neo4j 5 ``IF NOT EXISTS``), then batched
  ``UNWIND $rows … MERGE`` write transactions keyed on ``id``; retries on transient errors;
  progress; a final count check of every label and relationship against the graph. Re-running
  converges: properties are set (a missing value removes the property), a changed ref moves
  its relationship, and ``prune=True`` removes records of these labels that are no longer in
  the graph (only for a database that holds this one graph).
* :func:`export_import` — CSV files for ``neo4j-admin database import full`` with typed headers
  and id spaces, a pre-check for duplicate ids and dangling ends, and ``import.sh`` /
  ``IMPORT.md`` with the exact command.
* :func:`export_cypher` — a script for ``cypher-shell -f`` that creates the constraints and loads
  the graph with the same statements as the push.

Examples
--------
>>> from graphkit.exports.neo4j import schema_statements, cypher_literal
>>> schema_statements()[0]
'CREATE CONSTRAINT `gk_Place_id` IF NOT EXISTS FOR (n:`Place`) REQUIRE n.`id` IS UNIQUE'
>>> cypher_literal("it's")
"'it\\\\'s'"
"""
from __future__ import annotations

import os
import shlex
import time
from pathlib import Path
from typing import Any
from collections.abc import Callable, Mapping

import pandas as pd

from ._bolt import Neo4jError, _retrying, _session, query_server
from ._graph_shape import (
    GraphShape,
    GraphTables,
    NodeShape,
    RelShape,
    arrow_tables,
    cypher_literal,
    ends_by_label,
    graph_shape,
    ident,
    missing_ends,
    node_table,
    rel_table,
)
from ..core.errors import OutputError
from ..core.schema import Model, load_schema

__all__ = ["schema_statements", "node_statement", "rel_statement", "cypher_literal", "export_cypher",
           "export_import", "precheck", "push", "Neo4jError", "connect", "query_server", "DEFAULT_BATCH_SIZE",
           "ADMIN_TYPES"]

ProgressFn = Callable[[str], None]
DEFAULT_BATCH_SIZE = 20_000
#: Rows per batch of the cypher-shell script (each column of a batch one ``:param`` string, see
#: ``_neo4j_script``; docs/benchmarks.md, neo4j15b).
SCRIPT_BATCH_SIZE = 1_000
#: neo4j-admin header types of the shape's column kinds.
ADMIN_TYPES = {"string": "string", "integer": "long", "date": "date", "boolean": "boolean"}
_ROWS = "$rows"
_SCHEMES = ("neo4j", "neo4j+s", "neo4j+ssc", "bolt", "bolt+s", "bolt+ssc")


# ---- statements ---------------------------------------------------------------------------

def schema_statements(model: Model | None = None) -> list[str]:
    """Constraints and indexes derived from the schema (Neo4j 5 syntax, ``IF NOT EXISTS``).

    One uniqueness constraint on ``id`` per node label (it also backs ``MERGE``), a range index
    on ``id`` per n-ary relationship type, and a range index on every node's ``name`` and code
    property (what analysts filter on).
    """
    shape = graph_shape(model)
    out = []
    for n in shape.nodes:
        out.append(f"CREATE CONSTRAINT {ident('gk_' + n.label + '_id')} IF NOT EXISTS "
                   f"FOR (n:{ident(n.label)}) REQUIRE n.{ident('id')} IS UNIQUE")
    for rel in shape.rel_types():
        if shape.rel_shapes(rel)[0].is_link:
            out.append(f"CREATE INDEX {ident('gk_' + rel + '_id')} IF NOT EXISTS "
                       f"FOR ()-[r:{ident(rel)}]-() ON (r.{ident('id')})")
    for n in shape.nodes:
        rtype = shape.model[n.type]
        for pname, prop in rtype.properties.items():
            if pname == "name" or prop.type == "code":
                out.append(f"CREATE INDEX {ident('gk_' + n.label + '_' + pname)} IF NOT EXISTS "
                           f"FOR (n:{ident(n.label)}) ON (n.{ident(pname)})")
    return out


def _row_ref(order: list[str] | None, *, lists: bool = False) -> Callable[[str], str]:
    """How a statement reads a row's value: ``row.`name``` (a list of maps in ``$rows``), with a
    column ``order`` ``$cK[i]`` (parallel lists ``$c0``, ``$c1``, … of one batch, see :func:`_column_params`),
    or with ``lists`` ``row[K]`` (a list of lists, each row's values in ``order``: the script's form)."""
    if order is None:
        return lambda name: f"row.{name}" if name in ("start_id", "end_id") else f"row.{ident(name)}"
    pos = {name: k for k, name in enumerate(order)}
    if lists:
        return lambda name: f"row[{pos[name]}]"
    return lambda name: f"$c{pos[name]}[i]"


def _unwind(order: list[str] | None, *, lists: bool = False) -> str:
    return f"UNWIND {_ROWS} AS row " if order is None or lists else "UNWIND range(0, size($c0) - 1) AS i "


def _node_order(ns: NodeShape) -> list[str]:
    """The parameter order of a label's columns in the parallel-list form (``id`` first)."""
    return [c.name for c in ns.columns]


def _rel_order(rs: RelShape) -> list[str]:
    """The parameter order of a triple's columns in the parallel-list form (``start_id`` first)."""
    return ["start_id", "end_id", *(c.name for c in rs.columns)]


def _column_params(order: list[str], table: Any) -> dict[str, list[Any]]:
    """One batch as parallel lists ``c0``, ``c1``, … (the columns of ``order`` that ``table`` has).

    Measured on the local server, parallel lists of primitives cost it about 15 % less CPU per
    row than the same rows as a list of maps (no map to unpack per row; docs/benchmarks.md).
    """
    names = set(table.column_names)
    return {f"c{k}": table.column(name).to_pylist() for k, name in enumerate(order) if name in names}


def node_statement(ns: NodeShape, *, create: bool = False, columns: bool = False, lists: bool = False) -> str:
    """The ``UNWIND $rows … MERGE`` statement that upserts nodes of one label.

    Every property is set from the row, so a value that became empty removes the property.
    ``create=True`` gives the ``CREATE`` form :func:`push` uses for a label that has no node yet
    on the server (the uniqueness constraint still refuses a duplicate id). ``columns=True``
    gives the form :func:`push` sends: the batch as parallel lists ``$c0, $c1, …`` (one per
    column, in the shape's column order) instead of a list of maps ``$rows``. ``lists=True`` reads
    ``$rows`` as a list of lists, each row's values in that column order (``row[0]`` is the id): the
    form of :func:`export_cypher`, whose script puts each batch in place of ``$rows`` as a literal.
    """
    order = _node_order(ns) if columns or lists else None
    val = _row_ref(order, lists=lists)
    sets = ", ".join(f"n.{ident(c.name)} = {val(c.name)}" for c in ns.columns if c.name != "id")
    verb = "CREATE" if create else "MERGE"
    return (_unwind(order, lists=lists) + f"{verb} (n:{ident(ns.label)} {{{ident('id')}: {val('id')}}})"
            + (f" SET {sets}" if sets else ""))


def rel_statement(rs: RelShape, *, create: bool = False, columns: bool = False, lists: bool = False) -> str:
    """The ``UNWIND $rows … MERGE`` statement that upserts one relationship triple.

    Rows carry ``start_id``, ``end_id`` and the relationship's properties. A ref
    relationship (``Organization.town``) gets one row per source record, ``end_id`` empty when
    the ref is: other relationships of that type from the record to that label are deleted
    first, so a moved or removed ref moves or removes its relationship. An n-ary link is merged
    on its ``id``; a relationship with the same id between other ends is deleted first (found
    through the relationship index on ``id``, named in a hint so that a plan cached while the
    type was still empty never turns the lookup into a scan).

    ``create=True`` gives the ``CREATE`` form :func:`push` uses for a triple that has no
    relationship yet on the server (rows with an empty ``end_id`` then create nothing).
    ``columns=True`` reads the batch from parallel lists ``$c0, $c1, …`` (``start_id``,
    ``end_id``, then the shape's columns) instead of ``$rows``; ``lists=True`` reads ``$rows`` as
    a list of lists in that order (the script's form, see :func:`node_statement`).
    """
    order = _rel_order(rs) if columns or lists else None
    val = _row_ref(order, lists=lists)
    row = "row" if order is None or lists else "i"
    a, b = ident(rs.source_label), ident(rs.target_label)
    rel, idk = ident(rs.rel), ident("id")
    head = _unwind(order, lists=lists) + f"MATCH (a:{a} {{{idk}: {val('start_id')}}}) "
    sets = ", ".join(f"r.{ident(c.name)} = {val(c.name)}" for c in rs.columns if c.name != "id")
    sets = f" SET {sets}" if sets else ""
    if create:
        body = f"(a)-[:{rel}]->(b)" if not rs.is_link else f"(a)-[r:{rel} {{{idk}: {val('id')}}}]->(b){sets}"
        return head + f"MATCH (b:{b} {{{idk}: {val('end_id')}}}) CREATE " + body
    if not rs.is_link:
        return (head + f"OPTIONAL MATCH (a)-[old:{rel}]->(x:{b}) WHERE {val('end_id')} IS NULL OR x.{idk} <> {val('end_id')} "
                f"DELETE old WITH DISTINCT a, {row} WHERE {val('end_id')} IS NOT NULL "
                f"MATCH (b:{b} {{{idk}: {val('end_id')}}}) MERGE (a)-[:{rel}]->(b)")
    return (head + f"MATCH (b:{b} {{{idk}: {val('end_id')}}}) "
            f"OPTIONAL MATCH (x)-[old:{rel} {{{idk}: {val('id')}}}]->(y) USING INDEX old:{rel}({idk}) "
            f"WHERE x <> a OR y <> b DELETE old "
            f"WITH DISTINCT a, b, {row} MERGE (a)-[r:{rel} {{{idk}: {val('id')}}}]->(b){sets}")


def _ref_rows(rs: RelShape, tables: Mapping[str, Any]) -> Any:
    """Rows of a ref triple for push/script: every source record, ``end_id`` null when empty."""
    import pyarrow as pa

    t = tables[rs.table]
    return pa.table({"start_id": t.column(rs.source_col), "end_id": t.column(rs.target_col)})


def _known_ends(rs: RelShape, t: Any, tables: Mapping[str, Any]) -> Any:
    """Mask of rows whose ``start_id`` exists and whose ``end_id`` is empty or exists."""
    import pyarrow.compute as pc

    starts = tables[rs.source_type].column("id").combine_chunks()
    ends = tables[rs.target_type].column("id").combine_chunks()
    ok_end = pc.or_kleene(pc.is_null(t.column("end_id")), pc.is_in(t.column("end_id"), value_set=ends))
    return pc.and_kleene(pc.is_in(t.column("start_id"), value_set=starts), ok_end)


def _triple_rows(rs: RelShape, tables: Mapping[str, Any], say: ProgressFn | None = None) -> Any:
    """Rows of one triple for push and script; links to a missing record (lenient graphs) are left out."""
    t = rel_table(rs, tables) if rs.is_link else _ref_rows(rs, tables)
    if not t.num_rows:
        return t
    ok = _known_ends(rs, t, tables)
    dropped = t.num_rows - int(ok.cast("int64").to_numpy(zero_copy_only=False).sum())
    if dropped:
        if say:
            say(f"跳过 {dropped} 条端点缺失的关系 / skipped {dropped} {rs.rel} link(s) with a missing end ({rs.declared_by})")
        t = t.filter(ok)
    return t


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
        for stmt in schema_statements(model):
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


def _county(source: Any) -> str:
    """The county name of a graph or an output folder's manifest ("" when unknown)."""
    from ..core.model import Graph

    if isinstance(source, Graph):
        return str(source.settings.get("county") or "")
    if isinstance(source, (str, Path)) and (Path(source) / "manifest.json").is_file():
        from ..store.io import read_manifest
        return str((read_manifest(source).get("settings") or {}).get("county") or "")
    return ""


# ---- neo4j-admin import files ---------------------------------------------------------------

def precheck(source: Any, *, model: Model | None = None) -> pd.DataFrame:
    """Problems that would break a bulk import: empty or duplicate ids, dangling relationship ends.

    Returns a table with ``check``, ``where``, ``count`` and ``examples`` (empty when clean).
    An output folder is read from its Parquet files, only the id and end columns, in batches.

    Examples
    --------
    >>> from graphkit.analyses.toolkit import example_graph
    >>> precheck(example_graph()).empty
    True
    """
    from ..core.model import Graph

    model = source.model if isinstance(source, Graph) else (model or load_schema())
    return _precheck(graph_shape(model), GraphTables(source, model))


def _distinct(col: Any) -> bool:
    """True when the non-null values of a string array are all different.

    A strictly increasing column (graphkit writes its tables sorted by ``id``) is settled by one
    vectorized comparison of neighbours; anything else by hashing.
    """
    import pyarrow.compute as pc

    col = col.drop_null() if col.null_count else col
    n = len(col)
    if n < 2 or pc.all(pc.less(col.slice(0, n - 1), col.slice(1))).as_py():
        return True
    return int(pc.count_distinct(col).as_py()) == n


def _precheck(shape: GraphShape, gt: GraphTables) -> pd.DataFrame:
    import pyarrow.compute as pc

    rows: list[dict[str, Any]] = []
    ends = ends_by_label(shape)
    dangling: dict[tuple[RelShape, str], tuple[int, list[str]]] = {}
    for ns in shape.nodes:  # one label's ids in memory at a time
        col = gt.read(ns.type, ["id"]).column("id")
        col = (col if col.type == "string" else pc.cast(col, "string")).combine_chunks()
        if col.null_count:
            rows.append({"check": "空 id / empty id", "where": ns.label, "count": col.null_count, "examples": ""})
        if not _distinct(col):
            counts = pc.value_counts(col.drop_null())
            dup = counts.filter(pc.greater(counts.field("counts"), 1)).field("values")
            rows.append({"check": "重复 id / duplicate id", "where": ns.label, "count": len(dup),
                         "examples": ", ".join(sorted(dup.to_pylist())[:5])})
        if ns.label in ends:
            dangling.update(missing_ends(gt, col.drop_null() if col.null_count else col, ends[ns.label]))
        del col
    for rs in shape.rels:
        for end in ("start_id", "end_id"):
            if (rs, end) in dangling:
                n, examples = dangling[(rs, end)]
                rows.append({"check": f"悬空端点 / dangling {end}", "where": f"{rs.declared_by} ({rs.rel})",
                             "count": n, "examples": ", ".join(examples)})
    return pd.DataFrame(rows, columns=["check", "where", "count", "examples"])


#: Rows per record batch read from a table (memory per table in flight stays ~ this many rows).
_BATCH_ROWS = 131_072
_CSV_OPTIONS: dict[str, Any] = {"include_header": False, "quoting_style": "needed", "batch_size": 65_536}


def _has_line_break(table: Any) -> bool:
    """True if a string value of ``table`` holds a CR or LF (scans the raw UTF-8 bytes)."""
    import numpy as np
    import pyarrow as pa

    for col in table.columns:
        for chunk in col.chunks:
            if pa.types.is_dictionary(chunk.type):
                chunk = chunk.dictionary  # a value not used by any row only costs a needless flag
            if not pa.types.is_string(chunk.type) or len(chunk) == chunk.null_count:
                continue
            _, offsets, data = chunk.buffers()
            if data is None:
                continue
            off = np.frombuffer(offsets, dtype=np.int32, count=len(chunk) + 1, offset=chunk.offset * 4)
            raw = np.frombuffer(data, dtype=np.uint8, count=int(off[-1] - off[0]), offset=int(off[0]))
            # CR and LF are the only bytes <= 13 that matter; most text has none at all
            if len(raw) and raw.min() <= 13 and bool(np.any((raw == 10) | (raw == 13))):
                return True
    return False


class _CsvFile:
    """One import file, opened on its first non-empty batch: the typed header, then CSV rows."""

    def __init__(self, path: Path, header: list[str], extra: tuple[str, str]) -> None:
        self.path, self.header, self.extra = path, header, extra
        self.rows = 0
        self.multiline = False
        self._sink: Any = None
        self._writer: Any = None

    def write(self, table: Any) -> None:
        import pyarrow as pa
        import pyarrow.csv as pcsv

        if not table.num_rows:
            return
        if not self.multiline:
            self.multiline = _has_line_break(table)
        table = table.append_column(self.extra[0], pa.repeat(self.extra[1], table.num_rows))
        if self._writer is None:
            self._sink = pa.OSFile(str(self.path), "wb")
            self._sink.write((",".join(self.header) + "\n").encode("utf-8"))
            self._writer = pcsv.CSVWriter(self._sink, table.schema, write_options=pcsv.WriteOptions(**_CSV_OPTIONS))
        self._writer.write_table(table)
        self.rows += table.num_rows

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._sink.close()
            self._writer = self._sink = None


def _table_outputs(shape: GraphShape, type_name: str, tmp: Path) -> list[tuple[NodeShape | RelShape, _CsvFile]]:
    """The import files made from one record table: its node file and its relationship files."""
    outs: list[tuple[NodeShape | RelShape, _CsvFile]] = []
    for ns in shape.nodes:
        if ns.type == type_name:
            header = [f"id:ID({ns.label})"] + [_admin_col(c.name, c.kind) for c in ns.columns[1:]] + [":LABEL"]
            outs.append((ns, _CsvFile(tmp / f"nodes/{ns.label}.csv", header, (":LABEL", ns.label))))
    for rs in shape.rels:
        if rs.table == type_name:
            header = [f":START_ID({rs.source_label})", f":END_ID({rs.target_label})"]
            header += [_admin_col(c.name, c.kind) for c in rs.columns] + [":TYPE"]
            outs.append((rs, _CsvFile(tmp / f"relationships/{rs.file_stem}.csv", header, (":TYPE", rs.rel))))
    return outs


def _write_table_files(gt: GraphTables, type_name: str, outs: list[tuple[NodeShape | RelShape, _CsvFile]],
                       lookups: Mapping[str, Any]) -> list[_CsvFile]:
    """Stream one record table into its import files (run in a worker thread)."""
    cols: list[str] = []
    for shp, _ in outs:
        if isinstance(shp, NodeShape):
            cols += [c.source for c in shp.columns]
        else:
            cols += [shp.source_col, shp.target_col] + [c.source for c in shp.columns]
    cols = list(dict.fromkeys(cols))
    try:
        for batch in gt.batches(type_name, cols, batch_rows=_BATCH_ROWS, dictionary=True):
            tables = {**lookups, type_name: batch}  # a lookup type is a node type, never a link table
            for shp, f in outs:
                f.write(node_table(shp, batch) if isinstance(shp, NodeShape)
                        else rel_table(shp, tables))
    finally:
        for _, f in outs:
            f.close()
    return [f for _, f in outs]


def _workers() -> int:
    return max(1, min(4, os.cpu_count() or 1))


def export_import(source: Any, out_dir: str | Path, *, database: str = "neo4j", model: Model | None = None,
                  progress: ProgressFn | None = None) -> Path:
    """Write node and relationship CSV files for ``neo4j-admin database import full``.

    Layout of ``out_dir``::

        nodes/<Label>.csv                          id:ID(<Label>),name,…,members:long,…,:LABEL
        relationships/<REL>__<From>__<To>.csv      :START_ID(<From>),:END_ID(<To>),id,…,:TYPE
        import.sh                                  the exact neo4j-admin command
        constraints.cypher                         constraints and indexes to run after the import
        IMPORT.md                                  how to run it (Chinese and English)

    Each label is its own id space. Dates are ISO ``YYYY-MM-DD``; empty values are unquoted
    empty fields (no property). The folder is written atomically and only if :func:`precheck`
    finds no problem.

    An output folder is streamed: its Parquet tables are read in record batches and written
    with Arrow's CSV writer, one record table per worker thread, so memory stays bounded (the
    pre-check holds one id column at a time): a country-sized graph (5 M orgs) takes ~70 s of CPU.

    Raises
    ------
    OutputError
        If an id is empty or duplicated, or a relationship end is missing.

    Examples
    --------
    >>> import tempfile
    >>> from graphkit.analyses.toolkit import example_graph
    >>> d = export_import(example_graph(), tempfile.mkdtemp() + "/import")
    >>> (d / "nodes" / "Organization.csv").read_text(encoding="utf-8").splitlines()[0].startswith("id:ID(Organization)")
    True
    """
    from concurrent.futures import ThreadPoolExecutor, as_completed

    from ..store.io import atomic_dir, check_replace
    from ..core.model import Graph

    check_replace(out_dir, kind="neo4j-import")  # before the work: never replace a folder graphkit did not write
    say = progress or (lambda _m: None)
    model = source.model if isinstance(source, Graph) else (model or load_schema())
    shape = graph_shape(model)
    ident(database.replace("-", "_").replace(".", "_"))  # database names: letters, digits, '.', '-'
    gt = GraphTables(source, model)
    problems = _precheck(shape, gt)
    if len(problems):
        raise OutputError("导入预检未通过，未写出文件 / import pre-check failed, nothing written:\n"
                          + problems.to_string(index=False))
    lookups = {c.lookup: gt.read(c.lookup, ["id", "name"]) for rs in shape.rels for c in rs.columns if c.lookup}
    out_dir = Path(out_dir)
    with atomic_dir(out_dir, kind="neo4j-import", command="neo4j export-import") as tmp:
        (tmp / "nodes").mkdir()
        (tmp / "relationships").mkdir()
        jobs = {t.name: _table_outputs(shape, t.name, tmp) for t in model}
        jobs = {k: v for k, v in jobs.items() if v and gt.num_rows(k)}
        written: dict[Path, _CsvFile] = {}
        with ThreadPoolExecutor(max_workers=_workers(), thread_name_prefix="graphkit-import") as pool:
            futures = [pool.submit(_write_table_files, gt, name, jobs[name], lookups)
                       for name in sorted(jobs, key=gt.num_rows, reverse=True)]  # biggest first
            for fut in as_completed(futures):
                for f in fut.result():
                    if f.rows:
                        written[f.path] = f
                        say(f"{f.path.parent.name}/{f.path.name}: {f.rows}")
        node_files = [f"nodes/{ns.label}.csv" for ns in shape.nodes if tmp / f"nodes/{ns.label}.csv" in written]
        rel_files = [f"relationships/{rs.file_stem}.csv" for rs in shape.rels
                     if tmp / f"relationships/{rs.file_stem}.csv" in written]
        multiline = any(f.multiline for f in written.values())
        # The database name goes right after ``full``: after the variadic --nodes/--relationships
        # options neo4j-admin 5 would read it as one more file ("File 'neo4j' doesn't exist").
        head = ["neo4j-admin", "database", "import", "full"]
        opts = ["--id-type=string", f"--multiline-fields={'true' if multiline else 'false'}"]
        opts += [f"--nodes={f}" for f in node_files] + [f"--relationships={f}" for f in rel_files]
        command = " ".join(shlex.quote(a) for a in [*head, database, *opts])
        script = ("#!/usr/bin/env bash\n"
                  "# graphkit: bulk import into an empty, stopped database / 导入到已停止的空数据库\n"
                  "# usage: bash import.sh [DATABASE] [neo4j-admin options, e.g. --overwrite-destination=true]\n"
                  "# NEO4J_ADMIN: the neo4j-admin to run (default: neo4j-admin on PATH)\n"
                  "set -euo pipefail\n"
                  'cd "$(dirname "$0")"\n'
                  f'DATABASE="${{1:-{database}}}"\n'
                  "shift || true\n"
                  '"${NEO4J_ADMIN:-neo4j-admin}" ' + " ".join(shlex.quote(a) for a in head[1:])
                  + ' "$DATABASE" "$@" \\\n  ' + " \\\n  ".join(shlex.quote(a) for a in opts) + "\n")
        (tmp / "import.sh").write_text(script, encoding="utf-8")
        os.chmod(tmp / "import.sh", 0o755)
        (tmp / "constraints.cypher").write_text(
            "".join(s + ";\n" for s in schema_statements(model)) + "CALL db.awaitIndexes(300);\n", encoding="utf-8")
        counts = {ns.label: gt.num_rows(ns.type) for ns in shape.nodes}
        counts.update({f.path.stem: f.rows for f in written.values() if f.path.parent.name == "relationships"})
        (tmp / "IMPORT.md").write_text(_import_md(command, database, node_files, rel_files, counts), encoding="utf-8")
        from .neo4j_browser import BROWSER_DIR, write_browser_files  # GraSS style, guide, favourites
        write_browser_files(tmp / BROWSER_DIR, model, county=_county(source))
    return out_dir


def _admin_col(name: str, kind: str) -> str:
    return name if kind == "string" else f"{name}:{ADMIN_TYPES[kind]}"


def _import_md(command: str, database: str, nodes: list[str], rels: list[str], counts: Mapping[str, int]) -> str:
    lines = [
        "# Neo4j 批量导入 / bulk import", "",
        "这些文件由 `graphkit neo4j export-import` 生成，供 `neo4j-admin database import full` 使用。",
        "These files are for `neo4j-admin database import full` (Neo4j 5). The target database must be",
        "stopped and empty (or add `--overwrite-destination=true`). Each label is its own id space;",
        "empty fields are missing properties.", "",
        "## 命令 / command", "", "Run from this folder (or `bash import.sh [DATABASE]`):", "", "```bash",
        command, "```", "",
        "Then start the database and create the constraints and indexes / 然后启动数据库并创建约束：", "",
        "```bash", f"cypher-shell -u neo4j -d {shlex.quote(database)} -f constraints.cypher", "```", "",
        "## 文件 / files", "", "| file | rows |", "|---|---|",
    ]
    lines += [f"| `{f}` | {counts.get(Path(f).stem, '')} |" for f in nodes]
    lines += [f"| `{f}` | {counts.get(Path(f).stem, '')} |" for f in rels]
    return "\n".join(lines) + "\n"


# ---- push to a server ------------------------------------------------------------------------

def redact_uri(uri: str) -> str:
    """Remove ``user:password@`` from a URI before it goes into a message.

    >>> redact_uri("neo4j+s://" + "neo4j:pw" + "@db.example:7687")
    'neo4j+s://***@db.example:7687'
    """
    scheme, sep, rest = uri.partition("://")
    if not sep:
        return uri.split("@", 1)[-1] if "@" in uri else uri
    host = rest.rsplit("@", 1)[-1]
    return f"{scheme}://***@{host}" if "@" in rest else uri


def _scrub(text: str, uri: str, password: str) -> str:
    """Remove the URI's userinfo and the password from a driver's message."""
    text = text.replace(uri, redact_uri(uri))
    return text.replace(password, "***") if password else text


def connect(uri: str, user: str, password: str) -> Any:
    """Open a driver and check the server answers; errors become :class:`Neo4jError`.

    ``neo4j://``, ``bolt://``, ``neo4j+s://`` and ``bolt+s://`` URIs work (the driver handles TLS).
    The password is never part of a message.

    Examples
    --------
    An address that is not a Neo4j URI is refused before anything is sent:

    >>> pw = "not-" + "a-real-password"
    >>> try:
    ...     connect(f"http://neo4j:{pw}@localhost:7474", "neo4j", pw)
    ... except Neo4jError as exc:
    ...     print("invalid Neo4j URI" in str(exc), pw in str(exc))
    True False
    """
    import neo4j
    from neo4j import exceptions as nx

    shown = redact_uri(uri)
    scheme = uri.split("://", 1)[0].lower() if "://" in uri else ""
    if scheme not in _SCHEMES:
        raise Neo4jError(f"Neo4j 地址无效 / invalid Neo4j URI {shown!r}: use one of "
                         f"{', '.join(s + '://' for s in _SCHEMES)}")
    try:
        driver = neo4j.GraphDatabase.driver(uri, auth=(user, password))
    except (ValueError, nx.ConfigurationError) as exc:
        raise Neo4jError(f"Neo4j 地址无效 / invalid Neo4j URI {shown!r}: {_scrub(str(exc), uri, password)}") from None
    for attempt in range(4):
        try:
            driver.verify_connectivity()
            return driver
        except nx.AuthError:
            driver.close()
            raise Neo4jError(f"Neo4j 认证失败 / authentication failed for user {user!r} at {shown}") from None
        except (nx.ServiceUnavailable, nx.SessionExpired) as exc:
            if attempt == 3:
                driver.close()
                raise Neo4jError(f"无法连接 Neo4j / cannot reach Neo4j at {shown}: {_scrub(str(exc), uri, password)}") from None
            time.sleep(2 ** attempt)
    raise AssertionError("unreachable")  # pragma: no cover


def _run_write(driver: Any, database: str | None, stmt: str, params: Mapping[str, Any], what: str) -> None:
    def work(tx: Any) -> None:
        tx.run(stmt, **params).consume()

    def call() -> None:
        with _session(driver, database) as s:
            s.execute_write(work)

    _retrying(call, what)


def _run_read(driver: Any, database: str | None, stmt: str, params: Mapping[str, Any], what: str, *,
              quiet: bool = False) -> list[Any]:
    def work(tx: Any) -> list[Any]:
        return [r.values() for r in tx.run(stmt, **params)]

    def call() -> list[Any]:
        with _session(driver, database, quiet=quiet) as s:
            return s.execute_read(work)

    return _retrying(call, what)


def push(source: Any, *, uri: str, user: str, password: str, database: str | None = None,
         batch_size: int | None = None, workers: int | None = None, prune: bool = False,
         model: Model | None = None, progress: ProgressFn | None = None, driver: Any = None,
         county: str | None = None) -> pd.DataFrame:
    """Load a graph into a Neo4j 5 server, idempotently.

    Steps: constraints and indexes (:func:`schema_statements`) and ``db.awaitIndexes``; every
    node label, then every relationship triple, in batches of ``batch_size`` rows, each batch
    one managed write transaction of the :func:`node_statement` / :func:`rel_statement`
    statement with the rows as the ``$rows`` parameter, ``workers`` batches at a time; with
    ``prune``, records of these labels and types whose id is not in the graph are deleted;
    finally every label and triple is counted on the server and compared with the graph.

    A label or triple that has nothing on the server yet is loaded with the ``CREATE`` form of
    its statement (no lookup of what is not there); otherwise with ``MERGE``. Counts are taken
    from the server's count store first; only a label or triple whose count differs is counted
    again id by id (a database that also holds other data).

    A push interrupted midway and run again ends with the same graph as one uninterrupted
    push: every statement is a MERGE on ``id`` that sets all properties.

    Parameters
    ----------
    source
        An output folder or a :class:`graphkit.Graph`.
    uri, user, password
        The server and credentials (``neo4j+s://`` for TLS). The password is never printed.
    database
        The database name (default: the server's default database).
    batch_size
        Rows per transaction (default ``graphkit.config.neo4j_batch_size``, 20,000).
    workers
        Transactions in flight at once (default ``graphkit.config.neo4j_workers``, 2). Batches of
        one label never conflict; relationship batches that meet on a node are serialized by the
        server (a deadlock is retried by the driver).
    prune
        Delete nodes of the schema's labels and n-ary relationships whose id is not in the
        graph. Only for a database that holds this one graph.
    progress
        Called with progress messages (the CLI prints them on stderr).
    driver
        An open ``neo4j.Driver`` to use instead of connecting (it is not closed).
    county
        A province graph only: push this county's records (its nodes, its link records and the
        references they hold, cross-county ones included); with ``prune``, delete only that
        county's records that are gone (``graphkit.exports._neo4j_county``). No other county's records
        change.

    Returns
    -------
    pandas.DataFrame
        One row per label and triple: ``kind``, ``name``, ``expected``, ``found``, ``ok``.

    Raises
    ------
    Neo4jError
        On connection or authentication failure, after retries are exhausted, or when a
        count differs.

    Examples
    --------
    With a server, ``push(out, uri="neo4j://host:7687", user="neo4j", password=…)`` returns the
    count check (one row per label and relationship triple, ``ok`` everywhere). A bad address is a
    clear error:

    >>> import graphkit as gk
    >>> try:
    ...     push(gk.sample_graph(), uri="http://localhost:7474", user="neo4j", password=os.environ.get("NEO4J_PASSWORD", ""))
    ... except Neo4jError as exc:
    ...     print("invalid Neo4j URI" in str(exc))
    True
    """
    from ..core.model import Graph
    from ..core.settings import config

    import pyarrow.compute as pc

    batch_size = config.neo4j_batch_size if batch_size is None else batch_size
    workers = config.neo4j_workers if workers is None else workers
    if batch_size < 1:
        raise Neo4jError(f"批大小须为正数 / batch size must be positive, got {batch_size}")
    if workers < 1:
        raise Neo4jError(f"并发数须为正数 / workers must be positive, got {workers}")
    say = progress or (lambda _m: None)
    model = source.model if isinstance(source, Graph) else (model or load_schema())
    shape = graph_shape(model)
    tables = arrow_tables(source, model)
    scope = None
    if county is not None:
        from ._neo4j_county import CountyScope
        scope = CountyScope.of(source, county, tables)
    own = driver is None
    drv = connect(uri, user, password) if own else driver
    try:
        say(f"约束与索引 / constraints and indexes on {redact_uri(uri)}")
        for stmt in schema_statements(model):
            _run_write(drv, database, stmt, {}, "schema")
        _run_write(drv, database, "CALL db.awaitIndexes(300)", {}, "awaitIndexes")
        for ns in shape.nodes:
            t = node_table(ns, tables[ns.type] if scope is None else scope.tables[ns.type])
            fresh = bool(t.num_rows) and _server_count(drv, database, f"MATCH (n:{ident(ns.label)}) RETURN count(n)") == 0
            _push_rows(drv, database, node_statement(ns, create=fresh, columns=True), _node_order(ns), t,
                       batch_size, f"(:{ns.label})", say, workers=workers)
        for rs in shape.rels:
            t = _triple_rows(rs, tables, say)
            t = t if scope is None else scope.rows(rs, t)
            fresh = bool(t.num_rows) and _triple_is_empty(drv, database, rs)
            if fresh and not rs.is_link:
                t = t.filter(pc.is_valid(t.column("end_id")))
            if workers > 1 and t.num_rows > batch_size:
                t = t.sort_by("start_id")  # batches in flight together then share no start node
            _push_rows(drv, database, rel_statement(rs, create=fresh, columns=True), _rel_order(rs), t, batch_size,
                       f"(:{rs.source_label})-[:{rs.rel}]->(:{rs.target_label})", say, workers=workers)
        if prune:
            _prune(drv, database, shape, tables if scope is None else scope.tables, batch_size, say,
                   prefix=None if scope is None else scope.prefix)
        report = _count_check(drv, database, shape, tables if scope is None else scope.tables, batch_size)
    finally:
        if own:
            drv.close()
    bad = report[~report["ok"]]
    if len(bad):
        raise Neo4jError("Neo4j 中的数量与图谱不符 / counts on the server differ from the graph:\n"
                         + bad.to_string(index=False))
    say(f"完成 done: {int(report.loc[report['kind'] == 'node', 'found'].sum())} 个节点 nodes, "
        f"{int(report.loc[report['kind'] == 'relationship', 'found'].sum())} 条关系 relationships")
    return report


def _server_count(drv: Any, database: str | None, stmt: str) -> int:
    """One count from the server (a count-store query: constant time)."""
    return int(_run_read(drv, database, stmt, {}, "count", quiet=True)[0][0])


def _triple_is_empty(drv: Any, database: str | None, rs: RelShape) -> bool:
    """True when the server holds no ``(:A)-[:R]->(:B)`` relationship (either one-sided count is 0)."""
    rel = ident(rs.rel)
    return (_server_count(drv, database, f"MATCH (:{ident(rs.source_label)})-[r:{rel}]->() RETURN count(r)") == 0
            or _server_count(drv, database, f"MATCH ()-[r:{rel}]->(:{ident(rs.target_label)}) RETURN count(r)") == 0)


def _push_rows(drv: Any, database: str | None, stmt: str, order: list[str], table: Any, batch_size: int,
               what: str, say: ProgressFn, *, workers: int = 1) -> None:
    """Run ``stmt`` over ``table`` in batches, ``workers`` write transactions in flight at once.

    Each batch goes as parallel lists in ``order`` (:func:`_column_params`).

    At most ``2 * workers`` batches are converted ahead, so memory stays bounded. If anything
    fails (or the caller's progress function raises), batches not yet started are cancelled.
    """
    from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait

    n = table.num_rows
    done = 0
    batches = (table.slice(start, batch_size) for start in range(0, n, batch_size))
    if workers == 1:
        for batch in batches:
            _run_write(drv, database, stmt, _column_params(order, batch), what)
            done += batch.num_rows
            say(f"{what}: {done}/{n}")
        return
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="graphkit-push")
    pending: set[Any] = set()
    try:
        for batch in batches:
            if len(pending) >= 2 * workers:
                finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                for fut in finished:
                    done += fut.result()
                    say(f"{what}: {done}/{n}")
            pending.add(pool.submit(_write_batch, drv, database, stmt, _column_params(order, batch), what))
        while pending:
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for fut in finished:
                done += fut.result()
                say(f"{what}: {done}/{n}")
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _write_batch(drv: Any, database: str | None, stmt: str, params: dict[str, list[Any]], what: str) -> int:
    _run_write(drv, database, stmt, params, what)
    return len(params["c0"])


def _prune(drv: Any, database: str | None, shape: GraphShape, tables: Mapping[str, Any], batch_size: int,
           say: ProgressFn, *, prefix: str | None = None) -> None:
    idk = ident("id")
    # one county of a province: only records whose source file lies in its folder
    only = "" if prefix is None else " AND {v}.src_file STARTS WITH $prefix"
    extra = {} if prefix is None else {"prefix": prefix}
    for rel in shape.rel_types():
        rs = shape.rel_shapes(rel)[0]
        if not rs.is_link:
            continue
        ids = tables[rs.table].column("id").to_pylist()
        stmt = (f"MATCH ()-[r:{ident(rel)}]->() WHERE NOT r.{idk} IN $ids{only.format(v='r')} "
                f"WITH r LIMIT $limit DELETE r RETURN count(*) AS n")
        _prune_loop(drv, database, stmt, ids, batch_size, f"[:{rel}]", say, params=extra)
    for ns in shape.nodes:
        ids = tables[ns.type].column("id").to_pylist()
        stmt = (f"MATCH (n:{ident(ns.label)}) WHERE NOT n.{idk} IN $ids{only.format(v='n')} "
                f"WITH n LIMIT $limit DETACH DELETE n RETURN count(*) AS n")
        _prune_loop(drv, database, stmt, ids, batch_size, f"(:{ns.label})", say, params=extra)


def _prune_loop(drv: Any, database: str | None, stmt: str, ids: list[str], batch_size: int, what: str,
                say: ProgressFn, *, params: Mapping[str, Any] | None = None) -> None:
    total = 0
    while True:
        box: list[int] = []

        def work(tx: Any, box: list[int] = box) -> None:
            box.append(int(tx.run(stmt, ids=ids, limit=batch_size, **dict(params or {})).single()["n"]))

        def call(work: Callable[[Any], None] = work) -> None:
            with _session(drv, database) as s:
                s.execute_write(work)

        box.clear()
        _retrying(call, f"prune {what}")
        total += box[-1]
        if box[-1] < batch_size:
            break
    if total:
        say(f"删除已不存在的记录 / pruned {total} {what}")


def _count_check(drv: Any, database: str | None, shape: GraphShape, tables: Mapping[str, Any],
                 batch_size: int) -> pd.DataFrame:
    """Compare every label and triple on the server with the graph.

    The server's count store answers ``count(n:L)`` and one-sided relationship counts at once;
    where those equal what the graph holds the label or triple is taken as found. Anything else
    (a missing record, or a database that also holds other data) is counted again id by id, so
    ``found`` is always the number of the graph's own records on the server.
    """
    import pyarrow.compute as pc

    idk = ident("id")

    def by_ids(stmt: str, ids: list[Any]) -> int:
        return int(sum(_run_read(drv, database, stmt, {"ids": ids[i:i + batch_size]}, "count")[0][0]
                       for i in range(0, len(ids), batch_size)))

    rows = []
    for ns in shape.nodes:
        expected = tables[ns.type].num_rows
        found = _server_count(drv, database, f"MATCH (n:{ident(ns.label)}) RETURN count(n)")
        if found != expected:
            stmt = f"UNWIND $ids AS i MATCH (n:{ident(ns.label)} {{{idk}: i}}) RETURN count(n) AS n"
            found = by_ids(stmt, tables[ns.type].column("id").to_pylist())
        rows.append({"kind": "node", "name": ns.label, "expected": expected, "found": int(found)})
    triples = [(rs, _triple_rows(rs, tables)) for rs in shape.rels]
    expected_of = {}
    for rs, t in triples:
        expected_of[rs] = t.num_rows if rs.is_link else int(pc.sum(pc.is_valid(t.column("end_id")).cast("int64")).as_py() or 0)
    # one-sided sums: (:A)-[:R]->() and ()-[:R]->(:B) over the triples that share them
    out_sum: dict[tuple[str, str], int] = {}
    in_sum: dict[tuple[str, str], int] = {}
    for rs, _ in triples:
        out_sum[(rs.source_label, rs.rel)] = out_sum.get((rs.source_label, rs.rel), 0) + expected_of[rs]
        in_sum[(rs.rel, rs.target_label)] = in_sum.get((rs.rel, rs.target_label), 0) + expected_of[rs]
    out_ok = {k: _server_count(drv, database, f"MATCH (:{ident(k[0])})-[r:{ident(k[1])}]->() RETURN count(r)") == v
              for k, v in out_sum.items()}
    in_ok = {k: _server_count(drv, database, f"MATCH ()-[r:{ident(k[0])}]->(:{ident(k[1])}) RETURN count(r)") == v
             for k, v in in_sum.items()}
    for rs, t in triples:
        expected = expected_of[rs]
        if out_ok[(rs.source_label, rs.rel)] and in_ok[(rs.rel, rs.target_label)]:
            found = expected
        elif rs.is_link:
            stmt = (f"UNWIND $ids AS i MATCH (:{ident(rs.source_label)})-[r:{ident(rs.rel)} {{{idk}: i}}]->"
                    f"(:{ident(rs.target_label)}) RETURN count(r) AS n")
            found = by_ids(stmt, t.column("id").to_pylist())
        else:
            stmt = (f"UNWIND $ids AS i MATCH (:{ident(rs.source_label)} {{{idk}: i}})-[r:{ident(rs.rel)}]->"
                    f"(:{ident(rs.target_label)}) RETURN count(r) AS n")
            found = by_ids(stmt, t.filter(pc.is_valid(t.column("end_id"))).column("start_id").to_pylist())
        rows.append({"kind": "relationship", "name": f"{rs.source_label}-{rs.rel}->{rs.target_label}",
                     "expected": expected, "found": int(found)})
    df = pd.DataFrame(rows)
    df["ok"] = df["expected"] == df["found"]
    return df
