"""Run a sync job: extract+load, then transform (then the write-back push, when the config
enables it), under one job id and the job lock.

In the foreground (the CLI, a scheduler, a test)::

    job = run_job(home, "periodic", "scheduled", progress=show_progress)
    job.status, job.rows_per_object, job.sync_message

In the background (the wizard's "Run Sync Job" button), returning at once::

    job_id = start_job_background(home, None, "manual")    # None: bootstrap if never synced

Both refuse with :class:`JobAlreadyRunning` while another job runs, and both close the rows of
jobs whose process died before starting (they hold the lock, so a ``Running`` row can only be
left over). A job's failure is recorded in its row, not raised: ``run_job`` returns the row
either way.

Which kind runs by default: a *bootstrap* until one job has completed, then *periodic*. A
bootstrap after a completed sync is a full refresh (everything is pulled again); the first
bootstrap is not, so that rerunning one that was killed resumes from what it had loaded instead
of starting over (with no cursor yet, an incremental pull already pulls everything).
"""

from __future__ import annotations

import logging
import os
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path

from pipelines.config.control import sfsync_home
from pipelines.jobs.audit import (
    SYNC_KINDS,
    JobKind,
    JobRecord,
    Trigger,
    create_job,
    fail_dead_jobs,
    finish_job,
    get_job,
    list_jobs,
    running_job,
    update_job,
)
from pipelines.jobs.lock import JobLock, LockHeld
from pipelines.jobs.messages import (
    budget_message,
    empty_objects_message,
    error_message,
    join_messages,
    zero_rows_message,
)
from pipelines.jobs.scrub import scrub
from pipelines.jobs.steps import (
    ExtractFn,
    ProgressFn,
    PushFn,
    TransformFn,
    budget_error_types,
    default_extract,
    run_push,
    run_transform,
)

log = logging.getLogger(__name__)

LOG_DIR = "logs"
# The job row's progress column is refreshed at most this often (the wizard polls it).
_PROGRESS_EVERY_S = 2.0

PathLike = str | os.PathLike[str]


class JobAlreadyRunning(RuntimeError):
    """A job was started while another one holds the job lock."""

    def __init__(self, running: JobRecord | None, holder: LockHeld) -> None:
        self.running = running
        who = holder.holder
        noun = "a push" if running is not None and running.kind == "push" else "a sync job"
        if running is not None:
            what = f"job {running.job_id} ({running.kind}, {running.trigger})"
            pid, host = running.pid, running.host
            since = running.started_at.strftime("%Y-%m-%d %H:%M:%S UTC")
            follow = f"; follow it with `sfsync jobs show {running.job_id}`"
        else:
            what = f"job {who.job_id}" if who.job_id else "a job"
            pid, host, since, follow = who.pid, who.host, who.since or "an unknown time", ""
        super().__init__(
            f"{noun} is already running: {what}, process {pid} on {host}, since {since}. "
            f"Wait for it to finish{follow}."
        )


def choose_kind(home: Path) -> JobKind:
    """``bootstrap`` until a job has completed, then ``periodic``."""
    return "periodic" if has_completed_job(home) else "bootstrap"


def has_completed_job(home: Path) -> bool:
    """Whether a sync job has completed (a standalone push loads nothing, so it does not count)."""
    return bool(list_jobs(home, limit=1, status="Completed", kinds=SYNC_KINDS))


def job_log_path(home: PathLike | None, job_id: int) -> Path:
    """``$SFSYNC_HOME/logs/sync-<id>.log``: a job's output (background) and error details."""
    return sfsync_home(home) / LOG_DIR / f"sync-{job_id}.log"


def run_job(
    home: PathLike | None = None,
    kind: JobKind | None = None,
    trigger: Trigger = "manual",
    *,
    objects: Sequence[str] | None = None,
    extract: ExtractFn | None = None,
    transform: TransformFn = run_transform,
    push: PushFn = run_push,
    progress: ProgressFn | None = None,
    on_start: Callable[[int], None] | None = None,
) -> JobRecord:
    """Run one sync job in this process and return its final audit row.

    ``kind=None`` picks bootstrap or periodic (see the module docstring). ``extract`` defaults
    to ``pipelines.salesforce.run_extract`` and ``transform`` to :func:`run_transform`.
    ``on_start(job_id)`` is called once the job has its id. Raises :class:`JobAlreadyRunning`
    if another job holds the lock; every other failure ends up in the returned row.
    """
    _check_sync_kind(kind)
    home_path = sfsync_home(home)
    lock = acquire_job_lock(home_path)
    try:
        fail_dead_jobs(home_path)
        kind = kind or choose_kind(home_path)
        job_id = create_job(
            home_path, kind=kind, trigger=trigger, pid=os.getpid(), host=socket.gethostname()
        )
        lock.describe(job_id)
        if on_start is not None:
            on_start(job_id)
        return _execute(home_path, job_id, kind, objects, extract, transform, push, progress)
    finally:
        lock.release()


def run_handed_over_job(
    home: PathLike | None,
    job_id: int,
    lock_fd: int,
    *,
    objects: Sequence[str] | None = None,
    extract: ExtractFn | None = None,
    transform: TransformFn = run_transform,
    push: PushFn = run_push,
    progress: ProgressFn | None = None,
) -> JobRecord:
    """Run job ``job_id``, created by :func:`start_job_background`, with the lock it passed on."""
    home_path = sfsync_home(home)
    lock = JobLock.adopt(home_path, lock_fd)
    try:
        lock.describe(job_id)
        job = get_job(home_path, job_id, reconcile_dead=False)
        if job is None or job.status != "Running":
            raise ValueError(f"job {job_id} is not waiting to run")
        update_job(home_path, job_id, pid=os.getpid(), host=socket.gethostname())
        return _execute(home_path, job_id, job.kind, objects, extract, transform, push, progress)
    finally:
        lock.release()


def start_job_background(
    home: PathLike | None = None,
    kind: JobKind | None = None,
    trigger: Trigger = "manual",
    *,
    objects: Sequence[str] | None = None,
) -> int:
    """Start a job in a detached ``python -m pipelines.cli sync`` process; return its id at once.

    The job's row exists (``Running``) when this returns, and its output goes to
    :func:`job_log_path`. Raises :class:`JobAlreadyRunning` like :func:`run_job`.
    """
    _check_sync_kind(kind)
    home_path = sfsync_home(home).resolve()
    lock = acquire_job_lock(home_path)
    try:
        fail_dead_jobs(home_path)
        kind = kind or choose_kind(home_path)
        job_id = create_job(
            home_path, kind=kind, trigger=trigger, pid=os.getpid(), host=socket.gethostname()
        )
    except BaseException:
        lock.release()
        raise
    command = [sys.executable, "-m", "pipelines.cli", "sync"]
    if objects:
        command += ["--objects", ",".join(objects)]
    start_job_process(home_path, lock, job_id, command)
    return job_id


def start_job_process(home: Path, lock: JobLock, job_id: int, command: Sequence[str]) -> None:
    """Run job ``job_id`` in a detached process, handing it the job lock this one holds.

    ``command`` is the job process's command line without ``--job-id`` and ``--lock-fd``,
    which are added here. The process's output goes to :func:`job_log_path`. If it cannot be
    started, the job's row is closed ``Failed``, the lock released, and the error raised.
    """
    try:
        lock.describe(job_id)
        argv = [*command, "--job-id", str(job_id), "--lock-fd", str(lock.fd)]
        log_file = job_log_path(home, job_id)
        log_file.parent.mkdir(parents=True, exist_ok=True)
        with log_file.open("ab") as out:
            process = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                pass_fds=(lock.fd,),
                start_new_session=True,  # not killed with the wizard's session or terminal
                env=job_process_env(home),
            )
        update_job(home, job_id, pid=process.pid)
    except BaseException as exc:
        finish_job(
            home,
            job_id,
            status="Failed",
            sync_message=f"could not start the job process: {error_message(exc)}",
        )
        lock.release()
        raise
    # The child holds the lock now; reap it when it ends so it never lingers as a zombie of a
    # long-lived parent (the wizard's server).
    threading.Thread(target=process.wait, name=f"sfsync-job-{job_id}", daemon=True).start()
    lock.hand_over()


def _check_sync_kind(kind: JobKind | None) -> None:
    if kind is not None and kind not in SYNC_KINDS:
        raise ValueError(f"a sync job is bootstrap or periodic, not {kind!r} (see run_push_job)")


def acquire_job_lock(home: Path) -> JobLock:
    """The job lock, or :class:`JobAlreadyRunning` saying which job holds it."""
    try:
        return JobLock.acquire(home)
    except LockHeld as held:
        raise JobAlreadyRunning(running_job(home), held) from None


def job_process_env(home: Path) -> dict[str, str]:
    """The environment of a job process: this one's, with ``SFSYNC_HOME`` and this checkout."""
    env = dict(os.environ)
    env["SFSYNC_HOME"] = str(home)
    # The job process must import this same checkout, installed or not.
    root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env


def _execute(
    home: Path,
    job_id: int,
    kind: JobKind,
    objects: Sequence[str] | None,
    extract: ExtractFn | None,
    transform: TransformFn,
    push: PushFn,
    progress: ProgressFn | None,
) -> JobRecord:
    budget_errors = budget_error_types()
    recorder = _ProgressRecorder(home, job_id, progress)
    rows: dict[str, int] = {}
    api_calls: int | None = None
    notes: list[str] = []
    stage = "starting"
    try:
        from pipelines.config.store import ConfigStore

        current = ConfigStore(home).current()
        update_job(home, job_id, config_version=current.source.version)

        stage = "extract"
        update_job(home, job_id, stage=stage)
        start_early = getattr(transform, "start_early", None)
        if start_early is not None:
            start_early(home)
        extract_fn = extract if extract is not None else default_extract()
        full_refresh = kind == "bootstrap" and has_completed_job(home)
        result = extract_fn(
            home,
            config=current.config,
            objects=list(objects) if objects else None,
            full_refresh=full_refresh,
            progress=recorder,
        )
        rows = {name: int(count) for name, count in result.rows_per_object.items()}
        api_calls = int(result.api_calls)
        notes.extend(result.messages)

        stage = "transform"
        update_job(home, job_id, stage=stage)
        notes.append(transform(home, current.config))

        stage = "push"
        update_job(home, job_id, stage=stage)
        pushed = push(home, current.config, job_id)
        if pushed is not None:
            notes.append(pushed.summary)
            api_calls = (api_calls or 0) + pushed.api_calls
    except budget_errors as exc:
        # The extractor may attach what it loaded before stopping (``exc.result``).
        partial = getattr(exc, "result", None)
        if partial is not None:
            rows = {name: int(count) for name, count in partial.rows_per_object.items()}
            api_calls = int(partial.api_calls)
        return finish_job(
            home,
            job_id,
            status="Failed",
            rows_per_object=rows,
            api_calls=api_calls,
            sync_message=budget_message(exc, rows if partial is not None else None),
        )
    except Exception as exc:
        log_job_details(home, job_id, exc)
        failure = error_message(exc)
        if stage == "transform":
            failure = f"transform failed: {failure}"
        # A failed extract commits nothing, but its ``result`` still counts the API calls spent.
        spent = getattr(getattr(exc, "result", None), "api_calls", None)
        return finish_job(
            home,
            job_id,
            status="Failed",
            rows_per_object=rows,
            api_calls=api_calls if api_calls is not None else spent,
            sync_message=join_messages([failure, *notes]),
        )
    except BaseException as exc:
        # Ctrl-C, or SIGTERM turned into SystemExit by the CLI: record it, then let it stop us.
        reason = "interrupted (Ctrl-C)" if isinstance(exc, KeyboardInterrupt) else "stopped"
        finish_job(
            home,
            job_id,
            status="Failed",
            rows_per_object=rows,
            api_calls=api_calls,
            sync_message=f"{reason} during {stage}",
        )
        raise
    finally:
        # A job that failed before its build leaves what the step started early waiting.
        end_early = getattr(transform, "end_early", None)
        if end_early is not None:
            end_early(home)

    if sum(rows.values()) == 0:
        notes.insert(0, zero_rows_message(kind))
    elif kind == "bootstrap":
        empty = [name for name, count in rows.items() if count == 0]
        if empty:
            notes.insert(0, empty_objects_message(empty))
    return finish_job(
        home,
        job_id,
        status="Completed",
        rows_per_object=rows,
        api_calls=api_calls,
        sync_message=join_messages(notes),
    )


def log_job_details(home: Path, job_id: int, exc: BaseException) -> None:
    """The traceback goes to the job's log file (scrubbed), never into the row or the terminal."""
    details = "".join(traceback.format_exception(exc))
    try:
        path = job_log_path(home, job_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as fh:
            fh.write(scrub(details))
    except OSError:
        log.debug("could not write the details of job %s", job_id)


class _ProgressRecorder:
    """The progress callback handed to the extractor: forwards every call, and keeps the job
    row's ``progress`` column up to date every few seconds (from whichever thread calls)."""

    def __init__(self, home: Path, job_id: int, forward: ProgressFn | None) -> None:
        self._home = home
        self._job_id = job_id
        self._forward = forward
        self._state: dict[str, dict[str, int | None]] = {}
        self._lock = threading.Lock()
        self._saved_at = 0.0

    def __call__(self, name: str, rows: int, total: int | None) -> None:
        with self._lock:
            self._state[name] = {"rows": rows, "total": total}
            now = time.monotonic()
            due = now - self._saved_at >= _PROGRESS_EVERY_S or (total is not None and rows >= total)
            snapshot = dict(self._state) if due else None
            if due:
                self._saved_at = now
        if snapshot is not None:
            try:
                update_job(self._home, self._job_id, progress=snapshot)
            except sqlite3.Error:
                # Progress is a courtesy to the wizard; the job goes on without it.
                log.debug("could not record progress of job %s", self._job_id)
        if self._forward is not None:
            self._forward(name, rows, total)
