"""Deleted records: getDeleted windows, and the rows that carry a deletion into the warehouse.

``queryAll`` returns soft-deleted records still in the recycle bin (``IsDeleted = true``);
records purged from it (emptied bin, hard deletes, records older than 15 days) are only listed by
``GET /sobjects/{object}/deleted?start=&end=`` for the last 15 days or so. Each run asks for the
window since the previous one (minus the overlap), and:

- in ``remove`` mode the object's own resource yields a *tombstone* per id — the id, ``IsDeleted
  = true`` and the deletion time as the cursor value — which dlt's ``hard_delete`` hint turns
  into a DELETE by primary key;
- in ``mark`` mode the ``deleted_records`` resource stores ``(object_name, id, deleted_date)``
  and :func:`mark_deleted_rows` sets ``is_deleted`` on the rows after the load, keeping them.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import dlt
import pyarrow as pa
from dlt.common.schema.typing import TTableSchemaColumns

from pipelines.salesforce.client import SalesforceClient
from pipelines.salesforce.describe import ObjectSchema
from pipelines.salesforce.errors import SalesforceApiError
from pipelines.salesforce.plan import SyncOptions, parse_instant
from pipelines.salesforce.report import SyncReport

DELETED_RECORDS_TABLE = "deleted_records"
DELETED_RECORDS_COLUMNS: TTableSchemaColumns = {
    "object_name": {"name": "object_name", "data_type": "text", "nullable": False},
    "id": {"name": "id", "data_type": "text", "nullable": False},
    "deleted_date": {"name": "deleted_date", "data_type": "timestamp", "precision": 6},
}
_MIN_WINDOW = timedelta(minutes=1)


class ReplicationWindowError(Exception):
    """getDeleted refused the window (``INVALID_REPLICATION_DATE``): the gap is too old."""


def get_deleted(
    client: SalesforceClient, object_name: str, start: datetime, end: datetime
) -> tuple[list[tuple[str, datetime]], datetime]:
    """``([(id, deleted at)], latest date covered)`` for deletions in ``[start, end]``."""
    if end - start < _MIN_WINDOW:
        start = end - _MIN_WINDOW
    params = {"start": _iso(start), "end": _iso(end)}
    try:
        body = client.json(
            "GET", client.data_path(f"/sobjects/{object_name}/deleted/"), params=params
        )
    except SalesforceApiError as err:
        if err.code in ("INVALID_REPLICATION_DATE", "EXCEEDED_ID_LIMIT"):
            raise ReplicationWindowError(f"{object_name}: getDeleted: {err}") from err
        raise
    found = []
    for record in body.get("deletedRecords") or []:
        when = parse_instant(str(record.get("deletedDate", "")).replace("+0000", "+00:00"))
        found.append((str(record["id"]), when or end))
    covered = parse_instant(str(body.get("latestDateCovered", "")).replace("+0000", "+00:00"))
    return found, covered or end


def tombstones(schema: ObjectSchema, deleted: Sequence[tuple[str, datetime]]) -> pa.Table:
    """Rows of ``schema`` that say "this id is deleted": everything else null."""
    arrow = schema.arrow_schema
    n = len(deleted)
    cursor = schema.column(schema.cursor_field) if schema.cursor_field else None
    arrays = []
    for column in schema.columns:
        if column.field == "Id":
            arrays.append(pa.array([d[0] for d in deleted], type=pa.string()))
        elif column.field == "IsDeleted":
            arrays.append(pa.array([True] * n, type=pa.bool_()))
        elif cursor is not None and column is cursor:
            arrays.append(pa.array([d[1] for d in deleted], type=column.arrow_type))
        else:
            arrays.append(pa.nulls(n, type=column.arrow_type))
    return pa.Table.from_arrays(arrays, schema=arrow)


def deleted_records(
    client: SalesforceClient,
    schemas: Sequence[ObjectSchema],
    options: SyncOptions,
    report: SyncReport,
) -> Iterator[Any]:
    """The ``deleted_records`` resource of ``mark`` mode (see the module docstring)."""
    state = dlt.current.resource_state()
    windows: dict[str, str] = state.setdefault("windows", {})
    now = client.server_time() + timedelta(seconds=2)  # the Date header counts whole seconds
    for schema in schemas:
        if not schema.soft_deletes:
            continue
        since = parse_instant(windows.get(schema.object))
        if since is None or now - since >= options.deleted_retention:
            # First run (the object's full load sees every live row) or a gap too old to
            # list: start listing from now on.
            windows[schema.object] = now.isoformat()
            continue
        try:
            found, covered = get_deleted(client, schema.object, since - options.overlap, now)
        except ReplicationWindowError as err:
            report.note(f"{err}; deletions before {now:%Y-%m-%d %H:%M} UTC are not marked")
            windows[schema.object] = now.isoformat()
            continue
        if found:
            report.deleted(schema.object, len(found))
            yield [
                {"object_name": schema.object, "id": rid, "deleted_date": when}
                for rid, when in found
            ]
        windows[schema.object] = covered.isoformat()


def mark_deleted_rows(sql_client: Any, dataset: str, schemas: Sequence[ObjectSchema]) -> int:
    """``mark`` mode, after a load: flag rows listed in ``deleted_records`` as deleted, unless
    they changed after the deletion (undeleted). Returns how many rows were flagged."""
    flagged = 0
    with sql_client.with_alternative_dataset_name(dataset) as client:
        tables = {
            row[0]
            for row in client.execute_sql(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = %s", dataset
            )
        }
        if DELETED_RECORDS_TABLE not in tables:
            return 0
        for schema in schemas:
            if not schema.soft_deletes or schema.table not in tables or schema.cursor_field is None:
                continue
            table = client.make_qualified_table_name(schema.table)
            deleted = client.make_qualified_table_name(DELETED_RECORDS_TABLE)
            cursor = schema.column(schema.cursor_field)
            assert cursor is not None
            rows = client.execute_sql(
                f"UPDATE {table} AS t SET is_deleted = true FROM {deleted} AS d "
                f"WHERE d.object_name = %s AND d.id = t.id AND NOT coalesce(t.is_deleted, false) "
                f"AND d.deleted_date >= t.{cursor.name} RETURNING t.id",
                schema.object,
            )
            flagged += len(rows or [])
    return flagged


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")
