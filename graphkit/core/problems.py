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
from typing import Any
from collections.abc import Iterable

import pandas as pd

from .text import excel_safe, excel_unsafe

__all__ = ["Problems", "PROBLEM_COLUMNS", "PROBLEM_COLUMNS_ZH", "SEVERITY_ZH", "RULES", "problems_to_text",
           "problems_for_people", "write_problems", "excel_safe", "excel_unsafe", "clip", "excel_safe_frame"]

PROBLEM_COLUMNS = ["severity", "file", "sheet", "row", "column", "value", "rule", "message_zh", "message_en"]

#: Headers of the problem table in ``.xlsx`` (read by people). The ``.csv`` keeps PROBLEM_COLUMNS and
#: the codes: ``build --lenient`` writes it for scripts and re-checks, which match on ``rule``.
PROBLEM_COLUMNS_ZH = {"severity": "严重程度", "file": "文件", "sheet": "工作表", "row": "行号", "column": "列",
                      "value": "单元格内容", "rule": "问题类型", "message_zh": "说明", "message_en": "说明（英文）",
                      "rule_code": "规则代码"}
SEVERITY_ZH = {"error": "错误", "warning": "警告"}

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
    "bidi_control": ("含有双向控制字符（已删除）", "bidirectional control characters (removed)"),
    "unresolved_ref": ("引用的名称找不到", "referenced name not found"),
    "ambiguous_ref": ("引用的名称有歧义", "referenced name is ambiguous"),
    "unknown_county": ("引用的县不在本省", "the county named is not in the province"),
    "duplicate_id": ("重复记录", "duplicate record"),
    "conflicting_values": ("同一记录取值冲突", "conflicting values for one record"),
    "interval_order": ("结束早于开始", "end before start"),
    "self_reference": ("自己与自己结对", "a record refers to itself"),
    "cycle": ("隶属关系成环", "cycle in parent chain"),
    "dangling_ref": ("引用的记录不存在", "referenced record missing"),
    "no_data_rows": ("只有表头没有数据", "header but no data rows"),
    "unclaimed_file": ("没有台账格式认领此文件", "no ledger layout claims the file"),
    "ambiguous_date": ("日期可能有歧义", "date may be ambiguous"),
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


def clip(value: Any, limit: int = 80) -> str:
    """A value as messages quote it: whole up to ``limit`` characters, else its start and its length.

    Every message and problem row that quotes a ledger value goes through this, so a 66 KB
    name is not echoed whole into a terminal, a log or the problem table.

    Examples
    --------
    >>> clip("青泥洞村党支部")
    '青泥洞村党支部'
    >>> clip("红" * 100, 4)
    '红红红红…(共 100 字 / 100 chars)'
    """
    text = str(value)
    return text if len(text) <= limit else f"{text[:limit]}…(共 {len(text)} 字 / {len(text)} chars)"


_short = clip


def problems_to_text(df: pd.DataFrame, *, limit: int = 30) -> str:
    """Render a problem table for a terminal: one line per problem, most important first."""
    lines = []
    for r in df.head(limit).itertuples(index=False):
        where = r.file + (f" [{r.sheet}]" if r.sheet else "") + (f" 第{r.row}行 row {r.row}" if pd.notna(r.row) else "")
        col = f" 列 column「{r.column}」" if r.column else ""
        val = f" 值 value「{r.value}」" if r.value != "" else ""
        lines.append(f"  [{SEVERITY_ZH.get(r.severity, r.severity)} {r.severity}] {where}{col}{val}: {r.message_zh} / {r.message_en}")
    if len(df) > limit:
        lines.append(f"  … 另有 {len(df) - limit} 个问题 / {len(df) - limit} more")
    return "\n".join(lines)


def excel_safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of a table for a spreadsheet: ``excel_safe`` on every text cell; numbers, dates and blanks unchanged.

    Every file graphkit writes for Excel (analysis CSVs, query and SPARQL results, the report
    workbook, problem tables) goes through this one function. Only columns that hold objects are
    touched, so ``-3`` in a numeric column stays the number -3, and the text ``-3`` stays ``-3``.

    Examples
    --------
    >>> df = pd.DataFrame({"name": ["=1+1", "青泥洞村", "-3"], "n": [-3, 4, 5]})
    >>> excel_safe_frame(df).to_dict("list")
    {'name': ["'=1+1", '青泥洞村', '-3'], 'n': [-3, 4, 5]}
    """
    out = df.copy(deep=False)
    for i, dtype in enumerate(df.dtypes):
        if pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype):
            out.isetitem(i, df.iloc[:, i].map(excel_safe))
    return out


def problems_for_people(problems: pd.DataFrame) -> pd.DataFrame:
    """The problem table with Chinese headers, 错误/警告 and rule titles; the rule code kept last.

    >>> p = Problems()
    >>> p.add(file="名册.csv", row=3, column="成立日期", value="2024-13-01", rule="bad_date")
    >>> problems_for_people(p.frame()).iloc[0][["严重程度", "问题类型", "规则代码"]].tolist()
    ['错误', '日期无法识别', 'bad_date']
    """
    out = problems.copy()
    out["rule_code"] = out["rule"]
    out["severity"] = out["severity"].map(lambda v: SEVERITY_ZH.get(v, v))
    out["rule"] = out["rule"].map(lambda v: RULES[v][0] if v in RULES else v)
    return out.rename(columns=PROBLEM_COLUMNS_ZH)


def write_problems(problems: pd.DataFrame, path: str | Path, *, read_report: list[dict[str, Any]] | None = None,
                   command: str = "validate", force: bool = False) -> Path:
    """Write a problem table to ``.xlsx`` or ``.csv`` (UTF-8 with BOM, for Excel), atomically.

    With ``read_report`` (``Graph.read_report``) a workbook gets a second sheet, 读取情况, saying
    how each sheet was read.

    Cell text that a spreadsheet would run as a formula stays text: in ``.xlsx`` it is written as
    a string cell; in ``.csv`` it gets a leading ``'``. The ``.xlsx`` is for people
    (:func:`problems_for_people`: Chinese headers, 错误/警告); the ``.csv`` keeps the English column
    names and codes for scripts.

    An existing ``path`` is replaced only if graphkit wrote it (``graphkit.store.io.check_replace``,
    kind ``problems``: the workbook is signed in its document properties, the CSV is recorded in
    the folder's ``.graphkit-files.json``); ``force`` replaces any file. ``command`` is noted.

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
    from .files import atomic_file, output_signature

    path = Path(path)
    if path.suffix.lower() == ".xlsx":
        import io as _io

        buf = _io.BytesIO()
        options = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
        with pd.ExcelWriter(buf, engine="xlsxwriter", engine_kwargs={"options": options}) as xw:
            xw.book.set_properties({"comments": output_signature("problems", command)})
            problems_for_people(problems).to_excel(xw, index=False, sheet_name="问题清单")
            if read_report:
                from .read_report import report_frame

                report_frame(read_report).to_excel(xw, index=False, sheet_name="读取情况")
        with atomic_file(path, "wb", kind="problems", force=force, command=command) as fh:
            fh.write(buf.getvalue())
    else:
        with atomic_file(path, "w", encoding="utf-8-sig", kind="problems", force=force, command=command) as fh:
            excel_safe_frame(problems).to_csv(fh, index=False)
    return path
