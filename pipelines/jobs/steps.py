"""The two steps of a sync job, as the runner calls them: extract+load, then transform.

The runner takes both as parameters (``run_job(..., extract=..., transform=...)``) and defaults
to these, so a job is always the real extractor and the real transform unless a caller says
otherwise::

    result = default_extract()(home, config=config, full_refresh=False, progress=print_progress)
    note = run_transform(home, config)   # "transform not configured" until dbt_project/ exists
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

ProgressFn = Callable[[str, int, int | None], None]
"""``progress(object_name, rows_so_far, total_or_None)``; may be called from several threads."""

DBT_PROJECT_DIR = Path(__file__).resolve().parents[2] / "dbt_project"
TRANSFORM_NOT_CONFIGURED = "transform not configured"


class ExtractOutcome(Protocol):
    """What an extract step returns (``pipelines.salesforce.ExtractResult`` has this shape)."""

    @property
    def rows_per_object(self) -> Mapping[str, int]: ...

    @property
    def api_calls(self) -> int: ...

    @property
    def duration_s(self) -> float: ...

    @property
    def messages(self) -> Sequence[str]: ...


class ExtractFn(Protocol):
    """The extract+load step: ``pipelines.salesforce.run_extract``'s signature."""

    def __call__(
        self,
        home: Path,
        *,
        config: Any = None,
        objects: Sequence[str] | None = None,
        full_refresh: bool = False,
        progress: ProgressFn | None = None,
    ) -> ExtractOutcome: ...


TransformFn = Callable[[Path, Any], str]
"""The transform step: ``transform(home, config) -> note`` (a line for the job's message).

A step may also offer ``start_early(home)``, called when the job begins extracting, and
``end_early(home)``, called when the job ends whatever happened: :data:`run_transform` starts
its dbt child early with them, so that importing dbt and parsing the project overlap the
extract."""


class PushOutcome(Protocol):
    """What the push step returns (``pipelines.writeback.jobstep.StepOutcome`` has this shape)."""

    @property
    def summary(self) -> str: ...

    @property
    def api_calls(self) -> int: ...


PushFn = Callable[[Path, Any, int], PushOutcome | None]
"""The push step: ``push(home, config, job_id)``; ``None`` when write-back is off."""


def default_extract() -> ExtractFn:
    """``pipelines.salesforce.run_extract`` (imported only when a job runs: it pulls in dlt)."""
    from pipelines.salesforce import run_extract

    extract: ExtractFn = run_extract
    return extract


def budget_error_types() -> tuple[type[BaseException], ...]:
    """The extractor's "stopped by the API budget" error, when the extractor is installed."""
    try:
        from pipelines.salesforce.errors import BudgetExceeded
    except ImportError:
        return ()
    return (BudgetExceeded,)


class DbtTransform:
    """The dbt build step of a sync job (:data:`run_transform`)."""

    def __call__(self, home: Path, config: Any) -> str:
        """Run ``dbt build`` with the active config (``pipelines.transform``) and return a note
        for the job's message; a failed build raises with dbt's failures in the message.
        Without a dbt project it says so and does nothing."""
        if not _dbt_project_present():
            return TRANSFORM_NOT_CONFIGURED
        from pipelines.transform.build import run_transform as dbt_build

        return dbt_build(home, config)

    def start_early(self, home: Path) -> None:
        """Start this job's dbt child now, to parse the project while the job extracts."""
        if not _dbt_project_present():
            return
        from pipelines.transform.build import start_warm_build

        start_warm_build(home)

    def end_early(self, home: Path) -> None:
        """End the dbt child :meth:`start_early` started, if no build took it."""
        from pipelines.transform.build import discard_warm_build

        discard_warm_build(home)


def _dbt_project_present() -> bool:
    return (DBT_PROJECT_DIR / "dbt_project.yml").is_file()


run_transform = DbtTransform()
"""The sync job's transform step: ``run_transform(home, config) -> note``."""


def run_push(home: Path, config: Any, job_id: int) -> PushOutcome | None:
    """The write-back step ending a sync job when the config enables write-back (else None)."""
    if config is None or not config.writeback.enabled:
        return None
    from pipelines.writeback.jobstep import push_step

    return push_step(home, config, job_id)
