"""A standalone push as a job: ``sfsync push`` recorded in the job audit table.

A sync job ends with a push when write-back is enabled, and that push is part of the job's row.
A push run on its own (``sfsync push``, or ``sfsync push --trigger scheduled`` from cron or an
orchestrator) gets a row of its own, of kind ``push``: records sent per object in
``rows_per_object``, the API calls it spent, and sent / failed / conflicts per mapping in
``sync_message``. The push's per-record detail stays in the write-back outbox, linked by the
job id (``sfsync push --results``).

It holds the job lock from start to end, so there is one job at a time: a push is refused while
a sync job runs, and a sync job while a push runs::

    outcome = run_push_job(home, "manual")       # raises JobAlreadyRunning, or WritebackError
    outcome.job.status, outcome.job.rows_per_object, outcome.job.sync_message
    outcome.result.failed                        # None when the push could not run (error)

In the background (the wizard's "Push now"), returning at once with the job's id; the push runs
in a ``python -m pipelines.jobs.push_process`` process that the job lock is handed to::

    job_id = start_push_background(home, "manual")   # also refuses a config without mappings
"""

from __future__ import annotations

import os
import socket
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipelines.config.control import sfsync_home
from pipelines.jobs.audit import (
    HomeArg,
    JobRecord,
    Trigger,
    create_job,
    fail_dead_jobs,
    finish_job,
    get_job,
    update_job,
)
from pipelines.jobs.lock import JobLock
from pipelines.jobs.messages import error_message, join_messages
from pipelines.jobs.runner import acquire_job_lock, log_job_details, start_job_process
from pipelines.writeback.errors import WritebackError

if TYPE_CHECKING:
    from pipelines.writeback.results import PushResult

BeforeClose = Callable[["PushResult | None", "Exception | None"], None]
"""Called with the push's result (None if it could not run) and its error, before the job's
row is closed."""


@dataclass(frozen=True)
class PushJobOutcome:
    """The push job's final row, the push's result, and why it did not run (if it did not)."""

    job: JobRecord
    result: PushResult | None = None
    error: Exception | None = None


def run_push_job(
    home: HomeArg = None, trigger: Trigger = "manual", *, wait_s: float = 30.0
) -> PushJobOutcome:
    """Push the config in force's write-back mappings as a job of kind ``push``.

    Refuses before recording anything when it cannot start: write-back off or no config
    (:class:`~pipelines.writeback.WritebackError`), no mapping (:class:`NoMappings`), another
    job running (:class:`~pipelines.jobs.JobAlreadyRunning`). Once the row exists every failure ends up in
    it (status ``Failed``, the reason in ``sync_message``) and in the returned ``error``.
    ``wait_s``: how long the push waits for a reader to let go of the warehouse.
    """
    from pipelines.config.store import ConfigStore
    from pipelines.writeback.errors import WritebackDisabled
    from pipelines.writeback.plan import config_in_force

    home_path = sfsync_home(home)
    config, _ = config_in_force(None, home_path)
    if not config.writeback.enabled:
        raise WritebackDisabled()
    if not config.writeback.mappings:
        raise NoMappings()
    lock, job_id = _record_push(home_path, trigger, ConfigStore(home_path).current().source.version)
    try:
        lock.describe(job_id)
        update_job(home_path, job_id, stage="push")
        return _execute(home_path, job_id, wait_s)
    finally:
        lock.release()


class NoMappings(WritebackError):
    """Write-back is on but maps nothing: a push job would have nothing to do."""

    def __init__(self) -> None:
        super().__init__(
            "write-back has no mappings in the config in force: add one (a dbt model's columns "
            "to an object's fields) in the wizard's \"Sync to Salesforce\" section or in the "
            "config, then push"
        )


def start_push_background(home: HomeArg = None, trigger: Trigger = "manual") -> int:
    """Start a push job in a detached process and return its id at once (the wizard's
    "Push now").

    The job's row exists (``Running``) when this returns; the process's output goes to
    :func:`~pipelines.jobs.runner.job_log_path`. Refuses before recording anything when write-back
    is off or no config is in force (:class:`~pipelines.writeback.WritebackError`), when
    the config has no mapping (:class:`NoMappings`: there would be nothing to push), and while
    another job runs (:class:`~pipelines.jobs.JobAlreadyRunning`).
    """
    from pipelines.writeback.errors import WritebackDisabled
    from pipelines.writeback.plan import config_in_force

    home_path = sfsync_home(home).resolve()
    config, version = config_in_force(None, home_path)
    if not config.writeback.enabled:
        raise WritebackDisabled()
    if not config.writeback.mappings:
        raise NoMappings()
    lock, job_id = _record_push(home_path, trigger, version)
    start_job_process(
        home_path, lock, job_id, [sys.executable, "-m", "pipelines.jobs.push_process"]
    )
    return job_id


def _record_push(home_path: Path, trigger: Trigger, version: int | None) -> tuple[JobLock, int]:
    """Take the job lock and record a ``Running`` push job; on failure the lock is let go."""
    lock = acquire_job_lock(home_path)
    try:
        fail_dead_jobs(home_path)
        job_id = create_job(
            home_path,
            kind="push",
            trigger=trigger,
            pid=os.getpid(),
            host=socket.gethostname(),
            config_version=version,
        )
    except BaseException:
        lock.release()
        raise
    return lock, job_id


def run_handed_over_push(
    home: HomeArg,
    job_id: int,
    lock_fd: int,
    *,
    wait_s: float = 30.0,
    before_close: BeforeClose | None = None,
) -> PushJobOutcome:
    """Run push job ``job_id``, created by :func:`start_push_background`, with the lock it
    passed on; the outcome is recorded in the job's row like :func:`run_push_job`'s.

    ``before_close(result, error)`` is called once the push is over and before its row is
    closed (``result`` None when it could not run): what it prints is in the job's log by the
    time anyone sees the job finished.
    """
    from pipelines.config.store import ConfigStore

    home_path = sfsync_home(home)
    lock = JobLock.adopt(home_path, lock_fd)
    try:
        lock.describe(job_id)
        job = get_job(home_path, job_id, reconcile_dead=False)
        if job is None or job.status != "Running" or job.kind != "push":
            raise ValueError(f"job {job_id} is not a push waiting to run")
        # The push reads the config in force now, which may be newer than at the start.
        version = ConfigStore(home_path).current().source.version
        update_job(
            home_path,
            job_id,
            pid=os.getpid(),
            host=socket.gethostname(),
            stage="push",
            config_version=version,
        )
        return _execute(home_path, job_id, wait_s, before_close)
    finally:
        lock.release()


def _execute(
    home: HomeArg, job_id: int, wait_s: float, before_close: BeforeClose | None = None
) -> PushJobOutcome:
    from pipelines.writeback.push import push

    try:
        result = push(None, home, job_id=job_id, wait_s=wait_s)
    except Exception as exc:
        if not _expected(exc):
            log_job_details(sfsync_home(home), job_id, exc)
        job = _announce_and_close(
            before_close,
            home,
            job_id,
            (None, exc),
            status="Failed",
            sync_message=join_messages([f"push not run: {error_message(exc)}"]),
        )
        return PushJobOutcome(job, None, exc)
    except BaseException as exc:
        # Ctrl-C, or SIGTERM turned into SystemExit: the push closed its own run; close the job.
        reason = "interrupted (Ctrl-C)" if isinstance(exc, KeyboardInterrupt) else "stopped"
        finish_job(home, job_id, status="Failed", sync_message=f"{reason} during push")
        raise
    job = _announce_and_close(
        before_close,
        home,
        job_id,
        (result, None),
        status="Completed" if result.status == "Completed" else "Failed",
        rows_per_object=sent_per_object(result),
        api_calls=result.api_calls,
        sync_message=join_messages(push_job_message(result)),
    )
    return PushJobOutcome(job, result)


def _announce_and_close(
    before_close: BeforeClose | None,
    home: HomeArg,
    job_id: int,
    outcome: tuple[PushResult | None, Exception | None],
    **row: Any,
) -> JobRecord:
    """Call ``before_close`` with ``outcome``, then close the job's row with ``row``
    (:func:`finish_job`'s keywords). A failing ``before_close`` (a closed pipe, say) goes to the
    job's log; the row is closed whatever happens, a stop signal while it prints included."""
    try:
        if before_close is not None:
            try:
                before_close(*outcome)
            except Exception as exc:
                log_job_details(sfsync_home(home), job_id, exc)
    finally:
        job = finish_job(home, job_id, **row)
    return job


def sent_per_object(result: PushResult) -> dict[str, int]:
    """Records written per object (every mapped object, 0 when nothing changed)."""
    sent: dict[str, int] = {}
    for mapping in result.run.summary:
        name = str(mapping.get("object") or "")
        if name:
            sent[name] = sent.get(name, 0) + int(mapping.get("sent", 0))
    return sent


def push_job_message(result: PushResult) -> list[str]:
    """The job's message: the totals, then the push's own lines (one per mapping, notes)."""
    run = result.run
    head = (
        f"push {run.run_id} {run.status.lower()}: {result.sent} sent, {result.failed} failed, "
        f"{result.conflicts} conflict{'s' if result.conflicts != 1 else ''}"
    )
    return [head, *(run.message or "").splitlines()]


def _expected(exc: Exception) -> bool:
    """Failures with a message an admin can act on (no traceback needed in the job's log)."""
    from pipelines.config.issues import InvalidConfigError
    from pipelines.salesforce.errors import SalesforceError
    from pipelines.writeback.errors import WritebackError
    from pipelines.writeback.lock import PushAlreadyRunning
    from pipelines.writeback.warehouse import WarehouseUnavailable

    known = (
        WritebackError,
        PushAlreadyRunning,
        WarehouseUnavailable,
        SalesforceError,
        InvalidConfigError,
    )
    return isinstance(exc, known)
