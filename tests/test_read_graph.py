"""read_graph: a missing or damaged table is named in the error, whichever table it is (tables are
decoded one ahead of their conversion, on a second thread)."""
from __future__ import annotations

import pytest

import graphkit as gk
from graphkit.core.errors import OutputError
from graphkit.store.io import _read_order


@pytest.mark.parametrize("position", [0, 1, -1])
@pytest.mark.parametrize("damage", ["missing", "corrupt"])
def test_a_damaged_table_is_named(tmp_path, position: int, damage: str) -> None:
    out = gk.write_graph(gk.sample_graph(), tmp_path / "out")
    name = _read_order(gk.load_schema())[position].name
    path = out / "tables" / f"{name}.parquet"
    if damage == "missing":
        path.unlink()
    else:
        path.write_bytes(b"PAR1 not a parquet file")
    with pytest.raises(OutputError) as err:
        gk.read_graph(out)
    assert f"{name}.parquet" in str(err.value) and "table missing or corrupt" in str(err.value)

