"""Files for Neo4j Browser that come with the import folder and the cypher-shell script.

* ``graphkit.grass`` — a GraSS style sheet (drag it onto Browser, or ``:style`` and paste): one
  colour per node label, nodes captioned by their Chinese name (``{name}``, ``{title}`` for
  activities), relationships captioned with their Chinese name (结对共建, 联建成员关系 …).
* ``guide.html`` — the query pack as a Browser guide: one slide per query with its title,
  description, ``:param`` lines for the defaults that are plain values and the runnable Neo4j
  text (serve the folder and run ``:play http://HOST/guide.html``; Browser only plays guides
  from a URL listed in ``browser.remote_content_hostname_allowlist``).
* ``favorites/<name>.cypher`` — the same queries as files for Browser's favourites drawer
  ("Import" accepts .cypher files); the first line, ``// 标题 / title``, becomes the favourite's name.

Everything comes from the schema declaration (labels, relationship types, their Chinese names) and
the query pack in ``schema/queries``; nothing is fetched when the guide opens.

Examples
--------
>>> import tempfile, pathlib
>>> from graphkit.core.schema import load_schema
>>> d = write_browser_files(pathlib.Path(tempfile.mkdtemp()), load_schema())
>>> sorted(p.name for p in d.iterdir())
['README.md', 'favorites', 'graphkit.grass', 'guide.html']
"""
from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

from ._graph_shape import graph_shape
from ..core.schema import Model

__all__ = ["grass", "guide_html", "favorite_files", "write_browser_files", "BROWSER_DIR"]

#: The folder the Browser files go to, inside an import folder (or beside a script: ``<stem>-browser``).
BROWSER_DIR = "browser"

_COLORS = ["#4E79A7", "#F28E2B", "#59A14F", "#E15759", "#76B7B2", "#EDC948", "#B07AA1", "#FF9DA7", "#9C755F",
           "#17BECF", "#BCBD22", "#8C564B"]
_FIXED = {"Organization": "#C0392B", "Collaboration": "#F28E2B", "Person": "#EDC948", "Place": "#90A4AE",
          "IndustryChain": "#8D6E63", "ChainStage": "#BCAAA4", "Activity": "#76B7B2", "Unit": "#59A14F",
          "Rating": "#B0BEC5"}


def _darker(color: str) -> str:
    r, g, b = (int(color[i:i + 2], 16) for i in (1, 3, 5))
    return "#{:02X}{:02X}{:02X}".format(*(int(c * 0.7) for c in (r, g, b)))


def _quote(text: str) -> str:
    """A GraSS string literal (double quotes; a quote or backslash in a Chinese name escaped)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def grass(model: Model) -> str:
    """The GraSS style sheet for the graph's labels and relationship types.

    >>> from graphkit.core.schema import load_schema
    >>> g = grass(load_schema())
    >>> "node.Organization {" in g and 'caption: "{name}";' in g and 'caption: "结对共建";' in g
    True
    """
    shape = graph_shape(model)
    lines = ["node {", "  diameter: 50px;", "  color: #A5ABB6;", "  border-color: #9AA1AC;", "  border-width: 2px;",
             "  text-color-internal: #FFFFFF;", "  font-size: 10px;", "}", "",
             "relationship {", "  color: #A5ABB6;", "  shaft-width: 1px;", "  font-size: 8px;", "  padding: 3px;",
             "  text-color-external: #000000;", "  text-color-internal: #FFFFFF;", '  caption: "<type>";', "}", ""]
    for i, ns in enumerate(shape.nodes):
        color = _FIXED.get(ns.type, _COLORS[i % len(_COLORS)])
        props = model[ns.type].properties
        caption = "{name}" if "name" in props else "{title}" if "title" in props else "{id}"
        size = {"Organization": 55, "Collaboration": 70, "IndustryChain": 70, "Rating": 30, "Activity": 40}.get(ns.type, 50)
        lines += [f"node.{ns.label} {{", f"  color: {color};", f"  border-color: {_darker(color)};",
                  "  text-color-internal: #FFFFFF;", f"  diameter: {size}px;", f"  caption: {_quote(caption)};", "}", ""]
    seen: set[str] = set()
    for r in model.relationships:
        rel = r.rel
        if rel in seen:
            continue
        seen.add(rel)
        name = model.relationship_label(r)["zh"]
        width = "3px" if rel == "PAIRED_WITH" else "1px"
        color = "#C0392B" if rel == "PAIRED_WITH" else "#4E79A7" if rel == "MEMBER_OF" else "#A5ABB6"
        lines += [f"relationship.{rel} {{", f"  color: {color};", f"  shaft-width: {width};",
                  f"  caption: {_quote(name)};", "}", ""]
    return "\n".join(lines)


def _param_lines(query: Any) -> list[str]:
    from ._graph_shape import cypher_literal

    out = []
    for p in query.params.values():
        d = p.default
        if d.startswith("'") or d.lstrip("-").isdigit() or d in ("true", "false"):
            out.append(f":param {p.name} => {cypher_literal(p.parse(d))}")
        else:
            out.append(f"// :param {p.name} => …  ({p.type}；默认 default: {d}；`graphkit query OUT --name {query.name} "
                       f"--show` 可算出 computes it)")
    return out


def favorite_files(folder: str | None = None) -> dict[str, str]:
    """The query pack as favourites: file name → text (title line, ``:param`` lines, the Neo4j text).

    >>> f = favorite_files()
    >>> f["unpaired_weak.cypher"].splitlines()[0].startswith("// ")
    True
    """
    from .queries import load_pack

    out = {}
    for name, q in sorted(load_pack(folder).items()):
        desc = [f"// {line}".rstrip() for line in q.description.splitlines() if line.strip()]
        body = [f"// {q.title}", *desc, *_param_lines(q), q.text_for("neo4j").strip() + ";"]
        out[f"{name}.cypher"] = "\n".join(body) + "\n"
    return out


def guide_html(model: Model, *, county: str = "", folder: str | None = None) -> str:
    """The query pack as a Neo4j Browser guide (``:play`` it from a URL): one slide per query.

    >>> from graphkit.core.schema import load_schema
    >>> h = guide_html(load_schema(), county="示例县")
    >>> h.count('<slide class="row-fluid">') > 5, 'class="pre-scrollable code runnable"' in h
    (True, True)
    """
    from .queries import load_pack

    e = html.escape
    pack = load_pack(folder)
    slides = [
        '<slide class="row-fluid"><div class="col-sm-12">'
        f"<h3>{e(county)}党组织联建图谱 · 查询包 / query pack</h3>"
        "<p>每页一个查询：先运行 <code>:param</code> 行设置参数，再运行查询。"
        " One query per slide: run the <code>:param</code> lines, then the query.</p>"
        f"<p>样式 style: 把同一文件夹中的 <code>graphkit.grass</code> 拖到 Browser 窗口 / drag graphkit.grass onto Browser.</p>"
        "<ul>" + "".join(f"<li>{e(q.title)}</li>" for _, q in sorted(pack.items())) + "</ul></div></slide>"]
    for name, q in sorted(pack.items()):
        params = "\n".join(_param_lines(q))
        slides.append(
            '<slide class="row-fluid"><div class="col-sm-12">'
            f"<h3>{e(q.title)}</h3><p>{e(q.description)}</p><p><small>{e(name)}</small></p>"
            + (f'<pre class="pre-scrollable code runnable">{e(params)}</pre>' if params.strip() else "")
            + f'<pre class="pre-scrollable code runnable">{e(q.text_for("neo4j").strip())}</pre>'
            "</div></slide>")
    return ('<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8"><title>graphkit 查询包 / query pack</title>'
            '</head><body>\n<article class="guide">\n<carousel class="deck container-fluid">\n'
            + "\n".join(slides) + "\n</carousel>\n</article>\n</body></html>\n")


def _readme() -> str:
    return ("# Neo4j Browser 样式与查询 / style and saved queries\n\n"
            "- `graphkit.grass`：拖到 Neo4j Browser 窗口即可应用样式（标签颜色、中文名称作标题）。"
            " Drag onto Neo4j Browser to style the labels (captions are the Chinese names).\n"
            "- `favorites/*.cypher`：在 Browser 的收藏夹（Favorites）中选择导入 Import，选中这些文件。"
            " Import them in Browser's favourites drawer; each becomes a saved query.\n"
            "- `guide.html`：查询包导览。用任意网页服务器提供此文件夹，把地址加入"
            " `browser.remote_content_hostname_allowlist`，然后运行 `:play http://HOST:PORT/guide.html`。"
            " Serve this folder, allow its host in `browser.remote_content_hostname_allowlist`, then"
            " `:play http://HOST:PORT/guide.html`.\n")


def write_browser_files(folder: str | Path, model: Model, *, county: str = "") -> Path:
    """Write the GraSS file, the guide, the favourites and a README into ``folder`` (created).

    Called by :func:`graphkit.exports.neo4j.export_import` (``<import>/browser/``) and
    :func:`graphkit.exports.neo4j.export_cypher` (``<script stem>-browser/`` beside the script).
    """
    folder = Path(folder)
    (folder / "favorites").mkdir(parents=True, exist_ok=True)
    (folder / "graphkit.grass").write_text(grass(model), encoding="utf-8")
    (folder / "guide.html").write_text(guide_html(model, county=county), encoding="utf-8")
    for name, text in favorite_files().items():
        (folder / "favorites" / re.sub(r"[^\w.-]", "_", name)).write_text(text, encoding="utf-8")
    (folder / "README.md").write_text(_readme(), encoding="utf-8")
    return folder


def write_beside_script(script: str | Path, model: Model, *, county: str = "") -> Path:
    """The Browser files for a cypher-shell script, in ``<stem>-browser/`` beside it, written atomically."""
    from ..store.io import atomic_dir

    script = Path(script)
    target = script.with_name(f"{script.stem}-browser")
    with atomic_dir(target, kind="neo4j-browser", command="neo4j export-cypher") as tmp:
        write_browser_files(tmp, model, county=county)
    return target
