"""The schema declaration is read, checked, and every inconsistency is refused with a clear message."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from graphkit.core.paths import schema_dir
from graphkit.core.errors import SchemaError
from graphkit.core.schema import PROVENANCE, load_schema


def test_declaration_loads_with_expected_types() -> None:
    m = load_schema()
    for name in ["Place", "Organization", "Person", "Collaboration", "IndustryChain", "ChainStage", "Activity",
                 "Unit", "Membership", "Pairing", "Participation", "Post", "Rating"]:
        assert name in m
    assert {t.name for t in m.edge_types} == {"Membership", "Pairing", "Participation", "Post"}
    org = m["Organization"]
    assert org.properties["parent"].range == "Organization" and org.properties["parent"].acyclic
    assert org.columns()[-4:] == list(PROVENANCE)


def test_membership_and_pairing_carry_nary_facts() -> None:
    m = load_schema()
    mem = m["Membership"]
    assert mem.edge is not None and (mem.edge.source, mem.edge.target) == ("member", "organization")
    assert {"role", "host_month", "stage", "start", "end"} <= set(mem.properties)
    assert mem.rdf["class"] == "org:Membership" and mem.properties["role"].rdf == "org:role"
    pair = m["Pairing"]
    assert {"strong", "weak", "form", "start", "end"} <= set(pair.properties)
    assert ("strong", "weak") in pair.distinct and ("start", "end") in pair.intervals


@pytest.mark.parametrize(
    "spelling, code",
    [("一类", "1"), ("三类村", "3"), ("Ⅱ类", "2"), ("镇(街道)", "town"), ("乡镇（街道）", "town")],
)
def test_codelist_aliases(spelling: str, code: str) -> None:
    m = load_schema()
    cl = m.codelists["category"] if code in "123" else m.codelists["level"]
    assert cl.lookup(spelling) == code


def test_every_code_has_both_labels() -> None:
    m = load_schema()
    for cl in m.codelists.values():
        for code in cl.codes:
            assert cl.zh(code) and cl.en(code)


def _broken_copy(tmp_path: Path, edit) -> Path:
    dst = tmp_path / "schema"
    shutil.copytree(schema_dir(), dst)
    model = yaml.safe_load((dst / "model.yaml").read_text(encoding="utf-8"))
    edit(model)
    (dst / "model.yaml").write_text(yaml.safe_dump(model, allow_unicode=True), encoding="utf-8")
    return dst


@pytest.mark.parametrize(
    "edit, fragment",
    [
        (lambda m: m["types"]["Organization"]["properties"]["parent"].update(range="Nowhere"), "Organization.parent"),
        (lambda m: m["types"]["Organization"]["properties"]["category"].update(codelist="nope"), "code list"),
        (lambda m: m["types"]["Pairing"].update(intervals=[["start", "form"]]), "intervals"),
        (lambda m: m["types"]["Pairing"]["edge"].update(source="form"), "edge.source"),
        (lambda m: m["types"]["Person"].update(id_prefix="org"), "id_prefix"),
        (lambda m: m["types"]["Organization"]["properties"]["town"].update(rel="bad rel"), "relationship type"),
        (lambda m: m["types"]["Organization"]["properties"]["name"].update(type="text"), "unknown type"),
        (lambda m: m["types"]["Organization"]["properties"]["name"].pop("label"), "label"),
    ],
)
def test_inconsistent_declaration_is_refused(tmp_path: Path, edit, fragment: str) -> None:
    folder = _broken_copy(tmp_path, edit)
    with pytest.raises(SchemaError) as err:
        load_schema(folder)
    assert fragment in str(err.value)


def test_ambiguous_alias_is_refused(tmp_path: Path) -> None:
    dst = tmp_path / "schema"
    shutil.copytree(schema_dir(), dst)
    cl = yaml.safe_load((dst / "codelists.yaml").read_text(encoding="utf-8"))
    cl["category"]["entries"][0]["aliases"].append("二类")
    (dst / "codelists.yaml").write_text(yaml.safe_dump(cl, allow_unicode=True), encoding="utf-8")
    with pytest.raises(SchemaError, match="ambiguous"):
        load_schema(dst)
