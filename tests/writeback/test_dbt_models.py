"""The shipped write-back models, end to end: one sync job extracts the org, builds them with
dbt and pushes them; the org then holds what the models computed."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from writeback_fixtures import REPO, Org

from pipelines.config import load_config_file
from pipelines.config.store import ConfigStore
from pipelines.config.validation import parse_config
from pipelines.jobs import run_job
from pipelines.writeback import dry_run, last_push_results

pytestmark = [pytest.mark.timeout(400), pytest.mark.slow]


def test_a_sync_job_builds_and_pushes_the_example_models(org: Org, home: Path) -> None:
    document = load_config_file(REPO / "configs" / "default.yaml").to_document()
    document["writeback"]["enabled"] = True
    ConfigStore(home).save(parse_config(document), comment="default, with write-back on")

    job = run_job(home)

    assert job.status == "Completed", job.sync_message
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as db:
        health = {
            rid: (score, flag)
            for rid, score, flag in db.execute(
                "SELECT account_id, health_score, risk_flag"
                " FROM writeback.writeback__account_health"
            ).fetchall()
        }
        csm = dict(
            db.execute(
                "SELECT account_id, csm_user_id FROM writeback.writeback__account_owner_reassignments"
                " WHERE csm_user_id IS NOT NULL"
            ).fetchall()
        )
    assert health and csm
    result = last_push_results(home)
    assert result is not None and result.run.job_id == job.job_id
    assert (result.status, result.failed) == ("Completed", 0)
    assert "push 1 completed: writeback__account_health → Account" in (job.sync_message or "")
    found = org.accounts(list(health))
    assert {rid: (r["Health_Score__c"], r["Risk_Flag__c"]) for rid, r in found.items()} == health
    assigned = org.accounts(list(csm), fields="CSM__c")
    assert {rid: r["CSM__c"] for rid, r in assigned.items()} == csm
    assert dry_run(None, home).records_to_send == 0
