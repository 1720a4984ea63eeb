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

from .toolkit import (SEP, active_memberships, as_of_date, code_labels, code_order, codes_of, empty_frame, facts_index,
                      group_starts, isin, join_by_code, link_ends, mechanism_memberships, memo, name_of, nunique_by_code,
                      objs, order_codes, org_facts, positions, sort_rank, strs, take, top_by_code)
from ..core.model import Graph

__all__ = ["detect_clusters", "describe_clusters", "chain_alliances", "brokers", "isolated", "link_graph"]

Backend = Literal["auto", "leiden", "louvain"]

_FACT_COLS = ["town_name", "sector", "level", "category"]

#: Leiden iterations on the large components (each iteration: move nodes, refine, aggregate).
LEIDEN_ITERATIONS = 2


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
    return memo(graph, ("clusters.link_graph", ts), lambda: _link_graph(graph, ts))


def _link_graph(graph: Graph, ts: pd.Timestamp) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    mem = mechanism_memberships(graph, ts)  # the collaboration mechanisms
    mm = mem["member"].to_numpy(dtype=object)
    a, b, _ = link_ends(graph, ts)  # the link mechanisms (Pairing): org to org
    oc, orgs = codes_of(np.concatenate([mm, a, b]))
    cc, collabs = codes_of(mem["organization"].to_numpy(dtype=object))
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
    return memo(graph, ("clusters.link_orgs_in_facts", ts, id(facts)),
                 lambda: positions(orgs, facts_index(facts)))


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
        out = empty_frame(cols)
        out.attrs["backend"] = "none"
        return out
    n = len(orgs) + len(collabs)
    labels, used = _communities(n, src, dst, seed=seed, resolution=resolution, backend=backend)
    cl, size = _renumber(labels[: len(orgs)])
    order = np.lexsort((np.arange(len(orgs)), cl))  # by cluster, then org id (orgs are sorted)
    facts = org_facts(graph, ts)
    pos = _link_orgs_in_facts(graph, ts, orgs, facts)[order]
    data: dict[str, Any] = {"org_id": objs(orgs[order]),
                            "name": objs(take(facts["name"], pos, np.nan)),
                            "cluster": cl[order], "cluster_size": size[order]}
    for c in _FACT_COLS:
        data[c] = objs(take(facts[c], pos, np.nan))
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
        return empty_frame(cols)
    model = graph.model
    ids = clusters_df["org_id"].to_numpy(dtype=object)
    keys, g = np.unique(clusters_df["cluster"].to_numpy(), return_inverse=True)
    g = g.ravel().astype(np.int64)
    k = len(keys)
    facts = org_facts(graph, ts)
    fp = positions(ids, facts_index(facts))

    def fact(col: str) -> np.ndarray:
        return take(facts[col], fp, np.nan)

    size = np.bincount(g, minlength=k)
    weak = np.where(fp >= 0, facts["weak"].to_numpy(dtype=bool)[np.maximum(fp, 0)], False)
    strong = np.where(fp >= 0, facts["strong"].to_numpy(dtype=bool)[np.maximum(fp, 0)], False)
    town, sector, level = fact("town_name"), fact("sector"), fact("level")
    out = pd.DataFrame({"cluster": keys, "size": size.astype(np.int64)})

    # collaborations: majority cluster of their members
    mem = active_memberships(graph, ts)
    mpos = positions(mem["member"], ids)
    cname = mem["collab_name"].to_numpy(dtype=object)
    hit = (mpos >= 0) & ~pd.isna(cname)
    collaborations = np.zeros(k, dtype=np.int64)
    collab_names = np.full(k, "", dtype=object)
    if hit.any():
        oc, _ = codes_of(mem["organization"].to_numpy(dtype=object)[hit])
        mg = g[mpos[hit]]
        names = cname[hit]
        pairs, votes = np.unique(oc * k + mg, return_counts=True)
        po, pg = pairs // k, pairs % k
        order = np.lexsort((pg, -votes, po))  # per collaboration: most members, then the smaller cluster
        home = order[group_starts(po[order])]
        h_org, h_cl = po[home], pg[home]
        first_row = np.full(int(oc.max()) + 1, -1, dtype=np.int64)
        first_row[oc[::-1]] = np.arange(len(oc))[::-1]
        h_name = names[first_row[h_org]]
        o2 = np.lexsort((h_org, sort_rank(h_name), h_cl))
        collaborations = np.bincount(h_cl, minlength=k).astype(np.int64)
        collab_names = join_by_code(h_cl[o2], k, h_name[o2], limit=5, empty="")
    # dominant chain: the chain most of the cluster's orgs work on
    chain = mem["chain"].to_numpy(dtype=object)
    ch_ok = (mpos >= 0) & ~pd.isna(chain)
    dominant = np.full(k, None, dtype=object)
    share = np.full(k, np.nan)
    if ch_ok.any():
        chc, chu = codes_of(chain[ch_ok])
        nch = len(chu)
        org_chain = np.unique(mpos[ch_ok].astype(np.int64) * nch + chc)  # distinct (org, chain)
        cc = g[org_chain // nch] * nch + org_chain % nch
        pairs, n_orgs = np.unique(cc, return_counts=True)
        pc, pch = pairs // nch, pairs % nch
        pname = name_of(graph, "IndustryChain", chu, np.nan)[pch]
        order = np.lexsort((sort_rank(pname), -n_orgs, pc))  # most orgs, then chain name (rows by chain id)
        top = order[group_starts(pc[order])]
        dominant[pc[top]] = pname[top]
        share[pc[top]] = n_orgs[top] / size[pc[top]]
        dominant[pd.isna(dominant)] = None
    out["collaborations"] = collaborations
    out["collab_names"] = strs(collab_names)
    out["dominant_chain"] = objs(dominant)
    out["chain_share"] = share
    out["towns"] = strs(top_by_code(g, k, town))
    out["n_towns"] = nunique_by_code(g, k, town)
    out["sectors"] = strs(top_by_code(g, k, code_labels(model, "sector", sector)))
    out["n_sectors"] = nunique_by_code(g, k, sector)
    out["levels"] = strs(top_by_code(g, k, code_labels(model, "level", level), k=5))
    out["n_levels"] = nunique_by_code(g, k, level)
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
        return empty_frame(cols)
    facts = org_facts(graph, ts)
    fp = positions(mem["member"], facts_index(facts))
    name, sector, level, town = (take(facts[c], fp, np.nan) for c in ("name", "sector", "level", "town"))
    a, alliances = codes_of(mem["organization"].to_numpy(dtype=object))
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
    chain = name_of(graph, "IndustryChain", chain_id, np.nan)
    members = nunique_by_code(a, k, mem["member"])
    n_towns = nunique_by_code(a, k, town)
    lead = (mem["role"] == "lead").to_numpy(dtype=bool)
    lo = np.lexsort((sort_rank(name[lead]), a[lead]))
    lead_names = join_by_code(a[lead][lo], k, name[lead][lo], empty="")
    # stages: every stage of the alliance's chain, covered when a member works on it
    st = graph.tables["ChainStage"]
    grid = pd.DataFrame({"a": np.arange(k), "chain": objs(chain_id)}).merge(
        pd.DataFrame({"chain": objs(st["chain"]), "stage_id": objs(st["id"]), "stage_name": objs(st["name"]),
                      "order": st["order"].astype("float64").to_numpy()}), on="chain", how="inner")
    ga = grid["a"].to_numpy(dtype=np.int64)
    stage = mem["stage"].to_numpy(dtype=object)
    sc, su = codes_of(np.concatenate([grid["stage_id"].to_numpy(dtype=object), stage]), sort=False)
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
    missing_stages = join_by_code(ga[miss][mo], k, grid["stage_name"].to_numpy(dtype=object)[miss][mo], empty="")

    # levels and sectors spanned (labels in declared order), and the expected levels missing
    def spanned(values: np.ndarray, codelist: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        vc, vu = codes_of(values, sort=False)
        ok = vc >= 0
        wv = max(len(vu), 1)
        pairs, at = np.unique(a[ok] * wv + vc[ok], return_index=True)  # distinct (alliance, code)
        pa, pv = pairs // wv, pairs % wv
        r = code_order(model, codelist, vu, missing=np.inf)[pv]
        o = np.lexsort((at, r, pa))
        text = join_by_code(pa[o], k, code_labels(model, codelist, vu[pv[o]]), empty="", plain=True)
        return text, np.bincount(pa, minlength=k).astype(np.int64), pa, vu[pv]

    levels, n_levels, lv_a, lv_code = spanned(level, "level")
    exp = list(order_codes(model, "level", expected_levels))
    exp_zh = code_labels(model, "level", np.array(exp, dtype=object))
    lacks = np.ones((len(exp), k), dtype=bool)
    for i, c in enumerate(exp):
        lacks[i, lv_a[lv_code == c]] = False
    missing_levels = [SEP.join(str(z) for z, lk in zip(exp_zh, col) if lk) for col in lacks.T.tolist()]
    sectors, n_sectors, _, _ = spanned(sector, "sector")
    completeness = np.where(stages_total > 0, stages_covered / np.maximum(stages_total, 1), np.nan)
    out = pd.DataFrame({
        "collab_id": strs(alliances), "name": objs(collab_name), "chain": objs(chain), "members": members,
        "lead_names": strs(lead_names), "stages_total": stages_total, "stages_covered": stages_covered,
        "completeness": completeness, "missing_stages": strs(missing_stages), "levels": strs(levels),
        "n_levels": n_levels, "missing_levels": strs(missing_levels), "sectors": strs(sectors),
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
    mc, mu = codes_of(mem["member"].to_numpy(dtype=object))
    oc, ou = codes_of(mem["organization"].to_numpy(dtype=object), sort=False)
    ok = (mc >= 0) & (oc >= 0)
    w = max(len(ou), 1)
    _, rows = np.unique(mc[ok] * w + oc[ok], return_index=True)  # one row per (member, group): the first
    rows = np.flatnonzero(ok)[np.sort(rows)]
    n_groups_all = np.bincount(mc[rows], minlength=len(mu))
    keep = n_groups_all >= min_groups
    rows = rows[keep[mc[rows]]]
    if not len(rows):
        return empty_frame(cols)
    km = np.flatnonzero(keep)
    K = len(km)
    renum = np.full(len(mu), -1, dtype=np.int64)
    renum[km] = np.arange(K)
    cname = mem["collab_name"].to_numpy(dtype=object)[rows]
    org = oc[rows]
    # rows sorted by member, group name, group id
    o = np.lexsort((sort_rank(ou[org]), sort_rank(cname), mc[rows]))
    g = renum[mc[rows][o]]
    cname, org = cname[o], org[o]
    kind = mem["kind"].to_numpy(dtype=object)[rows][o]
    chain = mem["chain"].to_numpy(dtype=object)[rows][o]
    n_groups = np.bincount(g, minlength=K).astype(np.int64)
    n_kinds = nunique_by_code(g, K, kind)
    n_chains = nunique_by_code(g, K, chain)
    dist = isin(kind, model.collab_kinds(bridges="districts"))
    n_districts = nunique_by_code(np.where(dist, g, -1), K, org)
    groups = join_by_code(g, K, cname, limit=8)
    # kinds, in declared order
    kc, ku = codes_of(kind, sort=False)
    wk = max(len(ku), 1)
    pk, at = np.unique(g * wk + kc, return_index=True)
    r = code_order(model, "collab_kind", ku, missing=np.inf)[pk % wk]
    ko = np.lexsort((at, r, pk // wk))
    kinds = join_by_code((pk // wk)[ko], K, code_labels(model, "collab_kind", ku[(pk % wk)[ko]]), empty=np.nan, plain=True)
    # chains, by name
    has = ~pd.isna(chain)
    cc, cu = codes_of(chain[has], sort=False)
    wc = max(len(cu), 1)
    pch, at = np.unique(g[has] * wc + cc, return_index=True)
    pname = name_of(graph, "IndustryChain", cu, np.nan)[pch % wc]
    co = np.lexsort((at, sort_rank(pname), pch // wc))
    chains = join_by_code((pch // wc)[co], K, pname[co], empty="")
    bridges = np.select([n_chains >= 2, n_districts >= 2, n_kinds >= 2], ["chains", "districts", "mechanisms"],
                        default="groups")
    facts = org_facts(graph, ts)
    fp = positions(mu[km], facts_index(facts))
    out = pd.DataFrame({"org_id": strs(mu[km]), "name": objs(take(facts["name"], fp, np.nan)),
                        "n_groups": n_groups, "groups": strs(groups), "n_kinds": n_kinds, "kinds": strs(kinds),
                        "n_chains": n_chains, "chains": strs(chains), "n_districts": n_districts,
                        "bridges": strs(bridges)})
    for c in _FACT_COLS:
        out[c] = objs(take(facts[c], fp, np.nan))
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

    out = pd.DataFrame({"org_id": objs(f("org_id")), "name": objs(f("name")),
                        "status": strs(np.array(["small_component", "no_link"], dtype=object)[no_link[order].astype(np.intp)]),
                        "component": pd.arrays.IntegerArray(comp[order], no_link[order].copy()),
                        "component_size": pd.array(csize[order], dtype="Int64")})
    for c in _FACT_COLS:
        out[c] = objs(f(c))
    return out[cols]
