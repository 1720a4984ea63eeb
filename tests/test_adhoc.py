"""Ad-hoc queries (``gk.cypher`` / ``gk.sparql``): each in-memory graph keeps its own database.

The database of an in-memory graph lives in the graph's cache slot (``Graph.cache("adhoc")``),
not in a module-level mapping: two graphs never share one, a copy of a graph never reuses the
original's, the database goes with its graph, and threads querying one graph build it once.
"""
from __future__ import annotations

import copy
import gc
import threading
import weakref

import pytest

import graphkit as gk
from graphkit.exports import adhoc, cypher as cypher_mod
from graphkit.testing import example_graph

COUNT = "MATCH (o:Organization) RETURN count(o) AS n"


def _db(graph: gk.Graph, kind: str = "cypher"):
    return graph.cache("adhoc").data[kind][1]


def test_the_module_holds_no_per_graph_state() -> None:
    mutable = {k: v for k, v in vars(adhoc).items()
               if not k.startswith("__") and isinstance(v, (dict, list, set, weakref.WeakKeyDictionary))}
    assert mutable == {}


def test_two_graphs_do_not_share_a_database() -> None:
    g, h = example_graph(), example_graph()
    h.tables["Organization"] = h.orgs.iloc[:3].copy()
    assert int(gk.cypher(g, COUNT).loc[0, "n"]) == g.count("Organization") > 3
    assert int(gk.cypher(h, COUNT).loc[0, "n"]) == 3
    assert _db(g) is not _db(h) and _db(g).path != _db(h).path
    assert g.cache("adhoc") is not h.cache("adhoc")
    assert int(gk.cypher(g, COUNT).loc[0, "n"]) == g.count("Organization")  # h's query left g's alone


@pytest.mark.parametrize("make_copy", [copy.copy, copy.deepcopy], ids=["copy", "deepcopy"])
def test_a_copy_does_not_reuse_the_original_database(make_copy) -> None:
    g = example_graph()
    n = g.count("Organization")
    assert int(gk.cypher(g, COUNT).loc[0, "n"]) == n
    db = _db(g)
    c = make_copy(g)
    assert "cypher" not in c.cache("adhoc").data  # the copy starts with no database
    c.tables = {**c.tables, "Organization": c.orgs.iloc[:2].copy()}  # a copy with one table replaced
    assert int(gk.cypher(c, COUNT).loc[0, "n"]) == 2
    assert _db(c) is not db
    assert _db(g) is db and int(gk.cypher(g, COUNT).loc[0, "n"]) == n  # the original's is neither closed nor rebuilt
    same = make_copy(g)  # an unchanged copy also builds its own: nothing is shared between objects
    assert int(gk.cypher(same, COUNT).loc[0, "n"]) == n and _db(same) is not db


def test_the_database_goes_with_its_graph() -> None:
    g = example_graph()
    gk.cypher(g, COUNT)
    db = weakref.ref(_db(g))
    folder = _db(g).path
    assert folder.exists()
    del g
    gc.collect()
    assert db() is None
    assert not folder.exists()  # the temporary database folder is removed with it


def test_sparql_store_is_per_graph_too() -> None:
    q = "PREFIX org: <http://www.w3.org/ns/org#>\nSELECT (COUNT(?o) AS ?n) WHERE { ?o a org:FormalOrganization }"
    g = example_graph()
    h = copy.copy(g)
    h.tables = {**h.tables, "Organization": h.orgs.iloc[:1].copy()}
    assert int(gk.sparql(g, q).loc[0, "n"]) == g.count("Organization")
    assert int(gk.sparql(h, q).loc[0, "n"]) == 1
    assert _db(g, "sparql-oxigraph") is not _db(h, "sparql-oxigraph")


def test_threads_querying_one_graph_build_one_database(monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[object] = []
    real = cypher_mod.open_embedded

    def counting(source, **kw):  # the real builder, counted
        db = real(source, **kw)
        built.append(db)
        return db

    monkeypatch.setattr(cypher_mod, "open_embedded", counting)
    g = example_graph()
    n = g.count("Organization")
    results: list[int] = []
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def work() -> None:
        try:
            start.wait()
            results.append(int(gk.cypher(g, COUNT).loc[0, "n"]))
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and results == [n] * 4
    assert len(built) == 1 and _db(g) is built[0]
