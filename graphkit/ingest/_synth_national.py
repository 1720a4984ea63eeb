"""The plan of a synthetic country: its provinces, their names, counties, sizes and seeds.

Private to :mod:`graphkit.ingest.synth`. The plan is small (one row per province) and drawn from
its own generator, so each province can then be generated and written on its own (streaming).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._synth_util import _place_bases

#: Real province-level names: a generated province never takes one of them.
_REAL_PROVINCES = frozenset({
    "北京", "天津", "河北", "山西", "内蒙古", "辽宁", "吉林", "黑龙江", "上海", "江苏", "浙江", "安徽", "福建", "江西",
    "山东", "河南", "湖北", "湖南", "广东", "广西", "海南", "重庆", "四川", "贵州", "云南", "西藏", "陕西", "甘肃",
    "青海", "宁夏", "新疆", "台湾", "香港", "澳门"})

#: Default size of a synthetic country.
NATIONAL_PROVINCES = 31
NATIONAL_COUNTIES = 3_000


@dataclass(frozen=True)
class Province:
    """One province of the plan."""

    index: int
    name: str  # e.g. 青禾省
    counties: int
    n_orgs: int
    seed: int  # the seed of the province's own tables


def plan_country(*, seed: int, n_orgs: int, counties: int, provinces: int) -> list[Province]:
    """Split ``n_orgs`` organizations and ``counties`` counties into ``provinces`` provinces.

    Counties per province vary like real provinces' (a gamma draw; at least one each);
    organizations follow the counties. Province names are unique fictional two-syllable names.
    """
    rng = np.random.default_rng([seed, 31])
    pool = _place_bases(rng, np.zeros(provinces + len(_REAL_PROVINCES), dtype=np.int64))
    names = [str(x) for x in pool if str(x) not in _REAL_PROVINCES][:provinces]
    weights = rng.gamma(4.0, size=provinces)
    share = weights / weights.sum() * (counties - provinces)
    n_c = 1 + np.floor(share).astype(np.int64)
    rest = counties - int(n_c.sum())
    n_c[np.argsort(-(share - np.floor(share)), kind="stable")[:rest]] += 1  # largest remainders
    orgs = np.floor(n_orgs * np.cumsum(n_c) / counties).astype(np.int64)
    n_o = np.diff(np.concatenate([[0], orgs]))
    seeds = [int(np.random.SeedSequence([seed, 31, p]).generate_state(1, dtype=np.uint32)[0]) for p in range(provinces)]
    return [Province(index=p, name=names[p] + "省", counties=int(n_c[p]), n_orgs=int(n_o[p]), seed=seeds[p])
            for p in range(provinces)]
