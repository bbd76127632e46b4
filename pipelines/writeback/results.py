"""What pushes did, as the CLI and the wizard show it: a run with its failures and conflicts.

result = last_push_results(home)        # None before the first push
result.status, result.sent, result.failed, result.conflicts, result.api_calls
result.failures[0].error_code, result.failures[0].error_message
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from pipelines.config.control import sfsync_home
from pipelines.writeback import outbox
from pipelines.writeback.outbox import RecordRow, RunRow
from pipelines.writeback.plan import Plan

HomeArg = str | os.PathLike[str] | None
RECORDS_SHOWN = 100


@dataclass
class PushResult:
    """What one push did: its outbox run, its failed and conflicting records (the first
    :data:`RECORDS_SHOWN` of each) and, for a push just made, the plan it followed."""

    run: RunRow
    plan: Plan | None = None
    failures: list[RecordRow] = field(default_factory=list)
    conflicts_skipped: list[RecordRow] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        return self.run.status

    @property
    def api_calls(self) -> int:
        return self.run.api_calls

    def _total(self, key: str) -> int:
        return sum(int(m.get(key, 0)) for m in self.run.summary)

    @property
    def sent(self) -> int:
        return self._total("sent")

    @property
    def failed(self) -> int:
        return self._total("failed")

    @property
    def conflicts(self) -> int:
        return self._total("conflicts")

    def to_json(self) -> dict[str, Any]:
        return {
            **self.run.to_json(),
            "sent": self.sent,
            "failed": self.failed,
            "conflicts": self.conflicts,
            "failures": [r.to_json() for r in self.failures],
            "conflicts_skipped": [r.to_json() for r in self.conflicts_skipped],
            "notes": list(self.notes),
        }


def run_result(home: HomeArg, run: RunRow) -> PushResult:
    """A run with its failed and skipped-conflict records, as stored."""
    failures = outbox.records(home, run.run_id, statuses=["failed"], limit=RECORDS_SHOWN)
    skipped = outbox.records(home, run.run_id, statuses=["conflict"], limit=RECORDS_SHOWN)
    return PushResult(run, None, failures, skipped)


def last_push_results(home: HomeArg = None, *, run_id: int | None = None) -> PushResult | None:
    """The latest push (or push ``run_id``) with its failed and conflicting records, or ``None``."""
    home_path = sfsync_home(home)
    if run_id is not None:
        run = outbox.get_run(home_path, run_id)
    else:
        run = next(iter(outbox.list_runs(home_path, limit=1)), None)
    return run_result(home_path, run) if run is not None else None
