"""Parse + validate + compile time of the SOQL engine.

Figures:
  * a realistic admin filter (typed account filter with a date literal, a picklist IN list,
    a parent path and a LIKE): target under 1 ms median;
  * a 10,000-character query (a long OR of conditions, as generated filters get).
Baseline, measured in the same run: sqlglot parsing and regenerating the *equivalent SQL*
(what the engine emits), i.e. the cost of the SQL-side tooling alone without SOQL semantics.

Run: ``make bench`` or ``.venv/bin/python benchmarks/soql.py``.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime

import sqlglot

from pipelines.soql import DateContext, compile_condition, compile_query
from pipelines.soql.catalog import standard_catalog

CTX = DateContext(now=datetime(2026, 1, 15, 12, tzinfo=UTC), time_zone="America/New_York")
ADMIN_FILTER = (
    "Type IN ('Customer - Direct', 'Customer - Channel') AND AnnualRevenue > 50000 "
    "AND (Industry LIKE 'Tech%' OR Owner.Name != null) AND CreatedDate = LAST_N_DAYS:365"
)
LONG_QUERY = "SELECT Id, Name, Owner.Name FROM Account WHERE " + " OR ".join(
    f"(Name = 'Account number {i:05d}' AND AnnualRevenue > {i})" for i in range(10_000)
)
while len(LONG_QUERY) > 10_000:
    LONG_QUERY = LONG_QUERY[: LONG_QUERY.rfind(" OR (")]


def timed(fn: Callable[[], object], repeat: int) -> list[float]:
    fn()  # warm caches (catalog load, imports)
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return samples


def report(label: str, ours: list[float], base: list[float], target_ms: float | None) -> bool:
    med, base_med = statistics.median(ours) * 1000, statistics.median(base) * 1000
    p95 = sorted(ours)[int(len(ours) * 0.95)] * 1000
    verdict = ""
    ok = True
    if target_ms is not None:
        ok = med < target_ms
        verdict = f"  target < {target_ms:g} ms: {'met' if ok else 'MISSED'}"
    print(
        f"{label:34} sfsync {med:8.3f} ms median ({p95:.3f} p95) | baseline sqlglot {base_med:8.3f} ms"
        f" | ratio {med / base_med:5.2f}x{verdict}"
    )
    return ok


def main() -> int:
    catalog = standard_catalog()
    print(f"SOQL engine benchmark (python {sys.version.split()[0]}, sqlglot {sqlglot.__version__})")
    print(f"admin filter: {len(ADMIN_FILTER)} chars; long query: {len(LONG_QUERY):,} chars\n")

    filter_sql = compile_condition(ADMIN_FILTER, "Account", catalog, date_context=CTX).sql
    ours = timed(
        lambda: compile_condition(ADMIN_FILTER, "Account", catalog, date_context=CTX), 2000
    )
    base = timed(
        lambda: sqlglot.parse_one(f"SELECT 1 FROM account WHERE {filter_sql}", read="duckdb").sql(
            "duckdb"
        ),
        2000,
    )
    ok = report("admin filter (parse+validate+compile)", ours, base, 1.0)

    query_sql = compile_query(LONG_QUERY, catalog, date_context=CTX).sql
    ours = timed(lambda: compile_query(LONG_QUERY, catalog, date_context=CTX), 30)
    base = timed(lambda: sqlglot.parse_one(query_sql, read="duckdb").sql("duckdb"), 30)
    report("10,000-character query", ours, base, None)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
