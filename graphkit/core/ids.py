"""Exact id lookups by value, and a graph's ids and references as integer codes.

Every record type's ``id`` column is known once, as an Arrow string array (:class:`ArrowIds`), and
every reference column as ``int32`` row codes into the referenced type's table (:class:`GraphCodes`,
kept by the :class:`graphkit.core.model.Graph`; -1 where the reference is missing or names no row). A
lookup of a reference is then a ``take``, ``factorize`` of a reference column is its codes, and a
sort by id is a sort of codes once the ids' rank is known.

The value-based helpers (:func:`factorize`, :class:`IdIndex`, :func:`argsort_strings`) give exactly
what pandas gives (``factorize``, ``Index.get_indexer``, ``sort_values``); nothing here depends
on where Python objects live in memory or on two columns sharing string objects.

Examples
--------
>>> import numpy as np
>>> ids = np.array(["a", "b", "c"], dtype=object)
>>> keys = np.array(["c", "b", None, "zz"], dtype=object)
>>> IdIndex(ids).positions(keys).tolist()
[2, 1, -1, -1]
>>> codes, uniques = factorize(np.array(["x", None, "y", "x"], dtype=object))
>>> codes.tolist(), uniques.tolist()
([0, -1, 1, 0], ['x', 'y'])
"""
from __future__ import annotations

import weakref
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["SMALL", "ArrowIds", "GraphCodes", "IdIndex", "argsort_strings", "factorize", "id_index", "ref_codes"]

#: Lookups of at least this many keys into an index of few values look each distinct key up once.
SMALL = 50_000


def _small() -> int:
    """The ``small_lookup`` threshold in force (``SMALL`` by default; 0 under ``force_large``)."""
    from .settings import threshold

    return threshold("small_lookup")


def _pa() -> Any:
    import pyarrow as pa

    return pa


def _objects(values: Any) -> np.ndarray:
    if isinstance(values, (pd.Series, pd.Index)):
        return values.to_numpy(dtype=object)
    return np.asarray(values, dtype=object)


def _by_value(index: pd.Index, keys: np.ndarray) -> np.ndarray:
    # keys as an object Index: a plain array would be inferred (and copied) as arrow strings
    return index.get_indexer(pd.Index(keys, dtype=object, copy=False)).astype(np.intp, copy=False)


class IdIndex:
    """Positions of keys among unique values, exactly as ``pandas.Index.get_indexer``.

    Parameters
    ----------
    values
        Unique values (ids); an object ``pandas.Index`` is used as it is, so its hash table (which
        pandas keeps with the Index) is built once however often it is looked up.
    """

    def __init__(self, values: Any) -> None:
        if isinstance(values, pd.Index) and values.dtype == object:
            self.index: pd.Index = values
        else:
            self.index = pd.Index(_objects(values), dtype=object, copy=False)
        self._missing: bool | None = None

    def positions(self, keys: Any) -> np.ndarray:
        """Position of each key (-1 where absent), exactly as ``Index.get_indexer``."""
        k = _objects(keys)
        if not len(k):
            return np.zeros(0, dtype=np.intp)
        if len(k) >= _small() and len(self.index) * 8 < len(k) and not self._has_missing():
            # many keys, few values (codes, kinds): each distinct key is looked up once; a missing
            # key finds nothing, as the values hold none
            codes, uniq = factorize(k)
            return np.append(_by_value(self.index, uniq), -1).astype(np.intp, copy=False)[codes]
        return _by_value(self.index, k)

    def _has_missing(self) -> bool:
        if self._missing is None:
            self._missing = bool(self.index.hasnans)
        return self._missing


def id_index(values: Any) -> IdIndex:
    """The :class:`IdIndex` of an object ``pandas.Index`` or array (an Index's hash table is kept by
    pandas with the Index, so passing the same Index again does not rebuild it)."""
    return IdIndex(values)


def factorize(values: Any) -> tuple[np.ndarray, np.ndarray]:
    """``pandas.factorize`` of an object array: codes (-1 for missing) and uniques in order of
    first appearance, as an object array."""
    codes, uniques = pd.factorize(_objects(values))
    return codes.astype(np.intp, copy=False), np.asarray(uniques, dtype=object)


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
    return _argsort_arrow(cols)


def _argsort_arrow(cols: list[np.ndarray]) -> np.ndarray:
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        table = pa.table({f"c{i}": pa.array(c, type=pa.large_string(), from_pandas=True) for i, c in enumerate(cols)})
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        frame = pd.DataFrame({f"c{i}": pd.Series(c, dtype=object) for i, c in enumerate(cols)})
        return frame.sort_values(list(frame.columns), kind="stable").index.to_numpy()
    keys = [(name, "ascending", "at_end") for name in table.column_names]
    return pc.sort_indices(table, sort_keys=keys).to_numpy().astype(np.intp)


# ---- a table's ids in Arrow form, and looking strings up among them --------------------------------

def _offsets(arr: Any) -> np.ndarray:
    width = np.int64 if arr.type.equals(_pa().large_string()) else np.int32
    return np.frombuffer(arr.buffers()[1], dtype=width)[arr.offset:arr.offset + len(arr) + 1].astype(np.int64)


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


class ArrowIds:
    """A table's ids as an Arrow string array, for finding other columns' values among them.

    When every id has the same byte length (graphkit's ids do: a prefix and a hash), ids are
    hashed to 64-bit integers once, vectorized, and each lookup is an integer hash probe whose
    bytes are then compared, so the answer is exact; otherwise ``pyarrow.compute.index_in``.

    >>> import pyarrow as pa
    >>> ids = ArrowIds(pa.array(["org-01", "org-02"]))
    >>> ids.positions(pa.array(["org-02", None, "org-03", "x"])).tolist()
    [1, -1, -1, -1]
    """

    def __init__(self, ids: Any) -> None:
        pa = _pa()
        if isinstance(ids, pa.ChunkedArray):
            ids = ids.combine_chunks()
        if pa.types.is_dictionary(ids.type):
            ids = ids.dictionary.take(ids.indices)
        self.ids = ids
        self._fixed: tuple[int, list[np.ndarray], pd.Index] | bool | None = None

    def __len__(self) -> int:
        return len(self.ids)

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
        """Row of each value (an Arrow string array) among the ids (-1 where absent or null)."""
        pa = _pa()
        if not len(values):
            return np.zeros(0, dtype=np.intp)
        if isinstance(values, pa.ChunkedArray):
            values = values.combine_chunks()
        if pa.types.is_dictionary(values.type):
            pos = self.positions(values.dictionary)
            return np.append(pos, -1)[values.indices.fill_null(len(pos)).to_numpy()]
        table = self._table()
        if not isinstance(table, tuple):
            import pyarrow.compute as pc

            found = pc.index_in(values, value_set=self.ids.cast(values.type))
            return found.fill_null(-1).to_numpy().astype(np.intp)
        width, cols, index = table
        if values.type != self.ids.type and not (pa.types.is_string(values.type) or pa.types.is_large_string(values.type)):
            values = values.cast(pa.string())
        out = np.full(len(values), -1, dtype=np.intp)
        rows, mv = _rows_of_width(values, width)
        if len(rows):
            w = _words(mv)
            pos = index.get_indexer(_hash_words(w, width)).astype(np.intp, copy=False)
            hit = np.flatnonzero(pos >= 0)
            same = np.ones(len(hit), dtype=bool)
            for c, col in enumerate(cols):  # a hash collision is caught by comparing the bytes
                same &= col[pos[hit]] == w[hit, c]
            pos[hit[~same]] = -1
            out[rows] = pos
        return out


def _codes32(pos: np.ndarray) -> np.ndarray:
    if len(pos) and int(pos.max()) >= 2**31 - 1:
        raise ValueError("a table of 2**31 rows or more cannot be referenced by int32 codes")
    return pos.astype(np.int32)


class GraphCodes:
    """A graph's ids in Arrow form and its reference columns as ``int32`` row codes.

    Built once per graph (:func:`graphkit.store.io.read_graph` fills it from the Arrow columns it reads;
    for a graph built in memory each entry is made on first use). ``ref(type, column)[i]`` is the
    row of ``graph.tables[target]`` whose id ``graph.tables[type][column][i]`` names, -1 where it
    is missing or names no row. An entry is made afresh when either table has been replaced in
    ``graph.tables``; editing an id or reference column in place needs a new
    :class:`~graphkit.core.model.Graph`.

    Parameters
    ----------
    tables
        The graph's tables (record type name → DataFrame), the very dict the graph holds.
    refs
        ``(type, column)`` → the referenced type, for every reference column of the model.
    """

    def __init__(self, tables: dict[str, pd.DataFrame], refs: dict[tuple[str, str], str]) -> None:
        self._tables = tables
        self._refs = dict(refs)
        self._ids: dict[str, tuple[ArrowIds, Any]] = {}
        self._codes: dict[tuple[str, str], tuple[np.ndarray, Any, Any]] = {}

    def __getstate__(self) -> dict[str, Any]:
        # a pickled or copied graph makes its codes afresh (weak references do not pickle)
        return {"_tables": self._tables, "_refs": self._refs}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._tables, self._refs = state["_tables"], state["_refs"]
        self._ids, self._codes = {}, {}

    def _same(self, name: str, ref: Any) -> bool:
        return ref() is self._tables.get(name)

    def ids(self, type_name: str) -> ArrowIds:
        """The ids of a type's rows, in row order, as Arrow strings."""
        got = self._ids.get(type_name)
        if got is not None and self._same(type_name, got[1]):
            return got[0]
        pa = _pa()
        t = self._tables[type_name]
        col = t["id"].to_numpy(dtype=object) if "id" in t else np.zeros(0, dtype=object)
        ids = ArrowIds(pa.array(col, type=pa.string(), from_pandas=True))
        self._ids[type_name] = (ids, weakref.ref(t))
        return ids

    def set_ids(self, type_name: str, ids: Any) -> None:
        """Record a type's ids as read (an Arrow string column in the table's row order)."""
        self._ids[type_name] = (ArrowIds(ids), weakref.ref(self._tables[type_name]))

    def set_ref(self, type_name: str, column: str, codes: np.ndarray) -> None:
        """Record a reference column's row codes as read."""
        target = self._refs[(type_name, column)]
        self._codes[(type_name, column)] = (_codes32(codes), weakref.ref(self._tables[type_name]),
                                            weakref.ref(self._tables[target]))

    def target(self, type_name: str, column: str) -> str:
        """The type a reference column points to."""
        return self._refs[(type_name, column)]

    def ref(self, type_name: str, column: str) -> np.ndarray:
        """``int32`` row codes of a reference column into the referenced type (-1: none)."""
        key = (type_name, column)
        target = self._refs[key]
        got = self._codes.get(key)
        if got is not None and self._same(type_name, got[1]) and self._same(target, got[2]):
            return got[0]
        t, tt = self._tables[type_name], self._tables[target]
        values = t[column]
        index = pd.Index(tt["id"].to_numpy(dtype=object), dtype=object)
        codes = _codes32(IdIndex(index).positions(values)) if len(values) else np.zeros(0, dtype=np.int32)
        self._codes[key] = (codes, weakref.ref(t), weakref.ref(tt))
        return codes


def ref_codes(graph: Any, type_name: str, column: str) -> np.ndarray:
    """Shortcut for ``graph.codes.ref(type_name, column)``."""
    return graph.codes.ref(type_name, column)
