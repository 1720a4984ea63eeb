"""A fifth mechanism, 村企联建, added by YAML alone (issue 17).

Seed 003 (汉阴): a village party org links with a firm's party org ("以村企联的方式与渔业企业…开展产销合作").
The test copies ``schema/`` to a temporary folder and adds, as YAML text only,

* a code list ``cooperation`` (合作方式: 产销合作 / 用工就业 / 资源入股),
* an n-ary link type ``VillageEnterprise`` (a village org ↔ an enterprise org, with a form and an
  interval) in ``model.yaml``,
* the mechanism ``village_enterprise`` (``members: {link: VillageEnterprise}``) in ``mechanisms.yaml``,

points graphkit at it with ``GRAPHKIT_SCHEMA_DIR``, and writes a copy of the fictional sample
county with a 村企联建 ledger and its layout in the ledger folder's ``mappings/``. No Python is
changed; the new mechanism must show up in coverage, clusters, the county view, the report, the
Neo4j import files and the RDF export.
"""
from __future__ import annotations

import csv
import shutil
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

import graphkit as gk
from graphkit.analyses.toolkit import to_zh
from graphkit.core.paths import data_dir, project_root, schema_dir
from graphkit.analyses.clusters import detect_clusters, isolated, link_graph
from graphkit.analyses.coverage import coverage
from graphkit.core.schema import load_schema

CODELIST = """
cooperation:
  label: {zh: 合作方式, en: Form of cooperation}
  entries:
    - {code: production_sales, zh: 产销合作, en: Production and sales, aliases: [产销对接]}
    - {code: employment, zh: 用工就业, en: Local employment, aliases: [就业帮扶]}
    - {code: shares, zh: 资源入股, en: Resources as shares, aliases: [入股合作]}
"""

LINK_TYPE = """
  VillageEnterprise:
    label: {zh: 村企联建, en: Village-enterprise joint building}
    id_prefix: vent
    edge: {source: village, target: enterprise, rel: LINKED_WITH_ENTERPRISE}
    rdf: {class: "gk:VillageEnterpriseLink"}
    properties:
      village: {type: ref, range: Organization, required: true, label: {zh: 村党组织, en: Village party org}, rdf: "gk:villageSide"}
      enterprise: {type: ref, range: Organization, required: true, label: {zh: 企业党组织, en: Enterprise party org}, rdf: "gk:enterpriseSide"}
      form: {type: code, codelist: cooperation, required: true, label: {zh: 合作方式, en: Form}, rdf: "gk:cooperationForm"}
      start: {type: date, required: true, label: {zh: 开始日期, en: Start}, rdf: "time:hasBeginning"}
      end: {type: date, label: {zh: 结束日期, en: End}, rdf: "time:hasEnd"}
    intervals: [[start, end]]
    distinct: [[village, enterprise]]
"""

MECHANISM = """
  village_enterprise:
    members: {link: VillageEnterprise}
"""

LAYOUT = """id: village_enterprise
label: {zh: 村企联建台账, en: Village-enterprise ledger}
match:
  files: ["*村企*"]
  sheets: ["*"]
columns:
  village: {aliases: [村党组织, 村级党组织], required: true}
  enterprise: {aliases: [企业党组织, 联建企业党组织], required: true}
  form: {aliases: [合作方式, 联建方式], required: true}
  start: {aliases: [开始日期, 联建时间], required: true}
  end: {aliases: [结束日期]}
entities:
  link:
    type: VillageEnterprise
    keys: [{column: village, lookup: Organization}, {column: enterprise, lookup: Organization}, {column: start}]
    properties:
      village: {column: village, lookup: Organization}
      enterprise: {column: enterprise, lookup: Organization}
      form: {column: form}
      start: {column: start}
      end: {column: end}
"""

AS_OF = "2024-06-30"
Pairs = list[tuple[str, str, str, str]]
Built = tuple[Path, gk.Graph]


@pytest.fixture(scope="module")
def base_graph() -> gk.Graph:
    return gk.build_graph(data_dir() / "sample_county")


@pytest.fixture(scope="module")
def pairs(base_graph: gk.Graph) -> Pairs:
    """Three (village org id, name, enterprise org id, name) pairs of orgs with no link at all today."""
    iso = isolated(base_graph, as_of=AS_OF)
    names = base_graph.tables["Organization"]["name"]
    unique = set(names[~names.duplicated(keep=False)])
    free = iso[(iso["status"] == "no_link") & iso["name"].isin(unique)]
    villages = free[free["sector"] == "village"].head(3)
    firms = free[free["sector"] == "private"].head(3)
    assert len(villages) == 3 and len(firms) == 3
    return [(v.org_id, v.name, f.org_id, f.name) for v, f in zip(villages.itertuples(), firms.itertuples())]


@pytest.fixture(scope="module")
def extended(tmp_path_factory: pytest.TempPathFactory, pairs: Pairs) -> Iterator[Built]:
    """The sample county built with the copied schema (village_enterprise declared) and its ledger."""
    root = tmp_path_factory.mktemp("mech")
    schema = root / "schema"
    shutil.copytree(schema_dir(), schema)
    for name, text in (("codelists.yaml", CODELIST), ("model.yaml", LINK_TYPE), ("mechanisms.yaml", MECHANISM)):
        with (schema / name).open("a", encoding="utf-8") as fh:
            fh.write(text)
    ledgers = root / "ledgers"
    shutil.copytree(data_dir() / "sample_county", ledgers)
    (ledgers / "mappings").mkdir(exist_ok=True)
    (ledgers / "mappings" / "village_enterprise.yaml").write_text(LAYOUT, encoding="utf-8")
    with (ledgers / "村企联建台账.csv").open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["村党组织", "企业党组织", "合作方式", "联建时间", "结束日期"])
        w.writerow([pairs[0][1], pairs[0][3], "产销合作", "2024/3/1", ""])
        w.writerow([pairs[1][1], pairs[1][3], "用工就业", "2023年5月", ""])
        w.writerow([pairs[2][1], pairs[2][3], "资源入股", "2022-01-01", "2023-12-31"])  # ended before AS_OF
    mp = pytest.MonkeyPatch()
    mp.setenv("GRAPHKIT_SCHEMA_DIR", str(schema))
    try:
        yield root, gk.build_graph(ledgers)
    finally:
        mp.undo()


def test_declared_by_yaml_alone(extended: Built) -> None:
    _, g = extended
    model = g.model
    assert "VillageEnterprise" in model and model.mechanisms[-1].key == "village_enterprise"
    assert model.mechanism("village_enterprise").label == {"zh": "村企联建", "en": "Village-enterprise joint building"}
    assert load_schema() is model  # GRAPHKIT_SCHEMA_DIR: the copied schema is the default one now
    assert "village_enterprise" not in {m.key for m in load_schema(project_root() / "schema").mechanisms}
    t = g.tables["VillageEnterprise"]
    assert len(t) == 3 and sorted(t["form"]) == ["employment", "production_sales", "shares"]


def test_coverage_counts_the_new_mechanism(extended: Built, pairs: Pairs, base_graph: gk.Graph) -> None:
    _, g = extended
    overall = coverage(g, as_of=AS_OF, by=None)
    before = coverage(base_graph, as_of=AS_OF, by=None)
    assert "n_village_enterprise" in overall and "n_village_enterprise" not in before
    assert int(overall["n_village_enterprise"].iloc[0]) == 4  # the two active links' four ends
    assert int(overall["covered"].iloc[0]) == int(before["covered"].iloc[0]) + 4
    assert overall["share_village_enterprise"].iloc[0] == pytest.approx(4 / int(overall["orgs"].iloc[0]))
    by_sector = coverage(g, as_of=AS_OF, by="sector").set_index("group")
    assert int(by_sector.loc["village", "n_village_enterprise"]) == 2
    assert int(by_sector.loc["private", "n_village_enterprise"]) == 2
    zh = to_zh(overall, model=g.model)
    assert "村企联建参与数" in zh.columns and "村企联建覆盖率" in zh.columns


def test_clusters_see_the_new_links(extended: Built, pairs: Pairs) -> None:
    _, g = extended
    orgs, _, src, dst = link_graph(g, as_of=AS_OF)
    pos = {o: i for i, o in enumerate(orgs)}
    edges = set(zip(src.tolist(), dst.tolist()))
    for v, _, f, _ in pairs[:2]:
        a, b = sorted((pos[v], pos[f]))
        assert (a, b) in edges
    assert pairs[2][0] not in pos  # the ended link is no link on AS_OF
    iso = isolated(g, as_of=AS_OF, min_component=3).set_index("org_id")
    for v, _, f, _ in pairs[:2]:
        assert iso.loc[v, "status"] == "small_component" and iso.loc[f, "status"] == "small_component"
        assert int(iso.loc[v, "component_size"]) == 2
    assert iso.loc[pairs[2][0], "status"] == "no_link"
    cl = detect_clusters(g, as_of=AS_OF).set_index("org_id")
    assert cl.loc[pairs[0][0], "cluster"] == cl.loc[pairs[0][2], "cluster"]


def test_county_view_shows_the_mechanism(extended: Built, pairs: Pairs) -> None:
    root, g = extended
    page = gk.write_view(g, root / "county.html", kind="county", as_of=AS_OF, color_by="mechanism", drilldown=False)
    html = page.read_text(encoding="utf-8")
    assert "村企联建 Village-enterprise joint building" in html  # the colour legend and the link group
    assert "LINKED_WITH_ENTERPRISE" in html
    assert pairs[0][1] in html and pairs[0][3] in html


def test_report_shows_the_mechanism(extended: Built) -> None:
    root, g = extended
    out = gk.write_report(g, root / "report.html", as_of=AS_OF, xlsx=root / "report.xlsx")
    html = Path(out).read_text(encoding="utf-8")
    assert "村企联建参与数" in html and "村企联建覆盖率" in html
    sheets = pd.read_excel(root / "report.xlsx", sheet_name=None, engine="calamine")
    assert any("村企联建参与数" in [str(c) for c in df.columns] or df.astype(str).apply(
        lambda s: s.str.contains("村企联建参与数")).any().any() for df in sheets.values())


def test_neo4j_import_files_hold_the_links(extended: Built, pairs: Pairs) -> None:
    root, g = extended
    from graphkit.exports.neo4j import export_import

    out = export_import(g, root / "neo4j")
    files = list((out / "relationships").glob("LINKED_WITH_ENTERPRISE__*.csv"))
    assert len(files) == 1
    rel = pd.read_csv(files[0], dtype=str)
    assert len(rel) == 3
    start = next(c for c in rel.columns if c.startswith(":START_ID"))
    assert set(rel[start]) == {p[0] for p in pairs}
    assert (rel[":TYPE"] == "LINKED_WITH_ENTERPRISE").all()


def test_rdf_export_holds_the_links(extended: Built) -> None:
    root, g = extended
    from graphkit.exports.rdf import export_rdf

    path = export_rdf(g, root / "graph.nt")
    text = path.read_text(encoding="utf-8")
    klass = g.model.vocab_iri + "VillageEnterpriseLink"
    typed = [line for line in text.splitlines() if line.endswith(f"<{klass}> .")]
    assert len(typed) == 3
    assert text.count(f"<{g.model.vocab_iri}villageSide>") == 3


@pytest.mark.parametrize("text, fragment", [
    ("  bad_kind:\n    members: {collaboration_kind: nowhere}\n", "bad_kind.members"),
    ("  bad_link:\n    members: {link: Post}\n", "bad_link.members"),
    ("  bad_node:\n    members: {link: Organization}\n", "bad_node.members"),
    ("  two_ways:\n    members: {collaboration_kind: district, link: Pairing}\n", "two_ways.members"),
    ("  bad_view:\n    members: {link: Pairing}\n    view: nowhere\n", "bad_view.view"),
    ("  typo:\n    members: {collaboration_kind: district}\n    cadense: true\n", "typo"),
    ("  again:\n    members: {collaboration_kind: district}\n", "again"),
    ("  pair_cadence:\n    members: {link: Pairing}\n    cadence: true\n", "pair_cadence"),
])
def test_a_bad_declaration_is_refused(tmp_path: Path, text: str, fragment: str) -> None:
    """Each mistake in mechanisms.yaml is a SchemaError naming the file and the mechanism, in Chinese and English."""
    schema = tmp_path / "schema"
    shutil.copytree(schema_dir(), schema)
    with (schema / "mechanisms.yaml").open("a", encoding="utf-8") as fh:
        fh.write(text)
    with pytest.raises(gk.SchemaError) as err:
        load_schema(schema)
    msg = str(err.value)
    assert "mechanisms.yaml" in msg and fragment in msg
    assert any("\u4e00" <= ch <= "\u9fff" for ch in msg)


def test_schema_dir_variable_must_name_a_schema(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRAPHKIT_SCHEMA_DIR", str(tmp_path))
    with pytest.raises(gk.SchemaError) as err:
        load_schema()
    assert "GRAPHKIT_SCHEMA_DIR" in str(err.value) and str(tmp_path) in str(err.value)
