"""The choices the wizard's dropdowns offer, read from the org's schema (the synced describe,
or the built-in catalog before the first sync)::

    catalog = load_catalog(home)
    owner_fields(catalog)                        # ['OwnerId', 'CSM__c', 'TAM__c', ...]
    aggregatable_objects(catalog)                # objects with a lookup to Account
    metric_fields(catalog, "Opportunity", "arr") # numeric fields: ['Amount', ...]

Every list is in a stable order (the describe's, with the commonly wanted names first) and holds
canonical API names, so what an admin picks is what validation and the extractor expect.
"""

from __future__ import annotations

from collections.abc import Iterable

from pipelines.soql.catalog import DATE_TYPES, DATETIME_TYPES, Catalog, Field, SObject

# Audit lookups (who created or last changed the record) are never an owner.
_AUDIT_LOOKUPS = frozenset({"createdbyid", "lastmodifiedbyid"})
# Objects a CS admin aggregates or brings in most often, listed first when present.
_COMMON_CHILD_OBJECTS = ("Opportunity", "Contract")


def owner_fields(catalog: Catalog) -> list[str]:
    """Account fields that are lookups to User (``OwnerId`` first), without the audit lookups."""
    account = catalog.get("Account")
    if account is None:
        return []
    names = [
        f.name
        for f in account.iter_fields()
        if references(f, "User") and f.name.lower() not in _AUDIT_LOOKUPS
    ]
    # OwnerId, then the org's own lookups (CSM__c...), then other standard ones; describe order
    # within each group (sorted() is stable).
    return sorted(names, key=lambda n: (n.lower() != "ownerid", not n.endswith("__c")))


def objects_with_lookup_to(catalog: Catalog, target: str) -> list[str]:
    """Queryable objects (other than ``target``) that have a lookup to ``target``."""
    found = [
        obj.name
        for obj in catalog
        if obj.queryable
        and obj.name.lower() != target.lower()
        and any(references(f, target) for f in obj.iter_fields())
    ]
    return _common_first(sorted(found, key=str.lower))


def aggregatable_objects(catalog: Catalog) -> list[str]:
    """Objects whose records can be aggregated per account (they have a lookup to Account)."""
    return objects_with_lookup_to(catalog, "Account")


def custom_object_candidates(catalog: Catalog, entity_type: str) -> list[str]:
    """Objects that can be synced as related records of an Account or a Contact."""
    return objects_with_lookup_to(catalog, entity_type)


def lookups_to(catalog: Catalog, object_name: str, target: str) -> list[str]:
    """The lookup fields of ``object_name`` pointing at ``target`` (e.g. Opportunity.AccountId)."""
    obj = catalog.get(object_name)
    if obj is None:
        return []
    return [f.name for f in obj.iter_fields() if references(f, target)]


def metric_fields(catalog: Catalog, object_name: str, metric: str) -> list[str]:
    """Fields that can hold ARR (numbers) or a renewal date (dates, datetimes)."""
    obj = catalog.get(object_name)
    if obj is None:
        return []
    return [f.name for f in obj.iter_fields() if metric_kind_ok(metric, f)]


def order_fields(catalog: Catalog, object_name: str) -> list[str]:
    """Fields "latest" can be ordered by: sortable dates, datetimes and numbers."""
    obj = catalog.get(object_name)
    if obj is None:
        return []
    return [
        f.name
        for f in obj.iter_fields()
        if f.sortable and (f.type in DATE_TYPES | DATETIME_TYPES or f.is_numeric)
    ]


def field_names(catalog: Catalog, object_name: str) -> list[str]:
    """Every field of ``object_name``, in describe order."""
    obj = catalog.get(object_name)
    return [f.name for f in obj.iter_fields()] if obj is not None else []


def object_label(catalog: Catalog, object_name: str) -> str:
    """The object's plural label (what a custom object's display name defaults to)."""
    obj: SObject | None = catalog.get(object_name)
    if obj is None:
        return object_name
    return obj.label_plural or obj.label or obj.name


def is_date_field(catalog: Catalog, object_name: str, field_name: str | None) -> bool:
    obj = catalog.get(object_name)
    fld = obj.field(field_name) if obj is not None and field_name else None
    return fld is not None and fld.type in DATE_TYPES | DATETIME_TYPES


def metric_kind_ok(metric: str, fld: Field) -> bool:
    """ARR takes numbers; the renewal date takes dates and datetimes."""
    if metric == "arr":
        return fld.is_numeric
    return fld.type in DATE_TYPES | DATETIME_TYPES


def references(fld: Field, target: str) -> bool:
    return fld.type == "reference" and any(t.lower() == target.lower() for t in fld.reference_to)


def with_current(options: Iterable[str], current: str | None) -> list[str]:
    """``options`` plus ``current`` when it is set but not among them (a field that left the
    schema stays visible, so validation can say what is wrong with it instead of it vanishing)."""
    listed = list(options)
    if current and current.lower() not in {o.lower() for o in listed}:
        listed.append(current)
    return listed


def _common_first(names: list[str]) -> list[str]:
    rank = {name.lower(): i for i, name in enumerate(_COMMON_CHILD_OBJECTS)}
    return sorted(names, key=lambda n: rank.get(n.lower(), len(rank)))
