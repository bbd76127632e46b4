"""What ``sfsync push`` does; ``pipelines/cli.py`` parses the arguments and calls :func:`run`.

A push is a job (``pipelines.jobs.run_push_job``): it waits for no sync job to be running,
and it is recorded in the job audit table (``sfsync jobs list``) as well as in the outbox.

Exit codes: 0 the push completed and every record was written (conflicts kept as Salesforce
has them are not errors), or the dry run / results were shown; 1 the push failed or records
were rejected; 2 it could not start (write-back off, no config, no warehouse, a mapping
error is shown in the dry run instead); 3 another job or push is running.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pipelines.jobs.audit import Trigger

EXIT_FAILED = 1
EXIT_CANNOT_START = 2
EXIT_ALREADY_RUNNING = 3


def run(args: argparse.Namespace) -> int:
    from pipelines.config.control import sfsync_home
    from pipelines.config.issues import InvalidConfigError
    from pipelines.writeback.errors import WritebackError
    from pipelines.writeback.plan import dry_run
    from pipelines.writeback.report import plan_lines, result_lines
    from pipelines.writeback.results import last_push_results
    from pipelines.writeback.warehouse import WarehouseUnavailable

    home = sfsync_home()
    try:
        if args.results:
            result = last_push_results(home, run_id=args.run)
            if result is None:
                print("sfsync: no push has run yet", file=sys.stderr)
                return EXIT_FAILED
            _emit(result.to_json() if args.json else None, result_lines(result))
            return 0
        if args.dry_run:
            plan = dry_run(None, home)
            _emit(plan.to_json() if args.json else None, plan_lines(plan))
            return 0
        return _push(home, args.trigger, as_json=args.json)
    except (WritebackError, WarehouseUnavailable, InvalidConfigError) as exc:
        print(f"sfsync: {exc}", file=sys.stderr)
        return EXIT_CANNOT_START


def _push(home: Path, trigger: Trigger, *, as_json: bool) -> int:
    # Only a real push needs the Salesforce client (and dlt behind it).
    from pipelines.config.issues import InvalidConfigError
    from pipelines.jobs import JobAlreadyRunning, run_push_job
    from pipelines.jobs.scrub import scrub
    from pipelines.writeback.errors import WritebackError
    from pipelines.writeback.lock import PushAlreadyRunning
    from pipelines.writeback.report import result_lines
    from pipelines.writeback.warehouse import WarehouseUnavailable

    try:
        outcome = run_push_job(home, trigger)
    except JobAlreadyRunning as exc:
        print(f"sfsync: {exc}", file=sys.stderr)
        return EXIT_ALREADY_RUNNING
    job = outcome.job
    recorded = f"recorded as job {job.job_id} (`sfsync jobs show {job.job_id}`)"
    if outcome.result is None:
        print(f"sfsync: push job {job.job_id} failed: {scrub(str(outcome.error))}", file=sys.stderr)
        if isinstance(outcome.error, PushAlreadyRunning):
            return EXIT_ALREADY_RUNNING
        if isinstance(outcome.error, WritebackError | WarehouseUnavailable | InvalidConfigError):
            return EXIT_CANNOT_START
        return EXIT_FAILED
    result = outcome.result
    if as_json:
        _emit({**result.to_json(), "job": job.to_json()}, [])
    else:
        _emit(None, [*result_lines(result), recorded])
    return 0 if result.status == "Completed" and not result.failed else EXIT_FAILED


def add_parser(sub: Any) -> None:
    """``sfsync push`` on the CLI's sub-parsers."""
    parser = sub.add_parser(
        "push",
        help="write the configured write-back mappings to Salesforce",
        description="Write the values of the config's write-back mappings (dbt models → "
        "Salesforce fields) that changed since the last push. Exit code 0: done; 1: the push "
        "failed or records were rejected; 2: it cannot start; 3: another job or push is running. "
        "The push is recorded in the job audit table (`sfsync jobs list`).",
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--dry-run",
        action="store_true",
        help="print what would change, per object and field, and send nothing",
    )
    mode.add_argument(
        "--results", action="store_true", help="print the last push's results (or --run N's)"
    )
    parser.add_argument("--run", type=int, help="with --results: this push instead of the last")
    parser.add_argument(
        "--trigger",
        choices=["manual", "scheduled"],
        default="manual",
        help="what started the push, as the job audit table records it",
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    parser.set_defaults(handler=run)


def _emit(document: dict[str, Any] | None, lines: list[str]) -> None:
    if document is not None:
        print(json.dumps(document, indent=2, default=str))
    else:
        print("\n".join(lines))
