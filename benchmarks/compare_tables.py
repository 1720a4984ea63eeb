"""Behaviour check for refactorings: every ``run_all`` (``gk.analyze``) table, before and after.

``snapshot`` builds graphs from fixed ledger folders with the graphkit on ``sys.path`` and writes
every ``run_all`` table (for two dates) as Parquet; ``compare`` does the same with the code under
test and reports every table that differs. Ledgers are generated once (``ledgers``) so both sides
read the very same files.

Usage::

    python benchmarks/compare_tables.py ledgers BASE            # sample county + province synth
    python benchmarks/compare_tables.py snapshot BASE           # tables of this checkout -> BASE/tables
    python benchmarks/compare_tables.py compare BASE            # this checkout against BASE/tables

``--only county`` limits a run to one dataset (``county`` or ``province``). The exit status of
``compare`` is 1 when any table differs.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
#: The two dates of every dataset: the graph's own reference date and a fixed earlier one.
DATES: dict[str, list[str | None]] = {"county": [None, "2023-06-30"], "province": [None, "2023-06-30"]}


def _ledgers(base: Path) -> None:
    led = base / "ledgers"
    led.mkdir(parents=True, exist_ok=True)
    county = led / "county"
    if not county.exists():
        shutil.copytree(ROOT / "data" / "sample_county", county)
    province = led / "province"
    if not province.exists():
        subprocess.run([sys.executable, "-m", "graphkit.cli", "synth", "--scale", "province", "--single-folder", "--seed", "0",
                        "-o", str(province)], check=True)


def _tables(base: Path, only: str | None) -> dict[str, pd.DataFrame]:
    import graphkit as gk

    out: dict[str, pd.DataFrame] = {}
    for name, dates in DATES.items():
        if only and name != only:
            continue
        t0 = time.perf_counter()
        graph = gk.build_graph(base / "ledgers" / name)
        print(f"{name}: built in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
        for date in dates:
            t0 = time.perf_counter()
            res = gk.analyze(graph, as_of=date, seed=0)
            print(f"{name} @ {date or 'reference'}: run_all {time.perf_counter() - t0:.1f} s", file=sys.stderr)
            for key, table in res.items():
                out[f"{name}__{date or 'reference'}__{key}"] = table
    return out


def _normal(df: pd.DataFrame) -> pd.DataFrame:
    """Values only: dtypes (object vs Arrow strings, int widths) may change in a refactoring."""
    df = df.reset_index(drop=True).copy()
    for col in df.columns:
        s = df[col]
        if pd.api.types.is_bool_dtype(s.dtype):
            df[col] = s.astype("boolean").astype(object)
        elif pd.api.types.is_numeric_dtype(s.dtype):
            df[col] = s.astype("float64")
        elif pd.api.types.is_datetime64_any_dtype(s.dtype):
            df[col] = s.astype("datetime64[ns]")
        else:
            df[col] = s.astype(object).where(s.notna(), None).map(lambda v: v if v is None else str(v))
    df.columns = [str(c) for c in df.columns]
    return df


def _write(tables: dict[str, pd.DataFrame], folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for key, table in tables.items():
        _normal(table).to_pickle(folder / f"{key}.pkl")


def _compare(tables: dict[str, pd.DataFrame], folder: Path, only: str | None) -> int:
    expected = {p.stem: p for p in folder.glob("*.pkl") if not only or p.stem.startswith(only + "__")}
    bad = 0
    for key in sorted(set(expected) | set(tables)):
        if key not in tables:
            print(f"MISSING  {key}: in the snapshot, not produced now")
            bad += 1
            continue
        if key not in expected:
            print(f"NEW      {key}: produced now, not in the snapshot")
            continue
        old = pd.read_pickle(expected[key])
        new = _normal(tables[key])
        try:
            pd.testing.assert_frame_equal(old, new, check_dtype=False, check_exact=False, rtol=1e-9)
        except AssertionError as exc:
            print(f"DIFFERS  {key}: {str(exc).splitlines()[0:4]}")
            bad += 1
        else:
            print(f"same     {key} ({len(new)} rows)")
    print(f"{bad} table(s) differ" if bad else "all tables identical")
    return 1 if bad else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", choices=["ledgers", "snapshot", "compare"])
    parser.add_argument("base", type=Path, help="folder of the ledgers and the snapshot")
    parser.add_argument("--only", choices=sorted(DATES), help="one dataset only")
    args = parser.parse_args(argv)
    if args.action == "ledgers":
        _ledgers(args.base)
        return 0
    tables = _tables(args.base, args.only)
    if args.action == "snapshot":
        _write(tables, args.base / "tables")
        print(f"{len(tables)} tables written to {args.base / 'tables'}")
        return 0
    return _compare(tables, args.base / "tables", args.only)


if __name__ == "__main__":
    sys.exit(main())
