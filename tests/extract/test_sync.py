"""Sync the sandbox org into DuckDB and check the warehouse against the org itself."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from extract_fixtures import BULK_THRESHOLD, CUSTOM_OBJECTS, OBJECTS
from warehouse_checks import (
    column_types,
    differences,
    duplicates,
    warehouse_arrow,
    warehouse_scalar,
)

from pipelines.salesforce import FieldSelection, Selection, run_extract, sfsync_pipeline

pytestmark = pytest.mark.timeout(300)


def test_bootstrap_lands_every_object_with_the_orgs_rows_types_and_values(
    org: Any, home: Path, sync: Any
) -> None:
    result = sync()

    for name in (*OBJECTS, *CUSTOM_OBJECTS):
        assert differences(org, home, name) == []
        assert result.rows_per_object[name] == len(org.live_ids(name)), name
    assert result.api_calls > 0
    # Large objects went through Bulk API 2.0, small ones through REST.
    assert result.modes["CaseComment"].endswith("bulk")
    assert result.modes["User"].endswith("rest")
    assert all(mode.startswith("full (first sync)") for mode in result.modes.values())

    account = column_types(home, "account")
    assert account["id"] == "VARCHAR"
    assert account["annual_revenue"] == "DECIMAL(18,0)"
    assert account["arr_c"] == "DECIMAL(18,2)"
    assert account["health_score_c"] == "DOUBLE"
    assert account["number_of_employees"] == "BIGINT"
    assert account["risk_flag_c"] == "BOOLEAN"
    assert account["contract_end_date_c"] == "DATE"
    assert account["system_modstamp"] == "TIMESTAMP WITH TIME ZONE"
    assert account["csm_c"] == "VARCHAR"  # a lookup: the 18-character id
    assert account["billing_city"] == "VARCHAR"
    # Compound fields are not columns; their components are.
    assert "billing_address" not in account and "billing_latitude" in account
    assert column_types(home, "opportunity")["probability"] == "DECIMAL(3,0)"


def test_columns_exist_and_are_typed_even_when_every_value_is_null(
    org: Any, home: Path, sync: Any
) -> None:
    sync(objects=["Account"])
    types = column_types(home, "account")
    empty = [
        column
        for column in types
        if not column.startswith("_dlt")
        and warehouse_scalar(home, f'SELECT count("{column}") FROM salesforce.account') == 0
    ]
    assert empty, "expected some fields the demo org never fills"
    assert "last_activity_date" in empty
    assert types["last_activity_date"] == "DATE"


def test_periodic_sync_reflects_updates_soft_deletes_and_hard_deletes(
    org: Any, home: Path, sync: Any
) -> None:
    sync()
    store = org.store
    accounts = sorted(org.live_ids("Account"))
    # Contacts of another account than the one deleted below (its contacts go with it).
    contacts = [
        r["id"]
        for r in org.arrow(
            "SELECT id FROM contact WHERE NOT is_deleted AND account_id <> ? ORDER BY id",
            [accounts[1]],
        ).to_pylist()
    ]
    store.update("Account", accounts[0], {"Name": "Renamed Account", "AnnualRevenue": 123456})
    store.update("Contact", contacts[0], {"Title": "Chief Testing Officer"})
    store.delete("Account", accounts[1])  # soft delete: queryAll shows it with IsDeleted
    store.delete("Contact", contacts[1])
    store.purge("Contact", [contacts[1]])  # hard delete: only getDeleted knows
    [new_id] = store.insert("Opportunity", [{
        "Name": "Brand new deal", "StageName": "Prospecting", "CloseDate": "2027-01-31",
        "AccountId": accounts[0], "Amount": 999.5,
    }])  # fmt: skip

    periodic = sync()

    assert all(mode.startswith("incremental") for mode in periodic.modes.values())
    for name in ("Account", "Contact", "Opportunity", "Case", "CaseComment"):
        assert differences(org, home, name) == []
    assert (
        warehouse_scalar(home, f"SELECT name FROM salesforce.account WHERE id = '{accounts[0]}'")
        == "Renamed Account"
    )
    ids_left = {
        r["id"] for r in warehouse_arrow(home, "SELECT id FROM salesforce.account").to_pylist()
    }
    assert accounts[1] not in ids_left
    contact_ids = {
        r["id"] for r in warehouse_arrow(home, "SELECT id FROM salesforce.contact").to_pylist()
    }
    assert contacts[1] not in contact_ids and contacts[0] in contact_ids
    assert (
        warehouse_scalar(home, f"SELECT amount FROM salesforce.opportunity WHERE id = '{new_id}'")
        == 999.5
    )
    assert periodic.deleted_per_object.get("Contact", 0) >= 1
    # Only what changed (plus the overlap window) was read again.
    assert periodic.rows_per_object["Account"] < len(accounts) / 2


def test_an_incremental_run_with_many_changes_reads_them_through_bulk(
    org: Any, home: Path, sync: Any
) -> None:
    sync(objects=["Contact"])
    contacts = sorted(org.live_ids("Contact"))
    changed = contacts[: BULK_THRESHOLD + 50]
    results = org.store.update_results(
        "Contact", [{"Id": cid, "Title": f"Changed {i}"} for i, cid in enumerate(changed)]
    )
    assert results == changed
    org.store.delete("Contact", contacts[-1])
    org.store.purge("Contact", [contacts[-1]])  # only getDeleted knows

    periodic = sync(objects=["Contact"])

    assert periodic.modes["Contact"] == "incremental, bulk"
    assert periodic.rows_per_object["Contact"] >= len(changed)
    assert periodic.deleted_per_object["Contact"] >= 1
    assert differences(org, home, "Contact") == []
    assert (
        warehouse_scalar(home, f"SELECT title FROM salesforce.contact WHERE id = '{changed[-1]}'")
        == f"Changed {len(changed) - 1}"
    )


def test_repeated_runs_leave_no_duplicates(org: Any, home: Path, sync: Any) -> None:
    sync()
    account = sorted(org.live_ids("Account"))[0]
    for i in range(3):
        org.store.update("Account", account, {"Description": f"edit {i}"})
        sync()
    for name in (*OBJECTS, *CUSTOM_OBJECTS):
        assert duplicates(home, name) == 0, name
        assert differences(org, home, name) == []


def test_rows_at_or_just_before_the_cursor_are_not_missed(org: Any, home: Path, sync: Any) -> None:
    """A record committed late carries a SystemModstamp at (or a little before) the newest one
    the previous sync saw; ``>=`` and the overlap window still bring it in."""
    sync(objects=["Account"])
    table = org.store.table("Account")
    newest = org.scalar(f"SELECT max(system_modstamp) FROM {table}")  # the saved cursor
    ids = sorted(org.live_ids("Account"))
    with org.store.cursor() as cur:
        cur.execute(
            f"UPDATE {table} SET name = 'Late at the cursor', system_modstamp = ? WHERE id = ?",
            [newest, ids[2]],
        )
        cur.execute(
            f"UPDATE {table} SET name = 'Late before the cursor', system_modstamp = ? WHERE id = ?",
            [newest - timedelta(minutes=4), ids[3]],
        )

    sync(objects=["Account"])

    rows = warehouse_arrow(home, "SELECT id, name FROM salesforce.account").to_pylist()
    names = {r["id"]: r["name"] for r in rows}
    assert names[ids[2]] == "Late at the cursor"
    assert names[ids[3]] == "Late before the cursor"


def test_mark_mode_keeps_deleted_rows_flagged(org: Any, home: Path, sync: Any) -> None:
    sync(delete_mode="mark", objects=["Account", "Contact"])
    contacts = sorted(org.live_ids("Contact"))
    org.store.delete("Contact", contacts[0])
    org.store.delete("Contact", contacts[1])
    org.store.purge("Contact", [contacts[1]])

    result = sync(delete_mode="mark", objects=["Account", "Contact"])

    flags = {
        r["id"]: r["is_deleted"]
        for r in warehouse_arrow(home, "SELECT id, is_deleted FROM salesforce.contact").to_pylist()
    }
    assert flags[contacts[0]] is True  # soft-deleted: queryAll said so
    assert flags[contacts[1]] is True  # purged: getDeleted said so
    assert flags[contacts[2]] is False
    listed = warehouse_arrow(
        home, "SELECT object_name, id FROM salesforce.deleted_records"
    ).to_pylist()
    assert {"object_name": "Contact", "id": contacts[1]} in listed
    assert any("marked" in m for m in result.messages)


def test_full_refresh_replaces_tables_and_drops_rows_gone_from_the_org(
    org: Any, home: Path, sync: Any
) -> None:
    sync(objects=["Contact"])
    contact = sorted(org.live_ids("Contact"))[0]
    org.store.delete("Contact", contact)
    org.store.purge("Contact", [contact])

    result = sync(objects=["Contact"], full_refresh=True)

    assert result.modes["Contact"].startswith("full (full refresh requested)")
    assert differences(org, home, "Contact") == []


def test_progress_reports_each_object_up_to_its_total(org: Any, home: Path, sync: Any) -> None:
    seen: dict[str, list[tuple[int, int | None]]] = {}

    def progress(name: str, rows: int, total: int | None) -> None:
        seen.setdefault(name, []).append((rows, total))

    sync(progress=progress, objects=["Account", "CaseComment"])

    for name in ("Account", "CaseComment"):
        steps = seen[name]
        assert steps[0][0] == 0
        rows, total = steps[-1]
        assert total is not None and rows == total
        assert [r for r, _ in steps] == sorted(r for r, _ in steps)


def test_a_changed_field_selection_reloads_the_object_in_full(
    org: Any, home: Path, sync: Any
) -> None:
    """Pulling other fields (an admin's allowlist, a field new in the org's describe) changes
    the query: new columns need values for old rows, so the object is reloaded in full."""
    assert sync(objects=["Account"]).modes["Account"].startswith("full (first sync)")
    assert sync(objects=["Account"]).modes["Account"].startswith("incremental")

    selection = Selection(
        objects=("Account",), fields={"Account": FieldSelection(include=("Name",))}
    )
    result = run_extract(home, credentials=org.credentials(), selection=selection)

    assert result.modes["Account"].startswith("full (fields or filter changed")
    assert "industry" not in column_types(home, "account") or (
        warehouse_scalar(home, "SELECT count(industry) FROM salesforce.account") == 0
    )
    live = "SELECT id, name FROM {} WHERE NOT is_deleted ORDER BY id"
    expected = org.arrow(live.format(org.store.table("Account"))).to_pylist()
    assert warehouse_arrow(
        home, "SELECT id, name FROM salesforce.account ORDER BY id"
    ).to_pylist() == (expected)


def test_a_run_with_nothing_new_keeps_the_cursor_and_rereads_only_the_overlap(
    org: Any, home: Path, sync: Any
) -> None:
    sync(objects=["Contract"])
    before = sfsync_pipeline(home).state["sources"]["salesforce"]["resources"]["Contract"]
    again = sync(objects=["Contract"])
    after = sfsync_pipeline(home).state["sources"]["salesforce"]["resources"]["Contract"]

    assert again.modes["Contract"].startswith("incremental")
    assert after["cursor"] == before["cursor"]
    assert again.rows_per_object["Contract"] < len(org.live_ids("Contract")) / 10
    # describe, the overlap rows (their first page says how many: no COUNT() call), getDeleted
    assert again.api_calls <= 3
    assert differences(org, home, "Contract") == []


def test_a_full_reload_of_an_object_the_org_emptied_empties_the_table(
    org: Any, home: Path, sync: Any
) -> None:
    sync(objects=["Onboarding_Task__c"])
    tasks = sorted(org.live_ids("Onboarding_Task__c"))
    for task in tasks:
        org.store.delete("Onboarding_Task__c", task)
    org.store.purge("Onboarding_Task__c")

    result = sync(objects=["Onboarding_Task__c"], full_refresh=True)

    assert result.rows_per_object["Onboarding_Task__c"] == 0
    assert warehouse_scalar(home, "SELECT count(*) FROM salesforce.onboarding_task_c") == 0
