"""The places and organizations of a synthetic data set: sizes, names, the organization blocks.

Private to :mod:`graphkit.ingest.synth`. Each ``draw_*`` function takes the one random generator
of the data set and must be called in the order :func:`graphkit.ingest.synth.generate_tables`
calls them: the same seed then gives the same tables.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._synth_util import _expand, _group_offsets, _obj, _place_bases, _unique_codes
from ._synth_vocab import (
    _BRANDS, _CN_NUM, _DEPTS, _INDUSTRIES, _ORGS_PER_COUNTY, _ORGS_PER_TOWN, _SECTOR_IDX, _SOCIAL_KINDS,
    _TOWN_AGENCIES, _TOWN_SUFFIX, CHAINS, F_BRANCH, F_COMMITTEE, F_GENERAL, F_JOINT, F_WORKCOM, K_AGENCY,
    K_AGENCY_SUB, K_CITY, K_FIRM, K_JOINT, K_SOCIAL, K_TOWNAG, K_TOWNCOM, K_VBRANCH, K_VILLAGE, K_WORKCOM, L_CITY,
    L_COUNTY, L_TOWN, L_VILLAGE, S_AGENCY, S_COMMUNITY, S_PRIVATE, S_SOCIAL, S_VILLAGE,
)


def _settings_county(scale: str, n_counties: int) -> str:
    if n_counties == 1:
        return "合成县"
    return "合成全国" if scale == "national" else "合成省"


@dataclass(frozen=True)
class Frame:
    """The sizes of a data set (no randomness): counties, departments, towns, the activity span."""

    scale: str
    n_target: int
    n_counties: int
    n_dept: int
    towns_per_county: int
    span_start: tuple[int, int]
    county_setting: str

    @property
    def n_cities(self) -> int:
        """One city per ten counties."""
        return max(1, -(-self.n_counties // 10))

    @property
    def n_towns(self) -> int:
        """Towns over all counties."""
        return self.n_counties * self.towns_per_county


def plan(scale: str, n_target: int, counties: int | None, *, span_start: tuple[int, int] | None = None) -> Frame:
    """The :class:`Frame` of ``n_target`` organizations in ``counties`` counties (default: one per 2,000).

    ``span_start`` (year, month) is the first month of activities (default: 2023-01, or 2023-07
    above one million organizations).
    """
    n_counties = max(1, int(counties) if counties else int(round(n_target / _ORGS_PER_COUNTY)))
    per_county = n_target / n_counties
    n_dept = int(np.clip(round(per_county * 0.035), 8, 70))
    agency_total = n_dept * 1.6 + 1
    towns_per_county = max(1, int(round((per_county - agency_total) / _ORGS_PER_TOWN)))
    # activity span: two years, or 18 months above one million organizations
    if span_start is None:
        span_start = (2023, 1) if n_target <= 1_000_000 else (2023, 7)
    return Frame(scale=scale, n_target=n_target, n_counties=n_counties, n_dept=n_dept,
                 towns_per_county=towns_per_county, span_start=span_start,
                 county_setting=_settings_county(scale, n_counties))


@dataclass(frozen=True)
class Places:
    """Names of the cities, counties, towns and villages, and which contains which."""

    city_base: np.ndarray
    county_full: np.ndarray
    county_city: np.ndarray
    town_county: np.ndarray
    town_kind: np.ndarray
    town_full: np.ndarray
    nv: np.ndarray  # villages per town
    v_town: np.ndarray
    v_comm: np.ndarray
    v_full: np.ndarray
    v_kind: np.ndarray
    v_perm: np.ndarray  # random order of villages inside each town (to draw distinct subsets)
    v_town_start: np.ndarray

    @property
    def n_vil(self) -> int:
        """Villages and communities over all towns."""
        return len(self.v_town)


def draw_places(rng: np.random.Generator, fr: Frame) -> Places:
    """Draw the place names: cities, counties and towns together (unique bases), then villages."""
    n_cities, n_counties, n_towns = fr.n_cities, fr.n_counties, fr.n_towns
    big = n_cities + n_counties + n_towns
    bases = _place_bases(rng, np.zeros(big, dtype=np.int64))
    city_base = bases[:n_cities]
    county_base = bases[n_cities:n_cities + n_counties]
    town_base = bases[n_cities + n_counties:]
    county_full = county_base + "县"
    if n_counties == 1:
        county_full = _obj([fr.county_setting])
    county_city = np.arange(n_counties) // 10
    town_county = np.repeat(np.arange(n_counties), fr.towns_per_county)
    town_kind = rng.choice(3, size=n_towns, p=[0.78, 0.12, 0.10])
    town_full = town_base + _TOWN_SUFFIX[town_kind]

    nv = rng.integers(32, 58, size=n_towns)
    v_town = np.repeat(np.arange(n_towns), nv)
    n_vil = len(v_town)
    v_base = _place_bases(rng, v_town)
    v_comm = rng.random(n_vil) < np.where(town_kind[v_town] == 2, 0.6, 0.08)
    v_full = v_base + np.where(v_comm, "社区", "村").astype(object)
    v_kind = np.where(v_comm, "社区", "行政村").astype(object)
    v_perm = np.lexsort((rng.random(n_vil), v_town))
    v_town_start, _ = _group_offsets(v_town, n_towns)
    return Places(city_base=city_base, county_full=county_full, county_city=county_city, town_county=town_county,
                  town_kind=town_kind, town_full=town_full, nv=nv, v_town=v_town, v_comm=v_comm, v_full=v_full,
                  v_kind=v_kind, v_perm=v_perm, v_town_start=v_town_start)


_ORG_COLUMNS = ("name", "form", "sector", "level", "town", "village", "parent", "host", "county", "kind", "members")


class _OrgBlocks:
    """Organizations added block by block; each block gets the next row numbers."""

    def __init__(self) -> None:
        self.cols: dict[str, list[np.ndarray]] = {k: [] for k in _ORG_COLUMNS}
        self.count = 0

    def add(self, **kw: np.ndarray) -> np.ndarray:
        n = len(kw["name"])
        for k in self.cols:
            self.cols[k].append(np.asarray(kw[k]))
        idx = np.arange(self.count, self.count + n)
        self.count += n
        return idx

    def columns(self) -> dict[str, np.ndarray]:
        return {k: np.concatenate(v) for k, v in self.cols.items()}


def _none(n: int) -> np.ndarray:
    return np.full(n, -1, dtype=np.int64)


@dataclass(frozen=True)
class Orgs:
    """Every organization (one row each in ``org``) and the row numbers of each block."""

    org: dict[str, np.ndarray]
    wc: np.ndarray  # county work committees
    agency: np.ndarray  # county agency top orgs
    a_county: np.ndarray
    al_chain: np.ndarray  # chain alliances: chain and county (decided with the city orgs)
    al_county: np.ndarray
    cc_city: np.ndarray  # city of each city chain centre
    city_orgs: np.ndarray
    al_city_org: np.ndarray
    town_com: np.ndarray
    town_machine_org: np.ndarray  # 机关党支部 of each town
    vil_org: np.ndarray
    f_town: np.ndarray  # private firms (units) and their orgs
    f_unit: np.ndarray
    f_has: np.ndarray
    fo_idx: np.ndarray
    firm_org: np.ndarray
    j_town: np.ndarray  # joint branches of firms
    joint: np.ndarray
    so_town: np.ndarray  # social organizations (units)
    so_unit: np.ndarray
    so_has: np.ndarray
    so_idx: np.ndarray

    @property
    def n(self) -> int:
        """Number of organizations."""
        return len(self.org["name"])


def draw_orgs(rng: np.random.Generator, fr: Frame, pl: Places) -> Orgs:
    """Draw the organizations, block by block (parents always come earlier: no cycles)."""
    n_counties, n_dept, n_towns = fr.n_counties, fr.n_dept, fr.n_towns
    county_full, town_full, v_full = pl.county_full, pl.town_full, pl.v_full
    b = _OrgBlocks()
    none = _none

    # county work committees
    wc = b.add(name=county_full + "委直属机关工委", form=np.full(n_counties, F_WORKCOM), sector=np.full(n_counties, S_AGENCY),
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
    agency = b.add(name=a_name, form=np.where(a_is_comm, F_COMMITTEE, F_BRANCH), sector=dept_sector[a_dept],
                   level=np.full(n_a, L_COUNTY), town=none(n_a), village=none(n_a), parent=wc[a_county], host=a_unit,
                   county=a_county, kind=np.full(n_a, K_AGENCY), members=rng.integers(6, 60, n_a))
    # sub-branches of committee-form agencies
    n_sub = np.where(a_is_comm, rng.integers(2, 5, n_a), 0)
    s_parent, s_pos = _expand(n_sub)
    ns = len(s_parent)
    b.add(name=a_unit[s_parent] + "第" + _obj(_CN_NUM)[s_pos] + "党支部", form=np.full(ns, F_BRANCH),
          sector=dept_sector[a_dept][s_parent], level=np.full(ns, L_COUNTY), town=none(ns), village=none(ns),
          parent=agency[s_parent], host=a_unit[s_parent], county=a_county[s_parent], kind=np.full(ns, K_AGENCY_SUB),
          members=rng.integers(4, 30, ns))

    # chain alliances are decided now so that the needed city orgs exist
    n_chain_per_county = int(np.clip(2 + fr.towns_per_county // 4, 2, len(CHAINS)))
    generic = np.argsort(rng.random((n_counties, len(CHAINS) - 2)), axis=1)[:, :n_chain_per_county - 2] + 2
    al_chain = np.concatenate([np.tile([0, 1], (n_counties, 1)), generic], axis=1).ravel()
    al_county = np.repeat(np.arange(n_counties), n_chain_per_county)
    city_chain_key = pl.county_city[al_county] * len(CHAINS) + al_chain
    uniq_cc = np.unique(city_chain_key)
    nc = len(uniq_cc)
    chain_names = _obj([c[0] for c in CHAINS])
    cc_city, cc_chain = uniq_cc // len(CHAINS), uniq_cc % len(CHAINS)
    city_base = pl.city_base
    city_orgs = b.add(name=city_base[cc_city] + "市" + chain_names[cc_chain] + "产业发展中心党支部", form=np.full(nc, F_BRANCH),
                      sector=np.full(nc, _SECTOR_IDX["事业单位"]), level=np.full(nc, L_CITY), town=none(nc),
                      village=none(nc), parent=none(nc), host=city_base[cc_city] + "市" + chain_names[cc_chain] + "产业发展中心",
                      county=np.minimum(cc_city * 10, n_counties - 1), kind=np.full(nc, K_CITY),
                      members=rng.integers(5, 25, nc))
    al_city_org = city_orgs[np.searchsorted(uniq_cc, city_chain_key)]

    # town committees and town agencies
    tt = np.arange(n_towns)
    town_county, town_kind = pl.town_county, pl.town_kind
    town_com = b.add(name=town_full + "党委", form=np.full(n_towns, F_COMMITTEE), sector=np.full(n_towns, S_AGENCY),
                     level=np.full(n_towns, L_TOWN), town=tt, village=none(n_towns), parent=none(n_towns),
                     host=town_full + np.where(town_kind == 2, "办事处", "人民政府").astype(object), county=town_county,
                     kind=np.full(n_towns, K_TOWNCOM), members=rng.integers(60, 400, n_towns))
    nta = len(_TOWN_AGENCIES)
    ta_town = np.repeat(tt, nta)
    ta_type = np.tile(np.arange(nta), n_towns)
    ta_suffix = _obj([t[0] for t in _TOWN_AGENCIES])
    ta_sector = np.array([_SECTOR_IDX[t[1]] for t in _TOWN_AGENCIES])
    town_ag = b.add(name=town_full[ta_town] + ta_suffix[ta_type], form=np.full(len(ta_town), F_BRANCH),
                    sector=ta_sector[ta_type], level=np.full(len(ta_town), L_TOWN), town=ta_town,
                    village=none(len(ta_town)), parent=town_com[ta_town],
                    host=town_full[ta_town] + np.char.replace(ta_suffix[ta_type].astype(str), "党支部", "").astype(object),
                    county=town_county[ta_town], kind=np.full(len(ta_town), K_TOWNAG),
                    members=rng.integers(5, 40, len(ta_town)))
    town_machine_org = town_ag[::nta]

    # village top orgs and their branches
    v_town, v_comm, n_vil = pl.v_town, pl.v_comm, pl.n_vil
    v_general = rng.random(n_vil) < 0.55
    v_name = town_full[v_town] + v_full + np.where(v_general, "党总支", "党支部").astype(object)
    vil_org = b.add(name=v_name, form=np.where(v_general, F_GENERAL, F_BRANCH),
                    sector=np.where(v_comm, S_COMMUNITY, S_VILLAGE), level=np.full(n_vil, L_VILLAGE), town=v_town,
                    village=np.arange(n_vil), parent=town_com[v_town], host=v_full, county=town_county[v_town],
                    kind=np.full(n_vil, K_VILLAGE), members=np.where(v_general, rng.integers(40, 160, n_vil),
                                                                     rng.integers(12, 60, n_vil)))
    n_vb = np.where(v_general, rng.integers(2, 6, n_vil), 0)
    vb_v, vb_pos = _expand(n_vb)
    nvb = len(vb_v)
    b.add(name=town_full[v_town[vb_v]] + v_full[vb_v] + "第" + _obj(_CN_NUM)[vb_pos] + "党支部", form=np.full(nvb, F_BRANCH),
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
    nfo = len(fo_idx)
    firm_org = b.add(name=f_unit[fo_idx] + "党支部", form=np.full(nfo, F_BRANCH),
                     sector=np.full(nfo, S_PRIVATE), level=np.full(nfo, L_TOWN), town=f_town[fo_idx],
                     village=none(nfo), parent=town_com[f_town[fo_idx]], host=f_unit[fo_idx],
                     county=town_county[f_town[fo_idx]], kind=np.full(nfo, K_FIRM),
                     members=rng.integers(3, 30, nfo))
    n_joint = rng.integers(1, 3, n_towns)
    j_town, j_pos = _expand(n_joint)
    njb = len(j_town)
    joint = b.add(name=town_full[j_town] + "非公企业第" + _obj(_CN_NUM)[j_pos] + "联合党支部", form=np.full(njb, F_JOINT),
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
    nsi = len(so_idx)
    b.add(name=so_unit[so_idx] + "党支部", form=np.full(nsi, F_BRANCH), sector=np.full(nsi, S_SOCIAL),
          level=np.full(nsi, L_TOWN), town=so_town[so_idx], village=none(nsi),
          parent=town_com[so_town[so_idx]], host=so_unit[so_idx], county=town_county[so_town[so_idx]],
          kind=np.full(nsi, K_SOCIAL), members=rng.integers(3, 20, nsi))

    return Orgs(org=b.columns(), wc=wc, agency=agency, a_county=a_county, al_chain=al_chain, al_county=al_county,
                cc_city=cc_city, city_orgs=city_orgs, al_city_org=al_city_org, town_com=town_com,
                town_machine_org=town_machine_org, vil_org=vil_org, f_town=f_town, f_unit=f_unit, f_has=f_has,
                fo_idx=fo_idx, firm_org=firm_org, j_town=j_town, joint=joint, so_town=so_town, so_unit=so_unit,
                so_has=so_has, so_idx=so_idx)
