"""The job audit table, ``sync_job``, in the control plane (``$SFSYNC_HOME/control.sqlite``).

One row per job, written when the job starts (``Running``) and again when it ends
(``Completed`` or ``Failed``): sync jobs (``bootstrap``, ``periodic``) and standalone
write-back pushes (``push``, ``sfsync push``; the push that ends a sync job is part of that
job's row). It lives in SQLite beside the config versions, not in the DuckDB
warehouse, so the wizard and the CLI can read job history while a job holds the warehouse's
write lock. Timestamps are UTC, ISO 8601 with milliseconds (they sort as text).

A row left ``Running`` by a process that died is closed by :func:`fail_dead_jobs`, which the
runner calls under the job lock before starting the next job and readers call through
:func:`reconcile`::

    >>> job = get_job(home, 12)
    >>> job.status, job.rows_per_object, job.sync_message
    ('Completed', {'Account': 40, 'Contact': 96}, None)
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, cast

from pipelines.config.control import control_db, sfsync_home, transaction
from pipelines.jobs.lock import no_job_running

HomeArg = str | os.PathLike[str] | None
"""``SFSYNC_HOME`` as given to the public functions; ``None`` means ``$SFSYNC_HOME``."""
JobKind = Literal["bootstrap", "periodic", "push"]
Trigger = Literal["manual", "scheduled"]
JobStatus = Literal["Running", "Completed", "Failed"]
JOB_KINDS: tuple[JobKind, ...] = ("bootstrap", "periodic", "push")
SYNC_KINDS: tuple[JobKind, ...] = ("bootstrap", "periodic")
"""The kinds that extract and transform (what the schedule and "bootstrap first" look at)."""
TRIGGERS: tuple[Trigger, ...] = ("manual", "scheduled")

_TABLE = """
CREATE TABLE IF NOT EXISTS {name} (
    job_id          INTEGER PRIMARY KEY AUTOINCREMENT,
    kind            TEXT NOT NULL CHECK (kind IN ('bootstrap', 'periodic', 'push')),
    trigger         TEXT NOT NULL CHECK (trigger IN ('manual', 'scheduled')),
    status          TEXT NOT NULL CHECK (status IN ('Running', 'Completed', 'Failed')),
    started_at      TEXT NOT NULL,
    finished_at     TEXT,
    stage           TEXT,
    rows_per_object TEXT NOT NULL DEFAULT '{{}}',
    progress        TEXT NOT NULL DEFAULT '{{}}',
    api_calls       INTEGER,
    config_version  INTEGER,
    sync_message    TEXT,
    pid             INTEGER,
    host            TEXT
);
"""
_INDEX = "CREATE INDEX IF NOT EXISTS sync_job_status ON sync_job (status);"
_SCHEMA = _TABLE.format(name="sync_job") + _INDEX
# Tables created before push jobs existed only accept the sync kinds in ``kind``.
_PUSH_KIND = "'push'"


@dataclass(frozen=True)
class JobRecord:
    """One row of ``sync_job``.

    ``stage`` is what a running job is doing (``starting``, ``extract``, ``transform``,
    ``push``);
    ``progress`` is its latest per-object progress, ``{object: {"rows": n, "total": m}}``,
    updated every few seconds so the wizard can show it.
    """

    job_id: int
    kind: JobKind
    trigger: Trigger
    status: JobStatus
    started_at: datetime
    finished_at: datetime | None
    stage: str | None
    rows_per_object: dict[str, int] = field(default_factory=dict)
    progress: dict[str, dict[str, int | None]] = field(default_factory=dict)
    api_calls: int | None = None
    config_version: int | None = None
    sync_message: str | None = None
    pid: int | None = None
    host: str | None = None

    @property
    def total_rows(self) -> int:
        return sum(self.rows_per_object.values())

    @property
    def duration_s(self) -> float | None:
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()

    def to_json(self) -> dict[str, Any]:
        """The row as JSON-ready values (what ``sfsync jobs show --json`` prints)."""
        return {
            "job_id": self.job_id,
            "kind": self.kind,
            "trigger": self.trigger,
            "status": self.status,
            "started_at": _iso(self.started_at),
            "finished_at": _iso(self.finished_at) if self.finished_at else None,
            "duration_s": self.duration_s,
            "stage": self.stage,
            "rows_per_object": dict(self.rows_per_object),
            "total_rows": self.total_rows,
            "progress": dict(self.progress),
            "api_calls": self.api_calls,
            "config_version": self.config_version,
            "sync_message": self.sync_message,
            "pid": self.pid,
            "host": self.host,
        }


def utc_now() -> datetime:
    return datetime.now(UTC)


def create_job(
    home: HomeArg,
    *,
    kind: JobKind,
    trigger: Trigger,
    pid: int,
    host: str,
    config_version: int | None = None,
) -> int:
    """Insert a ``Running`` row and return its job id. Call it while holding the job lock."""
    with _db(home) as db, transaction(db):
        cursor = db.execute(
            "INSERT INTO sync_job (kind, trigger, status, started_at, stage, config_version, pid, host)"
            " VALUES (?, ?, 'Running', ?, 'starting', ?, ?, ?)",
            (kind, trigger, _iso(utc_now()), config_version, pid, host),
        )
        job_id = cursor.lastrowid
    assert job_id is not None
    return job_id


def update_job(home: HomeArg, job_id: int, **values: Any) -> None:
    """Set columns of a job row (``stage``, ``pid``, ``host``, ``config_version``, ``progress``)."""
    allowed = {"stage", "pid", "host", "config_version", "progress"}
    unknown = set(values) - allowed
    if unknown:
        raise ValueError(f"cannot update sync_job columns {sorted(unknown)}")
    if "progress" in values:
        values["progress"] = json.dumps(values["progress"], sort_keys=True)
    assignments = ", ".join(f"{name} = ?" for name in values)
    with _db(home) as db, transaction(db):
        db.execute(
            f"UPDATE sync_job SET {assignments} WHERE job_id = ?", (*values.values(), job_id)
        )


def finish_job(
    home: HomeArg,
    job_id: int,
    *,
    status: Literal["Completed", "Failed"],
    rows_per_object: dict[str, int] | None = None,
    api_calls: int | None = None,
    sync_message: str | None = None,
) -> JobRecord:
    """Close a job row with its outcome and return the final row.

    ``sync_message`` must already be scrubbed of secrets (the runner does it).
    """
    with _db(home) as db, transaction(db):
        db.execute(
            "UPDATE sync_job SET status = ?, finished_at = ?, stage = NULL, rows_per_object = ?,"
            " api_calls = ?, sync_message = ? WHERE job_id = ?",
            (
                status,
                _iso(utc_now()),
                json.dumps(rows_per_object or {}, sort_keys=True),
                api_calls,
                sync_message,
                job_id,
            ),
        )
    job = get_job(home, job_id, reconcile_dead=False)
    assert job is not None
    return job


def fail_dead_jobs(home: HomeArg) -> list[JobRecord]:
    """Mark every ``Running`` row ``Failed``: the caller knows no job process is alive.

    Call it only while holding the job lock (exclusive, or shared through
    :func:`pipelines.jobs.lock.no_job_running`); then a ``Running`` row can only belong to a
    process that exited without finishing.
    """
    with _db(home) as db, transaction(db):
        dead = [_record(r) for r in db.execute("SELECT * FROM sync_job WHERE status = 'Running'")]
        for job in dead:
            where = f" on {job.host}" if job.host else ""
            stage = f" during {job.stage}" if job.stage and job.stage != "starting" else ""
            message = f"process {job.pid}{where} exited without finishing{stage}"
            if job.sync_message:
                message = f"{message}\n{job.sync_message}"
            db.execute(
                "UPDATE sync_job SET status = 'Failed', finished_at = ?, stage = NULL,"
                " sync_message = ? WHERE job_id = ?",
                (_iso(utc_now()), message, job.job_id),
            )
    return dead


def reconcile(home: HomeArg) -> None:
    """Close the rows of dead jobs if no job is running (cheap; readers call it first)."""
    with _db(home) as db:
        if db.execute("SELECT 1 FROM sync_job WHERE status = 'Running' LIMIT 1").fetchone() is None:
            return
    with no_job_running(sfsync_home(home)) as free:
        if free:
            fail_dead_jobs(home)


def get_job(home: HomeArg, job_id: int, *, reconcile_dead: bool = True) -> JobRecord | None:
    """The job with this id, or ``None``."""
    if reconcile_dead:
        reconcile(home)
    with _db(home) as db:
        row = db.execute("SELECT * FROM sync_job WHERE job_id = ?", (job_id,)).fetchone()
    return _record(row) if row else None


def list_jobs(
    home: HomeArg,
    *,
    limit: int | None = 20,
    kind: JobKind | None = None,
    status: JobStatus | None = None,
    kinds: Sequence[JobKind] | None = None,
) -> list[JobRecord]:
    """Jobs, newest first (``limit=None`` for all); ``kind``/``kinds``: only those kinds
    (``kinds=SYNC_KINDS`` leaves standalone pushes out)."""
    reconcile(home)
    where: list[str] = []
    params: list[str] = []
    wanted = [*([kind] if kind else []), *(kinds or [])]
    if wanted:
        where.append(f"kind IN ({', '.join('?' for _ in wanted)})")
        params.extend(wanted)
    if status:
        where.append("status = ?")
        params.append(status)
    sql = "SELECT * FROM sync_job"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY job_id DESC"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    with _db(home) as db:
        return [_record(r) for r in db.execute(sql, params)]


def latest_job(
    home: HomeArg,
    *,
    kind: JobKind | None = None,
    status: JobStatus | None = None,
    kinds: Sequence[JobKind] | None = None,
) -> JobRecord | None:
    """The newest job (of ``kind`` or ``kinds``, with ``status``), or ``None`` — what the
    wizard's job card shows."""
    jobs = list_jobs(home, limit=1, kind=kind, status=status, kinds=kinds)
    return jobs[0] if jobs else None


def running_job(home: HomeArg) -> JobRecord | None:
    """The newest row still marked ``Running`` (without closing dead ones)."""
    with _db(home) as db:
        row = db.execute(
            "SELECT * FROM sync_job WHERE status = 'Running' ORDER BY job_id DESC LIMIT 1"
        ).fetchone()
    return _record(row) if row else None


@contextmanager
def _db(home: HomeArg) -> Iterator[sqlite3.Connection]:
    """``control_db(home)`` with the ``sync_job`` table created (or upgraded) on first use."""
    with control_db(home) as db:
        db.executescript(_SCHEMA)
        if _PUSH_KIND not in _table_sql(db):
            _allow_push_kind(db)
        yield db


def _table_sql(db: sqlite3.Connection) -> str:
    row = db.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'sync_job'"
    ).fetchone()
    return str(row["sql"]) if row else ""


def _allow_push_kind(db: sqlite3.Connection) -> None:
    """Rebuild a ``sync_job`` table from before push jobs (SQLite cannot alter a CHECK),
    keeping every row and the job id sequence."""
    with transaction(db):
        if _PUSH_KIND in _table_sql(db):  # another process upgraded it meanwhile
            return
        seq = db.execute("SELECT seq FROM sqlite_sequence WHERE name = 'sync_job'").fetchone()
        db.execute("DROP TABLE IF EXISTS sync_job_upgrade")
        db.execute(_TABLE.format(name="sync_job_upgrade"))
        db.execute("INSERT INTO sync_job_upgrade SELECT * FROM sync_job")
        db.execute("DROP TABLE sync_job")
        db.execute("ALTER TABLE sync_job_upgrade RENAME TO sync_job")
        db.execute(_INDEX)
        if seq is not None:
            db.execute(
                "UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = 'sync_job'",
                (int(seq["seq"]),),
            )


def _record(row: sqlite3.Row) -> JobRecord:
    return JobRecord(
        job_id=row["job_id"],
        kind=cast(JobKind, row["kind"]),
        trigger=cast(Trigger, row["trigger"]),
        status=cast(JobStatus, row["status"]),
        started_at=datetime.fromisoformat(row["started_at"]),
        finished_at=datetime.fromisoformat(row["finished_at"]) if row["finished_at"] else None,
        stage=row["stage"],
        rows_per_object=json.loads(row["rows_per_object"] or "{}"),
        progress=json.loads(row["progress"] or "{}"),
        api_calls=row["api_calls"],
        config_version=row["config_version"],
        sync_message=row["sync_message"],
        pid=row["pid"],
        host=row["host"],
    )


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
