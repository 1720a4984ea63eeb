"""Ad-hoc queries from a notebook: Cypher on the embedded engine or a Neo4j server, SPARQL on the RDF.

``gk.cypher``, ``gk.cypher_server`` and ``gk.sparql`` are these functions. An in-memory graph's
database (or RDF store) is made at its first query and reused while the graph's tables are
unchanged; it is kept in the graph's own cache slot (:meth:`graphkit.core.model.Graph.cache`), so
it goes when the graph goes, a copy of the graph never reuses it, and threads querying one graph
share it under the graph's lock.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any
from collections.abc import Callable

from ..core.errors import GraphkitError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from ..core.model import Graph

__all__ = ["cypher", "cypher_server", "sparql"]

_SLOT = "adhoc"  # the name of the graph's cache slot holding {kind: (fingerprint, database)}


def _fingerprint(graph: Any) -> str:
    """A content hash of a graph's tables (detects in-place changes since the last query)."""
    import hashlib

    import pandas as pd

    h = hashlib.blake2b(digest_size=16)
    for name in sorted(graph.tables):
        t = graph.tables[name]
        h.update(f"{name}:{len(t)}:{','.join(map(str, t.columns))};".encode())
        if len(t):
            h.update(pd.util.hash_pandas_object(t.astype(object).where(t.notna(), None), index=False).to_numpy().tobytes())
    return h.hexdigest()


def _opened(graph: Graph, kind: str, opener: Callable[[], Any]) -> Any:
    """The database (Cypher) or store (SPARQL) of an in-memory graph, reused while it is unchanged.

    Kept in the graph's cache slot ``"adhoc"`` as ``{kind: (fingerprint, database)}``: when the
    graph is garbage-collected, so is its database (an :class:`EmbeddedGraph` removes its
    temporary folder when closed or collected). The slot's lock is held while the database is
    checked and built, so threads querying one graph build it once; a database made for tables
    that have changed since is closed and made again.
    """
    fp = _fingerprint(graph)
    slot = graph.cache(_SLOT)
    with slot.lock:
        hit = slot.data.get(kind)
        if hit is not None and hit[0] == fp:
            return hit[1]
        slot.data.pop(kind, None)
        if hit is not None and hasattr(hit[1], "close"):
            hit[1].close()
        value = opener()
        slot.data[kind] = (fp, value)
        return value


def cypher(source: Any, query: str, /, **params: Any) -> pd.DataFrame:
    """Run Cypher on the embedded engine (no server) and return a DataFrame: ``gk.cypher(...)``.

    Parameters
    ----------
    source
        A :class:`Graph`, an output folder (``graphkit build … -o OUT``) or an open
        :class:`EmbeddedGraph`. A folder's database is built once and cached in ``OUT/.cache``;
        an in-memory graph's database is built at its first query and reused while the graph's
        tables are unchanged.
    query
        Cypher text. Values belong in ``$parameters``, never pasted into the text.
    **params
        The parameter values (str, int, float, bool, ``datetime.date``, lists).

    Returns
    -------
    DataFrame
        One column per returned expression.

    Examples
    --------
    >>> import graphkit as gk
    >>> g = gk.sample_graph()
    >>> df = gk.cypher(g, "MATCH (o:Organization)-[:MEMBER_OF]->(c:Collaboration) "
    ...                   "WHERE c.kind = $kind RETURN c.name AS district, count(o) AS members "
    ...                   "ORDER BY district", kind="district")
    >>> len(df) == int((g["Collaboration"]["kind"] == "district").sum())
    True
    """
    from .cypher import EmbeddedGraph, open_embedded
    from ..core.model import Graph

    if isinstance(source, EmbeddedGraph):
        return source.query(query, params)
    if isinstance(source, Graph):
        return _opened(source, "cypher", lambda: open_embedded(source)).query(query, params)
    with open_embedded(source) as eg:
        return eg.query(query, params)


def cypher_server(server: Any, query: str, /, *, database: str | None = None, **params: Any) -> pd.DataFrame:
    """Run a read query on a Neo4j server and return a DataFrame typed like :func:`cypher`'s.

    Parameters
    ----------
    server
        An open ``neo4j.Driver`` (from :func:`connect_neo4j`), a URI, or None for the
        ``NEO4J_URI`` environment variable. With a URI the user and password come from
        ``NEO4J_USER`` (default ``neo4j``) and ``NEO4J_PASSWORD``.
    query
        Cypher text with ``$parameters``.
    database
        The database name (default: ``NEO4J_DATABASE`` or the server's default).
    **params
        The parameter values.

    Raises
    ------
    GraphkitError
        No server given and ``NEO4J_URI`` not set; a ``Neo4jError`` if the server refuses.

    Examples
    --------
    Without a server the call says what is missing; with ``NEO4J_URI`` set it queries the server:

    >>> import os, graphkit as gk
    >>> try:
    ...     df = gk.cypher_server(None, "RETURN $x AS x", x=1)
    ...     print(int(df.loc[0, "x"]) == 1)
    ... except gk.GraphkitError as exc:
    ...     print("NEO4J_URI" in str(exc) and not os.environ.get("NEO4J_URI"))
    True
    """
    import os

    from .neo4j import connect, query_server

    database = database or os.environ.get("NEO4J_DATABASE") or None
    if server is None or isinstance(server, (str, Path)):
        uri = str(server) if server is not None else os.environ.get("NEO4J_URI")
        if not uri:
            raise GraphkitError("没有给出 Neo4j 服务器，也未设置环境变量 NEO4J_URI / no Neo4j server given and "
                                "NEO4J_URI is not set (e.g. NEO4J_URI=neo4j://localhost:7687)")
        driver = connect(uri, os.environ.get("NEO4J_USER", "neo4j"), os.environ.get("NEO4J_PASSWORD", ""))
        try:
            return query_server(driver, query, params, database=database)
        finally:
            driver.close()
    return query_server(server, query, params, database=database)


def sparql(source: Any, query: str, /, *, store: str = "oxigraph", **params: Any) -> pd.DataFrame:
    """Run a SPARQL SELECT query on the graph's RDF and return a DataFrame: ``gk.sparql(...)``.

    Parameters
    ----------
    source
        A :class:`Graph`, an output folder, an RDF file (.ttl, .trig, .nq, .jsonld), or an rdflib
        graph / pyoxigraph Store. An in-memory graph's RDF is made at its first query and reused
        while the graph's tables are unchanged.
    query
        SPARQL text; prefixes ``org:``, ``skos:``, ``gk:`` … must be declared in it.
    store
        ``"oxigraph"`` (fast, the default) or ``"memory"`` (rdflib) for a graph or file.
    **params
        Values bound to the query's variables as RDF literals (``str`` → string, ``bool``,
        ``int``, ``float``, ``datetime.date`` → xsd:date); never pasted into the text. Oxigraph
        binds only variables the query projects, so list them in ``SELECT`` (their columns are
        dropped from the result); rdflib binds any variable.

    Returns
    -------
    DataFrame
        One column per projected variable (parameters excepted), plain Python values.

    Examples
    --------
    >>> import graphkit as gk
    >>> g = gk.sample_graph()
    >>> q = '''PREFIX org: <http://www.w3.org/ns/org#>
    ... PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
    ... SELECT (COUNT(?o) AS ?n) WHERE { ?o a org:FormalOrganization }'''
    >>> int(gk.sparql(g, q).loc[0, "n"]) == g.count("Organization")
    True
    >>> q = '''PREFIX org: <http://www.w3.org/ns/org#>
    ... PREFIX gk: <https://graphkit.example.org/ns#>
    ... PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
    ... SELECT (COUNT(?o) AS ?n) ?code WHERE { ?o a org:FormalOrganization ; gk:sector/skos:notation ?code }
    ... GROUP BY ?code'''
    >>> int(gk.sparql(g, q, code="village").loc[0, "n"]) == int((g.orgs["sector"] == "village").sum())
    True
    """
    import datetime as dt

    from ..core.model import Graph
    from .sparql import open_source, run_sparql

    bindings: dict[str, tuple[Any, str]] = {}
    for k, v in params.items():
        if isinstance(v, bool):
            kind = "bool"
        elif isinstance(v, int):
            kind = "int"
        elif isinstance(v, float):
            kind = "float"
        elif isinstance(v, dt.date):
            kind = "date"
        elif isinstance(v, str):
            kind = "string"
        else:
            raise GraphkitError(f"SPARQL 参数 {k} 的类型不支持 / parameter {k}: unsupported type {type(v).__name__} "
                                f"(use str, bool, int, float or datetime.date)")
        bindings[k] = (v, kind)
    if isinstance(source, Graph):
        source = _opened(source, f"sparql-{store}", lambda: open_source(source, store=store))
    out = run_sparql(source, query, bindings=bindings, store=store)
    return out.drop(columns=[c for c in bindings if c in out.columns])
