"""Per object and run: a full load or an incremental one, and from where.

The decision is a pure function of the object's saved state (dlt resource state, committed with
each load), its current schema and the options, so it is easy to test and to explain::

    plan_object(state, schema, fingerprint, options, now).reason   # "formula refresh due (24 h)"

A full load replaces the table with everything ``queryAll`` returns now. It happens on the
first sync, when asked for, when the fields or the filter changed (new columns need values for
old rows), when the object has formula fields and the refresh interval has passed (formulas
change without touching ``SystemModstamp``), when the last delete check is older than the
org keeps deletions for getDeleted (or getDeleted refused the window), and always for objects
without a modification timestamp.
Otherwise the load is incremental from the saved cursor minus the overlap window.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import orjson

from pipelines.salesforce.describe import ObjectSchema

TDeleteMode = Literal["remove", "mark"]


@dataclass(frozen=True)
class SyncOptions:
    """How objects are synced; every field is a ``sources.salesforce.*`` option of the source."""

    bulk_threshold: int = 10_000
    overlap: timedelta = timedelta(minutes=10)
    delete_mode: TDeleteMode = "remove"
    formula_refresh: timedelta | None = timedelta(hours=24)
    full_refresh: bool = False
    deleted_retention: timedelta = timedelta(days=15)
    bulk_page_size: int = 50_000
    rest_page_size: int = 2000
    max_url_length: int = 14_000


@dataclass(frozen=True)
class ObjectPlan:
    full: bool
    reason: str
    since: datetime | None = None
    """Incremental loads: rows with the cursor field at or after this instant."""
    deleted_since: datetime | None = None
    """Incremental loads of objects with deletes: the getDeleted window starts here."""


def fingerprint(schema: ObjectSchema, condition: str | None) -> str:
    """What a change of forces a full load: the fields pulled and the row filter."""
    doc = {"fields": sorted(f.lower() for f in schema.fields), "where": condition or ""}
    return hashlib.sha1(orjson.dumps(doc)).hexdigest()[:16]


def parse_instant(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        stamp = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)


def plan_object(
    state: Mapping[str, Any],
    schema: ObjectSchema,
    print_: str,
    options: SyncOptions,
    now: datetime,
) -> ObjectPlan:
    """Decide this run's load for one object (see the module docstring)."""
    cursor = parse_instant(state.get("cursor"))
    if schema.cursor_field is None:
        return ObjectPlan(True, "no modification timestamp to sync incrementally")
    if options.full_refresh:
        return ObjectPlan(True, "full refresh requested")
    if cursor is None:
        return ObjectPlan(True, "first sync")
    if state.get("fingerprint") != print_:
        return ObjectPlan(True, "fields or filter changed since the last sync")
    if state.get("needs_full"):
        return ObjectPlan(True, "the last getDeleted window could not be read")
    if schema.formula_fields and options.formula_refresh is not None:
        last_full = parse_instant(state.get("full_refresh_at"))
        if last_full is None or now - last_full >= options.formula_refresh:
            hours = options.formula_refresh.total_seconds() / 3600
            return ObjectPlan(True, f"formula refresh due (every {hours:g} h)")
    deleted_since: datetime | None = None
    if schema.soft_deletes and options.delete_mode == "remove":
        deleted_cursor = parse_instant(state.get("deleted_cursor")) or cursor
        if now - deleted_cursor >= options.deleted_retention:
            days = options.deleted_retention.days
            return ObjectPlan(
                True, f"last delete check is older than the org keeps deletions ({days} days)"
            )
        deleted_since = deleted_cursor - options.overlap
    return ObjectPlan(False, "incremental", cursor - options.overlap, deleted_since)
