"""Behaviour check for refactorings of graphkit/views: the data of written view pages, before and after.

``snapshot`` writes a set of views of the sample county (every kind, an aggregated county view
with its drill-down pages) and a province overview of a small synthetic province with the
graphkit on ``sys.path``, and keeps each page's JSON payload (the ``<script
type="application/json">`` block, decoded); ``compare`` writes the same views with the code
under test and reports every page whose decoded data differs (as Python objects, floats exact).

Usage::

    PYTHONPATH=OLD_CHECKOUT python benchmarks/compare_views.py snapshot BASE
    PYTHONPATH=NEW_CHECKOUT python benchmarks/compare_views.py compare BASE

The exit status of ``compare`` is 1 when any page differs.
"""

from __future__ import annotations

import argparse
import json
import pickle
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

#: (file stem, view options) of the sample-county pages (the five of docs/views.md, three more).
COUNTY_VIEWS: list[tuple[str, dict[str, Any]]] = [
    ("county", {"kind": "county"}),
    ("county_mechanism", {"kind": "county", "color_by": "mechanism", "size_by": "members"}),
    ("county_aggregated", {"kind": "county", "max_nodes": 100}),
    ("district", {"kind": "district", "name": "第八片区"}),
    ("chain", {"kind": "chain", "name": "蚕桑"}),
    ("pairing", {"kind": "pairing"}),
    ("pairing_aggregated", {"kind": "pairing", "max_nodes": 60}),
    ("org", {"kind": "org", "name": "示例县农业农村局党委", "radius": 2}),
    ("cluster", {"kind": "cluster", "seed": 1}),
    ("cluster_aggregated", {"kind": "cluster", "seed": 1, "max_nodes": 80}),
]
_DATA = re.compile(r'<script type="application/json" id="gk-data">(.*?)</script>', re.S)


def _payload(path: Path) -> Any:
    """The decoded JSON data block of one written page."""
    found = _DATA.findall(path.read_text(encoding="utf-8"))
    if len(found) != 1:
        raise SystemExit(f"{path}: expected one JSON data block, found {len(found)}")
    return json.loads(found[0])


def _pages(folder: Path) -> dict[str, Any]:
    """Every page written under ``folder`` (overviews and drill-down pages) by relative path."""
    return {str(p.relative_to(folder)): _payload(p) for p in sorted(folder.rglob("*.html"))}


def _write_all(folder: Path) -> dict[str, Any]:
    import graphkit as gk
    from graphkit.ingest.synth import generate_province
    from graphkit.store import province as gp
    from graphkit.views.view import province_view, write_view

    graph = gk.build_graph(gk.sample_path())
    for stem, options in COUNTY_VIEWS:
        write_view(graph, folder / f"{stem}.html", **options)
    with tempfile.TemporaryDirectory() as tmp:
        ledgers = Path(tmp) / "ledgers"
        generate_province(ledgers, seed=5, n_orgs=1_800, counties=6, fmt="csv")
        gp.build_province(ledgers, Path(tmp) / "out")
        province = gk.read_graph(Path(tmp) / "out")
        province_view(province, seed=0).write(folder / "province.html")
    return _pages(folder)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", choices=["snapshot", "compare"])
    parser.add_argument("base", type=Path, help="folder of the snapshot (views.pkl)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        pages = _write_all(Path(tmp))
    if args.action == "snapshot":
        args.base.mkdir(parents=True, exist_ok=True)
        (args.base / "views.pkl").write_bytes(pickle.dumps(pages))
        print(f"{len(pages)} pages written to {args.base / 'views.pkl'}")
        return 0
    expected = pickle.loads((args.base / "views.pkl").read_bytes())
    bad = 0
    for key in sorted(set(expected) | set(pages)):
        if key not in pages or key not in expected:
            print(f"{'MISSING' if key not in pages else 'NEW    '}  {key}")
            bad += 1
        elif pages[key] != expected[key]:
            diff = sorted(k for k in set(pages[key]) | set(expected[key]) if pages[key].get(k) != expected[key].get(k))
            print(f"DIFFERS  {key}: keys {diff}")
            bad += 1
        else:
            print(f"same     {key} ({len(pages[key]['nodes'])} nodes, {len(pages[key]['edges'])} edges)")
    print(f"{bad} page(s) differ" if bad else f"all {len(pages)} pages identical")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
