"""The review workbook (采纳/不采纳 per row) and the offline HTML with highlighted spans.

Workbook sheets: 说明 readme, 组织 orgs, 联建 links, 数字 numbers and, with a graph, 核对 claims.
Every cell is written as a string or number (``write_string``: a name starting with ``=`` stays
text). The 采纳 column has a drop-down (采纳 / 不采纳). The HTML is one self-contained file: the
report text, escaped, with organization and number spans highlighted and each linked to its row
(and back); a Content-Security-Policy forbids every request.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..core.files import atomic_file

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from . import Extraction

__all__ = ["write_workbook", "write_html", "SHEETS", "ORG_COLUMNS", "LINK_COLUMNS", "NUMBER_COLUMNS", "ACCEPT", "REJECT"]

ACCEPT, REJECT = "采纳", "不采纳"
SHEETS = {"orgs": "组织 orgs", "links": "联建 links", "numbers": "数字 numbers", "claims": "核对 claims"}
_COMMON = [("row_id", "编号 id"), ("accept", "采纳 accept"), ("file", "文件 file"), ("para", "段落 paragraph"),
           ("start", "起 start"), ("end", "止 end")]
_TAIL = [("rule", "规则 rule"), ("confidence", "置信度 confidence"), ("note", "备注 note")]
ORG_COLUMNS = _COMMON + [("surface", "原文 text"), ("name", "名称 name"), ("form", "组织形式 form"),
                         ("kind", "类型 kind"), ("level", "层级 level"), ("town", "所属镇(街道) town"),
                         ("roster_id", "名册编号 roster id"), ("candidates", "候选 candidates")] + _TAIL
LINK_COLUMNS = _COMMON + [("type", "联建类型 link type"), ("group", "联建组织 group"),
                          ("members", "成员(、分隔) members"), ("lead", "牵头单位 lead"), ("strong", "帮扶方 strong"),
                          ("weak", "受援方 weak"), ("form", "结对形式 pairing form"), ("chain", "产业链 chain"),
                          ("stages", "环节(、分隔) stages"), ("date", "日期 date"),
                          ("attending", "列席(非成员) attending, not members"), ("surface", "原文 text")] + _TAIL
NUMBER_COLUMNS = _COMMON + [("surface", "原文 text"), ("value", "数值 value"), ("bound", "界 bound"),
                            ("unit", "单位 unit"), ("what", "计数对象 what"), ("category", "类别 category"),
                            ("kind", "种类 kind"), ("sentence", "句子 sentence")] + _TAIL[:2]
CLAIM_COLUMNS = [("row_id", "编号 id"), ("file", "文件 file"), ("para", "段落 paragraph"), ("surface", "原文 text"),
                 ("category", "类别 category"), ("claim", "报告数字 claim"), ("bound", "界 bound"),
                 ("graph", "图谱数字 graph"), ("verdict", "结论 verdict"), ("sentence", "句子 sentence")]
_README = [
    "本工作簿列出从报告文本中自动抽取的候选项，须人工逐行审核。/ Candidates found in the reports by rules; a person decides each row.",
    "在“采纳 accept”列选择 采纳 或 不采纳；留空视为不采纳。/ Choose 采纳 (accept) or 不采纳 (reject) in the accept column; blank = reject.",
    "可直接修改名称、成员、牵头单位、帮扶方/受援方、日期等列；成员用“、”分隔。/ Names, members, lead, sides and dates may be edited; members are separated by 、.",
    "结对共建须填写日期（开始日期）。/ A pairing needs a date (its start).",
    "然后运行 then run: graphkit extract --apply 本文件 -o 台账目录 LEDGER_DIR ; graphkit build 台账目录 -o OUT",
    "文件/段落/起/止 指向原文位置（段落从 1 起，字符位置从 0 起）。/ file, paragraph (from 1) and character offsets (from 0) point to the words.",
    "界 bound: = 确数 exact, >= 下限 lower bound (余/多/超过/以上).",
]


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return "、".join(str(v) for v in value)
    if isinstance(value, float) and value != value:
        return ""
    return value


def _write_sheet(wb: Any, name: str, df: pd.DataFrame, columns: list[tuple[str, str]], *, accept: bool) -> None:
    ws = wb.add_worksheet(name)
    head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "text_wrap": True, "valign": "top"})
    for j, (_, label) in enumerate(columns):
        ws.write_string(0, j, label, head)
    for i, row in enumerate(df.to_dict("records"), start=1):
        for j, (key, _) in enumerate(columns):
            v = _cell(row.get(key, ""))
            if isinstance(v, bool):
                ws.write_string(i, j, "是" if v else "否")
            elif isinstance(v, (int, float)):
                ws.write_number(i, j, v)
            else:
                ws.write_string(i, j, str(v))
    if accept and len(df):
        col = [k for k, _ in columns].index("accept")
        ws.data_validation(1, col, len(df), col, {"validate": "list", "source": [ACCEPT, REJECT]})
    ws.freeze_panes(1, 2)
    ws.set_column(0, len(columns) - 1, 14)
    if len(df):
        ws.autofilter(0, 0, len(df), len(columns) - 1)


def write_workbook(result: Extraction, path: str | Path, *, force: bool = False) -> Path:
    """Write the review workbook (atomically).

    Parameters
    ----------
    result
        What :func:`graphkit.extract.extract_files` returned.
    path
        The .xlsx file to write. An existing file is replaced only if graphkit wrote it and it is
        unchanged since (recorded with its SHA-256 in ``.graphkit-files.json``: a workbook someone
        has started reviewing is never replaced); ``force`` replaces it anyway.
    """
    import xlsxwriter

    path = Path(path)
    with atomic_file(path, mode="wb", encoding=None, kind="extract-review", command="extract", force=force) as fh:
        wb = xlsxwriter.Workbook(fh, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
        ws = wb.add_worksheet("说明 readme")
        for i, line in enumerate(_README):
            ws.write_string(i, 0, line)
        ws.set_column(0, 0, 120)
        _write_sheet(wb, SHEETS["orgs"], result.orgs, ORG_COLUMNS, accept=True)
        _write_sheet(wb, SHEETS["links"], result.links, LINK_COLUMNS, accept=True)
        _write_sheet(wb, SHEETS["numbers"], result.numbers, NUMBER_COLUMNS, accept=True)
        if result.claims is not None:
            _write_sheet(wb, SHEETS["claims"], result.claims, CLAIM_COLUMNS, accept=False)
        wb.close()
    return path


_PAGE = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>抽取结果审核 extraction review</title>
<style>
body{font-family:sans-serif;max-width:1100px;margin:1em auto;line-height:1.7}
mark.org{background:#ffe08a}mark.num{background:#b8e0ff}a.lk{font-size:.75em;color:#a33;text-decoration:none}
mark:target,tr:target{outline:2px solid #d33}table{border-collapse:collapse;font-size:.85em;margin:1em 0}
td,th{border:1px solid #ccc;padding:2px 6px;vertical-align:top}p.para{margin:.4em 0}span.pn{color:#999;font-size:.8em}
</style></head><body>
<h1>抽取结果审核 extraction review</h1>
<p>黄色：组织 organizations；蓝色：数字 numbers；红色编号：联建候选 link candidates。点击跳转到对应行。/ Click a span to jump to its row.</p>
{% for file, paras in texts %}<h2>{{ file }}</h2>
{% for n, html in paras %}<p class="para"><span class="pn">{{ n }}</span> {{ html }}</p>
{% endfor %}{% endfor %}
<h2>组织 organizations</h2><table><tr><th>编号 id</th><th>名称 name</th><th>组织形式 form</th><th>类型 kind</th><th>层级 level</th><th>名册 roster</th><th>规则 rule</th><th>置信度</th></tr>
{% for r in orgs %}<tr id="row-{{ r.row_id }}"><td><a href="#{{ r.row_id }}">{{ r.row_id }}</a></td><td>{{ r.name }}</td><td>{{ r.form }}</td><td>{{ r.kind }}</td><td>{{ r.level }}</td><td>{{ r.roster_id }} {{ r.candidates }}</td><td>{{ r.rule }}</td><td>{{ r.confidence }}</td></tr>
{% endfor %}</table>
<h2>联建 links</h2><table><tr><th>编号 id</th><th>类型 type</th><th>联建组织 group</th><th>成员 members</th><th>牵头 lead</th><th>帮扶方 strong</th><th>受援方 weak</th><th>产业链 chain</th><th>规则 rule</th></tr>
{% for r in links %}<tr id="row-{{ r.row_id }}"><td><a href="#{{ r.row_id }}">{{ r.row_id }}</a></td><td>{{ r.type }}</td><td>{{ r.group }}</td><td>{{ r.members }}</td><td>{{ r.lead }}</td><td>{{ r.strong }}</td><td>{{ r.weak }}</td><td>{{ r.chain }}</td><td>{{ r.rule }}</td></tr>
{% endfor %}</table>
<h2>数字 numbers</h2><table><tr><th>编号 id</th><th>原文 text</th><th>数值 value</th><th>界</th><th>计数对象 what</th><th>类别 category</th><th>核对 check</th></tr>
{% for r in numbers %}<tr id="row-{{ r.row_id }}"><td><a href="#{{ r.row_id }}">{{ r.row_id }}</a></td><td>{{ r.surface }}</td><td>{{ r.value }}</td><td>{{ r.bound }}</td><td>{{ r.what }}</td><td>{{ r.category }}</td><td>{{ r.verdict }}</td></tr>
{% endfor %}</table>
</body></html>
"""


def _para_html(text: str, spans: list[tuple[int, int, str, str]], anchors: dict[int, list[str]]) -> Any:
    from markupsafe import Markup, escape

    out: list[str] = []
    pos = 0
    spans = sorted(spans)
    for s, e, cls, rid in spans:
        if s < pos:
            continue  # overlapping spans: the first one is shown, the other keeps its row
        for k in sorted(a for a in anchors if pos <= a < s):
            out.extend(f'<a class="lk" href="#row-{escape(r)}">[{escape(r)}]</a>' for r in anchors.pop(k))
        out.append(str(escape(text[pos:s])))
        out.append(f'<mark class="{cls}" id="{escape(rid)}"><a href="#row-{escape(rid)}">{escape(text[s:e])}</a></mark>')
        pos = e
    for k in sorted(anchors):
        if k >= pos:
            out.append(str(escape(text[pos:k])))
            pos = k
        out.extend(f'<a class="lk" href="#row-{escape(r)}">[{escape(r)}]</a>' for r in anchors[k])
    out.append(str(escape(text[pos:])))
    return Markup("".join(out))


def write_html(result: Extraction, path: str | Path, *, force: bool = False) -> Path:
    """Write the offline review page (atomically): text with spans linked to rows."""
    import jinja2

    path = Path(path)
    verdicts = {} if result.claims is None else dict(zip(result.claims["row_id"], result.claims["verdict"]))
    texts = []
    for file, paras in result.texts.items():
        o = result.orgs[result.orgs["file"] == file]
        n = result.numbers[result.numbers["file"] == file]
        lk = result.links[result.links["file"] == file]
        rendered = []
        for num, text in paras:
            spans = [(int(r.start), int(r.end), "org", r.row_id) for r in o[o["para"] == num].itertuples()]
            spans += [(int(r.start), int(r.end), "num", r.row_id) for r in n[n["para"] == num].itertuples()]
            anchors: dict[int, list[str]] = {}
            for r in lk[lk["para"] == num].itertuples():
                anchors.setdefault(int(r.start), []).append(r.row_id)
            rendered.append((num, _para_html(text, spans, anchors)))
        texts.append((file, rendered))

    def rows(df: pd.DataFrame) -> list[dict[str, Any]]:
        return [{k: _cell(v) for k, v in rec.items()} for rec in df.to_dict("records")]

    nums = rows(result.numbers)
    for r in nums:
        r["verdict"] = verdicts.get(r["row_id"], "")
    env = jinja2.Environment(autoescape=True)
    html = env.from_string(_PAGE).render(texts=texts, orgs=rows(result.orgs), links=rows(result.links), numbers=nums)
    with atomic_file(path, kind="extract-review", command="extract --html", force=force) as fh:
        fh.write(html)
    return path
