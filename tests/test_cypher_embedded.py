"""The embedded Cypher engine (LadybugDB): shape, bulk load, cache, hostile names, CLI."""
from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import graphkit as gk
from graphkit.testing import example_graph, make_graph
from graphkit.exports._graph_shape import GraphShape, graph_shape, ident
from graphkit.cli import cli
from graphkit.exports.cypher import CypherError, cache_key, open_embedded, run_cypher
from graphkit.core.errors import SchemaError
from graphkit.core.schema import Model, load_schema

HOSTILE = [
    "甲村'}) MATCH (n) DETACH DELETE n //",
    "乙村`) DETACH DELETE n RETURN `x",
    'x"}) CREATE (:Pwned) //',
    "丙村\\u0027; DROP TABLE Organization; --",
    "<script>alert('x')</script>党支部",
    "第一行\n第二行\r\n\t第三行",
    "生僻字𠀀𡃁 emoji 🚩 ;; //",
    "\\",
    "'",
]


def hostile_graph() -> gk.Graph:
    """Orgs, a group and a pairing whose names and free texts are injection attempts."""
    orgs = [{"id": f"org-{i}", "name": n, "category": "3" if i % 2 else "1", "host_unit": n, "members": i}
            for i, n in enumerate(HOSTILE)]
    orgs.append({"id": "org-'`})", "name": "id with quotes", "category": "2"})
    return make_graph({
        "Place": [{"id": "pl-1", "name": HOSTILE[0], "kind": "town"}],
        "Organization": [{**o, "town": "pl-1"} for o in orgs],
        "Collaboration": [{"id": "c-1", "name": HOSTILE[1], "kind": "district", "start": "2024-01-01"}],
        "IndustryChain": [{"id": "ch-1", "name": HOSTILE[2]}],
        "ChainStage": [{"id": "st-1", "name": HOSTILE[5], "chain": "ch-1", "order": 1}],
        "Membership": [{"id": "m-1", "member": "org-0", "organization": "c-1", "role": "lead", "stage": "st-1",
                        "start": "2024-01-01", "src_file": HOSTILE[3], "src_sheet": HOSTILE[4]},
                       {"id": "m-2", "member": "org-'`})", "organization": "c-1", "role": "member"}],
        "Pairing": [{"id": "p-1", "strong": "org-0", "weak": "org-1", "form": "other", "start": "2024-02-01"}],
    }, settings={"county": HOSTILE[6]})


@pytest.fixture(scope="module")
def ex_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return gk.write_graph(example_graph(), tmp_path_factory.mktemp("ex") / "out")


@pytest.fixture(scope="module")
def hostile_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return gk.write_graph(hostile_graph(), tmp_path_factory.mktemp("hostile") / "out")


# ---- shape --------------------------------------------------------------------------------------

def test_shape_is_derived_from_schema() -> None:
    model = load_schema()
    shape = graph_shape(model)
    assert [n.type for n in shape.nodes] == [t.name for t in model.node_types]
    assert [n.label for n in shape.nodes] == [t.neo4j_label for t in model.node_types]
    declared = sorted((rel, src, tgt) for rel, src, tgt, _ in model.relationship_types())
    assert sorted((r.rel, r.source_type, r.target_type) for r in shape.rels) == declared
    for rtype in model.edge_types:  # n-ary links keep every property that is not an end
        rs = [r for r in shape.rels if r.table == rtype.name][0]
        keys = {c.name for c in rs.columns}
        assert {"id", "src_file", "src_sheet", "src_row", "src_hash"} <= keys
        assert set(rtype.properties) - {rtype.edge.source, rtype.edge.target} <= keys
    assert "stage_name" in {c.name for c in shape.rel_shapes("MEMBER_OF")[0].columns}


@pytest.mark.parametrize("bad", ["x`) DETACH DELETE n //", "a b", "", "1abc", "é", "Label:Other", "x" * 65, None])
def test_ident_refuses_anything_but_plain_identifiers(bad: object) -> None:
    with pytest.raises(SchemaError):
        ident(bad)  # type: ignore[arg-type]


def test_hostile_schema_names_never_reach_query_text() -> None:
    model = load_schema()
    types = dict(model.types)
    types["Organization"] = dataclasses.replace(types["Organization"], neo4j_label="Org`) DETACH DELETE n //")
    bad = Model(types, model.codelists, version=model.version, base_iri=model.base_iri, vocab_iri=model.vocab_iri,
                source=model.source)
    with pytest.raises(SchemaError, match="not a plain identifier"):
        GraphShape(bad)
    props = dict(types["Place"].properties)
    props["name"] = dataclasses.replace(props["name"], name="name} DETACH DELETE n")
    types["Organization"] = model.types["Organization"]
    types["Place"] = dataclasses.replace(types["Place"], properties={"name} DETACH DELETE n": props["name"],
                                                                     **{k: v for k, v in props.items() if k != "name"}})
    bad2 = Model(types, model.codelists, version=model.version, base_iri=model.base_iri, vocab_iri=model.vocab_iri,
                 source=model.source)
    with pytest.raises(SchemaError):
        GraphShape(bad2)


# ---- loading and querying -------------------------------------------------------------------------

def test_counts_match_tables(ex_out: Path) -> None:
    g = gk.read_graph(ex_out)
    shape = graph_shape()
    with open_embedded(ex_out) as eg:
        for ns in shape.nodes:
            n = eg.query(f"MATCH (n:{ident(ns.label)}) RETURN count(n) AS n")["n"].iloc[0]
            assert n == g.count(ns.type), ns.label
        for rs in shape.rels:
            n = eg.query(f"MATCH (:{ident(rs.source_label)})-[r:{ident(rs.rel)}]->(:{ident(rs.target_label)}) "
                         f"RETURN count(r) AS n")["n"].iloc[0]
            t = g.tables[rs.table]
            assert n == int((t[rs.source_col].notna() & t[rs.target_col].notna()).sum()), rs.declared_by


def test_nary_facts_and_provenance_survive(ex_out: Path) -> None:
    df = run_cypher(ex_out, "MATCH (o:Organization)-[m:MEMBER_OF]->(c:Collaboration) WHERE m.stage IS NOT NULL "
                            "RETURN o.id AS org, c.id AS grp, m.role AS role, m.stage AS stage, m.stage_name AS sname, "
                            "m.src_sheet AS sheet, m.src_row AS row ORDER BY org")
    g = example_graph()
    mem = g.tables["Membership"]
    exp = mem[mem["stage"].notna()].sort_values("member")
    assert df["org"].tolist() == exp["member"].tolist()
    assert df["stage"].tolist() == exp["stage"].tolist()
    assert df["sname"].tolist() == exp["stage"].map(g.names("ChainStage")).tolist()
    assert df["role"].tolist() == exp["role"].tolist()
    assert df["row"].tolist() == exp["src_row"].tolist()
    p = run_cypher(ex_out, "MATCH (s:Organization)-[p:PAIRED_WITH]->(w:Organization) "
                           "RETURN p.id AS id, s.id AS strong, w.id AS weak, p.form AS form, p.start AS start, "
                           "p.`end` AS `end` ORDER BY id")
    exp = g.tables["Pairing"].sort_values("id")
    assert p["strong"].tolist() == exp["strong"].tolist() and p["weak"].tolist() == exp["weak"].tolist()
    assert p["form"].tolist() == exp["form"].tolist()
    assert p["start"].tolist() == exp["start"].tolist()
    assert p["end"].isna().tolist() == exp["end"].isna().tolist()
    assert str(p["start"].dtype) == "datetime64[s]"


def test_parameters_are_typed(ex_out: Path) -> None:
    import datetime as dt

    df = run_cypher(ex_out, "MATCH (a:Activity) WHERE a.date >= $d AND a.type = $t RETURN count(a) AS n",
                    {"d": dt.date(2024, 6, 1), "t": "theme_day"})
    acts = example_graph().tables["Activity"]
    assert df["n"].iloc[0] == int(((acts["date"] >= "2024-06-01") & (acts["type"] == "theme_day")).sum())


def test_hostile_values_round_trip_and_delete_nothing(hostile_out: Path) -> None:
    g = gk.read_graph(hostile_out)
    with open_embedded(hostile_out) as eg:
        names = eg.query("MATCH (o:Organization) RETURN o.id AS id, o.name AS name, o.host_unit AS hu ORDER BY id")
        exp = g.orgs.sort_values("id")
        assert names["name"].tolist() == exp["name"].tolist()
        assert names["hu"].tolist() == exp["host_unit"].tolist()
        for n in HOSTILE:
            hit = eg.query("MATCH (o:Organization) WHERE o.name = $n RETURN o.id AS id", {"n": n})
            assert len(hit) == 1
        m = eg.query("MATCH ()-[m:MEMBER_OF]->() WHERE m.id = 'm-1' RETURN m.src_file AS f, m.src_sheet AS s, "
                     "m.stage_name AS st")
        assert m.iloc[0].tolist() == [HOSTILE[3], HOSTILE[4], HOSTILE[5]]
        assert eg.query("MATCH (n) RETURN count(n) AS n")["n"].iloc[0] == sum(
            g.count(t.name) for t in g.model.node_types)


def test_database_is_read_only_and_cached(ex_out: Path) -> None:
    with open_embedded(ex_out) as eg:
        path = eg.path
        with pytest.raises(CypherError):
            eg.query("CREATE (:Place {id: 'x', name: 'x', kind: 'town'})")
        with pytest.raises(CypherError, match="query failed"):
            eg.query("MATCH (n:NoSuchLabel) RETURN n")
    mtime = path.stat().st_mtime_ns
    with open_embedded(ex_out) as eg2:
        assert eg2.path == path
    assert path.stat().st_mtime_ns == mtime
    assert path.parent.name == f"cypher-{cache_key(ex_out)}"
    assert json.loads((path.parent / "key.json").read_text())["key"] == cache_key(ex_out)


def test_cache_follows_a_rebuilt_graph(tmp_path: Path) -> None:
    out = gk.write_graph(example_graph(), tmp_path / "out")
    before = run_cypher(out, "MATCH (o:Organization) RETURN count(o) AS n")["n"].iloc[0]
    key1 = cache_key(out)
    g = example_graph()
    g.tables["Organization"] = g.tables["Organization"].iloc[:3].copy()
    g.tables["Membership"] = g.tables["Membership"].iloc[0:0].copy()
    g.tables["Pairing"] = g.tables["Pairing"].iloc[0:0].copy()
    g.tables["Activity"] = g.tables["Activity"].iloc[0:0].copy()
    g.tables["Rating"] = g.tables["Rating"].iloc[0:0].copy()
    g.tables["Unit"] = g.tables["Unit"].iloc[0:0].copy()
    gk.write_graph(g, out)
    assert cache_key(out) != key1
    assert run_cypher(out, "MATCH (o:Organization) RETURN count(o) AS n")["n"].iloc[0] == 3 != before
    assert len(list((out / ".cache").glob("cypher-*"))) == 1


def test_read_only_output_folder_uses_temp_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = gk.write_graph(example_graph(), tmp_path / "out")
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)
    os.chmod(out, 0o555)
    try:
        if os.access(out, os.W_OK):  # running as root: permissions do not bind, use cache_dir instead
            df = run_cypher(out, "MATCH (o:Organization) RETURN count(o) AS n", cache_dir=tmp_path / "c")
            assert list((tmp_path / "c").glob("cypher-*"))
        else:
            df = run_cypher(out, "MATCH (o:Organization) RETURN count(o) AS n")
            assert list((tmp_path / "tmp" / "graphkit-cypher").glob("cypher-*"))
    finally:
        os.chmod(out, 0o755)
    assert df["n"].iloc[0] == example_graph().count("Organization")


def test_in_memory_graph_and_dangling_links_are_skipped() -> None:
    g = make_graph({"Organization": [{"id": "o1", "name": "甲"}, {"id": "o2", "name": "乙", "parent": "missing"}],
                    "Pairing": [{"id": "p1", "strong": "o1", "weak": "ghost", "form": "other", "start": "2024-01-01"}]})
    said: list[str] = []
    with open_embedded(g, progress=said.append) as eg:
        tmp = eg.path.parent
        assert eg.query("MATCH (o:Organization) RETURN count(o) AS n")["n"].iloc[0] == 2
        assert eg.query("MATCH ()-[r:PAIRED_WITH]->() RETURN count(r) AS n")["n"].iloc[0] == 0
    assert not tmp.exists()
    assert any("PAIRED_WITH" in s for s in said) and any("SUB_ORGANIZATION_OF" in s for s in said)


def test_links_to_an_empty_label_are_skipped_from_a_folder(tmp_path: Path) -> None:
    """No Place at all: every town ref dangles; the folder build streams the rest and skips those."""
    g = make_graph({"Organization": [{"id": f"o{i}", "name": f"支部{i}", "town": "nowhere" if i % 2 else None,
                                      "parent": "o0" if i else None} for i in range(5)]})
    out = gk.write_graph(g, tmp_path / "out")
    said: list[str] = []
    with open_embedded(out, progress=said.append) as eg:
        assert eg.query("MATCH ()-[r:LOCATED_IN]->() RETURN count(r) AS n")["n"].iloc[0] == 0
        assert eg.query("MATCH ()-[r:SUB_ORGANIZATION_OF]->() RETURN count(r) AS n")["n"].iloc[0] == 4
    assert said[1:] == ["跳过 2 条端点缺失的关系 / skipped 2 LOCATED_IN link(s) with a missing end (Organization.town)"]


def test_not_an_output_folder(tmp_path: Path) -> None:
    with pytest.raises(gk.OutputError, match="manifest"):
        run_cypher(tmp_path, "RETURN 1 AS x")


# ---- CLI ------------------------------------------------------------------------------------------

def test_cli_query_formats(ex_out: Path, tmp_path: Path) -> None:
    r = CliRunner().invoke(cli, ["query", str(ex_out), "MATCH (o:Organization) WHERE o.category = $c "
                                 "RETURN o.id AS id ORDER BY id", "-p", "c=3", "--format", "csv"])
    assert r.exit_code == 0, r.output
    g = example_graph()
    assert r.stdout.splitlines()[1:] == sorted(g.orgs.loc[g.orgs["category"] == "3", "id"])
    out_file = tmp_path / "r.json"
    r = CliRunner().invoke(cli, ["query", str(ex_out), "MATCH (a:Activity) WHERE a.date >= $d RETURN count(a) AS n",
                                 "-p", "d:date=2024-06-01", "--format", "json", "-o", str(out_file)])
    assert r.exit_code == 0, r.output
    n = json.loads(out_file.read_text(encoding="utf-8"))[0]["n"]
    assert n == int((g.tables["Activity"]["date"] >= "2024-06-01").sum())
    r = CliRunner().invoke(cli, ["query", str(ex_out), "MATCH (o:Organization) RETURN o.name AS n LIMIT 1"])
    assert r.exit_code == 0 and "n" in r.stdout


def test_cli_query_errors(ex_out: Path, tmp_path: Path) -> None:
    r = CliRunner().invoke(cli, ["query", str(ex_out), "MATCH (n:Nope) RETURN n"])
    assert r.exit_code == 1 and "query failed" in r.output and "Traceback" not in r.output
    r = CliRunner().invoke(cli, ["query", str(tmp_path), "RETURN 1"])
    assert r.exit_code == 1 and "manifest" in r.output
    r = CliRunner().invoke(cli, ["query", str(ex_out), "RETURN $x AS x", "-p", "x:date=yesterday"])
    assert r.exit_code == 1 and "YYYY-MM-DD" in r.output
    r = CliRunner().invoke(cli, ["query", str(ex_out)])
    assert r.exit_code == 1 and "--name" in r.output


def test_python_module_entry_point(ex_out: Path) -> None:
    import subprocess
    import sys

    res = subprocess.run([sys.executable, "-m", "graphkit.cli", "query", str(ex_out),
                          "MATCH (c:Collaboration) RETURN c.name AS name ORDER BY name", "--format", "csv"],
                         capture_output=True, text=True, encoding="utf-8", timeout=300)
    assert res.returncode == 0, res.stderr
    assert res.stdout.splitlines()[1:] == sorted(example_graph().tables["Collaboration"]["name"])


def test_frame_types(ex_out: Path) -> None:
    df = run_cypher(ex_out, "MATCH (o:Organization) RETURN o.id AS id, o.members AS m, o.weak_lax AS w, "
                            "o.category_year AS y ORDER BY id")
    assert str(df["w"].dtype) == "boolean" and str(df["y"].dtype) == "Int64"
    assert isinstance(df, pd.DataFrame) and df["id"].tolist() == sorted(example_graph().orgs["id"])


def test_docs_show_the_current_shape() -> None:
    doc = (Path(__file__).resolve().parent.parent / "docs" / "neo4j.md").read_text(encoding="utf-8")
    assert graph_shape().listing() in doc, "docs/neo4j.md: regenerate the shape listing"
