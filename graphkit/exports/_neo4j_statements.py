"""The Cypher of the Neo4j outputs: constraints and indexes, the per-label and per-triple upserts.

Shared by :func:`graphkit.exports.neo4j.push` (parallel column lists ``$c0, $c1, …``) and
:func:`graphkit.exports.neo4j.export_cypher` (the ``lists`` form); also the rows of each triple and
the county name of a source. Labels, types and keys pass :func:`~graphkit.exports._graph_shape.ident`;
no value is ever part of the text.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ._graph_shape import NodeShape, RelShape, graph_shape, ident, rel_table
from ..core.schema import Model

ProgressFn = Callable[[str], None]
_ROWS = "$rows"


def schema_statements(model: Model | None = None) -> list[str]:
    """Constraints and indexes derived from the schema (Neo4j 5 syntax, ``IF NOT EXISTS``).

    One uniqueness constraint on ``id`` per node label (it also backs ``MERGE``), a range index
    on ``id`` per n-ary relationship type, and a range index on every node's ``name`` and code
    property (what analysts filter on).
    """
    constraints, link_indexes, node_indexes = _schema_parts(model)
    return constraints + link_indexes + node_indexes


def _schema_parts(model: Model | None = None) -> tuple[list[str], list[str], list[str]]:
    """:func:`schema_statements` in three parts: the constraints, the link-id indexes (the MERGE
    statements' index hints need them), the node property indexes (no statement uses them)."""
    shape = graph_shape(model)
    constraints, link_indexes, node_indexes = [], [], []
    for n in shape.nodes:
        constraints.append(f"CREATE CONSTRAINT {ident('gk_' + n.label + '_id')} IF NOT EXISTS "
                           f"FOR (n:{ident(n.label)}) REQUIRE n.{ident('id')} IS UNIQUE")
    for rel in shape.rel_types():
        if shape.rel_shapes(rel)[0].is_link:
            link_indexes.append(f"CREATE INDEX {ident('gk_' + rel + '_id')} IF NOT EXISTS "
                                f"FOR ()-[r:{ident(rel)}]-() ON (r.{ident('id')})")
    for n in shape.nodes:
        rtype = shape.model[n.type]
        for pname, prop in rtype.properties.items():
            if pname == "name" or prop.type == "code":
                node_indexes.append(f"CREATE INDEX {ident('gk_' + n.label + '_' + pname)} IF NOT EXISTS "
                                    f"FOR (n:{ident(n.label)}) ON (n.{ident(pname)})")
    return constraints, link_indexes, node_indexes


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


def node_statement(ns: NodeShape, *, create: bool = False, columns: bool = False, lists: bool = False,
                   element_ids: bool = False) -> str:
    """The ``UNWIND $rows … MERGE`` statement that upserts nodes of one label.

    Every property is set from the row, so a value that became empty removes the property.
    ``create=True`` gives the ``CREATE`` form :func:`push` uses for a label that has no node yet
    on the server (the uniqueness constraint still refuses a duplicate id). ``columns=True``
    gives the form :func:`push` sends: the batch as parallel lists ``$c0, $c1, …`` (one per
    column, in the shape's column order) instead of a list of maps ``$rows``. ``lists=True`` reads
    ``$rows`` as a list of lists, each row's values in that column order (``row[0]`` is the id): the
    form of :func:`export_cypher`, whose script puts each batch in place of ``$rows`` as a literal.
    ``element_ids=True`` (with ``columns``) also returns each node's ``elementId`` beside its row
    number ``i``: :func:`push` matches the ends of a new triple by it (:func:`rel_statement`).
    """
    order = _node_order(ns) if columns or lists else None
    val = _row_ref(order, lists=lists)
    sets = ", ".join(f"n.{ident(c.name)} = {val(c.name)}" for c in ns.columns if c.name != "id")
    verb = "CREATE" if create else "MERGE"
    return (_unwind(order, lists=lists) + f"{verb} (n:{ident(ns.label)} {{{ident('id')}: {val('id')}}})"
            + (f" SET {sets}" if sets else "")
            + (" RETURN i AS i, elementId(n) AS e" if element_ids and columns and not lists else ""))


def rel_statement(rs: RelShape, *, create: bool = False, columns: bool = False, lists: bool = False,
                  element_ids: bool = False) -> str:
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
    ``create=True, columns=True, element_ids=True``: ``$c0`` and ``$c1`` hold the ``elementId`` of
    each end instead of its ``id`` (returned when the nodes were created); the ends are then found
    by element id (a direct record lookup) instead of through the ``id`` constraint's index.
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
        if element_ids and columns and not lists:
            return (_unwind(order) + f"MATCH (a:{a}) WHERE elementId(a) = {val('start_id')} "
                    f"MATCH (b:{b}) WHERE elementId(b) = {val('end_id')} CREATE " + body)
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



def _county(source: Any) -> str:
    """The county name of a graph or an output folder's manifest ("" when unknown)."""
    from ..core.model import Graph

    if isinstance(source, Graph):
        return str(source.settings.get("county") or "")
    if isinstance(source, (str, Path)) and (Path(source) / "manifest.json").is_file():
        from ..store.io import read_manifest
        return str((read_manifest(source).get("settings") or {}).get("county") or "")
    return ""

