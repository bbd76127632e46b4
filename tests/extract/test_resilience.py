"""Faults, the API budget and crashes still end in a complete, correct warehouse."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from extract_fixtures import CUSTOM_OBJECTS, OBJECTS
from warehouse_checks import differences, duplicates, snapshot

from pipelines.salesforce import BudgetExceeded, run_extract

pytestmark = pytest.mark.timeout(300)

CRASH_SCRIPT = Path(__file__).with_name("crash_sync.py")
CRASH_OBJECTS = ["Account", "Contact", "Opportunity", "Case", "CaseComment", "EmailMessage"]
REPO = Path(__file__).resolve().parents[2]


def test_server_errors_dropped_connections_latency_and_expired_sessions(
    org: Any, home: Path, sync: Any
) -> None:
    org.set_faults(error_rate=0.15, drop_rate=0.1, latency_ms=15, expire_every=9)
    result = sync()
    org.reset_faults()

    for name in (*OBJECTS, *CUSTOM_OBJECTS):
        assert differences(org, home, name) == []
    assert result.api_calls > 20
    org.store.update("Account", sorted(org.live_ids("Account"))[0], {"Name": "After the storm"})
    org.set_faults(error_next=3, drop_next=2, expire_every=4)
    sync()
    org.reset_faults()
    assert differences(org, home, "Account") == []


def test_the_api_budget_stops_the_run_cleanly_and_the_next_run_catches_up(
    org: Any, home: Path, sync: Any
) -> None:
    sync()  # bootstrap within budget
    for account in sorted(org.live_ids("Account"))[:5]:
        org.store.update("Account", account, {"Description": "changed while out of budget"})
    usage = org.set_faults(daily_limit=10_000)["counters"]["api_usage"]
    org.set_faults(daily_limit=usage + 25)  # 80% of that leaves ~room for a part of the run

    with pytest.raises(BudgetExceeded) as stopped:
        sync()

    error = stopped.value
    assert str(error).startswith("API budget reached")
    assert error.limit == usage + 25 and error.share == 0.8
    used = org.set_faults()["counters"]["api_usage"]
    assert used <= int((usage + 25) * 0.8), "the run went past its share of the daily limit"
    partial = error.result  # type: ignore[attr-defined]
    assert partial.api_calls > 0
    for name in (*OBJECTS, *CUSTOM_OBJECTS):
        assert duplicates(home, name) == 0

    org.reset_faults()
    requests_reset = org.set_faults()  # counters were zeroed by the reset
    assert requests_reset["counters"]["api_usage"] == 0
    sync()
    for name in (*OBJECTS, *CUSTOM_OBJECTS):
        assert differences(org, home, name) == []


def test_a_bootstrap_larger_than_the_budget_loads_nothing_half_way(
    org: Any, home: Path, sync: Any
) -> None:
    org.set_faults(daily_limit=30)
    with pytest.raises(BudgetExceeded):
        sync()
    org.reset_faults()
    sync()
    for name in (*OBJECTS, *CUSTOM_OBJECTS):
        assert differences(org, home, name) == []


def crash(org: Any, home: Path, point: str) -> None:
    crashed = subprocess.run(
        [sys.executable, str(CRASH_SCRIPT), str(home), org.base_url, point],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert crashed.returncode == -9, crashed.stdout + crashed.stderr


@pytest.mark.parametrize(
    ("phase", "point"),
    [
        ("bootstrap", "mid-extract"),
        ("bootstrap", "mid-load"),
        ("bootstrap", "job-committed"),
        ("periodic", "mid-extract"),
        ("periodic", "after-extract"),
        ("periodic", "mid-load"),
        ("periodic", "job-committed"),
    ],
)
def test_a_run_killed_and_rerun_ends_identical_to_a_clean_sync(
    org: Any, home: Path, tmp_path: Path, phase: str, point: str
) -> None:
    credentials = org.credentials()
    if phase == "periodic":
        run_extract(home, credentials=credentials, objects=CRASH_OBJECTS, bulk_threshold=300)
        accounts = sorted(org.live_ids("Account"))
        org.store.update("Account", accounts[0], {"Name": "Changed before the crash"})
        org.store.delete("Account", accounts[1])
        comments = sorted(org.live_ids("CaseComment"))
        org.store.delete("CaseComment", comments[0])
        org.store.purge("CaseComment", [comments[0]])

    crash(org, home, point)
    org.store.update(
        "Contact", sorted(org.live_ids("Contact"))[0], {"Title": "Changed after the crash"}
    )
    resumed = run_extract(home, credentials=credentials, objects=CRASH_OBJECTS, bulk_threshold=300)
    clean_home = tmp_path / "clean"
    run_extract(clean_home, credentials=credentials, objects=CRASH_OBJECTS, bulk_threshold=300)

    assert snapshot(home, CRASH_OBJECTS) == snapshot(clean_home, CRASH_OBJECTS)
    for name in CRASH_OBJECTS:
        assert differences(org, home, name) == []
    if point in ("after-extract", "mid-load", "job-committed"):
        # The interrupted run's package was loaded first, then the run went on from its cursor.
        assert any("interrupted" in m for m in resumed.messages)
    if (phase, point) == ("bootstrap", "job-committed"):
        # That job's rows went into the table twice; the resumed run took the copies out.
        assert any("loaded twice" in m for m in resumed.messages)
