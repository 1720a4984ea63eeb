"""Neo4j: online push, ``neo4j-admin`` bulk-import files and a cypher-shell script.

All three are derived from the schema through :mod:`graphkit.exports._graph_shape`: labels,
relationship types and property keys come only from ``schema/model.yaml`` and are checked
against a strict identifier pattern before they reach query text; values travel only as query
parameters (push) or as escaped literals (script, :func:`cypher_literal`).

* :func:`push` — constraints and indexes first (Neo4j 5 ``IF NOT EXISTS``), then batched
  ``UNWIND $rows … MERGE`` write transactions keyed on ``id``; retries on transient errors;
  progress; a final count check of every label and relationship against the graph. Re-running
  converges: properties are set (a missing value removes the property), a changed ref moves
  its relationship, and ``prune=True`` removes records of these labels that are no longer in
  the graph (only for a database that holds this one graph).
* :func:`export_import` — CSV files for ``neo4j-admin database import full`` with typed headers
  and id spaces, a pre-check for duplicate ids and dangling ends, and ``import.sh`` /
  ``IMPORT.md`` with the exact command.
* :func:`export_cypher` — a script for ``cypher-shell -f`` that creates the constraints and loads
  the graph with the same statements as the push.

Examples
--------
>>> from graphkit.exports.neo4j import schema_statements, cypher_literal
>>> schema_statements()[0]
'CREATE CONSTRAINT `gk_Place_id` IF NOT EXISTS FOR (n:`Place`) REQUIRE n.`id` IS UNIQUE'
>>> cypher_literal("it's")
"'it\\\\'s'"
"""
from __future__ import annotations

from ._bolt import Neo4jError, query_server
from ._graph_shape import cypher_literal
from ._neo4j_files import ADMIN_TYPES, export_import, precheck
from ._neo4j_push import DEFAULT_BATCH_SIZE, connect, push, redact_uri
from ._neo4j_scriptfile import SCRIPT_BATCH_SIZE, export_cypher
from ._neo4j_statements import node_statement, rel_statement, schema_statements

__all__ = ["schema_statements", "node_statement", "rel_statement", "cypher_literal", "export_cypher",
           "export_import", "precheck", "push", "Neo4jError", "connect", "query_server", "DEFAULT_BATCH_SIZE",
           "ADMIN_TYPES", "SCRIPT_BATCH_SIZE", "redact_uri"]
