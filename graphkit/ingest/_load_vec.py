"""Column helpers for the loader: factorize once, compute per distinct value, map back.

Ledger columns repeat values (towns, codes, years, names met in several ledgers), so the loader
works on *factorized* columns: ``codes`` (one integer per cell, -1 for a blank) and ``uniques``
(the distinct values). A function is applied once per distinct value and the result is taken
back by code, in C. Ids are hashed once per distinct key, not once per row.

Examples
--------
>>> import numpy as np
>>> codes, uniques = factorize(np.array(["a", None, "b", "a", 1, 1.0, True], dtype=object))
>>> codes.tolist(), uniques.tolist()
([0, -1, 1, 0, 2, 3, 4], ['a', 'b', 1, 1.0, True])
"""
from __future__ import annotations

import hashlib
import unicodedata
from typing import Any
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from ..core.text import _HAS_ZERO_WIDTH, _ODD_SPACE, _SPACES, _org_key, clean_text
from ..core.values import _BLANK_TEXT, _UNIFORM_KINDS  # ``infer_dtype``: kinds for which ``pd.factorize`` is safe
from ..core.values import is_blank

__all__ = ["factorize", "take", "Factors", "per_value", "hash_keys", "hash_keys_factored", "id_order", "blank_mask"]

#: the characters besides white space (``str.isspace``, which is ``\s``) that ``is_blank`` takes as blank
_BLANK_EXTRA = frozenset("\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e\u202a\u202b\u202c\u202d\u202e"
                         "\u2066\u2067\u2068\u2069\u200e\u200f\u061c")

_MISSING = object()


def _is_null(v: Any) -> bool:
    return v is None or (v.__class__ is float and v != v) or v is pd.NaT or v is pd.NA


def factorize(arr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Codes (-1 for None/NaN/NaT/NA) and distinct values of an object array.

    Values of different types that compare equal (1, 1.0, True) are kept apart; an unhashable
    value gets a code of its own at each occurrence.
    """
    arr = np.asarray(arr, dtype=object)
    if pd.api.types.infer_dtype(arr, skipna=True) in _UNIFORM_KINDS:
        codes, uniques = pd.factorize(arr)
        return codes.astype(np.intp, copy=False), np.asarray(uniques, dtype=object)
    seen: dict[Any, int] = {}
    out_u: list[Any] = []
    codes = np.empty(len(arr), dtype=np.intp)
    for i, v in enumerate(arr.tolist()):
        if _is_null(v):
            codes[i] = -1
            continue
        key = (v.__class__, v)
        try:
            c = seen.get(key, _MISSING)
        except TypeError:  # an unhashable cell value
            codes[i] = len(out_u)
            out_u.append(v)
            continue
        if c is _MISSING:
            c = seen[key] = len(out_u)
            out_u.append(v)
        codes[i] = c
    u = np.empty(len(out_u), dtype=object)
    u[:] = out_u
    return codes, u


def blank_mask(values: list[Any]) -> np.ndarray:
    """``is_blank`` of each value, as a bool array.

    A text is blank only if every character is (white space or zero-width), so a text whose first
    character is not is decided without the pattern; ``is_blank`` itself is asked for the rest.

    >>> blank_mask(["a", " ", "", "\u200b", " x", None, float("nan"), 0]).tolist()
    [False, True, True, True, False, True, True, False]
    """
    extra = _BLANK_EXTRA
    match = _BLANK_TEXT.match
    return np.fromiter(((match(v) is not None if (not v or v[0].isspace() or v[0] in extra) else False)
                        if v.__class__ is str else is_blank(v) for v in values), dtype=bool, count=len(values))


def take(uniques: Sequence[Any] | np.ndarray, codes: np.ndarray) -> np.ndarray:
    """``uniques[codes]`` as an object array, with None where the code is -1."""
    ext = np.empty(len(uniques) + 1, dtype=object)  # the last slot (code -1) is None
    ext[: len(uniques)] = list(uniques) if not isinstance(uniques, np.ndarray) else uniques
    return ext[codes]


def apply_unique(uniques: np.ndarray, fn: Callable[[Any], Any]) -> np.ndarray:
    """``fn`` of each distinct value, as an object array (``clean_text`` through :func:`clean_texts`)."""
    out = np.empty(len(uniques), dtype=object)
    if fn is clean_text:
        out[:] = clean_texts(uniques.tolist())
        return out
    out[:] = [fn(u) for u in uniques.tolist()] if len(uniques) else []
    return out


def clean_texts(values: list[Any]) -> list[str | None]:
    """``clean_text`` of each value, with one NFKC pass over all the plain text values at once.

    The texts are joined by NUL, normalized together and split again: NUL is a starter that no
    character composes with or decomposes to, so each piece is the NFKC form of its own text.
    Where a value holds a NUL, or the pieces hold zero-width characters (``clean_text`` removes
    them before it trims), the value goes through ``clean_text`` itself.

    >>> clean_texts(["  青泥洞村\u200b党支部　", "（示例）", "   ", None, 2023, "a  b"])
    ['青泥洞村党支部', '(示例)', None, None, '2023', 'a b']
    """
    out: list[str | None] = [None] * len(values)
    at: list[int] = []
    texts: list[str] = []
    for i, v in enumerate(values):
        if v.__class__ is str:
            at.append(i)
            texts.append(v)
        else:
            out[i] = clean_text(v)
    if not texts:
        return out
    norm = unicodedata.normalize("NFKC", "\0".join(texts))
    parts = norm.split("\0")
    if len(parts) != len(texts):  # a value holds NUL itself
        for i in at:
            out[i] = clean_text(values[i])
        return out
    # searched once over all pieces (NUL is neither white space nor zero-width); per piece only on a hit
    zero_width = _HAS_ZERO_WIDTH.search(norm) is not None
    odd = _ODD_SPACE.search(norm) is not None
    for i, piece in zip(at, parts):
        if zero_width and _HAS_ZERO_WIDTH.search(piece):
            out[i] = clean_text(values[i])
            continue
        piece = piece.strip()
        if odd and _ODD_SPACE.search(piece):
            piece = _SPACES.sub(" ", piece)
        out[i] = piece or None
    return out


def org_keys(values: list[Any], county: str) -> list[str | None]:
    """``org_key(v, county)`` of each value, the text cleaned by :func:`clean_texts` (one NFKC pass).

    ``org_key`` is ``_org_key`` of the cleaned text (None for blank text), so this is the same key.

    >>> org_keys(["中共示例县农业农村局委员会", "  ", None], "示例县")
    ['农业农村局党委', None, None]
    """
    return [None if c is None else _org_key(c, county) for c in clean_texts(values)]


def null_codes(codes: np.ndarray, values: np.ndarray) -> np.ndarray:
    """``codes`` with -1 where the distinct value is None (after a function gave None)."""
    isnull = np.fromiter((v is None for v in values.tolist()), dtype=bool, count=len(values))
    if not isnull.any():
        return codes
    ext = np.append(isnull, True)
    return np.where(ext[codes], -1, codes)


class Factors:
    """Factorizations of Series, kept by object identity (the Series is held so the id stays valid).

    A Series made by ``per_value`` is registered with the codes of its input, so a function applied
    to it later is again applied once per distinct value without hashing the column again.
    """

    def __init__(self) -> None:
        self._by_id: dict[int, tuple[pd.Series, np.ndarray, np.ndarray]] = {}

    def get(self, s: pd.Series) -> tuple[np.ndarray, np.ndarray]:
        hit = self._by_id.get(id(s))
        if hit is not None and hit[0] is s:
            return hit[1], hit[2]
        codes, uniques = factorize(s.to_numpy(dtype=object))
        self._by_id[id(s)] = (s, codes, uniques)
        return codes, uniques

    def register(self, s: pd.Series, codes: np.ndarray, uniques: np.ndarray) -> pd.Series:
        self._by_id[id(s)] = (s, codes, uniques)
        return s

    def clear(self) -> None:
        self._by_id.clear()


def per_value(s: pd.Series, fn: Callable[[Any], Any], factors: Factors | None = None, *,
              batch: Callable[[list[Any]], list[Any]] | None = None) -> pd.Series:
    """Apply ``fn`` once per distinct non-null value of ``s`` (nulls give None); object dtype.

    ``batch``, if given, is used instead: it takes the list of distinct values and returns ``fn`` of each.
    """
    if factors is not None:
        codes, uniques = factors.get(s)
    else:
        codes, uniques = factorize(s.to_numpy(dtype=object))
    if batch is not None:
        mapped = np.empty(len(uniques), dtype=object)
        mapped[:] = batch(uniques.tolist()) if len(uniques) else []
    else:
        mapped = apply_unique(uniques, fn)
    out = pd.Series(take(mapped, codes), index=s.index, dtype=object)
    if factors is not None and all(v is None or v.__class__ is str for v in mapped.tolist()):
        factors.register(out, null_codes(codes, mapped), mapped)
    return out


def _combine(codes_list: list[np.ndarray]) -> np.ndarray:
    """One code per distinct combination of several code columns (all >= 0)."""
    comb = codes_list[0].astype(np.int64)
    for c in codes_list[1:]:
        comb, _ = pd.factorize(comb)
        width = int(c.max()) + 1 if len(c) else 1
        comb = comb.astype(np.int64) * width + c
    return comb


def hash_keys(parts: list[tuple[np.ndarray, np.ndarray]], prefix: str, type_name: str) -> np.ndarray:
    """``make_id`` of each row's key parts (all present), hashing each distinct key once.

    ``parts`` are (codes, uniques) of the key columns over the same rows; the key text is the parts'
    ``str`` joined by the unit separator, as ``make_id`` joins them.
    """
    codes, ids = hash_keys_factored(parts, prefix, type_name)
    return ids[codes]


def hash_keys_factored(parts: list[tuple[np.ndarray, np.ndarray]], prefix: str,
                       type_name: str) -> tuple[np.ndarray, np.ndarray]:
    """Like ``hash_keys``, as (codes, distinct ids)."""
    n = len(parts[0][0])
    if n == 0:
        return np.empty(0, dtype=np.intp), np.empty(0, dtype=object)
    comb = _combine([c for c, _ in parts])
    fcodes, funiq = pd.factorize(comb)
    # factorize numbers codes by first appearance: a row starts a new key where its code exceeds all before it
    seen_max = np.maximum.accumulate(fcodes)
    first = np.flatnonzero(np.r_[True, seen_max[1:] > seen_max[:-1]])
    texts = []
    for c, u in parts:
        vals = u[c[first]]
        texts.append(vals.tolist() if pd.api.types.infer_dtype(vals, skipna=False) == "string"
                     else [str(v) for v in vals.tolist()])
    head = f"{type_name}\x1f"
    if len(texts) == 1:
        keys = [head + a for a in texts[0]]
    elif len(texts) == 2:
        keys = [f"{head}{a}\x1f{b}" for a, b in zip(*texts)]
    else:
        keys = [head + "\x1f".join(t) for t in zip(*texts)]
    blake = hashlib.blake2b
    pre = f"{prefix}-"
    ids = np.empty(len(funiq), dtype=object)
    ids[:] = [pre + blake(k.encode("utf-8"), digest_size=8).hexdigest() for k in keys]
    return fcodes.astype(np.intp, copy=False), ids


def id_order(ids: Sequence[str] | np.ndarray) -> np.ndarray | None:
    """The stable order that sorts text ``ids`` as Python sorts them; None if already sorted.

    UTF-8 byte order is code-point order, so Arrow's stable sort on the UTF-8 text agrees with
    Python's ``sorted``.

    >>> id_order(["b", "a", "c"]).tolist(), id_order(["a", "b"])
    ([1, 0, 2], None)
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = pa.array(np.asarray(ids, dtype=object), type=pa.string(), from_pandas=True)
    if arr.null_count == 0 and (len(arr) < 2 or pc.all(pc.less_equal(arr[:-1], arr[1:])).as_py()):
        return None  # already in order (a stable sort would keep it): no sort needed
    order = pc.sort_indices(arr).to_numpy()  # a stable sort; nulls last
    if np.array_equal(order, np.arange(len(order))):
        return None
    return order

