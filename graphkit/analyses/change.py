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
>>> from graphkit.analyses.toolkit import example_graph
>>> from graphkit.analyses.change import diff_dates, rating_moves
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

from .toolkit import (active_mask, as_of_date, categories_at, code_order, empty_frame, factorize, id_order, id_positions,
                      join_by_code, memo, name_of, objs, overlap_mask, positions, ref_positions, sort_rank, strs, take)
from ..core.errors import GraphkitError
from ..core.model import Graph

__all__ = ["diff_graphs", "diff_dates", "rating_moves", "DIFF_KEYS"]

#: Keys of the diff result.
DIFF_KEYS = ("summary", "links", "ratings", "rotations")

_NAT = np.iinfo(np.int64).min  # NaT seen as int64


def _active_rows(graph: Graph, type_name: str, ts: pd.Timestamp) -> np.ndarray:
    """Mask of the records of a type active on ``ts`` (every declared interval holds it)."""
    rtype = graph.model[type_name]
    t = graph.tables[type_name]
    keep = np.ones(len(t), dtype=bool)
    for s, e in rtype.intervals:
        keep &= active_mask(t[s], t[e], ts)
    return keep


def _dates(col: pd.Series) -> np.ndarray:
    return pd.to_datetime(col).to_numpy().astype("datetime64[s]")


def _last_per_key(key: np.ndarray, rows: np.ndarray, start: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct keys (sorted) and, for each, the row with the latest start (a missing start counts
    as latest; ties: the later row) — what a stable sort by start and ``keep="last"`` pick."""
    k = key[rows]
    sk = start[rows].view(np.int64)
    sk = np.where(sk == _NAT, np.iinfo(np.int64).max, sk)
    order = np.lexsort((rows, sk, k))
    ks = k[order]
    last = np.r_[ks[1:] != ks[:-1], True] if len(ks) else np.zeros(0, dtype=bool)
    return ks[last], rows[order][last]


def _link_changes(old: Graph, new: Graph, ts_old: pd.Timestamp, ts_new: pd.Timestamp) -> pd.DataFrame:
    """Links (of every interval-bearing link type) active on one date and not the other."""
    parts = []
    for rtype in new.model.edge_types:
        if not rtype.intervals:
            continue
        name = rtype.name
        src, dst = rtype.edge.source, rtype.edge.target  # type: ignore[union-attr]
        s, e = rtype.intervals[0]
        to, tn = old.tables[name], new.tables[name]
        no = len(to)
        same = to is tn
        S = tn[src].to_numpy(dtype=object) if same else np.concatenate([to[src].to_numpy(dtype=object),
                                                                        tn[src].to_numpy(dtype=object)])
        T = tn[dst].to_numpy(dtype=object) if same else np.concatenate([to[dst].to_numpy(dtype=object),
                                                                        tn[dst].to_numpy(dtype=object)])
        # missing ends are one value (code -1, shifted to 0), as with use_na_sentinel=False
        sc, su = factorize(S)
        tc, tu = factorize(T)
        key = (sc.astype(np.int64) + 1) * (len(tu) + 1) + (tc + 1)
        key_o, key_n = (key, key) if same else (key[:no], key[no:])
        S_o, S_n = (S, S) if same else (S[:no], S[no:])
        T_o, T_n = (T, T) if same else (T[:no], T[no:])
        start_o, end_o = _dates(to[s]), _dates(to[e])
        start_n, end_n = (start_o, end_o) if same else (_dates(tn[s]), _dates(tn[e]))
        ko, ro = _last_per_key(key_o, np.flatnonzero(_active_rows(old, name, ts_old)), start_o)
        kn, rn = _last_per_key(key_n, np.flatnonzero(_active_rows(new, name, ts_new)), start_n)
        add = ~np.isin(kn, ko, assume_unique=True)
        end = ~np.isin(ko, kn, assume_unique=True)
        ra, re_ = rn[add], ro[end]
        # ended links: the latest end of the link anywhere in the later ledger (gone if none)
        ke = ko[end]
        hit = np.flatnonzero(np.isin(key_n, ke))
        hk = key_n[hit]
        o = np.lexsort((end_n[hit].view(np.int64), hk))
        hk = hk[o]
        last = np.r_[hk[1:] != hk[:-1], True] if len(hk) else np.zeros(0, dtype=bool)
        present_keys, end_any = hk[last], end_n[hit][o][last]
        at = np.searchsorted(present_keys, ke)
        present = (at < len(present_keys)) & (present_keys[np.minimum(at, max(len(present_keys) - 1, 0))] == ke) \
            if len(present_keys) else np.zeros(len(ke), dtype=bool)
        e_any = np.full(len(ke), np.datetime64("NaT"), dtype="datetime64[s]")
        e_any[present] = end_any[at[present]]
        has_end = ~np.isnat(e_any)
        ended_on = pd.Series(e_any[has_end]).dt.strftime("%Y-%m-%d").to_numpy(dtype=object)
        detail_e = np.full(len(ke), "尚未开始或已失效 / not active on the later date", dtype=object)
        detail_e[has_end] = ["结束于 " + d + " / ended" for d in ended_on.tolist()]
        detail_e[~present] = "台账中已无此记录 / no longer in the ledger"
        na, ne = len(ra), len(re_)
        part = {
            "link_type": np.full(na + ne, name, dtype=object),
            "source": np.concatenate([S_n[ra], S_o[re_]]),
            "target": np.concatenate([T_n[ra], T_o[re_]]),
            "change": np.array(["added"] * na + ["ended"] * ne, dtype=object),
            "start": np.concatenate([start_n[ra], start_o[re_]]),
            "end": np.concatenate([end_n[ra], e_any]),
            "detail": np.concatenate([np.full(na, "新增 / new link", dtype=object), detail_e]),
        }
        for end_name, col in (("source", src), ("target", dst)):
            rng = rtype.properties[col].range
            ids = part[end_name]
            nm = name_of(new, rng, ids)  # type: ignore[arg-type]
            miss = pd.isna(nm)
            if miss.any() and old is not new:
                nm[miss] = name_of(old, rng, ids[miss])  # type: ignore[arg-type]
            part[f"{end_name}_name"] = nm
        parts.append(part)
    cols = ["link_type", "source", "source_name", "target", "target_name", "change", "start", "end", "detail"]
    if not parts:  # pragma: no cover - the schema declares interval link types
        return empty_frame(cols)
    data = {c: np.concatenate([p[c] for p in parts]) for c in cols}
    # by type, change, names, then ids (one row per link)
    order = np.lexsort(tuple(sort_rank(data[c]) for c in reversed(["link_type", "change", "source_name", "target_name",
                                                               "source", "target"])))
    out = pd.DataFrame({c: (data[c][order].astype("datetime64[s]") if c in ("start", "end") else strs(data[c][order]))
                        for c in cols})
    return out


def _rating_changes(old: Graph, new: Graph, ts_old: pd.Timestamp, ts_new: pd.Timestamp) -> pd.DataFrame:
    co, cn = categories_at(old, ts_old), categories_at(new, ts_new)
    ids_o, ids_n = co["org_id"].to_numpy(dtype=object), cn["org_id"].to_numpy(dtype=object)
    if old is new and len(ids_o) == len(ids_n) and (ids_o == ids_n).all():
        po = pn = np.arange(len(ids_o))
    else:  # orgs on both rosters, in the earlier roster's order
        pn = positions(ids_o, ids_n)
        po = np.flatnonzero(pn >= 0)
        pn = pn[po]
    cat_o = co["category"].to_numpy(dtype=object)[po]
    cat_n = cn["category"].to_numpy(dtype=object)[pn]
    sel = np.flatnonzero(cat_o != cat_n)
    sel = sel[~pd.isna(cat_o[sel]) & ~pd.isna(cat_n[sel])]
    ro, rn = code_order(new.model, "category", cat_o[sel]), code_order(new.model, "category", cat_n[sel])
    change = np.where(rn < ro, "up", "down").astype(object)
    org_id = ids_o[po[sel]]
    name = name_of(new, "Organization", org_id)
    # "up" before "down", then by name and id
    order = np.lexsort((sort_rank(org_id), sort_rank(name), (change != "up").astype(np.int8)))
    return pd.DataFrame({"org_id": objs(org_id[order]), "name": strs(name[order]),
                         "old_category": objs(cat_o[sel][order]), "new_category": objs(cat_n[sel][order]),
                         "change": strs(change[order])})


def _active_pairs(graph: Graph, ts: pd.Timestamp) -> tuple[np.ndarray, np.ndarray]:
    p = graph.tables["Pairing"]
    keep = _active_rows(graph, "Pairing", ts)
    return p["weak"].to_numpy(dtype=object)[keep], p["strong"].to_numpy(dtype=object)[keep]


def _rotations(old: Graph, new: Graph, ts_old: pd.Timestamp, ts_new: pd.Timestamp) -> pd.DataFrame:
    """Weak orgs whose multiset of active strong partners changed (partners on both dates)."""
    wo, so = _active_pairs(old, ts_old)
    wn, sn = _active_pairs(new, ts_new)
    wc, wu = pd.factorize(np.concatenate([wo, wn]), use_na_sentinel=False)
    sc, _ = pd.factorize(np.concatenate([so, sn]), use_na_sentinel=False)
    wc, sc = wc.astype(np.int64), sc.astype(np.int64)
    nw = len(wu)
    cwo, cwn = wc[: len(wo)], wc[len(wo):]
    cso, csn = sc[: len(so)], sc[len(so):]
    count_o = np.bincount(cwo, minlength=nw)
    count_n = np.bincount(cwn, minlength=nw)
    both = (count_o > 0) & (count_n > 0)
    changed = both & (count_o != count_n)
    same_n = both & (count_o == count_n)
    # same number of partners: compare the sorted partner codes row by row
    fo = np.flatnonzero(same_n[cwo])
    fn = np.flatnonzero(same_n[cwn])
    oo = fo[np.lexsort((cso[fo], cwo[fo]))]
    on = fn[np.lexsort((csn[fn], cwn[fn]))]
    diff = cso[oo] != csn[on]
    changed[np.unique(cwo[oo][diff])] = True
    rot = np.flatnonzero(changed)
    cols = ["weak_id", "weak_name", "old_partners", "new_partners"]
    if not len(rot):
        return pd.DataFrame({c: pd.Series(dtype="str") for c in cols})
    remap = np.full(nw, -1, dtype=np.int64)
    remap[rot] = np.arange(len(rot))

    def partner_names(graph: Graph, cw: np.ndarray, strong: np.ndarray) -> np.ndarray:
        rows = np.flatnonzero(remap[cw] >= 0)
        nm = name_of(graph, "Organization", strong[rows])
        o = np.lexsort((sort_rank(strong[rows]), sort_rank(nm), remap[cw[rows]]))  # by weak, partner name, partner id
        return join_by_code(remap[cw[rows]][o], len(rot), nm[o], empty="")

    weak_id = np.asarray(wu, dtype=object)[rot]
    weak_name = name_of(new, "Organization", weak_id)
    old_p = partner_names(old, cwo, so)
    new_p = partner_names(new, cwn, sn)
    order = np.lexsort((sort_rank(weak_id), sort_rank(weak_name)))
    return pd.DataFrame({"weak_id": strs(weak_id[order]), "weak_name": strs(weak_name[order]),
                         "old_partners": strs(old_p[order]), "new_partners": strs(new_p[order])})


def _diff(old: Graph, new: Graph, ts_old: pd.Timestamp, ts_new: pd.Timestamp) -> dict[str, pd.DataFrame]:
    links = _link_changes(old, new, ts_old, ts_new)
    ratings = _rating_changes(old, new, ts_old, ts_new)
    rotations = _rotations(old, new, ts_old, ts_new)

    label = {t.name: t.label["zh"] for t in new.model}
    rows: list[tuple[str, str | int]] = [("as_of_old", str(ts_old.date())), ("as_of_new", str(ts_new.date()))]
    lt_col = links["link_type"].to_numpy(dtype=object)
    added = (links["change"] == "added").to_numpy(dtype=bool)
    for lt in sorted(set(lt_col.tolist())):
        sub = lt_col == lt
        rows.append((f"{lt}.added", int((sub & added).sum())))
        rows.append((f"{lt}.ended", int((sub & ~added).sum())))
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
    >>> from graphkit.analyses.toolkit import example_graph
    >>> g = example_graph()
    >>> diff_graphs(g, g)["links"].empty
    True
    """
    return _diff(old, new, as_of_date(old, as_of_old), as_of_date(new, as_of_new))


def diff_dates(graph: Graph, date_from: Any, date_to: Any) -> dict[str, pd.DataFrame]:
    """Compare one graph on two dates (links active on each date, categories in force on each).

    Examples
    --------
    >>> from graphkit.analyses.toolkit import example_graph
    >>> d = diff_dates(example_graph(), "2023-06-30", "2024-06-30")
    >>> d["ratings"][["name", "old_category", "new_category", "change"]].to_dict("records")
    [{'name': '丙村党支部', 'old_category': '3', 'new_category': '2', 'change': 'up'}, {'name': '县司法局机关党支部', 'old_category': '2', 'new_category': '3', 'change': 'down'}]
    """
    a, b = as_of_date(graph, date_from), as_of_date(graph, date_to)
    if b < a:
        raise GraphkitError(f"结束日期 {b.date()} 早于开始日期 {a.date()} / the later date is before the earlier one")
    return _diff(graph, graph, a, b)


def _org_space(graph: Graph) -> tuple[np.ndarray, Any, np.ndarray]:
    """Org ids (the roster, then ids rated but not on it), a function giving the position of ids
    among them (-1 where absent), and each rating's org position."""
    oid = graph.tables["Organization"]["id"].to_numpy(dtype=object)
    n = len(oid)
    rorg = graph.tables["Rating"]["org"].to_numpy(dtype=object)
    # the same positions the shared category lookup keeps (key "rating_pos") inside `cached`
    rpos = np.array(memo(graph, ("rating_pos",), lambda: ref_positions(graph, "Rating", "org")), dtype=np.int64)
    unknown = rpos < 0
    extra = None
    if unknown.any():
        uc, uu = pd.factorize(rorg[unknown], use_na_sentinel=False)
        rpos[unknown] = n + uc
        extra = pd.Index(np.asarray(uu, dtype=object), dtype=object)
        oid = np.concatenate([oid, np.asarray(uu, dtype=object)])

    def where(keys: np.ndarray) -> np.ndarray:
        pos = id_positions(graph, "Organization", keys).astype(np.int64)
        miss = pos < 0
        if extra is not None and miss.any():
            at = positions(np.asarray(keys, dtype=object)[miss], extra)
            pos[miss] = np.where(at >= 0, n + at, -1)
        return pos

    return oid, where, rpos


def _ratings_of(graph: Graph, rpos: np.ndarray, year: int, n_all: int,
                cols: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Org position, category and 软弱涣散 flag rated for exactly this year: the Rating with the
    largest id, else the roster's category of that year."""
    sel = np.flatnonzero(cols["r_year"] == year)
    p = rpos[sel]
    counts = np.bincount(p, minlength=n_all) if len(p) else np.zeros(n_all, dtype=np.int64)
    dup = counts[p] > 1
    if dup.any():  # several ratings of one org for the year: the largest id wins
        rows_d = sel[dup]
        o = np.lexsort((id_order(cols["r_id"][rows_d]), rpos[rows_d]))
        pd_ = rpos[rows_d][o]
        last = np.r_[pd_[1:] != pd_[:-1], True]
        sel = np.concatenate([sel[~dup], rows_d[o][last]])
        p = rpos[sel]
    rows, rp = sel, p
    rated = np.zeros(n_all, dtype=bool)
    rated[rp] = True
    ocat = cols["o_cat"]
    ok = (cols["o_year"] == year) & ~pd.isna(ocat) & ~rated[: len(ocat)]
    orows = np.flatnonzero(ok)
    return (np.concatenate([rp, orows]), np.concatenate([cols["r_cat"][rows], ocat[orows]]),
            np.concatenate([cols["r_lax"][rows], cols["o_lax"][orows]]))


def rating_years(graph: Graph) -> list[int]:
    """The rating years present (Rating table and roster), ascending.

    >>> from graphkit.analyses.toolkit import example_graph
    >>> rating_years(example_graph())
    [2023, 2024]
    """
    ys = np.concatenate([graph.tables["Rating"]["year"].astype("float64").to_numpy(),
                         graph.tables["Organization"]["category_year"].astype("float64").to_numpy()])
    return [int(y) for y in np.unique(ys[~np.isnan(ys)])]


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
    >>> from graphkit.analyses.toolkit import example_graph
    >>> rating_moves(example_graph(), year_from=2023, year_to=2024, detail=True)[["name", "cohort", "move"]].to_dict("records")
    [{'name': '丙村党支部', 'cohort': 'paired', 'move': 'up'}, {'name': '乙村党支部', 'cohort': 'paired', 'move': 'same'}, {'name': '丁村党支部', 'cohort': 'unpaired', 'move': 'same'}]
    """
    years = rating_years(graph)
    if year_from is None or year_to is None:
        if len(years) < 2:
            cols = (["org_id", "name", "cohort", "category_from", "category_to", "move"] if detail else
                    ["cohort", "year_from", "year_to", "weak_before", "moved_up", "same", "moved_down", "unrated", "share_up"])
            out = empty_frame(cols)
            out.attrs["note"] = "定级年度不足两年 / fewer than two rating years"
            return out
        year_from = years[-2] if year_from is None else year_from
        year_to = years[-1] if year_to is None else year_to
    if year_to <= year_from:
        raise GraphkitError(f"比较年度 {year_to} 应晚于起始年度 {year_from} / year_to must be after year_from")
    ids, where, rpos = _org_space(graph)
    r, orgs = graph.tables["Rating"], graph.tables["Organization"]
    arrays: dict[str, np.ndarray] = {"r_year": r["year"].astype("float64").to_numpy(), "r_cat": r["category"].to_numpy(dtype=object),
            "r_id": r["id"].to_numpy(dtype=object),
            "r_lax": r["weak_lax"].fillna(False).to_numpy(dtype=bool),
            "o_year": orgs["category_year"].astype("float64").to_numpy(), "o_cat": orgs["category"].to_numpy(dtype=object),
            "o_lax": orgs["weak_lax"].fillna(False).to_numpy(dtype=bool)}
    pa_, ca, la = _ratings_of(graph, rpos, year_from, len(ids), arrays)
    pb, cb, lb = _ratings_of(graph, rpos, year_to, len(ids), arrays)
    weak = (ca == "3") | la
    wpos, cat_from, lax_from = pa_[weak], ca[weak], la[weak]
    at_b = np.full(len(ids), -1, dtype=np.int64)
    at_b[pb] = np.arange(len(pb))
    j = at_b[wpos]
    cat_to = take(cb, j, None)
    lax_to = np.where(j >= 0, lb[np.maximum(j, 0)] if len(lb) else False, False)
    lo, hi = pd.Timestamp(f"{year_from}-01-01"), pd.Timestamp(f"{year_to - 1}-12-31")
    p = graph.tables["Pairing"]
    pw = p["weak"].to_numpy(dtype=object)[overlap_mask(p["start"], p["end"], lo, hi)]
    paired = np.zeros(len(ids), dtype=bool)
    if len(pw):
        pp = where(pw)
        paired[pp[pp >= 0]] = True
    cohort = np.where(paired[wpos], "paired", "unpaired").astype(object)

    rf, rt = code_order(graph.model, "category", cat_from), code_order(graph.model, "category", cat_to)
    with np.errstate(invalid="ignore"):
        move = np.select([np.isnan(rt), rt < rf, (rt == rf) & lax_from & ~lax_to, rt > rf, (rt == rf) & ~lax_from & lax_to],
                         ["unrated", "up", "up", "down", "down"], default="same").astype(object)
    n_roster = len(graph.tables["Organization"])
    org_id = ids[wpos]
    name = take(graph.tables["Organization"]["name"].to_numpy(dtype=object), np.where(wpos < n_roster, wpos, -1))
    if detail:
        order = np.lexsort((sort_rank(org_id), sort_rank(name), sort_rank(cohort)))
        return pd.DataFrame({"org_id": strs(org_id[order]), "name": strs(name[order]), "cohort": strs(cohort[order]),
                             "category_from": strs(cat_from[order]), "category_to": objs(cat_to[order]),
                             "move": strs(move[order])})
    d = pd.DataFrame({"cohort": cohort, "move": move})
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
