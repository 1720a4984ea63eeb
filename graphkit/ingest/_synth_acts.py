"""The activities (联建活动) of a synthetic data set: monthly, quarterly and half-yearly, with gaps.

Private to :mod:`graphkit.ingest.synth`.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._synth_links import Alliances, Districts, JointGroups
from ._synth_orgs import Frame, Orgs
from ._synth_util import _expand, _group_offsets, _join_names, _month_day, _obj
from ._synth_vocab import _CN_NUM, _ROLE_LEAD


@dataclass(frozen=True)
class Activities:
    """Activities in date order (``a_order`` sorts the drawn rows) and their joined participants."""

    group: np.ndarray  # district / joint committee / alliance name, as drawn
    day: np.ndarray
    type: np.ndarray
    title: np.ndarray
    host: np.ndarray
    a_order: np.ndarray
    participants: np.ndarray  # in a_order

    @property
    def n(self) -> int:
        """Number of activities."""
        return len(self.day)


class _ActivityParts:
    """Activity blocks as drawn, with their participants (activity row, org row)."""

    def __init__(self) -> None:
        self.acts: list[dict[str, np.ndarray]] = []
        self.parts_a: list[np.ndarray] = []
        self.parts_o: list[np.ndarray] = []
        self.base = 0

    def add(self, group_name: np.ndarray, day: np.ndarray, typ: np.ndarray, title: np.ndarray, host: np.ndarray,
            p_act: np.ndarray, p_org: np.ndarray) -> None:
        self.acts.append({"group": group_name, "day": day, "type": typ, "title": title, "host": host})
        self.parts_a.append(p_act + self.base)
        self.parts_o.append(p_org)
        self.base += len(day)

    def column(self, key: str) -> np.ndarray:
        return np.concatenate([x[key] for x in self.acts])


def _members_of(groups: np.ndarray, starts: np.ndarray, counts_: np.ndarray, mem_org: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray]:
    """(activity row, member org) for every member of each activity's group."""
    a, pos = _expand(counts_[groups])
    return a, mem_org[starts[groups[a]] + pos]


def _grid(span_ym: np.ndarray, n_groups: int, months: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every (group, year, month) of the activity span whose month is in ``months``."""
    span = span_ym[np.isin(span_ym % 12 + 1, months)]
    g, ym = (x.ravel() for x in np.meshgrid(np.arange(n_groups), span, indexing="ij"))
    return g, ym // 12, ym % 12 + 1


def _ym_text(yy: np.ndarray, mm: np.ndarray) -> np.ndarray:
    return yy.astype(str).astype(object) + "年" + mm.astype(str).astype(object) + "月"


def draw_activities(rng: np.random.Generator, fr: Frame, og: Orgs, ds: Districts, jg: JointGroups,
                    al: Alliances) -> Activities:
    """Draw the activities of the districts, joint committees and chain alliances."""
    acts = _ActivityParts()
    span_ym = np.arange(fr.span_start[0] * 12 + fr.span_start[1] - 1, 2024 * 12 + 12)
    n_d, d_name, d_lead = ds.n_d, ds.d_name, ds.d_lead
    dm_start, dm_count, dm_org = ds.dm_start, ds.dm_count, ds.dm_org

    every = tuple(range(1, 13))
    month_types = _obj(["主题党日", "现场教学", "业务培训", "观摩", "志愿服务", "联建攻关"])
    # monthly activities per district, hosted by the month's rotating host (else the lead)
    dd, yy, mm = _grid(span_ym, n_d, every)
    keep = rng.random(len(dd)) >= 0.04
    dd, yy, mm = dd[keep], yy[keep], mm[keep]
    na_ = len(dd)
    typ = month_types[rng.choice(6, size=na_, p=[0.55, 0.15, 0.1, 0.05, 0.1, 0.05])]
    host = ds.host_of[dd, mm - 1]
    day = _month_day(yy, mm, rng.integers(5, 29, na_))
    a, o = _members_of(dd, dm_start, dm_count, dm_org)
    sel = (o != host[a]) & (rng.random(len(a)) < 0.9)
    acts.add(d_name[dd], day, typ, d_name[dd] + _ym_text(yy, mm) + typ, host, a[sel], o[sel])
    # quarterly 互督, hosted by the lead
    dd, yy, mm = _grid(span_ym, n_d, (3, 6, 9, 12))
    keep = rng.random(len(dd)) >= 0.08
    dd, yy, mm = dd[keep], yy[keep], mm[keep]
    day = _month_day(yy, mm, rng.integers(15, 29, len(dd)))
    a, o = _members_of(dd, dm_start, dm_count, dm_org)
    sel = o != d_lead[dd][a]
    acts.add(d_name[dd], day, np.full(len(dd), "互督", dtype=object),
             d_name[dd] + yy.astype(str).astype(object) + "年第" + _obj(_CN_NUM)[mm // 3 - 1] + "季度党建工作互督",
             d_lead[dd], a[sel], o[sel])
    # half-yearly cross inspection: hosted by the work committee; the next district's lead inspects
    dd, yy, mm = _grid(span_ym, n_d, (6, 12))
    keep = rng.random(len(dd)) >= 0.10
    dd, yy, mm = dd[keep], yy[keep], mm[keep]
    day = _month_day(yy, mm, rng.integers(20, 29, len(dd)))
    a, o = _members_of(dd, dm_start, dm_count, dm_org)
    n_dist = ds.n_dist
    nxt = ds.d_county[dd] * n_dist + (dd % n_dist + 1) % n_dist
    inspector = d_lead[nxt] if n_dist > 1 else np.full(len(dd), -1)
    ins_rows = np.flatnonzero(inspector >= 0)
    acts.add(d_name[dd], day, np.full(len(dd), "交叉巡回督导", dtype=object),
             d_name[dd] + yy.astype(str).astype(object) + np.where(mm == 6, "年上半年", "年下半年").astype(object)
             + "交叉巡回督导", og.wc[ds.d_county[dd]], np.concatenate([a, ins_rows]),
             np.concatenate([o, inspector[ins_rows]]))
    # joint village committees: a joint project, theme day or volunteering most months
    jm_sorted = np.lexsort((~jg.jm_is_lead, jg.jm_g))
    jm_org_s, jm_g_s = jg.jm_org[jm_sorted], jg.jm_g[jm_sorted]
    jgs, jgc = _group_offsets(jm_g_s, jg.n_jg)
    jg_lead = jm_org_s[jgs]
    gg, yy, mm = _grid(span_ym, jg.n_jg, every)
    keep = rng.random(len(gg)) >= 0.15
    gg, yy, mm = gg[keep], yy[keep], mm[keep]
    typ = _obj(["联建项目", "主题党日", "志愿服务"])[rng.choice(3, size=len(gg), p=[0.5, 0.35, 0.15])]
    day = _month_day(yy, mm, rng.integers(1, 29, len(gg)))
    a, o = _members_of(gg, jgs, jgc, jm_org_s)
    sel = o != jg_lead[gg][a]
    acts.add(jg.jg_name[gg], day, typ, jg.jg_name[gg] + _ym_text(yy, mm) + typ, jg_lead[gg], a[sel], o[sel])
    # chain alliances: quarterly on-site teaching in the home town
    am_sorted = np.lexsort((al.am_role != _ROLE_LEAD, al.am_g))
    am_org_s, am_g_s = al.am_org[am_sorted], al.am_g[am_sorted]
    ags, agc = _group_offsets(am_g_s, al.n_al)
    gg, yy, mm = _grid(span_ym, al.n_al, (2, 5, 8, 11))
    day = _month_day(yy, mm, rng.integers(1, 29, len(gg)))
    a, o = _members_of(gg, ags, agc, am_org_s)
    sel = (o != al.al_lead[gg][a]) & (rng.random(len(a)) < 0.8)
    acts.add(al.al_name[gg], day, np.full(len(gg), "现场教学", dtype=object),
             al.al_name[gg] + _ym_text(yy, mm) + "链上联建现场教学", al.al_lead[gg], a[sel], o[sel])

    act_group, act_day = acts.column("group"), acts.column("day")
    p_a = np.concatenate(acts.parts_a)
    p_o = np.concatenate(acts.parts_o)
    n_act = len(act_day)
    # order activities by date, then group (stable); codes follow that order
    a_order = np.lexsort((np.arange(n_act), act_group.astype(str), act_day))
    new_pos = np.empty(n_act, dtype=np.int64)
    new_pos[a_order] = np.arange(n_act)
    p_a = new_pos[p_a]
    po = np.lexsort((p_o, p_a))
    p_a, p_o = p_a[po], p_o[po]
    participants = _join_names(og.org["name"], p_o, np.bincount(p_a, minlength=n_act))
    return Activities(group=act_group, day=act_day, type=acts.column("type"), title=acts.column("title"),
                      host=acts.column("host"), a_order=a_order, participants=participants)
