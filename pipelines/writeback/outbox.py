"""The outbox: every push, every record it meant to write and what became of it.

Four tables in the control plane (``$SFSYNC_HOME/control.sqlite``), not in the warehouse: a
push plans from the warehouse in one short read and then only talks to Salesforce and to
these tables, so it never needs the warehouse while a sync job writes it, and the wizard can
show results at any time.

``writeback_run``     one row per push: status (``Running``, ``Completed``, ``Failed``), the
                      sync job it ended (if any), API calls, a summary per mapping, a message.
``writeback_outbox``  one row per record and run: the fields to write (``payload``, canonical
                      JSON), what the org held per the last sync, conflicts, and the status:
                      ``pending`` (planned), ``sent``, ``failed`` (Salesforce's ``error_code``
                      and ``error_message``) or ``conflict`` (skipped: changed in Salesforce).
``writeback_batch``   one row per request batch (200 records for sObject Collections, one
                      Bulk API 2.0 job): ``sending`` from just before the request until its
                      answer is recorded, then ``done``.
``writeback_state``   per record and field, the value sfsync last wrote and when, so the next
                      push sends only what changed and can tell a change made in Salesforce.

A batch is marked ``sending`` (in its own transaction) before its request goes out, and its
outcome, the outbox statuses and the state are written together when the answer is in. A push
that dies in between leaves a ``sending`` batch behind; the next push asks Salesforce what the
records hold before planning (:mod:`pipelines.writeback.recover`), so nothing is written twice.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, cast

from pipelines.config.control import control_db, transaction
from pipelines.writeback.values import TValue, format_datetime, parse_datetime

HomeArg = str | os.PathLike[str] | None
RunStatus = Literal["Running", "Completed", "Failed"]
RecordStatus = Literal["pending", "sent", "failed", "conflict"]
Transport = Literal["collections", "bulk"]

NOT_SENT = "NOT_SENT"
"""``error_code`` of a record its push stopped before sending (interrupted, API budget)."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS writeback_run (
    run_id         INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id         INTEGER,
    status         TEXT NOT NULL CHECK (status IN ('Running', 'Completed', 'Failed')),
    started_at     TEXT NOT NULL,
    finished_at    TEXT,
    config_version INTEGER,
    api_calls      INTEGER NOT NULL DEFAULT 0,
    summary        TEXT NOT NULL DEFAULT '[]',
    message        TEXT,
    pid            INTEGER,
    host           TEXT
);
CREATE TABLE IF NOT EXISTS writeback_outbox (
    run_id        INTEGER NOT NULL REFERENCES writeback_run (run_id),
    mapping       INTEGER NOT NULL,
    model         TEXT NOT NULL,
    object        TEXT NOT NULL,
    record_id     TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed', 'conflict')),
    payload       TEXT NOT NULL,
    previous      TEXT NOT NULL DEFAULT '{}',
    conflicts     TEXT NOT NULL DEFAULT '{}',
    org_stamp     TEXT,
    batch         INTEGER,
    attempts      INTEGER NOT NULL DEFAULT 0,
    error_code    TEXT,
    error_message TEXT,
    error_fields  TEXT,
    sent_at       TEXT,
    PRIMARY KEY (run_id, mapping, record_id)
);
CREATE INDEX IF NOT EXISTS writeback_outbox_batch ON writeback_outbox (run_id, batch);
CREATE INDEX IF NOT EXISTS writeback_outbox_status ON writeback_outbox (run_id, status);
CREATE TABLE IF NOT EXISTS writeback_batch (
    run_id      INTEGER NOT NULL REFERENCES writeback_run (run_id),
    batch       INTEGER NOT NULL,
    mapping     INTEGER NOT NULL,
    object      TEXT NOT NULL,
    transport   TEXT NOT NULL CHECK (transport IN ('collections', 'bulk')),
    state       TEXT NOT NULL CHECK (state IN ('sending', 'done')),
    bulk_job_id TEXT,
    records     INTEGER NOT NULL,
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    PRIMARY KEY (run_id, batch)
);
CREATE INDEX IF NOT EXISTS writeback_batch_state ON writeback_batch (state);
CREATE TABLE IF NOT EXISTS writeback_state (
    object     TEXT NOT NULL,
    record_id  TEXT NOT NULL,
    field      TEXT NOT NULL,
    value      TEXT NOT NULL,
    written_at TEXT NOT NULL,
    seen_stamp TEXT,
    run_id     INTEGER NOT NULL,
    PRIMARY KEY (object, record_id, field)
);
"""


@dataclass(frozen=True)
class PlannedRecord:
    """One record a push means to write (``payload``) or skips as a conflict (``conflicts``)."""

    mapping: int
    model: str
    object: str
    record_id: str
    payload: dict[str, TValue]
    previous: dict[str, TValue] = field(default_factory=dict)
    conflicts: dict[str, dict[str, Any]] = field(default_factory=dict)
    org_stamp: datetime | None = None

    @property
    def status(self) -> RecordStatus:
        return "pending" if self.payload else "conflict"


@dataclass(frozen=True)
class Outcome:
    """What Salesforce did with one record of a batch.

    ``written_at`` is when the value landed, when known better than the batch's answer time
    (a recovered batch reads the record's ``SystemModstamp``).
    """

    record_id: str
    success: bool
    code: str | None = None
    message: str | None = None
    fields: tuple[str, ...] = ()
    written_at: datetime | None = None


@dataclass(frozen=True)
class StateEntry:
    """What sfsync last wrote to one field of one record."""

    value: TValue
    written_at: datetime
    seen_stamp: datetime | None


@dataclass(frozen=True)
class BatchRow:
    run_id: int
    batch: int
    mapping: int
    object: str
    transport: Transport
    bulk_job_id: str | None
    records: int


@dataclass(frozen=True)
class RecordRow:
    """One outbox row as the wizard and the CLI show it."""

    run_id: int
    mapping: int
    model: str
    object: str
    record_id: str
    status: RecordStatus
    payload: dict[str, TValue]
    previous: dict[str, TValue]
    conflicts: dict[str, dict[str, Any]]
    error_code: str | None
    error_message: str | None
    error_fields: tuple[str, ...]
    attempts: int
    sent_at: datetime | None

    def to_json(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "mapping": self.mapping,
            "model": self.model,
            "object": self.object,
            "record_id": self.record_id,
            "status": self.status,
            "payload": self.payload,
            "previous": self.previous,
            "conflicts": self.conflicts,
            "error_code": self.error_code,
            "error_message": self.error_message,
            "error_fields": list(self.error_fields),
            "attempts": self.attempts,
            "sent_at": _iso(self.sent_at),
        }


@dataclass(frozen=True)
class RunRow:
    """One ``writeback_run`` row."""

    run_id: int
    job_id: int | None
    status: RunStatus
    started_at: datetime
    finished_at: datetime | None
    config_version: int | None
    api_calls: int
    summary: list[dict[str, Any]]
    message: str | None
    pid: int | None
    host: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "job_id": self.job_id,
            "status": self.status,
            "started_at": _iso(self.started_at),
            "finished_at": _iso(self.finished_at),
            "config_version": self.config_version,
            "api_calls": self.api_calls,
            "summary": self.summary,
            "message": self.message,
        }


@contextmanager
def outbox_db(home: HomeArg) -> Iterator[sqlite3.Connection]:
    """``control_db(home)`` with the write-back tables created on first use."""
    with control_db(home) as db:
        db.executescript(_SCHEMA)
        yield db


# ---------------------------------------------------------------------------- runs


def open_run(
    home: HomeArg, *, job_id: int | None, config_version: int | None, pid: int, host: str
) -> int:
    with outbox_db(home) as db, transaction(db):
        cursor = db.execute(
            "INSERT INTO writeback_run (job_id, status, started_at, config_version, pid, host)"
            " VALUES (?, 'Running', ?, ?, ?, ?)",
            (job_id, _iso(now()), config_version, pid, host),
        )
        run_id = cursor.lastrowid
    assert run_id is not None
    return run_id


def add_planned(home: HomeArg, run_id: int, records: Iterable[PlannedRecord]) -> None:
    """Store a run's plan: one ``pending`` (or ``conflict``) row per record."""
    rows = (
        (
            run_id,
            r.mapping,
            r.model,
            r.object,
            r.record_id,
            r.status,
            _dumps(r.payload),
            _dumps(r.previous),
            _dumps(r.conflicts),
            _iso(r.org_stamp),
        )
        for r in records
    )
    with outbox_db(home) as db, transaction(db):
        db.executemany(
            "INSERT INTO writeback_outbox (run_id, mapping, model, object, record_id, status,"
            " payload, previous, conflicts, org_stamp) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )


def finish_run(
    home: HomeArg,
    run_id: int,
    *,
    status: Literal["Completed", "Failed"],
    api_calls: int,
    summary: list[dict[str, Any]],
    message: str | None,
    not_sent_reason: str | None = None,
) -> RunRow:
    """Close a run. Rows still ``pending`` become ``failed`` with :data:`NOT_SENT`."""
    reason = not_sent_reason or "the push stopped before this record was sent"
    with outbox_db(home) as db, transaction(db):
        # Records of a batch still ``sending`` may have landed: the next push settles them.
        db.execute(
            "UPDATE writeback_outbox SET status = 'failed', error_code = ?, error_message = ?"
            " WHERE run_id = ? AND status = 'pending' AND (batch IS NULL OR batch NOT IN"
            " (SELECT batch FROM writeback_batch WHERE run_id = ? AND state = 'sending'))",
            (NOT_SENT, f"{reason}; the next push sends it", run_id, run_id),
        )
        db.execute(
            "UPDATE writeback_run SET status = ?, finished_at = ?, api_calls = ?, summary = ?,"
            " message = ? WHERE run_id = ?",
            (status, _iso(now()), api_calls, json.dumps(summary), message, run_id),
        )
    run = get_run(home, run_id)
    assert run is not None
    return run


def running_runs(home: HomeArg) -> list[RunRow]:
    with outbox_db(home) as db:
        rows = db.execute("SELECT * FROM writeback_run WHERE status = 'Running'").fetchall()
    return [_run(r) for r in rows]


def get_run(home: HomeArg, run_id: int) -> RunRow | None:
    with outbox_db(home) as db:
        row = db.execute("SELECT * FROM writeback_run WHERE run_id = ?", (run_id,)).fetchone()
    return _run(row) if row else None


def list_runs(home: HomeArg, *, limit: int = 20) -> list[RunRow]:
    """Pushes, newest first."""
    with outbox_db(home) as db:
        rows = db.execute(
            "SELECT * FROM writeback_run ORDER BY run_id DESC LIMIT ?", (limit,)
        ).fetchall()
    return [_run(r) for r in rows]


def status_counts(home: HomeArg, run_id: int) -> dict[int, dict[str, int]]:
    """Per mapping index: records per status."""
    with outbox_db(home) as db:
        rows = db.execute(
            "SELECT mapping, status, count(*) AS n FROM writeback_outbox WHERE run_id = ?"
            " GROUP BY mapping, status",
            (run_id,),
        ).fetchall()
    counts: dict[int, dict[str, int]] = {}
    for row in rows:
        counts.setdefault(int(row["mapping"]), {})[str(row["status"])] = int(row["n"])
    return counts


def records(
    home: HomeArg,
    run_id: int,
    *,
    statuses: Sequence[RecordStatus] | None = None,
    limit: int | None = None,
) -> list[RecordRow]:
    """Outbox rows of a run (all, or those with ``statuses``), by mapping and record id."""
    sql = "SELECT * FROM writeback_outbox WHERE run_id = ?"
    params: list[Any] = [run_id]
    if statuses:
        sql += f" AND status IN ({', '.join('?' for _ in statuses)})"
        params += list(statuses)
    sql += " ORDER BY mapping, record_id"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    with outbox_db(home) as db:
        return [_record(r) for r in db.execute(sql, params)]


# ---------------------------------------------------------------------------- batches


def start_batch(
    home: HomeArg,
    run_id: int,
    batch: int,
    *,
    mapping: int,
    object_name: str,
    transport: Transport,
    record_ids: Sequence[str],
) -> None:
    """Mark ``record_ids`` as being sent in ``batch``: committed before the request goes out."""
    with outbox_db(home) as db, transaction(db):
        db.execute(
            "INSERT INTO writeback_batch (run_id, batch, mapping, object, transport, state,"
            " records, started_at) VALUES (?, ?, ?, ?, ?, 'sending', ?, ?)",
            (run_id, batch, mapping, object_name, transport, len(record_ids), _iso(now())),
        )
        db.executemany(
            "UPDATE writeback_outbox SET batch = ?, attempts = attempts + 1"
            " WHERE run_id = ? AND mapping = ? AND record_id = ?",
            ((batch, run_id, mapping, rid) for rid in record_ids),
        )


def set_bulk_job(home: HomeArg, run_id: int, batch: int, job_id: str) -> None:
    """Remember the Bulk job of a batch as soon as it exists, so a rerun can look it up."""
    with outbox_db(home) as db, transaction(db):
        db.execute(
            "UPDATE writeback_batch SET bulk_job_id = ? WHERE run_id = ? AND batch = ?",
            (job_id, run_id, batch),
        )


def finish_batch(
    home: HomeArg,
    run_id: int,
    batch: int,
    outcomes: Iterable[Outcome],
    written_at: datetime,
    *,
    api_calls: int | None = None,
) -> None:
    """Record a batch's answer: statuses, errors and, for what landed, the new state.

    ``api_calls`` (the run's calls so far) is kept on the run row, so that a push that dies
    later still shows what it spent.
    """
    with outbox_db(home) as db, transaction(db):
        if api_calls is not None:
            db.execute(
                "UPDATE writeback_run SET api_calls = ? WHERE run_id = ?", (api_calls, run_id)
            )
        planned = {
            str(row["record_id"]): row
            for row in db.execute(
                "SELECT record_id, mapping, object, payload, org_stamp FROM writeback_outbox"
                " WHERE run_id = ? AND batch = ?",
                (run_id, batch),
            )
        }
        updates: list[tuple[Any, ...]] = []
        state: list[tuple[Any, ...]] = []
        for outcome in outcomes:
            row = planned.get(outcome.record_id)
            if row is None:
                continue
            when = outcome.written_at or written_at
            key = (row["mapping"], outcome.record_id)
            if outcome.success:
                updates.append(("sent", None, None, None, _iso(when), *key))
                for name, value in json.loads(row["payload"]).items():
                    state.append(
                        (
                            row["object"],
                            outcome.record_id,
                            name,
                            _dumps(value),
                            _iso(when),
                            row["org_stamp"],
                            run_id,
                        )
                    )
            else:
                updates.append(
                    (
                        "failed",
                        outcome.code,
                        outcome.message,
                        ",".join(outcome.fields) or None,
                        None,
                        *key,
                    )
                )
        # By primary key: one row per update, however large the batch.
        db.executemany(
            "UPDATE writeback_outbox SET status = ?, error_code = ?, error_message = ?,"
            " error_fields = ?, sent_at = ? WHERE run_id = ? AND mapping = ? AND record_id = ?",
            ((*u[:5], run_id, *u[5:]) for u in updates),
        )
        db.executemany(
            "INSERT INTO writeback_state (object, record_id, field, value, written_at,"
            " seen_stamp, run_id) VALUES (?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (object, record_id, field) DO UPDATE SET value = excluded.value,"
            " written_at = excluded.written_at, seen_stamp = excluded.seen_stamp,"
            " run_id = excluded.run_id",
            state,
        )
        _close_batch(db, run_id, batch)


def release_batch(home: HomeArg, run_id: int, batch: int) -> None:
    """A batch whose request never went out (the API budget stopped it): back to ``pending``."""
    with outbox_db(home) as db, transaction(db):
        db.execute(
            "UPDATE writeback_outbox SET batch = NULL, attempts = attempts - 1"
            " WHERE run_id = ? AND batch = ? AND status = 'pending'",
            (run_id, batch),
        )
        _close_batch(db, run_id, batch)


def sending_batches(home: HomeArg) -> list[BatchRow]:
    """Batches left ``sending`` by pushes that stopped before recording the answer."""
    with outbox_db(home) as db:
        rows = db.execute(
            "SELECT * FROM writeback_batch WHERE state = 'sending' ORDER BY run_id, batch"
        ).fetchall()
    return [
        BatchRow(
            run_id=int(r["run_id"]),
            batch=int(r["batch"]),
            mapping=int(r["mapping"]),
            object=str(r["object"]),
            transport=cast(Transport, r["transport"]),
            bulk_job_id=r["bulk_job_id"],
            records=int(r["records"]),
        )
        for r in rows
    ]


def batch_payloads(home: HomeArg, run_id: int, batch: int) -> dict[str, dict[str, TValue]]:
    """``record_id → payload`` of the records still pending in a batch."""
    with outbox_db(home) as db:
        rows = db.execute(
            "SELECT record_id, payload FROM writeback_outbox"
            " WHERE run_id = ? AND batch = ? AND status = 'pending'",
            (run_id, batch),
        ).fetchall()
    return {str(r["record_id"]): json.loads(r["payload"]) for r in rows}


def _close_batch(db: sqlite3.Connection, run_id: int, batch: int) -> None:
    db.execute(
        "UPDATE writeback_batch SET state = 'done', finished_at = ? WHERE run_id = ? AND batch = ?",
        (_iso(now()), run_id, batch),
    )


def next_batch_number(home: HomeArg, run_id: int) -> int:
    with outbox_db(home) as db:
        row = db.execute(
            "SELECT COALESCE(MAX(batch), 0) + 1 FROM writeback_batch WHERE run_id = ?", (run_id,)
        ).fetchone()
    return int(row[0])


# ---------------------------------------------------------------------------- state


def load_state(home: HomeArg, object_name: str) -> dict[tuple[str, str], StateEntry]:
    """``(record_id, field) → what sfsync last wrote`` for every record of ``object_name``."""
    with outbox_db(home) as db:
        rows = db.execute(
            "SELECT record_id, field, value, written_at, seen_stamp FROM writeback_state"
            " WHERE object = ?",
            (object_name,),
        ).fetchall()
    state: dict[tuple[str, str], StateEntry] = {}
    for row in rows:
        written = parse_datetime(row["written_at"])
        assert written is not None
        state[(str(row["record_id"]), str(row["field"]))] = StateEntry(
            json.loads(row["value"]), written, parse_datetime(row["seen_stamp"])
        )
    return state


# ---------------------------------------------------------------------------- helpers


def _run(row: sqlite3.Row) -> RunRow:
    return RunRow(
        run_id=int(row["run_id"]),
        job_id=row["job_id"],
        status=cast(RunStatus, row["status"]),
        started_at=_parsed(row["started_at"]),
        finished_at=parse_datetime(row["finished_at"]),
        config_version=row["config_version"],
        api_calls=int(row["api_calls"]),
        summary=json.loads(row["summary"] or "[]"),
        message=row["message"],
        pid=row["pid"],
        host=row["host"],
    )


def _record(row: sqlite3.Row) -> RecordRow:
    return RecordRow(
        run_id=int(row["run_id"]),
        mapping=int(row["mapping"]),
        model=str(row["model"]),
        object=str(row["object"]),
        record_id=str(row["record_id"]),
        status=cast(RecordStatus, row["status"]),
        payload=json.loads(row["payload"]),
        previous=json.loads(row["previous"]),
        conflicts=json.loads(row["conflicts"]),
        error_code=row["error_code"],
        error_message=row["error_message"],
        error_fields=tuple(f for f in (row["error_fields"] or "").split(",") if f),
        attempts=int(row["attempts"]),
        sent_at=parse_datetime(row["sent_at"]),
    )


def _parsed(text: str) -> datetime:
    moment = parse_datetime(text)
    assert moment is not None
    return moment


def _dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def _iso(moment: datetime | None) -> str | None:
    return format_datetime(moment) if moment is not None else None


def now() -> datetime:
    return datetime.now(UTC)
