"""Change over time 变化: links added and ended, ratings moving up or down, pairs rotated.

* :func:`diff_graphs` compares two ledger snapshots (two graphs, e.g. last year's and this
  year's build), each on its own as-of date; :func:`diff_dates` compares one graph on two dates.
  Links are the n-ary link types with a declared interval (memberships, pairings, posts), matched
  by (type, source, target); ratings are the categories in force on each date (进位 = moved up
  toward 一类, 退位 = moved down).
* :func:`rating_moves` asks whether weak orgs that were paired moved up more often than
  unpaired ones — a plain comparison with counts, **not** a causal claim: pairing is not
  assigned at random, and a few dozen orgs say little.

Examples
--------
>>> from graphkit._analysis import example_graph
>>> from graphkit.change import diff_dates, rating_moves
>>> d = diff_dates(example_graph(), "2023-06-30", "2024-06-30")
>>> d["links"][["link_type", "source_name", "target_name", "change"]].to_dict("records")
[{'link_type': 'Pairing', 'source_name': '县教体局机关党支部', 'target_name': '丁村党支部', 'change': 'added'}, {'link_type': 'Pairing', 'source_name': '县农业局机关党支部', 'target_name': '丙村党支部', 'change': 'ended'}]
>>> rating_moves(example_graph(), year_from=2023, year_to=2024)[["cohort", "weak_before", "moved_up"]].to_dict("records")
[{'cohort': 'paired', 'weak_before': 2, 'moved_up': 1}, {'cohort': 'unpaired', 'weak_before': 1, 'moved_up': 0}]
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ._analysis import active, as_of_date, categories_at, isin, join_names, lookup, overlap_mask
from .errors import GraphkitError
from .model import Graph

__all__ = ["diff_graphs", "diff_dates", "rating_moves", "DIFF_KEYS"]

#: Keys of the diff result.
DIFF_KEYS = ("summary", "links", "ratings", "rotations")


def _links(graph: Graph, ts: pd.Timestamp) -> pd.DataFrame:
    """Active links of every interval-bearing link type: link_type, source, target, start, end."""
    parts = []
    for rtype in graph.model.edge_types:
        if not rtype.intervals:
            continue
        a = active(graph, rtype.name, ts)
        s, e = rtype.intervals[0]
        parts.append(pd.DataFrame({"link_type": rtype.name, "source": a[rtype.edge.source].to_numpy(dtype=object),  # type: ignore[union-attr]
                                   "target": a[rtype.edge.target].to_numpy(dtype=object),  # type: ignore[union-attr]
                                   "start": a[s].to_numpy(), "end": a[e].to_numpy()}))
    if not parts:  # pragma: no cover - the schema declares interval link types
        return pd.DataFrame(columns=["link_type", "source", "target", "start", "end"])
    out = pd.concat(parts, ignore_index=True)
    return out.sort_values(["link_type", "source", "target", "start"], kind="stable").drop_duplicates(
        ["link_type", "source", "target"], keep="last")


def _name_of(graph: Graph, link_type: pd.Series, ids: pd.Series, end: str) -> np.ndarray:
    out = np.full(len(ids), None, dtype=object)
    for rtype in graph.model.edge_types:
        sel = (link_type == rtype.name).to_numpy()
        if not sel.any():
            continue
        pname = rtype.edge.source if end == "source" else rtype.edge.target  # type: ignore[union-attr]
        rng = rtype.properties[pname].range
        names = graph.names(rng)  # type: ignore[arg-type]
        out[sel] = lookup(ids[sel], names.index, names.to_numpy())
    return out


def _diff(old: Graph, new: Graph, ts_old: pd.Timestamp, ts_new: pd.Timestamp) -> dict[str, pd.DataFrame]:
    key = ["link_type", "source", "target"]
    lo, ln = _links(old, ts_old), _links(new, ts_new)
    m = lo.merge(ln, on=key, how="outer", suffixes=("_old", "_new"), indicator=True)
    ch = m[m["_merge"] != "both"].copy()
    ch["change"] = np.where(ch["_merge"] == "right_only", "added", "ended")
    ch["start"] = np.where(ch["change"] == "added", ch["start_new"], ch["start_old"])
    # for ended links: when did they end in the new snapshot (or are they gone from it)?
    ends = []
    for rtype in new.model.edge_types:
        if rtype.intervals:
            t = new.tables[rtype.name]
            s, e = rtype.intervals[0]
            ends.append(pd.DataFrame({"link_type": rtype.name, "source": t[rtype.edge.source].to_numpy(dtype=object),  # type: ignore[union-attr]
                                      "target": t[rtype.edge.target].to_numpy(dtype=object),  # type: ignore[union-attr]
                                      "end_any": t[e].to_numpy()}))
    all_new = pd.concat(ends, ignore_index=True).sort_values(key + ["end_any"], na_position="first").drop_duplicates(key, keep="last")
    all_new["present"] = True
    ch = ch.merge(all_new, on=key, how="left")
    ended = ch["change"] == "ended"
    ch["end"] = np.where(ended, ch["end_any"], ch["end_new"])
    gone = ended & ch["present"].isna()
    ch["detail"] = np.select(
        [ch["change"] == "added", gone, ended & ch["end_any"].notna()],
        ["新增 / new link",
         "台账中已无此记录 / no longer in the ledger",
         "结束于 " + pd.to_datetime(ch["end_any"]).dt.strftime("%Y-%m-%d").fillna("") + " / ended"],
        default="尚未开始或已失效 / not active on the later date")
    ch["source_name"] = _name_of(new, ch["link_type"], ch["source"], "source")
    miss = pd.isna(ch["source_name"])
    if miss.any():
        ch.loc[miss, "source_name"] = _name_of(old, ch.loc[miss, "link_type"], ch.loc[miss, "source"], "source")
    ch["target_name"] = _name_of(new, ch["link_type"], ch["target"], "target")
    miss = pd.isna(ch["target_name"])
    if miss.any():
        ch.loc[miss, "target_name"] = _name_of(old, ch.loc[miss, "link_type"], ch.loc[miss, "target"], "target")
    ch["start"] = pd.to_datetime(ch["start"]).astype("datetime64[s]")
    ch["end"] = pd.to_datetime(ch["end"]).astype("datetime64[s]")
    links = ch.sort_values(["link_type", "change", "source_name", "target_name", "source", "target"], kind="stable")[
        ["link_type", "source", "source_name", "target", "target_name", "change", "start", "end", "detail"]].reset_index(drop=True)

    # ratings
    rank = {c: i for i, c in enumerate(new.model.codelists["category"].codes)}
    co, cn = categories_at(old, ts_old), categories_at(new, ts_new)
    r = co.merge(cn, on="org_id", suffixes=("_old", "_new"))
    r = r[r["category_old"].notna() & r["category_new"].notna() & (r["category_old"] != r["category_new"])].copy()
    ro = r["category_old"].map(rank)
    rn = r["category_new"].map(rank)
    r["change"] = np.where(rn < ro, "up", "down")
    orgs = new.tables["Organization"]
    r["name"] = lookup(r["org_id"], orgs["id"], orgs["name"])
    ratings = r.rename(columns={"category_old": "old_category", "category_new": "new_category"}).sort_values(
        ["change", "name", "org_id"], ascending=[False, True, True])[["org_id", "name", "old_category", "new_category",
                                                                     "change"]].reset_index(drop=True)

    # rotations: weak orgs whose set of active partners changed (both sides non-empty)
    po = active(old, "Pairing", ts_old)[["strong", "weak"]]
    pn = active(new, "Pairing", ts_new)[["strong", "weak"]]
    names_new = new.names("Organization")
    names_old = old.names("Organization")

    def partners(p: pd.DataFrame, names: pd.Series) -> pd.DataFrame:
        p = p.assign(n=lookup(p["strong"], names.index, names.to_numpy())).sort_values(["weak", "n", "strong"])
        return p.groupby("weak").agg(ids=("strong", lambda s: "|".join(sorted(s))), names=("n", join_names))

    a, b = partners(po, names_old), partners(pn, names_new)
    rot = a.join(b, how="inner", suffixes=("_old", "_new"))
    rot = rot[rot["ids_old"] != rot["ids_new"]].reset_index()
    rot = pd.DataFrame({"weak_id": rot["weak"].to_numpy(dtype=object),
                        "weak_name": lookup(rot["weak"], names_new.index, names_new.to_numpy()),
                        "old_partners": rot["names_old"].to_numpy(dtype=object),
                        "new_partners": rot["names_new"].to_numpy(dtype=object)})
    rotations = rot.sort_values(["weak_name", "weak_id"]).reset_index(drop=True)

    label = {t.name: t.label["zh"] for t in new.model}
    rows = [("as_of_old", str(ts_old.date())), ("as_of_new", str(ts_new.date()))]
    for lt in sorted(set(links["link_type"])):
        sub = links[links["link_type"] == lt]
        rows.append((f"{lt}.added", int((sub["change"] == "added").sum())))
        rows.append((f"{lt}.ended", int((sub["change"] == "ended").sum())))
    rows += [("ratings.up", int((ratings["change"] == "up").sum())), ("ratings.down", int((ratings["change"] == "down").sum())),
             ("pairs.rotated", len(rotations))]
    notes = {"as_of_old": "较早日期 earlier date", "as_of_new": "较晚日期 later date",
             "ratings.up": "进位 moved up", "ratings.down": "退位 moved down", "pairs.rotated": "结对轮换 pairs rotated"}
    for lt in label:
        notes[f"{lt}.added"] = f"{label[lt]}新增 added"
        notes[f"{lt}.ended"] = f"{label[lt]}结束 ended"
    summary = pd.DataFrame({"metric": [k for k, _ in rows], "value": [str(v) for _, v in rows],
                            "note": [notes.get(k, k) for k, _ in rows]})
    return {"summary": summary, "links": links, "ratings": ratings, "rotations": rotations}


def diff_graphs(old: Graph, new: Graph, *, as_of_old: Any = None, as_of_new: Any = None) -> dict[str, pd.DataFrame]:
    """Compare two ledger snapshots.

    Parameters
    ----------
    old, new
        The earlier and the later graph (ids are deterministic, so the same org has the same
        id in both builds).
    as_of_old, as_of_new
        The date of each snapshot (default: each graph's reference date).

    Returns
    -------
    dict of DataFrame
        ``summary`` (metric, value, note); ``links`` (link_type, source, source_name, target,
        target_name, change ∈ {added, ended}, start, end, detail); ``ratings`` (org_id, name,
        old_category, new_category, change ∈ {up 进位, down 退位}); ``rotations`` (weak_id,
        weak_name, old_partners, new_partners).

    Examples
    --------
    >>> from graphkit._analysis import example_graph
    >>> g = example_graph()
    >>> diff_graphs(g, g)["links"].empty
    True
    """
    return _diff(old, new, as_of_date(old, as_of_old), as_of_date(new, as_of_new))


def diff_dates(graph: Graph, date_from: Any, date_to: Any) -> dict[str, pd.DataFrame]:
    """Compare one graph on two dates (links active on each date, categories in force on each).

    Examples
    --------
    >>> from graphkit._analysis import example_graph
    >>> d = diff_dates(example_graph(), "2023-06-30", "2024-06-30")
    >>> d["ratings"][["name", "old_category", "new_category", "change"]].to_dict("records")
    [{'name': '丙村党支部', 'old_category': '3', 'new_category': '2', 'change': 'up'}, {'name': '县司法局机关党支部', 'old_category': '2', 'new_category': '3', 'change': 'down'}]
    """
    a, b = as_of_date(graph, date_from), as_of_date(graph, date_to)
    if b < a:
        raise GraphkitError(f"结束日期 {b.date()} 早于开始日期 {a.date()} / the later date is before the earlier one")
    return _diff(graph, graph, a, b)


def _ratings_in_year(graph: Graph, year: int) -> pd.DataFrame:
    """org_id, category, weak_lax rated for exactly this year (Rating table, else the roster)."""
    r = graph.tables["Rating"]
    r = r[r["year"] == year].sort_values(["org", "id"]).drop_duplicates("org", keep="last")
    o = graph.tables["Organization"]
    o = o[(o["category_year"] == year) & o["category"].notna() & ~isin(o["id"], r["org"])]
    return pd.DataFrame({
        "org_id": np.concatenate([r["org"].to_numpy(dtype=object), o["id"].to_numpy(dtype=object)]),
        "category": np.concatenate([r["category"].to_numpy(dtype=object), o["category"].to_numpy(dtype=object)]),
        "weak_lax": np.concatenate([r["weak_lax"].fillna(False).to_numpy(dtype=bool), o["weak_lax"].fillna(False).to_numpy(dtype=bool)]),
    })


def rating_years(graph: Graph) -> list[int]:
    """The rating years present (Rating table and roster), ascending.

    >>> from graphkit._analysis import example_graph
    >>> rating_years(example_graph())
    [2023, 2024]
    """
    ys = set(graph.tables["Rating"]["year"].dropna().astype(int)) | set(graph.tables["Organization"]["category_year"].dropna().astype(int))
    return sorted(ys)


def rating_moves(graph: Graph, *, year_from: int | None = None, year_to: int | None = None,
                 detail: bool = False) -> pd.DataFrame:
    """Did weak orgs that were paired move up more often than unpaired ones? Plain counts.

    Weak orgs are those rated 三类 or 软弱涣散 for ``year_from``. *Paired* means an active pairing
    (as the weak side) at some day between 1 January of ``year_from`` and 31 December of the year
    before ``year_to`` — the time before the later rating. A move is read from the rating of
    ``year_to``: up (a better category, or the same category with 软弱涣散 lifted), same, down, or
    unrated. This is a comparison of counts, not evidence that pairing causes the change.

    Parameters
    ----------
    year_from, year_to
        Rating years to compare (default: the two latest years rated).
    detail
        Return one row per weak org instead of the two summary rows.

    Returns
    -------
    DataFrame
        Summary: ``cohort ∈ {paired, unpaired}, year_from, year_to, weak_before, moved_up, same,
        moved_down, unrated, share_up``. Detail: ``org_id, name, cohort, category_from, category_to,
        move``.

    Examples
    --------
    >>> from graphkit._analysis import example_graph
    >>> rating_moves(example_graph(), year_from=2023, year_to=2024, detail=True)[["name", "cohort", "move"]].to_dict("records")
    [{'name': '丙村党支部', 'cohort': 'paired', 'move': 'up'}, {'name': '乙村党支部', 'cohort': 'paired', 'move': 'same'}, {'name': '丁村党支部', 'cohort': 'unpaired', 'move': 'same'}]
    """
    years = rating_years(graph)
    if year_from is None or year_to is None:
        if len(years) < 2:
            cols = (["org_id", "name", "cohort", "category_from", "category_to", "move"] if detail else
                    ["cohort", "year_from", "year_to", "weak_before", "moved_up", "same", "moved_down", "unrated", "share_up"])
            out = pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
            out.attrs["note"] = "定级年度不足两年 / fewer than two rating years"
            return out
        year_from = years[-2] if year_from is None else year_from
        year_to = years[-1] if year_to is None else year_to
    if year_to <= year_from:
        raise GraphkitError(f"比较年度 {year_to} 应晚于起始年度 {year_from} / year_to must be after year_from")
    rank = {c: i for i, c in enumerate(graph.model.codelists["category"].codes)}
    a = _ratings_in_year(graph, year_from)
    b = _ratings_in_year(graph, year_to)
    w = a[(a["category"] == "3") | a["weak_lax"]]
    lo, hi = pd.Timestamp(f"{year_from}-01-01"), pd.Timestamp(f"{year_to - 1}-12-31")
    p = graph.tables["Pairing"]
    paired = set(p.loc[overlap_mask(p["start"], p["end"], lo, hi), "weak"])
    d = w.merge(b, on="org_id", how="left", suffixes=("_from", "_to"))
    d["cohort"] = np.where(isin(d["org_id"], paired), "paired", "unpaired")
    rf = d["category_from"].map(rank)
    rt = d["category_to"].map(rank)
    lax_from = d["weak_lax_from"].astype(bool)
    lax_to = d["weak_lax_to"].fillna(False).astype(bool)
    d["move"] = np.select([rt.isna().to_numpy(), (rt < rf).to_numpy(), ((rt == rf) & lax_from & ~lax_to).to_numpy(),
                           (rt > rf).to_numpy(), ((rt == rf) & ~lax_from & lax_to).to_numpy()],
                          ["unrated", "up", "up", "down", "down"], default="same")
    orgs = graph.tables["Organization"]
    d["name"] = lookup(d["org_id"], orgs["id"], orgs["name"])
    if detail:
        d = d.rename(columns={"category_from": "category_from", "category_to": "category_to"})
        d["category_to"] = d["category_to"].astype(object).where(d["category_to"].notna(), None)
        return d.sort_values(["cohort", "name", "org_id"])[["org_id", "name", "cohort", "category_from", "category_to",
                                                           "move"]].reset_index(drop=True)
    rows = []
    for grp in ("paired", "unpaired"):
        sub = d[d["cohort"] == grp]
        n = len(sub)
        up = int((sub["move"] == "up").sum())
        rows.append({"cohort": grp, "year_from": year_from, "year_to": year_to, "weak_before": n, "moved_up": up,
                     "same": int((sub["move"] == "same").sum()), "moved_down": int((sub["move"] == "down").sum()),
                     "unrated": int((sub["move"] == "unrated").sum()), "share_up": up / n if n else np.nan})
    out = pd.DataFrame(rows)
    out.attrs["note"] = "仅为计数比较，不代表因果关系 / a plain comparison of counts, not a causal claim"
    return out
