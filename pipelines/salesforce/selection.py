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
allowlists and exclusions, plus every field the config itself reads (owner lookups, ARR and
renewal fields, the fields its filters name, matching lookups), and the support-case scope.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, TypeVar

from pipelines.salesforce.describe import SObjectDescribe, is_syncable

if TYPE_CHECKING:
    from pipelines.config.model import IntegrationConfig
    from pipelines.config.resolve import ResolvedFilter, ResolvedMetric
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
# What a support activity is made of, kept even when the case allowlist leaves it out.
CASE_CORE_FIELDS: tuple[str, ...] = (
    "AccountId",
    "ContactId",
    "CaseNumber",
    "Subject",
    "Status",
    "OwnerId",
    "ClosedDate",
)
CONVERSATION_OBJECTS = ("CaseComment", "EmailMessage")


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

    def merged(self, other: FieldSelection) -> FieldSelection:
        """Both selections together: allowlists, extras and exclusions each unite (an empty
        allowlist is no opinion here, so adding a config's extra needs keeps an allowlist)."""
        return FieldSelection(
            include=_union(self.include, other.include),
            extra=_union(self.extra, other.extra),
            exclude=_union(self.exclude, other.exclude),
        )


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


def _union(*groups: Iterable[str]) -> tuple[str, ...]:
    seen: dict[str, str] = {}
    for group in groups:
        for name in group:
            seen.setdefault(name.lower(), name)
    return tuple(seen.values())


# --- from the integration config ------------------------------------------------------------


def selection_from_config(
    config: IntegrationConfig,
    catalog: Catalog | None = None,
    *,
    home: str | os.PathLike[str] | None = None,
) -> Selection:
    """The selection an :class:`IntegrationConfig` asks for (see the module docstring).

    Names are resolved against ``catalog`` (default: the synced describe catalog under
    ``home``, else the built-in one); names that do not resolve are left out and reported in
    ``notes`` — :func:`pipelines.config.validation.validate_config` explains them in full.
    """
    from pipelines.config.catalogs import load_catalog
    from pipelines.config.resolve import resolve_config

    resolved = resolve_config(config, catalog if catalog is not None else load_catalog(home))
    builder = _Builder()
    notes = [f"config: {issue.message}" for issue in resolved.issues if _matters(issue.location)]

    account_extra = [f.name for _, f in resolved.owners]
    for _, flt in resolved.account_types:
        account_extra += flt.fields
    builder.add(
        "Account",
        FieldSelection(
            include=tuple(f.name for f in resolved.account_whitelist),
            extra=tuple(account_extra),
        ),
    )
    builder.add(
        "Contact",
        FieldSelection(
            extra=("AccountId", *(f.name for f, _ in resolved.contact_additional)),
            exclude=tuple(f.name for f in resolved.contact_exclude),
        ),
    )
    builder.add(
        "Opportunity",
        FieldSelection(
            include=tuple(f.name for f in resolved.opportunity_whitelist), extra=("AccountId",)
        ),
    )
    builder.add("User", FieldSelection())
    builder.add("Contract", FieldSelection(extra=("AccountId",)))
    for metric in (resolved.arr, resolved.renewal):
        _add_metric(builder, metric)
    for custom in resolved.custom_objects:
        extra = [custom.matching_field.name, *_filter_fields(custom.filter)]
        builder.add(
            custom.object.name,
            FieldSelection(
                include=tuple(f.name for f in custom.whitelisted_fields), extra=tuple(extra)
            ),
        )
    if config.support_cases.enabled:
        if resolved.cases is None:
            notes.append(
                "support cases are enabled but the section does not resolve; cases were not synced"
            )
        else:
            cases = resolved.cases
            builder.add(
                "Case",
                FieldSelection(
                    include=tuple(f.name for f in cases.whitelisted_fields),
                    extra=(*CASE_CORE_FIELDS, *_filter_fields(cases.filter)),
                ),
            )
            window = case_condition(cases.filter.text if cases.filter else None, cases.last_n_days)
            if window:
                builder.filters["Case"] = window
            source = cases.conversation_source.name
            builder.add(source, FieldSelection(extra=("ParentId",)))
            builder.filters[source] = conversation_condition(
                cases.filter.text if cases.filter else None, cases.last_n_days
            )
    return Selection(
        objects=tuple(builder.objects),
        fields=dict(builder.fields),
        filters=dict(builder.filters),
        notes=tuple(notes),
    )


class _Builder:
    def __init__(self) -> None:
        self.objects: list[str] = []
        self.fields: dict[str, FieldSelection] = {}
        self.filters: dict[str, str] = {}

    def add(self, name: str, selection: FieldSelection) -> None:
        existing = next((k for k in self.objects if k.lower() == name.lower()), None)
        if existing is None:
            self.objects.append(name)
            self.fields[name] = selection
        else:
            self.fields[existing] = self.fields[existing].merged(selection)


def _add_metric(builder: _Builder, metric: ResolvedMetric) -> None:
    if metric.mode == "direct" and metric.field is not None:
        builder.add("Account", FieldSelection(extra=(metric.field.name,)))
    elif metric.mode == "aggregation" and metric.object is not None:
        extra = [
            f.name for f in (metric.field, metric.account_field, metric.order_by) if f is not None
        ]
        extra += _filter_fields(metric.filter)
        builder.add(metric.object.name, FieldSelection(extra=tuple(extra)))


def _filter_fields(flt: ResolvedFilter | None) -> list[str]:
    return list(flt.fields) if flt is not None else []


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
