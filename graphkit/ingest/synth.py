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

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from ..core.errors import InputError
from ._synth_acts import draw_activities
from ._synth_national import NATIONAL_COUNTIES, NATIONAL_PROVINCES, plan_country
from ._synth_links import draw_alliances, draw_districts, draw_joint_and_ratings, draw_pairings
from ._synth_orgs import draw_orgs, draw_places, plan
from ._synth_tables import Drawn, assemble, county_units, draw_units
from ._synth_util import _person_names as _person_names  # re-exported: scripts/make_sample_county.py
from ._synth_util import _place_bases as _place_bases
from ._synth_vocab import CHAIN_SHEETS, CHAIN_WORKBOOK, CHAINS, LEDGER_COLUMNS, SCALES
from ._synth_write import _counts, _sheet_name, _write_csv, _write_xlsx, write_unit_folders

__all__ = ["SCALES", "LEDGER_COLUMNS", "CHAINS", "CHAIN_WORKBOOK", "CHAIN_SHEETS", "generate_tables",
           "generate_ledgers", "generate_province", "generate_national"]

#: ``progress(done, total, province, counts)``: called by :func:`generate_national` after each province
ProgressFn = Callable[[int, int, str, dict[str, int]], None]


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
    return _tables(scale=scale, seed=seed, n_target=n_target, counties=counties, by_county=by_county)


def _tables(*, scale: str, seed: int, n_target: int, counties: int | None, by_county: bool,
            span_start: tuple[int, int] | None = None) -> dict[str, Any]:
    """:func:`generate_tables` after its checks; ``span_start`` overrides the first month of activities."""
    fr = plan(scale, n_target, counties, span_start=span_start)
    # one generator, drawn from in this order: the same seed gives the same tables
    rng = np.random.default_rng(seed)
    pl = draw_places(rng, fr)
    og = draw_orgs(rng, fr, pl)
    ds = draw_districts(rng, fr, pl, og)
    jg, rt = draw_joint_and_ratings(rng, fr, pl, og, ds)
    al = draw_alliances(rng, fr, pl, og)
    pr = draw_pairings(rng, fr, og, rt)
    ac = draw_activities(rng, fr, og, ds, jg, al)
    un = draw_units(rng, fr, og)
    drawn = Drawn(fr=fr, pl=pl, og=og, ds=ds, jg=jg, rt=rt, al=al, pr=pr, ac=ac, un=un)
    out = assemble(rng, drawn)
    order = out.pop("_order")
    if by_county:
        out["_units"] = county_units(seed, drawn, out, jv_order=order["jv_order"], st_chain=order["st_chain"])
    return out


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
        raise InputError(f"未知格式 {fmt!r}，可选 xlsx/csv / unknown format {fmt!r}")
    from ..core.files import SYNTH_HEADER, check_replace

    out = Path(out_dir)
    check_replace(out, kind="synth-ledgers")
    tables = generate_tables(scale="province", seed=seed, n_orgs=n_orgs, counties=counties, by_county=True)
    units = tables["_units"]
    out.mkdir(parents=True, exist_ok=True)
    (out / "graphkit.yaml").write_text(f"{SYNTH_HEADER}\n# scale: province (one folder per county), seed: {seed}\n"
                                       "province: 合成省\n", encoding="utf-8")
    (out / "README.md").write_text(
        "# 合成省台账 / A synthetic province\n\n每个县一个文件夹，另有市直文件夹；全部数据为随机生成的虚构数据，仅用于测试和性能评估。\n\n"
        "One folder per county and one per city level; everything is randomly generated and fictional, "
        f"for tests and benchmarks only. Made by `graphkit.synth.generate_province(seed={seed})`.\n", encoding="utf-8")
    write_unit_folders(out, tables, fmt=fmt, head=f"{SYNTH_HEADER}\n# scale: province, seed: {seed}\n")
    counts = _counts(tables)
    counts.update(counties=len(units["county_names"]), cities=len(units["city_names"]),
                  cross_pairings=units["cross_pairings"])
    return counts


def generate_national(out_dir: str | Path, *, seed: int = 0, n_orgs: int | None = None, counties: int | None = None,
                      provinces: int | None = None, fmt: str = "csv", progress: ProgressFn | None = None
                      ) -> dict[str, int]:
    """Write a synthetic country: one folder per province, in it one folder per county (streaming).

    ``OUT/<省名>/`` is a province folder as :func:`generate_province` writes it (``graphkit.yaml``
    with ``province: <省名>``, one folder per county, one per city level, a few cross-county
    pairings), so ``graphkit build OUT/<省名>`` builds that province. Provinces are generated and
    written one at a time: the memory needed is that of the largest province, not of the country.
    The whole folder is written atomically (:func:`graphkit.core.files.atomic_dir`): until the
    last province is written nothing appears under ``out_dir``, and a run that is killed or fails
    leaves the previous content of ``out_dir`` as it was. ``out_dir`` itself has no
    ``graphkit.yaml`` (it is not one province; ``graphkit build`` takes a province at a time) and
    names itself in ``.graphkit-output.json``.

    Counties per province vary (a gamma draw, at least one each) and organizations follow the
    counties; each province has its own seed drawn from ``seed``, so the same seed gives
    byte-identical files. Activities span 2023-07 to 2024-12 above one million organizations in
    all (2023-01 to 2024-12 below).

    Parameters
    ----------
    out_dir
        Folder to write: missing, empty or synthetic ledgers graphkit wrote before.
    seed
        Random seed.
    n_orgs
        Approximate number of organizations in the country (default: :data:`SCALES` ``["national"]``,
        5,000,000).
    counties
        Number of counties (default: 3,000 for 5 million organizations, in proportion otherwise).
    provinces
        Number of provinces (default: 31, or fewer when there are fewer counties).
    fmt
        ``"csv"`` or ``"xlsx"``.
    progress
        Called after each province with (provinces done, provinces in all, province name, its counts).

    Returns
    -------
    dict
        Rows per ledger over the country, the link counts (as :func:`generate_ledgers`),
        ``provinces``, ``counties``, ``cities`` and ``cross_pairings``.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     c = generate_national(Path(d) / "cn", seed=1, n_orgs=3_000, counties=6, provinces=2)
    ...     provs = sorted(p for p in (Path(d) / "cn").iterdir() if p.is_dir())
    ...     len(provs), c["provinces"], c["counties"], sum(p.is_dir() for q in provs for p in q.iterdir())
    (2, 2, 6, 8)
    """
    if fmt not in ("xlsx", "csv"):
        raise InputError(f"未知格式 {fmt!r}，可选 xlsx/csv / unknown format {fmt!r}")
    from ..core.files import SYNTH_HEADER, atomic_dir

    n_target = int(n_orgs if n_orgs is not None else SCALES["national"])
    n_counties = int(counties) if counties else max(1, int(round(n_target / SCALES["national"] * NATIONAL_COUNTIES)))
    n_prov = int(provinces) if provinces else min(NATIONAL_PROVINCES, n_counties)
    if n_counties < 1 or n_prov < 1 or n_prov > n_counties:
        raise InputError(f"省数 {n_prov} 须在 1 与县数 {n_counties} 之间 / the number of provinces ({n_prov}) must be "
                         f"between 1 and the number of counties ({n_counties}) (graphkit synth --provinces, --counties)")
    if n_target < 50 * n_counties:
        raise InputError(f"每县至少 50 个组织：{n_counties} 个县至少需要 {50 * n_counties} 个，而不是 {n_target} / at least 50 "
                         f"organizations per county: {n_counties} counties need {50 * n_counties}, not {n_target} "
                         "(graphkit synth --orgs, --counties)")
    span_start = (2023, 1) if n_target <= 1_000_000 else (2023, 7)
    plan_ = plan_country(seed=seed, n_orgs=n_target, counties=n_counties, provinces=n_prov)
    totals: dict[str, int] = {}
    with atomic_dir(out_dir, kind="synth-ledgers", command="graphkit synth --scale national",
                    marker={"scale": "national", "seed": seed, "provinces": [p.name for p in plan_]}) as tmp:
        (tmp / "README.md").write_text(
            "# 合成全国台账 / A synthetic country\n\n每个省一个文件夹，省内每个县一个文件夹（另有市直文件夹）；"
            "逐省构建：`graphkit build 本目录/某省 -o 输出目录`。全部数据为随机生成的虚构数据，仅用于测试和性能评估。\n\n"
            "One folder per province, in it one folder per county (and one per city level); build a province with "
            "`graphkit build THIS_DIR/PROVINCE -o OUT`. Everything is randomly generated and fictional, for tests and "
            f"benchmarks only. Made by `graphkit.ingest.synth.generate_national(seed={seed})`.\n", encoding="utf-8")
        for prov in plan_:
            tables = _tables(scale="national", seed=prov.seed, n_target=prov.n_orgs, counties=prov.counties,
                             by_county=True, span_start=span_start)
            folder = tmp / prov.name
            folder.mkdir()
            (folder / "graphkit.yaml").write_text(
                f"{SYNTH_HEADER}\n# scale: national, seed: {seed}, province {prov.index + 1}/{len(plan_)}\n"
                f"province: {prov.name}\n", encoding="utf-8")
            write_unit_folders(folder, tables, fmt=fmt,
                               head=f"{SYNTH_HEADER}\n# scale: national, seed: {seed}, province: {prov.name}\n")
            units = tables["_units"]
            counts = _counts(tables)
            counts.update(counties=len(units["county_names"]), cities=len(units["city_names"]),
                          cross_pairings=units["cross_pairings"])
            del tables, units
            for k, v in counts.items():
                totals[k] = totals.get(k, 0) + v
            if progress is not None:
                progress(prov.index + 1, len(plan_), prov.name, counts)
    totals["provinces"] = len(plan_)
    return totals
