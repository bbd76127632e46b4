"""One object's dlt resource: plan the load, count, stream pages, handle deletes, save the cursor.

    rows = ObjectRows(client, schema, condition, options, report)
    dlt.resource(rows, name="Account", ...)

A run of the generator:

1. reads the object's state (cursor, last full load, fingerprint) and plans the load
   (:mod:`pipelines.salesforce.plan`);
2. learns how many rows the query returns and picks the transport: REST below
   ``bulk_threshold``, Bulk API 2.0 from there (REST again if Bulk refuses the object). A full
   load asks ``SELECT COUNT()`` (it is usually big, and the API budget check needs the size
   first); an incremental one, usually small, opens the REST query straight away and reads the
   size from its first page, dropping that page for Bulk only when the changes are many. The
   getDeleted call of an incremental load runs alongside the query;
3. yields each page as an Arrow table — a full load replaces the table (:data:`FULL_LOAD`),
   an incremental one is merged on ``Id`` together with tombstones of deleted ids;
4. saves the new cursor (the highest ``SystemModstamp`` seen) in the resource state, which dlt
   commits together with the loaded rows: a run that fails or is killed before its load
   completes leaves the previous cursor in place, and the merge makes the re-read harmless.

Incremental queries read ``cursor field >= previous cursor - overlap``: rows sharing the
cursor's timestamp, and rows committed late with an earlier one, are read again rather than
missed; the merge on ``Id`` (newest ``SystemModstamp`` first) removes the duplicates.

Incremental loads are dlt ``delete-insert`` merges: rows go to a staging table, then one
transaction deletes the loaded ids and inserts the staged rows deduplicated by ``Id`` (newest
first), so a load job dlt repeats after a crash cannot duplicate rows. Full loads write straight
into the truncated table, which halves DuckDB's work on the big loads; the one way that can
duplicate rows — a job whose insert committed just before the process died, run again when the
package is resumed — is repaired by :func:`pipelines.salesforce.extract.run_extract` after it
finishes an interrupted load.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

import dlt
import pyarrow as pa
import pyarrow.compute as pc

from pipelines.salesforce import queries
from pipelines.salesforce.client import SalesforceClient
from pipelines.salesforce.deletes import ReplicationWindowError, get_deleted, tombstones
from pipelines.salesforce.describe import ObjectSchema
from pipelines.salesforce.errors import BudgetExceeded
from pipelines.salesforce.plan import (
    ObjectPlan,
    SyncOptions,
    fingerprint,
    parse_instant,
    plan_object,
)
from pipelines.salesforce.report import SyncReport
from pipelines.salesforce.transport import BulkUnsupported, bulk_tables, count_rows, rest_tables
from pipelines.salesforce.transport.bulk import PollPolicy
from pipelines.salesforce.transport.rest import RestRead

TDeletedWindow = tuple[list[tuple[str, datetime]], datetime]
"""What getDeleted answered: ``([(id, deleted at)], latest date covered)``."""

FULL_LOAD = dlt.mark.make_hints(write_disposition="replace")
"""The hint that turns this run's load of the object into a replacement of its table."""


class ObjectGate:
    """Lets at most ``slots`` objects read Bulk results at once, so memory holds that many
    objects' pages rather than every object's (REST pages are small and need no slot).

    A resource waiting for a slot yields ``None`` every 50 ms (dlt skips it), handing its
    extract worker back; waiting inside the worker could starve the objects that hold slots.
    """

    def __init__(self, slots: int) -> None:
        self._slots = threading.BoundedSemaphore(max(1, slots))

    def wait(self) -> Iterator[None]:
        while not self._slots.acquire(timeout=0.05):
            yield None

    def release(self) -> None:
        self._slots.release()


class ObjectRows:
    """The generator function of one object's resource (see the module docstring)."""

    def __init__(
        self,
        client: SalesforceClient,
        schema: ObjectSchema,
        condition: str | None,
        options: SyncOptions,
        report: SyncReport,
        gate: ObjectGate | None = None,
        poll: PollPolicy | None = None,
    ) -> None:
        self.client = client
        self.schema = schema
        self.condition = condition
        self.options = options
        self.report = report
        self.gate = gate or ObjectGate(1)
        self.poll = poll
        self.__name__ = schema.object  # dlt names resources after their function

    def __call__(self) -> Iterator[Any]:
        name = self.schema.object
        state = dlt.current.resource_state()
        started = self.client.server_time()
        print_ = fingerprint(self.schema, self.condition)
        plan = plan_object(state, self.schema, print_, self.options, started)
        self.report.planned(name, "full" if plan.full else "incremental", plan.reason)
        yielded = False
        try:
            for item in self._run(plan, state, started, print_):
                yielded = yielded or item is not None
                yield item
        except BudgetExceeded as err:
            if plan.full and yielded:
                # A full load replaces the whole table: loading half of one would drop the
                # other half. Fail the extract instead, so nothing of this run is loaded.
                raise
            self.report.stopped_by_budget(name, err)

    def _run(
        self, plan: ObjectPlan, state: dict[str, Any], started: datetime, print_: str
    ) -> Iterator[Any]:
        schema = self.schema
        conditions: list[str | None] = [self.condition]
        if not plan.full and plan.since is not None and schema.cursor_field:
            conditions.append(f"{schema.cursor_field} >= {queries.soql_datetime(plan.since)}")
        deletions = (
            self._start_deletions(plan.deleted_since)
            if not plan.full and plan.deleted_since is not None
            else None
        )
        try:
            yield from self._read(plan, state, started, print_, conditions, deletions)
        finally:
            if deletions is not None:
                deletions.cancel()

    def _read(
        self,
        plan: ObjectPlan,
        state: dict[str, Any],
        started: datetime,
        print_: str,
        conditions: list[str | None],
        deletions: Future[TDeletedWindow] | None,
    ) -> Iterator[Any]:
        schema, options = self.schema, self.options
        name = schema.object
        rest_read: RestRead | None = None
        if plan.full:
            total = count_rows(self.client, name, conditions)
        else:
            rest_read = self._open_rest(conditions)
            total = rest_read.total
        transport = "bulk" if total >= options.bulk_threshold else "rest"
        if transport == "bulk":
            rest_read = None  # Bulk reads everything again; the REST page is not needed
        remaining = self.client.remaining_budget()
        if plan.full and remaining is not None and remaining < self._calls_needed(transport, total):
            # A full load cut short by the budget could not be kept (it replaces the whole
            # table): leave the object for a later run instead of starting it.
            raise BudgetExceeded(
                self.client.usage_used or 0,
                self.client.usage_limit or 0,
                self.client.budget_share,
                detail=f"{name} needs about {self._calls_needed(transport, total)} calls.",
            )
        self.report.started(name, transport, total)
        cursor_column = schema.column(schema.cursor_field) if schema.cursor_field else None
        drop_deleted = plan.full and options.delete_mode == "remove" and schema.soft_deletes
        highest: datetime | None = None
        loaded = 0
        if total or plan.full:
            for table in self._tables(transport, conditions, rest_read):
                if table is None:  # waiting for a Bulk slot
                    yield None
                    continue
                fetched = table.num_rows
                if cursor_column is not None:
                    top = pc.max(table.column(cursor_column.name)).as_py()
                    if top is not None and (highest is None or top > highest):
                        highest = top
                if drop_deleted:
                    table = table.filter(pc.invert(pc.fill_null(table.column("is_deleted"), False)))
                self.report.fetched(name, fetched, table.num_rows)
                if table.num_rows:
                    # The hint sticks to the resource for this run: the first page is enough.
                    yield (
                        dlt.mark.with_hints(table, FULL_LOAD) if plan.full and not loaded else table
                    )
                    loaded += table.num_rows
        if plan.full and not loaded:
            # An empty replacement still has to empty the table.
            yield dlt.mark.with_hints(schema.arrow_schema.empty_table(), FULL_LOAD)

        if deletions is not None:
            yield from self._deletions(deletions, state)
        elif options.delete_mode == "mark" or plan.full:
            state["deleted_cursor"] = started.isoformat()

        if plan.full:
            state["full_refresh_at"] = started.isoformat()
            state.pop("needs_full", None)
            new_cursor = highest or started
        else:
            previous = parse_instant(state.get("cursor"))
            new_cursor = (
                max(d for d in (previous, highest) if d is not None)
                if (previous or highest)
                else started
            )
        state["cursor"] = new_cursor.isoformat()
        state["cursor_field"] = schema.cursor_field
        state["fingerprint"] = print_
        self.report.finished(name)

    def _calls_needed(self, transport: str, total: int) -> int:
        """A generous estimate of the API calls reading ``total`` rows takes."""
        options = self.options
        if transport == "bulk":
            # create, a few polls, pages (half-size first page), delete
            return 6 + -(-total // max(1, options.bulk_page_size // 4))
        return 1 + -(-total // max(1, options.rest_page_size))

    def _start_deletions(self, since: datetime) -> Future[TDeletedWindow]:
        """Ask getDeleted for ``since`` until now, in the background (see :meth:`_deletions`)."""
        # The Date header counts whole seconds; ask a little past it; the org answers with the
        # latest date it actually covered, and the next window starts there.
        end = self.client.server_time() + timedelta(seconds=2)
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="get-deleted")
        try:
            return pool.submit(get_deleted, self.client, self.schema.object, since, end)
        finally:
            pool.shutdown(wait=False)

    def _deletions(
        self,
        pending: Future[TDeletedWindow],
        state: dict[str, Any],
    ) -> Iterator[pa.Table]:
        name = self.schema.object
        try:
            found, covered = pending.result()
        except ReplicationWindowError as err:
            self.report.note(f"{err}; the next run reloads {name} in full", level=logging.WARNING)
            state["needs_full"] = True
            return
        if found:
            self.report.deleted(name, len(found))
            yield tombstones(self.schema, found)
        state["deleted_cursor"] = covered.isoformat()

    def _tables(
        self, transport: str, conditions: list[str | None], rest_read: RestRead | None = None
    ) -> Iterator[pa.Table | None]:
        if transport != "bulk":
            yield from rest_read.tables() if rest_read is not None else self._rest(conditions)
            return
        yield from self.gate.wait()
        try:
            yield from self._bulk(conditions)
        finally:
            self.gate.release()

    def _bulk(self, conditions: list[str | None]) -> Iterator[pa.Table]:
        schema = self.schema
        soql = queries.select(schema.object, schema.fields, conditions)
        pages = bulk_tables(
            self.client, schema, soql, page_size=self.options.bulk_page_size, poll=self.poll
        )
        try:
            first = next(pages, None)
        except BulkUnsupported as err:
            self.report.note(f"{err}; reading {schema.object} through REST instead")
            self.report.started(schema.object, "rest", self.report.objects[schema.object].total)
            yield from self._rest(conditions)
            return
        if first is not None:
            yield first
            yield from pages

    def _open_rest(self, conditions: list[str | None]) -> RestRead:
        return RestRead(
            self.client,
            self.schema,
            conditions,
            page_size=self.options.rest_page_size,
            max_url_length=self.options.max_url_length,
        )

    def _rest(self, conditions: list[str | None]) -> Iterator[pa.Table]:
        yield from rest_tables(
            self.client,
            self.schema,
            conditions,
            page_size=self.options.rest_page_size,
            max_url_length=self.options.max_url_length,
        )
