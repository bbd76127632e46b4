"""Sync jobs end to end: the real extractor against the sandbox org over HTTP, into DuckDB.

Credentials reach the extractor the way they reach it in production: dlt's environment
variables (``SOURCES__SALESFORCE__CREDENTIALS__*``), inherited by job processes.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pytest

from pipelines.jobs import (
    JobAlreadyRunning,
    get_job,
    latest_job,
    list_jobs,
    run_job,
    start_job_background,
)
from pipelines.jobs.scrub import known_secret_values
from pipelines.sandbox.options import Credentials

pytestmark = pytest.mark.timeout(300)

ENV = "SOURCES__SALESFORCE__CREDENTIALS__"


@pytest.fixture
def org(sandbox_org: Any, home: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The sandbox org, with this test's environment pointing the extractor at it."""
    login = Credentials()
    monkeypatch.setenv(ENV + "LOGIN_URL", sandbox_org.base_url)
    monkeypatch.setenv(ENV + "CLIENT_ID", login.client_id)
    monkeypatch.setenv(ENV + "CLIENT_SECRET", login.client_secret)
    monkeypatch.setenv(ENV + "USERNAME", login.username)
    monkeypatch.setenv(ENV + "PASSWORD", login.password)
    known_secret_values.cache_clear()
    sandbox_org.reset(faults=True)
    yield sandbox_org
    sandbox_org.reset(faults=True)


def org_count(org: Any, sobject: str) -> int:
    answer = org.http().get(org.api("/query"), params={"q": f"SELECT COUNT() FROM {sobject}"})
    answer.raise_for_status()
    return int(answer.json()["totalSize"])


def warehouse_count(home: Path, table: str) -> int:
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as db:
        row = db.execute(f"SELECT count(*) FROM salesforce.{table}").fetchone()
    assert row is not None
    return int(row[0])


def test_bootstrap_then_periodic(org: Any, home: Path) -> None:
    bootstrap = run_job(home)

    assert bootstrap.status == "Completed", bootstrap.sync_message
    assert bootstrap.kind == "bootstrap"
    for sobject, table in (("Account", "account"), ("Contact", "contact"), ("Case", "case")):
        assert bootstrap.rows_per_object[sobject] == warehouse_count(home, table)
    # Every account and contact; cases are scoped by the config's support-case settings.
    assert warehouse_count(home, "account") == org_count(org, "Account")
    assert warehouse_count(home, "contact") == org_count(org, "Contact")
    assert bootstrap.api_calls is not None and bootstrap.api_calls > 0
    # The job ran the real dbt build over what it loaded: the marts exist and hold the accounts.
    assert bootstrap.sync_message is not None and bootstrap.sync_message.startswith("dbt build")
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as db:
        (companies,) = db.execute("SELECT count(*) FROM main.companies").fetchone() or (0,)
    assert 0 < companies <= warehouse_count(home, "account")

    periodic = run_job(home, trigger="scheduled")
    assert periodic.status == "Completed", periodic.sync_message
    assert (periodic.kind, periodic.trigger) == ("periodic", "scheduled")
    assert warehouse_count(home, "account") == org_count(org, "Account")


def test_background_job_returns_at_once_and_finishes(org: Any, home: Path) -> None:
    org.set_faults(latency_ms=100)  # long enough to look at the job while it runs
    began = time.monotonic()
    job_id = start_job_background(home, None, "manual")
    assert time.monotonic() - began < 2

    running = get_job(home, job_id)
    assert running is not None and running.status == "Running"
    with pytest.raises(JobAlreadyRunning, match=f"job {job_id} "):
        start_job_background(home, None, "manual")

    deadline = time.monotonic() + 240
    while (job := get_job(home, job_id)) is not None and job.status == "Running":
        assert time.monotonic() < deadline, "the background job did not finish"
        time.sleep(0.2)
    assert job is not None
    assert job.status == "Completed", job.sync_message
    assert job.rows_per_object["Account"] == org_count(org, "Account")
    assert job.pid is not None and job.pid != os.getpid()  # the job ran in its own process
    assert [j.job_id for j in list_jobs(home)] == [job_id]


def test_cli_sync_prints_a_summary_and_json(org: Any, sfsync: Callable[..., Any]) -> None:
    first = sfsync("sync", timeout=240)
    assert first.returncode == 0, first.stderr
    assert "job 1 Completed (bootstrap, manual)" in first.stdout
    assert "API calls:" in first.stdout and "total" in first.stdout
    assert "Account" in first.stderr  # per-object progress

    second = sfsync("sync", "--periodic", "--json", timeout=240)
    assert second.returncode == 0, second.stderr
    row = json.loads(second.stdout)
    assert (row["job_id"], row["kind"], row["status"]) == (2, "periodic", "Completed")

    shown = json.loads(sfsync("jobs", "show", "1", "--json").stdout)
    assert shown["rows_per_object"]["Account"] == org_count(org, "Account")


def test_login_failure_is_recorded_in_salesforce_words_without_the_password(
    org: Any, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV + "PASSWORD", "Wrong-Password-2024")
    known_secret_values.cache_clear()
    job = run_job(home)
    assert job.status == "Failed"
    assert job.sync_message is not None
    print(job.sync_message)
    assert (
        "authentication failure" in job.sync_message.lower() or "invalid_grant" in job.sync_message
    )
    assert "Wrong-Password-2024" not in json.dumps(job.to_json())


def test_api_budget_stop_is_reported(org: Any, home: Path) -> None:
    org.set_faults(daily_limit=12)
    job = run_job(home)
    assert job.status == "Failed"
    assert job.sync_message is not None
    assert job.sync_message.startswith("API budget reached")


def test_sigterm_during_the_load_stops_the_job_and_the_rerun_loads_each_row_once(
    org: Any, home: Path
) -> None:
    script = Path(__file__).with_name("term_during_load.py")
    done = subprocess.run(
        [sys.executable, str(script), str(home)],
        capture_output=True,
        text=True,
        timeout=240,
        env={**os.environ, "SFSYNC_HOME": str(home)},
    )
    assert done.returncode == 128 + signal.SIGTERM, done.stderr[-2000:]
    stopped = latest_job(home)
    assert stopped is not None
    assert (stopped.status, stopped.sync_message) == ("Failed", "stopped during extract")

    rerun = run_job(home)
    assert rerun.status == "Completed", rerun.sync_message
    for name, table in [("Account", "account"), ("Contact", "contact"), ("User", "user")]:
        assert warehouse_count(home, table) == org_count(org, name), name
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as db:
        tables = [
            name
            for (name,) in db.execute(
                "SELECT table_name FROM information_schema.tables"
                " WHERE table_schema = 'salesforce' AND table_name IN"
                " (SELECT table_name FROM information_schema.columns WHERE column_name = 'id')"
            ).fetchall()
        ]
        assert "case" in tables
        for table in tables:
            rows, ids = db.execute(
                f'SELECT count(*), count(DISTINCT id) FROM salesforce."{table}"'
            ).fetchone()
            assert rows == ids > 0, table


def test_sigterm_stops_the_job_as_failed_and_the_next_job_completes(org: Any, home: Path) -> None:
    org.set_faults(latency_ms=150)
    process = subprocess.Popen(
        [sys.executable, "-m", "pipelines.cli", "sync"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "SFSYNC_HOME": str(home)},
    )
    try:
        deadline = time.monotonic() + 60
        while (job := latest_job(home)) is None or job.stage != "extract":
            assert time.monotonic() < deadline, "the job did not start extracting"
            time.sleep(0.05)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=120) == 128 + signal.SIGTERM
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    stopped = latest_job(home)
    assert stopped is not None
    assert (stopped.status, stopped.sync_message) == ("Failed", "stopped during extract")

    org.reset(faults=True)
    rerun = run_job(home)
    assert rerun.status == "Completed", rerun.sync_message
    assert rerun.kind == "bootstrap"  # nothing had completed yet
    assert warehouse_count(home, "account") == org_count(org, "Account")
