"""Which objects are synced, which of their fields are pulled, and which rows.

A :class:`Selection` lists the objects and, per object, a :class:`FieldSelection` and an optional
SOQL condition pushed into the WHERE clause. Without one, the source pulls every field of the
standard customer-success objects::

    Selection()                                            # the defaults below, all fields
    Selection(objects=("Account", "Invoice__c"),
              fields={"Account": FieldSelection(include=("Name", "Industry"))})

Whatever a selection says, :data:`ALWAYS_KEPT` fields are pulled: the id, the bookkeeping the
incremental sync and deletes run on, and the creation date the case window uses.

:func:`selection_from_config` derives the selection from an :class:`IntegrationConfig`: its
allowlists and exclusions, plus every field the config and the dbt models compiled from it read
(names, owner lookups, ARR and renewal fields, matching lookups, the support models' case
fields, write-back targets, and every field a filter reads, on other objects too), and the
support-case scope. A sync resolves the config's names against the org's own describe
(:func:`config_objects` says what to describe, :func:`org_catalog` lays it over the rest), so a
first sync pulls what the org has, not what the built-in catalog expects.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, TypeVar

from pipelines.salesforce.describe import SObjectDescribe, is_syncable

if TYPE_CHECKING:
    from pipelines.config.model import IntegrationConfig
    from pipelines.soql.catalog import Catalog

_V = TypeVar("_V")

DEFAULT_OBJECTS: tuple[str, ...] = (
    "Account",
    "Contact",
    "Opportunity",
    "User",
    "Contract",
    "Case",
    "CaseComment",
    "EmailMessage",
)
ALWAYS_KEPT: tuple[str, ...] = (
    "Id",
    "IsDeleted",
    "SystemModstamp",
    "LastModifiedDate",
    "CreatedDate",
)


@dataclass(frozen=True)
class FieldSelection:
    """The fields of one object to pull.

    ``include`` is an allowlist (empty: every field); ``extra`` fields are always pulled (the
    config needs them), ``exclude`` fields never — unless they are in ``extra`` or
    :data:`ALWAYS_KEPT`. Names are API names, matched case-insensitively.
    """

    include: tuple[str, ...] = ()
    extra: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()

    def choose(self, describe: SObjectDescribe) -> tuple[list[str], list[str]]:
        """``(fields, unknown)``: the syncable fields to pull in describe order, and the names
        this selection gives that the object does not have (or that cannot be synced)."""
        syncable = {
            str(f["name"]).lower(): str(f["name"]) for f in describe.fields if is_syncable(f)
        }
        named = [*self.include, *self.extra, *self.exclude]
        unknown = [n for n in dict.fromkeys(named) if n.lower() not in syncable]
        kept = {n.lower() for n in (*ALWAYS_KEPT, *self.extra)}
        excluded = {n.lower() for n in self.exclude} - kept
        if self.include:
            wanted = {n.lower() for n in self.include} | kept
            chosen = [name for key, name in syncable.items() if key in wanted]
        else:
            chosen = list(syncable.values())
        return [n for n in chosen if n.lower() not in excluded], unknown


@dataclass(frozen=True)
class Selection:
    """Objects to sync, their field selections and row filters (see the module docstring)."""

    objects: tuple[str, ...] = DEFAULT_OBJECTS
    fields: Mapping[str, FieldSelection] = field(default_factory=dict)
    filters: Mapping[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    """What the config asked for that could not be honoured (shown in the job's messages)."""

    def fields_for(self, object_name: str) -> FieldSelection:
        return _lookup(self.fields, object_name) or FieldSelection()

    def filter_for(self, object_name: str) -> str | None:
        return _lookup(self.filters, object_name)

    def only(self, objects: Iterable[str]) -> Selection:
        """The same selection restricted to (or extended by) ``objects``, in that order."""
        return replace(self, objects=tuple(dict.fromkeys(objects)))


def _lookup(mapping: Mapping[str, _V], name: str) -> _V | None:
    lower = name.lower()
    for key, value in mapping.items():
        if key.lower() == lower:
            return value
    return None


# --- from the integration config ------------------------------------------------------------


def selection_from_config(
    config: IntegrationConfig,
    catalog: Catalog | None = None,
    *,
    home: str | os.PathLike[str] | None = None,
) -> Selection:
    """The selection an :class:`IntegrationConfig` asks for (see the module docstring).

    The fields are :func:`pipelines.config.dbt_vars.fields_to_extract`'s — what the config and
    the dbt models built from it read — plus User and Contract in full. Names are resolved
    against ``catalog`` (default: the synced describe catalog under ``home``, else the built-in
    one; a sync resolves against the org's own describe, see :func:`org_catalog`); names that
    do not resolve are left out and reported in ``notes`` —
    :func:`pipelines.config.validation.validate_config` explains them in full.
    """
    from pipelines.config.catalogs import load_catalog
    from pipelines.config.dbt_vars import fields_to_extract
    from pipelines.config.resolve import resolve_config

    catalog = catalog if catalog is not None else load_catalog(home)
    resolved = resolve_config(config, catalog)
    notes = [f"config: {issue.message}" for issue in resolved.issues if _matters(issue.location)]
    wanted = fields_to_extract(resolved, catalog)
    for name in ("User", "Contract"):  # owners and contracts, whole, whatever the config says
        wanted[name] = None
    ordered = [n for n in DEFAULT_OBJECTS if n in wanted] + [
        n for n in wanted if n not in DEFAULT_OBJECTS
    ]
    fields: dict[str, FieldSelection] = {}
    for name in ordered:
        chosen = wanted[name]
        if name == "Contact" and chosen is not None:
            # Exclusions stay exclusions: new fields of the org keep arriving.
            fields[name] = FieldSelection(
                exclude=tuple(f.name for f in resolved.contact_exclude if f.name not in chosen)
            )
        else:
            fields[name] = FieldSelection(include=tuple(chosen or ()))
    filters: dict[str, str] = {}
    if config.support_cases.enabled and resolved.cases is None:
        notes.append(
            "support cases are enabled but the section does not resolve; cases were not synced"
        )
    if resolved.cases is not None:
        cases = resolved.cases
        case_filter = cases.filter.text if cases.filter else None
        window = case_condition(case_filter, cases.last_n_days)
        if window:
            filters["Case"] = window
        filters[cases.conversation_source.name] = conversation_condition(
            case_filter, cases.last_n_days
        )
    return Selection(objects=tuple(ordered), fields=fields, filters=filters, notes=tuple(notes))


def config_objects(config: IntegrationConfig) -> list[str]:
    """Every object ``config`` names, before resolving anything: what to describe first."""
    names = ["Account", "Contact", "Opportunity", "User", "Contract"]
    names += [item.object for item in config.custom_objects]
    names += [
        m.object for m in (config.arr, config.renewal) if m.mode == "aggregation" and m.object
    ]
    if config.support_cases.enabled:
        names += ["Case", config.support_cases.conversation_source]
    names += [mapping.object for mapping in config.writeback.mappings]
    names.append("CurrencyType")  # described only in multi-currency orgs
    return list({n.lower(): n for n in reversed(names)}.values())[::-1]


def org_catalog(
    describes: Mapping[str, SObjectDescribe | None], base: Catalog | None = None
) -> Catalog:
    """``base`` (default: the standard objects) with the org's describes laid over it.

    ``describes`` maps names to the org's describe, or to None for an object the org does not
    have, which is then left out even if ``base`` knows it.
    """
    from pipelines.salesforce.catalog_file import catalog_document
    from pipelines.soql.catalog import Catalog, CatalogError, standard_catalog

    present = [d for d in describes.values() if d is not None]
    described = Catalog.from_mapping(catalog_document(present), source="the org's describe")
    absent = {name.lower() for name, d in describes.items() if d is None}
    result = Catalog()
    for obj in base if base is not None else standard_catalog():
        key = obj.name.lower()
        if key not in absent and obj.name not in described:
            result.add(dataclasses.replace(obj, fields=dict(obj.fields), child_relationships={}))
    for obj in described:
        result.add(obj)
    # Clashing child relationship names: conditions cannot use those; the rest still holds.
    with contextlib.suppress(CatalogError):
        result.link_children()
    return result


def _matters(location: tuple[object, ...]) -> bool:
    # Issues in sections that change what is pulled; filter typos elsewhere only affect dbt.
    return bool(location) and location[0] in ("custom_objects", "support_cases", "advanced")


def case_condition(case_filter: str | None, last_n_days: int | None) -> str | None:
    """The WHERE condition of the Case query: the admin's filter and the lookback window."""
    parts = []
    if case_filter and case_filter.strip():
        parts.append(f"({case_filter.strip()})")
    if last_n_days:
        parts.append(f"CreatedDate = LAST_N_DAYS:{int(last_n_days)}")
    return " AND ".join(parts) or None


_SUBQUERY = re.compile(r"\bselect\b", re.IGNORECASE)


def conversation_condition(case_filter: str | None, last_n_days: int | None) -> str:
    """Comments or emails of the selected cases only: a semi-join on ``ParentId``.

    SOQL does not nest semi-joins, so a case filter that has its own sub-select is left out of
    this one (the conversation then covers every case in the window, a superset).
    """
    usable = case_filter if case_filter and not _SUBQUERY.search(case_filter) else None
    inner = case_condition(usable, last_n_days)
    where = f" WHERE {inner}" if inner else ""
    return f"ParentId IN (SELECT Id FROM Case{where})"
