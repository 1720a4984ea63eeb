"""Pairing gaps 结对缺口 and suggested pairings 结对建议.

:func:`pairing_gaps` finds, as of a date: weak orgs (三类 / 软弱涣散) with no active strong
(一类) partner; pairs whose "strong" side is not 一类; strong orgs carrying more pairs than
allowed; groups lacking a 一类 anchor ("一类+", and 片区 whose lead unit is not 一类); pairs due for
the yearly rotation; and pairs that ended without a successor.

:func:`suggest_pairings` assigns the unpaired weak orgs to strong orgs with spare capacity as one
optimisation problem, never greedily. The cost of pairing weak ``w`` with strong ``s`` is::

    4 · [different town] + 2 · [levels not neighbouring] + 1 · [no shared industry chain]

so a same-town partner is preferred over a neighbouring level, and that over a shared chain;
leaving a weak org without a partner costs more than any pair, so as many as possible are
paired. Among equal costs, strong orgs carrying fewer pairs are preferred, then a seeded random
order. Two exact solvers:

* small cases: the Hungarian method (``scipy.optimize.linear_sum_assignment``) on the full
  matrix of weak orgs × strong-org slots (one slot per unit of spare capacity);
* large cases (province and country scale): a **min-cost flow** solved exactly by the
  primal-dual method — per distinct path cost one shortest-path search with node potentials
  (``scipy.sparse.csgraph.dijkstra``) and one maximum flow on the zero-reduced-cost arcs
  (``scipy.sparse.csgraph.maximum_flow``); costs are small integers, so a handful of rounds
  suffice. To stay linear in size the network holds no arc per (weak, strong) pair: alike weak
  orgs and interchangeable strong orgs are merged into classes, and weak classes reach strong
  classes through *hub* nodes keyed by (town, chain, level[, sector]) whose arc costs add up to
  exactly the cost above. Pairs the user forbids (and, by default, former partners) are
  honoured exactly: such a weak org reaches a hub's other classes through a segment tree over
  the hub's singleton classes. The load preference is part of the objective (each new pair of a
  strong org counts at its load level, after the pairing cost), so less loaded strong orgs are
  used first.

Examples
--------
>>> from graphkit.analyses.toolkit import example_graph
>>> from graphkit.analyses import pairing
>>> g = example_graph()
>>> gaps = pairing.pairing_gaps(g, as_of="2024-06-30")
>>> sorted(gaps["unpaired_weak"]["name"])
['丁村党支部', '丙村党支部', '县司法局机关党支部']
>>> s = pairing.suggest_pairings(g, as_of="2024-06-30", capacity=2)
>>> s.loc[s["weak_name"] == "丙村党支部", ["cost", "reason"]].to_dict("records")
[{'cost': 1, 'reason': '同镇（甲镇）；层级相邻（镇→村）；无共同产业链；帮扶方现有结对 0 个，容量 2'}]
"""
from __future__ import annotations

from typing import Any
from collections.abc import Iterable

import numpy as np
import pandas as pd

from ._pairing_solve import COST_WEIGHTS, SUGGESTION_COLUMNS, assign, candidates, constraints, suggestion_table
from .toolkit import (active, active_memberships, active_pairings, as_of_date, code_label, empty_frame, facts_index,
                      factorize, isin, join_groups, lookup, org_facts, positions, take)
from ..core.errors import GraphkitError
from ..core.model import Graph

__all__ = ["pairing_gaps", "suggest_pairings", "GAP_KEYS", "COST_WEIGHTS"]

#: Keys of :func:`pairing_gaps`' result, in report order.
GAP_KEYS = ("unpaired_weak", "weak_strong_side", "overloaded_strong", "groups_without_anchor", "due_for_rotation",
            "ended_without_successor")


def _fget(facts: pd.DataFrame, keys: Any, col: str, default: Any = np.nan) -> np.ndarray:
    """``facts[col]`` of each org id in ``keys`` (``default`` where unknown), like ``Series.map``."""
    pos = positions(keys, facts_index(facts))
    values = facts[col].to_numpy()
    if values.dtype == bool and isinstance(default, bool):  # flags stay a bool array (no objects)
        out = np.full(len(pos), default, dtype=bool)
        hit = pos >= 0
        out[hit] = values[pos[hit]]
        return out
    return take(facts[col].to_numpy(dtype=object), pos, default)


def _pair_frame(p: pd.DataFrame, facts: pd.DataFrame) -> pd.DataFrame:
    fidx = facts_index(facts)
    sp = positions(p["strong"], fidx)
    wp = positions(p["weak"], fidx)
    name = facts["name"].to_numpy(dtype=object)
    cat = facts["category"].to_numpy(dtype=object)

    out = pd.DataFrame({"pair_id": p["id"].to_numpy(dtype=object), "strong_id": p["strong"].to_numpy(dtype=object),
                        "weak_id": p["weak"].to_numpy(dtype=object), "form_code": p["form"].to_numpy(dtype=object),
                        "start": p["start"].to_numpy(), "end": p["end"].to_numpy()})
    out["strong_name"] = pd.Series(take(name, sp, np.nan), dtype=object)
    out["strong_category"] = pd.Series(take(cat, sp, np.nan), dtype=object)
    out["weak_name"] = pd.Series(take(name, wp, np.nan), dtype=object)
    out["weak_category"] = pd.Series(take(cat, wp, np.nan), dtype=object)
    return out


def pairing_gaps(graph: Graph, *, as_of: Any = None, max_per_strong: int | None = None,
                 rotation_years: int | None = None, anchor_kinds: Iterable[str] | None = None) -> dict[str, pd.DataFrame]:
    """Every pairing gap as of a date.

    Parameters
    ----------
    graph
        The graph.
    as_of
        The date (default: the graph's reference date). Categories are those in force then.
    max_per_strong
        A strong org carrying more active pairs than this is ``overloaded_strong`` (default
        ``graphkit.config.max_per_strong``, 2).
    rotation_years
        An active pair that started at least this many years before ``as_of`` is due for rotation
        (default ``graphkit.config.rotation_years``, 1).
    anchor_kinds
        Collaboration kinds that need a 一类 anchor (default: the mechanisms declared with
        ``anchor: true`` in ``schema/mechanisms.yaml``, 片区 and 服务队).

    Returns
    -------
    dict of DataFrame
        ``unpaired_weak`` (org_id, name, town_name, sector, level, category, weak_lax, n_partners,
        partners, reason ∈ {no_pairing, partner_not_strong}); ``weak_strong_side`` (pair_id,
        strong…, weak…, form_code, start, end, reason ∈ {class2, unrated, weak}); ``overloaded_strong``
        (org_id, name, category, pairs, capacity, weak_names); ``groups_without_anchor``
        (collab_id, collab_name, kind, members, class1, leads, lead_categories, problem);
        ``due_for_rotation`` (pair…, years_active, due_date); ``ended_without_successor``
        (pair…, still_weak).

    Examples
    --------
    >>> from graphkit.analyses.toolkit import example_graph
    >>> gaps = pairing_gaps(example_graph(), as_of="2024-06-30")
    >>> gaps["weak_strong_side"][["strong_name", "weak_name", "reason"]].to_dict("records")
    [{'strong_name': '县教体局机关党支部', 'weak_name': '丁村党支部', 'reason': 'class2'}]
    >>> gaps["ended_without_successor"][["weak_name", "still_weak"]].to_dict("records")
    [{'weak_name': '丙村党支部', 'still_weak': True}]
    >>> gaps["due_for_rotation"]["pair_id"].tolist()
    ['p1']
    """
    from ..core.settings import config
    max_per_strong = config.max_per_strong if max_per_strong is None else max_per_strong
    rotation_years = config.rotation_years if rotation_years is None else rotation_years
    if max_per_strong < 0 or rotation_years < 0:
        raise GraphkitError(f"参数不能为负 / max_per_strong ({max_per_strong}) and rotation_years ({rotation_years}) "
                            f"must not be negative")
    ts = as_of_date(graph, as_of)
    facts = org_facts(graph, ts)
    pairs = active_pairings(graph, ts)
    out: dict[str, pd.DataFrame] = {}

    out["unpaired_weak"] = _unpaired_weak(facts, pairs)

    # pairs whose strong side is not 一类
    ws = pairs[~_fget(facts, pairs["strong"], "strong", False).astype(bool)]
    wsf = _pair_frame(ws, facts)
    sweak = pd.Series(_fget(facts, wsf["strong_id"], "weak", False).astype(bool))
    wsf["reason"] = np.select([sweak.to_numpy(), wsf["strong_category"].isna().to_numpy()], ["weak", "unrated"],
                              default="class2")
    out["weak_strong_side"] = wsf[["pair_id", "strong_id", "strong_name", "strong_category", "weak_id", "weak_name",
                                   "weak_category", "form_code", "start", "end", "reason"]].reset_index(drop=True)

    # strong orgs carrying too many
    sc, su = factorize(pairs["strong"])
    load = np.bincount(sc[sc >= 0], minlength=len(su))
    over_ids = np.asarray(su, dtype=object)[load > max_per_strong]
    ov = pd.DataFrame({"org_id": over_ids, "pairs": load[load > max_per_strong].astype(np.int64)})
    ov["name"] = pd.Series(_fget(facts, ov["org_id"], "name"), dtype=object)
    ov["category"] = pd.Series(_fget(facts, ov["org_id"], "category"), dtype=object)
    ov["capacity"] = max_per_strong
    pw = pairs[isin(pairs["strong"], over_ids)]
    pw = pw.assign(wn=pd.Series(_fget(facts, pw["weak"], "name"), index=pw.index, dtype=object)).sort_values(["strong", "wn"])
    if len(pw):
        k, t = join_groups(pw["strong"].to_numpy(dtype=object), pw["wn"].to_numpy(dtype=object))
        ov["weak_names"] = pd.Series(lookup(ov["org_id"], k, t, np.nan), dtype=object)
    else:
        ov["weak_names"] = ""
    out["overloaded_strong"] = ov.sort_values(["pairs", "org_id"], ascending=[False, True])[
        ["org_id", "name", "category", "pairs", "capacity", "weak_names"]].reset_index(drop=True)

    out["groups_without_anchor"] = _groups_without_anchor(graph, ts, facts, tuple(
        graph.model.collab_kinds(anchor=True) if anchor_kinds is None else anchor_kinds))

    # due for rotation
    started = pairs[pairs["start"].notna()]
    due_date = pd.to_datetime(started["start"]) + pd.DateOffset(years=rotation_years)
    due = started[(due_date <= ts).to_numpy()]
    df = _pair_frame(due, facts)
    df["due_date"] = (pd.to_datetime(due["start"]) + pd.DateOffset(years=rotation_years)).to_numpy()
    df["years_active"] = ((ts - pd.to_datetime(df["start"])).dt.days / 365.25).round(1)
    out["due_for_rotation"] = df.sort_values(["due_date", "pair_id"])[
        ["pair_id", "strong_id", "strong_name", "weak_id", "weak_name", "form_code", "start", "years_active",
         "due_date"]].reset_index(drop=True)

    out["ended_without_successor"] = _ended_without_successor(graph, ts, facts)
    return out


def _unpaired_weak(facts: pd.DataFrame, pairs: pd.DataFrame) -> pd.DataFrame:
    """Weak orgs with no active strong partner (``pairs``: the active pairings)."""
    fidx = facts_index(facts)
    sp = positions(pairs["strong"], fidx)
    wp = positions(pairs["weak"], fidx)
    n = len(facts)
    is_strong = np.zeros(len(pairs), dtype=bool)
    is_strong[sp >= 0] = facts["strong"].to_numpy(dtype=bool)[sp[sp >= 0]]
    n_partners = np.bincount(wp[wp >= 0], minlength=n)
    n_strong = np.bincount(wp[wp >= 0], weights=is_strong[wp >= 0], minlength=n).astype(np.int64)
    sel = facts["weak"].to_numpy(dtype=bool) & (n_strong == 0)
    w = facts[sel].copy()
    w["n_partners"] = n_partners[sel].astype(np.int64)
    partners = np.full(n, "", dtype=object)
    mine = sel[wp] & (wp >= 0) if len(wp) else np.zeros(0, dtype=bool)
    if mine.any():
        p = pd.DataFrame({"weak": pairs["weak"].to_numpy(dtype=object)[mine], "id": pairs["id"].to_numpy(dtype=object)[mine],
                          "strong_name": pd.Series(lookup(pairs["strong"].to_numpy(dtype=object)[mine], fidx,
                                                          facts["name"].to_numpy(dtype=object)), dtype=object)})
        p = p.sort_values(["weak", "strong_name", "id"])
        k, t = join_groups(p["weak"].to_numpy(dtype=object), p["strong_name"].to_numpy(dtype=object))
        partners[positions(k, fidx)] = t
    w["partners"] = pd.Series(partners[sel], index=w.index, dtype=object)
    w["reason"] = np.where(w["n_partners"] == 0, "no_pairing", "partner_not_strong")
    return w[["org_id", "name", "town_name", "sector", "level", "category", "weak_lax", "n_partners", "partners",
              "reason"]].reset_index(drop=True)


def _groups_without_anchor(graph: Graph, ts: pd.Timestamp, facts: pd.DataFrame, kinds: tuple[str, ...]) -> pd.DataFrame:
    cols = ["collab_id", "collab_name", "kind", "members", "class1", "leads", "lead_categories", "problem"]
    known = set(graph.model.codelists["collab_kind"].codes)
    bad = [k for k in kinds if k not in known]
    if bad:
        raise GraphkitError(f"未知的联建类型 {bad} / unknown collaboration kinds; known: {sorted(known)}")
    c = active(graph, "Collaboration", ts)
    c = c[c["kind"].isin(kinds)]
    if c.empty:
        return empty_frame(cols)
    mem = active_memberships(graph, ts)
    mem = mem[isin(mem["organization"], c["id"])].copy()
    mpos = positions(mem["member"], facts_index(facts))

    def at(col: str, default: Any) -> np.ndarray:
        return take(facts[col].to_numpy(dtype=object), mpos, default)

    mem["strong"] = at("strong", False).astype(bool)
    mem["name"] = pd.Series(at("name", np.nan), index=mem.index, dtype=object)
    mem["cat"] = pd.Series(at("category", np.nan), index=mem.index, dtype=object)
    g = mem.groupby("organization")
    res = pd.DataFrame({"collab_id": c["id"].to_numpy(dtype=object), "collab_name": c["name"].to_numpy(dtype=object),
                        "kind": c["kind"].to_numpy(dtype=object)})
    res["members"] = res["collab_id"].map(g["member"].nunique()).fillna(0).astype(np.int64)
    res["class1"] = res["collab_id"].map(mem[mem["strong"]].groupby("organization")["member"].nunique()).fillna(0).astype(np.int64)
    leads = mem[mem["role"] == "lead"].sort_values(["organization", "name"])
    leads = leads.assign(cat_zh=code_label(graph.model, "category", leads["cat"]).where(leads["cat"].notna(), "未定级"))
    lk, lt = join_groups(leads["organization"].to_numpy(dtype=object), leads["name"].to_numpy(dtype=object))
    res["leads"] = pd.Series(lookup(res["collab_id"], lk, lt, np.nan), dtype=object)
    lk, lt = join_groups(leads["organization"].to_numpy(dtype=object), leads["cat_zh"].to_numpy(dtype=object))
    res["lead_categories"] = pd.Series(lookup(res["collab_id"], lk, lt, np.nan), dtype=object)
    lead_strong = res["collab_id"].map(leads.groupby("organization")["strong"].any()).astype(object)
    has_lead = res["leads"].notna()
    problems = []
    no_class1 = (res["class1"] == 0).to_numpy()
    no_lead = (~has_lead).to_numpy()
    lead_weak = (has_lead & (lead_strong != True)).to_numpy()  # noqa: E712
    for a, b, cc in zip(no_class1, no_lead, lead_weak):
        parts = [t for t, on in (("no_class1", a), ("no_lead", b), ("lead_not_class1", cc)) if on]
        problems.append(";".join(parts))
    res["problem"] = problems
    res["leads"] = res["leads"].where(res["leads"].notna(), "")
    res["lead_categories"] = res["lead_categories"].where(res["lead_categories"].notna(), "")
    res = res[res["problem"] != ""]
    return res.sort_values(["kind", "collab_name", "collab_id"])[cols].reset_index(drop=True)


def _ended_without_successor(graph: Graph, ts: pd.Timestamp, facts: pd.DataFrame) -> pd.DataFrame:
    allp = graph.tables["Pairing"]
    ended = allp[allp["end"].notna() & (allp["end"] < ts)]
    cols = ["pair_id", "strong_id", "strong_name", "weak_id", "weak_name", "form_code", "start", "end", "weak_category",
            "still_weak"]
    if ended.empty:
        return empty_frame(cols)
    later = allp[(allp["start"].isna() | (allp["start"] <= ts))][["id", "weak", "end"]].rename(
        columns={"id": "qid", "end": "qend"})
    j = ended[["id", "weak", "end"]].merge(later, on="weak")
    succ = j[(j["qid"] != j["id"]) & (j["qend"].isna() | (j["qend"] > j["end"]))]["id"].unique()
    lone = ended[~isin(ended["id"], succ)]
    out = _pair_frame(lone, facts)
    out["still_weak"] = _fget(facts, out["weak_id"], "weak", False).astype(bool)
    return out.sort_values(["end", "pair_id"])[cols].reset_index(drop=True)


# ---- suggestions ----------------------------------------------------------------------------------

def suggest_pairings(graph: Graph, *, as_of: Any = None, capacity: int | None = None, same_sector: bool = False,
                     forbidden: Iterable[tuple[str, str]] = (), avoid_previous: bool = True,
                     seed: int = 0, method: str = "auto") -> pd.DataFrame:
    """Suggest a strong partner for every unpaired weak org: an optimal min-cost assignment.

    Parameters
    ----------
    graph
        The graph.
    as_of
        The date (default: the graph's reference date).
    capacity
        The most active pairs a strong org may carry, counting the ones it already has (default
        ``graphkit.config.pairing_capacity``, 2).
    same_sector
        Only pair orgs of the same sector (领域).
    forbidden
        Pairs (ids or exact names, either order) never to suggest.
    avoid_previous
        Do not suggest a weak org's former partners (the yearly rotation).
    seed
        Breaks ties between equally good strong orgs.
    method
        ``"flow"`` (the min-cost flow on hub nodes, linear in size), ``"assignment"`` (the Hungarian
        method on the full weak × strong-slot cost matrix, for small cases) or ``"auto"`` (the
        assignment when the matrix has at most ``graphkit.config.pairing_matrix_cells`` cells, 200,000,
        else the flow). Both are exact.

    Returns
    -------
    DataFrame
        One row per unpaired weak org: ``weak_id, weak_name, strong_id, strong_name, cost, same_town,
        neighbouring_level, shared_chain, load, capacity, reason``; ``strong_id`` is None (and cost
        missing) when no strong org with spare capacity fits the rules. ``cost`` is 0 (best) … 7.

    Examples
    --------
    >>> from graphkit.analyses.toolkit import example_graph
    >>> s = suggest_pairings(example_graph(), as_of="2024-06-30", capacity=1)
    >>> s[["weak_name", "cost"]].to_dict("records")
    [{'weak_name': '丁村党支部', 'cost': 5}, {'weak_name': '丙村党支部', 'cost': 1}, {'weak_name': '县司法局机关党支部', 'cost': 5}]
    >>> int(s["strong_id"].value_counts().max())  # capacity 1: no strong org gets two
    1
    """
    if capacity is None:
        from ..core.settings import config
        capacity = config.pairing_capacity
    if capacity < 0:
        raise GraphkitError(f"帮扶容量不能为负 / capacity must not be negative: {capacity}")
    if method not in ("auto", "flow", "assignment"):
        raise GraphkitError(f"未知的求解方法 {method!r} / method must be 'auto', 'flow' or 'assignment'")
    ts = as_of_date(graph, as_of)
    facts = org_facts(graph, ts)
    pairs = active_pairings(graph, ts)
    cand = candidates(graph, ts, facts, pairs, _unpaired_weak(facts, pairs)["org_id"], capacity=capacity, seed=seed)
    if cand.weak.empty:
        return empty_frame(SUGGESTION_COLUMNS)
    fb = constraints(graph, ts, cand, forbidden=forbidden, avoid_previous=avoid_previous)
    flows = assign(cand, fb, same_sector=same_sector, model=graph.model, seed=seed, method=method)
    return suggestion_table(graph, cand, flows, capacity=capacity)
