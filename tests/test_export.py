"""GEXF / GraphML exports for Gephi: a hand-made graph whose network is worked out by hand, read back."""
from __future__ import annotations

from pathlib import Path

import networkx as nx
import pytest

import graphkit as gk
from graphkit.testing import make_graph
from graphkit.exports.gephi import gephi_graph, write_gexf, write_graphml


@pytest.fixture()
def tiny() -> gk.Graph:
    """Three orgs in one town, one district, a pairing that also runs along 隶属 (parent).

    By hand: nodes = 1 town + 3 orgs + 1 district = 5 (Organization, Place, Collaboration).
    Links: o1, o2, o3 LOCATED_IN t (3); o2 SUB_ORGANIZATION_OF o1 (1); o1, o2 MEMBER_OF d (2);
    pairing o1 → o2 (1, ended 2023-12-31); pairing o1 → o3 (1, active). Edges are directed, so
    (o2, o1) carries only 隶属 and (o1, o2) only the pairing: 8 distinct edges for 8 links.
    """
    return make_graph({
        "Place": [{"id": "t", "name": "甲镇", "kind": "town"}],
        "Organization": [
            {"id": "o1", "name": "甲村党支部", "sector": "village", "category": "1", "town": "t", "members": 30},
            {"id": "o2", "name": "乙村党支部", "sector": "village", "category": "3", "town": "t", "parent": "o1",
             "weak_lax": True},
            {"id": "o3", "name": "丙村党支部", "sector": "village", "category": None, "town": "t"},
        ],
        "Collaboration": [{"id": "d", "name": "第一片区", "kind": "district"}],
        "Membership": [{"member": "o1", "organization": "d", "role": "lead", "host_month": 1},
                       {"member": "o2", "organization": "d", "role": "member", "host_month": 2}],
        "Pairing": [{"strong": "o1", "weak": "o2", "form": "strong_weak_village", "start": "2022-01-01", "end": "2023-12-31"},
                    {"strong": "o1", "weak": "o3", "form": "strong_weak_village", "start": "2024-01-01"}],
    }, settings={"county": "演示县"})


def test_gephi_graph_by_hand(tiny: gk.Graph) -> None:
    G = gephi_graph(tiny, node_types=["Place", "Organization", "Collaboration"])
    assert isinstance(G, nx.DiGraph) and not G.is_multigraph()
    assert sorted(G.nodes) == ["d", "o1", "o2", "o3", "t"]
    assert G.number_of_edges() == 8
    assert sum(w for *_, w in G.edges(data="weight")) == 8
    assert G.edges["o2", "o1"]["relationship"] == "SUB_ORGANIZATION_OF"
    assert G.edges["o1", "o2"]["relationship"] == "PAIRED_WITH"
    assert G.edges["o1", "o2"]["end"] == "2023-12-31"
    assert "end" not in G.edges["o1", "o3"]  # missing values are absent, never None/NaN
    assert G.edges["o1", "d"]["role"] == tiny.model.codelists["role"].zh("lead")  # a label, not the code
    assert G.edges["o1", "d"]["host_month"] == "1"
    o2 = G.nodes["o2"]
    assert o2["label"] == "乙村党支部" and o2["node_type"] == "Organization"
    assert o2["category"] == "三类" and o2["weak_lax"] == "true"
    assert "category" not in G.nodes["o3"]
    assert G.nodes["o1"]["members"] == 30 and isinstance(G.nodes["o1"]["members"], int)
    for _, data in [*G.nodes(data=True), *((e, d) for *e, d in G.edges(data=True))]:
        assert all(isinstance(v, (str, int)) for v in data.values()), data


def test_parallel_links_merge_into_one_weighted_edge(tiny: gk.Graph) -> None:
    # make the pairing o1 → o2 run twice (a renewed pair): one edge, weight 2, both starts listed
    tiny.tables["Pairing"] = make_graph({"Pairing": [
        {"strong": "o1", "weak": "o2", "form": "strong_weak_village", "start": "2022-01-01", "end": "2023-12-31"},
        {"strong": "o1", "weak": "o2", "form": "strong_weak_village", "start": "2024-01-01"}]})["Pairing"]
    G = gephi_graph(tiny, node_types=["Organization"], link_types=["PAIRED_WITH"])
    assert G.number_of_edges() == 1
    e = G.edges["o1", "o2"]
    assert e["weight"] == 2 and e["start"] == "2022-01-01;2024-01-01" and e["end"] == "2023-12-31"


def test_as_of_keeps_active_links_and_lang_en(tiny: gk.Graph) -> None:
    G = gephi_graph(tiny, node_types=["Organization"], link_types=["PAIRED_WITH"], as_of="2024-06-30", lang="en")
    assert list(G.edges) == [("o1", "o3")]
    assert G.nodes["o2"]["category"] == "Third class"
    assert G.nodes["o2"]["node_type_label"] == "Party organization"


def test_unknown_types_are_user_errors(tiny: gk.Graph) -> None:
    with pytest.raises(gk.GraphkitError, match="Organisation"):
        gephi_graph(tiny, node_types=["Organisation"])
    with pytest.raises(gk.GraphkitError, match="PAIRED"):
        gephi_graph(tiny, link_types=["PAIRED"])
    with pytest.raises(gk.GraphkitError, match="lang"):
        gephi_graph(tiny, lang="fr")


@pytest.mark.parametrize("writer, reader", [(write_gexf, nx.read_gexf), (write_graphml, nx.read_graphml)])
def test_files_read_back(tiny: gk.Graph, tmp_path: Path, writer, reader) -> None:  # noqa: ANN001
    G = gephi_graph(tiny)
    path = writer(tiny, tmp_path / f"g.{writer.__name__.split('_')[1]}")
    assert path.exists() and not list(tmp_path.glob(".*tmp-*"))
    back = reader(path)
    assert sorted(back.nodes) == sorted(G.nodes)
    assert sorted(back.edges) == sorted(G.edges)
    for n, data in G.nodes(data=True):
        got = back.nodes[n]
        for k, v in data.items():
            assert str(got[k]) == str(v), (n, k)
    for a, b, data in G.edges(data=True):
        assert float(back.edges[a, b]["weight"]) == data["weight"]
        assert back.edges[a, b]["relationship"] == data["relationship"]


def test_failed_write_leaves_old_file(tiny: gk.Graph, tmp_path: Path) -> None:
    target = tmp_path / "g.gexf"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(gk.GraphkitError):
        write_gexf(tiny, target, node_types=["Nope"])
    assert target.read_text(encoding="utf-8") == "old"


def test_sample_county_export(sample_graph: gk.Graph, tmp_path: Path) -> None:
    """Every schema relationship between the chosen node types is in the file, counted as links."""
    path = write_gexf(sample_graph, tmp_path / "county.gexf")
    back = nx.read_gexf(path)
    n_nodes = sum(sample_graph.count(t.name) for t in sample_graph.model.node_types)
    assert back.number_of_nodes() == n_nodes
    links = 0
    for _rel, _src, _tgt, by in sample_graph.model.relationship_types():
        if "." in by:
            t, p = by.split(".")
            links += int(sample_graph.tables[t][p].notna().sum())
        else:
            links += sample_graph.count(by)
    assert sum(float(w) for *_, w in back.edges(data="weight")) == links


def test_cli_gephi(sample_out: Path, sample_graph: gk.Graph, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from graphkit.cli import cli

    runner = CliRunner()
    target = tmp_path / "pairs.graphml"
    res = runner.invoke(cli, ["gephi", str(sample_out), "-o", str(target), "--node-type", "Organization",
                              "--link-type", "PAIRED_WITH", "--lang", "en"])
    assert res.exit_code == 0, res.output
    back = nx.read_graphml(target)
    assert back.number_of_nodes() == sample_graph.count("Organization")
    assert sum(float(w) for *_, w in back.edges(data="weight")) == sample_graph.count("Pairing")
    assert f"{back.number_of_edges()} edges" in res.output
    bad = runner.invoke(cli, ["gephi", str(sample_out), "-o", str(tmp_path / "g.csv")])
    assert bad.exit_code == 1 and ".gexf" in bad.output and not (tmp_path / "g.csv").exists()
    bad = runner.invoke(cli, ["gephi", str(sample_out), "-o", str(tmp_path / "g.gexf"), "--node-type", "Nope"])
    assert bad.exit_code == 1 and "Nope" in bad.output and "Traceback" not in bad.output


def test_write_networkx_format(tmp_path: Path, tiny: gk.Graph) -> None:
    from graphkit.exports.gephi import write_networkx

    G = gephi_graph(tiny)
    with pytest.raises(gk.GraphkitError, match="gexf"):
        write_networkx(G, tmp_path / "g.txt")
    p = write_networkx(G, tmp_path / "g.txt", fmt="gexf")
    assert nx.read_gexf(p).number_of_nodes() == G.number_of_nodes()
