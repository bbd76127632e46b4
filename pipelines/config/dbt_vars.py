"""The active config, compiled into the vars the dbt project receives.

dbt never receives admin text to paste into SQL: each SOQL filter arrives as SQL compiled by the
SOQL engine from its validated syntax tree, every table and column name comes from the catalog
through :mod:`pipelines.soql.naming` (``CSM__c`` → ``csm_c``), exactly as the loader names raw
columns, and the labels admins type (owner types, display names, custom field names) come both
as plain values and as SQL string literals escaped by sqlglot for the dialect (``*_sql`` keys):
use the ``*_sql`` form in SQL, never ``'{{ value }}'``.

The vars contract (``SFSYNC_VARS_VERSION`` 1). Conditions are SQL booleans over the *raw* table
of their object in ``sfsync_raw_schema``, with columns qualified by the ``alias`` given beside
them (quoted, e.g. ``"a"."type"``): select ``from <raw table> as a`` and use the SQL in a WHERE
or CASE. Parent paths (``Owner.Name``) and semi-joins read other raw tables of
``sfsync_raw_schema`` through subqueries. Relative SOQL date literals (``LAST_N_DAYS:365``) are
fixed when the vars are compiled (``sfsync_compiled_at``); jobs recompile before every run.

``sfsync_vars_version``        int, this contract's version (1)
``sfsync_config_source``       ``Database (vN)``, ``Default (Code)`` or ``Unsaved`` (previews)
``sfsync_config_version``      int or null: the stored version compiled
``sfsync_config_hash``         sha256 of the config's canonical JSON
``sfsync_compiled_at``         ISO-8601 UTC instant the filters were compiled at
``sfsync_dialect``             the SQL dialect of every ``*_sql`` value
``sfsync_raw_schema``          the schema (dataset) of the raw tables
``sfsync_account_filter_mode`` ``single`` or ``typed``
``sfsync_account_alias``       ``a``: the alias of the raw account table in the conditions
``sfsync_account_types``       ordered list of ``{type, type_sql, position, condition_sql}``; an
                               account gets the type of the first condition it matches (single
                               mode: one ``Customer`` entry); matching none = not synced
``sfsync_account_columns``     null (every column) or the account columns to keep
``sfsync_owner_mapping``       list of ``{owner_type, owner_type_sql, is_standard_type, field,
                               column}``; ``column`` is the raw account column holding the User id
``sfsync_arr``, ``sfsync_renewal``  one dict each, always with every key (null when unused):
    ``enabled`` (mode != none), ``mode`` (``none``/``direct``/``aggregation``),
    ``value_kind`` (``number``/``date``/``datetime``), ``field``/``column``/``field_type``
    (the value: on account for direct, on ``table`` for aggregation; ``field_type`` is the
    Salesforce type, ``currency`` needing conversion in multi-currency orgs), ``object``,
    ``table``, ``alias`` (of ``table`` in ``condition_sql``), ``function`` (``sum``/``max``/
    ``latest``), ``account_field``/``account_column`` (the lookup to Account),
    ``order_by_field``/``order_by_column`` (latest: most recent first by this, ties by ``id``),
    ``condition_sql`` (null: every record), ``source_label``/``source_label_sql`` (what
    ``arr_source``/``renewal_source`` show: ``Account.ARR__c``, ``sum(Opportunity.Amount)``)
``sfsync_custom_objects``      list of ``{object, display_name, display_name_sql, entity_type,
                               table, alias, matching_field, matching_column, columns,
                               condition_sql}``; ``matching_column`` holds the Account or Contact
                               id; ``columns`` null = every column
``sfsync_support_cases``       ``{enabled, table, alias, condition_sql, last_n_days, columns,
                               conversation_source, conversation_table,
                               conversation_parent_column, conversation_body_column,
                               conversation_time_column, conversation_incoming_column}``;
                               ``last_n_days`` (null: no cap) is applied by dbt to the case's
                               created date against the current date; ``conversation_incoming_column``
                               is null for CaseComment, which has no direction
``sfsync_opportunity_columns`` null or the opportunity columns to keep
``sfsync_contact_additional_fields``  list of ``{field, column, name, name_sql, name_column}``: raw
                               contact ``column`` exposed as the custom field ``name``
                               (``name_column``: its snake_case form, safe as an identifier)
``sfsync_contact_excluded_columns``   contact columns to leave out of people
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Iterable
from datetime import UTC
from pathlib import Path
from typing import Any

from sqlglot import exp

from pipelines.config.condition_fields import condition_fields
from pipelines.config.control import sfsync_home
from pipelines.config.issues import InvalidConfigError
from pipelines.config.model import STANDARD_OWNER_TYPES, IntegrationConfig
from pipelines.config.resolve import (
    ACCOUNT_ALIAS,
    CASE_ALIAS,
    CUSTOM_OBJECT_ALIAS,
    METRIC_ALIASES,
    Resolution,
    ResolvedMetric,
    resolve_config,
)
from pipelines.soql import DateContext
from pipelines.soql.catalog import DATE_TYPES, Catalog, Field, SObject
from pipelines.soql.naming import column_name, snake_case, table_name

SFSYNC_VARS_VERSION = 1
DBT_VARS_FILE = "dbt_vars.json"
DEFAULT_RAW_SCHEMA = "salesforce"

# Case fields the support models need whatever the allowlist says.
CASE_REQUIRED_FIELDS = (
    "Id", "AccountId", "ContactId", "CaseNumber", "Subject", "Status", "Priority", "IsClosed",
    "CreatedDate", "ClosedDate",
)  # fmt: skip
# What each conversation source is threaded by: (body, time, incoming or None).
_CONVERSATION_COLUMNS = {
    "CaseComment": ("CommentBody", "CreatedDate", None),
    "EmailMessage": ("TextBody", "MessageDate", "Incoming"),
}


def config_hash(config: IntegrationConfig) -> str:
    """A stable fingerprint of the config's content."""
    canonical = json.dumps(config.to_document(), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def compile_to_dbt_vars(
    config: IntegrationConfig,
    catalog: Catalog,
    *,
    dialect: str = "duckdb",
    raw_schema: str = DEFAULT_RAW_SCHEMA,
    date_context: DateContext | None = None,
    source: str = "Unsaved",
    version: int | None = None,
) -> dict[str, Any]:
    """The dbt vars for ``config`` (see the module docstring); InvalidConfigError if it is invalid."""
    context = date_context or DateContext.current()
    resolution = resolve_config(
        config, catalog, dialect=dialect, raw_schema=raw_schema, date_context=context
    )
    if resolution.issues:
        raise InvalidConfigError(resolution.issues)
    extract = fields_to_extract(resolution, catalog)

    def literal(text: str) -> str:
        return exp.Literal.string(text).sql(dialect=dialect)

    return {
        "sfsync_vars_version": SFSYNC_VARS_VERSION,
        "sfsync_config_source": source,
        "sfsync_config_version": version,
        "sfsync_config_hash": config_hash(config),
        "sfsync_compiled_at": context.now.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "sfsync_dialect": dialect,
        "sfsync_raw_schema": raw_schema,
        "sfsync_account_filter_mode": config.account_filtering.mode,
        "sfsync_account_alias": ACCOUNT_ALIAS,
        "sfsync_account_types": [
            {
                "type": account_type,
                "type_sql": literal(account_type),
                "position": i + 1,
                "condition_sql": f.sql,
            }
            for i, (account_type, f) in enumerate(resolution.account_types)
        ],
        "sfsync_account_columns": _columns(extract.get("Account")),
        "sfsync_owner_mapping": [
            {
                "owner_type": owner_type,
                "owner_type_sql": literal(owner_type),
                "is_standard_type": owner_type in STANDARD_OWNER_TYPES,
                "field": fld.name,
                "column": column_name(fld.name),
            }
            for owner_type, fld in resolution.owners
        ],
        "sfsync_arr": _metric_vars("arr", resolution.arr, literal),
        "sfsync_renewal": _metric_vars("renewal", resolution.renewal, literal),
        "sfsync_custom_objects": [
            {
                "object": co.object.name,
                "display_name": co.display_name,
                "display_name_sql": literal(co.display_name),
                "entity_type": co.entity_type,
                "table": table_name(co.object.name),
                "alias": CUSTOM_OBJECT_ALIAS,
                "matching_field": co.matching_field.name,
                "matching_column": column_name(co.matching_field.name),
                "columns": _columns(extract.get(co.object.name)),
                "condition_sql": co.filter.sql if co.filter else None,
            }
            for co in resolution.custom_objects
        ],
        "sfsync_support_cases": _cases_vars(resolution, extract),
        "sfsync_opportunity_columns": _columns(extract.get("Opportunity")),
        "sfsync_contact_additional_fields": [
            {
                "field": fld.name,
                "column": column_name(fld.name),
                "name": name,
                "name_sql": literal(name),
                "name_column": snake_case(name),
            }
            for fld, name in resolution.contact_additional
        ],
        "sfsync_contact_excluded_columns": [
            column_name(f.name) for f in resolution.contact_exclude
        ],
    }


def _columns(fields: list[str] | None) -> list[str] | None:
    return None if fields is None else [column_name(f) for f in fields]


def _metric_vars(name: str, m: ResolvedMetric, literal: Callable[[str], str]) -> dict[str, Any]:
    fld = m.field
    value_kind = None
    if fld is not None:
        value_kind = (
            "number" if fld.is_numeric else ("date" if fld.type in DATE_TYPES else "datetime")
        )
    label = None
    if m.mode == "direct" and fld is not None:
        label = f"Account.{fld.name}"
    elif m.mode == "aggregation" and fld is not None and m.object is not None:
        label = f"{m.function}({m.object.name}.{fld.name})"
    aggregation = m.mode == "aggregation"
    return {
        "enabled": m.mode != "none",
        "mode": m.mode,
        "value_kind": value_kind,
        "field": fld.name if fld else None,
        "column": column_name(fld.name) if fld else None,
        "field_type": fld.type if fld else None,
        "object": m.object.name if m.object else None,
        "table": table_name(m.object.name) if m.object else None,
        "alias": METRIC_ALIASES[name] if aggregation else None,
        "function": m.function,
        "account_field": m.account_field.name if m.account_field else None,
        "account_column": column_name(m.account_field.name) if m.account_field else None,
        "order_by_field": m.order_by.name if m.order_by else None,
        "order_by_column": column_name(m.order_by.name) if m.order_by else None,
        "condition_sql": m.filter.sql if m.filter else None,
        "source_label": label,
        "source_label_sql": literal(label) if label else None,
    }


def _cases_vars(resolution: Resolution, extract: dict[str, list[str] | None]) -> dict[str, Any]:
    cases = resolution.cases
    if cases is None:
        return {
            "enabled": False,
            "table": None,
            "alias": None,
            "condition_sql": None,
            "last_n_days": None,
            "columns": None,
            "conversation_source": None,
            "conversation_table": None,
            "conversation_parent_column": None,
            "conversation_body_column": None,
            "conversation_time_column": None,
            "conversation_incoming_column": None,
        }
    source = cases.conversation_source
    body, time, incoming = _CONVERSATION_COLUMNS.get(source.name, ("Body", "CreatedDate", None))
    return {
        "enabled": True,
        "table": table_name("Case"),
        "alias": CASE_ALIAS,
        "condition_sql": cases.filter.sql if cases.filter else None,
        "last_n_days": cases.last_n_days,
        "columns": _columns(extract.get("Case")),
        "conversation_source": source.name,
        "conversation_table": table_name(source.name),
        "conversation_parent_column": column_name("ParentId"),
        "conversation_body_column": column_name(body),
        "conversation_time_column": column_name(time),
        "conversation_incoming_column": column_name(incoming) if incoming else None,
    }


# ---------------------------------------------------------------------------- extraction


def fields_to_extract(resolution: Resolution, catalog: Catalog) -> dict[str, list[str] | None]:
    """Per object the config needs, the fields to pull: ``None`` for every field.

    An allowlist never drops a field the config itself reads (Id, Name, lookups, owner and
    metric fields, the case fields the support models read, write-back targets, and every field
    a filter reads — on other objects too, through parent paths and semi-joins). Objects
    aggregated for ARR/renewal or written back but not synced otherwise get only what that
    reads. Contact exclusions become an explicit list. In a multi-currency org (the catalog
    has ``CurrencyIsoCode``) each object's currency is kept and ``CurrencyType`` is pulled.
    """
    wanted: dict[str, list[str] | None] = {}

    def need(obj: SObject, names: Iterable[str], allowlist: tuple[Field, ...] | None) -> None:
        """``allowlist`` ``()``: every field; ``None``: only ``names``; else it plus ``names``."""
        if allowlist == () or (obj.name in wanted and wanted[obj.name] is None):
            wanted[obj.name] = None
            return
        merged = list(wanted.get(obj.name) or [])
        for name in ("Id", *(f.name for f in allowlist or ()), "Name", *names):
            fld = obj.field(name)
            if fld is not None and fld.name not in merged:
                merged.append(fld.name)
        wanted[obj.name] = merged

    account = catalog.get("Account")
    if account is not None:
        names = [f for _, flt in resolution.account_types for f in flt.fields]
        names += [fld.name for _, fld in resolution.owners]
        names += [
            m.field.name
            for m in (resolution.arr, resolution.renewal)
            if m.mode == "direct" and m.field
        ]
        need(account, names, resolution.account_whitelist)
    opportunity = catalog.get("Opportunity")
    if opportunity is not None:
        need(opportunity, ["AccountId"], resolution.opportunity_whitelist)
    contact = catalog.get("Contact")
    if contact is not None:
        excluded = {f.name for f in resolution.contact_exclude}
        wanted["Contact"] = (
            [f.name for f in contact.iter_fields() if f.name not in excluded] if excluded else None
        )
    for co in resolution.custom_objects:
        names = [co.matching_field.name, *(co.filter.fields if co.filter else ())]
        need(co.object, names, co.whitelisted_fields)
    for m in (resolution.arr, resolution.renewal):
        if m.mode != "aggregation" or m.object is None:
            continue
        names = [f.name for f in (m.field, m.account_field, m.order_by) if f is not None]
        names += list(m.filter.fields if m.filter else ())
        # An object aggregated but not synced otherwise is pulled with just what this reads.
        need(m.object, names, None)
    if resolution.cases is not None:
        case = catalog.get("Case")
        if case is not None:
            names = [
                *CASE_REQUIRED_FIELDS,
                *(resolution.cases.filter.fields if resolution.cases.filter else ()),
            ]
            need(case, names, resolution.cases.whitelisted_fields)
        wanted.setdefault(resolution.cases.conversation_source.name, None)
    for wb in resolution.writeback:
        # Write-back compares against the org's values and SystemModstamp as last synced.
        need(wb.object, [*(f.name for _, f in wb.fields), "SystemModstamp"], None)
    # Filters also read other objects: the parents of a path, the fields of a semi-join.
    for flt in resolution.filters:
        for obj_name, field_name in condition_fields(flt.text, flt.object, catalog):
            obj = catalog.get(obj_name)
            if obj is not None and obj.name in wanted:
                need(obj, [field_name], None)
    # In a multi-currency org, money converts with each record's currency and the org's rates.
    holders = ["Account", "Opportunity"]
    holders += [m.object.name for m in (resolution.arr, resolution.renewal) if m.object]
    money = [o for o in map(catalog.get, holders) if o and o.field("CurrencyIsoCode")]
    for obj in money:
        need(obj, ["CurrencyIsoCode"], None)
    if money and catalog.get("CurrencyType") is not None:
        wanted.setdefault("CurrencyType", None)
    return wanted


# ---------------------------------------------------------------------------- the file


def dbt_vars_path(home: str | os.PathLike[str] | None = None) -> Path:
    """``$SFSYNC_HOME/dbt_vars.json``: what the dbt project reads when run directly."""
    return sfsync_home(home, create=False) / DBT_VARS_FILE


def write_dbt_vars(dbt_vars: dict[str, Any], home: str | os.PathLike[str] | None = None) -> Path:
    """Replace ``dbt_vars.json`` atomically: readers see the old file or the new one, never half."""
    path = sfsync_home(home) / DBT_VARS_FILE
    fd, tmp = tempfile.mkstemp(prefix=".dbt_vars.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(dbt_vars, fh, indent=2)
            fh.write("\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
