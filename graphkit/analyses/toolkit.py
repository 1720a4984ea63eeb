"""Shared private helpers of the analyses: dates, active-at-date filters, org facts, labels.

Conventions every analysis follows:

* ``as_of`` is a date (``"2024-06-30"``, ``datetime.date`` or ``pandas.Timestamp``). A record with
  an interval is *active* on that date when ``start <= as_of`` (or start is unknown) and
  ``end`` is missing or ``end >= as_of``. ``None`` means the graph's :func:`reference_date`:
  the last day of the month of the latest recorded event (latest activity date or link start) —
  ledgers are kept by month — so that results do not change with the day they are computed.
* An org's category on a date is its latest rating of a year ``<= as_of.year`` (the ``Rating``
  table, else the roster's ``category``/``category_year``). *Weak* means 三类 or 软弱涣散;
  *strong* means 一类 and not 软弱涣散.
* Analyses return tidy DataFrames with English column names and codes; :func:`to_zh` turns one
  into the Chinese version for reports (documented mapping :data:`COLUMNS_ZH`).

Examples
--------
>>> from graphkit.analyses.toolkit import example_graph, reference_date, org_facts
>>> g = example_graph()
>>> str(reference_date(g).date())
'2024-11-30'
>>> f = org_facts(g, "2024-06-30")
>>> sorted(f.loc[f["weak"], "name"])
['丁村党支部', '丙村党支部', '乙村党支部', '县司法局机关党支部']
"""
from __future__ import annotations

import re
import threading
from contextlib import contextmanager
from typing import Any
from collections.abc import Callable, Iterable, Iterator

import numpy as np
import pandas as pd

from ..core.ids import IdIndex, argsort_strings, factorize, id_index
from ..core.dates import active, active_mask, as_of_date, overlap_mask, reference_date
from ..core.model import Graph
from ..core.schema import Model, load_schema
from ..core.settings import threshold

__all__ = [
    "AsOf", "ProgressFn", "lookup", "positions", "ref_positions", "take", "cached", "reference_date", "as_of_date",
    "active_mask", "overlap_mask", "active",
    "categories_at", "org_facts", "active_memberships", "active_pairings", "active_links", "link_ends",
    "mechanism_memberships", "org_chains", "mechanisms",
    "isin", "natural_key", "COLUMNS_ZH", "CODE_COLUMNS", "VALUE_LABELS", "value_labels", "column_labels", "to_zh", "join_names", "top_counts", "make_graph",
    "example_graph", "NO_VALUE",
]

AsOf = "str | dt.date | dt.datetime | pd.Timestamp | None"
ProgressFn = Callable[[str], None]

#: Label used for a missing group value (an org without a town, an uncategorized org).
NO_VALUE = "（未填）"
STRONG = "1"
WEAK = "3"
SEP = "、"


# ---- lookups and the per-run cache ------------------------------------------------------------

def lookup(keys: Any, index: Any, values: Any, default: Any = None) -> np.ndarray:
    """``values[index == key]`` for each key (object array; ``default`` where not found).

    A vectorized dict lookup for id columns; ``index`` must be unique. Passing the same object
    ``pandas.Index`` again reuses its hash table.

    >>> lookup(["b", "x"], ["a", "b"], ["甲", "乙"]).tolist()
    ['乙', None]
    """
    return take(values, positions(keys, index), default)


def take(values: Any, pos: np.ndarray, default: Any = None) -> np.ndarray:
    """``values[pos]`` as an object array, ``default`` where ``pos`` is -1 (see :func:`positions`).

    >>> take(["甲", "乙"], positions(["b", "x"], ["a", "b"])).tolist()
    ['乙', None]
    """
    vals = np.asarray(values, dtype=object)
    out = np.full(len(pos), default, dtype=object)
    hit = pos >= 0
    out[hit] = vals[pos[hit]]
    return out


def positions(keys: Any, index: Any) -> np.ndarray:
    """Position of each key in ``index`` (-1 where absent); ``index`` must be unique.

    >>> positions(["b", "x", "a"], ["a", "b"]).tolist()
    [1, -1, 0]
    """
    if isinstance(index, (pd.Index, np.ndarray)):
        return id_index(index).positions(keys)
    return IdIndex(index).positions(keys)


def ref_positions(graph: Graph, type_name: str, column: str) -> np.ndarray:
    """Row of each value of a reference column in the referenced type's table (-1 where missing
    or naming no row): the graph's integer codes (:class:`graphkit.core.ids.GraphCodes`), no lookup.

    >>> g = example_graph()
    >>> pos = ref_positions(g, "Rating", "org")
    >>> bool((g.tables["Organization"]["id"].to_numpy()[pos] == g.tables["Rating"]["org"].to_numpy()).all())
    True
    """
    return graph.codes.ref(type_name, column).astype(np.intp)


def _place_positions(graph: Graph, keys: Any) -> np.ndarray:
    """:func:`positions` of place ids."""
    return positions(keys, place_index(graph))


_STORE = "_analysis_store"  # the attribute of a Graph holding its derived tables inside ``cached``


class _Store:
    """Derived tables of one graph shared inside :func:`cached` (kept on the graph itself, so two
    graphs never share one, and threads using the same graph share it safely)."""

    __slots__ = ("closed", "data", "depth", "lock")

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.depth = 0
        self.closed = False
        self.data: dict[Any, Any] = {}


@contextmanager
def cached(graph: Graph) -> Iterator[None]:
    """Share derived tables (org facts, active links) between analyses run inside the block.

    ``run_all`` and the report use it; outside the block nothing is cached, so a graph whose
    tables are edited between calls is always read afresh. The derived tables live on the graph
    while any block (in any thread) is open on it; several threads may run analyses of one graph
    at once, each value being computed by a pure function of the graph.
    """
    while True:
        store = graph.__dict__.setdefault(_STORE, _Store())  # (atomic: one store per graph)
        with store.lock:
            if not store.closed:
                store.depth += 1
                break
    try:
        yield
    finally:
        with store.lock:
            store.depth -= 1
            if store.depth == 0:
                store.closed = True
                if graph.__dict__.get(_STORE) is store:
                    del graph.__dict__[_STORE]


def _memo(graph: Graph, key: Any, fn: Callable[[], Any]) -> Any:
    store = graph.__dict__.get(_STORE)
    if store is None:
        return fn()
    data = store.data
    if key not in data:
        value = fn()
        return data.setdefault(key, value)  # a value another thread stored first wins, for all
    return data[key]


# ---- org facts ---------------------------------------------------------------------------------

def categories_at(graph: Graph, as_of: Any = None, *, year: int | None = None) -> pd.DataFrame:
    """Each org's category and 软弱涣散 flag in force on a date (or for a rating year).

    The latest ``Rating`` of a year ``<= year`` wins; the roster's ``category`` (with its
    ``category_year``, or undated) is used when no such rating exists. Returns columns
    ``org_id, category, weak_lax, rating_year`` for every org (category None when unrated).

    Examples
    --------
    >>> c = categories_at(example_graph(), "2023-06-30").set_index("org_id")
    >>> c.loc["a3", "category"], c.loc["v3", "category"]  # 2023 ratings; the roster says 2024
    ('2', '3')
    """
    if year is None:
        year = int(as_of_date(graph, as_of).year)
    return _memo(graph, ("categories", year), lambda: _categories(graph, year))


def _lax_codes(values: pd.Series) -> np.ndarray:
    """A boolean column as int8: 1 true, 0 false, -1 missing."""
    if isinstance(values.dtype, pd.BooleanDtype):
        return values.to_numpy(dtype=np.int8, na_value=-1)
    v = values.to_numpy(dtype=object)
    out = np.full(len(v), -1, dtype=np.int8)
    known = ~pd.isna(v)
    out[known] = v[known].astype(bool)
    return out


def _categories(graph: Graph, year: int) -> pd.DataFrame:
    orgs = graph.tables["Organization"]
    ratings = graph.tables["Rating"]
    n = len(orgs)
    ry = ratings["year"].astype("float64").to_numpy()
    rk = ~np.isnan(ry) & (ry <= year)
    rpos = _memo(graph, ("rating_pos",), lambda: ref_positions(graph, "Rating", "org"))
    rk &= rpos >= 0  # ratings of orgs not on the roster never show
    oy = orgs["category_year"].astype("float64").to_numpy()
    ocat = orgs["category"].to_numpy(dtype=object)
    ok = ~pd.isna(ocat) & (np.isnan(oy) | (oy <= year))
    # candidates: the roster's own category (prio 0), then every rating (prio 1); per org the
    # greatest (year, prio, candidate number) wins, i.e. the last of a stable sort by those keys
    ro, rr = np.flatnonzero(ok), np.flatnonzero(rk)
    pos = np.concatenate([ro, rpos[rr]]).astype(np.int64)
    yr_c = np.concatenate([np.where(np.isnan(oy[ro]), -1.0, oy[ro]), ry[rr]])
    cand = np.arange(len(pos), dtype=np.int64)
    yr_i = yr_c.astype(np.int64)
    lo = int(yr_i.min()) if len(yr_i) else 0
    comb = ((yr_i - lo) << 33) | ((cand >= len(ro)).astype(np.int64) << 32) | cand
    best = np.full(n, -1, dtype=np.int64)
    np.maximum.at(best, pos, comb)
    at = np.flatnonzero(best >= 0)
    win = best[at] & 0xFFFFFFFF
    mine = win < len(ro)  # won by the roster's own category
    src_roster, src_rating = ro[win[mine]], rr[win[~mine] - len(ro)]
    cat = np.full(n, None, dtype=object)
    lax = np.full(n, -1, dtype=np.int8)
    yr = np.full(n, np.nan)
    roster_lax = _lax_codes(orgs["weak_lax"])
    cat[at[mine]] = ocat[src_roster]
    lax[at[mine]] = roster_lax[src_roster]
    yr[at[mine]] = yr_c[win[mine]]
    cat[at[~mine]] = ratings["category"].to_numpy(dtype=object)[src_rating]
    lax[at[~mine]] = _lax_codes(ratings["weak_lax"])[src_rating]
    yr[at[~mine]] = ry[src_rating]
    lax = np.where(lax < 0, roster_lax, lax)
    ids = orgs["id"].to_numpy(dtype=object)
    out = pd.DataFrame({"org_id": pd.Series(ids, dtype=object),
                        "category": pd.Series(np.where(pd.isna(cat), None, cat), dtype=object),
                        "weak_lax": lax == 1,
                        "rating_year": pd.array(np.where(yr > 0, yr, np.nan), dtype="Int64")})
    return out


def org_index(graph: Graph) -> pd.Index:
    """The Organization ids as an object ``pandas.Index`` (shared inside :func:`cached`)."""
    return _memo(graph, ("org_index",), lambda: pd.Index(graph.tables["Organization"]["id"].to_numpy(dtype=object),
                                                         dtype=object))


def place_index(graph: Graph) -> pd.Index:
    """The Place ids as an object ``pandas.Index`` (shared inside :func:`cached`)."""
    return _memo(graph, ("place_index",), lambda: pd.Index(graph.tables["Place"]["id"].to_numpy(dtype=object),
                                                           dtype=object))


def org_facts(graph: Graph, as_of: Any = None) -> pd.DataFrame:
    """One row per org with the facts analyses group by, categories as of the date.

    Columns: ``org_id, name, form, sector, level, town, town_name, village, village_name, parent,
    category, weak_lax, weak, strong`` (sorted by ``org_id``). Do not modify the result in place.
    """
    ts = as_of_date(graph, as_of)
    return _memo(graph, ("facts", ts.year), lambda: _org_facts(graph, ts))


def na_to_none(values: Any) -> np.ndarray:
    """Object array with every missing value (None, NaN, NA, NaT) as None."""
    a = np.asarray(values, dtype=object)
    missing = pd.isna(a)
    if missing.any():
        a = a.copy()
        a[missing] = None
    return a


def _objs(values: np.ndarray) -> pd.Series:
    """An object Series of these very objects (pandas would infer its ``str`` dtype and copy every
    string)."""
    return pd.Series(values, dtype=object, copy=False)


def _obj(values: Any) -> pd.Series:
    """An object Series of the values, missing ones as None (the values are not copied when none
    is missing: copying an object array touches every object, which costs at country scale)."""
    return pd.Series(na_to_none(values), dtype=object, copy=False)


def _org_facts(graph: Graph, ts: pd.Timestamp) -> pd.DataFrame:
    base, order = _memo(graph, ("facts_base",), lambda: _org_base(graph))
    cats = categories_at(graph, ts)
    cat = cats["category"].to_numpy(dtype=object)
    lax = cats["weak_lax"].to_numpy(dtype=bool)
    if order is not None:  # categories follow the Organization table; the facts are sorted by id
        cat, lax = cat[order], lax[order]
    f = base.copy(deep=False)
    f["category"] = _obj(cat)
    f["weak_lax"] = lax
    f["weak"] = (cat == WEAK) | lax
    f["strong"] = (cat == STRONG) & ~lax
    return f


def _org_base(graph: Graph) -> tuple[pd.DataFrame, np.ndarray | None]:
    """The facts that do not depend on the date, sorted by org id, and the sorting order of the
    Organization rows (None when they are sorted already): computed once for every date."""
    o = graph.tables["Organization"]
    p = graph.tables["Place"]
    pnames = na_to_none(p["name"].to_numpy(dtype=object))

    def pname_at(col: str) -> pd.Series:  # (missing as None already: no second pass)
        return pd.Series(take(pnames, ref_positions(graph, "Organization", col)), dtype=object, copy=False)

    f = pd.DataFrame({
        "org_id": _obj(o["id"]), "name": _obj(o["name"]), "form": _obj(o["form"]), "sector": _obj(o["sector"]),
        "level": _obj(o["level"]), "town": _obj(o["town"]),
        "town_name": pname_at("town"), "village": _obj(o["village"]),
        "village_name": pname_at("village"), "parent": _obj(o["parent"]),
    }, copy=False)  # one block per column: consolidating copies (and touches) every object
    ids = f["org_id"].to_numpy(dtype=object)
    if len(ids) > 1 and not (ids[1:] > ids[:-1]).all():
        order = argsort_strings(ids)
        return f.take(order).reset_index(drop=True), order
    return f, None


_FACTS_INDEX = "_graphkit_org_index"  # attribute of an org facts table holding its id Index


def _facts_index(facts: pd.DataFrame) -> pd.Index:
    """The org ids of ``facts`` as an object Index, kept on that facts table while it lives (its
    hash table is built once, not once per lookup; derived frames do not inherit it)."""
    hit = facts.__dict__.get(_FACTS_INDEX)
    if hit is not None:
        return hit
    idx = pd.Index(facts["org_id"].to_numpy(dtype=object), dtype=object)
    return facts.__dict__.setdefault(_FACTS_INDEX, idx)


def active_memberships(graph: Graph, ts: pd.Timestamp) -> pd.DataFrame:
    """Memberships active on ``ts`` in groups active on ``ts``, with the group's facts.

    Columns: ``id, member, organization, role, host_month, stage, start, end, collab_name, kind,
    chain, collab_town``.
    """
    return _memo(graph, ("memberships", ts), lambda: _active_memberships(graph, ts))


def _active_memberships(graph: Graph, ts: pd.Timestamp) -> pd.DataFrame:
    m = active(graph, "Membership", ts)
    c = active(graph, "Collaboration", ts)
    cols = ["id", "member", "organization", "role", "host_month", "stage", "start", "end"]
    cc = c[["id", "name", "kind", "chain", "town"]].rename(
        columns={"id": "organization", "name": "collab_name", "town": "collab_town"})
    out = m[cols].merge(cc, on="organization", how="inner")
    return out.take(argsort_strings(out["organization"], out["member"], out["id"])).reset_index(drop=True)


def active_pairings(graph: Graph, ts: pd.Timestamp) -> pd.DataFrame:
    """Pairings active on ``ts`` (columns of the Pairing table, sorted by id)."""
    return _memo(graph, ("pairings", ts),
                 lambda: active(graph, "Pairing", ts).sort_values("id", kind="stable").reset_index(drop=True))


def org_chains(graph: Graph, ts: pd.Timestamp, memberships: pd.DataFrame | None = None) -> pd.DataFrame:
    """Distinct ``(org_id, chain)`` pairs: orgs in an active alliance on an industry chain."""
    m = active_memberships(graph, ts) if memberships is None else memberships
    x = m.loc[m["chain"].notna(), ["member", "chain"]].drop_duplicates()
    return x.rename(columns={"member": "org_id"}).sort_values(["org_id", "chain"]).reset_index(drop=True)


def mechanisms(model: Model) -> list[tuple[str, str, str]]:
    """The link mechanisms declared in ``schema/mechanisms.yaml``, as ``(key, zh, en)``, in declared order."""
    return [(m.key, m.label["zh"], m.label["en"]) for m in model.mechanisms]


def active_links(graph: Graph, type_name: str, ts: pd.Timestamp) -> pd.DataFrame:
    """Records of a link type active on ``ts``, sorted by id (:func:`active_pairings` for Pairing)."""
    if type_name == "Pairing":
        return active_pairings(graph, ts)
    return _memo(graph, ("links", type_name, ts),
                 lambda: active(graph, type_name, ts).sort_values("id", kind="stable").reset_index(drop=True))


def link_ends(graph: Graph, ts: pd.Timestamp) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The two ends of every active record of the link mechanisms (``link:`` in mechanisms.yaml).

    Returns ``(source ids, target ids, mechanism key)`` as object arrays, mechanism by mechanism
    in declared order and by record id within one.
    """
    src: list[np.ndarray] = []
    tgt: list[np.ndarray] = []
    key: list[np.ndarray] = []
    for mech in graph.model.link_mechanisms():
        assert mech.link is not None
        edge = graph.model[mech.link].edge
        assert edge is not None
        t = active_links(graph, mech.link, ts)
        src.append(t[edge.source].to_numpy(dtype=object))
        tgt.append(t[edge.target].to_numpy(dtype=object))
        key.append(np.full(len(t), mech.key, dtype=object))
    if not src:
        empty = np.array([], dtype=object)
        return empty, empty, empty
    return np.concatenate(src), np.concatenate(tgt), np.concatenate(key)


def mechanism_members(graph: Graph, ts: pd.Timestamp) -> pd.DataFrame:
    """Distinct ``(org_id, mechanism)`` rows: orgs taking part in each mechanism on ``ts``."""
    return _memo(graph, ("mechanisms", ts), lambda: _mechanism_members(graph, ts))


def mechanism_memberships(graph: Graph, ts: pd.Timestamp) -> pd.DataFrame:
    """:func:`active_memberships` in collaborations of a kind declared as a mechanism."""
    m = active_memberships(graph, ts)
    declared = graph.model.collab_kinds()
    kind_prop = graph.model["Collaboration"].properties["kind"]
    if kind_prop.codelist and set(graph.model.codelists[kind_prop.codelist].codes) <= set(declared):
        return m  # every kind is a mechanism
    return m[isin(m["kind"], declared)] if len(m) else m


def _mechanism_members(graph: Graph, ts: pd.Timestamp) -> pd.DataFrame:
    model = graph.model
    m = mechanism_memberships(graph, ts)
    kind_key = {x.collaboration_kind: x.key for x in model.mechanisms if x.collaboration_kind is not None}
    mech = m["kind"].to_numpy(dtype=object)
    if any(k != v for k, v in kind_key.items()):
        mech = np.array([kind_key[k] for k in mech.tolist()], dtype=object)
    a = pd.DataFrame({"org_id": _objs(m["member"].to_numpy(dtype=object)), "mechanism": _objs(mech)})
    s, t, k = link_ends(graph, ts)
    b = pd.DataFrame({"org_id": _objs(np.concatenate([s, t])), "mechanism": _objs(np.concatenate([k, k]))})
    both = pd.concat([a, b], ignore_index=True)
    # drop_duplicates on integer codes (each column factorized by object first, see graphkit.core.ids)
    oc, _ = factorize(both["org_id"])
    mc, mu = factorize(both["mechanism"])
    key, _ = pd.factorize((oc.astype(np.int64) + 1) * (len(mu) + 1) + (mc + 1))
    first = np.flatnonzero(key > np.maximum.accumulate(np.r_[-1, key[:-1]])) if len(key) else key
    return both.take(first).reset_index(drop=True)


def isin(values: pd.Series | np.ndarray, members: Any) -> np.ndarray:
    """Fast ``values.isin(members)`` for id columns (pandas' arrow strings are slow at this)."""
    if isinstance(members, (set, frozenset, dict)):
        members = list(members)
    m = np.asarray(members, dtype=object)
    v = values.to_numpy(dtype=object) if isinstance(values, (pd.Series, pd.Index)) else np.asarray(values, dtype=object)
    if len(v) >= threshold("small_lookup"):
        if not pd.isna(m).any():  # (a missing member would also match missing values)
            return IdIndex(factorize(m)[1]).positions(v) >= 0
    return pd.Series(v, dtype=object).isin(m).to_numpy(dtype=bool)


# ---- formatting ----------------------------------------------------------------------------------

def join_names(values: Iterable[Any], *, limit: int | None = None) -> str:
    """Join names with 、 (skipping missing ones); with ``limit``, end with … 等 N 个.

    >>> join_names(["甲", None, "乙", "丙"], limit=2)
    '甲、乙 … 等 3 个'
    """
    vals = [str(v) for v in values if v is not None and not (isinstance(v, float) and np.isnan(v))]
    if limit is not None and len(vals) > limit:
        return SEP.join(vals[:limit]) + f" … 等 {len(vals)} 个"
    return SEP.join(vals)


# Ordinals in names (第一…第十二片区, 一组, 1组, 第2党支部) are read by this small parser rather than a
# library: natsort reads only Arabic digits, and cn2an converts whole strings (it raises on, or
# mangles, names mixing numerals with other characters such as 十里铺村); the names here need only
# 零…九, 十 and 百, so a dozen lines that are tested in place do the job.
_ZH_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_NUMERAL = re.compile(r"[0-9]+|[零〇一二两三四五六七八九十百]+")


def _numeral(text: str) -> int:
    if text.isdigit():
        return int(text)
    total, cur = 0, 0
    for ch in text:
        if ch == "百":
            total += (cur or 1) * 100
            cur = 0
        elif ch == "十":
            total += (cur or 1) * 10
            cur = 0
        else:
            cur = _ZH_DIGITS[ch]
    return total + cur


def natural_key(name: Any) -> str:
    """Sort key reading numbers written in digits or Chinese numerals: 第二片区 < 第十片区.

    The one sort key of ordinal names (districts, groups, sub-branches) in tables, views and Excel.

    >>> sorted(["第十片区", "第二片区", "第十一片区", "第一片区"], key=natural_key)
    ['第一片区', '第二片区', '第十片区', '第十一片区']
    >>> sorted(["十二组", "二组", "10组", "1组", "一组"], key=natural_key)
    ['1组', '一组', '二组', '10组', '十二组']
    """
    return _NUMERAL.sub(lambda m: f"{_numeral(m.group()):08d}", str(name))


def join_groups(keys: Any, values: Any, *, limit: int | None = None) -> tuple[np.ndarray, list[str]]:
    """Join ``values`` per key with :func:`join_names` in one pass (no per-group pandas work).

    Returns the distinct keys, sorted (missing keys dropped, as ``groupby`` does), and the joined
    text of each; values keep their row order within a key.

    >>> k, t = join_groups(["b", "a", "b"], ["甲", "乙", None])
    >>> k.tolist(), t
    (['a', 'b'], ['乙', '甲'])
    """
    kk = np.asarray(keys, dtype=object)
    vv = np.asarray(values, dtype=object)
    keep = ~pd.isna(kk)
    if not keep.all():
        kk, vv = kk[keep], vv[keep]
    codes, uniq = pd.factorize(kk, sort=True)
    order = np.argsort(codes, kind="stable")
    vs = vv[order]
    cs = codes[order]
    present = np.fromiter((v is not None and not (isinstance(v, float) and np.isnan(v)) for v in vs), dtype=bool,
                          count=len(vs))
    strs = [v if type(v) is str else str(v) for v in vs[present]]
    counts = np.bincount(cs[present], minlength=len(uniq))
    ends = np.cumsum(counts).tolist()
    starts = [0, *ends[:-1]]
    if limit is None:
        out = [SEP.join(strs[a:b]) for a, b in zip(starts, ends)]
    else:
        out = [SEP.join(strs[a:b]) if b - a <= limit else SEP.join(strs[a:a + limit]) + f" … 等 {b - a} 个"
               for a, b in zip(starts, ends)]
    return np.asarray(uniq, dtype=object), out


def grouped_join(df: pd.DataFrame, key: str, value: str, *, limit: int | None = None) -> pd.Series:
    """key -> the ``value``s of its rows joined with 、 (rows in the frame's order)."""
    if df.empty:
        return pd.Series(dtype=object)
    uniq, text = join_groups(df[key].to_numpy(dtype=object), df[value].to_numpy(dtype=object), limit=limit)
    if not len(uniq):  # every key missing: what pandas' groupby gives
        return pd.Series([], dtype=object, index=pd.Index([], dtype=object, name=key), name=value)
    return pd.Series(text, index=pd.Index(list(uniq), name=key), name=value)


def top_counts(df: pd.DataFrame, key: str, value: str, *, k: int = 3) -> pd.Series:
    """key -> "A 5、B 3" : the ``k`` most frequent ``value``s of each key with their counts."""
    if df.empty:
        return pd.Series(dtype=object)
    kv = df[key].to_numpy(dtype=object)
    keep = ~pd.isna(kv)
    kv = kv[keep]
    vv = df[value].to_numpy(dtype=object)[keep]
    vv = np.where(pd.isna(vv), NO_VALUE, vv)
    kc, ku = pd.factorize(kv, sort=True)
    vc, vu = pd.factorize(vv, sort=True)
    pair = kc.astype(np.int64) * max(len(vu), 1) + vc
    up, n = np.unique(pair, return_counts=True)
    gk_, gv = up // max(len(vu), 1), up % max(len(vu), 1)
    order = np.lexsort((gv, -n, gk_))      # per key: most frequent first, then by value
    gk_, gv, n = gk_[order], gv[order], n[order]
    first = np.r_[0, np.flatnonzero(gk_[1:] != gk_[:-1]) + 1]
    rank = np.arange(len(gk_)) - np.repeat(first, np.diff(np.r_[first, len(gk_)]))
    sel = rank < k
    txt = [f"{v} {c}" for v, c in zip(vu[gv[sel]], n[sel])]
    uniq, text = join_groups(ku[gk_[sel]], txt)
    if not len(uniq):  # every key missing: what pandas' groupby gives
        return pd.Series([], dtype="str", index=pd.Index([], dtype=object, name=key), name="txt")
    return pd.Series(text, index=pd.Index(list(uniq), name=key), name="txt")


def code_label(model: Model, codelist: str, codes: pd.Series, *, lang: str = "zh") -> pd.Series:
    """Map codes to their labels (unknown/missing values kept as they are)."""
    cl = model.codelists[codelist]
    table = {c: cl.labels[c][lang] for c in cl.codes}
    return codes.map(lambda v: table.get(v, v) if isinstance(v, str) else v)


def order_codes(model: Model, codelist: str, codes: Iterable[Any]) -> list[Any]:
    """Codes in their declared order (unknown ones after, by value; missing last)."""
    cl = model.codelists[codelist]
    rank = {c: i for i, c in enumerate(cl.codes)}
    return sorted(codes, key=lambda c: (c is None, rank.get(c, len(rank)), str(c)))


#: English column name -> Chinese label, for every column the analyses produce.
COLUMNS_ZH: dict[str, str] = {
    # ids and names
    "org_id": "党组织编号", "name": "党组织名称", "group": "分组", "group_name": "分组名称",
    "town": "镇(街道)编号", "town_name": "所属镇(街道)", "village": "村(社区)编号", "village_name": "所在村(社区)",
    "sector": "领域", "level": "层级", "form": "组织形式", "category": "分类定级", "weak_lax": "软弱涣散",
    "weak": "后进(三类/软弱涣散)", "strong": "一类(先进)", "parent": "上级党组织编号",
    # coverage
    "orgs": "党组织数", "covered": "参与联建数", "share": "覆盖率", "villages": "行政村数",
    "villages_covered": "联村覆盖村数", "committees": "联村党组织数", "uncovered_villages": "未覆盖的村",
    "weak_orgs": "后进党组织数", "third_class": "三类数", "paired": "已结对数", "paired_strong": "有一类帮扶数",
    "share_strong": "一类帮扶覆盖率", "unit_kind": "两新组织类型", "units": "单位数", "org_covered": "已建党组织数",
    "org_share": "组织覆盖率", "work_covered": "工作覆盖数", "work_share": "工作覆盖率",
    "chain_id": "产业链编号", "chain": "产业链", "stage_id": "环节编号", "stage": "环节", "order": "环节序号",
    "members": "成员数", "member_names": "成员党组织", "no_presence": "无党组织覆盖",
    # pairing
    "pair_id": "结对编号", "strong_id": "帮扶方编号", "strong_name": "帮扶方(强)", "strong_category": "帮扶方分类",
    "weak_id": "受援方编号", "weak_name": "受援方(弱)", "weak_category": "受援方分类", "start": "开始日期",
    "end": "结束日期", "reason": "原因", "partners": "现有帮扶方", "n_partners": "帮扶方数", "pairs": "结对数",
    "weak_names": "受援党组织", "collab_id": "联建组织编号", "collab_name": "联建组织", "kind": "联建类型",
    "class1": "一类成员数", "leads": "牵头单位", "lead_categories": "牵头单位分类", "problem": "问题",
    "years_active": "已结对年数", "due_date": "应轮换日期", "still_weak": "仍为后进", "cost": "代价(越小越优)",
    "same_town": "同镇", "neighbouring_level": "层级相邻", "shared_chain": "同产业链", "load": "现有结对数",
    "capacity": "帮扶容量", "form_code": "结对形式", "weak_town": "受援方所属镇", "strong_town": "帮扶方所属镇",
    # clusters
    "cluster": "集群", "cluster_size": "集群规模", "size": "党组织数", "collaborations": "联建组织数",
    "collab_names": "联建组织", "dominant_chain": "主导产业链", "chain_share": "主导产业链占比", "towns": "镇(街道)分布",
    "n_towns": "镇(街道)数", "sectors": "领域分布", "n_sectors": "领域数", "levels": "层级分布", "n_levels": "层级数",
    "n_weak": "后进数", "n_strong": "一类数", "stages_total": "环节总数", "stages_covered": "有党组织的环节数",
    "completeness": "环节完整度", "missing_stages": "缺失环节", "missing_levels": "缺少层级", "lead_names": "牵头单位",
    "n_groups": "参与联建组织数", "groups": "参与的联建组织", "kinds": "联建类型", "n_kinds": "类型数",
    "n_chains": "产业链数", "chains": "产业链", "n_districts": "片区数", "bridges": "桥接类型", "status": "状态",
    "component": "连通分量", "component_size": "分量党组织数",
    # cadence
    "district_id": "片区编号", "district": "片区", "guide": "联片指导领导", "year": "年度", "period": "期间",
    "period_start": "期间开始", "period_end": "期间结束", "role": "角色", "host_month": "轮值月份", "hosted": "主办次数",
    "type": "活动类型", "count": "活动次数", "activities": "活动总数", "months_due": "应有活动月数",
    "months_missed": "缺活动月数", "quarters_due": "应互督季度数", "quarters_missed": "缺互督季度数",
    "half_years_due": "应督导半年数", "half_years_missed": "缺交叉督导半年数", "never_hosted": "从未主办数", "ok": "达标",
    "month": "月份", "due": "应有活动", "missed": "缺失",
    # change
    "link_type": "关系类型", "source": "起点编号", "source_name": "起点", "target": "终点编号", "target_name": "终点",
    "change": "变化", "detail": "说明", "old_category": "原分类", "new_category": "现分类", "old_partners": "原帮扶方",
    "new_partners": "现帮扶方", "weak_before": "期初后进数", "moved_up": "进位数", "same": "持平数",
    "moved_down": "退位数", "unrated": "未定级数", "share_up": "进位比例", "year_from": "起始年度", "year_to": "比较年度",
    "category_from": "起始分类", "category_to": "比较分类", "move": "变动", "cohort": "组别",
    # summaries
    "metric": "指标代码", "label": "指标", "value": "数值", "note": "说明",
}

#: Columns whose values are codes of a code list (mapped to labels by :func:`to_zh`).
CODE_COLUMNS: dict[str, str] = {
    "sector": "sector", "level": "level", "form": "form", "category": "category", "kind": "collab_kind",
    "role": "role", "type": "activity_type", "unit_kind": "unit_kind", "strong_category": "category",
    "weak_category": "category", "old_category": "category", "new_category": "category",
    "category_from": "category", "category_to": "category", "form_code": "pairing_form",
}


#: Columns holding graphkit's own codes (not code-list codes) -> code -> Chinese label.
#: ``to_zh`` also translates ";"-joined lists of these codes.
VALUE_LABELS: dict[str, dict[str, str]] = {
    "reason": {"no_pairing": "无结对", "partner_not_strong": "帮扶方均非一类", "class2": "帮扶方为二类",
               "unrated": "帮扶方未定级", "weak": "帮扶方本身为三类或软弱涣散"},
    "status": {"no_link": "未参与任何联建", "small_component": "孤立小群"},
    "change": {"added": "新增", "ended": "结束", "up": "进位", "down": "退位"},
    "move": {"up": "进位", "same": "持平", "down": "退位", "unrated": "未定级"},
    "cohort": {"paired": "期间有结对", "unpaired": "期间无结对"},
    "bridges": {"chains": "跨产业链", "districts": "跨片区", "mechanisms": "跨联建类型", "groups": "多个联建组织"},
    "problem": {"no_class1": "组内无一类党组织", "no_lead": "未明确牵头单位", "lead_not_class1": "牵头单位非一类"},
}


def value_labels(model: Model | None = None) -> dict[str, dict[str, str]]:
    """:data:`VALUE_LABELS` plus ``link_type`` (record type -> its Chinese label)."""
    model = model or load_schema()
    out = dict(VALUE_LABELS)
    out["link_type"] = {t.name: t.label["zh"] for t in model}
    return out


def column_labels(model: Model | None = None) -> dict[str, str]:
    """:data:`COLUMNS_ZH` plus the per-mechanism columns (``n_<code>``, ``share_<code>``)."""
    model = model or load_schema()
    labels = dict(COLUMNS_ZH)
    for code, zh, _ in mechanisms(model):
        labels[f"n_{code}"] = f"{zh}参与数"
        labels[f"share_{code}"] = f"{zh}覆盖率"
    return labels


def to_zh(df: pd.DataFrame, model: Model | None = None) -> pd.DataFrame:
    """A copy of an analysis table for Chinese reports: codes → labels, columns → Chinese.

    Booleans become 是/否; unknown columns keep their names.

    >>> to_zh(pd.DataFrame({"sector": ["village"], "share": [0.5], "weak": [True]})).to_dict("records")
    [{'领域': '农村', '覆盖率': 0.5, '后进(三类/软弱涣散)': '是'}]
    """
    model = model or load_schema()
    out = df.copy()
    values = value_labels(model)
    for col in out.columns:
        cl = CODE_COLUMNS.get(col)
        if cl:
            out[col] = code_label(model, cl, out[col].astype(object))
        elif col in values:
            table = values[col]
            out[col] = out[col].astype(object).map(
                lambda v, table=table: "；".join(table.get(p, p) for p in v.split(";")) if isinstance(v, str) else v)
        elif out[col].dtype == bool or str(out[col].dtype) == "boolean":
            out[col] = out[col].astype(object).map({True: "是", False: "否"}).where(out[col].notna(), None)
    return out.rename(columns=column_labels(model))


# the hand-made graphs moved to the public graphkit.testing; kept importable here for old code
from ..testing import example_graph, make_graph  # noqa: E402
