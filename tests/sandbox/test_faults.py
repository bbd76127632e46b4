"""Each fault-injection knob, and what a client receives when it fires."""

from __future__ import annotations

import csv
import io
import time
from typing import Any

import pytest
import requests
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import (
    SalesforceExpiredSession,
    SalesforceGeneralError,
    SalesforceMalformedRequest,
    SalesforceRefusedRequest,
)

from pipelines.sandbox.client import SandboxSession


def test_fault_settings_can_be_read_changed_and_reset(org: Any) -> None:
    before = requests.get(org.url("/_sandbox/faults"), timeout=30).json()
    assert before["latency_ms"] == 0 and before["daily_limit"] == 100_000
    assert set(before["counters"]) == {"api_calls", "api_usage"}
    changed = org.set_faults(latency_ms=5, error_rate=0.25)
    assert changed["latency_ms"] == 5 and changed["error_rate"] == 0.25
    org.reset(faults=True)
    after = requests.get(org.url("/_sandbox/faults"), timeout=30).json()
    assert after["latency_ms"] == 0 and after["error_rate"] == 0.0
    assert after["counters"] == {"api_calls": 0, "api_usage": 0}


@pytest.mark.parametrize(
    "body",
    [
        {"error_rate": 2},
        {"latency_ms": -1},
        {"nonsense": 1},
        {"fail_writes": [{"id": "001"}]},
        [1, 2],
    ],
)
def test_invalid_fault_settings_are_refused(org: Any, body: Any) -> None:
    answer = requests.post(org.url("/_sandbox/faults"), json=body, timeout=30)
    assert answer.status_code == 400
    assert answer.json()[0]["errorCode"] == "INVALID_FAULT_SETTING"


def test_latency_delays_every_answer(org: Any) -> None:
    http = org.http()
    org.set_faults(latency_ms=300)
    started = time.perf_counter()
    assert http.get(org.api("/limits"), timeout=30).status_code == 200
    assert time.perf_counter() - started >= 0.3


def test_error_rate_answers_5xx_and_simple_salesforce_raises(org: Any) -> None:
    sf = org.salesforce()
    org.set_faults(error_rate=1.0)
    with pytest.raises(SalesforceGeneralError) as info:
        sf.query("SELECT Id FROM Account LIMIT 1")
    assert info.value.status == 503
    assert info.value.content[0]["errorCode"] == "SERVER_UNAVAILABLE"
    org.set_faults(error_rate=0.0, error_status=500)
    org.set_faults(error_next=2)
    statuses = [
        requests.get(org.api("/limits"), headers=sf.headers, timeout=30).status_code
        for _ in range(3)
    ]
    assert statuses == [500, 500, 200]


def test_expired_sessions_make_clients_log_in_again(org: Any) -> None:
    # simple_salesforce logs in again (at most 3 times) when a 401 carries INVALID_SESSION_ID.
    sf = org.salesforce()
    first_session = sf.session_id
    org.reset()
    org.set_faults(expire_every=2)
    headers = {"Sforce-Query-Options": "batchSize=200"}
    records = sf.query_all("SELECT Id FROM Contact", headers=headers)["records"]
    assert len(records) == org.scalar("SELECT count(*) FROM contact WHERE NOT is_deleted")
    assert sf.session_id != first_session  # it logged in again and carried on
    # A client holding only a session id cannot log in again: it gets the error.
    direct = Salesforce(
        instance_url=org.base_url, session_id=org.token(), session=SandboxSession(org.base_url)
    )
    with pytest.raises(SalesforceExpiredSession) as info:
        for _ in range(3):
            direct.query("SELECT Id FROM Account LIMIT 1")
    assert info.value.content == [
        {"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}
    ]


def test_daily_limit_answers_403_request_limit_exceeded(org: Any) -> None:
    http = org.http()
    org.reset()
    org.set_faults(daily_limit=2)
    assert [http.get(org.api("/limits"), timeout=30).status_code for _ in range(2)] == [200, 200]
    refused = http.get(org.api("/limits"), timeout=30)
    assert refused.status_code == 403
    assert refused.json() == [
        {"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}
    ]
    assert refused.headers["Sforce-Limit-Info"] == "api-usage=2/2"
    sf = Salesforce(
        instance_url=org.base_url, session_id=org.token(), session=SandboxSession(org.base_url)
    )
    with pytest.raises(SalesforceRefusedRequest):
        sf.query("SELECT Id FROM Account LIMIT 1")
    org.reset()  # counters back to zero: calls go through again
    assert http.get(org.api("/limits"), timeout=30).status_code == 200


def test_dropped_connections_cut_the_body_short(org: Any) -> None:
    http = org.http()
    org.set_faults(drop_next=1)
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        http.get(org.api("/sobjects/Account/describe"), timeout=30)
    # the next call is whole again
    assert http.get(org.api("/sobjects/Account/describe"), timeout=30).json()["name"] == "Account"
    org.set_faults(drop_rate=1.0)
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        http.get(org.api("/query"), params={"q": "SELECT Id, Name FROM Account"}, timeout=30)


def test_dropped_bulk_results_page_can_be_fetched_again(org: Any) -> None:
    http = org.http()
    job = http.post(
        org.api("/jobs/query"), json={"operation": "query", "query": "SELECT Id FROM Account"}
    ).json()
    org.set_faults(drop_next=1)
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        http.get(org.api(f"/jobs/query/{job['id']}/results"), timeout=30)
    retry = http.get(org.api(f"/jobs/query/{job['id']}/results"), timeout=30)
    assert retry.headers["Sforce-Locator"] == "null"
    assert len(list(csv.DictReader(io.StringIO(retry.text)))) == int(
        retry.headers["Sforce-NumberOfRecords"]
    )


def test_injected_validation_error_on_a_record_field(org: Any) -> None:
    sf = org.salesforce()
    account_id = org.scalar("SELECT id FROM account WHERE NOT is_deleted ORDER BY id LIMIT 1")
    org.set_faults(
        fail_writes=[
            {
                "object": "Account",
                "id": account_id,
                "field": "Industry",
                "message": "Industry is locked",
            }
        ]
    )
    sf.Account.update(account_id, {"Description": "other fields still save"})
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.Account.update(account_id, {"Industry": "Energy"})
    assert info.value.content == [
        {
            "message": "Industry is locked",
            "errorCode": "FIELD_CUSTOM_VALIDATION_EXCEPTION",
            "fields": ["Industry"],
        }
    ]
    # the rule fired once ("times" defaults to 1): the next write goes through
    assert sf.Account.update(account_id, {"Industry": "Energy"}) == 204


def test_injected_validation_error_in_collections_and_bulk_ingest(org: Any) -> None:
    http = org.http()
    ids = [
        r[0] for r in org.rows("SELECT id FROM account WHERE NOT is_deleted ORDER BY id LIMIT 2")
    ]
    org.set_faults(fail_writes=[{"object": "Account", "id": ids[0], "times": 0}])
    records = [{"attributes": {"type": "Account"}, "id": i, "Site": "HQ"} for i in ids]
    results = http.patch(
        org.api("/composite/sobjects"), json={"records": records}, timeout=30
    ).json()
    assert results[0]["success"] is False
    assert results[0]["errors"][0]["statusCode"] == "FIELD_CUSTOM_VALIDATION_EXCEPTION"
    assert results[1] == {"id": ids[1], "success": True, "errors": []}

    sf = org.salesforce()
    [load] = sf.bulk2.Account.update(records=[{"Id": i, "Site": "Branch"} for i in ids], wait=0)
    assert load["numberRecordsFailed"] == 1  # times=0: the rule keeps firing
    failed = list(csv.DictReader(io.StringIO(sf.bulk2.Account.get_failed_records(load["job_id"]))))
    assert failed[0]["sf__Id"] == ids[0]
    assert failed[0]["sf__Error"].startswith("FIELD_CUSTOM_VALIDATION_EXCEPTION:")


def test_bulk_delay_keeps_jobs_in_progress(org: Any) -> None:
    http = org.http()
    org.set_faults(bulk_delay_ms=600)
    job = http.post(
        org.api("/jobs/query"), json={"operation": "query", "query": "SELECT Id FROM Account"}
    ).json()
    assert job["state"] == "UploadComplete"
    assert http.get(org.api(f"/jobs/query/{job['id']}")).json()["state"] == "InProgress"
    early = http.get(org.api(f"/jobs/query/{job['id']}/results"))
    assert early.status_code == 412 and early.json()[0]["errorCode"] == "JOB_NOT_COMPLETE"
    time.sleep(0.7)
    assert http.get(org.api(f"/jobs/query/{job['id']}")).json()["state"] == "JobComplete"
    assert http.get(org.api(f"/jobs/query/{job['id']}/results")).status_code == 200


def test_cli_options_set_the_initial_faults() -> None:
    from pipelines.cli import build_parser
    from pipelines.sandbox.server import options_from_args

    args = build_parser().parse_args([
        "sandbox", "start", "--latency-ms", "5", "--error-rate", "0.1", "--expire-every", "7",
        "--daily-limit", "50", "--drop-rate", "0.2", "--token-ttl", "60",
    ])  # fmt: skip
    faults = options_from_args(args).faults
    assert (faults.latency_ms, faults.error_rate, faults.expire_every) == (5, 0.1, 7)
    assert (faults.daily_limit, faults.drop_rate, faults.token_ttl) == (50, 0.2, 60)
