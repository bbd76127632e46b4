"""The ``sfsync`` command line: parse arguments, call the modules that do the work.

Every sub-command reports failures as one readable line on stderr and a non-zero exit code;
no traceback reaches the user.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipelines.soql.catalog import Catalog

Handler = Callable[[argparse.Namespace], int]


def _soql_check(args: argparse.Namespace) -> int:
    from pipelines.soql import SoqlError, check

    try:
        check(args.query, object_name=args.object, catalog=_load_catalog(args.schema))
    except SoqlError as err:
        print(f"{err.code}: {err.message}", file=sys.stderr)
        return 1
    print("OK")
    return 0


def _soql_compile(args: argparse.Namespace) -> int:
    from pipelines.soql import SoqlError, compile_condition, compile_query

    catalog = _load_catalog(args.schema)
    try:
        if args.object:
            sql = compile_condition(
                args.query, args.object, catalog=catalog, dialect=args.dialect
            ).sql
        else:
            sql = compile_query(args.query, catalog=catalog, dialect=args.dialect).sql
    except SoqlError as err:
        print(f"{err.code}: {err.message}", file=sys.stderr)
        return 1
    print(sql)
    return 0


def _load_catalog(path: str | None) -> Catalog:
    from pipelines.soql.catalog import catalog_from_yaml, standard_catalog

    if not path:
        return standard_catalog()
    with open(path, encoding="utf-8") as fh:
        return catalog_from_yaml(fh.read(), source=path, base=standard_catalog())


def _sandbox_start(args: argparse.Namespace) -> int:
    from pipelines.sandbox.server import run_from_cli

    return run_from_cli(args)


def _config(args: argparse.Namespace) -> int:
    from pipelines.config import commands

    actions = {
        "show": lambda store: commands.show(store, as_json=args.json),
        "validate": lambda store: commands.validate(store, args.file),
        "save": lambda store: commands.save(
            store, args.file, comment=args.comment, author=args.author
        ),
        "history": lambda store: commands.history(store, as_json=args.json),
        "diff": lambda store: commands.diff(store, args.a, args.b, by_field=args.fields),
        "activate": lambda store: commands.activate(store, args.version),
        "source": commands.source,
    }
    return commands.run(actions[args.config_command])


def _add_config_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    config = sub.add_parser(
        "config", help="the versioned integration config (stored in $SFSYNC_HOME/control.sqlite)"
    ).add_subparsers(dest="config_command", required=True)
    show = config.add_parser("show", help="print the config in force and its source")
    show.add_argument("--json", action="store_true", help="only the config, as JSON")
    validate = config.add_parser("validate", help="check a YAML or JSON config file")
    validate.add_argument("file")
    save = config.add_parser("save", help="validate a config file and save it as the new version")
    save.add_argument("file")
    save.add_argument("--comment", default="", help="why this version was saved")
    save.add_argument("--author", default=None, help="who saved it (default: the OS user)")
    history = config.add_parser("history", help="list the saved versions, newest first")
    history.add_argument("--json", action="store_true")
    diff = config.add_parser("diff", help="what changed from version A to version B")
    diff.add_argument("a", help="a version number, or 'default' for the code default")
    diff.add_argument("b", help="a version number, or 'default' for the code default")
    diff.add_argument("--fields", action="store_true", help="one line per changed field")
    activate = config.add_parser("activate", help="make version N active (rollback)")
    activate.add_argument("version", type=int)
    config.add_parser("source", help="Database (vN), Default (Code) or Not Configured")
    for parser in config.choices.values():
        parser.set_defaults(handler=_config)


def _jobs(args: argparse.Namespace) -> int:
    from pipelines.jobs import commands

    handler: Handler = getattr(commands, args.jobs_action)
    return handler(args)


def _add_job_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sync = sub.add_parser(
        "sync",
        help="run one sync job (extract+load, then transform) in the foreground",
        description="Run one sync job. Exit code 0: completed; 1: failed (see its "
        "sync_message); 3: another job is running.",
    )
    kind = sync.add_mutually_exclusive_group()
    kind.add_argument(
        "--bootstrap",
        dest="kind",
        action="store_const",
        const="bootstrap",
        help="pull everything (default until a job has completed)",
    )
    kind.add_argument(
        "--periodic",
        dest="kind",
        action="store_const",
        const="periodic",
        help="pull what changed since the last cursor (default after that)",
    )
    sync.add_argument("--trigger", choices=["manual", "scheduled"], default="manual")
    sync.add_argument("--objects", help="comma-separated objects to sync (default: all)")
    sync.add_argument("--json", action="store_true", help="print the job's audit row as JSON")
    # Set by start_job_background for the job process it spawns.
    sync.add_argument("--job-id", type=int, help=argparse.SUPPRESS)
    sync.add_argument("--lock-fd", type=int, help=argparse.SUPPRESS)
    sync.set_defaults(handler=_jobs, jobs_action="sync")

    jobs = sub.add_parser("jobs", help="the sync job history").add_subparsers(
        dest="jobs_command", required=True
    )
    listing = jobs.add_parser("list", help="recent sync jobs, newest first")
    listing.add_argument("--limit", type=int, default=20)
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=_jobs, jobs_action="jobs_list")
    show = jobs.add_parser("show", help="one sync job: rows per object, API calls, message")
    show.add_argument("job_id", type=int)
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler=_jobs, jobs_action="jobs_show")

    schedule = sub.add_parser(
        "schedule",
        help="run sync jobs on an interval, or set the stored interval",
        description="Without options: run jobs on the stored interval (set here or in the "
        "wizard) until stopped. See docs/scheduling.md for cron, Airflow and Dagster.",
    )
    schedule.add_argument(
        "--every", help="run a job every INTERVAL (30m, 1h, 1d), ignoring the stored one"
    )
    schedule.add_argument("--count", type=int, help="stop after this many jobs")
    schedule.add_argument("--set", metavar="INTERVAL", help="store the interval and exit")
    schedule.add_argument("--off", action="store_true", help="turn scheduled jobs off and exit")
    schedule.add_argument("--show", action="store_true", help="print the stored interval and exit")
    schedule.add_argument("--json", action="store_true", help="with --show: as JSON")
    schedule.set_defaults(handler=_jobs, jobs_action="schedule")


def _ui(args: argparse.Namespace) -> int:
    from pipelines.wizard.launch import run_ui

    return run_ui(args.host, args.port)


def _add_ui_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    ui = sub.add_parser(
        "ui",
        help="the admin wizard (Streamlit), on http://localhost:8501",
        description="Run the admin wizard: connection, settings, sync jobs, data. Binds to "
        "127.0.0.1; asks for SFSYNC_ADMIN_PASSWORD (generated and printed when not set).",
    )
    ui.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    ui.add_argument("--port", type=int, default=8501)
    ui.set_defaults(handler=_ui)


def _transform(args: argparse.Namespace) -> int:
    from pipelines.transform import commands

    return commands.transform(
        select=args.select,
        full_refresh=args.full_refresh,
        unit_tests=args.unit_tests,
        as_json=args.json,
    )


def _preview(args: argparse.Namespace) -> int:
    from pipelines.transform import commands

    return commands.preview(
        args.preview_command,
        getattr(args, "metric", None),
        config_file=args.config,
        sample_size=args.samples,
        as_json=args.json,
    )


def _add_transform_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    transform = sub.add_parser(
        "transform",
        help="run dbt build on the warehouse with the active config",
        description="Recompile the active config and run `dbt build` (dbt_project/) on the "
        "warehouse. Exit code 0: built; 1: failed; 3: a sync job is running.",
    )
    transform.add_argument("--select", nargs="+", help="dbt node selection (e.g. companies+)")
    transform.add_argument(
        "--full-refresh", action="store_true", help="rebuild incremental models from scratch"
    )
    transform.add_argument("--unit-tests", action="store_true", help="also run dbt unit tests")
    transform.add_argument("--json", action="store_true", help="per-node results as JSON")
    transform.set_defaults(handler=_transform)

    preview = sub.add_parser(
        "preview", help="what a config would sync, computed from the warehouse (no save)"
    ).add_subparsers(dest="preview_command", required=True)
    parsers = [
        preview.add_parser("filter", help="accounts per type, with samples"),
        preview.add_parser("cases", help="matching support cases with thread and sentiment"),
    ]
    aggregation = preview.add_parser("aggregation", help="ARR or renewal on sample accounts")
    aggregation.add_argument("metric", choices=["arr", "renewal"])
    parsers.append(aggregation)
    for parser in parsers:
        parser.add_argument(
            "--config", help="a config file to preview (default: the config in force)"
        )
        parser.add_argument("--samples", type=int, default=5, help="how many samples to show")
        parser.add_argument("--json", action="store_true")
        parser.set_defaults(handler=_preview)


def _add_push_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from pipelines.writeback.commands import add_parser

    add_parser(sub)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sfsync", description="Salesforce → DuckDB ELT for customer success"
    )
    sub = parser.add_subparsers(dest="command", required=True)

    soql = sub.add_parser("soql", help="check and compile SOQL").add_subparsers(
        dest="soql_command", required=True
    )
    for name, handler, text in (
        ("check", _soql_check, "validate a SOQL query (or, with --object, a WHERE condition)"),
        ("compile", _soql_compile, "compile SOQL to warehouse SQL"),
    ):
        p = soql.add_parser(name, help=text, description=text)
        p.add_argument("query", help="a full SELECT, or a bare WHERE condition with --object")
        p.add_argument("--object", help="treat QUERY as a WHERE condition on this object")
        p.add_argument(
            "--schema",
            help="schema.yaml with custom objects and fields (added to the standard catalog)",
        )
        if name == "compile":
            p.add_argument(
                "--dialect",
                default="duckdb",
                choices=["duckdb", "postgres", "snowflake", "bigquery"],
            )
        p.set_defaults(handler=handler)

    sandbox = sub.add_parser(
        "sandbox", help="the local Salesforce-compatible sandbox org"
    ).add_subparsers(dest="sandbox_command", required=True)
    start = sandbox.add_parser("start", help="serve the sandbox org in the foreground")
    start.add_argument("--port", type=int, default=8765)
    start.add_argument(
        "--org", default="demo", help="'demo' (generated) or a directory of <Object>.csv files"
    )
    start.add_argument(
        "--accounts", type=int, default=200, help="demo org size (other objects scale with it)"
    )
    start.add_argument("--seed", type=int, default=42)
    start.add_argument(
        "--data-dir", default=None, help="where the org persists (default $SFSYNC_HOME/sandbox)"
    )
    start.add_argument(
        "--tls", action="store_true", help="serve https with a self-signed certificate"
    )
    start.add_argument(
        "--multi-currency", action="store_true", help="demo org with CurrencyIsoCode and rates"
    )
    start.add_argument(
        "--token-ttl", type=int, default=7200, help="seconds an access token stays valid"
    )
    start.add_argument("--latency-ms", type=int, default=0)
    start.add_argument(
        "--error-rate", type=float, default=0.0, help="fraction of calls answered with a 5xx"
    )
    start.add_argument(
        "--expire-every", type=int, default=0, help="expire the session every N calls (0 = never)"
    )
    start.add_argument(
        "--daily-limit", type=int, default=100000, help="API calls per day before 403"
    )
    start.add_argument(
        "--drop-rate", type=float, default=0.0, help="fraction of responses cut mid-body"
    )
    start.add_argument(
        "--fresh", action="store_true", help="discard the org in --data-dir and build it anew"
    )
    start.set_defaults(handler=_sandbox_start)
    _add_config_parser(sub)
    _add_job_parsers(sub)
    _add_ui_parser(sub)
    _add_push_parser(sub)
    _add_transform_parsers(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler: Handler = args.handler
    try:
        return handler(args)
    except KeyboardInterrupt:
        return 130
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
