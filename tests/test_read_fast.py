"""The .xlsx fast path (fastexcel, Arrow columns) gives exactly the cells python-calamine gives.

``graphkit.ingest._read`` reads an .xlsx sheet's first rows through python-calamine and the rows below
through fastexcel where it can prove the two agree, else the whole sheet through python-calamine.
Every workbook here is read both ways and compared cell by cell (value *and* Python type), with
the row numbers, merged ranges, hidden flag and uncalculated formulas; the head is made as short
as one row so that the fastexcel part covers almost the whole sheet. Each test also checks that
the fast path really was taken where it should be, so that a fast path that silently never runs
fails here.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import graphkit as gk
from graphkit.ingest import _read
from graphkit.ingest._read import Limits, read_file
from graphkit.core.errors import LedgerError

from corpus.cases import CASES

HEADS = (1, 2, 64)


def _cell(v: Any) -> tuple[str, str]:
    return type(v).__name__, repr(v)  # repr tells -0.0 from 0.0 and keeps NaN comparable


def _read_both(path: Path, head: int, monkeypatch: pytest.MonkeyPatch, limits: Limits | None = None
               ) -> tuple[list[_read.RawSheet], list[_read.RawSheet], set[str]]:
    """(fast path sheets, python-calamine sheets, names of the sheets fastexcel read)."""
    limits = Limits() if limits is None else limits
    slow_names: set[str] = set()
    real = _read._calamine_cells

    def spy(wb: Any, name: str, *args: Any) -> Any:
        slow_names.add(name)
        return real(wb, name, *args)

    with monkeypatch.context() as m:
        m.setattr(_read, "_HEAD_ROWS", head)
        m.setattr(_read, "_calamine_cells", spy)
        fast = read_file(path, display=path.name, limits=limits)
    used = {s.sheet for s in fast} - slow_names
    with monkeypatch.context() as m:
        m.setattr(_read, "_fast_sheets", lambda *a, **k: {})
        slow = read_file(path, display=path.name, limits=limits)
    return fast, slow, used


def _assert_same(fast: list[_read.RawSheet], slow: list[_read.RawSheet], where: str) -> None:
    assert [s.sheet for s in fast] == [s.sheet for s in slow], where
    for a, b in zip(fast, slow):
        at = f"{where} [{a.sheet}]"
        assert (a.file, a.rownum, a.hidden, a.merged, a.uncalculated) == (b.file, b.rownum, b.hidden, b.merged,
                                                                          b.uncalculated), at
        assert a.cells.shape == b.cells.shape, at
        assert a.cells.columns.equals(b.cells.columns) and a.cells.index.equals(b.cells.index), at
        assert list(a.cells.dtypes) == list(b.cells.dtypes), at
        x, y = a.cells.to_numpy(), b.cells.to_numpy()
        for j in range(x.shape[1]):
            # the same Python type everywhere, then the same value (== in bulk; repr where == cannot tell:
            # NaN, -0.0 against 0.0)
            check = {i for i, (p, q) in enumerate(zip(map(type, x[:, j]), map(type, y[:, j]))) if p is not q or p is float}
            check.update(np.flatnonzero(~np.asarray(x[:, j] == y[:, j], dtype=bool)).tolist())
            for i in sorted(check):
                assert _cell(x[i, j]) == _cell(y[i, j]), f"{at} row {i + 1} column {j + 1}: {x[i, j]!r} != {y[i, j]!r}"


def _workbooks(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.suffix.lower() in (".xlsx", ".xlsm") and p.is_file())


# ---- the bad-input corpus, the sample county, a generated county -----------------------------------------------

def _check_workbook(path: Path, head: int, monkeypatch: pytest.MonkeyPatch, where: str) -> None:
    try:
        fast, slow, _ = _read_both(path, head, monkeypatch)
    except LedgerError as exc:  # a refused workbook must be refused the same way by both paths
        with monkeypatch.context() as m:
            m.setattr(_read, "_fast_sheets", lambda *a, **k: {})
            with pytest.raises(LedgerError) as again:
                read_file(path, display=path.name)
        assert str(again.value) == str(exc) and getattr(again.value, "rule", None) == getattr(exc, "rule", None), where
        return
    _assert_same(fast, slow, where)


def test_corpus_workbooks_read_the_same(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every .xlsx of every corpus case reads the same both ways; all differences are reported together
    (cases without a workbook have nothing to compare and are passed over)."""
    failures, books = [], 0
    for case in CASES:
        case.make(tmp_path / case.id)
        for path in _workbooks(tmp_path / case.id):
            books += 1
            for head in HEADS:
                where = f"{case.id}/{path.name} head={head}"
                try:
                    _check_workbook(path, head, monkeypatch, where)
                except AssertionError as exc:
                    failures.append(f"{where}: {exc}")
    assert books >= 10, f"only {books} corpus workbooks: the comparison would prove little"
    assert not failures, "\n".join(failures)


def test_corpus_exercises_the_fast_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The corpus workbooks above are not all read by python-calamine in the end."""
    used = 0
    for case in CASES:
        if case.slow:
            continue
        case.make(tmp_path / case.id)
        for path in _workbooks(tmp_path / case.id):
            try:
                used += len(_read_both(path, 1, monkeypatch)[2])
            except LedgerError:
                pass
    assert used >= 5


@pytest.mark.parametrize("head", HEADS)
def test_sample_county_reads_the_same(head: int, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = Path(gk.sample_path("sample_county"))
    used: set[str] = set()
    for path in _workbooks(folder):
        fast, slow, names = _read_both(path, head, monkeypatch)
        _assert_same(fast, slow, f"{path.name} head={head}")
        used |= names
    assert used, "no sheet of the sample county went through fastexcel"


@pytest.fixture(scope="module")
def generated_county(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from graphkit.ingest.synth import generate_ledgers

    out = tmp_path_factory.mktemp("synth")
    generate_ledgers(out, scale="county", seed=3, n_orgs=600, fmt="xlsx")
    return out


@pytest.mark.parametrize("head", HEADS)
def test_generated_county_reads_the_same(head: int, generated_county: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    books = _workbooks(generated_county)
    assert len(books) >= 8
    used: set[str] = set()
    for path in books:
        fast, slow, names = _read_both(path, head, monkeypatch)
        _assert_same(fast, slow, f"{path.name} head={head}")
        used |= {f"{path.name}:{n}" for n in names}
    # the generated ledgers are plain (one text header row, then typed columns): all of the big ones are fast
    assert {"党组织名册.xlsx:名册", "分类定级台账.xlsx:定级", "联建活动台账.xlsx:活动"} <= used


# ---- odd cells below the header: each on its own sheet, so one that falls back does not hide the others ---------

HEAD = ["名称", "值", "备注"]


def _rows(values: list[Any], n: int = 0) -> list[list[Any]]:
    """Header, then rows with ``values`` down the 值 column (then plain numbers, up to ``n`` rows)."""
    rows: list[list[Any]] = [list(HEAD)]
    for i in range(max(n, len(values))):
        rows.append([f"第{i + 1}行", values[i] if i < len(values) else float(i), "x" if i % 2 else ""])
    return rows


def _odd_workbook(path: Path) -> dict[str, bool | None]:
    """Write the workbook; returns sheet name -> must the fast path take it (True), refuse it (False), either (None)."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False})
    date = wb.add_format({"num_format": "yyyy-mm-dd"})
    stamp = wb.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    clock = wb.add_format({"num_format": "hh:mm"})
    span = wb.add_format({"num_format": "[h]:mm"})
    bold = wb.add_format({"bold": True})
    expect: dict[str, bool | None] = {}

    def sheet(name: str, rows: list[list[Any]], fast: bool | None, writer: Any = None) -> Any:
        ws = wb.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, v in enumerate(row):
                if writer is not None and writer(ws, r, c, v):
                    continue
                if v is None:
                    continue
                if isinstance(v, str):
                    ws.write_string(r, c, v)
                elif isinstance(v, bool):
                    ws.write_boolean(r, c, v)
                else:
                    ws.write_number(r, c, v)
        expect[name] = fast
        return ws

    sheet("数字", _rows([1.0, 2.5, -0.0, 1e20, 3.0, 28.0], 9), True)
    sheet("文本", [HEAD] + [[f"组织{i}", f" 值{i} " if i % 3 else "   ", ""] for i in range(8)], True)
    sheet("空串", _rows([4.0, "", 5.0]), None)               # an explicit empty string in a number column
    sheet("NA文本", _rows([4.0, "NA", 5.0, "null"]), False)   # fastexcel blanks these; python-calamine keeps the text
    sheet("NaN文本", _rows([4.0, "NaN", 5.0]), False)         # fastexcel turns it into a number
    sheet("NA在文本列", [HEAD] + [["NA", "N/A", "#N/A"], ["a", "b", "c"], ["None", "", "null"]], True)
    sheet("混合", _rows([4.0, "四", 5.0]), False)              # text in a number column: per-cell types

    def dates(ws: Any, r: int, c: int, v: Any) -> bool:
        if isinstance(v, tuple):
            ws.write_number(r, c, v[0], {"d": date, "t": stamp, "c": clock, "s": span}[v[1]])
            return True
        return False

    sheet("日期", _rows([(45000, "d"), (45001, "d"), (61, "d"), (2958465, "d")]), True, dates)
    sheet("日期空", _rows([(45000, "d"), None, (45300, "d")]), True, dates)
    sheet("日期时间", _rows([(45000, "d"), (45000.5, "t")]), False, dates)
    sheet("近整日", _rows([(45000, "d"), (45000.0000000001, "d")]), False, dates)  # python-calamine: a midnight datetime
    sheet("1900年初", _rows([(45000, "d"), (59, "d"), (60, "d")]), False, dates)
    sheet("时刻", _rows([(0.5, "c"), (0.25, "c")]), False, dates)
    sheet("时长", _rows([(1.5, "s"), (30.25, "s")]), False, dates)
    sheet("布尔", _rows([True, False, True]), True)

    def formulas(ws: Any, r: int, c: int, v: Any) -> bool:
        if isinstance(v, dict):
            ws.write_formula(r, c, v["f"], None, v["v"])
            return True
        return False

    sheet("公式", _rows([{"f": "=1+1", "v": 2}, {"f": "=2+2", "v": 4}]), True, formulas)
    sheet("公式错误", _rows([4.0, {"f": "=NA()", "v": "#N/A"}, 5.0, {"f": "=1/0", "v": "#DIV/0!"}]), False, formulas)
    sheet("公式NA", _rows([4.0, {"f": "=NA()", "v": "#N/A"}, 5.0]), None, formulas)
    sheet("公式文本", [HEAD] + [[{"f": '="甲"&"乙"', "v": "甲乙"}, 1.0, ""], ["丙", 2.0, ""]], None, formulas)

    def rich(ws: Any, r: int, c: int, v: Any) -> bool:
        if v == "富文本":
            ws.write_rich_string(r, c, "富", bold, "文本")
            return True
        return False

    sheet("富文本", [HEAD] + [["富文本", 1.0, ""], ["甲", 2.0, ""], ["富文本", 3.0, ""]], True, rich)
    ws = sheet("合并", _rows([1.0, 2.0, 3.0, 4.0]), False)
    ws.merge_range(2, 2, 4, 2, "合并格")
    ws = sheet("隐藏", _rows([1.0, 2.0]), True)
    ws.hide()
    # leading blank rows/columns: python-calamine numbers from A1, fastexcel from the first cell
    sheet("偏移", [[None, None, None, None]] * 2 + [[None, *r] for r in _rows([1.0, 2.0])], False)
    sheet("A1空", [[None, "值", "备注"]] + _rows([1.0, 2.0])[1:], False)
    sheet("空行", _rows([1.0, None, None, 2.0]) + [[None, None, None]] * 3 + [["尾", 9.0, ""]], True)
    sheet("宽尾", _rows([1.0, 2.0]) + [[None, None, None, None, None, "远"]], True)
    sheet("只有表头", [HEAD], False)
    wb.add_worksheet("空表")
    expect["空表"] = False
    wb.close()
    return expect


def test_odd_cells_read_the_same(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "怪表.xlsx"
    expect = _odd_workbook(path)
    fast, slow, used = _read_both(path, 1, monkeypatch)
    _assert_same(fast, slow, path.name)
    wrong = {n: (want, n in used) for n, want in expect.items() if want is not None and want != (n in used)}
    assert not wrong, f"fast path taken (want, got): {wrong}"


def test_openpyxl_workbook_reads_the_same(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """openpyxl writes inline strings and formulas without cached values (uncalculated)."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "名册"
    ws.append(HEAD)
    for i in range(30):
        ws.append([f"组织{i}", float(i) if i != 7 else "=10+5", dt.date(2024, 1, 1 + i % 28) if i % 4 else None])
    ws2 = wb.create_sheet("日期")
    ws2.append(HEAD)
    for i in range(30):
        ws2.append([f"组织{i}", dt.datetime(2024, 2, 1 + i % 28), None])
    path = tmp_path / "openpyxl.xlsx"
    wb.save(path)
    fast, slow, used = _read_both(path, 1, monkeypatch)
    _assert_same(fast, slow, path.name)
    assert fast[0].uncalculated and "日期" in used


def test_1904_workbook_dates_go_to_calamine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import xlsxwriter

    path = tmp_path / "1904.xlsx"
    wb = xlsxwriter.Workbook(str(path), {"date_1904": True})
    ws = wb.add_worksheet("s")
    fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    ws.write_row(0, 0, HEAD)
    for i in range(10):
        ws.write_string(i + 1, 0, f"组织{i}")
        ws.write_datetime(i + 1, 1, dt.datetime(2024, 1, 1 + i), fmt)
    wb.close()
    fast, slow, used = _read_both(path, 1, monkeypatch)
    _assert_same(fast, slow, path.name)
    assert not used


def test_too_many_rows_is_refused_the_same(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import xlsxwriter

    path = tmp_path / "大.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("名册")
    ws.write_row(0, 0, HEAD)
    for i in range(120):
        ws.write_row(i + 1, 0, [f"组织{i}", float(i), ""])
    wb.close()
    messages = []
    for fast in (True, False):
        with monkeypatch.context() as m:
            m.setattr(_read, "_HEAD_ROWS", 2)
            if not fast:
                m.setattr(_read, "_fast_sheets", lambda *a, **k: {})
            with pytest.raises(LedgerError) as exc:
                read_file(path, display=path.name, limits=Limits(max_rows=100))
        messages.append((str(exc.value), exc.value.rule, exc.value.sheet))  # type: ignore[attr-defined]
    assert messages[0] == messages[1] and "121" in messages[0][0]
