"""Reading ledger files: .xlsx/.xlsm/.xls/.ods through python-calamine, .csv/.txt with detected encoding.

A file becomes a list of ``RawSheet``: the sheet's cells as an object DataFrame (no header yet)
with the 1-based row numbers a user sees in Excel. Merged cells are filled from their top-left
cell. python-calamine reads formula error values (#N/A, #REF!) and formulas saved without a
value as blank cells, so .xlsx sheet XML is streamed once more to find them: errors are put back
as text (the loader reports them), uncalculated formulas are listed on the sheet.

Refusals (wrong format, too large, zip-bomb-like, bad encoding, corrupt) are raised as
``LedgerError`` naming the file; ``exc.rule`` is the problem rule they stand for.
"""
from __future__ import annotations

import csv
import hashlib
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

import pandas as pd

from .errors import LedgerError

__all__ = ["RawSheet", "read_file", "file_sha256", "SPREADSHEET_SUFFIXES", "TEXT_SUFFIXES", "Limits"]

SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods"}
TEXT_SUFFIXES = {".csv", ".txt", ".tsv"}


@dataclass(frozen=True)
class Limits:
    """Size limits that protect against runaway or hostile files."""

    max_file_bytes: int = 512 * 1024**2
    max_unzipped_bytes: int = 2 * 1024**3
    max_ratio: float = 200.0  # unzipped / zipped, above which a large archive is refused
    max_rows: int = 6_000_000


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


def _refuse(message: str, rule: str, *, file: str, sheet: str = "") -> LedgerError:
    """A ``LedgerError`` that also names the problem rule it stands for (``exc.rule``)."""
    exc = LedgerError(message, file=file, sheet=sheet)
    exc.rule = rule  # type: ignore[attr-defined]
    return exc


def file_sha256(path: Path) -> str:
    """Return the SHA-256 hex digest of a file's bytes."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def read_file(path: Path, *, display: str, encoding: str | None = None, limits: Limits = Limits()) -> list[RawSheet]:
    """Read every sheet of a ledger file.

    Parameters
    ----------
    path
        The file.
    display
        The name used in messages (relative to the data folder).
    encoding
        For text files, an encoding declared by the user; None detects it.
    limits
        Size limits; a file beyond them is refused before it is unpacked or parsed.

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
        return [_read_text(path, display, encoding, limits)]
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
    from python_calamine import CalamineWorkbook, SheetVisibleEnum

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
    formulas = _xlsx_formula_cells(path, display) if suffix in {".xlsx", ".xlsm"} else {}
    out: list[RawSheet] = []
    try:
        meta = {m.name: m for m in wb.sheets_metadata}
        for name in wb.sheet_names:
            m = meta.get(name)
            hidden = m is not None and m.visible != SheetVisibleEnum.Visible
            sheet = wb.get_sheet_by_name(name)
            if sheet.total_height + 1 > limits.max_rows:
                raise _refuse(f"{display} [{name}]: 行数过多（{sheet.total_height + 1}，上限 {limits.max_rows}）/ "
                              f"too many rows ({sheet.total_height + 1}, limit {limits.max_rows})",
                              "file_too_large", file=display, sheet=name)
            # skip_empty_area=False: the rows start at A1, so row i of the frame is Excel row i + 1
            rows = sheet.to_python(skip_empty_area=False)
            frame = pd.DataFrame(rows, dtype=object) if rows else pd.DataFrame(dtype=object)
            special = formulas.get(name, [])
            uncalculated: list[tuple[int, int, str]] = []
            if special:
                frame = _grow(frame, max(r for r, _, _, _ in special) + 1, max(c for _, c, _, _ in special) + 1)
                for r, c, kind, text in special:
                    if kind == "error":
                        frame.iat[r, c] = text
                    else:
                        uncalculated.append((r, c, text))
            merged = sheet.merged_cell_ranges or []
            if merged:
                _fill_merged(frame, merged, 0)
            out.append(RawSheet(display, name, frame, list(range(1, len(frame) + 1)), hidden, list(merged),
                                uncalculated))
    finally:
        wb.close()
    return out


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


def _xlsx_formula_cells(path: Path, display: str) -> dict[str, list[tuple[int, int, str, str]]]:
    """Per sheet name, the formula cells calamine reads as blank: (row, col, "error"|"uncalculated", text)."""
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
          "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
          "p": "http://schemas.openxmlformats.org/package/2006/relationships"}
    out: dict[str, list[tuple[int, int, str, str]]] = {}
    try:
        zf = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise _refuse(f"{display}: 工作簿已损坏（不是有效的 zip 包）/ workbook is corrupt (not a valid zip archive)",
                      "unreadable_file", file=display) from None
    with zf:
        names = set(zf.namelist())
        if "xl/workbook.xml" not in names or "xl/_rels/workbook.xml.rels" not in names:
            return out
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
            if part not in names:
                continue
            found = _scan_sheet_xml(zf, part)
            if found:
                out[sh.get("name", "")] = found
    return out


def _scan_sheet_xml(zf: zipfile.ZipFile, part: str) -> list[tuple[int, int, str, str]]:
    found: list[tuple[int, int, str, str]] = []
    with zf.open(part) as fh:
        carry = b""
        while True:
            chunk = fh.read(1 << 22)
            buf = carry + chunk
            if chunk:
                cut = buf.rfind(b"</row>")
                if cut < 0:
                    carry = buf
                    continue
                seg, carry = buf[: cut + 6], buf[cut + 6:]
            else:
                seg, carry = buf, b""
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
            if not chunk:
                break
    return found


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
    for i, line in enumerate(data.split(b"\n"), start=1):
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
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


def _read_text(path: Path, display: str, declared: str | None, limits: Limits) -> RawSheet:
    data = path.read_bytes()
    if data[:4] == b"PK\x03\x04" or data[:4] == b"\xd0\xcf\x11\xe0":
        raise _refuse(f"{display}: 扩展名是文本（{path.suffix}），但内容是 Excel 工作簿；请改为 .xlsx / "
                      f"named as text ({path.suffix}) but is an Excel workbook; rename it to .xlsx", "wrong_format",
                      file=display)
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _refuse(f"{display}: 不是文本文件（含二进制内容）/ not a text file (binary content)", "unreadable_file",
                      file=display)
    text, _enc = decode_text(data, display, declared)
    if not text.strip("\ufeff \t\r\n"):
        return RawSheet(display, "", pd.DataFrame(dtype=object), [])
    first = text.split("\n", 5)[:5]
    sample = "\n".join(first)
    sep = max([",", "\t", ";", "|"], key=lambda s: sample.count(s))
    if path.suffix.lower() == ".tsv":
        sep = "\t"
    try:
        frame = pd.read_csv(io.StringIO(text), sep=sep, header=None, dtype=object, keep_default_na=False,
                            na_filter=False, skip_blank_lines=False, quoting=csv.QUOTE_MINIMAL, engine="c")
    except (pd.errors.ParserError, ValueError) as exc:
        raise _refuse(f"{display}: CSV 格式错误（请检查引号是否成对）/ malformed CSV (check that quotes are balanced): {exc}",
                      "unreadable_file", file=display) from None
    if len(frame) > limits.max_rows:
        raise _refuse(f"{display}: 行数过多（{len(frame)}，上限 {limits.max_rows}）/ too many rows "
                      f"({len(frame)}, limit {limits.max_rows})", "file_too_large", file=display)
    # rows are numbered as Excel shows them when it opens the CSV: record i is row i + 1
    return RawSheet(display, "", frame, list(range(1, len(frame) + 1)))
