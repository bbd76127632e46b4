"""REST resources other than query: versions, describe, limits, sObject rows, getUpdated/Deleted.

Every route takes any ``vNN.N``; the gateway has already stripped trailing slashes, so
``/sobjects/Account/`` (simple_salesforce) and ``/sobjects/Account`` (jsforce) are one route.
Record writes go through :class:`~pipelines.sandbox.store.OrgStore`, whose
:class:`~pipelines.sandbox.store.StoreError` carries the status code Salesforce answers with.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sized
from datetime import UTC, datetime
from typing import Any, NoReturn, TypeVar
from urllib.parse import unquote

from fastapi import APIRouter, Request
from starlette.responses import Response

from pipelines.sandbox import describe, ids
from pipelines.sandbox.context import JsonBody, Sandbox, api_version, sandbox_of, session_of
from pipelines.sandbox.errors import ApiError, bad_request, json_response, not_found
from pipelines.sandbox.store import StoreError
from pipelines.sandbox.values import format_datetime, parse_datetime, rest_value
from pipelines.soql.catalog import SObject

router = APIRouter()

MAX_REPLICATION_IDS = 600_000
TFound = TypeVar("TFound", bound=Sized)


# --- helpers shared with the collection and bulk routes ----------------------------------------


def store_error(
    err: StoreError, *, version: str = "", object_name: str = ""
) -> ApiError | Response:
    """A StoreError as a REST answer (300 for ambiguous external ids, like Salesforce)."""
    if err.status_code == "MULTIPLE_CHOICES":
        urls = [f"/services/data/{version}/sobjects/{object_name}/{i}" for i in err.record_ids]
        return json_response(urls, 300)
    return ApiError(err.http_status, err.status_code, err.message, err.fields)


def raise_store_error(err: StoreError, **context: str) -> NoReturn:
    answer = store_error(err, **context)
    if isinstance(answer, ApiError):
        raise answer from err
    raise _Answer(answer) from err


class _Answer(Exception):
    """Carries a ready response (the 300 choices list) out of nested helpers."""

    def __init__(self, response: Response) -> None:
        super().__init__("answer")
        self.response = response


def sobject_or_404(sb: Sandbox, name: str) -> SObject:
    obj = sb.store.catalog.get(name)
    if obj is None:
        raise not_found()
    return obj


def record_url(version: str, object_name: str, record_id: str) -> str:
    return f"/services/data/{version}/sobjects/{object_name}/{record_id}"


def record_json(obj: SObject, record: Mapping[str, Any], version: str) -> dict[str, Any]:
    """A stored record (API name → value) as REST shows it, ``attributes`` first."""
    out: dict[str, Any] = {
        "attributes": {"type": obj.name, "url": record_url(version, obj.name, str(record["Id"]))}
    }
    for name, value in record.items():
        f = obj.field(name)
        out[name] = rest_value(f, value) if f is not None else value
    return out


def check_injected(sb: Sandbox, obj: SObject, record_id: str | None, fields: Iterable[str]) -> None:
    err = sb.faults.check_write(obj.name, record_id, fields)
    if err is not None:
        raise err


def as_object(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise bad_request(
            "JSON_PARSER_ERROR", "The request body must be a JSON object of field values"
        )
    return body


def _run(call: Any) -> Response:
    try:
        result: Response = call()
    except _Answer as answer:
        return answer.response
    return result


# --- discovery ---------------------------------------------------------------------------------


@router.get("/services/data")
def versions(request: Request) -> Response:
    sb = sandbox_of(request)
    return json_response(describe.versions(sb.options.max_api_version))


@router.get("/services/data/{version}")
def resources(version: str) -> Response:
    return json_response(describe.resources(api_version(version)))


@router.get("/services/data/{version}/limits")
def limits(request: Request, version: str) -> Response:
    api_version(version)
    sb = sandbox_of(request)
    daily = sb.faults.settings.daily_limit
    jobs_today = sb.jobs.created_today()

    def limit(maximum: int, remaining: int | None = None) -> dict[str, int]:
        return {"Max": maximum, "Remaining": maximum if remaining is None else max(0, remaining)}

    return json_response(
        {
            "ConcurrentAsyncGetReportInstances": limit(200),
            "ConcurrentSyncReportRuns": limit(20),
            "DailyApiRequests": limit(daily, sb.faults.remaining()),
            "DailyAsyncApexExecutions": limit(250000),
            "DailyBulkApiBatches": limit(15000),
            "DailyBulkV2QueryFileStorageMB": limit(976562),
            "DailyBulkV2QueryJobs": limit(10000, 10000 - jobs_today),
            "DailyStreamingApiEvents": limit(1000000),
            "DataStorageMB": limit(1024, 1024 - _data_storage_mb(sb)),
            "FileStorageMB": limit(1024),
            "HourlyDashboardRefreshes": limit(200),
            "HourlyODataCallout": limit(10000),
            "HourlySyncReportRuns": limit(500),
            "MassEmail": limit(5000),
            "SingleEmail": limit(5000),
        }
    )


def _data_storage_mb(sb: Sandbox) -> int:
    # Salesforce counts most records as 2 KB.
    total = sum(sb.store.count(o.name) for o in sb.store.catalog)
    return total * 2 // 1024


@router.get("/services/data/{version}/sobjects")
def describe_global(request: Request, version: str) -> Response:
    sb = sandbox_of(request)
    return json_response(describe.describe_global(sb.store.catalog, api_version(version)))


@router.get("/services/data/{version}/sobjects/{name}")
def sobject_basic_info(request: Request, version: str, name: str) -> Response:
    sb = sandbox_of(request)
    version = api_version(version)
    obj = sobject_or_404(sb, name)
    return json_response({"objectDescribe": describe.global_entry(obj, version), "recentItems": []})


@router.get("/services/data/{version}/sobjects/{name}/describe")
def sobject_describe(request: Request, version: str, name: str) -> Response:
    sb = sandbox_of(request)
    version = api_version(version)
    obj = sobject_or_404(sb, name)
    return json_response(describe.describe_object(sb.store.catalog, obj, version))


# --- getUpdated / getDeleted -------------------------------------------------------------------

_BROKEN_OFFSET = re.compile(r":$")


def _replication_instant(request: Request, name: str) -> datetime:
    raw = request.query_params.get(name)
    if raw is None or not raw.strip():
        raise bad_request("MISSING_ARGUMENT", f"{name} parameter must be specified")
    # simple_salesforce sends naive datetimes as "…T03:04:05:" (a dangling colon); a plus sign
    # that arrived unencoded has become a space.
    text = _BROKEN_OFFSET.sub("", unquote(raw).strip()).replace(" ", "+")
    try:
        return parse_datetime(text)
    except ValueError:
        raise bad_request(
            "INVALID_REPLICATION_DATE", f"{name} is not a valid date/time: {raw}"
        ) from None


def _replication_window(request: Request) -> tuple[datetime, datetime]:
    """``[start, covered)``: seconds of ``start`` are ignored, as Salesforce ignores them;
    ``covered`` is ``end``, or now if ``end`` is in the future.

    Real orgs refuse a ``start`` more than 15-30 days back; the sandbox org does not, because
    the demo org's data is generated relative to a fixed date and ages with the calendar.
    """
    start = _replication_instant(request, "start")
    end = _replication_instant(request, "end")
    now = datetime.now(UTC)
    if end <= start:
        raise bad_request("INVALID_REPLICATION_DATE", "end date must be after the start date")
    return start.replace(second=0, microsecond=0), min(end, now)


def _replicated(
    request: Request,
    version: str,
    name: str,
    find: Callable[[Sandbox, str, datetime, datetime], TFound],
) -> tuple[Sandbox, str, datetime, datetime, TFound]:
    """What getUpdated and getDeleted share: the object, the window and the ids found in it."""
    sb = sandbox_of(request)
    api_version(version)
    obj = sobject_or_404(sb, name)
    start, covered = _replication_window(request)
    found = find(sb, obj.name, start, covered)
    if len(found) > MAX_REPLICATION_IDS:
        raise bad_request("EXCEEDED_ID_LIMIT", "record limit reached; narrow the date range")
    return sb, obj.name, start, covered, found


@router.get("/services/data/{version}/sobjects/{name}/updated")
def get_updated(request: Request, version: str, name: str) -> Response:
    _, _, _, covered, found = _replicated(
        request, version, name, lambda sb, o, a, b: sb.store.updated_ids(o, a, b)
    )
    return json_response({"ids": found, "latestDateCovered": format_datetime(covered)})


@router.get("/services/data/{version}/sobjects/{name}/deleted")
def get_deleted(request: Request, version: str, name: str) -> Response:
    sb, object_name, start, covered, found = _replicated(
        request, version, name, lambda sb, o, a, b: sb.store.deleted(o, a, b)
    )
    earliest = sb.store.earliest_deleted_date(object_name) or start
    return json_response(
        {
            "deletedRecords": [
                {"id": rid, "deletedDate": format_datetime(when)} for rid, when in found
            ],
            "earliestDateAvailable": format_datetime(earliest),
            "latestDateCovered": format_datetime(covered),
        }
    )


# --- sObject rows ------------------------------------------------------------------------------


def _fields_param(request: Request) -> list[str] | None:
    raw = request.query_params.get("fields")
    if not raw:
        return None
    return [f.strip() for f in raw.split(",") if f.strip()]


def _read(
    sb: Sandbox, obj: SObject, record_id: str, fields: list[str] | None, version: str
) -> Response:
    try:
        record = sb.store.get(obj.name, record_id, fields)
    except StoreError as err:
        raise_store_error(err, version=version, object_name=obj.name)
    if record is None:
        raise not_found()
    if "Id" not in record:
        record = {"Id": ids.to_18(record_id), **record}
    return json_response(record_json(obj, record, version))


def _looks_like_id(obj: SObject, value: str) -> bool:
    return ids.is_valid_id(value) and value[:3] == obj.key_prefix


def _external_field(obj: SObject, name: str) -> str:
    f = obj.field(name)
    if f is None or not (f.external_id or f.name == "Id" or f.unique):
        raise not_found(f"Provided external ID field does not exist or is not accessible: {name}")
    return f.name


@router.post("/services/data/{version}/sobjects/{name}", status_code=201)
def create(request: Request, version: str, name: str, body: JsonBody) -> Response:
    sb = sandbox_of(request)
    version = api_version(version)
    obj = sobject_or_404(sb, name)
    values = as_object(body)
    return _run(lambda: _create(sb, request, obj, values, version))


def _create(
    sb: Sandbox, request: Request, obj: SObject, values: dict[str, Any], version: str
) -> Response:
    check_injected(sb, obj, None, (k for k in values if k != "attributes"))
    try:
        [new_id] = sb.store.insert(obj.name, [values], user_id=session_of(request).user_id)
    except StoreError as err:
        raise_store_error(err, version=version, object_name=obj.name)
    return json_response({"id": new_id, "success": True, "errors": []}, 201)


@router.get("/services/data/{version}/sobjects/{name}/{record_id}")
def read(request: Request, version: str, name: str, record_id: str) -> Response:
    sb = sandbox_of(request)
    version = api_version(version)
    obj = sobject_or_404(sb, name)
    if not _looks_like_id(obj, record_id):
        raise not_found(
            f"Provided external ID field does not exist or is not accessible: {record_id}"
        )
    return _run(lambda: _read(sb, obj, record_id, _fields_param(request), version))


@router.patch("/services/data/{version}/sobjects/{name}/{record_id}")
def update(request: Request, version: str, name: str, record_id: str, body: JsonBody) -> Response:
    sb = sandbox_of(request)
    version = api_version(version)
    obj = sobject_or_404(sb, name)
    values = as_object(body)
    if not _looks_like_id(obj, record_id):
        raise not_found(
            f"Provided external ID field does not exist or is not accessible: {record_id}"
        )
    return _run(lambda: _update(sb, request, obj, record_id, values, version))


def _update(
    sb: Sandbox,
    request: Request,
    obj: SObject,
    record_id: str,
    values: dict[str, Any],
    version: str,
) -> Response:
    fields = [k for k in values if k != "attributes"]
    check_injected(sb, obj, ids.to_18(record_id), fields)
    try:
        sb.store.update(obj.name, record_id, values, user_id=session_of(request).user_id)
    except StoreError as err:
        raise_store_error(err, version=version, object_name=obj.name)
    return Response(status_code=204)


@router.delete("/services/data/{version}/sobjects/{name}/{record_id}")
def delete(request: Request, version: str, name: str, record_id: str) -> Response:
    sb = sandbox_of(request)
    version = api_version(version)
    obj = sobject_or_404(sb, name)
    if not _looks_like_id(obj, record_id):
        raise not_found(
            f"Provided external ID field does not exist or is not accessible: {record_id}"
        )
    return _run(lambda: _delete(sb, request, obj, ids.to_18(record_id), version))


def _delete(sb: Sandbox, request: Request, obj: SObject, record_id: str, version: str) -> Response:
    check_injected(sb, obj, record_id, ())
    try:
        sb.store.delete(obj.name, record_id, user_id=session_of(request).user_id)
    except StoreError as err:
        if err.status_code == "ENTITY_IS_DELETED":
            raise ApiError(404, err.status_code, err.message, err.fields) from err
        raise_store_error(err, version=version, object_name=obj.name)
    return Response(status_code=204)


@router.post("/services/data/{version}/sobjects/{name}/{field}", status_code=201)
def create_by_id_field(
    request: Request, version: str, name: str, field: str, body: JsonBody
) -> Response:
    """``POST /sobjects/Account/Id``: a create that names ``Id`` as its external id."""
    sb = sandbox_of(request)
    version = api_version(version)
    obj = sobject_or_404(sb, name)
    if field.lower() != "id":
        raise ApiError(
            405,
            "METHOD_NOT_ALLOWED",
            "HTTP Method 'POST' not allowed. Allowed are GET,PATCH,DELETE",
        )
    values = as_object(body)
    return _run(lambda: _create(sb, request, obj, values, version))


@router.get("/services/data/{version}/sobjects/{name}/{field}/{value:path}")
def read_by_external_id(
    request: Request, version: str, name: str, field: str, value: str
) -> Response:
    sb = sandbox_of(request)
    version = api_version(version)
    obj = sobject_or_404(sb, name)
    field_name = _external_field(obj, field)
    return _run(lambda: _read_external(sb, request, obj, field_name, value, version))


def _read_external(
    sb: Sandbox, request: Request, obj: SObject, field_name: str, value: str, version: str
) -> Response:
    matches = sb.store.find_ids(obj.name, field_name, value)
    if not matches:
        raise not_found()
    if len(matches) > 1:
        return json_response([record_url(version, obj.name, m) for m in matches], 300)
    return _read(sb, obj, matches[0], _fields_param(request), version)


@router.patch("/services/data/{version}/sobjects/{name}/{field}/{value:path}")
def upsert(
    request: Request,
    version: str,
    name: str,
    field: str,
    value: str,
    body: JsonBody,
) -> Response:
    sb = sandbox_of(request)
    version = api_version(version)
    obj = sobject_or_404(sb, name)
    field_name = _external_field(obj, field)
    values = as_object(body)
    return _run(lambda: _upsert(sb, request, obj, field_name, value, values, version))


def _upsert(
    sb: Sandbox,
    request: Request,
    obj: SObject,
    field_name: str,
    value: str,
    values: dict[str, Any],
    version: str,
) -> Response:
    existing = sb.store.find_ids(obj.name, field_name, value)
    if not existing and request.query_params.get("updateOnly", "").lower() == "true":
        raise not_found()
    if len(existing) > 1:
        return json_response([record_url(version, obj.name, m) for m in existing], 300)
    fields = [k for k in values if k != "attributes"]
    check_injected(sb, obj, existing[0] if existing else None, fields)
    try:
        record_id, created = sb.store.upsert(
            obj.name, field_name, value, values, user_id=session_of(request).user_id
        )
    except StoreError as err:
        raise_store_error(err, version=version, object_name=obj.name)
    body = {"id": record_id, "success": True, "errors": [], "created": created}
    return json_response(body, 201 if created else 200)


@router.delete("/services/data/{version}/sobjects/{name}/{field}/{value:path}")
def delete_by_external_id(
    request: Request, version: str, name: str, field: str, value: str
) -> Response:
    sb = sandbox_of(request)
    version = api_version(version)
    obj = sobject_or_404(sb, name)
    field_name = _external_field(obj, field)

    def run() -> Response:
        matches = sb.store.find_ids(obj.name, field_name, value)
        if not matches:
            raise not_found()
        if len(matches) > 1:
            return json_response([record_url(version, obj.name, m) for m in matches], 300)
        return _delete(sb, request, obj, matches[0], version)

    return _run(run)
