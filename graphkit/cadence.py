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
>>> from graphkit._analysis import example_graph
>>> from graphkit.cadence import district_cadence
>>> c = district_cadence(example_graph(), as_of="2024-11-20")
>>> c["missed_months"]["period"].tolist()
['2024年03月']
>>> c["missed_quarters"]["period"].tolist()
['2024年第2季度', '2024年第3季度']
>>> c["never_hosted"]["name"].tolist()
['县司法局机关党支部', '县科协机关党支部']
"""
from __future__ import annotations

from typing import Any, Iterable

import numpy as np
import pandas as pd

from ._analysis import as_of_date, isin, overlap_mask
from .clusters import _codes, _name_of, _positions, _take
from .errors import GraphkitError
from .model import Graph

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
        idx = np.arange(1, 13)
    elif kind == "quarter":
        starts = pd.date_range(f"{year}-01-01", periods=4, freq="QS")
        labels = [f"{year}年第{q}季度" for q in range(1, 5)]
        idx = np.arange(1, 5)
    else:
        starts = pd.DatetimeIndex([pd.Timestamp(f"{year}-01-01"), pd.Timestamp(f"{year}-07-01")])
        labels = [f"{year}年{_HALF[h]}" for h in (1, 2)]
        idx = np.arange(1, 3)
    step = {"month": 1, "quarter": 3, "half": 6}[kind]
    ends = starts + pd.DateOffset(months=step) - pd.Timedelta(days=1)
    return pd.DataFrame({"p": idx, "period": labels, "period_start": starts.astype("datetime64[s]"),
                         "period_end": ends.astype("datetime64[s]")})


def _period_index(dates: pd.Series, kind: str) -> np.ndarray:
    m = pd.to_datetime(dates).dt.month.to_numpy()
    return {"month": m, "quarter": (m - 1) // 3 + 1, "half": (m - 1) // 6 + 1}[kind]


def district_cadence(graph: Graph, *, as_of: Any = None, year: int | None = None,
                     kinds: Iterable[str] = ("district",)) -> dict[str, pd.DataFrame]:
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
        Collaboration kinds held to the rhythm (default 片区 only).

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
    >>> from graphkit._analysis import example_graph
    >>> s = district_cadence(example_graph(), as_of="2024-11-20")["summary"]
    >>> s[["district", "months_due", "months_missed", "quarters_missed", "half_years_missed", "ok"]].to_dict("records")
    [{'district': '第一片区', 'months_due': 10, 'months_missed': 1, 'quarters_missed': 2, 'half_years_missed': 0, 'ok': False}]
    """
    ts = as_of_date(graph, as_of)
    year = int(ts.year if year is None else year)
    if year > ts.year:
        raise GraphkitError(f"年度 {year} 晚于截止日期 {ts.date()} / year {year} is after the as-of date")
    kinds = tuple(kinds)
    codes = set(graph.model.codelists["activity_type"].codes)
    for c in (MUTUAL_INSPECTION, CROSS_INSPECTION):
        if c not in codes:  # pragma: no cover - guards a schema change
            raise GraphkitError(f"活动类型代码表缺少 {c} / activity_type code list lacks {c}")
    lo = pd.Timestamp(f"{year}-01-01")
    hi = min(pd.Timestamp(f"{year}-12-31"), ts)

    col = graph.tables["Collaboration"]
    d = col[isin(col["kind"], kinds) & overlap_mask(col["start"], col["end"], lo, hi)]
    dist = pd.DataFrame({"district_id": d["id"].to_numpy(dtype=object), "district": d["name"].to_numpy(dtype=object),
                         "guide": _name_of(graph, "Person", d["guide"]),
                         "d_start": d["start"].to_numpy(), "d_end": d["end"].to_numpy()})
    dist = dist.sort_values(["district", "district_id"], kind="stable").reset_index(drop=True)
    drank = {d: i for i, d in enumerate(dist["district_id"])}

    mem = graph.tables["Membership"]
    mem = mem[isin(mem["organization"], dist["district_id"]) & overlap_mask(mem["start"], mem["end"], lo, hi)]
    mem = mem[["organization", "member", "role", "host_month"]].rename(columns={"organization": "district_id"})

    acts = graph.tables["Activity"]
    acts = acts[(acts["date"] >= lo) & (acts["date"] <= hi)][["id", "date", "type", "host", "group"]]
    # the district each activity belongs to
    grp = acts["group"].to_numpy(dtype=object)
    no_group = pd.isna(grp) & acts["host"].notna().to_numpy()
    if no_group.any():
        # the host's district, when it belongs to exactly one
        md = mem.drop_duplicates(["member", "district_id"])
        members = md["member"].to_numpy(dtype=object)
        mc, mu = _codes(members, sort=False)
        sole = (mc >= 0) & (np.bincount(mc[mc >= 0], minlength=len(mu))[np.maximum(mc, 0)] == 1)
        grp = grp.copy()
        grp[no_group] = _take(md["district_id"].to_numpy(dtype=object)[sole],
                              _positions(members[sole], acts["host"].to_numpy(dtype=object)[no_group]))
    acts = acts.assign(district_id=grp)
    acts_d = acts[isin(acts["district_id"], dist["district_id"])]

    grids: dict[str, pd.DataFrame] = {}

    def missed(kind: str, mask: np.ndarray) -> tuple[pd.DataFrame, pd.Series, pd.Series]:
        per = _periods(year, kind)
        per = per[per["period_end"] <= ts]
        grid = dist.merge(per, how="cross")
        alive = overlap_mask(grid["d_start"], grid["d_end"], grid["period_start"], grid["period_end"])
        grid = grid[alive]
        a = acts_d[mask]
        done = pd.DataFrame({"district_id": a["district_id"].to_numpy(dtype=object),
                             "p": _period_index(a["date"], kind)})
        done = done.drop_duplicates().assign(_done=True)
        grid = grid.merge(done, on=["district_id", "p"], how="left")
        grids[kind] = grid
        miss = grid[grid["_done"].isna()]
        due = grid.groupby("district_id").size()
        n_miss = miss.groupby("district_id").size()
        out = miss.assign(year=year)[["district_id", "district", "guide", "year", "period", "period_start", "period_end"]]
        return out.reset_index(drop=True), due, n_miss

    types = acts_d["type"].to_numpy(dtype=object)
    res: dict[str, pd.DataFrame] = {}
    res["missed_months"], m_due, m_miss = missed("month", ~isin(types, [MUTUAL_INSPECTION, CROSS_INSPECTION]))
    res["missed_quarters"], q_due, q_miss = missed("quarter", types == MUTUAL_INSPECTION)
    res["missed_half_years"], h_due, h_miss = missed("half", types == CROSS_INSPECTION)

    # members that never hosted an activity of their district in the year
    hosted = acts_d.groupby(["district_id", "host"]).size().rename("hosted").reset_index()
    mm = mem.drop_duplicates(["district_id", "member"]).merge(hosted, left_on=["district_id", "member"],
                                                              right_on=["district_id", "host"], how="left")
    never = mm[mm["hosted"].isna()].merge(dist[["district_id", "district"]], on="district_id")
    never = never.assign(org_id=never["member"], name=_name_of(graph, "Organization", never["member"]))
    never["host_month"] = pd.array(never["host_month"], dtype="Int64")
    never = never.assign(_d=never["district_id"].map(drank))
    res["never_hosted"] = never.sort_values(["_d", "name", "org_id"])[
        ["district_id", "district", "org_id", "name", "role", "host_month"]].reset_index(drop=True)

    # activity counts by type
    order = {c: i for i, c in enumerate(graph.model.codelists["activity_type"].codes)}
    cnt = acts_d.groupby(["district_id", "type"]).size().rename("count").reset_index()
    cnt = cnt.merge(dist[["district_id", "district"]], on="district_id")
    cnt = cnt.assign(_o=cnt["type"].map(order), _d=cnt["district_id"].map(drank)).sort_values(["_d", "_o"])
    res["activity_counts"] = cnt[["district_id", "district", "type", "count"]].reset_index(drop=True)

    # month by month: activities (other than inspections) per district, due and missed months
    per = _periods(year, "month")
    mo = dist[["district_id", "district"]].merge(per[["p", "period"]], how="cross")
    monthly = acts_d[~isin(types, [MUTUAL_INSPECTION, CROSS_INSPECTION])]
    mc = pd.DataFrame({"district_id": monthly["district_id"].to_numpy(dtype=object),
                       "p": _period_index(monthly["date"], "month")}).groupby(["district_id", "p"]).size().rename("activities")
    mo = mo.join(mc, on=["district_id", "p"])
    mo["activities"] = mo["activities"].fillna(0).astype(np.int64)
    due_grid = grids["month"][["district_id", "p", "_done"]]
    mo = mo.merge(due_grid, on=["district_id", "p"], how="left", indicator="_due")
    mo["due"] = (mo["_due"] == "both").to_numpy()
    mo["missed"] = mo["due"] & mo["_done"].isna()
    res["months"] = mo.rename(columns={"p": "month"})[["district_id", "district", "month", "period", "activities", "due",
                                                     "missed"]].reset_index(drop=True)

    s = dist[["district_id", "district", "guide"]].copy()
    ids = s["district_id"]
    s["members"] = ids.map(mem.groupby("district_id")["member"].nunique()).fillna(0).astype(np.int64)
    s["activities"] = ids.map(acts_d.groupby("district_id").size()).fillna(0).astype(np.int64)
    for name, due, miss in (("months", m_due, m_miss), ("quarters", q_due, q_miss), ("half_years", h_due, h_miss)):
        s[f"{name}_due"] = ids.map(due).fillna(0).astype(np.int64)
        s[f"{name}_missed"] = ids.map(miss).fillna(0).astype(np.int64)
    s["never_hosted"] = ids.map(res["never_hosted"].groupby("district_id").size()).fillna(0).astype(np.int64)
    s["ok"] = (s["months_missed"] == 0) & (s["quarters_missed"] == 0) & (s["half_years_missed"] == 0)
    s.insert(3, "year", year)
    res["summary"] = s.reset_index(drop=True)
    return {k: res[k] for k in CADENCE_KEYS}
