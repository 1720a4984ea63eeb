"""The joint-building links of a synthetic data set: districts, joint village committees, ratings,
industry-chain alliances and pairings.

Private to :mod:`graphkit.ingest.synth`; the ``draw_*`` functions are called in the order
:func:`graphkit.ingest.synth.generate_tables` calls them (same seed, same tables).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._synth_orgs import Frame, Orgs, Places
from ._synth_util import _day, _expand, _group_offsets, _month_day, _obj, _person_names, _pick_in_pool
from ._synth_vocab import (
    _CHAIN_GROUP_SUFFIX, _CN_NUM, _JV_SUFFIX, _ROLE_HOST, _ROLE_LEAD, _ROLE_MEMBER, CHAINS, K_AGENCY, K_CITY,
    K_VILLAGE, K_WORKCOM,
)


@dataclass(frozen=True)
class Districts:
    """Districts (片区) of county agency top orgs; members sorted by district (``dm_*``)."""

    n_dist: int  # districts per county
    n_d: int
    d_county: np.ndarray
    d_name: np.ndarray
    d_lead: np.ndarray
    d_guide: np.ndarray
    d_start_day: np.ndarray
    dm_order: np.ndarray
    dm_org: np.ndarray
    dm_d: np.ndarray
    dm_start: np.ndarray
    dm_count: np.ndarray
    dm_month: np.ndarray
    dm_role: np.ndarray
    dm_left: np.ndarray
    dm_end_day: np.ndarray
    host_of: np.ndarray  # (district, month) -> hosting org


def draw_districts(rng: np.random.Generator, fr: Frame, pl: Places, og: Orgs) -> Districts:
    """Split each county's agency top orgs into up to 10 districts with a lead and monthly hosts."""
    n_counties, n_dept = fr.n_counties, fr.n_dept
    n_a = len(og.agency)
    a_county = og.a_county
    n_dist = int(np.clip(round(n_dept / 7), 1, 10))
    # random rank of each agency inside its county
    rank = np.empty(n_a, dtype=np.int64)
    order = np.lexsort((rng.random(n_a), a_county))
    rank[order] = np.arange(n_a) - np.repeat(np.arange(n_counties) * n_dept, n_dept)
    d_local = rank * n_dist // n_dept
    d_id = a_county * n_dist + d_local
    n_d = n_counties * n_dist
    d_county = np.repeat(np.arange(n_counties), n_dist)
    d_prefix = np.full(n_d, "", dtype=object) if n_counties == 1 else pl.county_full[d_county]
    d_name = d_prefix + "第" + _obj(_CN_NUM)[np.tile(np.arange(n_dist), n_counties)] + "片区"
    # order of members inside a district: by rank; the first is the lead (forced 一类 later)
    dm_order = np.lexsort((rank, d_id))
    dm_org = og.agency[dm_order]
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
    return Districts(n_dist=n_dist, n_d=n_d, d_county=d_county, d_name=d_name, d_lead=d_lead, d_guide=d_guide,
                     d_start_day=d_start_day, dm_order=dm_order, dm_org=dm_org, dm_d=dm_d, dm_start=dm_start,
                     dm_count=dm_count, dm_month=dm_month, dm_role=dm_role, dm_left=dm_left, dm_end_day=dm_end_day,
                     host_of=host_of)


@dataclass(frozen=True)
class JointGroups:
    """Joint village committees (跨村联建): groups (``jg_*``) and their member villages (``jm_*``)."""

    n_jg: int
    jg_town: np.ndarray
    jg_name: np.ndarray
    jg_start_day: np.ndarray
    jm_g: np.ndarray
    jm_org: np.ndarray
    jm_is_lead: np.ndarray


@dataclass(frozen=True)
class Ratings:
    """Category (1 一类 … 3 三类) and 软弱涣散 of every org in 2024 and 2023."""

    cat: np.ndarray
    weak_lax: np.ndarray
    cat23: np.ndarray
    weak_lax23: np.ndarray


def draw_joint_and_ratings(rng: np.random.Generator, fr: Frame, pl: Places, og: Orgs, ds: Districts
                           ) -> tuple[JointGroups, Ratings]:
    """Draw the joint village committees and the ratings (interleaved: a committee's lead is its best-rated village)."""
    n_towns, n = fr.n_towns, og.n
    tt = np.arange(n_towns)
    g_per_town = np.maximum(1, np.round(0.47 * pl.nv / 5.5).astype(np.int64))
    jg_town = np.repeat(tt, g_per_town)
    n_jg = len(jg_town)
    jg_size = rng.integers(3, 9, n_jg)
    jg_first, _ = _group_offsets(jg_town, n_towns)
    jg_cum = np.cumsum(jg_size)
    jg_off_in_town = jg_cum - jg_size - np.concatenate([[0], jg_cum])[jg_first][jg_town]
    jm_g, jm_pos = _expand(jg_size)
    jm_vil = pl.v_perm[pl.v_town_start[jg_town[jm_g]] + jg_off_in_town[jm_g] + jm_pos]
    jm_org = og.vil_org[jm_vil]

    # categories (2024) with the district leads forced to 一类
    cat = rng.choice(np.array([1, 2, 3]), size=n, p=[0.25, 0.60, 0.15])
    cat[ds.d_lead] = 1
    # joint village lead: the best-rated member (ties: first drawn)
    jm_sort = np.lexsort((jm_pos, cat[jm_org], jm_g))
    jg_start, _ = _group_offsets(jm_g[jm_sort], n_jg)
    jg_lead_member = jm_sort[jg_start]
    jm_is_lead = np.zeros(len(jm_g), dtype=bool)
    jm_is_lead[jg_lead_member] = True
    jg_lead_vil = jm_vil[jg_lead_member]
    jg_name = pl.town_full[jg_town] + pl.v_full[jg_lead_vil] + _JV_SUFFIX[rng.integers(0, 3, n_jg)]
    jg_start_day = _month_day(rng.integers(2020, 2024, n_jg), rng.integers(1, 13, n_jg), np.ones(n_jg, dtype=np.int64))

    # ratings 2023: a few orgs move one category
    weak_lax = (cat == 3) & (rng.random(n) < 0.16)
    cat23 = cat.copy()
    u = rng.random(n)
    cat23[(cat == 2) & (u < 0.10)] = 3
    cat23[(cat == 1) & (u < 0.08)] = 2
    cat23[(cat == 3) & (u < 0.06)] = 2
    weak_lax23 = (cat23 == 3) & (weak_lax | (rng.random(n) < 0.12))
    return (JointGroups(n_jg=n_jg, jg_town=jg_town, jg_name=jg_name, jg_start_day=jg_start_day, jm_g=jm_g,
                        jm_org=jm_org, jm_is_lead=jm_is_lead),
            Ratings(cat=cat, weak_lax=weak_lax, cat23=cat23, weak_lax23=weak_lax23))


@dataclass(frozen=True)
class Alliances:
    """Industry-chain alliances (``al_*``, chain and county in :class:`Orgs`) and their members (``am_*``)."""

    n_al: int
    n_stage: np.ndarray  # stages of each chain of CHAINS
    al_lead: np.ndarray
    al_name: np.ndarray
    al_start_day: np.ndarray
    am_g: np.ndarray
    am_org: np.ndarray
    am_role: np.ndarray
    am_stage: np.ndarray  # stage index in the chain, -1 when not recorded


def draw_alliances(rng: np.random.Generator, fr: Frame, pl: Places, og: Orgs) -> Alliances:
    """Members of each chain alliance: a county lead, the city centre, the town's 机关党支部, villages and firms."""
    n_towns, n_dept = fr.n_towns, fr.n_dept
    al_chain, al_county = og.al_chain, og.al_county
    n_al = len(al_chain)
    n = og.n
    nv = pl.nv
    county_town_start = np.arange(fr.n_counties) * fr.towns_per_county
    al_town = county_town_start[al_county] + rng.integers(0, fr.towns_per_county, n_al)
    al_lead = og.agency[al_county * n_dept + rng.integers(0, n_dept, n_al)]
    n_stage = np.array([len(c[1]) for c in CHAINS])
    # members: lead, city org, town 机关党支部, k villages, e firms (firm orgs of the home town)
    k_v = np.minimum(rng.integers(3, 16, n_al), nv[al_town])
    fo_town = og.f_town[og.fo_idx]
    fo_start, fo_count = _group_offsets(fo_town, n_towns)  # firm orgs are already sorted by town
    k_e = np.minimum(rng.integers(1, 5, n_al), fo_count[al_town])
    am_g_v, am_pos_v = _expand(k_v)
    v_off = rng.integers(0, 10_000, n_al)
    am_org_v = og.vil_org[pl.v_perm[pl.v_town_start[al_town[am_g_v]] + (v_off[am_g_v] + am_pos_v) % nv[al_town[am_g_v]]]]
    am_g_e, am_pos_e = _expand(k_e)
    e_off = rng.integers(0, 10_000, n_al)
    am_org_e = og.firm_org[fo_start[al_town[am_g_e]]
                           + (e_off[am_g_e] + am_pos_e) % np.maximum(fo_count[al_town[am_g_e]], 1)]
    ar = np.arange(n_al)
    am_g = np.concatenate([ar, ar, ar, am_g_v, am_g_e])
    am_org = np.concatenate([al_lead, og.al_city_org, og.town_machine_org[al_town], am_org_v, am_org_e])
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
    chain_names = _obj([c[0] for c in CHAINS])
    al_name = (pl.county_full[al_county] + chain_names[al_chain] + _CHAIN_GROUP_SUFFIX[rng.integers(0, 2, n_al)])
    al_start_day = _month_day(rng.integers(2021, 2024, n_al), rng.integers(1, 13, n_al), np.ones(n_al, dtype=np.int64))
    # the same org may appear twice in an alliance only by accident of drawing: drop duplicates
    key = am_g * n + am_org
    _, first = np.unique(key, return_index=True)
    keep = np.zeros(len(am_g), dtype=bool)
    keep[first] = True
    return Alliances(n_al=n_al, n_stage=n_stage, al_lead=al_lead, al_name=al_name, al_start_day=al_start_day,
                     am_g=am_g[keep], am_org=am_org[keep], am_role=am_role[keep], am_stage=am_stage[keep])


@dataclass(frozen=True)
class Pairings:
    """Strong → weak pairings (``pr_*``; a rotated pair is a second row) and the strong agency pool."""

    pr_strong: np.ndarray
    pr_weak: np.ndarray
    pr_form: np.ndarray
    pr_start: np.ndarray
    pr_end: np.ndarray
    pr_end_mask: np.ndarray
    strong_ag: np.ndarray


def draw_pairings(rng: np.random.Generator, fr: Frame, og: Orgs, rt: Ratings) -> Pairings:
    """Pair 72% of the weak (三类) orgs with a strong (一类) one; some end, half of those rotate."""
    n_towns, n_counties = fr.n_towns, fr.n_counties
    cat = rt.cat
    o_kind, o_town, o_county = og.org["kind"], og.org["town"], og.org["county"]
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
    return Pairings(
        pr_strong=np.concatenate([strong, new_strong]),
        pr_weak=np.concatenate([weak, weak[rot_idx]]),
        pr_form=np.concatenate([p_form, np.where(p_form[rot_idx] == f_sv, f_av, p_form[rot_idx])]),
        pr_start=np.concatenate([p_start, p_end[rot_idx] + 1]),
        pr_end_mask=np.concatenate([ended, np.zeros(len(rot_idx), dtype=bool)]),
        pr_end=np.concatenate([p_end, np.zeros(len(rot_idx), dtype=np.int64)]),
        strong_ag=strong_ag)
