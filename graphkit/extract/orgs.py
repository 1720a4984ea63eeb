"""Organization mentions in report text: rules on the suffix grammar of names.

A party organization's name is ``[place prefixes] body suffix`` where the suffix is one of the
party forms (联合党委, 党总支, 党支部, 党工委, 机关工委, 党委, 党组, 党建联盟, …). The rules find each
suffix, take the run of Chinese characters before it, and cut it on the left at the last
boundary word (a verb or preposition: 联合, 牵头, 与, 融入, 培育, …). A body made only of generic
words (村, 机关, 景区, 各级, …) is a generic mention, not a name, and is dropped.

Other rules: shared heads ("生产链、市场链2个党支部", "龙门、银子等8个村党支部", bare villages
"大坪、田湾、枫林三个村"), agency units
("县农业农村局", "团委", "石泉经开区") where they stand in a list or after a boundary, companies
(…有限公司), and bare village names (…村) used as link members (see :mod:`.links`).

All offsets are into the paragraph (normalization keeps lengths, see :mod:`._normalize`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = ["OrgMention", "find_orgs", "find_villages", "org_kind", "org_level", "left_cut"]

_CJK = "\u4e00-\u9fff"
# party-form suffixes, longest first (a leftmost-longest alternation)
_PARTY_SUFFIXES = (
    "直属机关工作委员会", "机关工作委员会", "党总支部委员会", "党支部委员会", "联合党支部", "联合党总支", "直属机关工委", "联合党委", "联村党委",
    "党建联盟", "党建联合体", "机关工委", "党委员会", "大党委", "党工委", "党总支", "党支部", "党委", "党组", "工委",
)
_FORM_OF_SUFFIX = {
    "党总支部委员会": "党总支", "党支部委员会": "党支部", "党委员会": "党委", "直属机关工委": "机关工委",
    "直属机关工作委员会": "机关工委", "机关工作委员会": "机关工委",
    "大党委": "党委", "联村党委": "联合党委",
}
_NAME_SUFFIX = {"党总支部委员会": "党总支", "党支部委员会": "党支部", "党委员会": "党委"}
_SUFFIX_RE = re.compile("(?:" + "|".join(_PARTY_SUFFIXES) + ")(?!织|员|委员)")
_NAME_CHARS = re.compile(rf"[{_CJK}()（）·]+$")

# words that end a name on the left (verbs, prepositions, quantifiers); longest first
_BOUNDARY_WORDS = sorted({
    "联合", "牵头", "融入", "培育", "打造", "组建", "成立", "建立", "带领", "推动", "指导", "督促", "加入", "通过",
    "全县", "全市", "全镇", "全乡", "所有", "每个", "其中", "以及", "帮助", "协助", "依托", "联系", "共同", "结对",
    "带动", "围绕", "采取", "实施", "开展", "参加", "参与", "出席", "邀请", "组织", "走进", "来自", "例如", "单独",
    "首家", "新设立", "设立", "新建", "组成", "成为", "获评", "评为", "担任", "兼任", "领办", "推荐", "选派",
    "召开", "发挥", "联建", "共建", "结成", "携手", "会同", "对接", "帮扶", "包抓", "包联", "挂包", "挂钩",
    "协调", "积极", "主动", "深化", "推行", "聚焦", "支持", "服务", "覆盖", "整合", "吸收", "动员", "号召",
    "引导", "安排", "统筹", "优化", "理顺", "健全", "完善", "坚持", "探索", "创新", "凭借", "按照", "根据",
    "作为", "此外", "同时", "目前", "如今", "近年来", "今年", "去年", "以来", "期间", "分别", "均", "还", "并",
    "与", "和", "及", "同", "跟", "由", "在", "对", "将", "把", "为", "向", "到", "是", "的", "了", "被", "让",
    "使", "从", "等", "该", "各", "或", "也", "都", "就", "即", "又", "给", "自", "有", "以", "至", "于", "感谢", "经",
    "推进", "实现", "举办", "增强", "提升", "落实", "整顿", "传递", "时任", "抓好", "以上", "形成", "列席", "不断",
    "配强", "建强", "累计", "修订", "评定", "包括", "涵盖", "下辖", "辖区内", "联手", "携", "带", "帮", "吸纳",
    "书记", "下设", "——", "—",
    # a role in a link before the unit that holds it: "第一片区轮值单位县人大办党支部"
    "牵头单位", "轮值单位", "成员单位", "组长单位", "链长单位", "主办单位", "承办单位",
}, key=len, reverse=True)
_BOUNDARY_RE = re.compile(r"第[0-9一二三四五六七八九十]+片区|" + "|".join(re.escape(w) for w in _BOUNDARY_WORDS))
# compounds that contain a boundary character but belong to names
_PROTECTED_RE = re.compile(r"城乡|市场|服务(?:站|社|队|所|部|中心|公司)|自来水|自治|就业|国家电网|国网|中国移动|中国电信|中国联通|中国邮政|中国石油|中国石化|中石油|中石化|中铁|中建|有限责任公司|有限公司|股份|合作社|同心|和平|和谐|共和|太和|永和|新和|为民|向阳|自然|经济|"
                           r"组织部|宣传部|统战部|开发区|经开区|经贸|经信|经管|经济|经营|中心|服务中心|联合会|联谊会|工商联|妇联|科协|总工会")
_GENERIC_RE = re.compile(
    r"^(?:各级|各|该|本|全|基层|上级|下级|直属|城市|农村|县级|镇级|乡级|村级|市级|乡\(镇\)|乡镇|镇|乡|街道|县|市|区|村|"
    r"社区|机关|企业|公司|学校|医院|景区|街区|商业街区|园区|小区|兼合式小区|楼宇|网格|行业|两新|国企|非公|党|单位|"
    r"新|临时|流动|功能型|联合|产业链|链上|一类|二类|三类|软弱涣散|示范|先进|优秀|所在|相关|部分|驻区单位|驻村|"
    r"下属|所属|系统|一级|二级|其|党员|级|党群|委员|书记|公立|公立医院|中小学校|中小学|合作社|种植合作社|"
    r"机关企事业单位|企事业单位|事业单位|部门|县直|市直|区直|镇直|乡直|县直部门|工委|大|联村)+$")
_PLACE_PREFIX_RE = re.compile(rf"^(?:[{_CJK}]{{1,4}}(?:省|市|县|区))?(?:[{_CJK}]{{1,4}}(?:镇|乡|街道))?")

# agency and other unit names (no party suffix); only taken after a boundary or in a list
_UNIT_RE = re.compile(
    rf"(?:(?:[{_CJK}]{{2}}(?:县|市|区))|[县市区镇乡])?[{_CJK}]{{0,7}}?"
    r"(?:纪委监委机关|纪委监委|局|委员会|组织部|宣传部|统战部|政法委|纪委|委|办公室|办|政府|法院|检察院|党校|团委|妇联|科协|工商联|总工会|残联|"
    r"红十字会|慈善总会|文联|社科联|侨联|政协机关|政协|人大常委会|经开区|开发区|高新区|有限责任公司|有限公司|集团|卫生院|妇幼保健院|妇幼院|中医院|医院|"
    r"中心|小学|中学|幼儿园|学校|供销合作社|供销社|信用社|合作联社|合作社)"
)
_LIST_SEP = "、"
_BRAND_RE = re.compile(r"国家电网|国网|中国移动|中国电信|中国联通|中国邮政|中国石油|中国石化|中石油|中石化|中铁|中建|中国")
_ENDS_WITH_BOUNDARY = re.compile("(?:" + "|".join(re.escape(w) for w in _BOUNDARY_WORDS if len(w) > 1) + ")$")
_UNIT_END_RE = re.compile(r"(?:党委|党支部|党总支|党组|工委|联盟|局|委|办|部|院|校|站|所|中心|公司|集团|村|社区|会|联|队|园|馆)$")
_UNIT_EXT_RE = re.compile(r"社会工作部|网信办|组织部|宣传部|统战部|政法委|文明办|办公室|党校|办")
_BARE_UNITS = frozenset({"团委", "妇联", "科协", "工商联", "总工会", "残联"})
_VILLAGE_RE = re.compile(rf"[{_CJK}]{{2,3}}?(?:村|社区)(?![{_CJK}]{{0,1}}(?:党|民|级|委|干部|集体|两委|\"两委\"))")
_NOT_VILLAGE = re.compile(r"(?:乡村|农村|示范村|专业村|强村|弱村|试点村|空壳村|行政村|自然村|重点村|贫困村|脱贫村|全村|该村|本村|各村|"
                          r"每村|城乡社区|城市社区|各社区|该社区|本社区|全社区|辖区社区)$")
# a company named after its category word: 渔业企业永丰生态农业开展…
_APPOSITIVE_RE = re.compile(rf"(?:企业|公司|合作社)([{_CJK}]{{4,8}}?)(?=开展|签订|结对|共建|合作|联合)")


# an alliance named in quotes where it is set up: 组建“红色物业联盟”
_QUOTED_ALLIANCE_RE = re.compile(rf"(?:组建|成立|建立|打造|组成)了?[“\"]([{_CJK}]{{2,10}}联盟)[”\"]")


@dataclass
class OrgMention:
    """One organization mention.

    ``start``/``end`` are character offsets in the paragraph; ``name`` is the normalized full
    name; ``form`` the party form (党支部, …; empty for a unit); ``kind`` the host kind
    (机关/村/社区/企业/学校/医院/…); ``level`` 市/县/镇/村/企业 where the name tells it.
    """

    para: int
    start: int
    end: int
    surface: str
    name: str
    form: str
    kind: str
    level: str
    rule: str
    confidence: float
    note: str = ""
    extra: dict[str, str] = field(default_factory=dict)


# one-character adverbs before a connective: "还与X村" is 与 + X村, not a name "…与X村"
_ADVERBS = ("还", "并", "也", "都", "均", "又", "就", "即", "再")


def left_cut(run: str) -> int:
    """Return the index in ``run`` where a name begins: after the last boundary word.

    A one-character boundary is not taken when it would leave a bare one-character body (so
    ``与同心村`` gives ``同心村``, not ``心村``).

    >>> run = "县科协机关党支部牵头联合市蚕桑产业发展中心"
    >>> run[left_cut(run):]
    '市蚕桑产业发展中心'
    >>> "与同心村"[left_cut("与同心村"):]
    '同心村'
    """
    protected = [(m.start(), m.end()) for m in _PROTECTED_RE.finditer(run)]
    best = 0
    for m in _BOUNDARY_RE.finditer(run):
        s, e = m.start(), m.end()
        if any(ps <= s < pe or ps < e <= pe for ps, pe in protected):
            continue
        rest = run[e:]
        core = re.sub(r"(?:村|社区|镇|乡)$", "", rest)
        if len(m.group()) == 1 and len(core) == 1:
            continue
        if m.group() in ("和", "与", "及") and s > 0 and rest and rest[0] not in "县市镇乡区省中" \
                and not _UNIT_END_RE.search(run[:s]) and not _ENDS_WITH_BOUNDARY.search(run[:s]) \
                and not run[:s].endswith(_ADVERBS):
            continue  # 住房和城乡建设局, 发展和改革局, 仁和药业: the 和 is inside the name
        if e > best:
            best = e
    # a name starts at its highest-level place name: words before a two-character "X县/X市/X镇"
    # that are not a place themselves (吸纳青禾县… → 青禾县…) are cut
    rest = run[best:]
    place = re.search(r"[县市镇乡](?=[\u4e00-\u9fff])", rest)
    if place and place.start() >= 3:
        i = place.start()
        head = rest[:i - 2]
        if not head.endswith(("省", "市", "县", "区", "州", "盟")) and not _PROTECTED_RE.search(rest[i - 2:i + 1]) \
                and not _BRAND_RE.fullmatch(head):
            best += i - 2
    # a strong/weak label before a village is no part of its name: 强村柳坪村 → 柳坪村 (富强村 stays)
    label = re.match(rf"(?:强村|弱村|后进村|先进村)(?=[{_CJK}]{{2,}}(?:村|社区))", run[best:])
    if label:
        best += label.end()
    # a name does not start with a number or a measure word
    while best < len(run) and run[best] in "个名家支所座项批次":
        best += 1
    return best


def org_kind(name: str) -> str:
    """Return the host kind a name implies: 村/社区/企业/学校/医院/机关/事业单位, or ''.

    >>> [org_kind(n) for n in ["中池镇青泥洞村党支部", "陕西天成丝业有限公司党支部", "县科协机关党支部", "实验小学党支部"]]
    ['村', '企业', '机关', '学校']
    """
    body = re.sub("(?:" + "|".join(_PARTY_SUFFIXES) + ")$", "", name)
    if re.search(r"(?:有限责任公司|有限公司|公司|企业|合作社|集团|厂|银行|支行|分行|信用社)$", body) or "公司" in body:
        return "企业"
    if re.search(r"(?:小学|中学|幼儿园|学校|学院|大学)$", body):
        return "学校"
    if re.search(r"(?:医院|卫生院|卫生室)$", body):
        return "医院"
    if re.search(r"(?:社区|小区)$", body) or re.search(r"社区", body):
        return "社区"
    if re.search(r"村$", body):
        return "村"
    if re.search(r"(?:局|委|办|机关|政府|法院|检察院|党校|团委|妇联|科协|工商联|总工会|残联|政协|人大|工委|开发区|经开区|高新区)$", body) \
            or name.endswith(("机关工委", "党工委", "工委", "党组")):
        return "机关"
    if re.search(r"中心$|站$|所$|馆$", body):
        return "事业单位"
    if re.search(r"产业链|链$", body):
        return "产业链"
    return ""


def org_level(name: str, kind: str) -> str:
    """Return the level a name implies: 市/县/镇/村/企业, or ''.

    >>> org_level("市蚕桑产业发展中心党支部", "事业单位"), org_level("中池镇机关党支部", "机关"), org_level("中池镇青泥洞村党支部", "村")
    ('市', '镇', '村')
    """
    if kind == "企业":
        return "企业"
    if kind in ("村", "社区"):
        return "村"
    if re.match(rf"^[{_CJK}]{{1,6}}?(?:镇|乡|街道)", name) and not re.match(rf"^[{_CJK}]{{1,3}}(?:县|市)", name):
        return "镇"
    if name.startswith("市") or re.match(rf"^[{_CJK}]{{2,3}}市", name):
        return "市"
    if name.startswith(("县", "区")) or re.match(rf"^[{_CJK}]{{2,3}}(?:县|区)", name):
        return "县"
    if kind == "机关":
        return "县"
    return ""


def _clean_name(body: str, suffix: str) -> str:
    name = body.replace("（", "(").replace("）", ")") + _NAME_SUFFIX.get(suffix, suffix)
    for prefix in ("中国共产党", "中共"):
        if name.startswith(prefix):
            name = name[len(prefix):]
    return name


def _is_generic(body: str) -> bool:
    if not body:
        return True
    if _GENERIC_RE.match(body):
        return True
    rest = _PLACE_PREFIX_RE.sub("", body, count=1)
    return bool(rest) and bool(_GENERIC_RE.match(rest)) and len(body) <= 3


def _run_before(text: str, end: int, limit: int = 24) -> tuple[int, str]:
    start = end
    while start > 0 and end - start < limit and re.match(rf"[{_CJK}()（）·]", text[start - 1]):
        start -= 1
    # an opening bracket with no closing one inside the run is not part of the name
    run = text[start:end]
    for br in ("(", "（"):
        i = run.rfind(br)
        if i >= 0 and (")" not in run[i:] and "）" not in run[i:]):
            start += i + 1
            run = text[start:end]
    return start, run


_COUNT = "[0-9]+|[一二三四五六七八九十两]+"
# "龙门、银子等8个村党支部", "青石、白石、黑石三村党支部" (no 个: the count must fit the list),
# "县统计局、医保局3个单位党支部", "县林业局、县气象局两家单位的机关党支部", "信访局、医保局、统计局党支部"
_SHARED_HEAD_RE = re.compile(
    rf"((?:[{_CJK}]{{1,8}}、)+[{_CJK}]{{1,8}}?)(等)?({_COUNT})?(个|家)?"
    r"(村级|村|社区|镇|机关|产业|单位的?)?(的?机关)?(党组织|党支部|党总支|党委|支部)")
_UNIT_ITEM_RE = re.compile(r"(?:局|委|办|中心|站|所|院|队)$")


def _boundary_inside(item: str) -> bool:
    """Whether a list item holds a boundary word outside the compounds that belong to names (自然资源局)."""
    protected = [(p.start(), p.end()) for p in _PROTECTED_RE.finditer(item)]
    return any(not any(ps <= b.start() < pe for ps, pe in protected) for b in _BOUNDARY_RE.finditer(item))


def _shared_heads(text: str, para: int) -> tuple[list[OrgMention], list[tuple[int, int]]]:
    """Names sharing one head; also returns the spans of the heads they used up.

    A head without 个/家 needs a count that fits the list ("青石、白石、黑石三村党支部") or, with
    no count at all, a list of units that each end like an agency ("信访局、医保局、统计局党支部":
    each unit gets the suffix).
    """
    from .numbers import parse_number

    out: list[OrgMention] = []
    heads: list[tuple[int, int]] = []
    if _LIST_SEP not in text:
        return out, heads
    for m in _SHARED_HEAD_RE.finditer(text):
        items_start = m.start(1)
        raw_items = m.group(1).split(_LIST_SEP)
        # the first item may carry words before it: cut at the last boundary
        first = raw_items[0]
        cut = left_cut(first)
        pos = items_start + cut
        items = [first[cut:]] + raw_items[1:]
        # an agency keeps its long name ("县市场监督管理局、…的机关党支部"); other items are short
        if any(not it or len(it) > (8 if _UNIT_ITEM_RE.search(it) else 6) or _is_generic(it) or _boundary_inside(it)
               for it in items):
            continue
        partial, count_text, measure, place = m.group(2), m.group(3), m.group(4), m.group(5) or ""
        count = parse_number(count_text) if count_text else None
        if count_text and not measure:
            if count is None or (not partial and int(count) != len(items)) or (partial and count < len(items)):
                continue  # "新华一村党支部" is a name, not a count
        if not count_text and not measure:
            if place or not all(_UNIT_ITEM_RE.search(it) for it in items):
                continue
        elif measure and not count_text:
            continue
        head_place = "" if place.startswith("单位") else place.replace("级", "")
        head_place += (m.group(6) or "").lstrip("的")
        suffix = m.group(7)
        suffix = "党支部" if suffix == "支部" else suffix
        found_here = []
        for i, item in enumerate(items):
            if i:
                pos += 1  # the 、
            if not item or len(item) > 8 or _is_generic(item) or re.search(r"\d", item):
                pos += len(item)
                continue
            name_body = item
            if head_place and not item.endswith(head_place):
                name_body = item + head_place
            name = _clean_name(name_body, suffix)
            kind = org_kind(name) or ("村" if head_place == "村" else "")
            found_here.append(OrgMention(para, pos, pos + len(item), item, name, suffix if suffix != "党组织" else "",
                                         kind, org_level(name, kind), "shared_head", 0.75,
                                         note=("列举不全(等) partial list" if partial else "")))
            pos += len(item)
        if found_here:
            out.extend(found_here)
            heads.append((m.start(2) if partial else m.end(1), m.end()))
    return out, heads


# branches numbered under one head: "县人社局机关第一、第二党支部", "机关第一、第二和第三党支部"
_ORDINAL_HEAD_RE = re.compile(r"第[0-9一二三四五六七八九十]+(?:[、和及]第[0-9一二三四五六七八九十]+)+(党支部|党总支|支部)")
_ORDINAL_RE = re.compile(r"第[0-9一二三四五六七八九十]+")


def _ordinal_heads(text: str, para: int) -> tuple[list[OrgMention], list[tuple[int, int]]]:
    """Numbered branches sharing the name before them and the suffix after them.

    "区人社局机关第一、第二党支部" gives 区人社局机关第一党支部 and 区人社局机关第二党支部; each
    mention spans its ordinal (the first also the shared head). Returns the mentions and the
    spans of the suffixes they used up.
    """
    out: list[OrgMention] = []
    heads: list[tuple[int, int]] = []
    for m in _ORDINAL_HEAD_RE.finditer(text):
        run_start, run = _run_before(text, m.start())
        cut = left_cut(run)
        body = run[cut:]
        if len(body) < 2 or _is_generic(body.removesuffix("机关") or body):
            continue
        suffix = "党支部" if m.group(1) == "支部" else m.group(1)
        for i, om in enumerate(_ORDINAL_RE.finditer(text, m.start(), m.start(1))):
            start = run_start + cut if i == 0 else om.start()
            name = _clean_name(body + om.group(), suffix)
            kind = org_kind(name)
            out.append(OrgMention(para, start, om.end(), text[start:om.end()], name, suffix, kind,
                                  org_level(name, kind), "shared_head_ordinal", 0.75))
        heads.append((m.start(1), m.end()))
    return out, heads


_SHARED_VILLAGE_RE = re.compile(
    rf"([{_CJK}]{{2,10}}、(?:[{_CJK}]{{2,3}}、)*[{_CJK}]{{2,3}}?)(等)?({_COUNT})?(个)?(?:行政)?村"
    rf"(?![{_CJK}]{{0,2}}(?:党|级|集体|民))")


def _shared_villages(text: str, para: int) -> list[OrgMention]:
    """Bare village names sharing the head 村: "大坪、田湾、枫林三个村" → 大坪村, 田湾村, 枫林村.

    Without 等 the count must equal the number of names (a list of something else is not taken).
    """
    from .numbers import parse_number

    out: list[OrgMention] = []
    if _LIST_SEP not in text:
        return out
    for m in _SHARED_VILLAGE_RE.finditer(text):
        raw_items = m.group(1).split(_LIST_SEP)
        first = raw_items[0]
        cut = left_cut(first)
        items = [first[cut:]] + raw_items[1:]
        if m.group(4) and not m.group(3):
            continue
        if not m.group(3) and not m.group(2):
            continue  # "东岗、西岗、南岗等村" is a partial list without a count; a bare "A、B村" is not taken
        count = parse_number(m.group(3)) if m.group(3) else float(len(items))
        if count is None or (not m.group(2) and int(count) != len(items)) or (m.group(2) and count < len(items)):
            continue
        if any(len(it) < 2 or _is_generic(it) or _BOUNDARY_RE.search(it) or it.endswith(("村", "镇", "乡")) for it in items):
            continue
        pos = m.start(1) + cut
        for i, item in enumerate(items):
            if i:
                pos += 1
            name = item + "村"
            out.append(OrgMention(para, pos, pos + len(item), item, name, "", "村", "村", "shared_head_village", 0.6,
                                  note=("列举不全(等) partial list" if m.group(2) else "")))
            pos += len(item)
    return out


def find_orgs(text: str, para: int) -> list[OrgMention]:
    """Find the organization mentions of one normalized paragraph.

    Examples
    --------
    >>> [o.name for o in find_orgs("县科协机关党支部牵头,联合市蚕桑产业发展中心党支部、陕西天成丝业有限公司党支部", 1)]
    ['县科协机关党支部', '市蚕桑产业发展中心党支部', '陕西天成丝业有限公司党支部']
    >>> [o.name for o in find_orgs("龙门、银子等8个村党支部", 1)]
    ['龙门村党支部', '银子村党支部']
    """
    found: list[OrgMention] = []
    taken: list[tuple[int, int]] = []
    shared, heads = _shared_heads(text, para)
    ordinal, ordinal_heads = _ordinal_heads(text, para)
    shared.extend(ordinal)
    heads.extend(ordinal_heads)
    for m in _SUFFIX_RE.finditer(text):
        suffix = m.group()
        if any(hs <= m.start() < he for hs, he in heads):
            continue  # the head of a shared-head list ("…三村党支部"), named item by item below
        # 党委 inside 党委员会 etc. is handled by the longer alternatives; skip 工委 in 党工委-less words
        run_start, run = _run_before(text, m.start())
        cut = left_cut(run)
        body = run[cut:]
        start = run_start + cut
        broken = _broken_head(text, run_start, run) if cut == 0 else None
        if broken is not None:  # 区住房和城乡建设局(简称“区住建局”)机关党支部: one name
            start, head = broken
            body = head + run[1:]
        agency_wc = suffix in ("工委", "党工委") and body.endswith(("县直", "区直", "市直", "直属"))
        if len(body) < 2 or (_is_generic(body) and not agency_wc) or re.search(r"\d|[0-9一二三四五六七八九十两]+个", body):
            continue
        if suffix == "工委" and not body.endswith(("县委", "市委", "区委", "直属", "区直", "县直", "市直", "机关", "街道",
                                                   "园区", "开发区", "镇", "乡")):
            continue
        name = _clean_name(body, suffix)
        form = _FORM_OF_SUFFIX.get(suffix, suffix)
        kind = org_kind(name)
        conf = 0.9 if len(body) >= 3 else 0.7
        found.append(OrgMention(para, start, m.end(), text[start:m.end()], name, form, kind, org_level(name, kind),
                                "suffix_broken" if broken else "suffix", conf))
        taken.append((start, m.end()))
    for sh in shared:
        if not any(s <= sh.start < e for s, e in taken):
            found.append(sh)
            taken.append((sh.start, sh.end))
    for sv in _shared_villages(text, para):
        if not any(s <= sv.start < e for s, e in taken):
            found.append(sv)
            taken.append((sv.start, sv.end))
    found.extend(_units(text, para, taken))
    for m in _QUOTED_ALLIANCE_RE.finditer(text):  # 牵头组建“红色物业联盟”
        s, e = m.start(1), m.end(1)
        if not any(ts <= s < te or ts < e <= te for ts, te in taken):
            found.append(OrgMention(para, s, e, m.group(1), m.group(1), "党建联盟", "", org_level(m.group(1), ""),
                                    "quoted_alliance", 0.6))
            taken.append((s, e))
    for m in _APPOSITIVE_RE.finditer(text):
        s, e = m.start(1), m.end(1)
        if not any(ts <= s < te or ts < e <= te for ts, te in taken):
            found.append(OrgMention(para, s, e, m.group(1), m.group(1), "", "企业", "企业", "appositive", 0.5))
            taken.append((s, e))
    found.sort(key=lambda o: o.start)
    return found


_UNIT_LEFT_OK = re.compile(rf"(?:^|[^{_CJK}]|中共|中国共产党|第[0-9一二三四五六七八九十]+片区|{_BOUNDARY_RE.pattern})$")


def _units(text: str, para: int, taken: list[tuple[int, int]]) -> list[OrgMention]:
    out = []
    for m in _UNIT_RE.finditer(text):
        s, e = m.start(), m.end()
        ext = _UNIT_EXT_RE.match(text, e) if (text[e - 1] == "委" or text.endswith("委员会", 0, e)) else None
        if ext:
            e = ext.end()  # 县委 + 组织部 / 文明办 / 党校
        if any(ts <= s < te or ts < e <= te for ts, te in taken):
            continue
        # the unit must not continue into a party suffix (then it is a party-org mention)
        if _SUFFIX_RE.match(text, e):
            continue
        run_start, run = _run_before(text, e)
        cut = left_cut(run)
        s = max(s, run_start + cut)
        surface = text[s:e]
        if len(surface) < 2 or _is_generic(surface) or re.fullmatch(r"[县市区镇乡]?(?:中心|委员会|办公室|政府|医院|学校|局)", surface):
            continue
        before = text[max(0, s - 12):s]
        after = text[e:e + 1]
        in_list = after == _LIST_SEP or before.endswith(_LIST_SEP)
        if re.search(r"(?:大局|开局|格局|布局|全局|结局|新局|破局|当局|变局|胜局)$", surface):
            continue
        has_prefix = bool(re.match(rf"^(?:[县市区镇乡]|[{_CJK}]{{2}}(?:县|市))", surface)) or surface in _BARE_UNITS
        if surface.endswith(("党委", "工委", "党组")):
            continue  # the suffix rule's business
        if len(surface) <= 2 and surface not in _BARE_UNITS:
            continue
        if surface.endswith("中心") and not has_prefix:
            continue
        if not (in_list or _UNIT_LEFT_OK.search(before)) or (surface.startswith(("县委", "市委")) and len(surface) <= 3):
            continue
        if not has_prefix and not (in_list and re.search(r"(?:局|委|团委|妇联|科协|工商联|总工会|残联|公司|经开区|开发区|高新区|供销社|信用社)$", surface)):
            continue
        if not (in_list or has_prefix or after in "牵头联合与和、,，等共"
                or re.match(r"牵头|联合|与|和|等|共同|党员|结对", text[e:e + 2])):
            continue
        kind = org_kind(surface)
        name = re.sub(r"^(?:中国共产党|中共)", "", surface)
        name = re.sub(r"(县|市|区)委员会(?=组织部|宣传部|统战部|政法委|办公室|党校|办)", r"\1委", name)
        out.append(OrgMention(para, s, e, surface, name, "", kind, org_level(name, kind), "unit", 0.6))
        taken.append((s, e))
    return out


def find_villages(text: str, start: int, end: int, taken: list[tuple[int, int]]) -> list[tuple[int, int, str]]:
    """Bare village/community names (…村, …社区) in ``text[start:end]`` outside ``taken`` spans.

    >>> find_villages("与水际村、王坑村联合", 0, 10, [])
    [(1, 4, '水际村'), (5, 8, '王坑村')]
    """
    out = []
    for m in _VILLAGE_RE.finditer(text, start, end):
        s, e = m.start(), m.end()
        run_start, run = _run_before(text, e, limit=8)
        cut = left_cut(run)
        s = max(s, run_start + cut)
        if any(ts <= s < te or ts < e <= te for ts, te in taken):
            continue
        name = text[s:e]
        if _is_generic(name) or len(name) < 3 or re.search(r"\d|每|各", name) or _NOT_VILLAGE.search(name):
            continue
        before = text[max(0, s - 1):s]
        after = text[e:e + 1]
        if not (before in ("、", "与", "和", "同", "及", "的", "由") or after in ("、", "和", "与", "及")
                or text.startswith("牵头", e) or re.search(r"(?:联系|帮扶|包联|挂包|结对)$", text[max(0, s - 2):s])):
            continue  # a bare village counts only in a list or after a connective
        out.append((s, e, name))
    return out


# a short form declared inside a name, at the end of the text before the rest of the name
_ALIAS_TAIL_RE = re.compile(r"[(（]\s*(?:以下)?简称[“\"‘]?([^”\"’)）、,，]{2,12}?)[”\"’]?\s*[)）]$")


def _broken_head(text: str, run_start: int, run: str) -> tuple[int, str] | None:
    """The head of a name broken by a declared short form, as (start, head), or None.

    ``run`` (from ``run_start``) begins with the closing bracket of "(简称“X”)"; the head is the
    unit name right before the opening bracket.
    """
    if not run.startswith((")", "）")):
        return None
    decl = _ALIAS_TAIL_RE.search(text, 0, run_start + 1)
    if decl is None:
        return None
    head_start, head_run = _run_before(text, decl.start())
    cut = left_cut(head_run)
    head = head_run[cut:]
    if len(head) < 3 or _is_generic(head) or not _UNIT_END_RE.search(head):
        return None
    return head_start + cut, head


def declared_aliases(text: str) -> dict[str, str]:
    """Short forms declared in one paragraph, mapped to the unit names they stand for.

    >>> declared_aliases("区住房和城乡建设局(简称“区住建局”)机关党支部与丹桂社区党委结成对子")
    {'区住建局': '区住房和城乡建设局'}
    """
    out: dict[str, str] = {}
    for m in _ALIAS_DECL_RE.finditer(text):
        head_start, head_run = _run_before(text, m.start())
        head = head_run[left_cut(head_run):]
        if len(head) >= 3 and not _is_generic(head) and _UNIT_END_RE.search(head) and m.group(1) != head:
            out.setdefault(m.group(1), re.sub(r"^(?:中国共产党|中共)", "", head))
    return out


_PARTY_SUFFIX_END_RE = re.compile("(?:" + "|".join(_PARTY_SUFFIXES) + ")$")
_ABBREV_GAP_RE = re.compile(r"(?:有限|责任|股份|合作|机关|人民|直属|开发|发展|实业|科技)+")
_ALIAS_DECL_RE = re.compile(r"[(（]\s*(?:以下)?简称[“\"‘]?([^”\"’)）、,，]{2,12}?)[”\"’]?\s*[)）]")


_COMPANY_FULL_RE = re.compile(r"(?:股份有限公司|有限责任公司|有限公司)")


def _short_company(short: str, full: str) -> bool:
    """Whether ``short`` is a company's brand + 公司 for a full company name given with its trade.

    "森源公司党支部" is "桤川县森源魔芋制品有限公司党支部": the short brand (two characters or more) starts
    the full name after its place, and both have the same party suffix.

    >>> _short_company("森源公司党支部", "桤川县森源魔芋制品有限公司党支部"), _short_company("森源公司党支部", "森林有限公司党支部")
    (True, False)
    """
    ms, mf = re.search(r"公司", short), _COMPANY_FULL_RE.search(full)
    if ms is None or mf is None or short[ms.end():] != full[mf.end():]:
        return False
    brand = short[:ms.start()]
    body = full[:mf.start()]
    place = _PLACE_PREFIX_RE.match(body)
    if place:
        body = body[place.end():]
    return len(brand) >= 2 and len(body) > len(brand) and body.startswith(brand)


def is_abbreviation(short: str, full: str) -> bool:
    """Whether ``short`` reads as an abbreviation of ``full`` (both normalized names).

    The characters of ``short`` appear in ``full`` in order, with only a leading part (a place,
    a brand) or filler words (有限, 合作, 机关, 人民, …) left out, both end in the same two characters
    (the same form: 党支部, 党组, 工委, 局, …), ``short`` has at least four characters and, for a
    village or community, names the same place (``石门村党支部`` is not ``石门镇大岭村党支部``).

    >>> is_abbreviation("县供销社党组", "县供销合作社党组"), is_abbreviation("冷链物流公司党支部", "峡口县鲜达冷链物流有限公司党支部")
    (True, True)
    >>> is_abbreviation("石门村党支部", "石门镇大岭村党支部"), is_abbreviation("县农业农村局", "县农业农村局党组")
    (False, False)
    >>> is_abbreviation("县医院党委", "县中医院党委"), is_abbreviation("县医院党委", "县人民医院党委")
    (False, True)
    """
    if len(short) < 4 or len(short) >= len(full) or short[-2:] != full[-2:]:
        return False
    if _short_company(short, full):
        return True
    # align from the end; what ``short`` leaves out inside the name must be filler words
    # (有限, 合作, 机关, 人民, …): 县医院党委 is not 县中医院党委
    i = len(full)
    gaps: list[str] = []
    for ch in reversed(short):
        j = full.rfind(ch, 0, i)
        if j < 0:
            return False
        if j + 1 < i:
            gaps.append(full[j + 1:i])
        i = j
    if not all(_ABBREV_GAP_RE.fullmatch(g) for g in gaps):
        return False
    body_s = _PARTY_SUFFIX_END_RE.sub("", short)
    body_f = _PARTY_SUFFIX_END_RE.sub("", full)
    for head in ("村", "社区"):
        if body_s.endswith(head) or body_f.endswith(head) or re.search(rf"{head}(?!级)", body_f):
            return body_f.endswith(body_s)
    return True


def resolve_aliases(mentions: list[tuple[str, str]]) -> dict[str, str]:
    """Map the short names of one file to the full names they abbreviate.

    ``mentions`` are (name, text right after the mention) in reading order. A name declared
    "(以下简称“X”)" makes X its alias; otherwise a name is an alias of the one longer name of the
    file it abbreviates (:func:`is_abbreviation`), and none when several would fit.

    >>> resolve_aliases([("岚溪县直机关工委", "(以下简称“县直工委”)组织"), ("县直工委", "牵头")])
    {'县直工委': '岚溪县直机关工委'}
    """
    out: dict[str, str] = {}
    names = list(dict.fromkeys(n for n, _ in mentions))
    for name, after in mentions:
        m = _ALIAS_DECL_RE.match(after)
        if m and m.group(1) != name:
            out.setdefault(m.group(1), name)
    for short in names:
        if short in out:
            continue
        fulls = [f for f in names if f != short and f not in out and is_abbreviation(short, f)]
        # the fullest of nested candidates (县委组织部 < 峡口县委组织部 < 中共峡口县委组织部) is one organization
        fulls = [f for f in fulls if not any(g != f and is_abbreviation(f, g) for g in fulls)]
        if len(fulls) == 1:
            out[short] = fulls[0]
    return out
