"""``sfsync jobs …``, ``sfsync schedule`` and ``sfsync sync`` as separate processes."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from jobs_fixtures import no_transform

from pipelines.jobs import run_job
from pipelines.jobs.lock import JobLock

Sfsync = Callable[..., Any]


def test_jobs_list_and_show(home: Path, extract_step: Any, sfsync: Sfsync) -> None:
    empty = sfsync("jobs", "list")
    assert empty.returncode == 0
    assert "no sync jobs yet" in empty.stdout

    run_job(home, transform=no_transform, extract=extract_step())
    run_job(
        home,
        transform=no_transform,
        extract=extract_step(error=RuntimeError("boom")),
        trigger="scheduled",
    )

    table = sfsync("jobs", "list")
    assert table.returncode == 0
    lines = table.stdout.splitlines()
    assert lines[0].split() == [
        "ID", "KIND", "TRIGGER", "STATUS", "STARTED", "(UTC)", "DURATION", "ROWS", "API", "MESSAGE"
    ]  # fmt: skip
    assert lines[1].split()[:4] == ["2", "periodic", "scheduled", "Failed"]
    assert lines[2].split()[:4] == ["1", "bootstrap", "manual", "Completed"]
    assert "RuntimeError: boom" in lines[1]

    listed = json.loads(sfsync("jobs", "list", "--json").stdout)
    assert [j["job_id"] for j in listed] == [2, 1]
    assert listed[1]["rows_per_object"] == {"Account": 40, "Contact": 96}
    assert listed[1]["started_at"].endswith("Z")

    shown = sfsync("jobs", "show", "1")
    assert shown.returncode == 0
    assert "status          Completed" in shown.stdout
    assert "Contact" in shown.stdout and "96" in shown.stdout

    failed = json.loads(sfsync("jobs", "show", "2", "--json").stdout)
    assert failed["status"] == "Failed"
    assert failed["sync_message"] == "RuntimeError: boom"
    assert failed["log"] is not None and Path(failed["log"]).is_file()

    missing = sfsync("jobs", "show", "99")
    assert missing.returncode == 1
    assert "there is no sync job 99" in missing.stderr


def test_sync_is_refused_while_the_lock_is_held(home: Path, sfsync: Sfsync) -> None:
    with JobLock.acquire(home) as lock:
        lock.describe(job_id=None)
        result = sfsync("sync")
    assert result.returncode == 3
    assert "a sync job is already running" in result.stderr
    assert "Traceback" not in result.stderr


def test_sync_flags(sfsync: Sfsync) -> None:
    both = sfsync("sync", "--bootstrap", "--periodic")
    assert both.returncode == 2
    assert "not allowed with argument" in both.stderr
    assert "--bootstrap" in sfsync("sync", "--help").stdout


def test_schedule_setting(sfsync: Sfsync) -> None:
    assert sfsync("schedule", "--show").stdout.strip() == "off"

    stored = sfsync("schedule", "--set", "90m")
    assert stored.returncode == 0
    assert "a sync job every 1h30m" in stored.stdout
    assert json.loads(sfsync("schedule", "--show", "--json").stdout)["every_seconds"] == 5400

    bad = sfsync("schedule", "--set", "hourly")
    assert bad.returncode == 2
    assert "'hourly' is not an interval" in bad.stderr
    assert "Traceback" not in bad.stderr

    assert sfsync("schedule", "--off").returncode == 0
    assert sfsync("schedule", "--show").stdout.strip() == "off"
