"""Unmodified simple_salesforce against the sandbox org, answers checked against the org's data."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceMalformedRequest, SalesforceResourceNotFound

from pipelines.sandbox.client import SandboxSession, access_token
from pipelines.sandbox.server import serve_in_thread
from pipelines.sandbox.tls import ensure_certificate

REST_DATETIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$")
CSV_DATETIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
# The keys of a real describe field object (a v48 Account.OwnerId recording).
FIELD_KEYS = {
    "aggregatable", "aiPredictionField", "autoNumber", "byteLength", "calculated",
    "calculatedFormula", "cascadeDelete", "caseSensitive", "compoundFieldName",
    "controllerName", "createable", "custom", "defaultValue", "defaultValueFormula",
    "defaultedOnCreate", "dependentPicklist", "deprecatedAndHidden", "digits",
    "displayLocationInDecimal", "encrypted", "externalId", "extraTypeInfo", "filterable",
    "filteredLookupInfo", "formulaTreatNullNumberAsZero", "groupable", "highScaleNumber",
    "htmlFormatted", "idLookup", "inlineHelpText", "label", "length", "mask", "maskType",
    "name", "nameField", "namePointing", "nillable", "permissionable", "picklistValues",
    "polymorphicForeignKey", "precision", "queryByDistance", "referenceTargetField",
    "referenceTo", "relationshipName", "relationshipOrder", "restrictedDelete",
    "restrictedPicklist", "scale", "searchPrefilterable", "soapType", "sortable", "type",
    "unique", "updateable", "writeRequiresMasterRead",
}  # fmt: skip


def live_accounts(org: Any) -> dict[str, str]:
    return dict(org.rows("SELECT id, name FROM account WHERE NOT is_deleted"))


def test_soap_login_then_query_all_returns_every_live_account(org: Any) -> None:
    sf = org.salesforce()
    result = sf.query_all("SELECT Id, Name, CreatedDate FROM Account")
    assert result["done"] is True
    assert {r["Id"]: r["Name"] for r in result["records"]} == live_accounts(org)
    assert result["totalSize"] == len(result["records"])
    first = result["records"][0]
    assert list(first) == ["attributes", "Id", "Name", "CreatedDate"]
    assert first["attributes"] == {
        "type": "Account",
        "url": f"/services/data/v{sf.sf_version}/sobjects/Account/{first['Id']}",
    }
    assert REST_DATETIME.match(first["CreatedDate"])


def test_oauth_password_login(org: Any) -> None:
    sf = Salesforce(
        username="admin@sandbox.local",
        password="sandbox",
        consumer_key="sandbox",
        consumer_secret="sandbox",
        session=SandboxSession(org.base_url),
    )
    count = sf.query("SELECT COUNT() FROM Account")
    assert count == {"totalSize": len(live_accounts(org)), "done": True, "records": []}


def test_instance_url_and_session_id(org: Any) -> None:
    sf = Salesforce(
        instance_url=org.base_url, session_id=org.token(), session=SandboxSession(org.base_url)
    )
    assert sf.query("SELECT Id FROM Account LIMIT 3")["totalSize"] == 3


def test_query_more_follows_next_records_url_in_batches(org: Any) -> None:
    sf = org.salesforce()
    expected = org.scalar("SELECT count(*) FROM contact WHERE NOT is_deleted")
    assert expected > 400, "the demo org should have enough contacts for three pages"
    headers = {"Sforce-Query-Options": "batchSize=200"}
    page = sf.query("SELECT Id, Name FROM Contact", headers=headers)
    ids = [r["Id"] for r in page["records"]]
    assert len(ids) == 200 and page["totalSize"] == expected
    assert re.match(r"^/services/data/v[\d.]+/query/01g\w{15}-200$", page["nextRecordsUrl"])
    # by URL, as query_all does
    page = sf.query_more(page["nextRecordsUrl"], identifier_is_url=True, headers=headers)
    ids += [r["Id"] for r in page["records"]]
    # by the bare locator, and by the doubled path the dlt source produces
    locator = page["nextRecordsUrl"].rsplit("/", 1)[1]
    page = sf.query_more(locator, headers=headers)
    ids += [r["Id"] for r in page["records"]]
    while not page["done"]:
        page = sf.query_more(page["nextRecordsUrl"], headers=headers)
        ids += [r["Id"] for r in page["records"]]
    assert "nextRecordsUrl" not in page
    assert len(ids) == len(set(ids)) == expected


def test_parent_relationships_nest_and_empty_lookups_are_null(org: Any) -> None:
    sf = org.salesforce()
    rows = sf.query_all(
        "SELECT Id, Account.Name, Account.Owner.Name, ReportsTo.Name FROM Contact ORDER BY Id"
    )["records"]
    names = dict(org.rows("SELECT id, name FROM account"))
    owners = dict(org.rows('SELECT a.id, u.name FROM account a JOIN "user" u ON u.id = a.owner_id'))
    contact_accounts = dict(org.rows("SELECT id, account_id FROM contact WHERE NOT is_deleted"))
    for row in rows:
        account_id = contact_accounts[row["Id"]]
        if account_id is None:
            assert row["Account"] is None
            continue
        account = row["Account"]
        assert account["attributes"]["type"] == "Account"
        assert account["attributes"]["url"].endswith(f"/sobjects/Account/{account_id}")
        assert account["Name"] == names[account_id]
        assert account["Owner"]["attributes"]["type"] == "User"
        assert account["Owner"]["Name"] == owners[account_id]
    assert any(r["ReportsTo"] is None for r in rows)


def test_child_subquery_records_or_null(org: Any) -> None:
    sf = org.salesforce()
    rows = sf.query_all(
        "SELECT Id, (SELECT Id, LastName FROM Contacts ORDER BY LastName) FROM Account"
    )["records"]
    counts = dict(
        org.rows(
            "SELECT account_id, count(*) FROM contact WHERE NOT is_deleted AND account_id IS NOT NULL "
            "GROUP BY 1"
        )
    )
    assert rows
    for row in rows:
        contacts = row["Contacts"]
        if row["Id"] not in counts:
            assert contacts is None
            continue
        assert contacts["done"] is True
        assert contacts["totalSize"] == counts[row["Id"]] == len(contacts["records"])
        assert contacts["records"][0]["attributes"]["type"] == "Contact"
        last_names = [c["LastName"].lower() for c in contacts["records"]]
        assert last_names == sorted(last_names)


def test_describe_global_and_object(org: Any) -> None:
    sf = org.salesforce()
    names = {o["name"] for o in sf.describe()["sobjects"]}
    assert {
        "Account",
        "Contact",
        "Case",
        "CaseComment",
        "EmailMessage",
        "Account_Health__c",
    } <= names
    account = sf.Account.describe()
    fields = {f["name"]: f for f in account["fields"]}
    assert fields["BillingCity"]["compoundFieldName"] == "BillingAddress"
    assert fields["BillingAddress"]["type"] == "address"
    assert fields["CSM__c"]["referenceTo"] == ["User"]
    assert fields["CSM__c"]["relationshipName"] == "CSM__r"
    assert fields["CSM__c"]["custom"] is True
    assert fields["Name"]["nameField"] is True
    assert fields["External_Id__c"]["externalId"] is True
    assert fields["Id"]["type"] == "id" and fields["Id"]["nillable"] is False
    assert all(set(f) == FIELD_KEYS for f in account["fields"])
    children = {c["relationshipName"]: c for c in account["childRelationships"]}
    assert children["Contacts"]["childSObject"] == "Contact"
    assert children["Contacts"]["field"] == "AccountId"
    assert sf.Account.metadata()["objectDescribe"]["keyPrefix"] == "001"
    with pytest.raises(SalesforceResourceNotFound):
        sf.NoSuchObject__c.describe()


def test_create_read_update_upsert_delete(org: Any) -> None:
    sf = org.salesforce()
    created = sf.Account.create({"Name": "Simple Co", "External_Id__c": "SIMPLE-1"})
    assert created["success"] is True and created["errors"] == []
    record_id = created["id"]
    assert org.scalar("SELECT name FROM account WHERE id = ?", [record_id]) == "Simple Co"

    assert (
        sf.Account.update(record_id, {"Name": "Simple Co (renamed)", "AnnualRevenue": 12.5}) == 204
    )
    fetched = sf.Account.get(record_id)
    assert fetched["Name"] == "Simple Co (renamed)" and fetched["AnnualRevenue"] == 12.5
    assert REST_DATETIME.match(fetched["LastModifiedDate"])
    assert sf.Account.get_by_custom_id("External_Id__c", "SIMPLE-1")["Id"] == record_id

    assert sf.Account.upsert("External_Id__c/SIMPLE-1", {"Industry": "Energy"}) in (200, 204)
    assert org.scalar("SELECT industry FROM account WHERE id = ?", [record_id]) == "Energy"
    assert sf.Account.upsert("External_Id__c/SIMPLE-2", {"Name": "Upserted Co"}) == 201
    assert org.scalar("SELECT count(*) FROM account WHERE external_id_c = 'SIMPLE-2'") == 1

    assert sf.Account.delete(record_id) == 204
    assert org.scalar("SELECT is_deleted FROM account WHERE id = ?", [record_id]) is True
    with pytest.raises(SalesforceResourceNotFound):
        sf.Account.get(record_id)
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.Contact.create({"FirstName": "No last name"})
    assert info.value.content[0]["errorCode"] == "REQUIRED_FIELD_MISSING"
    assert info.value.content[0]["fields"] == ["LastName"]


def test_query_all_includes_deleted_rows(org: Any) -> None:
    sf = org.salesforce()
    deleted = org.scalar("SELECT count(*) FROM account WHERE is_deleted")
    assert deleted > 0, "the demo org soft-deletes some accounts"
    everything = sf.query_all("SELECT Id, IsDeleted FROM Account", include_deleted=True)["records"]
    assert sum(r["IsDeleted"] for r in everything) == deleted
    assert len(everything) == org.scalar("SELECT count(*) FROM account")


def test_bulk2_query_pages_match_the_org(org: Any) -> None:
    sf = org.salesforce()
    pages = list(
        sf.bulk2.Account.query(
            "SELECT Id, Name, CreatedDate, IsDeleted, Owner.Name FROM Account",
            max_records=15,
            wait=0,
        )
    )
    assert len(pages) > 1
    rows = [row for page in pages for row in csv.DictReader(io.StringIO(page))]
    assert list(rows[0]) == ["Id", "Name", "CreatedDate", "IsDeleted", "Owner.Name"]
    assert {r["Id"]: r["Name"] for r in rows} == live_accounts(org)
    assert all(CSV_DATETIME.match(r["CreatedDate"]) for r in rows)
    assert {r["IsDeleted"] for r in rows} == {"false"}
    assert pages[0].startswith('"Id","Name","CreatedDate","IsDeleted","Owner.Name"\n"001')


def test_bulk2_query_all_includes_deleted_rows(org: Any) -> None:
    sf = org.salesforce()
    pages = list(sf.bulk2.Account.query_all("SELECT Id, IsDeleted FROM Account", wait=0))
    rows = [row for page in pages for row in csv.DictReader(io.StringIO(page))]
    assert len(rows) == org.scalar("SELECT count(*) FROM account")
    assert sum(r["IsDeleted"] == "true" for r in rows) == org.scalar(
        "SELECT count(*) FROM account WHERE is_deleted"
    )


def test_bulk2_insert_reports_successes_and_failures(org: Any) -> None:
    sf = org.salesforce()
    [result] = sf.bulk2.Account.insert(
        records=[{"Name": "Bulk One", "Industry": "Energy"}, {"Name": "", "Industry": "Energy"}],
        wait=0,
    )
    assert result["numberRecordsProcessed"] == 2
    assert result["numberRecordsFailed"] == 1
    failed = list(
        csv.DictReader(io.StringIO(sf.bulk2.Account.get_failed_records(result["job_id"])))
    )
    assert failed[0]["sf__Error"].startswith("REQUIRED_FIELD_MISSING:")
    succeeded = list(
        csv.DictReader(io.StringIO(sf.bulk2.Account.get_successful_records(result["job_id"])))
    )
    assert succeeded[0]["sf__Created"] == "true"
    assert (
        org.scalar("SELECT name FROM account WHERE id = ?", [succeeded[0]["sf__Id"]]) == "Bulk One"
    )


def test_get_updated_and_get_deleted(org: Any) -> None:
    sf = org.salesforce()
    start = datetime.now(UTC) - timedelta(minutes=5)
    doomed = sf.Contact.create({"LastName": "Short-lived"})["id"]
    touched = sf.Contact.create({"LastName": "Touched"})["id"]
    sf.Contact.delete(doomed)
    end = datetime.now(UTC) + timedelta(minutes=1)
    updated = sf.Contact.updated(start, end)
    assert touched in updated["ids"] and doomed not in updated["ids"]
    assert REST_DATETIME.match(updated["latestDateCovered"])
    deleted = sf.Contact.deleted(start, end)
    assert doomed in [d["id"] for d in deleted["deletedRecords"]]
    assert all(REST_DATETIME.match(d["deletedDate"]) for d in deleted["deletedRecords"])


def test_limits_and_api_usage_header(org: Any) -> None:
    sf = org.salesforce()
    limits = sf.limits()
    assert limits["DailyApiRequests"]["Max"] == 100_000
    used_before = limits["DailyApiRequests"]["Max"] - limits["DailyApiRequests"]["Remaining"]
    sf.query("SELECT Id FROM Account LIMIT 1")
    usage = sf.api_usage["api-usage"]
    assert usage.total == 100_000 and usage.used >= used_before + 1


def test_tls_with_a_trusted_self_signed_certificate(sandbox_org: Any, tmp_path: Any) -> None:
    cert, key = ensure_certificate(tmp_path)
    with serve_in_thread(sandbox_org.store, tls=(cert, key)) as server:
        assert server.base_url.startswith("https://127.0.0.1:")
        session = requests.Session()
        session.verify = str(cert)
        session.trust_env = False
        token = access_token(server.base_url, http=session)
        sf = Salesforce(instance_url=server.base_url, session_id=token, session=session)
        assert sf.query("SELECT Id FROM Account LIMIT 2")["totalSize"] == 2
        with pytest.raises(requests.exceptions.SSLError):
            requests.get(server.base_url + "/services/data/", timeout=10)
        session.close()  # an idle TLS connection would hold up the shutdown
