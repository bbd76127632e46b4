"""``sfsync push`` as its own process, and the push step at the end of a sync job."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from writeback_fixtures import Org, health_config, make_model, sfsync

from pipelines.config.store import ConfigStore
from pipelines.jobs import run_job
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
