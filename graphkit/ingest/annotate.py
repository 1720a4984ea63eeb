"""Annotated copies of ledgers: every problem cell highlighted, with its reason, so a clerk fixes a workbook in one pass.

``annotate_ledgers(data_dir, out, problems=…)`` writes, into a new folder, a copy of every ledger
of ``data_dir`` (the originals are never opened for writing):

- a ledger without problems is copied byte for byte;
- an .xlsx/.xlsm ledger with problems is copied through openpyxl: each problem cell gets a fill
  by severity (错误 error red, 警告 warning yellow) and a cell comment with the reason in Chinese
  and English, and the workbook gets a 问题清单 sheet (first, active) listing its problems, each
  linked to its cell;
- a .csv/.tsv/.txt/.xls/.ods ledger with problems becomes an .xlsx copy of its cells (as graphkit
  reads them), annotated the same way;
- ``问题清单.xlsx`` in the folder lists every problem of the whole folder, linked to the cell in the
  copy — including problems of files that could not be read and problems without a cell (a whole
  file or sheet, a missing column), which only appear in the lists.

A problem's cell is found from its row (the Excel row number) and its column (the header text
as graphkit reports it), searching the header rows the way the loader reads them (merged cells
filled).

Examples
--------
>>> import tempfile, pathlib, graphkit as gk
>>> out = pathlib.Path(tempfile.mkdtemp()) / "copies"
>>> res = annotate_ledgers(gk.sample_path("sample_county"), out, problems=gk.validate_ledgers(gk.sample_path("sample_county")))
>>> res.cells, len(res.copied) > 0, (out / LIST_FILE).exists()
(0, True, True)
"""
from __future__ import annotations

import re
import shutil
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ._read import RawSheet, read_file
from ..core.text import clean_text
from ..core.errors import LedgerError, OutputError
from ..core.problems import RULES

__all__ = ["annotate_ledgers", "check_annotate_folder", "Annotated", "LIST_SHEET", "LIST_FILE", "FILLS"]

#: the sheet added to each annotated workbook, and the folder-wide list
LIST_SHEET = "问题清单"
LIST_FILE = "问题清单.xlsx"
#: fill colour (RGB) of a problem cell by severity
FILLS = {"error": "FFC7CE", "warning": "FFEB9C"}
_OTHER_FILL = "DDEBF7"
_SEVERITY = {"error": ("错误", "error"), "warning": ("警告", "warning")}
_MARKER = ".graphkit-annotated"
_HEADER_SCAN = 30
_EXCEL_COPY = {".xlsx", ".xlsm"}
_BAD = re.compile(r"[\[\]:*?/\\]")


@dataclass
class Annotated:
    """What ``annotate_ledgers`` wrote.

    Attributes
    ----------
    out
        The folder of copies.
    copied
        Copies without problems (byte copies), relative paths.
    annotated
        Annotated copies, original relative path → copy's relative path.
    cells
        Cells marked (highlighted and commented).
    listed_only
        Problems with no cell to mark (listed in 问题清单 only).
    notes
        Anything the user should know (a workbook openpyxl could not open, copied from its cells).
    """

    out: Path
    copied: list[str] = field(default_factory=list)
    annotated: dict[str, str] = field(default_factory=dict)
    cells: int = 0
    listed_only: int = 0
    notes: list[str] = field(default_factory=list)


def check_annotate_folder(data_dir: Path, out: Path) -> None:
    """Refuse a folder for annotated copies that is, lies in or holds ``data_dir``, or holds other files.

    Raises
    ------
    OutputError
        With the folder and the reason, in Chinese and English.
    """
    src, dst = data_dir.resolve(), out.resolve()
    if dst == src or src in dst.parents:
        raise OutputError(f"{out}: 标注副本目录不能是台账目录或其子目录（原始台账绝不改动）/ the folder for annotated copies "
                          f"must not be the ledger folder or inside it (the originals are never changed)")
    if dst in src.parents:
        raise OutputError(f"{out}: 标注副本目录不能包含台账目录 / the folder for annotated copies must not contain the "
                          f"ledger folder")
    if dst.exists() and (not dst.is_dir() or (any(dst.iterdir()) and not (dst / _MARKER).exists())):
        raise OutputError(f"{out}: 目录已存在且不是上次生成的标注副本，不会覆盖；请换一个新目录 / the folder exists and is not "
                          f"an earlier set of annotated copies; it is not overwritten, choose a new folder")


def _cell_ref(row: int, col: int) -> str:
    from openpyxl.utils import get_column_letter

    return f"{get_column_letter(col)}{row}"


def _quote_sheet(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"


def _header_index(sheet: RawSheet) -> dict[str, list[tuple[int, int]]]:
    """Text of the cells in the first rows (where headers are) → their (Excel row, 0-based column)."""
    out: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for i in range(min(len(sheet.cells), _HEADER_SCAN)):
        for j, v in enumerate(sheet.cells.iloc[i].tolist()):
            text = clean_text(v)
            if text is not None:
                out[text].append((sheet.rownum[i], j))
    return out


def _find_column(index: dict[str, list[tuple[int, int]]], row: int, column: str) -> int | None:
    """The 1-based column of the header ``column`` that applies to Excel row ``row`` (None if not found).

    A problem of a header cell itself (a duplicate column) is on that cell (the last such header);
    any other is under the nearest header row above it.
    """
    want = clean_text(column)
    if want is None:
        return None
    cells = index.get(want, [])
    at_row = [j for r, j in cells if r == row]
    if at_row:
        return at_row[-1] + 1
    above = [(r, j) for r, j in cells if r < row]
    if above:
        nearest = max(r for r, _ in above)
        return min(j for r, j in above if r == nearest) + 1
    return None


def _put(ws: Any, row: int, col: int, value: Any) -> Any:
    """Write a value; text is always text (never run as a formula)."""
    cell = ws.cell(row=row, column=col)
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return cell
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
    return cell


def _problem_text(p: dict[str, Any]) -> str:
    zh, en = _SEVERITY.get(p["severity"], (p["severity"], p["severity"]))
    value = f"（值 value「{p['value']}」）" if p["value"] not in ("", None) else ""
    return f"[{zh} {en}] {p['message_zh']}{value}\n{p['message_en']}"


def _anchor(ws: Any, row: int, col: int) -> Any:
    """The cell to mark: the cell itself, or the top-left cell of the merged range it lies in."""
    for rng in ws.merged_cells.ranges:
        if rng.min_row <= row <= rng.max_row and rng.min_col <= col <= rng.max_col:
            return ws.cell(row=rng.min_row, column=rng.min_col)
    return ws.cell(row=row, column=col)


def _mark(ws: Any, row: int, col: int, items: list[dict[str, Any]]) -> None:
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    cell = _anchor(ws, row, col)
    severities = {p["severity"] for p in items}
    rgb = FILLS["error"] if "error" in severities else FILLS["warning"] if "warning" in severities else _OTHER_FILL
    cell.fill = PatternFill(fill_type="solid", start_color=rgb, end_color=rgb)
    text = "\n\n".join(_problem_text(p) for p in items)
    if cell.comment is not None and cell.comment.text:
        text = f"{cell.comment.text}\n\n— graphkit —\n{text}"
    comment = Comment(text, "graphkit")
    comment.width, comment.height = 360, min(600, 90 + 60 * len(items))
    cell.comment = comment


_LIST_HEADERS = ["序号 No.", "严重程度 severity", "文件 file", "工作表 sheet", "单元格 cell", "行 row", "列 column",
                 "值 value", "问题 problem", "说明 message", "message (English)"]


def _list_sheet(ws: Any, rows: list[tuple[dict[str, Any], str | None, str | None]], *, title: str) -> None:
    """Fill a problem-list sheet: one row per problem, the cell column linked to the cell (target, location)."""
    from openpyxl.styles import Font, PatternFill
    from openpyxl.worksheet.hyperlink import Hyperlink

    _put(ws, 1, 1, title).font = Font(bold=True, size=13)
    bold = Font(bold=True)
    head_fill = PatternFill(fill_type="solid", start_color="DDEBF7", end_color="DDEBF7")
    for j, h in enumerate(_LIST_HEADERS, start=1):
        c = _put(ws, 2, j, h)
        c.font, c.fill = bold, head_fill
    link_font = Font(color="0563C1", underline="single")
    for i, (p, target, location) in enumerate(rows, start=3):
        zh, en = _SEVERITY.get(p["severity"], (p["severity"], p["severity"]))
        rule_zh, rule_en = RULES.get(p["rule"], (p["rule"], p["rule"]))
        row = p["row"]
        ref = location.split("!")[-1] if location else ""
        values = [i - 2, f"{zh} {en}", p["file"], p["sheet"] or "", ref, None if pd.isna(row) else int(row),
                  # header text in 「」: this sheet must never be read back as a ledger
                  f"「{p['column']}」" if p["column"] else "", p["value"], f"{rule_zh} / {rule_en}",
                  p["message_zh"], p["message_en"]]
        for j, v in enumerate(values, start=1):
            _put(ws, i, j, v)
        if location:
            cell = ws.cell(row=i, column=5)
            cell.value = ref or "→"
            cell.data_type = "s"
            cell.hyperlink = Hyperlink(ref=cell.coordinate, location=location, target=target,
                                       tooltip="转到单元格 go to the cell")
            cell.font = link_font
        fill = FILLS.get(p["severity"])
        if fill:
            ws.cell(row=i, column=2).fill = PatternFill(fill_type="solid", start_color=fill, end_color=fill)
    for letter, width in zip("ABCDEFGHIJK", (6, 12, 24, 14, 10, 7, 18, 20, 26, 50, 50)):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A3"
    ws.auto_filter.ref = f"A2:K{max(2, len(rows) + 2)}"


def _unique_sheet_name(wb: Any, name: str) -> str:
    n, out = 1, name
    while out in wb.sheetnames:
        n += 1
        out = f"{name}{n}"
    return out


def _copy_name(rel: str, taken: set[str]) -> str:
    p = Path(rel)
    if p.suffix.lower() in _EXCEL_COPY:
        return rel
    name = p.with_suffix(".xlsx").as_posix()
    if name in taken:
        name = p.with_name(f"{p.stem}_{p.suffix.lstrip('.').lower()}.xlsx").as_posix()
    return name


def _workbook_from_cells(sheets: list[RawSheet], default_name: str) -> Any:
    """A new workbook holding the sheets' cells at their Excel positions (merged cells as the loader filled them)."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for s in sheets:
        ws = wb.create_sheet(_BAD.sub("_", s.sheet or default_name)[:31] or "Sheet1")
        frame = s.cells
        for i in range(len(frame)):
            for j, v in enumerate(frame.iloc[i].tolist(), start=1):
                if v is None or v == "":
                    continue
                _put(ws, s.rownum[i], j, v)
    return wb



def annotate_ledgers(data_dir: str | Path, out: str | Path, *, problems: pd.DataFrame) -> Annotated:
    """Write annotated copies of the ledgers of ``data_dir`` into the new folder ``out``.

    Parameters
    ----------
    data_dir
        The ledger folder that was validated (never written to).
    out
        The folder of copies: it must not be ``data_dir``, inside it or around it, and if it exists
        it must be empty or an earlier set of annotated copies (which is then replaced).
    problems
        The problem table of ``graphkit.validate_ledgers(data_dir)`` (``PROBLEM_COLUMNS``).

    Returns
    -------
    Annotated
        What was written.

    Raises
    ------
    OutputError
        ``out`` is the ledger folder, inside or around it, or an unrelated non-empty folder.
    """
    from openpyxl import Workbook, load_workbook

    from ..core.files import atomic_dir
    from .load import _discover, read_config

    data_dir, out = Path(data_dir), Path(out)
    check_annotate_folder(data_dir, out)
    config = read_config(data_dir)
    files = _discover(data_dir, config)
    rels = [p.relative_to(data_dir).as_posix() for p in files]
    records = problems.to_dict("records")
    by_file: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for p in records:
        by_file[p["file"]].append(p)
    result = Annotated(out=out)
    # every problem with where its link points: (problem, target file relative to out, location)
    linked: list[tuple[dict[str, Any], str | None, str | None]] = []
    taken = set(rels)
    with atomic_dir(out) as tmp:
        (tmp / _MARKER).write_text("graphkit validate --annotate\n", encoding="utf-8")
        for path, rel in zip(files, rels):
            mine = by_file.pop(rel, [])
            dest_rel = rel
            target = tmp / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            if not mine:
                shutil.copyfile(path, target)
                result.copied.append(rel)
                continue
            try:
                sheets = read_file(path, display=rel, encoding=config.for_file(rel).get("encoding"))
            except LedgerError:  # the file cannot be read: its problem (already in the table) goes to the list
                linked.extend((p, None, None) for p in mine)
                result.listed_only += len(mine)
                continue
            wb = None
            if path.suffix.lower() in _EXCEL_COPY:
                try:
                    wb = load_workbook(path, keep_vba=path.suffix.lower() == ".xlsm")
                except Exception as exc:  # noqa: BLE001 - openpyxl's many error types; the copy falls back to the cells
                    result.notes.append(f"{rel}: openpyxl 无法打开，副本只保留单元格内容 / openpyxl cannot open it, the copy "
                                        f"keeps the cell values only ({type(exc).__name__}: {exc})")
            if wb is None:
                wb = _workbook_from_cells(sheets, Path(rel).stem)
                dest_rel = _copy_name(rel, taken)
                taken.add(dest_rel)
                names = {s.sheet: ws.title for s, ws in zip(sheets, wb.worksheets)}
            else:
                names = {s.sheet: s.sheet for s in sheets}
            raw = {s.sheet: s for s in sheets}
            marks: dict[tuple[str, int, int], list[dict[str, Any]]] = defaultdict(list)
            own: list[tuple[dict[str, Any], str | None, str | None]] = []
            indexes: dict[str, dict[str, list[tuple[int, int]]]] = {}
            for p in mine:
                sheet = raw.get(p["sheet"]) or (sheets[0] if not p["sheet"] and len(sheets) == 1 else None)
                title = names.get(sheet.sheet) if sheet is not None else None
                row = None if pd.isna(p["row"]) else int(p["row"])
                if sheet is not None and sheet.sheet not in indexes:
                    indexes[sheet.sheet] = _header_index(sheet)
                col = (_find_column(indexes[sheet.sheet], row, p["column"])
                       if sheet is not None and row is not None else None)
                if title is not None and row is not None and col is not None:
                    marks[(title, row, col)].append(p)
                    own.append((p, None, f"{_quote_sheet(title)}!{_cell_ref(row, col)}"))
                else:
                    result.listed_only += 1
                    where = None if title is None else f"{_quote_sheet(title)}!{_cell_ref(row or 1, 1)}"
                    own.append((p, None, where))
            anchored: dict[tuple[str, int, int], list[dict[str, Any]]] = defaultdict(list)
            for (title, row, col), items in marks.items():
                a = _anchor(wb[title], row, col)
                anchored[(title, a.row, a.column)].extend(items)
            for (title, row, col), items in anchored.items():
                _mark(wb[title], row, col, items)
            result.cells += len(anchored)
            ws = wb.create_sheet(_unique_sheet_name(wb, LIST_SHEET), 0)
            _list_sheet(ws, own, title=f"问题清单 / problem list — {rel}：共 {len(own)} 个问题；改正后请删除本工作表 / "
                                      f"{len(own)} problem(s); delete this sheet once fixed")
            wb.active = 0
            for other in wb.worksheets[1:]:
                other.sheet_view.tabSelected = False
            ws.sheet_view.tabSelected = True
            (tmp / dest_rel).parent.mkdir(parents=True, exist_ok=True)
            wb.save(tmp / dest_rel)
            result.annotated[rel] = dest_rel
            linked.extend((p, dest_rel, loc) for p, _, loc in own)
        for rest in by_file.values():  # problems of no ledger file the folder holds
            linked.extend((p, None, None) for p in rest)
            result.listed_only += len(rest)
        order = {id(p): i for i, p in enumerate(records)}
        linked.sort(key=lambda item: order[id(item[0])])  # the problem table's order: errors first
        book = Workbook()
        sheet = book.active
        sheet.title = LIST_SHEET
        n = len(linked)
        _list_sheet(sheet, linked, title=f"问题清单 / problem list — {data_dir}：共 {n} 个问题 / {n} problem(s)")
        book.save(tmp / LIST_FILE)
    return result
