"""The SOQL the wizard shows while an admin edits: what the sync sends, and how accounts are typed.

Two previews, both built by the code that does the real work, so they cannot drift from it:

- :func:`extract_queries`: per object, the SELECT a full sync sends, from the extractor's own
  field selection (:func:`pipelines.salesforce.selection_from_config`) and query builder over
  the org's schema. Incremental syncs add a ``SystemModstamp >=`` condition to the same query.
- :func:`classification_queries`: per account type, the query that selects the accounts of that
  type. Types are first-match-wins, so a later type excludes the accounts an earlier filter
  matched: ``WHERE (Type = 'Prospect') AND NOT (Type IN ('Customer'))``.

Filters that do not compile are left out (the form shows their error instead).
"""

from __future__ import annotations

from dataclasses import dataclass

from pipelines.config.model import IntegrationConfig
from pipelines.soql import SoqlError, compile_condition
from pipelines.soql.catalog import Catalog, SObject

SAMPLE_ACCOUNT_FIELDS = ("Id", "Name", "Type")


@dataclass(frozen=True)
class TypedQuery:
    """The accounts of ``type``: ``condition`` (first-match-wins applied) and a sample query."""

    type: str
    condition: str | None
    count_soql: str
    sample_soql: str


def account_type_filters(config: IntegrationConfig) -> list[tuple[str, str | None]]:
    """``[(type, filter text)]`` in matching order; single mode is one Customer filter."""
    section = config.account_filtering
    if section.mode == "single":
        return [("Customer", section.filter)]
    return [(f.type, f.filter) for f in section.typed_filters]


def valid_filter(text: str | None, object_name: str, catalog: Catalog) -> bool:
    if text is None or not text.strip():
        return False
    try:
        compile_condition(text, object_name, catalog)
    except SoqlError:
        return False
    return True


def classification_queries(
    config: IntegrationConfig, catalog: Catalog, *, fields: tuple[str, ...] = SAMPLE_ACCOUNT_FIELDS
) -> list[TypedQuery]:
    """One :class:`TypedQuery` per account type whose filter (and every earlier one) compiles."""
    found: list[TypedQuery] = []
    earlier: list[str] = []
    for account_type, text in account_type_filters(config):
        if not valid_filter(text, "Account", catalog):
            # A later type's accounts depend on every earlier filter: stop at the first broken one.
            break
        assert text is not None
        parts = [f"({text.strip()})", *(f"NOT ({e})" for e in earlier)]
        condition = " AND ".join(parts)
        found.append(
            TypedQuery(
                type=account_type,
                condition=condition,
                count_soql=f"SELECT COUNT() FROM Account WHERE {condition}",
                sample_soql=(
                    f"SELECT {', '.join(fields)} FROM Account WHERE {condition} "
                    "ORDER BY Name LIMIT 5"
                ),
            )
        )
        earlier.append(text.strip())
    return found


def any_type_condition(config: IntegrationConfig, catalog: Catalog) -> str | None:
    """A condition matching every account that gets a type (``None``: the filters do not compile)."""
    texts = [t for _, t in account_type_filters(config)]
    if not texts or not all(valid_filter(t, "Account", catalog) for t in texts):
        return None
    return " OR ".join(f"({t.strip()})" for t in texts if t)


def extract_queries(config: IntegrationConfig, catalog: Catalog) -> dict[str, str]:
    """Per object, the SELECT a full sync of ``config`` sends (see the module docstring)."""
    from pipelines.salesforce import queries
    from pipelines.salesforce.describe import SObjectDescribe
    from pipelines.salesforce.selection import selection_from_config

    selection = selection_from_config(config, catalog)
    found: dict[str, str] = {}
    for name in selection.objects:
        obj = catalog.get(name)
        if obj is None:
            continue
        chosen, _ = selection.fields_for(name).choose(SObjectDescribe(obj.name, _describe(obj)))
        found[obj.name] = queries.select(obj.name, chosen, [selection.filter_for(name)])
    return found


def _describe(obj: SObject) -> dict[str, object]:
    return {
        "name": obj.name,
        "queryable": obj.queryable,
        "fields": [{"name": f.name, "type": f.type} for f in obj.iter_fields()],
    }
