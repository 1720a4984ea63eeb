"""Online push to a Neo4j 5 server: connect, batched write transactions, prune, the count check."""
from __future__ import annotations

import time
from typing import Any
from collections.abc import Callable, Mapping

import pandas as pd

from ._bolt import Neo4jError, _retrying, _session
from ._graph_shape import GraphShape, RelShape, arrow_tables, graph_shape, ident, node_table
from ._neo4j_statements import (ProgressFn, _column_params, _schema_parts, _node_order, _rel_order, _triple_rows, node_statement,
                                rel_statement)
from ..core.schema import Model, load_schema

DEFAULT_BATCH_SIZE = 20_000
_SCHEMES = ("neo4j", "neo4j+s", "neo4j+ssc", "bolt", "bolt+s", "bolt+ssc")


def redact_uri(uri: str) -> str:
    """Remove ``user:password@`` from a URI before it goes into a message.

    >>> redact_uri("neo4j+s://" + "neo4j:pw" + "@db.example:7687")
    'neo4j+s://***@db.example:7687'
    """
    scheme, sep, rest = uri.partition("://")
    if not sep:
        return uri.split("@", 1)[-1] if "@" in uri else uri
    host = rest.rsplit("@", 1)[-1]
    return f"{scheme}://***@{host}" if "@" in rest else uri


def _scrub(text: str, uri: str, password: str) -> str:
    """Remove the URI's userinfo and the password from a driver's message."""
    text = text.replace(uri, redact_uri(uri))
    return text.replace(password, "***") if password else text


def connect(uri: str, user: str, password: str) -> Any:
    """Open a driver and check the server answers; errors become :class:`Neo4jError`.

    ``neo4j://``, ``bolt://``, ``neo4j+s://`` and ``bolt+s://`` URIs work (the driver handles TLS).
    The password is never part of a message.

    Examples
    --------
    An address that is not a Neo4j URI is refused before anything is sent:

    >>> pw = "not-" + "a-real-password"
    >>> try:
    ...     connect(f"http://neo4j:{pw}@localhost:7474", "neo4j", pw)
    ... except Neo4jError as exc:
    ...     print("invalid Neo4j URI" in str(exc), pw in str(exc))
    True False
    """
    import neo4j
    from neo4j import exceptions as nx

    shown = redact_uri(uri)
    scheme = uri.split("://", 1)[0].lower() if "://" in uri else ""
    if scheme not in _SCHEMES:
        raise Neo4jError(f"Neo4j 地址无效 / invalid Neo4j URI {shown!r}: use one of "
                         f"{', '.join(s + '://' for s in _SCHEMES)}")
    try:
        driver = neo4j.GraphDatabase.driver(uri, auth=(user, password))
    except (ValueError, nx.ConfigurationError) as exc:
        raise Neo4jError(f"Neo4j 地址无效 / invalid Neo4j URI {shown!r}: {_scrub(str(exc), uri, password)}") from None
    for attempt in range(4):
        try:
            driver.verify_connectivity()
            return driver
        except nx.AuthError:
            driver.close()
            raise Neo4jError(f"Neo4j 认证失败 / authentication failed for user {user!r} at {shown}") from None
        except (nx.ServiceUnavailable, nx.SessionExpired) as exc:
            if attempt == 3:
                driver.close()
                raise Neo4jError(f"无法连接 Neo4j / cannot reach Neo4j at {shown}: {_scrub(str(exc), uri, password)}") from None
            time.sleep(2 ** attempt)
    raise AssertionError("unreachable")  # pragma: no cover


def _run_write(driver: Any, database: str | None, stmt: str, params: Mapping[str, Any], what: str) -> None:
    def work(tx: Any) -> None:
        tx.run(stmt, **params).consume()

    def call() -> None:
        with _session(driver, database) as s:
            s.execute_write(work)

    _retrying(call, what)


def _run_read(driver: Any, database: str | None, stmt: str, params: Mapping[str, Any], what: str, *,
              quiet: bool = False) -> list[Any]:
    def work(tx: Any) -> list[Any]:
        return [r.values() for r in tx.run(stmt, **params)]

    def call() -> list[Any]:
        with _session(driver, database, quiet=quiet) as s:
            return s.execute_read(work)

    return _retrying(call, what)


def push(source: Any, *, uri: str, user: str, password: str, database: str | None = None,
         batch_size: int | None = None, workers: int | None = None, prune: bool = False,
         model: Model | None = None, progress: ProgressFn | None = None, driver: Any = None,
         county: str | None = None) -> pd.DataFrame:
    """Load a graph into a Neo4j 5 server, idempotently.

    Steps: constraints and indexes (:func:`schema_statements`) and ``db.awaitIndexes`` (into a
    database that holds no node of the schema's labels, only the constraints: the other indexes are
    built after the load, which costs the server less than updating them row by row); every
    node label, then every relationship triple, in batches of ``batch_size`` rows, each batch
    one managed write transaction of the :func:`node_statement` / :func:`rel_statement`
    statement with the rows as the ``$rows`` parameter, ``workers`` batches at a time; with
    ``prune``, records of these labels and types whose id is not in the graph are deleted;
    finally every label and triple is counted on the server and compared with the graph.

    A label or triple that has nothing on the server yet is loaded with the ``CREATE`` form of
    its statement (no lookup of what is not there); otherwise with ``MERGE``. Counts are taken
    from the server's count store first; only a label or triple whose count differs is counted
    again id by id (a database that also holds other data).

    A push interrupted midway and run again ends with the same graph as one uninterrupted
    push: every statement is a MERGE on ``id`` that sets all properties.

    Parameters
    ----------
    source
        An output folder or a :class:`graphkit.Graph`.
    uri, user, password
        The server and credentials (``neo4j+s://`` for TLS). The password is never printed.
    database
        The database name (default: the server's default database).
    batch_size
        Rows per transaction (default ``graphkit.config.neo4j_batch_size``, 20,000).
    workers
        Transactions in flight at once (default ``graphkit.config.neo4j_workers``, 2). Batches of
        one label never conflict; relationship batches that meet on a node are serialized by the
        server (a deadlock is retried by the driver).
    prune
        Delete nodes of the schema's labels and n-ary relationships whose id is not in the
        graph. Only for a database that holds this one graph.
    progress
        Called with progress messages (the CLI prints them on stderr).
    driver
        An open ``neo4j.Driver`` to use instead of connecting (it is not closed).
    county
        A province graph only: push this county's records (its nodes, its link records and the
        references they hold, cross-county ones included); with ``prune``, delete only that
        county's records that are gone (``graphkit.exports._neo4j_county``). No other county's records
        change.

    Returns
    -------
    pandas.DataFrame
        One row per label and triple: ``kind``, ``name``, ``expected``, ``found``, ``ok``.

    Raises
    ------
    Neo4jError
        On connection or authentication failure, after retries are exhausted, or when a
        count differs.

    Examples
    --------
    With a server, ``push(out, uri="neo4j://host:7687", user="neo4j", password=…)`` returns the
    count check (one row per label and relationship triple, ``ok`` everywhere). A bad address is a
    clear error:

    >>> import os
    >>> import graphkit as gk
    >>> try:
    ...     push(gk.sample_graph(), uri="http://localhost:7474", user="neo4j", password=os.environ.get("NEO4J_PASSWORD", ""))
    ... except Neo4jError as exc:
    ...     print("invalid Neo4j URI" in str(exc))
    True
    """
    from ..core.model import Graph
    from ..core.settings import config

    import pyarrow.compute as pc

    batch_size = config.neo4j_batch_size if batch_size is None else batch_size
    workers = config.neo4j_workers if workers is None else workers
    if batch_size < 1:
        raise Neo4jError(f"批大小须为正数 / batch size must be positive, got {batch_size}")
    if workers < 1:
        raise Neo4jError(f"并发数须为正数 / workers must be positive, got {workers}")
    say = progress or (lambda _m: None)
    model = source.model if isinstance(source, Graph) else (model or load_schema())
    shape = graph_shape(model)
    tables = arrow_tables(source, model)
    scope = None
    if county is not None:
        from ._neo4j_county import CountyScope
        scope = CountyScope.of(source, county, tables)
    own = driver is None
    drv = connect(uri, user, password) if own else driver
    try:
        say(f"约束与索引 / constraints and indexes on {redact_uri(uri)}")
        constraints, link_indexes, node_indexes = _schema_parts(model)
        indexes = link_indexes + node_indexes
        # Into an empty target the secondary indexes (name, codes, link ids) are built once after
        # the load: populating an index in bulk costs the server far less than updating it row by
        # row. Anything else (a re-push, an interrupted first push, other data) gets them first, as
        # the MERGE statements' index hints need them.
        empty = all(_server_count(drv, database, f"MATCH (n:{ident(ns.label)}) RETURN count(n)") == 0
                    for ns in shape.nodes)
        _create_schema(drv, database, constraints if empty else constraints + indexes)
        # elementId of every node created by this push, per node type (ids, element ids)
        created: dict[str, tuple[Any, Any]] = {}
        for ns in shape.nodes:
            t = node_table(ns, tables[ns.type] if scope is None else scope.tables[ns.type])
            fresh = bool(t.num_rows) and _server_count(drv, database, f"MATCH (n:{ident(ns.label)}) RETURN count(n)") == 0
            eids = _push_rows(drv, database, node_statement(ns, create=fresh, columns=True, element_ids=fresh),
                              _node_order(ns), t, batch_size, f"(:{ns.label})", say, workers=workers, collect=fresh)
            if eids is not None:
                created[ns.type] = (t.column("id"), eids)
        for rs in shape.rels:
            t = _triple_rows(rs, tables, say)
            t = t if scope is None else scope.rows(rs, t)
            fresh = bool(t.num_rows) and _triple_is_empty(drv, database, rs)
            if fresh and not rs.is_link:
                t = t.filter(pc.is_valid(t.column("end_id")))
            if workers > 1 and t.num_rows > batch_size:
                t = t.sort_by("start_id")  # batches in flight together then share no start node
            by_eid = _by_element_id(t, rs, created) if fresh else None
            _push_rows(drv, database, rel_statement(rs, create=fresh, columns=True, element_ids=by_eid is not None),
                       _rel_order(rs), t if by_eid is None else by_eid, batch_size,
                       f"(:{rs.source_label})-[:{rs.rel}]->(:{rs.target_label})", say, workers=workers)
        if empty:
            say("索引 / indexes")
            _create_schema(drv, database, indexes)
        if prune:
            _prune(drv, database, shape, tables if scope is None else scope.tables, batch_size, say,
                   prefix=None if scope is None else scope.prefix)
        report = _count_check(drv, database, shape, tables if scope is None else scope.tables, batch_size)
    finally:
        if own:
            drv.close()
    bad = report[~report["ok"]]
    if len(bad):
        raise Neo4jError("Neo4j 中的数量与图谱不符 / counts on the server differ from the graph:\n"
                         + bad.to_string(index=False))
    say(f"完成 done: {int(report.loc[report['kind'] == 'node', 'found'].sum())} 个节点 nodes, "
        f"{int(report.loc[report['kind'] == 'relationship', 'found'].sum())} 条关系 relationships")
    return report


def _create_schema(drv: Any, database: str | None, stmts: list[str]) -> None:
    """Run schema statements (``IF NOT EXISTS``), then wait until every index is online."""
    for stmt in stmts:
        _run_write(drv, database, stmt, {}, "schema")
    _run_write(drv, database, "CALL db.awaitIndexes(300)", {}, "awaitIndexes")


def _server_count(drv: Any, database: str | None, stmt: str) -> int:
    """One count from the server (a count-store query: constant time)."""
    return int(_run_read(drv, database, stmt, {}, "count", quiet=True)[0][0])


def _triple_is_empty(drv: Any, database: str | None, rs: RelShape) -> bool:
    """True when the server holds no ``(:A)-[:R]->(:B)`` relationship (either one-sided count is 0)."""
    rel = ident(rs.rel)
    return (_server_count(drv, database, f"MATCH (:{ident(rs.source_label)})-[r:{rel}]->() RETURN count(r)") == 0
            or _server_count(drv, database, f"MATCH ()-[r:{rel}]->(:{ident(rs.target_label)}) RETURN count(r)") == 0)


def _by_element_id(t: Any, rs: RelShape, created: Mapping[str, tuple[Any, Any]]) -> Any:
    """``t`` with ``start_id`` / ``end_id`` replaced by the ends' element ids, or None.

    None unless both end types were created by this push and every end is among them (a county
    push's cross-county end, say, was not): then the triple is matched by ``id`` as before.
    """
    import pyarrow.compute as pc

    if rs.source_type not in created or rs.target_type not in created:
        return None
    out = t
    for col, typ in (("start_id", rs.source_type), ("end_id", rs.target_type)):
        ids, eids = created[typ]
        mapped = eids.take(pc.index_in(t.column(col), value_set=ids.combine_chunks()))
        if mapped.null_count:
            return None
        out = out.set_column(out.column_names.index(col), col, mapped)
    return out


def _push_rows(drv: Any, database: str | None, stmt: str, order: list[str], table: Any, batch_size: int,
               what: str, say: ProgressFn, *, workers: int = 1, collect: bool = False) -> Any:
    """Run ``stmt`` over ``table`` in batches, ``workers`` write transactions in flight at once.

    Each batch goes as parallel lists in ``order`` (:func:`_column_params`).

    At most ``2 * workers`` batches are converted ahead, so memory stays bounded. If anything
    fails (or the caller's progress function raises), batches not yet started are cancelled.

    Returns
    -------
    pyarrow.Array or None
        With ``collect`` (``stmt`` returns ``i, e`` per row, :func:`node_statement`'s
        ``element_ids``): the ``e`` of every row of ``table``, in its order; otherwise None.
    """
    from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait

    import pyarrow as pa

    n = table.num_rows
    done = 0
    eids: list[Any] = [None] * n if collect else []

    def finish(start: int, records: list[Any]) -> None:
        nonlocal done
        for i, e in records:
            eids[start + i] = e
        done += min(batch_size, n - start)
        say(f"{what}: {done}/{n}")

    starts = range(0, n, batch_size)
    if workers == 1:
        for start in starts:
            finish(start, _write_batch(drv, database, stmt, _column_params(order, table.slice(start, batch_size)),
                                       what, collect))
        return pa.array(eids, pa.string()) if collect else None
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="graphkit-push")
    pending: dict[Any, int] = {}
    try:
        for start in starts:
            if len(pending) >= 2 * workers:
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                for fut in finished:
                    finish(pending.pop(fut), fut.result())
            params = _column_params(order, table.slice(start, batch_size))
            pending[pool.submit(_write_batch, drv, database, stmt, params, what, collect)] = start
        while pending:
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            for fut in finished:
                finish(pending.pop(fut), fut.result())
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return pa.array(eids, pa.string()) if collect else None


def _write_batch(drv: Any, database: str | None, stmt: str, params: dict[str, list[Any]], what: str,
                 collect: bool = False) -> list[Any]:
    """One batch in one managed write transaction; with ``collect`` its result rows (``i, e``)."""
    if not collect:
        _run_write(drv, database, stmt, params, what)
        return []
    return _run_write_rows(drv, database, stmt, params, what)


def _run_write_rows(drv: Any, database: str | None, stmt: str, params: Mapping[str, Any], what: str) -> list[Any]:
    def work(tx: Any) -> list[Any]:
        return [tuple(r.values()) for r in tx.run(stmt, **params)]

    def call() -> list[Any]:
        with _session(drv, database) as s:
            return s.execute_write(work)

    return _retrying(call, what)


def _prune(drv: Any, database: str | None, shape: GraphShape, tables: Mapping[str, Any], batch_size: int,
           say: ProgressFn, *, prefix: str | None = None) -> None:
    idk = ident("id")
    # one county of a province: only records whose source file lies in its folder
    only = "" if prefix is None else " AND {v}.src_file STARTS WITH $prefix"
    extra = {} if prefix is None else {"prefix": prefix}
    for rel in shape.rel_types():
        rs = shape.rel_shapes(rel)[0]
        if not rs.is_link:
            continue
        ids = tables[rs.table].column("id").to_pylist()
        stmt = (f"MATCH ()-[r:{ident(rel)}]->() WHERE NOT r.{idk} IN $ids{only.format(v='r')} "
                f"WITH r LIMIT $limit DELETE r RETURN count(*) AS n")
        _prune_loop(drv, database, stmt, ids, batch_size, f"[:{rel}]", say, params=extra)
    for ns in shape.nodes:
        ids = tables[ns.type].column("id").to_pylist()
        stmt = (f"MATCH (n:{ident(ns.label)}) WHERE NOT n.{idk} IN $ids{only.format(v='n')} "
                f"WITH n LIMIT $limit DETACH DELETE n RETURN count(*) AS n")
        _prune_loop(drv, database, stmt, ids, batch_size, f"(:{ns.label})", say, params=extra)


def _prune_loop(drv: Any, database: str | None, stmt: str, ids: list[str], batch_size: int, what: str,
                say: ProgressFn, *, params: Mapping[str, Any] | None = None) -> None:
    total = 0
    while True:
        box: list[int] = []

        def work(tx: Any, box: list[int] = box) -> None:
            box.append(int(tx.run(stmt, ids=ids, limit=batch_size, **dict(params or {})).single()["n"]))

        def call(work: Callable[[Any], None] = work) -> None:
            with _session(drv, database) as s:
                s.execute_write(work)

        box.clear()
        _retrying(call, f"prune {what}")
        total += box[-1]
        if box[-1] < batch_size:
            break
    if total:
        say(f"删除已不存在的记录 / pruned {total} {what}")


def _count_check(drv: Any, database: str | None, shape: GraphShape, tables: Mapping[str, Any],
                 batch_size: int) -> pd.DataFrame:
    """Compare every label and triple on the server with the graph.

    The server's count store answers ``count(n:L)`` and one-sided relationship counts at once;
    where those equal what the graph holds the label or triple is taken as found. Anything else
    (a missing record, or a database that also holds other data) is counted again id by id, so
    ``found`` is always the number of the graph's own records on the server.
    """
    import pyarrow.compute as pc

    idk = ident("id")

    def by_ids(stmt: str, ids: list[Any]) -> int:
        return int(sum(_run_read(drv, database, stmt, {"ids": ids[i:i + batch_size]}, "count")[0][0]
                       for i in range(0, len(ids), batch_size)))

    rows = []
    for ns in shape.nodes:
        expected = tables[ns.type].num_rows
        found = _server_count(drv, database, f"MATCH (n:{ident(ns.label)}) RETURN count(n)")
        if found != expected:
            stmt = f"UNWIND $ids AS i MATCH (n:{ident(ns.label)} {{{idk}: i}}) RETURN count(n) AS n"
            found = by_ids(stmt, tables[ns.type].column("id").to_pylist())
        rows.append({"kind": "node", "name": ns.label, "expected": expected, "found": int(found)})
    triples = [(rs, _triple_rows(rs, tables)) for rs in shape.rels]
    expected_of = {}
    for rs, t in triples:
        expected_of[rs] = t.num_rows if rs.is_link else int(pc.sum(pc.is_valid(t.column("end_id")).cast("int64")).as_py() or 0)
    # one-sided sums: (:A)-[:R]->() and ()-[:R]->(:B) over the triples that share them
    out_sum: dict[tuple[str, str], int] = {}
    in_sum: dict[tuple[str, str], int] = {}
    for rs, _ in triples:
        out_sum[(rs.source_label, rs.rel)] = out_sum.get((rs.source_label, rs.rel), 0) + expected_of[rs]
        in_sum[(rs.rel, rs.target_label)] = in_sum.get((rs.rel, rs.target_label), 0) + expected_of[rs]
    out_ok = {k: _server_count(drv, database, f"MATCH (:{ident(k[0])})-[r:{ident(k[1])}]->() RETURN count(r)") == v
              for k, v in out_sum.items()}
    in_ok = {k: _server_count(drv, database, f"MATCH ()-[r:{ident(k[0])}]->(:{ident(k[1])}) RETURN count(r)") == v
             for k, v in in_sum.items()}
    for rs, t in triples:
        expected = expected_of[rs]
        if out_ok[(rs.source_label, rs.rel)] and in_ok[(rs.rel, rs.target_label)]:
            found = expected
        elif rs.is_link:
            stmt = (f"UNWIND $ids AS i MATCH (:{ident(rs.source_label)})-[r:{ident(rs.rel)} {{{idk}: i}}]->"
                    f"(:{ident(rs.target_label)}) RETURN count(r) AS n")
            found = by_ids(stmt, t.column("id").to_pylist())
        else:
            stmt = (f"UNWIND $ids AS i MATCH (:{ident(rs.source_label)} {{{idk}: i}})-[r:{ident(rs.rel)}]->"
                    f"(:{ident(rs.target_label)}) RETURN count(r) AS n")
            found = by_ids(stmt, t.filter(pc.is_valid(t.column("end_id"))).column("start_id").to_pylist())
        rows.append({"kind": "relationship", "name": f"{rs.source_label}-{rs.rel}->{rs.target_label}",
                     "expected": expected, "found": int(found)})
    df = pd.DataFrame(rows)
    df["ok"] = df["expected"] == df["found"]
    return df
