"""Interactive HTML network views: one self-contained, offline file per view.

Six kinds of view, each a pyvis :class:`~pyvis.network.Network` rendered through graphkit's own
page template (``graphkit/templates/view.html.j2``) with the vis-network code and styles
**inlined** from the copy vendored in ``graphkit/static/`` — never pyvis's template, never a CDN:

``county``
    The whole county: party organizations and the collaborations (片区, 联村党组织, 产业链联盟,
    服务队) they belong to, with membership, pairing and 隶属 links. ``name`` restricts it to
    one town. Each town is laid out as a radial 隶属 tree; towns are packed in rows.
``district``
    One collaboration (usually a 片区): the group in the centre, its guiding leader, its member
    orgs on a clock face ordered by hosting month (lead at 12 o'clock), and its activities of the
    last twelve months on an outer ring by date.
``chain``
    One industry chain (by chain or alliance name): stages left to right, each stage's member orgs
    stacked below it; stages without any member are flagged.
``pairing``
    The pairing network as of a date, with gaps highlighted: unpaired weak orgs, strong sides that
    are not 一类, overloaded strong orgs, expired pairs (from :func:`graphkit.analyses.pairing.pairing_gaps`).
``org``
    The neighbourhood of one org: everything linked to it, with the members of its collaborations
    (its partners).
``cluster``
    The communities of :func:`graphkit.analyses.clusters.detect_clusters`, coloured by cluster.

Large views aggregate: when a view would hold more than ``max_nodes`` nodes, the page shows one
node per town (per cluster for the cluster view), and :meth:`View.write` writes drill-down pages
beside it (``<stem>_parts/NNN.html``, each holding whole towns, about ``max_nodes`` nodes) that
the overview links to.

Every label and tooltip is data and is treated as text: the data travels as JSON in a
``<script type="application/json">`` block with ``<``, ``>``, ``&``, U+2028 and U+2029 escaped,
tooltips are built with ``textContent``, and a Content-Security-Policy allows only the page's own
two scripts (by hash) and no network request at all.

Examples
--------
>>> import graphkit as gk
>>> from graphkit.views.view import view
>>> g = gk.build_graph(gk.sample_path())
>>> v = view(g, kind="district", name="第八片区")
>>> v.kind, v.counts["nodes"] > 10
('district', True)
>>> "vis.Network" in v.html and "cdn" not in v.html.lower()
True
"""
from __future__ import annotations

import base64
import hashlib
import html as _html
import json
import math
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any
from collections.abc import Callable, Iterable, Sequence
from urllib.parse import quote

import numpy as np
import pandas as pd

from ..core import layout as lay
from ..analyses.toolkit import active, active_memberships, as_of_date, mechanisms, na_to_none, natural_key, org_facts, positions
from ..analyses.toolkit import org_index as _org_index
from ..core.errors import GraphkitError
from ..core.model import Graph

__all__ = ["View", "view", "write_view", "KINDS", "COLOR_BY", "SIZE_BY", "DEFAULT_MAX_NODES"]

#: View kinds, in the order of the documentation.
KINDS = ("county", "district", "chain", "pairing", "org", "cluster")
#: What node colour can show.
COLOR_BY = ("sector", "mechanism", "category", "town", "cluster")
#: What node size can show.
SIZE_BY = ("degree", "members")
#: Above this many nodes a view aggregates (towns or clusters as nodes) and drills down.
DEFAULT_MAX_NODES = 3000

_STATIC = Path(__file__).resolve().parent.parent / "static"
_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"

FONT_STACK = ('"Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", '
              '"WenQuanYi Micro Hei", "Heiti SC", SimHei, "Noto Sans", Arial, sans-serif')

# Presentation only (not a list of types: types missing here get the defaults).
_TYPE_SHAPE = {"Collaboration": "hexagon", "Person": "star", "Activity": "square", "IndustryChain": "box",
               "ChainStage": "box", "Unit": "triangleDown", "Place": "dot"}
_PALETTE = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7", "#9c755f",
            "#17becf", "#bcbd22", "#8c564b", "#1f77b4", "#2ca02c", "#d62728", "#9467bd", "#e377c2", "#7f7f7f",
            "#aec7e8", "#ffbb78"]
_MECH_PALETTE = ["#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#d62728", "#17becf", "#bcbd22"]
_CATEGORY_COLORS = ["#2ca02c", "#1f77b4", "#d62728"]  # 一类 / 二类 / 三类, by code-list order
_CATEGORY_SHAPES = ["diamond", "dot", "triangle"]
_EDGE_PALETTE = ["#7f7f7f", "#8c564b", "#bcbd22", "#9e9e9e", "#17becf", "#9467bd", "#c49c94", "#e377c2",
                 "#2ca02c", "#ff7f0e", "#dbdb8d", "#7f7f7f", "#1f77b4", "#d62728", "#98df8a", "#c5b0d5"]
_NONE_COLOR = "#c7c7c7"
_NONE_LABEL = "（未填）not given"
_MULTI_COLOR = "#6a3d9a"
_TYPE_COLORS = {"Person": "#f1c40f", "Activity": "#b0bec5", "IndustryChain": "#8d6e63", "ChainStage": "#d7ccc8",
                "Unit": "#80cbc4", "Place": "#90a4ae"}
# Marks: node border overrides (one per node; 软弱涣散 only where a view sets no other mark).
_MARKS = {
    "unpaired_weak": ("#d62728", 5, False, "未结对的后进党组织", "weak org without a strong partner"),
    "weak_strong_side": ("#9467bd", 4, True, "帮扶方不是一类", "strong side is not 一类"),
    "overloaded_strong": ("#ff7f0e", 5, False, "帮扶任务过重", "strong org carrying too many pairs"),
    "focus": ("#000000", 5, False, "所查看的党组织", "the org in question"),
    "lead": ("#b8860b", 4, False, "牵头单位", "lead unit"),
    "empty_stage": ("#d62728", 4, True, "无党组织覆盖的环节", "stage without a party org"),
    "weak_lax": ("#8b0000", 3, True, "软弱涣散", "weak and lax"),
}
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


def _argsort_str(values: np.ndarray) -> np.ndarray:
    """Stable argsort of strings in code-point order (as Python sorts them), in Arrow."""
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        arr = pa.array(_obj(values), type=pa.string())
    except (pa.ArrowException, UnicodeError, TypeError, ValueError):
        return np.argsort(_obj(values), kind="stable")
    if arr.null_count:
        return np.argsort(_obj(values), kind="stable")
    return pc.sort_indices(arr).to_numpy()


def _sort_str(values: np.ndarray) -> np.ndarray:
    """Strings sorted (as ``np.sort`` of an object array), in Arrow."""
    v = _obj(values)
    return v[_argsort_str(v)]


def _join(values: Iterable[Any], limit: int = 8, sep: str = "、") -> str:
    vals = [str(v) for v in values if v is not None and v == v]
    if len(vals) > limit:
        return sep.join(vals[:limit]) + f" … 等 {len(vals)} 个"
    return sep.join(vals)


def _zh_map(cl: Any) -> dict[str, str]:
    """code -> Chinese label of a code list."""
    return {c: cl.zh(c) for c in cl.codes}


def _isin(values: Any, allowed: Any) -> np.ndarray:
    """Which ``values`` (string ids) are in ``allowed``, hashed in Arrow.

    pandas' ``isin`` on its Arrow-backed ``str`` dtype converts the allowed values one by one in
    Python, far too slow at province scale.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(allowed, (set, frozenset, dict)):
        allowed = list(allowed)
    vals = values.to_numpy(dtype=object) if isinstance(values, (pd.Series, pd.Index)) else np.asarray(values, dtype=object)
    pool = pd.Series(np.asarray(allowed, dtype=object), dtype=object).dropna().unique()
    if len(vals) == 0 or len(pool) == 0:
        return np.zeros(len(vals), dtype=bool)
    hit = pc.is_in(pa.array(vals, type=pa.string(), from_pandas=True), value_set=pa.array(pool, type=pa.string()))
    return hit.fill_null(False).to_numpy(zero_copy_only=False).astype(bool)


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


_HTML_UNSAFE = ((b"&", b"\\u0026"), (b"<", b"\\u003c"), (b">", b"\\u003e"),
                ("\u2028".encode(), b"\\u2028"), ("\u2029".encode(), b"\\u2029"))


_INERT = frozenset({str, int, bool, type(None)})


def _refuse_non_finite(data: Any) -> None:
    """Raise ValueError on a NaN or infinite number anywhere in ``data``.

    orjson writes them as ``null``, so the page would hold another value than the one computed;
    ``json.dumps(..., allow_nan=False)`` refused them, and so does this. Containers holding only
    strings, ints, booleans and None (most of a page: the fact lists) are passed over in C.
    """
    stack = [data]
    while stack:
        v = stack.pop()
        items = v.values() if isinstance(v, dict) else v if isinstance(v, (list, tuple)) else (v,)
        if set(map(type, items)) <= _INERT:
            continue
        for x in items:
            if isinstance(x, (float, np.floating)):
                if not math.isfinite(x):
                    raise ValueError(f"Out of range float values are not JSON compliant: {x!r}")
            elif isinstance(x, (dict, list, tuple)):
                stack.append(x)
            elif isinstance(x, np.ndarray):
                if x.dtype.kind in "fc" and not np.isfinite(x).all():
                    raise ValueError("Out of range float values are not JSON compliant (in an array)")
                if x.dtype.kind == "O":
                    stack.append(x.tolist())


def _json_for_html(data: Any) -> str:
    """JSON that is safe inside ``<script type="application/json">`` (and inert as HTML).

    Encoded by orjson (compact, UTF-8, numpy arrays and scalars natively; the same text as
    ``json.dumps(..., ensure_ascii=False, separators=(",", ":"))`` for the values a page holds),
    then ``&``, ``<``, ``>``, U+2028 and U+2029 written as ``\\uXXXX`` escapes: they occur in JSON
    text only inside strings, so the data decodes unchanged.
    """
    import orjson

    _refuse_non_finite(data)
    # datetimes and dataclasses are refused as the standard library refuses them (no ``default``)
    text = orjson.dumps(data, option=orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_PASSTHROUGH_DATETIME
                        | orjson.OPT_PASSTHROUGH_DATACLASS)
    for raw, escaped in _HTML_UNSAFE:
        text = text.replace(raw, escaped)
    return text.decode("utf-8")


@dataclass
class _Facts:
    """Fact values of some rows of a page: row positions and one column (str or None) per fact key."""

    rows: np.ndarray
    cols: list[np.ndarray]

    def lists(self) -> list[list[Any]]:
        if not self.cols:
            return [[] for _ in range(len(self.rows))]
        return [list(r) for r in zip(*(c.tolist() for c in self.cols))]


def _facts_by_row(blocks: list[_Facts], n: int) -> list[Any]:
    """Per-row fact lists from blocks covering rows ``0..n-1``."""
    out: list[Any] = [None] * n
    for b in blocks:
        for r, v in zip(b.rows.tolist(), b.lists()):
            out[r] = v
    return out


@dataclass
class _Cols:
    """A page's nodes and edges as columns, the one form a built page has.

    :meth:`node_dicts` and :meth:`edge_dicts` make the vis-network dicts from them: the page's
    JSON is encoded from those dicts (:meth:`View._data_json`) and the pyvis ``Network`` holds
    them (:meth:`network`, made only when ``View.network``/``nodes``/``edges`` is used).
    """

    heading: str
    options: dict[str, Any]
    # nodes
    n_id: np.ndarray
    n_label: np.ndarray
    n_nm: np.ndarray
    n_t: np.ndarray
    n_facts: list[_Facts]
    n_x: np.ndarray
    n_y: np.ndarray
    n_shape: np.ndarray
    n_size: np.ndarray
    n_color: np.ndarray
    n_border: np.ndarray
    n_border_w: np.ndarray
    n_dashes: np.ndarray
    n_g: np.ndarray          # group id or None
    # edges
    e_id: np.ndarray
    e_from: np.ndarray
    e_to: np.ndarray
    e_g: np.ndarray
    e_k: np.ndarray
    e_facts: list[_Facts]
    e_color: np.ndarray
    e_width: np.ndarray
    e_dashes: np.ndarray
    e_par: np.ndarray        # index among parallel links (0: straight)

    @property
    def n_nodes(self) -> int:
        return len(self.n_id)

    @property
    def n_edges(self) -> int:
        return len(self.e_id)

    def node_dicts(self) -> list[dict[str, Any]]:
        facts = _facts_by_row(self.n_facts, self.n_nodes)
        out = []
        for nid, lab, nm, ti, fa, xi, yi, sh, sz, co, bo, bw, da, gi in zip(  # page-sized (<= max_nodes)
                self.n_id.tolist(), self.n_label.tolist(), self.n_nm.tolist(), self.n_t.tolist(), facts,
                self.n_x.tolist(), self.n_y.tolist(), self.n_shape.tolist(), self.n_size.tolist(),
                self.n_color.tolist(), self.n_border.tolist(), self.n_border_w.tolist(), self.n_dashes.tolist(),
                self.n_g.tolist()):
            d = {"id": nid, "label": lab, "nm": nm, "t": ti, "f": fa, "x": xi, "y": yi, "shape": sh, "size": sz,
                 "color": {"background": co, "border": bo, "highlight": {"background": co, "border": "#000000"},
                           "hover": {"background": co, "border": "#000000"}},
                 "borderWidth": bw}
            if da:
                d["shapeProperties"] = {"borderDashes": [6, 4]}
            if sh == "box":
                d["font"] = {"color": "#222222"}
            if gi is not None:
                d["g"] = gi
            out.append(d)
        return out

    def edge_dicts(self) -> list[dict[str, Any]]:
        facts = _facts_by_row(self.e_facts, self.n_edges)
        out = []
        for eid, a, b, gi, ki, fa, co, w, da, kp in zip(  # page-sized
                self.e_id.tolist(), self.e_from.tolist(), self.e_to.tolist(), self.e_g.tolist(), self.e_k.tolist(),
                facts, self.e_color.tolist(), self.e_width.tolist(), self.e_dashes.tolist(), self.e_par.tolist()):
            d = {"id": eid, "from": a, "to": b, "g": gi, "k": ki, "f": fa,
                 "color": {"color": co, "highlight": "#000000", "hover": "#333333"}, "width": w, "dashes": da}
            if kp:
                d["smooth"] = {"enabled": True, "type": "curvedCW" if kp % 2 else "curvedCCW",
                               "roundness": _bend(kp)}
            out.append(d)
        return out

    def network(self) -> Any:
        return _network(self.heading, self.node_dicts(), self.edge_dicts(), self.options, parsed=True)

def _bend(k: int) -> float:
    """Roundness of the ``k``-th parallel link (growing with k)."""
    return 0.18 * ((int(k) + 1) // 2)


def _csp_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


@lru_cache(maxsize=1)
def _vendor() -> tuple[str, str, str]:
    """The vendored vis-network script and the CSS rules the views use (license header kept)."""
    js = (_STATIC / "vis-network.min.js").read_text(encoding="utf-8")
    js = re.sub(r"\n?//# sourceMappingURL=\S+\s*$", "\n", js)  # no source-map request from dev tools
    if re.search(r"</script", js, re.I) or "<!--" in js:
        raise GraphkitError("vendored vis-network.min.js contains '</script' or '<!--'; cannot inline it")
    css_all = (_STATIC / "vis-network.css").read_text(encoding="utf-8")
    wanted = re.compile(r"vis-(network|navigation|button|tooltip|up|down|left|right|zoom|overlay|active)")
    unwanted = re.compile(r"vis-(configuration|color-picker|manipulation|edit|config|close|label|delete|back|add|"
                          r"connect|none|separator)")
    rules = [f"{sel}{{{body}}}" for sel, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css_all)
             if wanted.search(sel) and not unwanted.search(sel)]
    css = "/* vis-network 9.1.2 (Apache-2.0 OR MIT), rules used by graphkit views */\n" + "".join(rules)
    if re.search(r"</style", css, re.I):
        raise GraphkitError("vendored vis-network.css contains '</style'; cannot inline it")
    return js, css, _csp_hash(js)


@lru_cache(maxsize=1)
def _template() -> Any:
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(_TEMPLATES)), autoescape=True,
                             undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    env.filters["csp_hash"] = lambda s: _csp_hash(str(s))
    return env.get_template("view.html.j2")


# ---- the view object ---------------------------------------------------------------------------

@dataclass
class _Page:
    """A drill-down page: a file name and how to build its view."""

    filename: str
    label: str
    build: Callable[[], View]


class View:
    """An interactive network view: a pyvis ``Network`` plus graphkit's legend, search and toggles.

    Attributes
    ----------
    kind
        One of :data:`KINDS` (aggregated views keep their kind; see ``aggregated``).
    title, subtitle
        Page heading (Chinese, with English beside).
    network
        The pyvis :class:`~pyvis.network.Network` holding the node and edge dicts (vis-network
        format plus graphkit keys: ``nm`` name, ``t`` type index, ``f`` facts, ``g`` group,
        ``href`` drill-down link) and the vis options. Edit it with pyvis's API (``set_options``,
        ``toggle_physics``, appending to ``network.nodes``/``edges``) before writing. (A view
        keeps its data in columns until ``network``, ``nodes`` or ``edges`` is first used; the
        page is the same either way.)
    meta
        Everything else the page shows: types, fact keys, link-type groups, legend, panels,
        drill-down links.
    aggregated
        True when nodes stand for towns or clusters (the page links to drill-down pages).
    pages
        Drill-down pages written beside the file by :meth:`write`.

    Examples
    --------
    >>> from graphkit.analyses.toolkit import example_graph
    >>> v = view(example_graph(), kind="pairing", as_of="2024-06-30")
    >>> v.counts
    {'nodes': 7, 'edges': 3}
    >>> v._repr_html_().startswith("<iframe")
    True
    """

    def __init__(self, kind: str, title: str, subtitle: str, network: Any, meta: dict[str, Any],
                 aggregated: bool = False, pages: list[_Page] | None = None, parts_dir: str = "view_parts",
                 back: str | None = None, *, cols: _Cols | None = None) -> None:
        if network is None and cols is None:
            raise GraphkitError("View needs a network or its columns")
        self.kind = kind
        self.title = title
        self.subtitle = subtitle
        self._network = network
        self._cols = cols
        self.meta = meta
        self.aggregated = aggregated
        self.pages = [] if pages is None else pages
        self.parts_dir = parts_dir
        self.back = back
        #: the digest shared by an overview and its drill-down pages when written (see ``write``)
        self.run: str | None = None

    @property
    def network(self) -> Any:
        """The pyvis ``Network`` (made from the columns on first use)."""
        if self._network is None:
            assert self._cols is not None
            self._network = self._cols.network()
            self._cols = None
        return self._network

    @network.setter
    def network(self, value: Any) -> None:
        self._network = value
        self._cols = None

    @property
    def nodes(self) -> list[dict[str, Any]]:
        """The node dicts (vis-network format)."""
        return self.network.nodes

    @property
    def edges(self) -> list[dict[str, Any]]:
        """The edge dicts (vis-network format)."""
        return self.network.edges

    @property
    def counts(self) -> dict[str, int]:
        """Number of nodes and edges in the page's data set."""
        if self._network is None and self._cols is not None:
            return {"nodes": self._cols.n_nodes, "edges": self._cols.n_edges}
        return {"nodes": len(self.network.nodes), "edges": len(self.network.edges)}

    def _set_heading(self, heading: str) -> None:
        if self._network is None and self._cols is not None:
            self._cols.heading = heading
        else:
            self.network.heading = heading

    def _head(self) -> dict[str, Any]:
        meta = dict(self.meta)
        links = []
        for page_link in meta.pop("links", []):
            link = dict(page_link)
            if link.get("page") is not None:
                link["href"] = f"{quote(self.parts_dir)}/{quote(link.pop('page'))}" + (
                    "#" + quote(link["anchor"], safe="") if link.get("anchor") else "")
            links.append(link)
        head = {"title": self.title, "subtitle": self.subtitle, "kind": self.kind, "aggregated": self.aggregated,
                "back": self.back, "links": links, **meta}
        if self.run is not None:
            head["run"] = self.run
        return head

    def _data(self) -> dict[str, Any]:
        """The page's data: the head, the node and edge dicts (vis-network format) and the options."""
        if self._network is None and self._cols is not None:  # the dicts of the columns, no Network made
            nodes, edges, options = self._cols.node_dicts(), self._cols.edge_dicts(), self._cols.options
        else:
            nodes, edges, _heading, _height, _width, options = self.network.get_network_data()
        out_nodes = []
        for n in nodes:
            if "page" in n:
                n = dict(n)
                n["href"] = f"{quote(self.parts_dir)}/{quote(n.pop('page'))}#" + quote(str(n["id"]), safe="")
            out_nodes.append(n)
        return {**self._head(), "nodes": out_nodes, "edges": edges,
                "options": json.loads(options) if isinstance(options, str) else options}

    def _data_json(self) -> str:
        """The page's data as HTML-safe JSON."""
        return _json_for_html(self._data())

    @property
    def html(self) -> str:
        """The page: one self-contained HTML document (UTF-8, no external resources)."""
        from ..store.io import output_signature

        js, css, js_hash = _vendor()
        signature = output_signature("view", "view") + (f" run={self.run}" if self.run else "")
        return _template().render(title=self.title, subtitle=self.subtitle, data_json=self._data_json(),
                                  vis_js=js, vis_css=css, vis_js_hash=js_hash, font_stack=FONT_STACK,
                                  signature=signature)

    def write(self, path: str | Path, *, drilldown: bool = True, force: bool = False) -> Path:
        """Write the page (and, for an aggregated view, its drill-down pages) atomically, as UTF-8.

        The page and its drill-down folder are one unit: both are complete in temporary places
        before either is renamed into place, so a failure leaves both as they were. They share a
        ``run`` digest (in the page's data, every link and the folder's ``.graphkit-output.json``);
        a drill-down page opened from a page of another run shows a warning.

        Parameters
        ----------
        path
            The ``.html`` file to write. Drill-down pages go to ``<stem>_parts/`` beside it.
        drilldown
            Write the drill-down pages (default); False writes only the overview.
        force
            Replace ``path`` even if it is not a page graphkit wrote. The drill-down folder is
            never forced: if ``<stem>_parts/`` holds anything but graphkit's pages, nothing is written.

        Returns
        -------
        Path
            The file written.
        """
        from ..store.io import atomic_dir, atomic_file

        path = Path(path)
        if path.suffix.lower() not in (".html", ".htm"):
            raise GraphkitError(f"视图文件应以 .html 结尾 / a view file must end in .html: {path}")
        if path.exists() and path.is_dir():
            raise GraphkitError(f"{path} 是目录 / is a folder; give a file name ending in .html")
        self.parts_dir = f"{path.stem}_parts"
        pages = self.pages if drilldown else []
        self.run = None
        if pages:
            import hashlib

            self.run = hashlib.sha256(self._data_json().encode("utf-8")).hexdigest()[:16]
        # the page is written first into its temporary file; the drill-down folder is swapped in,
        # then the page renamed: an error anywhere leaves both the previous page and folder
        with atomic_file(path, "w", encoding="utf-8", kind="view", force=force) as fh:
            fh.write(self.html)
            if pages:
                with atomic_dir(path.parent / self.parts_dir, kind="view-parts", command="view",
                                marker={"run": self.run, "page": path.name}) as tmp:
                    for page in pages:
                        sub = page.build()
                        sub.back = f"../{quote(path.name)}"
                        sub.run = self.run
                        with atomic_file(tmp / page.filename, "w", encoding="utf-8") as sub_fh:
                            sub_fh.write(sub.html)
        return path

    def _repr_html_(self) -> str:
        """Inline display in JupyterLab / VS Code: an ``<iframe srcdoc>`` holding the page (escaped)."""
        return (f'<iframe srcdoc="{_html.escape(self.html, quote=True)}" title="{_html.escape(self.title)}" '
                f'style="width:100%;height:640px;border:1px solid #ddd" sandbox="allow-scripts allow-popups"></iframe>')

    def __repr__(self) -> str:
        agg = ", aggregated" if self.aggregated else ""
        return f"<graphkit.View {self.kind}: {self.counts['nodes']} nodes, {self.counts['edges']} edges{agg}>"


# ---- context: the graph's facts on the date, computed once ------------------------------------

class _Ctx:
    def __init__(self, graph: Graph, *, as_of: Any, seed: int, max_nodes: int, color_by: str | None,
                 size_by: str, max_per_strong: int, radius: int) -> None:
        self.graph = graph
        self.model = graph.model
        self.ts = as_of_date(graph, as_of)
        self.seed = seed
        self.max_nodes = max_nodes
        self.color_by = color_by
        self.size_by = size_by
        self.max_per_strong = max_per_strong
        self.radius = radius
        self.county = str(graph.settings.get("county") or "")
        self._cache: dict[str, Any] = {}
        # drill-down pages: ids (per type, "__edges__": the edge frame) of the whole aggregated scene, whose
        # row-wise facts are computed once and sliced per page
        self.prefetch: dict[str, Any] = {}

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
            col = "name" if "name" in t else "title" if "title" in t else "id"
            return pd.Series(t[col].to_numpy(dtype=object), index=pd.Index(t["id"].to_numpy(dtype=object), dtype=object),
                             dtype=object)
        return self.once(f"names:{type_name}", build)

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
        def build() -> pd.Series:
            t = self.graph.tables["Collaboration"]
            return pd.Series(t["kind"].to_numpy(dtype=object), index=pd.Index(t["id"].to_numpy(dtype=object), dtype=object),
                             dtype=object)
        return self.once("collab_kinds", build)

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
            order = _argsort_str(cols["id"])
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
        for r in self.model.relationships:
            if r.rel == rel:
                return f"{_bi(self.model.relationship_label(r))} ({rel})"
        return rel


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


def _edges_between(ctx: _Ctx, ids: dict[str, np.ndarray], *, by: Iterable[str] | None = None) -> pd.DataFrame:
    allowed = np.concatenate([_obj(v) for v in ids.values()]) if ids else _obj([])
    types = [t for t, v in ids.items() if len(v)]
    e = ctx.links(types, by=by)
    index, f, t = ctx.link_codes(types, by=by)
    ok = np.zeros(len(index) + 1, dtype=bool)  # the last slot: ends that are missing (code -1)
    pos = positions(allowed, index)
    ok[pos[pos >= 0]] = True
    keep = ok[f] & ok[t]
    return e[keep].reset_index(drop=True)


def _only(index: pd.Index, values: np.ndarray, only: Iterable[str]) -> np.ndarray:
    """Which ``values`` are in ``only`` (``index``: the unique ``values``, in order; its hash table is reused)."""
    keep = np.zeros(len(index), dtype=bool)
    pos = index.get_indexer(_ix(only if isinstance(only, np.ndarray) else list(only)))
    keep[pos[pos >= 0]] = True
    if len(index) == len(values):
        return keep
    return keep[index.get_indexer(_ix(values))]


def _member_rows(ctx: _Ctx, orgs: np.ndarray) -> np.ndarray:
    """Which active memberships have one of ``orgs`` as member (as ``_isin(mem["member"], orgs)``)."""
    index = ctx.org_index()
    pos = ctx.once("mem_member_pos", lambda: index.get_indexer(ctx.memberships["member"].to_numpy(dtype=object)))
    ok = np.zeros(len(index) + 1, dtype=bool)  # the last slot: members that are not orgs (-1)
    p = positions(orgs, index)
    ok[p[p >= 0]] = True
    return ok[pos]


def _find(ctx: _Ctx, type_name: str, name: str | None, *, what: str, frame: pd.DataFrame | None = None,
          choices: pd.DataFrame | None = None) -> pd.Series:
    """The record of ``type_name`` whose name is ``name`` (exact, else a unique substring).

    ``choices`` (default: the records searched) are the names offered when none matches, in natural
    order (第二片区 before 第十片区).
    """
    t = ctx.graph.tables[type_name] if frame is None else frame
    col = "name" if "name" in t else "title"
    names = t[col].astype(object)
    offer = names if choices is None else choices[col].astype(object)
    if not name:
        sample = _join(sorted(offer.dropna().astype(str).unique(), key=natural_key), limit=10)
        raise GraphkitError(f"请用 --name 指定{what} / give the {ctx.model[type_name].label['en'].lower()} with "
                            f"--name (name=...); 可选 choices: {sample or '（无 none）'}")
    hit = t[names == name]
    if len(hit) == 0:
        hit = t[names.fillna("").astype(str).str.contains(name, regex=False)]
    if len(hit) == 1:
        return hit.iloc[0]
    if len(hit) > 1:
        raise GraphkitError(f"“{name}”匹配到多个{what} / {name!r} matches several: "
                            f"{_join(sorted(hit[col].astype(str), key=natural_key), limit=10)}；请写全名 / give the full name")
    sample = _join(sorted(offer.dropna().astype(str).unique(), key=natural_key), limit=10)
    raise GraphkitError(f"找不到{what}“{name}” / no {ctx.model[type_name].label['en'].lower()} named {name!r}; "
                        f"可选 choices: {sample or '（无 none）'}")


def _town_groups(ctx: _Ctx, orgs: np.ndarray) -> tuple[pd.Series, pd.Series]:
    town = ctx.facts["town"].reindex(pd.Index(orgs, dtype=object)).to_numpy(dtype=object)
    grp = pd.Series(np.where(pd.notna(town), town, _NO_GROUP).astype(object), index=pd.Index(orgs, dtype=object),
                    dtype=object)
    names = ctx.names("Place")
    gids = sorted(set(grp))
    gnames = pd.Series({g: (f"{ctx.county or '县'}直属及未填镇 county level / no town" if g == _NO_GROUP
                            else str(names.get(g, g))) for g in gids}, dtype=object)
    return grp, gnames


def _town_filter(ctx: _Ctx, name: str | None) -> set[str] | None:
    if not name:
        return None
    places = ctx.graph.tables["Place"]
    towns = places[_isin(places["id"], ctx.facts["town"].dropna())]
    row = _find(ctx, "Place", name, what="镇(街道)", frame=towns)
    return {str(row["id"])}


# -- county -----------------------------------------------------------------------------------------

def _scene_county(ctx: _Ctx, name: str | None, only: _Only | None = None) -> _Scene:
    orgs = _obj(ctx.graph.tables["Organization"]["id"].to_numpy())
    if only is not None:
        orgs = orgs[_only(ctx.org_index(), orgs, only)]
    grp, gnames = _town_groups(ctx, orgs)
    groups = _town_filter(ctx, name)
    if groups is not None:
        orgs = orgs[_isin(grp, groups)]
    mem = ctx.memberships
    collabs = _obj(sorted(set(mem["organization"].to_numpy(dtype=object)[_member_rows(ctx, orgs)])))
    ids = {"Organization": _sort_str(orgs), "Collaboration": collabs}
    edges = _edges_between(ctx, ids)
    where = "、".join(str(gnames.get(g, g)) for g in sorted(groups)) if groups is not None else ""
    title = f"{ctx.county}{where}党组织联建网络 / Joint-building network{' of ' + ctx.county if ctx.county else ''}"
    sub = (f"党组织 {len(ids['Organization'])} 个 orgs · 联建组织 {len(collabs)} 个 collaborations · "
           f"截至 as of {ctx.ts.date()}")
    return _Scene(title=title, subtitle=sub, ids=ids, edges=edges, layout=_layout_grouped,
                  color_by=ctx.color_by or "sector", group_of_org=grp, group_names=gnames,
                  rebuild=lambda only_: _scene_county(ctx, name, only_))


# -- district -------------------------------------------------------------------------------------

def _scene_district(ctx: _Ctx, name: str | None, only: _Only | None = None) -> _Scene:
    col = ctx.graph.tables["Collaboration"]
    shown = _isin(col["kind"], ctx.model.collab_kinds(view="district"))
    collab = _find(ctx, "Collaboration", name, what="联建组织（片区）",
                   choices=col[shown] if shown.any() else None)
    cid = str(collab["id"])
    mem = ctx.memberships[ctx.memberships["organization"] == cid]
    members = _obj(sorted(set(mem["member"])))
    acts = ctx.graph.tables["Activity"]
    lo = ctx.ts - pd.DateOffset(years=1)
    acts = acts[(acts["group"] == cid) & (acts["date"] > lo) & (acts["date"] <= ctx.ts)]
    persons = [collab["guide"]] if pd.notna(collab.get("guide")) else []
    if only is not None:
        members = members[_isin(members, only)]
    ids = {"Collaboration": _obj([cid]), "Organization": members, "Person": _obj(sorted(persons)),
           "Activity": _obj(sorted(acts["id"]))}
    edges = _edges_between(ctx, ids)
    kinds = ctx.model.codelists["collab_kind"]
    roles = ctx.model.codelists["role"]
    labels: dict[str, str] = {}
    marks: dict[str, str] = {}
    names = ctx.names("Organization")
    for row in mem.itertuples(index=False):  # one district: tens of rows
        lab = str(names.get(row.member, row.member))
        if row.role == "lead":
            marks[row.member] = "lead"
            lab += f"\n（{roles.zh('lead')}）"
        if pd.notna(row.host_month):
            lab += f"\n轮值 {int(row.host_month)} 月"
        labels[row.member] = lab
    widths = {str(e): 4.0 for e in mem.loc[mem["role"] == "lead", "id"]}
    kind_zh = kinds.zh(collab["kind"]) if collab["kind"] in kinds.codes else str(collab["kind"])
    title = f"{collab['name']}（{kind_zh}）/ {kinds.en(collab['kind']) if collab['kind'] in kinds.codes else 'Group'}"
    sub = (f"成员单位 {len(members)} 个 members · 近 12 个月活动 {len(acts)} 次 activities in the last 12 months · "
           f"截至 as of {ctx.ts.date()}")
    host_months = mem.dropna(subset=["host_month"])
    panel_rows = [["牵头单位 Lead", _join(names.reindex(mem.loc[mem["role"] == "lead", "member"]).tolist()) or "—"],
                  ["联片指导 Guide", str(ctx.names("Person").get(persons[0], "")) if persons else "—"],
                  ["轮值月份 Hosting months", "、".join(str(int(m)) for m in sorted(host_months["host_month"])) or "—"],
                  ["活动（近12个月）Activities", str(len(acts))]]
    return _Scene(title=title, subtitle=sub, ids=ids, edges=edges, layout=_layout_district, marks=marks,
                  labels=labels, edge_widths=widths, color_by=ctx.color_by or "sector",
                  panels=[{"title": "片区概况 Summary", "rows": panel_rows}],
                  rebuild=lambda only_: _scene_district(ctx, name, only_))


# -- chain ---------------------------------------------------------------------------------------------

def _scene_chain(ctx: _Ctx, name: str | None, only: _Only | None = None) -> _Scene:
    chains = ctx.graph.tables["IndustryChain"]
    collabs_all = ctx.active_nodes("Collaboration")
    if name and (chains["name"] == name).any():
        chain = chains[chains["name"] == name].iloc[0]
    elif name and ((collabs_all["name"] == name) & collabs_all["chain"].notna()).any():
        c = collabs_all[(collabs_all["name"] == name) & collabs_all["chain"].notna()].iloc[0]
        chain = chains[chains["id"] == c["chain"]].iloc[0]
    else:
        chain = _find(ctx, "IndustryChain", name, what="产业链")
    chid = str(chain["id"])
    stages = ctx.graph.tables["ChainStage"]
    stages = stages[stages["chain"] == chid]
    collabs = collabs_all.loc[collabs_all["chain"] == chid, "id"]
    mem = ctx.memberships[_isin(ctx.memberships["organization"], set(collabs))]
    members = _obj(sorted(set(mem["member"])))
    if only is not None:
        members = members[_isin(members, only)]
    ids = {"IndustryChain": _obj([chid]), "ChainStage": _obj(sorted(stages["id"])),
           "Collaboration": _obj(sorted(collabs)), "Organization": members}
    edges = _edges_between(ctx, ids)
    staffed = set(mem.loc[_isin(mem["member"], members), "stage"].dropna())
    empty = stages.loc[~_isin(stages["id"], staffed), "name"].astype(str).tolist()
    marks = {str(s): "empty_stage" for s in stages.loc[~_isin(stages["id"], staffed), "id"]}
    marks.update({str(m): "lead" for m in mem.loc[(mem["role"] == "lead") & _isin(mem["member"], members), "member"]})
    ordered = stages.sort_values("order")
    labels = {str(r.id): f"{int(r.order)}. {r.name}" for r in ordered.itertuples(index=False)}
    title = f"{chain['name']}产业链 链上联建 / Industry chain: {chain['name']}"
    sub = (f"环节 {len(stages)} 个 stages · 成员党组织 {len(members)} 个 member orgs · 截至 as of {ctx.ts.date()}")
    panel = [["环节 Stages", " → ".join(ordered["name"].astype(str)) or "—"],
             ["无党组织覆盖的环节 Stages without a party org", "、".join(empty) or "无 none"]]
    return _Scene(title=title, subtitle=sub, ids=ids, edges=edges, layout=_layout_chain, marks=marks, labels=labels,
                  color_by=ctx.color_by or "sector", panels=[{"title": "产业链概况 Summary", "rows": panel}],
                  rebuild=lambda only_: _scene_chain(ctx, name, only_))


# -- pairing -------------------------------------------------------------------------------------------

def _pairing_base(ctx: _Ctx) -> dict[str, Any]:
    """What the pairing view needs that does not depend on the org subset (computed once per view)."""
    from ..analyses.pairing import pairing_gaps

    def build() -> dict[str, Any]:
        gaps = ctx.once("gaps", lambda: pairing_gaps(ctx.graph, as_of=ctx.ts, max_per_strong=ctx.max_per_strong))
        p = ctx.graph.tables["Pairing"]
        started = p["start"].isna() | (p["start"] <= ctx.ts)
        p = p[started]
        expired = (p["end"].notna() & (p["end"] < ctx.ts)).to_numpy()
        unpaired = _obj(gaps["unpaired_weak"]["org_id"].to_numpy())
        orgs = _obj(sorted(set(p["strong"]) | set(p["weak"]) | set(unpaired)))
        uw, wss, ov, ended = (gaps["unpaired_weak"], gaps["weak_strong_side"], gaps["overloaded_strong"],
                              gaps["ended_without_successor"])
        marks: dict[str, str] = {}
        flag_text: dict[str, list[str]] = {}
        reason_zh = {"no_pairing": "没有结对 no pairing", "partner_not_strong": "帮扶方不是一类 partner not 一类"}
        for o, r in zip(uw["org_id"], uw["reason"]):  # one step per flagged org
            marks[str(o)] = "unpaired_weak"
            flag_text.setdefault(str(o), []).append("未结对后进 unpaired weak：" + reason_zh.get(str(r), str(r)))
        for o, k in zip(ov["org_id"], ov["pairs"]):
            marks.setdefault(str(o), "overloaded_strong")
            flag_text.setdefault(str(o), []).append(f"帮扶任务过重 overloaded：{int(k)} 对 pairs > {ctx.max_per_strong}")
        for o in wss["strong_id"]:
            marks.setdefault(str(o), "weak_strong_side")
            flag_text.setdefault(str(o), []).append("帮扶方不是一类 strong side not 一类")
        for o in ended["weak_id"]:
            flag_text.setdefault(str(o), []).append("结对到期未接续 ended without successor")
        flags = pd.Series({k: "；".join(v) for k, v in flag_text.items()}, dtype=object)
        flags.index = pd.Index(_obj(flags.index), dtype=object)
        return {"p": p, "expired": expired, "orgs": orgs, "org_index": pd.Index(orgs, dtype=object), "gaps": gaps,
                "marks": marks, "flags": flags}
    return ctx.once("pairing_base", build)


def _scene_pairing(ctx: _Ctx, name: str | None, only: _Only | None = None) -> _Scene:
    base = _pairing_base(ctx)
    gaps, p, expired = base["gaps"], base["p"], base["expired"]
    orgs = base["orgs"]
    grp, gnames = ctx.once("pairing_groups", lambda: _town_groups(ctx, orgs))
    groups = _town_filter(ctx, name)
    if groups is not None:
        orgs = orgs[_isin(grp.reindex(orgs), groups)]
    if only is not None:
        orgs = orgs[_only(base["org_index"], orgs, only)]
    ids = {"Organization": orgs}
    keep = _isin(p["strong"], orgs) & _isin(p["weak"], orgs)
    pk = p[keep]
    ex = expired[keep]
    rel = ctx.model["Pairing"].edge.rel  # type: ignore[union-attr]
    edges = pd.DataFrame({"id": _obj(pk["id"].to_numpy()), "from": _obj(pk["strong"].to_numpy()),
                          "to": _obj(pk["weak"].to_numpy()), "rel": rel, "by": "Pairing"})
    edges = edges.sort_values("id", kind="stable").reset_index(drop=True)
    ex_ids = set(pk.loc[ex, "id"])
    label = _bi(ctx.model["Pairing"].label)
    edge_groups = {str(i): (f"{rel}:expired", f"{label}（已到期 expired）", True) for i in ex_ids}
    uw, wss, ov, ended = (gaps["unpaired_weak"], gaps["weak_strong_side"], gaps["overloaded_strong"],
                          gaps["ended_without_successor"])
    n_org = len(orgs)
    title = f"{ctx.county}结对共建网络 / Pairing network{' of ' + ctx.county if ctx.county else ''}"
    sub = (f"党组织 {n_org} 个 orgs · 结对 {len(edges)} 对 pairs（已到期 {len(ex_ids)} expired）· "
           f"截至 as of {ctx.ts.date()}")
    in_view = orgs
    panel = [["未结对的后进党组织 Unpaired weak orgs", str(int(_isin(uw["org_id"], in_view).sum()))],
             ["帮扶方不是一类的结对 Pairs whose strong side is not 一类", str(int(_isin(wss["weak_id"], in_view).sum()))],
             [f"帮扶任务过重（>{ctx.max_per_strong} 对）Overloaded strong orgs", str(int(_isin(ov["org_id"], in_view).sum()))],
             ["已到期结对 Expired pairs", str(len(ex_ids))],
             ["到期未接续 Ended without successor", str(int(_isin(ended["weak_id"], in_view).sum()))]]
    extra = {"flags": ("结对问题 Pairing gaps", base["flags"])}
    return _Scene(title=title, subtitle=sub, ids=ids, edges=edges, layout=_layout_components, marks=base["marks"],
                  edge_groups=edge_groups, extra_facts=extra, color_by=ctx.color_by or "sector",
                  panels=[{"title": f"结对缺口 Pairing gaps（截至 {ctx.ts.date()}）", "rows": panel}],
                  group_of_org=grp, group_names=gnames, rebuild=lambda only_: _scene_pairing(ctx, name, only_))


# -- org neighbourhood ------------------------------------------------------------------------------------

_NEIGHBOUR_TYPES = ("Organization", "Collaboration", "Person", "Unit")


def _scene_org(ctx: _Ctx, name: str | None, only: _Only | None = None) -> _Scene:
    org = _find(ctx, "Organization", name, what="党组织")
    oid = str(org["id"])
    types = [t for t in _NEIGHBOUR_TYPES if t in ctx.model]
    e = ctx.links(types)
    collab_set = set(ctx.active_nodes("Collaboration")["id"])
    alive = pd.Index(np.concatenate([_obj(ctx.graph.tables[t]["id"].to_numpy()) if t != "Collaboration"
                                     else _obj(sorted(collab_set)) for t in types]))
    e = e[_isin(e["from"], alive) & _isin(e["to"], alive)]
    a = np.concatenate([_obj(e["from"].to_numpy()), _obj(e["to"].to_numpy())])
    b = np.concatenate([_obj(e["to"].to_numpy()), _obj(e["from"].to_numpy())])
    adj = pd.DataFrame({"a": a, "b": b})
    tree_parent: dict[str, str | None] = {oid: None}
    frontier = {oid}
    for _hop in range(max(1, ctx.radius)):
        nb = adj[_isin(adj["a"], frontier) & ~_isin(adj["b"], set(tree_parent))]
        nb = nb.sort_values(["b", "a"], kind="stable").drop_duplicates("b")
        new = dict(zip(nb["b"], nb["a"]))
        tree_parent.update(new)
        # collaborations are transparent: their members are the org's partners
        via = [c for c in new if c in collab_set]
        nb2 = adj[_isin(adj["a"], via) & ~_isin(adj["b"], set(tree_parent))]
        nb2 = nb2.sort_values(["b", "a"], kind="stable").drop_duplicates("b")
        new2 = dict(zip(nb2["b"], nb2["a"]))
        tree_parent.update(new2)
        frontier = set(new) | set(new2)
    chosen = pd.Index(sorted(tree_parent))
    ids = {t: _obj(sorted(chosen.intersection(ctx.graph.tables[t]["id"]))) for t in types}
    if only is not None:
        keep = _isin(ids["Organization"], only) | (ids["Organization"] == oid)
        ids["Organization"] = ids["Organization"][keep]
    ids = {t: v for t, v in ids.items() if len(v)}
    edges = _edges_between(ctx, ids)
    title = f"{org['name']} 的联建关系 / Neighbourhood of {org['name']}"
    sub = f"相关节点 {sum(len(v) for v in ids.values())} 个 nodes · 截至 as of {ctx.ts.date()}"
    marks = {oid: "focus"}
    scene = _Scene(title=title, subtitle=sub, ids=ids, edges=edges, layout=_layout_org, marks=marks,
                   color_by=ctx.color_by or "sector", rebuild=lambda only_: _scene_org(ctx, name, only_))
    ctx._cache["org_tree"] = (oid, tree_parent)
    return scene


# -- clusters ---------------------------------------------------------------------------------------------

def _scene_cluster(ctx: _Ctx, name: str | None, only: _Only | None = None) -> _Scene:
    from ..analyses.clusters import detect_clusters

    cl = ctx.once("clusters", lambda: detect_clusters(ctx.graph, as_of=ctx.ts, seed=ctx.seed))

    def groups_of() -> tuple[pd.Series, pd.Series]:
        grp = pd.Series(_obj(("cluster-" + cl["cluster"].astype(int).astype(str)).to_numpy()),
                        index=pd.Index(_obj(cl["org_id"].to_numpy()), dtype=object))
        sizes = cl.groupby("cluster").size()
        gnames = pd.Series({f"cluster-{int(c)}": f"集群 {int(c)} Cluster {int(c)}（{int(n)} 个 orgs）"
                            for c, n in sizes.items()}, dtype=object)
        return grp, gnames
    grp, gnames = ctx.once("cluster_groups", groups_of)
    groups = None
    if name:
        key = str(name).strip().removeprefix("cluster-").removeprefix("集群").strip()
        if not key.isdigit() or f"cluster-{int(key)}" not in gnames.index:
            raise GraphkitError(f"没有集群 {name!r} / no cluster {name!r}; 集群编号 1–{len(gnames)} / clusters are "
                                f"numbered 1–{len(gnames)}")
        groups = {f"cluster-{int(key)}"}
    orgs = _obj(grp.index.to_numpy())
    if groups is not None:
        orgs = orgs[_isin(grp, groups)]
    if only is not None:
        orgs = orgs[_only(grp.index, orgs, only)]
    mem = ctx.memberships
    collabs = _obj(sorted(set(mem["organization"].to_numpy(dtype=object)[_member_rows(ctx, orgs)])))
    ids = {"Organization": _sort_str(orgs), "Collaboration": collabs}
    edges = _edges_between(ctx, ids, by=("Membership", "Pairing"))
    facts = {"cluster": ("集群 Cluster", {str(o): str(g).replace("cluster-", "") for o, g in grp.reindex(orgs).items()})}
    title = f"{ctx.county}联建集群 / Joint-building clusters{' of ' + ctx.county if ctx.county else ''}"
    sub = (f"集群 {grp.reindex(orgs).nunique()} 个 clusters · 党组织 {len(orgs)} 个 orgs · "
           f"截至 as of {ctx.ts.date()}（算法 {cl.attrs.get('backend', '?')}, seed {ctx.seed}）")
    return _Scene(title=title, subtitle=sub, ids=ids, edges=edges, layout=_layout_grouped, extra_facts=facts,
                  color_by=ctx.color_by or "cluster", group_of_org=grp, group_names=gnames,
                  group_word=("集群", "cluster"), rebuild=lambda only_: _scene_cluster(ctx, name, only_))


_SCENES: dict[str, Callable[..., _Scene]] = {
    "county": _scene_county, "district": _scene_district, "chain": _scene_chain, "pairing": _scene_pairing,
    "org": _scene_org, "cluster": _scene_cluster,
}


# ---- layouts ----------------------------------------------------------------------------------------------

def _place_by_members(ctx: _Ctx, nodes: pd.DataFrame, edges: pd.DataFrame, x: np.ndarray, y: np.ndarray,
                      placed: np.ndarray) -> None:
    """Put unplaced nodes at the centroid of their placed neighbours (nudged up), in place."""
    idx = _ix(nodes["id"].to_numpy(dtype=object))
    a = idx.get_indexer(_ix(edges["from"].to_numpy(dtype=object)))
    b = idx.get_indexer(_ix(edges["to"].to_numpy(dtype=object)))
    pairs = np.concatenate([np.stack([a, b], 1), np.stack([b, a], 1)])
    pairs = pairs[(pairs[:, 0] >= 0) & (pairs[:, 1] >= 0)]
    pairs = pairs[~placed[pairs[:, 0]] & placed[pairs[:, 1]]]
    if len(pairs):
        df = pd.DataFrame({"n": pairs[:, 0], "x": x[pairs[:, 1]], "y": y[pairs[:, 1]]}).groupby("n").mean()
        k = df.index.to_numpy()
        x[k] = df["x"].to_numpy()
        y[k] = df["y"].to_numpy() - 28.0
        placed[k] = True
    rest = np.flatnonzero(~placed)
    if len(rest):
        top = float(y[placed].min()) if placed.any() else 0.0
        gx, gy = lay.grid(len(rest), spacing=80.0, cols=max(1, int(np.sqrt(len(rest)) * 2)))
        x[rest] = gx
        y[rest] = top - 200.0 - gy


def _layout_grouped(ctx: _Ctx, nodes: pd.DataFrame, edges: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """A radial tree per group (town or cluster), groups shelf-packed in display order.

    Town groups use the 隶属 tree (a parent outside the group makes a root); collaborations then
    sit at the centroid of their members. Cluster groups hang each org under one collaboration
    of its cluster (the wedges are the collaborations) or, failing that, its pairing partner.
    """
    n = len(nodes)
    x = np.zeros(n)
    y = np.zeros(n)
    ids = nodes["id"].to_numpy(dtype=object)
    typ = nodes["type"].to_numpy(dtype=object)
    grp = nodes["grp"].to_numpy(dtype=object)
    clusters = any(str(g).startswith("cluster-") for g in set(grp.tolist()))
    id_index = pd.Index(ids, dtype=object)
    gseries = pd.Series(grp, index=id_index, dtype=object)
    if clusters:
        in_tree = np.isin(typ, ["Organization", "Collaboration"])
        e = edges[["from", "to"]].copy()
        e["tt"] = e["to"].map(pd.Series(typ, index=id_index, dtype=object))
        e["ft"] = e["from"].map(pd.Series(typ, index=id_index, dtype=object))
        e = e[(e["ft"] == "Organization") & (e["from"].map(gseries) == e["to"].map(gseries))]
        e = e.assign(rank=(e["tt"] != "Collaboration").astype(int)).sort_values(["from", "rank", "to"], kind="stable")
        parent_of = pd.Series(e.drop_duplicates("from")["to"].to_numpy(dtype=object),
                              index=e.drop_duplicates("from")["from"].to_numpy(dtype=object))
        parent = parent_of.reindex(ids).to_numpy(dtype=object)
        parent[typ == "Collaboration"] = None
    else:
        in_tree = typ == "Organization"
        parent = ctx.facts["parent"].reindex(id_index).to_numpy(dtype=object)
        same = gseries.reindex(_ix(parent)).to_numpy(dtype=object) == grp
        parent = np.where(same & in_tree, parent, None)
    order = _obj([f"{t}|{'' if nm is None or (isinstance(nm, float) and nm != nm) else nm}"
                  for t, nm in zip(typ.tolist(), nodes["nm"].to_numpy(dtype=object).tolist())])
    tree_idx = np.flatnonzero(in_tree)
    g_tree = grp[tree_idx]
    gids = sorted(set(g_tree), key=_group_order)
    if gids:  # a radial layout per group (town / cluster), all groups in one pass
        lx, ly = lay.radial_forest(ids[tree_idx], parent[tree_idx], g_tree, order=order[tree_idx], gap=110.0,
                                   spacing=46.0)
        code = pd.Index(_obj(gids), dtype=object).get_indexer(g_tree)
        reach = np.full(len(gids), -np.inf)
        np.maximum.at(reach, code, lx * lx + ly * ly)
        ox, oy = lay.pack_circles(np.sqrt(reach) + 60.0, gap=140.0)  # lay.extent of each group
        x[tree_idx] = lx + ox[code]
        y[tree_idx] = ly + oy[code]
    placed = in_tree.copy()
    _place_by_members(ctx, nodes, edges, x, y, placed)
    return x, y


def _layout_district(ctx: _Ctx, nodes: pd.DataFrame, edges: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Collaboration in the centre, members on a clock face by hosting month, activities on a ring by date."""
    n = len(nodes)
    x = np.zeros(n)
    y = np.zeros(n)
    typ = nodes["type"].to_numpy(dtype=object)
    ids = nodes["id"].to_numpy(dtype=object)
    mem = ctx.memberships.copy()
    collab_ids = set(ids[typ == "Collaboration"])
    mem = mem[_isin(mem["organization"], collab_ids)]
    role_rank = mem["role"].map({"lead": 0}).fillna(1)
    key = pd.DataFrame({"member": mem["member"], "r": role_rank, "m": mem["host_month"].astype("float64").fillna(99)})
    key = key.sort_values(["r", "m", "member"]).drop_duplicates("member")
    rank = pd.Series(np.arange(len(key)), index=key["member"].to_numpy(dtype=object))
    orgs = np.flatnonzero(typ == "Organization")
    order = rank.reindex(ids[orgs]).fillna(len(rank)).to_numpy()
    orgs = orgs[np.lexsort((nodes["nm"].to_numpy(dtype=object)[orgs].astype(str), order))]
    r1 = max(260.0, len(orgs) * 80.0 / (2 * np.pi))
    rx, ry = lay.ring(len(orgs), r1)
    x[orgs] = rx
    y[orgs] = ry
    acts = np.flatnonzero(typ == "Activity")
    if len(acts):
        dates = ctx.graph.tables["Activity"].set_index("id")["date"].reindex(ids[acts])
        acts = acts[np.lexsort((ids[acts].astype(str), dates.to_numpy()))]
        r2 = max(r1 + 260.0, len(acts) * 55.0 / (2 * np.pi))
        ax, ay = lay.ring(len(acts), r2)
        x[acts] = ax
        y[acts] = ay
    persons = np.flatnonzero(typ == "Person")
    x[persons] = np.linspace(-60 * (len(persons) - 1), 60 * (len(persons) - 1), len(persons)) if len(persons) else 0
    y[persons] = -120.0
    return x, y


def _layout_chain(ctx: _Ctx, nodes: pd.DataFrame, edges: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Stages left to right (by order), each stage's member orgs stacked below it."""
    n = len(nodes)
    x = np.zeros(n)
    y = np.zeros(n)
    typ = nodes["type"].to_numpy(dtype=object)
    ids = nodes["id"].to_numpy(dtype=object)
    dx, dy = 240.0, 70.0
    st = ctx.graph.tables["ChainStage"].set_index("id")
    s_idx = np.flatnonzero(typ == "ChainStage")
    s_order = st["order"].reindex(ids[s_idx]).astype("float64").to_numpy()
    s_idx = s_idx[np.argsort(s_order, kind="stable")]
    col = pd.Series(np.arange(1, len(s_idx) + 1), index=ids[s_idx])
    x[s_idx] = col.to_numpy() * dx
    y[s_idx] = 0.0
    for t, yy in (("IndustryChain", -220.0), ("Collaboration", -110.0)):
        k = np.flatnonzero(typ == t)
        x[k] = (len(s_idx) + 1) * dx / 2 + (np.arange(len(k)) - (len(k) - 1) / 2) * dx
        y[k] = yy
    mem = ctx.memberships
    mem = mem[_isin(mem["organization"], set(ids[typ == "Collaboration"]))]
    first_stage = (mem.assign(c=mem["stage"].map(col)).sort_values(["member", "c"])
                   .drop_duplicates("member").set_index("member")["c"])
    o = np.flatnonzero(typ == "Organization")
    c = first_stage.reindex(ids[o]).fillna(0).to_numpy(dtype=np.float64)  # 0: no stage (lead, whole chain)
    names = nodes["nm"].to_numpy(dtype=object)[o].astype(str)
    order = np.lexsort((names, c))
    o, c = o[order], c[order]
    row = pd.Series(c).groupby(c).cumcount().to_numpy()
    x[o] = c * dx
    y[o] = dy * (row + 1.5)
    return x, y


def _group_labels(scene: _Scene, types: np.ndarray, grp: np.ndarray, x: np.ndarray, y: np.ndarray) -> list[dict[str, Any]]:
    """The name of each group circle (town, cluster) of a grouped layout, centred above its orgs.

    The page draws them on the canvas (they are not nodes: node counts stay the graph's).
    """
    if scene.layout is not _layout_grouped or scene.group_names is None:
        return []
    org = types == "Organization"
    if not org.any():
        return []
    box = (pd.DataFrame({"g": grp[org], "x": x[org], "y": y[org]}).groupby("g", sort=False)
           .agg(x0=("x", "min"), x1=("x", "max"), y0=("y", "min")))
    names = scene.group_names
    out = []
    for g, r in box.iterrows():
        text = names.get(g) if g in names.index else None
        if text is None:
            continue
        out.append({"text": str(text), "x": round(float(r.x0 + r.x1) / 2, 1), "y": round(float(r.y0) - 36.0, 1)})
    return out


def _label_half_width(names: np.ndarray) -> np.ndarray:
    """Half the drawn width of each label at the views' 14 px font (CJK characters are 1 em, others ~0.6)."""
    return np.array([7.0 * sum(1.0 if unicodedata.east_asian_width(ch) in "WF" else 0.6 for ch in str(t)) + 8.0
                     for t in names.tolist()], dtype=np.float64)


def _layout_components(ctx: _Ctx, nodes: pd.DataFrame, edges: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Connected components as a hub above a row of its partners, largest first, shelf-packed; singletons last.

    Every box is as wide as its labels need (a row slot per partner of the widest label in the
    component), so no two names overlap however long they are.
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    n = len(nodes)
    if n == 0:
        return np.zeros(0), np.zeros(0)
    idx = pd.Index(nodes["id"])
    a = idx.get_indexer(_obj(edges["from"].to_numpy()))
    b = idx.get_indexer(_obj(edges["to"].to_numpy()))
    ok = (a >= 0) & (b >= 0)
    a, b = a[ok], b[ok]
    m = coo_matrix((np.ones(len(a)), (a, b)), shape=(n, n))
    _, comp = connected_components(m, directed=False)
    deg = np.bincount(np.concatenate([a, b]), minlength=n)
    names = nodes["nm"].fillna("").astype(str).to_numpy()
    d = pd.DataFrame({"i": np.arange(n), "comp": comp, "deg": deg, "nm": names, "half": _label_half_width(names)})
    d["size"] = d.groupby("comp")["i"].transform("size").to_numpy()
    # hub: highest degree, then name; the others in a row below it
    d = d.sort_values(["comp", "deg", "nm"], ascending=[True, False, True], kind="stable")
    d["pos"] = d.groupby("comp").cumcount()
    first = d.groupby("comp")["nm"].transform("first")
    d["key_size"] = -d["size"]
    comps = (d.drop_duplicates("comp").assign(first=first)
             .sort_values(["key_size", "first"], kind="stable")["comp"].to_numpy())
    slot = (2 * d.groupby("comp")["half"].transform("max") + 16.0).to_numpy()
    k_row = (d["size"] - 1).to_numpy()
    pos = d["pos"].to_numpy()
    lx = np.where(pos == 0, 0.0, (pos - 1 - (k_row - 1) / 2.0) * slot)
    ly = np.where(pos == 0, 0.0, 110.0)
    box_w = pd.Series(np.maximum(slot, k_row * slot), index=d["comp"].to_numpy()).groupby(level=0).first()
    box_h = pd.Series(np.where(k_row > 0, 200.0, 80.0), index=d["comp"].to_numpy()).groupby(level=0).first()
    w, h = box_w.reindex(comps).to_numpy(), box_h.reindex(comps).to_numpy()
    # shelf packing of the boxes, rows about 1.6 times as wide as the whole area is high
    row_w = max(float(w.max()), float(np.sqrt(np.sum(w * h))) * 1.6)
    cx, cy = np.zeros(len(comps)), np.zeros(len(comps))
    x0 = top = row_h = 0.0
    for j in range(len(comps)):
        if x0 > 0 and x0 + w[j] > row_w:
            x0, top, row_h = 0.0, top + row_h, 0.0
        cx[j], cy[j] = x0 + w[j] / 2, top + 20.0
        x0 += w[j]
        row_h = max(row_h, h[j])
    center = pd.DataFrame({"cx": cx, "cy": cy}, index=comps)
    x = np.zeros(n)
    y = np.zeros(n)
    i = d["i"].to_numpy()
    x[i] = lx + center["cx"].reindex(d["comp"].to_numpy()).to_numpy()
    y[i] = ly + center["cy"].reindex(d["comp"].to_numpy()).to_numpy()
    return x, y


def _layout_org(ctx: _Ctx, nodes: pd.DataFrame, edges: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Radial BFS tree around the focal org."""
    oid, tree_parent = ctx._cache["org_tree"]
    ids = nodes["id"].to_numpy(dtype=object)
    parents = _obj([tree_parent.get(i) for i in ids])
    order = (nodes["type"].astype(str) + "|" + nodes["nm"].fillna("").astype(str)).to_numpy()
    return lay.radial_tree(ids, parents, order=order, gap=150.0, spacing=60.0)


# ---- styling and facts ------------------------------------------------------------------------------------

def _codes_palette(codes: Sequence[str], palette: Sequence[str]) -> dict[str, str]:
    return {c: palette[i % len(palette)] for i, c in enumerate(codes)}


def _org_color(ctx: _Ctx, scene: _Scene, org_ids: np.ndarray) -> tuple[np.ndarray, list[dict[str, Any]], str]:
    """Colour of each org and the legend entries, by ``scene.color_by``."""
    by = scene.color_by
    f = ctx.facts.reindex(_ix(org_ids))
    model = ctx.model
    if by in ("sector", "category"):
        cl = model.codelists[by]
        pal = _codes_palette(cl.codes, _CATEGORY_COLORS if by == "category" and len(cl.codes) <= 3 else _PALETTE)
        vals = f[by].to_numpy(dtype=object)
        colors = np.array([pal.get(v, _NONE_COLOR) for v in vals], dtype=object)
        present = set(vals)
        items = [{"label": f"{cl.zh(c)} {cl.en(c)}", "color": pal[c]} for c in cl.codes if c in present]
        if any(v not in pal for v in vals):
            items.append({"label": _NONE_LABEL, "color": _NONE_COLOR})
        return colors, items, _bi(cl.label)
    if by == "mechanism":
        mechs = mechanisms(model)
        pal = _codes_palette([m[0] for m in mechs], _MECH_PALETTE)
        mm = _org_mechanisms(ctx, org_ids)
        n_mech = mm.groupby("org_id").size()
        first = mm.drop_duplicates("org_id").set_index("org_id")["mechanism"].map(pal)
        n = n_mech.reindex(org_ids).fillna(0).to_numpy()
        one = first.reindex(org_ids).to_numpy(dtype=object)
        colors = np.where(n == 0, _NONE_COLOR, np.where(n == 1, one, _MULTI_COLOR)).astype(object)
        items = [{"label": f"{zh} {en}", "color": pal[code]} for code, zh, en in mechs]
        items += [{"label": "多种机制 several mechanisms", "color": _MULTI_COLOR},
                  {"label": "未参与联建 no joint building", "color": _NONE_COLOR}]
        return colors, items, "联建机制 Mechanism"
    if by in ("town", "cluster"):
        # colours keyed by the whole graph's towns / cluster numbers, so pages agree with each other
        if by == "town":
            def towns() -> tuple[pd.Series, dict[int, str]]:
                names = ctx.names("Place")
                all_towns = sorted(set(ctx.facts["town"].dropna()), key=lambda t: (natural_key(names.get(t, t)), str(t)))
                return (pd.Series(np.arange(len(all_towns)), index=_obj(all_towns), dtype="float64"),
                        {i: str(names.get(t, t)) for i, t in enumerate(all_towns)})
            rank, label_of = ctx.once("town_rank", towns)
            key = f["town"].map(rank)
        else:
            cl_table = ctx._cache.get("clusters")
            number = (ctx.once("cluster_number", lambda: pd.Series(cl_table["cluster"].to_numpy(dtype=np.float64),
                                                                   index=_obj(cl_table["org_id"].to_numpy())))
                      if cl_table is not None else pd.Series(dtype="float64"))
            key = pd.Series(org_ids).map(number) - 1
            label_of = {int(i): f"集群 {int(i) + 1} cluster" for i in sorted(set(key.dropna()))}
        k = key.to_numpy(dtype=np.float64)
        ok = ~np.isnan(k)
        colors = np.full(len(org_ids), _NONE_COLOR, dtype=object)
        colors[ok] = np.asarray(_PALETTE, dtype=object)[k[ok].astype(np.int64) % len(_PALETTE)]
        shown = sorted({int(i) for i in k[ok]})
        items = [{"label": label_of[i], "color": _PALETTE[i % len(_PALETTE)]} for i in shown[:20]]
        if len(shown) > 20:
            items.append({"label": f"… 共 {len(shown)} 个，颜色循环使用 colours repeat", "color": _NONE_COLOR})
        if not ok.all():
            items.append({"label": _NONE_LABEL, "color": _NONE_COLOR})
        return colors, items, "镇(街道) Town" if by == "town" else "集群 Cluster"
    raise GraphkitError(f"不支持的着色方式 color_by={by!r}；可选 choices: {', '.join(COLOR_BY)}")


def _org_mechanisms(ctx: _Ctx, org_ids: np.ndarray) -> pd.DataFrame:
    """``(org_id, mechanism)`` of the orgs, as declared in ``schema/mechanisms.yaml``."""
    model = ctx.model
    kind_key = {m.collaboration_kind: m.key for m in model.mechanisms if m.collaboration_kind is not None}
    mem = ctx.memberships
    a = mem.loc[_isin(mem["member"], org_ids) & _isin(mem["kind"], list(kind_key)), ["member", "kind"]].rename(
        columns={"member": "org_id", "kind": "mechanism"})
    a["mechanism"] = a["mechanism"].map(kind_key)
    frames = [a]
    for m in model.link_mechanisms():
        assert m.link is not None
        edge = model[m.link].edge
        assert edge is not None
        p = ctx.active_nodes(m.link)
        ends = np.concatenate([_obj(p[edge.source].to_numpy()), _obj(p[edge.target].to_numpy())])
        b = pd.DataFrame({"org_id": ends, "mechanism": m.key})
        frames.append(b[_isin(b["org_id"], org_ids)])
    return pd.concat(frames, ignore_index=True).drop_duplicates()


def _generic_facts(ctx: _Ctx, type_name: str, ids: np.ndarray) -> tuple[list[str], pd.DataFrame]:
    """Declared properties of records as display text: codes → labels, refs → names, dates ISO."""
    rtype = ctx.model[type_name]
    t = ctx.graph.tables[type_name].set_index("id").reindex(ids)
    keys: list[str] = []
    cols: dict[str, pd.Series] = {}
    for pname, prop in rtype.properties.items():
        s = t[pname]
        if prop.type == "code":
            v = s.astype(object).map(_zh_map(ctx.model.codelists[prop.codelist]))  # type: ignore[index]
            v = v.where(v.notna(), s.astype(object))
        elif prop.type == "ref":
            v = s.astype(object).map(ctx.all_names())
        elif prop.type == "date":
            v = _fmt_date(s)
        elif prop.type == "boolean":
            v = s.astype(object).map({True: "是 yes", False: "否 no"}).astype(object)
        else:
            v = _as_text(s)
        keys.append(_bi(prop.label))
        cols[pname] = _str_or_none(pd.Series(v.to_numpy(dtype=object)))
    return keys, pd.DataFrame(cols)


def _group_join(keys: Any, texts: Any, *, sep: str, limit: int | None = None) -> pd.Series:
    """``groupby(keys)[texts].agg(...)`` joining each group's texts in their order, vectorized.

    With ``limit`` it is :func:`_join` per group: missing texts dropped, at most ``limit`` shown,
    then `` … 等 N 个``; without, ``sep.join`` of the group. Indexed by the sorted distinct keys.

    >>> _group_join(["b", "a", "b"], ["x", "y", None], sep="、", limit=1).to_dict()
    {'a': 'y', 'b': 'x'}
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    k = keys.to_numpy(dtype=object) if isinstance(keys, pd.Series) else np.asarray(keys, dtype=object)
    t = texts.to_numpy(dtype=object) if isinstance(texts, pd.Series) else np.asarray(texts, dtype=object)
    present = pd.notna(k)
    k, t = k[present], t[present]
    codes, uniq = pd.factorize(pd.Series(k, dtype=object), sort=True)
    if limit is not None:
        valid = pd.notna(t)
        codes, t = codes[valid], np.array([v if type(v) is str else str(v) for v in t[valid].tolist()], dtype=object)
    order = np.argsort(codes, kind="stable")
    codes, t = codes[order], t[order]
    count = np.bincount(codes, minlength=len(uniq))
    if limit is not None:
        first = np.r_[0, np.cumsum(count)[:-1]]
        rank = np.arange(len(codes)) - first[codes]
        shown = rank < limit
        codes, t = codes[shown], t[shown]
    n_shown = np.bincount(codes, minlength=len(uniq))
    offsets = pa.array(np.r_[0, np.cumsum(n_shown)].astype(np.int64), type=pa.int64())
    lists = pa.LargeListArray.from_arrays(offsets, pa.array(t, type=pa.string()))
    joined = np.asarray(pc.binary_join(lists, sep).to_numpy(zero_copy_only=False), dtype=object)
    if limit is not None:
        over = np.flatnonzero(count > limit)
        joined[over] = [f"{j} … 等 {c} 个" for j, c in zip(joined[over].tolist(), count[over].tolist())]
    return pd.Series(joined, index=pd.Index(_obj(uniq), dtype=object), dtype=object)


def _org_facts_table(ctx: _Ctx, org_ids: np.ndarray) -> tuple[list[str], pd.DataFrame]:
    """The tooltip facts of orgs: name, form, sector, level, town, category, mechanisms, partners."""
    model = ctx.model
    props = model["Organization"].properties
    f = ctx.facts.reindex(org_ids)
    o = ctx.graph.tables["Organization"][["id", "members"]].set_index("id").reindex(org_ids)
    cols: dict[str, Any] = {}
    keys: list[str] = []

    def add(key: str, values: Any) -> None:
        keys.append(key)
        cols[key] = _str_or_none(pd.Series(np.asarray(values, dtype=object)))

    def code(pname: str, values: pd.Series) -> pd.Series:
        return values.astype(object).map(_zh_map(model.codelists[props[pname].codelist]))  # type: ignore[index]

    add(_bi(props["name"].label), f["name"].to_numpy(dtype=object))
    add(_bi(props["form"].label), code("form", f["form"]).to_numpy(dtype=object))
    add(_bi(props["sector"].label), code("sector", f["sector"]).to_numpy(dtype=object))
    add(_bi(props["level"].label), code("level", f["level"]).to_numpy(dtype=object))
    add(_bi(props["town"].label), f["town_name"].to_numpy(dtype=object))
    add(_bi(props["village"].label), f["village_name"].to_numpy(dtype=object))
    cat = code("category", f["category"]).fillna("未定级 unrated").astype(str)
    cat = cat.where(~f["weak_lax"].fillna(False).astype(bool), cat + "，软弱涣散 weak and lax")
    add(_bi(props["category"].label), cat.to_numpy(dtype=object))
    add(_bi(props["parent"].label), f["parent"].map(ctx.names("Organization")).to_numpy(dtype=object))
    add(_bi(props["members"].label), _as_text(o["members"]).to_numpy(dtype=object))
    # mechanisms: every active membership with kind, group and role
    mem = ctx.memberships[_isin(ctx.memberships["member"], org_ids)].copy()
    kinds = _zh_map(model.codelists["collab_kind"])
    roles = _zh_map(model.codelists["role"])
    stage = mem["stage"].map(ctx.names("ChainStage"))
    month = mem["host_month"].astype("float64")
    mem["txt"] = (mem["kind"].map(kinds).fillna(mem["kind"]).astype(str) + "：" + mem["collab_name"].astype(str) + "（"
                  + mem["role"].map(roles).fillna(mem["role"]).astype(str)
                  + ("·" + stage.astype(str)).where(stage.notna(), "")
                  + ("·轮值" + month.fillna(0).astype(int).astype(str) + "月").where(month.notna(), "") + "）")
    p = ctx.active_nodes("Pairing")
    names = ctx.names("Organization")
    ps = p[_isin(p["strong"], org_ids)]
    pw = p[_isin(p["weak"], org_ids)]
    pair_txt = pd.concat([
        pd.DataFrame({"org": _obj(ps["strong"].to_numpy()), "txt": "帮扶 helps " + ps["weak"].map(names).astype(str),
                      "side": "帮扶方 strong side"}),
        pd.DataFrame({"org": _obj(pw["weak"].to_numpy()), "txt": "受援于 helped by " + pw["strong"].map(names).astype(str),
                      "side": "受援方 weak side"}),
    ], ignore_index=True)
    pairing_zh = model["Pairing"].label["zh"]
    sides = pair_txt.drop_duplicates(["org", "side"])
    other = []  # link mechanisms other than Pairing (declared in schema/mechanisms.yaml): "<label>（与 partner）"
    for lm in model.link_mechanisms():
        if lm.link == "Pairing" or lm.link is None:
            continue
        edge = model[lm.link].edge
        assert edge is not None
        lt = ctx.active_nodes(lm.link)
        for here, there in ((edge.source, edge.target), (edge.target, edge.source)):
            sel = lt[_isin(lt[here], org_ids)]
            other.append(pd.DataFrame({"org": _obj(sel[here].to_numpy()),
                                       "txt": lm.label["zh"] + "（与 with " + sel[there].map(names).astype(str) + "）"}))
    mech_rows = pd.concat([mem[["member", "txt"]].rename(columns={"member": "org"}),
                           pd.DataFrame({"org": sides["org"], "txt": pairing_zh + "（" + sides["side"] + "）"}), *other],
                          ignore_index=True)
    mech = _group_join(mech_rows["org"], mech_rows["txt"], sep="；")
    add("联建机制 Mechanisms", mech.reindex(org_ids).to_numpy(dtype=object))
    pair_sorted = pair_txt.sort_values(["org", "txt"], kind="stable")
    partners = _group_join(pair_sorted["org"], pair_sorted["txt"], sep="；", limit=6)
    add("结对伙伴 Pairing partners", partners.reindex(org_ids).to_numpy(dtype=object))
    all_mem = ctx.memberships[["member", "organization"]]
    co = mem[["member", "organization"]].merge(all_mem, on="organization", suffixes=("", "_o"))
    co = co[co["member"] != co["member_o"]].drop_duplicates(["member", "member_o"])
    co["nm"] = co["member_o"].map(names)
    co = co.sort_values(["member", "nm"], kind="stable")
    mates = _group_join(co["member"], co["nm"], sep="、", limit=6)
    add("联建伙伴 Joint-building partners", mates.reindex(org_ids).to_numpy(dtype=object))
    return keys, pd.DataFrame(cols)


def _collab_extra(ctx: _Ctx, ids: np.ndarray) -> pd.DataFrame:
    mem = ctx.memberships[_isin(ctx.memberships["organization"], ids)]
    names = ctx.names("Organization")
    n = mem.groupby("organization")["member"].nunique()
    lead = mem[mem["role"] == "lead"].assign(nm=lambda d: d["member"].map(names)).groupby("organization")["nm"].agg(
        lambda s: _join(sorted(s.astype(str))))
    return pd.DataFrame({"成员数 Members": _as_text(n.reindex(ids)).to_numpy(dtype=object),
                         "牵头单位 Lead": lead.reindex(ids).to_numpy(dtype=object)})


def _group_keys(edges: pd.DataFrame, special: dict[str, tuple[str, str, bool]]) -> np.ndarray:
    """Toggle group of each edge: its relationship type, or a special group (e.g. expired pairs)."""
    rel = edges["rel"].to_numpy(dtype=object)
    if not special or not len(edges):
        return rel.copy()
    sp = edges["id"].map({k: v[0] for k, v in special.items()})
    return np.where(sp.notna().to_numpy(), sp.to_numpy(dtype=object), rel)


def _link_groups(ctx: _Ctx, keys: np.ndarray, weights: np.ndarray,
                 special: dict[str, tuple[str, str, bool]]) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """Legend/toggle entries per link group, in the schema's relationship order, with counts."""
    rel_order = ctx.rel_order()
    rel_color = {r: _EDGE_PALETTE[i % len(_EDGE_PALETTE)] for i, r in enumerate(rel_order)}
    declared_ref = {r.rel: not r.is_link for r in ctx.model.relationships}
    spec = {v[0]: v for v in special.values()}
    counts = pd.Series(np.asarray(weights, dtype=np.float64)).groupby(pd.Series(keys, dtype=object)).sum()

    def order(k: str) -> tuple[int, str]:
        rel = k.split(":")[0]
        return (rel_order.index(rel) if rel in rel_order else len(rel_order), k)

    groups: list[dict[str, Any]] = []
    index: dict[str, int] = {}
    for key in sorted(counts.index, key=order):
        rel = key.split(":")[0]
        sp = spec.get(key)
        index[key] = len(groups)
        groups.append({"key": key, "label": sp[1] if sp else ctx.rel_label(rel),
                       "color": "#9e9e9e" if sp else rel_color.get(rel, "#7f7f7f"),
                       "dashes": bool(sp[2] if sp else declared_ref.get(rel, False)),
                       "width": 1.0 if declared_ref.get(rel, False) else 2.0, "count": int(counts[key])})
    return groups, index


# ---- assembling a page from a scene --------------------------------------------------------------------------

def _options(n_nodes: int, n_edges: int, seed: int) -> dict[str, Any]:
    big = n_nodes > 800 or n_edges > 3000
    return {
        "autoResize": True,
        "physics": {"enabled": False, "stabilization": {"enabled": False}},
        "layout": {"improvedLayout": False, "randomSeed": seed},
        "interaction": {"hover": True, "navigationButtons": True, "keyboard": {"enabled": True, "bindToWindow": False},
                        "tooltipDelay": 120, "hideEdgesOnDrag": big, "hideEdgesOnZoom": big, "multiselect": True},
        "nodes": {"font": {"face": FONT_STACK, "size": 14, "strokeWidth": 3, "strokeColor": "#ffffff"},
                  "borderWidth": 1.5, "shapeProperties": {"interpolation": False}},
        "edges": {"smooth": False, "arrows": {"to": {"enabled": True, "scaleFactor": 0.45}},
                  "color": {"inherit": False, "opacity": 0.75}, "selectionWidth": 2,
                  "font": {"face": FONT_STACK, "size": 11, "align": "middle"}},
    }


def _pyvis_options(options: dict[str, Any]) -> dict[str, Any]:
    """A deep copy of the options as plain JSON values.

    Not through pyvis's ``set_options``: it strips every space from the JSON text, which turns the
    font names (``Noto Sans CJK SC``) into names no system has.
    """
    return json.loads(json.dumps(options))


def _network(title: str, nodes: list[dict[str, Any]], edges: list[dict[str, Any]], options: dict[str, Any], *,
             parsed: bool = False) -> Any:
    """A pyvis Network holding the lists as they are (pyvis's add_edge checks every edge per insertion).

    ``parsed``: the options are already as :func:`_pyvis_options` gives them.
    """
    from pyvis.network import Network

    net = Network(height="100%", width="100%", directed=True, heading=title, cdn_resources="local")
    net.nodes = nodes
    net.edges = edges
    net.node_ids = [n["id"] for n in nodes]
    net.node_map = {n["id"]: n for n in nodes}
    net.options = options if parsed else _pyvis_options(options)
    return net


def _strify(arr: Any) -> np.ndarray:
    """Edge fact values: None and NaN as None, anything else as ``str(v)``."""
    out = np.asarray(arr, dtype=object)
    if len(out) and pd.api.types.infer_dtype(out, skipna=False) == "string":
        return out
    return _obj([None if (v is None or (isinstance(v, float) and v != v)) else (v if type(v) is str else str(v))
                 for v in out.tolist()])


def _cached_rows(ctx: _Ctx, key: str, pre: Any, frame: Any, ids: np.ndarray,
                 compute: Callable[[Any], tuple[list[str], list[np.ndarray]]]) -> tuple[list[str], list[np.ndarray]]:
    """Row-wise values for ``ids``: computed once for a whole prefetched set (drill-down pages), else here.

    ``compute`` is row-independent, so rows taken from the whole set equal rows computed alone.
    """
    if pre is not None and len(ids):
        def build() -> tuple[list[str], list[np.ndarray], pd.Index]:
            keys, cols = compute(pre[0])
            return keys, cols, pd.Index(_obj(pre[1]), dtype=object)
        keys, cols, index = ctx.once(key, build)
        pos = index.get_indexer(_ix(ids))
        if len(pos) and (pos >= 0).all():
            return list(keys), [c[pos] for c in cols]
    return compute(frame)


def _node_facts(ctx: _Ctx, type_name: str, ids: np.ndarray) -> tuple[list[str], list[np.ndarray]]:
    """Tooltip fact keys and values (str or None) of nodes of one type."""
    def compute(ids_: np.ndarray) -> tuple[list[str], list[np.ndarray]]:
        if type_name == "Organization":
            keys, table = _org_facts_table(ctx, ids_)
        else:
            keys, table = _generic_facts(ctx, type_name, ids_)
            if type_name == "Collaboration":
                extra = _collab_extra(ctx, ids_)
                keys = keys + list(extra.columns)
                table = pd.concat([table, extra], axis=1)
        return keys, [na_to_none(table.iloc[:, i].to_numpy(dtype=object)) for i in range(table.shape[1])]
    pre_ids = ctx.prefetch.get(type_name)
    pre = None if pre_ids is None else (pre_ids, pre_ids)
    return _cached_rows(ctx, f"nodefacts:{type_name}", pre, ids, ids, compute)


def _edge_fact_cols(ctx: _Ctx, by: str, sub: pd.DataFrame) -> tuple[list[str], list[np.ndarray]]:
    """Fact keys and values of the edges of one declaring type (``Type.property`` or a link type)."""
    names = ctx.all_names()
    label = ctx.rel_label(str(sub["rel"].iloc[0]))
    ends = ["起点 From", "终点 To"]
    head = [_obj([label] * len(sub)), _strify(sub["from"].map(names).astype(object).to_numpy(dtype=object)),
            _strify(sub["to"].map(names).astype(object).to_numpy(dtype=object))]
    if "." in by:
        return ["关系 Link", *ends], head
    rtype = ctx.model[by]
    edge = rtype.edge
    k2, t2 = _generic_facts(ctx, by, _obj(sub["id"].to_numpy()))
    drop = {_bi(rtype.properties[edge.source].label), _bi(rtype.properties[edge.target].label)}  # type: ignore[union-attr]
    keep = [i for i, k in enumerate(k2) if k not in drop]
    cols = [_strify(na_to_none(t2.iloc[:, i].to_numpy(dtype=object))) for i in keep]
    return ["关系 Link", *ends, *[k2[i] for i in keep]], head + cols


def _edge_facts(ctx: _Ctx, edges: pd.DataFrame) -> tuple[np.ndarray, list[list[str]], list[_Facts]]:
    """Per edge: index of its fact keys (by declaring type, sorted), the key lists and the values."""
    n = len(edges)
    kidx = np.zeros(n, dtype=np.int64)
    keys_out: list[list[str]] = []
    blocks: list[_Facts] = []
    if not n:
        return kidx, keys_out, blocks
    by_vals = edges["by"].to_numpy(dtype=object)
    pre_edges = ctx.prefetch.get("__edges__")
    for by in sorted(set(by_vals.tolist())):
        rows = np.flatnonzero(by_vals == by)
        sub = edges.iloc[rows]
        pre = None
        if pre_edges is not None:
            def split(by: Any = by) -> tuple[pd.DataFrame, np.ndarray]:
                pe = pre_edges[pre_edges["by"].to_numpy(dtype=object) == by]
                return pe, pe["id"].to_numpy(dtype=object)
            pre = ctx.once(f"prefetch_edges:{by}", split)
        def fact_cols(frame: pd.DataFrame, by: Any = by) -> Any:
            return _edge_fact_cols(ctx, str(by), frame)
        keys, cols = _cached_rows(ctx, f"edgefacts:{by}", pre, sub, sub["id"].to_numpy(dtype=object), fact_cols)
        kidx[rows] = len(keys_out)
        keys_out.append(keys)
        blocks.append(_Facts(rows, cols))
    return kidx, keys_out, blocks


def _best_group(n: np.ndarray, g: np.ndarray) -> pd.Series:
    """Per node ``n``: the group ``g`` it is paired with most often (ties: the smallest group id).

    The same as ``groupby(["n", "g"]).size()`` sorted by count (descending) then group, first per
    node; rows without a group are ignored.

    >>> _best_group(np.array(["a", "a", "a", "b"], dtype=object), np.array(["y", "x", "y", None], dtype=object)).to_dict()
    {'a': 'y'}
    """
    ok = pd.notna(g)
    n, g = _obj(n)[ok], _obj(g)[ok]
    if not len(n):
        return pd.Series(dtype=object)
    n_code, n_uniq = pd.factorize(pd.Series(n, dtype=object), sort=True)
    g_code, g_uniq = pd.factorize(pd.Series(g, dtype=object), sort=True)
    pair, count = np.unique(n_code.astype(np.int64) * len(g_uniq) + g_code, return_counts=True)
    pn, pg = pair // len(g_uniq), pair % len(g_uniq)
    order = np.lexsort((pg, -count, pn))
    first = order[np.r_[True, pn[order][1:] != pn[order][:-1]]]
    return pd.Series(_obj(g_uniq)[pg[first]], index=pd.Index(_obj(n_uniq)[pn[first]], dtype=object), dtype=object)


def _parallel_rank(edges: pd.DataFrame) -> np.ndarray:
    """Rank of each edge among the edges joining the same two nodes (by relationship, then id): 0, 1, 2, ..."""
    n = len(edges)
    if not n:
        return np.zeros(0, dtype=np.int64)
    f = _obj([str(v) for v in edges["from"].tolist()])
    t = _obj([str(v) for v in edges["to"].tolist()])
    swap = f > t
    lo, hi = np.where(swap, t, f), np.where(swap, f, t)
    codes = [pd.factorize(pd.Series(_obj(c), dtype=object), sort=True)[0]
             for c in (edges["id"].to_numpy(dtype=object), edges["rel"].to_numpy(dtype=object), hi, lo)]
    order = np.lexsort(codes)
    key_lo, key_hi = codes[3][order], codes[2][order]
    start = np.r_[True, (key_lo[1:] != key_lo[:-1]) | (key_hi[1:] != key_hi[:-1])]
    run_start = np.maximum.accumulate(np.where(start, np.arange(n), 0))
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n) - run_start
    return rank


def _render_scene(ctx: _Ctx, scene: _Scene, *, kind: str) -> View:
    """Style, describe and lay out a scene into a View (kept in columns; see :class:`_Cols`)."""
    parts = [(t, _obj(ids)) for t, ids in scene.ids.items() if len(ids)]
    id_all = np.concatenate([v for _t, v in parts]) if parts else _obj([])
    type_all = np.concatenate([np.full(len(v), t, dtype=object) for t, v in parts]) if parts else _obj([])
    nodes = pd.DataFrame({"id": pd.Series(id_all, dtype=object), "type": pd.Series(type_all, dtype=object)})
    nm = np.array(ctx.all_names().reindex(_ix(id_all)).to_numpy(), dtype=object) if len(id_all) else _obj([])
    missing = pd.isna(nm)
    nm[missing] = id_all[missing]
    nodes["nm"] = pd.Series(nm, dtype=object)
    id_arr_all = id_all
    if scene.group_of_org is not None:
        g = scene.group_of_org.reindex(_ix(id_all))
        nodes["grp"] = _obj(g.where(g.notna(), _NO_GROUP).to_numpy())
        collabs = (nodes["type"] != "Organization").to_numpy()
        if collabs.any():  # other nodes go with the group holding most of their neighbours in the view
            e = scene.edges
            ef, et = e["from"].to_numpy(dtype=object), e["to"].to_numpy(dtype=object)
            best = _best_group(np.concatenate([ef, et]),
                               scene.group_of_org.reindex(_ix(np.concatenate([et, ef]))).to_numpy(dtype=object))
            nodes.loc[collabs, "grp"] = _obj(nodes.loc[collabs, "id"].map(best).fillna(_NO_GROUP).to_numpy())
    else:
        nodes["grp"] = _NO_GROUP
    nodes["grp"] = nodes["grp"].astype(object)
    edges = scene.edges.reset_index(drop=True)
    n = len(nodes)
    types = [t.name for t in ctx.model.node_types if t.name in scene.ids and len(scene.ids[t.name])]
    t_index = {t: i for i, t in enumerate(types)}
    type_arr = nodes["type"].to_numpy(dtype=object)

    # colours, shapes, borders ------------------------------------------------------------------
    color = np.full(n, _NONE_COLOR, dtype=object)
    shape = np.full(n, "dot", dtype=object)
    legend: list[dict[str, Any]] = []
    is_org = type_arr == "Organization"
    org_ids = _obj(nodes["id"].to_numpy(dtype=object)[is_org])
    if is_org.any():
        c, items, ltitle = _org_color(ctx, scene, org_ids)
        color[is_org] = c
        legend.append({"title": f"颜色：{ltitle} Colour", "items": items})
        cat = ctx.facts["category"].reindex(_ix(org_ids)).to_numpy(dtype=object)
        cl = ctx.model.codelists["category"]
        shape_of = {code: _CATEGORY_SHAPES[i] if i < len(_CATEGORY_SHAPES) else "dot" for i, code in enumerate(cl.codes)}
        shape_pos = pd.Index(_obj(list(shape_of)), dtype=object).get_indexer(_ix(cat))
        shape[is_org] = np.where(shape_pos >= 0, _obj([*shape_of.values(), "square"])[shape_pos], "square")
        items = [{"label": f"{cl.zh(code)} {cl.en(code)}", "shape": shape_of[code]} for code in cl.codes]
        items.append({"label": "未定级 unrated", "shape": "square"})
        legend.append({"title": f"形状：{_bi(cl.label)} Shape", "items": items})
    mechs = {code: (zh, en) for code, zh, en in mechanisms(ctx.model)}
    mech_pal = _codes_palette(list(mechs), _MECH_PALETTE)
    type_items = []
    for t in types:
        if t == "Organization":
            continue
        m = type_arr == t
        shape[m] = _TYPE_SHAPE.get(t, "dot")
        if t == "Collaboration":
            kinds = ctx.collab_kinds().reindex(_ix(nodes["id"].to_numpy(dtype=object)[m]))
            color[m] = np.array([mech_pal.get(k, _NONE_COLOR) for k in kinds], dtype=object)
            for k in sorted(set(kinds.dropna()), key=lambda k: list(mechs).index(k) if k in mechs else 99):
                zh, en = mechs.get(k, (k, k))
                type_items.append({"label": f"{_bi(ctx.model[t].label)}：{zh} {en}", "color": mech_pal.get(k, _NONE_COLOR),
                                   "shape": _TYPE_SHAPE.get(t, "dot")})
        else:
            color[m] = _TYPE_COLORS.get(t, _PALETTE[list(t_index).index(t) % len(_PALETTE)])
            type_items.append({"label": _bi(ctx.model[t].label), "color": color[m][0], "shape": _TYPE_SHAPE.get(t, "dot")})
    if type_items:
        legend.append({"title": "其他节点 Other nodes", "items": type_items})
    border = color.copy()
    border_w = np.full(n, 1.5)
    dashes = np.zeros(n, dtype=bool)
    mark = nodes["id"].map(scene.marks).to_numpy(dtype=object) if scene.marks else np.full(n, None, dtype=object)
    if is_org.any():
        lax = ctx.facts["weak_lax"].reindex(_ix(org_ids)).fillna(False).to_numpy(dtype=bool)
        org_pos = np.flatnonzero(is_org)
        no_mark = mark[org_pos] == None  # noqa: E711  (object array)
        mark[org_pos[lax & no_mark]] = "weak_lax"
    used_marks = []
    for key, (bc, bw, bd, zh, en) in _MARKS.items():
        m = mark == key
        if m.any():
            border[m] = bc
            border_w[m] = bw
            dashes[m] = bd
            used_marks.append({"label": f"{zh} {en}", "border": bc, "dashes": bd})
    if used_marks:
        legend.append({"title": "边框 Border", "items": used_marks})

    # sizes -----------------------------------------------------------------------------------
    idx = _ix(id_arr_all)
    deg = np.bincount(np.concatenate([idx.get_indexer(_ix(edges["from"].to_numpy(dtype=object))),
                                      idx.get_indexer(_ix(edges["to"].to_numpy(dtype=object)))]) + 1,
                      minlength=n + 1)[1:] if len(edges) else np.zeros(n)
    if ctx.size_by == "members":
        val = np.asarray(deg, dtype=np.float64)
        if is_org.any():
            val[is_org] = ctx.org_members().reindex(_ix(org_ids)).fillna(0).to_numpy()
        m = type_arr == "Collaboration"
        if m.any():
            cnt = ctx.collab_member_counts().reindex(_ix(nodes["id"].to_numpy(dtype=object)[m]))
            val[m] = cnt.fillna(0).to_numpy(dtype=np.float64)
            val[m] = val[m] / max(1.0, val[m].max()) * max(1.0, np.nanmax(val[is_org]) if is_org.any() else 1.0)
        size_title = "大小：党员数 / 成员数 Size: members"
    elif ctx.size_by == "degree":
        val = np.asarray(deg, dtype=np.float64)
        size_title = "大小：连接数 Size: number of links"
    else:
        raise GraphkitError(f"不支持的大小方式 size_by={ctx.size_by!r}；可选 choices: {', '.join(SIZE_BY)}")
    size = _scale_size(val)
    legend.append({"title": size_title, "items": []})

    # facts -------------------------------------------------------------------------------------
    fact_keys: list[list[str]] = []
    blocks: list[_Facts] = []
    id_arr = nodes["id"].to_numpy(dtype=object)
    for t in types:
        rows = np.flatnonzero(type_arr == t)
        ids_t = id_arr[rows]
        keys, cols = _node_facts(ctx, t, ids_t)
        extra = []
        for label, mapping in scene.extra_facts.values():
            vals = pd.Series(ids_t, dtype=object).map(mapping)
            if vals.notna().any():
                keys = keys + [label]
                extra.append(_str_or_none(vals).to_numpy(dtype=object))
        fact_keys.append(keys)
        blocks.append(_Facts(rows, cols + extra))

    # layout ---------------------------------------------------------------------------------------
    x, y = scene.layout(ctx, nodes, edges) if n else (np.zeros(0), np.zeros(0))
    x = np.round(np.asarray(x, dtype=np.float64), 1)
    y = np.round(np.asarray(y, dtype=np.float64), 1)

    labels = nodes["nm"].astype(str).to_numpy(dtype=object)
    if scene.labels:
        over = nodes["id"].map(scene.labels)
        labels = np.where(over.notna().to_numpy(), over.to_numpy(dtype=object), labels)
    grp = nodes["grp"].to_numpy(dtype=object)
    group_labels = _group_labels(scene, type_arr, grp, x, y) if n else []

    # edges --------------------------------------------------------------------------------------------
    group_key = _group_keys(edges, scene.edge_groups)
    groups, g_index = _link_groups(ctx, group_key, np.ones(len(group_key)), scene.edge_groups)
    # parallel links between the same two nodes: all kept, drawn as curves with growing bend
    k_par = _parallel_rank(edges)
    e_k, e_keys, e_blocks = _edge_facts(ctx, edges)
    e_g = np.array([g_index[k] for k in group_key.tolist()], dtype=np.int64)
    g_color = _obj([g["color"] for g in groups])
    g_width = np.array([g["width"] for g in groups], dtype=np.float64)
    g_dashes = np.array([g["dashes"] for g in groups], dtype=bool)
    width = g_width[e_g] if len(e_g) else np.zeros(0)
    if scene.edge_widths and len(edges):
        w_over = edges["id"].map(scene.edge_widths).to_numpy(dtype=np.float64)
        width = np.where(np.isnan(w_over), width, w_over)
    meta = {"types": types, "typeLabels": [_bi(ctx.model[t].label) for t in types], "nodeFactKeys": fact_keys,
            "edgeFactKeys": e_keys, "groups": groups, "legend": legend, "panels": scene.panels, "links": [],
            "asOf": str(ctx.ts.date()), "physicsToggle": n <= 600, "groupLabels": group_labels}
    page_cols = _Cols(heading=scene.title, options=_pyvis_options(_options(n, len(edges), ctx.seed)),
                 n_id=id_arr, n_label=_obj(labels), n_nm=nodes["nm"].to_numpy(dtype=object),
                 n_t=np.array([t_index[t] for t in type_arr.tolist()], dtype=np.int64), n_facts=blocks,
                 n_x=x, n_y=y, n_shape=shape, n_size=np.round(size, 1), n_color=color, n_border=border,
                 n_border_w=border_w, n_dashes=dashes, n_g=_none_where(grp, grp == _NO_GROUP),
                 e_id=edges["id"].to_numpy(dtype=object), e_from=edges["from"].to_numpy(dtype=object),
                 e_to=edges["to"].to_numpy(dtype=object), e_g=e_g, e_k=e_k, e_facts=e_blocks,
                 e_color=g_color[e_g] if len(e_g) else _obj([]), e_width=width,
                 e_dashes=g_dashes[e_g] if len(e_g) else np.zeros(0, dtype=bool),
                 e_par=np.asarray(k_par, dtype=np.int64))
    return View(kind=kind, title=scene.title, subtitle=scene.subtitle, network=None, meta=meta, cols=page_cols)


# ---- aggregation: towns or clusters as nodes, drill-down pages ----------------------------------------------

_OTHERS = "__others__"


def _group_order(g: Any) -> tuple[int, int, str]:
    """Display order of group ids: the no-town group first, clusters by number, towns by id."""
    text = str(g)
    m = re.match(r"cluster-(\d+)", text)
    if m:
        return (1, int(m.group(1)), text)
    return (0 if text.startswith(_NO_GROUP) else 1, 0, text)


def _split_groups(ctx: _Ctx, og: pd.Series, names: pd.Series, limit: int) -> tuple[pd.Series, pd.Series]:
    """Split groups of more than ``limit`` orgs by 隶属 root (then in name order) so pages fit.

    At province scale the county-level orgs of every county share the "no town" group; their
    隶属 roots (each county's committees) separate them again.
    """
    size = og.value_counts()
    big = size.index[size.to_numpy() > limit]
    if not len(big):
        return og, names
    sel_mask = _isin(og, big)
    ids = _obj(og.index[sel_mask])
    grp = og.to_numpy(dtype=object)[sel_mask]
    index = pd.Index(ids, dtype=object)
    par = index.get_indexer(ctx.facts["parent"].reindex(index).to_numpy(dtype=object))
    own = np.arange(len(ids))
    par = np.where((par >= 0) & (grp[np.where(par >= 0, par, 0)] == grp), par, own)
    for _ in range(64):  # pointer jumping: log2(depth) steps
        nxt = par[par]
        if np.array_equal(nxt, par):
            break
        par = nxt
    org_names = ctx.names("Organization")
    nm = pd.Series(ids, dtype=object).map(org_names).fillna("").astype(str).to_numpy(dtype=object)
    d = pd.DataFrame({"id": pd.Series(ids, dtype=object), "grp": pd.Series(grp, dtype=object),
                      "root": pd.Series(ids[par], dtype=object), "nm": pd.Series(nm, dtype=object)})
    d = d.sort_values(["grp", "root", "nm", "id"], kind="stable")
    d["chunk"] = d.groupby(["grp", "root"]).cumcount() // max(1, limit)
    d["sub"] = d["grp"].astype(str) + "#" + d["root"].astype(str) + "/" + d["chunk"].astype(str)
    root_name = d["root"].map(org_names).fillna("").astype(str)
    counts = d.groupby("sub")["id"].transform("size").astype(str)
    where = d["grp"].map(names).fillna("").astype(str)
    d["label"] = (np.where(d["grp"] == _NO_GROUP, "", where + "·") + root_name + " 等 " + counts + " 个"
                  + np.where(d["chunk"] > 0, "（" + (d["chunk"] + 1).astype(str) + "）", ""))
    out = og.copy()
    out.loc[d["id"].to_numpy(dtype=object)] = d["sub"].to_numpy(dtype=object)
    new_names = pd.concat([names.drop(labels=[g for g in big if g in names.index]),
                           d.drop_duplicates("sub").set_index("sub")["label"]])
    return out, new_names


def _aggregate(ctx: _Ctx, scene: _Scene, *, kind: str) -> View:
    """One node per group (town / cluster) with link counts between groups; pages for drill-down.

    Non-org nodes (collaborations, ...) count in the group holding most of their neighbours. If
    there are more groups than ``max_nodes``, the smallest are shown together as one "others"
    node (their drill-down pages still exist). Drill-down pages hold whole groups, packed in
    display order up to ``max_nodes`` nodes each.
    """
    assert scene.group_of_org is not None and scene.group_names is not None and scene.rebuild is not None
    orgs = _obj(scene.ids.get("Organization", _obj([])))
    org_index = pd.Index(orgs, dtype=object)
    og = scene.group_of_org.reindex(org_index)
    og = pd.Series(_obj(og.where(og.notna(), _NO_GROUP).to_numpy()), index=org_index, dtype=object)
    og, names_all = _split_groups(ctx, og, scene.group_names, max(1, int(ctx.max_nodes * 0.9)))
    e = scene.edges
    e_from = e["from"].to_numpy(dtype=object)
    e_to = e["to"].to_numpy(dtype=object)
    node_group = og
    others = (np.concatenate([_obj(v) for t, v in scene.ids.items() if t != "Organization"])
              if len(scene.ids) > 1 else _obj([]))
    if len(others):
        n_end = np.concatenate([e_from, e_to])
        o_end = np.concatenate([e_to, e_from])
        sel = _isin(n_end, others)
        a = pd.DataFrame({"n": pd.Series(n_end[sel], dtype=object),
                          "g": pd.Series(_obj(og.reindex(o_end[sel]).to_numpy()), dtype=object)})
        a = a.dropna(subset=["g"])
        best = (a.groupby(["n", "g"]).size().rename("k").reset_index()
                .sort_values(["n", "k", "g"], ascending=[True, False, True]).drop_duplicates("n").set_index("n")["g"])
        node_group = pd.concat([og, pd.Series(_obj(best.reindex(others).fillna(_NO_GROUP).to_numpy()),
                                              index=pd.Index(others, dtype=object), dtype=object)])
    f = ctx.facts.reindex(org_index)
    cl = ctx.model.codelists["category"]
    og_arr = og.to_numpy(dtype=object)
    g_code, g_uniq = pd.factorize(pd.Series(og_arr, dtype=object), sort=True)
    cat_cols = [*cl.codes, "none"]
    cat_code = pd.Index(_obj(cat_cols), dtype=object).get_indexer(f["category"].fillna("none").to_numpy(dtype=object))
    lax = f["weak_lax"].fillna(False).to_numpy(dtype=bool)
    weak = f["weak"].fillna(False).to_numpy(dtype=bool)
    n_g = len(g_uniq)
    counts = pd.DataFrame({"orgs": np.bincount(g_code, minlength=n_g),
                           "lax": np.bincount(g_code, weights=lax, minlength=n_g).astype(np.int64),
                           "weak": np.bincount(g_code, weights=weak, minlength=n_g).astype(np.int64)},
                          index=pd.Index(_obj(g_uniq), dtype=object))
    known = cat_code >= 0  # categories outside the code list are not counted per category (as unstack+reindex)
    per_cat = np.zeros((n_g, len(cat_cols)), dtype=np.int64)
    np.add.at(per_cat, (g_code[known], cat_code[known]), 1)
    per_cat = pd.DataFrame(per_cat, index=counts.index, columns=cat_cols)
    nodes_in = node_group.value_counts()
    names_all_d = {g: str(nm) for g, nm in zip(names_all.index.tolist(), names_all.tolist())}
    if scene.group_word[1] == "cluster":
        gids = sorted(counts.index, key=_group_order)
    else:
        gids = sorted(counts.index, key=lambda g: (not str(g).startswith(_NO_GROUP), natural_key(names_all_d.get(g, str(g))),
                                                   str(g)))
    # drill-down pages: whole groups, packed in display order up to max_nodes nodes each
    pages: list[list[str]] = []
    load = 0
    capacity = max(1, int(ctx.max_nodes * 0.9))  # room for collaborations shared with other pages
    nodes_in_d = nodes_in.to_dict()
    for g in gids:  # one step per group
        k = int(nodes_in_d.get(g, 0))
        if pages and load + k <= capacity and not scene.one_group_per_page:
            pages[-1].append(g)
            load += k
        else:
            pages.append([g])
            load = k
    page_of = {g: f"{i + 1:03d}.html" for i, gs in enumerate(pages) for g in gs}
    # groups shown as nodes: all, or the largest ones plus one node for the rest
    position = {g: i for i, g in enumerate(gids)}
    org_count = counts["orgs"].to_dict()
    if len(gids) > ctx.max_nodes:
        keep = set(sorted(gids, key=lambda g: (-org_count[g], position[g]))[: ctx.max_nodes - 1])
        shown = [g for g in gids if g in keep]
        rest = [g for g in gids if g not in keep]
    else:
        shown, rest = list(gids), []
    word_zh, word_en = scene.group_word
    show_of = pd.Series({g: g for g in shown} | {g: _OTHERS for g in rest}, dtype=object)
    show_of.index = pd.Index(_obj(show_of.index), dtype=object)
    names = {g: names_all_d.get(g, str(g)) for g in shown}
    if rest:
        names[_OTHERS] = f"其余 {len(rest)} 个较小的{word_zh} other smaller {word_en}s"
    # per shown node: counts and facts
    sc = counts.join(per_cat).assign(show=show_of.reindex(counts.index).to_numpy(dtype=object)).groupby("show").sum()
    show_node = node_group.map(show_of)
    eg = pd.DataFrame({"a": pd.Series(_obj(show_node.reindex(e_from).to_numpy()), dtype=object),
                       "b": pd.Series(_obj(show_node.reindex(e_to).to_numpy()), dtype=object),
                       "key": pd.Series(_group_keys(e, scene.edge_groups), dtype=object)}).dropna(subset=["a", "b"])
    same = (eg["a"] == eg["b"]).to_numpy()
    inner = eg[same].groupby("a").size()
    cross = eg[~same]
    ca, cb = cross["a"].to_numpy(dtype=object), cross["b"].to_numpy(dtype=object)
    swap = ca > cb
    agg = pd.DataFrame({"lo": pd.Series(np.where(swap, cb, ca), dtype=object),
                        "hi": pd.Series(np.where(swap, ca, cb), dtype=object),
                        "key": pd.Series(cross["key"].to_numpy(dtype=object), dtype=object)})
    agg = agg.groupby(["lo", "hi", "key"]).size().rename("n").reset_index().sort_values(["lo", "hi", "key"])
    agg = agg.reset_index(drop=True)
    order = [*shown, *([_OTHERS] if rest else [])]
    shown_count = sc["orgs"].to_dict()
    ranked = sorted(order, key=lambda g: (-int(shown_count[g]), position.get(g, len(position))))  # biggest in the centre
    x, y = lay.sunflower(len(ranked), spacing=190.0)
    pos = {g: (float(round(xx, 1)), float(round(yy, 1))) for g, xx, yy in zip(ranked, x, y)}  # numpy rounding
    scr = sc.reindex(order)
    size = dict(zip(order, _scale_size(scr["orgs"].to_numpy(dtype=np.float64), lo=12, hi=48).tolist()))
    keys = ["名称 Name", "党组织 Orgs", *[f"{cl.zh(c)} {cl.en(c)}" for c in cl.codes], "未定级 Unrated",
            "后进（三类/软弱涣散）Weak", "软弱涣散 Weak and lax", "组内联系 Links inside", "下钻页面 Drill-down page"]
    flagged = None
    if "flags" in scene.extra_facts:
        keys.append("有结对问题的党组织 Orgs with pairing gaps")
        flag_map = scene.extra_facts["flags"][1]
        fl = _obj(flag_map.index if isinstance(flag_map, pd.Series) else list(flag_map))
        flagged = pd.Series(_obj(og.reindex(fl).map(show_of).to_numpy()), dtype=object).value_counts().to_dict()
    dominant, colour_items, colour_title = _dominant_colors(ctx, scene, orgs, og.map(show_of))
    as_text = {c: [str(int(v)) for v in scr[c].to_numpy(dtype=np.int64).tolist()]
               for c in ["orgs", *cl.codes, "none", "weak", "lax"]}
    inner_d = inner.to_dict()
    node_dicts = []
    for i, g in enumerate(order):  # one per shown group (at most max_nodes)
        vals = [names[g], as_text["orgs"][i], *[as_text[c][i] for c in cl.codes], as_text["none"][i],
                as_text["weak"][i], as_text["lax"][i], str(int(inner_d.get(g, 0))),
                page_of[g] if g != _OTHERS else f"{len(rest)} 个{word_zh}分布在各下钻页面 / spread over the pages"]
        if flagged is not None:
            vals.append(str(int(flagged.get(g, 0))))
        col = dominant.get(g, _NONE_COLOR)
        d = {"id": g, "label": f"{names[g]}\n{as_text['orgs'][i]}", "nm": names[g], "t": 0, "f": vals,
             "x": pos[g][0], "y": pos[g][1], "shape": "dot" if g != _OTHERS else "square", "size": round(size[g], 1),
             "color": {"background": col, "border": "#333333", "highlight": {"background": col, "border": "#000000"},
                       "hover": {"background": col, "border": "#000000"}}, "borderWidth": 1.5}
        if g != _OTHERS:
            d["page"] = page_of[g]
        node_dicts.append(d)
    groups, g_index = _link_groups(ctx, agg["key"].to_numpy(dtype=object), agg["n"].to_numpy(), scene.edge_groups)
    for gr in groups:
        gr["width"] = 1.0
    k_par = agg.groupby(["lo", "hi"]).cumcount().to_numpy().tolist()
    n_arr = agg["n"].to_numpy()
    widths = [float(w) for w in np.round(1 + 1.5 * np.log2(n_arr), 2).tolist()] if len(n_arr) else []
    edge_dicts = []
    for lo, hi, key, n, w, kp in zip(agg["lo"].tolist(), agg["hi"].tolist(), agg["key"].tolist(), n_arr.tolist(),
                                     widths, k_par):  # group pairs
        gr = groups[g_index[key]]
        d = {"id": f"agg|{key}|{lo}|{hi}", "from": lo, "to": hi, "g": g_index[key], "k": 0,
             "f": [gr["label"], names[lo], names[hi], str(int(n))],
             "color": {"color": gr["color"], "highlight": "#000000", "hover": "#333333"},
             "width": w, "dashes": gr["dashes"], "arrows": {"to": {"enabled": False}}}
        if kp:
            d["smooth"] = {"enabled": True, "type": "curvedCW" if kp % 2 else "curvedCCW",
                           "roundness": 0.15 * ((int(kp) + 1) // 2)}
        edge_dicts.append(d)
    legend = [{"title": f"颜色：多数党组织的{colour_title} Colour: most common value", "items": colour_items},
              {"title": f"节点：{word_zh} {word_en}（大小 = 党组织数 size = orgs）", "items": []},
              {"title": "双击节点打开下钻页面 / double-click a node to open its drill-down page", "items": []}]
    if len(gids) <= 300:
        links = [{"label": names_all_d.get(g, str(g)), "page": page_of[g], "anchor": g,
                  "count": int(org_count[g])} for g in gids]
    else:
        links = [{"label": f"第 {i + 1} 页 page {i + 1}：{names_all_d.get(gs[0], gs[0])} … "
                           f"{names_all_d.get(gs[-1], gs[-1])}（{len(gs)} 个{word_zh}）", "page": f"{i + 1:03d}.html",
                  "count": int(sum(org_count[g] for g in gs))} for i, gs in enumerate(pages)]
    title = scene.title + f"（按{word_zh}汇总 / by {word_en}）"
    sub = (f"{word_zh} {len(gids)} 个 {word_en}s · 党组织 {len(orgs)} 个 orgs · 共 {scene.n_nodes} 个节点，超过上限 "
           f"{ctx.max_nodes}，已汇总 aggregated above max_nodes · 截至 as of {ctx.ts.date()}")
    meta = {"types": [word_en], "typeLabels": [f"{word_zh} {word_en}"], "nodeFactKeys": [keys],
            "edgeFactKeys": [["关系 Link", "起点 From", "终点 To", "联系数 Links"]], "groups": groups, "legend": legend,
            "panels": scene.panels, "links": links, "asOf": str(ctx.ts.date()), "physicsToggle": False}
    net = _network(title, node_dicts, edge_dicts, _options(len(node_dicts), len(edge_dicts), ctx.seed))
    rebuild = scene.rebuild
    page_names = {g: names_all_d.get(g, str(g)) for g in gids}

    og_codes, og_uniq = pd.factorize(pd.Series(og.to_numpy(dtype=object), dtype=object))
    og_sorted = np.argsort(og_codes, kind="stable")
    og_bounds = np.r_[0, np.cumsum(np.bincount(og_codes, minlength=len(og_uniq)))]
    og_ids = og.index.to_numpy(dtype=object)
    og_pos = {g: i for i, g in enumerate(_obj(og_uniq).tolist())}

    def orgs_of(gs: list[str]) -> np.ndarray:
        """The orgs of some groups (as ``og.index[_isin(og, gs)]``, in any order)."""
        parts = [og_ids[og_sorted[og_bounds[og_pos[g]]:og_bounds[og_pos[g] + 1]]] for g in gs if g in og_pos]
        return np.concatenate(parts) if parts else _obj([])

    def page_builder(gs: list[str], number: int) -> Callable[[], View]:
        def build() -> View:
            sub = rebuild(orgs_of(gs))
            sub.group_of_org = og  # node "g" = the overview's group ids (drill-down anchors)
            v = _render_scene(ctx, sub, kind=kind)
            listed = "、".join(page_names[g] for g in gs[:3]) + (f" 等 {len(gs)} 个{word_zh}" if len(gs) > 3 else "")
            v.title = f"{scene.title.split(' / ')[0]} · 下钻 drill-down {number}/{len(pages)}：{listed}"
            v._set_heading(v.title)
            return v
        return build

    # pages take their row-wise facts from one computation over the whole scene
    ctx.prefetch = {**{t: _obj(v) for t, v in scene.ids.items() if len(v)}, "__edges__": scene.edges}
    view_pages = [_Page(filename=f"{i + 1:03d}.html", label="、".join(page_names[g] for g in gs),
                        build=page_builder(gs, i + 1)) for i, gs in enumerate(pages)]
    return View(kind=kind, title=title, subtitle=sub, network=net, meta=meta, aggregated=True, pages=view_pages)


def _dominant_colors(ctx: _Ctx, scene: _Scene, orgs: np.ndarray,
                     group: pd.Series) -> tuple[dict[str, str], list[dict[str, Any]], str]:
    """Most common org colour per group (ties: the smallest colour code), the legend entries in use, the title."""
    colors, items, title = _org_color(ctx, scene, orgs)
    g_code, g_uniq = pd.factorize(pd.Series(group.to_numpy(dtype=object), dtype=object), sort=True)
    c_code, c_uniq = pd.factorize(pd.Series(_obj(colors), dtype=object), sort=True)
    ok = (g_code >= 0) & (c_code >= 0)
    table = np.zeros((len(g_uniq), len(c_uniq)), dtype=np.int64)
    np.add.at(table, (g_code[ok], c_code[ok]), 1)
    seen = table.sum(axis=1) > 0
    top = _obj(c_uniq)[table.argmax(axis=1)] if len(c_uniq) else _obj([None] * len(g_uniq))
    dominant = {g: c for g, c, s in zip(_obj(g_uniq).tolist(), top.tolist(), seen.tolist()) if s}
    used = set(dominant.values())
    return dominant, [i for i in items if i.get("color") in used], title


# ---- public API -------------------------------------------------------------------------------------------

def view(graph: Graph, *, kind: str = "county", name: str | None = None, as_of: Any = None, seed: int = 0,
         max_nodes: int | None = None, color_by: str | None = None, size_by: str = "degree",
         max_per_strong: int | None = None, radius: int = 1) -> View:
    """Build an interactive network view of a graph.

    Parameters
    ----------
    graph
        The graph (``build_graph`` / ``read_graph``).
    kind
        ``"county"`` (``name`` = optional town), ``"district"`` (``name`` = a 片区 or any
        collaboration), ``"chain"`` (``name`` = a chain or alliance), ``"pairing"`` (``name`` =
        optional town), ``"org"`` (``name`` = an org) or ``"cluster"`` (``name`` = optional
        cluster number).
    name
        What to show (see ``kind``): exact name, or a part of it that matches only one record.
    as_of
        Date of the links and categories (default: the graph's latest recorded event).
    seed
        Seed of the cluster detection and of every layout with randomness (same seed, same file).
    max_nodes
        Above this many nodes the view aggregates towns (clusters) into single nodes and
        :meth:`View.write` writes drill-down pages of at most this many nodes (default
        ``graphkit.config.view_max_nodes``, 3000).
    color_by
        Org colour: ``"sector"``, ``"mechanism"``, ``"category"``, ``"town"`` or ``"cluster"``.
        Default: ``"cluster"`` for the cluster view, ``"sector"`` otherwise.
    size_by
        Node size: ``"degree"`` (links in the view) or ``"members"`` (党员数 / group members).
    max_per_strong
        Pairing view: a strong org with more active pairs than this is marked overloaded (default
        ``graphkit.config.max_per_strong``, 2).
    radius
        Org view: how many links away to go (collaborations do not count as a step).

    Returns
    -------
    View
        Use ``.write(path)``, ``.html``, or display it in a notebook.

    Raises
    ------
    GraphkitError
        Unknown kind, colour or size option, or a name that matches nothing (the message lists
        choices) or several records.

    Examples
    --------
    >>> import graphkit as gk
    >>> g = gk.build_graph(gk.sample_path())
    >>> v = view(g, kind="chain", name="蚕桑")
    >>> v.title.startswith("蚕桑")
    True
    >>> view(g, kind="county", max_nodes=100).aggregated
    True
    """
    if kind not in _SCENES:
        raise GraphkitError(f"未知的视图类型 {kind!r} / unknown view kind; 可选 choices: {', '.join(KINDS)}")
    if color_by is not None and color_by not in COLOR_BY:
        raise GraphkitError(f"不支持的着色方式 color_by={color_by!r}；可选 choices: {', '.join(COLOR_BY)}")
    if size_by not in SIZE_BY:
        raise GraphkitError(f"不支持的大小方式 size_by={size_by!r}；可选 choices: {', '.join(SIZE_BY)}")
    from ..core.settings import config
    max_nodes = config.view_max_nodes if max_nodes is None else max_nodes
    max_per_strong = config.max_per_strong if max_per_strong is None else max_per_strong
    if max_nodes < 1:
        raise GraphkitError(f"max_nodes 应为正整数 / must be a positive integer, got {max_nodes}")
    if color_by == "cluster" and kind != "cluster":
        raise GraphkitError("按集群着色只用于集群视图 / color_by='cluster' is for kind='cluster'")
    ctx = _Ctx(graph, as_of=as_of, seed=seed, max_nodes=max_nodes, color_by=color_by, size_by=size_by,
               max_per_strong=max_per_strong, radius=radius)
    scene = _SCENES[kind](ctx, name)
    if scene.n_nodes > max_nodes:
        if scene.group_of_org is None:
            grp, gnames = _town_groups(ctx, _obj(scene.ids.get("Organization", _obj([]))))
            scene.group_of_org, scene.group_names = grp, gnames
        return _aggregate(ctx, scene, kind=kind)
    return _render_scene(ctx, scene, kind=kind)


def write_view(graph: Graph, path: str | Path, *, kind: str = "county", name: str | None = None, as_of: Any = None,
               seed: int = 0, max_nodes: int | None = None, color_by: str | None = None,
               size_by: str = "degree", max_per_strong: int | None = None, radius: int = 1,
               drilldown: bool = True) -> Path:
    """Build a view (see :func:`view`) and write it to ``path`` (one self-contained UTF-8 HTML file).

    Returns
    -------
    Path
        The file written; an aggregated view also writes ``<stem>_parts/`` beside it.

    Examples
    --------
    >>> import tempfile, graphkit as gk
    >>> g = gk.build_graph(gk.sample_path())
    >>> p = write_view(g, tempfile.mkdtemp() + "/pairing.html", kind="pairing")
    >>> p.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    True
    """
    v = view(graph, kind=kind, name=name, as_of=as_of, seed=seed, max_nodes=max_nodes, color_by=color_by,
             size_by=size_by, max_per_strong=max_per_strong, radius=radius)
    return v.write(path, drilldown=drilldown)


def province_view(graph: Graph, *, as_of: Any = None, seed: int = 0, max_nodes: int | None = None,
                  color_by: str | None = None, size_by: str = "degree") -> View:
    """The province overview: one node per county (and city/province level), links between
    counties counted on the edges, and a drill-down page per county.

    Parameters
    ----------
    graph
        A graph read from a province output folder (``graphkit build PROVINCE_DIR``).
    as_of, seed, max_nodes, color_by, size_by
        As for :func:`view` (``max_nodes`` bounds each drill-down page; a county larger than
        that is split by 隶属 root over several pages).

    Returns
    -------
    View
        An aggregated view; ``.write(path)`` writes the overview and ``<stem>_parts/``.

    Raises
    ------
    GraphkitError
        The graph is not a province graph.
    """
    from ..store.province import record_counties
    from ..core.settings import config

    owners = record_counties(graph, "Organization")
    if owners.empty:
        raise GraphkitError("省级总览只用于省级图谱（graphkit build 省级目录）/ the province overview needs a graph built "
                            "from a province folder")
    if color_by is not None and color_by not in COLOR_BY:
        raise GraphkitError(f"不支持的着色方式 color_by={color_by!r}；可选 choices: {', '.join(COLOR_BY)}")
    max_nodes = config.view_max_nodes if max_nodes is None else max_nodes
    ctx = _Ctx(graph, as_of=as_of, seed=seed, max_nodes=max_nodes, color_by=color_by, size_by=size_by,
               max_per_strong=config.max_per_strong, radius=1)
    scene = _scene_county(ctx, None)
    orgs = _obj(scene.ids.get("Organization", _obj([])))
    county = pd.Series(_obj(owners["county"].to_numpy(dtype=object)), index=pd.Index(_obj(owners["id"]), dtype=object))
    grp = county.reindex(pd.Index(orgs, dtype=object))
    grp = pd.Series(_obj(grp.where(grp.notna(), _NO_GROUP).to_numpy()), index=pd.Index(orgs, dtype=object), dtype=object)
    scene.group_of_org = grp
    scene.group_names = pd.Series({g: ("未归属 unassigned" if g == _NO_GROUP else str(g)) for g in sorted(set(grp))},
                                  dtype=object)
    scene.group_word = ("县", "county")
    scene.one_group_per_page = True
    scene.title = f"{graph.settings.get('county') or '全省'}各县联建总览 / the province's counties"
    return _aggregate(ctx, scene, kind="county")
