"""Synthetic county ledgers (台账) at county, province and national scale.

The generator writes a folder of ledgers in the same layouts as the built-in mappings
(``loaders/*.yaml``, canonical header = first alias of each column), so that graphkit can be
tested and benchmarked on data of any size without touching real records. Everything is fictional:
place names are drawn from syllable lists, people's names from surname and given-name lists.

Shape of the data (per virtual county of about 2,000 organizations):

* about 11 towns (镇/乡/街道) of about 170 organizations each: a town party committee, six town
  agency and institution branches, 32–57 villages or communities (党支部, or 党总支 with 2–5
  branches under it), private-firm party organizations (about 62% of 38–67 firms; one or two
  联合党支部 reach firms without their own) and social-organization branches;
* about 70 county agency party organizations (机关 and institutions, level 县) under the county's
  直属机关工委, some of them committees with sub-branches, split into up to 10 districts (片区)
  with a 一类 lead, a guiding leader (联片指导领导) and rotating monthly hosts (轮值月份);
* city-level centres (层级 市), one per city and industry chain, shared by the ten counties of a
  city;
* joint village committees (跨村联建) of 3–8 villages inside one town covering about 45% of the
  villages; industry-chain alliances (蚕桑, 生态渔业 and generic chains) spanning 市/县/镇/村
  and 机关/农村/非公企业; strong→weak pairings (一类 helps 三类; some ended, some rotated);
  category split ≈ 25% 一类 / 60% 二类 / 15% 三类 with ≈2.5% 软弱涣散; activities (monthly per
  district and joint committee, quarterly 互督 and chain teaching, half-yearly 交叉巡回督导) with
  random gaps; two years of ratings (2023, 2024) so categories change; about a third of the
  organizations in no mechanism at all. Parent links go branch → general branch → committee
  (parents are always generated first, so there are no cycles).

Scales and the ``county`` setting written to ``graphkit.yaml``: the data model has only
county → town → village places, so a province or national data set is written as **one virtual
county** whose towns belong to many generated sub-counties (their names appear in the agency
organizations' names, e.g. ``青禾县农业农村局机关党支部``, and in district names such as
``青禾县第一片区``). The setting is ``合成县`` when there is a single county, ``合成省`` for larger
sets and ``合成全国`` at national scale.

Activities span 2023-01 to 2024-12 for sets of up to one million organizations and 2023-07 to
2024-12 above that (keeps the national set near 18 million links). Large ledgers are split into
parts of at most 1,000,000 rows (CSV files ``党组织名册_01.csv``, ...; .xlsx sheets ``名册1``, ...)
to stay under the reader's per-file limits.

Everything is deterministic for a given seed: the same seed gives byte-identical CSV and .xlsx
files (the .xlsx writer uses fixed zip timestamps and a fixed creation date).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..core.errors import InputError

__all__ = ["SCALES", "LEDGER_COLUMNS", "generate_tables", "generate_ledgers", "generate_province"]

#: Target organization counts per scale.
SCALES: dict[str, int] = {"county": 2_000, "province": 200_000, "national": 5_000_000}

#: Ledger key -> (file stem, canonical headers). Headers are the first alias of each mapping column.
LEDGER_COLUMNS: dict[str, tuple[str, list[str]]] = {
    "roster": ("党组织名册", ["党组织名称", "组织形式", "领域", "层级", "所属镇(街道)", "所在村(社区)", "上级党组织",
                          "所在单位", "党员数", "分类定级", "定级年度", "是否软弱涣散", "第一书记"]),
    "places": ("行政区划", ["镇(街道)", "村(社区)", "类型"]),
    "district": ("片区联建台账", ["片区名称", "单位名称", "角色", "轮值月份", "联片指导领导", "加入日期", "退出日期"]),
    "joint_village": ("跨村联建台账", ["联村党组织名称", "所属镇(街道)", "成员村党组织", "角色", "加入日期", "退出日期"]),
    "chain_stages": ("产业链环节", ["产业链", "环节序号", "环节名称"]),
    "chain": ("链上联建_联盟成员", ["联盟名称", "产业链", "党组织名称", "角色", "环节名称", "加入日期", "退出日期"]),
    "pairing": ("结对共建台账", ["帮扶党组织", "受援党组织", "结对形式", "开始日期", "结束日期"]),
    "activities": ("联建活动台账", ["活动编号", "活动日期", "活动名称", "活动类型", "主办单位", "参与单位", "所属片区"]),
    "units": ("两新组织名册", ["单位名称", "类型", "所属镇(街道)", "是否建立党组织", "党组织名称", "联系党组织",
                          "党建指导员", "从业人员数"]),
    "ratings": ("分类定级台账", ["党组织名称", "年度", "分类定级", "是否软弱涣散"]),
}
#: In .xlsx output the two chain tables are two sheets of one workbook.
CHAIN_WORKBOOK = "产业链联建台账"
CHAIN_SHEETS = {"chain_stages": "产业链环节", "chain": "联盟成员"}

_ORGS_PER_COUNTY = 2_000
_ORGS_PER_TOWN = 172
_CSV_PART_ROWS = 1_000_000
_XLSX_SHEET_ROWS = 1_000_000

# ---------------------------------------------------------------------------------------------
# Vocabularies (all fictional). Characters that end place names (镇 乡 街 道 村 社 区 县 市 省)
# are kept out of the syllable lists so that a name's parts can never run into each other.
_SYL_A = list("青石金银玉白红黄绿东西南北上下新古长高双三五七九大小明光兴丰和顺福寿康宁庆永富"
              "星月春秋雨霞泽湖滩洲岗庄营寨堡台池井沙茶桑麻枫杨柏樟松竹梅兰桃柳花龙凤鹤马牛云峰")
_SYL_B = list("山河溪泉坪岭阳林桥湾坝沟川田塘峰园源岩坡冲垭湖洞庙铺店场湾坎梁台口滩寺院亭岔堰"
              "安平宁兴隆丰和乐春华坊家畈垅岙渡埠关门坝垣屯堤潭湘浦")
_SYL_A = sorted(set(_SYL_A), key=_SYL_A.index)
_SYL_B = sorted(set(_SYL_B), key=_SYL_B.index)
# Combinations that are real place names met in the seed reports: never generated.
_BLACKLIST = frozenset({"石泉", "汉阴", "泰宁", "柞水", "紫阳", "平利", "岚皋", "中池", "军坝", "水际", "王坑",
                        "大田", "营盘", "城关", "涧池", "观音", "水田", "滔河", "同心", "兴隆", "车坪", "四季",
                        "中堰", "梅口", "炉峰", "青云", "朱口", "彭公", "马坊", "西关", "莲湖", "白水", "旬邑",
                        "长武", "咸阳", "安康", "商洛", "三明", "青泥", "终南", "金湖", "宝鸡", "西安"})
_SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程"
                 "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱")
_GIVEN = list("建国华明军平志强伟芳敏静丽艳红霞玲娟英秀兰梅海涛波斌鹏飞宇浩杰磊勇超刚辉林峰文武"
              "新春秋东晓晨阳光亮成功德才仁义礼智信安康宁和泽润洁琳瑶婷雪冰莉萍燕琴慧颖欣怡嘉俊")
_BRANDS = ["金禾", "兴旺", "绿源", "丰泽", "秦岭", "汉水", "青峰", "宏达", "瑞丰", "鑫盛", "恒通", "华信", "佳禾", "润田",
           "天和", "康源", "福瑞", "益农", "嘉华", "盛世", "永辉", "长青", "碧水", "云岭", "山野", "林海", "百草", "鼎盛",
           "恒丰", "裕民", "安泰", "聚福", "同创", "众邦", "鸿运", "新源", "泰和", "顺达", "德丰", "和润", "锦绣", "兴农",
           "万家", "绿洲", "金穗", "银杏", "翠竹", "紫云", "清泉", "明珠", "远航", "宏图", "晨曦", "朝阳", "博雅", "睿智",
           "联创", "利民", "惠农", "富源"]
_INDUSTRIES = ["农业科技", "生态农业", "茶业", "丝业", "食品", "建材", "物流", "电子科技", "水产养殖", "旅游开发", "中药材",
               "木业", "服装", "新能源", "商贸", "矿业", "养殖", "农产品开发", "电子商务", "劳务服务", "机械制造", "包装",
               "酒业", "魔芋制品", "菌业"]
_SOCIAL_KINDS = ["茶叶协会", "养殖协会", "商会", "志愿者协会", "老年协会", "种植专业协会", "电商协会", "社会工作服务中心",
                 "乡贤理事会", "文化促进会", "慈善协会", "红白理事会"]
_CN_NUM = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二"]
_TOWN_SUFFIX = np.array(["镇", "乡", "街道"], dtype=object)

# County departments: (name without county prefix, sector, committee?)
_DEPTS: list[tuple[str, str, bool]] = [
    ("委办", "机关", False), ("政府办", "机关", False), ("纪委监委机关", "机关", False), ("委组织部", "机关", False),
    ("委宣传部", "机关", False), ("委统战部", "机关", False), ("委政法委", "机关", False), ("发展和改革局", "机关", False),
    ("教育体育局", "机关", True), ("科学技术局", "机关", False), ("公安局", "机关", True), ("民政局", "机关", False),
    ("司法局", "机关", False), ("财政局", "机关", False), ("人力资源和社会保障局", "机关", False),
    ("自然资源局", "机关", True), ("住房和城乡建设局", "机关", False), ("交通运输局", "机关", True), ("水利局", "机关", False),
    ("农业农村局", "机关", True), ("商务局", "机关", False), ("文化和旅游局", "机关", False), ("卫生健康局", "机关", True),
    ("应急管理局", "机关", False), ("审计局", "机关", False), ("市场监督管理局", "机关", True), ("统计局", "机关", False),
    ("医疗保障局", "机关", False), ("林业局", "机关", False), ("乡村振兴局", "机关", False), ("信访局", "机关", False),
    ("融媒体中心", "事业单位", False), ("科学技术协会", "机关", False), ("总工会", "机关", False), ("团委", "机关", False),
    ("妇女联合会", "机关", False), ("残疾人联合会", "机关", False), ("供销合作社", "机关", False), ("税务局", "机关", True),
    ("气象局", "事业单位", False), ("人民法院", "机关", True), ("人民检察院", "机关", False), ("人大常委会机关", "机关", False),
    ("政协机关", "机关", False), ("委党校", "事业单位", False), ("档案馆", "事业单位", False), ("蚕桑服务中心", "事业单位", False),
    ("农业技术推广中心", "事业单位", False), ("水产工作站", "事业单位", False), ("茶叶工作站", "事业单位", False),
    ("中医医院", "公立医院", True), ("人民医院", "公立医院", True), ("妇幼保健院", "公立医院", False),
    ("第一中学", "学校", True), ("职业教育中心", "学校", False), ("实验小学", "学校", False), ("疾病预防控制中心", "事业单位", False),
    ("经济开发区管委会", "机关", False), ("城市建设投资有限公司", "国有企业", False), ("国有资产运营有限公司", "国有企业", False),
    ("经济贸易局", "机关", False), ("生态环境分局", "机关", False), ("行政审批服务局", "机关", False), ("退役军人事务局", "机关", False),
    ("数据服务中心", "事业单位", False), ("公路管理段", "事业单位", False), ("住房公积金管理中心", "事业单位", False),
    ("不动产登记中心", "事业单位", False), ("水务集团有限公司", "国有企业", True), ("粮食储备库", "国有企业", False),
]
_TOWN_AGENCIES: list[tuple[str, str]] = [("机关党支部", "机关"), ("中心小学党支部", "学校"), ("初级中学党支部", "学校"),
                                         ("卫生院党支部", "公立医院"), ("农业综合服务站党支部", "事业单位"),
                                         ("便民服务中心党支部", "事业单位")]
#: Industry chains and their ordered stages. The first two are always used.
CHAINS: list[tuple[str, list[str]]] = [
    ("蚕桑", ["种桑", "养蚕", "收茧", "烘茧", "产丝"]),
    ("生态渔业", ["鱼苗繁育", "成鱼养殖", "产品加工", "产品销售"]),
    ("茶叶", ["茶苗繁育", "茶园种植", "茶叶加工", "品牌销售"]),
    ("木耳", ["菌种培育", "袋料生产", "木耳栽培", "产品加工", "电商销售"]),
    ("猕猴桃", ["苗木繁育", "果园种植", "冷链仓储", "果品销售"]),
    ("中药材", ["种苗繁育", "规范种植", "产地初加工", "精深加工", "市场销售"]),
    ("魔芋", ["种芋繁育", "魔芋种植", "精粉加工", "产品销售"]),
    ("生猪", ["种猪繁育", "生猪养殖", "屠宰加工", "冷链销售"]),
    ("食用菌", ["菌种生产", "菌棒制作", "出菇管理", "烘干加工", "市场销售"]),
    ("乡村旅游", ["资源开发", "民宿经营", "文创开发", "营销推广"]),
]
_CHAIN_GROUP_SUFFIX = np.array(["产业链党委", "产业链党建联盟"], dtype=object)
_JV_SUFFIX = np.array(["联村党委", "党建联盟", "联村党总支"], dtype=object)

# code tables (index -> Chinese label used in the ledgers)
_FORM = np.array(["党委", "党总支", "党支部", "联合党支部", "党组", "机关工委"], dtype=object)
F_COMMITTEE, F_GENERAL, F_BRANCH, F_JOINT, F_LEADING, F_WORKCOM = range(6)
_SECTOR = np.array(["机关", "农村", "社区", "国有企业", "非公企业", "社会组织", "学校", "公立医院", "事业单位"], dtype=object)
_SECTOR_IDX = {s: i for i, s in enumerate(_SECTOR)}
S_AGENCY, S_VILLAGE, S_COMMUNITY, S_SOE, S_PRIVATE, S_SOCIAL = range(6)
_LEVEL = np.array(["省", "市", "县", "镇", "村"], dtype=object)
L_CITY, L_COUNTY, L_TOWN, L_VILLAGE = 1, 2, 3, 4
_CATEGORY = np.array(["", "一类", "二类", "三类"], dtype=object)
_YESNO = np.array(["否", "是"], dtype=object)
# internal org kinds
K_WORKCOM, K_AGENCY, K_AGENCY_SUB, K_CITY, K_TOWNCOM, K_TOWNAG, K_VILLAGE, K_VBRANCH, K_FIRM, K_JOINT, K_SOCIAL = range(11)

_ROLE_LEAD, _ROLE_MEMBER, _ROLE_HOST = "牵头单位", "成员单位", "轮值单位"


# ---------------------------------------------------------------------------------------------
# small vectorized helpers


def _obj(values: Any) -> np.ndarray:
    return np.asarray(values, dtype=object)


def _decode_names(codes: np.ndarray, three: bool) -> np.ndarray:
    """Decode integer codes into 2- or 3-syllable place names."""
    a, b = _obj(_SYL_A), _obj(_SYL_B)
    na, nb = len(a), len(b)
    if not three:
        return a[codes // nb] + b[codes % nb]
    return a[codes // (na * nb)] + a[(codes // nb) % na] + b[codes % nb]


def _blacklisted(names: np.ndarray) -> np.ndarray:
    if len(names) == 0:
        return np.zeros(0, dtype=bool)
    return np.isin(names.astype(str), np.array(sorted(_BLACKLIST)))


def _unique_codes(rng: np.random.Generator, groups: np.ndarray, space: int,
                  bad: np.ndarray | None = None) -> np.ndarray:
    """Draw one code in ``range(space)`` per row, unique within each group (rejection sampling).

    ``bad`` is an optional boolean table over the code space of codes never to draw.
    """
    n = len(groups)
    codes = rng.integers(0, space, size=n)
    while True:
        order = np.lexsort((np.arange(n), codes, groups))
        g, c = groups[order], codes[order]
        dup = np.zeros(n, dtype=bool)
        if n > 1:
            same = (g[1:] == g[:-1]) & (c[1:] == c[:-1])
            dup[order[1:][same]] = True
        if bad is not None:
            dup |= bad[codes]
        k = int(dup.sum())
        if k == 0:
            return codes
        codes[dup] = rng.integers(0, space, size=k)


def _place_bases(rng: np.random.Generator, groups: np.ndarray, *, force_three: bool = False) -> np.ndarray:
    """Return fictional place-name bases, unique within each group."""
    na, nb = len(_SYL_A), len(_SYL_B)
    two_space = na * nb
    max_per_group = int(np.bincount(groups).max()) if len(groups) else 0
    three = force_three or max_per_group > two_space // 3
    space = na * na * nb if three else two_space
    names = _decode_names(np.arange(space), three)
    bad = _blacklisted(names)
    # also refuse names whose first and last characters repeat (e.g. 台台): they read badly
    first = np.array([x[0] for x in _SYL_A])[np.arange(space) // (space // len(_SYL_A))]
    last = np.array(_SYL_B)[np.arange(space) % nb]
    bad |= first == last
    codes = _unique_codes(rng, groups, space, bad)
    return _decode_names(codes, three)


def _person_names(rng: np.random.Generator, n: int) -> np.ndarray:
    s = _obj(_SURNAMES)[rng.integers(0, len(_SURNAMES), n)]
    g1 = _obj(_GIVEN)[rng.integers(0, len(_GIVEN), n)]
    g2 = _obj(_GIVEN)[rng.integers(0, len(_GIVEN), n)]
    two = rng.random(n) < 0.7
    return np.where(two, s + g1 + g2, s + g1)


def _dates(days: np.ndarray) -> np.ndarray:
    """Days since 1970-01-01 -> ISO date strings (object array)."""
    return np.datetime_as_string(np.asarray(days, dtype="datetime64[D]"), unit="D").astype(object)


def _day(y: int, m: int = 1, d: int = 1) -> int:
    return int((np.datetime64(f"{y:04d}-{m:02d}-{d:02d}") - np.datetime64("1970-01-01")).astype(int))


def _month_day(years: np.ndarray, months: np.ndarray, days: np.ndarray) -> np.ndarray:
    """Vectorized (year, month, day) -> days since epoch."""
    ym = (years - 1970) * 12 + (months - 1)
    return np.asarray(ym, dtype="datetime64[M]").astype("datetime64[D]").astype(np.int64) + (days - 1)


def _group_offsets(sorted_groups: np.ndarray, n_groups: int) -> tuple[np.ndarray, np.ndarray]:
    """Start offset and count of each group in an array sorted by group id."""
    counts = np.bincount(sorted_groups, minlength=n_groups)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    return starts, counts


def _expand(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each row i repeated counts[i] times: (row index, position 0..counts[i]-1)."""
    rows = np.repeat(np.arange(len(counts)), counts)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    pos = np.arange(len(rows)) - np.repeat(starts, counts)
    return rows, pos


def _pick_in_pool(rng: np.random.Generator, pool_of_item: np.ndarray, pool_members_sorted: np.ndarray,
                  pool_ids_sorted: np.ndarray, n_pools: int) -> np.ndarray:
    """For each item pick a random member of its pool (-1 where the pool is empty)."""
    order = np.argsort(pool_ids_sorted, kind="stable")
    pool_members_sorted, pool_ids_sorted = pool_members_sorted[order], pool_ids_sorted[order]
    starts, counts = _group_offsets(pool_ids_sorted, n_pools)
    c = counts[pool_of_item]
    pick = starts[pool_of_item] + np.floor(rng.random(len(pool_of_item)) * np.maximum(c, 1)).astype(np.int64)
    out = np.where(c > 0, pool_members_sorted[np.minimum(pick, max(len(pool_members_sorted) - 1, 0))]
                   if len(pool_members_sorted) else -1, -1)
    return out.astype(np.int64)


def _nullable_int(values: np.ndarray, mask: np.ndarray | None = None) -> pd.Series:
    s = pd.Series(np.asarray(values, dtype=np.int64), dtype="Int64")
    if mask is not None:
        s[~np.asarray(mask, dtype=bool)] = pd.NA
    return s


def _str_or_none(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
    out = np.asarray(values, dtype=object).copy()
    out[~np.asarray(mask, dtype=bool)] = None
    return out


# ---------------------------------------------------------------------------------------------
# the generator


def _settings_county(scale: str, n_counties: int) -> str:
    if n_counties == 1:
        return "合成县"
    return "合成全国" if scale == "national" else "合成省"


def generate_tables(*, scale: str = "county", seed: int = 0, n_orgs: int | None = None,
                    counties: int | None = None, by_county: bool = False) -> dict[str, Any]:
    """Generate the synthetic ledgers as DataFrames (no files written).

    Parameters
    ----------
    scale
        ``"county"``, ``"province"`` or ``"national"``: the target organization count (see
        :data:`SCALES`) and the ``county`` setting.
    seed
        Seed of ``numpy.random.default_rng``; the same seed gives identical tables.
    n_orgs
        Approximate number of organizations, overriding the scale's target.
    counties
        Number of virtual counties (default: one per ~2,000 organizations).
    by_county
        Also return ``"_units"``: which county (or city level) each ledger row belongs to, and
        make a few pairings cross-county (see :func:`generate_province`). The tables of the
        single-folder form (``by_county=False``) are unchanged by this option.

    Returns
    -------
    dict
        ``"county"``: the ``county`` setting (str); and one DataFrame per ledger key of
        :data:`LEDGER_COLUMNS` (``roster``, ``places``, ``district``, ``joint_village``,
        ``chain_stages``, ``chain``, ``pairing``, ``activities``, ``units``, ``ratings``), with the
        canonical headers as columns.

    Examples
    --------
    >>> t = generate_tables(scale="county", seed=1, n_orgs=600)
    >>> t["county"], len(t["roster"]) > 300, list(t["places"].columns)
    ('合成县', True, ['镇(街道)', '村(社区)', '类型'])
    """
    if scale not in SCALES:
        raise InputError(f"未知规模 {scale!r}，可选 {sorted(SCALES)} / unknown scale {scale!r}")
    n_target = int(n_orgs if n_orgs is not None else SCALES[scale])
    if n_target < 50:
        raise InputError(f"组织数 n_orgs 至少为 50，而不是 {n_target} / n_orgs must be at least 50, not {n_target} "
                         "(graphkit synth --orgs)")
    rng = np.random.default_rng(seed)
    n_counties = max(1, int(counties) if counties else int(round(n_target / _ORGS_PER_COUNTY)))
    per_county = n_target / n_counties
    n_dept = int(np.clip(round(per_county * 0.035), 8, 70))
    agency_total = n_dept * 1.6 + 1
    towns_per_county = max(1, int(round((per_county - agency_total) / _ORGS_PER_TOWN)))
    # activity span: two years, or 18 months above one million organizations
    span_start = (2023, 1) if n_target <= 1_000_000 else (2023, 7)
    county_setting = _settings_county(scale, n_counties)

    # ---- names of cities, counties, towns (unique bases drawn together) -------------------
    n_cities = max(1, -(-n_counties // 10))
    n_towns = n_counties * towns_per_county
    big = n_cities + n_counties + n_towns
    bases = _place_bases(rng, np.zeros(big, dtype=np.int64))
    city_base = bases[:n_cities]
    county_base = bases[n_cities:n_cities + n_counties]
    town_base = bases[n_cities + n_counties:]
    county_full = county_base + "县"
    if n_counties == 1:
        county_full = _obj([county_setting])
    county_city = np.arange(n_counties) // 10
    town_county = np.repeat(np.arange(n_counties), towns_per_county)
    town_kind = rng.choice(3, size=n_towns, p=[0.78, 0.12, 0.10])
    town_full = town_base + _TOWN_SUFFIX[town_kind]

    # ---- villages ----------------------------------------------------------------------------
    nv = rng.integers(32, 58, size=n_towns)
    v_town = np.repeat(np.arange(n_towns), nv)
    n_vil = len(v_town)
    v_base = _place_bases(rng, v_town)
    v_comm = rng.random(n_vil) < np.where(town_kind[v_town] == 2, 0.6, 0.08)
    v_full = v_base + np.where(v_comm, "社区", "村").astype(object)
    v_kind = np.where(v_comm, "社区", "行政村").astype(object)
    # random order of villages inside each town (used to draw distinct subsets)
    v_perm = np.lexsort((rng.random(n_vil), v_town))
    v_town_start, _ = _group_offsets(v_town, n_towns)

    # ---- organizations, block by block (parents always come earlier: no cycles) -------------
    cols: dict[str, list[np.ndarray]] = {k: [] for k in
                                         ("name", "form", "sector", "level", "town", "village", "parent",
                                          "host", "county", "kind", "members")}
    count = 0

    def add(**kw: np.ndarray) -> np.ndarray:
        nonlocal count
        n = len(kw["name"])
        for k in cols:
            cols[k].append(np.asarray(kw[k]))
        idx = np.arange(count, count + n)
        count += n
        return idx

    none = lambda n: np.full(n, -1, dtype=np.int64)  # noqa: E731

    # county work committees
    wc = add(name=county_full + "委直属机关工委", form=np.full(n_counties, F_WORKCOM), sector=np.full(n_counties, S_AGENCY),
             level=np.full(n_counties, L_COUNTY), town=none(n_counties), village=none(n_counties),
             parent=none(n_counties), host=county_full + "委直属机关工作委员会", county=np.arange(n_counties),
             kind=np.full(n_counties, K_WORKCOM), members=rng.integers(8, 20, n_counties))
    # county agency top orgs: a random subset of departments per county
    dept_names = _obj([d[0] for d in _DEPTS])
    dept_sector = np.array([_SECTOR_IDX[d[1]] for d in _DEPTS])
    dept_comm = np.array([d[2] for d in _DEPTS])
    pick = np.argsort(rng.random((n_counties, len(_DEPTS))), axis=1)[:, :n_dept]
    a_county = np.repeat(np.arange(n_counties), n_dept)
    a_dept = pick.ravel()
    a_is_comm = dept_comm[a_dept]
    a_unit = county_full[a_county] + dept_names[a_dept]
    n_a = len(a_dept)
    a_name = a_unit + np.where(a_is_comm, "党委", np.where(dept_sector[a_dept] == S_AGENCY, "机关党支部", "党支部")).astype(object)
    agency = add(name=a_name, form=np.where(a_is_comm, F_COMMITTEE, F_BRANCH), sector=dept_sector[a_dept],
                 level=np.full(n_a, L_COUNTY), town=none(n_a), village=none(n_a), parent=wc[a_county], host=a_unit,
                 county=a_county, kind=np.full(n_a, K_AGENCY), members=rng.integers(6, 60, n_a))
    # sub-branches of committee-form agencies
    n_sub = np.where(a_is_comm, rng.integers(2, 5, n_a), 0)
    s_parent, s_pos = _expand(n_sub)
    ns = len(s_parent)
    add(name=a_unit[s_parent] + "第" + _obj(_CN_NUM)[s_pos] + "党支部", form=np.full(ns, F_BRANCH),
        sector=dept_sector[a_dept][s_parent], level=np.full(ns, L_COUNTY), town=none(ns), village=none(ns),
        parent=agency[s_parent], host=a_unit[s_parent], county=a_county[s_parent], kind=np.full(ns, K_AGENCY_SUB),
        members=rng.integers(4, 30, ns))

    # chain alliances are decided now so that the needed city orgs exist
    n_chain_per_county = int(np.clip(2 + towns_per_county // 4, 2, len(CHAINS)))
    generic = np.argsort(rng.random((n_counties, len(CHAINS) - 2)), axis=1)[:, :n_chain_per_county - 2] + 2
    al_chain = np.concatenate([np.tile([0, 1], (n_counties, 1)), generic], axis=1).ravel()
    al_county = np.repeat(np.arange(n_counties), n_chain_per_county)
    n_al = len(al_chain)
    city_chain_key = county_city[al_county] * len(CHAINS) + al_chain
    uniq_cc = np.unique(city_chain_key)
    nc = len(uniq_cc)
    chain_names = _obj([c[0] for c in CHAINS])
    cc_city, cc_chain = uniq_cc // len(CHAINS), uniq_cc % len(CHAINS)
    city_orgs = add(name=city_base[cc_city] + "市" + chain_names[cc_chain] + "产业发展中心党支部", form=np.full(nc, F_BRANCH),
                    sector=np.full(nc, _SECTOR_IDX["事业单位"]), level=np.full(nc, L_CITY), town=none(nc),
                    village=none(nc), parent=none(nc), host=city_base[cc_city] + "市" + chain_names[cc_chain] + "产业发展中心",
                    county=np.minimum(cc_city * 10, n_counties - 1), kind=np.full(nc, K_CITY), members=rng.integers(5, 25, nc))
    al_city_org = city_orgs[np.searchsorted(uniq_cc, city_chain_key)]

    # town committees and town agencies
    tt = np.arange(n_towns)
    town_com = add(name=town_full + "党委", form=np.full(n_towns, F_COMMITTEE), sector=np.full(n_towns, S_AGENCY),
                   level=np.full(n_towns, L_TOWN), town=tt, village=none(n_towns), parent=none(n_towns),
                   host=town_full + np.where(town_kind == 2, "办事处", "人民政府").astype(object), county=town_county,
                   kind=np.full(n_towns, K_TOWNCOM), members=rng.integers(60, 400, n_towns))
    nta = len(_TOWN_AGENCIES)
    ta_town = np.repeat(tt, nta)
    ta_type = np.tile(np.arange(nta), n_towns)
    ta_suffix = _obj([t[0] for t in _TOWN_AGENCIES])
    ta_sector = np.array([_SECTOR_IDX[t[1]] for t in _TOWN_AGENCIES])
    town_ag = add(name=town_full[ta_town] + ta_suffix[ta_type], form=np.full(len(ta_town), F_BRANCH),
                  sector=ta_sector[ta_type], level=np.full(len(ta_town), L_TOWN), town=ta_town,
                  village=none(len(ta_town)), parent=town_com[ta_town],
                  host=town_full[ta_town] + np.char.replace(ta_suffix[ta_type].astype(str), "党支部", "").astype(object),
                  county=town_county[ta_town], kind=np.full(len(ta_town), K_TOWNAG),
                  members=rng.integers(5, 40, len(ta_town)))
    town_machine_org = town_ag[::nta]  # 机关党支部 of each town

    # village top orgs and their branches
    v_general = rng.random(n_vil) < 0.55
    v_name = town_full[v_town] + v_full + np.where(v_general, "党总支", "党支部").astype(object)
    vil_org = add(name=v_name, form=np.where(v_general, F_GENERAL, F_BRANCH),
                  sector=np.where(v_comm, S_COMMUNITY, S_VILLAGE), level=np.full(n_vil, L_VILLAGE), town=v_town,
                  village=np.arange(n_vil), parent=town_com[v_town], host=v_full, county=town_county[v_town],
                  kind=np.full(n_vil, K_VILLAGE), members=np.where(v_general, rng.integers(40, 160, n_vil),
                                                                   rng.integers(12, 60, n_vil)))
    n_vb = np.where(v_general, rng.integers(2, 6, n_vil), 0)
    vb_v, vb_pos = _expand(n_vb)
    nvb = len(vb_v)
    add(name=town_full[v_town[vb_v]] + v_full[vb_v] + "第" + _obj(_CN_NUM)[vb_pos] + "党支部", form=np.full(nvb, F_BRANCH),
        sector=np.where(v_comm[vb_v], S_COMMUNITY, S_VILLAGE), level=np.full(nvb, L_VILLAGE), town=v_town[vb_v],
        village=vb_v, parent=vil_org[vb_v], host=v_full[vb_v], county=town_county[v_town[vb_v]],
        kind=np.full(nvb, K_VBRANCH), members=rng.integers(5, 40, nvb))

    # private firms (units): some with their own party org; joint branches for the others
    n_firm = rng.integers(38, 68, n_towns)
    f_town = np.repeat(tt, n_firm)
    nf = len(f_town)
    f_code = _unique_codes(rng, f_town, len(_BRANDS) * len(_INDUSTRIES))
    f_unit = (town_full[f_town] + _obj(_BRANDS)[f_code // len(_INDUSTRIES)] + _obj(_INDUSTRIES)[f_code % len(_INDUSTRIES)]
              + "有限公司")
    f_has = rng.random(nf) < 0.62
    fo_idx = np.flatnonzero(f_has)
    firm_org = add(name=f_unit[fo_idx] + "党支部", form=np.full(len(fo_idx), F_BRANCH),
                   sector=np.full(len(fo_idx), S_PRIVATE), level=np.full(len(fo_idx), L_TOWN), town=f_town[fo_idx],
                   village=none(len(fo_idx)), parent=town_com[f_town[fo_idx]], host=f_unit[fo_idx],
                   county=town_county[f_town[fo_idx]], kind=np.full(len(fo_idx), K_FIRM),
                   members=rng.integers(3, 30, len(fo_idx)))
    n_joint = rng.integers(1, 3, n_towns)
    j_town, j_pos = _expand(n_joint)
    njb = len(j_town)
    joint = add(name=town_full[j_town] + "非公企业第" + _obj(_CN_NUM)[j_pos] + "联合党支部", form=np.full(njb, F_JOINT),
                sector=np.full(njb, S_PRIVATE), level=np.full(njb, L_TOWN), town=j_town, village=none(njb),
                parent=town_com[j_town], host=_obj([None] * njb), county=town_county[j_town],
                kind=np.full(njb, K_JOINT), members=rng.integers(3, 15, njb))
    # social organizations (units)
    n_soc = rng.integers(8, 16, n_towns)
    so_town = np.repeat(tt, n_soc)
    nso = len(so_town)
    so_code = _unique_codes(rng, so_town, len(_BRANDS) * len(_SOCIAL_KINDS))
    so_unit = town_full[so_town] + _obj(_BRANDS)[so_code // len(_SOCIAL_KINDS)] + _obj(_SOCIAL_KINDS)[so_code % len(_SOCIAL_KINDS)]
    so_has = rng.random(nso) < 0.55
    so_idx = np.flatnonzero(so_has)
    add(name=so_unit[so_idx] + "党支部", form=np.full(len(so_idx), F_BRANCH), sector=np.full(len(so_idx), S_SOCIAL),
        level=np.full(len(so_idx), L_TOWN), town=so_town[so_idx], village=none(len(so_idx)),
        parent=town_com[so_town[so_idx]], host=so_unit[so_idx], county=town_county[so_town[so_idx]],
        kind=np.full(len(so_idx), K_SOCIAL), members=rng.integers(3, 20, len(so_idx)))

    org = {k: np.concatenate(v) for k, v in cols.items()}
    N = count
    o_name, o_kind, o_town, o_county = org["name"], org["kind"], org["town"], org["county"]

    # ---- districts (片区) of county agency top orgs ------------------------------------------
    n_dist = int(np.clip(round(n_dept / 7), 1, 10))
    # random rank of each agency inside its county
    rank = np.empty(n_a, dtype=np.int64)
    order = np.lexsort((rng.random(n_a), a_county))
    rank[order] = np.arange(n_a) - np.repeat(np.arange(n_counties) * n_dept, n_dept)
    d_local = rank * n_dist // n_dept
    d_id = a_county * n_dist + d_local
    n_d = n_counties * n_dist
    d_county = np.repeat(np.arange(n_counties), n_dist)
    d_prefix = np.full(n_d, "", dtype=object) if n_counties == 1 else county_full[d_county]
    d_name = d_prefix + "第" + _obj(_CN_NUM)[np.tile(np.arange(n_dist), n_counties)] + "片区"
    # order of members inside a district: by rank; the first is the lead (forced 一类 below)
    dm_order = np.lexsort((rank, d_id))
    dm_org = agency[dm_order]
    dm_d = d_id[dm_order]
    dm_start, dm_count = _group_offsets(dm_d, n_d)
    dm_pos = np.arange(n_a) - dm_start[dm_d]
    d_lead = dm_org[dm_start]
    dm_month = np.where((dm_pos >= 1) & (dm_pos <= 12), dm_pos, 0)
    dm_role = np.where(dm_pos == 0, _ROLE_LEAD, np.where(dm_month > 0, _ROLE_HOST, _ROLE_MEMBER)).astype(object)
    d_guide = _person_names(rng, n_d)
    d_start_day = _month_day(rng.integers(2021, 2023, n_d), rng.integers(1, 13, n_d), np.ones(n_d, dtype=np.int64))
    dm_left = rng.random(n_a) < 0.02
    dm_left &= dm_pos > 0
    dm_end_day = _month_day(np.full(n_a, 2023), rng.integers(1, 13, n_a), np.full(n_a, 28))
    host_of = np.repeat(d_lead[:, None], 12, axis=1)
    hm = dm_month > 0
    host_of[dm_d[hm], dm_month[hm] - 1] = dm_org[hm]

    # ---- joint village committees (跨村联建) --------------------------------------------------
    g_per_town = np.maximum(1, np.round(0.47 * nv / 5.5).astype(np.int64))
    jg_town = np.repeat(tt, g_per_town)
    n_jg = len(jg_town)
    jg_size = rng.integers(3, 9, n_jg)
    jg_first, _ = _group_offsets(jg_town, n_towns)
    jg_cum = np.cumsum(jg_size)
    jg_off_in_town = jg_cum - jg_size - np.concatenate([[0], jg_cum])[jg_first][jg_town]
    jm_g, jm_pos = _expand(jg_size)
    jm_vil = v_perm[v_town_start[jg_town[jm_g]] + jg_off_in_town[jm_g] + jm_pos]
    jm_org = vil_org[jm_vil]

    # ---- categories (2024), forced leads, ratings 2023 --------------------------------------
    cat = rng.choice(np.array([1, 2, 3]), size=N, p=[0.25, 0.60, 0.15])
    cat[d_lead] = 1
    # joint village lead: the best-rated member (ties: first drawn)
    jm_sort = np.lexsort((jm_pos, cat[jm_org], jm_g))
    jg_start, _ = _group_offsets(jm_g[jm_sort], n_jg)
    jg_lead_member = jm_sort[jg_start]
    jm_is_lead = np.zeros(len(jm_g), dtype=bool)
    jm_is_lead[jg_lead_member] = True
    jg_lead_vil = jm_vil[jg_lead_member]
    jg_name = town_full[jg_town] + v_full[jg_lead_vil] + _JV_SUFFIX[rng.integers(0, 3, n_jg)]
    jg_start_day = _month_day(rng.integers(2020, 2024, n_jg), rng.integers(1, 13, n_jg), np.ones(n_jg, dtype=np.int64))

    weak_lax = (cat == 3) & (rng.random(N) < 0.16)
    cat23 = cat.copy()
    u = rng.random(N)
    cat23[(cat == 2) & (u < 0.10)] = 3
    cat23[(cat == 1) & (u < 0.08)] = 2
    cat23[(cat == 3) & (u < 0.06)] = 2
    weak_lax23 = (cat23 == 3) & (weak_lax | (rng.random(N) < 0.12))

    # ---- industry-chain alliances -----------------------------------------------------------
    county_town_start = np.arange(n_counties) * towns_per_county
    al_town = county_town_start[al_county] + rng.integers(0, towns_per_county, n_al)
    al_lead = agency[al_county * n_dept + rng.integers(0, n_dept, n_al)]
    n_stage = np.array([len(c[1]) for c in CHAINS])
    # members: lead, city org, town 机关党支部, k villages, e firms (firm orgs of the home town)
    k_v = np.minimum(rng.integers(3, 16, n_al), nv[al_town])
    fo_town = f_town[fo_idx]
    fo_start, fo_count = _group_offsets(fo_town, n_towns)  # firm orgs are already sorted by town
    k_e = np.minimum(rng.integers(1, 5, n_al), fo_count[al_town])
    am_g_v, am_pos_v = _expand(k_v)
    v_off = rng.integers(0, 10_000, n_al)
    am_org_v = vil_org[v_perm[v_town_start[al_town[am_g_v]] + (v_off[am_g_v] + am_pos_v) % nv[al_town[am_g_v]]]]
    am_g_e, am_pos_e = _expand(k_e)
    e_off = rng.integers(0, 10_000, n_al)
    am_org_e = firm_org[fo_start[al_town[am_g_e]] + (e_off[am_g_e] + am_pos_e) % np.maximum(fo_count[al_town[am_g_e]], 1)]
    ar = np.arange(n_al)
    am_g = np.concatenate([ar, ar, ar, am_g_v, am_g_e])
    am_org = np.concatenate([al_lead, al_city_org, town_machine_org[al_town], am_org_v, am_org_e])
    am_role = np.concatenate([np.full(n_al, _ROLE_LEAD, dtype=object),
                              np.full(len(am_g) - n_al, _ROLE_MEMBER, dtype=object)])
    ns_g = n_stage[al_chain[am_g]]
    half = (ns_g + 1) // 2
    r = rng.random(len(am_g))
    st_v = np.floor(r * half).astype(np.int64)
    st_e = half - (ns_g % 2 == 1) + np.floor(r * (ns_g - half + (ns_g % 2 == 1))).astype(np.int64)
    st_a = np.floor(r * ns_g).astype(np.int64)
    kind_tag = np.concatenate([np.zeros(2 * n_al, dtype=np.int64), np.full(n_al, 1), np.full(len(am_g_v), 2),
                               np.full(len(am_g_e), 3)])
    am_stage = np.select([kind_tag == 1, kind_tag == 2, kind_tag == 3], [st_a, st_v, st_e], -1)
    am_stage[rng.random(len(am_g)) < 0.1] = -1  # stage not recorded
    al_name = (county_full[al_county] + chain_names[al_chain] + _CHAIN_GROUP_SUFFIX[rng.integers(0, 2, n_al)])
    al_start_day = _month_day(rng.integers(2021, 2024, n_al), rng.integers(1, 13, n_al), np.ones(n_al, dtype=np.int64))
    # the same org may appear twice in an alliance only by accident of drawing: drop duplicates
    key = am_g * N + am_org
    _, first = np.unique(key, return_index=True)
    keep = np.zeros(len(am_g), dtype=bool)
    keep[first] = True
    am_g, am_org, am_role, am_stage = am_g[keep], am_org[keep], am_role[keep], am_stage[keep]

    # ---- pairings (strong 一类 -> weak 三类) ---------------------------------------------------
    weak = np.flatnonzero((cat == 3) & (o_kind != K_WORKCOM) & (o_kind != K_CITY))
    weak = weak[rng.random(len(weak)) < 0.72]
    wk = o_kind[weak]
    is_vil = wk == K_VILLAGE
    form_choice = rng.random(len(weak))
    # pools: towns 0..T-1 for same-town strong orgs; T + county for county agency strong orgs
    strong_vil = np.flatnonzero((cat == 1) & (o_kind == K_VILLAGE))
    strong_any_town = np.flatnonzero((cat == 1) & (o_town >= 0))
    strong_ag = np.flatnonzero((cat == 1) & (o_kind == K_AGENCY))
    pick_vil = _pick_in_pool(rng, np.maximum(o_town[weak], 0), strong_vil, o_town[strong_vil], n_towns)
    pick_town = _pick_in_pool(rng, np.maximum(o_town[weak], 0), strong_any_town, o_town[strong_any_town], n_towns)
    pick_ag = _pick_in_pool(rng, o_county[weak], strong_ag, o_county[strong_ag], n_counties)
    f_sv, f_av, f_13 = "强村带弱村", "机关联村", "一类带三类"
    strong = np.where(is_vil & (form_choice < 0.6), pick_vil,
                      np.where(is_vil, pick_ag, np.where(o_town[weak] >= 0, pick_town, pick_ag)))
    p_form = np.where(is_vil & (form_choice < 0.6), f_sv, np.where(is_vil, f_av, f_13)).astype(object)
    ok = strong >= 0
    weak, strong, p_form = weak[ok], strong[ok], p_form[ok]
    npair = len(weak)
    p_start = _month_day(rng.integers(2021, 2025, npair), rng.integers(1, 13, npair), np.ones(npair, dtype=np.int64))
    p_start = np.minimum(p_start, _day(2024, 6, 1))
    ended = rng.random(npair) < 0.12
    p_end = p_start + 365
    ended &= p_end < _day(2024, 12, 31)
    # half of the ended pairs rotate to a new strong partner the next day
    rot = ended & (rng.random(npair) < 0.5)
    rot_idx = np.flatnonzero(rot)
    pick_ag2 = _pick_in_pool(rng, o_county[weak], strong_ag, o_county[strong_ag], n_counties)
    pick_town2 = _pick_in_pool(rng, np.maximum(o_town[weak], 0), strong_any_town, o_town[strong_any_town], n_towns)
    new_strong = np.where(np.isin(p_form[rot_idx], [f_sv, f_av]) | (o_town[weak[rot_idx]] < 0),
                          pick_ag2[rot_idx], pick_town2[rot_idx])
    good = (new_strong >= 0) & (new_strong != strong[rot_idx])
    rot_idx, new_strong = rot_idx[good], new_strong[good]
    pr_strong = np.concatenate([strong, new_strong])
    pr_weak = np.concatenate([weak, weak[rot_idx]])
    pr_form = np.concatenate([p_form, np.where(p_form[rot_idx] == f_sv, f_av, p_form[rot_idx])])
    pr_start = np.concatenate([p_start, p_end[rot_idx] + 1])
    pr_end_mask = np.concatenate([ended, np.zeros(len(rot_idx), dtype=bool)])
    pr_end = np.concatenate([p_end, np.zeros(len(rot_idx), dtype=np.int64)])

    # ---- activities ---------------------------------------------------------------------------
    acts: list[dict[str, np.ndarray]] = []
    parts_a: list[np.ndarray] = []  # activity local index
    parts_o: list[np.ndarray] = []
    base = 0
    span_ym = np.arange(span_start[0] * 12 + span_start[1] - 1, 2024 * 12 + 12)

    def add_acts(group_name: np.ndarray, day: np.ndarray, typ: np.ndarray, title: np.ndarray, host: np.ndarray,
                 p_act: np.ndarray, p_org: np.ndarray) -> None:
        nonlocal base
        acts.append({"group": group_name, "day": day, "type": typ, "title": title, "host": host})
        parts_a.append(p_act + base)
        parts_o.append(p_org)
        base += len(day)

    # district members sorted by district (dm_org/dm_d/dm_start/dm_count)
    def members_of(groups: np.ndarray, starts: np.ndarray, counts_: np.ndarray, mem_org: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray]:
        a, pos = _expand(counts_[groups])
        return a, mem_org[starts[groups[a]] + pos]

    def grid(n_groups: int, months: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every (group, year, month) of the activity span whose month is in ``months``."""
        span = span_ym[np.isin(span_ym % 12 + 1, months)]
        g, ym = (x.ravel() for x in np.meshgrid(np.arange(n_groups), span, indexing="ij"))
        return g, ym // 12, ym % 12 + 1

    def ym_text(yy: np.ndarray, mm: np.ndarray) -> np.ndarray:
        return yy.astype(str).astype(object) + "年" + mm.astype(str).astype(object) + "月"

    every = tuple(range(1, 13))
    month_types = _obj(["主题党日", "现场教学", "业务培训", "观摩", "志愿服务", "联建攻关"])
    # monthly activities per district, hosted by the month's rotating host (else the lead)
    dd, yy, mm = grid(n_d, every)
    keep = rng.random(len(dd)) >= 0.04
    dd, yy, mm = dd[keep], yy[keep], mm[keep]
    na_ = len(dd)
    typ = month_types[rng.choice(6, size=na_, p=[0.55, 0.15, 0.1, 0.05, 0.1, 0.05])]
    host = host_of[dd, mm - 1]
    day = _month_day(yy, mm, rng.integers(5, 29, na_))
    a, o = members_of(dd, dm_start, dm_count, dm_org)
    sel = (o != host[a]) & (rng.random(len(a)) < 0.9)
    add_acts(d_name[dd], day, typ, d_name[dd] + ym_text(yy, mm) + typ, host, a[sel], o[sel])
    # quarterly 互督, hosted by the lead
    dd, yy, mm = grid(n_d, (3, 6, 9, 12))
    keep = rng.random(len(dd)) >= 0.08
    dd, yy, mm = dd[keep], yy[keep], mm[keep]
    day = _month_day(yy, mm, rng.integers(15, 29, len(dd)))
    a, o = members_of(dd, dm_start, dm_count, dm_org)
    sel = o != d_lead[dd][a]
    add_acts(d_name[dd], day, np.full(len(dd), "互督", dtype=object),
             d_name[dd] + yy.astype(str).astype(object) + "年第" + _obj(_CN_NUM)[mm // 3 - 1] + "季度党建工作互督",
             d_lead[dd], a[sel], o[sel])
    # half-yearly cross inspection: hosted by the work committee; the next district's lead inspects
    dd, yy, mm = grid(n_d, (6, 12))
    keep = rng.random(len(dd)) >= 0.10
    dd, yy, mm = dd[keep], yy[keep], mm[keep]
    day = _month_day(yy, mm, rng.integers(20, 29, len(dd)))
    a, o = members_of(dd, dm_start, dm_count, dm_org)
    nxt = d_county[dd] * n_dist + (dd % n_dist + 1) % n_dist
    inspector = d_lead[nxt] if n_dist > 1 else np.full(len(dd), -1)
    ins_rows = np.flatnonzero(inspector >= 0)
    add_acts(d_name[dd], day, np.full(len(dd), "交叉巡回督导", dtype=object),
             d_name[dd] + yy.astype(str).astype(object) + np.where(mm == 6, "年上半年", "年下半年").astype(object)
             + "交叉巡回督导", wc[d_county[dd]], np.concatenate([a, ins_rows]), np.concatenate([o, inspector[ins_rows]]))
    # joint village committees: a joint project, theme day or volunteering most months
    jm_sorted = np.lexsort((~jm_is_lead, jm_g))
    jm_org_s, jm_g_s = jm_org[jm_sorted], jm_g[jm_sorted]
    jgs, jgc = _group_offsets(jm_g_s, n_jg)
    jg_lead = jm_org_s[jgs]
    gg, yy, mm = grid(n_jg, every)
    keep = rng.random(len(gg)) >= 0.15
    gg, yy, mm = gg[keep], yy[keep], mm[keep]
    typ = _obj(["联建项目", "主题党日", "志愿服务"])[rng.choice(3, size=len(gg), p=[0.5, 0.35, 0.15])]
    day = _month_day(yy, mm, rng.integers(1, 29, len(gg)))
    a, o = members_of(gg, jgs, jgc, jm_org_s)
    sel = o != jg_lead[gg][a]
    add_acts(jg_name[gg], day, typ, jg_name[gg] + ym_text(yy, mm) + typ, jg_lead[gg], a[sel], o[sel])
    # chain alliances: quarterly on-site teaching in the home town
    am_sorted = np.lexsort((am_role != _ROLE_LEAD, am_g))
    am_org_s, am_g_s = am_org[am_sorted], am_g[am_sorted]
    ags, agc = _group_offsets(am_g_s, n_al)
    gg, yy, mm = grid(n_al, (2, 5, 8, 11))
    day = _month_day(yy, mm, rng.integers(1, 29, len(gg)))
    a, o = members_of(gg, ags, agc, am_org_s)
    sel = (o != al_lead[gg][a]) & (rng.random(len(a)) < 0.8)
    add_acts(al_name[gg], day, np.full(len(gg), "现场教学", dtype=object),
             al_name[gg] + ym_text(yy, mm) + "链上联建现场教学", al_lead[gg], a[sel], o[sel])

    act_group = np.concatenate([x["group"] for x in acts])
    act_day = np.concatenate([x["day"] for x in acts])
    act_type = np.concatenate([x["type"] for x in acts])
    act_title = np.concatenate([x["title"] for x in acts])
    act_host = np.concatenate([x["host"] for x in acts])
    p_a = np.concatenate(parts_a)
    p_o = np.concatenate(parts_o)
    n_act = len(act_day)
    # order activities by date, then group (stable); codes follow that order
    a_order = np.lexsort((np.arange(n_act), act_group.astype(str), act_day))
    new_pos = np.empty(n_act, dtype=np.int64)
    new_pos[a_order] = np.arange(n_act)
    p_a = new_pos[p_a]
    po = np.lexsort((p_o, p_a))
    p_a, p_o = p_a[po], p_o[po]
    participants = _join_names(o_name, p_o, np.bincount(p_a, minlength=n_act))

    # ---- units (两新组织名册) -----------------------------------------------------------------
    # firms: own org (f_has) / linked to a joint branch (45% of the rest) / instructor only / neither
    firm_org_of = np.full(nf, -1, dtype=np.int64)
    firm_org_of[fo_idx] = firm_org
    uu = rng.random(nf)
    j_start, j_count = _group_offsets(j_town, n_towns)
    f_joint = joint[j_start[f_town] + np.floor(rng.random(nf) * j_count[f_town]).astype(np.int64)]
    f_link = np.where(~f_has & (uu < 0.45), f_joint, -1)
    f_instr = (f_has & (uu < 0.3)) | (~f_has & (uu >= 0.45) & (uu < 0.70)) | (f_link >= 0) & (uu < 0.2)
    # social organizations: own org / linked to their village or town committee / instructor / neither
    so_org_of = np.full(nso, -1, dtype=np.int64)
    so_org_of[so_idx] = np.flatnonzero(o_kind == K_SOCIAL)
    us = rng.random(nso)
    so_link = np.where(~so_has & (us < 0.4), town_com[so_town], -1)
    so_instr = (~so_has & (us >= 0.4) & (us < 0.65)) | (so_has & (us < 0.2))
    unit_name = np.concatenate([f_unit, so_unit])
    unit_kind = np.concatenate([np.full(nf, "非公企业", dtype=object), np.full(nso, "社会组织", dtype=object)])
    unit_town = np.concatenate([f_town, so_town])
    unit_has = np.concatenate([f_has, so_has])
    unit_org = np.concatenate([firm_org_of, so_org_of])
    unit_link = np.concatenate([f_link, so_link])
    unit_instr = np.concatenate([f_instr, so_instr])
    nu = len(unit_name)
    instr_names = _person_names(rng, nu)
    employees = np.concatenate([np.round(np.exp(rng.normal(3.2, 1.0, nf))).astype(np.int64) + 3,
                                rng.integers(3, 60, nso)])

    # ---- first secretaries (weak villages and some others) --------------------------------------
    fs_mask = (o_kind == K_VILLAGE) & ((cat == 3) | (rng.random(N) < 0.12))
    fs_names = _person_names(rng, N)

    # ---- assemble the tables ---------------------------------------------------------------------
    parent = org["parent"]
    has_parent = parent >= 0
    roster = pd.DataFrame({
        "党组织名称": o_name,
        "组织形式": _FORM[org["form"]],
        "领域": _SECTOR[org["sector"]],
        "层级": _LEVEL[org["level"]],
        "所属镇(街道)": _str_or_none(town_full[np.maximum(o_town, 0)], o_town >= 0),
        "所在村(社区)": _str_or_none(v_full[np.maximum(org["village"], 0)], org["village"] >= 0),
        "上级党组织": _str_or_none(o_name[np.maximum(parent, 0)], has_parent),
        "所在单位": org["host"].astype(object),
        "党员数": _nullable_int(org["members"]),
        "分类定级": _CATEGORY[cat],
        "定级年度": _nullable_int(np.full(N, 2024)),
        "是否软弱涣散": _YESNO[weak_lax.astype(np.int64)],
        "第一书记": _str_or_none(fs_names, fs_mask),
    })
    places = pd.DataFrame({"镇(街道)": town_full[v_town], "村(社区)": v_full, "类型": v_kind})
    district = pd.DataFrame({
        "片区名称": d_name[dm_d],
        "单位名称": o_name[dm_org],
        "角色": dm_role,
        "轮值月份": _nullable_int(dm_month, dm_month > 0),
        "联片指导领导": d_guide[dm_d],
        "加入日期": _dates(d_start_day[dm_d]),
        "退出日期": _str_or_none(_dates(dm_end_day[dm_order]), dm_left[dm_order]),
    })
    jv_order = np.lexsort((~jm_is_lead, jm_g))
    joint_village = pd.DataFrame({
        "联村党组织名称": jg_name[jm_g[jv_order]],
        "所属镇(街道)": town_full[jg_town[jm_g[jv_order]]],
        "成员村党组织": o_name[jm_org[jv_order]],
        "角色": np.where(jm_is_lead[jv_order], _ROLE_LEAD, _ROLE_MEMBER).astype(object),
        "加入日期": _dates(jg_start_day[jm_g[jv_order]]),
        "退出日期": np.full(len(jv_order), None, dtype=object),
    })
    used_chains = np.unique(al_chain)
    st_chain = np.concatenate([np.full(n_stage[c], c) for c in used_chains])
    st_pos = np.concatenate([np.arange(n_stage[c]) for c in used_chains])
    stage_flat = _obj([s for c in CHAINS for s in c[1]])
    stage_off = np.concatenate([[0], np.cumsum(n_stage)[:-1]])
    chain_stages = pd.DataFrame({
        "产业链": chain_names[st_chain],
        "环节序号": _nullable_int(st_pos + 1),
        "环节名称": stage_flat[stage_off[st_chain] + st_pos],
    })
    am_stage_name = _str_or_none(stage_flat[stage_off[al_chain[am_g]] + np.maximum(am_stage, 0)], am_stage >= 0)
    chain = pd.DataFrame({
        "联盟名称": al_name[am_g],
        "产业链": chain_names[al_chain[am_g]],
        "党组织名称": o_name[am_org],
        "角色": am_role,
        "环节名称": am_stage_name,
        "加入日期": _dates(al_start_day[am_g]),
        "退出日期": np.full(len(am_g), None, dtype=object),
    })
    pairing = pd.DataFrame({
        "帮扶党组织": o_name[pr_strong],
        "受援党组织": o_name[pr_weak],
        "结对形式": pr_form,
        "开始日期": _dates(pr_start),
        "结束日期": _str_or_none(_dates(pr_end), pr_end_mask),
    })
    width = max(7, len(str(n_act)))
    codes = "HD" + pd.Series(np.arange(1, n_act + 1)).astype(str).str.zfill(width)
    activities = pd.DataFrame({
        "活动编号": codes.to_numpy(dtype=object),
        "活动日期": _dates(act_day[a_order]),
        "活动名称": act_title[a_order],
        "活动类型": act_type[a_order],
        "主办单位": o_name[act_host[a_order]],
        "参与单位": participants,
        "所属片区": act_group[a_order],
    })
    units = pd.DataFrame({
        "单位名称": unit_name,
        "类型": unit_kind,
        "所属镇(街道)": town_full[unit_town],
        "是否建立党组织": _YESNO[unit_has.astype(np.int64)],
        "党组织名称": _str_or_none(o_name[np.maximum(unit_org, 0)], unit_org >= 0),
        "联系党组织": _str_or_none(o_name[np.maximum(unit_link, 0)], unit_link >= 0),
        "党建指导员": _str_or_none(instr_names, unit_instr),
        "从业人员数": _nullable_int(employees),
    })
    ratings = pd.DataFrame({
        "党组织名称": np.concatenate([o_name, o_name]),
        "年度": _nullable_int(np.concatenate([np.full(N, 2023), np.full(N, 2024)])),
        "分类定级": np.concatenate([_CATEGORY[cat23], _CATEGORY[cat]]),
        "是否软弱涣散": np.concatenate([_YESNO[weak_lax23.astype(np.int64)], _YESNO[weak_lax.astype(np.int64)]]),
    })
    out: dict[str, Any] = {"county": county_setting, "roster": roster, "places": places, "district": district,
                           "joint_village": joint_village, "chain_stages": chain_stages, "chain": chain,
                           "pairing": pairing, "activities": activities, "units": units, "ratings": ratings}
    if by_county:
        # which unit each row belongs to: counties 0..n-1, then the city levels n + city
        org_city = np.full(N, -1, dtype=np.int64)
        org_city[city_orgs] = cc_city
        org_unit = np.where(org_city >= 0, n_counties + org_city, o_county)
        used_by = [np.unique(al_chain[al_county == c]) for c in range(n_counties)]
        # a few pairings cross the county line: a strong agency org of the next county of the same
        # city helps, written `县名/党组织名称` in the weak org's county ledger (own generator: the
        # single-folder tables above stay as they were)
        xr = np.random.default_rng([seed, 20])
        w_c = o_county[pr_weak]
        nxt_c = np.where((w_c + 1) // 10 == w_c // 10, w_c + 1, w_c - w_c % 10)
        nxt_c = np.where(nxt_c < n_counties, nxt_c, w_c - w_c % 10)
        cand = np.flatnonzero((nxt_c != w_c) & (xr.random(len(pr_weak)) < 0.03))
        picked = _pick_in_pool(xr, nxt_c[cand], strong_ag, o_county[strong_ag], n_counties)
        ok_x = picked >= 0
        cand, picked = cand[ok_x], picked[ok_x]
        pairing["帮扶党组织"] = pairing["帮扶党组织"].to_numpy(dtype=object)
        pairing.loc[cand, "帮扶党组织"] = county_full[o_county[picked]] + "/" + o_name[picked]
        out["_units"] = {
            "county_names": county_full, "county_city": county_city, "city_names": city_base + "市",
            "rows": {"roster": org_unit, "places": town_county[v_town], "district": d_county[dm_d],
                     "joint_village": town_county[jg_town[jm_g[jv_order]]], "chain": al_county[am_g],
                     "pairing": o_county[pr_weak], "activities": org_unit[act_host[a_order]],
                     "units": town_county[unit_town], "ratings": np.concatenate([org_unit, org_unit])},
            "chains_used": used_by, "chain_stage_chain": st_chain, "cross_pairings": int(len(cand)),
        }
    return out


def _join_names(names: np.ndarray, org_ids: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Join the names of each activity's participants with 、 (vectorized through pyarrow)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    values = pa.array(names[org_ids], type=pa.string())
    lists = pa.LargeListArray.from_arrays(pa.array(offsets, type=pa.int64()), values)
    joined = pc.binary_join(lists, "、").to_numpy(zero_copy_only=False).astype(object)
    joined[counts == 0] = None
    return joined


# ---------------------------------------------------------------------------------------------
# writing


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


def generate_ledgers(out_dir: str | Path, *, scale: str = "county", seed: int = 0, n_orgs: int | None = None,
                     fmt: str = "auto") -> dict[str, int]:
    """Write a folder of synthetic ledgers in the built-in layouts.

    Parameters
    ----------
    out_dir
        Folder to write: missing, empty, or one ``generate_ledgers`` wrote before (its
        ``graphkit.yaml`` starts with graphkit's synthetic-data header), whose ledger files of
        the same names are replaced. Any other folder — real ledgers — is refused.
    scale
        ``"county"`` (≈2,000 organizations), ``"province"`` (≈200,000) or ``"national"``
        (≈5,000,000). See :data:`SCALES`.
    seed
        Seed of ``numpy.random.default_rng``. The same seed gives byte-identical files
        (CSV and .xlsx).
    n_orgs
        Approximate number of organizations, overriding the scale's target.
    fmt
        ``"xlsx"``, ``"csv"`` (UTF-8, no BOM) or ``"auto"`` (.xlsx for county and province, CSV for
        national). In .xlsx output the chain stages and members are two sheets of
        ``产业链联建台账.xlsx``; in CSV output they are ``产业链环节.csv`` and ``链上联建_联盟成员.csv``.

    Returns
    -------
    dict
        Rows written per ledger (keys of :data:`LEDGER_COLUMNS`), and the link counts
        ``memberships``, ``pairings``, ``participations``, ``parent_links`` and ``links`` (their sum).

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     counts = generate_ledgers(d, scale="county", seed=7, n_orgs=400, fmt="csv")
    ...     sorted(p.name for p in Path(d).glob("*.csv"))[:3]
    ['两新组织名册.csv', '产业链环节.csv', '党组织名册.csv']
    >>> counts["roster"] > 200
    True
    """
    if fmt not in ("auto", "xlsx", "csv"):
        raise InputError(f"未知格式 {fmt!r}，可选 auto/xlsx/csv / unknown format {fmt!r}")
    if fmt == "auto":
        fmt = "csv" if scale == "national" else "xlsx"
    from ..core.files import SYNTH_HEADER, check_replace

    out = Path(out_dir)
    check_replace(out, kind="synth-ledgers")  # never write fictional ledgers over a county's real ones
    tables = generate_tables(scale=scale, seed=seed, n_orgs=n_orgs)
    out.mkdir(parents=True, exist_ok=True)
    county = tables["county"]
    (out / "graphkit.yaml").write_text(
        f"{SYNTH_HEADER}\n"
        f"# scale: {scale}, seed: {seed}\n"
        f"county: {county}\n", encoding="utf-8")
    (out / "README.md").write_text(
        "# 合成台账 / Synthetic ledgers\n\n"
        "本文件夹中的全部地名、党组织、单位和人名均为随机生成的虚构数据，仅用于测试和性能评估。\n\n"
        "Every place, organization, unit and person in this folder is randomly generated and fictional; "
        f"for tests and benchmarks only. Made by `graphkit.synth.generate_ledgers(scale={scale!r}, seed={seed})`.\n",
        encoding="utf-8")
    keys = [k for k in LEDGER_COLUMNS if k not in CHAIN_SHEETS]
    if fmt == "xlsx":
        for k in keys:
            stem = LEDGER_COLUMNS[k][0]
            _write_xlsx(out / f"{stem}.xlsx", [(_sheet_name(k), tables[k])])
        _write_xlsx(out / f"{CHAIN_WORKBOOK}.xlsx",
                    [(CHAIN_SHEETS["chain_stages"], tables["chain_stages"]), (CHAIN_SHEETS["chain"], tables["chain"])])
    else:
        for k in LEDGER_COLUMNS:
            _write_csv(out, LEDGER_COLUMNS[k][0], tables[k])
    return _counts(tables)


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


def generate_province(out_dir: str | Path, *, seed: int = 0, n_orgs: int | None = None, counties: int | None = None,
                      fmt: str = "xlsx") -> dict[str, int]:
    """Write a synthetic province as one folder per county plus one folder per city level.

    The layout ``graphkit build`` assembles (``docs/province.md``): ``OUT/graphkit.yaml``
    (``province: 合成省``), ``OUT/<县名>/`` with the county's ledgers and a ``graphkit.yaml``
    naming the county and its city, and ``OUT/<市名>市直/`` (``level: city``) with the city-level
    organizations (the industry centres that join the counties' chain alliances). About 3% of the
    pairings cross the county line: their strong side is written ``县名/党组织名称``.

    Parameters
    ----------
    out_dir
        Folder to write: missing, empty or written by this function before.
    seed
        Random seed (same seed, byte-identical files).
    n_orgs
        Approximate number of organizations (default: :data:`SCALES` ``["province"]``).
    counties
        Number of counties (default: one per ~2,000 organizations).
    fmt
        ``"xlsx"`` or ``"csv"``.

    Returns
    -------
    dict
        Rows per ledger over the province, ``counties``, ``cities`` and ``cross_pairings``.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     c = generate_province(d, seed=1, n_orgs=1_200, counties=4, fmt="csv")
    ...     sum(p.is_dir() for p in Path(d).iterdir()), c["counties"], c["cities"]
    (5, 4, 1)
    """
    if fmt not in ("xlsx", "csv"):
        raise ValueError(f"未知格式 {fmt!r}，可选 xlsx/csv / unknown format {fmt!r}")
    from ..core.files import SYNTH_HEADER, check_replace

    out = Path(out_dir)
    check_replace(out, kind="synth-ledgers")
    tables = generate_tables(scale="province", seed=seed, n_orgs=n_orgs, counties=counties, by_county=True)
    units = tables["_units"]
    names, cities, county_city = units["county_names"], units["city_names"], units["county_city"]
    n = len(names)
    out.mkdir(parents=True, exist_ok=True)
    (out / "graphkit.yaml").write_text(f"{SYNTH_HEADER}\n# scale: province (one folder per county), seed: {seed}\n"
                                       "province: 合成省\n", encoding="utf-8")
    (out / "README.md").write_text(
        "# 合成省台账 / A synthetic province\n\n每个县一个文件夹，另有市直文件夹；全部数据为随机生成的虚构数据，仅用于测试和性能评估。\n\n"
        "One folder per county and one per city level; everything is randomly generated and fictional, "
        f"for tests and benchmarks only. Made by `graphkit.synth.generate_province(seed={seed})`.\n", encoding="utf-8")
    rows = units["rows"]
    order = {k: np.argsort(v, kind="stable") for k, v in rows.items()}
    bounds = {k: np.searchsorted(v[order[k]], np.arange(n + len(cities) + 1)) for k, v in rows.items()}
    for u in range(n + len(cities)):
        is_city = u >= n
        folder = out / (f"{cities[u - n]}直" if is_city else str(names[u]))
        folder.mkdir(exist_ok=True)
        head = f"{SYNTH_HEADER}\n# scale: province, seed: {seed}\n"
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
    counts = _counts(tables)
    counts.update(counties=n, cities=len(cities), cross_pairings=units["cross_pairings"])
    return counts


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
