"""Province analyses: the counties compared (coverage, pairing gaps, cross-county links, ranking).

Besides :func:`county_comparison` (the report's ranking), three registry analyses give the county
analyses by county instead of by town: :func:`coverage_by_county`, :func:`pairing_gaps_by_county`
and :func:`cadence_by_county` (tables ``coverage_by_county``, ``pairing_gaps_by_county``,
``cadence_by_county`` of ``run_all``). Each has one row per county, then one per city or province
level holding organizations; a link whose two ends sit in different counties counts in both.

On a graph of one county (not a province) each of them gives **one row**, the county itself (its
name from the graph's settings), rather than nothing: the tables keep the same columns for any
graph, the one row equals the county's overall figures (``coverage_overall``, the gap tables'
lengths, ``cadence_summary``'s totals), and a province team that puts its counties' workbooks
side by side finds the same sheet in each.

A province graph (``graphkit build PROVINCE_DIR``) knows the folder of every record
(``county_of/<Type>.parquet``, :func:`graphkit.store.province.record_counties`). The table here has one row
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

import threading
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .toolkit import (active_pairings, as_of_date, facts_index, id_positions, mechanism_members, mechanisms, memo,
                      org_facts, positions)
from ..core.model import Graph
from ..store.province import record_counties

__all__ = ["COLUMNS", "cadence_by_county", "county_comparison", "coverage_by_county",
           "is_province_graph", "pairing_gaps_by_county"]

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


# ---- every analysis by county (registry tables) ---------------------------------------------------

#: The by-county tables' own columns and level labels are declared in the registry (one place).
_LEVEL_RANK = {"county": 0, "city": 1, "province": 2}


class _Counties:
    """The counties (and upper levels) of a graph and the county of any record, as row codes.

    A province graph: its folders holding organizations, counties first (in folder order), then the
    city and province levels. Any other graph: one unit, the county of its settings, holding every record.
    The county of each record is read from the output's ``county_of/`` one record type at a
    time, when first asked, in Arrow form, and turned into one unit code per row of that type's table
    (a country holds tens of millions of records: as Python strings they would take gigabytes).
    """

    def __init__(self, graph: Graph) -> None:
        self._graph = graph
        self._lock = threading.Lock()
        self._rows: dict[str, np.ndarray] = {}
        orgs = record_counties(graph, "Organization", arrow=True) if graph.settings.get("province") else None
        self.single = orgs is None or orgs.num_rows == 0
        if self.single:
            name = str(graph.settings.get("county") or "")
            self.units = pd.DataFrame({"county": [name], "unit_level": ["county"]})
            return
        assert orgs is not None
        county = pc.dictionary_encode(orgs.column("county").combine_chunks(), null_encoding="encode")
        _, first = np.unique(county.indices.to_numpy(), return_index=True)
        first = np.sort(first)  # the first org row of each folder, in row order
        units = pd.DataFrame({"county": county.take(first).cast(pa.string()).to_pylist(),
                              "unit_level": orgs.column("level").take(first).to_pylist()})
        rank = units["unit_level"].map(_LEVEL_RANK).fillna(3)
        self.units = units.iloc[np.argsort(rank.to_numpy(), kind="stable")].reset_index(drop=True)
        self._rows["Organization"] = self._row_units("Organization", orgs)

    def _row_units(self, type_name: str, owners: pa.Table) -> np.ndarray:
        """The unit (row of :attr:`units`) of each row of a type's table, -1 where none is recorded."""
        out = np.full(len(self._graph.tables[type_name]), -1, dtype=np.int64)
        if not owners.num_rows or not len(out):
            return out
        rows = self._graph.codes.ids(type_name).positions(owners.column("id"))
        units = pa.array(self.units["county"].to_numpy(dtype=object), type=pa.string())
        code = pc.index_in(owners.column("county").combine_chunks().cast(pa.string()), value_set=units)
        code = code.fill_null(-1).to_numpy()
        ok = rows >= 0
        out[rows[ok]] = code[ok]
        return out

    def __len__(self) -> int:
        return len(self.units)

    def of(self, type_name: str, ids: Any) -> np.ndarray:
        """The unit code (row of :attr:`units`) of each id; -1 for a missing id."""
        values = np.asarray(pd.Series(ids, dtype=object).to_numpy(dtype=object), dtype=object)
        if self.single:
            return np.where(pd.isna(values), -1, 0)
        if type_name not in self._graph.tables or "id" not in self._graph.tables[type_name] or not len(values):
            return np.full(len(values), -1, dtype=np.int64)
        with self._lock:
            if type_name not in self._rows:
                self._rows[type_name] = self._row_units(type_name, record_counties(self._graph, type_name, arrow=True))
            row_unit = self._rows[type_name]
        at = id_positions(self._graph, type_name, values)
        return np.where(at >= 0, row_unit[np.maximum(at, 0)], -1) if len(row_unit) else np.full(len(values), -1, dtype=np.int64)

    def count(self, codes: np.ndarray, weights: Any = None) -> np.ndarray:
        ok = codes >= 0
        w = None if weights is None else np.asarray(weights, dtype=float)[ok]
        return np.bincount(codes[ok], weights=w, minlength=len(self))[: len(self)].astype(np.int64)

    def count_both(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Links counted in the unit of each end, once per unit (a link inside one unit counts once)."""
        return self.count(a) + self.count(np.where(a != b, b, -1))

    def frame(self, **cols: Any) -> pd.DataFrame:
        return pd.concat([self.units, pd.DataFrame(cols)], axis=1)


def _counties(graph: Graph) -> _Counties:
    """The graph's :class:`_Counties`, made once per :func:`~graphkit.analyses.toolkit.cached` block."""
    return memo(graph, ("counties",), lambda: _Counties(graph))


def _share(n: np.ndarray, of: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(of > 0, n / np.maximum(of, 1), np.nan)


def coverage_by_county(graph: Graph, *, as_of: Any = None) -> pd.DataFrame:
    """Orgs taking part in joint building, overall and per mechanism, by county.

    The figures of ``coverage(graph, by="town")`` with counties for towns: an organization counts
    in its own county, whichever county its partners sit in (a cross-county pairing covers both ends,
    each in its county).

    Returns
    -------
    DataFrame
        ``county, unit_level, orgs, covered, share`` and ``n_m, share_m`` for every mechanism
        ``m`` (as :func:`graphkit.analyses.coverage.coverage`). One row on a one-county graph.

    Examples
    --------
    >>> from graphkit.analyses.toolkit import example_graph
    >>> coverage_by_county(example_graph(), as_of="2024-06-30")[["orgs", "covered", "n_pairing"]].to_dict("records")
    [{'orgs': 11, 'covered': 10, 'n_pairing': 4}]
    """
    ts = as_of_date(graph, as_of)
    facts = org_facts(graph, ts)
    codes = [c for c, _, _ in mechanisms(graph.model)]
    # each (org, mechanism) once, orgs of the roster only (as coverage does)
    mm = mechanism_members(graph, ts)[["org_id", "mechanism"]].drop_duplicates()
    mm = mm[positions(mm["org_id"], facts_index(facts)) >= 0]
    cs = _counties(graph)
    orgs = cs.count(cs.of("Organization", facts["org_id"]))
    covered = cs.count(cs.of("Organization", mm["org_id"].drop_duplicates()))
    cols: dict[str, Any] = {"orgs": orgs, "covered": covered, "share": _share(covered, orgs)}
    for c in codes:
        n = cs.count(cs.of("Organization", mm.loc[mm["mechanism"] == c, "org_id"]))
        cols[f"n_{c}"], cols[f"share_{c}"] = n, _share(n, orgs)
    return cs.frame(**cols)


def pairing_gaps_by_county(graph: Graph, *, as_of: Any = None, gaps: dict[str, pd.DataFrame] | None = None,
                           max_per_strong: int | None = None, rotation_years: int | None = None) -> pd.DataFrame:
    """The pairing gaps counted by county (the rows of :func:`graphkit.analyses.pairing.pairing_gaps`).

    An organization's gap counts in its county; a pair (``weak_strong_side``, ``due_for_rotation``,
    ``ended_without_successor``) in the county of each end, once in a county holding both;
    a group without an anchor in the group's county.

    Parameters
    ----------
    gaps
        ``pairing_gaps(graph, ...)`` if computed already (``run_all`` passes its own).
    max_per_strong, rotation_years
        As for :func:`graphkit.analyses.pairing.pairing_gaps` (when ``gaps`` is not given).

    Returns
    -------
    DataFrame
        ``county, unit_level, weak_orgs, weak_paired, unpaired_weak, unpaired_weak_share,
        weak_strong_side, overloaded_strong, groups_without_anchor, due_for_rotation,
        ended_without_successor, pairings_active, cross_pairings``.

    Examples
    --------
    >>> from graphkit.analyses.toolkit import example_graph
    >>> t = pairing_gaps_by_county(example_graph(), as_of="2024-06-30")
    >>> t[["weak_orgs", "unpaired_weak", "pairings_active", "cross_pairings"]].to_dict("records")
    [{'weak_orgs': 4, 'unpaired_weak': 3, 'pairings_active': 2, 'cross_pairings': 0}]
    """
    from .pairing import pairing_gaps

    ts = as_of_date(graph, as_of)
    if gaps is None:
        gaps = pairing_gaps(graph, as_of=ts, max_per_strong=max_per_strong, rotation_years=rotation_years)
    cs = _counties(graph)
    facts = org_facts(graph, ts)
    weak = facts["weak"].to_numpy(dtype=bool)
    pairs = active_pairings(graph, ts)
    wp = positions(pairs["weak"], facts_index(facts))
    paired = np.zeros(len(facts), dtype=bool)
    paired[wp[wp >= 0]] = True
    oc = cs.of("Organization", facts["org_id"])
    n_weak = cs.count(np.where(weak, oc, -1))
    unpaired = cs.count(cs.of("Organization", gaps["unpaired_weak"]["org_id"]))

    def pair_counts(key: str) -> np.ndarray:
        t = gaps[key]
        return cs.count_both(cs.of("Organization", t["strong_id"]), cs.of("Organization", t["weak_id"]))

    sc, wc = cs.of("Organization", pairs["strong"]), cs.of("Organization", pairs["weak"])
    cross = (sc != wc) & (sc >= 0) & (wc >= 0)
    return cs.frame(
        weak_orgs=n_weak, weak_paired=cs.count(np.where(weak & paired, oc, -1)), unpaired_weak=unpaired,
        unpaired_weak_share=_share(unpaired, n_weak), weak_strong_side=pair_counts("weak_strong_side"),
        overloaded_strong=cs.count(cs.of("Organization", gaps["overloaded_strong"]["org_id"])),
        groups_without_anchor=cs.count(cs.of("Collaboration", gaps["groups_without_anchor"]["collab_id"])),
        due_for_rotation=pair_counts("due_for_rotation"), ended_without_successor=pair_counts("ended_without_successor"),
        pairings_active=cs.count_both(sc, wc), cross_pairings=cs.count(np.where(cross, sc, -1)) + cs.count(np.where(cross, wc, -1)),
    )


def cadence_by_county(graph: Graph, *, as_of: Any = None, cadence: dict[str, pd.DataFrame] | None = None) -> pd.DataFrame:
    """The district rhythm (月月有活动、季季有自检、半年有督导) summed by county.

    Each district (片区) counts in the county whose ledgers hold it, with its activities, missed
    periods and members that never hosted (members from another county included: the rhythm is the
    district's).

    Parameters
    ----------
    cadence
        ``district_cadence(graph, as_of=...)`` if computed already (``run_all`` passes its own).

    Returns
    -------
    DataFrame
        ``county, unit_level, districts, districts_ok, districts_ok_share, activities,
        months_missed, quarters_missed, half_years_missed, never_hosted``.

    Examples
    --------
    >>> from graphkit.analyses.toolkit import example_graph
    >>> cadence_by_county(example_graph(), as_of="2024-06-30")[["districts", "activities"]].to_dict("records")
    [{'districts': 1, 'activities': 7}]
    """
    from .cadence import district_cadence

    ts = as_of_date(graph, as_of)
    if cadence is None:
        cadence = district_cadence(graph, as_of=ts)
    s = cadence["summary"]
    cs = _counties(graph)
    dc = cs.of("Collaboration", s["district_id"])
    districts = cs.count(dc)
    ok = cs.count(dc, s["ok"].astype(bool).to_numpy())
    return cs.frame(
        districts=districts, districts_ok=ok, districts_ok_share=_share(ok, districts),
        activities=cs.count(dc, s["activities"]), months_missed=cs.count(dc, s["months_missed"]),
        quarters_missed=cs.count(dc, s["quarters_missed"]), half_years_missed=cs.count(dc, s["half_years_missed"]),
        never_hosted=cs.count(dc, s["never_hosted"]),
    )
