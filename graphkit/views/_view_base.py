"""Shared parts of the views: options, small helpers, the per-view context and the scene."""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import KW_ONLY, InitVar, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..analyses.toolkit import active, active_memberships, argsort, as_of_date, na_to_none, org_facts
from ..analyses.toolkit import org_index as _org_index
from ..core.errors import GraphkitError
from ..core.model import Graph
from ..core.schema import Model

#: View kinds, in the order of the documentation.
KINDS = ("county", "district", "chain", "pairing", "org", "cluster")
#: What node colour can show.
COLOR_BY = ("sector", "mechanism", "category", "town", "cluster")
#: What node size can show.
SIZE_BY = ("degree", "members")
#: Above this many nodes a view aggregates (towns or clusters as nodes) and drills down.
DEFAULT_MAX_NODES = 3000

_NO_GROUP = "__none__"
_Only = set[str] | np.ndarray  # org ids a scene is restricted to (a set, or an array of ids)


# ---- small helpers -------------------------------------------------------------------------------

def _bi(label: dict[str, str]) -> str:
    return f"{label['zh']} {label['en']}"


def _obj(values: Any) -> np.ndarray:
    return np.asarray(values, dtype=object)


def _none_where(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """An object copy of ``values`` with None where ``mask`` holds."""
    out = _obj(values).copy()
    out[mask] = None
    return out


def _ix(values: Any) -> pd.Index:
    """An object-dtype index of ``values`` (lookups without pandas inferring and converting Arrow strings)."""
    return pd.Index(_obj(values), dtype=object)


def _str_or_none(s: pd.Series) -> pd.Series:
    return pd.Series(na_to_none(s.to_numpy(dtype=object)), index=s.index, dtype=object)


def _sort_str(values: np.ndarray) -> np.ndarray:
    """Strings sorted (as ``np.sort`` of an object array), in Arrow."""
    v = _obj(values)
    return v[argsort(v)]


def _zh_map(cl: Any) -> dict[str, str]:
    """code -> Chinese label of a code list."""
    return {c: cl.zh(c) for c in cl.codes}


def _as_text(s: pd.Series) -> pd.Series:
    """Values as strings, missing values (None, NaN, NA, NaT) as None."""
    mask = s.notna().to_numpy()
    out = np.full(len(s), None, dtype=object)
    if mask.any():
        out[mask] = s[mask].astype(str).to_numpy(dtype=object)
    return pd.Series(out, index=s.index, dtype=object)


def _fmt_date(s: pd.Series) -> pd.Series:
    d = pd.to_datetime(s)
    return _str_or_none(d.dt.strftime("%Y-%m-%d").where(d.notna(), None))


def _scale_size(v: np.ndarray, lo: float = 10.0, hi: float = 34.0) -> np.ndarray:
    v = np.nan_to_num(np.asarray(v, dtype=np.float64), nan=0.0)
    top = v.max() if len(v) else 0.0
    if top <= 0:
        return np.full(len(v), lo)
    return lo + (hi - lo) * np.sqrt(np.clip(v, 0, None) / top)


# ---- context: the graph's facts on the date, computed once ------------------------------------

@dataclass(eq=False)
class _Ctx:
    """What one view is built from: the graph, the options and the graph's facts on the date (computed once)."""

    graph: Graph
    _: KW_ONLY
    as_of: InitVar[Any]
    seed: int
    max_nodes: int
    color_by: str | None
    size_by: str
    max_per_strong: int
    radius: int
    model: Model = field(init=False)
    ts: pd.Timestamp = field(init=False)
    county: str = field(init=False)
    _cache: dict[str, Any] = field(init=False, default_factory=dict)
    # drill-down pages: ids (per type, "__edges__": the edge frame) of the whole aggregated scene, whose
    # row-wise facts are computed once and sliced per page
    prefetch: dict[str, Any] = field(init=False, default_factory=dict)

    def __post_init__(self, as_of: Any) -> None:
        self.model = self.graph.model
        self.ts = as_of_date(self.graph, as_of)
        self.county = str(self.graph.settings.get("county") or "")

    def once(self, key: str, fn: Callable[[], Any]) -> Any:
        if key not in self._cache:
            self._cache[key] = fn()
        return self._cache[key]

    @property
    def facts(self) -> pd.DataFrame:
        """org_facts as of the date, indexed by org id."""
        def build() -> pd.DataFrame:
            f = org_facts(self.graph, self.ts)
            f.index = pd.Index(f["org_id"].to_numpy(dtype=object), dtype=object)
            return f
        return self.once("facts", build)

    @property
    def memberships(self) -> pd.DataFrame:
        return self.once("mem", lambda: active_memberships(self.graph, self.ts))

    def names(self, type_name: str) -> pd.Series:
        """id -> name of one node type (object dtypes: fast hashing for ``map``/``reindex``)."""
        def build() -> pd.Series:
            t = self.graph.tables[type_name]
            return self.by_id(type_name, "name" if "name" in t else "title" if "title" in t else "id")
        return self.once(f"names:{type_name}", build)

    def by_id(self, type_name: str, column: str) -> pd.Series:
        """id -> ``column`` of one record type (object dtypes and index)."""
        t = self.graph.tables[type_name]
        return pd.Series(t[column].to_numpy(dtype=object), index=pd.Index(t["id"].to_numpy(dtype=object), dtype=object),
                         dtype=object)

    def all_names(self) -> pd.Series:
        """id -> name over every node type."""
        def build() -> pd.Series:
            s = pd.concat([self.names(t.name) for t in self.model.node_types])
            s = s[~s.index.duplicated(keep="first")]
            return pd.Series(s.to_numpy(dtype=object), index=pd.Index(s.index.to_numpy(dtype=object), dtype=object),
                             dtype=object)
        return self.once("all_names", build)

    def collab_kinds(self) -> pd.Series:
        """Collaboration id -> kind (object index)."""
        return self.once("collab_kinds", lambda: self.by_id("Collaboration", "kind"))

    def org_members(self) -> pd.Series:
        """Org id -> 党员数 as float."""
        def build() -> pd.Series:
            t = self.graph.tables["Organization"]
            return pd.Series(t["members"].astype("float64").to_numpy(),
                             index=pd.Index(t["id"].to_numpy(dtype=object), dtype=object))
        return self.once("org_members", build)

    def collab_member_counts(self) -> pd.Series:
        """Collaboration id -> number of distinct active members."""
        return self.once("collab_member_counts",
                         lambda: self.memberships.groupby("organization")["member"].nunique())

    def org_index(self) -> pd.Index:
        """Every org id (object index; its hash table is reused)."""
        return self.once("org_index", lambda: _org_index(self.graph))

    def active_nodes(self, type_name: str) -> pd.DataFrame:
        return self.once(f"active:{type_name}", lambda: active(self.graph, type_name, self.ts))

    def links(self, types: Iterable[str], *, by: Iterable[str] | None = None) -> pd.DataFrame:
        """Every relationship whose two ends are of ``types`` (link records active on the date).

        Columns: ``id, from, to, rel, by`` (``by`` = ``Type.property`` or the link type name).
        """
        types = frozenset(types)
        wanted = None if by is None else frozenset(by)
        key = f"links:{sorted(types)}:{sorted(wanted) if wanted else None}"

        def build() -> pd.DataFrame:
            frames = []
            for r in self.model.relationships:
                if r.source not in types or r.target not in types:
                    continue
                declared = r.declared_by
                if wanted is not None and declared not in wanted:
                    continue
                if r.prop is not None:
                    pname = r.prop
                    t = self.graph.tables[r.type]
                    sub = t.loc[t[pname].notna(), ["id", pname]]
                    ids = sub["id"].astype(object).to_numpy()
                    frames.append(pd.DataFrame({"id": _obj(ids) + f"|{pname}", "from": _obj(ids),
                                                "to": _obj(sub[pname].to_numpy()), "rel": r.rel, "by": declared}))
                else:
                    t = active(self.graph, r.type, self.ts)
                    frames.append(pd.DataFrame({"id": _obj(t["id"].to_numpy()),
                                                "from": _obj(t[r.source_col].to_numpy()),
                                                "to": _obj(t[r.target_col].to_numpy()),
                                                "rel": r.rel, "by": declared}))
            if not frames:
                return pd.DataFrame({c: pd.Series(dtype=object) for c in ("id", "from", "to", "rel", "by")})
            cols = {c: np.concatenate([_obj(fr[c].to_numpy(dtype=object)) for fr in frames])
                    for c in ("id", "from", "to", "rel", "by")}
            order = argsort(cols["id"])
            return pd.DataFrame({c: pd.Series(v[order], dtype=object) for c, v in cols.items()})
        return self.once(key, build)

    def link_codes(self, types: Iterable[str], *, by: Iterable[str] | None = None) -> tuple[pd.Index, np.ndarray,
                                                                                              np.ndarray]:
        """The ends of :meth:`links` as positions in one index of their ids (for fast selection)."""
        types = frozenset(types)
        wanted = None if by is None else frozenset(by)
        key = f"codes:{sorted(types)}:{sorted(wanted) if wanted else None}"

        def build() -> tuple[pd.Index, np.ndarray, np.ndarray]:
            e = self.links(types, by=by)
            f = e["from"].to_numpy(dtype=object)
            t = e["to"].to_numpy(dtype=object)
            both = np.concatenate([f, t])
            codes, uniq = pd.factorize(pd.Series(both, dtype=object), use_na_sentinel=True)
            index = pd.Index(_obj(uniq), dtype=object)
            return index, codes[: len(f)].astype(np.int64), codes[len(f):].astype(np.int64)
        return self.once(key, build)

    def rel_order(self) -> list[str]:
        seen: list[str] = []
        for r in self.model.relationships:
            if r.rel not in seen:
                seen.append(r.rel)
        return seen

    def rel_label(self, rel: str) -> str:
        """The link type's label as officials read it: the schema's Chinese label, its English beside."""
        for r in self.model.relationships:
            if r.rel == rel:
                return _bi(self.model.relationship_label(r))
        raise GraphkitError(f"视图中出现未声明的关系 / a view holds an undeclared relationship {rel!r}")


# ---- scenes: what a kind selects, before styling --------------------------------------------------

@dataclass
class _Scene:
    """Selected nodes (by type) and edges, plus the kind's layout and decorations."""

    title: str
    subtitle: str
    ids: dict[str, np.ndarray]
    edges: pd.DataFrame
    layout: Callable[[_Ctx, pd.DataFrame, pd.DataFrame], tuple[np.ndarray, np.ndarray]]
    marks: dict[str, str] = field(default_factory=dict)            # node id -> mark key
    labels: dict[str, str] = field(default_factory=dict)           # node id -> label override
    edge_groups: dict[str, tuple[str, str, bool]] = field(default_factory=dict)  # edge id -> (group, label, dashes)
    edge_widths: dict[str, float] = field(default_factory=dict)
    extra_facts: dict[str, tuple[str, dict[str, str]]] = field(default_factory=dict)  # key -> (label, id -> text)
    panels: list[dict[str, Any]] = field(default_factory=list)
    color_by: str = "sector"
    group_of_org: pd.Series | None = None          # org id -> group id (towns / clusters), for aggregation
    group_names: pd.Series | None = None           # group id -> display name
    group_word: tuple[str, str] = ("镇(街道)", "town")
    one_group_per_page: bool = False               # drill-down pages: one group each (the province's counties)
    rebuild: Callable[[_Only], _Scene] | None = None  # the same kind restricted to some org ids

    @property
    def n_nodes(self) -> int:
        return int(sum(len(v) for v in self.ids.values()))


_OTHERS = "__others__"


def _group_order(g: Any) -> tuple[int, int, str]:
    """Display order of group ids: the no-town group first, clusters by number, towns by id."""
    text = str(g)
    m = re.match(r"cluster-(\d+)", text)
    if m:
        return (1, int(m.group(1)), text)
    return (0 if text.startswith(_NO_GROUP) else 1, 0, text)
