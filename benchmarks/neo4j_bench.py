"""Neo4j stage of the benchmarks: push rows/s, re-push rows/s, the cypher-shell script's rows/s and the
bulk import's time, against a real Neo4j 5 server.

    .venv/bin/python benchmarks/neo4j_bench.py GRAPH_DIR [GRAPH_DIR ...] [--script] [--import] [--json FILE]

The server: NEO4J_URI/NEO4J_USER/NEO4J_PASSWORD when set (its database is emptied), otherwise a
disposable one started from a server home (NEO4J_HOME or ../shared/neo4j/home; NEO4J_HEAP and
NEO4J_PAGECACHE size it) and stopped at the end. Without either the stage prints why and exits 0.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import _neo4j_home as nh  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("graphs", nargs="+")
    ap.add_argument("--script", action="store_true", help="also time the cypher-shell script (county-sized graphs)")
    ap.add_argument("--import", dest="bulk", action="store_true", help="also time neo4j-admin database import full")
    ap.add_argument("--json")
    args = ap.parse_args()

    from graphkit.neo4j import connect, export_cypher, export_import, push

    started = None
    env = {k: os.environ[k] for k in ("NEO4J_URI", "NEO4J_USER", "NEO4J_PASSWORD") if k in os.environ}
    home, why = nh.find_home()
    if "NEO4J_URI" not in env:
        if home is None:
            print(f"Neo4j stage skipped: {why}")
            return 0
        started = nh.copy_home(home)
        env = nh.start(started)
    results = []
    try:
        drv = connect(env["NEO4J_URI"], env.get("NEO4J_USER", "neo4j"), env["NEO4J_PASSWORD"])
        for g in args.graphs:
            row: dict[str, object] = {"graph": g}
            nh.wipe(drv)
            t = time.perf_counter()
            rep = push(g, uri=env["NEO4J_URI"], user="neo4j", password=env["NEO4J_PASSWORD"], driver=drv)
            dt = time.perf_counter() - t
            rows = int(rep["expected"].sum())
            row.update(rows=rows, push_s=round(dt, 2), push_rows_per_s=round(rows / dt))
            t = time.perf_counter()
            push(g, uri=env["NEO4J_URI"], user="neo4j", password=env["NEO4J_PASSWORD"], driver=drv)
            dt = time.perf_counter() - t
            row.update(repush_s=round(dt, 2), repush_rows_per_s=round(rows / dt))
            tmp = Path(tempfile.mkdtemp(prefix="gk-neo4j-bench."))
            if args.script:
                shell = Path(env.get("NEO4J_TEST_HOME") or str(home)) / "bin" / "cypher-shell"
                script = export_cypher(g, tmp / "g.cypher")
                nh.wipe(drv)
                t = time.perf_counter()
                subprocess.run([str(shell), "-a", env["NEO4J_URI"], "-u", "neo4j", "-f", str(script)], check=True,
                               env={**os.environ, "NEO4J_PASSWORD": env["NEO4J_PASSWORD"]}, capture_output=True)
                dt = time.perf_counter() - t
                row.update(script_s=round(dt, 2), script_rows_per_s=round(rows / dt))
            if args.bulk and home is not None:
                t = time.perf_counter()
                folder = export_import(g, tmp / "import")
                row["import_files_s"] = round(time.perf_counter() - t, 2)
                target = nh.copy_home(home, prefix="neo4j-import.")
                try:
                    t = time.perf_counter()
                    subprocess.run(["bash", str(folder / "import.sh"), "neo4j"], check=True, capture_output=True,
                                   env={**nh.admin_env(target), "NEO4J_ADMIN": str(target / "bin" / "neo4j-admin")})
                    dt = time.perf_counter() - t
                    row.update(import_s=round(dt, 2), import_rows_per_s=round(rows / dt))
                finally:
                    nh.stop(target)
            results.append(row)
            print(json.dumps(row, ensure_ascii=False), flush=True)
        drv.close()
    finally:
        if started is not None:
            nh.stop(started)
    if args.json:
        Path(args.json).write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
