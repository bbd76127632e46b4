"""Bulk API 2.0 ingest jobs (``operation: update``) for large pushes.

One job per batch: create it, upload the CSV (``Id`` plus the fields any record changes; an
empty cell leaves a field as it is), close it (``UploadComplete``), poll until the org has
processed it, then read ``failedResults`` (and ``unprocessedrecords`` when the job did not
get through everything). Every record not listed there was written.

The job id is handed to ``on_job`` as soon as the job exists, so a push that dies while the
org processes the job can pick up its results later (:func:`resume`) instead of writing again.
An upload or close that fails without an answer is not repeated on the same job: a job still
``Open`` is aborted (nothing of it was applied) and the batch goes out in a new one.
"""

from __future__ import annotations

import contextlib
import csv
import io
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pipelines.salesforce.errors import (
    BudgetExceeded,
    SalesforceApiError,
    SalesforceError,
    SalesforceUnavailable,
)
from pipelines.soql.catalog import Field
from pipelines.writeback.connection import OrgSession
from pipelines.writeback.costs import BULK_JOB_BYTES, BULK_JOB_RECORDS
from pipelines.writeback.outbox import NOT_SENT, Outcome
from pipelines.writeback.transport.collections import (
    DEFAULT_WRITE_ATTEMPTS,
    BatchNotSent,
    Payload,
)
from pipelines.writeback.values import csv_cell

UNPROCESSED = "UNPROCESSED"
JOB_ABORTED = "JOB_ABORTED"
_DONE_STATES = ("JobComplete", "Failed", "Aborted")


class BulkJobTimeout(SalesforceError):
    """The org did not finish an ingest job in time; its id lets the next push collect it."""


@dataclass(frozen=True)
class PollPolicy:
    """Status polls: from ``first`` seconds, doubling up to ``longest``, for ``timeout`` at most."""

    first: float = 0.05
    longest: float = 5.0
    timeout: float = 6 * 3600.0


def chunks(records: Sequence[Payload], fields: Mapping[str, Field]) -> Iterator[list[Payload]]:
    """``records`` in groups small enough for one job (records and CSV bytes)."""
    group: list[Payload] = []
    size = 0
    for record in records:
        rid, payload = record
        row_bytes = len(rid) + 2 + sum(len(csv_cell(v)) + 3 for v in payload.values())
        if group and (len(group) >= BULK_JOB_RECORDS or size + row_bytes > BULK_JOB_BYTES):
            yield group
            group, size = [], 0
        group.append(record)
        size += row_bytes
    if group:
        yield group


def update(
    session: OrgSession,
    object_name: str,
    records: Sequence[Payload],
    fields: Mapping[str, Field],
    *,
    on_job: Callable[[str], None],
    poll: PollPolicy | None = None,
    attempts: int = DEFAULT_WRITE_ATTEMPTS,
) -> list[Outcome]:
    """Write ``records`` in one ingest job; one :class:`Outcome` per record, in order.

    Raises :class:`~pipelines.writeback.transport.collections.BatchNotSent` when the API
    budget stopped the batch before any upload.
    """
    jobs = session.data_path("/jobs/ingest")
    body = to_csv(records)
    tries = 0
    while True:
        try:
            job = session.reader.json(
                "POST",
                jobs,
                json={
                    "object": object_name,
                    "operation": "update",
                    "contentType": "CSV",
                    "columnDelimiter": "COMMA",
                    "lineEnding": "LF",
                },
            )
        except BudgetExceeded as exc:
            if tries == 0:
                raise BatchNotSent(str(exc)) from exc
            raise
        job_id = str(job["id"])
        on_job(job_id)
        job_path = f"{jobs}/{job_id}"
        try:
            session.upload_csv(f"{job_path}/batches", body)
            session.writer.json("PATCH", job_path, json={"state": "UploadComplete"})
        except (SalesforceUnavailable, SalesforceApiError) as exc:
            state = _state(session, job_path)
            if state != "Open":
                break  # the close went through: the org is processing the job
            _abort(session, job_path)
            tries += 1
            if isinstance(exc, SalesforceApiError) or tries >= attempts:
                raise
            session.backoff(tries)
            continue
        break
    info = wait(session, job_path, poll or PollPolicy())
    return results(session, job_path, info, [rid for rid, _ in records])


def resume(
    session: OrgSession,
    job_id: str,
    record_ids: Sequence[str],
    *,
    poll: PollPolicy | None = None,
) -> list[Outcome] | None:
    """The outcomes of an earlier push's job, waiting for it if the org is still at it.

    ``None`` when the org no longer knows the job. A job that was never closed is aborted and
    its records come back as not sent.
    """
    job_path = session.data_path(f"/jobs/ingest/{job_id}")
    try:
        state = _state(session, job_path)
    except SalesforceApiError as err:
        if err.status == 404:
            return None
        raise
    if state == "Open":
        _abort(session, job_path)
        state = "Aborted"
    if state == "Aborted":
        return [
            Outcome(rid, False, NOT_SENT, "the push stopped before its Bulk job was closed")
            for rid in record_ids
        ]
    info = wait(session, job_path, poll or PollPolicy())
    return results(session, job_path, info, record_ids)


def wait(session: OrgSession, job_path: str, poll: PollPolicy) -> dict[str, Any]:
    """Poll the job until the org is done with it; its final info."""
    delay = poll.first
    deadline = time.monotonic() + poll.timeout
    while True:
        info: dict[str, Any] = session.reader.json("GET", job_path)
        if info.get("state") in _DONE_STATES:
            return info
        if time.monotonic() > deadline:
            raise BulkJobTimeout(
                f"Bulk job {info.get('id')} was still {info.get('state')} after "
                f"{poll.timeout:.0f} s; the next push collects its results"
            )
        time.sleep(delay)
        delay = min(delay * 2, poll.longest)


def results(
    session: OrgSession, job_path: str, info: Mapping[str, Any], record_ids: Sequence[str]
) -> list[Outcome]:
    """One outcome per record from the finished job's failed and unprocessed records."""
    state = info.get("state")
    outcomes: dict[str, Outcome] = {}
    if state == "Aborted":
        message = "the Bulk job was aborted before it processed this record"
        return [Outcome(rid, False, JOB_ABORTED, message) for rid in record_ids]
    for row in _csv_rows(session, f"{job_path}/failedResults"):
        rid = row.get("Id") or row.get("sf__Id") or ""
        code, message, fields = parse_error(row.get("sf__Error", ""))
        outcomes[rid] = Outcome(rid, False, code, message, fields)
    processed = int(info.get("numberRecordsProcessed") or 0)
    if state == "Failed" or processed < len(record_ids):
        why = info.get("errorMessage") or "the Bulk job ended before processing this record"
        for row in _csv_rows(session, f"{job_path}/unprocessedrecords"):
            rid = row.get("Id") or ""
            outcomes.setdefault(rid, Outcome(rid, False, UNPROCESSED, str(why)))
    return [outcomes.get(rid) or Outcome(rid, True) for rid in record_ids]


def to_csv(records: Sequence[Payload]) -> bytes:
    """``Id`` plus every field any record changes; cells of unchanged fields stay empty."""
    names: list[str] = []
    for _, payload in records:
        for name in payload:
            if name not in names:
                names.append(name)
    sink = io.StringIO()
    writer = csv.writer(sink, lineterminator="\n")
    writer.writerow(["Id", *names])
    for rid, payload in records:
        writer.writerow([rid, *(csv_cell(payload.get(name)) for name in names)])
    return sink.getvalue().encode("utf-8")


def parse_error(text: str) -> tuple[str, str, tuple[str, ...]]:
    """``FIELD_CUSTOM_VALIDATION_EXCEPTION:Rejected by a rule:Health_Score__c --`` → parts."""
    text = text.strip()
    if text.endswith("--"):
        text = text[:-2].rstrip()
    code, _, rest = text.partition(":")
    message, sep, fields = rest.rpartition(":")
    if not sep:
        message, fields = rest, ""
    names = tuple(f.strip() for f in fields.split(",") if f.strip())
    return code.strip() or "UNKNOWN_ERROR", message.strip() or text, names


def _csv_rows(session: OrgSession, path: str) -> list[dict[str, str]]:
    response = session.reader.request("GET", path, headers={"Accept": "text/csv"})
    text = response.content.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def _state(session: OrgSession, job_path: str) -> str:
    info = session.reader.json("GET", job_path)
    return str(info.get("state"))


def _abort(session: OrgSession, job_path: str) -> None:
    with contextlib.suppress(SalesforceError):
        session.reader.json("PATCH", job_path, json={"state": "Aborted"})
