"""The control plane's home directory and its SQLite database.

Config versions (and, later, job audit rows and wizard state) live in ``$SFSYNC_HOME/control.sqlite``
rather than in the DuckDB warehouse: a sync job holds the warehouse's single write lock while
it loads and transforms, and the wizard and CLI must keep working meanwhile. SQLite in WAL mode
lets readers run beside one writer, and the busy timeout makes concurrent writers wait instead
of failing. Other modules add their own tables through the same helpers::

    with control_db(home) as db, transaction(db):
        db.execute("CREATE TABLE IF NOT EXISTS sync_job (...)")
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

CONTROL_DB_FILE = "control.sqlite"
BUSY_TIMEOUT_MS = 30_000


def sfsync_home(home: str | os.PathLike[str] | None = None, *, create: bool = True) -> Path:
    """The directory sfsync keeps its state in: ``home``, else ``$SFSYNC_HOME``, else ``./data``."""
    path = Path(home if home is not None else os.environ.get("SFSYNC_HOME") or "data")
    if create:
        path.mkdir(parents=True, exist_ok=True)
    return path


@contextmanager
def control_db(home: str | os.PathLike[str] | None = None) -> Iterator[sqlite3.Connection]:
    """An open connection to ``control.sqlite`` (created on first use), closed on exit.

    The connection is in autocommit mode: group writes with :func:`transaction`. Rows come back
    as :class:`sqlite3.Row` (index or column name).
    """
    path = sfsync_home(home) / CONTROL_DB_FILE
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    try:
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
        yield conn
    finally:
        conn.close()


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """``BEGIN IMMEDIATE`` … ``COMMIT`` (``ROLLBACK`` on error).

    IMMEDIATE takes the write lock up front, so two writers that read-then-write (next version
    number, the active flag) are serialised rather than one failing halfway.
    """
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
