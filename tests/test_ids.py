"""graphkit._ids: identity-first lookups give exactly pandas' answers."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from graphkit._ids import SMALL, IdIndex, addresses, factorize, id_index


def _ids(n: int, rng: np.random.Generator) -> np.ndarray:
    return np.array([f"org-{i:012x}" for i in rng.permutation(n * 3)[:n]], dtype=object)


def _copy(s: str) -> str:
    return "".join(list(s))  # an equal string that is a different object


@pytest.mark.parametrize("n_index,n_keys,copies", [
    (SMALL * 2, SMALL * 3, 7),      # many keys, many equal copies: the by-value table is built
    (SMALL * 2, SMALL * 3, 2000),   # few copies: the index is scanned against them
    (SMALL * 2, 100, 3),            # few keys in a large index
    (1000, 5000, 5),                # small index: plain get_indexer
    (1000, SMALL * 2, 5),           # small index, many keys: each distinct key looked up once
])
def test_positions_match_get_indexer(n_index: int, n_keys: int, copies: int) -> None:
    rng = np.random.default_rng(n_index + n_keys + copies)
    ids = _ids(n_index, rng)
    keys = ids[rng.integers(0, len(ids), n_keys)].copy()
    keys[::copies] = [_copy(x) for x in keys[::copies]]
    keys[3::11] = None
    keys[5::13] = np.nan
    keys[9::17] = "absent"
    assert keys[0] is not ids[np.flatnonzero(ids == keys[0])[0]]  # the copies really are other objects
    expected = pd.Index(ids, dtype=object).get_indexer(pd.Index(keys, dtype=object))
    index = IdIndex(pd.Index(ids, dtype=object))
    assert np.array_equal(index.positions(keys), expected)
    assert np.array_equal(index.positions(keys), expected)  # again, with the tables built
    assert (expected >= 0).any() and (expected < 0).any()


def test_id_index_is_cached_per_object() -> None:
    idx = pd.Index(np.array(["a", "b"], dtype=object), dtype=object)
    assert id_index(idx) is id_index(idx)
    assert id_index(pd.Index(np.array(["a", "b"], dtype=object), dtype=object)) is not id_index(idx)


@pytest.mark.parametrize("n,distinct", [(SMALL * 3, 50), (SMALL * 3, SMALL * 2), (100, 10)])
def test_factorize_matches_pandas(n: int, distinct: int) -> None:
    rng = np.random.default_rng(n + distinct)
    pool = np.array([f"v{i}" for i in range(distinct)], dtype=object)
    values = pool[rng.integers(0, distinct, n)].copy()
    values[::5] = [_copy(x) for x in values[::5]]
    values[2::9] = None
    values[4::19] = np.nan
    codes, uniques = pd.factorize(values)
    got_codes, got_uniques = factorize(values)
    assert np.array_equal(got_codes, codes)
    assert got_uniques.tolist() == np.asarray(uniques, dtype=object).tolist()


def test_addresses_are_object_identities() -> None:
    a, b = "x" * 30, "y" * 30
    arr = np.array([a, b, a], dtype=object)
    got = addresses(arr)
    assert got[0] == got[2] == id(a) and got[1] == id(b)


@pytest.mark.parametrize("members", ["some", "dups", "with_none"])
def test_isin_matches_pandas(members: str) -> None:
    from graphkit._analysis import isin

    rng = np.random.default_rng(7)
    ids = _ids(SMALL * 2, rng)
    values = ids[rng.integers(0, len(ids), SMALL * 3)].copy()
    values[1::7] = [_copy(x) for x in values[1::7]]
    values[::9] = None
    m = {"some": ids[: SMALL // 2], "dups": np.concatenate([ids[:500], ids[:500]]),
         "with_none": np.array([None, ids[0]], dtype=object)}[members]
    expected = pd.Series(values, dtype=object).isin(np.asarray(m, dtype=object)).to_numpy()
    assert np.array_equal(isin(values, m), expected) and expected.any() and not expected.all()


@pytest.mark.parametrize("n_keys", [100, SMALL * 2])
def test_a_missing_value_in_the_index_is_found_like_get_indexer(n_keys: int) -> None:
    ids = np.array(["a", None, "b", np.nan], dtype=object)[:3]  # the index holds a None
    keys = np.array(["b", None, np.nan, "a", "zz"] * (n_keys // 5), dtype=object)
    expected = pd.Index(ids, dtype=object).get_indexer(pd.Index(keys, dtype=object))
    assert np.array_equal(IdIndex(ids).positions(keys), expected)
    assert (expected == 1).any()  # the missing keys found the index's missing value
