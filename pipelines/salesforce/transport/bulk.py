"""Bulk API 2.0 ``queryAll`` jobs: CSV result pages parsed straight into Arrow tables.

One job per object and run: create it, poll until ``JobComplete`` (backing off from 50 ms to a
few seconds), then page through the results with ``Sforce-Locator`` until the literal ``null``.
While one page is parsed and handed to dlt, the next one is already downloading. Pages are sized
by bytes, not rows: after the first page the ``maxRecords`` asked for keeps each page near
``page_bytes`` of CSV (at most ``page_size`` records), so wide objects with long text bodies do
not hold hundreds of megabytes per page in memory. Each page's
row count is checked against ``Sforce-NumberOfRecords``; a page cut off mid-transfer is fetched
again (the locator stays valid). The job is deleted afterwards.

Objects Bulk cannot serve (the job is refused or fails) raise :class:`BulkUnsupported` before
anything is yielded, and the caller falls back to REST.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import requests

from pipelines.salesforce.client import SalesforceClient
from pipelines.salesforce.describe import ObjectSchema
from pipelines.salesforce.errors import SalesforceApiError, SalesforceError
from pipelines.salesforce.transport.arrow import csv_to_table

DEFAULT_PAGE_SIZE = 50_000
DEFAULT_PAGE_BYTES = 16 << 20
MIN_PAGE_SIZE = 1_000
# Answers to a job creation that mean "use REST for this object".
_UNSUPPORTED_CODES = frozenset(
    {"INVALIDJOB", "INVALIDENTITY", "FeatureNotEnabled", "API_DISABLED_FOR_ORG", "INVALID_TYPE"}
)


class BulkUnsupported(SalesforceError):
    """Bulk API 2.0 refused or failed this query; the message says why."""


class BulkJobFailed(SalesforceError):
    """A Bulk job failed after results had started arriving."""


@dataclass(frozen=True)
class PollPolicy:
    first: float = 0.05
    longest: float = 5.0
    timeout: float = 6 * 3600.0


def bulk_tables(
    client: SalesforceClient,
    schema: ObjectSchema,
    soql: str,
    *,
    page_size: int = DEFAULT_PAGE_SIZE,
    page_bytes: int = DEFAULT_PAGE_BYTES,
    poll: PollPolicy | None = None,
) -> Iterator[pa.Table]:
    """The rows of ``soql`` (deleted rows included) as tables of ``schema``, page by page."""
    jobs = client.data_path("/jobs/query")
    try:
        job = client.json(
            "POST",
            jobs,
            json={
                "operation": "queryAll",
                "query": soql,
                "contentType": "CSV",
                "columnDelimiter": "COMMA",
                "lineEnding": "LF",
            },
        )
    except SalesforceApiError as err:
        if err.status in (400, 404) and err.code in _UNSUPPORTED_CODES:
            raise BulkUnsupported(
                f"{schema.object}: Bulk API 2.0 refused the query: {err}"
            ) from err
        raise
    job_path = f"{jobs}/{job['id']}"
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="bulk-download")
    pending: Future[requests.Response] | None = None
    try:
        _wait(client, job_path, schema.object, poll or PollPolicy())
        results = f"{job_path}/results"

        def fetch(locator: str | None, records: int) -> requests.Response:
            params: dict[str, Any] = {"maxRecords": records}
            if locator:
                params["locator"] = locator
            return _fetch_page(client, results, params, schema.object)

        records = min(page_size, max(MIN_PAGE_SIZE, page_size // 2))
        pending = pool.submit(fetch, None, records)
        while pending is not None:
            response = pending.result()
            body = response.content
            rows = int(response.headers.get("Sforce-NumberOfRecords") or 0)
            if rows:
                per_row = max(1, len(body) // rows)
                records = min(page_size, max(MIN_PAGE_SIZE, page_bytes // per_row))
            locator = response.headers.get("Sforce-Locator", "null")
            pending = pool.submit(fetch, locator, records) if locator not in ("", "null") else None
            del response
            table = csv_to_table(body, schema)
            if table.num_rows:
                yield table
    finally:
        if pending is not None:
            pending.cancel()
            with contextlib.suppress(Exception):
                pending.result()
        pool.shutdown(wait=False)
        with contextlib.suppress(SalesforceError):
            client.request("DELETE", job_path)


def _fetch_page(
    client: SalesforceClient, path: str, params: dict[str, Any], object_name: str
) -> requests.Response:
    """One results page, fetched again if it arrived with fewer rows than announced."""
    for _ in range(3):
        response = client.request("GET", path, params=params, headers={"Accept": "text/csv"})
        announced = response.headers.get("Sforce-NumberOfRecords")
        if announced is None or _rows_in(response.content) >= int(announced):
            return response
    raise BulkJobFailed(
        f"{object_name}: a Bulk result page kept arriving incomplete "
        f"({announced} records announced)"
    )


def _rows_in(body: bytes) -> int:
    # Newlines inside quoted values make this an upper bound, which is all the check needs.
    lines = body.count(b"\n")
    return max(0, lines - 1 if body.endswith(b"\n") else lines)


def _wait(client: SalesforceClient, job_path: str, object_name: str, poll: PollPolicy) -> None:
    delay = poll.first
    deadline = time.monotonic() + poll.timeout
    while True:
        info = client.json("GET", job_path)
        state = info.get("state")
        if state == "JobComplete":
            return
        if state in ("Failed", "Aborted"):
            raise BulkUnsupported(
                f"{object_name}: the Bulk query job {state.lower()}: "
                f"{info.get('errorMessage') or 'no reason given'}"
            )
        if time.monotonic() > deadline:
            with contextlib.suppress(SalesforceError):
                client.request("PATCH", job_path, json={"state": "Aborted"})
            raise BulkJobFailed(
                f"{object_name}: the Bulk query job did not finish in {poll.timeout:.0f} s"
            )
        time.sleep(delay)
        delay = min(delay * 2, poll.longest)
