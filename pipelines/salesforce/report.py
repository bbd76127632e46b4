"""What one run did, gathered while it runs: rows, deletes, modes, messages, budget stops.

The source fills a :class:`SyncReport` from its worker threads; :func:`run_extract` turns it
into the job's :class:`~pipelines.salesforce.extract.ExtractResult`, and the ``progress``
callback sees each object advance as pages arrive::

    def progress(object_name: str, rows_so_far: int, total: int | None) -> None: ...
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pipelines.salesforce.errors import BudgetExceeded

if TYPE_CHECKING:
    from pipelines.salesforce.client import SalesforceClient
    from pipelines.salesforce.describe import SObjectDescribe

ProgressCallback = Callable[[str, int, "int | None"], None]

logger = logging.getLogger("pipelines.salesforce")


@dataclass
class ObjectRun:
    mode: str = ""
    reason: str = ""
    transport: str = ""
    total: int | None = None
    fetched: int = 0
    rows: int = 0
    deleted: int = 0
    complete: bool = False


@dataclass
class SyncReport:
    """Thread-safe; see the module docstring. ``progress`` may be called from worker threads."""

    progress: ProgressCallback | None = None
    objects: dict[str, ObjectRun] = field(default_factory=dict)
    messages: list[str] = field(default_factory=list)
    budget_error: BudgetExceeded | None = None
    client: SalesforceClient | None = None
    describes: dict[str, SObjectDescribe] = field(default_factory=dict)
    synced_fields: dict[str, list[str]] = field(default_factory=dict)
    delete_mode: str = "remove"
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def _run(self, object_name: str) -> ObjectRun:
        return self.objects.setdefault(object_name, ObjectRun())

    def planned(self, object_name: str, mode: str, reason: str) -> None:
        with self._lock:
            run = self._run(object_name)
            run.mode, run.reason = mode, reason

    def started(self, object_name: str, transport: str, total: int | None) -> None:
        with self._lock:
            run = self._run(object_name)
            run.transport, run.total = transport, total
        self._tell(object_name, 0, total)

    def fetched(self, object_name: str, fetched: int, kept: int) -> None:
        with self._lock:
            run = self._run(object_name)
            run.fetched += fetched
            run.rows += kept
            done, total = run.fetched, run.total
        self._tell(object_name, done, total)

    def deleted(self, object_name: str, count: int) -> None:
        with self._lock:
            self._run(object_name).deleted += count

    def finished(self, object_name: str) -> None:
        with self._lock:
            run = self._run(object_name)
            run.complete = True
            done, total = run.fetched, run.total
        self._tell(object_name, done, total if total is not None else done)

    def note(self, message: str, *, level: int = logging.INFO) -> None:
        logger.log(level, message)
        with self._lock:
            self.messages.append(message)

    def stopped_by_budget(self, object_name: str, error: BudgetExceeded) -> None:
        with self._lock:
            first = self.budget_error is None
            if first:
                self.budget_error = error
        self.note(
            f"{object_name}: stopped by the API budget; its cursor was not advanced",
            level=logging.WARNING,
        )
        if first:
            self.note(str(error), level=logging.WARNING)

    @property
    def rows_per_object(self) -> dict[str, int]:
        with self._lock:
            return {name: run.rows for name, run in self.objects.items()}

    @property
    def deleted_per_object(self) -> dict[str, int]:
        with self._lock:
            return {name: run.deleted for name, run in self.objects.items() if run.deleted}

    def _tell(self, object_name: str, rows: int, total: int | None) -> None:
        if self.progress is not None:
            self.progress(object_name, rows, total)
