""" "Push now" in the "Sync to Salesforce" section: a push job started in the background, and
the latest push job as the section shows it::

    started = push_now(home)         # returns at once; started.job_id is None when refused
    started.message                  # "Push job #4 started", or why not and what to do
    status = push_status(home)
    status.busy                      # a job (sync or push) is running: the button waits
    status.card                      # the latest push job (JobCard), None before the first

The push writes the mappings of the configuration in force (the saved one), like
``sfsync push``; it is recorded in the job audit table as a job of kind ``push``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipelines.jobs import (
    JobAlreadyRunning,
    NoMappings,
    latest_job,
    start_push_background,
)
from pipelines.wizard.jobs_view import JobCard, format_duration, format_time, rows_text
from pipelines.writeback.errors import NotConfigured, WritebackDisabled, WritebackError

HomeArg = str | Path | None

# The section's own words for why a push cannot start (the CLI's name the config keys).
DISABLED = (
    'Not pushed: write-back is off in the saved configuration. Turn on "Push to Salesforce '
    'at the end of every sync job" above and save (Save Configuration), then push.'
)
NO_MAPPINGS = (
    "Not pushed: the saved configuration has no write-back mapping. Add one above (Add "
    "mapping), save it (Save Configuration), then push."
)
NOT_CONFIGURED = (
    "Not pushed: no configuration is saved yet. Save one with the mappings above (Save "
    "Configuration), then push."
)


@dataclass(frozen=True)
class PushNow:
    """What "Push now" did: the job it started (``None`` when refused), and what to tell."""

    job_id: int | None
    message: str


def push_now(home: HomeArg) -> PushNow:
    """Start a push job in its own process, or say why it cannot start (another job running,
    write-back off, no mapping, no configuration); never raises for those."""
    try:
        job_id = start_push_background(home, "manual")
    except JobAlreadyRunning as exc:
        return PushNow(None, f"Not pushed: {exc}")
    except WritebackDisabled:
        return PushNow(None, DISABLED)
    except NoMappings:
        return PushNow(None, NO_MAPPINGS)
    except NotConfigured:
        return PushNow(None, NOT_CONFIGURED)
    except WritebackError as exc:
        return PushNow(None, f"Not pushed: {exc}")
    except OSError as exc:
        return PushNow(None, f"Not pushed: could not start the push process: {exc.strerror or exc}")
    return PushNow(job_id, f"Push job #{job_id} started")


@dataclass(frozen=True)
class PushStatus:
    """The latest push job (``card``, ``None`` before the first) and whether any job runs."""

    card: JobCard | None
    busy: bool

    @property
    def running(self) -> bool:
        """The latest push job is still running (the section follows it)."""
        return self.card is not None and self.card.running

    @property
    def facts(self) -> str:
        """One line: when it started, how long it took, records sent, API calls."""
        job = self.card.job if self.card is not None else None
        if job is None:
            return ""
        parts = [f"Started {format_time(job.started_at)}"]
        if job.finished_at is not None:
            parts.append(f"took {format_duration(job.duration_s)}")
        if job.rows_per_object:
            parts.append(f"{job.total_rows:,} record(s) sent ({rows_text(job.rows_per_object)})")
        if job.api_calls is not None:
            parts.append(f"{job.api_calls:,} API call{'s' if job.api_calls != 1 else ''}")
        return " · ".join(parts)


def push_status(home: HomeArg) -> PushStatus:
    """The latest push job and whether a job of any kind is running now."""
    last_push = latest_job(home, kind="push")
    latest = latest_job(home)
    return PushStatus(
        JobCard(last_push) if last_push is not None else None,
        latest is not None and latest.status == "Running",
    )
