"""Exports for Gephi and other network tools: GEXF and GraphML.

Gephi (and Cytoscape, yEd, igraph) read GEXF and GraphML, but not multigraphs with nested or
missing-typed attributes. :func:`gephi_graph` therefore makes a *simple* directed graph:

* one node per record of the chosen node types (default: every node type of the schema), with
  ``label`` (the record's name or title), ``node_type`` (e.g. ``Organization``),
  ``node_type_label`` (组织 / organization …) and every non-reference property of the type —
  code values as labels in the configured language (``graphkit.config.lang``), dates as
  ``YYYY-MM-DD`` text, booleans as ``"true"``/``"false"``, integers as numbers; missing values are
  simply absent;
* one edge per ordered pair of nodes joined by at least one relationship of the schema
  (``relationship_types()``: ref properties such as 隶属 and n-ary link records such as
  memberships and pairings), with ``weight`` = the number of links it stands for,
  ``relationship`` (``MEMBER_OF``, ``PAIRED_WITH;SUB_ORGANIZATION_OF`` …), ``label`` (the
  relationship's name) and the link records' own properties (role, form, start …) as text —
  several values joined by ``;``.

Everything is derived from the schema declaration; the files are written atomically.

Examples
--------
>>> import tempfile, networkx as nx, graphkit as gk
>>> from graphkit.exports.gephi import gephi_graph, write_gexf
>>> g = gk.build_graph(gk.sample_path())
>>> G = gephi_graph(g, node_types=["Organization", "Collaboration"])
>>> G.number_of_nodes() == g.count("Organization") + g.count("Collaboration")
True
>>> path = write_gexf(g, tempfile.mkdtemp() + "/county.gexf", node_types=["Organization", "Collaboration"])
>>> nx.read_gexf(path).number_of_edges() == G.number_of_edges()
True
"""
from __future__ import annotations

from pathlib import Path
from typing import Any
from collections.abc import Iterable

import networkx as nx
import numpy as np
import pandas as pd

from ..core.errors import GraphkitError
from ..core.model import Graph

__all__ = ["gephi_graph", "for_gephi", "short_label", "write_gexf", "write_graphml", "write_networkx"]

_FORMATS = {".gexf": "gexf", ".graphml": "graphml"}

_SEP = ";"
_RESERVED = {"label", "node_type", "node_type_label", "weight", "relationship"}


def _lang(lang: str | None) -> str:
    if lang is None:
        from ..core.settings import config
        lang = config.lang
    if lang not in ("zh", "en"):
        raise GraphkitError(f"标签语言须为 zh 或 en / lang must be 'zh' or 'en', not {lang!r}")
    return lang


def _check_types(graph: Graph, wanted: Iterable[str] | None, *, edge: bool) -> list[str]:
    model = graph.model
    names = [t.name for t in model.node_types] if not edge else [r.rel for r in model.relationships]
    if wanted is None:
        return list(dict.fromkeys(names))
    wanted = [wanted] if isinstance(wanted, str) else list(wanted)
    unknown = [w for w in wanted if w not in names]
    if unknown:
        what = ("关系类型", "relationship types") if edge else ("节点类型", "node types")
        raise GraphkitError(f"未知{what[0]} {unknown} / unknown {what[1]}; 可选 known: {', '.join(dict.fromkeys(names))}")
    return list(dict.fromkeys(wanted))


def _missing(values: np.ndarray) -> np.ndarray:
    """True where a value is missing (None, NaN, NA, NaT)."""
    return pd.isna(pd.Series(values, dtype=object)).to_numpy(dtype=bool)


def _as_text(graph: Graph, values: pd.Series, ptype: str, codelist: str | None, lang: str) -> np.ndarray:
    """One property column as Gephi-friendly values: an object array, None where missing."""
    miss = values.isna().to_numpy(dtype=bool)
    if ptype == "code":
        labels = {c: lab[lang] for c, lab in graph.model.codelists[codelist].labels.items()}  # type: ignore[index]
        raw = np.array(values.astype(object), dtype=object)
        mapped = np.array(pd.Series(raw, dtype=object).map(labels), dtype=object)
        out = np.where(_missing(mapped), raw, mapped)
    elif ptype == "date":
        out = np.array(pd.to_datetime(values).dt.strftime("%Y-%m-%d").astype(object), dtype=object)
    elif ptype == "boolean":
        out = np.where(values.fillna(False).to_numpy(dtype=bool), "true", "false").astype(object)
    elif ptype == "integer":
        out = np.array([int(v) for v in values.fillna(0).astype(np.int64).to_numpy()], dtype=object)
    else:
        out = np.array(values.astype(object), dtype=object)
    out[miss | _missing(out)] = None
    return out


def _records(columns: dict[str, np.ndarray]) -> list[dict[str, Any]]:
    """Row dicts without missing values (GEXF/GraphML have no null)."""
    names = list(columns)
    values = [columns[c].tolist() for c in names]
    present = [(~_missing(columns[c])).tolist() for c in names]
    return [{c: v for c, v, ok in zip(names, row, oks) if ok} for row, oks in zip(zip(*values), zip(*present))]


def gephi_graph(graph: Graph, *, node_types: Iterable[str] | None = None, link_types: Iterable[str] | None = None,
                as_of: Any = None, lang: str | None = None) -> nx.DiGraph:
    """A simple directed graph with string and number attributes only, ready for Gephi.

    Parameters
    ----------
    graph
        The graph.
    node_types
        Node types to include (default: every node type of the schema). Links to nodes of
        other types are left out.
    link_types
        Relationship types to include (e.g. ``["MEMBER_OF", "PAIRED_WITH"]``; default: all).
    as_of
        Keep only links (and collaborations) active on this date; default: every link recorded.
    lang
        Language of labels and code values, ``"zh"`` or ``"en"`` (default: ``graphkit.config.lang``).

    Returns
    -------
    networkx.DiGraph
        Nodes keyed by record id; see the module description for the attributes.

    Examples
    --------
    >>> import graphkit as gk
    >>> g = gk.build_graph(gk.sample_path())
    >>> G = gephi_graph(g, node_types=["Organization"], link_types=["PAIRED_WITH"], lang="en")
    >>> sum(w for _, _, w in G.edges(data="weight")) == g.count("Pairing")
    True
    >>> G.nodes[g.orgs["id"].iat[0]]["node_type_label"]
    'Party organization'
    """
    lang = _lang(lang)
    model = graph.model
    nodes = _check_types(graph, node_types, edge=False)
    links = set(_check_types(graph, link_types, edge=True))
    ts = None
    if as_of is not None:
        from ..core.dates import as_of_date
        ts = as_of_date(graph, as_of)
    G = nx.DiGraph(name=str(graph.settings.get("county") or "graphkit"))
    kept: dict[str, pd.Series] = {}
    for tname in nodes:
        rtype = model[tname]
        t = graph.tables[tname]
        if ts is not None:
            from ..core.dates import active
            t = active(graph, tname, ts)
        label_col = "name" if "name" in t else "title" if "title" in t else "id"
        n = len(t)
        attrs: dict[str, np.ndarray] = {
            "label": t[label_col].astype(object).where(t[label_col].notna(), t["id"]).to_numpy(dtype=object),
            "node_type": np.full(n, tname, dtype=object),
            "node_type_label": np.full(n, rtype.label[lang], dtype=object)}
        for pname, prop in rtype.properties.items():
            if prop.type == "ref":
                continue
            key = pname if pname not in _RESERVED else f"{pname}_"
            attrs[key] = _as_text(graph, t[pname], prop.type, prop.codelist, lang)
        G.add_nodes_from(zip(t["id"].to_numpy(dtype=object), _records(attrs)))
        kept[tname] = t["id"]
    present = pd.Index(pd.concat(list(kept.values()), ignore_index=True).astype(object)) if kept else pd.Index([])
    parts: list[pd.DataFrame] = []
    for r in model.relationships:
        rel, src_type, tgt_type, by = r.rel, r.source, r.target, r.type
        if rel not in links or src_type not in kept or tgt_type not in kept:
            continue
        if r.prop is not None:
            tname, pname = r.type, r.prop
            t = graph.tables[tname]
            e = pd.DataFrame({"source": t["id"].to_numpy(dtype=object), "target": t[pname].to_numpy(dtype=object)})
            e["label"] = model[tname].properties[pname].label[lang]
        else:
            rtype = model[by]
            t = graph.tables[by]
            if ts is not None:
                from ..core.dates import active
                t = active(graph, by, ts)
            edge = rtype.edge
            assert edge is not None
            e = pd.DataFrame({"source": t[edge.source].to_numpy(dtype=object),
                              "target": t[edge.target].to_numpy(dtype=object)})
            e["label"] = rtype.label[lang]
            for pname, prop in rtype.properties.items():
                if pname in (edge.source, edge.target):
                    continue
                values = t[pname]
                if prop.type == "ref":  # e.g. a membership's chain stage: its name
                    assert prop.range is not None  # the schema gives every ref a range
                    text = np.array(values.map(graph.names(prop.range)).to_numpy(dtype=object), dtype=object)
                    text[_missing(text)] = None
                else:
                    text = _as_text(graph, values, prop.type, prop.codelist, lang)
                key = pname if pname not in _RESERVED else f"{pname}_"
                e[key] = pd.Series([None if v is None else str(v) for v in text], dtype=object, index=e.index)
        e["relationship"] = rel
        ok = (present.get_indexer(e["source"].astype(object)) >= 0) & (present.get_indexer(e["target"].astype(object)) >= 0)
        e = e[ok]
        parts.append(e)
    if not parts:
        return G
    allE = pd.concat(parts, ignore_index=True).astype(object)
    dup = allE.duplicated(["source", "target"], keep=False).to_numpy()
    single = allE[~dup].copy()
    single["weight"] = 1
    frames = [single]
    if dup.any():
        multi = allE[dup]
        value_cols = [c for c in allE.columns if c not in ("source", "target")]

        def join(values: pd.Series) -> Any:
            vals = sorted({str(v) for v in values.dropna()})
            return _SEP.join(vals) if vals else None

        agg = multi.groupby(["source", "target"], sort=False)[value_cols].agg(join)
        agg["weight"] = multi.groupby(["source", "target"], sort=False).size()
        frames.append(agg.reset_index())
    edges = pd.concat(frames, ignore_index=True).sort_values(["source", "target"], kind="stable")
    cols = {c: edges[c].to_numpy(dtype=object) for c in edges.columns if c not in ("source", "target")}
    cols["weight"] = np.array([int(w) for w in edges["weight"].to_numpy()], dtype=object)
    G.add_edges_from(zip(edges["source"].to_numpy(dtype=object), edges["target"].to_numpy(dtype=object), _records(cols)))
    return G


def write_networkx(G: nx.Graph, path: str | Path, *, fmt: str | None = None, force: bool = False) -> Path:
    """Write a networkx graph (e.g. from :func:`gephi_graph`) as GEXF or GraphML, atomically.

    Parameters
    ----------
    G
        The graph; attribute values must be strings or numbers.
    path
        The file to write.
    fmt
        ``"gexf"`` or ``"graphml"``; default from the suffix (``.gexf``, ``.graphml``).
    force
        Replace ``path`` even if graphkit did not write it (otherwise only a file carrying
        graphkit's signature comment is replaced).

    Examples
    --------
    >>> import tempfile, networkx as nx, graphkit as gk
    >>> G = gephi_graph(gk.sample_graph(), node_types=["Collaboration", "IndustryChain"])
    >>> p = write_networkx(G, tempfile.mkdtemp() + "/groups.graphml")
    >>> nx.read_graphml(p).number_of_nodes() == G.number_of_nodes()
    True
    """
    import io

    from ..store.io import atomic_file, output_signature

    path = Path(path)
    fmt = fmt or _FORMATS.get(path.suffix.lower())
    if fmt not in ("gexf", "graphml"):
        raise GraphkitError(f"无法判断 {path.name} 的格式，请用 .gexf 或 .graphml / cannot tell the format of "
                            f"{path.name}: use a .gexf or .graphml file name (or fmt='gexf'/'graphml')")
    buf = io.BytesIO()
    if fmt == "gexf":
        nx.write_gexf(G, buf, encoding="utf-8", prettyprint=True)
    else:
        nx.write_graphml(G, buf, encoding="utf-8", prettyprint=True, named_key_ids=True)
    data = buf.getvalue()
    # graphkit's signature as an XML comment right after the declaration (so a later run may replace it)
    decl_end = data.find(b"?>") + 2 if data.startswith(b"<?xml") else 0
    note = f"\n<!-- {output_signature('gephi', 'gephi')} -->".encode()
    try:
        with atomic_file(path, "wb", kind="gephi", force=force) as fh:
            fh.write(data[:decl_end] + note + data[decl_end:])
    except OSError as exc:
        raise GraphkitError(f"无法写入 {path} / cannot write {path}: {exc}") from None
    return path


#: Colours of node types in Gephi (organizations are coloured by sector instead), RGB.
_GEXF_TYPE_RGB = {"Organization": (78, 121, 167), "Collaboration": (242, 142, 43), "Person": (241, 196, 15),
                  "Activity": (176, 190, 197), "IndustryChain": (141, 110, 99), "ChainStage": (215, 204, 200),
                  "Unit": (128, 203, 196), "Place": (144, 164, 174), "Rating": (199, 199, 199)}
_GEXF_PALETTE = [(78, 121, 167), (242, 142, 43), (89, 161, 79), (225, 87, 89), (118, 183, 178), (237, 201, 72),
                 (176, 122, 161), (255, 157, 167), (156, 117, 95), (23, 190, 207), (188, 189, 34)]
#: Label length in Gephi: long CJK labels make Gephi slow and unreadable; the full name stays an attribute.
SHORT_LABEL = 10
FULL_NAME = "全称 full name"


def short_label(name: str, county: str | None = None, *, limit: int = SHORT_LABEL) -> str:
    """A short node label: the county prefix dropped, cut to ``limit`` characters with ….

    >>> short_label("示例县人民政府办公室机关党支部", "示例县")
    '人民政府办公室机关…'
    >>> short_label("第八片区", "示例县")
    '第八片区'
    """
    text = str(name)
    if county and text.startswith(county) and len(text) > len(county):
        text = text[len(county):]
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _positions(G: nx.DiGraph, seed: int) -> dict[Any, tuple[float, float]]:
    """Precomputed positions so the file opens readable: igraph's Fruchterman-Reingold from a
    deterministic sunflower start (the same file every time), else networkx's seeded spring layout
    for up to 1,000 nodes, else the sunflower itself."""
    from ..core.layout import sunflower

    nodes = list(G.nodes)
    n = len(nodes)
    sx, sy = sunflower(n, spacing=30.0)
    if n == 0:
        return {}
    index = {v: i for i, v in enumerate(nodes)}
    edges = [(index[a], index[b]) for a, b in G.edges()]
    try:
        import igraph
    except ImportError:
        igraph = None
    if igraph is not None:
        from ..analyses.clusters import igraph_seeded

        ig = igraph.Graph(n=n, edges=edges, directed=False)
        with igraph_seeded(seed):  # igraph's generator is process-wide: seeded for this call, under a lock
            lay = ig.layout_fruchterman_reingold(seed=[[float(a), float(b)] for a, b in zip(sx, sy)], niter=300,
                                                 grid="auto")
        xy = np.asarray(lay.coords, dtype=np.float64)
    else:
        if n <= 1000:
            pos = nx.spring_layout(G.to_undirected(as_view=True), seed=seed, iterations=60, scale=float(np.sqrt(n)) * 40)
            xy = np.array([pos[v] for v in nodes], dtype=np.float64)
        else:
            xy = np.column_stack([sx, sy])
    span = float(np.abs(xy).max()) or 1.0
    xy = xy / span * 40.0 * float(np.sqrt(n))  # about 40 units per node, whatever the layout's scale
    return {v: (round(float(x), 2), round(float(y), 2)) for v, (x, y) in zip(nodes, xy)}


def _earliest_latest(text: Any, *, latest: bool) -> Any:
    """One GEXF time from ``;``-joined dates of merged links: the earliest start, the latest end
    (an end left open by any of them stays open)."""
    if text is None:
        return None
    parts = [p for p in str(text).split(_SEP) if p]
    return (max(parts) if latest else min(parts)) if parts else None


def for_gephi(G: nx.DiGraph, graph: Graph, *, seed: int = 0) -> nx.DiGraph:
    """Decorate a :func:`gephi_graph` for Gephi: viz colour, size and position on every node, short
    labels with the full name as an attribute, dynamic ``start``/``end`` on nodes and edges.

    Organizations are coloured by sector, other nodes by type; size grows with the degree. A link
    merged from several records spans the earliest start to the latest end (open if any is open).

    Examples
    --------
    >>> import graphkit as gk
    >>> g = gk.sample_graph()
    >>> G = for_gephi(gephi_graph(g, node_types=["Organization", "Collaboration"]), g)
    >>> v = next(iter(G.nodes.values()))
    >>> sorted(v["viz"]), len(v["label"]) <= SHORT_LABEL
    (['color', 'position', 'size'], True)
    """
    H = G.copy()
    county = graph.settings.get("county") or None
    sectors = list(graph.model.codelists["sector"].codes) if "sector" in graph.model.codelists else []
    lang_labels = {}
    if sectors:
        cl = graph.model.codelists["sector"]
        lang_labels = {cl.labels[c][k]: i for i, c in enumerate(sectors) for k in ("zh", "en")}
    pos = _positions(H, seed)
    deg = dict(H.degree())
    for v, d in H.nodes(data=True):
        full = str(d.get("label", v))
        d[FULL_NAME] = full
        d["label"] = short_label(full, county)
        if d.get("node_type") == "Organization" and d.get("sector") in lang_labels:
            r, g_, b = _GEXF_PALETTE[lang_labels[d["sector"]] % len(_GEXF_PALETTE)]
        else:
            r, g_, b = _GEXF_TYPE_RGB.get(str(d.get("node_type")), (127, 127, 127))
        x, y = pos[v]
        d["viz"] = {"color": {"r": r, "g": g_, "b": b, "a": 1.0}, "size": round(4.0 + 3.0 * float(np.sqrt(deg[v])), 2),
                    "position": {"x": x, "y": y, "z": 0.0}}
        for key in ("start", "end"):
            if key in d and (d[key] is None or _SEP in str(d[key])):
                d[key] = _earliest_latest(d[key], latest=key == "end")
    for _, _, d in H.edges(data=True):
        if "start" in d:
            d["start"] = _earliest_latest(d["start"], latest=False)
        if "end" in d:
            w = int(d.get("weight", 1))
            ends = [p for p in str(d["end"]).split(_SEP) if p]
            # merged links: open if fewer ends than links (one of them has none)
            d["end"] = max(ends) if ends and len(ends) >= w else (None if w > 1 else d["end"])
            if d["end"] is None:
                del d["end"]
        if d.get("start") is None:
            d.pop("start", None)
    H.graph["mode"] = "dynamic"
    return H


def write_gexf(graph: Graph, path: str | Path, *, node_types: Iterable[str] | None = None,
               link_types: Iterable[str] | None = None, as_of: Any = None, lang: str | None = None,
               seed: int = 0) -> Path:
    """Write the graph as GEXF 1.2 for Gephi (File → Open), atomically, decorated by :func:`for_gephi`
    (colours, sizes, positions, short labels, a timeline).

    Parameters
    ----------
    graph
        The graph.
    path
        The ``.gexf`` file to write.
    node_types, link_types, as_of, lang
        As in :func:`gephi_graph`.
    seed
        Seed of the precomputed layout.

    Returns
    -------
    Path
        ``path``.

    Examples
    --------
    >>> import tempfile, networkx as nx, graphkit as gk
    >>> g = gk.build_graph(gk.sample_path())
    >>> p = write_gexf(g, tempfile.mkdtemp() + "/pairs.gexf", node_types=["Organization"], link_types=["PAIRED_WITH"])
    >>> back = nx.read_gexf(p)
    >>> sum(w for *_, w in back.edges(data="weight")) == g.count("Pairing")
    True
    """
    G = for_gephi(gephi_graph(graph, node_types=node_types, link_types=link_types, as_of=as_of, lang=lang), graph,
                  seed=seed)
    return write_networkx(G, path, fmt="gexf")


def write_graphml(graph: Graph, path: str | Path, *, node_types: Iterable[str] | None = None,
                  link_types: Iterable[str] | None = None, as_of: Any = None, lang: str | None = None) -> Path:
    """Write the graph as GraphML (Gephi, Cytoscape, yEd, igraph), atomically.

    Parameters
    ----------
    graph
        The graph.
    path
        The ``.graphml`` file to write.
    node_types, link_types, as_of, lang
        As in :func:`gephi_graph`.

    Returns
    -------
    Path
        ``path``.

    Examples
    --------
    >>> import tempfile, networkx as nx, graphkit as gk
    >>> g = gk.build_graph(gk.sample_path())
    >>> p = write_graphml(g, tempfile.mkdtemp() + "/county.graphml", node_types=["Organization", "Collaboration"])
    >>> back = nx.read_graphml(p)
    >>> back.number_of_nodes() == g.count("Organization") + g.count("Collaboration")
    True
    """
    G = gephi_graph(graph, node_types=node_types, link_types=link_types, as_of=as_of, lang=lang)
    return write_networkx(G, path, fmt="graphml")
