"""What ``sfsync sync``, ``sfsync jobs …`` and ``sfsync schedule`` do.

``pipelines/cli.py`` parses the arguments and calls these. Exit codes of ``sync``: 0 the job
completed, 1 it failed (its ``sync_message`` says why), 3 another job is running.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import signal
import sys
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import TextIO

from pipelines.config.control import sfsync_home
from pipelines.jobs.audit import JobRecord, get_job, list_jobs
from pipelines.jobs.console import ProgressDisplay, job_details, jobs_table, summary
from pipelines.jobs.runner import (
    JobAlreadyRunning,
    job_log_path,
    run_handed_over_job,
    run_job,
)
from pipelines.jobs.schedule import format_interval, get_schedule, run_schedule, set_schedule
from pipelines.jobs.scrub import ScrubbingWriter

EXIT_FAILED = 1
EXIT_ALREADY_RUNNING = 3


def sync(args: argparse.Namespace) -> int:
    home = sfsync_home()
    objects = [o.strip() for o in args.objects.split(",") if o.strip()] if args.objects else None
    with scrubbed_output(), sigterm_stops():
        try:
            with ProgressDisplay() as show:
                if args.job_id is not None:
                    job = run_handed_over_job(
                        home, args.job_id, args.lock_fd, objects=objects, progress=show
                    )
                else:
                    job = run_job(
                        home,
                        args.kind,
                        args.trigger,
                        objects=objects,
                        progress=show,
                        on_start=lambda job_id: print(
                            f"sync job {job_id} started", file=sys.stderr, flush=True
                        ),
                    )
        except JobAlreadyRunning as exc:
            print(f"sfsync: {exc}", file=sys.stderr)
            return EXIT_ALREADY_RUNNING
        _report(home, job, as_json=args.json)
    return 0 if job.status == "Completed" else EXIT_FAILED


def jobs_list(args: argparse.Namespace) -> int:
    jobs = list_jobs(sfsync_home(), limit=args.limit)
    if args.json:
        print(json.dumps([job.to_json() for job in jobs], indent=2))
    else:
        print(jobs_table(jobs))
    return 0


def jobs_show(args: argparse.Namespace) -> int:
    home = sfsync_home()
    job = get_job(home, args.job_id)
    if job is None:
        print(
            f"sfsync: there is no sync job {args.job_id}; see `sfsync jobs list`", file=sys.stderr
        )
        return 1
    log_file = job_log_path(home, job.job_id)
    if args.json:
        document = job.to_json()
        document["log"] = str(log_file) if log_file.exists() else None
        print(json.dumps(document, indent=2))
    else:
        print(job_details(job, str(log_file) if log_file.exists() else None))
    return 0


def schedule(args: argparse.Namespace) -> int:
    home = sfsync_home()
    if args.off:
        set_schedule(home, None)
        print("scheduled sync jobs are off")
        return 0
    if args.set is not None:
        stored = set_schedule(home, args.set)
        assert stored is not None
        print(f"a sync job every {format_interval(stored.every)} (run `sfsync schedule` to start)")
        return 0
    if args.show:
        current = get_schedule(home)
        if args.json:
            print(json.dumps(current.to_json() if current else None))
        else:
            print(f"every {format_interval(current.every)}" if current else "off")
        return 0
    try:
        run_schedule(home, args.every, count=args.count, say=lambda text: print(text, flush=True))
    except KeyboardInterrupt:
        print("scheduler stopped")
    return 0


def _report(home: Path, job: JobRecord, *, as_json: bool) -> None:
    if as_json:
        print(json.dumps(job.to_json(), indent=2))
    else:
        print(summary(job))
    if job.status == "Failed":
        log_file = job_log_path(home, job.job_id)
        details = f" (details in {log_file})" if log_file.exists() else ""
        print(f"sfsync: sync job {job.job_id} failed{details}", file=sys.stderr)


@contextlib.contextmanager
def scrubbed_output() -> Iterator[None]:
    """Everything this process prints while a job runs (ours, dlt's, logging's) is scrubbed."""
    saved: tuple[TextIO, TextIO] = (sys.stdout, sys.stderr)
    out, err = ScrubbingWriter(sys.stdout), ScrubbingWriter(sys.stderr)
    sys.stdout, sys.stderr = out, err
    try:
        yield
    finally:
        out.flush()
        err.flush()
        sys.stdout, sys.stderr = saved


@contextlib.contextmanager
def sigterm_stops() -> Iterator[None]:
    """SIGTERM ends the job like Ctrl-C does: recorded as Failed ("stopped"), lock released."""

    def stop(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
