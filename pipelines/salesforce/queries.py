"""The SOQL text the extractor sends: SELECT lists, WHERE conditions, datetime literals.

Field and object names come from the org's describe, never from free text; the only free text is
an admin's filter, which the config validates with the SOQL engine before it gets here.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from urllib.parse import quote_plus

# Salesforce rejects request lines and headers above 16,384 bytes; keep the URL well below.
DEFAULT_MAX_URL_LENGTH = 14_000


def soql_datetime(value: datetime) -> str:
    """A SOQL datetime literal in UTC, rounded down to the second: ``2024-05-01T09:30:00Z``."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def where_clause(conditions: Sequence[str | None]) -> str:
    parts = [c.strip() for c in conditions if c and c.strip()]
    if not parts:
        return ""
    if len(parts) == 1:
        return f" WHERE {parts[0]}"
    return " WHERE " + " AND ".join(f"({p})" for p in parts)


def select(object_name: str, fields: Sequence[str], conditions: Sequence[str | None] = ()) -> str:
    return f"SELECT {', '.join(fields)} FROM {object_name}{where_clause(conditions)}"


def count(object_name: str, conditions: Sequence[str | None] = ()) -> str:
    return f"SELECT COUNT() FROM {object_name}{where_clause(conditions)}"


def url_length(soql: str, prefix: str) -> int:
    """Length of ``prefix?q=<soql>`` once the query is URL-encoded."""
    return len(prefix) + 3 + len(quote_plus(soql))


def split_fields(
    object_name: str,
    fields: Sequence[str],
    conditions: Sequence[str | None],
    *,
    prefix: str,
    max_url_length: int = DEFAULT_MAX_URL_LENGTH,
) -> list[list[str]]:
    """Field groups whose REST queries each fit in ``max_url_length``; every group starts with
    ``Id`` so the partial rows can be joined back. One group when the whole list fits."""
    if url_length(select(object_name, fields, conditions), prefix) <= max_url_length:
        return [list(fields)]
    rest = [f for f in fields if f != "Id"]
    groups: list[list[str]] = []
    current = ["Id"]
    for name in rest:
        candidate = [*current, name]
        if (
            len(current) > 1
            and url_length(select(object_name, candidate, conditions), prefix) > max_url_length
        ):
            groups.append(current)
            current = ["Id", name]
        else:
            current = candidate
    groups.append(current)
    if url_length(select(object_name, ["Id"], conditions), prefix) > max_url_length:
        raise ValueError(
            f"the WHERE clause of the {object_name} query alone is longer than the URL limit "
            f"({max_url_length} characters); shorten the filter"
        )
    return groups
