"""The process of a push job started in the background (the wizard's "Push now").

:func:`~pipelines.jobs.push_job.start_push_background` records the job, then runs::

    python -m pipelines.jobs.push_process --job-id 12 --lock-fd 5

handing it the job lock through the inherited descriptor. What it prints (the push's results,
or why it failed) goes to the job's log; the outcome is in the job's row either way.
Exit codes as ``sfsync push``: 0 every record written, 1 the push failed or records were
rejected, 2 it could not run.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipelines.writeback.results import PushResult

EXIT_FAILED = 1
EXIT_NOT_RUN = 2


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pipelines.jobs.push_process",
        description="Run a push job handed over by start_push_background.",
    )
    parser.add_argument("--job-id", type=int, required=True)
    parser.add_argument("--lock-fd", type=int, required=True)
    args = parser.parse_args(argv)

    from pipelines.config.control import sfsync_home
    from pipelines.jobs.commands import scrubbed_output, sigterm_stops
    from pipelines.jobs.push_job import run_handed_over_push
    from pipelines.jobs.scrub import scrub
    from pipelines.writeback.report import result_lines

    def announce(result: PushResult | None, error: Exception | None) -> None:
        """Print the outcome before the job's row is closed, so that the log holds it by
        the time the job shows as finished."""
        if result is None:
            print(f"sfsync: push job {args.job_id} failed: {scrub(str(error))}", file=sys.stderr)
        else:
            print("\n".join(result_lines(result)))
        sys.stdout.flush()
        sys.stderr.flush()

    with scrubbed_output(), sigterm_stops():
        outcome = run_handed_over_push(
            sfsync_home(), args.job_id, args.lock_fd, before_close=announce
        )
    result = outcome.result
    if result is None:
        return EXIT_NOT_RUN
    return 0 if result.status == "Completed" and not result.failed else EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
