"""One interface for every export: small classes with a name, a label, file suffixes and ``write``.

graphkit's built-in exports — the graph folder (Parquet), GEXF and GraphML for Gephi, RDF in
five syntaxes, Neo4j bulk-import files and the cypher-shell script — are :class:`Exporter`
subclasses. :func:`exporters` lists them together with the exporters that installed packages
declare under the ``graphkit.exports.exporters`` entry-point group; :func:`export` picks one by name or by
the output's suffix. ``graphkit export`` is the same on the command line.

Adding an export: subclass :class:`Exporter`, set ``name``, ``label`` and ``suffixes`` (or
``folder = True``), implement ``write``, and either pass an instance to :func:`export` /
:func:`exporters` or declare it in your package's metadata::

    [project.entry-points."graphkit.exports.exporters"]
    my_format = "my_package.module:MyExporter"

Examples
--------
>>> import tempfile
>>> from graphkit.analyses.toolkit import example_graph
>>> sorted(exporters())[:4]
['cypher', 'folder', 'gexf', 'graphml']
>>> p = export(example_graph(), tempfile.mkdtemp() + "/county.ttl")
>>> p.suffix
'.ttl'
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from importlib import import_module
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any, ClassVar

from ..core.errors import GraphkitError
from ..core.model import Graph

__all__ = ["Exporter", "ExportError", "exporters", "get_exporter", "export", "ENTRY_POINT_GROUP"]

#: The entry-point group under which packages declare further exporters.
ENTRY_POINT_GROUP = "graphkit.exports.exporters"


class ExportError(GraphkitError):
    """No exporter fits the request, or an exporter is malformed."""


class Exporter(ABC):
    """One export format: ``write(graph, path, **options)`` writes it atomically and returns the path."""

    #: the format's name (``graphkit export --format NAME``)
    name: ClassVar[str]
    #: what a user reads: ``{"zh": …, "en": …}``
    label: ClassVar[Mapping[str, str]]
    #: the file suffixes the format is chosen by (lower case, with the dot)
    suffixes: ClassVar[tuple[str, ...]] = ()
    #: True when the export is a folder rather than one file
    folder: ClassVar[bool] = False

    @abstractmethod
    def write(self, graph: Graph, path: Path, **options: Any) -> Path:
        """Write ``graph`` to ``path``; options are the format's own keyword arguments."""

    def describe(self) -> str:
        """One line for listings: label and suffixes."""
        where = "目录 folder" if self.folder else " ".join(self.suffixes)
        return f"{self.label['zh']} / {self.label['en']} ({where})"


class _FunctionExporter(Exporter):
    """A built-in export that is one of graphkit's writer functions, imported on first use."""

    #: ``"module:function"`` of the writer, called as ``function(graph, path, **options)``
    function: ClassVar[str]

    def write(self, graph: Graph, path: Path, **options: Any) -> Path:
        module, _, attr = self.function.partition(":")
        writer = getattr(import_module(module), attr)
        return Path(writer(graph, path, **self._options(), **options))

    def _options(self) -> dict[str, Any]:
        """Keyword arguments the format itself adds (none by default)."""
        return {}


class GraphFolderExporter(_FunctionExporter):
    """The graph folder ``graphkit build`` writes (Parquet tables, manifest): :func:`graphkit.store.io.write_graph`."""

    name = "folder"
    label = {"zh": "图谱输出目录（Parquet）", "en": "graph folder (Parquet)"}
    folder = True
    function = "graphkit.store.io:write_graph"


class GexfExporter(_FunctionExporter):
    """GEXF 1.2 for Gephi, with colours, positions and a timeline: :func:`graphkit.exports.gephi.write_gexf`."""

    name = "gexf"
    label = {"zh": "Gephi 网络文件 GEXF", "en": "GEXF for Gephi"}
    suffixes = (".gexf",)
    function = "graphkit.exports.gephi:write_gexf"


class GraphmlExporter(_FunctionExporter):
    """GraphML for Cytoscape, yEd and networkx: :func:`graphkit.exports.gephi.write_graphml`."""

    name = "graphml"
    label = {"zh": "GraphML 网络文件", "en": "GraphML"}
    suffixes = (".graphml",)
    function = "graphkit.exports.gephi:write_graphml"


class _RdfExporter(_FunctionExporter):
    """RDF in one syntax (the exporter's name): :func:`graphkit.exports.rdf.export_rdf`."""

    function = "graphkit.exports.rdf:export_rdf"

    def _options(self) -> dict[str, Any]:
        return {"fmt": self.name}


class TurtleExporter(_RdfExporter):
    name = "turtle"
    label = {"zh": "RDF（Turtle）", "en": "RDF (Turtle)"}
    suffixes = (".ttl", ".turtle")


class NTriplesExporter(_RdfExporter):
    name = "nt"
    label = {"zh": "RDF（N-Triples）", "en": "RDF (N-Triples)"}
    suffixes = (".nt", ".ntriples")


class NQuadsExporter(_RdfExporter):
    name = "nquads"
    label = {"zh": "RDF（N-Quads，按来源分图）", "en": "RDF (N-Quads, a named graph per source)"}
    suffixes = (".nq", ".nquads")


class TrigExporter(_RdfExporter):
    name = "trig"
    label = {"zh": "RDF（TriG，按来源分图）", "en": "RDF (TriG, a named graph per source)"}
    suffixes = (".trig",)


class JsonldExporter(_RdfExporter):
    name = "jsonld"
    label = {"zh": "RDF（JSON-LD）", "en": "RDF (JSON-LD)"}
    suffixes = (".jsonld", ".json")


class Neo4jImportExporter(_FunctionExporter):
    """CSV files and the command for ``neo4j-admin database import full``: :func:`graphkit.exports.neo4j.export_import`."""

    name = "neo4j-import"
    label = {"zh": "Neo4j 批量导入文件", "en": "Neo4j bulk-import files"}
    folder = True
    function = "graphkit.exports.neo4j:export_import"


class CypherScriptExporter(_FunctionExporter):
    """An idempotent cypher-shell script that loads the graph: :func:`graphkit.exports.neo4j.export_cypher`."""

    name = "cypher"
    label = {"zh": "cypher-shell 脚本", "en": "cypher-shell script"}
    suffixes = (".cypher",)
    function = "graphkit.exports.neo4j:export_cypher"


_BUILT_IN: tuple[type[Exporter], ...] = (GraphFolderExporter, GexfExporter, GraphmlExporter, TurtleExporter,
                                         NTriplesExporter, NQuadsExporter, TrigExporter, JsonldExporter,
                                         Neo4jImportExporter, CypherScriptExporter)


def _checked(obj: Any, where: str) -> Exporter:
    ex = obj() if isinstance(obj, type) else obj
    if not isinstance(ex, Exporter):
        raise ExportError(f"{where}: 不是导出器 / is not a graphkit.exporters.Exporter: {obj!r}")
    label = getattr(ex, "label", None)
    if not getattr(ex, "name", None) or not isinstance(label, Mapping) or not {"zh", "en"} <= set(label):
        raise ExportError(f"{where}: 导出器须有 name 和中英文 label / an exporter needs a name and a zh/en label")
    if not ex.folder and not ex.suffixes:
        raise ExportError(f"{where}: 导出器 {ex.name} 须声明文件扩展名或 folder = True / exporter {ex.name} needs "
                          f"suffixes or folder = True")
    return ex


def exporters(extra: Iterable[Exporter] = (), *, plugins: bool = True) -> dict[str, Exporter]:
    """Every available exporter by name: the built-in ones, installed plugins, then ``extra``.

    Parameters
    ----------
    extra
        Further exporter instances (a later one replaces an earlier one of the same name).
    plugins
        Include the exporters installed packages declare under :data:`ENTRY_POINT_GROUP`.

    Raises
    ------
    ExportError
        If a plugin or an extra exporter is not an :class:`Exporter` with a name, a zh/en label
        and suffixes (or ``folder = True``).
    """
    out = {cls.name: cls() for cls in _BUILT_IN}
    if plugins:
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            ex = _checked(ep.load(), f"entry point {ep.name} = {ep.value}")
            out[ex.name] = ex
    for ex in extra:
        ex = _checked(ex, "extra")
        out[ex.name] = ex
    return out


def get_exporter(path: str | Path, *, format: str | None = None,
                 available: Mapping[str, Exporter] | None = None) -> Exporter:
    """The exporter named ``format``, else the one whose suffix ``path`` has.

    Raises
    ------
    ExportError
        For an unknown format or a suffix no exporter claims (the message lists them).
    """
    avail = dict(available) if available is not None else exporters()
    if format is not None:
        if format not in avail:
            raise ExportError(f"未知导出格式 {format!r} / unknown export format {format!r}; "
                              f"可用 available: {', '.join(sorted(avail))}")
        return avail[format]
    suffix = Path(path).suffix.lower()
    for ex in avail.values():
        if suffix and suffix in ex.suffixes:
            return ex
    claimed = sorted({s for ex in avail.values() for s in ex.suffixes})
    raise ExportError(f"{path}: 无法由扩展名判断导出格式，请用 --format 指定 / cannot tell the export format from the "
                      f"suffix {suffix or '(none)'!r}; give a format ({', '.join(sorted(avail))}) or a suffix "
                      f"({' '.join(claimed)})")


def export(graph: Graph, path: str | Path, *, format: str | None = None, extra: Iterable[Exporter] = (),
           **options: Any) -> Path:
    """Write ``graph`` with the exporter named ``format`` or chosen by the suffix of ``path``.

    Parameters
    ----------
    graph
        The graph.
    path
        The file or folder to write.
    format
        An exporter's name (see :func:`exporters`); default: by the suffix of ``path``.
    extra
        Further exporters to choose from.
    **options
        The exporter's own keyword arguments (e.g. ``force=True`` for RDF, ``as_of=`` for GEXF).

    Returns
    -------
    Path
        What the exporter wrote.
    """
    ex = get_exporter(path, format=format, available=exporters(extra))
    return ex.write(graph, Path(path), **options)
