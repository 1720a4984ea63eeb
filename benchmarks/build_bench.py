"""Where the whole build from ledgers spends its time: wall and CPU seconds per phase, and rows/s.

``benchmarks/run.py --stages load,build`` gives the build's rate next to the read-only rate; this
script splits one ``build_graph`` into its phases — read and map (two worker processes for a large
folder), resolve names, merge and check, final dtypes — and reports CPU seconds beside wall seconds,
which stay comparable when other work shares the machine (wall seconds do not)::

    .venv/bin/python benchmarks/build_bench.py LEDGER_DIR            # e.g. a province from `graphkit synth`
    PYTHONPATH=OTHER_CHECKOUT .venv/bin/python benchmarks/build_bench.py LEDGER_DIR   # another version

Rows are the ledger rows the read report counts as read (``rows_read``), as in the harness.
"""
from __future__ import annotations

import argparse
import resource
import time
from collections.abc import Callable
from typing import Any

_PHASES = ("_resolve", "_merge", "_finish_types")


def _timed(load: Any, name: str, spent: dict[str, tuple[float, float]]) -> None:
    fn: Callable[..., Any] = getattr(load, name)

    def inner(*args: Any, **kwargs: Any) -> Any:
        c0, w0 = time.process_time(), time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            spent[name] = (time.process_time() - c0, time.perf_counter() - w0)

    setattr(load, name, inner)


def main() -> None:
    """Build once from the given folder and print the phase table."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("ledgers", help="a ledger folder (DATA_DIR)")
    args = p.parse_args()
    import graphkit as gk
    from graphkit.ingest import load

    spent: dict[str, tuple[float, float]] = {}
    for name in _PHASES:
        _timed(load, name, spent)
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
    print(f"{'worker processes':28s} {children.ru_utime + children.ru_stime:8.2f}")
    print(f"rows {rows:,}; records {sum(len(t) for t in graph.tables.values()):,}; problems {len(graph.problems):,}")
    print(f"whole build: {rows / wall:,.0f} rows/s wall; load average {', '.join(f'{x:.1f}' for x in _loadavg())}")


def _loadavg() -> tuple[float, float, float]:
    import os

    return os.getloadavg()


if __name__ == "__main__":
    main()
