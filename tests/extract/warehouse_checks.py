"""Checks of a synced warehouse against the org it came from (the org's own DuckDB file).

The sandbox org stores each object in a table named like the warehouse's (dlt snake_case), so a
synced table can be compared column by column: the org's live rows, cast to the warehouse's
column types, must be exactly the warehouse rows.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from pipelines.soql.naming import table_name


def warehouse_arrow(home: Path, sql: str) -> pa.Table:
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as db:
        return db.sql(sql).to_arrow_table()


def warehouse_scalar(home: Path, sql: str) -> Any:
    return warehouse_arrow(home, sql).column(0)[0].as_py()


def column_types(home: Path, table: str) -> dict[str, str]:
    rows = warehouse_arrow(home, f'DESCRIBE salesforce."{table}"').to_pylist()
    return {r["column_name"]: r["column_type"] for r in rows}


def synced_columns(home: Path, table: str) -> dict[str, str]:
    return {k: v for k, v in column_types(home, table).items() if not k.startswith("_dlt")}


def table_rows(home: Path, object_name: str) -> pa.Table:
    table = table_name(object_name)
    cols = ", ".join(f'"{c}"' for c in synced_columns(home, table))
    return warehouse_arrow(home, f'SELECT {cols} FROM salesforce."{table}"')


def differences(org: Any, home: Path, object_name: str, *, live_only: bool = True) -> list[str]:
    """Rows that differ between the org and the warehouse for one object (empty: identical)."""
    table = table_name(object_name)
    types = synced_columns(home, table)
    org_columns = set(
        org.arrow(f"SELECT * FROM {org.store.table(object_name)} LIMIT 0").column_names
    )
    missing = [c for c in types if c not in org_columns]
    if missing:
        return [f"{object_name}: warehouse columns the org does not have: {missing}"]
    has_deleted = "is_deleted" in org_columns
    where = " WHERE NOT is_deleted" if live_only and has_deleted else ""
    cols = ", ".join(f'"{c}"' for c in types)
    org_rows = org.arrow(f"SELECT {cols} FROM {org.store.table(object_name)}{where}")
    wh_rows = warehouse_arrow(home, f'SELECT {cols} FROM salesforce."{table}"')
    with duckdb.connect() as db:
        db.execute("SET TimeZone = 'UTC'")
        db.register("org_rows", org_rows)
        db.register("wh_rows", wh_rows)
        cast = ", ".join(f'CAST("{c}" AS {t}) AS "{c}"' for c, t in types.items())
        only_org = db.execute(
            f"SELECT {cast} FROM org_rows EXCEPT ALL SELECT {cols} FROM wh_rows"
        ).fetchall()
        only_wh = db.execute(
            f"SELECT {cols} FROM wh_rows EXCEPT ALL SELECT {cast} FROM org_rows"
        ).fetchall()
    problems = []
    if only_org:
        problems.append(
            f"{object_name}: {len(only_org)} org row(s) not in the warehouse, e.g. {only_org[:2]}"
        )
    if only_wh:
        problems.append(
            f"{object_name}: {len(only_wh)} warehouse row(s) not in the org, e.g. {only_wh[:2]}"
        )
    return problems


def duplicates(home: Path, object_name: str) -> int:
    table = table_name(object_name)
    return int(
        warehouse_scalar(home, f'SELECT count(*) - count(DISTINCT id) FROM salesforce."{table}"')
    )


def snapshot(home: Path, objects: list[str] | tuple[str, ...]) -> dict[str, list[tuple[Any, ...]]]:
    """Every synced row of ``objects``, sorted: equal snapshots mean identical tables."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    for name in objects:
        table = table_name(name)
        cols = ", ".join(f'"{c}"' for c in synced_columns(home, table))
        with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as db:
            out[name] = db.execute(
                f'SELECT {cols} FROM salesforce."{table}" ORDER BY id'
            ).fetchall()
    return out
