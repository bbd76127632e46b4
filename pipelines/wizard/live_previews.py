"""Previews computed live against the connected org, for before the first sync.

The same three previews as :mod:`pipelines.transform`'s (which read the warehouse), answered by
SOQL sent to the org, so an admin can check a configuration on a brand-new connection:

- :func:`filter_preview`: accounts per type (count and five samples), first match wins.
- :func:`aggregation_preview`: ARR or renewal date on five sample accounts, with the records the
  value was computed from.
- :func:`case_preview`: five recent cases matching the case filter and window, with their thread.

Every filter is validated by the SOQL engine before it is sent; names come from the catalog.
Sentiment is only computed by the transform (on synced messages), so live case previews show
the thread without it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from pipelines.config.model import IntegrationConfig
from pipelines.config.resolve import ResolvedMetric, resolve_config
from pipelines.soql.catalog import Catalog
from pipelines.wizard.org_queries import count_soql, run_soql
from pipelines.wizard.soql_preview import any_type_condition, classification_queries

SAMPLE_SIZE = 5


@dataclass(frozen=True)
class TypeSample:
    type: str
    count: int
    samples: list[dict[str, Any]]
    soql: str


@dataclass(frozen=True)
class FilterPreview:
    """Accounts per type; ``unmatched``: accounts no filter matches (they are not synced)."""

    source: str
    types: list[TypeSample]
    total_accounts: int | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def unmatched(self) -> int | None:
        if self.total_accounts is None:
            return None
        return max(self.total_accounts - sum(t.count for t in self.types), 0)


@dataclass(frozen=True)
class AccountValue:
    """One sample account: the metric's value and the records it was computed from."""

    account_id: str
    account_name: str | None
    value: Any
    records: list[dict[str, Any]]


@dataclass(frozen=True)
class AggregationPreview:
    source: str
    metric: str
    description: str
    accounts: list[AccountValue]
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class CaseSample:
    case: dict[str, Any]
    thread: list[dict[str, Any]]
    sentiment: str | None = None


@dataclass(frozen=True)
class CasePreview:
    source: str
    cases: list[CaseSample]
    notes: list[str] = field(default_factory=list)


class PreviewUnavailable(RuntimeError):
    """The preview cannot be computed for this config; the message says what to fix first."""


# ---------------------------------------------------------------------------- filter


def filter_preview(client: Any, config: IntegrationConfig, catalog: Catalog) -> FilterPreview:
    """Accounts per type, counted and sampled in the org."""
    queries = classification_queries(config, catalog)
    if not queries:
        raise PreviewUnavailable("fix the account filters first: none of them compiles yet")
    types = [
        TypeSample(
            q.type,
            count_soql(client, q.count_soql),
            run_soql(client, q.sample_soql, limit=SAMPLE_SIZE),
            q.sample_soql,
        )
        for q in queries
    ]
    total = count_soql(client, "SELECT COUNT() FROM Account")
    notes = []
    wanted = (
        len(config.account_filtering.typed_filters)
        if config.account_filtering.mode == "typed"
        else 1
    )
    if len(queries) < wanted:
        notes.append("types after the first filter with an error are left out of this preview")
    return FilterPreview("org", types, total, notes)


# ---------------------------------------------------------------------------- ARR and renewal


def aggregation_preview(
    client: Any, config: IntegrationConfig, catalog: Catalog, metric: str
) -> AggregationPreview:
    """``metric`` ("arr" or "renewal") on five sample accounts that get a type."""
    resolved = resolve_config(config, catalog)
    source = config.arr if metric == "arr" else config.renewal
    label = "ARR" if metric == "arr" else "Renewal date"
    if source.mode == "none":
        raise PreviewUnavailable(f"{label} is set to None: nothing to preview")
    problems = [i for i in resolved.issues if i.section == metric]
    if problems:
        raise PreviewUnavailable(f"fix {label} first: {problems[0]}")
    chosen: ResolvedMetric = resolved.arr if metric == "arr" else resolved.renewal
    accounts_where = any_type_condition(config, catalog)
    if accounts_where is None:
        raise PreviewUnavailable(
            "fix the account filters first: the sample accounts come from them"
        )
    if chosen.mode == "direct":
        assert chosen.field is not None
        name = chosen.field.name
        records = run_soql(
            client,
            f"SELECT Id, Name, {name} FROM Account WHERE ({accounts_where}) AND {name} != null "
            f"ORDER BY Name LIMIT {SAMPLE_SIZE}",
        )
        values = [
            AccountValue(str(r["Id"]), r.get("Name"), r.get(name), [dict(r)]) for r in records
        ]
        return AggregationPreview("org", metric, f"Account.{name}", values)

    assert chosen.object is not None and chosen.field is not None
    assert chosen.account_field is not None and chosen.function is not None
    obj, fld, lookup = chosen.object.name, chosen.field.name, chosen.account_field.name
    child_where = chosen.filter.text.strip() if chosen.filter is not None else None
    inner = f"SELECT {lookup} FROM {obj}" + (f" WHERE {child_where}" if child_where else "")
    accounts = run_soql(
        client,
        f"SELECT Id, Name FROM Account WHERE ({accounts_where}) AND Id IN ({inner}) "
        f"ORDER BY Name LIMIT {SAMPLE_SIZE}",
    )
    notes: list[str] = []
    if not accounts:
        notes.append(f"no synced account has a matching {obj} record; showing accounts without one")
        accounts = run_soql(
            client,
            f"SELECT Id, Name FROM Account WHERE {accounts_where} ORDER BY Name LIMIT {SAMPLE_SIZE}",
        )
    order = chosen.order_by.name if chosen.order_by is not None else fld
    has_name = chosen.object.field("Name") is not None
    fields = _unique(["Id", *(["Name"] if has_name else []), lookup, fld, order])
    ids = ", ".join(_quote(str(a["Id"])) for a in accounts)
    records = (
        run_soql(
            client,
            f"SELECT {', '.join(fields)} FROM {obj} WHERE {lookup} IN ({ids})"
            + (f" AND ({child_where})" if child_where else "")
            + f" ORDER BY {lookup}, {order}",
        )
        if accounts
        else []
    )
    by_account: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        by_account.setdefault(str(record.get(lookup)), []).append(record)
    values = []
    for account in accounts:
        behind = by_account.get(str(account["Id"]), [])
        values.append(
            AccountValue(
                str(account["Id"]),
                account.get("Name"),
                aggregate(chosen.function, behind, fld, order),
                behind,
            )
        )
    where = f" where {child_where}" if child_where else ""
    description = f"{chosen.function} of {obj}.{fld}{where} (by {obj}.{lookup})"
    return AggregationPreview("org", metric, description, values, notes)


def aggregate(
    function: str, records: Sequence[dict[str, Any]], value_field: str, order_field: str
) -> Any:
    """``sum``, ``max`` or ``latest`` of ``value_field`` over ``records`` (nulls skipped)."""
    values: list[Any] = [r.get(value_field) for r in records if r.get(value_field) is not None]
    if not values:
        return None
    if function == "sum":
        return float(sum(float(v) for v in values))
    if function == "max":
        return max(values, key=_sortable)
    ordered = [
        r for r in records if r.get(order_field) is not None and r.get(value_field) is not None
    ]
    if not ordered:
        return None
    return max(ordered, key=lambda r: _sortable(r.get(order_field))).get(value_field)


# ---------------------------------------------------------------------------- cases


def case_preview(client: Any, config: IntegrationConfig, catalog: Catalog) -> CasePreview:
    """Five recent cases of the Support Cases section, each with its conversation thread."""
    from pipelines.salesforce.selection import case_condition

    section = config.support_cases
    if not section.enabled:
        raise PreviewUnavailable("turn Support Cases on to preview cases")
    resolved = resolve_config(config, catalog)
    problems = [i for i in resolved.issues if i.section == "support_cases"]
    if problems or resolved.cases is None:
        raise PreviewUnavailable(
            f"fix Support Cases first: {problems[0] if problems else ''}".strip(": ")
        )
    cases_where = case_condition(
        resolved.cases.filter.text if resolved.cases.filter else None, section.last_n_days
    )
    where = f" WHERE {cases_where}" if cases_where else ""
    cases = run_soql(
        client,
        "SELECT Id, CaseNumber, Subject, Status, Priority, CreatedDate, AccountId, Account.Name "
        f"FROM Case{where} ORDER BY CreatedDate DESC LIMIT {SAMPLE_SIZE}",
    )
    threads: dict[str, list[dict[str, Any]]] = {}
    if cases:
        ids = ", ".join(_quote(str(c["Id"])) for c in cases)
        if resolved.cases.conversation_source.name == "EmailMessage":
            messages = run_soql(
                client,
                "SELECT Id, ParentId, Incoming, FromAddress, Subject, TextBody, MessageDate "
                f"FROM EmailMessage WHERE ParentId IN ({ids}) ORDER BY MessageDate",
            )
            for m in messages:
                threads.setdefault(str(m["ParentId"]), []).append(
                    {
                        "at": m.get("MessageDate"),
                        "direction": "from customer" if m.get("Incoming") else "to customer",
                        "from": m.get("FromAddress"),
                        "text": m.get("TextBody") or m.get("Subject"),
                    }
                )
        else:
            comments = run_soql(
                client,
                "SELECT Id, ParentId, IsPublished, CommentBody, CreatedBy.Name, CreatedDate "
                f"FROM CaseComment WHERE ParentId IN ({ids}) ORDER BY CreatedDate",
            )
            for c in comments:
                threads.setdefault(str(c["ParentId"]), []).append(
                    {
                        "at": c.get("CreatedDate"),
                        "direction": "public" if c.get("IsPublished") else "internal",
                        "from": c.get("CreatedBy.Name"),
                        "text": c.get("CommentBody"),
                    }
                )
    notes = _score_messages(threads)
    return CasePreview("org", [CaseSample(c, threads.get(str(c["Id"]), [])) for c in cases], notes)


def _score_messages(threads: dict[str, list[dict[str, Any]]]) -> list[str]:
    """Each message's sentiment, by the scorer the transform uses; the case's own sentiment
    (weighted over the customer's messages) is computed by the sync."""
    try:
        from pipelines.transform.sentiment import SupportSentiment, sentiment_label
    except ImportError:
        return ["sentiment is scored when cases are synced: run a sync job to see it here"]
    scorer = SupportSentiment.from_file()
    for thread in threads.values():
        for message in thread:
            score = scorer.score(message.get("text"))
            message["sentiment"] = sentiment_label(score)
            message["score"] = round(score, 3) if score is not None else None
    return [
        "message sentiment as the sync scores it; the case's sentiment (weighted towards the "
        "customer's latest messages) appears once cases are synced"
    ]


# ---------------------------------------------------------------------------- helpers


def _quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, str] = {}
    for name in names:
        seen.setdefault(name.lower(), name)
    return list(seen.values())


def _sortable(value: Any) -> Any:
    """Values of one field compare among themselves; ISO dates and datetimes compare as text."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value
