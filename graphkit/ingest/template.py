"""Blank ledger templates (.xlsx) for every ledger layout, so a county starts from a form graphkit reads.

``write_templates(out)`` writes one workbook per layout (``loaders/*.yaml`` and any extra
mapping): a data sheet whose first row holds the layout's Chinese headers, drop-down lists
(data validation) on code columns with the labels people write (never raw codes), yes/no lists,
whole-number and date checks, date formats, a note on each header; and a 填表说明 sheet with
what each column means, whether it is required, its allowed values and a fictional example
(marked 示例). A ``graphkit.yaml`` beside them tells graphkit which layout and sheet each file
is, so that the filled-in folder builds as it is.

Examples
--------
>>> import tempfile, pathlib
>>> out = write_templates(pathlib.Path(tempfile.mkdtemp()) / "templates")
>>> sorted(p.name for p in out.glob("*.xlsx"))[:3]
['两新组织名册.xlsx', '产业链环节表.xlsx', '党组织名册.xlsx']
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from collections.abc import Iterable

import yaml

from ._layout_info import ColumnInfo, column_info
from ..core.errors import OutputError
from ..core.mapping import Mapping, load_mappings
from ..core.schema import Model, load_schema

__all__ = ["write_templates", "template_name", "GUIDE_SHEET", "EXAMPLE_HEADER"]

#: the name of the sheet that explains a template
GUIDE_SHEET = "填表说明"
#: the header of the guide's example column
EXAMPLE_HEADER = "示例（虚构）example (fictional)"
#: data rows that carry drop-downs and checks (Excel rows 2 .. 1 + this)
_ROWS = 5000
#: the first row of the guide's column table (0-based): title, notes, blank, table header
_GUIDE_TABLE = 4
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")

# Fictional example values (示例) for the built-in layouts: invented names only.
_EXAMPLES: dict[tuple[str, str], Any] = {
    ("roster", "name"): "示例镇示例村党支部", ("roster", "form"): "党支部", ("roster", "sector"): "农村",
    ("roster", "level"): "村", ("roster", "town"): "示例镇", ("roster", "village"): "示例村",
    ("roster", "parent"): "示例镇党委", ("roster", "host_unit"): "", ("roster", "members"): 25,
    ("roster", "category"): "一类", ("roster", "category_year"): 2024, ("roster", "weak_lax"): "否",
    ("roster", "first_secretary"): "张示例",
    ("pairing", "strong"): "示例镇示例村党支部", ("pairing", "weak"): "示例镇样板村党支部",
    ("pairing", "form"): "强村带弱村", ("pairing", "start"): dt.date(2024, 3, 1), ("pairing", "end"): "",
    ("district", "district"): "示例第一片区", ("district", "org"): "示例县示例局党支部", ("district", "role"): "牵头单位",
    ("district", "host_month"): "3月", ("district", "guide"): "李示例", ("district", "start"): dt.date(2024, 1, 1),
    ("district", "end"): "",
    ("joint_village", "group"): "示例镇联村党委", ("joint_village", "town"): "示例镇",
    ("joint_village", "org"): "示例镇示例村党支部", ("joint_village", "role"): "成员单位",
    ("joint_village", "start"): dt.date(2024, 1, 1), ("joint_village", "end"): "",
    ("chain", "group"): "示例茶产业链党委", ("chain", "chain"): "示例茶产业链", ("chain", "org"): "示例镇示例村党支部",
    ("chain", "role"): "成员单位", ("chain", "stage"): "种植", ("chain", "start"): dt.date(2024, 1, 1), ("chain", "end"): "",
    ("chain_stages", "chain"): "示例茶产业链", ("chain_stages", "order"): 1, ("chain_stages", "stage"): "种植",
    ("activities", "code"): "HD-2024-001", ("activities", "date"): dt.date(2024, 5, 20),
    ("activities", "title"): "示例片区主题党日", ("activities", "type"): "主题党日",
    ("activities", "host"): "示例县示例局党支部", ("activities", "participants"): "示例镇示例村党支部、示例镇样板村党支部",
    ("activities", "group"): "示例第一片区",
    ("places", "town"): "示例镇", ("places", "village"): "示例村", ("places", "kind"): "行政村",
    ("ratings", "org"): "示例镇示例村党支部", ("ratings", "year"): 2024, ("ratings", "category"): "一类",
    ("ratings", "weak_lax"): "否",
    ("units", "name"): "示例茶业有限公司", ("units", "kind"): "非公企业", ("units", "town"): "示例镇",
    ("units", "has_party_org"): "是", ("units", "party_org"): "示例茶业有限公司党支部",
    ("units", "linked_org"): "示例镇党委", ("units", "instructor"): "王示例", ("units", "employees"): 60,
}

_KIND_TEXT = {
    "code": ("从下拉列表中选择", "pick from the drop-down list"),
    "boolean": ("填“是”或“否”", "是 (yes) or 否 (no)"),
    "date": ("日期，如 2024-03-01（也可写 2024年3月）", "a date such as 2024-03-01 (2024年3月 is read too)"),
    "integer": ("整数", "a whole number"),
    "month": ("月份，1月–12月", "a month, 1月–12月"),
    "ref": ("名称，须与{target}中的名称一致", "a name, as written in the {target_en}"),
    "text": ("文本", "text"),
}


@dataclass(frozen=True)
class _Column:
    info: ColumnInfo
    values: tuple[str, ...]  # drop-down labels ("" for none)
    rule_zh: str
    rule_en: str
    meaning_zh: str
    meaning_en: str
    example: Any


def template_name(mapping: Mapping) -> str:
    """The file stem and sheet name of a layout's template: its Chinese label, made safe for a sheet name.

    >>> from graphkit.core.mapping import load_mappings
    >>> template_name(load_mappings()["pairing"])
    '结对共建台账'
    """
    name = _BAD_SHEET_CHARS.sub("_", mapping.label.get("zh") or mapping.id).strip("' ")
    return (name or mapping.id)[:31]


def _lookup_target(model: Model, maps: dict[str, Mapping], type_name: str) -> tuple[str, str]:
    """Where the names a ``ref`` column refers to are written: the layouts that make that type."""
    zh = [template_name(m) for m in maps.values()
          if any(e.type == type_name and not e.uses_lookup_keys() and any(k.column for k in e.keys)
                 for e in m.entities.values())]
    label = model[type_name].label
    return ("、".join(f"《{z}》" for z in zh) or label["zh"]), label["en"]


def _columns(mapping: Mapping, maps: dict[str, Mapping], model: Model) -> list[_Column]:
    out = []
    for info in column_info(mapping, model).values():
        values: tuple[str, ...] = ()
        if info.kind == "code" and info.codelist:
            cl = model.codelists[info.codelist]
            values = tuple(cl.zh(c) for c in cl.codes)
        elif info.kind == "boolean":
            values = ("是", "否")
        elif info.kind == "month":
            values = tuple(f"{i}月" for i in range(1, 13))
        rule_zh, rule_en = _KIND_TEXT[info.kind]
        if info.kind == "ref":
            tzh, ten = _lookup_target(model, maps, info.lookup or "")
            rule_zh, rule_en = rule_zh.format(target=tzh), rule_en.format(target_en=ten + " ledger")
        if info.kind == "integer" and info.prop is not None and info.prop.min is not None:
            rule_zh += f"（{info.prop.min:g}–{info.prop.max:g}）"
            rule_en += f" ({info.prop.min:g}–{info.prop.max:g})"
        if values:
            rule_zh += "：" + "、".join(values)
            rule_en += ": " + ", ".join(values)
        if info.split:
            shown = "、".join(s for s in info.split if not s.isspace())
            rule_zh += f"；一格可填多个，用 {shown} 或换行分隔"
            rule_en += f"; several in one cell, separated by {shown} or a new line"
        if info.prop is not None:
            owner = info.targets[0].split(".")[0]
            meaning_zh = f"{model[owner].label['zh']}的{info.prop.label['zh']}"
            meaning_en = f"{info.prop.label['en']} of the {model[owner].label['en'].lower()}"
        else:
            meaning_zh, meaning_en = info.header, info.name.replace("_", " ")
        example = _EXAMPLES.get((mapping.id, info.name), _generic_example(info, values))
        out.append(_Column(info, values, rule_zh, rule_en, meaning_zh, meaning_en, example))
    return out


def _generic_example(info: ColumnInfo, values: tuple[str, ...]) -> Any:
    """An example for a column of a county's own layout (no hand-written example)."""
    if values:
        return values[0]
    if info.kind == "date":
        return dt.date(2024, 3, 1)
    if info.kind == "integer":
        lo = info.prop.min if info.prop is not None and info.prop.min is not None else 1
        return int(max(lo, 1))
    return f"示例{info.header}"


def _col_letter(i: int) -> str:
    from xlsxwriter.utility import xl_col_to_name

    return xl_col_to_name(i)


def _write_workbook(path: Path, mapping: Mapping, columns: list[_Column]) -> None:
    import xlsxwriter

    name = template_name(mapping)
    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False,
                                         "strings_to_numbers": False})
    try:
        data = wb.add_worksheet(name)
        guide = wb.add_worksheet(GUIDE_SHEET)
        head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "valign": "vcenter"})
        head_req = wb.add_format({"bold": True, "bg_color": "#FCE4D6", "font_color": "#C00000", "border": 1,
                                  "text_wrap": True, "valign": "vcenter"})
        date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
        text_fmt = wb.add_format({"num_format": "@"})
        wrap = wb.add_format({"text_wrap": True, "valign": "top"})
        title = wb.add_format({"bold": True, "font_size": 14})
        example_fmt = wb.add_format({"italic": True, "font_color": "#7F7F7F", "text_wrap": True, "valign": "top"})
        example_date = wb.add_format({"italic": True, "font_color": "#7F7F7F", "num_format": "yyyy-mm-dd",
                                      "valign": "top"})
        # ---- the data sheet: headers, formats, drop-downs and checks
        data.freeze_panes(1, 0)
        data.set_row(0, 30)
        lists_col = 8  # long drop-down lists go to the guide sheet from column I on
        for j, col in enumerate(columns):
            info = col.info
            fmt = date_fmt if info.kind == "date" else text_fmt if info.kind in ("text", "ref", "code") else None
            data.set_column(j, j, max(12, min(40, 2.2 * len(info.header) + 4)), fmt)
            data.write_string(0, j, info.header, head_req if info.required else head)
            data.write_comment(0, j, f"{col.meaning_zh}；{'必填' if info.required else '选填'}；{col.rule_zh}\n"
                                     f"{col.meaning_en}; {'required' if info.required else 'optional'}; {col.rule_en}",
                               {"x_scale": 2.5, "y_scale": 2.5})
            if col.values:
                source: Any = list(col.values)
                if len(",".join(col.values)) + 2 > 255:  # Excel's limit for a list typed into the rule
                    for i, v in enumerate(col.values):
                        guide.write_string(_GUIDE_TABLE + 1 + i, lists_col, v)
                    guide.write_string(_GUIDE_TABLE, lists_col, f"「{info.header}」可选值 values")
                    letter = _col_letter(lists_col)
                    source = (f"='{GUIDE_SHEET}'!${letter}${_GUIDE_TABLE + 2}:"
                              f"${letter}${_GUIDE_TABLE + 1 + len(col.values)}")
                    lists_col += 1
                data.data_validation(1, j, _ROWS, j, {
                    "validate": "list", "source": source, "error_type": "stop" if info.kind == "code" else "warning",
                    "input_title": info.header[:32], "input_message": "请从列表选择 / pick from the list",
                    "error_title": "取值不在列表中"[:32],
                    "error_message": f"「{info.header}」请从下拉列表选择 / pick a value from the list"[:255]})
            elif info.kind == "date":
                data.data_validation(1, j, _ROWS, j, {
                    "validate": "date", "criteria": "between", "minimum": dt.date(1949, 10, 1),
                    "maximum": dt.date(2100, 12, 31), "error_type": "warning",
                    "input_title": info.header[:32], "input_message": "日期，如 2024-03-01 / a date such as 2024-03-01",
                    "error_title": "日期无法识别",
                    "error_message": f"「{info.header}」应为日期，如 2024-03-01 / should be a date such as 2024-03-01"})
            elif info.kind == "integer":
                lo = info.prop.min if info.prop is not None and info.prop.min is not None else -2**31
                hi = info.prop.max if info.prop is not None and info.prop.max is not None else 2**31 - 1
                data.data_validation(1, j, _ROWS, j, {
                    "validate": "integer", "criteria": "between", "minimum": int(lo), "maximum": int(hi),
                    "error_type": "stop", "error_title": "不是整数",
                    "error_message": f"「{info.header}」应为 {lo:g}–{hi:g} 之间的整数 / a whole number "
                                     f"from {lo:g} to {hi:g}"[:255]})
        # ---- the guide sheet (headers are quoted 「…」 so that this sheet is never read as a ledger)
        guide.write_string(0, 0, f"填表说明 / How to fill in — {name} {mapping.label.get('en', mapping.id)}", title)
        guide.write_string(1, 0, f"在工作表「{name}」中填写：第 1 行是表头，请勿改动；从第 2 行起每行一条记录；红色表头为必填；"
                                 f"有下拉列表的列请从列表中选择。下表的示例是虚构的，仅作参考。/ Fill in the sheet "
                                 f"{name!r}: row 1 holds the headers, do not change them; one record per row from row 2; "
                                 f"red headers are required; pick values from the drop-down lists. The examples below "
                                 f"are fictional.", wrap)
        guide.set_row(1, 45)
        for j, text in enumerate(["列 column", "表头 header", "含义 meaning", "必填 required", "填写要求 allowed values",
                                  EXAMPLE_HEADER]):
            guide.write_string(_GUIDE_TABLE - 1, j, text, head)
        guide.set_column(0, 0, 8)
        guide.set_column(1, 1, 20)
        guide.set_column(2, 2, 36)
        guide.set_column(3, 3, 12)
        guide.set_column(4, 4, 60)
        guide.set_column(5, 5, 30)
        for i, col in enumerate(columns):
            r = _GUIDE_TABLE + i
            guide.write_string(r, 0, _col_letter(i), wrap)
            guide.write_string(r, 1, f"「{col.info.header}」", wrap)
            guide.write_string(r, 2, f"{col.meaning_zh}\n{col.meaning_en}", wrap)
            guide.write_string(r, 3, "必填 required" if col.info.required else "选填 optional", wrap)
            guide.write_string(r, 4, f"{col.rule_zh}\n{col.rule_en}", wrap)
            ex = col.example
            if isinstance(ex, dt.date):
                guide.write_datetime(r, 5, dt.datetime(ex.year, ex.month, ex.day), example_date)
            elif isinstance(ex, (int, float)) and not isinstance(ex, bool):
                guide.write_number(r, 5, ex, example_fmt)
            elif ex not in ("", None):
                guide.write_string(r, 5, f"示例：{ex}", example_fmt)
        data.activate()
    finally:
        wb.close()


def write_templates(out: str | Path, *, mappings: Iterable[str | Path] = (), layouts: Iterable[str] = (),
                    county: str | None = None, model: Model | None = None) -> Path:
    """Write a blank .xlsx template for every ledger layout into the new folder ``out``.

    Parameters
    ----------
    out
        The folder to create. It must not exist yet, or be empty (filled-in templates are never
        overwritten).
    mappings
        Extra mapping files or folders (a county's own layouts get templates too).
    layouts
        Only these layout ids (default: all).
    county
        The county's name for the folder's ``graphkit.yaml`` (default: a commented placeholder).
    model
        The schema (default: ``schema/``).

    Returns
    -------
    Path
        The folder: one ``<label>.xlsx`` per layout and a ``graphkit.yaml`` naming each file's
        layout and data sheet.

    Raises
    ------
    OutputError
        ``out`` exists and is not an empty folder, or an unknown layout id is asked for.
    """
    from ..core.files import atomic_dir

    model = model or load_schema()
    maps = load_mappings(mappings, model=model)
    wanted = list(layouts)
    unknown = [w for w in wanted if w not in maps]
    if unknown:
        raise OutputError(f"未知的台账格式 {unknown}（可用：{'、'.join(sorted(maps))}）/ unknown layouts {unknown}; "
                          f"known: {', '.join(sorted(maps))}")
    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise OutputError(f"{out}: 目录已存在且不为空，模板不会覆盖已有文件；请换一个新目录 / the folder exists and is not "
                          f"empty; templates never overwrite files, choose a new folder")
    chosen = [maps[w] for w in wanted] if wanted else sorted(maps.values(), key=lambda m: m.id)
    names: dict[str, str] = {}
    for m in chosen:
        name = template_name(m)
        if name in names.values():
            name = f"{name}_{m.id}"[:31]
        names[m.id] = name
    config: dict[str, Any] = {"files": {f"{names[m.id]}.xlsx": {"mapping": m.id, "sheet": names[m.id]} for m in chosen}}
    with atomic_dir(out) as tmp:
        for m in chosen:
            _write_workbook(tmp / f"{names[m.id]}.xlsx", m, _columns(m, maps, model))
        county_line = (yaml.safe_dump({"county": county}, allow_unicode=True) if county else
                       "# 填写本县名称后取消注释 / uncomment and give your county's name:\n# county: 某某县\n")
        text = ("# graphkit 台账模板 / ledger templates (graphkit template)\n" + county_line +
                "# 每个文件使用的台账格式与数据工作表（填表说明工作表不导入）/ each file's layout and data sheet "
                "(the 填表说明 sheet is not read)\n"
                + yaml.safe_dump(config, allow_unicode=True, sort_keys=False, default_flow_style=False))
        (tmp / "graphkit.yaml").write_text(text, encoding="utf-8")
    return out
