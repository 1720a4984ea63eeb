"""The package's import graph: no cycles, no import against the layer order, no private imports
across packages (issue 17).

The layers and the module -> folder table are read from ``scripts/relayout.py``, so the rules
hold both before the move (each flat module is judged by the folder it is going to) and after
it. Every ``import`` and ``from … import`` counts, also those inside functions.
"""
from __future__ import annotations

import ast
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import networkx as nx
import pytest

ROOT = Path(__file__).resolve().parent.parent
PKG = ROOT / "graphkit"


def _relayout() -> ModuleType:
    spec = importlib.util.spec_from_file_location("_relayout", ROOT / "scripts" / "relayout.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("_relayout", mod)
    spec.loader.exec_module(mod)
    return mod


RELAYOUT = _relayout()
LAYERS: dict[str, int] = RELAYOUT.LAYERS
MOVES: dict[str, str] = RELAYOUT.MOVES


def _modules() -> dict[str, Path]:
    """Every module of the package by dotted name (``graphkit.core.schema``, ``graphkit`` itself)."""
    out = {}
    for path in sorted(PKG.rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def import_graph() -> nx.DiGraph:
    """Module -> module edges of graphkit, each with the line of the import."""
    mods = _modules()
    g = nx.DiGraph()
    g.add_nodes_from(mods)
    for name, path in mods.items():
        is_pkg = path.name == "__init__.py"
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = name.split(".") if is_pkg else name.split(".")[:-1]
                    base = base[:len(base) - (node.level - 1)]
                    module = ".".join(base + ([node.module] if node.module else []))
                else:
                    module = node.module or ""
                # `from . import rdf` imports the module graphkit.exports.rdf; `from .io import x` imports graphkit.store.io
                targets = [f"{module}.{a.name}" if f"{module}.{a.name}" in mods else module for a in node.names]
            for target in targets:
                while target and target not in mods and "." in target:
                    target = target.rsplit(".", 1)[0]  # graphkit.store.io.read_graph -> graphkit.store.io
                if target in mods and target != name:
                    g.add_edge(name, target, line=getattr(node, "lineno", 0))
    return g


def _package(module: str) -> str | None:
    """The layer package a module belongs to (after the move), or None for graphkit's own __init__."""
    parts = module.split(".")[1:]
    if not parts:
        return None
    if parts[0] in LAYERS:
        return parts[0]
    moved = MOVES.get(parts[0])
    return moved.split(".")[0] if moved else "?"


def _is_private(module: str) -> bool:
    """Private below its package (``exports/_graph_shape.py``), or a flat module going to such a name."""
    parts = module.split(".")[1:]
    if parts and parts[0] in MOVES:
        parts = MOVES[parts[0]].split(".") + parts[1:]
    return any(p.startswith("_") for p in parts[1:])


def test_every_module_has_a_layer() -> None:
    unplaced = [m for m in _modules() if _package(m) == "?"]
    assert not unplaced, f"modules missing from scripts/relayout.py MOVES (or LAYERS): {unplaced}"


def test_no_import_cycle() -> None:
    g = import_graph()
    cycles = list(nx.simple_cycles(g.subgraph(n for n in g if n != "graphkit")))
    shown = ["  " + " -> ".join([*c, c[0]]) for c in sorted(cycles, key=len)[:10]]
    assert not cycles, "import cycles:\n" + "\n".join(shown)


def layer_violations(g: nx.DiGraph) -> list[str]:
    """Edges of ``g`` against :data:`LAYERS` (upward, sideways, or into the public __init__)."""
    wrong = []
    for a, b, data in g.edges(data=True):
        pa, pb = _package(a), _package(b)
        if pb is None:
            wrong.append(f"{a}:{data.get('line')} imports the package's public __init__ ({b})")
        elif pa is not None and pa != pb and LAYERS[pb] >= LAYERS[pa]:
            what = "a sibling layer" if LAYERS[pb] == LAYERS[pa] else "a higher layer"
            wrong.append(f"{a}:{data.get('line')} ({pa}) imports {b} ({pb}): {what}")
    return sorted(wrong)


def private_violations(g: nx.DiGraph) -> list[str]:
    """Edges of ``g`` into a private module of another package."""
    return sorted(f"{a}:{data.get('line')} ({_package(a)}) imports private {b} ({_package(b)})"
                  for a, b, data in g.edges(data=True) if _is_private(b) and _package(a) != _package(b))


def test_imports_follow_the_layer_order() -> None:
    wrong = layer_violations(import_graph())
    assert not wrong, "imports against the layer order " + str(LAYERS) + ":\n" + "\n".join(wrong)


def test_no_private_imports_across_packages() -> None:
    wrong = private_violations(import_graph())
    assert not wrong, "private modules imported from outside their package:\n" + "\n".join(wrong)


def test_layer_table_is_consistent() -> None:
    assert set(LAYERS.values()) == set(range(max(LAYERS.values()) + 1))
    targets = {new.split(".")[0] for new in MOVES.values()}
    assert targets <= set(LAYERS), targets - set(LAYERS)
    assert len(set(MOVES.values())) == len(MOVES), "two modules moved to one place"


def _name(old: str) -> str:
    """A module's name in the tree as it is now (moved or not)."""
    return f"graphkit.{MOVES[old]}" if (PKG / "core").is_dir() else f"graphkit.{old}"


def test_the_graph_sees_known_imports() -> None:
    """The checks are only as good as the graph: it holds edges known to exist, lazy ones too."""
    g = import_graph()
    assert g.has_edge(_name("io"), _name("schema"))
    assert g.has_edge(_name("registry"), _name("clusters"))  # `from .clusters import …` inside a function


@pytest.mark.parametrize("src, dst, check", [
    ("schema", "report", layer_violations),          # core -> views: upward
    ("view", "neo4j", layer_violations),             # views -> exports: sideways
    ("coverage", "errors", None),                    # analyses -> core: allowed
    ("report", "_graph_shape", private_violations),  # views -> a private module of exports
])
def test_the_rules_catch_a_bad_import(src: str, dst: str, check: object) -> None:
    g = import_graph()
    g.add_edge(_name(src), _name(dst), line=0)
    found = [v for f in (layer_violations, private_violations) for v in f(g) if _name(dst) in v and _name(src) in v]
    if check is None:
        assert not found
    else:
        assert found and any(_name(dst) in v for v in check(g))  # type: ignore[operator]


def test_a_cycle_is_caught() -> None:
    g = import_graph()
    g.add_edge(_name("schema"), _name("model"), line=0)
    g.add_edge(_name("model"), _name("schema"), line=0)
    assert list(nx.simple_cycles(g.subgraph(n for n in g if n != "graphkit")))
