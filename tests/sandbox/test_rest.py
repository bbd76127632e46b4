"""REST details that clients depend on: paths, versions, error shapes, collections, Bulk CSV."""

from __future__ import annotations

import base64
import csv
import io
import re
from typing import Any

import pytest
import requests
from ingest_polling import wait_for_job

ERROR_AT = re.compile(r"ERROR at Row:\d+:Column:\d+")


def test_versions_need_no_session_and_accept_both_slashes(org: Any) -> None:
    for path in ("/services/data", "/services/data/"):
        answer = requests.get(org.url(path), timeout=30)
        assert answer.status_code == 200
        versions = answer.json()
        assert {"label": "Winter '24", "url": "/services/data/v59.0", "version": "59.0"} in versions
        assert versions[-1]["version"] == "66.0"


@pytest.mark.parametrize("version", ["v50.0", "v59.0", "v66.0", "v99.9"])
def test_any_version_and_trailing_slashes(org: Any, version: str) -> None:
    http = org.http()
    base = f"{org.base_url}/services/data/{version}"
    assert http.get(base, timeout=30).json()["sobjects"] == f"/services/data/{version}/sobjects"
    for path in ("/limits", "/limits/", "/sobjects", "/sobjects/"):
        assert http.get(base + path, timeout=30).status_code == 200
    answer = http.get(base + "/query/", params={"q": "SELECT Id FROM Account LIMIT 1"}, timeout=30)
    assert answer.json()["records"][0]["attributes"]["url"].startswith(f"/services/data/{version}/")


def test_bad_version_is_not_found(org: Any) -> None:
    answer = org.http().get(org.url("/services/data/latest-ish/limits"), timeout=30)
    assert answer.status_code == 404
    assert answer.json() == [
        {"message": "The requested resource does not exist", "errorCode": "NOT_FOUND"}
    ]


def test_every_response_carries_the_limit_header(org: Any) -> None:
    http = org.http()
    ok = http.get(org.api("/limits"), timeout=30)
    bad = http.get(org.api("/query"), params={"q": "SELECT"}, timeout=30)
    missing = http.get(org.api("/sobjects/Nope"), timeout=30)
    for answer in (ok, bad, missing):
        assert re.match(r"^api-usage=\d+/100000$", answer.headers["Sforce-Limit-Info"])


@pytest.mark.parametrize(
    ("soql", "code"),
    [
        ("SELECT Id FROM", "MALFORMED_QUERY"),
        ("SELECT Id, Nope__c FROM Account", "INVALID_FIELD"),
        ("SELECT Id FROM Nope__c", "INVALID_TYPE"),
        ("SELECT Id FROM Account WHERE Name = 5", "INVALID_FIELD"),
    ],
)
def test_soql_errors_are_400_with_a_position(org: Any, soql: str, code: str) -> None:
    answer = org.http().get(org.api("/query"), params={"q": soql}, timeout=30)
    assert answer.status_code == 400
    [error] = answer.json()
    assert error["errorCode"] == code
    assert ERROR_AT.search(error["message"])


def test_missing_query_text(org: Any) -> None:
    answer = org.http().get(org.api("/query"), timeout=30)
    assert answer.status_code == 400
    assert answer.json()[0]["errorCode"] == "MALFORMED_QUERY"


def test_unknown_locator(org: Any) -> None:
    answer = org.http().get(org.api("/query/01gSB0000000zzzAAA-2000"), timeout=30)
    assert answer.status_code == 400
    assert answer.json() == [
        {"message": "invalid query locator", "errorCode": "INVALID_QUERY_LOCATOR"}
    ]


def test_unauthenticated_calls(org: Any) -> None:
    for headers in (
        {},
        {"Authorization": "Bearer 00DSB0000000001!nope"},
        {"Authorization": "Basic abc"},
    ):
        answer = requests.get(org.api("/sobjects"), headers=headers, timeout=30)
        assert answer.status_code == 401
        assert answer.json() == [
            {"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}
        ]


def test_not_found_and_method_not_allowed(org: Any) -> None:
    http = org.http()
    assert http.get(org.api("/sobjects/Nope__c/describe"), timeout=30).status_code == 404
    account_prefix_id = "001SB0000000zzzAAA"
    gone = http.get(org.api(f"/sobjects/Account/{account_prefix_id}"), timeout=30)
    assert gone.status_code == 404 and gone.json()[0]["errorCode"] == "NOT_FOUND"
    not_an_id = http.get(org.api("/sobjects/Account/hello"), timeout=30)
    assert not_an_id.json()[0]["message"] == (
        "Provided external ID field does not exist or is not accessible: hello"
    )
    assert (
        http.get(org.url("/services/nothing/here"), timeout=30).json()[0]["errorCode"]
        == "NOT_FOUND"
    )
    wrong_verb = http.put(org.api("/sobjects"), timeout=30)
    assert wrong_verb.status_code == 405
    assert wrong_verb.json()[0]["errorCode"] == "METHOD_NOT_ALLOWED"


def test_malformed_bodies_are_json_parser_errors(org: Any) -> None:
    http = org.http()
    for body in (b"{not json", b"\xff\xfe", b"[1, 2]"):
        answer = http.post(
            org.api("/sobjects/Account"),
            data=body,
            headers={"Content-Type": "application/json"},
            timeout=30,
        )
        assert answer.status_code == 400
        assert answer.json()[0]["errorCode"] == "JSON_PARSER_ERROR"


@pytest.mark.parametrize(
    "path",
    [
        "/services/data/v59.0/query?q=%00%01%02",
        "/services/data/v59.0/query?q="
        + "SELECT Id FROM Account WHERE Name IN ("
        + "'x'," * 500
        + "'y')",
        "/services/data/v59.0/sobjects/Account/%2e%2e/%2e%2e",
        "/services/data/v59.0/composite/sobjects?ids=" + ",".join(["abc"] * 3),
        "/services/data/v59.0/jobs/query/750nope/results?locator=!!!",
        "/id/x/y",
        "/services/Soap/u/59.0",
        "/_sandbox/faults",
    ],
)
def test_hostile_inputs_never_produce_a_traceback(org: Any, path: str) -> None:
    http = org.http()
    for method in ("GET", "POST", "PATCH", "DELETE"):
        answer = http.request(method, org.url(path), data=b"\x00garbage{", timeout=30)
        assert "Traceback" not in answer.text
        if answer.status_code >= 500:  # only SOAP reports client errors as 500 faults
            assert "<soapenv:Fault>" in answer.text


def test_count_and_aggregates(org: Any) -> None:
    http = org.http()
    count = http.get(
        org.api("/query"), params={"q": "SELECT COUNT() FROM Account"}, timeout=30
    ).json()
    assert count == {
        "totalSize": org.scalar("SELECT count(*) FROM account WHERE NOT is_deleted"),
        "done": True,
        "records": [],
    }
    grouped = http.get(
        org.api("/query"),
        params={
            "q": "SELECT Industry, COUNT(Id) n, MAX(CreatedDate) FROM Account GROUP BY Industry"
        },
        timeout=30,
    ).json()
    expected = dict(
        org.rows("SELECT industry, count(*) FROM account WHERE NOT is_deleted GROUP BY 1")
    )
    assert {r["Industry"]: r["n"] for r in grouped["records"]} == expected
    row = grouped["records"][0]
    assert row["attributes"] == {"type": "AggregateResult"}
    assert list(row) == ["attributes", "Industry", "n", "expr0"]
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$", row["expr0"])


def test_columns_metadata_for_the_cli(org: Any) -> None:
    answer = (
        org.http()
        .get(
            org.api("/query"),
            params={"q": "SELECT Id, Name, Owner.Name FROM Account", "columns": "true"},
            timeout=30,
        )
        .json()
    )
    assert answer["entityName"] == "Account" and answer["idSelected"] is True
    names = [c["columnName"] for c in answer["columnMetadata"]]
    assert names == ["Id", "Name", "Owner"]
    owner = answer["columnMetadata"][2]
    assert owner["foreignKeyName"] == "OwnerId"
    assert owner["joinColumns"][0]["columnName"] == "Name"


def test_compound_address_in_query_and_record(org: Any) -> None:
    http = org.http()
    account_id, city = org.rows(
        "SELECT id, billing_city FROM account WHERE billing_city IS NOT NULL AND NOT is_deleted LIMIT 1"
    )[0]
    queried = http.get(
        org.api("/query"),
        params={"q": f"SELECT BillingAddress FROM Account WHERE Id = '{account_id}'"},
        timeout=30,
    ).json()["records"][0]["BillingAddress"]
    assert queried["city"] == city
    assert set(queried) >= {"street", "city", "state", "postalCode", "country"}
    record = http.get(org.api(f"/sobjects/Account/{account_id}"), timeout=30).json()
    assert record["BillingAddress"]["city"] == city and record["BillingCity"] == city


def test_sobject_collections(org: Any) -> None:
    http = org.http()
    created = http.post(
        org.api("/composite/sobjects"),
        json={
            "allOrNone": False,
            "records": [
                {"attributes": {"type": "Account"}, "Name": "Collection A"},
                {"attributes": {"type": "Contact"}, "LastName": "Collection B"},
                {"attributes": {"type": "Contact"}, "FirstName": "No last name"},
            ],
        },
        timeout=30,
    ).json()
    assert created[0]["success"] and created[1]["success"]
    assert created[2] == {
        "success": False,
        "errors": [
            {
                "statusCode": "REQUIRED_FIELD_MISSING",
                "message": "Required fields are missing: [LastName]",
                "fields": ["LastName"],
            }
        ],
    }
    ids = [created[0]["id"], created[1]["id"]]
    updated = http.patch(
        org.api("/composite/sobjects"),
        json={
            "records": [{"attributes": {"type": "Account"}, "id": ids[0], "Name": "Collection A2"}]
        },
        timeout=30,
    ).json()
    assert updated == [{"id": ids[0], "success": True, "errors": []}]
    fetched = http.post(
        org.api("/composite/sobjects/Account"),
        json={"ids": [ids[0], "001SB0000000zzzAAA"], "fields": ["Name"]},
        timeout=30,
    ).json()
    assert fetched[0]["Name"] == "Collection A2" and fetched[1] is None
    deleted = http.delete(
        org.api("/composite/sobjects"), params={"ids": ",".join([*ids, "bogus"])}, timeout=30
    ).json()
    assert [d["success"] for d in deleted] == [True, True, False]
    assert deleted[2]["errors"][0]["statusCode"] == "MALFORMED_ID"


def test_collections_all_or_none_rolls_back(org: Any) -> None:
    http = org.http()
    before = org.scalar("SELECT count(*) FROM account")
    answer = http.post(
        org.api("/composite/sobjects"),
        json={
            "allOrNone": True,
            "records": [
                {"attributes": {"type": "Account"}, "Name": "Would be created"},
                {"attributes": {"type": "Account"}, "Site": "no name"},
            ],
        },
        timeout=30,
    ).json()
    assert answer[0]["errors"][0]["statusCode"] == "ALL_OR_NONE_OPERATION_ROLLED_BACK"
    assert answer[1]["errors"][0]["statusCode"] == "REQUIRED_FIELD_MISSING"
    assert org.scalar("SELECT count(*) FROM account") == before
    too_many = http.post(
        org.api("/composite/sobjects"),
        json={"records": [{"attributes": {"type": "Account"}, "Name": str(i)} for i in range(201)]},
        timeout=30,
    )
    assert too_many.status_code == 400


def test_collections_upsert_by_external_id(org: Any) -> None:
    http = org.http()
    records = [
        {"attributes": {"type": "Account"}, "External_Id__c": "COLL-UP-1", "Name": "Upsert One"},
        {"attributes": {"type": "Account"}, "External_Id__c": "COLL-UP-2", "Name": "Upsert Two"},
    ]
    first = http.patch(
        org.api("/composite/sobjects/Account/External_Id__c"), json={"records": records}, timeout=30
    )
    assert [r["created"] for r in first.json()] == [True, True]
    records[0]["Name"] = "Upsert One Again"
    second = http.patch(
        org.api("/composite/sobjects/Account/External_Id__c"), json={"records": records}, timeout=30
    )
    assert [r["created"] for r in second.json()] == [False, False]
    assert (
        org.scalar("SELECT name FROM account WHERE external_id_c = 'COLL-UP-1'")
        == "Upsert One Again"
    )


def test_read_by_id_as_external_id_and_unknown_external_fields(org: Any) -> None:
    http = org.http()
    account_id = org.scalar("SELECT id FROM account WHERE NOT is_deleted LIMIT 1")
    assert (
        http.get(org.api(f"/sobjects/Account/Id/{account_id}"), timeout=30).json()["Id"]
        == account_id
    )
    answer = http.get(org.api("/sobjects/Contact/Email/someone@example.com"), timeout=30)
    assert answer.status_code == 404
    assert (
        answer.json()[0]["message"]
        == "Provided external ID field does not exist or is not accessible: Email"
    )


def test_bulk_query_csv_format_and_locators(org: Any) -> None:
    http = org.http()
    job = http.post(
        org.api("/jobs/query"),
        json={
            "operation": "query",
            "query": "SELECT Id, Name, IsDeleted, AnnualRevenue, ParentId FROM Account",
        },
        timeout=30,
    ).json()
    assert set(job) >= {
        "id",
        "operation",
        "object",
        "createdById",
        "createdDate",
        "state",
        "apiVersion",
    }
    assert job["id"].startswith("750") and job["object"] == "Account"
    info = http.get(org.api(f"/jobs/query/{job['id']}"), timeout=30).json()
    assert info["state"] == "JobComplete" and info["jobType"] == "V2Query"
    total = org.scalar("SELECT count(*) FROM account WHERE NOT is_deleted")
    assert info["numberRecordsProcessed"] == total
    rows: list[dict[str, str]] = []
    locator = None
    pages = 0
    while True:
        params = {"maxRecords": 50, **({"locator": locator} if locator else {})}
        page = http.get(org.api(f"/jobs/query/{job['id']}/results"), params=params, timeout=30)
        assert page.headers["content-type"].startswith("text/csv")
        batch = list(csv.DictReader(io.StringIO(page.text)))
        assert int(page.headers["Sforce-NumberOfRecords"]) == len(batch)
        assert page.text.splitlines()[0] == '"Id","Name","IsDeleted","AnnualRevenue","ParentId"'
        rows += batch
        pages += 1
        locator = page.headers["Sforce-Locator"]
        if locator == "null":
            break
        assert base64.b64decode(locator + "==").decode() == str(len(rows))
    assert pages > 1 and len(rows) == total
    assert any(r["ParentId"] == "" for r in rows)  # nulls are empty, not quoted
    assert ",," in page.text or page.text.rstrip("\n").endswith(",")


@pytest.mark.parametrize(
    "soql",
    [
        "SELECT COUNT() FROM Account",
        "SELECT Industry, COUNT(Id) FROM Account GROUP BY Industry",
        "SELECT Id, (SELECT Id FROM Contacts) FROM Account",
        "SELECT BillingAddress FROM Account",
        "SELECT Id FROM Account OFFSET 5",
    ],
)
def test_bulk_query_refuses_what_bulk_cannot_do(org: Any, soql: str) -> None:
    answer = org.http().post(
        org.api("/jobs/query"), json={"operation": "query", "query": soql}, timeout=30
    )
    assert answer.status_code == 400
    assert answer.json()[0]["errorCode"] == "INVALIDJOB"


def test_bulk_ingest_upsert_and_delete(org: Any) -> None:
    http = org.http()
    job = http.post(
        org.api("/jobs/ingest"),
        json={
            "object": "Account",
            "operation": "upsert",
            "externalIdFieldName": "External_Id__c",
            "lineEnding": "LF",
        },
        timeout=30,
    ).json()
    assert job["state"] == "Open" and job["contentUrl"].endswith(
        f"/jobs/ingest/{job['id']}/batches"
    )
    data = '"External_Id__c","Name","NumberOfEmployees"\n"ING-1","Ingest One","10"\n"ING-2","Ingest Two","lots"\n'
    upload = http.put(
        org.api(f"/jobs/ingest/{job['id']}/batches"),
        data=data,
        headers={"Content-Type": "text/csv"},
        timeout=30,
    )
    assert upload.status_code == 201
    closed = http.patch(
        org.api(f"/jobs/ingest/{job['id']}"), json={"state": "UploadComplete"}, timeout=30
    )
    assert closed.json()["state"] == "UploadComplete"
    info = wait_for_job(http, org.api(f"/jobs/ingest/{job['id']}"))
    assert info["state"] == "JobComplete"
    assert (info["numberRecordsProcessed"], info["numberRecordsFailed"]) == (2, 1)
    ok = list(
        csv.DictReader(
            io.StringIO(http.get(org.api(f"/jobs/ingest/{job['id']}/successfulResults")).text)
        )
    )
    assert ok[0]["sf__Created"] == "true" and ok[0]["Name"] == "Ingest One"
    failed = list(
        csv.DictReader(
            io.StringIO(http.get(org.api(f"/jobs/ingest/{job['id']}/failedResults")).text)
        )
    )
    assert failed[0]["sf__Error"].startswith("INVALID_TYPE_ON_FIELD_IN_RECORD:")
    unprocessed = http.get(org.api(f"/jobs/ingest/{job['id']}/unprocessedrecords"), timeout=30)
    assert unprocessed.text.strip() == '"External_Id__c","Name","NumberOfEmployees"'

    delete = http.post(
        org.api("/jobs/ingest"), json={"object": "Account", "operation": "delete"}, timeout=30
    ).json()
    http.put(
        org.api(f"/jobs/ingest/{delete['id']}/batches"),
        data=f'"Id"\n"{ok[0]["sf__Id"]}"\n',
        timeout=30,
    )
    http.patch(
        org.api(f"/jobs/ingest/{delete['id']}"), json={"state": "UploadComplete"}, timeout=30
    )
    assert wait_for_job(http, org.api(f"/jobs/ingest/{delete['id']}"))["state"] == "JobComplete"
    assert org.scalar("SELECT is_deleted FROM account WHERE id = ?", [ok[0]["sf__Id"]]) is True
    assert http.delete(org.api(f"/jobs/ingest/{delete['id']}"), timeout=30).status_code == 204
    assert http.get(org.api(f"/jobs/ingest/{delete['id']}"), timeout=30).status_code == 404


def test_bulk_v1_answers_as_an_org_without_it(org: Any) -> None:
    answer = requests.post(
        org.url("/services/async/59.0/job"),
        json={"operation": "queryAll", "object": "Account", "contentType": "JSON"},
        headers={"X-SFDC-Session": org.token()},
        timeout=30,
    )
    assert answer.status_code == 400
    assert answer.json() == {
        "exceptionCode": "FeatureNotEnabled",
        "exceptionMessage": "Async API not enabled",
    }


def test_typeof_and_polymorphic_lookups(org: Any) -> None:
    http = org.http()
    soql = (
        "SELECT Id, TYPEOF Owner WHEN User THEN Username, Email ELSE Name END "
        "FROM Account_Health__c LIMIT 5"
    )
    rows = http.get(org.api("/query"), params={"q": soql}, timeout=30).json()["records"]
    owners = dict(org.rows('SELECT id, username FROM "user"'))
    for row in rows:
        owner = row["Owner"]
        assert owner["attributes"]["type"] == "User"
        assert list(owner) == ["attributes", "Username", "Email"]
        assert owner["Username"] == owners[owner["attributes"]["url"].rsplit("/", 1)[1]]
    plain = http.get(
        org.api("/query"), params={"q": "SELECT Owner.Name FROM Case LIMIT 3"}, timeout=30
    ).json()["records"]
    assert all(r["Owner"]["attributes"]["type"] == "User" for r in plain)
