"""Reading report files (.txt, .md, .docx) into numbered paragraphs.

.docx is read as the zip of WordprocessingML it is (stdlib ``zipfile`` + ``xml.etree``): the text
runs of each ``w:p`` paragraph of the main document, in order. Plain text is decoded as UTF-8
(with or without BOM), else by ``charset_normalizer``'s best guess, and split at line breaks.
"""
from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

from ..core.errors import LedgerError

__all__ = ["Report", "read_report", "collect_files", "SUFFIXES"]

SUFFIXES = (".txt", ".md", ".docx")
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@dataclass(frozen=True)
class Report:
    """One report: its file name as given and its non-empty paragraphs (1-based numbers)."""

    file: str
    paragraphs: tuple[tuple[int, str], ...]

    @property
    def chars(self) -> int:
        """Number of characters in the paragraphs."""
        return sum(len(p) for _, p in self.paragraphs)


def _decode(raw: bytes, path: Path) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(raw).best()
    if best is None:
        raise LedgerError(f"无法识别文件编码 cannot tell the text encoding of {path}", file=str(path))
    return str(best)


def _docx_paragraphs(path: Path) -> list[str]:
    try:
        with zipfile.ZipFile(path) as zf:
            xml = zf.read("word/document.xml")
    except (zipfile.BadZipFile, KeyError, OSError) as exc:
        raise LedgerError(f"不是有效的 .docx 文件 not a valid .docx file: {path} ({exc})", file=str(path)) from exc
    try:
        root = ElementTree.fromstring(xml)
    except ElementTree.ParseError as exc:
        raise LedgerError(f".docx 内容无法解析 cannot parse the .docx body: {path} ({exc})", file=str(path)) from exc
    paras = []
    for p in root.iter(f"{_W}p"):
        parts = []
        for node in p.iter():
            if node.tag == f"{_W}t" and node.text:
                parts.append(node.text)
            elif node.tag == f"{_W}tab":
                parts.append("\t")
            elif node.tag in (f"{_W}br", f"{_W}cr"):
                parts.append("\n")
        paras.extend("".join(parts).split("\n"))
    return paras


def read_report(path: str | Path) -> Report:
    """Read one report file into paragraphs.

    Parameters
    ----------
    path
        A .txt, .md or .docx file.

    Raises
    ------
    LedgerError
        The file is missing, of another kind, or cannot be decoded.
    """
    p = Path(path)
    if not p.is_file():
        raise LedgerError(f"找不到文件 file not found: {p}", file=str(p))
    suffix = p.suffix.lower()
    if suffix == ".docx":
        lines = _docx_paragraphs(p)
    elif suffix in (".txt", ".md"):
        lines = _decode(p.read_bytes(), p).splitlines()
    else:
        raise LedgerError(f"不支持的文件类型 unsupported file type {suffix!r} (支持 supported: .txt .md .docx): {p}",
                          file=str(p))
    paras = tuple((i, line) for i, line in enumerate((ln for ln in lines if ln.strip()), start=1))
    return Report(file=str(p), paragraphs=paras)


def collect_files(paths: list[str] | tuple[str, ...]) -> list[Path]:
    """Expand folders into their report files (sorted, recursive); keep files as given.

    Raises
    ------
    LedgerError
        A path does not exist, or a folder holds no report file.
    """
    out: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            found = sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in SUFFIXES
                           and not f.name.startswith((".", "~$")))
            if not found:
                raise LedgerError(f"文件夹中没有报告文件 no .txt/.md/.docx report in folder: {p}", file=str(p))
            out.extend(found)
        elif p.is_file():
            out.append(p)
        else:
            raise LedgerError(f"找不到文件或文件夹 no such file or folder: {p}", file=str(p))
    return out
