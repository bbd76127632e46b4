"""Bulk API 2.0 query and ingest jobs, and the Bulk API 1.0 refusal.

Query jobs run when they are created: the query is compiled, executed once (a query in table
order as row-range parts side by side, :mod:`pipelines.sandbox.scans`) and kept as an Arrow
table already formatted the way Bulk CSV writes values, from which results pages are written
(:mod:`pipelines.sandbox.bulk_results`). Pages are addressed by
``locator`` (base64 of the row offset, like the real ``MTAwMDA``); the last page carries the
literal header ``Sforce-Locator: null``, and every page ``Sforce-NumberOfRecords``. Jobs report ``JobComplete`` at once unless the
``bulk_delay_ms`` fault keeps them ``InProgress`` for a while.

Ingest jobs take one CSV upload. Setting ``UploadComplete`` queues the job and answers at
once; a background worker processes queued jobs one after another (``UploadComplete`` →
``InProgress`` → ``JobComplete`` or ``Failed``), so clients poll the job as they poll a real
org. The results come back as ``successfulResults`` / ``failedResults`` /
``unprocessedrecords`` CSVs once the job is done.

``/services/async/…`` (Bulk API 1.0) answers as an org without the Async API does — the dlt
Salesforce source then falls back to REST.
"""

from __future__ import annotations

import base64
import binascii
import csv
import io
import itertools
import logging
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from pipelines.sandbox import records as rec
from pipelines.sandbox.bulk_results import CsvResult
from pipelines.sandbox.context import (
    JsonBody,
    RawBody,
    Sandbox,
    api_version,
    sandbox_of,
    session_of,
)
from pipelines.sandbox.cursors import WORKERS
from pipelines.sandbox.errors import ApiError, json_response, not_found
from pipelines.sandbox.ids import make_id
from pipelines.sandbox.query import compile_soql
from pipelines.sandbox.scans import run_in_parts
from pipelines.sandbox.segments import PiecesResponse
from pipelines.sandbox.store import StoreError
from pipelines.sandbox.values import format_datetime
from pipelines.soql.catalog import SObject

router = APIRouter()
logger = logging.getLogger("pipelines.sandbox")

JOB_PREFIX = "750"
DEFAULT_MAX_RECORDS = 250_000
RESULT_BUDGET_BYTES = 4 << 30
_LINE_ENDINGS = ("LF", "CRLF")


def _invalid_job(message: str) -> ApiError:
    return ApiError(400, "INVALIDJOB", message)


@dataclass
class Job:
    id: str
    kind: str  # "query" | "ingest"
    operation: str
    object: str
    created_by: str
    created_at: datetime
    version: str
    column_delimiter: str = "COMMA"
    line_ending: str = "LF"
    state: str = "Open"
    ready_at: float = 0.0
    error_message: str | None = None
    processing_ms: int = 0
    # query jobs
    query: str = ""
    result: CsvResult | None = None
    # ingest jobs
    external_id_field: str | None = None
    upload: bytes | None = None
    header: list[str] = field(default_factory=list)
    successes: list[list[str]] = field(default_factory=list)
    failures: list[list[str]] = field(default_factory=list)
    unprocessed: list[list[str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def current_state(self) -> str:
        if self.state in ("UploadComplete", "InProgress") and self.ready_at:
            return "InProgress" if time.monotonic() < self.ready_at else "JobComplete"
        return self.state

    def info(self) -> dict[str, Any]:
        stamp = format_datetime(self.created_at)
        out: dict[str, Any] = {
            "id": self.id,
            "operation": self.operation,
            "object": self.object,
            "createdById": self.created_by,
            "createdDate": stamp,
            "systemModstamp": stamp,
            "state": self.current_state(),
        }
        if self.external_id_field:
            out["externalIdFieldName"] = self.external_id_field
        out.update(
            concurrencyMode="Parallel",
            contentType="CSV",
            apiVersion=float(self.version[1:]),
        )
        if self.kind == "ingest" and self.state == "Open":
            out["contentUrl"] = f"services/data/{self.version}/jobs/ingest/{self.id}/batches"
        out.update(lineEnding=self.line_ending, columnDelimiter=self.column_delimiter)
        return out

    def details(self) -> dict[str, Any]:
        out = self.info()
        complete = out["state"] == "JobComplete"
        if self.kind == "query":
            processed = self.result.rows if self.result is not None and complete else 0
            out.update(jobType="V2Query", numberRecordsProcessed=processed, retries=0)
        else:
            processed = len(self.successes) + len(self.failures) if complete else 0
            out.update(
                jobType="V2Ingest",
                numberRecordsProcessed=processed,
                numberRecordsFailed=len(self.failures) if complete else 0,
                retries=0,
            )
        out["totalProcessingTime"] = self.processing_ms
        if self.kind == "ingest":
            out.update(apiActiveProcessingTime=self.processing_ms, apexProcessingTime=0)
        if self.error_message:
            out["errorMessage"] = self.error_message
        return out


class BulkJobs:
    """The jobs of this server run (in memory); old results go when the byte budget is exceeded."""

    def __init__(self, budget_bytes: int = RESULT_BUDGET_BYTES) -> None:
        self.budget_bytes = budget_bytes
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._counter = itertools.count(1)
        # One worker: ingest jobs are applied in the order they were closed, as the store
        # takes one write at a time anyway.
        self.ingest_worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sandbox-ingest")

    def new_id(self) -> str:
        return make_id(JOB_PREFIX, next(self._counter))

    def add(self, job: Job) -> None:
        with self._lock:
            self._jobs[job.id] = job
            self._trim()

    def get(self, job_id: str, kind: str) -> Job:
        with self._lock:
            job = self._jobs.get(job_id) or self._jobs.get(job_id[:15] + job_id[15:].upper())
        if job is None or job.kind != kind:
            raise not_found()
        return job

    def remove(self, job_id: str) -> None:
        with self._lock:
            self._jobs.pop(job_id, None)

    def listing(self, kind: str) -> list[Job]:
        with self._lock:
            return [j for j in self._jobs.values() if j.kind == kind]

    def created_today(self) -> int:
        today = datetime.now(UTC).date()
        with self._lock:
            return sum(
                1 for j in self._jobs.values() if j.kind == "query" and j.created_at.date() == today
            )

    def clear(self) -> None:
        with self._lock:
            self._jobs.clear()

    def _trim(self) -> None:
        held = [j for j in self._jobs.values() if j.result is not None]
        total = sum(j.result.nbytes for j in held if j.result is not None)
        for job in held:  # oldest first: dicts keep insertion order
            if total <= self.budget_bytes:
                break
            total -= job.result.nbytes if job.result is not None else 0
            job.result = None
            job.state = "Failed"
            job.error_message = "Results expired; run the query job again"


def _options(body: dict[str, Any]) -> tuple[str, str]:
    delimiter = str(body.get("columnDelimiter") or "COMMA").upper()
    line_ending = str(body.get("lineEnding") or "LF").upper()
    try:
        rec.csv_delimiter(delimiter)
    except KeyError:
        raise _invalid_job(f"Invalid column delimiter: {delimiter}") from None
    if line_ending not in _LINE_ENDINGS:
        raise _invalid_job(f"Invalid line ending: {line_ending}")
    if str(body.get("contentType") or "CSV").upper() != "CSV":
        raise _invalid_job("Only CSV content is supported")
    return delimiter, line_ending


def _delay(sb: Sandbox) -> float:
    ms = sb.faults.settings.bulk_delay_ms
    return time.monotonic() + ms / 1000 if ms else 0.0


def _new_job(
    sb: Sandbox, request: Request, version: str, kind: str, operation: str, object_name: str,
    options: tuple[str, str], **details: Any,
) -> Job:  # fmt: skip
    delimiter, line_ending = options
    return Job(
        id=sb.jobs.new_id(),
        kind=kind,
        operation=operation,
        object=object_name,
        created_by=session_of(request).user_id,
        created_at=datetime.now(UTC),
        version=version,
        column_delimiter=delimiter,
        line_ending=line_ending,
        **details,
    )


def _job_kind(kind: str) -> str:
    if kind not in ("query", "ingest"):
        raise not_found()
    return kind


# --- what query and ingest jobs share ------------------------------------------------------------


@router.get("/services/data/{version}/jobs/{kind}")
def list_jobs(request: Request, version: str, kind: str) -> Response:
    api_version(version)
    jobs = sandbox_of(request).jobs.listing(_job_kind(kind))
    return json_response(
        {"done": True, "records": [j.info() for j in jobs], "nextRecordsUrl": None}
    )


@router.get("/services/data/{version}/jobs/{kind}/{job_id}")
def get_job(request: Request, version: str, kind: str, job_id: str) -> Response:
    api_version(version)
    return json_response(sandbox_of(request).jobs.get(job_id, _job_kind(kind)).details())


@router.delete("/services/data/{version}/jobs/{kind}/{job_id}")
def delete_job(request: Request, version: str, kind: str, job_id: str) -> Response:
    api_version(version)
    sb = sandbox_of(request)
    job = sb.jobs.get(job_id, _job_kind(kind))
    sb.jobs.remove(job.id)
    return Response(status_code=204)


# --- query jobs --------------------------------------------------------------------------------


def _unsupported(cq: Any) -> str | None:
    if cq.is_count or cq.is_aggregate:
        return "Aggregate queries are not supported by Bulk API 2.0 query jobs"
    if cq.children:
        return "Parent-to-child relationship queries are not supported by Bulk API 2.0"
    if cq.offset:
        return "OFFSET is not supported by Bulk API 2.0 query jobs"
    if any(c.compound for c in cq.columns if not c.hidden):
        return "Compound fields are not supported by Bulk API 2.0; query their components instead"
    return None


@router.post("/services/data/{version}/jobs/query")
def create_query_job(request: Request, version: str, body: JsonBody) -> Response:
    version = api_version(version)
    sb = sandbox_of(request)
    if not isinstance(body, dict):
        raise _invalid_job("The request body must be a JSON object")
    operation = body.get("operation")
    if operation not in ("query", "queryAll"):
        raise _invalid_job("Invalid operation: expected query or queryAll")
    text = body.get("query")
    if not isinstance(text, str) or not text.strip():
        raise _invalid_job("A query is required")
    delimiter, line_ending = _options(body)
    started = time.monotonic()
    cq = compile_soql(sb, text, include_deleted=operation == "queryAll")
    problem = _unsupported(cq)
    if problem:
        raise _invalid_job(problem)
    table = run_in_parts(
        sb.store,
        cq,
        lambda cursor, query: rec.csv_relation(cursor, query).to_arrow_table(),
        sb.cursors.executor,
        WORKERS,
    )
    # The CSV is written in the background from here on; pages wait for their own rows.
    result = CsvResult(table, rec.csv_delimiter(delimiter), line_ending, sb.cursors.executor)
    job = _new_job(
        sb,
        request,
        version,
        "query",
        operation,
        cq.object,
        (delimiter, line_ending),
        state="UploadComplete",
        ready_at=_delay(sb),
        query=text,
        result=result,
        processing_ms=int((time.monotonic() - started) * 1000),
    )
    if not job.ready_at:
        job.state = "JobComplete"
    sb.jobs.add(job)
    info = job.info()
    info["state"] = "UploadComplete"
    return json_response(info)


@router.patch("/services/data/{version}/jobs/query/{job_id}")
def abort_query_job(request: Request, version: str, job_id: str, body: JsonBody) -> Response:
    api_version(version)
    job = sandbox_of(request).jobs.get(job_id, "query")
    if not isinstance(body, dict) or body.get("state") != "Aborted":
        raise _invalid_job("A query job can only be changed to the state Aborted")
    if job.current_state() not in ("JobComplete", "Failed"):
        job.state = "Aborted"
        job.result = None
    return json_response(job.info())


def _decode_locator(locator: str | None) -> int:
    if not locator:
        return 0
    try:
        text = base64.b64decode(locator + "=" * (-len(locator) % 4), validate=True).decode("ascii")
        offset = int(text)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise ApiError(400, "INVALID_LOCATOR", f"Invalid locator: {locator}") from None
    if offset < 0:
        raise ApiError(400, "INVALID_LOCATOR", f"Invalid locator: {locator}")
    return offset


def encode_locator(offset: int) -> str:
    return base64.b64encode(str(offset).encode("ascii")).decode("ascii").rstrip("=")


@router.get("/services/data/{version}/jobs/query/{job_id}/results")
def query_job_results(request: Request, version: str, job_id: str) -> Response:
    api_version(version)
    job = sandbox_of(request).jobs.get(job_id, "query")
    state = job.current_state()
    if state != "JobComplete" or job.result is None:
        raise ApiError(
            412 if state in ("UploadComplete", "InProgress") else 400,
            "JOB_NOT_COMPLETE",
            "can only download query results of successfully completed bulk job with status: "
            f"JOB_COMPLETE. Current status: {state.upper()}",
        )
    offset = _decode_locator(request.query_params.get("locator"))
    raw_max = request.query_params.get("maxRecords")
    try:
        max_records = int(raw_max) if raw_max else DEFAULT_MAX_RECORDS
    except ValueError:
        max_records = 0
    if max_records <= 0:
        raise ApiError(
            400, "INVALID_MAX_RECORDS", f"maxRecords must be a positive number: {raw_max}"
        )
    result = job.result
    if offset > result.rows:
        raise ApiError(400, "INVALID_LOCATOR", "Invalid locator: past the end of the results")
    rows = min(max_records, result.rows - offset)
    end = offset + rows
    headers = {
        "Sforce-Locator": encode_locator(end) if end < result.rows else "null",
        "Sforce-NumberOfRecords": str(rows),
    }
    # Clients fetch pages one after another: the next one is written while this one travels.
    return PiecesResponse(
        result.page(offset, rows, sandbox_of(request).cursors.executor), headers, "text/csv"
    )


# --- ingest jobs -------------------------------------------------------------------------------

_INGEST_OPERATIONS = ("insert", "update", "upsert", "delete", "hardDelete")


@router.post("/services/data/{version}/jobs/ingest")
def create_ingest_job(request: Request, version: str, body: JsonBody) -> Response:
    version = api_version(version)
    sb = sandbox_of(request)
    if not isinstance(body, dict):
        raise _invalid_job("The request body must be a JSON object")
    operation = body.get("operation")
    if operation not in _INGEST_OPERATIONS:
        raise _invalid_job(f"Invalid operation: expected one of {', '.join(_INGEST_OPERATIONS)}")
    obj = sb.store.catalog.get(str(body.get("object") or ""))
    if obj is None:
        raise _invalid_job(f"Unknown object: {body.get('object')}")
    external = body.get("externalIdFieldName")
    if operation == "upsert":
        f = obj.field(str(external or ""))
        if f is None or not (f.external_id or f.name == "Id" or f.unique):
            raise _invalid_job(f"Invalid external id field: {external}")
        external = f.name
    job = _new_job(
        sb,
        request,
        version,
        "ingest",
        operation,
        obj.name,
        _options(body),
        external_id_field=external if operation == "upsert" else None,
    )
    sb.jobs.add(job)
    return json_response(job.info())


@router.put("/services/data/{version}/jobs/ingest/{job_id}/batches", status_code=201)
def upload_batch(request: Request, version: str, job_id: str, body: RawBody) -> Response:
    api_version(version)
    job = sandbox_of(request).jobs.get(job_id, "ingest")
    if job.state != "Open":
        raise _invalid_job(f"Job {job.id} is not open for uploads (state {job.state})")
    if job.upload is not None:
        raise _invalid_job("Found multiple contents for job: only one upload per job is allowed")
    job.upload = body
    return Response(status_code=201)


@router.patch("/services/data/{version}/jobs/ingest/{job_id}")
def change_ingest_job(request: Request, version: str, job_id: str, body: JsonBody) -> Response:
    api_version(version)
    sb = sandbox_of(request)
    job = sb.jobs.get(job_id, "ingest")
    wanted = body.get("state") if isinstance(body, dict) else None
    if wanted == "Aborted":
        with job.lock:
            if job.state in ("Open", "UploadComplete"):
                job.state = "Aborted"
                job.ready_at = 0.0
        return json_response(job.info())
    if wanted != "UploadComplete":
        raise _invalid_job("The state can only be changed to UploadComplete or Aborted")
    with job.lock:
        if job.state != "Open":
            raise _invalid_job(f"Job {job.id} is not open (state {job.state})")
        job.state = "UploadComplete"
        info = job.info()
    sb.jobs.ingest_worker.submit(_process_queued, sb, job, session_of(request).user_id)
    return json_response(info)


@router.get("/services/data/{version}/jobs/ingest/{job_id}/{kind}")
def ingest_results(request: Request, version: str, job_id: str, kind: str) -> Response:
    api_version(version)
    job = sandbox_of(request).jobs.get(job_id, "ingest")
    which = kind.lower()
    if which not in ("successfulresults", "failedresults", "unprocessedrecords"):
        raise not_found()
    if which != "unprocessedrecords" and job.current_state() not in ("JobComplete", "Failed"):
        raise ApiError(
            400, "JOB_NOT_COMPLETE", f"Job {job.id} is not complete (state {job.current_state()})"
        )
    header = job.header
    if which == "successfulresults":
        rows, head = job.successes, ["sf__Id", "sf__Created", *header]
    elif which == "failedresults":
        rows, head = job.failures, ["sf__Id", "sf__Error", *header]
    else:
        rows, head = job.unprocessed, header
    sink = io.StringIO()
    writer = csv.writer(
        sink,
        delimiter=rec.csv_delimiter(job.column_delimiter),
        lineterminator="\r\n" if job.line_ending == "CRLF" else "\n",
        quoting=csv.QUOTE_ALL,
    )
    if head:
        writer.writerow(head)
    writer.writerows(rows)
    return Response(content=sink.getvalue().encode("utf-8"), media_type="text/csv")


def _parse_upload(job: Job) -> tuple[list[str], list[list[str]]]:
    text = (job.upload or b"").decode("utf-8-sig", "replace")
    reader = csv.reader(
        io.StringIO(text, newline=""), delimiter=rec.csv_delimiter(job.column_delimiter)
    )
    rows = [row for row in reader if row]
    if not rows:
        return [], []
    return rows[0], rows[1:]


def _process_queued(sb: Sandbox, job: Job, user_id: str) -> None:
    """The worker's side of ``UploadComplete``: run the job unless it was aborted meanwhile.

    The job stays ``InProgress`` while its rows are applied (and for ``bulk_delay_ms`` after),
    then turns ``JobComplete``; a file that cannot be read at all fails the job. An error of
    the sandbox itself fails the job too rather than leaving it in progress forever.
    """
    with job.lock:
        if job.state != "UploadComplete":
            return
        job.state = "InProgress"
    try:
        _process(sb, job, user_id)
    except Exception:
        logger.exception("bulk ingest job %s failed", job.id)
        with job.lock:
            job.state, job.error_message = "Failed", "UNKNOWN_EXCEPTION : processing failed"


def _process(sb: Sandbox, job: Job, user_id: str) -> None:
    """Apply an uploaded CSV; fills the job's result rows. Errors of the whole file fail the job."""
    started = time.monotonic()
    header, rows = _parse_upload(job)
    obj = sb.store.catalog.get(job.object)
    names, problem = _columns(obj, header)
    if obj is None or problem is not None:
        with job.lock:
            job.header, job.unprocessed = header, rows
            job.state, job.error_message = "Failed", problem
        return
    records = [_row_record(names, row, job.operation) for row in rows]
    outcomes = _apply(sb, obj, job, records, user_id)
    successes: list[list[str]] = []
    failures: list[list[str]] = []
    for row, outcome in zip(rows, outcomes, strict=True):
        if isinstance(outcome, StoreError):
            fields = ",".join(outcome.fields)
            error = f"{outcome.status_code}:{outcome.message}:{fields} --"
            record_id = _value(names, row, "Id") if job.operation != "insert" else ""
            failures.append([record_id or "", error, *row])
        else:
            record_id, created = outcome
            successes.append([record_id, "true" if created else "false", *row])
    with job.lock:
        job.header, job.successes, job.failures = header, successes, failures
        job.processing_ms = int((time.monotonic() - started) * 1000)
        job.ready_at = _delay(sb)
        job.state = "InProgress" if job.ready_at else "JobComplete"


def _columns(obj: SObject | None, header: list[str]) -> tuple[list[str], str | None]:
    """The field API names of an upload's header, or what makes the whole file unusable."""
    if obj is None or not header:
        return [], "InvalidBatch : no rows to process"
    names: list[str] = []
    for column in header:
        f = obj.field(column.strip())
        if f is None:
            return [], f"InvalidBatch : Field name not found : {column}"
        names.append(f.name)
    return names, None


def _value(names: list[str], row: list[str], wanted: str) -> str | None:
    for name, value in zip(names, row, strict=False):
        if name.lower() == wanted.lower():
            return value
    return None


def _row_record(names: list[str], row: list[str], operation: str) -> dict[str, Any]:
    """A CSV row as field values: empty cells are left out, ``#N/A`` sets null."""
    record: dict[str, Any] = {}
    for name, value in itertools.zip_longest(names, row, fillvalue=""):
        if not name or value == "":
            continue
        record[name] = None if value == "#N/A" else value
    return record


def _apply(
    sb: Sandbox, obj: SObject, job: Job, records: list[dict[str, Any]], user_id: str
) -> list[tuple[str, bool] | StoreError]:
    outcomes: list[tuple[str, bool] | StoreError | None] = [None] * len(records)
    pending: list[int] = []
    for i, record in enumerate(records):
        record_id = record.get("Id") if job.operation != "insert" else None
        injected = sb.faults.check_write(obj.name, record_id, record.keys())
        if injected is not None:
            outcomes[i] = StoreError(injected.error_code, injected.message, injected.fields or [])
        else:
            pending.append(i)
    batch = [records[i] for i in pending]
    results: Iterator[tuple[str, bool] | StoreError]
    if job.operation == "insert":
        results = (
            r if isinstance(r, StoreError) else (r, True)
            for r in sb.store.insert_results(obj.name, batch, user_id=user_id)
        )
    elif job.operation == "update":
        results = (
            r if isinstance(r, StoreError) else (r, False)
            for r in sb.store.update_results(obj.name, batch, user_id=user_id)
        )
    elif job.operation == "upsert":
        results = iter(
            [_upsert_one(sb, obj, job.external_id_field or "Id", r, user_id) for r in batch]
        )
    else:
        deleted = sb.store.delete_results(
            obj.name, [str(r.get("Id", "")) for r in batch], user_id=user_id
        )
        if job.operation == "hardDelete":
            sb.store.purge(obj.name, [r for r in deleted if isinstance(r, str)])
        results = (r if isinstance(r, StoreError) else (r, False) for r in deleted)
    for i, result in zip(pending, results, strict=True):
        outcomes[i] = result
    return [o for o in outcomes if o is not None]


def _upsert_one(
    sb: Sandbox, obj: SObject, field_name: str, record: dict[str, Any], user_id: str
) -> tuple[str, bool] | StoreError:
    value = next((v for k, v in record.items() if k.lower() == field_name.lower()), None)
    if value is None:
        return StoreError("MISSING_ARGUMENT", f"{field_name} not specified", [field_name])
    try:
        return sb.store.upsert(obj.name, field_name, value, record, user_id=user_id)
    except StoreError as err:
        return err


# --- Bulk API 1.0 --------------------------------------------------------------------------------


@router.api_route("/services/async/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def bulk_v1(rest: str) -> Response:
    return json_response(
        {"exceptionCode": "FeatureNotEnabled", "exceptionMessage": "Async API not enabled"}, 400
    )
