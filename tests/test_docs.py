"""The documentation builds, covers the public API, and its generated parts match their sources."""
from __future__ import annotations

import ast
import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import click
import pytest
import yaml

import graphkit as gk

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


def _load_build_docs():  # noqa: ANN202
    spec = importlib.util.spec_from_file_location("build_docs", ROOT / "scripts" / "build_docs.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


bd = _load_build_docs()


@pytest.fixture(scope="module")
def api_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("api")
    files = bd.build_api(out)
    assert {p.name for p in files} == {"index.md", *(f"{m}.md" for m in bd.MODULES)}
    return out


def _sections(text: str) -> dict[str, str]:
    """``### `gk.name``` heading -> the text up to the next heading."""
    parts = re.split(r"^### `([^`]+)`\n", text, flags=re.M)
    return {parts[i]: parts[i + 1] for i in range(1, len(parts) - 1, 2)}


def test_every_public_name_is_documented(api_dir: Path) -> None:
    sections = _sections((api_dir / "index.md").read_text(encoding="utf-8"))
    public = [n for n in gk.__all__ if n != "__version__"]
    missing = [n for n in public if f"gk.{n}" not in sections]
    assert missing == []
    empty = [n for n in public if "(no docstring)" in sections[f"gk.{n}"]]
    assert empty == []
    # the groups cover __all__ exactly once
    grouped = [n for names in gk._GROUPS.values() for n in names]
    assert sorted(grouped) == sorted(public) and len(grouped) == len(set(grouped))


def test_api_pages_render_examples_as_code(api_dir: Path) -> None:
    text = (api_dir / "index.md").read_text(encoding="utf-8")
    cov = _sections(text)["gk.coverage"]
    assert "gk.coverage(graph, *, as_of=None, by='town')" in cov
    assert "```pycon\n>>> " in cov and "**Parameters**" in cov and "- `by` — " in cov
    assert "Defined in [`graphkit.analyses.coverage`](graphkit.analyses.coverage.md)" in cov
    page = (api_dir / "graphkit.exports.gephi.md").read_text(encoding="utf-8")
    assert "### `write_gexf`" in page and "```python\nwrite_gexf(graph, path, *, node_types=None" in page


def test_render_docstring_by_hand() -> None:
    doc = '''Do a thing.

    Parameters
    ----------
    graph
        The graph
        on two lines.
    as_of
        A date.

    Examples
    --------
    Some words.

    >>> 1 + 1
    2
    '''
    md = bd.render_docstring(doc)
    assert md == ("Do a thing.\n\n**Parameters**\n\n- `graph` — The graph on two lines.\n- `as_of` — A date.\n\n"
                  "**Examples**\n\nSome words.\n\n```pycon\n>>> 1 + 1\n2\n```\n")


def test_generated_blocks_are_up_to_date() -> None:
    res = subprocess.run([sys.executable, str(ROOT / "scripts" / "build_docs.py"), "--check"], capture_output=True,
                         text=True, timeout=300)
    assert res.returncode == 0, res.stderr + "\nrun: .venv/bin/python scripts/build_docs.py"


def _block(name: str) -> str:
    text = (DOCS / "index.md").read_text(encoding="utf-8")
    m = re.search(rf"<!-- generated:{name} -->\n(.*?)<!-- /generated:{name} -->", text, flags=re.S)
    assert m, f"docs/index.md has no generated block {name!r}"
    return m.group(1)


def test_layout_tables_match_the_loaders() -> None:
    """Every built-in layout, each of its columns and every header spelling is in the user guide."""
    from graphkit.core.paths import loaders_dir

    block = _block("layouts")
    layouts = re.split(r"^#### ", block, flags=re.M)[1:]
    by_id = {re.search(r"\(`([a-z_]+)`, `loaders/", h).group(1): h for h in layouts}  # type: ignore[union-attr]
    files = sorted(loaders_dir().glob("*.yaml"))
    assert sorted(by_id) == sorted(yaml.safe_load(p.read_text(encoding="utf-8"))["id"] for p in files)
    for p in files:
        raw = yaml.safe_load(p.read_text(encoding="utf-8"))
        section = by_id[raw["id"]]
        rows = {m.group(1): (m.group(2), m.group(3)) for m in
                re.finditer(r"^\| `([a-z_]+)` \| ([^|]*) \| ([^|]*) \|$", section, flags=re.M)}
        assert sorted(rows) == sorted(raw["columns"]), p.name
        for cname, c in raw["columns"].items():
            required, spellings = rows[cname]
            assert ("是" in required) == bool(c.get("required")), (p.name, cname)
            assert spellings.strip().split("、") == [str(a) for a in c["aliases"]], (p.name, cname)
        for ename, e in raw["entities"].items():
            assert f"- `{ename}` → **{e['type']}**" in section, (p.name, ename)


def test_every_cli_command_is_in_the_guide() -> None:
    from graphkit.cli import cli

    block = _block("cli")
    ctx = click.Context(cli, info_name="graphkit")

    def walk(group: click.Group, path: list[str]) -> list[str]:
        out = []
        for name in group.list_commands(ctx):
            cmd = group.get_command(ctx, name)
            assert cmd is not None
            out.append(" ".join([*path, name]))
            if isinstance(cmd, click.Group):
                out += walk(cmd, [*path, name])
        return out

    commands = walk(cli, ["graphkit"])
    assert len(commands) >= 5
    missing = [c for c in commands if f"#### `{c}`" not in block]
    assert missing == []


def test_analyses_and_settings_sections() -> None:
    block = _block("analyses")
    for name in bd.analysis_names():
        assert f"#### `gk.{name}(" in block, name
    assert "| `share` | 覆盖率 |" in block
    settings = _block("settings")
    for key in gk.Settings().as_dict():
        assert f"`GRAPHKIT_{key.upper()}`" in settings


def test_mapping_reference_lists_every_key() -> None:
    """docs/mappings.md names every key the mapping reader accepts (read from graphkit/core/mapping.py)."""
    import graphkit.ingest.load as load
    import graphkit.core.mapping as mapping

    text = (DOCS / "mappings.md").read_text(encoding="utf-8")
    tree = ast.parse((ROOT / "graphkit" / "core/mapping.py").read_text(encoding="utf-8"))
    known: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "known" for t in node.targets):
            known |= {e.value for e in node.value.elts if isinstance(e, ast.Constant)}  # type: ignore[attr-defined]
    assert {"column", "entity", "const", "lookup"} <= known
    keys = (known | {"id", "label", "match", "files", "sheets", "exclude_files", "columns", "aliases", "required",
                     "entities", "type", "keys", "properties", "when", "split", "separators", "unique"}
            | set(mapping.NORMALIZERS) | set(mapping.DERIVERS) | set(mapping.PARSERS)
            | set(load._CONFIG_KEYS) | set(load._FILE_OPTIONS))
    missing = sorted(k for k in keys if f"`{k}`" not in text)
    assert missing == []


def test_local_links_resolve() -> None:
    bad = []
    for page in DOCS.glob("*.md"):
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", page.read_text(encoding="utf-8")):
            if "://" in target:
                continue
            if not (page.parent / target).exists():
                bad.append((page.name, target))
    assert bad == []


def test_every_page_is_reachable_from_the_guide() -> None:
    index = (DOCS / "index.md").read_text(encoding="utf-8")
    # a page named _*.md is a draft for a maintainer to move in (docs/_architecture_v2.md), not a guide page
    orphans = [p.name for p in DOCS.glob("*.md")
               if p.name != "index.md" and not p.name.startswith("_") and f"]({p.name}" not in index]
    assert orphans == []
