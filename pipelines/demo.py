"""``make demo``: sfsync end to end on this machine, with no Salesforce org.

1. starts the sandbox org (a generated demo org under ``$SFSYNC_HOME/sandbox``),
2. runs a bootstrap sync job into ``$SFSYNC_HOME/warehouse.duckdb`` (extract + load, then the
   dbt build that makes the marts),
3. serves the admin wizard on http://127.0.0.1:8501 until Ctrl-C, then stops the sandbox.

Everything it prints says what it did and where the data is. ``--no-ui`` stops after step 2.
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
from pathlib import Path

DEMO_ACCOUNTS = 500
SANDBOX_USER = "admin@sandbox.local"
SANDBOX_SECRET = "sandbox"  # the sandbox org's documented default credentials, not a real secret
CREDENTIAL_ENV = "SOURCES__SALESFORCE__CREDENTIALS__"


def _say(text: str = "") -> None:
    print(text, flush=True)


def _free_port(preferred: int) -> int:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", preferred))
            return preferred
        except OSError:
            probe.bind(("127.0.0.1", 0))
            return int(probe.getsockname()[1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make demo", description=__doc__)
    parser.add_argument("--accounts", type=int, default=DEMO_ACCOUNTS)
    parser.add_argument("--no-ui", action="store_true", help="stop after the bootstrap sync")
    parser.add_argument("--port", type=int, default=8501, help="wizard port")
    args = parser.parse_args(argv)

    from pipelines.config.control import sfsync_home
    from pipelines.jobs import run_job
    from pipelines.sandbox.server import start_subprocess

    home = Path(sfsync_home()).resolve()
    home.mkdir(parents=True, exist_ok=True)
    org_dir = home / "sandbox"
    _say(f"sfsync demo — everything lives under {home}\n")
    _say(f"[1/3] starting the sandbox org ({args.accounts} demo accounts, data in {org_dir}) ...")
    sandbox = start_subprocess(["--data-dir", str(org_dir), "--accounts", str(args.accounts)])
    try:
        _say(
            f"      sandbox org at {sandbox.base_url}  (client id/secret sandbox/sandbox, "
            f"user {SANDBOX_USER} / password sandbox)"
        )
        os.environ.update({
            CREDENTIAL_ENV + "LOGIN_URL": sandbox.base_url,
            CREDENTIAL_ENV + "CLIENT_ID": SANDBOX_SECRET,
            CREDENTIAL_ENV + "CLIENT_SECRET": SANDBOX_SECRET,
            CREDENTIAL_ENV + "USERNAME": SANDBOX_USER,
            CREDENTIAL_ENV + "PASSWORD": SANDBOX_SECRET,
        })  # fmt: skip

        _say("\n[2/3] running a bootstrap sync job (extract + load, then transform) ...")
        job = run_job(home, "bootstrap", "manual")
        _say(
            f"      job {job.job_id}: {job.status} in {job.duration_s or 0:.1f} s, "
            f"{job.total_rows:,} rows, {job.api_calls or 0} API calls"
        )
        for obj, rows in sorted((job.rows_per_object or {}).items()):
            _say(f"        {obj:24} {rows:>8,} rows")
        if job.sync_message:
            _say(f"      message: {job.sync_message}")
        _say(
            f"      warehouse: {home / 'warehouse.duckdb'} (raw tables in schema 'salesforce'; marts "
            "companies, account_owners, people, opportunities, related_records, support_activities, "
            "support_messages in schema 'main')"
        )
        _say(
            f"      query it: .venv/bin/python -c \"import duckdb; print(duckdb.connect('"
            f"{home / 'warehouse.duckdb'}', read_only=True).sql('from companies limit 5'))\""
        )
        if job.status != "Completed":
            _say("\nThe sync did not complete; see the message above and `sfsync jobs show "
                 f"{job.job_id}`.")  # fmt: skip
            return 1
        if args.no_ui:
            return 0

        from pipelines.wizard.launch import run_ui

        port = _free_port(args.port)
        _say(f"\n[3/3] serving the admin wizard on http://127.0.0.1:{port}  (Ctrl-C to stop)")
        return run_ui("127.0.0.1", port)
    except KeyboardInterrupt:
        return 0
    finally:
        sandbox.stop()
        _say("sandbox org stopped; the warehouse and the org stay under " + str(home))


if __name__ == "__main__":
    sys.exit(main())
