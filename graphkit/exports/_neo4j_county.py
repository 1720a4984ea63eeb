"""One county of a province or country graph, for ``graphkit neo4j push --county`` (see ``graphkit.exports.neo4j.push``).

A record belongs to the county whose folder its source file lies in: every record of a province
graph has ``src_file`` = ``<county folder>/<ledger>`` (``graphkit.store.province``), of a country
graph ``<province folder>/<county folder>/<ledger>`` (``graphkit.store.country``; the county is
named by ``graphkit.store.country.find_county``), and so does every node and n-ary relationship on the server. The push sends that county's rows only (the references
they hold may point into other counties: those relationships are the county's own), and its prune
deletes only the county's records whose id is gone.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from ..core.errors import GraphkitError

__all__ = ["CountyScope"]


@dataclass(frozen=True)
class CountyScope:
    """The rows of one county: its folder prefix, its tables and their ids."""

    name: str
    prefix: str
    tables: dict[str, pa.Table]

    @classmethod
    def of(cls, source: Any, county: str, tables: dict[str, pa.Table]) -> CountyScope:
        """The county named ``county`` of a province output folder (its name or folder) or of a
        country output folder (``省名/县名``, or the county's name where only one province has it).

        Raises
        ------
        GraphkitError
            ``source`` is not a province or country output folder, has no such county, or (a
            country) several provinces have a county of that name.
        """
        from ..store.country import find_county

        out = source if isinstance(source, (str, Path)) else getattr(source, "settings", {}).get("out_dir")
        if out is None:
            raise GraphkitError("--county 只用于省级或全国图谱的输出目录 / --county needs a province or country graph folder")
        ref = find_county(out, county)  # a province's 县 or a country's 省/县 (ambiguous or unknown: an error naming candidates)
        prefix = ref.prefix
        own = {}
        for name, t in tables.items():
            if "src_file" in t.column_names and t.num_rows:
                col = t.column("src_file")
                if pa.types.is_dictionary(col.type):
                    col = pc.cast(col, pa.string())
                own[name] = t.filter(pc.fill_null(pc.starts_with(col, prefix), False))
            else:
                own[name] = t.slice(0, 0)
        return cls(name=ref.name, prefix=prefix, tables=own)

    def rows(self, rs: Any, t: pa.Table) -> pa.Table:
        """The rows of one relationship triple that are the county's: its link records, or the
        references its records hold."""
        if not t.num_rows:
            return t
        ids = self.tables[rs.table].column("id")
        key = t.column("id" if rs.is_link else "start_id")
        if pa.types.is_dictionary(key.type):
            key = pc.cast(key, pa.string())
        if pa.types.is_dictionary(ids.type):
            ids = pc.cast(ids, pa.string())
        return t.filter(pc.fill_null(pc.is_in(key, value_set=ids.combine_chunks()), False))
