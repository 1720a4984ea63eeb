"""RDF: an ontology and SHACL shapes derived from the schema, exports, import, SHACL validation.

Everything here is derived from the one declaration (``schema/model.yaml`` and
``schema/codelists.yaml``): each record type's ``rdf.class`` (and optional ``rdf.super``), each
property's ``rdf`` term, the code lists, the checks the loaders enforce. The RDF model reuses
W3C ORG, SKOS, PROV-O, OWL-Time, FOAF and Dublin Core terms; graphkit's own namespace (``gk:``)
is used only where none of them fits. See ``docs/rdf.md``.

IRIs
----
* records: ``{base}{type-lowercase}/{id}`` (``https://graphkit.example.org/id/organization/org-…``);
  ``base`` defaults to ``graphkit.config.base_iri`` (the schema's ``base_iri`` unless
  ``GRAPHKIT_BASE_IRI`` or ``graphkit.override(base_iri=…)`` says otherwise);
* intervals and their instants: ``{record}/interval``, ``{record}/start``, ``{record}/end``;
* ledger files and source rows: ``{base}ledger/{key}`` and ``{base}ledger/{key}/row/{n}``
  (``…/sheet/{sheet}/row/{n}`` for workbooks); ``key`` hashes the file name and its SHA-256;
* code-list concepts: ``{vocab}code/{codelist}-{code}`` (fixed, part of the ontology).

N-Triples, N-Quads, Turtle and TriG are written straight from the tables, chunk by chunk, by
vectorized (pyarrow) string operations: memory is bounded by the chunk, not by the graph. JSON-LD
goes through rdflib or an Oxigraph store. TriG and N-Quads put each ledger file's records in a
named graph named by the file's IRI; the vocabulary and the file descriptions sit in the default
graph.

Examples
--------
>>> import graphkit as gk
>>> from graphkit.exports import rdf
>>> g = gk.build_graph(gk.sample_path())
>>> store = rdf.to_oxigraph(g)
>>> back = rdf.read_rdf(store)
>>> all(back.tables[t].equals(g.tables[t]) for t in g.tables)
True
"""
from __future__ import annotations

from ._rdf_terms import FORMATS, STORES, Terms, terms, check_base
from ._rdf_ontology import ontology_graph, ontology_turtle, shapes_graph, shapes_turtle
from ._rdf_write import to_nquads, to_rdflib, to_oxigraph, export_rdf, serialize, _format_from_suffix as _format_from_suffix, _Sink as _Sink, _stable_jsonld as _stable_jsonld
from ._rdf_read import load_rdf, read_rdf
from ._rdf_validate import validate_rdf

__all__ = [
    "FORMATS", "STORES", "Terms", "terms", "ontology_graph", "ontology_turtle", "shapes_graph", "shapes_turtle",
    "to_nquads", "to_rdflib", "to_oxigraph", "export_rdf", "serialize", "load_rdf", "read_rdf", "validate_rdf",
    "check_base",
]
