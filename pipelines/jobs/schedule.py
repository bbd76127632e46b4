"""Run sync jobs on an interval: the schedule setting and the loop behind ``sfsync schedule``.

The interval is stored in the control plane (table ``sync_schedule``), so the wizard can set it
and a running ``sfsync schedule`` picks the change up within a minute::

    set_schedule(home, "6h")          # or None to turn scheduled jobs off
    get_schedule(home)                # Schedule(every=timedelta(hours=6), updated_at=...)
    run_schedule(home)                # runs jobs until stopped, honouring the stored interval
    run_schedule(home, every="1h")    # a fixed interval, whatever is stored

A job is due one interval after the newest job *started*, whatever started it, so a manual run
pushes the next scheduled one back and restarting the scheduler does not run an extra job. Each
job runs as its own process (``python -m pipelines.cli sync --trigger scheduled``), so a crash
or the memory of one job never takes the scheduler with it. Cron, Airflow or Dagster can run
``sfsync sync --trigger scheduled`` instead: see ``docs/scheduling.md``.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from pipelines.config.control import control_db, sfsync_home, transaction
from pipelines.jobs.audit import SYNC_KINDS, latest_job, utc_now

# How long the loop sleeps at most between looks at the stored schedule.
POLL_S = 60.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sync_schedule (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    every_seconds INTEGER CHECK (every_seconds IS NULL OR every_seconds > 0),
    updated_at    TEXT NOT NULL
);
"""
_UNSET = object()
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_INTERVAL = re.compile(r"(\d+)\s*([smhd])")


@dataclass(frozen=True)
class Schedule:
    """The stored schedule: a job every ``every``."""

    every: timedelta
    updated_at: datetime

    def to_json(self) -> dict[str, Any]:
        return {
            "every": format_interval(self.every),
            "every_seconds": int(self.every.total_seconds()),
            "updated_at": self.updated_at.isoformat().replace("+00:00", "Z"),
        }


def parse_interval(text: str) -> timedelta:
    """``"1h"``, ``"30m"``, ``"1h30m"``, ``"1d"``, ``"90s"`` → a timedelta (at least one second)."""
    compact = text.strip().lower().replace(" ", "")
    parts = _INTERVAL.findall(compact)
    if not parts or "".join(n + u for n, u in parts) != compact:
        raise ValueError(
            f"'{text}' is not an interval: write a number and a unit, e.g. 30m, 1h, 6h, 1d, 1h30m"
        )
    seconds = sum(int(n) * _UNITS[u] for n, u in parts)
    if seconds < 1:
        raise ValueError(f"'{text}' is not an interval: it must be at least one second")
    return timedelta(seconds=seconds)


def format_interval(every: timedelta) -> str:
    """The shortest text :func:`parse_interval` reads back: ``timedelta(minutes=90)`` → ``1h30m``."""
    seconds = int(every.total_seconds())
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts) or "0s"


def get_schedule(home: str | Path | None = None) -> Schedule | None:
    """The stored schedule, or ``None`` when scheduled jobs are off (the default)."""
    with _db(sfsync_home(home)) as db:
        row = db.execute("SELECT every_seconds, updated_at FROM sync_schedule").fetchone()
    if row is None or row["every_seconds"] is None:
        return None
    return Schedule(
        every=timedelta(seconds=row["every_seconds"]),
        updated_at=datetime.fromisoformat(row["updated_at"]),
    )


def set_schedule(home: str | Path | None, every: timedelta | str | None) -> Schedule | None:
    """Store the interval (``"6h"`` or a timedelta); ``None`` turns scheduled jobs off."""
    interval = parse_interval(every) if isinstance(every, str) else every
    if interval is not None and interval.total_seconds() < 1:
        raise ValueError("the schedule interval must be at least one second")
    seconds = int(interval.total_seconds()) if interval is not None else None
    now = utc_now()
    with _db(sfsync_home(home)) as db, transaction(db):
        db.execute(
            "INSERT INTO sync_schedule (id, every_seconds, updated_at) VALUES (1, ?, ?)"
            " ON CONFLICT (id) DO UPDATE SET every_seconds = excluded.every_seconds,"
            " updated_at = excluded.updated_at",
            (seconds, now.isoformat(timespec="milliseconds").replace("+00:00", "Z")),
        )
    return get_schedule(home)


def next_due(home: Path, every: timedelta, now: datetime | None = None) -> datetime:
    """When the next scheduled job is due: one interval after the newest job started (``now``
    when there has been none). Standalone pushes do not move it."""
    newest = latest_job(home, kinds=SYNC_KINDS)
    if newest is None:
        return now if now is not None else utc_now()
    return newest.started_at + every


def run_job_process(home: Path) -> int:
    """Run one scheduled job as a child process (output to this terminal); its exit code."""
    from pipelines.jobs.runner import job_process_env

    command = [sys.executable, "-m", "pipelines.cli", "sync", "--trigger", "scheduled"]
    return subprocess.call(command, env=job_process_env(home))


def run_schedule(
    home: str | Path | None = None,
    every: timedelta | str | None = None,
    *,
    run: Callable[[Path], object] = run_job_process,
    count: int | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], datetime] = utc_now,
    say: Callable[[str], None] = print,
) -> int:
    """Run jobs every ``every`` (else the stored schedule, re-read each minute) until stopped.

    ``count`` stops after that many jobs; ``run(home)`` runs one job (a child process by
    default). Returns the number of jobs run.
    """
    home_path = sfsync_home(home)
    fixed = parse_interval(every) if isinstance(every, str) else every
    ran = 0
    announced: object = _UNSET
    # A run that made no new job (refused while a long job still runs) is retried after a
    # short wait, not at once.
    last_attempt: datetime | None = None
    while count is None or ran < count:
        stored = get_schedule(home_path) if fixed is None else None
        interval = fixed if fixed is not None else (stored.every if stored else None)
        if interval != announced:
            if interval is None:
                say("no schedule is set (sfsync schedule --set 6h, or the wizard); waiting")
            else:
                due = next_due(home_path, interval, clock())
                say(f"a sync job every {format_interval(interval)}; next at {_when(due)}")
            announced = interval
        if interval is None:
            sleep(POLL_S)
            continue
        now = clock()
        due = next_due(home_path, interval, now)
        if last_attempt is not None:
            due = max(due, last_attempt + min(interval, timedelta(seconds=POLL_S)))
        if now < due:
            sleep(min((due - now).total_seconds(), POLL_S))
            continue
        say(f"{_when(now)}: starting a scheduled sync job")
        last_attempt = now
        run(home_path)
        ran += 1
        if count is None or ran < count:
            say(f"next at {_when(next_due(home_path, interval, clock()))}")
    return ran


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


@contextmanager
def _db(home: Path) -> Iterator[Any]:
    with control_db(home) as db:
        db.executescript(_SCHEMA)
        yield db
