"""Between the wizard's forms and the config document: what each form shows, and what it saves.

Every section's form starts from the config in force and turns back into that section of the
document; saving replaces that section (only) in the document and stores the result::

    doc = base_document(store.current().config)
    rows = typed_rows(config.account_filtering)          # [("Customer", "Type = ..."), ...]
    doc = replace_sections(doc, account_filtering=account_filtering_document(
        "typed", None, rows, validate_with_api=False))

Forms keep what an admin typed: blank boxes become ``None``/empty lists, nothing is "fixed" on
the way (validation says what is wrong, next to the field).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pipelines.config.issues import INVALID_VALUE, ConfigIssue
from pipelines.config.model import (
    ACCOUNT_TYPES,
    AccountFiltering,
    IntegrationConfig,
    MetricSource,
)

SECTION_TITLES: dict[str, str] = {
    "account_filtering": "Account Filtering",
    "owner_mapping": "Owner Mapping",
    "arr": "ARR & Renewal",
    "renewal": "ARR & Renewal",
    "custom_objects": "Custom Objects",
    "support_cases": "Support Cases",
    "advanced": "Advanced",
    "writeback": "Sync to Salesforce",
}


def base_document(config: IntegrationConfig | None) -> dict[str, Any]:
    """The document the forms start from: the config in force, or an empty config."""
    return (config or IntegrationConfig()).to_document()


def replace_sections(document: Mapping[str, Any], **sections: Any) -> dict[str, Any]:
    """A copy of ``document`` with the given sections replaced."""
    out = copy.deepcopy(dict(document))
    for name, value in sections.items():
        out[name] = copy.deepcopy(value)
    return out


def blank_to_none(text: str | None) -> str | None:
    return text if text is not None and text.strip() else None


# ---------------------------------------------------------------------------- account filtering


def typed_rows(section: AccountFiltering) -> list[tuple[str, str]]:
    """Every account type with its filter text, in matching order (types without one last)."""
    rows: list[tuple[str, str]] = [(f.type, f.filter or "") for f in section.typed_filters]
    listed = {t for t, _ in rows}
    rows += [(t, "") for t in ACCOUNT_TYPES if t not in listed]
    return rows


def account_filtering_document(
    mode: str,
    single_filter: str | None,
    rows: Sequence[tuple[str, str | None]],
    *,
    validate_with_api: bool,
) -> dict[str, Any]:
    """The ``account_filtering`` section: types with an empty box are left out (not synced)."""
    return {
        "mode": mode,
        "filter": blank_to_none(single_filter),
        "typed_filters": [
            {"type": account_type, "filter": text}
            for account_type, text in rows
            if text is not None and text.strip()
        ],
        "validate_with_api": bool(validate_with_api),
    }


def move_up(rows: Sequence[tuple[str, str]], index: int) -> list[tuple[str, str]]:
    """``rows`` with row ``index`` swapped with the one before it (first match wins, so order
    matters)."""
    out = list(rows)
    if 0 < index < len(out):
        out[index - 1], out[index] = out[index], out[index - 1]
    return out


# ---------------------------------------------------------------------------- owner mapping


def owner_mapping_document(rows: Iterable[tuple[str | None, str | None]]) -> list[dict[str, str]]:
    """The ``owner_mapping`` list; rows left completely blank are dropped."""
    out = []
    for field, owner_type in rows:
        if not (field or "").strip() and not (owner_type or "").strip():
            continue
        out.append({"field": (field or "").strip(), "owner_type": (owner_type or "").strip()})
    return out


# ---------------------------------------------------------------------------- ARR & renewal


@dataclass(frozen=True)
class MetricForm:
    """One metric's form. The direct field and the aggregated field are separate boxes, so
    switching mode back and forth loses neither."""

    mode: str = "none"
    direct_field: str | None = None
    object: str | None = None
    field: str | None = None
    function: str | None = None
    filter: str | None = None
    account_field: str | None = None
    order_by: str | None = None


def metric_form(source: MetricSource) -> MetricForm:
    aggregated = source.mode == "aggregation" or (source.mode == "none" and source.object)
    return MetricForm(
        mode=source.mode,
        direct_field=source.field if source.mode == "direct" else None,
        object=source.object,
        field=source.field if aggregated else None,
        function=source.function,
        filter=source.filter,
        account_field=source.account_field,
        order_by=source.order_by,
    )


def metric_document(form: MetricForm) -> dict[str, Any]:
    if form.mode == "direct":
        field = form.direct_field
    elif form.mode == "aggregation":
        field = form.field
    else:
        field = form.field if form.object else form.direct_field
    return {
        "mode": form.mode,
        "field": blank_to_none(field),
        "object": blank_to_none(form.object),
        "function": blank_to_none(form.function),
        "filter": blank_to_none(form.filter),
        "account_field": blank_to_none(form.account_field),
        "order_by": blank_to_none(form.order_by),
    }


# ---------------------------------------------------------------------------- custom objects


def custom_object_document(
    *,
    object: str | None,
    display_name: str | None,
    entity_type: str,
    matching_field: str | None,
    filter: str | None,
    whitelisted_fields: Sequence[str],
) -> dict[str, Any]:
    return {
        "object": (object or "").strip(),
        "display_name": blank_to_none(display_name),
        "entity_type": entity_type,
        "matching_field": blank_to_none(matching_field),
        "filter": blank_to_none(filter),
        "whitelisted_fields": list(whitelisted_fields),
    }


# ---------------------------------------------------------------------------- support cases


def support_cases_document(
    *,
    enabled: bool,
    filter: str | None,
    last_n_days: int | None,
    conversation_source: str,
    whitelisted_fields: Sequence[str],
) -> dict[str, Any]:
    return {
        "enabled": bool(enabled),
        "filter": blank_to_none(filter),
        "last_n_days": int(last_n_days) if last_n_days else None,
        "conversation_source": conversation_source,
        "whitelisted_fields": list(whitelisted_fields),
    }


# ---------------------------------------------------------------------------- advanced

_MAPPING_LINE = re.compile(r"^\s*([^:=]+?)\s*[:=]\s*(.+?)\s*$")


def format_field_mapping(mapping: Mapping[str, str]) -> str:
    """``contact_additional_fields`` as the text box shows it: ``Field__c: Custom name`` lines."""
    return "\n".join(f"{field}: {name}" for field, name in mapping.items())


def parse_field_mapping(text: str) -> tuple[dict[str, str], list[ConfigIssue]]:
    """The text box's ``Field: Custom name`` lines as a mapping, and an issue per bad line."""
    mapping: dict[str, str] = {}
    issues: list[ConfigIssue] = []
    location = ("advanced", "contact_additional_fields")
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        match = _MAPPING_LINE.match(line)
        if match is None:
            issues.append(
                ConfigIssue(
                    location,
                    f"line {number} ('{line.strip()}') is not 'ContactField: Custom field name'",
                    INVALID_VALUE,
                )
            )
            continue
        field, name = match.group(1), match.group(2)
        if field in mapping:
            issues.append(
                ConfigIssue(location, f"line {number}: {field} is mapped twice", INVALID_VALUE)
            )
            continue
        mapping[field] = name
    return mapping, issues


def advanced_document(
    *,
    account_whitelisted_fields: Sequence[str],
    opportunity_whitelisted_fields: Sequence[str],
    contact_additional_fields: Mapping[str, str],
    contact_exclude_fields: Sequence[str],
) -> dict[str, Any]:
    return {
        "account_whitelisted_fields": list(account_whitelisted_fields),
        "opportunity_whitelisted_fields": list(opportunity_whitelisted_fields),
        "contact_additional_fields": dict(contact_additional_fields),
        "contact_exclude_fields": list(contact_exclude_fields),
    }


# ---------------------------------------------------------------------------- drafts


def draft_config(document: Mapping[str, Any]) -> IntegrationConfig | None:
    """The document as a config for previews, or ``None`` when it does not even have the shape
    of one yet (the save reports why)."""
    from pipelines.config.issues import InvalidConfigError
    from pipelines.config.validation import parse_config

    try:
        return parse_config(dict(document))
    except InvalidConfigError:
        return None
