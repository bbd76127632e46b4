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
    start.set_defaults(handler=_sandbox_start)
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
