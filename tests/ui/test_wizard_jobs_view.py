"""What the wizard shows about jobs: the card, the history rows, the chart series, the schedule."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest

from pipelines.jobs import get_schedule, run_job
from pipelines.jobs.audit import create_job, update_job
from pipelines.wizard.jobs_view import (
    format_duration,
    job_card,
    job_rows_per_object,
    jobs_chart,
    jobs_table,
    progress_text,
    save_schedule,
    schedule_text,
)


@dataclass
class Loaded:
    rows_per_object: dict[str, int]
    api_calls: int = 12
    duration_s: float = 0.1
    messages: list[str] = field(default_factory=list)


def test_before_any_job(home: Path) -> None:
    card = job_card(home)
    assert card.job is None and not card.running
    assert card.headline == "No sync job has run yet"
    assert jobs_table(home) == [] and jobs_chart(home) == []


def test_a_completed_job(home: Path) -> None:
    run_job(
        home,
        extract=lambda *a, **k: Loaded({"Account": 1200, "Contact": 3400}),
        transform=lambda home, config: "transform not run in this test",
    )
    card = job_card(home)
    assert card.headline == "Bootstrap job #1 (manual): Completed"
    assert card.facts["Rows"] == "4,600 (Account 1,200, Contact 3,400)"
    assert card.facts["API calls"] == "12"
    assert set(card.facts) >= {"Started", "Finished", "Duration"}
    [row] = jobs_table(home)
    assert (row["Job"], row["Kind"], row["Status"], row["Rows"], row["API calls"]) == (
        1,
        "bootstrap",
        "Completed",
        4600,
        12,
    )
    assert row["Rows per object"] == "Account 1,200, Contact 3,400"
    assert jobs_chart(home)[0]["rows"] == 4600
    assert job_rows_per_object(home) == [
        {"job": "#1", "job_id": 1, "object": "Account", "rows": 1200},
        {"job": "#1", "job_id": 1, "object": "Contact", "rows": 3400},
    ]


def test_a_running_job_shows_its_stage_and_progress(home: Path) -> None:
    import os

    job_id = create_job(home, kind="periodic", trigger="scheduled", pid=os.getpid(), host="here")
    update_job(home, job_id, stage="extract", progress={"Account": {"rows": 500, "total": 1000}})
    from pipelines.jobs.lock import JobLock

    lock = JobLock.acquire(home)  # a live job holds the lock, so its row is not closed as dead
    try:
        card = job_card(home)
        assert card.running
        assert card.headline == "Periodic job #1 (scheduled): Running, extracting and loading"
        assert card.facts["Progress"] == "Account 500/1,000"
        assert jobs_chart(home) == []
    finally:
        lock.release()


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(None, ""), (4.04, "4.0 s"), (59.9, "59.9 s"), (61, "1 min 1 s"), (3725, "1 h 2 min")],
)
def test_durations(seconds: float | None, text: str) -> None:
    assert format_duration(seconds) == text


def test_progress_without_totals() -> None:
    assert (
        progress_text({"Case": {"rows": 7, "total": None}, "Account": {"rows": 1, "total": 2}})
        == "Account 1/2, Case 7"
    )


def test_the_schedule(home: Path) -> None:
    assert schedule_text(home) is None
    assert save_schedule(home, True, "90m").startswith("A sync job every 1h30m")
    assert schedule_text(home) == "1h30m"
    stored = get_schedule(home)
    assert stored is not None and stored.every == timedelta(minutes=90)
    with pytest.raises(ValueError, match="at most once a minute"):
        save_schedule(home, True, "30s")
    with pytest.raises(ValueError, match="not an interval"):
        save_schedule(home, True, "daily")
    assert save_schedule(home, False, "whatever") == "Scheduled sync jobs are off."
    assert schedule_text(home) is None
