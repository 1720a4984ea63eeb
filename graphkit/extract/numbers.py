"""Numeric claims in report text: counts with what they count, formulas, lower bounds.

A count is ``[bound] number [万|亿] [余|多] measure-word [余|多|以上] noun``; the noun (or, for
活动-like measure words 次/场/期, the phrase before the number) says what is counted, and a
category (组织数, 覆盖村数, 结对数, 活动次数, …) is derived from it. ``余/多/超/超过/以上`` make a
lower bound. Formulas such as ``1+15+N`` and chains of counts joined by ``+`` are one claim of kind
公式 (their parts are not separate counts); a formula inside a title 《…》 or compared with another
value ("1+1>2") is not. Years, dates, ordinals and bare 一个/两个 (a generic article, as in
一个机关单位挂一个村) are not claims; 两个 after an enumeration ("黄泥、岩口两个村") or before what a
report counts ("两个片区累计开展…", "两个村级党组织") is a count.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["NumberClaim", "find_numbers", "parse_number"]

_CJK = "\u4e00-\u9fff"
_CN_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
_MEASURE = ("人次", "场次", "批次", "件次", "户次", "万元", "亿元", "元", "个", "名", "家", "次", "场", "支", "件", "条", "期", "人",
            "所", "座", "亩", "项", "户", "袋", "羽", "尾", "批", "篇", "位", "对", "张", "斤", "株", "立方米", "处", "公里", "千米", "平方米", "米", "吨", "公斤", "千克", "头", "只", "套", "台", "辆", "轮", "口", "箱", "%", "％")
# Arabic numerals, also with ASCII thousands separators ("3,200"), or Chinese numerals
_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?(?!\d)|\d+(?:\.\d+)?|[一二三四五六七八九十百千两]+"
#: words before a number that make it a lower bound
_AT_LEAST = ("超过", "突破", "超", "逾", "不少于", "不低于", "不下于", "至少")
_COUNT_RE = re.compile(
    rf"(?P<pre>超过|突破|不少于|不低于|不下于|至少|超|逾|近|达到|达|共|累计|全县|约)?(?P<num>{_NUM})(?P<scale>万|亿)?(?P<approx>余|多)?"
    rf"(?P<unit>{'|'.join(re.escape(u) for u in _MEASURE)})(?P<approx2>余|多|以上)?")
# a number written after its measure word at the end of a clause ("结成户帮扶对子2276。", "培训人次1500,")
_AFTER_MEASURE_RE = re.compile(
    rf"(?<=[{_CJK}])(?P<unit>对子|人次|场次|户次|个|名|家|次|场|户|人|项|期|对)(?P<num>\d+(?:\.\d+)?)(?P<approx>余|多)?"
    r"(?=$|[,，。;；、!！?？)）]|\.(?!\d))")
_FORMULA_RE = re.compile(r"(?<![\w.+])(?:\d+|[NnXx])(?:\s*\+\s*(?:\d+|[NnXx]))+(?![\w.])")
_WHAT_STOP = re.compile(r"[^" + _CJK + r"“”\"]|和|与|及|的|在|开展|参与|参加|到|为|进|实现|覆盖|结成|达|共|等|累计|,")
_CATEGORIES: tuple[tuple[str, str], ...] = (
    (r"联村党组织|联村党委|联村党总支|党建联盟", "联村党组织数"),
    (r"片区", "片区数"),
    (r"服务队", "服务队数"),
    (r"对子|结对", "结对数"),
    (r"强村", "强村数"),
    (r"弱村", "弱村数"),
    (r"党组织|党支部|党委|党总支|支部|机关党", "党组织数"),
    (r"行政村|村\b|村$|村\(社区\)|社区", "村(社区)数"),
    (r"党员", "党员数"),
    (r"企业", "企业数"),
    (r"社会组织", "社会组织数"),
    (r"项目", "项目数"),
    (r"活动|教学|培训|观摩|攻关|督导|互督|党课|会议", "活动次数"),
)


# 两个 before the name of what a report counts ("两个片区累计开展…") is a count, not an article
_COUNTED_ORG = re.compile(r"片区|联村|行政村|村级|村\(社区\)|社区|党组织|党支部|党总支|党委|支部")


@dataclass
class NumberClaim:
    """One numeric claim: value (with 万/亿 applied), bound (``=`` or ``>=``), unit, what, category."""

    para: int
    start: int
    end: int
    surface: str
    value: float | None
    bound: str
    unit: str
    what: str
    category: str
    kind: str  # 计数 count / 比例 rate / 金额 amount / 公式 formula
    rule: str
    confidence: float
    context: str = ""


def parse_number(text: str) -> float | None:
    """Parse Arabic or Chinese numerals.

    >>> parse_number("12"), parse_number("三"), parse_number("十二"), parse_number("二十"), parse_number("一百零八")
    (12.0, 3.0, 12.0, 20.0, 108.0)
    >>> parse_number("3,200"), parse_number("1,350.5")
    (3200.0, 1350.5)
    """
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?", text):
        return float(text.replace(",", ""))
    total, cur = 0, 0
    for ch in text:
        if ch in _CN_DIGITS:
            cur = _CN_DIGITS[ch]
        elif ch in _CN_UNITS:
            total += (cur or 1) * _CN_UNITS[ch]
            cur = 0
        else:
            return None
    return float(total + cur)


def _category(what: str, before: str, unit: str) -> str:
    if unit in ("%", "％"):
        return "比例"
    if unit.endswith("元"):
        return "金额"
    probe = what or before
    for pattern, cat in _CATEGORIES:
        if re.search(pattern, probe):
            if cat == "村(社区)数" and re.search(r"覆盖|涵盖", before[-6:]):
                return "覆盖村数"
            return cat
    if unit in ("次", "场", "场次", "期", "批次"):
        return "活动次数"
    if unit in ("名", "人", "位"):
        return "人数"
    return "其他"


def _after_measure(text: str, para: int, taken: list[tuple[int, int]]) -> list[NumberClaim]:
    """Counts whose Arabic number follows its measure word and ends the clause ("结成户帮扶对子2276").

    The counted noun is the run of Chinese before the number, cut at the last verb; a number inside
    a title 《…》 or a span already taken is skipped.
    """
    out = []
    for m in _AFTER_MEASURE_RE.finditer(text):
        s, e = m.start("unit"), m.end()
        if any(ts <= s < te or ts < e <= te for ts, te in taken):
            continue
        if text.rfind("《", 0, s) > text.rfind("》", 0, s):
            continue
        if text[s - 1:s] in ("每", "第", "排", "署", "姓", "点", "命", "单", "整"):
            continue  # a rate, an ordinal or another word: 每人2, 排名3, 点名1, 单次2
        before = text[max(0, s - 12):m.start("num")]
        what = re.split(rf"[^{_CJK}]|开展|累计|组织|举办|共|达|有|为|结成|解决|选派|培育|发放|覆盖", before)[-1]
        bound = ">=" if m.group("approx") else "="
        value = float(m.group("num"))
        out.append(NumberClaim(para, m.start("num"), e, text[m.start("num"):e], value, bound, m.group("unit"), what,
                               _category(what, before, m.group("unit")), "计数", "count_after_measure", 0.7,
                               context=text[max(0, s - 15):e + 15]))
    return out


def find_numbers(text: str, para: int) -> list[NumberClaim]:
    """Find the numeric claims of one normalized paragraph.

    Examples
    --------
    >>> [(c.value, c.bound, c.what, c.category) for c in find_numbers("组建12个联村党组织,覆盖51个行政村", 1)]
    [(12.0, '=', '联村党组织', '联村党组织数'), (51.0, '=', '行政村', '覆盖村数')]
    >>> [(c.surface, c.bound, c.what) for c in find_numbers("累计开展联建活动110余次", 1)]
    [('110余次', '>=', '联建活动')]
    >>> [(c.surface, c.kind) for c in find_numbers("推行“1+15+N”模式", 1)]
    [('1+15+N', '公式')]
    """
    out: list[NumberClaim] = []
    taken: list[tuple[int, int]] = []
    for m in _FORMULA_RE.finditer(text):
        if text.rfind("《", 0, m.start()) > text.rfind("》", 0, m.start()):
            continue  # inside a title: 《“3+X”工作手册》
        if re.match(r"\s*[>＞<＜=≥≤]", text[m.end():m.end() + 2]):
            continue  # an inequality slogan: “1+1>2”
        out.append(NumberClaim(para, m.start(), m.end(), m.group(), None, "=", "", "", "公式", "公式", "formula", 0.8,
                               context=text[max(0, m.start() - 10):m.end() + 10]))
        taken.append((m.start(), m.end()))
    counts = []
    for m in _COUNT_RE.finditer(text):
        s, e = m.start("num"), m.end()
        if any(ts <= s < te for ts, te in taken):
            continue
        num, unit = m.group("num"), m.group("unit")
        after = text[e:e + 12]
        before = text[max(0, s - 12):s]
        chinese = not num[0].isdigit()
        if text.rfind("《", 0, s) > text.rfind("》", 0, s):
            continue  # inside a title: 《百名书记谈初心》
        if re.search(r"[“\"‘][^”\"’]{0,3}$", text[max(0, s - 4):s]) and re.match(r"[^“”\"]{0,6}[”\"’]", text[e:e + 8]) \
                and not re.search(r"\+", text[max(0, s - 4):e + 8]):
            continue  # a quoted term: “200万袋”木耳专业村
        if chinese:
            if num in ("一", "二", "百", "千", "万") or num[0] in "百千" \
                    or (num == "两" and unit not in ("家", "名", "支", "所", "座", "项", "次", "场")
                        and not (unit == "个" and re.search(rf"[{_CJK}]{{1,6}}、[{_CJK}]{{1,6}}$", before))
                        and not (unit == "个" and _COUNTED_ORG.match(after))) or unit not in ("个", "名", "家", "支", "次", "项", "所", "场", "件", "条"):
                continue
            if re.match(r"[0-9一二三四五六七八九十]", after) or re.match(r"大|方面|层|级", after):
                continue
            if before.endswith(("“", "\"", "中央")) or re.match(r"[^”\"]{0,4}[”\"]", after):
                continue  # a slogan: “三个维度”, 中央八项规定
        if re.match(r"年|月|日|号|周年|时|分", text[m.end("num"):m.end("num") + 1]) and unit not in ("万元", "元"):
            continue
        if before.endswith(("第", "前", "星期")):
            continue
        if re.search(r"(?:点击|阅读|浏览|访问|点赞|评论)(?:量|数)?\s*[:：]?\s*$", before):
            continue  # page metadata: 点击:12次
        value = parse_number(num)
        if value is None:
            continue
        if m.group("scale") == "万":
            value *= 10_000
        elif m.group("scale") == "亿":
            value *= 100_000_000
        if unit == "万元":
            value *= 10_000
        elif unit == "亿元":
            value *= 100_000_000
        bound = ">=" if (m.group("approx") or m.group("approx2") or m.group("pre") in _AT_LEAST) else "="
        what_m = _WHAT_STOP.search(after)
        what = after[: what_m.start()] if what_m else after
        what = what.strip("“”\"")[:10]
        if unit in ("次", "场", "场次", "期", "批次", "人次", "件") or not what:
            # what was done: the words before the number, cut at the last verb or punctuation
            b = re.split(rf"[^{_CJK}]|开展|累计|组织|举办|共|达|有|为|办结|办理|结成|解决|整改|选派|回引|培育", before)[-1]
            what = what or b
            before_what = b
        else:
            before_what = before
        kind = "比例" if unit in ("%", "％") else ("金额" if unit.endswith("元") else "计数")
        start = m.start("pre") if m.group("pre") in (*_AT_LEAST, "近") else s
        counts.append(NumberClaim(para, start, e, text[start:e], value, bound, unit, what,
                                  _category(what, before_what if unit in ("次", "场", "场次", "期") else before, unit),
                                  kind, "count", 0.85 if not chinese else 0.75,
                                  context=text[max(0, start - 15):e + 15]))
    counts.extend(_after_measure(text, para, taken + [(c.start, c.end) for c in counts]))
    counts.sort(key=lambda c: c.start)
    # counts chained by '+' ("1名县级领导+1名党(工)委负责人+…") form one formula claim
    merged: list[NumberClaim] = []
    i = 0
    while i < len(counts):
        j = i
        while j + 1 < len(counts) and re.fullmatch(rf"[{_CJK}()（）]{{0,14}}\+", text[counts[j].end:counts[j + 1].start]):
            j += 1
        if j > i:
            s, e = counts[i].start, counts[j].end + len(counts[j].what)
            merged.append(NumberClaim(para, s, e, text[s:e], None, "=", "", "", "公式", "公式", "formula_counts", 0.7,
                                      context=text[max(0, s - 10):e + 10]))
        else:
            merged.append(counts[i])
        i = j + 1
    out.extend(merged)
    out.sort(key=lambda c: c.start)
    return out
