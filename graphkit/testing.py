"""Graphs made by hand, for tests, examples and notebooks: ``graphkit.testing``.

:func:`make_graph` turns plain records into a typed :class:`graphkit.Graph` (no ledgers, no
validation); :func:`example_graph` is the tiny county (演示县) the examples of the analysis
modules run on. Test suites of code built on graphkit may use both.

Examples
--------
>>> from graphkit.testing import example_graph, make_graph
>>> example_graph().settings["county"]
'演示县'
>>> make_graph({"Organization": [{"id": "o1", "name": "甲村党支部"}]}).count("Organization")
1
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from .core.errors import GraphkitError
from .core.model import Graph
from .core.schema import PROVENANCE, Model, load_schema

__all__ = ["FixtureError", "example_graph", "make_graph"]


class FixtureError(GraphkitError, ValueError):
    """Records given to :func:`make_graph` name an unknown record type or property."""


def make_graph(records: Mapping[str, Iterable[Mapping[str, Any]] | pd.DataFrame], *,
               settings: Mapping[str, Any] | None = None, model: Model | None = None) -> Graph:
    """Build a typed Graph from plain records (for tests, examples and notebooks).

    Parameters
    ----------
    records
        Type name -> list of dicts (or a DataFrame) holding ``id`` and declared properties. Link
        records without ``id`` get ``<prefix>-<n>``; types not given get empty tables.
    settings
        ``Graph.settings`` (e.g. ``{"county": "演示县"}``).

    Raises
    ------
    FixtureError
        If a record names an unknown type or property (a :class:`graphkit.GraphkitError`).

    Examples
    --------
    >>> g = make_graph({"Organization": [{"id": "o1", "name": "甲村党支部", "category": "1"}]})
    >>> g.count("Organization"), g.orgs.loc[0, "category"]
    (1, '1')
    """
    model = model or load_schema()
    unknown = set(records) - set(model.types)
    if unknown:
        raise FixtureError(f"未知的记录类型 / unknown record types: {sorted(unknown)}; known: {sorted(model.types)}")
    tables: dict[str, pd.DataFrame] = {}
    for rtype in model:
        raw = records.get(rtype.name, [])
        df = raw.copy() if isinstance(raw, pd.DataFrame) else pd.DataFrame(list(raw))
        extra = set(df.columns) - {"id", *rtype.properties, *PROVENANCE}
        if extra:
            raise FixtureError(f"{rtype.name}: 未知属性 / unknown properties {sorted(extra)}")
        n = len(df)
        if "id" not in df:
            df["id"] = [f"{rtype.id_prefix}-{i + 1:04d}" for i in range(n)]
        out = pd.DataFrame({"id": df["id"].astype(object).to_numpy()})
        for pname, prop in rtype.properties.items():
            col = df[pname] if pname in df else pd.Series([None] * n, dtype=object)
            col = col.reset_index(drop=True)
            if prop.type == "date":
                out[pname] = pd.to_datetime(col).astype("datetime64[s]")
            elif prop.type == "integer":
                out[pname] = pd.array([None if pd.isna(v) else int(v) for v in col], dtype="Int64")
            elif prop.type == "boolean":
                out[pname] = pd.array([None if pd.isna(v) else bool(v) for v in col], dtype="boolean")
            else:
                out[pname] = col.astype(object).where(col.notna(), None).to_numpy()
        out["src_file"] = df["src_file"].to_numpy(dtype=object) if "src_file" in df else "hand-made"
        out["src_sheet"] = df["src_sheet"].to_numpy(dtype=object) if "src_sheet" in df else ""
        out["src_row"] = np.arange(1, n + 1, dtype="int64")
        out["src_hash"] = ""
        tables[rtype.name] = out.sort_values("id", kind="stable").reset_index(drop=True)
    return Graph(tables, model=model, settings=dict(settings or {}))


def example_graph() -> Graph:
    """A tiny hand-made county (演示县) used by the examples in the analysis modules.

    Two towns (甲镇 with villages 甲村/乙村/丙村, 乙镇 with 丁村), four county agency branches in
    one district (第一片区, activities in 2024 with gaps), a joint village committee (甲村+乙村),
    a sericulture alliance with one stage (收茧) left empty, and three pairings: 甲村→乙村 (active),
    县教体局→丁村 (active, strong side only 二类), 县农业局→丙村 (ended 2023-12-31, no successor).
    """
    d = pd.Timestamp
    places = [
        {"id": "c", "name": "演示县", "kind": "county"},
        {"id": "t1", "name": "甲镇", "kind": "town", "parent": "c"},
        {"id": "t2", "name": "乙镇", "kind": "town", "parent": "c"},
        {"id": "pv1", "name": "甲村", "kind": "village", "parent": "t1"},
        {"id": "pv2", "name": "乙村", "kind": "village", "parent": "t1"},
        {"id": "pv3", "name": "丙村", "kind": "village", "parent": "t1"},
        {"id": "pv4", "name": "丁村", "kind": "village", "parent": "t2"},
    ]

    def org(i: str, name: str, sector: str, level: str, cat: str | None, town: str | None = None,
            village: str | None = None, lax: bool = False) -> dict[str, Any]:
        return {"id": i, "name": name, "form": "branch", "sector": sector, "level": level, "town": town,
                "village": village, "category": cat, "category_year": 2024, "weak_lax": lax}

    orgs = [
        org("a1", "县农业局机关党支部", "agency", "county", "1"),
        org("a2", "县教体局机关党支部", "agency", "county", "2"),
        org("a3", "县司法局机关党支部", "agency", "county", "3"),
        org("a4", "县科协机关党支部", "agency", "county", "1"),
        org("m1", "市蚕桑中心党支部", "institution", "city", "1"),
        org("t1o", "甲镇机关党支部", "agency", "town", "1", "t1"),
        org("v1", "甲村党支部", "village", "village", "1", "t1", "pv1"),
        org("v2", "乙村党支部", "village", "village", "3", "t1", "pv2"),
        org("v3", "丙村党支部", "village", "village", "2", "t1", "pv3", lax=True),
        org("v4", "丁村党支部", "village", "village", "3", "t2", "pv4"),
        org("f1", "天蚕丝业公司党支部", "private", "town", "1", "t1"),
    ]
    collabs = [
        {"id": "d1", "name": "第一片区", "kind": "district", "start": d("2023-01-01")},
        {"id": "j1", "name": "甲镇联村党委", "kind": "joint_village", "town": "t1", "start": d("2023-01-01")},
        {"id": "k1", "name": "蚕桑产业链党委", "kind": "chain_alliance", "chain": "ch1", "start": d("2023-01-01")},
    ]
    stages = [{"id": f"s{i}", "name": n, "chain": "ch1", "order": i}
              for i, n in enumerate(["种桑", "养蚕", "收茧", "烘茧", "产丝"], start=1)]
    mem = [
        {"member": "a1", "organization": "d1", "role": "lead", "host_month": 1},
        {"member": "a2", "organization": "d1", "role": "host", "host_month": 2},
        {"member": "a3", "organization": "d1", "role": "host", "host_month": 3},
        {"member": "a4", "organization": "d1", "role": "member", "host_month": 4},
        {"member": "v1", "organization": "j1", "role": "lead"},
        {"member": "v2", "organization": "j1", "role": "member"},
        {"member": "a4", "organization": "k1", "role": "lead"},
        {"member": "m1", "organization": "k1", "role": "member", "stage": "s1"},
        {"member": "v1", "organization": "k1", "role": "member", "stage": "s2"},
        {"member": "t1o", "organization": "k1", "role": "member", "stage": "s4"},
        {"member": "f1", "organization": "k1", "role": "member", "stage": "s5"},
    ]
    pairs = [
        {"id": "p1", "strong": "v1", "weak": "v2", "form": "strong_weak_village", "start": d("2023-03-01")},
        {"id": "p2", "strong": "a2", "weak": "v4", "form": "agency_village", "start": d("2024-03-01")},
        {"id": "p3", "strong": "a1", "weak": "v3", "form": "agency_village", "start": d("2022-01-01"),
         "end": d("2023-12-31")},
    ]
    # 2024 district activities: monthly Jan–Oct except March; one mutual inspection (Q1);
    # one cross inspection (first half). a3 and a4 never host.
    acts = []
    for m in (1, 2, 4, 5, 6, 7, 8, 9, 10):
        acts.append({"id": f"e{m:02d}", "title": f"{m}月主题党日", "date": d(f"2024-{m:02d}-15"), "type": "theme_day",
                     "host": "a1" if m % 2 else "a2", "group": "d1"})
    acts.append({"id": "e20", "title": "一季度互督", "date": d("2024-03-20"), "type": "mutual_inspection",
                 "host": "a1", "group": "d1"})
    acts.append({"id": "e21", "title": "上半年交叉督导", "date": d("2024-06-20"), "type": "cross_inspection",
                 "host": "a1", "group": "d1"})
    acts.append({"id": "e22", "title": "联村项目", "date": d("2024-11-20"), "type": "joint_project", "host": "v1",
                 "group": "j1"})
    ratings = [
        {"org": "v2", "year": 2023, "category": "3"}, {"org": "v2", "year": 2024, "category": "3"},
        {"org": "v3", "year": 2023, "category": "3"}, {"org": "v3", "year": 2024, "category": "2", "weak_lax": True},
        {"org": "v4", "year": 2023, "category": "3"}, {"org": "v4", "year": 2024, "category": "3"},
        {"org": "a3", "year": 2023, "category": "2"}, {"org": "a3", "year": 2024, "category": "3"},
    ]
    units = [
        {"id": "u1", "name": "甲镇丝绸厂", "kind": "private", "town": "t1", "has_party_org": True, "party_org": "f1"},
        {"id": "u2", "name": "甲镇茶叶公司", "kind": "private", "town": "t1", "has_party_org": False,
         "instructor": "王某"},
        {"id": "u3", "name": "乙镇物流公司", "kind": "private", "town": "t2", "has_party_org": False},
        {"id": "u4", "name": "甲镇养蚕协会", "kind": "social", "town": "t1", "has_party_org": False, "linked_org": "v1"},
    ]
    return make_graph({
        "Place": places, "Organization": orgs, "Collaboration": collabs,
        "IndustryChain": [{"id": "ch1", "name": "蚕桑"}], "ChainStage": stages, "Membership": mem,
        "Pairing": pairs, "Activity": acts, "Rating": ratings, "Unit": units,
    }, settings={"county": "演示县"})
