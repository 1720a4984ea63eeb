"""Ledger mappings are read and checked against the schema."""
from __future__ import annotations

from pathlib import Path

import pytest

from graphkit.core.paths import loaders_dir
from graphkit.core.errors import MappingError
from graphkit.core.mapping import load_mapping, load_mappings

LAYOUTS = {"roster", "places", "district", "joint_village", "chain_stages", "chain", "pairing", "activities", "units", "ratings"}


def test_one_mapping_per_layout() -> None:
    maps = load_mappings()
    assert LAYOUTS <= set(maps)
    assert maps["district"].entities["membership"].type == "Membership"
    assert maps["pairing"].required_columns == ["strong", "weak", "form", "start"]


def test_header_aliases_cover_usual_variants() -> None:
    roster = load_mappings()["roster"]
    aliases = set(roster.columns["name"].aliases)
    assert {"单位名称", "党组织名称", "名称"} <= aliases
    assert {"所属镇", "乡镇", "街道"} <= set(roster.columns["town"].aliases)
    assert {"类别", "分类", "定级"} <= set(roster.columns["category"].aliases)


def _write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "m.yaml"
    p.write_text(text, encoding="utf-8")
    return p


BASE = (loaders_dir() / "pairing.yaml").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "old, new, fragment",
    [
        ("form: {column: form}", "colour: {column: form}", "no property 'colour'"),
        ("type: Pairing", "type: Pairing2", "not in the schema"),
        ("weak: {column: weak, lookup: Organization}", "weak: {column: nowhere, lookup: Organization}", "not declared under columns"),
        ("strong: {column: strong, lookup: Organization}", "strong: {column: strong}", "needs `entity:` or `lookup: Organization`"),
        ("      form: {column: form}\n", "", "required properties not mapped"),
        ("强方党组织, ", "弱方党组织, ", "already means column"),
    ],
)
def test_bad_mapping_is_refused_with_file_and_place(tmp_path: Path, old: str, new: str, fragment: str) -> None:
    assert old in BASE
    path = _write(tmp_path, BASE.replace(old, new, 1))
    with pytest.raises(MappingError) as err:
        load_mapping(path)
    assert "m.yaml" in str(err.value) and fragment in str(err.value)


def test_county_mapping_replaces_builtin_by_id(tmp_path: Path) -> None:
    custom = BASE.replace("帮扶党组织, ", "帮带单位名称, ")
    folder = tmp_path / "mappings"
    folder.mkdir()
    (folder / "pairing.yaml").write_text(custom, encoding="utf-8")
    maps = load_mappings([folder])
    assert "帮带单位名称" in maps["pairing"].columns["strong"].aliases
    assert maps["pairing"].path == folder / "pairing.yaml"
