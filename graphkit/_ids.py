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

A :class:`Pool` goes one step further: a table's ids as :func:`graphkit.io.read_graph` read them,
known to be pairwise distinct by value. An object found among them by address is that id, so
lookups, ``factorize`` and string sorts of pooled objects need no string hashing at all: an
object's address leads to its row through a direct table (one slot per 64 bytes of the memory the
ids occupy), and only objects from elsewhere are compared by value (through the ids' byte hashes).
Large lookups run on a few threads (numpy and pandas release the GIL in them).

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
import os
import weakref
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable

import numpy as np
import pandas as pd

__all__ = ["IdIndex", "ArrowIds", "Pool", "id_index", "addresses", "factorize", "argsort_strings", "SMALL"]

#: Below this many keys the plain string hash table is as fast; the address pass is skipped (the
#: default of ``graphkit.config.small_lookup``; the code reads the setting through :func:`_small`).
SMALL = 50_000


def _small() -> int:
    """The ``small_lookup`` threshold in force (0 under ``force_large``)."""
    from .settings import threshold

    return threshold("small_lookup")


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


#: Rows per piece of work when a large lookup is split between threads.
_CHUNK = 1 << 20


def _threads() -> int:
    return max(1, min(4, os.cpu_count() or 1))


def _chunked(fn: Callable[[int, int], np.ndarray], n: int) -> np.ndarray:
    """``fn(lo, hi)`` over ``[0, n)`` in pieces, on threads when ``n`` is large; concatenated.

    Only for functions that spend their time in numpy or pandas code that releases the GIL
    (integer gathers, hash table lookups)."""
    workers = _threads()
    if n < 2 * _CHUNK or workers == 1:
        return fn(0, n)
    starts = range(0, n, _CHUNK)
    with ThreadPoolExecutor(workers) as ex:
        parts = list(ex.map(lambda lo: fn(lo, min(lo + _CHUNK, n)), starts))
    return np.concatenate(parts)


class _AddressTable:
    """Row of an object among ``values`` by its address (-1 for any other object).

    Live ``str`` objects are at least 64 bytes apart (every non-empty ``str`` takes at least that
    much), so when ``values`` are such objects, each 64-byte block of memory holds the start of at
    most one of them and a direct table of blocks finds any address with one array lookup. When
    the values are spread too thinly over memory, or smaller objects share blocks, an integer
    hash table of the addresses does the same work more slowly.
    """

    _SHIFT = 6  # 64-byte blocks

    def __init__(self, values: np.ndarray) -> None:
        self.values = values  # keeps the objects, hence their addresses, alive
        a = addresses(values)
        self.addr = a
        n = len(a)
        self.unique = True
        self._direct: np.ndarray | None = None
        self._hash: pd.Index | None = None
        self._lo = 0
        if not n:
            return
        lo = int(a.min())
        span = ((int(a.max()) - lo) >> self._SHIFT) + 1
        if span <= 8 * n + 4096:
            tab = np.full(span, -1, dtype=np.int32 if n < 2**31 - 1 else np.int64)
            block = (a - lo) >> self._SHIFT
            rows = np.arange(n, dtype=tab.dtype)
            tab[block] = rows
            if np.array_equal(tab[block], rows):  # one object a block
                self._direct, self._lo = tab, lo
                return
        index = pd.Index(a)
        self.unique = bool(index.is_unique)
        self._hash = index if self.unique else None

    def rows(self, keys: np.ndarray) -> np.ndarray:
        """Row of each key object (-1 where it is none of the values); ``keys`` an object array."""
        k = addresses(keys)
        if self._direct is not None:
            tab, lo, addr, shift = self._direct, self._lo, self.addr, self._SHIFT

            def part(i: int, j: int) -> np.ndarray:
                block = (k[i:j] - lo) >> shift
                inside = (block >= 0) & (block < len(tab))
                row = tab[np.where(inside, block, 0)].astype(np.intp)
                row[~inside] = -1
                found = row >= 0
                row[found & (addr[np.where(found, row, 0)] != k[i:j])] = -1  # another object's block
                return row

            return _chunked(part, len(k))
        if self._hash is None:
            raise ValueError("the same object appears twice among the values")
        index = self._hash
        return _chunked(lambda i, j: index.get_indexer(k[i:j]).astype(np.intp, copy=False), len(k))


_POOLS: list[weakref.ref] = []


class Pool:
    """A table's ids, pairwise distinct by value, found by the addresses of their objects.

    :func:`graphkit.io.read_graph` makes one for every type that other columns reference and keeps
    it with the graph; reference columns hold the very objects of the pool. Pools are found by the
    addresses of the objects looked up (:func:`_pool_of`), so any array holding pooled objects
    (a column, a filtered copy, a permutation) is looked up without string hashing. Strings from
    elsewhere are found by value through the ids' byte hashes, kept from reading.

    Use :meth:`make`: the ids must be provably pairwise distinct (fixed width, distinct hashes).
    """

    def __init__(self, ids: "ArrowIds") -> None:
        import pyarrow.compute as pc

        table = ids._table()
        if not table:
            raise ValueError("ids that are not provably distinct make no pool")
        self.objs = ids.objs
        self._width, _, self._hashes = table
        self._table = _AddressTable(self.objs)
        arr = ids.ids
        self._sorted = len(arr) < 2 or bool(pc.all(pc.less(arr[:-1], arr[1:])).as_py())
        self._rank: np.ndarray | None = None
        _POOLS[:] = [r for r in _POOLS if r() is not None]
        _POOLS.append(weakref.ref(self))

    @classmethod
    def make(cls, ids: "ArrowIds") -> "Pool | None":
        """A pool of these ids, or None when they are not provably distinct (or too few to matter)."""
        if len(ids.objs) < _small() or not ids._table():
            return None
        pool = cls(ids)
        return pool if pool._table.unique else None

    def __len__(self) -> int:
        return len(self.objs)

    def rows(self, keys: np.ndarray) -> np.ndarray:
        """Row of each key object in the pool, by identity (-1 for objects not in the pool)."""
        return self._table.rows(keys)

    def rows_by_value(self, keys: np.ndarray) -> np.ndarray:
        """Row of each key equal to a pool id (-1 elsewhere). The ids are strings, and only a
        string equals a string, so other objects are never found."""
        out = np.full(len(keys), -1, dtype=np.intp)
        where = np.flatnonzero(np.fromiter((isinstance(x, str) for x in keys), dtype=bool, count=len(keys)))
        if not len(where):
            return out
        pa = _pa()
        try:
            arr = pa.array(keys[where], type=pa.string())
        except (pa.ArrowException, UnicodeError):  # e.g. a lone surrogate: equal to no id
            return out
        rows, m = _rows_of_width(arr, self._width)  # only strings of the ids' byte length can match
        if len(rows):
            pos = _probe(self._hashes, _words(m), self._width)
            hit = np.flatnonzero(pos >= 0)
            hit = hit[(self.objs[pos[hit]] == keys[where[rows[hit]]]).astype(bool)]  # a hash collision fails here
            out[where[rows[hit]]] = pos[hit]
        return out

    def rank(self) -> np.ndarray:
        """Each id's rank in Python's string order."""
        if self._rank is None:
            if self._sorted:  # read_graph's tables are sorted by id
                self._rank = np.arange(len(self.objs), dtype=np.intp)
            else:
                order = _argsort_arrow([self.objs])
                rank = np.empty(len(order), dtype=np.intp)
                rank[order] = np.arange(len(order))
                self._rank = rank
        return self._rank


def _pooled_rows(values: np.ndarray) -> tuple[Pool, np.ndarray] | None:
    """``(pool, rows)`` when every value is an object of one pool or missing (rows -1 there)."""
    pool = _pool_of(values)
    if pool is None:
        return None
    rows = pool.rows(values)
    miss = rows < 0
    if miss.any() and not pd.isna(values[miss]).all():
        return None
    return pool, rows


def _pool_of(values: np.ndarray) -> Pool | None:
    """The live pool most of a sample of ``values`` belong to (None if none)."""
    pools = [p for p in (r() for r in _POOLS) if p is not None]
    if not pools or not len(values):
        return None
    sample = values[np.linspace(0, len(values) - 1, num=min(len(values), 32), dtype=np.intp)]
    best, hits = None, 0
    for pool in pools:
        h = int((pool.rows(sample) >= 0).sum())
        if h > hits:
            best, hits = pool, h
    return best


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
        self._addr: _AddressTable | None = None
        self._pooled: tuple[Pool, np.ndarray] | bool | None = None
        self._value_ready = False
        self._missing: bool | None = None

    @property
    def index(self) -> pd.Index:
        """The values as an object Index (string hash table, built on first use)."""
        if self._index is None:
            self._index = pd.Index(self.values, dtype=object, copy=False)
        return self._index

    def _pool(self) -> tuple[Pool, np.ndarray] | bool:
        """``(pool, where)`` when every value is an object of one :class:`Pool`: ``where[r]`` is
        the position of pool row ``r`` among the values (-1 if not among them; last slot -1)."""
        if self._pooled is None:
            self._pooled = False
            pool = _pool_of(self.values)
            if pool is not None:
                v = self.values
                same = len(v) == len(pool) and v.ctypes.data == pool.objs.ctypes.data and v.strides == pool.objs.strides
                rows = np.arange(len(v), dtype=np.intp) if same else pool.rows(v)
                if len(rows) and rows.min() >= 0:
                    where = np.full(len(pool) + 1, -1, dtype=np.intp)
                    where[rows] = np.arange(len(v), dtype=np.intp)
                    if same or np.array_equal(where[rows], np.arange(len(v))):  # no object twice
                        self._pooled = (pool, where)
        return self._pooled

    def positions(self, keys: Any) -> np.ndarray:
        """Position of each key (-1 where absent), exactly as ``Index.get_indexer``."""
        k = _objects(keys)
        if not len(k):
            return np.zeros(0, dtype=np.intp)
        small = _small()
        if len(self.values) < small or (len(k) < small and self._value_ready):
            if len(k) >= small and not self._has_missing():
                # many keys, few values (codes, kinds): each distinct key is looked up once; a
                # missing key finds nothing, as the values hold none
                codes, uniq = factorize(k)
                return np.append(self._by_value(uniq), -1).astype(np.intp, copy=False)[codes]
            return self._by_value(k)
        pooled = self._pool()
        if pooled:
            pool, where = pooled
            rows = pool.rows(k)
            pos = where[rows]
            miss = np.flatnonzero(rows < 0)
            if len(miss):  # objects from elsewhere: equal to a pool id, or to none (missing values)
                look = miss[~pd.isna(k[miss])]
                if len(look):
                    pos[look] = where[pool.rows_by_value(k[look])]
            return pos
        if self._addr is None:
            self._addr = _AddressTable(self.values)
        if not self._addr.unique:  # the same object twice: a non-unique index, get_indexer's case
            return self._by_value(k)
        pos = self._addr.rows(k)
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
    appearance), counting distinct objects first and comparing strings only between those.

    Objects of a :class:`Pool` are distinct exactly when they are different objects, so when
    every value is pooled (or missing) no string is compared at all."""
    a = _objects(values)
    if len(a) < _small():
        codes, uniques = pd.factorize(a)
        return codes.astype(np.intp, copy=False), np.asarray(uniques, dtype=object)
    pooled = _pooled_rows(a)
    if pooled is not None:
        pool, rows = pooled
        return _first_seen(rows, len(pool), a)
    c1, _ = pd.factorize(addresses(a))
    # codes are numbered in order of first appearance: a row starts a new object when its code
    # exceeds every code before it, and those rows come in code order
    prev_max = np.maximum.accumulate(np.r_[-1, c1[:-1]])
    first = np.flatnonzero(c1 > prev_max)
    c2, uniques = pd.factorize(a[first])
    return c2.astype(np.intp, copy=False)[c1], np.asarray(uniques, dtype=object)


def _first_seen(rows: np.ndarray, n: int, a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Codes numbering the distinct ``rows`` (integers in ``[0, n)``, -1 missing) in order of first
    appearance, and the objects of ``a`` where each first appears."""
    at = np.flatnonzero(rows >= 0)
    first = np.full(n, len(rows), dtype=np.intp)
    np.minimum.at(first, rows[at], at)
    starts = at[first[rows[at]] == at]  # rows where a value first appears, in order
    code = np.full(n + 1, -1, dtype=np.intp)  # last slot: row -1 (missing) keeps code -1
    code[rows[starts]] = np.arange(len(starts), dtype=np.intp)
    return code[rows], a[starts]


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


def _words(m: np.ndarray) -> np.ndarray:
    """A ``(rows, width)`` byte matrix as ``(rows, words)`` 64-bit words (zero-padded)."""
    n, width = m.shape
    words = -(-width // 8)
    if width % 8 or not m.flags.c_contiguous:
        padded = np.zeros((n, words * 8), dtype=np.uint8)
        padded[:, :width] = m
        m = padded
    return m.view(np.uint64).reshape(n, words)


def _hash_words(w: np.ndarray, width: int) -> np.ndarray:
    """A 64-bit hash of each row of 64-bit words (collisions are checked by the caller)."""
    h = np.full(len(w), (width * 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(w.shape[1]):
            h ^= w[:, j]
            h *= np.uint64(0xFF51AFD7ED558CCD)
            h ^= h >> np.uint64(33)
    return h


def _probe(hashes: pd.Index, words: np.ndarray, width: int) -> np.ndarray:
    """Row of each string (as 64-bit words, :func:`_words`) among ids hashed by :func:`_hash_words`
    (-1 where no id has its hash; a hit must still be checked by the caller)."""
    return hashes.get_indexer(_hash_words(words, width)).astype(np.intp, copy=False)


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
        self._fixed: tuple[int, list[np.ndarray], pd.Index] | bool | None = None

    def _table(self) -> tuple[int, list[np.ndarray], pd.Index] | bool:
        if self._fixed is None:
            self._fixed = False
            ids = self.ids
            if len(ids) and not ids.null_count:
                width = int(_offsets(ids)[1] - _offsets(ids)[0])
                rows, m = _rows_of_width(ids, width)
                if 0 < width <= 256 and len(rows) == len(ids):
                    words = _words(m)
                    index = pd.Index(_hash_words(words, width))
                    if index.is_unique:
                        # one contiguous array per 8-byte word: checking a probe gathers words
                        self._fixed = (width, [np.ascontiguousarray(words[:, j]) for j in range(words.shape[1])], index)
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
        width, cols, index = table
        if values.type != self.ids.type and not (pa.types.is_string(values.type) or pa.types.is_large_string(values.type)):
            values = values.cast(pa.string())
        out = np.full(len(values), -1, dtype=np.intp)
        rows, mv = _rows_of_width(values, width)
        if len(rows):
            def part(i: int, j: int) -> np.ndarray:
                w = _words(mv[i:j])
                pos = _probe(index, w, width)
                hit = np.flatnonzero(pos >= 0)
                same = np.ones(len(hit), dtype=bool)
                for c, col in enumerate(cols):  # a hash collision is caught by comparing the bytes
                    same &= col[pos[hit]] == w[hit, c]
                pos[hit[~same]] = -1
                return pos

            out[rows] = _chunked(part, len(rows))
        return out


def _pool_rank(a: np.ndarray) -> np.ndarray | None:
    """Each value's rank in Python's string order when every value is a pooled id or missing
    (missing values rank last), else None."""
    pooled = _pooled_rows(a)
    if pooled is None:
        return None
    pool, rows = pooled
    return np.append(pool.rank(), len(pool))[rows]


def argsort_strings(*columns: Any) -> np.ndarray:
    """Stable argsort of rows by string columns (first column first), in Python's order.

    pyarrow sorts the strings (UTF-8 byte order is code point order, which is how Python compares
    ``str``); missing values go last, as with ``sort_values``. Columns holding anything else than
    strings and missing values are sorted by pandas.

    >>> argsort_strings(np.array(["b", "a", None, "a"], dtype=object), np.array(["x", "z", "y", "y"], dtype=object)).tolist()
    [3, 1, 0, 2]
    """
    cols = [_objects(c) for c in columns]
    if not cols or not len(cols[0]):
        return np.zeros(0, dtype=np.intp)
    if len(cols) == 1 and len(cols[0]) >= _small():
        pooled = _pool_rank(cols[0])
        if pooled is not None:  # pooled ids: sorted by their rank, an integer sort
            return np.argsort(pooled, kind="stable").astype(np.intp, copy=False)
    return _argsort_arrow(cols)


def _argsort_arrow(cols: list[np.ndarray]) -> np.ndarray:
    import pyarrow as pa
    import pyarrow.compute as pc

    if not len(cols[0]):
        return np.zeros(0, dtype=np.intp)
    try:
        table = pa.table({f"c{i}": pa.array(c, type=pa.large_string(), from_pandas=True) for i, c in enumerate(cols)})
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        frame = pd.DataFrame({f"c{i}": pd.Series(c, dtype=object) for i, c in enumerate(cols)})
        return frame.sort_values(list(frame.columns), kind="stable").index.to_numpy()
    keys = [(name, "ascending", "at_end") for name in table.column_names]
    return pc.sort_indices(table, sort_keys=keys).to_numpy().astype(np.intp)
