"""Previews when they cannot or need not read much: a busy or missing warehouse, an invalid
config, support cases off. (Previews against real builds are in test_marts.py.)"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from transform_fixtures import FixtureOrg, build_warehouse
from transform_scenarios import SINGLE_DIRECT, TYPED_SUM

from pipelines.config import InvalidConfigError
from pipelines.transform import (
    WarehouseBusy,
    WarehouseUnavailable,
    preview_aggregation,
    preview_cases,
    preview_filter,
)


@pytest.fixture
def synced_home(fixture_orgs: dict[str, FixtureOrg], tmp_path: Path) -> Path:
    home = tmp_path / "home"
    build_warehouse(fixture_orgs["basic"], home)
    return home


@pytest.fixture
def writer(synced_home: Path) -> Iterator[subprocess.Popen[str]]:
    """Another process holding the warehouse for writing, as a sync job does."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time\n"
            f"con = duckdb.connect({str(synced_home / 'warehouse.duckdb')!r})\n"
            "print('holding', flush=True)\n"
            "time.sleep(120)\n",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "holding"
        yield process
    finally:
        process.kill()
        process.wait(timeout=30)


def test_a_sync_job_writing_the_warehouse_makes_previews_say_so(
    synced_home: Path, writer: subprocess.Popen[str]
) -> None:
    with pytest.raises(WarehouseBusy, match="sync job"):
        preview_filter(SINGLE_DIRECT.config, synced_home)


def test_previews_work_again_once_the_job_is_done(synced_home: Path) -> None:
    preview = preview_filter(SINGLE_DIRECT.config, synced_home)
    assert preview.synced_accounts == 4


def test_previews_let_go_of_the_warehouse_so_a_sync_job_can_write(synced_home: Path) -> None:
    """Previews keep a DuckDB database between calls, but not the warehouse file."""
    preview_filter(SINGLE_DIRECT.config, synced_home)
    preview_cases(TYPED_SUM.config, synced_home)
    job = subprocess.run(
        [
            sys.executable,
            "-c",
            "import duckdb\n"
            f"con = duckdb.connect({str(synced_home / 'warehouse.duckdb')!r})\n"
            "con.execute('create table main.written_by_job as select 1 as x')\n"
            "con.close()\n",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert job.returncode == 0, job.stderr
    assert preview_filter(SINGLE_DIRECT.config, synced_home).synced_accounts == 4


def test_previews_while_this_process_has_the_warehouse_open(synced_home: Path) -> None:
    """A connection of this process already holds the file: previews read through it."""
    own = duckdb.connect(str(synced_home / "warehouse.duckdb"), read_only=True)
    try:
        assert preview_filter(SINGLE_DIRECT.config, synced_home).synced_accounts == 4
        assert own.execute("select count(*) from salesforce.account").fetchone() == (
            len(own.execute("select id from salesforce.account").fetchall()),
        )
    finally:
        own.close()
    assert preview_filter(SINGLE_DIRECT.config, synced_home).synced_accounts == 4


def test_no_warehouse_yet(home: Path) -> None:
    with pytest.raises(WarehouseUnavailable, match="run a sync first"):
        preview_filter(SINGLE_DIRECT.config, home)


def test_an_invalid_config_reports_every_issue(synced_home: Path) -> None:
    config = {"account_filtering": {"mode": "single", "filter": "Tpye = 'Customer'"}}
    with pytest.raises(InvalidConfigError) as caught:
        preview_filter(config, synced_home)
    assert caught.value.issues[0].location == ("account_filtering", "filter")


def test_cases_off_and_metrics_off(synced_home: Path) -> None:
    cases = preview_cases(SINGLE_DIRECT.config, synced_home)
    assert not cases.enabled and cases.cases == [] and cases.matching_cases == 0
    renewal = preview_aggregation(
        {**TYPED_SUM.config, "renewal": {"mode": "none"}}, "renewal", synced_home
    )
    assert renewal.source_label == "none"
    assert all(a.value is None and a.records == [] for a in renewal.accounts)
    with pytest.raises(ValueError, match="unknown metric"):
        preview_aggregation(SINGLE_DIRECT.config, "churn", synced_home)


def test_an_unsaved_config_is_previewed_without_touching_the_store(synced_home: Path) -> None:
    preview_filter(TYPED_SUM.config, synced_home)
    assert not (synced_home / "control.sqlite").exists()
    assert not (synced_home / "dbt_vars.json").exists()
