"""The bad-input corpus (tests/corpus/cases.py) through the API and the CLI.

Every broken ledger fails with exactly the expected rules at the expected file/sheet/row/column,
with Chinese-then-English messages and no traceback; ``graphkit build`` exits 1 with a
one-paragraph message and writes no output folder; ``--lenient`` loads the valid rows and writes
``problems.csv`` in the output. Every valid-but-messy case loads.
"""
from __future__ import annotations

import re
import time
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import graphkit as gk
import graphkit.core.errors as gkerrors
from graphkit.cli import cli
from graphkit.core.problems import PROBLEM_COLUMNS, RULES

from corpus.cases import CASES, Case, P

_CJK = re.compile(r"[\u4e00-\u9fff]")
_ASCII_WORD = re.compile(r"[A-Za-z]{3,}")


def _params(outcomes: tuple[str, ...]) -> list:
    out = []
    for c in CASES:
        if c.outcome in outcomes:
            marks = [pytest.mark.slow] if c.slow else []
            out.append(pytest.param(c, id=c.id, marks=marks))
    return out


@pytest.fixture
def folder(tmp_path: Path, request: pytest.FixtureRequest) -> Path:
    case: Case = request.node.callspec.params["case"]
    d = tmp_path / "ledgers"
    case.make(d)
    return d


def _matches(row: pd.Series, p: P) -> bool:
    if row["rule"] != p.rule or row["file"] != p.file or row["sheet"] != p.sheet or row["severity"] != p.severity:
        return False
    if p.row is None:
        if not pd.isna(row["row"]):
            return False
    elif pd.isna(row["row"]) or int(row["row"]) != p.row:
        return False
    if p.column is not None and row["column"] != p.column:
        return False
    text = f"{row['value']} {row['message_zh']} {row['message_en']}"
    return all(frag in text for frag in p.contains)


def _assert_rows(problems: pd.DataFrame, expected: list[P]) -> None:
    for p in expected:
        hits = problems[[_matches(r, p) for _, r in problems.iterrows()]]
        assert len(hits), f"expected problem {p} not found in:\n{problems.to_string()}"


def _assert_bilingual(problems: pd.DataFrame) -> None:
    assert list(problems.columns) == PROBLEM_COLUMNS
    for r in problems.itertuples(index=False):
        assert r.rule in RULES
        assert _CJK.search(r.message_zh), r.message_zh
        assert _ASCII_WORD.search(r.message_en), r.message_en
        assert r.file, "every problem names its file"


# ---- the corpus itself -----------------------------------------------------------------------------

def test_corpus_has_at_least_40_distinct_cases() -> None:
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids))
    assert len(CASES) >= 40
    assert len([c for c in CASES if c.outcome == "fail"]) >= 40
    for c in CASES:
        assert c.what and c.outcome in {"fail", "load", "refuse"}
        if c.outcome == "fail":
            assert c.expect, c.id
    # the corpus covers at least 20 distinct problem rules
    assert len({p.rule for c in CASES for p in c.expect + c.warnings}) >= 20


# ---- API ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("case", _params(("fail",)))
def test_broken_ledger_fails_with_expected_rows(case: Case, folder: Path) -> None:
    with pytest.raises(gk.ValidationFailed) as info:
        gk.build_graph(folder)
    problems = info.value.problems
    errors = problems[problems["severity"] == "error"]
    assert set(errors["rule"]) == {p.rule for p in case.expect}, errors.to_string()
    _assert_rows(problems, case.expect)
    _assert_bilingual(problems)


@pytest.mark.parametrize("case", _params(("load",)))
def test_messy_but_valid_ledger_loads(case: Case, folder: Path) -> None:
    t0 = time.perf_counter()
    g = gk.build_graph(folder)
    elapsed = time.perf_counter() - t0
    problems = g.problems
    assert (problems["severity"] != "error").all()
    assert set(problems["rule"]) == {p.rule for p in case.warnings}, problems.to_string()
    _assert_rows(problems, case.warnings)
    _assert_bilingual(problems)
    if case.check is not None:
        case.check(g)
    if case.slow:
        rows = sum(len(t) for t in g.tables.values())
        print(f"\n{case.id}: {g.count('Organization')} orgs, {rows} records in {elapsed:.1f}s "
              f"({g.count('Organization') / elapsed:,.0f} roster rows/s)")


@pytest.mark.parametrize("case", _params(("refuse",)))
def test_bad_settings_are_refused_with_one_line(case: Case, folder: Path) -> None:
    cls = getattr(gkerrors, case.refuse)
    with pytest.raises(cls) as info:
        gk.build_graph(folder)
    msg = str(info.value)
    assert "\n" not in msg, msg
    assert _CJK.search(msg) and _ASCII_WORD.search(msg), msg
    for frag in case.refuse_contains:
        assert frag in msg, (frag, msg)


# ---- CLI ---------------------------------------------------------------------------------------------

def _no_traceback(result) -> None:  # noqa: ANN001
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output + result.stderr


@pytest.mark.parametrize("case", _params(("fail", "refuse")))
def test_cli_build_exits_1_and_writes_nothing(case: Case, folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["build", str(folder), "-o", str(out), "-q"])
    _no_traceback(result)
    assert result.exit_code == 1, result.output + result.stderr
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name != "ledgers"] == [], "no temporary folder left behind"
    first = result.stderr.strip().splitlines()[0]
    assert _CJK.search(first) and _ASCII_WORD.search(first), first  # one paragraph, Chinese and English
    if case.outcome == "fail":
        assert "未生成输出" in first and "nothing was written" in first
        for p in case.expect:  # the listing names file, row and column
            assert p.file in result.stderr
    else:
        for frag in case.refuse_contains:
            assert frag in first


_VALIDATE_SAMPLE = {"missing_required_column", "ambiguous_name", "cycle_three", "formula_errors", "mixed_encodings",
                    "zip_bomb", "conflicting_guides", "duplicate_pairing_spellings"}


@pytest.mark.parametrize("case", [p for p in _params(("fail",)) if p.id in _VALIDATE_SAMPLE])
def test_cli_validate_lists_the_same_errors(case: Case, folder: Path, tmp_path: Path) -> None:
    table = tmp_path / "problems.xlsx"
    result = CliRunner().invoke(cli, ["validate", str(folder), "--problems", str(table)])
    _no_traceback(result)
    assert result.exit_code == 1
    written = pd.read_excel(table, dtype=str, engine="calamine").fillna("")
    errors = written[written["严重程度"] == "错误"]  # the .xlsx is for people: Chinese headers and labels
    assert set(errors["规则代码"]) == {p.rule for p in case.expect}
    strict = gk.validate_ledgers(folder)
    assert len(errors) == int((strict["severity"] == "error").sum())


@pytest.mark.parametrize("case", _params(("fail",)))
def test_cli_lenient_loads_valid_rows_and_writes_problems(case: Case, folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["build", str(folder), "-o", str(out), "-q", "--lenient"])
    _no_traceback(result)
    assert result.exit_code == 0, result.output + result.stderr
    written = pd.read_csv(out / "problems.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert set(written.loc[written["severity"] == "error", "rule"]) == {p.rule for p in case.expect}
    g = gk.read_graph(out)
    for type_name, n in case.lenient.items():
        assert g.count(type_name) == n, (type_name, g.count(type_name), n)
    assert "problems.csv" in result.output


@pytest.mark.parametrize("case", [p for p in _params(("load",)) if not p.marks])
def test_cli_builds_messy_but_valid(case: Case, folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["build", str(folder), "-o", str(out), "-q"])
    _no_traceback(result)
    assert result.exit_code == 0, result.output + result.stderr
    if case.check is not None:
        case.check(gk.read_graph(out))


# ---- a broken schema declaration ----------------------------------------------------------------------

@pytest.mark.parametrize("old, new, fragment", [
    ("range: Place, rel: LOCATED_IN", "range: Placee, rel: LOCATED_IN", "Placee"),
    ("codelist: category,", "codelist: categoryy,", "categoryy"),
    ("edge: {source: strong, target: weak", "edge: {source: strongg, target: weak", "edge"),
])
def test_inconsistent_schema_is_refused(tmp_path: Path, old: str, new: str, fragment: str) -> None:
    from graphkit.core.paths import schema_dir

    folder = tmp_path / "schema"
    folder.mkdir()
    for p in schema_dir().glob("*.yaml"):
        (folder / p.name).write_text(p.read_text(encoding="utf-8"), encoding="utf-8")
    text = (folder / "model.yaml").read_text(encoding="utf-8")
    assert old in text
    (folder / "model.yaml").write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(gk.SchemaError) as info:
        gk.load_schema(folder)
    assert fragment in str(info.value) and "model.yaml" in str(info.value) or fragment in str(info.value)
    assert _CJK.search(str(info.value))


# ---- problem tables never turn ledger text into spreadsheet formulas ------------------------------------

def _injection_problems(tmp_path: Path) -> pd.DataFrame:
    case = next(c for c in CASES if c.id == "formula_injection_name")
    case.make(tmp_path / "ledgers")
    return gk.validate_ledgers(tmp_path / "ledgers")


def test_problem_table_xlsx_keeps_formula_text_as_text(tmp_path: Path) -> None:
    import zipfile

    from graphkit.core.problems import write_problems

    from corpus.cases import FORMULA_NAME

    problems = _injection_problems(tmp_path)
    path = write_problems(problems, tmp_path / "problems.xlsx")
    with zipfile.ZipFile(path) as zf:
        sheet = zf.read("xl/worksheets/sheet1.xml").decode("utf-8")
    assert "<f>" not in sheet  # no formula cell anywhere
    back = pd.read_excel(path, dtype=str, engine="calamine").fillna("")
    assert FORMULA_NAME in set(back["单元格内容"])


def test_problem_table_csv_quotes_formula_text(tmp_path: Path) -> None:
    from graphkit.core.problems import excel_unsafe, write_problems

    from corpus.cases import FORMULA_NAME

    problems = _injection_problems(tmp_path)
    path = write_problems(problems, tmp_path / "problems.csv")
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert "'" + FORMULA_NAME in set(raw["value"]) and FORMULA_NAME not in set(raw["value"])
    assert FORMULA_NAME in set(raw["value"].map(excel_unsafe))
    # the lenient output folder's problems.csv is quoted the same way and read back unchanged
    out = tmp_path / "out"
    CliRunner().invoke(cli, ["build", str(tmp_path / "ledgers"), "-o", str(out), "-q", "--lenient"])
    written = pd.read_csv(out / "problems.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert "'" + FORMULA_NAME in set(written["value"])
    assert FORMULA_NAME in set(gk.read_graph(out).problems["value"])


def test_cli_problem_table_xlsx_has_no_formulas(tmp_path: Path) -> None:
    import zipfile

    _injection_problems(tmp_path)
    table = tmp_path / "p.xlsx"
    CliRunner().invoke(cli, ["validate", str(tmp_path / "ledgers"), "--problems", str(table)])
    with zipfile.ZipFile(table) as zf:
        assert "<f>" not in zf.read("xl/worksheets/sheet1.xml").decode("utf-8")


def test_report_xlsx_keeps_formula_names_as_text(tmp_path: Path) -> None:
    import zipfile

    from graphkit.views import report
    from graphkit.testing import example_graph
    from graphkit.analyses.analysis import run_all

    from corpus.cases import FORMULA_NAME

    g = example_graph()
    tables = dict(g.tables)
    orgs = tables["Organization"].copy()
    orgs.loc[orgs.index[:3], "name"] = [FORMULA_NAME, "+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0"]
    tables["Organization"] = orgs
    g = gk.Graph(tables, model=g.model, settings=g.settings)
    path = report.write_xlsx(g, run_all(g, as_of="2024-06-30"), tmp_path / "r.xlsx", as_of="2024-06-30")
    with zipfile.ZipFile(path) as zf:
        formulas = [n for n in zf.namelist() if n.startswith("xl/worksheets/") and b"<f>" in zf.read(n)]
    assert not formulas, formulas
