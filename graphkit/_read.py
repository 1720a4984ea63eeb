"""Reading ledger files: .xlsx/.xlsm/.xls/.ods through python-calamine, .csv/.txt with detected encoding.

A file becomes a list of ``RawSheet``: the sheet's cells as an object DataFrame (no header yet)
with the 1-based row numbers a user sees in Excel. Refusals (wrong format, too large, bad
encoding) are raised as ``LedgerError`` naming the file.
"""
from __future__ import annotations

import csv
import hashlib
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

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
    """
    size = path.stat().st_size
    if size > limits.max_file_bytes:
        raise LedgerError(
            f"{display}: 文件过大（{size / 1024**2:.0f} MB，上限 {limits.max_file_bytes / 1024**2:.0f} MB）/ "
            f"file too large ({size / 1024**2:.0f} MB, limit {limits.max_file_bytes / 1024**2:.0f} MB)", file=display)
    suffix = path.suffix.lower()
    if suffix in SPREADSHEET_SUFFIXES:
        return _read_spreadsheet(path, display, suffix, limits)
    if suffix in TEXT_SUFFIXES:
        return [_read_text(path, display, encoding, limits)]
    raise LedgerError(f"{display}: 不支持的文件类型 {suffix} / unsupported file type", file=display)


def _read_spreadsheet(path: Path, display: str, suffix: str, limits: Limits) -> list[RawSheet]:
    from python_calamine import CalamineWorkbook

    with path.open("rb") as fh:
        magic = fh.read(8)
    if suffix in {".xlsx", ".xlsm", ".ods"}:
        if not magic.startswith(b"PK"):
            kind = "文本/CSV text or CSV" if _looks_like_text(path) else "未知内容 unknown content"
            raise LedgerError(
                f"{display}: 扩展名是 {suffix}，但内容不是 Excel 工作簿（看起来是{kind}）。请用正确的扩展名保存，"
                f"例如另存为 .csv / the file is named {suffix} but is not an Excel workbook (it looks like "
                f"{kind.split(' ', 1)[1]}); save it with the right extension, e.g. .csv", file=display)
        _check_zip(path, display, limits)
    elif suffix == ".xls" and not magic.startswith(b"\xd0\xcf\x11\xe0"):
        raise LedgerError(f"{display}: 扩展名是 .xls，但内容不是 Excel 97-2003 工作簿 / "
                          f"the file is named .xls but is not an Excel 97-2003 workbook", file=display)
    try:
        wb = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own error types for corrupt files
        raise LedgerError(f"{display}: 工作簿已损坏或无法读取 / workbook is corrupt or unreadable: {exc}",
                          file=display) from None
    out: list[RawSheet] = []
    try:
        meta = {m.name: m for m in wb.sheets_metadata}
        for name in wb.sheet_names:
            m = meta.get(name)
            hidden = m is not None and "visible" not in str(getattr(m, "visible", "visible")).lower()
            sheet = wb.get_sheet_by_name(name)
            if sheet.total_height > limits.max_rows:
                raise LedgerError(f"{display} [{name}]: 行数过多（{sheet.total_height}）/ too many rows", file=display,
                                  sheet=name)
            rows = sheet.to_python(skip_empty_area=False)
            start_row = 1
            try:
                start = sheet.start
                if start is not None:
                    start_row = int(start[0]) + 1
            except Exception:  # older calamine without .start: data starts at A1
                start_row = 1
            merged = None
            try:
                merged = list(sheet.merged_cell_ranges or [])
            except Exception:
                merged = None
            frame = pd.DataFrame(rows, dtype=object) if rows else pd.DataFrame(dtype=object)
            if merged:
                _fill_merged(frame, merged, start_row - 1)
            out.append(RawSheet(display, name, frame, list(range(start_row, start_row + len(frame))), hidden, merged))
    finally:
        wb.close()
    return out


def _fill_merged(frame: pd.DataFrame, merged: list, row_offset: int) -> None:
    """Copy a merged range's top-left value into its cells (only within one header-sized band)."""
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


def _check_zip(path: Path, display: str, limits: Limits) -> None:
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except zipfile.BadZipFile:
        raise LedgerError(f"{display}: 工作簿已损坏（不是有效的 zip 包）/ workbook is corrupt (not a valid zip archive)",
                          file=display) from None
    total = sum(i.file_size for i in infos)
    packed = max(1, sum(i.compress_size for i in infos))
    if total > limits.max_unzipped_bytes or (total > 64 * 1024**2 and total / packed > limits.max_ratio):
        raise LedgerError(
            f"{display}: 解压后过大（{total / 1024**2:.0f} MB，压缩比 {total / packed:.0f}:1），疑似压缩炸弹，已拒绝 / "
            f"refused: unpacks to {total / 1024**2:.0f} MB (ratio {total / packed:.0f}:1), like a zip bomb", file=display)


def _looks_like_text(path: Path) -> bool:
    with path.open("rb") as fh:
        head = fh.read(4096)
    return b"\x00" not in head and len(head) > 0


def decode_text(data: bytes, display: str, declared: str | None = None) -> tuple[str, str]:
    """Decode a text ledger: BOM, then strict UTF-8, then GB18030; detect mixed encodings.

    Returns the text and the encoding used. A declared encoding that does not fit the bytes is an
    error naming the first bad line.
    """
    if declared:
        try:
            return data.decode(declared), declared
        except (UnicodeDecodeError, LookupError) as exc:
            line = data[: getattr(exc, "start", 0)].count(b"\n") + 1
            raise LedgerError(
                f"{display}: 声明的编码 {declared} 与文件内容不符（第 {line} 行起无法解码），文件可能是 GBK/GB18030 / "
                f"declared encoding {declared} does not fit the bytes (undecodable from line {line}); "
                f"the file may be GBK/GB18030", file=display) from None
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
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
        raise LedgerError(
            f"{display}: 文件混用了多种编码（有的行是 UTF-8，第 {bad_line} 行不是）。请统一另存为 UTF-8 / "
            f"mixed encodings: some lines are UTF-8 and line {bad_line} is not; save the whole file as UTF-8",
            file=display)
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is not None and best.encoding not in ("utf_8",):
        return str(best), best.encoding
    line = data[: utf8_error.start].count(b"\n") + 1
    raise LedgerError(f"{display}: 无法识别文件编码（第 {line} 行）/ cannot detect the text encoding (line {line})",
                      file=display)


def _read_text(path: Path, display: str, declared: str | None, limits: Limits) -> RawSheet:
    data = path.read_bytes()
    if data[:4] == b"PK\x03\x04":
        raise LedgerError(f"{display}: 扩展名是文本，但内容是 Excel/zip 工作簿；请改为 .xlsx / "
                          f"named as text but is an Excel/zip workbook; rename it to .xlsx", file=display)
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise LedgerError(f"{display}: 不是文本文件（含二进制内容）/ not a text file (binary content)", file=display)
    text, _enc = decode_text(data, display, declared)
    first = text.split("\n", 5)[:5]
    sample = "\n".join(first)
    sep = max([",", "\t", ";", "|"], key=lambda s: sample.count(s))
    if path.suffix.lower() == ".tsv":
        sep = "\t"
    try:
        frame = pd.read_csv(io.StringIO(text), sep=sep, header=None, dtype=object, keep_default_na=False,
                            na_filter=False, skip_blank_lines=False, quoting=csv.QUOTE_MINIMAL, engine="c")
    except (pd.errors.ParserError, ValueError) as exc:
        raise LedgerError(f"{display}: CSV 格式错误 / malformed CSV: {exc}", file=display) from None
    if len(frame) > limits.max_rows:
        raise LedgerError(f"{display}: 行数过多（{len(frame)}）/ too many rows", file=display)
    # pandas drops a trailing blank line; row numbers are 1-based lines
    return RawSheet(display, "", frame, list(range(1, len(frame) + 1)))
