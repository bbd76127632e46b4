"""Sync jobs: extract+load then transform under one job id, one job at a time, on a schedule::

    from pipelines.jobs import latest_job, run_job, start_job_background

    job = run_job()                              # foreground; bootstrap first, then periodic
    job.status, job.rows_per_object, job.api_calls, job.sync_message
    job_id = start_job_background(None, None, "manual")   # the wizard's "Run Sync Job"
    job_id = start_push_background(None, "manual")        # the wizard's "Push now"
    latest_job(None)                             # what the wizard's job card shows

* :mod:`~pipelines.jobs.runner`: ``run_job``, ``start_job_background``, the default kind.
* :mod:`~pipelines.jobs.push_job`: ``run_push_job``, a standalone push recorded as a job, and
  ``start_push_background`` (run by :mod:`~pipelines.jobs.push_process`).
* :mod:`~pipelines.jobs.audit`: the ``sync_job`` audit table in the control plane.
* :mod:`~pipelines.jobs.lock`: the job lock (``flock`` on ``$SFSYNC_HOME/sync.lock``).
* :mod:`~pipelines.jobs.steps`: the extract and transform steps a job runs.
* :mod:`~pipelines.jobs.messages`: ``sync_message`` wording (errors, zero rows).
* :mod:`~pipelines.jobs.scrub`: secrets kept out of job rows and logs.
* :mod:`~pipelines.jobs.schedule`: the stored interval and the ``sfsync schedule`` loop.
* :mod:`~pipelines.jobs.console`: progress bars, summary and tables for the CLI.
"""

from __future__ import annotations

from pipelines.jobs.audit import (
    JOB_KINDS,
    SYNC_KINDS,
    TRIGGERS,
    JobKind,
    JobRecord,
    JobStatus,
    Trigger,
    get_job,
    latest_job,
    list_jobs,
)
from pipelines.jobs.lock import JobLock, LockHeld
from pipelines.jobs.messages import ZERO_ROWS
from pipelines.jobs.push_job import (
    NoMappings,
    PushJobOutcome,
    run_push_job,
    start_push_background,
)
from pipelines.jobs.runner import (
    JobAlreadyRunning,
    choose_kind,
    job_log_path,
    run_job,
    start_job_background,
)
from pipelines.jobs.schedule import (
    Schedule,
    format_interval,
    get_schedule,
    parse_interval,
    run_schedule,
    set_schedule,
)
from pipelines.jobs.scrub import scrub
from pipelines.jobs.steps import TRANSFORM_NOT_CONFIGURED, run_transform

__all__ = [
    "JOB_KINDS",
    "SYNC_KINDS",
    "TRANSFORM_NOT_CONFIGURED",
    "TRIGGERS",
    "ZERO_ROWS",
    "JobAlreadyRunning",
    "JobKind",
    "JobLock",
    "JobRecord",
    "JobStatus",
    "LockHeld",
    "NoMappings",
    "PushJobOutcome",
    "Schedule",
    "Trigger",
    "choose_kind",
    "format_interval",
    "get_job",
    "get_schedule",
    "job_log_path",
    "latest_job",
    "list_jobs",
    "parse_interval",
    "run_job",
    "run_push_job",
    "run_schedule",
    "run_transform",
    "scrub",
    "set_schedule",
    "start_job_background",
    "start_push_background",
]
