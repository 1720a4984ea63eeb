"""Load a folder of ledgers into a validated ``Graph``.

The pipeline, in three passes:

1. **Read and map** (per sheet): find the ledger layout a sheet follows, detect its header row,
   parse every cell by the schema's property types and collect problems per cell.
2. **Resolve** (across sheets): references written as names (a pairing naming an org) are matched
   by normalized name against the records every sheet made; ambiguity is reported with the
   candidates, never merged silently.
3. **Merge and check**: records with the same deterministic id are merged (conflicting values are
   problems), then rules that span rows are checked (duplicates, intervals, self-pairs, cycles).

This module holds the entry points; the parts are private modules of this folder:
``_load_config`` (``graphkit.yaml``, name tables, the folder's files and mappings, the build context),
``_load_sheet`` (pass 1 per sheet: layout, header, footers, filters, unpivot, the read report),
``_load_mapper`` (pass 1 per mapping: cells to staged records), ``_load_resolve`` (passes 2 and 3)
and ``_load_pool`` (one file read and mapped; two worker processes for a large folder).

Examples
--------
>>> import graphkit as gk
>>> g = gk.build_graph(gk.sample_path("sample_county"))
>>> g.problems.query("severity == 'error'").empty
True
"""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any
from collections.abc import Callable, Iterable

import pandas as pd

from ..core.errors import GraphkitError, ValidationFailed
from ..core.model import Graph
from ..core.problems import Problems
from ..core.schema import load_schema
# The parts of the loader (private modules of this folder). The names below are re-exported here:
# callers (graphkit.store.province, annotate, suggest, the tests and benchmarks) import them from this module.
from ._read import SPREADSHEET_SUFFIXES as SPREADSHEET_SUFFIXES, TEXT_SUFFIXES as TEXT_SUFFIXES
from ._read import Limits as Limits, file_sha256 as file_sha256
from ._load_config import (CONFIG_FILE as CONFIG_FILE, XREF_PREFIX as XREF_PREFIX, CrossRef as CrossRef,
                           DatasetConfig as DatasetConfig, read_config as read_config, _CONFIG_KEYS as _CONFIG_KEYS,
                           _FILE_OPTIONS as _FILE_OPTIONS, _Context, _discover as _discover, _load_mappings,
                           _read_aliases)
from ._load_mapper import _Staged
from ._load_sheet import _detect_header as _detect_header
from ._load_resolve import _Index as _Index, _finish_types, _merge, _resolve
from ._load_pool import (PARALLEL_MIN_BYTES as PARALLEL_MIN_BYTES, _WORKERS as _WORKERS, _cpu_count as _cpu_count,
                         _FilePool as _FilePool, _load_file, _unpack_staged)

__all__ = ["DatasetConfig", "read_config", "build_graph", "validate_ledgers", "make_id", "CONFIG_FILE"]

ProgressFn = Callable[[str], None]


def make_id(prefix: str, type_name: str, parts: Iterable[str]) -> str:
    """Deterministic id of a record from its type and key parts.

    >>> make_id("org", "Organization", ["青泥洞村党支部"])
    'org-1885ae34683a064e'
    """
    digest = hashlib.blake2b("\x1f".join([type_name, *parts]).encode("utf-8"), digest_size=8).hexdigest()
    return f"{prefix}-{digest}"


# --------------------------------------------------------------------------------------------
# public entry points


def build_graph(data_dir: str | Path, *, lenient: bool = False, mappings: Iterable[str | Path] = (),
                county: str | None = None, progress: ProgressFn | None = None, limits: Limits | None = None,
                strict: bool = False, cross: CrossRef | None = None) -> Graph:
    """Load every ledger in ``data_dir`` into a validated graph.

    Parameters
    ----------
    data_dir
        A folder of .xlsx/.xls/.ods/.csv ledgers, optionally with ``graphkit.yaml`` and ``mappings/``.
    lenient
        Load what is valid instead of failing; the problems stay on ``graph.problems``.
    mappings
        Extra mapping files or folders (a mapping with a built-in ``id`` replaces it).
    county
        Overrides ``county`` in ``graphkit.yaml``.
    progress
        Called with a short message as each file is read.

    limits
        Size limits that refuse oversized or zip-bomb-like files before they are unpacked (None:
        ``Limits()``, whose per-sheet limits come from ``graphkit.config``).
    strict
        Treat every warning as an error (``--strict``).
    cross
        In a province build (``graphkit.store.province``): called for every name resolved, may replace
        the county's own result (a ``县名/名称`` reference becomes a placeholder id starting with
        :data:`XREF_PREFIX`, resolved when the counties are assembled).

    Returns
    -------
    Graph
        With ``graph.read_report``: per sheet, how it was read (see ``graphkit.core.read_report``).

    Raises
    ------
    ValidationFailed
        If any error-level problem was found and ``lenient`` is False; ``.problems`` has them all
        (file, sheet, row, column, value, rule, message in Chinese and English).
    GraphkitError
        If the folder does not exist, holds no ledgers, or none of its sheets fits a layout; if
        ``graphkit.yaml`` or a mapping file is invalid.

    Examples
    --------
    >>> import graphkit as gk
    >>> g = gk.build_graph(gk.sample_path("sample_county"))
    >>> g.count("Organization"), g.settings["county"]
    (568, '示例县')
    >>> g.orgs.loc[g.orgs["name"] == "示例县农业农村局党委", "category"].tolist()
    ['1']
    """
    data_dir = Path(data_dir)
    limits = Limits() if limits is None else limits
    if not data_dir.is_dir():
        raise GraphkitError(f"台账目录不存在 / ledger folder not found: {data_dir}")
    config = read_config(data_dir)
    if county is not None:
        config.county = county
    model = load_schema()
    maps = _load_mappings([*config.mappings, *mappings], model)
    problems = Problems()
    ctx = _Context(model, config, problems, config.county, cross=cross)
    if config.aliases:
        ctx.aliases = _read_aliases(ctx, limits)
    from ..core.files import OUTPUT_KINDS, graphkit_outputs

    # graphkit's own outputs inside DATA_DIR (a graph, analysis or import folder, a report workbook)
    # are never read back as ledgers; each is named as a warning, not skipped silently
    outputs = graphkit_outputs(data_dir)
    for out_path, out_kind in outputs:
        rel_out = out_path.relative_to(data_dir).as_posix() + ("/" if out_path.is_dir() else "")
        zh_kind, en_kind = OUTPUT_KINDS[out_kind]
        problems.add(file=rel_out, rule="graphkit_output", severity="warning", value=out_kind,
                     zh=f"{zh_kind}，已跳过", en=f"{en_kind}, skipped")
        if progress:
            progress(f"跳过 graphkit 的输出 skipped graphkit's own output: {rel_out} ({en_kind})")
    passed_over: list[dict[str, Any]] = []
    files = _discover(data_dir, config, passed_over, skip=[p for p, _ in outputs])
    if not files:
        raise GraphkitError(f"{data_dir}: 目录中没有台账文件（.xlsx/.xls/.csv）/ no ledger files (.xlsx/.xls/.csv) in the folder")
    staged: list[_Staged] = []
    sources: list[dict[str, Any]] = []
    rels = [path.relative_to(data_dir).as_posix() for path in files]
    with _FilePool(files, rels, model, config, maps, limits) as pool:
        for i, (path, rel) in enumerate(zip(files, rels), start=1):
            if progress:
                progress(f"[{i}/{len(files)}] 读取 reading {rel}")
            done = pool.result(i - 1)
            if done is not None:  # read and mapped by a worker process: take its records and problems in order
                rows, reported, packed, source, report = done
                problems.extend(rows)
                ctx.reported |= reported
                ctx.report.extend(report)
                staged.extend(_unpack_staged(p, model, maps) for p in packed)
                sources.append(source)
                continue
            out, source = _load_file(ctx, maps, path, rel, config.for_file(rel), limits)
            staged.extend(out)
            sources.append(source)
    if not staged and sources and not any(r["severity"] == "error" and r["rule"] != "unclaimed_file"
                                          for r in problems.rows):
        # every sheet was empty or unrecognized: an empty graph would hide that nothing was read
        names = ", ".join(s["file"] for s in sources[:5]) + (" …" if len(sources) > 5 else "")
        raise GraphkitError(
            f"{data_dir}: 没有任何工作表符合已知的台账格式（{names}），未导入任何记录；请检查表头，或在 "
            f"{data_dir / 'mappings'} 中添加映射文件（或用 --mapping）/ no sheet matched a known ledger layout "
            f"({names}) and nothing was loaded; check the headers or add a mapping file in DATA_DIR/mappings/ "
            f"(or pass --mapping)")
    if progress:
        progress("解析引用 resolving references")
    _resolve(ctx, staged)
    if progress:
        progress("合并与校验 merging and checking")
    tables = _merge(ctx, staged, lenient)
    staged.clear()  # the per-sheet frames are merged: free them before the final copies are made
    if strict:
        for r in problems.rows:
            if r["severity"] == "warning":
                r["severity"] = "error"
                r["message_zh"] += "（--strict：警告视为错误）"
                r["message_en"] += " (--strict: warnings are errors)"
    frame = problems.frame()
    report = sorted([*ctx.report, *passed_over], key=lambda e: e["file"])  # stable: sheets keep their order
    if not lenient and (frame["severity"] == "error").any():
        exc = ValidationFailed(frame, hint="修正后重试，或用 --lenient 只导入有效行 / fix and retry, or use --lenient.")
        exc.read_report = report  # type: ignore[attr-defined]
        raise exc
    tables = _finish_types(model, tables)
    graph = Graph(tables, model=model, sources=pd.DataFrame(sources), problems=frame,
                  settings={"county": config.county, "data_dir": str(data_dir), "lenient": lenient})
    graph.read_report = report
    return graph


def validate_ledgers(data_dir: str | Path, **kwargs: Any) -> pd.DataFrame:
    """Return every problem found in ``data_dir`` (an empty table if none); never raises for bad rows.

    Examples
    --------
    >>> import graphkit as gk
    >>> validate_ledgers(gk.sample_path("sample_county")).empty
    True
    """
    kwargs["lenient"] = True
    return build_graph(data_dir, **kwargs).problems
