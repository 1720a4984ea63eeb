"""The DuckDB peer: coverage, pairing gaps and cadence written as plain DuckDB SQL over the Parquet
tables of a graph folder, the way an analyst fluent in SQL would answer the same questions.

Each analysis is one batch of SQL run on a fresh in-memory connection whose views read
``GRAPH/tables/<Type>.parquet`` directly (reading is part of the figure; graphkit's analysis
stages are timed on a graph already read). The results are the facts graphkit's tables carry,
in a canonical long form (:func:`canonical_graphkit` gives the same form from graphkit's own
results), so :func:`compare` can check them equal value for value:

==============  ===========================================================================
analysis        tables (columns)
==============  ===========================================================================
coverage        ``by_town`` (group, orgs, covered), ``by_town_mechanism`` (group, mechanism, n),
                ``villages`` (group, villages, villages_covered, committees), ``weak``
                (group, weak_orgs, third_class, weak_lax, paired, paired_strong),
                ``two_coverages`` (group, unit_kind, units, org_covered, work_covered),
                ``chain_stages`` (stage_id, members)
pairing_gaps    ``unpaired_weak`` (org_id), ``weak_strong_side`` (pair_id), ``overloaded_strong``
                (org_id, pairs), ``groups_without_anchor`` (collab_id, problem),
                ``due_for_rotation`` (pair_id), ``ended_without_successor`` (pair_id)
cadence         ``missed_months`` / ``missed_quarters`` / ``missed_half_years`` (district_id,
                period number), ``never_hosted`` (district_id, org_id), ``activity_counts``
                (district_id, type, count)
==============  ===========================================================================

The rules are graphkit's (``graphkit/analyses/coverage.py``, ``pairing.py``, ``cadence.py``): a record is
active on a date when its start is missing or not after it and its end missing or not before it;
an org's category is the latest rating of a year up to the date's year (the roster's own
category, undated or of such a year, loses ties to a rating; among ratings of one year the last
row wins), 三类 or 软弱涣散 is weak, 一类 and not 软弱涣散 strong.

Examples
--------
>>> import graphkit as gk, tempfile
>>> out = gk.write_graph(gk.build_graph(gk.sample_path()), tempfile.mkdtemp() + "/g")  # doctest: +SKIP
>>> sorted(run_sql(out, "pairing_gaps", as_of="2024-06-30"))                           # doctest: +SKIP
['due_for_rotation', 'ended_without_successor', 'groups_without_anchor', 'overloaded_strong', ...]
"""
from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = ["ANALYSES", "canonical_graphkit", "compare", "duckdb_all", "duckdb_check", "run_sql"]

#: The analyses the peer answers, in the harness's order.
ANALYSES = ("coverage", "pairing_gaps", "cadence")

_TABLES = ("Organization", "Rating", "Pairing", "Membership", "Collaboration", "Activity", "Place", "Unit",
           "ChainStage")
_INSPECTIONS = ("mutual_inspection", "cross_inspection")

# ---- shared views and macros ----------------------------------------------------------------------

_MACROS = """
CREATE MACRO facts(ts) AS TABLE
WITH cand AS (
    SELECT id AS org, coalesce(category_year, -1) AS yr, 0 AS prio, 0::BIGINT AS rn, category, weak_lax
    FROM "Organization"
    WHERE category IS NOT NULL AND (category_year IS NULL OR category_year <= year(ts))
    UNION ALL
    SELECT r.org, r.year, 1, r.file_row_number, r.category, r.weak_lax
    FROM "Rating" r SEMI JOIN "Organization" o ON o.id = r.org
    WHERE r.year IS NOT NULL AND r.year <= year(ts)
), win AS (
    SELECT org, arg_max({'category': category, 'weak_lax': weak_lax}, (yr, prio, rn)) AS w FROM cand GROUP BY org
), f AS (
    SELECT o.id AS org_id, o.town, o.village, w.w.category AS category,
           coalesce(w.w.weak_lax, o.weak_lax, false) AS lax
    FROM "Organization" o LEFT JOIN win w ON w.org = o.id
)
SELECT org_id, town, village, category, lax,
       coalesce(category = '3', false) OR lax AS weak,
       coalesce(category = '1', false) AND NOT lax AS strong
FROM f;

CREATE MACRO active_pairs(ts) AS TABLE
SELECT * FROM "Pairing" WHERE (start IS NULL OR start <= ts) AND ("end" IS NULL OR "end" >= ts);

CREATE MACRO active_members(ts) AS TABLE
SELECT m.id, m.member, m.organization, m.role, m.stage, c.kind, c.town AS collab_town
FROM "Membership" m JOIN "Collaboration" c ON c.id = m.organization
WHERE (m.start IS NULL OR m.start <= ts) AND (m."end" IS NULL OR m."end" >= ts)
  AND (c.start IS NULL OR c.start <= ts) AND (c."end" IS NULL OR c."end" >= ts);
"""

# the org facts, active pairings and active memberships of the date, made once per analysis
_DATED_SETUP = """
CREATE TEMP TABLE f AS SELECT * FROM facts($ts);
CREATE TEMP TABLE ap AS SELECT * FROM active_pairs($ts);
CREATE TEMP TABLE am AS SELECT * FROM active_members($ts);
"""

# ---- coverage ---------------------------------------------------------------------------------------

_COVERAGE = {
    "by_town": """
        WITH mm AS (
            SELECT member AS org_id FROM am WHERE kind IN (SELECT unnest($kinds))
            UNION SELECT strong FROM ap
            UNION SELECT weak FROM ap
        )
        SELECT coalesce(o.town, '') AS "group", count(*) AS orgs, count(mm.org_id) AS covered
        FROM "Organization" o LEFT JOIN mm ON mm.org_id = o.id
        GROUP BY 1""",
    "by_town_mechanism": """
        WITH mm AS (
            SELECT DISTINCT member AS org_id, kind AS mechanism FROM am
            WHERE kind IN (SELECT unnest($kinds))
            UNION SELECT strong, 'pairing' FROM ap
            UNION SELECT weak, 'pairing' FROM ap
        )
        SELECT coalesce(o.town, '') AS "group", mm.mechanism, count(*) AS n
        FROM "Organization" o JOIN mm ON mm.org_id = o.id
        GROUP BY 1, 2""",
    "villages": """
        WITH jm AS (SELECT * FROM am WHERE kind = 'joint_village'),
        covered AS (SELECT DISTINCT o.village FROM jm JOIN "Organization" o ON o.id = jm.member
                    WHERE o.village IS NOT NULL),
        v AS (SELECT coalesce(p.parent, '') AS "group", count(*) AS villages,
                     count(*) FILTER (WHERE p.id IN (SELECT village FROM covered)) AS villages_covered
              FROM "Place" p WHERE p.kind = 'village' GROUP BY 1),
        com AS (SELECT jm.organization, coalesce(any_value(jm.collab_town), min(o.town)) AS town
                FROM jm LEFT JOIN "Organization" o ON o.id = jm.member GROUP BY 1),
        c AS (SELECT coalesce(town, '') AS "group", count(*) AS committees FROM com GROUP BY 1)
        SELECT coalesce(v."group", c."group") AS "group", coalesce(villages, 0) AS villages,
               coalesce(villages_covered, 0) AS villages_covered, coalesce(committees, 0) AS committees
        FROM v FULL JOIN c ON c."group" = v."group" """,
    "weak": """
        WITH p AS (SELECT * FROM ap),
        by_strong AS (SELECT p.weak FROM p JOIN f s ON s.org_id = p.strong WHERE s.strong)
        SELECT coalesce(f.town, '') AS "group", count(*) AS weak_orgs,
               count(*) FILTER (WHERE f.category = '3') AS third_class, count(*) FILTER (WHERE f.lax) AS weak_lax,
               count(*) FILTER (WHERE f.org_id IN (SELECT weak FROM p)) AS paired,
               count(*) FILTER (WHERE f.org_id IN (SELECT weak FROM by_strong)) AS paired_strong
        FROM f WHERE f.weak GROUP BY 1""",
    "two_coverages": """
        SELECT coalesce(town, '') AS "group", kind AS unit_kind, count(*) AS units,
               count(*) FILTER (WHERE coalesce(has_party_org, false) OR party_org IS NOT NULL) AS org_covered,
               count(*) FILTER (WHERE coalesce(has_party_org, false) OR party_org IS NOT NULL
                                OR linked_org IS NOT NULL OR trim(instructor) <> '') AS work_covered
        FROM "Unit" WHERE kind IS NOT NULL GROUP BY 1, 2""",
    "chain_stages": """
        SELECT s.id AS stage_id, count(DISTINCT m.member) AS members
        FROM "ChainStage" s LEFT JOIN am m ON m.stage = s.id
        GROUP BY 1""",
}

# ---- pairing gaps -----------------------------------------------------------------------------------

_PAIRING = {
    "unpaired_weak": """
        WITH ps AS (SELECT p.weak FROM ap p JOIN f s ON s.org_id = p.strong WHERE s.strong)
        SELECT org_id FROM f WHERE weak AND org_id NOT IN (SELECT weak FROM ps WHERE weak IS NOT NULL)""",
    "weak_strong_side": """
        SELECT p.id AS pair_id FROM ap p LEFT JOIN f s ON s.org_id = p.strong
        WHERE NOT coalesce(s.strong, false)""",
    "overloaded_strong": """
        SELECT strong AS org_id, count(*) AS pairs FROM ap
        WHERE strong IS NOT NULL GROUP BY 1 HAVING count(*) > $max_per_strong""",
    "groups_without_anchor": """
        WITH c AS (SELECT id FROM "Collaboration"
                   WHERE kind IN ('district', 'service_team') AND (start IS NULL OR start <= $ts)
                     AND ("end" IS NULL OR "end" >= $ts)),
        m AS (SELECT am.organization, am.member, am.role, coalesce(f.strong, false) AS strong
              FROM am LEFT JOIN f ON f.org_id = am.member
              WHERE am.organization IN (SELECT id FROM c)),
        g AS (SELECT c.id, count(DISTINCT m.member) FILTER (WHERE m.strong) AS class1,
                     coalesce(bool_or(m.role = 'lead'), false) AS has_lead,
                     coalesce(bool_or(m.role = 'lead' AND m.strong), false) AS lead_strong
              FROM c LEFT JOIN m ON m.organization = c.id GROUP BY c.id)
        SELECT id AS collab_id,
               concat_ws(';', CASE WHEN class1 = 0 THEN 'no_class1' END, CASE WHEN NOT has_lead THEN 'no_lead' END,
                         CASE WHEN has_lead AND NOT lead_strong THEN 'lead_not_class1' END) AS problem
        FROM g WHERE class1 = 0 OR NOT lead_strong""",
    "due_for_rotation": """
        SELECT id AS pair_id FROM ap
        WHERE start IS NOT NULL AND start + to_years($rotation_years) <= $ts""",
    "ended_without_successor": """
        SELECT e.id AS pair_id FROM "Pairing" e
        WHERE e."end" IS NOT NULL AND e."end" < $ts AND NOT EXISTS (
            SELECT 1 FROM "Pairing" q
            WHERE q.weak = e.weak AND q.id <> e.id AND (q.start IS NULL OR q.start <= $ts)
              AND (q."end" IS NULL OR q."end" > e."end"))""",
}

# ---- cadence ------------------------------------------------------------------------------------------

_CADENCE_SETUP = """
CREATE TEMP TABLE d AS
SELECT id, start, "end" FROM "Collaboration"
WHERE kind = 'district' AND (start IS NULL OR start <= $hi) AND ("end" IS NULL OR "end" >= $lo);

CREATE TEMP TABLE dm AS
SELECT DISTINCT m.organization AS district, m.member, m.role
FROM "Membership" m SEMI JOIN d ON d.id = m.organization
WHERE (m.start IS NULL OR m.start <= $hi) AND (m."end" IS NULL OR m."end" >= $lo);

CREATE TEMP TABLE aa AS
WITH sole AS (SELECT member, any_value(district) AS district FROM (SELECT DISTINCT district, member FROM dm)
              WHERE member IS NOT NULL GROUP BY member HAVING count(*) = 1)
SELECT a.type, a.host, month(a.date) AS mon,
       CASE WHEN a."group" IN (SELECT id FROM d) THEN a."group"
            WHEN a."group" IS NULL AND a.host IS NOT NULL THEN s.district END AS district
FROM "Activity" a LEFT JOIN sole s ON s.member = a.host
WHERE a.date >= $lo AND a.date <= $hi;
"""

_MISSED = """
WITH per AS (
    SELECT p, make_date($year, (p - 1) * $step + 1, 1) AS ps,
           (make_date($year, (p - 1) * $step + 1, 1) + to_months($step) - INTERVAL 1 DAY)::DATE AS pe
    FROM range(1, 12 // $step + 1) t(p)
), done AS (
    SELECT DISTINCT district, (mon - 1) // $step + 1 AS p FROM aa
    WHERE district IS NOT NULL AND CASE $which WHEN 'month' THEN type IS NULL OR type NOT IN (SELECT unnest($inspections))
                                               ELSE type = $which END
)
SELECT d.id AS district_id, per.p AS period
FROM d CROSS JOIN per
WHERE per.pe <= $ts AND (d.start IS NULL OR d.start <= per.pe) AND (d."end" IS NULL OR d."end" >= per.ps)
  AND NOT EXISTS (SELECT 1 FROM done WHERE done.district = d.id AND done.p = per.p)"""

_CADENCE = {
    "never_hosted": """
        SELECT DISTINCT dm.district AS district_id, dm.member AS org_id FROM dm
        WHERE NOT EXISTS (SELECT 1 FROM aa WHERE aa.district = dm.district AND aa.host = dm.member)""",
    "activity_counts": """
        SELECT district AS district_id, type, count(*) AS count FROM aa
        WHERE district IS NOT NULL AND type IS NOT NULL GROUP BY 1, 2""",
}


def _connect(graph_dir: str | Path) -> Any:
    import duckdb

    con = duckdb.connect(":memory:")
    con.execute("SET enable_progress_bar = false")
    tables = Path(graph_dir) / "tables"
    for name in _TABLES:
        rel = con.read_parquet(str(tables / f"{name}.parquet"), file_row_number=(name == "Rating"))
        rel.create_view(name)
    con.execute(_MACROS)
    return con


def _params(sql: str, values: dict[str, Any]) -> dict[str, Any]:
    """The named parameters one statement uses (DuckDB refuses unused ones)."""
    return {k: v for k, v in values.items() if f"${k}" in sql}


def _script(con: Any, sql: str, values: dict[str, Any]) -> None:
    for stmt in [x for x in sql.split(";") if x.strip()]:
        con.execute(stmt, _params(stmt, values))


def _query(con: Any, sql: str, values: dict[str, Any]) -> pd.DataFrame:
    return con.execute(sql, _params(sql, values)).df()


def run_sql(graph_dir: str | Path, analysis: str, *, as_of: str, kinds: list[str] | None = None,
            max_per_strong: int = 2, rotation_years: int = 1) -> dict[str, pd.DataFrame]:
    """Answer one analysis (``coverage``, ``pairing_gaps`` or ``cadence``) with DuckDB SQL over the
    Parquet tables of ``graph_dir``; a fresh connection each call.

    ``kinds`` are the collaboration kinds counted as mechanisms (default: the schema's code list).
    """
    ts = dt.date.fromisoformat(str(as_of)[:10])
    if kinds is None:
        import graphkit as gk

        kinds = list(gk.load_schema().codelists["collab_kind"].codes)
    con = _connect(graph_dir)
    try:
        values: dict[str, Any] = {"ts": ts, "kinds": kinds, "max_per_strong": max_per_strong,
                                  "rotation_years": rotation_years, "inspections": list(_INSPECTIONS)}
        if analysis in ("coverage", "pairing_gaps"):
            _script(con, _DATED_SETUP, values)
        if analysis == "coverage":
            return {k: _query(con, sql, values) for k, sql in _COVERAGE.items()}
        if analysis == "pairing_gaps":
            return {k: _query(con, sql, values) for k, sql in _PAIRING.items()}
        if analysis == "cadence":
            lo = dt.date(ts.year, 1, 1)
            values.update(lo=lo, hi=min(dt.date(ts.year, 12, 31), ts), year=ts.year)
            _script(con, _CADENCE_SETUP, values)
            out = {}
            for key, step, which in (("missed_months", 1, "month"), ("missed_quarters", 3, _INSPECTIONS[0]),
                                     ("missed_half_years", 6, _INSPECTIONS[1])):
                out[key] = _query(con, _MISSED, {**values, "step": step, "which": which})
            out.update({k: _query(con, sql, values) for k, sql in _CADENCE.items()})
            return out
        raise ValueError(f"unknown analysis {analysis!r}; known: {ANALYSES}")
    finally:
        con.close()


# ---- graphkit's results in the same form -------------------------------------------------------------

def canonical_graphkit(graph: Any, analysis: str, *, as_of: str, max_per_strong: int = 2,
                       rotation_years: int = 1) -> dict[str, pd.DataFrame]:
    """graphkit's own results of one analysis, reduced to the peer's tables and columns."""
    if analysis == "coverage":
        from graphkit.analyses import coverage as cov

        c = cov.coverage(graph, as_of=as_of, by="town")
        mechs = [col[2:] for col in c.columns if col.startswith("n_")]
        long = c.melt(id_vars=["group"], value_vars=[f"n_{m}" for m in mechs], var_name="mechanism", value_name="n")
        long["mechanism"] = long["mechanism"].str[2:]
        v = cov.village_coverage(graph, as_of=as_of)
        w = cov.weak_coverage(graph, as_of=as_of)
        two = cov.two_coverages(graph, by="town")
        st = cov.chain_stage_coverage(graph, as_of=as_of)
        return {"by_town": c[["group", "orgs", "covered"]], "by_town_mechanism": long[long["n"] > 0],
                "villages": v[["group", "villages", "villages_covered", "committees"]],
                "weak": w[["group", "weak_orgs", "third_class", "weak_lax", "paired", "paired_strong"]],
                "two_coverages": two[["group", "unit_kind", "units", "org_covered", "work_covered"]],
                "chain_stages": st[["stage_id", "members"]]}
    if analysis == "pairing_gaps":
        from graphkit.analyses import pairing

        g = pairing.pairing_gaps(graph, as_of=as_of, max_per_strong=max_per_strong, rotation_years=rotation_years)
        return {"unpaired_weak": g["unpaired_weak"][["org_id"]],
                "weak_strong_side": g["weak_strong_side"][["pair_id"]],
                "overloaded_strong": g["overloaded_strong"][["org_id", "pairs"]],
                "groups_without_anchor": g["groups_without_anchor"][["collab_id", "problem"]],
                "due_for_rotation": g["due_for_rotation"][["pair_id"]],
                "ended_without_successor": g["ended_without_successor"][["pair_id"]]}
    if analysis == "cadence":
        from graphkit.analyses import cadence

        r = cadence.district_cadence(graph, as_of=as_of)
        out = {}
        for key, step in (("missed_months", 1), ("missed_quarters", 3), ("missed_half_years", 6)):
            t = r[key]
            period = (pd.to_datetime(t["period_start"]).dt.month - 1) // step + 1
            out[key] = pd.DataFrame({"district_id": t["district_id"].to_numpy(dtype=object), "period": period.to_numpy()})
        out["never_hosted"] = r["never_hosted"][["district_id", "org_id"]]
        out["activity_counts"] = r["activity_counts"][["district_id", "type", "count"]]
        return out
    raise ValueError(f"unknown analysis {analysis!r}; known: {ANALYSES}")


def _normal(t: pd.DataFrame) -> pd.DataFrame:
    """Rows sorted, integers as int64, text as Python str (row order and dtypes are not compared)."""
    out = pd.DataFrame(index=range(len(t)))
    for c in t.columns:
        col = t[c].reset_index(drop=True)
        if pd.api.types.is_bool_dtype(col) or pd.api.types.is_integer_dtype(col) or pd.api.types.is_float_dtype(col):
            out[c] = col.astype("int64")
        else:
            out[c] = pd.Series([None if pd.isna(x) else str(x) for x in col], dtype=object)
    return out.sort_values(list(out.columns), kind="stable").reset_index(drop=True) if len(out.columns) else out


def compare(ours: dict[str, pd.DataFrame], peer: dict[str, pd.DataFrame]) -> list[str]:
    """Differences between graphkit's canonical tables and the peer's (empty when equal)."""
    problems = []
    if sorted(ours) != sorted(peer):
        return [f"tables differ: {sorted(ours)} vs {sorted(peer)}"]
    for key, table in ours.items():
        a, b = _normal(table), _normal(peer[key][list(table.columns)])
        if not a.equals(b):
            merged = a.merge(b, how="outer", indicator=True)
            diff = merged[merged["_merge"] != "both"]
            problems.append(f"{key}: {len(a)} vs {len(b)} rows, {len(diff)} differ, e.g. "
                            f"{diff.head(3).to_dict('records')}")
    return problems


# ---- stage functions (run in a fresh process by benchmarks/run.py) --------------------------------------

def duckdb_all(timer: Any, graph_dir: str, as_of: str, analyses: list[str] | None = None) -> dict[str, Any]:
    """Time each analysis as DuckDB SQL over the Parquet folder (one section each)."""
    import duckdb

    out: dict[str, Any] = {"duckdb": duckdb.__version__}
    for name in analyses or ANALYSES:
        cpu = time.process_time()
        with timer(name):
            res = run_sql(graph_dir, name, as_of=as_of)
        out[f"{name}_cpu_s"] = round(time.process_time() - cpu, 3)  # every thread's CPU seconds
        out[f"{name}_rows"] = int(sum(len(t) for t in res.values()))
    return out


def duckdb_check(timer: Any, graph_dir: str, as_of: str, analyses: list[str] | None = None) -> dict[str, Any]:
    """Check the peer's results equal graphkit's on the same folder; raises AssertionError if not."""
    import graphkit as gk

    with timer("read_graph"):
        graph = gk.read_graph(graph_dir, provenance=False)
    checked = {}
    for name in analyses or ANALYSES:
        with timer(name):
            problems = compare(canonical_graphkit(graph, name, as_of=as_of), run_sql(graph_dir, name, as_of=as_of))
        if problems:
            raise AssertionError(f"DuckDB peer differs from graphkit in {name}: " + "; ".join(problems))
        checked[name] = "equal"
    return checked
