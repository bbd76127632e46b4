"""Plans and push results as text, for ``sfsync push`` (the wizard draws its own)."""

from __future__ import annotations

from pipelines.writeback.costs import Transport
from pipelines.writeback.outbox import RecordRow
from pipelines.writeback.plan import MappingPlan, Plan
from pipelines.writeback.results import PushResult
from pipelines.writeback.values import TValue, describe_value

CONFLICTS_SHOWN = 10
FAILURES_SHOWN = 20


def plan_lines(plan: Plan) -> list[str]:
    """What a push would change, per mapping, object and field."""
    state = "enabled" if plan.enabled else "off (writeback.enabled is false)"
    lines = [f"Dry run: nothing is sent to Salesforce. Write-back is {state}.", ""]
    if not plan.mappings:
        lines.append("No write-back mappings are configured (writeback.mappings).")
    for m in plan.mappings:
        lines += _mapping_lines(m)
        lines.append("")
    for issue in plan.issues:
        if issue.location[:2] != ("writeback", "mappings"):
            lines.append(f"issue: {issue}")
    calls = plan.estimated_api_calls
    lines.append(
        f"Total: {plan.records_to_send} record(s) to send, {plan.conflicts} with conflicts; "
        f"about {calls} API call{'s' if calls != 1 else ''}."
    )
    return lines


def _mapping_lines(m: MappingPlan) -> list[str]:
    where = f" ({m.relation}, {m.rows} rows)" if m.relation else ""
    lines = [f"{m.label}{where}"]
    if m.issues:
        lines.append("  not pushed until fixed:")
        lines += [f"    {issue}" for issue in m.issues]
        return lines
    width = max((len(name) for name in m.fields), default=0)
    for summary in m.fields.values():
        text = f"  {summary.name:<{width}}  ← {summary.column}: {summary.changes} to update"
        if summary.conflicts:
            text += f", {summary.conflicts} conflict(s)"
        if summary.examples:
            rid, old, new = summary.examples[0]
            before = describe_value(old) if summary.org_known else "?"
            text += f"   e.g. {rid}: {before} → {describe_value(new)}"
        lines.append(text)
    sending = len(m.to_send)
    if sending and m.transport:
        other: Transport = "bulk" if m.transport == "collections" else "collections"
        calls = m.estimated_calls.get(m.transport, 0)
        lines.append(
            f"  {sending} record(s) to send via {m.transport} (about {calls} API call(s); "
            f"{other} would take {m.estimated_calls.get(other, 0)})"
        )
    else:
        lines.append("  nothing to send")
    lines.append(f"  {m.unchanged} record(s) unchanged, {m.null_values} NULL value(s) left alone")
    conflicted = m.conflicted
    if conflicted:
        verb = (
            "kept (policy skip)"
            if m.conflict_policy == "skip"
            else "overwritten (prefer_warehouse)"
        )
        lines.append(f"  conflicts: changed in Salesforce after sfsync wrote them, {verb}:")
        for record in conflicted[:CONFLICTS_SHOWN]:
            for name, c in record.conflicts.items():
                lines.append(
                    f"    {record.record_id} {name}: Salesforce {describe_value(c.salesforce)} "
                    f"(modified {c.modified_at:%Y-%m-%d %H:%M} UTC), warehouse "
                    f"{describe_value(c.warehouse)}, sfsync wrote {describe_value(c.last_written)}"
                )
        if len(conflicted) > CONFLICTS_SHOWN:
            lines.append(f"    … and {len(conflicted) - CONFLICTS_SHOWN} more")
    lines += [f"  note: {note}" for note in m.notes]
    return lines


def result_lines(result: PushResult) -> list[str]:
    """A push's outcome: the run, each mapping, failed records and skipped conflicts."""
    run = result.run
    head = f"Push {run.run_id}: {run.status}, {run.started_at:%Y-%m-%d %H:%M:%S} UTC"
    head += f", {run.api_calls} API call{'s' if run.api_calls != 1 else ''}"
    if run.job_id is not None:
        head += f", job {run.job_id}"
    lines = [head]
    if run.message:
        lines += [f"  {line}" for line in run.message.splitlines()]
    if result.failures:
        lines.append(f"Failed records ({result.failed}):")
        lines += [_failure(r) for r in result.failures[:FAILURES_SHOWN]]
        if result.failed > FAILURES_SHOWN:
            lines.append(
                f"  … and {result.failed - FAILURES_SHOWN} more (`sfsync push --results --json`)"
            )
    if result.conflicts_skipped:
        lines.append("Conflicts kept as Salesforce has them:")
        for r in result.conflicts_skipped[:CONFLICTS_SHOWN]:
            for name, c in r.conflicts.items():
                lines.append(
                    f"  {r.object} {r.record_id} {name}: Salesforce {_shown(c.get('salesforce'))}, "
                    f"warehouse {_shown(c.get('warehouse'))} (modified {c.get('modified_at')})"
                )
    return lines


def _failure(r: RecordRow) -> str:
    fields = f" [{', '.join(r.error_fields)}]" if r.error_fields else ""
    return f"  {r.object} {r.record_id}: {r.error_code}: {r.error_message}{fields}"


def _shown(value: object) -> str:
    if value is None or isinstance(value, bool | int | float | str):
        shown: TValue = value
        return describe_value(shown)
    return str(value)
