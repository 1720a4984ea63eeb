"""Accepted review rows → ledger files in the built-in layouts (loaders/*.yaml).

Files written (CSV, UTF-8), each a layout ``graphkit build`` knows:
党组织名册.csv (roster: every accepted organization and every member, lead and side of an
accepted link), 片区联建台账.csv, 跨村联建台账.csv, 链上联建_联盟成员.csv (+ 产业链环节.csv when stages
are given), 结对共建台账.csv. Accepted numbers and links of type 其他 have no ledger layout: they
go to 未入台账_*.csv, which the written graphkit.yaml tells the build to ignore. Each row has a
``来源`` column: file, paragraph and offsets of the words it came from.

A value in the 采纳 column other than 采纳/不采纳/blank, a pairing without a date, a chain link
without a chain name, or a link without members is an error naming the sheet, row, column and
value; nothing is written then.
"""
from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from ..core.files import atomic_dir, file_digests
from ..core.text import org_key
from ..core.errors import LedgerError
from .review import ACCEPT, LINK_COLUMNS, NUMBER_COLUMNS, ORG_COLUMNS, REJECT, SHEETS

__all__ = ["apply_review", "read_review"]

_ACCEPT_WORDS = {ACCEPT, "是", "y", "yes", "accept", "accepted", "1", "√", "✓", "采用"}
_REJECT_WORDS = {REJECT, "", "否", "n", "no", "reject", "0", "×", "不采用"}
_SECTOR = {"村": "农村", "社区": "社区", "机关": "机关", "学校": "学校", "事业单位": "事业单位"}
_LEVEL = {"市": "市", "县": "县", "镇": "镇", "村": "村"}
_FORMS = {"党委", "党总支", "党支部", "联合党支部", "党组", "机关工委", "党工委", "工委"}


def _str(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else str(v)
    return str(v).strip()


def read_review(path: str | Path) -> dict[str, list[dict[str, str]]]:
    """Read a review workbook: per sheet key (orgs, links, numbers), rows as {column key: text}.

    Raises
    ------
    LedgerError
        The file is not a review workbook (a sheet or a column is missing).
    """
    from python_calamine import CalamineWorkbook

    path = Path(path)
    if not path.is_file():
        raise LedgerError(f"找不到审核工作簿 review workbook not found: {path}", file=str(path))
    try:
        wb = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own error types for broken files
        raise LedgerError(f"无法读取审核工作簿 cannot read the review workbook {path}: {exc}", file=str(path)) from exc
    out: dict[str, list[dict[str, str]]] = {}
    for key, columns in (("orgs", ORG_COLUMNS), ("links", LINK_COLUMNS), ("numbers", NUMBER_COLUMNS)):
        sheet = SHEETS[key]
        if sheet not in wb.sheet_names:
            raise LedgerError(f"{path}: 缺少工作表 missing sheet {sheet!r}（不是 graphkit 审核工作簿？not a review workbook?）",
                              file=str(path), sheet=sheet)
        rows = wb.get_sheet_by_name(sheet).to_python()
        header = [_str(h) for h in rows[0]] if rows else []
        index = {}
        for ck, label in columns:
            if label not in header:
                raise LedgerError(f"{path} 工作表 sheet {sheet}: 缺少列 missing column {label!r}", file=str(path), sheet=sheet)
            index[ck] = header.index(label)
        out[key] = [{ck: _str(r[i]) if i < len(r) else "" for ck, i in index.items()} | {"_row": str(n)}
                    for n, r in enumerate(rows[1:], start=2) if any(_str(c) for c in r)]
    return out


def _accepted(path: Path, sheet: str, rows: list[dict[str, str]]) -> list[dict[str, str]]:
    out = []
    for r in rows:
        v = r["accept"].strip()
        if v.lower() in _ACCEPT_WORDS or v in _ACCEPT_WORDS:
            out.append(r)
        elif v.lower() not in _REJECT_WORDS and v not in _REJECT_WORDS:
            raise LedgerError(f"{path} 工作表 sheet {sheet} 第 {r['_row']} 行 row, 列 column 采纳 accept: "
                              f"无法识别的值 unknown value {v!r}（应为 采纳 或 不采纳 / expected 采纳 or 不采纳）",
                              file=str(path), sheet=sheet)
    return out


def _need(path: Path, sheet: str, row: dict[str, str], key: str, label: str) -> str:
    v = row.get(key, "").strip()
    if not v:
        raise LedgerError(f"{path} 工作表 sheet {sheet} 第 {row['_row']} 行 row, 列 column {label}: 已采纳但为空 "
                          f"accepted but empty（请填写后再运行 fill it in and run again）", file=str(path), sheet=sheet)
    return v


def _source(r: dict[str, str]) -> str:
    return f"{r['file']} 段 {r['para']} [{r['start']}:{r['end']}] {r.get('rule', '')}"


def _write_csv(folder: Path, name: str, header: list[str], rows: list[list[str]]) -> None:
    if not rows:
        return
    with open(folder / name, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)


def apply_review(path: str | Path, out: str | Path, *, county: str = "") -> dict[str, int]:
    """Turn the accepted rows of a review workbook into a ledger folder.

    Parameters
    ----------
    path
        The review workbook written by ``graphkit extract``.
    out
        The ledger folder to write (atomically). An existing folder is replaced only if it is this
        command's earlier output with every file unchanged (``graphkit.store.io.check_replace``).
    county
        Written to ``graphkit.yaml`` (``county:``) when given.

    Returns
    -------
    dict
        Rows written per file name.
    """
    path = Path(path)
    data = read_review(path)
    orgs = _accepted(path, SHEETS["orgs"], data["orgs"])
    links = _accepted(path, SHEETS["links"], data["links"])
    numbers = _accepted(path, SHEETS["numbers"], data["numbers"])
    lsheet = SHEETS["links"]
    label = dict(LINK_COLUMNS)

    roster: dict[str, list[str]] = {}

    def add_org(name: str, *, form: str = "", kind: str = "", level: str = "", src: str = "") -> None:
        key = org_key(name, county) or name
        if key in roster:
            return
        from .orgs import org_kind, org_level

        kind = kind or org_kind(name)
        level = level or org_level(name, kind)
        roster[key] = [name, form if form in _FORMS else "", _SECTOR.get(kind, ""), _LEVEL.get(level, ""), src]

    for r in orgs:
        add_org(_need(path, SHEETS["orgs"], r, "name", dict(ORG_COLUMNS)["name"]), form=r["form"], kind=r["kind"],
                level=r["level"], src=_source(r))
    district: list[list[Any]] = []
    joint: list[list[Any]] = []
    chain: list[list[Any]] = []
    stages: list[list[Any]] = []
    pairing: list[list[Any]] = []
    other: list[list[Any]] = []
    for r in links:
        src = _source(r)
        kind = _need(path, lsheet, r, "type", label["type"])
        members = [m.strip() for m in r["members"].replace(",", "、").replace("，", "、").split("、") if m.strip()]
        if kind == "结对共建":
            strong = _need(path, lsheet, r, "strong", label["strong"])
            weak = _need(path, lsheet, r, "weak", label["weak"])
            date = _need(path, lsheet, r, "date", label["date"])
            add_org(strong, src=src)
            add_org(weak, src=src)
            pairing.append([strong, weak, r["form"] or "其他", date, src])
            continue
        if not members:
            _need(path, lsheet, r, "members", label["members"])
        lead = r["lead"].strip()
        if lead and lead not in members:
            members = [lead] + members
        for m in members:
            add_org(m, src=src)
        group = _need(path, lsheet, r, "group", label["group"]) if kind != "其他" else r["group"]
        roles = [("牵头单位" if m == lead else "成员单位") for m in members]
        if kind == "片区联建":
            district.extend([group, m, role, r["date"], src] for m, role in zip(members, roles))
        elif kind == "跨村联建":
            joint.extend([group, m, role, r["date"], src] for m, role in zip(members, roles))
        elif kind == "链上联建":
            ch = _need(path, lsheet, r, "chain", label["chain"])
            chain.extend([group, ch, m, role, r["date"], src] for m, role in zip(members, roles))
            for i, st in enumerate([s for s in r["stages"].split("、") if s.strip()], start=1):
                if [ch, st] not in [x[:1] + x[2:3] for x in stages]:
                    stages.append([ch, str(i), st.strip(), src])
        elif kind == "其他":
            other.append([r["group"], "、".join(members), r["date"], src])
        else:
            raise LedgerError(f"{path} 工作表 sheet {lsheet} 第 {r['_row']} 行 row, 列 column {label['type']}: "
                              f"未知联建类型 unknown link type {kind!r}", file=str(path), sheet=lsheet)
    counts: dict[str, int] = {}
    # the marker lists each file's SHA-256 (filled in below, written when the folder is complete): a
    # ledger edited since is the user's work, and the folder is then never replaced
    meta: dict[str, Any] = {"files": {}}
    with atomic_dir(out, kind="extract-ledgers", command="extract --apply", marker=meta) as tmp:
        files = [
            ("党组织名册.csv", ["党组织名称", "组织形式", "领域", "层级", "来源"], list(roster.values())),
            ("片区联建台账.csv", ["片区名称", "单位名称", "角色", "开始日期", "来源"], district),
            ("跨村联建台账.csv", ["联村党组织名称", "成员村党组织", "角色", "加入日期", "来源"], joint),
            ("链上联建_联盟成员.csv", ["联盟名称", "产业链", "党组织名称", "角色", "开始日期", "来源"], chain),
            ("产业链环节.csv", ["产业链", "环节序号", "环节名称", "来源"], stages),
            ("结对共建台账.csv", ["帮扶党组织", "受援党组织", "结对形式", "开始日期", "来源"], pairing),
            ("未入台账_其他联建.csv", ["名称", "成员", "日期", "来源"], other),
            ("未入台账_数字.csv", ["原文", "数值", "界", "单位", "计数对象", "类别", "来源"],
             [[n["surface"], n["value"], n["bound"], n["unit"], n["what"], n["category"], _source(n)] for n in numbers]),
        ]
        for name, header, rows in files:
            _write_csv(tmp, name, header, rows)
            if rows:
                counts[name] = len(rows)
        lines = ["# 由 graphkit extract --apply 生成 / written by graphkit extract --apply"]
        if county:
            lines.append(f"county: {county}")
        lines.append('ignore: ["未入台账*"]')
        (tmp / "graphkit.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
        meta["files"] = file_digests(tmp)
    return counts
