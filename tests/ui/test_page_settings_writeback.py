"""Settings → 7. Sync to Salesforce (AppTest): Push now and where the form's problems show.

The pushes go to a sandbox org of this module's own over HTTP (they change Account fields
that other suites read), from a real warehouse; "Push now" starts a real job process, which
finds the org's credentials in the environment as a scheduled job would.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from wizard_fixtures import open_app
from wizard_ui import keys
from wizard_ui.keys import row_key
from writeback_ui_fixtures import WritebackOrg, build_model, mapping_config, served_org

from pipelines.config import ConfigStore
from pipelines.jobs import JobRecord, get_job, list_jobs
from pipelines.jobs.lock import JobLock
from pipelines.salesforce import run_extract

pytestmark = pytest.mark.timeout(300)

JOB_TIMEOUT_S = 180
SECTION = "7. Sync to Salesforce"


@pytest.fixture(scope="module")
def wb_org(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WritebackOrg]:
    with served_org(tmp_path_factory.mktemp("writeback-page-org"), 16, 31) as org:
        yield org


@pytest.fixture
def synced(home: Path, wb_org: WritebackOrg, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``home`` with the org's accounts in its warehouse and dlt's credentials in the
    environment (where a job process finds them)."""
    for name, value in wb_org.credentials_env().items():
        monkeypatch.setenv(name, value)
    run_extract(home, credentials=wb_org.credentials(), objects=["Account"])
    return home


def section(at: Any) -> Any:
    return next(e for e in at.expander if e.label == SECTION)


def texts(node: Any, kind: str) -> list[str]:
    return [str(e.value) for e in getattr(node, kind)]


def wait_for_job(home: Path, job_id: int) -> JobRecord:
    deadline = time.monotonic() + JOB_TIMEOUT_S
    while time.monotonic() < deadline:
        job = get_job(home, job_id)
        if job is not None and job.status != "Running":
            return job
        time.sleep(0.5)
    raise AssertionError(f"push job {job_id} still running after {JOB_TIMEOUT_S} s")


def in_order(node: Any) -> Iterator[Any]:
    """The elements under ``node`` in the order the page draws them."""
    yield node
    for child in getattr(node, "children", {}).values():
        yield from in_order(child)


class WarehouseHolder:
    """Another process holding the warehouse's write lock (as a sync job does) until
    released: a push waits for it, so the job is seen running."""

    def __init__(self, home: Path) -> None:
        code = (
            "import duckdb, sys; db = duckdb.connect(sys.argv[1]); print('held', flush=True); "
            "sys.stdin.read(); db.close()"
        )
        self.process = subprocess.Popen(
            [sys.executable, "-c", code, str(home / "warehouse.duckdb")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        assert self.process.stdout.readline().strip() == "held"

    def release(self) -> None:
        if self.process.poll() is None:
            assert self.process.stdin is not None
            self.process.stdin.close()
            self.process.wait(timeout=60)


def test_push_now_runs_a_push_job_and_the_values_land_in_the_org(
    synced: Path, wb_org: WritebackOrg
) -> None:
    scores = build_model(synced)
    ConfigStore(synced).save(mapping_config(True), author="ops")
    at = open_app("settings")
    assert "No push job has run yet." in texts(section(at), "caption")

    holder = WarehouseHolder(synced)
    try:
        at.button(key=keys.WB_PUSH).click().run()
        assert not at.exception
        assert texts(section(at), "info") == ["Push job #1 started"]
        job_id = at.session_state[keys.SK_WATCHED_JOB]
        assert job_id == 1
        shown = texts(section(at), "markdown")
        assert any(
            m.startswith(":blue-badge[Running] Push job #1 (manual): Running") for m in shown
        )
        # One job at a time: both buttons wait while the push runs.
        assert at.button(key=keys.WB_PUSH).disabled
        assert at.button(key=keys.JOB_RUN).disabled
    finally:
        holder.release()

    job = wait_for_job(synced, job_id)
    assert (job.kind, job.status) == ("push", "Completed"), job.sync_message
    at.run()
    shown = texts(section(at), "markdown")
    assert any(
        m.startswith(":green-badge[Completed] Push job #1 (manual): Completed") for m in shown
    )
    captions = texts(section(at), "caption")
    assert f"push 1 completed: {len(scores)} sent, 0 failed, 0 conflicts" in "\n".join(captions)
    assert any(f"{len(scores)} record(s) sent (Account {len(scores)})" in c for c in captions)
    assert any(m.startswith(":green-badge[Completed] Push #1 (job #1): Completed") for m in shown)
    assert not at.button(key=keys.WB_PUSH).disabled

    landed = wb_org.accounts(sorted(scores))
    assert {rid: r["Health_Score__c"] for rid, r in landed.items()} == scores


def test_a_failed_push_shows_why(home: Path) -> None:
    # Write-back on, but no warehouse to read the model from: the job runs and fails.
    ConfigStore(home).save(mapping_config(True), author="ops")
    at = open_app("settings")
    at.button(key=keys.WB_PUSH).click().run()
    job = wait_for_job(home, at.session_state[keys.SK_WATCHED_JOB])
    assert job.status == "Failed"
    at.run()
    assert not at.exception
    assert any(
        m.startswith(":red-badge[Failed] Push job #1 (manual): Failed")
        for m in texts(section(at), "markdown")
    )
    assert job.sync_message in texts(section(at), "error")
    assert job.sync_message and "there is no warehouse" in job.sync_message


@pytest.mark.parametrize(
    ("enabled", "mapped", "refusal"),
    [
        (False, True, "Not pushed: write-back is off in the saved configuration."),
        (True, False, "Not pushed: the saved configuration has no write-back mapping."),
    ],
)
def test_push_now_is_refused_until_write_back_is_on_with_a_mapping(
    home: Path, enabled: bool, mapped: bool, refusal: str
) -> None:
    ConfigStore(home).save(mapping_config(enabled, mapped=mapped), author="ops")
    at = open_app("settings")
    at.button(key=keys.WB_PUSH).click().run()
    assert not at.exception
    [shown] = texts(section(at), "error")
    assert shown.startswith(refusal)
    assert list_jobs(home) == []
    assert keys.SK_WATCHED_JOB not in at.session_state


def test_push_now_is_refused_while_another_job_runs(home: Path) -> None:
    ConfigStore(home).save(mapping_config(True), author="ops")
    lock = JobLock.acquire(home)
    try:
        at = open_app("settings")
        at.button(key=keys.WB_PUSH).click().run()
        assert not at.exception
        [shown] = texts(section(at), "error")
        assert shown.startswith("Not pushed: a sync job is already running")
        assert list_jobs(home) == []
    finally:
        lock.release()


def test_a_column_mapped_twice_is_shown_under_the_duplicate_row(home: Path) -> None:
    store = ConfigStore(home)
    store.save(mapping_config(False), author="ops")
    at = open_app("settings")
    [mapping] = at.session_state[keys.WB_ROWS]
    at.button(key=row_key(keys.WB_FIELD_ADD, mapping)).click().run()
    first, second = at.session_state[row_key(keys.WB_FIELD_ROWS, mapping)]
    at.selectbox(key=row_key(keys.WB_COLUMN, second)).set_value("health_score")
    at.selectbox(key=row_key(keys.WB_FIELD, second)).set_value("Risk_Flag__c").run()
    at.button(key=keys.WB_SAVE).click().run()
    assert not at.exception

    drawn = list(in_order(section(at)))
    where = {id(e): n for n, e in enumerate(drawn)}

    def position(key: str) -> int:
        return where[id(at.selectbox(key=key))]

    [twice] = [
        n
        for n, e in enumerate(drawn)
        if str(getattr(e, "value", "")).startswith("Column health_score is mapped twice")
    ]
    add_field = where[id(at.button(key=row_key(keys.WB_FIELD_ADD, mapping)))]
    # Below the second row's pickers (not between the first row and the second).
    assert position(row_key(keys.WB_COLUMN, first)) < position(row_key(keys.WB_COLUMN, second))
    assert position(row_key(keys.WB_FIELD, second)) < twice < add_field
    assert any(e.startswith("Not saved: 1 problem.") for e in texts(at, "error"))
    assert len(store.history()) == 1
