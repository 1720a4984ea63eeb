"""Build graphkit's documentation: generated sections of docs/*.md and the API reference.

What it does:

1. Refreshes the *generated blocks* of ``docs/index.md`` (between ``<!-- generated:NAME -->`` and
   ``<!-- /generated:NAME -->``) from the sources they describe, so they cannot drift:

   * ``layouts`` — every built-in ledger layout from ``loaders/*.yaml`` (files, sheets, columns
     with their header spellings, the records each row makes);
   * ``cli`` — every ``graphkit`` command with its options, from the click definitions (the text
     of ``graphkit COMMAND --help``);
   * ``analyses`` — every analysis' summary and the meaning of its columns, from its docstring,
     plus the Chinese title of each column (what :func:`graphkit.labelled` shows);
   * ``settings`` — every setting with its default and its environment variable.

2. Writes the API reference generated from the docstrings to ``docs/_build/api/`` (Markdown, not
   committed): ``index.md`` with every name of ``graphkit.__all__`` by topic, and one page per
   public module.

Usage::

    .venv/bin/python scripts/build_docs.py            # refresh the blocks, build docs/_build/
    .venv/bin/python scripts/build_docs.py --check    # exit 1 if a generated block is out of date
    .venv/bin/python scripts/build_docs.py --out DIR  # build the API reference into DIR
"""
from __future__ import annotations

import argparse
import inspect
import re
import sys
from pathlib import Path
from typing import Any
from collections.abc import Callable

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
sys.path.insert(0, str(ROOT))

import click  # noqa: E402
import yaml  # noqa: E402

import graphkit as gk  # noqa: E402

#: Public modules with their own API page, in this order.
MODULES = ["graphkit.ingest.load", "graphkit.store.io", "graphkit.core.model", "graphkit.core.schema", "graphkit.core.mapping",
           "graphkit.analyses.coverage", "graphkit.analyses.pairing", "graphkit.analyses.clusters", "graphkit.analyses.cadence", "graphkit.analyses.change",
           "graphkit.analyses.analysis", "graphkit.analyses.registry", "graphkit.testing", "graphkit.views.report", "graphkit.views.view", "graphkit.exports.gephi", "graphkit.exports.neo4j", "graphkit.exports.cypher", "graphkit.exports.queries",
           "graphkit.exports.rdf", "graphkit.exports.sparql", "graphkit.core.settings", "graphkit.core.errors", "graphkit.ingest.synth"]

def analysis_names() -> list[str]:
    """The analyses documented in docs/index.md, by public name: every public function the current
    analysis registry declares (graphkit.analyses.registry), then ``analyze`` (all of them at once)."""
    from graphkit.analyses.registry import current_registry

    return [*current_registry().public_functions(), "analyze"]

GROUP_TITLES = {
    "load": "读取与构建 / Load and build", "analyses": "分析 / Analyses", "views": "视图 / Views",
    "exports": "导出 / Exports", "queries": "查询 / Queries", "settings": "设置 / Settings", "errors": "错误 / Errors",
}


# ---- docstrings → Markdown ---------------------------------------------------------------------

_ROLE = re.compile(r":(?:func|class|meth|data|mod|attr|obj|exc):`~?([^`]+)`")
_SECTION_LISTS = {"Parameters", "Returns", "Raises", "Attributes", "Yields", "Other Parameters", "Warns"}


def _inline(text: str) -> str:
    text = _ROLE.sub(r"`\1`", text)
    return text.replace("``", "`")


def render_docstring(doc: str | None) -> str:
    """A numpydoc docstring as Markdown: sections bold, parameter lists as lists, doctests fenced."""
    if not doc:
        return "*(no docstring)*\n"
    lines = inspect.cleandoc(doc).splitlines()
    out: list[str] = []
    section: str | None = None
    i = 0
    while i < len(lines):
        line = lines[i]
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        if line.strip() and re.fullmatch(r"-{3,}", nxt.strip()) and not line.startswith(" "):
            section = line.strip()
            out += ["", f"**{section}**", ""]
            i += 2
            continue
        if line.startswith(">>>"):
            block = []
            while i < len(lines) and lines[i].strip():
                block.append(lines[i])
                i += 1
            out += ["```pycon", *block, "```", ""]
            continue
        if section in _SECTION_LISTS and line.strip() and not line.startswith(" "):
            term = line.strip()
            desc: list[str] = []
            i += 1
            while i < len(lines) and (lines[i].startswith(" ") or (not lines[i].strip() and i + 1 < len(lines)
                                                                     and lines[i + 1].startswith(" "))):
                desc.append(lines[i].strip())
                i += 1
            text = " ".join(d for d in desc if d)
            out.append(f"- `{term}`" + (f" — {_inline(text)}" if text else ""))
            continue
        if line.rstrip().endswith("::") and not line.startswith(" "):
            out.append(_inline(line.rstrip()[:-1]))
            i += 1
            while i < len(lines) and not lines[i].strip():
                i += 1
            block = []
            while i < len(lines) and (lines[i].startswith(" ") or not lines[i].strip()):
                block.append(lines[i][4:] if lines[i].startswith("    ") else lines[i].strip())
                i += 1
            while block and not block[-1].strip():
                block.pop()
            out += ["", "```text", *block, "```", ""]
            continue
        out.append(_inline(line))
        i += 1
    text = "\n".join(out)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def _signature(name: str, obj: Any) -> str:
    """``name(a, b, *, c=1)``: the call signature without type annotations (they are in the source)."""
    try:
        sig = inspect.signature(obj)
    except (TypeError, ValueError):
        return name
    plain = sig.replace(parameters=[p.replace(annotation=inspect.Parameter.empty) for p in sig.parameters.values()],
                        return_annotation=inspect.Signature.empty)
    return f"{name}{plain}"


def _summary(doc: str | None) -> str:
    return _inline((inspect.cleandoc(doc).splitlines() or [""])[0]) if doc else ""


def document(name: str, obj: Any, *, prefix: str = "gk.") -> str:
    """One API entry: heading, signature, docstring."""
    if isinstance(obj, gk.Settings):
        rows = "\n".join(f"| `{k}` | `{v!r}` | `GRAPHKIT_{k.upper()}` |" for k, v in obj.as_dict().items())
        return (f"### `{prefix}{name}`\n\nThe settings object (`graphkit.settings.config`), an instance of "
                f"`Settings`: the defaults graphkit uses where a call does not say otherwise.\n\n"
                f"| setting | default | environment variable |\n|---|---|---|\n{rows}\n\n" + render_docstring(type(obj).__doc__))
    if inspect.isclass(obj):
        head = f"### `{prefix}{name}`\n\n```python\nclass {_signature(name, obj)}\n```\n\n"
        body = render_docstring(obj.__doc__)
        members = []
        for mname, member in inspect.getmembers(obj):
            if mname.startswith("_") and mname not in ("_repr_html_",):
                continue
            if mname == "_repr_html_":
                continue
            if (inspect.isfunction(member) or isinstance(member, property)) and mname in obj.__dict__:
                doc = member.__doc__ if not isinstance(member, property) else member.fget.__doc__
                kind = "property" if isinstance(member, property) else "method"
                sig = mname if isinstance(member, property) else _signature(mname, member)
                members.append(f"- `{sig}` ({kind}) — {_summary(doc) or '*(no docstring)*'}")
        return head + body + ("\n**Members**\n\n" + "\n".join(members) + "\n" if members else "")
    if callable(obj):
        module = getattr(obj, "__module__", "") or ""
        where = (f"Defined in [`{module}`]({module}.md).\n\n"
                 if module.startswith("graphkit.") and prefix == "gk." else "")
        return (f"### `{prefix}{name}`\n\n```python\n{prefix}{_signature(name, obj)}\n```\n\n" + where
                + render_docstring(obj.__doc__))
    return f"### `{prefix}{name}`\n\n`{obj!r}`\n"


def api_index() -> str:
    parts = ["# graphkit API reference\n",
             "Generated from the docstrings by `scripts/build_docs.py`. `import graphkit as gk` gives every name "
             "below; each is loaded on first use. Module pages: "
             + ", ".join(f"[{m}]({m}.md)" for m in MODULES) + ".\n"]
    groups: dict[str, list[str]] = gk._GROUPS  # type: ignore[attr-defined]
    parts.append("## 目录 / Contents\n")
    for group, names in groups.items():
        parts.append(f"- **{GROUP_TITLES.get(group, group)}**: " + ", ".join(f"`{n}`" for n in names))
    parts.append("")
    for group, names in groups.items():
        parts.append(f"## {GROUP_TITLES.get(group, group)}\n")
        for n in names:
            parts.append(document(n, getattr(gk, n)))
    return "\n".join(parts)


def module_page(modname: str) -> str:
    import importlib

    mod = importlib.import_module(modname)
    parts = [f"# `{modname}`\n", render_docstring(mod.__doc__)]
    names = [n for n in getattr(mod, "__all__", []) if not n.isupper()]
    if names:
        parts.append("## Contents\n")
    for n in names:
        obj = getattr(mod, n)
        if inspect.isfunction(obj) or inspect.isclass(obj):
            parts.append(document(n, obj, prefix=""))
    consts = [n for n in getattr(mod, "__all__", []) if n.isupper()]
    if consts:
        parts.append("## Constants\n")
        parts += [f"- `{n}` = `{getattr(mod, n)!r}`"[:300] for n in consts]
        parts.append("")
    return "\n".join(parts)


# ---- generated blocks of docs/index.md -----------------------------------------------------------

def _aliases(values: list[Any]) -> str:
    return "、".join(str(v) for v in values)


def _value_source(spec: Any) -> str:
    if isinstance(spec, str):
        return f"column `{spec}`"
    if not isinstance(spec, dict):
        return str(spec)
    for key, what in (("column", "column"), ("entity", "record"), ("const", "constant"), ("setting", "setting")):
        if key in spec:
            text = f"{what} `{spec[key]}`"
            break
    else:
        text = ""
    if spec.get("lookup") and spec.get("keys"):
        text = f"{spec['lookup']} found by its keys (" + ", ".join(_value_source(k) for k in spec["keys"]) + ")"
    elif spec.get("lookup"):
        text += f" → {spec['lookup']} by name"
    if spec.get("parse"):
        text += f" (parse {spec['parse']})"
    if spec.get("derive"):
        text += f" (derive {spec['derive']})"
    if spec.get("default_from"):
        text += f", else {_value_source(spec['default_from'])}"
    return text


def layout_tables() -> str:
    """Markdown tables of every built-in ledger layout, read from loaders/*.yaml."""
    from graphkit.core.paths import loaders_dir

    model = gk.load_schema()
    parts = []
    for path in sorted(loaders_dir().glob("*.yaml")):
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        label = raw.get("label") or {}
        match = raw.get("match") or {}
        parts.append(f"#### {label.get('zh', raw['id'])} / {label.get('en', raw['id'])} (`{raw['id']}`, "
                     f"`loaders/{path.name}`)\n")
        files = ", ".join(f"`{p}`" for p in match.get("files", ["*"]))
        line = f"Files 文件名: {files}"
        if match.get("sheets") and match["sheets"] != ["*"]:
            line += "; sheets 工作表: " + ", ".join(f"`{p}`" for p in match["sheets"])
        if match.get("exclude_files"):
            line += "; not 不含: " + ", ".join(f"`{p}`" for p in match["exclude_files"])
        parts.append(line + "\n")
        parts.append("| column 列 | required 必填 | header spellings 表头写法 |\n|---|---|---|")
        for cname, c in (raw.get("columns") or {}).items():
            parts.append(f"| `{cname}` | {'是 yes' if (c or {}).get('required') else ''} | {_aliases((c or {}).get('aliases', []))} |")
        parts.append("")
        recs = []
        for ename, e in (raw.get("entities") or {}).items():
            t = model[e["type"]]
            props = ", ".join(f"`{p}` ← {_value_source(v)}" for p, v in (e.get("properties") or {}).items())
            cond = f" when {_value_source(e['when'])} is filled" if e.get("when") else ""
            split = f", one per value of column `{e['split']['column']}`" if e.get("split") else ""
            recs.append(f"- `{ename}` → **{t.name}** ({t.label['zh']}){split}{cond}: {props}")
        parts.append("Each row makes 每行生成:\n\n" + "\n".join(recs) + "\n")
    return "\n".join(parts)


def _walk(cmd: click.Command, ctx: click.Context, path: list[str]) -> list[str]:
    out = [f"#### `{' '.join(path)}`\n", "```text", cmd.get_help(ctx).rstrip(), "```", ""]
    if isinstance(cmd, click.Group):
        for name in sorted(cmd.list_commands(ctx)):
            sub = cmd.get_command(ctx, name)
            if sub is None or sub.hidden:
                continue
            sub_ctx = click.Context(sub, info_name=name, parent=ctx)
            out += _walk(sub, sub_ctx, [*path, name])
    return out


def cli_reference() -> str:
    """``graphkit --help`` and the help of every command, at a fixed width."""
    from graphkit.cli import cli

    settings = {**cli.context_settings, "terminal_width": 100, "max_content_width": 100}
    ctx = click.Context(cli, info_name="graphkit", **settings)
    return "\n".join(_walk(cli, ctx, ["graphkit"]))


def _returns(doc: str) -> str:
    text = inspect.cleandoc(doc)
    m = re.search(r"^Returns\n-+\n(.*?)(?=^\S[^\n]*\n-{3,}\n|\Z)", text, flags=re.S | re.M)
    return m.group(1).rstrip() if m else ""


def analyses_reference() -> str:
    """Each analysis: how to call it, what it answers, what its columns mean (from its docstring)."""
    from graphkit.analyses.toolkit import column_labels
    from graphkit.analyses.registry import current_registry

    parts = []
    for name in analysis_names():
        fn = getattr(gk, name)
        doc = fn.__doc__ or ""
        parts.append(f"#### `gk.{_signature(name, fn)}`\n")
        parts.append(_summary(doc) + "\n")
        ret = _returns(doc)
        if ret:
            parts.append(render_docstring("x\n\nReturns\n-------\n" + ret).split("**Returns**", 1)[1].strip() + "\n")
    labels = column_labels()
    for col, (zh, _en) in current_registry().column_labels().items():
        labels.setdefault(col, zh)
    parts.append("#### 列名的中文标题 / Column titles in Chinese (`gk.labelled`)\n")
    parts.append("| column | 中文 |\n|---|---|")
    parts += [f"| `{k}` | {v} |" for k, v in sorted(labels.items())]
    return "\n".join(parts) + "\n"


def settings_reference() -> str:
    """Every setting: default (ignoring the environment), environment variable, meaning."""
    doc = inspect.cleandoc(gk.Settings.__doc__ or "")
    meaning = {}
    m = re.search(r"Attributes\n-+\n(.*)", doc, flags=re.S)
    if m:
        current = None
        for line in m.group(1).splitlines():
            if line and not line.startswith(" "):
                current = line.strip()
                meaning[current] = ""
            elif current and line.strip():
                meaning[current] = (meaning[current] + " " + line.strip()).strip()
    rows = [f"| `{k}` | `{v!r}` | `GRAPHKIT_{k.upper()}` | {_inline(meaning.get(k, ''))} |"
            for k, v in gk.Settings().as_dict().items()]
    return "| setting | default | environment | meaning |\n|---|---|---|---|\n" + "\n".join(rows) + "\n"


BLOCKS: dict[str, Callable[[], str]] = {
    "layouts": layout_tables, "cli": cli_reference, "analyses": analyses_reference, "settings": settings_reference,
}
_BLOCK = re.compile(r"(<!-- generated:(?P<name>[a-z_]+) -->\n)(?P<body>.*?)(<!-- /generated:(?P=name) -->)", re.S)


def refresh(text: str, only: set[str] | None = None) -> tuple[str, list[str]]:
    """The text with every generated block rebuilt; and the names of blocks that changed."""
    changed: list[str] = []

    def sub(m: re.Match[str]) -> str:
        name = m.group("name")
        if name not in BLOCKS:
            raise SystemExit(f"unknown generated block {name!r}; known: {', '.join(BLOCKS)}")
        if only is not None and name not in only:
            return m.group(0)
        body = BLOCKS[name]().rstrip() + "\n"
        if body != m.group("body"):
            changed.append(name)
        return m.group(1) + body + m.group(4)

    return _BLOCK.sub(sub, text), changed


def build_api(out: Path) -> list[Path]:
    """Write the API reference (Markdown) into ``out``; returns the files written."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    pages = {"index.md": api_index(), **{f"{m}.md": module_page(m) for m in MODULES}}
    for name, text in pages.items():
        path = out / name
        tmp = path.with_suffix(".md.tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="only check that the generated blocks are up to date")
    ap.add_argument("--out", type=Path, default=DOCS / "_build" / "api", help="where to write the API reference")
    args = ap.parse_args(argv)
    stale = []
    for path in sorted(DOCS.glob("*.md")):
        text = path.read_text(encoding="utf-8")
        new, changed = refresh(text)
        if changed:
            stale += [f"{path.name}:{c}" for c in changed]
            if not args.check:
                tmp = path.with_suffix(".md.tmp")
                tmp.write_text(new, encoding="utf-8")
                tmp.replace(path)
    if args.check:
        if stale:
            print("out of date (run scripts/build_docs.py): " + ", ".join(stale), file=sys.stderr)
            return 1
        return 0
    if stale:
        print("refreshed " + ", ".join(stale))
    files = build_api(args.out)
    print(f"API reference: {len(files)} pages in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
