"""``run_extract``: one extract-and-load of the org into ``$SFSYNC_HOME/warehouse.duckdb``.

This is the contract the sync jobs build on; it stays stable::

    result = run_extract(home, config=None, objects=None, full_refresh=False, progress=None)

- ``home``: the ``SFSYNC_HOME`` directory. The warehouse is ``home/warehouse.duckdb`` (dataset,
  i.e. DuckDB schema, ``salesforce``); dlt's working files live in ``home/dlt`` (pipeline
  ``sfsync``); the describe catalog is written to ``home/describe_catalog.yaml``.
- ``config``: an :class:`~pipelines.config.model.IntegrationConfig`; decides the objects, the
  fields pulled and the case scope (:func:`selection_from_config`), its names resolved against
  the org's describe. ``None``: every field of the default objects.
- ``objects``: restrict (or extend) the run to these objects.
- ``full_refresh``: reload every object in full instead of incrementally.
- ``progress``: ``progress(object, rows_so_far, total_or_None)``, called from worker threads as
  pages arrive.
- ``selection``: instead of ``config``, a :class:`Selection` of objects, fields and filters.
- ``credentials``: a :class:`SalesforceCredentials`; default: dlt's config
  (``.dlt/secrets.toml``, ``SOURCES__SALESFORCE__CREDENTIALS__*``). Other source options
  (``bulk_threshold``, ``delete_mode``, ``api_budget_share``…) come from
  ``[sources.salesforce]`` / ``SOURCES__SALESFORCE__*`` too.

Returns an :class:`ExtractResult` (rows per object, API calls, duration, messages). Raises
:class:`BudgetExceeded` when the API budget stopped the run — its ``result`` attribute holds
what was loaded before it stopped — and :class:`ExtractFailed` (with the cause in Salesforce's
words) for everything else. Safe to kill at any point: the next call first finishes loading
what an interrupted run extracted, then continues from the cursors committed with the data.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import dlt
import pyarrow as pa

# dlt probes for pandas lazily; importing it here, in the main thread, keeps that probe from
# racing the worker threads that extract objects in parallel ("partially initialized module").
with contextlib.suppress(ImportError):  # pandas comes with streamlit and dbt
    import pandas  # noqa: F401
from dlt.common.destination.configuration import ParquetFormatConfiguration
from dlt.destinations.impl.duckdb.configuration import DuckDbCredentials
from dlt.pipeline.exceptions import PipelineStepFailed

from pipelines.config.catalogs import load_catalog
from pipelines.salesforce.catalog_file import CATALOG_FILE, write_catalog_file
from pipelines.salesforce.credentials import SalesforceCredentials, reload_dlt_settings
from pipelines.salesforce.deletes import mark_deleted_rows
from pipelines.salesforce.describe import object_schema
from pipelines.salesforce.errors import BudgetExceeded, SalesforceError
from pipelines.salesforce.memory import bound_native_memory
from pipelines.salesforce.report import ProgressCallback, SyncReport
from pipelines.salesforce.selection import Selection
from pipelines.salesforce.source import salesforce_source

if TYPE_CHECKING:
    from pipelines.config.model import IntegrationConfig

PIPELINE_NAME = "sfsync"
DATASET = "salesforce"
WAREHOUSE_FILE = "warehouse.duckdb"
PIPELINES_DIR = "dlt"
DEFAULT_WORKERS = 8
WAREHOUSE_MEMORY_LIMIT = "512MB"
WAREHOUSE_THREADS = 1
BIG_LOAD_ROWS = 100_000
"""A run that loads more rows than this into one table loads two tables at a time (memory);
smaller runs, periodic ones typically, load all their tables at once."""


@dataclass
class ExtractResult:
    """What one run loaded. ``rows_per_object`` counts rows written (upserted) per object;
    deletions are in ``deleted_per_object``; ``messages`` are for people (job audit, CLI)."""

    rows_per_object: dict[str, int]
    api_calls: int
    duration_s: float
    messages: list[str] = field(default_factory=list)
    deleted_per_object: dict[str, int] = field(default_factory=dict)
    modes: dict[str, str] = field(default_factory=dict)
    """Per object: ``full (<reason>)`` or ``incremental``, and the transport used."""
    load_ids: list[str] = field(default_factory=list)
    step_seconds: dict[str, float] = field(default_factory=dict)
    """Where the time went: ``resume`` (state check, interrupted loads), ``describe``,
    ``extract``, ``normalize``, ``load`` and ``finish`` (catalog file, deletion marks)."""


class ExtractFailed(SalesforceError):
    """The run failed; nothing of it was committed. ``result`` has the API calls spent."""

    def __init__(self, message: str, result: ExtractResult) -> None:
        super().__init__(message)
        self.result = result


def warehouse_path(home: str | Path) -> Path:
    return Path(home) / WAREHOUSE_FILE


def sfsync_pipeline(home: str | Path) -> dlt.Pipeline:
    """The dlt pipeline sfsync loads with: ``sfsync`` → ``home/warehouse.duckdb``, ``salesforce``.

    The intermediate Parquet files are written uncompressed (they live for one run and DuckDB
    reads them faster) and deleted once loaded; DuckDB's memory is capped so that a big load
    spills to disk instead of growing the job's memory. Each statement runs on one DuckDB
    thread; parallelism comes from loading several tables at once (:func:`_load_workers`). A
    table inserted by one thread is written in full row groups as it goes, while one inserted by
    several leaves part-filled row groups that the checkpoint at the end of the load rewrites:
    on the benchmark's two largest tables, loaded side by side, about 3 s instead of 5 s, and a
    third less on disk.
    """
    home = Path(home)
    home.mkdir(parents=True, exist_ok=True)
    reload_dlt_settings()  # the secrets file may have changed since this process read it
    dlt.config[f"{PIPELINE_NAME}.load.delete_completed_jobs"] = True
    warehouse = DuckDbCredentials(
        str(warehouse_path(home)),
        # Bounded, so a large load spills to disk instead of growing the job's memory.
        global_config={
            "memory_limit": WAREHOUSE_MEMORY_LIMIT,
            "preserve_insertion_order": False,
            "threads": WAREHOUSE_THREADS,
        },
    )
    destination = dlt.destinations.duckdb(
        warehouse, parquet_format=ParquetFormatConfiguration(compression="none")
    )
    pipeline = dlt.pipeline(
        pipeline_name=PIPELINE_NAME,
        pipelines_dir=str(home / PIPELINES_DIR),
        destination=destination,
        dataset_name=DATASET,
    )
    # dlt's normalize and load steps swap in their own SIGINT/SIGTERM handlers, which note the
    # signal and forget it when the step ends: a job stopped while loading would carry on and
    # complete. sfsync's own handler stops the job wherever it is; an interrupted load resumes
    # on the next run (``_finish_interrupted``).
    pipeline.config.runtime.intercept_signals = False
    return pipeline


def run_extract(
    home: str | Path,
    *,
    config: IntegrationConfig | None = None,
    objects: Sequence[str] | None = None,
    full_refresh: bool = False,
    progress: ProgressCallback | None = None,
    credentials: SalesforceCredentials | None = None,
    selection: Selection | None = None,
    workers: int = DEFAULT_WORKERS,
    **source_options: Any,
) -> ExtractResult:
    """Extract the org and load it into the warehouse under ``home`` (see the module docstring)."""
    started = time.perf_counter()
    bound_native_memory()
    home = Path(home)
    report = SyncReport(progress=progress)
    if config is not None:
        if selection is not None:
            raise ValueError("pass config or selection, not both")
        # Names resolve against the org's describe; objects the config does not name (parents
        # in filter paths) against what earlier syncs described, else the standard objects.
        source_options["integration_config"] = config
        if (home / CATALOG_FILE).is_file():
            source_options["base_catalog"] = load_catalog(home)
    else:
        selection = selection or Selection()
    pipeline = sfsync_pipeline(home)
    load_ids: list[str] = []
    steps: dict[str, float] = {}

    def step(name: str, since: float) -> float:
        now = time.perf_counter()
        steps[name] = steps.get(name, 0.0) + now - since
        return now

    def result(loaded: bool = True) -> ExtractResult:
        """What the run did; ``loaded`` False when it failed before its load (nothing written)."""
        modes = {
            name: (f"full ({run.reason})" if run.mode == "full" else run.mode or "not run")
            + (f", {run.transport}" if run.transport else "")
            for name, run in report.objects.items()
        }
        return ExtractResult(
            rows_per_object=report.rows_per_object if loaded else {},
            api_calls=report.client.api_calls if report.client else 0,
            duration_s=time.perf_counter() - started,
            messages=list(report.messages),
            deleted_per_object=report.deleted_per_object if loaded else {},
            modes=modes,
            load_ids=load_ids,
            step_seconds={k: round(v, 3) for k, v in steps.items()},
        )

    try:
        mark = time.perf_counter()
        _finish_interrupted(pipeline, home, report, load_ids)
        mark = step("resume", mark)
        if credentials is not None:
            source_options["credentials"] = credentials
        source = salesforce_source(
            objects=list(objects) if objects else None,
            selection=selection,
            full_refresh=full_refresh,
            report=report,
            **source_options,
        )
        mark = step("describe", mark)
        # A worker per resource at least: an object waiting for a free worker waits out
        # another object's API calls (REST pages, Bulk polls) for nothing.
        workers = max(workers, len(source.resources))
        pipeline.extract(source, workers=workers, loader_file_format="parquet")
        # Pages are gone; hand their memory back before DuckDB takes its share for the load.
        pa.default_memory_pool().release_unused()
        mark = step("extract", mark)
        pipeline.normalize()
        mark = step("normalize", mark)
        with _warehouse_kept_open(home):
            info = pipeline.load(workers=_load_workers(report))
        mark = step("load", mark)
        load_ids.extend(info.loads_ids)
    except Exception as exc:
        cause = _root_cause(exc)
        if isinstance(cause, BudgetExceeded):
            cause.result = result(loaded=False)  # type: ignore[attr-defined]
            if cause is exc:
                raise
            raise cause from exc
        if isinstance(cause, SalesforceError):
            where = f" while {exc.step}ing" if isinstance(exc, PipelineStepFailed) else ""
            raise ExtractFailed(f"sync failed{where}: {cause}", result(loaded=False)) from exc
        raise
    mark = time.perf_counter()
    _after_load(pipeline, home, report)
    step("finish", mark)
    outcome = result()
    if report.budget_error is not None:
        report.budget_error.result = outcome  # type: ignore[attr-defined]
        raise report.budget_error
    return outcome


def _finish_interrupted(
    pipeline: dlt.Pipeline, home: Path, report: SyncReport, load_ids: list[str]
) -> None:
    """Load what an interrupted run extracted, before extracting anything new.

    A full load writes straight into its table, so a load job whose insert committed just
    before the process died is inserted again when the package resumes; the tables of such
    jobs are deduplicated by ``id`` afterwards (merged tables deduplicate by themselves).
    """
    pipeline.sync_destination()
    if not pipeline.has_pending_data:
        return
    report.note("finishing the load of an interrupted sync first")
    pipeline.normalize()
    resumed = {
        job.job_file_info.table_name
        for load_id in pipeline.list_normalized_load_packages()
        for job in pipeline.get_load_package_info(load_id).jobs.get("started_jobs", [])
    }
    with _warehouse_kept_open(home):
        info = pipeline.load(workers=2)
    load_ids.extend(info.loads_ids)
    if resumed:
        with pipeline.sql_client() as client:
            removed = remove_duplicate_rows(client, sorted(resumed))
        if removed:
            report.note(f"removed {removed} row(s) loaded twice by the interrupted sync")


@contextlib.contextmanager
def _warehouse_kept_open(home: str | Path) -> Iterator[None]:
    """Keep the warehouse's database open in this process while dlt loads into it.

    dlt's DuckDB destination closes the database whenever none of its load jobs holds a
    connection, even between two jobs of one load; DuckDB writes a checkpoint each time it
    closes a database, and the next job waits for it (seconds, in a big load) before opening the
    database again. A connection held here keeps the database open (DuckDB shares one database
    per file within a process), so the load ends with a single checkpoint, when it closes.
    """
    import duckdb

    connection = duckdb.connect(str(warehouse_path(home)))
    try:
        yield
    finally:
        connection.close()


def _load_workers(report: SyncReport) -> int:
    """Big tables load two at a time (one DuckDB thread each), which keeps two cores busy
    without holding ten loads in memory; small merges all go at once."""
    biggest = max(report.rows_per_object.values(), default=0)
    return 2 if biggest > BIG_LOAD_ROWS else 10


def remove_duplicate_rows(client: Any, tables: Sequence[str]) -> int:
    """Keep one row per ``id`` in ``tables`` (those of them that exist and have an ``id``)."""
    removed = 0
    for table in tables:
        qualified = client.make_qualified_table_name(table)
        try:
            [(extra,)] = client.execute_sql(
                f"SELECT count(*) - count(DISTINCT id) FROM {qualified}"
            )
        except Exception:  # no such table, or no id column: nothing of ours to repair
            continue
        if extra:
            client.execute_sql(
                f"DELETE FROM {qualified} WHERE rowid IN (SELECT rowid FROM (SELECT rowid, "
                f"row_number() OVER (PARTITION BY id ORDER BY rowid) AS copy FROM {qualified}) "
                "WHERE copy > 1)"
            )
            removed += int(extra)
    return removed


def _after_load(pipeline: dlt.Pipeline, home: Path, report: SyncReport) -> None:
    describes = list(report.describes.values())
    if describes:
        write_catalog_file(home, describes)
    if report.delete_mode == "mark":
        schemas = [
            object_schema(report.describes[name], fields)
            for name, fields in report.synced_fields.items()
            if name in report.describes
        ]
        with pipeline.sql_client() as client:
            flagged = mark_deleted_rows(client, pipeline.dataset_name, schemas)
        if flagged:
            report.note(f"marked {flagged} deleted record(s) as is_deleted")


def _root_cause(exc: BaseException) -> BaseException:
    seen = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, SalesforceError):
            return current
        current = current.__cause__ or current.__context__
    return exc
