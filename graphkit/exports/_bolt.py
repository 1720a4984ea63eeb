"""Talking to a Neo4j server: the error type, retries with backoff, sessions and read queries.

:mod:`graphkit.exports.neo4j` pushes through it; the query pack (:mod:`graphkit.exports.queries`) runs its
queries on a server through :func:`query_server`. It imports neither.
"""
from __future__ import annotations

import time
from typing import Any
from collections.abc import Callable, Mapping

import pandas as pd

from ..core.errors import GraphkitError

__all__ = ["Neo4jError", "query_server"]


class Neo4jError(GraphkitError):
    """The Neo4j server refused, could not be reached, or the loaded counts do not match."""


def _retrying(fn: Callable[[], Any], what: str, *, attempts: int = 6) -> Any:
    """Run ``fn`` (a managed transaction: the driver already retries transient errors inside it),
    retrying the whole call with backoff when the server is unavailable. Safe because every
    statement is an idempotent MERGE."""
    from neo4j import exceptions as nx

    for attempt in range(attempts):
        try:
            return fn()
        except (nx.ServiceUnavailable, nx.SessionExpired, nx.TransientError) as exc:
            if attempt == attempts - 1:
                raise Neo4jError(f"Neo4j 多次重试仍失败 / gave up after {attempts} attempts at {what}: {exc}") from None
            time.sleep(min(30.0, 0.5 * 2 ** attempt))
    raise AssertionError("unreachable")  # pragma: no cover


def _session(driver: Any, database: str | None, *, quiet: bool = False) -> Any:
    """A session; ``quiet`` turns off the server's notifications (a count of a type not there yet warns)."""
    kw: dict[str, Any] = {"notifications_min_severity": "OFF"} if quiet else {}
    return driver.session(database=database, **kw) if database else driver.session(**kw)


def _native(value: Any) -> Any:
    if hasattr(value, "to_native"):
        return value.to_native()
    if isinstance(value, list):
        return [_native(v) for v in value]
    if isinstance(value, dict):
        return {k: _native(v) for k, v in value.items()}
    return value


def query_server(driver: Any, cypher: str, params: Mapping[str, Any] | None = None, *,
                 database: str | None = None) -> pd.DataFrame:
    """Run one read query on a Neo4j server; return a DataFrame typed like the embedded engine's.

    Neo4j dates become ``datetime64[s]``, integers ``Int64``, booleans ``boolean``.
    """
    import pyarrow as pa
    from neo4j import exceptions as nx

    from .cypher import frame_from_arrow

    def work(tx: Any) -> tuple[list[str], list[list[Any]]]:
        res = tx.run(cypher, **dict(params or {}))
        keys = list(res.keys())
        return keys, [[_native(v) for v in rec.values()] for rec in res]

    def call() -> tuple[list[str], list[list[Any]]]:
        with _session(driver, database) as s:
            return s.execute_read(work)

    try:
        keys, rows = _retrying(call, "query")
    except nx.Neo4jError as exc:
        raise Neo4jError(f"Neo4j 查询失败 / query failed: {exc}") from None
    if not rows:
        return pd.DataFrame({k: pd.Series([], dtype=object) for k in keys})
    cols = {k: [r[i] for r in rows] for i, k in enumerate(keys)}
    return frame_from_arrow(pa.table({k: pa.array(v) for k, v in cols.items()}))
