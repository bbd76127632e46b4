"""What the "Sync to Salesforce" section shows: the dry run of the form's mappings, and the
last push's results. Tables are lists of row dicts, ready for ``st.dataframe``::

    view = dry_run_view(home, draft, catalog)   # sends nothing; raises DryRunUnavailable
    view.changes        # per object and field: records to update, conflicts, an example
    view.mappings       # per mapping: to send, unchanged, conflicts, transport, issues
    results = last_push_view(home)              # None before the first push
    results.counts, results.failures, results.conflicts
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipelines.config.issues import ConfigIssue
from pipelines.config.model import IntegrationConfig
from pipelines.soql.catalog import Catalog
from pipelines.writeback import outbox
from pipelines.writeback.plan import MappingPlan, build_plan
from pipelines.writeback.results import last_push_results
from pipelines.writeback.values import describe_value
from pipelines.writeback.warehouse import WarehouseUnavailable

HomeArg = str | Path | None


class DryRunUnavailable(RuntimeError):
    """The dry run cannot plan now; the message says why and what to do."""


@dataclass(frozen=True)
class MappingPreview:
    """One mapping of a dry run: how many records change, and what stops it."""

    label: str
    to_send: int
    unchanged: int
    conflicts: int
    transport: str | None
    api_calls: int
    issues: list[ConfigIssue] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class DryRunView:
    enabled: bool
    mappings: list[MappingPreview]
    changes: list[dict[str, Any]]
    conflicts: list[dict[str, Any]]
    records_to_send: int
    api_calls: int
    issues: list[ConfigIssue] = field(default_factory=list)

    @property
    def headline(self) -> str:
        calls = self.api_calls
        state = "" if self.enabled else " Write-back is off: nothing is pushed until it is on."
        return (
            f"Dry run: {self.records_to_send} record(s) would be updated, about {calls} API "
            f"call{'s' if calls != 1 else ''}. Nothing was sent to Salesforce.{state}"
        )


def dry_run_view(home: HomeArg, config: IntegrationConfig, catalog: Catalog) -> DryRunView:
    """What a push of ``config``'s mappings would change now, per object and field (no
    request to Salesforce, no write)."""
    try:
        plan = build_plan(config, home, catalog=catalog)
    except WarehouseUnavailable as why:
        raise DryRunUnavailable(f"The dry run reads the warehouse: {why}.") from None
    mappings: list[MappingPreview] = []
    changes: list[dict[str, Any]] = []
    conflicts: list[dict[str, Any]] = []
    for m in plan.mappings:
        calls = m.estimated_calls.get(m.transport, 0) if m.transport else 0
        mappings.append(
            MappingPreview(
                m.label,
                len(m.to_send),
                m.unchanged,
                len(m.conflicted),
                m.transport,
                calls,
                list(m.issues),
                list(m.notes),
            )
        )
        changes += _field_rows(m)
        conflicts += _conflict_rows(m)
    general = [i for i in plan.issues if i.location[:2] != ("writeback", "mappings")]
    return DryRunView(
        plan.enabled,
        mappings,
        changes,
        conflicts,
        plan.records_to_send,
        plan.estimated_api_calls,
        general,
    )


def _field_rows(m: MappingPlan) -> list[dict[str, Any]]:
    rows = []
    for summary in m.fields.values():
        example = ""
        if summary.examples:
            rid, old, new = summary.examples[0]
            before = describe_value(old) if summary.org_known else "?"
            example = f"{rid}: {before} → {describe_value(new)}"
        rows.append(
            {
                "Object": m.object,
                "Field": summary.name,
                "Column": f"{m.model}.{summary.column}",
                "To update": summary.changes,
                "Conflicts": summary.conflicts,
                "Example": example,
            }
        )
    return rows


def _conflict_rows(m: MappingPlan) -> list[dict[str, Any]]:
    kept = m.conflict_policy == "skip"
    return [
        {
            "Object": m.object,
            "Record": record.record_id,
            "Field": name,
            "Salesforce": describe_value(c.salesforce),
            "Warehouse": describe_value(c.warehouse),
            "sfsync wrote": describe_value(c.last_written),
            "Changed in Salesforce (UTC)": f"{c.modified_at:%Y-%m-%d %H:%M:%S}",
            "Outcome": "kept (skip)" if kept else "overwritten (prefer_warehouse)",
        }
        for record in m.conflicted
        for name, c in record.conflicts.items()
    ]


@dataclass(frozen=True)
class PushView:
    """The last push: its headline, status counts per mapping, failed records with
    Salesforce's error, and the conflicts it kept as Salesforce has them."""

    run_id: int
    status: str
    headline: str
    message: str
    counts: list[dict[str, Any]]
    failures: list[dict[str, Any]]
    conflicts: list[dict[str, Any]]
    sent: int
    failed: int
    conflicted: int


def last_push_view(home: HomeArg) -> PushView | None:
    """The latest push (standalone or ending a sync job), or ``None`` before the first one."""
    result = last_push_results(home)
    if result is None:
        return None
    run = result.run
    by_status = outbox.status_counts(home, run.run_id)
    counts = []
    for m in run.summary:
        statuses = by_status.get(int(m.get("index", -1)), {})
        counts.append(
            {
                "Mapping": f"{m.get('model')} → {m.get('object')}",
                "Sent": int(m.get("sent", 0)),
                "Failed": int(m.get("failed", 0)),
                "Conflicts": int(m.get("conflicts", 0)),
                "Skipped as conflict": statuses.get("conflict", 0),
                "Unchanged": int(m.get("unchanged", 0)),
                "Transport": m.get("transport") or "",
                "API calls": int(m.get("api_calls", 0)),
            }
        )
    failures = [
        {
            "Object": r.object,
            "Record": r.record_id,
            "Error": r.error_code or "",
            "Salesforce says": r.error_message or "",
            "Fields": ", ".join(r.error_fields),
        }
        for r in result.failures
    ]
    conflicts = [
        {
            "Object": r.object,
            "Record": r.record_id,
            "Field": name,
            "Salesforce": _shown(c.get("salesforce")),
            "Warehouse": _shown(c.get("warehouse")),
            "Changed in Salesforce": str(c.get("modified_at") or ""),
        }
        for r in result.conflicts_skipped
        for name, c in r.conflicts.items()
    ]
    calls = run.api_calls
    where = f" (job #{run.job_id})" if run.job_id is not None else ""
    headline = (
        f"Push #{run.run_id}{where}: {run.status}, {run.started_at:%Y-%m-%d %H:%M:%S} UTC, "
        f"{calls} API call{'s' if calls != 1 else ''}"
    )
    return PushView(
        run.run_id,
        run.status,
        headline,
        run.message or "",
        counts,
        failures,
        conflicts,
        result.sent,
        result.failed,
        result.conflicts,
    )


def _shown(value: object) -> str:
    if value is None or isinstance(value, bool | int | float | str):
        return describe_value(value)
    return str(value)
