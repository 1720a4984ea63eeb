"""The ``neo4j-admin database import full`` files of :func:`graphkit.exports.neo4j.export_import` and their pre-check."""
from __future__ import annotations

import os
import shlex
from pathlib import Path
from typing import Any
from collections.abc import Mapping

import pandas as pd

from ._graph_shape import GraphShape, GraphTables, NodeShape, RelShape, ends_by_label, graph_shape, ident, missing_ends, node_table, rel_table
from ._neo4j_statements import ProgressFn, _county, schema_statements
from ..core.errors import OutputError
from ..core.schema import Model, load_schema

#: neo4j-admin header types of the shape's column kinds.
ADMIN_TYPES = {"string": "string", "integer": "long", "date": "date", "boolean": "boolean"}


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

