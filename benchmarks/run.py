"""graphkit benchmark harness: every stage at county, province and national scale, against a plain-networkx baseline.

For each scale the harness generates synthetic ledgers with ``graphkit.ingest.synth`` (fixed seed;
cached in the work folder), then runs every stage **in its own fresh Python process**
(``benchmarks/_measure.py``) so that each stage's peak memory is its own:

==================  =================================================================================
stage               what is timed (setup such as reading the graph folder is not in the figure)
==================  =================================================================================
synth               ``graphkit.ingest.synth.generate_ledgers`` (cached: the figure of the run that made it)
load                reading every ledger file into raw sheets (``graphkit.ingest._read.read_file``: fastexcel's
                    Arrow reader where provably the same, else python-calamine), the way
                    ``build_graph`` reads a folder (2 worker processes for large folders), rows/s
build               ``graphkit.build_graph`` from the ledgers (read + map + resolve + check), rows/s
write               ``graphkit.write_graph`` of that graph (same process as build)
read_graph          ``graphkit.read_graph`` of the graph folder
coverage            coverage by town, village / weak coverage, 两个覆盖, chain-stage coverage
pairing_gaps        ``pairing.pairing_gaps``
suggest_pairings    ``pairing.suggest_pairings`` (min-cost assignment)
clusters            ``clusters.detect_clusters`` + ``describe_clusters``
chain_alliances     ``clusters.chain_alliances`` + ``brokers`` + ``isolated``
cadence             ``cadence.district_cadence``
end_to_end          ``read_graph`` of the columns the analyses use (``analysis.analysis_columns``, as
                    ``graphkit analyze`` reads) + every analysis, in one process
view                ``view.write_view(kind="county")`` (aggregated above its node limit)
neo4j_import        ``neo4j.export_import`` bulk-import CSV files from the graph folder
neo4j_push          ``neo4j.push`` of the graph folder into an emptied Neo4j 5 server, then the same push
                    again (``neo4j_repush``, idempotent MERGE), rows/s; the server is NEO4J_URI (its
                    database is emptied) or a disposable one started from a server home
                    (``benchmarks/neo4j_bench.py``); SKIPPED with the reason when there is none
rdf                 ``rdf.export_rdf`` to Turtle through the pyoxigraph store
==================  =================================================================================

The baseline (``benchmarks/baseline.py``) reads the same graph folder with pandas, builds a
networkx MultiDiGraph row by row and runs the same analyses with loops; its ``nx_build`` section
is compared with ``read_graph`` and its total with ``end_to_end``. Ledger loading is compared with
``pandas.read_excel`` (openpyxl). A baseline section whose linear extrapolation from a smaller
scale exceeds the budget (default 600 s) is not run; the table says so and gives the estimate.

The DuckDB peer (``benchmarks/duckdb_peer.py``) answers coverage, pairing gaps and cadence with
plain DuckDB SQL over the same Parquet folder, each from a fresh connection (reading the Parquet
files is inside its figure; graphkit's analysis figures exclude ``read_graph``). In the same run
its results are checked equal to graphkit's (``duckdb_check``, its own process): a difference
fails the run. The tables give the peer's seconds and graphkit's time as a multiple of it
(``--no-duckdb`` skips it).

Usage::

    .venv/bin/python benchmarks/run.py --quick                     # county + province (CI-friendly)
    .venv/bin/python benchmarks/run.py --scale province --scale national --json bench.json
    .venv/bin/python benchmarks/run.py --orgs 2000 --stages build,coverage,end_to_end

Examples
--------
>>> parse_args(["--quick"]).scales
['county', 'province']
>>> fmt_ratio(12.0, 1.5)
'8.0×'
"""
from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from _measure import Measurement, run_stage  # noqa: E402

__all__ = ["main", "parse_args", "STAGES", "TARGETS", "machine_info", "fmt_ratio"]

#: Stage name -> (stage function in this file, graphkit modules it needs, description).
STAGES: dict[str, tuple[str, tuple[str, ...], str]] = {
    "synth": ("stage_synth", ("graphkit.ingest.synth",), "合成台账 synthetic ledgers"),
    "load": ("stage_load", ("graphkit.ingest._read",), "读取台账 read ledger files"),
    "build": ("stage_build", ("graphkit.ingest.load",), "构建图谱 build_graph"),
    "write": ("stage_build", ("graphkit.store.io",), "写出 write_graph"),
    "read_graph": ("stage_read_graph", ("graphkit.store.io",), "读取图谱 read_graph"),
    "coverage": ("stage_analysis", ("graphkit.analyses.coverage",), "覆盖 coverage"),
    "pairing_gaps": ("stage_analysis", ("graphkit.analyses.pairing",), "结对缺口 pairing gaps"),
    "suggest_pairings": ("stage_analysis", ("graphkit.analyses.pairing",), "结对建议 suggestions"),
    "clusters": ("stage_analysis", ("graphkit.analyses.clusters",), "集群 clusters"),
    "chain_alliances": ("stage_analysis", ("graphkit.analyses.clusters",), "产业链联盟/桥梁 alliances, brokers"),
    "cadence": ("stage_analysis", ("graphkit.analyses.cadence",), "活动节奏 cadence"),
    "end_to_end": ("stage_end_to_end", ("graphkit.store.io",), "读取+全部分析 read + all analyses"),
    "view": ("stage_view", ("graphkit.views.view",), "网络视图 county view"),
    "neo4j_import": ("stage_neo4j_import", ("graphkit.exports.neo4j",), "Neo4j 导入文件 bulk-import files"),
    "rdf": ("stage_rdf", ("graphkit.exports.rdf", "pyoxigraph"), "RDF 导出 Turtle via oxigraph"),
    "neo4j_push": ("stage_neo4j_push", ("graphkit.exports.neo4j", "neo4j"), "Neo4j 推送+重推 push + re-push"),
}
ANALYSES = ["coverage", "pairing_gaps", "suggest_pairings", "clusters", "chain_alliances", "cadence"]

#: graphkit analysis stages the DuckDB peer answers too (benchmarks/duckdb_peer.py).
DUCKDB_OF = ("coverage", "pairing_gaps", "cadence")

#: graphkit stage -> baseline section(s) it is compared with.
BASELINE_OF: dict[str, tuple[str, ...]] = {
    "load": ("load",), "read_graph": ("nx_build",), "coverage": ("coverage",), "pairing_gaps": ("pairing_gaps",),
    "suggest_pairings": ("suggest_pairings",), "clusters": ("clusters",), "chain_alliances": ("chain_alliances",),
    "cadence": ("cadence",),
    "end_to_end": ("nx_build", "coverage", "pairing_gaps", "suggest_pairings", "clusters", "chain_alliances", "cadence"),
}

#: The issue's targets (2 cores, 24 GiB): (scale, stage, metric, limit, text).
TARGETS: list[tuple[str, str, str, float, str]] = [
    ("province", "end_to_end", "seconds", 10.0, "读取图谱+全部分析 ≤ 10 s / read graph + every analysis ≤ 10 s"),
    ("province", "end_to_end", "ratio", 10.0, "比 networkx 基线快 ≥ 10× / ≥ 10× faster than the networkx baseline"),
    ("province", "end_to_end", "peak_mib", 2048.0, "峰值内存 ≤ 2 GiB / peak memory ≤ 2 GiB"),
    ("national", "end_to_end", "seconds", 120.0, "全部分析（含集群）≤ 2 min / every analysis incl. clusters ≤ 2 min"),
    ("national", "end_to_end", "peak_mib", 8192.0, "峰值内存 ≤ 8 GiB / peak memory ≤ 8 GiB"),
    ("*xlsx", "load", "rows_per_s", 100_000.0, "从 .xlsx 读取台账 ≥ 100k 行/秒 / ledger load (reading the .xlsx ledgers) ≥ 100k rows/s"),
    ("*xlsx", "build", "rows_per_s", 100_000.0,
     "从 .xlsx 构建图谱（读取+映射+解析+校验）≥ 100k 行/秒 / whole build from .xlsx (read, map, resolve, check) ≥ 100k rows/s"),
    ("national", "neo4j_import", "seconds", 120.0, "全国 Neo4j 导入文件 ≤ 2 min / national Neo4j import files ≤ 2 min"),
    ("county", "view", "seconds", 1.0, "县级视图 < 1 s / county view written < 1 s"),
]

DEFAULT_AS_OF = "2024-12-31"


# =====================================================================================================
# Stage functions: run inside a fresh child process by _measure.run_stage (heavy imports inside).
# =====================================================================================================

def stage_synth(timer: Any, out: str, scale: str, seed: int, n_orgs: int | None, fmt: str) -> dict[str, Any]:
    """Generate synthetic ledgers into ``out`` (written to a temporary folder, renamed when complete)."""
    from graphkit.store.io import atomic_dir
    from graphkit.ingest.synth import generate_ledgers

    with timer("synth"):
        with atomic_dir(out) as tmp:
            counts = generate_ledgers(tmp, scale=scale, seed=seed, n_orgs=n_orgs, fmt=fmt)
    return {"counts": counts}


def _ledger_files(ledger_dir: str) -> list[Path]:
    return sorted(p for p in Path(ledger_dir).iterdir() if p.suffix.lower() in (".xlsx", ".xls", ".ods", ".csv"))


def _read_rows(path: Path) -> int:
    """Rows of one ledger file read into raw sheets (a worker's task in ``stage_load``)."""
    from graphkit.ingest._read import read_file

    return sum(len(sheet.cells) for sheet in read_file(path, display=path.name))


def stage_load(timer: Any, ledger_dir: str) -> dict[str, Any]:
    """Read every ledger file into raw sheets (``graphkit.ingest._read.read_file``) the way ``build_graph`` reads them.

    ``build_graph`` reads a folder of at least ``graphkit.config.parallel_min_bytes`` with
    ``graphkit.ingest.load._WORKERS`` worker processes (forkserver), the largest file first (and maps each sheet
    in the worker, which is not timed here); a smaller folder, or a one-core machine, is read file
    by file in the process. The modules are imported before the clock starts, as the workers
    inherit them.
    """
    import concurrent.futures
    import multiprocessing

    import fastexcel  # noqa: F401 - imported before timing (the workers inherit it)
    import pyarrow  # noqa: F401
    import python_calamine  # noqa: F401
    from graphkit.ingest import load

    files = _ledger_files(ledger_dir)
    sizes = [p.stat().st_size for p in files]
    from graphkit.core.settings import threshold

    workers = load._WORKERS if (len(files) >= 2 and sum(sizes) >= threshold("parallel_min_bytes")
                                and load._cpu_count() >= 2) else 1
    with timer("load"):
        if workers > 1:
            methods = multiprocessing.get_all_start_methods()  # as build_graph: never fork
            context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
            with concurrent.futures.ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
                largest_first = sorted(range(len(files)), key=lambda i: -sizes[i])
                rows = sum(f.result() for f in [pool.submit(_read_rows, files[i]) for i in largest_first])
        else:
            rows = sum(_read_rows(p) for p in files)
    how = (f"{workers} 个进程并行读取（同 build_graph）/ read by {workers} worker processes, as build_graph does"
           if workers > 1 else "单进程逐个文件读取 / read file by file in one process")
    return {"rows": rows, "files": len(files), "workers": workers, "reading": how}


def stage_build(timer: Any, ledger_dir: str, graph_dir: str) -> dict[str, Any]:
    """``build_graph`` from the ledgers (lenient, so problems are counted, not fatal), then ``write_graph``."""
    import graphkit as gk

    with timer("build"):
        graph = gk.build_graph(ledger_dir, lenient=True)
    with timer("write"):
        gk.write_graph(graph, graph_dir)
    probs = graph.problems
    n_err = int((probs["severity"] == "error").sum()) if len(probs) else 0
    return {"counts": {t.name: len(graph.tables[t.name]) for t in graph.model}, "problems": len(probs),
            "problem_errors": n_err,
            "problem_rules": probs["rule"].value_counts().head(5).to_dict() if len(probs) else {}}


def stage_build_country(timer: Any, ledger_dir: str, graph_dir: str) -> dict[str, Any]:
    """``build_country`` from a country folder of province folders; it writes as it goes.

    Not lenient (as ``graphkit build`` runs by default), so that the unchanged provinces of an
    earlier ``graphkit build COUNTRY_DIR -o GRAPH_DIR`` are reused (their files linked).
    """
    from graphkit.store.country import build_country

    with timer("build"):
        res = build_country(ledger_dir, graph_dir)
    probs = res.problems
    n_err = int((probs["severity"] == "error").sum()) if len(probs) else 0
    return {"counts": res.counts, "problems": len(probs), "problem_errors": n_err,
            "problem_rules": probs["rule"].value_counts().head(5).to_dict() if len(probs) else {},
            "provinces_built": len(res.rebuilt), "provinces_reused": len(res.reused),
            "assemble_seconds": round(res.seconds.get("assemble", 0.0), 1)}


def _country_rows(ledger_dir: Path) -> dict[str, int]:
    """Data rows (lines less the header) of the CSV ledgers of a country folder, and its files."""
    rows = files = 0
    for p in ledger_dir.rglob("*.csv"):
        with p.open("rb") as fh:
            rows += max(0, sum(block.count(b"\n") for block in iter(lambda: fh.read(1 << 20), b"")) - 1)
        files += 1
    return {"ledger_rows": rows, "ledger_files": files}


def stage_read_graph(timer: Any, graph_dir: str) -> dict[str, Any]:
    import graphkit as gk

    with timer("read_graph"):
        graph = gk.read_graph(graph_dir)
    return {"orgs": graph.count("Organization")}


#: analysis stage -> the module it runs (the one STAGES names)
_MODULE_OF = {n: STAGES[n][1][0] for n in ANALYSES}


def _preimport(names: list[str]) -> None:
    """Import the analysis modules before timing (their import time is not the analysis)."""
    import importlib
    for n in names:
        importlib.import_module(_MODULE_OF[n])


def _run_analysis(name: str, graph: Any, as_of: str, seed: int) -> int:
    """Run one analysis stage; return the number of result rows (so nothing is optimized away)."""
    if name == "coverage":
        from graphkit.analyses import coverage as cov
        frames = [cov.coverage(graph, as_of=as_of, by="town"), cov.village_coverage(graph, as_of=as_of),
                  cov.weak_coverage(graph, as_of=as_of), cov.two_coverages(graph, by="town"),
                  cov.chain_stage_coverage(graph, as_of=as_of)]
        return sum(len(f) for f in frames)
    if name == "pairing_gaps":
        from graphkit.analyses import pairing
        return sum(len(f) for f in pairing.pairing_gaps(graph, as_of=as_of).values())
    if name == "suggest_pairings":
        from graphkit.analyses import pairing
        return len(pairing.suggest_pairings(graph, as_of=as_of, seed=seed))
    if name == "clusters":
        from graphkit.analyses import clusters
        c = clusters.detect_clusters(graph, as_of=as_of, seed=seed)
        return len(clusters.describe_clusters(graph, c, as_of=as_of))
    if name == "chain_alliances":
        from graphkit.analyses import clusters
        return (len(clusters.chain_alliances(graph, as_of=as_of)) + len(clusters.brokers(graph, as_of=as_of))
                + len(clusters.isolated(graph, as_of=as_of)))
    if name == "cadence":
        from graphkit.analyses import cadence
        return sum(len(f) for f in cadence.district_cadence(graph, as_of=as_of).values())
    raise ValueError(f"unknown analysis {name!r}")


def stage_analysis(timer: Any, graph_dir: str, name: str, as_of: str, seed: int) -> dict[str, Any]:
    """Read the graph folder (untimed), then time one analysis."""
    import graphkit as gk

    graph = gk.read_graph(graph_dir, provenance=False)
    _preimport([name])
    cpu = time.process_time()
    with timer(name):
        rows = _run_analysis(name, graph, as_of, seed)
    # CPU seconds of the process (every thread): less swayed than wall time by other work on the machine
    return {"result_rows": rows, "cpu_s": round(time.process_time() - cpu, 3)}


def stage_end_to_end(timer: Any, graph_dir: str, as_of: str, seed: int, analyses: list[str],
                     use_run_all: bool = False) -> dict[str, Any]:
    """``read_graph`` then every analysis, in one process.

    With ``use_run_all``, ``graphkit.analyses.analysis.run_all`` (every table of ``graphkit analyze``, sharing
    its cache); the time of each group is taken from its progress messages. Otherwise the
    ``analyses`` one after another.
    """
    import graphkit as gk

    t0 = time.perf_counter()
    if use_run_all:
        from graphkit.analyses import analysis
        _preimport(ANALYSES)
        t0 = time.perf_counter()
        with timer("read_graph"):
            # as `graphkit analyze` reads it: the columns the analyses use, no provenance
            graph = gk.read_graph(graph_dir, provenance=False, columns=analysis.analysis_columns())
        marks: list[tuple[str, float]] = []
        with timer("run_all"):
            res = analysis.run_all(graph, as_of=as_of, seed=seed,
                                   progress=lambda msg: marks.append((msg, time.perf_counter())))
            marks.append(("end", time.perf_counter()))
        timer.sections["end_to_end"] = time.perf_counter() - t0
        groups = {marks[i][0].split(" (")[0]: round(marks[i + 1][1] - marks[i][1], 3) for i in range(len(marks) - 1)}
        return {"mode": "run_all", "groups": groups, "tables": len(res),
                "result_rows": sum(len(v) for v in res.values())}
    _preimport(analyses)
    t0 = time.perf_counter()
    from graphkit.analyses.analysis import analysis_columns

    with timer("read_graph"):
        graph = gk.read_graph(graph_dir, provenance=False, columns=analysis_columns())  # as `graphkit analyze` reads it
    rows = {}
    for name in analyses:
        with timer(name):
            rows[name] = _run_analysis(name, graph, as_of, seed)
    timer.sections["end_to_end"] = time.perf_counter() - t0
    return {"mode": "each", "result_rows": rows, "analyses": analyses}


def stage_view(timer: Any, graph_dir: str, out: str, seed: int, as_of: str) -> dict[str, Any]:
    import graphkit as gk
    from graphkit.views import view

    graph = gk.read_graph(graph_dir)
    with timer("view"):
        view.write_view(graph, out, kind="county", seed=seed, as_of=as_of)
    files = [p for p in Path(out).parent.iterdir() if p.suffix == ".html"]
    return {"html_files": len(files), "bytes": sum(p.stat().st_size for p in files)}


def stage_neo4j_import(timer: Any, graph_dir: str, out: str) -> dict[str, Any]:
    from graphkit.exports import neo4j

    with timer("neo4j_import"):
        neo4j.export_import(graph_dir, out)
    files = list(Path(out).rglob("*.csv"))
    return {"csv_files": len(files), "bytes": sum(p.stat().st_size for p in files)}


def stage_neo4j_push(timer: Any, graph_dir: str) -> dict[str, Any]:
    """Push the graph folder into an emptied server, then push it again (server start-up is not timed)."""
    import neo4j_bench

    with neo4j_bench.server() as env:
        return neo4j_bench.push_figures(graph_dir, env, section=timer)


def stage_rdf(timer: Any, graph_dir: str, out: str) -> dict[str, Any]:
    import graphkit as gk
    from graphkit.exports import rdf

    graph = gk.read_graph(graph_dir)
    with timer("rdf"):
        rdf.export_rdf(graph, out, fmt="turtle", store="oxigraph")
    return {"bytes": Path(out).stat().st_size}


def stage_replicate(timer: Any, src_graph_dir: str, graph_dir: str, copies: int) -> dict[str, Any]:
    """A national-size graph folder made of ``copies`` disjoint copies of a province graph folder.

    Every ``id`` and every ``ref`` column (as declared in the schema) gets the suffix ``~NN`` of its
    copy, so the copies share no node; names and all other values are kept. Each table is sorted by
    id, as ``write_graph`` writes it. Used when the national ledgers cannot be built within the stage
    limits (see docs/benchmarks.md).
    """
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    import graphkit as gk
    from graphkit.store.io import MANIFEST, atomic_dir, read_manifest

    model = gk.load_schema()
    src = Path(src_graph_dir)
    manifest = read_manifest(src)
    counts = {}
    with timer("replicate"):
        with atomic_dir(graph_dir) as tmp:
            (tmp / "tables").mkdir()
            for rtype in model:
                table = pq.read_table(src / "tables" / f"{rtype.name}.parquet")
                keys = ["id", *[p for p, d in rtype.properties.items() if d.type == "ref"]]
                parts = []
                for k in range(copies):
                    t = table
                    for col in keys:
                        i = t.schema.get_field_index(col)
                        t = t.set_column(i, t.schema.field(i), pc.binary_join_element_wise(
                            t[col], pa.scalar(f"~{k:02d}"), ""))
                    parts.append(t)
                whole = pa.concat_tables(parts)
                del parts
                # sorted by id, as write_graph writes every table (io.py: "sorted by id")
                whole = whole.take(pc.sort_indices(whole, sort_keys=[("id", "ascending")]))
                pq.write_table(whole, tmp / "tables" / f"{rtype.name}.parquet", compression="zstd",
                               row_group_size=table.num_rows or None)
                counts[rtype.name] = whole.num_rows
                del whole
            if (src / "sources.parquet").exists():
                shutil.copy2(src / "sources.parquet", tmp / "sources.parquet")
            manifest["counts"] = counts
            manifest.setdefault("settings", {})["replicated"] = {"from": str(src), "copies": copies}
            (tmp / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n",
                                        encoding="utf-8")
    return {"counts": counts}


# =====================================================================================================
# Orchestration (parent process)
# =====================================================================================================

def machine_info() -> dict[str, Any]:
    """Cores, memory, CPU model, Python and library versions, graphkit commit."""
    info: dict[str, Any] = {"nproc": len(os.sched_getaffinity(0)), "platform": platform.platform(),
                            "python": platform.python_version(), "loadavg": [round(x, 2) for x in os.getloadavg()]}
    try:
        meminfo = Path("/proc/meminfo").read_text()
        kib = int(next(line.split()[1] for line in meminfo.splitlines() if line.startswith("MemTotal:")))
        info["mem_total_gib"] = round(kib / 1024 / 1024, 1)
    except (OSError, StopIteration, ValueError):
        info["mem_total_gib"] = None
    try:
        cpu = Path("/proc/cpuinfo").read_text()
        info["cpu"] = next(line.split(":", 1)[1].strip() for line in cpu.splitlines() if line.startswith("model name"))
    except (OSError, StopIteration):
        info["cpu"] = platform.processor() or None
    from importlib.metadata import PackageNotFoundError, version
    libs = {}
    for pkg in ("pandas", "numpy", "pyarrow", "networkx", "igraph", "scipy", "python-calamine", "fastexcel",
                "pyoxigraph"):
        try:
            libs[pkg] = version(pkg)
        except PackageNotFoundError:
            libs[pkg] = None
    info["libraries"] = libs
    try:
        info["graphkit_commit"] = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                                 text=True, timeout=10).stdout.strip() or None
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT, capture_output=True,
                               text=True, timeout=10).stdout.strip()
        info["graphkit_dirty"] = bool(dirty)
    except (OSError, subprocess.SubprocessError):
        info["graphkit_commit"] = None
    return info


def fmt_ratio(baseline: float | None, ours: float | None) -> str:
    """``baseline / ours`` as ``'12.3×'``; ``'—'`` when either is missing."""
    if not baseline or not ours:
        return "—"
    r = baseline / ours
    return f"{r:.0f}×" if r >= 100 else f"{r:.1f}×"


def _available(modules: tuple[str, ...]) -> str | None:
    """None when every module can be imported (found), else the first missing one."""
    for m in modules:
        try:
            if importlib.util.find_spec(m) is None:
                return m
        except ModuleNotFoundError:
            return m
    return None


def _has_def(module: str, func: str) -> bool:
    """Whether ``graphkit.<module>`` defines ``func`` (read from the file, not imported)."""
    spec = importlib.util.find_spec(f"graphkit.{module}")
    if spec is None or spec.origin is None:
        return False
    return f"def {func}(" in Path(spec.origin).read_text(encoding="utf-8")


def _analysis_available(name: str) -> str | None:
    """Which function an analysis stage needs is missing (None = all there). Checked by file text,
    without importing graphkit's analysis modules into the parent."""
    needs = {"coverage": ["coverage", "village_coverage", "weak_coverage", "two_coverages", "chain_stage_coverage"],
             "pairing_gaps": ["pairing_gaps"], "suggest_pairings": ["suggest_pairings"],
             "clusters": ["detect_clusters", "describe_clusters"],
             "chain_alliances": ["chain_alliances", "brokers", "isolated"], "cadence": ["district_cadence"]}
    mod = _MODULE_OF[name]
    missing = [f for f in needs[name] if not _has_def(mod.removeprefix("graphkit."), f)]
    if importlib.util.find_spec(mod) is None:
        return mod
    return f"{mod}.{missing[0]}" if missing else None


class Run:
    """One scale's run: its folders, counts and rows."""

    def __init__(self, label: str, scale: str, n_orgs: int | None, seed: int, fmt: str, work: Path) -> None:
        self.label, self.scale, self.n_orgs, self.seed, self.fmt = label, scale, n_orgs, seed, fmt
        self.dir = work / label
        self.ledgers = self.dir / "ledgers"
        self.graph = self.dir / "graph"
        self.outputs = self.dir / "outputs"
        self.counts: dict[str, int] = {}
        self.ledger_format = ""
        self.rows: dict[str, dict[str, Any]] = {}
        self.baseline: dict[str, dict[str, Any]] = {}
        self.duckdb: dict[str, dict[str, Any]] = {}
        self.budget: float | None = None
        self.graph_source = "built from the ledgers"
        self.graph_counts: dict[str, int] = {}
        self.loadavg = [round(x, 2) for x in os.getloadavg()]

    def row(self, stage: str, **kw: Any) -> dict[str, Any]:
        r = self.rows.setdefault(stage, {"stage": stage, "seconds": None, "peak_mib": None, "status": "", "note": ""})
        r.update(kw)
        return r

    @property
    def size(self) -> int:
        """Total links (the baseline's extrapolation scale)."""
        return int(self.counts.get("links") or 0)

    def as_dict(self) -> dict[str, Any]:
        return {"label": self.label, "scale": self.scale, "n_orgs": self.n_orgs, "seed": self.seed,
                "ledger_format": self.ledger_format, "ledger_counts": self.counts,
                "rows": list(self.rows.values()), "baseline": self.baseline, "duckdb": self.duckdb,
                "graph_source": self.graph_source,
                "graph_counts": self.graph_counts, "loadavg_start": self.loadavg}


def _say(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _measure(args: argparse.Namespace, run: Run, func: str, kwargs: dict[str, Any], *, module: Path | None = None,
             timeout: float | None = None) -> Measurement:
    log = run.dir / "stages.log"
    with log.open("a", encoding="utf-8") as fh:
        fh.write(f"\n==== {dt.datetime.now().isoformat(timespec='seconds')} {func} {json.dumps(kwargs, ensure_ascii=False)}\n")
    env = None
    if args.src:  # measure another graphkit checkout (e.g. before/after a change)
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(x for x in (str(Path(args.src).resolve()), env.get("PYTHONPATH")) if x)
    m = run_stage(module or Path(__file__), func, kwargs, timeout=timeout or args.timeout, cwd=ROOT, log=log,
                  mem_limit_mib=args.mem_limit_gib * 1024, env=env)
    if m.status != "ok":
        _say(f"  ! {func}: {m.status}: {m.error} (see {log})")
    return m


def _record(run: Run, stage: str, m: Measurement, *, section: str | None = None, note: str = "") -> dict[str, Any]:
    sec = m.sections.get(section or stage)
    status = m.status if m.status != "ok" or sec is not None else "error"
    err = (m.error or "") if m.status != "ok" else ""
    return run.row(stage, seconds=sec, peak_mib=round(m.peak_mib, 1) if m.peak_mib else None, status=status,
                   note="; ".join(x for x in (note, err) if x), wall=round(m.wall, 2))


def _ledger_rows(counts: dict[str, int]) -> int:
    from graphkit.ingest.synth import LEDGER_COLUMNS  # light: numpy + pandas only
    return int(sum(counts.get(k, 0) for k in LEDGER_COLUMNS))


SCALES_ORGS = {"county": 2_000, "province": 200_000, "national": 5_000_000}


def _orgs_in(graph_dir: Path) -> int:
    return int(json.loads((graph_dir / "manifest.json").read_text(encoding="utf-8"))["counts"]["Organization"])


def read_json_manifest(graph_dir: Path) -> dict[str, Any]:
    """The manifest of a graph folder (no graphkit import)."""
    return dict(json.loads((graph_dir / "manifest.json").read_text(encoding="utf-8")))


def _build_reference(run: Run, previous: list[Run]) -> Run | None:
    """The largest earlier run with a measured build rate."""
    cands = [r for r in previous if r.rows.get("build", {}).get("rows_per_s") and r.label != run.label]
    return max(cands, key=lambda r: r.size) if cands else None


def run_scale(args: argparse.Namespace, run: Run, stages: list[str], reference: Run | None,
              previous: list[Run] | None = None) -> None:
    """Run every selected stage of one scale, then the baseline."""
    previous = previous or []
    _say(f"== {run.label}: scale={run.scale} seed={run.seed} orgs={run.n_orgs or 'default'} → {run.dir}")
    run.dir.mkdir(parents=True, exist_ok=True)
    for stale in [*run.dir.glob(".*.tmp-*"), *run.outputs.glob(".*.tmp-*")]:  # left by a stage killed mid-write
        shutil.rmtree(stale, ignore_errors=True)
    stamp = run.dir / "ledgers.json"
    # ---- synth (cached) --------------------------------------------------------------------------------
    if args.fresh and run.dir.exists():
        for p in (run.ledgers, run.graph, run.outputs):
            shutil.rmtree(p, ignore_errors=True)
        for f in (stamp, run.dir / "synth_failed.json", run.dir / "graph_source.json"):
            f.unlink(missing_ok=True)
    ledgers_ok = True
    given = Path(args.national_ledgers) if run.scale == "national" and args.national_ledgers else None
    if given is not None:  # a real national synthetic set (one folder per province), made beforehand
        from graphkit.store.country import is_country
        if not is_country(given):
            run.row("synth", status="error", note=f"--national-ledgers {given}: 不是全国目录（每省一个文件夹）/ not a "
                                                 f"country folder (one folder per province)")
            return
        run.ledgers = given
        run.counts = _country_rows(given)
        run.row("synth", status="given", note=f"--national-ledgers {given}: {run.counts['ledger_files']:,} CSV files")
    elif stamp.exists() and run.ledgers.is_dir():
        meta = json.loads(stamp.read_text(encoding="utf-8"))
        run.counts = meta["counts"]
        run.row("synth", seconds=meta["seconds"], peak_mib=meta.get("peak_mib"), status="cached",
                note=f"复用 reused {run.ledgers} (made {meta.get('made', '?')})")
    elif (run.dir / "synth_failed.json").exists() and run.scale == "national" and args.national_graph != "build":
        failed = json.loads((run.dir / "synth_failed.json").read_text(encoding="utf-8"))
        run.row("synth", status=failed["status"], peak_mib=failed.get("peak_mib"),
                note=f"上次失败，未重试（--fresh 重试）/ failed at {failed['when']}, not retried (--fresh retries): "
                     f"{failed['error']}")
        ledgers_ok = False
    else:
        missing = _available(STAGES["synth"][1])
        if missing:
            run.row("synth", status="skipped", note=f"{missing} 不存在 missing")
            return
        _say("  synth …")
        m = _measure(args, run, "stage_synth", {"out": str(run.ledgers), "scale": run.scale, "seed": run.seed,
                                               "n_orgs": run.n_orgs, "fmt": args.fmt})
        _record(run, "synth", m)
        if m.status == "ok":
            run.counts = m.extra["counts"]
            stamp.write_text(json.dumps({"counts": run.counts, "seconds": m.sections["synth"], "peak_mib": m.peak_mib,
                                         "made": dt.datetime.now().isoformat(timespec="seconds")}), encoding="utf-8")
            shutil.rmtree(run.graph, ignore_errors=True)  # new ledgers: the graph folder must be rebuilt
        elif run.scale == "national" and args.national_graph != "build":
            ledgers_ok = False  # the graph stages can still run on the replicated province graph
            (run.dir / "synth_failed.json").write_text(json.dumps({
                "status": m.status, "error": m.error, "peak_mib": m.peak_mib,
                "when": dt.datetime.now().isoformat(timespec="seconds")}, ensure_ascii=False), encoding="utf-8")
        else:
            return
    rows_total = 0
    if given is not None:
        run.ledger_format = "csv"
        rows_total = run.counts["ledger_rows"]
    elif ledgers_ok:
        suffixes = {p.suffix.lower() for p in _ledger_files(str(run.ledgers))}
        run.ledger_format = ",".join(sorted(s.lstrip(".") for s in suffixes))
        rows_total = _ledger_rows(run.counts)
        link_note = (f"{run.counts.get('roster', 0):,} orgs, {run.counts.get('links', 0):,} links, "
                     f"{rows_total:,} ledger rows")
        run.rows["synth"]["note"] = "; ".join(x for x in (link_note, run.rows["synth"].get("note", "")) if x)

    def want(stage: str) -> bool:
        return stage in stages

    # ---- load / build / write ------------------------------------------------------------------------------
    if want("load") and given is not None:
        run.row("load", status="not run", note="全国目录：读取计入 build / a country folder: reading is part of build")
    elif want("load") and not ledgers_ok:
        run.row("load", status="not run", note="没有台账 no ledgers (synth failed)")
    elif want("load"):
        missing = _available(STAGES["load"][1])
        if missing:
            run.row("load", status="skipped", note=f"{missing} missing")
        else:
            _say("  load …")
            m = _measure(args, run, "stage_load", {"ledger_dir": str(run.ledgers)})
            r = _record(run, "load", m)
            if r["seconds"]:
                r["rows_per_s"] = round(rows_total / r["seconds"])
                r["note"] = f"{rows_total:,} rows ({run.ledger_format}), {r['rows_per_s']:,} rows/s"
    need_graph = any(want(s) for s in ("read_graph", *ANALYSES, "end_to_end", "view", "neo4j_import", "rdf", "neo4j_push")) \
        or not args.no_baseline
    build_ref = _build_reference(run, previous) if run.scale == "national" else None
    est_build = rows_total / build_ref.rows["build"]["rows_per_s"] if build_ref else None
    replicate = run.scale == "national" and given is None and (args.national_graph == "replicate" or not ledgers_ok or (
        args.national_graph == "auto" and est_build is not None and est_build > args.timeout))
    origin = run.dir / "graph_source.json"
    if replicate:
        if want("build"):
            why = (f"按 {build_ref.label} 的速度 {build_ref.rows['build']['rows_per_s']:,} 行/秒估计需 {est_build:,.0f} s，"
                   f"超过时限 / estimated {est_build:,.0f} s at {build_ref.label}'s build rate, over the "
                   f"{args.timeout:.0f} s stage limit" if est_build else
                   "没有台账 no ledgers (synth failed)" if not ledgers_ok else "--national-graph replicate")
            run.row("build", status="not run", note=why, estimate=round(est_build, 1) if est_build else None)
            run.row("write", status="not run", note="见 build / see build")
        src = run.dir.parent / f"province-s{run.seed}" / "graph"
        known = json.loads(origin.read_text(encoding="utf-8")) if origin.exists() else {}
        if not (run.graph / "manifest.json").exists() or known.get("kind") != "replicated":
            if not (src / "manifest.json").exists():
                run.row("replicate", status="error", note=f"需要省级图谱 needs the province graph folder {src} "
                                                          f"(run --scale province first)")
            else:
                copies = max(1, round(SCALES_ORGS["national"] / max(1, _orgs_in(src))))
                _say(f"  replicate province graph ×{copies} …")
                shutil.rmtree(run.graph, ignore_errors=True)
                m = _measure(args, run, "stage_replicate", {"src_graph_dir": str(src), "graph_dir": str(run.graph),
                                                            "copies": copies})
                r = _record(run, "replicate", m)
                if m.status == "ok":
                    origin.write_text(json.dumps({"kind": "replicated", "from": str(src), "copies": copies,
                                                  "counts": m.extra["counts"]}), encoding="utf-8")
                    r["note"] = f"省级图谱 ×{copies} 份不相交副本 / {copies} disjoint copies of {src.parent.name}'s graph"
        if origin.exists():
            known = json.loads(origin.read_text(encoding="utf-8"))
            run.graph_source = f"replicated ×{known['copies']} from {Path(known['from']).parent.name}"
            run.graph_counts = known["counts"]
            src_stamp = Path(known["from"]).parent / "ledgers.json"
            if not ledgers_ok and src_stamp.exists():  # the size the copies stand for (baseline estimates)
                src_counts = json.loads(src_stamp.read_text(encoding="utf-8"))["counts"]
                run.counts = {k: int(v) * int(known["copies"]) for k, v in src_counts.items()}
                run.ledger_format = f"none: synth failed; sizes = {known['copies']} × {Path(known['from']).parent.name}"
    elif given is not None and (want("build") or (need_graph and not (run.graph / "manifest.json").exists())):
        _say(f"  build_country {given} …")
        m = _measure(args, run, "stage_build_country", {"ledger_dir": str(given), "graph_dir": str(run.graph)})
        r = _record(run, "build", m)
        if r["seconds"]:
            r["rows_per_s"] = round(rows_total / r["seconds"])
            r["note"] = (f"{rows_total:,} CSV rows, {r['rows_per_s']:,} rows/s; provinces built "
                         f"{m.extra.get('provinces_built')}, reused {m.extra.get('provinces_reused')}; "
                         f"assembly {m.extra.get('assemble_seconds')} s")
        run.row("write", status="not run", note="计入 build（build_country 边建边写）/ part of build (build_country writes as it goes)")
        if m.status == "ok":
            origin.write_text(json.dumps({"kind": "built", "from": str(given), "counts": m.extra["counts"]}), encoding="utf-8")
            run.graph_source = f"built from the national ledgers {given}"
    elif want("build") or (need_graph and not (run.graph / "manifest.json").exists()):
        _say("  build + write …")
        m = _measure(args, run, "stage_build", {"ledger_dir": str(run.ledgers), "graph_dir": str(run.graph)})
        r = _record(run, "build", m)
        if r["seconds"]:
            r["rows_per_s"] = round(rows_total / r["seconds"])
            r["note"] = f"{rows_total:,} rows ({run.ledger_format}), {r['rows_per_s']:,} rows/s"
            if m.extra.get("problems"):
                r["note"] += f"; {m.extra['problems']} problems ({m.extra.get('problem_errors')} errors: " \
                             f"{m.extra.get('problem_rules')})"
        w = _record(run, "write", m)
        w["note"] = "与 build 同一进程 same process as build (peak shared)"
        if m.status == "ok":
            origin.write_text(json.dumps({"kind": "built", "counts": m.extra["counts"]}), encoding="utf-8")
    if origin.exists() and not run.graph_counts:
        run.graph_counts = json.loads(origin.read_text(encoding="utf-8")).get("counts", {})
    if given is not None and run.graph_source == "built from the ledgers" and (run.graph / "manifest.json").exists():
        country = read_json_manifest(run.graph).get("country")
        run.graph_source = (f"built from the national ledgers {given} (earlier build, {len(country['provinces'])} provinces)"
                            if country else f"{run.graph} (not a country build)")
    if not (run.graph / "manifest.json").exists():
        for s in stages:
            if s not in run.rows:
                run.row(s, status="skipped", note="没有图谱目录 no graph folder (build failed)")
        return
    # ---- graph stages --------------------------------------------------------------------------------------
    common = {"graph_dir": str(run.graph)}
    if want("read_graph"):
        _say("  read_graph …")
        _record(run, "read_graph", _measure(args, run, "stage_read_graph", common))
    rg = run.rows.get("read_graph", {})
    # every stage below but neo4j_import starts with read_graph: if that alone broke the memory limit, say so
    no_read = (f"未运行：read_graph 本身已超过内存上限 / not run: read_graph alone exceeded the "
               f"{args.mem_limit_gib:g} GiB limit (peak ≥ {rg.get('peak_mib') or 0:,.0f} MiB)"
               if rg.get("status") == "killed" else None)
    available = []
    for name in ANALYSES:
        missing = _analysis_available(name)
        if missing:
            if want(name) or want("end_to_end"):
                run.row(name, status="skipped", note=f"{missing} 尚不存在 not there yet")
            continue
        available.append(name)
        if want(name) and no_read:
            run.row(name, status="not run", note=no_read)
        elif want(name):
            _say(f"  {name} …")
            m = _measure(args, run, "stage_analysis", {**common, "name": name, "as_of": args.as_of, "seed": run.seed})
            r = _record(run, name, m)
            if m.status == "ok":
                r["note"] = f"{m.extra['result_rows']:,} result rows"
                if m.extra.get("cpu_s") is not None:
                    r["cpu_s"] = m.extra["cpu_s"]
                    r["note"] += f", CPU {m.extra['cpu_s']:.2f} s"
    if want("end_to_end") and no_read:
        run.row("end_to_end", status="not run", note=no_read)
    elif want("end_to_end"):
        # an analysis that failed on its own (error, timeout, killed) would only kill this process too
        failed = [a for a in available if run.rows.get(a, {}).get("status") in ("error", "timeout", "killed")]
        included = [a for a in available if a not in failed]
        use_run_all = not failed and len(included) == len(ANALYSES) and _has_def("analyses.analysis", "run_all")
        _say("  end_to_end …" + (" (graphkit.analyses.analysis.run_all)" if use_run_all else "")
             + (f" (without {', '.join(failed)}: failed on their own)" if failed else ""))
        m = _measure(args, run, "stage_end_to_end", {**common, "as_of": args.as_of, "seed": run.seed,
                                                      "analyses": included, "use_run_all": use_run_all})
        r = _record(run, "end_to_end", m)
        if use_run_all:
            parts = ", ".join(f"{k} {v:.2f}" for k, v in {"read_graph": m.sections.get("read_graph", 0),
                                                           **m.extra.get("groups", {})}.items())
            parts = f"run_all ({m.extra.get('tables', '?')} tables): {parts}"
        else:
            parts = ", ".join(f"{k} {m.sections[k]:.2f}" for k in ["read_graph", *included] if k in m.sections)
        missing = [a for a in ANALYSES if a not in included]
        r["note"] = "; ".join(x for x in (parts, f"不含 without: {', '.join(missing)}" if missing else "", r["note"]) if x)
        r["partial"] = missing
        r["included"] = included
    run.outputs.mkdir(parents=True, exist_ok=True)
    for stage, func, extra in (("view", "stage_view", {"out": str(run.outputs / "view" / "county.html"), "seed": run.seed,
                                                        "as_of": args.as_of}),
                               ("neo4j_import", "stage_neo4j_import", {"out": str(run.outputs / "neo4j-import")}),
                               ("rdf", "stage_rdf", {"out": str(run.outputs / "graph.ttl")})):
        if not want(stage):
            continue
        if no_read and stage != "neo4j_import":
            run.row(stage, status="not run", note=no_read)
            continue
        missing = _available(STAGES[stage][1])
        if missing:
            run.row(stage, status="skipped", note=f"{missing} 尚不存在 not there yet")
            continue
        if stage == "view":
            shutil.rmtree(run.outputs / "view", ignore_errors=True)
            (run.outputs / "view").mkdir(parents=True)
        _say(f"  {stage} …")
        m = _measure(args, run, func, {**common, **extra})
        r = _record(run, stage, m)
        if m.status == "ok":
            r["note"] = ", ".join(f"{k} {v:,}" for k, v in m.extra.items())
    if want("neo4j_push"):
        run_neo4j_push(args, run, common)
    # ---- baseline ------------------------------------------------------------------------------------------
    if not args.no_baseline:
        run_baseline(args, run, stages, reference)
    # ---- DuckDB peer ---------------------------------------------------------------------------------------
    if not args.no_duckdb:
        run_duckdb(args, run, stages)


def run_duckdb(args: argparse.Namespace, run: Run, stages: list[str]) -> None:
    """Time the DuckDB peer's analyses (one process), then check its results equal graphkit's
    (another process); a difference is an error row ``duckdb_check``, which fails the run."""
    wanted = [a for a in DUCKDB_OF if a in stages]
    if not wanted or not (run.graph / "manifest.json").exists():
        return
    if importlib.util.find_spec("duckdb") is None:
        run.duckdb["_process"] = {"status": "skipped", "note": "duckdb 未安装 not installed (pip install duckdb)"}
        return
    peer = HERE / "duckdb_peer.py"
    _say(f"  DuckDB peer ({', '.join(wanted)}) …")
    m = _measure(args, run, "duckdb_all", {"graph_dir": str(run.graph), "as_of": args.as_of, "analyses": wanted},
                 module=peer)
    for a in wanted:
        run.duckdb[a] = {"seconds": round(m.sections[a], 3) if a in m.sections else None,
                         "status": m.status if a in m.sections or m.status != "ok" else "error",
                         "cpu_s": m.extra.get(f"{a}_cpu_s")}
    run.duckdb["_process"] = {"peak_mib": m.peak_mib, "status": m.status, "extra": m.extra}
    _say("  DuckDB peer vs graphkit: checking the results are equal …")
    c = _measure(args, run, "duckdb_check", {"graph_dir": str(run.graph), "as_of": args.as_of, "analyses": wanted},
                 module=peer)
    ok = c.status == "ok" and all(c.extra.get(a) == "equal" for a in wanted)
    run.row("duckdb_check", seconds=round(sum(c.sections.values()), 3) if c.sections else None,
            peak_mib=round(c.peak_mib, 1) if c.peak_mib else None, status="ok" if ok else "error",
            note=("DuckDB 与 graphkit 结果一致 / results equal: " + ", ".join(wanted)) if ok else (c.error or "differs"))


def _duckdb_for(run: Run, stage: str) -> float | None:
    d = run.duckdb.get(stage)
    return d.get("seconds") if d else None


def run_neo4j_push(args: argparse.Namespace, run: Run, common: dict[str, Any]) -> None:
    """The ``neo4j_push`` / ``neo4j_repush`` rows, or a SKIPPED row with the reason when no server is at hand."""
    import neo4j_bench

    missing = _available(STAGES["neo4j_push"][1])
    ok, why = neo4j_bench.server_available()
    if run.scale == "national":
        missing = "全国规模不做在线推送（请用 neo4j-admin 导入）/ no online push at national scale (use neo4j-admin import)"
    if missing or not ok:
        reason = missing if run.scale == "national" else (
            f"{missing} 不存在 missing" if missing else f"没有 Neo4j 服务器 no Neo4j server: {why}")
        _say(f"  neo4j_push SKIPPED: {reason}")
        run.row("neo4j_push", status="skipped", note=reason)
        return
    _say(f"  neo4j_push … ({why})")
    m = _measure(args, run, "stage_neo4j_push", common)
    r = _record(run, "neo4j_push", m)
    if m.status != "ok":
        return
    x = m.extra
    r["note"] = f"rows {x['rows']:,}, {x['push_rows_per_s']:,} rows/s (empty database)"
    r2 = _record(run, "neo4j_repush", m, section="neo4j_repush")
    r2["note"] = f"rows {x['rows']:,}, {x['repush_rows_per_s']:,} rows/s (idempotent re-push)"


def _estimate(reference: Run | None, run: Run, section: str) -> float | None:
    """Linear extrapolation of a baseline section from a smaller run (a lower bound for the
    superlinear ones, e.g. Louvain and min-cost flow)."""
    if reference is None or not reference.size or not run.size:
        return None
    b = reference.baseline.get(section)
    if not b or b.get("seconds") is None or b.get("status") not in ("ok",):
        return None
    return b["seconds"] * run.size / reference.size


def run_baseline(args: argparse.Namespace, run: Run, stages: list[str], reference: Run | None) -> None:
    from baseline import BASELINE_STAGES

    budget = args.baseline_budget
    base_mod = HERE / "baseline.py"
    wanted = [s for s in BASELINE_STAGES if s == "nx_build" or any(s in BASELINE_OF.get(g, ()) for g in stages)]
    skip = []
    for sec in wanted:
        est = _estimate(reference, run, sec)
        if est is not None and est > budget:
            skip.append(sec)
            run.baseline[sec] = {"seconds": None, "estimate": round(est, 1), "status": "not run",
                                 "note": f"估计 > {budget:.0f} s，未运行 / estimated ≥ {est:,.0f} s (linear from "
                                         f"{reference.label}), over the {budget:.0f} s budget: not run"}
    national_guard = run.scale == "national" and not args.baseline_national
    if national_guard or "nx_build" in skip:
        for sec in wanted:
            if sec not in run.baseline:
                est = _estimate(reference, run, sec)
                run.baseline[sec] = {"seconds": None, "estimate": round(est, 1) if est else None, "status": "not run",
                                     "note": ("全国规模默认不运行基线（约 6 GiB、远超 10 分钟）/ national baseline not run by "
                                              "default (--baseline-national)" if national_guard else
                                              "图构建超出预算 / graph build over budget")
                                     + (f"; 线性估计 linear estimate ≥ {est:,.0f} s from {reference.label}" if est else "")}
    else:
        _say(f"  baseline (networkx) … {('skipping ' + ', '.join(skip)) if skip else ''}")
        m = _measure(args, run, "baseline_all", {"graph_dir": str(run.graph), "as_of": args.as_of, "seed": run.seed,
                                                 "skip": skip, "budget": budget},
                     module=base_mod, timeout=budget * (len(wanted) - len(skip)) + 120)
        over = m.extra.get("over_budget", {})
        for sec in wanted:
            if sec in skip:
                continue
            if sec in m.sections:
                run.baseline[sec] = {"seconds": round(m.sections[sec], 3), "status": "ok", "peak_mib": m.peak_mib}
            elif sec in over:
                run.baseline[sec] = {"seconds": None, "status": "over budget", "lower_bound": budget,
                                     "note": f"运行超过 {budget:.0f} s 被中止 / stopped after {budget:.0f} s"}
            else:
                run.baseline[sec] = {"seconds": None, "status": m.status if m.status != "ok" else "error",
                                     "note": m.error or ""}
        run.baseline["_process"] = {"peak_mib": m.peak_mib, "status": m.status, "extra": m.extra}
    if "load" in stages and not run.ledgers.is_dir():
        run.baseline["load"] = {"seconds": None, "status": "not run", "note": "没有台账 no ledgers"}
    elif "load" in stages:
        est = _estimate(reference, run, "load")
        if est is not None and est > budget:
            run.baseline["load"] = {"seconds": None, "estimate": round(est, 1), "status": "not run",
                                    "note": f"估计 estimated ≥ {est:,.0f} s: not run"}
        else:
            _say("  baseline load (pandas.read_excel / read_csv) …")
            m = _measure(args, run, "baseline_load", {"ledger_dir": str(run.ledgers)}, module=base_mod, timeout=budget)
            run.baseline["load"] = {"seconds": round(m.sections["load"], 3) if "load" in m.sections else None,
                                    "status": m.status, "peak_mib": m.peak_mib, "note": m.error or "",
                                    "lower_bound": budget if m.status == "timeout" else None,
                                    "rows_per_s": round(m.extra["rows"] / m.sections["load"]) if "load" in m.sections else None}


def _baseline_for(run: Run, stage: str) -> tuple[float | None, str]:
    """Baseline seconds for a graphkit stage and a short note (``est.`` when extrapolated)."""
    secs = BASELINE_OF.get(stage)
    if not secs:
        return None, ""
    included = run.rows.get(stage, {}).get("included")
    if stage == "end_to_end" and included is not None:  # compare like with like
        secs = ("nx_build", *[a for a in included if a in BASELINE_OF["end_to_end"]])
    total = 0.0
    estimated = bounded = False
    for s in secs:
        b = run.baseline.get(s)
        if not b:
            return None, ""
        if b.get("seconds") is not None:
            total += b["seconds"]
        elif b.get("estimate") is not None:
            total += b["estimate"]
            estimated = True
        elif b.get("lower_bound") is not None or (b.get("status") in ("timeout", "over budget") and run.budget):
            total += b.get("lower_bound") or run.budget  # stopped at the budget: it takes at least that long
            bounded = True
        else:
            return None, b.get("status", "")
    return total, ("≥ est." if estimated else ">" if bounded else "")


def _targets(runs: list[Run]) -> list[dict[str, Any]]:
    out = []
    for scale, stage, metric, limit, text in TARGETS:
        for run in runs:
            if scale == "*xlsx":
                if "xlsx" not in run.ledger_format or run.scale == "county" and any(r.scale == "province" for r in runs):
                    continue
            elif run.scale != scale or run.n_orgs is not None:
                continue
            row = run.rows.get(stage)
            if not row:  # stage not selected in this run
                continue
            if row.get("status") == "killed" and metric == "peak_mib" and row.get("peak_mib"):
                out.append({"scale": run.label, "target": text, "value": row["peak_mib"], "limit": limit, "met": False,
                            "note": "在内存上限处被终止，真实峰值更高 / killed at the memory limit: the true peak is higher"})
                continue
            if not row or row.get("seconds") is None:
                out.append({"scale": run.label, "target": text, "value": None, "limit": limit, "met": None,
                            "note": f"未测 not measured ({row.get('status') if row else 'not run'})"})
                continue
            if metric == "ratio":
                base, flag = _baseline_for(run, stage)
                value = base / row["seconds"] if base else None
                note = f"baseline {base:,.1f} s {flag}".strip() if base else "no baseline figure"
            else:
                value = row.get(metric)
                note = ""
            if row.get("partial"):
                note = "; ".join(x for x in (note, f"部分 partial: without {', '.join(row['partial'])}") if x)
            if value is None:
                out.append({"scale": run.label, "target": text, "value": None, "limit": limit, "met": None, "note": note})
                continue
            lower_is_better = metric in ("seconds", "peak_mib")
            met = value <= limit if lower_is_better else value >= limit
            by = (value / limit) if lower_is_better else (limit / value)
            if not met:
                note = "; ".join(x for x in (note, f"差 short by {by:.1f}×") if x)
            out.append({"scale": run.label, "target": text, "value": round(value, 2), "limit": limit, "met": met,
                        "note": note})
    return out


def _graph_line(run: Run) -> str:
    c = run.graph_counts
    if not c:
        return f"graph folder: {run.graph_source}"
    links = sum(int(c.get(t, 0)) for t in ("Membership", "Pairing", "Participation", "Post"))
    return (f"graph folder ({run.graph_source}): {int(c.get('Organization', 0)):,} orgs, {links:,} link records "
            f"(memberships, pairings, participations, posts) + ref links")


def print_table(run: Run) -> None:
    print(f"\n## {run.label} ({run.scale}, seed {run.seed}; ledgers: {run.counts.get('roster', 0):,} orgs, "
          f"{run.counts.get('links', 0):,} links, {run.ledger_format})")
    print(_graph_line(run))
    head = f"{'stage':<17} {'seconds':>9} {'peak MiB':>9} {'baseline s':>12} {'ratio':>7}  note"
    print(head)
    print("-" * len(head))
    for stage in [*STAGES, *[s for s in run.rows if s not in STAGES]]:
        r = run.rows.get(stage)
        if r is None:
            continue
        base, flag = _baseline_for(run, stage)
        secs = f"{r['seconds']:.3f}" if r.get("seconds") is not None else r.get("status", "")
        peak = f"{r['peak_mib']:.0f}" if r.get("peak_mib") else "—"
        bs = (f"{flag} {base:.2f}".strip() if base is not None else
              (flag or "—"))
        ratio = fmt_ratio(base, r.get("seconds")) if base is not None else "—"
        if flag and ratio != "—":
            ratio = ">" + ratio if flag == ">" else "≥" + ratio
        r["baseline_seconds"] = base
        r["baseline_estimated"] = bool(flag)
        r["ratio"] = round(base / r["seconds"], 2) if base is not None and r.get("seconds") else None
        note = r.get("note", "")
        if r.get("status") not in ("ok", "cached", ""):
            note = f"[{r['status']}] {note}"
        print(f"{stage:<17} {secs:>9} {peak:>9} {bs:>12} {ratio:>7}  {note}")
    notes = [f"{k}: {v['note']}" for k, v in run.baseline.items() if not k.startswith("_") and v.get("note")]
    if run.baseline.get("_process"):
        p = run.baseline["_process"]
        print(f"baseline process: peak {p['peak_mib'] or 0:.0f} MiB, status {p['status']}; "
              + ", ".join(f"{k} {v['seconds']:.2f} s" for k, v in run.baseline.items()
                          if not k.startswith("_") and v.get("seconds") is not None))
    for n in notes:
        print(f"baseline {n}")
    if run.duckdb:
        print(duckdb_line(run))


def duckdb_line(run: Run) -> str:
    """One line: the DuckDB peer's seconds per analysis and graphkit's time as a multiple of it."""
    p = run.duckdb.get("_process", {})
    if p.get("status") == "skipped":
        return f"DuckDB peer: {p.get('note')}"
    parts = []
    for a in DUCKDB_OF:
        d = run.duckdb.get(a)
        if not d:
            continue
        ours = run.rows.get(a, {}).get("seconds")
        if d.get("seconds") is None:
            parts.append(f"{a} {d.get('status')}")
            continue
        rel = f", graphkit {ours:.3f} s = {ours / d['seconds']:.2f}× DuckDB" if ours and d["seconds"] else ""
        cpu_ours, cpu_peer = run.rows.get(a, {}).get("cpu_s"), d.get("cpu_s")
        if cpu_ours and cpu_peer:
            rel += f" (CPU {cpu_ours:.2f} s vs {cpu_peer:.2f} s = {cpu_ours / cpu_peer:.2f}×)"
        parts.append(f"{a} {d['seconds']:.3f} s{rel}")
    check = run.rows.get("duckdb_check", {}).get("status", "not run")
    return (f"DuckDB peer (SQL over Parquet, read included; peak {p.get('peak_mib') or 0:.0f} MiB; results "
            f"{'equal' if check == 'ok' else check}): " + "; ".join(parts))


def markdown(runs: list[Run], targets: list[dict[str, Any]], info: dict[str, Any], command: str) -> str:
    """The figures as Markdown tables (for docs/benchmarks.md)."""
    out = [f"Command: `{command}`  ",
           f"Machine: {info['nproc']} cores, {info['mem_total_gib']} GiB, {info['cpu']}; Python {info['python']}; "
           f"load average {info['loadavg']} → {info.get('loadavg_end')}  ",
           "Libraries: " + ", ".join(f"{k} {v}" for k, v in info["libraries"].items() if v) + "  ",
           f"graphkit commit {info.get('graphkit_commit')}{' + uncommitted changes' if info.get('graphkit_dirty') else ''}",
           ""]
    for run in runs:
        out += [f"### {run.label}: {run.counts.get('roster', 0):,} orgs, {run.counts.get('links', 0):,} links "
                f"({run.ledger_format} ledgers, seed {run.seed})", "", _graph_line(run) + "  ",
                f"load average at start: {run.loadavg}", "",
                "| stage | seconds | peak MiB | baseline s | ratio | note |", "|---|---:|---:|---:|---:|---|"]
        for stage in [*STAGES, *[s for s in run.rows if s not in STAGES]]:
            r = run.rows.get(stage)
            if r is None:
                continue
            base, flag = _baseline_for(run, stage)
            secs = f"{r['seconds']:.3f}" if r.get("seconds") is not None else r.get("status", "")
            peak = f"{r['peak_mib']:.0f}" if r.get("peak_mib") else "—"
            bs = f"{flag} {base:,.2f}".strip() if base is not None else "—"
            ratio = fmt_ratio(base, r.get("seconds")) if base is not None else "—"
            if flag and ratio != "—":
                ratio = ("> " if flag == ">" else "≥ ") + ratio
            note = str(r.get("note", "")).replace("|", "\\|")
            if r.get("status") not in ("ok", "cached", ""):
                note = f"**{r['status']}** {note}"
            out.append(f"| {stage} | {secs} | {peak} | {bs} | {ratio} | {note} |")
        p = run.baseline.get("_process")
        if p:
            out += ["", f"Baseline process peak: {p['peak_mib'] or 0:,.0f} MiB; sections: "
                    + ", ".join(f"{k} {v['seconds']:,.2f} s" for k, v in run.baseline.items()
                                if not k.startswith("_") and v.get("seconds") is not None)]
        for k, v in run.baseline.items():
            if not k.startswith("_") and v.get("note"):
                out.append(f"Baseline {k}: {v['note']}  ")
        if run.duckdb:
            out += ["", duckdb_line(run)]
        out.append("")
    if targets:
        out += ["### Targets", "", "| scale | target | value | limit | met | note |", "|---|---|---:|---:|---|---|"]
        for t in targets:
            met = {True: "yes", False: "**no**", None: "n/a"}[t["met"]]
            val = "—" if t["value"] is None else f"{t['value']:,}"
            out.append(f"| {t['scale']} | {t['target']} | {val} | {t['limit']:,} | {met} | {t['note']} |")
    return "\n".join(out) + "\n"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="graphkit benchmarks: stages at county/province/national scale vs a networkx baseline")
    p.add_argument("--quick", action="store_true", help="county + province (CI-friendly)")
    p.add_argument("--scale", action="append", choices=["county", "province", "national"], help="scale(s) to run")
    p.add_argument("--orgs", type=int, default=None, help="custom size: about this many organizations")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--fmt", choices=["auto", "xlsx", "csv"], default="auto", help="ledger format (auto: xlsx, csv at national)")
    p.add_argument("--stages", default=None, help=f"comma-separated subset of: {','.join(STAGES)}")
    p.add_argument("--as-of", default=DEFAULT_AS_OF, help="as-of date for the analyses")
    p.add_argument("--work", default=os.environ.get("GRAPHKIT_BENCH_DIR", "/tmp/graphkit-bench"),
                   help="folder for cached ledgers, graph folders and outputs")
    p.add_argument("--fresh", action="store_true", help="regenerate ledgers and rebuild")
    p.add_argument("--json", dest="json_path", default=None, help="save every figure to this JSON file")
    p.add_argument("--markdown", default=None, help="also write the tables as Markdown to this file")
    p.add_argument("--no-baseline", action="store_true", help="skip the networkx baseline")
    p.add_argument("--no-duckdb", action="store_true", help="skip the DuckDB peer (coverage, pairing gaps, cadence)")
    p.add_argument("--baseline-budget", type=float, default=600.0, help="seconds a baseline section may take (default 600)")
    p.add_argument("--baseline-national", action="store_true", help="run the baseline at national scale too (~6 GiB+)")
    p.add_argument("--estimate-from", default=None, help="JSON of an earlier run to extrapolate the baseline from")
    p.add_argument("--national-graph", choices=["auto", "build", "replicate"], default="auto",
                   help="national graph folder: build it from the ledgers, or replicate the province graph "
                        "(auto: replicate when the build is estimated to exceed --timeout)")
    p.add_argument("--national-ledgers", default=None, metavar="DIR",
                   help="national scale: build the graph from this country folder (one folder per province, e.g. made by "
                        "`graphkit synth --scale national`) with build_country instead of synthesizing or replicating; "
                        "the build takes hours on 2 cores: raise --timeout, or reuse an earlier build in --work")
    p.add_argument("--timeout", type=float, default=1800.0, help="seconds per graphkit stage")
    p.add_argument("--src", default=None, help="measure the graphkit package in this checkout instead of the installed one")
    p.add_argument("--mem-limit-gib", type=float, default=8.5, help="kill a stage whose RSS exceeds this (default 8.5)")
    args = p.parse_args(argv)
    if args.quick:
        args.scales = ["county", "province"]
    elif args.scale:
        args.scales = list(dict.fromkeys(args.scale))
    elif args.orgs:
        args.scales = ["county"]
    else:
        p.error("choose --quick, --scale S or --orgs N")
    if args.orgs and len(args.scales) > 1:
        p.error("--orgs sets one custom size; use it with one --scale at most")
    args.stage_list = list(STAGES) if not args.stages else [s.strip() for s in args.stages.split(",") if s.strip()]
    unknown = [s for s in args.stage_list if s not in STAGES]
    if unknown:
        p.error(f"unknown stage(s): {', '.join(unknown)}; choose from {', '.join(STAGES)}")
    if "write" in args.stage_list and "build" not in args.stage_list:
        args.stage_list.append("build")
    return args


def _reference_from_json(path: str, work: Path) -> list[Run]:
    """The runs saved in a ``--json`` file (for estimates, or to print them again)."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    refs = []
    for r in data.get("runs", []):
        run = Run(r["label"], r["scale"], r.get("n_orgs"), r["seed"], "auto", work)
        run.counts = r.get("ledger_counts", {})
        run.baseline = r.get("baseline", {})
        run.duckdb = r.get("duckdb", {})
        run.rows = {row["stage"]: row for row in r.get("rows", [])}
        run.ledger_format = r.get("ledger_format", "")
        run.graph_source = r.get("graph_source", run.graph_source)
        run.graph_counts = r.get("graph_counts", {})
        run.loadavg = r.get("loadavg_start", run.loadavg)
        run.budget = data.get("baseline_budget")
        refs.append(run)
    return refs


def report_json(path: str, markdown_path: str | None) -> int:
    """Print the tables and targets of a saved ``--json`` file (and optionally its Markdown)."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    runs = _reference_from_json(path, Path(tempfile_dir()))
    for run in runs:
        print_table(run)
    targets = _targets(runs)
    for t in targets:
        mark = {True: "met 达标", False: "MISSED 未达标", None: "n/a"}[t["met"]]
        val = "—" if t["value"] is None else f"{t['value']:,}"
        print(f"  [{mark}] {t['scale']}: {t['target']} — value {val} (limit {t['limit']:,}) {t['note']}")
    if markdown_path:
        from graphkit.store.io import atomic_file
        with atomic_file(markdown_path, "w") as fh:
            fh.write(markdown(runs, targets, data["machine"], data["command"]))
    return 0


def tempfile_dir() -> str:
    import tempfile
    return tempfile.gettempdir()


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--from-json"]:
        if len(argv) not in (2, 4) or (len(argv) == 4 and argv[2] != "--markdown"):
            sys.exit("usage: run.py --from-json FILE.json [--markdown FILE.md]")
        return report_json(argv[1], argv[3] if len(argv) == 4 else None)
    args = parse_args(argv)
    work = Path(args.work).resolve()
    work.mkdir(parents=True, exist_ok=True)
    command = "python benchmarks/run.py " + " ".join(argv)
    info = machine_info()
    _say(f"machine: {info['nproc']} cores, {info['mem_total_gib']} GiB, {info['cpu']}; work folder {work}")
    if args.src:
        info["graphkit_src"] = str(Path(args.src).resolve())
        _say(f"graphkit from {info['graphkit_src']}")
    refs = _reference_from_json(args.estimate_from, work) if args.estimate_from else []
    runs: list[Run] = []
    t0 = time.perf_counter()
    for scale in args.scales:
        label = f"{scale}-s{args.seed}" if not args.orgs else f"orgs{args.orgs}-s{args.seed}"
        run = Run(label, scale, args.orgs, args.seed, args.fmt, work)
        run.budget = args.baseline_budget
        smaller = [r for r in [*refs, *runs] if r.baseline and r.size and r.label != label]
        reference = max(smaller, key=lambda r: r.size) if smaller else None
        run_scale(args, run, args.stage_list, reference, [*refs, *runs])
        runs.append(run)
        print_table(run)
    targets = _targets(runs)
    if targets:
        print("\n## targets 目标 (2 cores, 24 GiB)")
        for t in targets:
            mark = {True: "met 达标", False: "MISSED 未达标", None: "n/a"}[t["met"]]
            val = "—" if t["value"] is None else f"{t['value']:,}"
            print(f"  [{mark}] {t['scale']}: {t['target']} — value {val} (limit {t['limit']:,}) {t['note']}")
    total = time.perf_counter() - t0
    info["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    print(f"\n总耗时 total harness time {total:.0f} s; load average {info['loadavg']} → {info['loadavg_end']} "
          f"({info['nproc']} cores; other work on the machine slows every figure); command: {command}")
    if args.json_path:
        payload = {"command": command, "date": dt.datetime.now().isoformat(timespec="seconds"), "machine": info,
                   "as_of": args.as_of, "baseline_budget": args.baseline_budget, "runs": [r.as_dict() for r in runs],
                   "targets": targets, "harness_seconds": round(total, 1)}
        from graphkit.store.io import atomic_file
        with atomic_file(args.json_path, "w") as fh:
            json.dump(payload, fh, ensure_ascii=False, indent=1, default=str)
        _say(f"figures → {args.json_path}")
    if args.markdown:
        from graphkit.store.io import atomic_file
        with atomic_file(args.markdown, "w") as fh:
            fh.write(markdown(runs, targets, info, command))
        _say(f"Markdown → {args.markdown}")
    failed = [s for r in runs for s, row in r.rows.items() if row.get("status") in ("error", "timeout", "killed")]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
