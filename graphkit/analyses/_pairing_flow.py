"""The min-cost flow behind :func:`graphkit.analyses.pairing.suggest_pairings` at province scale.

:func:`solve_flow` assigns weak orgs to strong-org slots exactly, in named steps:

1. :func:`weak_classes` and :func:`strong_classes` merge interchangeable orgs (same town, level,
   sector when it matters, chains; an org named in a forbidden pair is a class of its own) and
   lay out each strong class's slots by load level;
2. :func:`hubs` keys the nodes through which weak classes reach strong classes by (tier, town,
   chain, level, sector), with arc costs that add up to exactly the pairing cost;
3. :func:`network` numbers the nodes and lays out every arc, including the segment trees
   (:class:`HubTrees`) through which a weak class with a forbidden partner reaches the hub's
   other classes;
4. :func:`min_cost_flow` solves it by the primal-dual method;
5. :func:`follow_units` traces each unit of flow from its weak class to its strong class, and
   :func:`orgs_of_units` turns the units back into (weak org, strong org) pairs.

The objective is lexicographic: the pairing cost first, then the loads of the slots used
(``load + k`` for a strong org's k-th new pair), so less loaded strong orgs come first. Within a
class weak orgs go to the least loaded members first, then in a seeded random order; ties
between classes follow a seeded order of the classes.
"""
from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from .toolkit import SEP, argsort_strings, code_order, codes_of, id_order, isin, join_groups, lookup, objs, rank_in_group
from ..core.schema import Model

__all__ = ["COST_WEIGHTS", "solve_flow", "no_pairs", "weak_classes", "strong_classes", "hubs", "network", "min_cost_flow",
           "follow_units", "orgs_of_units", "Slots", "Hubs", "Network", "HubTrees"]

#: Cost of each missing preference (same town, neighbouring level, shared chain); read-only.
COST_WEIGHTS = MappingProxyType({"town": 4, "level": 2, "chain": 1})

_CLASS_KEYS = ["town", "lv", "sec", "chains", "single"]  # what makes two orgs of one side interchangeable
_HUB_KEYS = ["tier", "town", "chain", "lv", "sec"]
_CHAIN_SEP = "\x1f"  # joins an org's chain codes into one class key


def no_pairs() -> pd.DataFrame:
    """The empty result: no ``weak_id, strong_id`` pair."""
    return pd.DataFrame({"weak_id": pd.Series(dtype=object), "strong_id": pd.Series(dtype=object)})


def chain_keys(chains: pd.DataFrame, ids: np.ndarray) -> np.ndarray:
    """Each org's set of chains as one text key (its chains' small integer codes, sorted, joined).

    Parameters
    ----------
    chains
        ``org_id, chain`` rows (:func:`graphkit.analyses.toolkit.org_chains`).
    ids
        The org ids wanted.

    Returns
    -------
    ndarray
        One key per id (``""`` for an org on no chain), whatever text the chain ids hold.
    """
    code = codes_of(chains["chain"], sort=False)[0].astype(str).astype(object)
    sel = isin(chains["org_id"], ids)
    org = chains["org_id"].to_numpy(dtype=object)[sel]
    chain = code[sel]
    if not len(org):
        return np.full(len(ids), "", dtype=object)
    o = argsort_strings(org, chain)  # sorted by (org, chain code), as sort_values would
    k, t = join_groups(org[o], chain[o])
    return lookup(ids, k, np.array([x.replace(SEP, _CHAIN_SEP) for x in t], dtype=object), default="")


def _class_frame(orgs: pd.DataFrame, chains: pd.DataFrame, model: Model, *, id_col: str, same_sector: bool,
                 singles: set[Any], missing_level: int, missing_sector: str) -> pd.DataFrame:
    """One side's orgs with the class keys (``_CLASS_KEYS``) that make two of them interchangeable.

    ``missing_level`` and ``missing_sector`` are the fill values for a missing level or sector; each
    side keeps its own.
    """
    ids = orgs["org_id"].to_numpy(dtype=object)
    sector = orgs["sector"].fillna(missing_sector) if same_sector else np.full(len(orgs), "*", dtype=object)
    return pd.DataFrame({id_col: objs(ids), "town": objs(orgs["town"].fillna("")),
                         "lv": code_order(model, "level", orgs["level"], missing=missing_level).astype(np.int64),
                         "sec": objs(sector), "chains": objs(chain_keys(chains, ids)),
                         "single": objs(np.where(isin(ids, singles), ids, ""))})


def weak_classes(weak: pd.DataFrame, chains: pd.DataFrame, model: Model, *, same_sector: bool,
                 singles: set[Any]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Merge interchangeable weak orgs into weak classes.

    Parameters
    ----------
    weak
        The weak orgs' facts (``org_id, town, level, sector``), by id.
    chains
        ``org_id, chain`` rows.
    model
        The schema (level code order).
    same_sector
        Whether the sector is part of the class key.
    singles
        Weak org ids named in a forbidden pair: each a class of its own.

    Returns
    -------
    W, WC
        ``W``: one row per weak org (``w_id``, the class keys, ``wc`` its class); ``WC``: one row
        per class in class order (``wc``, the keys, ``n`` its number of orgs).
    """
    W = _class_frame(weak, chains, model, id_col="w_id", same_sector=same_sector, singles=singles,
                     missing_level=-99, missing_sector="\x00")
    W["wc"] = W.groupby(_CLASS_KEYS, sort=True).ngroup().to_numpy()
    WC = W.drop_duplicates("wc").sort_values("wc")[["wc", *_CLASS_KEYS]].reset_index(drop=True)
    WC["n"] = np.bincount(W["wc"].to_numpy(), minlength=len(WC))
    return W, WC


@dataclass(frozen=True)
class Slots:
    """The strong orgs' free slots: one per unit of spare capacity, at load level ``load + k``.

    Attributes
    ----------
    org, level, cls
        Per slot: its strong org's row in ``S``, its load level (capped at 99) and its class.
    lv_cls, lv, lv_n
        Per distinct (class, load level): the class, the level and how many slots it has.
    big
        One point of pairing cost in flow units: more than every load term together.
    """

    org: np.ndarray
    level: np.ndarray
    cls: np.ndarray
    lv_cls: np.ndarray
    lv: np.ndarray
    lv_n: np.ndarray
    big: int


def strong_classes(strong: pd.DataFrame, chains: pd.DataFrame, model: Model, *, same_sector: bool, singles: set[Any],
                   rng: np.random.Generator, n_weak: int) -> tuple[pd.DataFrame, pd.DataFrame, Slots]:
    """Merge interchangeable strong orgs into classes (numbered in a seeded order) and lay out their slots.

    Parameters
    ----------
    strong
        The strong orgs' facts with ``load``, ``spare`` and ``jitter``, by id.
    chains
        ``org_id, chain`` rows.
    model
        The schema (level code order).
    same_sector
        Whether the sector is part of the class key.
    singles
        Strong org ids named in a forbidden pair: each a class of its own.
    rng
        The seeded generator (ties between classes follow its permutation of them).
    n_weak
        The number of weak orgs (scales one point of pairing cost above every load term).

    Returns
    -------
    S, C, slots
        ``S``: one row per strong org (``s_id``, keys, ``spare``, ``load``, ``jitter``, ``c``);
        ``C``: one row per class in class order; ``slots``: :class:`Slots`.
    """
    S = _class_frame(strong, chains, model, id_col="s_id", same_sector=same_sector, singles=singles,
                     missing_level=-999, missing_sector="\x01")
    for col in ("spare", "load", "jitter"):
        S[col] = strong[col].to_numpy(dtype=np.int64)
    g0 = S.groupby(_CLASS_KEYS, sort=True).ngroup().to_numpy()
    perm = rng.permutation(int(g0.max()) + 1)
    S["c"] = perm[g0]
    C = S.drop_duplicates("c").sort_values("c")[["c", *_CLASS_KEYS]].reset_index(drop=True)
    # slots: the k-th new pair of a strong org sits at level load + k (capped like the matrix method)
    spare = S["spare"].to_numpy()
    slot_s = np.repeat(np.arange(len(S)), spare)
    slot_lvl = np.minimum(S["load"].to_numpy()[slot_s] + rank_in_group(slot_s), 99)
    slot_c = S["c"].to_numpy()[slot_s]
    cl, cl_n = np.unique(slot_c.astype(np.int64) * 100 + slot_lvl, return_counts=True)
    cl_lvl = cl % 100
    max_lvl = int(cl_lvl.max()) if len(cl_lvl) else 0
    return S, C, Slots(org=slot_s, level=slot_lvl, cls=slot_c, lv_cls=cl // 100, lv=cl_lvl, lv_n=cl_n,
                       big=max_lvl * n_weak + 1)


@dataclass(frozen=True)
class Hubs:
    """The hub nodes and the arcs into and out of them.

    Attributes
    ----------
    keys
        One row per hub: ``tier`` (A same town, B same town and chain, C anywhere, D same chain),
        ``town``, ``chain``, ``lv``, ``sec`` and ``h`` its number.
    class_of, hub_of
        The (strong class, hub) pairs: which hubs each class sits in.
    w_cls, w_hub, w_cost
        The (weak class, hub) arcs and their cost (the pairing cost in flow units).
    """

    keys: pd.DataFrame
    class_of: np.ndarray
    hub_of: np.ndarray
    w_cls: np.ndarray
    w_hub: np.ndarray
    w_cost: np.ndarray


def _by_chain(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per (class, chain) of the classes on a chain."""
    f = frame[frame["chains"] != ""]
    return f.assign(chain=f["chains"].str.split(_CHAIN_SEP)).explode("chain")


def hubs(WC: pd.DataFrame, C: pd.DataFrame, *, big: int) -> Hubs:
    """The hubs through which weak classes reach strong classes, costed so a path costs the pairing cost.

    A strong class sits in the hubs (A, its town), (B, its town and each chain), (C, anywhere) and
    (D, each chain), each at its level and sector. A weak class reaches the hubs of its sector
    with the same town or chain: the cost is 4 unless the tier holds the town (A, B), plus 2 when
    the hub's level is not next to the weak org's, plus 1 unless the tier holds a chain (B, D).

    Parameters
    ----------
    WC, C
        The weak classes and the strong classes (:func:`weak_classes`, :func:`strong_classes`).
    big
        One point of pairing cost in flow units.
    """
    hk = _HUB_KEYS
    Ct = C[C["town"] != ""]
    CH = pd.concat([Ct.assign(tier="A", chain="")[["c", *hk]], _by_chain(Ct).assign(tier="B")[["c", *hk]],
                    C.assign(tier="C", town="", chain="")[["c", *hk]],
                    _by_chain(C).assign(tier="D", town="")[["c", *hk]]], ignore_index=True)
    H = CH[hk].drop_duplicates().reset_index(drop=True)
    H["h"] = np.arange(len(H))
    CH = CH.merge(H, on=hk)[["c", "h"]]
    Wt = WC[WC["town"] != ""]
    Hh = {t: H[H["tier"] == t].rename(columns={"lv": "hlv"}) for t in "ABCD"}
    wcols = ["wc", "town", "lv", "sec"]
    WH = pd.concat([
        Wt[wcols].merge(Hh["A"], on=["town", "sec"]),
        _by_chain(Wt)[[*wcols, "chain"]].merge(Hh["B"], on=["town", "chain", "sec"]),
        WC[["wc", "lv", "sec"]].merge(Hh["C"], on="sec"),
        _by_chain(WC)[["wc", "lv", "sec", "chain"]].merge(Hh["D"], on=["chain", "sec"]),
    ], ignore_index=True)[["wc", "h", "tier", "lv", "hlv"]]
    far = (WH["lv"] - WH["hlv"]).abs().to_numpy() > 1
    tier = WH["tier"].to_numpy(dtype=object)
    prim = (COST_WEIGHTS["town"] * np.isin(tier, ["C", "D"]) + COST_WEIGHTS["level"] * far
            + COST_WEIGHTS["chain"] * np.isin(tier, ["A", "C"]))
    return Hubs(keys=H, class_of=CH["c"].to_numpy(), hub_of=CH["h"].to_numpy(), w_cls=WH["wc"].to_numpy(),
                w_hub=WH["h"].to_numpy(), w_cost=prim.astype(np.int64) * big)


class HubTrees:
    """Segment trees over each hub's singleton classes (classes of orgs named in a forbidden pair).

    A tree node covers a range of a hub's singleton classes, in class order; a leaf is the class
    itself, referred to as ``-(c + 1)`` until the class nodes are numbered (:meth:`Network.node`).
    A weak class forbidden from some of a hub's classes reaches the others through the few tree
    nodes covering the allowed ranges (:meth:`cover`).

    Parameters
    ----------
    members
        Hub → its singleton classes (sorted in place).
    first_node
        The number of the first tree node; :attr:`next_node` is one past the last.
    """

    def __init__(self, members: dict[int, list[int]], first_node: int) -> None:
        self.members = members
        self.next_node = first_node
        self.node_of: dict[tuple[int, int, int], int] = {}
        self.tails: list[int] = []   # parent → child arcs
        self.heads: list[int] = []
        self.roots: dict[int, int] = {}
        self.where: dict[int, dict[int, int]] = {}  # hub → class → its position among the hub's singletons
        for h, cls in members.items():
            cls.sort()
            self.where[h] = {c: j for j, c in enumerate(cls)}
            self.roots[h] = self._build(h, 0, len(cls))

    def _build(self, h: int, lo: int, hi: int) -> int:
        cls = self.members[h]
        if hi - lo == 1:
            return -(cls[lo] + 1)
        node = self.next_node
        self.next_node += 1
        self.node_of[(h, lo, hi)] = node
        mid = (lo + hi) // 2
        for a, b in ((lo, mid), (mid, hi)):
            child = self._build(h, a, b)  # (numbers the subtree first, then the arc node → child)
            self.tails.append(node)
            self.heads.append(child)
        return node

    def cover(self, h: int, qlo: int, qhi: int, lo: int = 0, hi: int | None = None) -> list[int]:
        """The tree nodes (or leaves) that together cover hub ``h``'s singletons ``qlo … qhi - 1``."""
        if hi is None:
            hi = len(self.members[h])
        if qhi <= lo or hi <= qlo:
            return []
        if qlo <= lo and hi <= qhi:
            return [self.node_of[(h, lo, hi)] if hi - lo > 1 else -(self.members[h][lo] + 1)]
        mid = (lo + hi) // 2
        return self.cover(h, qlo, qhi, lo, mid) + self.cover(h, qlo, qhi, mid, hi)


@dataclass(frozen=True)
class Network:
    """The flow network: arcs and the numbering of its nodes.

    Node 0 is the source; then the weak classes (from ``off_wc``), the hubs (from ``off_h``), the
    hubs' "normal part" nodes (``norm_node``, -1 where a hub needs none), the tree nodes, the
    strong classes (from ``off_c``), the per-level nodes of classes with several slot levels, and
    the sink.
    """

    tail: np.ndarray
    head: np.ndarray
    cap: np.ndarray
    cost: np.ndarray
    n_nodes: int
    sink: int
    off_wc: int
    n_wc: int
    off_h: int
    n_h: int
    norm_node: np.ndarray
    off_c: int
    n_c: int


class _Arcs:
    """Arcs collected in groups of arrays (tail, head, capacity, cost)."""

    def __init__(self) -> None:
        self.parts: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []

    def add(self, t: Any, h: Any, cap: Any, cost: Any) -> None:
        tt = np.asarray(t, dtype=np.int64)
        self.parts.append((tt, np.asarray(h, dtype=np.int64), np.broadcast_to(np.asarray(cap, dtype=np.int64), tt.shape),
                           np.broadcast_to(np.asarray(cost, dtype=np.int64), tt.shape)))

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        t, h, cap, cost = (np.concatenate([p[i] for p in self.parts]) for i in range(4))
        return t, h, cap.astype(np.int64), cost.astype(np.float64)


def network(W: pd.DataFrame, WC: pd.DataFrame, S: pd.DataFrame, C: pd.DataFrame, slots: Slots, hb: Hubs,
            forbidden: pd.DataFrame, *, n_weak: int) -> Network:
    """Number the nodes and lay out every arc of the pairing network.

    Parameters
    ----------
    W, WC, S, C, slots
        The classes (:func:`weak_classes`, :func:`strong_classes`).
    hb
        The hubs (:func:`hubs`).
    forbidden
        ``w, s`` pairs never to make (both orgs candidates).
    n_weak
        The number of weak orgs (the flow to send).

    Returns
    -------
    Network
        Arcs: source → weak class (its size); weak class → sink at the "no partner" cost; weak
        class → hub at the pairing cost (or, for a weak class forbidden from some of the hub's
        classes, to the hub's normal part and the tree nodes of the allowed ranges); hub → its
        classes; class → sink by slot level, at the level's cost.
    """
    nwc, nc, nh = len(WC), len(C), len(hb.keys)
    big = slots.big
    wh_wc, wh_h, wh_cost = hb.w_cls, hb.w_hub, hb.w_cost
    off_wc, off_h = 1, 1 + nwc
    nxt = off_h + nh
    c_single = (C["single"] != "").to_numpy()
    ch_c, ch_h = hb.class_of, hb.hub_of
    hub_has_single = np.zeros(nh, dtype=bool)
    hub_has_single[ch_h[c_single[ch_c]]] = True
    hub_has_norm = np.zeros(nh, dtype=bool)
    hub_has_norm[ch_h[~c_single[ch_c]]] = True
    norm_node = np.full(nh, -1, dtype=np.int64)
    mk = hub_has_single & hub_has_norm        # a hub with both kinds of classes gets a node for its normal part
    norm_node[mk] = nxt + np.arange(int(mk.sum()))
    nxt += int(mk.sum())

    single_members: dict[int, list[int]] = {}
    for c, h in zip(ch_c[c_single[ch_c]].tolist(), ch_h[c_single[ch_c]].tolist()):
        single_members.setdefault(h, []).append(c)
    trees = HubTrees(single_members, nxt)
    nxt = trees.next_node

    # forbidden pairs: a weak singleton class reaches a hub holding one of its forbidden classes
    # through the hub's normal part and the allowed ranges of its singleton classes
    f_wc = lookup(forbidden["w"], W["w_id"], W["wc"].to_numpy(), -1).astype(np.int64)
    f_c = lookup(forbidden["s"], S["s_id"], S["c"].to_numpy(), -1).astype(np.int64)
    both = (f_wc >= 0) & (f_c >= 0)
    fbc = pd.DataFrame({"wc": f_wc[both], "c": f_c[both]}).drop_duplicates()
    extra_t: list[int] = []
    extra_h: list[int] = []
    extra_cost: list[int] = []
    drop = np.zeros(len(wh_wc), dtype=bool)
    if len(fbc):
        pairs = np.unique(fbc["wc"].to_numpy() * (nc + 1) + fbc["c"].to_numpy())
        p_wc, p_c = pairs // (nc + 1), pairs % (nc + 1)
        cut = np.flatnonzero(np.r_[True, p_wc[1:] != p_wc[:-1]])
        bad_c = {w: set(cs.tolist()) for w, cs in zip(p_wc[cut].tolist(), np.split(p_c, cut[1:]))}
        cand = np.flatnonzero(np.isin(wh_wc, list(bad_c)) & hub_has_single[wh_h])
        for i in cand.tolist():
            wc, h = int(wh_wc[i]), int(wh_h[i])
            where = trees.where[h]
            bad = sorted(where[c] for c in bad_c[wc] if c in where)
            if not bad:
                continue
            drop[i] = True
            targets = [norm_node[h]] if hub_has_norm[h] else []
            lo = 0
            for j in [*bad, len(single_members[h])]:
                targets += trees.cover(h, lo, j)
                lo = j + 1
            for tnode in targets:
                extra_t.append(off_wc + wc)
                extra_h.append(int(tnode))
                extra_cost.append(int(wh_cost[i]))

    off_c = nxt
    nxt += nc
    cl_c, cl_n, cl_lvl = slots.lv_cls, slots.lv_n, slots.lv
    multi = np.bincount(cl_c, minlength=nc) > 1        # classes with several slot levels get one node per level
    lvl_node = np.full(len(cl_c), -1, dtype=np.int64)
    lvl_node[multi[cl_c]] = nxt + np.arange(int(multi[cl_c].sum()))
    nxt += int(multi[cl_c].sum())
    sink = nxt
    n_nodes = sink + 1

    def node(x: Any) -> np.ndarray:
        """Tree references: -(c + 1) is class c."""
        x = np.asarray(x, dtype=np.int64)
        return np.where(x < 0, off_c + (-x - 1), x)

    size = WC["n"].to_numpy()
    arcs = _Arcs()
    arcs.add(np.zeros(nwc), off_wc + np.arange(nwc), size, 0)                                 # source → weak class
    arcs.add(off_wc + np.arange(nwc), np.full(nwc, sink), size, 100 * big)                     # left without partner
    arcs.add(off_wc + wh_wc[~drop], off_h + wh_h[~drop], size[wh_wc[~drop]], wh_cost[~drop])
    if extra_t:
        # one class can be reached through several hubs: keep the cheapest arc
        ex = pd.DataFrame({"t": extra_t, "h": node(extra_h), "cost": extra_cost})
        ex = ex.sort_values(["t", "h", "cost"], kind="stable").drop_duplicates(["t", "h"])
        et = ex["t"].to_numpy(dtype=np.int64)
        arcs.add(et, ex["h"].to_numpy(dtype=np.int64), size[et - off_wc], ex["cost"].to_numpy(dtype=np.int64))
    hub_node_for_norm = np.where(norm_node >= 0, norm_node, off_h + np.arange(nh))
    nsel = ~c_single[ch_c]
    arcs.add(hub_node_for_norm[ch_h[nsel]], off_c + ch_c[nsel], n_weak, 0)                    # hub → its classes
    if mk.any():
        arcs.add(off_h + np.flatnonzero(mk), norm_node[mk], n_weak, 0)
    if trees.roots:
        rh = np.fromiter(trees.roots.keys(), dtype=np.int64, count=len(trees.roots))
        arcs.add(off_h + rh, node(list(trees.roots.values())), n_weak, 0)
    if trees.tails:
        arcs.add(trees.tails, node(trees.heads), n_weak, 0)
    one = ~multi[cl_c]
    arcs.add(off_c + cl_c[one], np.full(int(one.sum()), sink), cl_n[one], cl_lvl[one])        # class → sink by level
    arcs.add(off_c + cl_c[~one], lvl_node[~one], cl_n[~one], cl_lvl[~one])
    arcs.add(lvl_node[~one], np.full(int((~one).sum()), sink), cl_n[~one], 0)
    tail, head, cap, cost = arcs.arrays()
    return Network(tail=tail, head=head, cap=cap, cost=cost, n_nodes=n_nodes, sink=sink, off_wc=off_wc, n_wc=nwc,
                   off_h=off_h, n_h=nh, norm_node=norm_node, off_c=off_c, n_c=nc)


def min_cost_flow(tail: np.ndarray, head: np.ndarray, cap: np.ndarray, cost: np.ndarray, *, n_nodes: int, sink: int,
                  demand: int) -> np.ndarray:
    """A minimum-cost flow of ``demand`` units from node 0 to ``sink``, by the primal-dual method.

    Per round one shortest-path search with node potentials (``scipy.sparse.csgraph.dijkstra``
    on the reduced costs of the residual arcs) and one maximum flow on the arcs of zero reduced
    cost (``maximum_flow``); the costs are small integers, so a handful of rounds suffice.

    Parameters
    ----------
    tail, head, cap, cost
        The arcs (no two with the same tail and head; integer costs, non-negative).
    n_nodes
        The number of nodes.
    sink
        The sink node (the source is node 0).
    demand
        The units to send (the network must be able to carry them all).

    Returns
    -------
    ndarray
        The flow on each arc.

    Raises
    ------
    RuntimeError
        The network breaks its promises (parallel arcs, an unreachable sink, too many rounds):
        a bug, never bad input.
    """
    from scipy.sparse import coo_array
    from scipy.sparse.csgraph import dijkstra, maximum_flow

    key = tail * n_nodes + head
    korder = np.argsort(key, kind="stable")
    ksorted = key[korder]
    if len(ksorted) > 1 and (ksorted[1:] == ksorted[:-1]).any():  # pragma: no cover - arcs are unique by construction
        raise RuntimeError("parallel arcs in the pairing network")
    flow = np.zeros(len(tail), dtype=np.int64)
    pi = np.zeros(n_nodes)
    total = 0
    for _round in range(10_000):
        if total >= demand:
            break
        fm = flow < cap
        bm = flow > 0
        rt = np.concatenate([tail[fm], head[bm]])
        rh = np.concatenate([head[fm], tail[bm]])
        rc = np.concatenate([cost[fm] + pi[tail[fm]] - pi[head[fm]], -cost[bm] + pi[head[bm]] - pi[tail[bm]]])
        rc = np.maximum(rc, 0.0)  # exact integers; guards -0.0
        G = coo_array((rc, (rt, rh)), shape=(n_nodes, n_nodes)).tocsr()
        d = dijkstra(G, directed=True, indices=0)
        dt = d[sink]
        if not np.isfinite(dt):  # pragma: no cover - the "no partner" arcs always reach the sink
            raise RuntimeError("pairing network: the sink is unreachable")
        d = np.minimum(d, dt)
        pi += d
        adm = (rc + d[rt] - d[rh]) == 0
        rcap = np.concatenate([cap[fm] - flow[fm], flow[bm]])[adm]
        A = coo_array((rcap.astype(np.int32), (rt[adm], rh[adm])), shape=(n_nodes, n_nodes)).tocsr()
        mf = maximum_flow(A, 0, sink)
        if mf.flow_value <= 0:  # pragma: no cover - a shortest path always carries flow
            raise RuntimeError("pairing network: no augmenting flow")
        F = mf.flow.tocoo()
        fk = F.row.astype(np.int64) * n_nodes + F.col.astype(np.int64)
        pos = np.searchsorted(ksorted, fk)
        pos = np.minimum(pos, len(ksorted) - 1)
        hit = (ksorted[pos] == fk) & (F.data != 0)
        np.add.at(flow, korder[pos[hit]], F.data[hit].astype(np.int64))
        total += int(mf.flow_value)
    else:  # pragma: no cover
        raise RuntimeError("pairing network: too many rounds")
    if (flow < 0).any() or (flow > cap).any():  # pragma: no cover - a maximum flow respects capacities
        raise RuntimeError("pairing network: infeasible flow")
    return flow


def follow_units(net: Network, flow: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Trace each unit of flow from its weak class to the strong class it reaches.

    The inner nodes (hubs, normal parts, tree nodes) are visited in topological order (their
    depth below the weak classes); at each, the units arriving are handed on along its outgoing
    arcs with flow, in node order.

    Returns
    -------
    unit_wc, unit_c
        Per unit: its weak class and its strong class (empty when nothing was paired).
    """
    tail, head = net.tail, net.head
    off_wc, nwc, off_h, nh, off_c, nc, n_nodes = net.off_wc, net.n_wc, net.off_h, net.n_h, net.off_c, net.n_c, net.n_nodes
    depth = np.full(n_nodes, -1, dtype=np.int64)
    depth[off_wc:off_wc + nwc] = 0
    depth[off_h:off_h + nh] = 1
    depth[net.norm_node[net.norm_node >= 0]] = 2
    is_class = np.zeros(n_nodes, dtype=bool)
    is_class[off_c:off_c + nc] = True
    used = flow > 0
    ut, uh, uf = tail[used], head[used], flow[used]
    inner = (ut != 0) & (uh != net.sink) & ~is_class[ut]   # weak class → hub / tree nodes → class
    ut, uh, uf = ut[inner], uh[inner], uf[inner]
    # tree nodes: depth after their parent; resolve by relaxation (the trees are shallow)
    for _ in range(n_nodes + 1):
        known = depth[ut] >= 0
        upd = known & (depth[uh] < depth[ut] + 1) & ~is_class[uh]
        if not upd.any():
            break
        np.maximum.at(depth, uh[upd], depth[ut[upd]] + 1)
    if (depth[ut] < 0).any():  # pragma: no cover - every inner node is reached from a weak class
        raise RuntimeError("pairing network: a node carrying flow has no depth")
    tok_node = np.repeat(uh[depth[ut] == 0], uf[depth[ut] == 0])
    tok_wc = np.repeat(ut[depth[ut] == 0] - off_wc, uf[depth[ut] == 0])
    done_node: list[np.ndarray] = []
    done_wc: list[np.ndarray] = []
    for dep in range(1, int(depth.max()) + 1):
        at_c = is_class[tok_node]
        done_node.append(tok_node[at_c])
        done_wc.append(tok_wc[at_c])
        tok_node, tok_wc = tok_node[~at_c], tok_wc[~at_c]
        here = depth[tok_node] == dep
        hn, hw = tok_node[here], tok_wc[here]
        o = np.lexsort((hw, hn))
        hn, hw = hn[o], hw[o]
        sel = depth[ut] == dep
        a_t, a_h, a_f = ut[sel], uh[sel], uf[sel]
        o = np.lexsort((a_h, a_t))
        new_node = np.repeat(a_h[o], a_f[o])
        if not np.array_equal(np.repeat(a_t[o], a_f[o]), hn):  # pragma: no cover - flow conservation
            raise RuntimeError("pairing network: flows do not balance")
        tok_node = np.concatenate([tok_node[~here], new_node])
        tok_wc = np.concatenate([tok_wc[~here], hw])
    done_node.append(tok_node)
    done_wc.append(tok_wc)
    unit_c = np.concatenate(done_node) - off_c
    unit_wc = np.concatenate(done_wc)
    if len(unit_c) and ((unit_c < 0).any() or (unit_c >= nc).any()):  # pragma: no cover
        raise RuntimeError("pairing network: a unit did not reach a class")
    return unit_wc, unit_c


def orgs_of_units(W: pd.DataFrame, S: pd.DataFrame, slots: Slots, unit_wc: np.ndarray, unit_c: np.ndarray, *,
                  n_wc: int, n_c: int) -> pd.DataFrame:
    """Turn units (weak class → strong class) into pairs of orgs.

    A weak class's orgs, in id order, take its units in class order; a class's slots are taken
    lowest level first, then by the seeded jitter, then by id.

    Returns
    -------
    DataFrame
        ``weak_id, strong_id``, one row per unit.
    """
    o = np.lexsort((unit_c, unit_wc))
    unit_c, unit_wc = unit_c[o], unit_wc[o]
    Wo = W.sort_values(["wc", "w_id"], kind="stable")
    start = np.searchsorted(Wo["wc"].to_numpy(), np.arange(n_wc))
    unit_w = Wo["w_id"].to_numpy(dtype=object)[start[unit_wc] + rank_in_group(unit_wc)]
    s_ids = S["s_id"].to_numpy(dtype=object)
    s_rank = id_order(s_ids)  # the ids' string order, as integers
    so = np.lexsort((s_rank[slots.org], S["jitter"].to_numpy()[slots.org], slots.level, slots.cls))
    slot_c_s, slot_sid = slots.cls[so], s_ids[slots.org[so]]
    cstart = np.searchsorted(slot_c_s, np.arange(n_c))
    a = pd.DataFrame({"c": unit_c, "w": unit_w}).sort_values(["c", "w"], kind="stable")
    ac = a["c"].to_numpy()
    return pd.DataFrame({"weak_id": a["w"].to_numpy(dtype=object), "strong_id": slot_sid[cstart[ac] + rank_in_group(ac)]})


def solve_flow(weak: pd.DataFrame, strong: pd.DataFrame, chains: pd.DataFrame, forbidden: pd.DataFrame, *,
               same_sector: bool, model: Model, seed: int) -> pd.DataFrame:
    """Min-cost flow on a compact network; ``weak_id, strong_id`` of the assigned weak orgs.

    Parameters
    ----------
    weak
        The unpaired weak orgs' facts, by id.
    strong
        The strong orgs with spare capacity: facts with ``load``, ``spare`` and ``jitter``, by id.
    chains
        ``org_id, chain`` rows.
    forbidden
        ``w, s`` pairs never to make.
    same_sector
        Only pair orgs of the same sector.
    model
        The schema.
    seed
        Seeds the order of the strong classes (ties between them).
    """
    nw = len(weak)
    if nw == 0 or len(strong) == 0:
        return no_pairs()
    rng = np.random.default_rng(seed)
    W, WC = weak_classes(weak, chains, model, same_sector=same_sector, singles=set(forbidden["w"]))
    S, C, slots = strong_classes(strong, chains, model, same_sector=same_sector, singles=set(forbidden["s"]), rng=rng,
                                 n_weak=nw)
    hb = hubs(WC, C, big=slots.big)
    net = network(W, WC, S, C, slots, hb, forbidden, n_weak=nw)
    flow = min_cost_flow(net.tail, net.head, net.cap, net.cost, n_nodes=net.n_nodes, sink=net.sink, demand=nw)
    unit_wc, unit_c = follow_units(net, flow)
    if not len(unit_c):
        return no_pairs()
    return orgs_of_units(W, S, slots, unit_wc, unit_c, n_wc=net.n_wc, n_c=net.n_c)
