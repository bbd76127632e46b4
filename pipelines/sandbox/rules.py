"""Behaviour Salesforce adds to plain field storage: derived fields, auto-numbers and cascades.

A real org computes some read-only fields from others (``Opportunity.IsWon`` from the stage,
``Contract.EndDate`` from start and term, ``Contact.Name`` from first and last name), numbers
some records (``CaseNumber``) and deletes children with their parent (an account's contacts,
a case's comments). The store applies these rules on every write; the demo generator computes
the same values column-wise.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Stage:
    probability: int
    forecast_category: str  # API value of ForecastCategory
    forecast_category_name: str  # value of ForecastCategoryName
    is_closed: bool
    is_won: bool


# The stages of a fresh org's sales process.
OPPORTUNITY_STAGES: dict[str, Stage] = {
    "Prospecting": Stage(10, "Pipeline", "Pipeline", False, False),
    "Qualification": Stage(10, "Pipeline", "Pipeline", False, False),
    "Needs Analysis": Stage(20, "Pipeline", "Pipeline", False, False),
    "Value Proposition": Stage(50, "Pipeline", "Pipeline", False, False),
    "Id. Decision Makers": Stage(60, "Pipeline", "Pipeline", False, False),
    "Perception Analysis": Stage(70, "Pipeline", "Pipeline", False, False),
    "Proposal/Price Quote": Stage(75, "Pipeline", "Pipeline", False, False),
    "Negotiation/Review": Stage(90, "Forecast", "Commit", False, False),
    "Closed Won": Stage(100, "Closed", "Closed", True, True),
    "Closed Lost": Stage(0, "Omitted", "Omitted", True, False),
}

CONTRACT_STATUS_CODES = {
    "Draft": "Draft",
    "In Approval Process": "InApproval",
    "Activated": "Activated",
    "Terminated": "Terminated",
    "Expired": "Expired",
}

# Auto-number fields: the store numbers new records from a sequence named "<Object>.<Field>".
AUTO_NUMBER_FIELDS: dict[str, tuple[str, int]] = {
    "case": ("CaseNumber", 8),
    "contract": ("ContractNumber", 8),
}
AUTO_NUMBER_START = 1000

# Deleting a parent deletes these children too (and undeleting it restores them).
CASCADE_DELETES: dict[str, tuple[tuple[str, str], ...]] = {
    "account": (
        ("Contact", "AccountId"),
        ("Opportunity", "AccountId"),
        ("Case", "AccountId"),
        ("Contract", "AccountId"),
    ),
    "case": (("CaseComment", "ParentId"), ("EmailMessage", "ParentId")),
    "opportunity": (("OpportunityLineItem", "OpportunityId"),),
}

# Fields that must be unique beyond those the catalog marks ``unique``.
ALWAYS_UNIQUE = {"user": ("Username",)}


def stage_of(name: str | None) -> Stage | None:
    """The stage settings for a stage name; unknown stages are read from their wording."""
    if name is None:
        return None
    known = OPPORTUNITY_STAGES.get(name)
    if known is not None:
        return known
    lower = name.lower()
    closed = lower.startswith("closed")
    won = closed and "won" in lower
    return Stage(100 if won else 0 if closed else 10, "Pipeline", "Pipeline", closed, won)


def add_months(start: date, months: int) -> date:
    """``start`` moved by whole months, clamped to the month's last day (Jan 31 + 1 → Feb 28/29)."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def contract_end_date(start: date | None, term_months: int | None) -> date | None:
    """``StartDate + ContractTerm`` months minus one day, as Salesforce computes ``EndDate``."""
    if start is None or term_months is None:
        return None
    return add_months(start, int(term_months)) - timedelta(days=1)


def fiscal_period(day: date, start_month: int, *, named_by_start: bool = False) -> tuple[int, int]:
    """(fiscal year, fiscal quarter) of ``day`` for a standard fiscal year starting in ``start_month``.

    By default a fiscal year is named after the calendar year in which it ends, as Salesforce
    does unless the org chose "starting month".
    """
    offset = (day.month - start_month) % 12
    start_year = day.year if day.month >= start_month else day.year - 1
    year = start_year if named_by_start or start_month == 1 else start_year + 1
    return year, offset // 3 + 1


@dataclass(frozen=True)
class OrgContext:
    """What rules need to know about the org."""

    fiscal_year_start_month: int = 1
    fiscal_year_named_by_start: bool = False


def derive(
    object_name: str,
    record: Mapping[str, Any],
    changed: set[str],
    now: datetime,
    org: OrgContext,
    *,
    previous: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The derived fields of ``record`` (API-name keyed, the merged state after the write).

    ``changed`` names the fields the caller set; ``previous`` is the state before an update
    (``None`` on insert). Returns only the derived fields to store; callers drop fields their
    catalog lacks.
    """
    obj = object_name.lower()
    out: dict[str, Any] = {}
    if obj in ("contact", "lead", "user") and (
        {"FirstName", "LastName"} & changed or previous is None
    ):
        parts = [record.get("FirstName"), record.get("LastName")]
        out["Name"] = " ".join(p for p in parts if p) or None
    elif obj == "opportunity":
        _derive_opportunity(record, changed, org, previous, out)
    elif obj == "case" and ("Status" in changed or previous is None):
        closed = str(record.get("Status") or "").lower().startswith("closed")
        out["IsClosed"] = closed
        was_closed = bool(previous and previous.get("IsClosed"))
        if closed and not was_closed:
            out["ClosedDate"] = now
        elif not closed:
            out["ClosedDate"] = None
    elif obj == "contract":
        if {"StartDate", "ContractTerm"} & changed or previous is None:
            out["EndDate"] = contract_end_date(record.get("StartDate"), record.get("ContractTerm"))
        if "Status" in changed or previous is None:
            out["StatusCode"] = CONTRACT_STATUS_CODES.get(str(record.get("Status")), "Draft")
            if record.get("Status") == "Activated" and not (
                previous and previous.get("Status") == "Activated"
            ):
                out["ActivatedDate"] = now
    return out


def _derive_opportunity(
    record: Mapping[str, Any],
    changed: set[str],
    org: OrgContext,
    previous: Mapping[str, Any] | None,
    out: dict[str, Any],
) -> None:
    stage = stage_of(record.get("StageName"))
    if stage is not None and ("StageName" in changed or previous is None):
        out["IsClosed"] = stage.is_closed
        out["IsWon"] = stage.is_won
        out["ForecastCategory"] = stage.forecast_category
        if "ForecastCategoryName" not in changed:
            out["ForecastCategoryName"] = stage.forecast_category_name
        if "Probability" not in changed:
            out["Probability"] = float(stage.probability)
    probability = out.get("Probability", record.get("Probability"))
    amount = record.get("Amount")
    out["ExpectedRevenue"] = (
        None if amount is None or probability is None else amount * probability / 100.0
    )
    close = record.get("CloseDate")
    if isinstance(close, date):
        year, quarter = fiscal_period(
            close, org.fiscal_year_start_month, named_by_start=org.fiscal_year_named_by_start
        )
        out["FiscalYear"] = year
        out["FiscalQuarter"] = quarter
        out["Fiscal"] = f"{year} {quarter}"


# --- the same rules column-wise (epoch days as int64 arrays), for bulk loads -----------------


def contract_end_days(start: np.ndarray, term_months: np.ndarray) -> np.ndarray:
    """:func:`contract_end_date` for whole columns of epoch days and terms."""
    start_day = start.astype("datetime64[D]")
    month = start_day.astype("datetime64[M]")
    day_of_month = (start_day - month.astype("datetime64[D]")).astype(np.int64)
    end_month = month + term_months.astype(np.int64)
    month_days = (
        (end_month + 1).astype("datetime64[D]") - end_month.astype("datetime64[D]")
    ).astype(np.int64)
    end = end_month.astype("datetime64[D]") + np.minimum(day_of_month, month_days - 1) - 1
    return end.astype(np.int64)


def fiscal_periods(
    day: np.ndarray, start_month: int, *, named_by_start: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`fiscal_period` for a column of epoch days: (fiscal years, fiscal quarters)."""
    months = day.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    year, month = months // 12 + 1970, months % 12 + 1
    offset = (month - start_month) % 12
    start_year = np.where(month >= start_month, year, year - 1)
    named = start_year if named_by_start or start_month == 1 else start_year + 1
    return named, offset // 3 + 1
