"""When a load is full or incremental, which fields are pulled, and the SOQL text sent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from pipelines.salesforce import queries
from pipelines.salesforce.describe import SObjectDescribe, object_schema
from pipelines.salesforce.plan import SyncOptions, fingerprint, plan_object
from pipelines.salesforce.selection import FieldSelection

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
DESCRIBE = SObjectDescribe(
    "Account",
    {
        "name": "Account",
        "fields": [
            {"name": "Id", "type": "id"},
            {"name": "IsDeleted", "type": "boolean"},
            {"name": "Name", "type": "string"},
            {"name": "Industry", "type": "picklist"},
            {"name": "BillingCity", "type": "string", "compoundFieldName": "BillingAddress"},
            {"name": "BillingAddress", "type": "address"},
            {"name": "Score__c", "type": "double", "calculated": True, "calculatedFormula": "1"},
            {"name": "CreatedDate", "type": "datetime"},
            {"name": "LastModifiedDate", "type": "datetime"},
            {"name": "SystemModstamp", "type": "datetime"},
        ],
    },
)
ALL = [f["name"] for f in DESCRIBE.fields if f["type"] != "address"]
SCHEMA = object_schema(DESCRIBE, ALL)
PRINT = fingerprint(SCHEMA, None)


def state(**values: Any) -> dict[str, Any]:
    base = {
        "cursor": (NOW - timedelta(hours=1)).isoformat(),
        "deleted_cursor": (NOW - timedelta(hours=1)).isoformat(),
        "full_refresh_at": (NOW - timedelta(hours=2)).isoformat(),
        "fingerprint": PRINT,
    }
    base.update(values)
    return {k: v for k, v in base.items() if v is not None}


@pytest.mark.parametrize(
    ("saved", "options", "full", "reason"),
    [
        (state(), SyncOptions(), False, "incremental"),
        ({}, SyncOptions(), True, "first sync"),
        (state(), SyncOptions(full_refresh=True), True, "full refresh requested"),
        (state(fingerprint="other"), SyncOptions(), True, "fields or filter changed since the last sync"),
        (state(full_refresh_at=(NOW - timedelta(hours=25)).isoformat()), SyncOptions(), True, "formula refresh due (every 24 h)"),
        (state(full_refresh_at=(NOW - timedelta(hours=25)).isoformat()), SyncOptions(formula_refresh=None), False, "incremental"),
        (state(deleted_cursor=(NOW - timedelta(days=16)).isoformat()), SyncOptions(), True, "last delete check is older than the org keeps deletions (15 days)"),
        (state(deleted_cursor=(NOW - timedelta(days=16)).isoformat()), SyncOptions(delete_mode="mark"), False, "incremental"),
    ],
)  # fmt: skip
def test_plan(saved: dict[str, Any], options: SyncOptions, full: bool, reason: str) -> None:
    plan = plan_object(saved, SCHEMA, PRINT, options, NOW)
    assert (plan.full, plan.reason) == (full, reason)
    if not full:
        assert plan.since == NOW - timedelta(hours=1) - options.overlap


def test_incremental_windows_start_an_overlap_before_the_cursors() -> None:
    plan = plan_object(state(), SCHEMA, PRINT, SyncOptions(overlap=timedelta(minutes=5)), NOW)
    assert plan.since == NOW - timedelta(hours=1, minutes=5)
    assert plan.deleted_since == NOW - timedelta(hours=1, minutes=5)


@pytest.mark.parametrize(
    ("selection", "fields", "unknown"),
    [
        (FieldSelection(), ALL, []),
        (FieldSelection(include=("Name",)), ["Id", "IsDeleted", "Name", "CreatedDate", "LastModifiedDate", "SystemModstamp"], []),
        (FieldSelection(include=("name", "Nope__c")), ["Id", "IsDeleted", "Name", "CreatedDate", "LastModifiedDate", "SystemModstamp"], ["Nope__c"]),
        (FieldSelection(exclude=("Industry", "Id")), [f for f in ALL if f != "Industry"], []),
        (FieldSelection(exclude=("Industry",), extra=("Industry",)), ALL, []),
        (FieldSelection(include=("BillingAddress",)), ["Id", "IsDeleted", "CreatedDate", "LastModifiedDate", "SystemModstamp"], ["BillingAddress"]),
    ],
)  # fmt: skip
def test_field_selection(selection: FieldSelection, fields: list[str], unknown: list[str]) -> None:
    assert selection.choose(DESCRIBE) == (fields, unknown)


@pytest.mark.parametrize(
    ("value", "literal"),
    [
        (datetime(2024, 5, 1, 9, 30, 15, 999000, tzinfo=UTC), "2024-05-01T09:30:15Z"),
        (datetime(2024, 5, 1, 11, 30, tzinfo=UTC).astimezone(__import__("zoneinfo").ZoneInfo("Europe/Paris")), "2024-05-01T11:30:00Z"),
        (datetime(2024, 5, 1, 9, 30), "2024-05-01T09:30:00Z"),
    ],
)  # fmt: skip
def test_soql_datetime_literals_are_utc_seconds(value: datetime, literal: str) -> None:
    assert queries.soql_datetime(value) == literal


@pytest.mark.parametrize(
    ("conditions", "soql"),
    [
        ([], "SELECT Id, Name FROM Account"),
        ([None, ""], "SELECT Id, Name FROM Account"),
        (["Name = 'a'"], "SELECT Id, Name FROM Account WHERE Name = 'a'"),
        (["A = 1 OR B = 2", "SystemModstamp >= 2024-01-01T00:00:00Z"],
         "SELECT Id, Name FROM Account WHERE (A = 1 OR B = 2) AND (SystemModstamp >= 2024-01-01T00:00:00Z)"),
    ],
)  # fmt: skip
def test_select(conditions: list[str | None], soql: str) -> None:
    assert queries.select("Account", ["Id", "Name"], conditions) == soql


def test_select_lists_are_split_to_fit_the_url_and_each_group_carries_the_id() -> None:
    fields = ["Id", *(f"Custom_Field_Number_{i}__c" for i in range(400))]
    prefix = "https://acme.my.salesforce.com/services/data/v62.0/queryAll"
    groups = queries.split_fields(
        "Account", fields, ["Name = 'x'"], prefix=prefix, max_url_length=2000
    )
    assert len(groups) > 1
    assert all(g[0] == "Id" for g in groups)
    assert [f for g in groups for f in g[1:]] == fields[1:]
    assert all(
        queries.url_length(queries.select("Account", g, ["Name = 'x'"]), prefix) <= 2000
        for g in groups
    )
    assert queries.split_fields("Account", fields[:3], [], prefix=prefix) == [fields[:3]]
