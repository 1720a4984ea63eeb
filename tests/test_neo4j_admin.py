"""The Neo4j tools for real: ``neo4j-admin database import full`` on the generated import folder,
the generated cypher-shell script run by the real ``cypher-shell``, and a push killed midway.

* The bulk import needs a Neo4j 5 server home (NEO4J_HOME, or ``../shared/neo4j/home``) and Java:
  the import folder is loaded by that home's ``neo4j-admin`` through the generated ``import.sh``
  into a fresh copy, a server is started on it, and every label and relationship triple is
  counted and every property compared with a push of the same graph.
* The script and the kill test need a server (NEO4J_URI, as started by ``scripts/test.sh``) and,
  for the script, a ``cypher-shell`` (from NEO4J_TEST_HOME or the server home).

Without them they are skipped with the reason shown. Nothing is mocked.
"""
from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import graphkit as gk
from graphkit.exports._graph_shape import graph_shape

import _neo4j_home as nh
from test_cypher_embedded import hostile_graph
from test_neo4j_server import _checksum

HOME, WHY = nh.find_home()
URI = os.environ.get("NEO4J_URI", "")
USER = os.environ.get("NEO4J_USER", "neo4j")
PASSWORD = os.environ.get("NEO4J_PASSWORD", "")
DATABASE = os.environ.get("NEO4J_DATABASE") or None

pytestmark = pytest.mark.neo4j
needs_home = pytest.mark.skipif(HOME is None, reason=f"neo4j-admin import not run: {WHY}")
needs_server = pytest.mark.skipif(not URI, reason="NEO4J_URI not set: Neo4j server tests skipped")


def _cypher_shell() -> Path | None:
    for home in (os.environ.get("NEO4J_TEST_HOME"), str(HOME) if HOME else None):
        if home and (Path(home) / "bin" / "cypher-shell").is_file():
            return Path(home) / "bin" / "cypher-shell"
    return None


def _driver(uri: str, password: str) -> Any:
    from graphkit.exports.neo4j import connect

    return connect(uri, "neo4j", password)


def _wipe(driver: Any) -> None:
    nh.wipe(driver, DATABASE)


def _counts(driver: Any) -> dict[str, int]:
    shape = graph_shape()
    out = {}
    with driver.session() as s:
        for ns in shape.nodes:
            out[ns.label] = s.run(f"MATCH (n:`{ns.label}`) RETURN count(n) AS c").single()["c"]
        for rs in shape.rels:
            out[rs.file_stem] = s.run(f"MATCH (:`{rs.source_label}`)-[r:`{rs.rel}`]->(:`{rs.target_label}`) "
                                      "RETURN count(r) AS c").single()["c"]
    return out


@needs_home
@pytest.mark.parametrize("which", ["sample", "hostile"])
def test_bulk_import_files_load_with_neo4j_admin(which: str, sample_out: Path, tmp_path: Path) -> None:
    from graphkit.exports.neo4j import export_import, push

    source: Any = sample_out if which == "sample" else hostile_graph()
    folder = export_import(source, tmp_path / "import")
    assert HOME is not None
    home = nh.copy_home(HOME, prefix="neo4j-import.")
    try:
        env = {**nh.admin_env(home), "NEO4J_ADMIN": str(home / "bin" / "neo4j-admin")}
        done = subprocess.run(["bash", str(folder / "import.sh"), "neo4j"], env=env, capture_output=True, text=True,
                              timeout=600)
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        assert "IMPORT DONE" in done.stdout + done.stderr
        server = nh.start(home)
        drv = _driver(server["NEO4J_URI"], server["NEO4J_PASSWORD"])
        try:
            got = _counts(drv)
            imported = _checksum(drv, None)
        finally:
            drv.close()
    finally:
        nh.stop(home)
    g = gk.read_graph(source) if isinstance(source, Path) else source
    shape = graph_shape()
    for ns in shape.nodes:
        assert got[ns.label] == g.count(ns.type), ns.label
    rel_rows = {}
    for p in (folder / "relationships").glob("*.csv"):
        with p.open(encoding="utf-8", newline="") as fh:
            rel_rows[p.stem] = sum(1 for _ in csv.reader(fh)) - 1  # values may hold line breaks
    for stem, n in rel_rows.items():
        assert got[stem] == n, stem
    if URI:  # the imported database equals a push of the same graph, property for property
        drv = _driver(URI, PASSWORD)
        try:
            _wipe(drv)
            push(source, uri=URI, user=USER, password=PASSWORD, database=DATABASE, driver=drv)
            assert _checksum(drv, DATABASE) == imported
        finally:
            drv.close()


@needs_server
@pytest.mark.skipif(_cypher_shell() is None, reason="cypher-shell not found (NEO4J_TEST_HOME or a Neo4j server home)")
def test_script_runs_in_the_real_cypher_shell(tmp_path: Path) -> None:
    """Names with quotes, backslashes, line breaks, ``}``, ``;`` and the script's own separator and
    escape characters come out of the real cypher-shell exactly as stored (and as a push stores them)."""
    from graphkit.exports.neo4j import export_cypher, push
    from graphkit.testing import make_graph
    from test_neo4j_export import SEPARATOR_HOSTILE

    base = hostile_graph()
    extra = [{"id": f"sep-{i}", "name": n, "host_unit": n + "}\\'\n;", "category": "2", "members": i, "town": "pl-1"}
             for i, n in enumerate(SEPARATOR_HOSTILE)]
    g = make_graph({**{t: base.tables[t].to_dict("records") for t in ("Place", "Collaboration", "IndustryChain",
                                                                         "ChainStage", "Membership", "Pairing")},
                    "Organization": base.orgs.to_dict("records") + extra}, settings=base.settings)
    drv = _driver(URI, PASSWORD)
    try:
        _wipe(drv)
        push(g, uri=URI, user=USER, password=PASSWORD, database=DATABASE, driver=drv)
        pushed = _checksum(drv, DATABASE)
        _wipe(drv)
        script = export_cypher(g, tmp_path / "g.cypher", batch_size=2)
        cmd = [str(_cypher_shell()), "-a", URI, "-u", USER, "--fail-fast", "-f", str(script)]
        if DATABASE:
            cmd += ["-d", DATABASE]
        done = subprocess.run(cmd, env={**os.environ, "NEO4J_PASSWORD": PASSWORD}, capture_output=True, text=True,
                              timeout=600)
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
        assert PASSWORD not in done.stdout + done.stderr
        assert _checksum(drv, DATABASE) == pushed
        with drv.session(database=DATABASE) as s:
            got = {r["id"]: (r["name"], r["host"], r["members"]) for r in
                   s.run("MATCH (o:Organization) RETURN o.id AS id, o.name AS name, o.host_unit AS host, o.members AS members")}
        want = {i: (n, None if pd.isna(h) else h, None if pd.isna(m) else int(m))
                for i, n, h, m in zip(g.orgs["id"], g.orgs["name"], g.orgs["host_unit"], g.orgs["members"])}
        assert got == want
    finally:
        drv.close()


@needs_server
def test_push_killed_midway_and_run_again_converges(sample_out: Path) -> None:
    """`graphkit neo4j push` killed with SIGKILL part-way, then run again, gives the uninterrupted result."""
    from graphkit.exports.neo4j import push

    drv = _driver(URI, PASSWORD)
    try:
        _wipe(drv)
        push(sample_out, uri=URI, user=USER, password=PASSWORD, database=DATABASE, driver=drv)
        clean = _checksum(drv, DATABASE)
        _wipe(drv)
        cmd = [sys.executable, "-m", "graphkit.cli", "neo4j", "push", str(sample_out), "--uri", URI, "--user", USER,
               "--batch-size", "40"] + (["--database", DATABASE] if DATABASE else [])
        env = {**os.environ, "NEO4J_PASSWORD": PASSWORD}
        proc = subprocess.Popen(cmd, env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
        assert proc.stderr is not None
        seen = 0
        for line in proc.stderr:
            if "/" in line and "->" in line:  # progress of the relationship batches: nodes are in
                seen += 1
                if seen == 5:
                    proc.send_signal(signal.SIGKILL)
                    break
        proc.wait(timeout=120)
        assert proc.returncode == -signal.SIGKILL, "the push ended before it could be killed"
        assert _checksum(drv, DATABASE) != clean
        again = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
        assert again.returncode == 0, again.stderr[-2000:]
        assert _checksum(drv, DATABASE) == clean
    finally:
        drv.close()
