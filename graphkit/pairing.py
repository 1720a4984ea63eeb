"""Pairing gaps 结对缺口 and suggested pairings 结对建议.

:func:`pairing_gaps` finds, as of a date: weak orgs (三类 / 软弱涣散) with no active strong
(一类) partner; pairs whose "strong" side is not 一类; strong orgs carrying more pairs than
allowed; groups lacking a 一类 anchor ("一类+", and 片区 whose lead unit is not 一类); pairs due for
the yearly rotation; and pairs that ended without a successor.

:func:`suggest_pairings` assigns the unpaired weak orgs to strong orgs with spare capacity by
solving a **min-cost flow** (an integral linear programme, solved by HiGHS through
``scipy.optimize.milp``), never greedily. The cost of pairing weak ``w`` with strong ``s`` is::

    4 · [different town] + 2 · [levels not neighbouring] + 1 · [no shared industry chain]

so a same-town partner is preferred over a neighbouring level, and that over a shared chain.
Among equal costs, strong orgs carrying fewer pairs are preferred, then a seeded random order.
To stay linear at province scale the network does not hold one arc per (weak, strong) pair:
weak orgs reach strong orgs through *hub* nodes keyed by (town, chain, level[, sector]), whose
arc costs add up to exactly the cost above; pairs the user forbids (and, by default, former
partners) are honoured by replacing the affected hub arcs with direct arcs.

Examples
--------
>>> from graphkit._analysis import example_graph
>>> from graphkit import pairing
>>> g = example_graph()
>>> gaps = pairing.pairing_gaps(g, as_of="2024-06-30")
>>> sorted(gaps["unpaired_weak"]["name"])
['丁村党支部', '丙村党支部', '县司法局机关党支部']
>>> s = pairing.suggest_pairings(g, as_of="2024-06-30", capacity=2)
>>> s.loc[s["weak_name"] == "丙村党支部", ["strong_name", "cost", "reason"]].to_dict("records")
[{'strong_name': '甲镇机关党支部', 'cost': 1, 'reason': '同镇（甲镇）；层级相邻（镇→村）；无共同产业链；帮扶方现有结对 0 个，容量 2'}]
"""
from __future__ import annotations

from typing import Any, Iterable

import numpy as np
import pandas as pd

from ._analysis import (isin, SEP, active_memberships, active_pairings, as_of_date, code_label, join_names, org_chains,
                        org_facts)
from .errors import GraphkitError
from .model import Graph

__all__ = ["pairing_gaps", "suggest_pairings", "GAP_KEYS", "COST_WEIGHTS"]

#: Keys of :func:`pairing_gaps`' result, in report order.
GAP_KEYS = ("unpaired_weak", "weak_strong_side", "overloaded_strong", "groups_without_anchor", "due_for_rotation",
            "ended_without_successor")

#: Cost of each missing preference (same town, neighbouring level, shared chain).
COST_WEIGHTS = {"town": 4, "level": 2, "chain": 1}

_UNIT = 10_000          # one cost point in the flow network
_BALANCE = 10           # per pair a strong org already carries (secondary preference)
_UNASSIGNED = 100 * _UNIT


def _empty(cols: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})


def _pair_frame(p: pd.DataFrame, facts: pd.DataFrame) -> pd.DataFrame:
    f = facts.set_index("org_id")
    out = pd.DataFrame({"pair_id": p["id"].to_numpy(dtype=object), "strong_id": p["strong"].to_numpy(dtype=object),
                        "weak_id": p["weak"].to_numpy(dtype=object), "form_code": p["form"].to_numpy(dtype=object),
                        "start": p["start"].to_numpy(), "end": p["end"].to_numpy()})
    out["strong_name"] = out["strong_id"].map(f["name"]).astype(object)
    out["strong_category"] = out["strong_id"].map(f["category"]).astype(object)
    out["weak_name"] = out["weak_id"].map(f["name"]).astype(object)
    out["weak_category"] = out["weak_id"].map(f["category"]).astype(object)
    return out


def pairing_gaps(graph: Graph, *, as_of: Any = None, max_per_strong: int = 2, rotation_years: int = 1,
                 anchor_kinds: Iterable[str] = ("district", "service_team")) -> dict[str, pd.DataFrame]:
    """Every pairing gap as of a date.

    Parameters
    ----------
    graph
        The graph.
    as_of
        The date (default: the graph's reference date). Categories are those in force then.
    max_per_strong
        A strong org carrying more active pairs than this is ``overloaded_strong``.
    rotation_years
        An active pair that started at least this many years before ``as_of`` is due for rotation.
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
    if max_per_strong < 0 or rotation_years < 0:
        raise GraphkitError(f"参数不能为负 / max_per_strong ({max_per_strong}) and rotation_years ({rotation_years}) "
                            f"must not be negative")
    ts = as_of_date(graph, as_of)
    facts = org_facts(graph, ts)
    fi = facts.set_index("org_id")
    pairs = active_pairings(graph, ts)
    strong_ids = set(facts.loc[facts["strong"], "org_id"])
    out: dict[str, pd.DataFrame] = {}

    # weak orgs with no active strong partner
    p = pairs.assign(strong_name=pairs["strong"].map(fi["name"]), is_strong=isin(pairs["strong"], strong_ids))
    p = p.sort_values(["weak", "strong_name", "id"])
    w = facts[facts["weak"]].copy()
    w["n_partners"] = w["org_id"].map(p.groupby("weak").size()).fillna(0).astype(np.int64)
    w["n_strong"] = w["org_id"].map(p.groupby("weak")["is_strong"].sum()).fillna(0).astype(np.int64)
    names = p.groupby("weak")["strong_name"].agg(join_names) if len(p) else pd.Series(dtype=object)
    w["partners"] = w["org_id"].map(names).astype(object)
    w["partners"] = w["partners"].where(w["partners"].notna(), "")
    w = w[w["n_strong"] == 0]
    w["reason"] = np.where(w["n_partners"] == 0, "no_pairing", "partner_not_strong")
    out["unpaired_weak"] = w[["org_id", "name", "town_name", "sector", "level", "category", "weak_lax", "n_partners",
                              "partners", "reason"]].reset_index(drop=True)

    # pairs whose strong side is not 一类
    ws = pairs[~isin(pairs["strong"], strong_ids)]
    wsf = _pair_frame(ws, facts)
    sweak = wsf["strong_id"].map(fi["weak"]).fillna(False).astype(bool)
    wsf["reason"] = np.select([sweak.to_numpy(), wsf["strong_category"].isna().to_numpy()], ["weak", "unrated"],
                              default="class2")
    out["weak_strong_side"] = wsf[["pair_id", "strong_id", "strong_name", "strong_category", "weak_id", "weak_name",
                                   "weak_category", "form_code", "start", "end", "reason"]].reset_index(drop=True)

    # strong orgs carrying too many
    load = pairs.groupby("strong").size()
    over = load[load > max_per_strong]
    ov = pd.DataFrame({"org_id": over.index.to_numpy(dtype=object), "pairs": over.to_numpy(dtype=np.int64)})
    ov["name"] = ov["org_id"].map(fi["name"]).astype(object)
    ov["category"] = ov["org_id"].map(fi["category"]).astype(object)
    ov["capacity"] = max_per_strong
    pw = pairs[isin(pairs["strong"], over.index)].assign(wn=lambda d: d["weak"].map(fi["name"])).sort_values(["strong", "wn"])
    ov["weak_names"] = ov["org_id"].map(pw.groupby("strong")["wn"].agg(join_names)).astype(object) if len(pw) else ""
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
    fi = facts.set_index("org_id")
    mem = active_memberships(graph, ts)
    mem = mem[isin(mem["organization"], c["id"])].copy()
    mem["strong"] = mem["member"].map(fi["strong"]).fillna(False).astype(bool)
    mem["name"] = mem["member"].map(fi["name"])
    mem["cat"] = mem["member"].map(fi["category"])
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
    out["still_weak"] = out["weak_id"].map(facts.set_index("org_id")["weak"]).fillna(False).astype(bool)
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


def suggest_pairings(graph: Graph, *, as_of: Any = None, capacity: int = 2, same_sector: bool = False,
                     forbidden: Iterable[tuple[str, str]] = (), avoid_previous: bool = True,
                     seed: int = 0) -> pd.DataFrame:
    """Suggest a strong partner for every unpaired weak org: an optimal min-cost assignment.

    Parameters
    ----------
    graph
        The graph.
    as_of
        The date (default: the graph's reference date).
    capacity
        The most active pairs a strong org may carry, counting the ones it already has.
    same_sector
        Only pair orgs of the same sector (领域).
    forbidden
        Pairs (ids or exact names, either order) never to suggest.
    avoid_previous
        Do not suggest a weak org's former partners (the yearly rotation).
    seed
        Breaks ties between equally good strong orgs.

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
    if capacity < 0:
        raise GraphkitError(f"帮扶容量不能为负 / capacity must not be negative: {capacity}")
    ts = as_of_date(graph, as_of)
    model = graph.model
    facts = org_facts(graph, ts)
    fi = facts.set_index("org_id")
    gaps = pairing_gaps(graph, as_of=ts, max_per_strong=capacity)
    weak = gaps["unpaired_weak"][["org_id"]].merge(facts, on="org_id").sort_values("org_id").reset_index(drop=True)
    cols = ["weak_id", "weak_name", "strong_id", "strong_name", "cost", "same_town", "neighbouring_level",
            "shared_chain", "load", "capacity", "reason", "weak_town", "strong_town"]
    if weak.empty:
        return _empty(cols)
    pairs = active_pairings(graph, ts)
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

    flows = _solve(weak, strong, chains, fb, same_sector=same_sector, model=model)
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
    lv = code_label(model, "level", res["wl"]).fillna("?").astype(str)
    slv = code_label(model, "level", res["strong_id"].map(sf["level"])).fillna("?").astype(str)
    no_town = res["weak_town"].isna() & res["strong_town"].isna()
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


def _solve(weak: pd.DataFrame, strong: pd.DataFrame, chains: pd.DataFrame, forbidden: pd.DataFrame, *,
           same_sector: bool, model: Any) -> pd.DataFrame:
    """Min-cost flow weak → hub → strong → sink; returns ``weak_id, strong_id`` for assigned weak orgs."""
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import coo_array

    rank = {c: i for i, c in enumerate(model.codelists["level"].codes)}
    nw, ns = len(weak), len(strong)
    W = pd.DataFrame({"w": np.arange(nw), "w_id": weak["org_id"].to_numpy(dtype=object),
                      "town": weak["town"].fillna("").to_numpy(dtype=object),
                      "lv": weak["level"].map(rank).fillna(-99).to_numpy(dtype=np.int64),
                      "sec": (weak["sector"].fillna("\x00") if same_sector else pd.Series("*", index=weak.index)).to_numpy(dtype=object)})
    S = pd.DataFrame({"s": np.arange(ns), "s_id": strong["org_id"].to_numpy(dtype=object),
                      "town": strong["town"].fillna("").to_numpy(dtype=object),
                      "lv": strong["level"].map(rank).fillna(-999).to_numpy(dtype=np.int64),
                      "sec": (strong["sector"].fillna("\x01") if same_sector else pd.Series("*", index=strong.index)).to_numpy(dtype=object),
                      "spare": strong["spare"].to_numpy(dtype=np.int64), "load": strong["load"].to_numpy(dtype=np.int64),
                      "jitter": strong["jitter"].to_numpy(dtype=np.int64)})
    wc = W.merge(chains.rename(columns={"org_id": "w_id"}), on="w_id")[["w", "chain"]]
    sc = S.merge(chains.rename(columns={"org_id": "s_id"}), on="s_id")[["s", "chain"]]

    # strong → hub membership; hub key = (tier, town, chain, lv, sec)
    S_t = S[S["town"] != ""]
    parts = [S_t.assign(tier="A", chain="")[["s", "tier", "town", "chain", "lv", "sec"]],
             S_t.merge(sc, on="s").assign(tier="B")[["s", "tier", "town", "chain", "lv", "sec"]],
             S.assign(tier="C", town="", chain="")[["s", "tier", "town", "chain", "lv", "sec"]],
             S.merge(sc, on="s").assign(tier="D", town="")[["s", "tier", "town", "chain", "lv", "sec"]]]
    SH = pd.concat(parts, ignore_index=True)
    key = ["tier", "town", "chain", "lv", "sec"]
    H = SH[key].drop_duplicates().reset_index(drop=True)
    H["h"] = np.arange(len(H))
    SH = SH.merge(H, on=key)

    # weak → hub arcs
    W_t = W[W["town"] != ""]
    Ht = {t: H[H["tier"] == t] for t in "ABCD"}
    wh = pd.concat([
        W_t[["w", "town", "lv", "sec"]].merge(Ht["A"].drop(columns="lv").assign(hlv=Ht["A"]["lv"]), on=["town", "sec"]),
        W_t[["w", "town", "lv", "sec"]].merge(wc, on="w").merge(Ht["B"].drop(columns="lv").assign(hlv=Ht["B"]["lv"]),
                                                                  on=["town", "chain", "sec"]),
        W[["w", "lv", "sec"]].merge(Ht["C"].drop(columns="lv").assign(hlv=Ht["C"]["lv"]), on="sec"),
        W[["w", "lv", "sec"]].merge(wc, on="w").merge(Ht["D"].drop(columns="lv").assign(hlv=Ht["D"]["lv"]), on=["chain", "sec"]),
    ], ignore_index=True)[["w", "h", "tier", "lv", "hlv"]]
    far = (wh["lv"] - wh["hlv"]).abs() > 1
    wh["cost"] = _UNIT * (COST_WEIGHTS["town"] * wh["tier"].isin(["C", "D"]).astype(int)
                          + COST_WEIGHTS["level"] * far.astype(int)
                          + COST_WEIGHTS["chain"] * wh["tier"].isin(["A", "C"]).astype(int))

    # forbidden pairs: replace conflicting hub arcs by direct arcs to the hub's other members
    direct = pd.DataFrame(columns=["w", "s", "cost"])
    if len(forbidden):
        fb = forbidden.rename(columns={"w": "w_id", "s": "s_id"}).merge(W[["w", "w_id"]], on="w_id").merge(
            S[["s", "s_id"]], on="s_id")[["w", "s"]]
        conflict = fb.merge(SH[["s", "h"]], on="s")[["w", "h"]].drop_duplicates()
        if len(conflict):
            hit = wh.merge(conflict.assign(_c=True), on=["w", "h"], how="left")["_c"].fillna(False).astype(bool).to_numpy()
            repl = wh[hit]
            wh = wh[~hit]
            d = repl[["w", "h", "cost"]].merge(SH[["h", "s"]], on="h")
            d = d.merge(fb.assign(_f=True), on=["w", "s"], how="left")
            d = d[d["_f"].isna()]
            d = d.merge(S[["s", "jitter"]], on="s")
            d["cost"] = d["cost"] + d["jitter"]
            direct = d.groupby(["w", "s"], as_index=False)["cost"].min()

    used_h = np.unique(wh["h"].to_numpy())
    hs = SH[np.isin(SH["h"].to_numpy(), used_h)][["h", "s"]].merge(S[["s", "spare", "jitter"]], on="s")
    # unit arcs strong → sink with rising cost (prefer less-loaded strong orgs)
    rep = np.repeat(np.arange(ns), S["spare"].to_numpy())
    k = np.arange(len(rep)) - np.repeat(np.cumsum(S["spare"].to_numpy()) - S["spare"].to_numpy(), S["spare"].to_numpy())
    unit_cost = _BALANCE * np.minimum(S["load"].to_numpy()[rep] + k, 99)

    # node numbering: weak 0..nw-1, hubs nw.., strong .., sink last
    nh = len(H)
    off_h, off_s, sink = nw, nw + nh, nw + nh + ns
    tails = [np.arange(nw), wh["w"].to_numpy(), direct["w"].to_numpy(dtype=np.int64), off_h + hs["h"].to_numpy(),
             off_s + rep]
    heads = [np.full(nw, sink), off_h + wh["h"].to_numpy(), off_s + direct["s"].to_numpy(dtype=np.int64),
             off_s + hs["s"].to_numpy(), np.full(len(rep), sink)]
    caps = [np.ones(nw), np.ones(len(wh)), np.ones(len(direct)), hs["spare"].to_numpy(dtype=float), np.ones(len(rep))]
    costs = [np.full(nw, _UNASSIGNED, dtype=float), wh["cost"].to_numpy(dtype=float),
             direct["cost"].to_numpy(dtype=float), hs["jitter"].to_numpy(dtype=float), unit_cost.astype(float)]
    kinds = np.concatenate([np.full(len(a), i) for i, a in enumerate(tails)])
    tail = np.concatenate(tails).astype(np.int64)
    head = np.concatenate(heads).astype(np.int64)
    cap = np.concatenate(caps)
    cost = np.concatenate(costs)
    n_nodes, n_arcs = sink + 1, len(tail)
    A = coo_array((np.concatenate([np.ones(n_arcs), -np.ones(n_arcs)]),
                   (np.concatenate([tail, head]), np.concatenate([np.arange(n_arcs), np.arange(n_arcs)]))),
                  shape=(n_nodes, n_arcs)).tocsr()
    b = np.zeros(n_nodes)
    b[:nw] = 1
    b[sink] = -nw
    res = milp(cost, constraints=LinearConstraint(A, b, b), integrality=np.ones(n_arcs), bounds=Bounds(0, cap))
    if res.x is None:  # pragma: no cover - the unassigned arcs make every instance feasible
        raise RuntimeError(f"min-cost flow failed: {res.message}")
    x = np.rint(res.x).astype(np.int64)
    # decompose: direct arcs, then per hub zip weak (by id) with strong units (by id)
    pairs = []
    dsel = x[kinds == 2] > 0
    if dsel.any():
        pairs.append(pd.DataFrame({"w": direct["w"].to_numpy(dtype=np.int64)[dsel], "s": direct["s"].to_numpy(dtype=np.int64)[dsel]}))
    wsel = x[kinds == 1] > 0
    hflow = x[kinds == 3]
    if wsel.any():
        wi = wh[wsel][["w", "h"]].merge(W[["w", "w_id"]], on="w").sort_values(["h", "w_id"], kind="stable")
        hsi = hs.assign(f=hflow)
        hsi = hsi[hsi["f"] > 0].merge(S[["s", "s_id"]], on="s").sort_values(["h", "s_id"], kind="stable")
        s_units = np.repeat(hsi["s"].to_numpy(), hsi["f"].to_numpy())
        h_units = np.repeat(hsi["h"].to_numpy(), hsi["f"].to_numpy())
        if not np.array_equal(h_units, wi["h"].to_numpy()):  # pragma: no cover - flow conservation
            raise RuntimeError("hub flows do not balance")
        pairs.append(pd.DataFrame({"w": wi["w"].to_numpy(), "s": s_units}))
    if not pairs:
        return pd.DataFrame({"weak_id": pd.Series(dtype=object), "strong_id": pd.Series(dtype=object)})
    pr = pd.concat(pairs, ignore_index=True)
    return pd.DataFrame({"weak_id": W["w_id"].to_numpy()[pr["w"].to_numpy()],
                         "strong_id": S["s_id"].to_numpy()[pr["s"].to_numpy()]})
