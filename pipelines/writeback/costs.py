"""What a push costs in API calls per transport, and which transport is cheaper.

sObject Collections (``PATCH /composite/sobjects``) writes up to 200 records per call and
answers per record at once. A Bulk API 2.0 ingest job costs a fixed handful of calls whatever
its size (create, upload, close, status polls, failed results) but reports only when the org
has processed it. ``auto`` takes the cheaper; on a tie, Collections (quicker answers)::

    >>> choose_transport(150), choose_transport(5_000)
    ('collections', 'bulk')
"""

from __future__ import annotations

import math
from typing import Literal

Transport = Literal["collections", "bulk"]
TransportSetting = Literal["auto", "collections", "bulk"]

COLLECTION_BATCH = 200
"""Salesforce's limit on records per sObject Collections call."""
BULK_JOB_RECORDS = 150_000
BULK_JOB_BYTES = 90 << 20
"""Records and CSV bytes per ingest job (Salesforce takes up to 100 MB per upload)."""
BULK_CALLS_PER_JOB = 6
"""Create, upload, close, two status polls, failed results (more polls for slow jobs)."""


def collections_calls(records: int, batch_size: int = COLLECTION_BATCH) -> int:
    return math.ceil(records / batch_size) if records else 0


def bulk_calls(records: int) -> int:
    return math.ceil(records / BULK_JOB_RECORDS) * BULK_CALLS_PER_JOB if records else 0


def estimated_calls(records: int, batch_size: int = COLLECTION_BATCH) -> dict[Transport, int]:
    return {"collections": collections_calls(records, batch_size), "bulk": bulk_calls(records)}


def choose_transport(
    records: int, setting: TransportSetting = "auto", batch_size: int = COLLECTION_BATCH
) -> Transport:
    """The transport for ``records`` updates: ``setting`` unless ``auto``, else the cheaper."""
    if setting != "auto":
        return setting
    costs = estimated_calls(records, batch_size)
    return "bulk" if costs["bulk"] < costs["collections"] else "collections"
