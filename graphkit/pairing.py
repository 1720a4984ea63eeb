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
* large cases (province scale): a **min-cost flow**, a network linear programme solved by HiGHS'
  dual simplex (``scipy.optimize.linprog``; the constraint matrix is totally unimodular, so the
  optimum is integral). To stay linear in size the network holds no arc per (weak, strong) pair:
  interchangeable strong orgs are merged into classes, and weak orgs reach classes through *hub*
  nodes keyed by (town, chain, level[, sector]) whose arc costs add up to exactly the cost
  above. Pairs the user forbids (and, by default, former partners) are honoured by replacing
  the affected hub arcs with direct arcs.

Examples
--------
>>> from graphkit._analysis import example_graph
>>> from graphkit import pairing
>>> g = example_graph()
>>> gaps = pairing.pairing_gaps(g, as_of="2024-06-30")
>>> sorted(gaps["unpaired_weak"]["name"])
['丁村党支部', '丙村党支部', '县司法局机关党支部']
>>> s = pairing.suggest_pairings(g, as_of="2024-06-30", capacity=2)
>>> s.loc[s["weak_name"] == "丙村党支部", ["cost", "reason"]].to_dict("records")
[{'cost': 1, 'reason': '同镇（甲镇）；层级相邻（镇→村）；无共同产业链；帮扶方现有结对 0 个，容量 2'}]
"""
from __future__ import annotations

from typing import Any, Iterable

import numpy as np
import pandas as pd

from ._analysis import (SEP, _facts_index, active_memberships, active_pairings, as_of_date, code_label, isin, join_groups,
                        join_names, lookup, org_chains, org_facts, positions)
from .errors import GraphkitError
from .model import Graph

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
_MATRIX_CELLS = 200_000  # "auto" uses the assignment matrix up to this size
_SMALL_HUB = 64          # forbidden pairs through hubs of at most this many classes are excluded up front


def _empty(cols: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})


def _fget(facts: pd.DataFrame, keys: Any, col: str, default: Any = np.nan) -> np.ndarray:
    """``facts[col]`` of each org id in ``keys`` (``default`` where unknown), like ``Series.map``."""
    return lookup(keys, _facts_index(facts), facts[col].to_numpy(dtype=object), default)


def _pair_frame(p: pd.DataFrame, facts: pd.DataFrame) -> pd.DataFrame:
    fidx = _facts_index(facts)
    sp = positions(p["strong"], fidx)
    wp = positions(p["weak"], fidx)
    name = facts["name"].to_numpy(dtype=object)
    cat = facts["category"].to_numpy(dtype=object)

    def at(vals: np.ndarray, pos: np.ndarray) -> np.ndarray:
        out = np.full(len(pos), np.nan, dtype=object)
        out[pos >= 0] = vals[pos[pos >= 0]]
        return out

    out = pd.DataFrame({"pair_id": p["id"].to_numpy(dtype=object), "strong_id": p["strong"].to_numpy(dtype=object),
                        "weak_id": p["weak"].to_numpy(dtype=object), "form_code": p["form"].to_numpy(dtype=object),
                        "start": p["start"].to_numpy(), "end": p["end"].to_numpy()})
    out["strong_name"] = pd.Series(at(name, sp), dtype=object)
    out["strong_category"] = pd.Series(at(cat, sp), dtype=object)
    out["weak_name"] = pd.Series(at(name, wp), dtype=object)
    out["weak_category"] = pd.Series(at(cat, wp), dtype=object)
    return out


def pairing_gaps(graph: Graph, *, as_of: Any = None, max_per_strong: int | None = None,
                 rotation_years: int | None = None, anchor_kinds: Iterable[str] = ("district", "service_team")) -> dict[str, pd.DataFrame]:
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
        Collaboration kinds that need a 一类 anchor (default 片区 and 服务队).

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
    >>> from graphkit._analysis import example_graph
    >>> gaps = pairing_gaps(example_graph(), as_of="2024-06-30")
    >>> gaps["weak_strong_side"][["strong_name", "weak_name", "reason"]].to_dict("records")
    [{'strong_name': '县教体局机关党支部', 'weak_name': '丁村党支部', 'reason': 'class2'}]
    >>> gaps["ended_without_successor"][["weak_name", "still_weak"]].to_dict("records")
    [{'weak_name': '丙村党支部', 'still_weak': True}]
    >>> gaps["due_for_rotation"]["pair_id"].tolist()
    ['p1']
    """
    from .settings import config
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
    load = pairs.groupby("strong").size()
    over = load[load > max_per_strong]
    ov = pd.DataFrame({"org_id": over.index.to_numpy(dtype=object), "pairs": over.to_numpy(dtype=np.int64)})
    ov["name"] = pd.Series(_fget(facts, ov["org_id"], "name"), dtype=object)
    ov["category"] = pd.Series(_fget(facts, ov["org_id"], "category"), dtype=object)
    ov["capacity"] = max_per_strong
    pw = pairs[isin(pairs["strong"], over.index)]
    pw = pw.assign(wn=pd.Series(_fget(facts, pw["weak"], "name"), index=pw.index, dtype=object)).sort_values(["strong", "wn"])
    if len(pw):
        k, t = join_groups(pw["strong"].to_numpy(dtype=object), pw["wn"].to_numpy(dtype=object))
        ov["weak_names"] = pd.Series(lookup(ov["org_id"], k, t, np.nan), dtype=object)
    else:
        ov["weak_names"] = ""
    out["overloaded_strong"] = ov.sort_values(["pairs", "org_id"], ascending=[False, True])[
        ["org_id", "name", "category", "pairs", "capacity", "weak_names"]].reset_index(drop=True)

    out["groups_without_anchor"] = _groups_without_anchor(graph, ts, facts, tuple(anchor_kinds))

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
    fidx = _facts_index(facts)
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
    from ._analysis import active
    c = active(graph, "Collaboration", ts)
    c = c[c["kind"].isin(kinds)]
    if c.empty:
        return _empty(cols)
    mem = active_memberships(graph, ts)
    mem = mem[isin(mem["organization"], c["id"])].copy()
    mpos = positions(mem["member"], _facts_index(facts))
    known = mpos >= 0

    def at(col: str, default: Any) -> np.ndarray:
        out = np.full(len(mpos), default, dtype=object)
        out[known] = facts[col].to_numpy(dtype=object)[mpos[known]]
        return out

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
    res["leads"] = res["collab_id"].map(leads.groupby("organization")["name"].agg(join_names)).astype(object)
    res["lead_categories"] = res["collab_id"].map(leads.groupby("organization")["cat_zh"].agg(SEP.join)).astype(object)
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
        return _empty(cols)
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
        assignment when the matrix has at most 200,000 cells, else the flow). Both are exact.

    Returns
    -------
    DataFrame
        One row per unpaired weak org: ``weak_id, weak_name, strong_id, strong_name, cost, same_town,
        neighbouring_level, shared_chain, load, capacity, reason``; ``strong_id`` is None (and cost
        missing) when no strong org with spare capacity fits the rules. ``cost`` is 0 (best) … 7.

    Examples
    --------
    >>> from graphkit._analysis import example_graph
    >>> s = suggest_pairings(example_graph(), as_of="2024-06-30", capacity=1)
    >>> s[["weak_name", "cost"]].to_dict("records")
    [{'weak_name': '丁村党支部', 'cost': 5}, {'weak_name': '丙村党支部', 'cost': 1}, {'weak_name': '县司法局机关党支部', 'cost': 5}]
    >>> int(s["strong_id"].value_counts().max())  # capacity 1: no strong org gets two
    1
    """
    if capacity is None:
        from .settings import config
        capacity = config.pairing_capacity
    if capacity < 0:
        raise GraphkitError(f"帮扶容量不能为负 / capacity must not be negative: {capacity}")
    if method not in ("auto", "flow", "assignment"):
        raise GraphkitError(f"未知的求解方法 {method!r} / method must be 'auto', 'flow' or 'assignment'")
    ts = as_of_date(graph, as_of)
    model = graph.model
    facts = org_facts(graph, ts)
    fi = facts.set_index("org_id")
    pairs = active_pairings(graph, ts)
    weak = _unpaired_weak(facts, pairs)[["org_id"]].merge(facts, on="org_id").sort_values("org_id").reset_index(drop=True)
    cols = ["weak_id", "weak_name", "strong_id", "strong_name", "cost", "same_town", "neighbouring_level",
            "shared_chain", "load", "capacity", "reason", "weak_town", "strong_town"]
    if weak.empty:
        return _empty(cols)
    load = pairs.groupby("strong").size()
    strong = facts[facts["strong"]].copy()
    strong["load"] = strong["org_id"].map(load).fillna(0).astype(np.int64)
    strong["spare"] = (capacity - strong["load"]).clip(lower=0)
    strong = strong[strong["spare"] > 0].sort_values("org_id").reset_index(drop=True)
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
    solve = _solve_matrix if method == "assignment" or (method == "auto" and cells <= _MATRIX_CELLS) else _solve
    flows = solve(weak, strong, chains, fb, same_sector=same_sector, model=model, seed=seed, unit=_unit(len(weak)))
    res = weak[["org_id", "name", "town", "town_name", "level"]].rename(
        columns={"org_id": "weak_id", "name": "weak_name", "town": "wt", "town_name": "weak_town", "level": "wl"})
    res = res.merge(flows, on="weak_id", how="left")
    sf = strong.set_index("org_id")
    res["strong_name"] = res["strong_id"].map(sf["name"]).astype(object)
    res["strong_town"] = res["strong_id"].map(sf["town_name"]).astype(object)
    st_town = res["strong_id"].map(sf["town"])
    res["load"] = pd.array(res["strong_id"].map(sf["load"]), dtype="Int64")
    res["capacity"] = capacity
    rank = {c: i for i, c in enumerate(model.codelists["level"].codes)}
    wl = res["wl"].map(rank)
    sl = res["strong_id"].map(sf["level"]).map(rank)
    assigned = res["strong_id"].notna()
    res["same_town"] = (assigned & res["wt"].notna() & (res["wt"] == st_town)).astype(bool)
    res["neighbouring_level"] = (assigned & wl.notna() & sl.notna() & ((wl - sl).abs() <= 1)).astype(bool)
    # shared chains (names)
    cn = graph.names("IndustryChain")
    pc = res.loc[assigned, ["weak_id", "strong_id"]].merge(chains, left_on="weak_id", right_on="org_id").merge(
        chains, left_on=["strong_id", "chain"], right_on=["org_id", "chain"])
    pc["cname"] = pc["chain"].map(cn)
    shared = pc.sort_values(["weak_id", "cname"]).groupby("weak_id")["cname"].agg(join_names) if len(pc) else pd.Series(dtype=object)
    res["shared_chain"] = res["weak_id"].map(shared).astype(object)
    res["shared_chain"] = res["shared_chain"].where(res["shared_chain"].notna(), "")
    cost = (COST_WEIGHTS["town"] * ~res["same_town"] + COST_WEIGHTS["level"] * ~res["neighbouring_level"]
            + COST_WEIGHTS["chain"] * (res["shared_chain"] == ""))
    res["cost"] = pd.array(np.where(assigned, cost, pd.NA), dtype="Int64")
    lv = code_label(model, "level", res["wl"].astype(object)).astype(object).fillna("?").astype(str)
    slv = code_label(model, "level", res["strong_id"].map(sf["level"]).astype(object)).astype(object).fillna("?").astype(str)
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

    rank = {c: i for i, c in enumerate(model.codelists["level"].codes)}
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
    wpos = pd.Index(weak["org_id"].to_numpy(dtype=object))
    spos = pd.Index(strong["org_id"].to_numpy(dtype=object))
    ch = chains.assign(c=chains["chain"].map(cidx), w=wpos.get_indexer(chains["org_id"]), s=spos.get_indexer(chains["org_id"]))
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
        fw = wpos.get_indexer(forbidden["w"])
        fs = spos.get_indexer(forbidden["s"])
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
    """Min-cost flow weak → hub → class → sink; returns ``weak_id, strong_id`` of assigned weak orgs.

    Strong orgs that no forbidden pair names are grouped into *classes* of interchangeable orgs
    (same town, level, sector and chains: every weak org has the same cost to all of them), so
    the network grows with the number of classes, not of strong orgs. A hub keeps only its best
    classes whose capacity adds up to the number of weak orgs: any unit routed to a dropped
    class could be rerouted, at the same cost, to a kept class with room, so the optimum is
    unchanged. Forbidden strong orgs are singleton classes; a weak org assigned to a forbidden
    class gets direct arcs instead of the hubs holding it, and the flow is solved again.
    """
    rank = {c: i for i, c in enumerate(model.codelists["level"].codes)}
    nw = len(weak)
    W = pd.DataFrame({"w": np.arange(nw), "w_id": weak["org_id"].to_numpy(dtype=object),
                      "town": weak["town"].fillna("").to_numpy(dtype=object),
                      "lv": weak["level"].map(rank).fillna(-99).to_numpy(dtype=np.int64),
                      "sec": (weak["sector"].fillna("\x00") if same_sector else pd.Series("*", index=weak.index)).to_numpy(dtype=object)})
    wc = W.merge(chains.rename(columns={"org_id": "w_id"}), on="w_id")[["w", "chain"]]
    # strong orgs and their classes
    fb_s = set(forbidden["s"])
    S = pd.DataFrame({"s_id": strong["org_id"].to_numpy(dtype=object), "town": strong["town"].fillna("").to_numpy(dtype=object),
                      "lv": strong["level"].map(rank).fillna(-999).to_numpy(dtype=np.int64),
                      "sec": (strong["sector"].fillna("\x01") if same_sector else pd.Series("*", index=strong.index)).to_numpy(dtype=object),
                      "spare": strong["spare"].to_numpy(dtype=np.int64), "load": strong["load"].to_numpy(dtype=np.int64),
                      "jitter": strong["jitter"].to_numpy(dtype=np.int64)})
    sch = chains[isin(chains["org_id"], S["s_id"])].sort_values(["org_id", "chain"])
    ckey = sch.groupby("org_id")["chain"].agg("\x1f".join)
    S["chains"] = lookup(S["s_id"], ckey.index, ckey.to_numpy(), default="")
    S["single"] = np.where(isin(S["s_id"], fb_s), S["s_id"], "")
    ck = ["town", "lv", "sec", "chains", "single"]
    C = S.groupby(ck, sort=True).agg(cap=("spare", "sum"), min_load=("load", "min")).reset_index()
    C["c"] = np.arange(len(C))
    C["jit"] = np.random.default_rng(seed).integers(0, 10, size=len(C))
    # classes some weak org may not take come last within a hub (fewer re-solves)
    C["pen"] = np.where(C["single"] != "", 100 * _BALANCE, 0)
    S = S.merge(C[[*ck, "c"]], on=ck)
    cch = C.loc[C["chains"] != "", ["c", "chains"]]
    cch = cch.assign(chain=cch["chains"].str.split("\x1f")).explode("chain")[["c", "chain"]]

    # class → hub membership; hub key = (tier, town, chain, lv, sec)
    key = ["tier", "town", "chain", "lv", "sec"]
    Ct = C[C["town"] != ""]
    CH = pd.concat([Ct.assign(tier="A", chain="")[["c", *key]],
                    Ct[["c", "town", "lv", "sec"]].merge(cch, on="c").assign(tier="B")[["c", *key]],
                    C.assign(tier="C", town="", chain="")[["c", *key]],
                    C[["c", "lv", "sec"]].merge(cch, on="c").assign(tier="D", town="")[["c", *key]]], ignore_index=True)
    H = CH[key].drop_duplicates().reset_index(drop=True)
    H["h"] = np.arange(len(H))
    CH = CH.merge(H, on=key).merge(C[["c", "cap", "min_load", "jit", "pen"]], on="c")
    CH = CH.sort_values(["h", "pen", "min_load", "jit", "c"], kind="stable").reset_index(drop=True)
    before = CH.groupby("h")["cap"].cumsum() - CH["cap"]
    CHk = CH[before < nw]          # keep the best classes of each hub up to |W| capacity

    # weak → hub arcs, each carrying the whole cost of the pair
    W_t = W[W["town"] != ""]
    Ht = {t: H[H["tier"] == t].rename(columns={"lv": "hlv"}) for t in "ABCD"}
    wh = pd.concat([
        W_t[["w", "town", "lv", "sec"]].merge(Ht["A"], on=["town", "sec"]),
        W_t[["w", "town", "lv", "sec"]].merge(wc, on="w").merge(Ht["B"], on=["town", "chain", "sec"]),
        W[["w", "lv", "sec"]].merge(Ht["C"], on="sec"),
        W[["w", "lv", "sec"]].merge(wc, on="w").merge(Ht["D"], on=["chain", "sec"]),
    ], ignore_index=True)[["w", "h", "tier", "lv", "hlv"]]
    far = (wh["lv"] - wh["hlv"]).abs() > 1
    wh["cost"] = unit * (COST_WEIGHTS["town"] * wh["tier"].isin(["C", "D"]).astype(int)
                          + COST_WEIGHTS["level"] * far.astype(int)
                          + COST_WEIGHTS["chain"] * wh["tier"].isin(["A", "C"]).astype(int))
    wh = wh[["w", "h", "cost"]]

    fbc = forbidden.rename(columns={"w": "w_id", "s": "s_id"}).merge(W[["w", "w_id"]], on="w_id").merge(
        S[["s_id", "c"]], on="s_id")[["w", "c"]].drop_duplicates()
    direct = pd.DataFrame({"w": pd.Series(dtype=np.int64), "c": pd.Series(dtype=np.int64), "cost": pd.Series(dtype=float)})

    def replace(conflict: pd.DataFrame) -> None:
        """Swap the weak → hub arcs in ``conflict`` (w, h) for direct arcs to the hub's allowed classes."""
        nonlocal wh, direct
        hit = wh.merge(conflict.assign(_x=True), on=["w", "h"], how="left")["_x"].fillna(False).astype(bool).to_numpy()
        repl = wh[hit]
        wh = wh[~hit]
        d = repl.merge(CH[["h", "c", "cap", "min_load", "jit", "pen"]], on="h")
        d = d.merge(fbc.assign(_f=True), on=["w", "c"], how="left")
        d = d[d["_f"].isna()].sort_values(["w", "h", "pen", "min_load", "jit", "c"], kind="stable")
        d = d[(d.groupby(["w", "h"])["cap"].cumsum() - d["cap"]) < nw]
        d = d.assign(cost=d["cost"] + d["pen"] + _BALANCE * np.minimum(d["min_load"], 99) + d["jit"])
        direct = pd.concat([direct, d[["w", "c", "cost"]]], ignore_index=True).groupby(["w", "c"], as_index=False)["cost"].min()

    if len(fbc):
        # conflicts through small hubs (a town's classes) are replaced at once; the big ones only if violated
        conflicts = fbc.merge(CH[["c", "h"]], on="c")[["w", "h"]].drop_duplicates()
        small = CHk.groupby("h").size()
        replace(conflicts[conflicts["h"].map(small).fillna(0).to_numpy() <= _SMALL_HUB])
    for _round in range(nw + 1):
        assign = _flow(nw, len(C), wh, CHk, direct, C, unassigned=100 * unit)
        bad = assign.merge(fbc, on=["w", "c"])
        if bad.empty:
            break
        # for the violators: replace every hub arc reaching one of their forbidden classes
        vf = fbc[isin(fbc["w"], bad["w"])]
        replace(vf.merge(CH[["c", "h"]], on="c")[["w", "h"]].drop_duplicates())
    else:  # pragma: no cover - each round removes the violators' conflicts for good
        raise RuntimeError("forbidden pairs could not be honoured")

    # spread each class's weak orgs over its members: least loaded first, then seeded order
    if assign.empty:
        return pd.DataFrame({"weak_id": pd.Series(dtype=object), "strong_id": pd.Series(dtype=object)})
    slots = S.loc[np.repeat(S.index.to_numpy(), S["spare"].to_numpy()), ["c", "s_id", "load", "jitter"]]
    slots = slots.assign(k=slots.groupby("s_id").cumcount())
    slots = slots.assign(key=slots["load"] + slots["k"]).sort_values(["c", "key", "jitter", "s_id"], kind="stable")
    slots = slots.assign(r=slots.groupby("c").cumcount())
    a = assign.merge(W[["w", "w_id"]], on="w").sort_values(["c", "w_id"], kind="stable")
    a = a.assign(r=a.groupby("c").cumcount()).merge(slots[["c", "r", "s_id"]], on=["c", "r"])
    return pd.DataFrame({"weak_id": a["w_id"].to_numpy(dtype=object), "strong_id": a["s_id"].to_numpy(dtype=object)})


def _flow(nw: int, nc: int, wh: pd.DataFrame, ch: pd.DataFrame, direct: pd.DataFrame, C: pd.DataFrame, *,
          unassigned: float) -> pd.DataFrame:
    """Solve one min-cost flow; return the ``(w, c)`` units assigned."""
    from scipy.optimize import linprog
    from scipy.sparse import coo_array

    used = np.unique(wh["h"].to_numpy())
    hc = ch[np.isin(ch["h"].to_numpy(), used)]
    hubs = np.unique(hc["h"].to_numpy())
    hpos = pd.Index(hubs)
    nh = len(hubs)
    off_h, off_c, sink = nw, nw + nh, nw + nh + nc
    wh = wh[np.isin(wh["h"].to_numpy(), hubs)]
    tails = [np.arange(nw), wh["w"].to_numpy(), direct["w"].to_numpy(dtype=np.int64),
             off_h + hpos.get_indexer(hc["h"]), off_c + C["c"].to_numpy()]
    heads = [np.full(nw, sink), off_h + hpos.get_indexer(wh["h"]), off_c + direct["c"].to_numpy(dtype=np.int64),
             off_c + hc["c"].to_numpy(), np.full(nc, sink)]
    caps = [np.ones(nw), np.ones(len(wh)), np.ones(len(direct)), hc["cap"].to_numpy(dtype=float),
            C["cap"].to_numpy(dtype=float)]
    costs = [np.full(nw, unassigned, dtype=float), wh["cost"].to_numpy(dtype=float), direct["cost"].to_numpy(dtype=float),
             (hc["pen"].to_numpy() + _BALANCE * np.minimum(hc["min_load"].to_numpy(), 99) + hc["jit"].to_numpy()).astype(float),
             np.zeros(nc)]
    kind = np.concatenate([np.full(len(t), i) for i, t in enumerate(tails)])
    tail = np.concatenate(tails).astype(np.int64)
    head = np.concatenate(heads).astype(np.int64)
    n_arcs = len(tail)
    A = coo_array((np.concatenate([np.ones(n_arcs), -np.ones(n_arcs)]),
                   (np.concatenate([tail, head]), np.concatenate([np.arange(n_arcs), np.arange(n_arcs)]))),
                  shape=(sink + 1, n_arcs)).tocsr()
    b = np.zeros(sink + 1)
    b[:nw] = 1
    b[sink] = -nw
    # A network matrix is totally unimodular: the simplex method's basic optimum is integral.
    res = linprog(np.concatenate(costs), A_eq=A, b_eq=b, bounds=np.column_stack([np.zeros(n_arcs), np.concatenate(caps)]),
                  method="highs-ds")
    if res.x is None:  # pragma: no cover - the unassigned arcs make every instance feasible
        raise RuntimeError(f"min-cost flow failed: {res.message}")
    x = np.rint(res.x).astype(np.int64)
    if np.abs(res.x - x).max(initial=0.0) > 1e-6:  # pragma: no cover - guaranteed by total unimodularity
        raise RuntimeError("min-cost flow returned a fractional solution")
    out = []
    dsel = x[kind == 2] > 0
    if dsel.any():
        out.append(pd.DataFrame({"w": direct["w"].to_numpy(dtype=np.int64)[dsel], "c": direct["c"].to_numpy(dtype=np.int64)[dsel]}))
    wsel = x[kind == 1] > 0
    if wsel.any():
        wi = wh[wsel][["w", "h"]].sort_values(["h", "w"], kind="stable")
        f = x[kind == 3]
        hi = hc.assign(f=f)
        hi = hi[hi["f"] > 0].sort_values(["h", "c"], kind="stable")
        c_units = np.repeat(hi["c"].to_numpy(), hi["f"].to_numpy())
        h_units = np.repeat(hi["h"].to_numpy(), hi["f"].to_numpy())
        if not np.array_equal(h_units, wi["h"].to_numpy()):  # pragma: no cover - flow conservation
            raise RuntimeError("hub flows do not balance")
        out.append(pd.DataFrame({"w": wi["w"].to_numpy(), "c": c_units}))
    if not out:
        return pd.DataFrame({"w": pd.Series(dtype=np.int64), "c": pd.Series(dtype=np.int64)})
    return pd.concat(out, ignore_index=True)
