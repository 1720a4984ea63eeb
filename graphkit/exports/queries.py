"""The analysts' Cypher query pack: named, documented queries in ``schema/queries/``.

Each ``schema/queries/<name>.cypher`` file starts with a comment header::

    // name: unpaired_weak
    // title: 无结对帮扶的后进党组织 / Weak organizations without a strong partner
    // description: 三类或软弱涣散的党组织在统计日没有任何有效结对。
    //   Third-class or weak-and-lax organizations with no pairing active on the date.
    // param: as_of date = reference  统计日期 / the date links must be active on
    // matches: graphkit.analyses.pairing.pairing_gaps(graph, as_of=...)["unpaired_weak"]

followed by one Cypher statement written in the subset LadybugDB and Neo4j 5 share. Where the
two dialects cannot agree, ``<name>.neo4j.cypher`` beside it holds the Neo4j variant (same
header, same columns) and is used on a server.

Parameters are typed (``string``, ``int``, ``float``, ``bool``, ``date``). Every parameter has a
default, because the embedded engine cannot bind a null parameter: strings use ``''`` for
"any"; the date default ``reference`` means the graph's reference date (the month end of the
latest recorded event — the same default as the Python analyses) and the int default ``reference_year`` its
year, both computed by a Cypher query on whichever engine runs the pack. Where the two
dialects write date arithmetic differently, the pack avoids it with *derived* defaults computed
before the query runs: ``year_of(as_of)`` (the year of an earlier date parameter) and
``years_before(as_of, rotation_years)`` (that date moved back a number of years). In Neo4j
Browser set them with ``:param`` like any other (``graphkit query --name N --show`` prints them).

Examples
--------
>>> from graphkit.exports.queries import list_queries, get_query
>>> len(list_queries()) >= 15
True
>>> q = get_query("unpaired_weak")
>>> q.params["as_of"].type
'date'
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pandas as pd

from ..core.paths import schema_dir
from ._querypack import DERIVED, PARAM_TYPES, Dialect, Param, Query, QueryError, find_query, parse_items, read_pack
from ._querypack import resolve_params as _resolve
from ..core.schema import Model, load_schema

__all__ = ["Param", "Query", "QueryError", "load_pack", "list_queries", "get_query", "parse_params", "run_query",
           "reference_date_query", "resolve_params", "queries_dir", "PARAM_TYPES", "DERIVED"]

#: The Cypher pack: ``//`` headers, a ``.neo4j.cypher`` variant beside a file where the dialects differ.
CYPHER = Dialect(suffix=".cypher", comment="//", error=QueryError, what=("查询", "query"),
                 variants={"neo4j": ".neo4j.cypher"}, param_use=r"\$([A-Za-z_][A-Za-z0-9_]*)")


def queries_dir() -> Path:
    """The folder of the query pack (``schema/queries``)."""
    return schema_dir() / "queries"


def load_pack(folder: str | None = None) -> Mapping[str, Query]:
    """Read every query of the pack (``schema/queries`` unless ``folder`` is given), by name.

    The built-in pack is read once per schema folder and returned read-only; a ``folder`` given is
    read on every call, so edits to one's own queries show at once.

    Raises
    ------
    QueryError
        If a file lacks its header fields, its name differs from the file name, a parameter
        is badly declared or used but not declared.
    """
    if folder:
        return read_pack(Path(folder), CYPHER)
    return _builtin_pack(str(queries_dir()))


@lru_cache(maxsize=4)
def _builtin_pack(folder: str) -> Mapping[str, Query]:
    return MappingProxyType(read_pack(Path(folder), CYPHER))


def get_query(name: str, *, folder: str | None = None) -> Query:
    """One query of the pack by name.

    Raises
    ------
    QueryError
        If there is no such query (the message lists the names).
    """
    return find_query(load_pack(folder), name, CYPHER)


def list_queries(*, folder: str | None = None) -> pd.DataFrame:
    """The pack as a table: ``name``, ``title``, ``params`` (``name=default``), ``matches``, ``variants``.

    Examples
    --------
    >>> df = list_queries()
    >>> {"unpaired_weak", "members_of_group"} <= set(df["name"]), list(df.columns[:3])
    (True, ['name', 'title', 'params'])
    """
    rows = []
    for q in load_pack(folder).values():
        rows.append({"name": q.name, "title": q.title,
                     "params": ", ".join(f"{p.name}:{p.type}={p.default}" for p in q.params.values()),
                     "matches": q.matches, "variants": "embedded+neo4j" if q.neo4j_text else "common",
                     "description": q.description})
    return pd.DataFrame(rows, columns=["name", "title", "params", "matches", "variants", "description"])


def parse_params(query: Query, items: Iterable[str]) -> dict[str, Any]:
    """Parse ``k=v`` strings (the CLI's ``-p``) into typed values for ``query``.

    Raises
    ------
    QueryError
        For a malformed item, an unknown parameter name or a value of the wrong type.

    Examples
    --------
    >>> parse_params(get_query("overloaded_strong"), ["max_per_strong=3"])
    {'max_per_strong': 3}
    """
    return parse_items(query, items)


def reference_date_query(model: Model | None = None) -> str:
    """A Cypher query returning the dates the reference date is taken from (column ``d``).

    The latest value of every date property that is not the end of an interval — activity
    dates, link and group start dates — as declared in the schema; the reference date is the
    month end of the largest of them, the rule of ``graphkit.analyses.toolkit.reference_date``. Runs on
    both engines.
    """
    from ._graph_shape import graph_shape, ident

    model = model or load_schema()
    shape = graph_shape(model)
    parts = []
    for ns in shape.nodes:
        ends = {e for _, e in model[ns.type].intervals}
        for c in ns.columns:
            if c.kind == "date" and c.name not in ends:
                parts.append(f"MATCH (n:{ident(ns.label)}) RETURN max(n.{ident(c.name)}) AS d")
    for rel in shape.rel_types():
        rs = shape.rel_shapes(rel)[0]
        if not rs.is_link:
            continue
        ends = {e for _, e in model[rs.table].intervals}
        for c in rs.columns:
            if c.kind == "date" and c.name not in ends:
                parts.append(f"MATCH ()-[r:{ident(rel)}]->() RETURN max(r.{ident(c.name)}) AS d")
    return "\nUNION ALL\n".join(parts)


Runner = Callable[[str, Mapping[str, Any]], pd.DataFrame]


def resolve_params(query: Query, given: Mapping[str, Any], runner: Runner) -> dict[str, Any]:
    """Fill in defaults: typed values, with ``reference`` / ``reference_year`` computed via ``runner``."""
    def reference() -> dt.date:
        d = runner(reference_date_query(), {})["d"].dropna()
        # ledgers are kept by month: the month of the latest event counts as complete
        return (pd.Timestamp(d.max()) + pd.offsets.MonthEnd(0)).date() if len(d) else dt.date.today()

    return _resolve(query, given, reference)


def run_query(source: Any, name: str, params: Mapping[str, Any] | None = None, *, driver: Any = None,
              database: str | None = None, folder: str | None = None, cache_dir: str | Path | None = None,
              progress: Callable[[str], None] | None = None) -> pd.DataFrame:
    """Run a query of the pack by name, on the embedded engine or on a Neo4j server.

    Parameters
    ----------
    source
        An output folder or a :class:`graphkit.Graph` (embedded engine), or an open
        :class:`graphkit.exports.cypher.EmbeddedGraph`; ignored when ``driver`` is given.
    name
        The query's name (``graphkit query --list``).
    params
        Parameter values (typed, or strings parsed by the declared type); the rest take their
        defaults.
    driver
        An open ``neo4j.Driver``: run on that server (the ``.neo4j.cypher`` variant if any).
    database
        The Neo4j database name.
    progress
        Called with progress messages (building the embedded database on first use).

    Examples
    --------
    >>> from graphkit.analyses.toolkit import example_graph
    >>> df = run_query(example_graph(), "members_of_group", {"name": "第一片区"})
    >>> list(df.columns)[:3]
    ['collab_id', 'collab_name', 'org_id']
    """
    from .cypher import EmbeddedGraph, with_embedded

    query = get_query(name, folder=folder)
    if driver is not None:
        from ._bolt import query_server

        def runner(text: str, p: Mapping[str, Any]) -> pd.DataFrame:
            return query_server(driver, text, p, database=database)

        return runner(query.text_for("neo4j"), resolve_params(query, dict(params or {}), runner))
    if isinstance(source, EmbeddedGraph):
        return source.query(query.text_for("embedded"), resolve_params(query, dict(params or {}), source.query))
    # with_embedded: on a folder rebuilt meanwhile the query runs again on the new graph
    return with_embedded(source, lambda eg: eg.query(query.text_for("embedded"),
                                                     resolve_params(query, dict(params or {}), eg.query)),
                         cache_dir=cache_dir, progress=progress)
