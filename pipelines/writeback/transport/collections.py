"""sObject Collections: ``PATCH /composite/sobjects``, up to 200 records per call.

Sent with ``allOrNone: false``, so one record's error (a validation rule, a bad picklist
value) fails that record only; the answer has one result per record, in order.

A call that fails without an answer (5xx, a connection cut) may or may not have been applied.
It is not repeated blindly: after a backoff the records are read back (``POST
/composite/sobjects/{object}`` with their ids, up to 2,000 per call), those holding the
values already count as written, and only the rest are sent again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from pipelines.salesforce.errors import BudgetExceeded, SalesforceUnavailable
from pipelines.soql.catalog import Field
from pipelines.writeback.connection import OrgSession
from pipelines.writeback.outbox import Outcome
from pipelines.writeback.values import TValue, canonical, parse_datetime

Payload = tuple[str, dict[str, TValue]]
"""``(record_id, {Field: value})``: one record to write."""

READ_BACK_IDS = 2_000
DEFAULT_WRITE_ATTEMPTS = 5


class BatchNotSent(Exception):
    """The batch's request never went out (the API budget stopped it); ``__cause__`` says why."""


def update(
    session: OrgSession,
    object_name: str,
    records: Sequence[Payload],
    fields: Mapping[str, Field],
    *,
    attempts: int = DEFAULT_WRITE_ATTEMPTS,
) -> list[Outcome]:
    """Write ``records`` (at most 200) and return one :class:`Outcome` per record, in order.

    Raises :class:`BatchNotSent` if the API budget refused the first request,
    :class:`~pipelines.salesforce.errors.SalesforceUnavailable` after ``attempts`` failed
    tries, and :class:`~pipelines.salesforce.errors.SalesforceApiError` when Salesforce
    refuses the request as a whole (nothing was written then).
    """
    path = session.data_path("/composite/sobjects")
    done: dict[str, Outcome] = {}
    pending = list(records)
    tries = 0
    while pending:
        body = {
            "allOrNone": False,
            "records": [
                {"attributes": {"type": object_name}, "Id": rid, **payload}
                for rid, payload in pending
            ],
        }
        try:
            answer = session.writer.json("PATCH", path, json=body)
        except BudgetExceeded as exc:
            if tries == 0:
                raise BatchNotSent(str(exc)) from exc
            raise
        except SalesforceUnavailable:
            tries += 1
            if tries >= attempts:
                raise
            session.backoff(tries)
            landed = read_back(session, object_name, dict(pending), fields)
            for rid, _ in pending:
                if rid in landed:
                    done[rid] = Outcome(rid, True, written_at=landed[rid])
            pending = [(rid, p) for rid, p in pending if rid not in landed]
            continue
        tries += 1
        for (rid, _), result in zip(pending, _results(answer, len(pending)), strict=True):
            done[rid] = _outcome(rid, result)
        pending = []
    return [done[rid] for rid, _ in records]


def read_back(
    session: OrgSession,
    object_name: str,
    payloads: Mapping[str, Mapping[str, TValue]],
    fields: Mapping[str, Field],
) -> dict[str, datetime | None]:
    """The records that already hold their payload, with their ``SystemModstamp``."""
    names = sorted({name for payload in payloads.values() for name in payload})
    path = session.data_path(f"/composite/sobjects/{object_name}")
    ids = list(payloads)
    landed: dict[str, datetime | None] = {}
    for start in range(0, len(ids), READ_BACK_IDS):
        chunk = ids[start : start + READ_BACK_IDS]
        found = session.reader.json(
            "POST", path, json={"ids": chunk, "fields": [*names, "SystemModstamp"]}
        )
        for rid, record in zip(chunk, found or [], strict=False):
            if not isinstance(record, dict):
                continue
            payload = payloads[rid]
            if all(
                canonical(record.get(name), fields.get(name) or Field(name, "string")) == value
                for name, value in payload.items()
            ):
                landed[rid] = parse_datetime(record.get("SystemModstamp"))
    return landed


def _results(answer: Any, count: int) -> list[dict[str, Any]]:
    if not isinstance(answer, list) or len(answer) != count:
        shown = str(answer)[:200]
        raise SalesforceUnavailable(
            f"sObject Collections answered {count} records with something else: {shown}"
        )
    return [r if isinstance(r, dict) else {} for r in answer]


def _outcome(record_id: str, result: Mapping[str, Any]) -> Outcome:
    if result.get("success"):
        return Outcome(record_id, True)
    errors = result.get("errors") or [{}]
    first = errors[0] if isinstance(errors[0], dict) else {}
    code = str(first.get("statusCode") or first.get("errorCode") or "UNKNOWN_ERROR")
    message = str(first.get("message") or "Salesforce rejected the record without a message")
    if len(errors) > 1:
        message += f" (and {len(errors) - 1} more error(s))"
    fields = tuple(str(f) for f in first.get("fields") or ())
    return Outcome(record_id, False, code, message, fields)
