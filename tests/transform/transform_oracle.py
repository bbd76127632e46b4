"""The marts a scenario should produce, computed in plain Python from the fixture org's rows.

Nothing here reads SQL the dbt project runs: filters are the scenario's Python predicates,
aggregations are loops, sentiment is the scorer applied message by message. What the models
compute is written out again, independently, so that comparing the two checks the models.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from transform_fixtures import OrgRows, Row
from transform_scenarios import MetricSpec, Scenario

from pipelines.transform.sentiment import SupportSentiment, sentiment_label

KEY = {
    "companies": "account_id",
    "people": "contact_id",
    "opportunities": "opportunity_id",
    "related_records": "record_id",
    "support_activities": "case_id",
    "support_messages": "message_id",
}


@dataclass
class Expected:
    """Expected rows per mart, keyed by the mart's key (account_owners: (account, type))."""

    companies: dict[str, Row]
    account_owners: dict[tuple[str, str], Row]
    people: dict[str, Row]
    opportunities: dict[str, Row]
    related_records: dict[str, Row]
    support_activities: dict[str, Row]
    support_messages: dict[str, Row]
    metric_records: dict[str, dict[str, list[Row]]]  # metric → account → records used


def expected_marts(org: OrgRows, scenario: Scenario, scorer: SupportSentiment) -> Expected:
    today = datetime.now(UTC).date()
    synced = classify(org, scenario)
    rates = {r["iso_code"]: r["conversion_rate"] for r in org.rows("currency_type")}
    corporate = next((r["iso_code"] for r in org.rows("currency_type") if r["is_corporate"]), None)
    records = {
        "arr": metric_records(org, scenario.arr, rates),
        "renewal": metric_records(org, scenario.renewal, rates),
    }
    accounts = org.by_id("account")
    companies = {}
    for account_id, company_type in synced.items():
        account = accounts[account_id]
        arr_value, arr_count = metric_value(scenario.arr, records["arr"].get(account_id, []))
        renewal_value, renewal_count = metric_value(
            scenario.renewal, records["renewal"].get(account_id, [])
        )
        companies[account_id] = {
            "account_id": account_id,
            "account_name": account["name"],
            "company_type": company_type,
            "arr": arr_value,
            "arr_source": scenario.arr.label,
            "arr_record_count": arr_count,
            "renewal_date": renewal_value,
            "renewal_source": scenario.renewal.label,
            "renewal_record_count": renewal_count,
            "reporting_currency": corporate,
        }

    users = org.by_id("user")
    owners = {}
    for position, (column, owner_type, standard) in enumerate(scenario.owners, start=1):
        for account_id in synced:
            user_id = accounts[account_id].get(column)
            if not user_id:
                continue
            user = users.get(user_id) or {}
            owners[(account_id, owner_type)] = {
                "account_id": account_id,
                "owner_type": owner_type,
                "owner_position": position,
                "is_standard_owner_type": standard,
                "user_id": user_id,
                "user_name": user.get("name"),
                "user_email": user.get("email"),
                "is_active_user": user.get("is_active"),
            }

    people = {}
    synced_contacts = {}
    for contact in org.live("contact"):
        if contact["account_id"] not in synced:
            continue
        synced_contacts[contact["id"]] = contact
        row = {
            "contact_id": contact["id"],
            "account_id": contact["account_id"],
            "contact_name": contact["name"],
        }
        for column, people_column in scenario.contact_additional.items():
            row[people_column] = contact.get(column)
        people[contact["id"]] = row

    opportunities = {}
    for opportunity in org.live("opportunity"):
        if opportunity["account_id"] not in synced:
            continue
        amount = opportunity["amount"]
        opportunities[opportunity["id"]] = {
            "opportunity_id": opportunity["id"],
            "account_id": opportunity["account_id"],
            "opportunity_name": opportunity["name"],
            "amount": amount,
            "currency_iso_code": opportunity.get("currency_iso_code"),
            "converted_amount": convert(amount, opportunity.get("currency_iso_code"), rates),
            "reporting_currency": corporate,
        }

    related = related_records(org, scenario, synced, synced_contacts)
    activities, messages = support(org, scenario, synced, scorer, today)
    return Expected(
        companies, owners, people, opportunities, related, activities, messages, records
    )


def classify(org: OrgRows, scenario: Scenario) -> dict[str, str]:
    """Synced account id → type: the first predicate an account satisfies."""
    synced = {}
    for account in org.live("account"):
        for company_type, matches in scenario.account_types:
            if matches(account):
                synced[account["id"]] = company_type
                break
    return synced


def convert(value: Any, currency: str | None, rates: dict[str, float]) -> Any:
    if value is None or currency is None:
        return value
    rate = rates.get(currency)
    return value / rate if rate else None


def sort_key(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC).timestamp()
    return float(value)


def as_date(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).date()
    return value


def metric_records(org: OrgRows, spec: MetricSpec, rates: dict[str, float]) -> dict[str, list[Row]]:
    """Account id → the records the metric uses (value converted, sort key)."""
    found: dict[str, list[Row]] = {}
    if spec.mode == "direct":
        for account in org.live("account"):
            value = account.get(spec.column or "")
            if spec.money:
                value = convert(value, account.get("currency_iso_code"), rates)
            if value is None:
                continue
            found.setdefault(account["id"], []).append(
                {"record_id": account["id"], "value": as_date(value), "sort_key": None}
            )
    elif spec.mode == "aggregation":
        for record in org.live(spec.table or ""):
            if not spec.where(record):
                continue
            account_id = record.get(spec.account_column)
            value = record.get(spec.column or "")
            if spec.money:
                value = convert(value, record.get("currency_iso_code"), rates)
            if account_id is None or value is None:
                continue
            found.setdefault(account_id, []).append(
                {
                    "record_id": record["id"],
                    "value": as_date(value),
                    "sort_key": sort_key(record.get(spec.order_column or spec.column or "")),
                }
            )
    return found


def recency(record: Row) -> tuple[bool, float, str]:
    key = record["sort_key"]
    return (key is not None, key if key is not None else 0.0, record["record_id"])


def metric_value(spec: MetricSpec, records: list[Row]) -> tuple[Any, int | None]:
    if spec.mode == "none":
        return None, None
    if spec.mode == "direct":
        return (records[0]["value"] if records else None), None
    if not records:
        return None, 0
    values = [r["value"] for r in records]
    if spec.function == "sum":
        return sum(values), len(records)
    if spec.function == "max":
        return max(values), len(records)
    return max(records, key=recency)["value"], len(records)


def related_records(
    org: OrgRows, scenario: Scenario, synced: dict[str, str], contacts: dict[str, Row]
) -> dict[str, Row]:
    found = {}
    for spec in scenario.custom_objects:
        for record in org.live(spec.table):
            if not spec.where(record):
                continue
            matched = record.get(spec.matching_column)
            if spec.entity_type == "Account":
                if matched not in synced:
                    continue
                account_id, contact_id = matched, None
            else:
                if matched not in contacts:
                    continue
                account_id, contact_id = contacts[matched]["account_id"], matched
            found[record["id"]] = {
                "record_id": record["id"],
                "object_name": spec.object,
                "display_name": spec.display_name,
                "entity_type": spec.entity_type,
                "account_id": account_id,
                "contact_id": contact_id,
                "record_name": record.get("name"),
                "_record": record,
            }
    return found


def support(
    org: OrgRows,
    scenario: Scenario,
    synced: dict[str, str],
    scorer: SupportSentiment,
    today: date,
) -> tuple[dict[str, Row], dict[str, Row]]:
    spec = scenario.cases
    if not spec.enabled:
        return {}, {}
    oldest = today - timedelta(days=spec.last_n_days) if spec.last_n_days else None
    selected = {
        case["id"]: case
        for case in org.live("case")
        if case["account_id"] in synced
        and spec.where(case)
        and (oldest is None or case["created_date"].astimezone(UTC).date() >= oldest)
    }
    users = org.by_id("user")
    threads: dict[str, list[Row]] = {case_id: [] for case_id in selected}
    for message in _messages(org, spec.source):
        if message["case_id"] not in selected:
            continue
        threads[message["case_id"]].append(message)
    messages = {}
    activities = {}
    for case_id, case in selected.items():
        thread = sorted(threads[case_id], key=lambda m: (m["message_at"], m["message_id"]))
        inbound = []
        for position, message in enumerate(thread, start=1):
            if spec.source == "CaseComment":
                author = users.get(message["author"]) or {}
                if not message["published"]:
                    direction = "internal"
                elif author.get("user_type") == "Standard":
                    direction = "outbound"
                else:
                    direction = "inbound"
            else:
                direction = "inbound" if message["incoming"] else "outbound"
            score = scorer.score(message["body"])
            if direction == "inbound" and score is not None:
                inbound.append(score)
            messages[message["message_id"]] = {
                "message_id": message["message_id"],
                "case_id": case_id,
                "account_id": case["account_id"],
                "conversation_source": spec.source,
                "direction": direction,
                "message_position": position,
                "message_at": message["message_at"],
                "body": message["body"],
                "sentiment_score": score,
                "sentiment_label": sentiment_label(score),
            }
        directions = [messages[m["message_id"]]["direction"] for m in thread]
        weights = range(1, len(inbound) + 1)
        score = (
            sum(w * s for w, s in zip(weights, inbound, strict=True)) / sum(weights)
            if inbound
            else None
        )
        activities[case_id] = {
            "case_id": case_id,
            "case_number": case["case_number"],
            "account_id": case["account_id"],
            "contact_id": case["contact_id"],
            "subject": case["subject"],
            "status": case["status"],
            "priority": case["priority"],
            "is_closed": case["is_closed"],
            "thread_length": len(thread),
            "inbound_message_count": directions.count("inbound"),
            "outbound_message_count": directions.count("outbound"),
            "internal_message_count": directions.count("internal"),
            "first_message_at": thread[0]["message_at"] if thread else None,
            "last_message_at": thread[-1]["message_at"] if thread else None,
            "sentiment_score": score,
            "sentiment_label": sentiment_label(score),
            "conversation_source": spec.source if thread else None,
        }
    return activities, messages


def _messages(org: OrgRows, source: str) -> Iterable[Row]:
    if source == "CaseComment":
        for comment in org.live("case_comment"):
            yield {
                "message_id": comment["id"],
                "case_id": comment["parent_id"],
                "body": comment["comment_body"],
                "message_at": comment["created_date"],
                "published": comment["is_published"],
                "author": comment["created_by_id"],
            }
    else:
        for email in org.live("email_message"):
            yield {
                "message_id": email["id"],
                "case_id": email["parent_id"],
                "body": email["text_body"],
                "message_at": email["message_date"] or email["created_date"],
                "incoming": email["incoming"],
            }
