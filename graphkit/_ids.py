"""Exact id lookups that try object identity before string hashing.

graphkit's tables hold ids and references as Python ``str`` objects, and :func:`graphkit.io.read_graph`
makes every reference column share the referenced table's id objects (``Rating.org`` holds the very
objects of ``Organization.id``). Looking a reference up in an id index can then start with the
objects' addresses: an integer hash table, several times faster than hashing and comparing strings
once the tables no longer fit in the CPU caches (country scale). Keys not found by address are
looked up by value, so every result is exactly what ``pandas.Index.get_indexer`` or
``pandas.factorize`` would give; the address pass only makes the common case fast.

Addresses are only meaningful while the objects live: every cached address table keeps a strong
reference to the array whose addresses it holds.

Examples
--------
>>> import numpy as np
>>> ids = np.array(["a", "b", "c"], dtype=object)
>>> keys = np.array([ids[2], "b", None, "zz"], dtype=object)  # one shared object, one equal copy
>>> IdIndex(ids).positions(keys).tolist()
[2, 1, -1, -1]
>>> codes, uniques = factorize(np.array(["x", None, "y", "x"], dtype=object))
>>> codes.tolist(), uniques.tolist()
([0, -1, 1, 0], ['x', 'y'])
"""
from __future__ import annotations

import ctypes
import weakref
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["IdIndex", "ArrowIds", "id_index", "addresses", "factorize", "argsort_strings", "SMALL"]

#: Below this many keys the plain string hash table is as fast; the address pass is skipped.
SMALL = 50_000

_PTR = ctypes.c_int64 if ctypes.sizeof(ctypes.c_void_p) == 8 else ctypes.c_int32


def _objects(values: Any) -> np.ndarray:
    if isinstance(values, (pd.Series, pd.Index)):
        return values.to_numpy(dtype=object)
    return np.asarray(values, dtype=object)


def addresses(values: np.ndarray) -> np.ndarray:
    """The addresses of the objects in an object array, as integers (a copy).

    Only meaningful while the objects are alive: keep ``values`` referenced as long as the result
    is compared with anything.
    """
    a = np.ascontiguousarray(values, dtype=object)
    if not len(a):
        return np.zeros(0, dtype=np.int64)
    view = np.ctypeslib.as_array((_PTR * len(a)).from_address(a.ctypes.data))
    return view.astype(np.int64, copy=True)


def _by_value(index: pd.Index, keys: np.ndarray) -> np.ndarray:
    # keys as an object Index: a plain array would be inferred (and copied) as arrow strings
    return index.get_indexer(pd.Index(keys, dtype=object, copy=False))


class IdIndex:
    """Positions of keys among unique values (identity first, then by value).

    Parameters
    ----------
    values
        Unique values (ids); an object ``pandas.Index`` is used as it is for the by-value lookups.
    """

    def __init__(self, values: Any) -> None:
        if isinstance(values, pd.Index) and values.dtype == object:
            self._index: pd.Index | None = values
            self.values = values.to_numpy(dtype=object)
        else:
            self._index = None
            self.values = _objects(values)
        self._addr: pd.Index | None = None
        self._value_ready = False
        self._missing: bool | None = None

    @property
    def index(self) -> pd.Index:
        """The values as an object Index (string hash table, built on first use)."""
        if self._index is None:
            self._index = pd.Index(self.values, dtype=object, copy=False)
        return self._index

    def _address_index(self) -> pd.Index | None:
        if self._addr is None:
            addr = pd.Index(addresses(self.values))
            # the same object twice would mean a non-unique index: leave that to get_indexer
            self._addr = addr if addr.is_unique else pd.Index([], dtype=np.int64)
        return self._addr if len(self._addr) else None

    def positions(self, keys: Any) -> np.ndarray:
        """Position of each key (-1 where absent), exactly as ``Index.get_indexer``."""
        k = _objects(keys)
        if not len(k):
            return np.zeros(0, dtype=np.intp)
        if len(self.values) < SMALL or (len(k) < SMALL and self._value_ready):
            return self._by_value(k)
        addr = self._address_index()
        if addr is None:
            return self._by_value(k)
        pos = addr.get_indexer(addresses(k)).astype(np.intp, copy=False)
        miss = np.flatnonzero(pos < 0)
        if len(miss):
            # a missing key (None, NaN) is only found when the index itself holds one
            look = miss if self._has_missing() else miss[~pd.isna(k[miss])]
            if len(look):
                pos[look] = self._by_value_few(k[look])
        return pos

    def _by_value(self, keys: np.ndarray) -> np.ndarray:
        self._value_ready = True
        return _by_value(self.index, keys)

    def _by_value_few(self, keys: np.ndarray) -> np.ndarray:
        """By value, for the keys the address pass missed: when they are few and the index has no
        string hash table yet, the index is scanned once against a small table of those keys."""
        if self._value_ready or self._has_missing():  # (a missing id is matched by get_indexer only)
            return self._by_value(keys)
        codes, uniq = pd.factorize(keys)
        if len(uniq) * 8 > len(self.values):
            return self._by_value(keys)
        hit = pd.Index(np.asarray(uniq, dtype=object), dtype=object).get_indexer(
            pd.Index(self.values, dtype=object, copy=False))
        where = np.flatnonzero(hit >= 0)
        found = np.full(len(uniq) + 1, -1, dtype=np.intp)  # last slot: code -1 (missing key)
        found[hit[where]] = where
        return found[codes]

    def _has_missing(self) -> bool:
        if self._missing is None:
            self._missing = bool(pd.isna(self.values).any())
        return self._missing


_CACHE: dict[int, tuple[weakref.ref, IdIndex]] = {}


def id_index(values: Any) -> IdIndex:
    """The :class:`IdIndex` of an object ``pandas.Index`` or array, kept while that object lives
    (its address and hash tables are built once, not once per lookup)."""
    if not isinstance(values, (pd.Index, np.ndarray)):
        return IdIndex(values)
    hit = _CACHE.get(id(values))
    if hit is not None and hit[0]() is values:
        return hit[1]
    out = IdIndex(values)
    for key in [k for k, (ref, _) in _CACHE.items() if ref() is None]:
        del _CACHE[key]
    while len(_CACHE) >= 64:  # the oldest go first
        del _CACHE[next(iter(_CACHE))]
    _CACHE[id(values)] = (weakref.ref(values), out)
    return out


def factorize(values: Any) -> tuple[np.ndarray, np.ndarray]:
    """``pandas.factorize`` of an object array (codes -1 for missing, uniques in order of first
    appearance), counting distinct objects first and comparing strings only between those."""
    a = _objects(values)
    if len(a) < SMALL:
        codes, uniques = pd.factorize(a)
        return codes.astype(np.intp, copy=False), np.asarray(uniques, dtype=object)
    c1, _ = pd.factorize(addresses(a))
    # codes are numbered in order of first appearance: a row starts a new object when its code
    # exceeds every code before it, and those rows come in code order
    prev_max = np.maximum.accumulate(np.r_[-1, c1[:-1]])
    first = np.flatnonzero(c1 > prev_max)
    c2, uniques = pd.factorize(a[first])
    return c2.astype(np.intp, copy=False)[c1], np.asarray(uniques, dtype=object)


# ---- reading: looking Arrow strings up among a table's ids -----------------------------------------

def _offsets(arr: Any) -> np.ndarray:
    width = np.int64 if arr.type.equals(_pa().large_string()) else np.int32
    return np.frombuffer(arr.buffers()[1], dtype=width)[arr.offset:arr.offset + len(arr) + 1].astype(np.int64)


def _pa() -> Any:
    import pyarrow as pa

    return pa


def _rows_of_width(arr: Any, width: int, *, block: int = 1 << 20) -> tuple[np.ndarray, np.ndarray]:
    """Rows of a string array whose value is ``width`` bytes long (non-null), and those values as
    an ``(rows, width)`` byte matrix (a view when every value has that width)."""
    n = len(arr)
    offsets = _offsets(arr)
    data = arr.buffers()[2]
    data = np.frombuffer(data, dtype=np.uint8) if data is not None else np.zeros(0, dtype=np.uint8)
    sel = np.diff(offsets) == width
    if arr.null_count:
        sel &= ~np.asarray(arr.is_null())
    rows = np.flatnonzero(sel)
    if len(rows) == n and offsets[-1] - offsets[0] == n * width:
        return rows, data[offsets[0]:offsets[-1]].reshape(n, width)
    out = np.empty((len(rows), width), dtype=np.uint8)
    cols = np.arange(width)
    for lo in range(0, len(rows), block):  # gathered in blocks: the index matrix is rows × width
        out[lo:lo + block] = data[offsets[rows[lo:lo + block], None] + cols]
    return rows, out


def _hash_rows(m: np.ndarray) -> np.ndarray:
    """A 64-bit hash of each row of a byte matrix (collisions are checked by the caller)."""
    n, width = m.shape
    words = -(-width // 8)
    if width % 8 or not m.flags.c_contiguous:
        padded = np.zeros((n, words * 8), dtype=np.uint8)
        padded[:, :width] = m
        m = padded
    w = m.view(np.uint64).reshape(n, words)
    h = np.full(n, (width * 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(words):
            h ^= w[:, j]
            h *= np.uint64(0xFF51AFD7ED558CCD)
            h ^= h >> np.uint64(33)
    return h


class ArrowIds:
    """A table's ids as read (an Arrow string array) and as objects, for finding other columns'
    values among them.

    When every id has the same byte length (graphkit's ids do: a prefix and a hash), ids are
    hashed to 64-bit integers once, vectorized, and each lookup is an integer hash probe whose
    bytes are then compared, so the answer is exact; otherwise ``pyarrow.compute.index_in``.

    >>> import pyarrow as pa
    >>> ids = ArrowIds(pa.array(["org-01", "org-02"]), np.array(["org-01", "org-02"], dtype=object))
    >>> ids.positions(pa.array(["org-02", None, "org-03", "x"])).tolist()
    [1, -1, -1, -1]
    """

    def __init__(self, ids: Any, objs: np.ndarray) -> None:
        self.ids = ids
        self.objs = objs
        self._fixed: tuple[int, np.ndarray, pd.Index] | bool | None = None

    def _table(self) -> tuple[int, np.ndarray, pd.Index] | bool:
        if self._fixed is None:
            self._fixed = False
            ids = self.ids
            if len(ids) and not ids.null_count:
                width = int(_offsets(ids)[1] - _offsets(ids)[0])
                rows, m = _rows_of_width(ids, width)
                if 0 < width <= 256 and len(rows) == len(ids):
                    index = pd.Index(_hash_rows(m))
                    if index.is_unique:
                        self._fixed = (width, m, index)
        return self._fixed

    def positions(self, values: Any) -> np.ndarray:
        """Row of each value among the ids (-1 where absent or null)."""
        pa = _pa()
        if not len(values):
            return np.zeros(0, dtype=np.intp)
        table = self._table()
        if not table:
            import pyarrow.compute as pc

            found = pc.index_in(values, value_set=self.ids.cast(values.type))
            return found.fill_null(-1).to_numpy().astype(np.intp)
        width, m, index = table
        if values.type != self.ids.type and not (pa.types.is_string(values.type) or pa.types.is_large_string(values.type)):
            values = values.cast(pa.string())
        out = np.full(len(values), -1, dtype=np.intp)
        rows, mv = _rows_of_width(values, width)
        if len(rows):
            pos = index.get_indexer(_hash_rows(mv))
            hit = np.flatnonzero(pos >= 0)
            same = (m[pos[hit]] == mv[hit]).all(axis=1)
            out[rows[hit[same]]] = pos[hit[same]]
        return out


def argsort_strings(*columns: Any) -> np.ndarray:
    """Stable argsort of rows by string columns (first column first), in Python's order.

    pyarrow sorts the strings (UTF-8 byte order is code point order, which is how Python compares
    ``str``); missing values go last, as with ``sort_values``. Columns holding anything else than
    strings and missing values are sorted by pandas.

    >>> argsort_strings(np.array(["b", "a", None, "a"], dtype=object), np.array(["x", "z", "y", "y"], dtype=object)).tolist()
    [3, 1, 0, 2]
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    cols = [_objects(c) for c in columns]
    if not cols or not len(cols[0]):
        return np.zeros(0, dtype=np.intp)
    try:
        table = pa.table({f"c{i}": pa.array(c, type=pa.large_string(), from_pandas=True) for i, c in enumerate(cols)})
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        frame = pd.DataFrame({f"c{i}": pd.Series(c, dtype=object) for i, c in enumerate(cols)})
        return frame.sort_values(list(frame.columns), kind="stable").index.to_numpy()
    keys = [(name, "ascending", "at_end") for name in table.column_names]
    return pc.sort_indices(table, sort_keys=keys).to_numpy().astype(np.intp)
