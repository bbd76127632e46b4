"""Write-back: values computed in the warehouse pushed to Salesforce fields.

The config's ``writeback`` section maps columns of dbt models to fields of an object
(``{model, object, id_column, fields, conflict_policy}``). A push sends only what changed,
keeps Salesforce's value where someone changed it after sfsync's last write (unless the
mapping prefers the warehouse), records every record's fate in the outbox, and never writes a
record twice when an interrupted push is run again::

    from pipelines.writeback import dry_run, push, last_push_results

    plan = dry_run(None, home)            # what would change, per object and field; no request
    result = push(home=home)              # the config in force; also the last step of sync jobs
    result.sent, result.failed, result.conflicts, result.api_calls
    last_push_results(home)               # what the wizard shows

* :mod:`~pipelines.writeback.plan`: change and conflict detection, checks against the warehouse.
* :mod:`~pipelines.writeback.push`: the push, batch by batch.
* :mod:`~pipelines.writeback.transport`: sObject Collections and Bulk API 2.0 ingest.
* :mod:`~pipelines.writeback.costs`: API calls per transport, and the cheaper one.
* :mod:`~pipelines.writeback.outbox`: runs, per-record status, what was last written.
* :mod:`~pipelines.writeback.recover`: settling what an interrupted push left open.
* :mod:`~pipelines.writeback.results`: what pushes did (``last_push_results``).
* :mod:`~pipelines.writeback.mappings`: mappings and pickers for the wizard.
* :mod:`~pipelines.writeback.values`: one canonical form for values from every side.

Names are imported on first use: ``sfsync`` builds its parser from this package, and the
Salesforce client (and dlt behind it) loads only when a push needs it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pipelines.writeback.costs import (
        choose_transport,
        estimated_calls,
    )
    from pipelines.writeback.errors import (
        NotConfigured,
        WritebackDisabled,
        WritebackError,
    )
    from pipelines.writeback.lock import (
        PushAlreadyRunning,
    )
    from pipelines.writeback.mappings import (
        MappingInfo,
        list_mappings,
        model_columns,
        writable_fields,
        writable_objects,
    )
    from pipelines.writeback.outbox import (
        RecordRow,
        RunRow,
        list_runs,
    )
    from pipelines.writeback.plan import (
        Conflict,
        FieldSummary,
        MappingPlan,
        Plan,
        build_plan,
        dry_run,
    )
    from pipelines.writeback.push import (
        push,
    )
    from pipelines.writeback.results import (
        PushResult,
        last_push_results,
    )
    from pipelines.writeback.warehouse import (
        WarehouseBusy,
        WarehouseUnavailable,
    )

_EXPORTS: dict[str, str] = {
    "choose_transport": "pipelines.writeback.costs",
    "estimated_calls": "pipelines.writeback.costs",
    "NotConfigured": "pipelines.writeback.errors",
    "WritebackDisabled": "pipelines.writeback.errors",
    "WritebackError": "pipelines.writeback.errors",
    "PushAlreadyRunning": "pipelines.writeback.lock",
    "MappingInfo": "pipelines.writeback.mappings",
    "list_mappings": "pipelines.writeback.mappings",
    "model_columns": "pipelines.writeback.mappings",
    "writable_fields": "pipelines.writeback.mappings",
    "writable_objects": "pipelines.writeback.mappings",
    "RecordRow": "pipelines.writeback.outbox",
    "RunRow": "pipelines.writeback.outbox",
    "list_runs": "pipelines.writeback.outbox",
    "Conflict": "pipelines.writeback.plan",
    "FieldSummary": "pipelines.writeback.plan",
    "MappingPlan": "pipelines.writeback.plan",
    "Plan": "pipelines.writeback.plan",
    "build_plan": "pipelines.writeback.plan",
    "dry_run": "pipelines.writeback.plan",
    "push": "pipelines.writeback.push",
    "PushResult": "pipelines.writeback.results",
    "last_push_results": "pipelines.writeback.results",
    "WarehouseBusy": "pipelines.writeback.warehouse",
    "WarehouseUnavailable": "pipelines.writeback.warehouse",
}

__all__ = [
    "Conflict",
    "FieldSummary",
    "MappingInfo",
    "MappingPlan",
    "NotConfigured",
    "Plan",
    "PushAlreadyRunning",
    "PushResult",
    "RecordRow",
    "RunRow",
    "WarehouseBusy",
    "WarehouseUnavailable",
    "WritebackDisabled",
    "WritebackError",
    "build_plan",
    "choose_transport",
    "dry_run",
    "estimated_calls",
    "last_push_results",
    "list_mappings",
    "list_runs",
    "model_columns",
    "push",
    "writable_fields",
    "writable_objects",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
