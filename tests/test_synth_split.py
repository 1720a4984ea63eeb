"""The split synthetic-ledger generator draws exactly what the one-function generator drew.

The digests below were computed from ``generate_tables`` before it was split into
``graphkit/ingest/_synth_*.py`` (commit da34d8b); a change in the order of random draws, in a
name or in a row order changes them. Whole files were also compared byte for byte at the split
(county .xlsx/CSV, a 200,000-org province in one folder and per county: 1,202 files identical).
"""
from __future__ import annotations

import hashlib

import pandas as pd
import pytest

from graphkit.ingest import synth

# table -> (rows, first 16 hex digits of the SHA-256 of the cells' row hashes)
COUNTY_SEED3 = {"roster": (2133, "8e6e0d9c8207c010"), "places": (508, "34ee4215fa930ae6"),
                "district": (70, "ff47ffd8202ba556"), "joint_village": (230, "496c7d40f3ce4414"),
                "chain_stages": (19, "dc2687b23704ae74"), "chain": (53, "97140c5ad63fbe0d"),
                "pairing": (233, "07dfaadf79087709"), "activities": (1267, "b64cabf13f25a492"),
                "units": (708, "4a0da3be9596124a"), "ratings": (4266, "416109bce817106c")}
PROVINCE_SEED5 = {"roster": (20239, "254b22526dfd4561"), "places": (4754, "dd8c46bc32ec8735"),
                  "district": (700, "6d6c8f362e40d9fa"), "joint_village": (2272, "4799bd57a2da8b14"),
                  "chain_stages": (44, "b58abba39b922dcd"), "chain": (577, "2b8dbd89a7b8c688"),
                  "pairing": (2367, "a8d2561b39f93509"), "activities": (12075, "954a01e8468ddc61"),
                  "units": (7035, "55d98107d78afdfc"), "ratings": (40478, "78681e19db9d3d17")}


def _digest(df: pd.DataFrame) -> tuple[int, str]:
    cells = df.astype(object).where(df.notna(), None).astype(str)
    return len(df), hashlib.sha256(pd.util.hash_pandas_object(cells, index=True).values.tobytes()).hexdigest()[:16]


@pytest.mark.parametrize("kwargs, expected", [
    ({"scale": "county", "seed": 3}, COUNTY_SEED3),
    ({"scale": "province", "seed": 5, "n_orgs": 20_000, "counties": 10, "by_county": True}, PROVINCE_SEED5),
], ids=["county", "province-by-county"])
def test_tables_as_before_the_split(kwargs: dict, expected: dict) -> None:
    tables = synth.generate_tables(**kwargs)
    got = {k: _digest(tables[k]) for k in synth.LEDGER_COLUMNS}
    assert got == expected


def test_public_names_still_importable() -> None:
    from graphkit.ingest.synth import (  # noqa: F401
        CHAIN_SHEETS, CHAIN_WORKBOOK, CHAINS, LEDGER_COLUMNS, SCALES, _person_names, _place_bases, generate_ledgers,
        generate_province, generate_tables,
    )
    assert SCALES["national"] == 5_000_000
