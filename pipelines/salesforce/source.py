"""``salesforce_source``: the dlt source, one resource per Salesforce object.

Use it like any dlt source; credentials and options come from dlt's config system::

    import dlt
    from pipelines.salesforce import salesforce_source

    pipeline = dlt.pipeline("my_salesforce", destination="duckdb", dataset_name="salesforce")
    pipeline.run(salesforce_source(objects=["Account", "Contact", "Invoice__c"]))

``.dlt/secrets.toml`` (or ``SOURCES__SALESFORCE__CREDENTIALS__*`` environment variables) holds
the credentials (see :mod:`pipelines.salesforce.credentials`); every keyword below with a plain
default can be set under ``[sources.salesforce]`` in ``.dlt/config.toml`` or as
``SOURCES__SALESFORCE__BULK_THRESHOLD=50000``.

Each object becomes a table named with dlt's snake_case convention (``Account`` → ``account``,
``Account_Health__c`` → ``account_health_c``), typed from describe, merged on ``id``. Two more
tables come along: ``describe_catalog`` (the org's describe of the synced objects) and, in
``mark`` delete mode, ``deleted_records``. Objects are read in parallel (dlt's extract workers).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from datetime import timedelta
from typing import Any, Literal

import dlt
import orjson
from dlt.extract import DltResource

from pipelines.config.model import IntegrationConfig
from pipelines.salesforce.catalog_file import CATALOG_COLUMNS, CATALOG_TABLE, catalog_rows
from pipelines.salesforce.client import DEFAULT_API_VERSION, SalesforceClient
from pipelines.salesforce.credentials import SalesforceCredentials
from pipelines.salesforce.deletes import (
    DELETED_RECORDS_COLUMNS,
    DELETED_RECORDS_TABLE,
    deleted_records,
)
from pipelines.salesforce.describe import (
    ObjectSchema,
    SObjectDescribe,
    describe_if_present,
    describe_objects,
    object_schema,
)
from pipelines.salesforce.plan import SyncOptions
from pipelines.salesforce.report import ProgressCallback, SyncReport
from pipelines.salesforce.resources import ObjectGate, ObjectRows
from pipelines.salesforce.selection import (
    Selection,
    config_objects,
    org_catalog,
    selection_from_config,
)
from pipelines.soql.catalog import Catalog


@dlt.source(name="salesforce", section="salesforce", max_table_nesting=0)
def salesforce_source(
    objects: list[str] | None = None,
    selection: Selection | None = None,
    credentials: SalesforceCredentials = dlt.secrets.value,
    bulk_threshold: int = 10_000,
    overlap_seconds: int = 600,
    delete_mode: Literal["remove", "mark"] = "remove",
    formula_refresh_hours: float = 24.0,
    full_refresh: bool = False,
    deleted_retention_days: int = 15,
    api_budget_share: float = 0.8,
    api_version: str = DEFAULT_API_VERSION,
    bulk_page_size: int = 50_000,
    max_url_length: int = 14_000,
    parallel_objects: int = 3,
    progress: ProgressCallback | None = None,
    report: SyncReport | None = None,
    integration_config: IntegrationConfig | None = None,
    base_catalog: Catalog | None = None,
) -> Iterator[DltResource]:
    """One resource per object of the org, typed from describe and synced incrementally.

    Args:
        objects: objects to sync (API names); default: those of ``selection``, else Account,
            Contact, Opportunity, User, Contract, Case, CaseComment and EmailMessage.
        selection: fields and row filters per object (:class:`Selection`, e.g. from
            :func:`selection_from_config`); default: every field of every object.
        credentials: see :mod:`pipelines.salesforce.credentials`.
        bulk_threshold: objects whose query returns at least this many rows go through Bulk
            API 2.0, smaller ones through REST (full loads count first with ``COUNT()``;
            incremental ones read the count from their first REST page).
        overlap_seconds: incremental queries re-read this much before the saved cursor.
        delete_mode: ``remove`` deletes rows of deleted records; ``mark`` keeps them with
            ``is_deleted = true`` (see :mod:`pipelines.salesforce.deletes`).
        formula_refresh_hours: objects with formula fields are reloaded in full this often
            (0: never), since formula values change without touching ``SystemModstamp``.
        full_refresh: reload every object in full.
        deleted_retention_days: how long the org lists deletions in getDeleted; a gap longer
            than this forces a full reload of the object.
        api_budget_share: stop before the org's daily API usage passes this share.
        api_version: the REST API version, e.g. ``62.0``.
        bulk_page_size: records per Bulk result page.
        max_url_length: REST queries whose URL would be longer are split into several
            queries over groups of fields, joined on ``Id``.
        parallel_objects: how many objects read Bulk results at the same time (each holds a
            page or two in memory); dlt's extract ``workers`` should be more than this.
        progress: called as ``progress(object, rows_so_far, total_or_None)`` (worker threads).
        report: a :class:`SyncReport` to fill (rows, messages, API calls); one is made if not.
        integration_config: instead of ``selection``, an integration config: the objects and
            fields it needs (:func:`selection_from_config`), its names resolved against the
            org's own describe of the objects it names.
        base_catalog: with ``integration_config``, what to resolve names of objects the config
            does not name against (parents in filter paths); default: the standard objects.
    """
    _quiet_expected_warnings()
    if integration_config is not None and selection is not None:
        raise ValueError("pass integration_config or selection, not both")
    report = report if report is not None else SyncReport()
    if progress is not None:
        report.progress = progress
    options = SyncOptions(
        bulk_threshold=bulk_threshold,
        overlap=timedelta(seconds=overlap_seconds),
        delete_mode=delete_mode,
        formula_refresh=timedelta(hours=formula_refresh_hours)
        if formula_refresh_hours > 0
        else None,
        full_refresh=full_refresh,
        deleted_retention=timedelta(days=deleted_retention_days),
        bulk_page_size=bulk_page_size,
        max_url_length=max_url_length,
    )
    if options.delete_mode not in ("remove", "mark"):
        raise ValueError(f"delete_mode must be 'remove' or 'mark', got {delete_mode!r}")
    report.delete_mode = options.delete_mode
    client = report.client or SalesforceClient(
        credentials, api_version=api_version, budget_share=api_budget_share
    )
    report.client = client
    described: dict[str, SObjectDescribe] = {}
    if integration_config is not None:
        found = describe_if_present(client, config_objects(integration_config))
        described = {d.name.lower(): d for d in found.values() if d is not None}
        chosen = selection_from_config(integration_config, org_catalog(found, base_catalog))
    else:
        chosen = selection or Selection()
    if objects is not None:
        chosen = chosen.only(objects)
    for note in chosen.notes:
        report.note(note, level=logging.WARNING)
    rest = describe_objects(client, [n for n in chosen.objects if n.lower() not in described])
    describes = {n: rest.get(n) or described[n.lower()] for n in chosen.objects}
    report.describes.update({d.name: d for d in describes.values()})
    described_at = client.server_time()
    schemas: list[ObjectSchema] = []
    gate = ObjectGate(parallel_objects)
    for name in chosen.objects:
        describe = describes[name]
        if not describe.queryable:
            report.note(
                f"{describe.name} cannot be queried by this user; skipped", level=logging.WARNING
            )
            continue
        fields, unknown = chosen.fields_for(name).choose(describe)
        if unknown:
            report.note(
                f"{describe.name}: no field {', '.join(unknown)} to pull (not in the org's "
                "describe, or a compound/file field); left out",
                level=logging.WARNING,
            )
        schema = object_schema(describe, fields)
        schemas.append(schema)
        report.synced_fields[describe.name] = fields
        rows = ObjectRows(client, schema, chosen.filter_for(name), options, report, gate)
        yield _object_resource(rows, schema, options)

    def describe_catalog() -> Iterator[Any]:
        rows = catalog_rows(report.describes, report.synced_fields, described_at)
        # Unchanged describes need no load; the fingerprint is committed with the rows.
        state = dlt.current.resource_state()
        seen = state.setdefault("fingerprints", {})
        for name, object_rows in _by_object(rows).items():
            print_ = _rows_fingerprint(object_rows)
            if seen.get(name) != print_:
                seen[name] = print_
                yield object_rows

    yield dlt.resource(
        describe_catalog,
        name=CATALOG_TABLE,
        write_disposition="merge",
        merge_key="object_name",
        columns=CATALOG_COLUMNS,
    )
    if options.delete_mode == "mark":

        def deleted() -> Iterator[Any]:
            yield from deleted_records(client, schemas, options, report)

        yield dlt.resource(
            deleted,
            name=DELETED_RECORDS_TABLE,
            write_disposition="merge",
            primary_key=["object_name", "id"],
            columns=DELETED_RECORDS_COLUMNS,
        )


def _by_object(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        grouped.setdefault(str(row["object_name"]), []).append(row)
    return grouped


def _rows_fingerprint(rows: list[dict[str, Any]]) -> str:
    stable = [{k: v for k, v in row.items() if k != "described_at"} for row in rows]
    return hashlib.sha1(orjson.dumps(stable, option=orjson.OPT_SORT_KEYS)).hexdigest()[:16]


def _object_resource(rows: ObjectRows, schema: ObjectSchema, options: SyncOptions) -> DltResource:
    columns = schema.dlt_columns
    if schema.cursor_field:
        cursor = schema.column(schema.cursor_field)
        assert cursor is not None
        columns[cursor.name] = {**columns[cursor.name], "dedup_sort": "desc"}
    if options.delete_mode == "remove" and schema.soft_deletes:
        columns["is_deleted"] = {**columns["is_deleted"], "hard_delete": True}

    def generate() -> Iterator[Any]:
        yield from rows()

    return dlt.resource(
        generate,
        name=schema.object,
        table_name=schema.table,
        write_disposition="merge",
        primary_key="id",
        columns=columns,
        parallelized=True,
    )


class _ExpectedWarnings(logging.Filter):
    """A full load replaces a merged table; dlt warns that merge-only hints go unused then."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not (
            'is only applied when using the "merge" write disposition' in message
            and ('"hard_delete"' in message or '"dedup_sort"' in message)
        )


def _quiet_expected_warnings() -> None:
    log = logging.getLogger("dlt")
    if not any(isinstance(f, _ExpectedWarnings) for f in log.filters):
        log.addFilter(_ExpectedWarnings())
