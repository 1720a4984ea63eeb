"""One sheet of a ledger: which layout it follows, its header and body rows, and how it was read.

Header detection (:func:`_detect_header`, :func:`_choose_mapping`), total and footer rows
(:func:`_footer_rows`), row filters, unpivoted columns (:func:`_unpivot`), blank and formula-error
cells, and the read report's entry for the sheet (:func:`_report_columns`, :func:`_check_absent`,
:func:`_report_bidi`); :func:`_map_sheet` runs them and hands the body to
:class:`graphkit.ingest._load_mapper._SheetMapper`. Part of :mod:`graphkit.ingest.load`.
"""
from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

import numpy as np
import pandas as pd

from ..core.read_report import column_letter, new_entry
from ._read import RawSheet
from ._load_vec import blank_mask, factorize, take
from ..core.text import BIDI_CHARS, clean_text, has_bidi, match_key
from ..core.values import EXCEL_ERRORS, is_blank
from ..core.errors import GraphkitError
from ..core.mapping import Mapping
from ._load_config import _HEADER_SCAN, CONFIG_FILE, _Context
from ._load_mapper import _header_text, _SheetMapper, _Staged


def _any_nonblank(cells: pd.DataFrame) -> bool:
    """Whether any cell holds something (stops at the first one)."""
    for c in cells.columns:
        for v in cells[c].tolist():
            if not is_blank(v):
                return True
    return False


def _detect_header(cells: pd.DataFrame, mapping: Mapping) -> tuple[int, dict[str, list[int]]] | None:
    """Find the header row: the row (of the first 30) whose cells match most of the mapping's columns.

    A header split over two rows (a merged group cell above) is matched by joining the two.
    Returns (row index, logical column -> matching column indexes).
    """
    best: tuple[int, int, dict[str, list[int]]] | None = None
    alias = {k: c.name for c in mapping.columns.values() for k in c.keys}
    n = min(len(cells), _HEADER_SCAN)
    prev: list[str | None] = []
    for i in range(n):
        row = [clean_text(v) if not is_blank(v) else None for v in cells.iloc[i].tolist()]
        # forward-fill the row above (group headers span several columns)
        above: list[str | None] = []
        last = None
        for v in prev:
            last = v if v is not None else last
            above.append(last)
        found: dict[str, list[int]] = defaultdict(list)
        for j, v in enumerate(row):
            variants = [v] if v else []
            a = above[j] if j < len(above) else None
            if a:
                variants += [a + (v or ""), f"{a}({v})" if v else a]
            for var in variants:
                name = alias.get(match_key(var) or "")
                if name:
                    found[name].append(j)
                    break
        score = len(found)
        if score and (best is None or score > best[1]):
            best = (i, score, dict(found))
        prev = row
    return None if best is None else (best[0], best[2])


def _choose_mapping(sheet: RawSheet, mappings: dict[str, Mapping], forced: str | None,
                    stem: str) -> tuple[Mapping | None, tuple[int, dict[str, list[int]]] | None, Mapping | None, str,
                                        Mapping | None]:
    """Pick the mapping a sheet follows.

    Returns (mapping, header, best partial candidate, how it was chosen, another layout the
    headers would fit completely). A sheet whose file or sheet name points at a layout that its
    headers fit only partly is not handed to another layout: it is reported as partial.
    """
    sheet_name = sheet.sheet or stem
    if forced:
        cands = [mappings[forced]]
    else:
        cands = [m for m in mappings.values() if m.matches_file(stem) and m.matches_sheet(sheet_name)]
    how = "forced" if forced else "file"
    scored = []
    for m in cands:
        det = _detect_header(sheet.cells, m)
        if det is None:
            continue
        complete = all(c in det[1] for c in m.required_columns)
        scored.append((complete, len(det[1]) / max(1, len(m.columns)), len(det[1]), m, det))
    other: Mapping | None = None
    if not forced and not any(s[0] for s in scored):
        # the file name matched nothing that fits: try every layout by its headers alone
        by_headers = []
        for m in mappings.values():
            if m in cands:
                continue
            det = _detect_header(sheet.cells, m)
            if det and all(c in det[1] for c in m.required_columns) and len(det[1]) >= 2:
                by_headers.append((True, len(det[1]) / max(1, len(m.columns)), len(det[1]), m, det))
        by_headers.sort(key=lambda s: (s[0], s[1], s[2]), reverse=True)
        # a name-matched layout whose required columns are half there or more keeps the sheet
        partly = [s for s in scored if sum(c in s[4][1] for c in s[3].required_columns) * 2
                  >= len(s[3].required_columns) and len(s[4][1]) >= 2]
        if by_headers and partly:
            other = by_headers[0][3]
        elif by_headers:
            scored, how = by_headers, "headers"
    if not scored:
        return None, None, None, how, None
    scored.sort(key=lambda s: (s[0], s[1], s[2]), reverse=True)
    complete, _, _, m, det = scored[0]
    return (m, det, None, how, None) if complete else (None, det, m, how, other)


#: the first text of a row that makes it a total, subtotal or footer row (skipped and reported)
_FOOTER = re.compile(r"^\s*(?:(?P<total>[合小总共]\s*计)|(?P<footer>填\s*表\s*人|填报人|审\s*核\s*人|审核|制\s*表|"
                     r"填报单位|填表单位|联系电话|联系人\s*[：:]|备\s*注\s*[：:]|注\s*[：:]|填表说明|填表日期|报送日期|"
                     r"单位负责人|负责人\s*[：:]))")
_SUBTOTAL = re.compile(r"^.{1,15}(?:小计|合计|总计)\s*[：:]?\s*$")


def _footer_kind(value: Any) -> str | None:
    """'total' or 'footer' if a row's first text marks it so (合计, 中池镇小计, 填表人：…).

    >>> _footer_kind("合 计"), _footer_kind("中池镇小计"), _footer_kind("填表人：张三"), _footer_kind("青泥洞村党支部")
    ('total', 'total', 'footer', None)
    """
    if not isinstance(value, str):
        return None
    m = _FOOTER.match(value)
    if m is not None:
        return "total" if m.group("total") else "footer"
    return "total" if "计" in value and _SUBTOTAL.match(value.strip()) else None  # (小计, 合计, 总计 hold 计)


_SKIP_REASONS = {"total": "合计/小计行 total row", "footer": "表尾 footer", "merged": "整行合并单元格 one merged cell",
                 "blank": "空行 blank", "filter": "筛选 filtered out"}


def _footer_rows(sheet: RawSheet, hrow: int, cols: list[int]) -> dict[int, tuple[str, str]]:
    """Body rows (positions in ``sheet.cells``) that are totals, footers or one merged cell.

    A row's first non-blank cell decides (each column is looked at only for the rows still blank
    so far, and each distinct text is classified once). Returns position -> (kind, text).
    """
    cells = sheet.cells
    out: dict[int, tuple[str, str]] = {}
    pending = np.arange(hrow + 1, len(cells))
    for j in range(cells.shape[1]):
        if not len(pending):
            break
        codes, uniques = factorize(cells.iloc[:, j].to_numpy(dtype=object)[pending])
        ulist = uniques.tolist()
        blank_u = np.append(blank_mask(ulist), True)
        kinds = [_footer_kind(u) for u in ulist]
        filled = ~blank_u[codes]
        for i in np.flatnonzero(filled):
            kind = kinds[codes[i]]
            if kind is not None:
                out[int(pending[i])] = (kind, str(ulist[codes[i]]).strip())
        pending = pending[~filled]
    if sheet.merged and cols:
        lo, hi = min(cols), max(cols)
        for (r0, c0), (r1, c1) in sheet.merged:
            if r0 == r1 and r0 > hrow and c1 > c0 and c0 <= lo and c1 >= hi and r0 not in out:
                out[r0] = ("merged", "" if is_blank(cells.iat[r0, c0]) else str(cells.iat[r0, c0]).strip())
    return out


def _is_number(v: Any) -> bool:
    if isinstance(v, bool):
        return False
    if isinstance(v, (int, float, np.integer, np.floating)):
        return True
    try:
        float(str(v).strip())
        return True
    except ValueError:
        return False


def _filter_hit(flt: Any, v: Any) -> bool:
    """Whether value ``v`` (None: blank) meets the filter's condition."""
    if flt.test == "blank":
        return v is None
    if v is None:
        return flt.test == "not_number"
    if flt.test == "number":
        return _is_number(v)
    if flt.test == "not_number":
        return not _is_number(v)
    text = _header_text(v) or ""
    if flt.values:
        return text in flt.values
    return re.search(flt.pattern, text) is not None


def _unpivot(sheet: RawSheet, mapping: Mapping, hrow: int, colmap: dict[str, int], body_pos: np.ndarray,
             entry: dict[str, Any]) -> tuple[pd.DataFrame, str]:
    """The sheet's rows with each matched column turned into a row of its own (see ``UnpivotSpec``)."""
    u = mapping.unpivot
    assert u is not None
    cells = sheet.cells
    used = set(colmap.values())
    heads = [_header_text(v) for v in cells.iloc[hrow].tolist()]
    above = [_header_text(v) for v in cells.iloc[hrow - 1].tolist()] if hrow > 0 else []
    pcols: list[int] = []
    names: list[str | None] = []
    for j, h in enumerate(heads):
        text = h or (above[j] if j < len(above) else None)
        if j in used or not text or re.search(u.headers, text) is None:
            continue
        if u.extract:
            m = re.search(u.extract, text)
            text = (m.group(1) if m.groups() else m.group(0)) if m else None
        pcols.append(j)
        names.append(text)
    entry["columns"].extend({"sheet_column": column_letter(j), "header": heads[j] or "", "column": f"{u.name}/{u.value}",
                             "properties": ["unpivot"]} for j in pcols)
    pcol_set = set(pcols)
    entry["unused_columns"] = [c for c in entry["unused_columns"] if c["sheet_column"] not in
                               {column_letter(j) for j in pcol_set}]
    k = len(pcols)
    rows = np.repeat(body_pos, k)
    data = {name: cells.iloc[rows, j].astype(object).to_numpy() if len(rows) else np.empty(0, object)
            for name, j in colmap.items()}
    name_arr = np.empty(len(rows), dtype=object)
    if len(rows):
        name_arr[:] = names * len(body_pos)
    data[u.name] = name_arr
    data[u.value] = (cells.to_numpy(dtype=object)[np.ix_(body_pos, np.asarray(pcols, dtype=np.intp))].ravel() if len(rows)
                     else np.empty(0, dtype=object))
    table = pd.DataFrame(data, dtype=object)
    table["__src_row"] = np.asarray(sheet.rownum, dtype=np.int64)[rows] if len(rows) else np.empty(0, np.int64)
    filled = np.fromiter((not is_blank(v) for v in table[u.value].tolist()), dtype=bool, count=len(table))
    table = table[filled].reset_index(drop=True)
    return table, "、".join(h for h in (heads[j] or "" for j in pcols[:3]) if h)


def _uses(mapping: Mapping) -> dict[str, list[str]]:
    """Logical column -> the record properties (entity.property) that read it."""
    out: dict[str, list[str]] = defaultdict(list)
    for ent in mapping.entities.values():
        for pname, spec in ent.properties.items():
            for c in sorted(spec.columns()):
                out[c].append(f"{ent.name}.{pname}")
        for k in ent.keys:
            for c in sorted(k.columns()):
                if f"{ent.name}.id" not in out[c]:
                    out[c].append(f"{ent.name}.id")
        if ent.when is not None:
            for c in sorted(ent.when.columns()):
                out[c].append(f"{ent.name}.when")
        if ent.split:
            out[ent.split[0]].append(f"{ent.name}.split")
    return out


def _map_sheet(ctx: _Context, sheet: RawSheet, mappings: dict[str, Mapping], src_hash: str,
               opts: dict[str, Any], stem: str) -> tuple[list[_Staged], str | None]:
    p = ctx.problems
    entry = new_entry(sheet.file, sheet.sheet, status="loaded")
    ctx.report.append(entry)
    if sheet.hidden:
        entry["status"] = "hidden"
        p.add(file=sheet.file, sheet=sheet.sheet, rule="hidden_sheet", severity="warning",
              zh="隐藏的工作表不导入，如需导入请取消隐藏", en="hidden sheets are not loaded; unhide it to load it")
        return [], None
    if opts.get("sheet") and sheet.sheet and sheet.sheet != opts["sheet"]:
        entry["status"] = "not_selected"
        entry["notes"].append(f"graphkit.yaml 只读取工作表「{opts['sheet']}」/ only sheet {opts['sheet']!r} is read")
        return [], None
    if not (sheet.cells.size and _any_nonblank(sheet.cells)):
        entry["status"] = "empty"
        p.add(file=sheet.file, sheet=sheet.sheet, rule="empty_sheet", severity="warning", zh="工作表没有内容", en="sheet has no cells")
        return [], None
    forced = opts.get("mapping")
    if forced and forced not in mappings:
        raise GraphkitError(f"{CONFIG_FILE}: 文件 {sheet.file} 指定的映射 {forced!r} 不存在 / unknown mapping; "
                            f"known: {', '.join(sorted(mappings))}")
    mapping, det, partial, how, other = _choose_mapping(sheet, mappings, forced, stem)
    if mapping is None:
        if partial is not None and det is not None:
            entry["status"] = "partial"
            entry["layout"], entry["layout_label"] = partial.id, partial.label.get("zh", partial.id)
            entry["header_rows"] = [sheet.rownum[det[0]]]
            header_row = sheet.rownum[det[0]]
            also_zh = (f"；表头也符合「{other.label.get('zh', other.id)}」，如属该格式请在 graphkit.yaml 用 mapping: {other.id} 指定"
                       if other is not None else "")
            also_en = (f"; the headers also fit the {other.label.get('en', other.id)} layout: if it is one, say "
                       f"`mapping: {other.id}` for this file in graphkit.yaml" if other is not None else "")
            for col in partial.required_columns:
                if col not in det[1]:
                    spec = partial.columns[col]
                    p.add(file=sheet.file, sheet=sheet.sheet, row=header_row, column=spec.aliases[0], rule="missing_column",
                          zh=f"{partial.label.get('zh', partial.id)}需要列「{spec.aliases[0]}」（可用表头：{'、'.join(spec.aliases)}）{also_zh}",
                          en=f"the {partial.label.get('en', partial.id)} layout needs a column {spec.aliases[0]!r} "
                             f"(accepted headers: {', '.join(spec.aliases)}){also_en}")
                    entry["notes"].append(f"缺少列「{spec.aliases[0]}」/ column {spec.aliases[0]!r} missing")
        else:
            entry["status"] = "unrecognized"
            p.add(file=sheet.file, sheet=sheet.sheet, rule="unrecognized_sheet", severity="warning",
                  zh="表头不符合任何台账格式，已跳过（可在 loaders/ 添加映射）",
                  en="the headers fit no ledger layout; skipped (add a mapping in loaders/)")
        return [], None
    hrow, found = det  # type: ignore[misc]
    header_cells = [clean_text(v) for v in sheet.cells.iloc[hrow].tolist()]
    colmap: dict[str, int] = {}
    headers: dict[str, str] = {}
    for name, idxs in found.items():
        if len(idxs) > 1:
            # an error; the first of the columns is read so that --lenient can still load the rows
            p.add(file=sheet.file, sheet=sheet.sheet, row=sheet.rownum[hrow], column=header_cells[idxs[1]] or "",
                  value=", ".join(str(header_cells[i]) for i in idxs), rule="duplicate_column",
                  zh=f"多列都表示「{mapping.columns[name].aliases[0]}」，请删除重复列（宽松模式读取第一列「{header_cells[idxs[0]]}」）",
                  en=f"several columns mean {mapping.columns[name].aliases[0]!r}; remove the duplicates "
                     f"(--lenient reads the first, {header_cells[idxs[0]]!r})")
        colmap[name] = idxs[0]
        headers[name] = header_cells[idxs[0]] or mapping.columns[name].aliases[0]
    _report_columns(ctx, entry, sheet, mapping, hrow, found, colmap, how)
    absent = _check_absent(ctx, entry, sheet, mapping, hrow, colmap)
    cells = sheet.cells
    entry["rows_read"] = max(0, len(cells) - hrow - 1)
    if not colmap or absent:
        return [], mapping.id
    footers = _footer_rows(sheet, hrow, list(colmap.values())) if mapping.skip_totals else {}
    for pos in sorted(footers):
        kind, text = footers[pos]
        entry["skipped"].append({"row": sheet.rownum[pos], "reason": _SKIP_REASONS[kind], "text": text})
    body_pos = np.array([i for i in range(hrow + 1, len(cells)) if i not in footers], dtype=np.intp)
    if mapping.unpivot is not None:
        table, pivot_cols = _unpivot(sheet, mapping, hrow, colmap, body_pos, entry)
        for name in (mapping.unpivot.name, mapping.unpivot.value):
            colmap.setdefault(name, -1)
            headers[name] = pivot_cols or name
    else:
        # dtype=object: pandas would otherwise copy each text column into Arrow strings (and back when it is read)
        table = pd.DataFrame({name: cells.iloc[body_pos, j].astype(object).to_numpy() for name, j in colmap.items()},
                             dtype=object)
        table["__src_row"] = np.asarray(sheet.rownum, dtype=np.int64)[body_pos] if len(body_pos) else np.empty(0, np.int64)
    mapped = [c for c in table.columns if c != "__src_row"]
    # formulas saved without a calculated value: problems (the cell reads as blank)
    by_col = {j: name for name, j in colmap.items()}
    for r, c, text in sheet.uncalculated:
        if r > hrow and c in by_col and r not in footers:
            name = by_col[c]
            row = sheet.rownum[r]
            p.add(file=sheet.file, sheet=sheet.sheet, row=row, column=headers[name], value=text,
                  rule="formula_uncalculated",
                  zh="公式没有保存计算结果（文件可能由程序生成），请在 Excel 中打开并保存后重试",
                  en="the formula was saved without its value (the file may have been written by a program); "
                     "open and save it in Excel, then retry")
            ctx.reported.add((sheet.file, sheet.sheet, row, headers[name]))
    # blank cells (empty, spaces, zero-width characters) become None once, here: later steps test isna().
    # Each column is factorized once; its codes are kept for the mapper (see graphkit.ingest._load_vec).
    factors: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    all_blank = np.ones(len(table), dtype=bool)
    for name in mapped:
        codes, uniques = factorize(table[name].to_numpy(dtype=object))
        blank_u = blank_mask(uniques.tolist())
        if blank_u.any():
            codes = np.where(np.append(blank_u, True)[codes], -1, codes)
        all_blank &= codes < 0
        factors[name] = (codes, uniques)
        _report_bidi(ctx, sheet, headers[name], codes, uniques, table["__src_row"].to_numpy())
    all_src = table["__src_row"].to_numpy()
    if mapping.unpivot is None:  # (unpivoted pairs with a blank cell were dropped: they are no rows)
        for i in np.flatnonzero(all_blank):
            entry["skipped"].append({"row": int(all_src[i]), "reason": _SKIP_REASONS["blank"], "text": ""})
    keep = ~all_blank
    src_rows = table["__src_row"].to_numpy()[keep]
    # formula error values (#N/A, #REF! ...) are problems, then blanks
    for name in mapped:
        codes, uniques = factors[name]
        codes = codes[keep]
        err_u = np.fromiter((u.__class__ is str and u in EXCEL_ERRORS for u in uniques.tolist()), dtype=bool,
                            count=len(uniques))
        if err_u.any():
            errs = np.append(err_u, False)[codes]
            for i in np.flatnonzero(errs):
                row = int(src_rows[i])
                p.add(file=sheet.file, sheet=sheet.sheet, row=row, column=headers[name],
                      value=uniques[codes[i]], rule="formula_error", zh="单元格是公式错误值，请修正公式或填写数值",
                      en="the cell holds a formula error; fix the formula or type the value")
                ctx.reported.add((sheet.file, sheet.sheet, row, headers[name]))
            codes = np.where(errs, -1, codes)
        factors[name] = (codes, uniques)
    for name in mapping.fill_down:
        if name in factors:
            codes, uniques = factors[name]
            last = np.maximum.accumulate(np.where(codes >= 0, np.arange(len(codes)), -1)) if len(codes) else codes
            filled = np.where(last >= 0, codes[np.maximum(last, 0)], -1)
            n = int(((codes < 0) & (filled >= 0)).sum())
            if n:
                entry["notes"].append(f"「{headers.get(name, name)}」向下填充 {n} 个空格 / {n} blank cell(s) of "
                                      f"{headers.get(name, name)!r} filled from above")
            factors[name] = (filled, uniques)
    if mapping.filters:
        fkeep = np.ones(len(src_rows), dtype=bool)
        for flt in mapping.filters:
            codes, uniques = factors[flt.column]
            hit = np.append(np.fromiter((_filter_hit(flt, u) for u in uniques.tolist()), dtype=bool,
                                        count=len(uniques)), _filter_hit(flt, None))[codes]
            out = ~hit if flt.action == "keep" else hit
            for i in np.flatnonzero(out & fkeep):
                v = uniques[codes[i]] if codes[i] >= 0 else ""
                entry["skipped"].append({"row": int(src_rows[i]), "reason": f"{_SKIP_REASONS['filter']}: {flt.describe()}",
                                         "text": clean_text(v) or ""})
            fkeep &= ~out
        if not fkeep.all():
            src_rows = src_rows[fkeep]
            factors = {k: (c[fkeep], u) for k, (c, u) in factors.items()}
    entry["skipped"].sort(key=lambda x: x["row"])
    entry["rows_skipped"] = len(entry["skipped"])
    table = pd.DataFrame({name: take(factors[name][1], factors[name][0]) for name in mapped}, dtype=object)
    table["__src_row"] = src_rows
    if not len(table):
        p.add(file=sheet.file, sheet=sheet.sheet, row=sheet.rownum[hrow], rule="no_data_rows", severity="warning",
              zh="只有表头，没有数据行", en="the sheet has a header but no data rows")
    title = " ".join(dict.fromkeys(t for t in (_header_text(v) for r in range(max(0, hrow - len(entry["header_rows"]) + 1))
                                               for v in cells.iloc[r].tolist()) if t))
    staged = _SheetMapper(ctx, mapping, sheet, table, headers, src_hash, factors, title=title).run()
    made: dict[str, int] = {}
    for st in staged:
        n = int(st.frame["id"].nunique()) if not st.key_lookups else len(st.frame)
        made[st.rtype.name] = made.get(st.rtype.name, 0) + n
    entry["records"] = {k: v for k, v in made.items() if v}
    return staged, mapping.id


def _report_columns(ctx: _Context, entry: dict[str, Any], sheet: RawSheet, mapping: Mapping, hrow: int,
                    found: dict[str, list[int]], colmap: dict[str, int], how: str) -> None:
    """Fill the read report's layout, header rows, column → property and unused columns."""
    cells = sheet.cells
    header_cells = [clean_text(v) for v in cells.iloc[hrow].tolist()]
    above = [clean_text(v) for v in cells.iloc[hrow - 1].tolist()] if hrow > 0 else []
    alias = {k: c.name for c in mapping.columns.values() for k in c.keys}
    two_row = any(alias.get(match_key(header_cells[j] or "") or "") != name for name, j in colmap.items())
    entry["layout"], entry["layout_label"] = mapping.id, mapping.label.get("zh", mapping.id)
    entry["header_rows"] = [sheet.rownum[hrow - 1], sheet.rownum[hrow]] if two_row and hrow > 0 else [sheet.rownum[hrow]]
    entry["matched_by"] = {"forced": "graphkit.yaml mapping", "file": "文件名与表头 file name and headers",
                           "headers": "仅表头 headers alone"}[how] + f" ({len(found)}/{len(mapping.columns)})"
    uses = _uses(mapping)

    def text_at(j: int) -> str:
        h = header_cells[j] if j < len(header_cells) else None
        up = above[j] if two_row and j < len(above) else None
        return (f"{up}/{h}" if up and h and up != h else (h or up)) or ""

    entry["columns"] = [{"sheet_column": column_letter(j), "header": text_at(j), "column": name,
                         "properties": uses.get(name, [])} for name, j in sorted(colmap.items(), key=lambda x: x[1])]
    entry["matched_headers"] = [c["header"] for c in entry["columns"]]
    used = {j for idxs in found.values() for j in idxs}
    entry["unused_columns"] = [{"sheet_column": column_letter(j), "header": text_at(j)}
                               for j in range(cells.shape[1]) if j not in used and text_at(j)]


def _check_absent(ctx: _Context, entry: dict[str, Any], sheet: RawSheet, mapping: Mapping, hrow: int,
                  colmap: dict[str, int]) -> bool:
    """Columns the chosen layout names that the sheet lacks: errors unless optional.

    A condition (``when:``) on an absent column is an error too, unless the column is optional;
    then its records are not made, and the report says so. Returns True if the sheet cannot be read.
    """
    uses = _uses(mapping)
    bad = False
    for name in mapping.expected_columns:
        if name in colmap:
            continue
        spec = mapping.columns[name]
        cond = [u.split(".")[0] for u in uses.get(name, []) if u.endswith(".when")]
        zh_c = f"（条件 when: 依赖此列：{'、'.join(cond)}）" if cond else ""
        en_c = f" (the condition `when:` of {', '.join(cond)} reads it)" if cond else ""
        ctx.problems.add(file=sheet.file, sheet=sheet.sheet, row=sheet.rownum[hrow], column=spec.aliases[0],
                         rule="missing_column",
                         zh=f"映射 {mapping.id} 的列「{spec.aliases[0]}」不在表中{zh_c}（可用表头：{'、'.join(spec.aliases)}；"
                            f"如可缺省，请在映射中标 optional: true）",
                         en=f"mapping {mapping.id} names a column {spec.aliases[0]!r} that the sheet lacks{en_c} "
                            f"(accepted headers: {', '.join(spec.aliases)}; mark it `optional: true` if it may be absent)")
        entry["notes"].append(f"缺少列「{spec.aliases[0]}」/ column {spec.aliases[0]!r} missing")
        bad = True
    pivot = {mapping.unpivot.name, mapping.unpivot.value} if mapping.unpivot is not None else set()
    for what, cols in (("筛选 filters", [f.column for f in mapping.filters]), ("向下填充 fill_down", list(mapping.fill_down))):
        for name in dict.fromkeys(cols):
            if name in colmap or name in pivot:
                continue
            spec = mapping.columns[name]
            ctx.problems.add(file=sheet.file, sheet=sheet.sheet, row=sheet.rownum[hrow], column=spec.aliases[0],
                             rule="missing_column",
                             zh=f"映射 {mapping.id} 的{what.split()[0]}用到列「{spec.aliases[0]}」，但表中没有（可用表头：{'、'.join(spec.aliases)}）",
                             en=f"the {what.split()[1]} of mapping {mapping.id} read a column {spec.aliases[0]!r} that the "
                                f"sheet lacks (accepted headers: {', '.join(spec.aliases)})")
            bad = True
    for ent in mapping.entities.values():
        if ent.when is None:
            continue
        gone = sorted(c for c in ent.when.columns() if c not in colmap and c not in pivot)
        if gone:
            entry["notes"].append(f"条件列「{'、'.join(mapping.columns[c].aliases[0] for c in gone)}」不在表中，"
                                  f"未生成 {ent.name} / condition column(s) absent: no {ent.name} records")
    return bad


def _report_bidi(ctx: _Context, sheet: RawSheet, header: str, codes: np.ndarray, uniques: np.ndarray,
                 rows: np.ndarray) -> None:
    """A warning for each cell holding bidirectional controls (removed by ``clean_text``: they could make a name
    display as another)."""
    texts = [u for u in uniques.tolist() if u.__class__ is str]
    if not texts or not has_bidi("".join(texts)):
        return
    bidi_u = np.fromiter((u.__class__ is str and has_bidi(u) for u in uniques.tolist()), dtype=bool, count=len(uniques))
    for i in np.flatnonzero(np.append(bidi_u, False)[codes]):
        ctx.problems.add(file=sheet.file, sheet=sheet.sheet, row=int(rows[i]), column=header,
                         value="".join(f"<U+{ord(c):04X}>" if c in BIDI_CHARS else c for c in uniques[codes[i]]),
                         rule="bidi_control",
                         severity="warning", zh="单元格含有改变文字显示方向的控制字符，可能使名称显示成别的名称，已删除",
                         en="the cell holds bidirectional control characters, which can make a name display as "
                            "another; they were removed")
