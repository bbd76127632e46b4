"""The Sync Job card (Settings) and the Sync jobs page, with real jobs in their own process."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from wizard_fixtures import open_app
from wizard_ui import keys

from pipelines.jobs import get_job, get_schedule, run_job

JOB_TIMEOUT_S = 300


def wait_for_job(home: Path, job_id: int) -> Any:
    deadline = time.monotonic() + JOB_TIMEOUT_S
    while time.monotonic() < deadline:
        job = get_job(home, job_id)
        if job is not None and job.status != "Running":
            return job
        time.sleep(0.5)
    raise AssertionError(f"job {job_id} still running after {JOB_TIMEOUT_S} s")


def markdowns(at: Any) -> list[str]:
    return [m.value for m in at.markdown]


def test_run_sync_job_starts_in_the_background_and_ends_completed(
    home: Path, connected: Any
) -> None:
    at = open_app("settings")
    assert "No sync job has run yet" in markdowns(at)
    started = time.monotonic()
    at.button(key=keys.JOB_RUN).click().run()
    assert time.monotonic() - started < 30, "the page must not wait for the job"
    assert "Sync job #1 started" in [i.value for i in at.info]
    job_id = at.session_state[keys.SK_WATCHED_JOB]
    running = [m for m in markdowns(at) if "Bootstrap job #1 (manual)" in m]
    assert running, markdowns(at)
    job = wait_for_job(home, job_id)
    assert job.status == "Completed", job.sync_message
    at.run()
    assert any(
        m.startswith(":green-badge[Completed] Bootstrap job #1 (manual): Completed")
        for m in markdowns(at)
    )
    facts = at.table[0].value.to_string()
    assert "Rows" in facts and "Account" in facts and "API calls" in facts

    jobs = open_app("sync_jobs")
    table = jobs.dataframe[0].value
    assert table[["Job", "Kind", "Trigger", "Status"]].values.tolist() == [
        [1, "bootstrap", "manual", "Completed"]
    ]
    assert table["Rows"][0] == sum(job.rows_per_object.values())
    assert table["API calls"][0] == job.api_calls
    assert "Account" in table["Rows per object"][0]
    assert len(jobs.get("vega_lite_chart")) == 2


def test_a_failed_job_shows_why(home: Path) -> None:
    at = open_app("settings")
    at.button(key=keys.JOB_RUN).click().run()
    job = wait_for_job(home, at.session_state[keys.SK_WATCHED_JOB])
    assert job.status == "Failed"
    at.run()
    assert any(m.startswith(":red-badge[Failed]") for m in markdowns(at))
    assert any(job.sync_message and e.value == job.sync_message for e in at.error)


def test_a_second_job_is_refused_while_one_runs(home: Path) -> None:
    from pipelines.jobs.lock import JobLock

    lock = JobLock.acquire(home)
    try:
        at = open_app("settings")
        at.button(key=keys.JOB_RUN).click().run()
        assert any("a sync job is already running" in e.value for e in at.error)
    finally:
        lock.release()


def test_the_schedule_is_stored_for_sfsync_schedule(home: Path) -> None:
    at = open_app("settings")
    assert at.toggle(key=keys.JOB_SCHEDULE_ON).value is False
    at.toggle(key=keys.JOB_SCHEDULE_ON).set_value(True)
    at.text_input(key=keys.JOB_SCHEDULE_EVERY).input("6h").run()
    at.button(key=keys.JOB_SCHEDULE_SAVE).click().run()
    stored = get_schedule(home)
    assert stored is not None and stored.every.total_seconds() == 6 * 3600
    assert any("A sync job every 6h" in s.value for s in at.success)
    at.text_input(key=keys.JOB_SCHEDULE_EVERY).input("soon").run()
    at.button(key=keys.JOB_SCHEDULE_SAVE).click().run()
    assert any(
        e.value.startswith("Schedule not saved: 'soon' is not an interval") for e in at.error
    )
    at.toggle(key=keys.JOB_SCHEDULE_ON).set_value(False).run()
    at.button(key=keys.JOB_SCHEDULE_SAVE).click().run()
    assert get_schedule(home) is None


def test_the_sync_jobs_page_before_any_job(home: Path) -> None:
    at = open_app("sync_jobs")
    assert at.info[0].value.startswith("No sync job has run yet.")


@pytest.mark.parametrize("count", [3])
def test_the_history_lists_every_job_newest_first(home: Path, count: int) -> None:
    from dataclasses import dataclass, field

    @dataclass
    class Loaded:
        rows_per_object: dict[str, int]
        api_calls: int = 4
        duration_s: float = 0.1
        messages: list[str] = field(default_factory=list)

    for n in range(count):
        run_job(
            home,
            extract=lambda *a, n=n, **k: Loaded({"Account": 10 + n, "Contact": n}),
            transform=lambda home, config: "transform not run in this test",
        )
    at = open_app("sync_jobs")
    table = at.dataframe[0].value
    assert table["Job"].tolist() == [3, 2, 1]
    assert table["Kind"].tolist() == ["periodic", "periodic", "bootstrap"]
    assert table["Rows"].tolist() == [14, 12, 10]
