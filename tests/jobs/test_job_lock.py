"""One job at a time, across processes; a job whose process died is closed as Failed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from jobs_fixtures import no_transform

from pipelines.jobs import JobAlreadyRunning, get_job, latest_job, list_jobs, run_job
from pipelines.jobs.lock import JobLock, LockHeld, no_job_running

HOLD_JOB = Path(__file__).with_name("hold_job.py")


@contextmanager
def job_in_another_process(
    home: Path, tmp_path: Path
) -> Iterator[tuple[subprocess.Popen[str], int, Path]]:
    """A job running in a second process, waiting in its extract step; yields (process, job id,
    release file). The process is killed on exit if still running."""
    release = tmp_path / "release"
    process = subprocess.Popen(
        [sys.executable, str(HOLD_JOB), str(home), str(release)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        job_id = int(process.stdout.readline())
        wait_for(lambda: stage_of(home, job_id) == "extract")
        yield process, job_id, release
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=30)


def test_second_start_is_refused_with_who_and_since(
    home: Path, tmp_path: Path, extract_step: Any
) -> None:
    with job_in_another_process(home, tmp_path) as (process, job_id, release):
        step = extract_step()
        with pytest.raises(JobAlreadyRunning) as refused:
            run_job(home, transform=no_transform, extract=step)
        message = str(refused.value)
        assert f"job {job_id} (bootstrap, manual)" in message
        assert f"process {process.pid}" in message
        assert "since 20" in message and "UTC" in message
        assert f"sfsync jobs show {job_id}" in message
        assert step.calls == []

        # Readers do not mistake the running job for a dead one.
        assert [j.status for j in list_jobs(home)] == ["Running"]

        release.touch()
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "Completed"
        assert process.wait(timeout=30) == 0

    job = run_job(home, transform=no_transform, extract=extract_step())
    assert job.status == "Completed"
    assert [j.status for j in list_jobs(home)] == ["Completed", "Completed"]


def test_cli_start_is_refused_while_a_job_runs(
    home: Path, tmp_path: Path, sfsync: Callable[..., Any]
) -> None:
    with job_in_another_process(home, tmp_path) as (process, job_id, _release):
        result = sfsync("sync")
        assert result.returncode == 3
        assert f"a sync job is already running: job {job_id}" in result.stderr
        assert f"process {process.pid}" in result.stderr
        assert "Traceback" not in result.stderr


def test_killed_job_is_marked_failed_on_the_next_start(
    home: Path, tmp_path: Path, extract_step: Any
) -> None:
    with job_in_another_process(home, tmp_path) as (process, job_id, _release):
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        assert raw_status(home, job_id) == "Running"  # the process had no chance to close it

        job = run_job(home, transform=no_transform, extract=extract_step())

    assert job.status == "Completed"
    dead = get_job(home, job_id)
    assert dead is not None
    assert dead.status == "Failed"
    assert (
        dead.sync_message
        == f"process {process.pid} on {dead.host} exited without finishing during extract"
    )
    assert dead.finished_at is not None


def test_readers_close_the_rows_of_dead_jobs(home: Path, tmp_path: Path) -> None:
    with job_in_another_process(home, tmp_path) as (process, job_id, _release):
        process.kill()
        process.wait(timeout=30)
    job = latest_job(home)
    assert job is not None and job.job_id == job_id
    assert job.status == "Failed"
    assert job.sync_message is not None and "exited without finishing" in job.sync_message


def test_lock_is_exclusive_and_released_with_the_descriptor(home: Path) -> None:
    lock = JobLock.acquire(home)
    with pytest.raises(LockHeld) as held:
        JobLock.acquire(home, wait_s=0)
    assert held.value.holder.pid == os.getpid()
    with no_job_running(home) as free:
        assert not free
    lock.release()
    with no_job_running(home) as free:
        assert free
    JobLock.acquire(home, wait_s=0).release()


def test_a_start_waits_out_a_readers_momentary_check(home: Path) -> None:
    with no_job_running(home) as free:
        assert free
        with pytest.raises(LockHeld):
            JobLock.acquire(home, wait_s=0)
    JobLock.acquire(home, wait_s=0).release()


def wait_for(condition: Callable[[], bool], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def stage_of(home: Path, job_id: int) -> str | None:
    job = get_job(home, job_id)
    return job.stage if job is not None else None


def raw_status(home: Path, job_id: int) -> str:
    """The stored status, read without closing the rows of dead jobs."""
    from pipelines.config.control import control_db

    with control_db(home) as db:
        row = db.execute("SELECT status FROM sync_job WHERE job_id = ?", (job_id,)).fetchone()
    return str(row[0])
