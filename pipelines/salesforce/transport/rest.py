"""REST ``queryAll`` / queryMore: pages of up to 2,000 records as Arrow tables.

For small objects (below the Bulk threshold) and for objects Bulk API 2.0 cannot serve. A SELECT
list too long for one URL is split into groups of fields that each fit (every group carries
``Id``); the groups are read in full and joined on ``Id``.

:class:`RestRead` fetches the first page when it is opened: its ``totalSize`` says how many rows
the whole query returns, so an incremental run learns whether the changes are few enough for
REST without a ``COUNT()`` call of its own::

    read = RestRead(client, schema, conditions)
    if read.total < threshold:
        tables = read.tables()
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


def first_page(
    client: SalesforceClient, soql: str, *, page_size: int = DEFAULT_PAGE_SIZE
) -> dict[str, Any]:
    """The first answer to ``soql`` over queryAll: ``totalSize``, ``records``, ``nextRecordsUrl``."""
    headers = {"Sforce-Query-Options": f"batchSize={page_size}"}
    body: dict[str, Any] = client.json(
        "GET", client.data_path("/queryAll"), params={"q": soql}, headers=headers
    )
    return body


def query_pages(
    client: SalesforceClient,
    soql: str,
    *,
    page_size: int = DEFAULT_PAGE_SIZE,
    first: dict[str, Any] | None = None,
) -> Iterator[list[dict[str, Any]]]:
    """The records of ``soql`` (deleted and archived rows included), one page at a time;
    ``first`` is the query's first answer when the caller already has it."""
    headers = {"Sforce-Query-Options": f"batchSize={page_size}"}
    body = first if first is not None else first_page(client, soql, page_size=page_size)
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
    read = RestRead(client, schema, conditions, page_size=page_size, max_url_length=max_url_length)
    yield from read.tables()


class RestRead:
    """One REST read of ``schema.object``, its first page already fetched (see the module
    docstring). ``total`` is the number of rows the query returns; :meth:`tables` reads them."""

    def __init__(
        self,
        client: SalesforceClient,
        schema: ObjectSchema,
        conditions: Sequence[str | None],
        *,
        page_size: int = DEFAULT_PAGE_SIZE,
        max_url_length: int = queries.DEFAULT_MAX_URL_LENGTH,
    ) -> None:
        self.client = client
        self.schema = schema
        self.conditions = list(conditions)
        self.page_size = page_size
        prefix = client.instance_url + client.data_path("/queryAll")
        self.groups = queries.split_fields(
            schema.object, schema.fields, conditions, prefix=prefix, max_url_length=max_url_length
        )
        self._first: dict[str, Any] | None = first_page(
            client, queries.select(schema.object, self.groups[0], conditions), page_size=page_size
        )
        self.total = int(self._first.get("totalSize") or 0)

    def tables(self) -> Iterator[pa.Table]:
        """The rows as tables of ``schema``: one per page, or one joined table for split
        SELECT lists. Once only: the first page is not kept after it was handed out."""
        first, self._first = self._first, None
        if len(self.groups) == 1:
            soql = queries.select(self.schema.object, self.schema.fields, self.conditions)
            for records in query_pages(self.client, soql, page_size=self.page_size, first=first):
                if records:
                    yield records_to_table(records, self.schema)
            return
        yield _joined(self.client, self.schema, self.conditions, self.groups, self.page_size, first)


def _joined(
    client: SalesforceClient,
    schema: ObjectSchema,
    conditions: Sequence[str | None],
    groups: list[list[str]],
    page_size: int,
    first: dict[str, Any] | None = None,
) -> pa.Table:
    """Read every field group in full and join them on ``Id``.

    A record changed between two group queries can be missing from one of them; the inner join
    drops it, and its new ``SystemModstamp`` brings it back on the next run.
    """
    joined: pa.Table | None = None
    for index, group in enumerate(groups):
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
            for r in query_pages(
                client, soql, page_size=page_size, first=first if index == 0 else None
            )
            if r
        ]
        part = pa.concat_tables(pages) if pages else part_schema.arrow_schema.empty_table()
        if joined is None:
            joined = part
        else:
            joined = joined.join(part, keys="id", join_type="inner", use_threads=True)
    assert joined is not None
    return joined.select([c.name for c in schema.columns]).cast(schema.arrow_schema)
