"""The steps of :func:`graphkit.analyses.pairing.suggest_pairings`.

1. :func:`candidates`: who may be paired — the unpaired weak orgs and the strong orgs with spare
   capacity (their load, spare slots and seeded jitter), with every org's industry chains;
2. :func:`constraints`: the pairs never to suggest — the user's forbidden pairs (ids or exact
   names, both orders) and, by default, former partners;
3. :func:`assign`: the optimal assignment itself, by the Hungarian method on the full cost
   matrix (:func:`solve_matrix`, small cases) or by the min-cost flow of
   :mod:`graphkit.analyses._pairing_flow` (large cases); both exact;
4. :func:`suggestion_table`: one row per weak org with its partner, the cost, the three
   preferences met and the reason in Chinese.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from collections.abc import Iterable

import numpy as np
import pandas as pd

from ._pairing_flow import COST_WEIGHTS, solve_flow
from .toolkit import (active_memberships, code_label, code_order, codes_of, facts_index, isin, join_groups, lookup,
                      org_chains, positions, rank_in_group, take)
from ..core.errors import GraphkitError
from ..core.model import Graph
from ..core.schema import Model
from ..core.settings import threshold

__all__ = ["Candidates", "candidates", "constraints", "assign", "solve_matrix", "suggestion_table",
           "SUGGESTION_COLUMNS", "COST_WEIGHTS"]

#: The columns of :func:`suggestion_table`, in order.
SUGGESTION_COLUMNS = ["weak_id", "weak_name", "strong_id", "strong_name", "cost", "same_town", "neighbouring_level",
                      "shared_chain", "load", "capacity", "reason", "weak_town", "strong_town"]

_SECONDARY = 2_000      # bound on the secondary cost of one pair (forbidden-class penalty, load, jitter)
_BALANCE = 10           # per pair a strong org already carries (secondary preference)
_FORBIDDEN = 1e15
_NO_PARTNER = 100       # points of pairing cost for leaving a weak org without a partner (more than any pair)


def _unit(n_weak: int) -> int:
    """One point of the pairing cost, large enough that the secondary costs of all pairs together
    never outweigh it: the cost tiers are optimised first, exactly."""
    return _SECONDARY * (n_weak + 1)


@dataclass(frozen=True)
class Candidates:
    """Who may be paired, as of a date.

    Attributes
    ----------
    weak
        The unpaired weak orgs' facts (:func:`graphkit.analyses.toolkit.org_facts` rows), by id.
    strong
        The strong orgs with spare capacity: their facts with ``load`` (active pairs carried),
        ``spare`` (capacity left) and ``jitter`` (a seeded tie-breaker 0 … 9), by id.
    chains
        ``org_id, chain``: the industry chains each org is on (active alliances).
    """

    weak: pd.DataFrame
    strong: pd.DataFrame
    chains: pd.DataFrame


def candidates(graph: Graph, ts: pd.Timestamp, facts: pd.DataFrame, pairs: pd.DataFrame, weak_ids: Any, *,
               capacity: int, seed: int) -> Candidates:
    """The weak orgs to pair and the strong orgs that may take them.

    Parameters
    ----------
    graph
        The graph.
    ts
        The date.
    facts
        The org facts as of ``ts`` (sorted by id).
    pairs
        The active pairings as of ``ts``.
    weak_ids
        The ids of the weak orgs without a strong partner.
    capacity
        The most active pairs a strong org may carry, counting the ones it has.
    seed
        Seeds the strong orgs' jitter.
    """
    fidx = facts_index(facts)
    weak = facts.iloc[np.sort(positions(weak_ids, fidx))].reset_index(drop=True)
    if not facts["org_id"].is_monotonic_increasing:  # pragma: no cover - org_facts sorts by id
        weak = weak.sort_values("org_id").reset_index(drop=True)
    sp = positions(pairs["strong"], fidx)
    loads = np.bincount(sp[sp >= 0], minlength=len(facts)).astype(np.int64)
    spare = np.clip(capacity - loads, 0, None)
    keep = facts["strong"].to_numpy(dtype=bool) & (spare > 0)
    strong = facts[keep].reset_index(drop=True)
    strong["load"] = loads[keep]
    strong["spare"] = spare[keep]
    if not strong["org_id"].is_monotonic_increasing:  # pragma: no cover - org_facts sorts by id
        strong = strong.sort_values("org_id").reset_index(drop=True)
    strong["jitter"] = np.random.default_rng(seed).integers(0, 10, size=len(strong))
    return Candidates(weak=weak, strong=strong, chains=org_chains(graph, ts, active_memberships(graph, ts)))


def resolve_orgs(graph: Graph, values: Iterable[Any]) -> list[str]:
    """Org ids from ids or exact names (a :class:`GraphkitError` for an unknown or ambiguous name)."""
    orgs = graph.tables["Organization"]
    ids = set(orgs["id"])
    by_name = pd.Series(orgs["id"].to_numpy(dtype=object), index=orgs["name"].to_numpy(dtype=object))
    dup = set(by_name.index[by_name.index.duplicated()])
    out = []
    for v in values:
        if v in ids:
            out.append(v)
        elif v in dup:
            raise GraphkitError(f"党组织名称 {v!r} 不唯一，请用编号 / org name {v!r} is ambiguous; use its id")
        elif v in by_name.index:
            out.append(by_name[v])
        else:
            raise GraphkitError(f"找不到党组织 {v!r} / no org with id or name {v!r} (forbidden pair)")
    return out


def constraints(graph: Graph, ts: pd.Timestamp, cand: Candidates, *, forbidden: Iterable[tuple[str, str]],
                avoid_previous: bool) -> pd.DataFrame:
    """The pairs never to suggest, among the candidates.

    Parameters
    ----------
    graph
        The graph.
    ts
        The date: a pairing ended before it makes its two orgs former partners.
    cand
        The candidates (:func:`candidates`).
    forbidden
        Pairs of ids or exact names, either order.
    avoid_previous
        Also forbid former partners.

    Returns
    -------
    DataFrame
        Distinct ``w, s`` rows: a candidate weak org and a candidate strong org never to pair.
    """
    fpairs = [tuple(resolve_orgs(graph, pair)) for pair in forbidden]
    if any(len(p) != 2 for p in fpairs):
        raise GraphkitError("forbidden 中每一项应为两个党组织 / each forbidden item must name two orgs")
    fb = pd.DataFrame(fpairs + [(b, a) for a, b in fpairs], columns=["w", "s"])
    if avoid_previous:
        allp = graph.tables["Pairing"]
        prev = allp[allp["end"].notna() & (allp["end"] < ts)]
        fb = pd.concat([fb, pd.DataFrame({"w": prev["weak"].to_numpy(dtype=object), "s": prev["strong"].to_numpy(dtype=object)})])
    return fb[isin(fb["w"], cand.weak["org_id"]) & isin(fb["s"], cand.strong["org_id"])].drop_duplicates()


def assign(cand: Candidates, forbidden: pd.DataFrame, *, same_sector: bool, model: Model, seed: int,
           method: str) -> pd.DataFrame:
    """The optimal assignment of weak orgs to strong-org slots: ``weak_id, strong_id`` of those paired.

    ``method`` ``"assignment"`` uses :func:`solve_matrix`, ``"flow"`` the min-cost flow, and
    ``"auto"`` the matrix when it has at most ``graphkit.config.pairing_matrix_cells`` cells.
    """
    weak, strong = cand.weak, cand.strong
    cells = len(weak) * (int(strong["spare"].sum()) + len(weak))
    if method == "assignment" or (method == "auto" and cells <= threshold("pairing_matrix_cells")):
        return solve_matrix(weak, strong, cand.chains, forbidden, same_sector=same_sector, model=model,
                            unit=_unit(len(weak)))
    return solve_flow(weak, strong, cand.chains, forbidden, same_sector=same_sector, model=model, seed=seed)


def solve_matrix(weak: pd.DataFrame, strong: pd.DataFrame, chains: pd.DataFrame, forbidden: pd.DataFrame, *,
                 same_sector: bool, model: Model, unit: int) -> pd.DataFrame:
    """Hungarian method on the weak × strong-slot matrix (plus one "unassigned" column per weak org).

    The same costs as the flow: tier cost (in points of ``unit``), then the strong org's load (one
    slot per spare unit, later slots cost more), then the seeded jitter; forbidden cells cost more
    than leaving a weak org unassigned, so they are never chosen.
    """
    from scipy.optimize import linear_sum_assignment

    nw = len(weak)
    slot_of = np.repeat(np.arange(len(strong)), strong["spare"].to_numpy(dtype=np.int64))
    S = strong.iloc[slot_of]
    wt = weak["town"].to_numpy(dtype=object)
    st_ = S["town"].to_numpy(dtype=object)
    same_town = (wt[:, None] == st_[None, :]) & pd.notna(wt)[:, None]
    wl = code_order(model, "level", weak["level"])
    sl = code_order(model, "level", S["level"])
    near = np.abs(wl[:, None] - sl[None, :]) <= 1  # NaN compares False
    chain_code, chain_ids = codes_of(chains["chain"])
    n_chains = max(1, len(chain_ids))
    wc = np.zeros((nw, n_chains))
    sc = np.zeros((len(strong), n_chains))
    w_at = positions(chains["org_id"], pd.Index(weak["org_id"].to_numpy(dtype=object), dtype=object))
    s_at = positions(chains["org_id"], pd.Index(strong["org_id"].to_numpy(dtype=object), dtype=object))
    wc[w_at[w_at >= 0], chain_code[w_at >= 0]] = 1
    sc[s_at[s_at >= 0], chain_code[s_at >= 0]] = 1
    shared = (wc @ sc[slot_of].T) > 0
    cost = unit * (COST_WEIGHTS["town"] * ~same_town + COST_WEIGHTS["level"] * ~near + COST_WEIGHTS["chain"] * ~shared)
    load = strong["load"].to_numpy(dtype=np.int64)[slot_of] + rank_in_group(slot_of)
    cost = cost + _BALANCE * np.minimum(load, 99)[None, :] + strong["jitter"].to_numpy(dtype=np.int64)[slot_of][None, :]
    cost = cost.astype(float)
    if same_sector:
        ws_, ss_ = weak["sector"].to_numpy(dtype=object), S["sector"].to_numpy(dtype=object)
        cost[~((ws_[:, None] == ss_[None, :]) & pd.notna(ws_)[:, None])] = _FORBIDDEN
    if len(forbidden):
        fw = positions(forbidden["w"], pd.Index(weak["org_id"].to_numpy(dtype=object), dtype=object))
        fs = positions(forbidden["s"], pd.Index(strong["org_id"].to_numpy(dtype=object), dtype=object))
        ok = (fw >= 0) & (fs >= 0)
        bad = np.zeros((nw, len(strong)), dtype=bool)
        bad[fw[ok], fs[ok]] = True
        cost[bad[:, slot_of]] = _FORBIDDEN
    full = np.hstack([cost, np.full((nw, nw), float(_NO_PARTNER * unit))])
    rows, cols = linear_sum_assignment(full)
    keep = (cols < len(slot_of)) & (full[rows, cols] < _FORBIDDEN)
    return pd.DataFrame({"weak_id": weak["org_id"].to_numpy(dtype=object)[rows[keep]],
                         "strong_id": strong["org_id"].to_numpy(dtype=object)[slot_of[cols[keep]]]})


def suggestion_table(graph: Graph, cand: Candidates, flows: pd.DataFrame, *, capacity: int) -> pd.DataFrame:
    """One row per weak org: its suggested partner, the cost, the preferences met and the reason.

    Parameters
    ----------
    graph
        The graph (level labels, chain names).
    cand
        The candidates (:func:`candidates`).
    flows
        ``weak_id, strong_id`` of the weak orgs paired (:func:`assign`).
    capacity
        The capacity (shown in each reason).

    Returns
    -------
    DataFrame
        :data:`SUGGESTION_COLUMNS`, sorted by weak org name and id.
    """
    model = graph.model
    weak, strong, chains = cand.weak, cand.strong, cand.chains
    res = weak[["org_id", "name", "town", "town_name", "level"]].rename(
        columns={"org_id": "weak_id", "name": "weak_name", "town": "wt", "town_name": "weak_town", "level": "wl"})
    res["strong_id"] = pd.Series(lookup(res["weak_id"], flows["weak_id"], flows["strong_id"], np.nan), dtype=object)
    spos = positions(res["strong_id"], pd.Index(strong["org_id"].to_numpy(dtype=object), dtype=object))
    hit = spos >= 0

    def at(col: str) -> pd.Series:
        return pd.Series(take(strong[col].to_numpy(dtype=object), spos, np.nan), index=res.index, dtype=object)

    res["strong_name"] = at("name")
    res["strong_town"] = at("town_name")
    st_town = at("town")
    load_at = np.full(len(spos), np.nan)
    load_at[hit] = strong["load"].to_numpy(dtype=np.float64)[spos[hit]]
    res["load"] = pd.array(load_at, dtype="Int64")
    res["capacity"] = capacity
    wl = code_order(model, "level", res["wl"])
    s_level = at("level")
    sl = code_order(model, "level", s_level)
    assigned = res["strong_id"].notna()
    res["same_town"] = (assigned & res["wt"].notna() & (res["wt"] == st_town)).astype(bool)
    res["neighbouring_level"] = (assigned & (np.abs(wl - sl) <= 1)).astype(bool)  # NaN compares False
    # shared chains (names)
    cn = graph.names("IndustryChain")
    pc = res.loc[assigned, ["weak_id", "strong_id"]].merge(chains, left_on="weak_id", right_on="org_id").merge(
        chains, left_on=["strong_id", "chain"], right_on=["org_id", "chain"])
    pc["cname"] = pc["chain"].map(cn)
    pc = pc.sort_values(["weak_id", "cname"])
    sk, stxt = join_groups(pc["weak_id"].to_numpy(dtype=object), pc["cname"].to_numpy(dtype=object))
    res["shared_chain"] = pd.Series(lookup(res["weak_id"], sk, stxt, ""), index=res.index, dtype=object)
    cost = (COST_WEIGHTS["town"] * ~res["same_town"] + COST_WEIGHTS["level"] * ~res["neighbouring_level"]
            + COST_WEIGHTS["chain"] * (res["shared_chain"] == ""))
    res["cost"] = pd.array(np.where(assigned, cost, pd.NA), dtype="Int64")
    no_town = res["wt"].isna() & st_town.isna()
    res["weak_town"] = res["weak_town"].where(res["weak_town"].notna(), res["wt"]).astype(object)  # the code where
    res["strong_town"] = res["strong_town"].where(res["strong_town"].notna(), st_town).astype(object)  # no name
    res["reason"] = np.where(assigned, _reasons(res, model, s_level, no_town, capacity),
                             "没有符合规则且有余量的一类党组织 / no strong org with spare capacity fits the rules")
    res["strong_id"] = res["strong_id"].astype(object).where(res["strong_id"].notna(), None)
    res = res.sort_values(["weak_name", "weak_id"], kind="stable").reset_index(drop=True)
    return res[SUGGESTION_COLUMNS]


def _reasons(res: pd.DataFrame, model: Model, s_level: pd.Series, no_town: pd.Series, capacity: int) -> pd.Series:
    """The reason of each suggestion in Chinese: town, levels, chain and the partner's load.

    ``res`` holds the suggestion columns so far (and the weak org's level code ``wl``); ``s_level``
    the partner's level code; ``no_town`` where neither org has a town.
    """
    lv = code_label(model, "level", res["wl"].astype(object)).astype(object).fillna("?").astype(str)
    slv = code_label(model, "level", s_level).astype(object).fillna("?").astype(str)
    town_txt = np.select(
        [res["same_town"].to_numpy(), no_town.to_numpy()],
        ["同镇（" + res["weak_town"].fillna("").astype(str) + "）", pd.Series("均无所属镇（县直及以上）", index=res.index)],
        default="跨镇（" + res["strong_town"].fillna("县直").astype(str) + "→" + res["weak_town"].fillna("县直").astype(str) + "）")
    lvl_txt = np.where(res["neighbouring_level"], "层级相邻（", "层级不相邻（") + slv + "→" + lv + "）"
    chain_txt = np.where(res["shared_chain"] != "", "同属" + res["shared_chain"] + "产业链", "无共同产业链")
    load_txt = "帮扶方现有结对 " + res["load"].astype(str) + " 个，容量 " + str(capacity)
    return pd.Series(town_txt, dtype=object) + "；" + lvl_txt + "；" + chain_txt + "；" + load_txt
