"""A query over one table, run as several queries over consecutive row ranges side by side.

DuckDB scans a row group (122,880 rows) on one thread, so a query over a table of up to that
many rows runs on one core however many the machine has — and a Bulk query job over every
Account of a large org spends most of its time there. A query whose rows come out in table
order — it reads one table, with no join, subquery, aggregate, window, DISTINCT, ORDER BY or
LIMIT — gives the same rows in the same order when it is run once per range of the table's
``rowid`` and the parts are put end to end; the parts run on an executor's threads at once.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable
from concurrent.futures import Executor

import duckdb
import pyarrow as pa
from sqlglot import exp

from pipelines.sandbox.store import OrgStore
from pipelines.soql.compiler import CompiledQuery

MIN_PART_ROWS = 20_000
"""Fewer rows than this per part are not worth another query."""

_UNORDERED = (
    exp.Select,
    exp.Join,
    exp.Subquery,
    exp.AggFunc,
    exp.Window,
    exp.Distinct,
    exp.Order,
    exp.Limit,
    exp.Offset,
)
_CLAUSES = ("joins", "group", "having", "qualify", "distinct", "order", "limit", "offset")


def in_table_order(query: CompiledQuery) -> tuple[exp.Select, exp.Table] | None:
    """``query``'s SELECT and the table it reads, when its rows come out in that table's
    order; else None."""
    select = query.expression
    if not isinstance(select, exp.Select) or any(select.args.get(c) for c in _CLAUSES):
        return None
    source = select.args.get("from_")
    table = source.this if isinstance(source, exp.From) else None
    if not isinstance(table, exp.Table) or not table.alias:
        return None
    nested = (node for node in select.walk() if node is not select)
    if any(isinstance(node, _UNORDERED) for node in nested):
        return None
    return select, table


def run_in_parts(
    store: OrgStore,
    query: CompiledQuery,
    run: Callable[[duckdb.DuckDBPyConnection, CompiledQuery], pa.Table],
    executor: Executor,
    parts: int,
) -> pa.Table:
    """``run(cursor, query)``, as up to ``parts`` queries over row ranges at once when ``query``
    keeps table order and its table is large enough; else as it is.

    Writes wait until the parts are read, so that they read one snapshot; a query run whole
    (a small table, say) does not hold them back.
    """
    found = in_table_order(query)
    if found is None or parts < 2 or _rows(store, found[1]) < 2 * MIN_PART_ROWS:
        return _run_whole(store, query, run)  # without holding writes back
    select, table = found
    with store.writes_paused():
        rows = _rows(store, table)
        parts = min(parts, rows // MIN_PART_ROWS)
        if parts < 2:
            return _run_whole(store, query, run)
        bounds = [rows * i // parts for i in range(parts)] + [rows]
        rowid = exp.column("rowid", table=table.alias)
        futures = [
            executor.submit(
                _run_whole,
                store,
                dataclasses.replace(query, sql=_where(select, rowid, start, stop)),
                run,
            )
            for start, stop in itertools.pairwise(bounds)
        ]
        results = [future.result() for future in futures]
    return pa.concat_tables(results)


def _rows(store: OrgStore, table: exp.Table) -> int:
    """One past the table's last rowid: its rows, deleted ones included."""
    with store.reading() as cursor:
        last = cursor.sql(_sql(exp.select("max(rowid)").from_(table.copy()))).fetchall()
    return int(last[0][0]) + 1 if last[0][0] is not None else 0


def _where(select: exp.Select, rowid: exp.Column, start: int, stop: int) -> str:
    part = exp.and_(rowid >= start, rowid < stop)
    return _sql(select.copy().where(part, copy=False))


def _sql(select: exp.Select) -> str:
    return select.sql(dialect="duckdb", identify=True)


def _run_whole(
    store: OrgStore,
    query: CompiledQuery,
    run: Callable[[duckdb.DuckDBPyConnection, CompiledQuery], pa.Table],
) -> pa.Table:
    with store.reading() as cursor:
        return run(cursor, query)
