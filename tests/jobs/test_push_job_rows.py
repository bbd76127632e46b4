"""Push jobs in the audit table: old tables take them, and they never pass for a sync job.

The pushes themselves run against the sandbox org in tests/writeback/test_cli_and_jobs.py;
here the rows are written by the audit module itself, as ``run_push_job`` writes them.
"""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from jobs_fixtures import no_transform

from pipelines.config.control import CONTROL_DB_FILE
from pipelines.jobs import SYNC_KINDS, choose_kind, get_job, latest_job, list_jobs, run_job
from pipelines.jobs.audit import create_job, finish_job
from pipelines.jobs.schedule import next_due
from pipelines.wizard.jobs_view import job_card, jobs_chart, jobs_table

OLD_TABLE = """
CREATE TABLE sync_job (
    job_id          INTEGER PRIMARY KEY AUTOINCREMENT,
    kind            TEXT NOT NULL CHECK (kind IN ('bootstrap', 'periodic')),
    trigger         TEXT NOT NULL CHECK (trigger IN ('manual', 'scheduled')),
    status          TEXT NOT NULL CHECK (status IN ('Running', 'Completed', 'Failed')),
    started_at      TEXT NOT NULL,
    finished_at     TEXT,
    stage           TEXT,
    rows_per_object TEXT NOT NULL DEFAULT '{}',
    progress        TEXT NOT NULL DEFAULT '{}',
    api_calls       INTEGER,
    config_version  INTEGER,
    sync_message    TEXT,
    pid             INTEGER,
    host            TEXT
);
CREATE INDEX sync_job_status ON sync_job (status);
"""


def push_row(home: Path, sent: int = 12, trigger: Any = "manual") -> int:
    job_id = create_job(home, kind="push", trigger=trigger, pid=1, host="test")
    finish_job(
        home,
        job_id,
        status="Completed",
        rows_per_object={"Account": sent},
        api_calls=1,
        sync_message=f"push 1 completed: {sent} sent, 0 failed, 0 conflicts",
    )
    return job_id


def test_a_table_from_before_push_jobs_is_upgraded_keeping_its_rows(home: Path) -> None:
    with sqlite3.connect(home / CONTROL_DB_FILE) as db:
        db.executescript(OLD_TABLE)
        db.execute(
            "INSERT INTO sync_job (job_id, kind, trigger, status, started_at, finished_at,"
            " rows_per_object, api_calls) VALUES (7, 'bootstrap', 'manual', 'Completed',"
            " '2026-01-01T00:00:00.000Z', '2026-01-01T00:01:00.000Z', '{\"Account\": 40}', 9)"
        )
        with pytest.raises(sqlite3.IntegrityError):
            db.execute(
                "INSERT INTO sync_job (kind, trigger, status, started_at)"
                " VALUES ('push', 'manual', 'Running', '2026-01-02T00:00:00.000Z')"
            )

    job_id = push_row(home)

    assert job_id == 8
    old = get_job(home, 7)
    assert old is not None and (old.kind, old.rows_per_object, old.api_calls) == (
        "bootstrap",
        {"Account": 40},
        9,
    )
    assert [j.kind for j in list_jobs(home)] == ["push", "bootstrap"]
    with sqlite3.connect(home / CONTROL_DB_FILE) as db:
        indexes = [r[1] for r in db.execute("PRAGMA index_list(sync_job)")]
    assert "sync_job_status" in indexes


def test_a_push_is_not_a_sync_job(home: Path, extract_step: Any) -> None:
    push_row(home)

    assert choose_kind(home) == "bootstrap"
    assert latest_job(home, kinds=SYNC_KINDS) is None
    assert jobs_chart(home) == []
    first = run_job(home, transform=no_transform, extract=extract_step())
    assert (first.job_id, first.kind) == (2, "bootstrap")
    push_row(home, trigger="scheduled")
    assert choose_kind(home) == "periodic"
    # The schedule counts from the last sync job, not from a push made since.
    assert next_due(home, timedelta(hours=6)) == first.started_at + timedelta(hours=6)
    table = jobs_table(home)
    assert [(r["Job"], r["Kind"], r["Trigger"]) for r in table] == [
        (3, "push", "scheduled"),
        (2, "bootstrap", "manual"),
        (1, "push", "manual"),
    ]
    assert [c["job_id"] for c in jobs_chart(home)] == [2]
    card = job_card(home)
    assert card.headline == "Push job #3 (scheduled): Completed"
    assert card.facts["Records sent"] == "12 (Account 12)"


def test_run_job_refuses_the_push_kind(home: Path) -> None:
    with pytest.raises(ValueError, match="not 'push'"):
        run_job(home, "push", transform=no_transform)
    assert list_jobs(home) == []
