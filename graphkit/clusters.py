"""Industry-chain clusters 产业链集群: communities, chain alliances, brokers and isolated orgs.

Community detection runs on the *bipartite* link graph — org nodes, collaboration nodes
(片区 / 联村党组织 / 产业链联盟 / 服务队) joined by active memberships, plus active pairings as
org–org edges — never on the org–org projection, whose cliques explode at province scale (a
76-member alliance alone would make 2,850 edges). Leiden (igraph's C implementation; igraph comes
with the extra ``scale``) is used when installed, else networkx's Louvain; both are seeded, and
cluster ids are renumbered by size (largest first), then by smallest org id, so the same input and
seed give the same table.

Examples
--------
>>> from graphkit._analysis import example_graph
>>> from graphkit import clusters
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

from typing import Any, Literal

import numpy as np
import pandas as pd

from ._analysis import (SEP, active_memberships, active_pairings, as_of_date, code_label, isin, join_names,
                        org_chains, org_facts, order_codes, top_counts)
from .model import Graph

__all__ = ["detect_clusters", "describe_clusters", "chain_alliances", "brokers", "isolated", "link_graph"]

Backend = Literal["auto", "leiden", "louvain"]

_FACT_COLS = ["town_name", "sector", "level", "category"]


def link_graph(graph: Graph, *, as_of: Any = None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The bipartite link graph on a date, as index arrays.

    Returns
    -------
    orgs, collabs, src, dst
        Sorted org ids that have at least one active link, sorted collaboration ids with active
        members, and undirected edges as node indexes (orgs first ``0..len(orgs)-1``, then
        collaborations). Duplicate edges are dropped; edges are sorted.

    Examples
    --------
    >>> from graphkit._analysis import example_graph
    >>> orgs, collabs, src, dst = link_graph(example_graph(), as_of="2024-06-30")
    >>> len(orgs), len(collabs), len(src)  # 11 memberships + 2 active pairings
    (10, 3, 13)
    """
    ts = as_of_date(graph, as_of)
    mem = active_memberships(graph, ts)[["member", "organization"]].drop_duplicates()
    pairs = active_pairings(graph, ts)[["strong", "weak"]]
    a = pairs["strong"].to_numpy(dtype=object)
    b = pairs["weak"].to_numpy(dtype=object)
    orgs = np.array(sorted(set(mem["member"]) | set(a) | set(b)), dtype=object)
    collabs = np.array(sorted(set(mem["organization"])), dtype=object)
    oi = pd.Index(orgs)
    ci = pd.Index(collabs)
    s1 = oi.get_indexer(mem["member"])
    d1 = ci.get_indexer(mem["organization"]) + len(orgs)
    pa = oi.get_indexer(a)
    pb = oi.get_indexer(b)
    s2, d2 = np.minimum(pa, pb), np.maximum(pa, pb)
    e = np.unique(np.column_stack([np.concatenate([s1, s2]), np.concatenate([d1, d2])]).astype(np.int64), axis=0) \
        if len(s1) + len(s2) else np.empty((0, 2), dtype=np.int64)
    return orgs, collabs, e[:, 0], e[:, 1]


def _communities(n: int, src: np.ndarray, dst: np.ndarray, *, seed: int, resolution: float,
                 backend: Backend) -> tuple[np.ndarray, str]:
    """A community label per node (0..n-1) and the backend used."""
    if backend in ("auto", "leiden"):
        try:
            import igraph as ig
        except ImportError:
            if backend == "leiden":
                from .errors import GraphkitError
                raise GraphkitError("Leiden 需要 igraph（pip install 'graphkit[scale]'）/ "
                                    "the Leiden backend needs igraph (install graphkit[scale])") from None
        else:
            import random

            G = ig.Graph(n=n, edges=np.column_stack([src, dst]).tolist(), directed=False)
            # igraph draws from Python's `random` module; use a seeded generator for this call only
            ig.set_random_number_generator(random.Random(int(seed)))
            try:
                part = G.community_leiden(objective_function="modularity", resolution=float(resolution), n_iterations=-1)
            finally:
                ig.set_random_number_generator(random)
            return np.asarray(part.membership, dtype=np.int64), "leiden"
    import networkx as nx
    G = nx.Graph()
    G.add_nodes_from(range(n))
    G.add_edges_from(zip(src.tolist(), dst.tolist()))
    labels = np.empty(n, dtype=np.int64)
    comms = nx.community.louvain_communities(G, resolution=resolution, seed=seed)
    for k, nodes in enumerate(comms):
        labels[list(nodes)] = k
    return labels, "louvain"


def _renumber(raw: np.ndarray, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Renumber labels 1..k by size (desc), then smallest id; return new labels and sizes."""
    d = pd.DataFrame({"raw": raw, "id": ids})
    g = d.groupby("raw").agg(size=("id", "size"), first=("id", "min")).sort_values(
        ["size", "first"], ascending=[False, True], kind="stable")
    new = pd.Series(np.arange(1, len(g) + 1), index=g.index)
    return new.reindex(raw).to_numpy(), g["size"].reindex(raw).to_numpy()


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
    >>> from graphkit._analysis import example_graph
    >>> c = detect_clusters(example_graph(), as_of="2024-06-30", backend="louvain")
    >>> c.loc[c["org_id"] == "v2", "cluster"].item() == c.loc[c["org_id"] == "v1", "cluster"].item()
    True
    """
    ts = as_of_date(graph, as_of)
    orgs, collabs, src, dst = link_graph(graph, as_of=ts)
    cols = ["org_id", "name", "cluster", "cluster_size", *_FACT_COLS]
    if len(orgs) == 0:
        out = pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
        out.attrs["backend"] = "none"
        return out
    n = len(orgs) + len(collabs)
    labels, used = _communities(n, src, dst, seed=seed, resolution=resolution, backend=backend)
    cl, size = _renumber(labels[: len(orgs)], orgs)
    facts = org_facts(graph, ts).set_index("org_id")
    out = pd.DataFrame({"org_id": orgs, "cluster": cl.astype(np.int64), "cluster_size": size.astype(np.int64)})
    out = out.join(facts[["name", *_FACT_COLS]], on="org_id")[cols]
    out = out.sort_values(["cluster", "org_id"], kind="stable").reset_index(drop=True)
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
    >>> from graphkit._analysis import example_graph
    >>> g = example_graph()
    >>> d = describe_clusters(g, detect_clusters(g, as_of="2024-06-30"), as_of="2024-06-30")
    >>> int(d["size"].sum())
    10
    """
    ts = as_of_date(graph, as_of)
    cols = ["cluster", "size", "collaborations", "collab_names", "dominant_chain", "chain_share", "towns", "n_towns",
            "sectors", "n_sectors", "levels", "n_levels", "n_weak", "n_strong"]
    if clusters_df.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
    model = graph.model
    facts = org_facts(graph, ts)
    c = clusters_df[["org_id", "cluster"]].merge(facts, on="org_id", how="left")
    out = c.groupby("cluster").agg(size=("org_id", "size"), n_weak=("weak", "sum"), n_strong=("strong", "sum"),
                                   n_towns=("town_name", "nunique"), n_sectors=("sector", "nunique"),
                                   n_levels=("level", "nunique"))
    c["sector_zh"] = code_label(model, "sector", c["sector"])
    c["level_zh"] = code_label(model, "level", c["level"])
    out["towns"] = top_counts(c, "cluster", "town_name")
    out["sectors"] = top_counts(c, "cluster", "sector_zh")
    out["levels"] = top_counts(c, "cluster", "level_zh", k=5)
    # collaborations: majority cluster of their members
    mem = active_memberships(graph, ts)
    mc = mem[["member", "organization", "collab_name"]].merge(c[["org_id", "cluster"]], left_on="member",
                                                                 right_on="org_id")
    if len(mc):
        votes = mc.groupby(["organization", "collab_name", "cluster"]).size().rename("n").reset_index()
        votes = votes.sort_values(["organization", "n", "cluster"], ascending=[True, False, True], kind="stable")
        home = votes.drop_duplicates("organization").sort_values(["cluster", "collab_name"], kind="stable")
        out["collaborations"] = home.groupby("cluster").size()
        out["collab_names"] = home.groupby("cluster")["collab_name"].agg(lambda s: join_names(s, limit=5))
    else:
        out["collaborations"] = 0
        out["collab_names"] = ""
    # dominant chain: the chain most of the cluster's orgs work on
    oc = org_chains(graph, ts, mem).merge(c[["org_id", "cluster"]], on="org_id")
    if len(oc):
        chain_names = graph.names("IndustryChain")
        cc = oc.groupby(["cluster", "chain"]).size().rename("n").reset_index()
        cc["chain_name"] = cc["chain"].map(chain_names)
        cc = cc.sort_values(["cluster", "n", "chain_name"], ascending=[True, False, True], kind="stable")
        top = cc.drop_duplicates("cluster").set_index("cluster")
        out["dominant_chain"] = top["chain_name"]
        out["chain_share"] = top["n"] / out["size"]
    else:
        out["dominant_chain"] = None
        out["chain_share"] = np.nan
    out["collaborations"] = out["collaborations"].fillna(0).astype(np.int64)
    out["collab_names"] = out["collab_names"].where(out["collab_names"].notna(), "")
    out["dominant_chain"] = out["dominant_chain"].astype(object).where(out["dominant_chain"].notna(), None)
    for k in ("size", "n_weak", "n_strong", "n_towns", "n_sectors", "n_levels"):
        out[k] = out[k].astype(np.int64)
    return out.reset_index()[cols].sort_values("cluster").reset_index(drop=True)


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
    >>> from graphkit._analysis import example_graph
    >>> a = chain_alliances(example_graph(), as_of="2024-06-30")
    >>> a[["levels", "missing_levels", "sectors"]].to_dict("records")
    [{'levels': '市、县、镇、村', 'missing_levels': '', 'sectors': '机关、农村、非公企业、事业单位'}]
    """
    ts = as_of_date(graph, as_of)
    model = graph.model
    cols = ["collab_id", "name", "chain", "members", "lead_names", "stages_total", "stages_covered", "completeness",
            "missing_stages", "levels", "n_levels", "missing_levels", "sectors", "n_sectors", "n_towns"]
    mem = active_memberships(graph, ts)
    mem = mem[mem["kind"] == "chain_alliance"]
    if mem.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
    facts = org_facts(graph, ts).set_index("org_id")
    m = mem.join(facts[["name", "sector", "level", "town"]], on="member")
    chains = graph.names("IndustryChain")
    base = m.groupby("organization").agg(name=("collab_name", "first"), chain_id=("chain", "first"),
                                         members=("member", "nunique"), n_towns=("town", "nunique"))
    base["chain"] = base["chain_id"].map(chains).astype(object)
    leads = m[m["role"] == "lead"].sort_values(["organization", "name"])
    base["lead_names"] = leads.groupby("organization")["name"].agg(join_names)
    # stages
    st = graph.tables["ChainStage"][["id", "name", "chain", "order"]].rename(columns={"id": "stage_id", "name": "stage_name"})
    grid = base[["chain_id"]].reset_index().merge(st, left_on="chain_id", right_on="chain", how="inner")
    covered = m.loc[m["stage"].notna(), ["organization", "stage"]].drop_duplicates()
    covered["has"] = True
    grid = grid.merge(covered, left_on=["organization", "stage_id"], right_on=["organization", "stage"], how="left")
    grid["has"] = grid["has"].fillna(False).astype(bool)
    base["stages_total"] = grid.groupby("organization").size()
    base["stages_covered"] = grid.groupby("organization")["has"].sum()
    miss = grid[~grid["has"]].sort_values(["organization", "order"])
    base["missing_stages"] = miss.groupby("organization")["stage_name"].agg(join_names)
    # levels and sectors spanned
    lv_rank = {c: i for i, c in enumerate(model.codelists["level"].codes)}
    sc_rank = {c: i for i, c in enumerate(model.codelists["sector"].codes)}
    lv = m.loc[m["level"].notna(), ["organization", "level"]].drop_duplicates()
    lv = lv.assign(r=lv["level"].map(lv_rank), zh=code_label(model, "level", lv["level"])).sort_values(["organization", "r"])
    base["levels"] = lv.groupby("organization")["zh"].agg(SEP.join)
    base["n_levels"] = lv.groupby("organization").size()
    have = lv.groupby("organization")["level"].agg(set)
    exp = [c for c in order_codes(model, "level", expected_levels)]
    base["missing_levels"] = [SEP.join(code_label(model, "level", pd.Series([c for c in exp if c not in (have.get(o) or set())], dtype=object)))
                              for o in base.index]
    sc = m.loc[m["sector"].notna(), ["organization", "sector"]].drop_duplicates()
    sc = sc.assign(r=sc["sector"].map(sc_rank), zh=code_label(model, "sector", sc["sector"])).sort_values(["organization", "r"])
    base["sectors"] = sc.groupby("organization")["zh"].agg(SEP.join)
    base["n_sectors"] = sc.groupby("organization").size()
    for k in ("stages_total", "stages_covered", "n_levels", "n_sectors"):
        base[k] = base[k].fillna(0).astype(np.int64)
    for k in ("lead_names", "missing_stages", "levels", "sectors"):
        base[k] = base[k].where(base[k].notna(), "")
    base["completeness"] = np.where(base["stages_total"] > 0, base["stages_covered"] / base["stages_total"].clip(lower=1),
                                    np.nan)
    out = base.reset_index().rename(columns={"organization": "collab_id"})
    return out[cols].sort_values(["chain", "name", "collab_id"], kind="stable", na_position="last").reset_index(drop=True)


def brokers(graph: Graph, *, as_of: Any = None, min_groups: int = 2) -> pd.DataFrame:
    """Orgs that bridge groups: members of ``min_groups`` or more active collaborations.

    ``bridges`` says what they bridge: ``chains`` (alliances of two or more chains), ``districts``
    (two or more 片区), ``mechanisms`` (two or more kinds of group), else ``groups``.

    Returns
    -------
    DataFrame
        ``org_id, name, n_groups, groups, n_kinds, kinds, n_chains, chains, n_districts, bridges,
        town_name, sector, level, category`` sorted by ``n_groups`` (desc), then org id.

    Examples
    --------
    >>> from graphkit._analysis import example_graph
    >>> brokers(example_graph(), as_of="2024-06-30")[["name", "bridges"]].to_dict("records")
    [{'name': '县科协机关党支部', 'bridges': 'mechanisms'}, {'name': '甲村党支部', 'bridges': 'mechanisms'}]
    """
    ts = as_of_date(graph, as_of)
    model = graph.model
    cols = ["org_id", "name", "n_groups", "groups", "n_kinds", "kinds", "n_chains", "chains", "n_districts", "bridges",
            *_FACT_COLS]
    mem = active_memberships(graph, ts)[["member", "organization", "collab_name", "kind", "chain"]].drop_duplicates(
        ["member", "organization"])
    counts = mem.groupby("member")["organization"].nunique()
    keep = counts[counts >= min_groups].index
    m = mem[isin(mem["member"], keep)].sort_values(["member", "collab_name", "organization"])
    if m.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
    g = m.groupby("member")
    out = pd.DataFrame({"n_groups": g["organization"].nunique(), "n_kinds": g["kind"].nunique(),
                        "n_chains": g["chain"].nunique(),
                        "n_districts": m[m["kind"] == "district"].groupby("member")["organization"].nunique()})
    out["n_districts"] = out["n_districts"].fillna(0).astype(np.int64)
    out["groups"] = g["collab_name"].agg(lambda s: join_names(s, limit=8))
    kinds = m[["member", "kind"]].drop_duplicates()
    kinds = kinds.assign(r=kinds["kind"].map({c: i for i, c in enumerate(model.codelists["collab_kind"].codes)}),
                         zh=code_label(model, "collab_kind", kinds["kind"])).sort_values(["member", "r"])
    out["kinds"] = kinds.groupby("member")["zh"].agg(SEP.join)
    ch = m.loc[m["chain"].notna(), ["member", "chain"]].drop_duplicates()
    ch["cname"] = ch["chain"].map(graph.names("IndustryChain"))
    out["chains"] = ch.sort_values(["member", "cname"]).groupby("member")["cname"].agg(join_names)
    out["chains"] = out["chains"].where(out["chains"].notna(), "")
    out["bridges"] = np.select([out["n_chains"] >= 2, out["n_districts"] >= 2, out["n_kinds"] >= 2],
                               ["chains", "districts", "mechanisms"], default="groups")
    facts = org_facts(graph, ts).set_index("org_id")
    out = out.join(facts[["name", *_FACT_COLS]]).rename_axis("org_id").reset_index()
    for k in ("n_groups", "n_kinds", "n_chains"):
        out[k] = out[k].astype(np.int64)
    out = out.sort_values(["n_groups", "n_kinds", "org_id"], ascending=[False, False, True], kind="stable")
    return out[cols].reset_index(drop=True)


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
    >>> from graphkit._analysis import example_graph
    >>> iso = isolated(example_graph(), as_of="2024-06-30")
    >>> iso.groupby("status").size().to_dict()
    {'no_link': 1}
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    ts = as_of_date(graph, as_of)
    facts = org_facts(graph, ts)
    orgs, collabs, src, dst = link_graph(graph, as_of=ts)
    n = len(orgs) + len(collabs)
    cols = ["org_id", "name", "status", "component", "component_size", *_FACT_COLS]
    comp = pd.DataFrame({"org_id": orgs})
    if n:
        adj = coo_matrix((np.ones(len(src)), (src, dst)), shape=(n, n))
        _, lab = connected_components(adj, directed=False)
        new, size = _renumber(lab[: len(orgs)], orgs)
        comp["component"] = new.astype(np.int64)
        comp["component_size"] = size.astype(np.int64)
    else:
        comp["component"] = pd.Series(dtype=np.int64)
        comp["component_size"] = pd.Series(dtype=np.int64)
    f = facts.merge(comp, on="org_id", how="left")
    f["status"] = np.where(f["component"].isna(), "no_link",
                           np.where(f["component_size"] < min_component, "small_component", ""))
    f = f[f["status"] != ""].copy()
    f["component"] = pd.array(f["component"], dtype="Int64")
    f["component_size"] = pd.array(f["component_size"].fillna(1), dtype="Int64")
    f = f.sort_values(["status", "component", "org_id"], kind="stable", na_position="first")
    return f[cols].reset_index(drop=True)
