"""Pushing to the sandbox org over HTTP: what lands, what is sent again, failures, conflicts."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest
from writeback_fixtures import Org, health_config, make_model, set_model_value

from pipelines.writeback import dry_run, last_push_results, list_runs, push
from pipelines.writeback.outbox import records

pytestmark = pytest.mark.timeout(180)

Sync = Callable[[Path], None]


def assert_push_calls(calls: int, transport: str) -> None:
    """One sObject Collections call for ≤ 200 records; a Bulk job: create, upload, close, status
    polls until the org has processed it (at least one; the sandbox processes in the background)
    and the failed results."""
    if transport == "collections":
        assert calls == 1
    else:
        assert 5 <= calls <= 15, calls


def org_values(org: Org, ids: list[str]) -> dict[str, tuple[float | None, bool]]:
    found = org.accounts(ids)
    return {rid: (r["Health_Score__c"], r["Risk_Flag__c"]) for rid, r in found.items()}


@pytest.mark.parametrize("transport", ["collections", "bulk"])
def test_values_land_in_salesforce(org: Org, home: Path, sync: Sync, transport: str) -> None:
    sync(home)
    expected = make_model(home, f"land-{transport}")
    before = org.api_calls()

    result = push(health_config(transport=transport), home, client=org.client())
    spent = org.api_calls() - before

    assert result.status == "Completed", result.run.message
    assert (result.sent, result.failed, result.conflicts) == (len(expected), 0, 0)
    assert org_values(org, list(expected)) == expected
    rows = records(home, result.run.run_id)
    assert {r.status for r in rows} == {"sent"} and len(rows) == len(expected)
    assert_push_calls(result.api_calls, transport)
    assert spent == result.api_calls
    assert result.run.summary[0]["transport"] == transport


def test_second_push_sends_nothing(org: Org, home: Path, sync: Sync) -> None:
    sync(home)
    expected = make_model(home, "again")
    config = health_config()
    push(config, home, client=org.client())
    before = org.api_calls()

    again = push(config, home, client=org.client())
    sync(home)  # the warehouse now has the org's copy of what was written
    after_sync = org.api_calls()
    third = push(config, home)  # no client given: none is even opened

    assert (again.sent, again.api_calls) == (0, 0)
    assert (third.sent, third.api_calls) == (0, 0)
    assert org.api_calls() == after_sync
    assert after_sync - before > 0  # only the extract talked to the org
    assert again.run.summary[0]["unchanged"] == len(expected)


def test_changed_value_is_sent_once(org: Org, home: Path, sync: Sync) -> None:
    sync(home)
    expected = make_model(home, "change")
    config = health_config()
    push(config, home, client=org.client())
    target = sorted(expected)[7]
    new_score = (expected[target][0] + 37) % 100
    set_model_value(home, target, new_score)

    changed = push(config, home, client=org.client())
    repeat = push(config, home, client=org.client())

    assert (changed.sent, changed.api_calls) == (1, 1)
    [row] = records(home, changed.run.run_id)
    assert row.record_id == target
    assert row.payload == {"Health_Score__c": new_score}  # only the field that changed
    assert org_values(org, [target])[target][0] == new_score
    assert (repeat.sent, repeat.api_calls) == (0, 0)


@pytest.mark.parametrize("transport", ["collections", "bulk"])
def test_rejected_record_is_reported_and_the_rest_lands(
    org: Org, home: Path, sync: Sync, transport: str
) -> None:
    sync(home)
    expected = make_model(home, f"reject-{transport}")
    victim = sorted(expected)[3]
    before = org_values(org, [victim])[victim]
    org.set_faults(
        fail_writes=[
            {
                "object": "Account",
                "id": victim,
                "field": "Health_Score__c",
                "message": "Health scores are locked during the quarterly review",
                "times": 0,
            }
        ]
    )

    result = push(health_config(transport=transport), home, client=org.client())

    assert result.status == "Completed"
    assert (result.sent, result.failed) == (len(expected) - 1, 1)
    [failure] = result.failures
    assert failure.record_id == victim
    assert failure.error_code == "FIELD_CUSTOM_VALIDATION_EXCEPTION"
    assert failure.error_message == "Health scores are locked during the quarterly review"
    assert failure.error_fields == ("Health_Score__c",)
    landed = org_values(org, list(expected))
    assert landed[victim] == before
    assert {k: v for k, v in landed.items() if k != victim} == {
        k: v for k, v in expected.items() if k != victim
    }
    assert_push_calls(result.api_calls, transport)

    org.reset_faults()
    retried = push(health_config(transport=transport), home, client=org.client())
    assert (retried.sent, retried.failed) == (1, 0)
    assert org_values(org, [victim])[victim] == expected[victim]


def test_field_edited_in_salesforce_is_a_conflict_and_kept(
    org: Org, home: Path, sync: Sync
) -> None:
    sync(home)
    expected = make_model(home, "conflict")
    first = push(health_config(), home, client=org.client())
    assert first.sent == len(expected)
    edited, other = sorted(expected)[5], sorted(expected)[6]
    by_hand = (expected[edited][0] + 50) % 100
    org.edit(edited, Health_Score__c=by_hand)  # a CSM corrects the score by hand
    sync(home)  # the next sync brings the edit (and its SystemModstamp) into the warehouse
    recomputed = {rid: (expected[rid][0] + 11) % 100 for rid in (edited, other)}
    for rid, score in recomputed.items():
        set_model_value(home, rid, score)

    plan = dry_run(health_config(), home)
    second = push(health_config(), home, client=org.client())

    assert plan.conflicts == 1
    assert (second.sent, second.conflicts) == (1, 1)
    [kept] = second.conflicts_skipped
    assert kept.record_id == edited and kept.status == "conflict"
    assert kept.conflicts["Health_Score__c"] | {"modified_at": None} == {
        "salesforce": by_hand,
        "warehouse": recomputed[edited],
        "last_written": expected[edited][0],
        "modified_at": None,
    }
    assert org_values(org, [edited])[edited][0] == by_hand
    assert org_values(org, [other])[other][0] == recomputed[other]

    # Reported again while it stands; the mapping's policy can prefer the warehouse.
    again = push(health_config(), home, client=org.client())
    assert (again.sent, again.conflicts) == (0, 1)
    overwrite = health_config(mapping={"conflict_policy": "prefer_warehouse"})
    forced = push(overwrite, home, client=org.client())
    assert (forced.sent, forced.conflicts) == (1, 1)
    assert org_values(org, [edited])[edited][0] == recomputed[edited]


def test_dry_run_sends_zero_requests_and_writes_nothing(org: Org, home: Path, sync: Sync) -> None:
    sync(home)
    expected = make_model(home, "dry")
    values_before = org_values(org, list(expected))
    before = org.api_calls()

    plan = dry_run(health_config(enabled=False), home)

    assert org.api_calls() == before
    assert list_runs(home) == [] and last_push_results(home) is None
    assert org_values(org, list(expected)) == values_before
    [mapping] = plan.mappings
    assert plan.records_to_send == len(expected) and mapping.transport == "collections"
    health = mapping.fields["Health_Score__c"]
    assert health.changes == len(expected) and len(health.examples) == 3
    assert plan.to_json()["estimated_api_calls"] == 1


def test_a_null_leaves_the_field_alone(org: Org, home: Path, sync: Sync) -> None:
    sync(home)
    expected = make_model(home, "nulls", limit=5)
    blank = sorted(expected)[0]
    before = org_values(org, [blank])[blank]
    with duckdb.connect(str(home / "warehouse.duckdb")) as db:
        db.execute(
            "UPDATE writeback.wb_scores SET health_score = NULL, risk_flag = NULL"
            " WHERE account_id = ?",
            [blank],
        )

    result = push(health_config(), home, client=org.client())

    assert result.sent == 4
    assert org_values(org, [blank])[blank] == before
