"""The batches of the cypher-shell script: each column of a batch as one escaped string literal.

The server compiles a statement's literals element by element: a list literal of 7,500 short strings
costs it ~0.8 s of CPU before the first row is touched, a list of 500 maps 8 s, while one string
literal of the same length costs 0.04 s (docs/benchmarks.md, neo4j15b); cypher-shell's own parsing of a
``:param`` list of maps is slower still. So each column of a batch travels as one string, the column's
values joined by U+001F: ``:param c0 => '…'`` lines (the literal from
:func:`~graphkit.exports._graph_shape.cypher_literal`: quotes, backslashes, line breaks and ``;``
escaped), then one statement whose text is the same for every batch, ``WITH split($c0, '\\u001F') AS
c0, … UNWIND range(0, size(c0) - 1) AS i WITH [<decode c0[i]>, …] AS row <the statement's body>``.
The statement holds no value, so the server plans it once and its query cache stays small.

Encoding of one value (reversible, the separator never appears inside a value):

* a string: U+001E becomes U+001E ``0``, then U+001F becomes U+001E ``1``;
* an integer, a boolean or a date: its text (``-12``, ``true``, ``2024-03-01``);
* a missing value: U+001E ``n`` (no encoded value is that: U+001E is always followed by 0 or 1).

Examples
--------
>>> import pyarrow as pa
>>> encode_column(pa.chunked_array([["a\\x1fb", None, "c"]]), "string")
'a\\x1e1b\\x1f\\x1en\\x1fc'
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ._graph_shape import cypher_literal

__all__ = ["SEP", "ESC", "NULL", "encode_column", "decode_expr", "batch_columns", "batch_statement"]

#: Between two values of a column (U+001F, unit separator).
SEP = "\x1f"
#: Starts an escape inside a value (U+001E, record separator).
ESC = "\x1e"
#: A missing value.
NULL = ESC + "n"
_KINDS = ("string", "integer", "date", "boolean")


def encode_column(column: Any, kind: str) -> str:
    """One column of a batch (an Arrow array) as one string: its values encoded and joined by :data:`SEP`."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if kind not in _KINDS:
        raise ValueError(f"无法写入脚本的列类型 / no script encoding for column kind {kind!r}")
    col = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if pa.types.is_dictionary(col.type):
        col = col.cast(col.type.value_type)
    if kind == "string":
        col = col if pa.types.is_string(col.type) else pc.cast(col, pa.string())
        col = pc.replace_substring(pc.replace_substring(col, ESC, ESC + "0"), SEP, ESC + "1")
    else:
        col = pc.cast(col, pa.string())  # integers as digits, booleans as true/false, dates as ISO
    col = pc.fill_null(col, NULL)
    return SEP.join(col.to_pylist())


def decode_expr(var: str, kind: str) -> str:
    """The Cypher expression that decodes one value ``var`` (e.g. ``c3[i]``) of an encoded column."""
    esc, sep, null = (cypher_literal(x) for x in (ESC, SEP, NULL))
    if kind == "string":
        value = f"replace(replace({var}, {cypher_literal(ESC + '1')}, {sep}), {cypher_literal(ESC + '0')}, {esc})"
    elif kind == "integer":
        value = f"toInteger({var})"
    elif kind == "boolean":
        value = f"{var} = 'true'"
    elif kind == "date":
        value = f"date({var})"
    else:
        raise ValueError(f"无法写入脚本的列类型 / no script encoding for column kind {kind!r}")
    return f"CASE {var} WHEN {null} THEN null ELSE {value} END"


def batch_columns(order: Sequence[str], kinds: Mapping[str, str], batch: Any) -> dict[str, str]:
    """The encoded columns of one batch, ``{"c0": …, "c1": …}`` in ``order`` (:func:`encode_column`).

    A column of ``order`` that ``batch`` lacks is missing in every row.
    """
    names = set(batch.column_names)
    return {f"c{k}": encode_column(batch.column(name), kinds[name]) if name in names
            else SEP.join([NULL] * batch.num_rows) for k, name in enumerate(order)}


def batch_statement(body: str, order: Sequence[str], kinds: Mapping[str, str]) -> str:
    """The statement that loads one batch from the string parameters ``$c0, $c1, …`` of :func:`batch_columns`.

    ``body`` reads ``row[K]``, K the position of the column in ``order`` (the part of a ``lists``
    statement after its ``UNWIND $rows AS row``). The text is the same for every batch, so the
    server plans it once.
    """
    withs = ", ".join(f"split($c{k}, {cypher_literal(SEP)}) AS c{k}" for k in range(len(order)))
    row = ", ".join(decode_expr(f"c{k}[i]", kinds[name]) for k, name in enumerate(order))
    return f"WITH {withs} UNWIND range(0, size(c0) - 1) AS i WITH [{row}] AS row {body}"
