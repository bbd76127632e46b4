"""Describe → the shape of each raw table: dlt column hints and the Arrow types of the rows.

Salesforce's describe says what every field is; the warehouse columns are declared from it, so a
field that is NULL in every row still gets a typed column, and values are parsed into their real
types before dlt sees them:

=====================================  ==============================================
Salesforce type                        column (dlt ``data_type``; Arrow type)
=====================================  ==============================================
``boolean``                            ``bool``
``int``, ``long``                      ``bigint``
``double``                             ``double``
``currency``, ``percent``              ``decimal(precision, scale)`` (``double`` if the
                                       describe gives no precision)
``date``                               ``date``
``datetime``                           ``timestamp`` (UTC, microseconds)
``id``, ``reference``, text, picklists ``text`` (ids are the 18-character form)
``time``                               ``text`` (``13:45:00.000Z``)
``address``, ``location``              not a column: their components (``BillingCity``,
                                       ``BillingLatitude``…) are fields of their own
``base64``                             not synced (file bodies; Bulk cannot serve them)
=====================================  ==============================================

Formula fields (``calculated`` with a formula) carry the column hint ``x-formula: true``; every
column carries the field label as its ``description``. Columns are named with dlt's snake_case
convention (:func:`pipelines.soql.naming.column_name`): ``CSM__c`` → ``csm_c``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
from dlt.common.schema.typing import TColumnSchema, TTableSchemaColumns

from pipelines.salesforce.client import SalesforceClient
from pipelines.salesforce.errors import SalesforceApiError, SalesforceError
from pipelines.soql.naming import column_name, table_name

UNSYNCED_TYPES = frozenset({"address", "location", "base64"})
CURSOR_FIELDS = ("SystemModstamp", "LastModifiedDate", "CreatedDate")
MAX_DECIMAL_PRECISION = 38

TDescribe = dict[str, Any]


class UnknownObject(SalesforceError):
    """An object named in the selection does not exist in the org (or the user cannot see it)."""


@dataclass(frozen=True)
class SObjectDescribe:
    """One object's describe, as the org answered it (``fields`` in describe order)."""

    name: str
    raw: TDescribe = field(repr=False)

    @property
    def fields(self) -> list[TDescribe]:
        fields: list[TDescribe] = self.raw.get("fields") or []
        return fields

    def field(self, name: str) -> TDescribe | None:
        lower = name.lower()
        for f in self.fields:
            if str(f.get("name", "")).lower() == lower:
                return f
        return None

    @property
    def queryable(self) -> bool:
        return bool(self.raw.get("queryable", True))

    @property
    def cursor_field(self) -> str | None:
        """The field incremental syncs follow: SystemModstamp, else LastModifiedDate, CreatedDate."""
        for name in CURSOR_FIELDS:
            f = self.field(name)
            if f is not None and f.get("type") == "datetime":
                return str(f["name"])
        return None

    @property
    def soft_deletes(self) -> bool:
        """Whether records go to the recycle bin (``IsDeleted``, getDeleted) at all."""
        return self.field("IsDeleted") is not None and bool(self.raw.get("deletable", True))


@dataclass(frozen=True)
class Column:
    """One synced field: its API name, warehouse column, Salesforce type and Arrow type."""

    field: str
    name: str
    sf_type: str
    arrow_type: pa.DataType
    hints: TColumnSchema
    formula: bool = False

    @property
    def is_decimal(self) -> bool:
        return pa.types.is_decimal(self.arrow_type)


@dataclass(frozen=True)
class ObjectSchema:
    """What one object's resource selects and how its rows are typed."""

    object: str
    table: str
    columns: tuple[Column, ...]
    cursor_field: str | None
    soft_deletes: bool

    @property
    def fields(self) -> list[str]:
        return [c.field for c in self.columns]

    @property
    def arrow_schema(self) -> pa.Schema:
        return pa.schema(
            [pa.field(c.name, c.arrow_type, nullable=c.field != "Id") for c in self.columns]
        )

    @property
    def dlt_columns(self) -> TTableSchemaColumns:
        return {c.name: c.hints for c in self.columns}

    @property
    def formula_fields(self) -> list[str]:
        return [c.field for c in self.columns if c.formula]

    def column(self, field_name: str) -> Column | None:
        lower = field_name.lower()
        return next((c for c in self.columns if c.field.lower() == lower), None)


def is_formula(f: Mapping[str, Any]) -> bool:
    return bool(f.get("calculated")) and bool(f.get("calculatedFormula"))


def is_syncable(f: Mapping[str, Any]) -> bool:
    """Compound fields and file bodies are not columns (see the module docstring)."""
    return f.get("type") not in UNSYNCED_TYPES


def column_for(f: Mapping[str, Any]) -> Column:
    """The warehouse column of one describe field (which must be :func:`is_syncable`)."""
    sf_type = str(f.get("type") or "string")
    api_name = str(f["name"])
    name = column_name(api_name)
    hints: dict[str, Any] = {"name": name, "nullable": api_name != "Id"}
    arrow: pa.DataType
    if sf_type == "boolean":
        hints["data_type"], arrow = "bool", pa.bool_()
    elif sf_type in ("int", "long"):
        hints["data_type"], arrow = "bigint", pa.int64()
    elif sf_type == "double":
        hints["data_type"], arrow = "double", pa.float64()
    elif sf_type in ("currency", "percent"):
        precision, scale = int(f.get("precision") or 0), int(f.get("scale") or 0)
        if 0 < precision <= MAX_DECIMAL_PRECISION and 0 <= scale <= precision:
            hints.update(data_type="decimal", precision=precision, scale=scale)
            arrow = pa.decimal128(precision, scale)
        else:
            hints["data_type"], arrow = "double", pa.float64()
    elif sf_type == "date":
        hints["data_type"], arrow = "date", pa.date32()
    elif sf_type == "datetime":
        hints.update(data_type="timestamp", precision=6)
        arrow = pa.timestamp("us", tz="UTC")
    else:
        hints["data_type"], arrow = "text", pa.string()
    if api_name == "Id":
        hints["primary_key"] = True
    label = f.get("label")
    if label:
        hints["description"] = str(label)
    formula = is_formula(f)
    if formula:
        hints["x-formula"] = True
    return Column(api_name, name, sf_type, arrow, hints, formula)  # type: ignore[arg-type]


def object_schema(describe: SObjectDescribe, fields: Sequence[str]) -> ObjectSchema:
    """The schema of ``describe`` restricted to ``fields`` (API names, in the order given)."""
    columns = []
    for name in fields:
        f = describe.field(name)
        if f is None or not is_syncable(f):
            raise ValueError(f"{describe.name}.{name} is not a syncable field")
        columns.append(column_for(f))
    return ObjectSchema(
        describe.name,
        table_name(describe.name),
        tuple(columns),
        describe.cursor_field,
        describe.soft_deletes,
    )


def describe_objects(
    client: SalesforceClient, names: Iterable[str], *, workers: int = 8
) -> dict[str, SObjectDescribe]:
    """Describe ``names`` in parallel; keys are the names as given, values carry the org's
    canonical casing. Raises :class:`UnknownObject` naming every object the org does not have."""
    found = describe_if_present(client, names, workers=workers)
    missing = [n for n, d in found.items() if d is None]
    if missing:
        raise UnknownObject(
            f"the org has no object named {', '.join(missing)} (or the integration user cannot "
            "see it); check the spelling — custom objects end in __c — and the user's profile"
        )
    return {n: d for n, d in found.items() if d is not None}


def describe_if_present(
    client: SalesforceClient, names: Iterable[str], *, workers: int = 8
) -> dict[str, SObjectDescribe | None]:
    """:func:`describe_objects`, with None for the objects the org does not have."""
    wanted = list(dict.fromkeys(names))

    def one(name: str) -> SObjectDescribe | None:
        try:
            raw = client.json("GET", client.data_path(f"/sobjects/{name}/describe"))
        except SalesforceApiError as err:
            if err.status == 404 or err.code in ("NOT_FOUND", "INVALID_TYPE"):
                return None
            raise
        return SObjectDescribe(str(raw.get("name") or name), raw)

    if not wanted:
        return {}
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(wanted)))) as pool:
        return dict(zip(wanted, pool.map(one, wanted), strict=True))
