"""Where the whole build from ledgers spends its time: wall and CPU seconds per phase, and rows/s.

``benchmarks/run.py --stages load,build`` gives the build's rate next to the read-only rate; this
script splits one ``build_graph`` into its phases — read and map (two worker processes for a large
folder), resolve names, merge and check, final dtypes — and reports CPU seconds beside wall seconds,
which stay comparable when other work shares the machine (wall seconds do not)::

    .venv/bin/python benchmarks/build_bench.py LEDGER_DIR            # e.g. a province from `graphkit synth`
    .venv/bin/python benchmarks/build_bench.py LEDGER_DIR --worker-phases   # + the workers' side, per phase
    PYTHONPATH=OTHER_CHECKOUT .venv/bin/python benchmarks/build_bench.py LEDGER_DIR   # another version

The worker processes' CPU seconds are the sum of what each worker reports for its files (its
``time.process_time``; a worker is a child of the forkserver, which ``RUSAGE_CHILDREN`` of this
process does not count). ``--worker-phases`` then reads and maps every file once more in this
process (what a worker does) with process-time wrappers around the reader's passes and the
mapper — not cProfile, which inflates per-value Python about threefold.

Rows are the ledger rows the read report counts as read (``rows_read``), as in the harness.
"""
from __future__ import annotations

import argparse
import resource
import time
from collections.abc import Callable
from typing import Any

_PHASES = ("_resolve", "_merge", "_finish_types")
#: the worker side's passes: (module under graphkit.ingest, function name, label)
_WORKER_PHASES = (
    ("_read", "_check_zip", "read: zip check"),
    ("_read", "_xlsx_parts", "read: workbook parts"),
    ("_read", "_check_xlsx_extents", "read: extents check (XML pass; older)"),
    ("_read", "_scan_parts", "read: XML scan (formulas, +extents)"),
    ("_read", "_fast_sheets", "read: fastexcel sheets"),
    ("_read", "_calamine_cells", "read: python-calamine sheets"),
    ("_read", "_near_integer_serials", "read: date serial check (XML pass)"),
    ("_read", "_raw_sheet", "read: formula errors, merged cells"),
    ("_load_pool", "read_file", "read_file (all of the read)"),
    ("_load_sheet", "_footer_rows", "map: footer detection"),
    ("_load_mapper", "_SheetMapper.run", "map: mapper (records, ids)"),
    ("_load_pool", "_map_sheet", "_map_sheet (all of the map)"),
    ("_load_pool", "file_sha256", "file digest"),
)


def _timed(load: Any, name: str, spent: dict[str, tuple[float, float]], *, label: str | None = None,
           add: bool = False) -> Callable[[], None]:
    """Wrap ``load.<name>`` (a dotted name reaches a method) to record its CPU and wall seconds; returns the undo."""
    owner: Any = load
    *path, attr = name.split(".")
    for part in path:
        owner = getattr(owner, part)
    fn: Callable[..., Any] = getattr(owner, attr)
    key = label or name
    depth = [0]

    def inner(*args: Any, **kwargs: Any) -> Any:
        depth[0] += 1
        c0, w0 = time.process_time(), time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            depth[0] -= 1
            if depth[0] == 0:  # a recursive or nested call is counted once, by its outermost call
                c, w = time.process_time() - c0, time.perf_counter() - w0
                before = spent.get(key, (0.0, 0.0)) if add else (0.0, 0.0)
                spent[key] = (before[0] + c, before[1] + w)

    setattr(owner, attr, inner)
    return lambda: setattr(owner, attr, fn)


def _worker_phases(ledgers: str) -> None:
    """Read and map every ledger file in this process, as a worker does, and print CPU seconds per pass."""
    import importlib
    from pathlib import Path

    from graphkit.core.problems import Problems
    from graphkit.core.schema import load_schema
    from graphkit.ingest import load
    from graphkit.ingest._load_config import _Context, _discover, _load_mappings, read_config

    data_dir = Path(ledgers)
    config = read_config(data_dir)
    model = load_schema()
    maps = _load_mappings([*config.mappings], model)
    files = _discover(data_dir, config, [], skip=[])
    spent: dict[str, tuple[float, float]] = {}
    undo = []
    for module, name, label in _WORKER_PHASES:
        mod = importlib.import_module(f"graphkit.ingest.{module}")
        try:
            undo.append(_timed(mod, name, spent, label=label, add=True))
        except AttributeError:  # a pass this version of graphkit does not have
            continue
    ctx = _Context(model, config, Problems(), config.county)
    c0, w0 = time.process_time(), time.perf_counter()
    try:
        for path in files:
            rel = path.relative_to(data_dir).as_posix()
            load._load_file(ctx, maps, path, rel, config.for_file(rel), load.Limits())
    finally:
        for u in undo:
            u()
    cpu, wall = time.process_time() - c0, time.perf_counter() - w0
    print(f"\nworker side, every file read and mapped in this process ({len(files)} files):")
    print(f"{'pass':36s} {'cpu s':>8s} {'wall s':>8s}")
    for _, _, label in _WORKER_PHASES:
        if label in spent:
            c, w = spent[label]
            print(f"{label:36s} {c:8.2f} {w:8.2f}")
    print(f"{'worker side total':36s} {cpu:8.2f} {wall:8.2f}")


def main() -> None:
    """Build once from the given folder and print the phase table."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("ledgers", help="a ledger folder (DATA_DIR)")
    p.add_argument("--worker-phases", action="store_true",
                   help="then read and map every file in this process and print CPU seconds per pass")
    args = p.parse_args()
    import graphkit as gk
    from graphkit.ingest import load

    spent: dict[str, tuple[float, float]] = {}
    for name in _PHASES:
        _timed(load, name, spent)
    pools: list[Any] = []
    base = load._FilePool

    class _Recorded(base):  # type: ignore[misc, valid-type]
        def __init__(self, *a: Any, **kw: Any) -> None:
            super().__init__(*a, **kw)
            pools.append(self)

    load._FilePool = _Recorded  # type: ignore[misc]
    c0, w0 = time.process_time(), time.perf_counter()
    graph = gk.build_graph(args.ledgers, lenient=True)
    cpu, wall = time.process_time() - c0, time.perf_counter() - w0
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    rows = sum(int(e["rows_read"]) for e in graph.read_report)
    before = wall - sum(w for _, w in spent.values())
    print(f"{'phase':28s} {'cpu s':>8s} {'wall s':>8s}")
    print(f"{'read + map (to resolve)':28s} {cpu - sum(c for c, _ in spent.values()):8.2f} {before:8.2f}"
          "   (main process; the workers below)")
    for name in _PHASES:
        c, w = spent.get(name, (0.0, 0.0))
        print(f"{name.strip('_'):28s} {c:8.2f} {w:8.2f}")
    print(f"{'main process total':28s} {cpu:8.2f} {wall:8.2f}")
    reported = [pool.worker_cpu for pool in pools if hasattr(pool, "worker_cpu")]
    workers = f"{sum(reported):8.2f}" if reported else "     n/a   (this graphkit's workers do not report it)"
    print(f"{'worker processes (read + map)':28s} {workers}")
    if children.ru_utime + children.ru_stime:
        print(f"{'other child processes':28s} {children.ru_utime + children.ru_stime:8.2f}")
    print(f"rows {rows:,}; records {sum(len(t) for t in graph.tables.values()):,}; problems {len(graph.problems):,}")
    total = cpu + sum(reported)
    print(f"whole build: {rows / wall:,.0f} rows/s wall; {rows / total:,.0f} rows per CPU second "
          f"({total:.2f} CPU s in all); load average {', '.join(f'{x:.1f}' for x in _loadavg())}")
    del graph
    if args.worker_phases:
        _worker_phases(args.ledgers)


def _loadavg() -> tuple[float, float, float]:
    import os

    return os.getloadavg()


if __name__ == "__main__":
    main()
