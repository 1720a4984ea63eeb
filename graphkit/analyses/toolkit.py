"""The analyses' toolkit: the one place for the helpers they share — dates and active-at-date
filters, org facts, arrays (integer codes, sorting, positions, take), per-group joins, labels.

An analysis module imports these from here, never a private ``_name`` of a sibling module
(``tests/test_toolkit.py`` checks it).

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
    "AsOf", "ProgressFn", "cached", "memo", "reference_date", "as_of_date", "active_mask", "overlap_mask", "active",
    # arrays: object columns, codes, sorting, lookups
    "objs", "strs", "na_to_none", "empty_frame", "argsort", "codes_of", "sort_rank", "id_order", "factorize",
    "argsort_strings",
    "lookup", "positions", "take", "isin", "ref_positions", "table_index", "id_positions", "name_of",
    # per-group figures and texts
    "group_starts", "rank_in_group", "nunique_by_code", "join_by_code", "top_by_code", "join_names", "join_groups",
    "grouped_join", "top_counts", "natural_key",
    # org facts and active links
    "categories_at", "org_facts", "org_index", "place_index", "facts_index", "active_memberships", "active_pairings",
    "active_links", "link_ends", "mechanism_members", "mechanism_memberships", "org_chains", "mechanisms",
    # code lists and labels
    "code_index", "code_order", "code_labels", "code_label", "order_codes",
    "COLUMNS_ZH", "CODE_COLUMNS", "VALUE_LABELS", "value_labels", "column_labels", "to_zh", "make_graph",
    "example_graph", "NO_VALUE", "SEP",
]

AsOf = "str | dt.date | dt.datetime | pd.Timestamp | None"
ProgressFn = Callable[[str], None]

#: Label used for a missing group value (an org without a town, an uncategorized org).
NO_VALUE = "（未填）"
STRONG = "1"
WEAK = "3"
SEP = "、"


# ---- arrays: object columns, integer codes, sorting ----------------------------------------------
# The one set of array helpers the analyses share (integer codes instead of per-group pandas work).

def objs(values: Any, *, copy: bool = True) -> pd.Series:
    """An object Series of the values (pandas would infer its arrow-backed ``str`` dtype from an
    object array, copying every string); ``copy=False`` shares the array when it is one already.

    >>> objs(["a", None]).dtype
    dtype('O')
    """
    return pd.Series(np.asarray(values, dtype=object), dtype=object, copy=copy)


def strs(values: Any) -> pd.Series:
    """A text column typed as pandas infers it (``str`` for strings, object when all missing).

    >>> str(strs(["a", "b"]).dtype), str(strs([None]).dtype)
    ('str', 'object')
    """
    return pd.Series(np.asarray(values, dtype=object))


def na_to_none(values: Any) -> np.ndarray:
    """Object array with every missing value (None, NaN, NA, NaT) as None."""
    a = np.asarray(values, dtype=object)
    missing = pd.isna(a)
    if missing.any():
        a = a.copy()
        a[missing] = None
    return a


def empty_frame(cols: list[str]) -> pd.DataFrame:
    """An empty table with these (object) columns: what an analysis returns when nothing matches."""
    return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})


def _is_str(values: np.ndarray) -> bool:
    from pandas.api.types import infer_dtype

    return infer_dtype(values, skipna=False) in ("string", "empty")


def _sorted_strings(values: np.ndarray) -> bool:
    """Whether an object array holds strings in strictly increasing order."""
    return len(values) > 0 and _is_str(values) and bool((values[1:] > values[:-1]).all())


def argsort(values: np.ndarray) -> np.ndarray:
    """Stable argsort of an object array without missing values, in Python's order; long string
    arrays are sorted by pyarrow (:func:`graphkit.core.ids.argsort_strings`: UTF-8 byte order is
    code point order, which is how Python compares str).

    >>> argsort(np.array(["b", "a", "c"], dtype=object)).tolist()
    [1, 0, 2]
    """
    if len(values) >= threshold("arrow_sort_min") and _is_str(values):
        return argsort_strings(values).astype(np.int64)
    return np.argsort(values, kind="stable")


def codes_of(values: Any, *, sort: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes of ``values`` (-1 where missing) and the distinct values.

    With ``sort`` the distinct values are in Python's order (the order ``groupby`` and
    ``sort_values`` give), so comparing codes compares values; without, in order of first
    appearance (:func:`graphkit.core.ids.factorize`).

    >>> c, u = codes_of(["b", None, "a", "b"])
    >>> c.tolist(), u.tolist()
    ([1, -1, 0, 1], ['a', 'b'])
    """
    codes, uniques = factorize(values)
    codes = codes.astype(np.int64, copy=False)
    uniques = np.asarray(uniques, dtype=object)
    if sort and len(uniques) > 1:
        order = argsort(uniques)
        rank = np.empty(len(uniques) + 1, dtype=np.int64)
        rank[order] = np.arange(len(uniques))
        rank[-1] = -1  # code -1 (missing) stays -1
        codes = rank[codes]
        uniques = uniques[order]
    return codes, uniques


def sort_rank(values: Any) -> np.ndarray:
    """Sort rank of each value (equal values share a rank; missing values rank last).

    >>> sort_rank(["b", None, "a", "b"]).tolist()
    [1, 2, 0, 1]
    """
    c, u = codes_of(values)
    return np.where(c < 0, len(u), c)


def id_order(ids: Any) -> np.ndarray:
    """Rank of each (distinct) id in sorted order (cheap when the ids are sorted, as tables are).

    >>> id_order(["b", "c", "a"]).tolist()
    [1, 2, 0]
    """
    ids = np.asarray(ids, dtype=object)
    if len(ids) < 2 or _sorted_strings(ids):
        return np.arange(len(ids))
    order = argsort(ids)
    r = np.empty(len(ids), dtype=np.int64)
    r[order] = np.arange(len(ids))
    return r


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
    if not len(vals):
        return out
    hit = pos >= 0
    out[hit] = vals[pos[hit]]
    return out


def positions(keys: Any, index: Any) -> np.ndarray:
    """Position of each key in ``index`` (-1 where absent); ``index`` must be unique.

    A ready object ``pandas.Index`` is looked up by its hash table (kept with the Index, so passing
    the same Index again does not rebuild it). Tables are kept sorted by id, so a few keys are
    looked up in a sorted array of strings by bisection, without hashing the whole array.

    >>> positions(["b", "x", "a"], ["a", "b"]).tolist()
    [1, -1, 0]
    >>> positions(["d", None, "c", "a"], ["a", "b", "d"]).tolist()
    [2, -1, -1, 0]
    """
    if isinstance(index, pd.Index):
        return id_index(index).positions(keys)
    k = keys.to_numpy(dtype=object) if isinstance(keys, (pd.Series, pd.Index)) else np.asarray(keys, dtype=object)
    if not len(k):
        return np.zeros(0, dtype=np.intp)
    idx = index.to_numpy(dtype=object) if isinstance(index, pd.Series) else np.asarray(index, dtype=object)
    if len(k) * 64 <= len(idx) and _sorted_strings(idx):
        return _search(idx, k)
    return IdIndex(idx).positions(k)


def _search(idx: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Positions of keys in a sorted array of strings, by bisection (-1 where absent)."""
    out = np.full(len(keys), -1, dtype=np.intp)
    ok = ~pd.isna(keys)
    k = keys[ok]
    if not _is_str(k):  # ids are strings; anything else is looked up by hashing
        return IdIndex(idx).positions(keys)
    at = np.minimum(np.searchsorted(idx, k), len(idx) - 1)
    found = idx[at] == k
    out[np.flatnonzero(ok)[found]] = at[found]
    return out


def ref_positions(graph: Graph, type_name: str, column: str) -> np.ndarray:
    """Row of each value of a reference column in the referenced type's table (-1 where missing
    or naming no row): the graph's integer codes (:class:`graphkit.core.ids.GraphCodes`), no lookup.

    >>> g = example_graph()
    >>> pos = ref_positions(g, "Rating", "org")
    >>> bool((g.tables["Organization"]["id"].to_numpy()[pos] == g.tables["Rating"]["org"].to_numpy()).all())
    True
    """
    return graph.codes.ref(type_name, column).astype(np.intp)


def table_index(graph: Graph, type_name: str) -> pd.Index:
    """A table's ids as an object ``pandas.Index`` (its hash table built once inside :func:`cached`)."""
    t = graph.tables[type_name]
    return memo(graph, ("table_index", type_name, id(t)), lambda: pd.Index(t["id"].to_numpy(dtype=object), dtype=object))


def id_positions(graph: Graph, type_name: str, keys: Any) -> np.ndarray:
    """Row of each id in a table (-1 where absent); the table's sortedness and hash index are kept
    inside :func:`cached`.

    >>> id_positions(example_graph(), "Organization", ["v1", "nobody"]).tolist()[1]
    -1
    """
    t = graph.tables[type_name]
    ids = t["id"].to_numpy(dtype=object)
    keys = np.asarray(keys, dtype=object)
    if not len(keys) or not len(ids):
        return np.full(len(keys), -1, dtype=np.intp)
    if len(keys) * 64 <= len(ids) and memo(graph, ("sorted_ids", type_name, id(t)), lambda: _sorted_strings(ids)):
        return _search(ids, keys)
    return positions(keys, table_index(graph, type_name))


def name_of(graph: Graph, type_name: str, keys: Any, fill: Any = None) -> np.ndarray:
    """Display names (``name``, else ``title``, else the id) of ids of a node type (``fill`` where unknown).

    >>> name_of(example_graph(), "Organization", ["v1", "nobody"]).tolist()
    ['甲村党支部', None]
    """
    t = graph.tables[type_name]
    col = "name" if "name" in t else "title" if "title" in t else "id"
    return take(t[col].to_numpy(dtype=object), id_positions(graph, type_name, keys), fill)


_SLOT = "analyses"  # the Graph.cache slot holding the derived tables shared inside ``cached``


@contextmanager
def cached(graph: Graph) -> Iterator[None]:
    """Share derived tables (org facts, active links) between analyses run inside the block.

    ``run_all`` and the report use it; outside the block nothing is cached, so a graph whose
    tables are edited between calls is always read afresh. The derived tables live in the graph's
    cache slot ``"analyses"`` (:meth:`graphkit.core.model.Graph.cache`) while any block (in any
    thread) is open on it and are dropped when the last one closes; several threads may run
    analyses of one graph at once, each value being computed by a pure function of the graph.
    """
    slot = graph.cache(_SLOT)
    with slot.lock:
        if not slot.data.get("depth"):
            slot.data.update(depth=0, values={}, generation=slot.data.get("generation", 0) + 1)
        slot.data["depth"] += 1
    try:
        yield
    finally:
        with slot.lock:
            slot.data["depth"] -= 1
            if slot.data["depth"] == 0:
                slot.data["values"] = {}


def memo(graph: Graph, key: Any, fn: Callable[[], Any]) -> Any:
    """``fn()``, computed once per ``key`` for this graph inside :func:`cached` (every time outside)."""
    slot = graph.cache(_SLOT)
    with slot.lock:
        in_block = bool(slot.data.get("depth"))
        if in_block:
            generation, values = slot.data["generation"], slot.data["values"]
            if key in values:
                return values[key]
    value = fn()  # computed outside the lock, so threads needing different values run at once
    if in_block:
        with slot.lock:
            if slot.data.get("depth") and slot.data["generation"] == generation:
                return values.setdefault(key, value)  # a value another thread stored first wins, for all
    return value  # outside a block, or the block closed meanwhile: nothing is kept


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
    return memo(graph, ("categories", year), lambda: _categories(graph, year))


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
    rpos = memo(graph, ("rating_pos",), lambda: ref_positions(graph, "Rating", "org"))
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
    category = np.asarray(cat, dtype=object).copy()
    category[pd.isna(category)] = None
    out = pd.DataFrame({"org_id": pd.Series(ids, dtype=object),
                        "category": pd.Series(category, dtype=object),
                        "weak_lax": lax == 1,
                        "rating_year": pd.array(np.where(yr > 0, yr, np.nan), dtype="Int64")})
    return out


def org_index(graph: Graph) -> pd.Index:
    """The Organization ids as an object ``pandas.Index`` (shared inside :func:`cached`)."""
    return table_index(graph, "Organization")


def place_index(graph: Graph) -> pd.Index:
    """The Place ids as an object ``pandas.Index`` (shared inside :func:`cached`)."""
    return table_index(graph, "Place")


def org_facts(graph: Graph, as_of: Any = None) -> pd.DataFrame:
    """One row per org with the facts analyses group by, categories as of the date.

    Columns: ``org_id, name, form, sector, level, town, town_name, village, village_name, parent,
    category, weak_lax, weak, strong`` (sorted by ``org_id``). Do not modify the result in place.
    """
    ts = as_of_date(graph, as_of)
    return memo(graph, ("facts", ts.year), lambda: _org_facts(graph, ts))


def _obj_none(values: Any) -> pd.Series:
    """An object Series of the values, missing ones as None (the values are not copied when none
    is missing: copying an object array touches every object, which costs at country scale)."""
    return objs(na_to_none(values), copy=False)


def _org_facts(graph: Graph, ts: pd.Timestamp) -> pd.DataFrame:
    base, order = memo(graph, ("facts_base",), lambda: _org_base(graph))
    cats = categories_at(graph, ts)
    cat = cats["category"].to_numpy(dtype=object)
    lax = cats["weak_lax"].to_numpy(dtype=bool)
    if order is not None:  # categories follow the Organization table; the facts are sorted by id
        cat, lax = cat[order], lax[order]
    f = base.copy(deep=False)
    f["category"] = _obj_none(cat)
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
        "org_id": _obj_none(o["id"]), "name": _obj_none(o["name"]), "form": _obj_none(o["form"]), "sector": _obj_none(o["sector"]),
        "level": _obj_none(o["level"]), "town": _obj_none(o["town"]),
        "town_name": pname_at("town"), "village": _obj_none(o["village"]),
        "village_name": pname_at("village"), "parent": _obj_none(o["parent"]),
    }, copy=False)  # one block per column: consolidating copies (and touches) every object
    ids = f["org_id"].to_numpy(dtype=object)
    if len(ids) > 1 and not (ids[1:] > ids[:-1]).all():
        order = argsort_strings(ids)
        return f.take(order).reset_index(drop=True), order
    return f, None


_FACTS_INDEX = "_graphkit_org_index"  # attribute of an org facts table holding its id Index


def facts_index(facts: pd.DataFrame) -> pd.Index:
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
    return memo(graph, ("memberships", ts), lambda: _active_memberships(graph, ts))


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
    return memo(graph, ("pairings", ts),
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
    return memo(graph, ("links", type_name, ts),
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
    return memo(graph, ("mechanisms", ts), lambda: _mechanism_members(graph, ts))


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
    a = pd.DataFrame({"org_id": objs(m["member"].to_numpy(dtype=object), copy=False), "mechanism": objs(mech, copy=False)})
    s, t, k = link_ends(graph, ts)
    b = pd.DataFrame({"org_id": objs(np.concatenate([s, t]), copy=False), "mechanism": objs(np.concatenate([k, k]), copy=False)})
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
    text of each; values keep their row order within a key (:func:`join_by_code` by key).

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
    return np.asarray(uniq, dtype=object), join_by_code(codes, len(uniq), vv, limit=limit).tolist()


def grouped_join(df: pd.DataFrame, key: str, value: str, *, limit: int | None = None) -> pd.Series:
    """key -> the ``value``s of its rows joined with 、 (rows in the frame's order)."""
    if df.empty:
        return pd.Series(dtype=object)
    uniq, text = join_groups(df[key].to_numpy(dtype=object), df[value].to_numpy(dtype=object), limit=limit)
    if not len(uniq):  # every key missing: what pandas' groupby gives
        return pd.Series([], dtype=object, index=pd.Index([], dtype=object, name=key), name=value)
    return pd.Series(text, index=pd.Index(list(uniq), name=key), name=value)


def top_counts(df: pd.DataFrame, key: str, value: str, *, k: int = 3) -> pd.Series:
    """key -> "A 5、B 3" : the ``k`` most frequent ``value``s of each key with their counts
    (:func:`top_by_code` by key)."""
    if df.empty:
        return pd.Series(dtype=object)
    kv = df[key].to_numpy(dtype=object)
    keep = ~pd.isna(kv)
    kc, ku = pd.factorize(kv[keep], sort=True)
    if not len(ku):  # every key missing: what pandas' groupby gives
        return pd.Series([], dtype="str", index=pd.Index([], dtype=object, name=key), name="txt")
    text = top_by_code(kc.astype(np.int64), len(ku), df[value].to_numpy(dtype=object)[keep], k=k)
    return pd.Series(text.tolist(), index=pd.Index(list(ku), name=key), name="txt")


# ---- per-group figures and texts over integer group codes ----------------------------------------
# ``groups`` holds a group number 0..n-1 per row (-1: the row belongs to no group), e.g. the codes
# of :func:`codes_of`; each helper returns one value per group.

def group_starts(groups: np.ndarray) -> np.ndarray:
    """Row index where each group starts, for rows sorted by group.

    >>> group_starts(np.array([0, 0, 1, 3, 3])).tolist()
    [0, 2, 3]
    """
    if not len(groups):
        return np.zeros(0, dtype=np.int64)
    return np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]])


def rank_in_group(groups: np.ndarray) -> np.ndarray:
    """Position of each row within its group (0, 1, …), for rows sorted by group.

    >>> rank_in_group(np.array([0, 0, 1, 3, 3, 3])).tolist()
    [0, 1, 0, 0, 1, 2]
    """
    first = group_starts(groups)
    return np.arange(len(groups)) - np.repeat(first, np.diff(np.r_[first, len(groups)]))


def nunique_by_code(groups: np.ndarray, n: int, values: Any) -> np.ndarray:
    """Distinct non-missing ``values`` per group ``0..n-1`` (rows of group -1 ignored).

    >>> nunique_by_code(np.array([0, 0, 1, -1]), 3, ["a", "a", None, "b"]).tolist()
    [1, 0, 0]
    """
    vc, vu = codes_of(values, sort=False)
    keep = (groups >= 0) & (vc >= 0)
    w = max(len(vu), 1)
    pairs = pd.unique(groups[keep].astype(np.int64) * w + vc[keep])  # (a hash table: no sort needed)
    return np.bincount(pairs // w, minlength=n).astype(np.int64)


def _join_lists(groups: np.ndarray, n: int, texts: Any, *, empty: Any = None) -> np.ndarray:
    """Per group ``0..n-1``: its ``texts`` (a pyarrow string array, rows sorted by group, groups
    ``>= 0``) joined with 、 by pyarrow; ``empty`` for a group without rows."""
    import pyarrow as pa
    import pyarrow.compute as pc

    counts = np.bincount(groups, minlength=n)
    present = np.flatnonzero(counts)
    out = np.full(n, empty, dtype=object)
    if len(present):
        offsets = pa.array(np.r_[0, np.cumsum(counts[present])].astype(np.int64))
        lists = pa.LargeListArray.from_arrays(offsets, texts.cast(pa.large_string()))
        joined = pc.binary_join(lists, pa.scalar(SEP, type=pa.large_string()))
        out[present] = np.asarray(joined.to_numpy(zero_copy_only=False), dtype=object)
    return out


def _present(values: np.ndarray) -> np.ndarray:
    """Which values :func:`join_names` keeps (not None, not a float NaN)."""
    return np.fromiter((v is not None and not (isinstance(v, float) and np.isnan(v)) for v in values.tolist()),
                       dtype=bool, count=len(values))


def join_by_code(groups: np.ndarray, n: int, values: Any, *, limit: int | None = None, empty: Any = None,
                 plain: bool = False) -> np.ndarray:
    """Per group ``0..n-1``: its ``values`` in row order joined as :func:`join_names` joins them
    (missing values skipped; with ``limit``, ``… 等 N 个``), or with ``plain`` a plain ``SEP.join``
    (every value a str); ``empty`` for a group without rows.

    >>> join_by_code(np.array([1, 0, 1, -1]), 3, ["甲", "乙", None, "丙"], empty="").tolist()
    ['乙', '甲', '']
    """
    groups = np.asarray(groups, dtype=np.int64)
    keep = groups >= 0
    g = groups[keep]
    order = np.argsort(g, kind="stable")
    vals = np.asarray(values, dtype=object)[keep][order]
    gs = g[order]
    if plain and len(vals) and all(type(v) is str for v in vals.tolist()):  # joined by pyarrow, list by list
        import pyarrow as pa

        return _join_lists(gs, n, pa.array(vals.tolist(), type=pa.large_string()), empty=empty)
    out = np.full(n, empty, dtype=object)
    present = np.flatnonzero(np.bincount(gs, minlength=n))
    if not len(present):
        return out
    if plain:
        texts = vals.tolist()
    else:  # skip missing values (join_names), in one pass over all groups
        ok = _present(vals)
        texts = [v if type(v) is str else str(v) for v in vals[ok].tolist()]
        gs = gs[ok]
    ends = np.cumsum(np.bincount(gs, minlength=n)[present]).tolist()
    starts = [0, *ends[:-1]]
    if limit is None:
        joined = [SEP.join(texts[a:b]) for a, b in zip(starts, ends)]
    else:
        joined = [SEP.join(texts[a:b]) if b - a <= limit else SEP.join(texts[a:a + limit]) + f" … 等 {b - a} 个"
                  for a, b in zip(starts, ends)]
    out[present] = np.array(joined, dtype=object)
    return out


def top_by_code(groups: np.ndarray, n: int, values: Any, *, k: int = 3) -> np.ndarray:
    """Per group: "A 5、B 3", the ``k`` most frequent values (missing → （未填）), ties by value;
    None for a group without rows.

    >>> top_by_code(np.array([0, 0, 0, 1]), 2, ["乙", "甲", "乙", None]).tolist()
    ['乙 2、甲 1', '（未填） 1']
    """
    # codes of the values with missing ones as （未填）: the distinct values first (few), then each
    # row's code through them, so the rows are passed over by codes only
    c, u = factorize(np.asarray(values, dtype=object))
    u = np.append(np.asarray(u, dtype=object), NO_VALUE)
    uc, vu = codes_of(u)
    vc = uc[np.where(c < 0, len(u) - 1, c)]
    w = max(len(vu), 1)
    keep = groups >= 0
    pairs, cnt = np.unique(groups[keep].astype(np.int64) * w + vc[keep], return_counts=True)
    g, val = pairs // w, pairs % w
    order = np.lexsort((val, -cnt, g))
    g, val, cnt = g[order], val[order], cnt[order]
    sel = rank_in_group(g) < k
    if all(type(v) is str for v in vu):  # "value count" texts made and joined by pyarrow
        import pyarrow as pa
        import pyarrow.compute as pc

        txt = pc.binary_join_element_wise(pa.array(vu, type=pa.large_string()).take(pa.array(val[sel])),
                                          pa.array(cnt[sel].astype(np.int64)).cast(pa.large_string()),
                                          pa.scalar(" ", type=pa.large_string()))
        return _join_lists(g[sel], n, txt, empty=None)
    texts = [f"{a} {b}" for a, b in zip(vu[val[sel]].tolist(), cnt[sel].tolist())]
    return join_by_code(g[sel], n, np.array(texts, dtype=object), empty=None, plain=True)


# ---- code lists ---------------------------------------------------------------------------------

def code_index(model: Model, codelist: str) -> dict[str, int]:
    """Code → its position in the declared code list (the order codes are shown and ranked in)."""
    return {c: i for i, c in enumerate(model.codelists[codelist].codes)}


def code_order(model: Model, codelist: str, values: Any, *, missing: float = np.nan) -> np.ndarray:
    """Position of each value in its code list as floats (``missing`` for missing or unknown codes),
    computed once per distinct value.

    >>> from graphkit.core.schema import load_schema
    >>> code_order(load_schema(), "category", ["3", None, "1", "x"]).tolist()
    [2.0, nan, 0.0, nan]
    """
    rank = code_index(model, codelist)
    c, u = factorize(np.asarray(values, dtype=object))
    lut = np.array([rank.get(x, missing) if isinstance(x, str) else missing for x in u.tolist()] + [missing], dtype=float)
    return lut[c]


def code_labels(model: Model, codelist: str, values: Any, *, lang: str = "zh") -> np.ndarray:
    """Code → label as an object array (unknown codes and missing values kept), like
    :func:`code_label` but computed once per distinct value.

    >>> from graphkit.core.schema import load_schema
    >>> code_labels(load_schema(), "sector", ["village", None, "?"]).tolist()
    ['农村', None, '?']
    """
    table = _label_table(model, codelist, lang)
    v = np.asarray(values, dtype=object)
    c, u = codes_of(v, sort=False)
    lab = np.array([table.get(x, x) if isinstance(x, str) else x for x in u.tolist()] + [None], dtype=object)
    out = lab[c]
    miss = c < 0
    out[miss] = v[miss]
    return out


def _label_table(model: Model, codelist: str, lang: str) -> dict[str, str]:
    cl = model.codelists[codelist]
    return {c: cl.labels[c][lang] for c in cl.codes}


def code_label(model: Model, codelist: str, codes: pd.Series, *, lang: str = "zh") -> pd.Series:
    """Map codes to their labels (unknown/missing values kept as they are)."""
    table = _label_table(model, codelist, lang)
    return codes.map(lambda v: table.get(v, v) if isinstance(v, str) else v)


def order_codes(model: Model, codelist: str, codes: Iterable[Any]) -> list[Any]:
    """Codes in their declared order (unknown ones after, by value; missing last)."""
    rank = code_index(model, codelist)
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
