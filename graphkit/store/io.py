"""The on-disk graph: an output folder of Parquet tables plus ``manifest.json``, written atomically.

Layout of an output folder::

    OUT/
      manifest.json          counts, source files with SHA-256, schema version, build settings
      tables/<Type>.parquet  one table per record type (sorted by id)
      sources.parquet        the ledger files read
      problems.csv           only when built with --lenient and problems were found

Everything except the manifest's ``created`` timestamp is byte-identical for the same input.

Examples
--------
>>> import tempfile, graphkit as gk
>>> g = gk.build_graph(gk.sample_path("sample_county"))
>>> out = gk.write_graph(g, tempfile.mkdtemp() + "/out")
>>> gk.read_graph(out).count("Organization") == g.count("Organization")
True
"""
from __future__ import annotations

import datetime as dt
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from collections.abc import Iterable, Iterator, Mapping

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..core.files import (
    FILE_REGISTRY,
    MANIFEST,
    OUTPUT_KINDS,
    OUTPUT_MARKER,
    SYNTH_HEADER,
    atomic_dir,
    atomic_file,
    check_replace,
    file_digests,
    graphkit_outputs,
    output_kind,
    output_signature,
)
from ..core.ids import ArrowIds
from ..core.errors import OutputError
from ..core.model import Graph
from ..core.problems import excel_safe, excel_unsafe
from ..core.schema import PROVENANCE, Model, RecordType, load_schema

__all__ = ["write_graph", "read_graph", "atomic_dir", "atomic_file", "MANIFEST", "FORMAT_VERSION", "OUTPUT_MARKER",
           "output_kind", "output_signature", "check_replace", "graphkit_outputs", "FILE_REGISTRY", "file_digests",
           "OUTPUT_KINDS", "SYNTH_HEADER", "GraphTables", "arrow_tables"]

FORMAT_VERSION = "1"


def _arrow_schema(rtype: RecordType) -> pa.Schema:
    fields = [pa.field("id", pa.string(), nullable=False)]
    for pname, prop in rtype.properties.items():
        typ = {"date": pa.date32(), "integer": pa.int64(), "boolean": pa.bool_()}.get(prop.type, pa.string())
        fields.append(pa.field(pname, typ))
    fields += [pa.field("src_file", pa.string()), pa.field("src_sheet", pa.string()),
               pa.field("src_row", pa.int64()), pa.field("src_hash", pa.string())]
    return pa.schema(fields)


def _to_arrow(df: pd.DataFrame, rtype: RecordType) -> pa.Table:
    schema = _arrow_schema(rtype)
    arrays = []
    for f in schema:
        col = df[f.name] if f.name in df else pd.Series([None] * len(df), dtype=object)
        if pa.types.is_date32(f.type):
            days = pd.to_datetime(col).dt.normalize().to_numpy(dtype="datetime64[s]")
            arrays.append(pa.array(days, from_pandas=True).cast(f.type))
        elif pa.types.is_int64(f.type):
            arrays.append(pa.array(pd.array(col, dtype="Int64"), type=f.type))
        elif pa.types.is_boolean(f.type):
            arrays.append(pa.array(pd.array(col, dtype="boolean"), type=f.type))
        else:
            arrays.append(pa.array(col.to_numpy(dtype=object), type=f.type, from_pandas=True))
    return pa.Table.from_arrays(arrays, schema=schema)


def _objects(column: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """A string column as an object array of ``str`` and ``None``.

    Dictionary-encoded columns are expanded with one ``take`` so that repeated values (codes,
    references, provenance) share one Python object each: fast, and small in memory.
    """
    arr = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if pa.types.is_dictionary(arr.type):
        values = np.asarray(arr.dictionary.to_numpy(zero_copy_only=False), dtype=object)
        if arr.null_count:
            return np.append(values, [None]).take(arr.indices.fill_null(len(values)).to_numpy())
        return values.take(arr.indices.to_numpy())
    out = np.asarray(arr.to_numpy(zero_copy_only=False), dtype=object)
    if arr.null_count:
        out[np.asarray(arr.is_null())] = None
    return out


class _Ids:
    """A referenced type's ids as read (Arrow) with the object array of its DataFrame's id column."""

    def __init__(self, ids: pa.ChunkedArray | pa.Array, objs: np.ndarray) -> None:
        self.arrow = ArrowIds(ids)
        self.objs = objs


def _from_arrow(table: pa.Table, rtype: RecordType, shared: dict[str, _Ids] | None = None,
                codes: dict[str, np.ndarray] | None = None) -> pd.DataFrame:
    """A table as a DataFrame; reference columns to the types in ``shared`` (and to the table
    itself, whose ids are then added to ``shared``) share the referenced id objects, and their row
    codes into the referenced table are put in ``codes`` (column name → codes), see
    :func:`_shared_refs`."""
    shared = {} if shared is None else shared
    cols: dict[str, Any] = {}
    refs: dict[str, list[str]] = {}
    for name in table.column_names:
        column = table.column(name)
        prop = rtype.properties.get(name)
        typ = column.type
        if pa.types.is_dictionary(typ) or pa.types.is_string(typ) or pa.types.is_large_string(typ):
            if prop is not None and prop.type == "ref" and (prop.range in shared or prop.range == rtype.name):
                refs.setdefault(prop.range, []).append(name)
                cols[name] = None  # filled below, in column order
                continue
            cols[name] = pd.Series(_objects(column), dtype=object, copy=False)
            if name == "id" and any(p.range == rtype.name for p in rtype.refs.values()):
                shared[rtype.name] = _Ids(_plain(column), cols[name].to_numpy(dtype=object))
        elif pa.types.is_date(typ) or (prop is not None and prop.type == "date"):
            cols[name] = pd.Series(column.cast(pa.timestamp("s")).to_numpy(zero_copy_only=False), dtype="datetime64[s]")
        elif pa.types.is_int64(typ):
            cols[name] = (column.to_pandas().astype("int64") if name == "src_row"
                          else column.to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get))
        elif pa.types.is_boolean(typ):
            cols[name] = column.to_pandas(types_mapper={pa.bool_(): pd.BooleanDtype()}.get)
        elif pa.types.is_null(typ):
            cols[name] = pd.Series([None] * len(column), dtype=object)
        else:
            cols[name] = column.to_pandas()
    for target, names in refs.items():
        if target in shared:
            arrays, at = _shared_refs([table.column(n) for n in names], shared[target])
            if codes is not None:
                codes.update(zip(names, at))
        else:  # a self-reference of a table without an id column
            arrays = [_objects(table.column(n)) for n in names]
        for name, arr in zip(names, arrays):
            cols[name] = pd.Series(arr, dtype=object, copy=False)
    return pd.DataFrame(cols, copy=False)


def _plain(column: pa.ChunkedArray) -> pa.Array:
    """One string array (a dictionary-encoded column decoded)."""
    arr = column.combine_chunks()
    return arr.dictionary.take(arr.indices) if pa.types.is_dictionary(arr.type) else arr


def _shared_refs(columns: list[pa.ChunkedArray], target: _Ids) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Reference columns as object arrays sharing the referenced table's id objects, and as row
    codes into that table (-1 where null or not an id).

    Each chunk's dictionary is looked up among the ids once (:class:`graphkit.core.ids.ArrowIds`):
    the lookups are integer codes, and sharing the objects saves memory (one ``str`` per id
    instead of one per column). Values that are not ids (dangling references) get objects of their
    own; nulls become None.
    """
    n = len(target.objs)
    out, codes = [], []
    for col in columns:
        rows, extras = [], []
        seen: dict[tuple[Any, ...], np.ndarray] = {}  # the chunks of a row group share its dictionary
        for c in (col.chunks if isinstance(col, pa.ChunkedArray) else [col]):
            d, idx = (c.dictionary, c.indices) if pa.types.is_dictionary(c.type) else (c, None)
            key = (idx is not None, d.offset, len(d), *(b.address if b is not None else 0 for b in d.buffers()))
            pos = seen.get(key)
            if pos is None:
                pos = target.arrow.positions(d).astype(np.int64)
                miss = np.flatnonzero(pos < 0)
                if len(miss):  # not an id (or null): an object of its own, after the ids
                    extras.append(np.asarray(d.take(pa.array(miss)).to_numpy(zero_copy_only=False), dtype=object))
                    pos[miss] = n + sum(map(len, extras[:-1])) + np.arange(len(miss))
                if idx is not None:
                    seen[key] = pos
            if idx is None:
                rows.append(pos)
            else:  # a null code takes the slot after the chunk's dictionary: -1, None
                rows.append(np.append(pos, -1)[idx.fill_null(len(d)).to_numpy()])
        at = np.concatenate(rows) if len(rows) != 1 else rows[0]
        pool = np.concatenate([target.objs, *extras]) if extras else target.objs
        vals = pool[at] if len(pool) else np.full(len(at), None, dtype=object)
        if len(at) and at.min() < 0:
            vals[at < 0] = None
        out.append(vals)
        codes.append(np.where(at < n, at, -1))
    return out, codes


_UNIQUE_STRINGS = frozenset({"id", "name", "title"})

#: Compressed bytes a row above which a reference column is taken to hold mostly distinct values.
_DISTINCT_BYTES_PER_ROW = 6.0


def _bytes_per_row(meta: pq.FileMetaData, name: str) -> float:
    if not meta.num_rows:
        return 0.0
    j = meta.schema.names.index(name)
    return sum(meta.row_group(i).column(j).total_compressed_size for i in range(meta.num_row_groups)) / meta.num_rows


def _read_table(path: Path, *, provenance: bool = True, only: Iterable[str] | None = None,
                refs: Iterable[str] = ()) -> pa.Table:
    """Read one table (``only`` these columns, when given), string columns dictionary-encoded
    (expanded by :func:`_objects`).

    Reference columns (``refs``) whose values barely repeat are read plain: their objects come
    from the referenced ids anyway (:func:`_shared_refs`), and building a dictionary for a column
    of mostly distinct values costs several times the plain read. Whether values repeat is judged
    from the file: a dictionary-encoded column of few distinct values compresses to a few bytes a
    row (the measure changes only the speed, never the values read).
    """
    meta = pq.read_metadata(path)
    schema = meta.schema.to_arrow_schema()
    keep = None if only is None else set(only)
    columns = [f.name for f in schema if (provenance or f.name not in PROVENANCE) and (keep is None or f.name in keep)]
    plain = {name for name in set(refs) & set(columns) if _bytes_per_row(meta, name) > _DISTINCT_BYTES_PER_ROW}
    # dictionary-encode only columns whose values repeat (codes, references, provenance): for the
    # unique ones (ids, names) a dictionary costs time and saves nothing
    strings = [f.name for f in schema if f.name in columns and f.name not in _UNIQUE_STRINGS and f.name not in plain
               and (pa.types.is_string(f.type) or pa.types.is_large_string(f.type))]
    return pq.read_table(path, columns=columns, read_dictionary=strings)


def write_graph(graph: Graph, out: str | Path, *, overwrite: bool = True, command: str = "build") -> Path:
    """Write a graph to an output folder, atomically.

    Parameters
    ----------
    graph
        The graph (from ``build_graph`` or ``read_graph``).
    out
        The output folder; replaced in one rename when complete.
    overwrite
        If False, refuse to replace an existing folder. Even when True, only an empty folder or
        graphkit's own graph folder is replaced (:func:`check_replace`).
    command
        The command named in the folder's ``.graphkit-output.json``.

    Returns
    -------
    Path
        The output folder.

    Examples
    --------
    >>> import tempfile, graphkit as gk
    >>> out = write_graph(gk.sample_graph(), tempfile.mkdtemp() + "/out")
    >>> (out / "manifest.json").is_file(), len(list((out / "tables").glob("*.parquet"))) == len(gk.load_schema().types)
    (True, True)
    """
    out = Path(out)
    if out.exists() and not overwrite:
        raise OutputError(f"输出目录已存在 / output folder exists: {out}")
    check_replace(out, kind="graph")  # before any work; atomic_dir checks again just before writing
    if graph.settings.get("columns") is not None:
        raise OutputError(f"{out}: 此图谱只读取了部分列，写出会丢失数据，请完整读取 / this graph was read with only some "
                          "of its columns (read_graph(columns=...)); writing it would lose the others: read it whole")
    if graph.settings.get("provenance") is False:
        raise OutputError(f"{out}: 此图谱读取时未含来源列，写出会丢失来源，请用 provenance=True 读取 / this graph was read "
                          "without its provenance columns (src_file, src_sheet, src_row, src_hash); writing it would lose "
                          "them: read it with provenance=True")
    model = graph.model
    with atomic_dir(out, kind="graph", command=command) as tmp:
        (tmp / "tables").mkdir()
        counts = {}
        for rtype in model:
            table = _to_arrow(graph.tables[rtype.name], rtype)
            pq.write_table(table, tmp / "tables" / f"{rtype.name}.parquet", compression="zstd")
            counts[rtype.name] = table.num_rows
        sources = graph.sources.copy()
        pq.write_table(pa.Table.from_pandas(sources.astype({c: object for c in sources.columns if c != "bytes"}),
                                            preserve_index=False), tmp / "sources.parquet")
        if graph.read_report:
            from ..core.read_report import write_report

            write_report(graph.read_report, tmp)
        if len(graph.problems):
            # text a spreadsheet would run as a formula gets a leading ' (read_graph removes it)
            graph.problems.map(excel_safe).to_csv(tmp / "problems.csv", index=False, encoding="utf-8-sig")
        manifest = {
            "format": FORMAT_VERSION,
            "schema_version": model.version,
            "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "settings": {k: v for k, v in graph.settings.items() if k != "data_dir"},
            "counts": counts,
            "sources": [{"file": r["file"], "sha256": r["sha256"], "bytes": int(r["bytes"])}
                        for r in sources.to_dict("records")],
            "problems": {"errors": int((graph.problems["severity"] == "error").sum()) if len(graph.problems) else 0,
                         "warnings": int((graph.problems["severity"] == "warning").sum()) if len(graph.problems) else 0},
        }
        (tmp / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return out


def read_manifest(out: str | Path) -> dict[str, Any]:
    """Read an output folder's manifest."""
    path = Path(out) / MANIFEST
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise OutputError(f"{out}: 不是 graphkit 输出目录（缺少 {MANIFEST}）/ not a graphkit output folder (no {MANIFEST}); "
                          f"先运行 run `graphkit build DATA_DIR -o {out}`") from None
    except json.JSONDecodeError as exc:
        raise OutputError(f"{path}: 清单文件损坏 / manifest is corrupt: {exc}") from None


def _check_schema_version(out: Path, manifest: Mapping[str, Any], model: Model) -> None:
    """Refuse an output folder built with another schema version than ``model``'s."""
    if manifest.get("schema_version") != model.version:
        raise OutputError(f"{out}: 模式版本 {manifest.get('schema_version')} 与当前 {model.version} 不同，请重新构建 / "
                          f"built with schema {manifest.get('schema_version')}, this graphkit has {model.version}; rebuild it")


def _read_order(model: Model) -> list[RecordType]:
    """The record types, each after the types its references point to (where that is possible), so
    that reference columns can share the ids' objects."""
    done: set[str] = set()
    order: list[RecordType] = []
    pending = list(model)
    while pending:
        ready = [t for t in pending if all(p.range in done or p.range == t.name for p in t.refs.values())]
        for t in ready or pending[:1]:  # a cycle between types: read the first, unshared
            order.append(t)
            done.add(t.name)
            pending.remove(t)
    return order


def read_graph(out: str | Path, *, model: Model | None = None, provenance: bool = True,
               columns: Mapping[str, Iterable[str]] | None = None) -> Graph:
    """Read an output folder written by ``write_graph`` (or ``graphkit build``).

    Parameters
    ----------
    out
        The output folder.
    model
        The schema (default: the bundled one).
    provenance
        Read the provenance columns (``src_file``, ``src_sheet``, ``src_row``, ``src_hash``) too.
        The analyses don't use them; leaving them out saves time and a third of the memory at
        province scale. A graph read without them cannot be written back (nothing is dropped
        silently).
    columns
        Read only these columns of each record type; a type left out is read as its row count
        alone (a table without columns). ``graphkit analyze`` reads
        :data:`graphkit.analyses.analysis.ANALYSIS_COLUMNS`, which skips what no analysis uses (at country
        scale the 15 million participation rows above all). Like ``provenance=False``, a graph
        read this way cannot be written back.

    Examples
    --------
    >>> import tempfile, graphkit as gk
    >>> g = gk.sample_graph()
    >>> back = read_graph(gk.write_graph(g, tempfile.mkdtemp() + "/out"))
    >>> back.tables["Pairing"]["id"].tolist() == g.tables["Pairing"]["id"].tolist()
    True
    """
    out = Path(out)
    manifest = read_manifest(out)
    model = model or load_schema()
    _check_schema_version(out, manifest, model)
    tables = {}
    targets = {p.range for t in model for p in t.refs.values()}
    shared: dict[str, _Ids] = {}
    ref_codes: dict[tuple[str, str], np.ndarray] = {}
    order = _read_order(model)

    def read(rtype: RecordType) -> pa.Table:
        return _read_table(out / "tables" / f"{rtype.name}.parquet", provenance=provenance,
                           only=None if columns is None else columns.get(rtype.name, ()), refs=rtype.refs)

    # the next table is decoded (pyarrow, without the GIL) while this one becomes a DataFrame
    with ThreadPoolExecutor(1) as prefetch:
        pending = prefetch.submit(read, order[0]) if order else None
        for i, rtype in enumerate(order):
            path = out / "tables" / f"{rtype.name}.parquet"
            try:
                assert pending is not None  # submitted for every table in order
                table = pending.result()
                pending = prefetch.submit(read, order[i + 1]) if i + 1 < len(order) else None
                codes: dict[str, np.ndarray] = {}
                tables[rtype.name] = (_from_arrow(table, rtype, shared, codes) if table.num_columns
                                      else pd.DataFrame(index=pd.RangeIndex(table.num_rows)))
                ref_codes.update({(rtype.name, name): c for name, c in codes.items()})
            except (FileNotFoundError, pa.ArrowInvalid) as exc:
                raise OutputError(f"{path}: 表文件缺失或损坏 / table missing or corrupt: {exc}") from None
            if len(tables[rtype.name]) != manifest["counts"].get(rtype.name):
                raise OutputError(f"{path}: 行数与清单不符 / row count differs from the manifest")
            if rtype.name in targets and rtype.name not in shared and "id" in table.column_names:
                shared[rtype.name] = _Ids(_plain(table.column("id")), tables[rtype.name]["id"].to_numpy(dtype=object))
            del table
    tables = {rtype.name: tables[rtype.name] for rtype in model}
    sources = pq.read_table(out / "sources.parquet").to_pandas() if (out / "sources.parquet").exists() else None
    problems = None
    if (out / "problems.csv").exists():
        problems = pd.read_csv(out / "problems.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig").map(excel_unsafe)
    settings = dict(manifest.get("settings") or {})
    settings["out_dir"] = str(out)
    if not provenance:
        settings["provenance"] = False
    if columns is not None:
        settings["columns"] = {name: list(cols) for name, cols in columns.items()}
    graph = Graph(tables, model=model, sources=sources, problems=problems, settings=settings)
    for name, ids in shared.items():  # the codes found while reading: no lookup is made twice
        graph.codes.set_ids(name, ids.arrow.ids)
    for (name, column), c in ref_codes.items():
        graph.codes.set_ref(name, column, c)
    return graph


# ---- Arrow access for the exports -------------------------------------------------------------

class GraphTables:
    """Read access to the record tables of a graph: Parquet files read in record batches, or a Graph.

    For an output folder the manifest and schema version are checked and every table's row
    count is compared with the manifest from the Parquet footers, without reading any data;
    :meth:`batches` then streams only the requested columns, so memory stays bounded by the batch
    size whatever the size of the graph. A :class:`graphkit.Graph` is converted once to Arrow.

    Examples
    --------
    >>> from graphkit.analyses.toolkit import example_graph
    >>> gt = GraphTables(example_graph())
    >>> gt.num_rows("Organization") == example_graph().count("Organization")
    True
    >>> sum(b.num_rows for b in gt.batches("Organization", ["id"], batch_rows=2)) == gt.num_rows("Organization")
    True
    """

    def __init__(self, source: Any, model: Model | None = None) -> None:
        self._tables: dict[str, pa.Table] = {}
        self._files: dict[str, Path] = {}
        self._rows: dict[str, int] = {}
        if isinstance(source, Graph):
            self.model = source.model
            for t in self.model:
                self._tables[t.name] = _to_arrow(source.tables[t.name], t)
                self._rows[t.name] = self._tables[t.name].num_rows
            return
        out = Path(source)
        manifest = read_manifest(out)  # a clear error when OUT is not an output folder
        self.model = model = model or load_schema()
        _check_schema_version(out, manifest, model)
        for t in model:
            path = out / "tables" / f"{t.name}.parquet"
            try:
                rows = pq.ParquetFile(path).metadata.num_rows
            except (FileNotFoundError, pa.ArrowInvalid, OSError) as exc:
                raise OutputError(f"{path}: 表文件缺失或损坏 / table missing or corrupt: {exc}") from None
            if rows != (manifest.get("counts") or {}).get(t.name):
                raise OutputError(f"{path}: 行数与清单不符 / row count differs from the manifest")
            self._files[t.name] = path
            self._rows[t.name] = rows

    def num_rows(self, name: str) -> int:
        """Rows of one record table."""
        return self._rows[name]

    def read(self, name: str, columns: list[str] | None = None) -> pa.Table:
        """One whole table (or some of its columns)."""
        if name in self._tables:
            t = self._tables[name]
            return t if columns is None else t.select(columns)
        try:
            return pq.read_table(self._files[name], columns=columns)
        except pa.ArrowInvalid as exc:
            raise OutputError(f"{self._files[name]}: 表文件缺失或损坏 / table missing or corrupt: {exc}") from None

    def batches(self, name: str, columns: list[str], *, batch_rows: int = 131_072,
                dictionary: bool = False) -> Iterator[pa.Table]:
        """The rows of one table in order, ``batch_rows`` at a time, with only ``columns``.

        With ``dictionary``, string columns that the Parquet file holds as a small dictionary
        (provenance, codes: under one byte a row) come back dictionary-encoded instead of
        being expanded to one string per row.
        """
        if name in self._tables:
            t = self._tables[name].select(columns)
            for start in range(0, t.num_rows, batch_rows):
                yield t.slice(start, batch_rows)
            return
        path = self._files[name]
        small = _small_dictionaries(pq.ParquetFile(path), columns) if dictionary else []
        with pq.ParquetFile(path, read_dictionary=small or None) as pf:
            for batch in pf.iter_batches(batch_size=batch_rows, columns=columns, use_threads=True):
                yield pa.Table.from_batches([batch])


def _small_dictionaries(pf: Any, columns: list[str]) -> list[str]:
    """String columns of a Parquet file stored as dictionaries of under one byte per row."""
    md = pf.metadata
    if not md.num_rows or not md.num_row_groups:
        return []
    schema = pf.schema_arrow
    out = []
    for i in range(md.num_columns):
        name = md.schema.column(i).path
        if name not in columns or schema.field(name).type != pa.string():
            continue
        chunks = [md.row_group(g).column(i) for g in range(md.num_row_groups)]
        if all(c.has_dictionary_page for c in chunks) and sum(c.total_uncompressed_size for c in chunks) < md.num_rows:
            out.append(name)
    return out


def arrow_tables(source: Any, model: Model | None = None) -> dict[str, pa.Table]:
    """Every record table as a pyarrow Table with the declared column types.

    ``source`` is an output folder (its Parquet tables are read as they are) or a
    :class:`graphkit.Graph` (converted once).
    """
    gt = GraphTables(source, model)
    return {t.name: gt.read(t.name) for t in gt.model}
