"""The shipped write-back models, end to end: sync the org, build them with dbt, push them."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from writeback_fixtures import REPO, Org

from pipelines.config import load_config_file
from pipelines.config.store import ConfigStore
from pipelines.config.validation import parse_config
from pipelines.salesforce import run_extract
from pipelines.transform.build import run_dbt_build
from pipelines.writeback import dry_run, push

pytestmark = [pytest.mark.timeout(300), pytest.mark.slow]


def test_account_health_and_owner_models_land_in_salesforce(org: Org, home: Path) -> None:
    document = load_config_file(REPO / "configs" / "default.yaml").to_document()
    document["writeback"]["enabled"] = True
    config = parse_config(document)
    ConfigStore(home).save(config, comment="default, with write-back on")
    run_extract(home, config=config, credentials=org.credentials())

    build = run_dbt_build(home)
    assert build.success, build.summary()
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as db:
        health = {
            rid: (score, flag)
            for rid, score, flag in db.execute(
                "SELECT account_id, health_score, risk_flag FROM writeback.writeback__account_health"
            ).fetchall()
        }
        csm = dict(
            db.execute(
                "SELECT account_id, csm_user_id FROM writeback.writeback__account_owner_reassignments"
                " WHERE csm_user_id IS NOT NULL"
            ).fetchall()
        )
    assert health and csm

    plan = dry_run(None, home)
    result = push(None, home, client=org.client())

    assert not plan.issues and result.status == "Completed" and result.failed == 0
    found = org.accounts(list(health))
    assert {rid: (r["Health_Score__c"], r["Risk_Flag__c"]) for rid, r in found.items()} == health
    assigned = org.accounts(list(csm), fields="CSM__c")
    assert {rid: r["CSM__c"] for rid, r in assigned.items()} == csm
