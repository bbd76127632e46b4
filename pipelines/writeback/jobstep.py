"""The push at the end of a sync job (``pipelines.jobs`` calls :func:`push_step`).

A sync job that loaded and transformed its data has done its work even when the push cannot:
a mapping broken by a schema change, the org refusing writes, the API budget. So the step
never raises; what happened goes into the job's message (and the push's own run, linked by
the job id), and the API calls it spent into the job's count.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipelines.config.model import IntegrationConfig


@dataclass(frozen=True)
class StepOutcome:
    """``summary`` for the job's message; ``api_calls`` the push spent."""

    summary: str
    api_calls: int


def push_step(home: Path, config: IntegrationConfig, job_id: int) -> StepOutcome | None:
    """Push ``config``'s mappings for sync job ``job_id``; ``None`` when write-back is off."""
    if not config.writeback.enabled or not config.writeback.mappings:
        return None
    from pipelines.salesforce.errors import SalesforceError
    from pipelines.writeback.errors import WritebackError
    from pipelines.writeback.lock import PushAlreadyRunning
    from pipelines.writeback.push import push
    from pipelines.writeback.warehouse import WarehouseUnavailable

    try:
        # The job's own transform has just released the warehouse; a little patience covers
        # a reader (the wizard) holding it for a moment.
        result = push(config, home, job_id=job_id, wait_s=30.0)
    except (WritebackError, PushAlreadyRunning, WarehouseUnavailable, SalesforceError) as exc:
        return StepOutcome(f"push not run: {exc}", 0)
    lines = (result.run.message or "").splitlines()
    head = f"push {result.run.run_id} {result.status.lower()}"
    return StepOutcome(
        "\n".join([f"{head}: {lines[0]}" if lines else head, *lines[1:]]), result.api_calls
    )
