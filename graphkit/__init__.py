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
arguments. Every name here is a plain function or class; the modules behind them live in the layer
packages (``graphkit.analyses.coverage``, ``graphkit.views.view``, ``graphkit.exports.sparql`` …).

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

import functools
import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

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
    from .analyses.coverage import chain_stage_coverage, coverage, two_coverages, village_coverage, weak_coverage
    from .exports.adhoc import cypher, cypher_server, sparql
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
    from .views.view import View, view, write_view

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
    "cypher": ("exports.adhoc", "cypher"),
    "cypher_server": ("exports.adhoc", "cypher_server"),
    "sparql": ("exports.adhoc", "sparql"),
    # the main function of a module of the same name
    "coverage": ("analyses.coverage", "coverage"),
    "view": ("views.view", "view"),
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


# ---- lazy loading ---------------------------------------------------------------------------------

def __getattr__(name: str) -> Any:
    """Load a public name on first use (PEP 562)."""
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


def __dir__() -> list[str]:
    return sorted(set(__all__) | set(current_registry().public_functions()))


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


@functools.cache
def _sample_base(name: str) -> Graph:
    from .ingest.load import build_graph

    return build_graph(sample_path(name))


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
    from .core.model import Graph

    base = _sample_base(name)
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


