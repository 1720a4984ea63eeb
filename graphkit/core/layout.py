"""Seeded, precomputed layouts for the HTML network views (:mod:`graphkit.views.view`).

Force-directed layouts are far too slow for a county view of ~2,000 nodes within a one-second
budget (networkx's spring layout takes ~15 s, igraph's Fruchterman–Reingold ~2 s on this
machine), and they scramble the structure a county secretary knows: towns, the 隶属 tree,
stages of a chain. So every view is laid out *structurally*, vectorized with numpy, and the
browser only draws (physics off):

* :func:`radial_tree` — a radial tree (root in the centre, each subtree owning an angular
  wedge proportional to its size). Used for each town's 隶属 tree and for an org's neighbourhood
  (BFS tree from the focal org); :func:`radial_forest` lays out many groups (towns) in one pass.
* :func:`pack_circles` — shelf packing of circular groups (towns, clusters, pairing components)
  into rows, in the given order.
* :func:`ring`, :func:`grid`, :func:`sunflower` — simple placements.
* :func:`spring` — a seeded networkx spring layout for small graphs only (aggregated overviews
  with at most a few hundred group nodes).

Coordinates are in vis-network pixels; every function is deterministic for the same input
(and ``seed`` where there is randomness).

Examples
--------
>>> import numpy as np
>>> from graphkit.core.layout import radial_tree
>>> x, y = radial_tree(np.array(["root", "a", "b"], dtype=object), np.array([None, "root", "root"], dtype=object))
>>> (round(float(x[0]), 6), round(float(y[0]), 6))
(0.0, 0.0)
>>> bool(np.isclose(np.hypot(x[1], y[1]), np.hypot(x[2], y[2])))
True
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = ["radial_tree", "radial_forest", "pack_circles", "ring", "grid", "sunflower", "spring", "extent"]

GOLDEN_ANGLE = np.pi * (3.0 - np.sqrt(5.0))


def radial_tree(ids: np.ndarray, parents: np.ndarray, *, order: np.ndarray | None = None, gap: float = 90.0,
                spacing: float = 40.0, start: float = -np.pi / 2) -> tuple[np.ndarray, np.ndarray]:
    """Radial tree layout of a forest, vectorized by depth.

    Parameters
    ----------
    ids
        Node ids (unique).
    parents
        Parent id of each node; ``None`` or an id not in ``ids`` makes the node a root. The
        parent chain must not loop (the loader checks 隶属 cycles); nodes on a loop are treated
        as roots.
    order
        Sort key of siblings (e.g. names); default: the ids.
    gap
        Minimum distance between two depth rings.
    spacing
        Minimum distance between neighbours on a ring (rings grow to fit their nodes).
    start
        Angle of the first wedge (default: 12 o'clock).

    Returns
    -------
    x, y
        Arrays aligned with ``ids``. A single root sits at (0, 0); several roots share ring 1.

    Examples
    --------
    >>> x, y = radial_tree(np.array(["r", "c1", "c2", "g"], dtype=object),
    ...                    np.array([None, "r", "r", "c1"], dtype=object))
    >>> [round(float(np.hypot(a, b))) for a, b in zip(x, y)]
    [0, 90, 90, 180]
    """
    return radial_forest(ids, parents, None, order=order, gap=gap, spacing=spacing, start=start)


def radial_forest(ids: np.ndarray, parents: np.ndarray, groups: np.ndarray | None, *,
                  order: np.ndarray | None = None, gap: float = 90.0, spacing: float = 40.0,
                  start: float = -np.pi / 2) -> tuple[np.ndarray, np.ndarray]:
    """:func:`radial_tree` of many independent groups in one vectorized pass.

    Each group is laid out exactly as :func:`radial_tree` lays it out alone (coordinates around
    the group's own centre); a parent in another group makes a root.

    Parameters
    ----------
    ids, parents, order, gap, spacing, start
        As in :func:`radial_tree`.
    groups
        Group of each node (any hashable values); ``None``: one group.

    Returns
    -------
    x, y
        Arrays aligned with ``ids``.

    Examples
    --------
    >>> ids = np.array(["r", "c", "s", "t"], dtype=object)
    >>> x, y = radial_forest(ids, np.array([None, "r", None, "s"], dtype=object), np.array([1, 1, 2, 2]))
    >>> x1, y1 = radial_tree(ids[:2], np.array([None, "r"], dtype=object))
    >>> bool(np.array_equal(x[:2], x1) and np.array_equal(x[2:], x1) and np.array_equal(y[2:], y1))
    True
    """
    ids = np.asarray(ids, dtype=object)
    n = len(ids)
    if n == 0:
        return np.zeros(0), np.zeros(0)
    if groups is None:
        gcode = np.zeros(n, dtype=np.int64)
    else:
        gcode = pd.factorize(pd.Series(np.asarray(groups, dtype=object), dtype=object))[0].astype(np.int64)
    n_groups = int(gcode.max()) + 1
    par_s = pd.Series(parents, dtype=object)
    p = pd.Index(ids, dtype=object).get_indexer(par_s.where(par_s.notna(), None).to_numpy(dtype=object))
    p = np.where(p == np.arange(n), -1, p)
    p = np.where((p >= 0) & (gcode[np.where(p >= 0, p, 0)] != gcode), -1, p)  # parent in another group
    keys = np.asarray(order if order is not None else ids, dtype=object).astype(str)
    depth = np.full(n, -1, dtype=np.int64)
    depth[p < 0] = 0
    for _ in range(n + 1):  # at most the height of the forest; each pass settles one level
        todo = (depth < 0) & (p >= 0)
        if not todo.any():
            break
        ready = todo & (depth[np.where(p >= 0, p, 0)] >= 0)
        if not ready.any():  # a loop without a root: break it (groups are independent)
            first = np.flatnonzero(todo)[0]
            p[first] = -1
            depth[first] = 0
            continue
        depth[ready] = depth[p[ready]] + 1
    roots = np.flatnonzero(p < 0)
    n_roots = np.bincount(gcode[roots], minlength=n_groups)
    shift = np.where(n_roots == 1, 0, 1)  # several roots in a group: none sits in its centre
    size = np.ones(n, dtype=np.float64)
    for d in range(int(depth.max()), 0, -1):
        at = np.flatnonzero(depth == d)
        np.add.at(size, p[at], size[at])
    lo = np.zeros(n)
    span = np.zeros(n)
    # a group's roots share its full circle (sizes are whole numbers: sums are exact in any order)
    r_order = roots[np.lexsort((keys[roots], gcode[roots]))]
    r_starts = np.flatnonzero(np.r_[True, gcode[r_order][1:] != gcode[r_order][:-1]])
    r_seg = np.repeat(np.arange(len(r_starts)), np.diff(np.r_[r_starts, len(r_order)]))
    span[r_order] = size[r_order] / np.add.reduceat(size[r_order], r_starts)[r_seg] * 2 * np.pi
    lo[r_order] = start
    r_ends = np.r_[r_starts[1:], len(r_order)]
    for a, b in zip(r_starts[r_ends - r_starts > 1].tolist(), r_ends[r_ends - r_starts > 1].tolist()):
        seg = r_order[a:b]  # groups with several roots only; a running sum per group, as alone
        lo[seg] = start + np.concatenate([[0.0], np.cumsum(span[seg])[:-1]])
    for d in range(1, int(depth.max()) + 1):
        at = np.flatnonzero(depth == d)
        at = at[np.lexsort((keys[at], p[at]))]
        par = p[at]
        w = size[at]
        # siblings are contiguous (sorted by parent): segment sums and running sums within a segment
        starts = np.flatnonzero(np.r_[True, par[1:] != par[:-1]])
        seg = np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, len(at)]))
        total = np.add.reduceat(w, starts)[seg]
        run = np.cumsum(w)
        before = run - w - np.r_[0.0, run][starts][seg]
        span[at] = span[par] * w / total
        lo[at] = lo[par] + span[par] * before / total
    angle = lo + span / 2
    levels = depth + shift[gcode]
    n_levels = int(levels.max()) + 1
    count = np.zeros((n_groups, n_levels), dtype=np.int64)
    np.add.at(count, (gcode, levels), 1)
    radius = np.zeros((n_groups, n_levels))
    for lv in range(1, n_levels):
        radius[:, lv] = np.maximum(radius[:, lv - 1] + gap, count[:, lv] * spacing / (2 * np.pi))
    r = radius[gcode, levels]
    return r * np.cos(angle), r * np.sin(angle)


def extent(x: np.ndarray, y: np.ndarray, *, margin: float = 30.0) -> float:
    """Radius of the smallest origin-centred circle holding the points, plus ``margin``."""
    if len(x) == 0:
        return margin
    return float(np.sqrt(np.max(x * x + y * y))) + margin


def pack_circles(radii: Sequence[float] | np.ndarray, *, gap: float = 60.0,
                 width: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Shelf-pack circles into rows, left to right, in the given order.

    Parameters
    ----------
    radii
        Radius of each circle.
    gap
        Space between neighbouring circles and rows.
    width
        Row width; default about the side of a square holding all circles.

    Returns
    -------
    cx, cy
        Centres of the circles.

    Examples
    --------
    >>> cx, cy = pack_circles([10, 10, 10, 10], gap=0, width=40)
    >>> cx.tolist(), cy.tolist()
    ([10.0, 30.0, 10.0, 30.0], [10.0, 10.0, 30.0, 30.0])
    """
    r = np.asarray(radii, dtype=np.float64)
    n = len(r)
    if n == 0:
        return np.zeros(0), np.zeros(0)
    if width is None:
        width = float(np.sqrt(np.sum((2 * r + gap) ** 2)) * 1.15)
    width = max(width, float(2 * r.max()))
    cx = np.zeros(n)
    cy = np.zeros(n)
    x = 0.0
    row_top = 0.0
    row_h = 0.0
    for i in range(n):  # one pass over groups (towns, clusters, components), not over nodes
        d = 2 * r[i]
        if x > 0 and x + d > width:
            row_top += row_h + gap
            x = 0.0
            row_h = 0.0
        cx[i] = x + r[i]
        cy[i] = row_top + r[i]
        x += d + gap
        row_h = max(row_h, d)
    return cx, cy


def ring(n: int, radius: float, *, start: float = -np.pi / 2, clockwise: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points evenly on a circle, the first at ``start`` (default 12 o'clock).

    >>> x, y = ring(4, 10)
    >>> np.round(x, 6).tolist(), np.round(y, 6).tolist()
    ([0.0, 10.0, 0.0, -10.0], [-10.0, 0.0, 10.0, 0.0])
    """
    if n == 0:
        return np.zeros(0), np.zeros(0)
    step = 2 * np.pi / n * (1 if clockwise else -1)
    a = start + step * np.arange(n)
    return radius * np.cos(a), radius * np.sin(a)


def grid(n: int, *, spacing: float = 60.0, cols: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points on a grid, row by row (``cols`` default: about a square).

    >>> x, y = grid(3, spacing=10, cols=2)
    >>> x.tolist(), y.tolist()
    ([0.0, 10.0, 0.0], [0.0, 0.0, 10.0])
    """
    if n == 0:
        return np.zeros(0), np.zeros(0)
    cols = cols or max(1, int(np.ceil(np.sqrt(n))))
    i = np.arange(n)
    return (i % cols) * float(spacing), (i // cols) * float(spacing)


def sunflower(n: int, *, spacing: float = 60.0) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points on a Vogel (sunflower) spiral, the first in the centre: even density at any ``n``.

    >>> x, y = sunflower(3)
    >>> float(x[0]), float(y[0])
    (0.0, 0.0)
    """
    i = np.arange(n, dtype=np.float64)
    r = spacing * np.sqrt(i) * 0.6
    a = i * GOLDEN_ANGLE
    return r * np.cos(a), r * np.sin(a)


def spring(n: int, src: np.ndarray, dst: np.ndarray, *, weight: np.ndarray | None = None, seed: int = 0,
           scale: float = 1000.0, iterations: int = 80) -> tuple[np.ndarray, np.ndarray]:
    """Seeded spring layout (networkx) of a small graph of ``n`` nodes (indexes ``0..n-1``).

    Only for small graphs (aggregated overviews); cost grows with ``n²``.

    >>> x, y = spring(3, np.array([0, 1]), np.array([1, 2]), seed=1)
    >>> x2, y2 = spring(3, np.array([0, 1]), np.array([1, 2]), seed=1)
    >>> bool(np.array_equal(x, x2))
    True
    """
    import networkx as nx

    if n == 0:
        return np.zeros(0), np.zeros(0)
    G = nx.Graph()
    G.add_nodes_from(range(n))
    w = np.ones(len(src)) if weight is None else np.asarray(weight, dtype=np.float64)
    G.add_weighted_edges_from(zip(np.asarray(src).tolist(), np.asarray(dst).tolist(), w.tolist()))
    pos = nx.spring_layout(G, seed=seed, iterations=iterations, weight="weight", scale=scale)
    xy = np.array([pos[i] for i in range(n)], dtype=np.float64)
    return xy[:, 0], xy[:, 1]
