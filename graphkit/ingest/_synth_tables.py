"""The ledger tables of a synthetic data set: units (两新组织), first secretaries, the DataFrames,
and which county each row belongs to.

Private to :mod:`graphkit.ingest.synth`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ._synth_acts import Activities
from ._synth_links import Alliances, Districts, JointGroups, Pairings, Ratings
from ._synth_orgs import Frame, Orgs, Places
from ._synth_util import _dates, _group_offsets, _nullable_int, _obj, _person_names, _pick_in_pool, _str_or_none
from ._synth_vocab import (
    _CATEGORY, _FORM, _LEVEL, _ROLE_LEAD, _ROLE_MEMBER, _SECTOR, _YESNO, CHAINS, K_SOCIAL, K_VILLAGE,
)


@dataclass(frozen=True)
class Units:
    """The 两新组织 roster: firms then social organizations."""

    name: np.ndarray
    kind: np.ndarray
    town: np.ndarray
    has: np.ndarray
    org: np.ndarray
    link: np.ndarray
    instr: np.ndarray
    instr_names: np.ndarray
    employees: np.ndarray


def draw_units(rng: np.random.Generator, fr: Frame, og: Orgs) -> Units:
    """Firms: own org / linked to a joint branch / instructor only / neither; likewise social organizations."""
    n_towns = fr.n_towns
    f_town, f_has = og.f_town, og.f_has
    nf = len(f_town)
    firm_org_of = np.full(nf, -1, dtype=np.int64)
    firm_org_of[og.fo_idx] = og.firm_org
    uu = rng.random(nf)
    j_start, j_count = _group_offsets(og.j_town, n_towns)
    f_joint = og.joint[j_start[f_town] + np.floor(rng.random(nf) * j_count[f_town]).astype(np.int64)]
    f_link = np.where(~f_has & (uu < 0.45), f_joint, -1)
    f_instr = (f_has & (uu < 0.3)) | (~f_has & (uu >= 0.45) & (uu < 0.70)) | (f_link >= 0) & (uu < 0.2)
    so_town, so_has = og.so_town, og.so_has
    nso = len(so_town)
    so_org_of = np.full(nso, -1, dtype=np.int64)
    so_org_of[og.so_idx] = np.flatnonzero(og.org["kind"] == K_SOCIAL)
    us = rng.random(nso)
    so_link = np.where(~so_has & (us < 0.4), og.town_com[so_town], -1)
    so_instr = (~so_has & (us >= 0.4) & (us < 0.65)) | (so_has & (us < 0.2))
    nu = nf + nso
    instr_names = _person_names(rng, nu)
    employees = np.concatenate([np.round(np.exp(rng.normal(3.2, 1.0, nf))).astype(np.int64) + 3,
                                rng.integers(3, 60, nso)])
    return Units(name=np.concatenate([og.f_unit, og.so_unit]),
                 kind=np.concatenate([np.full(nf, "非公企业", dtype=object), np.full(nso, "社会组织", dtype=object)]),
                 town=np.concatenate([f_town, so_town]), has=np.concatenate([f_has, so_has]),
                 org=np.concatenate([firm_org_of, so_org_of]), link=np.concatenate([f_link, so_link]),
                 instr=np.concatenate([f_instr, so_instr]), instr_names=instr_names, employees=employees)


@dataclass(frozen=True)
class Drawn:
    """Every part of a data set, as drawn."""

    fr: Frame
    pl: Places
    og: Orgs
    ds: Districts
    jg: JointGroups
    rt: Ratings
    al: Alliances
    pr: Pairings
    ac: Activities
    un: Units


def assemble(rng: np.random.Generator, d: Drawn) -> dict[str, Any]:
    """Draw the first secretaries (weak villages and some others) and build the ledger DataFrames.

    Returns the tables of :func:`graphkit.ingest.synth.generate_tables` plus ``"_order"``: the
    row orders the county split needs (``jv_order``, ``st_chain``).
    """
    fr, pl, og, ds, jg, rt, al, pr, ac, un = d.fr, d.pl, d.og, d.ds, d.jg, d.rt, d.al, d.pr, d.ac, d.un
    org, n = og.org, og.n
    o_name, o_kind, o_town = org["name"], org["kind"], org["town"]
    cat = rt.cat
    town_full, v_full = pl.town_full, pl.v_full
    fs_mask = (o_kind == K_VILLAGE) & ((cat == 3) | (rng.random(n) < 0.12))
    fs_names = _person_names(rng, n)

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
        "定级年度": _nullable_int(np.full(n, 2024)),
        "是否软弱涣散": _YESNO[rt.weak_lax.astype(np.int64)],
        "第一书记": _str_or_none(fs_names, fs_mask),
    })
    places = pd.DataFrame({"镇(街道)": town_full[pl.v_town], "村(社区)": v_full, "类型": pl.v_kind})
    dm_d = ds.dm_d
    district = pd.DataFrame({
        "片区名称": ds.d_name[dm_d],
        "单位名称": o_name[ds.dm_org],
        "角色": ds.dm_role,
        "轮值月份": _nullable_int(ds.dm_month, ds.dm_month > 0),
        "联片指导领导": ds.d_guide[dm_d],
        "加入日期": _dates(ds.d_start_day[dm_d]),
        "退出日期": _str_or_none(_dates(ds.dm_end_day[ds.dm_order]), ds.dm_left[ds.dm_order]),
    })
    jv_order = np.lexsort((~jg.jm_is_lead, jg.jm_g))
    jm_g = jg.jm_g[jv_order]
    joint_village = pd.DataFrame({
        "联村党组织名称": jg.jg_name[jm_g],
        "所属镇(街道)": town_full[jg.jg_town[jm_g]],
        "成员村党组织": o_name[jg.jm_org[jv_order]],
        "角色": np.where(jg.jm_is_lead[jv_order], _ROLE_LEAD, _ROLE_MEMBER).astype(object),
        "加入日期": _dates(jg.jg_start_day[jm_g]),
        "退出日期": np.full(len(jv_order), None, dtype=object),
    })
    al_chain, n_stage = og.al_chain, al.n_stage
    chain_names = _obj([c[0] for c in CHAINS])
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
    am_g, am_stage = al.am_g, al.am_stage
    am_stage_name = _str_or_none(stage_flat[stage_off[al_chain[am_g]] + np.maximum(am_stage, 0)], am_stage >= 0)
    chain = pd.DataFrame({
        "联盟名称": al.al_name[am_g],
        "产业链": chain_names[al_chain[am_g]],
        "党组织名称": o_name[al.am_org],
        "角色": al.am_role,
        "环节名称": am_stage_name,
        "加入日期": _dates(al.al_start_day[am_g]),
        "退出日期": np.full(len(am_g), None, dtype=object),
    })
    pairing = pd.DataFrame({
        "帮扶党组织": o_name[pr.pr_strong],
        "受援党组织": o_name[pr.pr_weak],
        "结对形式": pr.pr_form,
        "开始日期": _dates(pr.pr_start),
        "结束日期": _str_or_none(_dates(pr.pr_end), pr.pr_end_mask),
    })
    n_act, a_order = ac.n, ac.a_order
    width = max(7, len(str(n_act)))
    codes = "HD" + pd.Series(np.arange(1, n_act + 1)).astype(str).str.zfill(width)
    activities = pd.DataFrame({
        "活动编号": codes.to_numpy(dtype=object),
        "活动日期": _dates(ac.day[a_order]),
        "活动名称": ac.title[a_order],
        "活动类型": ac.type[a_order],
        "主办单位": o_name[ac.host[a_order]],
        "参与单位": ac.participants,
        "所属片区": ac.group[a_order],
    })
    units = pd.DataFrame({
        "单位名称": un.name,
        "类型": un.kind,
        "所属镇(街道)": town_full[un.town],
        "是否建立党组织": _YESNO[un.has.astype(np.int64)],
        "党组织名称": _str_or_none(o_name[np.maximum(un.org, 0)], un.org >= 0),
        "联系党组织": _str_or_none(o_name[np.maximum(un.link, 0)], un.link >= 0),
        "党建指导员": _str_or_none(un.instr_names, un.instr),
        "从业人员数": _nullable_int(un.employees),
    })
    ratings = pd.DataFrame({
        "党组织名称": np.concatenate([o_name, o_name]),
        "年度": _nullable_int(np.concatenate([np.full(n, 2023), np.full(n, 2024)])),
        "分类定级": np.concatenate([_CATEGORY[rt.cat23], _CATEGORY[cat]]),
        "是否软弱涣散": np.concatenate([_YESNO[rt.weak_lax23.astype(np.int64)], _YESNO[rt.weak_lax.astype(np.int64)]]),
    })
    return {"county": fr.county_setting, "roster": roster, "places": places, "district": district,
            "joint_village": joint_village, "chain_stages": chain_stages, "chain": chain,
            "pairing": pairing, "activities": activities, "units": units, "ratings": ratings,
            "_order": {"jv_order": jv_order, "st_chain": st_chain}}


def county_units(seed: int, d: Drawn, tables: dict[str, Any], *, jv_order: np.ndarray,
                 st_chain: np.ndarray) -> dict[str, Any]:
    """Which unit (county 0..n-1, then city level n + city) each ledger row belongs to.

    A few pairings cross the county line (their own generator, so that the single-folder tables
    stay as they are): a strong agency org of the next county of the same city helps, written
    ``县名/党组织名称`` in the weak org's county ledger; ``tables["pairing"]`` is changed in place.
    """
    fr, pl, og, ds, jg, al, pr, ac, un = d.fr, d.pl, d.og, d.ds, d.jg, d.al, d.pr, d.ac, d.un
    n_counties = fr.n_counties
    n = og.n
    o_name, o_county = og.org["name"], og.org["county"]
    org_city = np.full(n, -1, dtype=np.int64)
    org_city[og.city_orgs] = og.cc_city
    org_unit = np.where(org_city >= 0, n_counties + org_city, o_county)
    al_chain, al_county = og.al_chain, og.al_county
    used_by = [np.unique(al_chain[al_county == c]) for c in range(n_counties)]
    xr = np.random.default_rng([seed, 20])
    pr_weak, strong_ag = pr.pr_weak, pr.strong_ag
    w_c = o_county[pr_weak]
    nxt_c = np.where((w_c + 1) // 10 == w_c // 10, w_c + 1, w_c - w_c % 10)
    nxt_c = np.where(nxt_c < n_counties, nxt_c, w_c - w_c % 10)
    cand = np.flatnonzero((nxt_c != w_c) & (xr.random(len(pr_weak)) < 0.03))
    picked = _pick_in_pool(xr, nxt_c[cand], strong_ag, o_county[strong_ag], n_counties)
    ok_x = picked >= 0
    cand, picked = cand[ok_x], picked[ok_x]
    pairing = tables["pairing"]
    pairing["帮扶党组织"] = pairing["帮扶党组织"].to_numpy(dtype=object)
    pairing.loc[cand, "帮扶党组织"] = pl.county_full[o_county[picked]] + "/" + o_name[picked]
    town_county = pl.town_county
    return {
        "county_names": pl.county_full, "county_city": pl.county_city, "city_names": pl.city_base + "市",
        "rows": {"roster": org_unit, "places": town_county[pl.v_town], "district": ds.d_county[ds.dm_d],
                 "joint_village": town_county[jg.jg_town[jg.jm_g[jv_order]]], "chain": al_county[al.am_g],
                 "pairing": o_county[pr_weak], "activities": org_unit[ac.host[ac.a_order]],
                 "units": town_county[un.town], "ratings": np.concatenate([org_unit, org_unit])},
        "chains_used": used_by, "chain_stage_chain": st_chain, "cross_pairings": int(len(cand)),
    }
