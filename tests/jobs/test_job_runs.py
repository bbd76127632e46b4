"""A sync job's audit row: what run_job records for success, failure, zero rows, interruption."""

from __future__ import annotations

import os
import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from jobs_fixtures import SKIPPED, no_transform

from pipelines.config import ConfigStore, load_config_file
from pipelines.config.store import default_config_path
from pipelines.jobs import ZERO_ROWS, get_job, latest_job, list_jobs, run_job
from pipelines.jobs.lock import JobLock
from pipelines.jobs.runner import job_log_path


class SalesforceWorded(Exception):
    """Stands for the extractor's errors, which carry Salesforce's own words."""

    __module__ = "pipelines.salesforce.errors"


def test_completed_job_row(home: Path, extract_step: Any) -> None:
    before = datetime.now(UTC)
    job = run_job(home, transform=no_transform, extract=extract_step())

    assert job.status == "Completed"
    assert (job.kind, job.trigger) == ("bootstrap", "manual")
    assert job.rows_per_object == {"Account": 40, "Contact": 96}
    assert job.api_calls == 7
    assert job.started_at.tzinfo is not None and job.finished_at is not None
    assert before - timedelta(seconds=1) <= job.started_at <= job.finished_at
    assert (job.pid, job.host) == (os.getpid(), socket.gethostname())
    assert job.stage is None
    assert job.sync_message == SKIPPED  # until sync jobs run dbt
    assert get_job(home, job.job_id) == job
    assert latest_job(home) == job


def test_kind_defaults_to_bootstrap_until_a_job_completes(home: Path, extract_step: Any) -> None:
    failing = extract_step(error=SalesforceWorded("INVALID_SESSION_ID: Session expired or invalid"))
    assert run_job(home, transform=no_transform, extract=failing).kind == "bootstrap"
    first = extract_step()
    assert run_job(home, transform=no_transform, extract=first).kind == "bootstrap"
    later = extract_step()
    assert (
        run_job(home, transform=no_transform, extract=later, trigger="scheduled").kind == "periodic"
    )
    again = extract_step()
    assert run_job(home, "bootstrap", transform=no_transform, extract=again).kind == "bootstrap"

    # A first bootstrap resumes what a killed one left; one after a completed sync re-pulls all.
    assert failing.calls[0]["full_refresh"] is False
    assert first.calls[0]["full_refresh"] is False
    assert later.calls[0]["full_refresh"] is False
    assert again.calls[0]["full_refresh"] is True
    assert [j.trigger for j in list_jobs(home)] == ["manual", "scheduled", "manual", "manual"]


def test_failed_job_keeps_salesforce_words_and_details_go_to_the_log(
    home: Path, extract_step: Any
) -> None:
    error = SalesforceWorded(
        "INVALID_FIELD: No such column 'Tier__c' on entity 'Account'. If you are attempting to "
        "use a custom field, be sure to append the '__c' after the custom field name."
    )
    job = run_job(home, transform=no_transform, extract=extract_step(error=error))

    assert job.status == "Failed"
    assert job.sync_message == str(error)
    assert job.rows_per_object == {}
    assert job.finished_at is not None
    log_text = job_log_path(home, job.job_id).read_text()
    assert "Traceback" in log_text and "INVALID_FIELD" in log_text


def test_unexpected_errors_are_named_by_type(home: Path, extract_step: Any) -> None:
    job = run_job(home, transform=no_transform, extract=extract_step(error=KeyError("Account")))
    assert job.status == "Failed"
    assert job.sync_message == "KeyError: 'Account'"


def test_transform_failure_is_named_and_rows_are_kept(home: Path, extract_step: Any) -> None:
    def transform(home: Path, config: Any) -> str:
        raise SalesforceWorded("Compilation Error in model companies")

    job = run_job(home, extract=extract_step(), transform=transform)
    assert job.status == "Failed"
    assert job.sync_message == "transform failed: Compilation Error in model companies"
    assert job.rows_per_object == {"Account": 40, "Contact": 96}
    assert job.api_calls == 7


class EarlyTransform:
    """A transform step with the early-start hooks, recording when each is called."""

    def __init__(self, events: list[str]) -> None:
        self.events = events

    def start_early(self, home: Path) -> None:
        self.events.append("start_early")

    def __call__(self, home: Path, config: Any) -> str:
        self.events.append("transform")
        return "built"

    def end_early(self, home: Path) -> None:
        self.events.append("end_early")


def test_a_transform_step_is_started_early_and_ended_whatever_happens(
    home: Path, extract_step: Any
) -> None:
    events: list[str] = []
    step = extract_step()
    real_extract = step.__call__

    def extract(*args: Any, **kwargs: Any) -> Any:
        events.append("extract")
        return real_extract(*args, **kwargs)

    job = run_job(home, extract=extract, transform=EarlyTransform(events))
    assert job.status == "Completed"
    assert events == ["start_early", "extract", "transform", "end_early"]

    events.clear()
    failing = extract_step(error=SalesforceWorded("INVALID_SESSION_ID: Session expired"))
    job = run_job(home, extract=failing, transform=EarlyTransform(events))
    assert job.status == "Failed"
    assert events == ["start_early", "end_early"]


def test_zero_rows_is_named_with_its_likely_causes(home: Path, extract_step: Any) -> None:
    bootstrap = run_job(
        home, transform=no_transform, extract=extract_step(rows={"Account": 0, "Contact": 0})
    )
    assert bootstrap.status == "Completed"
    assert bootstrap.sync_message is not None
    assert bootstrap.sync_message.startswith(f"{ZERO_ROWS}. Likely causes:")
    assert "account filter" in bootstrap.sync_message
    assert "read permission" in bootstrap.sync_message
    assert "since the last job's cursor" not in bootstrap.sync_message

    periodic = run_job(
        home, "periodic", transform=no_transform, extract=extract_step(rows={"Account": 0})
    )
    assert periodic.sync_message is not None
    assert periodic.sync_message.startswith(ZERO_ROWS)
    assert "nothing changed in Salesforce since the last job's cursor" in periodic.sync_message


def test_bootstrap_names_objects_that_came_back_empty(home: Path, extract_step: Any) -> None:
    job = run_job(
        home,
        transform=no_transform,
        extract=extract_step(rows={"Account": 40, "Case": 0, "EmailMessage": 0}),
    )
    assert job.sync_message is not None
    assert job.sync_message.startswith("zero rows for Case, EmailMessage:")
    assert ZERO_ROWS not in job.sync_message


def test_extractor_messages_are_kept(home: Path, extract_step: Any) -> None:
    step = extract_step(messages=["Contract: Bulk API refused the object; read over REST"])
    job = run_job(home, transform=no_transform, extract=step)
    assert job.sync_message is not None
    assert job.sync_message.splitlines() == [
        "Contract: Bulk API refused the object; read over REST",
        SKIPPED,
    ]


def test_budget_stop_is_failed_with_what_was_loaded(home: Path, extract_step: Any) -> None:
    errors = pytest.importorskip("pipelines.salesforce.errors")
    stop = errors.BudgetExceeded(81_000, 100_000, 0.8)
    job = run_job(
        home, transform=no_transform, extract=extract_step(rows={"Account": 40}, error=stop)
    )
    assert job.status == "Failed"
    assert job.sync_message is not None
    assert job.sync_message.startswith("API budget reached")
    assert job.sync_message == str(stop)


def test_progress_is_forwarded_and_recorded(home: Path, extract_step: Any) -> None:
    seen: list[tuple[str, int, int | None]] = []
    job = run_job(
        home,
        transform=no_transform,
        extract=extract_step(),
        progress=lambda *call: seen.append(call),
    )
    assert seen == [
        ("Account", 0, 40),
        ("Account", 40, 40),
        ("Contact", 0, 96),
        ("Contact", 96, 96),
    ]
    assert job.progress == {
        "Account": {"rows": 40, "total": 40},
        "Contact": {"rows": 96, "total": 96},
    }


def test_objects_and_config_reach_the_extract_step(home: Path, extract_step: Any) -> None:
    step = extract_step()
    run_job(home, objects=["Account"], transform=no_transform, extract=step)
    assert step.calls[0]["objects"] == ["Account"]
    assert step.calls[0]["config"] == load_config_file(default_config_path())


def test_config_version_is_the_active_one(home: Path, extract_step: Any) -> None:
    assert run_job(home, transform=no_transform, extract=extract_step()).config_version is None
    store = ConfigStore(home)
    saved = store.save(load_config_file(default_config_path()), comment="first setup")
    step = extract_step()
    job = run_job(home, transform=no_transform, extract=step)
    assert job.config_version == saved.version
    assert step.calls[0]["config"] == saved.config


def test_interrupted_job_is_failed_and_frees_the_lock(home: Path, extract_step: Any) -> None:
    with pytest.raises(KeyboardInterrupt):
        run_job(home, transform=no_transform, extract=extract_step(error=KeyboardInterrupt()))
    job = latest_job(home)
    assert job is not None
    assert job.status == "Failed"
    assert job.sync_message == "interrupted (Ctrl-C) during extract"
    JobLock.acquire(home, wait_s=0).release()


def test_failure_to_load_the_config_is_recorded(
    home: Path, extract_step: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = tmp_path / "default.yaml"
    broken.write_text("account_filtering: {mode: sometimes}\n")
    monkeypatch.setenv("SFSYNC_DEFAULT_CONFIG", str(broken))
    step = extract_step()
    job = run_job(home, transform=no_transform, extract=step)
    assert job.status == "Failed"
    assert job.sync_message is not None and "account_filtering" in job.sync_message
    assert step.calls == []
