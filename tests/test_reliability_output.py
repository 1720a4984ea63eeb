"""Issue 22, first half: graphkit never destroys what it did not make; queries and caches hold under
concurrency and planted files (docs/reliability.md, "数据安全 / Data loss" and "并发与缓存 / Concurrency and caches").

Each test reproduces one finding as a hostile or careless user would meet it and checks what holds now.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

import graphkit as gk
from graphkit.testing import example_graph
from graphkit.cli import cli
from graphkit.store.io import OUTPUT_MARKER, check_replace, output_kind
from graphkit.core.model import Graph
from tests._ledgers import mini_county

ROOT = Path(__file__).resolve().parent.parent


def _invoke(*args: str) -> object:
    return CliRunner().invoke(cli, [str(a) for a in args])


def _refused(r: object) -> bool:
    return r.exit_code == 1 and "拒绝覆盖" in r.stderr and "refusing" in r.stderr and "Traceback" not in r.output


def _user_folder(path: Path, **files: str) -> dict[str, str]:
    path.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (path / name).write_text(text, encoding="utf-8")
    return files


def _unchanged(path: Path, files: dict[str, str]) -> bool:
    return sorted(p.name for p in path.iterdir()) == sorted(files) and all(
        (path / n).read_text(encoding="utf-8") == t for n, t in files.items())


@pytest.fixture(scope="module")
def example_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return gk.write_graph(example_graph(), tmp_path_factory.mktemp("ex") / "out")


# ---- 数据安全 / Data loss ------------------------------------------------------------------------

def test_build_refuses_a_folder_that_merely_holds_a_manifest(tmp_path: Path) -> None:
    data = mini_county(tmp_path / "d")
    web = _user_folder(tmp_path / "web", **{"manifest.json": '{"name": "my web app"}', "index.html": "<p>app</p>"})
    r = _invoke("build", data, "-o", tmp_path / "web", "-q")
    assert _refused(r), r.output
    assert _unchanged(tmp_path / "web", web)
    # an empty folder or a missing path is fine; graphkit's own graph folder is replaced
    (tmp_path / "empty").mkdir()
    for target in ("empty", "new"):
        assert _invoke("build", data, "-o", tmp_path / target, "-q").exit_code == 0
        marker = json.loads((tmp_path / target / OUTPUT_MARKER).read_text(encoding="utf-8"))
        assert marker == {**marker, "tool": "graphkit", "command": "build", "kind": "graph"}
    assert _invoke("build", data, "-o", tmp_path / "new", "-q").exit_code == 0
    # a folder written before the marker existed: recognised by graphkit's own manifest keys
    (tmp_path / "new" / OUTPUT_MARKER).unlink()
    assert output_kind(tmp_path / "new") == "graph"
    assert _invoke("build", data, "-o", tmp_path / "new", "-q").exit_code == 0
    # a forged or unreadable marker proves nothing
    forged = _user_folder(tmp_path / "forged", **{OUTPUT_MARKER: "{not json", "a.txt": "mine"})
    assert _refused(_invoke("build", data, "-o", tmp_path / "forged", "-q"))
    assert _unchanged(tmp_path / "forged", forged)


def test_a_graph_folder_is_not_replaced_by_another_kind_of_output(example_out: Path, tmp_path: Path) -> None:
    graph = tmp_path / "g"
    gk.write_graph(example_graph(), graph)
    before = sorted(p.name for p in graph.rglob("*"))
    r = _invoke("analyze", example_out, "-o", graph, "-q")
    assert _refused(r) and "图谱输出目录" in r.stderr  # says what the folder is
    r = _invoke("neo4j", "export-import", example_out, "-o", graph)
    assert _refused(r)
    assert sorted(p.name for p in graph.rglob("*")) == before


def test_export_import_refuses_a_folder_of_the_users_files(example_out: Path, tmp_path: Path) -> None:
    mine = _user_folder(tmp_path / "mine", **{"notes.txt": "keep me", "nodes.csv": "id\n1\n"})
    r = _invoke("neo4j", "export-import", example_out, "-o", tmp_path / "mine")
    assert _refused(r), r.output
    assert _unchanged(tmp_path / "mine", mine)
    assert _invoke("neo4j", "export-import", example_out, "-o", tmp_path / "imp").exit_code == 0
    assert output_kind(tmp_path / "imp") == "neo4j-import"
    assert _invoke("neo4j", "export-import", example_out, "-o", tmp_path / "imp").exit_code == 0
    # an import folder written before the marker existed (import.sh with graphkit's header beside nodes/)
    (tmp_path / "imp" / OUTPUT_MARKER).unlink()
    assert _invoke("neo4j", "export-import", example_out, "-o", tmp_path / "imp").exit_code == 0


def test_analyze_output_folder(example_out: Path, tmp_path: Path) -> None:
    assert _invoke("analyze", example_out, "-o", tmp_path / "a", "-q", "--as-of", "2024-06-30").exit_code == 0
    assert output_kind(tmp_path / "a") == "analysis"
    (tmp_path / "a" / OUTPUT_MARKER).unlink()  # before the marker: analysis.json with as_of and tables
    assert _invoke("analyze", example_out, "-o", tmp_path / "a", "-q", "--as-of", "2024-06-30").exit_code == 0
    mine = _user_folder(tmp_path / "m", **{"analysis.json": '{"mine": true}'})
    assert _refused(_invoke("analyze", example_out, "-o", tmp_path / "m", "-q"))
    assert _unchanged(tmp_path / "m", mine)


def test_view_refuses_a_sibling_parts_folder_it_did_not_write(sample_out: Path, tmp_path: Path) -> None:
    parts = _user_folder(tmp_path / "v_parts", **{"holiday.txt": "photos list"})
    r = _invoke("view", sample_out, "--max-nodes", "50", "-o", tmp_path / "v.html")
    assert _refused(r), r.output
    assert _unchanged(tmp_path / "v_parts", parts) and not (tmp_path / "v.html").exists()
    # without drill-down pages the folder is not touched, so the page may be written
    assert _invoke("view", sample_out, "--max-nodes", "50", "--no-drilldown", "-o", tmp_path / "v.html").exit_code == 0
    assert _unchanged(tmp_path / "v_parts", parts)
    # the Python API refuses the same way
    v = gk.view(gk.read_graph(sample_out), max_nodes=50)
    with pytest.raises(gk.OutputError, match="拒绝覆盖"):
        v.write(tmp_path / "v.html")
    assert _unchanged(tmp_path / "v_parts", parts)


def test_view_page_and_parts_share_a_run(sample_out: Path, tmp_path: Path) -> None:
    page = tmp_path / "v.html"
    assert _invoke("view", sample_out, "--max-nodes", "50", "-o", page).exit_code == 0
    marker = json.loads((tmp_path / "v_parts" / OUTPUT_MARKER).read_text(encoding="utf-8"))
    run = marker["run"]
    assert marker["kind"] == "view-parts" and marker["page"] == "v.html" and re.fullmatch(r"[0-9a-f]{16}", run)
    assert f'"run":"{run}"' in page.read_text(encoding="utf-8")
    subs = [p for p in (tmp_path / "v_parts").glob("*.html")]
    assert subs and all(f"run={run}" in p.read_text(encoding="utf-8")[:70_000] for p in subs)
    # the page's script adds the run to every drill-down link and warns on a page of another run
    assert "withRun(l.href)" in page.read_text(encoding="utf-8") and "gk-stale" in page.read_text(encoding="utf-8")
    # graphkit's own page and parts are replaced on the next run
    assert _invoke("view", sample_out, "--max-nodes", "50", "--seed", "1", "-o", page).exit_code == 0


def test_view_interrupted_keeps_the_previous_page_and_parts(sample_out: Path, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    page = tmp_path / "v.html"
    g = gk.read_graph(sample_out)
    gk.view(g, max_nodes=50).write(page)
    before = {p.relative_to(tmp_path).as_posix(): p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    v = gk.view(g, max_nodes=50, seed=3)
    calls = []

    def failing(orig):  # the third drill-down page fails (a full disk, an interrupt)
        def build():
            calls.append(1)
            if len(calls) == 3:
                raise KeyboardInterrupt
            return orig()
        return build

    for p in v.pages:
        p.build = failing(p.build)
    with pytest.raises(KeyboardInterrupt):
        v.write(page)
    after = {p.relative_to(tmp_path).as_posix(): p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    assert after == before  # neither the new page beside the old parts, nor new parts beside the old page


def test_view_and_file_outputs_refuse_foreign_files_unless_forced(sample_out: Path, example_out: Path,
                                                                  tmp_path: Path) -> None:
    cases = [
        (["view", sample_out], "mine.html", "<p>my own page</p>"),
        (["rdf", "export", example_out], "mine.ttl", "<a> <b> <c> .\n"),
        (["rdf", "export", example_out], "mine.jsonld", '{"@id": "x"}'),
        (["gephi", example_out], "mine.graphml", "<graphml/>"),
        (["report", example_out, "--as-of", "2024-06-30"], "mine-report.html", "<p>minutes</p>"),
    ]
    for args, name, text in cases:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        r = _invoke(*args, "-o", path)
        assert _refused(r) and "--force" in r.stderr, (args, r.output)
        assert path.read_text(encoding="utf-8") == text
        r = _invoke(*args, "-o", path, "--force")
        assert r.exit_code == 0, r.output
        assert output_kind(path) in (args[0], "rdf", "report", "view"), name
        assert _invoke(*args, "-o", path).exit_code == 0  # graphkit's own file: replaced without --force


def test_report_refuses_a_foreign_workbook_and_writes_the_pair_as_one_unit(example_out: Path, tmp_path: Path,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    html, xlsx = tmp_path / "r.html", tmp_path / "r.xlsx"
    mine = tmp_path / "budget.xlsx"
    import openpyxl
    wb = openpyxl.Workbook()
    wb.active["A1"] = "预算 budget"
    wb.save(mine)
    before = mine.read_bytes()
    r = _invoke("report", example_out, "--as-of", "2024-06-30", "-o", html, "--xlsx", mine, "-q")
    assert _refused(r) and mine.read_bytes() == before and not html.exists()
    assert _invoke("report", example_out, "--as-of", "2024-06-30", "-o", html, "--xlsx", xlsx, "-q").exit_code == 0
    run = re.search(r"生成批次 run ([0-9a-f]{16})", html.read_text(encoding="utf-8")).group(1)
    sheet = openpyxl.load_workbook(xlsx)["说明"]
    assert f"生成批次 run {run}" in [c.value for c in sheet["A"]]
    assert f"run={run}" in zipfile.ZipFile(xlsx).read("docProps/core.xml").decode("utf-8")
    assert f"{xlsx.name}" in html.read_text(encoding="utf-8")  # the report names its workbook and the run
    pair = (html.read_bytes(), xlsx.read_bytes())
    # a failure while the workbook is written leaves both files as they were
    import graphkit.views.report as report

    def broken(*_a, **_k):
        raise KeyboardInterrupt

    monkeypatch.setattr(report, "write_xlsx", broken)
    with pytest.raises(KeyboardInterrupt):
        report.write_report(gk.read_graph(example_out), html, as_of="2024-05-31", xlsx=xlsx)
    assert (html.read_bytes(), xlsx.read_bytes()) == pair
    monkeypatch.undo()
    # another run: another digest in both files
    report.write_report(gk.read_graph(example_out), html, as_of="2024-05-31", xlsx=xlsx)
    run2 = re.search(r"生成批次 run ([0-9a-f]{16})", html.read_text(encoding="utf-8")).group(1)
    assert run2 != run and f"生成批次 run {run2}" in [c.value for c in openpyxl.load_workbook(xlsx)["说明"]["A"]]


def test_synth_never_writes_over_real_ledgers(tmp_path: Path) -> None:
    data = mini_county(tmp_path / "real")
    before = {p.name: p.read_bytes() for p in data.iterdir()}
    r = _invoke("synth", "--orgs", "200", "--format", "csv", "-o", data)
    assert _refused(r), r.output
    assert {p.name: p.read_bytes() for p in data.iterdir()} == before
    for _ in range(2):  # its own folder is written again
        assert _invoke("synth", "--orgs", "200", "--format", "csv", "-o", tmp_path / "syn").exit_code == 0
    assert output_kind(tmp_path / "syn") == "synth-ledgers"
    # synthetic ledgers inside a ledger folder are still ledgers: not skipped as an output
    from graphkit.store.io import graphkit_outputs
    assert graphkit_outputs(tmp_path) == []


def test_check_replace_is_the_one_rule(tmp_path: Path) -> None:
    (tmp_path / "f.txt").write_text("x", encoding="utf-8")
    with pytest.raises(gk.OutputError, match="是文件"):
        check_replace(tmp_path / "f.txt", kind="graph")
    with pytest.raises(gk.OutputError, match="是目录"):
        check_replace(tmp_path, kind="report")
    with pytest.raises(gk.OutputError, match="拒绝覆盖"):
        check_replace(tmp_path, kind="graph", force=True)  # never forced for a folder
    check_replace(tmp_path / "f.txt", kind="report", force=True)  # a file: --force is the user's word
    (tmp_path / "empty.html").write_text("", encoding="utf-8")
    check_replace(tmp_path / "empty.html", kind="view")
    check_replace(tmp_path / "missing", kind="graph")


def test_outputs_inside_the_ledger_folder_are_never_read_back(tmp_path: Path) -> None:
    data = mini_county(tmp_path / "d")
    first = gk.build_graph(data)
    assert _invoke("build", data, "-o", data / "out", "-q").exit_code == 0
    assert _invoke("analyze", data / "out", "-q").exit_code == 0  # OUT/analysis: inside DATA_DIR too
    assert _invoke("analyze", data / "out", "-o", data / "ana", "-q").exit_code == 0
    assert _invoke("neo4j", "export-import", data / "out", "-o", data / "imp").exit_code == 0
    assert _invoke("report", data / "out", "-o", data / "r.html", "--xlsx", data / "r.xlsx", "-q").exit_code == 0
    g = gk.build_graph(data)
    assert list(g.sources["file"]) == list(first.sources["file"])
    assert {t: g.count(t) for t in g.tables} == {t: first.count(t) for t in first.tables}
    notes = g.problems[g.problems["rule"] == "graphkit_output"]
    assert set(notes["file"]) == {"out/", "ana/", "imp/", "r.xlsx"} and set(notes["severity"]) == {"warning"}
    r = _invoke("build", data, "-o", data / "out", "-q")
    assert r.exit_code == 0 and r.stdout.count("注意 note:") == 4 and "ana/" in r.stdout


# ---- every file output: CSV/JSON results, problem tables, scripts, ontology, review files ------------

def _file_cases(example_out: Path, data: Path, mine: Path) -> list[tuple[list[object], str]]:
    """(command, -o option) for every command that writes one named file (besides the view/report/rdf/gephi above)."""
    return [
        (["query", "--list", "--format", "csv"], "-o"),
        (["query", "--list", "--format", "json"], "-o"),
        (["query", example_out, "MATCH (o:Organization) RETURN count(o) AS n", "--format", "csv"], "-o"),
        (["sparql", example_out, "--name", "coverage"], "-o"),
        (["validate", data], "--problems"),
        (["build", data, "-o", mine / "graph", "-q"], "--problems"),
        (["neo4j", "export-cypher", example_out], "-o"),
        (["rdf", "ontology"], "-o"),
        (["rdf", "shapes"], "-o"),
    ]


@pytest.mark.parametrize("case", range(9))
def test_every_file_output_keeps_the_users_file_and_replaces_its_own(example_out: Path, tmp_path: Path,
                                                                    case: int) -> None:
    data = mini_county(tmp_path / "d")
    if case == 5:  # build writes --problems only on failure: a roster row naming an unknown parent
        roster = next(data.glob("*名册*"))
        lines = roster.read_text(encoding="utf-8-sig").splitlines()
        lines.append(lines[-1].replace(lines[-1].split(",")[0], "新来的党支部", 1) + "不存在的上级党委")
        roster.write_text("\n".join(lines) + "\n", encoding="utf-8")
    args, opt = _file_cases(example_out, data, tmp_path)[case]
    suffix = {"-o": ".csv", "--problems": ".csv"}[opt]
    if args[0] == "query" and "json" in args:
        suffix = ".json"
    if args[:2] == ["neo4j", "export-cypher"]:
        suffix = ".cypher"
    if args[0] == "rdf":
        suffix = ".ttl"
    path = tmp_path / f"result{suffix}"
    text = "名称,备注\n我的表,别删\n"  # the user's own file with the same name
    path.write_text(text, encoding="utf-8")
    r = _invoke(*args, opt, path)
    assert _refused(r) and "--force" in r.stderr and str(path) in r.stderr, (args, r.output)
    assert path.read_text(encoding="utf-8") == text  # survives
    r = _invoke(*args, opt, path, "--force")
    assert r.exit_code in (0, 1) and "Traceback" not in r.output, r.output  # validate/build exit 1 on errors
    assert path.read_text(encoding="utf-8-sig") != text and output_kind(path) is not None
    first = path.read_bytes()
    os.utime(path, (1, 1))
    r = _invoke(*args, opt, path)  # graphkit's own earlier output: replaced without --force
    assert r.exit_code in (0, 1) and not _refused(r), r.output
    assert path.stat().st_mtime > 1 and path.read_bytes() == first
    leftovers = [q.name for q in tmp_path.iterdir() if ".tmp-" in q.name]
    assert leftovers == []


def test_a_registered_file_edited_since_is_the_users(tmp_path: Path) -> None:
    """CSV and JSON carry no signature: the folder's .graphkit-files.json records name, kind and SHA-256."""
    from graphkit.store.io import FILE_REGISTRY

    path = tmp_path / "q.csv"
    assert _invoke("query", "--list", "--format", "csv", "-o", path).exit_code == 0
    reg = json.loads((tmp_path / FILE_REGISTRY).read_text(encoding="utf-8"))
    entry = reg["files"]["q.csv"]
    assert reg["tool"] == "graphkit" and entry["kind"] == "query-result" and entry["command"] == "graphkit query"
    assert entry["versions"] == [{"size": path.stat().st_size, "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}]
    assert output_kind(path) == "query-result"
    # edited (in Excel, say): now the user's work, never replaced without --force
    path.write_text(path.read_text(encoding="utf-8-sig") + "我加的一行\n", encoding="utf-8-sig")
    assert output_kind(path) is None
    assert _refused(_invoke("query", "--list", "--format", "csv", "-o", path))
    assert "我加的一行" in path.read_text(encoding="utf-8-sig")
    # another kind of graphkit output by that name is refused too (a problem table is not a query result)
    assert _invoke("query", "--list", "--format", "csv", "-o", path, "--force").exit_code == 0
    with pytest.raises(gk.OutputError, match="查询结果文件"):
        check_replace(path, kind="problems")
    # a registry that is not graphkit's, or names another hash, proves nothing
    (tmp_path / FILE_REGISTRY).write_text('{"files": {"q.csv": {"kind": "query-result"}}}', encoding="utf-8")
    assert output_kind(path) is None
    (tmp_path / FILE_REGISTRY).write_text(json.dumps({"tool": "graphkit", "files": {"q.csv": {
        "kind": "query-result", "versions": [{"size": path.stat().st_size, "sha256": "0" * 64}]}}}), encoding="utf-8")
    assert output_kind(path) is None
    # entries of files removed since are dropped at the next write
    assert _invoke("query", "--list", "--format", "json", "-o", tmp_path / "other.json").exit_code == 0
    path.unlink()
    assert _invoke("query", "--list", "--format", "json", "-o", tmp_path / "other.json").exit_code == 0
    assert set(json.loads((tmp_path / FILE_REGISTRY).read_text(encoding="utf-8"))["files"]) == {"other.json"}


def test_a_failed_rename_leaves_the_previous_result_recognised(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """While a result is replaced the registry lists both versions: whatever moment it stops, the file on disk is known."""
    import graphkit.core.files as gfiles
    import graphkit.store.io as gio

    path = tmp_path / "q.json"
    assert _invoke("query", "--list", "--format", "json", "-o", path).exit_code == 0
    before = path.read_bytes()
    real = os.replace

    def failing(src: object, dst: object) -> None:
        if Path(str(dst)).name == "q.json":
            reg = json.loads((tmp_path / gio.FILE_REGISTRY).read_text(encoding="utf-8"))
            assert len(reg["files"]["q.json"]["versions"]) == 2  # the old and the new one, before the rename
            raise OSError("disk gone")
        real(src, dst)  # type: ignore[arg-type]

    monkeypatch.setattr(gfiles.os, "replace", failing)
    with pytest.raises(OSError, match="disk gone"), gio.atomic_file(path, kind="query-result", command="query") as fh:
        fh.write('[{"new": 1}]\n')
    monkeypatch.setattr(gfiles.os, "replace", real)
    assert path.read_bytes() == before and output_kind(path) == "query-result"
    assert not [q for q in tmp_path.iterdir() if ".tmp-" in q.name]


def test_export_cypher_refuses_a_browser_folder_it_did_not_write(example_out: Path, tmp_path: Path) -> None:
    script = tmp_path / "load.cypher"
    mine = _user_folder(tmp_path / "load-browser", **{"notes.txt": "my notes"})
    r = _invoke("neo4j", "export-cypher", example_out, "-o", script, "--force")
    assert _refused(r) and "load-browser" in r.stderr  # --force is for the script only, never the folder
    assert _unchanged(tmp_path / "load-browser", mine) and not script.exists()
    (tmp_path / "load-browser" / "notes.txt").unlink()
    assert _invoke("neo4j", "export-cypher", example_out, "-o", script).exit_code == 0
    assert output_kind(script) == "cypher-script" and output_kind(tmp_path / "load-browser") == "neo4j-browser"
    assert _invoke("neo4j", "export-cypher", example_out, "-o", script).exit_code == 0  # its own: replaced


def test_rdf_validate_problems_and_sparql_xlsx(example_out: Path, tmp_path: Path) -> None:
    ttl = tmp_path / "g.ttl"
    assert _invoke("rdf", "export", example_out, "-o", ttl).exit_code == 0
    for args, name in ((["rdf", "validate", ttl, "--problems"], "p.xlsx"),
                       (["sparql", example_out, "--name", "coverage", "-o"], "s.xlsx"),
                       (["rdf", "validate", ttl, "--problems"], "p.csv")):
        path = tmp_path / name
        path.write_bytes(b"my own bytes")
        assert _refused(_invoke(*args, path)), args
        assert path.read_bytes() == b"my own bytes"
        assert _invoke(*args, path, "--force").exit_code == 0
        assert output_kind(path) in ("problems", "query-result")
        assert _invoke(*args, path).exit_code == 0


def test_extract_review_files_and_applied_ledgers(tmp_path: Path) -> None:
    text = tmp_path / "report.txt"
    text.write_text("城关镇红岩村党支部与县农业农村局党组开展结对共建。\n", encoding="utf-8")
    xlsx, html = tmp_path / "review.xlsx", tmp_path / "review.html"
    xlsx.write_bytes(b"my spreadsheet")
    r = _invoke("extract", text, "-o", xlsx, "--html", html)
    assert _refused(r) and xlsx.read_bytes() == b"my spreadsheet" and not html.exists()
    assert _invoke("extract", text, "-o", xlsx, "--html", html, "--force").exit_code == 0
    assert output_kind(xlsx) == "extract-review" and output_kind(html) == "extract-review"
    assert _invoke("extract", text, "-o", xlsx, "--html", html).exit_code == 0  # unchanged since: replaced
    # a workbook someone has started reviewing (saved again) is theirs: never replaced without --force
    import openpyxl

    wb = openpyxl.load_workbook(xlsx)
    wb.save(xlsx)
    assert _refused(_invoke("extract", text, "-o", xlsx))
    # --apply writes a ledger folder: a folder of the user's, or one whose ledgers were edited since, is refused
    led = tmp_path / "led"
    mine = _user_folder(led, **{"名册.csv": "党组织名称\n我的党支部\n"})
    assert _refused(_invoke("extract", "--apply", xlsx, "-o", led)) and _unchanged(led, mine)
    (led / "名册.csv").unlink()
    assert _invoke("extract", "--apply", xlsx, "-o", led).exit_code == 0
    assert output_kind(led) == "extract-ledgers"
    assert _invoke("extract", "--apply", xlsx, "-o", led).exit_code == 0  # its own, unchanged: replaced
    (led / "graphkit.yaml").write_text((led / "graphkit.yaml").read_text(encoding="utf-8") + "# 我改过\n",
                                       encoding="utf-8")
    assert output_kind(led) is None
    assert _refused(_invoke("extract", "--apply", xlsx, "-o", led))
    assert "# 我改过" in (led / "graphkit.yaml").read_text(encoding="utf-8")


def test_result_files_inside_the_ledger_folder_are_not_read_back(example_out: Path, tmp_path: Path) -> None:
    data = mini_county(tmp_path / "d")
    first = gk.build_graph(data)
    assert _invoke("validate", data, "--problems", data / "problems.csv").exit_code == 0
    assert _invoke("query", "--list", "--format", "csv", "-o", data / "查询.csv").exit_code == 0
    g = gk.build_graph(data)
    assert {t: g.count(t) for t in g.tables} == {t: first.count(t) for t in first.tables}
    notes = g.problems[g.problems["rule"] == "graphkit_output"]
    assert set(notes["file"]) == {"problems.csv", "查询.csv"}
    assert not (g.problems["rule"] == "unrecognized_sheet").any()


# ---- 并发与缓存 / Concurrency and caches ----------------------------------------------------------

def _smaller(g: Graph) -> Graph:
    """The graph without its last organization (a second graph that a query can tell apart)."""
    tables = dict(g.tables)
    tables["Organization"] = g.tables["Organization"].iloc[:-1].reset_index(drop=True)
    return Graph(tables, model=g.model, sources=g.sources, problems=g.problems, settings=g.settings)


def _count(df) -> int:  # noqa: ANN001
    return int(df.iloc[0, 0])


def test_queries_during_rebuilds_see_the_old_graph_or_the_new_one(tmp_path: Path) -> None:
    from graphkit.exports.cypher import run_cypher

    a = example_graph()
    b = _smaller(a)
    counts = {a.count("Organization"), b.count("Organization")}
    out = gk.write_graph(a, tmp_path / "out")
    stop = threading.Event()
    swaps = []

    def rebuild() -> None:  # `graphkit build … -o out` again and again, as fast as it goes
        while not stop.is_set():
            gk.write_graph(b if len(swaps) % 2 == 0 else a, out)
            swaps.append(1)
            time.sleep(0.02)

    t = threading.Thread(target=rebuild)
    t.start()
    seen, errors = [], []
    try:
        for _ in range(10):
            try:
                seen.append(_count(run_cypher(out, "MATCH (o:Organization) RETURN count(o) AS n")))
            except Exception as exc:  # noqa: BLE001 - counted and reported below
                errors.append(repr(exc))
        # and the command line, as the finding was made: `graphkit query` while the folder is rebuilt
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        for _ in range(3):
            p = subprocess.run([sys.executable, "-m", "graphkit.cli", "query", str(out),
                                "MATCH (o:Organization) RETURN count(o) AS n", "--format", "csv"],
                               capture_output=True, text=True, env=env, timeout=300)
            if p.returncode != 0 or "Traceback" in p.stderr:
                errors.append(p.stderr[-500:])
            else:
                seen.append(int(p.stdout.strip().splitlines()[-1]))
    finally:
        stop.set()
        t.join()
    assert len(swaps) >= 10, "the rebuild loop did not run"
    assert errors == []
    assert set(seen) <= counts and len(seen) == 13


def _planted_key_json(final: Path, out: Path) -> None:
    """What an attacker who can read OUT/manifest.json can write: the right key and manifest hash."""
    from graphkit.exports.cypher import SHAPE_VERSION, _engine_version, cache_key

    manifest = (out / "manifest.json").read_bytes()
    (final / "key.json").write_text(json.dumps({"key": cache_key(out), "shape": SHAPE_VERSION,
                                                "engine": _engine_version(),
                                                "manifest_sha256": hashlib.sha256(manifest).hexdigest()}),
                                    encoding="utf-8")


def test_a_planted_database_in_the_fallback_cache_is_detected(sample_graph: Graph, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from graphkit.exports.cypher import build_database, cache_key, run_cypher, user_cache_dir

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    out = gk.write_graph(sample_graph, tmp_path / "out")
    (out / ".cache").write_text("not a folder", encoding="utf-8")  # OUT/.cache cannot be used (root ignores modes)
    base = user_cache_dir()
    assert base == tmp_path / "xdg" / "graphkit" and (base.stat().st_mode & 0o777) == 0o700
    tag = hashlib.sha256(str(out.resolve()).encode("utf-8")).hexdigest()[:16]
    final = base / "cypher" / tag / f"cypher-{cache_key(out)}"
    final.mkdir(parents=True)
    build_database(example_graph(), final / "graph.lbug")  # a much smaller graph, under the real key
    _planted_key_json(final, out)
    said = []
    df = run_cypher(out, "MATCH (o:Organization) RETURN count(o) AS n", progress=said.append)
    assert _count(df) == sample_graph.count("Organization") != example_graph().count("Organization")
    assert any("does not match" in m for m in said)
    # the rebuilt database is used from then on, without another build
    said.clear()
    assert _count(run_cypher(out, "MATCH (o:Organization) RETURN count(o)", progress=said.append)) == \
        sample_graph.count("Organization")
    assert not any("building" in m for m in said)
    assert not (Path("/tmp") / "graphkit-cypher" / f"cypher-{cache_key(out)}").exists()


def test_a_planted_database_in_out_cache_is_detected(tmp_path: Path) -> None:
    from graphkit.exports.cypher import build_database, cache_key, run_cypher

    g = example_graph()
    out = gk.write_graph(g, tmp_path / "out")
    final = out / ".cache" / f"cypher-{cache_key(out)}"
    final.mkdir(parents=True)
    build_database(_smaller(g), final / "graph.lbug")
    _planted_key_json(final, out)
    assert _count(run_cypher(out, "MATCH (o:Organization) RETURN count(o)")) == g.count("Organization")
    # a planted file that is not a database at all
    final = out / ".cache" / f"cypher-{cache_key(out)}"
    for p in final.iterdir():
        p.unlink() if p.is_file() else None
    (final / "graph.lbug").write_bytes(b"garbage")
    _planted_key_json(final, out)
    assert _count(run_cypher(out, "MATCH (o:Organization) RETURN count(o)")) == g.count("Organization")


def test_a_user_cache_folder_of_another_user_or_open_to_others(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from graphkit.exports.cypher import user_cache_dir

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    (tmp_path / "xdg" / "graphkit").mkdir(parents=True)
    os.chmod(tmp_path / "xdg" / "graphkit", 0o777)
    assert (user_cache_dir().stat().st_mode & 0o777) == 0o700  # tightened
    os.rmdir(tmp_path / "xdg" / "graphkit")
    os.symlink(tmp_path, tmp_path / "xdg" / "graphkit")
    with pytest.raises(gk.OutputError, match="symlink"):
        user_cache_dir()


@pytest.mark.browser
@pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="/usr/bin/chromium not installed")
def test_a_drilldown_page_of_another_run_says_so_in_the_browser(sample_out: Path, tmp_path: Path) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    page_path = tmp_path / "v.html"
    gk.view(gk.read_graph(sample_out), max_nodes=50).write(page_path)
    run = json.loads((tmp_path / "v_parts" / OUTPUT_MARKER).read_text(encoding="utf-8"))["run"]
    part = sorted((tmp_path / "v_parts").glob("*.html"))[0]
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                     args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page()
            page.goto(page_path.resolve().as_uri())
            page.wait_for_function("window.gkView && window.gkView.ready === true", timeout=90_000)
            hrefs = page.evaluate("Array.from(document.querySelectorAll('#gk-links a')).map(a => a.href)")
            assert hrefs and all(f"run={run}" in h for h in hrefs)  # every drill-down link carries the run
            for query, stale in ((f"?run={run}", False), ("?run=0000000000000000", True), ("", False)):
                page.goto(part.resolve().as_uri() + query)
                page.wait_for_function("window.gkView && window.gkView.ready === true", timeout=90_000)
                assert page.evaluate("gkView.stale") is stale
                assert page.locator(".gk-stale").count() == int(stale)
                if stale:
                    assert "不是同一次生成" in page.inner_text(".gk-stale")
        finally:
            browser.close()
