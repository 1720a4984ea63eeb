"""No raw codes on a written view page: what officials read is Chinese first, English beside at most.

Every kind of view (and the aggregated overviews with their drill-down pages, and a province
overview) is written to disk; each page's decoded JSON data is scanned for what the page shows —
title, subtitle, type labels, legend, link-type toggles, tooltip keys and values, panels, drill-down
links, group labels — and must hold no Neo4j relationship type (``SUB_ORGANIZATION_OF``), no record
type name (``Organization``) or code-list code (``joint_village``) standing as a value or in
brackets, no field name (``host_month``, ``max_nodes``), and every label must hold Chinese.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

import graphkit as gk
from graphkit.core.schema import Model
from graphkit.views.view import province_view, write_view

from test_view import AS_OF, hand_graph

_DATA = re.compile(r'<script type="application/json" id="gk-data">(.*?)</script>', re.S)
_CJK = re.compile(r"[\u3400-\u9fff]")
_UPPER_SNAKE = re.compile(r"\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b")
_SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
_BRACKETED = re.compile(r"[(（]\s*([A-Za-z_][A-Za-z0-9_]*)\s*[)）]")
_SEGMENTS = re.compile(r"[、；，,\n]")


def shown_texts(data: dict[str, Any]) -> list[tuple[str, str, bool]]:
    """(where, text, is a label that must hold Chinese) of everything a page shows (see view.html.j2)."""
    out = [("title", data["title"], True), ("subtitle", data["subtitle"], True)]
    out += [("typeLabels", t, True) for t in data["typeLabels"]]
    out += [("nodeFactKeys", k, True) for keys in data["nodeFactKeys"] for k in keys]
    out += [("edgeFactKeys", k, True) for keys in data["edgeFactKeys"] for k in keys]
    out += [("groups", g["label"], True) for g in data["groups"]]
    for block in data["legend"]:
        out.append(("legend", block["title"], True))
        out += [("legend item", item["label"], True) for item in block["items"]]
    for panel in data["panels"]:
        out.append(("panel", panel["title"], True))
        for key, value in panel["rows"]:
            out += [("panel key", key, True), ("panel value", value, False)]
    out += [("links", link["label"], True) for link in data["links"]]
    out += [("groupLabels", g["text"], False) for g in data.get("groupLabels", [])]
    for n in data["nodes"]:
        out += [("node label", n["label"], False), ("node name", n["nm"], False)]
        out += [("node fact", v, False) for v in n["f"] if v is not None]
    for e in data["edges"]:
        out += [("edge fact", v, False) for v in e["f"] if v is not None]
    return [(w, str(t), zh) for w, t, zh in out]


def raw_codes(model: Model, data: dict[str, Any]) -> list[str]:
    """Every shown text holding a raw code or a label without Chinese, with the reason."""
    rels = {r.rel for r in model.relationships}
    types = set(model.types)
    codes = {c for cl in model.codelists.values() for c in cl.codes if not c.isdigit()}
    fields = {p for t in model.types.values() for p in t.properties}
    raw = types | codes | fields | rels
    found = []
    for where, text, must_zh in shown_texts(data):
        why = []
        if must_zh and not _CJK.search(text):
            why.append("no Chinese")
        why += [f"relationship type {r}" for r in rels if r in text]
        why += [f"identifier {m}" for m in _UPPER_SNAKE.findall(text) + _SNAKE.findall(text)]
        why += [f"bracketed code {m}" for m in _BRACKETED.findall(text) if m in raw]
        why += [f"bare code {s.strip()}" for s in _SEGMENTS.split(text) if s.strip() in raw]
        if why:
            found.append(f"{where}: {text!r}: {', '.join(sorted(set(why)))}")
    return found


def written_pages(folder: Path) -> dict[str, dict[str, Any]]:
    pages = {}
    for p in sorted(folder.rglob("*.html")):
        blocks = _DATA.findall(p.read_text(encoding="utf-8"))
        assert len(blocks) == 1, p
        pages[str(p.relative_to(folder))] = json.loads(blocks[0])
    return pages


def test_the_scanner_finds_raw_codes():
    # the scan could fail: the labels of the old pages, a bare code value, English-only text
    model = gk.build_graph(gk.sample_path()).model
    page = {"title": "示例县 / x", "subtitle": "共 9 个节点，已汇总 aggregated above max_nodes", "typeLabels": ["town"],
            "nodeFactKeys": [["组织形式 Form"]], "edgeFactKeys": [["关系 Link"]],
            "groups": [{"label": "上级党组织 Parent organization (SUB_ORGANIZATION_OF)"}],
            "legend": [{"title": "颜色 Colour", "items": [{"label": "联建组织 Collaboration（joint_village）"}]}],
            "panels": [], "links": [], "nodes": [{"label": "甲", "nm": "甲", "f": ["branch"]}],
            "edges": [{"f": ["结对共建 Pairing (PAIRED_WITH)"]}]}
    found = "\n".join(raw_codes(model, page))
    for expected in ("max_nodes", "SUB_ORGANIZATION_OF", "PAIRED_WITH", "joint_village", "bare code branch",
                     "typeLabels: 'town': bare code town, no Chinese"):
        assert expected in found, (expected, found)
    assert "组织形式" not in found and "示例县" not in found


def _check(model: Model, pages: dict[str, dict[str, Any]]) -> None:
    problems = [f"{name}: {p}" for name, data in pages.items() for p in raw_codes(model, data)]
    assert not problems, f"{len(problems)} raw codes on the pages, e.g.:\n" + "\n".join(problems[:30])


def test_hand_county_pages_show_no_raw_codes(tmp_path):
    g = hand_graph()
    cases = [("county", None, {}), ("county", None, {"color_by": "mechanism", "size_by": "members"}),
             ("county", None, {"max_nodes": 4}), ("district", "第一片区", {}), ("chain", "蚕桑", {}),
             ("pairing", None, {}), ("pairing", None, {"max_nodes": 3}), ("org", "甲村党支部", {"radius": 2}),
             ("cluster", None, {}), ("cluster", None, {"max_nodes": 3}), ("county", None, {"color_by": "category"}),
             ("county", None, {"color_by": "town"})]
    for i, (kind, name, kw) in enumerate(cases):
        write_view(g, tmp_path / f"{i}_{kind}.html", kind=kind, name=name, as_of=AS_OF, **kw)
    pages = written_pages(tmp_path)
    assert len(pages) > len(cases)  # drill-down pages too
    _check(g.model, pages)


@pytest.fixture(scope="module")
def sample_graph() -> gk.Graph:
    return gk.build_graph(gk.sample_path())


def test_sample_county_pages_show_no_raw_codes(sample_graph, tmp_path):
    cases = [("county", {}), ("county", {"color_by": "mechanism", "size_by": "members"}),
             ("county", {"max_nodes": 100}), ("district", {"name": "第八片区"}), ("chain", {"name": "蚕桑"}),
             ("pairing", {}), ("pairing", {"max_nodes": 60}), ("org", {"name": "示例县农业农村局党委", "radius": 2}),
             ("cluster", {"seed": 1}), ("cluster", {"seed": 1, "max_nodes": 80})]
    for i, (kind, kw) in enumerate(cases):
        write_view(sample_graph, tmp_path / f"{i}_{kind}.html", kind=kind, **kw)
    pages = written_pages(tmp_path)
    assert len(pages) > 20
    assert any(g["label"].startswith("上级党组织") for d in pages.values() for g in d["groups"])
    _check(sample_graph.model, pages)


def test_province_pages_show_no_raw_codes(tmp_path):
    from graphkit.ingest.synth import generate_province
    from graphkit.store import province as gp

    generate_province(tmp_path / "ledgers", seed=5, n_orgs=600, counties=3, fmt="csv")
    gp.build_province(tmp_path / "ledgers", tmp_path / "out")
    province = gk.read_graph(tmp_path / "out")
    province_view(province, seed=0).write(tmp_path / "pages" / "province.html")
    pages = written_pages(tmp_path / "pages")
    assert len(pages) >= 4 and "counties" in pages["province.html"]["subtitle"]
    _check(province.model, pages)
