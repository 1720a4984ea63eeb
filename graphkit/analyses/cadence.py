"""Cadence 活动节奏: did each district meet "月月有活动、季季有自检、半年有督导"?

Seed 001 (石泉) sets the rhythm of a 片区: a joint activity every month hosted by the member on
rotation, a mutual inspection (互督) inside the district every quarter, and a cross inspection
(交叉巡回督导) between districts every half year. :func:`district_cadence` checks it for one
calendar year up to the as-of date: only periods that have *ended* by then (and during which the
district existed) are due.

An activity belongs to a district when its ``group`` is the district; an activity without a
group is credited to its host's district when the host belongs to exactly one. A cross
inspection counts for the district it inspected (its ``group``), not for the inspectors' own.

Examples
--------
>>> from graphkit.analyses.toolkit import example_graph
>>> from graphkit.analyses.cadence import district_cadence
>>> c = district_cadence(example_graph(), as_of="2024-11-20")
>>> c["missed_months"]["period"].tolist()
['2024年03月']
>>> c["missed_quarters"]["period"].tolist()
['2024年第2季度', '2024年第3季度']
>>> c["never_hosted"]["name"].tolist()
['县司法局机关党支部', '县科协机关党支部']
"""
from __future__ import annotations

from typing import Any
from collections.abc import Iterable

import numpy as np
import pandas as pd

from .toolkit import (as_of_date, code_order, codes_of, isin, name_of, natural_key, objs, overlap_mask, positions,
                      sort_rank, strs, take)
from ..core.errors import GraphkitError
from ..core.model import Graph

__all__ = ["district_cadence", "CADENCE_KEYS", "MUTUAL_INSPECTION", "CROSS_INSPECTION"]

#: Activity type of the quarterly mutual inspection (互督) and the half-yearly cross inspection.
MUTUAL_INSPECTION = "mutual_inspection"
CROSS_INSPECTION = "cross_inspection"
#: Keys of :func:`district_cadence`'s result.
CADENCE_KEYS = ("summary", "missed_months", "missed_quarters", "missed_half_years", "never_hosted", "activity_counts",
                "months")

_HALF = {1: "上半年", 2: "下半年"}


def _periods(year: int, kind: str) -> pd.DataFrame:
    if kind == "month":
        starts = pd.date_range(f"{year}-01-01", periods=12, freq="MS")
        labels = [f"{year}年{m:02d}月" for m in range(1, 13)]
    elif kind == "quarter":
        starts = pd.date_range(f"{year}-01-01", periods=4, freq="QS")
        labels = [f"{year}年第{q}季度" for q in range(1, 5)]
    else:
        starts = pd.DatetimeIndex([pd.Timestamp(f"{year}-01-01"), pd.Timestamp(f"{year}-07-01")])
        labels = [f"{year}年{_HALF[h]}" for h in (1, 2)]
    step = {"month": 1, "quarter": 3, "half": 6}[kind]
    ends = starts + pd.DateOffset(months=step) - pd.Timedelta(days=1)
    return pd.DataFrame({"period": labels, "period_start": starts.astype("datetime64[s]"),
                         "period_end": ends.astype("datetime64[s]")})


def _period_index(months: np.ndarray, kind: str) -> np.ndarray:
    """Period number (1..) of each month number (1..12)."""
    m = np.asarray(months, dtype=np.int64)
    return {"month": m, "quarter": (m - 1) // 3 + 1, "half": (m - 1) // 6 + 1}[kind]


def district_cadence(graph: Graph, *, as_of: Any = None, year: int | None = None,
                     kinds: Iterable[str] | None = None) -> dict[str, pd.DataFrame]:
    """Check the district rhythm for one year up to a date.

    Parameters
    ----------
    graph
        The graph.
    as_of
        The date (default: the graph's reference date); periods ending after it are not due yet.
    year
        The calendar year to check (default: the year of ``as_of``).
    kinds
        Collaboration kinds held to the rhythm (default: the mechanisms declared with
        ``cadence: true`` in ``schema/mechanisms.yaml``, 片区 only).

    Returns
    -------
    dict of DataFrame
        ``summary`` (one row per district: members, activities, months/quarters/half-years due and
        missed, never_hosted, ok); ``missed_months``, ``missed_quarters`` (no 互督),
        ``missed_half_years`` (no 交叉巡回督导): ``district_id, district, guide, year, period,
        period_start, period_end``; ``never_hosted``: ``district_id, district, org_id, name, role,
        host_month``; ``activity_counts``: ``district_id, district, type, count``; ``months``: one row
        per district and month, ``district_id, district, month, period, activities, due, missed``.

    Examples
    --------
    >>> from graphkit.analyses.toolkit import example_graph
    >>> s = district_cadence(example_graph(), as_of="2024-11-20")["summary"]
    >>> s[["district", "months_due", "months_missed", "quarters_missed", "half_years_missed", "ok"]].to_dict("records")
    [{'district': '第一片区', 'months_due': 10, 'months_missed': 1, 'quarters_missed': 2, 'half_years_missed': 0, 'ok': False}]
    """
    ts = as_of_date(graph, as_of)
    year = int(ts.year if year is None else year)
    if year > ts.year:
        raise GraphkitError(f"年度 {year} 晚于截止日期 {ts.date()} / year {year} is after the as-of date")
    kinds = graph.model.collab_kinds(cadence=True) if kinds is None else tuple(kinds)
    codes = set(graph.model.codelists["activity_type"].codes)
    for c in (MUTUAL_INSPECTION, CROSS_INSPECTION):
        if c not in codes:  # pragma: no cover - guards a schema change
            raise GraphkitError(f"活动类型代码表缺少 {c} / activity_type code list lacks {c}")
    lo = pd.Timestamp(f"{year}-01-01")
    hi = min(pd.Timestamp(f"{year}-12-31"), ts)

    # districts (by name in natural order: 第二片区 before 第十片区; then id), as positions 0..D-1
    col = graph.tables["Collaboration"]
    d = col[isin(col["kind"], kinds) & overlap_mask(col["start"], col["end"], lo, hi)]
    did0, dname0 = d["id"].to_numpy(dtype=object), d["name"].to_numpy(dtype=object)
    o = np.lexsort((sort_rank(did0), sort_rank(np.array([natural_key(n) for n in dname0.tolist()], dtype=object))))
    did, dname = did0[o], dname0[o]
    guide = name_of(graph, "Person", d["guide"].to_numpy(dtype=object)[o])
    d_start, d_end = d["start"].to_numpy()[o], d["end"].to_numpy()[o]
    D = len(did)
    didx = pd.Index(did, dtype=object)
    # text columns keep the dtype pandas gives the whole district column (also when a result is empty)
    typed = {k: strs(v).dtype for k, v in (("id", did), ("name", dname), ("guide", guide))}

    def dcol(kind: str, rows: np.ndarray) -> pd.Series:
        return pd.Series({"id": did, "name": dname, "guide": guide}[kind][rows], dtype=typed[kind])

    # memberships in the year
    mem = graph.tables["Membership"]
    m_d = positions(mem["organization"].to_numpy(dtype=object), didx) if D else np.full(len(mem), -1)
    keep = (m_d >= 0) & overlap_mask(mem["start"], mem["end"], lo, hi)
    m_d = m_d[keep]
    m_member = mem["member"].to_numpy(dtype=object)[keep]
    m_role = mem["role"].to_numpy(dtype=object)[keep]
    m_host_month = mem["host_month"].to_numpy(dtype=object, na_value=None)[keep]
    mc, mu = codes_of(m_member, sort=False)
    nmu = max(len(mu), 1)
    _, first = np.unique(m_d.astype(np.int64) * nmu + mc, return_index=True)  # one row per (district, member)
    first = np.sort(first)

    # activities in the year and the district each belongs to
    acts = graph.tables["Activity"]
    in_year = ((acts["date"] >= lo) & (acts["date"] <= hi)).to_numpy(dtype=bool)
    grp = acts["group"].to_numpy(dtype=object)[in_year]
    host = acts["host"].to_numpy(dtype=object)[in_year]
    a_d = positions(grp, didx) if D else np.full(len(grp), -1)
    no_group = pd.isna(grp) & ~pd.isna(host)
    if no_group.any():
        # the host's district, when it belongs to exactly one
        md, mm_ = m_d[first], m_member[first]
        sole = np.bincount(mc[first], minlength=nmu)[mc[first]] == 1
        a_d[no_group] = np.asarray(take(md[sole].astype(object), positions(host[no_group], mm_[sole]), -1), dtype=np.int64)
    ad = a_d >= 0
    a_d, host = a_d[ad].astype(np.int64), host[ad]
    a_type = acts["type"].to_numpy(dtype=object)[in_year][ad]
    a_month = pd.DatetimeIndex(acts["date"].to_numpy()[in_year][ad]).month.to_numpy().astype(np.int64)
    inspection = isin(a_type, [MUTUAL_INSPECTION, CROSS_INSPECTION])
    res: dict[str, pd.DataFrame] = {}

    def grid(kind: str, mask: np.ndarray) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
        """Due periods (district × period, existing and ended by ts) and whether each had an activity."""
        per = _periods(year, kind)
        per = per[per["period_end"] <= ts]
        P = len(per)
        gd = np.repeat(np.arange(D), P)
        gp = np.tile(np.arange(P), D)
        ps, pe = per["period_start"].to_numpy()[gp], per["period_end"].to_numpy()[gp]
        alive = overlap_mask(pd.Series(d_start[gd]), pd.Series(d_end[gd]), ps, pe)
        pidx = _period_index(a_month[mask], kind) - 1
        done = np.zeros((D, max(P, 1)), dtype=bool)
        ok = pidx < P
        done[a_d[mask][ok], pidx[ok]] = True
        gdone = done[gd, gp] if P else np.zeros(0, dtype=bool)
        return per, np.flatnonzero(alive), gdone

    grids: dict[str, tuple[pd.DataFrame, np.ndarray, np.ndarray]] = {}

    def missed(kind: str, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        per, rows, gdone = grids[kind] = grid(kind, mask)
        P = len(per)
        miss = rows[~gdone[rows]]
        md, mp = miss // max(P, 1), miss % max(P, 1)
        res[f"missed_{ {'month': 'months', 'quarter': 'quarters', 'half': 'half_years'}[kind]}"] = pd.DataFrame({
            "district_id": dcol("id", md), "district": dcol("name", md), "guide": dcol("guide", md),
            "year": np.full(len(md), year, dtype=np.int64),
            "period": pd.Series(per["period"].to_numpy(dtype=object)[mp], dtype="str"),
            "period_start": per["period_start"].to_numpy()[mp], "period_end": per["period_end"].to_numpy()[mp]})
        return np.bincount(rows // max(P, 1), minlength=D), np.bincount(md, minlength=D)

    m_due, m_miss = missed("month", ~inspection)
    q_due, q_miss = missed("quarter", a_type == MUTUAL_INSPECTION)
    h_due, h_miss = missed("half", a_type == CROSS_INSPECTION)

    # members that never hosted an activity of their district in the year
    hc = positions(host, mu) if len(mu) else np.full(len(host), -1)
    hok = hc >= 0
    hosted = np.unique(a_d[hok] * nmu + hc[hok])  # (district, member) pairs as one int64 each
    nh = first[~np.isin(m_d[first].astype(np.int64) * nmu + mc[first], hosted)]
    nh_name = name_of(graph, "Organization", m_member[nh])
    o = np.lexsort((sort_rank(m_member[nh]), sort_rank(nh_name), m_d[nh]))
    nh = nh[o]
    res["never_hosted"] = pd.DataFrame({
        "district_id": objs(did[m_d[nh]]), "district": dcol("name", m_d[nh]), "org_id": objs(m_member[nh]),
        "name": strs(nh_name[o]), "role": objs(m_role[nh]),
        "host_month": pd.array(m_host_month[nh].tolist(), dtype="Int64")})

    # activity counts by type (declared order)
    tc, tu = codes_of(a_type)
    tok = tc >= 0
    nt = max(len(tu), 1)
    pairs, counts = np.unique(a_d[tok] * nt + tc[tok], return_counts=True)
    cd, ct = pairs // nt, pairs % nt
    t_rank = code_order(graph.model, "activity_type", tu, missing=np.inf)
    o = np.lexsort((ct, t_rank[ct] if len(ct) else ct, cd))
    res["activity_counts"] = pd.DataFrame({"district_id": dcol("id", cd[o]), "district": dcol("name", cd[o]),
                                           "type": strs(tu[ct[o]]), "count": counts[o].astype(np.int64)})

    # month by month: activities (other than inspections) per district, due and missed months
    per = _periods(year, "month")
    monthly = np.bincount(a_d[~inspection] * 12 + a_month[~inspection] - 1, minlength=D * 12)
    mper, mrows, mdone = grids["month"]  # the due-month grid computed for missed_months
    due = np.zeros(D * 12, dtype=bool)
    done = np.zeros(D * 12, dtype=bool)
    P = len(mper)
    if P:
        cell = (mrows // P) * 12 + mrows % P
        due[cell] = True
        done[cell] = mdone[mrows]
    md = np.repeat(np.arange(D), 12)
    res["months"] = pd.DataFrame({"district_id": dcol("id", md), "district": dcol("name", md),
                                  "month": np.tile(np.arange(1, 13), D).astype(np.int64),
                                  "period": strs(np.tile(per["period"].to_numpy(dtype=object), D)),
                                  "activities": monthly.astype(np.int64), "due": due, "missed": due & ~done})

    n_members = np.bincount(m_d[first], minlength=D).astype(np.int64)
    everyone = np.arange(D)
    s = pd.DataFrame({"district_id": dcol("id", everyone), "district": dcol("name", everyone),
                      "guide": dcol("guide", everyone)})
    s.insert(3, "year", year)
    s["members"] = n_members
    s["activities"] = np.bincount(a_d, minlength=D).astype(np.int64)
    for name, due_, miss_ in (("months", m_due, m_miss), ("quarters", q_due, q_miss), ("half_years", h_due, h_miss)):
        s[f"{name}_due"] = due_.astype(np.int64)
        s[f"{name}_missed"] = miss_.astype(np.int64)
    s["never_hosted"] = np.bincount(m_d[nh], minlength=D).astype(np.int64)
    s["ok"] = (s["months_missed"] == 0) & (s["quarters_missed"] == 0) & (s["half_years_missed"] == 0)
    res["summary"] = s
    return {k: res[k] for k in CADENCE_KEYS}
