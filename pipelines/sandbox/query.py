"""``GET /query``, ``/queryAll`` and ``/query/{locator}``: SOQL over the org, paged.

The query is compiled by :mod:`pipelines.soql` against the org's catalog, run once on DuckDB,
kept as an Arrow table in the cursor cache and served in pages of ``batchSize`` records
(``Sforce-Query-Options: batchSize=N``, 200 to 2000, default 2000). ``nextRecordsUrl`` is the
root-relative ``/services/data/vXX.X/query/01g…-<offset>`` (also for queryAll, as Salesforce
does). Child subqueries run for the parents of the rows being rendered only; a parent's child
result holds its first 200 records and, when it has more, ``"done": false`` and a
``nextRecordsUrl`` of its own (a cursor over that parent's children), which pages like any
query locator.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import duckdb
import orjson
import pyarrow as pa
import pyarrow.compute as pc
from fastapi import APIRouter, Request
from starlette.responses import Response

from pipelines.sandbox.context import Sandbox, api_version, sandbox_of
from pipelines.sandbox.cursors import WORKERS, Cursor, TRender
from pipelines.sandbox.errors import JSON_TYPE, ApiError, json_response
from pipelines.sandbox.records import RecordRenderer, column_metadata, kinds_of
from pipelines.sandbox.scans import run_in_parts
from pipelines.sandbox.segments import Piece, PiecesResponse
from pipelines.soql import CompiledQuery, DateContext, SoqlError, compile_query

router = APIRouter()

DEFAULT_BATCH = 2000
MIN_BATCH = 200
MAX_BATCH = 2000
CHILD_BATCH = 200  # child records per parent in one answer; the rest page by nextRecordsUrl
_BATCH_OPTION = re.compile(r"batchsize\s*=\s*(\d+)", re.IGNORECASE)
_LOCATOR = re.compile(r"^(01g[0-9A-Za-z]{12}(?:[0-9A-Za-z]{3})?)-(\d+)$")


def batch_size(request: Request) -> int:
    """The page size asked for in ``Sforce-Query-Options``, clamped as Salesforce clamps it."""
    match = _BATCH_OPTION.search(request.headers.get("sforce-query-options", ""))
    if not match:
        return DEFAULT_BATCH
    return max(MIN_BATCH, min(MAX_BATCH, int(match.group(1))))


def compile_soql(sb: Sandbox, text: str, *, include_deleted: bool) -> CompiledQuery:
    """Compile against the org; SOQL errors become Salesforce's 400 answers."""
    settings = sb.store.settings
    context = DateContext(
        now=datetime.now(UTC),
        time_zone=settings.time_zone,
        fiscal_year_start_month=settings.fiscal_year_start_month,
    )
    try:
        return compile_query(
            text,
            catalog=sb.store.catalog,
            dialect="duckdb",
            date_context=context,
            include_deleted=include_deleted,
            currency_rates=currency_rates(sb) if settings.multi_currency else None,
        )
    except SoqlError as err:
        raise ApiError(400, err.code, err.message) from err


def currency_rates(sb: Sandbox) -> dict[str, float] | None:
    """ISO code → conversion rate, from the org's ``CurrencyType`` records."""
    obj = sb.store.catalog.get("CurrencyType")
    if obj is None or obj.field("IsoCode") is None or obj.field("ConversionRate") is None:
        return None
    # CurrencyType is setup data: it has no IsDeleted unless an org directory declared one.
    live = " WHERE NOT is_deleted" if obj.field("IsDeleted") is not None else ""
    sql = f"SELECT iso_code, conversion_rate FROM {sb.store.table('CurrencyType')}{live}"
    with sb.store.reading() as cur:
        rows = cur.execute(sql).fetchall()
    return {str(code): float(rate) for code, rate in rows if code and rate is not None}


def run_sql(sb: Sandbox, sql: str, params: dict[str, Any] | None = None) -> pa.Table:
    """Run SQL on a fresh cursor and return the whole result as Arrow."""
    with sb.store.reading() as cursor:
        relation = cursor.sql(sql, params=params) if params else cursor.sql(sql)
        return relation.to_arrow_table()


@dataclass
class ChildPlan:
    """A parent-to-child subquery; its renderer is made from the first result's schema."""

    relationship: str
    query: CompiledQuery
    parent_key_alias: str
    version: str
    renderer: RecordRenderer | None = None

    def rows_for(
        self, sb: Sandbox, cursor: duckdb.DuckDBPyConnection, parent_ids: list[Any]
    ) -> pa.Table | None:
        """``parent_id`` → ``agg`` JSON for the parents of one page (None: no children at all).

        A parent with more than :data:`CHILD_BATCH` children gets the first ones and a
        ``nextRecordsUrl`` to a cursor over all of them, as Salesforce pages large child sets.
        """
        wanted = [i for i in parent_ids if i is not None]
        if not wanted:
            return None
        table = cursor.sql(self.query.sql, params={"parent_ids": wanted}).to_arrow_table()
        if table.num_rows == 0:
            return None
        renderer = self.renderer
        if renderer is None:
            renderer = self.renderer = RecordRenderer(
                self.query, self.version, sb.store.catalog, kinds_of(table.schema)
            )
        next_urls = self._child_cursors(sb, renderer, table)
        return renderer.render_children(
            cursor, table, self.parent_key_alias, CHILD_BATCH, next_urls
        )

    def _child_cursors(
        self, sb: Sandbox, renderer: RecordRenderer, table: pa.Table
    ) -> pa.Table | None:
        """A cursor per parent whose children overflow one batch; ``parent_id`` → ``url``."""
        keys = table.column(self.parent_key_alias)
        counts = pc.value_counts(keys)
        large = pc.filter(counts.field("values"), pc.greater(counts.field("counts"), CHILD_BATCH))
        if len(large) == 0:
            return None
        parents: list[Any] = []
        urls: list[str] = []
        for parent_id in large.to_pylist():
            rows = table.filter(pc.equal(keys, parent_id))
            locator = sb.cursors.add(Cursor(rows, _renderer_of(sb, renderer, rows, ())))
            parents.append(parent_id)
            urls.append(f"/services/data/{self.version}/query/{locator}-{CHILD_BATCH}")
        return pa.table({"parent_id": pa.array(parents, keys.type), "url": urls})


def _renderer_of(
    sb: Sandbox, renderer: RecordRenderer, table: pa.Table, children: Sequence[ChildPlan]
) -> TRender:
    """What renders rows ``[start, stop)`` of ``table``, with their child subqueries."""

    def render(start: int, stop: int) -> pa.Array:
        rows = table.slice(start, stop - start)
        with sb.store.reading() as duck:
            kids: list[tuple[str, pa.Table]] = []
            id_alias = renderer.root.id_alias
            if children and id_alias:
                parent_ids = rows.column(id_alias).to_pylist()
                for child in children:
                    found = child.rows_for(sb, duck, parent_ids)
                    if found is not None:
                        kids.append((child.relationship, found))
            return renderer.render_rows(duck, rows, kids)

    return render


def open_cursor(sb: Sandbox, cq: CompiledQuery, version: str) -> Cursor:
    """Run a compiled query and keep its result for paging."""
    children = [
        ChildPlan(ch.relationship, ch.query, ch.parent_key_alias, version) for ch in cq.children
    ]
    # A large scan runs as row ranges side by side: the first page waits for the whole result.
    table = run_in_parts(
        sb.store,
        cq,
        lambda cursor, query: cursor.sql(query.sql).to_arrow_table(),
        sb.cursors.executor,
        WORKERS,
    )
    renderer = RecordRenderer(
        cq,
        version,
        sb.store.catalog,
        kinds_of(table.schema),
        child_keys=[c.relationship for c in children],
    )
    return Cursor(table, _renderer_of(sb, renderer, table, children))


def page_body(
    sb: Sandbox, cursor: Cursor, offset: int, size: int, locator: str | None, version: str
) -> list[Piece]:
    """One page of a query answer as JSON, in pieces to send as they are (a page of Account
    with all its fields is megabytes: joining it would copy it once more); the rows after
    it render meanwhile."""
    total = cursor.total
    records = cursor.records(offset, size, sb.cursors.executor if locator else None)
    end = min(offset + size, total)
    head: dict[str, Any] = {"totalSize": total, "done": end >= total}
    if end < total and locator:
        head["nextRecordsUrl"] = f"/services/data/{version}/query/{locator}-{end}"
    return [orjson.dumps(head)[:-1] + b',"records":[', *records, b"]}"]


def _page_response(pieces: list[Piece]) -> Response:
    return PiecesResponse.of(pieces, {}, JSON_TYPE)


def _run(request: Request, version: str, *, include_deleted: bool) -> Response:
    sb = sandbox_of(request)
    version = api_version(version)
    params = request.query_params
    explain = params.get("explain")
    text = params.get("q") if explain is None else explain
    if not text or not text.strip():
        raise ApiError(400, "MALFORMED_QUERY", "A query string has to be specified")
    cq = compile_soql(sb, text, include_deleted=include_deleted)
    if explain is not None:
        return json_response(_explain(sb, cq))
    if params.get("columns", "").lower() == "true":
        return json_response(column_metadata(cq, sb.store.catalog))
    if cq.is_count:
        table = run_sql(sb, cq.sql)
        count = table.column(0)[0].as_py() if table.num_rows else 0
        return json_response({"totalSize": int(count or 0), "done": True, "records": []})
    cursor = open_cursor(sb, cq, version)
    size = batch_size(request)
    locator = sb.cursors.add(cursor) if cursor.total > size else None
    return _page_response(page_body(sb, cursor, 0, size, locator, version))


def _explain(sb: Sandbox, cq: CompiledQuery) -> dict[str, Any]:
    rows = sb.store.count(cq.object) if not cq.is_aggregate else 1
    return {
        "plans": [
            {
                "cardinality": rows,
                "fields": [],
                "leadingOperationType": "TableScan",
                "notes": [],
                "relativeCost": 1.0,
                "sobjectCardinality": rows,
                "sobjectType": cq.object,
            }
        ]
    }


def _more(request: Request, version: str, locator: str) -> Response:
    sb = sandbox_of(request)
    version = api_version(version)
    match = _LOCATOR.match(locator)
    cursor = sb.cursors.get(match.group(1)) if match else None
    if match is None or cursor is None or int(match.group(2)) > cursor.total:
        raise ApiError(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
    offset = int(match.group(2))
    return _page_response(
        page_body(sb, cursor, offset, batch_size(request), match.group(1), version)
    )


@router.get("/services/data/{version}/query")
def query(request: Request, version: str) -> Response:
    return _run(request, version, include_deleted=False)


@router.get("/services/data/{version}/queryAll")
def query_all(request: Request, version: str) -> Response:
    return _run(request, version, include_deleted=True)


@router.get("/services/data/{version}/query/{locator}")
def query_more(request: Request, version: str, locator: str) -> Response:
    return _more(request, version, locator)


@router.get("/services/data/{version}/queryAll/{locator}")
def query_all_more(request: Request, version: str, locator: str) -> Response:
    return _more(request, version, locator)
