"""A new admin's journey through the wizard, in Chromium, against the sandbox org.

Sign in, connect the org through its OAuth pages, switch to typed filters, see an invalid filter
rejected with its row and column, fix it, preview, save (``Database (v1)``), map CSM__c to CSM,
set ARR to a sum over closed-won opportunities and preview it, run a sync job until it has
Completed, find the accounts with their types, owners and ARR on the Data page, roll back to v1.

The app runs as ``streamlit run`` in its own process; the browser is Debian's Chromium
(``/usr/bin/chromium``). Every step leaves a screenshot in ``tests/ui/artifacts/journey/``.
Waits are on the app's own "script finished" marker and on text, never on fixed sleeps.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_harness import (
    ARTIFACTS_ROOT,
    CHROMIUM,
    Journey,
    Wizard,
    chromium_page,
    serve_wizard,
)

ARTIFACTS = ARTIFACTS_ROOT / "journey"
PASSWORD = "journey-password"
JOB_TIMEOUT_MS = 300_000

BROKEN = "Type IN ('Customer', 'Customer - Direct') AND AnualRevenue > 0"
FIXED = "Type IN ('Customer', 'Customer - Direct', 'Customer - Channel')"
PROSPECTS = "Type = 'Prospect'"
CLOSED_WON = "IsClosed = true AND IsWon = true"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's Chromium at /usr/bin/chromium"
    ),
]


@pytest.fixture(scope="module")
def wizard(tmp_path_factory: pytest.TempPathFactory, sandbox_org: Any) -> Iterator[Wizard]:
    """``streamlit run streamlit_app/app.py`` for a brand-new admin: nothing configured."""
    root = tmp_path_factory.mktemp("journey")
    env = {
        "SFSYNC_HOME": str(root / "home"),
        "DLT_PROJECT_DIR": str(root / "project"),
        "SFSYNC_DEFAULT_CONFIG": str(root / "no-default.yaml"),
        "SFSYNC_ADMIN_PASSWORD": PASSWORD,
    }
    with serve_wizard(root, env, ARTIFACTS) as served:
        yield served


@pytest.fixture
def page(wizard: Wizard, request: pytest.FixtureRequest) -> Iterator[Any]:
    with chromium_page(ARTIFACTS, request) as tab:
        yield tab


def test_a_new_admin_configures_syncs_and_rolls_back(
    page: Any, wizard: Wizard, sandbox_org: Any
) -> None:
    from playwright.sync_api import expect

    j = Journey(page, ARTIFACTS)

    # Sign in.
    page.goto(wizard.url)
    j.settle()
    page.get_by_label("Admin password").fill(PASSWORD)
    j.shot("sign-in")
    j.click("Sign in")
    j.see("Salesforce settings")
    j.badge("Not Configured")

    # Connect the org through its OAuth pages.
    j.navigate("Connection")
    j.see("Not connected")
    j.type_into("Login URL", sandbox_org.base_url)
    j.click("Connect")
    page.locator("#sfsync-authorize").click()
    page.wait_for_url(re.compile(r".*/services/oauth2/authorize\?.*"))
    expect(page.get_by_role("heading", name="Allow access?")).to_be_visible()
    page.fill("#username", "admin@sandbox.local")
    page.fill("#password", "sandbox")
    j.shot("org-approval-page")
    page.get_by_role("button", name="Allow").click()
    page.wait_for_url(re.compile(r".*/connection.*"))
    j.settle()
    j.see("Connected to sfsync Demo Org.")
    j.see("admin@sandbox.local", within=page.get_by_test_id("stTable"))
    j.shot("connected")

    # Typed account filters: an invalid one is rejected with its row and column.
    j.navigate("Settings")
    filtering = j.section("1. Account Filtering")
    filtering.get_by_text("Typed filters: Customer, Prospect and Partner, first match wins").click()
    j.settle()
    j.type_into("Customer filter (SOQL WHERE on Account)", BROKEN, filtering)
    j.click("Save Configuration", filtering)
    filtering = j.section("1. Account Filtering")
    j.see(
        "INVALID_FIELD at Row 1, Column 47: No such column 'AnualRevenue' on entity 'Account'.",
        filtering,
    )
    j.see(re.compile(r"^Not saved: 1 problem\."), filtering)
    j.badge("Not Configured")
    j.shot("invalid-filter-rejected", filtering.get_by_text("INVALID_FIELD at Row 1"))

    # Fix it, preview, save.
    j.type_into("Customer filter (SOQL WHERE on Account)", FIXED, filtering)
    j.type_into("Prospect filter (SOQL WHERE on Account)", PROSPECTS, filtering)
    expect(filtering.get_by_text("INVALID_FIELD", exact=False)).to_have_count(0)
    j.click("Preview filter", filtering)
    expect(filtering.get_by_test_id("stMetric").filter(has_text="Customer")).to_be_visible()
    expect(filtering.get_by_test_id("stMetric").filter(has_text="Prospect")).to_be_visible()
    j.see("Filter preview from the connected org (live)", filtering)
    j.shot("filter-preview", filtering.get_by_test_id("stMetric"))
    j.type_into("Comment (optional)", "typed filters", filtering)
    j.click("Save Configuration", filtering)
    j.badge("Database (v1)")
    j.see("Saved as version 1.")
    j.shot("saved-v1", page.get_by_text("Configuration source:"))

    # Map CSM__c to the CSM owner type.
    owners = j.section("2. Owner Mapping")
    j.click("Add mapping", owners)
    j.choose("Salesforce field", "CSM__c", owners, nth=1)
    j.choose("Owner type", "CSM", owners, nth=1)
    j.click("Save Configuration", owners)
    j.badge("Database (v2)")
    j.shot("csm-mapped", owners.get_by_role("combobox", name="Owner type", exact=True).nth(1))

    # ARR: the sum of Amount over closed-won opportunities, previewed, then saved.
    revenue = j.section("3. ARR & Renewal")
    arr_column = revenue.get_by_test_id("stColumn").first
    arr_column.get_by_text("Custom field aggregation").click()
    j.settle()
    j.choose("Object", "Opportunity", arr_column)
    j.choose("Field (a number)", "Amount", arr_column)
    j.choose("Aggregation", "sum", arr_column)
    j.type_into("Filter (SOQL WHERE on Opportunity, optional)", CLOSED_WON, arr_column)
    j.click("Preview aggregation", arr_column)
    j.see(
        "ARR = sum of Opportunity.Amount where IsClosed = true AND IsWon = true "
        "(by Opportunity.AccountId), from the connected org (live)",
        arr_column,
    )
    j.see("The records behind these values", arr_column)
    j.shot("arr-preview", arr_column.get_by_text("The records behind these values"))
    j.click("Save Configuration", revenue)
    j.badge("Database (v3)")
    j.shot("arr-saved", page.get_by_text("Configuration source:"))

    # Run a sync job; the page stays usable and the card follows it to Completed.
    j.click("Run Sync Job")
    j.see("Sync job #1 started")
    j.shot("sync-running", page.get_by_role("heading", name="Sync Job"))
    expect(page.get_by_text(re.compile(r"Bootstrap job #1 \(manual\): Completed"))).to_be_visible(
        timeout=JOB_TIMEOUT_MS
    )
    j.settle()
    j.shot("sync-completed", page.get_by_role("heading", name="Sync Job"))

    # The Data page: accounts with their types, owners and ARR (the job's dbt build made them).
    j.navigate("Data")
    for account_type in ("Customer", "Prospect"):
        expect(page.get_by_test_id("stMetric").filter(has_text=account_type)).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("button", name="Download CSV").click()
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text())))
    assert rows and {r["Type"] for r in rows} <= {"Customer", "Prospect"}
    assert any("CSM: " in r["Owners"] for r in rows)
    assert all("Account Owner: " in r["Owners"] for r in rows)
    assert any(r["ARR"] for r in rows) and {r["ARR source"] for r in rows} == {
        "sum(Opportunity.Amount)"
    }
    j.shot("data-page")

    # Roll back to version 1, after confirming.
    j.navigate("Settings")
    history = j.section("Configuration history")
    j.choose("Version", "v1", history)
    j.click("Activate…", history)
    j.see("Activate version 1?", history)
    j.shot("rollback-confirmation", history.get_by_text("Activate version 1?"))
    j.click("Yes, activate v1", history)
    j.badge("Database (v1)")
    j.see("Version 1 is active again.")
    j.shot("rolled-back", page.get_by_text("Configuration source:"))
    expect(page.get_by_test_id("stException")).to_have_count(0)
