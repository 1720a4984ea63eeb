"""Neo4j exports without a server: statements, literals, the cypher-shell script, neo4j-admin files."""
from __future__ import annotations

import csv
import datetime as dt
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import graphkit as gk
from graphkit.testing import example_graph, make_graph
from graphkit.exports._graph_shape import graph_shape
from graphkit.cli import cli
from graphkit.exports.neo4j import (cypher_literal, export_cypher, export_import, node_statement, precheck, rel_statement,
                            schema_statements)
from graphkit.core.schema import load_schema

from test_cypher_embedded import HOSTILE, hostile_graph


# ---- an independent reader of Cypher literals (not the writer turned around) -------------------

class _Reader:
    """Parses the literal subset export_cypher writes: lists, maps, strings, ints, floats, booleans,
    null and date('…'), following the Cypher manual's escape rules."""

    ESC = {"\\": "\\", "'": "'", '"': '"', "n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f"}

    def __init__(self, text: str, pos: int = 0) -> None:
        self.s, self.i = text, pos

    def ws(self) -> None:
        while self.i < len(self.s) and self.s[self.i] in " \t":
            self.i += 1

    def value(self) -> Any:
        self.ws()
        c = self.s[self.i]
        if c == "[":
            self.i += 1
            out = []
            self.ws()
            if self.s[self.i] == "]":
                self.i += 1
                return out
            while True:
                out.append(self.value())
                self.ws()
                c = self.s[self.i]
                self.i += 1
                if c == "]":
                    return out
                assert c == ",", self.s[self.i - 5:self.i + 5]
        if c == "{":
            self.i += 1
            out: dict[str, Any] = {}
            while True:
                self.ws()
                m = re.compile(r"`([A-Za-z][A-Za-z0-9_]*)`\s*:").match(self.s, self.i)
                assert m, self.s[self.i:self.i + 30]
                self.i = m.end()
                out[m.group(1)] = self.value()
                self.ws()
                c = self.s[self.i]
                self.i += 1
                if c == "}":
                    return out
                assert c == ","
        if c == "'":
            return self.string()
        for word, val in (("null", None), ("true", True), ("false", False)):
            if self.s.startswith(word, self.i):
                self.i += len(word)
                return val
        if self.s.startswith("date(", self.i):
            self.i += 5
            d = self.string()
            assert self.s[self.i] == ")"
            self.i += 1
            return dt.date.fromisoformat(d)
        m = re.compile(r"-?\d+(\.\d+)?").match(self.s, self.i)
        assert m, self.s[self.i:self.i + 30]
        self.i = m.end()
        return float(m.group()) if m.group(1) else int(m.group())

    def string(self) -> str:
        assert self.s[self.i] == "'"
        self.i += 1
        out = []
        while True:
            c = self.s[self.i]
            if c == "'":
                self.i += 1
                return "".join(out)
            if c == "\\":
                e = self.s[self.i + 1]
                if e == "u":
                    out.append(chr(int(self.s[self.i + 2:self.i + 6], 16)))
                    self.i += 6
                    continue
                out.append(self.ESC[e])
                self.i += 2
                continue
            assert c not in "\n\r", "raw line break inside a string literal"
            out.append(c)
            self.i += 1


def _read_literal(text: str) -> Any:
    r = _Reader(text)
    v = r.value()
    assert r.i == len(text), text[r.i:]
    return v


# ---- statements -----------------------------------------------------------------------------------

def test_schema_statements_are_derived_and_idempotent() -> None:
    model = load_schema()
    stmts = schema_statements(model)
    constraints = [s for s in stmts if s.startswith("CREATE CONSTRAINT")]
    assert len(constraints) == len(model.node_types)
    for t in model.node_types:
        assert any(f"(n:`{t.neo4j_label}`) REQUIRE n.`id` IS UNIQUE" in s for s in constraints)
    assert all(" IF NOT EXISTS " in s for s in stmts)
    rel_idx = [s for s in stmts if "()-[r:" in s]
    assert sorted(re.search(r"\[r:`(\w+)`\]", s).group(1) for s in rel_idx) == sorted(t.edge.rel for t in model.edge_types)


def test_statements_use_only_schema_names_and_parameters() -> None:
    shape = graph_shape()
    labels = {n.label for n in shape.nodes}
    rels = set(shape.rel_types())
    keys = {c.name for n in shape.nodes for c in n.columns} | {c.name for r in shape.rels for c in r.columns}
    for stmt in [node_statement(n) for n in shape.nodes] + [rel_statement(r) for r in shape.rels]:
        assert stmt.startswith("UNWIND $rows AS row ")
        assert "'" not in stmt and '"' not in stmt  # no literal values at all
        for name in re.findall(r":`(\w+)`", stmt):
            assert name in labels | rels
        for name in re.findall(r"\.`(\w+)`", stmt):
            assert name in keys


@pytest.mark.parametrize("value", HOSTILE + ["", "a\x00b\x1fc\x7f", "\u2028\u2029", "ǅ", "\\u0027", "\\'", "`"])
def test_literal_round_trips(value: str) -> None:
    lit = cypher_literal(value)
    assert _read_literal(lit) == value
    assert "\n" not in lit and "\r" not in lit and ";" not in lit


@pytest.mark.parametrize("value", HOSTILE + ["\\u0027", "a\x01b"])
def test_literal_means_the_same_to_a_cypher_engine(value: str) -> None:
    import ladybug as lb

    db = lb.Database()
    conn = lb.Connection(db)
    try:
        got = conn.execute(f"RETURN {cypher_literal(value)} AS x").get_as_arrow().column("x").to_pylist()
    finally:
        conn.close()
        db.close()
    assert got == [value]


def test_literal_types() -> None:
    assert _read_literal(cypher_literal([{"a": 1, "b": None, "c": True, "d": dt.date(2024, 2, 29), "e": 1.5}])) == \
        [{"a": 1, "b": None, "c": True, "d": dt.date(2024, 2, 29), "e": 1.5}]
    with pytest.raises(ValueError):
        cypher_literal(float("nan"))
    with pytest.raises(ValueError):
        cypher_literal(object())
    with pytest.raises(gk.SchemaError):
        cypher_literal({"bad key}) DELETE n": 1})


# ---- the cypher-shell script ----------------------------------------------------------------------

#: Values that would break a naive encoding of the script's columns (its separator and escape characters).
SEPARATOR_HOSTILE = ["a\x1fb", "\x1e", "\x1en", "\x1e0\x1e1", "\x1f", "x\x1f\x1e1y", "\x1e\x1f\x1f"]


def _decode_value(text: str, kind: str) -> Any:
    """The documented encoding of one script value, read back independently of the writer."""
    if text == "\x1en":
        return None
    if kind == "integer":
        return int(text)
    if kind == "boolean":
        assert text in ("true", "false"), text
        return text == "true"
    if kind == "date":
        return dt.date.fromisoformat(text)
    out, i = [], 0
    while i < len(text):
        if text[i] == "\x1e":
            out.append({"0": "\x1e", "1": "\x1f"}[text[i + 1]])
            i += 2
        else:
            assert text[i] != "\x1f"
            out.append(text[i])
            i += 1
    return "".join(out)


def _script_batches(text: str) -> list[tuple[str, list[list[Any]]]]:
    """Every data statement of a script: the body after its ``WITH [...] AS row`` and its rows decoded."""
    shape = graph_shape()
    orders = {node_statement(n, lists=True): [c.name for c in n.columns] for n in shape.nodes}
    orders |= {rel_statement(r, lists=True): ["start_id", "end_id", *(c.name for c in r.columns)] for r in shape.rels}
    kinds = {c.name: c.kind for n in shape.nodes for c in n.columns} | {"start_id": "string", "end_id": "string"}
    kinds |= {c.name: c.kind for r in shape.rels for c in r.columns}
    bodies = {stmt[len("UNWIND $rows AS row "):]: order for stmt, order in orders.items()}
    out = []
    params: dict[str, str] = {}
    for ln in text.splitlines():
        if not ln or ln.startswith("//"):
            continue
        m = re.match(r":param (c\d+) => ", ln)
        if m:  # a cypher-shell command: one column of the next statement's batch, one string literal
            r = _Reader(ln, m.end())
            params[m.group(1)] = r.string()
            assert r.i == len(ln), ln[r.i:r.i + 80]  # nothing after the literal
            continue
        assert ln.endswith(";") and ln.count(";") == 1, ln[:80]  # one statement per line, no stray ';'
        if not ln.startswith("WITH split("):
            assert ln.startswith(("CREATE CONSTRAINT", "CREATE INDEX", "CALL db.awaitIndexes")), ln[:80]
            continue
        assert "'" not in ln.replace("'\\u001F'", "").replace("'\\u001E1'", "").replace("'\\u001E0'", "") \
            .replace("'\\u001E'", "").replace("'\\u001En'", "").replace("'true'", "")  # no value in the text
        k = 0
        while f"split($c{k}, '\\u001F') AS c{k}" in ln:
            k += 1
        head = " UNWIND range(0, size(c0) - 1) AS i WITH ["
        assert head in ln, ln[:200]
        exprs, body = ln[ln.index(head) + len(head):-1].split("] AS row ", 1)
        assert body in bodies, body[:120]  # the very body push's statement has, reading row[K]
        order = bodies[body]
        assert k == len(order) and set(params) >= {f"c{j}" for j in range(k)}
        for j, name in enumerate(order):  # each value read back by the function of its kind
            fn = {"integer": "toInteger(", "date": "date(", "boolean": " = 'true'", "string": "replace("}[kinds[name]]
            assert f"CASE c{j}[i] WHEN '\\u001En' THEN null ELSE " in exprs and fn in exprs
        values = [params.pop(f"c{j}").split("\x1f") for j in range(k)]
        assert not params  # every :param line belongs to the statement after it
        assert len({len(v) for v in values}) == 1
        rows = [[_decode_value(v, kinds[name]) for v, name in zip(vals, order)] for vals in zip(*values)]
        out.append((body, [dict(zip(order, row)) for row in rows]))
    assert not params
    return out


def test_script_rows_equal_the_graph(tmp_path: Path) -> None:
    base = hostile_graph()
    extra = [{"id": f"sep-{i}", "name": n, "host_unit": n, "category": "2", "members": i, "town": "pl-1"}
             for i, n in enumerate(SEPARATOR_HOSTILE)]
    g = make_graph({**{t: base.tables[t].to_dict("records") for t in ("Place", "Collaboration", "IndustryChain",
                                                                         "ChainStage", "Membership", "Pairing")},
                    "Organization": base.orgs.to_dict("records") + extra}, settings=base.settings)
    path = export_cypher(g, tmp_path / "g.cypher", batch_size=3)
    shape = graph_shape()
    key_of = {node_statement(n, lists=True)[len("UNWIND $rows AS row "):]: n.label for n in shape.nodes}
    key_of |= {rel_statement(r, lists=True)[len("UNWIND $rows AS row "):]: r.file_stem for r in shape.rels}
    rows: dict[str, list[dict[str, Any]]] = {}
    for body, batch in _script_batches(path.read_text(encoding="utf-8")):
        assert 1 <= len(batch) <= 3
        rows.setdefault(key_of[body], []).extend(batch)
    orgs = {r["id"]: r for r in rows["Organization"]}
    assert {k: v["name"] for k, v in orgs.items()} == dict(zip(g.orgs["id"], g.orgs["name"]))
    assert {k: v["host_unit"] for k, v in orgs.items()} == {
        i: (None if pd.isna(h) else h) for i, h in zip(g.orgs["id"], g.orgs["host_unit"])}
    assert {k: v["members"] for k, v in orgs.items()} == {
        i: (None if pd.isna(m) else int(m)) for i, m in zip(g.orgs["id"], g.orgs["members"])}
    assert {orgs[f"sep-{i}"]["name"] for i in range(len(SEPARATOR_HOSTILE))} == set(SEPARATOR_HOSTILE)
    mem = {r["id"]: r for r in rows["MEMBER_OF__Organization__Collaboration"]}
    assert mem["m-1"]["start_id"] == "org-0" and mem["m-1"]["stage_name"] == HOSTILE[5]
    assert mem["m-1"]["src_file"] == HOSTILE[3] and mem["m-1"]["start"] == dt.date(2024, 1, 1)
    assert mem["m-2"]["stage_name"] is None and mem["m-2"]["start"] is None
    loc = rows["LOCATED_IN__Organization__Place"]
    assert len(loc) == g.count("Organization") and {r["end_id"] for r in loc} == {"pl-1"}
    assert "LOCATED_IN__Unit__Place" not in rows  # empty tables write no statement


def test_script_values_never_reach_the_query_text_raw(tmp_path: Path) -> None:
    """Values travel only as one escaped string literal per ``:param`` line; statements hold none."""
    g = hostile_graph()
    text = export_cypher(g, tmp_path / "g.cypher", batch_size=4).read_text(encoding="utf-8")
    stmts = [ln for ln in text.splitlines() if ln.startswith("WITH split(")]
    assert stmts and len(set(stmts)) < len(stmts)  # the same text for every batch of a statement
    for ln in stmts:
        for name in HOSTILE:
            assert len(name) < 3 or name not in ln
        assert not re.search(r"DETACH|Pwned|DROP", ln)
    for ln in text.splitlines():
        if ln.startswith(":param"):
            r = _Reader(ln, ln.index(" => ") + 4)
            r.string()
            assert r.i == len(ln)


def test_script_batch_size_must_be_positive(tmp_path: Path) -> None:
    with pytest.raises(gk.OutputError):
        export_cypher(example_graph(), tmp_path / "g.cypher", batch_size=0)
    assert not (tmp_path / "g.cypher").exists()


def test_script_cli(tmp_path: Path) -> None:
    out = gk.write_graph(example_graph(), tmp_path / "out")
    r = CliRunner().invoke(cli, ["neo4j", "export-cypher", str(out), "-o", str(tmp_path / "s.cypher")])
    assert r.exit_code == 0, r.output
    assert (tmp_path / "s.cypher").read_text(encoding="utf-8").count("MERGE (n:`Organization`") == 1


# ---- neo4j-admin import files ---------------------------------------------------------------------

def _read_csv(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    return rows[0], rows[1:]


def test_import_files(tmp_path: Path) -> None:
    g = hostile_graph()
    d = export_import(g, tmp_path / "imp")
    header, rows = _read_csv(d / "nodes" / "Organization.csv")
    assert header[0] == "id:ID(Organization)" and header[-1] == ":LABEL"
    assert "members:long" in header and "weak_lax:boolean" in header and "category_year:long" in header
    i_name = header.index("name")
    assert sorted(r[i_name] for r in rows) == sorted(g.orgs["name"])  # quotes, newlines, backslashes survive
    assert {r[-1] for r in rows} == {"Organization"}
    raw = (d / "nodes" / "Organization.csv").read_text(encoding="utf-8")
    assert ',,' in raw  # missing values are unquoted empty fields (no property)
    header, rows = _read_csv(d / "relationships" / "MEMBER_OF__Organization__Collaboration.csv")
    assert header[:2] == [":START_ID(Organization)", ":END_ID(Collaboration)"] and header[-1] == ":TYPE"
    assert "start:date" in header and "host_month:long" in header and "stage_name" in header
    rec = dict(zip(header, [r for r in rows if r[2] == "m-1"][0]))
    assert rec["start:date"] == "2024-01-01" and rec["src_file"] == HOSTILE[3] and rec["stage_name"] == HOSTILE[5]
    script = (d / "import.sh").read_text(encoding="utf-8")
    # the database name right after `full`, before the variadic --nodes/--relationships options
    assert '"${NEO4J_ADMIN:-neo4j-admin}" database import full "$DATABASE" "$@"' in script
    assert script.index('"$DATABASE" "$@"') < script.index("--nodes=")
    assert "--multiline-fields=true" in script  # names with line breaks
    for f in sorted((d / "nodes").glob("*.csv")) + sorted((d / "relationships").glob("*.csv")):
        assert f"{f.parent.name}/{f.name}" in script
    assert "--id-type=string" in script and (d / "IMPORT.md").exists() and (d / "constraints.cypher").exists()
    assert (d / "constraints.cypher").read_text(encoding="utf-8").count("CREATE CONSTRAINT") == len(g.model.node_types)


def test_import_files_without_line_breaks(tmp_path: Path) -> None:
    d = export_import(example_graph(), tmp_path / "imp")
    assert "--multiline-fields=false" in (d / "import.sh").read_text(encoding="utf-8")
    header, rows = _read_csv(d / "relationships" / "PAIRED_WITH__Organization__Organization.csv")
    assert len(rows) == example_graph().count("Pairing")


def test_precheck_blocks_duplicates_and_dangling_ends(tmp_path: Path) -> None:
    bad = make_graph({"Organization": [{"id": "o1", "name": "甲"}, {"id": "o1", "name": "乙"}, {"id": "o2", "name": "丙"}],
                      "Pairing": [{"id": "p1", "strong": "o2", "weak": "ghost", "form": "other", "start": "2024-01-01"}]})
    problems = precheck(bad)
    assert set(problems["where"]) == {"Organization", "Pairing (PAIRED_WITH)"}
    assert problems.loc[problems["where"] == "Organization", "examples"].iloc[0] == "o1"
    with pytest.raises(gk.OutputError, match="pre-check"):
        export_import(bad, tmp_path / "imp")
    assert not (tmp_path / "imp").exists()
    assert precheck(example_graph()).empty


def test_export_import_cli(tmp_path: Path) -> None:
    out = gk.write_graph(example_graph(), tmp_path / "out")
    r = CliRunner().invoke(cli, ["neo4j", "export-import", str(out), "-o", str(tmp_path / "imp")])
    assert r.exit_code == 0, r.output
    assert (tmp_path / "imp" / "nodes" / "Organization.csv").exists()
    r = CliRunner().invoke(cli, ["neo4j", "export-import", str(tmp_path / "nope"), "-o", str(tmp_path / "imp2")])
    assert r.exit_code == 1 and "manifest" in r.output


def province_graph(n_orgs: int = 200_000, seed: int = 0) -> gk.Graph:
    """A province-sized graph made directly (vectorized): ~200k orgs and ~900k links."""
    rng = np.random.default_rng(seed)
    n_towns, n_vil = 2_000, 20_000
    towns = pd.DataFrame({"id": [f"t{i}" for i in range(n_towns)], "name": [f"镇{i}" for i in range(n_towns)],
                          "kind": "town"})
    vils = pd.DataFrame({"id": [f"v{i}" for i in range(n_vil)], "name": [f"村{i}" for i in range(n_vil)],
                         "kind": "village", "parent": [f"t{i % n_towns}" for i in range(n_vil)]})
    oid = np.array([f"org{i}" for i in range(n_orgs)], dtype=object)
    orgs = pd.DataFrame({"id": oid, "name": [f"第{i}党支部, \"引号\"" for i in range(n_orgs)],
                         "sector": rng.choice(["agency", "village", "private"], n_orgs),
                         "category": rng.choice(["1", "2", "3"], n_orgs),
                         "town": towns["id"].to_numpy()[rng.integers(0, n_towns, n_orgs)],
                         "village": np.where(rng.random(n_orgs) < 0.5, vils["id"].to_numpy()[rng.integers(0, n_vil, n_orgs)], None),
                         "parent": np.where(np.arange(n_orgs) >= 1000, oid[rng.integers(0, 1000, n_orgs)], None),
                         "members": rng.integers(3, 80, n_orgs), "weak_lax": rng.random(n_orgs) < 0.05})
    n_c = 20_000
    collabs = pd.DataFrame({"id": [f"c{i}" for i in range(n_c)], "name": [f"联建{i}" for i in range(n_c)],
                            "kind": rng.choice(["district", "joint_village", "chain_alliance"], n_c),
                            "start": pd.Timestamp("2023-01-01")})
    n_m = 150_000
    mem = pd.DataFrame({"id": [f"m{i}" for i in range(n_m)], "member": oid[rng.integers(0, n_orgs, n_m)],
                        "organization": collabs["id"].to_numpy()[rng.integers(0, n_c, n_m)],
                        "role": rng.choice(["lead", "member", "host"], n_m), "host_month": rng.integers(1, 13, n_m),
                        "start": pd.Timestamp("2023-01-01")})
    n_p = 50_000
    s = rng.integers(0, n_orgs // 2, n_p)
    pairs = pd.DataFrame({"id": [f"p{i}" for i in range(n_p)], "strong": oid[s], "weak": oid[s + n_orgs // 2],
                          "form": "other", "start": pd.Timestamp("2024-01-01")})
    n_r = 200_000
    ratings = pd.DataFrame({"id": [f"r{i}" for i in range(n_r)], "org": oid[np.arange(n_r) % n_orgs], "year": 2024,
                            "category": rng.choice(["1", "2", "3"], n_r)})
    n_a = 20_000
    acts = pd.DataFrame({"id": [f"a{i}" for i in range(n_a)], "date": pd.Timestamp("2024-05-01"), "type": "theme_day",
                         "host": oid[rng.integers(0, n_orgs, n_a)], "group": collabs["id"].to_numpy()[rng.integers(0, n_c, n_a)]})
    n_part = 100_000
    part = pd.DataFrame({"id": [f"x{i}" for i in range(n_part)], "org": oid[rng.integers(0, n_orgs, n_part)],
                         "activity": acts["id"].to_numpy()[rng.integers(0, n_a, n_part)]})
    return make_graph({"Place": pd.concat([towns, vils], ignore_index=True), "Organization": orgs,
                       "Collaboration": collabs, "Membership": mem, "Pairing": pairs, "Rating": ratings,
                       "Activity": acts, "Participation": part})


@pytest.mark.slow
def test_province_scale_import_files_are_complete(tmp_path: Path) -> None:
    # The speed target (well under a minute) is measured by the benchmark harness
    # (benchmarks/run.py, stage neo4j_import; figures in docs/benchmarks.md), not by a timed test.
    g = province_graph()
    out = gk.write_graph(g, tmp_path / "out")
    links = sum(len(r) for r in [g.tables[t] for t in ("Membership", "Pairing", "Participation")]) + sum(
        int(g.tables[t][p].notna().sum()) for t, p in [("Organization", "town"), ("Organization", "village"),
                                                        ("Organization", "parent"), ("Place", "parent"),
                                                        ("Rating", "org"), ("Activity", "host"), ("Activity", "group")])
    assert g.count("Organization") == 200_000 and links > 850_000
    d = export_import(out, tmp_path / "imp")
    header, first = (d / "nodes" / "Organization.csv").read_text(encoding="utf-8").splitlines()[:2]
    assert header.startswith("id:ID(Organization)")
    with (d / "nodes" / "Organization.csv").open(encoding="utf-8", newline="") as fh:
        assert sum(1 for _ in csv.reader(fh)) == 200_001
    rel_rows = 0
    for f in (d / "relationships").glob("*.csv"):
        with f.open(encoding="utf-8", newline="") as fh:
            rel_rows += sum(1 for _ in csv.reader(fh)) - 1
    assert rel_rows == links  # every link written once, none lost


def test_push_reports_an_unreachable_server_without_the_password(tmp_path: Path) -> None:
    """No server is mocked: a closed loopback port and a bad URI give clear errors, exit code 1."""
    import socket

    out = gk.write_graph(example_graph(), tmp_path / "out")
    with socket.socket() as s:  # a free port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    r = CliRunner().invoke(cli, ["neo4j", "push", str(out), "--uri", f"bolt://127.0.0.1:{port}", "--user", "neo4j",
                                 "--password", "s3cret-Pw"])
    assert r.exit_code == 1 and "cannot reach Neo4j" in r.output
    assert "s3cret-Pw" not in r.output and "Traceback" not in r.output
    r = CliRunner().invoke(cli, ["neo4j", "push", str(out), "--uri", "http://127.0.0.1:1", "--password", "x"])
    assert r.exit_code == 1 and "URI" in r.output
    r = CliRunner().invoke(cli, ["neo4j", "push", str(out), "--uri", f"bolt://127.0.0.1:{port}"], env={"NEO4J_PASSWORD": ""})
    assert r.exit_code == 1 and "NEO4J_PASSWORD" in r.output


def test_push_batch_size_defaults_from_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`neo4j push` without --batch-size takes graphkit.config.neo4j_batch_size (GRAPHKIT_NEO4J_BATCH_SIZE)."""
    import graphkit.exports.neo4j as neo4j_mod
    from graphkit.core.settings import Settings, override

    seen: list[int] = []

    def fake_push(out: str, **kw: object) -> pd.DataFrame:
        seen.append(kw["batch_size"])  # type: ignore[arg-type]
        return pd.DataFrame({"kind": ["node"], "ok": [True]})

    monkeypatch.setattr(neo4j_mod, "push", fake_push)
    out = str(tmp_path / "out")
    base = ["neo4j", "push", out, "--uri", "bolt://127.0.0.1:1", "--password", "x"]
    assert CliRunner().invoke(cli, base).exit_code == 0
    with override(neo4j_batch_size=777):
        assert CliRunner().invoke(cli, base).exit_code == 0
    assert CliRunner().invoke(cli, base + ["--batch-size", "5"]).exit_code == 0
    assert seen == [Settings.from_env().neo4j_batch_size, 777, 5]
    assert Settings.from_env({"GRAPHKIT_NEO4J_BATCH_SIZE": "1234"}).neo4j_batch_size == 1234
    r = CliRunner().invoke(cli, ["neo4j", "push", "--help"])
    assert "GRAPHKIT_NEO4J_BATCH_SIZE" in r.output


def test_streamed_import_files_match_in_memory_ones(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A graph folder read in tiny record batches (dictionary-encoded provenance, many CSV writes per
    file, batch boundaries everywhere) gives byte-identical files to the in-memory Graph."""
    import graphkit.exports._graph_shape as shape_mod
    import graphkit.exports._neo4j_files as files_mod

    for k, g in enumerate([hostile_graph(), gk.sample_graph()]):  # the sample has dictionary-encoded columns
        out = gk.write_graph(g, tmp_path / f"out{k}")
        a = export_import(g, tmp_path / f"a{k}")
        with monkeypatch.context() as m:
            m.setattr(files_mod, "_BATCH_ROWS", 7)
            m.setattr(shape_mod, "_PROBE_ROWS", 3)
            b = export_import(out, tmp_path / f"b{k}")
        files = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
        assert files == sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
        assert any(str(f).startswith("relationships/") for f in files)
        for f in files:
            assert (a / f).read_bytes() == (b / f).read_bytes(), f


def test_precheck_counts_and_orders_dangling_ends_across_batches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import graphkit.exports._graph_shape as shape_mod

    orgs = [{"id": f"o{i}", "name": f"支部{i}"} for i in range(6)]
    pairs = [{"id": f"p{i}", "strong": s, "weak": w, "form": "other", "start": "2024-01-01"}
             for i, (s, w) in enumerate([("o0", "g9"), ("o1", "o2"), ("g1", "o3"), ("o4", "g2"), ("o5", "g0"),
                                         ("o0", "g3"), ("o1", "g4"), ("o2", "g5"), ("o3", None)])]
    bad = make_graph({"Organization": orgs, "Pairing": pairs})
    out = gk.write_graph(bad, tmp_path / "out")
    monkeypatch.setattr(shape_mod, "_PROBE_ROWS", 2)
    for src in (bad, out):
        p = precheck(src).set_index("check")
        assert p.loc["悬空端点 / dangling end_id", "count"] == 6  # the row with no weak org is no link
        assert p.loc["悬空端点 / dangling end_id", "examples"] == "g9, g2, g0, g3, g4"  # first five, in row order
        assert p.loc["悬空端点 / dangling start_id", "count"] == 1
        assert p.loc["悬空端点 / dangling start_id", "examples"] == "g1"
