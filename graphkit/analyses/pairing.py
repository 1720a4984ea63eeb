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

from .toolkit import (SEP, active, active_memberships, active_pairings, argsort_strings, as_of_date, code_index, code_label,
                      empty_frame, facts_index, factorize, id_order, isin, join_groups, lookup, objs, org_chains, org_facts,
                      positions, rank_in_group, take)
from ..core.errors import GraphkitError
from ..core.model import Graph
from ..core.settings import threshold

__all__ = ["pairing_gaps", "suggest_pairings", "GAP_KEYS", "COST_WEIGHTS"]

#: Keys of :func:`pairing_gaps`' result, in report order.
GAP_KEYS = ("unpaired_weak", "weak_strong_side", "overloaded_strong", "groups_without_anchor", "due_for_rotation",
            "ended_without_successor")

#: Cost of each missing preference (same town, neighbouring level, shared chain).
COST_WEIGHTS = {"town": 4, "level": 2, "chain": 1}

_SECONDARY = 2_000      # bound on the secondary cost of one pair (forbidden-class penalty, load, jitter)
_BALANCE = 10           # per pair a strong org already carries (secondary preference)
_FORBIDDEN = 1e15


def _unit(n_weak: int) -> int:
    """One point of the pairing cost, large enough that the secondary costs of all pairs together
    never outweigh it: the cost tiers are optimised first, exactly."""
    return _SECONDARY * (n_weak + 1)


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

def _resolve_orgs(graph: Graph, values: Iterable[Any]) -> list[str]:
    """Org ids from ids or exact names."""
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
    model = graph.model
    facts = org_facts(graph, ts)
    fidx = facts_index(facts)
    pairs = active_pairings(graph, ts)
    wpos = np.sort(positions(_unpaired_weak(facts, pairs)["org_id"], fidx))
    weak = facts.iloc[wpos].reset_index(drop=True)
    if not facts["org_id"].is_monotonic_increasing:  # pragma: no cover - org_facts sorts by id
        weak = weak.sort_values("org_id").reset_index(drop=True)
    cols = ["weak_id", "weak_name", "strong_id", "strong_name", "cost", "same_town", "neighbouring_level",
            "shared_chain", "load", "capacity", "reason", "weak_town", "strong_town"]
    if weak.empty:
        return empty_frame(cols)
    sp = positions(pairs["strong"], fidx)
    loads = np.bincount(sp[sp >= 0], minlength=len(facts)).astype(np.int64)
    spare = np.clip(capacity - loads, 0, None)
    keep = facts["strong"].to_numpy(dtype=bool) & (spare > 0)
    strong = facts[keep].reset_index(drop=True)
    strong["load"] = loads[keep]
    strong["spare"] = spare[keep]
    if not strong["org_id"].is_monotonic_increasing:  # pragma: no cover - org_facts sorts by id
        strong = strong.sort_values("org_id").reset_index(drop=True)
    rng = np.random.default_rng(seed)
    strong["jitter"] = rng.integers(0, 10, size=len(strong))
    chains = org_chains(graph, ts, active_memberships(graph, ts))

    # forbidden pairs (both orders), plus former partners
    fpairs = [tuple(_resolve_orgs(graph, pair)) for pair in forbidden]
    if any(len(p) != 2 for p in fpairs):
        raise GraphkitError("forbidden 中每一项应为两个党组织 / each forbidden item must name two orgs")
    fb = pd.DataFrame(fpairs + [(b, a) for a, b in fpairs], columns=["w", "s"])
    if avoid_previous:
        allp = graph.tables["Pairing"]
        prev = allp[allp["end"].notna() & (allp["end"] < ts)]
        fb = pd.concat([fb, pd.DataFrame({"w": prev["weak"].to_numpy(dtype=object), "s": prev["strong"].to_numpy(dtype=object)})])
    fb = fb[isin(fb["w"], weak["org_id"]) & isin(fb["s"], strong["org_id"])].drop_duplicates()

    cells = len(weak) * (int(strong["spare"].sum()) + len(weak))
    solve = _solve_matrix if method == "assignment" or (method == "auto" and cells <= threshold("pairing_matrix_cells")) else _solve
    flows = solve(weak, strong, chains, fb, same_sector=same_sector, model=model, seed=seed, unit=_unit(len(weak)))
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
    rank = code_index(model, "level")
    wl = res["wl"].map(rank)
    s_level = at("level")
    sl = s_level.map(rank)
    assigned = res["strong_id"].notna()
    res["same_town"] = (assigned & res["wt"].notna() & (res["wt"] == st_town)).astype(bool)
    res["neighbouring_level"] = (assigned & wl.notna() & sl.notna() & ((wl - sl).abs() <= 1)).astype(bool)
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
    lv = code_label(model, "level", res["wl"].astype(object)).astype(object).fillna("?").astype(str)
    slv = code_label(model, "level", s_level).astype(object).fillna("?").astype(str)
    no_town = res["wt"].isna() & st_town.isna()
    res["weak_town"] = res["weak_town"].where(res["weak_town"].notna(), res["wt"]).astype(object)
    res["strong_town"] = res["strong_town"].where(res["strong_town"].notna(), st_town).astype(object)
    town_txt = np.select(
        [res["same_town"].to_numpy(), no_town.to_numpy()],
        ["同镇（" + res["weak_town"].fillna("").astype(str) + "）", pd.Series("均无所属镇（县直及以上）", index=res.index)],
        default="跨镇（" + res["strong_town"].fillna("县直").astype(str) + "→" + res["weak_town"].fillna("县直").astype(str) + "）")
    lvl_txt = np.where(res["neighbouring_level"], "层级相邻（", "层级不相邻（") + slv + "→" + lv + "）"
    chain_txt = np.where(res["shared_chain"] != "", "同属" + res["shared_chain"] + "产业链", "无共同产业链")
    load_txt = "帮扶方现有结对 " + res["load"].astype(str) + " 个，容量 " + str(capacity)
    reason = pd.Series(town_txt, dtype=object) + "；" + lvl_txt + "；" + chain_txt + "；" + load_txt
    res["reason"] = np.where(assigned, reason, "没有符合规则且有余量的一类党组织 / no strong org with spare capacity fits the rules")
    res["strong_id"] = res["strong_id"].astype(object).where(res["strong_id"].notna(), None)
    res = res.sort_values(["weak_name", "weak_id"], kind="stable").reset_index(drop=True)
    return res[cols]


def _solve_matrix(weak: pd.DataFrame, strong: pd.DataFrame, chains: pd.DataFrame, forbidden: pd.DataFrame, *,
                  same_sector: bool, model: Any, seed: int, unit: int) -> pd.DataFrame:
    """Hungarian method on the weak × strong-slot matrix (plus one "unassigned" column per weak org).

    The same costs as the flow: tier cost, then the strong org's load (one slot per spare unit,
    later slots cost more), then the seeded jitter; forbidden cells cost more than leaving a weak
    org unassigned, so they are never chosen.
    """
    from scipy.optimize import linear_sum_assignment

    rank = code_index(model, "level")
    nw = len(weak)
    slot_of = np.repeat(np.arange(len(strong)), strong["spare"].to_numpy(dtype=np.int64))
    k = np.arange(len(slot_of)) - np.searchsorted(slot_of, slot_of)
    S = strong.iloc[slot_of]
    wt = weak["town"].to_numpy(dtype=object)
    st_ = S["town"].to_numpy(dtype=object)
    same_town = (wt[:, None] == st_[None, :]) & pd.notna(wt)[:, None]
    wl = weak["level"].map(rank).to_numpy(dtype=float)
    sl = S["level"].map(rank).to_numpy(dtype=float)
    near = np.abs(wl[:, None] - sl[None, :]) <= 1  # NaN compares False
    cidx = {c: i for i, c in enumerate(sorted(set(chains["chain"])))}
    wc = np.zeros((nw, max(1, len(cidx))))
    sc = np.zeros((len(strong), max(1, len(cidx))))
    wpos = pd.Index(weak["org_id"].to_numpy(dtype=object), dtype=object)
    spos = pd.Index(strong["org_id"].to_numpy(dtype=object), dtype=object)
    ch = chains.assign(c=chains["chain"].map(cidx), w=positions(chains["org_id"], wpos), s=positions(chains["org_id"], spos))
    wc[ch.loc[ch["w"] >= 0, "w"], ch.loc[ch["w"] >= 0, "c"]] = 1
    sc[ch.loc[ch["s"] >= 0, "s"], ch.loc[ch["s"] >= 0, "c"]] = 1
    shared = (wc @ sc[slot_of].T) > 0
    cost = unit * (COST_WEIGHTS["town"] * ~same_town + COST_WEIGHTS["level"] * ~near + COST_WEIGHTS["chain"] * ~shared)
    load = strong["load"].to_numpy(dtype=np.int64)[slot_of] + k
    cost = cost + _BALANCE * np.minimum(load, 99)[None, :] + strong["jitter"].to_numpy(dtype=np.int64)[slot_of][None, :]
    cost = cost.astype(float)
    if same_sector:
        ws_, ss_ = weak["sector"].to_numpy(dtype=object), S["sector"].to_numpy(dtype=object)
        cost[~((ws_[:, None] == ss_[None, :]) & pd.notna(ws_)[:, None])] = _FORBIDDEN
    if len(forbidden):
        fw = positions(forbidden["w"], wpos)
        fs = positions(forbidden["s"], spos)
        ok = (fw >= 0) & (fs >= 0)
        bad = np.zeros((nw, len(strong)), dtype=bool)
        bad[fw[ok], fs[ok]] = True
        cost[bad[:, slot_of]] = _FORBIDDEN
    full = np.hstack([cost, np.full((nw, nw), float(100 * unit))])
    rows, cols = linear_sum_assignment(full)
    keep = (cols < len(slot_of)) & (full[rows, cols] < _FORBIDDEN)
    return pd.DataFrame({"weak_id": weak["org_id"].to_numpy(dtype=object)[rows[keep]],
                         "strong_id": strong["org_id"].to_numpy(dtype=object)[slot_of[cols[keep]]]})


def _solve(weak: pd.DataFrame, strong: pd.DataFrame, chains: pd.DataFrame, forbidden: pd.DataFrame, *,
           same_sector: bool, model: Any, seed: int, unit: int) -> pd.DataFrame:
    """Min-cost flow on a compact network; returns ``weak_id, strong_id`` of the assigned weak orgs.

    Interchangeable orgs are merged: weak orgs into *weak classes* and strong orgs into *classes*
    (same town, level, sector when it matters, chains; an org named in a forbidden pair is a
    class of its own). Weak classes reach classes through *hub* nodes keyed by (town, chain,
    level[, sector]) whose arc costs add up to exactly the pairing cost, so the network grows
    with the number of classes, not with weak × strong. A forbidden pair is honoured by letting
    that weak org reach the hub's other classes through a segment tree over the hub's singleton
    classes. The objective is lexicographic: the pairing cost first, then the loads of the slots
    used (``load + k`` for a strong org's k-th new pair), so less loaded strong orgs come first.
    It is solved exactly by the primal-dual method: shortest paths with potentials
    (``scipy.sparse.csgraph.dijkstra``) and a maximum flow on the zero-reduced-cost arcs
    (``maximum_flow``) per distinct path cost — a handful of rounds, since costs are small
    integers. Within a class, weak orgs go to the least loaded members first, then in a seeded
    random order; ties between classes follow a seeded order of the classes.
    ``unit`` is not used (the flow scales its costs itself); it is accepted like ``_solve_matrix``.
    """
    from scipy.sparse import coo_array
    from scipy.sparse.csgraph import dijkstra, maximum_flow

    empty = pd.DataFrame({"weak_id": pd.Series(dtype=object), "strong_id": pd.Series(dtype=object)})
    nw = len(weak)
    if nw == 0 or len(strong) == 0:
        return empty
    rank = code_index(model, "level")
    rng = np.random.default_rng(seed)
    fb_w = set(forbidden["w"])
    fb_s = set(forbidden["s"])

    # chains as small integer codes, so that a chain set is one text key whatever the chain ids hold
    ch_code = pd.Series(pd.factorize(chains["chain"].to_numpy(dtype=object))[0].astype(str), index=chains.index)

    def chain_keys(ids: np.ndarray) -> np.ndarray:
        sel = isin(chains["org_id"], ids)
        org = chains["org_id"].to_numpy(dtype=object)[sel]
        chain = ch_code.to_numpy(dtype=object)[sel]
        if not len(org):
            return np.full(len(ids), "", dtype=object)
        o = argsort_strings(org, chain)  # sorted by (org, chain code), as sort_values would
        k, t = join_groups(org[o], chain[o])
        return lookup(ids, k, np.array([x.replace(SEP, "\x1f") for x in t], dtype=object), default="")

    # ---- weak classes
    w_id = weak["org_id"].to_numpy(dtype=object)
    W = pd.DataFrame({"w_id": objs(w_id), "town": objs(weak["town"].fillna("")),
                      "lv": weak["level"].map(rank).fillna(-99).to_numpy(dtype=np.int64),
                      "sec": objs(weak["sector"].fillna("\x00") if same_sector else np.full(nw, "*", dtype=object)),
                      "chains": objs(chain_keys(w_id))})
    W["single"] = objs(np.where(isin(W["w_id"], fb_w), W["w_id"], ""))
    wk = ["town", "lv", "sec", "chains", "single"]
    W["wc"] = W.groupby(wk, sort=True).ngroup().to_numpy()
    WC = W.drop_duplicates("wc").sort_values("wc")[["wc", *wk]].reset_index(drop=True)
    WC["n"] = np.bincount(W["wc"].to_numpy(), minlength=len(WC))
    nwc = len(WC)

    # ---- strong classes (in a seeded order: ties between classes follow it)
    s_id = strong["org_id"].to_numpy(dtype=object)
    S = pd.DataFrame({"s_id": objs(s_id), "town": objs(strong["town"].fillna("")),
                      "lv": strong["level"].map(rank).fillna(-999).to_numpy(dtype=np.int64),
                      "sec": objs(strong["sector"].fillna("\x01") if same_sector else np.full(len(strong), "*", dtype=object)),
                      "chains": objs(chain_keys(s_id)), "spare": strong["spare"].to_numpy(dtype=np.int64),
                      "load": strong["load"].to_numpy(dtype=np.int64), "jitter": strong["jitter"].to_numpy(dtype=np.int64)})
    S["single"] = objs(np.where(isin(S["s_id"], fb_s), S["s_id"], ""))
    g0 = S.groupby(wk, sort=True).ngroup().to_numpy()
    perm = rng.permutation(int(g0.max()) + 1)
    S["c"] = perm[g0]
    C = S.drop_duplicates("c").sort_values("c")[["c", *wk]].reset_index(drop=True)
    nc = len(C)
    # slots: the k-th new pair of a strong org sits at level load + k (capped like the matrix method)
    slot_s = np.repeat(np.arange(len(S)), S["spare"].to_numpy())
    slot_k = np.arange(len(slot_s)) - np.repeat(np.cumsum(S["spare"].to_numpy()) - S["spare"].to_numpy(), S["spare"].to_numpy())
    slot_lvl = np.minimum(S["load"].to_numpy()[slot_s] + slot_k, 99)
    slot_c = S["c"].to_numpy()[slot_s]
    cl, cl_n = np.unique(slot_c.astype(np.int64) * 100 + slot_lvl, return_counts=True)
    cl_c, cl_lvl = cl // 100, cl % 100
    max_lvl = int(cl_lvl.max()) if len(cl_lvl) else 0
    big = max_lvl * nw + 1                   # one point of pairing cost outweighs every load term

    # ---- hubs: (tier, town, chain, lv, sec); A = town, B = town + chain, C = any, D = chain
    def explode(frame: pd.DataFrame) -> pd.DataFrame:
        f = frame[frame["chains"] != ""]
        return f.assign(chain=f["chains"].str.split("\x1f")).explode("chain")

    hk = ["tier", "town", "chain", "lv", "sec"]
    Ct = C[C["town"] != ""]
    CH = pd.concat([Ct.assign(tier="A", chain="")[["c", *hk]], explode(Ct).assign(tier="B")[["c", *hk]],
                    C.assign(tier="C", town="", chain="")[["c", *hk]],
                    explode(C).assign(tier="D", town="")[["c", *hk]]], ignore_index=True)
    H = CH[hk].drop_duplicates().reset_index(drop=True)
    H["h"] = np.arange(len(H))
    CH = CH.merge(H, on=hk)[["c", "h"]]
    Wt = WC[WC["town"] != ""]
    Hh = {t: H[H["tier"] == t].rename(columns={"lv": "hlv"}) for t in "ABCD"}
    wcols = ["wc", "town", "lv", "sec"]
    WH = pd.concat([
        Wt[wcols].merge(Hh["A"], on=["town", "sec"]),
        explode(Wt)[[*wcols, "chain"]].merge(Hh["B"], on=["town", "chain", "sec"]),
        WC[["wc", "lv", "sec"]].merge(Hh["C"], on="sec"),
        explode(WC)[["wc", "lv", "sec", "chain"]].merge(Hh["D"], on=["chain", "sec"]),
    ], ignore_index=True)[["wc", "h", "tier", "lv", "hlv"]]
    far = (WH["lv"] - WH["hlv"]).abs().to_numpy() > 1
    tier = WH["tier"].to_numpy(dtype=object)
    prim = (COST_WEIGHTS["town"] * np.isin(tier, ["C", "D"]) + COST_WEIGHTS["level"] * far
            + COST_WEIGHTS["chain"] * np.isin(tier, ["A", "C"]))
    wh_wc, wh_h, wh_cost = WH["wc"].to_numpy(), WH["h"].to_numpy(), prim.astype(np.int64) * big

    # ---- node numbering
    nh = len(H)
    off_wc, off_h = 1, 1 + nwc
    nxt = off_h + nh
    c_single = (C["single"] != "").to_numpy()
    ch_c, ch_h = CH["c"].to_numpy(), CH["h"].to_numpy()
    hub_has_single = np.zeros(nh, dtype=bool)
    hub_has_single[ch_h[c_single[ch_c]]] = True
    hub_has_norm = np.zeros(nh, dtype=bool)
    hub_has_norm[ch_h[~c_single[ch_c]]] = True
    norm_node = np.full(nh, -1, dtype=np.int64)
    mk = hub_has_single & hub_has_norm
    norm_node[mk] = nxt + np.arange(int(mk.sum()))
    nxt += int(mk.sum())
    tails: list[Any] = []
    heads: list[Any] = []
    caps: list[Any] = []
    costs: list[Any] = []
    big_cap = nw

    def arcs(t: Any, h: Any, cap: Any, cost: Any) -> None:
        t = np.asarray(t, dtype=np.int64)
        tails.append(t)
        heads.append(np.asarray(h, dtype=np.int64))
        caps.append(np.broadcast_to(np.asarray(cap, dtype=np.int64), t.shape))
        costs.append(np.broadcast_to(np.asarray(cost, dtype=np.int64), t.shape))

    # segment trees over each hub's singleton classes (built after class node ids are known)
    seg_t: list[int] = []
    seg_h: list[int] = []
    single_members: dict[int, list[int]] = {}
    for c, h in zip(ch_c[c_single[ch_c]].tolist(), ch_h[c_single[ch_c]].tolist()):
        single_members.setdefault(h, []).append(c)
    # class node ids are assigned below; the trees refer to class c as -(c + 1)
    seg_node: dict[tuple[int, int, int], int] = {}

    def build(h: int, members: list[int], lo: int, hi: int) -> int:
        nonlocal nxt
        if hi - lo == 1:
            return -(members[lo] + 1)
        node = nxt
        nxt += 1
        seg_node[(h, lo, hi)] = node
        mid = (lo + hi) // 2
        for a, b in ((lo, mid), (mid, hi)):
            seg_t.append(node)
            seg_h.append(build(h, members, a, b))
        return node

    def cover(h: int, members: list[int], lo: int, hi: int, qlo: int, qhi: int) -> list[int]:
        if qhi <= lo or hi <= qlo:
            return []
        if qlo <= lo and hi <= qhi:
            return [seg_node[(h, lo, hi)] if hi - lo > 1 else -(members[lo] + 1)]
        mid = (lo + hi) // 2
        return cover(h, members, lo, mid, qlo, qhi) + cover(h, members, mid, hi, qlo, qhi)

    roots: dict[int, int] = {}
    member_pos: dict[int, dict[int, int]] = {}
    for h, members in single_members.items():
        members.sort()
        member_pos[h] = {c: j for j, c in enumerate(members)}
        roots[h] = build(h, members, 0, len(members))

    # forbidden pairs: a weak singleton class reaches a hub holding one of its forbidden classes
    # through the hub's normal part and the allowed ranges of its singleton classes
    # (weak class, strong class) of each forbidden pair whose two orgs are candidates
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
            members = single_members[h]
            where = member_pos[h]
            bad = sorted(where[c] for c in bad_c[wc] if c in where)
            if not bad:
                continue
            drop[i] = True
            targets = [norm_node[h]] if hub_has_norm[h] else []
            lo = 0
            for j in [*bad, len(members)]:
                targets += cover(h, members, 0, len(members), lo, j)
                lo = j + 1
            for tnode in targets:
                extra_t.append(off_wc + wc)
                extra_h.append(int(tnode))
                extra_cost.append(int(wh_cost[i]))

    off_c = nxt
    nxt += nc
    multi = np.bincount(cl_c, minlength=nc) > 1        # classes with several slot levels get one node per level
    lvl_node = np.full(len(cl_c), -1, dtype=np.int64)
    lvl_node[multi[cl_c]] = nxt + np.arange(int(multi[cl_c].sum()))
    nxt += int(multi[cl_c].sum())
    sink = nxt
    n_nodes = sink + 1

    def node(x: Any) -> np.ndarray:
        """Seg-tree references: -(c + 1) is class c."""
        x = np.asarray(x, dtype=np.int64)
        return np.where(x < 0, off_c + (-x - 1), x)

    arcs(np.zeros(nwc), off_wc + np.arange(nwc), WC["n"].to_numpy(), 0)                       # source → weak class
    arcs(off_wc + np.arange(nwc), np.full(nwc, sink), WC["n"].to_numpy(), 100 * big)          # left without partner
    arcs(off_wc + wh_wc[~drop], off_h + wh_h[~drop], WC["n"].to_numpy()[wh_wc[~drop]], wh_cost[~drop])
    if extra_t:
        # one class can be reached through several hubs: keep the cheapest arc
        ex = pd.DataFrame({"t": extra_t, "h": node(extra_h), "cost": extra_cost})
        ex = ex.sort_values(["t", "h", "cost"], kind="stable").drop_duplicates(["t", "h"])
        et = ex["t"].to_numpy(dtype=np.int64)
        arcs(et, ex["h"].to_numpy(dtype=np.int64), WC["n"].to_numpy()[et - off_wc], ex["cost"].to_numpy(dtype=np.int64))
    hub_node_for_norm = np.where(norm_node >= 0, norm_node, off_h + np.arange(nh))
    nsel = ~c_single[ch_c]
    arcs(hub_node_for_norm[ch_h[nsel]], off_c + ch_c[nsel], big_cap, 0)                       # hub → its classes
    if mk.any():
        arcs(off_h + np.flatnonzero(mk), norm_node[mk], big_cap, 0)
    if roots:
        rh = np.fromiter(roots.keys(), dtype=np.int64, count=len(roots))
        arcs(off_h + rh, node(list(roots.values())), big_cap, 0)
    if seg_t:
        arcs(seg_t, node(seg_h), big_cap, 0)
    one = ~multi[cl_c]
    arcs(off_c + cl_c[one], np.full(int(one.sum()), sink), cl_n[one], cl_lvl[one])            # class → sink by level
    arcs(off_c + cl_c[~one], lvl_node[~one], cl_n[~one], cl_lvl[~one])
    arcs(lvl_node[~one], np.full(int((~one).sum()), sink), cl_n[~one], 0)
    tail = np.concatenate(tails)
    head = np.concatenate(heads)
    cap = np.concatenate(caps).astype(np.int64)
    cost = np.concatenate(costs).astype(np.float64)
    key = tail * n_nodes + head
    korder = np.argsort(key, kind="stable")
    ksorted = key[korder]
    if len(ksorted) > 1 and (ksorted[1:] == ksorted[:-1]).any():  # pragma: no cover - arcs are unique by construction
        raise RuntimeError("parallel arcs in the pairing network")

    # ---- primal-dual min-cost flow
    flow = np.zeros(len(tail), dtype=np.int64)
    pi = np.zeros(n_nodes)
    total = 0
    for _round in range(10_000):
        if total >= nw:
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

    # ---- follow the units from weak classes to classes (nodes in topological order)
    depth = np.full(n_nodes, -1, dtype=np.int64)
    depth[off_wc:off_wc + nwc] = 0
    depth[off_h:off_h + nh] = 1
    depth[norm_node[norm_node >= 0]] = 2
    is_class = np.zeros(n_nodes, dtype=bool)
    is_class[off_c:off_c + nc] = True
    used = flow > 0
    ut, uh, uf = tail[used], head[used], flow[used]
    inner = (ut != 0) & (uh != sink) & ~is_class[ut]   # weak class → hub / tree nodes → class
    ut, uh, uf = ut[inner], uh[inner], uf[inner]
    # seg nodes: depth after their parent; resolve by relaxation (the tree is shallow)
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
    max_depth = int(depth.max())
    for dep in range(1, max_depth + 1):
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
    if not len(unit_c):
        return empty
    if (unit_c < 0).any() or (unit_c >= nc).any():  # pragma: no cover
        raise RuntimeError("pairing network: a unit did not reach a class")

    # weak orgs of a weak class: in id order, to its units in class order
    o = np.lexsort((unit_c, unit_wc))
    unit_c, unit_wc = unit_c[o], unit_wc[o]
    Wo = W.sort_values(["wc", "w_id"], kind="stable")
    wc_sorted = Wo["wc"].to_numpy()
    start = np.searchsorted(wc_sorted, np.arange(nwc))
    rank_in = rank_in_group(unit_wc)
    unit_w = Wo["w_id"].to_numpy(dtype=object)[start[unit_wc] + rank_in]
    # slots of a class: lowest level first, then the seeded jitter, then id
    s_ids = S["s_id"].to_numpy(dtype=object)
    s_rank = id_order(s_ids)  # the ids' string order, as integers
    so = np.lexsort((s_rank[slot_s], S["jitter"].to_numpy()[slot_s], slot_lvl, slot_c))
    slot_c_s, slot_sid = slot_c[so], S["s_id"].to_numpy(dtype=object)[slot_s[so]]
    cstart = np.searchsorted(slot_c_s, np.arange(nc))
    a = pd.DataFrame({"c": unit_c, "w": unit_w}).sort_values(["c", "w"], kind="stable")
    ac = a["c"].to_numpy()
    r = rank_in_group(ac)
    return pd.DataFrame({"weak_id": a["w"].to_numpy(dtype=object), "strong_id": slot_sid[cstart[ac] + r]})
