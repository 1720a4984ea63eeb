"""The read report: per sheet, how it was read (layout and why, header rows, column → property,
unused columns, rows read and skipped with the reason, records made).

``graphkit.ingest.load`` fills one entry (a plain dict, see ``new_entry``) per sheet or file it met;
this module turns the entries into a table (``report_frame``), a compact terminal text
(``report_to_text``) and the files written beside ``manifest.json`` (``write_report``). The
report is deterministic: no timestamps, entries in file and sheet order.

Examples
--------
>>> e = new_entry("名册.csv", "", status="loaded")
>>> e["layout"], e["rows_read"]
('', 0)
>>> report_frame([e])[["file", "status"]].to_dict("records")
[{'file': '名册.csv', 'status': 'loaded'}]
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from collections.abc import Iterable

import pandas as pd

__all__ = ["new_entry", "report_frame", "report_to_text", "write_report", "STATUS", "REPORT_COLUMNS",
           "column_letter"]

#: Entry statuses with their Chinese and English words.
STATUS: dict[str, tuple[str, str]] = {
    "loaded": ("已读取", "read"),
    "partial": ("表头不全，未读取", "headers incomplete, not read"),
    "unrecognized": ("不符合任何台账格式", "fits no ledger layout"),
    "hidden": ("隐藏工作表，未读取", "hidden sheet, not read"),
    "empty": ("空表", "empty"),
    "not_selected": ("未选定的工作表", "sheet not selected in graphkit.yaml"),
    "not_ledger": ("非台账文件，未读取", "not a ledger file, not read"),
    "unreadable": ("文件无法读取", "file cannot be read"),
}

REPORT_COLUMNS = ["file", "sheet", "status", "layout", "matched_by", "header_rows", "columns", "unused_columns",
                  "rows_read", "rows_skipped", "skipped", "records", "notes"]


def column_letter(j: int) -> str:
    """Excel's letter for a 0-based column index.

    >>> column_letter(0), column_letter(25), column_letter(26)
    ('A', 'Z', 'AA')
    """
    out = ""
    j += 1
    while j:
        j, r = divmod(j - 1, 26)
        out = chr(65 + r) + out
    return out


def new_entry(file: str, sheet: str, *, status: str) -> dict[str, Any]:
    """An empty report entry for one sheet (or one file passed over)."""
    return {"file": file, "sheet": sheet, "status": status, "layout": "", "layout_label": "", "matched_by": "",
            "matched_headers": [], "header_rows": [], "columns": [], "unused_columns": [], "rows_read": 0,
            "rows_skipped": 0, "skipped": [], "records": {}, "notes": []}


def _columns_text(cols: list[dict[str, Any]]) -> str:
    return "; ".join(f"{c['sheet_column']}「{c['header']}」→ {c['column']}"
                     + (f" ({', '.join(c['properties'])})" if c.get("properties") else "") for c in cols)


def report_frame(entries: Iterable[dict[str, Any]]) -> pd.DataFrame:
    """The report as a table, one row per entry, nested parts as text (``REPORT_COLUMNS``)."""
    rows = []
    for e in entries:
        skipped = "; ".join(f"{s['row']}: {s['reason']}" + (f" 「{s['text']}」" if s.get("text") else "")
                            for s in e["skipped"])
        rows.append({
            "file": e["file"], "sheet": e["sheet"], "status": e["status"], "layout": e["layout"],
            "matched_by": e["matched_by"],
            "header_rows": ",".join(str(r) for r in e["header_rows"]),
            "columns": _columns_text(e["columns"]),
            "unused_columns": "; ".join(f"{c['sheet_column']}「{c['header']}」" for c in e["unused_columns"]),
            "rows_read": int(e["rows_read"]), "rows_skipped": int(e["rows_skipped"]), "skipped": skipped,
            "records": "; ".join(f"{k} {v}" for k, v in e["records"].items()),
            "notes": "; ".join(e["notes"]),
        })
    df = pd.DataFrame(rows, columns=REPORT_COLUMNS)
    for c in ("rows_read", "rows_skipped"):
        df[c] = df[c].astype("int64")
    return df


def _reasons(e: dict[str, Any]) -> str:
    counts: dict[str, int] = {}
    for s in e["skipped"]:
        counts[s["reason"]] = counts.get(s["reason"], 0) + 1
    return "，".join(f"{k} {v}" for k, v in counts.items())


def report_to_text(entries: Iterable[dict[str, Any]], *, limit: int = 60) -> str:
    """A compact terminal rendering: one or two lines per sheet.

    >>> e = new_entry("名册.csv", "", status="loaded")
    >>> e.update(layout="roster", layout_label="党组织名册", header_rows=[1], rows_read=3, records={"Organization": 3})
    >>> print(report_to_text([e]))
    读取情况 how each sheet was read:
      名册.csv → 党组织名册 roster，表头第 1 行 header row 1，读 3 行 rows，跳过 0，生成 made: Organization 3
    """
    entries = list(entries)
    lines = ["读取情况 how each sheet was read:"]
    for e in entries[:limit]:
        where = e["file"] + (f" [{e['sheet']}]" if e["sheet"] else "")
        if e["status"] != "loaded":
            zh, en = STATUS.get(e["status"], (e["status"], e["status"]))
            note = f"（{e['notes'][0]}）" if e["notes"] else ""
            lines.append(f"  {where}: {zh} / {en}{note}")
            continue
        hdr = "、".join(str(r) for r in e["header_rows"])
        made = ", ".join(f"{k} {v}" for k, v in e["records"].items()) or "0"
        skip = f"跳过 {e['rows_skipped']}" + (f"（{_reasons(e)}）" if e["skipped"] else "")
        lines.append(f"  {where} → {e['layout_label']} {e['layout']}，表头第 {hdr} 行 header row {hdr}，"
                     f"读 {e['rows_read']} 行 rows，{skip}，生成 made: {made}")
        if e["unused_columns"]:
            unused = "、".join(c["header"] for c in e["unused_columns"][:8])
            more = f" 等 {len(e['unused_columns'])} 列" if len(e["unused_columns"]) > 8 else ""
            lines.append(f"      未使用的列 columns not read: {unused}{more}")
        for n in e["notes"][:3]:
            lines.append(f"      注 note: {n}")
    if len(entries) > limit:
        lines.append(f"  … 另有 {len(entries) - limit} 个工作表 / {len(entries) - limit} more sheets (read_report.csv)")
    return "\n".join(lines)


def write_report(entries: list[dict[str, Any]], folder: Path) -> None:
    """Write ``read_report.json`` (every detail) and ``read_report.csv`` (one row per sheet) into ``folder``.

    ``folder`` is a temporary folder being assembled (``graphkit.store.io.atomic_dir``).
    """
    (folder / "read_report.json").write_text(json.dumps(entries, ensure_ascii=False, indent=1, default=str) + "\n",
                                             encoding="utf-8")
    from .text import excel_safe

    report_frame(entries).map(excel_safe).to_csv(folder / "read_report.csv", index=False, encoding="utf-8-sig")
