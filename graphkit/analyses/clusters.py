"""Industry-chain clusters 产业链集群: communities, chain alliances, brokers and isolated orgs.

Community detection runs on the *bipartite* link graph — org nodes, collaboration nodes
(片区 / 联村党组织 / 产业链联盟 / 服务队) joined by active memberships, plus active pairings as
org–org edges — never on the org–org projection, whose cliques explode at province scale (a
76-member alliance alone would make 2,850 edges). Leiden (igraph's C implementation; igraph comes
with the extra ``scale``) is used when installed, else networkx's Louvain; both are seeded, and
cluster ids are renumbered by size (largest first), then by smallest org id, so the same input and
seed give the same table.

Leiden maximizes modularity. A connected component whose total degree ``D`` is small
(``resolution·(D/2)² < 2m``, ``m`` the number of links) is best kept whole — splitting it can
only lower modularity — so such components (most of them: single pairs, small districts) become
one cluster each without running Leiden, and Leiden (two iterations, modularity expressed as
CPM with degree node weights and resolution ``γ/2m``, the same objective) runs only on the large
components. Everything works on integer node ids held in numpy arrays.

Examples
--------
>>> from graphkit.analyses.toolkit import example_graph
>>> from graphkit.analyses import clusters
>>> g = example_graph()
>>> c = clusters.detect_clusters(g, as_of="2024-06-30", seed=0)
>>> int(c["cluster"].min()), len(c) == c["org_id"].nunique()
(1, True)
>>> clusters.chain_alliances(g, as_of="2024-06-30")[["name", "stages_covered", "stages_total", "missing_stages"]].to_dict("records")
[{'name': '蚕桑产业链党委', 'stages_covered': 4, 'stages_total': 5, 'missing_stages': '收茧'}]
>>> clusters.brokers(g, as_of="2024-06-30")["name"].tolist()
['县科协机关党支部', '甲村党支部']
"""
from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..core.ids import argsort_strings, factorize, id_index
from .toolkit import (NO_VALUE, SEP, _memo, active_memberships, as_of_date, isin, join_names, link_ends,
                        mechanism_memberships, org_facts, order_codes)
from ..core.model import Graph

__all__ = ["detect_clusters", "describe_clusters", "chain_alliances", "brokers", "isolated", "link_graph"]

Backend = Literal["auto", "leiden", "louvain"]

_FACT_COLS = ["town_name", "sector", "level", "category"]

#: Leiden iterations on the large components (each iteration: move nodes, refine, aggregate).
LEIDEN_ITERATIONS = 2


# ---- vectorized helpers (integer codes instead of per-group pandas work) ------------------------
# Also used by cadence and change.

def _objs(values: Any) -> pd.Series:
    """An object Series (pandas would infer its arrow-backed ``str`` dtype from an object array)."""
    return pd.Series(np.asarray(values, dtype=object), dtype=object)


def _strs(values: Any) -> pd.Series:
    """A text column typed as pandas infers it (``str`` for strings, object when all missing) — the
    dtype the earlier DataFrame-based code produced."""
    return pd.Series(np.asarray(values, dtype=object))


def _codes(values: Any, *, sort: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes of ``values`` (-1 where missing) and the distinct values.

    With ``sort`` the distinct values are in Python's order (the order ``groupby`` and
    ``sort_values`` give), so comparing codes compares values.

    >>> c, u = _codes(["b", None, "a", "b"])
    >>> c.tolist(), u.tolist()
    ([1, -1, 0, 1], ['a', 'b'])
    """
    codes, uniques = factorize(values)
    codes = codes.astype(np.int64, copy=False)
    uniques = np.asarray(uniques, dtype=object)
    if sort and len(uniques) > 1:
        order = _argsort(uniques)
        rank = np.empty(len(uniques) + 1, dtype=np.int64)
        rank[order] = np.arange(len(uniques))
        rank[-1] = -1  # code -1 (missing) stays -1
        codes = rank[codes]
        uniques = uniques[order]
    return codes, uniques


def _argsort(values: np.ndarray) -> np.ndarray:
    """Stable argsort of an object array in Python's order; strings are sorted by pyarrow (UTF-8
    byte order is code point order, which is how Python compares str)."""
    from ..core.settings import threshold

    if len(values) >= threshold("arrow_sort_min") and _is_str(values):
        return argsort_strings(values).astype(np.int64)
    return np.argsort(values, kind="stable")


def _rank(values: Any) -> np.ndarray:
    """Sort rank of each value (equal values share a rank; missing values rank last)."""
    c, u = _codes(values)
    return np.where(c < 0, len(u), c)


def _positions(index_values: Any, keys: Any) -> np.ndarray:
    """Position of each key among the unique ``index_values`` (-1 where absent).

    ``index_values`` may be a ready object ``pandas.Index`` (its hash table is then reused). Tables
    are kept sorted by id, so a few keys are looked up in a sorted index of strings by bisection,
    without hashing the whole index.

    >>> _positions(["a", "b", "d"], ["d", None, "c", "a"]).tolist()
    [2, -1, -1, 0]
    """
    keys = np.asarray(keys, dtype=object)
    if not len(keys):
        return np.zeros(0, dtype=np.intp)
    if isinstance(index_values, pd.Index):
        return _get_indexer(index_values, keys)
    idx = np.asarray(index_values, dtype=object)
    if len(keys) * 64 <= len(idx) and _sorted_strings(idx):
        return _search(idx, keys)
    return _get_indexer(pd.Index(idx, dtype=object), keys)


def _search(idx: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Positions of keys in a sorted array of strings, by bisection (-1 where absent)."""
    out = np.full(len(keys), -1, dtype=np.intp)
    ok = ~pd.isna(keys)
    k = keys[ok]
    if not _is_str(k):  # ids are strings; anything else is looked up by hashing
        return _get_indexer(pd.Index(idx, dtype=object), keys)
    at = np.minimum(np.searchsorted(idx, k), len(idx) - 1)
    found = idx[at] == k
    out[np.flatnonzero(ok)[found]] = at[found]
    return out


def _id_positions(graph: Graph, type_name: str, keys: Any) -> np.ndarray:
    """Row of each id in a table (-1 where absent); the table's sortedness and hash index are kept
    inside :func:`~graphkit.analyses.toolkit.cached`."""
    t = graph.tables[type_name]
    ids = t["id"].to_numpy(dtype=object)
    keys = np.asarray(keys, dtype=object)
    if not len(keys) or not len(ids):
        return np.full(len(keys), -1, dtype=np.intp)
    if len(keys) * 64 <= len(ids) and _memo(graph, ("clusters.sorted_ids", type_name, id(t)),
                                            lambda: _sorted_strings(ids)):
        return _search(ids, keys)
    return _get_indexer(_id_index(graph, type_name), keys)


def _get_indexer(index: pd.Index, keys: np.ndarray) -> np.ndarray:
    return id_index(index).positions(keys)


def _name_of(graph: Graph, type_name: str, keys: Any, fill: Any = None) -> np.ndarray:
    """Display names of ids of a node type (``fill`` where unknown)."""
    t = graph.tables[type_name]
    col = "name" if "name" in t else "title" if "title" in t else "id"
    return _take(t[col].to_numpy(dtype=object), _id_positions(graph, type_name, keys), fill)


def _fact_index(graph: Graph, facts: pd.DataFrame) -> pd.Index:
    """The org ids of ``facts`` as an Index, built once per :func:`org_facts` table inside ``cached``
    (the Organization table's own id index when the facts follow its rows, as they do when the
    table is sorted by id)."""
    def build() -> pd.Index:
        ids = facts["org_id"].to_numpy(dtype=object)
        t = graph.tables["Organization"]
        if len(t) == len(ids) and bool((t["id"].to_numpy(dtype=object) == ids).all()):
            return _id_index(graph, "Organization")
        return pd.Index(ids, dtype=object)

    return _memo(graph, ("clusters.fact_index", id(facts)), build)


def _id_index(graph: Graph, type_name: str) -> pd.Index:
    """A table's ids as an object Index (hash table built once inside ``cached``)."""
    t = graph.tables[type_name]
    return _memo(graph, ("clusters.id_index", type_name, id(t)),
                 lambda: pd.Index(t["id"].to_numpy(dtype=object), dtype=object))


def _is_str(values: np.ndarray) -> bool:
    from pandas.api.types import infer_dtype

    return infer_dtype(values, skipna=False) in ("string", "empty")


def _sorted_strings(values: np.ndarray) -> bool:
    """Whether an object array holds strings in strictly increasing order."""
    return len(values) > 0 and _is_str(values) and bool((values[1:] > values[:-1]).all())


def _take(values: Any, pos: np.ndarray, fill: Any = None) -> np.ndarray:
    """``values[pos]`` as an object array, ``fill`` where ``pos`` is -1."""
    v = np.asarray(values, dtype=object)
    if not len(v):
        return np.full(len(pos), fill, dtype=object)
    out = v[np.where(pos >= 0, pos, 0)]
    out[pos < 0] = fill
    return out


def _group_first(groups: np.ndarray) -> np.ndarray:
    """Row index where each group starts, for rows sorted by group."""
    if not len(groups):
        return np.zeros(0, dtype=np.int64)
    return np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]])


def _nunique(groups: np.ndarray, n: int, values: Any) -> np.ndarray:
    """Distinct non-missing ``values`` per group ``0..n-1`` (rows of group -1 ignored)."""
    vc, vu = _codes(values, sort=False)
    keep = (groups >= 0) & (vc >= 0)
    w = max(len(vu), 1)
    pairs = pd.unique(groups[keep].astype(np.int64) * w + vc[keep])  # (a hash table: no sort needed)
    return np.bincount(pairs // w, minlength=n).astype(np.int64)


def _join_lists(groups: np.ndarray, n: int, texts: Any, *, empty: Any = None) -> np.ndarray:
    """Per group ``0..n-1``: its ``texts`` (a pyarrow string array, rows sorted by group, groups
    ``>= 0``) joined with 、 by pyarrow; ``empty`` for a group without rows."""
    import pyarrow as pa
    import pyarrow.compute as pc

    counts = np.bincount(groups, minlength=n)
    present = np.flatnonzero(counts)
    out = np.full(n, empty, dtype=object)
    if len(present):
        offsets = pa.array(np.r_[0, np.cumsum(counts[present])].astype(np.int64))
        lists = pa.LargeListArray.from_arrays(offsets, texts.cast(pa.large_string()))
        joined = pc.binary_join(lists, pa.scalar(SEP, type=pa.large_string()))
        out[present] = np.asarray(joined.to_numpy(zero_copy_only=False), dtype=object)
    return out


def _joined(groups: np.ndarray, n: int, values: Any, *, limit: int | None = None, empty: Any = None,
            plain: bool = False) -> np.ndarray:
    """Per group ``0..n-1``: its ``values`` in row order joined with 、 (:func:`join_names`, or a
    plain ``SEP.join`` with ``plain``); ``empty`` for a group without rows."""
    groups = np.asarray(groups, dtype=np.int64)
    keep = groups >= 0
    g = groups[keep]
    order = np.argsort(g, kind="stable")
    vals = np.asarray(values, dtype=object)[keep][order].tolist()
    if plain and len(vals) and all(type(v) is str for v in vals):  # joined by pyarrow, list by list
        import pyarrow as pa

        return _join_lists(g[order], n, pa.array(vals, type=pa.large_string()), empty=empty)
    counts = np.bincount(g, minlength=n)
    out = np.full(n, empty, dtype=object)
    present = np.flatnonzero(counts)
    texts: list[str] = []
    a = 0
    for b in np.cumsum(counts[present]).tolist():
        texts.append(SEP.join(vals[a:b]) if plain else join_names(vals[a:b], limit=limit))
        a = b
    if texts:
        out[present] = np.array(texts, dtype=object)
    return out


def _top(groups: np.ndarray, n: int, values: Any, *, k: int = 3) -> np.ndarray:
    """Per group: "A 5、B 3", the ``k`` most frequent values (missing → （未填）), ties by value."""
    # codes of the values with missing ones as （未填）: the distinct values first (few), then each
    # row's code through them, so the rows are passed over by codes only
    c, u = factorize(np.asarray(values, dtype=object))
    u = np.append(np.asarray(u, dtype=object), NO_VALUE)
    uc, vu = _codes(u)
    vc = uc[np.where(c < 0, len(u) - 1, c)]
    w = max(len(vu), 1)
    keep = groups >= 0
    pairs, cnt = np.unique(groups[keep].astype(np.int64) * w + vc[keep], return_counts=True)
    g, val = pairs // w, pairs % w
    order = np.lexsort((val, -cnt, g))
    g, val, cnt = g[order], val[order], cnt[order]
    first = _group_first(g)
    rank = np.arange(len(g)) - np.repeat(first, np.diff(np.r_[first, len(g)]))
    sel = rank < k
    if all(type(v) is str for v in vu):  # "value count" texts made and joined by pyarrow
        import pyarrow as pa
        import pyarrow.compute as pc

        txt = pc.binary_join_element_wise(pa.array(vu, type=pa.large_string()).take(pa.array(val[sel])),
                                          pa.array(cnt[sel].astype(np.int64)).cast(pa.large_string()),
                                          pa.scalar(" ", type=pa.large_string()))
        return _join_lists(g[sel], n, txt, empty=None)
    txt = [f"{a} {b}" for a, b in zip(vu[val[sel]].tolist(), cnt[sel].tolist())]
    return _joined(g[sel], n, np.array(txt, dtype=object), empty=None, plain=True)


def _labels(model: Any, codelist: str, values: Any) -> np.ndarray:
    """Code → label (unknown codes and missing values kept), like ``code_label`` but per distinct value."""
    cl = model.codelists[codelist]
    table = {c: cl.labels[c]["zh"] for c in cl.codes}
    v = np.asarray(values, dtype=object)
    c, u = _codes(v, sort=False)
    lab = np.array([table.get(x, x) if isinstance(x, str) else x for x in u.tolist()] + [None], dtype=object)
    out = lab[c]
    miss = c < 0
    out[miss] = v[miss]
    return out


def _id_order(ids: Any) -> np.ndarray:
    """Rank of each id in sorted order (cheap when the ids are already sorted, as tables are)."""
    ids = np.asarray(ids, dtype=object)
    if len(ids) < 2 or _sorted_strings(ids):
        return np.arange(len(ids))
    order = _argsort(ids)
    r = np.empty(len(ids), dtype=np.int64)
    r[order] = np.arange(len(ids))
    return r


def _empty(cols: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})


# ---- the link graph and communities -------------------------------------------------------------

def link_graph(graph: Graph, *, as_of: Any = None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The bipartite link graph on a date, as index arrays.

    Orgs are joined to the collaborations of the collaboration mechanisms they are members of,
    and to each other by the link mechanisms (Pairing), as declared in ``schema/mechanisms.yaml``.

    Returns
    -------
    orgs, collabs, src, dst
        Sorted org ids that have at least one active link, sorted collaboration ids with active
        members, and undirected edges as node indexes (orgs first ``0..len(orgs)-1``, then
        collaborations). Duplicate edges are dropped; edges are sorted.

    Examples
    --------
    >>> from graphkit.analyses.toolkit import example_graph
    >>> orgs, collabs, src, dst = link_graph(example_graph(), as_of="2024-06-30")
    >>> len(orgs), len(collabs), len(src)  # 11 memberships + 2 active pairings
    (10, 3, 13)
    """
    ts = as_of_date(graph, as_of)
    return _memo(graph, ("clusters.link_graph", ts), lambda: _link_graph(graph, ts))


def _link_graph(graph: Graph, ts: pd.Timestamp) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    mem = mechanism_memberships(graph, ts)  # the collaboration mechanisms
    mm = mem["member"].to_numpy(dtype=object)
    a, b, _ = link_ends(graph, ts)  # the link mechanisms (Pairing): org to org
    oc, orgs = _codes(np.concatenate([mm, a, b]))
    cc, collabs = _codes(mem["organization"].to_numpy(dtype=object))
    no = len(orgs)
    n = no + len(collabs)
    m1, pa, pb = oc[: len(mm)], oc[len(mm): len(mm) + len(a)], oc[len(mm) + len(a):]
    s = np.concatenate([m1, np.minimum(pa, pb)])
    d = np.concatenate([cc + no, np.maximum(pa, pb)])
    ok = np.concatenate([(m1 >= 0) & (cc >= 0), (pa >= 0) & (pb >= 0)])  # a link with a missing end is no link
    key = np.unique(s[ok] * n + d[ok])
    return orgs, collabs, key // max(n, 1), key % max(n, 1)


def _link_orgs_in_facts(graph: Graph, ts: pd.Timestamp, orgs: np.ndarray, facts: pd.DataFrame) -> np.ndarray:
    """Row in ``facts`` of each org of the link graph (-1 where absent)."""
    return _memo(graph, ("clusters.link_orgs_in_facts", ts, id(facts)),
                 lambda: _positions(_fact_index(graph, facts), orgs))


def _components(n: int, src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """Connected component label of each node 0..n-1."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    adj = coo_matrix((np.ones(len(src), dtype=np.int8), (src, dst)), shape=(n, n))
    return connected_components(adj, directed=False)[1].astype(np.int64)


#: held while igraph's process-wide random generator is the seeded one of a call
_IGRAPH_RNG_LOCK = threading.Lock()


@contextmanager
def igraph_seeded(seed: int) -> Iterator[None]:
    """igraph's process-wide random generator seeded for the block, under a lock, then restored.

    igraph draws from one generator for the whole process (Python's ``random`` module by default);
    holding the lock keeps concurrent callers from sharing or resetting each other's.
    """
    import random

    import igraph as ig

    with _IGRAPH_RNG_LOCK:
        ig.set_random_number_generator(random.Random(int(seed)))
        try:
            yield
        finally:
            ig.set_random_number_generator(random)


def _leiden(n: int, src: np.ndarray, dst: np.ndarray, *, seed: int, resolution: float) -> np.ndarray:
    """Leiden modularity communities, run only where a component may be worth splitting."""
    import igraph as ig

    m = len(src)
    if m == 0:
        return np.arange(n, dtype=np.int64)
    comp = _components(n, src, dst)
    deg = (np.bincount(src, minlength=n) + np.bincount(dst, minlength=n)).astype(np.float64)
    dc = np.bincount(comp, weights=deg)
    # merging two linked parts a, b changes modularity by e_ab/m − γ·d_a·d_b/2m² > 0 whenever
    # γ·d_a·d_b < 2m, and d_a·d_b ≤ (D/2)²: a component with γ·(D/2)² < 2m is best left whole
    big = float(resolution) * (dc / 2.0) ** 2 >= 2.0 * m
    labels = comp.copy()
    node_big = big[comp]
    if node_big.any():
        idx = np.flatnonzero(node_big)
        sub = np.full(n, -1, dtype=np.int64)
        sub[idx] = np.arange(len(idx))
        e = node_big[src]
        G = ig.Graph(n=len(idx), edges=np.column_stack([sub[src[e]], sub[dst[e]]]), directed=False)
        with igraph_seeded(seed):  # (igraph's generator is process-wide)
            # modularity of the whole graph, restricted to these components: CPM with degree node
            # weights and resolution γ/2m (what objective_function="modularity" does with the
            # subgraph's own 2m)
            part = G.community_leiden(objective_function="CPM", node_weights=deg[idx].tolist(),
                                      resolution=float(resolution) / (2.0 * m), beta=0.01,
                                      n_iterations=LEIDEN_ITERATIONS)
        labels[idx] = int(comp.max()) + 1 + np.asarray(part.membership, dtype=np.int64)
    return labels


def _communities(n: int, src: np.ndarray, dst: np.ndarray, *, seed: int, resolution: float,
                 backend: Backend) -> tuple[np.ndarray, str]:
    """A community label per node (0..n-1) and the backend used."""
    if backend in ("auto", "leiden"):
        try:
            import igraph  # noqa: F401
        except ImportError:
            if backend == "leiden":
                from ..core.errors import GraphkitError
                raise GraphkitError("Leiden 需要 igraph（pip install 'graphkit[scale]'）/ "
                                    "the Leiden backend needs igraph (install graphkit[scale])") from None
        else:
            return _leiden(n, src, dst, seed=seed, resolution=resolution), "leiden"
    import networkx as nx
    G = nx.Graph()
    G.add_nodes_from(range(n))
    G.add_edges_from(zip(src.tolist(), dst.tolist()))
    labels = np.empty(n, dtype=np.int64)
    comms = nx.community.louvain_communities(G, resolution=resolution, seed=seed)
    for k, nodes in enumerate(comms):
        labels[list(nodes)] = k
    return labels, "louvain"


def _renumber(raw: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Renumber labels 1..k by size (desc), then by first row (rows are in id order); return new
    labels and sizes."""
    if not len(raw):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    _, inv = np.unique(raw, return_inverse=True)
    inv = inv.ravel()
    size = np.bincount(inv)
    _, first = np.unique(inv, return_index=True)
    order = np.lexsort((first, -size))
    new = np.empty(len(size), dtype=np.int64)
    new[order] = np.arange(1, len(size) + 1)
    return new[inv], size[inv].astype(np.int64)


def detect_clusters(graph: Graph, *, as_of: Any = None, seed: int = 0, resolution: float = 1.0,
                    backend: Backend = "auto") -> pd.DataFrame:
    """Communities of orgs on the org + collaboration graph (with pairing links), seeded.

    Parameters
    ----------
    graph
        The graph.
    as_of
        Date of the links (default: the graph's reference date).
    seed
        Random seed of Leiden/Louvain.
    resolution
        Modularity resolution: larger gives more, smaller clusters.
    backend
        ``"auto"`` (Leiden if installed, else Louvain), ``"leiden"`` or ``"louvain"``.

    Returns
    -------
    DataFrame
        One row per org with at least one active link: ``org_id, name, cluster, cluster_size,
        town_name, sector, level, category``; clusters numbered 1.. by size. ``attrs["backend"]``
        names the algorithm used.

    Examples
    --------
    >>> from graphkit.analyses.toolkit import example_graph
    >>> c = detect_clusters(example_graph(), as_of="2024-06-30", backend="louvain")
    >>> c.loc[c["org_id"] == "v2", "cluster"].item() == c.loc[c["org_id"] == "v1", "cluster"].item()
    True
    """
    ts = as_of_date(graph, as_of)
    orgs, collabs, src, dst = link_graph(graph, as_of=ts)
    cols = ["org_id", "name", "cluster", "cluster_size", *_FACT_COLS]
    if len(orgs) == 0:
        out = _empty(cols)
        out.attrs["backend"] = "none"
        return out
    n = len(orgs) + len(collabs)
    labels, used = _communities(n, src, dst, seed=seed, resolution=resolution, backend=backend)
    cl, size = _renumber(labels[: len(orgs)])
    order = np.lexsort((np.arange(len(orgs)), cl))  # by cluster, then org id (orgs are sorted)
    facts = org_facts(graph, ts)
    pos = _link_orgs_in_facts(graph, ts, orgs, facts)[order]
    data: dict[str, Any] = {"org_id": _objs(orgs[order]),
                            "name": _objs(_take(facts["name"], pos, np.nan)),
                            "cluster": cl[order], "cluster_size": size[order]}
    for c in _FACT_COLS:
        data[c] = _objs(_take(facts[c], pos, np.nan))
    out = pd.DataFrame(data)[cols]
    out.attrs["backend"] = used
    return out


def describe_clusters(graph: Graph, clusters_df: pd.DataFrame, *, as_of: Any = None) -> pd.DataFrame:
    """Describe each cluster: size, its collaborations, dominant chain, towns, sectors, levels.

    A collaboration belongs to the cluster holding most of its active members (ties: the
    smaller cluster number).

    Returns
    -------
    DataFrame
        ``cluster, size, collaborations, collab_names, dominant_chain, chain_share, towns, n_towns,
        sectors, n_sectors, levels, n_levels, n_weak, n_strong``.

    Examples
    --------
    >>> from graphkit.analyses.toolkit import example_graph
    >>> g = example_graph()
    >>> d = describe_clusters(g, detect_clusters(g, as_of="2024-06-30"), as_of="2024-06-30")
    >>> int(d["size"].sum())
    10
    """
    ts = as_of_date(graph, as_of)
    cols = ["cluster", "size", "collaborations", "collab_names", "dominant_chain", "chain_share", "towns", "n_towns",
            "sectors", "n_sectors", "levels", "n_levels", "n_weak", "n_strong"]
    if clusters_df.empty:
        return _empty(cols)
    model = graph.model
    ids = clusters_df["org_id"].to_numpy(dtype=object)
    keys, g = np.unique(clusters_df["cluster"].to_numpy(), return_inverse=True)
    g = g.ravel().astype(np.int64)
    k = len(keys)
    facts = org_facts(graph, ts)
    fp = _positions(_fact_index(graph, facts), ids)

    def fact(col: str) -> np.ndarray:
        return _take(facts[col], fp, np.nan)

    size = np.bincount(g, minlength=k)
    weak = np.where(fp >= 0, facts["weak"].to_numpy(dtype=bool)[np.maximum(fp, 0)], False)
    strong = np.where(fp >= 0, facts["strong"].to_numpy(dtype=bool)[np.maximum(fp, 0)], False)
    town, sector, level = fact("town_name"), fact("sector"), fact("level")
    out = pd.DataFrame({"cluster": keys, "size": size.astype(np.int64)})

    # collaborations: majority cluster of their members
    mem = active_memberships(graph, ts)
    mpos = _positions(ids, mem["member"])
    cname = mem["collab_name"].to_numpy(dtype=object)
    hit = (mpos >= 0) & ~pd.isna(cname)
    collaborations = np.zeros(k, dtype=np.int64)
    collab_names = np.full(k, "", dtype=object)
    if hit.any():
        oc, _ = _codes(mem["organization"].to_numpy(dtype=object)[hit])
        mg = g[mpos[hit]]
        names = cname[hit]
        pairs, votes = np.unique(oc * k + mg, return_counts=True)
        po, pg = pairs // k, pairs % k
        order = np.lexsort((pg, -votes, po))  # per collaboration: most members, then the smaller cluster
        home = order[_group_first(po[order])]
        h_org, h_cl = po[home], pg[home]
        first_row = np.full(int(oc.max()) + 1, -1, dtype=np.int64)
        first_row[oc[::-1]] = np.arange(len(oc))[::-1]
        h_name = names[first_row[h_org]]
        o2 = np.lexsort((h_org, _rank(h_name), h_cl))
        collaborations = np.bincount(h_cl, minlength=k).astype(np.int64)
        collab_names = _joined(h_cl[o2], k, h_name[o2], limit=5, empty="")
    # dominant chain: the chain most of the cluster's orgs work on
    chain = mem["chain"].to_numpy(dtype=object)
    ch_ok = (mpos >= 0) & ~pd.isna(chain)
    dominant = np.full(k, None, dtype=object)
    share = np.full(k, np.nan)
    if ch_ok.any():
        chc, chu = _codes(chain[ch_ok])
        nch = len(chu)
        org_chain = np.unique(mpos[ch_ok].astype(np.int64) * nch + chc)  # distinct (org, chain)
        cc = g[org_chain // nch] * nch + org_chain % nch
        pairs, n_orgs = np.unique(cc, return_counts=True)
        pc, pch = pairs // nch, pairs % nch
        pname = _name_of(graph, "IndustryChain", chu, np.nan)[pch]
        order = np.lexsort((_rank(pname), -n_orgs, pc))  # most orgs, then chain name (rows by chain id)
        top = order[_group_first(pc[order])]
        dominant[pc[top]] = pname[top]
        share[pc[top]] = n_orgs[top] / size[pc[top]]
        dominant = np.where(pd.isna(dominant), None, dominant)
    out["collaborations"] = collaborations
    out["collab_names"] = _strs(collab_names)
    out["dominant_chain"] = _objs(dominant)
    out["chain_share"] = share
    out["towns"] = _strs(_top(g, k, town))
    out["n_towns"] = _nunique(g, k, town)
    out["sectors"] = _strs(_top(g, k, _labels(model, "sector", sector)))
    out["n_sectors"] = _nunique(g, k, sector)
    out["levels"] = _strs(_top(g, k, _labels(model, "level", level), k=5))
    out["n_levels"] = _nunique(g, k, level)
    out["n_weak"] = np.bincount(g, weights=weak, minlength=k).astype(np.int64)
    out["n_strong"] = np.bincount(g, weights=strong, minlength=k).astype(np.int64)
    return out[cols]


def chain_alliances(graph: Graph, *, as_of: Any = None,
                    expected_levels: tuple[str, ...] = ("city", "county", "town", "village")) -> pd.DataFrame:
    """Each active industry-chain alliance: stage completeness and its span across levels and sectors.

    Parameters
    ----------
    expected_levels
        Level codes an alliance is expected to span (seed 001: 市、县、镇、村); the ones it lacks
        are listed in ``missing_levels``.

    Returns
    -------
    DataFrame
        ``collab_id, name, chain, members, lead_names, stages_total, stages_covered, completeness,
        missing_stages, levels, n_levels, missing_levels, sectors, n_sectors, n_towns`` (levels and
        sectors as Chinese labels in declared order, joined with 、).

    Examples
    --------
    >>> from graphkit.analyses.toolkit import example_graph
    >>> a = chain_alliances(example_graph(), as_of="2024-06-30")
    >>> a[["levels", "missing_levels", "sectors"]].to_dict("records")
    [{'levels': '市、县、镇、村', 'missing_levels': '', 'sectors': '机关、农村、非公企业、事业单位'}]
    """
    ts = as_of_date(graph, as_of)
    model = graph.model
    cols = ["collab_id", "name", "chain", "members", "lead_names", "stages_total", "stages_covered", "completeness",
            "missing_stages", "levels", "n_levels", "missing_levels", "sectors", "n_sectors", "n_towns"]
    mem = active_memberships(graph, ts)
    mem = mem[isin(mem["kind"], model.collab_kinds(chain=True))]
    if mem.empty:
        return _empty(cols)
    facts = org_facts(graph, ts)
    fp = _positions(_fact_index(graph, facts), mem["member"])
    name, sector, level, town = (_take(facts[c], fp, np.nan) for c in ("name", "sector", "level", "town"))
    a, alliances = _codes(mem["organization"].to_numpy(dtype=object))
    k = len(alliances)

    def first(values: Any) -> np.ndarray:  # groupby(...).first(): the first non-missing value
        v = np.asarray(values, dtype=object)
        ok = np.flatnonzero(~pd.isna(v) & (a >= 0))
        out = np.full(k, np.nan, dtype=object)
        ga, at = np.unique(a[ok], return_index=True)
        out[ga] = v[ok][at]
        return out

    collab_name = first(mem["collab_name"])
    chain_id = first(mem["chain"])
    chain = _name_of(graph, "IndustryChain", chain_id, np.nan)
    members = _nunique(a, k, mem["member"])
    n_towns = _nunique(a, k, town)
    lead = (mem["role"] == "lead").to_numpy(dtype=bool)
    lo = np.lexsort((_rank(name[lead]), a[lead]))
    lead_names = _joined(a[lead][lo], k, name[lead][lo], empty="")
    # stages: every stage of the alliance's chain, covered when a member works on it
    st = graph.tables["ChainStage"]
    grid = pd.DataFrame({"a": np.arange(k), "chain": _objs(chain_id)}).merge(
        pd.DataFrame({"chain": _objs(st["chain"]), "stage_id": _objs(st["id"]), "stage_name": _objs(st["name"]),
                      "order": st["order"].astype("float64").to_numpy()}), on="chain", how="inner")
    ga = grid["a"].to_numpy(dtype=np.int64)
    stage = mem["stage"].to_numpy(dtype=object)
    sc, su = _codes(np.concatenate([grid["stage_id"].to_numpy(dtype=object), stage]), sort=False)
    gs, ms = sc[: len(grid)], sc[len(grid):]
    w = max(len(su), 1)
    has_st = ms >= 0
    covered = np.unique(a[has_st] * w + ms[has_st])
    has = np.isin(ga * w + gs, covered) & (gs >= 0)
    stages_total = np.bincount(ga, minlength=k).astype(np.int64)
    stages_covered = np.bincount(ga, weights=has, minlength=k).astype(np.int64)
    miss = ~has
    order = grid["order"].to_numpy()
    mo = np.lexsort((np.where(np.isnan(order[miss]), np.inf, order[miss]), ga[miss]))
    missing_stages = _joined(ga[miss][mo], k, grid["stage_name"].to_numpy(dtype=object)[miss][mo], empty="")

    # levels and sectors spanned (labels in declared order), and the expected levels missing
    def spanned(values: np.ndarray, codelist: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        vc, vu = _codes(values, sort=False)
        ok = vc >= 0
        wv = max(len(vu), 1)
        pairs, at = np.unique(a[ok] * wv + vc[ok], return_index=True)  # distinct (alliance, code)
        pa, pv = pairs // wv, pairs % wv
        rank = {c: i for i, c in enumerate(model.codelists[codelist].codes)}
        r = np.array([rank.get(c, np.inf) for c in vu.tolist()] + [np.inf], dtype=float)[pv]
        o = np.lexsort((at, r, pa))
        text = _joined(pa[o], k, _labels(model, codelist, vu[pv[o]]), empty="", plain=True)
        return text, np.bincount(pa, minlength=k).astype(np.int64), pa, vu[pv]

    levels, n_levels, lv_a, lv_code = spanned(level, "level")
    exp = list(order_codes(model, "level", expected_levels))
    exp_zh = _labels(model, "level", np.array(exp, dtype=object))
    lacks = np.ones((len(exp), k), dtype=bool)
    for i, c in enumerate(exp):
        lacks[i, lv_a[lv_code == c]] = False
    missing_levels = [SEP.join(str(z) for z, lk in zip(exp_zh, col) if lk) for col in lacks.T.tolist()]
    sectors, n_sectors, _, _ = spanned(sector, "sector")
    completeness = np.where(stages_total > 0, stages_covered / np.maximum(stages_total, 1), np.nan)
    out = pd.DataFrame({
        "collab_id": _strs(alliances), "name": _objs(collab_name), "chain": _objs(chain), "members": members,
        "lead_names": _strs(lead_names), "stages_total": stages_total, "stages_covered": stages_covered,
        "completeness": completeness, "missing_stages": _strs(missing_stages), "levels": _strs(levels),
        "n_levels": n_levels, "missing_levels": _strs(missing_levels), "sectors": _strs(sectors),
        "n_sectors": n_sectors, "n_towns": n_towns})
    return out[cols].sort_values(["chain", "name", "collab_id"], kind="stable", na_position="last").reset_index(drop=True)


def brokers(graph: Graph, *, as_of: Any = None, min_groups: int = 2) -> pd.DataFrame:
    """Orgs that bridge groups: members of ``min_groups`` or more active collaborations.

    ``bridges`` says what they bridge: ``chains`` (alliances of two or more chains), ``districts``
    (two or more groups of a mechanism declared with ``bridges: districts``: 片区), ``mechanisms``
    (two or more kinds of group), else ``groups``.

    Returns
    -------
    DataFrame
        ``org_id, name, n_groups, groups, n_kinds, kinds, n_chains, chains, n_districts, bridges,
        town_name, sector, level, category`` sorted by ``n_groups`` (desc), then org id.

    Examples
    --------
    >>> from graphkit.analyses.toolkit import example_graph
    >>> brokers(example_graph(), as_of="2024-06-30")[["name", "bridges"]].to_dict("records")
    [{'name': '县科协机关党支部', 'bridges': 'mechanisms'}, {'name': '甲村党支部', 'bridges': 'mechanisms'}]
    """
    ts = as_of_date(graph, as_of)
    model = graph.model
    cols = ["org_id", "name", "n_groups", "groups", "n_kinds", "kinds", "n_chains", "chains", "n_districts", "bridges",
            *_FACT_COLS]
    mem = active_memberships(graph, ts)
    mc, mu = _codes(mem["member"].to_numpy(dtype=object))
    oc, ou = _codes(mem["organization"].to_numpy(dtype=object), sort=False)
    ok = (mc >= 0) & (oc >= 0)
    w = max(len(ou), 1)
    _, rows = np.unique(mc[ok] * w + oc[ok], return_index=True)  # one row per (member, group): the first
    rows = np.flatnonzero(ok)[np.sort(rows)]
    n_groups_all = np.bincount(mc[rows], minlength=len(mu))
    keep = n_groups_all >= min_groups
    rows = rows[keep[mc[rows]]]
    if not len(rows):
        return _empty(cols)
    km = np.flatnonzero(keep)
    K = len(km)
    renum = np.full(len(mu), -1, dtype=np.int64)
    renum[km] = np.arange(K)
    cname = mem["collab_name"].to_numpy(dtype=object)[rows]
    org = oc[rows]
    # rows sorted by member, group name, group id
    o = np.lexsort((_rank(ou[org]), _rank(cname), mc[rows]))
    g = renum[mc[rows][o]]
    cname, org = cname[o], org[o]
    kind = mem["kind"].to_numpy(dtype=object)[rows][o]
    chain = mem["chain"].to_numpy(dtype=object)[rows][o]
    n_groups = np.bincount(g, minlength=K).astype(np.int64)
    n_kinds = _nunique(g, K, kind)
    n_chains = _nunique(g, K, chain)
    dist = isin(kind, model.collab_kinds(bridges="districts"))
    n_districts = _nunique(np.where(dist, g, -1), K, org)
    groups = _joined(g, K, cname, limit=8)
    # kinds, in declared order
    kc, ku = _codes(kind, sort=False)
    wk = max(len(ku), 1)
    pk, at = np.unique(g * wk + kc, return_index=True)
    rank = {c: i for i, c in enumerate(model.codelists["collab_kind"].codes)}
    r = np.array([rank.get(c, np.inf) for c in ku.tolist()], dtype=float)[pk % wk]
    ko = np.lexsort((at, r, pk // wk))
    kinds = _joined((pk // wk)[ko], K, _labels(model, "collab_kind", ku[(pk % wk)[ko]]), empty=np.nan, plain=True)
    # chains, by name
    has = ~pd.isna(chain)
    cc, cu = _codes(chain[has], sort=False)
    wc = max(len(cu), 1)
    pch, at = np.unique(g[has] * wc + cc, return_index=True)
    pname = _name_of(graph, "IndustryChain", cu, np.nan)[pch % wc]
    co = np.lexsort((at, _rank(pname), pch // wc))
    chains = _joined((pch // wc)[co], K, pname[co], empty="")
    bridges = np.select([n_chains >= 2, n_districts >= 2, n_kinds >= 2], ["chains", "districts", "mechanisms"],
                        default="groups")
    facts = org_facts(graph, ts)
    fp = _positions(_fact_index(graph, facts), mu[km])
    out = pd.DataFrame({"org_id": _strs(mu[km]), "name": _objs(_take(facts["name"], fp, np.nan)),
                        "n_groups": n_groups, "groups": _strs(groups), "n_kinds": n_kinds, "kinds": _strs(kinds),
                        "n_chains": n_chains, "chains": _strs(chains), "n_districts": n_districts,
                        "bridges": _strs(bridges)})
    for c in _FACT_COLS:
        out[c] = _objs(_take(facts[c], fp, np.nan))
    order = np.lexsort((np.arange(K), -n_kinds, -n_groups))  # members are in id order
    return out[cols].iloc[order].reset_index(drop=True)


def isolated(graph: Graph, *, as_of: Any = None, min_component: int = 3) -> pd.DataFrame:
    """Orgs outside the joint-building network, and orgs in small detached groups.

    ``status`` is ``no_link`` for an org with no active membership or pairing, and
    ``small_component`` for an org whose connected component of the link graph (orgs,
    collaborations, pairings) holds fewer than ``min_component`` orgs (e.g. a lone pair).

    Returns
    -------
    DataFrame
        ``org_id, name, status, component, component_size, town_name, sector, level, category``
        (``component`` numbered 1.. by size then smallest org id; missing for ``no_link``).

    Examples
    --------
    >>> from graphkit.analyses.toolkit import example_graph
    >>> iso = isolated(example_graph(), as_of="2024-06-30")
    >>> iso.groupby("status").size().to_dict()
    {'no_link': 1}
    """
    ts = as_of_date(graph, as_of)
    facts = org_facts(graph, ts)
    orgs, collabs, src, dst = link_graph(graph, as_of=ts)
    n = len(orgs) + len(collabs)
    cols = ["org_id", "name", "status", "component", "component_size", *_FACT_COLS]
    nf = len(facts)
    comp = np.full(nf, -1, dtype=np.int64)
    csize = np.ones(nf, dtype=np.int64)
    if n:
        new, size = _renumber(_components(n, src, dst)[: len(orgs)])
        fp = _link_orgs_in_facts(graph, ts, orgs, facts)
        hit = fp >= 0
        comp[fp[hit]] = new[hit]
        csize[fp[hit]] = size[hit]
    no_link = comp < 0
    small = ~no_link & (csize < min_component)
    sel = np.flatnonzero(no_link | small)
    # no_link first (by org id), then small components by number and org id
    order = sel[np.lexsort((sel, comp[sel], small[sel]))]  # org facts are sorted by org id
    def f(col: str) -> np.ndarray:
        return facts[col].to_numpy(dtype=object)[order]

    out = pd.DataFrame({"org_id": _objs(f("org_id")), "name": _objs(f("name")),
                        "status": _strs(np.array(["small_component", "no_link"], dtype=object)[no_link[order].astype(np.intp)]),
                        "component": pd.arrays.IntegerArray(comp[order], no_link[order].copy()),
                        "component_size": pd.array(csize[order], dtype="Int64")})
    for c in _FACT_COLS:
        out[c] = _objs(f(c))
    return out[cols]
