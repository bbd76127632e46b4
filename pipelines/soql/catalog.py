"""Schema catalog: the objects and fields the SOQL engine validates against.

A catalog is built from describe-like data. The on-disk form is the YAML shape that the sandbox
org's ``schema.yaml`` uses, so the built-in standard catalog, an org directory's schema and a
synced describe all load through the same code::

    Account:
      label: Account
      keyPrefix: "001"
      fields:
        Name: {type: string, length: 255}
        CSM__c: {type: reference, referenceTo: User, relationshipName: CSM__r}
        Regions__c: {type: multipicklist, picklistValues: [AMER, EMEA, APAC]}

Lookups are case-insensitive, as SOQL names are; every object and field keeps its canonical
API-name casing for output.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import yaml

# Salesforce describe field types, grouped by what SOQL lets you do with them.
TEXT_TYPES = frozenset(
    {"string", "textarea", "picklist", "combobox", "email", "phone", "url", "encryptedstring"}
)
NUMERIC_TYPES = frozenset({"int", "double", "currency", "percent", "long"})
ID_TYPES = frozenset({"id", "reference"})
DATE_TYPES = frozenset({"date"})
DATETIME_TYPES = frozenset({"datetime"})
COMPOUND_TYPES = frozenset({"address", "location"})
FIELD_TYPES = (
    TEXT_TYPES
    | NUMERIC_TYPES
    | ID_TYPES
    | DATE_TYPES
    | DATETIME_TYPES
    | COMPOUND_TYPES
    | frozenset({"multipicklist", "boolean", "time", "base64", "anyType"})
)


class CatalogError(ValueError):
    """A catalog document is malformed; the message names the object and field."""


@dataclass(frozen=True)
class PicklistValue:
    value: str
    label: str
    active: bool = True
    default: bool = False


@dataclass(frozen=True)
class Field:
    """One field of an sObject, with the describe attributes the engine and the sandbox use."""

    name: str
    type: str
    label: str = ""
    reference_to: tuple[str, ...] = ()
    relationship_name: str | None = None
    child_relationship_name: str | None = None
    nillable: bool = True
    calculated: bool = False
    custom: bool = False
    filterable: bool = True
    groupable: bool = True
    sortable: bool = True
    createable: bool = True
    updateable: bool = True
    external_id: bool = False
    unique: bool = False
    case_sensitive: bool = False
    length: int = 0
    precision: int = 0
    scale: int = 0
    digits: int = 0
    compound_field_name: str | None = None
    picklist_values: tuple[PicklistValue, ...] = ()
    default_value: Any = None
    formula: str | None = None

    @property
    def is_text(self) -> bool:
        return self.type in TEXT_TYPES

    @property
    def is_numeric(self) -> bool:
        return self.type in NUMERIC_TYPES

    @property
    def is_id(self) -> bool:
        return self.type in ID_TYPES


@dataclass(frozen=True)
class ChildRelationship:
    """``Account.Contacts``: the child object, its lookup field and the relationship name."""

    relationship_name: str
    child_object: str
    field: str


@dataclass
class SObject:
    name: str
    label: str = ""
    label_plural: str = ""
    key_prefix: str | None = None
    custom: bool = False
    queryable: bool = True
    createable: bool = True
    updateable: bool = True
    deletable: bool = True
    fields: dict[str, Field] = field(default_factory=dict)  # lower-case name -> Field
    child_relationships: dict[str, ChildRelationship] = field(default_factory=dict)

    def field(self, name: str) -> Field | None:
        return self.fields.get(name.lower())

    def relationship(self, name: str) -> Field | None:
        """The reference field whose relationship name is ``name`` (``Owner`` → ``OwnerId``)."""
        lower = name.lower()
        for f in self.fields.values():
            if f.relationship_name and f.relationship_name.lower() == lower:
                return f
        return None

    def child_relationship(self, name: str) -> ChildRelationship | None:
        return self.child_relationships.get(name.lower())

    def iter_fields(self) -> Iterator[Field]:
        return iter(self.fields.values())


@dataclass
class Catalog:
    """Objects by lower-case API name. Build with :func:`Catalog.from_mapping` or :func:`standard_catalog`."""

    objects: dict[str, SObject] = field(default_factory=dict)

    def get(self, name: str) -> SObject | None:
        return self.objects.get(name.lower())

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self.objects

    def __iter__(self) -> Iterator[SObject]:
        return iter(self.objects.values())

    def add(self, obj: SObject) -> None:
        self.objects[obj.name.lower()] = obj

    def link_children(self) -> None:
        """Derive ``childRelationships`` from the reference fields that name a child relationship.

        Raises :class:`CatalogError` when two lookups give one parent the same relationship name.
        """
        for obj in self.objects.values():
            obj.child_relationships.clear()
        for child in self.objects.values():
            for f in child.fields.values():
                if not f.child_relationship_name:
                    continue
                for target in f.reference_to:
                    parent = self.get(target)
                    if parent is None:
                        continue
                    rel = ChildRelationship(f.child_relationship_name, child.name, f.name)
                    taken = parent.child_relationships.setdefault(
                        rel.relationship_name.lower(), rel
                    )
                    if taken != rel:
                        raise CatalogError(
                            f"{child.name}.{f.name}: child relationship '{rel.relationship_name}' "
                            f"on {parent.name} is already used by {taken.child_object}.{taken.field}; "
                            "child relationship names must be unique per parent object"
                        )

    def merged(self, other: Catalog) -> Catalog:
        """A new catalog: this one's objects, with ``other``'s objects and fields laid over them."""
        result = Catalog()
        for obj in self.objects.values():
            result.add(_copy_object(obj))
        for obj in other.objects.values():
            base = result.get(obj.name)
            if base is None:
                result.add(_copy_object(obj))
            else:
                base.fields.update(obj.fields)
                # A schema that only adds fields to Opportunity gets the labels derived from the
                # name ("Opportunitys"); those must not replace the standard ones.
                if obj.label != _label_from_name(obj.name):
                    base.label = obj.label
                    base.label_plural = obj.label_plural
                elif obj.label_plural != obj.label + "s":
                    base.label_plural = obj.label_plural
                if obj.key_prefix:
                    base.key_prefix = obj.key_prefix
        result.link_children()
        return result

    @classmethod
    def from_mapping(cls, doc: Mapping[str, Any], *, source: str = "catalog") -> Catalog:
        """Load the ``schema.yaml`` shape (object name → {label, keyPrefix, fields})."""
        if not isinstance(doc, Mapping):
            raise CatalogError(
                f"{source}: expected a mapping of object names, got {type(doc).__name__}"
            )
        catalog = cls()
        for obj_name, obj_doc in doc.items():
            catalog.add(_object_from_mapping(str(obj_name), obj_doc or {}, source))
        catalog.link_children()
        return catalog


def _copy_object(obj: SObject) -> SObject:
    return SObject(
        name=obj.name,
        label=obj.label,
        label_plural=obj.label_plural,
        key_prefix=obj.key_prefix,
        custom=obj.custom,
        queryable=obj.queryable,
        createable=obj.createable,
        updateable=obj.updateable,
        deletable=obj.deletable,
        fields=dict(obj.fields),
    )


_FIELD_KEYS = {
    "type": "type",
    "label": "label",
    "referenceTo": "reference_to",
    "relationshipName": "relationship_name",
    "childRelationshipName": "child_relationship_name",
    "nillable": "nillable",
    "calculated": "calculated",
    "custom": "custom",
    "filterable": "filterable",
    "groupable": "groupable",
    "sortable": "sortable",
    "createable": "createable",
    "updateable": "updateable",
    "externalId": "external_id",
    "unique": "unique",
    "caseSensitive": "case_sensitive",
    "length": "length",
    "precision": "precision",
    "scale": "scale",
    "digits": "digits",
    "compoundFieldName": "compound_field_name",
    "picklistValues": "picklist_values",
    "defaultValue": "default_value",
    "formula": "formula",
}


def _object_from_mapping(name: str, doc: Mapping[str, Any], source: str) -> SObject:
    if not isinstance(doc, Mapping):
        raise CatalogError(f"{source}: object {name}: expected a mapping, got {type(doc).__name__}")
    custom = name.lower().endswith("__c")
    obj = SObject(
        name=name,
        label=str(doc.get("label") or _label_from_name(name)),
        label_plural=str(
            doc.get("labelPlural") or (doc.get("label") or _label_from_name(name)) + "s"
        ),
        key_prefix=_key_prefix(name, doc.get("keyPrefix"), source),
        custom=bool(doc.get("custom", custom)),
        queryable=bool(doc.get("queryable", True)),
        createable=bool(doc.get("createable", True)),
        updateable=bool(doc.get("updateable", True)),
        deletable=bool(doc.get("deletable", True)),
    )
    fields_doc = doc.get("fields") or {}
    if not isinstance(fields_doc, Mapping):
        raise CatalogError(f"{source}: object {name}: 'fields' must be a mapping")
    for field_name, field_doc in fields_doc.items():
        f = _field_from_mapping(name, str(field_name), field_doc or {}, source)
        obj.fields[f.name.lower()] = f
    return obj


def _key_prefix(obj: str, value: Any, source: str) -> str | None:
    if value is None:
        return None
    # Unquoted, YAML reads 001 as the octal number 1, so the prefix can't be recovered.
    if not isinstance(value, str):
        raise CatalogError(
            f'{source}: object {obj}: keyPrefix must be a quoted string such as "001", got {value!r}'
        )
    return value


_BOOL_ATTRS = frozenset(
    {
        "nillable",
        "calculated",
        "custom",
        "filterable",
        "groupable",
        "sortable",
        "createable",
        "updateable",
        "externalId",
        "unique",
        "caseSensitive",
    }
)
_INT_ATTRS = frozenset({"length", "precision", "scale", "digits"})
_STR_ATTRS = frozenset(
    {"label", "relationshipName", "childRelationshipName", "compoundFieldName", "formula"}
)


def _check_attribute_types(doc: Mapping[str, Any], where: str) -> None:
    """Reject values YAML would otherwise pass through silently (``nillable: "no"`` is truthy)."""
    for key, value in doc.items():
        if value is None:
            continue
        if key in _BOOL_ATTRS and not isinstance(value, bool):
            raise CatalogError(f"{where}: '{key}' must be true or false, got {value!r}")
        if key in _INT_ATTRS and (isinstance(value, bool) or not isinstance(value, int)):
            raise CatalogError(f"{where}: '{key}' must be a whole number, got {value!r}")
        if key in _STR_ATTRS and not isinstance(value, str):
            raise CatalogError(f"{where}: '{key}' must be a string, got {value!r}")
    ref = doc.get("referenceTo")
    if ref is not None and not (
        isinstance(ref, str) or (isinstance(ref, list) and all(isinstance(r, str) for r in ref))
    ):
        raise CatalogError(f"{where}: 'referenceTo' must be an object name or a list of them")
    picklist = doc.get("picklistValues")
    if picklist is not None and not isinstance(picklist, list):
        raise CatalogError(f"{where}: 'picklistValues' must be a list")


def _field_from_mapping(obj: str, name: str, doc: Mapping[str, Any], source: str) -> Field:
    where = f"{source}: {obj}.{name}"
    if not isinstance(doc, Mapping):
        raise CatalogError(f"{where}: expected a mapping of field attributes")
    unknown = set(doc) - set(_FIELD_KEYS)
    if unknown:
        raise CatalogError(f"{where}: unknown attribute(s) {', '.join(sorted(map(str, unknown)))}")
    _check_attribute_types(doc, where)
    ftype = str(doc.get("type", "string"))
    if ftype not in FIELD_TYPES:
        raise CatalogError(
            f"{where}: unknown type '{ftype}'; expected one of {', '.join(sorted(FIELD_TYPES))}"
        )
    kwargs: dict[str, Any] = {_FIELD_KEYS[k]: v for k, v in doc.items()}
    kwargs["type"] = ftype
    ref = kwargs.get("reference_to")
    if isinstance(ref, str):
        kwargs["reference_to"] = (ref,)
    elif ref is not None:
        kwargs["reference_to"] = tuple(str(r) for r in ref)
    if ftype == "reference" and not kwargs.get("reference_to"):
        raise CatalogError(f"{where}: a reference field needs 'referenceTo'")
    kwargs["picklist_values"] = tuple(
        _picklist_value(v, where) for v in doc.get("picklistValues") or ()
    )
    kwargs.setdefault("custom", name.lower().endswith("__c"))
    kwargs.setdefault("label", _label_from_name(name))
    if ftype == "id":
        kwargs.setdefault("nillable", False)
        kwargs.setdefault("createable", False)
        kwargs.setdefault("updateable", False)
    if kwargs.get("calculated"):
        kwargs.setdefault("createable", False)
        kwargs.setdefault("updateable", False)
    if ftype in ("textarea",) and int(kwargs.get("length") or 0) > 4000:
        kwargs.setdefault("filterable", False)
        kwargs.setdefault("groupable", False)
        kwargs.setdefault("sortable", False)
    if ftype in ("multipicklist", "base64", "anyType") or ftype in COMPOUND_TYPES:
        kwargs.setdefault("groupable", False)
        kwargs.setdefault("sortable", ftype != "multipicklist" and ftype not in COMPOUND_TYPES)
    if ftype in COMPOUND_TYPES:
        # Written through their components (BillingStreet, ...), never directly.
        kwargs.setdefault("filterable", False)
        kwargs.setdefault("createable", False)
        kwargs.setdefault("updateable", False)
    if ftype in ("double", "currency", "percent", "datetime"):
        # Describe marks fractional numbers and datetimes as not groupable (GROUP BY CreatedDate
        # is rejected; GROUP BY DAY_ONLY(CreatedDate) is the way).
        kwargs.setdefault("groupable", False)
    if ftype == "boolean":
        kwargs.setdefault("nillable", False)
    return Field(name=name, **kwargs)


def _picklist_value(v: Any, where: str) -> PicklistValue:
    if isinstance(v, str):
        return PicklistValue(value=v, label=v)
    if isinstance(v, Mapping) and "value" in v:
        return PicklistValue(
            value=str(v["value"]),
            label=str(v.get("label", v["value"])),
            active=bool(v.get("active", True)),
            default=bool(v.get("defaultValue", False)),
        )
    raise CatalogError(f"{where}: picklist values must be strings or {{value, label}} mappings")


def _label_from_name(name: str) -> str:
    base = name[:-3] if name.lower().endswith("__c") else name
    return base.replace("_", " ").strip()


# libyaml's loader when PyYAML has it: describe catalogs run to hundreds of kilobytes, which the
# pure-Python loader takes most of a second to read (every sync job and dbt build reads one).
YAML_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str) -> Any:
    """A YAML document as ``yaml.safe_load`` reads it, with libyaml's speed when available."""
    return yaml.load(text, Loader=YAML_LOADER)


@cache
def standard_catalog() -> Catalog:
    """The standard objects sfsync works with, as a fresh org describes them (shared, do not mutate)."""
    text = resources.files("pipelines.soql").joinpath("standard_objects.yaml").read_text("utf-8")
    return Catalog.from_mapping(load_yaml(text), source="standard_objects.yaml")


def catalog_from_yaml(
    text: str, *, source: str = "schema.yaml", base: Catalog | None = None
) -> Catalog:
    """Parse a ``schema.yaml`` document, optionally laid over ``base`` (usually the standard catalog)."""
    try:
        doc = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise CatalogError(f"{source}: not valid YAML: {exc}") from exc
    loaded = Catalog.from_mapping(doc, source=source)
    return base.merged(loaded) if base is not None else loaded


def names(objects: Iterable[SObject]) -> list[str]:
    return [o.name for o in objects]
