"""Move graphkit's flat modules into layer folders and rewrite every import (issue 17).

Run from the repository root on a clean work tree::

    python scripts/relayout.py            # moves (git mv) and rewrites; prints what it did
    python scripts/relayout.py --check    # exit 1 if anything is left to move or rewrite

It is idempotent: a module already in its folder is not moved again, and the rewrite of an
already rewritten file changes nothing. The layers, lowest first (a module may import its own
package and the packages of lower layers only; two packages of one layer do not import each
other; a private module ``pkg/_x.py`` is imported only from inside ``pkg``)::

    core       errors, settings, schema, mapping, the Graph and its id codes, problems, dates, files, text, values
    ingest     ledgers -> Graph (read, map, resolve, check), templates, annotated copies, synth
    extract    report texts -> candidate rows (beside ingest)
    store      Graph <-> output folder (Parquet + manifest); a province's county parts
    analyses   DataFrames from a Graph; toolkit = the shared helpers
    views      report and network views        exports   Neo4j, RDF, SPARQL, Cypher, Gephi
    cli        the ``graphkit`` command
    graphkit/__init__.py   the public API

``tests/test_layers.py`` reads :data:`LAYERS` and :data:`MOVES` from this file, so the rules are
checked before and after the move.
"""
from __future__ import annotations

import argparse
import ast
import io
import json
import re
import subprocess
import sys
import tokenize
from collections.abc import Iterable
from pathlib import Path

#: Layer packages, lowest first; packages of one rank are siblings that do not import each other.
LAYERS: dict[str, int] = {
    "core": 0,
    "ingest": 1,
    "extract": 1,
    "store": 2,
    "analyses": 3,
    "views": 4,
    "exports": 4,
    "cli": 5,
    # graphkit.testing stays a top-level public module (fixtures: core only, used by the analyses' doctests)
    "testing": 1,
}

#: old module (below graphkit) -> new module (below graphkit)
MOVES: dict[str, str] = {
    # core: what every layer may use
    "errors": "core.errors",
    "settings": "core.settings",
    "_paths": "core.paths",
    "_text": "core.text",
    "_values": "core.values",
    "_version": "core.version",
    "_files": "core.files",
    "_time": "core.dates",
    "_report": "core.read_report",
    "_view_layout": "core.layout",
    "schema": "core.schema",
    "mapping": "core.mapping",
    "model": "core.model",
    "problems": "core.problems",
    # ingest: ledgers -> a validated Graph, and the tools that help people write ledgers
    "_read": "ingest._read",
    "_load_vec": "ingest._load_vec",
    "load": "ingest.load",
    "_layout_info": "ingest._layout_info",
    "suggest": "ingest.suggest",
    "template": "ingest.template",
    "annotate": "ingest.annotate",
    "synth": "ingest.synth",
    # store: the output folder
    "io": "store.io",
    "_ids": "core.ids",
    "province": "store.province",
    # analyses
    "_analysis": "analyses.toolkit",
    "coverage": "analyses.coverage",
    "pairing": "analyses.pairing",
    "clusters": "analyses.clusters",
    "cadence": "analyses.cadence",
    "change": "analyses.change",
    "analysis": "analyses.analysis",
    "registry": "analyses.registry",
    "headline_figures": "analyses.headline_figures",
    "province_analysis": "analyses.province",
    # views
    "view": "views.view",
    "report": "views.report",
    # exports
    "_graph_shape": "exports._graph_shape",
    "_bolt": "exports._bolt",
    "cypher": "exports.cypher",
    "queries": "exports.queries",
    "neo4j": "exports.neo4j",
    "neo4j_browser": "exports.neo4j_browser",
    "rdf": "exports.rdf",
    "sparql": "exports.sparql",
    "export": "exports.gephi",
    "_querypack": "exports._querypack",
    "_neo4j_county": "exports._neo4j_county",
    "exporters": "exports.exporters",
    # cli (graphkit.cli stays the package: graphkit.cli:main, python -m graphkit.cli)
    "cli": "cli.main",
    "_cli_common": "cli._common",
    "_cli_zh": "cli._zh",
    "_cli_analyze": "cli._analyze",
    "_cli_export": "cli._export",
    "_cli_extract": "cli._extract",
    "_cli_ledger": "cli._ledger",
    "_cli_neo4j": "cli._neo4j",
    "_cli_rdf": "cli._rdf",
    "_cli_view": "cli._view",
}

#: public module names that stay valid after the move (a package now): not rewritten in text
KEEP_PUBLIC = {"cli"}
#: submodules that the public API makes callable (``gk.coverage(g)``); ``gk.<name>`` stays as it is
CALLABLE_MODULES = ("coverage", "view", "cypher", "sparql")

PACKAGE_DOCS = {
    "core": "The ground floor: errors, settings, the declarations (schema, mapping), the Graph, problems, "
            "dates, atomic files, text and cell helpers. Imports no other graphkit package.",
    "ingest": "Ledgers in: reading files, mapping sheets to records, resolving names, checks; templates, "
              "annotated copies, draft mappings and synthetic ledgers. Imports core only.",
    "store": "The output folder: Graph <-> Parquet tables + manifest, and a province built from its county parts.",
    "analyses": "Analyses of a Graph (DataFrames); ``toolkit`` holds the helpers they share.",
    "views": "Pages for people: the analyst report and the interactive network views.",
    "exports": "Graph -> other tools: Neo4j, the embedded Cypher engine and query pack, RDF/SPARQL, Gephi.",
}
CLI_INIT = '''"""The ``graphkit`` command line (``graphkit.cli:main``); the commands live in ``main`` and ``_*``."""
from __future__ import annotations

from .main import cli, main

__all__ = ["cli", "main"]
'''
CLI_MAIN = '''"""``python -m graphkit.cli``."""
from .main import main

main()
'''


def _git(*args: str) -> None:
    subprocess.run(["git", *args], check=True)


def _path(mod: str, root: Path) -> Path:
    return root / "graphkit" / (mod.replace(".", "/") + ".py")


# ---- 1. moves -------------------------------------------------------------------------------

def move_files(root: Path, *, dry: bool) -> list[tuple[str, str]]:
    """``git mv`` every module of :data:`MOVES` not yet moved; create the packages' ``__init__.py``."""
    done = []
    for pkg in sorted({new.split(".")[0] for new in MOVES.values()}):
        init = root / "graphkit" / pkg / "__init__.py"
        if not init.exists() and not dry:
            init.parent.mkdir(exist_ok=True)
            text = CLI_INIT if pkg == "cli" else f'"""{PACKAGE_DOCS[pkg]}"""\n'
            init.write_text(text, encoding="utf-8")
            if pkg == "cli":
                (init.parent / "__main__.py").write_text(CLI_MAIN, encoding="utf-8")
                _git("add", str(init.parent / "__main__.py"))
            _git("add", str(init))
    for old, new in MOVES.items():
        src, dst = _path(old, root), _path(new, root)
        if src.exists() and not dst.exists():
            done.append((old, new))
            if not dry:
                _git("mv", str(src), str(dst))
                _fix_file_paths(dst, depth=new.count(".") - old.count("."))
                text = dst.read_text(encoding="utf-8")
                dst.write_text(rewrite_python(text, here=(f"graphkit.{new}", False), was=(f"graphkit.{old}", False),
                                              free_strings=False), encoding="utf-8")
        elif src.exists() and dst.exists():
            raise SystemExit(f"both {src} and {dst} exist: resolve by hand")
    return done


def _fix_file_paths(path: Path, *, depth: int) -> None:
    """A module moved ``depth`` folders down still finds graphkit/templates, static/ and the project root."""
    if depth <= 0:
        return
    text = path.read_text(encoding="utf-8")
    up = ".parent" * depth
    new = re.sub(r"Path\(__file__\)(\.resolve\(\))?\.parent", lambda m: m.group(0) + up, text)
    if new != text:
        path.write_text(new, encoding="utf-8")


# ---- 2. rewriting ---------------------------------------------------------------------------

def _abs_map() -> dict[str, str]:
    return {f"graphkit.{old}": f"graphkit.{new}" for old, new in MOVES.items()}


def _renamed(name: str, amap: dict[str, str]) -> str:
    """``name`` (a dotted path, maybe with an attribute tail) after the move (new names stay)."""
    parts = name.split(".")
    for i in range(len(parts), 1, -1):
        head = ".".join(parts[:i])
        if head in {f"graphkit.{k}" for k in KEEP_PUBLIC}:
            return name
        if head in amap:
            return ".".join([amap[head], *parts[i:]])
    return name


def _module_of(path: Path, root: Path) -> tuple[str, bool] | None:
    """Dotted module name of a file below graphkit/ and whether it is a package ``__init__``."""
    try:
        rel = path.relative_to(root)
    except ValueError:
        return None
    if rel.parts[0] != "graphkit":
        return None
    parts = list(rel.with_suffix("").parts)
    if parts[-1] == "__init__":
        return ".".join(parts[:-1]), True
    return ".".join(parts), False


def _relative(target: str, here: str, is_pkg: bool) -> str:
    """``target`` (absolute, inside graphkit) as a relative module seen from module ``here``."""
    base = here.split(".") if is_pkg else here.split(".")[:-1]
    tparts = target.split(".")
    common = 0
    while common < min(len(base), len(tparts)) and base[common] == tparts[common]:
        common += 1
    dots = "." * (len(base) - common + 1)
    return dots + ".".join(tparts[common:])


class _Edits:
    """Text replacements at (line, col) spans of one source, applied back to front."""

    def __init__(self, source: str) -> None:
        self.lines = source.splitlines(keepends=True)
        self.offsets = [0]
        for line in self.lines:
            self.offsets.append(self.offsets[-1] + len(line))
        self.source = source
        self.items: list[tuple[int, int, str]] = []

    def pos(self, line: int, col: int) -> int:
        # ast columns are UTF-8 byte offsets
        text = self.lines[line - 1].encode("utf-8")[:col].decode("utf-8", errors="replace")
        return self.offsets[line - 1] + len(text)

    def segment(self, node: ast.AST) -> str:
        """The source text of ``node`` (``ast.get_source_segment`` re-splits the source at every call)."""
        a = self.pos(node.lineno, node.col_offset)  # type: ignore[attr-defined]
        b = self.pos(node.end_lineno, node.end_col_offset)  # type: ignore[attr-defined]
        return self.source[a:b]

    def add(self, node: ast.AST, text: str) -> None:
        a = self.pos(node.lineno, node.col_offset)  # type: ignore[attr-defined]
        b = self.pos(node.end_lineno, node.end_col_offset)  # type: ignore[attr-defined]
        if self.source[a:b] != text:
            self.items.append((a, b, text))

    def apply(self) -> str:
        out = self.source
        for a, b, text in sorted(self.items, reverse=True):
            out = out[:a] + text + out[b:]
        return out


_DOTTED = re.compile(r"(?<![\w.])(" + "|".join(re.escape(f"graphkit.{o}") for o in sorted(MOVES, key=len, reverse=True))
                     + r")(?![\w])")
_FILE = re.compile(r"(?<![\w/])graphkit/(" + "|".join(re.escape(o) for o in sorted(MOVES, key=len, reverse=True))
                   + r")\.py\b")


def _sub_text(text: str, amap: dict[str, str]) -> str:
    """Dotted names ``graphkit.old…`` and paths ``graphkit/old.py`` in free text."""
    if "graphkit" not in text:
        return text
    public = {f"graphkit.{k}" for k in KEEP_PUBLIC}
    text = _DOTTED.sub(lambda m: m.group(1) if m.group(1) in public else amap[m.group(1)], text)
    return _FILE.sub(lambda m: "graphkit/" + MOVES[m.group(1)].replace(".", "/") + ".py", text)


def _docstring_nodes(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) \
                    and isinstance(first.value.value, str):
                ids.add(id(first.value))
    return ids


def rewrite_python(source: str, *, here: tuple[str, bool] | None, free_strings: bool,
                   was: tuple[str, bool] | None = None) -> str:
    """Rewrite imports, dotted references and module strings of one Python source.

    ``here`` is the module's own name when it lies inside graphkit (relative imports are
    spelled from it), ``was`` its name before the move (relative imports are resolved from it;
    default ``here``); ``free_strings`` rewrites graphkit module names anywhere inside string
    literals (tests, scripts, notebooks), otherwise only docstrings and strings that *are* a
    module path (``"graphkit.io"``, ``"graphkit.io:read_graph"``, ``"graphkit.io.read_graph"``).
    """
    amap = _abs_map()
    tree = ast.parse(source)
    ed = _Edits(source)
    docs = _docstring_nodes(tree)
    old_here = was or here

    def resolve(node: ast.ImportFrom) -> str | None:
        if not node.level:
            return node.module
        if old_here is None:
            return None
        mod, is_pkg = old_here
        base = mod.split(".") if is_pkg else mod.split(".")[:-1]
        base = base[:len(base) - (node.level - 1)]
        return ".".join(base + ([node.module] if node.module else []))

    def spell(target: str, relative: bool) -> str:
        if relative and here is not None:
            return _relative(target, here[0], here[1])
        return target

    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            target = resolve(node)
            if not target or not (target == "graphkit" or target.startswith("graphkit.")):
                continue
            relative = node.level > 0
            new_target = _renamed(target, amap)
            # names that are themselves moved modules: `from . import rdf`, `from graphkit import io`
            plain, mods = [], []
            for alias in node.names:
                full = f"{target}.{alias.name}"
                if target == "graphkit" and not relative and alias.name in CALLABLE_MODULES:
                    plain.append(alias)  # `from graphkit import view`: the public, callable module
                elif full in amap and amap[full].rsplit(".", 1)[0] != new_target:
                    mods.append((alias, amap[full]))
                else:
                    plain.append(alias)
            if not mods and new_target == target and not relative:
                continue
            indent = " " * node.col_offset
            stmts = []

            def names(aliases: Iterable[ast.alias]) -> str:
                return ", ".join(a.name + (f" as {a.asname}" if a.asname else "") for a in aliases)

            if plain:
                if mods or len(node.names) != len(plain):
                    stmts.append(f"from {spell(new_target, relative)} import {names(plain)}")
                else:
                    seg = ed.segment(node)
                    head = re.match(r"from\s+[.\w]*\s+import\s+", seg)
                    if head is None:
                        raise SystemExit(f"cannot parse import: {seg!r}")
                    stmts.append(f"from {spell(new_target, relative)} import " + seg[head.end():])
            for alias, new_mod in mods:
                parent, leaf = new_mod.rsplit(".", 1)
                stmts.append(f"from {spell(parent, relative)} import {leaf} as {alias.asname or alias.name}"
                             if (alias.asname or alias.name) != leaf else f"from {spell(parent, relative)} import {leaf}")
            ed.add(node, ("\n" + indent).join(stmts))
        elif isinstance(node, ast.Import):
            seg = ed.segment(node)
            new = seg
            for alias in node.names:
                renamed = _renamed(alias.name, amap)
                if renamed != alias.name and alias.name.split(".")[0] == "graphkit":
                    new = re.sub(r"(?<![\w.])" + re.escape(alias.name) + r"(?![\w.])", renamed, new)
            ed.add(node, new)
        elif isinstance(node, ast.Attribute):
            dotted = _dotted(node)
            if dotted and dotted.startswith("graphkit."):
                renamed = _renamed(dotted, amap)
                if renamed != dotted and not _is_inner(node, tree):
                    ed.add(node, renamed)
            elif dotted and dotted.startswith("gk.") and dotted.split(".")[1] in MOVES \
                    and dotted.split(".")[1] not in CALLABLE_MODULES and not _is_inner(node, tree):
                ed.add(node, "gk." + _renamed("graphkit." + dotted[3:], amap)[len("graphkit."):])  # gk.problems.RULES
        elif isinstance(node, ast.BinOp) and _moved_file_part(node) is not None:
            # ROOT / "graphkit" / "mapping.py"  ->  ROOT / "graphkit" / "core/mapping.py"
            ed.add(node.right, '"' + str(_moved_file_part(node)) + '"')
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if any(a <= ed.pos(node.lineno, node.col_offset) < b for a, b, _ in ed.items):
                continue  # inside an edit made above
            seg = ed.segment(node)
            if not re.match(r"[rRbBuU]{0,2}['\"]", seg):
                continue  # a part of an f-string
            if free_strings or id(node) in docs:
                new = _sub_text(seg, amap)
            else:
                m = re.fullmatch(r"graphkit(\.\w+)+([.:]\w+)*", node.value)
                if not m:
                    continue
                name, _, attr = node.value.partition(":")
                renamed = _renamed(name, amap)
                if name in {f"graphkit.{k}" for k in KEEP_PUBLIC}:
                    renamed = name
                new = seg.replace(node.value, renamed + (":" + attr if attr else ""))
            ed.add(node, new)
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.COMMENT and "graphkit" in tok.string:
            new = _sub_text(tok.string, amap)
            if new != tok.string:
                a = ed.offsets[tok.start[0] - 1] + tok.start[1]  # tokenize counts characters
                ed.items.append((a, a + len(tok.string), new))
    return ed.apply()


def _moved_file_part(node: ast.BinOp) -> str | None:
    """The new path of ``X / "graphkit" / "<old>.py"`` (relative to graphkit/), or None."""
    left, right = node.left, node.right
    if not (isinstance(node.op, ast.Div) and isinstance(right, ast.Constant) and isinstance(right.value, str)
            and isinstance(left, ast.BinOp) and isinstance(left.right, ast.Constant) and left.right.value == "graphkit"):
        return None
    stem = right.value.removesuffix(".py")
    if not right.value.endswith(".py") or stem not in MOVES:
        return None
    return MOVES[stem].replace(".", "/") + ".py"


def _dotted(node: ast.AST) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def _is_inner(node: ast.Attribute, tree: ast.AST) -> bool:
    """True when ``node`` is the ``.value`` of a longer dotted chain (rewritten as part of it)."""
    parents = getattr(tree, "_parents", None)
    if parents is None:
        parents = {}
        for p in ast.walk(tree):
            for c in ast.iter_child_nodes(p):
                parents[id(c)] = p
        tree._parents = parents  # type: ignore[attr-defined]
    parent = parents.get(id(node))
    return isinstance(parent, ast.Attribute) and parent.value is node and _dotted(parent) is not None


def patch_package_init(source: str) -> str:
    """Module names held as strings by ``graphkit/__init__.py``'s tables (``("coverage", "coverage")``)."""
    tree = ast.parse(source)
    ed = _Edits(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.Tuple) and node.elts and isinstance(node.elts[0], ast.Constant) \
                and isinstance(node.elts[0].value, str) and node.elts[0].value in MOVES:
            seg = ed.segment(node.elts[0])
            ed.add(node.elts[0], seg.replace(node.elts[0].value, MOVES[node.elts[0].value]))
    out = ed.apply()
    # callable submodules (gk.coverage(g)): imported from their folder, made callable there
    old = "        return importlib.import_module(f\"{__name__}.{name}\")\n"
    new = ("        module = importlib.import_module(f\"{__name__}.{_CALLABLE_HOME.get(name, name)}\")\n"
           "        if type(module) is types.ModuleType:\n"
           "            module.__class__ = _CallableModule\n"
           "        return module\n")
    if old in out:
        homes = {k: MOVES[k] for k in CALLABLE_MODULES}
        out = out.replace(old, new, 1)
        out = out.replace("\n\ndef __getattr__(name: str)",
                          f"\n\n#: where each callable submodule lives\n_CALLABLE_HOME = {homes!r}\n\n\n"
                          "def __getattr__(name: str)", 1)
    return out


#: (file, text, replacement): spots no import rewrite can see (module names built in f-strings)
TEXT_PATCHES: list[tuple[str, str, str]] = [
    ("tests/test_api.py", 'sys.modules[f"graphkit.{name}"]',
     'sys.modules["graphkit." + ' + repr({k: MOVES[k] for k in CALLABLE_MODULES}).replace("'", '"') + '[name]]'),
]


def apply_text_patches(root: Path, *, dry: bool) -> list[Path]:
    changed = []
    for rel, old, new in TEXT_PATCHES:
        path = root / rel
        text = path.read_text(encoding="utf-8") if path.exists() else ""
        if old in text:
            changed.append(path)
            if not dry:
                path.write_text(text.replace(old, new), encoding="utf-8")
        elif new not in text:
            print(f"warning: {rel}: {old!r} not found; check it by hand", file=sys.stderr)
    return changed


def rewrite_notebook(text: str) -> str:
    nb = json.loads(text)
    amap = _abs_map()
    for cell in nb.get("cells", []):
        src = "".join(cell.get("source", []))
        if cell.get("cell_type") == "code":
            try:
                new = rewrite_python(src, here=None, free_strings=True)
            except SyntaxError:  # magics: plain text substitution
                new = _sub_text(src, amap)
        else:
            new = _sub_text(src, amap)
        if new != src:
            cell["source"] = new.splitlines(keepends=True)
    return json.dumps(nb, ensure_ascii=False, indent=1) + "\n"


def rewrite_tree(root: Path, *, dry: bool) -> list[Path]:
    """Rewrite every file that names a moved module; return the files changed."""
    amap = _abs_map()
    changed = []
    files: list[Path] = []
    for folder in ("graphkit", "tests", "benchmarks", "scripts", "notebooks", "docs"):
        files += sorted(p for p in (root / folder).rglob("*") if p.is_file())
    files += [root / n for n in ("README.md", "ARCHITECTURE.md", "pyproject.toml") if (root / n).exists()]
    me = Path(__file__).resolve()
    for path in files:
        if path.resolve() == me or "__pycache__" in path.parts or ("corpus" in path.parts and path.suffix != ".py"):
            continue  # the layout corpus' ledgers and expected tables are data
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        if path.suffix == ".py":
            here = _module_of(path, root)
            new = rewrite_python(text, here=here, free_strings=here is None)
            if path == root / "graphkit" / "__init__.py":
                new = patch_package_init(new)
        elif path.suffix == ".ipynb":
            new = rewrite_notebook(text)
            if json.loads(new) == json.loads(text):
                new = text
        elif path.suffix in (".md", ".sh", ".toml", ".txt", ".cfg", ".yaml", ".yml", ".j2", ".rst"):
            new = _sub_text(text, amap)
        else:
            continue
        if new != text:
            changed.append(path)
            if not dry:
                path.write_text(new, encoding="utf-8")
    return changed


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="change nothing; exit 1 if anything is left to do")
    ap.add_argument("--root", default=str(Path(__file__).resolve().parent.parent))
    args = ap.parse_args(argv)
    root = Path(args.root).resolve()
    moved = move_files(root, dry=args.check)
    for old, new in moved:
        print(f"{'would move' if args.check else 'moved'} graphkit/{old}.py -> graphkit/{new.replace('.', '/')}.py")
    if args.check and moved:
        return 1
    changed = rewrite_tree(root, dry=args.check) + apply_text_patches(root, dry=args.check)
    for path in changed:
        print(f"{'would rewrite' if args.check else 'rewrote'} {path.relative_to(root)}")
    if not args.check and changed:
        _git("add", "-A", "graphkit", "tests", "benchmarks", "scripts", "notebooks", "docs", "pyproject.toml",
             *[n for n in ("README.md", "ARCHITECTURE.md") if (root / n).exists()])
    return 1 if args.check and changed else 0


if __name__ == "__main__":
    sys.exit(main())
