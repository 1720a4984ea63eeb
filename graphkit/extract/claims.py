"""Checking numeric claims against the graph's own figures: agrees / differs / cannot tell.

A claim is answerable when its category and sentence name something the graph counts: joint
village organizations (联村党组织) and the villages they cover, districts (片区), strong and weak
sides of pairings (强村/弱村 … 结对), pairings, service teams, and all organizations of the
county (全县…个党组织). A lower bound (余/多/超过/以上) agrees when the graph's figure is at least
the claim; an exact figure agrees when equal. Everything else is listed as cannot tell.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING
from collections.abc import Callable

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from ..core.model import Graph

__all__ = ["check_claims", "graph_figures", "AGREES", "DIFFERS", "CANNOT_TELL"]

AGREES, DIFFERS, CANNOT_TELL = "一致 agrees", "不一致 differs", "无法判断 cannot tell"


def _collab_count(graph: Graph, kind: str) -> int:
    c = graph.tables.get("Collaboration")
    return 0 if c is None else int((c["kind"] == kind).sum())


def _joint_villages(graph: Graph) -> int:
    c, m, o = graph.tables.get("Collaboration"), graph.tables.get("Membership"), graph.tables.get("Organization")
    if c is None or m is None or o is None:
        return 0
    ids = set(c.loc[c["kind"] == "joint_village", "id"])
    members = m.loc[m["organization"].isin(ids), "member"]
    villages = o.set_index("id").reindex(members)["village"]
    # a member org without a village ref counts as its own village
    return int(villages.dropna().nunique() + villages.isna().sum())


def graph_figures(graph: Graph) -> dict[str, Callable[[], int]]:
    """Return the figures the graph can give, by claim category (computed on demand)."""
    p = graph.tables.get("Pairing")
    o = graph.tables.get("Organization")
    return {
        "联村党组织数": lambda: _collab_count(graph, "joint_village"),
        "覆盖村数": lambda: _joint_villages(graph),
        "片区数": lambda: _collab_count(graph, "district"),
        "服务队数": lambda: _collab_count(graph, "service_team"),
        "强村数": lambda: 0 if p is None else int(p["strong"].nunique()),
        "弱村数": lambda: 0 if p is None else int(p["weak"].nunique()),
        "结对数": lambda: 0 if p is None else len(p),
        "党组织数": lambda: 0 if o is None else len(o),
    }


def _answerable(row: pd.Series) -> str | None:
    cat, sent = row["category"], str(row["sentence"])
    if cat == "覆盖村数" and re.search(r"联村|跨村", sent):
        return "覆盖村数"
    if cat in ("联村党组织数", "片区数", "服务队数"):
        return cat
    if cat in ("强村数", "弱村数") and re.search(r"结对|对子|共建", sent):
        return cat
    if cat == "结对数" and row["unit"] in ("对", "个") and re.search(r"结对|对子", sent):
        return cat
    if cat == "党组织数" and re.search(rf"全县(?:共有|有|共)?{re.escape(str(row['surface']))}", sent):
        return cat
    return None


def check_claims(numbers: pd.DataFrame, graph: Graph) -> pd.DataFrame:
    """Compare each counted claim with the graph.

    Returns
    -------
    DataFrame
        One row per numeric claim of kind 计数: ``row_id``, ``file``, ``para``, ``surface``,
        ``category``, ``claim`` (value), ``bound``, ``graph`` (figure or None), ``verdict``.
    """
    import pandas as pd

    figures = graph_figures(graph)
    cache: dict[str, int] = {}
    rows = []
    for _, r in numbers.iterrows():
        if r["kind"] != "计数" or r["value"] is None:
            continue
        key = _answerable(r)
        figure = None
        verdict = CANNOT_TELL
        if key is not None:
            if key not in cache:
                cache[key] = figures[key]()
            figure = cache[key]
            ok = figure >= r["value"] if r["bound"] == ">=" else figure == r["value"]
            verdict = AGREES if ok else DIFFERS
        rows.append({"row_id": r["row_id"], "file": r["file"], "para": r["para"], "surface": r["surface"],
                     "category": r["category"], "claim": r["value"], "bound": r["bound"], "graph": figure,
                     "verdict": verdict, "sentence": r["sentence"]})
    return pd.DataFrame(rows, columns=["row_id", "file", "para", "surface", "category", "claim", "bound", "graph",
                                       "verdict", "sentence"])
