"""Compare two graph folders written by ``graphkit build``: every Parquet table and the read report.

For checking that a change to the loader leaves the built output as it was: build the same ledgers
with two checkouts, then::

    .venv/bin/python benchmarks/compare_builds.py OUT_A OUT_B

Every ``*.parquet`` file under either folder (the record tables, ``sources``, the problems table if
written) is compared by columns, dtypes and values (row order included); ``read_report.json`` is
compared as JSON. Prints one line per difference and "all outputs identical" if there is none; the
exit status is 1 on a difference.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pandas as pd


def compare(a: Path, b: Path) -> list[str]:
    """The differences between the graph folders ``a`` and ``b`` (empty: identical).

    Parameters
    ----------
    a, b
        Folders written by ``graphkit build``.

    Returns
    -------
    list of str
        One line per file that differs or exists on one side only.
    """
    diffs: list[str] = []
    files_a = {p.relative_to(a).as_posix() for p in a.rglob("*.parquet")}
    files_b = {p.relative_to(b).as_posix() for p in b.rglob("*.parquet")}
    for rel in sorted(files_a ^ files_b):
        diffs.append(f"{rel}: only in {'A' if rel in files_a else 'B'}")
    for rel in sorted(files_a & files_b):
        ta, tb = pd.read_parquet(a / rel), pd.read_parquet(b / rel)
        if list(ta.columns) != list(tb.columns):
            diffs.append(f"{rel}: columns differ: {list(ta.columns)} vs {list(tb.columns)}")
        elif ta.dtypes.astype(str).tolist() != tb.dtypes.astype(str).tolist():
            diffs.append(f"{rel}: dtypes differ")
        elif not ta.equals(tb):
            diffs.append(f"{rel}: values differ ({len(ta)} vs {len(tb)} rows)")
    ra, rb = a / "read_report.json", b / "read_report.json"
    if ra.exists() != rb.exists():
        diffs.append("read_report.json: only on one side")
    elif ra.exists() and json.loads(ra.read_text("utf-8")) != json.loads(rb.read_text("utf-8")):
        diffs.append("read_report.json: differs")
    return diffs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("a", type=Path)
    ap.add_argument("b", type=Path)
    args = ap.parse_args()
    diffs = compare(args.a, args.b)
    for d in diffs:
        print(d)
    print("all outputs identical" if not diffs else f"{len(diffs)} difference(s)")
    sys.exit(1 if diffs else 0)


if __name__ == "__main__":
    main()
