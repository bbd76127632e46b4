"""The configs the dbt project is built under in the tests, with what each means in plain Python.

Every scenario is a config document (what an admin saves) plus, for the oracle, the same intent
written as Python: each SOQL filter as a predicate over raw rows, each metric as a
:class:`MetricSpec`. The oracle (transform_oracle.py) computes the expected marts from the
fixture org's rows with these, never with the SQL dbt runs.

Between them the scenarios cover every mode of every section: single and typed account
filtering (first match wins, case-insensitive SOQL comparisons), owner mapping (standard and
custom labels, none), ARR none / direct / sum / max / latest (ordered by a field, by the
default CreatedDate), renewal none / direct / max / latest, custom objects of both entity
types with and without filters and whitelists, cases off / CaseComment / EmailMessage with and
without a filter and a window, contact additional and excluded fields, account and
opportunity whitelists, and a multi-currency org (direct and aggregated amounts converted).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

Row = dict[str, Any]
Predicate = Callable[[Row], bool]

# The case window of the scenarios that have one: far enough back to keep the fixture cases
# of 2025-2026 and to drop the 2021 one, whatever day the tests run.
WINDOW_START = date(2023, 1, 1)
WINDOW_DAYS = (datetime.now(UTC).date() - WINDOW_START).days


def lower(value: Any) -> str:
    return str(value or "").lower()


def always(_: Row) -> bool:
    return True


@dataclass(frozen=True)
class MetricSpec:
    """ARR or renewal for the oracle. Columns are warehouse names."""

    mode: str = "none"
    label: str = "none"
    column: str | None = None
    table: str | None = None
    function: str | None = None
    account_column: str = "account_id"
    order_column: str | None = None
    money: bool = False
    where: Predicate = always


@dataclass(frozen=True)
class CustomSpec:
    object: str
    table: str
    display_name: str
    entity_type: str
    matching_column: str
    where: Predicate = always


@dataclass(frozen=True)
class CasesSpec:
    enabled: bool = False
    source: str = "CaseComment"
    where: Predicate = always
    last_n_days: int | None = None


@dataclass(frozen=True)
class Scenario:
    id: str
    org: str
    config: dict[str, Any]
    account_types: list[tuple[str, Predicate]]
    owners: list[tuple[str, str, bool]]  # (column, owner type, is standard)
    arr: MetricSpec = MetricSpec()
    renewal: MetricSpec = MetricSpec()
    custom_objects: list[CustomSpec] = field(default_factory=list)
    cases: CasesSpec = CasesSpec()
    contact_additional: dict[str, str] = field(default_factory=dict)  # column → people column
    contact_excluded: tuple[str, ...] = ()
    account_kept: tuple[str, ...] | None = None  # staged names; None: every column
    account_dropped: tuple[str, ...] = ()  # columns a whitelist leaves out of companies
    opportunity_dropped: tuple[str, ...] = ()

    def __str__(self) -> str:
        return self.id


def _customer(r: Row) -> bool:
    return lower(r["type"]) in ("customer", "customer - direct")


SINGLE_DIRECT = Scenario(
    id="single-direct",
    org="basic",
    config={
        "account_filtering": {
            "mode": "single",
            "filter": "Type IN ('Customer', 'Customer - Direct') OR Industry = 'Energy'",
        },
        "owner_mapping": [
            {"field": "OwnerId", "owner_type": "Account Owner"},
            {"field": "CSM__c", "owner_type": "CSM"},
            {"field": "TAM__c", "owner_type": "Executive Sponsor"},
        ],
        "arr": {"mode": "direct", "field": "ARR__c"},
        "renewal": {"mode": "direct", "field": "Renewal_Date__c"},
        "advanced": {
            "account_whitelisted_fields": ["Name", "Industry", "Tier__c"],
            "opportunity_whitelisted_fields": ["Name", "StageName", "Amount"],
            "contact_additional_fields": {"Preferred_Language__c": "Preferred Language"},
            "contact_exclude_fields": ["Phone", "Nickname__c"],
        },
    },
    account_types=[("Customer", lambda r: _customer(r) or lower(r["industry"]) == "energy")],
    owners=[
        ("owner_id", "Account Owner", True),
        ("csm_c", "CSM", True),
        ("tam_c", "Executive Sponsor", False),
    ],
    arr=MetricSpec("direct", "Account.ARR__c", column="arr_c", money=True),
    renewal=MetricSpec("direct", "Account.Renewal_Date__c", column="renewal_date_c"),
    contact_additional={"preferred_language_c": "custom_preferred_language"},
    contact_excluded=("phone", "nickname_c"),
    account_kept=("industry", "tier_c", "csm_c", "tam_c", "owner_id", "arr_c", "renewal_date_c"),
    account_dropped=("annual_revenue",),
    opportunity_dropped=("description", "lead_source"),
)

TYPED_SUM = Scenario(
    id="typed-sum-max-comments",
    org="basic",
    config={
        "account_filtering": {
            "mode": "typed",
            "typed_filters": [
                {"type": "Customer", "filter": "Type IN ('Customer', 'Customer - Direct')"},
                {"type": "Prospect", "filter": "Type = 'Prospect' OR Tier__c = 'Bronze'"},
                {"type": "Partner", "filter": "Type LIKE '%Partner%' OR Tier__c = 'Gold'"},
            ],
        },
        "owner_mapping": [
            {"field": "OwnerId", "owner_type": "Account Owner"},
            {"field": "CSM__c", "owner_type": "CSM"},
        ],
        "arr": {
            "mode": "aggregation",
            "object": "Opportunity",
            "field": "Amount",
            "function": "sum",
            "filter": "StageName = 'Closed Won' AND Type IN ('New Business', 'Renewal')",
        },
        "renewal": {
            "mode": "aggregation",
            "object": "Opportunity",
            "field": "CloseDate",
            "function": "max",
            "filter": "Type = 'Renewal'",
        },
        "custom_objects": [
            {
                "object": "Health__c",
                "display_name": "Health",
                "entity_type": "Account",
                "filter": "Status__c != 'Green'",
                "whitelisted_fields": ["Name", "Score__c", "Status__c"],
            },
            {"object": "Training__c", "entity_type": "Contact"},
        ],
        "support_cases": {
            "enabled": True,
            "filter": "Priority != 'Low'",
            "last_n_days": WINDOW_DAYS,
            "conversation_source": "CaseComment",
        },
    },
    account_types=[
        ("Customer", _customer),
        ("Prospect", lambda r: lower(r["type"]) == "prospect" or lower(r["tier_c"]) == "bronze"),
        ("Partner", lambda r: "partner" in lower(r["type"]) or lower(r["tier_c"]) == "gold"),
    ],
    owners=[("owner_id", "Account Owner", True), ("csm_c", "CSM", True)],
    arr=MetricSpec(
        "aggregation",
        "sum(Opportunity.Amount)",
        column="amount",
        table="opportunity",
        function="sum",
        money=True,
        where=lambda r: (
            lower(r["stage_name"]) == "closed won"
            and lower(r["type"]) in ("new business", "renewal")
        ),
    ),
    renewal=MetricSpec(
        "aggregation",
        "max(Opportunity.CloseDate)",
        column="close_date",
        table="opportunity",
        function="max",
        where=lambda r: lower(r["type"]) == "renewal",
    ),
    custom_objects=[
        CustomSpec(
            "Health__c",
            "health_c",
            "Health",
            "Account",
            "account_c",
            where=lambda r: lower(r["status_c"]) != "green",
        ),
        CustomSpec("Training__c", "training_c", "Trainings", "Contact", "contact_c"),
    ],
    cases=CasesSpec(
        True, "CaseComment", where=lambda r: lower(r["priority"]) != "low", last_n_days=WINDOW_DAYS
    ),
)

TYPED_LATEST = Scenario(
    id="typed-latest-emails",
    org="basic",
    config={
        "account_filtering": {
            "mode": "typed",
            "typed_filters": [
                {"type": "Partner", "filter": "Tier__c = 'Gold'"},
                {"type": "Customer", "filter": "Type LIKE 'Customer%'"},
            ],
        },
        "owner_mapping": [{"field": "TAM__c", "owner_type": "TAM"}],
        "arr": {
            "mode": "aggregation",
            "object": "Opportunity",
            "field": "Amount",
            "function": "latest",
            "account_field": "AccountId",
            "order_by": "CloseDate",
        },
        "renewal": {
            "mode": "aggregation",
            "object": "Opportunity",
            "field": "CloseDate",
            "function": "latest",
            "filter": "StageName != 'Closed Lost'",
        },
        "custom_objects": [
            {
                "object": "Health__c",
                "entity_type": "Account",
                "filter": "Score__c >= 50",
                "whitelisted_fields": ["Name", "Score__c", "Checked_On__c"],
            }
        ],
        "support_cases": {
            "enabled": True,
            "last_n_days": None,
            "conversation_source": "EmailMessage",
        },
    },
    account_types=[
        ("Partner", lambda r: lower(r["tier_c"]) == "gold"),
        ("Customer", lambda r: lower(r["type"]).startswith("customer")),
    ],
    owners=[("tam_c", "TAM", True)],
    arr=MetricSpec(
        "aggregation",
        "latest(Opportunity.Amount)",
        column="amount",
        table="opportunity",
        function="latest",
        order_column="close_date",
        money=True,
    ),
    renewal=MetricSpec(
        "aggregation",
        "latest(Opportunity.CloseDate)",
        column="close_date",
        table="opportunity",
        function="latest",
        order_column="close_date",
        where=lambda r: lower(r["stage_name"]) != "closed lost",
    ),
    custom_objects=[
        CustomSpec(
            "Health__c",
            "health_c",
            "Health Checks",
            "Account",
            "account_c",
            where=lambda r: r["score_c"] is not None and r["score_c"] >= 50,
        ),
    ],
    cases=CasesSpec(True, "EmailMessage"),
)

SINGLE_MAX = Scenario(
    id="single-max-no-owners",
    org="basic",
    config={
        "account_filtering": {"mode": "single", "filter": "Tier__c IN ('Gold', 'Silver')"},
        "owner_mapping": [],
        "arr": {
            "mode": "aggregation",
            "object": "Opportunity",
            "field": "Amount",
            "function": "max",
            "filter": "IsWon = true",
        },
        "advanced": {
            "contact_additional_fields": {"Nickname__c": "Nick Name"},
            "contact_exclude_fields": ["Email"],
        },
    },
    account_types=[("Customer", lambda r: lower(r["tier_c"]) in ("gold", "silver"))],
    owners=[],
    arr=MetricSpec(
        "aggregation",
        "max(Opportunity.Amount)",
        column="amount",
        table="opportunity",
        function="max",
        money=True,
        where=lambda r: bool(r["is_won"]),
    ),
    contact_additional={"nickname_c": "custom_nick_name"},
    contact_excluded=("email",),
)

TYPED_LATEST_DEFAULT_ORDER = Scenario(
    id="typed-latest-by-created-date",
    org="basic",
    config={
        "account_filtering": {
            "mode": "typed",
            "typed_filters": [
                {"type": "Customer", "filter": "Type IN ('Customer', 'Customer - Direct')"},
                {"type": "Partner", "filter": "Type = 'Partner'"},
            ],
        },
        "arr": {
            "mode": "aggregation",
            "object": "Opportunity",
            "field": "Amount",
            "function": "latest",
        },
        "renewal": {"mode": "direct", "field": "Renewal_Date__c"},
        "support_cases": {"enabled": True, "last_n_days": WINDOW_DAYS},
    },
    account_types=[("Customer", _customer), ("Partner", lambda r: lower(r["type"]) == "partner")],
    owners=[("owner_id", "Account Owner", True)],
    arr=MetricSpec(
        "aggregation",
        "latest(Opportunity.Amount)",
        column="amount",
        table="opportunity",
        function="latest",
        order_column="created_date",
        money=True,
    ),
    renewal=MetricSpec("direct", "Account.Renewal_Date__c", column="renewal_date_c"),
    cases=CasesSpec(True, "CaseComment", last_n_days=WINDOW_DAYS),
)

MINIMAL = Scenario(
    id="minimal",
    org="basic",
    config={"account_filtering": {"mode": "single", "filter": "Industry = 'Retail'"}},
    account_types=[("Customer", lambda r: lower(r["industry"]) == "retail")],
    owners=[("owner_id", "Account Owner", True)],
)

MULTI_SUM = Scenario(
    id="multicurrency-sum",
    org="multicurrency",
    config={
        "account_filtering": {"mode": "single", "filter": "Type = 'Customer'"},
        "arr": {
            "mode": "aggregation",
            "object": "Opportunity",
            "field": "Amount",
            "function": "sum",
            "filter": "StageName = 'Closed Won'",
        },
    },
    account_types=[("Customer", lambda r: lower(r["type"]) == "customer")],
    owners=[("owner_id", "Account Owner", True)],
    arr=MetricSpec(
        "aggregation",
        "sum(Opportunity.Amount)",
        column="amount",
        table="opportunity",
        function="sum",
        money=True,
        where=lambda r: lower(r["stage_name"]) == "closed won",
    ),
)

MULTI_DIRECT = Scenario(
    id="multicurrency-direct",
    org="multicurrency",
    config={
        "account_filtering": {
            "mode": "typed",
            "typed_filters": [
                {"type": "Customer", "filter": "Type = 'Customer'"},
                {"type": "Prospect", "filter": "Type = 'Prospect'"},
            ],
        },
        "arr": {"mode": "direct", "field": "ARR__c"},
        "renewal": {
            "mode": "aggregation",
            "object": "Opportunity",
            "field": "CloseDate",
            "function": "max",
        },
    },
    account_types=[
        ("Customer", lambda r: lower(r["type"]) == "customer"),
        ("Prospect", lambda r: lower(r["type"]) == "prospect"),
    ],
    owners=[("owner_id", "Account Owner", True)],
    arr=MetricSpec("direct", "Account.ARR__c", column="arr_c", money=True),
    renewal=MetricSpec(
        "aggregation",
        "max(Opportunity.CloseDate)",
        column="close_date",
        table="opportunity",
        function="max",
    ),
)

SCENARIOS = [
    SINGLE_DIRECT,
    TYPED_SUM,
    TYPED_LATEST,
    SINGLE_MAX,
    TYPED_LATEST_DEFAULT_ORDER,
    MINIMAL,
    MULTI_SUM,
    MULTI_DIRECT,
]
