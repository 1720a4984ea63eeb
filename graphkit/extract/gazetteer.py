"""Resolving organization names to roster ids with the graph's own names.

Keys are ``graphkit.core.text.org_key`` (width, 中共…委员会, suffix variants, county prefix); a name
that is not found exactly is tried without its town prefix and by its bare unit name
(``strip_form_suffix``): one hit is a candidate, several are listed; none is "new".
"""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..core.text import org_key, strip_form_suffix

if TYPE_CHECKING:  # pragma: no cover
    from ..core.model import Graph

__all__ = ["Gazetteer", "NEW"]

NEW = "new"
_TOWN_PREFIX = re.compile(r"^[\u4e00-\u9fff]{1,5}?(?:镇|乡|街道)")


@dataclass
class Gazetteer:
    """Name keys → organization ids, built from a graph."""

    county: str
    exact: dict[str, list[str]] = field(default_factory=dict)
    bare: dict[str, list[str]] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_graph(cls, graph: Graph) -> Gazetteer:
        """Build the gazetteer from a graph's Organization (and county Place) names."""
        places = graph.tables.get("Place")
        county = ""
        if places is not None and len(places) and "kind" in places:
            c = places.loc[places["kind"] == "county", "name"]
            county = str(c.iloc[0]) if len(c) else ""
        exact: dict[str, list[str]] = defaultdict(list)
        bare: dict[str, list[str]] = defaultdict(list)
        names: dict[str, str] = {}
        orgs = graph.tables.get("Organization")
        if orgs is not None:
            for oid, name in zip(orgs["id"], orgs["name"]):
                key = org_key(name, county)
                if not key:
                    continue
                exact[key].append(oid)
                bare[strip_form_suffix(key)].append(oid)
                names[oid] = str(name)
        return cls(county=county, exact=dict(exact), bare=dict(bare), names=names)

    def resolve(self, name: str) -> tuple[str, list[str]]:
        """Return (id or "" or "new", candidate ids) for a mention's normalized name.

        One exact key match gives the id; several exact, or a match only without the town prefix
        or the form suffix, give candidates and an empty id; nothing gives ``"new"``.
        """
        key = org_key(name, self.county)
        if not key:
            return NEW, []
        hits = self.exact.get(key, [])
        if len(hits) == 1:
            return hits[0], []
        if hits:
            return "", sorted(hits)
        cands: set[str] = set()
        short = _TOWN_PREFIX.sub("", key, count=1)
        if short != key:
            cands.update(self.exact.get(short, []))
        cands.update(self.bare.get(strip_form_suffix(key), []))
        if not cands and strip_form_suffix(key) == key:  # a bare unit or village name
            cands.update(self.bare.get(key, []))
        return ("", sorted(cands)) if cands else (NEW, [])
