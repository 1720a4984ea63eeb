"""Smoke tests of the benchmark harness (benchmarks/): the measuring machinery and a tiny run.

No timing asserts: only that every stage produces a row, that ratios are computed where both
sides ran, and that the measuring code isolates each stage's peak memory.
"""
from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "benchmarks"


def _load(name: str):
    if str(BENCH) not in sys.path:
        sys.path.insert(0, str(BENCH))
    spec = importlib.util.spec_from_file_location(f"_bench_{name}", BENCH / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def measure():
    return _load("_measure")


@pytest.fixture(scope="module")
def harness():
    return _load("run")


STAGES_PY = '''
import time
def ok(timer, n):
    with timer("count"):
        s = sum(range(n))
    return {"s": s}
def big(timer, mib):
    with timer("alloc"):
        b = bytearray(mib * 2**20)
        for i in range(0, len(b), 4096):
            b[i] = 1
    return {"len": len(b)}
def fails(timer):
    with timer("first"):
        pass
    raise RuntimeError("boom 出错")
def slow(timer):
    with timer("quick"):
        pass
    with timer("sleep"):
        time.sleep(30)
def budget(timer):
    from _measure import SectionTimeout
    try:
        with timer("spin", limit=0.3):
            while True:
                pass
    except SectionTimeout:
        pass
    with timer("after"):
        pass
'''


@pytest.fixture(scope="module")
def stages_file(tmp_path_factory):
    p = tmp_path_factory.mktemp("stages") / "stages.py"
    p.write_text(STAGES_PY, encoding="utf-8")
    return p


def test_run_stage_ok(measure, stages_file):
    m = measure.run_stage(stages_file, "ok", {"n": 10}, timeout=60)
    assert m.status == "ok" and m.extra == {"s": 45} and set(m.sections) == {"count"}
    assert m.sections["count"] >= 0 and m.peak_mib > 1 and m.wall >= m.sections["count"]


def test_peak_is_per_stage(stages_file):
    """A big stage does not raise the peak reported for a later small one (os.wait4 per child).

    Run from a fresh, small Python process: on Linux a child's ru_maxrss starts from its parent's
    resident size at fork time, so inside a large pytest process every child would look big.
    """
    code = (
        "import importlib.util, json, sys\n"
        f"spec = importlib.util.spec_from_file_location('_m', {str(BENCH / '_measure.py')!r})\n"
        "m = importlib.util.module_from_spec(spec); sys.modules['_m'] = m; spec.loader.exec_module(m)\n"
        f"big = m.run_stage({str(stages_file)!r}, 'big', {{'mib': 300}}, timeout=120)\n"
        f"small = m.run_stage({str(stages_file)!r}, 'ok', {{'n': 10}}, timeout=60)\n"
        "print(json.dumps([big.status, big.peak_mib, small.peak_mib]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    status, big_peak, small_peak = json.loads(out.stdout.strip().splitlines()[-1])
    assert status == "ok"
    assert big_peak > 300
    assert small_peak < 200


def test_error_keeps_sections(measure, stages_file, tmp_path):
    log = tmp_path / "log.txt"
    m = measure.run_stage(stages_file, "fails", {}, timeout=60, log=log)
    assert m.status == "error" and "RuntimeError: boom 出错" in m.error
    assert set(m.sections) == {"first"}
    assert "Traceback" in log.read_text(encoding="utf-8")


def test_timeout_keeps_finished_sections(measure, stages_file):
    m = measure.run_stage(stages_file, "slow", {}, timeout=2)
    assert m.status == "timeout" and set(m.sections) == {"quick"} and m.wall < 20


def test_memory_limit_kills(measure, stages_file):
    m = measure.run_stage(stages_file, "big", {"mib": 600}, timeout=120, mem_limit_mib=250)
    assert m.status == "killed" and "250" in m.error and "alloc" not in m.sections


def test_section_budget(measure, stages_file):
    m = measure.run_stage(stages_file, "budget", {}, timeout=60)
    assert m.status == "ok"
    assert set(m.sections) == {"after"} and m.extra["over_budget"] == {"spin": 0.3}


def test_helpers(harness):
    assert harness.fmt_ratio(10.0, 0.5) == "20.0×"
    assert harness.fmt_ratio(1000.0, 2.0) == "500×"
    assert harness.fmt_ratio(None, 2.0) == "—"
    args = harness.parse_args(["--quick"])
    assert args.scales == ["county", "province"] and args.stage_list == list(harness.STAGES)
    with pytest.raises(SystemExit):
        harness.parse_args(["--stages", "nonsense", "--quick"])
    info = harness.machine_info()
    assert info["nproc"] >= 1 and info["mem_total_gib"] > 0


def test_estimate_and_targets(harness, tmp_path):
    """Linear extrapolation from a smaller run; targets judged with 'short by' factors."""
    small = harness.Run("province-s0", "province", None, 0, "auto", tmp_path)
    small.counts = {"links": 1000}
    small.baseline = {"clusters": {"seconds": 100.0, "status": "ok"}}
    big = harness.Run("national-s0", "national", None, 0, "auto", tmp_path)
    big.counts = {"links": 20000}
    assert harness._estimate(small, big, "clusters") == pytest.approx(2000.0)
    assert harness._estimate(small, big, "cadence") is None
    prov = harness.Run("province-s0", "province", None, 0, "auto", tmp_path)
    prov.ledger_format = "xlsx"
    prov.row("end_to_end", seconds=20.0, peak_mib=1000.0, status="ok")
    prov.row("build", seconds=10.0, rows_per_s=50_000, status="ok")
    prov.row("load", seconds=5.0, rows_per_s=120_000, status="ok")
    prov.baseline = {s: {"seconds": 30.0, "status": "ok"} for s in harness.BASELINE_OF["end_to_end"]}
    res = {t["target"]: t for t in harness._targets([prov])}
    secs = next(t for k, t in res.items() if "10 s" in k)
    assert secs["met"] is False and "2.0×" in secs["note"]
    ratio = next(t for k, t in res.items() if "10×" in k)
    assert ratio["value"] == pytest.approx(30.0 * 7 / 20.0) and ratio["met"] is True
    peak = next(t for k, t in res.items() if "2 GiB" in k)
    assert peak["met"] is True
    rate = next(t for k, t in res.items() if "whole build from .xlsx" in k)
    assert rate["met"] is False and "2.0×" in rate["note"]
    load = next(t for k, t in res.items() if "ledger load (reading the .xlsx ledgers)" in k)
    assert load["met"] is True and load["value"] == pytest.approx(120_000)


@pytest.mark.slow
def test_tiny_run_every_stage(harness, tmp_path):
    """The harness on ~300 orgs: one row per stage, baseline figures and ratios, a JSON file."""
    out = tmp_path / "bench.json"
    cmd = [sys.executable, str(BENCH / "run.py"), "--orgs", "300", "--seed", "3", "--work", str(tmp_path / "work"),
           "--json", str(out), "--baseline-budget", "120", "--timeout", "300"]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert out.exists(), proc.stderr[-3000:]
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["machine"]["nproc"] >= 1 and data["command"].startswith("python benchmarks/run.py")
    (run,) = data["runs"]
    rows = {r["stage"]: r for r in run["rows"]}
    # every stage has its row; the push stage adds a re-push row when a server was there to push to
    assert set(harness.STAGES) | {"duckdb_check"} <= set(rows) <= set(harness.STAGES) | {"duckdb_check", "neo4j_repush"}
    assert ("neo4j_repush" in rows) == (rows["neo4j_push"]["status"] == "ok"), rows["neo4j_push"]
    for stage, row in rows.items():
        assert row["status"] in ("ok", "cached", "skipped"), (stage, row)
        if row["status"] == "skipped":  # a missing module, or (the push) no Neo4j server at hand
            assert "missing" in row["note"] or (stage == "neo4j_push" and "no Neo4j server" in row["note"]), (stage, row)
        else:
            assert row["seconds"] is not None and row["seconds"] >= 0, (stage, row)
    for sec in ("nx_build", "coverage", "pairing_gaps", "suggest_pairings", "clusters", "chain_alliances", "cadence",
                "load"):
        assert run["baseline"][sec]["status"] == "ok" and run["baseline"][sec]["seconds"] > 0, sec
    for stage in ("load", "read_graph", "coverage", "clusters", "end_to_end"):
        if rows[stage]["status"] == "ok":
            assert rows[stage]["ratio"] > 0, stage
    assert rows["end_to_end"]["status"] == "ok"
    assert rows["duckdb_check"]["status"] == "ok" and "results equal" in rows["duckdb_check"]["note"]
    for a in harness.DUCKDB_OF:
        assert run["duckdb"][a]["status"] == "ok" and run["duckdb"][a]["seconds"] > 0, a
    assert "DuckDB peer" in proc.stdout and "× DuckDB" in proc.stdout
    assert rows["build"]["rows_per_s"] > 0
    assert "stage" in proc.stdout and "ratio" in proc.stdout and "end_to_end" in proc.stdout
    assert proc.returncode == 0, proc.stderr[-3000:]


@pytest.fixture(scope="module")
def peer():
    return _load("duckdb_peer")


@pytest.mark.parametrize("as_of", ["2023-12-31", "2024-06-30", "2024-12-31"])
def test_duckdb_peer_equals_graphkit_on_the_sample_county(peer, sample_out, as_of):
    """The DuckDB SQL gives graphkit's coverage, pairing gaps and cadence on the sample county."""
    import graphkit as gk

    graph = gk.read_graph(sample_out, provenance=False)
    for name in peer.ANALYSES:
        ours = peer.canonical_graphkit(graph, name, as_of=as_of)
        theirs = peer.run_sql(sample_out, name, as_of=as_of)
        assert peer.compare(ours, theirs) == [], name
        assert sum(len(t) for t in ours.values()) > 0, name  # something was compared
    assert len(peer.canonical_graphkit(graph, "pairing_gaps", as_of=as_of)["unpaired_weak"]) > 0


def test_duckdb_peer_comparison_catches_a_difference(peer, sample_out):
    """compare() reports a table whose rows differ (the check in the harness can fail)."""
    import graphkit as gk

    graph = gk.read_graph(sample_out, provenance=False)
    ours = peer.canonical_graphkit(graph, "pairing_gaps", as_of="2024-06-30")
    theirs = peer.run_sql(sample_out, "pairing_gaps", as_of="2024-06-30")
    theirs["unpaired_weak"] = theirs["unpaired_weak"].iloc[1:]
    problems = peer.compare(ours, theirs)
    assert len(problems) == 1 and problems[0].startswith("unpaired_weak:")
    # another rule (max_per_strong 1 in SQL only) changes the overloaded orgs: caught too
    other = peer.run_sql(sample_out, "pairing_gaps", as_of="2024-06-30", max_per_strong=1)
    assert any(p.startswith("overloaded_strong:") for p in peer.compare(ours, other))


def test_duckdb_line(harness, tmp_path):
    run = harness.Run("province-s0", "province", None, 0, "auto", tmp_path)
    run.row("coverage", seconds=0.5, cpu_s=0.6)
    run.row("duckdb_check", status="ok")
    run.duckdb = {"coverage": {"seconds": 0.25, "status": "ok", "cpu_s": 0.4},
                  "_process": {"peak_mib": 300.0, "status": "ok"}}
    line = harness.duckdb_line(run)
    assert "coverage 0.250 s, graphkit 0.500 s = 2.00× DuckDB (CPU 0.60 s vs 0.40 s = 1.50×)" in line
    assert "results equal" in line
    run.rows["duckdb_check"]["status"] = "error"
    assert "results error" in harness.duckdb_line(run)
