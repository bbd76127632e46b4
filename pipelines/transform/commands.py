"""What ``sfsync transform`` and ``sfsync preview …`` do, as plain functions.

``pipelines/cli.py`` parses the arguments and calls :func:`transform` or :func:`preview`; both
print their result and return the exit code: 0 done, 1 failed (the reason on stderr, one line
per problem), 3 when a sync job holds the warehouse.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any, TextIO

from pipelines.config.control import sfsync_home
from pipelines.config.issues import InvalidConfigError
from pipelines.config.model import IntegrationConfig
from pipelines.config.store import ConfigStore
from pipelines.config.validation import load_config_file
from pipelines.transform.build import BuildResult, TransformError, run_dbt_build
from pipelines.transform.previews import (
    AggregationPreview,
    CasesPreview,
    FilterPreview,
    preview_aggregation,
    preview_cases,
    preview_filter,
)
from pipelines.transform.warehouse import WarehouseBusy, WarehouseUnavailable

EXIT_BUSY = 3
_BODY_CHARS = 160


def transform(
    *,
    select: list[str] | None = None,
    full_refresh: bool = False,
    unit_tests: bool = False,
    as_json: bool = False,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """``dbt build`` with the active config, under the job lock so no sync job runs meanwhile."""
    from pipelines.jobs.lock import JobLock, LockHeld

    out = out or sys.stdout
    err = err or sys.stderr
    home = sfsync_home()
    try:
        with JobLock.acquire(home):
            result = run_dbt_build(
                home, select=select, full_refresh=full_refresh, unit_tests=unit_tests
            )
    except LockHeld as exc:
        holder = exc.holder
        job = f" (job {holder.job_id})" if holder.job_id is not None else ""
        print(
            f"error: a sync job is running{job}; it runs dbt build itself after loading. "
            "Run `sfsync transform` again when it is done.",
            file=err,
        )
        return EXIT_BUSY
    except TransformError as exc:
        print(f"error: {exc}", file=err)
        return 1
    if as_json:
        print(json.dumps(_jsonable(result), indent=2), file=out)
    else:
        print(_build_table(result), file=out)
    if not result.success:
        print(f"error: {result.error_message()}", file=err)
        return 1
    return 0


def preview(
    what: str,
    metric: str | None = None,
    *,
    config_file: str | None = None,
    sample_size: int = 5,
    as_json: bool = False,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """``what`` is ``filter``, ``aggregation`` (with ``metric`` arr or renewal) or ``cases``;
    the config is ``config_file`` (not saved) or the config in force."""
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        config = _config(config_file)
        result: FilterPreview | AggregationPreview | CasesPreview
        if what == "filter":
            result = preview_filter(config, None, sample_size=sample_size)
        elif what == "aggregation":
            result = preview_aggregation(config, metric or "arr", None, sample_size=sample_size)
        else:
            result = preview_cases(config, None, sample_size=sample_size)
    except InvalidConfigError as exc:
        for issue in exc.issues:
            print(" ".join(f"{exc.what}: {issue}".split()), file=err)
        return 1
    except WarehouseBusy as exc:
        print(f"error: {exc}", file=err)
        return EXIT_BUSY
    except (WarehouseUnavailable, ValueError) as exc:
        print(f"error: {exc}", file=err)
        return 1
    if as_json:
        print(json.dumps(_jsonable(result), indent=2), file=out)
    elif isinstance(result, FilterPreview):
        print(_filter_text(result), file=out)
    elif isinstance(result, AggregationPreview):
        print(_aggregation_text(result), file=out)
    else:
        print(_cases_text(result), file=out)
    return 0


def _config(config_file: str | None) -> IntegrationConfig:
    if config_file:
        return load_config_file(Path(config_file))
    current = ConfigStore().current()
    if current.config is None:
        raise WarehouseUnavailable(
            "Not Configured: give a config file (--config FILE) or save one first"
        )
    return current.config


# ---------------------------------------------------------------------------- text


def _build_table(result: BuildResult) -> str:
    lines = [f"{'status':<8} {'seconds':>7}  node"]
    for n in result.nodes:
        lines.append(f"{n.status:<8} {n.execution_time:>7.2f}  {n.resource_type} {n.name}")
    lines.append(result.summary() + f" (config: {result.config_source})")
    return "\n".join(lines)


def _filter_text(p: FilterPreview) -> str:
    lines = [f"{p.synced_accounts} of {p.total_accounts} accounts would sync ({p.mode} mode):"]
    for t in p.types:
        lines.append(f"  {t.company_type}: {t.count}")
        lines += [f"    {s.account_name or '(no name)'}  {s.account_id}" for s in t.samples]
    lines.append(f"  not synced: {p.not_synced}")
    lines.append(f"({p.elapsed_ms:.0f} ms)")
    return "\n".join(lines)


def _aggregation_text(p: AggregationPreview) -> str:
    currency = f" in {p.reporting_currency}" if p.reporting_currency else ""
    lines = [f"{p.metric}: {p.source_label}{currency}"]
    for a in p.accounts:
        used = f" from {a.record_count} record(s)" if a.record_count is not None else ""
        lines.append(f"  {a.account_name or a.account_id} ({a.company_type}): {a.value}{used}")
        for r in a.records:
            mark = "*" if r.is_chosen else " "
            money = f" {r.currency_iso_code}" if r.currency_iso_code else ""
            lines.append(
                f"   {mark} {r.object_name} {r.record_id}: {r.original_value}{money}"
                + (f" → {r.value}" if r.value != r.original_value else "")
            )
    lines.append(f"({p.elapsed_ms:.0f} ms)")
    return "\n".join(lines)


def _cases_text(p: CasesPreview) -> str:
    if not p.enabled:
        return "support cases are off in this config"
    lines = [f"{p.matching_cases} case(s) match; the newest {len(p.cases)}:"]
    for c in p.cases:
        score = (
            f"{c.sentiment_score:+.2f} {c.sentiment_label}"
            if c.sentiment_score is not None
            else "no score"
        )
        lines.append(f"  #{c.case_number} {c.subject} [{c.status}, {c.priority}] sentiment {score}")
        for m in c.thread:
            body = " ".join((m.body or "").split())
            if len(body) > _BODY_CHARS:
                body = body[: _BODY_CHARS - 1] + "…"
            s = f"{m.sentiment_score:+.2f}" if m.sentiment_score is not None else "  -  "
            lines.append(f"    {m.message_position}. {m.direction:<8} {s}  {body}")
    lines.append(f"({p.elapsed_ms:.0f} ms, conversation source {p.conversation_source})")
    return "\n".join(lines)


def _jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        data = {f.name: _jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
        if isinstance(value, BuildResult):
            data.pop("output", None)
            data["summary"] = value.summary()
        return data
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value
