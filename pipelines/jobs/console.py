"""What the CLI shows of jobs: per-object progress while one runs, then a summary, and tables.

Progress goes to stderr: ``rich`` bars on a terminal (rich comes with dlt), plain lines
otherwise (a log file, a pipe, CI), at most one line per object every few seconds::

    with ProgressDisplay() as show:
        job = run_job(home, progress=show)
    print(summary(job))
"""

from __future__ import annotations

import sys
import threading
import time
from types import TracebackType
from typing import Any, Self, TextIO

from pipelines.jobs.audit import JobRecord

_PLAIN_EVERY_S = 5.0


class ProgressDisplay:
    """A progress callback ``(object, rows_so_far, total_or_None)`` that draws on ``stream``."""

    def __init__(self, stream: TextIO | None = None, *, rich: bool | None = None) -> None:
        self._stream = stream if stream is not None else sys.stderr
        self._lock = threading.Lock()
        self._printed_at: dict[str, float] = {}
        self._printed_rows: dict[str, int] = {}
        self._progress: Any = None
        self._tasks: dict[str, Any] = {}
        use_rich = self._stream.isatty() if rich is None else rich
        if use_rich:
            try:
                from rich.console import Console
                from rich.progress import (
                    BarColumn,
                    MofNCompleteColumn,
                    Progress,
                    TextColumn,
                    TimeElapsedColumn,
                )
            except ImportError:
                return
            self._progress = Progress(
                TextColumn("{task.description:<18}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("rows"),
                TimeElapsedColumn(),
                console=Console(file=self._stream),
                transient=False,
            )

    def __enter__(self) -> Self:
        if self._progress is not None:
            self._progress.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._progress is not None:
            self._progress.stop()

    def __call__(self, name: str, rows: int, total: int | None) -> None:
        with self._lock:
            if self._progress is not None:
                self._draw(name, rows, total)
            else:
                self._line(name, rows, total)

    def _draw(self, name: str, rows: int, total: int | None) -> None:
        task = self._tasks.get(name)
        if task is None:
            task = self._tasks[name] = self._progress.add_task(name, total=total)
        self._progress.update(task, completed=rows, total=total)

    def _line(self, name: str, rows: int, total: int | None) -> None:
        if self._printed_rows.get(name) == rows:
            return
        now = time.monotonic()
        done = total is not None and rows >= total
        if not done and now - self._printed_at.get(name, -_PLAIN_EVERY_S) < _PLAIN_EVERY_S:
            return
        self._printed_at[name] = now
        self._printed_rows[name] = rows
        of = f" / {total:,}" if total is not None else ""
        share = f" ({rows / total:.0%})" if total else ""
        print(f"  {name:<18} {rows:>12,}{of} rows{share}", file=self._stream, flush=True)


def summary(job: JobRecord) -> str:
    """The end-of-job report: status, rows per object, API calls, duration, message."""
    duration = f" in {_duration(job.duration_s)}" if job.duration_s is not None else ""
    lines = [f"job {job.job_id} {job.status} ({job.kind}, {job.trigger}){duration}"]
    if job.rows_per_object:
        width = max(len(name) for name in job.rows_per_object)
        width = max(width, len("total"))
        for name, count in sorted(job.rows_per_object.items()):
            lines.append(f"  {name:<{width}}  {count:>12,}")
        lines.append(f"  {'total':<{width}}  {job.total_rows:>12,} rows")
    lines.append(f"API calls: {_or_dash(job.api_calls)}   config version: {_config(job)}")
    if job.sync_message:
        lines.append(job.sync_message)
    return "\n".join(lines)


def jobs_table(jobs: list[JobRecord]) -> str:
    """``sfsync jobs list``: one line per job, newest first."""
    if not jobs:
        return "no sync jobs yet (run one with `sfsync sync`)"
    header = (
        "ID",
        "KIND",
        "TRIGGER",
        "STATUS",
        "STARTED (UTC)",
        "DURATION",
        "ROWS",
        "API",
        "MESSAGE",
    )
    rows = [
        (
            str(job.job_id),
            job.kind,
            job.trigger,
            job.status if job.stage is None else f"{job.status} ({job.stage})",
            job.started_at.strftime("%Y-%m-%d %H:%M:%S"),
            _duration(job.duration_s) if job.duration_s is not None else "-",
            f"{job.total_rows:,}",
            _or_dash(job.api_calls),
            _first_line(job.sync_message),
        )
        for job in jobs
    ]
    widths = [max(len(r[i]) for r in (header, *rows)) for i in range(len(header))]
    right = {5, 6, 7}
    out = []
    for row in (header, *rows):
        cells = [
            cell.rjust(w) if i in right else cell.ljust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        ]
        out.append("  ".join(cells).rstrip())
    return "\n".join(out)


def job_details(job: JobRecord, log_path: str | None = None) -> str:
    """``sfsync jobs show ID``: every field of the row."""
    finished = job.finished_at.strftime("%Y-%m-%d %H:%M:%S UTC") if job.finished_at else "-"
    lines = [
        f"job {job.job_id}",
        f"  kind            {job.kind}",
        f"  trigger         {job.trigger}",
        f"  status          {job.status}" + (f" ({job.stage})" if job.stage else ""),
        f"  started         {job.started_at.strftime('%Y-%m-%d %H:%M:%S UTC')}",
        f"  finished        {finished}",
        f"  duration        {_duration(job.duration_s) if job.duration_s is not None else '-'}",
        f"  API calls       {_or_dash(job.api_calls)}",
        f"  config version  {_config(job)}",
        f"  process         {job.pid or '-'} on {job.host or '-'}",
    ]
    if log_path:
        lines.append(f"  log             {log_path}")
    if job.rows_per_object:
        lines.append("  rows per object")
        width = max(len(name) for name in job.rows_per_object)
        for name, count in sorted(job.rows_per_object.items()):
            lines.append(f"    {name:<{width}}  {count:>12,}")
    elif job.status == "Running" and job.progress:
        lines.append("  progress")
        for name, state in sorted(job.progress.items()):
            total = state.get("total")
            of = f" / {total:,}" if total is not None else ""
            lines.append(f"    {name}  {state.get('rows') or 0:,}{of}")
    if job.sync_message:
        lines.append("  sync_message")
        lines.extend(f"    {line}" for line in job.sync_message.splitlines())
    return "\n".join(lines)


def _config(job: JobRecord) -> str:
    return f"v{job.config_version}" if job.config_version is not None else "- (no saved version)"


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m{secs:02d}s" if hours else f"{minutes}m{secs:02d}s"


def _or_dash(value: object) -> str:
    return "-" if value is None else f"{value:,}" if isinstance(value, int) else str(value)


def _first_line(text: str | None, width: int = 60) -> str:
    if not text:
        return ""
    line = text.splitlines()[0]
    return line if len(line) <= width else line[: width - 1] + "…"
