"""The checks Salesforce runs on every record written through the API, and the errors it answers.

A write goes through :func:`coerce_fields` (known, writable fields; values of the right type),
:func:`prepare_insert` (defaults, required fields) and then batch-wide checks against the
database: :func:`check_references` (lookups point at live records of the right object) and
:func:`check_unique` (unique and external-id fields). A failing record is replaced by the
:class:`StoreError` Salesforce would report for it, so a batch can answer record by record.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import duckdb

from pipelines.sandbox import ids, rules
from pipelines.sandbox.schema import is_required_on_create, is_stored, picklist_default, quote
from pipelines.sandbox.values import FieldValueError, coerce, label_of
from pipelines.soql.catalog import COMPOUND_TYPES, Field, SObject
from pipelines.soql.naming import column_name

if TYPE_CHECKING:
    from pipelines.sandbox.store import OrgStore

NOT_FOUND_MESSAGE = "The requested resource does not exist"
# Bookkeeping lookups the store sets itself; they are not checked against the User table.
_AUDIT_REFERENCES = frozenset({"CreatedById", "LastModifiedById"})


class StoreError(Exception):
    """A record-level failure, as Salesforce reports it: status code, message, fields involved.

    ``http_status`` is the status a REST call answers with; ``record_ids`` lists the matches of
    an ambiguous external id (``MULTIPLE_CHOICES``, HTTP 300); ``index`` is the position of the
    failing record in a batch.
    """

    def __init__(
        self,
        status_code: str,
        message: str,
        fields: Sequence[str] = (),
        *,
        record_ids: Sequence[str] = (),
        index: int | None = None,
    ) -> None:
        super().__init__(f"{status_code}: {message}")
        self.status_code = status_code
        self.message = message
        self.fields = list(fields)
        self.record_ids = list(record_ids)
        self.index = index

    @property
    def http_status(self) -> int:
        return {"NOT_FOUND": 404, "MULTIPLE_CHOICES": 300}.get(self.status_code, 400)

    def as_dict(self) -> dict[str, Any]:
        """The per-record error of sObject Collections results."""
        return {"statusCode": self.status_code, "message": self.message, "fields": self.fields}


def not_found(index: int | None = None) -> StoreError:
    return StoreError("NOT_FOUND", NOT_FOUND_MESSAGE, index=index)


def unsupported(obj: SObject, operation: str) -> StoreError:
    return StoreError(
        "INVALID_TYPE_FOR_OPERATION", f"entity type {obj.name} does not support {operation}"
    )


def rolled_back(index: int) -> StoreError:
    return StoreError(
        "ALL_OR_NONE_OPERATION_ROLLED_BACK",
        "Record rolled back because not all records were valid and the request was using "
        "AllOrNone header",
        index=index,
    )


def field_of(obj: SObject, name: str, *, entity: bool = False) -> Field:
    """The field ``name`` of ``obj`` or ``INVALID_FIELD`` (worded as DML, or as a query with ``entity``)."""
    f = obj.field(name)
    if f is None:
        where = f"entity '{obj.name}'." if entity else f"sobject of type {obj.name}"
        raise StoreError("INVALID_FIELD", f"No such column '{name}' on {where}", [name])
    return f


def normalise_id(obj: SObject, record_id: Any) -> str | None:
    """``record_id`` as an 18-character id of ``obj``, or ``None`` (malformed, other object)."""
    if not isinstance(record_id, str):
        return None
    try:
        value = ids.to_18(record_id)
    except ValueError:
        return None
    return value if value[:3] == obj.key_prefix else None


def require_id(obj: SObject, record_id: Any) -> str:
    value = normalise_id(obj, record_id)
    if value is None:
        raise StoreError(
            "MALFORMED_ID",
            f"{obj.label or obj.name} ID: id value of incorrect type: {record_id}",
            ["Id"],
        )
    return value


def coerce_fields(
    obj: SObject, record: Mapping[str, Any], *, creating: bool, record_id: str | None = None
) -> dict[str, Any]:
    """The record's values keyed by canonical field name, converted to their stored types."""
    row: dict[str, Any] = {}
    locked: list[str] = []
    for key, value in record.items():
        if key == "attributes":
            continue
        f = field_of(obj, key)
        if f.name == "Id":
            if creating and value is not None:
                raise StoreError(
                    "INVALID_FIELD", "Record ID: cannot specify Id in an insert call", ["Id"]
                )
            if not creating and value is not None and normalise_id(obj, value) != record_id:
                raise StoreError(
                    "INVALID_ID_FIELD", f"Record ID: id value of incorrect type: {value}", ["Id"]
                )
            continue
        if f.type in COMPOUND_TYPES or not (f.createable if creating else f.updateable):
            locked.append(f.name)
            continue
        try:
            row[f.name] = coerce(f, value)
        except FieldValueError as err:
            raise StoreError(err.status_code, err.message, [f.name]) from None
        if row[f.name] is None and not f.nillable and f.type != "boolean" and not creating:
            raise StoreError(
                "REQUIRED_FIELD_MISSING", f"Required fields are missing: [{f.name}]", [f.name]
            )
    if locked:
        raise StoreError(
            "INVALID_FIELD_FOR_INSERT_UPDATE",
            f"Unable to create/update fields: {', '.join(locked)}. Please check the security "
            "settings of this field and verify that it is read/write for your profile or "
            "permission set.",
            locked,
        )
    return row


def prepare_insert(
    obj: SObject, record: Mapping[str, Any], *, user: str | None, currency: str
) -> dict[str, Any]:
    """A new record's values with defaults filled in; ``REQUIRED_FIELD_MISSING`` if incomplete."""
    row = coerce_fields(obj, record, creating=True)
    for f in obj.iter_fields():
        if not is_stored(f) or f.name in row:
            continue
        if f.type == "boolean":
            row[f.name] = bool(f.default_value) if f.default_value is not None else False
        elif f.name == "OwnerId" and f.createable:
            row[f.name] = user
        elif f.name == "CurrencyIsoCode":
            row[f.name] = currency
        elif f.default_value is not None and f.createable:
            row[f.name] = coerce(f, f.default_value)
        elif f.type in ("picklist", "multipicklist") and f.createable and picklist_default(f):
            row[f.name] = picklist_default(f)
    missing = [
        f.name
        for f in obj.iter_fields()
        if is_stored(f) and is_required_on_create(obj, f) and row.get(f.name) is None
    ]
    if missing:
        raise StoreError(
            "REQUIRED_FIELD_MISSING",
            f"Required fields are missing: [{', '.join(missing)}]",
            missing,
        )
    return row


def apply_derived(obj: SObject, row: dict[str, Any], derived: Mapping[str, Any]) -> None:
    """Store the derived values (:func:`rules.derive`) of the fields ``obj`` has."""
    for name, value in derived.items():
        f = obj.field(name)
        if f is not None and is_stored(f):
            keep = isinstance(value, datetime | date | bool)
            row[f.name] = value if keep else coerce(f, value)


def _lookups(obj: SObject, row: Mapping[str, Any]) -> list[tuple[Field, str]]:
    pairs = []
    for name, value in row.items():
        f = obj.fields[name.lower()]
        if f.type == "reference" and value is not None and f.name not in _AUDIT_REFERENCES:
            pairs.append((f, value))
    return pairs


def check_references(
    store: OrgStore,
    cur: duckdb.DuckDBPyConnection,
    obj: SObject,
    rows: list[dict[str, Any] | StoreError],
) -> None:
    """Replace rows whose lookups point at missing, deleted or wrongly typed records by errors."""
    targets: dict[str, set[str]] = {}
    for row in rows:
        if not isinstance(row, StoreError):
            for _, value in _lookups(obj, row):
                target = store.object_for_id(value)
                if target is not None:
                    targets.setdefault(target.name, set()).add(value)
    deleted: dict[str, bool] = {}
    for target_name, wanted in targets.items():
        flag = "is_deleted" if store.sobject(target_name).field("IsDeleted") else "false"
        found = cur.execute(
            f"SELECT id, {flag} FROM {store.table(target_name)} WHERE id IN (SELECT unnest(?))",
            [sorted(wanted)],
        ).fetchall()
        deleted.update({r[0]: bool(r[1]) for r in found})
    for i, row in enumerate(rows):
        if isinstance(row, StoreError):
            continue
        for f, value in _lookups(obj, row):
            error = _reference_error(store, f, value, deleted)
            if error is not None:
                error.index = i
                rows[i] = error
                break


def _reference_error(
    store: OrgStore, f: Field, value: str, deleted: Mapping[str, bool]
) -> StoreError | None:
    target = store.object_for_id(value)
    wrong_type = StoreError(
        "FIELD_INTEGRITY_EXCEPTION", f"{label_of(f)}: id value of incorrect type: {value}", [f.name]
    )
    if target is None:
        # An id of an object this org does not model (a Group, a Calendar): acceptable when
        # the field may point at such objects.
        return None if any(store.catalog.get(t) is None for t in f.reference_to) else wrong_type
    if target.name.lower() not in {t.lower() for t in f.reference_to}:
        return wrong_type
    if value not in deleted:
        return StoreError("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", [f.name])
    if deleted[value]:
        return StoreError("ENTITY_IS_DELETED", "entity is deleted", [f.name])
    return None


def unique_fields(obj: SObject) -> list[Field]:
    extra = {n.lower() for n in rules.ALWAYS_UNIQUE.get(obj.name.lower(), ())}
    return [f for f in obj.iter_fields() if is_stored(f) and (f.unique or f.name.lower() in extra)]


def check_unique(
    store: OrgStore,
    cur: duckdb.DuckDBPyConnection,
    obj: SObject,
    rows: list[dict[str, Any] | StoreError],
    *,
    own_ids: Sequence[str | None] | None = None,
) -> None:
    """Replace rows that repeat a unique field's value (in the table or the batch) by errors.

    Text compares case-insensitively unless the field is case-sensitive; ``own_ids`` (updates)
    lets a record keep its own value.
    """
    for f in unique_fields(obj):

        def fold(value: Any, f: Field = f) -> Any:
            return value.lower() if isinstance(value, str) and not f.case_sensitive else value

        values = {
            fold(r[f.name])
            for r in rows
            if not isinstance(r, StoreError) and r.get(f.name) is not None
        }
        if not values:
            continue
        col = quote(column_name(f.name))
        expr = col if f.case_sensitive else f"lower({col})"
        live = " AND NOT is_deleted" if obj.field("IsDeleted") else ""
        found = cur.execute(
            f"SELECT {expr}, id FROM {store.table(obj.name)} WHERE {expr} IN (SELECT unnest(?)){live}",
            [sorted(values)],
        ).fetchall()
        holders: dict[Any, str] = {r[0]: r[1] for r in found}
        for i, row in enumerate(rows):
            if isinstance(row, StoreError) or row.get(f.name) is None:
                continue
            key = fold(row[f.name])
            holder = holders.get(key)
            own = own_ids[i] if own_ids is not None else None
            if holder is not None and holder != own:
                rows[i] = StoreError(
                    "DUPLICATE_VALUE",
                    f"duplicate value found: {f.name} duplicates value on record with id: {holder}",
                    [f.name],
                    index=i,
                )
            else:
                holders[key] = own or f"(record {i + 1} of this request)"
