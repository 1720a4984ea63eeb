"""Province analyses: the counties compared (coverage, pairing gaps, cross-county links, ranking).

A province graph (``graphkit build PROVINCE_DIR``) knows the folder of every record
(``county_of.parquet``, :func:`graphkit.store.province.record_counties`). The table here has one row
per county (and per city or province level), with the figures the county analyses give by town:
how many organizations take part in a mechanism, how many weak (三类 or 软弱涣散) organizations
have a strong partner, and the links that cross the county line, counted on both sides.

Examples
--------
>>> import graphkit as gk
>>> county_comparison(gk.sample_graph()).empty  # one county's graph: nothing to compare
True
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .toolkit import as_of_date
from ..core.model import Graph
from ..store.province import record_counties

__all__ = ["COLUMNS", "county_comparison", "is_province_graph"]

#: Column -> (Chinese, English) header of the comparison table.
COLUMNS: dict[str, tuple[str, str]] = {
    "rank": ("排名", "Rank"),
    "county": ("县（市级、省级）", "County (or level)"),
    "level": ("层级", "Level"),
    "orgs": ("党组织", "Orgs"),
    "in_mechanism": ("参与联建的党组织", "Orgs in a mechanism"),
    "coverage_share": ("参与率", "Share taking part"),
    "weak_orgs": ("后进党组织", "Weak orgs"),
    "weak_paired": ("有帮扶的后进党组织", "Weak orgs with a partner"),
    "weak_paired_share": ("后进党组织帮扶率", "Share of weak orgs paired"),
    "weak_unpaired": ("无帮扶的后进党组织", "Weak orgs without a partner"),
    "pairings": ("结对（在结）", "Pairings (active)"),
    "cross_pairings": ("跨县结对", "Cross-county pairings"),
    "cross_memberships": ("跨县联建成员", "Cross-county memberships"),
    "activities": ("联建活动（主办）", "Activities hosted"),
    "cross_participations": ("跨县活动参与", "Cross-county participations"),
}
_LEVEL_ZH = {"county": "县", "city": "市级", "province": "省级"}


def is_province_graph(graph: Graph) -> bool:
    """Whether the graph was read from a province output folder."""
    return bool(graph.settings.get("province")) and not record_counties(graph, "Organization").empty


def _active(t: pd.DataFrame, ts: pd.Timestamp) -> np.ndarray:
    start = pd.to_datetime(t["start"]) if "start" in t else pd.Series(pd.NaT, index=t.index)
    end = pd.to_datetime(t["end"]) if "end" in t else pd.Series(pd.NaT, index=t.index)
    return ((start.isna() | (start <= ts)) & (end.isna() | (end >= ts))).to_numpy(dtype=bool)


def county_comparison(graph: Graph, *, as_of: Any = None) -> pd.DataFrame:
    """One row per county (and upper level) of a province graph, ranked by the share taking part.

    Parameters
    ----------
    graph
        A graph read from a province output folder; any other graph gives an empty table.
    as_of
        The date pairings and memberships are counted at (default: the graph's reference date).

    Returns
    -------
    DataFrame
        The columns of :data:`COLUMNS`. ``cross_*`` links have their two ends in different
        folders and are counted in both; ``rank`` ranks the counties (not the upper levels) by
        ``coverage_share``, then ``weak_paired_share`` (1 = best).
    """
    owners = record_counties(graph)
    if owners.empty or not graph.settings.get("province"):
        return pd.DataFrame(columns=list(COLUMNS))
    ts = as_of_date(graph, as_of)
    units = owners.drop_duplicates("county")[["county", "level"]].reset_index(drop=True)
    units = units[units["level"] != "province"].reset_index(drop=True) if (units["level"] != "province").any() else units
    pos = pd.Index(units["county"])
    by_type = {t: g for t, g in owners.groupby("type", sort=False)}

    def county_of(type_name: str, ids: pd.Series) -> np.ndarray:
        o = by_type.get(type_name)
        if o is None:
            return np.full(len(ids), -1)
        idx = pd.Index(o["id"].to_numpy(dtype=object))
        at = idx.get_indexer(ids.to_numpy(dtype=object))
        names = o["county"].to_numpy(dtype=object)
        return np.where(at >= 0, pos.get_indexer(names[np.maximum(at, 0)]), -1)

    n = len(units)

    def count(codes: np.ndarray) -> np.ndarray:
        return np.bincount(codes[codes >= 0], minlength=n)[:n]

    orgs = graph.tables["Organization"]
    oc = county_of("Organization", orgs["id"])
    org_pos = pd.Index(orgs["id"].to_numpy(dtype=object))
    weak = ((orgs["category"].astype(object) == "3") | (orgs["weak_lax"].astype("boolean").fillna(False))).to_numpy(dtype=bool)
    pr = graph.tables["Pairing"]
    pr = pr[_active(pr, ts)]
    mem = graph.tables["Membership"]
    mem = mem[_active(mem, ts)]
    involved = np.zeros(len(orgs), dtype=bool)
    for col in (pr["strong"], pr["weak"], mem["member"]):
        at = org_pos.get_indexer(col.to_numpy(dtype=object))
        involved[at[at >= 0]] = True
    paired = np.zeros(len(orgs), dtype=bool)
    at = org_pos.get_indexer(pr["weak"].to_numpy(dtype=object))
    paired[at[at >= 0]] = True
    sc, wc = county_of("Organization", pr["strong"]), county_of("Organization", pr["weak"])
    cross_p = sc != wc
    pairings = count(wc) + count(np.where(cross_p, sc, -1))
    cross_pairings = count(np.where(cross_p, sc, -1)) + count(np.where(cross_p, wc, -1))
    mc, cc = county_of("Organization", mem["member"]), county_of("Collaboration", mem["organization"])
    cross_m = (mc != cc) & (mc >= 0) & (cc >= 0)
    cross_memberships = count(np.where(cross_m, mc, -1)) + count(np.where(cross_m, cc, -1))
    acts = graph.tables["Activity"]
    ac = county_of("Organization", acts["host"]) if "host" in acts else np.full(len(acts), -1)
    part = graph.tables["Participation"]
    if len(part) and "org" in part and "activity" in part:
        pc_, pa_ = county_of("Organization", part["org"]), county_of("Activity", part["activity"])  # read whole
        cross_a = (pc_ != pa_) & (pc_ >= 0) & (pa_ >= 0)
        cross_part = count(np.where(cross_a, pc_, -1)) + count(np.where(cross_a, pa_, -1))
    else:
        cross_part = np.zeros(n, dtype=np.int64)
    n_orgs = count(oc)
    n_in = count(np.where(involved, oc, -1))
    n_weak = count(np.where(weak, oc, -1))
    n_paired = count(np.where(weak & paired, oc, -1))
    with np.errstate(invalid="ignore", divide="ignore"):
        cov = np.where(n_orgs > 0, n_in / np.maximum(n_orgs, 1), np.nan)
        wps = np.where(n_weak > 0, n_paired / np.maximum(n_weak, 1), np.nan)
    out = pd.DataFrame({
        "county": units["county"], "level": units["level"], "orgs": n_orgs, "in_mechanism": n_in,
        "coverage_share": cov.round(4), "weak_orgs": n_weak, "weak_paired": n_paired,
        "weak_paired_share": wps.round(4), "weak_unpaired": n_weak - n_paired, "pairings": pairings,
        "cross_pairings": cross_pairings, "cross_memberships": cross_memberships, "activities": count(ac),
        "cross_participations": cross_part,
    })
    is_c = out["level"] == "county"
    ranked = out[is_c].sort_values(["coverage_share", "weak_paired_share", "county"], ascending=[False, False, True],
                                   na_position="last", kind="stable")
    rank = pd.Series(pd.NA, index=out.index, dtype="Int64")
    rank[ranked.index] = np.arange(1, len(ranked) + 1)
    out.insert(0, "rank", rank)
    out = pd.concat([out.loc[ranked.index], out[~is_c]], ignore_index=True)
    return out[list(COLUMNS)]


def present(df: pd.DataFrame) -> pd.DataFrame:
    """The comparison with Chinese headers and levels in words (for the report and the workbook)."""
    out = df.copy()
    out["level"] = out["level"].map(_LEVEL_ZH).fillna(out["level"])
    return out.rename(columns={k: v[0] for k, v in COLUMNS.items()})
