"""Interactive HTML network views: one self-contained, offline file per view.

Six kinds of view, each a pyvis :class:`~pyvis.network.Network` rendered through graphkit's own
page template (``graphkit/templates/view.html.j2``) with the vis-network code and styles
**inlined** from the copy vendored in ``graphkit/static/`` — never pyvis's template, never a CDN:

``county``
    The whole county: party organizations and the collaborations (片区, 联村党组织, 产业链联盟,
    服务队) they belong to, with membership, pairing and 隶属 links. ``name`` restricts it to
    one town. Each town is laid out as a radial 隶属 tree; towns are packed in rows.
``district``
    One collaboration (usually a 片区): the group in the centre, its guiding leader, its member
    orgs on a clock face ordered by hosting month (lead at 12 o'clock), and its activities of the
    last twelve months on an outer ring by date.
``chain``
    One industry chain (by chain or alliance name): stages left to right, each stage's member orgs
    stacked below it; stages without any member are flagged.
``pairing``
    The pairing network as of a date, with gaps highlighted: unpaired weak orgs, strong sides that
    are not 一类, overloaded strong orgs, expired pairs (from :func:`graphkit.analyses.pairing.pairing_gaps`).
``org``
    The neighbourhood of one org: everything linked to it, with the members of its collaborations
    (its partners).
``cluster``
    The communities of :func:`graphkit.analyses.clusters.detect_clusters`, coloured by cluster.

Large views aggregate: when a view would hold more than ``max_nodes`` nodes, the page shows one
node per town (per cluster for the cluster view), and :meth:`View.write` writes drill-down pages
beside it (``<stem>_parts/NNN.html``, each holding whole towns, about ``max_nodes`` nodes) that
the overview links to.

Every label and tooltip is data and is treated as text: the data travels as JSON in a
``<script type="application/json">`` block with ``<``, ``>``, ``&``, U+2028 and U+2029 escaped,
tooltips are built with ``textContent``, and a Content-Security-Policy allows only the page's own
two scripts (by hash) and no network request at all.

Examples
--------
>>> import graphkit as gk
>>> from graphkit.views.view import view
>>> g = gk.build_graph(gk.sample_path())
>>> v = view(g, kind="district", name="第八片区")
>>> v.kind, v.counts["nodes"] > 10
('district', True)
>>> "vis.Network" in v.html and "cdn" not in v.html.lower()
True
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from ..core.errors import GraphkitError
from ..core.model import Graph
from ._view_base import _NO_GROUP, COLOR_BY, DEFAULT_MAX_NODES, KINDS, SIZE_BY, _Ctx, _obj
from ._view_page import FONT_STACK as FONT_STACK
from ._view_page import View
from ._view_page import _json_for_html as _json_for_html  # the page encoder (tests/test_view.py)

__all__ = ["View", "view", "write_view", "KINDS", "COLOR_BY", "SIZE_BY", "DEFAULT_MAX_NODES"]
from ._view_render import _aggregate, _render_scene
from ._view_scene import _SCENES, _scene_county, _town_groups

# ---- public API -------------------------------------------------------------------------------------------

def view(graph: Graph, *, kind: str = "county", name: str | None = None, as_of: Any = None, seed: int = 0,
         max_nodes: int | None = None, color_by: str | None = None, size_by: str = "degree",
         max_per_strong: int | None = None, radius: int = 1) -> View:
    """Build an interactive network view of a graph.

    Parameters
    ----------
    graph
        The graph (``build_graph`` / ``read_graph``).
    kind
        ``"county"`` (``name`` = optional town), ``"district"`` (``name`` = a 片区 or any
        collaboration), ``"chain"`` (``name`` = a chain or alliance), ``"pairing"`` (``name`` =
        optional town), ``"org"`` (``name`` = an org) or ``"cluster"`` (``name`` = optional
        cluster number).
    name
        What to show (see ``kind``): exact name, or a part of it that matches only one record.
    as_of
        Date of the links and categories (default: the graph's latest recorded event).
    seed
        Seed of the cluster detection and of every layout with randomness (same seed, same file).
    max_nodes
        Above this many nodes the view aggregates towns (clusters) into single nodes and
        :meth:`View.write` writes drill-down pages of at most this many nodes (default
        ``graphkit.config.view_max_nodes``, 3000).
    color_by
        Org colour: ``"sector"``, ``"mechanism"``, ``"category"``, ``"town"`` or ``"cluster"``.
        Default: ``"cluster"`` for the cluster view, ``"sector"`` otherwise.
    size_by
        Node size: ``"degree"`` (links in the view) or ``"members"`` (党员数 / group members).
    max_per_strong
        Pairing view: a strong org with more active pairs than this is marked overloaded (default
        ``graphkit.config.max_per_strong``, 2).
    radius
        Org view: how many links away to go (collaborations do not count as a step).

    Returns
    -------
    View
        Use ``.write(path)``, ``.html``, or display it in a notebook.

    Raises
    ------
    GraphkitError
        Unknown kind, colour or size option, or a name that matches nothing (the message lists
        choices) or several records.

    Examples
    --------
    >>> import graphkit as gk
    >>> g = gk.build_graph(gk.sample_path())
    >>> v = view(g, kind="chain", name="蚕桑")
    >>> v.title.startswith("蚕桑")
    True
    >>> view(g, kind="county", max_nodes=100).aggregated
    True
    """
    if kind not in _SCENES:
        raise GraphkitError(f"未知的视图类型 {kind!r} / unknown view kind; 可选 choices: {', '.join(KINDS)}")
    if color_by is not None and color_by not in COLOR_BY:
        raise GraphkitError(f"不支持的着色方式 color_by={color_by!r}；可选 choices: {', '.join(COLOR_BY)}")
    if size_by not in SIZE_BY:
        raise GraphkitError(f"不支持的大小方式 size_by={size_by!r}；可选 choices: {', '.join(SIZE_BY)}")
    from ..core.settings import config
    max_nodes = config.view_max_nodes if max_nodes is None else max_nodes
    max_per_strong = config.max_per_strong if max_per_strong is None else max_per_strong
    if max_nodes < 1:
        raise GraphkitError(f"max_nodes 应为正整数 / must be a positive integer, got {max_nodes}")
    if color_by == "cluster" and kind != "cluster":
        raise GraphkitError("按集群着色只用于集群视图 / color_by='cluster' is for kind='cluster'")
    ctx = _Ctx(graph, as_of=as_of, seed=seed, max_nodes=max_nodes, color_by=color_by, size_by=size_by,
               max_per_strong=max_per_strong, radius=radius)
    scene = _SCENES[kind](ctx, name)
    if scene.n_nodes > max_nodes:
        if scene.group_of_org is None:
            grp, gnames = _town_groups(ctx, _obj(scene.ids.get("Organization", _obj([]))))
            scene.group_of_org, scene.group_names = grp, gnames
        return _aggregate(ctx, scene, kind=kind)
    return _render_scene(ctx, scene, kind=kind)


def write_view(graph: Graph, path: str | Path, *, kind: str = "county", name: str | None = None, as_of: Any = None,
               seed: int = 0, max_nodes: int | None = None, color_by: str | None = None,
               size_by: str = "degree", max_per_strong: int | None = None, radius: int = 1,
               drilldown: bool = True) -> Path:
    """Build a view (see :func:`view`) and write it to ``path`` (one self-contained UTF-8 HTML file).

    Returns
    -------
    Path
        The file written; an aggregated view also writes ``<stem>_parts/`` beside it.

    Examples
    --------
    >>> import tempfile, graphkit as gk
    >>> g = gk.build_graph(gk.sample_path())
    >>> p = write_view(g, tempfile.mkdtemp() + "/pairing.html", kind="pairing")
    >>> p.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    True
    """
    v = view(graph, kind=kind, name=name, as_of=as_of, seed=seed, max_nodes=max_nodes, color_by=color_by,
             size_by=size_by, max_per_strong=max_per_strong, radius=radius)
    return v.write(path, drilldown=drilldown)


def province_view(graph: Graph, *, as_of: Any = None, seed: int = 0, max_nodes: int | None = None,
                  color_by: str | None = None, size_by: str = "degree") -> View:
    """The province overview: one node per county (and city/province level), links between
    counties counted on the edges, and a drill-down page per county.

    Parameters
    ----------
    graph
        A graph read from a province output folder (``graphkit build PROVINCE_DIR``).
    as_of, seed, max_nodes, color_by, size_by
        As for :func:`view` (``max_nodes`` bounds each drill-down page; a county larger than
        that is split by 隶属 root over several pages).

    Returns
    -------
    View
        An aggregated view; ``.write(path)`` writes the overview and ``<stem>_parts/``.

    Raises
    ------
    GraphkitError
        The graph is not a province graph.
    """
    from ..core.settings import config
    from ..store.province import record_counties

    owners = record_counties(graph, "Organization")
    if owners.empty:
        raise GraphkitError("省级总览只用于省级图谱（graphkit build 省级目录）/ the province overview needs a graph built "
                            "from a province folder")
    if color_by is not None and color_by not in COLOR_BY:
        raise GraphkitError(f"不支持的着色方式 color_by={color_by!r}；可选 choices: {', '.join(COLOR_BY)}")
    max_nodes = config.view_max_nodes if max_nodes is None else max_nodes
    ctx = _Ctx(graph, as_of=as_of, seed=seed, max_nodes=max_nodes, color_by=color_by, size_by=size_by,
               max_per_strong=config.max_per_strong, radius=1)
    scene = _scene_county(ctx, None)
    orgs = _obj(scene.ids.get("Organization", _obj([])))
    county = pd.Series(_obj(owners["county"].to_numpy(dtype=object)), index=pd.Index(_obj(owners["id"]), dtype=object))
    grp = county.reindex(pd.Index(orgs, dtype=object))
    grp = pd.Series(_obj(grp.where(grp.notna(), _NO_GROUP).to_numpy()), index=pd.Index(orgs, dtype=object), dtype=object)
    scene.group_of_org = grp
    scene.group_names = pd.Series({g: ("未归属 unassigned" if g == _NO_GROUP else str(g)) for g in sorted(set(grp))},
                                  dtype=object)
    scene.group_word = ("县", "county")
    scene.one_group_per_page = True
    scene.title = f"{graph.settings.get('county') or '全省'}各县联建总览 / the province's counties"
    return _aggregate(ctx, scene, kind="county")
