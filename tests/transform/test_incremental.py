"""Builds after a sync changed a few rows: messages are scored once, and the incremental marts
rewrite only what changed (and drop what is gone) while still equal to the oracle."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from pathlib import Path

from transform_compare import assert_rows_match
from transform_fixtures import FixtureOrg, build_warehouse, execute, read_table
from transform_oracle import KEY, expected_marts
from transform_scenarios import TYPED_SUM

from pipelines.sandbox.ids import to_18
from pipelines.transform import run_dbt_build
from pipelines.transform.sentiment import SupportSentiment

NEW_COMMENT = to_18("00a000000000099")
EDITED_COMMENT = to_18("00a000000000004")
DELETED_COMMENT = to_18("00a000000000003")
RECLASSIFIED_ACCOUNT = to_18("001000000000009")
DELETED_ACCOUNT = to_18("001000000000003")
EDITED_CONTACT = to_18("003000000000002")
UNTOUCHED_CONTACT = to_18("003000000000001")
CASE = to_18("500000000000001")
EDITED_HEALTH = to_18("a0A000000000002")
PORTAL_USER = to_18("005000000000005")

RECONCILED_KEYS = {
    "intermediate.int_custom_object_records_filtered": "record_id",
    "intermediate.int_support_messages_threaded": "message_id",
    **KEY,
}
"""The tables reconciled on a key (sfsync_reconciled, or its own copy of the pattern), and their
keys: the marts the oracle checks, all reconciled, and two intermediate models."""


def _scored(home: Path) -> dict[str, datetime]:
    rows = read_table(home, "intermediate.int_support_messages_scored")
    return {r["message_id"]: r["scored_at"] for r in rows}


def _updated(home: Path, mart: str, key: str) -> dict[str, datetime]:
    return {r[key]: r["sfsync_updated_at"] for r in read_table(home, mart)}


def test_a_second_build_scores_only_new_and_edited_messages_and_reconciles_the_marts(
    fixture_orgs: dict[str, FixtureOrg], scorer: SupportSentiment, tmp_path: Path
) -> None:
    org = fixture_orgs["basic"]
    home = tmp_path / "home"
    build_warehouse(org, home)
    first = run_dbt_build(home, config=TYPED_SUM.config)
    assert first.success, first.error_message()
    # A full build writes each reconciled table in key order, so that its row groups are full
    # (macros/reconcile.sql); read without ORDER BY, the rows come back in that order.
    for relation, key in RECONCILED_KEYS.items():
        keys = [row[key] for row in read_table(home, relation)]
        assert len(keys) > 1 and keys == sorted(keys), relation
    scored_before = _scored(home)
    people_before = _updated(home, "people", "contact_id")
    messages_before = _updated(home, "support_messages", "message_id")
    related_before = _updated(home, "related_records", "record_id")

    # What a periodic sync would bring: a new comment, an edited one, a deleted one, an account
    # that now matches another filter, a deleted account, an edited contact.
    now = datetime.now(UTC).replace(microsecond=0)
    created = now - timedelta(minutes=5)
    execute(
        home,
        f"insert into salesforce.case_comment (id, parent_id, comment_body, is_published, "
        f"created_by_id, created_date, system_modstamp, is_deleted) values ('{NEW_COMMENT}', "
        f"'{CASE}', 'It is down again. This is unacceptable, we will escalate.', true, "
        f"'{PORTAL_USER}', '{created.isoformat()}', '{now.isoformat()}', false)",
        "update salesforce.case_comment set comment_body = 'Still broken, nothing works.', "
        f"system_modstamp = '{now.isoformat()}' where id = '{EDITED_COMMENT}'",
        f"delete from salesforce.case_comment where id = '{DELETED_COMMENT}'",
        "update salesforce.account set type = 'Customer', "
        f"system_modstamp = '{now.isoformat()}' where id = '{RECLASSIFIED_ACCOUNT}'",
        f"update salesforce.account set is_deleted = true, system_modstamp = '{now.isoformat()}' "
        f"where id = '{DELETED_ACCOUNT}'",
        f"update salesforce.contact set title = 'Principal Engineer', "
        f"system_modstamp = '{now.isoformat()}' where id = '{EDITED_CONTACT}'",
        f"update salesforce.health_c set score_c = 35, system_modstamp = '{now.isoformat()}' "
        f"where id = '{EDITED_HEALTH}'",
    )
    rows = copy.deepcopy(org.rows)
    rows.tables["case_comment"].append(
        {
            "id": NEW_COMMENT,
            "parent_id": CASE,
            "comment_body": "It is down again. This is unacceptable, we will escalate.",
            "is_published": True,
            "created_by_id": PORTAL_USER,
            "created_date": created,
            "is_deleted": False,
        }
    )
    for comment in rows.tables["case_comment"]:
        if comment["id"] == EDITED_COMMENT:
            comment["comment_body"] = "Still broken, nothing works."
    rows.tables["case_comment"] = [
        c for c in rows.tables["case_comment"] if c["id"] != DELETED_COMMENT
    ]
    for health in rows.tables["health_c"]:
        if health["id"] == EDITED_HEALTH:
            health["score_c"] = 35.0
    for account in rows.tables["account"]:
        if account["id"] == RECLASSIFIED_ACCOUNT:
            account["type"] = "Customer"
        if account["id"] == DELETED_ACCOUNT:
            account["is_deleted"] = True

    second = run_dbt_build(home, config=TYPED_SUM.config)
    assert second.success, second.error_message()
    scored_after = _scored(home)
    rescored = {m for m, at in scored_after.items() if scored_before.get(m) != at}
    assert rescored == {NEW_COMMENT, EDITED_COMMENT}
    # The scored increment was a table of its own; the build leaves no such table behind.
    leftovers = read_table(
        home,
        "(select schema_name, table_name from duckdb_tables() where table_name like '%dbt_tmp%')",
    )
    assert leftovers == []

    expected = expected_marts(rows, TYPED_SUM, scorer)
    assert_rows_match(
        "companies", read_table(home, "companies"), expected.companies, lambda r: r["account_id"]
    )
    assert expected.companies[RECLASSIFIED_ACCOUNT]["company_type"] == "Customer"
    assert DELETED_ACCOUNT not in expected.companies
    assert_rows_match(
        "people", read_table(home, "people"), expected.people, lambda r: r["contact_id"]
    )
    assert_rows_match(
        "opportunities",
        read_table(home, "opportunities"),
        expected.opportunities,
        lambda r: r["opportunity_id"],
    )
    assert_rows_match(
        "support_messages",
        read_table(home, "support_messages"),
        expected.support_messages,
        lambda r: r["message_id"],
    )
    assert_rows_match(
        "support_activities",
        read_table(home, "support_activities"),
        expected.support_activities,
        lambda r: r["case_id"],
    )

    # Only the changed rows were written again.
    people_after = _updated(home, "people", "contact_id")
    assert people_after[UNTOUCHED_CONTACT] == people_before[UNTOUCHED_CONTACT]
    assert people_after[EDITED_CONTACT] != people_before[EDITED_CONTACT]
    messages_after = _updated(home, "support_messages", "message_id")
    rewritten = {m for m, at in messages_after.items() if messages_before.get(m) != at}
    # the new comment and the edited one (which also moved up a place: the internal note
    # before it was deleted); the comments before it are untouched
    assert rewritten == {NEW_COMMENT, EDITED_COMMENT}

    related = read_table(home, "related_records")
    assert_rows_match(
        "related_records", related, expected.related_records, lambda r: r["record_id"]
    )
    health = next(r for r in related if r["record_id"] == EDITED_HEALTH)
    assert '"score_c":35.0' in health["fields"]
    related_after = _updated(home, "related_records", "record_id")
    assert {r for r, at in related_after.items() if related_before.get(r) != at} == {EDITED_HEALTH}

    # A build with nothing new scores nothing and rewrites nothing.
    third = run_dbt_build(home, config=TYPED_SUM.config)
    assert third.success, third.error_message()
    assert _scored(home) == scored_after
    assert _updated(home, "people", "contact_id") == people_after
    assert _updated(home, "support_messages", "message_id") == messages_after


def test_a_config_change_rewrites_every_row_with_the_new_columns(
    fixture_orgs: dict[str, FixtureOrg], tmp_path: Path
) -> None:
    org = fixture_orgs["basic"]
    home = tmp_path / "home"
    build_warehouse(org, home)
    config = copy.deepcopy(TYPED_SUM.config)
    assert run_dbt_build(home, config=config).success
    before = {mart: read_table(home, mart) for mart in ("companies", "people")}
    config["advanced"] = {
        "account_whitelisted_fields": ["Name", "Industry"],
        "contact_additional_fields": {"Nickname__c": "Nick"},
        "contact_exclude_fields": ["Title"],
    }
    result = run_dbt_build(home, config=config)
    assert result.success, result.error_message()
    after = {mart: read_table(home, mart) for mart in ("companies", "people")}
    for mart in after:
        assert len(after[mart]) == len(before[mart])
        old = {r["sfsync_config_hash"] for r in before[mart]}
        assert {r["sfsync_config_hash"] for r in after[mart]}.isdisjoint(old)
    assert "custom_nick" in after["people"][0] and "title" not in after["people"][0]
    assert "annual_revenue" not in after["companies"][0]
    assert "industry" in after["companies"][0]


def test_messages_synced_without_a_modstamp_are_compared_by_their_text(
    fixture_orgs: dict[str, FixtureOrg], scorer: SupportSentiment, tmp_path: Path
) -> None:
    # An allowlist can leave SystemModstamp out of the sync: the thread then has only the text
    # to tell that a message changed.
    org = fixture_orgs["basic"]
    home = tmp_path / "home"
    build_warehouse(org, home)
    execute(home, "alter table salesforce.case_comment drop column system_modstamp")
    assert run_dbt_build(home, config=TYPED_SUM.config).success
    scored_before = _scored(home)
    messages_before = _updated(home, "support_messages", "message_id")

    execute(
        home,
        "update salesforce.case_comment set comment_body = 'Still broken, nothing works.' "
        f"where id = '{EDITED_COMMENT}'",
    )
    rows = copy.deepcopy(org.rows)
    for comment in rows.tables["case_comment"]:
        if comment["id"] == EDITED_COMMENT:
            comment["comment_body"] = "Still broken, nothing works."

    second = run_dbt_build(home, config=TYPED_SUM.config)
    assert second.success, second.error_message()
    scored_after = _scored(home)
    assert {m for m, at in scored_after.items() if scored_before.get(m) != at} == {EDITED_COMMENT}
    messages_after = _updated(home, "support_messages", "message_id")
    assert {m for m, at in messages_after.items() if messages_before.get(m) != at} == {
        EDITED_COMMENT
    }
    expected = expected_marts(rows, TYPED_SUM, scorer)
    assert_rows_match(
        "support_messages",
        read_table(home, "support_messages"),
        expected.support_messages,
        lambda r: r["message_id"],
    )
