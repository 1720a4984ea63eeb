"""The one mapping from the schema declaration to a property graph (Neo4j, LadybugDB, import files).

Every Cypher-facing output — the embedded engine (``graphkit.exports.cypher``), the Neo4j push, the
``neo4j-admin`` import files and the cypher-shell script (``graphkit.exports.neo4j``) — asks this module
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
>>> from graphkit.exports._graph_shape import graph_shape
>>> shape = graph_shape()
>>> shape.node("Organization").label
'Organization'
>>> [c.name for c in shape.rel_shapes("MEMBER_OF")[0].columns][:4]
['id', 'role', 'host_month', 'stage']
>>> sorted({r.source_label for r in shape.rel_shapes("LOCATED_IN")})
['Collaboration', 'Organization', 'Unit']
"""
from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from typing import Any
from collections.abc import Iterator, Mapping

import pyarrow as pa
import pyarrow.compute as pc

from ..core.errors import SchemaError
from ..store.io import GraphTables, arrow_tables
from ..core.schema import Model, RecordType, Relationship, load_schema

__all__ = ["SHAPE_VERSION", "Column", "NodeShape", "RelShape", "GraphShape", "graph_shape", "ident",
           "arrow_tables", "GraphTables", "node_table", "rel_table", "ends_by_label", "missing_ends", "NAME_SUFFIX",
           "cypher_literal"]

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
    graphkit.core.errors.SchemaError: 标识符无效，拒绝写入查询 / not a plain identifier, refused in query text: 'x`}) DETACH DELETE n //'
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

    ``by`` is the schema's typed declaration (:class:`graphkit.core.schema.Relationship`);
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


# ---- literals (cypher-shell scripts, Browser parameters) -------------------------------------------------------

_ESCAPES = {"\\": "\\\\", "'": "\\'", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f",
            ";": "\\u003B"}
#: str.translate table: quotes, backslash, ';', control and line-separator characters, lone surrogates.
_TRANSLATE = {ord(k): v for k, v in _ESCAPES.items()}
for _code in [*range(0x20), 0x7F, 0x2028, 0x2029, *range(0xD800, 0xE000)]:
    _TRANSLATE.setdefault(_code, f"\\u{_code:04X}")


def cypher_literal(value: Any) -> str:
    """A Cypher literal for a Python value, safe to put into query text.

    Strings are single-quoted with backslash, quote, control characters and ``;`` escaped (the
    last so that no tool splitting a script on ``;`` can cut a value); dates become
    ``date('YYYY-MM-DD')``; lists and dicts nest (dict keys must be plain identifiers).

    Examples
    --------
    >>> print(cypher_literal("甲村'}) MATCH (n) DETACH DELETE n //"))
    '甲村\\'}) MATCH (n) DETACH DELETE n //'
    >>> import datetime as dt
    >>> cypher_literal(dt.date(2024, 3, 1)), cypher_literal(None), cypher_literal(True)
    ("date('2024-03-01')", 'null', 'true')
    >>> cypher_literal({"id": "a", "n": [1, 2]})
    "{`id`: 'a', `n`: [1, 2]}"
    """
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            raise ValueError(f"无法写为 Cypher 字面量 / cannot write {value!r} as a Cypher literal")
        return repr(value)
    if isinstance(value, dt.datetime):
        raise ValueError("datetime values are not part of the graph; dates only")
    if isinstance(value, dt.date):
        return f"date('{value.isoformat()}')"
    if isinstance(value, str):
        return "'" + value.translate(_TRANSLATE) + "'"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{ident(str(k))}: {cypher_literal(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(cypher_literal(v) for v in value) + "]"
    raise ValueError(f"无法写为 Cypher 字面量 / cannot write a {type(value).__name__} as a Cypher literal")
