"""graphkit.core.ids: value-based lookups give exactly pandas' answers; no address or identity tricks."""
from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

import graphkit
from graphkit.core.ids import SMALL, ArrowIds, IdIndex, argsort_strings, factorize


def _ids(n: int, rng: np.random.Generator) -> np.ndarray:
    return np.array([f"org-{i:012x}" for i in rng.permutation(n * 3)[:n]], dtype=object)


def _copy(s: str) -> str:
    return "".join(list(s))  # an equal string that is a different object


@pytest.mark.parametrize("n_index,n_keys,copies", [
    (SMALL * 2, SMALL * 3, 7),      # many keys, many equal copies
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
    keys[12::23] = 5
    expected = pd.Index(ids, dtype=object).get_indexer(pd.Index(keys, dtype=object))
    index = IdIndex(pd.Index(ids, dtype=object))
    assert np.array_equal(index.positions(keys), expected)
    assert np.array_equal(index.positions(keys), expected)  # again, with the hash table built
    assert (expected >= 0).any() and (expected < 0).any()


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


def test_argsort_matches_sort_values() -> None:
    rng = np.random.default_rng(3)
    ids = _ids(SMALL, rng)
    values = ids[rng.integers(0, len(ids), SMALL * 2)].copy()
    values[2::17] = "村" + values[2::17]  # beyond ASCII: code point order
    values[1::13] = None
    expected = pd.Series(values, dtype=object).sort_values(kind="stable").index.to_numpy()
    assert np.array_equal(argsort_strings(values), expected)
    other = np.where(np.arange(len(values)) % 2 == 0, "b", "a").astype(object)
    expected2 = pd.DataFrame({"a": other, "b": values}).sort_values(["a", "b"], kind="stable").index.to_numpy()
    assert np.array_equal(argsort_strings(other, values), expected2)


@pytest.mark.parametrize("members", ["some", "dups", "with_none"])
def test_isin_matches_pandas(members: str) -> None:
    from graphkit.analyses.toolkit import isin

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
    ids = np.array(["a", None, "b"], dtype=object)  # the index holds a None
    keys = np.array(["b", None, np.nan, "a", "zz"] * (n_keys // 5), dtype=object)
    expected = pd.Index(ids, dtype=object).get_indexer(pd.Index(keys, dtype=object))
    assert np.array_equal(IdIndex(ids).positions(keys), expected)
    assert (expected == 1).any()  # the missing keys found the index's missing value


def test_a_non_unique_index_is_refused_like_get_indexer() -> None:
    twice = np.array(["a", "b", "a"], dtype=object)
    with pytest.raises(pd.errors.InvalidIndexError):
        IdIndex(twice).positions(np.array(["a"], dtype=object))


@pytest.mark.parametrize("fixed", [True, False])
def test_arrow_ids_find_strings_exactly(fixed: bool) -> None:
    rng = np.random.default_rng(11)
    ids = _ids(5000, rng) if fixed else np.array([f"org-{i}" for i in rng.permutation(5000)], dtype=object)
    keys = ids[rng.integers(0, len(ids), 20_000)].copy()
    keys[::9] = None
    keys[4::13] = "org-" + "z" * 12  # the ids' width, not an id
    keys[5::17] = "absent"
    arr = pa.array(keys.tolist(), type=pa.string())
    expected = pd.Index(ids, dtype=object).get_indexer(pd.Index(keys, dtype=object))
    got = ArrowIds(pa.array(ids.tolist(), type=pa.string()))
    assert bool(got._table()) is fixed  # the integer-hash path or pyarrow's index_in
    assert np.array_equal(got.positions(arr), expected)
    assert np.array_equal(got.positions(arr.dictionary_encode()), expected)  # dictionary columns too
    assert (expected >= 0).any() and (expected < 0).any()


def test_the_package_uses_no_object_addresses() -> None:
    """No ctypes-based lookups, no address tables anywhere in the package: ids work on values and codes."""
    pkg = Path(graphkit.__file__).parent
    paths = sorted(pkg.rglob("*.py"))
    assert pkg / "core" / "ids.py" in paths and pkg / "core" / "files.py" in paths
    for path in paths:
        src = path.read_text(encoding="utf-8")
        tree = ast.parse(src)
        names = {a.name for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom)) for a in n.names}
        mods = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        uses_ctypes = "ctypes" in names or "ctypes" in mods
        if path == pkg / "core" / "files.py":  # only for renameat2 (an atomic folder swap), nowhere near the ids
            assert src.count("import ctypes") == 1 and "addresses" not in src and ".ctypes.data" not in src
        else:
            assert not uses_ctypes, path
        assert "from_address" not in src, path
