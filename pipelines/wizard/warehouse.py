"""Reading the warehouse from the wizard without getting in a sync job's way.

DuckDB allows one writing process per file, and a reader cannot open the file while a job holds
it for writing. The wizard therefore opens the warehouse read-only (through
:func:`pipelines.transform.warehouse.open_warehouse`), only for the few milliseconds a query
takes, and says "the data is being refreshed" (:class:`WarehouseBusy`) or "nothing synced yet"
(:class:`WarehouseEmpty`) in words for the pages, instead of an error::

    try:
        with read_warehouse(home) as conn:
            rows = conn.execute("select count(*) from main.companies").fetchall()
    except WarehouseBusy as busy:
        st.info(str(busy))
    except WarehouseEmpty as empty:
        st.info(str(empty))
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from pipelines.transform.warehouse import RAW_SCHEMA, WarehouseUnavailable, open_warehouse
from pipelines.transform.warehouse import WarehouseBusy as _Busy
from pipelines.transform.warehouse import warehouse_path as _warehouse_path

__all__ = [
    "RAW_SCHEMA",
    "WarehouseBusy",
    "WarehouseEmpty",
    "WarehouseUnavailable",
    "read_warehouse",
    "warehouse_path",
]

BUSY = (
    "The data is being refreshed by a sync job. This page shows it again as soon as the job "
    "has written it; the job's progress is on the Settings page."
)


class WarehouseBusy(_Busy):
    """A sync job is writing the warehouse (the message is for the wizard's pages)."""

    def __init__(self, message: str = BUSY) -> None:
        super().__init__(message)


class WarehouseEmpty(WarehouseUnavailable):
    """Nothing has been synced (or transformed) yet."""

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(
            detail or "Nothing has been synced yet: run a sync job (Settings → Run Sync Job) first."
        )


def warehouse_path(home: str | Path | None = None) -> Path:
    return _warehouse_path(home)


@contextmanager
def read_warehouse(home: str | Path | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """A short-lived read-only connection; :class:`WarehouseBusy` while a job writes."""
    if not warehouse_path(home).is_file():
        raise WarehouseEmpty()
    opened = open_warehouse(home)
    try:
        conn = opened.__enter__()
    except _Busy:
        raise WarehouseBusy() from None
    try:
        yield conn
    finally:
        opened.__exit__(None, None, None)
