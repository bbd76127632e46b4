"""REST and Bulk API 2.0 against the sandbox org: the same rows either way, and the fallback."""

from __future__ import annotations

import pyarrow as pa
import pytest
from extract_fixtures import Org

from pipelines.salesforce import SalesforceClient, Selection, queries
from pipelines.salesforce.describe import Column, ObjectSchema, describe_objects, object_schema
from pipelines.salesforce.plan import SyncOptions
from pipelines.salesforce.report import SyncReport
from pipelines.salesforce.resources import ObjectRows
from pipelines.salesforce.transport import BulkUnsupported, bulk_tables, rest_tables

pytestmark = pytest.mark.timeout(120)


def schema_of(client: SalesforceClient, name: str) -> ObjectSchema:
    describe = describe_objects(client, [name])[name]
    fields, _ = Selection().fields_for(name).choose(describe)
    return object_schema(describe, fields)


@pytest.mark.parametrize("name", ["Account", "CaseComment", "EmailMessage", "Account_Health__c"])
def test_rest_and_bulk_give_identical_tables(org: Org, name: str) -> None:
    client = SalesforceClient(org.credentials())
    schema = schema_of(client, name)
    soql = queries.select(schema.object, schema.fields)
    by_bulk = pa.concat_tables(bulk_tables(client, schema, soql, page_size=97)).sort_by("id")
    by_rest = pa.concat_tables(rest_tables(client, schema, [], page_size=200)).sort_by("id")
    assert by_bulk.num_rows == org.scalar(f"SELECT count(*) FROM {org.store.table(name)}") > 100
    assert by_bulk.equals(by_rest)


def test_bulk_pages_follow_the_locator_and_jobs_are_cleaned_up(org: Org) -> None:
    client = SalesforceClient(org.credentials())
    schema = schema_of(client, "Contact")
    pages = list(
        bulk_tables(client, schema, queries.select("Contact", schema.fields), page_size=50)
    )
    assert len(pages) > 3 and all(p.num_rows <= 50 for p in pages)
    jobs = client.json("GET", client.data_path("/jobs/query"))
    assert jobs["records"] == []


def test_an_object_bulk_refuses_is_read_through_rest(org: Org) -> None:
    client = SalesforceClient(org.credentials())
    base = schema_of(client, "Account")
    # Compound fields are refused by Bulk API 2.0, as on a real org.
    address = Column(
        "BillingAddress",
        "billing_address",
        "address",
        pa.string(),
        {"name": "billing_address", "data_type": "text"},
    )
    schema = ObjectSchema(
        base.object, base.table, (*base.columns, address), base.cursor_field, base.soft_deletes
    )
    with pytest.raises(BulkUnsupported, match="Compound fields"):
        next(bulk_tables(client, schema, queries.select("Account", schema.fields)))

    report = SyncReport()
    report.planned("Account", "full", "test")
    report.started("Account", "bulk", None)
    rows = ObjectRows(client, schema, None, SyncOptions(), report)
    table = pa.concat_tables(rows._tables("bulk", []))
    assert table.num_rows == org.scalar("SELECT count(*) FROM account")
    assert any("reading Account through REST instead" in m for m in report.messages)
    assert report.objects["Account"].transport == "rest"
    assert len(table.column("billing_address").drop_null()) > 0  # the address, as JSON text
