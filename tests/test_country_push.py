"""``graphkit neo4j push --county`` on a country graph (issue 20): the county named unambiguously."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from graphkit.core.errors import GraphkitError
from graphkit.store import country as gc
from tests.test_country import COPY, country_with_copy
from tests.test_province import NEO4J_URI, _county_digest



@pytest.fixture(scope="module")
def country(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    ledgers, out, _ = country_with_copy(tmp_path_factory.mktemp("country_push"))
    return ledgers, out


def _counties(ledgers: Path, prov: str) -> list[str]:
    return sorted(p.name for p in (ledgers / prov).iterdir() if p.is_dir() and p.name.endswith(("县", "区", "市", "旗")))


def test_a_county_is_named_by_province_and_county(country: tuple[Path, Path]) -> None:
    ledgers, out = country
    first = sorted(p.name for p in ledgers.iterdir() if p.is_dir() and p.name != COPY)[0]
    county = _counties(ledgers, first)[0]
    ref = gc.find_county(out, f"{COPY}/{county}")
    assert ref.prefix == f"{COPY}/{county}/" and ref.name == f"{COPY}/{county}"
    assert gc.find_county(out, f"{first}/{county}").prefix == f"{first}/{county}/"
    # the same county name in two provinces: an error listing both, in Chinese and English
    with pytest.raises(GraphkitError) as exc:
        gc.find_county(out, county)
    msg = str(exc.value)
    assert f"{first}/{county}" in msg and f"{COPY}/{county}" in msg and "多个省" in msg and "several provinces" in msg
    # a name only one province has is enough alone
    other = sorted(p.name for p in ledgers.iterdir() if p.is_dir() and p.name not in (first, COPY))[0]
    only = [c for c in _counties(ledgers, other) if c not in _counties(ledgers, first)]
    if only:
        assert gc.find_county(out, only[0]).prefix == f"{other}/{only[0]}/"
    # unknown: an error with the closest names
    with pytest.raises(GraphkitError) as exc:
        gc.find_county(out, county[:-1] + "乡")
    assert "没有县" in str(exc.value) and "no county" in str(exc.value) and county in str(exc.value)
    with pytest.raises(GraphkitError, match="needs a province or country graph"):
        gc.find_county(ledgers, county)


def test_the_scope_holds_only_that_countys_rows(country: tuple[Path, Path]) -> None:
    from graphkit.exports._neo4j_county import CountyScope
    from graphkit.store.io import arrow_tables

    ledgers, out = country
    county = _counties(ledgers, COPY)[0]
    tables = arrow_tables(out)
    scope = CountyScope.of(out, f"{COPY}/{county}", tables)
    orgs = scope.tables["Organization"]
    src = pc.cast(orgs.column("src_file"), pa.string())
    assert orgs.num_rows > 0 and pc.all(pc.starts_with(src, f"{COPY}/{county}/")).as_py()
    allsrc = pc.cast(tables["Organization"].column("src_file"), pa.string())
    assert orgs.num_rows == pc.sum(pc.starts_with(allsrc, f"{COPY}/{county}/")).as_py()


@pytest.mark.neo4j
@pytest.mark.skipif(not NEO4J_URI, reason="NEO4J_URI not set: Neo4j server tests skipped")
def test_one_county_push_with_prune_on_a_country_changes_no_other_county(country: tuple[Path, Path],
                                                                         tmp_path: Path) -> None:
    from graphkit.exports.neo4j import connect, push

    src_ledgers, src_out = country
    ledgers, out = tmp_path / "ledgers", tmp_path / "out"
    shutil.copytree(src_ledgers, ledgers)
    shutil.copytree(src_out, out)
    user, password = os.environ.get("NEO4J_USER", "neo4j"), os.environ.get("NEO4J_PASSWORD", "")
    db = os.environ.get("NEO4J_DATABASE") or None
    county = _counties(ledgers, COPY)[0]
    first = sorted(p.name for p in ledgers.iterdir() if p.is_dir() and p.name != COPY)[0]
    gc.build_country(ledgers, out)  # the copies' times: a rebuild that reads nothing
    drv = connect(NEO4J_URI, user, password)
    try:
        with drv.session(database=db) as s:
            s.run("MATCH (n) DETACH DELETE n").consume()
        push(out, uri=NEO4J_URI, user=user, password=password, database=db, driver=drv)
        others = [f"{p.name}/{c}/" for p in sorted(ledgers.iterdir()) if p.is_dir() for c in _counties(ledgers, p.name)
                  if (p.name, c) != (COPY, county)]
        assert f"{first}/{county}/" in others  # the same county name in another province: must stay as it was
        before = {p: _county_digest(drv, p) for p in others}
        mine = _county_digest(drv, f"{COPY}/{county}/")
        assert all(n > 0 for n, _ in before.values()) and mine[0] > 0
        # the county resubmits: its last pairing ended (a relationship and its record gone)
        pf = ledgers / COPY / county / "结对共建台账.csv"
        lines = pf.read_text(encoding="utf-8").splitlines()
        pf.write_text("\n".join(lines[:-1]) + "\n", encoding="utf-8")
        res = gc.build_country(ledgers, out)
        assert res.rebuilt == [COPY] and res.provinces[COPY].rebuilt == [county]
        with pytest.raises(GraphkitError, match="several provinces"):
            push(out, uri=NEO4J_URI, user=user, password=password, database=db, driver=drv, county=county, prune=True)
        report = push(out, uri=NEO4J_URI, user=user, password=password, database=db, driver=drv,
                      county=f"{COPY}/{county}", prune=True)
        assert report["ok"].all()
        assert {p: _county_digest(drv, p) for p in others} == before  # no other county's nodes or relationships changed
        after = _county_digest(drv, f"{COPY}/{county}/")
        assert after != mine and after[0] < mine[0]
        tables = gc.find_county(out, f"{COPY}/{county}")
        with drv.session(database=db) as s:
            pairs = s.run("MATCH ()-[r:PAIRED_WITH]->() WHERE r.src_file STARTS WITH $p RETURN count(r) AS n",
                          p=tables.prefix).single()["n"]
        from graphkit.store.io import arrow_tables
        pr = pc.cast(arrow_tables(out)["Pairing"].column("src_file"), pa.string())
        assert pairs == pc.sum(pc.starts_with(pr, tables.prefix)).as_py() > 0
        # without --prune the push only adds or updates: the whole country still matches the graph
        report = push(out, uri=NEO4J_URI, user=user, password=password, database=db, driver=drv,
                      county=f"{COPY}/{county}")
        assert report["ok"].all() and {p: _county_digest(drv, p) for p in others} == before
    finally:
        drv.close()
