"""A written page: its columns, the HTML-safe JSON, the vendored vis-network and the View object."""
from __future__ import annotations

import base64
import hashlib
import html as _html
import json
import math
import re
from collections.abc import Callable
from dataclasses import KW_ONLY, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

import numpy as np

from ..core.errors import GraphkitError

_STATIC = Path(__file__).resolve().parent.parent / "static"
_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"

FONT_STACK = ('"Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", '
              '"WenQuanYi Micro Hei", "Heiti SC", SimHei, "Noto Sans", Arial, sans-serif')


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
    """A page's nodes and edges as columns: the one representation of a built page.

    Every page (a scene's, an overview's, a drill-down page) is made of these. :meth:`node_dicts`
    and :meth:`edge_dicts` give the vis-network dicts the page's JSON is encoded from
    (:meth:`View._data`); the pyvis ``Network`` of :attr:`View.network` is derived from the same
    dicts on demand (:meth:`network`).
    """

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
    n_page: np.ndarray | None = None  # drill-down page of each node (overviews) or None
    bend: float = 0.18                # roundness added per parallel link
    arrows: bool = True               # False: edges drawn without arrow heads (overviews)

    @property
    def n_nodes(self) -> int:
        return len(self.n_id)

    @property
    def n_edges(self) -> int:
        return len(self.e_id)

    def node_dicts(self) -> list[dict[str, Any]]:
        """The vis-network node dicts (graphkit keys: ``nm``, ``t``, ``f``, ``g``, ``page``)."""
        facts = _facts_by_row(self.n_facts, self.n_nodes)
        pages = [None] * self.n_nodes if self.n_page is None else self.n_page.tolist()
        out = []
        for nid, lab, nm, ti, fa, xi, yi, sh, sz, co, bo, bw, da, gi, pg in zip(  # page-sized (<= max_nodes)
                self.n_id.tolist(), self.n_label.tolist(), self.n_nm.tolist(), self.n_t.tolist(), facts,
                self.n_x.tolist(), self.n_y.tolist(), self.n_shape.tolist(), self.n_size.tolist(),
                self.n_color.tolist(), self.n_border.tolist(), self.n_border_w.tolist(), self.n_dashes.tolist(),
                self.n_g.tolist(), pages):
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
            if pg is not None:
                d["page"] = pg
            out.append(d)
        return out

    def edge_dicts(self) -> list[dict[str, Any]]:
        """The vis-network edge dicts (graphkit keys: ``g`` link group, ``k`` fact keys, ``f`` facts)."""
        facts = _facts_by_row(self.e_facts, self.n_edges)
        out = []
        for eid, a, b, gi, ki, fa, co, w, da, kp in zip(  # page-sized
                self.e_id.tolist(), self.e_from.tolist(), self.e_to.tolist(), self.e_g.tolist(), self.e_k.tolist(),
                facts, self.e_color.tolist(), self.e_width.tolist(), self.e_dashes.tolist(), self.e_par.tolist()):
            d = {"id": eid, "from": a, "to": b, "g": gi, "k": ki, "f": fa,
                 "color": {"color": co, "highlight": "#000000", "hover": "#333333"}, "width": w, "dashes": da}
            if not self.arrows:
                d["arrows"] = {"to": {"enabled": False}}
            if kp:
                d["smooth"] = {"enabled": True, "type": "curvedCW" if kp % 2 else "curvedCCW",
                               "roundness": self.bend * ((int(kp) + 1) // 2)}
            out.append(d)
        return out

    def network(self, heading: str) -> Any:
        """A pyvis ``Network`` holding :meth:`node_dicts`, :meth:`edge_dicts` and a copy of the options."""
        return _network(heading, self.node_dicts(), self.edge_dicts(), self.options)


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


@dataclass(eq=False, repr=False)
class View:
    """An interactive network view: the page's nodes and edges, legend, search and toggles.

    Attributes
    ----------
    kind
        One of :data:`KINDS` (aggregated views keep their kind; see ``aggregated``).
    title, subtitle
        Page heading (Chinese, with English beside).
    meta
        Everything else the page shows: types, fact keys, link-type groups, legend, panels,
        drill-down links.
    aggregated
        True when nodes stand for towns or clusters (the page links to drill-down pages).
    pages
        Drill-down pages written beside the file by :meth:`write`.

    The page's nodes and edges are kept in one form, columns, from which the page is written;
    :attr:`nodes`, :attr:`edges` and :attr:`network` (a pyvis ``Network``) are derived from them
    when asked for.

    Examples
    --------
    >>> from graphkit.analyses.toolkit import example_graph
    >>> from graphkit.views.view import view
    >>> v = view(example_graph(), kind="pairing", as_of="2024-06-30")
    >>> v.counts
    {'nodes': 7, 'edges': 3}
    >>> v._repr_html_().startswith("<iframe")
    True
    """

    kind: str
    title: str
    subtitle: str
    _cols: _Cols
    meta: dict[str, Any]
    _: KW_ONLY
    aggregated: bool = False
    pages: list[_Page] = field(default_factory=list)
    parts_dir: str = "view_parts"
    back: str | None = None
    #: the digest shared by an overview and its drill-down pages when written (see ``write``)
    run: str | None = field(default=None, init=False)

    @property
    def network(self) -> Any:
        """A pyvis :class:`~pyvis.network.Network` of the page, derived from its columns on each use.

        It holds the node and edge dicts (vis-network format plus graphkit keys: ``nm`` name,
        ``t`` type index, ``f`` facts, ``g`` group, ``page`` drill-down page) and the vis
        options, for inspection or for pyvis's own tools; it is a copy, so editing it does not
        change the page.
        """
        return self._cols.network(self.title)

    @property
    def nodes(self) -> list[dict[str, Any]]:
        """The node dicts (vis-network format), made from the columns."""
        return self._cols.node_dicts()

    @property
    def edges(self) -> list[dict[str, Any]]:
        """The edge dicts (vis-network format), made from the columns."""
        return self._cols.edge_dicts()

    @property
    def counts(self) -> dict[str, int]:
        """Number of nodes and edges in the page's data set."""
        return {"nodes": self._cols.n_nodes, "edges": self._cols.n_edges}

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
        nodes = self._cols.node_dicts()
        for n in nodes:
            if "page" in n:
                n["href"] = f"{quote(self.parts_dir)}/{quote(n.pop('page'))}#" + quote(str(n["id"]), safe="")
        return {**self._head(), "nodes": nodes, "edges": self._cols.edge_dicts(), "options": _plain(self._cols.options)}

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


def _plain(options: dict[str, Any]) -> dict[str, Any]:
    """A deep copy of the options as plain JSON values.

    Not through pyvis's ``set_options``: it strips every space from the JSON text, which turns the
    font names (``Noto Sans CJK SC``) into names no system has.
    """
    return json.loads(json.dumps(options))


def _network(title: str, nodes: list[dict[str, Any]], edges: list[dict[str, Any]], options: dict[str, Any]) -> Any:
    """A pyvis Network holding the lists as they are (pyvis's add_edge checks every edge per insertion)."""
    from pyvis.network import Network

    net = Network(height="100%", width="100%", directed=True, heading=title, cdn_resources="local")
    net.nodes = nodes
    net.edges = edges
    net.node_ids = [n["id"] for n in nodes]
    net.node_map = {n["id"]: n for n in nodes}
    net.options = _plain(options)
    return net
