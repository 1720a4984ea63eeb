"""Vocabularies, code tables and ledger layouts of the synthetic-ledger generator (all fictional).

Private to :mod:`graphkit.ingest.synth`, which re-exports the public names.
"""
from __future__ import annotations

import numpy as np


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

