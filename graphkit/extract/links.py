"""Link candidates: 片区联建 / 跨村联建 / 链上联建 / 结对共建 / 其他, with members and roles.

Rules work on sentences (split at 。！？；) and, when one sentence names links of several kinds in
different clauses ("以村企联的方式与…开展产销合作,以链条联的方式融入…产业链党委"), on clauses, the
sentence's first organization being the subject of each clause. The type comes from trigger
words with a fixed precedence (chain > cross-village > pairing > district > other), so a
"功能性片区" inside a chain text does not make a district: only "第N片区" and "片区联建" do.

Members are the organization mentions of the span, minus mentions that name a person's office
("…党支部书记") or an attending superior ("县委组织部领导出席"), which are listed apart. The lead is
the organization "X牵头" (not "X牵头组建…", which leads the making of something else), "由X牵头"
or "X为组长单位/牵头单位/链长单位". Pairings follow "A与B结对"; "A、B分别与C、D结对" pairs in order,
"A与B、C与D分别结对" pairs each 与, "A和B分别与C结对" pairs A and B with C, "A结对帮扶B,C帮扶D村"
reads clause by clause, "X、Y分别由A、B结对帮扶" makes A, B the strong sides, and a company, bank or
agency is the strong side of its agreement with a village. "在X(的)指导下" and a town's party
committee setting up its villages' group name superiors, who attend and are not members.
"""
from __future__ import annotations

from typing import Any

import re
from dataclasses import dataclass, field

from .orgs import OrgMention, find_villages, left_cut, org_kind

__all__ = ["LinkCandidate", "chain_named", "fill_chain_context", "find_links", "LINK_TYPES", "split_sentences",
           "stage_list"]

LINK_TYPES = ("片区联建", "跨村联建", "链上联建", "结对共建", "其他")
_CJK = "\u4e00-\u9fff"
_TRIGGERS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("链上联建", re.compile(r"产业链|链上联建|链条联|链上|产业联盟|全产业链|链长")),
    ("跨村联建", re.compile(r"跨村联建|联村党|联村|跨村|联合党委|党建联盟|村级党组织成立")),
    ("结对共建", re.compile(r"结对|对子|帮带|一对一|挂一个村|包村|村企联|以强带弱|结成帮扶|共驻共建|共建协议|分别与[^。;；]{2,40}?(?:签订|结对|共建|结成)|与[^。;；,，]{3,30}?共建(?!活动)|分别(?:联系|帮扶|包联|挂包|挂钩|对口|包抓)|"
                           r"(?:党支部|党总支|党委|党组|局|公司)(?:定点|对口)?帮扶(?!工作|资金|项目|政策|措施|力度|干部|责任|活动)")),
    ("片区联建", re.compile(r"第[0-9一二三四五六七八九十]+片区|片区联建|联建片区|"
                           r"(?:^|(?<=[,，。;；:：]))(?:[东西南北中]|[\u4e00-\u9fff]{2,4})片区(?=由|以|组长|成员|牵头)")),
    ("其他", re.compile(r"联合开展|共同开展|联建活动|共建活动|携手开展|联合举办|共同举办|联合组织|联建共建|签订[^,。]{0,12}协议|联合[^。;]{2,60}?开展|共同(?:联系|开展|组织|举办|打造|推进)")),
)
# "第三片区", and a district named at the head of its clause: "东片区以…为牵头单位", "南湖片区由…任组长单位"
_DISTRICT_RE = re.compile(r"第[0-9一二三四五六七八九十]+片区|"
                          r"(?:^|(?<=[,，。;；:：]))(?:[东西南北中]|[\u4e00-\u9fff]{2,4})片区(?=由|以|组长|成员|牵头)")
_LEAD_BEFORE = re.compile(r"(?:牵头单位|组长单位|链长单位)(?:为|是|[:：])$")
_SENT_RE = re.compile(r"[^。!?！？;；]+[。!?！？;；]?")
_PERSON_AFTER = re.compile(r"(?:主要|相关|有关)?(?:领导|负责人|负责同志|书记|副书记|同志|主任|局长|部长|班子|委员|干部)")
_ATTEND = re.compile(r"出席|莅临|观摩|调研|陪同|讲话|到场|见证|参加活动|出席活动|指导")
# "在X(的)指导下": X guides the link and is not one of its sides or members
_UNDER_RE = re.compile(r"在([^,，。;；在]{2,40}?)的?(?:指导|领导|推动|统筹|支持|帮助|督导|关心|引领)下")
# a town's party committee (the superior of its villages)
_TOWN_COMMITTEE_RE = re.compile(r"(?:镇|乡|街道)(?:党委|党工委)$")
# verbs that join the two sides of a pairing clause: "A结对帮扶B", "A帮扶B"
_PAIR_VERB_RE = re.compile(r"结对帮扶|结对联系|结对帮带|结对|帮扶|帮带|包联|挂包|对口支援")
# "X、Y分别由A、B结对帮扶" / "X由A帮扶": the sides are written weak first
_WEAK_FIRST_AFTER = re.compile(r"(?:负责|进行|开展)?(?:结对|对口|定点|一对一)?(?:帮扶|帮带|联系|包联|挂包|结对|共建)")
_JOINT_ORG_SUFFIXES = ("联合党委", "党建联盟", "党建联合体", "联合党支部", "联合党总支", "联村党委", "联村党总支", "联村党支部")
_VISIT_RE = re.compile(r"[)）]?(?:有关|相关|主要)?(?:负责同志|负责人|领导)?(?:多次|先后|专程|一行|分别|定期)?(?:到|赴|深入|莅临|来到)"
                       r"[^,，。;；]{1,20}?(?:调研|指导|视察|督导|检查|考察|观摩|讲话)")
_JOINT_SETUP_RE = re.compile(rf"村[^,，。;；]{{0,16}}?(?:组建|成立|组成)了?[{_CJK}]{{2,10}}?联合党(?:支部|总支)")
_DATE_RE = re.compile(r"(\d{4})年(?:(\d{1,2})月(?:(\d{1,2})日)?)?|(\d{4})[-./](\d{1,2})(?:[-./](\d{1,2}))?")
_LEAD_AFTER = re.compile(r"(?:为|担任|作为|任|当)?(?:牵头单位|组长单位|链长单位|牵头党组织|组长)")
_CONNECTIVE = re.compile(r"与|和|(?<![共协会相])同(?![时步样比一级心类期])")  # not 同时, 共同, …
_STAGES_RE = re.compile(r"产业链的?([^,，。；;]{1,40}?)等?各?个?环节")
_STAGE_FORMULA_RE = re.compile(r"[“\"]([^”\"]{2,60}?\+[^”\"]{2,60}?)[”\"]的?(?:全)?产业链")
# a list of stages named as such: "覆盖菌种培育、栽培管理、烘干加工5个环节", "围绕育苗、种植等各环节"
_STAGE_LIST_RE = re.compile(
    rf"(?:产业链的?|覆盖|围绕|涵盖|包括|贯穿|打通)((?:[{_CJK}]{{1,6}}、)+[{_CJK}]{{1,6}}?)等?(?:[0-9一二三四五六七八九十]+个|各个?)?环节")
# a product named as the industry a text is about: "聚焦菌菇主导产业", "立足核桃产业优势"
_PRODUCT_RE = re.compile(rf"(?:聚焦|立足|围绕|依托|做强|做大)([{_CJK}]{{1,6}}?)(?:主导|特色|优势)?产业(?!链)")
_CHAIN_RE = re.compile(rf"([{_CJK}]{{2,8}}?)(?:产业链|产业联盟)")


@dataclass
class LinkCandidate:
    """One candidate link; offsets are those of the sentence or clause it came from."""

    para: int
    start: int
    end: int
    surface: str
    type: str
    group: str
    members: list[str]
    member_kinds: list[str]
    lead: str
    strong: str
    weak: str
    form: str
    chain: str
    stages: list[str]
    date: str
    attending: list[str]
    rule: str
    confidence: float
    note: str = ""
    member_spans: list[tuple[int, int]] = field(default_factory=list)


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Return (start, end) of each sentence.

    >>> split_sentences("甲。乙;丙")
    [(0, 2), (2, 4), (4, 5)]
    """
    return [(m.start(), m.end()) for m in _SENT_RE.finditer(text)]


# a quoted phrase names an activity or a slogan ("送教送医进联村", “联村不并村”): its words are no
# trigger; a quoted term of the work itself (“跨村联建”, “村企联”, “结对共建”) still is
_QUOTED_RE = re.compile(r"“([^”]{1,20})”|\"([^\"]{1,20})\"|「([^」]{1,20})」|‘([^’]{1,20})’")
_QUOTED_TERM_RE = re.compile(r".{0,4}|.*(?:联建|共建|联盟|结对|对子|帮扶|联)")


def _unquoted(m: re.Match[str]) -> str:
    inner = next(g for g in m.groups() if g is not None)
    return m.group() if _QUOTED_TERM_RE.fullmatch(inner) else ""


def _types_in(text: str) -> list[str]:
    bare = _QUOTED_RE.sub(_unquoted, text) if ("“" in text or '"' in text or "「" in text or "‘" in text) else text
    return [name for name, rx in _TRIGGERS if rx.search(bare)]


def _date(text: str) -> str:
    m = _DATE_RE.search(text)
    if not m:
        return ""
    y, mo, d = (m.group(1), m.group(2), m.group(3)) if m.group(1) else (m.group(4), m.group(5), m.group(6))
    if d:
        return f"{y}-{int(mo):02d}-{int(d):02d}"
    if mo:
        return f"{y}-{int(mo):02d}"
    return y


def _chain(text: str, orgs: list[OrgMention]) -> str:
    for o in orgs:
        if "产业链" in o.name:
            # one character names a product too: 竹产业链党建联盟
            m = re.match(r"^.*?([^镇乡县市区村全]{1,6})全?产业链", o.name)
            if m:
                return m.group(1)
    for m in re.finditer(r"全?产业链|产业联盟", text):
        i = m.start()
        j = i
        while j > 0 and i - j < 8 and re.match(rf"[{_CJK}]", text[j - 1]):
            j -= 1
        run = text[j:i]
        run = run[left_cut(run):]
        if len(run) >= 2 and run not in ("全产业", "各个", "全", "条"):
            return run
    return ""


def chain_named(text: str) -> str:
    """The last product a text names as its industry ("X产业链", "聚焦X主导产业"), or "".

    >>> chain_named("云溪县聚焦香菇主导产业，构建链上联建机制。")
    '香菇'
    """
    best, at = "", -1
    for m in re.finditer(r"产业链|产业联盟", text):
        name = _chain(text[max(0, m.start() - 10):m.end()], [])
        if name and m.start() > at:
            best, at = name, m.start()
    for m in _PRODUCT_RE.finditer(text):
        name = m.group(1)[left_cut(m.group(1)):]
        if name and m.start() > at:
            best, at = name, m.start()
    return best


def stage_list(text: str) -> list[str]:
    """The stages a text lists as such ("覆盖A、B、C 3个环节", "围绕A、B等各环节"), in order, or [].

    >>> stage_list("联合体围绕育苗、种植、仓储、加工4个环节分工负责。")
    ['育苗', '种植', '仓储', '加工']
    """
    m = _STAGE_LIST_RE.search(text)
    return m.group(1).split("、") if m else []


def _stages(text: str) -> list[str]:
    listed = stage_list(text)
    if listed:
        return listed
    m = _STAGES_RE.search(text)
    if m:
        parts = [re.sub(r"[0-9一二三四五六七八九十]+个?$", "", p) for p in re.split(r"[、,，]", m.group(1)) if p]
        parts = [p for p in parts if p]
        parts = [p for p in parts if len(p) <= 6]
        if len(parts) >= 2:
            return parts
    m = _STAGE_FORMULA_RE.search(text)
    if m:
        return [p.strip() for p in m.group(1).split("+") if p.strip()]
    return []


def _chain_stages(text: str, s: int, e: int) -> list[str]:
    """The stages of a chain link in ``text[s:e]``, else in the rest of its sentence (a clause names the link,
    a later clause its "鱼苗繁育+成鱼养殖+…"的全产业链)."""
    found = _stages(text[s:e])
    if found or e >= len(text) or text[e - 1] in "。；;!！?？":
        return found
    end = re.search(r"[。；;!！?？]", text[e:])
    return _stages(text[e:e + end.start()] if end else text[e:])


def _visiting(text: str, o: OrgMention, orgs: list[OrgMention]) -> bool:
    """Whether ``o`` heads a list of units that visit ("县委组织部、县农业农村局多次到联合党委调研指导")."""
    i = o.end
    while True:
        gap = re.match(r"[、和及与()（）]*", text[i:])
        j = i + (gap.end() if gap else 0)
        nxt = next((p for p in orgs if p.start == j and p is not o), None)
        if nxt is None:
            break
        i = nxt.end
    return bool(_VISIT_RE.match(text, i))


def _guided_spans(text: str) -> list[tuple[int, int]]:
    """The spans of X in "在X(的)指导下" (a superior guiding the link)."""
    if "下" not in text:
        return []
    return [(m.start(1), m.end(1)) for m in _UNDER_RE.finditer(text)]


def _guided(spans: list[tuple[int, int]], o: OrgMention) -> bool:
    return any(gs <= o.start < ge for gs, ge in spans)


def _split_members(text: str, orgs: list[OrgMention]) -> tuple[list[OrgMention], list[str]]:
    members, attending = [], []
    sentence_attends = bool(_ATTEND.search(text))
    guided = _guided_spans(text)
    for o in orgs:
        if _guided(guided, o):
            attending.append(o.name)
            continue
        after = text[o.end:o.end + 8]
        if _PERSON_AFTER.match(after):
            if sentence_attends:
                attending.append(o.name)
            continue
        if _visiting(text, o, orgs):
            attending.append(o.name)
            continue
        members.append(o)
    return members, attending


def _lead(text: str, orgs: list[OrgMention]) -> str:
    """The lead of a link: a unit named to a lead role (组长单位, 牵头单位, 链长单位) first, else "X牵头",
    "由X牵头" or "在X的带领下" (so "县委组织部牵头,由A担任组长单位" gives A)."""
    for o in orgs:
        if _LEAD_AFTER.match(text[o.end:o.end + 8]) or _LEAD_BEFORE.search(text, max(0, o.start - 6), o.start):
            return o.name
    for o in orgs:
        after = text[o.end:o.end + 8]
        if after.startswith("牵头") and not re.match(r"牵头(?:组建|成立|建立|打造|举办|开展|制定|编制)", after):
            return o.name
        if text[max(0, o.start - 1):o.start] == "由" and "牵头" in text[o.end:o.end + 6]:
            return o.name
        if text[max(0, o.start - 1):o.start] == "在" and re.match(r"的?(?:带领|带动)下", after):
            return o.name
    return ""


def _dedupe(orgs: list[OrgMention]) -> list[OrgMention]:
    seen, out = set(), []
    for o in orgs:
        if o.name not in seen:
            seen.add(o.name)
            out.append(o)
    return out


def _candidate(para: int, text: str, s: int, e: int, kind: str, orgs: list[OrgMention], *, rule: str,
               confidence: float, group: str = "", extra_villages: bool = False, para_date: str = "") -> LinkCandidate | None:
    span = text[s:e]
    members, attending = _split_members(text, orgs)
    # "联村党委下设冷水鱼、林下鸡2个产业党支部": the branches set up under a committee are its parts
    if "下设" in span:
        members = [o for o in members if not re.search(r"下设[^,，。;；]*$", text[s:o.start])]
    names = [o.name for o in members]
    kinds = [o.kind for o in members]
    spans = [(o.start, o.end) for o in members]
    if extra_villages:
        # bare villages count only as an enumeration (A村、B村…) followed by a forming verb
        found = find_villages(text, s, e, [(o.start, o.end) for o in orgs])
        enum = []
        for k, (vs, ve, vname) in enumerate(found):
            near = k + 1 < len(found) and re.fullmatch(r"[、和与及]", text[ve:found[k + 1][0]])
            prev = k > 0 and re.fullmatch(r"[、和与及]", text[found[k - 1][1]:vs])
            if near or prev:
                enum.append((vs, ve, vname))
        if enum and not re.search(r"成立|组建|组成|联合|共建|结成|联建", text[enum[-1][1]:enum[-1][1] + 14]) \
                and "联合" not in text[max(s, enum[0][0] - 10):enum[0][0]]:
            enum = []  # "联合A村、B村" names members too
        if kind == "其他":
            enum = found  # a joint activity's bare village or community members
        leads = [v for v in found if text.startswith("牵头", v[1])]
        if enum and leads and leads[0] not in enum:
            enum = [leads[0]] + enum
        for vs, ve, vname in enum:
            if vname not in names and not any(n.startswith(vname) or n.endswith(vname + o_suffix) for n in names
                                               for o_suffix in ("党支部", "党总支", "党委")):
                names.append(vname)
                kinds.append(org_kind(vname) or "村")
                spans.append((vs, ve))
        if len(spans) > len(members):  # bare villages join the members in reading order
            order = sorted(range(len(names)), key=lambda k: spans[k])
            names, kinds, spans = [names[k] for k in order], [kinds[k] for k in order], [spans[k] for k in order]
    chain = _chain(span, members) if kind == "链上联建" else ""
    if kind == "链上联建" and not chain:
        chain = chain_named(text[:s])  # named earlier in the paragraph: "聚焦菌菇主导产业,…。县农业农村局党委为链长单位…"
    lead = _lead(text, members)
    if not lead:
        lead = next((n for n, (ms, me) in zip(names, spans) if text.startswith("牵头", me)), "")
    if lead in names and kind in ("链上联建", "跨村联建"):
        # the organization department or work committee that sets a link up is not its member
        # when another unit is named its lead ("县委组织部以…为纽带,由县供销合作社党组担任组长单位")
        for n in list(names):
            if n != lead and n.endswith(("组织部", "机关工委", "工委")) and names.index(n) < names.index(lead):
                i = names.index(n)
                del names[i], kinds[i], spans[i]
                attending.append(n)
    if kind == "链上联建":
        for n in list(names):
            if "产业链" in n and n.endswith(("党委", "党总支", "党支部", "联合党委", "党建联盟", "联盟", "党建联合体")):
                group = group or n
        if group in names:
            i = names.index(group)
            del names[i], kinds[i], spans[i]
    if kind == "跨村联建":
        for o in members:
            if o.rule != "shared_head" and o.name.endswith(_JOINT_ORG_SUFFIXES):
                group = group or o.name
        if group in names:
            i = names.index(group)
            del names[i], kinds[i], spans[i]
    if kind == "跨村联建" and any(k in ("村", "社区") for k in kinds):
        # a town's party committee that sets up or leads its villages' group is their superior
        for n in [n for n in names if _TOWN_COMMITTEE_RE.search(n)]:
            i = names.index(n)
            del names[i], kinds[i], spans[i]
            attending.append(n)
            lead = "" if lead == n else lead
    for n in [n for n in names if n.endswith(("村", "社区"))]:
        # a bare village beside its own party branch ("石桥村党支部牵头,石桥、木桥…") is one member
        own = re.compile(rf"(?:[{_CJK}]{{1,8}}?(?:镇|乡|街道))?{re.escape(n)}(?:党支部|党总支|党委)")
        if any(own.fullmatch(m) for m in names):
            i = names.index(n)
            del names[i], kinds[i], spans[i]
    if kind == "跨村联建" and group and len(names) == 1 and kinds[0] not in ("村", "社区"):
        # one unit beside an existing joint committee: no cross-village link. A superior that
        # visits (组织部, 工委, the town's committee) is attending; a peer unit works with it (其他)
        g = next((o for o in members if o.name == group), None)
        if g is None or names[0].endswith(("组织部", "工委")) or _TOWN_COMMITTEE_RE.search(names[0]):
            return None
        pair = sorted([(spans[0], names[0], kinds[0]), ((g.start, g.end), group, g.kind)])
        spans, names, kinds = [p[0] for p in pair], [p[1] for p in pair], [p[2] for p in pair]
        kind, group, rule, confidence = "其他", "", rule.replace("joint_village", "joint_activity"), 0.5
    if len(names) < 2 and not (group and names):
        return None
    if not group:
        if kind == "链上联建":
            group = f"{chain or ''}产业链链上联建({lead}牵头)" if lead else f"{chain or ''}产业链链上联建({names[0]}等)"
        elif kind == "跨村联建":
            group = f"联村党组织({'、'.join(names[:3])}{'等' if len(names) > 3 else ''})"
        elif kind == "其他":
            group = f"联建活动({names[0]}等)"
    return LinkCandidate(para, s, e, span, kind, group, names, kinds, lead, "", "", "", chain,
                         _chain_stages(text, s, e) if kind == "链上联建" else [], _date(span) or para_date, attending, rule,
                         confidence, member_spans=spans)


def _pairing_form(text: str) -> str:
    if "村企" in text:
        return "村企联建"
    if re.search(r"强村|弱村|以强带弱", text):
        return "强村带弱村"
    if re.search(r"一类|先进带后进|三类", text):
        return "一类带三类"
    if re.search(r"机关.{0,6}(?:挂|联|包)", text):
        return "机关联村"
    if "共驻共建" in text:
        return "共驻共建"
    return "其他"


def _with_villages(text: str, s: int, e: int, orgs: list[OrgMention]) -> list[OrgMention]:
    extra = [OrgMention(0, vs, ve, v, v, "", org_kind(v) or "村", "村", "bare_village", 0.6)
             for vs, ve, v in find_villages(text, s, e, [(o.start, o.end) for o in orgs])
             if not any(o.name.startswith(v) or v in o.name for o in orgs)]
    return sorted(orgs + extra, key=lambda o: o.start)


def _pairings(para: int, text: str, s: int, e: int, orgs: list[OrgMention], subject: OrgMention | None,
              para_date: str) -> list[LinkCandidate]:
    """Pairings of a span; a span whose clauses each pair two sides is read clause by clause."""
    orgs = _with_villages(text, s, e, orgs)
    for o in orgs:
        o.para = para
    clauses = [(m.start() + s, m.end() + s) for m in re.finditer(r"[^,，]+[,，]?", text[s:e])]
    pairing_clauses = [(cs, ce) for cs, ce in clauses
                       if sum(cs <= o.start < ce for o in orgs) >= 2
                       and (_CONNECTIVE.search(text, cs, ce) or _joined_by_verb(text, [o for o in orgs if cs <= o.start < ce]))]
    if len(pairing_clauses) >= 2:
        out = []
        for cs, ce in pairing_clauses:
            out.extend(_pairings_span(para, text, cs, ce, [o for o in orgs if cs <= o.start < ce], None, para_date))
        return out
    return _pairings_span(para, text, s, e, orgs, subject, para_date)


def _joined_by_verb(text: str, orgs: list[OrgMention]) -> bool:
    """Whether a pairing verb stands between two of ``orgs`` ("A结对帮扶B", "A帮扶B村")."""
    return any(_PAIR_VERB_RE.match(text[a.end:b.start].strip("、,，")) for a, b in zip(orgs, orgs[1:]))


def _chained_pairs(text: str, members: list[OrgMention], e: int) -> list[tuple[OrgMention, OrgMention]]:
    """"A与B、C与D分别结对": pairs joined by a connective, separated by 、 and followed by 分别."""
    if len(members) < 4 or len(members) % 2 or "分别" not in text[members[-1].end:e]:
        return []
    gaps = [text[a.end:b.start] for a, b in zip(members, members[1:])]
    if all(_CONNECTIVE.fullmatch(g) if i % 2 == 0 else re.fullmatch(r"[、,，;；]|以及|及", g) for i, g in enumerate(gaps)):
        return list(zip(members[::2], members[1::2]))
    return []


def _weak_first(text: str, left: list[OrgMention], right: list[OrgMention]) -> bool:
    """Whether the sides read weak first: "X、Y分别由A、B结对帮扶", "X由A帮扶"."""
    if not left or not right:
        return False
    gap = text[max(o.end for o in left):min(o.start for o in right)]
    return bool(re.fullmatch(r"(?:分别|均|都)?由", gap)) and bool(_WEAK_FIRST_AFTER.match(text, max(o.end for o in right)))


def _pairings_span(para: int, text: str, s: int, e: int, orgs: list[OrgMention], subject: OrgMention | None,
                   para_date: str) -> list[LinkCandidate]:
    span = text[s:e]
    members, attending = _split_members(text, orgs)
    if subject is not None and subject not in members and re.search(r"与|和|同", span):
        members = [subject] + members
    if len(members) < 2:
        return []
    chained = _chained_pairs(text, members, e)
    if chained:
        return _pairs_out(para, text, s, e, chained, "pairing_chained", attending, para_date)
    conn = None
    weak_first = False
    resp = re.search(r"分别", text[s:e])
    if resp is not None:
        rpos = s + resp.start()
        if any(o.end <= rpos for o in members) and any(o.start > rpos for o in members) \
                and not _CONNECTIVE.search(text, rpos, min(o.start for o in members if o.start > rpos)):
            # "A、B、C分别联系帮扶D、E、F": 分别 and its verb join the two sides
            left = [o for o in members if o.end <= rpos]
            right = [o for o in members if o.start > rpos]
            if len(left) > len(right):
                left = _same_clause(text, left, rpos)
            if len(left) == len(right) and len(left) > 1:
                weak_first = _weak_first(text, left, right)
                if weak_first:
                    left, right = right, left
                return _pairs_out(para, text, s, e, list(zip(left, right)), "pairing_respectively", attending, para_date,
                                  weak_first=weak_first)
    # "A和B分别与C结对": the connective after 分别 joins the two sides
    after_resp = re.search(r"分别(?:与|和|同)", text[s:e])
    if after_resp is not None:
        cpos = s + after_resp.end() - 1
        if any(o.end <= cpos for o in members) and any(o.start > cpos for o in members):
            conn = cpos
    for m in _CONNECTIVE.finditer(text, s, e):
        if conn is not None:
            break
        if any(o.start <= m.start() < o.end for o in members):
            continue
        if any(o.end <= m.start() for o in members) and any(o.start > m.start() for o in members):
            conn = m.start()
            break
    left = [o for o in members if conn is not None and o.end <= conn]
    right = [o for o in members if conn is not None and o.start > conn]
    if conn is None or not left or not right:
        last = max(o.end for o in members)
        if _CONNECTIVE.search(text, last, e) and not any(o.start > last for o in members):
            return []  # "A、B等…与各社区…": the other side is not named
        left, right = members[:1], members[1:]
        weak_first = _weak_first(text, left, right)
        if weak_first:  # "X由A结对帮扶"
            left, right = right, left
    respectively = "分别" in text[s:conn] if conn is not None else False
    if respectively and conn is not None and len(left) > len(right) > 1:
        left = _same_clause(text, left, conn)
    if respectively and len(left) == len(right) and len(left) > 1:
        pairs, rule = list(zip(left, right)), "pairing_respectively"
    elif len(left) == 1:
        pairs, rule = [(left[0], r) for r in right], "pairing_one_many"
    elif len(right) == 1:
        if not respectively and conn is not None:
            # "A…,在帮带B的同时,还与C结对": only the connective's clause (or the subject A) pairs with C
            near = _same_clause(text, left, conn)
            left = near or left[:1]
        pairs, rule = [(lo, right[0]) for lo in left], "pairing_many_one"
    elif len(left) == len(right):
        pairs, rule = list(zip(left, right)), "pairing_in_order"
    else:
        return []
    return _pairs_out(para, text, s, e, pairs, rule, attending, para_date, weak_first=weak_first)


def _same_clause(text: str, left: list[OrgMention], pos: int) -> list[OrgMention]:
    """The left-side mentions in the comma clause that ends at ``pos`` (drops "县直工委牵头," before it)."""
    cut = max(text.rfind(",", 0, pos), text.rfind("，", 0, pos), text.rfind(":", 0, pos))
    return [o for o in left if o.start > cut]


_UNIT_KINDS = ("企业", "机关", "事业单位", "学校", "医院")


def _place_of(name: str) -> str:
    """The village or community a branch belongs to, without town prefix or party suffix (柳坪村)."""
    body = re.sub(r"(?:党总支部|党总支|党支部|党委|联合党委)$", "", name)
    m = re.search(rf"[{_CJK}]{{2,4}}?(?:村|社区)$", re.sub(rf"^[{_CJK}]{{1,6}}?(?:镇|乡|街道)(?=[{_CJK}]{{2,}})", "", body))
    return m.group() if m else body


def _strong_second(text: str, a: OrgMention, b: OrgMention, e: int) -> bool:
    """Whether the second of two like sides is the strong one: labelled so ("弱村A与强村B结对") or
    described helping the first later in the sentence ("A与B结对,B党支部选派骨干帮助A…")."""
    if text[max(0, a.start - 2):a.start] == "弱村" or text[max(0, b.start - 2):b.start] == "强村":
        return True
    pa, pb = _place_of(a.name), _place_of(b.name)
    if not pa or not pb or pa == pb:
        return False
    rest = text[max(a.end, b.end):e]
    return bool(re.search(rf"{re.escape(pb)}[^,，。;；]{{0,12}}?(?:帮助|帮扶|带动|指导){re.escape(pa)}", rest))


def _pairs_out(para: int, text: str, s: int, e: int, pairs: list[tuple[OrgMention, OrgMention]], rule: str,
               attending: list[str], para_date: str, *, weak_first: bool = False) -> list[LinkCandidate]:
    span = text[s:e]
    form = _pairing_form(span)
    out = []
    for a, b in pairs:
        note = "由…帮扶:帮扶方为强方 the helper after 由 is the strong side" if weak_first \
            else "强弱方按语序 strong/weak by word order"
        if a.kind in ("村", "社区") and b.kind in _UNIT_KINDS:
            # a village's agreement with a company, bank or agency: the unit is the strong side
            a, b = b, a
            note = "村企/单位联村:单位为强方 the unit or company is the strong side"
        elif (a.kind in _UNIT_KINDS) == (b.kind in _UNIT_KINDS) and _strong_second(text, a, b, e):
            a, b = b, a
            note = "强村/弱村或帮助方按原文 strong side as the text labels or describes it"
        out.append(LinkCandidate(para, s, e, span, "结对共建", "", [a.name, b.name], [a.kind, b.kind], "", a.name,
                                 b.name, form, "", [], _date(span) or para_date, attending, rule,
                                 0.7 if rule != "pairing_in_order" else 0.5,
                                 note=note, member_spans=[(a.start, a.end), (b.start, b.end)]))
    return out


def _group_is_a_side(text: str, s: int, e: int, orgs: list[OrgMention]) -> bool:
    """Whether every cross-village trigger of ``text[s:e]`` lies in a joint organization's name that
    is one side of a pairing ("县自然资源局机关党支部与溪口镇联合党委签订共建协议")."""
    hits = list(_TRIGGERS[1][1].finditer(text, s, e))
    if not hits:
        return False
    for h in hits:
        o = next((o for o in orgs if o.start <= h.start() < o.end), None)
        if o is None:
            return False
        before = text[max(s, o.start - 1):o.start]
        after = text[o.end:o.end + 1]
        other_before = before in ("与", "和", "同") and any(p.end == o.start - 1 for p in orgs)
        other_after = after in ("与", "和", "同") and any(p.start == o.end + 1 for p in orgs)
        if not (other_before or other_after):
            return False
    return True


def _link_sentences(text: str) -> list[tuple[int, int]]:
    """Sentences, with a member list set off by a semicolon joined to the district before it
    ("东片区牵头单位:A;成员单位:B、C。" is one sentence)."""
    out: list[tuple[int, int]] = []
    for s, e in split_sentences(text):
        if out and text[out[-1][1] - 1] in ";；" and re.match(r"成员(?:单位)?(?:为|有|是|包括|[:：])", text[s:e]) \
                and _DISTRICT_RE.search(text, out[-1][0], out[-1][1]):
            out[-1] = (out[-1][0], e)
        else:
            out.append((s, e))
    return out


def find_links(text: str, para: int, orgs: list[OrgMention]) -> list[LinkCandidate]:
    """Find link candidates in one normalized paragraph, given its organization mentions.

    Examples
    --------
    >>> from .orgs import find_orgs
    >>> t = "县科协机关党支部牵头,联合市蚕桑产业发展中心党支部、中池镇青泥洞村党支部,聚焦蚕桑产业链的种、养、收等各环节。"
    >>> [(c.type, c.lead, c.chain, c.stages, len(c.members)) for c in find_links(t, 1, find_orgs(t, 1))]
    [('链上联建', '县科协机关党支部', '蚕桑', ['种', '养', '收'], 3)]
    """
    out: list[LinkCandidate] = []
    para_date = ""
    pending_group = ""  # a joint organization named alone, whose members the next sentence lists
    for s, e in _link_sentences(text):
        sent = text[s:e]
        types = _types_in(sent)
        if "跨村联建" not in types and _JOINT_SETUP_RE.search(sent):
            # villages setting up a joint branch ("A村与B村组建AB联合党支部") link across villages
            types = [n for n, _ in _TRIGGERS if n in types or n == "跨村联建"]
        if not types and pending_group and re.search(r"组建|组成|成立|抱团|联合|由[^,，]{2,24}?牵头", sent):
            types = ["跨村联建"]  # the members of the joint organization named just before
        if not types:
            continue
        sorgs = [o for o in orgs if s <= o.start < e]
        if types[0] == "跨村联建" and ("结对共建" in types or "其他" in types) and _group_is_a_side(text, s, e, sorgs):
            types.remove("跨村联建")  # a joint committee that is one side of a pairing or a joint activity
        guided = _guided_spans(text)
        subject = next((o for o in sorgs if not _guided(guided, o)), None)
        # clauses carry different link types: handle each clause with the sentence's subject
        clauses = [(m.start() + s, m.end() + s) for m in re.finditer(r"[^,，:：]+[,，:：]?", sent)]
        clause_types = [(cs, ce, _types_in(text[cs:ce])) for cs, ce in clauses]
        distinct = {t[0] for _, _, t in clause_types if t and t[0] != "其他"}
        if len(distinct) >= 2:
            units = [(cs, ce, t[0]) for cs, ce, t in clause_types if t and t[0] != "其他"]
            clause_mode = True
        else:
            units = [(s, e, types[0])]
            clause_mode = False
        for us, ue, kind in units:
            uorgs = [o for o in orgs if us <= o.start < ue]
            if clause_mode and subject is not None and subject not in uorgs and kind != "片区联建":
                uorgs = [subject] + uorgs
            uorgs = _dedupe(uorgs)
            rule = "clause_" if clause_mode else "sentence_"
            if kind == "结对共建":
                out.extend(_pairings(para, text, us, ue, [o for o in uorgs if o is not subject] if clause_mode else uorgs,
                                     subject if clause_mode else None, para_date))
            elif kind == "片区联建":
                marks = list(_DISTRICT_RE.finditer(text, us, ue))
                for i, dm in enumerate(marks):
                    ds, de = dm.start(), (marks[i + 1].start() if i + 1 < len(marks) else ue)
                    dorgs = [o for o in orgs if ds <= o.start < de]
                    c = _candidate(para, text, ds, de, kind, dorgs, rule=rule + "district", confidence=0.7,
                                   group=dm.group(), para_date=para_date, extra_villages=True)
                    if c is not None and len(c.members) == 1 and (not dorgs or dorgs[0].start != dm.end()):
                        c = None
                    if c is not None:
                        c.lead = ""  # a district's lead unit is named as such (牵头单位), not by 牵头 alone
                        lead_m = [o for o in dorgs if _LEAD_AFTER.match(text[o.end:o.end + 8])
                                  or (text[o.start - 1:o.start] == "由" and text.startswith("牵头", o.end))
                                  or _LEAD_BEFORE.search(text, max(0, o.start - 6), o.start)]
                        c.lead = lead_m[0].name if lead_m else ""
                        out.append(c)
            else:
                c = _candidate(para, text, us, ue, kind, uorgs, rule=rule + {"链上联建": "chain", "跨村联建": "joint_village",
                                                                       "其他": "joint_activity"}[kind],
                               confidence=0.75 if kind != "其他" else 0.5, extra_villages=(kind in ("跨村联建", "其他")),
                               para_date=para_date)
                if c is not None and kind == "跨村联建" and pending_group and c.group.startswith("联村党组织("):
                    c.group = pending_group  # "组建X联合党委。由A、B、C三个村联合组建…"
                if c is not None:
                    out.append(c)
                pending_group = ""
                if c is None and kind == "跨村联建":
                    groups = [o.name for o in uorgs if o.name.endswith(_JOINT_ORG_SUFFIXES)]
                    pending_group = groups[0] if len(groups) == 1 and len(uorgs) == 1 else ""
    return out


def fill_chain_context(paragraphs: list[tuple[int, str]], links: list[dict[str, Any]]) -> None:
    """Complete a file's chain links from the paragraphs around them, in place.

    A chain link without a chain name takes the last product named before it in the file (the title
    "打造“菌菇产业链”党建联合体"); one without stages takes those listed ("联盟围绕育苗、种植、仓储5个环节")
    by the paragraphs after it that name no link of their own, up to the next link. The link's note
    says which paragraph the value came from, for review.

    Parameters
    ----------
    paragraphs
        The file's normalized paragraphs as (number, text), in order.
    links
        The file's link rows (``extract_text`` dicts), in paragraph order.
    """
    with_links = {lk["para"] for lk in links}
    numbers = [n for n, _ in paragraphs]
    texts = dict(paragraphs)

    def add_note(lk: dict[str, Any], note: str) -> None:
        lk["note"] = "；".join(x for x in (lk["note"], note) if x)

    for lk in links:
        if lk["type"] != "链上联建":
            continue
        if not lk["chain"]:
            before = [texts[n] for n in numbers if n < lk["para"]]
            for k in range(len(before) - 1, -1, -1):
                name = chain_named(before[k])
                if name:
                    lk["chain"] = name
                    if lk["group"].startswith("产业链链上联建("):
                        lk["group"] = name + lk["group"]
                    add_note(lk, f"产业链名见第{numbers[k]}段 chain name from paragraph {numbers[k]}")
                    break
        if not lk["stages"]:
            for n in (n for n in numbers if n > lk["para"]):
                if n in with_links:
                    break
                found = stage_list(texts[n])
                if found:
                    lk["stages"] = found
                    add_note(lk, f"环节见第{n}段 stages from paragraph {n}")
                    break
