"""sObject Collections: ``/composite/sobjects`` create, update, upsert, delete and retrieve.

Up to 200 records per call; HTTP 200 with one result per input, in input order. Per-record
errors use ``statusCode`` (not ``errorCode``). With ``allOrNone`` a single failure leaves the
org unchanged and the other records report ``ALL_OR_NONE_OPERATION_ROLLED_BACK``.

Records of several objects in one call are written object by object; if a later object fails
under ``allOrNone``, the records already created for earlier objects are removed again (soft
delete, then purged from the recycle bin).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from pipelines.sandbox import ids
from pipelines.sandbox.context import JsonBody, Sandbox, api_version, sandbox_of, session_of
from pipelines.sandbox.errors import ApiError, bad_request, json_response
from pipelines.sandbox.rest import record_json, sobject_or_404
from pipelines.sandbox.store import StoreError
from pipelines.soql.catalog import SObject

router = APIRouter()

MAX_RECORDS = 200
ROLLED_BACK = StoreError(
    "ALL_OR_NONE_OPERATION_ROLLED_BACK",
    "Record rolled back because not all records were valid and the request was using AllOrNone header",
)

Outcome = str | tuple[str, bool] | StoreError  # id | (id, created) | error


def _records(body: Any) -> tuple[list[Any], bool]:
    if not isinstance(body, dict) or not isinstance(body.get("records"), list):
        raise bad_request("JSON_PARSER_ERROR", 'Expected {"allOrNone": bool, "records": [...]}')
    records = body["records"]
    if len(records) > MAX_RECORDS:
        raise bad_request(
            "EXCEEDED_ID_LIMIT",
            f"Maximum number of records allowed is {MAX_RECORDS}, got {len(records)}",
        )
    all_or_none = body.get("allOrNone", False)
    if not isinstance(all_or_none, bool):
        raise bad_request("JSON_PARSER_ERROR", "allOrNone must be true or false")
    return records, all_or_none


def _type_of(sb: Sandbox, record: Any, default: SObject | None = None) -> SObject | StoreError:
    if not isinstance(record, dict):
        return StoreError("JSON_PARSER_ERROR", "each record must be a JSON object")
    attributes = record.get("attributes")
    name = attributes.get("type") if isinstance(attributes, dict) else None
    if not name:
        if default is not None:
            return default
        return StoreError("INVALID_TYPE", "Must send a concrete entity type.")
    obj = sb.store.catalog.get(str(name))
    if obj is None:
        return StoreError("INVALID_TYPE", f"sObject type '{name}' is not supported.")
    if default is not None and obj.name != default.name:
        return StoreError("INVALID_TYPE", f"Record type {obj.name} does not match {default.name}")
    return obj


def _result(outcome: Outcome, record_id: str | None = None) -> dict[str, Any]:
    if isinstance(outcome, StoreError):
        out: dict[str, Any] = {}
        if record_id:
            out["id"] = record_id
        out.update(success=False, errors=[outcome.as_dict()])
        return out
    if isinstance(outcome, tuple):
        return {"id": outcome[0], "success": True, "errors": [], "created": outcome[1]}
    return {"id": outcome, "success": True, "errors": []}


def _injected(
    sb: Sandbox, obj: SObject, record_id: str | None, record: dict[str, Any]
) -> StoreError | None:
    err = sb.faults.check_write(obj.name, record_id, (k for k in record if k != "attributes"))
    if err is None:
        return None
    return StoreError(err.error_code, err.message, err.fields or [])


def _write_grouped(
    sb: Sandbox,
    records: Sequence[Any],
    all_or_none: bool,
    write: Callable[[SObject, list[dict[str, Any]], bool], list[Any]],
    record_id: Callable[[dict[str, Any]], str | None],
    default: SObject | None = None,
    undo: Callable[[SObject, list[str]], None] | None = None,
) -> list[Outcome]:
    """Validate types and injected faults, then write each object's records in one store call."""
    outcomes: list[Outcome | None] = [None] * len(records)
    groups: dict[str, tuple[SObject, list[int]]] = {}
    for i, record in enumerate(records):
        obj = _type_of(sb, record, default)
        if isinstance(obj, StoreError):
            outcomes[i] = obj
            continue
        injected = _injected(sb, obj, record_id(record), record)
        if injected is not None:
            outcomes[i] = injected
            continue
        groups.setdefault(obj.name, (obj, []))[1].append(i)
    if all_or_none and any(o is not None for o in outcomes):
        return [o if o is not None else ROLLED_BACK for o in outcomes]
    done: list[tuple[SObject, list[int]]] = []
    for obj, positions in groups.values():
        results = write(obj, [records[i] for i in positions], all_or_none)
        for i, result in zip(positions, results, strict=True):
            outcomes[i] = result
        if all_or_none and any(isinstance(r, StoreError) for r in results):
            for prev_obj, prev_positions in done:
                if undo is not None:
                    undo(prev_obj, [_id_of(outcomes[i]) for i in prev_positions])
            return [o if isinstance(o, StoreError) else ROLLED_BACK for o in outcomes]
        done.append((obj, positions))
    return [o if o is not None else ROLLED_BACK for o in outcomes]


def _id_of(outcome: Outcome | None) -> str:
    if isinstance(outcome, tuple):
        return outcome[0]
    return outcome if isinstance(outcome, str) else ""


def _purge(sb: Sandbox, user_id: str) -> Callable[[SObject, list[str]], None]:
    def undo(obj: SObject, created: list[str]) -> None:
        created = [c for c in created if c]
        if created:
            sb.store.delete_results(obj.name, created, user_id=user_id)
            sb.store.purge(obj.name, created)

    return undo


def _strip(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k != "attributes"}


def _id_field(record: dict[str, Any]) -> str | None:
    value = next((v for k, v in record.items() if k.lower() == "id"), None)
    if isinstance(value, str) and ids.is_valid_id(value):
        return ids.to_18(value)
    return None


@router.post("/services/data/{version}/composite/sobjects")
def create_records(request: Request, version: str, body: JsonBody) -> Response:
    api_version(version)
    sb = sandbox_of(request)
    user = session_of(request).user_id
    records, all_or_none = _records(body)

    def write(obj: SObject, batch: list[dict[str, Any]], aon: bool) -> list[Any]:
        return sb.store.insert_results(
            obj.name, [_strip(r) for r in batch], all_or_none=aon, user_id=user
        )

    outcomes = _write_grouped(
        sb, records, all_or_none, write, lambda r: None, undo=_purge(sb, user)
    )
    return json_response([_result(o) for o in outcomes])


@router.patch("/services/data/{version}/composite/sobjects")
def update_records(request: Request, version: str, body: JsonBody) -> Response:
    api_version(version)
    sb = sandbox_of(request)
    user = session_of(request).user_id
    records, all_or_none = _records(body)

    def write(obj: SObject, batch: list[dict[str, Any]], aon: bool) -> list[Any]:
        return sb.store.update_results(
            obj.name, [_strip(r) for r in batch], all_or_none=aon, user_id=user
        )

    if all_or_none and len({_type_name(r) for r in records}) > 1:
        raise bad_request(
            "INVALID_OPERATION",
            "allOrNone updates must all be of one object type in the sandbox org",
        )
    outcomes = _write_grouped(sb, records, all_or_none, write, _id_field)
    return json_response(
        [
            _result(o, _id_field(r) if isinstance(r, dict) else None)
            for o, r in zip(outcomes, records, strict=True)
        ]
    )


def _type_name(record: Any) -> str:
    if isinstance(record, dict) and isinstance(record.get("attributes"), dict):
        return str(record["attributes"].get("type", "")).lower()
    return ""


@router.patch("/services/data/{version}/composite/sobjects/{name}/{field}")
def upsert_records(
    request: Request, version: str, name: str, field: str, body: JsonBody
) -> Response:
    api_version(version)
    sb = sandbox_of(request)
    user = session_of(request).user_id
    obj = sobject_or_404(sb, name)
    f = obj.field(field)
    if f is None or not (f.external_id or f.name == "Id" or f.unique):
        raise ApiError(
            400,
            "INVALID_FIELD",
            f"Provided external ID field does not exist or is not accessible: {field}",
        )
    records, all_or_none = _records(body)

    def write(target: SObject, batch: list[dict[str, Any]], aon: bool) -> list[Any]:
        return _upsert_batch(sb, target, f.name, batch, aon, user)

    def existing_id(record: dict[str, Any]) -> str | None:
        value = next((v for k, v in record.items() if k.lower() == f.name.lower()), None)
        found = sb.store.find_ids(obj.name, f.name, value) if value is not None else []
        return found[0] if len(found) == 1 else None

    outcomes = _write_grouped(sb, records, all_or_none, write, existing_id, default=obj)
    return json_response([_result(o) for o in outcomes])


def _upsert_batch(
    sb: Sandbox,
    obj: SObject,
    field_name: str,
    batch: list[dict[str, Any]],
    all_or_none: bool,
    user: str,
) -> list[Outcome]:
    """Split into updates and creates, create first (undoable), then update."""
    lower = field_name.lower()
    outcomes: list[Outcome | None] = [None] * len(batch)
    creates: list[int] = []
    updates: list[tuple[int, str]] = []
    for i, record in enumerate(batch):
        value = next((v for k, v in record.items() if k.lower() == lower), None)
        if value is None or value == "":
            outcomes[i] = StoreError(
                "MISSING_ARGUMENT", f"{field_name} not specified", [field_name]
            )
            continue
        found = sb.store.find_ids(obj.name, field_name, value)
        if len(found) > 1:
            outcomes[i] = StoreError(
                "DUPLICATE_EXTERNAL_ID",
                f"{field_name}: more than one record found for external id field: {found}",
                [field_name],
            )
        elif found:
            updates.append((i, found[0]))
        else:
            creates.append(i)
    if all_or_none and any(o is not None for o in outcomes):
        return [o if o is not None else ROLLED_BACK for o in outcomes]
    created = sb.store.insert_results(
        obj.name, [_strip(batch[i]) for i in creates], all_or_none=all_or_none, user_id=user
    )
    for i, result in zip(creates, created, strict=True):
        outcomes[i] = result if isinstance(result, StoreError) else (result, True)
    if all_or_none and any(isinstance(r, StoreError) for r in created):
        return [o if isinstance(o, StoreError) else ROLLED_BACK for o in outcomes]
    updated = sb.store.update_results(
        obj.name,
        [
            {**{k: v for k, v in _strip(batch[i]).items() if k.lower() != lower}, "Id": rid}
            for i, rid in updates
        ],
        all_or_none=all_or_none,
        user_id=user,
    )
    for (i, _), result in zip(updates, updated, strict=True):
        outcomes[i] = result if isinstance(result, StoreError) else (result, False)
    if all_or_none and any(isinstance(r, StoreError) for r in updated):
        _purge(sb, user)(obj, [r for r in created if isinstance(r, str)])
        return [o if isinstance(o, StoreError) else ROLLED_BACK for o in outcomes]
    return [o if o is not None else ROLLED_BACK for o in outcomes]


@router.delete("/services/data/{version}/composite/sobjects")
def delete_records(request: Request, version: str) -> Response:
    api_version(version)
    sb = sandbox_of(request)
    user = session_of(request).user_id
    raw = request.query_params.get("ids", "")
    wanted = [i.strip() for i in raw.split(",") if i.strip()]
    if not wanted:
        raise bad_request("MISSING_ARGUMENT", "ids parameter must be specified")
    if len(wanted) > MAX_RECORDS:
        raise bad_request(
            "EXCEEDED_ID_LIMIT", f"Maximum number of records allowed is {MAX_RECORDS}"
        )
    all_or_none = request.query_params.get("allOrNone", "false").lower() == "true"
    outcomes: list[Outcome | None] = [None] * len(wanted)
    groups: dict[str, tuple[SObject, list[int]]] = {}
    for i, rid in enumerate(wanted):
        obj = sb.store.object_for_id(rid) if ids.is_valid_id(rid) else None
        if obj is None:
            outcomes[i] = StoreError("MALFORMED_ID", f"malformed id {rid}")
            continue
        err = sb.faults.check_write(obj.name, ids.to_18(rid), ())
        if err is not None:
            outcomes[i] = StoreError(err.error_code, err.message, err.fields or [])
            continue
        groups.setdefault(obj.name, (obj, []))[1].append(i)
    if (all_or_none and any(o is not None for o in outcomes)) or (all_or_none and len(groups) > 1):
        if all(o is None for o in outcomes):
            raise bad_request(
                "INVALID_OPERATION",
                "allOrNone deletes must all be of one object type in the sandbox org",
            )
        outcomes = [o if o is not None else ROLLED_BACK for o in outcomes]
    else:
        for obj, positions in groups.values():
            results = sb.store.delete_results(
                obj.name, [wanted[i] for i in positions], all_or_none=all_or_none, user_id=user
            )
            for i, result in zip(positions, results, strict=True):
                outcomes[i] = result
    return json_response(
        [
            _result(o if o is not None else ROLLED_BACK, rid)
            for o, rid in zip(outcomes, wanted, strict=True)
        ]
    )


@router.post("/services/data/{version}/composite/sobjects/{name}")
def retrieve_records(request: Request, version: str, name: str, body: JsonBody) -> Response:
    version = api_version(version)
    sb = sandbox_of(request)
    obj = sobject_or_404(sb, name)
    if not isinstance(body, dict) or not isinstance(body.get("ids"), list):
        raise bad_request("JSON_PARSER_ERROR", 'Expected {"ids": [...], "fields": [...]}')
    fields = body.get("fields")
    return json_response(_retrieve(sb, obj, [str(i) for i in body["ids"]], fields, version))


@router.get("/services/data/{version}/composite/sobjects/{name}")
def retrieve_records_get(request: Request, version: str, name: str) -> Response:
    version = api_version(version)
    sb = sandbox_of(request)
    obj = sobject_or_404(sb, name)
    wanted = [i for i in request.query_params.get("ids", "").split(",") if i]
    fields = [f for f in request.query_params.get("fields", "").split(",") if f] or None
    return json_response(_retrieve(sb, obj, wanted, fields, version))


def _retrieve(sb: Sandbox, obj: SObject, wanted: list[str], fields: Any, version: str) -> list[Any]:
    if len(wanted) > 2000:
        raise bad_request("EXCEEDED_ID_LIMIT", "Maximum number of ids allowed is 2000")
    if fields is not None and not (
        isinstance(fields, list) and all(isinstance(f, str) for f in fields)
    ):
        raise bad_request("JSON_PARSER_ERROR", "fields must be a list of field names")
    try:
        found = sb.store.get_many(obj.name, wanted, fields or None)
    except StoreError as err:
        raise ApiError(err.http_status, err.status_code, err.message, err.fields) from err
    out: list[Any] = []
    for rid, record in zip(wanted, found, strict=True):
        if record is None:
            out.append(None)
            continue
        if "Id" not in record:
            record = {"Id": ids.to_18(rid), **record}
        out.append(record_json(obj, record, version))
    return out
