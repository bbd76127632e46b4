"""``sfsync push`` as its own process, and the push step at the end of a sync job."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from writeback_fixtures import Org, health_config, make_model, sfsync

from pipelines.config.store import ConfigStore
from pipelines.jobs import (
    JobAlreadyRunning,
    JobLock,
    choose_kind,
    get_job,
    list_jobs,
    run_job,
    run_push_job,
)
from pipelines.jobs.runner import acquire_job_lock
from pipelines.writeback import last_push_results, list_runs

pytestmark = pytest.mark.timeout(240)

Sync = Callable[[Path], None]


def test_push_command(org: Org, home: Path, sync: Sync) -> None:
    sync(home)
    expected = make_model(home, "cli")
    store = ConfigStore(home)
    store.save(health_config(enabled=False), comment="mapping, not yet enabled")
    before = org.api_calls()

    preview = sfsync(home, "push", "--dry-run")
    refused = sfsync(home, "push")

    assert preview.returncode == 0, preview.stderr
    assert "Dry run: nothing is sent to Salesforce. Write-back is off" in preview.stdout
    assert f"Health_Score__c  ← health_score: {len(expected)} to update" in preview.stdout
    assert refused.returncode == 2 and "write-back is off" in refused.stderr
    assert org.api_calls() == before  # neither the dry run nor the refusal called the org

    store.save(health_config(), comment="enable write-back")
    victim = sorted(expected)[0]
    org.set_faults(fail_writes=[{"object": "Account", "id": victim, "times": 0}])
    pushed = sfsync(home, "push")
    shown = sfsync(home, "push", "--results", "--json")

    assert pushed.returncode == 1, pushed.stderr  # a record was rejected
    assert "Push 1: Completed" in pushed.stdout
    assert f"wb_scores → Account: {len(expected) - 1} sent, 1 failed" in pushed.stdout
    assert f"Account {victim}: FIELD_CUSTOM_VALIDATION_EXCEPTION" in pushed.stdout
    document = json.loads(shown.stdout)
    assert (document["sent"], document["failed"]) == (len(expected) - 1, 1)
    assert document["failures"][0]["record_id"] == victim

    org.reset_faults()
    assert sfsync(home, "push").returncode == 0
    assert sfsync(home, "push", "--results").stdout.startswith("Push 2: Completed")


def test_sync_job_ends_with_a_push(org: Org, home: Path) -> None:
    ConfigStore(home).save(health_config(), comment="write-back on")
    built: dict[str, Any] = {}

    def transform(home: Path, config: Any) -> str:
        built.update(make_model(home, "job"))  # what dbt would have built
        return "model built"

    job = run_job(home, transform=transform)

    assert job.status == "Completed", job.sync_message
    [run] = list_runs(home)
    assert run.job_id == job.job_id and run.status == "Completed"
    result = last_push_results(home)
    assert result is not None and result.sent == len(built)
    lines = (job.sync_message or "").splitlines()
    assert f"push 1 completed: wb_scores → Account: {len(built)} sent, 0 unchanged via " in (
        "\n".join(lines)
    )
    assert job.api_calls is not None and job.api_calls > run.api_calls > 0


def test_sync_job_without_write_back_does_not_push(org: Org, home: Path) -> None:
    ConfigStore(home).save(health_config(enabled=False), comment="write-back off")

    job = run_job(home, transform=lambda home, config: "no transform")

    assert job.status == "Completed"
    assert list_runs(home) == []
    assert "push" not in (job.sync_message or "")


def test_broken_mapping_does_not_fail_the_sync_job(org: Org, home: Path) -> None:
    ConfigStore(home).save(health_config(), comment="the model is never built")

    job = run_job(home, transform=lambda home, config: "no transform")

    assert job.status == "Completed"
    assert "wb_scores → Account: not pushed" in (job.sync_message or "")
    assert "no table or view 'wb_scores'" in (job.sync_message or "")


def test_push_command_is_recorded_as_a_job(org: Org, home: Path, sync: Sync) -> None:
    sync(home)
    expected = make_model(home, "push-job")
    ConfigStore(home).save(health_config(), comment="write-back on")

    pushed = sfsync(home, "push", "--trigger", "scheduled")
    listed = sfsync(home, "jobs", "list", "--json")
    shown = sfsync(home, "jobs", "show", "1")

    assert pushed.returncode == 0, pushed.stderr
    assert "recorded as job 1 (`sfsync jobs show 1`)" in pushed.stdout
    [row] = json.loads(listed.stdout)
    [run] = list_runs(home)
    assert (row["job_id"], row["kind"], row["trigger"], row["status"]) == (
        1,
        "push",
        "scheduled",
        "Completed",
    )
    assert row["rows_per_object"] == {"Account": len(expected)}
    assert row["api_calls"] == run.api_calls > 0
    assert row["config_version"] == 1 and row["finished_at"] is not None
    assert row["sync_message"].startswith(f"push 1 completed: {len(expected)} sent, 0 failed")
    assert f"wb_scores → Account: {len(expected)} sent" in row["sync_message"]
    assert run.job_id == 1
    assert "kind            push" in shown.stdout and "trigger         scheduled" in shown.stdout
    # A push loads nothing: the first sync job is still a bootstrap, and its own id follows.
    assert choose_kind(home) == "bootstrap"


def test_push_job_records_rejected_records_and_conflicts(org: Org, home: Path, sync: Sync) -> None:
    sync(home)
    expected = make_model(home, "push-job-failures")
    ConfigStore(home).save(health_config(), comment="write-back on")
    victim = sorted(expected)[1]
    org.set_faults(fail_writes=[{"object": "Account", "id": victim, "times": 0}])

    outcome = run_push_job(home)

    assert outcome.result is not None and outcome.error is None
    job = outcome.job
    assert (job.kind, job.trigger, job.status) == ("push", "manual", "Completed")
    assert job.rows_per_object == {"Account": len(expected) - 1}
    assert (job.sync_message or "").startswith(
        f"push 1 completed: {len(expected) - 1} sent, 1 failed, 0 conflicts"
    )
    assert get_job(home, job.job_id) == job


def test_push_waits_for_no_job_to_run(org: Org, home: Path, sync: Sync) -> None:
    sync(home)
    make_model(home, "push-locked")
    ConfigStore(home).save(health_config(), comment="write-back on")
    before = org.api_calls()

    with JobLock.acquire(home):
        refused = sfsync(home, "push")

    assert refused.returncode == 3, refused.stderr
    assert "already running" in refused.stderr
    assert list_jobs(home) == [] and list_runs(home) == []
    assert org.api_calls() == before

    # While a push job holds the lock, a sync job is refused in turn.
    lock = acquire_job_lock(home)
    try:
        with pytest.raises(JobAlreadyRunning):
            run_job(home, transform=lambda home, config: "no transform")
    finally:
        lock.release()


def test_push_that_cannot_run_fails_its_job_and_one_that_cannot_start_records_nothing(
    org: Org, home: Path
) -> None:
    ConfigStore(home).save(health_config(enabled=False), comment="off")
    off = sfsync(home, "push")
    assert off.returncode == 2 and "write-back is off" in off.stderr
    assert list_jobs(home) == []

    ConfigStore(home).save(health_config(), comment="on, but nothing synced yet")
    no_warehouse = sfsync(home, "push")

    assert no_warehouse.returncode == 2, no_warehouse.stderr
    assert "push job 1 failed: there is no warehouse" in no_warehouse.stderr
    [job] = list_jobs(home)
    assert (job.kind, job.status) == ("push", "Failed")
    assert (job.sync_message or "").startswith("push not run: there is no warehouse")
