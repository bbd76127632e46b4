"""The client's calls as the org sees them: raw bodies, and the API calls a run reports."""

from __future__ import annotations

import functools
import time
from pathlib import Path
from typing import Any

import pytest
from extract_fixtures import CUSTOM_OBJECTS, OBJECTS, Org

from pipelines.jobs import run_job
from pipelines.salesforce import SalesforceClient, run_extract

pytestmark = pytest.mark.timeout(300)


def ingest_update(client: SalesforceClient, csv: bytes) -> dict[str, Any]:
    """A Bulk API 2.0 update job whose CSV goes up as a raw body; its final state."""
    jobs = client.data_path("/jobs/ingest")
    job = client.json("POST", jobs, json={"object": "Account", "operation": "update"})
    client.request(
        "PUT", f"{jobs}/{job['id']}/batches", data=csv, headers={"Content-Type": "text/csv"}
    )
    client.json("PATCH", f"{jobs}/{job['id']}", json={"state": "UploadComplete"})
    deadline = time.monotonic() + 60
    while (info := client.json("GET", f"{jobs}/{job['id']}"))["state"] not in (
        "JobComplete",
        "Failed",
        "Aborted",
    ):
        assert time.monotonic() < deadline, info
        time.sleep(0.05)
    result: dict[str, Any] = info
    return result


def test_raw_bodies_upload_csv_to_a_bulk_ingest_job(org: Org) -> None:
    client = SalesforceClient(org.credentials())
    ids = sorted(org.live_ids("Account"))[:3]
    csv = "Id,Description\n" + "".join(f'{i},"Uploaded, raw {n}"\n' for n, i in enumerate(ids))

    org.set_faults(error_next=1)  # the upload is answered 503 once: the same bytes go again
    info = ingest_update(client, csv.encode())
    org.reset_faults()

    assert (info["state"], info["numberRecordsProcessed"], info["numberRecordsFailed"]) == (
        "JobComplete",
        3,
        0,
    )
    stored = org.arrow(
        "SELECT id, description FROM account WHERE id IN (SELECT unnest(?)) ORDER BY id", [ids]
    ).to_pylist()
    assert [r["description"] for r in stored] == [f"Uploaded, raw {n}" for n in range(3)]


def test_a_call_takes_json_or_raw_bytes_not_both(org: Org) -> None:
    client = SalesforceClient(org.credentials())
    with pytest.raises(ValueError, match="json or data"):
        client.request("POST", client.data_path("/jobs/ingest"), json={}, data=b"x")
    assert client.api_calls == 0


def usage(org: Org) -> int:
    return int(org.set_faults()["counters"]["api_usage"])


@pytest.mark.parametrize(
    "faults",
    [{}, {"expire_every": 5, "error_rate": 0.1, "drop_rate": 0.05}],
    ids=["calm", "faults"],
)
def test_api_calls_are_what_the_org_counted(org: Org, home: Path, faults: dict[str, Any]) -> None:
    """Refused calls (expired sessions, stale tokens of concurrent calls) are not counted by
    the org, so they are not in the figure either; retried 5xx and cut-off answers are."""
    org.reset_faults()
    org.set_faults(**faults)
    result = run_extract(
        home, credentials=org.credentials(), objects=[*OBJECTS, *CUSTOM_OBJECTS], bulk_threshold=300
    )
    assert result.api_calls == usage(org)


def test_a_jobs_api_calls_match_the_orgs_usage(org: Org, home: Path) -> None:
    extract = functools.partial(run_extract, credentials=org.credentials(), bulk_threshold=300)
    for _ in range(2):  # a bootstrap, then a periodic job
        org.reset_faults()
        org.set_faults(expire_every=7)
        job = run_job(home, extract=extract, transform=lambda home, config: "no transform")
        assert job.status == "Completed", job.sync_message
        assert job.api_calls == usage(org) > 0
