"""Read-only access to the warehouse for previews, safe while a sync job writes to it.

DuckDB allows one writing process per file, and a writer's lock also keeps readers of other
processes out. Previews therefore open the file read-only, briefly, and when a sync job holds
it (loading or transforming) they fail fast with :class:`WarehouseBusy`, a message people can
act on, rather than DuckDB's "Could not set lock on file"::

    with open_warehouse(home) as con:
        con.execute("select count(*) from salesforce.account").fetchone()
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from pipelines.config.control import sfsync_home

WAREHOUSE_FILE = "warehouse.duckdb"
RAW_SCHEMA = "salesforce"
_LOCK_RETRIES = 3
_LOCK_RETRY_WAIT_S = 0.05


class WarehouseUnavailable(RuntimeError):
    """The warehouse cannot be read; the message says why and what to do."""


class WarehouseBusy(WarehouseUnavailable):
    """A sync job is writing to the warehouse right now."""


def warehouse_path(home: str | os.PathLike[str] | None = None) -> Path:
    return sfsync_home(home, create=False) / WAREHOUSE_FILE


def require_warehouse(home: str | os.PathLike[str] | None = None) -> Path:
    """The warehouse file, or :class:`WarehouseUnavailable` when there is none yet."""
    path = warehouse_path(home)
    if not path.is_file():
        raise WarehouseUnavailable(
            f"there is no warehouse at {path} yet: run a sync first (`sfsync sync`)"
        )
    return path


@contextmanager
def open_warehouse(
    home: str | os.PathLike[str] | None = None,
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to ``$SFSYNC_HOME/warehouse.duckdb``, closed on exit.

    Raises :class:`WarehouseUnavailable` when there is no warehouse yet and
    :class:`WarehouseBusy` when a sync job holds it.
    """
    con = _connect(require_warehouse(home))
    try:
        con.execute("SET TimeZone = 'UTC'")
        yield con
    finally:
        con.close()


def _connect(path: Path) -> duckdb.DuckDBPyConnection:
    for attempt in range(_LOCK_RETRIES):
        try:
            return duckdb.connect(str(path), read_only=True)
        except duckdb.IOException as exc:
            if not _is_lock_error(exc):
                raise WarehouseUnavailable(
                    f"the warehouse at {path} cannot be read: {exc}"
                ) from exc
            if attempt == _LOCK_RETRIES - 1:
                raise WarehouseBusy(
                    "the warehouse is busy: a sync job is loading or transforming it right now. "
                    "Previews read it as soon as the job is done; try again in a moment "
                    "(`sfsync jobs list` shows the running job)."
                ) from exc
            time.sleep(_LOCK_RETRY_WAIT_S * (attempt + 1))
    raise AssertionError("unreachable")


def _is_lock_error(exc: BaseException) -> bool:
    text = str(exc).lower()
    return "lock" in text or "resource temporarily unavailable" in text


def raw_columns(con: duckdb.DuckDBPyConnection, *tables: str) -> dict[str, dict[str, str]]:
    """``{table: {column: type}}`` of the raw tables that exist among ``tables``."""
    rows = con.execute(
        "select table_name, column_name, data_type from information_schema.columns "
        "where table_schema = ? and table_name in (select unnest(?)) order by ordinal_position",
        [RAW_SCHEMA, list(tables)],
    ).fetchall()
    found: dict[str, dict[str, str]] = {}
    for table, column, dtype in rows:
        found.setdefault(table, {})[column] = str(dtype).lower()
    return found
