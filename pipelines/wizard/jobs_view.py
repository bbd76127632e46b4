"""What the wizard shows about sync jobs, and the two things it does with them.

- :func:`job_card`: the Sync Job card on the Settings page (latest bootstrap or periodic job).
- :func:`run_sync`: "Run Sync Job": starts a job in its own process and returns at once.
- :func:`jobs_table` / :func:`jobs_chart`: the Sync jobs page (history, rows and durations);
  the table also lists standalone pushes (kind ``push``, ``sfsync push``), the charts only
  the sync jobs that load data.
- :func:`schedule_text` / :func:`save_schedule`: the periodic schedule that ``sfsync schedule``
  honours.

Everything reads the job audit table in the control plane, never the warehouse, so it answers
while a job holds the warehouse.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from pipelines.jobs import (
    SYNC_KINDS,
    JobAlreadyRunning,
    JobRecord,
    format_interval,
    get_schedule,
    latest_job,
    list_jobs,
    parse_interval,
    set_schedule,
    start_job_background,
)

STAGE_LABELS = {
    "starting": "starting",
    "extract": "extracting and loading",
    "transform": "transforming (dbt build)",
    "push": "pushing to Salesforce",
}


@dataclass(frozen=True)
class JobCard:
    """The latest job as the card shows it (``job`` is ``None`` before the first one)."""

    job: JobRecord | None

    @property
    def running(self) -> bool:
        return self.job is not None and self.job.status == "Running"

    @property
    def headline(self) -> str:
        if self.job is None:
            return "No sync job has run yet"
        job = self.job
        what = f"{job.kind.capitalize()} job #{job.job_id} ({job.trigger})"
        if job.status == "Running":
            stage = STAGE_LABELS.get(job.stage or "", job.stage or "")
            return f"{what}: Running" + (f", {stage}" if stage else "")
        return f"{what}: {job.status}"

    @property
    def facts(self) -> dict[str, str]:
        """Label → value lines of the card."""
        job = self.job
        if job is None:
            return {}
        out = {"Started": format_time(job.started_at)}
        if job.finished_at is not None:
            out["Finished"] = format_time(job.finished_at)
            out["Duration"] = format_duration(job.duration_s)
        if job.status == "Running" and job.progress:
            out["Progress"] = progress_text(job.progress)
        if job.rows_per_object:
            label = "Records sent" if job.kind == "push" else "Rows"
            out[label] = f"{job.total_rows:,} ({rows_text(job.rows_per_object)})"
        if job.api_calls is not None:
            out["API calls"] = f"{job.api_calls:,}"
        if job.config_version is not None:
            out["Config"] = f"v{job.config_version}"
        return out


def job_card(home: str | Path | None) -> JobCard:
    return JobCard(latest_job(_home(home)))


@dataclass(frozen=True)
class RunSyncResult:
    job_id: int | None
    message: str


def run_sync(home: str | Path | None) -> RunSyncResult:
    """Start a sync job in the background (bootstrap first, then periodic)."""
    try:
        job_id = start_job_background(home, None, "manual")
    except JobAlreadyRunning as exc:
        return RunSyncResult(None, str(exc))
    except OSError as exc:
        return RunSyncResult(None, f"could not start the job process: {exc.strerror or exc}")
    return RunSyncResult(job_id, f"Sync job #{job_id} started")


def jobs_table(home: str | Path | None, limit: int = 100) -> list[dict[str, Any]]:
    """One row per job, newest first, with the columns of the Sync jobs page."""
    rows = []
    for job in list_jobs(_home(home), limit=limit):
        rows.append(
            {
                "Job": job.job_id,
                "Kind": job.kind,
                "Trigger": job.trigger,
                "Status": job.status,
                "Started": format_time(job.started_at),
                "Finished": format_time(job.finished_at) if job.finished_at else "",
                "Duration (s)": round(job.duration_s, 1) if job.duration_s is not None else None,
                "Rows": job.total_rows,
                "Rows per object": rows_text(job.rows_per_object),
                "API calls": job.api_calls,
                "Config": f"v{job.config_version}" if job.config_version else "",
                "Message": job.sync_message or "",
            }
        )
    return rows


def jobs_chart(home: str | Path | None, limit: int = 50) -> list[dict[str, Any]]:
    """Finished sync jobs, oldest first: rows loaded and duration per job, for the chart."""
    jobs = list_jobs(_home(home), limit=limit, kinds=SYNC_KINDS)
    jobs = [j for j in jobs if j.finished_at is not None]
    return [
        {
            "job": f"#{j.job_id}",
            "job_id": j.job_id,
            "status": j.status,
            "rows": j.total_rows,
            "duration_s": round(j.duration_s or 0.0, 2),
        }
        for j in reversed(jobs)
    ]


def job_rows_per_object(home: str | Path | None, limit: int = 50) -> list[dict[str, Any]]:
    """``{job, object, rows}`` per sync job and object (long form, for a stacked chart)."""
    out = []
    for job in reversed(list_jobs(_home(home), limit=limit, kinds=SYNC_KINDS)):
        for name, count in sorted(job.rows_per_object.items()):
            out.append(
                {"job": f"#{job.job_id}", "job_id": job.job_id, "object": name, "rows": count}
            )
    return out


def schedule_text(home: str | Path | None) -> str | None:
    """The stored interval (``"6h"``), or ``None`` when scheduled jobs are off."""
    current = get_schedule(_home(home))
    return format_interval(current.every) if current else None


def save_schedule(home: str | Path | None, enabled: bool, every: str) -> str:
    """Store the schedule; returns what was stored, raises ValueError with a usable message."""
    if not enabled:
        set_schedule(_home(home), None)
        return "Scheduled sync jobs are off."
    interval = parse_interval(every)
    if interval.total_seconds() < 60:
        raise ValueError("run scheduled jobs at most once a minute (e.g. 30m, 6h, 1d)")
    stored = set_schedule(_home(home), interval)
    assert stored is not None
    return (
        f"A sync job every {format_interval(stored.every)}, run by `sfsync schedule` "
        "(or cron / your orchestrator running `sfsync sync --trigger scheduled`)."
    )


def format_time(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC") if moment else ""


def format_duration(seconds: float | None) -> str:
    if seconds is None:
        return ""
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {secs} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min"


def rows_text(rows_per_object: dict[str, int]) -> str:
    return ", ".join(f"{name} {count:,}" for name, count in sorted(rows_per_object.items()))


def progress_text(progress: dict[str, dict[str, int | None]]) -> str:
    parts = []
    for name, state in sorted(progress.items()):
        rows, total = state.get("rows") or 0, state.get("total")
        parts.append(f"{name} {rows:,}/{total:,}" if total is not None else f"{name} {rows:,}")
    return ", ".join(parts)


def _home(home: str | Path | None) -> Path:
    from pipelines.config.control import sfsync_home

    return sfsync_home(home)
