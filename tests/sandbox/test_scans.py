"""A query over one table in table order runs as row-range parts and gives the same rows in the
same order; any other query runs whole."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import duckdb
import pyarrow as pa
import pytest

from pipelines.sandbox import records as rec
from pipelines.sandbox import scans
from pipelines.soql import compile_query
from pipelines.soql.compiler import CompiledQuery


def _compiled(org: Any, soql: str, *, include_deleted: bool = False) -> CompiledQuery:
    return compile_query(
        soql, catalog=org.store.catalog, dialect="duckdb", include_deleted=include_deleted
    )


@pytest.mark.parametrize(
    ("soql", "include_deleted"),
    [
        ("SELECT Id, Name, AnnualRevenue, CreatedDate, LastActivityDate FROM Account", False),
        ("SELECT Id, Subject, IsClosed FROM Case WHERE Priority != 'Low'", False),
        ("SELECT Id, Name, IsDeleted FROM Account", True),
    ],
)
def test_parts_give_the_rows_of_the_whole_query_in_its_order(
    org: Any, monkeypatch: pytest.MonkeyPatch, soql: str, include_deleted: bool
) -> None:
    monkeypatch.setattr(scans, "MIN_PART_ROWS", 10)
    query = _compiled(org, soql, include_deleted=include_deleted)
    queries: list[str] = []

    def run(cursor: duckdb.DuckDBPyConnection, part: CompiledQuery) -> pa.Table:
        queries.append(part.sql)
        return rec.csv_relation(cursor, part).to_arrow_table()

    with ThreadPoolExecutor(max_workers=2) as executor:
        parts = scans.run_in_parts(org.store, query, run, executor, 3)
    assert len(queries) == 3 and all("rowid" in sql for sql in queries)
    with org.store.reading() as cursor:
        whole = rec.csv_relation(cursor, query).to_arrow_table()
    assert whole.num_rows > 30
    assert parts.equals(whole)


@pytest.mark.parametrize(
    "soql",
    [
        "SELECT Id, Account.Name FROM Contact",
        "SELECT Id FROM Account ORDER BY Name",
        "SELECT Id FROM Account LIMIT 5",
        "SELECT Id FROM Account WHERE Id IN (SELECT AccountId FROM Contact)",
        "SELECT COUNT() FROM Account",
        "SELECT Industry, COUNT(Id) FROM Account GROUP BY Industry",
    ],
)
def test_queries_out_of_table_order_run_whole(org: Any, soql: str) -> None:
    assert scans.in_table_order(_compiled(org, soql)) is None


def test_a_query_over_a_small_table_runs_whole_without_holding_writes_back(org: Any) -> None:
    query = _compiled(org, "SELECT Id, Name FROM Account")
    writes_went_on: list[bool] = []

    def run(cursor: duckdb.DuckDBPyConnection, part: CompiledQuery) -> pa.Table:
        # A writer in another thread must not wait for this read.
        writer = threading.Thread(target=lambda: _pause_writes(org, writes_went_on))
        writer.start()
        writer.join(timeout=5)
        return rec.csv_relation(cursor, part).to_arrow_table()

    with ThreadPoolExecutor(max_workers=2) as executor:
        result = scans.run_in_parts(org.store, query, run, executor, 2)
    assert result.num_rows > 0
    assert writes_went_on == [True]


def _pause_writes(org: Any, went_on: list[bool]) -> None:
    with org.store.writes_paused():
        went_on.append(True)
