"""The Data page (AppTest): nothing synced, a job holding the warehouse, and synced marts."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
from wizard_fixtures import open_app
from wizard_ui import keys

from pipelines.config import ConfigStore, load_config_file
from pipelines.config.store import default_config_path
from pipelines.jobs import run_job
from pipelines.wizard.data_view import companies_csv, load_companies, load_related, load_support
from pipelines.wizard.warehouse import WarehouseBusy, warehouse_path


@pytest.fixture
def synced(home: Path, connected: Any) -> Path:
    """The sandbox org synced with the default config: extracted, then transformed by dbt."""
    ConfigStore(home).save(load_config_file(default_config_path()), author="test")
    job = run_job(home)
    assert job.status == "Completed", job.sync_message
    return home


@pytest.fixture
def job_holding_the_warehouse(home: Path) -> Iterator[None]:
    """Another process with the warehouse open for writing, as a loading job has it."""
    path = warehouse_path(home)
    duckdb.connect(str(path)).close()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('held', flush=True); "
            "time.sleep(120)",
            str(path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        yield
    finally:
        holder.kill()
        holder.wait()


def test_before_any_sync_the_page_says_what_to_do(home: Path) -> None:
    at = open_app("data")
    assert not at.exception
    assert at.info[0].value.startswith("Nothing has been synced yet")


def test_while_a_job_writes_the_warehouse_pages_stay_usable(
    home: Path, job_holding_the_warehouse: None
) -> None:
    with pytest.raises(WarehouseBusy):
        load_companies(home)
    data = open_app("data")
    assert not data.exception
    assert data.info[0].value.startswith("The data is being refreshed by a sync job.")
    settings = open_app("settings")
    assert not settings.exception and not settings.error
    jobs = open_app("sync_jobs")
    assert not jobs.exception


def test_synced_companies_with_types_owners_and_arr(synced: Path) -> None:
    at = open_app("data")
    assert not at.exception
    labels = {m.label for m in at.metric}
    assert labels <= {"Customer", "Prospect", "Partner"} and "Customer" in labels
    companies = at.dataframe[0].value
    assert {
        "Company",
        "Type",
        "Owners",
        "ARR",
        "ARR source",
        "Renewal date",
        "Renewal source",
    } <= set(companies.columns)
    assert set(companies["Type"]) <= {"Customer", "Prospect", "Partner"}
    assert companies["Owners"].str.contains("Account Owner: ").all()
    assert companies["ARR"].notna().any()
    assert (companies["ARR source"] == "sum(Opportunity.Amount)").all()
    assert not at.get("vega_lite_chart")  # charts are drawn on their own tab only

    at.selectbox(key=keys.DATA_TYPE).select("Prospect").run()
    assert set(at.dataframe[0].value["Type"]) == {"Prospect"}
    csv = companies_csv(synced, account_type="Prospect").decode()
    assert csv.splitlines()[0].startswith("Company,Type,Owners,ARR")
    assert len(csv.splitlines()) - 1 == len(at.dataframe[0].value)

    at.selectbox(key=keys.DATA_TYPE).select("").run()
    first = str(companies["Company"].iloc[0])
    at.text_input(key=keys.DATA_SEARCH).input(first[:5]).run()
    assert all(first[:5].lower() in name.lower() for name in at.dataframe[0].value["Company"])


def test_related_records_and_support_activities(synced: Path) -> None:
    related = load_related(synced)
    assert set(related.summary["Object"]) == {"Health Assessments", "Onboarding Tasks"}
    support = load_support(synced)
    assert {"Case", "Subject", "Sentiment", "Messages"} <= set(support.activities.columns)
    assert set(support.activities["Sentiment"].dropna()) <= {"positive", "neutral", "negative"}
    assert not support.sentiment_over_time.empty

    at = open_app("data")
    assert len(at.dataframe) == 1  # only the Companies tab reads the warehouse
    at.session_state[keys.DATA_TABS] = "Related records"
    at.run()
    assert not at.exception
    assert set(at.dataframe[0].value["Object"]) == {"Health Assessments", "Onboarding Tasks"}
    at.session_state[keys.DATA_TABS] = "Support activities"
    at.run()
    assert "Sentiment" in at.dataframe[0].value.columns
    at.session_state[keys.DATA_TABS] = "Charts"
    at.run()
    assert not at.exception
    assert len(at.get("vega_lite_chart")) == 3  # ARR by type, renewals by month, sentiment
