"""What each column of a ledger layout feeds: the schema property, its type and code list.

Shared by ``graphkit.ingest.template`` (drop-downs, formats, the 填表说明 sheet) and
``graphkit.ingest.suggest`` (each header's proposed property). Read from a ``Mapping`` and the
``Model``; nothing here is specific to one layout.

Examples
--------
>>> from graphkit.core.mapping import load_mappings
>>> from graphkit.core.schema import load_schema
>>> model = load_schema()
>>> info = column_info(load_mappings()["pairing"], model)
>>> info["form"].kind, info["form"].codelist, info["start"].kind
('code', 'pairing_form', 'date')
"""
from __future__ import annotations

from dataclasses import dataclass

from ..core.mapping import Mapping, ValueSpec
from ..core.schema import Model, Property

__all__ = ["ColumnInfo", "column_info"]


@dataclass(frozen=True)
class ColumnInfo:
    """One logical column of a layout and what it feeds.

    Attributes
    ----------
    name
        The logical column (``columns:`` key of the mapping).
    header
        The first header spelling (what a template writes).
    required
        Whether a sheet of this layout must have the column.
    kind
        ``code``, ``boolean``, ``date``, ``integer``, ``month``, ``ref`` (a name looked up) or ``text``.
    codelist
        The code list of a ``code`` column.
    lookup
        The record type a ``ref`` column's names are looked up in.
    targets
        ``Type.property`` of every property the column feeds (first the direct one); ``Type.id``
        for a column that only makes a record's id.
    prop
        The schema property the column feeds directly (None for a key-only column).
    split
        The separators, when the column holds several names in one cell.
    """

    name: str
    header: str
    required: bool
    kind: str
    codelist: str | None
    lookup: str | None
    targets: tuple[str, ...]
    prop: Property | None
    split: str | None = None


def _direct(spec: ValueSpec, col: str) -> bool:
    return spec.column == col


def column_info(mapping: Mapping, model: Model) -> dict[str, ColumnInfo]:
    """Every logical column of ``mapping`` (in declaration order) with the property it feeds.

    A column's kind is taken from the first property whose value spec reads the column directly
    (``{column: …}``), else from a key that reads it; a column only read as a condition
    (``when``) or a default is ``text``.
    """
    out: dict[str, ColumnInfo] = {}
    for col, cspec in mapping.columns.items():
        direct: list[tuple[str, Property, ValueSpec]] = []
        indirect: list[str] = []
        keys: list[str] = []
        split = None
        for ent in mapping.entities.values():
            rtype = model[ent.type]
            if ent.split and ent.split[0] == col:
                split = ent.split[1]
            for pname, spec in ent.properties.items():
                if _direct(spec, col):
                    direct.append((f"{ent.type}.{pname}", rtype.properties[pname], spec))
                elif col in spec.columns():
                    indirect.append(f"{ent.type}.{pname}")
            for k in ent.keys:
                if _direct(k, col) and not any(_direct(spec, col) for spec in ent.properties.values()):
                    keys.append(f"{ent.type}.id")  # a column that only makes the record's id (an activity's number)
        kind, codelist, lookup, prop = "text", None, None, None
        if direct:
            _, prop, spec = direct[0]
            if spec.lookup:
                kind, lookup = "ref", spec.lookup
            elif spec.parse == "month":
                kind = "month"
            elif spec.derive:
                kind = "text"
            elif prop.type == "code":
                kind, codelist = "code", prop.codelist
            elif prop.type in ("boolean", "date", "integer"):
                kind = prop.type
        targets = tuple(dict.fromkeys([t for t, _, _ in direct] + indirect)) or tuple(dict.fromkeys(keys))
        out[col] = ColumnInfo(col, cspec.aliases[0], cspec.required, kind, codelist, lookup, targets, prop, split)
    return out
