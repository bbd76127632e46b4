"""Read-only access to the warehouse for previews, safe while a sync job writes to it.

DuckDB allows one writing process per file, and a writer's lock also keeps readers of other
processes out. Previews therefore open the file read-only, briefly, and when a sync job holds
it (loading or transforming) they fail fast with :class:`WarehouseBusy`, a message people can
act on, rather than DuckDB's "Could not set lock on file"::

    with open_warehouse(home) as con:
        con.execute("select count(*) from salesforce.account").fetchone()

Starting a DuckDB database costs tens of milliseconds (more on a busy machine), as much as a
preview's queries. The process therefore keeps one in-memory DuckDB database for reading and
attaches the warehouse file to it read-only for each use, detaching it afterwards: the file is
held no longer than before, so a sync job can take it between two previews. Uses are
serialized within the process (a preview takes a few milliseconds).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import duckdb

from pipelines.config.control import sfsync_home

WAREHOUSE_FILE = "warehouse.duckdb"
RAW_SCHEMA = "salesforce"
_LOCK_RETRIES = 3
_LOCK_RETRY_WAIT_S = 0.05

_T = TypeVar("_T")

_reader: duckdb.DuckDBPyConnection | None = None
_reader_lock = threading.Lock()


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
    """A read-only connection to ``$SFSYNC_HOME/warehouse.duckdb``, released on exit.

    Raises :class:`WarehouseUnavailable` when there is no warehouse yet and
    :class:`WarehouseBusy` when a sync job holds it.
    """
    path = require_warehouse(home)
    with _reader_lock:
        con = _attach(path)
        if con is None:
            # This process already has the file open through a connection of its own (DuckDB
            # lets one database instance hold a file): read it through that instance instead.
            with _connected(path) as own:
                yield own
            return
        try:
            yield con
        finally:
            _detach(con)


def _reader_database() -> duckdb.DuckDBPyConnection:
    global _reader
    if _reader is None:
        _reader = duckdb.connect(":memory:")
        _reader.execute("SET GLOBAL TimeZone = 'UTC'")
    return _reader


def _attach(path: Path) -> duckdb.DuckDBPyConnection | None:
    """A cursor of the reader database with ``path`` attached read-only and in use, or None
    when another connection of this process holds the file."""
    con = _reader_database().cursor()
    alias = _alias(path)
    try:
        _with_lock_retries(
            path, lambda: con.execute(f"ATTACH {_literal(str(path))} AS {alias} (READ_ONLY)")
        )
        con.execute(f"USE {alias}")
    except duckdb.Error as exc:
        con.close()
        if "already attached" in str(exc).lower():
            return None
        raise
    return con


def _detach(con: duckdb.DuckDBPyConnection) -> None:
    try:
        alias = con.execute("select current_database()").fetchone()
        con.execute("USE memory")
        if alias and alias[0] != "memory":
            con.execute(f'DETACH "{alias[0]}"')
    finally:
        con.close()


@contextmanager
def _connected(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    con = _with_lock_retries(path, lambda: duckdb.connect(str(path), read_only=True))
    try:
        con.execute("SET TimeZone = 'UTC'")
        yield con
    finally:
        con.close()


def _with_lock_retries(path: Path, open_file: Callable[[], _T]) -> _T:
    for attempt in range(_LOCK_RETRIES):
        try:
            return open_file()
        except duckdb.IOException as exc:
            if not is_lock_error(exc):
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


def _alias(path: Path) -> str:
    # The file's own name, as duckdb.connect(path) names it: fully qualified names such as
    # warehouse.main.companies keep working.
    stem = path.stem
    return f'"{stem}"' if stem.isidentifier() and stem != "memory" else '"sfsync_warehouse"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def is_lock_error(exc: BaseException) -> bool:
    """Whether DuckDB refused to open the file because another process holds it."""
    text = str(exc).lower()
    return (
        "lock" in text
        or "resource temporarily unavailable" in text
        or "being used by another process" in text
    )


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
