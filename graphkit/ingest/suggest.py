"""A draft mapping from a sheet's headers, so a county starts from a draft and not a blank page.

``suggest_mapping(FILE)`` reads a sheet as graphkit reads it (title rows, two-row headers and
merged cells as the loader sees them; the header row found by the loader's own header detection),
scores every ledger layout by how well its header spellings fit the sheet's headers (an exact
spelling counts 1; other headers by string similarity, difflib's ``SequenceMatcher`` with a bonus
for one spelling containing the other and a penalty where only one of them names the receiving
side, 被/受/弱; for a typed column, raised where the values below the header read as its type and
lowered where they mostly do not), pairs headers with columns one to one, the most similar pair
first, and writes the best layout as a commented mapping
YAML whose aliases include the sheet's own spellings. The draft is checked by
``graphkit.core.mapping.load_mapping`` before it is returned: put it in ``DATA_DIR/mappings/`` (with the
layout's ``id`` it replaces the built-in layout, whose spellings it keeps).

Examples
--------
>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "帮扶台账.csv"
>>> _ = p.write_text("帮扶单位名称,被帮扶村党组织,帮扶形式,结对开始日期\\n甲,乙,强村带弱村,2024-03-01\\n", encoding="utf-8")
>>> s = suggest_mapping(p)
>>> s.layout.id, [(h.header, h.column) for h in s.headers]
('pairing', [('帮扶单位名称', 'strong'), ('被帮扶村党组织', 'weak'), ('帮扶形式', 'form'), ('结对开始日期', 'start')])
"""
from __future__ import annotations

import difflib
import glob
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from collections.abc import Iterable

import numpy as np
import yaml

from ._layout_info import ColumnInfo, column_info
from ._read import RawSheet, read_file
from ..core import yamlio
from ..core.text import clean_text, match_key
from ..core.values import is_blank, parse_boolean, parse_date, parse_integer, parse_month
from ..core.errors import GraphkitError, MappingError
from ..core.mapping import Mapping, load_mapping, load_mappings
from ..core.schema import Model, load_schema

__all__ = ["suggest_mapping", "Suggestion", "HeaderMatch", "LayoutFit", "similarity", "PLACE_THRESHOLD"]

#: a header is placed on a column only if their similarity reaches this
PLACE_THRESHOLD = 0.5
_HEADER_SCAN = 30
_NEAREST = 3
#: rows below the header whose values are read to check a typed column, and the fewest that count
_SAMPLE_ROWS = 200
_MIN_SAMPLE = 3
_VALUE_BONUS = 0.15
#: how much nearer an optional column must be than a required one to take a header from it
_REQUIRED_MARGIN = 0.1
_PARSERS = {"date": parse_date, "integer": parse_integer, "boolean": parse_boolean, "month": parse_month}
#: characters that mark the receiving side of a link (被帮扶, 受援, 弱村)
_RECEIVING = frozenset("被受弱")


def similarity(header: str, alias: str) -> float:
    """How alike a header and a header spelling are, 0–1 (1: the same after normalization).

    >>> similarity("所属镇（街道）", "所属镇(街道)"), round(similarity("帮扶单位名称", "帮扶单位"), 2)
    (1.0, 0.88)
    >>> round(similarity("被帮扶村党组织", "帮扶党组织"), 2), round(similarity("被帮扶村党组织", "弱村党组织"), 2)
    (0.67, 0.67)
    """
    h, a = match_key(header), match_key(alias)
    if not h or not a:
        return 0.0
    if h == a:
        return 1.0
    ratio = difflib.SequenceMatcher(None, h, a, autojunk=False).ratio()
    short, long_ = sorted((h, a), key=len)
    contained = 0.0
    if short in long_:
        contained = (0.55 if len(short) <= 2 else 0.65) + 0.35 * len(short) / len(long_)
    score = max(ratio, min(contained, 0.99))
    if bool(_RECEIVING & set(h)) != bool(_RECEIVING & set(a)):  # 被帮扶单位 is not 帮扶单位
        score *= 0.8
    return score


@dataclass(frozen=True)
class HeaderMatch:
    """One column of the sheet and where the draft puts it.

    Attributes
    ----------
    index
        0-based column of the sheet.
    letter
        Its Excel column letter.
    header
        The header spelling written into the draft (for a two-row header, ``group(cell)``).
    column
        The layout's logical column it is placed on, or None.
    score
        Similarity to that column's nearest spelling (1.0: an exact spelling).
    targets
        The schema properties the column feeds (``Type.property``).
    nearest
        For an unplaced header: the nearest columns of the layout, (column, its spelling, score).
    note
        Why it was not placed, when there is a reason beyond low similarity.
    label
        The Chinese and English label of the property the column feeds (for people, not codes).
    """

    index: int
    letter: str
    header: str
    column: str | None
    score: float
    targets: tuple[str, ...] = ()
    nearest: tuple[tuple[str, str, float], ...] = ()
    note: str = ""
    label: str = ""


@dataclass(frozen=True)
class LayoutFit:
    """How well one layout fits the sheet."""

    id: str
    label: str
    placed: int
    exact: int
    required_found: int
    required_total: int
    score: float
    file_match: bool


@dataclass
class Suggestion:
    """A draft mapping for one sheet.

    Attributes
    ----------
    file, sheet
        Where the headers were read.
    header_rows
        The Excel row numbers of the header (two for a two-row header).
    layout
        The layout the draft starts from.
    fits
        Every layout's fit, best first.
    headers
        Each non-blank header of the sheet, in sheet order.
    missing
        Required columns of the layout no header was placed on (the sheet cannot load without them).
    yaml
        The draft, a commented mapping YAML that ``load_mapping`` accepts.
    others
        The file's other sheets.
    reads_back
        Whether the loader's header detection, given the draft, finds the same header row and
        every placed column (checked; a note is added to the draft if not).
    """

    file: str
    sheet: str
    header_rows: list[int]
    layout: Mapping
    fits: list[LayoutFit]
    headers: list[HeaderMatch]
    missing: list[str]
    yaml: str = ""
    others: list[str] = field(default_factory=list)
    #: the loader, given the draft, finds this header row and every placed column
    reads_back: bool = True

    def summary(self) -> str:
        """A few lines for the terminal, Chinese first with English beside it."""
        where = f"{self.file}" + (f" [{self.sheet}]" if self.sheet else "")
        rows = "–".join(str(r) for r in self.header_rows)
        best = self.fits[0]
        lines = [f"{where}: 表头在第 {rows} 行 header row(s) {rows}",
                 f"最接近的格式 closest layout: {best.id}（{best.label}）— 对上 {best.placed} 列 placed {best.placed} "
                 f"(其中 {best.exact} 列完全相同 exact), 必需列 required {best.required_found}/{best.required_total}"]
        if len(self.fits) > 1:
            lines.append("其他候选 other layouts (对上列数/必需列 placed/required): " + ", ".join(f"{f.id} {f.placed}/{f.required_found}/{f.required_total}"
                                                             for f in self.fits[1:4]))
        for h in self.headers:
            if h.column:
                lines.append(f"  {h.letter}「{h.header}」→ {h.column}「{h.label}」({', '.join(h.targets) or '-'}) "
                             f"相似度 similarity {h.score:.2f}")
            else:
                near = ", ".join(f"{c}「{a}」{s:.2f}" for c, a, s in h.nearest) or "无 none"
                lines.append(f"  {h.letter}「{h.header}」→ 未对应 not placed{'（' + h.note + '）' if h.note else ''}; "
                             f"最接近 nearest: {near}")
        for col in self.missing:
            spec = self.layout.columns[col]
            lines.append(f"  缺少必需列 required column not found: {col}「{spec.aliases[0]}」— 无此列表格不能导入 / "
                         f"the sheet cannot load without it")
        if not self.reads_back:
            lines.append("注意 note: 用此草稿读取时表头行或列与上面的对应不同，请核对 / read with the draft, the header row or "
                         "columns differ from these placements; check them")
        if self.others:
            lines.append("文件中的其他工作表 other sheets in the file (用 --sheet 选择 / pick with --sheet): "
                         + "、".join(self.others))
        return "\n".join(lines)


def _letter(j: int) -> str:
    from xlsxwriter.utility import xl_col_to_name

    return xl_col_to_name(j)


def _pick_sheet(sheets: list[RawSheet], sheet: str | None, display: str) -> tuple[RawSheet, list[str]]:
    names = [s.sheet for s in sheets]
    if sheet is not None:
        for s in sheets:
            if s.sheet == sheet:
                return s, [n for n in names if n != sheet]
        raise GraphkitError(f"{display}: 没有工作表「{sheet}」（有：{'、'.join(names)}）/ no sheet {sheet!r} "
                            f"(sheets: {', '.join(names)})")
    for s in sheets:
        if not s.hidden and s.cells.size and any(not is_blank(v) for v in s.cells.to_numpy().ravel()):
            return s, [n for n in names if n != s.sheet]
    raise GraphkitError(f"{display}: 没有有内容的工作表 / no sheet with content")


def _header_row(cells: Any, maps: dict[str, Mapping]) -> int:
    """The header row as the loader finds it (its header detection), the best over every layout.

    When no header of any layout is spelled exactly, the row (of the first 30) with the most
    text cells is taken.
    """
    from .load import _detect_header

    best: tuple[int, int] | None = None  # (columns found, -row)
    for m in maps.values():
        det = _detect_header(cells, m)
        if det is not None and (best is None or (len(det[1]), -det[0]) > best):
            best = (len(det[1]), -det[0])
    if best is not None:
        return -best[1]
    counts = [sum(isinstance(v, str) and not is_blank(v) for v in cells.iloc[i].tolist())
              for i in range(min(len(cells), _HEADER_SCAN))]
    if not counts or max(counts) == 0:
        raise GraphkitError("表格前 30 行没有表头 / no header in the first 30 rows")
    return int(np.argmax(counts))


def _headers(cells: Any, hrow: int) -> list[tuple[int, list[str], str]]:
    """Each header column: (index, spellings the loader would try, the spelling to write).

    The loader tries the cell, then the (forward-filled) cell above joined with it. The row above
    counts as a group row only if it has two or more different texts (a title row merged across
    the sheet does not).
    """
    row = [clean_text(v) if not is_blank(v) else None for v in cells.iloc[hrow].tolist()]
    above: list[str | None] = []
    if hrow > 0:
        last = None
        for v in cells.iloc[hrow - 1].tolist():
            last = clean_text(v) if not is_blank(v) else last
            above.append(last)
    if len({a for a in above if a}) < 2:
        above = []
    out = []
    for j, v in enumerate(row):
        group = above[j] if j < len(above) else None
        variants = [v] if v else []
        if group and group != v:
            variants += [group + (v or ""), f"{group}({v})" if v else group]
        if not variants:
            continue
        if v and (not group or group == v):
            write = v  # a one-row header, or a cell merged down over both rows
        else:
            write = f"{group}({v})" if v else (group or "")  # 结对时间 over 起 → 结对时间(起), read back as the loader joins them
        out.append((j, variants, write or v or ""))
    return out


class _Values:
    """The values below a header row, and how many of them each typed column would read (cached)."""

    def __init__(self, cells: Any, hrow: int, model: Model) -> None:
        self.cells, self.hrow, self.model = cells, hrow, model
        self._samples: dict[int, list[Any]] = {}
        self._fits: dict[tuple[int, str, str | None], float | None] = {}

    def sample(self, j: int) -> list[Any]:
        if j not in self._samples:
            body = self.cells.iloc[self.hrow + 1:self.hrow + 1 + _SAMPLE_ROWS, j].tolist() if j < self.cells.shape[1] else []
            self._samples[j] = [v for v in body if not is_blank(v)]
        return self._samples[j]

    def fit(self, j: int, info: ColumnInfo) -> float | None:
        """Share of the column's values that ``info``'s type reads; None for text columns or too few values."""
        key = (j, info.kind, info.codelist)
        if key not in self._fits:
            self._fits[key] = self._fit(j, info)
        return self._fits[key]

    def _fit(self, j: int, info: ColumnInfo) -> float | None:
        if info.kind == "code" and info.codelist:
            codelist = self.model.codelists[info.codelist]
            reads = lambda v: codelist.lookup(v) is not None  # noqa: E731
        elif info.kind in _PARSERS:
            parse = _PARSERS[info.kind]

            def reads(v: Any) -> bool:
                try:
                    parse(v)
                except ValueError:
                    return False
                return True
        else:
            return None
        values = self.sample(j)
        if len(values) < _MIN_SAMPLE:
            return None
        return sum(1 for v in values if reads(v)) / len(values)


def _fit(mapping: Mapping, headers: list[tuple[int, list[str], str]], stem: str, sheet: str,
         values: _Values) -> tuple[LayoutFit, dict[int, tuple[str, float]], np.ndarray]:
    """Place the sheet's headers on ``mapping``'s columns (exact spellings first, then one to one by similarity).

    A header's similarity to a typed column (code, date, number, yes/no, month) is raised where
    the values below it read as that type, and lowered where they mostly do not.
    """
    cols = list(mapping.columns.values())
    infos = column_info(mapping, values.model)
    sim = np.zeros((len(headers), len(cols)))
    for i, (j, variants, _) in enumerate(headers):
        for k, c in enumerate(cols):
            score = max(similarity(v, a) for v in variants for a in c.aliases)
            if score < 1.0:
                vfit = values.fit(j, infos[c.name])
                if vfit is not None and vfit >= 0.8 and score >= PLACE_THRESHOLD - _VALUE_BONUS:
                    score = min(0.99, score + _VALUE_BONUS)
                elif vfit is not None and vfit < 0.3:
                    score *= 0.6
            sim[i, k] = score
    placed: dict[int, tuple[str, float]] = {}
    taken: set[int] = set()
    for i in range(len(headers)):  # exact spellings, in sheet order (a duplicate stays unplaced)
        exact = [k for k in range(len(cols)) if sim[i, k] == 1.0]
        if exact and exact[0] not in taken:
            placed[i] = (cols[exact[0]].name, 1.0)
            taken.add(exact[0])
    # then the rest, the most similar pair first; a required column goes first on a near tie
    # (帮扶方 is the helping organization itself before it is the county of one: 帮扶方所在县)
    pairs = sorted(((sim[i, k] + (_REQUIRED_MARGIN if cols[k].required else 0.0), cols[k].required, -i, -k)
                    for i in range(len(headers)) for k in range(len(cols))
                    if i not in placed and k not in taken and PLACE_THRESHOLD <= sim[i, k] < 1.0), reverse=True)
    for _, _, ni, nk in pairs:
        i, k = -ni, -nk
        if i not in placed and k not in taken and not (sim[i] == 1.0).any():
            placed[i] = (cols[k].name, float(sim[i, k]))
            taken.add(k)
    found = {name for name, _ in placed.values()}
    required = [c.name for c in cols if c.required]
    fit = LayoutFit(mapping.id, mapping.label.get("zh", mapping.id), len(placed),
                    sum(1 for _, s in placed.values() if s == 1.0), sum(1 for r in required if r in found),
                    len(required), float(sum(s for _, s in placed.values())),
                    mapping.matches_file(stem) and mapping.matches_sheet(sheet or stem))
    return fit, placed, sim


def _rank(fit: LayoutFit, n_headers: int) -> tuple[float, float]:
    share = fit.required_found / fit.required_total if fit.required_total else 0.0
    return (share, fit.score / max(1, n_headers) + (0.25 if fit.file_match else 0.0))


def _flow(value: Any) -> str:
    """One value as flow-style YAML on one line (a scalar is quoted only where YAML needs it)."""
    if not isinstance(value, (dict, list)):
        return _flow([value])[1:-1]
    return yaml.safe_dump(value, allow_unicode=True, default_flow_style=True, width=10**6, sort_keys=False).strip()


def _draft(s: Suggestion, mapping: Mapping, new_id: str | None, stem: str) -> str:
    raw = yamlio.safe_load(mapping.path.read_text(encoding="utf-8")) if mapping.path else {}
    by_column = {h.column: h for h in s.headers if h.column}
    rows = "–".join(str(r) for r in s.header_rows)
    best = s.fits[0]
    lines = [
        "# graphkit 映射草稿 / mapping draft (graphkit mapping suggest)",
        f"# 来源 source: {s.file}" + (f" [{s.sheet}]" if s.sheet else "") + f"，表头第 {rows} 行 / header row(s) {rows}",
        f"# 最接近的格式 closest layout: {best.id}（{best.label}）：对上 {best.placed} 列 placed, 完全相同 exact "
        f"{best.exact}, 必需列 required {best.required_found}/{best.required_total}",
    ]
    if len(s.fits) > 1:
        lines.append("# 其他候选 other layouts (对上列数/必需列 placed/required): "
                     + ", ".join(f"{f.id} {f.placed}/{f.required_found}/{f.required_total}" for f in s.fits[1:4]))
    lines.append("# 用法 use: 核对后放入台账目录的 mappings/ 文件夹；与内置格式同 id 时替换内置格式（其表头写法都保留）/ check it, "
                 "then put it in DATA_DIR/mappings/; with a built-in id it replaces that layout (keeping its spellings)")
    lines.append("#")
    lines.append("# 表头对应 headers → columns → properties (相似度 similarity):")
    for h in s.headers:
        if h.column:
            lines.append(f"#   {h.letter}「{h.header}」→ {h.column}「{h.label}」→ {', '.join(h.targets) or '-'}  {h.score:.2f}")
    unplaced = [h for h in s.headers if not h.column]
    if unplaced:
        lines.append("# 未能对应的表头（不会导入；如需要请把它加到某列的 aliases）/ headers not placed (not loaded; add one to "
                     "a column's aliases if it is needed), nearest candidates:")
        for h in unplaced:
            near = ", ".join(f"{c}「{a}」{sc:.2f}" for c, a, sc in h.nearest) or "无 none"
            lines.append(f"#   {h.letter}「{h.header}」{('（' + h.note + '）') if h.note else ''}: {near}")
    if s.missing:
        lines.append("# 未找到的必需列（表格须有此列才能导入）/ required columns not found (the sheet cannot load without them):")
        for col in s.missing:
            lines.append(f"#   {col}「{mapping.columns[col].aliases[0]}」")
    lines.append("")
    lines.append(f"id: {_flow(new_id or mapping.id)}")
    lines.append(f"label: {_flow(dict(mapping.label))}")
    files = list(mapping.files)
    if not mapping.matches_file(stem):
        files.append(glob.escape(stem))
    sheets = list(mapping.sheets)
    if not mapping.matches_sheet(s.sheet or stem):
        sheets.append(glob.escape(s.sheet or stem))
    match: dict[str, Any] = {"files": files, "sheets": sheets}
    if mapping.exclude_files:
        match["exclude_files"] = list(mapping.exclude_files)
    lines.append("match:")
    lines += [f"  {k}: {_flow(v)}" for k, v in match.items()]
    lines.append("columns:")
    for name, spec in mapping.columns.items():
        aliases = list(spec.aliases)
        hm = by_column.get(name)
        if hm is not None and match_key(hm.header) not in spec.keys:
            aliases.insert(0, hm.header)
        body: dict[str, Any] = {"aliases": aliases}
        if spec.required:
            body["required"] = True
        elif hm is None:  # not in this sheet: the draft says so, so that loading it does not ask for the column
            body["optional"] = True
        note = (f"  # ← {hm.letter}「{hm.header}」{hm.score:.2f}" if hm is not None else
                "  # 表中未找到 not in the sheet" + ("（必需 required!）" if spec.required else ""))
        lines.append(f"  {name}: {_flow(body)}{note}")
    lines.append(yaml.safe_dump({"entities": raw.get("entities", {})}, allow_unicode=True, sort_keys=False,
                                default_flow_style=None, width=10**6).rstrip())
    return "\n".join(lines) + "\n"


def suggest_mapping(path: str | Path, *, sheet: str | None = None, mappings: Iterable[str | Path] = (),
                    new_id: str | None = None, encoding: str | None = None, model: Model | None = None) -> Suggestion:
    """Propose a mapping for a sheet from its headers.

    Parameters
    ----------
    path
        A ledger file (.xlsx/.xls/.ods/.csv).
    sheet
        The sheet to read (default: the first visible sheet with content).
    mappings
        Extra mapping files or folders, also tried as starting layouts.
    new_id
        The draft's ``id`` (default: the chosen layout's, so that the draft replaces it).
    encoding
        A CSV file's encoding (default: detected).
    model
        The schema (default: ``schema/``).

    Returns
    -------
    Suggestion
        The chosen layout, every layout's fit, each header's placement and the draft YAML
        (checked by ``load_mapping``).

    Raises
    ------
    GraphkitError
        The file cannot be read, has no such sheet, or no header.
    """
    model = model or load_schema()
    path = Path(path)
    maps = load_mappings(mappings, model=model)
    sheets = read_file(path, display=path.name, encoding=encoding)
    raw, others = _pick_sheet(sheets, sheet, path.name)
    try:
        base = _header_row(raw.cells, maps)
    except GraphkitError as exc:
        raise GraphkitError(f"{path.name}" + (f" [{raw.sheet}]" if raw.sheet else "") + f": {exc}") from None
    # the loader's header row, or the row below it (a two-row header whose lower cells are renamed)
    # or above it: whichever the layouts fit best
    best: tuple[Any, ...] | None = None
    for row in (base, base + 1, base - 1):
        if not 0 <= row < min(len(raw.cells), _HEADER_SCAN):
            continue
        row_headers = _headers(raw.cells, row)
        row_values = _Values(raw.cells, row, model)
        for m in maps.values():
            fit, placed, sim = _fit(m, row_headers, path.stem, raw.sheet, row_values)
            key = _rank(fit, len(row_headers))
            if best is None or key > best[0]:
                best = (key, row, row_headers, fit, placed, sim, m)
    if best is None or not best[2]:
        raise GraphkitError(f"{path.name}: 表头行为空 / the header row is empty")
    _, hrow, headers, *_ = best
    values = _Values(raw.cells, hrow, model)
    results = []
    for m in maps.values():
        fit, placed, sim = _fit(m, headers, path.stem, raw.sheet, values)
        results.append((fit, placed, sim, m))
    results.sort(key=lambda r: _rank(r[0], len(headers)), reverse=True)
    fit, placed, sim, mapping = results[0]
    info = column_info(mapping, model)
    cols = list(mapping.columns.values())
    matches = []
    exact_owner = {}
    for i, (j, variants, write) in enumerate(headers):
        if i in placed:
            name, score = placed[i]
            prop = info[name].prop
            owner = model[info[name].targets[0].split(".")[0]] if info[name].targets else None
            label = (f"{owner.label['zh']}·{prop.label['zh']} {prop.label['en']}"
                     if prop is not None and owner is not None else "")
            matches.append(HeaderMatch(j, _letter(j), write, name, score, info[name].targets, label=label))
            if score == 1.0:
                exact_owner[name] = write
            continue
        order = np.argsort(-sim[i], kind="stable")[:_NEAREST]
        nearest = tuple((cols[k].name, max(cols[k].aliases, key=lambda a: max(similarity(v, a) for v in variants)),
                         round(float(sim[i, k]), 2)) for k in order if sim[i, k] > 0)
        note = ""
        dup = [cols[k].name for k in range(len(cols)) if sim[i, k] == 1.0]
        if dup:
            note = (f"与「{exact_owner.get(dup[0], dup[0])}」重复，都表示 {dup[0]} / a second column meaning {dup[0]}")
        matches.append(HeaderMatch(j, _letter(j), write, None, 0.0, (), nearest, note))
    found = {m.column for m in matches if m.column}
    missing = [c for c in mapping.required_columns if c not in found]
    header_rows = [raw.rownum[hrow]]
    if any(len(v) > 1 for _, v, _ in headers) and hrow > 0:
        header_rows.insert(0, raw.rownum[hrow - 1])
    s = Suggestion(path.name, raw.sheet, header_rows, mapping, [r[0] for r in results], matches, missing,
                   others=others)
    s.yaml = _draft(s, mapping, new_id, path.stem)
    with tempfile.TemporaryDirectory() as tmp:  # the draft must be a mapping graphkit accepts
        check = Path(tmp) / f"{new_id or mapping.id}.yaml"
        check.write_text(s.yaml, encoding="utf-8")
        try:
            draft = load_mapping(check, model=model)
        except MappingError as exc:
            raise GraphkitError(f"内部错误：映射草稿无法读取 / internal error: the draft does not load: {exc}") from None
    s.reads_back = _reads_back(raw, draft, hrow, s.headers)
    if not s.reads_back:
        s.yaml = ("# 注意 note: 用此草稿读取时表头行或列与上面的对应不同，请核对 / read with this draft, the header row or "
                  "columns differ from the placements below; check them\n" + s.yaml)
    return s


def _reads_back(raw: RawSheet, draft: Mapping, hrow: int, headers: list[HeaderMatch]) -> bool:
    """Whether the loader's header detection, given the draft, finds this header row and every placed column."""
    from .load import _detect_header

    det = _detect_header(raw.cells, draft)
    if det is None or det[0] != hrow:
        return False
    return all(det[1].get(h.column, [None])[0] == h.index for h in headers if h.column)
