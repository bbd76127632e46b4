"""The stored schedule and the loop behind ``sfsync schedule``."""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from jobs_fixtures import no_transform

from pipelines.jobs import (
    format_interval,
    get_schedule,
    latest_job,
    list_jobs,
    parse_interval,
    run_job,
    run_schedule,
    set_schedule,
)
from pipelines.jobs.audit import utc_now
from pipelines.jobs.schedule import POLL_S

INTERVALS = [
    ("90s", timedelta(seconds=90), "1m30s"),
    ("30m", timedelta(minutes=30), "30m"),
    ("1h", timedelta(hours=1), "1h"),
    ("1h30m", timedelta(minutes=90), "1h30m"),
    (" 6H ", timedelta(hours=6), "6h"),
    ("1d", timedelta(days=1), "1d"),
    ("2d12h", timedelta(days=2, hours=12), "2d12h"),
]


@pytest.mark.parametrize(("text", "every", "shortest"), INTERVALS)
def test_intervals(text: str, every: timedelta, shortest: str) -> None:
    assert parse_interval(text) == every
    assert format_interval(every) == shortest


@pytest.mark.parametrize("text", ["", "1", "h", "1w", "1h 30", "-1h", "0s", "every hour"])
def test_bad_intervals_say_how_to_write_one(text: str) -> None:
    with pytest.raises(ValueError, match="interval"):
        parse_interval(text)


def test_schedule_setting_round_trip(home: Path) -> None:
    assert get_schedule(home) is None
    stored = set_schedule(home, "6h")
    assert stored is not None
    assert get_schedule(home) == stored
    assert stored.every == timedelta(hours=6)
    set_schedule(home, timedelta(minutes=15))
    assert get_schedule(home).every == timedelta(minutes=15)  # type: ignore[union-attr]
    assert set_schedule(home, None) is None
    assert get_schedule(home) is None


class FakeTime:
    """A clock that moves only when the loop sleeps; starts at the real now."""

    def __init__(self) -> None:
        self.now = utc_now()
        self.sleeps: list[float] = []

    def clock(self) -> datetime:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += timedelta(seconds=seconds)


def test_runs_at_once_then_one_interval_after_each_start(home: Path, extract_step: Any) -> None:
    time = FakeTime()
    started: list[datetime] = []

    def run(home: Path) -> None:
        started.append(time.now)
        run_job(home, trigger="scheduled", transform=no_transform, extract=extract_step())

    said: list[str] = []
    ran = run_schedule(
        home, "3m", run=run, count=2, sleep=time.sleep, clock=time.clock, say=said.append
    )

    assert ran == 2
    assert started[1] - started[0] >= timedelta(minutes=3)
    assert started[1] - started[0] < timedelta(minutes=3, seconds=5)
    assert all(s <= POLL_S for s in time.sleeps)  # wakes up at least every minute
    assert [j.trigger for j in list_jobs(home)] == ["scheduled", "scheduled"]
    assert [j.kind for j in list_jobs(home)] == ["periodic", "bootstrap"]
    assert said[0].startswith("a sync job every 3m; next at")


def test_a_manual_job_pushes_the_next_scheduled_one_back(home: Path, extract_step: Any) -> None:
    run_job(home, transform=no_transform, extract=extract_step())
    manual = latest_job(home)
    assert manual is not None
    time = FakeTime()
    started: list[datetime] = []

    def run(home: Path) -> None:
        started.append(time.now)

    run_schedule(home, "1h", run=run, count=1, sleep=time.sleep, clock=time.clock, say=print)
    assert started[0] >= manual.started_at + timedelta(hours=1)
    assert started[0] < manual.started_at + timedelta(hours=1, seconds=5)


def test_a_refused_run_is_retried_after_a_pause_not_at_once(home: Path) -> None:
    time = FakeTime()
    attempts: list[datetime] = []
    ran = run_schedule(
        home,
        "2h",
        run=lambda home: attempts.append(time.now),
        count=3,
        sleep=time.sleep,
        clock=time.clock,
        say=print,
    )
    assert ran == 3
    # No job row was made by these attempts, so the loop waits a poll interval between them.
    gaps = [b - a for a, b in pairwise(attempts)]
    assert all(gap >= timedelta(seconds=POLL_S) for gap in gaps)


def test_follows_the_stored_schedule_and_its_changes(home: Path) -> None:
    time = FakeTime()
    said: list[str] = []
    attempts: list[datetime] = []

    def sleep(seconds: float) -> None:
        time.sleep(seconds)
        if len(time.sleeps) == 2:
            set_schedule(home, "10m")  # what the wizard does while the scheduler waits

    ran = run_schedule(
        home,
        run=lambda home: attempts.append(time.now),
        count=1,
        sleep=sleep,
        clock=time.clock,
        say=said.append,
    )
    assert ran == 1
    assert said[0].startswith("no schedule is set")
    assert time.sleeps[:2] == [POLL_S, POLL_S]
    assert said[1].startswith("a sync job every 10m")
