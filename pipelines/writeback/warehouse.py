"""Reading the warehouse for a push: briefly, read-only, out of a sync job's way.

DuckDB lets one process write a file, and no other process can open it meanwhile. A push
reads its models and the org's synced values in one short read-only connection and closes it
before sending anything, so a sync job can start while a push is still talking to Salesforce;
while a job writes, :func:`read_warehouse` waits up to ``wait_s`` and then raises
:class:`WarehouseBusy`.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipelines.transform.warehouse import is_lock_error, warehouse_path

RAW_SCHEMA = "salesforce"
# dlt's staging copy of the raw dataset: never a model.
_NOT_MODELS = (RAW_SCHEMA, f"{RAW_SCHEMA}_staging")
# Where dbt puts the write-back models, then the marts.
_PREFERRED_SCHEMAS = ("writeback", "main")


class WarehouseUnavailable(RuntimeError):
    """The warehouse cannot be read; the message says why and what to do."""


class WarehouseBusy(WarehouseUnavailable):
    def __init__(self, waited_s: float) -> None:
        super().__init__(
            f"the warehouse is being written by a sync job (waited {waited_s:.0f} s); "
            "push again when the job has finished (`sfsync jobs list`)"
        )


@dataclass(frozen=True)
class Relation:
    schema: str
    name: str

    @property
    def sql(self) -> str:
        return f'"{self.schema}"."{self.name}"'

    def __str__(self) -> str:
        return f"{self.schema}.{self.name}"


@contextmanager
def read_warehouse(
    home: str | Path | None, *, wait_s: float = 0.0
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to ``$SFSYNC_HOME/warehouse.duckdb``, closed on exit."""
    path = warehouse_path(home)
    if not path.is_file():
        raise WarehouseUnavailable(
            f"there is no warehouse at {path} yet: run a sync job (`sfsync sync`) first"
        )
    started = time.monotonic()
    delay = 0.1
    while True:
        try:
            conn = duckdb.connect(str(path), read_only=True)
            break
        except duckdb.Error as exc:
            if not is_lock_error(exc):
                raise WarehouseUnavailable(f"cannot open the warehouse {path}: {exc}") from None
            waited = time.monotonic() - started
            if waited >= wait_s:
                raise WarehouseBusy(waited) from None
            time.sleep(min(delay, max(0.0, wait_s - waited)))
            delay = min(delay * 2, 2.0)
    try:
        yield conn
    finally:
        conn.close()


def find_model(conn: duckdb.DuckDBPyConnection, name: str) -> list[Relation]:
    """Tables and views called ``name`` outside the raw dataset, the likeliest first."""
    rows = conn.execute(
        "SELECT table_schema, table_name FROM information_schema.tables"
        " WHERE lower(table_name) = lower(?) AND table_schema NOT IN (?, ?)",
        [name, *_NOT_MODELS],
    ).fetchall()
    found = [Relation(str(schema), str(table)) for schema, table in rows]

    def rank(rel: Relation) -> tuple[int, str]:
        schema = rel.schema.lower()
        order = _PREFERRED_SCHEMAS.index(schema) if schema in _PREFERRED_SCHEMAS else 99
        return order, schema

    return sorted(found, key=rank)


def list_models(conn: duckdb.DuckDBPyConnection) -> list[Relation]:
    """The relations that can feed write-back, by name: every table and view of the
    ``writeback`` schema, and ``writeback__*`` ones elsewhere outside the raw dataset."""
    rows = conn.execute(
        "SELECT table_schema, table_name FROM information_schema.tables"
        " WHERE table_schema NOT IN (?, ?)"
        " AND (lower(table_schema) = ? OR starts_with(lower(table_name), 'writeback__'))",
        [*_NOT_MODELS, _PREFERRED_SCHEMAS[0]],
    ).fetchall()
    found = [Relation(str(schema), str(table)) for schema, table in rows]
    return sorted(found, key=lambda r: (r.name.lower(), r.schema.lower()))


def raw_table(conn: duckdb.DuckDBPyConnection, table: str) -> Relation | None:
    """The raw dataset's table ``table`` (e.g. ``account``), if it has been synced."""
    row = conn.execute(
        "SELECT table_name FROM information_schema.tables"
        " WHERE table_schema = ? AND lower(table_name) = lower(?)",
        [RAW_SCHEMA, table],
    ).fetchone()
    return Relation(RAW_SCHEMA, str(row[0])) if row else None


def columns_of(conn: duckdb.DuckDBPyConnection, relation: Relation) -> dict[str, tuple[str, str]]:
    """``lower-case name → (name, DuckDB type)`` of a relation's columns."""
    rows = conn.execute(
        "SELECT column_name, data_type FROM information_schema.columns"
        " WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position",
        [relation.schema, relation.name],
    ).fetchall()
    return {str(name).lower(): (str(name), str(kind)) for name, kind in rows}
