"""Pushes that stop halfway: killed, answers lost, the API budget, a Bulk job still running.

The promise under test: whatever happens, every record is written exactly once, and the
outbox says so. A write bumps the record's ``SystemModstamp``, so "exactly once" is checked
on the org itself: between snapshots, each record's stamp moved in exactly one interval.
"""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path

import pytest
from writeback_fixtures import REPO, Org, health_config, make_model

from pipelines.config.store import ConfigStore
from pipelines.writeback import last_push_results, list_runs, push
from pipelines.writeback.outbox import outbox_db, records
from pipelines.writeback.transport.bulk import PollPolicy

pytestmark = pytest.mark.timeout(240)

Sync = Callable[[Path], None]


def stamps(org: Org, ids: list[str]) -> dict[str, str]:
    return {rid: r["SystemModstamp"] for rid, r in org.accounts(ids).items()}


def latest_stamp(org: Org) -> datetime:
    with org.store.reading() as cur:
        row = cur.execute("SELECT max(system_modstamp) FROM account").fetchone()
    assert row is not None
    return row[0]


def written_since(org: Org, moment: datetime) -> list[str]:
    with org.store.reading() as cur:
        rows = cur.execute("SELECT id FROM account WHERE system_modstamp > ?", [moment]).fetchall()
    return [r[0] for r in rows]


def written_once(*snapshots: dict[str, str]) -> dict[str, int]:
    """Per record, in how many of the intervals between snapshots it was written."""
    first = snapshots[0]
    return {
        rid: sum(1 for a, b in itertools.pairwise(snapshots) if a[rid] != b[rid]) for rid in first
    }


def batches(home: Path) -> list[tuple[int, int, str]]:
    with outbox_db(home) as db:
        rows = db.execute("SELECT run_id, batch, state FROM writeback_batch ORDER BY run_id, batch")
        return [(int(r[0]), int(r[1]), str(r[2])) for r in rows]


# The push in its own process: its reader waits long before retrying, so that the test can
# kill it while a batch the org has applied is still unrecorded.
CHILD = """
import sys
from pipelines.salesforce.retry import RetryPolicy
from pipelines.writeback import push
from pipelines.writeback.connection import configured_client

client = configured_client()
client.retry = RetryPolicy(backoff=60.0, max_backoff=60.0)
push(client=client, batch_size=10)
"""


def start_push(home: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-c", CHILD],
        cwd=REPO,
        env={**os.environ, "SFSYNC_HOME": str(home)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def kill_when(child: subprocess.Popen[bytes], ready: Callable[[], bool]) -> None:
    try:
        deadline = time.monotonic() + 90
        while not ready():
            assert child.poll() is None, "the push ended before it could be interrupted"
            assert time.monotonic() < deadline, "the push never got there"
            time.sleep(0.05)
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()


def test_push_killed_after_the_org_applied_a_batch_writes_nothing_twice(
    org: Org, home: Path, sync: Sync
) -> None:
    sync(home)
    expected = make_model(home, "killed")
    ids = sorted(expected)
    config = health_config()
    ConfigStore(home).save(config, comment="write-back test")
    start = stamps(org, ids)
    # The org applies the first batch but its answer is cut off: the push backs off for a
    # minute before reading the records back, and is killed meanwhile.
    push_started = latest_stamp(org)
    org.set_faults(drop_next=1)
    child = start_push(home)

    def first_batch_applied() -> bool:
        rows = batches(home)
        if not rows or rows[0][2] != "sending":
            return False
        # Read from the org's own file: an API call here could be the one the fault cuts off.
        return len(written_since(org, push_started)) == 10

    kill_when(child, first_batch_applied)
    killed = stamps(org, ids)
    assert [state for *_, state in batches(home)] == ["sending"]

    rerun = push(config, home, client=org.client(), batch_size=10)
    final = stamps(org, ids)

    assert written_once(start, killed, final) == dict.fromkeys(ids, 1)
    assert rerun.status == "Completed"
    assert "settled batch 1 of push 1 (Account): 10 of 10 records had been written" in (
        rerun.run.message or ""
    )
    assert rerun.sent == len(ids) - 10
    # One read-back of the unrecorded batch, then the other records in batches of ten.
    assert rerun.api_calls == 1 + -(-(len(ids) - 10) // 10)
    dead = next(run for run in list_runs(home) if run.run_id == 1)
    assert dead.status == "Failed" and "interrupted" in (dead.message or "")
    first_run = records(home, 1)
    assert sum(1 for r in first_run if r.status == "sent") == 10
    assert {r.error_code for r in first_run if r.status == "failed"} == {"NOT_SENT"}
    assert {row[2] for row in batches(home)} == {"done"}
    assert org_health(org, ids) == {rid: expected[rid][0] for rid in ids}


def test_push_killed_while_the_org_runs_its_bulk_job_collects_the_results(
    org: Org, home: Path, sync: Sync
) -> None:
    sync(home)
    expected = make_model(home, "killed-bulk")
    ids = sorted(expected)
    config = health_config(transport="bulk")
    ConfigStore(home).save(config, comment="write-back test")
    jobs_before = ingest_jobs(org)
    start = stamps(org, ids)
    org.set_faults(bulk_delay_ms=4_000)  # the org takes four seconds over the job
    child = start_push(home)
    kill_when(child, lambda: "InProgress" in ingest_jobs(org, exclude=jobs_before).values())
    killed = stamps(org, ids)
    org.reset_faults()

    rerun = push(config, home, client=org.client())
    final = stamps(org, ids)

    assert written_once(start, killed, final) == dict.fromkeys(ids, 1)
    assert rerun.sent == 0 and rerun.status == "Completed"
    assert {r.status for r in records(home, 1)} == {"sent"}
    assert len(ingest_jobs(org, exclude=jobs_before)) == 1  # collected, not sent again
    assert org_health(org, ids) == {rid: expected[rid][0] for rid in ids}


def org_health(org: Org, ids: list[str]) -> dict[str, float]:
    return {rid: r["Health_Score__c"] for rid, r in org.accounts(ids).items()}


@pytest.mark.parametrize(
    ("fault", "calls"),
    [
        # The answer is cut off after the org applied the batch: read back, nothing resent.
        ({"drop_next": 1}, 2),
        # The org refused before applying it (503): read back, then sent again.
        ({"error_next": 1}, 3),
    ],
)
def test_a_failed_write_is_read_back_before_it_is_sent_again(
    org: Org, home: Path, sync: Sync, fault: dict[str, int], calls: int
) -> None:
    sync(home)
    expected = make_model(home, f"lost-{sorted(fault)[0]}")
    ids = sorted(expected)
    client = org.client()
    client.json("GET", client.data_path("/limits"))  # logged in: the fault hits the write
    start = stamps(org, ids)
    org.set_faults(**fault)

    result = push(health_config(), home, client=client)
    final = stamps(org, ids)

    assert (result.status, result.sent, result.failed) == ("Completed", len(ids), 0)
    assert result.api_calls == calls
    assert written_once(start, final) == dict.fromkeys(ids, 1)
    assert org_health(org, ids) == {rid: expected[rid][0] for rid in ids}


def test_api_budget_stops_the_push_and_the_next_one_sends_the_rest(
    org: Org, home: Path, sync: Sync
) -> None:
    sync(home)
    expected = make_model(home, "budget")
    ids = sorted(expected)
    usage = org.counters()["api_usage"]
    org.set_faults(daily_limit=usage + 3)  # the login's first call, then two batches
    client = org.client(budget_share=1.0)
    client.json("GET", client.data_path("/limits"))

    stopped = push(health_config(), home, client=client, batch_size=10)

    assert stopped.status == "Failed"
    assert "API budget reached" in (stopped.run.message or "")
    assert stopped.sent == 20
    not_sent = [r for r in records(home, stopped.run.run_id) if r.status == "failed"]
    assert len(not_sent) == len(ids) - 20
    assert {r.error_code for r in not_sent} == {"NOT_SENT"}

    org.reset_faults()
    resumed = push(health_config(), home, client=org.client(), batch_size=10)

    assert (resumed.status, resumed.sent) == ("Completed", len(ids) - 20)
    assert org_health(org, ids) == {rid: expected[rid][0] for rid in ids}


def test_bulk_job_still_running_is_collected_not_sent_again(
    org: Org, home: Path, sync: Sync
) -> None:
    sync(home)
    expected = make_model(home, "bulk-resume")
    ids = sorted(expected)
    config = health_config(transport="bulk")
    jobs_before = ingest_jobs(org)
    org.set_faults(bulk_delay_ms=1500)

    waiting = push(config, home, client=org.client(), poll=PollPolicy(first=0.05, timeout=0.3))

    assert waiting.status == "Failed" and "still InProgress" in (waiting.run.message or "")
    time.sleep(1.5)
    collected = push(config, home, client=org.client())

    assert collected.sent == 0 and collected.status == "Completed"
    assert "settled batch 1 of push 1" in (collected.run.message or "")
    assert {r.status for r in records(home, waiting.run.run_id)} == {"sent"}
    assert len(ingest_jobs(org, exclude=jobs_before)) == 1
    assert org_health(org, ids) == {rid: expected[rid][0] for rid in ids}
    assert last_push_results(home) is not None


def ingest_jobs(org: Org, *, exclude: Iterable[str] = ()) -> dict[str, str]:
    """The org's ingest jobs (but ``exclude``): id → state."""
    answer = org.http().get(org.api("/jobs/ingest"), timeout=30)
    answer.raise_for_status()
    skip = set(exclude)
    return {j["id"]: j["state"] for j in answer.json()["records"] if j["id"] not in skip}
