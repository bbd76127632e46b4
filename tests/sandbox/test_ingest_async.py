"""Bulk 2.0 ingest jobs are processed after ``UploadComplete`` answers, as a real org does."""

from __future__ import annotations

import csv
import io
from typing import Any

from ingest_polling import wait_for_job


def _open_job(http: Any, org: Any, rows: list[str]) -> str:
    job = http.post(
        org.api("/jobs/ingest"), json={"object": "Account", "operation": "insert"}, timeout=30
    ).json()
    body = "Name,Industry\n" + "".join(f"{row}\n" for row in rows)
    upload = http.put(
        org.api(f"/jobs/ingest/{job['id']}/batches"),
        data=body,
        headers={"Content-Type": "text/csv"},
        timeout=30,
    )
    assert upload.status_code == 201
    job_id: str = job["id"]
    return job_id


def test_upload_complete_answers_before_the_rows_are_applied(org: Any) -> None:
    http = org.http()
    job_id = _open_job(http, org, ["Async One,Energy", "Async Two,Energy"])
    job_url = org.api(f"/jobs/ingest/{job_id}")
    with org.store.writes_paused():
        # Processing inside the PATCH would wait for the paused writes and time out here.
        closed = http.patch(job_url, json={"state": "UploadComplete"}, timeout=5)
        assert closed.status_code == 200
        assert closed.json()["state"] == "UploadComplete"
        waiting = http.get(job_url, timeout=30).json()
        assert waiting["state"] in ("UploadComplete", "InProgress")
        assert waiting["numberRecordsProcessed"] == 0
        early = http.get(f"{job_url}/successfulResults", timeout=30)
        assert early.status_code == 400
        assert early.json()[0]["errorCode"] == "JOB_NOT_COMPLETE"
        assert org.scalar("SELECT count(*) FROM account WHERE name LIKE 'Async %'") == 0
    done = wait_for_job(http, job_url)
    assert done["state"] == "JobComplete"
    assert (done["numberRecordsProcessed"], done["numberRecordsFailed"]) == (2, 0)
    results = list(csv.DictReader(io.StringIO(http.get(f"{job_url}/successfulResults").text)))
    assert [r["Name"] for r in results] == ["Async One", "Async Two"]
    stored = org.rows("SELECT id, name FROM account WHERE name LIKE 'Async %' ORDER BY name")
    assert [(r["sf__Id"], r["Name"]) for r in results] == stored


def test_job_aborted_while_queued_is_never_applied(org: Any) -> None:
    http = org.http()
    job_id = _open_job(http, org, ["Never Written,Energy"])
    job_url = org.api(f"/jobs/ingest/{job_id}")
    with org.store.writes_paused():
        blocker = _open_job(http, org, ["Queued First,Energy"])
        http.patch(org.api(f"/jobs/ingest/{blocker}"), json={"state": "UploadComplete"})
        http.patch(job_url, json={"state": "UploadComplete"}, timeout=5)
        aborted = http.patch(job_url, json={"state": "Aborted"}, timeout=5).json()
        assert aborted["state"] == "Aborted"
    assert wait_for_job(http, org.api(f"/jobs/ingest/{blocker}"))["state"] == "JobComplete"
    assert wait_for_job(http, job_url)["state"] == "Aborted"
    assert org.scalar("SELECT count(*) FROM account WHERE name = 'Never Written'") == 0


def test_file_errors_fail_the_job_in_the_background(org: Any) -> None:
    http = org.http()
    job = http.post(
        org.api("/jobs/ingest"), json={"object": "Account", "operation": "insert"}, timeout=30
    ).json()
    http.put(org.api(f"/jobs/ingest/{job['id']}/batches"), data="Nome\nx\n", timeout=30)
    closed = http.patch(org.api(f"/jobs/ingest/{job['id']}"), json={"state": "UploadComplete"})
    assert closed.json()["state"] == "UploadComplete"
    info = wait_for_job(http, org.api(f"/jobs/ingest/{job['id']}"))
    assert info["state"] == "Failed"
    assert info["errorMessage"] == "InvalidBatch : Field name not found : Nome"
    unprocessed = http.get(org.api(f"/jobs/ingest/{job['id']}/unprocessedrecords")).text
    assert unprocessed.splitlines() == ['"Nome"', '"x"']
