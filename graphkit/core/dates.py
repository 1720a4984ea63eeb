"""Dates of the analyses: the default ``as_of`` (the month end of the latest recorded event),
reading an ``as_of`` argument, and which records are active on a day.

Every analysis, the report, the views and the exports take their dates from here.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

from .errors import GraphkitError
from .model import Graph

__all__ = ["reference_date", "as_of_date", "active_mask", "overlap_mask", "active"]


def reference_date(graph: Graph) -> pd.Timestamp:
    """The default ``as_of`` of every analysis: the month end of the latest recorded event.

    The latest event is taken over every date property that is not the end of an interval
    (activity dates, link and group start dates), as declared in the schema; ledgers are kept by
    month, so that month counts as complete. Falls back to today for a graph with no dates.
    """
    latest: list[pd.Timestamp] = []
    for rtype in graph.model:
        ends = {e for _, e in rtype.intervals}
        t = graph.tables[rtype.name]
        for pname, prop in rtype.properties.items():
            if prop.type == "date" and pname not in ends and len(t):
                m = t[pname].max()
                if pd.notna(m):
                    latest.append(pd.Timestamp(m))
    if not latest:
        return pd.Timestamp(dt.date.today())
    return (max(latest).normalize() + pd.offsets.MonthEnd(0)).normalize()


def as_of_date(graph: Graph, as_of: Any = None) -> pd.Timestamp:
    """Turn an ``as_of`` argument into a day-precision Timestamp (None → :func:`reference_date`).

    Raises
    ------
    GraphkitError
        If ``as_of`` is not a date.

    Examples
    --------
    >>> from graphkit.analyses.toolkit import example_graph
    >>> g = example_graph()
    >>> str(as_of_date(g, "2024-06-30").date()), str(as_of_date(g).date())
    ('2024-06-30', '2024-11-30')
    """
    if as_of is None:
        return reference_date(graph)
    if isinstance(as_of, pd.Timestamp):
        ts = as_of
    elif isinstance(as_of, (dt.date, dt.datetime, np.datetime64)):
        ts = pd.Timestamp(as_of)
    elif isinstance(as_of, str):
        try:
            ts = pd.Timestamp(as_of.strip())
        except (ValueError, TypeError):
            from .values import parse_date

            try:  # the ledgers' date reader names the wrong part (month 13)
                parse_date(as_of)
                why = ""
            except ValueError as exc:
                why = f"（{exc}）" if " / " in str(exc) else ""
            raise GraphkitError(f"无法识别的日期 {as_of!r}{why}，请写成 2024-06-30 / cannot read the date {as_of!r}; "
                                f"write it as 2024-06-30") from None
    else:
        raise GraphkitError(f"as_of 应为日期 / as_of must be a date, got {type(as_of).__name__}: {as_of!r}")
    if pd.isna(ts):
        raise GraphkitError(f"无法识别的日期 {as_of!r} / cannot read the date {as_of!r}")
    if ts.tzinfo is not None:
        ts = ts.tz_localize(None)
    return ts.normalize()


def active_mask(starts: pd.Series, ends: pd.Series, ts: pd.Timestamp) -> np.ndarray:
    """Rows whose interval holds ``ts``: (start missing or <= ts) and (end missing or >= ts)."""
    s = pd.to_datetime(starts)
    e = pd.to_datetime(ends)
    return ((s.isna() | (s <= ts)) & (e.isna() | (e >= ts))).to_numpy(dtype=bool)


def overlap_mask(starts: pd.Series, ends: pd.Series, lo: pd.Timestamp, hi: pd.Timestamp) -> np.ndarray:
    """Rows whose interval meets the period ``[lo, hi]`` at some day."""
    s = pd.to_datetime(starts)
    e = pd.to_datetime(ends)
    return ((s.isna() | (s <= hi)) & (e.isna() | (e >= lo))).to_numpy(dtype=bool)


def active(graph: Graph, type_name: str, ts: pd.Timestamp) -> pd.DataFrame:
    """Records of a type active on ``ts`` (types without declared intervals are returned whole)."""
    rtype = graph.model[type_name]
    t = graph.tables[type_name]
    if not rtype.intervals:
        return t
    keep = np.ones(len(t), dtype=bool)
    for s, e in rtype.intervals:
        keep &= active_mask(t[s], t[e], ts)
    return t[keep]
