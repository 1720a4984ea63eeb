"""Build the bundled sample county 示例县 (``data/sample_county/``).

示例县 is fictional. Its structures and numbers follow the seed reports (10 districts of county
agencies with a lead, a guiding leader and monthly rotating hosts; 12 joint village committees
covering 51 villages; sericulture and fisheries chain alliances spanning 市/县/镇/村; 9 strong
villages paired with 11 weak ones), with deliberate gaps that the analyses must find. The gaps
and key counts are written to ``EXPECTED.md``.

Usage::

    python scripts/make_sample_county.py [-o data/sample_county]

The output is deterministic: running the script twice gives the same data (the .xlsx files carry a
fixed creation date).
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from graphkit.ingest.synth import _person_names, _place_bases  # noqa: E402

COUNTY = "示例县"
CITY = "示例市"
SEED = 20240101
FIXED_CREATED = dt.datetime(2024, 12, 31)
CN = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二"]

TOWNS = ["安澜街道", "青溪镇", "柳坪镇", "枫林镇", "金桥镇", "白鹤乡", "双河镇", "梅岭镇", "云台乡", "桃源镇"]

# Districts: (unit, sector, form) with the lead unit first. form: 党委 (committee) or 支部.
C, B = "党委", "党支部"
DISTRICTS: list[list[tuple[str, str, str]]] = [
    [("委办公室", "机关", B), ("委组织部", "机关", B), ("委宣传部", "机关", B), ("委统战部", "机关", B),
     ("委政法委", "机关", B), ("委编办", "机关", B), ("委网信办", "机关", B), ("委老干部局", "机关", B),
     ("委政策研究室", "机关", B), ("档案馆", "事业单位", B), ("委党校", "事业单位", B)],
    [("纪委监委机关", "机关", B), ("人大常委会机关", "机关", B), ("政协机关", "机关", B), ("人民法院", "机关", C),
     ("人民检察院", "机关", B), ("公安局", "机关", C), ("信访局", "机关", B), ("退役军人事务局", "机关", B),
     ("审计局", "机关", B), ("统计局", "机关", B)],
    [("发展和改革局", "机关", B), ("财政局", "机关", B), ("税务局", "机关", C), ("商务局", "机关", B),
     ("市场监督管理局", "机关", B), ("医疗保障局", "机关", B), ("行政审批服务局", "机关", B),
     ("公共资源交易中心", "事业单位", B), ("数据服务中心", "事业单位", B), ("住房公积金管理中心", "事业单位", B)],
    [("住房和城乡建设局", "机关", B), ("交通运输局", "机关", C), ("自然资源局", "机关", B), ("城市管理局", "机关", B),
     ("生态环境分局", "机关", B), ("不动产登记中心", "事业单位", B), ("公路管理段", "事业单位", B),
     ("城市建设投资有限公司", "国有企业", B), ("水务集团有限公司", "国有企业", B)],
    [("教育体育局", "机关", C), ("团委", "机关", B), ("妇女联合会", "机关", B), ("总工会", "机关", B),
     ("残疾人联合会", "机关", B), ("第一中学", "学校", B), ("实验小学", "学校", B), ("职业教育中心", "学校", B),
     ("文学艺术界联合会", "机关", B), ("红十字会", "机关", B)],
    [("卫生健康局", "机关", B), ("人民医院", "公立医院", C), ("中医医院", "公立医院", B), ("妇幼保健院", "公立医院", B),
     ("疾病预防控制中心", "事业单位", B), ("民政局", "机关", B), ("人力资源和社会保障局", "机关", B),
     ("应急管理局", "机关", B), ("融媒体中心", "事业单位", B), ("文化和旅游局", "机关", B), ("图书馆", "事业单位", B),
     ("养老服务中心", "事业单位", B)],
    [("水利局", "机关", B), ("林业局", "机关", B), ("气象局", "事业单位", B), ("移民搬迁工作办公室", "机关", B),
     ("供销合作社", "机关", B), ("粮食储备库", "国有企业", B), ("农业技术推广中心", "事业单位", B),
     ("水产工作站", "事业单位", B), ("茶叶工作站", "事业单位", B)],
    [("农业农村局", "机关", C), ("乡村振兴局", "机关", B), ("蚕桑服务中心", "事业单位", B), ("科协", "机关", B),
     ("科学技术局", "机关", B), ("农机服务中心", "事业单位", B), ("畜牧兽医中心", "事业单位", B),
     ("农村经济经营管理站", "事业单位", B), ("农产品质量安全检测站", "事业单位", B), ("动物疫病预防控制中心", "事业单位", B),
     ("植保植检站", "事业单位", B)],
    [("人民政府办公室", "机关", B), ("政务服务中心", "事业单位", B), ("机关事务服务中心", "事业单位", B),
     ("地方志办公室", "事业单位", B), ("接待办公室", "机关", B), ("保密机要局", "机关", B), ("人民防空办公室", "机关", B),
     ("国防动员办公室", "机关", B), ("外事办公室", "机关", B)],
    [("经济开发区管委会", "机关", B), ("经济贸易局", "机关", B), ("司法局", "机关", B), ("工商业联合会", "机关", B),
     ("招商服务中心", "事业单位", B), ("国有资产运营有限公司", "国有企业", B), ("金融服务中心", "事业单位", B),
     ("中小企业服务中心", "事业单位", B), ("工业园区服务中心", "事业单位", B), ("电子商务服务中心", "事业单位", B)],
]
SUB_BRANCHES = {"公安局": 3, "人民医院": 2, "教育体育局": 2, "农业农村局": 2, "交通运输局": 1, "人民法院": 1}

FIRM_BRANDS = ["锦丝", "清溪", "鲜达", "绿野", "丰禾", "山泉", "桑梓", "渔乐", "金穗", "云雾", "竹韵", "枫华", "安泰", "利民",
               "兴旺", "瑞丰", "福源", "嘉禾", "鸿运", "恒达", "百草", "林海", "碧水", "宏图", "新源", "众邦", "聚福", "同创",
               "德丰", "天和", "康源", "佳禾", "长青", "博雅", "晨曦", "远航", "明珠", "翠竹", "紫云", "万家", "惠农", "富源",
               "益农", "鼎盛", "盛世", "永辉", "润田", "秦川", "汉江", "巴山"]
FIRM_TRADES = ["农业科技", "生态农业", "茶业", "食品", "建材", "物流", "电子科技", "旅游开发", "中药材", "木业", "服装",
               "商贸", "养殖", "电子商务", "劳务服务", "魔芋制品", "菌业", "机械制造"]
SOCIAL_KINDS = ["茶叶协会", "养殖协会", "商会", "志愿者协会", "老年协会", "种植专业协会", "电商协会", "社会工作服务中心",
                "乡贤理事会", "文化促进会"]

CHAIN_STAGES = {"蚕桑": ["种桑", "养蚕", "收茧", "烘茧", "产丝"], "生态渔业": ["鱼苗繁育", "成鱼养殖", "产品加工", "产品销售"]}


class Sample:
    """Collects the sample county's records."""

    def __init__(self) -> None:
        self.rng = np.random.default_rng(SEED)
        self.orgs: list[dict[str, Any]] = []
        self.by_name: dict[str, dict[str, Any]] = {}
        self.people: set[str] = set()

    # -- helpers -------------------------------------------------------------------------------
    def org(self, name: str, form: str, sector: str, level: str, *, town: str | None = None,
            village: str | None = None, parent: str | None = None, host: str | None = None,
            members: int | None = None, tag: str = "") -> dict[str, Any]:
        assert name not in self.by_name, name
        rec = {"name": name, "form": form, "sector": sector, "level": level, "town": town, "village": village,
               "parent": parent, "host": host, "members": members if members is not None else int(self.rng.integers(5, 40)),
               "tag": tag, "cat24": None, "cat23": None, "weak24": False, "weak23": False, "first_secretary": None}
        self.orgs.append(rec)
        self.by_name[name] = rec
        return rec

    def person(self) -> str:
        while True:
            name = str(_person_names(self.rng, 1)[0])
            if name not in self.people and len(name) == 3:
                self.people.add(name)
                return name


def build() -> dict[str, Any]:
    s = Sample()
    rng = s.rng
    # ---- places -------------------------------------------------------------------------------
    n_vil = 12
    groups = np.repeat(np.arange(len(TOWNS)), n_vil)
    bases = [str(x) for x in _place_bases(rng, groups)]
    places: list[tuple[str, str, str]] = []
    villages: dict[str, list[str]] = {}
    for i, town in enumerate(TOWNS):
        names = []
        for j in range(n_vil):
            base = bases[i * n_vil + j]
            community = (town.endswith("街道") and j < 9) or (not town.endswith("街道") and j == 0)
            vname = base + ("社区" if community else "村")
            names.append(vname)
            places.append((town, vname, "社区" if community else "行政村"))
        villages[town] = names

    # ---- organizations ------------------------------------------------------------------------
    wc = s.org(f"{COUNTY}委直属机关工委", "机关工委", "机关", "县", host=f"{COUNTY}委直属机关工作委员会", members=12,
               tag="workcom")
    district_members: list[list[str]] = []
    for units in DISTRICTS:
        names = []
        for unit, sector, form in units:
            full_unit = f"{COUNTY}{unit}"
            if form == C:
                name = f"{COUNTY}{unit}党委"
            elif sector == "机关" and not unit.endswith("机关"):  # 政协机关 → 政协机关党支部, not 机关机关
                name = f"{COUNTY}{unit}机关党支部"
            else:
                name = f"{COUNTY}{unit}党支部"
            rec = s.org(name, "党委" if form == C else "党支部", sector, "县", parent=wc["name"], host=full_unit,
                        members=int(rng.integers(30, 120)) if form == C else int(rng.integers(6, 40)), tag="agency")
            names.append(rec["name"])
            for k in range(SUB_BRANCHES.get(unit, 0)):
                s.org(f"{COUNTY}{unit}第{CN[k]}党支部", "党支部", sector, "县", parent=name, host=full_unit,
                      tag="agency_sub")
        district_members.append(names)
    city_silk = s.org(f"{CITY}蚕桑产业发展中心党支部", "党支部", "事业单位", "市", host=f"{CITY}蚕桑产业发展中心",
                      members=14, tag="city")
    city_fish = s.org(f"{CITY}水产技术推广站党支部", "党支部", "事业单位", "市", host=f"{CITY}水产技术推广站",
                      members=9, tag="city")

    town_com: dict[str, str] = {}
    town_machine: dict[str, str] = {}
    village_org: dict[tuple[str, str], str] = {}
    firm_orgs: dict[str, list[str]] = {t: [] for t in TOWNS}
    firm_unit_of: dict[str, str] = {}
    joint_branches: dict[str, str] = {}
    social_orgs: list[str] = []
    social_unit_of: dict[str, str] = {}
    used_firms: set[str] = set()
    for i, town in enumerate(TOWNS):
        street = town.endswith("街道")
        tc = s.org(f"{town}党工委" if street else f"{town}党委", "党工委" if street else "党委", "机关", "镇", town=town,
                   host=f"{town}办事处" if street else f"{town}人民政府", members=int(rng.integers(150, 400)),
                   tag="towncom")
        town_com[town] = tc["name"]
        for suffix, sector in [("机关党支部", "机关"), ("中心小学党支部", "学校"), ("卫生院党支部", "公立医院")]:
            rec = s.org(f"{town}{suffix}", "党支部", sector, "镇", town=town, parent=tc["name"],
                        host=f"{town}{suffix.replace('党支部', '')}", tag="townag")
            if suffix == "机关党支部":
                town_machine[town] = rec["name"]
        for vname in villages[town]:
            general = rng.random() < 0.5
            sector = "社区" if vname.endswith("社区") else "农村"
            top = s.org(f"{town}{vname}{'党总支' if general else '党支部'}", "党总支" if general else "党支部", sector,
                        "村", town=town, village=vname, parent=tc["name"], host=vname,
                        members=int(rng.integers(45, 130)) if general else int(rng.integers(15, 45)), tag="village")
            village_org[(town, vname)] = top["name"]
            if general:
                for k in range(int(rng.integers(2, 6))):
                    s.org(f"{town}{vname}第{CN[k]}党支部", "党支部", sector, "村", town=town, village=vname,
                          parent=top["name"], host=vname, tag="vbranch")
        # private firms with their own party org
        n_firm = 6 if i else 8
        for _ in range(n_firm):
            while True:
                firm = f"{COUNTY}{town[:2]}{FIRM_BRANDS[int(rng.integers(len(FIRM_BRANDS)))]}" \
                       f"{FIRM_TRADES[int(rng.integers(len(FIRM_TRADES)))]}有限公司"
                if firm not in used_firms:
                    break
            used_firms.add(firm)
            rec = s.org(f"{firm}党支部", "党支部", "非公企业", "镇", town=town, parent=tc["name"], host=firm, tag="firm")
            firm_orgs[town].append(rec["name"])
            firm_unit_of[rec["name"]] = firm
        if town in ("安澜街道", "青溪镇", "金桥镇"):
            jb = s.org(f"{town}非公企业联合党支部", "联合党支部", "非公企业", "镇", town=town, parent=tc["name"],
                       tag="joint")
            joint_branches[town] = jb["name"]
        if i < 8:
            for _ in range(2 if i < 7 else 1):
                while True:
                    unit = f"{COUNTY}{town[:2]}{FIRM_BRANDS[int(rng.integers(len(FIRM_BRANDS)))]}" \
                           f"{SOCIAL_KINDS[int(rng.integers(len(SOCIAL_KINDS)))]}"
                    if unit not in used_firms:
                        break
                used_firms.add(unit)
                rec = s.org(f"{unit}党支部", "党支部", "社会组织", "镇", town=town, parent=tc["name"], host=unit,
                            tag="social")
                social_orgs.append(rec["name"])
                social_unit_of[rec["name"]] = unit
    # chain firms (named for the story)
    silk_firm = s.org(f"{COUNTY}锦丝丝业有限公司党支部", "党支部", "非公企业", "镇", town="柳坪镇", parent=town_com["柳坪镇"],
                      host=f"{COUNTY}锦丝丝业有限公司", tag="firm")
    fish_proc = s.org(f"{COUNTY}鲜达水产品加工有限公司党支部", "党支部", "非公企业", "镇", town="双河镇",
                      parent=town_com["双河镇"], host=f"{COUNTY}鲜达水产品加工有限公司", tag="firm")
    fish_sale = s.org(f"{COUNTY}渔乐生态渔业发展有限公司党支部", "党支部", "非公企业", "镇", town="双河镇",
                      parent=town_com["双河镇"], host=f"{COUNTY}渔乐生态渔业发展有限公司", tag="firm")
    for rec in (silk_firm, fish_proc, fish_sale):
        firm_orgs[rec["town"]].append(rec["name"])
        firm_unit_of[rec["name"]] = rec["host"]

    names = [o["name"] for o in s.orgs]
    assert len(set(names)) == len(names)

    # ---- categories -----------------------------------------------------------------------------
    cats = rng.choice(np.array(["一类", "二类", "三类"]), size=len(s.orgs), p=[0.25, 0.60, 0.15])
    for o, c in zip(s.orgs, cats):
        o["cat24"] = str(c)
    by = s.by_name
    for o in s.orgs:  # the work committee and city centres are rated 一类
        if o["tag"] in ("workcom", "city", "towncom"):
            o["cat24"] = "一类"

    def setcat(name: str, cat: str) -> None:
        by[name]["cat24"] = cat

    for members in district_members:
        setcat(members[0], "一类")
    # the county association of science (科协) leads the silk chain: 一类
    setcat(f"{COUNTY}科协机关党支部", "一类")

    # ---- joint village committees: 12 covering 51 villages in six towns -------------------------
    jv_towns = ["青溪镇", "柳坪镇", "枫林镇", "金桥镇", "双河镇", "梅岭镇"]
    sizes = [3, 4, 4, 4, 4, 4, 4, 4, 5, 5, 5, 5]
    jv_suffix = ["联村党委", "党建联盟", "联村党总支"]
    joint_villages: list[dict[str, Any]] = []
    for g, size in enumerate(sizes):
        town = jv_towns[g // 2]
        # two disjoint groups per town: villages 1..5 and 6..11 (village 0 is the town's community)
        chosen = villages[town][1:1 + size] if g % 2 == 0 else villages[town][6:6 + size]
        lead_v = chosen[0]
        setcat(village_org[(town, lead_v)], "一类")
        name = f"{town}{lead_v}{jv_suffix[g % 3]}"
        joint_villages.append({"name": name, "town": town, "members": [village_org[(town, v)] for v in chosen],
                               "start": dt.date(2022 + g % 2, 3 + g % 4, 1)})
    jv_village_set = {m for g in joint_villages for m in g["members"]}
    assert len(jv_village_set) == 51, len(jv_village_set)

    # ---- pairings --------------------------------------------------------------------------------
    pair_towns = ["青溪镇", "柳坪镇", "枫林镇", "金桥镇", "白鹤乡", "双河镇", "梅岭镇", "云台乡", "桃源镇"]
    strong_weak: list[tuple[str, str]] = []
    weak_villages: list[str] = []
    for town in pair_towns:
        vs = villages[town]
        strong = village_org[(town, vs[5])]
        setcat(strong, "一类")
        n_weak = 2 if town in ("柳坪镇", "云台乡") else 1
        for k in range(n_weak):
            weak = village_org[(town, vs[10 + k])] if town != "云台乡" else village_org[(town, vs[8 + k])]
            setcat(weak, "三类")
            weak_villages.append(weak)
            strong_weak.append((strong, weak))
    assert len({a for a, _ in strong_weak}) == 9 and len(strong_weak) == 11
    pairings: list[dict[str, Any]] = []
    start_texts = ["2023年3月", dt.date(2023, 3, 1), "2023/3/1", "2023.03"]
    for i, (a, b) in enumerate(strong_weak):
        pairings.append({"strong": a, "weak": b, "form": "强村带弱村", "start": start_texts[i % 4], "end": None})
    # agency adopts village (机关联村): the agriculture bureau carries three villages
    agr = f"{COUNTY}农业农村局党委"
    adopt_villages = [village_org[("白鹤乡", villages["白鹤乡"][3])], village_org[("云台乡", villages["云台乡"][3])],
                      village_org[("桃源镇", villages["桃源镇"][3])]]
    for v in adopt_villages:
        pairings.append({"strong": agr, "weak": v, "form": "机关联村", "start": dt.date(2022, 4, 1), "end": None})
    other_adopters = [district_members[d][0] for d in (0, 1, 2, 3, 4, 5, 9)]
    other_targets = [village_org[(TOWNS[k], villages[TOWNS[k]][4])] for k in (1, 2, 3, 4, 6, 7, 9)]
    for k, (a, v) in enumerate(zip(other_adopters, other_targets)):
        pairings.append({"strong": a, "weak": v, "form": "机关联村",
                         "start": [dt.date(2022, 5, 1), "2022年6月", "2022/7/1", "2022.08"][k % 4], "end": None})
    # one adopter that is not strong (二类): a deliberate "partner not strong" case
    not_strong = district_members[6][3]
    setcat(not_strong, "二类")
    ns_target = village_org[("枫林镇", villages["枫林镇"][7])]
    setcat(ns_target, "三类")
    pairings.append({"strong": not_strong, "weak": ns_target, "form": "机关联村", "start": dt.date(2023, 6, 1), "end": None})
    # 一类带三类 inside districts and among firms
    c13: list[tuple[str, str]] = []
    for d in (2, 6, 7):
        a, b = district_members[d][0], district_members[d][-1]
        setcat(b, "三类")
        c13.append((a, b))
    fa, fb = firm_orgs["金桥镇"][0], firm_orgs["金桥镇"][1]
    setcat(fa, "一类")
    setcat(fb, "三类")
    c13.append((fa, fb))
    for a, b in c13:
        pairings.append({"strong": a, "weak": b, "form": "一类带三类", "start": "2023年1月", "end": None})
    # two pairings already ended: one rotated to a new partner, one not followed up
    rot_old, rot_weak = district_members[8][0], village_org[("金桥镇", villages["金桥镇"][9])]
    rot_new = district_members[9][1]
    setcat(rot_weak, "三类")
    setcat(rot_new, "一类")
    pairings.append({"strong": rot_old, "weak": rot_weak, "form": "机关联村", "start": dt.date(2023, 1, 1),
                     "end": dt.date(2023, 12, 31)})
    pairings.append({"strong": rot_new, "weak": rot_weak, "form": "机关联村", "start": dt.date(2024, 1, 1), "end": None})
    end_a, end_b = district_members[3][0], district_members[3][-1]
    setcat(end_b, "三类")
    pairings.append({"strong": end_a, "weak": end_b, "form": "一类带三类", "start": "2022/9/1", "end": dt.date(2023, 12, 31)})
    # a village-enterprise link
    pairings.append({"strong": fish_sale["name"], "weak": village_org[("双河镇", villages["双河镇"][2])], "form": "村企联建",
                     "start": dt.date(2024, 3, 1), "end": None})
    setcat(fish_sale["name"], "一类")

    # ---- 2023 ratings and weak-and-lax flags -------------------------------------------------------
    for o in s.orgs:
        o["cat23"] = o["cat24"]
    moved_up = [weak_villages[0], weak_villages[3], weak_villages[6]]  # 三类 (2023) -> 二类 (2024) after pairing
    for w in moved_up:
        by[w]["cat23"] = "三类"
        by[w]["cat24"] = "二类"
    u = rng.random(len(s.orgs))
    for o, x in zip(s.orgs, u):
        if o["name"] in moved_up or o["tag"] in ("workcom", "city"):
            continue
        if o["cat24"] == "二类" and x < 0.06:
            o["cat23"] = "三类"
        elif o["cat24"] == "一类" and x < 0.05:
            o["cat23"] = "二类"
    lax_candidates = sorted([o["name"] for o in s.orgs if o["cat24"] == "三类" and o["tag"] in ("village", "vbranch", "firm")])
    lax = [lax_candidates[int(k)] for k in rng.choice(len(lax_candidates), size=12, replace=False)]
    lax_unpaired_village = village_org[("安澜街道", villages["安澜街道"][10])]
    setcat(lax_unpaired_village, "三类")
    lax.append(lax_unpaired_village)
    for name in lax:
        by[name]["weak24"] = True
        by[name]["weak23"] = by[name]["cat23"] == "三类"
    # first secretaries for weak villages and the adopted villages
    for o in s.orgs:
        if o["tag"] == "village" and (o["cat24"] == "三类" or o["cat23"] == "三类" or o["name"] in adopt_villages):
            o["first_secretary"] = s.person()

    # ---- districts -----------------------------------------------------------------------------------
    district_rows: list[dict[str, Any]] = []
    host_of: dict[tuple[int, int], str] = {}
    guides = [s.person() for _ in DISTRICTS]
    for d, members in enumerate(district_members):
        dname = f"第{CN[d]}片区"
        start = dt.date(2022, 3, 1)
        for k, m in enumerate(members):
            month = k if 1 <= k <= 12 else None
            role = "牵头单位" if k == 0 else ("轮值单位" if month else "成员单位")
            district_rows.append({"片区名称": dname, "单位名称": m, "角色": role, "轮值月份": month,
                                  "联片指导领导": guides[d], "加入日期": start, "退出日期": None})
            if month:
                host_of[(d, month)] = m
        for month in range(1, 13):
            host_of.setdefault((d, month), members[0])

    # ---- chain alliances -------------------------------------------------------------------------------
    kexie = f"{COUNTY}科协机关党支部"
    silk_villages = [village_org[("柳坪镇", villages["柳坪镇"][k])] for k in (6, 7, 8)]
    chain_rows: list[dict[str, Any]] = []
    silk_name = f"{COUNTY}蚕桑产业链党建联盟"
    silk = [(kexie, "牵头单位", None), (city_silk["name"], "成员单位", "种桑"),
            (f"{COUNTY}蚕桑服务中心党支部", "成员单位", "养蚕"), (town_machine["柳坪镇"], "成员单位", "收茧"),
            (silk_villages[0], "成员单位", "种桑"), (silk_villages[1], "成员单位", "养蚕"),
            (silk_villages[2], "成员单位", "养蚕"), (silk_firm["name"], "成员单位", "产丝")]
    for org, role, stage in silk:
        chain_rows.append({"联盟名称": silk_name, "产业链": "蚕桑", "党组织名称": org, "角色": role, "环节名称": stage,
                           "加入日期": dt.date(2023, 4, 1), "退出日期": None})
    fish_name = f"{COUNTY}生态渔业产业链党委"
    fish_villages = [village_org[("双河镇", villages["双河镇"][k])] for k in (1, 2, 3, 4)] + \
                    [village_org[("梅岭镇", villages["梅岭镇"][k])] for k in (1, 2)]
    fish = [(agr, "牵头单位", None), (city_fish["name"], "成员单位", "鱼苗繁育"),
            (f"{COUNTY}水产工作站党支部", "成员单位", "鱼苗繁育"), (town_machine["双河镇"], "成员单位", None),
            (fish_villages[0], "成员单位", "成鱼养殖"), (fish_villages[1], "成员单位", "成鱼养殖"),
            (fish_villages[2], "成员单位", "成鱼养殖"), (fish_villages[3], "成员单位", "鱼苗繁育"),
            (fish_villages[4], "成员单位", "成鱼养殖"), (fish_villages[5], "成员单位", "成鱼养殖"),
            (fish_proc["name"], "成员单位", "产品加工"), (fish_sale["name"], "成员单位", "产品销售")]
    for org, role, stage in fish:
        chain_rows.append({"联盟名称": fish_name, "产业链": "生态渔业", "党组织名称": org, "角色": role, "环节名称": stage,
                           "加入日期": "2022年10月", "退出日期": None})

    # ---- activities (2024) --------------------------------------------------------------------------
    acts: list[dict[str, Any]] = []
    monthly_types = ["主题党日", "主题党日", "现场教学", "主题党日", "业务培训", "主题党日", "志愿服务", "主题党日",
                     "观摩", "主题党日", "联建攻关", "现场教学"]
    never_hosts_d, never_hosts_month = 3, 8  # 第四片区: the member with 轮值月份 8 never hosts
    never_host = host_of[(never_hosts_d, never_hosts_month)]
    date_styles = ["date", "date", "ymd_slash", "ym_cn", "date", "ym_dot"]

    def date_cell(d: dt.date, k: int) -> Any:
        style = date_styles[k % len(date_styles)]
        if style == "date":
            return d
        if style == "ymd_slash":
            return f"{d.year}/{d.month}/{d.day}"
        if style == "ym_cn":
            return f"{d.year}年{d.month}月"
        return f"{d.year}.{d.month:02d}"

    k_style = 0
    for d, members in enumerate(district_members):
        dname = f"第{CN[d]}片区"
        for month in range(1, 13):
            if d == 2 and month == 5:
                continue  # 第三片区 misses 2024-05
            host = host_of[(d, month)]
            if d == never_hosts_d and month == never_hosts_month:
                host = members[0]
            typ = monthly_types[(month + d) % 12]
            day = dt.date(2024, month, 10 + (d % 10))
            part = [m for m in members if m != host and not (rng.random() < 0.08)]
            acts.append({"date": date_cell(day, k_style), "title": f"{dname}{month}月{typ}", "type": typ, "host": host,
                         "parts": part, "group": dname})
            k_style += 1
        for q in range(1, 5):
            if d == 6 and q == 2:
                continue  # 第七片区 misses the second quarter's mutual inspection
            day = dt.date(2024, 3 * q, 25)
            acts.append({"date": date_cell(day, k_style), "title": f"{dname}第{CN[q - 1]}季度党建工作互督", "type": "互督",
                         "host": members[0], "parts": members[1:], "group": dname})
            k_style += 1
        for h in (1, 2):
            if d == 8 and h == 2:
                continue  # 第九片区 had no cross inspection in the second half-year
            day = dt.date(2024, 6 * h, 28)
            inspector = district_members[(d + 1) % 10][0]
            acts.append({"date": date_cell(day, k_style), "title": f"{dname}{'上' if h == 1 else '下'}半年交叉巡回督导",
                         "type": "交叉巡回督导", "host": wc["name"], "parts": members + [inspector], "group": dname})
            k_style += 1
    for g in joint_villages:
        for q in range(1, 5):
            day = dt.date(2024, 3 * q - 1, 15)
            acts.append({"date": date_cell(day, k_style), "title": f"{g['name']}第{CN[q - 1]}季度联村项目推进会",
                         "type": "联建项目", "host": g["members"][0], "parts": g["members"][1:], "group": g["name"]})
            k_style += 1
    silk_orgs = [r["党组织名称"] for r in chain_rows if r["联盟名称"] == silk_name]
    fish_orgs = [r["党组织名称"] for r in chain_rows if r["联盟名称"] == fish_name]
    acts.append({"date": dt.date(2024, 5, 16), "title": "支部联在产业链、科技服务到田间现场教学", "type": "现场教学",
                 "host": kexie, "parts": silk_orgs[1:], "group": silk_name})
    acts.append({"date": "2024年9月", "title": "蚕桑产业链秋蚕技术培训", "type": "业务培训", "host": kexie,
                 "parts": silk_orgs[1:6], "group": silk_name})
    acts.append({"date": dt.date(2024, 4, 12), "title": "生态渔业全产业链观摩", "type": "观摩", "host": agr,
                 "parts": fish_orgs[1:], "group": fish_name})
    acts.append({"date": "2024/10/18", "title": "渔业产业联盟产销对接会", "type": "联建攻关", "host": fish_sale["name"],
                 "parts": fish_orgs[:1] + fish_orgs[4:10], "group": fish_name})
    for i, a in enumerate(acts, start=1):
        a["code"] = f"SL2024-{i:04d}"

    # ---- units (两新组织名册) ---------------------------------------------------------------------------
    units: list[dict[str, Any]] = []
    all_firm_orgs = [f for t in TOWNS for f in firm_orgs[t]]
    for k, f in enumerate(all_firm_orgs):
        units.append({"单位名称": firm_unit_of[f], "类型": "非公企业", "所属镇(街道)": by[f]["town"], "是否建立党组织": "是",
                      "党组织名称": f, "联系党组织": None, "党建指导员": s.person() if k % 3 == 0 else None,
                      "从业人员数": int(rng.integers(12, 600)), "_cover": "own"})
    n_firms_total = 150
    extra = n_firms_total - len(all_firm_orgs)
    jb_towns = list(joint_branches)
    for k in range(extra):
        town = TOWNS[k % len(TOWNS)]
        while True:
            firm = f"{COUNTY}{town[:2]}{FIRM_BRANDS[int(rng.integers(len(FIRM_BRANDS)))]}" \
                   f"{FIRM_TRADES[int(rng.integers(len(FIRM_TRADES)))]}有限公司"
            if firm not in used_firms:
                break
        used_firms.add(firm)
        mode = ["linked", "instructor", "none"][k % 3]
        linked = None
        if mode == "linked":
            jt = town if town in joint_branches else jb_towns[k % len(jb_towns)]
            town = jt
            linked = joint_branches[jt]
        units.append({"单位名称": firm, "类型": "非公企业", "所属镇(街道)": town, "是否建立党组织": "否", "党组织名称": None,
                      "联系党组织": linked, "党建指导员": s.person() if mode == "instructor" else None,
                      "从业人员数": int(rng.integers(3, 120)), "_cover": mode})
    for so in social_orgs:
        units.append({"单位名称": social_unit_of[so], "类型": "社会组织", "所属镇(街道)": by[so]["town"], "是否建立党组织": "是",
                      "党组织名称": so, "联系党组织": None, "党建指导员": None, "从业人员数": int(rng.integers(3, 40)),
                      "_cover": "own"})
    for k in range(40 - len(social_orgs)):
        town = TOWNS[k % len(TOWNS)]
        while True:
            unit = f"{COUNTY}{town[:2]}{FIRM_BRANDS[int(rng.integers(len(FIRM_BRANDS)))]}" \
                   f"{SOCIAL_KINDS[int(rng.integers(len(SOCIAL_KINDS)))]}"
            if unit not in used_firms:
                break
        used_firms.add(unit)
        mode = ["linked", "instructor", "none"][k % 3]
        linked = village_org[(town, villages[town][0])] if mode == "linked" else None
        units.append({"单位名称": unit, "类型": "社会组织", "所属镇(街道)": town, "是否建立党组织": "否", "党组织名称": None,
                      "联系党组织": linked, "党建指导员": s.person() if mode == "instructor" else None,
                      "从业人员数": int(rng.integers(3, 30)), "_cover": mode})

    return {"orgs": s.orgs, "places": places, "districts": district_rows, "joint_villages": joint_villages,
            "chain_rows": chain_rows, "pairings": pairings, "activities": acts, "units": units,
            "district_members": district_members, "host_of": host_of, "never_host": never_host, "moved_up": moved_up,
            "lax": lax, "silk_name": silk_name, "fish_name": fish_name, "guides": guides,
            "weak_villages": weak_villages, "strong_weak": strong_weak, "not_strong": (not_strong, ns_target),
            "rotation": (rot_old, rot_new, rot_weak), "ended_unfollowed": (end_a, end_b),
            "lax_unpaired_village": lax_unpaired_village, "adopt_heavy": agr}


# ---------------------------------------------------------------------------------------------------
# writers


def _workbook(path: Path) -> Any:
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False,
                                         "strings_to_urls": False})
    wb.set_properties({"title": path.stem, "author": "graphkit", "company": "示例县（虚构）", "created": FIXED_CREATED})
    return wb


def _write_cell(ws: Any, r: int, c: int, v: Any, date_fmt: Any) -> None:
    if v is None:
        return
    if isinstance(v, dt.date):
        ws.write_datetime(r, c, dt.datetime(v.year, v.month, v.day), date_fmt)
    elif isinstance(v, (int, np.integer)):
        ws.write_number(r, c, int(v))
    else:
        ws.write_string(r, c, str(v))


def write_table(path: Path, sheets: list[tuple[str, list[str], list[dict[str, Any]]]]) -> None:
    wb = _workbook(path)
    head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    for sheet, headers, rows in sheets:
        ws = wb.add_worksheet(sheet)
        ws.write_row(0, 0, headers, head)
        for r, row in enumerate(rows, start=1):
            for c, h in enumerate(headers):
                _write_cell(ws, r, c, row.get(h), date_fmt)
        ws.set_column(0, len(headers) - 1, 18)
        ws.freeze_panes(1, 0)
    wb.close()


ROSTER_HEADERS = ["党组织名称", "组织形式", "领域", "层级", "所属镇(街道)", "所在村(社区)", "上级党组织", "所在单位", "党员数",
                  "分类定级", "定级年度", "是否软弱涣散", "第一书记"]


def write_roster(path: Path, orgs: list[dict[str, Any]]) -> None:
    """The roster, realistically messy: a merged title row, blank rows between blocks."""
    wb = _workbook(path)
    title = wb.add_format({"bold": True, "font_size": 16, "align": "center"})
    head = wb.add_format({"bold": True, "bg_color": "#FCE4D6", "border": 1, "text_wrap": True})
    ws = wb.add_worksheet("2024年名册")
    ws.merge_range(0, 0, 0, len(ROSTER_HEADERS) - 1, f"{COUNTY}党组织名册（2024年）", title)
    ws.write_row(1, 0, ROSTER_HEADERS, head)
    r = 2
    prev_tag = None
    for o in orgs:
        # a blank row where the county block ends and another in the middle of the towns
        if (prev_tag in ("agency", "agency_sub", "city") and o["tag"] == "towncom" and o["town"] == "安澜街道") or \
                (o["tag"] == "towncom" and o["town"] == "白鹤乡"):
            r += 1
        row = [o["name"], o["form"], o["sector"], o["level"], o["town"], o["village"], o["parent"], o["host"],
               o["members"], o["cat24"], 2024, "是" if o["weak24"] else "否", o["first_secretary"]]
        for c, v in enumerate(row):
            if v is not None:
                if isinstance(v, int):
                    ws.write_number(r, c, v)
                else:
                    ws.write_string(r, c, v)
        r += 1
        prev_tag = o["tag"]
    ws.set_column(0, 0, 36)
    ws.set_column(1, len(ROSTER_HEADERS) - 1, 14)
    wb.close()


def write_units_csv(path: Path, units: list[dict[str, Any]]) -> None:
    headers = ["单位名称", "类型", "所属镇(街道)", "是否建立党组织", "党组织名称", "联系党组织", "党建指导员", "从业人员数"]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(headers)
    for u in units:
        w.writerow(["" if u.get(h) is None else u[h] for h in headers])
    path.write_bytes(buf.getvalue().encode("gb18030"))


def write_all(out: Path, data: dict[str, Any]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "graphkit.yaml").write_text(
        "# 示例县为虚构县，数据仅供演示和测试 / 示例县 is a fictional county; demo and test data only\n"
        f"county: {COUNTY}\n", encoding="utf-8")
    write_roster(out / "党组织名册.xlsx", data["orgs"])
    write_table(out / "行政区划.xlsx", [("区划", ["镇(街道)", "村(社区)", "类型"],
                                       [{"镇(街道)": t, "村(社区)": v, "类型": k} for t, v, k in data["places"]])])
    write_table(out / "片区联建台账.xlsx", [("片区成员", ["片区名称", "单位名称", "角色", "轮值月份", "联片指导领导", "加入日期",
                                                  "退出日期"], data["districts"])])
    jv_rows = []
    for g in data["joint_villages"]:
        for k, m in enumerate(g["members"]):
            jv_rows.append({"联村党组织名称": g["name"], "所属镇(街道)": g["town"], "成员村党组织": m,
                            "角色": "牵头单位" if k == 0 else "成员单位", "加入日期": g["start"], "退出日期": None})
    write_table(out / "跨村联建台账.xlsx", [("联村党组织", ["联村党组织名称", "所属镇(街道)", "成员村党组织", "角色", "加入日期",
                                                  "退出日期"], jv_rows)])
    stage_rows = [{"产业链": c, "环节序号": i + 1, "环节名称": st} for c, sts in CHAIN_STAGES.items()
                  for i, st in enumerate(sts)]
    write_table(out / "产业链联建台账.xlsx", [
        ("产业链环节", ["产业链", "环节序号", "环节名称"], stage_rows),
        ("联盟成员", ["联盟名称", "产业链", "党组织名称", "角色", "环节名称", "加入日期", "退出日期"], data["chain_rows"])])
    write_table(out / "结对共建台账.xlsx", [("结对", ["帮扶党组织", "受援党组织", "结对形式", "开始日期", "结束日期"],
                                          [{"帮扶党组织": p["strong"], "受援党组织": p["weak"], "结对形式": p["form"],
                                            "开始日期": p["start"], "结束日期": p["end"]} for p in data["pairings"]])])
    write_table(out / "联建活动台账.xlsx", [("2024年活动", ["活动编号", "活动日期", "活动名称", "活动类型", "主办单位", "参与单位",
                                                   "所属片区"],
                                          [{"活动编号": a["code"], "活动日期": a["date"], "活动名称": a["title"],
                                            "活动类型": a["type"], "主办单位": a["host"], "参与单位": "、".join(a["parts"]),
                                            "所属片区": a["group"]} for a in data["activities"]])])
    rating_rows = [{"党组织名称": o["name"], "年度": y, "分类定级": o[f"cat{y % 100}"],
                    "是否软弱涣散": "是" if o[f"weak{y % 100}"] else "否"} for y in (2023, 2024) for o in data["orgs"]]
    write_table(out / "分类定级台账.xlsx", [("定级", ["党组织名称", "年度", "分类定级", "是否软弱涣散"], rating_rows)])
    write_units_csv(out / "两新组织名册.csv", data["units"])
    write_readme(out)
    write_expected(out, data)


def write_readme(out: Path) -> None:
    (out / "README.md").write_text("""# 示例县（虚构）/ 示例县 (fictional sample county)

**本文件夹中的示例县、示例市及其全部乡镇、村（社区）、党组织、企业、社会组织和人名均为虚构，
与任何真实地区、单位和个人无关。** 数据的结构和数量参照公开新闻报道（见 `shared/seeds/`）中的做法设计：
县直机关划分为 10 个片区联建、12 个联村党组织覆盖 51 个村、蚕桑和生态渔业产业链联建、9 个强村结对
11 个弱村等，并故意留出若干"缺口"供分析功能检验，详见 `EXPECTED.md`。

**示例县, 示例市 and every town, village, community, party organization, company, social
organization and person in this folder are fictional** and unrelated to any real place, body or
person. The structures and numbers imitate those described in public news reports (10 agency
districts, 12 joint village committees covering 51 villages, sericulture and fisheries chain
alliances, 9 strong villages paired with 11 weak ones) and include deliberate gaps for the analyses
to find; see `EXPECTED.md`.

| 文件 File | 台账 Ledger |
|---|---|
| `党组织名册.xlsx` | 党组织名册（带标题行、合并单元格和空行）/ roster with a title row, merged cell and blank rows |
| `行政区划.xlsx` | 镇（街道）与村（社区）/ towns and villages |
| `片区联建台账.xlsx` | 10 个片区的牵头、轮值、成员单位 / districts |
| `跨村联建台账.xlsx` | 12 个联村党组织 / joint village committees |
| `产业链联建台账.xlsx` | 工作表"产业链环节"和"联盟成员" / chain stages and alliance members |
| `结对共建台账.xlsx` | 强村带弱村、机关联村、一类带三类、村企联建 / pairings |
| `联建活动台账.xlsx` | 2024 年联建活动，日期格式混用 / 2024 activities, mixed date formats |
| `分类定级台账.xlsx` | 2023、2024 年分类定级 / ratings |
| `两新组织名册.csv` | GB18030 编码 / GB18030-encoded unit roster |

重新生成 / regenerate: `python scripts/make_sample_county.py`
""", encoding="utf-8")


def write_expected(out: Path, data: dict[str, Any]) -> None:
    orgs = data["orgs"]
    by = {o["name"]: o for o in orgs}
    L: list[str] = []
    add = L.append
    add("# 示例县：预期结果 / Expected facts of the sample county\n")
    add("本文件由 `scripts/make_sample_county.py` 生成，供测试和分析核对。/ Generated with the data; tests and "
        "analyses check against it.\n")
    add("## 规模 / Counts\n")
    add("| 项目 item | 数量 count |\n|---|---|")
    add(f"| 党组织 organizations | {len(orgs)} |")
    add(f"| 镇（街道）towns | {len(TOWNS)} |")
    add(f"| 村（社区）villages and communities | {len(data['places'])} |")
    add(f"| 片区 districts | {len(data['district_members'])} |")
    add(f"| 片区成员记录 district memberships | {len(data['districts'])} |")
    add(f"| 联村党组织 joint village committees | {len(data['joint_villages'])} |")
    jv_members = sum(len(g['members']) for g in data['joint_villages'])
    add(f"| 联村成员村 villages in joint committees | {jv_members} (distinct {len({m for g in data['joint_villages'] for m in g['members']})}) |")
    add(f"| 产业链联盟成员记录 chain memberships | {len(data['chain_rows'])} |")
    add(f"| 结对记录 pairings | {len(data['pairings'])} |")
    add(f"| 活动 activities (2024) | {len(data['activities'])} |")
    add(f"| 活动参与记录 participations | {sum(len(a['parts']) for a in data['activities'])} |")
    add(f"| 两新组织 units | {len(data['units'])} |")
    add(f"| 分类定级记录 ratings | {2 * len(orgs)} |")
    add(f"| 有上级党组织 orgs with a parent | {sum(1 for o in orgs if o['parent'])} |")
    add("")
    add("### 按领域 / by sector (2024)\n")
    add("| 领域 | 数量 |\n|---|---|")
    for k, v in sorted(Counter(o["sector"] for o in orgs).items(), key=lambda kv: (-kv[1], kv[0])):
        add(f"| {k} | {v} |")
    add("\n### 按层级 / by level\n")
    add("| 层级 | 数量 |\n|---|---|")
    for lv in ["市", "县", "镇", "村"]:
        add(f"| {lv} | {sum(1 for o in orgs if o['level'] == lv)} |")
    add("\n### 分类定级 / categories\n")
    add("| 年度 | 一类 | 二类 | 三类 | 软弱涣散 |\n|---|---|---|---|---|")
    for y in (23, 24):
        c = Counter(o[f"cat{y}"] for o in orgs)
        add(f"| 20{y} | {c['一类']} | {c['二类']} | {c['三类']} | {sum(1 for o in orgs if o[f'weak{y}'])} |")
    up = [o["name"] for o in orgs if _rank(o["cat24"]) < _rank(o["cat23"])]
    down = [o["name"] for o in orgs if _rank(o["cat24"]) > _rank(o["cat23"])]
    add(f"\n进位提升（2023→2024 类别上升）/ moved up: {len(up)}; 下降 / moved down: {len(down)}.")
    add("其中结对弱村进位 / paired weak villages that moved up 三类→二类: " + "、".join(data["moved_up"]) + "\n")

    add("## 片区联建 / Districts\n")
    add("| 片区 | 牵头单位 | 联片指导领导 | 成员数 | 2024 活动数 |\n|---|---|---|---|---|")
    for d, members in enumerate(data["district_members"]):
        dname = f"第{CN[d]}片区"
        n_act = sum(1 for a in data["activities"] if a["group"] == dname)
        add(f"| {dname} | {members[0]} | {data['guides'][d]} | {len(members)} | {n_act} |")
    add("\n**故意留出的缺口 / deliberate gaps (2024):**\n")
    add("- 第三片区 2024 年 5 月没有任何活动 / 第三片区 has no activity in 2024-05.")
    add("- 第七片区 缺第二季度互督（全年只有 3 次互督）/ 第七片区 misses the Q2 互督 (3 of 4).")
    add("- 第九片区 下半年没有交叉巡回督导 / 第九片区 had no 交叉巡回督导 in H2 2024.")
    add(f"- 第四片区 轮值单位 {data['never_host']}（轮值月份 8）全年从未主办，8 月活动由牵头单位主办 / "
        f"this member with 轮值月份 8 never hosts; August was hosted by the lead.")
    add("- 片区成员不足 12 个时，剩余月份由牵头单位主办（牵头单位的轮值月份为空）/ in districts with fewer than "
        "12 rotating hosts the lead hosts the remaining months (its 轮值月份 is blank).")
    add("- 其余片区每月有活动、每季度有互督、每半年有交叉巡回督导 / all other districts meet the monthly, "
        "quarterly and half-yearly cadence.\n")

    add("## 跨村联建 / Joint village committees\n")
    add(f"{len(data['joint_villages'])} 个联村党组织覆盖 {jv_members} 个村（社区），分布在 6 个镇 / "
        f"cover {jv_members} villages in 6 towns. 每个联村党组织的牵头村为一类。\n")
    add("| 联村党组织 | 镇 | 成员村数 |\n|---|---|---|")
    for g in data["joint_villages"]:
        add(f"| {g['name']} | {g['town']} | {len(g['members'])} |")
    add("")

    add("## 链上联建 / Industry-chain alliances\n")
    for name, chain in ((data["silk_name"], "蚕桑"), (data["fish_name"], "生态渔业")):
        rows = [r for r in data["chain_rows"] if r["联盟名称"] == name]
        add(f"### {name}（{chain}）\n")
        add(f"- 成员 {len(rows)} 个，牵头单位 {rows[0]['党组织名称']} / {len(rows)} members.")
        lv = sorted({by[r['党组织名称']]['level'] for r in rows}, key=["市", "县", "镇", "村"].index)
        sec = sorted({by[r['党组织名称']]['sector'] for r in rows})
        add(f"- 层级 levels: {'、'.join(lv)}；领域 sectors: {'、'.join(sec)}")
        for st in CHAIN_STAGES[chain]:
            n = sum(1 for r in rows if r["环节名称"] == st)
            add(f"- 环节 {st}: {n} 个成员" + ("  **← 无党组织（故意缺口 / deliberate gap）**" if n == 0 else ""))
        add(f"- 未标注环节 no stage: {sum(1 for r in rows if not r['环节名称'])}")
        add("")

    add("## 结对共建 / Pairings\n")
    c = Counter(p["form"] for p in data["pairings"])
    add("| 结对形式 | 数量 |\n|---|---|")
    for k, v in sorted(c.items()):
        add(f"| {k} | {v} |")
    add("")
    add("- 强村带弱村：9 个强村结对 11 个弱村，其中两个强村各带两个弱村 / 9 strong villages with 11 weak "
        "villages; two strong villages carry two each.")
    add(f"- {data['adopt_heavy']} 同时联系 3 个村（机关联村）/ this agency adopts three villages.")
    ns, nt = data["not_strong"]
    add(f"- 帮扶方不是一类 / partner not strong: {ns}（二类）→ {nt}.")
    ro, rn, rw = data["rotation"]
    add(f"- 已结束并轮换 / ended and rotated: {ro} → {rw} 于 2023-12-31 结束，2024-01-01 起由 {rn} 接续.")
    ea, eb = data["ended_unfollowed"]
    add(f"- 已结束未接续 / ended, not followed up: {ea} → {eb}（2023-12-31 结束，{eb} 为三类，目前无结对）.")
    active_weak = {p["weak"] for p in data["pairings"] if p["end"] is None}
    unpaired = sorted(o["name"] for o in orgs if o["cat24"] == "三类" and o["name"] not in active_weak)
    unpaired_villages = [n for n in unpaired if by[n]["tag"] == "village"]
    add(f"- 2024 年三类党组织 {sum(1 for o in orgs if o['cat24'] == '三类')} 个，其中无有效结对 {len(unpaired)} 个；"
        f"无结对的三类村（社区）党组织 {len(unpaired_villages)} 个 / 三类 orgs without an active pairing: "
        f"{len(unpaired)}, of them village-level: {len(unpaired_villages)}.")
    add(f"- 软弱涣散且无结对的村 / weak-and-lax village with no pairing: {data['lax_unpaired_village']}.")
    add("\n无有效结对的三类村（社区）党组织 / unpaired 三类 village orgs:\n")
    for n in unpaired_villages:
        add(f"- {n}")
    add("")

    add("## 两新组织“两个覆盖” / Units and the two coverages\n")
    units = data["units"]
    add("| 类型 | 总数 | 建有党组织 own org | 仅联系党组织 linked | 仅党建指导员 instructor only | 均无 neither |")
    add("|---|---|---|---|---|---|")
    for kind in ("非公企业", "社会组织"):
        us = [u for u in units if u["类型"] == kind]
        cc = Counter(u["_cover"] for u in us)
        add(f"| {kind} | {len(us)} | {cc['own']} | {cc['linked']} | {cc['instructor']} | {cc['none']} |")
    add("\n组织覆盖 = 建有党组织；工作覆盖 = 建有党组织、有联系党组织或有党建指导员。/ organization coverage = own "
        "party org; work coverage = own org, a linked org or an instructor.\n")

    add("## 台账格式 / Formats\n")
    add("- `党组织名册.xlsx`：第 1 行为合并的标题行，第 2 行为表头，中间有 2 个空行 / merged title row, header on "
        "row 2, two blank rows.")
    add("- 日期混用 Excel 日期与文本（2024年3月、2024/3/1、2024.03）/ dates mix real Excel dates and text.")
    add("- `两新组织名册.csv` 为 GB18030 编码 / GB18030-encoded.")
    (out / "EXPECTED.md").write_text("\n".join(L) + "\n", encoding="utf-8")


def _rank(cat: str) -> int:
    return {"一类": 1, "二类": 2, "三类": 3}[cat]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="生成示例县台账 / build the sample county ledgers")
    ap.add_argument("-o", "--out", default=str(Path(__file__).resolve().parents[1] / "data" / "sample_county"))
    args = ap.parse_args(argv)
    data = build()
    write_all(Path(args.out), data)
    print(f"{len(data['orgs'])} organizations written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
