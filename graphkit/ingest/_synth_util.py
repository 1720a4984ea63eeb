"""Small vectorized helpers of the synthetic-ledger generator (names, dates, groups, pools).

Private to :mod:`graphkit.ingest.synth`.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ._synth_vocab import _BLACKLIST, _GIVEN, _SURNAMES, _SYL_A, _SYL_B

# small vectorized helpers


def _obj(values: Any) -> np.ndarray:
    return np.asarray(values, dtype=object)


def _decode_names(codes: np.ndarray, three: bool) -> np.ndarray:
    """Decode integer codes into 2- or 3-syllable place names."""
    a, b = _obj(_SYL_A), _obj(_SYL_B)
    na, nb = len(a), len(b)
    if not three:
        return a[codes // nb] + b[codes % nb]
    return a[codes // (na * nb)] + a[(codes // nb) % na] + b[codes % nb]


def _blacklisted(names: np.ndarray) -> np.ndarray:
    if len(names) == 0:
        return np.zeros(0, dtype=bool)
    return np.isin(names.astype(str), np.array(sorted(_BLACKLIST)))


def _unique_codes(rng: np.random.Generator, groups: np.ndarray, space: int,
                  bad: np.ndarray | None = None) -> np.ndarray:
    """Draw one code in ``range(space)`` per row, unique within each group (rejection sampling).

    ``bad`` is an optional boolean table over the code space of codes never to draw.
    """
    n = len(groups)
    codes = rng.integers(0, space, size=n)
    while True:
        order = np.lexsort((np.arange(n), codes, groups))
        g, c = groups[order], codes[order]
        dup = np.zeros(n, dtype=bool)
        if n > 1:
            same = (g[1:] == g[:-1]) & (c[1:] == c[:-1])
            dup[order[1:][same]] = True
        if bad is not None:
            dup |= bad[codes]
        k = int(dup.sum())
        if k == 0:
            return codes
        codes[dup] = rng.integers(0, space, size=k)


def _place_bases(rng: np.random.Generator, groups: np.ndarray, *, force_three: bool = False) -> np.ndarray:
    """Return fictional place-name bases, unique within each group."""
    na, nb = len(_SYL_A), len(_SYL_B)
    two_space = na * nb
    max_per_group = int(np.bincount(groups).max()) if len(groups) else 0
    three = force_three or max_per_group > two_space // 3
    space = na * na * nb if three else two_space
    names = _decode_names(np.arange(space), three)
    bad = _blacklisted(names)
    # also refuse names whose first and last characters repeat (e.g. 台台): they read badly
    first = np.array([x[0] for x in _SYL_A])[np.arange(space) // (space // len(_SYL_A))]
    last = np.array(_SYL_B)[np.arange(space) % nb]
    bad |= first == last
    codes = _unique_codes(rng, groups, space, bad)
    return _decode_names(codes, three)


def _person_names(rng: np.random.Generator, n: int) -> np.ndarray:
    s = _obj(_SURNAMES)[rng.integers(0, len(_SURNAMES), n)]
    g1 = _obj(_GIVEN)[rng.integers(0, len(_GIVEN), n)]
    g2 = _obj(_GIVEN)[rng.integers(0, len(_GIVEN), n)]
    two = rng.random(n) < 0.7
    return np.where(two, s + g1 + g2, s + g1)


def _dates(days: np.ndarray) -> np.ndarray:
    """Days since 1970-01-01 -> ISO date strings (object array)."""
    return np.datetime_as_string(np.asarray(days, dtype="datetime64[D]"), unit="D").astype(object)


def _day(y: int, m: int = 1, d: int = 1) -> int:
    return int((np.datetime64(f"{y:04d}-{m:02d}-{d:02d}") - np.datetime64("1970-01-01")).astype(int))


def _month_day(years: np.ndarray, months: np.ndarray, days: np.ndarray) -> np.ndarray:
    """Vectorized (year, month, day) -> days since epoch."""
    ym = (years - 1970) * 12 + (months - 1)
    return np.asarray(ym, dtype="datetime64[M]").astype("datetime64[D]").astype(np.int64) + (days - 1)


def _group_offsets(sorted_groups: np.ndarray, n_groups: int) -> tuple[np.ndarray, np.ndarray]:
    """Start offset and count of each group in an array sorted by group id."""
    counts = np.bincount(sorted_groups, minlength=n_groups)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    return starts, counts


def _expand(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each row i repeated counts[i] times: (row index, position 0..counts[i]-1)."""
    rows = np.repeat(np.arange(len(counts)), counts)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    pos = np.arange(len(rows)) - np.repeat(starts, counts)
    return rows, pos


def _pick_in_pool(rng: np.random.Generator, pool_of_item: np.ndarray, pool_members_sorted: np.ndarray,
                  pool_ids_sorted: np.ndarray, n_pools: int) -> np.ndarray:
    """For each item pick a random member of its pool (-1 where the pool is empty)."""
    order = np.argsort(pool_ids_sorted, kind="stable")
    pool_members_sorted, pool_ids_sorted = pool_members_sorted[order], pool_ids_sorted[order]
    starts, counts = _group_offsets(pool_ids_sorted, n_pools)
    c = counts[pool_of_item]
    pick = starts[pool_of_item] + np.floor(rng.random(len(pool_of_item)) * np.maximum(c, 1)).astype(np.int64)
    out = np.where(c > 0, pool_members_sorted[np.minimum(pick, max(len(pool_members_sorted) - 1, 0))]
                   if len(pool_members_sorted) else -1, -1)
    return out.astype(np.int64)


def _nullable_int(values: np.ndarray, mask: np.ndarray | None = None) -> pd.Series:
    s = pd.Series(np.asarray(values, dtype=np.int64), dtype="Int64")
    if mask is not None:
        s[~np.asarray(mask, dtype=bool)] = pd.NA
    return s


def _str_or_none(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
    out = np.asarray(values, dtype=object).copy()
    out[~np.asarray(mask, dtype=bool)] = None
    return out



def _join_names(names: np.ndarray, org_ids: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Join the names of each activity's participants with 、 (vectorized through pyarrow)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    values = pa.array(names[org_ids], type=pa.string())
    lists = pa.LargeListArray.from_arrays(pa.array(offsets, type=pa.int64()), values)
    joined = pc.binary_join(lists, "、").to_numpy(zero_copy_only=False).astype(object)
    joined[counts == 0] = None
    return joined

