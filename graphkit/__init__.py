"""graphkit: county party-organization ledgers (台账) → a knowledge graph of joint-building links.

``import graphkit as gk`` gives the whole public surface; every name is loaded on first use, so
importing graphkit is fast and imports no database driver, RDF library or view code.

========================  ===================================================================
load                      :func:`build_graph` (ledger folder), :func:`read_graph` (output
                          folder), :func:`write_graph`, :func:`validate_ledgers`,
                          :func:`sample_path`, :func:`sample_graph`, :class:`Graph`
analyses                  :func:`coverage`, :func:`village_coverage`, :func:`weak_coverage`,
                          :func:`two_coverages`, :func:`chain_stage_coverage`,
                          :func:`pairing_gaps`, :func:`suggest_pairings`,
                          :func:`detect_clusters`, :func:`describe_clusters`,
                          :func:`chain_alliances`, :func:`brokers`, :func:`isolated`,
                          :func:`district_cadence`, :func:`diff_graphs`, :func:`diff_dates`,
                          :func:`rating_moves`; all at once: :func:`analyze`, :func:`headlines`
labels                    :func:`labelled` (codes → 中文 labels, Chinese column titles)
views                     :func:`view` (inline in a notebook), :func:`write_view`
exports                   :func:`write_report` (HTML + Excel), :func:`push_neo4j`,
                          :func:`write_neo4j_import`, :func:`write_cypher_script`,
                          :func:`write_rdf`, :func:`read_rdf`,
                          :func:`validate_rdf`, :func:`write_gexf`, :func:`write_graphml`,
                          :func:`gephi_graph`
queries                   :func:`cypher` (embedded engine), :func:`cypher_server` (Neo4j),
                          :func:`sparql`, :func:`run_query` / :func:`list_queries` (the
                          saved query pack), :func:`open_embedded`, :func:`connect_neo4j`
settings                  :data:`config`, :func:`override`, :class:`Settings`
========================  ===================================================================

The analysis functions are those the analysis registry declares (:mod:`graphkit.analyses.registry`):
an analysis added with ``Registry.analysis`` is ``gk.<name>`` inside its ``use_registry`` block.

Every function takes the graph (or an output folder) first and its options as keyword
arguments. ``gk.coverage``, ``gk.view``, ``gk.cypher`` and ``gk.sparql`` are also the modules of
those names: ``gk.coverage(g)`` runs the main function and ``gk.coverage.village_coverage`` (or
``from graphkit import coverage``) reaches the rest of the module.

Examples
--------
>>> import graphkit as gk
>>> g = gk.sample_graph()
>>> g.settings["county"]
'示例县'
>>> cov = gk.coverage(g, by=None)
>>> int(cov.loc[0, "orgs"]) == g.count("Organization")
True
"""
from __future__ import annotations

import importlib
import sys
import types
import weakref
from pathlib import Path
from typing import TYPE_CHECKING, Any
from collections.abc import Callable

from .core.errors import GraphkitError, LedgerError, MappingError, OutputError, SchemaError, ValidationFailed
from .analyses.registry import builtin_registry, current_registry
from .core.settings import Settings, config, override

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    import pandas as pd

    from .analyses.analysis import headlines
    from .analyses.analysis import run_all as analyze
    from .analyses.cadence import district_cadence
    from .analyses.change import diff_dates, diff_graphs, rating_moves
    from .analyses.clusters import brokers, chain_alliances, describe_clusters, detect_clusters, isolated
    from .analyses.coverage import chain_stage_coverage, two_coverages, village_coverage, weak_coverage
    from .exports.cypher import EmbeddedGraph, open_embedded
    from .exports.gephi import gephi_graph, write_gexf, write_graphml
    from .store.io import read_graph, write_graph
    from .ingest.load import build_graph, validate_ledgers
    from .core.mapping import load_mapping, load_mappings
    from .core.model import Graph
    from .exports.neo4j import connect as connect_neo4j
    from .exports.neo4j import export_cypher as write_cypher_script
    from .exports.neo4j import export_import as write_neo4j_import
    from .exports.neo4j import push as push_neo4j
    from .analyses.pairing import pairing_gaps, suggest_pairings
    from .exports.queries import list_queries, run_query
    from .exports.rdf import export_rdf as write_rdf
    from .exports.rdf import read_rdf, validate_rdf
    from .views.report import write_report
    from .core.schema import load_schema
    from .views.view import View, write_view

from .core.version import __version__

#: Public name -> (module, attribute). Loaded on first access by :func:`__getattr__`.
_EXPORTS: dict[str, tuple[str, str]] = {
    # graph
    "Graph": ("core.model", "Graph"),
    "build_graph": ("ingest.load", "build_graph"),
    "validate_ledgers": ("ingest.load", "validate_ledgers"),
    "read_graph": ("store.io", "read_graph"),
    "write_graph": ("store.io", "write_graph"),
    "load_schema": ("core.schema", "load_schema"),
    "load_mapping": ("core.mapping", "load_mapping"),
    "load_mappings": ("core.mapping", "load_mappings"),
    # analyses: the public functions of the analysis registry (graphkit.analyses.registry), plus
    "analyze": ("analyses.analysis", "run_all"),
    "write_report": ("views.report", "write_report"),
    # views
    "View": ("views.view", "View"),
    "write_view": ("views.view", "write_view"),
    # exports
    "push_neo4j": ("exports.neo4j", "push"),
    "write_neo4j_import": ("exports.neo4j", "export_import"),
    "write_cypher_script": ("exports.neo4j", "export_cypher"),
    "connect_neo4j": ("exports.neo4j", "connect"),
    "write_rdf": ("exports.rdf", "export_rdf"),
    "read_rdf": ("exports.rdf", "read_rdf"),
    "validate_rdf": ("exports.rdf", "validate_rdf"),
    "gephi_graph": ("exports.gephi", "gephi_graph"),
    "write_gexf": ("exports.gephi", "write_gexf"),
    "write_graphml": ("exports.gephi", "write_graphml"),
    # queries
    "open_embedded": ("exports.cypher", "open_embedded"),
    "EmbeddedGraph": ("exports.cypher", "EmbeddedGraph"),
    "run_query": ("exports.queries", "run_query"),
    "list_queries": ("exports.queries", "list_queries"),
}

#: Submodules that are also callable: ``gk.<name>(...)`` runs this function (module, attribute).
_CALLABLE: dict[str, tuple[str, str]] = {
    "coverage": ("analyses.coverage", "coverage"),
    "view": ("views.view", "view"),
    "cypher": ("", "_cypher"),
    "sparql": ("", "_sparql"),
}

#: The public names by topic (the API reference and ``docs/index.md`` follow this order).
_GROUPS: dict[str, list[str]] = {
    "load": ["Graph", "build_graph", "validate_ledgers", "read_graph", "write_graph", "load_schema", "load_mapping",
             "load_mappings", "sample_path", "sample_graph"],
    # every public function the built-in analysis registry declares, in its order
    "analyses": [*builtin_registry().public_functions(), "analyze", "labelled"],
    "views": ["view", "View", "write_view"],
    "exports": ["write_report", "push_neo4j", "write_neo4j_import", "write_cypher_script", "connect_neo4j",
                "write_rdf", "read_rdf", "validate_rdf", "gephi_graph", "write_gexf", "write_graphml"],
    "queries": ["cypher", "cypher_server", "sparql", "open_embedded", "EmbeddedGraph", "run_query", "list_queries"],
    "settings": ["config", "override", "Settings"],
    "errors": ["GraphkitError", "LedgerError", "MappingError", "OutputError", "SchemaError", "ValidationFailed"],
}

__all__ = [name for names in _GROUPS.values() for name in names] + ["__version__"]


# ---- lazy loading and callable submodules ---------------------------------------------------------

def _entry(module_name: str) -> Callable[..., Any]:
    """The function a callable submodule runs (``graphkit.analyses.coverage`` → ``coverage.coverage``)."""
    mod, attr = _CALLABLE[module_name.rsplit(".", 1)[1]]
    owner = importlib.import_module(f"{__name__}.{mod}") if mod else sys.modules[__name__]
    return getattr(owner, attr)


class _CallableModule(types.ModuleType):
    """A submodule that is also a function: ``gk.coverage(g)`` is ``gk.coverage.coverage(g)``."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return _entry(self.__name__)(*args, **kwargs)

    @property
    def __wrapped__(self) -> Callable[..., Any]:  # lets inspect.signature() show the function's signature
        return _entry(self.__name__)


class _Package(types.ModuleType):
    """graphkit's own module type: its callable submodules become callable when they are imported.

    The import system sets ``graphkit.<sub> = <module>`` on the package when a submodule is first
    imported, by whoever imports it; this hook is the one place that sees every such import.
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if (name in _CALLABLE and type(value) is types.ModuleType
                and getattr(value, "__name__", "") == f"{__name__}.{name}"):
            value.__class__ = _CallableModule
        super().__setattr__(name, value)

    def __dir__(self) -> list[str]:
        subs = {k.rsplit(".", 1)[1] for k in sys.modules if k.startswith(f"{__name__}.") and k.count(".") == 1}
        return sorted(set(__all__) | set(current_registry().public_functions())
                      | {n for n in subs if not n.startswith("_")})


sys.modules[__name__].__class__ = _Package
for _name in _CALLABLE:  # submodules imported before the hook (none in practice)
    _mod = sys.modules.get(f"{__name__}.{_name}")
    if _mod is not None and type(_mod) is types.ModuleType:
        _mod.__class__ = _CallableModule


#: where each callable submodule lives
_CALLABLE_HOME = {'coverage': 'analyses.coverage', 'view': 'views.view', 'cypher': 'exports.cypher', 'sparql': 'exports.sparql'}


def __getattr__(name: str) -> Any:
    """Load a public name on first use (PEP 562)."""
    if name in _CALLABLE:
        module = importlib.import_module(f"{__name__}.{_CALLABLE_HOME.get(name, name)}")
        if type(module) is types.ModuleType:
            module.__class__ = _CallableModule
        return module
    target = _EXPORTS.get(name)
    if target is not None:
        value = getattr(importlib.import_module(f"{__name__}.{target[0]}"), target[1])
    elif name in builtin_registry().public_functions():
        value = builtin_registry().function(name)
    elif not name.startswith("_") and name in current_registry().public_functions():
        # declared in a use_registry block or by a plugin: looked up each time, never kept here
        return current_registry().function(name)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


# ---- small helpers of the public surface ----------------------------------------------------------

def sample_path(name: str = "sample_county") -> Path:
    """Path of a bundled dataset: ``"sample_county"`` (示例县, fictional) or ``"seed_facts"``.

    Parameters
    ----------
    name
        The dataset's folder name under ``data/``.

    Raises
    ------
    GraphkitError
        If there is no such dataset (the message names the folder looked in).

    Examples
    --------
    >>> sample_path().name
    'sample_county'
    >>> sorted(p.name for p in sample_path().glob("*.yaml"))
    ['graphkit.yaml']
    """
    from .core.paths import data_dir

    path = data_dir() / name
    if not path.exists():
        raise GraphkitError(f"没有内置数据集 / no bundled dataset named {name!r} (looked in {data_dir()})")
    return path


_SAMPLES: dict[str, Any] = {}


def sample_graph(name: str = "sample_county") -> Graph:
    """The bundled sample county as a graph, built once per process (each call returns a copy).

    Parameters
    ----------
    name
        A bundled ledger folder (see :func:`sample_path`).

    Returns
    -------
    Graph
        A fresh copy: changing its tables does not change the next call's result.

    Examples
    --------
    >>> g = sample_graph()
    >>> g.settings["county"], g.count("Organization") > 100
    ('示例县', True)
    >>> g.orgs is not sample_graph().orgs
    True
    """
    from .ingest.load import build_graph
    from .core.model import Graph

    if name not in _SAMPLES:
        _SAMPLES[name] = build_graph(sample_path(name))
    base = _SAMPLES[name]
    return Graph({k: v.copy() for k, v in base.tables.items()}, model=base.model, sources=base.sources.copy(),
                 problems=base.problems.copy(), settings=dict(base.settings))


def labelled(table: pd.DataFrame | dict[str, pd.DataFrame], *, lang: str | None = None) -> Any:
    """An analysis table ready to show: code values as labels and, in Chinese, Chinese column titles.

    Every analysis returns codes (``sector="village"``, ``category="3"``) and English column names,
    so that tables join and filter reliably. ``labelled`` makes a copy for people to read: with
    ``lang="zh"`` (the default from ``gk.config.lang``) codes become 中文 labels, booleans 是/否 and
    columns get their Chinese titles; with ``"en"`` codes become English labels and the column
    names stay. For a record table use :meth:`Graph.labelled` (e.g. ``g.labelled("Pairing")``).

    Parameters
    ----------
    table
        A DataFrame from an analysis, or a dict of them (as :func:`pairing_gaps` returns).
    lang
        ``"zh"`` or ``"en"``; default ``graphkit.config.lang``.

    Returns
    -------
    DataFrame or dict of DataFrame
        Labelled copies; the input is not changed.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"sector": ["village"], "category": ["3"], "orgs": [4]})
    >>> labelled(df).to_dict("records")
    [{'领域': '农村', '分类定级': '三类', '党组织数': 4}]
    >>> labelled(df, lang="en").to_dict("records")
    [{'sector': 'Village', 'category': 'Third class', 'orgs': 4}]
    """
    from .analyses.toolkit import CODE_COLUMNS, code_label
    from .core.schema import load_schema

    lang = config.lang if lang is None else lang
    if lang not in ("zh", "en"):
        raise GraphkitError(f"标签语言须为 zh 或 en / lang must be 'zh' or 'en', not {lang!r}")
    if isinstance(table, dict):
        return {k: labelled(v, lang=lang) for k, v in table.items()}
    if lang == "zh":
        return current_registry().to_zh(table)
    model = load_schema()
    out = table.copy()
    for col in out.columns:
        cl = CODE_COLUMNS.get(col)
        if cl:
            out[col] = code_label(model, cl, out[col].astype(object), lang="en")
    return current_registry().labelled_en(out, model)


# ---- queries --------------------------------------------------------------------------------------

_OPEN: weakref.WeakKeyDictionary[Any, dict[str, tuple[str, Any]]] = weakref.WeakKeyDictionary()


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


def _opened(graph: Any, kind: str, opener: Callable[[], Any]) -> Any:
    """The database (Cypher) or store (SPARQL) of an in-memory graph, reused while it is unchanged.

    Held in a weak mapping: when the graph is garbage-collected, so is its database (an
    :class:`EmbeddedGraph` removes its temporary folder when closed or collected).
    """
    fp = _fingerprint(graph)
    cached = _OPEN.setdefault(graph, {})
    hit = cached.get(kind)
    if hit is not None and hit[0] == fp:
        return hit[1]
    if hit is not None and hasattr(hit[1], "close"):
        hit[1].close()
    cached.pop(kind, None)
    value = opener()
    cached[kind] = (fp, value)
    return value


def _cypher(source: Any, query: str, /, **params: Any) -> pd.DataFrame:
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
    from .exports.cypher import EmbeddedGraph, open_embedded
    from .core.model import Graph

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

    from .exports.neo4j import connect, query_server

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


def _sparql(source: Any, query: str, /, *, store: str = "oxigraph", **params: Any) -> pd.DataFrame:
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

    from .core.model import Graph
    from .exports.sparql import open_source, run_sparql

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
