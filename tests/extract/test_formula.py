"""Formula fields change without touching SystemModstamp: they are reloaded in full on a schedule."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from extract_fixtures import Org
from warehouse_checks import warehouse_arrow

from pipelines.salesforce import run_extract
from pipelines.sandbox.schema import org_catalog
from pipelines.sandbox.server import serve_in_thread
from pipelines.sandbox.store import OrgSettings, OrgStore

pytestmark = pytest.mark.timeout(120)

INVOICES = {
    "Invoice__c": {
        "label": "Invoice",
        "fields": {
            "Amount__c": {"type": "currency", "precision": 16, "scale": 2},
            "Tax__c": {
                "type": "currency",
                "precision": 16,
                "scale": 2,
                "calculated": True,
                "formula": "Amount__c * 0.2",
            },
        },
    }
}


@pytest.fixture
def invoices(tmp_path: Path) -> Iterator[Org]:
    store = OrgStore.create(tmp_path / "org", org_catalog(INVOICES), OrgSettings.new("invoices"))
    past = datetime.now(UTC) - timedelta(days=3)
    store.load_records(
        "Invoice__c",
        [{"Name": f"INV-{i}", "Amount__c": 100 * i, "Tax__c": 20 * i} for i in range(1, 6)],
        now=past,
    )
    # A newer invoice moves the cursor past the others (out of the overlap window).
    store.load_records(
        "Invoice__c",
        [{"Name": "INV-6", "Amount__c": 600, "Tax__c": 120}],
        now=past + timedelta(days=1),
    )
    server = serve_in_thread(store)
    try:
        yield Org(server.base_url, store, server, tmp_path / "org")
    finally:
        server.stop()
        store.close()


def taxes(home: Path) -> dict[str, float]:
    rows = warehouse_arrow(home, "SELECT name, tax_c FROM salesforce.invoice_c").to_pylist()
    return {r["name"]: float(r["tax_c"]) for r in rows}


def test_formula_values_are_refreshed_by_the_periodic_full_reload(
    invoices: Org, home: Path
) -> None:
    credentials = invoices.credentials()
    run_extract(home, credentials=credentials, objects=["Invoice__c"])
    assert taxes(home)["INV-1"] == 20.0
    hint = (
        warehouse_arrow(
            home, "SELECT is_formula FROM salesforce.describe_catalog WHERE field_name = 'Tax__c'"
        )
        .column(0)[0]
        .as_py()
    )
    assert hint is True

    # The admin changes the formula to 25 %: every value moves, no SystemModstamp does.
    with invoices.store.cursor() as cur:
        cur.execute("UPDATE invoice_c SET tax_c = amount_c * 0.25")

    within_interval = run_extract(home, credentials=credentials, objects=["Invoice__c"])
    assert within_interval.modes["Invoice__c"].startswith("incremental")
    assert taxes(home)["INV-1"] == 20.0  # not visible to an incremental sync

    # The org's clock (its Date header) counts whole seconds: let one pass since the first
    # sync, else three fast syncs can all read the same instant and no interval has passed.
    time.sleep(1.1)
    due = run_extract(
        home, credentials=credentials, objects=["Invoice__c"], formula_refresh_hours=1e-9
    )
    assert due.modes["Invoice__c"].startswith("full (formula refresh due")
    assert taxes(home) == {f"INV-{i}": 25.0 * i for i in range(1, 7)}
