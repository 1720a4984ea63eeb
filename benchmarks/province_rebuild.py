"""Time one-county rebuilds of a province (issue 20: target ≤ 5 s for a 200k-org province).

Each run removes the last row of one county's pairing ledger (or puts it back, alternately) and
runs ``graphkit build PROVINCE -o OUT -q`` in a child process; it prints the wall time and the
child's CPU (user + sys) seconds. OUT must hold a full build of PROVINCE already::

    python -m graphkit.cli synth --scale province --seed 0 -o /tmp/p/ledgers
    python -m graphkit.cli build /tmp/p/ledgers -o /tmp/p/out -q
    PYTHONPATH=$PWD python benchmarks/province_rebuild.py /tmp/p/ledgers /tmp/p/out --county 星家县 --runs 3

The ledger is put back as it was at the end (its bytes and modification time).
"""
from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

LEDGER = "结对共建台账.xlsx"


def _shorter(src: Path, dst: Path) -> None:
    """``dst``: the workbook ``src`` without the last row of its first sheet."""
    import openpyxl

    wb = openpyxl.load_workbook(src)
    ws = wb.worksheets[0]
    ws.delete_rows(ws.max_row)
    wb.save(dst)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("province", type=Path)
    p.add_argument("out", type=Path)
    p.add_argument("--county", required=True, help="the county folder whose pairing ledger is changed")
    p.add_argument("--runs", type=int, default=3)
    args = p.parse_args(argv)
    ledger = args.province / args.county / LEDGER
    with tempfile.TemporaryDirectory() as tmp:
        orig, short = Path(tmp) / "orig.xlsx", Path(tmp) / "short.xlsx"
        shutil.copy2(ledger, orig)
        _shorter(orig, short)
        try:
            for i in range(1, args.runs + 1):
                shutil.copyfile(short if i % 2 else orig, ledger)
                before = resource.getrusage(resource.RUSAGE_CHILDREN)
                t0 = time.perf_counter()
                subprocess.run([sys.executable, "-m", "graphkit.cli", "build", str(args.province), "-o", str(args.out), "-q"],
                               check=True, stdout=subprocess.DEVNULL)
                wall = time.perf_counter() - t0
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
                load = os.getloadavg()[0]
                print(f"run {i}: wall {wall:.2f} s, CPU {cpu:.2f} s (user + sys), load {load:.1f}")
        finally:
            shutil.copy2(orig, ledger)
    return 0


if __name__ == "__main__":
    sys.exit(main())
