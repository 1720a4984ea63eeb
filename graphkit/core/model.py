"""The in-memory graph: one table per record type, and a networkx view for algorithms.

Examples
--------
>>> import graphkit as gk
>>> g = gk.build_graph(gk.sample_path("sample_county"))
>>> g.count("Organization") > 100
True
>>> G = g.to_networkx()
>>> G.number_of_nodes() == sum(g.count(t.name) for t in g.model.node_types)
True
"""
from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any
from collections.abc import Iterable

import pandas as pd

from .ids import GraphCodes
from .schema import Model, load_schema

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["Graph", "CacheSlot"]

_CACHES = "_graph_caches"  # the attribute of a Graph holding its cache slots (see Graph.cache)


class CacheSlot:
    """One named cache of a graph: values derived from it and the lock that guards them.

    Kept on the graph itself (:meth:`Graph.cache`), so it is freed with the graph, two graphs
    never share one, and threads working on the same graph share it under its lock. A copy of the
    graph (``copy.copy``, ``copy.deepcopy``, pickling) starts with no cache slots.

    Attributes
    ----------
    data
        Whatever the owner keeps (e.g. ``{kind: (fingerprint, database)}``).
    lock
        A re-entrant lock; hold it while reading or changing ``data``.
    """

    __slots__ = ("data", "lock")

    def __init__(self) -> None:
        self.data: dict[Any, Any] = {}
        self.lock = threading.RLock()


class Graph:
    """A loaded ledger graph.

    Attributes
    ----------
    tables
        Record type name -> DataFrame with ``id``, the type's properties and provenance columns
        (``src_file``, ``src_sheet``, ``src_row``, ``src_hash``).
    sources
        One row per ledger file: path, SHA-256, size, sheets and the layouts used.
    problems
        The problem table (empty when clean; warnings and, in lenient mode, errors).
    settings
        ``county``, ``data_dir`` and the options the graph was built with.

    Examples
    --------
    >>> import graphkit as gk
    >>> g = gk.sample_graph()
    >>> g.count("Pairing") == len(g["Pairing"]) == len(g.labelled("Pairing"))
    True
    >>> g.labelled("Pairing").columns[1:4].tolist()
    ['帮扶方(强)', '受援方(弱)', '结对形式']
    """

    def __init__(self, tables: dict[str, pd.DataFrame], *, model: Model | None = None,
                 sources: pd.DataFrame | None = None, problems: pd.DataFrame | None = None,
                 settings: dict[str, Any] | None = None) -> None:
        self.model = model or load_schema()
        missing = [t.name for t in self.model if t.name not in tables]
        if missing:
            raise ValueError(f"tables missing for record types: {missing}")
        self.tables = tables
        self.sources = sources if sources is not None else pd.DataFrame(columns=["file", "sha256", "bytes", "sheets", "layouts"])
        from .problems import PROBLEM_COLUMNS
        self.problems = problems if problems is not None else pd.DataFrame(columns=PROBLEM_COLUMNS)
        self.settings = dict(settings or {})
        #: How each sheet was read (``build_graph`` fills it; see ``graphkit.core.read_report``): one dict per sheet
        #: or file met, with the layout, header rows, column → property, rows skipped and records made.
        self.read_report: list[dict[str, Any]] = []
        #: The ids in Arrow form and every reference column as int32 row codes into the table it
        #: references (:class:`graphkit.core.ids.GraphCodes`): filled by ``read_graph``, else made on
        #: first use.
        self.codes = GraphCodes(self.tables, {(t.name, p): prop.range for t in self.model
                                              for p, prop in t.refs.items() if prop.range is not None})

    # per-graph caches -----------------------------------------------------------------------
    def cache(self, name: str) -> CacheSlot:
        """This graph's cache slot ``name``, made on first use (one per graph and name, thread-safe).

        Examples
        --------
        >>> import copy
        >>> from graphkit.analyses.toolkit import example_graph
        >>> g = example_graph()
        >>> g.cache("demo") is g.cache("demo"), copy.copy(g).cache("demo") is g.cache("demo")
        (True, False)
        """
        slots: dict[str, CacheSlot] = self.__dict__.setdefault(_CACHES, {})  # (atomic: one dict per graph)
        slot = slots.get(name)
        return slot if slot is not None else slots.setdefault(name, CacheSlot())

    def __getstate__(self) -> dict[str, Any]:
        """The graph's state for copies and pickles, without its cache slots (they belong to this object)."""
        state = dict(self.__dict__)
        state.pop(_CACHES, None)
        return state

    # tables -------------------------------------------------------------------------------
    def __getitem__(self, type_name: str) -> pd.DataFrame:
        return self.table(type_name)

    def table(self, type_name: str) -> pd.DataFrame:
        """The table of one record type (e.g. ``"Organization"``, ``"Pairing"``)."""
        self.model[type_name]  # raises a clear error for unknown names
        return self.tables[type_name]

    def count(self, type_name: str) -> int:
        """Number of records of a type."""
        return len(self.table(type_name))

    @property
    def orgs(self) -> pd.DataFrame:
        """Shortcut for the Organization table."""
        return self.tables["Organization"]

    def names(self, type_name: str = "Organization") -> pd.Series:
        """id -> display name for a node type."""
        t = self.table(type_name)
        col = "name" if "name" in t else "title" if "title" in t else "id"
        # object dtype on both sides: pandas would otherwise infer its (slower to look up) str dtype
        return pd.Series(t[col].to_numpy(dtype=object), index=pd.Index(t["id"].to_numpy(dtype=object), dtype=object),
                         dtype=object)

    def labelled(self, type_name: str, *, lang: str | None = None) -> pd.DataFrame:
        """A copy of a table with codes replaced by labels and columns titled in ``lang``.

        ``lang`` is ``"zh"`` or ``"en"``; default ``graphkit.config.lang``.
        """
        if lang is None:
            from .settings import config
            lang = config.lang
        rtype = self.model[type_name]
        t = self.table(type_name).copy()
        for pname, prop in rtype.properties.items():
            if prop.type == "code":
                cl = self.model.codelists[prop.codelist]  # type: ignore[index]
                t[pname] = t[pname].map(lambda c, cl=cl: cl.labels[c][lang] if isinstance(c, str) and c in cl.labels else c)
            elif prop.type == "ref":
                names = self.names(prop.range) if prop.range in self.tables else None
                if names is not None and not self.model[prop.range].is_edge:  # type: ignore[index]
                    t[pname] = t[pname].map(names)
        return t.rename(columns={p: d.label[lang] for p, d in rtype.properties.items()})

    # networkx ---------------------------------------------------------------------------------
    def to_networkx(self, *, node_types: Iterable[str] | None = None, link_types: Iterable[str] | None = None) -> nx.MultiDiGraph:
        """A networkx MultiDiGraph: records of node types as nodes, every relationship as an edge.

        Edges carry ``key`` = relationship type (e.g. ``MEMBER_OF``, ``PAIRED_WITH``); n-ary link
        records (memberships, pairings) become edges with their properties and ``id``. Parallel
        links of different types between the same two nodes are all kept.

        Parameters
        ----------
        node_types
            Restrict to these node types (default: all).
        link_types
            Restrict to these relationship types (default: all).
        """
        wanted_nodes = set(node_types) if node_types is not None else {t.name for t in self.model.node_types}
        wanted_links = set(link_types) if link_types is not None else None
        import networkx as nx  # imported on first use: most commands never need it (~0.2 s)

        G = nx.MultiDiGraph()
        for rtype in self.model.node_types:
            if rtype.name not in wanted_nodes:
                continue
            t = self.tables[rtype.name]
            props = [p for p in rtype.properties if rtype.properties[p].type != "ref"]
            records = t[["id", *props]].astype(object).where(t[["id", *props]].notna(), None).to_dict("records")
            G.add_nodes_from((r.pop("id"), {"type": rtype.name, **r}) for r in records)
        for r in self.model.relationships:
            rel, src_type, tgt_type, by = r.rel, r.source, r.target, r.type
            if wanted_links is not None and rel not in wanted_links:
                continue
            if src_type not in wanted_nodes or tgt_type not in wanted_nodes:
                continue
            if r.prop is not None:
                tname, pname = r.type, r.prop
                if tname not in wanted_nodes:
                    continue
                t = self.tables[tname]
                sub = t[["id", pname]].dropna()
                G.add_edges_from((a, b, rel, {}) for a, b in zip(sub["id"], sub[pname]))
            else:
                rtype = self.model[by]
                t = self.tables[by]
                edge = rtype.edge
                assert edge is not None
                others = [p for p in rtype.properties if p not in (edge.source, edge.target)]
                attrs = t[["id", *others]].astype(object).where(t[["id", *others]].notna(), None).to_dict("records")
                for a, b, at in zip(t[edge.source], t[edge.target], attrs):
                    G.add_edge(a, b, key=f"{rel}:{at['id']}", rel=rel, **at)
        return G

    # summaries --------------------------------------------------------------------------------
    def summary(self) -> pd.DataFrame:
        """Counts of records per type, with Chinese and English labels."""
        rows = [{"type": t.name, "类型": t.label["zh"], "label": t.label["en"], "count": len(self.tables[t.name]),
                 "kind": "link" if t.is_edge else "node"} for t in self.model]
        return pd.DataFrame(rows)

    def info(self) -> dict[str, pd.DataFrame]:
        """Counts for ``graphkit info``: by type, town, sector, category, link type."""
        orgs = self.labelled("Organization", lang="zh")
        out = {"types": self.summary()}
        for col in ("所属镇(街道)", "领域", "分类定级", "层级", "组织形式"):
            if col in orgs:
                out[col] = (orgs[col].fillna("（未填）").value_counts().rename_axis(col).reset_index(name="数量 count"))
        rel_rows = []
        for r in self.model.relationships:
            n = len(self.tables[r.type]) if r.prop is None else int(self.tables[r.type][r.prop].notna().sum())
            rel_rows.append({"relationship": r.rel, "from": r.source, "to": r.target, "declared by": r.declared_by,
                             "count": n})
        out["links"] = pd.DataFrame(rel_rows)
        mem = self.tables["Membership"].merge(self.tables["Collaboration"][["id", "kind"]], left_on="organization",
                                              right_on="id", suffixes=("", "_c"))
        mech_rows = []  # the mechanisms declared in schema/mechanisms.yaml that have records
        for m in self.model.mechanisms:
            if m.collaboration_kind is not None:
                sub = mem[mem["kind"] == m.collaboration_kind]
                groups, members = sub["organization"].nunique(), sub["member"].nunique()
            else:
                assert m.link is not None
                edge = self.model[m.link].edge
                assert edge is not None
                t = self.tables[m.link]
                groups, members = len(t), pd.concat([t[edge.source], t[edge.target]]).nunique()
            if groups:
                mech_rows.append({"kind": m.key, "groups": int(groups), "members": int(members), "机制": m.label["zh"]})
        out["mechanisms"] = pd.DataFrame(mech_rows, columns=["kind", "groups", "members", "机制"])
        return out

    def __repr__(self) -> str:
        parts = ", ".join(f"{t.name}={len(self.tables[t.name])}" for t in self.model if len(self.tables[t.name]))
        county = self.settings.get("county") or "?"
        return f"<graphkit.Graph {county}: {parts}>"

    def _repr_html_(self) -> str:
        county = self.settings.get("county") or ""
        return f"<p><b>graphkit.Graph</b> {county}</p>" + self.summary().to_html(index=False)
