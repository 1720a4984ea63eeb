"""Writers of the synthetic-ledger generator: .xlsx and CSV files, one ledger folder, the counts.

Private to :mod:`graphkit.ingest.synth`.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._synth_vocab import _CSV_PART_ROWS, _XLSX_SHEET_ROWS, CHAIN_SHEETS, CHAIN_WORKBOOK, LEDGER_COLUMNS

_XLSX_STATIC = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/styles.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        '{sheets}'
        '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
        '</Types>'),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
        'Target="xl/workbook.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" '
        'Target="docProps/core.xml"/>'
        '</Relationships>'),
    "docProps/core.xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        '<dc:title>{title}</dc:title><dc:creator>graphkit synth</dc:creator>'
        '<dcterms:created xsi:type="dcterms:W3CDTF">2024-12-31T00:00:00Z</dcterms:created>'
        '</cp:coreProperties>'),
    "xl/styles.xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<fonts count="2"><font><sz val="11"/><name val="等线"/></font><font><b/><sz val="11"/><name val="等线"/></font></fonts>'
        '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
        '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
        '</styleSheet>'),
}


def _xml_escape(values: np.ndarray) -> np.ndarray:
    s = pd.Series(values, dtype=object)
    text = s.where(s.notna(), "").astype(str)
    if text.str.contains("[&<>]", regex=True).any():
        text = text.str.replace("&", "&amp;").str.replace("<", "&lt;").str.replace(">", "&gt;")
    return text.to_numpy(dtype=object)


def _sheet_xml(df: pd.DataFrame) -> str:
    """Worksheet XML of a table (header row in bold, inline strings), built column-wise."""
    letters = [chr(ord("A") + j) if j < 26 else chr(ord("A") + j // 26 - 1) + chr(ord("A") + j % 26)
               for j in range(df.shape[1])]
    n = len(df)
    rn = np.arange(2, n + 2).astype(str).astype(object)
    head = "".join(f'<c r="{letter}1" s="1" t="inlineStr"><is><t>{_xml_escape(np.array([h], dtype=object))[0]}</t></is></c>'
                   for letter, h in zip(letters, df.columns))
    body = np.full(n, "", dtype=object)
    for letter, c in zip(letters, df.columns):
        col = df[c]
        isna = col.isna().to_numpy()
        if isinstance(col.dtype, pd.Int64Dtype):
            vals = col.to_numpy(dtype=np.int64, na_value=0).astype(str).astype(object)
            cell = '<c r="' + letter + rn + '"><v>' + vals + "</v></c>"
        else:
            vals = _xml_escape(col.to_numpy(dtype=object))
            cell = '<c r="' + letter + rn + '" t="inlineStr"><is><t>' + vals + "</t></is></c>"
        cell[isna] = ""
        body = body + cell
    rows = '<row r="' + rn + '">' + body + "</row>"
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" '
            'state="frozen"/></sheetView></sheetViews><sheetData>'
            f'<row r="1">{head}</row>' + "".join(rows.tolist()) + "</sheetData></worksheet>")


def _write_xlsx(path: Path, sheets: list[tuple[str, pd.DataFrame]]) -> None:
    """Write tables as an .xlsx workbook, one sheet each (split at 1,000,000 rows).

    xlsxwriter spends about 10 µs per cell, which made the province set take over a minute; this
    writer builds the sheet XML column-wise with numpy and zips it with fixed timestamps, so the
    same tables always give byte-identical files.
    """
    import zipfile

    parts: list[tuple[str, pd.DataFrame]] = []
    for base_name, df in sheets:
        n_parts = max(1, -(-len(df) // _XLSX_SHEET_ROWS))
        for part in range(n_parts):
            name = base_name if n_parts == 1 else f"{base_name}{part + 1}"
            parts.append((name, df.iloc[part * _XLSX_SHEET_ROWS:(part + 1) * _XLSX_SHEET_ROWS]))
    overrides = "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
                        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                        for i in range(1, len(parts) + 1))
    workbook = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
                + "".join(f'<sheet name="{name}" sheetId="{i}" r:id="rId{i}"/>' for i, (name, _) in enumerate(parts, 1))
                + "</sheets></workbook>")
    rels = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            + "".join(f'<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                      f'relationships/worksheet" Target="worksheets/sheet{i}.xml"/>' for i in range(1, len(parts) + 1))
            + f'<Relationship Id="rId{len(parts) + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
              'relationships/styles" Target="styles.xml"/></Relationships>')
    members = [("[Content_Types].xml", _XLSX_STATIC["[Content_Types].xml"].replace("{sheets}", overrides)),
               ("_rels/.rels", _XLSX_STATIC["_rels/.rels"]),
               ("docProps/core.xml", _XLSX_STATIC["docProps/core.xml"].replace("{title}", path.stem)),
               ("xl/workbook.xml", workbook), ("xl/_rels/workbook.xml.rels", rels),
               ("xl/styles.xml", _XLSX_STATIC["xl/styles.xml"])]
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for name, text in members:
            zf.writestr(zipfile.ZipInfo(name, date_time=(2024, 12, 31, 0, 0, 0)), text.encode("utf-8"),
                        compress_type=zipfile.ZIP_DEFLATED)
        for i, (_, df) in enumerate(parts, 1):
            info = zipfile.ZipInfo(f"xl/worksheets/sheet{i}.xml", date_time=(2024, 12, 31, 0, 0, 0))
            zf.writestr(info, _sheet_xml(df).encode("utf-8"), compress_type=zipfile.ZIP_DEFLATED, compresslevel=1)


def _arrow_table(df: pd.DataFrame) -> Any:
    import pyarrow as pa

    arrays = []
    for c in df.columns:
        s = df[c]
        if isinstance(s.dtype, pd.Int64Dtype):
            arrays.append(pa.array(s.to_numpy(dtype=np.int64, na_value=0), type=pa.int64(),
                                   mask=s.isna().to_numpy()))
        else:
            arrays.append(pa.array(s, type=pa.string(), from_pandas=True))
    return pa.Table.from_arrays(arrays, names=list(df.columns))


def _write_csv(out_dir: Path, stem: str, df: pd.DataFrame) -> list[Path]:
    import pyarrow.csv as pacsv

    opts = pacsv.WriteOptions(include_header=True, quoting_style="needed")
    n_parts = max(1, -(-len(df) // _CSV_PART_ROWS))
    paths = []
    for part in range(n_parts):
        path = out_dir / (f"{stem}.csv" if n_parts == 1 else f"{stem}_{part + 1:02d}.csv")
        chunk = df.iloc[part * _CSV_PART_ROWS:(part + 1) * _CSV_PART_ROWS]
        pacsv.write_csv(_arrow_table(chunk), str(path), write_options=opts)
        paths.append(path)
    return paths

def _write_folder(out: Path, tables: dict[str, Any], fmt: str) -> None:
    """The ledger files of one folder (the layout :func:`generate_ledgers` writes)."""
    keys = [k for k in LEDGER_COLUMNS if k not in CHAIN_SHEETS]
    if fmt == "xlsx":
        for k in keys:
            if k in tables:
                _write_xlsx(out / f"{LEDGER_COLUMNS[k][0]}.xlsx", [(_sheet_name(k), tables[k])])
        if "chain" in tables:
            _write_xlsx(out / f"{CHAIN_WORKBOOK}.xlsx",
                        [(CHAIN_SHEETS["chain_stages"], tables["chain_stages"]), (CHAIN_SHEETS["chain"], tables["chain"])])
    else:
        for k in LEDGER_COLUMNS:
            if k in tables:
                _write_csv(out, LEDGER_COLUMNS[k][0], tables[k])

def _sheet_name(key: str) -> str:
    return {"roster": "名册", "places": "区划", "district": "片区成员", "joint_village": "联村党组织",
            "pairing": "结对", "activities": "活动", "units": "两新组织", "ratings": "定级"}.get(key, "Sheet1")


def _counts(tables: dict[str, Any]) -> dict[str, int]:
    counts = {k: int(len(tables[k])) for k in LEDGER_COLUMNS}
    parts = tables["activities"]["参与单位"]
    counts["memberships"] = counts["district"] + counts["joint_village"] + counts["chain"]
    counts["pairings"] = counts["pairing"]
    counts["participations"] = int((parts.str.count("、") + 1).fillna(0).sum())
    counts["parent_links"] = int(tables["roster"]["上级党组织"].notna().sum())
    counts["links"] = counts["memberships"] + counts["pairings"] + counts["participations"] + counts["parent_links"]
    return counts


def write_unit_folders(out: Path, tables: dict[str, Any], *, fmt: str, head: str) -> None:
    """Write one folder per county and one per city level of ``tables`` (``by_county=True``) into ``out``.

    Each folder gets a ``graphkit.yaml`` (``head``, then ``county:``/``city:`` or ``level: city``)
    and its rows of every ledger; ``graphkit build out`` assembles them.
    """
    units = tables["_units"]
    names, cities, county_city = units["county_names"], units["city_names"], units["county_city"]
    n = len(names)
    rows = units["rows"]
    order = {k: np.argsort(v, kind="stable") for k, v in rows.items()}
    bounds = {k: np.searchsorted(v[order[k]], np.arange(n + len(cities) + 1)) for k, v in rows.items()}
    for u in range(n + len(cities)):
        is_city = u >= n
        folder = out / (f"{cities[u - n]}直" if is_city else str(names[u]))
        folder.mkdir(exist_ok=True)
        (folder / "graphkit.yaml").write_text(
            head + (f"level: city\ncity: {cities[u - n]}\n" if is_city else f"county: {names[u]}\ncity: {cities[county_city[u]]}\n"),
            encoding="utf-8")
        part: dict[str, Any] = {}
        for k in rows:
            lo, hi = bounds[k][u], bounds[k][u + 1]
            if hi > lo:
                part[k] = tables[k].iloc[np.sort(order[k][lo:hi])].reset_index(drop=True)
        if "chain" in part:
            keep = np.isin(units["chain_stage_chain"], units["chains_used"][u])
            part["chain_stages"] = tables["chain_stages"][keep].reset_index(drop=True)
        _write_folder(folder, part, fmt)
