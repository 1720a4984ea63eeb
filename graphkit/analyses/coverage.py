"""Coverage 覆盖: who takes part in joint building, by town, sector, category and level.

* :func:`coverage` — orgs in at least one mechanism, and per mechanism (those declared in
  ``schema/mechanisms.yaml``: 片区, 联村党组织, 产业链党组织, 服务队, 结对共建), grouped by town /
  sector / category / level.
* :func:`village_coverage` — administrative villages covered by a joint village committee (the
  mechanisms declared with ``coverage: villages``; "12 个联村党组织覆盖 51 个行政村").
* :func:`weak_coverage` — weak orgs (三类 / 软弱涣散) covered by an active pairing.
* :func:`two_coverages` — 两个覆盖 of private firms and social organizations (Unit roster).
* :func:`chain_stage_coverage` — for each industry chain, the stages with and without party orgs.

Every share is a fraction between 0 and 1; groups with a missing value are labelled ``（未填）``.

Examples
--------
>>> from graphkit.analyses.toolkit import example_graph
>>> from graphkit.analyses import coverage as cov
>>> g = example_graph()
>>> cov.coverage(g, as_of="2024-06-30", by=None)[["orgs", "covered", "n_pairing"]].to_dict("records")
[{'orgs': 11, 'covered': 10, 'n_pairing': 4}]
>>> cov.village_coverage(g, as_of="2024-06-30", by=None)[["committees", "villages", "villages_covered"]].to_dict("records")
[{'committees': 1, 'villages': 4, 'villages_covered': 2}]
"""
from __future__ import annotations

from typing import Any, Literal

import numpy as np
import pandas as pd

from .toolkit import (NO_VALUE, facts_index, memo, active_memberships, active_pairings, as_of_date, code_label, isin, natural_key,
                        join_groups, lookup, mechanism_members, mechanisms, org_facts, org_index, order_codes, place_index,
                        positions, ref_positions, take)
from ..core.ids import argsort_strings, factorize
from ..core.errors import GraphkitError
from ..core.model import Graph

__all__ = ["coverage", "village_coverage", "weak_coverage", "two_coverages", "chain_stage_coverage", "GROUPINGS"]

By = Literal["town", "sector", "category", "level"] | None

#: ``by`` value -> (org fact column holding the key, code list of the key or None for towns).
GROUPINGS: dict[str, tuple[str, str | None]] = {
    "town": ("town", None), "sector": ("sector", "sector"), "category": ("category", "category"),
    "level": ("level", "level"),
}


def _check_by(by: Any, allowed: tuple[Any, ...]) -> None:
    if by not in allowed:
        raise GraphkitError(f"不支持的分组 by={by!r}，可选 {', '.join(map(repr, allowed))} / unsupported grouping")


def _group_keys(graph: Graph, frame: pd.DataFrame, by: By, *, town_col: str = "town",
                town_name_col: str = "town_name") -> tuple[pd.Series, pd.Series, list[Any], np.ndarray, np.ndarray]:
    """Key, display name and row order of the groups of ``frame`` for a grouping, and each row's
    key as a code into the distinct keys (``factorize`` of the key column, in some order)."""
    if by is None:
        key = pd.Series("all", index=frame.index, dtype=object)
        return (key, pd.Series(["全部"], index=["all"], dtype=object), ["all"],
                np.zeros(len(frame), dtype=np.intp), np.array(["all"], dtype=object))
    col, cl = GROUPINGS[by]
    if by == "town":
        col = town_col
    # distinct values first (by object, see graphkit.core.ids), so that missing values are looked for
    # among those only; missing and "" are both the key ""
    rc, ru = factorize(frame[col].to_numpy(dtype=object))
    distinct = np.append(np.asarray(ru, dtype=object), "")
    rc = np.where(rc < 0, len(ru), rc)
    key = pd.Series(distinct[rc], index=frame.index, dtype=object)
    # the keys' codes: the distinct values in use, "" (missing) merged with a "" value
    used = np.flatnonzero(np.bincount(rc, minlength=len(distinct)))
    ucode, ku = pd.factorize(distinct[used])
    code_of = np.full(len(distinct), -1, dtype=np.intp)
    code_of[used] = ucode
    kc = code_of[rc]
    ku = np.asarray(ku, dtype=object)
    if cl is None:
        # the first known town name of each key (what groupby(...).first() gives)
        tn = frame[town_name_col].to_numpy(dtype=object)
        known = np.flatnonzero(~pd.isna(tn))
        first = np.full(len(ku), -1, dtype=np.int64)
        kk, at = np.unique(kc[known], return_index=True)
        first[kk] = known[at]
        label = np.where(first >= 0, tn[np.maximum(first, 0)], NO_VALUE)
        label = np.where(ku == "", NO_VALUE, label)
        lab = dict(zip(ku.tolist(), label.tolist()))
        order = sorted(lab, key=lambda k: (k == "", natural_key(lab[k]), k))  # 第二 before 第十
        names = pd.Series([lab[k] for k in order], index=pd.Index(order, dtype=object), dtype=object)
    else:
        codes = sorted(set(ru.tolist()) - {""})
        order = [c for c in order_codes(graph.model, cl, codes)] + ([""] if (rc == len(ru)).any() or "" in set(ru.tolist()) else [])
        names = code_label(graph.model, cl, pd.Series(order, index=order, dtype=object))
        names[names == ""] = NO_VALUE
    return key, names, order, kc, ku


def _frame(key: pd.Series, names: pd.Series, order: list[Any], counts: pd.DataFrame) -> pd.DataFrame:
    out = counts.reindex(order)
    out.insert(0, "group_name", names.reindex(order).to_numpy())
    out.insert(0, "group", order)
    return out.reset_index(drop=True)


def _flags(facts: pd.DataFrame, mm: pd.DataFrame, codes: list[str]) -> np.ndarray:
    """org × mechanism: does the org take part in it."""
    flags = np.zeros((len(facts), len(codes)), dtype=bool)
    rows = positions(mm["org_id"], facts_index(facts))
    cols = positions(mm["mechanism"], pd.Index(codes, dtype=object))
    ok = (rows >= 0) & (cols >= 0)
    flags[rows[ok], cols[ok]] = True
    return flags


def coverage(graph: Graph, *, as_of: Any = None, by: By = "town") -> pd.DataFrame:
    """Orgs taking part in joint building, overall and per mechanism, grouped.

    Parameters
    ----------
    graph
        The graph.
    as_of
        Date of the links (default: the graph's reference date).
    by
        ``"town"``, ``"sector"``, ``"category"`` (as of the date), ``"level"`` or None (one row).

    Returns
    -------
    DataFrame
        ``group, group_name, orgs, covered, share`` and for every mechanism key ``m`` (in the
        order of ``schema/mechanisms.yaml``) ``n_m, share_m``.

    Examples
    --------
    >>> from graphkit.analyses.toolkit import example_graph
    >>> c = coverage(example_graph(), as_of="2024-06-30", by="sector")
    >>> c[["group_name", "orgs", "covered", "n_district"]].to_dict("records")[:2]
    [{'group_name': '机关', 'orgs': 5, 'covered': 5, 'n_district': 4}, {'group_name': '农村', 'orgs': 4, 'covered': 3, 'n_district': 0}]
    """
    _check_by(by, (None, *GROUPINGS))
    ts = as_of_date(graph, as_of)
    facts = org_facts(graph, ts)
    mm = mechanism_members(graph, ts)
    codes = [c for c, _, _ in mechanisms(graph.model)]
    # org × mechanism flags, then counts per group with bincount (no per-group Python work)
    flags = memo(graph, ("coverage_flags", ts), lambda: _flags(facts, mm, codes))
    key, names, order, kc, kuniq = _group_keys(graph, facts, by)
    m = len(kuniq)
    counts = pd.DataFrame(index=pd.Index(kuniq, dtype=object))
    counts["orgs"] = np.bincount(kc, minlength=m)
    counts["covered"] = np.bincount(kc, weights=flags.any(axis=1), minlength=m).astype(np.int64)
    counts["share"] = counts["covered"] / counts["orgs"]
    for j, c in enumerate(codes):
        counts[f"n_{c}"] = np.bincount(kc, weights=flags[:, j], minlength=m).astype(np.int64)
        counts[f"share_{c}"] = counts[f"n_{c}"] / counts["orgs"]
    out = _frame(key, names, order, counts)
    for c in ["orgs", "covered", *[f"n_{c}" for c in codes]]:
        out[c] = out[c].fillna(0).astype(np.int64)
    return out


def village_coverage(graph: Graph, *, as_of: Any = None, by: Literal["town"] | None = "town",
                     kinds: tuple[str, ...] = ("village",)) -> pd.DataFrame:
    """Administrative villages covered by an active joint village committee (跨村联建).

    A village is covered when the party org sitting in it (``Organization.village``) is an
    active member of an active collaboration of a kind declared with ``coverage: villages`` in
    ``schema/mechanisms.yaml`` (``joint_village``). Villages are the ``Place``
    records of the place kinds ``kinds`` (default 行政村 only; add ``"community"`` for 村（社区）). A committee counts in the town of its first listed
    town (its own ``town``, else its members').

    Returns
    -------
    DataFrame
        ``group, group_name, committees, villages, villages_covered, share, uncovered_villages``.

    Examples
    --------
    >>> from graphkit.analyses.toolkit import example_graph
    >>> village_coverage(example_graph(), as_of="2024-06-30")[["group_name", "villages_covered", "uncovered_villages"]].to_dict("records")
    [{'group_name': '乙镇', 'villages_covered': 0, 'uncovered_villages': '丁村'}, {'group_name': '甲镇', 'villages_covered': 2, 'uncovered_villages': '丙村'}]
    """
    _check_by(by, (None, "town"))
    ts = as_of_date(graph, as_of)
    places = graph.tables["Place"]
    vil = places.loc[isin(places["kind"], kinds), ["id", "name", "parent"]].rename(
        columns={"id": "village", "name": "village_name", "parent": "town"})
    pidx = place_index(graph)
    pname = graph.tables["Place"]["name"].to_numpy(dtype=object)
    vil["town_name"] = pd.Series(lookup(vil["town"], pidx, pname, np.nan), index=vil.index, dtype=object)
    mem = active_memberships(graph, ts)
    mem = mem[isin(mem["kind"], graph.model.collab_kinds(coverage="villages"))]
    orgs = graph.tables["Organization"]
    mpos = positions(mem["member"], org_index(graph))  # looked up once for both columns
    m_village = take(orgs["village"].to_numpy(dtype=object), mpos, np.nan)
    m_town = take(orgs["town"].to_numpy(dtype=object), mpos, np.nan)
    vil["covered"] = isin(vil["village"], m_village[~pd.isna(m_village)])
    # committees and their town: the committee's own town, else the least of its members' towns
    mv = pd.DataFrame({"organization": mem["organization"].to_numpy(dtype=object),
                       "ctown": mem["collab_town"].to_numpy(dtype=object), "town": m_town})
    comms = np.sort(pd.unique(mv["organization"].to_numpy(dtype=object)).astype(object)) if len(mv) else np.array([], dtype=object)
    first_c = mv[mv["ctown"].notna()].drop_duplicates("organization")
    min_t = mv[mv["town"].notna()].sort_values(["organization", "town"], kind="stable").drop_duplicates("organization")
    ctown = lookup(comms, first_c["organization"], first_c["ctown"], np.nan)
    mtown = lookup(comms, min_t["organization"], min_t["town"], np.nan)
    comm = pd.DataFrame({"town": pd.Series(np.where(pd.isna(ctown), mtown, ctown), dtype=object)})
    comm["town_name"] = pd.Series(lookup(comm["town"], pidx, pname, np.nan), dtype=object)
    allk = pd.concat([vil[["town", "town_name"]], comm], ignore_index=True)
    key_all, names, order, _, _ = _group_keys(graph, allk, by)
    vkey = key_all.iloc[: len(vil)].to_numpy()
    ckey = key_all.iloc[len(vil):].to_numpy()
    v = vil.assign(key=vkey)
    v = v.take(argsort_strings(v["key"], v["village_name"]))  # (as sort_values, by pyarrow)
    g = v.groupby("key")
    counts = pd.DataFrame(index=pd.Index(order, dtype=object))
    counts["villages"] = g.size()
    counts["villages_covered"] = g["covered"].sum()
    counts["committees"] = pd.Series(ckey, dtype=object).value_counts()
    counts["share"] = counts["villages_covered"] / counts["villages"]
    unc = v[~v["covered"]]
    uk, ut = join_groups(unc["key"].to_numpy(dtype=object), unc["village_name"].to_numpy(dtype=object), limit=30)
    counts["uncovered_villages"] = pd.Series(ut, index=pd.Index(uk, dtype=object))
    out = _frame(key_all, names, order, counts)
    for c in ("committees", "villages", "villages_covered"):
        out[c] = out[c].fillna(0).astype(np.int64)
    out["uncovered_villages"] = out["uncovered_villages"].where(out["uncovered_villages"].notna(), "")
    return out[["group", "group_name", "committees", "villages", "villages_covered", "share", "uncovered_villages"]]


def weak_coverage(graph: Graph, *, as_of: Any = None, by: By = "town") -> pd.DataFrame:
    """Weak orgs (三类 or 软弱涣散 as of the date) covered by an active pairing.

    Returns
    -------
    DataFrame
        ``group, group_name, weak_orgs, third_class, weak_lax, paired, share, paired_strong,
        share_strong`` — ``paired`` counts weak orgs with any active pairing as the weak side,
        ``paired_strong`` those whose partner is 一类 (strong).

    Examples
    --------
    >>> from graphkit.analyses.toolkit import example_graph
    >>> weak_coverage(example_graph(), as_of="2024-06-30", by=None)[["weak_orgs", "paired", "paired_strong"]].to_dict("records")
    [{'weak_orgs': 4, 'paired': 2, 'paired_strong': 1}]
    """
    _check_by(by, (None, *GROUPINGS))
    ts = as_of_date(graph, as_of)
    facts = org_facts(graph, ts)
    pairs = active_pairings(graph, ts)
    fidx = facts_index(facts)
    wp = positions(pairs["weak"], fidx)
    sp = positions(pairs["strong"], fidx)
    n = len(facts)
    paired = np.zeros(n, dtype=bool)
    paired[wp[wp >= 0]] = True
    by_strong = (wp >= 0) & (sp >= 0)
    by_strong[by_strong] = facts["strong"].to_numpy(dtype=bool)[sp[by_strong]]
    paired_strong = np.zeros(n, dtype=bool)
    paired_strong[wp[by_strong]] = True
    sel = facts["weak"].to_numpy(dtype=bool)
    w = facts[sel]
    key, names, order, kc, kuniq = _group_keys(graph, w, by)
    m = len(kuniq)
    counts = pd.DataFrame(index=pd.Index(kuniq, dtype=object))
    counts["weak_orgs"] = np.bincount(kc, minlength=m).astype(np.int64)
    for col, flag in (("third_class", (w["category"] == "3").to_numpy(dtype=bool)),
                      ("weak_lax", w["weak_lax"].to_numpy(dtype=bool)), ("paired", paired[sel]),
                      ("paired_strong", paired_strong[sel])):
        counts[col] = np.bincount(kc, weights=flag, minlength=m).astype(np.int64)
    counts["share"] = counts["paired"] / counts["weak_orgs"]
    counts["share_strong"] = counts["paired_strong"] / counts["weak_orgs"]
    out = _frame(key, names, order, counts)
    for c in ("weak_orgs", "third_class", "weak_lax", "paired", "paired_strong"):
        out[c] = out[c].fillna(0).astype(np.int64)
    return out[["group", "group_name", "weak_orgs", "third_class", "weak_lax", "paired", "share", "paired_strong",
                "share_strong"]]


def two_coverages(graph: Graph, *, by: Literal["town"] | None = "town", as_of: Any = None) -> pd.DataFrame:
    """两个覆盖 of the unit roster: organization coverage and work coverage, per unit kind.

    Organization coverage: the unit has its own party org (``has_party_org`` or ``party_org``).
    Work coverage: organization coverage, or reached by a party org's work — a linked party org
    (``linked_org``) or a party-building instructor (``instructor``). ``as_of`` is accepted for
    uniformity; the unit roster has no dates, so it does not change the result.

    Returns
    -------
    DataFrame
        ``group, group_name, unit_kind, units, org_covered, org_share, work_covered, work_share``.

    Examples
    --------
    >>> from graphkit.analyses.toolkit import example_graph
    >>> t = two_coverages(example_graph(), by=None)
    >>> t[["unit_kind", "units", "org_covered", "work_covered"]].to_dict("records")
    [{'unit_kind': 'private', 'units': 3, 'org_covered': 1, 'work_covered': 2}, {'unit_kind': 'social', 'units': 1, 'org_covered': 0, 'work_covered': 1}]
    """
    _check_by(by, (None, "town"))
    u = graph.tables["Unit"]
    pos = ref_positions(graph, "Unit", "town")
    pname = graph.tables["Place"]["name"].to_numpy(dtype=object)
    tname = take(pname, pos, np.nan)
    kind = u["kind"].to_numpy(dtype=object)
    d = pd.DataFrame({"town": pd.Series(u["town"].to_numpy(dtype=object), dtype=object),
                      "town_name": pd.Series(tname, dtype=object)})
    has = u["has_party_org"].fillna(False).astype(bool).to_numpy() | u["party_org"].notna().to_numpy()
    ic, iu = factorize(u["instructor"].to_numpy(dtype=object))  # each distinct instructor checked once
    named = np.fromiter((isinstance(v, str) and v.strip() != "" for v in iu), dtype=bool, count=len(iu))
    instr = np.append(named, False)[np.where(ic < 0, len(iu), ic)]
    work = has | u["linked_org"].notna().to_numpy() | instr
    key, names, order, _, _ = _group_keys(graph, d, by)
    known = ~pd.isna(kind)
    kinds = order_codes(graph.model, "unit_kind", set(kind[known].tolist()))
    gi = positions(key.to_numpy(dtype=object)[known], pd.Index(order, dtype=object))
    ki = positions(kind[known], pd.Index(kinds, dtype=object))
    nk = max(len(kinds), 1)
    combo = gi.astype(np.int64) * nk + ki
    up, units = np.unique(combo, return_counts=True)
    at = np.searchsorted(up, combo)
    org_cov = np.bincount(at, weights=has[known], minlength=len(up)).astype(np.int64)
    work_cov = np.bincount(at, weights=work[known], minlength=len(up)).astype(np.int64)
    groups = [order[i] for i in (up // nk).tolist()]
    # dtypes as pandas' groupby gives them (str keys once the roster has rows)
    out = pd.DataFrame({"group": pd.Series(groups, dtype="str" if len(u) else object),
                        "group_name": pd.Series(names.reindex(pd.Index(groups, dtype=object)).to_numpy(dtype=object), dtype=object),
                        "unit_kind": pd.Series([kinds[i] for i in (up % nk).tolist()], dtype="str" if len(up) else object),
                        "units": units.astype(np.int64), "org_covered": org_cov, "work_covered": work_cov})
    out["org_share"] = out["org_covered"] / out["units"]
    out["work_share"] = out["work_covered"] / out["units"]
    return out[["group", "group_name", "unit_kind", "units", "org_covered", "org_share", "work_covered", "work_share"]]


def chain_stage_coverage(graph: Graph, *, as_of: Any = None) -> pd.DataFrame:
    """For each industry chain, each stage with the party orgs present in it.

    A stage has party presence when an org is an active member of an active alliance with that
    stage (``Membership.stage``).

    Returns
    -------
    DataFrame
        ``chain_id, chain, stage_id, stage, order, members, member_names, no_presence``, chains by
        name, stages in order.

    Examples
    --------
    >>> from graphkit.analyses.toolkit import example_graph
    >>> s = chain_stage_coverage(example_graph(), as_of="2024-06-30")
    >>> s.loc[s["no_presence"], "stage"].tolist()
    ['收茧']
    """
    ts = as_of_date(graph, as_of)
    st = graph.tables["ChainStage"]
    chains = graph.names("IndustryChain")
    out = pd.DataFrame({"chain_id": st["chain"].to_numpy(dtype=object), "stage_id": st["id"].to_numpy(dtype=object),
                        "stage": st["name"].to_numpy(dtype=object), "order": st["order"].to_numpy()})
    out["chain"] = out["chain_id"].map(chains).astype(object)
    mem = active_memberships(graph, ts)
    mem = mem[mem["stage"].notna()][["stage", "member"]].drop_duplicates()
    mem["name"] = pd.Series(lookup(mem["member"], org_index(graph), graph.tables["Organization"]["name"].to_numpy(dtype=object),
                                   np.nan), index=mem.index, dtype=object)
    mem = mem.sort_values(["stage", "name"])
    out["members"] = out["stage_id"].map(mem.groupby("stage").size()).fillna(0).astype(np.int64)
    if len(mem):
        sk, stxt = join_groups(mem["stage"].to_numpy(dtype=object), mem["name"].to_numpy(dtype=object), limit=20)
        names = pd.Series(stxt, index=pd.Index(sk, dtype=object), dtype=object)
    else:
        names = pd.Series(dtype=object)
    out["member_names"] = out["stage_id"].map(names).astype(object)
    out["member_names"] = out["member_names"].where(out["member_names"].notna(), "")
    out["no_presence"] = out["members"] == 0
    out["order"] = pd.array(out["order"], dtype="Int64")
    out = out.sort_values(["chain", "chain_id", "order", "stage_id"], kind="stable").reset_index(drop=True)
    return out[["chain_id", "chain", "stage_id", "stage", "order", "members", "member_names", "no_presence"]]
