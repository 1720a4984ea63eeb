"""The tutorial notebooks: stored without outputs, in sync with their source, each runs top to bottom.

Each notebook is executed with nbclient on the ``python3`` kernel of this interpreter's
environment (ipykernel), in a fresh temporary folder. Its cost is measured as the kernel's CPU
time, which does not depend on how busy the machine is: it must stay under
``GRAPHKIT_NOTEBOOK_CPU_SECONDS`` (default 60). Wall-clock time only guards against a hang (each
cell may take at most ``GRAPHKIT_NOTEBOOK_CELL_SECONDS``, default 300).
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

ROOT = Path(__file__).resolve().parent.parent
NB_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(NB_DIR.glob("[0-9][0-9]_*.ipynb"))
CPU_BUDGET = float(os.environ.get("GRAPHKIT_NOTEBOOK_CPU_SECONDS", "60"))
CELL_TIMEOUT = float(os.environ.get("GRAPHKIT_NOTEBOOK_CELL_SECONDS", "300"))
REQUIRED = ["01_quickstart", "02_pairing_gaps", "03_chain_clusters", "04_cypher", "05_rdf_sparql_shacl",
            "06_bring_your_own_ledger"]


def test_the_tutorials_are_all_there() -> None:
    assert [p.stem for p in NOTEBOOKS] == REQUIRED


def test_notebooks_match_their_source_script() -> None:
    res = subprocess.run([sys.executable, str(NB_DIR / "_make_notebooks.py"), "--check"], capture_output=True,
                         text=True, timeout=120)
    assert res.returncode == 0, res.stderr


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_stored_without_outputs(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"{path.name}: strip the outputs"


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_top_to_bottom(path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the kernel inherits this environment: graphkit importable from the checkout, a known config
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep))
    for key in [k for k in os.environ if k.startswith("GRAPHKIT_") and k != "GRAPHKIT_HOME"]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    psutil = pytest.importorskip("psutil")
    if path.stem == "04_cypher" and os.environ.get("NEO4J_URI"):
        _empty_server_database()  # the notebook's Neo4j part counts what it pushed
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(nb, kernel_name="python3", timeout=CELL_TIMEOUT, allow_errors=False,
                                     resources={"metadata": {"path": str(tmp_path)}})
    start = time.perf_counter()
    with client.setup_kernel():
        kernel = psutil.Process(client.km.provisioner.process.pid)
        try:
            for index, cell in enumerate(nb.cells):
                client.execute_cell(cell, index)
        except nbclient.exceptions.CellExecutionError as exc:
            pytest.fail(f"{path.name} failed:\n{exc}")
        cpu = sum(kernel.cpu_times()[:4])  # user + system, with finished children
    seconds = time.perf_counter() - start
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.get("output_type") == "error"]
    assert errors == []
    assert not (NB_DIR / "out").exists(), "the notebook wrote into the checkout instead of its working folder"
    print(f"{path.name}: kernel CPU {cpu:.1f} s, wall {seconds:.1f} s")
    assert cpu < CPU_BUDGET, f"{path.name} used {cpu:.0f} s of CPU (budget {CPU_BUDGET:.0f} s)"
    if path.stem == "04_cypher":
        text = "".join(str(o.get("text", "")) + str(o.get("data", "")) for c in nb.cells if c.cell_type == "code"
                       for o in c.outputs)
        if os.environ.get("NEO4J_URI"):  # the Neo4j part ran for real on the server
            assert "NEO4J_URI is not set" not in text and "Organization" in text
        else:
            assert "NEO4J_URI is not set" in text


def _empty_server_database() -> None:
    from graphkit.exports.neo4j import connect

    drv = connect(os.environ["NEO4J_URI"], os.environ.get("NEO4J_USER", "neo4j"), os.environ.get("NEO4J_PASSWORD", ""))
    from _neo4j_home import wipe

    try:
        wipe(drv, os.environ.get("NEO4J_DATABASE") or None)
    finally:
        drv.close()
