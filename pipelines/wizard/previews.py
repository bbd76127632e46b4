"""The wizard's Preview buttons: the unsaved form's config, answered from the best source.

After a sync, previews read the warehouse (:mod:`pipelines.transform`'s previews: the config
applied the way the dbt models apply it, in milliseconds, with case sentiment). Before the first
sync there is nothing there, so they ask the connected org live
(:mod:`pipelines.wizard.live_previews`); the org is also asked while a sync job holds the
warehouse. Either way the result has the same shape, and every failure becomes
:class:`PreviewUnavailable` with a sentence saying what to do::

    try:
        result = filter_preview(home, draft, catalog)
    except PreviewUnavailable as why:
        st.info(str(why))
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar

from pipelines.config.issues import InvalidConfigError
from pipelines.config.model import IntegrationConfig
from pipelines.soql.catalog import Catalog
from pipelines.transform import previews as synced
from pipelines.transform.warehouse import WarehouseBusy as AnyWarehouseBusy
from pipelines.wizard import live_previews
from pipelines.wizard.connection import ConnectionFailed
from pipelines.wizard.live_previews import (
    AccountValue,
    AggregationPreview,
    CasePreview,
    CaseSample,
    FilterPreview,
    PreviewUnavailable,
    TypeSample,
)
from pipelines.wizard.org_queries import OrgQueryError, org_client
from pipelines.wizard.warehouse import BUSY, WarehouseUnavailable, warehouse_path

__all__ = [
    "NOT_CONNECTED",
    "PreviewUnavailable",
    "aggregation_preview",
    "case_preview",
    "filter_preview",
]

NOT_CONNECTED = (
    "Previews need data: connect the org on the Connection page (previews then ask it live), "
    "or run a sync job"
)
ASKED_LIVE_WHILE_BUSY = "the synced data is being refreshed, so this preview asked the org live"

_T = TypeVar("_T")


def filter_preview(
    home: str | Path | None, config: IntegrationConfig, catalog: Catalog
) -> FilterPreview:
    """Accounts per type (count and samples) for ``config``'s account filtering."""
    return _answer(
        home,
        lambda: _from_filter(synced.preview_filter(config, home)),
        lambda client: live_previews.filter_preview(client, config, catalog),
    )


def aggregation_preview(
    home: str | Path | None, config: IntegrationConfig, catalog: Catalog, metric: str
) -> AggregationPreview:
    """``metric`` ("arr" or "renewal") on five sample accounts, with the records behind it."""
    if (config.arr if metric == "arr" else config.renewal).mode == "none":
        label = "ARR" if metric == "arr" else "Renewal date"
        raise PreviewUnavailable(f"{label} is set to None: nothing to preview")
    return _answer(
        home,
        lambda: _from_aggregation(synced.preview_aggregation(config, metric, home)),
        lambda client: live_previews.aggregation_preview(client, config, catalog, metric),
    )


def case_preview(
    home: str | Path | None, config: IntegrationConfig, catalog: Catalog
) -> CasePreview:
    """Five sample cases with their thread and sentiment."""
    if not config.support_cases.enabled:
        raise PreviewUnavailable("turn Support Cases on to preview cases")
    return _answer(
        home,
        lambda: _from_cases(synced.preview_cases(config, home)),
        lambda client: live_previews.case_preview(client, config, catalog),
    )


# ---------------------------------------------------------------------------- choosing a source


def _answer(
    home: str | Path | None, from_warehouse: Callable[[], _T], from_org: Callable[[Any], _T]
) -> _T:
    busy = False
    if warehouse_path(home).is_file():
        try:
            return from_warehouse()
        except InvalidConfigError as err:
            raise PreviewUnavailable(f"fix the configuration first: {err.issues[0]}") from None
        except AnyWarehouseBusy:
            busy = True
        except WarehouseUnavailable:
            pass  # nothing synced to preview from yet (no Account table): ask the org
    result = _live(home, from_org, busy)
    if busy:
        notes = getattr(result, "notes", None)
        if isinstance(notes, list):
            notes.insert(0, ASKED_LIVE_WHILE_BUSY)
    return result


def _live(home: str | Path | None, compute: Callable[[Any], _T], busy: bool) -> _T:
    try:
        client = org_client(home)
    except ConnectionFailed:
        raise PreviewUnavailable(BUSY if busy else NOT_CONNECTED) from None
    try:
        return compute(client)
    except OrgQueryError as err:
        raise PreviewUnavailable(f"Salesforce refused the preview query: {err}") from None


# ---------------------------------------------------------------------------- synced results


def _from_filter(result: synced.FilterPreview) -> FilterPreview:
    types = [
        TypeSample(
            t.company_type,
            t.count,
            [{"Id": s.account_id, "Name": s.account_name} for s in t.samples],
            "",
        )
        for t in result.types
    ]
    return FilterPreview("warehouse", types, result.total_accounts)


def _from_aggregation(result: synced.AggregationPreview) -> AggregationPreview:
    currency = f" in {result.reporting_currency}" if result.reporting_currency else ""
    accounts = [
        AccountValue(
            a.account_id,
            a.account_name,
            _plain(a.value),
            [
                {
                    "Id": r.record_id,
                    "Object": r.object_name,
                    "Value": _plain(r.original_value),
                    "Currency": r.currency_iso_code,
                    "Counted as": _plain(r.value),
                    "Ordered by": _plain(r.order_value),
                    "Chosen": r.is_chosen,
                }
                for r in a.records
            ],
        )
        for a in result.accounts
    ]
    return AggregationPreview(
        "warehouse", result.metric, f"{result.source_label}{currency}", accounts
    )


def _from_cases(result: synced.CasesPreview) -> CasePreview:
    cases = [
        CaseSample(
            {
                "Id": c.case_id,
                "CaseNumber": c.case_number,
                "Subject": c.subject,
                "Status": c.status,
                "Priority": c.priority,
                "CreatedDate": _plain(c.created_at),
                "AccountId": c.account_id,
            },
            [
                {
                    "at": _plain(m.message_at),
                    "direction": m.direction,
                    "text": m.body,
                    "sentiment": m.sentiment_label,
                    "score": round(m.sentiment_score, 3) if m.sentiment_score is not None else None,
                }
                for m in c.thread
            ],
            c.sentiment_label,
        )
        for c in result.cases
    ]
    return CasePreview(
        "warehouse", cases, [f"{result.matching_cases:,} synced cases match the filter and window"]
    )


def _plain(value: Any) -> Any:
    """Dates as ISO text, so a preview table shows them the same whichever source answered."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value
