"""A push job started in the background (the wizard's "Push now"): what refuses it before any
row is written, and a real job process that records its outcome and lets go of the lock.

The pushes that write to an org run in tests/ui/test_page_settings_writeback.py; here the push
process fails for want of a warehouse, which it records like any other failure.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from pipelines.config.store import ConfigStore
from pipelines.config.validation import parse_config
from pipelines.jobs import (
    JobAlreadyRunning,
    JobLock,
    NoMappings,
    get_job,
    job_log_path,
    list_jobs,
    run_push_job,
    start_push_background,
)
from pipelines.jobs.audit import JobRecord, create_job
from pipelines.jobs.push_job import run_handed_over_push
from pipelines.writeback.errors import WritebackDisabled

JOB_TIMEOUT_S = 120


def save_writeback(home: Path, *, enabled: bool, mapped: bool = True) -> None:
    mapping = {
        "model": "wb_scores",
        "object": "Account",
        "id_column": "account_id",
        "fields": {"health_score": "Health_Score__c"},
    }
    ConfigStore(home).save(
        parse_config(
            {
                "account_filtering": {"filter": "Name != null"},
                "writeback": {"enabled": enabled, "mappings": [mapping] if mapped else []},
            }
        ),
        author="ops",
    )


def wait_for_job(home: Path, job_id: int) -> JobRecord:
    deadline = time.monotonic() + JOB_TIMEOUT_S
    while time.monotonic() < deadline:
        job = get_job(home, job_id)
        if job is not None and job.status != "Running":
            return job
        time.sleep(0.2)
    raise AssertionError(f"push job {job_id} still running after {JOB_TIMEOUT_S} s")


def test_write_back_off_is_refused_before_any_row(home: Path) -> None:
    save_writeback(home, enabled=False)

    with pytest.raises(WritebackDisabled, match="write-back is off"):
        start_push_background(home)

    assert list_jobs(home) == []


@pytest.mark.parametrize("start", [start_push_background, run_push_job])
def test_no_mapping_is_refused_before_any_row(home: Path, start: Any) -> None:
    save_writeback(home, enabled=True, mapped=False)

    with pytest.raises(NoMappings, match="write-back has no mappings"):
        start(home)

    assert list_jobs(home) == []


def test_a_running_job_refuses_the_push(home: Path) -> None:
    save_writeback(home, enabled=True)
    with JobLock.acquire(home), pytest.raises(JobAlreadyRunning, match="already running"):
        start_push_background(home)

    assert list_jobs(home) == []


def test_the_job_process_records_the_push_and_lets_go_of_the_lock(home: Path) -> None:
    save_writeback(home, enabled=True)

    job_id = start_push_background(home, "manual")

    started = get_job(home, job_id, reconcile_dead=False)
    assert started is not None
    assert (started.kind, started.trigger, started.status, started.config_version) == (
        "push",
        "manual",
        "Running",
        1,
    )
    job = wait_for_job(home, job_id)
    assert job.status == "Failed"
    message = job.sync_message or ""
    assert message.startswith("push not run: there is no warehouse at"), message
    assert "run a sync job" in message
    # The process prints why before it closes the row: the log has it as soon as the job
    # shows as finished.
    log = job_log_path(home, job_id).read_text(encoding="utf-8")
    assert f"push job {job_id} failed: there is no warehouse" in log, log
    with JobLock.acquire(home):  # the process released the lock when it ended
        pass


def test_the_job_process_runs_only_a_push_waiting_to_run(home: Path) -> None:
    lock = JobLock.acquire(home)
    sync_id = create_job(home, kind="bootstrap", trigger="manual", pid=1, host="test")

    with pytest.raises(ValueError, match=f"job {sync_id} is not a push waiting to run"):
        run_handed_over_push(home, sync_id, lock.fd)

    job = get_job(home, sync_id, reconcile_dead=False)
    assert job is not None and job.status == "Running"  # left to its own process
    with JobLock.acquire(home):  # released all the same
        pass


def test_the_outcome_is_announced_before_the_row_is_closed(home: Path) -> None:
    """The job process prints the outcome from ``before_close``: called while the row is still
    Running, so that whoever sees the job finished finds the outcome in its log."""
    save_writeback(home, enabled=True)
    lock = JobLock.acquire(home)
    job_id = create_job(home, kind="push", trigger="manual", pid=1, host="test")
    seen: list[tuple[str, str]] = []

    def before_close(result: Any, error: Exception | None) -> None:
        job = get_job(home, job_id, reconcile_dead=False)
        assert job is not None and result is None
        seen.append((job.status, str(error)))

    outcome = run_handed_over_push(home, job_id, lock.fd, before_close=before_close)

    assert len(seen) == 1, seen
    status, error = seen[0]
    assert status == "Running"
    assert error.startswith("there is no warehouse at"), error
    assert outcome.job.status == "Failed" and outcome.error is not None


def test_a_failing_announcement_still_closes_the_row(home: Path) -> None:
    save_writeback(home, enabled=True)
    lock = JobLock.acquire(home)
    job_id = create_job(home, kind="push", trigger="manual", pid=1, host="test")

    def before_close(result: Any, error: Exception | None) -> None:
        raise BrokenPipeError("stdout is gone")

    outcome = run_handed_over_push(home, job_id, lock.fd, before_close=before_close)

    job = get_job(home, job_id, reconcile_dead=False)
    assert job is not None and job.status == "Failed" == outcome.job.status
    assert (job.sync_message or "").startswith("push not run: there is no warehouse at")
    assert "BrokenPipeError: stdout is gone" in job_log_path(home, job_id).read_text("utf-8")


def test_a_stop_while_announcing_still_closes_the_row(home: Path) -> None:
    """SIGTERM turned into SystemExit while the outcome is printed: the row is closed, and the
    stop goes on."""
    save_writeback(home, enabled=True)
    lock = JobLock.acquire(home)
    job_id = create_job(home, kind="push", trigger="manual", pid=1, host="test")

    def before_close(result: Any, error: Exception | None) -> None:
        raise SystemExit(143)

    with pytest.raises(SystemExit):
        run_handed_over_push(home, job_id, lock.fd, before_close=before_close)

    job = get_job(home, job_id, reconcile_dead=False)
    assert job is not None and job.status == "Failed"
    assert (job.sync_message or "").startswith("push not run: there is no warehouse at")
    with JobLock.acquire(home):  # let go of all the same
        pass
