"""The problem table: every failure found while loading, in one place (in the manner of pandera).

A user fixes a spreadsheet in one pass: each row names the file, sheet, row and column, the
offending value, the rule it broke and a message in Chinese and English.

Examples
--------
>>> p = Problems()
>>> p.add(file="名册.xlsx", sheet="Sheet1", row=5, column="分类定级", value="四类",
...       rule="unknown_code", zh="未知的分类定级", en="unknown category")
>>> p.frame()[["file", "row", "rule"]].to_dict("records")
[{'file': '名册.xlsx', 'row': 5, 'rule': 'unknown_code'}]
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import pandas as pd

__all__ = ["Problems", "PROBLEM_COLUMNS", "RULES", "problems_to_text", "write_problems", "excel_safe", "excel_unsafe"]

PROBLEM_COLUMNS = ["severity", "file", "sheet", "row", "column", "value", "rule", "message_zh", "message_en"]

#: Every rule a problem can name, with its Chinese and English title.
RULES: dict[str, tuple[str, str]] = {
    "unreadable_file": ("文件无法读取", "file cannot be read"),
    "file_too_large": ("文件过大", "file too large"),
    "wrong_format": ("文件格式与扩展名不符", "content does not match the file extension"),
    "encoding": ("文件编码错误", "text encoding error"),
    "unrecognized_sheet": ("无法识别的工作表", "sheet matches no ledger layout"),
    "hidden_sheet": ("隐藏工作表已跳过", "hidden sheet skipped"),
    "empty_sheet": ("空工作表", "empty sheet"),
    "missing_column": ("缺少必需列", "required column missing"),
    "duplicate_column": ("列名重复", "duplicate column"),
    "required": ("必填项为空", "required value missing"),
    "bad_date": ("日期无法识别", "date not understood"),
    "bad_integer": ("不是整数", "not a whole number"),
    "bad_boolean": ("不是是/否", "not yes/no"),
    "unknown_code": ("取值不在代码表中", "value not in code list"),
    "out_of_range": ("数值超出范围", "number out of range"),
    "too_long": ("文本过长", "text too long"),
    "formula_error": ("公式错误值", "formula error value"),
    "formula_uncalculated": ("公式没有计算结果", "formula has no calculated value"),
    "unresolved_ref": ("引用的名称找不到", "referenced name not found"),
    "ambiguous_ref": ("引用的名称有歧义", "referenced name is ambiguous"),
    "duplicate_id": ("重复记录", "duplicate record"),
    "conflicting_values": ("同一记录取值冲突", "conflicting values for one record"),
    "interval_order": ("结束早于开始", "end before start"),
    "self_reference": ("自己与自己结对", "a record refers to itself"),
    "cycle": ("隶属关系成环", "cycle in parent chain"),
    "dangling_ref": ("引用的记录不存在", "referenced record missing"),
    "graphkit_output": ("graphkit 的输出，不作为台账读取", "graphkit's own output, not read as a ledger"),
}


@dataclass
class Problems:
    """A collector of problems. ``add`` one, ``extend`` many, ``frame()`` to get the table."""

    rows: list[dict[str, Any]] = field(default_factory=list)

    def add(self, *, file: str = "", sheet: str = "", row: int | None = None, column: str = "",
            value: Any = "", rule: str, zh: str = "", en: str = "", severity: str = "error") -> None:
        """Record one problem. ``zh``/``en`` add detail to the rule's title."""
        if rule not in RULES:
            raise KeyError(f"unknown problem rule {rule!r}")
        tzh, ten = RULES[rule]
        self.rows.append({
            "severity": severity, "file": file, "sheet": sheet, "row": row, "column": column,
            "value": "" if value is None else _short(value), "rule": rule,
            "message_zh": f"{tzh}：{zh}" if zh else tzh, "message_en": f"{ten}: {en}" if en else ten,
        })

    def extend(self, rows: Iterable[dict[str, Any]]) -> None:
        """Append already-built problem rows (dicts with PROBLEM_COLUMNS)."""
        self.rows.extend(rows)

    @property
    def errors(self) -> int:
        """Number of problems with severity ``error``."""
        return sum(1 for r in self.rows if r["severity"] == "error")

    def __len__(self) -> int:
        return len(self.rows)

    def frame(self) -> pd.DataFrame:
        """The problems as a sorted table with PROBLEM_COLUMNS."""
        df = pd.DataFrame(self.rows, columns=PROBLEM_COLUMNS)
        df["row"] = df["row"].astype("Int64")
        if len(df):
            df = df.sort_values(["severity", "file", "sheet", "row", "column", "rule"], kind="stable",
                                na_position="first").reset_index(drop=True)
        return df


def _short(value: Any, limit: int = 120) -> str:
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def problems_to_text(df: pd.DataFrame, *, limit: int = 30) -> str:
    """Render a problem table for a terminal: one line per problem, most important first."""
    lines = []
    for r in df.head(limit).itertuples(index=False):
        where = r.file + (f" [{r.sheet}]" if r.sheet else "") + (f" 第{r.row}行 row {r.row}" if pd.notna(r.row) else "")
        col = f" 列 column「{r.column}」" if r.column else ""
        val = f" 值 value「{r.value}」" if r.value != "" else ""
        lines.append(f"  [{r.severity}] {where}{col}{val}: {r.message_zh} / {r.message_en}")
    if len(df) > limit:
        lines.append(f"  … 另有 {len(df) - limit} 个问题 / {len(df) - limit} more")
    return "\n".join(lines)


# Spreadsheet programs run cell text that starts with = + - @ (or a tab / carriage return) as a
# formula ("CSV injection"): a ledger value such as =HYPERLINK("http://…") echoed in the problem
# table would become a live link. Problem tables are written so that such text stays text.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _needs_quote(text: str) -> bool:
    if text[:1] == "'":
        return _needs_quote(text[1:])
    if not text.startswith(_FORMULA_START):
        return False
    try:
        float(text)
        return False  # a plain number such as -5 is harmless
    except ValueError:
        return True


def excel_safe(text: Any) -> Any:
    """Prefix ``'`` to text a spreadsheet would run as a formula (reversed by ``excel_unsafe``).

    >>> excel_safe('=HYPERLINK("http://x")'), excel_safe("-5"), excel_safe("青泥洞村党支部")
    ('\\'=HYPERLINK("http://x")', '-5', '青泥洞村党支部')
    >>> excel_unsafe(excel_safe("'=1+1")) == "'=1+1"
    True
    """
    return "'" + text if isinstance(text, str) and _needs_quote(text) else text


def excel_unsafe(text: Any) -> Any:
    """Undo ``excel_safe``."""
    return text[1:] if isinstance(text, str) and text[:1] == "'" and _needs_quote(text[1:]) else text


def write_problems(problems: pd.DataFrame, path: str | Path) -> Path:
    """Write a problem table to ``.xlsx`` or ``.csv`` (UTF-8 with BOM, for Excel), atomically.

    Cell text that a spreadsheet would run as a formula stays text: in ``.xlsx`` it is written as
    a string cell; in ``.csv`` it gets a leading ``'``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = Problems()
    >>> p.add(file="名册.csv", row=3, column="上级党组织", value='=HYPERLINK("http://x","修正")',
    ...       rule="unresolved_ref")
    >>> out = write_problems(p.frame(), pathlib.Path(tempfile.mkdtemp()) / "problems.xlsx")
    >>> out.name
    'problems.xlsx'
    """
    from .io import atomic_file

    path = Path(path)
    if path.suffix.lower() == ".xlsx":
        import io as _io

        buf = _io.BytesIO()
        options = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
        with pd.ExcelWriter(buf, engine="xlsxwriter", engine_kwargs={"options": options}) as xw:
            problems.to_excel(xw, index=False, sheet_name="problems")
        with atomic_file(path, "wb") as fh:
            fh.write(buf.getvalue())
    else:
        with atomic_file(path, "w", encoding="utf-8-sig") as fh:
            problems.map(excel_safe).to_csv(fh, index=False)
    return path
