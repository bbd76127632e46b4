"""REST ``queryAll`` / queryMore: pages of up to 2,000 records as Arrow tables.

For small objects (below the Bulk threshold) and for objects Bulk API 2.0 cannot serve. A SELECT
list too long for one URL is split into groups of fields that each fit (every group carries
``Id``); the groups are read in full and joined on ``Id``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import pyarrow as pa

from pipelines.salesforce import queries
from pipelines.salesforce.client import SalesforceClient
from pipelines.salesforce.describe import ObjectSchema
from pipelines.salesforce.transport.arrow import records_to_table

DEFAULT_PAGE_SIZE = 2000


def query_pages(
    client: SalesforceClient, soql: str, *, page_size: int = DEFAULT_PAGE_SIZE
) -> Iterator[list[dict[str, Any]]]:
    """The records of ``soql`` (deleted and archived rows included), one page at a time."""
    headers = {"Sforce-Query-Options": f"batchSize={page_size}"}
    body = client.json("GET", client.data_path("/queryAll"), params={"q": soql}, headers=headers)
    while True:
        yield body.get("records") or []
        next_url = body.get("nextRecordsUrl")
        if body.get("done", True) or not next_url:
            return
        body = client.json("GET", next_url, headers=headers)


def count_rows(client: SalesforceClient, object_name: str, conditions: Sequence[str | None]) -> int:
    """``SELECT COUNT()`` over queryAll: how many rows a query with ``conditions`` returns."""
    soql = queries.count(object_name, conditions)
    body = client.json("GET", client.data_path("/queryAll"), params={"q": soql})
    return int(body.get("totalSize") or 0)


def rest_tables(
    client: SalesforceClient,
    schema: ObjectSchema,
    conditions: Sequence[str | None],
    *,
    page_size: int = DEFAULT_PAGE_SIZE,
    max_url_length: int = queries.DEFAULT_MAX_URL_LENGTH,
) -> Iterator[pa.Table]:
    """The rows of ``schema.object`` matching ``conditions``, as tables of ``schema``."""
    prefix = client.instance_url + client.data_path("/queryAll")
    groups = queries.split_fields(
        schema.object, schema.fields, conditions, prefix=prefix, max_url_length=max_url_length
    )
    if len(groups) == 1:
        soql = queries.select(schema.object, schema.fields, conditions)
        for records in query_pages(client, soql, page_size=page_size):
            if records:
                yield records_to_table(records, schema)
        return
    yield _joined(client, schema, conditions, groups, page_size)


def _joined(
    client: SalesforceClient,
    schema: ObjectSchema,
    conditions: Sequence[str | None],
    groups: list[list[str]],
    page_size: int,
) -> pa.Table:
    """Read every field group in full and join them on ``Id``.

    A record changed between two group queries can be missing from one of them; the inner join
    drops it, and its new ``SystemModstamp`` brings it back on the next run.
    """
    joined: pa.Table | None = None
    for group in groups:
        part_schema = ObjectSchema(
            schema.object,
            schema.table,
            tuple(c for c in schema.columns if c.field in group),
            schema.cursor_field,
            schema.soft_deletes,
        )
        soql = queries.select(schema.object, group, conditions)
        pages = [
            records_to_table(r, part_schema)
            for r in query_pages(client, soql, page_size=page_size)
            if r
        ]
        part = pa.concat_tables(pages) if pages else part_schema.arrow_schema.empty_table()
        if joined is None:
            joined = part
        else:
            joined = joined.join(part, keys="id", join_type="inner", use_threads=True)
    assert joined is not None
    return joined.select([c.name for c in schema.columns]).cast(schema.arrow_schema)
