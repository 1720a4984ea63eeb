"""Neo4j stage of the benchmarks: push rows/s, re-push rows/s, the cypher-shell script's rows/s and the
bulk import's time, against a real Neo4j 5 server.

    .venv/bin/python benchmarks/neo4j_bench.py GRAPH_DIR [GRAPH_DIR ...] [--script] [--import] [--json FILE]

The server: NEO4J_URI/NEO4J_USER/NEO4J_PASSWORD when set (its database is emptied), otherwise a
disposable one started from a server home (NEO4J_HOME or ../shared/neo4j/home) and stopped at the end;
it gets ``BENCH_HEAP`` / ``BENCH_PAGECACHE`` (NEO4J_HEAP / NEO4J_PAGECACHE when set, else 2g each: a
province store is about 0.9 GB, and the test suite's 512 MiB page cache makes every batch wait for the
disk). Without either the stage prints why and exits 0. ``benchmarks/run.py`` runs :func:`push_figures`
as its ``neo4j_push`` stage.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT / "tests") not in sys.path:
    sys.path.insert(0, str(ROOT / "tests"))

import _neo4j_home as nh  # noqa: E402 - tests/ is put on sys.path just above

BENCH_HEAP = "2g"
BENCH_PAGECACHE = "2g"


def server_available() -> tuple[bool, str]:
    """Whether a server can be used (NEO4J_URI set, or a server home found), and which or why not."""
    if os.environ.get("NEO4J_URI"):
        return True, "NEO4J_URI"
    home, why = nh.find_home()
    return home is not None, why


@contextlib.contextmanager
def server() -> Iterator[dict[str, str]]:
    """The NEO4J_* variables of the server to measure: the given one, or a disposable one (stopped after)."""
    if os.environ.get("NEO4J_URI"):
        yield {"NEO4J_URI": os.environ["NEO4J_URI"], "NEO4J_USER": os.environ.get("NEO4J_USER", "neo4j"),
               "NEO4J_PASSWORD": os.environ.get("NEO4J_PASSWORD", ""),
               "NEO4J_TEST_HOME": os.environ.get("NEO4J_TEST_HOME", "")}
        return
    home, why = nh.find_home()
    if home is None:
        raise RuntimeError(why)
    sized = {"NEO4J_HEAP": os.environ.get("NEO4J_HEAP", BENCH_HEAP),
             "NEO4J_PAGECACHE": os.environ.get("NEO4J_PAGECACHE", BENCH_PAGECACHE)}
    saved = {k: os.environ.get(k) for k in sized}
    os.environ.update(sized)
    copy = nh.copy_home(home)
    try:
        env = nh.start(copy)
        yield {**env, "NEO4J_HOME_USED": str(home)}
    finally:
        nh.stop(copy)
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def server_pid(home: str | None) -> int | None:
    """The pid of the server's java process for a server home (the one whose class path holds its plugins)."""
    if not home:
        return None
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            args = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if args and args[0].endswith(b"java") and any(a.startswith(f"{home}/plugins/".encode()) for a in args):
            return int(proc.name)
    return None


def cpu_seconds(pid: int | None) -> float:
    """User + system CPU seconds of a process so far (``/proc/PID/stat``); 0.0 without a pid."""
    if pid is None:
        return 0.0
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def push_figures(graph: str, env: dict[str, str], *, driver: Any = None,
                 section: Callable[[str], Any] | None = None,
                 push_options: dict[str, Any] | None = None) -> dict[str, Any]:
    """Empty the database, push ``graph``, push it again; seconds and rows/s of both.

    With a disposable server (``NEO4J_TEST_HOME``) the server's own CPU seconds are given beside the wall
    time (``/proc/PID/stat`` of its java process): on a shared machine they are the steadier figure.
    ``push_options`` are passed to :func:`graphkit.exports.neo4j.push` (e.g. ``batch_size``, ``workers``).
    ``section(name)``, when given, is a context manager timing each push (``benchmarks/run.py``'s timer).
    """
    from graphkit.exports.neo4j import connect, push

    drv = driver or connect(env["NEO4J_URI"], env.get("NEO4J_USER", "neo4j"), env["NEO4J_PASSWORD"])
    timed = section or (lambda _name: contextlib.nullcontext())
    out: dict[str, Any] = {}
    pid = server_pid(env.get("NEO4J_TEST_HOME"))
    try:
        nh.wipe(drv)
        for name in ("push", "repush"):
            t, c = time.perf_counter(), cpu_seconds(pid)
            with timed(f"neo4j_{name}"):
                rep = push(graph, uri=env["NEO4J_URI"], user=env.get("NEO4J_USER", "neo4j"),
                           password=env["NEO4J_PASSWORD"], driver=drv, **(push_options or {}))
            dt, dc = time.perf_counter() - t, cpu_seconds(pid) - c
            rows = int(rep["expected"].sum())
            out.update({"rows": rows, f"{name}_s": round(dt, 2), f"{name}_rows_per_s": round(rows / dt)})
            if pid is not None:
                out.update({f"{name}_server_cpu_s": round(dc, 1),
                            f"{name}_rows_per_server_cpu_s": round(rows / dc) if dc else None})
    finally:
        if driver is None:
            drv.close()
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("graphs", nargs="+")
    ap.add_argument("--script", action="store_true", help="also time the cypher-shell script (rows/s, wall, server CPU)")
    ap.add_argument("--script-batch", type=int, default=None, help="rows per statement of the script (default: export_cypher's)")
    ap.add_argument("--import", dest="bulk", action="store_true", help="also time neo4j-admin database import full")
    ap.add_argument("--no-push", action="store_true", help="skip push and re-push (e.g. only --script)")
    ap.add_argument("--batch", type=int, default=None, help="rows per push transaction (default: push's)")
    ap.add_argument("--workers", type=int, default=None, help="push transactions in flight (default: push's)")
    ap.add_argument("--json")
    args = ap.parse_args()

    from graphkit.exports.neo4j import connect, export_cypher, export_import

    ok, why = server_available()
    if not ok:
        print(f"Neo4j stage skipped: {why}")
        return 0
    home, _ = nh.find_home()
    results = []
    with server() as env:
        drv = connect(env["NEO4J_URI"], env.get("NEO4J_USER", "neo4j"), env["NEO4J_PASSWORD"])
        try:
            for g in args.graphs:
                row: dict[str, Any] = {"graph": g}
                if not args.no_push:
                    opts = {k: v for k, v in (("batch_size", args.batch), ("workers", args.workers)) if v}
                    row.update(push_figures(g, env, driver=drv, push_options=opts))
                tmp = Path(tempfile.mkdtemp(prefix="gk-neo4j-bench."))
                if args.script:
                    shell = Path(env.get("NEO4J_TEST_HOME") or str(home)) / "bin" / "cypher-shell"
                    kw = {"batch_size": args.script_batch} if args.script_batch else {}
                    script = export_cypher(g, tmp / "g.cypher", **kw)
                    nh.wipe(drv)
                    pid = server_pid(env.get("NEO4J_TEST_HOME"))
                    t, c = time.perf_counter(), cpu_seconds(pid)
                    subprocess.run([str(shell), "-a", env["NEO4J_URI"], "-u", env.get("NEO4J_USER", "neo4j"),
                                    "--fail-fast", "-f", str(script)], check=True,
                                   env={**os.environ, "NEO4J_PASSWORD": env["NEO4J_PASSWORD"]}, capture_output=True)
                    dt, dc = time.perf_counter() - t, cpu_seconds(pid) - c
                    with drv.session() as s:
                        rows = int(s.run("MATCH (n) RETURN count(n)").single()[0])
                        rows += int(s.run("MATCH ()-[r]->() RETURN count(r)").single()[0])
                    row.update(script_rows=rows, script_s=round(dt, 2), script_rows_per_s=round(rows / dt))
                    if pid is not None:
                        row.update(script_server_cpu_s=round(dc, 1),
                                   script_rows_per_server_cpu_s=round(rows / dc) if dc else None)
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
                        rows = int(row.get("rows") or 0)
                        row.update(import_s=round(dt, 2), import_rows_per_s=round(rows / dt) if rows else None)
                    finally:
                        nh.stop(target)
                results.append(row)
                print(json.dumps(row, ensure_ascii=False), flush=True)
        finally:
            drv.close()
    if args.json:
        Path(args.json).write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
