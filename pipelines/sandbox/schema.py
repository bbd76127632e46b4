"""The sandbox org's schema: which objects and fields exist and how they are stored in DuckDB.

An org's catalog is the standard catalog (``pipelines/soql/standard_objects.yaml``) with the
org's custom objects and fields laid over it, then *completed*: every object gets the system
fields Salesforce gives every record (``Id``, ``IsDeleted``, ``CreatedDate``, ``CreatedById``,
``LastModifiedDate``, ``LastModifiedById``, ``SystemModstamp``), custom objects get ``Name`` and
``OwnerId`` and a generated key prefix (``a00``, ``a01``, …), and multi-currency orgs get
``CurrencyIsoCode`` and the ``CurrencyType`` object.

Storage: one table per object named ``naming.table_name(object)``, one column per non-compound
field named ``naming.column_name(field)``, typed by :func:`column_type`::

    >>> column_type(Field(name="AnnualRevenue", type="currency"))
    'DOUBLE'
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from functools import cache
from importlib import resources
from typing import Any

import pyarrow as pa
import yaml

from pipelines.sandbox import ids
from pipelines.soql.catalog import (
    COMPOUND_TYPES,
    Catalog,
    CatalogError,
    Field,
    PicklistValue,
    SObject,
    load_yaml,
    standard_catalog,
)
from pipelines.soql.naming import column_name, table_name

# Bookkeeping fields every record carries, in describe order. The store sets them on writes.
BOOKKEEPING_FIELDS = (
    "Id",
    "IsDeleted",
    "CreatedDate",
    "CreatedById",
    "LastModifiedDate",
    "LastModifiedById",
    "SystemModstamp",
)

# Fields Salesforce fills when a create leaves them out, although describe says "not nillable".
DEFAULTED_ON_CREATE = frozenset({"ownerid", "currencyisocode", "isdeleted"})

CURRENCY_OBJECTS = frozenset(
    {"account", "contact", "opportunity", "contract", "case", "user", "lead", "asset", "campaign"}
)
# Currencies the demo org offers when multi-currency is on, with rates per corporate USD.
DEMO_CURRENCIES: dict[str, float] = {
    "USD": 1.0,
    "EUR": 0.92,
    "GBP": 0.79,
    "CAD": 1.36,
    "AUD": 1.52,
    "JPY": 151.3,
}

_VARCHAR_TYPES = frozenset(
    {
        "id",
        "reference",
        "string",
        "textarea",
        "picklist",
        "multipicklist",
        "combobox",
        "email",
        "phone",
        "url",
        "encryptedstring",
        "base64",
        "anyType",
    }
)
_COLUMN_TYPES = {
    "boolean": "BOOLEAN",
    "int": "BIGINT",
    "long": "BIGINT",
    "double": "DOUBLE",
    "currency": "DOUBLE",
    "percent": "DOUBLE",
    "date": "DATE",
    "datetime": "TIMESTAMPTZ",
    "time": "TIME",
}


def _system_field(name: str) -> Field:
    common: dict[str, Any] = {"createable": False, "updateable": False, "nillable": False}
    if name == "Id":
        return Field(name="Id", type="id", label="Record ID", length=18, **common)
    if name == "IsDeleted":
        return Field(
            name="IsDeleted", type="boolean", label="Deleted", default_value=False, **common
        )
    if name.endswith("ById"):
        label = "Created By ID" if name.startswith("Created") else "Last Modified By ID"
        return Field(
            name=name,
            type="reference",
            label=label,
            reference_to=("User",),
            relationship_name=name[:-2],
            length=18,
            **common,
        )
    labels = {
        "CreatedDate": "Created Date",
        "LastModifiedDate": "Last Modified Date",
        "SystemModstamp": "System Modstamp",
    }
    return Field(name=name, type="datetime", label=labels[name], **common)


def _custom_object_fields() -> list[Field]:
    """``Name`` and ``OwnerId``, which every custom object has besides its own fields."""
    return [
        Field(name="Name", type="string", label="Name", length=80, nillable=False),
        Field(
            name="OwnerId",
            type="reference",
            label="Owner ID",
            reference_to=("Group", "User"),
            relationship_name="Owner",
            nillable=False,
            length=18,
        ),
    ]


def complete_catalog(catalog: Catalog) -> Catalog:
    """A copy of ``catalog`` with what every org gives objects that a schema leaves implicit.

    Custom objects, and any object declared without an ``Id``, get the system fields
    (``Id``, ``IsDeleted``, ``CreatedDate`` … ``SystemModstamp``, always read-only); custom
    objects also get ``Name`` and ``OwnerId``. Standard objects are taken as described: setup
    objects such as ``User`` really have no ``IsDeleted``. Objects without a key prefix get
    Salesforce's standard one or the next free ``a00``-style prefix. Idempotent.
    """
    result = Catalog()
    taken = {o.key_prefix for o in catalog if o.key_prefix}
    for obj in catalog:
        fields = dict(obj.fields)
        if obj.custom or "id" not in fields:
            fields = {"id": _system_field("Id")}
            if obj.custom:
                for f in _custom_object_fields():
                    fields[f.name.lower()] = obj.field(f.name) or f
            for key, f in obj.fields.items():
                if key != "id":
                    fields[key] = _system_field(f.name) if f.name in BOOKKEEPING_FIELDS else f
            for name in BOOKKEEPING_FIELDS[1:]:
                fields.setdefault(name.lower(), _system_field(name))
        prefix = obj.key_prefix or ids.STANDARD_KEY_PREFIXES.get(obj.name)
        if prefix is None:
            prefix = _next_custom_prefix(taken)
        elif not ids.is_key_prefix(prefix):
            raise CatalogError(
                f"{obj.name}: key prefix must be 3 letters or digits, got {prefix!r}"
            )
        taken.add(prefix)
        result.add(
            dataclasses.replace(obj, key_prefix=prefix, fields=fields, child_relationships={})
        )
    result.link_children()
    return result


def _next_custom_prefix(taken: set[str]) -> str:
    """The next free ``a00``-style prefix, the way an org numbers its custom objects."""
    for first in "abcdefghijklmnopqrstuvwxyz":
        for i in range(62 * 62):
            candidate = first + ids.BASE62[i // 62] + ids.BASE62[i % 62]
            if candidate not in taken:
                return candidate
    raise CatalogError("no key prefixes left for custom objects")


def overlay(base: Catalog, doc: Mapping[str, Any], *, source: str) -> Catalog:
    """``base`` with the objects and fields of a ``schema.yaml`` document laid over it.

    Objects already in ``base`` keep their label, plural label and key prefix unless the
    document names them; their fields are added to or replaced by the document's.
    """
    if not isinstance(doc, Mapping):
        raise CatalogError(
            f"{source}: expected a mapping of object names, got {type(doc).__name__}"
        )
    parsed = Catalog.from_mapping(doc, source=source)
    result = Catalog()
    for obj in base:
        result.add(dataclasses.replace(obj, fields=dict(obj.fields), child_relationships={}))
    raw_by_name = {str(k).lower(): v or {} for k, v in doc.items()}
    for obj in parsed:
        existing = result.get(obj.name)
        if existing is None:
            result.add(obj)
            continue
        existing.fields.update(obj.fields)
        raw = raw_by_name.get(obj.name.lower(), {})
        for key, attr in (
            ("label", "label"),
            ("labelPlural", "label_plural"),
            ("keyPrefix", "key_prefix"),
        ):
            if raw.get(key):
                setattr(existing, attr, str(raw[key]))
    result.link_children()
    return result


def with_picklist_values(
    catalog: Catalog, object_name: str, field_name: str, values: Iterable[str]
) -> None:
    """Add values to a picklist of ``catalog`` (in place), as an admin editing the value set would."""
    obj = catalog.get(object_name)
    f = obj.field(field_name) if obj else None
    if obj is None or f is None:
        return
    known = {v.value for v in f.picklist_values}
    added = tuple(PicklistValue(value=v, label=v) for v in values if v not in known)
    obj.fields[f.name.lower()] = dataclasses.replace(f, picklist_values=f.picklist_values + added)


def with_multi_currency(catalog: Catalog, currencies: Iterable[str], corporate: str) -> Catalog:
    """A copy of ``catalog`` as a multi-currency org describes it.

    ``CurrencyIsoCode`` (a restricted picklist defaulting to the corporate currency) is added to
    the objects that carry money or belong to people, and to every custom object; the
    ``CurrencyType`` object holds the conversion rates.
    """
    codes = list(currencies)
    picklist = tuple(PicklistValue(value=c, label=c, default=c == corporate) for c in codes)
    result = Catalog()
    for obj in catalog:
        fields = dict(obj.fields)
        if obj.custom or obj.name.lower() in CURRENCY_OBJECTS:
            fields.setdefault(
                "currencyisocode",
                Field(
                    name="CurrencyIsoCode",
                    type="picklist",
                    label="Currency ISO Code",
                    length=3,
                    nillable=False,
                    picklist_values=picklist,
                    default_value=corporate,
                ),
            )
        result.add(dataclasses.replace(obj, fields=fields, child_relationships={}))
    if result.get("CurrencyType") is None:
        result.add(
            SObject(
                name="CurrencyType",
                label="Currency Type",
                label_plural="Currency Types",
                key_prefix="01L",
                deletable=False,
                fields={
                    "isocode": Field(
                        name="IsoCode",
                        type="picklist",
                        label="Currency ISO Code",
                        length=3,
                        nillable=False,
                        picklist_values=picklist,
                        updateable=False,
                    ),
                    "conversionrate": Field(
                        name="ConversionRate",
                        type="double",
                        label="Conversion Rate",
                        precision=18,
                        scale=6,
                    ),
                    "decimalplaces": Field(
                        name="DecimalPlaces", type="int", label="Decimal Places", digits=2
                    ),
                    "isactive": Field(
                        name="IsActive", type="boolean", label="Active", nillable=False
                    ),
                    "iscorporate": Field(
                        name="IsCorporate",
                        type="boolean",
                        label="Corporate Currency",
                        nillable=False,
                    ),
                },
            )
        )
    result.link_children()
    return complete_catalog(result)


@cache
def _demo_custom_doc() -> dict[str, Any]:
    text = resources.files("pipelines.sandbox").joinpath("demo_schema.yaml").read_text("utf-8")
    doc = yaml.safe_load(text)
    assert isinstance(doc, dict)
    return doc


# Picklist values the demo org adds to standard value sets: customer-success orgs usually type
# accounts plainly (Customer / Partner) and opportunities by motion (New Business / Renewal).
DEMO_PICKLIST_ADDITIONS = {
    ("Account", "Type"): ("Customer", "Partner"),
    ("Opportunity", "Type"): ("New Business", "Renewal", "Upsell", "Expansion"),
    ("Case", "Type"): ("Question", "Problem", "Feature Request"),
    ("Case", "Reason"): ("Access", "Integration", "Billing", "Bug", "Usability", "Training"),
}


def demo_catalog(*, multi_currency: bool = False, corporate_currency: str = "USD") -> Catalog:
    """Standard objects plus the demo org's custom objects and fields (a fresh copy)."""
    catalog = overlay(standard_catalog(), _demo_custom_doc(), source="demo_schema.yaml")
    for (obj, fld), values in DEMO_PICKLIST_ADDITIONS.items():
        with_picklist_values(catalog, obj, fld, values)
    catalog = complete_catalog(catalog)
    if multi_currency:
        catalog = with_multi_currency(catalog, DEMO_CURRENCIES, corporate_currency)
    return catalog


def org_catalog(custom_doc: Mapping[str, Any] | None, *, source: str = "schema.yaml") -> Catalog:
    """The catalog of an org whose custom objects and fields are ``custom_doc`` (may be empty)."""
    catalog = standard_catalog()
    if custom_doc:
        catalog = overlay(catalog, custom_doc, source=source)
    return complete_catalog(catalog)


# --- storage -----------------------------------------------------------------------------------


def is_stored(f: Field) -> bool:
    """Compound fields (addresses, geolocations) are views over their components: not stored."""
    return f.type not in COMPOUND_TYPES


def stored_fields(obj: SObject) -> list[Field]:
    return [f for f in obj.iter_fields() if is_stored(f)]


def column_type(f: Field) -> str:
    """The DuckDB type of a field's column."""
    if f.type in _VARCHAR_TYPES:
        return "VARCHAR"
    try:
        return _COLUMN_TYPES[f.type]
    except KeyError:
        raise CatalogError(f"{f.name}: type '{f.type}' cannot be stored") from None


def arrow_type(f: Field) -> pa.DataType:
    """The Arrow type of a field's column (what bulk loads cast to)."""
    return _ARROW_TYPES.get(f.type, pa.string())


_ARROW_TYPES: dict[str, pa.DataType] = {
    "boolean": pa.bool_(),
    "int": pa.int64(),
    "long": pa.int64(),
    "double": pa.float64(),
    "currency": pa.float64(),
    "percent": pa.float64(),
    "date": pa.date32(),
    "datetime": pa.timestamp("us", tz="UTC"),
    "time": pa.time64("us"),
}


def quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def create_table_sql(obj: SObject) -> str:
    """``CREATE TABLE`` for an object: ``id`` is the primary key, booleans default to false."""
    columns = []
    for f in stored_fields(obj):
        col = f"{quote(column_name(f.name))} {column_type(f)}"
        if f.name == "Id":
            col += " PRIMARY KEY"
        elif f.type == "boolean":
            col += " NOT NULL DEFAULT false"
        columns.append(col)
    return f"CREATE TABLE {quote(table_name(obj.name))} (\n  " + ",\n  ".join(columns) + "\n)"


def compound_parts(obj: SObject, compound: Field) -> list[tuple[str, Field]]:
    """Components of a compound field as ``(key, field)``: ``BillingCity`` → ``("city", …)``.

    The keys are the ones REST uses inside an address or location value.
    """
    prefix = compound.name[: -len("Address")] if compound.name.endswith("Address") else ""
    parts = []
    for f in obj.iter_fields():
        if f.compound_field_name != compound.name or f.type in COMPOUND_TYPES:
            continue
        key = f.name[len(prefix) :] if prefix and f.name.startswith(prefix) else f.name
        if compound.type == "location" and f.name.endswith("__s"):
            key = f.name.rsplit("__", 2)[-2]  # Location__Latitude__s → Latitude
        parts.append((key[:1].lower() + key[1:], f))
    return parts


# --- restrictions ------------------------------------------------------------------------------


def is_restricted_picklist(f: Field) -> bool:
    """Custom picklists and currency codes accept only their declared values.

    The catalog has no ``restrictedPicklist`` attribute; new custom picklists are restricted by
    default in Salesforce, standard ones are not.
    """
    if f.type not in ("picklist", "multipicklist") or not f.picklist_values:
        return False
    return f.custom or f.name in ("CurrencyIsoCode", "IsoCode")


def picklist_default(f: Field) -> str | None:
    if f.default_value is not None and f.type in ("picklist", "combobox"):
        return str(f.default_value)
    for v in f.picklist_values:
        if v.default and v.active:
            return v.value
    return None


def is_required_on_create(obj: SObject, f: Field) -> bool:
    """Whether a create must supply ``f`` (describe's nillable=false, createable, no default)."""
    if f.nillable or not f.createable or f.type == "boolean" or f.calculated:
        return False
    if f.name.lower() in DEFAULTED_ON_CREATE or f.default_value is not None:
        return False
    if obj.custom and f.name == "Name":
        return False  # Salesforce names a custom record after its id when the create omits it
    return picklist_default(f) is None


# --- persistence of a catalog -----------------------------------------------------------------

_FIELD_ATTRS = (
    ("label", "label"),
    ("referenceTo", "reference_to"),
    ("relationshipName", "relationship_name"),
    ("childRelationshipName", "child_relationship_name"),
    ("nillable", "nillable"),
    ("calculated", "calculated"),
    ("custom", "custom"),
    ("filterable", "filterable"),
    ("groupable", "groupable"),
    ("sortable", "sortable"),
    ("createable", "createable"),
    ("updateable", "updateable"),
    ("externalId", "external_id"),
    ("unique", "unique"),
    ("caseSensitive", "case_sensitive"),
    ("length", "length"),
    ("precision", "precision"),
    ("scale", "scale"),
    ("digits", "digits"),
    ("compoundFieldName", "compound_field_name"),
    ("picklistValues", "picklist_values"),
    ("defaultValue", "default_value"),
    ("formula", "formula"),
)
_FIELD_DEFAULTS = {f.name: f.default for f in dataclasses.fields(Field)}


def _attr_doc(f: Field, key: str, attr: str) -> Any:
    value = getattr(f, attr)
    if attr == "reference_to":
        return list(value)
    if attr == "picklist_values":
        out: list[Any] = []
        for v in value:
            if v.label == v.value and v.active and not v.default:
                out.append(v.value)
            else:
                item: dict[str, Any] = {"value": v.value, "label": v.label}
                if not v.active:
                    item["active"] = False
                if v.default:
                    item["defaultValue"] = True
                out.append(item)
        return out
    return value


def field_to_mapping(obj_name: str, f: Field) -> dict[str, Any]:
    """The ``schema.yaml`` form of a field, as short as loading it back allows."""
    doc: dict[str, Any] = {"type": f.type}
    for key, attr in _FIELD_ATTRS:
        if getattr(f, attr) != _FIELD_DEFAULTS[attr]:
            doc[key] = _attr_doc(f, key, attr)
    # Loading applies type-dependent defaults; spell out whatever would not come back as it was.
    back = (
        Catalog.from_mapping({obj_name: {"fields": {f.name: doc}}})
        .objects[obj_name.lower()]
        .fields[f.name.lower()]
    )
    for key, attr in _FIELD_ATTRS:
        if getattr(back, attr) != getattr(f, attr):
            doc[key] = _attr_doc(f, key, attr)
    return doc


def catalog_to_mapping(catalog: Catalog) -> dict[str, Any]:
    """The ``schema.yaml`` document of a whole catalog; :meth:`Catalog.from_mapping` reads it back."""
    doc: dict[str, Any] = {}
    for obj in catalog:
        entry: dict[str, Any] = {
            "label": obj.label,
            "labelPlural": obj.label_plural,
            "keyPrefix": obj.key_prefix,
            "custom": obj.custom,
        }
        for attr in ("queryable", "createable", "updateable", "deletable"):
            if not getattr(obj, attr):
                entry[attr] = False
        entry["fields"] = {f.name: field_to_mapping(obj.name, f) for f in obj.iter_fields()}
        doc[obj.name] = entry
    return doc


def dump_catalog(catalog: Catalog) -> str:
    return yaml.dump(
        catalog_to_mapping(catalog), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100
    )


def load_catalog(text: str, *, source: str) -> Catalog:
    """Read a catalog written by :func:`dump_catalog` (complete: no defaults added)."""
    try:
        doc = load_yaml(text)
    except yaml.YAMLError as exc:
        raise CatalogError(f"{source}: not valid YAML: {exc}") from exc
    return Catalog.from_mapping(doc or {}, source=source)


_Dumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
