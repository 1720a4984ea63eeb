"""The analyst report: one self-contained Chinese HTML file, and an Excel workbook.

The HTML has every section of the current analysis registry (:mod:`graphkit.analyses.registry`) with its tables and inline SVG
charts drawn here (no scripts, no CDN, no web fonts: it opens offline and prints with a print
stylesheet). Every value passes through jinja2's autoescaping, so an org named
``<script>…`` shows as text. The workbook has a 说明 sheet and one sheet per analysis with Chinese
column names, for pasting figures into the county's own reports. Both files are written
atomically.

Examples
--------
>>> import tempfile, pathlib
>>> from graphkit.analyses.toolkit import example_graph
>>> from graphkit.views.report import write_report
>>> out = pathlib.Path(tempfile.mkdtemp())
>>> p = write_report(example_graph(), out / "r.html", xlsx=out / "r.xlsx")
>>> "蚕桑" in p.read_text(encoding="utf-8"), (out / "r.xlsx").exists()
(True, True)
"""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import math
import re
import secrets
import unicodedata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..analyses.analysis import run_all
from ..analyses.registry import current_registry
from ..analyses.toolkit import ProgressFn, as_of_date, natural_key
from ..core.model import Graph
from ..store.io import atomic_file, output_signature

__all__ = ["write_report", "render_html", "write_xlsx", "sheet_names"]

#: Headline metrics other than the gap tables' (``report="gaps"`` in the registry) shown as warnings.
_WARN_EXTRA = frozenset({"chain_stages_empty"})


def to_zh(df: pd.DataFrame, model: Any = None) -> pd.DataFrame:
    """The Chinese version of a table, with the labels the current registry declares."""
    return current_registry().to_zh(df, model)
_SHARE = re.compile(r"^(share.*|.*_share|completeness|share_up)$")
_RED, _GREEN, _GREY, _BAR = "#b42318", "#1a7f37", "#e5e7eb", "#c2410c"


def _is_share(col: str) -> bool:
    return bool(_SHARE.match(col)) or col == _RATIO


# ---- presentation: what officials see instead of codes --------------------------------------------

_RATIO = "比例"
_COUNT_OF = re.compile(r"^(\d+)/(\d+)$")
_INT = re.compile(r"^\d+$")


def _headline_frame(hl: pd.DataFrame) -> pd.DataFrame:
    """The headline figures without metric codes, with numbers as numbers.

    ``"182/568"`` becomes 数量 182, 总数 568, 比例 0.32; ``"83"`` becomes 数量 83; other values
    (dates, sentences) stay text in 数值.

    >>> f = _headline_frame(pd.DataFrame({"metric": ["a", "b", "c"], "label": ["甲", "乙", "丙"],
    ...                                   "value": ["182/568", "83", "2024-12-31"], "note": ["32.0%", "", "日期"]}))
    >>> f["数量"].tolist(), f["总数"].tolist(), round(float(f["比例"][0]), 3)
    ([182, 83, <NA>], [568, <NA>, <NA>], 0.32)
    >>> f["数值"].tolist(), f["说明"].tolist()
    ([None, None, '2024-12-31'], [None, None, '日期'])
    """
    rows = []
    for r in hl.itertuples(index=False):
        value, note = str(r.value), (str(r.note) if r.note else None)
        n = t = share = text = None
        m = _COUNT_OF.match(value)
        if m:
            n, t = int(m.group(1)), int(m.group(2))
            share = n / t if t else None
            if note is not None and share is not None and note == f"{share:.1%}":
                note = None  # the share is its own column
        elif _INT.match(value):
            n = int(value)
        else:
            text = value
        rows.append({"指标": r.label, "数量": n, "总数": t, _RATIO: share, "数值": text, "说明": note})
    out = pd.DataFrame({c: pd.Series([r[c] for r in rows], dtype=object) for c in ("指标", "数量", "总数", _RATIO, "数值", "说明")})
    for col in ("数量", "总数"):
        out[col] = out[col].astype("Int64")
    out[_RATIO] = out[_RATIO].astype("Float64")
    return out


def _change_frame(cs: pd.DataFrame) -> pd.DataFrame:
    """The change summary without metric codes (``Pairing.added`` → 结对共建新增), counts as numbers.

    >>> _change_frame(pd.DataFrame({"metric": ["as_of_old", "Pairing.added"], "value": ["2023-12-31", "2"],
    ...                             "note": ["较早日期 earlier date", "结对共建新增 added"]})).to_dict("records")
    [{'项目': '较早日期 earlier date', '数量': None, '日期': '2023-12-31'}, {'项目': '结对共建新增 added', '数量': 2, '日期': None}]
    """
    values = [str(v) for v in cs["value"]]
    return pd.DataFrame({"项目": list(cs["note"]),
                         "数量": pd.array([int(v) if _INT.match(v) else None for v in values], dtype="Int64"),
                         "日期": pd.Series([None if _INT.match(v) else v for v in values], dtype=object)})


def _present(key: str, df: pd.DataFrame) -> pd.DataFrame:
    """The table as shown in the report and the workbook (codes replaced where a table is made of them)."""
    if key == "headlines":
        return _headline_frame(df)
    if key == "change_summary":
        return _change_frame(df)
    return df


def _month_grid(months: pd.DataFrame) -> pd.DataFrame:
    """片区逐月活动 as one row per district and a column per month (the long table stays in the workbook).

    A missed month shows as ``0 ×``; a month not yet due is left empty.
    """
    rows = []
    for _did, sub in months.groupby("district_id", sort=False):
        row: dict[str, Any] = {"片区": sub["district"].iloc[0]}
        for r in sub.itertuples(index=False):
            row[f"{int(r.month)}月"] = (f"{int(r.activities)} ×" if r.missed else
                                        (str(int(r.activities)) if r.due or r.activities else ""))
        row["合计"] = int(sub["activities"].sum())
        row["缺失月数"] = int(sub["missed"].sum())
        rows.append(row)
    return pd.DataFrame(rows)


#: Integer columns that hold years or month numbers: printed as 2024, not 2,024.
_PLAIN_INT = re.compile(r"^(year.*|.*_year|month|host_month|cluster|order)$")


def _fmt(v: Any, share: bool, plain: bool = False) -> tuple[str, bool]:
    """Display text of a cell and whether it is numeric (``plain``: an integer without separators)."""
    if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)) or v is pd.NaT:
        return "", False
    if isinstance(v, (bool, np.bool_)):
        return ("是" if v else "否"), False
    if isinstance(v, (pd.Timestamp, np.datetime64)):
        return pd.Timestamp(v).strftime("%Y-%m-%d"), False
    if isinstance(v, (int, np.integer)):
        return (str(int(v)) if plain else f"{int(v):,}"), True
    if isinstance(v, (float, np.floating)):
        return (f"{float(v):.1%}" if share else f"{float(v):,.2f}"), True
    return str(v), False


#: Id columns: kept in Excel and CSV, left out of the HTML tables.
_ID_COLS = re.compile(r"^(.*_id|group|town|village|parent|source|target|component)$")


def _table(key: str, df: pd.DataFrame, model: Any, max_rows: int) -> tuple[list[str], list[list[dict[str, Any]]], int]:
    """Header, cells of the first ``max_rows`` rows and the row count of the table as shown."""
    df = _month_grid(df) if key == "cadence_months" and not df.empty else _present(key, df)
    head = df.head(max_rows)
    head = head[[c for c in head.columns if not _ID_COLS.match(c)]]
    zh = to_zh(head, model)
    shares = [_is_share(c) for c in head.columns]
    plain = [bool(_PLAIN_INT.match(c)) for c in head.columns]
    rows = []
    for rec in zh.itertuples(index=False, name=None):
        rows.append([dict(zip(("text", "num"), _fmt(v, s, p))) for v, s, p in zip(rec, shares, plain)])
    return list(zh.columns), rows, len(df)


# ---- charts ------------------------------------------------------------------------------------

#: Most bars (or heat-map rows) a chart draws; the tables and the workbook hold the rest.
_CHART_ROWS = 60


def _bars(title: str, labels: list[str], values: list[float], *, texts: list[str] | None = None,
          caption: str = "", fill: str = _BAR, vmax: float = 1.0) -> dict[str, Any]:
    n = len(labels)
    if n > _CHART_ROWS:
        labels, values, texts = labels[:_CHART_ROWS], values[:_CHART_ROWS], (texts[:_CHART_ROWS] if texts else None)
        caption = (caption + "；" if caption else "") + f"共 {n} 项，图中只画前 {_CHART_ROWS} 项 / first {_CHART_ROWS} of {n} shown"
    label_w = max(80, min(240, 13 * max((len(str(x)) for x in labels), default=4) + 12))
    bar_w, row_h, top = 360, 20, 24
    rows = []
    for i, (lab, v) in enumerate(zip(labels, values)):
        v = 0.0 if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)
        rows.append({"label": lab, "y": top + i * row_h, "w": round(bar_w * max(0.0, min(v / vmax if vmax else 0, 1.0)), 1),
                     "text": texts[i] if texts else f"{v:.1%}", "fill": fill})
    return {"kind": "bars", "title": title, "rows": rows, "label_w": label_w, "bar_w": bar_w,
            "width": label_w + bar_w + 140, "height": top + row_h * len(rows) + 6, "caption": caption}


def _cadence_heat(months: pd.DataFrame) -> dict[str, Any] | None:
    if months.empty:
        return None
    caption = "数字为当月联建活动次数（不含互督、督导）；灰色为无活动且未到期。"
    order = months.groupby("district_id", sort=False).agg(district=("district", "first"), missed=("missed", "sum"))
    order["_k"] = order["district"].map(natural_key)
    if len(order) > _CHART_ROWS:  # show the districts with the most missed months
        caption += f"共 {len(order)} 个片区，图中只画缺失最多的 {_CHART_ROWS} 个 / {_CHART_ROWS} of {len(order)} shown."
        order = order.sort_values(["missed", "_k"], ascending=[False, True], kind="stable").head(_CHART_ROWS)
    order = order.sort_values(["_k"], kind="stable")
    label_w, cell, top = max(90, 13 * max(len(str(d)) for d in order["district"]) + 12), 26, 40
    cols = [{"x": label_w + (m - 1) * cell, "text": f"{m}月"} for m in range(1, 13)]
    by_id = {k: sub for k, sub in months.groupby("district_id", sort=False)}
    rows = []
    for i, (did, d) in enumerate(zip(order.index, order["district"])):
        cells = []
        for r in by_id[did].sort_values("month").itertuples(index=False):
            fill = _RED if r.missed else (_GREEN if r.activities else _GREY)
            status = "缺活动 missed" if r.missed else ("未到期 not due" if not r.due else "")
            cells.append({"x": label_w + (int(r.month) - 1) * cell, "fill": fill, "ink": "#fff" if fill != _GREY else "#59636e",
                          "text": str(int(r.activities)) if r.activities else ("×" if r.missed else ""),
                          "title": f"{d} {r.period}: {int(r.activities)} 次 {status}"})
        rows.append({"label": d, "y": top + i * cell, "cells": cells})
    return {"kind": "heat", "title": "片区逐月联建活动（红色 = 应有而缺失）", "cols": cols, "rows": rows, "label_w": label_w,
            "cell": cell, "top": top, "width": label_w + 12 * cell + 10, "height": top + cell * len(rows) + 6,
            "caption": caption}


def _stage_strip(stages: pd.DataFrame) -> dict[str, Any] | None:
    if stages.empty:
        return None
    chains = list(dict.fromkeys(stages["chain"]))
    label_w = max(80, 13 * max(len(str(c)) for c in chains) + 12)
    box_w, row_h, top = 96, 42, 26
    rows, widest = [], 0
    for i, (c, sub) in enumerate(stages.groupby("chain", sort=False)):
        boxes = []
        for j, r in enumerate(sub.itertuples(index=False)):
            none = bool(r.no_presence)
            boxes.append({"x": label_w + j * box_w, "name": r.stage, "count": "无党组织" if none else f"{int(r.members)} 个党组织",
                          "fill": _RED if none else "#dcfce7", "ink": "#fff" if none else "#1f2328",
                          "title": f"{c}·{r.stage}: {r.member_names or '无'}"})
        widest = max(widest, len(boxes))
        rows.append({"label": c, "y": top + i * row_h, "boxes": boxes})
    return {"kind": "strip", "title": "产业链环节的党组织覆盖（红色 = 无党组织）", "rows": rows, "label_w": label_w,
            "box_w": box_w, "width": label_w + widest * box_w + 10, "height": top + row_h * len(rows), "caption": ""}


def _charts(key: str, df: pd.DataFrame) -> list[dict[str, Any]]:
    if df.empty:
        return []
    if key in ("coverage_by_town", "coverage_by_sector", "coverage_by_level", "coverage_by_category"):
        return [_bars("参与联建的党组织比例", list(df["group_name"]), list(df["share"]),
                      texts=[f"{s:.1%}（{c}/{o}）" for s, c, o in zip(df["share"], df["covered"], df["orgs"])])]
    if key == "village_coverage":
        return [_bars("联村党组织覆盖的行政村比例", list(df["group_name"]), list(df["share"]),
                      texts=[f"{s:.1%}（{c}/{v}）" for s, c, v in zip(df["share"].fillna(0), df["villages_covered"], df["villages"])])]
    if key == "weak_coverage":
        return [_bars("后进党组织中有一类帮扶的比例", list(df["group_name"]), list(df["share_strong"]),
                      texts=[f"{s:.1%}（{c}/{w}）" for s, c, w in zip(df["share_strong"], df["paired_strong"], df["weak_orgs"])])]
    if key in ("two_coverages", "two_coverages_by_town"):
        from ..core.schema import load_schema
        cl = load_schema().codelists["unit_kind"]
        labels, values, texts = [], [], []
        for r in df.itertuples(index=False):
            name = cl.zh(r.unit_kind) if r.unit_kind in cl.codes else str(r.unit_kind)
            prefix = "" if r.group == "all" else f"{r.group_name}·"
            for what, n, share in (("组织覆盖", r.org_covered, r.org_share), ("工作覆盖", r.work_covered, r.work_share)):
                labels.append(f"{prefix}{name}{what}")
                values.append(share)
                texts.append(f"{share:.1%}（{n}/{r.units}）")
        return [_bars("两新组织“两个覆盖”", labels, values, texts=texts)]
    if key == "chain_stage_coverage":
        c = _stage_strip(df)
        return [c] if c else []
    if key == "chain_alliances":
        return [_bars("产业链联盟环节完整度", list(df["name"]), list(df["completeness"]),
                      texts=[f"{s:.0%}（{a}/{b}）" for s, a, b in zip(df["completeness"].fillna(0), df["stages_covered"], df["stages_total"])])]
    if key == "cadence_months":
        c = _cadence_heat(df)
        return [c] if c else []
    if key == "rating_moves":
        return [_bars("期初后进党组织的进位比例", ["期间有结对" if g == "paired" else "期间无结对" for g in df["cohort"]],
                      list(df["share_up"]), texts=[f"{(s if s == s else 0):.1%}（{u}/{n}）" for s, u, n in
                                                   zip(df["share_up"], df["moved_up"], df["weak_before"])])]
    return []


# ---- the one-page summary for leaders ----------------------------------------------------------------

def _gaps(graph: Graph, r: dict[str, pd.DataFrame]) -> list[dict[str, Any]]:
    """Every kind of gap found, with its size against its population and a few names, worst first.

    "Worst" is the largest shortfall relative to the population it is measured on (83 of 99 weak
    orgs without a 一类 partner weighs more than 1 of 9 chain stages without an org), so the
    ranking does not depend on how large one kind of record happens to be.
    """
    from ..analyses.toolkit import join_names

    out: list[dict[str, Any]] = []

    def add(key: str, text: str, n: int, of: int, names: Any) -> None:
        if n > 0 and of > 0:
            out.append({"key": key, "text": text, "n": n, "of": of, "share": n / of,
                        "names": join_names(list(names)[:3]) + (" 等" if n > 3 else "")})

    def get(key: str) -> pd.DataFrame:
        return r.get(key, pd.DataFrame())

    wc, uw = get("weak_coverage"), get("unpaired_weak")
    if len(uw):
        add("unpaired_weak", f"{len(uw)} 个后进党组织没有一类党组织帮扶", len(uw), int(wc["weak_orgs"].sum()) if len(wc) else len(uw),
            uw["name"])
    vc = get("village_coverage")
    if len(vc):
        gap = vc.assign(un=vc["villages"] - vc["villages_covered"]).sort_values(["share", "un"], ascending=[True, False],
                                                                             kind="stable")
        gap = gap[gap["un"] > 0]
        by_zh = "、".join(m.label["zh"] for m in graph.model.mechanisms if m.coverage == "villages")  # 联村党组织
        add("village_coverage", f"{int(gap['un'].sum())} 个行政村未被{by_zh}覆盖", int(gap["un"].sum()),
            int(vc["villages"].sum()), (f"{t}（{int(u)} 个村）" for t, u in zip(gap["group_name"], gap["un"])))
    dr = get("due_for_rotation")
    if len(dr):
        add("due_for_rotation", f"{len(dr)} 对结对已到轮换期", len(dr), max(graph.count("Pairing"), len(dr)),
            (f"{a}—{b}" for a, b in zip(dr["strong_name"], dr["weak_name"])))
    iso = get("isolated")
    if len(iso):
        lone = iso[iso["status"] == "no_link"]
        add("isolated", f"{len(lone)} 个党组织未参与任何联建", len(lone), graph.count("Organization"), lone["name"])
    cs = get("cadence_summary")
    if len(cs):
        bad = cs[~cs["ok"].astype(bool)]
        add("cadence", f"{len(bad)} 个片区活动节奏未达标", len(bad), len(cs), bad["district"])
    sc = get("chain_stage_coverage")
    if len(sc):
        empty = sc[sc["no_presence"].astype(bool)]
        add("chain_stages_empty", f"{len(empty)} 个产业链环节没有党组织", len(empty), len(sc),
            (f"{a}·{b}" for a, b in zip(empty["chain"], empty["stage"])))
    return sorted(out, key=lambda g: -g["share"])


def _summary(graph: Graph, r: dict[str, pd.DataFrame]) -> dict[str, Any]:
    """Headline figures, the three worst gaps with names and one chart: what fits on the first page."""
    figures: list[dict[str, str]] = [{"label": "党组织", "value": f"{graph.count('Organization'):,}", "note": "个"}]
    labels, values, texts = [], [], []

    def share(label: str, n: int, of: int, unit: str) -> None:
        if of:
            figures.append({"label": label, "value": f"{n / of:.1%}", "note": f"{n}/{of} {unit}"})
            labels.append(label)
            values.append(n / of)
            texts.append(f"{n / of:.1%}（{n}/{of}）")

    ov = r.get("coverage_overall", pd.DataFrame())
    if len(ov):
        share("参与联建的党组织", int(ov["covered"].iloc[0]), int(ov["orgs"].iloc[0]), "个")
    wc = r.get("weak_coverage", pd.DataFrame())
    if len(wc):
        share("后进党组织有一类帮扶", int(wc["paired_strong"].sum()), int(wc["weak_orgs"].sum()), "个")
    vc = r.get("village_coverage", pd.DataFrame())
    if len(vc):
        share("联村党组织覆盖行政村", int(vc["villages_covered"].sum()), int(vc["villages"].sum()), "个村")
    cs = r.get("cadence_summary", pd.DataFrame())
    if len(cs):
        share("活动节奏达标的片区", int(cs["ok"].astype(bool).sum()), len(cs), "个片区")
    from ..core.schema import load_schema
    cl = load_schema().codelists["unit_kind"]
    for row in r.get("two_coverages", pd.DataFrame()).itertuples(index=False):
        kind = cl.zh(row.unit_kind) if row.unit_kind in cl.codes else str(row.unit_kind)
        share(f"{kind}党组织覆盖", int(row.org_covered), int(row.units), "家")
    chart = _bars("主要覆盖指标", labels, values, texts=texts) if labels else None
    return {"figures": figures, "gaps": _gaps(graph, r)[:3], "chart": chart}


# ---- HTML ----------------------------------------------------------------------------------------

def render_html(graph: Graph, results: dict[str, pd.DataFrame], *, as_of: Any = None, seed: int = 0,
                max_rows: int = 20, run: str = "", workbook: str = "") -> str:
    """Render the report HTML from :func:`graphkit.analyses.analysis.run_all` results.

    Parameters
    ----------
    max_rows
        Rows shown per table (the full tables go to the workbook and the CSVs).
    run
        The run digest shared with the companion workbook (shown in the header).
    workbook
        The companion workbook's file name, named in the footer with the run.

    Examples
    --------
    >>> from graphkit.analyses.toolkit import example_graph
    >>> from graphkit.analyses.analysis import run_all
    >>> g = example_graph()
    >>> html = render_html(g, run_all(g, as_of="2024-06-30"), as_of="2024-06-30")
    >>> html.startswith("<!DOCTYPE html>"), "覆盖 <small>Coverage</small>" in html
    (True, True)
    """
    import jinja2

    from ..core.version import __version__

    ts = as_of_date(graph, as_of)
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(Path(__file__).parent.parent / "templates")),
                             autoescape=True, trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)
    tpl = env.get_template("report.html.j2")
    model = graph.model
    sections = []
    registry = current_registry()
    gaps = registry.gap_tables()
    for skey, (zh, en) in registry.sections.items():
        items = []
        for spec in registry.in_section(skey):
            if spec.key not in results or spec.report in ("headlines", "none"):
                continue
            df = results[spec.key]
            cols, rows, n_rows = _table(spec.key, df, model, max_rows)
            note = df.attrs.get("note", "") if spec.key == "rating_moves" else ""
            items.append({"key": spec.key, "zh": spec.title_zh, "en": spec.title_en, "desc": spec.description,
                          "columns": cols, "rows": rows, "n_rows": n_rows, "charts": _charts(spec.key, df), "note": note,
                          "empty": "未发现此类问题 / none found" if spec.key in gaps else "无数据 / no data"})
        sections.append({"key": skey, "zh": zh, "en": en, "analyses": items})
    province = _province_section(graph, ts, results, max_rows)
    if province is not None:
        sections.insert(0, province)
    hl = results.get("headlines", pd.DataFrame(columns=["metric", "label", "value", "note"]))
    heads = [{"label": r.label, "value": r.value, "note": r.note,
              "warn": r.metric in gaps | _WARN_EXTRA and r.value not in ("0", "")} for r in hl.itertuples(index=False)]
    for h in heads:  # the counts-only caveat is said once, at the table it belongs to
        if h["note"] and "不代表因果" in h["note"]:
            h["note"] = ""
    return tpl.render(summary=_summary(graph, results), sheets=sheet_names(list(results)),
                      county=graph.settings.get("county") or "", as_of=ts.date().isoformat(), seed=seed, version=__version__,
                      n_orgs=graph.count("Organization"), n_collabs=graph.count("Collaboration"),
                      n_pairs=graph.count("Pairing"), n_acts=graph.count("Activity"), sections=sections, headlines=heads,
                      signature=output_signature("report", "report"), run=run, workbook=workbook)


#: The by-county registry tables shown under the county comparison of a province report.
_BY_COUNTY = ("coverage_by_county", "pairing_gaps_by_county", "cadence_by_county")


def _province_section(graph: Graph, ts: pd.Timestamp, results: dict[str, pd.DataFrame] | None = None,
                      max_rows: int = 20) -> dict[str, Any] | None:
    """A province graph's first section: every county compared and ranked, then the by-county
    tables of the registry (coverage, pairing gaps, cadence); None for one county."""
    from ..analyses.province import COLUMNS, county_comparison, is_province_graph, present

    if not is_province_graph(graph):
        return None
    df = county_comparison(graph, as_of=ts)
    shown = present(df)
    shares = [c in ("coverage_share", "weak_paired_share") for c in df.columns]
    rows = [[dict(zip(("text", "num"), _fmt(v, sh, p))) for v, sh, p in zip(rec, shares, [c == "rank" for c in df.columns])]
            for rec in shown.itertuples(index=False, name=None)]
    counties = df[df["level"] == "county"]
    cov = _bars("各县参与联建的党组织比例 / share of orgs taking part, by county", counties["county"].tolist(),
                counties["coverage_share"].fillna(0).tolist())
    weak = counties.sort_values("weak_paired_share", ascending=False, kind="stable")
    wp = _bars("各县后进党组织帮扶率 / share of weak orgs paired, by county", weak["county"].tolist(),
               weak["weak_paired_share"].fillna(0).tolist(), fill=_GREEN)
    item = {"key": "county_comparison", "zh": "各县比较与排名", "en": "Counties compared and ranked",
            "desc": (f"全省 {len(counties)} 个县（另有 {len(df) - len(counties)} 个市级、省级层级），按参与联建的党组织比例排名；"
                     "跨县结对、跨县联建成员和跨县活动参与在两端所在的县各计一次 / every county of the province ranked "
                     "by the share of its organizations taking part; links across county lines are counted in both counties."),
            "columns": [COLUMNS[c][0] for c in df.columns], "rows": rows, "n_rows": len(df), "charts": [cov, wp], "note": "",
            "empty": "无数据 / no data"}
    items = [item]
    registry = current_registry()
    for key in _BY_COUNTY:
        if results is None or key not in results or key not in registry:
            continue
        spec = registry[key]
        cols, rows, n_rows = _table(key, results[key], graph.model, max(max_rows, len(results[key])))
        items.append({"key": key, "zh": spec.title_zh, "en": spec.title_en, "desc": spec.description, "columns": cols,
                      "rows": rows, "n_rows": n_rows, "charts": [], "note": "", "empty": "无数据 / no data"})
    return {"key": "province", "zh": "全省各县", "en": "The counties", "analyses": items}


# ---- Excel ---------------------------------------------------------------------------------------

def _province_sheet(graph: Graph, ts: pd.Timestamp, xw: Any, pct: Any) -> None:
    """A province graph's 各县比较 sheet (every county, ranked); nothing for one county."""
    from ..analyses.province import county_comparison, is_province_graph, present
    from ..core.problems import excel_safe_frame

    if not is_province_graph(graph):
        return
    df = county_comparison(graph, as_of=ts)
    excel_safe_frame(present(df)).to_excel(xw, sheet_name="各县比较", index=False)
    ws = xw.sheets["各县比较"]
    ws.freeze_panes(1, 2)
    for j, col in enumerate(df.columns):
        ws.set_column(j, j, 14, pct if col.endswith("_share") else None)


def sheet_names(keys: list[str]) -> dict[str, str]:
    """Unique Excel sheet names (≤ 31 characters, no ``[]:*?/\\``) from the analyses' Chinese titles.

    >>> sheet_names(["unpaired_weak", "missed_months"])
    {'unpaired_weak': '无一类帮扶的后进党组织', 'missed_months': '缺少联建活动的月份'}
    """
    out: dict[str, str] = {}
    used: set[str] = set()
    registry = current_registry()
    for key in keys:
        title = registry[key].title_zh if key in registry else key
        base = re.sub(r"[\[\]:*?/\\]", "_", title)[:31] or key[:31]
        name, n = base, 2
        while name.lower() in used or name == "说明":
            suffix = f"({n})"
            name = base[: 31 - len(suffix)] + suffix
            n += 1
        used.add(name.lower())
        out[key] = name
    return out


def _text_width(v: Any) -> int:
    """Display width of a cell's text in Excel column units (CJK and full-width characters count 2)."""
    if isinstance(v, (dt.date, pd.Timestamp)):
        return 10
    if isinstance(v, float):
        return min(len(f"{v:.4g}"), 12)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in str(v))


def _readable_order(df: pd.DataFrame) -> pd.DataFrame:
    """Names and figures first, id and code columns last (kept for joining, not for reading)."""
    ids = [c for c in df.columns if _ID_COLS.match(c)]
    return df[[c for c in df.columns if c not in ids] + ids]


#: Column labels the report uses where one analysis column means something narrower than elsewhere.
_LOCAL_ZH = {"cadence_months": {"活动总数": "联建活动数（不含互督、督导）"}}


def _excel_frame(df: pd.DataFrame, model: Any, key: str = "") -> pd.DataFrame:
    zh = to_zh(_readable_order(_present(key, df)), model).rename(columns={"分组": "分组代码", **_LOCAL_ZH.get(key, {})})
    out = pd.DataFrame(index=zh.index)
    for col in zh.columns:
        s = zh[col]
        if pd.api.types.is_datetime64_any_dtype(s):
            out[col] = s.dt.date.astype(object).where(s.notna(), None)
        elif isinstance(s.dtype, np.dtype) and s.dtype.kind in "iuf":
            out[col] = s
        else:
            out[col] = s.astype(object).where(s.notna(), None)
    return out


def write_xlsx(graph: Graph, results: dict[str, pd.DataFrame], path: str | Path, *, as_of: Any = None,
               seed: int = 0, run: str = "", force: bool = False) -> Path:
    """Write the analyses to an Excel workbook (a 说明 sheet + one sheet per analysis), atomically.

    The workbook's document properties carry graphkit's signature (so a later run may replace
    it; anything else at ``path`` is refused unless ``force``), and ``run`` — the digest shared
    with the HTML report written with it — is named on the 说明 sheet.

    Examples
    --------
    >>> import tempfile, pathlib, openpyxl
    >>> from graphkit.analyses.toolkit import example_graph
    >>> from graphkit.analyses.analysis import run_all
    >>> g = example_graph()
    >>> x = write_xlsx(g, run_all(g, as_of="2024-06-30"), pathlib.Path(tempfile.mkdtemp()) / "a.xlsx")
    >>> openpyxl.load_workbook(x).sheetnames[:2]
    ['说明', '主要指标']
    """
    ts = as_of_date(graph, as_of)
    model = graph.model
    names = sheet_names(list(results))
    buf = io.BytesIO()
    # names are data, never formulas or links: an org named "=HYPERLINK(…)" stays text
    # (and text that would be one gets a leading ', as in every file graphkit writes for spreadsheets)
    from ..core.problems import excel_safe_frame

    safe = {"options": {"strings_to_formulas": False, "strings_to_urls": False}}
    with pd.ExcelWriter(buf, engine="xlsxwriter", date_format="yyyy-mm-dd", datetime_format="yyyy-mm-dd",
                        engine_kwargs=safe) as xw:
        wb = xw.book
        wb.set_properties({"title": "graphkit 联建分析 / joint-building analyses",
                           "comments": output_signature("report-xlsx", "report --xlsx") + (f" run={run}" if run else "")})
        pct = wb.add_format({"num_format": "0.0%"})
        reg = current_registry()
        index = pd.DataFrame({
            "工作表 sheet": [names[k] for k in results],
            "内容 content": [f"{reg[k].title_zh} / {reg[k].title_en}" if k in reg else k for k in results],
            "说明 description": [reg[k].description if k in reg else "" for k in results],
            "行数 rows": [len(results[k]) for k in results],
        })
        head = pd.DataFrame({"工作表 sheet": [f"{graph.settings.get('county') or ''} 联建分析", f"截止日期 {ts.date()}",
                                            f"随机种子 seed {seed}", f"生成批次 run {run}" if run else ""],
                             "内容 content": ["", "", "", ""], "说明 description": ["", "", "", ""], "行数 rows": [None] * 4})
        excel_safe_frame(pd.concat([head, index], ignore_index=True)).to_excel(xw, sheet_name="说明", index=False)
        xw.sheets["说明"].set_column(0, 0, 28)
        xw.sheets["说明"].set_column(1, 1, 40)
        xw.sheets["说明"].set_column(2, 2, 80)
        for key, df in results.items():
            shown = _readable_order(_present(key, df))
            frame = _excel_frame(df, model, key)
            excel_safe_frame(frame).to_excel(xw, sheet_name=names[key], index=False)
            ws = xw.sheets[names[key]]
            ws.freeze_panes(1, 0)
            for j, col in enumerate(shown.columns):
                # fitted to the header and the first 200 cells; CJK characters are twice as wide
                width = min(60, max(6, _text_width(frame.columns[j]) + 2,
                                    *(_text_width(v) + 2 for v in frame.iloc[:200, j] if v is not None)))
                ws.set_column(j, j, width, pct if _is_share(col) else None)
        _province_sheet(graph, ts, xw, pct)
    with atomic_file(path, "wb", kind="report-xlsx", force=force) as fh:
        fh.write(buf.getvalue())
    return Path(path)


def write_report(graph: Graph, path: str | Path, *, as_of: Any = None, seed: int = 0, xlsx: str | Path | None = None,
                 results: dict[str, pd.DataFrame] | None = None, max_rows: int = 20,
                 progress: ProgressFn | None = None, force: bool = False, **options: Any) -> Path:
    """Run every analysis and write the HTML report (and optionally the Excel workbook).

    The report and the workbook are one unit: both are complete in temporary files before
    either is renamed into place, so an error leaves both as they were. They share a ``run``
    digest, shown in the report's header and footer and on the workbook's 说明 sheet, so a pair
    left mismatched by a kill between the two renames says so.

    Parameters
    ----------
    graph
        The graph.
    path
        The HTML file to write (atomically).
    as_of
        The date (default: the graph's reference date).
    seed
        Seed of community detection and suggestion tie-breaking.
    xlsx
        Also write an Excel workbook here.
    results
        Results of :func:`graphkit.analyses.analysis.run_all` to reuse (otherwise they are computed).
    max_rows
        Rows shown per table in the HTML.
    progress
        Called with a short message at each step (the CLI prints them on stderr).
    force
        Replace ``path`` and ``xlsx`` even if graphkit did not write them (``--force``).
    **options
        Passed to :func:`graphkit.analyses.analysis.run_all` (``max_per_strong``, ``capacity``, ...).

    Returns
    -------
    Path
        The HTML file.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from graphkit.analyses.toolkit import example_graph
    >>> p = write_report(example_graph(), pathlib.Path(tempfile.mkdtemp()) / "report.html", as_of="2024-06-30")
    >>> text = p.read_text(encoding="utf-8")
    >>> "演示县" in text, "<script" in text
    (True, False)
    """
    say = progress or (lambda _m: None)
    ts = as_of_date(graph, as_of)
    if results is None:
        results = run_all(graph, as_of=ts, seed=seed, progress=progress, **options)
    say("生成报告 rendering the HTML report")
    # the run digest: of the page itself, rendered with a one-off placeholder where the run goes
    token = f"gkrun{secrets.token_hex(12)}"
    html = render_html(graph, results, as_of=ts, seed=seed, max_rows=max_rows, run=token,
                       workbook=Path(xlsx).name if xlsx is not None else "")
    run = hashlib.sha256(html.replace(token, "").encode("utf-8")).hexdigest()[:16]
    html = html.replace(token, run)
    # the HTML waits in its temporary file until the workbook is in place: one unit
    with atomic_file(path, "w", encoding="utf-8", kind="report", force=force) as fh:
        fh.write(html)
        if xlsx is not None:
            say("写入 Excel writing the workbook")
            write_xlsx(graph, results, xlsx, as_of=ts, seed=seed, run=run, force=force)
            say(f"工作簿 workbook → {xlsx}")
    say(f"报告 report → {path}")
    return Path(path)
