"""Reading ledger files: .xlsx/.xlsm through fastexcel and python-calamine, .xls/.ods through python-calamine,
.csv/.txt with detected encoding.

A file becomes a list of ``RawSheet``: the sheet's cells as an object DataFrame (no header yet)
with the 1-based row numbers a user sees in Excel. Merged cells are filled from their top-left
cell. python-calamine reads formula error values (#N/A, #REF!) and formulas saved without a
value as blank cells, so .xlsx sheet XML is streamed once more to find them: errors are put back
as text (the loader reports them), uncalculated formulas are listed on the sheet.

Large .xlsx sheets are read by fastexcel (the same calamine reader, but typed Arrow columns
instead of one Python object per cell) wherever that gives exactly python-calamine's cells,
values and Python types alike (see the comment above ``_fast_sheets``); ``tests/test_read_fast.py``
reads every test workbook both ways and compares them cell by cell.

Refusals (wrong format, too large, zip-bomb-like, bad encoding, corrupt) are raised as
``LedgerError`` naming the file; ``exc.rule`` is the problem rule they stand for.
"""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import logging
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pandas as pd

from ..core.errors import LedgerError

__all__ = ["RawSheet", "read_file", "file_sha256", "SPREADSHEET_SUFFIXES", "TEXT_SUFFIXES", "Limits"]

SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods"}
TEXT_SUFFIXES = {".csv", ".txt", ".tsv"}


def _setting(name: str) -> Any:
    from ..core.settings import config

    return field(default_factory=lambda: getattr(config, name))


@dataclass(frozen=True)
class Limits:
    """Size limits that protect against runaway or hostile files.

    Each is checked before the work it bounds is done: the file's size before it is hashed or
    read, an .xlsx sheet's declared and actual cell range before it is unpacked into cells, a text
    ledger's widest line before it is parsed. The per-sheet limits default to ``graphkit.config``
    (``GRAPHKIT_MAX_COLUMNS``, ``GRAPHKIT_MAX_LINE_FIELDS``, ``GRAPHKIT_MAX_CELLS``,
    ``GRAPHKIT_MAX_SHEET_BYTES``) as it is when the ``Limits`` is made.

    Examples
    --------
    >>> from graphkit.core.settings import override
    >>> with override(max_columns=50):
    ...     Limits().max_columns
    50
    """

    max_file_bytes: int = 512 * 1024**2
    max_unzipped_bytes: int = 2 * 1024**3
    max_ratio: float = 200.0  # unzipped / zipped, above which a large archive is refused
    max_rows: int = 6_000_000
    max_columns: int = _setting("max_columns")
    max_line_fields: int = _setting("max_line_fields")
    max_cells: int = _setting("max_cells")
    max_sheet_bytes: int = _setting("max_sheet_bytes")


@dataclass
class RawSheet:
    """One sheet's cells before header detection."""

    file: str          # path relative to the data folder, as shown to users
    sheet: str         # sheet name ("" for CSV)
    cells: pd.DataFrame  # object dtype, columns 0..n-1
    rownum: list[int]  # Excel-visible row number of each row of ``cells``
    hidden: bool = False
    merged: list[tuple[tuple[int, int], tuple[int, int]]] | None = None
    #: formula cells saved without a calculated value: (row index in ``cells``, column index, formula)
    uncalculated: list[tuple[int, int, str]] = field(default_factory=list)


def _refuse(message: str, rule: str, *, file: str, sheet: str = "", row: int | None = None,
            column: str = "") -> LedgerError:
    """A ``LedgerError`` that also names the problem rule it stands for (``exc.rule``) and, where one
    cell or line is at fault, its Excel row and column (``exc.row``, ``exc.column``)."""
    exc = LedgerError(message, file=file, sheet=sheet)
    exc.rule = rule  # type: ignore[attr-defined]
    exc.row = row  # type: ignore[attr-defined]
    exc.column = column  # type: ignore[attr-defined]
    return exc


def _column_letter(index: int) -> str:
    """Excel's name of the 0-based column ``index`` (0 -> A, 26 -> AA)."""
    out = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out


def _where(display: str, sheet: str) -> str:
    return f"{display} [{sheet}]" if sheet else display


def _too_wide(display: str, sheet: str, row: int, ncols: int, limits: Limits) -> LedgerError:
    return _refuse(
        f"{_where(display, sheet)}: 第 {row} 行有 {ncols} 列，超过每张表 {limits.max_columns} 列的上限（可用 "
        f"GRAPHKIT_MAX_COLUMNS 调整）/ row {row} has {ncols} columns, more than the limit of {limits.max_columns} "
        f"per sheet (set GRAPHKIT_MAX_COLUMNS to change it)", "file_too_large", file=display, sheet=sheet, row=row)


def _too_many_cells(display: str, sheet: str, nrows: int, ncols: int, limits: Limits) -> LedgerError:
    return _refuse(
        f"{_where(display, sheet)}: 第 1–{nrows} 行 × {ncols} 列共 {nrows * ncols} 个单元格，超过每张表 "
        f"{limits.max_cells} 个的上限（可用 GRAPHKIT_MAX_CELLS 调整）/ rows 1–{nrows} x {ncols} columns make "
        f"{nrows * ncols} cells, more than the limit of {limits.max_cells} per sheet (set GRAPHKIT_MAX_CELLS to "
        f"change it)", "file_too_large", file=display, sheet=sheet, row=nrows)


def _too_many_bytes(display: str, sheet: str, nbytes: int, limits: Limits) -> LedgerError:
    mb, lim = nbytes / 1024**2, limits.max_sheet_bytes / 1024**2
    return _refuse(
        f"{_where(display, sheet)}: 工作表解压后 {mb:.0f} MB，超过每张表 {lim:.0f} MB 的上限（可用 "
        f"GRAPHKIT_MAX_SHEET_BYTES 调整）/ the sheet unpacks to {mb:.0f} MB, more than the limit of {lim:.0f} MB "
        f"per sheet (set GRAPHKIT_MAX_SHEET_BYTES to change it)", "file_too_large", file=display, sheet=sheet)


def _check_extent(display: str, sheet: str, nrows: int, ncols: int, limits: Limits,
                  row_of_widest: int | None = None) -> None:
    """Refuse a sheet of ``nrows`` x ``ncols`` cells beyond the column or cell limit (before its cells are made)."""
    if ncols > limits.max_columns:
        raise _too_wide(display, sheet, row_of_widest or nrows, ncols, limits)
    if nrows * ncols > limits.max_cells:
        raise _too_many_cells(display, sheet, nrows, ncols, limits)


def file_sha256(path: Path) -> str:
    """Return the SHA-256 hex digest of a file's bytes."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def read_file(path: Path, *, display: str, encoding: str | None = None, limits: Limits | None = None,
              delimiter: str | None = None) -> list[RawSheet]:
    """Read every sheet of a ledger file.

    Parameters
    ----------
    path
        The file.
    display
        The name used in messages (relative to the data folder).
    encoding
        For text files, an encoding declared by the user; None detects it.
    delimiter
        For text files, the field separator declared by the user; None guesses it.
    limits
        Size limits (None: ``Limits()``, from ``graphkit.config``); a file beyond them is refused before it
        is unpacked or parsed.

    Raises
    ------
    LedgerError
        The file cannot be read at all; ``exc.rule`` names the problem rule (``wrong_format``,
        ``file_too_large``, ``encoding``, ``unreadable_file``).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "名册.csv"
    >>> _ = p.write_bytes("党组织名称,党员数\\n青泥洞村党支部,28\\n".encode("gb18030"))
    >>> sheet, = read_file(p, display="名册.csv")
    >>> sheet.cells.iat[1, 0], sheet.rownum
    ('青泥洞村党支部', [1, 2])
    """
    limits = Limits() if limits is None else limits
    size = path.stat().st_size
    if size > limits.max_file_bytes:
        raise _refuse(
            f"{display}: 文件过大（{size / 1024**2:.0f} MB，上限 {limits.max_file_bytes / 1024**2:.0f} MB）/ "
            f"file too large ({size / 1024**2:.0f} MB, limit {limits.max_file_bytes / 1024**2:.0f} MB)",
            "file_too_large", file=display)
    suffix = path.suffix.lower()
    if suffix in SPREADSHEET_SUFFIXES:
        return _read_spreadsheet(path, display, suffix, limits)
    if suffix in TEXT_SUFFIXES:
        return [_read_text(path, display, encoding, limits, delimiter)]
    raise _refuse(f"{display}: 不支持的文件类型 {suffix} / unsupported file type", "wrong_format", file=display)


def _sniff(path: Path) -> str:
    """What a file's first bytes say it is: Chinese and English words for messages."""
    with path.open("rb") as fh:
        head = fh.read(4096)
    if head.startswith(b"PK\x03\x04"):
        return "zip/xlsx 工作簿 an xlsx (zip) workbook"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "Excel 97-2003 (.xls) 工作簿 an Excel 97-2003 (.xls) workbook"
    low = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if low.startswith((b"<html", b"<!doctype html", b"<table", b"<?xml")) or b"<table" in low:
        return "网页(HTML/XML)表格 an HTML/XML table"
    if head and b"\x00" not in head:
        return "文本/CSV text or CSV"
    return "未知内容 unknown content"


def _read_spreadsheet(path: Path, display: str, suffix: str, limits: Limits) -> list[RawSheet]:
    from python_calamine import CalamineWorkbook

    with path.open("rb") as fh:
        magic = fh.read(8)
    if suffix in {".xlsx", ".xlsm", ".ods"}:
        if not magic.startswith(b"PK"):
            kind_zh, kind_en = _sniff(path).split(" ", 1)
            raise _refuse(
                f"{display}: 扩展名是 {suffix}，但内容不是 Excel 工作簿（看起来是{kind_zh}）。请用 Excel 打开后另存为 .xlsx，"
                f"或用正确的扩展名保存（例如 .csv）/ the file is named {suffix} but is not an Excel workbook (it looks like "
                f"{kind_en}); open it in Excel and save it as .xlsx, or give it the right extension (e.g. .csv)",
                "wrong_format", file=display)
        _check_zip(path, display, limits)
    elif suffix == ".xls" and not magic.startswith(b"\xd0\xcf\x11\xe0"):
        kind_zh, kind_en = _sniff(path).split(" ", 1)
        raise _refuse(f"{display}: 扩展名是 .xls，但内容不是 Excel 97-2003 工作簿（看起来是{kind_zh}）。请用 Excel 打开后另存为 "
                      f".xlsx / the file is named .xls but is not an Excel 97-2003 workbook (it looks like {kind_en}); "
                      f"open it in Excel and save it as .xlsx", "wrong_format", file=display)
    try:
        wb = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own error types for corrupt files
        raise _refuse(f"{display}: 工作簿已损坏或无法读取 / workbook is corrupt or unreadable: {exc}",
                      "unreadable_file", file=display) from None
    try:
        if suffix in {".xlsx", ".xlsm"}:
            return _read_xlsx(path, display, wb, limits)
        hidden = _hidden_sheets(wb)
        return [_raw_sheet(display, name, *_calamine_cells(wb, name, display, limits), name in hidden, [], limits)
                for name in wb.sheet_names]
    finally:
        wb.close()


def _hidden_sheets(wb: Any) -> set[str]:
    from python_calamine import SheetVisibleEnum

    return {m.name for m in wb.sheets_metadata if m.visible != SheetVisibleEnum.Visible}


def _calamine_cells(wb: Any, name: str, display: str, limits: Limits) -> tuple[pd.DataFrame, list]:
    """One sheet through python-calamine: every cell from A1 (row i of the frame is Excel row i + 1), merged ranges."""
    sheet = wb.get_sheet_by_name(name)
    if sheet.total_height + 1 > limits.max_rows:
        raise _too_many_rows(display, name, sheet.total_height + 1, limits)
    _check_extent(display, name, sheet.total_height + 1, sheet.total_width + 1, limits)
    # skip_empty_area=False: the rows start at A1, so row i of the frame is Excel row i + 1
    rows = sheet.to_python(skip_empty_area=False)
    frame = pd.DataFrame(rows, dtype=object) if rows else pd.DataFrame(dtype=object)
    return frame, list(sheet.merged_cell_ranges or [])


def _too_many_rows(display: str, name: str, n: int, limits: Limits) -> LedgerError:
    return _refuse(f"{display} [{name}]: 行数过多（{n}，上限 {limits.max_rows}）/ too many rows ({n}, limit {limits.max_rows})",
                   "file_too_large", file=display, sheet=name)


def _raw_sheet(display: str, name: str, frame: pd.DataFrame, merged: list, hidden: bool,
               special: list[tuple[int, int, str, str]], limits: Limits) -> RawSheet:
    """Put formula errors back as text, list uncalculated formulas, fill merged ranges: the sheet as the loader sees it."""
    uncalculated: list[tuple[int, int, str]] = []
    if special:
        frame = _grow(frame, max(r for r, _, _, _ in special) + 1, max(c for _, c, _, _ in special) + 1)
        for r, c, kind, text in special:
            if kind == "error":
                frame.iat[r, c] = text
            else:
                uncalculated.append((r, c, text))
    if merged:
        _fill_merged(frame, merged, 0)
    return RawSheet(display, name, frame, list(range(1, len(frame) + 1)), hidden, merged, uncalculated)


def _read_xlsx(path: Path, display: str, wb: Any, limits: Limits) -> list[RawSheet]:
    """Every sheet of an .xlsx/.xlsm workbook.

    Each sheet's XML is first scanned once (``_scan_parts``): its extent against the limits, its
    formula errors, uncalculated formulas and merged ranges. A sheet is read by fastexcel (Arrow columns, no Python object
    per cell inside the reader) when that is provably the same as python-calamine's cells (see
    ``_fast_cells``); any other sheet, or one whose scan finds merged ranges, is read by
    python-calamine as before.
    """
    parts, date1904 = _xlsx_parts(path, display)
    # one pass over each sheet's XML before any reader unpacks it: the limits, formula cells, merged ranges
    scans = _scan_parts(path, display, parts, limits)
    hidden = _hidden_sheets(wb)
    fast = _fast_sheets(path, parts, wb.sheet_names, date1904, limits)
    out: list[RawSheet] = []
    for name in wb.sheet_names:
        special, merged_xml = scans.get(name, ([], True))
        merged: list[Any]
        got = fast.pop(name, None)
        if got is not None and got.rows > limits.max_rows:
            raise _too_many_rows(display, name, got.rows, limits)
        if got is not None and not merged_xml and not (got.dates and _near_integer_serials(path, parts[name])):
            frame, merged = got.cells, []
        else:
            frame, merged = _calamine_cells(wb, name, display, limits)
        out.append(_raw_sheet(display, name, frame, merged, name in hidden, special, limits))
    return out


#: the patterns start with a plain space so that the scan is a fast literal search; a segment with
#: other white space before an ``r=`` attribute is scanned with the slower ``\s`` patterns
_ROW_NUMBERS = (re.compile(rb'<row r="([0-9]+)"'), re.compile(rb'<row\b[^>]*?\sr="([0-9]+)"'))
#: references of cells beyond column Z or row 999,999 (up to Z and 999,999 a sheet has at most 26 million
#: cells); not of empty cells written as ``<c r="BXX5" s="1"/>`` (formatting only: calamine skips them)
_FAR_REF = (re.compile(rb' r="([A-Z]{2,}|[A-Z](?=[0-9]{7}))([0-9]+)"[^>]*(?<!/)>'),
            re.compile(rb'\sr="([A-Z]{2,}|[A-Z](?=[0-9]{7}))([0-9]+)"[^>]*(?<!/)>'))
_REF_PARTS = re.compile(rb"([A-Z]+)([0-9]+)")


def _odd_spacing(seg: bytes) -> bool:
    """Whether some ``r="`` attribute in the XML follows white space other than one plain space."""
    known = seg.count(b' r="') + seg.count(b'der="') + seg.count(b'ter="')  # header=, footer= (page margins)
    return seg.count(b'r="') > known or seg.count(b"<row ") != seg.count(b'<row r="')


def _ref_extent(ref: bytes) -> tuple[int, int]:
    """(row, column) counts up to and including an ``A1``-style reference: B3 -> (3, 2)."""
    m = _REF_PARTS.fullmatch(ref)
    if m is None:
        return 0, 0
    col = 0
    for ch in m.group(1):
        col = col * 26 + (ch - 64)
    return int(m.group(2)), col


def _check_frame(frame: pd.DataFrame, display: str, sheet: str, limits: Limits) -> None:
    """Refuse a read sheet wider or larger than the limits (naming the first row that reaches the last column)."""
    nrows, ncols = frame.shape
    if ncols > limits.max_columns:
        last = frame.iloc[:, -1]
        filled = [i for i, v in enumerate(last.tolist()) if v is not None and v == v and v != ""]
        raise _too_wide(display, sheet, filled[0] + 1 if filled else nrows, ncols, limits)
    if nrows * ncols > limits.max_cells:
        raise _too_many_cells(display, sheet, nrows, ncols, limits)


def _grow(frame: pd.DataFrame, nrows: int, ncols: int) -> pd.DataFrame:
    """Extend a cell frame with blank rows/columns so that it has at least ``nrows`` x ``ncols``."""
    if len(frame) >= nrows and frame.shape[1] >= ncols:
        return frame
    return frame.reindex(index=range(max(nrows, len(frame))), columns=range(max(ncols, frame.shape[1])),
                         fill_value="").astype(object)


def _fill_merged(frame: pd.DataFrame, merged: list, row_offset: int) -> None:
    """Copy a merged range's top-left value into its blank cells (a merged 片区名称 over member rows)."""
    for (r0, c0), (r1, c1) in merged:
        r0 -= row_offset
        r1 -= row_offset
        if r0 < 0 or r0 >= len(frame) or c0 >= frame.shape[1]:
            continue
        value = frame.iat[r0, c0]
        for r in range(r0, min(r1, len(frame) - 1) + 1):
            for c in range(c0, min(c1, frame.shape[1] - 1) + 1):
                if (r, c) != (r0, c0) and (frame.iat[r, c] is None or frame.iat[r, c] == ""):
                    frame.iat[r, c] = value


# Formula cells that calamine turns into blanks: error values (t="e") and formulas saved without a
# calculated value (files written by programs and never opened in Excel). Found by scanning the
# sheet XML, which is streamed in chunks cut at row ends.
_ERROR_CELL = re.compile(rb'<c\s([^>]*\bt="e"[^>]*)>(?:<f\b[^>]*/>|<f\b[^>]*>[^<]*</f>)?<v>([^<]*)</v>')
_UNCALCULATED_CELL = re.compile(rb'<c\s([^>]*)>(?:<f\b[^>]*/>|<f\b[^>]*>([^<]*)</f>)(?:<v\s*/>|<v></v>)?</c>')
_CELL_REF = re.compile(rb'\br="([A-Z]{1,3})([0-9]+)"')
_XML_ENTITIES = {"&lt;": "<", "&gt;": ">", "&amp;": "&", "&quot;": '"', "&apos;": "'"}


def _cell_index(attrs: bytes) -> tuple[int, int] | None:
    m = _CELL_REF.search(attrs)
    if m is None:
        return None
    col = 0
    for ch in m.group(1):
        col = col * 26 + (ch - 64)
    return int(m.group(2)) - 1, col - 1


def _unescape(text: bytes) -> str:
    out = text.decode("utf-8", errors="replace")
    for k, v in _XML_ENTITIES.items():
        out = out.replace(k, v)
    return out


def _xlsx_parts(path: Path, display: str) -> tuple[dict[str, str], bool]:
    """Each sheet's XML part (sheet name -> part name in the zip) and whether the workbook counts dates from 1904."""
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
          "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
          "p": "http://schemas.openxmlformats.org/package/2006/relationships"}
    out: dict[str, str] = {}
    try:
        zf = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise _refuse(f"{display}: 工作簿已损坏（不是有效的 zip 包）/ workbook is corrupt (not a valid zip archive)",
                      "unreadable_file", file=display) from None
    with zf:
        names = set(zf.namelist())
        if "xl/workbook.xml" not in names or "xl/_rels/workbook.xml.rels" not in names:
            return out, False
        try:
            book = ElementTree.fromstring(zf.read("xl/workbook.xml"))
            rels = ElementTree.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
        except (ElementTree.ParseError, zipfile.BadZipFile, OSError) as exc:
            raise _refuse(f"{display}: 工作簿结构损坏 / workbook structure is corrupt: {exc}", "unreadable_file",
                          file=display) from None
        targets = {r.get("Id"): r.get("Target", "") for r in rels.findall("p:Relationship", ns)}
        for sh in book.iterfind("m:sheets/m:sheet", ns):
            target = targets.get(sh.get(f"{{{ns['r']}}}id"), "")
            part = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            if part in names:
                out[sh.get("name", "")] = part
        pr = book.find("m:workbookPr", ns)
        date1904 = pr is not None and pr.get("date1904", "").lower() in ("1", "true")
    return out, date1904


def _segments(zf: zipfile.ZipFile, part: str) -> Iterator[bytes]:
    """A sheet's XML in pieces of about 4 MB cut after a row's end; the last piece is what follows the last row."""
    with zf.open(part) as fh:
        carry = b""
        while True:
            chunk = fh.read(1 << 22)
            buf = carry + chunk
            if not chunk:
                yield buf
                return
            cut = buf.rfind(b"</row>")
            if cut < 0:
                carry = buf
                continue
            carry = buf[cut + 6:]
            yield buf[: cut + 6]


def _scan_parts(path: Path, display: str, parts: dict[str, str],
                limits: Limits) -> dict[str, tuple[list[tuple[int, int, str, str]], bool]]:
    """One pass over each sheet's XML: refuse it beyond the limits; else its formula cells and merged ranges.

    Returns, per sheet name, the formula cells calamine reads as blank (row, col, "error" |
    "uncalculated", text) and whether the sheet has merged ranges.

    The limits are checked before any reader unpacks a sheet. calamine makes a sheet's whole
    rectangle of cells at once, from A1 to its farthest cell: two cells at A1 and XFD1048576 (a
    1 KB file) would ask it for 17 billion cells, and the process would be killed. So each sheet's
    XML is scanned first: its unpacked size, its row numbers and every cell reference beyond
    column Z or row 999,999 (literal searches; a sheet within A-Z and 999,999 rows holds at most
    26 million cells). The declared ``<dimension>`` is not trusted either way: a hostile file
    understates it, and Excel counts cells that only carry formatting, which calamine skips (so
    are the references of such empty cells here). Cells without a reference are placed by
    position and bounded by the unpacked size; the cells read are checked again
    (``_check_frame``). The same pieces of XML are searched for the formula cells and merged
    ranges, so each sheet is inflated once here (and once more by the reader).
    """
    out: dict[str, tuple[list[tuple[int, int, str, str]], bool]] = {}
    with zipfile.ZipFile(path) as zf:
        for name, part in parts.items():
            size = zf.getinfo(part).file_size
            if size > limits.max_sheet_bytes:
                raise _too_many_bytes(display, name, size, limits)
            rows = cols = 0
            wide_row = 0
            found: list[tuple[int, int, str, str]] = []
            seg = b""
            for seg in _segments(zf, part):
                slow = int(_odd_spacing(seg))
                numbers = _ROW_NUMBERS[slow].findall(seg)
                if numbers:
                    rows = max(rows, max(map(int, numbers)))
                refs = _FAR_REF[slow].findall(seg)
                if refs:  # the widest column's first reference, and the highest row (compared as digits)
                    widest = max((len(a), a) for a in {a for a, _ in refs})[1]
                    _, c = _ref_extent(widest + b"1")
                    if c > cols:
                        cols, wide_row = c, next(int(d) for a, d in refs if a == widest)
                    rows = max(rows, int(max((len(d), d) for _, d in refs)[1]))
                if b't="e"' in seg:
                    for m in _ERROR_CELL.finditer(seg):
                        at = _cell_index(m.group(1))
                        if at is not None:
                            found.append((*at, "error", _unescape(m.group(2))))
                if b"<f" in seg:
                    for m in _UNCALCULATED_CELL.finditer(seg):
                        at = _cell_index(m.group(1))
                        if at is not None:
                            text = _unescape(m.group(2)) if m.group(2) is not None else "(共享公式 shared formula)"
                            found.append((*at, "uncalculated", "=" + text))
            if rows > limits.max_rows:
                raise _too_many_rows(display, name, rows, limits)
            if cols:  # a sheet wider than Z; up to Z, the rows bound it and the read cells are checked
                _check_extent(display, name, rows, cols, limits, row_of_widest=wide_row)
            # merged ranges (<mergeCells>) follow the rows, so they are in the last piece
            out[name] = (found, b"mergeCell" in seg)
    return out


# --------------------------------------------------------------------------------------------
# .xlsx fast path (``_fast_sheets``): fastexcel (the same Rust calamine reader, but Arrow columns instead of one Python
# object per cell). fastexcel types whole columns while python-calamine types each cell, so a sheet
# is taken from fastexcel only where the two provably agree:
#
# * the first rows (``_HEAD_ROWS``: titles, headers) are read by python-calamine itself, from a copy
#   of the workbook whose sheets are cut after those rows; that copy's sheet must start at A1 (then
#   the whole sheet's cell range starts at A1 too, so both readers number rows and columns alike);
# * the rows below are read by fastexcel with ``dtype_coercion="strict"``: every column holds one
#   cell type (else fastexcel refuses and python-calamine reads the sheet). Blank cells are "" in
#   both. fastexcel also counts the strings "NA", "null", "#N/A", … as blanks when it types a
#   column: in a text column it keeps them as text, and in any other column ``to_arrow_with_errors``
#   reports every cell it could not convert, so a sheet with such a report (other than an empty
#   string or an error value, which python-calamine also reads as "") is read by python-calamine;
# * numbers are floats in both; a NaN (the strings "NaN"/"nan" convert to it) is refused; dates are
#   taken only where python-calamine would give a ``datetime.date`` for certain: midnight values on or
#   after 1900-03-01 in a 1900-based workbook whose XML holds no serial number close to (but not
#   exactly) a whole day (python-calamine gives a midnight ``datetime`` for those); times, durations,
#   ISO date text and 1904-based workbooks go to python-calamine;
# * a sheet with merged ranges is read by python-calamine (merged ranges come from it).

_HEAD_ROWS = 64
_EMPTY_SHEET_XML = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet '
                    b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData/></worksheet>')
_ROW_TAG = re.compile(rb"<row\b([^>]*)>")
_ROW_NUMBER = re.compile(rb'\br="([0-9]+)"')
#: cells fastexcel could not convert that python-calamine also reads as "": empty strings, error values
_BLANK_TO_BOTH = re.compile(r"Expected \w+ but got '(?:Error\((?:NA|Value|Null|Ref|Num)\)|(?:Shared)?String\(\"\"\))'?\Z")
_MS_PER_DAY = 86_400_000
#: 1900-03-01 in ms since 1970: before it Excel's serial numbers are irregular (1900-02-29, times of day)
_MS_1900_03_01 = (dt.date(1900, 3, 1) - dt.date(1970, 1, 1)).days * _MS_PER_DAY
#: a serial number within a rounding error of a whole day is written with "00000"/"99999" after the point
#: or with an exponent
_NEAR_WHOLE = re.compile(rb"<v>[^<]*(?:\.00000|\.99999|[eE])")


@dataclass
class _Fast:
    """A sheet read through fastexcel: its cells (None when it has too many rows), row count, whether it has dates."""

    cells: pd.DataFrame | None
    rows: int
    dates: bool = False


def _fast_sheets(path: Path, parts: dict[str, str], names: list[str], date1904: bool,
                 limits: Limits) -> dict[str, _Fast]:
    """The sheets of an .xlsx that fastexcel can read exactly as python-calamine would (name -> cells)."""
    try:
        import fastexcel
    except ImportError:  # not installed: every sheet is read by python-calamine
        return {}
    _quiet_fastexcel()
    with zipfile.ZipFile(path) as zf:
        heads = {}
        for name in names:
            head = _sheet_head(zf, parts[name]) if name in parts else None
            if head is not None:
                heads[name] = head
        if not heads:
            return {}
        head_rows = _read_heads(_head_workbook(zf, parts, heads), heads)
    if not head_rows:
        return {}
    try:
        reader = fastexcel.read_excel(str(path))
    except fastexcel.FastExcelError:
        return {}
    out = {}
    for name, rows in head_rows.items():
        got = _fast_cells(fastexcel, reader, name, heads[name][1], rows, date1904, limits)
        if got is not None:
            out[name] = got
    return out


class _NoAllBlankWarning(logging.Filter):
    """Drop fastexcel's warning that a column of blanks is typed as text (it is read as "" either way)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("Could not determine dtype for column")


def _quiet_fastexcel() -> None:
    log = logging.getLogger("fastexcel.types.dtype")
    if not any(isinstance(f, _NoAllBlankWarning) for f in log.filters):
        log.addFilter(_NoAllBlankWarning())


def _sheet_head(zf: zipfile.ZipFile, part: str) -> tuple[bytes, int] | None:
    """The sheet XML cut after its first ``_HEAD_ROWS`` rows and the Excel number of the last of them.

    None if the sheet is not longer than that, or its XML is not plainly laid out (namespace
    prefixes, comments, CDATA, rows without numbers): python-calamine then reads the whole sheet.
    """
    buf, count, pos = b"", 0, 0
    try:
        with zf.open(part) as fh:
            while count < _HEAD_ROWS:
                chunk = fh.read(1 << 16)
                if not chunk:
                    return None
                buf += chunk
                while count < _HEAD_ROWS:
                    i = buf.find(b"</row>", pos)
                    if i < 0:
                        break
                    count, pos = count + 1, i + 6
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError):
        return None  # a damaged part: the ordinary read reports it
    head = buf[:pos]
    if (b"<![CDATA[" in head or b"<!--" in head or head.count(b"<sheetData>") != 1
            or not re.search(rb"<worksheet[\s>]", head)):
        return None
    tags = _ROW_TAG.findall(head)
    number = _ROW_NUMBER.search(tags[-1]) if tags else None
    if number is None:
        return None
    return head + b"</sheetData></worksheet>", int(number.group(1))


def _head_workbook(zf: zipfile.ZipFile, parts: dict[str, str], heads: dict[str, tuple[bytes, int]]) -> bytes:
    """A copy of the workbook whose sheets hold only their head rows (the other sheets empty)."""
    cut = {parts[name]: xml for name, (xml, _) in heads.items()}
    sheets = set(parts.values())
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as out:
        for info in zf.infolist():
            name = info.filename
            out.writestr(name, cut[name] if name in cut else _EMPTY_SHEET_XML if name in sheets else zf.read(name))
    return buf.getvalue()


def _read_heads(workbook: bytes, heads: dict[str, tuple[bytes, int]]) -> dict[str, list[list[Any]]]:
    """python-calamine's cells of each head (name -> rows from A1), for heads whose cells start at A1."""
    from python_calamine import CalamineWorkbook

    out: dict[str, list[list[Any]]] = {}
    try:
        wb = CalamineWorkbook.from_filelike(io.BytesIO(workbook))
    except Exception:  # noqa: BLE001 - the ordinary read of the whole workbook reports the problem
        return out
    try:
        for name, (_, last) in heads.items():
            try:
                sheet = wb.get_sheet_by_name(name)
            except Exception:  # noqa: BLE001 - as above: python-calamine reads this sheet and reports it
                continue
            if sheet.start != (0, 0):
                continue
            rows = sheet.to_python(skip_empty_area=False)
            if len(rows) <= last:
                out[name] = rows
    finally:
        wb.close()
    return out


def _fast_cells(fastexcel: Any, reader: Any, name: str, head_len: int, head: list[list[Any]], date1904: bool,
                limits: Limits) -> _Fast | None:
    """The sheet's cells: ``head`` (Excel rows 1..head_len) above fastexcel's typed columns; None if they may differ."""
    import numpy as np

    try:
        sheet = reader.load_sheet(name, header_row=None, skip_rows=head_len, schema_sample_rows=None,
                                  dtype_coercion="strict")
    except fastexcel.FastExcelError:  # a column of mixed types, an error value python-calamine reads as "", …
        return None
    height, width = sheet.height, sheet.width
    if height == 0 or any(len(r) > width for r in head):
        return None
    if head_len + height > limits.max_rows:
        return _Fast(None, head_len + height)
    try:
        batch, errors = sheet.to_arrow_with_errors()
    except fastexcel.FastExcelError:
        return None
    del sheet
    if batch.num_columns != width or batch.num_rows != height:
        return None
    if errors is not None and any(not _BLANK_TO_BOTH.match(e.detail) for e in errors.errors):
        return None
    cells = np.empty((head_len + height, width), dtype=object)
    cells[:head_len] = ""
    for i, row in enumerate(head):
        for j, v in enumerate(row):
            cells[i, j] = v
    dates = False
    for j in range(width):
        column = _column_objects(batch.column(j), date1904)
        if column is None:
            return None
        cells[head_len:, j], has_dates = column
        dates = dates or has_dates
    return _Fast(pd.DataFrame(cells, dtype=object, copy=False), head_len + height, dates)


def _column_objects(col: Any, date1904: bool) -> tuple[Any, bool] | None:
    """An Arrow column as python-calamine's cell objects ("" for blanks), and whether it holds dates; None if unsure."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    kind = col.type
    nulls = col.null_count
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        col = pc.fill_null(col, "")
        sample = col.slice(0, 2048)
        if len(col) > 4096 and pc.count_distinct(sample).as_py() * 2 < len(sample):
            # a column of repeated values (组织类型, 镇): one str object per distinct value, shared
            coded = pc.dictionary_encode(col)
            return coded.dictionary.to_numpy(zero_copy_only=False)[coded.indices.to_numpy()], False
        return col.to_numpy(zero_copy_only=False), False
    if pa.types.is_float64(kind):
        if nulls < len(col) and pc.any(pc.is_nan(col)).as_py():
            return None  # the text "NaN"/"nan" (a blank to fastexcel's typing) became a number
        values = col.to_numpy(zero_copy_only=False).astype(object)
        if nulls:
            values[col.is_null().to_numpy(zero_copy_only=False)] = ""
        return values, False
    if pa.types.is_boolean(kind) or pa.types.is_int64(kind):
        return np.array(["" if v is None else v for v in col.to_pylist()], dtype=object), False
    if pa.types.is_timestamp(kind) and kind.unit == "ms" and kind.tz is None and not date1904:
        ms = pc.fill_null(col.cast(pa.int64()), 0).to_numpy(zero_copy_only=False)
        blank = col.is_null().to_numpy(zero_copy_only=False)
        given = ms[~blank]
        if (given % _MS_PER_DAY != 0).any() or (given < _MS_1900_03_01).any():
            return None  # a time of day, or a serial number before 1900-03-01: python-calamine decides
        values = (ms // _MS_PER_DAY).astype("datetime64[D]").astype(object)
        values[blank] = ""
        return values, bool(len(given))
    return None  # durations, ISO date text, …


def _near_integer_serials(path: Path, part: str) -> bool:
    """Whether a sheet's XML holds a number written close to a whole number (python-calamine's date/datetime split)."""
    with zipfile.ZipFile(path) as zf:
        return any(_NEAR_WHOLE.search(seg) for seg in _segments(zf, part))


def _check_zip(path: Path, display: str, limits: Limits) -> None:
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except zipfile.BadZipFile:
        raise _refuse(f"{display}: 工作簿已损坏（不是有效的 zip 包）/ workbook is corrupt (not a valid zip archive)",
                      "unreadable_file", file=display) from None
    total = sum(i.file_size for i in infos)
    packed = max(1, sum(i.compress_size for i in infos))
    if total > limits.max_unzipped_bytes or (total > 64 * 1024**2 and total / packed > limits.max_ratio):
        raise _refuse(
            f"{display}: 解压后过大（{total / 1024**2:.0f} MB，压缩比 {total / packed:.0f}:1），疑似压缩炸弹，已拒绝 / "
            f"refused: unpacks to {total / 1024**2:.0f} MB (ratio {total / packed:.0f}:1), like a zip bomb",
            "file_too_large", file=display)


def decode_text(data: bytes, display: str, declared: str | None = None) -> tuple[str, str]:
    """Decode a text ledger: BOM, then strict UTF-8, then GB18030; detect mixed encodings.

    Returns the text and the encoding used. A declared encoding that does not fit the bytes is an
    error naming the first bad line.

    Examples
    --------
    >>> decode_text("青泥洞村".encode("gb18030"), "x.csv")
    ('青泥洞村', 'gb18030')
    >>> import codecs
    >>> decode_text(codecs.BOM_UTF8 + "青泥洞村".encode(), "x.csv")
    ('青泥洞村', 'utf-8-sig')
    """
    if declared:
        try:
            return data.decode(declared), declared
        except LookupError:
            raise _refuse(f"{display}: 未知的编码名称 {declared!r}（见 graphkit.yaml）/ unknown encoding name {declared!r} "
                          f"(in graphkit.yaml)", "encoding", file=display) from None
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise _refuse(
                f"{display}: 声明的编码 {declared} 与文件内容不符（第 {line} 行起无法解码），文件可能是 GBK/GB18030 / "
                f"declared encoding {declared} does not fit the bytes (undecodable from line {line}); "
                f"the file may be GBK/GB18030", "encoding", file=display) from None
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8", errors="strict"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            line = data[: exc.start + 3].count(b"\n") + 1
            raise _refuse(f"{display}: 文件标明为 UTF-8（有 BOM），但第 {line} 行不是 UTF-8；文件混用了多种编码 / "
                          f"the file is marked UTF-8 (BOM) but line {line} is not UTF-8: mixed encodings",
                          "encoding", file=display) from None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise _refuse(f"{display}: UTF-16 文件已损坏 / corrupt UTF-16 text", "encoding", file=display) from None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        utf8_error = exc
    # mixed: some lines valid non-ASCII UTF-8 and others not
    good_utf8, bad_line = 0, None
    for i, raw_line in enumerate(data.split(b"\n"), start=1):
        if raw_line.isascii():
            continue
        try:
            raw_line.decode("utf-8")
            good_utf8 += 1
        except UnicodeDecodeError:
            bad_line = bad_line or i
    if good_utf8 and bad_line:
        raise _refuse(
            f"{display}: 文件混用了多种编码（有的行是 UTF-8，第 {bad_line} 行不是）。请统一另存为 UTF-8 / "
            f"mixed encodings: some lines are UTF-8 and line {bad_line} is not; save the whole file as UTF-8",
            "encoding", file=display)
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is not None and best.encoding not in ("utf_8",):
        return str(best), best.encoding
    line = data[: utf8_error.start].count(b"\n") + 1
    raise _refuse(f"{display}: 无法识别文件编码（第 {line} 行）/ cannot detect the text encoding (line {line})",
                  "encoding", file=display)


def _read_text(path: Path, display: str, declared: str | None, limits: Limits, delimiter: str | None = None) -> RawSheet:
    if path.stat().st_size > limits.max_sheet_bytes:
        raise _too_many_bytes(display, "", path.stat().st_size, limits)
    data = path.read_bytes()
    if data[:4] == b"PK\x03\x04" or data[:4] == b"\xd0\xcf\x11\xe0":
        raise _refuse(f"{display}: 扩展名是文本（{path.suffix}），但内容是 Excel 工作簿；请改为 .xlsx / "
                      f"named as text ({path.suffix}) but is an Excel workbook; rename it to .xlsx", "wrong_format",
                      file=display)
    utf16 = data.startswith((b"\xff\xfe", b"\xfe\xff"))
    if b"\x00" in data and not utf16:
        _refuse_nul(data, display, declared, path.suffix.lower())
    text, _enc = decode_text(data, display, declared)
    if _BLANK_TEXT.fullmatch(text):  # (not text.strip(), which copies the whole text)
        return RawSheet(display, "", pd.DataFrame(dtype=object), [])
    sep = delimiter or _separator(text, path.suffix.lower())
    _check_lines(data, text, sep, display, limits, utf16)
    try:
        frame = pd.read_csv(io.StringIO(text), sep=sep, header=None, dtype=object, keep_default_na=False,
                            na_filter=False, skip_blank_lines=False, quoting=csv.QUOTE_MINIMAL, engine="c")
    except (pd.errors.ParserError, ValueError) as exc:
        raise _refuse(f"{display}: CSV 格式错误（请检查引号是否成对）/ malformed CSV (check that quotes are balanced): {exc}",
                      "unreadable_file", file=display) from None
    if len(frame) > limits.max_rows:
        raise _refuse(f"{display}: 行数过多（{len(frame)}，上限 {limits.max_rows}）/ too many rows "
                      f"({len(frame)}, limit {limits.max_rows})", "file_too_large", file=display)
    _check_frame(frame, display, "", limits)
    # rows are numbered as Excel shows them when it opens the CSV: record i is row i + 1
    return RawSheet(display, "", frame, list(range(1, len(frame) + 1)))


_BLANK_TEXT = re.compile("[\ufeff \t\r\n]*")


def _separator(text: str, suffix: str) -> str:
    """The field separator of a text ledger: tab for .tsv, else the commonest of , tab ; | in its first lines."""
    if suffix == ".tsv":
        return "\t"
    sample = "\n".join(text[: 1 << 16].split("\n", 5)[:5])  # the first 64 K characters: a 100 MB line is not copied
    return max([",", "\t", ";", "|"], key=lambda s: sample.count(s))


def _line_fields(data: bytes, sep: str, utf16: bool) -> Any:
    """Separators + 1 on each line of a text file's bytes (an upper bound of its fields: quoted separators count too).

    Counted in 8 MB pieces with numpy, so the count costs tens of MB beside the file, not a parse.
    The separator and the line end are ASCII; in UTF-8 and GB18030 they never occur inside a
    multi-byte character, in UTF-16 they are 16-bit units.
    """
    import numpy as np

    if utf16:
        units = np.frombuffer(data[2: len(data) - (len(data) % 2)], dtype="<u2" if data[:2] == b"\xff\xfe" else ">u2")
    else:
        units = np.frombuffer(data, dtype=np.uint8)
    per: list[Any] = []
    carry, piece = 0, 8 << 20
    for start in range(0, len(units), piece):
        a = units[start: start + piece]
        ends = np.flatnonzero(a == 10)
        seps = np.flatnonzero(a == ord(sep))
        if not len(ends):
            carry += len(seps)
            continue
        before = np.searchsorted(seps, ends)
        counts = np.diff(before, prepend=0)
        counts[0] += carry
        carry = len(seps) - int(before[-1])
        per.append(counts)
        if start + piece >= len(units) and ends[-1] == len(a) - 1:
            carry = -1  # the text ends with a line end: no last line after it
    if carry >= 0:
        per.append(np.array([carry]))
    return np.concatenate(per) + 1 if per else np.zeros(0, dtype=np.int64)


def _check_lines(data: bytes, text: str, sep: str, display: str, limits: Limits, utf16: bool) -> None:
    """Refuse a text ledger whose widest line or cell count is beyond the limits, before it is parsed.

    The separators on each line are counted first (``_line_fields``); a line with more than
    ``max_line_fields`` is refused outright. Lines with more than ``max_columns`` are then parsed
    one by one (they are few, and each is bounded), so that quoted separators do not count.
    """
    import numpy as np

    fields = _line_fields(data, sep, utf16)
    if not len(fields):
        return
    widest = int(fields.argmax())
    if fields[widest] > limits.max_line_fields:
        n = int(fields[widest])
        raise _refuse(
            f"{display}: 第 {widest + 1} 行有 {n} 个字段，超过每行 {limits.max_line_fields} 个的上限（可用 "
            f"GRAPHKIT_MAX_LINE_FIELDS 调整）/ line {widest + 1} has {n} fields, more than the limit of "
            f"{limits.max_line_fields} per line (set GRAPHKIT_MAX_LINE_FIELDS to change it)",
            "file_too_large", file=display, row=widest + 1)
    width = int(fields.max())
    over = np.flatnonzero(fields > limits.max_columns)
    if len(over):
        lines = text.split("\n")
        width = int(fields[fields <= limits.max_columns].max(initial=0))
        for i in over.tolist():
            n = len(next(csv.reader([lines[i].rstrip("\r")], delimiter=sep), []))
            if n > limits.max_columns:
                raise _too_wide(display, "", i + 1, n, limits)
            width = max(width, n)
    _check_extent(display, "", len(fields), width, limits)


def _refuse_nul(data: bytes, display: str, declared: str | None, suffix: str) -> None:
    """Refuse a text file holding NUL bytes: binary content, or text with NULs in cells (naming the first one's cell)."""
    binary = _refuse(f"{display}: 不是文本文件（含二进制内容）/ not a text file (binary content)", "unreadable_file",
                     file=display)
    if data.count(b"\x00") > 16 + len(data) // 100:
        raise binary
    try:
        text, _ = decode_text(data.replace(b"\x00", b""), display, declared)
    except LedgerError:
        raise binary from None
    if sum(1 for ch in text if ch < " " and ch not in "\t\r\n") * 100 > len(text) + 100:
        raise binary
    text, _ = decode_text(data, display, declared)
    sep = _separator(text, suffix)
    at = text.index("\x00")
    end = text.find("\n", at)
    head = text[: len(text) if end < 0 else end]
    row, col, header = head.count("\n") + 1, head[head.rfind("\n") + 1: at].count(sep), ""
    try:  # the record and field as a CSV reader sees them (quoted separators and line ends)
        records = list(csv.reader(io.StringIO(head, newline=""), delimiter=sep))
        if records and "\x00" in "".join(records[-1]):
            row = len(records)
            col = next(j for j, v in enumerate(records[-1]) if "\x00" in v)
            header = records[0][col] if len(records) > 1 and col < len(records[0]) else ""
    except csv.Error:
        pass  # an unbalanced quote: the line and the separators before the NUL
    letter = _column_letter(col)
    named_zh = f"「{header}」" if header else ""
    named_en = f" ({header!r})" if header else ""
    raise _refuse(
        f"{display}: 第 {row} 行第 {letter} 列{named_zh}含有 NUL 空字符（\\x00，常见于从其他系统导出的数据），请删除该字符后"
        f"重试 / row {row}, column {letter}{named_en} holds a NUL character (\\x00, often left by an export from another "
        f"system); delete it and retry", "unreadable_file", file=display, row=row, column=letter)
