"""The exporter interface: every built-in export behind one class, chosen by name or suffix; plugins."""
from __future__ import annotations

import csv
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

import graphkit as gk
from graphkit.cli import cli
from graphkit.exports.exporters import ExportError, Exporter, export, exporters, get_exporter


@pytest.fixture(scope="module")
def sample_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("exp") / "out"
    assert CliRunner().invoke(cli, ["build", str(gk.sample_path()), "-o", str(out)]).exit_code == 0
    return out


def test_every_built_in_exporter_writes_its_format(sample_out: Path, tmp_path: Path) -> None:
    graph = gk.read_graph(sample_out)
    orgs = len(graph.tables["Organization"])
    checks = {
        "gexf": lambda p: "<gexf" in p.read_text(encoding="utf-8")[:2000],
        "graphml": lambda p: "<graphml" in p.read_text(encoding="utf-8")[:2000],
        "turtle": lambda p: "@prefix" in p.read_text(encoding="utf-8")[:5000],
        "nt": lambda p: p.read_text(encoding="utf-8").count(" .\n") > orgs,
        "nquads": lambda p: p.read_text(encoding="utf-8").count(" .\n") > orgs,
        "trig": lambda p: "{" in p.read_text(encoding="utf-8"),
        "jsonld": lambda p: p.read_text(encoding="utf-8").lstrip()[:1] in "[{",
        "cypher": lambda p: "CREATE CONSTRAINT" in p.read_text(encoding="utf-8"),
        "folder": lambda p: len(gk.read_graph(p).tables["Organization"]) == orgs,
        "neo4j-import": lambda p: sum(1 for _ in csv.reader((p / "nodes" / "Organization.csv").open(encoding="utf-8"))) == orgs + 1,
    }
    avail = exporters(plugins=False)
    assert set(checks) == set(avail), "a built-in exporter without a check here"
    for name, ex in avail.items():
        target = tmp_path / (name + (ex.suffixes[0] if ex.suffixes else ""))
        written = ex.write(graph, target)
        assert written == target and written.exists(), name
        assert checks[name](written), name


def test_the_suffix_chooses_and_a_bad_one_is_refused_in_both_languages(tmp_path: Path) -> None:
    assert get_exporter("a/b.TTL").name == "turtle"
    assert get_exporter("x.nq").name == "nquads"
    assert get_exporter("anything", format="neo4j-import").folder
    with pytest.raises(ExportError, match="无法由扩展名判断.*cannot tell the export format"):
        get_exporter(tmp_path / "g.xyz")
    with pytest.raises(ExportError, match="unknown export format 'pdf'"):
        get_exporter(tmp_path / "g.ttl", format="pdf")


class _Lines(Exporter):
    name = "orglines"
    label = {"zh": "组织名单", "en": "org name list"}
    suffixes = (".orgs",)

    def write(self, graph: gk.Graph, path: Path, **options: object) -> Path:
        path.write_text("\n".join(sorted(graph.tables["Organization"]["name"].astype(str))), encoding="utf-8")
        return path


def test_an_extra_exporter_is_one_class(tmp_path: Path) -> None:
    graph = gk.build_graph(gk.sample_path())
    p = export(graph, tmp_path / "all.orgs", extra=[_Lines()])
    assert p.read_text(encoding="utf-8").splitlines() == sorted(graph.tables["Organization"]["name"].astype(str))
    with pytest.raises(ExportError, match="label"):
        class _NoLabel(_Lines):
            label = {"en": "only English"}
        exporters([_NoLabel()], plugins=False)


def test_an_installed_plugin_appears_in_graphkit_export(sample_out: Path, tmp_path: Path) -> None:
    """A package that declares an entry point in the ``graphkit.exports.exporters`` group shows up in the CLI —
    a real distribution's metadata on sys.path, read by importlib.metadata in a fresh interpreter."""
    site = tmp_path / "site"
    (site / "gk_demo_plugin").mkdir(parents=True)
    (site / "gk_demo_plugin" / "__init__.py").write_text(textwrap.dedent('''
        from pathlib import Path
        from graphkit.exports.exporters import Exporter

        class Count(Exporter):
            name = "count"
            label = {"zh": "组织计数", "en": "org count"}
            suffixes = (".count",)

            def write(self, graph, path, **options):
                Path(path).write_text(str(len(graph.tables["Organization"])), encoding="utf-8")
                return Path(path)
    '''), encoding="utf-8")
    dist = site / "gk_demo_plugin-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: gk-demo-plugin\nVersion: 1.0\n", encoding="utf-8")
    (dist / "entry_points.txt").write_text("[graphkit.exports.exporters]\ncount = gk_demo_plugin:Count\n", encoding="utf-8")
    env_path = f"{site}:{Path(gk.__file__).resolve().parents[1]}"
    run = lambda *a: subprocess.run([sys.executable, "-m", "graphkit.cli", *a], capture_output=True, text=True,  # noqa: E731
                                    env={"PYTHONPATH": env_path, "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    listed = run("export", "--list")
    assert listed.returncode == 0, listed.stderr
    assert "count" in listed.stdout and "组织计数" in listed.stdout and "gexf" in listed.stdout
    target = tmp_path / "n.count"
    done = run("export", str(sample_out), "-o", str(target))
    assert done.returncode == 0, done.stderr
    assert target.read_text(encoding="utf-8") == str(len(gk.read_graph(sample_out).tables["Organization"]))
    bad = run("export", str(sample_out), "-o", str(tmp_path / "n.unknown"))
    assert bad.returncode != 0 and "cannot tell the export format" in (bad.stdout + bad.stderr)
    assert "Traceback" not in bad.stdout + bad.stderr
