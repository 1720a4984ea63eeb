"""The one mapping from the schema declaration to a property graph (Neo4j, LadybugDB, import files).

Every Cypher-facing output — the embedded engine (``graphkit.cypher``), the Neo4j push, the
``neo4j-admin`` import files and the cypher-shell script (``graphkit.neo4j``) — asks this module
what the graph looks like. Nothing here is hard-coded per type: it is all read from
``schema/model.yaml``.

The shape
---------
* Every node type becomes a node label (``neo4j.label``). Node properties: ``id`` (the key),
  every declared property that is not a ``ref``, and the provenance ``src_file, src_sheet,
  src_row, src_hash``.
* Every ``ref`` property of a node type becomes a relationship ``(record)-[:REL]->(target)``
  with the property's ``rel`` name and no properties (``Organization.town`` →
  ``(:Organization)-[:LOCATED_IN]->(:Place)``).
* Every n-ary link type (a type with ``edge:``) becomes one relationship per record from the
  ``edge.source`` record to the ``edge.target`` record, typed ``edge.rel``, carrying the
  record's ``id``, its other properties and its provenance (a membership keeps role, hosting
  month and interval; a pairing keeps form and dates).
* A ``ref`` inside a link record that is neither end (``Membership.stage``) is kept on the
  relationship as the referenced id (``stage``) plus, when the referenced type has a ``name``,
  its name (``stage_name``), so analysts can both join on it and read it.

Labels, relationship types and property keys are validated against a strict identifier
pattern before they ever reach query text (:func:`ident`); values always travel as
parameters or as escaped literals.

Examples
--------
>>> from graphkit._graph_shape import graph_shape
>>> shape = graph_shape()
>>> shape.node("Organization").label
'Organization'
>>> [c.name for c in shape.rel_shapes("MEMBER_OF")[0].columns][:4]
['id', 'role', 'host_month', 'stage']
>>> sorted({r.source_label for r in shape.rel_shapes("LOCATED_IN")})
['Collaboration', 'Organization', 'Unit']
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Mapping

import pyarrow as pa
import pyarrow.compute as pc

from .errors import SchemaError
from .schema import Model, RecordType, Relationship, load_schema

__all__ = ["SHAPE_VERSION", "Column", "NodeShape", "RelShape", "GraphShape", "graph_shape", "ident",
           "arrow_tables", "GraphTables", "node_table", "rel_table", "ends_by_label", "missing_ends", "NAME_SUFFIX"]

#: Bumped whenever the mapping below changes (invalidates the embedded engine's cache).
SHAPE_VERSION = "1"
#: Suffix of the denormalized name kept beside a ref inside a link record (``stage`` → ``stage_name``).
NAME_SUFFIX = "_name"

_IDENT = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}$")
_ARROW_TYPES = {"string": pa.string(), "integer": pa.int64(), "date": pa.date32(), "boolean": pa.bool_()}


def ident(name: str) -> str:
    """Return ``name`` back-quoted for Cypher after checking it is a plain identifier.

    Labels, relationship types and property keys come only from the schema; this is the last
    gate before they are put into query text.

    Raises
    ------
    SchemaError
        If the name is not ``[A-Za-z][A-Za-z0-9_]*`` (at most 64 characters).

    Examples
    --------
    >>> ident("Organization")
    '`Organization`'
    >>> ident("x`}) DETACH DELETE n //")
    Traceback (most recent call last):
    ...
    graphkit.errors.SchemaError: 标识符无效，拒绝写入查询 / not a plain identifier, refused in query text: 'x`}) DETACH DELETE n //'
    """
    if not isinstance(name, str) or not _IDENT.match(name):
        raise SchemaError(f"标识符无效，拒绝写入查询 / not a plain identifier, refused in query text: {name!r}")
    return f"`{name}`"


@dataclass(frozen=True)
class Column:
    """One property of a node or relationship in the property graph.

    ``name`` is the property key; ``source`` the column of the record table it comes from
    (``stage_name`` comes from the ``name`` of the referenced record, see ``lookup``); ``kind``
    is ``string``, ``integer``, ``date`` or ``boolean``.
    """

    name: str
    source: str
    kind: str
    lookup: str | None = None  # record type whose ``name`` this column denormalizes


@dataclass(frozen=True)
class NodeShape:
    """A node label: the record type it holds and its properties (``id`` first)."""

    type: str
    label: str
    columns: tuple[Column, ...]


@dataclass(frozen=True)
class RelShape:
    """One (relationship type, source label, target label) triple and where its rows come from.

    ``by`` is the schema's typed declaration (:class:`graphkit.schema.Relationship`);
    ``source_col``/``target_col`` are the columns of ``table`` holding the two ends.
    """

    rel: str
    table: str
    by: Relationship
    source_type: str
    source_label: str
    source_col: str
    target_type: str
    target_label: str
    target_col: str
    columns: tuple[Column, ...]

    @property
    def is_link(self) -> bool:
        """True when the relationship is an n-ary link record (it has its own ``id``)."""
        return self.by.is_link

    @property
    def declared_by(self) -> str:
        """``Type.property`` for a ref property, ``Type`` for a link type (for messages and listings)."""
        return self.by.declared_by

    @property
    def file_stem(self) -> str:
        """A file name stem unique per triple: ``LOCATED_IN__Organization__Place``."""
        return f"{self.rel}__{self.source_label}__{self.target_label}"


def _kind(ptype: str) -> str:
    return {"integer": "integer", "date": "date", "boolean": "boolean"}.get(ptype, "string")


class GraphShape:
    """The property-graph shape of a model: node labels and relationship triples."""

    def __init__(self, model: Model) -> None:
        self.model = model
        self.nodes: list[NodeShape] = []
        self.rels: list[RelShape] = []
        prov = (Column("src_file", "src_file", "string"), Column("src_sheet", "src_sheet", "string"),
                Column("src_row", "src_row", "integer"), Column("src_hash", "src_hash", "string"))
        labels: dict[str, str] = {}
        for rtype in model.node_types:
            label = rtype.neo4j_label or rtype.name
            ident(label)
            if label in labels:
                raise SchemaError(f"{rtype.name}: Neo4j 标签 {label} 已被 {labels[label]} 使用 / label already used")
            labels[label] = rtype.name
            cols = [Column("id", "id", "string")]
            cols += [Column(p, p, _kind(prop.type)) for p, prop in rtype.properties.items() if prop.type != "ref"]
            cols += list(prov)
            for c in cols:
                ident(c.name)
            self.nodes.append(NodeShape(rtype.name, label, tuple(cols)))
        self._labels = labels
        self._type_label = {v: k for k, v in labels.items()}
        seen: dict[tuple[str, str], str] = {}
        for d in model.relationships:
            if d.is_link:
                self.rels.append(self._link_shape(model[d.type], d, prov))
            else:
                key = (d.rel, d.type)
                if key in seen:
                    raise SchemaError(f"{d.declared_by}: 关系 {d.rel} 已由 {seen[key]} 使用 / "
                                      f"relationship type already used by another property of the same type")
                seen[key] = d.declared_by
                self.rels.append(RelShape(
                    ident(d.rel).strip("`"), d.type, d, d.type, self._type_label[d.type], d.source_col,
                    d.target, self._label_of(d.target), d.target_col, ()))
        # one relationship type must have one property set (LadybugDB: one rel table per type)
        by_rel: dict[str, tuple[Column, ...]] = {}
        for r in self.rels:
            if by_rel.setdefault(r.rel, r.columns) != r.columns:
                raise SchemaError(f"关系类型 {r.rel} 在不同声明中属性不同 / relationship type {r.rel} has "
                                  f"different properties in different declarations ({r.declared_by})")

    def _label_of(self, type_name: str) -> str:
        if type_name not in self._type_label:
            raise SchemaError(f"{type_name} 不是节点类型 / is not a node type; links may only join node types")
        return self._type_label[type_name]

    def _link_shape(self, rtype: RecordType, r: Relationship, prov: tuple[Column, ...]) -> RelShape:
        edge = rtype.edge
        assert edge is not None
        cols = [Column("id", "id", "string")]
        for pname, prop in rtype.properties.items():
            if pname in (edge.source, edge.target):
                continue
            cols.append(Column(pname, pname, _kind(prop.type)))
            if prop.type == "ref" and prop.range and "name" in self.model[prop.range].properties:
                cols.append(Column(pname + NAME_SUFFIX, pname, "string", lookup=prop.range))
        cols += list(prov)
        names = [c.name for c in cols]
        if len(set(names)) != len(names):
            raise SchemaError(f"{rtype.name}: 关系属性名重复 / duplicate relationship property keys {names}")
        for c in cols:
            ident(c.name)
        src = rtype.properties[edge.source].range
        tgt = rtype.properties[edge.target].range
        assert src and tgt
        return RelShape(ident(edge.rel).strip("`"), rtype.name, r, src, self._label_of(src), edge.source,
                        tgt, self._label_of(tgt), edge.target, tuple(cols))

    # lookups ------------------------------------------------------------------------------
    def node(self, type_name: str) -> NodeShape:
        """The node shape of a node type."""
        for n in self.nodes:
            if n.type == type_name:
                return n
        raise SchemaError(f"{type_name} 不是节点类型 / not a node type")

    def rel_types(self) -> list[str]:
        """Relationship types in declaration order, each once."""
        return list(dict.fromkeys(r.rel for r in self.rels))

    def rel_shapes(self, rel: str) -> list[RelShape]:
        """The (source, target) triples of one relationship type."""
        return [r for r in self.rels if r.rel == rel]

    def listing(self) -> str:
        """A diagram-like text listing of the shape (used in ``docs/neo4j.md``)."""
        lines = ["Nodes 节点"]
        for n in self.nodes:
            props = ", ".join(f"{c.name}{'' if c.kind == 'string' else ':' + c.kind}" for c in n.columns)
            lines.append(f"  (:{n.label} {{{props}}})")
        lines.append("")
        lines.append("Relationships 关系")
        for r in self.rels:
            props = ", ".join(f"{c.name}{'' if c.kind == 'string' else ':' + c.kind}" for c in r.columns)
            body = f"{r.rel} {{{props}}}" if props else r.rel
            lines.append(f"  (:{r.source_label})-[:{body}]->(:{r.target_label})    ← {r.declared_by}")
        return "\n".join(lines)


_SHAPES: dict[int, GraphShape] = {}


def graph_shape(model: Model | None = None) -> GraphShape:
    """The property-graph shape of ``model`` (default: the project's schema), cached per model."""
    model = model or load_schema()
    shape = _SHAPES.get(id(model))
    if shape is None or shape.model is not model:
        shape = _SHAPES[id(model)] = GraphShape(model)
    return shape


# ---- data -----------------------------------------------------------------------------------

class GraphTables:
    """Read access to the record tables of a graph: Parquet files read in record batches, or a Graph.

    For an output folder the manifest and schema version are checked and every table's row
    count is compared with the manifest from the Parquet footers, without reading any data;
    :meth:`batches` then streams only the requested columns, so memory stays bounded by the batch
    size whatever the size of the graph. A :class:`graphkit.Graph` is converted once to Arrow.

    Examples
    --------
    >>> from graphkit._analysis import example_graph
    >>> gt = GraphTables(example_graph())
    >>> gt.num_rows("Organization") == example_graph().count("Organization")
    True
    >>> sum(b.num_rows for b in gt.batches("Organization", ["id"], batch_rows=2)) == gt.num_rows("Organization")
    True
    """

    def __init__(self, source: Any, model: Model | None = None) -> None:
        from .model import Graph

        self._tables: dict[str, pa.Table] = {}
        self._files: dict[str, Path] = {}
        self._rows: dict[str, int] = {}
        if isinstance(source, Graph):
            from .io import _to_arrow

            self.model = source.model
            for t in self.model:
                self._tables[t.name] = _to_arrow(source.tables[t.name], t)
                self._rows[t.name] = self._tables[t.name].num_rows
            return
        import pyarrow.parquet as pq

        from .errors import OutputError
        from .io import read_manifest

        out = Path(source)
        manifest = read_manifest(out)  # a clear error when OUT is not an output folder
        self.model = model = model or load_schema()
        if manifest.get("schema_version") != model.version:
            raise OutputError(f"{out}: 模式版本 {manifest.get('schema_version')} 与当前 {model.version} 不同，请重新构建 / "
                              f"built with schema {manifest.get('schema_version')}, this graphkit has {model.version}; rebuild it")
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
        import pyarrow.parquet as pq

        from .errors import OutputError

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
        import pyarrow.parquet as pq

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


#: Rows per batch of relationship ends streamed through the anti-join.
_PROBE_ROWS = 262_144


def ends_by_label(shape: GraphShape) -> dict[str, list[tuple[RelShape, str]]]:
    """Relationship ends (``start_id`` / ``end_id``) that must be looked up, by the label they point to.

    The start of a ref relationship is the record's own ``id``: it exists by construction.

    Examples
    --------
    >>> [(rs.declared_by, end) for rs, end in ends_by_label(graph_shape())["Activity"]]
    [('Participation', 'end_id')]
    """
    out: dict[str, list[tuple[RelShape, str]]] = {}
    for rs in shape.rels:
        if rs.is_link:
            out.setdefault(rs.source_label, []).append((rs, "start_id"))
        out.setdefault(rs.target_label, []).append((rs, "end_id"))
    return out


def missing_ends(gt: GraphTables, ids: Any, items: list[tuple[RelShape, str]]) -> dict[tuple[RelShape, str], tuple[int, list[str]]]:
    """Relationship ends (``items``, all pointing at one label) whose value is not among ``ids``.

    One streaming left-anti hash join (Arrow Acero): the ids are hashed once, the end columns
    are read from the tables in batches (rows whose other end is empty are no relationship and
    are skipped, as in the import files). Returns the count and the first five missing values
    (in row order) of every end that has any.
    """
    import numpy as np
    import pyarrow.acero as ac

    schema = pa.schema([("k", pa.string()), ("tag", pa.int32()), ("row", pa.int64())])
    by_table: dict[str, list[tuple[int, RelShape, str]]] = {}
    for tag, (rs, end) in enumerate(items):
        by_table.setdefault(rs.table, []).append((tag, rs, end))

    def probe() -> Iterator[Any]:
        for table, ends in by_table.items():
            cols = list(dict.fromkeys(c for _, rs, _ in ends for c in (rs.source_col, rs.target_col)))
            offset = 0
            for b in gt.batches(table, cols, batch_rows=_PROBE_ROWS):
                n = b.num_rows
                row = pa.array(np.arange(offset, offset + n, dtype=np.int64))
                offset += n
                for tag, rs, end in ends:
                    s, e = _array(b.column(rs.source_col)), _array(b.column(rs.target_col))
                    key = s if end == "start_id" else e
                    if s.null_count or e.null_count:
                        keep = pc.and_(pc.is_valid(s), pc.is_valid(e))
                        key, r = key.filter(keep), row.filter(keep)
                    else:
                        r = row
                    if len(key):
                        key = key if key.type == pa.string() else pc.cast(key, pa.string())
                        yield pa.record_batch([key, pa.repeat(pa.scalar(tag, pa.int32()), len(key)),
                                               r], schema=schema)

    reader = pa.RecordBatchReader.from_batches(schema, probe())
    plan = ac.Declaration("hashjoin", ac.HashJoinNodeOptions("left anti", ["k"], ["id"]), inputs=[
        ac.Declaration("record_batch_reader_source", ac.RecordBatchReaderSourceNodeOptions(reader)),
        ac.Declaration("table_source", ac.TableSourceNodeOptions(pa.table({"id": ids})))])
    found: dict[int, tuple[int, Any]] = {}
    for batch in plan.to_reader(use_threads=True):
        if not batch.num_rows:
            continue
        t = pa.Table.from_batches([batch])
        for tag in pc.unique(t.column("tag")).to_pylist():
            part = t.filter(pc.equal(t.column("tag"), tag)).select(["row", "k"])
            n, kept = found.get(tag, (0, None))
            both = part if kept is None else pa.concat_tables([kept, part])
            found[tag] = (n + part.num_rows, both.sort_by("row").slice(0, 5))
    return {items[tag]: (n, [str(v) for v in kept.column("k").to_pylist()]) for tag, (n, kept) in found.items()}


def _array(col: Any) -> Any:
    """A column as one Array (no copy when it already is one chunk)."""
    return col.chunk(0) if col.num_chunks == 1 else col.combine_chunks()


def _typed(col: pa.ChunkedArray | pa.Array, kind: str) -> pa.ChunkedArray | pa.Array:
    want = _ARROW_TYPES[kind]
    if col.type == want or (kind == "string" and pa.types.is_dictionary(col.type) and col.type.value_type == want):
        return col  # a dictionary of strings stays one (it writes and converts like its strings)
    return pc.cast(col, want)


def node_table(shape: NodeShape, table: pa.Table) -> pa.Table:
    """The node rows of one label: the shape's columns, in order, with their declared types."""
    return pa.table({c.name: _typed(table.column(c.source), c.kind) for c in shape.columns})


def rel_table(shape: RelShape, tables: Mapping[str, pa.Table], *, start: str = "start_id",
              end: str = "end_id") -> pa.Table:
    """The relationship rows of one triple: ``start_id``, ``end_id`` and the shape's columns.

    Rows whose ref is empty are left out (a node type's optional ref). Denormalized names
    (``stage_name``) are looked up in the referenced table.
    """
    t = tables[shape.table]
    s = t.column(shape.source_col)
    e = t.column(shape.target_col)
    keep = pc.and_(pc.is_valid(s), pc.is_valid(e))
    if len(t) and not pc.all(keep).as_py():
        t = t.filter(keep)
        s, e = t.column(shape.source_col), t.column(shape.target_col)
    cols: dict[str, Any] = {start: _typed(s, "string"), end: _typed(e, "string")}
    for c in shape.columns:
        if c.lookup:
            ref = tables[c.lookup]
            idx = pc.index_in(t.column(c.source), value_set=ref.column("id").combine_chunks())
            cols[c.name] = _typed(pc.take(ref.column("name"), idx), "string")
        else:
            cols[c.name] = _typed(t.column(c.source), c.kind)
    return pa.table(cols)
