"""Pushing to a real Neo4j 5 server: idempotence, interrupted pushes, hostile names, pruning.

These tests need a server: set NEO4J_URI (e.g. bolt://localhost:7687), NEO4J_USER,
NEO4J_PASSWORD and optionally NEO4J_DATABASE. **They delete everything in that database.**
Without NEO4J_URI they are collected and skipped with the reason shown. No server is mocked.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import graphkit as gk
from graphkit.testing import example_graph, make_graph
from graphkit.exports._graph_shape import graph_shape, ident
from graphkit.cli import cli

from test_cypher_embedded import HOSTILE, hostile_graph

pytestmark = [pytest.mark.neo4j,
              pytest.mark.skipif(not os.environ.get("NEO4J_URI"), reason="NEO4J_URI not set: Neo4j server tests skipped")]

URI = os.environ.get("NEO4J_URI", "")
USER = os.environ.get("NEO4J_USER", "neo4j")
PASSWORD = os.environ.get("NEO4J_PASSWORD", "")
DATABASE = os.environ.get("NEO4J_DATABASE") or None


@pytest.fixture(scope="module")
def driver() -> Any:
    from graphkit.exports.neo4j import connect

    drv = connect(URI, USER, PASSWORD)
    yield drv
    drv.close()


def _wipe(driver: Any) -> None:
    with driver.session(database=DATABASE) as s:
        s.run("MATCH (n) DETACH DELETE n").consume()


def _checksum(driver: Any, database: str | None = DATABASE) -> str:
    """A digest of every node and relationship with all its properties, in a stable order."""
    shape = graph_shape()
    h = hashlib.sha256()
    with driver.session(database=database) as s:
        for ns in shape.nodes:
            res = s.run(f"MATCH (n:{ident(ns.label)}) RETURN n.id AS id, properties(n) AS p ORDER BY id")
            for rec in res:
                h.update(repr((ns.label, rec["id"], sorted((k, str(v)) for k, v in rec["p"].items()))).encode())
        for rs in shape.rels:
            res = s.run(f"MATCH (a:{ident(rs.source_label)})-[r:{ident(rs.rel)}]->(b:{ident(rs.target_label)}) "
                        "RETURN a.id AS a, b.id AS b, properties(r) AS p ORDER BY a, b, p.id")
            for rec in res:
                h.update(repr((rs.rel, rec["a"], rec["b"], sorted((k, str(v)) for k, v in rec["p"].items()))).encode())
        total = s.run("MATCH (n) RETURN count(n) AS n").single()["n"]
        h.update(str(total).encode())
    return h.hexdigest()


def _push(out: Any, driver: Any, **kw: Any) -> Any:
    from graphkit.exports.neo4j import push

    return push(out, uri=URI, user=USER, password=PASSWORD, database=DATABASE, driver=driver, **kw)


def test_push_counts_and_idempotence(driver: Any, sample_out: Path) -> None:
    _wipe(driver)
    report = _push(sample_out, driver, batch_size=97)
    assert report["ok"].all()
    g = gk.read_graph(sample_out)
    assert int(report.loc[report["name"] == "Organization", "found"].iloc[0]) == g.count("Organization")
    first = _checksum(driver)
    _push(sample_out, driver, batch_size=10_000)
    assert _checksum(driver) == first


def test_interrupted_push_converges(driver: Any, sample_out: Path) -> None:
    _wipe(driver)
    _push(sample_out, driver)
    clean = _checksum(driver)
    _wipe(driver)
    calls = {"n": 0}

    def die(msg: str) -> None:
        calls["n"] += 1
        if calls["n"] == 12:
            raise KeyboardInterrupt("simulated kill midway")

    with pytest.raises(KeyboardInterrupt):
        _push(sample_out, driver, batch_size=50, progress=die)
    assert _checksum(driver) != clean
    _push(sample_out, driver, batch_size=50)
    assert _checksum(driver) == clean


def test_changed_data_converges_with_prune(driver: Any, tmp_path: Path) -> None:
    g = example_graph()
    _wipe(driver)
    _push(g, driver)
    g2 = example_graph()
    g2.tables["Organization"].loc[g2.orgs["id"] == "v1", "town"] = "t2"  # a moved ref
    g2.tables["Organization"].loc[g2.orgs["id"] == "v2", "town"] = None  # a removed ref
    g2.tables["Pairing"] = g2.tables["Pairing"][g2.tables["Pairing"]["id"] != "p1"].reset_index(drop=True)
    _push(g2, driver, prune=True)
    fresh = _checksum(driver)
    _wipe(driver)
    _push(g2, driver)
    assert _checksum(driver) == fresh


def test_hostile_names_stay_data(driver: Any) -> None:
    g = hostile_graph()
    _wipe(driver)
    _push(g, driver)
    with driver.session(database=DATABASE) as s:
        names = sorted(r["n"] for r in s.run("MATCH (o:Organization) RETURN o.name AS n"))
        labels = sorted(r["l"] for r in s.run("CALL db.labels() YIELD label RETURN label AS l"))
        rels = sorted(r["t"] for r in s.run("CALL db.relationshipTypes() YIELD relationshipType RETURN relationshipType AS t"))
    assert names == sorted(g.orgs["name"])
    shape = graph_shape()
    assert set(labels) <= {n.label for n in shape.nodes} and set(rels) <= set(shape.rel_types())
    assert "Pwned" not in labels and HOSTILE[0] in names


def test_cypher_script_loads_the_same_graph(driver: Any, tmp_path: Path) -> None:
    """The export-cypher script, run statement by statement, gives the graph the push gives."""
    from graphkit.exports.neo4j import export_cypher

    g = hostile_graph()
    _wipe(driver)
    _push(g, driver)
    pushed = _checksum(driver)
    _wipe(driver)
    script = export_cypher(g, tmp_path / "g.cypher", batch_size=2).read_text(encoding="utf-8")
    params: dict[str, Any] = {}
    with driver.session(database=DATABASE) as s:
        for line in script.splitlines():
            if line.startswith(":param "):  # what cypher-shell does with it: evaluate, keep as $name
                name, _, lit = line[len(":param "):].partition(" => ")
                params[name] = s.run("RETURN " + lit + " AS v").single()["v"]
            elif line and not line.startswith("//"):
                s.run(line.rstrip(";"), **params).consume()
    assert _checksum(driver) == pushed


def test_cli_push_and_password_rules(driver: Any, tmp_path: Path) -> None:
    out = gk.write_graph(example_graph(), tmp_path / "out")
    _wipe(driver)
    r = CliRunner().invoke(cli, ["neo4j", "push", str(out), "--uri", URI, "--user", USER, "--batch-size", "3"]
                           + (["--database", DATABASE] if DATABASE else []), env={"NEO4J_PASSWORD": PASSWORD})
    assert r.exit_code == 0, r.output
    assert PASSWORD not in r.output or not PASSWORD
    r = CliRunner().invoke(cli, ["neo4j", "push", str(out), "--uri", URI, "--user", USER],
                           env={"NEO4J_PASSWORD": ""})
    assert r.exit_code == 1 and "NEO4J_PASSWORD" in r.output
    r = CliRunner().invoke(cli, ["neo4j", "push", str(out), "--uri", URI, "--user", USER, "--password", "wrong-pw-x"])
    assert r.exit_code == 1 and "wrong-pw-x" not in r.output


def test_count_check_detects_missing_records(driver: Any) -> None:
    from graphkit.exports._neo4j_push import Neo4jError, _count_check
    from graphkit.exports._graph_shape import arrow_tables

    g = make_graph({"Organization": [{"id": "o1", "name": "甲"}, {"id": "o2", "name": "乙"}]})
    _wipe(driver)
    _push(g, driver)
    with driver.session(database=DATABASE) as s:
        s.run("MATCH (o:Organization {id: 'o2'}) DETACH DELETE o").consume()
    report = _count_check(driver, DATABASE, graph_shape(), arrow_tables(g), 1000)
    assert not report.loc[report["name"] == "Organization", "ok"].iloc[0]
    assert issubclass(Neo4jError, gk.GraphkitError)
